"""`ngdpkit run` and `check` on the sample through real papermill kernels."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import signal
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ngdpkit.checks.system import authorization_parts
from ngdpkit.secrets import read_dotenv
from tests.conftest import (
    REPO,
    children_of,
    cli,
    copy_sample_run,
    kernel_spec,
    sigint_default,
    waiting_child,
)

SECTION_7 = [
    "findings.json",
    "dispatcher-config.json",
    "mailbox-mapping.xlsx",
    "mailbox-mapping.csv",
    "portal-registration.json",
    "firewall-rules.csv",
    "server-check.ps1",
    "install-certificate.ps1",
    "audit.jsonl",
    "manifest.json",
    "signoff/index.html",
    "signoff/portal.html",
    "signoff/firewall.html",
    *[
        f"signoff/{n}.html"
        for n in (
            "01_mailboxes",
            "02_contact_points",
            "03_certificate",
            "04_system_and_network",
            "05_dispatcher_config",
        )
    ],
    *[
        f"notebooks/{n}.ipynb"
        for n in (
            "01_mailboxes",
            "02_contact_points",
            "03_certificate",
            "04_system_and_network",
            "05_dispatcher_config",
        )
    ],
    *[
        f"steps/{n}.json"
        for n in (
            "01_mailboxes",
            "02_contact_points",
            "03_certificate",
            "04_system_and_network",
            "05_dispatcher_config",
        )
    ],
]


@pytest.fixture(scope="module")
def sample_run(
    tmp_path_factory: pytest.TempPathFactory, sample_run_all: dict[str, Any]
) -> dict[str, Any]:
    """The session's ``run --env all`` of the sample, copied for this module (its bundle
    test writes beside a run folder): the folders it printed, as they are in the copy."""
    d = copy_sample_run(sample_run_all, tmp_path_factory.mktemp("run") / "sample")
    base = sample_run_all["sample"].resolve()
    folders = [d / f.resolve().relative_to(base) for f in sample_run_all["folders"]]
    return {"dir": d, "result": sample_run_all["result"], "folders": folders}


def run_sample(sample: Path, *args: str) -> Any:
    """`ngdpkit run` on one environment (test) of a sample copy, with extra arguments, through
    the command line's ``main`` in this process (its child and kernel are processes as ever):
    the tests that use it assert what the run answers and writes, not how its parent process
    starts, and a parent process of its own spent ~1.3 CPU-s starting and importing the kit."""
    return cli("run", "--settings", str(sample / "migration.toml"), "--env", "test", *args)


def sigint_ignored() -> None:
    """For ``Popen(preexec_fn=…)``: Ctrl-C ignored, as a non-interactive shell starts a command
    with ``&``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def all_secret_parts(sample: Path) -> dict[str, list[str]]:
    values = read_dotenv(sample / "sample.env")
    return {k: authorization_parts(v) if "AUTHORIZATION" in k else [v] for k, v in values.items()}


def test_run_exits_zero_and_prints_each_folder(sample_run: dict[str, Any]) -> None:
    r = sample_run["result"]
    assert r.returncode == 0, r.stdout + r.stderr
    assert [f.parent.name for f in sample_run["folders"]] == ["test", "production"]
    assert "[test]   1/5 01_mailboxes" in r.stdout and "Traceback" not in r.stdout + r.stderr


def test_every_file_of_section_7_exists_and_parses(sample_run: dict[str, Any]) -> None:
    import openpyxl

    for folder in sample_run["folders"]:
        for name in SECTION_7:
            assert (folder / name).is_file(), f"{folder.name}: {name}"
        for name in (
            "findings.json",
            "dispatcher-config.json",
            "portal-registration.json",
            "manifest.json",
        ):
            json.loads((folder / name).read_text(encoding="utf-8"))
        for line in (folder / "audit.jsonl").read_text(encoding="utf-8").splitlines():
            json.loads(line)
        openpyxl.load_workbook(folder / "mailbox-mapping.xlsx")
        assert (folder / "mailbox-mapping.csv").read_bytes().startswith(b"\xef\xbb\xbfMailbox ID;")
        assert (folder.parent / "LATEST").read_text().strip() == folder.name
        assert not (folder / "INCOMPLETE").exists()
        findings = json.loads((folder / "findings.json").read_text())
        assert (
            findings["environment"] == folder.parent.name
            and findings["status"] == "warnings"
            and findings["error"] is None
        )


def test_dispatcher_config_shape(sample_run: dict[str, Any]) -> None:
    prod = sample_run["folders"][1]
    c = json.loads((prod / "dispatcher-config.json").read_text())
    assert (
        c["schema"] == "ngdpkit/dispatcher-config/1"
        and c["ready"] is True
        and c["environment"] == "production"
    )
    assert c["ngdp"] == {
        "api_base_url": "https://api.digitalpost.dk/apis/v1",
        "address": "https://api.digitalpost.dk",  # the vendor page's, as the page shows it
        "system_id": "9e7d6c5b-4a3f-4b2e-8d1c-0f9e8d7c6b51",
        "protocol": "REST_PUSH",
    }
    assert c["push"]["message_endpoint"].endswith(
        "/api/MeMoV1/memos/?system-uuid=9e7d6c5b-4a3f-4b2e-8d1c-0f9e8d7c6b51"
    )
    assert re.fullmatch(r"[0-9A-F]{40}", c["certificate"]["thumbprint_sha1"]) and c["certificate"][
        "not_after"
    ].endswith("Z")
    assert c["authorization"]["variable"] == "NGDPKIT_PRODUCTION_AUTHORIZATION"
    import hashlib

    assert (
        c["mailbox_mapping"]["sha256"]
        == hashlib.sha256((prod / "mailbox-mapping.csv").read_bytes()).hexdigest()
    )
    assert c["mailbox_mapping"]["rows"] == 200 and c["run_id"] == prod.name


def test_html_has_no_code_no_cdn_no_secret(sample_run: dict[str, Any]) -> None:
    from ngdpkit.run.scan import needles, scan_file

    pins = needles(all_secret_parts(sample_run["dir"]))
    for folder in sample_run["folders"]:
        for page in (folder / "signoff").glob("*.html"):
            text = page.read_text(encoding="utf-8")
            assert (
                "import ngdpkit" not in text
                and "nk.start_step" not in text
                and "jp-InputArea" not in text
            )
            assert not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']https?://", text), page
            assert "cdn" not in text.lower() and "<script" not in text
        for path in folder.rglob("*"):
            if path.is_file():
                assert scan_file(path, pins) == [], path


def test_overview_in_danish(sample_run: dict[str, Any]) -> None:
    text = (sample_run["folders"][0] / "signoff" / "index.html").read_text(encoding="utf-8")
    for word in (
        "Godkendelsesdokument",
        "Eksempel Kommune (fiktiv)",
        "klar",
        "Underskrifter",
        "Konsulent",
        "Kunde",
        "Revisionsspor",
        "egne tillidsankre",
    ):
        assert word in text
    assert '<html lang="da">' in text


def test_the_run_records_its_kernel_and_each_writer(sample_run: dict[str, Any]) -> None:
    """Issue 31's trace: ``run_finished`` says how long the sequence's one kernel took from
    its launch to its first answer, how long each notebook waited for it, and each output
    writer's seconds in the order they ran."""
    from ngdpkit.steps import STEP_NAMES

    for folder in sample_run["folders"]:
        records = (folder / "audit.jsonl").read_text(encoding="utf-8").splitlines()
        finished = json.loads(records[-1])
        kernel = finished["kernel"]
        assert 0 < kernel["first_boot_s"] < 60
        assert list(kernel["ready_waits"]) == list(STEP_NAMES)
        assert all(0 <= s < kernel["first_boot_s"] for s in kernel["ready_waits"].values())
        labels = [label for label, seconds in finished["writers"] if seconds >= 0]
        assert labels[:3] == ["checklist", "findings.json", "mailbox mapping"]
        # changes.json last: it compares every deliverable with the previous run's (written
        # before the checklist and runbook, it called them changed in every run)
        assert labels[-3:] == ["checklist.json, checklist.xlsx", "runbook", "changes.json"]
        assert any(label.startswith("04_system_and_network") for label in labels)


def test_kernel_runs_the_cli_interpreter(sample_run: dict[str, Any]) -> None:
    step = json.loads((sample_run["folders"][0] / "steps" / "01_mailboxes.json").read_text())
    assert Path(step["interpreter"]).resolve() == Path(sys.executable).resolve()


def test_parameters_scrubbed_and_audit_intact(sample_run: dict[str, Any]) -> None:
    folder = sample_run["folders"][0]
    nb = json.loads((folder / "notebooks" / "03_certificate.ipynb").read_text())
    assert set(nb["metadata"]["papermill"]["parameters"].values()) == {"(scrubbed)"}
    r = cli("audit", "verify", str(folder))
    assert r.returncode == 0 and "intact" in r.stdout
    events = [json.loads(x)["event"] for x in (folder / "audit.jsonl").read_text().splitlines()]
    assert (
        events[0] == "run_started"
        and events[-1] == "run_finished"
        and "checks_finished" in events
        and "input_read" in events
    )
    assert events.count("step") == 5
    manifest = json.loads((folder / "manifest.json").read_text())
    paths = {f["path"] for f in manifest["files"]}
    assert "audit.jsonl" in paths and "signoff/index.html" in paths and "manifest.json" not in paths
    reads = [
        json.loads(x)
        for x in (folder / "audit.jsonl").read_text().splitlines()
        if '"input_read"' in x
    ]
    secrets_file = [r for r in reads if r["path"] == "sample.env"]
    assert secrets_file and all(
        "sha256" not in r and "size" not in r for r in secrets_file
    )  # by path only
    assert any(r["path"] == "mailboxes.xlsx" and len(r["sha256"]) == 64 for r in reads)


def test_bundle_has_no_secrets(sample_run: dict[str, Any]) -> None:
    folder = sample_run["folders"][0]
    r = cli("bundle", str(folder))
    assert r.returncode == 0
    zpath = Path(r.stdout.strip())
    with zipfile.ZipFile(zpath) as zf:
        names = zf.namelist()
        blob = b"".join(zf.read(n) for n in names)
    # findings.json only with the workbooks since session 25 (it may name citizens): its
    # findings are in summary.json, mailbox names hidden
    assert (
        "summary.json" in names
        and "findings.json" not in names
        and "mailbox-mapping.xlsx" not in names
    )
    for parts in all_secret_parts(sample_run["dir"]).values():
        for part in parts:
            assert part.encode() not in blob


def test_check_json_both_environments(sample_dir: Path) -> None:
    r = cli("check", "--settings", str(sample_dir / "migration.toml"), "--env", "all", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert [d["environment"] for d in data] == ["test", "production"]
    assert all(d["status"] == "warnings" and d["error"] is None for d in data)
    assert sum(1 for f in data[0]["findings"] if f["code"] == "NET_SKIPPED") == 2


def test_check_reads_each_workbook_once_and_side_by_side(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check`` reads (and parses) the workbooks of the chosen environments on threads
    first; its steps take them from that cache. The findings are the ones reading them in
    the steps gives."""
    import threading

    from ngdpkit.inputs import contact_points, mapping, workbooks
    from ngdpkit.run.preflight import read_tables
    from ngdpkit.settings import load_settings
    from ngdpkit.steps import run_all

    settings = load_settings(sample_copy / "migration.toml")
    reads: list[tuple[str, str]] = []

    def counting(module: Any, name: str) -> None:
        real = getattr(module, name)

        def counted(path: Path, *args: Any, **kwargs: Any) -> Any:
            reads.append((f"{name} {path.name}", threading.current_thread().name))
            return real(path, *args, **kwargs)

        monkeypatch.setattr(module, name, counted)

    counting(workbooks, "_read_table")
    counting(contact_points, "_read_sheet")
    counting(mapping, "_read_mapping_file")
    tables = read_tables(settings, ["test", "production"])
    read_first = sorted(reads)
    cached = [f.to_dict() for s in run_all(settings, "test", tables=tables) for f in s.findings]
    assert sorted(reads) == read_first  # nothing read or parsed again by the steps
    assert all(thread != threading.main_thread().name for _, thread in reads)
    assert len({name for name, _ in reads}) == len(reads)  # each file once, for both
    assert any(name.startswith("_read_mapping_file") for name, _ in reads)
    plain = [f.to_dict() for s in run_all(settings, "test") for f in s.findings]
    assert cached == plain


def test_check_refuses_unknown_environment(sample_dir: Path) -> None:
    r = cli("check", "--settings", str(sample_dir / "migration.toml"), "--env", "staging", "--json")
    assert r.returncode == 2 and json.loads(r.stdout)["status"] == "unusable"
    assert "unknown environment 'staging'" in r.stderr and "Traceback" not in r.stderr


def test_run_names_what_it_runs_only_once_the_settings_name_it(sample_dir: Path) -> None:
    """The banner followed the settings: "running staging" and then "unknown environment
    'staging'" told a consultant two things at once."""
    settings = str(sample_dir / "migration.toml")
    r = cli("run", "--settings", settings, "--env", "staging", "--out", str(sample_dir / "no"))
    assert r.returncode == 2 and r.stdout == ""
    assert "unknown environment 'staging'" in r.stderr
    assert not (sample_dir / "no").exists()


def notebooks_with(tmp_path: Path, name: str, code: str) -> Path:
    """A notebooks folder (``--notebooks``) whose ``name`` has ``code`` as its fifth cell,
    made in ``tmp_path / "nb"`` or added to it."""
    folder = tmp_path / "nb"
    folder.mkdir(exist_ok=True)
    nb = json.loads((REPO / "notebooks" / f"{name}.ipynb").read_text())
    nb["cells"].insert(
        4,
        {
            "cell_type": "code",
            "id": "planted",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": code,
        },
    )
    (folder / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return folder


def run_in_step_2(sample: Path, notebooks: Path, **popen: Any) -> Any:
    """``ngdpkit run --env test`` of ``sample`` with ``notebooks`` as a child process (its
    output unbuffered, merged into ``stdout``), read until notebook 02 has started."""
    import os
    import subprocess

    proc = subprocess.Popen(
        [sys.executable, "-m", "ngdpkit", "run", "--settings", str(sample / "migration.toml")]
        + ["--env", "test", "--notebooks", str(notebooks)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        **popen,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "2/5 02_contact_points …" in line:
            break
    return proc


def test_crashing_notebook_exits_3_and_is_rendered(sample_copy: Path, tmp_path: Path) -> None:
    folder = notebooks_with(tmp_path, "03_certificate", "raise RuntimeError('planted failure')")
    r = run_sample(sample_copy, "--notebooks", str(folder))
    assert r.returncode == 3, r.stdout
    assert "03_certificate crashed" in r.stdout
    run_dir = next((sample_copy / "runs" / "test").glob("2*"))
    page = (run_dir / "signoff" / "03_certificate.html").read_text(encoding="utf-8")
    assert "planted failure" in page
    assert not (run_dir / "notebooks" / "04_system_and_network.ipynb").exists()
    assert json.loads((run_dir / "findings.json").read_text())["status"] == "crashed"
    assert cli("audit", "verify", str(run_dir)).returncode == 0


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_while_a_kernel_starts_leaves_no_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ctrl_c_armed: None
) -> None:
    """A Ctrl-C that lands after the kernel's process has started and before the run knows
    it (here: sent to this process from inside start_kernel) still ends as Ctrl-C, and the
    kernel's process is gone: it runs in a session of its own, so nothing else would end it."""
    import os
    import signal

    from ngdpkit.run import kernels

    manager, client = kernels._client_classes()
    started: list[int] = []

    class InterruptedWhileStarting(manager):  # type: ignore[misc,valid-type]
        def start_kernel(self, **kw: Any) -> None:
            super().start_kernel(**kw)
            started.append(self.provisioner.process.pid)
            os.kill(os.getpid(), signal.SIGINT)  # the user's Ctrl-C, right now

    monkeypatch.setattr(kernels, "_client_classes", lambda: (InterruptedWhileStarting, client))
    k = kernels.Kernels()
    with pytest.raises(KeyboardInterrupt):
        k.launch(tmp_path, "01_mailboxes")
    k.close()
    assert started
    with pytest.raises(ProcessLookupError):  # ended and collected, not a zombie
        os.kill(started[0], 0)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_kernel_that_dies_while_starting_is_replaced_once(
    sample_copy: Path, tmp_path: Path
) -> None:
    """A real kernel spec whose first start dies before it answers (as a port clash does);
    the run starts another kernel for that notebook and finishes normally."""
    marker = tmp_path / "died-once"
    starter = (
        "import pathlib, sys\n"
        f"m = pathlib.Path({str(marker)!r})\n"
        "if not m.exists():\n"
        "    m.write_text('x')\n"
        "    sys.exit(1)\n"
        "from ipykernel import kernelapp\n"
        "kernelapp.launch_new_instance()\n"
    )
    r = cli(
        "run",
        "--settings",
        str(sample_copy / "migration.toml"),
        "--env",
        "test",
        env=kernel_spec(tmp_path, starter),
    )
    assert marker.exists()
    assert r.returncode in (0, 1), r.stdout + r.stderr
    assert "01_mailboxes: the kernel did not start; starting another" in r.stdout
    run_dir = next((sample_copy / "runs" / "test").glob("2*"))
    assert len(list((run_dir / "notebooks").glob("*.ipynb"))) == 5


def test_planted_leak_is_caught(sample_copy: Path, tmp_path: Path) -> None:
    code = "import os, base64\nprint(os.environ['NGDPKIT_TEST_CERT_PASSWORD'])\nprint(base64.b64encode(os.environ['NGDPKIT_TEST_AUTHORIZATION'].encode()).decode())"
    folder = notebooks_with(tmp_path, "04_system_and_network", code)
    from ngdpkit.documents.signoff import find_browser

    pdf = ["--pdf"] if find_browser() else []
    r = run_sample(sample_copy, "--notebooks", str(folder), *pdf)
    assert r.returncode == 1, r.stdout
    run_dir = next((sample_copy / "runs" / "test").glob("2*"))
    findings = json.loads((run_dir / "findings.json").read_text())["findings"]
    leaks = [f for f in findings if f["code"] == "SECRET_LEAK"]
    assert {f["source"] for f in leaks} >= {
        f"runs/test/{run_dir.name}/notebooks/04_system_and_network.ipynb",
        f"runs/test/{run_dir.name}/signoff/04_system_and_network.html",
    }
    assert not (run_dir / "dispatcher-config.json").exists()
    assert "removed by ngdpkit" in (run_dir / "signoff" / "04_system_and_network.html").read_text()
    assert "SECRET_LEAK" in (run_dir / "signoff" / "index.html").read_text()
    from ngdpkit.run.scan import needles, scan_file

    pins = needles(all_secret_parts(sample_copy))
    assert all(scan_file(p, pins) == [] for p in run_dir.rglob("*") if p.is_file())
    assert '"secret_leak"' in (run_dir / "audit.jsonl").read_text()
    # a CI engineer's look: the log names the errors, not only their count; no secret in it
    errors = [f for f in findings if f["severity"] == "error"]
    listed = [line for line in r.stdout.splitlines() if line.startswith("  fejl ")]
    assert listed[0].startswith("  fejl SECRET_LEAK: ") and len(listed) == min(5, len(errors))
    if len(errors) > 5:
        assert f"  … og yderligere {len(errors) - 5} fejl: se findings.json" in r.stdout
    said = r.stdout + r.stderr
    assert not any(p in said for parts in all_secret_parts(sample_copy).values() for p in parts)
    # the mapping workbook says the run's errors as findings.json counts them (it was
    # written before the leak was found)
    import openpyxl

    book = openpyxl.load_workbook(run_dir / "mailbox-mapping.xlsx", read_only=True)
    about = " ".join(str(c) for row in book["Om"].iter_rows(values_only=True) for c in row)
    assert f"({len(errors)} fejl" in about, about
    for name in ("checklist.xlsx", "runbook.xlsx"):  # their labels count them too
        subject = openpyxl.load_workbook(run_dir / name).properties.subject
        assert f"({len(errors)} fejl" in subject, (name, subject)
    if pdf:  # printed again from the clean overview, after the scan
        sign = run_dir / "signoff"
        assert (sign / "signoff.pdf").stat().st_mtime >= (sign / "index.html").stat().st_mtime


def test_a_secret_in_a_step_file_scanned_while_the_next_notebook_runs_is_caught(
    sample_copy: Path, tmp_path: Path
) -> None:
    """Issue 31: the files a notebook wrote beside its step file are hashed and scanned
    while the next notebook executes; what that scan finds is a SECRET_LEAK like any other,
    and the file is a stub when the run ends."""
    code = (
        "import os\nopen('steps/02_contact_points.planted.txt', 'w').write("
        "'pw=' + os.environ['NGDPKIT_TEST_CERT_PASSWORD'])"
    )
    folder = notebooks_with(tmp_path, "02_contact_points", code)
    r = run_sample(sample_copy, "--notebooks", str(folder))
    assert r.returncode == 1, r.stdout + r.stderr
    run_dir = next((sample_copy / "runs" / "test").glob("2*"))
    findings = json.loads((run_dir / "findings.json").read_text())["findings"]
    assert f"runs/test/{run_dir.name}/steps/02_contact_points.planted.txt" in {
        f["source"] for f in findings if f["code"] == "SECRET_LEAK"
    }
    from ngdpkit.run.scan import needles, scan_file

    pins = needles(all_secret_parts(sample_copy))
    assert all(scan_file(p, pins) == [] for p in run_dir.rglob("*") if p.is_file())
    assert cli("audit", "verify", str(run_dir)).returncode == 0


def test_day_one_only_ips(tmp_path: Path, sample_dir: Path) -> None:
    d = tmp_path / "day1"
    d.mkdir()
    shutil.copy(sample_dir / "mailboxes.xlsx", d)
    (d / "migration.toml").write_text(
        '[organisation]\nname = "Dag Et Kommune"\ncvr = "98765433"\n[inputs]\nmailboxes = "mailboxes.xlsx"\n'
        '[environments.test]\nprotocol = "REST_PULL"\nserver_ips = ["203.0.113.7"]\n',
        encoding="utf-8",
    )
    r = cli("run", "--settings", str(d / "migration.toml"), "--env", "test")
    assert r.returncode == 0, r.stdout + r.stderr
    run_dir = next((d / "runs" / "test").glob("2*"))
    codes = {f["code"] for f in json.loads((run_dir / "findings.json").read_text())["findings"]}
    assert {
        "PENDING_SYSTEM_ID",
        "PENDING_CERTIFICATE",
        "PENDING_CONTACT_POINTS",
        "PENDING_MAPPING",
        "PENDING_DEFAULT_CONTACT_POINT",
    } <= codes
    assert "MAILBOX_UNMAPPED" not in codes
    for name in (
        "portal-registration.json",
        "firewall-rules.csv",
        "contact-point-plan.xlsx",
        "server-check.ps1",
        "mailbox-mapping.xlsx",
    ):
        assert (run_dir / name).is_file(), name
    assert not (run_dir / "dispatcher-config.json").exists()
    assert "dispatcher-config.json" in (run_dir / "signoff" / "index.html").read_text()


def test_refused_input_exits_2_before_any_work(tmp_path: Path, sample_dir: Path) -> None:
    d = tmp_path / "bad"
    d.mkdir()
    (d / "mailboxes.xlsx").write_bytes(b"not a workbook")
    (d / "migration.toml").write_text(
        '[organisation]\nname = "X"\ncvr = "98765433"\n[inputs]\nmailboxes = "mailboxes.xlsx"\n'
        '[environments.test]\nprotocol = "REST_PULL"\nserver_ips = ["203.0.113.7"]\ncertificate = "nope.p12"\n',
        encoding="utf-8",
    )
    r = cli("run", "--settings", str(d / "migration.toml"), "--env", "test")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "certificate: file not found: nope.p12" in r.stderr
    assert not (d / "runs").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_exits_130_and_leaves_the_run_incomplete(sample_copy: Path, tmp_path: Path) -> None:
    import signal
    import time

    # Notebook 02 takes a while, so that the Ctrl-C lands inside it: the sample's notebooks
    # now finish within the 0.3 s this test waits after 02's start line.
    slow = notebooks_with(tmp_path, "02_contact_points", "import time\ntime.sleep(20)")
    proc = run_in_step_2(sample_copy, slow, preexec_fn=sigint_default)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    rest = proc.stdout.read()
    assert proc.wait(timeout=90) == 130, rest
    run_dir = next((sample_copy / "runs" / "test").glob("2*"))
    assert (run_dir / "INCOMPLETE").exists() and not (
        sample_copy / "runs" / "test" / "LATEST"
    ).exists()
    last = json.loads((run_dir / "audit.jsonl").read_text().splitlines()[-1])
    assert (
        last["event"] == "run_finished"
        and last["status"] == "interrupted"
        and last["exit_code"] == 130
    )
    assert "Traceback" not in rest


def test_a_retired_kernel_is_gone_once_reaped(tmp_path: Path) -> None:
    """A kernel whose notebook has finished is asked to stop (the run goes on at once) and
    collected later: then its process has ended, its connection file and (on POSIX) its
    sockets' folder are removed."""
    from ngdpkit.run.kernels import Kernels

    kernels = Kernels()
    km = kernels.launch(tmp_path, "03_certificate")
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    kc.stop_channels()
    connection = Path(km.connection_file)
    assert km.is_alive() and connection.is_file()
    kernels.retire(km)
    assert kernels.retiring == [km]
    kernels.reap()
    assert kernels.retiring == [] and not km.is_alive() and not connection.exists()
    folder = kernels.ipc_dir
    kernels.close()
    assert folder is None or not folder.exists()


# Two cells that only assert, from inside notebooks 01 and 02, what the two tests after them
# are about (the first line of each test's docstring says what)
TABLES_READ_ONCE = (
    "from ngdpkit.inputs.mailboxes import EXPORT_FIELDS\n"
    "assert step.tables is not None and step.tables.folder is not None\n"
    "key = step.tables.key(step.env.inputs.mailboxes, EXPORT_FIELDS, "
    "step.env.inputs.mailboxes_sheet, step.env.inputs.columns)\n"
    "assert (step.tables.folder / f'{key}.json').is_file(), 'the export was read again'"
)
NO_NAMES_LEFT = "assert 'export' not in dir(), 'notebook 01 left its names behind'"


@pytest.fixture(scope="module")
def observed_run(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> dict[str, Any]:
    """One ``run --env test`` of a sample copy with both cells planted (01 gets
    ``TABLES_READ_ONCE``, 02 ``NO_NAMES_LEFT``), shared by the two tests that read it: a cell
    whose assertion holds leaves the run as it was, and either failing crashes its notebook,
    which both tests see (exit 3, "crashed"). A run each cost ~3.5 CPU-s more. ``sample``
    (the sample folder) and ``result``; read it, never change it."""
    base = tmp_path_factory.mktemp("observed")
    sample = base / "sample"
    shutil.copytree(sample_dir, sample, ignore=shutil.ignore_patterns("runs"))
    notebooks_with(base, "01_mailboxes", TABLES_READ_ONCE)
    folder = notebooks_with(base, "02_contact_points", NO_NAMES_LEFT)
    return {"sample": sample, "result": run_sample(sample, "--notebooks", str(folder))}


def test_the_notebooks_read_the_tables_the_input_check_read(
    observed_run: dict[str, Any],
) -> None:
    """The parent's input check reads every workbook; notebook 01 finds the export among the
    tables it saved (by content hash), and the run removes that folder when it ends."""
    r = observed_run["result"]
    assert r.returncode in (0, 1), r.stdout + r.stderr
    assert "crashed" not in r.stdout
    assert not list((observed_run["sample"] / "runs").glob(".tables-*"))


@contextlib.contextmanager
def ready_kernel(folder: Path, step: str = "01_mailboxes") -> Iterator[tuple[Any, Any, Any]]:
    """The run's kernel for notebook ``step``, started in ``folder``, with a client that has
    seen it ready: (the Kernels, the manager, the client); ended afterwards."""
    from ngdpkit.run.kernels import Kernels

    kernels = Kernels()
    km = kernels.launch(folder, step)
    try:
        kc = km.blocking_client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        yield kernels, km, kc
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
        kernels.close()


@pytest.mark.parametrize("warm", ["as shipped", "an import that fails"])
def test_the_notebooks_run_with_the_collector_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warm: str
) -> None:
    """Issue 31: a run's kernel imports what its notebook will use with the cyclic collector
    off and freezes it; the notebooks' own code runs with the collector on, also when a
    warm import fails (IPython runs the line that switches it on again on its own)."""
    from ngdpkit.run import kernels

    if warm != "as shipped":
        monkeypatch.setitem(kernels.WARM_IMPORTS, "03_certificate", "ngdpkit_no_such_module")
    printed: list[str] = []

    def hook(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "stream":
            printed.append(msg["content"]["text"])

    with ready_kernel(tmp_path, "03_certificate") as (_, _, kc):
        code = "import gc, sys; print(gc.isenabled(), gc.get_freeze_count() > 0, 'cryptography.x509' in sys.modules)"
        reply = kc.execute_interactive(code, timeout=60, output_hook=hook)["content"]
    assert reply["status"] == "ok"
    assert "".join(printed).split() == ["True", "True", str(warm == "as shipped")]


def test_a_fresh_session_forgets_the_last_notebook(tmp_path: Path) -> None:
    """The run's notebooks share one kernel; between two notebooks the session starts over:
    nothing the last one defined is left, and the execution counter is back at 1."""
    with ready_kernel(tmp_path) as (kernels, km, kc):
        assert kc.execute_interactive("left_behind = 1", timeout=60)["content"]["status"] == "ok"
        kernels.fresh_session(km)
        reply = kc.execute_interactive("left_behind", timeout=60)["content"]
        assert reply["status"] == "error" and reply["ename"] == "NameError"
        assert reply["execution_count"] == 1


def test_the_runs_kernel_keeps_no_ipython_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 31: the run's kernel writes nothing to the user's IPython history database (a
    fresh session committed to it between notebooks, and the injected parameters name the
    settings and the run folder); a fresh session still forgets ``In``."""
    home = tmp_path / "ipython"
    monkeypatch.setenv("IPYTHONDIR", str(home))
    with ready_kernel(tmp_path) as (kernels, km, kc):
        reply = kc.execute_interactive("settings = 'migration.toml'", timeout=60)["content"]
        assert reply["status"] == "ok"
        kernels.fresh_session(km)
        check = "assert In[:-1] == [''], In"  # only this cell since the fresh session
        assert kc.execute_interactive(check, timeout=60)["content"]["status"] == "ok"
    assert not list(home.rglob("history.sqlite*")), sorted(home.rglob("*"))


def test_the_notebooks_share_one_proven_connection(tmp_path: Path) -> None:
    """papermill asks the kernel manager for a client per notebook; the run's manager hands
    out one connection whose readiness is proven once (kernel_info answered, IOPub
    delivering), so later notebooks do not each wait for IOPub to go quiet."""
    import time

    from ngdpkit.run.kernels import Kernels

    kernels = Kernels()
    km = kernels.launch(tmp_path, "03_certificate")
    try:
        kc = km.client()
        assert km.client() is kc
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        t0 = time.monotonic()
        kc.start_channels()  # already running: nothing happens
        kc.wait_for_ready(timeout=60)
        assert time.monotonic() - t0 < 0.05
        said: list[str] = []
        reply = kc.execute_interactive(
            "print('through IOPub')",
            timeout=60,
            output_hook=lambda m: said.append(m["content"].get("text", "")),
        )
        assert reply["content"]["status"] == "ok" and "through IOPub\n" in said
    finally:
        kernels.shutdown(km)
        kernels.close()
    assert not km.is_alive() and not kc.channels_running


def test_no_notebook_sees_another_notebooks_names(observed_run: dict[str, Any]) -> None:
    """Notebook 02 runs after 01 in the same kernel, yet 01's ``export`` is not defined there,
    and every saved notebook counts its cells from 1 (as if it had its own kernel)."""
    r = observed_run["result"]
    assert r.returncode in (0, 1), r.stdout + r.stderr
    run_dir = next((observed_run["sample"] / "runs" / "test").glob("2*"))
    saved = sorted((run_dir / "notebooks").glob("*.ipynb"))
    assert len(saved) == 5
    for path in saved:
        counts = [
            c["execution_count"]
            for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == "code" and c.get("execution_count")
        ]
        assert counts and counts[0] == 1, path.name


def test_each_notebook_kernel_warms_what_exists() -> None:
    """Every notebook of a run has its kernel's warm imports, and each list imports."""
    import subprocess

    from ngdpkit.run.kernels import WARM_IMPORTS
    from ngdpkit.steps import STEP_NAMES

    assert set(WARM_IMPORTS) == set(STEP_NAMES)
    code = "; ".join(f"import {modules}" for modules in WARM_IMPORTS.values())
    subprocess.run([sys.executable, "-c", code], check=True)


def test_no_notebook_schema_needs_the_iri_format() -> None:
    """The run's child skips jsonschema's IRI format checker (see ``skip_iri_grammar``):
    no schema nbformat validates notebooks with uses the ``format`` keyword at all. The
    package is found, not imported: importing it (jsonschema and its IRI grammar) cost
    ~2.5 CPU-s in a process that had not imported it yet."""
    import importlib.util

    def formats(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["format"]] if isinstance(node.get("format"), str) else []
            return found + [f for v in node.values() for f in formats(v)]
        if isinstance(node, list):
            return [f for v in node for f in formats(v)]
        return []

    spec = importlib.util.find_spec("nbformat")
    assert spec is not None and spec.origin is not None
    schemas = list(Path(spec.origin).parent.rglob("*.json"))
    assert schemas
    for path in schemas:
        assert formats(json.loads(path.read_text(encoding="utf-8"))) == [], path


linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


@linux_only
def test_a_waiting_child_that_is_told_to_stop_leaves_nothing(
    sample_copy: Path, tmp_path: Path
) -> None:
    """While the parent checks the input, each environment's child boots its kernel and
    waits; when the input is refused it ends its kernel and exits: no run folder, no
    output, no process left."""
    import time

    out = tmp_path / "runs"
    out.mkdir()
    said: list[str] = []
    children = waiting_child(sample_copy, out, said)
    child = children.procs["test"].pid
    deadline, kernels = time.monotonic() + 60, []
    while not kernels and time.monotonic() < deadline:
        kernels = children_of(child)
        time.sleep(0.05)
    assert kernels, "the waiting child started no kernel"
    children.stop()
    assert children.procs["test"].returncode == 0
    assert list(out.iterdir()) == [] and said == []
    assert not [k for k in kernels if Path(f"/proc/{k}").exists()]


def test_a_kernel_enters_a_folder_made_after_it_started(tmp_path: Path) -> None:
    """The run's kernel boots before its run folder exists; it is moved into the folder
    with the path as data (quotes and ``$()`` in it run nothing)."""
    from ngdpkit.run.kernels import Kernels, _quietly

    kernels = Kernels()
    km = kernels.launch(tmp_path, "03_certificate")
    try:
        folder = tmp_path / 'it\'s "here" $(touch pwned) \\'
        folder.mkdir()
        kernels.enter(km, folder)
        _quietly(km, "open('cwd.txt', 'w').write(__import__('os').getcwd())", "write")
        assert (folder / "cwd.txt").read_text() == str(folder)
        assert not (tmp_path / "pwned").exists() and not (folder / "pwned").exists()
    finally:
        kernels.shutdown(km)
        kernels.close()


@linux_only
def test_a_typed_secret_is_asked_before_any_kernel_starts(sample_copy: Path) -> None:
    """Contract §6 on a real terminal: with the secrets nowhere else, `run` checks the input,
    then prompts, and only then starts its children (and their kernels)."""
    import fcntl
    import os
    import select
    import subprocess
    import termios
    import time

    secrets = read_dotenv(sample_copy / "sample.env")
    toml = sample_copy / "migration.toml"
    toml.write_text(toml.read_text().replace('secrets_file = "sample.env"', ""))
    master, slave = os.openpty()

    def controlling_terminal() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    env = {k: v for k, v in os.environ.items() if not k.startswith("NGDPKIT_")} | {
        "PYTHONIOENCODING": "utf-8"
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "ngdpkit", "run", "--settings", str(toml), "--env", "test"],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
        preexec_fn=controlling_terminal,
    )
    os.close(slave)
    try:
        for name in ("NGDPKIT_TEST_CERT_PASSWORD", "NGDPKIT_TEST_AUTHORIZATION"):
            seen, deadline = b"", time.monotonic() + 60
            while b"input hidden" not in seen and time.monotonic() < deadline:
                if select.select([master], [], [], 0.5)[0]:
                    seen += os.read(master, 4096)
            assert b"input hidden" in seen, seen
            assert children_of(proc.pid) == []  # no child, so no kernel, while it asks
            os.write(master, secrets[name].encode() + b"\n")
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert proc.returncode in (0, 1), err
    assert next((sample_copy / "runs" / "test").glob("2*/signoff/index.html"))


def _notebook_02_ending_with(tmp_path: Path, cell_id: str, source: str) -> Path:
    """A notebooks folder whose 02 ends with one more code cell (``--notebooks``)."""
    folder = tmp_path / "nb"
    folder.mkdir()
    nb = json.loads((REPO / "notebooks" / "02_contact_points.ipynb").read_text())
    cell = {"cell_type": "code", "id": cell_id, "metadata": {}, "execution_count": None}
    nb["cells"].append(cell | {"outputs": [], "source": source})
    (folder / "02_contact_points.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return folder


def test_a_notebook_whose_step_file_cannot_be_read_ends_the_run_before_the_one_after_next(
    sample_copy: Path, tmp_path: Path
) -> None:
    """Issue 31: a finished notebook's step file is read while the next notebook executes.
    One that cannot be read still ends the run as a crash of the kit (exit 3, one line): the
    notebook executing meanwhile (03, which does not read 02's file) finishes, no later one
    starts, and every copy is scrubbed."""
    folder = _notebook_02_ending_with(
        tmp_path, "damage", "open('steps/02_contact_points.json', 'w').write('{')"
    )
    r = run_sample(sample_copy, "--notebooks", str(folder))
    assert r.returncode == 3, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert any(
        "the kit crashed" in line and "02_contact_points.json: not a step file" in line
        for line in lines
    ), r.stdout
    assert any("1/5 01_mailboxes: ok" in line for line in lines)
    assert not any("2/5 02_contact_points:" in line for line in lines)  # never said ok
    assert not any("04_system_and_network" in line for line in lines)
    run_dir = next((sample_copy / "runs" / "test").glob("2*"))
    copies = sorted(p.name for p in (run_dir / "notebooks").glob("*.ipynb"))
    assert copies == ["01_mailboxes.ipynb", "02_contact_points.ipynb", "03_certificate.ipynb"]
    for copy in copies:
        text = (run_dir / "notebooks" / copy).read_text(encoding="utf-8")
        assert str(sample_copy / "migration.toml") not in text  # a parameter's value: scrubbed
    # an attacker's look: a crash of the kit left its pages as they were, signable
    pages = list((run_dir / "signoff").glob("*.html"))
    assert all("Kørslen blev afbrudt, før den var færdig" in p.read_text("utf-8") for p in pages)


def test_a_crash_of_the_kit_leaves_no_secret_in_the_folder(
    sample_copy: Path, tmp_path: Path
) -> None:
    """A CISO's look: a run the kit crashed in (exit 3: a step file it cannot read, a disk
    full) kept its folder as it stood, unscanned, and the CI templates upload it: a file a
    notebook wrote that held the authorization header (``authorization_handover`` pasted
    with it, in the review: ``steps/05_dispatcher_config.json``) stayed in it. The folder is
    scanned as an interrupted run's is, and each such file replaced by its note."""
    folder = _notebook_02_ending_with(
        tmp_path,
        "leak-then-damage",
        "import os\n"
        "open('steps/02_contact_points.extra.txt', 'w').write("
        "'handover: ' + os.environ['NGDPKIT_TEST_AUTHORIZATION'])\n"
        "open('steps/02_contact_points.json', 'w').write('{')",
    )
    r = run_sample(sample_copy, "--notebooks", str(folder))
    assert r.returncode == 3, r.stdout + r.stderr
    assert "the kit crashed" in r.stdout and "Traceback" not in r.stdout + r.stderr
    assert "of the crashed run held a secret" in r.stdout
    run_dir = next((sample_copy / "runs" / "test").glob("2*"))
    leaked = run_dir / "steps" / "02_contact_points.extra.txt"
    assert "removed by ngdpkit because it contained a secret" in leaked.read_text("utf-8")
    parts = all_secret_parts(sample_copy)["NGDPKIT_TEST_AUTHORIZATION"]
    for path in run_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(p.encode() in data for p in parts), path


@pytest.mark.parametrize(
    "whom",
    ["the parent", "the process group", "Ctrl-C, then a kill", "the parent, in the background"],
)
def test_sigterm_ends_a_run_as_ctrl_c_does_and_leaves_no_secret(
    sample_copy: Path, tmp_path: Path, whom: str
) -> None:
    """A cancelled CI job sends SIGTERM, to the kit's process or to its whole process group:
    the run ends as on Ctrl-C (130, the folder marked incomplete, its trail saying so), and a
    file in the folder that holds a secret, whole or split by a zero-width space, is replaced
    by its note before the child exits (the folder may be kept as an artifact)."""
    import os
    import signal

    from ngdpkit.secrets import read_dotenv
    from ngdpkit.settings import load_settings

    env = load_settings(sample_copy / "migration.toml").environment("test")
    header = read_dotenv(sample_copy / "sample.env")[env.authorization_env]
    slow = notebooks_with(tmp_path, "02_contact_points", "import time\ntime.sleep(20)")
    proc = run_in_step_2(
        sample_copy,
        slow,
        # "in the background": Ctrl-C ignored, as a CI step's `ngdpkit run … &` starts it (its
        # child ignored the Ctrl-C the parent hands on, and the run went on to its end)
        preexec_fn=sigint_ignored if whom.endswith("background") else sigint_default,
        start_new_session=True,  # its own process group, as a CI job's step has
    )
    run_dir = next((sample_copy / "runs" / "test").glob("2*"))
    (run_dir / "echoed.json").write_text(json.dumps({"name": header}), encoding="utf-8")
    split = header[:12] + "\u200b" + header[12:]
    (run_dir / "split.html").write_text(f"<td>{split}</td>", encoding="utf-8")
    (run_dir / "signoff").mkdir(exist_ok=True)
    planted_page = '<html><body><div class="nk"><h1>Godkendelsesdokument</h1></div></body></html>'
    (run_dir / "signoff" / "index.html").write_text(planted_page, encoding="utf-8")
    (run_dir / "signoff" / "signoff.pdf").write_bytes(b"%PDF-1.7 planted")
    if whom.startswith("the parent"):
        proc.send_signal(signal.SIGTERM)
    elif whom == "the process group":
        os.killpg(proc.pid, signal.SIGTERM)
    else:  # as a cancelled GitHub job: SIGINT, then SIGTERM while the run is ending
        import time

        proc.send_signal(signal.SIGINT)
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
    rest = proc.stdout.read()
    assert proc.wait(timeout=90) == 130, rest
    assert (run_dir / "INCOMPLETE").exists()
    last = json.loads((run_dir / "audit.jsonl").read_text().splitlines()[-1])
    assert (last["event"], last["status"], last["exit_code"]) == (
        "run_finished",
        "interrupted",
        130,
    )
    for name in ("echoed.json", "split.html"):
        text = (run_dir / name).read_text(encoding="utf-8")
        assert text.startswith(f"This file ({name}) was removed by ngdpkit"), text
    assert "2 files of the interrupted run held a secret" in rest, rest
    assert "Traceback" not in rest
    # a CI engineer's look: a cancelled job's folder, uploaded, read as a finished document
    page = (run_dir / "signoff" / "index.html").read_text(encoding="utf-8")
    assert page.count("Kørslen blev afbrudt, før den var færdig") == 2, page
    assert page.index("afbrudt") < page.index("Godkendelsesdokument")
    assert not (run_dir / "signoff" / "signoff.pdf").exists()


def test_an_interrupted_runs_pages_are_marked_once_and_links_are_not_followed(
    tmp_path: Path,
) -> None:
    from ngdpkit.run.environment import mark_interrupted_pages

    sign = tmp_path / "run" / "signoff"
    sign.mkdir(parents=True)
    (sign / "index.html").write_text('<body><div class="nk">x</div></body>', encoding="utf-8")
    outside = tmp_path / "outside.html"
    outside.write_text("<body>mine</body>", encoding="utf-8")
    (sign / "02_contact_points.html").symlink_to(outside)
    assert mark_interrupted_pages(sign.parent, "en") == 1
    assert mark_interrupted_pages(sign.parent, "en") == 0  # once
    text = (sign / "index.html").read_text(encoding="utf-8")
    assert text.count("The run was interrupted before it finished") == 2
    assert outside.read_text(encoding="utf-8") == "<body>mine</body>"
    # an attacker's look: a "<body>" inside the head is no place for the banner
    head = '<html><head><script>var s="<body>"</script></head><body>y</body></html>'
    (sign / "runbook.html").write_text(head, encoding="utf-8")
    assert mark_interrupted_pages(sign.parent, "en") == 1
    marked = (sign / "runbook.html").read_text(encoding="utf-8")
    assert marked.index("</head>") < marked.index("The run was interrupted")
    assert 'var s="<body>"</script>' in marked


def test_an_interrupted_run_never_becomes_latest(tmp_path: Path) -> None:
    """A child that finished its run as the parent was interrupted closed its folder, and
    LATEST named it though the run exited 130 (the attacker's review: SIGTERM to the kit's
    process alone). A folder holding the parent's INTERRUPTED is never LATEST."""
    from ngdpkit.run.folder import INTERRUPTED, LATEST, RunFolder

    def closed(marked: bool) -> RunFolder:
        folder = RunFolder.create(tmp_path / "runs", "test")
        if marked:
            (folder.path / INTERRUPTED).write_text("Interrupted.\n", encoding="utf-8")
        folder.close(
            secrets={}, render=lambda anchor: None, on_leak=lambda hits: None,
            result=lambda: (0, "ok"),
        )  # fmt: skip
        return folder

    finished = closed(False)
    assert finished.mark_latest()
    interrupted = closed(True)
    assert not interrupted.mark_latest()
    assert (tmp_path / "runs" / "test" / LATEST).read_text().strip() == finished.path.name


def test_the_runs_last_line_counts_its_errors_and_warnings(sample_run: dict[str, Any]) -> None:
    """A consultant's cold run: "test: fejl · ikke klar: 8 af 8 trin mangler → …" said
    neither how many errors nor which; the page had to be opened to learn whether it was one
    or twenty. The line counts the errors and warnings (the page names them)."""
    result = sample_run["result"]
    lines = [x for x in (result.stdout + result.stderr).splitlines() if " → " in x]
    assert lines and all(" advarsler (" not in x for x in lines), lines
    for line in lines:  # each environment's (this module's run is of both)
        assert re.search(r"\w+: \d+ advarsler · ikke klar: \d af 8 trin mangler → ", line), line


def test_the_run_says_whether_to_begin_the_runbooks_step_1(sample_run: dict[str, Any]) -> None:
    """A consultant's cold run: on go-live morning the console said "ikke klar: 2 af 8 trin
    mangler" (steps 7 and 8 come with the go-live), and whether to begin step 1 was only on
    runbook.html. Each environment's summary is followed by the runbook page's verdict."""
    out = (sample_run["result"].stdout + sample_run["result"].stderr).splitlines()
    for env in ("test", "production"):
        (line,) = [x for x in out if x.startswith(f"{env}: Drejebogens trin 1: ")]
        verdict = line.removeprefix(f"{env}: Drejebogens trin 1: ")
        assert verdict == "Vent – begynd ikke endnu: tjeklistens trin 1–6 er ikke færdige."
        (run_dir,) = [f for f in sample_run["folders"] if f.parent.name == env]
        page = (run_dir / "signoff" / "runbook.html").read_text(encoding="utf-8")
        assert verdict in page
        assert out.index(line) == out.index(next(x for x in out if x.startswith(f"{env}: ") and " → " in x)) + 1  # fmt: skip


def test_two_environments_lines_are_relayed_whole() -> None:
    """A consultant's cold run: ``run --env all`` printed "[production] production: …[test]
    test: …" on one line and an empty one after it. Each child's pump is a thread, and a
    print writes its text and its line end apart; the parent says each line whole."""
    import io
    import threading
    import time
    from types import SimpleNamespace

    from ngdpkit.run.parent import Children

    out: list[str] = []

    def slow_print(line: str) -> None:  # as print: the text, then its line end
        out.append(line)
        time.sleep(0.0005)
        out.append("\n")

    children = Children(None, ["test", "production"], Path("."), False, False, None, slow_print)  # type: ignore[arg-type]
    procs = {
        name: SimpleNamespace(stdout=io.StringIO("".join(f"{name} {i}\n" for i in range(200))))
        for name in ("test", "production")
    }
    pumps = [threading.Thread(target=children.pump, args=(n, p)) for n, p in procs.items()]
    for pump in pumps:
        pump.start()
    for pump in pumps:
        pump.join()
    lines = "".join(out).split("\n")[:-1]
    assert len(lines) == 400 and all(re.fullmatch(r"\[(\w+)\] \1 \d+", x) for x in lines), [
        x for x in lines if not re.fullmatch(r"\[(\w+)\] \1 \d+", x)
    ][:3]


def test_an_environments_closing_lines_are_relayed_together() -> None:
    """CI saw production's progress between test's summary and its "Drejebogens trin 1":
    each line was relayed as it came. A child's summary, its errors and the runbook's verdict
    come as one marked line, and the parent says them one after another."""
    import io
    import threading
    import time
    from types import SimpleNamespace

    from ngdpkit.run.lines import TOGETHER_MARK
    from ngdpkit.run.parent import Children

    out: list[str] = []

    def slow_print(line: str) -> None:
        out.append(line)
        time.sleep(0.0005)

    closing = [
        "test: 4 advarsler → x",
        "  fejl CERT_EXPIRED: udløbet",
        "test: Drejebogens trin 1: Vent",
    ]
    text = {
        "test": "".join(f"{i}\n" for i in range(50))
        + TOGETHER_MARK + json.dumps(closing, ensure_ascii=False) + "\n"
        + TOGETHER_MARK + "[not json\n",
        "production": "".join(f"{i}\n" for i in range(400)),
    }  # fmt: skip
    children = Children(None, ["test", "production"], Path("."), False, False, None, slow_print)  # type: ignore[arg-type]
    pumps = [
        threading.Thread(target=children.pump, args=(n, SimpleNamespace(stdout=io.StringIO(t))))
        for n, t in text.items()
    ]
    for pump in pumps:
        pump.start()
    for pump in pumps:
        pump.join()
    at = out.index(closing[0])
    assert out[at : at + 3] == [closing[0], "[test]   fejl CERT_EXPIRED: udløbet", closing[2]]
    assert f"[test] {TOGETHER_MARK}[not json" in out  # a broken one is said as it came
    assert len(out) == 50 + 3 + 1 + 400


def test_what_the_install_script_needs_is_said_by_the_check(
    tmp_path: Path, sample_dir: Path
) -> None:
    """A Windows administrator's cold read: with no ``servers`` the install script ran on any
    computer, and with no service account it only refused, on the server; the run said
    neither. ``check`` names both as pending, and says nothing of them when they are set."""
    d = tmp_path / "day1"
    d.mkdir()
    shutil.copy(sample_dir / "mailboxes.xlsx", d)
    head = (
        '[organisation]\nname = "Dag Et Kommune"\ncvr = "98765433"\n[inputs]\n'
        'mailboxes = "mailboxes.xlsx"\n[environments.test]\nprotocol = "REST_PULL"\n'
        'server_ips = ["203.0.113.7"]\n'
    )

    def codes(extra: str) -> set[str]:
        (d / "migration.toml").write_text(head + extra, encoding="utf-8")
        r = cli("check", "--settings", str(d / "migration.toml"), "--env", "test", "--json")
        return {f["code"] for f in json.loads(r.stdout)["findings"]}

    assert {"PENDING_SERVERS", "PENDING_SERVICE_ACCOUNT"} <= codes("")
    one_without = 'servers = [{ name = "wz-web01", role = "web" }]\n'
    found = codes(one_without)
    assert "PENDING_SERVICE_ACCOUNT" in found and "PENDING_SERVERS" not in found
    found = codes(one_without + 'service_account = "EKS\\\\svc-wz"\n')
    assert not found & {"PENDING_SERVERS", "PENDING_SERVICE_ACCOUNT"}, found
    found = codes('service_account = "EKS\\\\svc-wz"\n')
    assert "PENDING_SERVERS" in found and "PENDING_SERVICE_ACCOUNT" not in found


def test_run_without_an_environment_is_refused(sample_copy: Path) -> None:
    """A consultant's cold run: ``run --settings …`` without ``--env`` ran every environment,
    production too, whose run then became the one compare and status read. The environment
    is named, or ``--env all``; nothing is started and no folder made."""
    r = cli("run", "--settings", str(sample_copy / "migration.toml"))
    assert r.returncode == 2 and "--env NAME (repeatable) or --env all" in r.stderr, r.stderr
    assert not (sample_copy / "runs").exists()


def test_a_line_that_names_its_environment_is_not_prefixed_again() -> None:
    """A consultant's cold run: ``run --env all`` printed "[production] production: 4
    advarsler · …": the child's summary line names its environment already."""
    import io
    from types import SimpleNamespace

    from ngdpkit.run.parent import Children

    out: list[str] = []
    children = Children(None, ["test", "production"], Path("."), False, False, None, out.append)  # type: ignore[arg-type]
    text = "  1/5 01_mailboxes: ok\nproduction: 4 advarsler · ikke klar\n"
    children.pump("production", SimpleNamespace(stdout=io.StringIO(text)))  # type: ignore[arg-type]
    assert out == ["[production]   1/5 01_mailboxes: ok", "production: 4 advarsler · ikke klar"]


def test_a_cpr_number_typed_as_the_cvr_is_on_no_page_notebook_or_file_of_the_run(
    sample_copy: Path,
) -> None:
    """An attacker's second look: CVR_INVALID no longer repeated a CPR number typed into
    organisation.cvr, but every sign-off page's header, each notebook's and the mapping's
    About sheet still named the organisation "(CVR 0101701299)". The number is in no file
    of the run folder, read whole and inside each workbook."""
    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    assert text.count('cvr = "98765433"') == 1
    settings.write_text(text.replace('cvr = "98765433"', 'cvr = "0101701299"'), encoding="utf-8")
    r = run_sample(sample_copy)
    assert r.returncode == 1 and "CVR_INVALID" in r.stdout + r.stderr, r.stdout + r.stderr
    (run_dir,) = [p for p in (sample_copy / "runs" / "test").iterdir() if p.is_dir()]
    assert (run_dir / "signoff" / "index.html").is_file()
    holding = []
    for path in run_dir.rglob("*"):
        if not path.is_file():
            continue
        data = [path.read_bytes()]
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                data += [z.read(n) for n in z.namelist()]
        if any(b"0101701299" in d or b"010170-1299" in d for d in data):
            holding.append(path.relative_to(run_dir).as_posix())
    assert holding == [], holding
    assert "CPR-nummer udeladt" in (run_dir / "signoff" / "index.html").read_text(encoding="utf-8")
