"""What to type into Administrativ Adgang (``portal-registration.json`` and its page,
contract §7): the system's values, the portal's notes, and the translations (postkasse →
contact point) this run maps.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..inputs.mapping import PlanEntry

from ..checks.system import PushEndpoints, push_endpoints, usable_push_url
from ..settings import Environment

# Each note names its source (the vendor page, NgDP's API, digst.dk; docs/domain.md) or "inferred":
# the person at the portal types what these say.
PORTAL_NOTES = {
    "en": (
        "KMD's guides say WorkZone supports REST_PULL, and that REST_PUSH works but is more complex: its two endpoints must be public HTTPS endpoints of the Push Service, reachable from the Internet (vendor page).",
        "NgDP deactivates a receiving system that cannot receive post at all for 7 days; one message received within the 7 days keeps it active, and warning mails go out first (digst.dk).",
        "After saving, download the PDF that documents the system, and note the system ID and the authorization header (vendor page). The header is a secret: it goes to whoever enters it in WorkZone through the channel agreed with the customer (authorization_handover), and to ngdpkit's runs through the CI secret store or the secrets file; never into the settings or an email.",
        "Upload the public part of this environment's certificate (never the .p12 with its key) to the system (NgDP API: Upload OCES public certificate). Renewing the system's API token removes the uploaded certificate (NgDP API, renewapitoken): upload it again after a renewal (inferred consequence).",
        "Attach every contact point to this system: without a contact point for the receiving system, replies go to the organisation's standard mailbox and may not be saved on cases in WorkZone (vendor page). Each contact point needs at least one target; one that should only receive replies may be hidden (vendor page).",
        "Postkasse and emne IDs are integers in NgDP (NgDP API): the export's 0010807 is postkasse 10807, so a translation the portal shows without leading zeros is the same mailbox.",
        "receipt_format MEMO is ngdpkit's suggestion for WorkZone (inferred); the portal also offers DP and DP2.",
    ),
    "da": (
        "KMD's vejledninger siger, at WorkZone understøtter REST_PULL, og at REST_PUSH virker, men er mere kompleks: de to endepunkter skal være offentlige HTTPS-endepunkter i Push Service, som kan nås fra internettet (leverandørens vejledning).",
        "NgDP deaktiverer et modtagersystem, der slet ikke har kunnet modtage post i 7 dage; én modtaget meddelelse inden for de 7 dage holder det aktivt, og der sendes advarselsmails først (digst.dk).",
        "Når systemet er gemt: hent den PDF, der dokumenterer det, og notér system-ID og autorisationsheader (leverandørens vejledning). Headeren er en hemmelighed: den gives til den, der indtaster den i WorkZone, gennem den kanal, der er aftalt med kunden (authorization_handover), og til ngdpkits kørsler gennem CI's hemmelighedslager eller secrets-filen; aldrig i indstillingerne eller en mail.",
        "Upload den offentlige del af miljøets certifikat (aldrig .p12-filen med nøglen) til systemet (NgDP's API: Upload OCES public certificate). Fornyes systemets API-token, fjernes det uploadede certifikat (NgDP's API, renewapitoken): upload det igen efter en fornyelse (udledt følge).",
        "Knyt hvert kontaktpunkt til dette system: uden et kontaktpunkt for modtagersystemet går svar til organisationens standardpostkasse og bliver måske ikke gemt på sager i WorkZone (leverandørens vejledning). Hvert kontaktpunkt skal have mindst én målgruppe; et, der kun skal modtage svar, kan skjules (leverandørens vejledning).",
        "Postkasse- og emne-ID'er er heltal i NgDP (NgDP's API): eksportens 0010807 er postkasse 10807, så en oversættelse, portalen viser uden foranstillede nuller, er den samme postkasse.",
        "Kvitteringsformatet MEMO er ngdpkits forslag til WorkZone (udledt); portalen tilbyder også DP og DP2.",
    ),
}


# The registration as step 04 stores it (``results.portal``) and ``portal-registration.json``
# holds it: each record's fields are the file's keys, in the file's order.


@dataclass(frozen=True, slots=True)
class PortalSystem:
    name: str
    protocol: str
    allowed_ips: tuple[str, ...]
    endpoints: PushEndpoints | None
    receipt_format: str
    system_id: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PortalContactPoint:
    """A contact point to type into the portal: an existing one (``id``, and the
    translations it has that this run does not map, ``existing_not_mapped``) or, without
    contact points, one of the plan (``proposed``). The file leaves out the keys the other
    kind has (``id`` and ``existing_not_mapped`` None, ``proposed`` false)."""

    name: str
    id: str | None = None
    targets: tuple[str, ...]
    visible: bool
    translations: tuple[str, ...]  # postkasse or postkasse:emne, as the export writes them
    existing_not_mapped: tuple[str, ...] | None = None
    proposed: bool = False


@dataclass(frozen=True, slots=True)
class PortalRegistration:
    """What to type into Administrativ Adgang (``portal-registration.json``)."""

    schema: str
    environment: str
    kind: str
    portal: str
    system: PortalSystem
    contact_points: tuple[PortalContactPoint, ...]
    notes: tuple[str, ...]

    @classmethod
    def of(cls, data: dict[str, Any]) -> PortalRegistration:
        """:func:`portal_registration`'s dict (or a file's) as the typed record; a
        ValueError says what does not fit."""
        from ..inputs.typed import structure

        return structure(data, cls)

    def to_json(self) -> dict[str, Any]:
        """As ``portal-registration.json`` holds it."""
        from ..inputs.typed import unstructure

        data: dict[str, Any] = unstructure(self)
        return data


def _register_contact_point() -> None:
    """The converter leaves out a contact point's keys its kind does not have (a field at
    its default), the others in the fields' order."""
    from ..inputs.typed import converter

    optional = [(f.name, f.default) for f in fields(PortalContactPoint)]

    def unstructure(point: PortalContactPoint) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, default in optional:
            value = getattr(point, name)
            if default is MISSING or value != default:
                out[name] = list(value) if isinstance(value, tuple) else value
        return out

    converter.register_unstructure_hook(PortalContactPoint, unstructure)


_register_contact_point()


def portal_registration(
    env: Environment,
    *,
    contact_points: list[dict[str, Any]] | None,
    plan: tuple[PlanEntry, ...] | None,
) -> dict[str, Any]:
    """What to type into Administrativ Adgang, in the portal's order."""
    endpoints = None
    # a push_base_url its own check refuses (PUSH_URL_INVALID) gives no endpoints to type in
    # (an administrator's look: ".../a'b/api/MeMoV1/..." reached the portal values)
    if env.protocol == "REST_PUSH" and usable_push_url(env.push_base_url, env.protocol):
        endpoints = push_endpoints(env.push_base_url or "", env.system_id or "<systemid>")
    points = (
        contact_points
        if contact_points is not None
        else [
            {
                "name": p.name,
                "targets": list(p.targets),
                "visible": p.visible,
                "translations": list(p.translations),
                "proposed": True,
            }
            for p in plan or ()
        ]
    )
    return {
        "schema": "ngdpkit/portal-registration/1",
        "environment": env.name,
        "kind": env.kind,
        "portal": "https://admin.digitalpost.dk (Administrativ Adgang)",
        "system": {
            "name": env.system_name or f"WorkZone {env.name}",
            "protocol": env.protocol,
            "allowed_ips": list(env.server_ips),
            "endpoints": endpoints,
            "receipt_format": "MEMO",
            "system_id": env.system_id,
        },
        "contact_points": points,
        "notes": list(PORTAL_NOTES["en"]),
    }


PORTAL_LABELS = {
    "da": {
        "name": "Systemnavn",
        "protocol": "Protokol",
        "allowed_ips": "IP-adresser",
        "receipt_endpoint": "Endepunkt for kvitteringer",
        "message_endpoint": "Endepunkt for meddelelser (MeMo)",
        "receipt_format": "Kvitteringsformat",
        "contact_points": "Kontaktpunkter",
    },
    "en": {
        "name": "System name",
        "protocol": "Protocol",
        "allowed_ips": "IP addresses",
        "receipt_endpoint": "Receipt endpoint",
        "message_endpoint": "Message endpoint (MeMo)",
        "receipt_format": "Receipt format",
        "contact_points": "Contact points",
    },
}


NOT_GIVEN = {"da": "ikke angivet endnu (server_ips)", "en": "not given yet (server_ips)"}


def portal_fields(portal: PortalRegistration, language: str) -> list[tuple[str, Any]]:
    """The portal's fields in its order, numbered the same way for PULL and PUSH."""
    labels = PORTAL_LABELS["da" if language == "da" else "en"]
    s = portal.system
    values: list[tuple[str, Any]] = [
        ("name", s.name),
        ("protocol", s.protocol),
        # an empty cell read as if the portal needed nothing there (a customer's read)
        ("allowed_ips", ", ".join(s.allowed_ips) or NOT_GIVEN["da" if language == "da" else "en"]),
    ]
    if s.endpoints:
        values += [
            ("receipt_endpoint", s.endpoints.receipt_endpoint),
            ("message_endpoint", s.endpoints.message_endpoint),
        ]
    values += [
        ("receipt_format", s.receipt_format),
        ("contact_points", len(portal.contact_points)),
    ]
    return [(f"{i}. {labels[key]}", value) for i, (key, value) in enumerate(values, start=1)]


def mapped_translations(mapping: Any) -> dict[str, list[str]]:
    """Contact point GUID -> every postkasse (``id`` or ``id:emne``) this run maps to it, from
    whatever source, with the IDs exactly as the export writes them, each once."""
    if mapping is None or not len(mapping):
        return {}
    chosen = mapping.loc[
        (mapping["status"] == "mapped") & (mapping["ngdp_guid"] != ""),
        ["ngdp_guid", "mailbox_id", "subject_id"],
    ].astype(str)
    out: dict[str, dict[str, None]] = {}
    for guid, mid, sid in zip(
        chosen["ngdp_guid"].tolist(),
        chosen["mailbox_id"].tolist(),
        chosen["subject_id"].tolist(),
        strict=True,
    ):
        out.setdefault(guid, {})[f"{mid}:{sid}" if sid else mid] = None
    return {guid: list(entries) for guid, entries in out.items()}


def mapped_keys(mapping: Any) -> set[tuple[int, int | None]]:
    """(postkasse, emne) of every mapped row as integers, as NgDP stores translations."""
    import pandas as pd

    if mapping is None or not len(mapping):
        return set()
    chosen = mapping.loc[mapping["status"] == "mapped", ["mailbox_id", "subject_id"]]
    mid = pd.to_numeric(chosen["mailbox_id"], errors="coerce")
    sid = pd.to_numeric(chosen["subject_id"].replace("", None), errors="coerce")
    return {
        (int(m), None if s != s else int(s))
        for m, s in zip(mid.tolist(), sid.tolist(), strict=True)
        if m == m
    }
