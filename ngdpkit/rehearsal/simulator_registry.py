"""The organisation's records as the local NgDP serves them for reading (contract §12.1).

Shaped like real listings (the project's ``docs/ngdp-api.md``): listing entries carry no
``systemId``, ``createdDate``, ``lastUpdated`` or ``internalDescription`` (only the single
record does); one contact point is inactive but visible; a translation may lack its
``postkasseEmneId``; IDs are integers without leading zeros; pages count from 0. The
system record carries an ``apiToken`` as NgDP's does, so that a test can show the reader
never keeps it. Every request to the simulator is logged (method, path and query) so tests
can prove a reader made no request but the GETs it may make; anything but GET on these
paths is refused with 405, as a read-only client would meet a refusal for a write it should
never attempt. ``traffic`` is what a watch reads (:mod:`ngdpkit.rehearsal.simulator_traffic`): the
letters and receipts waiting and the event log under ``/events/``; ``refuse``, ``faults``
and ``delay_s`` apply to those paths too.
"""

from __future__ import annotations

import copy
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from .simulator_traffic import Traffic

API = "/apis/v1"


@dataclass
class Registry:
    organisation_id: int
    cvr: str
    name: str
    contact_points: list[dict[str, Any]]  # full records, with systemId
    system: dict[str, Any] | None
    requests: list[tuple[str, str]] = field(default_factory=list)
    refuse: tuple[str, ...] = ()  # path fragments answered with 403
    stop_listing_after: int | None = None  # pages served before an early empty page
    # Faults for tests: a path fragment -> (status, raw body) answered instead, and a delay
    # before every answer (a slow NgDP).
    faults: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    delay_s: float = 0.0
    # a Retry-After header sent with a fault of 429 or 503 (NgDP asking to come back later)
    retry_after: str | None = None
    # more organisations the search answers for the CVR (a test of an ambiguous answer)
    more_organisations: list[dict[str, Any]] = field(default_factory=list)
    traffic: Traffic = field(default_factory=Traffic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def log(self, method: str, path: str) -> None:
        with self.lock:
            self.requests.append((method, path))

    def override(self, rel: str, wait: Callable[[float], object]) -> tuple[int, Any] | None:
        """The delay (through ``wait``, which the simulator ends early when it closes), and a
        fault or a refusal a test set for ``rel`` (None: answer it)."""
        if self.delay_s:
            wait(min(self.delay_s, 30.0))
        for fragment, answer in self.faults.items():
            if fragment in rel:
                return answer
        if any(fragment in rel for fragment in self.refuse):
            return 403, _error("FORBIDDEN", "The system may not read this resource.")
        return None

    def handle(
        self, method: str, path: str, query: str, wait: Callable[[float], object] = time.sleep
    ) -> tuple[int, Any] | None:
        """(status, body) for a request under ``/organisations`` or ``/events``; None for
        other paths."""
        if not path.startswith(API + "/"):  # as NgDP: its API lies under /apis/v1 only
            return None
        rel = path[len(API) :]
        if not rel.startswith(("/organisations", "/events")):
            return None
        if method != "GET":
            return 405, _error("METHOD_NOT_ALLOWED", f"{method} is not served on {rel}")
        overridden = self.override(rel, wait)
        if overridden is not None:
            return overridden
        params = {k: v[0] for k, v in parse_qs(query).items()}
        if rel.startswith("/events"):
            if rel.rstrip("/") != "/events":
                return 404, _error("NOT_FOUND", f"No such resource: {rel}")
            return self.traffic.events_page((self.system or {}).get("id", ""), params)
        parts = [p for p in rel.split("/") if p]
        org = str(self.organisation_id)
        if parts == ["organisations"]:
            hits = (
                [self._organisation(), *copy.deepcopy(self.more_organisations)]
                if params.get("cvrNumber") == self.cvr
                else []
            )
            return 200, {
                "organisations": hits,
                "currentPage": 0,
                "totalPages": 1,
                "elementsOnPage": len(hits),
                "totalElements": len(hits),
            }
        if len(parts) >= 2 and parts[1] != org:
            return 404, _error("NOT_FOUND", "No such organisation.")
        if parts[2:] == ["contact-points"]:
            refused = _refused_query(params)
            if refused is not None:
                return 400, _error("BAD_REQUEST", refused)
            return 200, self._page(params)
        if len(parts) == 4 and parts[2] == "contact-points":
            for cp in self.contact_points:
                if cp["id"] == parts[3]:
                    return 200, copy.deepcopy(cp)
            return 404, _error("NOT_FOUND", "No such contact point.")
        if (
            len(parts) == 4
            and parts[2] == "systems"
            and self.system
            and parts[3] == self.system["id"]
        ):
            return 200, copy.deepcopy(self.system)
        return 404, _error("NOT_FOUND", f"No such resource: {rel}")

    def _organisation(self) -> dict[str, Any]:
        return {"id": self.organisation_id, "name": self.name, "cvrNumber": self.cvr}

    def _page(self, params: dict[str, str]) -> dict[str, Any]:
        page = int(params.get("page", "0") or 0)
        size = max(1, min(int(params.get("size", "20") or 20), 100))
        visibility = params.get("visibility", "VISIBLE")
        points = [
            cp
            for cp in self.contact_points
            if visibility == "ALL" or (cp.get("visible") is not False) == (visibility == "VISIBLE")
        ]
        chunk = points[page * size : (page + 1) * size]
        if self.stop_listing_after is not None and page >= self.stop_listing_after:
            chunk = []
        listed = [
            {k: v for k, v in cp.items() if k not in _SINGLE_ONLY} for cp in copy.deepcopy(chunk)
        ]
        return {
            "contactPoints": listed,
            "currentPage": page,
            "totalPages": (len(points) + size - 1) // size,
            "elementsOnPage": len(listed),
            "totalElements": len(points),
        }


VISIBILITY = ("VISIBLE", "HIDDEN", "ALL")


def _refused_query(params: dict[str, str]) -> str | None:
    """Why NgDP would answer 400 to this query of the contact points (None: it would not):
    an unknown ``visibility`` (an enum: VISIBLE, HIDDEN or ALL), a ``page`` or ``size`` that
    is no whole number, a negative page, a size outside 1-100 (the contract's page bound; a
    reader asking for more must meet a refusal here, never a kinder answer than NgDP's)."""
    if "visibility" in params and params["visibility"] not in VISIBILITY:
        return "visibility is one of VISIBLE, HIDDEN, ALL."
    for name in ("page", "size"):
        if name in params and re.fullmatch(r"[0-9]{1,9}", params[name]) is None:
            return f"{name} is a whole number, 0 or more."
    if "size" in params and not 1 <= int(params["size"]) <= 100:
        return "size is from 1 to 100."
    return None


_SINGLE_ONLY = {"systemId", "createdDate", "lastUpdated", "internalDescription"}


def _error(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "fieldErrors": []}


def contact_point_json(
    guid: str,
    name: str,
    *,
    targets: list[str],
    visible: bool,
    active: bool = True,
    system_id: str,
    translations: list[tuple[int, int | None]],
) -> dict[str, Any]:
    """One contact point as NgDP's single record spells it."""
    return {
        "id": guid,
        "version": 3,
        "createdDate": "2026-01-05T09:14:02.000Z",
        "lastUpdated": "2026-02-11T13:40:55.000Z",
        "name": name,
        "description": "",
        "internalDescription": "oprettet til WorkZone-overgangen",
        "targets": targets,
        "active": active,
        "visible": visible,
        "organisationId": None,
        "systemId": system_id,
        "translations": [
            {"id": i + 1, "version": 1, "postkasseId": p}
            | ({"postkasseEmneId": e} if e is not None else {})
            for i, (p, e) in enumerate(translations)
        ],
    }


TARGETS = {"borgere": "CITIZEN", "virksomheder": "COMPANY", "myndigheder": "AUTHORITY"}


def registry_for(
    *,
    cvr: str,
    name: str,
    points: list[Any],
    system_id: str,
    protocol: str,
    server_ips: tuple[str, ...],
    push: dict[str, str] | None,
    certificate: Any = None,
) -> Registry:
    """A registry seeded from the environment's contact points (as the kit read them) and
    its plan, with the quirks of real listings added: one more contact point, inactive but
    visible, whose only translation has no emne."""
    from cryptography.hazmat.primitives import hashes

    org_id = 48213
    cps = [
        contact_point_json(
            p.id,
            p.name,
            targets=[TARGETS.get(str(t).lower(), str(t).upper()) for t in p.targets],
            visible=bool(p.visible) if p.visible is not None else True,
            active=bool(p.active) if p.active is not None else True,
            system_id=p.system_id or system_id,
            translations=list(p.translations),
        )
        for p in points
    ]
    cps.append(
        contact_point_json(
            str(uuid.uuid5(uuid.NAMESPACE_URL, f"ngdpkit-sim-retired-{cvr}")),
            "Gammel postkasse (lukket)",
            targets=["CITIZEN"],
            visible=True,
            active=False,
            system_id=system_id,
            translations=[(999001, None)],
        )
    )
    system = {
        "id": system_id,
        "name": f"WorkZone ({protocol})",
        "serviceProtocol": protocol,
        "allowedIps": [
            {"id": i + 1, "version": 1, "ip": ip, "range": "/" in ip}
            for i, ip in enumerate(server_ips)
        ],
        "endpoint": (push or {}).get("message_endpoint"),
        "receiptEndpoint": (push or {}).get("receipt_endpoint"),
        "systemTypes": ["SENDER", "RECIPIENT"],
        "receiptFormat": "MEMO",
        "apiToken": {
            "value": "sim-token-never-kept",
            "authenticationToken": "x",
            "lastUpdated": None,
        },
        "ocesPublicCertificate": None,
    }
    if certificate is not None:
        system["ocesPublicCertificate"] = {
            "certificateSerialNumber": str(certificate.serial_number),  # decimal, as a guess
            "sha1": certificate.fingerprint(hashes.SHA1()).hex(":").upper(),  # noqa: S303
            "expiryDate": certificate.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    return Registry(org_id, cvr, name, cps, system)


def registry_from_settings(settings: Any, env: Any) -> Registry:
    """The registry a local NgDP serves for ``env``: its contact points file as NgDP would
    list it, its system as planned, and its public certificate as the one uploaded."""
    from ..checks.system import push_endpoints
    from ..inputs.contact_points import read_contact_points

    points = []
    if env.contact_points is not None:
        points = read_contact_points(
            env.contact_points, label=settings.rel(env.contact_points), system_id=env.system_id
        ).points
    push = (
        push_endpoints(env.push_base_url, env.system_id or "")
        if env.protocol == "REST_PUSH" and env.push_base_url
        else None
    )
    return registry_for(
        cvr=settings.organisation.cvr,
        name=settings.organisation.name,
        points=list(points),
        system_id=env.system_id or "",
        protocol=env.protocol,
        server_ips=env.server_ips,
        push=push,
        certificate=_public_certificate(settings, env),
    )


def _public_certificate(settings: Any, env: Any) -> Any:
    """The environment's certificate without its key: the public .pem beside a .p12 (as
    the sample ships it), or the .p12 opened with its password when that is at hand."""
    from cryptography import x509

    from ..checks.certificates import load_certificate
    from ..secrets import resolve

    if env.certificate is None:
        return None
    pem = env.certificate.with_suffix(".pem")
    if pem.is_file():
        try:
            return x509.load_pem_x509_certificate(pem.read_bytes())
        except ValueError:
            pass
    password = resolve(env.certificate_password_env, secrets_file=settings.secrets_file)
    try:
        loaded = load_certificate(env.certificate, label=env.certificate.name, password=password)
    except Exception:  # noqa: BLE001  (no certificate in the registry then: NGDP_CERT_NOT_UPLOADED)
        return None
    return loaded.leaf
