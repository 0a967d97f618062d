"""What ``mailbox-mapping.xlsx`` says about itself: whose it is, which environment and run.

Test's and production's workbooks have the same name, sheets and headers (the contract
fixes them: WorkZone imports the first sheet as it is), so the workbook says where it
belongs everywhere else a reader looks, never above or beside the register's columns:

- its document properties (Excel's File > Info, Windows Explorer): the title names the
  organisation, the environment and the run, the subject the run's readiness;
- a page header and footer on its sheets, when printed;
- an "Om" ("About") sheet after the others, in the run's language.

rust_xlsxwriter has document properties, but rustpy-xlsxwriter does not pass them on, so
:func:`stamp` puts ``docProps/core.xml`` and the About sheet's part into the written bytes
itself, copying every other part of the package as it is (no part is compressed again).
The same stamp is put on again when the run's readiness is known
(:func:`ngdpkit.deliverables.outputs.stamp_mapping_workbook`): the workbook is begun while
notebook 02 runs, long before.

Every value from the settings or the inputs is text the workbook only shows: its control
and format characters are dropped, it is cut to a bounded length, and each line of the
About sheet begins with a fixed label, so no cell can begin with a formula's ``=``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, replace
from xml.sax.saxutils import escape, quoteattr

from ..redact import cut_whole, redact

__all__ = [
    "ABOUT_TITLE",
    "WorkbookLabel",
    "about_lines",
    "page_setup",
    "stamp",
    "plain",
    "sheet_part",
    "xstring",
]

ABOUT_TITLE = {"da": "Om", "en": "About"}
_VALUE_MAX = 120  # characters of one value from the settings or the inputs

WORDS = {
    "da": {
        "what": "Postkassetilknytning",
        "run": "kørsel",
        "organisation": "Organisation",
        "environment": "Miljø",
        "only": "filen må kun indlæses i WorkZone i miljøet {env}, ikke i et andet miljø",
        "run_folder": "Kørsel (kørselsmappe)",
        "status": "Kørslens status (hele miljøet, ikke kun denne fil)",
        "counts": "{errors} fejl, {warnings} {warning}",
        "warning": "advarsel",
        "warnings": "advarsler",
        "error": "fejl",
        "errors": "fejl",
        "pending": "afgøres, når kørslen er færdig: se signoff/index.html",
        "anchor": "Anker",
        "anchor_where": "se signoff/index.html (ankeret er beregnet af denne fil og de øvrige leverancer og kan derfor ikke stå i den)",
        "findings": "Fund",
        "findings_where": "arket »Findings« viser fundene om tilknytningen; alle kørslens fund står i signoff/index.html",
        "version": "ngdpkit-version",
        "import": "Import",
        "import_what": "arket til indlæsning er »{sheet}«; de øvrige ark er til læsning",
        "page": "Side &P af &N",
        "comments": "Kun til WorkZone i miljøet {env}. Godkendelse og anker: signoff/index.html.",
        "comments_other": "Gælder miljøet {env}. Godkendelse og anker: signoff/index.html.",
    },
    "en": {
        "what": "Mailbox mapping",
        "run": "run",
        "organisation": "Organisation",
        "environment": "Environment",
        "only": "the file is to be imported only into the WorkZone of the environment {env}, not into another environment's",
        "run_folder": "Run (run folder)",
        "status": "The run's status (the whole environment, not only this file)",
        "counts": "{errors} {error}, {warnings} {warning}",
        "warning": "warning",
        "warnings": "warnings",
        "error": "error",
        "errors": "errors",
        "pending": "decided when the run has finished: see signoff/index.html",
        "anchor": "Anchor",
        "anchor_where": "see signoff/index.html (the anchor is computed from this file and the other deliverables, so it cannot be in it)",
        "findings": "Findings",
        "findings_where": 'the sheet "Findings" shows the findings on the mapping; all of the run\'s findings are in signoff/index.html',
        "version": "ngdpkit version",
        "import": "Import",
        "import_what": 'the sheet to import is "{sheet}"; the other sheets are for reading',
        "page": "Page &P of &N",
        "comments": "Only for the WorkZone of the environment {env}. Sign-off and anchor: signoff/index.html.",
        "comments_other": "For the environment {env}. Sign-off and anchor: signoff/index.html.",
    },
}


def plain(value: object, limit: int = _VALUE_MAX) -> str:
    """A value from the settings or inputs as one line of shown text: no control or format
    characters (a bidi override among them), whitespace as single spaces, at most ``limit``
    characters (the last an ellipsis when cut). A registered secret is hidden **before** the
    value is cut (:func:`ngdpkit.redact.shortened`'s rule): cut first, the first 119 of a
    long token in the organisation's name stayed in the workbook while the leak scan, which
    looks for the whole, stubbed every other file (an attacker's look)."""
    text = "".join(
        " " if c.isspace() else c
        for c in redact(str(value))
        if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    text = re.sub(r" +", " ", text).strip()
    # a marker is left out whole ("[hidden: NGDPKIT_TE…" named half a variable)
    return text if len(text) <= limit else cut_whole(text, limit - 1) + "…"


@dataclass(frozen=True)
class WorkbookLabel:
    """Whose workbook, which environment and run; the readiness once the run knows it
    (``readiness``: the checklist's words, :meth:`ngdpkit.deliverables.checklist.Readiness.words`,
    with the counts of errors and warnings); the anchor when known (it never is while the
    workbook is written: the anchor seals it)."""

    organisation: str
    cvr: str
    environment: str
    run_id: str
    version: str
    language: str = "da"
    readiness: str | None = None
    errors: int = 0
    warnings: int = 0
    anchor: str = ""
    # another workbook of the run labelled the same way (the checklist, the runbook: a
    # WorkZone administrator could not tell test's printed runbook from production's): its
    # name, in the run's language; "" is the mapping workbook
    what: str = ""

    def known(self, readiness: str, errors: int, warnings: int) -> WorkbookLabel:
        return replace(self, readiness=readiness, errors=errors, warnings=warnings)

    def of(self, what: str) -> WorkbookLabel:
        """The same run's label for another of its workbooks, called ``what``."""
        return replace(self, what=what)

    @property
    def words(self) -> dict[str, str]:
        words = WORDS["en" if self.language == "en" else "da"]
        if not self.what:
            return words
        return {**words, "what": self.what, "comments": words["comments_other"]}

    @property
    def status(self) -> str:
        w = self.words
        if self.readiness is None:
            return w["pending"]
        counts = w["counts"].format(
            errors=self.errors,
            warnings=self.warnings,
            error=w["error" if self.errors == 1 else "errors"],
            warning=w["warning" if self.warnings == 1 else "warnings"],
        )
        return f"{plain(self.readiness)} ({counts})"

    @property
    def title(self) -> str:
        w = self.words
        run = f"{w['run']} {plain(self.run_id, 60)}"
        return " – ".join((w["what"], plain(self.organisation), plain(self.environment, 40), run))


def about_lines(about: WorkbookLabel, sheet: str) -> list[str]:
    """The About sheet's lines, each beginning with its label."""
    w = about.words
    env = plain(about.environment, 40)
    org = plain(about.organisation)
    cvr = plain(about.cvr, 20)
    anchor = plain(about.anchor, 100) if about.anchor else w["anchor_where"]
    return [
        about.title,
        f"{w['organisation']}: {org} (CVR {cvr})" if cvr else f"{w['organisation']}: {org}",
        f"{w['environment']}: {env} – {w['only'].format(env=env)}",
        f"{w['run_folder']}: {plain(about.run_id, 60)}",
        f"{w['status']} – {about.status}",  # the status has its own colon ("ikke klar: …")
        f"{w['findings']}: {w['findings_where']}",
        f"{w['anchor']}: {anchor}",
        f"{w['import']}: {w['import_what'].format(sheet=sheet)}",
        f"{w['version']}: {plain(about.version, 40)}",
    ]


# an escape's "_" without consuming its closing one: "_x0041_x0042_" holds two escapes, and
# the second begins on the first's last "_" (an attacker's look: consumed, the second was
# left for Excel to decode, and a right-to-left override came back through "_x202e_")
_ESCAPED = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def xstring(text: str) -> str:
    """Text for a cell or page header exactly as written: Excel reads ``_x001B_`` there as
    the character it names (ECMA-376's escape), so a literal one has its ``_`` escaped."""
    return _ESCAPED.sub("_x005F_", text)


def _header_text(value: str) -> str:
    """Text for a page header: ``&`` starts a code there, so it is doubled."""
    return value.replace("&", "&&")


def page_setup(about: WorkbookLabel) -> dict[str, str]:
    """A sheet's page header (organisation, environment, run) and footer (what it is, and
    the page). Each value is cut before it is escaped, short enough that a header of only
    ``&`` and ``_x0000_`` stays within Excel's 255 characters (never cut inside a code)."""
    w = about.words
    org = _header_text(plain(about.organisation, 48))
    env = _header_text(plain(about.environment, 24))
    run = _header_text(f"{w['run']} {plain(about.run_id, 40)}")
    header = xstring(f"&L{org}&C{w['environment']}: {env}&R{run}")
    footer = xstring(f"&L{_header_text(w['what'])} – {env}&R{w['page']}")
    return {"header": header, "footer": footer}


def core_xml(about: WorkbookLabel, when: dt.datetime | None = None) -> bytes:
    """``docProps/core.xml``: title, subject (the readiness), description (Excel's
    "Comments"), keywords (the environment) and the kit as creator."""
    w = about.words
    env = plain(about.environment, 40)
    stamp_at = (when or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = [
        ("dc:title", about.title),
        ("dc:subject", about.status),
        ("dc:creator", f"ngdpkit {plain(about.version, 40)}"),
        ("cp:keywords", f"{env}; ngdpkit; {w['what']}"),
        ("dc:description", w["comments"].format(env=env)),
        ("cp:lastModifiedBy", "ngdpkit"),
        ("dc:language", "en" if about.language == "en" else "da"),
    ]
    body = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields)
    dates = "".join(
        f'<dcterms:{k} xsi:type="dcterms:W3CDTF">{stamp_at}</dcterms:{k}>'
        for k in ("created", "modified")
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:dcmitype="http://purl.org/dc/dcmitype/"'
        f' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{body}{dates}</cp:coreProperties>'
    ).encode()


def sheet_xml(lines: list[str], printed: dict[str, str] | None = None) -> bytes:
    """A worksheet of one wide column holding ``lines`` as text cells (inline strings), with
    the page header and footer of ``printed`` (:func:`page_setup`) as the other sheets have."""
    page = ""
    if printed:
        page = (
            f"<headerFooter><oddHeader>{escape(printed['header'])}</oddHeader>"
            f"<oddFooter>{escape(printed['footer'])}</oddFooter></headerFooter>"
        )
    rows = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t xml:space="preserve">{escape(xstring(line))}'
        "</t></is></c></row>"
        for i, line in enumerate(lines, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<dimension ref="A1:A{max(1, len(lines))}"/><sheetViews><sheetView workbookViewId="0"/>'
        '</sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        '<cols><col min="1" max="1" width="120" customWidth="1"/></cols>'
        f"<sheetData>{rows}</sheetData>"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        f"{page}</worksheet>"
    ).encode()


def sheet_part(book: zipfile.ZipFile, name: str) -> str:
    """The package part of the sheet called ``name`` (from the workbook and its relations)."""
    workbook = book.read("xl/workbook.xml").decode("utf-8")
    sheet = re.search(
        rf"<sheet name={re.escape(quoteattr(escape(name)))}[^>]*?r:id=\"([^\"]+)\"", workbook
    )
    if sheet is None:
        raise ValueError(f"the workbook has no sheet {name!r}")
    rels = book.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    for relation in re.findall(r"<Relationship [^>]*>", rels):
        if f'Id="{sheet.group(1)}"' in relation:
            target = re.search(r'Target="([^"]+)"', relation)
            if target is not None:
                path = target.group(1)
                return path[1:] if path.startswith("/") else "xl/" + path
    raise ValueError(f"the sheet {name!r} has no part")


def labelled(data: bytes, about: WorkbookLabel) -> bytes:
    """The workbook ``data`` with ``about``'s document properties (its other parts as they
    are): for a workbook of the run without an About sheet."""
    return replace_parts(data, {"docProps/core.xml": core_xml(about)})


def stamp(data: bytes, about: WorkbookLabel, *, first_sheet: str) -> bytes:
    """The workbook ``data`` with ``about``'s properties and About sheet (which it has as a
    placeholder); its other parts copied as they are."""
    return stamped(data, about, first_sheet=first_sheet)[0]


def stamped(data: bytes, about: WorkbookLabel, *, first_sheet: str) -> tuple[bytes, list[bytes]]:
    """:func:`stamp`'s workbook, and the parts it wrote anew (what a leak scan must read
    again; the others are the bytes they were)."""
    title = ABOUT_TITLE["en" if about.language == "en" else "da"]
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        part = sheet_part(book, title)
    new = {
        "docProps/core.xml": core_xml(about),
        part: sheet_xml(about_lines(about, first_sheet), page_setup(about)),
    }
    return replace_parts(data, new), list(new.values())


def _dos_time(info: zipfile.ZipInfo) -> tuple[int, int]:
    y, mo, d, h, mi, s = info.date_time
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def replace_parts(data: bytes, new: dict[str, bytes]) -> bytes:
    """The ZIP package ``data`` with the parts named in ``new`` replaced (deflated), every
    other part's bytes (local header, data, descriptor) copied unchanged, in their order."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        infos = sorted(src.infolist(), key=lambda i: i.header_offset)
        end = src.start_dir
    missing = set(new) - {i.filename for i in infos}
    if missing:
        raise ValueError(f"the package has no part {sorted(missing)}")
    out = io.BytesIO()
    central: list[bytes] = []
    stops = [i.header_offset for i in infos[1:]] + [end]
    for info, stop in zip(infos, stops, strict=True):
        offset, name = out.tell(), info.filename.encode("utf-8")
        time, date = _dos_time(info)
        if info.filename in new:
            body = new[info.filename]
            squeeze = zlib.compressobj(6, zlib.DEFLATED, -15)
            packed = squeeze.compress(body) + squeeze.flush()
            crc, flags, sizes = zlib.crc32(body), 0, (len(packed), len(body))
            out.write(
                struct.pack(
                    "<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, time, date, crc, *sizes, len(name), 0
                )
            )
            out.write(name + packed)
            method, extra = 8, b""
        else:
            out.write(data[info.header_offset : stop])
            crc, flags, sizes = info.CRC, info.flag_bits, (info.compress_size, info.file_size)
            method, extra = info.compress_type, info.extra
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                info.create_version | (info.create_system << 8),
                max(info.extract_version, 20),
                flags,
                method,
                time,
                date,
                crc,
                *sizes,
                len(name),
                len(extra),
                0,
                0,
                0,
                info.external_attr,
                offset,
            )
            + name
            + extra
        )
    start = out.tell()
    out.write(b"".join(central))
    size = out.tell() - start
    out.write(
        struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), size, start, 0)
    )
    return out.getvalue()
