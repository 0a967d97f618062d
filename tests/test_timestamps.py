"""The bounded RFC 3161 client (documents/timestamps.py) against services on 127.0.0.1: a good
one (pyHanko's DummyTimeStamper), and ones that fail, trickle, redirect, flood, refuse or
replay; each failure said in the kit's own words, within the deadline."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from asn1crypto import tsp

from ngdpkit.checks.deadline import BodyTooLarge
from ngdpkit.documents.timestamps import REPLY, BoundedTimeStamper, TimestampFailed, reason
from tests.test_signing import Answer, Service, TimestampService, pki, tsa  # noqa: F401

DIGEST = hashlib.sha256(b"the signed bytes").digest()


@pytest.fixture
def serve() -> Iterator[Callable[[Answer], Service]]:
    started: list[Service] = []

    def start(answer: Answer) -> Service:
        started.append(Service(answer))
        return started[-1]

    yield start
    for service in started:
        service.close()


def send(handler: Any, status: int, body: bytes, kind: str = REPLY, **headers: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def stamp(url: str, total_s: float = 3) -> tuple[BoundedTimeStamper, Any]:
    stamper = BoundedTimeStamper(url, total_s=total_s)
    try:
        return stamper, asyncio.run(stamper.async_timestamp(DIGEST, "sha256"))
    except TimestampFailed as exc:
        assert str(exc) == stamper.failure
        return stamper, exc


def test_a_good_service_gives_a_token_over_the_digest(tsa: TimestampService) -> None:  # noqa: F811
    stamper, token = stamp(tsa.url)
    assert stamper.failure == ""
    info = token["content"]["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == DIGEST


def test_http_errors_and_wrong_answers_are_the_kits_words(
    tsa: TimestampService,  # noqa: F811
    serve: Callable[[Answer], Service],
) -> None:
    tsa.fail = True
    try:
        assert stamp(tsa.url)[0].failure == "HTTP status: 500"
    finally:
        tsa.fail = False
    html = serve(lambda body, h: send(h, 200, b"<html>login</html>", "text/html"))
    assert stamp(html.url)[0].failure == "not a time-stamp reply"
    garbage = serve(lambda body, h: send(h, 200, b"\x30\x82\xff\xff garbage"))
    assert stamp(garbage.url)[0].failure == "not a time-stamp reply"


def test_a_redirect_is_never_followed(
    tsa: TimestampService,  # noqa: F811
    serve: Callable[[Answer], Service],
) -> None:
    before = tsa.requests
    moved = serve(lambda body, h: send(h, 302, b"", "text/plain", Location=tsa.url))
    assert stamp(moved.url)[0].failure == "HTTP status: 302"
    assert tsa.requests == before


def test_a_flood_is_cut_at_one_megabyte(serve: Callable[[Answer], Service]) -> None:
    flood = serve(lambda body, h: send(h, 200, b"\x30" * (2 * 1024 * 1024)))
    assert stamp(flood.url)[0].failure == "the answer is too large"


def test_a_trickling_service_is_abandoned_at_the_deadline(
    serve: Callable[[Answer], Service],
) -> None:
    stop = threading.Event()

    def trickle(body: bytes, h: Any) -> None:
        h.send_response(200)
        h.send_header("Content-Type", REPLY)
        h.send_header("Content-Length", "100000")
        h.end_headers()
        while not stop.is_set():
            h.wfile.write(b"0")
            h.wfile.flush()
            time.sleep(0.2)

    slow = serve(trickle)
    try:
        started = time.monotonic()
        stamper, _ = stamp(slow.url, total_s=1)
        took = time.monotonic() - started
        assert stamper.failure == "no answer in time"
        assert took < 4
        # the deadline is the signature's: a second request after it fails at once
        started = time.monotonic()
        with pytest.raises(httpx.TimeoutException) as second:  # the deadline's own kind
            stamper.post(b"0")
        assert reason(second.value) == "no answer in time"
        assert time.monotonic() - started < 1.5
    finally:
        stop.set()


def test_no_service_there_is_no_connection() -> None:
    from tests.loopback import refused_port

    with refused_port() as s:  # bound, never listening, held: nobody listens
        port = s.getsockname()[1]
        assert stamp(f"http://127.0.0.1:{port}/")[0].failure == "no connection"


def test_a_refusal_without_a_token_is_a_refusal(
    serve: Callable[[Answer], Service],
) -> None:
    """RFC 3161 makes the token optional, and a refusal carries none."""
    refusal = bytes.fromhex("30053003020102")  # TimeStampResp: status rejection, no token
    refused = serve(lambda body, h: send(h, 200, refusal))
    assert stamp(refused.url)[0].failure == "the service refused the request"


def test_a_replayed_answer_does_not_match_the_request(
    tsa: TimestampService,  # noqa: F811
    serve: Callable[[Answer], Service],
) -> None:
    """A valid token, by the right service, for another request (its nonce differs)."""

    def replay(body: bytes, h: Any) -> None:
        request = tsp.TimeStampReq.load(body)
        other = tsp.TimeStampReq(
            {
                "version": 1,
                "message_imprint": request["message_imprint"],
                "nonce": request["nonce"].native + 1,
                "cert_req": True,
            }
        )
        send(h, 200, tsa.stamper.request_tsa_response(other).dump())

    replayed = serve(replay)
    assert stamp(replayed.url)[0].failure == "the answer does not match the request"


def test_reason_never_passes_a_librarys_text_on() -> None:
    request = httpx.Request("POST", "http://127.0.0.1/")
    assert reason(BodyTooLarge("x")) == "the answer is too large"
    assert reason(httpx.ReadTimeout("secret detail", request=request)) == "no answer in time"
    assert reason(httpx.ConnectError("secret detail", request=request)) == "no connection"
    assert reason(httpx.RemoteProtocolError("secret", request=request)) == "the request failed"
    assert reason(TimestampFailed("HTTP status: 503")) == "HTTP status: 503"
    assert reason(ValueError("Timestamp refused: secret")) == "the service refused the request"
    assert reason(ValueError("Bad nonce: secret")) == "the answer does not match the request"
    assert reason(ValueError("anything else: secret")) == "not a time-stamp reply"
