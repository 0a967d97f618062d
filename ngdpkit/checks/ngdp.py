"""Reading NgDP itself, read-only (contract §12.1; the API facts are in the project's
``docs/ngdp-api.md``).

With ``--online``, a run reads the organisation's own records from the environment's NgDP:
the organisation by CVR, every contact point (all pages from page 0, hidden ones too), the
single record of each contact point in use when the listing lacks its ``systemId`` (real
listings do), and the system registration. What it saw is an :class:`NgdpObservation`,
typed all the way down and written to ``ngdp-observed.json`` (no token: ``apiToken`` is
never read into it).

The reader makes **GET requests only**, and only the four reads the contract allows
(:data:`ALLOWED`: a path shape and exactly its query parameters); anything else raises
before a byte is sent (:func:`guarded_get`, which ``watch`` shares with its own
allow-list). Every request
presents the environment's client certificate and authorization header and shares one
hard deadline (:class:`ngdpkit.checks.deadline.BoundedClient`). A 401/403 is one
``NGDP_READ_REFUSED`` warning naming the path, and the run goes on with its files; a
redirect is ``NET_REDIRECT``; a 5xx, a malformed body, a timeout or a connection fault
is ``NGDP_READ_FAILED`` (warning) naming the path: never a traceback. Nothing the API
returns is used as a path or as HTML: names and IDs are data, escaped where shown.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .. import findings as F
from ..findings import Finding
from ..guids import canonical_guid
from ..inputs import is_number
from ..redact import authorization_header

PAGE_SIZE = 100
MAX_PAGES = 1000
SCHEMA = "ngdpkit/ngdp-observed/1"


@dataclass(frozen=True)
class Read:
    """A read the kit may make: ``GET`` on a path of this shape with exactly these query
    parameters, each value matching its pattern (whole value)."""

    path: str
    params: tuple[tuple[str, str], ...] = ()

    def allows(self, path: str, params: Mapping[str, Any] | None) -> bool:
        given = {name: str(value) for name, value in (params or {}).items()}
        if re.fullmatch(self.path, path) is None or set(given) != {n for n, _ in self.params}:
            return False
        return all(re.fullmatch(shape, given[name]) for name, shape in self.params)


_ORG_ID = r"[0-9A-Za-z-]{1,64}"
ALLOWED = (
    Read(r"/organisations/", (("cvrNumber", r"[^\r\n]{1,64}"),)),
    Read(
        rf"/organisations/{_ORG_ID}/contact-points/",
        # what the kit sends: pages 0 to MAX_PAGES - 1, PAGE_SIZE a page (CONTRACT: at most
        # 100); a size of 999 was allowed, a read the contract does not
        (("visibility", "ALL"), ("page", r"[0-9]{1,3}"), ("size", str(PAGE_SIZE))),
    ),
    Read(rf"/organisations/{_ORG_ID}/contact-points/[0-9a-f-]{{36}}"),
    Read(rf"/organisations/{_ORG_ID}/systems/[0-9a-f-]{{36}}"),
)


@dataclass(frozen=True)
class Translation:
    """A postkasse (and subject) that NgDP translates to a contact point; IDs are integers
    (an export's ``0100200`` is postkasse 100200); no subject covers every subject."""

    postkasse: int
    emne: int | None = None


@dataclass(frozen=True)
class ObservedContactPoint:
    id: str
    name: str
    targets: tuple[str, ...] = ()
    active: bool | None = None
    visible: bool | None = None
    system_id: str | None = None
    translations: tuple[Translation, ...] = ()


@dataclass(frozen=True)
class ObservedCertificate:
    """The certificate uploaded for the system (OcesPublicCertificateCheck)."""

    serial_number: str = ""
    sha1: str = ""
    expiry: str = ""
    subject_serial: str = ""


@dataclass(frozen=True)
class ObservedSystem:
    id: str
    name: str = ""
    protocol: str = ""
    allowed_ips: tuple[str, ...] = ()
    endpoint: str | None = None
    receipt_endpoint: str | None = None
    certificate: ObservedCertificate | None = None


@dataclass(frozen=True)
class ObservedOrganisation:
    id: str
    name: str = ""
    cvr: str = ""


@dataclass(frozen=True)
class NgdpObservation:
    """What the run read from NgDP. ``contact_points`` is None when the listing was not
    read; ``listing_total`` is what NgDP said it holds, ``listing_read`` what came."""

    fetched_at: str
    base_url: str
    organisation: ObservedOrganisation | None = None
    system: ObservedSystem | None = None
    contact_points: tuple[ObservedContactPoint, ...] | None = None
    listing_total: int | None = None
    listing_read: int = 0
    refused: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    # what made the listing untrustworthy as a whole (it loops back, contradicts itself,
    # holds entries that are no contact point): such a listing is never complete
    listing_faults: tuple[str, ...] = ()
    schema: str = SCHEMA

    @property
    def listing_complete(self) -> bool:
        return (
            self.contact_points is not None
            and not self.listing_faults
            and (self.listing_total is None or self.listing_read >= self.listing_total)
        )

    def by_id(self) -> dict[str, ObservedContactPoint]:
        return {p.id: p for p in self.contact_points or ()}

    def to_json(self) -> dict[str, Any]:
        from ..inputs.typed import unstructure

        return unstructure(self)  # type: ignore[no-any-return]

    @classmethod
    def from_json(cls, data: Any) -> NgdpObservation:
        """The observation back from ``ngdp-observed.json`` (a ValueError when it is not one)."""
        from ..inputs.typed import structure

        return structure(data, cls)


class NotAllowed(Exception):
    """A request the reader must never make (a path or query outside its allow-list)."""


def guarded_get(
    client: Any,
    base_url: str,
    path: str,
    params: Mapping[str, Any] | None,
    allowed: tuple[Read, ...],
) -> Any:
    """``GET base_url + path`` when ``allowed`` holds it, else :class:`NotAllowed` before a
    byte is sent; httpx's errors pass to the caller. The only way the readers reach NgDP."""
    if not any(read.allows(path, params) for read in allowed):
        shown = "&".join(f"{k}={v}" for k, v in (params or {}).items())
        raise NotAllowed(f"GET {path}{'?' if shown else ''}{shown} is not a read the kit may make")
    return client.request("GET", base_url.rstrip("/") + path, params=dict(params or {}))


@contextlib.contextmanager
def mtls_client(
    identity: Any,
    header: str,
    *,
    ca_file: str | None,
    total_s: float,
    timeout_s: float,
    trust_env: bool,
) -> Iterator[Any]:
    """A :class:`~ngdpkit.checks.deadline.BoundedClient` presenting ``identity`` (a loaded
    certificate with its key) and the authorization ``header``: every request ends within
    ``total_s`` of now, redirects are never followed, proxies from the environment only for
    NgDP's official address (``trust_env``)."""
    import time

    from .deadline import BoundedClient
    from .probes import client_tls_context

    with contextlib.ExitStack() as stack:
        ctx = stack.enter_context(
            client_tls_context(identity.leaf, identity.key, identity.extra, cafile=ca_file)
        )
        yield stack.enter_context(
            BoundedClient(
                deadline=time.monotonic() + total_s,
                verify=ctx,
                timeout=timeout_s,
                headers={"Authorization": authorization_header(header)},
                trust_env=trust_env,
                follow_redirects=False,
            )
        )


@dataclass
class NgdpReader:
    """GET requests to one environment's NgDP, under one deadline, findings collected."""

    client: Any  # a BoundedClient presenting the client certificate and the header
    base_url: str
    source: str
    findings: list[Finding] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    # NgDP answered 429 or 503 (too many requests, busy): nothing more is sent, so that a
    # throttled run does not go on knocking (one finding said it and when to run again)
    busy: bool = False

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """The JSON body of ``GET path`` or None (a finding says why)."""
        import httpx

        if self.busy:
            self.failed.append(path)
            return None
        url = self.base_url.rstrip("/") + path
        try:
            response = guarded_get(self.client, self.base_url, path, params, ALLOWED)
        except httpx.TimeoutException:
            return self._failed(path, "no complete answer before the deadline")
        except httpx.HTTPError as exc:
            from ..redact import clip

            return self._failed(path, f"{type(exc).__name__}: {clip(str(exc), 160)}")
        status = response.status_code
        if status in (401, 403):
            self.refused.append(path)
            self.findings.append(
                F.warning(
                    "NGDP_READ_REFUSED",
                    "NgDP refused to read {path} (HTTP {status}); the run uses the settings' files for it.",
                    self.source,
                    path,
                    path=path,
                    status=status,
                )
            )
            return None
        if 300 <= status < 400:
            self.failed.append(path)
            self.findings.append(
                F.error(
                    "NET_REDIRECT",
                    "{url} answered with a redirect (HTTP {status}); it is never followed.",
                    self.source,
                    path,
                    url=url,
                    status=status,
                )
            )
            return None
        if status == 404:
            return _NOT_FOUND
        if status in BUSY:
            self.failed.append(path)
            self.busy = True
            msg, said = busy_message(response)
            self.findings.append(
                F.warning("NGDP_READ_FAILED", msg, self.source, path, path=path, **said)
            )
            return None
        if status != 200:
            return self._failed(path, f"HTTP {status}")
        from .deadline import TEXT_TOO_LONG, AnswerRefused, answer_json

        try:
            body = answer_json(response)  # an echoed secret is hidden as it is read
        except AnswerRefused:
            return self._failed(path, TEXT_TOO_LONG)
        except (ValueError, RecursionError):
            return self._failed(path, "the answer is not JSON")
        if body is None:  # JSON's null: no record, and None says "failed" to the callers
            return self._failed(path, NOT_AN_OBJECT)
        return body

    def _failed(self, path: str, why: str) -> None:
        self.failed.append(path)
        self.findings.append(
            F.warning(
                "NGDP_READ_FAILED",
                "Reading {path} from NgDP failed ({reason}); the run uses the settings' files for it.",
                self.source,
                path,
                path=path,
                reason=why,
            )
        )
        return None


_NOT_FOUND = object()
# NgDP's answers that ask the caller to come back later: too many requests, busy
BUSY = (429, 503)


# the longest wait the kit names: six digits of seconds (about 11 days); a longer one, or
# a date further ahead, is no wait the kit repeats (the wording without a time is used)
MAX_RETRY_AFTER = 999_999


def retry_after(response: Any) -> int | None:
    """The seconds a ``Retry-After`` header asks for: a number (at most six digits) or an HTTP
    date (RFC 9110), counted from the answer's ``Date`` header when it has a readable one,
    else from this machine's clock. None for none, a date not ahead of that, more than
    :data:`MAX_RETRY_AFTER` seconds, or anything else (never quoted: it is NgDP's text)."""
    value = str(response.headers.get("Retry-After") or "").strip()
    if re.fullmatch(r"[0-9]{1,6}", value):
        return int(value)
    until = _http_date(value)
    if until is None:
        return None
    sent = _http_date(str(response.headers.get("Date") or "").strip())
    now = sent if sent is not None else dt.datetime.now(dt.UTC)
    seconds = math.ceil((until - now).total_seconds())
    return seconds if 0 < seconds <= MAX_RETRY_AFTER else None


def _http_date(value: str) -> dt.datetime | None:
    """An HTTP date (``Wed, 09 Dec 2026 10:00:00 GMT``, or the obsolete forms RFC 9110 still
    accepts) as an aware UTC time; None for anything else."""
    from email.utils import parsedate_to_datetime

    if not value or len(value) > 64 or not re.search(r"[A-Za-z]", value):
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def busy_message(response: Any) -> tuple[str, dict[str, Any]]:
    """The template and parameters of the one warning for a 429 or 503: what NgDP answered,
    how long it asked to be left alone when it said so, that nothing more was read, and when
    to run again (each reader gives it its own code)."""
    seconds = retry_after(response)
    params: dict[str, Any] = {"status": response.status_code}
    if seconds is None:
        msg = "NgDP answered {path} with HTTP {status} (too many requests, or busy); nothing more was read from NgDP: run again in a few minutes."
    else:
        msg = "NgDP answered {path} with HTTP {status} (too many requests, or busy) and asked to be left alone for {seconds} seconds; nothing more was read from NgDP: run again after that."
        params["seconds"] = seconds
    return msg, params


def _text(value: Any) -> str:
    """A value of NgDP's answer as text the kit keeps: no control characters, as a workbook
    cell (an attacker's pass: a name's ESC and NUL reached the register CSV and the pages)."""
    from ..inputs.workbooks import clean_text

    return "" if value is None else clean_text(value if isinstance(value, str) else str(value))


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and is_number(value.strip()):
        return int(value.strip())
    return None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def contact_point_of(item: Any) -> ObservedContactPoint | None:
    """A contact point from NgDP's JSON (a listing entry or the single record); None when it
    has no GUID. Quirks kept: no ``systemId`` in listings, a translation without
    ``postkasseEmneId``, integer IDs."""
    if not isinstance(item, dict):
        return None
    guid = canonical_guid(_text(item.get("id")))
    if guid is None:
        return None
    targets = item.get("targets")
    translations = []
    raw = item.get("translations")
    for t in raw if isinstance(raw, list) else []:
        if not isinstance(t, dict):
            continue
        postkasse = _int(t.get("postkasseId"))
        if postkasse is None:
            continue
        translations.append(Translation(postkasse, _int(t.get("postkasseEmneId"))))
    system = canonical_guid(_text(item.get("systemId"))) if item.get("systemId") else None
    return ObservedContactPoint(
        id=guid,
        name=_text(item.get("name"))[:500],
        targets=tuple(str(x) for x in targets if isinstance(x, str))[:8]
        if isinstance(targets, list)
        else (),
        active=_bool(item.get("active")),
        visible=_bool(item.get("visible")),
        system_id=system,
        translations=tuple(translations),
    )


def system_of(item: Any, system_id: str) -> ObservedSystem | None:
    """The registration (MailSystem); ``apiToken`` is never read."""
    if not isinstance(item, dict):
        return None
    ips = []
    listed = item.get("allowedIps")
    for entry in listed if isinstance(listed, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("ip"), str):
            ips.append(_text(entry["ip"])[:64])  # as every text of NgDP's answer
    cert = item.get("ocesPublicCertificate")
    certificate = None
    if isinstance(cert, dict):
        certificate = ObservedCertificate(
            serial_number=_text(cert.get("certificateSerialNumber"))[:128],
            sha1=_text(cert.get("sha1"))[:128],
            expiry=_text(cert.get("expiryDate"))[:64],
            subject_serial=_text(cert.get("subjectDistinguishedNameSerialNumber"))[:128],
        )
    return ObservedSystem(
        id=canonical_guid(_text(item.get("id"))) or system_id,
        name=_text(item.get("name"))[:500],
        protocol=_text(item.get("serviceProtocol"))[:64],
        allowed_ips=tuple(ips),
        endpoint=_text(item.get("endpoint"))[:2000] or None,
        receipt_endpoint=_text(item.get("receiptEndpoint"))[:2000] or None,
        certificate=certificate,
    )


def read_ngdp(
    reader: NgdpReader,
    *,
    cvr: str,
    system_id: str | None,
    wanted: set[str] | None = None,
) -> NgdpObservation:
    """Read the organisation, its contact points (all pages) and the system registration.
    ``wanted``: the contact points in use, fetched one by one when the listing lacks their
    ``systemId``; call :func:`fetch_singles` later when they are known only after mapping."""
    fetched_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    organisation = _organisation(reader, cvr)
    points: tuple[ObservedContactPoint, ...] | None = None
    total: int | None = None
    read = 0
    system = None
    faults: tuple[str, ...] = ()
    if organisation is not None:
        points, total, read, faults = _listing(reader, organisation.id)
        if system_id and canonical_guid(system_id):
            path = f"/organisations/{quote(organisation.id)}/systems/{system_id}"
            body = reader.get(path)
            system = system_of(body, system_id) if isinstance(body, dict) else None
            if body is not None and body is not _NOT_FOUND and not isinstance(body, dict):
                # a list, a text or a number where the registration belongs: no system read
                # (it was "registered id: none", a difference NgDP never showed)
                reader._failed(path, NOT_AN_OBJECT)
    observation = NgdpObservation(
        fetched_at=fetched_at,
        base_url=reader.base_url,
        organisation=organisation,
        system=system,
        contact_points=points,
        listing_total=total,
        listing_read=read,
        refused=tuple(reader.refused),
        failed=tuple(reader.failed),
        listing_faults=faults,
    )
    return fetch_singles(reader, observation, wanted or set())


def _organisation(reader: NgdpReader, cvr: str) -> ObservedOrganisation | None:
    from .system import cpr_shaped

    if cpr_shaped(cvr):  # a CPR number never leaves the machine (the step says so first)
        reader._failed("/organisations/", CVR_LIKE_CPR)
        return None
    body = reader.get("/organisations/", {"cvrNumber": cvr})
    if body is _NOT_FOUND:  # a search answers 200, found or not: a 404 is no NgDP API here
        reader._failed("/organisations/", NOT_SERVED)
        return None
    if body is not None and not isinstance(body, dict):
        # a JSON list, text or number: nothing read, and said (it went without a word)
        reader._failed("/organisations/", NOT_AN_OBJECT)
        return None
    found = body.get("organisations") if isinstance(body, dict) else None
    if isinstance(body, dict) and found is None:
        found = body.get("content")
    candidates: dict[str, ObservedOrganisation] = {}
    for org in found if isinstance(found, list) else []:
        if not isinstance(org, dict) or org.get("id") in (None, ""):
            continue
        org_cvr = _text(org.get("cvrNumber") or org.get("cvr"))
        if org_cvr and org_cvr != cvr:
            continue
        org_id = _text(org.get("id"))
        if not re.fullmatch(r"[0-9A-Za-z-]{1,64}", org_id):
            continue
        candidates.setdefault(
            org_id, ObservedOrganisation(id=org_id, name=_text(org.get("name"))[:500], cvr=cvr)
        )
    # more organisations than the first page holds: those on later pages may carry the CVR
    # too (contract §12.1 allows the search without page and size: they are never asked for)
    total = _int(body.get("totalElements")) if isinstance(body, dict) else None
    listed = len(found) if isinstance(found, list) else 0
    more = total is not None and total > max(listed, 1)
    if len(candidates) == 1 and not more:
        return next(iter(candidates.values()))
    if candidates or more:
        # several organisations for one CVR (or without a cvrNumber to tell them apart): the
        # first was taken, and another organisation's contact points could be compared with
        # the customer's and signed for
        ids = sorted(candidates)
        shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 or more else "")
        reader.findings.append(
            F.warning(
                "NGDP_READ_FAILED",
                "NgDP's search for CVR {cvr} answered {count} organisations ({ids}), and the kit cannot tell which is the customer's; nothing more was read: ask Digitaliseringsstyrelsen which organisation the CVR belongs to.",
                reader.source,
                "/organisations/",
                cvr=cvr,
                count=max(len(ids), total or 0) if more else len(ids),
                ids=shown.removeprefix(", "),
            )
        )
        return None
    if isinstance(body, dict):
        reader.findings.append(
            F.warning(
                "NGDP_READ_FAILED",
                "NgDP knows no organisation with CVR {cvr}; nothing more was read.",
                reader.source,
                "/organisations/",
                cvr=cvr,
            )
        )
    return None


# Why a listing is not trusted as a whole (fixed texts: the pages show them in Danish)
LISTING_LOOPS = "a page of the listing repeats only contact points listed before"
LISTING_CONTRADICTS = "the listing names one contact point twice with different values"
LISTING_NOT_CONTACT_POINTS = "the listing holds entries that are no contact point (no GUID)"
LISTING_OVER_TOTAL = "the listing holds more contact points than its totalElements"
NOT_AN_OBJECT = "the answer is not a JSON object"
# the organisation search not sent: its cvrNumber would be a CPR number
CVR_LIKE_CPR = "organisation.cvr has the shape of a CPR number, which is never sent to NgDP"
NO_LIST = "a page of the listing holds no list of contact points"
LISTING_ENDLESS = "the listing did not end within 1,000 pages"
# a page after the first could not be read (a 429 or 503, a fault; its own finding said it):
# without a totalElements the pages read passed for the whole listing, and each contact point
# on the pages never read was NGDP_CONTACT_POINT_MISSING, an error NgDP never showed
LISTING_BROKEN_OFF = "a page of the listing after the first could not be read"
SINGLE_NOT_ASKED = "the answer is not the record of the contact point asked for"
# a 404 where NgDP answers 200 (a search, the listing's first page): the address serves no
# NgDP API (an ngdp_api_url without /apis/v1 read nothing and said nothing)
NOT_SERVED = "HTTP 404: no such path at this address (NgDP's API lies under /apis/v1 of it)"


def _listing(
    reader: NgdpReader, org_id: str
) -> tuple[tuple[ObservedContactPoint, ...] | None, int | None, int, tuple[str, ...]]:
    """Every page of the listing, from page 0, until ``totalElements`` are read or a page is
    empty (at most :data:`MAX_PAGES`); ``NGDP_LISTING_INCOMPLETE`` when fewer came.

    ``read`` counts the distinct contact points read, never an entry twice: a listing that
    served page 0 for every page counted its own repeats up to ``totalElements`` and passed
    for complete. A page that brings no new contact point ends the reading (a listing that
    loops back never ends otherwise), and so does one that contradicts an earlier page;
    each such fault is one ``NGDP_READ_FAILED`` naming it, and the listing is not complete
    (the faults returned). The paging is by page number only: a ``next`` link in the
    answer is never followed."""
    path = f"/organisations/{quote(org_id)}/contact-points/"
    points: dict[str, ObservedContactPoint] = {}
    total: int | None = None
    faults: list[str] = []

    def fault(why: str) -> None:
        if why not in faults:
            faults.append(why)
            reader._failed(path, why)

    for page in range(MAX_PAGES):
        body = reader.get(path, {"visibility": "ALL", "page": page, "size": PAGE_SIZE})
        if body is None or body is _NOT_FOUND:
            if page == 0:
                if body is _NOT_FOUND:  # the organisation just found has no listing: said
                    reader._failed(path, NOT_SERVED)
                return None, None, 0, ()
            if body is None:  # the read failed and was said: what came is not the whole
                faults.append(LISTING_BROKEN_OFF)
            break
        items = body.get("contactPoints") if isinstance(body, dict) else None
        if isinstance(body, dict) and items is None:
            items = body.get("content")
        if not isinstance(items, list):
            if page == 0:  # nothing read: no listing (it was an empty one, read whole)
                reader._failed(path, NOT_AN_OBJECT if not isinstance(body, dict) else NO_LIST)
                return None, None, 0, ()
            fault(NO_LIST)
            break
        if isinstance(body, dict) and total is None:
            total = _int(body.get("totalElements"))
        new = repeated = 0
        for item in items:
            point = contact_point_of(item)
            if point is None:
                fault(LISTING_NOT_CONTACT_POINTS)
            elif point.id not in points:
                points[point.id] = point
                new += 1
            else:
                repeated += 1
                if points[point.id] != point:
                    fault(LISTING_CONTRADICTS)
        if total is not None and len(points) > total:
            fault(LISTING_OVER_TOTAL)
        if not items or (total is not None and len(points) >= total):
            break
        if not new:  # nothing new on a page: it never ends (or is no listing at all)
            if repeated:
                fault(LISTING_LOOPS)
            break
        if LISTING_CONTRADICTS in faults:
            break
    else:  # MAX_PAGES read and no end in sight: without a totalElements it passed for whole
        if total is None:
            fault(LISTING_ENDLESS)
    read = len(points)
    if total is not None and read < total:
        _stopped_short(reader, path, read, total)
    return tuple(points.values()), total, read, tuple(faults)


def _stopped_short(reader: NgdpReader, path: str, read: int, total: int) -> None:
    """``NGDP_LISTING_INCOMPLETE``: fewer contact points read than the listing's total."""
    reader.findings.append(
        F.warning(
            "NGDP_LISTING_INCOMPLETE",
            "NgDP's listing of contact points stopped after {read} of {total}; the comparisons use what was read.",
            reader.source,
            path,
            read=read,
            total=total,
        )
    )


def fetch_singles(
    reader: NgdpReader, observation: NgdpObservation, wanted: set[str]
) -> NgdpObservation:
    """The single record of each wanted contact point whose listing entry lacks ``systemId``."""
    from dataclasses import replace

    if observation.organisation is None or observation.contact_points is None or not wanted:
        return observation
    points = observation.by_id()
    for guid in sorted(wanted):
        point = points.get(guid)
        if point is None or point.system_id is not None:
            continue
        path = f"/organisations/{quote(observation.organisation.id)}/contact-points/{guid}"
        body = reader.get(path)
        full = contact_point_of(body)
        if full is not None and full.id == guid:
            points[guid] = full
        elif body is not None and body is not _NOT_FOUND:
            # another contact point's record, a list or a record without a GUID: not this
            # one's (it was passed over without a word)
            reader._failed(path, SINGLE_NOT_ASKED)
    return replace(
        observation,
        contact_points=tuple(points.values()),
        refused=tuple(reader.refused),
        failed=tuple(reader.failed),
    )
