"""``ngdpkit watch`` (issue 29, contract §12.6) against the local NgDP on 127.0.0.1: counts
only, failed deliveries against NgDP's 7-day rule, refusals as one line, and a log that
shows no request but the allowed GETs."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ngdpkit.checks.watch import FAILED, GOOD, EventTally, WatchReport
from ngdpkit.checks.watch_rules import judge
from ngdpkit.rehearsal.simulator import Simulator
from ngdpkit.rehearsal.simulator_traffic import Traffic
from ngdpkit.secrets import read_dotenv
from tests.conftest import cli, run_cli
from tests.test_ngdp_read import copy_sample, sample_identity, serve

FETCHED = GOOD["REST_PULL"]
CONTRACT_KEYS = {
    "environment",
    "memos_waiting",
    "receipts_waiting",
    "failed_deliveries",
    "findings",
}


def allowed_requests(system_id: str) -> tuple[re.Pattern[str], ...]:
    """The contract's reads (§12.6) as the simulator logs them, written out here on their
    own rather than taken from the kit's allow-list."""
    tags = "|".join(sorted({FAILED, *GOOD.values()}))
    stamp = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}%3A[0-9]{2}%3A[0-9]{2}\.000Z"
    return (
        re.compile(r"/apis/v1/memos/\?page=0&size=1"),
        re.compile(r"/apis/v1/receipts/\?page=0&size=1"),
        re.compile(
            rf"/apis/v1/events/\?senderOrRecipientSystem={system_id}&eventTag=(?:{tags})"
            rf"&dateFrom={stamp}&page=[0-9]+&size=100"
        ),
    )


def only_allowed(requests: list[tuple[str, str]], system_id: str) -> None:
    assert requests, "watch made no request"
    shapes = allowed_requests(system_id)
    for method, path in requests:
        assert method == "GET", (method, path)
        assert any(s.fullmatch(path) for s in shapes), path
        assert not re.search(r"/(memos|receipts)/[0-9a-f-]{8,}", path), path  # never one by id


def start(
    sample: Path, tmp_path: Path, traffic: Traffic | None = None, **changes: Any
) -> tuple[Simulator, str]:
    """The local NgDP for the sample's test environment (REST_PULL), holding ``traffic``."""
    sim, _ = serve(sample, "test", tmp_path, **changes)
    registry = sim.server.config.registry
    if traffic is not None:
        registry.traffic = traffic
    return sim, registry.system["id"]


def watch(
    sample: Path, *extra: str, env: dict[str, str] | None = None, child: bool = False
) -> subprocess.CompletedProcess[str]:
    """``watch`` of the sample's test environment: through the command line's own ``main``
    in this process, or with ``child`` in a process of its own, as a user runs it (for a
    test that asserts a secret never reaches the console: a leak written straight to the
    process's output would escape the in-process capture)."""
    args = ("watch", "--settings", str(sample / "migration.toml"), "--env", "test", *extra)
    r = run_cli(*args, env=env) if child else cli(*args, env=env)
    assert "Traceback" not in r.stderr, r.stderr
    return r


def watch_json(
    sample: Path, *extra: str, env: dict[str, str] | None = None, child: bool = False
) -> tuple[int, Any]:
    r = watch(sample, "--json", *extra, env=env, child=child)
    return r.returncode, json.loads(r.stdout)


def by_code(data: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in data["findings"] if f["code"] == code]


def traffic_for(system_id: str, *, failed: tuple[float, ...], good: tuple[float, ...]) -> Traffic:
    traffic = Traffic()
    traffic.add(system_id, FAILED, *failed)
    traffic.add(system_id, FETCHED, *good)
    return traffic


SYSTEM = "5b3f2c1e-8d4a-4e7b-9c2f-1a6d3e8b7c40"  # the sample's test system


# --- against the local NgDP ----------------------------------------------------------------


def test_a_backlog_is_a_warning_with_the_count_and_since_when(
    sample_dir: Path, tmp_path: Path
) -> None:
    sample = copy_sample(sample_dir, tmp_path)
    traffic = traffic_for(SYSTEM, failed=(), good=(2.3, 4))
    traffic.memos_waiting, traffic.receipts_waiting = 12, 3
    sim, system_id = start(sample, tmp_path, traffic)
    with sim:
        code, data = watch_json(sample)
        requests = list(sim.server.config.registry.requests)
    assert code == 0 and data["status"] == "warnings"
    assert (data["memos_waiting"], data["receipts_waiting"], data["failed_deliveries"]) == (
        12,
        3,
        0,
    )
    letters, receipts = by_code(data, "WATCH_BACKLOG")
    assert letters["severity"] == "warning" and letters["location"] == "/memos/"
    assert letters["params"]["count"] == "12" and letters["params"]["since_days"] == "2"
    assert letters["params"]["since_hours"] == "7"  # 2.3 days: 2 days and 7 hours, not "2 days"
    assert "12 breve venter i NgDP" in letters["message"]  # the settings' language (da)
    assert receipts["params"]["count"] == "3"
    assert data["days_since_last_good"] == 2 and data["deliveries"] == "ok"
    only_allowed(requests, system_id)
    assert len(requests) == 4  # two counts, one page of events per tag


@pytest.mark.parametrize(
    ("last_good", "since", "left", "said"),
    [
        (6.2, 6, 0, ("for 6 dage og 4 timer siden", "om 19 timer", "19 timer tilbage")),
        (8.2, 8, 0, ("for 8 dage og 4 timer siden", "", "kan være deaktiveret")),
    ],
)
def test_failing_deliveries_name_the_days_since_the_last_good_one(
    sample_dir: Path,
    tmp_path: Path,
    last_good: float,
    since: int,
    left: int,
    said: tuple[str, str, str],
) -> None:
    """Failures with no good delivery after them are an error against the 7-day rule: 6.2
    days since the last good one leaves 19 hours (rounded down, said in hours, never "1
    day"); 8.2 is past it."""
    sample = copy_sample(sample_dir, tmp_path)
    sim, system_id = start(
        sample, tmp_path, traffic_for(SYSTEM, failed=(0.1, 1.5, 3, 5), good=(last_good, 9.5))
    )
    with sim:
        code, data = watch_json(sample, "--days", "10")
        table = watch(sample, "--days", "10")
        requests = list(sim.server.config.registry.requests)
    assert code == 1 and table.returncode == 1 and data["status"] == "errors"
    (failing,) = by_code(data, "WATCH_DELIVERY_FAILING")
    assert failing["severity"] == "error" and failing["location"] == "/events/"
    assert failing["params"]["since_days"] == str(since) and failing["params"]["count"] == "4"
    assert said[0] in failing["message"] and said[1] in failing["message"]
    assert said[2] in table.stdout and "dag tilbage" not in table.stdout
    assert data["days_since_last_good"] == since and data["days_until_deactivation"] == left
    assert data["hours_since_last_good"] == int(last_good * 24)
    assert data["failed_deliveries"] == 4 and data["deliveries"] == "failing"
    if since >= 7:
        assert "Administrativ Adgang" in failing["message"]
        assert data["deactivation_passed"] is True and data["hours_until_deactivation"] == 0
    else:
        assert data["deactivation_passed"] is False and data["hours_until_deactivation"] == 19
    only_allowed(requests, system_id)


def test_no_good_delivery_in_the_default_week_may_mean_deactivated(
    sample_dir: Path, tmp_path: Path
) -> None:
    sample = copy_sample(sample_dir, tmp_path)
    sim, _ = start(sample, tmp_path, traffic_for(SYSTEM, failed=(0.5, 2), good=(8.2,)))
    with sim:
        code, data = watch_json(sample)  # --days 7: the good delivery lies outside
    (failing,) = by_code(data, "WATCH_DELIVERY_FAILING")
    assert code == 1 and data["days"] == 7 and data["last_good_delivery"] is None
    assert data["days_until_deactivation"] == 0
    assert "ikke logget nogen vellykket levering" in failing["message"]
    assert "kan allerede være deaktiveret" in failing["message"]


def test_a_good_delivery_after_the_failures_is_a_warning(sample_dir: Path, tmp_path: Path) -> None:
    sample = copy_sample(sample_dir, tmp_path)
    sim, _ = start(sample, tmp_path, traffic_for(SYSTEM, failed=(3, 4), good=(1,)))
    with sim:
        code, data = watch_json(sample)
    assert code == 0 and data["deliveries"] == "recovered"
    assert [f["code"] for f in data["findings"]] == ["WATCH_DELIVERY_RECOVERED"]


def test_a_quiet_system_is_ok_and_the_table_is_short(sample_dir: Path, tmp_path: Path) -> None:
    sample = copy_sample(sample_dir, tmp_path)
    sim, _ = start(sample, tmp_path, traffic_for(SYSTEM, failed=(), good=(0.2,)))
    with sim:
        r = watch(sample)
    assert r.returncode == 0 and r.stderr == ""
    lines = r.stdout.splitlines()
    assert lines[0] == "== test: NgDP efter idriftsættelse (ok)"
    assert "Breve, der venter på WorkZone" in lines[1] and lines[1].endswith(" 0")
    assert any("ngdp_api_url, ikke NgDP's officielle adresse" in x for x in lines)
    assert len(lines) <= 8


def test_the_table_in_english(sample_dir: Path, tmp_path: Path) -> None:
    sample = copy_sample(sample_dir, tmp_path)
    toml = sample / "migration.toml"
    toml.write_text(
        toml.read_text("utf-8").replace('language = "da"', 'language = "en"'), encoding="utf-8"
    )
    traffic = traffic_for(SYSTEM, failed=(1,), good=(6.45,))  # 154.8 hours ago
    traffic.memos_waiting = 2
    sim, _ = start(sample, tmp_path, traffic)
    with sim:
        r = watch(sample)
    assert r.returncode == 1
    assert "Letters waiting for WorkZone" in r.stdout and "13 hours left before NgDP" in r.stdout
    assert "(6 days and 10 hours ago)" in r.stdout
    assert "2 letters wait in NgDP" in r.stdout and "brev" not in r.stdout


def test_a_refused_read_is_one_warning_and_the_rest_is_read(
    sample_dir: Path, tmp_path: Path
) -> None:
    sample = copy_sample(sample_dir, tmp_path)
    traffic = traffic_for(SYSTEM, failed=(1,), good=())
    traffic.memos_waiting = 5
    sim, system_id = start(sample, tmp_path, traffic, refuse=("/events",))
    with sim:
        code, data = watch_json(sample)
        requests = list(sim.server.config.registry.requests)
    (refused,) = by_code(data, "WATCH_READ_REFUSED")
    assert refused["severity"] == "warning" and refused["location"] == "/events/"
    assert refused["params"]["status"] == "403"
    assert code == 0 and data["memos_waiting"] == 5 and data["failed_deliveries"] is None
    assert data["deliveries"] == "not_read" and data["refused"] == ["/events/"]
    backlog = by_code(data, "WATCH_BACKLOG")[0]
    assert "hændelseslog blev ikke læst" in backlog["message"]
    assert sum("/events/" in p for _, p in requests) == 1  # refused once, not asked again
    only_allowed(requests, system_id)


@pytest.mark.parametrize(
    "header",
    [
        "Basic NWIzZjJjMWUtOGQ0YS00ZTdiLTljMmYtMWE2ZDNlOGI3YzQwOndyb25nLXRva2VuLXZhbHVlLTQy",
        "Basic NWIzZjJjMWUtOGQ0YS00ZTdiLTljMmYtMWE2ZDNl\x01OGI3YzQw",  # HTTP refuses to send it
        "Basic æøåNWIzZjJjMWUtOGQ0YS00ZTdiLTljMmYt",  # not ASCII
    ],
)
def test_a_refused_header_stops_the_watch_and_is_never_printed(
    sample_dir: Path, tmp_path: Path, header: str
) -> None:
    sample = copy_sample(sample_dir, tmp_path)
    sim, _ = start(sample, tmp_path, traffic_for(SYSTEM, failed=(1,), good=()))
    env = {"NGDPKIT_TEST_AUTHORIZATION": header}
    with sim:
        as_json = watch(sample, "--json", env=env, child=True)
        as_table = watch(sample, env=env, child=True)
        requests = list(sim.server.config.registry.requests)
    data = json.loads(as_json.stdout)
    (refused,) = by_code(data, "WATCH_READ_REFUSED")
    assert refused["location"] == "/memos/" and data["memos_waiting"] is None
    assert as_json.returncode == 0 and "WATCH_READ_REFUSED" in as_table.stdout
    assert len(requests) <= 2  # one read per run, then nothing more is sent
    token = header.split()[1]
    for out in (as_json.stdout, as_json.stderr, as_table.stdout, as_table.stderr):
        assert header not in out and token not in out and token[:24] not in out


def test_a_network_failure_is_one_line_without_a_secret(sample_dir: Path, tmp_path: Path) -> None:
    from tests.loopback import refused_port

    sample = copy_sample(sample_dir, tmp_path)
    with refused_port() as s:  # a port nobody listens on, held until both watches are done
        port = s.getsockname()[1]
        toml = sample / "migration.toml"
        toml.write_text(
            toml.read_text("utf-8").replace(
                "[environments.test]\n",
                f'[environments.test]\nngdp_api_url = "https://127.0.0.1:{port}/apis/v1"\n',
            ),
            encoding="utf-8",
        )
        r = watch(sample, child=True)
        code, data = watch_json(sample, child=True)
    (refused,) = by_code(data, "WATCH_READ_REFUSED")
    assert code == 0 and r.returncode == 0 and r.stderr == ""
    assert "NgDP blev ikke nået for /memos/" in refused["message"]
    assert "\n" not in refused["message"]
    header = read_dotenv(sample / "sample.env")["NGDPKIT_TEST_AUTHORIZATION"]
    assert header.split()[1] not in r.stdout + json.dumps(data)


def test_the_json_has_the_contract_keys_and_reads_back_as_a_report(
    sample_dir: Path, tmp_path: Path
) -> None:
    sample = copy_sample(sample_dir, tmp_path)
    sim, _ = start(sample, tmp_path, traffic_for(SYSTEM, failed=(0.5,), good=(3,)))
    with sim:
        code, data = watch_json(sample)
    assert CONTRACT_KEYS | {"status", "error", "last_good_delivery", "days_since_last_good"} <= set(
        data
    )
    assert data["environment"] == "test" and data["error"] is None and code == 1
    report = WatchReport.from_json(data)
    assert report.to_json() == {
        k: v for k, v in data.items() if k not in ("status", "error", "findings")
    }
    assert not (sample / "runs").exists()  # it writes no file


def test_input_that_cannot_be_watched_is_exit_2(sample_dir: Path, tmp_path: Path) -> None:
    sample = copy_sample(sample_dir, tmp_path)
    settings = str(sample / "migration.toml")
    r = cli("watch", "--settings", settings, "--env", "nowhere", "--json")
    assert r.returncode == 2 and json.loads(r.stdout)["status"] == "unusable"
    assert r.stderr.count("\n") == 1
    for days in ("0", "91", "x"):
        r = cli("watch", "--settings", settings, "--env", "test", "--days", days)
        assert r.returncode == 2 and "Traceback" not in r.stderr
    toml = sample / "migration.toml"
    text = toml.read_text("utf-8")
    toml.write_text(text.replace(SYSTEM, "not-a-uuid", 1), encoding="utf-8")
    r = cli("watch", "--settings", settings, "--env", "test")
    assert r.returncode == 2 and "is not a UUID" in r.stderr and "Traceback" not in r.stderr
    toml.write_text(
        text.replace('system_id = "5b3f2c1e-8d4a-4e7b-9c2f-1a6d3e8b7c40"\n', "", 1).replace(
            'certificate = "certs/test.p12"\n', 'certificate = "certs/test.pem"\n', 1
        ),
        encoding="utf-8",
    )
    r = cli("watch", "--settings", settings, "--env", "test")
    assert r.returncode == 2 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2 and "system_id is not set" in lines[0] and "public" in lines[1]


def test_a_missing_secret_is_an_error_finding_and_nothing_is_sent(
    sample_dir: Path, tmp_path: Path
) -> None:
    sample = copy_sample(sample_dir, tmp_path)
    sim, _ = start(sample, tmp_path, Traffic(memos_waiting=1))
    (sample / "sample.env").write_text("", encoding="utf-8")
    with sim:
        code, data = watch_json(sample)
        requests = list(sim.server.config.registry.requests)
    assert code == 1 and [f["code"] for f in data["findings"]] == ["SECRET_MISSING"] * 2
    assert data["memos_waiting"] is None and requests == []


def test_the_local_ngdp_refuses_what_ngdp_would(sample_dir: Path, tmp_path: Path) -> None:
    """Writes on the collections are 405, another system's events 403, and a receipt read
    by its id is gone afterwards, as NgDP's GET /receipts/{id} deletes it."""
    import httpx

    from ngdpkit.checks.probes import client_tls_context

    sample = copy_sample(sample_dir, tmp_path)
    loaded, secrets = sample_identity(sample)
    sim, system_id = start(sample, tmp_path, Traffic(memos_waiting=3, receipts_waiting=1))
    headers = {"Authorization": secrets["NGDPKIT_TEST_AUTHORIZATION"]}
    with (
        sim,
        client_tls_context(
            loaded.leaf, loaded.key, loaded.extra, cafile=str(sim.ca.ca_file)
        ) as ctx,
        httpx.Client(verify=ctx, headers=headers, base_url=sim.base_url) as client,
    ):
        page = client.get("/memos/", params={"page": 0, "size": 1}).json()
        assert page["totalElements"] == 3 and len(page["content"]) == 1 and page["totalPages"] == 3
        for method, path in [
            ("POST", "/events/"),
            ("DELETE", "/events/"),
            ("POST", "/receipts/"),
            ("DELETE", "/memos/"),
            ("DELETE", "/receipts/"),
            ("PUT", "/memos/"),
        ]:
            assert client.request(method, path).status_code == 405, (method, path)
        other = {"senderOrRecipientSystem": "11111111-1111-4111-8111-111111111111"}
        assert client.get("/events/", params=other).status_code == 403
        assert client.get("/events/").status_code == 403
        mine = {"senderOrRecipientSystem": system_id, "dateFrom": "yesterday"}
        assert client.get("/events/", params=mine).status_code == 400
        sim.state.receipts["r-1"] = {"messageUUID": "r-1", "receiptStatus": "RECEIVED"}
        assert client.get("/receipts/r-1", params={"delete": "false"}).status_code == 200
        assert client.get("/receipts/r-1").status_code == 200
        assert "r-1" not in sim.state.receipts  # read once without delete=false: gone


def test_simulate_takes_a_seed_and_refuses_a_bad_one(sample_dir: Path, tmp_path: Path) -> None:
    from ngdpkit.errors import InputError
    from ngdpkit.rehearsal.simulator_traffic import seed_traffic

    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps({"memos_waiting": 4, "failed_days_ago": [1, 2], "good_days_ago": [6.5]})
    )
    traffic = seed_traffic(seed, SYSTEM)
    assert traffic.memos_waiting == 4 and len(traffic.events) == 3
    assert {e["eventTag"] for e in traffic.events} == {FAILED, FETCHED}
    seed.write_text('{"memos_waiting": "many"}')
    with pytest.raises(InputError, match="not a seed"):
        seed_traffic(seed, SYSTEM)


def test_an_hour_left_is_said_in_hours_never_as_a_day(sample_dir: Path, tmp_path: Path) -> None:
    """The cold try's case: the last good delivery 6.95 days ago (166.8 hours) leaves an hour
    and twelve minutes of NgDP's seven days. The watch says 1 hour left (rounded down), and 6
    days and 22 hours since; never "1 dag tilbage" nor "for 6 dage siden"."""
    from ngdpkit.rehearsal.simulator_traffic import seed_traffic

    sample = copy_sample(sample_dir, tmp_path)
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"failed_days_ago": [0.1], "good_days_ago": [6.95]}))
    sim, _ = start(sample, tmp_path, seed_traffic(seed, SYSTEM))
    with sim:
        code, data = watch_json(sample)
        table = watch(sample)
    assert code == 1 and data["hours_until_deactivation"] == 1
    assert data["days_until_deactivation"] == 0 and data["deactivation_passed"] is False
    assert data["hours_since_last_good"] == 166 and data["days_since_last_good"] == 6
    (failing,) = by_code(data, "WATCH_DELIVERY_FAILING")
    assert "for 6 dage og 22 timer siden" in failing["message"]
    assert failing["message"].endswith("om 1 time.")
    assert "1 time tilbage, før NgDP deaktiverer" in table.stdout
    assert "(for 6 dage og 22 timer siden)" in table.stdout
    assert "dag tilbage" not in table.stdout and "for 6 dage siden" not in table.stdout


# --- the guard, without a network ----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/receipts/0b7a3c1e-8d4a-4e7b-9c2f-1a6d3e8b7c40", {}),  # deletes the receipt
        ("/receipts/0b7a3c1e-8d4a-4e7b-9c2f-1a6d3e8b7c40", {"delete": "false"}),
        ("/memos/0b7a3c1e-8d4a-4e7b-9c2f-1a6d3e8b7c40", {}),  # competes with WorkZone
        ("/memos/", {"page": 0, "size": 100}),  # a page of letters, not a count
        ("/memos/", {}),
        ("/receipts/", {"page": 1, "size": 1}),
        ("/receipts-bulk/", {"page": 0, "size": 1}),
        ("/events/", {"senderOrRecipientSystem": SYSTEM, "eventTag": "SYSTEM_CHANGED"}),
        (
            "/events/",
            {
                "senderOrRecipientSystem": SYSTEM,
                "eventTag": FAILED,
                "dateFrom": "2026-01-01T00:00:00.000Z",
                "page": 0,
                "size": 100,
                "any": "x",
            },
        ),
        ("/organisations/", {"cvrNumber": "98765433"}),  # check --online's read, not watch's
    ],
)
def test_the_guard_refuses_every_other_request_before_sending(
    path: str, params: dict[str, Any]
) -> None:
    import httpx

    from ngdpkit.checks.ngdp import NotAllowed
    from ngdpkit.checks.watch import WatchReader

    sent: list[httpx.Request] = []
    client = httpx.Client(
        transport=httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200))
    )
    reader = WatchReader(client, "https://ngdp.invalid/apis/v1", "environments.test")
    with pytest.raises(NotAllowed):
        reader.get(path, params)
    assert sent == []


def test_the_check_reader_may_not_read_memos_or_receipts() -> None:
    from ngdpkit.checks.ngdp import ALLOWED

    for path in ("/memos/", "/receipts/", "/events/"):
        assert not any(read.allows(path, {"page": 0, "size": 1}) for read in ALLOWED)


# --- the rules, on records -------------------------------------------------------------


NOW = dt.datetime(2026, 3, 9, 12, 0, tzinfo=dt.UTC)


def report(
    *, failed: list[float], good: list[float] | None, days: int = 7, memos: int | None = 0
) -> WatchReport:
    def tally(tag: str, ago: list[float]) -> EventTally:
        newest = (NOW - dt.timedelta(days=min(ago))).strftime("%Y-%m-%dT%H:%M:%SZ") if ago else None
        return EventTally(tag, total=len(ago), read=len(ago), matching=len(ago), newest=newest)

    return WatchReport(
        environment="test",
        protocol="REST_PULL",
        system_id=SYSTEM,
        checked_at=NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        date_from="",
        days=days,
        base_url="https://api.test.digitalpost.dk/apis/v1",
        memos_waiting=memos,
        receipts_waiting=0,
        failed=tally(FAILED, failed),
        good=tally(FETCHED, good) if good is not None else None,
    )


@pytest.mark.parametrize(
    ("failed", "good", "days", "code", "since", "left", "left_hours"),
    [
        ([], [1], 7, None, 1, None, None),
        ([0.5], [6.5], 7, "WATCH_DELIVERY_FAILING", 6, 0, 12),
        ([0.5], [7.0], 14, "WATCH_DELIVERY_FAILING", 7, 0, 0),
        ([0.5], [], 3, "WATCH_DELIVERY_FAILING", None, 4, 96),
        ([2], [1], 7, "WATCH_DELIVERY_RECOVERED", 1, None, None),
    ],
)
def test_the_seven_day_rule(
    failed: list[float],
    good: list[float],
    days: int,
    code: str | None,
    since: int | None,
    left: int | None,
    left_hours: int | None,
) -> None:
    r = report(failed=failed, good=good, days=days)
    found = judge(r, "environments.test")
    assert [f.code for f in found] == ([code] if code else [])
    assert r.days_since_last_good == since and r.days_until_deactivation == left
    assert r.hours_until_deactivation == left_hours
    if found:
        assert found[0].text("da") != found[0].message  # both languages


@pytest.mark.parametrize(
    ("good", "since", "left", "message"),
    [
        # (days ago, what is said of the time since, of the time left)
        (0.2, "4 hours ago", "in 6 days and 19 hours.", "6 dage og 19 timer tilbage"),
        (1.0, "1 day and 0 hours ago", "in 6 days and 0 hours.", "6 dage tilbage"),
        (5.99, "5 days and 23 hours ago", "in 1 day and 0 hours.", "1 dag tilbage"),
        (6.01, "6 days and 0 hours ago", "in 23 hours.", "23 timer tilbage"),
        (6.95, "6 days and 22 hours ago", "in 1 hour.", "1 time tilbage"),
        (6.99, "6 days and 23 hours ago", "in less than an hour.", "under en time tilbage"),
        (7.0, "7 days and 0 hours ago", "past NgDP's 7 days", "kan være deaktiveret"),
    ],
)
def test_the_time_left_is_rounded_down_and_said_in_hours_under_a_day(
    good: float, since: str, left: str, message: str
) -> None:
    """At fixed times: the time left never rounds up (6.95 days since leaves 1.2 hours: "1
    hour", not "1 day"), and the time since never drops its hours ("6 days and 22 hours")."""
    from ngdpkit.compare.watch import table

    r = report(failed=[0.01], good=[good])
    (found,) = judge(r, "environments.test")
    assert since in found.message and left in found.message
    data = {**r.to_json(), "environment": "test", "findings": []}
    (rule,) = [line for line in table(data, "da") if "7-dagesregel" in line]
    assert message in rule
    assert r.hours_until_deactivation is not None
    assert r.hours_until_deactivation * 3600 <= 7 * 86400 - (good * 86400)  # never more


def test_watch_days_0_is_one_line(sample_dir: Path, tmp_path: Path) -> None:
    """--days outside 1-90 is bad input like any other: one line, exit 2, no usage text."""
    sample = copy_sample(sample_dir, tmp_path)
    settings = str(sample / "migration.toml")
    for days in ("0", "91", "x"):
        r = cli("watch", "--settings", settings, "--env", "test", "--days", days)
        assert r.returncode == 2 and r.stdout == "", (days, r.stdout)
        assert r.stderr.count("\n") == 1 and "usage:" not in r.stderr, r.stderr
        assert r.stderr.startswith("ngdpkit: --days") and "1 to 90" in r.stderr
    r = cli("watch", "--settings", settings, "--env", "test", "--days", "0", "--json")
    assert r.returncode == 2 and json.loads(r.stdout)["status"] == "unusable"


def test_failures_with_the_good_deliveries_unread_are_not_judged() -> None:
    r = report(failed=[1], good=None, memos=2)
    assert r.deliveries == "not_read"
    assert [f.code for f in judge(r, "x")] == ["WATCH_BACKLOG"]


def test_an_event_log_read_in_part_says_so() -> None:
    r = report(failed=[1], good=[0.5])
    partial = EventTally(FAILED, total=9000, read=5000, matching=5000, newest=r.failed.newest)  # type: ignore[union-attr]
    from dataclasses import replace

    found = judge(replace(r, failed=partial), "x")
    assert "WATCH_EVENTS_INCOMPLETE" in [f.code for f in found]
    assert replace(r, failed=partial).failed_deliveries == 9000  # NgDP's own count


def test_the_documented_windows_watch_is_a_monitor() -> None:
    """A scheduled task has no console: docs/watch.md's Windows watch keeps the JSON and the exit
    code in a log, makes a non-ok watch an Event Log error (eventcreate), and says that the
    .p12 and its password then stay on that machine, protected by an ACL."""
    section = (Path(__file__).resolve().parents[1] / "docs" / "watch.md").read_text(
        encoding="utf-8"
    )
    ps = section.split("```powershell\n", 1)[1].split("```", 1)[0]
    assert "--json > $json" in ps and "$code = $LASTEXITCODE" in ps
    assert re.search(r"Add-Content [^\n]*watch\.log[^\n]*exit=\$code status=\$status", ps)
    assert re.search(
        r"if \(\$code -ne 0 -or \$status -ne 'ok'\) \{\s*eventcreate\.exe /L APPLICATION", ps
    )
    assert ps.rstrip().endswith("exit $code")
    bat = section.split("```bat\n", 1)[1].split("```", 1)[0]
    assert re.search(r'schtasks /Create [^\n]*/RU \S+ [^\n]*-File C:\\ngdpkit\\watch\.ps1"', bat)
    assert "eventcreate /L APPLICATION /SO ngdpkit" in bat
    honest = section.split("Be honest about what this means for the secrets", 1)[1]
    assert "on that machine, all the time" in honest.replace("\n", " ").replace("**", "")
    assert "icacls" in honest and "(OI)(CI)R" in honest and "svc-ngdpwatch" in honest
    assert "jq" not in section  # the GitHub example needs nothing the runner may lack


def test_a_seed_logs_good_deliveries_as_ngdp_does_for_the_environments_protocol(
    tmp_path: Path,
) -> None:
    """The consultant's cold run: ``simulate --seed`` of a REST_PUSH environment logged its
    good deliveries as fetched (REST_PULL's tag), so ``watch`` found none and called the
    system deactivated. The environment's protocol decides; the seed's own key still wins."""
    from ngdpkit.checks.watch import GOOD
    from ngdpkit.rehearsal.simulator_traffic import seed_traffic

    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"failed_days_ago": [0.5], "good_days_ago": [6.2]}))
    for protocol in ("REST_PULL", "REST_PUSH"):
        tags = {e["eventTag"] for e in seed_traffic(seed, SYSTEM, protocol).events}
        assert tags == {FAILED, GOOD[protocol]}, protocol
    seed.write_text(json.dumps({"protocol": "REST_PULL", "good_days_ago": [1]}))
    assert {e["eventTag"] for e in seed_traffic(seed, SYSTEM, "REST_PUSH").events} == {FETCHED}


@pytest.mark.parametrize(
    ("protocol", "english", "danish"),
    [
        ("REST_PULL", "wait in NgDP for WorkZone to fetch them", "på, at WorkZone henter dem"),
        (
            "REST_PUSH",
            "wait in NgDP to be delivered to WorkZone's push endpoint",
            "på at blive leveret til WorkZones push-endpoint",
        ),
    ],
)
def test_a_backlog_says_what_the_letters_wait_for_by_protocol(
    protocol: str, english: str, danish: str
) -> None:
    import dataclasses

    from ngdpkit.checks.watch_rules import backlog

    r = dataclasses.replace(report(failed=[], good=[1], memos=3), protocol=protocol)
    (letters,) = backlog(r, "watch")
    assert english in letters.text("en") and danish in letters.text("da")
    assert "3 letters" in letters.text("en") and "3 breve" in letters.text("da")


def test_a_watch_message_says_its_times_in_copenhagen_time_in_both_languages() -> None:
    """The consultant's second cold run: the table said Copenhagen time and the English
    messages UTC ("2026-03-08 12:00 UTC"); both languages now say the table's time."""
    from ngdpkit.checks.watch_rules import backlog

    (letters,) = backlog(report(failed=[], good=[1], memos=3), "watch")
    assert "at 2026-03-08 13:00 (Copenhagen)" in letters.text("en")
    assert "var 08-03-2026 kl. 13:00" in letters.text("da")


# --- go-live day: NgDP's 7 days never begin before NgDP was enabled -------------------------


def _failing(
    enabled_hours_ago: float | None,
    *,
    failed_hours_ago: float = 12,
    good_hours_ago: float | None = None,
    days: int = 7,
    complete: bool = True,
) -> WatchReport:
    """Failures 12 hours ago, no good delivery in the 7 days read, go-live some hours ago."""
    now = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)

    def stamp(hours: float) -> str:
        return (now - dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")

    good = (
        EventTally(FETCHED, total=0)
        if good_hours_ago is None
        else EventTally(FETCHED, total=1, read=1, matching=1, newest=stamp(good_hours_ago))
    )
    at = stamp(failed_hours_ago)
    return WatchReport(
        environment="production",
        protocol="REST_PULL",
        system_id=SYSTEM,
        checked_at=stamp(0),
        date_from=stamp(days * 24),
        days=days,
        base_url="https://api.digitalpost.dk/apis/v1",
        failed=EventTally(
            FAILED, total=1 if complete else 9, read=1, matching=1, newest=at, oldest=at
        ),
        good=good,
        enabled_at=None if enabled_hours_ago is None else stamp(enabled_hours_ago),
    )


def test_the_seven_days_are_never_counted_from_before_go_live() -> None:
    """A go-live day's cold run: one failed delivery 12 hours after a go-live the day before
    read as "NgDP's 7-dagesregel overskredet", with ``deactivation_passed: true``, because no
    good delivery lay in the 7 days read. NgDP cannot have been failing before it was
    enabled: the time left is at most 7 days from then, and nothing says it passed."""
    after = _failing(enabled_hours_ago=24)
    assert after.deactivation_passed is False and after.hours_until_deactivation == 6 * 24
    (failing,) = judge(after, "environments.production")
    assert failing.code == "WATCH_DELIVERY_FAILING" and failing.severity == "error"
    assert "no good delivery since it was enabled at 2026-12-05 10:00 (Copenhagen)" in (
        failing.message
    )
    assert failing.message.endswith("in at most 6 days and 0 hours.")
    danish = failing.text("da")
    assert "siden det blev aktiveret" in danish and "kan allerede være deaktiveret" not in danish
    # without [golive], the window is all the kit knows: it may have passed, as before
    unknown = _failing(enabled_hours_ago=None)
    assert unknown.deactivation_passed is True and unknown.hours_until_deactivation == 0
    # a go-live longer ago than the window changes nothing
    assert _failing(enabled_hours_ago=10 * 24).deactivation_passed is True


@pytest.mark.parametrize(
    ("report", "why"),
    [
        (_failing(24, failed_hours_ago=30), "a failure before go-live: NgDP delivered then"),
        (_failing(3 * 24, days=1), "a window of a day cannot speak for three"),
        (_failing(24, complete=False), "not every failure was read"),
    ],
)
def test_go_live_bounds_the_seven_days_only_when_the_log_allows(
    report: WatchReport, why: str
) -> None:
    """The second look: a failure logged before go-live, a window shorter than the time
    since go-live, or failures not all read: NgDP's days are not counted from go-live, and
    no message says "since it was enabled"."""
    assert not report.bounded_by_go_live, why
    assert all("since it was enabled" not in f.message for f in judge(report, "x"))


def test_a_good_delivery_before_go_live_counts_the_days_from_it() -> None:
    """The second look: a good delivery 20 days ago and go-live 2 days ago read "4 dage og 17
    timer tilbage" (counted from go-live): NgDP delivered before go-live, so the days count
    from that delivery, and they have passed."""
    report = _failing(2 * 24, good_hours_ago=20 * 24, days=30)
    assert report.deactivation_passed is True and report.hours_until_deactivation == 0


def test_watch_before_go_live_says_so_and_a_production_watch_elsewhere_is_an_error(
    sample_dir: Path, tmp_path: Path
) -> None:
    """A go-live day's cold run: watch before ``ngdp_enable`` read "NgDP efter
    idriftsættelse" with nothing about go-live being ahead, and a production watch of the
    simulator's address said "ok" (check calls the same settings an error)."""
    sample = copy_sample(sample_dir, tmp_path)
    toml = sample / "migration.toml"
    toml.write_text(
        toml.read_text("utf-8").replace(
            "[environments.test]\n",
            "[golive]\nngdp_enable = 2199-01-01T08:00:00\n\n[environments.test]\n",
            1,
        ),
        encoding="utf-8",
    )
    sim, _ = start(sample, tmp_path, traffic_for(SYSTEM, failed=(), good=(0.2,)))
    with sim:
        code, data = watch_json(sample)
    (ahead,) = by_code(data, "WATCH_BEFORE_GO_LIVE")
    assert code == 0 and ahead["severity"] == "info"
    assert "01-01-2199 kl. 08:00" in ahead["message"] and data["enabled_at"] is None
    assert data["bounded_by_go_live"] is False

    prod = copy_sample(sample_dir, tmp_path / "prod")
    sim, _ = serve(prod, "production", tmp_path / "p")
    with sim:
        r = cli(
            "watch", "--settings", str(prod / "migration.toml"), "--env", "production", "--json"
        )
    data = json.loads(r.stdout)
    (elsewhere,) = by_code(data, "NGDP_API_URL_OVERRIDDEN")
    assert r.returncode == 1 and elsewhere["severity"] == "error"


def test_an_option_given_twice_is_refused(sample_dir: Path, tmp_path: Path) -> None:
    """A go-live day's cold run: ``watch --env production --env test`` watched test only."""
    sample = copy_sample(sample_dir, tmp_path)
    r = cli("watch", "--settings", str(sample / "migration.toml"), "--env", "production",
            "--env", "test")  # fmt: skip
    assert r.returncode == 2 and "--env is given twice ('production' and 'test')" in r.stderr


def test_no_delivery_at_all_after_go_live_is_a_warning() -> None:
    """A go-live day's cold run: a watch of an integration where nothing flowed said "ok"
    (exit 0) every day of the first week. After go-live a log with no delivery at all, good
    or failed, is a warning; before go-live, or without [golive], it is no finding."""
    now = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)
    quiet = WatchReport(
        environment="production",
        protocol="REST_PULL",
        system_id=SYSTEM,
        checked_at="2026-12-06T09:00:00Z",
        date_from="2026-11-29T09:00:00Z",
        days=7,
        base_url="https://api.digitalpost.dk/apis/v1",
        failed=EventTally(FAILED, total=0),
        good=EventTally(FETCHED, total=0),
        enabled_at=(now - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    (silent,) = judge(quiet, "environments.production")
    assert (silent.code, silent.severity) == ("WATCH_NO_DELIVERIES", "warning")
    assert "intet her viser, at breve når frem til WorkZone" in silent.text("da")
    assert judge(replace(quiet, enabled_at=None), "x") == []
    one = EventTally(FETCHED, total=1, read=1, matching=1, newest="2026-12-06T08:00:00Z")
    assert judge(replace(quiet, good=one), "x") == []


def test_a_seed_with_a_key_it_does_not_know_is_refused(tmp_path: Path) -> None:
    """A go-live day's cold run: a seed of ``{"failed_days": [0.5]}`` (a misspelling) was
    taken as no failure at all, and watch then said "ok"."""
    from ngdpkit.errors import InputError
    from ngdpkit.rehearsal.simulator_traffic import seed_traffic

    seed = tmp_path / "seed.json"
    seed.write_text('{"memo_waiting": 12, "failed_days": [0.5]}', encoding="utf-8")
    with pytest.raises(InputError, match="unknown key\\(s\\) 'failed_days', 'memo_waiting'"):
        seed_traffic(seed, SYSTEM)


def test_the_table_says_one_day_in_the_singular() -> None:
    """The second look: "--days 1" read "Fejlede leveringer, seneste 1 dage"."""
    from ngdpkit.compare.watch import table

    data = {"environment": "test", "findings": [], "days": 1, "failed_deliveries": 0, "good": {}}
    lines = "\n".join(table(data, "da"))
    assert "seneste 1 dag " in lines and "ingen de seneste 1 dag" in lines
    assert "Failed deliveries, last 1 day " in "\n".join(table(data, "en"))


# --- the security review: a future delivery, a seed out of bounds, digits that are not ASCII -


def test_a_delivery_dated_in_the_future_is_no_recovery(sample_dir: Path, tmp_path: Path) -> None:
    """The review's case: failures 12 hours and 2 days ago, and a good delivery "3000 days ago"
    negated, in 2034 or 2035. It was counted as the delivery after the failures (recovered,
    exit 0, "for 0 timer siden"); now it is not counted, a warning names it, and the failures
    are judged on what remains: failing, exit 1."""
    from ngdpkit.rehearsal.simulator_traffic import seed_traffic

    sample = copy_sample(sample_dir, tmp_path)
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"failed_days_ago": [0.5, 2], "good_days_ago": [-3000]}))
    sim, system_id = start(sample, tmp_path, seed_traffic(seed, SYSTEM))
    with sim:
        code, data = watch_json(sample)
        table = watch(sample)
        requests = list(sim.server.config.registry.requests)
    assert code == 1 and table.returncode == 1 and data["deliveries"] == "failing"
    assert [f["code"] for f in by_code(data, "WATCH_DELIVERY_RECOVERED")] == []
    (failing,) = by_code(data, "WATCH_DELIVERY_FAILING")
    assert failing["params"]["count"] == "2"
    assert data["last_good_delivery"] is None and data["good"]["future"] == 1
    assert data["good"]["matching"] == 0 and data["failed"]["future"] == 0
    (ahead,) = by_code(data, "WATCH_EVENTS_INCOMPLETE")
    assert ahead["severity"] == "warning" and ahead["params"]["count"] == "1"
    assert ahead["params"]["tag"] == FETCHED and ahead["params"]["skew"] == "5"
    year = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3000)).year
    assert str(year) in ahead["params"]["newest"] and str(year) in ahead["message"]
    assert "1 hændelse af typen" in ahead["message"]  # the settings' language, in the singular
    assert "timer siden)" not in table.stdout.split("Seneste gode levering", 1)[1].split("\n")[0]
    assert "WATCH_EVENTS_INCOMPLETE" in table.stdout
    only_allowed(requests, system_id)
    report = WatchReport.from_json(data)  # the new keys read back
    assert report.good is not None and report.good.future_newest == data["good"]["future_newest"]


def test_a_failure_dated_in_the_future_is_not_counted_and_a_small_skew_is(
    sample_dir: Path, tmp_path: Path
) -> None:
    """A failure a day ahead is no failure (it was counted as the newest one); a good delivery
    two minutes ahead lies within the clock skew and counts."""
    sample = copy_sample(sample_dir, tmp_path)
    traffic = traffic_for(SYSTEM, failed=(-1, -2, 3), good=(-2 / 1440,))
    sim, _ = start(sample, tmp_path, traffic)
    with sim:
        code, data = watch_json(sample, "--json")
    assert code == 0 and data["deliveries"] == "recovered"
    assert data["failed_deliveries"] == 1 and data["failed"]["future"] == 2
    assert data["last_good_delivery"] is not None and data["good"]["future"] == 0
    (ahead,) = by_code(data, "WATCH_EVENTS_INCOMPLETE")
    assert ahead["params"]["count"] == "2" and ahead["params"]["tag"] == FAILED
    assert "2 hændelser af typen" in ahead["message"]


def test_events_ahead_of_a_fixed_clock_are_counted_apart() -> None:
    """At a fixed time: 6 minutes ahead is beyond the skew, 4 minutes ahead within it; a part
    read log's count is NgDP's own less those ahead; a time past year 9999 is no time."""
    from ngdpkit.checks.watch import CLOCK_SKEW, WatchReader, tally

    assert CLOCK_SKEW == dt.timedelta(minutes=5)

    class Pages:
        def __init__(self, events: list[dict[str, Any]], total: int) -> None:
            self.events, self.total = events, total

        def get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
            return {"events": self.events, "totalElements": self.total}

    def at(minutes: float) -> dict[str, Any]:
        moment = NOW + dt.timedelta(minutes=minutes)
        return {"eventTag": FAILED, "eventTime": moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")}

    events = [
        at(-60),
        at(4),
        at(6),
        at(60 * 24),
        {"eventTag": FAILED, "eventTime": "9999-12-31T23:59:59-23:00"},
    ]
    reader = WatchReader(None, "https://x", "x")
    reader.get = Pages(events, 5).get  # type: ignore[method-assign]
    got = tally(reader, system_id=SYSTEM, tag=FAILED, date_from="", now=NOW)
    assert got is not None and (got.matching, got.future, got.count) == (2, 2, 2)
    assert got.newest == "2026-03-09T12:04:00Z" and got.future_newest == "2026-03-10T12:00:00Z"
    reader.get = Pages(events, 9000).get  # type: ignore[method-assign]
    got = tally(reader, system_id=SYSTEM, tag=FAILED, date_from="", now=NOW)
    assert got is not None and not got.complete and got.future == 100 and got.count == 8900


@pytest.mark.parametrize(
    ("seed", "said"),
    [
        ({"failed_days_ago": [1e300]}, "failed_days_ago[0] 1e+300"),
        ({"memos_waiting": 1e400}, "memos_waiting Infinity"),
        ({"good_days_ago": [1e6]}, "good_days_ago[0] 1000000.0"),
        ({"good_days_ago": [1, -3651]}, "good_days_ago[1] -3651"),
        ({"memos_waiting": -1}, "memos_waiting -1"),
        ({"receipts_waiting": 100_001}, "receipts_waiting 100001"),
        ({"memos_waiting": 2.5}, "memos_waiting 2.5"),
        ({"memos_waiting": True}, "memos_waiting true"),
        ({"failed_days_ago": 5}, "failed_days_ago 5"),
        ({"failed_days_ago": [0.5, "x\ny"]}, 'failed_days_ago[1] "x\\ny"'),
        ({"protocol": "SOAP"}, 'protocol "SOAP"'),
        # a second look: a protocol of another kind was a crash (TypeError: unhashable)
        ({"protocol": []}, "protocol (a JSON array of 0)"),
        ({"protocol": {"a": 1}}, "protocol (a JSON object of 1)"),
    ],
)
def test_a_seed_out_of_bounds_is_refused_naming_the_key_and_the_value(
    tmp_path: Path, seed: dict[str, Any], said: str
) -> None:
    """The review's seeds crashed simulate with an OverflowError (exit 3), and a negative
    count was taken: each is now an InputError of one line naming the key and the value."""
    from ngdpkit.errors import InputError
    from ngdpkit.rehearsal.simulator_traffic import read_seed

    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed), encoding="utf-8")
    if seed.get("memos_waiting") == 1e400:  # json.dumps would write Infinity
        path.write_text('{"memos_waiting": 1e400}', encoding="utf-8")
    with pytest.raises(InputError) as refused:
        read_seed(path)
    (problem,) = refused.value.problems
    assert said in problem and "not a seed" in problem and "\n" not in problem


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="a FIFO is POSIX")
def test_a_seed_that_is_no_regular_file_is_refused_unread(tmp_path: Path) -> None:
    """A second look: a FIFO given as the seed hung ``simulate``. A seed is a regular file,
    opened without waiting on it, of at most 8 MB."""
    from ngdpkit.errors import InputError
    from ngdpkit.rehearsal.simulator_traffic import MAX_SEED_BYTES, read_seed

    fifo = tmp_path / "seed.fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_seed(fifo)
    big = tmp_path / "big.json"
    with big.open("wb") as f:
        f.truncate(MAX_SEED_BYTES + 1)
    with pytest.raises(InputError, match="larger than 8 MB"):
        read_seed(big)


@pytest.mark.parametrize(
    "seed", ['{"failed_days_ago": [1e300]}', '{"memos_waiting": 1e400}', '{"memos_waiting": -1}']
)
def test_simulate_refuses_a_bad_seed_in_one_line_before_writing(
    sample_dir: Path, tmp_path: Path, seed: str
) -> None:
    """``simulate --seed`` with the review's seeds: exit 2, one line, nothing written beside
    the settings (the CA is kept there only once the seed is read). In a child with a
    deadline: a seed taken by mistake starts a simulator that runs until stopped."""
    sample = copy_sample(sample_dir, tmp_path)
    path = tmp_path / "seed.json"
    path.write_text(seed, encoding="utf-8")
    before = sorted(p.name for p in sample.rglob("*"))
    r = run_cli(
        "simulate", "--settings", str(sample / "migration.toml"), "--env", "test",
        "--seed", str(path), timeout=60,
    )  # fmt: skip
    assert r.returncode == 2 and r.stdout == "", (r.stdout, r.stderr)
    assert r.stderr.count("\n") == 1 and "crashed" not in r.stderr, r.stderr
    assert "not a seed" in r.stderr and str(path) in r.stderr
    assert sorted(p.name for p in sample.rglob("*")) == before


def test_a_seed_may_plant_events_ahead_of_the_clock_within_bounds(tmp_path: Path) -> None:
    """A negative "days ago" is a time in the future, kept on purpose: it is how a test plants
    the event watch must not count. Counts of 0 and whole floats' neighbours are as before."""
    from ngdpkit.rehearsal.simulator_traffic import MAX_SEED_DAYS, seed_traffic

    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps({"memos_waiting": 0, "good_days_ago": [-3000, -MAX_SEED_DAYS, MAX_SEED_DAYS]})
    )
    traffic = seed_traffic(seed, SYSTEM)
    years = sorted(int(e["eventTime"][:4]) for e in traffic.events)
    now = dt.datetime.now(dt.UTC).year
    assert years[0] <= now - 9 and years[-1] >= now + 9 and traffic.waiting("memos") == []


@pytest.mark.parametrize("days", ["٧", "७", "7_0", " 7", "+7", "07 ", "１"])
def test_watch_days_takes_ascii_digits_only(tmp_path: Path, days: str) -> None:
    """``--days ٧`` (Arabic-Indic seven) was read as 7: int() takes any Unicode digit. The
    days are checked before the settings are read (none exist here: nothing is sent)."""
    r = cli("watch", "--settings", str(tmp_path / "none.toml"), "--env", "test", "--days", days)
    assert r.returncode == 2 and r.stdout == "" and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith("ngdpkit: --days") and "1 to 90" in r.stderr


def test_the_clis_whole_numbers_take_ascii_digits_only(tmp_path: Path) -> None:
    """One helper for every integer option but ``confirm --step``: ``--port``, ``--days``
    and ``sample --mailboxes`` refuse Unicode digits, signs, spaces and underscores."""
    from ngdpkit.cli import build_parser, days_number, port_number, whole_number

    assert (whole_number("07", 1, 90), port_number("0"), port_number("65535")) == (7, 0, 65535)
    assert days_number("90") == 90
    for bad in ("٧", "७", "１", "7_0", " 7", "+7", "-1", "", "1" * 5000):
        with pytest.raises(ValueError):
            whole_number(bad, 0, 65535)
    for bad in ("0", "91", "٩٠"):
        with pytest.raises(ValueError):
            days_number(bad)
    with pytest.raises(ValueError):
        port_number("65536")
    for argv in (  # parsed only: a port taken would start a simulator that runs until stopped
        ["simulate", "--settings", "x.toml", "--env", "test", "--port", "٨٠٨٠"],
        ["simulate", "--settings", "x.toml", "--env", "test", "--port", " 8080"],
    ):
        with pytest.raises(SystemExit) as refused:
            build_parser().parse_args(argv)
        assert refused.value.code == 2, argv
    assert build_parser().parse_args([*argv[:-1], "8080"]).port == 8080
    r = cli("sample", str(tmp_path / "s"), "--mailboxes", "٣٠٠")
    assert r.returncode == 2 and "is not a whole number" in r.stderr
    r = cli("sample", str(tmp_path / "s"), "--mailboxes", "100")
    assert r.returncode == 2 and "100 is outside 200 to 200000" in r.stderr


def test_a_broken_connection_is_said_in_danish_on_a_danish_console() -> None:
    """A consultant's first day: watch against a simulator that refused the certificate at
    the handshake said "NgDP blev ikke nået for /memos/ (the connection failed (ReadError))",
    English inside Danish. The reason's head is one the catalogue knows."""
    import httpx

    from ngdpkit import findings as F
    from ngdpkit.checks.watch import why_unanswered

    reason = why_unanswered(httpx.ReadError("[Errno 104] Connection reset by peer"))
    assert reason == "the connection failed: ReadError"
    found = F.warning(
        "WATCH_READ_REFUSED",
        "NgDP was not reached for {path} ({reason}); nothing more was read.",
        path="/memos/",
        reason=reason,
    )
    assert found.text("da") == (
        "NgDP blev ikke nået for /memos/ (forbindelsen mislykkedes: ReadError); intet mere blev læst."
    )


def test_a_log_served_oldest_first_still_finds_the_newest_delivery() -> None:
    """More events than the watch reads, served oldest first (as the local NgDP serves them;
    the API documents no order): the newest good delivery lay beyond the 50 pages read, and a
    failure since then read as failing, with the deactivation near, while WorkZone fetched
    minutes ago. The last page is read for its newest time; the counts stay NgDP's own."""
    from ngdpkit.checks.watch import MAX_EVENT_PAGES, WatchReader, watch_ngdp

    traffic = Traffic()
    traffic.add(SYSTEM, FAILED, 0.1, now=NOW)  # after the last good one of the pages read
    n = MAX_EVENT_PAGES * 100 + 150
    traffic.add(SYSTEM, FETCHED, *[6 - 6 * i / n for i in range(n)], now=NOW)
    asked: list[dict[str, Any]] = []

    def get(path: str, params: dict[str, Any]) -> Any:
        asked.append(dict(params))
        return traffic.events_page(SYSTEM, {k: str(v) for k, v in params.items()})[1]

    reader = WatchReader(None, "https://x", "x")
    reader.get = get  # type: ignore[method-assign]
    r = watch_ngdp(
        reader, environment="test", protocol="REST_PULL", system_id=SYSTEM, days=7, now=NOW
    )
    assert r.deliveries == "recovered" and r.good is not None
    assert r.good.total == n and r.good.read == MAX_EVENT_PAGES * 100  # counts as NgDP's own
    assert (
        NOW - dt.datetime.fromisoformat(r.good.newest.replace("Z", "+00:00"))
    ).total_seconds() < 600
    codes = [f.code for f in judge(r, "x")]
    assert "WATCH_DELIVERY_FAILING" not in codes and "WATCH_EVENTS_INCOMPLETE" in codes
    good_pages = [p["page"] for p in asked if p.get("eventTag") == FETCHED]
    assert good_pages == [*range(MAX_EVENT_PAGES), (n - 1) // 100]


# --- the go-live morning's read: the zone of every time, and what to do, by the runbook --


def _morning(*codes: str) -> dict[str, Any]:
    """A watch's JSON as the table reads it: failures the day before, at 16:19 UTC."""
    return {
        "environment": "production",
        "findings": [{"code": c, "severity": "warning", "message": "…"} for c in codes],
        "days": 7,
        "memos_waiting": 12,
        "receipts_waiting": 0,
        "failed_deliveries": 2,
        "last_failed_delivery": "2026-12-06T16:19:00Z",
        "last_good_delivery": "2026-11-30T23:31:00Z",
        "hours_since_last_good": 148,
        "checked_at": "2026-12-07T06:05:00Z",
        "good": {},
    }


def test_the_table_says_the_zone_and_the_runbooks_rollback_step() -> None:
    """A tired consultant at 7 in Copenhagen read "06-12-2026 kl. 16:19" with no zone, and a
    failing watch named no way forward: the table says Copenhagen time beside each time and
    when it checked, and names the runbook's step 5 (its rollback criteria) and its page."""
    from ngdpkit.compare.watch import table
    from ngdpkit.documents.runbook import KEYS

    # the steps the lines name by number are the runbook's own
    assert KEYS.index("rollback") + 1 == 5 and KEYS.index("watch") + 1 == 6
    page = "runs/production/20261206T120000Z-abcdef/signoff/runbook.html"
    data = _morning("WATCH_DELIVERY_FAILING", "WATCH_BACKLOG")
    lines = table(data, "da", runbook=page)
    text = "\n".join(lines)
    assert "06-12-2026 kl. 17:19 dansk tid" in text  # 16:19 UTC is 17:19 in Copenhagen
    (checked,) = [x for x in lines if x.startswith("  Kontrolleret ")]
    assert "07-12-2026 kl. 07:05 – alle tidspunkter er dansk tid" in checked
    (step,) = [x for x in lines if x.startswith("  Næste handling ")]
    assert "WATCH_DELIVERY_FAILING er et kriterium for tilbagerulning" in step
    assert "drejebogens trin 5 om tilbagerulning" in step and "WATCH_BACKLOG" in step
    assert lines[-1].startswith("  Drejebog ") and lines[-1].endswith(page)
    english = "\n".join(table(data, "en", runbook=page))
    assert "2026-12-06 17:19 (Copenhagen)" in english and "Copenhagen time" in english
    assert "step 5, on rollback" in english and "Runbook " in english
    assert "dansk" not in english and "Drejebog" not in english

    refused = table(_morning("WATCH_READ_REFUSED"), "da")
    (step,) = [x for x in refused if x.startswith("  Næste handling ")]
    assert "Intet er kontrolleret i dag" in step and "trin 6 om ngdpkit watch" in step
    assert refused[-1].endswith("signoff/runbook.html i miljøets seneste kørsel")
    for quiet in ((), ("WATCH_DELIVERY_RECOVERED",), ("WATCH_BEFORE_GO_LIVE",)):
        assert "Næste handling" not in "\n".join(table(_morning(*quiet), "da")), quiet


def test_the_table_says_its_counts_in_the_languages_number_form() -> None:
    """A Danish coordinator's read of a large municipality's morning: "Breve, der venter på
    WorkZone  12345" beside "1.094 dage" elsewhere in the kit. The counts are in the
    language's number form, as every count of the pages is."""
    from ngdpkit.compare.watch import table

    data = {**_morning(), "memos_waiting": 12345, "receipts_waiting": 1200}
    da = table(data, "da")
    assert da[1].startswith("  Breve, der venter på WorkZone") and da[1].endswith(" 12.345")
    assert da[2].endswith(" 1.200") and da[3].endswith(" 2")
    assert table(data, "en")[1].endswith(" 12,345")


def test_the_runbook_named_is_the_latest_runs(sample_run: dict[str, Any], sample_dir: Path) -> None:
    from ngdpkit.compare.watch import runbook_page
    from ngdpkit.settings import load_settings

    settings = load_settings(sample_run["sample"] / "migration.toml")
    assert runbook_page(settings, "test") == sample_run["run_dir"] / "signoff" / "runbook.html"
    assert runbook_page(settings, "production") is None  # no run of it there
    assert runbook_page(load_settings(sample_dir / "migration.toml"), "test") is None


def test_a_failing_watch_names_the_runbook_on_the_console(sample_dir: Path, tmp_path: Path) -> None:
    sample = copy_sample(sample_dir, tmp_path)
    sim, _ = start(sample, tmp_path, traffic_for(SYSTEM, failed=(0.5, 2), good=(6.2,)))
    with sim:
        r = watch(sample)
    assert r.returncode == 1, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert any(x.startswith("  Kontrolleret ") and "dansk tid" in x for x in lines), r.stdout
    assert any("drejebogens trin 5 om tilbagerulning" in x for x in lines), r.stdout
    assert lines[-1].startswith("  Drejebog "), r.stdout


# --- session 37: event times as a Java back end may serialise them ------------------------


def test_failures_timed_in_epoch_milliseconds_are_counted_not_read_as_ok(
    sample_dir: Path, tmp_path: Path
) -> None:
    """Failed deliveries whose eventTime came as a number (epoch milliseconds, or seconds) or
    with a zone region after the offset were no time to the watch: none counted, "ok", exit
    0, while NgDP logged failures and no good delivery for 2.5 days. Now they count."""
    sample = copy_sample(sample_dir, tmp_path)
    traffic = traffic_for(SYSTEM, failed=(0.5, 1.5), good=(2.5,))
    now = dt.datetime.now(dt.UTC)
    first, second, good = traffic.events
    first["eventTime"] = int((now - dt.timedelta(days=0.5)).timestamp() * 1000)
    second["eventTime"] = int((now - dt.timedelta(days=1.5)).timestamp())
    at = (now - dt.timedelta(days=2.5)).astimezone(dt.timezone(dt.timedelta(hours=1)))
    good["eventTime"] = at.strftime("%Y-%m-%dT%H:%M:%S+01:00[Europe/Copenhagen]")
    sim, system_id = start(sample, tmp_path, traffic)
    with sim:
        code, data = watch_json(sample)
        requests = list(sim.server.config.registry.requests)
    assert code == 1 and data["failed_deliveries"] == 2 and data["deliveries"] == "failing"
    assert data["days_since_last_good"] == 2 and data["hours_since_last_good"] == 60
    assert not by_code(data, "WATCH_EVENTS_INCOMPLETE")
    only_allowed(requests, system_id)


def test_an_event_time_the_watch_cannot_read_is_said_never_dropped() -> None:
    """An event whose eventTime is no time (a text, a bool, a negative number) is not counted
    as a delivery, as before, but a warning names how many there were: a failure timed so
    was dropped without a word and the watch said "ok"."""
    from ngdpkit.checks.watch import WatchReader, event_time, tally

    def at(value: Any) -> dict[str, Any]:
        return {"eventTag": FAILED, "eventTime": value}

    ms = int(NOW.timestamp() * 1000) - 3_600_000
    assert event_time(at(ms), FAILED) == NOW - dt.timedelta(hours=1)
    assert event_time(at(str(ms)), FAILED) == NOW - dt.timedelta(hours=1)
    assert event_time(at("2026-03-09T13:00:00.000+0100"), FAILED) == NOW
    assert event_time(at("2026-03-09T12:00:00.000z"), FAILED) == NOW
    for bad in ("i går", True, -5, float("nan"), 1e300, "2026-03-09T13:00[Europe/Paris]"):
        assert event_time(at(bad), FAILED) is None, bad

    events = [at(ms), at("i går"), at(True), {"eventTag": FETCHED, "eventTime": "x"}]
    reader = WatchReader(None, "https://x", "x")
    reader.get = lambda path, params: {"events": events, "totalElements": 4}  # type: ignore[method-assign]
    got = tally(reader, system_id=SYSTEM, tag=FAILED, date_from="", now=NOW)
    assert got is not None and (got.matching, got.unreadable, got.count) == (1, 2, 1)
    r = replace(report(failed=[], good=[]), failed=got)
    (said,) = [f for f in judge(r, "x") if f.code == "WATCH_EVENTS_INCOMPLETE"]
    assert said.severity == "warning" and said.params["count"] == "2"
    assert "eventTime" in said.message
    assert WatchReport.from_json(json.loads(json.dumps(r.to_json()))) == r


def test_a_throttled_ngdp_stops_the_watch_and_says_when_to_run_again(
    sample_dir: Path, tmp_path: Path
) -> None:
    """NgDP answered 429 with Retry-After: the watch called it a refusal ("HTTP 429") and went
    on with every other read (the event log, tag by tag), into the same limit. Now one
    warning says NgDP asked to wait and for how long, and nothing more is sent."""
    sample = copy_sample(sample_dir, tmp_path)
    busy = json.dumps({"code": "TOO_MANY_REQUESTS", "message": "x", "fieldErrors": []}).encode()
    sim, system_id = start(
        sample,
        tmp_path,
        traffic_for(SYSTEM, failed=(1,), good=(2,)),
        faults={"/memos/": (429, busy)},
        retry_after="60",
    )
    with sim:
        code, data = watch_json(sample)
        requests = list(sim.server.config.registry.requests)
    assert code == 0 and data["status"] == "warnings" and len(requests) == 1
    (said,) = by_code(data, "WATCH_READ_REFUSED")
    assert said["params"]["status"] == "429" and said["params"]["seconds"] == "60"
    assert "60 sekunder" in said["message"] and "kør igen" in said["message"]
    assert data["deliveries"] == "not_read"
    only_allowed(requests, system_id)


# --- session 37, second look: numbers that are no event time --------------------------------


def test_an_event_time_that_is_no_epoch_time_is_said_never_a_crash_or_a_date_in_1970() -> None:
    """A local NgDP on 127.0.0.1 serving failures timed 10**400 (a whole number JSON allows),
    0 (an unset Java long) and "202603091300" (a date-time without separators): the first
    ended the watch in a traceback (OverflowError in the division into seconds), the others
    were read as failures in 1970 and 1976, counted and dated so. Each is now an eventTime the
    watch cannot read, counted apart and said (WATCH_EVENTS_INCOMPLETE); a real epoch time
    next to them still counts."""
    import http.server

    import httpx

    from ngdpkit.checks.watch import WatchReader, event_time, tally
    from tests.loopback import LoopbackServer

    ms = int(NOW.timestamp() * 1000) - 3_600_000
    body = (
        '{"events": ['
        + ", ".join(
            f'{{"eventTag": "{FAILED}", "eventTime": {t}}}'
            for t in (str(10**400), "0", '"202603091300"', "500000000000", str(ms))
        )
        + '], "totalElements": 5}'
    ).encode()

    class Events(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    with LoopbackServer(Events) as server, httpx.Client() as client:
        reader = WatchReader(client, f"http://127.0.0.1:{server.port}", "x")
        got = tally(
            reader, system_id=SYSTEM, tag=FAILED, date_from="2026-03-02T12:00:00.000Z", now=NOW
        )
    assert got is not None and (got.read, got.matching, got.unreadable) == (5, 1, 4)
    assert got.newest == got.oldest == "2026-03-09T11:00:00Z"
    assert not reader.findings
    (said,) = [
        f
        for f in judge(replace(report(failed=[], good=[]), failed=got), "x")
        if f.code == "WATCH_EVENTS_INCOMPLETE"
    ]
    assert said.params["count"] == "4"
    for value in (1_000_000_000, 1_000_000_000_000, 1_999_999_999_999):
        assert event_time({"eventTime": value}, FAILED) is not None, value


# --- session 37, watch: a log broken off after page 0, and events that shift between pages --


def _serve_event_pages(pages: dict[int, tuple[int, bytes]]) -> Any:
    """A local NgDP on 127.0.0.1 whose /events/ answers each page number with its own status
    and body (a page not listed is an empty page); the page numbers asked are kept."""
    import http.server
    from urllib.parse import parse_qs, urlsplit

    from tests.loopback import LoopbackServer

    asked: list[int] = []

    class Events(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            page = int(parse_qs(urlsplit(self.path).query)["page"][0])
            asked.append(page)
            status, body = pages.get(page, (200, b'{"events": []}'))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if status in (429, 503):
                self.send_header("Retry-After", "60")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = LoopbackServer(Events)
    server.asked = asked  # type: ignore[attr-defined]
    return server


FROM = "2026-03-02T12:00:00.000Z"


def _events(ids: range, *, total: int | None = None) -> bytes:
    stamp = (NOW - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    body: dict[str, Any] = {
        "events": [{"eventId": str(i), "eventTag": FAILED, "eventTime": stamp} for i in ids]
    }
    if total is not None:
        body["totalElements"] = total
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("status", "later"),
    [
        (503, b'{"code": "SERVICE_UNAVAILABLE"}'),
        (429, b'{"code": "TOO_MANY_REQUESTS"}'),
        (500, b'{"code": "INTERNAL_SERVER_ERROR"}'),
        (200, b"<html>no JSON</html>"),
        (200, b'{"events": "none"}'),
    ],
)
def test_an_event_log_without_a_total_broken_off_after_page_0_is_incomplete(
    status: int, later: bytes
) -> None:
    """The event log read without totalElements, its page 1 refused (429/503), failed (500)
    or no JSON: the 100 events of page 0 passed for the whole log, complete, and the watch
    judged deliveries (and "no delivery at all", go-live's bound) on part of it as if whole.
    Now the tally is incomplete and WATCH_EVENTS_INCOMPLETE says so, beside the read's own
    WATCH_READ_REFUSED; the count is what was read, never more."""
    import httpx

    from ngdpkit.checks.watch import WatchReader, tally

    server = _serve_event_pages({0: (200, _events(range(100))), 1: (status, later)})
    with server, httpx.Client() as client:
        reader = WatchReader(client, f"http://127.0.0.1:{server.port}", "x")
        got = tally(reader, system_id=SYSTEM, tag=FAILED, date_from=FROM, now=NOW)
    assert server.asked == [0, 1]
    assert got is not None and got.read == 100 and not got.complete and got.count == 100
    assert [f.code for f in reader.findings] == ["WATCH_READ_REFUSED"]
    r = replace(report(failed=[], good=[0.5]), failed=got)
    (said,) = [f for f in judge(r, "x") if f.code == "WATCH_EVENTS_INCOMPLETE"]
    assert said.severity == "warning" and said.params["read"] == "100"
    assert "could not be read" in said.message
    assert WatchReport.from_json(json.loads(json.dumps(r.to_json()))) == r
    # a log with a total that ends on its own is complete, as before
    whole = _serve_event_pages({0: (200, _events(range(100))), 1: (200, _events(range(0)))})
    with whole, httpx.Client() as client:
        reader = WatchReader(client, f"http://127.0.0.1:{whole.port}", "x")
        done = tally(reader, system_id=SYSTEM, tag=FAILED, date_from=FROM, now=NOW)
    assert done is not None and done.complete and done.count == 100 and not reader.findings


def test_an_event_that_shifts_to_the_next_page_while_read_is_counted_once() -> None:
    """A new event arrived between the reads of page 0 and page 1, so the last event of page
    0 is also the first of page 1: it was counted twice (151 failures of 150). Events are now
    told apart by their eventId; events without one are counted as before."""
    import httpx

    from ngdpkit.checks.watch import WatchReader, tally

    pages = {0: (200, _events(range(100), total=150)), 1: (200, _events(range(99, 150), total=151))}
    with _serve_event_pages(pages) as server, httpx.Client() as client:
        reader = WatchReader(client, f"http://127.0.0.1:{server.port}", "x")
        got = tally(reader, system_id=SYSTEM, tag=FAILED, date_from=FROM, now=NOW)
    assert got is not None and (got.read, got.matching, got.count) == (150, 150, 150)
    assert got.complete and not reader.findings
    (said,) = [f for f in judge(replace(report(failed=[], good=[]), failed=got), "x")]
    assert said.code == "WATCH_DELIVERY_FAILING" and said.params["count"] == "150"
    # without an eventId, two events alike are two events
    plain = json.dumps({"events": [{"eventTag": FAILED, "eventTime": "2026-03-09T11:00:00Z"}] * 2})
    with _serve_event_pages({0: (200, plain.encode())}) as server, httpx.Client() as client:
        reader = WatchReader(client, f"http://127.0.0.1:{server.port}", "x")
        got = tally(reader, system_id=SYSTEM, tag=FAILED, date_from=FROM, now=NOW)
    assert got is not None and (got.read, got.matching, got.count) == (2, 2, 2)


# --- session 38: the watch's last loose ends ----------------------------------------------


def test_a_retry_after_date_is_said_in_seconds_by_the_watch() -> None:
    """A local NgDP on 127.0.0.1 answers the count of letters 429 with Retry-After as an HTTP
    date, two minutes after its own Date header: the watch said "run again in a few minutes".
    Now it names the 120 seconds, as for a number, and sends nothing more."""
    import http.server

    import httpx

    from ngdpkit.checks.watch import WatchReader, count_waiting
    from tests.loopback import LoopbackServer

    asked: list[str] = []

    class Busy(http.server.BaseHTTPRequestHandler):
        def date_time_string(self, timestamp: float | None = None) -> str:
            return "Wed, 09 Dec 2026 09:58:00 GMT"  # the answer's Date header

        def do_GET(self) -> None:  # noqa: N802
            asked.append(self.path)
            self.send_response(429)
            self.send_header("Retry-After", "Wed, 09 Dec 2026 10:00:00 GMT")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    with LoopbackServer(Busy) as server, httpx.Client() as client:
        reader = WatchReader(client, f"http://127.0.0.1:{server.port}", "x")
        assert count_waiting(reader, "/memos/") is None
        assert count_waiting(reader, "/receipts/") is None
    assert len(asked) == 1
    (said,) = reader.findings
    assert said.code == "WATCH_READ_REFUSED" and said.params["seconds"] == "120"
    assert "120 seconds" in said.message and "a few minutes" not in said.message


def test_an_event_log_that_serves_page_0_for_every_page_stops_and_is_incomplete() -> None:
    """NgDP answered every page of the event log with page 0 (the same eventIds, no
    totalElements): the watch read all 50 pages, and the 100 events passed for the whole log.
    Now a page that brings no event not read before ends the reading (as the listing of
    contact points does), and WATCH_EVENTS_INCOMPLETE says the log was judged in part."""
    import httpx

    from ngdpkit.checks.watch import WatchReader, tally

    again = {page: (200, _events(range(100))) for page in range(60)}
    with _serve_event_pages(again) as server, httpx.Client() as client:
        reader = WatchReader(client, f"http://127.0.0.1:{server.port}", "x")
        got = tally(reader, system_id=SYSTEM, tag=FAILED, date_from=FROM, now=NOW)
    assert server.asked == [0, 1]
    assert got is not None and got.looped and not got.complete
    assert (got.read, got.matching, got.count) == (100, 100, 100) and not reader.findings
    r = replace(report(failed=[], good=[0.5]), failed=got)
    (said,) = [f for f in judge(r, "x") if f.code == "WATCH_EVENTS_INCOMPLETE"]
    assert said.severity == "warning" and said.params["read"] == "100"
    assert "only events read before" in said.message
    assert WatchReport.from_json(json.loads(json.dumps(r.to_json()))) == r


def test_an_event_time_of_digits_that_is_no_plausible_epoch_is_unreadable() -> None:
    """NgDP documents eventTime as a date-time; a text of digits is none. "2026030913" (a date
    and hour without separators) was read as epoch seconds, a time in 2034, and said as an
    event dated ahead of the watch's clock. Now a text of digits is an epoch time only with 10
    digits (seconds) or 13 (milliseconds) and no more than a day ahead of the clock; any other
    is an eventTime the watch cannot read (WATCH_EVENTS_INCOMPLETE counts it)."""
    import httpx

    from ngdpkit.checks.watch import WatchReader, event_time, tally

    def at(value: Any) -> dict[str, Any]:
        return {"eventTag": FAILED, "eventTime": value}

    hour_ago = NOW - dt.timedelta(hours=1)
    seconds = str(int(hour_ago.timestamp()))
    body = json.dumps(
        {"events": [at("2026030913"), at("20260309130"), at(seconds)], "totalElements": 3}
    ).encode()
    with _serve_event_pages({0: (200, body)}) as server, httpx.Client() as client:
        reader = WatchReader(client, f"http://127.0.0.1:{server.port}", "x")
        got = tally(reader, system_id=SYSTEM, tag=FAILED, date_from=FROM, now=NOW)
    assert got is not None and (got.matching, got.unreadable, got.future) == (1, 2, 0)
    (said,) = [
        f
        for f in judge(replace(report(failed=[], good=[0.5]), failed=got), "x")
        if f.code == "WATCH_EVENTS_INCOMPLETE"
    ]
    assert said.params["count"] == "2" and "eventTime" in said.message
    assert event_time(at(seconds), FAILED, NOW) == hour_ago
    assert event_time(at(seconds + "000"), FAILED, NOW) == hour_ago
    for bad in ("2026030913", "20260309130", "202603091300", "17730000000000", "0" + seconds):
        assert event_time(at(bad), FAILED, NOW) is None, bad
