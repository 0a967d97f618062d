"""The local NgDP and the acceptance flow, on 127.0.0.1 only."""

from __future__ import annotations

import base64
import json
import re
import shutil
import ssl
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from ngdpkit.checks.certificates import load_certificate
from ngdpkit.checks.probes import client_tls_context
from ngdpkit.checks.system import authorization_parts
from ngdpkit.rehearsal import memo, pki
from ngdpkit.rehearsal.flow import anchors_pem, rehearse
from ngdpkit.rehearsal.simulator import SessionCA, Simulator, SimulatorConfig
from ngdpkit.secrets import Secret, read_dotenv
from ngdpkit.settings import load_settings
from tests.conftest import cli, run_cli, sigint_default


@pytest.fixture(scope="module")
def sim_setup(sample_dir: Path) -> dict[str, Any]:
    settings = load_settings(sample_dir / "migration.toml")
    env = settings.environment("test")
    secrets = read_dotenv(sample_dir / "sample.env")
    loaded = load_certificate(
        env.certificate,
        label="test.p12",
        password=Secret("X", secrets["NGDPKIT_TEST_CERT_PASSWORD"]),
    )
    return {"settings": settings, "env": env, "loaded": loaded, "token": "tok-" + "x" * 20}


@pytest.fixture
def simulator(sim_setup: dict[str, Any], tmp_path: Path):
    env = sim_setup["env"]
    ca = SessionCA.create(tmp_path / "ca")
    cfg = SimulatorConfig(
        kind="test",
        anchors_pem=anchors_pem(sim_setup["settings"], "test"),
        cvr="98765433",
        system_id=env.system_id,
        token=sim_setup["token"],
        contact_points={env.default_contact_point},
    )
    with Simulator(cfg, ca) as sim:
        yield sim


def make_letter(contact_point: str, **overrides: Any) -> memo.Letter:
    args = dict(
        organisation="X",
        cvr="98765433",
        contact_point=contact_point,
        recipient_id="0101709996",
        recipient_id_type="CPR",
        environment="test",
        run_id="r",
    )
    args.update(overrides)
    return memo.build_letter(**args)


def header(system_id: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{system_id}:{token}".encode()).decode()


def send(
    sim: Simulator, loaded: Any, auth: str | None, xml: bytes, query_uuid: str
) -> httpx.Response:
    with (
        client_tls_context(
            loaded.leaf, loaded.key, loaded.extra, cafile=str(sim.ca.ca_file)
        ) as ctx,
        httpx.Client(verify=ctx, timeout=10) as c,
    ):
        return c.post(
            f"{sim.base_url}/memos/",
            params={"memo-message-uuid": query_uuid},
            content=xml,
            headers={"Authorization": auth or "", "Content-Type": "application/xml"},
        )


def test_accepts_the_right_client_and_replies_for_pull(
    simulator: Simulator, sim_setup: dict[str, Any]
) -> None:
    env = sim_setup["env"]
    letter = make_letter(env.default_contact_point)
    r = send(
        simulator,
        sim_setup["loaded"],
        header(env.system_id, sim_setup["token"]),
        letter.xml,
        letter.uuid,
    )
    assert (
        r.status_code == 201
        and r.json()["receiptStatus"] == "RECEIVED"
        and r.json()["messageUUID"] == letter.uuid
    )
    import time

    for _ in range(50):
        if simulator.state.inbox:
            break
        time.sleep(0.05)
    assert len(simulator.state.inbox) == 1


def test_refusals(
    simulator: Simulator, sim_setup: dict[str, Any], cas: dict[str, Any], leaf_key: Any
) -> None:
    env = sim_setup["env"]
    good = header(env.system_id, sim_setup["token"])
    letter = make_letter(env.default_contact_point)
    # a header for another system
    r = send(
        simulator,
        sim_setup["loaded"],
        header("9e7d6c5b-4a3f-4b2e-8d1c-0f9e8d7c6b51", sim_setup["token"]),
        letter.xml,
        letter.uuid,
    )
    assert r.status_code == 401 and set(r.json()) == {"code", "message", "fieldErrors"}
    # UUID mismatch, unknown contact point, foreign sender CVR, invalid MeMo
    assert (
        send(simulator, sim_setup["loaded"], good, letter.xml, "0" * 8).json()["fieldErrors"][0][
            "code"
        ]
        == "UUID_MISMATCH"
    )
    other_cp = make_letter("11111111-2222-4333-8444-555555555555")
    r = send(simulator, sim_setup["loaded"], good, other_cp.xml, other_cp.uuid)
    assert r.status_code == 400 and r.json()["fieldErrors"][0]["code"] == "CONTACT_POINT_UNKNOWN"
    other_cvr = make_letter(env.default_contact_point, cvr="12345674")
    r = send(simulator, sim_setup["loaded"], good, other_cvr.xml, other_cvr.uuid)
    assert r.status_code == 400 and r.json()["fieldErrors"][0]["code"] == "SENDER_NOT_ALLOWED"
    r = send(
        simulator,
        sim_setup["loaded"],
        good,
        letter.xml.replace(b"Z</createdDateTime>", b"</createdDateTime>"),
        letter.uuid,
    )
    assert r.status_code == 400 and r.json()["fieldErrors"][0]["code"] == "MEMO_INVALID"
    # a certificate from other anchors: the TLS handshake fails
    foreign = pki.make_leaf(cas["test"]["issuing"], key=leaf_key, cvr="98765433", organisation="X")
    from ngdpkit.checks.certificates import LoadedCertificate

    with pytest.raises(httpx.HTTPError):
        send(
            simulator,
            LoadedCertificate(leaf=foreign.cert, key=leaf_key, extra=[cas["test"]["issuing"].cert]),
            good,
            letter.xml,
            letter.uuid,
        )
    # no client certificate at all
    import ssl

    with (
        httpx.Client(
            verify=ssl.create_default_context(cafile=str(simulator.ca.ca_file)), timeout=5
        ) as c,
        pytest.raises(httpx.HTTPError),
    ):
        c.get(f"{simulator.base_url}/memos/", headers={"Authorization": good})


def _copy(sample_dir: Path, tmp_path: Path) -> Path:
    d = tmp_path / "s"
    shutil.copytree(sample_dir, d, ignore=shutil.ignore_patterns("runs"))
    return d


@pytest.mark.parametrize(
    "environment,protocol", [("test", "REST_PULL"), ("production", "REST_PUSH")]
)
def test_full_rehearsal(sample_dir: Path, tmp_path: Path, environment: str, protocol: str) -> None:
    d = _copy(sample_dir, tmp_path)
    code, folder = rehearse(d / "migration.toml", environment, progress=lambda line: None)
    assert code == 0
    acc = json.loads((folder / "acceptance.json").read_text())
    assert (
        acc["status"] == "ok"
        and acc["against"] == "simulator"
        and acc["environment"] == environment
    )
    names = [s["name"] for s in acc["steps"]]
    assert names[:4] == ["send", "transport receipt", "reply", "reply matches"]
    assert all(s["status"] == "ok" for s in acc["steps"])
    assert (folder / "memo" / f"sent-{acc['memo_uuid']}.xml").is_file() and (
        folder / "memo" / f"reply-{acc['reply_uuid']}.xml"
    ).is_file()
    assert "Accepttest" in (folder / "signoff" / "index.html").read_text()
    assert folder.name.split("-")[1] == "rehearsal" and not (folder / "INCOMPLETE").exists()
    assert cli("audit", "verify", str(folder)).returncode == 0
    secrets = read_dotenv(d / "sample.env")
    blob = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    for k, v in secrets.items():
        for part in authorization_parts(v) if "AUTHORIZATION" in k else [v]:
            assert part.encode() not in blob
    if protocol == "REST_PUSH":
        assert names[-1] == "receipt at push endpoint"
        # a customer's cold read took the receipt step's "Modtageren godtog
        # klientcertifikatet" for their own Push Service: the page says whose it was
        page = (folder / "signoff" / "index.html").read_text(encoding="utf-8")
        assert "Modtageren var ngdpkits lokale stedfortræder for WorkZones Push Service" in page


def test_dropped_reply_ends_within_timeout(sample_dir: Path, tmp_path: Path) -> None:
    import time

    d = _copy(sample_dir, tmp_path)
    text = (
        (d / "migration.toml")
        .read_text()
        .replace('case_id = "27.12.00-G01-17-25"', 'case_id = "27.12.00-G01-17-25"\ntimeout_s = 2')
    )
    (d / "migration.toml").write_text(text)
    start = time.monotonic()
    code, folder = rehearse(
        d / "migration.toml",
        "test",
        simulator_options={"drop_replies": True},
        progress=lambda line: None,
    )
    assert time.monotonic() - start < 10
    acc = json.loads((folder / "acceptance.json").read_text())
    assert code == 1 and [f["code"] for f in acc["findings"] if f["severity"] == "error"] == [
        "REHEARSAL_NO_REPLY"
    ]


def test_rejected_send(sample_dir: Path, tmp_path: Path) -> None:
    d = _copy(sample_dir, tmp_path)
    code, folder = rehearse(
        d / "migration.toml",
        "test",
        simulator_options={"reject_status": 403},
        progress=lambda line: None,
    )
    acc = json.loads((folder / "acceptance.json").read_text())
    assert (
        code == 1
        and acc["findings"][0]["code"] == "REHEARSAL_SEND_REFUSED"
        and "403" in acc["findings"][0]["message"]
    )


def test_against_ngdp_guards(sample_dir: Path, tmp_path: Path) -> None:
    d = _copy(sample_dir, tmp_path)
    r = cli(
        "rehearse",
        "--settings",
        str(d / "migration.toml"),
        "--env",
        "production",
        "--against",
        "ngdp",
    )
    assert r.returncode == 2 and "--production" in r.stderr
    r = cli(
        "rehearse", "--settings", str(d / "migration.toml"), "--env", "test", "--against", "ngdp"
    )
    assert r.returncode == 2 and "--yes" in r.stderr and "api.test.digitalpost.dk" in r.stdout


def test_throwaway_token_without_header(sample_dir: Path, tmp_path: Path) -> None:
    d = _copy(sample_dir, tmp_path)
    env_file = d / "sample.env"
    env_file.write_text(
        "\n".join(
            line for line in env_file.read_text().splitlines() if "TEST_AUTHORIZATION" not in line
        )
        + "\n"
    )
    code, folder = rehearse(d / "migration.toml", "test", progress=lambda line: None)
    acc = json.loads((folder / "acceptance.json").read_text())
    assert code == 0 and any(
        f["code"] == "REHEARSAL_THROWAWAY_TOKEN" and f["severity"] == "info"
        for f in acc["findings"]
    )


def test_against_ngdp_path_through_the_override(
    sample_dir: Path, tmp_path: Path, sim_setup: dict[str, Any]
) -> None:
    """The --against ngdp client code, pointed at a simulator by ngdp_api_url (tests never reach NgDP)."""
    d = _copy(sample_dir, tmp_path)
    secrets = read_dotenv(d / "sample.env")
    env = sim_setup["env"]
    token = authorization_parts(secrets["NGDPKIT_TEST_AUTHORIZATION"])[-1]
    ca = SessionCA.create(tmp_path / "ca")
    cfg = SimulatorConfig(
        kind="test",
        anchors_pem=anchors_pem(sim_setup["settings"], "test"),
        cvr="98765433",
        system_id=env.system_id,
        token=token,
        contact_points={env.default_contact_point},
    )
    with Simulator(cfg, ca) as sim:
        text = (
            (d / "migration.toml")
            .read_text()
            .replace(
                'protocol = "REST_PULL"',
                f'protocol = "REST_PULL"\nngdp_api_url = "{sim.base_url}"\nngdp_api_ca = "{ca.ca_file}"',
            )
        )
        (d / "migration.toml").write_text(text)
        r = run_cli(
            "rehearse",
            "--settings",
            str(d / "migration.toml"),
            "--env",
            "test",
            "--against",
            "ngdp",
            "--yes",
        )
    assert r.returncode == 0, r.stdout + r.stderr
    folder = Path(r.stdout.strip().splitlines()[-1])
    acc = json.loads((folder / "acceptance.json").read_text())
    assert (
        acc["against"] == "ngdp"
        and acc["status"] == "ok"
        and [s["status"] for s in acc["steps"]] == ["ok"] * 4
    )
    # it says where it went, and that it is no acceptance test of NgDP (checklist step 8);
    # in test an info, so that the rehearsal's own status stays what the flow saw
    [elsewhere] = [f for f in acc["findings"] if f["code"] == "NGDP_API_URL_OVERRIDDEN"]
    assert elsewhere["severity"] == "info" and sim.base_url in elsewhere["message"]
    assert "tæller ikke som accepttest (tjeklistens trin 8)" in elsewhere["message"]
    # its page and the console say it too: "Status klar" stood beside a checklist saying it
    # does not count (a signer's second look)
    page = (folder / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "sendt til en anden adresse end NgDP&#39;s – tæller ikke som accepttest" in page
    said = r.stdout + r.stderr
    assert "(sendt til en anden adresse end NgDP's – tæller ikke som accepttest) →" in said
    # status shows the rehearsal step 8 judges, said as sent elsewhere, even after a newer
    # simulator rehearsal ("ok (simulator)" stood beside a step 8 about NgDP's: a go-live day)
    import datetime as dt

    from ngdpkit.compare.status import _rehearsal
    from ngdpkit.inputs.typed import unstructure

    code, practice = rehearse(d / "migration.toml", "test", progress=lambda line: None)
    assert code == 0 and practice is not None and practice.name > folder.name
    shown = _rehearsal(folder.parent, dt.UTC)
    assert shown is not None and (shown.folder, shown.against) == (folder.name, "ngdp")
    assert shown.elsewhere and unstructure(shown)["elsewhere"] is True


def test_simulate_command_prints_url_and_ca(sample_copy: Path) -> None:
    """The CA to trust is kept beside the settings file after the simulator stops: settings
    whose ``ngdp_api_ca`` names it stayed unusable once the session's temporary file went
    (the consultant's cold run)."""
    import os
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ngdpkit",
            "simulate",
            "--settings",
            str(sample_copy / "migration.toml"),
            "--env",
            "test",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=sigint_default,
    )
    try:
        first = proc.stdout.readline()
        second = proc.stdout.readline()
        assert first.startswith(
            "NgDP simulator for test (test): https://127.0.0.1:"
        ) and first.rstrip().endswith("/apis/v1")
        ca_file = Path(second.split(": ", 1)[1].strip())
        assert ca_file == sample_copy / "simulator" / "test-ca.pem"
        assert b"BEGIN CERTIFICATE" in ca_file.read_bytes()
        assert b"PRIVATE" not in ca_file.read_bytes()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    assert proc.returncode == 0 and ca_file.is_file()
    text = (sample_copy / "migration.toml").read_text(encoding="utf-8")
    (sample_copy / "migration.toml").write_text(
        text.replace("[environments.test]", f"[environments.test]\nngdp_api_ca = '{ca_file}'", 1),
        encoding="utf-8",
    )
    r = cli("check", "--settings", str(sample_copy / "migration.toml"), "--env", "test")
    assert r.returncode in (0, 1), r.stderr  # the settings that name it stay usable


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_simulate_stopped_by_ctrl_c_or_a_kill_removes_its_session_ca(
    sample_copy: Path, tmp_path: Path, how: str
) -> None:
    """A service manager or a cancelled CI job stops ``simulate`` with SIGTERM: it ends as
    on Ctrl-C, and its temporary folder with the session CA goes (a kill left it)."""
    import os
    import signal
    import subprocess
    import sys

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ngdpkit", "simulate", "--settings"]
        + [str(sample_copy / "migration.toml"), "--env", "test"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(tmp)},
        preexec_fn=sigint_default,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]
        ca_file = Path(lines[1].split(": ", 1)[1].strip())
        assert ca_file.is_file() and len(list(tmp.iterdir())) == 1  # the session's folder
    finally:
        proc.send_signal(getattr(signal, how))
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0 and out.rstrip().endswith("stopped") and "Traceback" not in err
    assert list(tmp.iterdir()) == []


def test_recipient_type_must_be_cpr_or_cvr(sample_dir: Path, tmp_path: Path) -> None:
    d = _copy(sample_dir, tmp_path)
    text = (
        (d / "migration.toml")
        .read_text()
        .replace('recipient_id_type = "CPR"', 'recipient_id_type = "P-nummer"')
    )
    (d / "migration.toml").write_text(text)
    code, folder = rehearse(d / "migration.toml", "test", progress=lambda line: None)
    acc = json.loads((folder / "acceptance.json").read_text())
    assert code == 1 and acc["findings"][0]["code"] == "REHEARSAL_RECIPIENT_INVALID"
    assert acc["steps"] == [
        {
            "name": "prepare",
            "status": "failed",
            "duration_s": acc["steps"][0]["duration_s"],
            "detail": "Refused before sending: REHEARSAL_RECIPIENT_INVALID.",
            "parts": [
                {
                    "template": "Refused before sending: {values}.",
                    "params": [{"name": "values", "value": "REHEARSAL_RECIPIENT_INVALID"}],
                }
            ],
        }
    ]


def test_the_push_stand_in_accepts_only_ngdps_client_certificate(tmp_path: Path) -> None:
    """Issue 25: the simulator's pushes present a client certificate (an NgDP identity the
    simulator owns) and the stand-in, like a receiver should, refuses a caller without one."""
    import ssl

    import httpx

    from ngdpkit.rehearsal.simulator import PushStandIn, SessionCA

    ca = SessionCA.create(tmp_path / "ca")
    with PushStandIn("https://push.invalid/m", "https://push.invalid/r", ca) as stand_in:
        plain = ssl.create_default_context(cafile=str(ca.ca_file))
        with pytest.raises(httpx.HTTPError), httpx.Client(verify=plain) as client:
            client.post(stand_in.url("receipt"), json={"messageUUID": "x"})
        with_cert = ssl.create_default_context(cafile=str(ca.ca_file))
        with_cert.load_cert_chain(*map(str, ca.client_identity("ngdp-push")))
        with httpx.Client(verify=with_cert) as client:
            r = client.post(stand_in.url("receipt"), json={"messageUUID": "x"})
        assert r.status_code == 200
        assert [x["client_certificate"] for x in stand_in.received()] == ["ngdp-push"]


def test_a_silent_caller_does_not_hold_up_ngdps_push(tmp_path: Path) -> None:
    """The push stand-in makes each TLS handshake in the connection's own thread: a caller
    that connects and never says hello held up every other caller in ``accept()``."""
    import socket

    from ngdpkit.rehearsal.simulator import PushStandIn, SessionCA

    ca = SessionCA.create(tmp_path / "ca")
    with PushStandIn("https://push.invalid/m", "https://push.invalid/r", ca) as stand_in:
        port = stand_in.server.server_address[1]
        with socket.create_connection(("127.0.0.1", port)):  # silent: no ClientHello
            ngdp = ssl.create_default_context(cafile=str(ca.ca_file))
            ngdp.load_cert_chain(*map(str, ca.client_identity("ngdp-push")))
            start = time.monotonic()
            with httpx.Client(verify=ngdp, timeout=5) as client:
                r = client.post(stand_in.url("receipt"), json={"messageUUID": "x"})
            assert r.status_code == 200 and time.monotonic() - start < 2


def test_a_client_hanging_up_mid_request_prints_no_traceback(
    simulator: Simulator, sim_setup: dict[str, Any], capfd: pytest.CaptureFixture[str]
) -> None:
    """``ngdpkit simulate`` runs in the consultant's console: a client that resets its
    connection halfway through a request is the client's business, as at NgDP, and the
    simulator goes on serving."""
    import socket
    import struct

    loaded = sim_setup["loaded"]
    port = int(simulator.base_url.split(":")[2].split("/")[0])
    with client_tls_context(
        loaded.leaf, loaded.key, loaded.extra, cafile=str(simulator.ca.ca_file)
    ) as ctx:
        raw = socket.create_connection(("127.0.0.1", port))
        tls = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        auth = header(sim_setup["env"].system_id, sim_setup["token"])
        tls.sendall(
            b"POST /apis/v1/memos/?memo-message-uuid=x HTTP/1.1\r\nHost: x\r\n"
            + f"Authorization: {auth}\r\nContent-Length: 100000\r\n\r\nab".encode()
        )
        time.sleep(0.3)  # the simulator is reading the body
        tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        tls.close()  # a reset, mid-body
    # the reset is counted by its handler's thread whenever that thread runs: waited for, not
    # guessed at (a fixed 0.5 s, on a loaded 2-core machine, could come before it)
    deadline = time.monotonic() + 30
    while simulator.server.hangups == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    env = sim_setup["env"]
    letter = make_letter(env.default_contact_point)
    r = send(simulator, loaded, header(env.system_id, sim_setup["token"]), letter.xml, letter.uuid)
    assert r.status_code < 500 and simulator.server.hangups == 1
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("length", ["-5", "abc", "1e3", "٣", str(2**70)])
def test_a_bad_content_length_is_answered_400_and_told_nowhere(
    simulator: Simulator, sim_setup: dict[str, Any], capfd: pytest.CaptureFixture[str], length: str
) -> None:
    """A request whose Content-Length is not a whole number in bounds gets 400, as a web
    server in front of NgDP answers it; before, it got no answer and a line about a
    ValueError in the console."""
    import socket

    loaded = sim_setup["loaded"]
    port = int(simulator.base_url.split(":")[2].split("/")[0])
    auth = header(sim_setup["env"].system_id, sim_setup["token"])
    with client_tls_context(
        loaded.leaf, loaded.key, loaded.extra, cafile=str(simulator.ca.ca_file)
    ) as ctx:
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            tls.sendall(
                b"POST /apis/v1/memos/?memo-message-uuid=x HTTP/1.1\r\nHost: x\r\n"
                + f"Authorization: {auth}\r\nContent-Length: {length}\r\n\r\n".encode()
            )
            assert tls.recv(100).startswith(b"HTTP/1.1 400")
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("language", ["da", "en"])
def test_each_step_reads_in_the_pages_language(
    sample_dir: Path, tmp_path: Path, language: str
) -> None:
    """The steps table of a rehearsal page (production: REST_PUSH, every kind of step) says
    each step's detail and duration in the run's language: the Danish page held "HTTP 201
    for …", "1 receipt(s) … delivered" and "0.05 s"."""
    import html

    from ngdpkit.catalogue import DANISH
    from ngdpkit.inputs.acceptance import AcceptanceRecord

    d = _copy(sample_dir, tmp_path)
    toml = d / "migration.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace('language = "da"', f'language = "{language}"'),
        encoding="utf-8",
    )
    said: list[str] = []
    code, folder = rehearse(toml, "production", progress=said.append)
    assert code == 0
    record = AcceptanceRecord.of(json.loads((folder / "acceptance.json").read_text()))
    console = "\n".join(said[-6:])  # the steps and the verdict, as the page says them
    for step in record.steps:
        assert step.text(language) in console
    if language == "da":  # it said "send: ok (0.05 s)" and "production: acceptance ok"
        # a decimal comma, however long the send took (0,10 s on a loaded machine)
        assert re.search(r"afsendelse af testbrev: ok \(\d+,\d\d s\)", console), console
        # against the simulator it says so (a customer read "Accepttest ok" as NgDP's)
        assert "production: Accepttest ok (lokal øvelse – ikke NgDP) →" in console
    else:
        assert "production: Acceptance test ok (local rehearsal – not NgDP) →" in console
    page = html.unescape((folder / "signoff" / "index.html").read_text(encoding="utf-8"))
    assert len(record.steps) == 5 and all(s.parts for s in record.steps)
    for step in record.steps:
        text = step.text(language)
        assert text and text in page, (step.name, text)
        other = "en" if language == "da" else "da"
        assert step.text(other) != text and step.text(other) not in page, step.name
        for part in step.parts:  # the English line is the English sentences, kept for readers
            assert part.text("en") in step.detail
            assert part.template in DANISH
    durations = re.findall(r">(\d+[.,]\d\d) s<", page)
    assert len(durations) == 5
    assert all(("," in x) == (language == "da") for x in durations), durations


def test_a_step_line_the_kit_did_not_write_is_shown_as_written_never_formatted() -> None:
    """An older rehearsal's steps have only their line; a sentence whose template is not the
    kit's own (a hand-edited record) is never formatted: the line is shown instead (which the
    page escapes, as test_neighbours shows with a forged record)."""
    from ngdpkit.findings import Sentence, SentenceValue
    from ngdpkit.inputs.acceptance import AcceptanceStep

    old = AcceptanceStep("send", "ok", 0.1, "HTTP 201 for x")
    assert old.text("da") == old.text("en") == "HTTP 201 for x"
    forged = AcceptanceStep(
        "send",
        "ok",
        0.1,
        "<b>line</b>",
        (Sentence("{uuid.__class__} {uuid}", (SentenceValue("uuid", "u"),)),),
    )
    assert forged.text("da") == forged.text("en") == "<b>line</b>"
    kit = Sentence.of("Reply {uuid}.", uuid="<script>alert(1)</script>")
    assert kit.text("da") == "Svar <script>alert(1)</script>."
    assert kit.text("en") == "Reply <script>alert(1)</script>."
    spoken = Sentence.of("The request failed: {detail}.", detail="line one\nline two")
    assert spoken.text("en") == "The request failed: line one line two."


def test_a_reply_to_another_letter_contact_point_and_case_is_three_errors_in_danish() -> None:
    """The reply must answer this letter, from this contact point, on this case: each
    mismatch is its own finding and sentence, said in the page's language."""
    from ngdpkit.rehearsal.flow import Acceptance, _check_reply

    other = {
        "uuid": "11111111-2222-4333-8444-555555555555",
        "label": "Testbrev",
        "sender_id": "98765433",
        "contact_point": "0e3f7507-6c3a-5658-910d-f93aafd577e7",
        "case_id": "99.99.99-X",
    }
    reply = memo.build_reply(other, citizen_id="0101012222", citizen_type="CPR")
    acc = Acceptance("test", "simulator")
    wanted_cp = "9366b98e-64ef-58fe-a723-950f3d511167"
    letter = "aaaaaaaa-2222-4333-8444-555555555555"
    _check_reply(reply.xml, letter, wanted_cp, "27.12.00-G01-17-25", acc, time.monotonic())
    mismatches = [f for f in acc.findings if f.code == "REHEARSAL_REPLY_MISMATCH"]
    assert [f.severity for f in mismatches] == ["error"] * 3
    danish = [f.text("da") for f in mismatches]
    assert danish == [
        f"Svaret passer ikke til brevet: det besvarer {other['uuid']}, ikke {letter}.",
        f"Svaret passer ikke til brevet: det nævner kontaktpunkt {other['contact_point']}, "
        f"ikke {wanted_cp}.",
        "Svaret passer ikke til brevet: det nævner sag 99.99.99-X, ikke 27.12.00-G01-17-25.",
    ]
    step = acc.steps[-1]
    assert step.name == "reply matches" and step.status == "failed" and len(step.parts) == 3
    assert step.text("da").startswith(f"Det besvarer {other['uuid']}, ikke {letter}. Det nævner")
    assert step.detail.startswith(f"It answers {other['uuid']}, not {letter}. It names")


def test_simulate_on_a_port_in_use_is_one_line(sample_copy: Path) -> None:
    """The consultant's second cold run: "the kit crashed in 'simulate': OSError: [Errno 98]
    Address already in use"."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = cli(
            "simulate",
            "--settings",
            str(sample_copy / "migration.toml"),
            "--env",
            "test",
            "--port",
            str(port),
        )
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
    assert f"--port {port}: cannot listen" in r.stderr and "crashed" not in r.stderr


def test_simulate_starts_when_the_settings_name_the_ca_it_has_not_written_yet(
    sample_copy: Path,
) -> None:
    """The CA file ``simulate`` keeps beside the settings, named in ``ngdp_api_ca`` before it
    exists (or after it was moved): the settings were refused whole, simulate's too."""
    import signal

    toml = sample_copy / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        text.replace(
            "[environments.test]",
            "[environments.test]\nngdp_api_ca = 'simulator/test-ca.pem'",
            1,
        ),
        encoding="utf-8",
    )
    assert not (sample_copy / "simulator").exists()
    proc = _simulator(toml)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("NgDP simulator for test"), first + proc.stderr.read()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert (sample_copy / "simulator" / "test-ca.pem").is_file()


def test_a_production_rehearsal_of_another_address_is_an_error(sample_dir: Path) -> None:
    """A go-live day's cold run: ``rehearse --against ngdp --production`` with ngdp_api_url
    pointing at a local NgDP made production's step 8 "færdig". As in a run, in production
    it is an error: the rehearsal's status is errors, and it never counts."""
    import dataclasses

    from ngdpkit.rehearsal.flow import Acceptance, _ngdp_base

    settings = load_settings(sample_dir / "migration.toml")
    production = dataclasses.replace(
        settings.environments["production"], ngdp_api_url="https://127.0.0.1:18443/apis/v1"
    )
    acc = Acceptance("production", "ngdp")
    assert _ngdp_base(production, acc) == ("https://127.0.0.1:18443/apis/v1", None)
    [found] = acc.findings
    assert (found.code, found.severity, acc.status) == (
        "NGDP_API_URL_OVERRIDDEN",
        "error",
        "errors",
    )
    assert "does not count as the acceptance test (checklist step 8)" in found.text("en")
    # its page says why it is not ready, and the question before it says where it goes
    import io
    from contextlib import redirect_stdout

    from ngdpkit.rehearsal.flow import _acceptance_head, _confirm

    head = str(_acceptance_head(settings, production, acc, "20261206T120000Z-rehearsal-x", None))
    assert (
        "ikke klar (sendt til en anden adresse end NgDP&#39;s – tæller ikke som accepttest)" in head
    )
    said = io.StringIO()
    with redirect_stdout(said):
        _confirm(production, settings, yes=True)
    assert said.getvalue().startswith("This sends ONE letter to ngdp_api_url's address, not NgDP's")
    official = Acceptance("production", "ngdp")
    assert _ngdp_base(settings.environments["production"], official) is not None
    assert official.findings == []


def test_step_8_never_reads_a_simulator_rehearsal(sample_dir: Path, tmp_path: Path) -> None:
    """An attacker's look: a simulator rehearsal after a failed one against NgDP hid the
    failure from step 8, which read the newest rehearsal of any kind. The checklist reads
    the newest against NgDP; the overview still links the newest of any kind."""
    from ngdpkit.run.neighbours import latest_acceptance

    d = _copy(sample_dir, tmp_path)
    code, folder = rehearse(d / "migration.toml", "test", progress=lambda line: None)
    assert code == 0 and folder is not None
    newest = latest_acceptance(folder.parent)
    assert newest is not None and newest.against == "simulator"
    assert latest_acceptance(folder.parent, against="ngdp") is None
    assert latest_acceptance(folder.parent, against="simulator") == newest


def test_a_rehearsal_sent_elsewhere_never_hides_an_older_one_of_ngdp() -> None:
    """A go-live day's second look: a failed rehearsal of NgDP, then one sent to a local
    NgDP through ngdp_api_url, and step 8 read "færdig" on an older confirmation. The newest
    rehearsal of NgDP itself is judged; one sent elsewhere only when there is no other."""
    from types import SimpleNamespace

    from ngdpkit import findings as F
    from ngdpkit.run.neighbours import pick_acceptance

    away = F.error("NGDP_API_URL_OVERRIDDEN", "x", "environments.production.ngdp_api_url")
    local = SimpleNamespace(against="ngdp", findings=[away], status="errors")
    failed = SimpleNamespace(against="ngdp", findings=[], status="errors")
    practice = SimpleNamespace(against="simulator", findings=[], status="ok")
    assert pick_acceptance([practice, local, failed], "ngdp") is failed
    assert pick_acceptance([practice, local], "ngdp") is local
    assert pick_acceptance([practice], "ngdp") is None


@pytest.mark.parametrize(
    "kind,value,said",
    [
        ("CPR", "101709996", "leading zero was lost"),
        ("CPR", "1,01709E+09", "scientific notation"),
        ("CPR", "1.01709E+09", "scientific notation"),
        ("CPR", "010170-9996", "not the {count} digits"),
        ("CVR", "9.87654E+07", "scientific notation"),
        ("CVR", "2918985", "not the {count} digits"),
    ],
)
def test_a_recipient_excel_has_changed_is_refused_before_sending(
    sample_dir: Path, tmp_path: Path, kind: str, value: str, said: str
) -> None:
    """A consultant's Windows pass: the test citizen's CPR number copied out of an Excel cell
    (saved by Notepad: a BOM and CRLF) had lost its leading zero ("101709996") or its digits
    ("1,01709E+09"), and the letter was sent to that number, to no one or another person.
    Refused before sending, saying why in Excel's terms and never repeating the number."""
    d = _copy(sample_dir, tmp_path)
    toml = d / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('recipient_id = "0101709996"', f'recipient_id = "{value}"')
    text = text.replace('recipient_id_type = "CPR"', f'recipient_id_type = "{kind}"')
    toml.write_bytes(text.replace("\n", "\r\n").encode("utf-8-sig"))
    code, folder = rehearse(toml, "test", progress=lambda line: None)
    acc = json.loads((folder / "acceptance.json").read_text())
    assert code == 1 and acc["memo_uuid"] is None, acc
    (found,) = [f for f in acc["findings"] if f["code"] == "REHEARSAL_RECIPIENT_INVALID"]
    assert said in found["template"] and found["source"] == "rehearsal.recipient_id", found
    assert not list(folder.rglob("sent-*.xml"))
    for path in folder.rglob("*"):
        if path.is_file():
            assert value.encode() not in path.read_bytes(), path


def test_a_recipient_of_ten_or_eight_digits_is_not_refused() -> None:
    from ngdpkit.rehearsal.flow import _recipient_id_problems

    assert _recipient_id_problems("0101709996", "CPR") == []
    assert _recipient_id_problems("98765433", "CVR") == []
    assert _recipient_id_problems("０１０１７０９９９６", "CPR")  # full-width digits are no digits


def test_a_refused_rehearsal_says_what_to_set_on_the_console(
    sample_dir: Path, tmp_path: Path
) -> None:
    """A rehearsal refused before sending names each error as run does under its line, with
    what to set: a consultant's first day read only "Afvist før afsendelse:
    PENDING_RECIPIENT_ID." and had to open the page to learn that [rehearsal] recipient_id
    was missing."""
    d = _copy(sample_dir, tmp_path)
    toml = d / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(re.sub(r"(?m)^recipient_id = .*$", "", text), encoding="utf-8")
    said: list[str] = []
    code, folder = rehearse(toml, "test", progress=said.append)
    assert code == 1
    verdict = next(i for i, line in enumerate(said) if line.startswith("test: Accepttest fejl"))
    under = said[verdict + 1 :]
    assert under == [
        "  fejl PENDING_RECIPIENT_ID: En accepttest kræver [rehearsal] recipient_id (en"
        " testborger eller -virksomhed). [rehearsal.recipient_id]"
    ], said


@pytest.mark.parametrize("stop", [RuntimeError("a bug in rendering"), KeyboardInterrupt()])
def test_a_rehearsal_stopped_before_its_seal_leaves_no_secret(
    sample_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: BaseException
) -> None:
    """An attacker's look at ``rehearse`` beside ``run``'s crash scan: the organisation's
    name is in the letter sent, and a name equal to the certificate password (an input
    value equal to a secret) stood in ``memo/sent-….xml`` when the kit crashed, or Ctrl-C
    came, after the letter was written and before the seal's scan. Such a folder is scanned
    as ``run``'s is, and a file that holds a secret holds its note instead; the folder stays
    marked incomplete and the crash or Ctrl-C is what is told."""
    from ngdpkit.rehearsal import flow

    d = _copy(sample_dir, tmp_path)
    password = read_dotenv(d / "sample.env")["NGDPKIT_TEST_CERT_PASSWORD"]
    settings = d / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^name = "Eksempel Kommune \(fiktiv\)"$', f'name = "{password}"', text)
    assert password in text
    settings.write_text(text, encoding="utf-8")

    def stopped(*args: Any, **kwargs: Any) -> str:
        raise stop

    monkeypatch.setattr(flow, "render_acceptance", stopped)
    with pytest.raises(type(stop)):
        rehearse(settings, "test", progress=lambda line: None)
    (folder,) = (d / "runs" / "test").glob("*-rehearsal-*")
    assert (folder / "INCOMPLETE").exists()
    sent = list((folder / "memo").glob("sent-*.xml"))
    assert sent, "the letter was written before the stop"
    for path in folder.rglob("*"):
        if path.is_file():
            assert password.encode() not in path.read_bytes(), path


@pytest.mark.parametrize("stop", [KeyboardInterrupt(), BrokenPipeError()])
def test_a_rehearsal_stopped_after_its_seal_is_left_as_sealed(
    tmp_path: Path, stop: BaseException
) -> None:
    """A reviewer's look at the scrub of a stopped rehearsal: it ran for whatever stopped the
    rehearsal, also after its seal, while its verdict was printed (Ctrl-C at the last line, a
    console piped into ``head``): the sealed page got the banner "did not finish" and the
    folder no longer verified. A rehearsal that finished is left as sealed; one still marked
    incomplete is scrubbed and marked as before, and the stop is raised either way."""
    from types import SimpleNamespace

    from ngdpkit.rehearsal.flow import _scrubbed_if_unfinished

    secret = "Hemmelig-Kode-42"
    page = "<html><head><title>t</title></head><body><p>Accepttest ok</p></body></html>"
    for finished in (True, False):
        run_dir = tmp_path / str(finished)
        (run_dir / "signoff").mkdir(parents=True)
        (run_dir / "signoff" / "index.html").write_text(page, encoding="utf-8")
        (run_dir / "memo.xml").write_text(f"<x>{secret}</x>", encoding="utf-8")
        if not finished:
            (run_dir / "INCOMPLETE").write_text("This run has not finished.\n")
        hashes = {"run_finished": "0" * 64} if finished else {}
        folder = SimpleNamespace(path=run_dir, trail=SimpleNamespace(hashes=hashes))
        with pytest.raises(type(stop)), _scrubbed_if_unfinished(folder, {"X": [secret]}, "da"):
            raise stop
        shown = (run_dir / "signoff" / "index.html").read_text(encoding="utf-8")
        memo_text = (run_dir / "memo.xml").read_text(encoding="utf-8")
        if finished:
            assert shown == page and secret in memo_text
        else:
            assert shown != page and secret not in memo_text


def test_the_acceptance_part_of_a_signed_run_names_its_anchor_the_rehearsals(
    sample_dir: Path,
) -> None:
    """An IT manager's read: signoff.pdf held the run's anchor under "Revisionsspor: anker"
    and, in its acceptance part, the rehearsal folder's anchor under the same heading, and
    did not say which of the two ``audit verify --expect-hash`` takes for this run. In the
    run's document the rehearsal's anchor is named as the rehearsal folder's; the
    rehearsal's own page keeps its heading."""
    from ngdpkit.rehearsal.flow import Acceptance, render_acceptance

    settings = load_settings(sample_dir / "migration.toml")
    env = settings.environments["test"]
    acc = Acceptance("test", "simulator")
    folder, anchor = "20261206T120000Z-rehearsal-abc123", "ab" * 32
    in_run = render_acceptance(settings, env, acc, folder, anchor, in_run=True)
    assert "Revisionsspor: anker (hash af de forseglede leverancer)" not in in_run
    assert f"Accepttestens eget revisionsspor: anker for mappen {folder} (ikke denne" in in_run
    assert anchor in in_run
    own = render_acceptance(settings, env, acc, folder, anchor)
    assert "Revisionsspor: anker (hash af de forseglede leverancer)" in own
    assert "Accepttestens eget" not in own


def test_simulate_prints_the_two_settings_lines_to_paste(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README says simulate prints the two keys a copy of the settings needs; it printed
    the URL and the CA to trust, and the consultant typed ``ngdp_api_url`` and
    ``ngdp_api_ca`` by hand (the CA's path absolute, from another machine's folder). Both
    are printed ready to paste under the environment's table, the CA relative to the
    settings file, and a copy with them pasted points at this simulator."""
    import threading

    real_sleep, main = time.sleep, threading.current_thread()

    def stopped(seconds: float) -> None:  # Ctrl-C once it listens, in the command's thread
        if threading.current_thread() is main:
            raise KeyboardInterrupt
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", stopped)
    settings = sample_copy / "migration.toml"
    r = cli("simulate", "--settings", str(settings), "--env", "test")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    url = lines[0].split(": ", 1)[1]
    assert lines[2] == (
        "for a copy of the settings (never the real ones), under [environments.test]:"
    ), r.stdout
    assert lines[3:5] == [
        f'    ngdp_api_url = "{url}"',
        '    ngdp_api_ca = "simulator/test-ca.pem"',
    ], r.stdout
    copy = sample_copy / "migration-simulator.toml"
    text = settings.read_text(encoding="utf-8")
    pasted = "[environments.test]\n" + "\n".join(lines[3:5]) + "\n"
    copy.write_text(text.replace("[environments.test]\n", pasted, 1), encoding="utf-8")
    env = load_settings(copy).environment("test")
    assert env.ngdp_api_url == url
    assert env.ngdp_api_ca == sample_copy / "simulator" / "test-ca.pem"


def test_the_acceptance_head_says_the_environment_and_times_in_the_pages_language(
    sample_dir: Path,
) -> None:
    """A signer's read of a production rehearsal's page: "Miljø production (production,
    REST_PUSH)" was English on a Danish page, and "Dannet 07-12-2026 kl. 09:24" beside a run
    named "20261207T082446Z-…" did not say which time was which. The head says them as the
    overview does."""
    import datetime as dt

    from ngdpkit.rehearsal.flow import Acceptance, _acceptance_head

    settings = load_settings(sample_dir / "migration.toml")
    production = settings.environments["production"]
    acc = Acceptance("production", "simulator")
    when = dt.datetime(2026, 12, 7, 8, 24, tzinfo=dt.UTC)
    head = str(_acceptance_head(settings, production, acc, "20261207T082446Z-rehearsal-x", when))
    assert "production (produktionsmiljø, REST_PUSH)" in head
    assert "(production, REST_PUSH)" not in head
    assert "20261207T082446Z-rehearsal-x (navnet begynder med kørslens start i UTC)" in head
    assert "07-12-2026 kl. 09:24 (dansk tid)" in head


def test_a_cpr_number_swapped_into_the_recipient_type_is_not_repeated(
    sample_dir: Path, tmp_path: Path
) -> None:
    """An attacker's look at REHEARSAL_RECIPIENT_INVALID: the two values swapped
    (recipient_id = "CPR", recipient_id_type = the test citizen's CPR number) put the number
    into the finding quoting the type, on the rehearsal's page and in acceptance.json, while
    the console hid it; never a file that holds it."""
    d = _copy(sample_dir, tmp_path)
    toml = d / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('recipient_id = "0101709996"', 'recipient_id = "CPR"')
    text = text.replace('recipient_id_type = "CPR"', 'recipient_id_type = "0101709996"')
    toml.write_text(text, encoding="utf-8")
    code, folder = rehearse(toml, "test", progress=lambda line: None)
    acc = json.loads((folder / "acceptance.json").read_text())
    (found,) = [f for f in acc["findings"] if f["code"] == "REHEARSAL_RECIPIENT_INVALID"]
    assert code == 1 and found["source"] == "rehearsal.recipient_id_type", found
    assert "CPR-nummer udeladt" in found["message"], found
    for path in folder.rglob("*"):
        if path.is_file():
            assert b"0101709996" not in path.read_bytes(), path


def test_simulate_warns_of_a_cpr_shaped_cvr_and_starts(sample_copy: Path) -> None:
    """A consultant's rough edge: ``simulate`` started with a CPR number as organisation.cvr
    and said nothing (the value never leaves the machine, but the rehearsal against it is
    relied on). One warning line on stderr, in the settings' language, without the number;
    the simulator starts all the same."""
    import signal

    toml = sample_copy / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('cvr = "98765433"', 'cvr = "010170-1299"', 1), encoding="utf-8")
    proc = _simulator(toml)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # it listens: what it said before is on stderr
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    warning, *rest = err.splitlines() or [""]
    assert warning.startswith("ngdpkit: advarsel: organisation.cvr har form som et CPR-nummer")
    assert "simulatoren starter alligevel" in warning and "1299" not in warning + err
    assert first.startswith("NgDP simulator for test"), first + err
    assert proc.returncode == 0 and not any("advarsel" in line for line in rest), err


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_simulators_cpr_warning_says_what_rehearse_then_does(
    sample_copy: Path, language: str
) -> None:
    """A consultant's look: ``simulate``'s warning of a CPR-shaped organisation.cvr said to
    correct it "before you rely on the rehearsal", as if a rehearsal ran; ``rehearse``
    against that simulator refuses before its letter is made (CVR_INVALID), and ``run
    --online ngdp`` does not read NgDP. The warning says so, in the settings' language."""
    from ngdpkit.documents.i18n import t

    toml = sample_copy / "migration.toml"
    text = toml.read_text(encoding="utf-8").replace('cvr = "98765433"', 'cvr = "010170-1299"', 1)
    toml.write_text(
        text.replace('language = "da"', f'language = "{language}"', 1), encoding="utf-8"
    )
    r = cli("rehearse", "--settings", str(toml), "--env", "test", "--against", "simulator")
    assert "CVR_INVALID" in r.stdout + r.stderr and "1299" not in r.stdout + r.stderr
    assert not list(sample_copy.glob("runs/test/*rehearsal*/memo/sent-*.xml"))
    warning = t(language, "simulate_cvr_cpr")
    said = {
        "da": ("afviser rehearse at sende et brev", "run --online ngdp læser ikke NgDP"),
        "en": ("rehearse refuses to send a letter", "run --online ngdp does not read NgDP"),
    }
    assert all(part in warning for part in said[language]), warning
    assert "øvelsen" not in warning and "rely on" not in warning


def _simulator(toml: Path) -> Any:
    """``ngdpkit simulate`` of test started from ``toml`` as a user starts it (its output
    unbuffered, SIGINT at its default so that Ctrl-C stops it)."""
    import os
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "ngdpkit", "simulate", "--settings", str(toml), "--env", "test"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=sigint_default,
    )
