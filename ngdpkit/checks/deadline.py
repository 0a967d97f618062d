"""A hard overall deadline for every HTTP request the kit makes (contract §10, issue 26).

httpx's timeouts bound each phase and each read, not the whole request: a server that
trickles a byte every second never trips a five-second read timeout and keeps ``rehearse``
or an OCSP fetch waiting for ever. :class:`BoundedClient` is an ``httpx.Client`` whose
every request runs on a daemon thread and is abandoned when the deadline passes (the
thread cannot keep the process alive), with its body read in full on that thread and
bounded in size. What the caller sees is an ``httpx.TimeoutException`` (or a
``httpx.DecodingError`` for a body over the bound), which its existing error paths
already turn into findings.

:func:`answer_json` reads an answer's JSON with every secret the process holds hidden in
its text: a server that echoes the authorization header back (in a name, a message, any
field) never gets it into what the kit keeps, writes or shows, not even for the moment
before the leak scan would remove it.
"""

from __future__ import annotations

import encodings.idna  # noqa: F401  (a host name's lookup: imported here, not on the thread)
import math
import threading
import time
from typing import Any

import httpx

from ..redact import redact, whole_characters

MAX_BODY = 32 * 1024 * 1024


class DeadlineExceeded(httpx.TimeoutException):
    """The request did not finish before the overall deadline."""


class BodyTooLarge(httpx.DecodingError):
    """The answer's body is larger than the bound."""


def finite_positive(value: float) -> bool:
    """True for a number of seconds that can bound anything (not 0, negative, NaN or ∞)."""
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


class BoundedClient(httpx.Client):
    """An ``httpx.Client`` whose requests all end by ``deadline`` (a ``time.monotonic()``
    value), answered or not; bodies over ``max_body`` bytes are refused."""

    def __init__(self, *, deadline: float, max_body: int = MAX_BODY, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.deadline = deadline
        self.max_body = max_body

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        kwargs.pop("stream", None)
        outcome: dict[str, Any] = {}
        finished = threading.Event()

        def work() -> None:
            try:
                response = super(BoundedClient, self).send(request, stream=True, **kwargs)
                try:
                    body = bytearray()
                    for chunk in response.iter_bytes():  # decoded: the bound holds after gunzip
                        body += chunk
                        if len(body) > self.max_body:
                            raise BodyTooLarge(
                                f"the answer is larger than {self.max_body} bytes", request=request
                            )
                        if time.monotonic() > self.deadline:
                            raise DeadlineExceeded("overall deadline passed", request=request)
                finally:
                    response.close()
                outcome["response"] = httpx.Response(
                    response.status_code,
                    # as received, in bytes: a header holding a byte above 127 (HTTP allows
                    # them, as ISO-8859-1) made the decoded text one httpx could not encode
                    headers=[
                        (k, v)
                        for k, v in response.headers.raw
                        if k.lower() not in (b"content-encoding", b"content-length")
                    ],
                    content=bytes(body),
                    request=request,
                    extensions={"http_version": response.extensions.get("http_version", b"")},
                )
            except BaseException as exc:  # handed to the caller's thread
                outcome["error"] = exc
            finally:
                finished.set()

        threading.Thread(target=work, name="ngdpkit-http", daemon=True).start()
        if not finished.wait(max(0.0, self.deadline - time.monotonic())):
            raise DeadlineExceeded(
                f"no complete answer from {request.url.host} before the overall deadline",
                request=request,
            )
        if "error" in outcome:
            raise outcome["error"]
        return outcome["response"]  # type: ignore[no-any-return]


# No field of NgDP's answers (a name, an ID, a message) comes near this; a longer text is a
# hostile answer, refused before it is searched (the review's 30 MB field of 5 million
# invisible characters took 14 s and 2.3 GB to redact)
MAX_TEXT = 64 * 1024
# A body up to this is redacted as one text (the redaction's working lists grow with the
# text); a larger one string by string
MAX_WHOLE = 4 * 1024 * 1024


class AnswerRefused(ValueError):
    """An answer the kit does not read (a text in it is longer than :data:`MAX_TEXT`)."""


# What a finding says of such an answer: fixed words, so that a Danish page says them in
# Danish (catalogue.VALUES_DA; with the text's length in it, it stayed English)
TEXT_TOO_LONG = "the answer holds a text too long to read"


def answer_json(response: httpx.Response) -> Any:
    """``response.json()``, with every registered secret (:mod:`ngdpkit.redact`) hidden in
    each of its strings, keys and values alike; raises as ``response.json()`` does, and
    :class:`AnswerRefused` (a ``ValueError``) for a text over :data:`MAX_TEXT` characters.

    A body without a backslash holds each of its strings as written, so when the redaction
    leaves the whole body as it is, it leaves every string as it is: the answer is used as
    parsed (a listing of 10,000 contact points: 0.1 s instead of 1 s string by string). The
    texts are bounded first, so that no over-long text is ever searched."""
    data = response.json()
    body = response.text
    if len(body) > MAX_TEXT:
        _texts_bounded(data)
    # a lone surrogate comes as an escape (a backslash) or as bytes that are no UTF-8, which
    # the text shows as U+FFFD: either way each string is looked at (a tester's look)
    if (
        len(body) <= MAX_WHOLE
        and "\\" not in body
        and "\ufffd" not in body
        and redact(body) == body
    ):
        return data
    return _without_secrets(data)


def _texts_bounded(value: Any) -> None:
    """Raise :class:`AnswerRefused` for a text (a key or a value) over :data:`MAX_TEXT`."""
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise AnswerRefused(f"a text of {len(value):,} characters (at most {MAX_TEXT:,})")
    elif isinstance(value, list):
        for v in value:
            _texts_bounded(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            _texts_bounded(k)
            _texts_bounded(v)


def _without_secrets(value: Any) -> Any:
    """``value`` with every string redacted (its texts bounded already), and each lone
    surrogate as U+FFFD (writing one raised)."""
    if isinstance(value, str):
        return redact(whole_characters(value))
    if isinstance(value, list):
        return [_without_secrets(v) for v in value]
    if isinstance(value, dict):
        return {_without_secrets(k): _without_secrets(v) for k, v in value.items()}
    return value
