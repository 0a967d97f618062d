"""A consultancy's view (``ngdpkit status``): every customer's environments at a glance.

It reads settings files and run folders only (no re-running, no secrets), so it stays fast
for hundreds of customers. A settings file or run that cannot be read is a row that says
so, never the end of the listing.
"""

from __future__ import annotations

import datetime as dt
import stat
import tomllib
from pathlib import Path
from typing import Any

from ..errors import InputError
from .runs import RunView, latest_run

RANK = {"unreadable": 0, "errors": 1, "crashed": 1, "no run": 2, "warnings": 3, "ok": 4}


def settings_files(paths: list[Path]) -> list[Path]:
    """Each path as given (a settings file), or every ngdpkit settings file below a folder."""
    out: list[Path] = []
    for path in paths:
        if path.is_file() or (path.exists() and not path.is_dir()):
            out.append(path)  # a FIFO or a device becomes an "unreadable" row, never a hang
        elif path.is_dir():
            out += [p for p in sorted(path.rglob("*.toml")) if "runs" not in p.parts and _looks(p)]
        else:
            raise InputError(f"{path}: not found")
    return out


MAX_SETTINGS = 1024 * 1024


def _read_regular(path: Path, limit: int) -> bytes | None:
    """At most ``limit`` bytes of a regular file; None for anything else (a FIFO named
    ``*.toml`` would block a plain read for ever; a device would never end)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None
        with path.open("rb") as fh:
            return fh.read(limit)
    except OSError:
        return None


def _looks(path: Path) -> bool:
    """A TOML file with [organisation] and [environments]: an ngdpkit settings file."""
    data = _read_regular(path, 200_000)
    if data is None:
        return False
    head = data.decode("utf-8", "replace")
    return "[organisation]" in head and "[environments." in head


def _environments(path: Path) -> tuple[str, str, list[str], Path]:
    """(organisation, CVR, environment names, runs folder) from a settings file, read lightly."""
    raw = _read_regular(path, MAX_SETTINGS + 1)
    if raw is None or len(raw) > MAX_SETTINGS:
        raise ValueError("not a regular file of at most 1 MB")
    data = tomllib.loads(raw.decode("utf-8"))
    org = data.get("organisation") or {}
    envs = data.get("environments") or {}
    if not isinstance(envs, dict) or not isinstance(org, dict):
        raise ValueError("no [organisation] or [environments]")
    names = [str(n) for n in envs]
    return str(org.get("name", "?")), str(org.get("cvr", "?")), names, path.parent / "runs"


def row_of(settings: Path, organisation: str, environment: str, env_dir: Path) -> dict[str, Any]:
    row: dict[str, Any] = {
        "settings": str(settings),
        "organisation": organisation,
        "environment": environment,
        "status": "no run",
        "errors": None,
        "warnings": None,
        "dispatcher_ready": None,
        "certificate_days_left": None,
        "run": None,
        "run_date": None,
        "anchor": None,
        "problem": None,
    }
    run = latest_run(env_dir / environment)
    if run is None:
        return row
    try:
        view = RunView.load(run, mapping=False)
    except InputError as exc:
        return {**row, "status": "unreadable", "run": run.name, "problem": exc.problems[0]}
    counts = view.counts()
    days = None
    if view.certificate and view.certificate.get("not_after"):
        try:
            not_after = dt.datetime.fromisoformat(
                str(view.certificate["not_after"]).replace("Z", "+00:00")
            )
            days = (not_after - dt.datetime.now(dt.UTC)).days
        except ValueError:
            days = None
    when = view.when
    return {
        **row,
        "status": view.status,
        "errors": counts["error"],
        "warnings": counts["warning"],
        "dispatcher_ready": bool(view.dispatcher and view.dispatcher.get("ready")),
        "certificate_days_left": days,
        "run": run.name,
        "run_date": when.strftime("%Y-%m-%d %H:%M UTC") if when else None,
        "anchor": view.anchor,
    }


def portfolio(paths: list[Path]) -> list[dict[str, Any]]:
    """One row per environment of every settings file, worst first."""
    rows: list[dict[str, Any]] = []
    for path in settings_files(paths):
        try:
            organisation, _cvr, names, runs = _environments(path)
        except (OSError, ValueError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            rows.append(
                {
                    "settings": str(path),
                    "organisation": "?",
                    "environment": "?",
                    "status": "unreadable",
                    "problem": f"{path.name}: {type(exc).__name__}",
                }
            )
            continue
        rows += [row_of(path, organisation, name, runs) for name in names]
    rows.sort(
        key=lambda r: (
            RANK.get(str(r["status"]), 5),
            -(r.get("errors") or 0),
            -(r.get("warnings") or 0),
            r.get("certificate_days_left") if r.get("certificate_days_left") is not None else 10**6,
            r["organisation"],
            r["environment"],
        )
    )
    return rows
