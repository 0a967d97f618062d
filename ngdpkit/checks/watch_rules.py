"""The watch's judgement (contract §12.6): a backlog waiting for WorkZone, and failed
deliveries to the receiving system against NgDP's 7-day deactivation rule.

A receiving system that cannot receive post for seven days is deactivated automatically;
one delivery within the seven days keeps it active (digst.dk, "vejledninger og
begivenheder"). So failures are an error while no good delivery has come after the last of
them (``WATCH_DELIVERY_FAILING``, naming the days since the last good one and the days
left), and a warning once one has (``WATCH_DELIVERY_RECOVERED``).

Time is said the safe way round: the time left is rounded down to the hour and said in hours
when under a day (an hour and twelve minutes left is "1 hour", never "1 day"); the time since
the last good one is whole days and hours (6.95 days is "6 days and 22 hours", never "6 days").
"""

from __future__ import annotations

from .. import findings as F
from ..findings import Finding
from .watch import CLOCK_SKEW, DEACTIVATION_DAYS, MAX_EVENT_PAGES, EventTally, WatchReport


def judge(report: WatchReport, source: str) -> list[Finding]:
    """The findings a watch's report calls for, worst first within each concern."""
    found = backlog(report, source)
    found += deliveries(report, source)
    found += silence(report, source)
    for tally in (report.failed, report.good):
        if tally is not None and not tally.complete:
            found.append(incomplete(tally, report.days, source))
        if tally is not None and tally.future:
            found.append(ahead(tally, report, source))
        if tally is not None and tally.unreadable:
            found.append(untimed(tally, source))
    return found


def silence(report: WatchReport, source: str) -> list[Finding]:
    """``WATCH_NO_DELIVERIES`` (warning) after go-live, when NgDP logged no delivery to the
    receiving system at all, good or failed: "ok" then said nothing was wrong while nothing
    showed that letters reach WorkZone (a go-live day's cold run: a dead integration passed
    the first week). Before go-live, or without ``[golive]``, a quiet log is no finding."""
    failed, good = report.failed, report.good
    if report.enabled_at is None or failed is None or good is None:
        return []
    if failed.count or good.count or not (failed.complete and good.complete):
        return []
    return [
        F.warning(
            "WATCH_NO_DELIVERIES",
            "NgDP logged no delivery to the receiving system in the last {days} days, good or failed, and its dispatcher was enabled at {enabled}: nothing here shows that letters reach WorkZone.",
            source,
            "/events/",
            days=report.days,
            enabled=_when(report.enabled_at),
        )
    ]


def _when(stamp: str | None) -> str:
    """An ISO time as people read it in a one-line message, in Copenhagen time as the
    watch's table says it: ``2026-03-01 09:00 (Copenhagen)``, which a Danish message says
    as ``01-03-2026 kl. 09:00`` (it said the English messages' times in UTC)."""
    return F.local_time(stamp, "en") if stamp else ""


def backlog(report: WatchReport, source: str) -> list[Finding]:
    """``WATCH_BACKLOG`` for letters (and for receipts) waiting for WorkZone."""
    found = []
    waiting = (
        "to be delivered to WorkZone's push endpoint"
        if report.protocol == "REST_PUSH"
        else "for WorkZone to fetch them"
    )
    if report.memos_waiting:
        params: dict[str, object] = {
            "count": report.memos_waiting,
            "days": report.days,
            "waiting": waiting,
        }
        if report.last_good_delivery is not None:
            if (report.hours_since_last_good or 0) < 24:
                msg = "{count} letter(s) wait(s|) in NgDP {waiting}; the last delivery to WorkZone that NgDP logged was at {last_good}, {since_hours} hour(s) ago."
            else:
                msg = "{count} letter(s) wait(s|) in NgDP {waiting}; the last delivery to WorkZone that NgDP logged was at {last_good}, {since_days} day(s) and {since_hours} hour(s) ago."
            params |= {"last_good": _when(report.last_good_delivery), **_since(report)}
        elif report.good is not None:
            msg = "{count} letter(s) wait(s|) in NgDP {waiting}; NgDP logged no delivery to WorkZone in the last {days} day(s)."
        else:
            msg = "{count} letter(s) wait(s|) in NgDP {waiting}; since when is not known (NgDP's event log was not read)."
        found.append(F.warning("WATCH_BACKLOG", msg, source, "/memos/", **params))
    if report.receipts_waiting:
        found.append(
            F.warning(
                "WATCH_BACKLOG",
                "{count} receipt(s) wait(s|) in NgDP {waiting}.",
                source,
                "/receipts/",
                count=report.receipts_waiting,
                waiting=waiting,
            )
        )
    return found


def deliveries(report: WatchReport, source: str) -> list[Finding]:
    """``WATCH_DELIVERY_FAILING`` (error) while failures have no good delivery after them,
    ``WATCH_DELIVERY_RECOVERED`` (warning) once one came."""
    failed = report.failed
    if failed is None or report.deliveries not in ("failing", "recovered"):
        return []
    params = {
        "count": failed.count,
        "days": report.days,
        "last_failed": _when(failed.newest),
        "last_good": _when(report.last_good_delivery),
        "limit": DEACTIVATION_DAYS,
    }
    if report.deliveries == "recovered":
        return [
            F.warning(
                "WATCH_DELIVERY_RECOVERED",
                "{count} deliver(y|ies) to the receiving system failed in the last {days} days, the last at {last_failed}; a delivery succeeded after it, at {last_good}.",
                source,
                "/events/",
                **params,
            )
        ]
    hours = report.hours_since_last_good
    left = report.hours_until_deactivation or 0
    since: dict[str, str] = {}
    if hours is None and report.deactivation_passed:
        msg = "{count} deliver(y|ies) to the receiving system failed in the last {days} days, the last at {last_failed}, and NgDP logged no good delivery in that time: NgDP deactivates a receiving system after {limit} days without a delivery, so it may already be deactivated; check it in Administrativ Adgang."
    elif hours is None and report.bounded_by_go_live:  # NgDP's days began at go-live
        msg = "{count} deliver(y|ies) to the receiving system failed in the last {days} days, the last at {last_failed}, and NgDP logged no good delivery since it was enabled at {enabled}: NgDP deactivates a receiving system after {limit} days without a delivery, in at most {left_days} day(s) and {left_hours} hour(s)."
        since = {"enabled": _when(report.enabled_at)}
    elif hours is None:
        msg = "{count} deliver(y|ies) to the receiving system failed in the last {days} days, the last at {last_failed}, and NgDP logged no good delivery in that time: NgDP deactivates a receiving system after {limit} days without a delivery; run watch with --days {limit} to see how long it has been."
    elif report.deactivation_passed:
        msg = "{count} deliver(y|ies) to the receiving system failed in the last {days} days, the last at {last_failed}, and none has succeeded since {last_good}, {since_days} day(s) and {since_hours} hour(s) ago: past NgDP's {limit} days, so NgDP may already have deactivated the receiving system; check it in Administrativ Adgang."
    elif hours < 24:
        msg = "{count} deliver(y|ies) to the receiving system failed in the last {days} days, the last at {last_failed}, and none has succeeded since {last_good}, {since_hours} hour(s) ago: NgDP deactivates a receiving system after {limit} days without a delivery, in {left_days} day(s) and {left_hours} hour(s)."
    elif left >= 24:
        msg = "{count} deliver(y|ies) to the receiving system failed in the last {days} days, the last at {last_failed}, and none has succeeded since {last_good}, {since_days} day(s) and {since_hours} hour(s) ago: NgDP deactivates a receiving system after {limit} days without a delivery, in {left_days} day(s) and {left_hours} hour(s)."
    elif left:
        msg = "{count} deliver(y|ies) to the receiving system failed in the last {days} days, the last at {last_failed}, and none has succeeded since {last_good}, {since_days} day(s) and {since_hours} hour(s) ago: NgDP deactivates a receiving system after {limit} days without a delivery, in {left_hours} hour(s)."
    else:
        msg = "{count} deliver(y|ies) to the receiving system failed in the last {days} days, the last at {last_failed}, and none has succeeded since {last_good}, {since_days} day(s) and {since_hours} hour(s) ago: NgDP deactivates a receiving system after {limit} days without a delivery, in less than an hour."
    return [
        F.error(
            "WATCH_DELIVERY_FAILING",
            msg,
            source,
            "/events/",
            **params,
            **_since(report),
            **since,
            left_days=left // 24,
            left_hours=left if left < 24 else left % 24,
        )
    ]


def _since(report: WatchReport) -> dict[str, int]:
    """The time since the last good delivery as whole days and the whole hours beyond them
    (``since_hours`` is every hour when under a day): 6.95 days is 6 days and 22 hours,
    never "6 days"; rounded down to the whole hour, and nothing more is left out."""
    hours = report.hours_since_last_good or 0
    if hours < 24:
        return {"since_days": 0, "since_hours": hours}
    return {"since_days": hours // 24, "since_hours": hours % 24}


def incomplete(tally: EventTally, days: int, source: str) -> Finding:
    """``WATCH_EVENTS_INCOMPLETE``: more events than the watch reads (its pages are bounded),
    or a page after the first could not be read (its own ``WATCH_READ_REFUSED`` says why), or
    brought only events read before (NgDP served an earlier page again): the pages before it
    passed for the whole log when NgDP gave no ``totalElements``."""
    if tally.looped:
        return F.warning(
            "WATCH_EVENTS_INCOMPLETE",
            "NgDP's event log of {tag} events of the last {days} days answered a later page with only events read before, so the watch stopped after {read} event(s): the log was judged in part and the newest time shown is the newest of those read.",
            source,
            "/events/",
            tag=tally.tag,
            days=days,
            read=tally.read,
        )
    if tally.broken_off:
        return F.warning(
            "WATCH_EVENTS_INCOMPLETE",
            "NgDP's event log of {tag} events of the last {days} days broke off after {read} event(s): a page after the first could not be read, so the log was judged in part and the newest time shown is the newest of those read.",
            source,
            "/events/",
            tag=tally.tag,
            days=days,
            read=tally.read,
        )
    return F.warning(
        "WATCH_EVENTS_INCOMPLETE",
        "NgDP's event log holds {total} {tag} events of the last {days} days; the watch read {read} (at most {pages} pages), so the newest time shown is the newest of those.",
        source,
        "/events/",
        total=tally.total,
        tag=tally.tag,
        days=days,
        read=tally.read,
        pages=MAX_EVENT_PAGES,
    )


def ahead(tally: EventTally, report: WatchReport, source: str) -> Finding:
    """``WATCH_EVENTS_INCOMPLETE`` for events dated after the check (beyond the clock skew):
    they are not counted as deliveries, good or failed, and the rest is judged without them
    (an attacker's look: a good delivery "in 2035" read as the one after the failures, and
    a failing receiving system as recovered). The same code as a log read in part: either
    way the judgement rests on part of what NgDP logged."""
    return F.warning(
        "WATCH_EVENTS_INCOMPLETE",
        "NgDP's event log holds {count} event(s) tagged {tag} dated after the watch's time, {checked}, by more than {skew} minutes, the newest at {newest}: they are not counted as deliveries, good or failed, and the rest was judged without them (this machine's clock, NgDP's, or the log is wrong).",
        source,
        "/events/",
        count=tally.future,
        tag=tally.tag,
        checked=_when(report.checked_at),
        skew=int(CLOCK_SKEW.total_seconds()) // 60,
        newest=_when(tally.future_newest),
    )


def untimed(tally: EventTally, source: str) -> Finding:
    """``WATCH_EVENTS_INCOMPLETE`` for events whose ``eventTime`` is no time the watch can
    read (neither ISO 8601 nor epoch milliseconds or seconds): they are not counted as
    deliveries, good or failed, and the rest is judged without them, said rather than
    dropped (a failure served with a time of another shape read as "ok", exit 0)."""
    return F.warning(
        "WATCH_EVENTS_INCOMPLETE",
        "NgDP's event log holds {count} event(s) tagged {tag} whose eventTime is no time the watch can read: they are not counted as deliveries, good or failed, and the rest was judged without them; look them up in Administrativ Adgang.",
        source,
        "/events/",
        count=tally.unreadable,
        tag=tally.tag,
    )
