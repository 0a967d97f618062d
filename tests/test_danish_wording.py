"""A Danish proofreader's pass over session 39's new texts: Danish quotes (»…«, never «…»
or „…“), no English word left in a new finding's Danish, the terms the kit already uses
(postkasse-ID, inputfil, den udstedende CA), and the diagram's text alternative read as a
sentence, also for an environment without servers or addresses."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from ngdpkit import findings as F
from ngdpkit.catalogue import DANISH, TITLES
from ngdpkit.documents.diagram import diagram_text
from ngdpkit.documents.i18n import TEXT
from ngdpkit.settings import load_settings

# the small words of English (as tests/test_language.py looks for them)
ENGLISH = re.compile(
    r"\b(the|is|are|and|not|of|with|was|from|this|that|which|it|has|been|or|"
    r"skipped|found|missing|does|cannot|should|must|open|row|rows|number|digits)\b",
    re.I,
)
# what a Danish text names as it is: settings keys, files, a cell, an owner file
NAMES = re.compile(r"\[rehearsal\] [a-z_]+|[~$A-Za-z0-9_.!-]+\.(?:xlsx|csv|json|pdf|msc)\b")


def test_danish_texts_quote_the_danish_way() -> None:
    """»…« as every Danish page does: CERT_CHAIN_INVALID named the export wizard's box in
    German quotes („…“), and the verifier's words stood in «…»."""
    texts = [*DANISH.values(), *TEXT["da"].values()]
    for text in texts:
        assert not re.search("[„“”]", text), text
        marks = re.findall("[»«]", text)
        assert marks == ["»", "«"] * (len(marks) // 2), text


def danish(code: str, template: str, **params: object) -> str:
    return F.warning(code, template, "x.xlsx", **params).text("da")


def test_session_39_findings_read_as_danish() -> None:
    said = {
        "scientific": danish(
            "MAPPING_ROW_UNUSED",
            "Mapping file row {row}: mailbox {mailbox_id} is in scientific notation: Excel wrote the number as it showed it, and its digits are lost; the row is not used: format the column as text (or with the number format 0) in Excel and type the ID again.",
            row=3,
            mailbox_id="1,01159E+05",
        ),
        "open": danish(
            "INPUT_OPEN_IN_EXCEL",
            "{file} is open in Excel ({owner} lies beside it): what is typed there and not saved is not read; save it in Excel (Ctrl+S) and close it, then check again (if Excel is not open, delete {owner}).",
            file="mailboxes.xlsx",
            owner="~$mailboxes.xlsx",
        ),
        "chain": danish(
            "CERT_CHAIN_INVALID",
            "The certificate {value!r} is not trusted: it does not chain to a trusted root; its issuer is {issuer}, and the file holds no CA certificate: export it again in Windows (certmgr.msc: All Tasks, Export, Personal Information Exchange - PKCS #12) with “Include all certificates in the certification path if possible” ticked, or add the issuing CA to trust_anchors.",
            value="wz",
            issuer="CN=CA",
        ),
        "zero": danish(
            "REHEARSAL_RECIPIENT_INVALID",
            "[rehearsal] recipient_id has 9 digits where a CPR number has 10: its leading zero was lost, as Excel drops it from a number; write all 10 digits, starting with 0, in quotes.",
        ),
        "shape": danish(
            "REHEARSAL_RECIPIENT_INVALID",
            "[rehearsal] recipient_id is not the {count} digits of a {recipient_id_type} number: write the digits only, in quotes, without spaces or hyphens.",
            count=8,
            recipient_id_type="CVR",
        ),
        "decision": danish(
            "CPR_IN_TEXT",
            "The decision in row {value} holds a CPR-shaped number in its name or note, not repeated here. The sign-off overview and signoff.pdf show each decision with who made it and its note: decide the mailbox again with a note without the number (the newest line for a mailbox is the one that counts), and delete the line that holds it (a CPR number does not belong in a note).",
            value=2,
        ),
        "decisions": danish(
            "CPR_IN_TEXT",
            "{count} decisions (rows {value}) hold a CPR-shaped number in their name or note, not repeated here. The sign-off overview and signoff.pdf show each decision with who made it and its note: decide those mailboxes again with notes without the number (the newest line for a mailbox is the one that counts), and delete the lines that hold it (a CPR number does not belong in a note).",
            count=2,
            value="2, 4",
        ),
    }
    for text in said.values():
        assert not ENGLISH.search(NAMES.sub("", text).replace("trust_anchors", "")), text
    assert "postkasse-ID'et 1,01159E+05 står i videnskabelig notation" in said["scientific"]
    assert "men ikke gemt, bliver ikke læst" in said["open"]
    assert "den udstedende CA" in said["chain"] and "»Medtag om muligt" in said["chain"]
    assert "med 0 forrest" in said["zero"]
    assert "består ikke af de 8 cifre i et CVR-nummer" in said["shape"]
    assert (
        "i beslutningstagerens navn eller i noten; nummeret gentages ikke her" in said["decision"]
    )
    assert "om disse postkasser igen, med noter uden numrene" in said["decisions"]
    assert TITLES["INPUT_OPEN_IN_EXCEL"] == "En inputfil er åben i Excel"  # as i18n says it


def test_the_diagram_text_reads_as_a_sentence(sample_dir: Path) -> None:
    env = load_settings(sample_dir / "migration.toml").environments["test"]
    da = diagram_text(env, organisation="Ærø Kommune", language="da")
    assert "WorkZone-servere (wz-web01-t, wz-agent01-t) sender udgående HTTPS (port 443) fra" in da
    assert "gennem firewallen til NgDP på api.test.digitalpost.dk (" in da
    bare = dataclasses.replace(env, servers=(), server_ips=())
    for language, servers, egress in (
        ("da", "WorkZone-servere (servere ikke angivet)", "fra (adresser ikke angivet)"),
        ("en", "WorkZone servers (servers not listed)", "from (addresses not listed)"),
    ):
        text = diagram_text(bare, organisation="Ærø Kommune", language=language)
        assert servers in text and egress in text and "((" not in text and "?" not in text
