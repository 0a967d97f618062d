"""The checklist (``checklist.xlsx``, ``signoff/checklist.html``): every step of the vendor
page for one environment, who does it, its status derived from the run's findings (done /
to do / blocked) and the next action in one sentence (contract §11).

The kit cannot see into the portal or WorkZone: a step it cannot observe is "to do" until
the findings prove otherwise (the dispatcher stays "to do" even when its values are ready:
someone still has to type them in).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .findings import Finding

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
    "da": {"done": "færdig", "todo": "mangler", "blocked": "blokeret"},
    "en": {"done": "done", "todo": "to do", "blocked": "blocked"},
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
        (
            "agreement",
            "todo",
        ): "Log ind i Administrativ Adgang (admin.digitalpost.dk) med MitID Erhverv og opret systemet.",
        ("agreement", "done"): "Intet: organisationen har adgang (systemet har et ID).",
        (
            "certificate",
            "todo",
        ): "Bestil et FOCES3/VOCES3-certifikat til miljøet gennem MitID Erhverv.",
        (
            "certificate",
            "blocked",
        ): "Ret certifikatfundene ovenfor (adgangskode, kæde, miljø, udløb eller CVR).",
        ("certificate", "done"): "Drift kører install-certificate.ps1 på hver server.",
        (
            "firewall",
            "todo",
        ): "Send firewall-rules.xlsx til drift og få server-check.ps1 kørt på hver server.",
        (
            "firewall",
            "blocked",
        ): "Drift retter de fejlede servertjek og kører server-check.ps1 igen.",
        ("firewall", "done"): "Intet: servertjekkene er gennemført uden fejl.",
        (
            "system",
            "todo",
        ): "Opret systemet med værdierne på siden Registrering i Administrativ Adgang.",
        (
            "system",
            "blocked",
        ): "Ret systemfundene ovenfor (system-ID, protokol, IP-adresser eller autorisation).",
        ("system", "done"): "Intet: systemet er registreret og stemmer med indstillingerne.",
        (
            "contact_points",
            "todo",
        ): "Opret kontaktpunkterne fra contact-point-plan.xlsx og eksportér listen.",
        ("contact_points", "blocked"): "Ret kontaktpunktsfundene ovenfor.",
        ("contact_points", "done"): "Intet: kontaktpunkterne er på plads.",
        ("mapping", "todo"): "Tilknyt de resterende postkasser (se mapping-suggestions.xlsx).",
        ("mapping", "blocked"): "Ret tilknytningsfundene ovenfor.",
        ("mapping", "done"): "Indlæs mailbox-mapping.xlsx i WorkZone (Mailbox mappings).",
        (
            "dispatcher",
            "todo",
        ): "Indtast værdierne fra siden NgDP-dispatcher i WorkZone Configurator.",
        (
            "dispatcher",
            "blocked",
        ): "Afvent de blokerende fund; konfigurationen holdes tilbage til da.",
        ("acceptance", "todo"): "Kør ngdpkit rehearse --against ngdp, når alt ovenfor er færdigt.",
        ("acceptance", "done"): "Intet: accepttesten mod NgDP er gennemført.",
    },
    "en": {
        (
            "agreement",
            "todo",
        ): "Log in to Administrativ Adgang (admin.digitalpost.dk) with MitID Erhverv and create the system.",
        ("agreement", "done"): "Nothing: the organisation has access (the system has an ID).",
        (
            "certificate",
            "todo",
        ): "Order a FOCES3/VOCES3 certificate for the environment through MitID Erhverv.",
        (
            "certificate",
            "blocked",
        ): "Fix the certificate findings above (password, chain, environment, expiry or CVR).",
        ("certificate", "done"): "Operations run install-certificate.ps1 on every server.",
        (
            "firewall",
            "todo",
        ): "Send firewall-rules.xlsx to operations and have server-check.ps1 run on every server.",
        (
            "firewall",
            "blocked",
        ): "Operations fix the failed server checks and run server-check.ps1 again.",
        ("firewall", "done"): "Nothing: the server checks passed.",
        ("system", "todo"): "Create the system with the values on the Administrativ Adgang page.",
        (
            "system",
            "blocked",
        ): "Fix the system findings above (system ID, protocol, IP addresses or authorization).",
        ("system", "done"): "Nothing: the system is registered and matches the settings.",
        (
            "contact_points",
            "todo",
        ): "Create the contact points from contact-point-plan.xlsx and export the list.",
        ("contact_points", "blocked"): "Fix the contact point findings above.",
        ("contact_points", "done"): "Nothing: the contact points are in place.",
        ("mapping", "todo"): "Map the remaining mailboxes (see mapping-suggestions.xlsx).",
        ("mapping", "blocked"): "Fix the mapping findings above.",
        ("mapping", "done"): "Load mailbox-mapping.xlsx into WorkZone (Mailbox mappings).",
        (
            "dispatcher",
            "todo",
        ): "Enter the values of the NgDP dispatcher page in WorkZone Configurator.",
        (
            "dispatcher",
            "blocked",
        ): "Wait for the blocking findings; the configuration is withheld until then.",
        (
            "acceptance",
            "todo",
        ): "Run ngdpkit rehearse --against ngdp once everything above is done.",
        ("acceptance", "done"): "Nothing: the acceptance test against NgDP passed.",
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
BLOCKING = {
    "certificate": ("CERT_",),
    "firewall": ("NET_",),
    "system": ("SYSTEM_", "PROTOCOL_", "IP_", "PUSH_URL_", "AUTHORIZATION_", "NGDP_API_URL_"),
    "contact_points": ("CONTACT_POINT", "DEFAULT_CONTACT_POINT"),
    "mapping": ("MAILBOX_", "CELL_", "MAPPING_"),
}


@dataclass(frozen=True)
class Item:
    key: str
    status: str  # done, todo, blocked


def items(
    findings: Iterable[Finding],
    *,
    system_id: str | None,
    dispatcher: dict[str, Any] | None,
    evidence: list[dict[str, Any]] | None,
    acceptance_against_ngdp_ok: bool,
) -> list[Item]:
    """The eight steps with their status, derived from the findings and the run's records."""
    found = list(findings)
    codes = {f.code for f in found}
    errors = {f.code for f in found if f.severity == "error"}

    def blocked(key: str) -> bool:
        return any(c.startswith(BLOCKING[key]) for c in errors)

    out = [Item("agreement", "done" if system_id else "todo")]
    if "PENDING_CERTIFICATE" in codes:
        out.append(Item("certificate", "todo"))
    else:
        out.append(Item("certificate", "blocked" if blocked("certificate") else "done"))
    if not evidence or "NET_EVIDENCE_MISSING" in codes:
        out.append(Item("firewall", "blocked" if blocked("firewall") else "todo"))
    else:
        out.append(Item("firewall", "blocked" if blocked("firewall") else "done"))
    if "PENDING_SYSTEM_ID" in codes:
        out.append(Item("system", "todo"))
    else:
        out.append(Item("system", "blocked" if blocked("system") else "done"))
    if "PENDING_CONTACT_POINTS" in codes:
        out.append(Item("contact_points", "todo"))
    else:
        out.append(Item("contact_points", "blocked" if blocked("contact_points") else "done"))
    if "PENDING_MAPPING" in codes or "MAILBOX_UNMAPPED" in codes:
        others = errors - {"MAILBOX_UNMAPPED"}
        out.append(
            Item(
                "mapping",
                "blocked" if any(c.startswith(BLOCKING["mapping"]) for c in others) else "todo",
            )
        )
    else:
        out.append(Item("mapping", "blocked" if blocked("mapping") else "done"))
    out.append(Item("dispatcher", "todo" if dispatcher and dispatcher.get("ready") else "blocked"))
    out.append(Item("acceptance", "done" if acceptance_against_ngdp_ok else "todo"))
    return out


def rows(checklist: list[Item], language: str) -> list[tuple[str, str, str, str]]:
    """(step, who, status word, next action) in the document's language."""
    lang = "da" if language == "da" else "en"
    return [
        (
            f"{i}. {STEPS[lang][item.key]}",
            ", ".join(WHO[lang][w] for w in WHO_OF[item.key]),
            STATUS[lang][item.status],
            NEXT[lang].get((item.key, item.status)) or NEXT[lang].get((item.key, "todo"), ""),
        )
        for i, item in enumerate(checklist, start=1)
    ]


HEADERS = {
    "da": ["Trin", "Hvem", "Status", "Næste handling"],
    "en": ["Step", "Who", "Status", "Next action"],
}
