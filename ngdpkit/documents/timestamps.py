"""RFC 3161 signature timestamps for ``signoff.pdf`` (contract §12.5), with a hard deadline.

pyHanko's own HTTP clients (requests, aiohttp) take a timeout per phase: a service that
trickles its answer holds them for ever. :class:`BoundedTimeStamper` is pyHanko's
``TimeStamper`` posting through :class:`~ngdpkit.checks.deadline.BoundedClient`, so every request of
one signature ends within ``total_s`` (pyHanko asks twice per signature: a dummy request to
size the signature, then the real one, and both share the deadline). Redirects are never
followed and the answer is bounded to 1 MB. Why a request failed is said in the kit's own
words (``failure``), never in a library's.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from asn1crypto import cms, core, tsp
from pyhanko.sign.timestamps import TimeStamper

from ..checks.deadline import BodyTooLarge, BoundedClient

MAX_BODY = 1024 * 1024  # a time-stamp reply is a few KB
QUERY = "application/timestamp-query"
REPLY = "application/timestamp-reply"


class _StatusOnly(core.Sequence):  # type: ignore[misc, unused-ignore]
    """A TimeStampResp as RFC 3161 has it: the token is optional (a refusal carries none);
    asn1crypto's own structure demands one."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def _refused(body: bytes) -> bool:
    """Whether ``body`` is a reply whose status is neither granted nor granted with mods."""
    try:
        status = _StatusOnly.load(body, strict=True)["status"]["status"].native
    except Exception:
        return False
    return status not in ("granted", "granted_with_mods")


class TimestampFailed(OSError):
    """The time-stamping service gave no usable timestamp; the message is the kit's words."""


def _same_nonce(req: Any, reply: Any) -> None:
    """A granted reply must carry the request's nonce (a replayed answer does not). pyHanko
    compares them too, but fails writing its own message (``int.hex``), so its failure
    would read as "not a time-stamp reply"."""
    sent = req["nonce"].native
    if sent is None or reply["status"]["status"].native not in ("granted", "granted_with_mods"):
        return
    info = reply["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
    if info["nonce"].native != sent:
        raise TimestampFailed("the answer does not match the request")


def reason(exc: BaseException) -> str:
    """The kit's own words for why the time-stamping service failed: one of a few fixed
    phrases (the catalogue renders them in Danish), never a library's text."""
    if isinstance(exc, TimestampFailed):
        return str(exc)
    if isinstance(exc, BodyTooLarge):
        return "the answer is too large"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    if isinstance(exc, httpx.ConnectError):
        return "no connection"
    if isinstance(exc, httpx.HTTPError):
        return "the request failed"
    text = str(exc)
    if "refused" in text:  # pyHanko: the service answered, but not "granted"
        return "the service refused the request"
    if "nonce" in text:
        return "the answer does not match the request"
    return "not a time-stamp reply"


class BoundedTimeStamper(TimeStamper):  # type: ignore[misc, unused-ignore]
    """pyHanko's RFC 3161 client over httpx, every request of one signature within
    ``total_s`` seconds in all; ``failure`` says why once a request has failed."""

    def __init__(self, url: str, *, total_s: float) -> None:
        super().__init__()  # type: ignore[no-untyped-call, unused-ignore]
        self.url = url
        self.total_s = total_s
        self.deadline = time.monotonic() + total_s
        self.failure = ""

    async def async_timestamp(self, message_digest: Any, md_algorithm: Any) -> Any:
        try:
            return await super().async_timestamp(message_digest, md_algorithm)
        except Exception as exc:
            self.failure = self.failure or reason(exc)
            raise TimestampFailed(self.failure) from exc

    async def async_request_tsa_response(self, req: Any) -> Any:
        reply = await asyncio.to_thread(self.post, req.dump())
        _same_nonce(req, reply)
        return reply

    def post(self, body: bytes) -> tsp.TimeStampResp:
        """One request on the shared deadline; the parsed reply, or :class:`TimestampFailed`."""
        left = self.deadline - time.monotonic()
        with BoundedClient(
            deadline=self.deadline,
            max_body=MAX_BODY,
            timeout=max(0.1, min(self.total_s, left)),
            follow_redirects=False,
        ) as client:
            answer = client.post(
                self.url, content=body, headers={"Content-Type": QUERY, "Accept": REPLY}
            )
        if answer.status_code != 200:
            raise TimestampFailed(f"HTTP status: {answer.status_code}")
        kind = answer.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != REPLY:
            raise TimestampFailed("not a time-stamp reply")
        try:
            reply = tsp.TimeStampResp.load(answer.content)
            reply.native  # noqa: B018  # parse all of it now: a malformed answer fails here
        except Exception as exc:
            if _refused(answer.content):  # a refusal without a token, as RFC 3161 allows
                raise TimestampFailed("the service refused the request") from exc
            raise TimestampFailed("not a time-stamp reply") from exc
        return reply
