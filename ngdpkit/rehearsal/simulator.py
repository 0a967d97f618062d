"""A local NgDP for rehearsals (contract §9): HTTPS on 127.0.0.1 only.

It has its own throwaway server CA, demands a client certificate chaining to the
environment's own kind of anchors (a missing or foreign one fails the TLS
handshake), checks the organisation's CVR in that certificate and the
``Authorization: Basic base64(<system id>:<token>)`` header, and answers like
NgDP: 401/403 and 400 with ``{code, message, fieldErrors}``, 201 with a Receipt.
A scripted citizen answers every accepted letter: queued for REST_PULL, or for
REST_PUSH posted as ``multipart/form-data`` (part ``file``, filename the reply's
UUID) to the message endpoint, with receipts to the receipt endpoint.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.server
import ipaddress
import json
import ssl
import sys
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from email.parser import BytesParser  # here, not in a handler's thread (run/imports.py says why)
from email.policy import HTTP
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from . import memo

API = "/apis/v1"


@dataclass
class SessionCA:
    """A throwaway CA for the simulator's and the push stand-in's server certificates."""

    folder: Path
    cert: x509.Certificate
    key: Any

    @classmethod
    def create(cls, folder: Path) -> SessionCA:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [x509.NameAttribute(NameOID.COMMON_NAME, "ngdpkit rehearsal CA (throwaway)")]
        )
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        folder.mkdir(parents=True, exist_ok=True)
        ca = cls(folder, cert, key)
        ca.ca_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return ca

    @property
    def ca_file(self) -> Path:
        return self.folder / "rehearsal-ca.pem"

    def server_context(self, name: str) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        with tempfile.TemporaryDirectory(prefix="ngdpkit-sim-") as tmp:
            # The throwaway server key is written unencrypted for a moment; it protects nothing real.
            cert_path, key_path = self._issue(name, Path(tmp), client=False)
            ctx.load_cert_chain(str(cert_path), str(key_path))
        return ctx

    def client_identity(self, name: str) -> tuple[Path, Path]:
        """A client certificate and key of this CA in its folder: the "NgDP" that pushes to
        the stand-in presents it, as NgDP presents its own OCES certificate."""
        return self._issue(name, self.folder, client=True)

    def _issue(self, name: str, folder: Path, *, client: bool) -> tuple[Path, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [
                        x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH
                        if client
                        else x509.oid.ExtendedKeyUsageOID.SERVER_AUTH
                    ]
                ),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        stem = "client" if client else "server"
        cert_path, key_path = folder / f"{stem}-{name}.pem", folder / f"{stem}-{name}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return cert_path, key_path


@dataclass
class SimulatorConfig:
    """What the local NgDP knows about the environment it stands in for."""

    kind: str
    anchors_pem: bytes
    cvr: str
    system_id: str
    token: str
    contact_points: set[str]
    protocol: str = "REST_PULL"
    push_message_url: str | None = None
    push_receipt_url: str | None = None
    push_authorization: str | None = None
    push_ca_file: str | None = None
    push_client_cert: tuple[str, str] | None = None  # the "NgDP" identity pushes present
    drop_replies: bool = False
    delay_s: float = 0.0
    reject_status: int | None = None
    citizen_id: str = "0101709996"
    citizen_type: str = "CPR"
    registry: Any = None  # simulator_registry.Registry: the organisation's records to read


def error_body(
    code: str, message: str, field_errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {"code": code, "message": message, "fieldErrors": field_errors or []}


def field_error(field_name: str, code: str, message: str, value: Any) -> dict[str, Any]:
    return {
        "resource": "memo",
        "field": field_name,
        "code": code,
        "message": message,
        "rejectedValue": value,
    }


@dataclass
class State:
    inbox: dict[str, bytes] = field(default_factory=dict)  # replies waiting for REST_PULL
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)
    business_receipts: dict[str, dict[str, Any]] = field(default_factory=dict)
    sent: dict[str, bytes] = field(default_factory=dict)
    push_log: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


MAX_BODY = 64 * 1024 * 1024  # a memo with its attachments stays far below this


class _Strict(http.server.BaseHTTPRequestHandler):
    """A request whose ``Content-Length`` is not a whole number from 0 to ``MAX_BODY`` is
    answered 400 before any handler reads it (as a web server in front of NgDP would); before,
    ``-5`` or ``abc`` got no answer and a line about a ``ValueError`` on the console."""

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        text = (self.headers.get("Content-Length") or "0").strip()
        if not (text.isascii() and text.isdigit() and int(text) <= MAX_BODY):
            self.send_error(400, "Invalid Content-Length")
            return False
        return True

    def peer_certificate(self, binary: bool) -> Any:
        """The client's certificate (None when it gave none, or its handshake never ended)."""
        try:
            return self.connection.getpeercert(binary_form=binary)  # type: ignore[attr-defined, unused-ignore]
        except ValueError:  # "handshake not done yet": a client that hung up during it
            return None


class _Handler(_Strict):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet: the rehearsal reports what matters
        pass

    def _send(
        self,
        status: int,
        body: Any = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        data = (
            b""
            if body is None
            else (body if isinstance(body, bytes) else json.dumps(body).encode())
        )
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _authorised(self) -> bool:
        cfg = self.server.config
        der = self.peer_certificate(binary=True)
        if not der:
            self._send(403, error_body("FORBIDDEN", "A client certificate is required."))
            return False
        from ..checks.certificates import cvr_of

        cert = x509.load_der_x509_certificate(der)
        if cvr_of(cert) != cfg.cvr:
            self._send(
                403,
                error_body(
                    "FORBIDDEN",
                    f"The client certificate belongs to CVR {cvr_of(cert) or '?'}, not the organisation's.",
                ),
            )
            return False
        header = self.headers.get("Authorization", "")
        expected = "Basic " + base64.b64encode(f"{cfg.system_id}:{cfg.token}".encode()).decode()
        if header.strip() != expected:
            self._send(
                401,
                error_body(
                    "UNAUTHORIZED", "Missing or wrong authorization header for this system."
                ),
            )
            return False
        if cfg.delay_s:
            self.server.stopping.wait(cfg.delay_s)
        if cfg.reject_status:
            self._send(
                cfg.reject_status,
                error_body("REJECTED", f"The simulator was told to answer {cfg.reject_status}."),
            )
            return False
        return True

    def _registry(self, method: str) -> bool:
        """Log the request; answer it from the registry when it is one of its paths."""
        registry = self.server.config.registry
        if registry is None:
            return False
        parts = urlsplit(self.path)
        registry.log(method, parts.path + (f"?{parts.query}" if parts.query else ""))
        answer = registry.handle(method, parts.path, parts.query, self.server.stopping.wait)
        if answer is None:
            return False
        if self._authorised():
            self._send(answer[0], answer[1], headers=_retry_after(registry, answer[0]))
        return True

    def do_PUT(self) -> None:  # noqa: N802
        self._body()
        if not self._registry("PUT"):
            self._send(405, error_body("METHOD_NOT_ALLOWED", "PUT is not served here."))

    def do_PATCH(self) -> None:  # noqa: N802
        self._body()
        if not self._registry("PATCH"):
            self._send(405, error_body("METHOD_NOT_ALLOWED", "PATCH is not served here."))

    def do_POST(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        body = self._body()
        if self._registry("POST"):
            return
        if not self._authorised():
            return
        path = parts.path.rstrip("/")
        if path == f"{API}/receipts":
            self._send(405, error_body("METHOD_NOT_ALLOWED", "POST is not served here."))
        elif path == f"{API}/memos":
            self._receive_memo(body, parse_qs(parts.query).get("memo-message-uuid", [""])[0])
        elif path.startswith(f"{API}/memos/") and path.endswith("/receipt"):
            memo_id = path[len(f"{API}/memos/") : -len("/receipt")]
            try:
                receipt = json.loads(body or b"{}")
            except (ValueError, RecursionError):
                self._send(400, error_body("BAD_REQUEST", "The business receipt is not JSON."))
                return
            with self.server.state.lock:
                self.server.state.business_receipts[memo_id] = receipt
            self._send(201, {"messageUUID": memo_id, "receiptStatus": receipt.get("receiptStatus")})
        else:
            self._send(404, error_body("NOT_FOUND", f"No such endpoint: POST {parts.path}"))

    def _receive_memo(self, body: bytes, query_uuid: str) -> None:
        cfg = self.server.config
        reason = memo.validate(body)
        if reason:
            self._send(
                400,
                error_body(
                    "MEMO_INVALID",
                    "The MeMo is not valid.",
                    [field_error("memo", "MEMO_INVALID", reason, None)],
                ),
            )
            return
        fields = memo.read(body)
        errors = []
        if fields["uuid"] != query_uuid:
            errors.append(
                field_error(
                    "memo-message-uuid",
                    "UUID_MISMATCH",
                    "The query's memo-message-uuid is not the MeMo's messageUUID.",
                    query_uuid,
                )
            )
        if fields["sender_id"] != cfg.cvr:
            errors.append(
                field_error(
                    "Sender.senderID",
                    "SENDER_NOT_ALLOWED",
                    "The sender CVR is not the organisation's.",
                    fields["sender_id"],
                )
            )
        if fields["contact_point"] and fields["contact_point"].lower() not in cfg.contact_points:
            errors.append(
                field_error(
                    "Sender.ContactPoint.contactPointID",
                    "CONTACT_POINT_UNKNOWN",
                    "Not one of this system's contact points.",
                    fields["contact_point"],
                )
            )
        if errors:
            self._send(400, error_body("VALIDATION_FAILED", "The MeMo was refused.", errors))
            return
        receipt = {
            "transmissionId": str(uuid.uuid4()),
            "messageUUID": fields["uuid"],
            "messageId": None,
            "errorCode": None,
            "errorMessage": None,
            "timeStamp": memo.utc_now(),
            "receiptStatus": "RECEIVED",
        }
        with self.server.state.lock:
            self.server.state.sent[fields["uuid"]] = body
            self.server.state.receipts[fields["uuid"]] = receipt
        self._send(201, receipt)
        if not cfg.drop_replies:
            threading.Thread(
                target=self.server.citizen_replies, args=(fields, receipt), daemon=True
            ).start()

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        self._body()  # a body, if any, is read so that it cannot pose as the next request
        if self._registry("GET"):
            return
        if not self._authorised():
            return
        path = parts.path.rstrip("/")
        state = self.server.state
        if path in (f"{API}/memos", f"{API}/receipts"):
            self._listing(path, parts.query)
            return
        with state.lock:
            if path.startswith(f"{API}/memos/"):
                memo_id = path[len(f"{API}/memos/") :]
                if memo_id in state.inbox:
                    self._send(200, state.inbox[memo_id], "application/xml")
                else:
                    self._send(404, error_body("NOT_FOUND", f"No MeMo {memo_id}."))
            elif path.startswith(f"{API}/receipts/"):
                rid = path[len(f"{API}/receipts/") :]
                if rid not in state.receipts:
                    self._send(404, error_body("NOT_FOUND", f"No receipt {rid}."))
                    return
                receipt = state.receipts[rid]
                # As NgDP: the receipt is deleted once read, unless delete=false is asked
                if parse_qs(parts.query).get("delete", ["true"])[0] != "false":
                    state.receipts.pop(rid)
                self._send(200, receipt)
            else:
                self._send(404, error_body("NOT_FOUND", f"No such endpoint: GET {parts.path}"))

    def _listing(self, path: str, query: str) -> None:
        """``GET /memos/`` or ``/receipts/``: the ids waiting (the rehearsal's and the seeded
        ones), paged as NgDP pages them; a test's refusal or fault for the path first."""
        from .simulator_traffic import paged

        kind = "memos" if path.endswith("/memos") else "receipts"
        registry = self.server.config.registry
        if registry is not None:
            overridden = registry.override(f"/{kind}/", self.server.stopping.wait)
            if overridden is not None:
                self._send(
                    overridden[0], overridden[1], headers=_retry_after(registry, overridden[0])
                )
                return
        state = self.server.state
        with state.lock:
            ids = list(state.inbox if kind == "memos" else state.receipts)
        ids += registry.traffic.waiting(kind) if registry is not None else []
        self._send(*paged(ids, {k: v[0] for k, v in parse_qs(query).items()}))

    def do_DELETE(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        self._body()
        if self._registry("DELETE"):
            return
        if not self._authorised():
            return
        path = parts.path.rstrip("/")
        if path in (f"{API}/memos", f"{API}/receipts"):
            self._send(405, error_body("METHOD_NOT_ALLOWED", "DELETE is not served here."))
            return
        with self.server.state.lock:
            for prefix, store in (
                (f"{API}/memos/", self.server.state.inbox),
                (f"{API}/receipts/", self.server.state.receipts),
            ):
                if path.startswith(prefix):
                    if store.pop(path[len(prefix) :], None) is None:
                        self._send(404, error_body("NOT_FOUND", "Nothing to delete."))
                    else:
                        self._send(204)
                    return
        self._send(404, error_body("NOT_FOUND", f"No such endpoint: DELETE {parts.path}"))


class _Quiet(http.server.ThreadingHTTPServer):
    """socketserver prints a traceback for any error in a handler, into the console of
    ``ngdpkit simulate`` or a run's rehearsal. A client that hangs up mid-request (a reset, a
    broken pipe, a TLS error or EOF, a timeout) is the client's business, as at NgDP, so it is
    only counted (``hangups``, which the tests read); anything else is a flaw of the
    simulator, told in one line."""

    daemon_threads = True
    label = "the NgDP simulator"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.stopping = threading.Event()  # set when it closes: a told-to-be-slow answer ends
        self.hangups = 0
        self._count = threading.Lock()

    def close(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError)):
            with self._count:
                self.hangups += 1
            return
        print(
            f"ngdpkit: {self.label} could not answer a request: {type(exc).__name__}",
            file=sys.stderr,
        )


class _TLS(_Quiet):
    """HTTPS with the TLS handshake in each connection's own thread: a client that connects
    and says nothing holds up only itself (in ``accept()`` it held up every other caller)."""

    ctx: ssl.SSLContext

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = super().get_request()
        return self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            request.do_handshake()
        except (ssl.SSLError, OSError):
            return  # a missing or foreign client certificate: the TLS handshake fails, as at NgDP
        super().finish_request(request, client_address)


class _Server(_TLS):
    def __init__(self, config: SimulatorConfig, ctx: ssl.SSLContext, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.config = config
        self.state = State()
        self.ctx = ctx

    def citizen_replies(self, letter: dict[str, Any], receipt: dict[str, Any]) -> None:
        cfg = self.config
        reply = memo.build_reply(letter, citizen_id=cfg.citizen_id, citizen_type=cfg.citizen_type)
        if cfg.protocol == "REST_PUSH" and cfg.push_message_url:
            self._push(reply, receipt)
        else:
            with self.state.lock:
                self.state.inbox[reply.uuid] = reply.xml

    def _push(self, reply: memo.Letter, receipt: dict[str, Any]) -> None:
        import httpx

        cfg = self.config
        headers = {"Authorization": cfg.push_authorization} if cfg.push_authorization else {}
        verify: Any = (
            ssl.create_default_context(cafile=cfg.push_ca_file) if cfg.push_ca_file else True
        )
        if cfg.push_client_cert and isinstance(verify, ssl.SSLContext):
            # NgDP calls a push receiver with mutual TLS, presenting its own certificate
            verify.load_cert_chain(*cfg.push_client_cert)
        entry: dict[str, Any] = {"reply": reply.uuid}
        try:
            with httpx.Client(verify=verify, timeout=10) as client:
                r = client.post(
                    cfg.push_message_url or "",
                    files={"file": (reply.uuid, reply.xml, "application/xml")},
                    headers=headers,
                )
                entry["message_status"] = r.status_code
                if cfg.push_receipt_url:
                    r2 = client.post(cfg.push_receipt_url, json=receipt, headers=headers)
                    entry["receipt_status"] = r2.status_code
        except httpx.HTTPError as exc:
            entry["error"] = f"{type(exc).__name__}: {exc}"
        with self.state.lock:
            self.state.push_log.append(entry)


def client_ca_context(ctx: ssl.SSLContext, anchors_pem: bytes) -> ssl.SSLContext:
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cadata=anchors_pem.decode("ascii"))
    return ctx


def _retry_after(registry: Any, status: int) -> dict[str, str]:
    """The ``Retry-After`` header a test set for a 429 or 503 fault (none otherwise)."""
    wanted = getattr(registry, "retry_after", None)
    return {"Retry-After": wanted} if wanted and status in (429, 503) else {}


# How often a server's loop looks for its stop: at ``serve_forever``'s default of 0.5 s each
# ``rehearse`` (the local NgDP, then the push stand-in) and each stop of ``simulate`` waited up
# to half a second per server, doing nothing (about 26 s of the test suite's wall time).
STOP_POLL = 0.05


class Simulator:
    """The local NgDP, in a background thread. Use as a context manager."""

    def __init__(self, config: SimulatorConfig, ca: SessionCA, *, port: int = 0) -> None:
        ctx = client_ca_context(ca.server_context("ngdp-simulator"), config.anchors_pem)
        self.server = _Server(config, ctx, port)
        self.ca = ca
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": STOP_POLL},
            name="ngdp-simulator",
            daemon=True,
        )

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.server.server_address[1]}{API}"

    @property
    def state(self) -> State:
        return self.server.state

    def __enter__(self) -> Simulator:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.close()


class _PushHandler(_Strict):
    server: _PushServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        parts = urlsplit(self.path)
        peer = self.peer_certificate(binary=False) or {}
        subject = dict(x[0] for x in peer.get("subject", ()))
        record: dict[str, Any] = {
            "path": parts.path,
            "query": parts.query,
            "authorization": bool(self.headers.get("Authorization")),
            "client_certificate": subject.get("commonName", ""),
        }
        if parts.path.rstrip("/") == self.server.message_path.rstrip("/"):
            msg = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: "
                + self.headers.get("Content-Type", "").encode()
                + b"\r\n\r\n"
                + body
            )
            for part in msg.iter_parts() if msg.is_multipart() else []:
                if part.get_param("name", header="content-disposition") == "file":
                    record.update(
                        kind="message",
                        filename=part.get_filename(),
                        xml=part.get_payload(decode=True),
                    )
            record.setdefault("kind", "message")
        elif parts.path.rstrip("/") == self.server.receipt_path.rstrip("/"):
            try:
                record.update(kind="receipt", receipt=json.loads(body or b"{}"))
            except (ValueError, RecursionError):
                record.update(kind="receipt", receipt=None)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with self.server.lock:
            self.server.received.append(record)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _PushServer(_TLS):
    label = "the push stand-in"

    def __init__(self, message_path: str, receipt_path: str, ctx: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _PushHandler)
        self.ctx = ctx
        self.message_path = message_path
        self.receipt_path = receipt_path
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()


class PushStandIn:
    """A local stand-in for the WorkZone Push Service, serving the configured endpoint paths."""

    def __init__(self, message_endpoint: str, receipt_endpoint: str, ca: SessionCA) -> None:
        msg, rec = urlsplit(message_endpoint), urlsplit(receipt_endpoint)
        self.message_query = msg.query
        ctx = ca.server_context("push-stand-in")
        # As a receiver should: accept only callers presenting NgDP's certificate (here the
        # session CA's "NgDP" identity); a caller without one fails the TLS handshake.
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(cafile=str(ca.ca_file))
        self.server = _PushServer(msg.path, rec.path, ctx)
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": STOP_POLL},
            name="push-stand-in",
            daemon=True,
        )

    def url(self, which: str) -> str:
        port = self.server.server_address[1]
        if which == "message":
            return f"https://127.0.0.1:{port}{self.server.message_path}" + (
                f"?{self.message_query}" if self.message_query else ""
            )
        return f"https://127.0.0.1:{port}{self.server.receipt_path}"

    def received(self) -> list[dict[str, Any]]:
        with self.server.lock:
            return list(self.server.received)

    def __enter__(self) -> PushStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.close()
