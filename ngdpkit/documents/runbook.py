"""The go-live runbook of one environment (issue 29): ``runbook.xlsx``, ``signoff/runbook.html``
and, when ``[golive]`` dates a step, ``runbook.ics``.

Six steps, each with its date, owner, what and when it is done: disable the e-Boks dispatcher;
let its queue drain; enable NgDP; send one real letter from a real case; the rollback criteria
(what observation triggers a rollback, and until when); the first week's daily
``ngdpkit watch``. Dates and owners come from ``[golive]`` (and an environment's
``golive = {…}``); a step without a date says "dato ikke fastsat" and is left out of the
calendar file, and the page says so. A date-time without an offset is Copenhagen time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..deliverables.checklist import WHO
from ..deliverables.ics import Event

if TYPE_CHECKING:
    from ..findings import Finding
    from ..settings import Environment, Settings

__all__ = [
    "Runbook",
    "RunbookStep",
    "When",
    "build_runbook",
    "golive_findings",
    "render_runbook",
    "write_runbook",
]

WATCH_DAYS = 7
KEYS = ("eboks_disable", "drain", "ngdp_enable", "first_letter", "rollback", "watch")
ROLE = {
    "eboks_disable": "workzone",
    "drain": "workzone",
    "ngdp_enable": "workzone",
    "first_letter": "consultant",
    "rollback": "consultant",
    "watch": "operations",
}
ROLES = ("portal", "operations", "workzone", "consultant")

WORDS: dict[str, dict[str, str]] = {
    "da": {
        "title": "Drejebog for idriftsættelse",
        "sheet": "Drejebog",
        "not_set": "dato ikke fastsat",
        "daily": "dagligt {start} – {end}",
        "range": "{start} – {end}",
        "at": "kl.",
        "owners": "Ansvarlige",
        "role": "Rolle",
        "name": "Navn",
        "name_not_set": "ikke angivet ([golive] owners)",
        "golive_date": "Idriftsættelse",
        "calendar": "Kalenderfil",
        "ics_all": "runbook.ics holder alle trin med deres datoer (RFC 5545; importér den i Outlook eller en anden kalender).",
        "ics_some": "runbook.ics holder trinene med dato; uden dato og derfor ikke i kalenderfilen: {steps}.",
        "ics_none": "Der er ingen kalenderfil (runbook.ics): ingen dato er fastsat i [golive].",
        "times": "Tidspunkter er dansk tid.",
        "eboks_disable_title": "Deaktivér e-Boks-dispatcheren",
        "drain_title": "e-Boks-køen løber tom",
        "ngdp_enable_title": "Aktivér NgDP-dispatcheren",
        "first_letter_title": "Første rigtige brev gennem NgDP",
        "rollback_title": "Tilbagerulning mulig",
        "watch_title": "ngdpkit watch",
        "eboks_disable": "Deaktivér e-Boks-dispatcheren i WorkZone (Configurator → Process → Process dispatchers → e-Boks), så ingen nye breve lægges i dens kø.",
        "eboks_disable_done": "e-Boks-dispatcheren står som deaktiveret, og ingen nye breve kommer i dens kø.",
        "drain": "Lad e-Boks-dispatcherens kø løbe tom: breve, der allerede ligger i den, sendes stadig gennem e-Boks.",
        "drain_done": "Køen er tom (0 breve venter), før NgDP aktiveres.",
        "ngdp_enable": "Aktivér NgDP-dispatcheren i WorkZone med værdierne på siden Dispatcher i denne kørsel{guid}.",
        "ngdp_enable_guid": " (ContactPointGuid {guid})",
        "ngdp_enable_done": "NgDP-dispatcheren er aktiv med de værdier, og tjeklistens trin 7 er bekræftet (ngdpkit confirm --step 7).",
        "first_letter": "Send ét rigtigt brev fra en rigtig sag gennem NgDP, og bed modtageren svare på det.",
        "first_letter_done": "Brevet har fået en kvittering (RECEIVED eller COMPLETED) og ligger på sagen, og svaret er kommet frem på samme sag gennem kontaktpunktet.",
        "rollback": "Tilbagerulning, fra NgDP aktiveres {until}: NgDP-dispatcheren deaktiveres og e-Boks-dispatcheren aktiveres igen, hvis én af disse iagttagelser gøres: det første brev får ingen kvittering inden for 24 timer; ngdpkit watch melder WATCH_DELIVERY_FAILING; svar når ikke frem til sagen; breve venter i NgDP (WATCH_BACKLOG) i mere end et døgn.",
        "rollback_until": "til og med {date}",
        "rollback_open": "indtil en dato aftales (rollback_until er ikke fastsat)",
        "rollback_done": "{date} er passeret uden nogen af de iagttagelser.",
        "rollback_done_open": "Datoen er aftalt og passeret uden nogen af de iagttagelser.",
        "watch": "Kør ngdpkit watch --settings {settings} --env {environment} dagligt den første uge{how}.",
        "watch_ci": " (det planlagte watch-job i jeres CI-pipeline gør det, når det er sat op efter ngdpkit's CI-skabeloner)",
        "watch_by_hand": " (i hånden eller som en planlagt opgave på en maskine, NgDP kender IP-adressen på: CI-skabelonernes planlagte watch-job holder kun øje med produktionsmiljøet)",
        "watch_done": "Syv daglige kørsler med status ok.",
    },
    "en": {
        "title": "Go-live runbook",
        "sheet": "Runbook",
        "not_set": "date not set",
        "daily": "daily {start} – {end}",
        "range": "{start} – {end}",
        "at": "",
        "owners": "Owners",
        "role": "Role",
        "name": "Name",
        "name_not_set": "not given ([golive] owners)",
        "golive_date": "Go-live",
        "calendar": "Calendar file",
        "ics_all": "runbook.ics holds every step with its date (RFC 5545; import it into Outlook or another calendar).",
        "ics_some": "runbook.ics holds the steps with a date; without one, and so not in the calendar file: {steps}.",
        "ics_none": "There is no calendar file (runbook.ics): [golive] sets no date.",
        "times": "Times are Copenhagen time.",
        "eboks_disable_title": "Disable the e-Boks dispatcher",
        "drain_title": "The e-Boks queue drains",
        "ngdp_enable_title": "Enable the NgDP dispatcher",
        "first_letter_title": "First real letter through NgDP",
        "rollback_title": "Rollback possible",
        "watch_title": "ngdpkit watch",
        "eboks_disable": "Disable the e-Boks dispatcher in WorkZone (Configurator → Process → Process dispatchers → e-Boks), so that no new letters join its queue.",
        "eboks_disable_done": "The e-Boks dispatcher shows as disabled and no new letters join its queue.",
        "drain": "Let the e-Boks dispatcher's queue drain: letters already in it are still sent through e-Boks.",
        "drain_done": "The queue is empty (0 letters waiting) before NgDP is enabled.",
        "ngdp_enable": "Enable the NgDP dispatcher in WorkZone with the values on this run's Dispatcher page{guid}.",
        "ngdp_enable_guid": " (ContactPointGuid {guid})",
        "ngdp_enable_done": "The NgDP dispatcher is enabled with those values, and checklist step 7 is confirmed (ngdpkit confirm --step 7).",
        "first_letter": "Send one real letter from a real case through NgDP, and ask its recipient to reply.",
        "first_letter_done": "The letter has a receipt (RECEIVED or COMPLETED) and shows on the case, and the reply has arrived on the same case through the contact point.",
        "rollback": "Rollback, from NgDP's enabling {until}: disable the NgDP dispatcher and enable the e-Boks dispatcher again on any of these observations: the first letter has no receipt within 24 hours; ngdpkit watch reports WATCH_DELIVERY_FAILING; replies do not reach the case; letters wait in NgDP (WATCH_BACKLOG) for more than a day.",
        "rollback_until": "until {date} inclusive",
        "rollback_open": "until a date is agreed (rollback_until is not set)",
        "rollback_done": "{date} has passed without any of those observations.",
        "rollback_done_open": "The date is agreed and has passed without any of those observations.",
        "watch": "Run ngdpkit watch --settings {settings} --env {environment} daily in the first week{how}.",
        "watch_ci": " (the scheduled watch job of your CI pipeline does, when it is set up from ngdpkit's CI templates)",
        "watch_by_hand": " (by hand, or as a scheduled task on a machine whose IP address NgDP knows: the CI templates' scheduled watch job watches the production environment only)",
        "watch_done": "Seven daily runs with status ok.",
    },
}
HEADERS = {
    "da": ("Trin", "Hvornår", "Ansvarlig", "Hvad", "Færdig når", "Udført"),
    "en": ("Step", "When", "Owner", "What", "Done when", "Done"),
}


@dataclass(frozen=True)
class When:
    """A step's time: a day, an aware moment, or a window; ``daily``: repeated that many days."""

    start: dt.date | dt.datetime | None = None
    end: dt.date | dt.datetime | None = None
    daily: int = 0


@dataclass(frozen=True)
class RunbookStep:
    number: int
    key: str
    when: When
    role: str  # a key of checklist.WHO
    owner: str  # the name from [golive] owners, "" when not given
    what: str
    done_when: str


@dataclass(frozen=True)
class Owner:
    role: str
    name: str


@dataclass(frozen=True)
class Runbook:
    organisation: str
    cvr: str
    environment: str
    language: str
    golive: dt.date | None
    owners: tuple[Owner, ...]
    steps: tuple[RunbookStep, ...]

    @property
    def dated(self) -> tuple[RunbookStep, ...]:
        return tuple(s for s in self.steps if s.when.start is not None)


def _zone() -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo("Europe/Copenhagen")
    except (
        Exception
    ):  # no tz database (some Windows installs without tzdata): UTC, said on the page
        return dt.UTC


def _aware(value: dt.date | dt.datetime | None) -> dt.date | dt.datetime | None:
    """A date-time without an offset is Copenhagen time; dates stay days. A local time that
    does not exist (02:30 on the last Sunday of March, in the hour skipped for summer time)
    is read with the offset before the gap, as RFC 5545 §3.3.5 reads it: 03:30 summer time.
    A time that occurs twice (the last Sunday of October) is its first occurrence."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        zone = _zone()
        return value.replace(tzinfo=zone, fold=0).astimezone(dt.UTC).astimezone(zone)
    return value


def _day(value: dt.date | dt.datetime) -> dt.date:
    return value.astimezone(_zone()).date() if isinstance(value, dt.datetime) else value


def _before(first: dt.date | dt.datetime, second: dt.date | dt.datetime) -> bool:
    """``first`` lies before ``second``: two moments as moments, else as Copenhagen days (a
    day and a moment on that day are neither before nor after each other)."""
    if isinstance(first, dt.datetime) and isinstance(second, dt.datetime):
        return first < second
    return _day(first) < _day(second)


def _shown(value: dt.date | dt.datetime) -> str:
    """A ``[golive]`` value in a finding: ``2027-02-01`` or ``2027-02-01 08:00`` (Copenhagen)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(_zone()).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def golive_findings(env: Environment) -> list[Finding]:
    """``GOLIVE_DATES_OUT_OF_ORDER`` (warning) for each pair of ``[golive]`` dates of ``env``
    that the runbook cannot keep: e-Boks disabled after NgDP is enabled, or the last day of a
    rollback before the go-live. A day and a moment on that day are in order either way."""
    from .. import findings as F

    g = env.golive
    disable_key, enable_key = (
        "eboks_disable" if g.eboks_disable else "date",
        "ngdp_enable" if g.ngdp_enable else "date",
    )
    disable = _aware(g.eboks_disable or g.date)
    enable = _aware(g.ngdp_enable or g.date)
    until = _aware(g.rollback_until)
    source = "golive"
    found: list[Finding] = []
    if disable is not None and enable is not None and _before(enable, disable):
        found.append(
            F.warning(
                "GOLIVE_DATES_OUT_OF_ORDER",
                "[golive] {first_key} ({first}) is after {second_key} ({second}) for {environment}: the e-Boks dispatcher would be disabled after the NgDP dispatcher is enabled, so the runbook's steps are out of order.",
                source,
                env.name,
                first_key=disable_key,
                first=_shown(disable),
                second_key=enable_key,
                second=_shown(enable),
                environment=env.name,
            )
        )
    if until is not None and enable is not None and _before(until, enable):
        found.append(
            F.warning(
                "GOLIVE_DATES_OUT_OF_ORDER",
                "[golive] rollback_until ({first}) is before the go-live, {second_key} ({second}), for {environment}: no day is left on which a rollback is still an option.",
                source,
                env.name,
                first=_shown(until),
                second_key=enable_key,
                second=_shown(enable),
                environment=env.name,
            )
        )
    return found


def build_runbook(settings: Settings, env: Environment) -> Runbook:
    """The six steps of ``env``'s go-live, with the dates and owners its settings give."""
    lang = "da" if settings.language == "da" else "en"
    w = WORDS[lang]
    g = env.golive
    disable = _aware(g.eboks_disable or g.date)
    enable = _aware(g.ngdp_enable or g.date)
    until = _aware(g.rollback_until)
    until_text = w["rollback_until"].format(date=when_text(When(until), lang)) if until else ""
    guid = env.default_contact_point or ""
    texts = {
        "eboks_disable": w["eboks_disable"],
        "drain": w["drain"],
        "ngdp_enable": w["ngdp_enable"].format(
            guid=w["ngdp_enable_guid"].format(guid=guid) if guid else ""
        ),
        "first_letter": w["first_letter"],
        "rollback": w["rollback"].format(until=until_text or w["rollback_open"]),
        "watch": w["watch"].format(
            settings=settings.rel(settings.path),
            environment=env.name,
            how=w["watch_ci" if env.kind == "production" else "watch_by_hand"],
        ),
    }
    done = {
        "rollback": w["rollback_done"].format(date=when_text(When(until), lang))
        if until
        else w["rollback_done_open"],
    }
    whens = {
        "eboks_disable": When(disable),
        "drain": When(disable, enable) if disable else When(),
        "ngdp_enable": When(enable),
        "first_letter": When(enable),
        "rollback": When(enable, until) if enable and until else When(until),
        "watch": When(_day(enable), daily=WATCH_DAYS) if enable else When(),
    }
    owners = {role: getattr(g.owners, role) for role in ROLES}
    steps = tuple(
        RunbookStep(
            number=i,
            key=key,
            when=whens[key],
            role=ROLE[key],
            owner=owners[ROLE[key]],
            what=texts[key],
            done_when=done.get(key, w[f"{key}_done"]),
        )
        for i, key in enumerate(KEYS, start=1)
    )
    return Runbook(
        organisation=settings.organisation.name,
        cvr=settings.organisation.cvr,
        environment=env.name,
        language=lang,
        golive=g.date,
        owners=tuple(Owner(role, owners[role]) for role in ROLES),
        steps=steps,
    )


def _moment(value: dt.date | dt.datetime, lang: str) -> str:
    if isinstance(value, dt.datetime):
        local = value.astimezone(_zone())
        return local.strftime("%d-%m-%Y kl. %H:%M" if lang == "da" else "%Y-%m-%d %H:%M")
    return value.strftime("%d-%m-%Y" if lang == "da" else "%Y-%m-%d")


def when_text(when: When, language: str) -> str:
    """A step's time as people read it: "01-02-2027 kl. 16:00", a window, "dagligt …", or
    "dato ikke fastsat"."""
    lang = "da" if language == "da" else "en"
    w = WORDS[lang]
    if when.start is None:
        return w["not_set"]
    if when.daily:
        first = _day(when.start)
        last = first + dt.timedelta(days=when.daily - 1)
        return w["daily"].format(start=_moment(first, lang), end=_moment(last, lang))
    if when.end is None or when.end == when.start:
        return _moment(when.start, lang)
    return w["range"].format(start=_moment(when.start, lang), end=_moment(when.end, lang))


def owner_text(step: RunbookStep, language: str) -> str:
    role = WHO["da" if language == "da" else "en"][step.role]
    return f"{role}: {step.owner}" if step.owner else role


def rows(runbook: Runbook) -> list[list[str]]:
    """The workbook's rows (and the page's): step, when, owner, what, done when, done."""
    lang = runbook.language
    return [
        [str(s.number), when_text(s.when, lang), owner_text(s, lang), s.what, s.done_when, ""]
        for s in runbook.steps
    ]


def _span(when: When) -> tuple[dt.date | dt.datetime, dt.date | dt.datetime]:
    """The calendar's start and (exclusive) end of a dated step: both days or both moments."""
    start, end = when.start, when.end
    assert start is not None
    if when.daily:
        day = _day(start)
        return day, day + dt.timedelta(days=1)
    if end is not None and type(end) is type(start) and end <= start:
        end = None
    if end is None:
        if isinstance(start, dt.datetime):  # an hour of real time, whatever the clocks do
            return start, start.astimezone(dt.UTC) + dt.timedelta(hours=1)
        return start, start + dt.timedelta(days=1)
    if not isinstance(start, dt.datetime) and not isinstance(end, dt.datetime):
        return start, end + dt.timedelta(days=1)  # a day's window ends after its last day

    def moment(value: dt.date | dt.datetime, *, after: bool) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        day = value + dt.timedelta(days=1) if after else value
        return dt.datetime.combine(day, dt.time(), tzinfo=_zone())

    first, last = moment(start, after=False), moment(end, after=True)
    return first, last if last > first else first.astimezone(dt.UTC) + dt.timedelta(hours=1)


def events(runbook: Runbook) -> list[Event]:
    """The calendar's events: one per dated step, each with a UID of its own."""
    w = WORDS[runbook.language]
    out: list[Event] = []
    for s in runbook.dated:
        start, end = _span(s.when)
        label = HEADERS[runbook.language]
        out.append(
            Event(
                uid=f"ngdpkit-golive-{runbook.cvr}-{runbook.environment}-{s.key}@ngdpkit",
                start=start,
                end=end,
                summary=f"{runbook.environment} {s.number}/{len(runbook.steps)}: {w[s.key + '_title']}",
                description="\n".join(
                    [
                        f"{label[3]}: {s.what}",
                        f"{label[2]}: {owner_text(s, runbook.language)}",
                        f"{label[4]}: {s.done_when}",
                        f"{runbook.organisation} · {runbook.environment}",
                    ]
                ),
                daily=s.when.daily,
            )
        )
    return out


def write_runbook(run_dir: Path, runbook: Runbook, *, stamp: dt.datetime) -> list[Path]:
    """``runbook.xlsx`` and, when a step has a date, ``runbook.ics``; the files written.
    (A run folder is never reused, so a runbook.ics is never left over from before.)"""
    from .. import __version__
    from ..deliverables.ics import calendar
    from ..deliverables.outputs import atomic_write, write_workbook

    lang = runbook.language
    w = WORDS[lang]
    who = WHO["da" if lang == "da" else "en"]
    written = [
        write_workbook(
            run_dir / "runbook.xlsx",
            [
                (w["sheet"], HEADERS[lang], rows(runbook), None),
                (
                    w["owners"],
                    (w["role"], w["name"]),
                    [[who[o.role], o.name] for o in runbook.owners],
                    None,
                ),
            ],
        )
    ]
    if runbook.dated:
        data = calendar(
            events(runbook),
            stamp=stamp,
            product=f"-//ngdpkit//ngdpkit {__version__}//{lang.upper()}",
            name=f"{WORDS[lang]['title']} - {runbook.organisation} - {runbook.environment}",
        )
        written.append(atomic_write(run_dir / "runbook.ics", data))
    return written


def render_runbook(
    runbook: Runbook, *, nav: object, banners: list[str], anchor: str, calendar_file: bool
) -> str:
    """``signoff/runbook.html``: the steps, the owners and what the calendar file holds."""
    from .pages import Markup, render
    from .signoff import page

    lang = runbook.language
    w = WORDS[lang]
    undated = [str(s.number) for s in runbook.steps if s.when.start is None]
    if not runbook.dated or not calendar_file:
        note = w["ics_none"]
    elif undated:
        note = w["ics_some"].format(steps=", ".join(undated))
    else:
        note = w["ics_all"]
    who = WHO["da" if lang == "da" else "en"]
    body = render(
        "runbook.html.j2",
        nav=nav if isinstance(nav, Markup) else Markup(""),
        title=f"{w['title']} ({runbook.environment})",
        facts=[
            (w["golive_date"], _moment(runbook.golive, lang) if runbook.golive else w["not_set"]),
        ],
        headers=HEADERS[lang][:5],
        rows=[r[:5] for r in rows(runbook)],
        owners_title=w["owners"],
        owner_headers=(w["role"], w["name"]),
        owners=[(who[o.role], o.name or w["name_not_set"]) for o in runbook.owners],
        calendar_title=w["calendar"],
        calendar_note=note,
        # said only when a time is there to read ("Tidspunkter er dansk tid" stood above a
        # plan with no date at all: a customer's cold read)
        times=w["times"] if runbook.dated else "",
    )
    return page(
        f"{w['title']} - {runbook.organisation} - {runbook.environment}",
        body,
        language=lang,
        banners=banners,
        anchor=anchor,
    )
