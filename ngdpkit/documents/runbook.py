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
from typing import TYPE_CHECKING, Any

from ..checks.system import shown_cvr
from ..deliverables.checklist import STATUS, WHO
from ..deliverables.commands import KitCommands
from ..deliverables.ics import Event
from .i18n import number

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..deliverables.checklist import Checklist
    from ..findings import Finding
    from ..settings import Environment, Settings

__all__ = [
    "Gate",
    "GateFinding",
    "GateStep",
    "Runbook",
    "RunbookStep",
    "When",
    "build_runbook",
    "gate_notes",
    "gate_of",
    "gate_short",
    "gate_verdict",
    "steps_text",
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
        "drain": "Lad e-Boks-dispatcherens kø løbe tom: breve, der allerede ligger i den, sendes stadig gennem e-Boks (udledt – WorkZones dokumentation siger det ikke: afklar med KMD før idriftsættelsesdagen, om en deaktiveret dispatcher sender sin kø færdig, og hvis ikke, hvordan køen tømmes).",
        "drain_done": "Køen er tom (0 breve venter), før NgDP aktiveres.",
        "ngdp_enable": "Aktivér NgDP-dispatcheren i WorkZone med værdierne på siden »NgDP-dispatcher i WorkZone« i denne kørsel{guid}.",
        "ngdp_enable_guid": " (ContactPointGuid {guid})",
        "ngdp_enable_withheld": "Aktivér NgDP-dispatcheren i WorkZone med værdierne fra en kørsel, der ikke tilbageholder dem: denne kørsel har tilbageholdt dem på grund af blokerende fund (se siden »NgDP-dispatcher i WorkZone«), så ret fundene, og kør igen først.",
        "ngdp_enable_done": "NgDP-dispatcheren er aktiv med disse værdier, og tjeklistens trin 7 er bekræftet (<<confirm>>).",
        "first_letter": "Send ét rigtigt brev fra en rigtig sag gennem NgDP, og bed modtageren svare på det.",
        "first_letter_done": "Brevet har fået en kvittering (RECEIVED eller COMPLETED) og ligger på sagen, og svaret er kommet frem på samme sag gennem kontaktpunktet.",
        "rollback": "Tilbagerulning er mulig, fra NgDP-dispatcheren aktiveres, {until}: slå NgDP-dispatcheren fra og e-Boks-dispatcheren til igen, hvis ét af følgende sker: det første brev får ingen kvittering inden for 24 timer; den daglige kontrol (trin 6) melder, at leveringer til modtagersystemet fejler (WATCH_DELIVERY_FAILING); svar når ikke frem til sagen; breve venter i NgDP (WATCH_BACKLOG) i mere end et døgn. Konsulenten holder øje med disse kriterier og melder, når ét er opfyldt; kunden beslutter en tilbagerulning, og WorkZone-administratoren udfører den. Efter en tilbagerulning kan svar og kvitteringer, der kommer til NgDP, blive liggende dér (den daglige kontrol viser dem som WATCH_BACKLOG), og NgDP deaktiverer et modtagersystem, der slet ikke har kunnet modtage post i 7 dage: aftal ved tilbagerulningen, hvem der tager sig af dem, og hvornår NgDP-dispatcheren aktiveres igen, før der er gået 7 dage.",
        "rollback_until": "til og med {date}",
        "rollback_open": "indtil en dato, der endnu ikke er aftalt",
        "rollback_done": "{date} er passeret, uden at noget af dette er sket.",
        "rollback_done_open": "Datoen er aftalt og passeret, uden at noget af dette er sket.",
        "watch": "Kør {watch} dagligt den første uge{how}. Kommandoen skal bruge det samme som en kørsel: ngdpkit, indstillingsfilen, miljøets certifikat med adgangskoden samt autorisationsheaderen, på en maskine, hvis IP-adresse er registreret i NgDP (.p12-filen slettes fra WorkZone-serverne, når den er installeret). Melder kommandoen WATCH_READ_REFUSED (»ikke læst«), er intet blevet kontrolleret den dag, selv om den slutter uden fejl: få forbindelsen til NgDP rettet, og kør kommandoen igen.",
        "watch_ci": " (det planlagte watch-job i jeres CI-pipeline gør det, når det er sat op efter ngdpkits CI-skabeloner)",
        "watch_by_hand": " (i hånden eller som en planlagt opgave på en maskine, hvis IP-adresse er registreret i NgDP: CI-skabelonernes planlagte watch-job holder kun øje med produktionsmiljøet)",
        "watch_done": "Syv daglige kørsler med status ok.",
        "gate_title": "Før drejebogens trin 1: klar til at begynde?",
        "gate_go": "Klar til at begynde: tjeklistens trin {steps} er færdige, og kørslen har ingen fejl.",
        "gate_go_confirmed": "Klar til at begynde på personers bekræftelse af trin {confirmed}: tjeklistens trin {steps} er færdige, og kørslen har ingen fejl.",
        "gate_wait": "Vent – begynd ikke endnu: {reasons}.",
        "gate_and": ", og ",
        "gate_steps_open": "tjeklistens trin {steps} er ikke færdige",
        "gate_step_open": "tjeklistens trin {steps} er ikke færdigt",
        "gate_errors": "kørslen har {errors}",
        "gate_error_one": "én fejl",
        "gate_error_many": "{n} fejl",
        "gate_error_list": "Fejl, der skal rettes først: {codes}.",
        "gate_warning_on_confirmed": "Advarsel om trin {step}, som kun er bekræftet af en person: {text} Afgør, om I vil begynde uden det.",
        "gate_warnings": "Kørslen har {warnings}: {codes}. Læs {them} i godkendelsesdokumentet, før I begynder.",
        "gate_warning_one": "én advarsel",
        "gate_warning_many": "{n} advarsler",
        "gate_warning_it": "den",
        "gate_warning_them": "dem",
        "gate_more": "{n} flere (se »Bilag: alle fund« i godkendelsesdokumentet)",  # after the list's own "og"
        "gate_confirmed_one": "Trin {steps} er bekræftet af en person; ngdpkit har ikke selv set det. Tjeklisten viser, hvem der har bekræftet det, og hvornår.",
        "gate_confirmed_many": "Trin {steps} er bekræftet af personer; ngdpkit har ikke selv set dem. Tjeklisten viser, hvem der har bekræftet dem, og hvornår.",
        "gate_next": "Tjeklisten siger under »Næste handling«, hvad hvert trin mangler; kør <<run>> igen, når det er gjort.",
        "gate_made": "Siden er dannet {made} ved kørslen {run}.",
        "gate_again": "Kør ngdpkit igen før drejebogens trin 1{at}, og læs derefter siden igen (kommandoen: <<run>>).",
        "gate_passed": "Tidspunktet for drejebogens trin 1 ({when}) er passeret. Er trinnet ikke taget: aftal et nyt tidspunkt, og ret datoerne.",
        "gate_passed_wait": " Er e-Boks-dispatcheren allerede deaktiveret, mens siden siger »Vent«: aktivér den igen, indtil tjeklistens trin 1–6 er færdige.",
        "gate_expected": "Oversigtens status, »{readiness}«, tæller alle otte trin. Det er som forventet: {missing} hører til selve idriftsættelsen.",
        "gate_missing_7": "trin 7 (dispatcheren, i drejebogens trin 3)",
        "gate_missing_8": "trin 8 (accepttesten, se nedenfor)",
        "gate_later": "Tjeklistens trin 7 (dispatcheren i WorkZone) udføres i drejebogens trin 3.",
        "gate_early_7": "Tjeklistens trin 7 er allerede færdigt, før drejebogen kan begynde: kontrollér, at NgDP-dispatcheren ikke er aktiveret før drejebogens trin 3, mens e-Boks-dispatcheren stadig sender.",
        "gate_acceptance": "Anbefalet: tag accepttesten (tjeklistens trin 8) før drejebogens trin 1 med <<rehearse>>. Ellers er drejebogens trin 4 det første brev gennem NgDP, og trin 8 bekræftes bagefter med <<confirm>>.",
        "gate_step": "Tjeklistens trin",
        "gate_status": "Status ved denne kørsel",
        "gate_errors_row": "Fejl i kørslen",
        "gate_warnings_row": "Advarsler i kørslen",
        "gate_none": "ingen",
        "gate_short_go": "klar til at begynde",
        "gate_short_wait": "vent – begynd ikke endnu",
        "gate_short_confirmed": "trin {steps} kun bekræftet af personer",
        "gate_short_passed": "tidspunktet for trin 1 er passeret",
        "gate_short_steps_open": "trin {steps} ikke færdige",
        "gate_short_step_open": "trin {steps} ikke færdigt",
        "gate_sheet": "Før trin 1",
        "gate_verdict": "Klar til at begynde?",
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
        "drain": "Let the e-Boks dispatcher's queue drain: letters already in it are still sent through e-Boks (inferred: WorkZone's documentation does not say so; confirm with KMD before the day that a disabled dispatcher finishes its queue, and otherwise how the queue is emptied).",
        "drain_done": "The queue is empty (0 letters waiting) before NgDP is enabled.",
        "ngdp_enable": 'Enable the NgDP dispatcher in WorkZone with the values on this run\'s page "The NgDP dispatcher in WorkZone"{guid}.',
        "ngdp_enable_guid": " (ContactPointGuid {guid})",
        "ngdp_enable_withheld": 'Enable the NgDP dispatcher in WorkZone with the values of a run that does not withhold them: this run withheld them for blocking findings (see the page "The NgDP dispatcher in WorkZone"), so fix the findings and run again first.',
        "ngdp_enable_done": "The NgDP dispatcher is enabled with those values, and checklist step 7 is confirmed (<<confirm>>).",
        "first_letter": "Send one real letter from a real case through NgDP, and ask its recipient to reply.",
        "first_letter_done": "The letter has a receipt (RECEIVED or COMPLETED) and shows on the case, and the reply has arrived on the same case through the contact point.",
        "rollback": "Rollback is possible from the NgDP dispatcher's enabling {until}: disable the NgDP dispatcher and enable the e-Boks dispatcher again if any of these happens: the first letter has no receipt within 24 hours; the daily check (step 6) reports that deliveries to the receiving system fail (WATCH_DELIVERY_FAILING); replies do not reach the case; letters wait in NgDP (WATCH_BACKLOG) for more than a day. The consultant watches for these and reports when one is met; the customer decides a rollback, and the WorkZone administrator carries it out. After a rollback, replies and receipts that reach NgDP may stay there (the daily check shows them as WATCH_BACKLOG), and NgDP deactivates a receiving system that could not receive any post for 7 days: agree at the rollback who deals with them, and when the NgDP dispatcher is enabled again, before 7 days have passed.",
        "rollback_until": "until {date} inclusive",
        "rollback_open": "until a date not yet agreed",
        "rollback_done": "{date} has passed without any of those observations.",
        "rollback_done_open": "The date is agreed and has passed without any of those observations.",
        "watch": 'Run {watch} daily in the first week{how}. The command needs what a run needs: ngdpkit, the settings file, the certificate of the environment with its password, and the authorization header, on a machine whose IP address NgDP knows (the .p12 file is deleted from the WorkZone servers once installed). When the command reports WATCH_READ_REFUSED ("not read"), nothing was checked that day, although it ends without an error: have the connection to NgDP fixed, and run the command again.',
        "watch_ci": " (the scheduled watch job of your CI pipeline does, when it is set up from ngdpkit's CI templates)",
        "watch_by_hand": " (by hand, or as a scheduled task on a machine whose IP address NgDP knows: the CI templates' scheduled watch job watches the production environment only)",
        "watch_done": "Seven daily runs with status ok.",
        "gate_title": "Before the runbook's step 1: ready to begin?",
        "gate_go": "Ready to begin: checklist steps {steps} are done, and the run has no error.",
        "gate_go_confirmed": "Ready to begin on people's confirmation of steps {confirmed}: checklist steps {steps} are done, and the run has no error.",
        "gate_wait": "Wait – do not begin yet: {reasons}.",
        "gate_and": ", and ",
        "gate_steps_open": "checklist steps {steps} are not done",
        "gate_step_open": "checklist step {steps} is not done",
        "gate_errors": "the run has {errors}",
        "gate_error_one": "1 error",
        "gate_error_many": "{n} errors",
        "gate_error_list": "Errors to fix first: {codes}.",
        "gate_warning_on_confirmed": "A warning about step {step}, which only a person confirmed: {text} Decide whether you begin without it.",
        "gate_warnings": "The run has {warnings}: {codes}. Read {them} in the sign-off document before you begin.",
        "gate_warning_one": "1 warning",
        "gate_warning_many": "{n} warnings",
        "gate_warning_it": "it",
        "gate_warning_them": "them",
        "gate_more": '{n} more (see "Appendix: all findings" in the sign-off document)',
        "gate_confirmed_one": "Step {steps} was confirmed by a person; ngdpkit has not seen it itself. The checklist shows who confirmed it, and when.",
        "gate_confirmed_many": "Steps {steps} were confirmed by people; ngdpkit has not seen them itself. The checklist shows who confirmed them, and when.",
        "gate_next": 'The checklist says under "Next action" what each step lacks; run <<run>> again when that is done.',
        "gate_made": "This page was made {made} by run {run}.",
        "gate_again": "Run ngdpkit again before the runbook's step 1{at}, and then read this page again (the command: <<run>>).",
        "gate_passed": "The time of the runbook's step 1 ({when}) has passed. If the step was not taken: agree a new time and correct the dates.",
        "gate_passed_wait": " If the e-Boks dispatcher is already disabled while this page says to wait: enable it again until checklist steps 1–6 are done.",
        "gate_expected": 'The overview\'s status, "{readiness}", counts all eight steps. That is as expected: {missing} belong to the go-live itself.',
        "gate_missing_7": "step 7 (the dispatcher, in the runbook's step 3)",
        "gate_missing_8": "step 8 (the acceptance test, see below)",
        "gate_later": "Checklist step 7 (the dispatcher in WorkZone) is done in the runbook's step 3.",
        "gate_early_7": "Checklist step 7 is already done before the runbook can begin: check that the NgDP dispatcher is not enabled before the runbook's step 3, while the e-Boks dispatcher still sends.",
        "gate_acceptance": "Recommended: take the acceptance test (checklist step 8) before the runbook's step 1 with <<rehearse>>. Otherwise the runbook's step 4 is the first letter through NgDP, and step 8 is confirmed afterwards with <<confirm>>.",
        "gate_step": "Checklist step",
        "gate_status": "Status at this run",
        "gate_errors_row": "Errors in the run",
        "gate_warnings_row": "Warnings in the run",
        "gate_none": "none",
        "gate_short_go": "ready to begin",
        "gate_short_wait": "wait – do not begin yet",
        "gate_short_confirmed": "steps {steps} only confirmed by people",
        "gate_short_passed": "the time of step 1 has passed",
        "gate_short_steps_open": "steps {steps} not done",
        "gate_short_step_open": "step {steps} not done",
        "gate_sheet": "Before step 1",
        "gate_verdict": "Ready to begin?",
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
    # the kit's commands the page names, whole (a runbook followed literally: four of them
    # stopped at once without --settings, --env and --by)
    commands: KitCommands = KitCommands("", "", production=False)

    @property
    def dated(self) -> tuple[RunbookStep, ...]:
        return tuple(s for s in self.steps if s.when.start is not None)


# The checklist's steps a go-live rests on: access, the certificate on every server, the
# network, the system, the contact points and the mailbox mapping in WorkZone. Step 7 (the
# dispatcher) is the runbook's step 3, step 8 (the acceptance test) may follow go-live.
GATE_STEPS = (1, 2, 3, 4, 5, 6)


@dataclass(frozen=True)
class GateStep:
    step: int
    key: str  # the checklist's key of the step (deliverables.checklist.STEPS)
    title: str
    status: str  # a status of deliverables.checklist: done, not_verified, to_do, blocked
    evidence: str  # observed, confirmed, planned, none


@dataclass(frozen=True)
class GateFinding:
    """The run's errors or warnings of one code, as the gate says them: how many, ``words``
    the code's title and code, ``step`` the checklist step the code concerns (if any), and
    ``text`` the first one's sentence (shortened) when the page says it in full: a warning
    about a step only a person confirmed ("" otherwise)."""

    severity: str
    code: str
    count: int
    words: str
    step: int | None
    text: str = ""


@dataclass(frozen=True)
class Gate:
    """Before the runbook's step 1 (the e-Boks dispatcher disabled): what the run saw of the
    checklist's steps the go-live rests on, its errors and warnings. Ready to begin only with
    every such step done and no error; warnings and steps only a person confirmed are said
    beside it. ``run`` names the run, ``made`` when the page was made, ``readiness`` the
    overview's status in words, ``later`` the checklist's steps 7 and 8 not done, and
    ``step1`` the time of the runbook's step 1 (None when it has no date)."""

    steps: tuple[GateStep, ...]
    findings: tuple[GateFinding, ...]
    run: str
    made: dt.datetime
    readiness: str
    readiness_ready: bool
    later: tuple[int, ...]
    step1: When | None

    @property
    def errors(self) -> int:
        return sum(f.count for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(f.count for f in self.findings if f.severity == "warning")

    @property
    def open_steps(self) -> tuple[GateStep, ...]:
        return tuple(s for s in self.steps if s.status != "done")

    @property
    def confirmed_only(self) -> tuple[GateStep, ...]:
        """Steps done on a person's word, which the kit has not seen."""
        return tuple(s for s in self.steps if s.status == "done" and s.evidence == "confirmed")

    @property
    def go(self) -> bool:
        return not self.open_steps and self.errors == 0

    @property
    def step1_passed(self) -> bool:
        start = self.step1.start if self.step1 is not None else None
        return start is not None and not _before(self.made, start)


def gate_of(
    checklist: Checklist,
    findings: Iterable[Finding],
    run: str,
    runbook: Runbook,
    *,
    made: dt.datetime | None = None,
) -> Gate:
    """The gate of a run from its checklist, its findings (errors and warnings, by code) and
    its runbook (the time of step 1, the language). Each code is worded once, and only the
    few sentences the page says in full are made (a run may hold 100,000 findings)."""
    from ..deliverables.checklist import BLOCKING
    from ..redact import shortened
    from .change_text import codes_in_words

    lang = runbook.language
    number = {r.key: r.step for r in checklist.rows}
    confirmed = {
        r.step
        for r in checklist.rows
        if r.step in GATE_STEPS and r.status == "done" and r.evidence == "confirmed"
    }

    def step_of(code: str) -> int | None:
        return next(
            (
                number[k]
                for k, prefixes in BLOCKING.items()
                if code.startswith(prefixes) and k in number
            ),
            None,
        )

    first: dict[tuple[str, str], Finding] = {}
    counts: dict[tuple[str, str], int] = {}
    for f in findings:
        if f.severity in ("error", "warning"):
            key = (f.severity, f.code)
            first.setdefault(key, f)
            counts[key] = counts.get(key, 0) + 1
    kept = []
    in_full = 0
    for (severity, code), f in first.items():
        step = step_of(code)
        text = ""
        if severity == "warning" and step in confirmed and in_full < GATE_IN_FULL:
            text, in_full = shortened(f.text(lang), 400), in_full + 1
        words = codes_in_words([code], lang)
        kept.append(GateFinding(severity, code, counts[(severity, code)], words, step, text))
    return Gate(
        steps=tuple(
            GateStep(r.step, r.key, r.title, r.status, r.evidence)
            for r in checklist.rows
            if r.step in GATE_STEPS
        ),
        findings=tuple(kept),
        run=run,
        made=made or dt.datetime.now(dt.UTC),
        readiness=checklist.readiness.words(lang),
        readiness_ready=checklist.readiness.status != "not_ready",
        later=tuple(r.step for r in checklist.rows if r.step in (7, 8) and r.status != "done"),
        step1=runbook.steps[0].when if runbook.steps else None,
    )


def steps_text(numbers: list[int], language: str) -> str:
    """Step numbers as people write them: a run of three or more as a range ("1–6", "2–4 og
    6"), the rest listed ("2, 5 og 6")."""
    from babel.lists import format_list

    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts: list[str] = []
    for r in runs:
        if len(r) >= 3:
            parts.append(f"{r[0]}–{r[-1]}")
        else:
            parts += [str(n) for n in r]
    return format_list(parts, locale="da" if language == "da" else "en")


def _count(n: int, language: str) -> str:
    """A count on the runbook page: "1.001" as the language writes it, or "ingen"."""
    return number(language, n) if n else WORDS[language]["gate_none"]


def gate_verdict(gate: Gate, language: str) -> str:
    """ "Klar til at begynde: …" or "Vent – begynd ikke endnu: tjeklistens trin 2 og 3 er
    ikke færdige, og kørslen har én fejl."."""
    lang = "da" if language == "da" else "en"
    w = WORDS[lang]
    if gate.go:
        steps = steps_text(list(GATE_STEPS), lang)
        if gate.confirmed_only:
            confirmed = steps_text([s.step for s in gate.confirmed_only], lang)
            return w["gate_go_confirmed"].format(steps=steps, confirmed=confirmed)
        return w["gate_go"].format(steps=steps)
    reasons = []
    if gate.open_steps:
        key = "gate_step_open" if len(gate.open_steps) == 1 else "gate_steps_open"
        reasons.append(w[key].format(steps=steps_text([s.step for s in gate.open_steps], lang)))
    if gate.errors:
        n = (
            w["gate_error_one"]
            if gate.errors == 1
            else w["gate_error_many"].format(n=number(lang, gate.errors))
        )
        reasons.append(w["gate_errors"].format(errors=n))
    return w["gate_wait"].format(reasons=w["gate_and"].join(reasons))


def gate_short(gate: Gate, language: str) -> str:
    """The verdict in a few words, for the overview: "klar til at begynde; trin 1–6 kun
    bekræftet af personer; 4 advarsler" or "vent – begynd ikke endnu; trin 2–6 ikke
    færdige; 4 advarsler" (the reason to wait first: the errors, else the steps not done)."""
    lang = "da" if language == "da" else "en"
    w = WORDS[lang]
    said = [w["gate_short_go" if gate.go else "gate_short_wait"]]
    if gate.errors:  # the reason to wait, before the warnings
        said.append(
            w["gate_error_one"]
            if gate.errors == 1
            else w["gate_error_many"].format(n=number(lang, gate.errors))
        )
    elif not gate.go and gate.open_steps:  # else the steps not done (a customer's cold read:
        # "vent – begynd ikke endnu; 4 advarsler" read as if the warnings were the reason)
        key = "gate_short_step_open" if len(gate.open_steps) == 1 else "gate_short_steps_open"
        said.append(w[key].format(steps=steps_text([s.step for s in gate.open_steps], lang)))
    if gate.go and gate.confirmed_only:
        said.append(
            w["gate_short_confirmed"].format(
                steps=steps_text([s.step for s in gate.confirmed_only], lang)
            )
        )
    if gate.warnings:
        said.append(
            w["gate_warning_one"]
            if gate.warnings == 1
            else w["gate_warning_many"].format(n=number(lang, gate.warnings))
        )
    if gate.step1_passed:
        said.append(w["gate_short_passed"])
    return "; ".join(said)


GATE_LISTED = 8  # codes named in a note; the rest counted
GATE_IN_FULL = 3  # warnings about a step only a person confirmed, said in full


def _codes(found: list[GateFinding], lang: str) -> str:
    """The codes of ``found`` in words, the first :data:`GATE_LISTED`, the rest counted."""
    from babel.lists import format_list

    words = [f"{f.count} × {f.words}" if f.count > 1 else f.words for f in found]
    shown = words[:GATE_LISTED]
    if len(words) > GATE_LISTED:
        shown.append(WORDS[lang]["gate_more"].format(n=len(words) - GATE_LISTED))
    return format_list(shown, locale=lang)


def gate_notes(gate: Gate, runbook: Runbook, *, made: bool = True) -> list[str]:
    """What the page says under the verdict, in order: the errors to fix, each warning about
    a step only a person confirmed, the other warnings, the steps only a person confirmed,
    what to do next, when the page was made and the time of step 1 (or that it has passed),
    the overview's status, and the acceptance test."""
    from ..findings import local_time

    lang = runbook.language
    w = WORDS[lang]
    notes = []
    errors = [f for f in gate.findings if f.severity == "error"]
    if errors:
        notes.append(w["gate_error_list"].format(codes=_codes(errors, lang)))
    confirmed = {s.step for s in gate.confirmed_only}
    warnings = [f for f in gate.findings if f.severity == "warning"]
    # in full, one per code and a few in all (gate_of made their sentences): every warning
    # is named in the list below too
    for f in sorted((f for f in warnings if f.text), key=lambda f: f.step or 0):  # step order
        notes.append(w["gate_warning_on_confirmed"].format(step=f.step, text=f.text))
    if warnings:
        many = gate.warnings != 1
        notes.append(
            w["gate_warnings"].format(
                warnings=w["gate_warning_many"].format(n=number(lang, gate.warnings))
                if many
                else w["gate_warning_one"],
                codes=_codes(warnings, lang),
                them=w["gate_warning_them" if many else "gate_warning_it"],
            )
        )
    if gate.confirmed_only:
        key = "gate_confirmed_one" if len(gate.confirmed_only) == 1 else "gate_confirmed_many"
        notes.append(w[key].format(steps=steps_text(sorted(confirmed), lang)))
    commands = runbook.commands
    if not gate.go:
        notes.append(commands.fill(w["gate_next"]))
    # ``made``: when and by which run the page was made (the workbook leaves it out: its
    # content would change with every run, and "what changed" would say so every time)
    said = (
        w["gate_made"].format(made=local_time(gate.made, lang), run=gate.run) + " " if made else ""
    )
    step1 = gate.step1
    if step1 is not None and gate.step1_passed:
        passed = w["gate_passed"].format(when=when_text(step1, lang))
        notes.append(f"{said}{passed}" + ("" if gate.go else w["gate_passed_wait"]))
    else:
        at = f" ({when_text(step1, lang)})" if step1 is not None and step1.start else ""
        notes.append(f"{said}{commands.fill(w['gate_again'].format(at=at))}")
    if gate.go and not gate.readiness_ready and gate.later:
        from babel.lists import format_list

        missing = format_list([w[f"gate_missing_{n}"] for n in gate.later], locale=lang)
        notes.append(w["gate_expected"].format(readiness=gate.readiness, missing=missing))
    else:
        notes.append(w["gate_later"])
    if not gate.go and 7 not in gate.later:  # a customer's cold read: step 7 confirmed before
        # step 1, and nothing said that NgDP must not send while e-Boks still does
        notes.append(w["gate_early_7"])
    if 8 in gate.later:
        notes.append(commands.fill(w["gate_acceptance"], 8))
    if commands.settings:  # where the commands above and in the steps are typed
        notes.append(commands.where())
    return notes


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


def enable_moment(env: Environment) -> dt.datetime | None:
    """When NgDP's dispatcher is (to be) enabled, as the runbook reads ``[golive]``:
    ``ngdp_enable``, else ``date`` from the start of that Copenhagen day; in UTC, None when
    not planned (``watch`` counts NgDP's seven days from it)."""
    value = _aware(env.golive.ngdp_enable or env.golive.date)
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(), tzinfo=_zone())
    return value.astimezone(dt.UTC)


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


def build_runbook(settings: Settings, env: Environment, *, withheld: bool = False) -> Runbook:
    """The six steps of ``env``'s go-live, with the dates and owners its settings give.
    ``withheld``: the run withheld the dispatcher's values, so step 3 names none (it told the
    administrator to enable the dispatcher with values the run did not give: a consultant's
    cold run)."""
    lang = "da" if settings.language == "da" else "en"
    w = WORDS[lang]
    g = env.golive
    disable = _aware(g.eboks_disable or g.date)
    enable = _aware(g.ngdp_enable or g.date)
    until = _aware(g.rollback_until)
    until_text = w["rollback_until"].format(date=when_text(When(until), lang)) if until else ""
    guid = env.default_contact_point or ""
    commands = KitCommands.of(settings, env)
    texts = {
        "eboks_disable": w["eboks_disable"],
        "drain": w["drain"],
        "ngdp_enable": w["ngdp_enable_withheld"]
        if withheld
        else w["ngdp_enable"].format(guid=w["ngdp_enable_guid"].format(guid=guid) if guid else ""),
        "first_letter": w["first_letter"],
        "rollback": w["rollback"].format(until=until_text or w["rollback_open"]),
        "watch": w["watch"].format(
            watch=commands.watch(),
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
            done_when=commands.fill(done.get(key, w[f"{key}_done"]), 7),
        )
        for i, key in enumerate(KEYS, start=1)
    )
    return Runbook(
        organisation=settings.organisation.name,
        cvr=shown_cvr(settings.organisation.cvr),  # as the pages name it: a CPR number not
        environment=env.name,
        language=lang,
        golive=g.date,
        owners=tuple(Owner(role, owners[role]) for role in ROLES),
        steps=steps,
        commands=commands,
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


def write_runbook(
    run_dir: Path,
    runbook: Runbook,
    *,
    stamp: dt.datetime,
    gate: Gate | None = None,
    about: Any = None,
) -> list[Path]:
    """``runbook.xlsx`` and, when a step has a date, ``runbook.ics``; the files written.
    With ``gate``, the workbook's first sheet is the verdict before step 1 (the copy that
    gets mailed around looked like a plan to go: a consultant's cold run). (A run folder is
    never reused, so a runbook.ics is never left over from before.)"""
    from .. import __version__
    from ..deliverables.ics import calendar
    from ..deliverables.outputs import atomic_write, write_workbook

    lang = runbook.language
    w = WORDS[lang]
    who = WHO["da" if lang == "da" else "en"]
    first: list[Any] = []
    if gate is not None:
        status = STATUS["da" if lang == "da" else "en"]
        first = [
            (
                w["gate_sheet"],
                (w["gate_step"], w["gate_status"]),
                [[w["gate_verdict"], gate_verdict(gate, lang)]]
                + [[f"{s.step}. {s.title}", status[s.status]] for s in gate.steps]
                + [
                    [w["gate_errors_row"], str(gate.errors) if gate.errors else w["gate_none"]],
                    [
                        w["gate_warnings_row"],
                        str(gate.warnings) if gate.warnings else w["gate_none"],
                    ],
                ]
                + [["", note] for note in gate_notes(gate, runbook, made=False)],
                None,
            )
        ]
    sheets = [
        *first,
        (w["sheet"], HEADERS[lang], rows(runbook), None),
        (
            w["owners"],
            (w["role"], w["name"]),
            [[who[o.role], o.name] for o in runbook.owners],
            None,
        ),
    ]
    labels: dict[str, Any] = {}
    if about is not None:  # whose runbook, for which environment and run (``about``: the
        # run's WorkbookLabel): its properties and each printed page's header
        from ..deliverables.workbook_about import labelled, page_setup

        printed = page_setup(about)
        labels = {
            "page_setup": {sheet[0]: printed for sheet in sheets},
            "stamp": lambda data: labelled(data, about),
        }
    written = [write_workbook(run_dir / "runbook.xlsx", sheets, **labels)]
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
    runbook: Runbook,
    *,
    nav: object,
    banners: list[str],
    anchor: str,
    calendar_file: bool,
    gate: Gate | None = None,
) -> str:
    """``signoff/runbook.html``: before step 1, go or wait by what the run saw (``gate``);
    the steps, the owners and what the calendar file holds."""
    from ..deliverables.checklist import EVIDENCE, STATUS
    from .pages import Markup, render
    from .signoff import page, with_commands

    lang = runbook.language
    w = WORDS[lang]
    shown_gate = None
    if gate is not None:
        status = STATUS["da" if lang == "da" else "en"]
        seen = EVIDENCE["da" if lang == "da" else "en"]

        def shown(s: GateStep) -> str:
            return (
                f"{status[s.status]} ({seen[s.evidence]})"
                if s.status == "done"
                else status[s.status]
            )

        tone = "status-bad" if not gate.go else "status-warn" if gate.warnings else "status-ok"
        shown_gate = {
            "title": w["gate_title"],
            "go": gate.go,
            "tone": tone,
            "verdict": gate_verdict(gate, lang),
            "headers": (w["gate_step"], w["gate_status"]),
            "rows": [(f"{s.step}. {s.title}", shown(s)) for s in gate.steps]
            + [
                (w["gate_errors_row"], _count(gate.errors, lang)),
                (w["gate_warnings_row"], _count(gate.warnings, lang)),
            ],
            "notes": [with_commands(n) for n in gate_notes(gate, runbook)],
        }
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
        # each command set as code: whole on one line, copied as it stands
        rows=[[*r[:3], with_commands(r[3]), with_commands(r[4])] for r in rows(runbook)],
        owners_title=w["owners"],
        owner_headers=(w["role"], w["name"]),
        owners=[(who[o.role], o.name or w["name_not_set"]) for o in runbook.owners],
        calendar_title=w["calendar"],
        calendar_note=note,
        # said only when a time is there to read ("Tidspunkter er dansk tid" stood above a
        # plan with no date at all: a customer's cold read)
        times=w["times"] if runbook.dated else "",
        gate=shown_gate,
    )
    return page(
        f"{w['title']} - {runbook.organisation} - {runbook.environment}",
        body,
        language=lang,
        banners=banners,
        anchor=anchor,
    )
