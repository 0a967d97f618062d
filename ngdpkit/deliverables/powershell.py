"""PowerShell for operations, built so that no value can become code (contract §10, §12.4).

Operations run these scripts as administrators, so every value from the settings or a
certificate enters a script only as a single-quoted literal made by :func:`literal`
(``'`` and the typographic single quotes that PowerShell also accepts are doubled,
control characters dropped), and never inside a comment. A value that failed its own
check is not embedded at all: the script is still written, but it stops at its top with
a :func:`refusal` that says what is wrong. Scripts are UTF-8 with BOM and CRLF, so
Windows PowerShell 5.1 reads ``ÆRØ\\svc-wørkzone`` correctly (it reads BOM-less files as ANSI).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import resources

_QUOTES = re.compile("['\u2018\u2019\u201a\u201b]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_PLACEHOLDER = re.compile(r"__[A-Z_]+__")
HOST = re.compile(
    r"^(?=.{1,253}\Z)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\Z"
)
THUMBPRINT = re.compile(r"^[0-9A-Fa-f]{1,128}\Z")


def literal(value: object) -> str:
    """``value`` as a PowerShell single-quoted string literal."""
    text = _CONTROL.sub("", str(value))
    return "'" + _QUOTES.sub(lambda m: m.group(0) * 2, text) + "'"


def array(values: Iterable[object]) -> str:
    """``@('a', 'b')``: a PowerShell array of literals."""
    return "@(" + ", ".join(literal(v) for v in values) + ")"


def refusal(reasons: list[str]) -> str:
    """The first statements of a script whose values failed their checks."""
    lines = ["# ngdpkit did not fill in this script: a value failed its check (see below)."]
    lines += [f"Write-Host {literal('ngdpkit: ' + r)} -ForegroundColor Red" for r in reasons]
    lines.append(
        "throw "
        + literal("ngdpkit refused to fill in this script; fix the settings and run ngdpkit again.")
    )
    return "\n".join(lines) + "\n\n"


def template(name: str) -> str:
    return (resources.files("ngdpkit") / "templates" / name).read_text(encoding="utf-8")


def fill(name: str, code: dict[str, str], *, refusals: list[str]) -> str:
    """The template ``name`` with each ``__KEY__`` replaced by ready-made PowerShell code
    (literals from :func:`literal`/:func:`array`), a refusal at its top when needed, CRLF.

    The template is read once, left to right, and every placeholder is replaced in that
    one pass: a value is never read again, so a value that spells another placeholder
    (``X\\__DEFAULT_ACCOUNTS__``) stays text inside its own literal instead of pulling in
    code. A template placeholder with no value, or a value for a placeholder the template
    lacks, is the kit's own fault and raises.
    """
    text = template(name)
    wanted = set(_PLACEHOLDER.findall(text))
    if wanted != set(code):
        missing, extra = sorted(wanted - set(code)), sorted(set(code) - wanted)
        raise ValueError(
            f"{name}: placeholders without a value {missing}, values without a place {extra}"
        )
    head, sep, rest = text.partition("$ErrorActionPreference = 'Stop'\n")
    if not sep:
        head, rest = "", text
    filled = [_PLACEHOLDER.sub(lambda m: code[m.group(0)], part) for part in (head, rest)]
    text = filled[0] + sep + (refusal(refusals) if refusals else "") + filled[1]
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def script_bytes(text: str) -> bytes:
    """A script as written to disk: UTF-8 with BOM, CRLF line ends."""
    return b"\xef\xbb\xbf" + text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
