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

from ..catalogue import title
from ..checks.evidence import KEYS, StepEvidence  # the steps and their evidence are the checks'
from ..findings import Finding, status_of
from .commands import KitCommands
from .dispatcher import OWN_PREFIXES

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
        "portal": "the portal administrator of the customer",
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
            "blocked_cvr": "Ret organisation.cvr i indstillingerne til organisationens CVR-nummer (8 cifre, der består modulus 11-kontrollen), og kør <<run>> igen: NgDP kender organisationen på CVR-nummeret, og certifikatets CVR-nummer skal stemme med det.",
            "not_verified": "Kør <<run_online>>, så organisationen læses i NgDP, eller bekræft trinnet med <<confirm>>.",
            "done": "Intet.",
        },
        "certificate": {
            "to_do": "Bestil et FOCES3/VOCES3-certifikat til miljøet i privat form (.p12/.pfx med adgangskode), et andet end de andre miljøers, gennem MitID Erhverv (udledt: leverandørens vejledning siger ikke hvor).",
            "blocked": "Ret certifikatfundene (adgangskode, kæde, miljø, udløb eller CVR).",
            "blocked_servers": "Ret serverfundene i indstillingerne (servernavn eller servicekonto), kør <<run>> igen, og giv drift det nye install-certificate.ps1: det gamle stopper ved fejlen.",
            "blocked_cvr": "Ret først organisation.cvr i indstillingerne (trin 1), og kør <<run>> igen: certifikatets CVR-nummer skal stemme med organisationens, og det angivne er ugyldigt. Står fundet der stadig bagefter, tilhører certifikatet en anden organisation.",
            "blocked_password": "Angiv certifikatets adgangskode i den miljøvariabel, som certificate_password_env nævner, eller i secrets-filen, og kør <<run>> igen: uden den kan ngdpkit ikke læse certifikatet.",
            "not_verified": "Drift kører install-certificate.ps1 på hver server; dens JSON angives i probe_evidence.",
            "done": "Intet: certifikatet er installeret på alle servere.",
        },
        "firewall": {
            "to_do": "Send firewall-rules.xlsx til drift og få server-check.ps1 kørt på hver server.",
            "blocked": "Drift retter de fejlede servertjek og kører server-check.ps1 igen.",
            "blocked_probes": "Netværkskontrollen fra den maskine, ngdpkit kørte på, fejlede, ikke et servertjek: ret det, fundene nævner, og kør <<run_online>> igen, eller kør uden --online, og lad drift køre server-check.ps1 på hver server.",
            "blocked_servers": "Ret serverfundene i indstillingerne (servernavn eller servicekonto), kør <<run>> igen, og giv drift det nye server-check.ps1 og firewall-rules.xlsx: de gamle indeholder fejlen.",
            "not_verified": "Drift kører server-check.ps1 på hver server; dens JSON angives i probe_evidence.",
            "done": "Intet: servertjekkene er gennemført uden fejl.",
        },
        "system": {
            "to_do": "Opret systemet i Administrativ Adgang med værdierne på siden »Registrering i Administrativ Adgang«.",
            "blocked": "Ret systemfundene (registreringen i NgDP, protokol, IP-adresser, certifikat eller autorisation).",
            "not_verified": "Kør <<run_online>>, så registreringen læses i NgDP, eller bekræft trinnet med <<confirm>>.",
            "not_verified_cvr": "Ret først organisation.cvr i indstillingerne (trin 1): NgDP finder organisationen på CVR-nummeret. Kør derefter <<run_online>>, så registreringen læses i NgDP, eller bekræft trinnet med <<confirm>>.",
            "done": "Intet: systemet er registreret, og dets protokol, IP-adresser, certifikat og (ved REST_PUSH) endepunkter stemmer med indstillingerne; systemnavnet og kvitteringsformatet er ikke sammenholdt.",
        },
        "contact_points": {
            "to_do": "Opret kontaktpunkterne fra contact-point-plan.xlsx.",
            "to_do_ngdp": 'Kontaktpunkterne hentes fra NgDP (contact_points = "ngdp"), men denne kørsel har ikke læst NgDP: kør <<run_ngdp>> på en maskine med miljøets certifikat, nøgle og header, eller angiv en fil med kontaktpunkterne i contact_points, og kør <<run>>. Er kontaktpunkterne ikke oprettet i Administrativ Adgang endnu, så opret dem først efter contact-point-plan.xlsx.',
            "to_do_ngdp_cvr": 'Ret først organisation.cvr i indstillingerne (trin 1): NgDP finder organisationen på CVR-nummeret. Kontaktpunkterne hentes fra NgDP (contact_points = "ngdp"), så kør derefter <<run_ngdp>>, eller angiv en fil med kontaktpunkterne i contact_points, og kør <<run>>.',
            "blocked": "Ret kontaktpunktsfundene; portal-todo.xlsx viser, hvilke oversættelser der skal tilføjes og fjernes.",
            "not_verified": "Når kontaktpunkterne og oversættelserne fra portal-todo.xlsx er oprettet i portalen: kør <<run_online>>, så de læses i NgDP, eller bekræft trinnet med <<confirm>>.",
            "not_verified_cvr": "Ret først organisation.cvr i indstillingerne (trin 1): NgDP finder organisationen på CVR-nummeret. Når kontaktpunkterne og oversættelserne fra portal-todo.xlsx derefter er oprettet i portalen: kør <<run_online>>, så de læses i NgDP, eller bekræft trinnet med <<confirm>>.",
            "done": "Intet: kontaktpunkter og oversættelser er på plads i NgDP.",
        },
        "mapping": {
            "to_do": "Tilknyt de resterende postkasser: mapping-suggestions.xlsx foreslår kontaktpunkter, når kontaktpunkterne er kendt (trin 5).",
            "to_do_ngdp": "Kør først <<run_ngdp>> (se trin 5): kontaktpunkternes oversættelser i NgDP tilknytter de postkasser, de nævner, og mapping-suggestions.xlsx foreslår kontaktpunkter til resten. Tilknyt derefter de resterende postkasser i tilknytningsfilen (mapping i indstillingerne) eller i notebook 02.",
            "blocked": "Ret tilknytningsfundene.",
            "blocked_unmapped": "Tilknyt hver postkasse, som fundene nævner, til et kontaktpunkt i tilknytningsfilen (mapping i indstillingerne) eller i notebook 02 (redigeringen eller nk.decide); en postkasse, der ikke skal med, markeres dér som udgået. Kør derefter igen.",
            "blocked_unmapped_no_points": "Kontaktpunkterne kendes ikke i denne kørsel (trin 5), så der laves ingen forslag, og redigeringen i notebook 02 har intet kontaktpunkt at vælge: tilknyt hver postkasse, som fundene nævner, med kontaktpunktets GUID fra Administrativ Adgang i tilknytningsfilen (mapping i indstillingerne) eller med nk.decide, eller følg først trin 5; en postkasse, der ikke skal med, markeres som udgået. Kør derefter igen.",
            "blocked_unmapped_ngdp": "Kontaktpunkterne er ikke læst fra NgDP, så der er ingen forslag, og notebook 02 har intet kontaktpunkt at vælge: kør først <<run_ngdp>> (se trin 5). Tilknyt derefter hver postkasse, som fundene stadig nævner, i tilknytningsfilen eller i notebook 02, eller markér den dér som udgået, og kør <<run_ngdp>> igen.",
            "blocked_unmapped_rows": "Ret først de rækker, som fundene nævner, og kør igen: en række, hvis NgDP Guid ikke er et GUID, eller en række i tilknytningsfilen, der ikke bruges, tilknytter ikke sin postkasse. Tilknyt derefter de resterende postkasser i tilknytningsfilen eller i notebook 02.",
            "blocked_decisions": "Ret de rækker i beslutningsfilen, som fundene nævner, og kør <<run>> igen: en beslutning, der ikke kan bruges, indgår ikke i tilknytningen.",
            "not_verified": "Udfyld NgDP Guid for hver række i WorkZone Configurator → Process → Mailbox mappings (kolonnen findes fra WorkZone 2026.1; hvor tilknytningen hører hjemme i ældre versioner, er ikke offentligt: spørg KMD) med værdierne fra mailbox-mapping.xlsx, eksportér derefter Mailbox mappings, og angiv filen i workzone_register.",
            "done": "Intet: WorkZone-registret stemmer med tilknytningen.",
        },
        "dispatcher": {
            "to_do": "Ret de blokerende fund: dispatcherens værdier er ikke klare til brug før da.",
            "blocked": "Ret de blokerende fund: dispatcherens værdier er ikke klare til brug før da.",
            "blocked_authorization": "Angiv autorisationsheaderen fra Administrativ Adgang i den miljøvariabel, som authorization_env nævner, eller i secrets-filen, og kør <<run>> igen: uden den holder ngdpkit dispatcherens værdier tilbage.",
            "not_verified": "I drejebogens trin 3 (ikke før): indtast værdierne fra siden »NgDP-dispatcher i WorkZone« i WorkZone Configurator, og bekræft med <<confirm>>.",
            "done": "Intet.",
        },
        "acceptance": {
            "to_do": "Kør <<rehearse>>, når trin 1–6 er færdige: helst før drejebogens trin 1.",
            "blocked": "Ret fundene fra accepttesten, og kør den igen.",
            "not_verified": "Kør <<rehearse>> igen: dispatcherens værdier er ændret siden.",
            "done": "Intet: accepttesten mod NgDP er gennemført.",
        },
    },
    "en": {
        "agreement": {
            "to_do": "Log in to Administrativ Adgang (admin.digitalpost.dk) with MitID and create the system: the organisation must first have made a connection agreement (tilslutningsaftale) with Digitaliseringsstyrelsen, whose email describes how to get access to the portal.",
            "blocked_cvr": "Correct organisation.cvr in the settings to the CVR number of the organisation (8 digits passing the modulus 11 check), and run <<run>> again: NgDP knows the organisation by its CVR number, and the certificate is held against it.",
            "not_verified": "Run <<run_online>> so that the organisation is read in NgDP, or confirm the step with <<confirm>>.",
            "done": "Nothing.",
        },
        "certificate": {
            "to_do": "Order a FOCES3/VOCES3 certificate for the environment in private form (.p12/.pfx with a password), another than the other environments have, through MitID Erhverv (inferred: the vendor page does not say where).",
            "blocked": "Fix the certificate findings (password, chain, environment, expiry or CVR).",
            "blocked_servers": "Fix the server findings in the settings (server name or service account), run <<run>> again, and give operations the new install-certificate.ps1: the old one stops at the fault.",
            "blocked_cvr": "Correct organisation.cvr in the settings first (step 1), and run <<run>> again: the certificate is held against the CVR number of the organisation, and the one given is invalid. Should the finding remain, the certificate belongs to another organisation.",
            "blocked_password": "Set the certificate password in the environment variable certificate_password_env names, or in the secrets file, and run <<run>> again: without it the kit cannot read the certificate.",
            "not_verified": "Operations run install-certificate.ps1 on every server; name its JSON in probe_evidence.",
            "done": "Nothing: the certificate is installed on every server.",
        },
        "firewall": {
            "to_do": "Send firewall-rules.xlsx to operations and have server-check.ps1 run on every server.",
            "blocked": "Operations fix the failed server checks and run server-check.ps1 again.",
            "blocked_probes": "It is the network check from the machine that ran ngdpkit that failed, not a server check: fix what the findings name and run <<run_online>> again, or run without --online and have operations run server-check.ps1 on every server.",
            "blocked_servers": "Fix the server findings in the settings (server name or service account), run <<run>> again, and give operations the new server-check.ps1 and firewall-rules.xlsx: the old ones carry the fault.",
            "not_verified": "Operations run server-check.ps1 on every server; name its JSON in probe_evidence.",
            "done": "Nothing: the server checks passed.",
        },
        "system": {
            "to_do": "Create the system with the values on the Administrativ Adgang page.",
            "blocked": "Fix the system findings (the registration in NgDP, protocol, IP addresses, certificate or authorization).",
            "not_verified": "Run <<run_online>> so that the registration is read in NgDP, or confirm the step with <<confirm>>.",
            "not_verified_cvr": "Correct organisation.cvr in the settings first (step 1): NgDP finds the organisation by its CVR number. Then run <<run_online>> so that the registration is read in NgDP, or confirm the step with <<confirm>>.",
            "done": "Nothing: the system is registered, and its protocol, IP addresses, certificate and (for REST_PUSH) endpoints match the settings; the system name and the receipt format are not compared.",
        },
        "contact_points": {
            "to_do": "Create the contact points from contact-point-plan.xlsx.",
            "to_do_ngdp": 'The contact points are read from NgDP (contact_points = "ngdp"), but this run did not read NgDP: run <<run_ngdp>> on a machine with the certificate, key and header of the environment, or name a file of the contact points in contact_points and run <<run>>. Should the contact points not exist in Administrativ Adgang yet, create them first from contact-point-plan.xlsx.',
            "to_do_ngdp_cvr": 'Correct organisation.cvr in the settings first (step 1): NgDP finds the organisation by its CVR number. The contact points are read from NgDP (contact_points = "ngdp"), so then run <<run_ngdp>>, or name a file of the contact points in contact_points and run <<run>>.',
            "blocked": "Fix the contact point findings; portal-todo.xlsx lists the translations to add and remove.",
            "not_verified": "Run <<run_online>> so that contact points and translations are read in NgDP, or confirm the step with <<confirm>> once the portal holds the contact points and translations of portal-todo.xlsx.",
            "not_verified_cvr": "Correct organisation.cvr in the settings first (step 1): NgDP finds the organisation by its CVR number. Then run <<run_online>> so that contact points and translations are read in NgDP, or confirm the step with <<confirm>> once the portal holds the contact points and translations of portal-todo.xlsx.",
            "done": "Nothing: the contact points and translations are in place in NgDP.",
        },
        "mapping": {
            "to_do": "Map the remaining mailboxes: mapping-suggestions.xlsx suggests contact points once the contact points are known (step 5).",
            "to_do_ngdp": "First run <<run_ngdp>> (see step 5): the translations of the contact points in NgDP map the mailboxes they name, and mapping-suggestions.xlsx suggests contact points for the rest. Then map the remaining mailboxes in the mapping file (mapping in the settings) or in notebook 02.",
            "blocked": "Fix the mapping findings.",
            "blocked_unmapped": "Map every mailbox the findings name to a contact point in the mapping file (mapping in the settings) or in notebook 02 (the editor or nk.decide); a mailbox that is not to be migrated is retired there. Then run again.",
            "blocked_unmapped_no_points": "This run does not know the contact points (step 5), so nothing is suggested and the editor of notebook 02 has no contact point to choose: map every mailbox the findings name with the GUID of its contact point from Administrativ Adgang in the mapping file (mapping in the settings) or with nk.decide, or first follow step 5; a mailbox that is not to be migrated is retired. Then run again.",
            "blocked_unmapped_ngdp": "The contact points are not read from NgDP, so nothing is suggested and notebook 02 has no contact point to choose: first run <<run_ngdp>> (see step 5). Then map every mailbox the findings still name in the mapping file or in notebook 02, or retire it there, and run <<run_ngdp>> again.",
            "blocked_unmapped_rows": "First correct the rows the findings name, and run again: a row whose NgDP Guid is not a GUID, or a row of the mapping file that is not used, maps no mailbox. Then map the remaining mailboxes in the mapping file or in notebook 02.",
            "blocked_decisions": "Correct the rows of the decisions file the findings name, and run <<run>> again: a decision that cannot be used is left out of the mapping.",
            "not_verified": "Fill in NgDP Guid on every row of WorkZone Configurator → Process → Mailbox mappings (the column exists from WorkZone 2026.1; where the mapping goes in older versions is not public: ask KMD) with the values of mailbox-mapping.xlsx, then export Mailbox mappings and name the file in workzone_register.",
            "done": "Nothing: the WorkZone register matches the mapping.",
        },
        "dispatcher": {
            "to_do": "Fix the blocking findings: the dispatcher values are not ready for use until then.",
            "blocked": "Fix the blocking findings: the dispatcher values are not ready for use until then.",
            "blocked_authorization": "Set the authorization header from Administrativ Adgang in the environment variable authorization_env names, or in the secrets file, and run <<run>> again: the dispatcher values are withheld without it.",
            "not_verified": 'In step 3 of the runbook (not before): enter the values of the page "The NgDP dispatcher in WorkZone" in WorkZone Configurator, and confirm with <<confirm>>.',
            "done": "Nothing.",
        },
        "acceptance": {
            "to_do": "Run <<rehearse>> once steps 1–6 are done: best before step 1 of the runbook.",
            "blocked": "Fix the findings of the acceptance test and run <<rehearse>> again.",
            "not_verified": "Run <<rehearse>> again: the values of the dispatcher changed since.",
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
    # A decision the run could not use (DECISION_INVALID, DECISION_CONTACT_POINT_UNKNOWN)
    # leaves its mailbox mapped by the other sources or not at all: mailbox-mapping.xlsx is
    # not what was decided (a signer's read: step 6 "ikke verificeret" told the WorkZone
    # administrator to type in the workbook while a decision for one of its rows was void)
    "mapping": (
        "MAILBOX_",
        "CELL_",
        "MAPPING_",
        "WZ_REGISTER_",
        "CONTACT_POINT_UNKNOWN",
        "DECISION_",
    ),
    "acceptance": ("REHEARSAL_", "MEMO_"),
    # the organisation's CVR number: NgDP knows the organisation by it (step 1)
    "agreement": ("CVR_",),
}
# SECRET_MISSING blocks the step whose secret is missing: the certificate password step 2
# (a consultant's read: step 2 said "order a certificate" while the certificate was there and
# its password not set), the authorization header step 7 (the dispatcher is withheld)
SECRET_STEP = {"certificate": "certificate password", "dispatcher": "authorization header"}
# The text of a blocked step that names the fix, by the code (or secret) that blocks it
CAUSE_TEXT = (
    ("blocked_servers", SERVER_SETTINGS),
    ("blocked_cvr", ("CVR_INVALID",)),
    ("blocked_password", ("SECRET_MISSING",)),
    ("blocked_authorization", ("SECRET_MISSING",)),
)
# The findings a blocked step names after its next action (at most this many codes)
NAMED_CODES = 4


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
# not ("Intet: systemet er registreret, og dets protokol … stemmer med indstillingerne").
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
    errors = [f for f in found if f.severity == "error"]
    rows = []
    for number, key in enumerate(KEYS, start=1):
        ev = evidence.get(key, StepEvidence())
        own = blocking_codes(key, errors)
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
                    or (_blocked_text(texts, key, own, found, lang) if status == "blocked" else "")
                    or _status_text(texts, status, found)
                    or texts["to_do"],
                    number,
                ),
            )
        )
    done = sum(1 for r in rows if r.status == "done")
    return Checklist(tuple(rows), Readiness.of(done, len(rows), status_of(found)))


def secret_of(finding: Finding) -> str:
    """Which secret a ``SECRET_MISSING`` is about: ``authorization header`` or
    ``certificate password`` (a certificate check's own finding names no ``what``)."""
    what = str(finding.params.get("what") or "")
    if what:
        return what
    return (
        "authorization header"
        if finding.source.endswith("authorization_env")
        else "certificate password"
    )


def blocking_codes(key: str, errors: Iterable[Finding]) -> list[str]:
    """The codes of the error findings that block step ``key``, each once, in order."""
    prefixes = BLOCKING.get(key, ())
    codes = []
    for f in errors:
        if f.severity != "error":
            continue
        if (prefixes and f.code.startswith(prefixes)) or (
            f.code == "SECRET_MISSING" and secret_of(f) == SECRET_STEP.get(key)
        ):
            codes.append(f.code)
    return list(dict.fromkeys(codes))


def _withholding(found: list[Finding]) -> list[str]:
    """What leaves the dispatcher withheld or not ready (:func:`.dispatcher.blocking`): every
    error but the seal's, and a day one's missing dispatcher value."""
    codes = [
        f.code
        for f in found
        if (f.severity == "error" and not f.code.startswith("SIGNING_"))
        or (f.code.startswith("PENDING_") and f.code.startswith(OWN_PREFIXES))
    ]
    return sorted(set(codes))


def _blocked_text(
    texts: dict[str, str], key: str, own: list[str], found: list[Finding], lang: str
) -> str:
    """A blocked step's next action: the fix its cause names (the settings' servers, the CVR
    number, a missing secret) or the step's own, then the findings that block it, so that a
    reader of the page knows why (a signer's read: step 7 said "Ret de blokerende fund" with
    the dispatcher withheld by a CVR number nowhere named near it)."""
    text = ""
    for name, codes in CAUSE_TEXT:
        if name in texts and any(c in codes for c in own):
            text = texts[name]
            break
    if own and all(c.startswith("DECISION_") for c in own):
        text = texts["blocked_decisions"]
    # only mailboxes left without a contact point: say where one is given (a consultant's
    # read: "Ret tilknytningsfundene" over 66 MAILBOX_UNMAPPED, each saying what is wrong
    # and none what to do; the finding itself is said once a mailbox, so the step says it)
    if own == ["MAILBOX_UNMAPPED"]:
        text = texts["blocked_unmapped"]
        # unless rows meant to map mailboxes were not used: a mapping file (or export) whose
        # NgDP Guid holds a contact point's name, or whose Accept says "OK" (a consultant's
        # read: "Tilknyt hver postkasse … i tilknytningsfilen" over mailboxes the file names,
        # with the cause, CONTACT_POINT_GUID_INVALID, named only at step 5)
        rows = _unused_rows(found)
        if rows:
            text = texts["blocked_unmapped_rows"]
            own = [*rows, *own]
        # without the contact points the editor has none to offer and nothing is suggested
        # (a consultant's read: "… eller i notebook 02 (redigeringen …)" with an empty list)
        elif any(f.code == "PENDING_CONTACT_POINTS" for f in found):
            # contact_points = "ngdp" set but not read: "følg først trin 5" sent the reader to
            # a step 5 that said to create the contact points (a consultant's read)
            text = texts[
                "blocked_unmapped_ngdp" if _ngdp_unread(found) else "blocked_unmapped_no_points"
            ]
    # step 3 blocked only by the network checks of ``--online`` on the kit's own machine: no
    # server check failed (a signer's read: "Drift retter de fejlede servertjek og kører
    # server-check.ps1 igen" over a run whose one failure was a name lookup from the laptop)
    if key == "firewall" and _only_the_kits_probes(own, found):
        text = texts["blocked_probes"]
    # the certificate held against a CVR number that is none: the settings' number is the
    # fault to fix first, not the certificate (a consultant's read: step 2 said "fix the
    # certificate findings" of a certificate that was the organisation's own)
    if key == "certificate" and set(own) == {"CERT_CVR_MISMATCH"} and _cvr_invalid(found):
        text = texts["blocked_cvr"]
    text = text or texts.get("blocked", "") or texts["to_do"]
    named = _withholding(found) if key == "dispatcher" else own
    return f"{text} {_named(named, lang)}" if named else text


def _status_text(texts: dict[str, str], status: str, found: list[Finding]) -> str:
    """A step's next action for ``status`` when nothing more particular says it. A step NgDP
    verifies, with the settings' CVR number no CVR number: correct it first (a consultant's
    read: steps 4 and 5 said to run again with --online, which could not read NgDP while
    organisation.cvr held a CPR number, and step 1 already said to correct it)."""
    if status == "not_verified" and "not_verified_cvr" in texts and _cvr_invalid(found):
        return texts["not_verified_cvr"]
    # contact_points = "ngdp" in a run that did not read NgDP: the list is read with --online,
    # not made (a consultant's read: step 5 said "Opret kontaktpunkterne fra
    # contact-point-plan.xlsx" to a customer whose contact points NgDP holds)
    if status == "to_do" and "to_do_ngdp" in texts and _ngdp_unread(found):
        cvr = "to_do_ngdp_cvr" in texts and _cvr_invalid(found)
        return texts["to_do_ngdp_cvr" if cvr else "to_do_ngdp"]
    return texts.get(status, "")


def _ngdp_unread(found: list[Finding]) -> bool:
    """Whether ``contact_points = "ngdp"`` is set and this run did not read NgDP's listing:
    ``PENDING_CONTACT_POINTS`` in its form for a key that is set."""
    return any(
        f.code == "PENDING_CONTACT_POINTS" and f.template.startswith("{key} is set") for f in found
    )


def _unused_rows(found: list[Finding]) -> list[str]:
    """The codes of the rows meant to map a mailbox that do not, each once, in order: an
    NgDP Guid that is no GUID in the mapping file or the export (not the settings'
    default_contact_point, nor a contact point's own ID), and a mapping file's row that is
    not used (a mailbox not in the export, an ID in scientific notation, an Accept mark that
    is neither yes nor no)."""
    codes = [
        f.code
        for f in found
        if f.code == "MAPPING_ROW_UNUSED"
        or (f.code == "CONTACT_POINT_GUID_INVALID" and f.template.startswith("NgDP Guid "))
    ]
    return list(dict.fromkeys(codes))


def _only_the_kits_probes(own: list[str], found: list[Finding]) -> bool:
    """Whether every error blocking with ``own``'s codes is a network check the kit ran on its
    own machine (``--online``), none a server check's: a ``NET_`` code without the ``server``
    that every finding of a server check names. The probe that gave no answer within the
    overall limit names the machine as ``value``, not ``ran``, and NgDP's read its redirect
    without either: they were taken for failed server checks."""
    blocking = [f for f in found if f.severity == "error" and f.code in own]
    return bool(blocking) and all(
        f.code.startswith("NET_") and "server" not in f.params for f in blocking
    )


def _cvr_invalid(found: list[Finding]) -> bool:
    """Whether the settings' CVR number is no CVR number (``CVR_INVALID``)."""
    return any(f.code == "CVR_INVALID" and f.severity == "error" for f in found)


def _named(codes: list[str], lang: str) -> str:
    """ "Fundet: CVR-nummeret er ugyldigt (CVR_INVALID)." (one finding; "Fundene: …" for
    more, the fifth and on counted: "…; D (d) og 2 andre.") or "The findings: CVR_INVALID."."""
    shown = [f"{title(c)} ({c})" if lang == "da" and title(c) else c for c in codes]
    more = len(shown) - NAMED_CODES
    if lang == "da":
        head = "Fundet: " if len(shown) == 1 else "Fundene: "
        rest = f" og {more} andre" if more > 0 else ""
        return head + "; ".join(shown[:NAMED_CODES]) + rest + "."
    if more > 0:
        shown = shown[:NAMED_CODES] + [f"and {more} more"]
    return "The findings: " + ", ".join(shown) + "."


HEADERS = {
    "da": ["Trin", "Hvem", "Status", "Belæg", "Næste handling"],
    "en": ["Step", "Who", "Status", "Evidence", "Next action"],
}
