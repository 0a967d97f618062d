"""When a server's evidence counts for checklist steps 2 and 3, and how an evidence file is
read (a security review): a file dated in the future, 2001, "i går" or "--", one taken for
production or from a server not in the settings, and a server check with no checks at
all each made a step "done / observed"; a 50 MB detail, a 3 GB sparse file, a FIFO and
``/dev/zero`` were read whole (or waited on)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from ngdpkit.checks.evidence import (
    EvidenceSummary,
    evidence_server,
    evidence_taken,
    gather,
    why_not_counted,
)
from ngdpkit.deliverables.checklist import evaluate
from ngdpkit.deliverables.servercheck import (
    MAX_EVIDENCE_BYTES,
    evidence_coverage,
    read_evidence,
)
from ngdpkit.errors import InputError
from tests.test_windows_scripts import env_of

NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
SERVERS = ["wz-web01-t", "wz-agent01-t"]
THUMB = "ABCDEF0123"
GOOD = "2026-12-01T10:00:00Z"


def install(path: Path, server: str, **fields: Any) -> Path:
    """Install evidence as install-certificate.ps1 writes it."""
    data = {
        "kind": "install",
        "server": server,
        "environment": "test",
        "thumbprint": THUMB,
        "key_accounts": ["EKSEMPEL\\svc"],
        "chain_ok": True,
        "custom_root": None,
        "taken_at": GOOD,
    } | fields
    path.write_text(json.dumps(data), encoding="utf-8-sig")
    return path


def server_check(path: Path, server: str, **fields: Any) -> Path:
    """A server check's evidence as server-check.ps1 writes it (every check passed)."""
    data = {
        "schema": "ngdpkit/server-check/1",
        "server": server,
        "environment": "test",
        "taken_at": GOOD,
        "egress_ip": "203.0.113.10",
        "checks": [
            {"kind": "dns", "target": "api.ngdp.dk", "detail": "", "ok": True},
            {"kind": "tcp", "target": "api.ngdp.dk:443", "detail": "", "ok": True},
        ],
    } | fields
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def summaries(*paths: Path, environment: str = "test") -> list[EvidenceSummary]:
    out = []
    for path in paths:
        summary, _ = read_evidence(
            path, label=path.name, environment=environment, registered_ips=("203.0.113.0/24",)
        )
        out.append(EvidenceSummary.of(summary))
    return out


def steps(evidence: list[EvidenceSummary], language: str = "en") -> dict[str, Any]:
    """Checklist rows 2 and 3 from ``evidence`` (the certificate known, nothing else)."""
    gathered = gather(
        servers=SERVERS,
        observation=None,
        register=None,
        server_evidence=evidence,
        thumbprint=THUMB,
        certificate_known=True,
        system_id=None,
        contact_points_known=False,
        mapping_complete=False,
        dispatcher=None,
        dispatcher_unchanged=True,
        acceptance=None,
        confirmations=[],
        environment="test",
        findings=[],
        language=language,
        now=NOW,
    )
    rows = evaluate([], gathered, language).rows
    return {r.key: r for r in rows if r.key in ("certificate", "firewall")}


def pair(tmp_path: Path, make: Any, **second: Any) -> list[EvidenceSummary]:
    """Evidence from both servers, the agent's with ``second`` changed."""
    return summaries(
        make(tmp_path / "web.json", "WZ-WEB01-T"),
        make(tmp_path / "agent.json", second.pop("server", "WZ-AGENT01-T"), **second),
    )


def test_good_evidence_from_every_server_makes_steps_2_and_3_observed(tmp_path: Path) -> None:
    (tmp_path / "i").mkdir()
    (tmp_path / "c").mkdir()
    rows = steps(pair(tmp_path / "i", install) + pair(tmp_path / "c", server_check))
    assert (rows["certificate"].status, rows["certificate"].evidence) == ("done", "observed")
    assert (rows["firewall"].status, rows["firewall"].evidence) == ("done", "observed")
    assert rows["firewall"].detail == "WZ-AGENT01-T, WZ-WEB01-T"
    # the configured name itself (a FQDN in the settings, as a hand-written file may say it)
    named = summaries(install(tmp_path / "fqdn.json", "wz-agent01-t"))
    assert evidence_server(named[0].server, SERVERS) == "WZ-AGENT01-T"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"taken_at": "2199-01-01T00:00:00Z"}, "dated in the future"),  # A
        ({"taken_at": "2001-01-01T00:00:00Z"}, "older than 30 days"),
        ({"taken_at": "i går"}, "no readable date"),  # C
        ({"taken_at": "--"}, "no readable date"),
        ({"taken_at": "2026-12-01T10:00:00"}, "no readable date"),  # no time zone
        ({"taken_at": "01-12-2026 10:00:00"}, "no readable date"),  # a server's culture
        ({"taken_at": "\u0662\u0660\u0662\u0666-12-01T10:00:00Z"}, "no readable date"),  # [0-9]
        ({"environment": "production"}, "for another environment"),  # D
        ({"server": "WZ-AGENT02-T"}, "from a server not in the settings"),
        ({"server": "WZ-AGENT01-TX"}, "from a server not in the settings"),
    ],
)
def test_evidence_that_counts_for_nothing_leaves_both_steps_undone(
    tmp_path: Path, change: dict[str, Any], why: str
) -> None:
    (tmp_path / "i").mkdir()
    (tmp_path / "c").mkdir()
    evidence = pair(tmp_path / "i", install, **change) + pair(
        tmp_path / "c", server_check, **change
    )
    rows = steps(evidence)
    for key in ("certificate", "firewall"):
        assert rows[key].status == "not_verified", (key, rows[key])
        assert rows[key].evidence == "planned"
        assert f"agent.json ({why})" in rows[key].detail, rows[key].detail
        assert "web.json" not in rows[key].detail  # the file that counts is not named
    assert rows["certificate"].detail.startswith("install-certificate.ps1; not counted: ")
    danish = steps(evidence, "da")["certificate"].detail
    assert danish.startswith("install-certificate.ps1; tæller ikke: agent.json (")


def test_a_server_check_without_checks_proves_nothing(tmp_path: Path) -> None:
    """B: ``checks: []`` and no egress_ip, from 2001: step 3 was "done observed"."""
    bare = {"checks": [], "egress_ip": None}
    rows = steps(pair(tmp_path, server_check, **bare))
    assert rows["firewall"].status == "not_verified"
    assert "agent.json (no checks in it)" in rows["firewall"].detail
    # the reviewer's file exactly: stale and empty, and NET_EVIDENCE_MISSING names the server
    reviewed = tmp_path / "reviewed.json"
    reviewed.write_text(
        json.dumps(
            {
                "schema": "ngdpkit/server-check/1",
                "server": "wz-web01-t",
                "taken_at": "2001-01-01T00:00:00Z",
                "checks": [],
            }
        )
    )
    (summary,) = summaries(reviewed)
    assert why_not_counted(summary, servers=SERVERS, environment="test", now=NOW) == "stale"
    assert steps([summary])["firewall"].status == "not_verified"
    fresh = EvidenceSummary("server-check", "WZ-WEB01-T", GOOD, file="r.json", checks=0)
    assert why_not_counted(fresh, servers=SERVERS, environment="test", now=NOW) == "no_checks"
    env = env_of_sample(tmp_path)
    codes = [f.code for f in evidence_coverage(env, [fresh], now=NOW)]
    assert "NET_EVIDENCE_MISSING" in codes
    (missing,) = [
        f for f in evidence_coverage(env, [fresh], now=NOW) if f.code == "NET_EVIDENCE_MISSING"
    ]
    assert env.servers[0].name in missing.message
    # with its checks, the server's own file is seen; a file without checks is not
    checked = EvidenceSummary("server-check", env.servers[0].name.upper(), GOOD, checks=3)
    forged = EvidenceSummary("server-check", env.servers[1].name, GOOD, checks=0)
    (missing,) = [
        f
        for f in evidence_coverage(env, [checked, forged], now=NOW)
        if f.code == "NET_EVIDENCE_MISSING"
    ]
    assert env.servers[0].name not in missing.message
    assert env.servers[1].name in missing.message


def env_of_sample(tmp_path: Path) -> Any:
    from ngdpkit.rehearsal.sample import write_sample

    folder = tmp_path / "sample"
    if not (folder / "migration.toml").exists():
        write_sample(folder)
    return env_of(folder)


def test_the_clock_skew_and_the_staleness_bound_are_the_kits_own() -> None:
    def summary(taken: str) -> EvidenceSummary:
        return EvidenceSummary("install", "WZ-WEB01-T", taken, thumbprint=THUMB, chain_ok=True)

    def why(taken: str) -> str:
        return why_not_counted(summary(taken), servers=SERVERS, environment="test", now=NOW)

    assert why("2026-12-07T11:00:00Z") == ""  # a server's clock a few hours ahead
    assert why("2026-12-07T13:00:00Z") == "future"  # more than the day PROBE_EVIDENCE_FUTURE allows
    assert why("2026-11-06T13:00:00+01:00") == ""  # 30 days to the second
    assert why("2026-11-06T12:00:00+01:00") == "stale"  # 30 days and an hour: "at most 30 days"
    assert why("2026-11-04T12:00:00Z") == "stale"  # 32 days: NET_EVIDENCE_STALE's bound
    assert why("2026-12-06T10:00:00+01:00") == ""  # an offset is a time zone
    for text in ("i går", "--", "", "2026-12-06", "2026-12-06T10:00:00", "9999-12-31T23:59-23:59"):
        assert evidence_taken(text) is None, text
        assert why(text) == "undated"
    assert evidence_taken("2026-12-01T10:00:00Z") == dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)


def test_an_unreadable_date_is_a_finding_naming_the_file_and_the_value(tmp_path: Path) -> None:
    env = env_of_sample(tmp_path)
    name = env.servers[0].name
    for taken in ("i går", "--", "2026-12-01T10:00:00"):
        s = EvidenceSummary("install", name, taken, file="ev/agent.json", thumbprint=THUMB,
                            chain_ok=True)  # fmt: skip
        (undated,) = [
            f for f in evidence_coverage(env, [s], now=NOW) if f.code == "PROBE_EVIDENCE_UNDATED"
        ]
        assert undated.severity == "warning" and undated.source == "ev/agent.json"
        assert "ev/agent.json" in undated.message and repr(taken) in undated.message
        assert "tæller for intet trin" in undated.text("da")
    good = EvidenceSummary("install", name, GOOD, file="x.json", thumbprint=THUMB, chain_ok=True)
    assert "PROBE_EVIDENCE_UNDATED" not in {f.code for f in evidence_coverage(env, [good], now=NOW)}


def test_a_server_is_matched_by_its_windows_name(tmp_path: Path) -> None:
    """A server's evidence is matched as the kit always matched it: by its first label, as
    Windows spells it (``$env:COMPUTERNAME``, at most 15 characters). The name proves nothing
    of where a file was taken (whoever writes the file writes the name: a reviewer's
    ``WZ-AGENT01-T.attacker.example`` could as well have said ``WZ-AGENT01-T``); a name of no
    configured server is named, and counts for nothing."""
    assert evidence_server("wz-agent01-t", SERVERS) == "WZ-AGENT01-T"
    assert evidence_server(" WZ-AGENT01-T ", SERVERS) == "WZ-AGENT01-T"
    assert evidence_server("wz-agent01-t.eksempel.local", SERVERS) == "WZ-AGENT01-T"
    assert evidence_server("WZ-AGENT02-T", SERVERS) is None
    fqdn = ["wz-agent01-t.eksempel.local", "wz-verylongservername01.soeby.local"]
    assert evidence_server("WZ-AGENT01-T", fqdn) == "WZ-AGENT01-T"
    assert evidence_server("WZ-VERYLONGSERV", fqdn) == "WZ-VERYLONGSERV"
    assert evidence_server("", fqdn) is None
    env = env_of_sample(tmp_path)
    forged = EvidenceSummary("install", "WZ-ELSEWHERE01", GOOD, file="f.json",
                             thumbprint=THUMB, chain_ok=True)  # fmt: skip
    codes = {f.code for f in evidence_coverage(env, [forged], now=NOW)}
    assert "PROBE_EVIDENCE_UNKNOWN_SERVER" in codes


def test_a_look_alike_server_name_that_is_not_ascii_matches_no_server(tmp_path: Path) -> None:
    """A security tester's look: Python's upper case made ``wz-agent0\u0131-t`` (a dotless
    \u0131) and ``\ufb01leserver`` (the ligature) the configured WZ-AGENT0I-T and FILESERVER,
    the checklist naming the look-alike. The settings name servers in ASCII only, as Windows
    spells a computer name, so a first label that is not ASCII is no configured server."""
    servers = ["wz-agent0i-t", "fileserver.eksempel.local"]
    assert evidence_server("wz-agent0i-t", servers) == "WZ-AGENT0I-T"
    assert evidence_server("wz-agent0\u0131-t", servers) is None
    assert evidence_server("\ufb01leserver", servers) is None
    assert evidence_server("WZ-AGENT0I-T.k\u00f8ge.local", servers) == "WZ-AGENT0I-T"
    look_alike = EvidenceSummary("install", "wz-agent0\u0131-t", GOOD, file="f.json",
                                 thumbprint=THUMB, chain_ok=True)  # fmt: skip
    reason = why_not_counted(look_alike, servers=servers, environment="test", now=NOW)
    assert reason == "unknown_server"


def test_evidence_of_another_environment_is_kept_with_its_environment(tmp_path: Path) -> None:
    (prod,) = summaries(server_check(tmp_path / "p.json", "WZ-WEB01-T", environment="production"))
    assert prod.environment == "production"
    (unsaid,) = summaries(install(tmp_path / "u.json", "WZ-WEB01-T", environment=None))
    assert unsaid.environment is None  # an older script's file: no environment said
    assert why_not_counted(unsaid, servers=SERVERS, environment="test", now=NOW) == ""
    # a stored summary without the field (an older run's record) reads as before
    assert EvidenceSummary.of({"server": "X", "taken_at": GOOD}).environment is None


# --- the file itself ----------------------------------------------------------------------


def test_an_evidence_file_over_the_bound_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = server_check(
        tmp_path / "big.json",
        "WZ-WEB01-T",
        checks=[{"kind": "tcp", "target": "x", "detail": "A" * MAX_EVIDENCE_BYTES, "ok": False}],
    )
    with pytest.raises(InputError, match=r"big\.json: larger than 1 MB") as caught:
        summaries(big)
    assert "Traceback" not in str(caught.value)
    # a 3 GB sparse file: refused by its size, never read (it was a MemoryError, exit 3)
    sparse = tmp_path / "sparse.json"
    with sparse.open("wb") as fh:
        fh.truncate(3 * 1024**3)
    with pytest.raises(InputError, match=r"sparse\.json: larger than 1 MB"):
        summaries(sparse)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_a_device_and_a_folder_are_not_regular_files(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    result: list[BaseException] = []

    def read() -> None:
        try:
            summaries(fifo)
        except BaseException as exc:  # noqa: BLE001  (kept for the assertion below)
            result.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # unblock the thread before failing
        with open(fifo, "wb"):
            pass
        pytest.fail("a FIFO as evidence was waited on")
    assert isinstance(result[0], InputError)
    assert "fifo.json: not a regular file" in str(result[0])
    if Path("/dev/zero").exists():
        with pytest.raises(InputError, match="zero: not a regular file"):
            read_evidence(Path("/dev/zero"), label="zero", environment="test", registered_ips=())
    (tmp_path / "folder.json").mkdir()
    with pytest.raises(InputError, match="is a folder, not a file"):
        summaries(tmp_path / "folder.json")


@pytest.mark.skipif(not hasattr(os, "mkfifo") or sys.platform == "win32", reason="no FIFOs")
def test_the_settings_say_a_fifo_is_not_a_regular_file(tmp_path: Path) -> None:
    from ngdpkit.settings import load_settings

    env_of_sample(tmp_path)
    folder = tmp_path / "sample"
    os.mkfifo(folder / "ev.json")
    toml = folder / "migration.toml"
    toml.write_text(
        toml.read_text("utf-8").replace(
            "[environments.test]\n", '[environments.test]\nprobe_evidence = ["ev.json"]\n', 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_settings(toml)
    said = "\n".join(caught.value.problems)
    assert "is not a regular file" in said and "is a folder" not in said


def test_texts_from_evidence_are_cut_before_they_reach_findings(tmp_path: Path) -> None:
    long = "x" * 50_000  # under the file's bound, far over any message's
    path = server_check(
        tmp_path / "long.json",
        "WZ-WEB01-T" + "Y" * 5000,
        taken_at=GOOD + "Z" * 5000,
        environment="E" * 5000,
        egress_ip="not an address " + long,
        checks=[
            {"kind": "tcp", "target": long, "detail": long, "ok": False},
            {"kind": "k" * 5000, "target": long, "detail": long, "ok": False},
            {"kind": "proxy", "target": long, "detail": long, "ok": True},
            {"kind": "tls_issuer", "target": long, "detail": long, "ok": True},
        ],
    )
    summary, found = read_evidence(path, label="long.json", environment="test", registered_ips=())
    assert found
    for finding in found:
        assert len(finding.message) < 3000, (finding.code, len(finding.message))
        for value in finding.params.values():
            assert len(str(value)) <= 300, (finding.code, len(str(value)))
        assert len(finding.location) <= 255
    assert len(summary["server"]) <= 255 and len(summary["taken_at"]) <= 64
    assert len(summary["environment"]) <= 60 and len(summary["egress_ip"]) <= 60
    typed = EvidenceSummary.of(summary)
    assert why_not_counted(typed, servers=SERVERS, environment="test", now=NOW) == "undated"


def test_check_refuses_an_evidence_file_over_the_bound_with_exit_2(sample_copy: Path) -> None:
    """The reviewer's 50 MB detail, as ``check`` meets it (a file a little over the bound
    here): exit 2, one line naming the file and the bound, nothing read."""
    from tests.conftest import cli

    server_check(
        sample_copy / "ev.json",
        "WZ-WEB01-T",
        checks=[{"kind": "tcp", "target": "x", "detail": "A" * MAX_EVIDENCE_BYTES, "ok": False}],
    )
    toml = sample_copy / "migration.toml"
    toml.write_text(
        toml.read_text("utf-8").replace(
            "[environments.test]\n", '[environments.test]\nprobe_evidence = ["ev.json"]\n', 1
        ),
        encoding="utf-8",
    )
    r = cli("check", "--settings", str(toml), "--env", "test")
    assert r.returncode == 2, r.stdout + r.stderr
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "ev.json: larger than 1 MB" in lines[0], r.stderr


def test_a_check_the_script_marks_a_note_is_no_failed_check(
    tmp_path: Path, scripts_text: str
) -> None:
    """An operations engineer's look: server-check.ps1 run without -AskAuthorization writes
    ``auth_not_tested`` with ``ok: false``, marks it "note" and says "All 29 checks passed",
    while the kit counted it as failed and step 3 was never done. The script's notes are no
    failed check (the run judges them: NET_AUTH_NOT_TESTED, info); the two lists are one."""
    from ngdpkit.deliverables.servercheck import NOTES

    listed = scripts_text[scripts_text.index("$judgedByRun = @(") :].split("\n", 1)[0]
    assert set(NOTES) == set(re.findall(r"'([a-z_]+)'", listed)), listed
    note = {"kind": "auth_not_tested", "target": "https://api/receipts/", "ok": False,
            "detail": "run without the authorization header", "status": 401}  # fmt: skip
    checked = [
        {"kind": "tcp", "target": "api.ngdp.dk:443", "detail": "", "ok": True},
        note,
    ]
    (tmp_path / "c").mkdir()
    evidence = pair(tmp_path / "c", server_check, checks=checked)
    assert [s.failed for s in evidence] == [0, 0]
    assert steps(evidence)["firewall"].status == "done"
    tcp = {"kind": "tcp", "target": "api.ngdp.dk:443", "detail": "refused", "ok": False}
    assert (
        summaries(server_check(tmp_path / "f.json", "WZ-WEB01-T", checks=[tcp, note]))[0].failed
        == 1
    )


def test_a_check_run_again_replaces_the_one_before(tmp_path: Path) -> None:
    """An operations engineer's look: a failed server check kept beside the passing one taken
    after it (a mail attachment saved twice) kept step 3 blocked, its detail asking to run the
    check again, which was done. The newer file of the same server and kind replaces the
    older (PROBE_EVIDENCE_SUPERSEDED, info); a newer file that counts for nothing replaces
    nothing."""
    from ngdpkit.checks.evidence import not_counted

    failed = {"kind": "tcp", "target": "api.ngdp.dk:443", "detail": "refused", "ok": False}
    older = server_check(tmp_path / "old.json", "WZ-WEB01-T", checks=[failed],
                         taken_at="2026-12-02T10:00:00Z")  # fmt: skip
    newer = server_check(tmp_path / "new.json", "WZ-WEB01-T", taken_at="2026-12-03T10:00:00Z")
    agent = server_check(tmp_path / "agent.json", "WZ-AGENT01-T")
    evidence = summaries(older, newer, agent)
    why = not_counted(evidence, servers=SERVERS, environment="test", now=NOW)
    assert list(why.values()) == ["superseded"] and id(evidence[0]) in why
    rows = steps(evidence)
    assert rows["firewall"].status == "done", rows["firewall"]
    env = env_of_sample(tmp_path)
    codes = [f.code for f in evidence_coverage(env, evidence, now=NOW)]
    assert "PROBE_EVIDENCE_SUPERSEDED" in codes
    # a newer file dated ahead counts for nothing, and replaces nothing
    ahead = server_check(tmp_path / "ahead.json", "WZ-WEB01-T", taken_at="2099-01-01T00:00:00Z")
    evidence = summaries(older, ahead)
    why = not_counted(evidence, servers=SERVERS, environment="test", now=NOW)
    assert sorted(why.values()) == ["future"]


def test_what_a_file_that_counts_for_nothing_found_is_no_finding(sample_copy: Path) -> None:
    """An operations engineer's look: a 40-day-old failed server check (already said to count
    for nothing) and a failed one replaced by a passing one still gave NET_UNREACHABLE errors
    that blocked step 3, and install evidence 31 days old was told to run server-check.ps1
    again. ``check`` keeps what is said about such a file and leaves out what its checks
    found; stale install evidence names install-certificate.ps1."""
    from tests.conftest import cli

    now = dt.datetime.now(dt.UTC)

    def ago(days: float) -> str:
        return (now - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    failed = {"kind": "tcp", "target": "api.test.digitalpost.dk:443", "detail": "refused",
              "ok": False}  # fmt: skip
    files = [
        server_check(sample_copy / "stale.json", "WZ-WEB01-T", checks=[failed], taken_at=ago(40)),
        server_check(sample_copy / "old.json", "WZ-AGENT01-T", checks=[failed], taken_at=ago(2)),
        server_check(sample_copy / "new.json", "WZ-AGENT01-T", taken_at=ago(1)),
        install(sample_copy / "install.json", "WZ-WEB01-T", taken_at=ago(31)),
    ]
    toml = sample_copy / "migration.toml"
    named = ", ".join(f'"{p.name}"' for p in files)
    toml.write_text(
        toml.read_text("utf-8").replace(
            "[environments.test]\n", f"[environments.test]\nprobe_evidence = [{named}]\n", 1
        ),
        encoding="utf-8",
    )
    r = cli("check", "--settings", str(toml), "--env", "test", "--json")
    found = json.loads(r.stdout)["findings"]
    codes = [f["code"] for f in found]
    assert "NET_UNREACHABLE" not in codes and not any(
        f["severity"] == "error" and f.get("source") in ("stale.json", "old.json") for f in found
    ), found
    assert "PROBE_EVIDENCE_SUPERSEDED" in codes
    stale = [f["message"] for f in found if f["code"] == "NET_EVIDENCE_STALE"]
    assert any("kør install-certificate.ps1 igen" in m for m in stale), stale
    assert any("kør server-check.ps1 igen" in m for m in stale), stale


@pytest.fixture
def scripts_text(sample_dir: Path) -> str:
    from ngdpkit.deliverables.servercheck import server_check_script

    return server_check_script(env_of(sample_dir), thumbprint="ABCDEF0123")
