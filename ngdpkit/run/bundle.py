"""``ngdpkit bundle``: a zip for KMD or Digitaliseringsstyrelsen support, with no secrets.

It holds findings, versions, the system ID, certificate facts and probe results
with their times; the mapping workbooks only when asked (they may hold personal data).
"""

from __future__ import annotations

import json
import os
import platform
import stat
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..redact import secret_parts

VERSIONS = (
    "ngdpkit",
    "papermill",
    "nbclient",
    "nbconvert",
    "pandas",
    "openpyxl",
    "rustpy-xlsxwriter",
    "python-calamine",
    "cryptography",
    "httpx",
)


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in VERSIONS:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _regular(path: Path) -> bool:
    """A regular file, not a link (a link could point at the secrets file or /etc/shadow)."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _secrets_of(run_dir: Path) -> dict[str, list[str]]:
    """The secrets to scan the bundle for: those of the run's own environment when its
    settings file is where the run says (beside ``runs/``) with the same SHA-256, and always
    also the ones the usual variables and the run's own hold in this process's environment
    (a tampered trail that names a decoy settings file must not empty the list)."""
    from ..secrets import resolve
    from ..settings import load_settings
    from .scan import environment_secrets

    started: dict[str, Any] = {}
    try:
        with (run_dir / "audit.jsonl").open(encoding="utf-8") as fh:
            first = json.loads(fh.readline(1 << 20))  # a record, not a file without line ends
        started = first if isinstance(first, dict) else {}
    except (OSError, ValueError, RecursionError):
        pass
    rel = started.get("settings")
    settings_path = (
        run_dir.parents[2] / rel if isinstance(rel, str) and len(run_dir.parents) > 2 else None
    )
    out: dict[str, list[str]] = {}
    if settings_path is not None and _regular(settings_path):
        import hashlib

        if hashlib.sha256(settings_path.read_bytes()).hexdigest() == started.get("settings_sha256"):
            try:
                settings = load_settings(settings_path)
                out = environment_secrets(settings, settings.environment(run_dir.parent.name))
            except InputError:
                pass
    names = {"NGDPKIT_TEST_AUTHORIZATION", "NGDPKIT_PRODUCTION_AUTHORIZATION"}
    try:
        config = json.loads((run_dir / "dispatcher-config.json").read_text(encoding="utf-8"))
        names.add(str(config["authorization"]["variable"]))
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        pass
    for name in names - set(out):
        secret = resolve(name)
        if secret is not None:
            out[name] = secret_parts(secret.reveal())
    return out


# The largest file a bundle carries. A run's own are far smaller (a 100,000-mailbox run's
# mapping workbook is some MB); a larger one was put there, and read whole it could take all
# memory (a sparse file of gigabytes costs no disk).
MEMBER_LIMIT = 256 << 20


def _verdict(run_dir: Path) -> dict[str, Any]:
    """What ``audit verify`` says of the folder, for support to read first: a bundle of a
    folder that does not verify says so (and the command prints it)."""
    from .audit import verify

    result = verify(run_dir)
    return {"intact": result.ok, "problems": [str(p)[:300] for p in result.problems[:5]]}


def make_bundle(run_dir: Path, *, with_workbooks: bool = False) -> Path:
    """The support zip beside the run folder (never inside it: the folder would no longer
    verify). Only regular files are read, never through a link; every member is scanned
    for the environment's secrets and left out, with its name in the summary, on a hit;
    the zip is written through a temporary file created exclusively, never followed."""
    # Kept whole: what is packed, what is left out and the zip written are one decision about
    # one folder; the refusals (links, a planted target) sit next to the write they guard.
    from .scan import needles

    run_dir = run_dir.resolve()
    if not (run_dir.is_dir() and _regular(run_dir / "findings.json")):
        raise InputError(f"{run_dir}: not a run folder (no findings.json)")
    from ..steps.records import support_facts

    # Per step, what its record allows a support bundle to carry (records' ``support``).
    steps = {
        p.stem: support_facts(p)
        for p in sorted((run_dir / "steps").glob("*.json"))
        if _regular(p) and not (run_dir / "steps").is_symlink()
    }
    names = [
        "findings.json",
        "manifest.json",
        "manifest.json.p7s",  # the seal, when the folder is sealed: support can verify it
        "audit.jsonl",
        "portal-registration.json",
        "firewall-rules.csv",
        "dispatcher-config.json",
    ]
    if with_workbooks:
        names += [
            "mailbox-mapping.xlsx",
            "mailbox-mapping.csv",
            "mapping-suggestions.xlsx",
            "contact-point-plan.xlsx",
        ]
    pins = needles(_secrets_of(run_dir))
    members: dict[str, bytes] = {}
    left_out: list[str] = []
    too_large: list[str] = []
    for name in names:
        path = run_dir / name
        if not _regular(path):
            continue
        if path.stat().st_size > MEMBER_LIMIT:  # no run writes one: it was put there
            too_large.append(name)
            continue
        data = path.read_bytes()
        if _holds_secret(name, data, pins):
            left_out.append(name)
        else:
            members[name] = data
    summary = {
        "run": run_dir.name,
        "environment": run_dir.parent.name,
        "versions": versions(),
        "steps": steps,
        "left_out_holding_a_secret": left_out,
        "left_out_too_large": too_large,
        "audit_verify": _verdict(run_dir),
    }
    text = json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8")
    if _holds_secret("summary.json", text, pins):
        summary["steps"] = {}
        text = json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8")
    target = run_dir.parent / f"{run_dir.name}-support.zip"
    if target.is_symlink() or (target.exists() and not _regular(target)):
        raise InputError(f"{target}: exists and is not a regular file; remove it first")
    tmp = target.with_name(target.name + ".tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()  # a link planted there is removed, never written through
    flags = (
        os.O_WRONLY
        | os.O_CREAT
        | os.O_EXCL
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_BINARY", 0)
    )
    try:
        fd = os.open(tmp, flags, 0o600)
    except OSError as exc:
        raise InputError(f"{tmp}: cannot create the bundle ({exc.strerror})") from exc
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("summary.json", text)
            for name, data in members.items():
                zf.writestr(name, data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _holds_secret(name: str, data: bytes, pins: list[Any]) -> bool:
    """True when a member's bytes hold a secret, searched as the run's own leak scan searches
    them (:func:`ngdpkit.run.scan.scan_bytes`: a workbook's parts decompressed, a step table
    decoded, a token split by an unseen character). What cannot be searched is not handed
    on: a part the scan cannot read (encrypted, say) counts as holding every secret, and a
    zip that does not open at all, which the scan would read as plain bytes, is left out."""
    import io

    from .scan import scan_bytes

    if data[:4] == b"PK\x03\x04":
        try:
            zipfile.ZipFile(io.BytesIO(data)).close()
        except (zipfile.BadZipFile, OSError, ValueError):
            return True
    return bool(scan_bytes(name, data, pins))
