"""The checklist (``checklist.json``, ``checklist.xlsx``, ``signoff/checklist.html``): every
step of the vendor page for one environment, who does it, what evidence the kit has for it,
its status and the next action (contract §12.2).

A step is **done** only with evidence the kit has seen (``observed``: NgDP's own records, the
servers' evidence files, the WorkZone register, a rehearsal against NgDP) or a person has
signed for (``confirmed``, with ``ngdpkit confirm``), and no error finding on the step; an
error makes it **blocked**; values the kit prepared but did not see in place (``planned``)
are **not verified**; nothing at all is **to do**. The readiness the overview and the
console state is computed from these rows and the findings alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..checks.evidence import KEYS, StepEvidence  # the steps and their evidence are the checks'
from ..findings import Finding, status_of
from .commands import KitCommands

WHO = {
    "da": {
        "portal": "kundens administrator i Administrativ Adgang",
        "operations": "drift",
        "workzone": "WorkZone-administrator",
        "kmd": "KMD",
        "consultant": "konsulent",
        "customer": "kunden",
    },
    "en": {
        "portal": "the customer's portal administrator",
        "operations": "operations",
        "workzone": "the WorkZone administrator",
        "kmd": "KMD",
        "consultant": "the consultant",
        "customer": "the customer",
    },
}
STATUS = {
    "da": {
        "done": "færdig",
        "not_verified": "ikke verificeret",
        "to_do": "mangler",
        "blocked": "blokeret",
    },
    "en": {"done": "done", "not_verified": "not verified", "to_do": "to do", "blocked": "blocked"},
}
EVIDENCE = {
    "da": {"observed": "set", "confirmed": "bekræftet", "planned": "planlagt", "none": "intet"},
    "en": {"observed": "observed", "confirmed": "confirmed", "planned": "planned", "none": "none"},
}
STEPS = {
    "da": {
        "agreement": "Adgang til Administrativ Adgang (NgDP) for organisationen",
        "certificate": "FOCES3/VOCES3-certifikat pr. miljø, installeret på alle servere",
        "firewall": "Udgående adgang fra serverne til NgDP og certifikatvalidering",
        "system": "Afsender-/modtagersystem oprettet i Administrativ Adgang",
        "contact_points": "Kontaktpunkter med målgrupper og postkasse-oversættelser",
        "mapping": "Hver e-Boks-postkasse tilknyttet et kontaktpunkt",
        "dispatcher": "NgDP-dispatcheren sat op i WorkZone",
        "acceptance": "Accepttest: et brev ud, svaret tilbage gennem NgDP",
    },
    "en": {
        "agreement": "Access to Administrativ Adgang (NgDP) for the organisation",
        "certificate": "FOCES3/VOCES3 certificate per environment, installed on every server",
        "firewall": "Outgoing access from the servers to NgDP and certificate validation",
        "system": "Sender/receiver system created in Administrativ Adgang",
        "contact_points": "Contact points with targets and mailbox translations",
        "mapping": "Every e-Boks mailbox mapped to a contact point",
        "dispatcher": "The NgDP dispatcher configured in WorkZone",
        "acceptance": "Acceptance test: a letter out, the reply back through NgDP",
    },
}
NEXT = {
    "da": {
        "agreement": {
            "to_do": "Log ind i Administrativ Adgang (admin.digitalpost.dk) med MitID, og opret systemet: organisationen skal først have indgået en tilslutningsaftale med Digitaliseringsstyrelsen, hvis mail beskriver, hvordan I får adgang til portalen.",
            "not_verified": "Kør <<run_online>>, så organisationen læses i NgDP, eller bekræft trinnet med <<confirm>>.",
            "done": "Intet.",
        },
        "certificate": {
            "to_do": "Bestil et FOCES3/VOCES3-certifikat til miljøet i privat form (.p12/.pfx med adgangskode), et andet end de andre miljøers, gennem MitID Erhverv (udledt: leverandørens vejledning siger ikke hvor).",
            "blocked": "Ret certifikatfundene (adgangskode, kæde, miljø, udløb eller CVR).",
            "blocked_servers": "Ret serverfundene i indstillingerne (servernavn eller servicekonto), kør igen, og giv drift det nye install-certificate.ps1: det gamle stopper ved fejlen.",
            "not_verified": "Drift kører install-certificate.ps1 på hver server; dens JSON angives i probe_evidence.",
            "done": "Intet: certifikatet er installeret på alle servere.",
        },
        "firewall": {
            "to_do": "Send firewall-rules.xlsx til drift og få server-check.ps1 kørt på hver server.",
            "blocked": "Drift retter de fejlede servertjek og kører server-check.ps1 igen.",
            "blocked_servers": "Ret serverfundene i indstillingerne (servernavn eller servicekonto), kør igen, og giv drift det nye server-check.ps1 og firewall-rules.xlsx: de gamle bærer fejlen.",
            "not_verified": "Drift kører server-check.ps1 på hver server; dens JSON angives i probe_evidence.",
            "done": "Intet: servertjekkene er gennemført uden fejl.",
        },
        "system": {
            "to_do": "Opret systemet med værdierne på siden Registrering i Administrativ Adgang.",
            "blocked": "Ret systemfundene (registreringen i NgDP, protokol, IP-adresser, certifikat eller autorisation).",
            "not_verified": "Kør <<run_online>>, så registreringen læses i NgDP, eller bekræft trinnet med <<confirm>>.",
            "done": "Intet: systemet er registreret og stemmer med indstillingerne.",
        },
        "contact_points": {
            "to_do": "Opret kontaktpunkterne fra contact-point-plan.xlsx.",
            "blocked": "Ret kontaktpunktsfundene; portal-todo.xlsx viser oversættelserne at tilføje og fjerne.",
            "not_verified": "Når kontaktpunkterne og oversættelserne fra portal-todo.xlsx er oprettet i portalen: kør <<run_online>>, så de læses i NgDP, eller bekræft trinnet med <<confirm>>.",
            "done": "Intet: kontaktpunkter og oversættelser er på plads i NgDP.",
        },
        "mapping": {
            "to_do": "Tilknyt de resterende postkasser: mapping-suggestions.xlsx foreslår kontaktpunkter, når kontaktpunkterne er kendt (trin 5).",
            "blocked": "Ret tilknytningsfundene.",
            "not_verified": "Udfyld NgDP Guid for hver række i WorkZone Configurator → Process → Mailbox mappings (kolonnen findes fra WorkZone 2026.1; hvor tilknytningen hører hjemme i ældre versioner, er ikke offentligt: spørg KMD) med værdierne fra mailbox-mapping.xlsx, eksportér derefter Mailbox mappings, og angiv filen i workzone_register.",
            "done": "Intet: WorkZone-registret stemmer med tilknytningen.",
        },
        "dispatcher": {
            "to_do": "Ret de blokerende fund: dispatcherens værdier er ikke klare til brug før da.",
            "blocked": "Ret de blokerende fund: dispatcherens værdier er ikke klare til brug før da.",
            "not_verified": "I drejebogens trin 3 (ikke før): indtast værdierne fra siden »NgDP-dispatcher i WorkZone« i WorkZone Configurator, og bekræft med <<confirm>>.",
            "done": "Intet.",
        },
        "acceptance": {
            "to_do": "Kør <<rehearse>>, når trin 1–6 er færdige: helst før drejebogens trin 1.",
            "blocked": "Ret fundene fra accepttesten og kør den igen.",
            "not_verified": "Kør <<rehearse>> igen: dispatcherens værdier er ændret siden.",
            "done": "Intet: accepttesten mod NgDP er gennemført.",
        },
    },
    "en": {
        "agreement": {
            "to_do": "Log in to Administrativ Adgang (admin.digitalpost.dk) with MitID and create the system: the organisation must first have made a connection agreement (tilslutningsaftale) with Digitaliseringsstyrelsen, whose email describes how to get access to the portal.",
            "not_verified": "Run <<run_online>> so that the organisation is read in NgDP, or confirm the step with <<confirm>>.",
            "done": "Nothing.",
        },
        "certificate": {
            "to_do": "Order a FOCES3/VOCES3 certificate for the environment in private form (.p12/.pfx with a password), another than the other environments have, through MitID Erhverv (inferred: the vendor page does not say where).",
            "blocked": "Fix the certificate findings (password, chain, environment, expiry or CVR).",
            "blocked_servers": "Fix the server findings in the settings (server name or service account), run again, and give operations the new install-certificate.ps1: the old one stops at the fault.",
            "not_verified": "Operations run install-certificate.ps1 on every server; name its JSON in probe_evidence.",
            "done": "Nothing: the certificate is installed on every server.",
        },
        "firewall": {
            "to_do": "Send firewall-rules.xlsx to operations and have server-check.ps1 run on every server.",
            "blocked": "Operations fix the failed server checks and run server-check.ps1 again.",
            "blocked_servers": "Fix the server findings in the settings (server name or service account), run again, and give operations the new server-check.ps1 and firewall-rules.xlsx: the old ones carry the fault.",
            "not_verified": "Operations run server-check.ps1 on every server; name its JSON in probe_evidence.",
            "done": "Nothing: the server checks passed.",
        },
        "system": {
            "to_do": "Create the system with the values on the Administrativ Adgang page.",
            "blocked": "Fix the system findings (the registration in NgDP, protocol, IP addresses, certificate or authorization).",
            "not_verified": "Run <<run_online>> so that the registration is read in NgDP, or confirm the step with <<confirm>>.",
            "done": "Nothing: the system is registered and matches the settings.",
        },
        "contact_points": {
            "to_do": "Create the contact points from contact-point-plan.xlsx.",
            "blocked": "Fix the contact point findings; portal-todo.xlsx lists the translations to add and remove.",
            "not_verified": "Run <<run_online>> so that contact points and translations are read in NgDP, or confirm the step with <<confirm>> once the portal holds the contact points and translations of portal-todo.xlsx.",
            "done": "Nothing: the contact points and translations are in place in NgDP.",
        },
        "mapping": {
            "to_do": "Map the remaining mailboxes: mapping-suggestions.xlsx suggests contact points once the contact points are known (step 5).",
            "blocked": "Fix the mapping findings.",
            "not_verified": "Fill in NgDP Guid on every row of WorkZone Configurator → Process → Mailbox mappings (the column exists from WorkZone 2026.1; where the mapping goes in older versions is not public: ask KMD) with the values of mailbox-mapping.xlsx, then export Mailbox mappings and name the file in workzone_register.",
            "done": "Nothing: the WorkZone register matches the mapping.",
        },
        "dispatcher": {
            "to_do": "Fix the blocking findings: the dispatcher values are not ready for use until then.",
            "blocked": "Fix the blocking findings: the dispatcher values are not ready for use until then.",
            "not_verified": 'In the runbook\'s step 3 (not before): enter the values of the page "The NgDP dispatcher in WorkZone" in WorkZone Configurator, and confirm with <<confirm>>.',
            "done": "Nothing.",
        },
        "acceptance": {
            "to_do": "Run <<rehearse>> once steps 1–6 are done: best before the runbook's step 1.",
            "blocked": "Fix the acceptance test's findings and run it again.",
            "not_verified": "Run <<rehearse>> again: the dispatcher's values changed since.",
            "done": "Nothing: the acceptance test against NgDP passed.",
        },
    },
}
WHO_OF = {
    "agreement": ("portal", "customer"),
    "certificate": ("customer", "operations"),
    "firewall": ("operations",),
    "system": ("portal",),
    "contact_points": ("portal",),
    "mapping": ("consultant", "workzone"),
    "dispatcher": ("workzone",),
    "acceptance": ("consultant", "kmd"),
}
# The servers' names and accounts go into both scripts (install-certificate.ps1 of step 2,
# server-check.ps1 and the firewall order of step 3), and each script refuses at its top a
# value these codes name: the steps whose person runs them are blocked, not "not verified"
# (a consultant's read: steps 2 and 3 told operations to run the scripts while the run's
# three errors were a server name with a space, two servers Windows calls alike and
# "Everyone" as the account to read the private key)
SERVER_SETTINGS = ("SERVER_NAME_INVALID", "SERVER_NAME_AMBIGUOUS", "SERVICE_ACCOUNT_TOO_BROAD")
BLOCKING = {
    "certificate": ("CERT_", *SERVER_SETTINGS),
    "firewall": ("NET_", *SERVER_SETTINGS),
    "system": (
        "SYSTEM_",
        "PROTOCOL_",
        "IP_",
        "PUSH_URL_",
        "AUTHORIZATION_",
        "NGDP_API_URL_",
        "NGDP_SYSTEM_",
        "NGDP_CERT_",
    ),
    "contact_points": (
        "CONTACT_POINT",
        "DEFAULT_CONTACT_POINT",
        "NGDP_CONTACT_POINT_",
        "NGDP_TRANSLATION_",
    ),
    # CONTACT_POINT_UNKNOWN is a mapping row's GUID that is no contact point of the
    # environment: mailbox-mapping.xlsx carries it, so step 6 is blocked as well as step 5
    # (a signer's read: step 6 "ikke verificeret" told the WorkZone administrator to type in
    # the workbook's GUIDs, while the one error was a mailbox mapped to no contact point)
    "mapping": ("MAILBOX_", "CELL_", "MAPPING_", "WZ_REGISTER_", "CONTACT_POINT_UNKNOWN"),
    "acceptance": ("REHEARSAL_", "MEMO_"),
}


@dataclass(frozen=True)
class ChecklistRow:
    step: int
    key: str
    title: str
    who: str
    status: str  # done, not_verified, to_do, blocked
    evidence: str  # observed, confirmed, planned, none
    detail: str
    next_action: str

    def to_json(self) -> dict[str, object]:
        return {
            "step": self.step,
            "title": self.title,
            "who": self.who,
            "status": self.status,
            "evidence": self.evidence,
            "detail": self.detail,
            "next_action": self.next_action,
        }


@dataclass(frozen=True)
class Readiness:
    status: str  # ready, ready_with_remarks, not_ready
    steps_done: int
    steps_total: int

    @classmethod
    def of(cls, done: int, total: int, findings_status: str) -> Readiness:
        """Ready only with every step done and no error or warning, ready with remarks with
        warnings only (contract §12.2); ``findings_status`` is ``ok``, ``warnings`` or
        ``errors`` (:func:`ngdpkit.findings.status_of`)."""
        if done < total or findings_status not in ("ok", "warnings"):
            return cls("not_ready", done, total)
        return cls("ready" if findings_status == "ok" else "ready_with_remarks", done, total)

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            "steps_done": self.steps_done,
            "steps_total": self.steps_total,
        }

    def words(self, language: str) -> str:
        """ "klar", "klar med bemærkninger" or "ikke klar: N af 8 trin mangler"."""
        lang = "da" if language == "da" else "en"
        missing = self.steps_total - self.steps_done
        if self.status == "ready":
            return "klar" if lang == "da" else "ready"
        if self.status == "ready_with_remarks":
            return "klar med bemærkninger" if lang == "da" else "ready with remarks"
        if missing:
            return (
                f"ikke klar: {missing} af {self.steps_total} trin mangler"
                if lang == "da"
                else f"not ready: {missing} of {self.steps_total} steps to go"
            )
        return "ikke klar: fejl i fundene" if lang == "da" else "not ready: errors in the findings"


@dataclass(frozen=True)
class Checklist:
    rows: tuple[ChecklistRow, ...]
    readiness: Readiness

    def to_json(self) -> list[dict[str, object]]:
        return [r.to_json() for r in self.rows]

    def table_rows(self, language: str) -> list[tuple[str, str, str, str, str]]:
        """(step, who, status word, evidence, next action) for the workbook and the page."""
        lang = "da" if language == "da" else "en"
        return [
            (
                f"{r.step}. {r.title}",
                r.who,
                STATUS[lang][r.status],
                EVIDENCE[lang][r.evidence] + (f": {r.detail}" if r.detail else ""),
                r.next_action,
            )
            for r in self.rows
        ]


# A step done on a person's word: its usual "done" text says what the kit saw, which it did
# not ("Intet: systemet er registreret og stemmer med indstillingerne").
CONFIRMED_DONE = {
    "da": "Intet: en person har bekræftet trinnet; ngdpkit har ikke selv set det.",
    "en": "Nothing: a person confirmed the step; the kit did not see it itself.",
}


def evaluate(
    findings: Iterable[Finding],
    evidence: dict[str, StepEvidence],
    language: str,
    commands: KitCommands | None = None,
) -> Checklist:
    """The eight rows from the evidence and the errors on each step; the readiness. Each next
    action names the kit's commands whole, for ``commands``' settings and environment."""
    lang = "da" if language == "da" else "en"
    commands = commands or KitCommands.unnamed(lang)
    found = list(findings)
    errors = [f.code for f in found if f.severity == "error"]
    rows = []
    for number, key in enumerate(KEYS, start=1):
        ev = evidence.get(key, StepEvidence())
        prefixes = BLOCKING.get(key, ())
        own = [c for c in errors if prefixes and c.startswith(prefixes)]
        if ev.blocked or own:
            status = "blocked"
        elif ev.kind in ("observed", "confirmed"):
            status = "done"
        elif ev.kind == "planned":
            status = "not_verified"
        else:
            status = "to_do"
        texts = NEXT[lang][key]
        rows.append(
            ChecklistRow(
                step=number,
                key=key,
                title=STEPS[lang][key],
                who=", ".join(WHO[lang][w] for w in WHO_OF[key]),
                status=status,
                evidence=ev.kind,
                detail=ev.detail,
                next_action=commands.fill(
                    ev.next_action
                    or (CONFIRMED_DONE[lang] if status == "done" and ev.kind == "confirmed" else "")
                    or (_servers_text(texts, own) if status == "blocked" else "")
                    or texts.get(status)
                    or texts["to_do"],
                    number,
                ),
            )
        )
    done = sum(1 for r in rows if r.status == "done")
    return Checklist(tuple(rows), Readiness.of(done, len(rows), status_of(found)))


def _servers_text(texts: dict[str, str], codes: list[str]) -> str:
    """The blocked step's text when the settings' servers block it: the fix is the
    consultant's and a new script, not the certificate's or the server checks' own."""
    if any(c in SERVER_SETTINGS for c in codes):
        return texts.get("blocked_servers", "")
    return ""


HEADERS = {
    "da": ["Trin", "Hvem", "Status", "Belæg", "Næste handling"],
    "en": ["Step", "Who", "Status", "Evidence", "Next action"],
}
