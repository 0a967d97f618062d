"""Secrets (contract §6): where they come from and how they are held.

Order: environment variable, the settings' ``secrets_file`` (dotenv), the OS
keyring (service "ngdpkit", only when the optional ``keyring`` package is
installed), and only on a terminal a hidden prompt asked by the CLI before any
kernel starts. A papermill kernel never prompts: it inherits the value in its
process environment under the configured variable name. A JupyterLab kernel
prompts at most once per kernel and variable.

A :class:`Secret` never shows its value in ``repr``/``str``; call
:meth:`Secret.reveal` at the one place the value is used. Surrounding whitespace
(a trailing newline from ``echo`` or a pasted file) is stripped at this edge and
remembered (``Secret.whitespace``, reported as ``SECRET_WHITESPACE``), and every
value found is registered with :mod:`ngdpkit.redact`, the boundary that removes it
from every text leaving the process.
"""

from __future__ import annotations

import codecs
import os
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import redact
from .redact import SHORT_SECRET, authorization_parts, parse_authorization

__all__ = [
    "SHORT_SECRET",
    "Secret",
    "authorization_parts",
    "own_words",
    "parse_authorization",
    "quality_findings",
    "read_dotenv",
    "resolve",
]

if TYPE_CHECKING:
    from .findings import Finding

KEYRING_SERVICE = "ngdpkit"

_kernel_cache: dict[str, str] = {}


@dataclass(frozen=True)
class Secret:
    """A secret value with the name of the variable that holds it."""

    name: str
    _value: str = field(repr=False)
    origin: str = "environment"
    whitespace: bool = False  # the source had surrounding whitespace, now stripped
    _raw: str = field(default="", repr=False)  # as the source held it (handed on to a child)
    # the secrets file that holds another value for the variable, when the environment's won
    shadows: str = ""
    _shadowed: str = field(default="", repr=False)  # that value: a secret too, never used

    def shadowed_value(self) -> str:
        """The secrets file's other value (a leak scan looks for it too); empty if none."""
        return self._shadowed

    def reveal(self) -> str:
        return self._value

    def as_found(self) -> str:
        """The value exactly as its source held it: what a child process is handed, so that
        the child strips it and reports ``SECRET_WHITESPACE`` itself."""
        return self._raw or self._value

    def __str__(self) -> str:
        return f"<secret {self.name} from {self.origin}>"

    def __repr__(self) -> str:
        return f"Secret(name={self.name!r}, origin={self.origin!r}, value=***)"

    @classmethod
    def found(cls, name: str, raw: str, origin: str) -> Secret | None:
        """The edge: strip, remember whether anything was stripped, register for redaction."""
        value = raw.strip()
        if raw:
            redact.register(name, raw if not value else value)
        if not value:
            return None
        return cls(name, value, origin, whitespace=value != raw, _raw=raw)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


MAX_DOTENV_BYTES = 1024 * 1024  # a secrets file holds a few lines


# Windows-1252 ("ANSI", as Notepad and Set-Content save a file on a Danish Windows), each of
# its five unassigned bytes as Latin-1 reads it, as Windows does. A lenient read of such a
# secrets file as Latin-1 registered "Kode\x802026" for "Kode€2026", and a refusal that
# quoted the password pasted into another key showed it whole (an attacker's look).
_WINDOWS_1252 = "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in range(256))


def _dotenv_text(path: Path, *, lenient: bool) -> str:
    """A secrets file's text: UTF-8, at most :data:`MAX_DOTENV_BYTES`, else an
    :class:`InputError` naming the file and never its content (Windows PowerShell 5.1's ``>``
    writes UTF-16: it crashed check and run, an attacker's look found). ``lenient`` reads
    what it can instead (UTF-16 by its BOM, else Windows-1252; 64 MB at most), for hiding a
    secret in a refusal that comes before the file's own."""
    from .errors import InputError

    bound = 64 * MAX_DOTENV_BYTES if lenient else MAX_DOTENV_BYTES
    try:
        size = path.stat().st_size
        if size > bound:
            raise InputError(f"{path.name}: {size:,} bytes, over the 1 MB bound for a secrets file")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path.name}: the secrets file cannot be read ({exc.strerror})") from exc
    # UTF-16 without its BOM is valid UTF-8 with a NUL in every other byte: read so, no key
    # was a variable's, no secret was registered for a refusal to hide (an attacker's look)
    order = utf16_encoding(raw)
    try:
        if order is not None and not lenient:
            raise UnicodeDecodeError(order, raw[:2], 0, 1, "UTF-16")
        return raw.decode(order or "utf-8-sig")
    except UnicodeDecodeError:
        if lenient:  # as Windows reads "ANSI": a password with "€" or "‘" is the one typed
            return codecs.charmap_decode(raw, "strict", _WINDOWS_1252)[0]
        why, how = (
            (
                "it looks like UTF-32 (as PowerShell writes it with -Encoding UTF32)"
                if order.startswith("utf-32")
                else "it looks like UTF-16 (as Windows PowerShell 5.1 writes it with > or Out-File)",
                "Out-File -Encoding utf8",
            )
            if order
            else (
                "it is not UTF-8 text (Windows-1252, as Notepad ANSI and Set-Content write it?)",
                "Set-Content -Encoding UTF8",
            )
        )
        raise InputError(
            f"{path.name}: {why}: save the secrets file as UTF-8 (PowerShell: {how}; "
            "Notepad: Save As, Encoding UTF-8)"
        ) from None


def utf16_encoding(raw: bytes) -> str | None:
    """The codec of a file that looks like UTF-16 (Windows PowerShell 5.1's ``>`` and
    ``Out-File``, Notepad's "Unicode") or UTF-32 (PowerShell's ``-Encoding UTF32``), for the
    secrets file and the settings file alike: by its BOM; without one (.NET's UnicodeEncoding
    told to write none) by the NULs of ASCII text, little-endian (as Windows writes it) when
    each comes second; else None. UTF-32 was read as UTF-16 with a NUL after every letter:
    no secret in it was registered, and a refusal showed a password pasted into another key."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = raw[:200]
    if head.count(b"\x00") <= 10:
        return None
    # UTF-32: a code point's top byte is always NUL, the next one but for emoji and the like
    for codec, top, second in (
        ("utf-32-le", head[3::4], head[2::4]),
        ("utf-32-be", head[0::4], head[1::4]),
    ):
        if top.count(0) == len(top) and second.count(0) * 2 > len(second):
            return codec
    return "utf-16-le" if raw[1:200:2].count(0) >= raw[0:200:2].count(0) else "utf-16-be"


# What a shell puts before a variable's name, which a consultant copies into the secrets file
# with the line: POSIX ``export``, cmd's ``set`` and PowerShell's ``$env:`` (a consultant's
# Windows pass: "set NGDPKIT_…=x" and "$env:NGDPKIT_…='x'" were skipped without a word)
_SHELL_PREFIX = re.compile(r"^(?:export\s+|set\s+|\$env:)", re.IGNORECASE)
_SETX = re.compile(r"^setx\s+([A-Za-z_][A-Za-z0-9_]*)\s+(.*)$", re.IGNORECASE)


def read_dotenv(path: Path, *, lenient: bool = False) -> dict[str, str]:
    """Parse a dotenv file: ``NAME=value`` lines, ``#`` comments, optional quotes, and the
    forms a shell writes them in: ``export``, ``set`` (also ``set "NAME=value"``), ``$env:``
    (also with a closing ``;``) and cmd's ``setx NAME value``. A file that is not UTF-8 or over
    1 MB is an :class:`InputError` (``lenient``: see :func:`_dotenv_text`)."""
    values: dict[str, str] = {}
    for line in _dotenv_text(path, lenient=lenient).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if (setx := _SETX.match(line)) is not None:  # cmd's setx NAME "value" [/M]: no "="
            key, value = setx.group(1), re.sub(r"\s+/[Mm]$", "", setx.group(2).strip())
        elif "=" not in line:
            continue
        else:
            prefix = _SHELL_PREFIX.match(line)
            rest = line[prefix.end() :] if prefix else line
            if len(rest) >= 2 and rest[0] == rest[-1] == '"' and prefix:  # set "NAME=value"
                rest = rest[1:-1]
            key, _, value = rest.partition("=")
        key, value = key.strip(), value.strip()
        quote = value[:1]
        if quote in ('"', "'") and quote in value[1:]:
            # the quoted text, and nothing after its closing quote: PowerShell's "value";
            # and "value"; # a comment, cmd's setx "value" /M (an attacker's pass: each kept
            # its tail as part of the password)
            value = value[1 : value.index(quote, 1)]
        values[key] = value
    return values


def _from_keyring(name: str) -> str | None:
    try:
        import keyring  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    try:
        value = keyring.get_password(KEYRING_SERVICE, name)
        return None if value is None else str(value)
    except Exception:  # no backend, locked store: the keyring is optional
        return None


def _in_jupyter_kernel() -> bool:
    """True inside a running Jupyter kernel (not merely a process that imported ipykernel)."""
    if "IPython" not in sys.modules:
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def in_dotenv(values: dict[str, str], name: str) -> str | None:
    """``name``'s value in a parsed secrets file, its case ignored when no line spells it
    exactly (Windows reads variable names so: ``ngdpkit_test_cert_password`` is the same
    variable)."""
    if name in values:
        return values[name]
    return next((v for k, v in values.items() if k.upper() == name.upper()), None)


# The origin of a secret a JupyterLab kernel asked for, which it asks once per kernel ("prompt"
# is the terminal's, asked by the command that needs it): only the kernel's is told to restart
# the kernel to be asked again (a reviewer's look: ``cert inspect`` at a terminal, the password
# mistyped, was told "restart it (Kernel, Restart Kernel)")
KERNEL_PROMPT = "kernel prompt"


def resolve(
    name: str | None,
    *,
    secrets_file: Path | None = None,
    prompt: bool = False,
    environ: dict[str, str] | None = None,
    label: str = "",
    question: str = "",
) -> Secret | None:
    """Find a secret by variable name; None when no source has it.

    Args:
        name: the environment variable's name (from the settings).
        secrets_file: the settings' dotenv file, if any.
        prompt: ask on the terminal (the CLI, before any kernel) when nothing else has it.
        environ: the environment to read (default ``os.environ``).
        label: what the prompt says the secret is for.
        question: the prompt's whole text in the session's language (a JupyterLab step
            asks in Danish in a Danish session, with the customer watching); without it, the
            label and the variable's name in English.
    """
    if not name:
        return None
    env = os.environ if environ is None else environ
    in_file = (
        in_dotenv(read_dotenv(secrets_file), name)
        if secrets_file is not None and secrets_file.is_file()
        else None
    )
    if env.get(name) and env[name].strip():
        secret = Secret.found(name, env[name], "environment")
        other = (in_file or "").strip()
        if secret is not None and other and other != secret.reveal() and secrets_file:
            # a stale variable left in the shell wins over the file the consultant corrected:
            # said, or the fix "does not work" (a consultant's cold run). The file's value is
            # a secret too (often the right one): registered for redaction under its own name
            # (the variable's registration is the value in use) and scanned for in a run's
            # folder, unless it is too short to be told from words ("test" would hide every
            # "test" of the pages, an attacker's look found)
            shadowed = other if len(other) >= SHORT_SECRET else ""
            if shadowed:
                redact.register(f"{name} ({secrets_file.name})", shadowed)
            secret = replace(secret, shadows=secrets_file.name, _shadowed=shadowed)
        return secret
    if in_file and in_file.strip():
        return Secret.found(name, in_file, "secrets file")
    value = _from_keyring(name)
    if value and value.strip():
        return Secret.found(name, value, "keyring")
    if name in _kernel_cache:  # a JupyterLab kernel asks once, even when the answer was empty
        cached = _kernel_cache[name]
        return Secret.found(name, cached, KERNEL_PROMPT) if cached else None
    if prompt or _in_jupyter_kernel():
        value = _ask(name, label, question)
        if _in_jupyter_kernel():
            _kernel_cache[name] = value or ""
        if value:
            return Secret.found(name, value, KERNEL_PROMPT if _in_jupyter_kernel() else "prompt")
    return None


def _ask(name: str, label: str, question: str = "") -> str | None:
    import getpass

    text = question or f"{label or name} ({name}, input hidden): "
    try:
        if not _in_jupyter_kernel() and not (sys.stdin and sys.stdin.isatty()):
            return None
        return getpass.getpass(text) or None
    except Exception:  # papermill kernels have no stdin (StdinNotImplementedError), EOF on pipes
        return None


SECRET_WHAT = ("certificate password", "authorization header")


def secret_missing(source: str, *, what: str, variable: str | None, detail: str = "") -> Finding:
    """``SECRET_MISSING``, said the same way wherever a secret is needed: which secret,
    and either that no variable is named for it or that the named one holds nothing.

    ``what`` is one of :data:`SECRET_WHAT`; ``source`` the settings key that names the
    variable (``environments.test.authorization_env``); ``detail`` an optional fixed
    phrase (why it is needed here).
    """
    from . import findings as F

    assert what in SECRET_WHAT, what
    if not variable:
        return F.error(
            "SECRET_MISSING",
            "No variable is named for the {what}: set {key} to the environment variable that holds it{detail}.",
            source,
            what=what,
            key=source,
            detail=detail,
        )
    return F.error(
        "SECRET_MISSING",
        "No {what}: the environment variable {variable} is empty or not set, and no secrets file gives it{detail}.",
        source,
        what=what,
        variable=variable,
        detail=detail,
    )


def own_words(environment: str, kind: str, organisation: str) -> dict[str, str]:
    """The texts every output of an environment's run holds, for :func:`quality_findings`."""
    return {
        "the environment's name": environment,
        "the environment's kind": kind,
        "the organisation's name": organisation,
    }


KIT_TEXT = "the kit's own text (its pages, scripts and messages)"


def kit_text() -> str:
    """The kit's own text, as :func:`quality_findings` looks for a secret in it: the package's
    modules (every finding's and message's words, the settings' keys), its page templates,
    scripts and notebooks. Read once per process."""
    if not _KIT_TEXT:
        root = Path(__file__).parent
        _KIT_TEXT.append(
            "\n".join(
                path.read_text(encoding="utf-8", errors="replace")
                for path in sorted(root.rglob("*"))
                if path.suffix in (".py", ".j2", ".ps1", ".ipynb", ".md") and path.is_file()
            )
        )
    return _KIT_TEXT[0]


_KIT_TEXT: list[str] = []


def _written_text(value: str, own: dict[str, str] | None) -> str | None:
    """What of the run's own text holds the secret ``value`` of at least ``SHORT_SECRET``
    characters (the leak scan matches such a secret anywhere, as it is written: a common word
    is found inside the kit's own words); None when none does, or without ``own`` (a
    certificate checked alone)."""
    if own is None:
        return None
    texts = {**own, KIT_TEXT: kit_text()}
    return next((what for what, text in texts.items() if value in text), None)


def _written_word(value: str, own: dict[str, str] | None) -> str | None:
    """What of the run's own text (``own``: what it is -> the text, as "the environment's
    name" -> "test") holds the short secret ``value`` as a whole word, as the leak scan
    matches a short secret; None when none does."""
    import re

    token = re.compile("(?<![A-Za-z0-9])" + re.escape(value) + "(?![A-Za-z0-9])")
    return next((what for what, text in (own or {}).items() if token.search(text)), None)


def quality_findings(secret: Secret, key: str, own: dict[str, str] | None = None) -> list[Finding]:
    """``SECRET_WHITESPACE``, ``SECRET_SHADOWED`` and ``SECRET_TOO_SHORT`` for a secret that
    was found. ``own``: texts every output of the run holds (the environment's name); a short
    secret that is a word of one is said to be so, since the leak scan will replace every
    output (a data specialist's pass: the password "test" of the environment "test" left 59
    SECRET_LEAK and no deliverable, with only "matches it as a whole token" said before)."""
    from . import findings as F

    found = []
    if secret.whitespace:
        found.append(
            F.warning(
                "SECRET_WHITESPACE",
                "The value of {name} had surrounding whitespace (a trailing newline from a file or a paste); it was removed before use.",
                key,
                name=secret.name,
            )
        )
    if secret.shadows:
        found.append(
            F.warning(
                "SECRET_SHADOWED",
                "{name} is set in the environment, and {file} holds another value for it: the environment's value is used (remove the variable from the environment to use the file's).",
                key,
                name=secret.name,
                file=secret.shadows,
            )
        )
    written = _written_word(secret.reveal(), own) if len(secret.reveal()) < SHORT_SECRET else None
    if written is not None:
        found.append(
            F.warning(
                "SECRET_TOO_SHORT",
                "The value of {name} is under {short_secret} characters and is a word of {where}, which the run writes in its outputs: the leak scan will replace each output that holds it by a stub; set a value of at least {short_secret} characters.",
                key,
                name=secret.name,
                short_secret=SHORT_SECRET,
                where=written,
            )
        )
    elif len(secret.reveal()) < SHORT_SECRET:
        found.append(
            F.warning(
                "SECRET_TOO_SHORT",
                "The value of {name} is under {short_secret} characters; the leak scan matches it as a whole token only.",
                key,
                name=secret.name,
                short_secret=SHORT_SECRET,
            )
        )
    else:
        found += _in_own_text(secret, key, own)
    return found


def _in_own_text(secret: Secret, key: str, own: dict[str, str] | None) -> list[Finding]:
    """``SECRET_IN_OWN_TEXT`` for a secret of ``SHORT_SECRET`` characters or more that stands
    in what the run writes itself. A consultant's measure: the certificate password
    "password" emptied findings.json, both scripts and step 03 (it stands in the settings'
    key ``certificate_password_env``), "adgangskode" the runbook and the dispatcher page, and
    only the SECRET_LEAK after the run said anything, blaming the inputs. The scan cannot
    let a real secret through, so the warning comes before the run."""
    from . import findings as F

    where = _written_text(secret.reveal(), own)
    if where is None:
        return []
    return [
        F.warning(
            "SECRET_IN_OWN_TEXT",
            "The value of {name} stands in {where}, which the run writes in its outputs: the leak scan will replace each output that holds it by a stub; set a value that is no word of them (a generated one).",
            key,
            name=secret.name,
            where=where,
        )
    ]
