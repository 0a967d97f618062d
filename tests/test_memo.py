from __future__ import annotations

import re

import pytest

from ngdpkit.rehearsal import memo

CP = "9366b98e-64ef-58fe-a723-950f3d511167"


def letter(version: str = "1.2", **kw) -> memo.Letter:
    args = dict(
        organisation="Eksempel Kommune",
        cvr="98765433",
        contact_point=CP,
        recipient_id="0101709996",
        recipient_id_type="CPR",
        environment="test",
        run_id="r1",
        case_id="27.12.00-G01-17-25",
        version=version,
    )
    args.update(kw)
    return memo.build_letter(**args)


@pytest.mark.parametrize("version", ["1.2", "1.1"])
def test_letters_and_replies_validate(version: str) -> None:
    sent = letter(version)
    assert memo.validate(sent.xml) is None
    fields = memo.read(sent.xml)
    assert (
        fields["memoVersion"] == version
        and fields["contact_point"] == CP
        and fields["case_id"] == "27.12.00-G01-17-25"
    )
    assert (b'memoSchVersion="1.1.0"' in sent.xml) == (version == "1.1")
    reply = memo.build_reply(fields, citizen_id="0101709996", citizen_type="CPR")
    assert memo.validate(reply.xml) is None
    back = memo.read(reply.xml)
    assert (
        back["reply_to"] == sent.uuid
        and back["reply_contact_point"] == CP
        and back["reply_case"] == "27.12.00-G01-17-25"
        and back["memoVersion"] == version
    )


def test_letter_contents() -> None:
    import base64
    import re

    sent = letter()
    text = sent.xml.decode()
    assert "<messageType>DIGITALPOST</messageType>" in text and "<idType>CVR</idType>" in text
    assert re.search(r"<createdDateTime>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ</createdDateTime>", text)
    assert "Testbrev" in text and "<caseSystem>WorkZone</caseSystem>" in text
    pdf = base64.b64decode(re.search(r"<content>([^<]+)</content>", text).group(1))
    assert (
        pdf.startswith(b"%PDF-1.4")
        and b"Eksempel Kommune" in pdf
        and pdf.rstrip().endswith(b"%%EOF")
    )


@pytest.mark.parametrize(
    "mutate,reason",
    [
        (lambda x, u: x.replace(u.encode(), b"12345678-1234-1234-1234-123456789012"), "pattern"),
        (lambda x, u: x.replace(b"Z</createdDateTime>", b"</createdDateTime>"), "pattern"),
        (lambda x, u: re.sub(rb"<label>Testbrev[^<]*</label>", b"", x), "label"),
        (lambda x, u: x.replace(b"<label>Testbrev fra", b"<label>" + b"x" * 300), "256"),
    ],
)
def test_invalid_memos_give_the_schema_reason(mutate, reason: str) -> None:
    sent = letter()
    got = memo.validate(mutate(sent.xml, sent.uuid))
    assert got is not None and reason in got


def test_not_xml_and_wrong_root() -> None:
    assert "well-formed" in memo.validate(b"<nope")
    assert "root element" in memo.validate(b"<Message/>")
