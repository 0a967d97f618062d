"""The one sanitising boundary for secrets and for text bound for a terminal (contract §6, §10).

Every secret the process resolves is registered here (by :func:`ngdpkit.secrets.resolve`),
and text passes through :func:`redact` where it enters or leaves: finding messages (at
construction), the console (the CLI wraps stdout and stderr), and what the kit reads from
NgDP and the rehearsal's replies (``checks.deadline.answer_json``: a server that echoes the
header back). So a library's error text that quotes a header (httpx: ``Illegal header value
b'Basic …'``) loses the secret before anyone sees it. Files are not redacted as they are
written (a redaction of every byte of a 100,000-mailbox run would double the scan's cost).
The same table of encodings drives the leak scan (:mod:`ngdpkit.run.scan`), which looks for
what escaped this boundary in the files a run wrote, and stubs such a file: raw, base64
(standard and URL-safe, padded or not), URL-, HTML- and JSON-escaped, the combinations
HTML-then-JSON and JSON-then-HTML, PowerShell single-quoted (``'`` doubled) and Python
``repr``. Secrets under :data:`SHORT_SECRET` characters match as whole tokens only.

A secret split by what a reader cannot see is still the secret: a token with a zero-width
space (U+200B) inside shows whole in a terminal, a browser or a PDF. :func:`redact` and the
scan look for every form again in the text with those characters taken out
(:func:`unseen_removed`, :data:`UNSEEN_RANGES`): ANSI escapes, control characters but tab and
newline, Unicode's format characters (zero-width, soft hyphen, bidirectional marks, tags)
and variation selectors. A secret split by a visible character (a space, a line break) or
across two fields is not matched.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
import threading
from typing import Any
from urllib.parse import quote, quote_plus

SHORT_SECRET = 8
HIDDEN = "[hidden: {name}]"

_lock = threading.Lock()
_registry: dict[str, tuple[str, ...]] = {}
_pattern: re.Pattern[str] | None = None
_names: dict[str, str] = {}


def parse_authorization(value: str) -> tuple[str, str] | None:
    """(user, token) of ``Authorization: Basic x``, ``Basic x`` or ``x``; None when undecodable."""
    text = value.strip()
    if text.lower().startswith("authorization:"):
        text = text.split(":", 1)[1].strip()
    if text.lower().startswith("basic "):
        text = text[6:].strip()
    try:
        decoded = base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if ":" not in decoded:
        return None
    user, _, token = decoded.partition(":")
    return user, token


def authorization_parts(value: str) -> list[str]:
    """Every form of the header a leak scan must look for: the whole, its base64 part, the decoded token."""
    parts = [value.strip()]
    text = value.strip()
    if text.lower().startswith("authorization:"):
        text = text.split(":", 1)[1].strip()
    if text.lower().startswith("basic "):
        text = text[6:].strip()
    parts.append(text)
    parsed = parse_authorization(value)
    if parsed:
        parts.append(f"{parsed[0]}:{parsed[1]}")
        parts.append(parsed[1])
    return [p for p in dict.fromkeys(parts) if p]


def secret_parts(value: str) -> list[str]:
    """The value and, when it is an authorization header, its base64 part and decoded token."""
    return authorization_parts(value)


def _powershell(value: str) -> str:
    # PowerShell treats the typographic single quotes as quote characters too.
    return re.sub("['\u2018\u2019\u201a\u201b]", lambda m: m.group(0) * 2, value)


def encodings(value: str) -> list[str]:
    """Every form in which ``value`` could be written, longest first."""
    b = value.encode("utf-8")
    b64 = base64.b64encode(b).decode()
    url64 = base64.urlsafe_b64encode(b).decode()
    jsoned = json.dumps(value)[1:-1]
    jsoned_utf8 = json.dumps(value, ensure_ascii=False)[1:-1]
    escaped = html.escape(value)
    forms = {
        value,
        b64,
        b64.rstrip("="),
        url64,
        url64.rstrip("="),
        quote(value, safe=""),
        quote_plus(value),
        escaped,
        html.escape(value, quote=False),
        jsoned,
        jsoned_utf8,
        json.dumps(escaped)[1:-1],
        json.dumps(escaped, ensure_ascii=False)[1:-1],
        html.escape(jsoned),
        html.escape(jsoned_utf8),
        _powershell(value),
        html.escape(_powershell(value)),
        json.dumps(_powershell(value))[1:-1],
        repr(value)[1:-1],
        repr(b)[2:-1],
    }
    return sorted((f for f in forms if f), key=len, reverse=True)


_PERCENT = re.compile(r"%([0-9A-Fa-f])([0-9A-Fa-f])")


def _either_case(ch: str) -> str:
    return f"[{ch.upper()}{ch.lower()}]" if ch.isalpha() else ch


def form_pattern(form: str) -> str:
    """A regular expression for one encoded form: the text itself, except that every
    percent-escape matches in either case (``%2F`` and ``%2f``, as .NET writes it)."""
    return _PERCENT.sub(
        lambda m: "%" + _either_case(m.group(1)) + _either_case(m.group(2)), re.escape(form)
    )


def clip(text: str, limit: int) -> str:
    """``text`` as one clean line, secrets removed **before** it is cut to ``limit``
    characters: cutting first can leave part of a secret that no longer matches."""
    return one_line(text)[:limit]


def register(name: str, value: str) -> None:
    """Remember a secret (by its variable's name) so that :func:`redact` removes it everywhere."""
    parts = tuple(secret_parts(value))
    if not parts:
        return
    global _pattern
    with _lock:
        if _registry.get(name) == parts:
            return
        _registry[name] = parts
        _pattern = None


def forget_all() -> None:
    """Empty the registry (tests)."""
    global _pattern
    with _lock:
        _registry.clear()
        _pattern = None


def registered() -> dict[str, list[str]]:
    """Variable name -> the parts registered for it."""
    with _lock:
        return {k: list(v) for k, v in _registry.items()}


def _compiled() -> re.Pattern[str] | None:
    global _pattern, _names
    with _lock:
        if _pattern is not None or not _registry:
            return _pattern
        names: dict[str, str] = {}
        long_forms: list[str] = []
        short_forms: list[str] = []
        for name, parts in _registry.items():
            for part in parts:
                for form in encodings(part):
                    names.setdefault(form, name)
                    (short_forms if len(part) < SHORT_SECRET else long_forms).append(form)
        alternatives = [form_pattern(f) for f in sorted(set(long_forms), key=len, reverse=True)]
        alternatives += [
            r"(?<![A-Za-z0-9])" + form_pattern(f) + r"(?![A-Za-z0-9])"
            for f in sorted(set(short_forms), key=len, reverse=True)
        ]
        _pattern = re.compile("|".join(alternatives))
        _names = names
        return _pattern


def redact(text: str) -> str:
    """``text`` with every registered secret, in every encoding, replaced by ``[hidden: NAME]``;
    also a secret split by characters a reader cannot see (the span, those characters with
    it, is replaced)."""
    if not text:
        return text
    pattern = _compiled()
    if pattern is None:
        return text

    def name(found: str) -> str:
        upper = _PERCENT.sub(lambda m: m.group(0).upper(), found)
        return _names.get(found) or _names.get(upper, "secret")

    out = pattern.sub(lambda m: HIDDEN.format(name=name(m.group(0))), text)
    if _UNSEEN.search(out) is None:
        return out
    return _redact_across_unseen(out, pattern, name)


def _redact_across_unseen(text: str, pattern: re.Pattern[str], name: Any) -> str:
    """The secrets :func:`redact` finds once the unseen characters are taken out, replaced in
    ``text`` itself: each match is mapped back to the span of the original it came from."""
    import bisect

    starts: list[int] = []  # where each visible piece begins in the skeleton …
    origins: list[int] = []  # … and in ``text``
    pieces: list[str] = []
    at = length = 0
    for m in _UNSEEN.finditer(text):
        if m.start() > at:
            starts.append(length)
            origins.append(at)
            pieces.append(text[at : m.start()])
            length += m.start() - at
        at = m.end()
    if at < len(text):
        starts.append(length)
        origins.append(at)
        pieces.append(text[at:])
    skeleton = "".join(pieces)

    def original(i: int) -> int:  # the position in ``text`` of the skeleton's character i
        k = bisect.bisect_right(starts, i) - 1
        return origins[k] + (i - starts[k])

    spans = [
        (original(m.start()), original(m.end() - 1) + 1, name(m.group(0)))
        for m in pattern.finditer(skeleton)
        if m.end() > m.start()
    ]
    for start, end, found in reversed(spans):
        text = text[:start] + HIDDEN.format(name=found) + text[end:]
    return text


def redact_bytes(data: bytes) -> bytes:
    """:func:`redact` for UTF-8 text held as bytes; other bytes pass unchanged (the scan has them)."""
    if _compiled() is None:
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    cleaned = redact(text)
    return data if cleaned == text else cleaned.encode("utf-8")


_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
# What a reader cannot see, as code point ranges: control characters but tab and newline,
# Unicode's format characters (category Cf: soft hyphen, zero-width characters, bidirectional
# marks, word joiners, the byte order mark, tags), the combining grapheme joiner and the
# variation selectors. One table for the text pattern and the scan's escaped forms.
UNSEEN_RANGES = (
    (0x00, 0x08), (0x0B, 0x1F), (0x7F, 0x9F), (0xAD, 0xAD), (0x34F, 0x34F),
    (0x600, 0x605), (0x61C, 0x61C), (0x6DD, 0x6DD), (0x70F, 0x70F), (0x890, 0x891),
    (0x8E2, 0x8E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x2028, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F),
    (0xE0100, 0xE01EF),
)  # fmt: skip
_UNSEEN_CLASS = "[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in UNSEEN_RANGES) + "]"
_UNSEEN = re.compile(_ANSI.pattern + "|" + _UNSEEN_CLASS)


def unseen(code_point: int) -> bool:
    """True for a character a reader cannot see (:data:`UNSEEN_RANGES`)."""
    return any(a <= code_point <= b for a, b in UNSEEN_RANGES)


def unseen_removed(text: str) -> str:
    """``text`` without ANSI escapes and the characters a reader cannot see."""
    return _UNSEEN.sub("", text)


# Control characters, and the invisible ones that reorder or hide text on a terminal:
# bidirectional marks and overrides (U+200E/F, U+061C, U+202A-E, U+2066-9), zero-width
# characters (U+200B-D, U+2060, U+FEFF) and line/paragraph separators.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]"
)


def terminal_text(text: str) -> str:
    """Text safe for a terminal: ANSI escapes and control characters removed, then secrets
    hidden (in that order: an escape inside a secret no longer hides it from the redaction)."""
    return redact(_CONTROL.sub("", _ANSI.sub("", text)))


def one_line(text: str) -> str:
    """A library's error text as one clean line, secrets removed (for findings and exit lines)."""
    return " ".join(terminal_text(text).split())


def environ_without_secrets(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The process environment for a child that needs no secret (Chromium for ``--pdf``):
    without any registered secret's variable, and without any variable holding one."""
    import os

    source = dict(os.environ if environ is None else environ)
    secrets = registered()
    parts = [p for values in secrets.values() for p in values if len(p) >= 4]
    return {k: v for k, v in source.items() if k not in secrets and not any(p in v for p in parts)}
