"""Every network path ends within its deadline against a server that trickles (issue 26):
httpx's timeouts bound each read, never the whole request. Real servers on 127.0.0.1."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from ngdpkit.checks.deadline import BodyTooLarge, BoundedClient, DeadlineExceeded
from tests.conftest import cli, run_cli
from tests.test_network_trust import Recorder
from tests.test_probes import server_ctx, verify_ctx


@pytest.fixture(scope="module")
def tls_ca() -> trustme.CA:
    return trustme.CA()


def test_a_trickling_server_is_abandoned_at_the_deadline(tls_ca: trustme.CA) -> None:
    rec = Recorder(server_ctx(tls_ca.issue_cert("localhost")), trickle=0.3)
    try:
        start = time.monotonic()
        with BoundedClient(deadline=start + 1.5, verify=verify_ctx(tls_ca), timeout=1.0) as client:
            with pytest.raises(DeadlineExceeded):
                client.get(f"https://localhost:{rec.port}/")
        assert time.monotonic() - start < 2.5
    finally:
        rec.close()


def test_an_answer_within_the_deadline_is_whole_and_a_huge_one_refused() -> None:
    def app(request: httpx.Request) -> httpx.Response:
        size = int(request.url.params.get("n", "5"))
        return httpx.Response(200, content=b"x" * size, headers={"X-Kit": "1"})

    transport = httpx.MockTransport(app)  # only the body bound, no network behaviour
    with BoundedClient(deadline=time.monotonic() + 5, transport=transport, max_body=100) as c:
        r = c.get("http://example.invalid/?n=5")
        assert r.status_code == 200 and r.content == b"xxxxx" and r.headers["X-Kit"] == "1"
        with pytest.raises(BodyTooLarge):
            c.get("http://example.invalid/?n=500")


def test_ocsp_ends_within_its_total(cas: dict, leaf_key: Any, anchors: Any) -> None:
    from ngdpkit.checks.revocation import check_revocation
    from tests.test_certificates import leaf

    rec = Recorder(trickle=0.3)
    try:
        issued = leaf(cas, leaf_key, ocsp_url=f"http://127.0.0.1:{rec.port}/ocsp")
        start = time.monotonic()
        found = check_revocation(
            issued.cert, [cas["test"]["issuing"].cert], anchors, timeout=1.0, total=1.5, label="x"
        )
        assert time.monotonic() - start < 3.0
        assert [f.code for f in found] == ["CERT_OCSP_UNAVAILABLE"]
    finally:
        rec.close()


def test_rehearse_against_a_trickling_ngdp_ends(
    sample_dir: Path, tmp_path: Path, tls_ca: trustme.CA
) -> None:
    """``rehearse --against ngdp`` (pointed at 127.0.0.1 by ngdp_api_url) against a server that
    accepts any client and then trickles its headers: the command ends, exit 1, no traceback."""
    import shutil

    d = tmp_path / "sample"
    shutil.copytree(sample_dir, d, ignore=shutil.ignore_patterns("runs"))
    ca_file = tmp_path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(ca_file))
    rec = Recorder(server_ctx(tls_ca.issue_cert("127.0.0.1")), trickle=0.4)
    try:
        toml = d / "migration.toml"
        text = toml.read_text().replace(
            'protocol = "REST_PULL"',
            f'protocol = "REST_PULL"\nngdp_api_url = "https://127.0.0.1:{rec.port}/apis/v1"\n'
            f'ngdp_api_ca = "{ca_file}"\nrehearsal = {{ timeout_s = 2 }}',
            1,
        )
        text = text.replace("[checks]", "[checks]\nprobe_total_s = 2", 1)
        if "probe_total_s = 2" not in text:
            text = text.replace(
                "[organisation]", "[checks]\nprobe_total_s = 2\n\n[organisation]", 1
            )
        toml.write_text(text)
        start = time.monotonic()
        r = run_cli(
            "rehearse", "--settings", str(toml), "--env", "test", "--against", "ngdp", "--yes"
        )
        took = time.monotonic() - start
    finally:
        rec.close()
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stdout + r.stderr
    assert took < 15, took  # the deadline is 2 + 2 s; the rest is starting the process


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e12", "0"])
def test_checks_seconds_must_be_finite(sample_copy: Path, value: str) -> None:
    toml = sample_copy / "migration.toml"
    text = toml.read_text()
    assert "[checks]" not in text or "probe_total_s" not in text
    toml.write_text(
        text.replace("[organisation]", f"[checks]\nprobe_total_s = {value}\n\n[organisation]", 1)
    )
    r = cli("check", "--settings", str(toml), "--env", "test")
    assert r.returncode == 2 and "probe_total_s" in r.stderr and "Traceback" not in r.stderr


def test_simulate_port_out_of_range_is_exit_2(sample_dir: Path) -> None:
    r = cli(
        "simulate",
        "--settings",
        str(sample_dir / "migration.toml"),
        "--env",
        "test",
        "--port",
        "70000",
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr


# ---------------------------------------------------------------------------------------------
# A server that echoes the authorization header back (the attacker's review of session 20):
# what the kit reads from it holds the header hidden, and a header byte above 127 is no crash.

ECHO_TOKEN = "IhsPHD2PaW3SzxVeqHWEdgs-j2_WeloN"


def test_an_echoed_header_is_hidden_as_the_answer_is_read() -> None:
    import base64
    import http.server
    import json

    from ngdpkit import redact as R
    from ngdpkit.checks.deadline import answer_json
    from tests.loopback import LoopbackServer

    header = "Basic " + base64.b64encode(f"sys-1:{ECHO_TOKEN}".encode()).decode()

    class Echo(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            sent = self.headers["Authorization"]
            token = base64.b64decode(sent[6:]).decode().split(":", 1)[1]
            text = json.dumps(
                {
                    "name": sent,
                    "targets": [token[:10] + "\u200b" + token[10:], "ok"],
                    sent: {"escaped": "ESCAPED"},
                }
            )
            # the token's first letter written as a JSON escape: only the parsed text shows it
            body = text.replace("ESCAPED", "\\u0049" + token[1:]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-A", "æ".encode().decode("latin-1"))  # two bytes above 127
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    R.forget_all()
    try:
        R.register("NGDPKIT_TEST_AUTHORIZATION", header)
        with LoopbackServer(Echo) as server, BoundedClient(deadline=time.monotonic() + 10) as c:
            response = c.get(f"http://127.0.0.1:{server.port}/x", headers={"Authorization": header})
            sent_back = {k.lower(): v for k, v in response.headers.raw}
            assert sent_back[b"x-a"] == "æ".encode()  # kept as sent, no crash
            body = answer_json(response)
        hidden = "[hidden: NGDPKIT_TEST_AUTHORIZATION]"
        assert body == {
            "name": hidden,
            "targets": [hidden, "ok"],
            hidden: {"escaped": hidden},
        }
    finally:
        R.forget_all()


def test_only_guids_from_the_memo_listing_go_into_a_path_and_a_bad_memo_is_no_crash() -> None:
    from ngdpkit.rehearsal.flow import _memo_ids, _reply_to

    guid = "6f1c2b2e-8c1d-4a6e-9b0e-0123456789ab"
    listing = {"content": ["../organisations/1", "{" + guid.upper() + "}", 5, None, "Basic x"]}
    assert _memo_ids(httpx.Response(200, json=listing)) == [guid]
    for answer in (
        httpx.Response(200, text="<html>"),
        httpx.Response(200, json=[guid]),
        httpx.Response(200, json={"content": guid}),
        httpx.Response(500, json=listing),
    ):
        assert _memo_ids(answer) == []
    bomb = b'<!DOCTYPE m [<!ENTITY a "aaaa">]><m>&a;</m>'
    for memo in (b"<not xml", bomb, b""):
        assert _reply_to(memo) is None


def test_a_reply_memo_that_echoes_the_token_is_kept_without_it() -> None:
    """The reply memo is kept in the rehearsal's folder. A token in it as character
    references, split by a comment or in a CDATA section passed a byte-wise redaction, and any
    XML reader reads it; such a memo is kept written again from its parsed tree."""
    import base64

    from defusedxml import ElementTree as SafeET

    from ngdpkit import redact as R
    from ngdpkit.rehearsal.flow import memo_without_secrets

    header = "Basic " + base64.b64encode(f"sys-1:{ECHO_TOKEN}".encode()).decode()
    refs = "".join(f"&#x{ord(c):x};" for c in ECHO_TOKEN)
    plain = b'<?xml version="1.0"?><m a="1"><c>case 7</c><l>Svar</l></m>'
    R.forget_all()
    try:
        R.register("NGDPKIT_TEST_AUTHORIZATION", header)
        assert memo_without_secrets(plain) == plain  # kept byte for byte
        for body in (
            f"<c>{refs}</c>",
            f"<c>{ECHO_TOKEN[:9]}<!-- x -->{ECHO_TOKEN[9:]}</c>",
            f"<c><![CDATA[{ECHO_TOKEN[:9]}]]>{ECHO_TOKEN[9:]}</c>",
            f'<c k="{ECHO_TOKEN}">x</c>',
            f"<c>x</c>{ECHO_TOKEN}",
        ):
            kept = memo_without_secrets(f"<m>{body}<l>Svar</l></m>".encode())
            read = " ".join(
                [*(e.text or "" for e in SafeET.fromstring(kept).iter())]
                + [v for e in SafeET.fromstring(kept).iter() for v in e.attrib.values()]
                + [e.tail or "" for e in SafeET.fromstring(kept).iter()]
            )
            assert ECHO_TOKEN not in read and ECHO_TOKEN.encode() not in kept, body
            assert "[hidden: NGDPKIT_TEST_AUTHORIZATION]" in read and "Svar" in read, body
        assert ECHO_TOKEN.encode() not in memo_without_secrets(b"<m>" + ECHO_TOKEN.encode())
    finally:
        R.forget_all()


def test_a_text_longer_than_any_field_of_ngdp_is_refused_before_it_is_searched() -> None:
    """The review's hostile answer, one field of 5 million invisible characters, took 14 s and
    2.3 GB to redact. A text over MAX_TEXT characters, a value or a key, refuses the answer."""
    from ngdpkit.checks.deadline import MAX_TEXT, AnswerRefused, answer_json

    long = "\u202e\u200b" * (MAX_TEXT // 2 + 1)
    for body in ({"name": long}, {long: 1}, [[{"x": ["ok", long]}]]):
        with pytest.raises(AnswerRefused, match="characters"):
            answer_json(httpx.Response(200, json=body))
    fits = "æ" * MAX_TEXT
    assert answer_json(httpx.Response(200, json={"name": fits})) == {"name": fits}


def test_an_answer_without_escapes_is_read_whole_and_still_without_secrets() -> None:
    """A body without a backslash is redacted as one text (its strings are in it as written);
    a secret in it, whole or split by a zero-width space, still sends every string through
    the redaction, and a clean one comes back exactly as parsed."""
    import json

    from ngdpkit import redact as R
    from ngdpkit.checks.deadline import answer_json

    def answer(body: object) -> httpx.Response:
        return httpx.Response(200, content=json.dumps(body, ensure_ascii=False).encode())

    clean = {"content": [{"name": "Borgerservice – Ærø", "targets": ["borgere"], "n": 1}]}
    split = ECHO_TOKEN[:9] + "\u200b" + ECHO_TOKEN[9:]
    R.forget_all()
    try:
        R.register("NGDPKIT_TEST_AUTHORIZATION", ECHO_TOKEN)
        assert answer_json(answer(clean)) == clean
        hidden = "[hidden: NGDPKIT_TEST_AUTHORIZATION]"
        for echo in (ECHO_TOKEN, split):
            got = answer_json(answer({"content": [{"name": echo, "other": "Ærø"}]}))
            assert got == {"content": [{"name": hidden, "other": "Ærø"}]}, echo
    finally:
        R.forget_all()
