"""The leak scan (contract §6): look for every secret in every file a run wrote.

Each secret is searched in every form :func:`ngdpkit.redact.encodings` lists (raw,
base64, URL-, HTML-, JSON-escaped, their combinations, PowerShell-quoted); for the
authorization header also its base64 part and the decoded ``user:token`` and token. Zip
containers (workbooks) are searched member by member, decompressed; Parquet files (the
step tables, zstd-compressed) column by column, decoded, each value on a line of its own;
calendar files (``runbook.ics``) also unfolded and unescaped, as a calendar reads them.
Each text is searched again without the characters a reader cannot see (raw, JSON- or
HTML-escaped; :data:`ngdpkit.redact.UNSEEN_RANGES`), so that a secret split by a zero-width
space still counts; and composed (NFC), or as NFKC reads it when it holds a compatibility
character (:func:`composed`), so that a secret with a letter decomposed, or written in
full-width letters, still counts. Secrets under 8 characters are matched as whole tokens
only, so they do not wipe unrelated files.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..checks.system import NETBIOS_LENGTH
from ..deliverables.outputs import STUB_MOST
from ..deliverables.outputs import STUB_NAME as STUB_NAME
from ..deliverables.outputs import STUB_START as STUB_START
from ..deliverables.outputs import stub_text as stub_text
from ..redact import (
    CUT_MARKS,
    MARK_ESCAPE,
    NO_BREAK,
    PLAIN_COMPATIBLE,
    SHORT_SECRET,
    UNSEEN_RANGES,
    WIDE_HTML_ESCAPE,
    WIDE_JSON_ESCAPE,
    as_shown,
    cut_parts,
    cut_starts,
    encodings,
    form_pattern,
    marks_unescaped,
    reverses,
    secret_parts,
    spaced,
    unseen_removed,
)

if TYPE_CHECKING:
    from ..findings import Finding
    from ..settings import Environment, Settings


@dataclass(frozen=True)
class Needle:
    name: str  # the variable's name, never the value
    pattern: re.Pattern[bytes]  # every form at once
    # The same, one pattern per form: a form is searched for its literal start, which re
    # finds far faster than an alternation it must try at every byte (a run's 156 MB at
    # 100,000 mailboxes with an authorization header: 3.0 -> 0.6 CPU-s). A match of any
    # one is a match of ``pattern``.
    forms: tuple[re.Pattern[bytes], ...] = ()
    # The forms that are plain text (no percent-escape in either case, not a short secret's
    # whole token), searched with bytes.find: five times faster than re on the 39 MB a
    # 100,000-row mapping workbook unzips to.
    literals: tuple[bytes, ...] = ()
    # The forms that open with a percent-escape (the one with every byte escaped), searched
    # only in a blob that holds a "%" at all, which one memchr tells: 27 of a 100,000-mailbox
    # run's 188 MB do, and each such form cost 0.06 s on the workbooks alone.
    percent: tuple[re.Pattern[bytes], ...] = ()
    # Every form of a secret of SHORT_SECRET characters or more: its first SHORT_SECRET or
    # more characters right before a cut's mark (:data:`ngdpkit.redact.CUT_MARKS`) are a
    # hit as well. A step's kernel starts without the seal's password, so a value holding
    # it was quoted cut to its first 197 characters, the password's beginning among them.
    # (kept as each first SHORT_SECRET bytes with the forms that begin so: one search each)
    cuts: tuple[tuple[bytes, tuple[bytes, ...]], ...] = ()
    # Whether the part holds a space: a file's text is read again with its no-break spaces
    # (raw or escaped) as spaces, which a reader cannot tell apart (:func:`no_break_read`)
    spaced: bool = False

    def search(self, blob: bytes) -> bool:
        if not self.forms and not self.literals and not self.percent:
            if self.pattern.search(blob) is not None:
                return True
        elif (
            any(blob.find(text) >= 0 for text in self.literals)
            or any(form.search(blob) for form in self.forms)
            or (b"%" in blob and any(form.search(blob) for form in self.percent))
        ):
            return True
        return bool(self.cuts) and _cut_start_in(blob, self.cuts)


_CUT_MARKS = tuple(mark.encode("utf-8") for mark in CUT_MARKS)


def _cut_start_in(blob: bytes, cuts: tuple[tuple[bytes, tuple[bytes, ...]], ...]) -> bool:
    """Whether ``blob`` holds one of ``cuts``' first characters right before a cut's mark
    (a secret's first bytes are rarer than a mark: they are looked for first)."""
    return any(
        head in blob and any(cut_starts(blob, form, _CUT_MARKS) for form in forms)
        for head, forms in cuts
    )


def _cut_forms(tails: list[str]) -> tuple[tuple[bytes, tuple[bytes, ...]], ...]:
    """A secret part's forms grouped by their first SHORT_SECRET bytes (most begin alike),
    from its first secret character on (``tails``, :func:`ngdpkit.redact.cut_parts`: a
    header's ``<system id>:`` is public). Their base64 and every-byte-escaped forms are left
    out: a value is cut as text, before any encoding of it as a whole, and each form searched
    costs a pass over the run's bytes."""
    import base64

    texts = [t for tail in tails for t in encodings(tail)]
    whole: set[str] = set()
    for raw in (tail.encode("utf-8") for tail in tails):
        whole |= {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
    whole |= {w.rstrip("=") for w in whole}
    by_head: dict[bytes, list[bytes]] = {}
    for text in dict.fromkeys(t for t in texts if t not in whole and not t.startswith("%")):
        form = text.encode("utf-8")
        if len(form) > SHORT_SECRET:
            by_head.setdefault(form[:SHORT_SECRET], []).append(form)
    return tuple((head, tuple(forms)) for head, forms in by_head.items())


def needles(secrets: dict[str, list[str]]) -> list[Needle]:
    """Compile patterns: name -> the secret's parts (the value, and for a header its parts)."""
    out = []
    for name, parts in secrets.items():
        # what a cut's beginning of each part counts from, each looked for with one part
        tails = cut_parts(parts)
        owner = {tail: next(p for p in parts if p.endswith(tail)) for tail in tails}
        for part in parts:
            if not part:
                continue
            texts = encodings(part)
            forms = [form_pattern(f).encode("utf-8") for f in texts]
            short = len(part) < SHORT_SECRET
            plain = [
                not short and p == re.escape(t).encode() for t, p in zip(texts, forms, strict=True)
            ]
            escaped = [not lit and t.startswith("%") for t, lit in zip(texts, plain, strict=True)]
            out.append(
                Needle(
                    name,
                    _compiled(b"|".join(forms), short),
                    tuple(
                        _compiled(f, short)
                        for f, lit, pct in zip(forms, plain, escaped, strict=True)
                        if not lit and not pct
                    ),
                    tuple(t.encode("utf-8") for t, lit in zip(texts, plain, strict=True) if lit),
                    tuple(
                        _compiled(f, short) for f, pct in zip(forms, escaped, strict=True) if pct
                    ),
                    () if short else _cut_forms([t for t in tails if owner[t] == part]),
                    spaced(part, parts),
                )
            )
    return out


def _compiled(body: bytes, short: bool) -> re.Pattern[bytes]:
    """A secret's forms as one pattern; a short secret (see SHORT_SECRET) as a whole token."""
    if short:
        return re.compile(rb"(?<![A-Za-z0-9])(?:" + body + rb")(?![A-Za-z0-9])")
    return re.compile(body)


class Unreadable(Exception):
    """A container the scan cannot decode: it cannot be shown to be free of secrets."""


def _parquet_text(path: Path, data: bytes) -> list[bytes]:
    """Every value of a Parquet file as text, one value per line, column by column.

    Compressed pages hide their text from a byte search, so the scan decodes them.
    Separate lines keep the whole-token rule for short secrets: two cells never run
    together into one token."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    def texts(array: Any) -> list[bytes]:
        t = array.type
        if pa.types.is_map(t):
            return texts(array.keys) + texts(array.items)
        if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
            return texts(array.flatten())
        if pa.types.is_struct(t):
            return [b for i in range(t.num_fields) for b in texts(array.field(i))]
        if pa.types.is_dictionary(t):
            return texts(array.dictionary)
        if pa.types.is_binary(t) or pa.types.is_large_binary(t):
            return [bytes(v) for v in array.to_pylist() if v is not None]
        try:
            strings = pc.fill_null(array.cast(pa.large_string()), "")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            strings = pa.array(
                ["" if v is None else str(v) for v in array.to_pylist()], pa.large_string()
            )
        if len(strings) == 0:
            return []
        one = pa.LargeListArray.from_arrays(pa.array([0, len(strings)], pa.int64()), strings)
        return [pc.binary_join(one, pa.scalar("\n", pa.large_string()))[0].as_py().encode("utf-8")]

    try:
        table = pq.read_table(pa.BufferReader(data))  # the bytes already read
    except (OSError, pa.ArrowException) as exc:
        raise Unreadable(path.name) from exc
    return [b for column in table.columns for chunk in column.chunks for b in texts(chunk)]


_ICS_FOLD = re.compile(rb"\r\n[ \t]")
_ICS_ESCAPE = re.compile(rb"\\([\\;,nN])")


def _calendar_text(data: bytes) -> list[bytes]:
    """An iCalendar file as its reader sees the values: lines unfolded (a fold may fall inside
    a secret), TEXT escapes undone, and the angle quotation marks ``ics.text`` writes for
    ``<`` and ``>`` turned back."""
    unfolded = _ICS_FOLD.sub(b"", data)
    plain = _ICS_ESCAPE.sub(lambda m: b"\n" if m.group(1) in b"nN" else m.group(1), unfolded)
    angles = plain.replace("\u2039".encode(), b"<").replace("\u203a".encode(), b">")
    return [unfolded, plain, angles]


# Between two pieces of a long URL on a page (the ``url`` fragment, display.url): a browser
# shows and copies the pieces as one text, so the scan reads them so too (an attacker's look:
# a contact point named by a URL past 110 characters that held the authorization header's
# base64 part, whose "/" splits it, kept the header on the overview and the notebook page
# while the scan replaced the workbooks and the CSV that held it whole)
_URL_SEAM = b"</span><wbr><span>"
# Between two words of a long command on a page (the ``command_parts`` fragment,
# signoff.command): a space between two spans, the second of class "any" when it is long
# ("\"" in a notebook's JSON). A browser shows and copies the space, so the scan reads the
# words as one text too (an attacker's look: a certificate password of words, in a settings
# file's name on a checklist's command, stood on the page only split into spans)
_COMMAND_SEAM = re.compile(rb'</span> <span(?: class=\\?"any\\?")?>')


# A workbook's text as Excel reads it: ``_xHHHH_`` is the character it names (ECMA-376), and
# the writers escape a literal one's "_" as ``_x005F_`` (an attacker's look: a token holding
# "_xbeef_" stood in a workbook cell as "_x005F_xbeef_", which the scan did not match and
# Excel showed as the token)
_EXCEL_ESCAPE = re.compile(rb"_x([0-9A-Fa-f]{4})_")


def _excel_text(member: bytes) -> bytes:
    return _EXCEL_ESCAPE.sub(
        lambda m: chr(int(m.group(1), 16)).encode("utf-8", "surrogatepass"), member
    )


def _contents(name: str, data: bytes) -> list[bytes]:
    blobs = [data]
    shown = data.replace(_URL_SEAM, b"") if _URL_SEAM in data else data
    if b"cmd-long" in shown:
        shown = _COMMAND_SEAM.sub(b" ", shown)
    if shown != data:
        blobs.append(shown)
    if data.startswith(b"BEGIN:VCALENDAR"):
        blobs += _calendar_text(data)
    elif data[:4] == b"PAR1":
        blobs += _parquet_text(Path(name), data)
    elif data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                members = [
                    zf.read(n) for n in zf.namelist() if zf.getinfo(n).file_size < 512 * 1024 * 1024
                ]
            blobs += members
            blobs += [_excel_text(m) for m in members if b"_x" in m and _EXCEL_ESCAPE.search(m)]
        except zipfile.BadZipFile:
            pass
        except (RuntimeError, NotImplementedError, EOFError, zlib.error, UnicodeDecodeError) as exc:
            # encrypted, an unknown method, a broken stream, a part name flagged UTF-8 that is not
            raise Unreadable(name) from exc
    return blobs


# A cheap first look for anything a reader cannot see, in the bytes of a file; only a blob
# that has one is searched again without them. Each look is one that re runs fast over the
# 156 MB of a 100,000-mailbox run (a single alternation of all of them took 1 s for 40 MB):
# - the bytes that are not printable ASCII, tab, newline or carriage return, searched for
#   the UTF-8 of UNSEEN_RANGES' characters (any character beyond the first plane counts:
#   the full test sorts those out);
# - a JSON escape of one (or of any character beyond the first plane);
# - an HTML reference other than the &#34;, &#39;, &amp;, &lt;, &gt; and &quot; every page
#   holds (a named one such as &shy; too).
# All three are made from UNSEEN_RANGES, so the table is the one place to add a character.
BOM = "\ufeff".encode()
_PRINTABLE = bytes(range(0x20, 0x7F)) + b"\t\n\r"


def _first_plane_unseen() -> list[int]:
    return [
        cp
        for a, b in UNSEEN_RANGES
        for cp in range(a, min(b, 0xFFFF) + 1)
        if cp not in (0x09, 0x0A, 0x0D)  # a carriage return is every CRLF file's
    ]


_ENCODED = [chr(cp).encode("utf-8") for cp in _first_plane_unseen()]
_LEAD = re.compile(
    b"[" + b"".join(re.escape(bytes([e[0]])) for e in sorted(set(_ENCODED))) + rb"\xf0-\xf4]"
)
# ... and the characters those bytes decode to (surrogateescape: a stray byte F0 to F4 as
# U+DCF0 to U+DCF4), one class looked up per character: the alternation of their UTF-8 was
# tried at each lead byte, 3 s for 9 MB of "…", kana or full-width letters (an attacker's
# look), where the class takes 0.05 s. A byte F0 to F4 counts, as a character beyond the
# first plane does; a lead byte is never a continuation, so the decoding reads every
# sequence of the table the bytes hold as its character.
_RAW = re.compile(
    "["
    + "".join(f"\\u{cp:04x}" for cp in _first_plane_unseen())
    + "\U00010000-\U0010ffff\udcf0-\udcf4]"
)
_JSON_ESCAPE = re.compile(
    rb"\\u(?:" + b"|".join(f"{cp:04x}".encode() for cp in _first_plane_unseen()) + rb"|d[89ab])",
    re.IGNORECASE,
)
_HTML_REFERENCE = re.compile(rb"&(?:#(?!3[49];)|(?!(?:amp|lt|gt|quot|apos);)[A-Za-z])")


def _maybe_unseen(blob: bytes) -> bool:
    # a byte order mark that opens a file (the CSV and the scripts for Excel and PowerShell)
    # is not inside any text
    rest = blob[3 if blob.startswith(BOM) else 0 :].translate(None, _PRINTABLE)
    return bool(
        (rest and _LEAD.search(rest) and _RAW.search(rest.decode("utf-8", "surrogateescape")))
        or (b"\\" in blob and _JSON_ESCAPE.search(blob))  # one byte: found at memchr's speed
        or _HTML_REFERENCE.search(blob)
    )


def without_unseen(blob: bytes) -> list[bytes]:
    """``blob`` as a reader sees it: without what a reader cannot see (raw or escaped), and
    when it holds a right-to-left override also in the order that shows; none when it holds
    nothing unseen."""
    if not _maybe_unseen(blob):
        return []
    text = blob.decode("utf-8", "surrogateescape")
    removed = unseen_removed(text)
    if removed == text:  # nothing unseen, raw or escaped: nothing reversed either (as_shown)
        return []
    seen = [removed, *([as_shown(text)] if reverses(text) else [])]
    return [t.encode("utf-8", "surrogateescape") for t in dict.fromkeys(seen) if t != text]


# A combining mark of Latin letters (U+0300 to U+036F) in UTF-8: where a text may hold a
# letter decomposed ("A" and a ring for "Å"), found at the speed of a byte search; and the
# characters NFC replaces by a Latin or Greek one a reader cannot tell from them: the
# Angstrom sign (U+212B, "Å"), the Kelvin sign (U+212A, "K"), the Ohm sign (U+2126), the
# Greek question mark (U+037E, ";"), ano teleia (U+0387) and the Greek numeral sign (U+0374)
_COMBINING = re.compile(rb"\xcc[\x80-\xbf]|\xcd[\x80-\xaf\xb4\xbe]|\xce\x87|\xe2\x84[\xa6\xaa\xab]")
# ... and a combining mark written as a JSON escape or an HTML reference (redact.MARK_ESCAPE),
# or another character so escaped that NFKC may read as another (redact.WIDE_ESCAPE)
_MARK_ESCAPE = re.compile(MARK_ESCAPE.pattern.encode())
# (in two: a pattern that opens with a literal is searched for it at a byte search's speed)
_WIDE_JSON_ESCAPE = re.compile(WIDE_JSON_ESCAPE.encode())
_WIDE_HTML_ESCAPE = re.compile(WIDE_HTML_ESCAPE.encode())
_PLAIN_COMPATIBLE = tuple(c.encode("utf-8") for c in PLAIN_COMPATIBLE)


def composed(blob: bytes) -> list[bytes]:
    """``blob`` with its letters composed (NFC), when it holds a combining mark and is not so
    already, or as NFKC reads it (composed, and full-width letters as the letters), when it
    holds a compatibility character; else none. A secret of which one letter only is
    decomposed (a setting keeps a value as it was typed: "A" and a ring for the first of two
    "Å"), or one Hangul syllable or kana is (its jamo, a kana and its voicing mark), is none
    of the forms looked for, composed or decomposed, yet a page shows it as the secret; so
    does "ｈｅｍｍｅｌｉｇ" for "hemmelig". A character written as a JSON escape or an HTML
    reference is read so too (a JSON file written ASCII-only: ``A\\u030abenr\\u00e5…``,
    ``\\uff48\\uff45…``, :func:`ngdpkit.redact.marks_unescaped`)."""
    views: list[bytes] = []
    # (one byte is looked for first: a search for one is a memchr, for two ten times slower)
    json, refs = b"\\" in blob and b"\\u" in blob, b"&" in blob and b"&#" in blob
    if (
        (((json and b"\\u03" in blob) or refs) and _MARK_ESCAPE.search(blob) is not None)
        or (json and _WIDE_JSON_ESCAPE.search(blob) is not None)
        or (b"&" in blob and _WIDE_HTML_ESCAPE.search(blob) is not None)
    ):
        shown = marks_unescaped(blob.decode("utf-8", "surrogateescape"))
        if shown is not None:
            views.append(shown.encode("utf-8", "surrogateescape"))
    if blob.isascii():
        return views
    form = _normal_form(blob)
    if form is not None:
        text = blob.decode("utf-8", "surrogateescape")
        if not unicodedata.is_normalized(form, text):
            views.append(unicodedata.normalize(form, text).encode("utf-8", "surrogateescape"))
    return views


_NO_BREAK = re.compile(NO_BREAK.encode("utf-8"))
# ... and URL-escaped ("%C2%A0"), read as the escaped space a secret's URL form holds ("%20")
_PERCENT_NO_BREAK = re.compile(rb"%[cC]2%[aA]0")


def no_break_read(blob: bytes) -> bytes:
    """``blob`` with its no-break spaces, raw or escaped (:data:`ngdpkit.redact.NO_BREAK`),
    as spaces; empty when it holds none. An attacker's look: a password of words written
    with no-break spaces passed the scan, which reads a text as NFKC does only when it holds
    another compatibility character than those every page holds."""
    if b"\xc2\xa0" not in blob and b"\\u00" not in blob and b"&" not in blob and b"%" not in blob:
        return b""
    spaced = _NO_BREAK.sub(b" ", blob)
    if b"%" in spaced:
        spaced = _PERCENT_NO_BREAK.sub(b"%20", spaced)
    return b"" if spaced == blob else spaced


def _normal_form(blob: bytes) -> Literal["NFC", "NFKC"] | None:
    """The form a view of ``blob`` (not ASCII) is read in: "NFKC" when it holds a
    compatibility character, "NFC" when it may hold a letter NFC composes or replaces, else
    None. What is not ASCII is judged on its own, at the speed of a byte search: ASCII is
    neither, and only a Latin combining mark composes with an ASCII letter."""
    # what is not printable ASCII (most of a Danish page is), whole characters of UTF-8, but
    # the no-break spaces and "…" every page may hold (redact.PLAIN_COMPATIBLE)
    other = blob.translate(None, _PRINTABLE)
    for plain in _PLAIN_COMPATIBLE:
        other = other.replace(plain, b"") if plain in other else other
    if not other:
        return None
    text = other.decode("utf-8", "surrogateescape")
    if not unicodedata.is_normalized("NFKC", text):  # NFKC composes as NFC does
        return "NFKC"
    # (a mark's bytes are found among them as in the file, at a tenth of a Danish file's size)
    latin = (b"\xcc" in other or b"\xcd" in other or b"\xe2\x84" in other or b"\xce" in other) and (
        _COMBINING.search(other) is not None
    )
    return "NFC" if latin else None


def scan_file(path: Path, found_needles: list[Needle]) -> list[str]:
    """Names of the secrets found in ``path`` (never the values)."""
    return scan_bytes(path.name, path.read_bytes(), found_needles)


def scan_bytes(name: str, data: bytes, found_needles: list[Needle]) -> list[str]:
    """Names of the secrets found in the bytes of the file ``name`` (never the values). A
    Parquet file the scan cannot decode counts as holding every secret: what cannot be
    searched is not kept."""
    hits: list[str] = []
    if not found_needles:
        return hits
    try:
        blobs = _contents(name, data)
    except Unreadable:
        return list(dict.fromkeys(n.name for n in found_needles))
    # a container's own bytes (a zip, a Parquet file) are compressed: its decoded parts are
    # what is read without the unseen characters
    texts = blobs[1:] if data[:4] in (b"PAR1", b"PK\x03\x04") else blobs
    seen = [view for text in texts for view in without_unseen(text)]
    # composed or in NFKC, also without what a reader cannot see (a full-width secret split
    # by a zero-width space)
    blobs += seen + [whole for text in (*texts, *seen) for whole in composed(text)]
    if any(needle.spaced for needle in found_needles):
        blobs += [spaced for text in (*texts, *seen) if (spaced := no_break_read(text))]
    for needle in found_needles:
        if needle.name in hits:
            continue
        if any(needle.search(blob) for blob in blobs):
            hits.append(needle.name)
    return hits


def stub_names(name: str, data: bytes) -> list[str] | None:
    """The names of the secrets the kit's own placeholder of the file ``name``
    (:func:`stub_text`) says it held, when ``data`` is that placeholder whole; else None.
    Only the placeholder's exact shape, with variable names in it, counts: a key after its
    first words is no placeholder."""
    if len(data) > STUB_MOST:
        return None
    text = data.decode("utf-8", "replace")
    head = STUB_START.format(name=Path(name).name)
    tail = stub_text(Path(name), ["NAMES"]).removeprefix(head + " (NAMES)")
    found = re.fullmatch(
        re.escape(head) + rf" \(({STUB_NAME}(?:, {STUB_NAME})*)\)" + re.escape(tail), text
    )
    if found is None or len(found.group(1)) > 2000:
        return None
    return found.group(1).split(", ")


def replaced_reason(name: str, names: list[str]) -> str:
    """What a reader of a run's file says when the file is the kit's placeholder: that the
    run replaced it because it held a secret (its variable, never the value), and what to do.
    A consultant's look: after a test authorization header typed into ``system_name``,
    ``compare``, ``diff`` and ``status`` said "portal-registration.json: not valid JSON
    (truncated or edited?)" of the kit's own placeholder."""
    return (
        f"{name} was replaced by a placeholder when the run wrote it, because it held the"
        f" secret {', '.join(names)} (see the run's SECRET_LEAK findings): take that value out"
        " of the setting or input that holds it, then run again"
    )


def replaced(name: str, data: bytes) -> str | None:
    """:func:`replaced_reason` when ``data`` is the kit's placeholder of the file ``name``."""
    names = stub_names(name, data)
    return replaced_reason(Path(name).name, names) if names else None


def replaced_file(path: Path, name: str = "") -> str | None:
    """:func:`replaced` for the file at ``path`` (a regular file, its first 4 KB read), named
    ``name`` in what is said (default: its own name); None when it is no placeholder or
    cannot be read."""
    try:
        if not path.is_file() or path.is_symlink():
            return None
        with path.open("rb") as fh:
            data = fh.read(4097)
    except OSError:
        return None
    names = stub_names(path.name, data)
    return replaced_reason(name or path.name, names) if names else None


def environment_secrets(settings: Settings, env: Environment) -> dict[str, list[str]]:
    """Variable name -> every form to look for: the secrets of one environment, the signing
    certificate's password (which every folder's run holds), and every other environment's
    that this process can read. A server both environments reach could echo the test
    token into production's answers (the attacker's fifth look found it raw in
    production's folder); where a CI job holds one environment's secrets only, the others
    are simply not there to look for. Each is registered for the redaction as it is read."""
    from ..secrets import resolve

    others = (n for e in settings.environments.values() for n in e.secret_names)
    out: dict[str, list[str]] = {}
    for var in dict.fromkeys((*env.secret_names, *settings.signing_secret_names, *others)):
        secret = resolve(var, secrets_file=settings.secrets_file)
        if secret is not None:
            out[var] = secret_parts(secret.reveal())
            if secret.shadowed_value():  # the secrets file's other value (SECRET_SHADOWED)
                out[f"{var} ({secret.shadows})"] = secret_parts(secret.shadowed_value())
    return _with_computer_names(settings, out)


def _with_computer_names(settings: Settings, secrets: dict[str, list[str]]) -> dict[str, list[str]]:
    """``secrets`` with, for each server name that holds one, the name as Windows cuts it
    (its first label, upper-case, 15 characters: ``$env:COMPUTERNAME``) as one more form of
    it: a password given as a server's name left its first 15 characters in server-check.ps1,
    where the whole secret, which the scan looked for, was not (a run of one environment
    does not hold the other's secrets to hide them as it writes)."""
    names = {s.name.strip() for e in settings.environments.values() for s in e.servers}
    out = {name: list(parts) for name, parts in secrets.items()}
    for server in names:
        cut = server.split(".", 1)[0][:NETBIOS_LENGTH]
        if len(cut) < SHORT_SECRET:  # a word that short would be found in every file
            continue
        for name, parts in secrets.items():
            # a secret that begins within the part Windows keeps, and is not kept whole
            if any(p and 0 <= server.find(p) < len(cut) and p not in cut.upper() for p in parts):
                out[name].append(cut.upper())
    return out


def scrub_folder(
    folder: Path,
    secrets: dict[str, list[str]],
    *,
    skip: tuple[str, ...] = (),
    pins: list[Needle] | None = None,
) -> list[tuple[Path, list[str]]]:
    """Scan every file below ``folder``; replace each that holds a secret by a stub. Returns
    the hits: a placeholder a writer left where it hid a secret (:func:`stub_text`, a workbook
    whose cell over Excel's limit held one) counts as one, once, as its own stubs do."""
    from ..deliverables.outputs import LEDGER, atomic_write, stat_key

    pins = needles(secrets) if pins is None else pins
    hits: list[tuple[Path, list[str]]] = []
    if not pins:
        return hits
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in skip):
        known = LEDGER.current(path)
        if known is not None and known.placeholder:
            continue  # this scan's own placeholder: its leak is said already
        if known is not None and known.secrets is not None and known.token is pins:
            names = list(known.secrets)  # scanned from the bytes as they were written
        else:
            key = stat_key(path)
            data = path.read_bytes()
            names = scan_bytes(path.name, data, pins)
            LEDGER.note(path, data, key, scanned=(pins, tuple(names)))
        if not names and (known is None or known.stub):
            names = _writers_stub(path)
        if names:
            atomic_write(path, stub_text(path, names), placeholder=True)
            hits.append((path, names))
    return hits


def _writers_stub(path: Path) -> list[str]:
    """The names a placeholder at ``path`` lists, which a writer left (this scan's own are
    noted as such); none when the file is no placeholder."""
    if path.stat().st_size > STUB_MOST:
        return []
    return stub_names(path.name, path.read_bytes()) or []


def short_secrets(secrets: dict[str, list[str]]) -> frozenset[str]:
    """The names of the secrets whose value is under ``SHORT_SECRET`` characters (looked for
    as whole words only, so a word of the kit's own text can match them)."""
    from ..redact import SHORT_SECRET

    return frozenset(
        name for name, parts in secrets.items() if parts and len(parts[0]) < SHORT_SECRET
    )


def own_text_secrets(secrets: dict[str, list[str]]) -> frozenset[str]:
    """The names of the secrets of ``SHORT_SECRET`` characters or more whose value stands in
    the kit's own text (:func:`ngdpkit.secrets.kit_text`): a word of its pages, scripts or
    messages ("password", "adgangskode"), found there wherever the kit writes it; in
    full-width letters too ("ｐａｓｓｗｏｒｄ" is looked for as "password")."""
    from ..redact import SHORT_SECRET
    from ..secrets import kit_text

    return frozenset(
        name
        for name, parts in secrets.items()
        if parts
        and len(parts[0]) >= SHORT_SECRET
        and (parts[0] in kit_text() or unicodedata.normalize("NFKC", parts[0]) in kit_text())
    )


def leak_findings(
    leaks: list[tuple[Path, list[str]]],
    rel: Any,
    said: list[Finding] | None = None,
    *,
    short: frozenset[str] = frozenset(),
    kit: frozenset[str] = frozenset(),
) -> list[Finding]:
    """``SECRET_LEAK`` for each file the scan replaced, named relative to the settings, once
    per file: a file ``said`` already names held it again after the kit wrote it anew, so
    the secret's value stands in what the kit writes from the inputs, and that is said once
    instead (a CI engineer's look: a password that was also the organisation's name gave 35
    findings, pages named three times each, and never the cause). A secret of ``short``
    (:func:`short_secrets`) may have matched a word of the kit's own text, which is said
    instead of blaming the inputs (a consultant's cold run: the wrong password "wrong" was a
    word of the kit's own message, and the findings said it stood in the inputs), and so is
    one of ``kit`` (:func:`own_text_secrets`: the password "password")."""
    from .. import findings as F
    from ..redact import SHORT_SECRET

    # (file, secret) pairs already named: another secret in a file named before is new (an
    # attacker's look: named by file alone, it went unnamed)
    before = {
        (f.source, name)
        for f in said or ()
        if f.code == "SECRET_LEAK" and f.source
        for name in str(f.params.get("values", "")).split(", ")
    }
    found = []
    again: set[str] = set()
    for path, names in leaks:
        fresh = [n for n in names if (rel(path), n) not in before]
        again |= {n for n in names if (rel(path), n) in before}
        if fresh:
            found.append(
                F.error(
                    "SECRET_LEAK",
                    "{value} held the secret {values} and was replaced by a stub.",
                    rel(path),
                    value=rel(path),
                    values=", ".join(fresh),
                )
            )
    if again and not any(f.template in (_IN_INPUTS, _SHORT_AGAIN, _KIT_AGAIN) for f in said or ()):
        values = ", ".join(sorted(again))
        if again <= short:
            found.append(
                F.error("SECRET_LEAK", _SHORT_AGAIN, "", values=values, short=SHORT_SECRET)
            )
        elif again <= short | kit:
            found.append(F.error("SECRET_LEAK", _KIT_AGAIN, "", values=values))
        else:
            found.append(F.error("SECRET_LEAK", _IN_INPUTS, "", values=values))
    return found


_SHORT_AGAIN = "The secret {values} was written again when the pages were made anew: its value, under {short} characters, is looked for as a whole word, and that word stands in the inputs, the settings or the kit's own text; use a longer secret."
_KIT_AGAIN = "The secret {values} was written again when the pages were made anew: its value stands in the kit's own text (a word of its pages, scripts or messages), where the leak scan finds it; use a secret that is no word (a generated one)."
_IN_INPUTS = "The secret {values} was written again when the pages were made anew from the inputs: its value stands in the inputs or the settings (a name, an address, a cell); use a secret that is in none of them."
