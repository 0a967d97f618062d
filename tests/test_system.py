from __future__ import annotations

import base64
import ipaddress
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ngdpkit.checks.system import (
    authorization_parts,
    check_authorization,
    check_cvr,
    check_ips,
    check_protocol,
    check_push_url,
    check_system_id,
    cvr_valid,
    parse_authorization,
    push_endpoints,
)

SYS = "5b3f2c1e-8d4a-4e7b-9c2f-1a6d3e8b7c40"


def codes(found) -> list[tuple[str, str]]:
    return [(f.code, f.severity) for f in found]


def test_cvr() -> None:
    assert cvr_valid("98765433") and not cvr_valid("98765432") and not cvr_valid("1234567")
    # digits of another script are no CVR (the second look: "９８７６５４٣٣" read as one)
    assert not cvr_valid("９８７６５４３３") and not cvr_valid("９８７６５４٣٣")
    assert codes(check_cvr("12345678")) == [("CVR_INVALID", "error")]


def test_system_id_and_protocol() -> None:
    assert check_system_id(SYS, "k") == [] and codes(check_system_id("abc", "k")) == [
        ("SYSTEM_ID_INVALID", "error")
    ]
    assert check_protocol("REST_PULL", "k") == []
    found = check_protocol("AS4", "k")
    assert (
        codes(found) == [("PROTOCOL_INVALID", "error")]
        and "WorkZone does not use" in found[0].message
    )


def test_push_endpoints_exactly_as_the_vendor_page() -> None:
    e = push_endpoints("https://push.kommune.dk/", SYS)
    assert e["receipt_endpoint"] == f"https://push.kommune.dk/api/MeMoV1/{SYS}/receipt"
    assert e["message_endpoint"] == f"https://push.kommune.dk/api/MeMoV1/memos/?system-uuid={SYS}"


def test_push_url_rules() -> None:
    ok = "https://push.kommune.dk/wz"
    assert check_push_url(ok, protocol="REST_PUSH", key="k") == []
    assert codes(check_push_url(None, protocol="REST_PUSH", key="k")) == [
        ("PUSH_URL_MISSING", "error")
    ]
    assert codes(check_push_url("http://push.kommune.dk", protocol="REST_PUSH", key="k")) == [
        ("PUSH_URL_NOT_HTTPS", "error")
    ]
    for bad in (
        "https://localhost",
        "https://10.1.2.3",
        "https://user:pw@push.kommune.dk",
        "https://push.kommune.dk/?a=1",
        "https://push.kommune.dk/#x",
        "https://[fe80::1]/",
        "https://intranet",
    ):
        assert codes(check_push_url(bad, protocol="REST_PUSH", key="k")) == [
            ("PUSH_URL_INVALID", "error")
        ], bad
    assert codes(check_push_url(ok, protocol="REST_PULL", key="k")) == [
        ("PUSH_URL_UNUSED", "warning")
    ]


def test_ip_rules() -> None:
    found = check_ips(
        [
            "80.198.95.1",
            "10.0.0.1",
            "100.64.0.1",
            "169.254.1.1",
            "127.0.0.1",
            "198.51.100.7",
            "80.198.95.0/24",
            "80.198.95.2/31",
            "80.198.95.1",
            "80.198.95.0/30",
            "nonsense",
            "::1",
            "2001:db8::1",
        ],
        "k",
    )
    got = codes(found)
    assert ("IP_NOT_PUBLIC", "error") in got and sum(1 for c in got if c[0] == "IP_NOT_PUBLIC") == 5
    assert ("IP_DOCUMENTATION_RANGE", "warning") in got
    assert ("IP_RANGE_TOO_LARGE", "error") in got
    assert ("IP_DUPLICATE", "warning") in got and ("IP_OVERLAP", "warning") in got
    assert codes(check_ips(["80.198.95.3/31"], "k")) == [("IP_INVALID", "error")]  # host bits set
    assert codes(check_ips(["nonsense"], "k")) == [("IP_INVALID", "error")]
    assert "carrier-grade NAT" in next(f.message for f in found if "100.64" in f.message)


@given(st.ip_addresses(v=4))
def test_any_ipv4_is_judged_without_crashing(ip: ipaddress.IPv4Address) -> None:
    found = check_ips([str(ip)], "k")
    assert all(f.code in {"IP_NOT_PUBLIC", "IP_DOCUMENTATION_RANGE"} for f in found)
    if str(ip).startswith(("10.", "127.", "192.168.")):
        assert [f.code for f in found] == ["IP_NOT_PUBLIC"]


@given(st.text(max_size=40))
def test_any_text_as_ip_or_url_never_raises(text: str) -> None:
    check_ips([text], "k")
    check_push_url("https://" + text, protocol="REST_PUSH", key="k")
    check_push_url(text, protocol="REST_PUSH", key="k")


def test_authorization_forms() -> None:
    token = base64.b64encode(f"{SYS}:s3cr3t-token".encode()).decode()
    for form in (f"Authorization: Basic {token}", f"Basic {token}", token):
        assert parse_authorization(form) == (SYS, "s3cr3t-token")
        text, found = check_authorization(form, SYS, "k")
        assert text == "present, matches the system" and found == []
    text, found = check_authorization(f"Basic {token}", "9e7d6c5b-4a3f-4b2e-8d1c-0f9e8d7c6b51", "k")
    assert (
        codes(found) == [("AUTHORIZATION_SYSTEM_MISMATCH", "error")]
        and "s3cr3t" not in found[0].message
    )
    assert codes(check_authorization("Bearer xyz", SYS, "k")[1]) == [
        ("AUTHORIZATION_UNRECOGNISED", "warning")
    ]
    assert set(authorization_parts(f"Basic {token}")) >= {
        f"Basic {token}",
        token,
        f"{SYS}:s3cr3t-token",
        "s3cr3t-token",
    }


@pytest.mark.parametrize(
    "ip",
    ["::a00:1", "192.31.196.1", "192.52.193.1", "192.175.48.1", "2620:4f:8000::1", "100:0:0:1::1"],
)
def test_more_special_purpose_ranges_are_not_public(ip: str) -> None:
    """Issue 26: these six were accepted as public egress addresses."""
    assert [f.code for f in check_ips([ip], "k")] == ["IP_NOT_PUBLIC"]


def test_the_all_zero_example_system_id_is_named_as_such() -> None:
    """A consultant's cold run: ``system_id = "00000000-…"`` uncommented from the settings'
    example gave twelve errors (every contact point "of another system"), none naming the
    key. It is ``SYSTEM_ID_INVALID`` itself, saying it is the example, in both languages."""
    for value in ("00000000-0000-0000-0000-000000000000", "{00000000-0000-0000-0000-000000000000}"):
        (found,) = check_system_id(value, "environments.test.system_id")
        assert (found.code, found.source) == ("SYSTEM_ID_INVALID", "environments.test.system_id")
        assert "all-zero example" in found.message
        assert "eksempel med lutter nuller" in found.text("da")
    assert check_system_id("00000000-0000-0000-0000-000000000001", "k") == []


def test_the_system_page_says_where_the_header_was_seen(sample_run: dict[str, Any]) -> None:
    """A signer read "Autorisation: findes, og dens brugerdel er systemets ID" as NgDP's
    word. The kit sees the header in the settings only: NgDP never shows it."""
    page = (sample_run["run_dir"] / "signoff" / "04_system_and_network.html").read_text()
    assert (
        "<td>Autorisation</td><td>findes, og dens brugerdel er systemets ID"
        " (set i indstillingerne; NgDP viser ikke den værdi, portalen har)</td>"
    ) in page


def test_a_push_url_path_with_quotes_or_dollars_is_refused() -> None:
    """A Windows administrator's look: ``https://wzpush…/x'+$(calc)+'`` passed; the scripts
    quoted it safely, but it went on into the portal values and the firewall order. A push
    base URL's path holds unreserved characters, "/" and %-escapes only."""
    base = "https://wzpush.eksempel-kommune.dk"
    for bad in (
        f"{base}/x'+$(calc)+'",
        f"{base}/a b",
        f"{base}/a$b",
        f"{base}/a%zz",
        f"{base}/`x`",
    ):
        (found,) = check_push_url(bad, protocol="REST_PUSH", key="k")
        assert (found.code, found.severity) == ("PUSH_URL_INVALID", "error"), bad
        assert "its path holds" in found.message, bad
    for raw in (f"{base}/a\nStart-Process\tcalc", f"{base}/a\tb"):  # urlsplit drops them
        assert [f.code for f in check_push_url(raw, protocol="REST_PUSH", key="k")] == [
            "PUSH_URL_INVALID"
        ], raw
    for good in (f"{base}/wz-push_1/v.2/", f"{base}/a%20b", f"{base}/~svc"):
        assert check_push_url(good, protocol="REST_PUSH", key="k") == [], good


@pytest.mark.parametrize("typed", ["0101701299", "010170-1299"])
def test_a_cpr_number_as_the_cvr_is_said_without_being_shown(typed: str) -> None:
    """A CPR number typed into organisation.cvr stood on the sign-off pages the customer
    signs ("CVR '010170-1299' er ikke 8 cifre ..."): the finding says what is wrong with it
    in either language and never holds it; an 8-digit wrong CVR is still named."""
    (found,) = check_cvr(typed)
    assert found.code == "CVR_INVALID" and found.severity == "error"
    for language in ("da", "en"):
        text = found.text(language)
        assert typed not in text and typed.replace("-", "") not in text
    assert "har form som et CPR-nummer" in found.text("da")
    assert "has the shape of a CPR number" in found.text("en")
    assert "'12345678'" in check_cvr("12345678")[0].message
