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
and variation selectors, raw or escaped (JSON, HTML, or Python's ``\xad`` and
``\U000e0041``). A secret split by a visible character (a space, a line break) or across two
fields is not matched. A text holding a compatibility character (:func:`compatible`: a
full-width letter, "ｈｅｍｍｅｌｉｇ" for "hemmelig") is also read as NFKC reads it.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import functools
import heapq
import html
import itertools
import json
import operator
import re
import threading
import unicodedata
from typing import Any, AnyStr, Literal
from urllib.parse import quote, quote_plus

SHORT_SECRET = 8
HIDDEN = "[hidden: {name}]"

_lock = threading.Lock()
_registry: dict[str, tuple[str, ...]] = {}
_pattern: re.Pattern[str] | None = None
_names: dict[str, str] = {}
_shortest = 0  # the length of the shortest registered form (set with the pattern)
_spaced = False  # whether a registered part holds a space (set with the pattern)
# every form of each secret of SHORT_SECRET characters or more, with its name: the first
# characters of one left before a cut's mark are hidden too (set with the pattern)
_cut_forms: list[tuple[str, str]] = []

# How a cut ends: :func:`shortened` writes "...", a console column "…" (raw, as JSON and as
# HTML write it). A value cut by a process that did not know a secret (a step's kernel starts
# without the seal's password) may end with the secret's first characters, which no search
# for the whole secret finds: a CI run quoted 17 of a seal password's 22 characters so.
CUT_MARKS = ("...", "\u2026", "\\u2026", "&hellip;", "&#8230;")


def cut_starts(text: AnyStr, form: AnyStr, marks: tuple[AnyStr, ...]) -> list[tuple[int, int]]:
    """The spans of ``text`` that are the first :data:`SHORT_SECRET` or more characters of
    ``form`` (never all of it: that is the secret, found as such) right before one of
    ``marks``: a secret's beginning left where a value was cut. Fewer characters are ordinary
    text too often to count (a secret's first 7 may still stand before a cut)."""
    spans: list[tuple[int, int]] = []
    if len(form) <= SHORT_SECRET:
        return spans
    head = form[:SHORT_SECRET]
    at = text.find(head)
    while at >= 0:
        k = SHORT_SECRET
        while True:
            if text.startswith(marks, at + k):
                spans.append((at, at + k))
                break
            if k + 1 >= len(form) or text[at + k : at + k + 1] != form[k : k + 1]:
                break
            k += 1
        at = text.find(head, at + 1)
    return spans


def _hide_cut_starts(text: str, wide: bool | None = None) -> str:
    """``text`` with each registered secret's beginning before a cut's mark hidden (``wide``:
    whether it holds a compatibility character, :func:`compatible`, when known)."""
    forms = _cut_forms
    # a beginning counts from SHORT_SECRET characters on, and a mark follows it (a text
    # holding a compatibility character may be longer, and hold a mark, in NFKC: "‥.")
    if not forms:
        return text
    wide = compatible(text) if wide is None else wide
    if (len(text) <= SHORT_SECRET or not any(mark in text for mark in CUT_MARKS)) and not (
        wide or (("\\u" in text or "&" in text) and escapes_changed(text))
    ):
        return text
    text = _spans_hidden(text, _cut_spans(text, forms))
    if _spaced:  # a secret of words cut, written with no-break spaces (a space for a space)
        if "\u00a0" in text:
            text = _spans_hidden(text, _cut_spans(text.replace("\u00a0", " "), forms))
        if ("\\u" in text or "&" in text) and (spaced := _NO_BREAK.sub(" ", text)) != text:
            if spans := _cut_spans(spaced, forms):  # escaped ("&nbsp;"): hidden whole
                return HIDDEN.format(name=spans[0][2])
    if ("\\u" in text or "&" in text) and (escaped := marks_unescaped(text)) is not None:
        if spans := _cut_spans(escaped, forms):  # escaped so (a JSON file written ASCII-only)
            return HIDDEN.format(name=spans[0][2])
    if text.isascii():
        return text
    # its letters partly decomposed ("A" and a ring for the first "Å" of two): no form of the
    # beginning, yet a reader sees it (a hostile look: "Åbenrå-hemm..." stood on the console);
    # or in full-width letters, read as the letters (NFKC)
    forms_read: tuple[Literal["NFC", "NFKC"], ...] = ("NFC", "NFKC") if wide else ("NFC",)
    for form in forms_read:
        if unicodedata.is_normalized(form, text):
            continue
        view = unicodedata.normalize(form, text)
        spans = _cut_spans(view, forms)
        if not spans:
            continue
        place = _composed_places(text, view, form)
        if place is None:  # cannot be placed: hidden whole
            return HIDDEN.format(name=spans[0][2])
        text = _hidden_at(text, place, spans)
    return text


def _spans_hidden(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` with each of ``spans`` (start, end, name; in order) hidden; one inside a span
    hidden already (a longer form of the same beginning) is skipped."""
    out, at = [], 0
    for start, end, name in spans:
        if start < at:
            continue
        out += [text[at:start], HIDDEN.format(name=name)]
        at = end
    return "".join(out) + text[at:] if out else text


def _cut_spans(text: str, forms: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Where ``text`` holds a registered secret's beginning before a cut's mark, in order."""
    return sorted(
        (start, end, name)
        for form, name in forms
        for start, end in cut_starts(text, form, CUT_MARKS)
    )


def _header_text(value: str) -> str:
    """The header's base64 part, or the value when it has none: ``Authorization:`` and
    ``Basic`` taken off, every kind of space read as one (a no-break space copied from a
    web page between "Basic" and the token crashed a run's read of NgDP: an attacker's look)."""
    text = " ".join(value.split())
    if text.lower().startswith("authorization:"):
        text = text.split(":", 1)[1].strip()
    if text.lower().startswith("basic "):
        text = text[6:].strip()
    return text


def parse_authorization(value: str) -> tuple[str, str] | None:
    """(user, token) of ``Authorization: Basic x``, ``Basic x`` or ``x``; None when undecodable."""
    try:
        decoded = base64.b64decode(_header_text(value), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if ":" not in decoded:
        return None
    user, _, token = decoded.partition(":")
    return user, token


def authorization_header(value: str) -> str:
    """The header's value as NgDP reads it, ``Basic <base64>``, from any form the checks
    accept: ``Authorization: Basic x``, ``Basic x`` or the bare ``x`` (a CI secret holding
    only the token part). A CI engineer's look: the kit checked all three and sent them as
    typed, so ``Authorization: Authorization: Basic x`` or ``Authorization: x`` reached NgDP.
    A value that is none of them is sent as it is (AUTHORIZATION_UNRECOGNISED says so), with
    any character HTTP cannot carry as "?" (a request refused, never a crash)."""
    text = " ".join(value.split())
    said = text.lower().removeprefix("authorization:").lstrip().startswith("basic ")
    part = _header_text(text)
    header = "Basic " + part if said or parse_authorization(part) is not None else text
    return header if header.isascii() else header.encode("ascii", "replace").decode("ascii")


def authorization_parts(value: str) -> list[str]:
    """Every form of the header a leak scan must look for: the whole, its base64 part, the decoded token."""
    parts = [value.strip(), " ".join(value.split()), _header_text(value)]
    parsed = parse_authorization(value)
    if parsed:
        parts.append(f"{parsed[0]}:{parsed[1]}")
        parts.append(parsed[1])
    else:
        # another scheme ("Bearer <token>", AUTHORIZATION_UNRECOGNISED): its credentials
        # alone too (an attacker's look: the token in a setting reached every page whole,
        # and only the header with its scheme word was looked for)
        # Only a scheme word and one token of 16 characters or more: every secret's parts
        # are made here, and a password of words ("my value") must not make "value" a
        # secret of its own, hidden in every text that holds the word
        words = _header_text(value).split(" ")
        if len(words) == 2 and words[0].isalpha() and len(words[0]) <= 20 and len(words[1]) >= 16:
            parts.append(words[1])
    return [p for p in dict.fromkeys(parts) if p]


def secret_parts(value: str) -> list[str]:
    """The value and, when it is an authorization header, its base64 part and decoded token;
    and each of them as the kit writes a text it read (``inputs.workbooks.clean_text``, a
    certificate's names): composed (NFC), decomposed (NFD, as a setting keeps a value) and
    without what a reader cannot see; and last in compatibility form (NFKC), in which the
    scan and the redaction also read a text that holds a compatibility letter. An attacker's
    look: a password in decomposed letters (as a Mac may paste "Å": "A" and a ring), or with
    a control character inside, stood in a mailbox name of the export, and the kit wrote it
    composed, or without that character, into every file, where neither the redaction nor
    the scan looked for that form."""
    parts = authorization_parts(value)
    folded: list[tuple[list[str], int]] = []
    for part in list(parts):
        if part.isascii() and part.isprintable():
            continue
        composed, bare = unicodedata.normalize("NFC", part), unseen_removed(part)
        # composed and decomposed: the same letters to a reader, however few (a password of
        # seven letters, "Åbenrå7", pasted decomposed is nine characters, and was looked for
        # in no form the kit writes it in: composed from the export, decomposed as a setting
        # holds it when the secret was given composed)
        for form in (composed, unicodedata.normalize("NFD", part)):
            if form not in parts:
                parts.append(form)
        # without what a reader cannot see; and, after every other form, as a compatibility
        # view reads it (NFKC: a secret in full-width letters, "ｈｅｍｍｅｌｉｇ", as the
        # letters the scan and the redaction read a text holding such letters in)
        bare_composed = unicodedata.normalize("NFC", unseen_removed(bare))
        forms = [unicodedata.normalize("NFC", unseen_removed(composed)), bare, bare_composed]
        _add_long(parts, forms, len(part))
        folded.append(([unicodedata.normalize("NFKC", f) for f in (part, bare)], len(part)))
    for forms, length in folded:
        _add_long(parts, forms, length)
    return parts


def spaced(part: str, parts: list[str] | tuple[str, ...]) -> bool:
    """Whether ``part`` (one of a secret's ``parts``) holds a space that no other part
    leaves out: it is looked for with no-break spaces as well. An authorization header's
    space follows its scheme word, and its base64 part is a part of its own."""
    return " " in part and not any(
        q != part and len(q) >= SHORT_SECRET and q in part for q in parts
    )


def _add_long(parts: list[str], forms: list[str], length: int) -> None:
    """Each of ``forms`` not in ``parts`` yet, added to them when it has ``length`` or
    :data:`SHORT_SECRET` characters (a shorter form would be a word found everywhere)."""
    for form in forms:
        if form not in parts and len(form) >= min(length, SHORT_SECRET):
            parts.append(form)


def cut_parts(parts: list[str] | tuple[str, ...]) -> list[str]:
    """One secret's parts (:func:`secret_parts`) as a cut's beginning of them is looked for
    (:func:`cut_starts`): each without what begins it and is no secret. A header's scheme
    word and NgDP's ``<system id>:`` (the system id is in the settings and on every page),
    and the base64 of ``<system id>:``, are public: a DPO's look found a mailbox named
    "Integrationstest (system 5b3f2c1e-8d4a…)" failing the run with ten SECRET_LEAK and
    ``confirm --note "System 5b3f2c1e-8d4a… oprettet"`` refused, for the decoded header
    begins with the system id. A part that ends with another part counts from that one, and
    a JSON web token (``Bearer eyJhbGci…``) from its signature."""
    parsed = parse_authorization(parts[0]) if parts else None
    public_b64 = ""
    if parsed is not None:  # the base64 characters that encode "<system id>:" alone
        pair = base64.b64encode(f"{parsed[0]}:{parsed[1]}".encode()).decode()
        public_b64 = pair[: 4 * ((len(parsed[0].encode("utf-8")) + 1) // 3)]
    out: list[str] = []
    for part in parts:
        inner = [q for q in parts if q and q != part and part.endswith(q)]
        tail = max(inner, key=len) if inner else part
        if public_b64 and tail.startswith(public_b64):
            tail = tail[len(public_b64) :]
        jwt = _JWT_CLAIMS.match(tail)
        if jwt is not None:  # a JWT's header and claims: "eyJhbGci" begins every one
            tail = tail[jwt.end() :]
        out.append(tail)
    return [t for t in dict.fromkeys(out) if t]


# A JSON web token's first two parts (header and claims, base64url of JSON anyone can read):
# a cut's beginning of a ``Bearer`` token counts from its signature on
_JWT_CLAIMS = re.compile(r"eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.")


def _powershell(value: str) -> str:
    # PowerShell treats the typographic single quotes as quote characters too.
    return re.sub("['\u2018\u2019\u201a\u201b]", lambda m: m.group(0) * 2, value)


# A formula start right after a separator inside a CSV field gets a "'" (the kit's CSV
# writer, deliverables.outputs.csv_cell, uses this pattern): "x,=cmd|..." is split at the
# comma by an English Excel and the part after it run.
CSV_INNER_FORMULA = re.compile("([;,][\\s\"']*)([=+\\-@\uff1d\uff0b\uff0d\uff20])")


def _markup(value: str) -> str:
    """``value`` as Jinja2 (markupsafe) escapes it into a page: ``"`` as ``&#34;`` and
    ``'`` as ``&#39;``, where ``html.escape`` writes ``&quot;`` and ``&#x27;``."""
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )


def encodings(value: str) -> list[str]:
    """Every form in which ``value`` could be written, longest first."""
    b = value.encode("utf-8")
    b64 = base64.b64encode(b).decode()
    url64 = base64.urlsafe_b64encode(b).decode()
    jsoned = json.dumps(value)[1:-1]
    jsoned_utf8 = json.dumps(value, ensure_ascii=False)[1:-1]
    escaped = html.escape(value)
    markup = _markup(value)
    in_csv = CSV_INNER_FORMULA.sub(r"\1'\2", value)
    forms = {
        markup,  # a page (Jinja2), and a notebook's HTML output (JSON of it)
        json.dumps(markup)[1:-1],
        json.dumps(markup, ensure_ascii=False)[1:-1],
        value.replace('"', '""'),  # a quoted CSV field
        in_csv,  # ... whose formula start after a separator got its "'"
        in_csv.replace('"', '""'),
        value,
        b64,
        b64.rstrip("="),
        url64,
        url64.rstrip("="),
        quote(value, safe=""),
        quote_plus(value),
        "".join(f"%{byte:02X}" for byte in b),  # every byte escaped (either case matches)
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
        # a Python literal shown in a page or a notebook's JSON (a mapping table's cell)
        html.escape(repr(value)[1:-1]),
        _markup(repr(value)[1:-1]),
        json.dumps(repr(value)[1:-1])[1:-1],
        json.dumps(_markup(repr(value)[1:-1]))[1:-1],
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
    return cut_whole(one_line(text), limit)


def cut_hidden(text: str, limit: int) -> str:
    """``text`` with its secrets hidden, then cut to at most ``limit`` characters, unmarked
    (a workbook's cell at Excel's limit), no ``[hidden: NAME]`` marker cut in two."""
    return cut_whole(redact(text), limit)


def hidden_names(text: str) -> list[str]:
    """The names of the registered secrets :func:`redact` hides in ``text`` (each once, in
    order; a ``[hidden: NAME]`` the text already held is no secret of it): a writer that
    hides one as it cuts a value says so (a workbook's cell over Excel's limit)."""
    from collections import Counter

    said = Counter(m.group(0) for m in _HIDDEN_MARK.finditer(text))
    names: list[str] = []
    for m in _HIDDEN_MARK.finditer(redact(text)):
        if said[m.group(0)] > 0:
            said[m.group(0)] -= 1
            continue
        names.append(m.group(0)[len(HIDDEN.split("{", 1)[0]) : -1])
    return list(dict.fromkeys(names))


def cut_whole(text: str, limit: int) -> str:
    """``text`` (its secrets hidden already) cut to at most ``limit`` characters, unmarked, no
    ``[hidden: NAME]`` marker cut in two: for a caller that adds its own mark."""
    return text[: _marker_kept(text, limit)]


# The marker :func:`redact` writes in a secret's place, as it stands in a text
_HIDDEN_MARK = re.compile(re.escape(HIDDEN.split("{", 1)[0]) + r"[^\]]*\]")


def _marker_kept(text: str, at: int, *, whole: int = 0) -> int:
    """Where to cut ``text`` at ``at`` or near it, so that no ``[hidden: NAME]`` marker is
    left broken ("[hidden: NGDPKIT_SEA..." named half a variable, and read as a value of the
    input): one the cut would fall inside is kept whole when it is at most ``whole``
    characters long (a message then says a secret was there, as it did before), else left
    out whole (a hard limit: a workbook's cell)."""
    for m in _HIDDEN_MARK.finditer(text, max(0, at - 200), at + 200):
        if m.start() < at < m.end():
            return m.end() if m.end() - m.start() <= whole else m.start()
    return at


# The longest marker a quoted value's cut keeps whole, past its limit: a marker names a
# variable (``[hidden: NGDPKIT_TEST_CERT_PASSWORD]``), which a settings file may make long
MARKER_KEPT = 80


def shortened(text: str, limit: int) -> str:
    """``text`` with its secrets hidden, then cut to ``limit`` characters with "..." (a value
    quoted in a message: cutting first left 18 of a token's 32 characters in a settings or
    evidence error, which the whole token would not have)."""
    text = redact(text)
    if len(text) <= limit:
        return text
    cut = text[: _marker_kept(text, max(0, limit - 3), whole=MARKER_KEPT)]
    # a number the cut falls inside is left out whole: "Hans 010170-12..." showed a CPR
    # number's date and two of its last digits on the console, which hides only a whole one
    # (a DPO's look); a long run of digits is cut as any text
    tail = _NUMBER_TAIL.search(ascii_form(cut))
    if tail and _NUMBER_GOES_ON.match(ascii_form(text[len(cut) : len(cut) + 2])):
        if len(cut) - tail.start() <= _NUMBER_TAIL_MOST:
            cut = cut[: tail.start()]
    return cut + "..."


# A CPR-shaped number's start as a cut may leave it (digits, with a space, a dot or a dash
# between), and the number going on after the cut
_NUMBER_TAIL = re.compile(r"[0-9][0-9 .\u00a0\-\u2010-\u2015\u2212]*$")
_NUMBER_GOES_ON = re.compile(r"[ .\u00a0\-\u2010-\u2015\u2212]?[0-9]")
_NUMBER_TAIL_MOST = 16


# What a name in the ``[hidden: NAME]`` marker may hold: a variable's name, a file's in
# parentheses. Anything else (``<``, ``&``, quotes, invisible characters) becomes ``_``.
_UNSAFE_IN_NAME = re.compile(r"[^\w .()-]")


def register(name: str, value: str) -> None:
    """Remember a secret (by its variable's name) so that :func:`redact` removes it everywhere.
    The name is written into every text the secret is hidden in, pages too, after they are
    made: a key of a customer's secrets file (``<script>…</script>=Organisation``, read by
    ``status``) went as it was into status.html (a hostile third look), so only letters,
    digits and ``_ .()-`` are kept of it."""
    parts = tuple(secret_parts(value))
    if not parts:
        return
    name = _UNSAFE_IN_NAME.sub("_", name)[:160] or "_"
    global _pattern
    with _lock:
        if _registry.get(name) == parts:
            return
        _registry[name] = parts
        _pattern = None


def forget_all() -> None:
    """Empty the registry (tests), and what :func:`_compiled` made of it: the forms of cut
    beginnings and whether a secret holds a space were kept (a hostile review), unread only
    because :func:`redact` returns at once with nothing registered."""
    global _pattern, _names, _shortest, _cut_forms, _spaced
    with _lock:
        _registry.clear()
        _pattern, _names, _shortest, _cut_forms, _spaced = None, {}, 0, [], False


def restore(name: str, parts: list[str]) -> None:
    """Register ``parts`` (as :func:`registered` lists them) for ``name`` again (tests)."""
    global _pattern
    with _lock:
        _registry[name] = tuple(parts)
        _pattern = None


def registered() -> dict[str, list[str]]:
    """Variable name -> the parts registered for it."""
    with _lock:
        return {k: list(v) for k, v in _registry.items()}


def _compiled() -> re.Pattern[str] | None:
    global _pattern, _names, _shortest, _cut_forms, _spaced
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
        # a cut's beginning of a secret counts from its first secret character on
        cut_forms = list(
            dict.fromkeys(
                (form, name)
                for name, parts in _registry.items()
                for tail in cut_parts(parts)
                if len(tail) >= SHORT_SECRET
                for form in encodings(tail)
            )
        )
        alternatives = [form_pattern(f) for f in sorted(set(long_forms), key=len, reverse=True)]
        alternatives += [
            r"(?<![A-Za-z0-9])" + form_pattern(f) + r"(?![A-Za-z0-9])"
            for f in sorted(set(short_forms), key=len, reverse=True)
        ]
        # set before the pattern: a reader that gets this pattern reads this length or a
        # later one, never a longer one of before
        _shortest = min((len(form) for form in names), default=0)
        _spaced = any(spaced(part, parts) for parts in _registry.values() for part in parts)
        _cut_forms = sorted(cut_forms, key=lambda f: len(f[0]), reverse=True)
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
    if pattern is None or (len(text) < _shortest and not _may_grow(text)):
        # shorter than every registered form: no match, and none in a view of it either
        # (an escape undone, an unseen character or an override removed only shortens it).
        # A run of 100,000 mailboxes hides secrets in some 250,000 short texts of its
        # findings (a mailbox ID, a unit's name), which the whole work below took 1.4 s for;
        # a secret's beginning before a cut's mark is shorter than the secret
        return text if pattern is None else _hide_cut_starts(text)

    def name(found: str) -> str:
        upper = _PERCENT.sub(lambda m: m.group(0).upper(), found)
        return _names.get(found) or _names.get(upper, "secret")

    out = pattern.sub(lambda m: HIDDEN.format(name=name(m.group(0))), text)
    if _spaced and "\u00a0" in out:  # a secret of words written with no-break spaces
        out = _redact_no_break(out, pattern, name)
    if _MAYBE_UNSEEN.search(out) is not None:
        out = _redact_across_unseen(out, pattern, name, _spaced and "\u00a0" in out)
    plain_composed = False  # the text composed shows no secret, and reads as it shows
    whole = None
    if not out.isascii() and not unicodedata.is_normalized("NFC", out):
        whole = unicodedata.normalize("NFC", out)
        if pattern.search(whole) is not None:
            out = _redact_composed(out, whole, pattern, name)
        else:
            plain_composed = _MAYBE_UNSEEN.search(whole) is None and not reverses(whole)
    # in full-width or other compatibility letters ("ｈｅｍｍｅｌｉｇ"), read as NFKC does
    wide = compatible(out, whole)
    if wide and pattern.search(folded := unicodedata.normalize("NFKC", out)) is not None:
        out = _redact_composed(out, folded, pattern, name, "NFKC")
    # a URL's escapes, a library's b'…' bytes, letters composed
    for view in _decoded_views(out, composed=not plain_composed, wide=wide):
        shown = pattern.search(as_shown(view))
        if shown is not None:  # which characters spell it is the decoder's doing
            return HIDDEN.format(name=name(shown.group(0)))
    return _hide_cut_starts(out, wide)


# A run of percent-escapes, decoded as one: what urllib.parse.unquote makes of a text, whose
# loop per escape took 3 s over 10 MB of them (an ASCII character between two escapes ends a
# UTF-8 sequence in either reading)
_PERCENT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def _url_decoded(text: str) -> str:
    """``text`` as ``urllib.parse.unquote`` reads it: every ``%XX`` undone, as UTF-8 (what is
    not UTF-8 as U+FFFD)."""
    return _memo_sub(
        _PERCENT_RUN,
        lambda m: bytes.fromhex(m[0].replace("%", "")).decode("utf-8", "replace"),
        text,
    )


def _escapes_compatible(text: str) -> bool:
    """Whether ``text``'s percent-escapes (each run once) stand for a compatibility
    character (:func:`compatible`): a secret in full-width letters in a URL."""
    runs = {m[0] for m in _PERCENT_RUN.finditer(text)}
    decoded = (bytes.fromhex(run.replace("%", "")).decode("utf-8", "replace") for run in runs)
    return compatible("".join(decoded))


_PYTHON_BYTES = re.compile(r"(?:\\x[0-9a-fA-F]{2})+")
# The most characters NFKC makes of one (U+FDFA, an Arabic ligature, is 18)
_NFKC_MOST = 18


def _may_grow(text: str) -> bool:
    """Whether ``text`` may be longer read as NFKC ("ﬀ" is "ff"): it is long enough to hold
    the shortest registered form so, and holds a compatibility character."""
    return not text.isascii() and len(text) * _NFKC_MOST >= _shortest and compatible(text)


def compatible(text: str, composed: str | None = None) -> bool:
    """Whether ``text`` holds a compatibility character, one NFKC reads as another and NFC
    does not, but those of :data:`PLAIN_COMPATIBLE` (the no-break space, "…"): a full-width
    letter ("ｈ"), a ligature ("ﬀ"), a mathematical letter. ``composed``: the text composed
    (NFC), when the caller has it."""
    if text.isascii():
        return False
    if composed is None:
        if unicodedata.is_normalized("NFKC", text):
            return False
        nfc = unicodedata.is_normalized("NFC", text)
        composed = text if nfc else unicodedata.normalize("NFC", text)
    for plain in PLAIN_COMPATIBLE:
        composed = composed.replace(plain, "") if plain in composed else composed
    return not unicodedata.is_normalized("NFKC", composed)


# A no-break space, raw or escaped (JSON, HTML: "&nbsp" without its ";" as a browser reads
# it), which a reader cannot tell from a space
NO_BREAK = "\u00a0|" + r"\\u00[aA]0|&(?:nbsp|#0*160|#[xX]0*[aA]0);?"
_NO_BREAK = re.compile(NO_BREAK)


def _redact_no_break(text: str, pattern: re.Pattern[str], name: Any) -> str:
    """``text`` with each secret it shows once its no-break spaces are read as spaces
    hidden where it stands (a space for a space: the places are the same). An attacker's
    look: the password "mit hemmelige ord", written with no-break spaces in a server's
    reply, reached the console; :data:`PLAIN_COMPATIBLE` keeps them out of the NFKC view."""
    view = text.replace("\u00a0", " ")
    out, at = [], 0
    for m in pattern.finditer(view):
        out += [text[at : m.start()], HIDDEN.format(name=name(m.group(0)))]
        at = m.end()
    return "".join(out) + text[at:] if out else text


def _decoded_views(text: str, composed: bool = True, wide: bool = True) -> list[str]:
    """``text`` as a URL decoder reads it (every ``%XX`` undone, so a token written wholly in
    escapes is the token), as Python's ``b'…'`` shows bytes (httpx quoting a server's
    illegal line: ``\\xe2\\x80\\x8b`` is a zero-width space) and composed (NFC: a secret
    whose letters are partly decomposed, "A" and a ring for one "Å" of two, is no form
    registered, yet shows as the secret) and as NFKC reads it (``wide``: it holds a
    compatibility character, :func:`compatible`); only where it holds any of them
    (``composed``: False when the caller read it composed already)."""
    views = []
    if composed and not text.isascii() and not unicodedata.is_normalized("NFC", text):
        views.append(unicodedata.normalize("NFC", text))
    if wide and not unicodedata.is_normalized("NFKC", text):
        views.append(unicodedata.normalize("NFKC", text))  # full-width letters as the letters
    # escaped no-break spaces (raw ones alone are hidden in place: _redact_no_break)
    if _spaced and ("\\u" in text or "&" in text) and (spaced := _NO_BREAK.sub(" ", text)) != text:
        views.append(spaced)
    if "%" in text and (url := _url_decoded(text)) != text:
        views.append(url)
        if _spaced and "\u00a0" in url:  # "%C2%A0": a no-break space, read as a space
            views.append(url.replace("\u00a0", " "))
        # a compatibility letter escaped (a browser shows "%EF%BD%88" as "ｈ"): read as NFKC
        # does, full-width letters as the letters
        if compatible(url) and (not compatible(text) or _escapes_compatible(text)):
            views.append(unicodedata.normalize("NFKC", url))
    if ("\\u" in text or "&" in text) and (shown := marks_unescaped(text)) is not None:
        views.append(shown)
    if "\\x" in text:
        raw = _PYTHON_BYTES.sub(
            lambda m: bytes.fromhex(m.group(0).replace("\\x", "")).decode("utf-8", "replace"),
            text,
        )
        if raw != text:
            views.append(raw)
    return views


# A combining mark of Latin letters (U+0300 to U+036F) written as a JSON escape or an HTML
# character reference: a letter decomposed in a JSON file written ASCII-only ("A\\u030a")
MARK_ESCAPE = re.compile(
    r"\\u03[0-6][0-9a-fA-F]|&#(?:[xX]0*3[0-6][0-9a-fA-F]|0*(?:76[89]|7[7-9][0-9]|8[0-7][0-9]))"
)
_JSON_CHARACTER = re.compile(
    r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})"
)


def _json_character(m: re.Match[str]) -> str:
    if m.group(1):
        return chr(0x10000 + ((int(m.group(1), 16) - 0xD800) << 10) + int(m.group(2), 16) - 0xDC00)
    point = int(m.group(3), 16)
    return m.group(0) if 0xD800 <= point <= 0xDFFF else chr(point)  # a lone one stays written


# The compatibility characters every text of the kit may hold, which NFKC makes no letter
# or digit of: the no-break space (a space) and "…" (the cut's "...", a mark either way). A
# text is read as NFKC does for any other (a secret with a space, written with no-break
# spaces, is not found so: docs/security.md)
PLAIN_COMPATIBLE = "\u00a0\u2026"
# A character written as a JSON escape (a pair of them beyond the first plane) or an HTML
# reference, but an ASCII one, a letter of Latin-1 ("\u00e5", "&#34;", "&amp;"), one of
# PLAIN_COMPATIBLE or, in JSON, a dash, quotation mark or bullet (U+2010 to U+2022 but
# U+2011 and U+2017): such an escape may stand for a character NFKC reads as another, which
# :func:`escapes_changed` tells
WIDE_JSON_ESCAPE = (
    r"\\u(?!00[aA]0|2026|20(?:1[02-689a-fA-F]|2[0-2]))(00[aAbB][0-9a-fA-F]|0[1-9a-fA-F][0-9a-fA-F]{2}|[1-9a-fA-F][0-9a-fA-F]{3})"
    r"(?:\\u([dD][c-fC-F][0-9a-fA-F]{2}))?"
)
WIDE_HTML_ESCAPE = (
    r"&#(?![xX]0*(?:[aA]0|2026)(?![0-9a-fA-F])|0*(?:160|8230)(?![0-9]))"
    r"(?:[xX]0*([0-9a-fA-F]{3,6}|[a-fA-F][0-9a-fA-F])(?![0-9a-fA-F])"
    r"|0*([0-9]{4,7}|1[6-9][0-9]|[2-9][0-9]{2})(?![0-9]));?"
    r"|&(?!(?:amp|lt|gt|quot|apos|nbsp|hellip);)([A-Za-z][A-Za-z0-9]{1,31};?)"
)
WIDE_ESCAPE = re.compile(WIDE_JSON_ESCAPE + "|" + WIDE_HTML_ESCAPE)


def _wide_escaped(m: re.Match[str]) -> str:
    """The character (or characters, a named reference) a :data:`WIDE_ESCAPE` match stands
    for; "" for a lone surrogate or no character."""
    if m.group(5):
        import html.entities

        return html.entities.html5.get(m.group(5), "")
    point = int(m.group(1) or m.group(3) or "0", 16) if not m.group(4) else int(m.group(4))
    if m.group(2) and 0xD800 <= point <= 0xDBFF:
        point = 0x10000 + ((point - 0xD800) << 10) + int(m.group(2), 16) - 0xDC00
    return "" if 0xD800 <= point <= 0xDFFF or point > 0x10FFFF else chr(point)


@functools.lru_cache(maxsize=4096)
def _escape_changed(escape: str) -> bool:
    """Whether the :data:`WIDE_ESCAPE` ``escape`` stands for a character NFC or NFKC reads
    as another or composes with the one before it: a compatibility letter ("ｈ"), a
    combining mark, a Hangul jamo (a file repeats its escapes: each is judged once)."""
    m = WIDE_ESCAPE.fullmatch(escape)
    return m is not None and any(
        unicodedata.combining(c)
        or "\u1160" <= c <= "\u11ff"
        or unicodedata.normalize("NFKC", c) != c
        for c in _wide_escaped(m)
        if c not in PLAIN_COMPATIBLE
    )


def escapes_changed(text: str) -> bool:
    """Whether ``text`` holds, escaped (:data:`WIDE_ESCAPE`), a character NFC or NFKC reads
    as another (:func:`_escape_changed`): a full-width letter or the Angstrom sign in a JSON
    file written as ASCII (``\\uff48``, ``\\u212b``), a kana and its voicing mark. Each
    different escape is judged once (:func:`_distinct`: a workbook's Danish text is a million
    ``&#230;``, none of which changes)."""
    escapes = _distinct(WIDE_ESCAPE, text)
    if escapes is not None:
        return any(map(_escape_changed, escapes))
    return any(_escape_changed(m.group(0)) for m in WIDE_ESCAPE.finditer(text))


# A text is read in pieces of about a megabyte, each cut right before an "&": no match of
# :data:`_CHARREF`, :data:`MARK_ESCAPE` or :data:`WIDE_ESCAPE`, nor of :data:`_ESCAPED` in a
# text without a backslash, holds an "&" but as its first character, nor looks ahead at one,
# so the pieces' matches are the text's (a test compares them), and the strings made for
# them at once stay few (a string per reference of 23 MB of ``&#65352;`` is 2.8 million)
_PIECE = 1 << 20


def _pieces(text: str) -> list[str]:
    """``text`` in pieces of about :data:`_PIECE` characters, each but the first opening
    with an "&"."""
    out, at = [], 0
    while at < len(text):
        cut = text.find("&", at + _PIECE)
        end = len(text) if cut < 0 else cut
        out.append(text[at:end])
        at = end
    return out


def _whole(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` with its whole match as its one group (for ``re.split``)."""
    return re.compile(f"({pattern.pattern})", pattern.flags)


def _distinct(pattern: re.Pattern[str], text: str) -> set[str] | None:
    """The different texts ``pattern`` (one of those :data:`_PIECE` names) matches in
    ``text``, when it holds no backslash (each match then opens with the "&" it holds: one
    match per different text after an "&", the text split at its "&" in C); else None."""
    after = _after_ampersands(text)
    return None if after is None else _matched(pattern, after)


def _after_ampersands(text: str) -> set[str] | None:
    """The different texts after each "&" of ``text`` up to the next, when it holds no
    backslash; else None."""
    if "\\" in text:
        return None
    after: set[str] = set()
    for piece in _pieces(text):
        parts = piece.split("&")
        after.update(parts[1:])
    return after


def _matched(pattern: re.Pattern[str], after: set[str]) -> set[str]:
    """What ``pattern`` matches at the "&" before each of ``after``."""
    return {m[0] for m in map(pattern.match, ("&" + part for part in after)) if m is not None}


def _references_unescaped(text: str) -> str:
    """``text`` with each :data:`_CHARREF` reference as ``html.unescape`` reads it, each
    different one read once; the text split by them piece by piece (:data:`_PIECE`) and
    joined again, in C, where a call per reference took 1.4 s for 27 MB of ``&#65352;``."""
    done: dict[str, str] = {}
    out = []
    for piece in _pieces(text):
        parts = _CHARREF_SPLIT.split(piece)
        refs = parts[1::2]
        for ref in set(refs).difference(done):
            done[ref] = html.unescape(ref)
        parts[1::2] = map(done.__getitem__, refs)
        out.append("".join(parts))
    return "".join(out)


def marks_unescaped(text: str) -> str | None:
    """``text`` with its JSON escapes and HTML references undone and read as NFKC does
    (composed, and full-width letters as the letters), when it holds a combining mark so
    escaped, or a character NFKC reads as another (:func:`escapes_changed`); else None. A
    secret with one letter decomposed, in a JSON file written ASCII-only, is
    ``A\\u030abenr\\u00e5…``: none of the forms looked for (each escapes a secret wholly
    composed or wholly decomposed), yet a reader of the JSON sees the secret (a hostile
    look: it passed the redaction and the leak scan); so did ``\\u212bbenr\\u00e5-hemm\\u2026``
    (the Angstrom sign) and a secret in full-width letters so escaped."""
    after = _after_ampersands(text)
    if after is not None:  # each different reference looked at once (:func:`_distinct`)
        if not _matched(MARK_ESCAPE, after) and not any(
            map(_escape_changed, _matched(WIDE_ESCAPE, after))
        ):
            return None
    elif MARK_ESCAPE.search(text) is None and not escapes_changed(text):
        return None
    shown = _memo_sub(_JSON_CHARACTER, _json_character, text) if "\\u" in text else text
    if "&" in shown:  # html.unescape, each reference read once
        shown = _references_unescaped(shown)
    return unicodedata.normalize("NFKC", shown)


# html.unescape's own pattern (the standard library's html._charref): a reference matched so,
# unescaped alone, is what html.unescape makes of it in a text
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")
# ... the same without its group, as the one group of a split (:func:`_references_unescaped`)
_CHARREF_SPLIT = _whole(re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)"))


# A letter and the combining marks after it (Latin, extended, supplement, for symbols, half
# marks, and the kana voicing marks): one piece of a text that NFC composes on its own; so is
# a Hangul syllable's jamo (with the syllable before them, which a final jamo joins: one
# written as jamo hid the whole text), and a character NFC replaces by a Latin or Greek one
# (the Angstrom sign by "Å": a secret spelled with one hid all the text from the last mark
# before it, each letter of the piece NFC changed)
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u3099\u309a"
_JAMO = "[\uac00-\ud7a3]?[\u1100-\u11ff]+"
_MARKED = re.compile(
    f"[^{_MARKS}][{_MARKS}]+|{_JAMO}|[\u0374\u037e\u0387\u2126\u212a\u212b]", re.DOTALL
)
# ... and as NFKC reads a text, each other character that is not ASCII a piece of its own (a
# full-width letter is one letter)
# (with the half-width voicing marks, "ｶﾞ", and Hangul compatibility and half-width jamo, "ㅎㅏ",
# which NFKC composes with the letter before them)
_WIDE_MARKS = _MARKS + "\uff9e\uff9f"
_WIDE_JAMO = "[\uac00-\ud7a3]?[\u1100-\u11ff\u3131-\u318e\uffa0-\uffdc]+"
_MARKED_WIDE = re.compile(f"[^{_WIDE_MARKS}][{_WIDE_MARKS}]+|{_WIDE_JAMO}|[^\x00-\x7f]", re.DOTALL)
# the same, for a split that keeps them
_MARKED_PIECES = re.compile(f"({_MARKED.pattern})", re.DOTALL)
_MARKED_WIDE_PIECES = re.compile(f"({_MARKED_WIDE.pattern})", re.DOTALL)


def _composed_places(text: str, view: str, form: Literal["NFC", "NFKC"] = "NFC") -> Any:
    """A function that places a position of ``view`` (``text`` composed, NFC, or in
    compatibility form, NFKC: ``form``) in ``text``: ``place(at, end)`` is where the
    character at ``at`` begins (``end``: where the one before ``at`` ends), a letter and its
    marks taken whole (:data:`_MARKED`, :data:`_MARKED_WIDE`). None when ``view`` is not the text's pieces
    normalized one by one (should a letter compose with the one after its marks)."""
    # each letter with its marks, and each text between two such (none empty)
    marked = _MARKED_PIECES if form == "NFC" else _MARKED_WIDE_PIECES
    pieces = [piece for piece in marked.split(text) if piece]
    forms = {p: unicodedata.normalize(form, p) for p in set(pieces)}  # each piece once
    composed = [forms[p] for p in pieces]
    if "".join(composed) != view:
        # a piece that composes with the one before it (a half-width kana and its voicing
        # mark "ｶﾞ", Hangul compatibility jamo "ㅎㅏ"): the two as one piece, else the whole
        # text was hidden for one secret in it (an attacker's look)
        pieces = _pieces_joined(pieces, form)
        forms = {p: unicodedata.normalize(form, p) for p in set(pieces)}
        composed = [forms[p] for p in pieces]
        if "".join(composed) != view:
            return None
    # where each piece begins in text and in view; whether it reads the same in both
    starts = list(itertools.accumulate(map(len, pieces), initial=0))[:-1]
    views = list(itertools.accumulate(map(len, composed), initial=0))[:-1]
    same = list(map(operator.eq, pieces, composed))

    def place(at: int, end: bool) -> int:
        i = max(0, bisect.bisect_right(views, at - 1 if end else at) - 1)
        if same[i]:
            return starts[i] + (at - views[i])
        return starts[i] + (len(pieces[i]) if end else 0)  # the whole letter and its marks

    return place


def _pieces_joined(pieces: list[str], form: Literal["NFC", "NFKC"]) -> list[str]:
    """``pieces`` with each one that ``form`` reads otherwise after the one before it (it
    composes with it) joined to that one; each pair judged once (a hostile text repeats it)."""
    apart: dict[tuple[str, str], bool] = {}
    out: list[str] = []
    last = ""
    for piece in pieces:
        if out:
            pair = (last[-8:], piece[:8])
            alone = apart.get(pair)
            if alone is None:
                before, after = pair
                alone = apart[pair] = unicodedata.normalize(form, before + after) == (
                    unicodedata.normalize(form, before) + unicodedata.normalize(form, after)
                )
            if not alone:
                out[-1] += piece
                last = piece
                continue
        out.append(piece)
        last = piece
    return out


def _hidden_at(text: str, place: Any, spans: list[tuple[int, int, str]]) -> str:
    """``text`` with each span of its composed view (start, end, name; in order) hidden
    where ``place`` (:func:`_composed_places`) puts it."""
    out, kept = [], 0
    for start_at, end_at, found in spans:
        start, end = place(start_at, False), place(end_at, True)
        if start < kept:
            continue
        out += [text[kept:start], HIDDEN.format(name=found)]
        kept = end
    return "".join(out) + text[kept:]


def _redact_composed(
    text: str,
    view: str,
    pattern: re.Pattern[str],
    name: Any,
    form: Literal["NFC", "NFKC"] = "NFC",
) -> str:
    """``text`` with each secret its composed view (NFC) shows hidden where it stands, the
    letters that spell it with it: a secret with one letter of two decomposed ("A" and a
    ring for the first "Å") is no form registered. A hostile review's look: the whole text
    was replaced by one ``[hidden: NAME]`` (a console block, a server's reply of 24,000
    characters went for one such name). A text whose view is not its pieces composed one by
    one (should a letter compose with the one after its marks) is left as it is, and
    hidden whole by :func:`redact`'s views.
    ``view`` is ``text`` composed (``form``: NFC, or NFKC for full-width letters)."""
    place = _composed_places(text, view, form)
    if place is None:
        return text
    spans = [(m.start(), m.end(), name(m.group(0))) for m in pattern.finditer(view)]
    return _hidden_at(text, place, spans)


def _redact_across_unseen(
    text: str, pattern: re.Pattern[str], name: Any, spaced: bool = False
) -> str:
    """The secrets :func:`redact` finds once the unseen characters (raw or escaped) are taken
    out, replaced in ``text`` itself: each match is mapped back to the span of the original
    it came from. A secret found only in the order a right-to-left override shows the text
    hides the whole text: which characters of it spell the secret is the display's doing.
    ``spaced``: its no-break spaces are read as spaces too (a space for a space: a secret of
    words with no-break spaces, split by a zero-width space, passed)."""
    spans = _unseen_spans(text)
    skeleton = _spans_removed(text.replace("\u00a0", " ") if spaced else text, spans)
    found = [m for m in pattern.finditer(skeleton) if m.end() > m.start()]
    result = text
    if found:
        # how much is taken out before each span and after it, and where each span stands in
        # the skeleton: its character i is the text's i + removed[bisect_right(places, i)]
        starts, ends = [start for start, _ in spans], [end for _, end in spans]
        removed: list[int] = list(itertools.accumulate(map(operator.sub, ends, starts), initial=0))
        places: list[int] = list(map(operator.sub, starts, removed))

        def original(i: int) -> int:  # the position in ``text`` of the skeleton's character i
            return i + removed[bisect.bisect_right(places, i)]

        out: list[str] = []  # built in one pass: a text of many matches costs no more per match
        at = 0
        for m in found:
            start, end = original(m.start()), original(m.end() - 1) + 1
            out += [text[at:start], HIDDEN.format(name=name(m.group(0)))]
            at = end
        out.append(text[at:])
        result = "".join(out)
    if _RTL_OPENS.search(result):
        shown = as_shown(result)
        found_shown = pattern.search(shown.replace("\u00a0", " ") if spaced else shown)
        if found_shown is not None:
            return HIDDEN.format(name=name(found_shown.group(0)))
    return result


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


# Escape sequences a terminal acts on: CSI (colours, cursor moves), OSC (titles, links),
# DCS/SOS/PM/APC strings, escapes with intermediates (``ESC ( B``) and the two-byte ones
# (``ESC 7``). C1 controls, the eight-bit forms, are unseen characters below.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[ -/]+[0-~]|\x1b[0-~]"
)
# What a reader cannot see, as code point ranges: control characters but tab and newline,
# Unicode's format characters (category Cf: soft hyphen, zero-width characters, bidirectional
# marks, word joiners, the byte order mark, tags) and its Default_Ignorable_Code_Point set
# (Hangul fillers, Khmer and Mongolian marks, variation selectors, the reserved ignorables),
# as of Unicode 15; and the graphic characters that draw as nothing, which an attacker's pass
# split a password with past the scan: the object replacement character U+FFFC (a browser
# draws nothing for it; the PDF's text kept it), the braille blank U+2800, the Khitan filler
# U+16FE4 and the null notehead U+1D159. One table for the redaction, the scan, their escaped
# forms, the settings and confirmations (refused) and the text read from inputs (removed).
UNSEEN_RANGES = (
    (0x00, 0x08), (0x0B, 0x1F), (0x7F, 0x9F), (0xAD, 0xAD), (0x34F, 0x34F),
    (0x600, 0x605), (0x61C, 0x61C), (0x6DD, 0x6DD), (0x70F, 0x70F), (0x890, 0x891),
    (0x8E2, 0x8E2), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
    (0x200B, 0x200F), (0x2028, 0x202E), (0x2060, 0x206F), (0x2800, 0x2800),
    (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFFC), (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F),
    (0x16FE4, 0x16FE4), (0x1BCA0, 0x1BCA3), (0x1D159, 0x1D159), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)  # fmt: skip
# the characters of UNSEEN_RANGES as a regular expression's class (raw characters only)
UNSEEN_CLASS = "[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in UNSEEN_RANGES) + "]"
_UNSEEN = re.compile(_ANSI.pattern + "|" + UNSEEN_CLASS)
# the same in an ASCII text without ESC (no ANSI escape): a class of a few characters,
# searched six times as fast
_UNSEEN_ASCII = re.compile(
    "[" + "".join(f"\\x{a:02x}-\\x{min(b, 0x7F):02x}" for a, b in UNSEEN_RANGES if a < 0x80) + "]"
)
# The same characters written as a JSON escape (a pair of them beyond the first plane), an
# HTML character reference, or an ANSI escape written as JSON: unseen when the character is.
_ESCAPED = re.compile(
    # _ANSI's escape sequences with ESC written \u001b (and ST's backslash as \\)
    r"\\u001[bB](?:\[[0-?]*[ -/]*[@-~]"
    r"|\](?:(?!\\u0007|\\u001[bB]).)*(?:\\u0007|\\u001[bB]\\\\)?"
    r"|[PX^_](?:(?!\\u001[bB]).)*(?:\\u001[bB]\\\\)?"
    r"|[ -/]+[0-~]|[0-~])"
    r"|\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})"
    r"|\\u([0-9a-fA-F]{4})"
    # an HTML reference as a browser reads it: any number of leading zeros, the ";" optional
    # after a number, a named one (``&shy;``, ``&ZeroWidthSpace;``; ``&shy`` alone as well)
    r"|&#(?:[xX]0*([0-9a-fA-F]{1,6})|0*([0-9]{1,7}));?"
    r"|&([A-Za-z][A-Za-z0-9]{1,31};|shy)"
    # Python's repr of a string (a settings key quoted in an error): \xad, \U000e0041 (an
    # attacker's pass: a password split by a soft hyphen in a key name was echoed so)
    r"|\\x([0-9a-fA-F]{2})|\\U([0-9a-fA-F]{8})"
)
_MAYBE_UNSEEN = re.compile(_UNSEEN.pattern + r"|\\[uxU]|&[#A-Za-z]")
# Right-to-left embeddings, overrides and isolates: what follows is shown reversed, up to
# the character that ends it (or the line's end)
_RTL_OPENS = re.compile(
    "[\u202b\u202e\u2067]|\\\\u(?:202[be]|2067)|&#(?:x0*(?:202[be]|2067)|8235|8238|8295);",
    re.IGNORECASE,
)
_RTL_RUN = re.compile("[\u202b\u202e\u2067]([^\u202a-\u202e\u2066-\u2069\n]*)")


# Every code point of UNSEEN_RANGES (some 4,500): one look-up per character or escape, where
# walking the table took 10 s over 10 MB of escapes (a hostile cell, or an answer of NgDP)
_UNSEEN_POINTS = frozenset(p for a, b in UNSEEN_RANGES for p in range(a, b + 1))


def unseen(code_point: int) -> bool:
    """True for a character a reader cannot see (:data:`UNSEEN_RANGES`)."""
    return code_point in _UNSEEN_POINTS


def _escaped_point(m: re.Match[str]) -> int | None:
    """The character an :data:`_ESCAPED` match stands for (None: an ANSI escape)."""
    if m.group(1):
        return 0x10000 + ((int(m.group(1), 16) - 0xD800) << 10) + (int(m.group(2), 16) - 0xDC00)
    if m.group(3) or m.group(4):
        return int(m.group(3) or m.group(4), 16)
    if m.group(5):
        return int(m.group(5))
    if m.group(6):
        import html.entities

        named = html.entities.html5.get(m.group(6), "")
        return ord(named) if len(named) == 1 else -1  # -1: not one character, never unseen
    if m.group(7) or m.group(8):
        return int(m.group(7) or m.group(8), 16)
    return None


def _unseen_pattern(text: str) -> re.Pattern[str]:
    """:data:`_UNSEEN`, or the part of it that can match in ``text`` (the same matches)."""
    return _UNSEEN_ASCII if text.isascii() and "\x1b" not in text else _UNSEEN


def _escape_unseen(escape: str) -> bool:
    """Whether the :data:`_ESCAPED` match ``escape`` may stand for what a reader cannot see
    (an ANSI escape, or an escape read alone otherwise than in its text, counts)."""
    m = _ESCAPED.fullmatch(escape)
    point = None if m is None else _escaped_point(m)
    return point is None or point in _UNSEEN_POINTS


def _escaped_unseen(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds an :data:`_ESCAPED` match of what a reader cannot see, in order.
    Each escape is read once (a hostile text repeats one a million times); a text whose
    different escapes hide nothing (a workbook's ``&#65352;`` and ``&#230;``) is told so from
    those alone, at the speed of ``re.findall`` (:func:`_distinct`)."""
    if "\\" not in text and "&" not in text:
        return []
    escapes = _distinct(_ESCAPED, text)
    if escapes is not None and not any(map(_escape_unseen, escapes)):
        return []
    hidden: dict[str, bool] = {}
    spans: list[tuple[int, int]] = []
    append = spans.append
    for m in _ESCAPED.finditer(text):
        escape = m[0]
        found = hidden.get(escape)
        if found is None:
            point = _escaped_point(m)
            found = hidden[escape] = point is None or point in _UNSEEN_POINTS
        if found:
            append(m.span())
    return spans


def _unseen_spans(text: str, escaped: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Where ``text`` holds what a reader cannot see: raw, or escaped as :data:`_ESCAPED`
    (``escaped``: those escapes, when the caller has them already)."""
    raw = [m.span() for m in _unseen_pattern(text).finditer(text)]
    if escaped is None:
        escaped = _escaped_unseen(text)
    if not raw or not escaped:  # one search's matches: in order, none overlaps another
        return raw or escaped
    merged: list[tuple[int, int]] = []
    for start, end in heapq.merge(raw, escaped):  # an escape's text never holds a raw one
        if merged and start < merged[-1][1]:
            continue
        merged.append((start, end))
    return merged


def _spans_removed(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` without ``spans`` (in order, not overlapping)."""
    pieces, at = [], 0
    for start, end in spans:
        pieces.append(text[at:start])
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


def unseen_removed(text: str) -> str:
    """``text`` without ANSI escapes and the characters a reader cannot see, raw or escaped."""
    escaped = _escaped_unseen(text)
    if not escaped:  # raw ones only: one pass of the regular expression
        return _unseen_pattern(text).sub("", text)
    return _spans_removed(text, _unseen_spans(text, escaped))


def _memo_sub(pattern: re.Pattern[str], replace: Any, text: str) -> str:
    """``pattern.sub(replace, text)`` for a ``replace`` that depends on the match's text alone,
    called once per different match (a hostile text repeats one escape a million times)."""
    done: dict[str, str] = {}

    def once(m: re.Match[str]) -> str:
        found = m.group(0)
        out = done.get(found)
        if out is None:
            out = done[found] = replace(m)
        return out

    return pattern.sub(once, text)


def reverses(text: str) -> bool:
    """True when ``text`` holds a right-to-left embedding, override or isolate (raw or
    escaped), so that :func:`as_shown` may differ from reading it in order."""
    return _RTL_OPENS.search(text) is not None


def as_shown(text: str) -> str:
    """``text`` in the order a display shows it, each right-to-left override's run reversed
    (nesting aside), and without what a reader cannot see."""
    raw = _memo_sub(
        _ESCAPED,
        lambda m: chr(p) if (p := _escaped_point(m)) is not None and unseen(p) else m.group(0),
        text,
    )
    return unseen_removed(_RTL_RUN.sub(lambda m: m.group(1)[::-1], raw))


# Control characters, and the invisible ones that reorder or hide text on a terminal:
# bidirectional marks and overrides (U+200E/F, U+061C, U+202A-E, U+2066-9), zero-width
# characters (U+200B-D, U+2060, U+FEFF) and line/paragraph separators.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]"
)


def terminal_text(text: str) -> str:
    """Text safe for a terminal: ANSI escapes and control characters removed, then secrets
    hidden (in that order: an escape inside a secret no longer hides it from the redaction).
    A text a right-to-left override shows a secret in is hidden whole, as :func:`redact`
    hides it, before the override is removed (which would leave the secret reversed)."""
    if _RTL_OPENS.search(text):
        whole = redact(text)
        if whole != text and _WHOLLY_HIDDEN.fullmatch(whole):
            return whole
    return redact(_CONTROL.sub("", _ANSI.sub("", text)))


# A lone surrogate (U+D800 to U+DFFF outside a pair) is no character: JSON's "\ud800" escape
# parses to one, and so does a command-line byte that is not UTF-8, and writing it as UTF-8
# raised UnicodeEncodeError. A security tester's look: one in a server's evidence file, a
# contact-point JSON file, a hand-written confirmation or a confirm --by crashed check and
# run (exit 3). Text read from such an input shows it as a reader does: U+FFFD.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def whole_characters(text: str) -> str:
    """``text`` with every lone surrogate as U+FFFD (the replacement character)."""
    if text.isascii():
        return text
    return LONE_SURROGATE.sub("\ufffd", text)


def without_lone_surrogates(value: Any) -> Any:
    """A parsed JSON document with :func:`whole_characters` applied to every string in it,
    keys included."""
    if isinstance(value, str):
        return whole_characters(value)
    if isinstance(value, list):
        return [without_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {without_lone_surrogates(k): without_lone_surrogates(v) for k, v in value.items()}
    return value


# What a CI runner reads in a job's log as a command, not as text: Azure Pipelines acts on
# "##vso[" anywhere in a line and formats "##[error]" and its kin; GitHub Actions acts on a line
# that starts with "::" (after spaces) and on the old "##[" anywhere. An attacker's look: a
# mailbox name "##vso[task.uploadfile]…certs/test.p12" in the export reached the log of the
# step that holds the .p12, through a finding's line on the console.
_CI_ANYWHERE = re.compile(r"##(vso)?\[", re.IGNORECASE)
# before the "::", any space but a line end: GitHub's runner trims the line (.NET TrimStart,
# which takes a no-break or an ideographic space too: an attacker's second look)
_CI_LINE_START = re.compile(r"(?m)^([^\S\n]*):(?=:)")


def ci_inert(text: str) -> str:
    """``text`` with every CI log command made plain text: ``##vso[`` is ``## vso[``, ``##[``
    is ``## [``, and a line's leading ``::`` is ``: :``. Applied to everything the kit prints
    (its console stream), which a CI job's log shows; idempotent."""
    if "##" not in text and "::" not in text:
        return text
    text = _CI_ANYWHERE.sub(lambda m: "## " + m.group(0)[2:], text)
    return _CI_LINE_START.sub(r"\1: ", text)


_WHOLLY_HIDDEN = re.compile(re.escape(HIDDEN).replace(re.escape("{name}"), r"[^\]]*"))


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


# CPR numbers: personal data, not secrets (the customer's export and settings hold them by
# mistake, and the kit never registers them). A CPR number is a day, a month (either may end
# in a dot), two digits of a year and four digits, with or without a hyphen, a dash, a minus
# sign or a space between, standing alone (a mailbox ID has seven digits, a CVR eight). The
# date's parts may be set apart as well, by a space, a dot and a space or a dash ("01 01 70
# 1299", "01-01-70-1299", "01.01.70.1299": a DPO's look, all were echoed); the four last
# digits stay one group,
# so a phone number of 8 digits ("12 34 56 78") and a CVR are never read as one. CPR hides one
# in a text (a finding's words, a support bundle's facts); CPR_SEEN looks for one in a file's
# text between word boundaries (a hash's hex holds digit runs, never one standing alone).
HIDDEN_CPR = "CPR-nummer udeladt"
# the same words on an English console (:func:`cpr_words_in`); pages and files keep HIDDEN_CPR
HIDDEN_CPR_EN = "CPR number withheld"
# between the date's parts: nothing, a dot, a space (a dot and a space), or a dash with or
# without a space on either side
CPR_DATE_GAP = r"(?:\.?[ \u00a0]?|[ \u00a0]?[-\u2010-\u2015\u2212][ \u00a0]?)"
# the four last digits, set apart from the date by nothing, a dash, a dot (not a dot and a
# space) or a space (``checks.system.cpr_shaped`` reads the same two pieces)
CPR_LAST_FOUR = r"[ \u00a0]?(?:[-\u2010-\u2015\u2212]|\.(?![ \u00a0]))?[ \u00a0]?[0-9]{4}"
CPR_BODY = (
    rf"(?:0[1-9]|[12][0-9]|3[01]){CPR_DATE_GAP}(?:0[1-9]|1[0-2]){CPR_DATE_GAP}[0-9]{{2}}"
    + CPR_LAST_FOUR
)
CPR = re.compile(rf"(?<![0-9]){CPR_BODY}(?![0-9])")
CPR_SEEN = re.compile(rf"(?<![.,])\b{CPR_BODY}\b")
# one in brackets is hidden with them: "Værgemål (010170-1299)" is "Værgemål (CPR-nummer udeladt)"
_CPR_IN_NAME = re.compile(rf"\(\s*{CPR.pattern}\s*\)|{CPR.pattern}")


# A separator of another form as the ASCII one a CPR number is read with: the full-width
# hyphen-minus and full stop an input method types beside full-width digits, the small ones,
# and Unicode's other spaces (a DPO's look: "010170－1299" in full-width was echoed whole,
# on the pages, in the rehearsal's letter, in a support bundle)
_SEPARATORS = str.maketrans(
    {"\uff0d": "-", "\ufe63": "-", "\ufe58": "-", "\u2043": "-", "\uff0e": ".", "\ufe52": "."}
    | {chr(c): " " for c in (*range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000)}
)


def ascii_form(text: str) -> str:
    """``text`` with each decimal digit of another script (full-width ``０``, Arabic-Indic
    ``٠``, …) as the ASCII digit it is, and each separator of another form as the ASCII one
    (:data:`_SEPARATORS`), character for character (so a match's place in it is its place in
    ``text``): a CPR number typed in such digits, or with a full-width dash, was shown as typed."""
    if text.isascii():
        return text
    digits = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
    return digits.translate(_SEPARATORS)


def _hidden(pattern: re.Pattern[str], text: str, hidden: str = HIDDEN_CPR) -> str:
    """``text`` with each match of ``pattern`` (read in :func:`ascii_form`) as ``hidden``."""
    plain = ascii_form(text)
    if plain is text:
        return pattern.sub(hidden, text)
    parts: list[str] = []
    at = 0
    for m in pattern.finditer(plain):
        parts += [text[at : m.start()], hidden]
        at = m.end()
    return "".join(parts) + text[at:]


def cpr_pieces(text: str) -> list[str]:
    """The CPR-shaped numbers in ``text`` (:data:`CPR`, in any script's digits, inside a
    longer word too), as they are written there."""
    return [text[m.start() : m.end()] for m in CPR.finditer(ascii_form(text))]


def holds_cpr(text: str) -> bool:
    """Whether ``text`` holds a CPR-shaped number (:data:`CPR`, in any script's digits)."""
    return bool(CPR.search(ascii_form(text)))


def hide_cpr_words(text: str) -> str:
    """``text`` with each CPR-shaped number that stands as a word of its own (:data:`CPR_SEEN`)
    replaced by :data:`HIDDEN_CPR`: for the console and a CI log, where a finding names a
    mailbox or a unit as the export spells it ("Postkassen 0999001 (Ny postkasse 010170-1231)
    er ikke tilknyttet"), while a hash's or a folder's digits stay as they are."""
    return _hidden(CPR_SEEN, text)


def cpr_words_in(text: str, language: str) -> str:
    """``text``, whose CPR-shaped numbers are hidden as :data:`HIDDEN_CPR`, with those words
    in the console's ``language``: Danish as they are, English as :data:`HIDDEN_CPR_EN` (an
    English console read "(CPR-nummer udeladt)" in a finding's line). Only the words change:
    what is hidden, and where, is the same."""
    return text if language == "da" else text.replace(HIDDEN_CPR, HIDDEN_CPR_EN)


def hide_cpr(text: str, hidden: str = HIDDEN_CPR) -> str:
    """``text`` with each CPR-shaped number replaced by ``hidden`` (:data:`HIDDEN_CPR`)."""
    return _hidden(CPR, text, hidden)


def hide_cpr_in_name(name: str) -> str:
    """A name (a unit's, proposed as a contact point's) with each CPR-shaped number replaced
    by ``(CPR-nummer udeladt)``, in brackets as a Danish aside, never the number: the portal
    administrator sees that the export's name must be mended before it is typed in, where a
    dropped number would leave a name that looks finished."""
    if not holds_cpr(name):  # full-width digits too (read as :func:`ascii_form` reads them)
        return name
    return " ".join(_hidden(_CPR_IN_NAME, name, f"({HIDDEN_CPR})").split())
