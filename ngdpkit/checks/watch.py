"""After go-live: what NgDP shows about one receiving system (contract §12.6).

``watch`` reads **counts only**, with the environment's own certificate and header:

- ``GET /memos/?page=0&size=1`` and ``GET /receipts/?page=0&size=1``: their
  ``totalElements``, the letters and receipts waiting for WorkZone to fetch them (REST_PULL).
  The one UUID a page of size 1 carries is never looked at, let alone fetched:
  ``GET /receipts/{id}`` deletes the receipt, and a memo fetched by anyone but WorkZone
  competes with WorkZone for it (``docs/ngdp-api.md``).
- ``GET /events/?senderOrRecipientSystem=<system>&eventTag=<tag>&dateFrom=<time>&page=N&size=100``
  for the failed deliveries to the receiving system and the good ones (fetched by WorkZone
  on REST_PULL, sent to it on REST_PUSH) of the last N days, every page from 0 up to
  :data:`MAX_EVENT_PAGES`.

:data:`WATCH_ALLOWED` is the whole allow-list (path shape and exact query); the guard of
:func:`~ngdpkit.checks.ngdp.guarded_get` refuses anything else before a byte is sent.
NgDP deactivates a receiving system after 7 days without a delivery (digst.dk), so failed
deliveries are judged against the days since the last good one. A refusal, an unusable
answer or a network fault is one ``WATCH_READ_REFUSED`` line naming the path; after a 401
or a fault without an answer nothing more is read (the next read would fail the same way).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from .. import findings as F
from ..findings import Finding
from .ngdp import BUSY, Read, busy_message, guarded_get

DEACTIVATION_DAYS = 7
HOUR = 3600
DAY = 24 * HOUR
EVENT_PAGE_SIZE = 100
MAX_EVENT_PAGES = 50
# How far an eventTime may lie ahead of the watch's clock and still count: 5 minutes, the
# clock skew a Windows domain (where a scheduled watch runs) tolerates before Kerberos refuses
# its members, and far more than NTP-kept servers drift. A time beyond it is no skew but a
# wrong clock or a wrong record, and counting it let a delivery "in 2035" pass as the one that
# came after the failures (WATCH_DELIVERY_RECOVERED, exit 0). A good delivery at most this far
# ahead is counted: the next hourly watch sees the truth.
CLOCK_SKEW = dt.timedelta(minutes=5)
FAILED = "MEMO_SEND_SENT_TO_RECIPIENT_SYSTEM_FAILED"
GOOD = {
    "REST_PULL": "MEMO_SEND_FETCHED_BY_RECIPIENT_SYSTEM",
    "REST_PUSH": "MEMO_SEND_SENT_TO_RECIPIENT_SYSTEM",
}
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_TIME = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z"
_TAGS = "(?:" + "|".join(sorted({FAILED, *GOOD.values()})) + ")"
WATCH_ALLOWED = (
    Read("/memos/", (("page", "0"), ("size", "1"))),
    Read("/receipts/", (("page", "0"), ("size", "1"))),
    Read(
        "/events/",
        (
            ("senderOrRecipientSystem", _UUID),
            ("eventTag", _TAGS),
            ("dateFrom", _TIME),
            ("page", r"[0-9]{1,3}"),
            ("size", str(EVENT_PAGE_SIZE)),
        ),
    ),
)


@dataclass(frozen=True)
class EventTally:
    """One event tag in the window: NgDP's ``totalElements``, how many events were read
    (pages are bounded), how many of those carry the tag, and the newest ``eventTime`` read
    (ISO 8601 UTC). Events dated later than the check (beyond :data:`CLOCK_SKEW`) are no
    delivery: they are in ``future`` (the newest of them ``future_newest``), not in
    ``matching``, ``newest`` or ``oldest``."""

    tag: str
    total: int
    read: int = 0
    matching: int = 0
    newest: str | None = None
    oldest: str | None = None
    future: int = 0
    future_newest: str | None = None
    # events with the tag whose eventTime could not be read as a time: not counted as
    # deliveries, and said (WATCH_EVENTS_INCOMPLETE), never dropped without a word
    unreadable: int = 0
    # a page after the first could not be read (refused, failed, no JSON): what came is not
    # the whole log, even when NgDP gave no totalElements (the pages read passed for whole)
    broken_off: bool = False
    # a page after the first brought only events read before (NgDP served page 0 again for
    # every page): the reading stopped there, and what came is not known to be the whole log
    looped: bool = False

    @property
    def complete(self) -> bool:
        return not self.broken_off and not self.looped and self.read >= self.total

    @property
    def count(self) -> int:
        """The events with this tag: those read when no more are known (all of them, or a log
        broken off without a total), else NgDP's own count less those read that lie in the
        future."""
        return self.matching if self.read >= self.total else max(0, self.total - self.future)


@dataclass(frozen=True)
class WatchReport:
    """What one watch read. A value is None when its read failed (a finding says why)."""

    environment: str
    protocol: str
    system_id: str
    checked_at: str
    date_from: str
    days: int
    base_url: str
    official_url: bool = True
    memos_waiting: int | None = None
    receipts_waiting: int | None = None
    failed: EventTally | None = None
    good: EventTally | None = None
    refused: tuple[str, ...] = ()
    # when NgDP's dispatcher was enabled ([golive] ngdp_enable, UTC), when that has passed:
    # NgDP's 7 days cannot have begun before it (a go-live day's cold run: one failure the
    # day after go-live read as the 7 days already passed)
    enabled_at: str | None = None

    @property
    def failed_deliveries(self) -> int | None:
        return self.failed.count if self.failed is not None else None

    @property
    def last_good_delivery(self) -> str | None:
        return self.good.newest if self.good is not None else None

    def _seconds_since(self, stamp: str | None) -> int | None:
        """Whole seconds from ``stamp`` to the check (0 for a clock skew; None: no stamp)."""
        if stamp is None:
            return None
        return max(0, int((_time(self.checked_at) - _time(stamp)).total_seconds()))

    @property
    def seconds_since_last_good(self) -> int | None:
        """Whole seconds from the last good delivery to the check (0 for a clock skew)."""
        return self._seconds_since(self.last_good_delivery)

    @property
    def days_since_last_good(self) -> int | None:
        """Whole days since the last good delivery (6 for 6 days and 23 hours: read it with
        :attr:`hours_since_last_good`, never as the time that has passed)."""
        seconds = self.seconds_since_last_good
        return None if seconds is None else seconds // DAY

    @property
    def hours_since_last_good(self) -> int | None:
        """Whole hours since the last good delivery."""
        seconds = self.seconds_since_last_good
        return None if seconds is None else seconds // HOUR

    @property
    def deliveries(self) -> str:
        """``failing`` (failures, none good since the last), ``recovered`` (a good one came
        after the last failure), ``ok`` (no failure), or ``not_read``."""
        if self.failed is None or (self.failed.count and self.good is None):
            return "not_read"
        if not self.failed.count:
            return "ok"
        good, bad = self.last_good_delivery, self.failed.newest
        return "recovered" if good is not None and bad is not None and good > bad else "failing"

    @property
    def seconds_since_enabled(self) -> int | None:
        """Whole seconds from NgDP's dispatcher being enabled to the check (None: not known)."""
        return self._seconds_since(self.enabled_at)

    @property
    def bounded_by_go_live(self) -> bool:
        """Whether NgDP's seven days are counted from go-live: only when the window read holds
        no good delivery, covers the whole time since go-live, and every failure in it was
        read and came after go-live. A delivery NgDP logged before go-live (good or failed)
        shows it delivered then, and a shorter window cannot speak for the time before it
        (the second look found both counted from go-live)."""
        enabled = self.seconds_since_enabled
        failed = self.failed
        return (
            enabled is not None
            and self.enabled_at is not None
            and self.seconds_since_last_good is None
            and enabled <= self.days * DAY
            and failed is not None
            and failed.complete
            and failed.oldest is not None
            and _time(failed.oldest) >= _time(self.enabled_at)
        )

    def _failing_for(self) -> int:
        """How long deliveries may have been failing, in seconds: since the last good one
        (with none in the window, the whole window, or go-live when that bounds it)."""
        seconds = self.seconds_since_last_good
        if seconds is not None:
            return seconds
        if self.bounded_by_go_live:
            return self.seconds_since_enabled or 0
        return self.days * DAY

    @property
    def deactivation_passed(self) -> bool | None:
        """NgDP's 7 days without a delivery have passed (or, with no good delivery in a window
        of 7 days or more and no go-live since, may have): the receiving system may be
        deactivated already."""
        if self.deliveries != "failing":
            return None
        return self._failing_for() >= DEACTIVATION_DAYS * DAY

    @property
    def hours_until_deactivation(self) -> int | None:
        """Whole hours left of NgDP's 7 days while deliveries are failing, rounded down: an
        hour and twelve minutes left is 1, never 2 (0: under an hour left, or passed). With no
        good delivery in the window, at most this many."""
        if self.deliveries != "failing":
            return None
        return max(0, DEACTIVATION_DAYS * DAY - self._failing_for()) // HOUR

    @property
    def days_until_deactivation(self) -> int | None:
        """Whole days left of NgDP's 7 while deliveries are failing, rounded down (0: less than
        a day left, or passed; :attr:`hours_until_deactivation` says which)."""
        hours = self.hours_until_deactivation
        return None if hours is None else hours // 24

    def to_json(self) -> dict[str, Any]:
        """The record, with the contract's flat keys (§12.6) and what is derived from it."""
        from ..inputs.typed import unstructure

        data: dict[str, Any] = unstructure(self)
        data.update(
            failed_deliveries=self.failed_deliveries,
            last_failed_delivery=self.failed.newest if self.failed is not None else None,
            last_good_delivery=self.last_good_delivery,
            days_since_last_good=self.days_since_last_good,
            hours_since_last_good=self.hours_since_last_good,
            deliveries=self.deliveries,
            days_until_deactivation=self.days_until_deactivation,
            hours_until_deactivation=self.hours_until_deactivation,
            deactivation_passed=self.deactivation_passed,
            bounded_by_go_live=self.bounded_by_go_live,
            deactivation_days=DEACTIVATION_DAYS,
        )
        return data

    @classmethod
    def from_json(cls, data: Any) -> WatchReport:
        """A report back from its JSON (a ValueError when it is not one)."""
        from ..inputs.typed import structure

        return structure(data, cls)


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class WatchReader:
    """The watch's GETs to one environment's NgDP (:data:`WATCH_ALLOWED` only), findings
    collected; once a read is refused with 401 or gets no answer, nothing more is sent."""

    client: Any  # a BoundedClient presenting the client certificate and the header
    base_url: str
    source: str
    findings: list[Finding] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    stopped: bool = False

    def get(self, path: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """The JSON object NgDP answered, or None (a finding says why)."""
        import httpx

        if self.stopped or path in self.refused:
            return None
        try:
            response = guarded_get(self.client, self.base_url, path, params, WATCH_ALLOWED)
        except (httpx.HTTPError, ValueError) as exc:  # ValueError: a header httpx cannot encode
            self._unreached(path, why_unanswered(exc))
            return None
        status = response.status_code
        problem = None
        if status in BUSY:  # asked to come back later: nothing more is sent
            self.refused.append(path)
            self.stopped = True
            msg, said = busy_message(response)
            self.findings.append(
                F.warning("WATCH_READ_REFUSED", msg, self.source, path, path=path, **said)
            )
            return None
        if 400 <= status < 500:
            self._refused(path, status)
            return None
        if 300 <= status < 400:
            problem = f"a redirect, HTTP {status}, never followed"
        elif status != 200:
            problem = f"HTTP {status}"
        else:
            from .deadline import TEXT_TOO_LONG, AnswerRefused, answer_json

            try:
                body = answer_json(response)  # an echoed secret is hidden as it is read
            except AnswerRefused:
                body, problem = None, TEXT_TOO_LONG
            except (ValueError, RecursionError):
                body, problem = None, "the answer is not JSON"
            if problem is None and not isinstance(body, dict):
                problem = "the answer is not a JSON object"
        if problem is not None:
            self.unusable(path, problem)
            return None
        return body  # type: ignore[no-any-return]

    def _refused(self, path: str, status: int) -> None:
        self.refused.append(path)
        if status == 401:
            self.stopped = True
            msg = "NgDP refused the watch's read of {path} (HTTP {status}: the client certificate or the authorization header was not accepted); nothing more was read."
        else:
            msg = "NgDP refused the watch's read of {path} (HTTP {status}); nothing from it is in this report."
        self.findings.append(
            F.warning("WATCH_READ_REFUSED", msg, self.source, path, path=path, status=status)
        )

    def unusable(self, path: str, why: str) -> None:
        self.refused.append(path)
        self.findings.append(
            F.warning(
                "WATCH_READ_REFUSED",
                "NgDP's answer to {path} could not be used ({reason}); nothing from it is in this report.",
                self.source,
                path,
                path=path,
                reason=why,
            )
        )

    def _unreached(self, path: str, why: str) -> None:
        self.refused.append(path)
        self.stopped = True
        self.findings.append(
            F.warning(
                "WATCH_READ_REFUSED",
                "NgDP was not reached for {path} ({reason}); nothing more was read.",
                self.source,
                path,
                path=path,
                reason=why,
            )
        )


UNSENDABLE = (
    "the request could not be made: the authorization header holds characters HTTP does not allow"
)


def sendable(header: str) -> bool:
    """True for a header value HTTP can carry (visible ASCII, spaces and tabs): httpx
    refuses any other when the client is built, quoting the value in its error."""
    return all(" " <= c <= "~" or c == "\t" for c in header)


def unsendable(source: str) -> Finding:
    """``WATCH_READ_REFUSED`` for a header that cannot be sent: nothing was sent at all."""
    return F.warning(
        "WATCH_READ_REFUSED",
        "NgDP was not reached for {path} ({reason}); nothing more was read.",
        source,
        "/memos/",
        path="/memos/",
        reason=UNSENDABLE,
    )


def why_unanswered(exc: Exception) -> str:
    """One line on why no answer came. Only a connection fault's own text is quoted (TCP and
    TLS fail before anything is sent); any other library text about the request could quote
    the authorization header, so it is named by its kind alone."""
    import httpx

    from ..redact import clip

    if isinstance(exc, httpx.TimeoutException):
        return "no complete answer before the deadline"
    if isinstance(exc, httpx.ConnectError):
        return f"no connection: {clip(str(exc), 160)}"
    if isinstance(exc, httpx.LocalProtocolError | ValueError):
        return UNSENDABLE
    # "head: rest", so that a Danish page says its head in Danish (catalogue.VALUES_DA): a
    # Danish watch read "(the connection failed (ReadError))", a first day's look
    return f"the connection failed: {type(exc).__name__}"


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def count_waiting(reader: WatchReader, path: str) -> int | None:
    """``totalElements`` of a page of size 1 of ``/memos/`` or ``/receipts/``; the page's
    content (one UUID) is not looked at."""
    body = reader.get(path, {"page": 0, "size": 1})
    if body is None:
        return None
    total = _count(body.get("totalElements"))
    if total is None:
        reader.unusable(path, "no totalElements in the answer")
    return total


# An eventTime given as a number: epoch milliseconds (Java's Date, Jackson's default) or, below
# 1e11 (a time in 1973 as milliseconds, in 5138 as seconds), epoch seconds (Jackson's Instant)
EPOCH_MS_FROM = 100_000_000_000
# The earliest time a number is read as: 1e9 seconds, 2001-09-09, long before NgDP. A number
# below it in either unit is no event's time (an attacker's look: 0, an unset Java long, and
# "202603091300", a date-time written without separators, were read as failures in 1970 and
# 1976, counted and dated so, where the watch must say it cannot read them)
EPOCH_SECONDS_FROM = 1_000_000_000
# a Java ZonedDateTime's region after its offset: "2026-03-09T13:00+01:00[Europe/Copenhagen]"
_ZONE_REGION = re.compile(r"(.*[+-][0-9]{2}:?[0-9]{2})\[[A-Za-z0-9_+/-]{1,64}\]")


def has_tag(item: Any, tag: str) -> bool:
    """An event of ``tag`` (one without ``eventTag`` is taken as the tag asked for)."""
    return isinstance(item, dict) and item.get("eventTag", tag) == tag


def event_time(item: Any, tag: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """The ``eventTime`` of an event with ``tag`` (UTC; a time without zone is taken as
    UTC), or None for another tag or an unreadable time. Read as NgDP documents it
    (ISO 8601, any offset) and as a Java back end may serialise it: epoch milliseconds or
    seconds as a number, a lower-case ``z``, a zone region after the offset. A text of
    digits only is read as epoch seconds (10 digits) or milliseconds (13) when it is no more
    than :data:`DIGITS_AHEAD` ahead of ``now`` (the clock's time without it); any other is
    unreadable (NgDP documents a date-time, never a number in a text)."""
    if not has_tag(item, tag):
        return None
    value = item.get("eventTime")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return epoch_time(value)
    if not isinstance(value, str) or len(value) > 60:
        return None
    from ..inputs import within_calendar

    text = value.strip()
    if re.fullmatch(r"[0-9]+", text):
        return _digits_time(text, now)
    region = _ZONE_REGION.fullmatch(text)
    text = region.group(1) if region else text
    if text[-1:] == "z":
        text = text[:-1] + "Z"
    try:
        moment = _time(text)
    except ValueError:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    # a time at the edge of year 1 or 9999 cannot be said in UTC (OverflowError)
    return moment if within_calendar(moment) else None


# How far ahead of the clock a text of digits may read and still be taken for an epoch time:
# "2026030913" (a date and hour written without separators) read as epoch seconds is a time
# in 2034, counted as an event "in the future" and dated so, where it is no time at all
DIGITS_AHEAD = dt.timedelta(days=1)


def _digits_time(text: str, now: dt.datetime | None) -> dt.datetime | None:
    """A text of digits as epoch seconds (10 digits) or milliseconds (13), when it reads as a
    time no more than :data:`DIGITS_AHEAD` ahead of ``now``; None otherwise."""
    if len(text) not in (10, 13):
        return None
    moment = epoch_time(int(text))
    if moment is None or moment > (now or dt.datetime.now(dt.UTC)) + DIGITS_AHEAD:
        return None
    return moment


def epoch_time(value: float) -> dt.datetime | None:
    """Epoch milliseconds (from :data:`EPOCH_MS_FROM`) or seconds as a UTC time; None for a
    number that is no time (negative, infinite, NaN, before :data:`EPOCH_SECONDS_FROM`,
    beyond the calendar)."""
    if not value >= 0 or value == float("inf"):  # NaN fails the comparison
        return None
    try:
        # a whole number too large for a float (10**400) overflows in the division: it
        # ended the watch in a traceback
        seconds = value / 1000 if value >= EPOCH_MS_FROM else value
        if seconds < EPOCH_SECONDS_FROM:
            return None
        moment = dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    from ..inputs import within_calendar

    return moment if within_calendar(moment) else None


def tally(
    reader: WatchReader,
    *,
    system_id: str,
    tag: str,
    date_from: str,
    now: dt.datetime | None = None,
) -> EventTally | None:
    """Every page of the event log for ``tag`` since ``date_from``, from page 0 until
    ``totalElements`` are read, a page is empty or :data:`MAX_EVENT_PAGES` were read. An
    event dated more than :data:`CLOCK_SKEW` after ``now`` (the clock's time as each page
    came, without ``now``) is counted apart, as ``future``, never as a delivery. An event
    whose ``eventId`` was read on an earlier page is not counted again (a new event shifts
    the log while it is read); a page after the first that cannot be read leaves the tally
    ``broken_off``, and one bringing only events read before leaves it ``looped``: never
    complete, and the reading ends there."""
    total: int | None = None
    read = matching = 0
    newest: dt.datetime | None = None
    oldest: dt.datetime | None = None
    ahead: list[dt.datetime] = []
    unreadable = 0
    seen: set[tuple[str, Any]] = set()
    broken = looped = False
    for page in range(MAX_EVENT_PAGES):
        params = {
            "senderOrRecipientSystem": system_id,
            "eventTag": tag,
            "dateFrom": date_from,
            "page": page,
            "size": EVENT_PAGE_SIZE,
        }
        body = reader.get("/events/", params)
        events = body.get("events") if body is not None else None
        if body is not None and not isinstance(events, list):
            reader.unusable("/events/", f"page {page} holds no list of events")
        if not isinstance(events, list):
            if page == 0:
                return None
            broken = True  # the read said why; the pages before it are not the whole log
            break
        if total is None and body is not None:
            total = _count(body.get("totalElements"))
        on_page = len(events)
        events = _unseen(events, seen)
        if page and on_page and not events:
            # only events read before: NgDP served an earlier page again (page 0 for every
            # page, without a totalElements, was read 50 times over); it never ends so
            looped = True
            break
        clock = now or dt.datetime.now(dt.UTC)
        limit = clock + CLOCK_SKEW
        every = [t for t in (event_time(e, tag, clock) for e in events) if t is not None]
        unreadable += sum(1 for e in events if has_tag(e, tag)) - len(every)
        times = [t for t in every if t <= limit]
        ahead += [t for t in every if t > limit]
        read, matching = read + len(events), matching + len(times)
        newest = max([*times, *([newest] if newest else [])], default=None)
        oldest = min([*times, *([oldest] if oldest else [])], default=None)
        if not on_page or (total is not None and read >= total):
            break
    else:  # pages left unread: the newest may be on the last (NgDP's order is not documented)
        last = _newest_on_last_page(reader, params, total, read, now)
        newest = max([*([last] if last else []), *([newest] if newest else [])], default=None)
    return EventTally(
        tag=tag,
        total=total if total is not None else read,
        read=read,
        matching=matching,
        newest=_stamp(newest) if newest else None,
        oldest=_stamp(oldest) if oldest else None,
        future=len(ahead),
        future_newest=_stamp(max(ahead)) if ahead else None,
        unreadable=unreadable,
        broken_off=broken,
        looped=looped,
    )


def _unseen(events: list[Any], seen: set[tuple[str, Any]]) -> list[Any]:
    """The events not read before, told apart by ``eventId`` (kept in ``seen``): a new event
    arriving while the log is read shifts it, and the last event of one page came again as
    the first of the next, counted twice. An event without an ``eventId`` (or with one that
    is no text or whole number) is always counted, as before."""
    fresh = []
    for event in events:
        key = event.get("eventId") if isinstance(event, dict) else None
        if isinstance(key, str | int) and not isinstance(key, bool):
            mark = (type(key).__name__, key)
            if mark in seen:
                continue
            seen.add(mark)
        fresh.append(event)
    return fresh


MAX_EVENT_PAGE = 999  # the allow-list's page numbers: three digits


def _newest_on_last_page(
    reader: WatchReader,
    params: dict[str, Any],
    total: int | None,
    read: int,
    now: dt.datetime | None,
) -> dt.datetime | None:
    """The newest ``eventTime`` (not ahead of the clock) on the event log's last page, when
    :data:`MAX_EVENT_PAGES` pages left some unread. The API documents no order for
    ``/events/``: a log served oldest first put its newest events beyond the pages read, and a
    week of 6,000 deliveries read as none for the last day (the watch said failing, and the
    deactivation near, while WorkZone fetched every hour). The first pages and the last hold
    the newest events whichever way the log is sorted. Only the newest time is taken from it:
    the counts stay NgDP's own and those of the pages read."""
    if total is None or read >= total:
        return None
    last = (total - 1) // EVENT_PAGE_SIZE
    if last < MAX_EVENT_PAGES or last > MAX_EVENT_PAGE:
        return None
    body = reader.get("/events/", {**params, "page": last})
    events = body.get("events") if body is not None else None
    if not isinstance(events, list):
        return None
    clock = now or dt.datetime.now(dt.UTC)
    limit = clock + CLOCK_SKEW
    tag = str(params["eventTag"])
    times = [t for t in (event_time(e, tag, clock) for e in events) if t is not None and t <= limit]
    return max(times, default=None)


def watch_ngdp(
    reader: WatchReader,
    *,
    environment: str,
    protocol: str,
    system_id: str,
    days: int,
    official_url: bool = True,
    enabled_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> WatchReport:
    """The counts and the event tallies of the last ``days`` days, in that order; what a
    refusal left unread stays None."""
    moment = now or dt.datetime.now(dt.UTC)
    date_from = (moment - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    memos = count_waiting(reader, "/memos/")
    receipts = count_waiting(reader, "/receipts/")
    failed = tally(reader, system_id=system_id, tag=FAILED, date_from=date_from, now=now)
    good = tally(
        reader,
        system_id=system_id,
        tag=GOOD.get(protocol, GOOD["REST_PULL"]),
        date_from=date_from,
        now=now,
    )
    return WatchReport(
        environment=environment,
        protocol=protocol,
        system_id=system_id,
        checked_at=_stamp(moment),
        date_from=date_from,
        days=days,
        base_url=reader.base_url,
        official_url=official_url,
        memos_waiting=memos,
        receipts_waiting=receipts,
        failed=failed,
        good=good,
        refused=tuple(reader.refused),
        enabled_at=_stamp(enabled_at) if enabled_at is not None and enabled_at <= moment else None,
    )
