"""MeMo letters for the acceptance test: build, validate against the official XSDs, read back.

The schemas in ``memo_xsd/`` are Digitaliseringsstyrelsen's (MeMo 1.1 at the top,
1.2 in ``Version1.2/``). They are necessary, not sufficient: NgDP applies more
business rules than the schema holds.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

NS = "https://DigitalPost.dk/MeMo-1"
VERSIONS = ("1.2", "1.1")


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def simple_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with the given lines (Helvetica, WinAnsi so æøå print)."""

    def pdf_text(s: str) -> str:
        raw = s.encode("cp1252", "replace").decode("latin-1")
        return raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    body = (
        "BT /F1 12 Tf 72 770 Td 16 TL "
        + " ".join(f"({pdf_text(line)}) '" for line in lines)
        + " ET"
    )
    stream = body.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def _root_attrs(version: str) -> str:
    return f'memoVersion="{version}"' + (' memoSchVersion="1.1.0"' if version == "1.1" else "")


def _file(filename: str, content: bytes, label: str = "") -> str:
    import base64

    return (
        f"<MainDocument>{f'<label>{escape(label)}</label>' if label else ''}<File><encodingFormat>application/pdf</encodingFormat>"
        f"<filename>{escape(filename)}</filename><language>da</language><content>{base64.b64encode(content).decode()}</content></File></MainDocument>"
    )


@dataclass(frozen=True)
class Letter:
    uuid: str
    xml: bytes


def build_letter(
    *,
    organisation: str,
    cvr: str,
    contact_point: str,
    recipient_id: str,
    recipient_id_type: str,
    environment: str,
    run_id: str,
    case_id: str = "",
    version: str = "1.2",
) -> Letter:
    """The test letter: DIGITALPOST, a v4 UUID, a Danish label, replies routed to the contact point."""
    if version not in VERSIONS:
        raise ValueError(f"MeMo version {version!r} (use 1.2 or 1.1)")
    message_uuid = str(uuid.uuid4())
    now = utc_now()
    pdf = simple_pdf(
        [
            "Testbrev fra ngdpkit (accepttest)",
            f"Organisation: {organisation} (CVR {cvr})",
            f"Miljø: {environment}",
            f"Kørsel: {run_id}",
            f"Tidspunkt (UTC): {now}",
            "Svar venligst på dette brev, så svaret kan kontrolleres.",
        ]
    )
    content = (
        f"<ContentData><CaseID><caseID>{escape(case_id)}</caseID><caseSystem>WorkZone</caseSystem></CaseID></ContentData>"
        if case_id
        else ""
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Message xmlns="{NS}" {_root_attrs(version)}><MessageHeader>'
        f"<messageType>DIGITALPOST</messageType><messageUUID>{message_uuid}</messageUUID>"
        f"<label>{escape(f'Testbrev fra {organisation} ({environment}) - accepttest af Digital Post'[:256])}</label>"
        f"<reply>true</reply><mandatory>false</mandatory><legalNotification>false</legalNotification>"
        f"<Sender><senderID>{escape(cvr)}</senderID><idType>CVR</idType><label>{escape(organisation)}</label>"
        f"<ContactPoint><contactPointID>{escape(contact_point)}</contactPointID></ContactPoint></Sender>"
        f"<Recipient><recipientID>{escape(recipient_id)}</recipientID><idType>{escape(recipient_id_type)}</idType></Recipient>"
        f"{content}</MessageHeader><MessageBody><createdDateTime>{now}</createdDateTime>"
        f"{_file('testbrev.pdf', pdf, 'Testbrev')}</MessageBody></Message>\n"
    )
    return Letter(message_uuid, xml.encode("utf-8"))


def build_reply(letter: dict[str, Any], *, citizen_id: str, citizen_type: str) -> Letter:
    """A citizen's reply whose ReplyData names the letter, its contact point and its case."""
    reply_uuid = str(uuid.uuid4())
    version = letter.get("memoVersion") or "1.2"
    case = f"<caseID>{escape(letter['case_id'])}</caseID>" if letter.get("case_id") else ""
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Message xmlns="{NS}" {_root_attrs(version)}><MessageHeader>'
        f"<messageType>DIGITALPOST</messageType><messageUUID>{reply_uuid}</messageUUID>"
        f"<label>{escape(('Svar: ' + letter['label'])[:256])}</label>"
        f"<mandatory>false</mandatory><legalNotification>false</legalNotification>"
        f"<Sender><senderID>{escape(citizen_id)}</senderID><idType>{escape(citizen_type)}</idType><label>Borger (simuleret)</label></Sender>"
        f"<Recipient><recipientID>{escape(letter['sender_id'])}</recipientID><idType>CVR</idType>"
        f"<ContactPoint><contactPointID>{escape(letter['contact_point'])}</contactPointID></ContactPoint></Recipient>"
        f"<ReplyData><messageUUID>{letter['uuid']}</messageUUID><replyUUID>{reply_uuid}</replyUUID>{case}"
        f"<contactPointID>{escape(letter['contact_point'])}</contactPointID></ReplyData>"
        f"</MessageHeader><MessageBody><createdDateTime>{utc_now()}</createdDateTime>"
        f"{_file('svar.pdf', simple_pdf(['Svar fra borgeren (simuleret af ngdpkit)']), 'Svar')}</MessageBody></Message>\n"
    )
    return Letter(reply_uuid, xml.encode("utf-8"))


@functools.lru_cache(maxsize=2)
def _schema(version: str) -> Any:
    import xmlschema

    base = resources.files("ngdpkit") / "memo_xsd"
    path = base / "Version1.2" / "MeMo_core.xsd" if version == "1.2" else base / "MeMo_core.xsd"
    with resources.as_file(path) as p:
        return xmlschema.XMLSchema(str(Path(p)))


def validate(xml: bytes) -> str | None:
    """None when the MeMo is valid for its ``memoVersion``; else the schema's reason in one line."""
    import xmlschema
    from defusedxml import ElementTree as SafeET

    try:
        root = SafeET.fromstring(xml)
    except Exception as exc:
        return f"not well-formed XML: {exc}"
    if root.tag != f"{{{NS}}}Message":
        return f"the root element is {root.tag}, not {{{NS}}}Message"
    version = root.get("memoVersion", "")
    if version not in VERSIONS:
        return f"memoVersion {version!r} is not 1.1 or 1.2"
    try:
        _schema(version).validate(xml.decode("utf-8"))
    except xmlschema.XMLSchemaValidationError as exc:
        where = f" at {exc.path}" if getattr(exc, "path", None) else ""
        return f"{exc.reason}{where}"
    return None


def read(xml: bytes) -> dict[str, Any]:
    """The fields the simulator and the acceptance check look at."""
    from defusedxml import ElementTree as SafeET

    root = SafeET.fromstring(xml)

    def find(path: str) -> str:
        el = root.find(path.replace("m:", f"{{{NS}}}"))
        return (el.text or "").strip() if el is not None else ""

    return {
        "memoVersion": root.get("memoVersion", ""),
        "uuid": find("m:MessageHeader/m:messageUUID"),
        "label": find("m:MessageHeader/m:label"),
        "sender_id": find("m:MessageHeader/m:Sender/m:senderID"),
        "contact_point": find("m:MessageHeader/m:Sender/m:ContactPoint/m:contactPointID"),
        "recipient_id": find("m:MessageHeader/m:Recipient/m:recipientID"),
        "recipient_type": find("m:MessageHeader/m:Recipient/m:idType"),
        "recipient_contact_point": find(
            "m:MessageHeader/m:Recipient/m:ContactPoint/m:contactPointID"
        ),
        "case_id": find("m:MessageHeader/m:ContentData/m:CaseID/m:caseID"),
        "reply_to": find("m:MessageHeader/m:ReplyData/m:messageUUID"),
        "reply_contact_point": find("m:MessageHeader/m:ReplyData/m:contactPointID"),
        "reply_case": find("m:MessageHeader/m:ReplyData/m:caseID"),
    }
