"""What the local NgDP shows a watch (contract §12.6): letters and receipts waiting for
WorkZone, and the event log of deliveries to the receiving system.

Seeded by whoever starts the simulator (a test, ``simulate --seed FILE``): a number of
letters and receipts waiting beyond the rehearsal's own, and events shaped as NgDP's
(``docs/ngdp-api.md``): an ``EventLogSearchResult`` ``{events, currentPage, totalPages,
elementsOnPage, totalElements, next}`` of ``EventLog`` ``{id, eventId, eventTime, type,
subject, message, system {id, name, user}, eventProperties, eventTag}``, pages from 0.
Listings of ``/memos/`` and ``/receipts/`` are NgDP's ``PagingResultUUID`` ``{content,
number, size, previous, next, totalElements, totalPages}``.

Refused as NgDP would refuse it: anything but GET on ``/events/`` (405); ``/events/``
without ``senderOrRecipientSystem`` or for another system than the one whose header and
certificate came (403; inferred: a system reads its own events); a page size over 100 is
served as 100 (inferred).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..redact import shortened

MAX_PAGE = 100


def _bad_request(message: str) -> tuple[int, Any]:
    return 400, {"code": "BAD_REQUEST", "message": message, "fieldErrors": []}


def paged(
    ids: list[str], params: dict[str, str], *, default_size: int | None = None
) -> tuple[int, Any]:
    """A ``PagingResultUUID`` of ``ids``: page ``page`` (from 0) of ``size`` entries, at most
    :data:`MAX_PAGE`; without a size asked for (or a ``default_size``), all on one page."""
    total = len(ids)
    try:
        page = int(params.get("page") or 0)
        asked = int(params["size"]) if params.get("size") else default_size
    except ValueError:
        return _bad_request("page and size are numbers.")
    if page < 0 or (asked is not None and asked < 1):
        return _bad_request("page is 0 or more, size 1 or more.")
    size = min(asked, MAX_PAGE) if asked is not None else max(total, 1)
    pages = (total + size - 1) // size
    return 200, {
        "content": ids[page * size : (page + 1) * size],
        "number": page,
        "size": size,
        "previous": str(page - 1) if page > 0 else None,
        "next": str(page + 1) if page + 1 < pages else None,
        "totalElements": total,
        "totalPages": pages,
    }


def event_json(
    system_id: str, tag: str, at: dt.datetime, *, system_name: str = "WorkZone"
) -> dict[str, Any]:
    """One EventLog as NgDP spells it, for the receiving system ``system_id``."""
    event = uuid.uuid4()
    return {
        "id": str(uuid.uuid4()),
        "eventId": str(event),
        "version": 1,
        "eventTime": at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "000Z",
        "type": "MEMO",
        "subject": f"memo {event}",
        "message": tag.replace("_", " ").lower(),
        "system": {"id": system_id, "name": system_name, "user": None},
        "eventProperties": {"memoUuid": str(uuid.uuid4())},
        "eventTag": tag,
    }


@dataclass
class Traffic:
    """The seed: letters and receipts waiting, and the event log (newest last)."""

    memos_waiting: int = 0
    receipts_waiting: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)

    def waiting(self, kind: str) -> list[str]:
        """Stable UUIDs of the seeded letters (``memos``) or receipts (``receipts``)."""
        count = self.memos_waiting if kind == "memos" else self.receipts_waiting
        return [
            str(uuid.uuid5(uuid.NAMESPACE_URL, f"ngdpkit-sim-{kind}-{i}")) for i in range(count)
        ]

    def add(
        self, system_id: str, tag: str, *days_ago: float, now: dt.datetime | None = None
    ) -> None:
        """Events with ``tag`` for ``system_id``, each ``days_ago`` days before ``now``."""
        moment = now or dt.datetime.now(dt.UTC)
        for days in days_ago:
            self.events.append(event_json(system_id, tag, moment - dt.timedelta(days=days)))

    def events_page(self, system_id: str, params: dict[str, str]) -> tuple[int, Any]:
        """``GET /events/`` as NgDP answers a system: its own events only."""
        asked = params.get("senderOrRecipientSystem", "").lower()
        if asked != system_id.lower():
            return 403, {
                "code": "FORBIDDEN",
                "message": "A system may read only its own events.",
                "fieldErrors": [],
            }
        since, until = (_moment(params.get(k)) for k in ("dateFrom", "dateTo"))
        if (params.get("dateFrom") and since is None) or (params.get("dateTo") and until is None):
            return _bad_request("dateFrom and dateTo are yyyy-MM-ddTHH:mm:ss.SSSZ.")
        tag = params.get("eventTag")
        hits = [e for e in self.events if _matches(e, asked, tag, since, until)]
        status, listing = paged([str(i) for i in range(len(hits))], params, default_size=20)
        if status != 200:
            return status, listing
        events = [hits[int(i)] for i in listing["content"]]
        return 200, {
            "events": events,
            "currentPage": listing["number"],
            "totalPages": listing["totalPages"],
            "elementsOnPage": len(events),
            "totalElements": listing["totalElements"],
            "next": listing["next"],
        }


SEED_KEYS = ("memos_waiting", "receipts_waiting", "failed_days_ago", "good_days_ago", "protocol")
# What a seed may ask for. A count is a whole number from 0 to MAX_SEED_COUNT: every listing
# of /memos/ or /receipts/ names that many UUIDs, and a list of days holds at most as many
# events (more than the 50 pages of 100 a watch reads, so a test can still plant a log read
# in part). A day is a finite number from -MAX_SEED_DAYS to MAX_SEED_DAYS: 1e300 days, or a
# million, lies outside the calendar (an OverflowError crashed simulate). A negative "days
# ago" is a time in the future, allowed on purpose: it is how a test plants the event dated
# ahead of the clock that watch must not count as a delivery.
MAX_SEED_COUNT = 100_000
MAX_SEED_DAYS = 3650


@dataclass(frozen=True)
class Seed:
    """A seed file as read and checked by :func:`read_seed`."""

    memos_waiting: int = 0
    receipts_waiting: int = 0
    failed_days_ago: tuple[float, ...] = ()
    good_days_ago: tuple[float, ...] = ()
    protocol: str | None = None


def _shown(value: Any) -> str:
    """A seed's value as a message quotes it: JSON, one line, cut short (a long list or a
    deep nest by its kind and size alone)."""
    if isinstance(value, list | dict):
        return f"(a JSON {'array' if isinstance(value, list) else 'object'} of {len(value)})"
    return shortened(json.dumps(value, ensure_ascii=False), 40)


def _seed_count(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED_COUNT:
        raise ValueError(f"{key} {_shown(value)}: a whole number from 0 to {MAX_SEED_COUNT}")
    return value


def _seed_days(key: str, value: Any) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) > MAX_SEED_COUNT:
        raise ValueError(
            f"{key} {_shown(value)}: a list of at most {MAX_SEED_COUNT} numbers of days"
        )
    for i, days in enumerate(value):
        finite = isinstance(days, int | float) and not isinstance(days, bool)
        if not finite or not math.isfinite(days) or abs(days) > MAX_SEED_DAYS:
            raise ValueError(
                f"{key}[{i}] {_shown(days)}: a number of days from {-MAX_SEED_DAYS} to"
                f" {MAX_SEED_DAYS} (negative: in the future)"
            )
    return tuple(float(d) for d in value)


MAX_SEED_BYTES = 8 * 1024 * 1024  # 2 lists of 100,000 days fit in a few MB


def _seed_bytes(path: Path) -> bytes:
    """The seed's bytes: a regular file of at most :data:`MAX_SEED_BYTES` (a FIFO given as the
    seed hung ``simulate``: a reviewer's second look), opened without waiting on it."""
    import stat

    from ..errors import InputError

    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{path}: not a seed (not a regular file)")
        if st.st_size > MAX_SEED_BYTES:
            raise InputError(f"{path}: not a seed (larger than {MAX_SEED_BYTES // 2**20} MB)")
        data = os.read(fd, MAX_SEED_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_SEED_BYTES:
        raise InputError(f"{path}: not a seed (larger than {MAX_SEED_BYTES // 2**20} MB)")
    return data


def read_seed(path: Path) -> Seed:
    """A seed file, checked: :class:`~ngdpkit.errors.InputError` naming the key and the value
    that is wrong (one line), or the file that cannot be read or is no JSON object."""
    from ..checks.watch import GOOD
    from ..errors import InputError

    try:
        data = json.loads(_seed_bytes(path).decode("utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the seed ({exc.strerror})") from exc
    except (ValueError, RecursionError) as exc:
        raise InputError(
            f"{path}: not a seed ({type(exc).__name__}: {shortened(str(exc), 120)})"
        ) from exc
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a seed (ValueError: not a JSON object)")
    unknown = sorted(str(k) for k in data if k not in SEED_KEYS)
    if unknown:  # a go-live day's cold run: "failed_days" was taken as no failure at all
        raise InputError(
            f"{path}: unknown key(s) {', '.join(repr(shortened(k, 40)) for k in unknown[:5])}"
            f" in the seed; it knows {', '.join(SEED_KEYS)}"
        )
    protocol = data.get("protocol")
    try:
        if protocol is not None and (not isinstance(protocol, str) or protocol not in GOOD):
            raise ValueError(f"protocol {_shown(protocol)}: one of {', '.join(sorted(GOOD))}")
        return Seed(
            memos_waiting=_seed_count("memos_waiting", data.get("memos_waiting", 0)),
            receipts_waiting=_seed_count("receipts_waiting", data.get("receipts_waiting", 0)),
            failed_days_ago=_seed_days("failed_days_ago", data.get("failed_days_ago", [])),
            good_days_ago=_seed_days("good_days_ago", data.get("good_days_ago", [])),
            protocol=protocol,
        )
    except ValueError as exc:
        raise InputError(f"{path}: not a seed: {exc}") from None


def seed_traffic(path: Path | Seed, system_id: str, protocol: str = "REST_PULL") -> Traffic:
    """What a watch reads, from a seed file: ``{"memos_waiting": 12, "receipts_waiting": 0,
    "failed_days_ago": [0.5, 2], "good_days_ago": [6]}`` (event times in days before now);
    the good deliveries are logged as NgDP logs them for the environment's ``protocol``
    (a ``"protocol"`` key in the seed overrides it); :class:`~ngdpkit.errors.InputError`
    naming what is wrong (:func:`read_seed`). ``path`` may be a seed already read."""
    from ..checks.watch import FAILED, GOOD

    seed = path if isinstance(path, Seed) else read_seed(path)
    traffic = Traffic(seed.memos_waiting, seed.receipts_waiting)
    good = GOOD.get(seed.protocol or protocol, GOOD["REST_PULL"])
    traffic.add(system_id, FAILED, *seed.failed_days_ago)
    traffic.add(system_id, good, *seed.good_days_ago)
    return traffic


def _moment(text: Any) -> dt.datetime | None:
    """NgDP's ``yyyy-MM-ddTHH:mm:ss.SSSZ`` (or any ISO 8601 time) as an aware datetime."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _matches(
    event: dict[str, Any],
    system_id: str,
    tag: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> bool:
    from ..checks.watch import event_time

    # an event's own time as the watch reads it: a test may plant one that a Java back end
    # serialised as epoch milliseconds or with a zone region (the query's times stay strict)
    at = event_time(event, str(event.get("eventTag")))
    return (
        (tag is None or event.get("eventTag") == tag)
        and str((event.get("system") or {}).get("id", "")).lower() == system_id
        and at is not None
        and (since is None or at >= since)
        and (until is None or at <= until)
    )
