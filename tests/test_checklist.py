"""The checklist's evidence (issue 24, contract §12.2–12.3): no step is done without evidence
the kit has seen or a person confirmed; readiness on the overview and the console alike."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from ngdpkit import findings as F
from ngdpkit.checks.evidence import KEYS, StepEvidence
from ngdpkit.deliverables.checklist import NEXT, evaluate
from tests.conftest import cli, copy_sample_run
from tests.test_ngdp_read import copy_sample, serve


def run(sample: Path, *args: str) -> tuple[Any, Path]:
    """``run --env test`` of ``sample`` through the command line's own ``main``, in this
    process (what a run wrote and said is asserted, not how its process behaved: a child
    spent ~0.6 CPU-s starting Python and importing the kit; the run's own child and kernels
    are processes as ever)."""
    r = cli("run", "--settings", str(sample / "migration.toml"), "--env", "test", *args)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    latest = (sample / "runs" / "test" / "LATEST").read_text().strip()
    return r, sample / "runs" / "test" / latest


def rows(run_dir: Path) -> dict[int, dict[str, Any]]:
    return {r["step"]: r for r in json.loads((run_dir / "checklist.json").read_text("utf-8"))}


@pytest.fixture
def offline(sample_run: dict[str, Any]) -> tuple[Any, Path]:
    """``run`` of the unchanged sample: the session's run (read only)."""
    return sample_run["result"], Path(sample_run["run_dir"])


def sample_after_one_run(sample_run: dict[str, Any], tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the sample as ``run(sample)`` leaves it (the session's run, copied), and
    that run's folder."""
    sample = copy_sample_run(sample_run, tmp_path / "sample")
    return sample, sample / "runs" / "test" / Path(sample_run["run_dir"]).name


def test_offline_no_step_is_done_and_the_overview_says_so(offline: tuple[Any, Path]) -> None:
    r, run_dir = offline
    checklist = rows(run_dir)
    assert len(checklist) == 8
    assert all(row["status"] != "done" for row in checklist.values())
    assert all(row["evidence"] in ("planned", "none") for row in checklist.values())
    # the plan's evidence names a value or a deliverable, never a settings key
    assert checklist[1]["detail"].startswith("SystemId ")
    assert set(checklist[1]) == {
        "step",
        "title",
        "who",
        "status",
        "evidence",
        "detail",
        "next_action",
    }
    findings = json.loads((run_dir / "findings.json").read_text("utf-8"))
    assert findings["readiness"] == {"status": "not_ready", "steps_done": 0, "steps_total": 8}
    page = (run_dir / "signoff" / "index.html").read_text("utf-8")
    assert "ikke klar: 8 af 8 trin mangler" in page and "klar med bemærkninger" not in page
    assert "ikke klar: 8 af 8 trin mangler" in r.stdout + r.stderr  # the console says the same
    # "Ikke kontrolleret" names NgDP and WorkZone unread, not only the network (a customer's
    # cold read: an offline run read as if only the network had gone unchecked)
    unchecked = page[page.index("<h2>Ikke kontrolleret</h2>") :]
    unchecked = unchecked[: unchecked.index("</section>")]
    assert (
        "NgDP blev ikke læst i denne kørsel: organisationen, systemets registrering" in unchecked
        and "WorkZones egne postkasse-tilknytninger blev ikke læst" in unchecked
    )
    # step 02 offline: the portal's count is of planned translations, none compared
    step02 = (run_dir / "signoff" / "02_contact_points.html").read_text("utf-8")
    assert "Til portalen: planlagte oversættelser, ikke sammenholdt med NgDP" in step02
    assert "at tilføje eller fjerne" not in step02


def test_confirmation_and_a_matching_register_make_two_steps_done(
    sample_run: dict[str, Any], tmp_path: Path
) -> None:
    sample, first = sample_after_one_run(sample_run, tmp_path)
    toml = sample / "migration.toml"
    shutil.copy(
        first / "mailbox-mapping.csv", sample / "register.csv"
    )  # as Configurator exports it
    toml.write_text(
        toml.read_text("utf-8").replace(
            "[environments.test]\n", '[environments.test]\nworkzone_register = "register.csv"\n', 1
        ),
        encoding="utf-8",
    )
    c = cli(
        "confirm", "--settings", str(toml), "--env", "test", "--step", "7",
        "--by", "Mette Hansen, WorkZone-administrator", "--note", "dispatcher udfyldt i Configurator",
    )  # fmt: skip
    assert c.returncode == 0, c.stderr
    # it says what it is bound to, as steps 5 and 6 say theirs (a go-live day's cold run)
    assert "for the dispatcher values of the latest run: a later run with other values" in c.stdout
    r, run_dir = run(sample)
    checklist = rows(run_dir)
    assert checklist[6]["status"] == "done" and checklist[6]["evidence"] == "observed"
    assert checklist[7]["status"] == "done" and checklist[7]["evidence"] == "confirmed"
    assert "Mette Hansen" in checklist[7]["detail"] and "Configurator" in checklist[7]["detail"]
    page = (run_dir / "signoff" / "checklist.html").read_text("utf-8")
    assert "Mette Hansen" in page and "ikke klar: 6 af 8 trin mangler" in r.stdout
    overview = (run_dir / "signoff" / "index.html").read_text("utf-8")
    assert (
        "WorkZones egne postkasse-tilknytninger blev ikke læst" not in overview
        and "NgDP blev ikke læst i denne kørsel: organisationen, systemets registrering" in overview
    )
    trail = (run_dir / "audit.jsonl").read_text("utf-8")
    assert "confirmations.jsonl" in trail  # read as an input, like every input


def test_a_tampered_confirmation_counts_for_nothing(sample_dir: Path, tmp_path: Path) -> None:
    sample = copy_sample(sample_dir, tmp_path)
    toml = str(sample / "migration.toml")
    for step in ("1", "7"):
        assert (
            cli(
                "confirm", "--settings", toml, "--env", "test", "--step", step, "--by", "A"
            ).returncode
            == 0
        )
    path = sample / "confirmations.jsonl"
    path.write_text(path.read_text("utf-8").replace('"by": "A"', '"by": "B"', 1), encoding="utf-8")
    _, run_dir = run(sample)
    assert all(row["evidence"] != "confirmed" for row in rows(run_dir).values())
    codes = [f["code"] for f in json.loads((run_dir / "findings.json").read_text())["findings"]]
    assert "CONFIRMATIONS_TAMPERED" in codes


def _confirmed(sample: Path, *steps: str) -> Path:
    toml = str(sample / "migration.toml")
    for step in steps:
        r = cli("confirm", "--settings", toml, "--env", "test", "--step", step, "--by", "A")
        assert r.returncode == 0, r.stderr
    return sample / "confirmations.jsonl"


def _codes(run_dir: Path) -> list[str]:
    return [f["code"] for f in json.loads((run_dir / "findings.json").read_text())["findings"]]


@pytest.fixture(scope="module")
def confirmed_run(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    """The sample with steps 1 and 2 confirmed by "A" and one ``run`` after that, made once
    for the module (the two tests that begin so each made it). Read it; copy it
    (:func:`after_confirmed_run`) to change it."""
    sample = copy_sample(sample_dir, tmp_path_factory.mktemp("confirmed-run"))
    _confirmed(sample, "1", "2")
    run(sample)
    return sample


def after_confirmed_run(confirmed_run: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of :func:`confirmed_run` in this test's folder (links kept as links), as
    ``_confirmed(sample, "1", "2")`` and ``run(sample)`` leave it: the sample and its
    confirmations file."""
    sample = shutil.copytree(confirmed_run, tmp_path / "sample", symlinks=True)
    return sample, sample / "confirmations.jsonl"


def test_a_cut_or_recomputed_confirmations_file_is_named_until_it_is_put_back(
    confirmed_run: Path, tmp_path: Path
) -> None:
    """The attacker's sixth look: the chain's hashes have no key, so a last line cut, or a
    line rewritten with every hash after it recomputed, passed as an intact chain. The file
    is only ever appended to, and each run records what it accepted: a file that no longer
    begins with it is named by ``run`` and ``check``, run after run, until it is put back."""
    # steps 1 and 2 confirmed and a run after: the module's, copied
    sample, path = after_confirmed_run(confirmed_run, tmp_path)
    whole = path.read_bytes()
    path.write_bytes(whole.split(b"\n", 1)[0] + b"\n")  # the last line cut: a valid chain
    for _ in range(2):
        _, run_dir = run(sample)
        assert "CONFIRMATIONS_TAMPERED" in _codes(run_dir)
        assert all(row["evidence"] != "confirmed" for row in rows(run_dir).values())
    r = cli("check", "--settings", str(sample / "migration.toml"), "--env", "test")
    assert r.returncode == 1 and "CONFIRMATIONS_TAMPERED" in r.stdout, r.stdout
    # confirm appends to the cut file (its chain holds) and says at once that no run counts it
    cut = path.read_bytes()
    toml = str(sample / "migration.toml")
    r = cli("confirm", "--settings", toml, "--env", "test", "--step", "4", "--by", "A")
    assert r.returncode == 1 and "CONFIRMATIONS_TAMPERED" in r.stdout, r.stdout
    path.write_bytes(cut)
    # The attacker's seventh look: LATEST pointed at a run that never read the file, or the
    # newest run made not to verify (a space added to one of its files), set the check aside.
    runs = sample / "runs" / "test"
    folders = sorted(p for p in runs.iterdir() if p.is_dir())
    (runs / "LATEST").write_text(folders[0].name)
    with (folders[-1] / "checklist.json").open("a") as fh:
        fh.write(" ")
    r = cli("check", "--settings", str(sample / "migration.toml"), "--env", "test")
    assert r.returncode == 1 and "CONFIRMATIONS_TAMPERED" in r.stdout, r.stdout
    _, run_dir = run(sample)
    assert "CONFIRMATIONS_TAMPERED" in _codes(run_dir)
    path.write_bytes(whole)
    _confirmed(sample, "3")  # appended: as the file is meant to grow
    _, run_dir = run(sample)
    assert "CONFIRMATIONS_TAMPERED" not in _codes(run_dir)
    assert {rows(run_dir)[n]["evidence"] for n in (1, 2, 3)} == {"confirmed"}


def test_a_file_edited_by_hand_is_named_until_it_is_put_back_and_then_counts(
    confirmed_run: Path, tmp_path: Path
) -> None:
    """The consultant's second cold run: a run that read a hand-edited file (its chain
    broken) made the edited bytes the measure, so putting the file back was named as a
    rewrite for good. A run never makes a file it refused the measure."""
    # steps 1 and 2 confirmed and a run after: the module's, copied
    sample, path = after_confirmed_run(confirmed_run, tmp_path)
    whole = path.read_bytes()
    path.write_bytes(whole.replace(b'"by": "A"', b'"by": "B"', 1))  # no chain recomputed
    _, run_dir = run(sample)
    assert "CONFIRMATIONS_TAMPERED" in _codes(run_dir)
    toml = str(sample / "migration.toml")
    r = cli("confirm", "--settings", toml, "--env", "test", "--step", "3", "--by", "A")
    assert r.returncode == 2 and "cannot be used" in r.stderr, r.stderr  # nothing appended
    path.write_bytes(whole)
    r = cli("check", "--settings", str(sample / "migration.toml"), "--env", "test")
    assert "CONFIRMATIONS_TAMPERED" not in r.stdout, r.stdout
    _, run_dir = run(sample)
    assert "CONFIRMATIONS_TAMPERED" not in _codes(run_dir)
    assert {rows(run_dir)[n]["evidence"] for n in (1, 2)} == {"confirmed"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("step", True),
        ("step", 1.0),
        ("note", {"a": 1}),
        ("by", 7),
        ("at", "yesterday"),
        ("at", "9999-12-31T23:59:59-23:59"),  # past year 9999 in UTC: run crashed on it
    ],
)
def test_a_confirmation_with_a_field_of_the_wrong_kind_counts_for_nothing(
    sample_copy: Path, field: str, value: object
) -> None:
    """``"step": true`` counted as step 1, and a note that was a JSON object was shown to
    the customer as a Python dict. A line of the chain (its hashes recomputed, as anyone
    can) whose field is not of its kind makes the file unusable, in ``check`` too."""
    import hashlib

    path = _confirmed(sample_copy, "1")
    record = json.loads(path.read_text(encoding="utf-8"))
    record[field] = value
    body = {k: v for k, v in record.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    record["hash"] = hashlib.sha256(canonical.encode()).hexdigest()
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    r = cli("check", "--settings", str(sample_copy / "migration.toml"), "--env", "test", "--json")
    tampered = [
        f for f in json.loads(r.stdout)["findings"] if f["code"] == "CONFIRMATIONS_TAMPERED"
    ]
    assert len(tampered) == 1 and "linje 1 mangler et felt" in tampered[0]["message"], tampered


@pytest.mark.parametrize(
    "args", [["--env", "nope", "--step", "7"], ["--env", "test", "--step", "9"]]
)
def test_confirm_refuses_unknown_environments_and_steps(sample_copy: Path, args: list[str]) -> None:
    r = cli("confirm", "--settings", str(sample_copy / "migration.toml"), *args, "--by", "x")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert not (sample_copy / "confirmations.jsonl").exists()


def test_register_differences_have_their_codes(sample_dir: Path, tmp_path: Path) -> None:
    import pandas as pd

    from ngdpkit.checks.evidence import compare_register

    mapping = pd.DataFrame(
        {
            "mailbox_id": ["0100233", "0100253", "0100300", "0100400"],
            "subject_id": ["", "", "", ""],
            "ngdp_guid": ["7f9c69da-044c-5324-b789-212f3097dbac"] * 4,
            "status": ["mapped"] * 4,
        }
    )
    register = tmp_path / "register.csv"
    register.write_text(
        "Mailbox ID;Mailbox name;NgDP Guid\r\n"
        "100233;a;7F9C69DA-044C-5324-B789-212F3097DBAC\r\n"  # the same mailbox and GUID
        "0100253;b;0e3f7507-6c3a-5658-910d-f93aafd577e7\r\n"  # another GUID
        "0100300;c;\r\n"  # no GUID
        "0999999;d;0e3f7507-6c3a-5658-910d-f93aafd577e7\r\n",  # not mapped here
        encoding="utf-8",
    )
    comparison, found = compare_register(register, mapping, label="register.csv")
    codes = sorted(f.code for f in found)
    assert codes == [
        "WZ_REGISTER_GUID_DIFFERS",
        "WZ_REGISTER_GUID_MISSING",
        "WZ_REGISTER_ROW_EXTRA",
        "WZ_REGISTER_ROW_MISSING",
    ]
    assert comparison.compared == 3 and not comparison.matches


def test_install_evidence_from_every_server_observes_step_2(
    sample_run: dict[str, Any], tmp_path: Path
) -> None:
    sample, first = sample_after_one_run(sample_run, tmp_path)
    thumb = json.loads((first / "dispatcher-config.json").read_text())["certificate"][
        "thumbprint_sha1"
    ]
    toml = sample / "migration.toml"
    files = []
    import datetime as dt

    # a day ago: evidence older than 30 days or dated ahead counts for nothing
    taken = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for server in ("WZ-WEB01-T", "wz-agent01-t.eksempel.local"):
        path = sample / f"install-{server}.json"
        path.write_text(
            json.dumps(
                {
                    "kind": "install",
                    "server": server,
                    "thumbprint": thumb.lower(),
                    "key_accounts": "EKSEMPEL\\svc-workzone-t",
                    "chain_ok": True,
                    "taken_at": taken,
                }
            ),
            encoding="utf-8",
        )
        files.append(path.name)
    toml.write_text(
        toml.read_text("utf-8").replace(
            "[environments.test]\n",
            f"[environments.test]\nprobe_evidence = {json.dumps(files)}\n",
            1,
        ),
        encoding="utf-8",
    )
    _, run_dir = run(sample)
    step2 = rows(run_dir)[2]
    assert step2["status"] == "done" and step2["evidence"] == "observed", step2


@pytest.fixture(scope="module")
def online_run(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    """``run --online ngdp`` of the unchanged sample against a local NgDP holding its
    records, made once for the module (the two tests that read it each made it): its run
    folder. Read it only."""
    tmp = tmp_path_factory.mktemp("online-run")
    sample = copy_sample(sample_dir, tmp)
    sim, _ = serve(sample, "test", tmp)
    with sim:
        _, run_dir = run(sample, "--online", "ngdp")
    return run_dir


def test_online_reads_make_the_ngdp_steps_observed(online_run: Path) -> None:
    run_dir = online_run  # the module's online run of the sample (read only)
    checklist = rows(run_dir)
    assert checklist[1]["evidence"] == "observed" and checklist[1]["status"] == "done"
    assert checklist[4]["evidence"] == "observed"
    # the sample's mapping file sends mailboxes to contact points without their translations
    # in NgDP: step 5 is to do, pointing at the portal administrator's to-do
    assert checklist[5]["status"] == "to_do" and "portal-todo.xlsx" in checklist[5]["detail"]
    assert "NgDP blev ikke læst i denne kørsel: organisationen, systemets registrering" not in (
        run_dir / "signoff" / "index.html"
    ).read_text("utf-8")
    step02 = (run_dir / "signoff" / "02_contact_points.html").read_text("utf-8")
    assert "Til portalen: oversættelser at tilføje eller fjerne" in step02
    # a Danish customer's read: the overview said "Netværkskontroller: <machine>" and
    # "Sprunget over, fordi kørslen var offline" over a run that read NgDP
    overview = (run_dir / "signoff" / "index.html").read_text("utf-8")
    assert "kun NgDP&#39;s oplysninger blev læst" in overview or (
        "kun NgDP's oplysninger blev læst" in overview
    )
    assert "Netværkskontroller: " not in overview
    assert "fordi kørslen var offline" not in overview
    assert "fordi kørslen kun læste NgDP (--online ngdp)" in overview
    step04 = (run_dir / "signoff" / "04_system_and_network.html").read_text("utf-8")
    assert "Certifikat registreret i NgDP" in step04 and "ocesPublicCertificate" not in step04
    assert "samme certifikat som certs/test.p12" in step04  # NgDP's serial is decimal
    # read from the local simulator: the evidence says where (checklist.xlsx goes on alone)
    assert checklist[1]["detail"].startswith("NgDP (https://127.0.0.1:"), checklist[1]
    # the time NgDP was read, as the rest of the document writes times
    assert re.search(r"\(\d\d-\d\d-\d{4} kl\. \d\d:\d\d\)", checklist[1]["detail"]), checklist[1]
    # "(r)" in a signed document: the count's noun agrees with it
    assert "(r)" not in checklist[5]["detail"]
    assert (
        "oversættelser mangler i NgDP eller står på et andet kontaktpunkt"
        in (checklist[5]["detail"])
    )


def test_a_confirmation_never_outweighs_what_the_kit_saw(
    sample_run: dict[str, Any], tmp_path: Path
) -> None:
    """Step 5 with translations missing in NgDP stays to do after a confirmation; a step 7
    confirmation stops counting when the dispatcher's values change."""
    sample, _ = sample_after_one_run(sample_run, tmp_path)
    toml = sample / "migration.toml"
    for step in ("5", "7"):
        c = cli("confirm", "--settings", str(toml), "--env", "test", "--step", step, "--by", "K")
        assert c.returncode == 0, c.stderr
    six = cli("confirm", "--settings", str(toml), "--env", "test", "--step", "6", "--by", "K")
    assert six.returncode == 0 and "note:" not in six.stdout, six.stdout + six.stderr
    first = Path(sample_run["run_dir"]).name  # the run whose values it now stands for
    assert f"for the mapping of run {first}: a later run with other mapping" in six.stdout
    sim, _ = serve(sample, "test", tmp_path)
    with sim:
        _, run_dir = run(sample, "--online", "ngdp")
    checklist = rows(run_dir)
    # the mapping the confirmation followed is this run's: step 6 counts
    assert checklist[6]["status"] == "done" and checklist[6]["evidence"] == "confirmed"
    assert checklist[5]["status"] == "to_do" and "portal-todo.xlsx" in checklist[5]["next_action"]
    assert checklist[7]["status"] == "done" and checklist[7]["evidence"] == "confirmed"
    text = toml.read_text("utf-8")
    toml.write_text(
        text.replace(
            'default_contact_point = "9366b98e-64ef-58fe-a723-950f3d511167"',
            'default_contact_point = "7f9c69da-044c-5324-b789-212f3097dbac"',
            1,
        ),
        encoding="utf-8",
    )
    _, later = run(sample)
    step7 = rows(later)[7]
    assert step7["status"] != "done" and "bekræft igen" in step7["detail"], step7
    # the dispatcher changed, the mapping and the portal's values did not: the confirmations
    # of steps 5 and 6 (given after the first run, offline) still count
    assert rows(later)[6]["evidence"] == "confirmed", rows(later)[6]
    assert rows(later)[5]["evidence"] == "confirmed", rows(later)[5]


# --- the status rules themselves (deliverables.checklist.evaluate), without a run ---------

SEEN = {key: StepEvidence("observed", "seen") for key in KEYS}


def statuses(checklist: Any) -> dict[str, str]:
    return {r.key: r.status for r in checklist.rows}


def test_nothing_at_all_is_eight_steps_to_do() -> None:
    c = evaluate([], {}, "da")
    assert [r.step for r in c.rows] == list(range(1, 9))
    assert set(statuses(c).values()) == {"to_do"}
    assert {r.evidence for r in c.rows} == {"none"}
    assert c.readiness.to_json() == {"status": "not_ready", "steps_done": 0, "steps_total": 8}
    assert c.readiness.words("da") == "ikke klar: 8 af 8 trin mangler"
    assert c.readiness.words("en") == "not ready: 8 of 8 steps to go"


def test_seen_or_confirmed_is_done_planned_is_not_verified() -> None:
    evidence = {
        "agreement": StepEvidence("observed"),
        "certificate": StepEvidence("confirmed", "Anna, 2025-01-02"),
        "firewall": StepEvidence("planned"),
    }
    s = statuses(evaluate([], evidence, "en"))
    assert s["agreement"] == s["certificate"] == "done"
    assert s["firewall"] == "not_verified"
    assert s["system"] == "to_do"


def test_every_step_seen_is_ready_and_a_warning_makes_remarks() -> None:
    assert evaluate([], SEEN, "en").readiness.words("en") == "ready"
    info = F.info("CERT_SOMETHING", "x", "certificate")
    assert evaluate([info], SEEN, "da").readiness.words("da") == "klar"
    warn = F.warning("CERT_EXPIRES_SOON", "x", "certificate")
    c = evaluate([warn], SEEN, "da")
    assert set(statuses(c).values()) == {"done"}  # a warning blocks no step
    assert c.readiness.status == "ready_with_remarks"
    assert c.readiness.words("da") == "klar med bemærkninger"


def test_an_error_blocks_its_own_step_only() -> None:
    c = evaluate([F.error("CERT_EXPIRED", "x", "certificate")], SEEN, "en")
    s = statuses(c)
    assert s.pop("certificate") == "blocked"
    assert set(s.values()) == {"done"}
    assert c.readiness.to_json() == {"status": "not_ready", "steps_done": 7, "steps_total": 8}
    assert c.readiness.words("en") == "not ready: 1 of 8 steps to go"
    # NGDP_CERT_ is the system's (the certificate NgDP holds), not step 2's
    s = statuses(evaluate([F.error("NGDP_CERT_MISMATCH", "x")], SEEN, "en"))
    assert s["system"] == "blocked" and s["certificate"] == "done"


@pytest.mark.parametrize(
    ("code", "step"),
    [
        ("NET_TCP_FAILED", "firewall"),
        ("IP_NOT_ALLOWED", "system"),
        ("AUTHORIZATION_MISSING", "system"),
        ("DEFAULT_CONTACT_POINT_UNKNOWN", "contact_points"),
        ("NGDP_TRANSLATION_MISSING", "contact_points"),
        ("WZ_REGISTER_DIFFERS", "mapping"),
        ("CELL_FORMULA", "mapping"),
        ("MEMO_INVALID", "acceptance"),
    ],
)
def test_each_step_is_blocked_by_its_own_codes(code: str, step: str) -> None:
    s = statuses(evaluate([F.error(code, "x")], SEEN, "en"))
    assert {k for k, v in s.items() if v == "blocked"} == {step}


def test_a_mailbox_mapped_to_no_contact_point_blocks_the_mapping_step_too() -> None:
    """A signer's read: a mapping row naming a GUID that is no contact point of the
    environment (CONTACT_POINT_UNKNOWN) blocked step 5 only, and step 6 read "ikke
    verificeret", telling the WorkZone administrator to type in mailbox-mapping.xlsx's GUIDs,
    that one among them. The default contact point's own error stays step 5's alone."""
    s = statuses(evaluate([F.error("CONTACT_POINT_UNKNOWN", "x")], SEEN, "da"))
    assert {k for k, v in s.items() if v == "blocked"} == {"contact_points", "mapping"}
    s = statuses(evaluate([F.error("DEFAULT_CONTACT_POINT_UNKNOWN", "x")], SEEN, "da"))
    assert {k for k, v in s.items() if v == "blocked"} == {"contact_points"}


def test_an_error_of_no_step_keeps_every_step_but_not_the_readiness() -> None:
    c = evaluate([F.error("SECRET_LEAK", "x")], SEEN, "da")
    assert set(statuses(c).values()) == {"done"}
    assert c.readiness.status == "not_ready"
    assert c.readiness.words("da") == "ikke klar: fejl i fundene"
    assert c.readiness.words("en") == "not ready: errors in the findings"


def test_a_withheld_dispatcher_is_blocked_whatever_was_seen() -> None:
    evidence = {**SEEN, "dispatcher": StepEvidence("observed", blocked=True)}
    c = evaluate([], evidence, "en")
    row = next(r for r in c.rows if r.key == "dispatcher")
    assert row.status == "blocked" and row.evidence == "observed"
    # not "the configuration is withheld": only the dispatcher's own errors withhold it
    assert row.next_action.startswith("Fix the blocking findings")
    assert c.readiness.status == "not_ready"


def test_the_next_action_is_the_evidence_own_or_the_status_or_to_do() -> None:
    own = StepEvidence("planned", next_action="Ring til Anna.")
    c = evaluate([], {"mapping": own, "agreement": StepEvidence(blocked=True)}, "da")
    rows = {r.key: r for r in c.rows}
    assert rows["mapping"].next_action == "Ring til Anna."
    # the agreement has no text of its own for "blocked": its "to do" is said instead
    assert rows["agreement"].status == "blocked"
    assert rows["agreement"].next_action.startswith("Log ind i Administrativ Adgang")
    assert rows["firewall"].next_action.startswith("Send firewall-rules.xlsx")


def test_words_in_both_languages_and_english_for_any_other() -> None:
    evidence = {"certificate": StepEvidence("confirmed", "Anna 2025-01-02")}
    da = evaluate([], evidence, "da").table_rows("da")
    assert da[1] == (
        "2. FOCES3/VOCES3-certifikat pr. miljø, installeret på alle servere",
        "kunden, drift",
        "færdig",
        "bekræftet: Anna 2025-01-02",
        # on a person's word: not "Intet: certifikatet er installeret på alle servere."
        "Intet: en person har bekræftet trinnet; ngdpkit har ikke selv set det.",
    )
    assert da[0][2:4] == ("mangler", "intet")
    de = evaluate([], evidence, "de")
    assert de.rows[1].who == "the customer, operations"
    assert de.table_rows("de")[1][2:4] == ("done", "confirmed: Anna 2025-01-02")
    assert de.readiness.words("de") == "not ready: 7 of 8 steps to go"
    assert [set(r) for r in de.to_json()] == [
        {"step", "title", "who", "status", "evidence", "detail", "next_action"}
    ] * 8


def test_a_confirmation_written_by_hand_keeps_the_writers_rules(tmp_path: Path) -> None:
    """An attacker's look: the chain's hashes have no key, so a line written by hand with its
    hash recomputed carried NUL, ESC and CR into the pages and the checklist workbook, and
    a right-to-left override given to ``confirm`` turned a name around in Excel. The reader
    keeps the writer's rules (the file is then tampered, no confirmation in it counts), and
    the writer refuses a direction override."""
    from ngdpkit.checks.evidence import GENESIS, _hash, append_confirmation, read_confirmations
    from ngdpkit.errors import InputError

    path = tmp_path / "confirmations.jsonl"
    for by, note in (("Mette\u202egnikoob", ""), ("Mette", "ok\u202e")):
        with pytest.raises(InputError, match="direction overrides"):
            append_confirmation(path, environment="test", step=6, by=by, note=note)
    assert not path.exists()
    hand = (("Mette\x00", ""), ("Mette", "ok\rFAKE: alt godkendt"), ("Mette", "\x1b[2J"))
    # strip() takes FS, NEL and U+2028 away: a name checked only stripped kept them (the
    # second look)
    hand += (("\x1c\x85\u2028\x0cEvil\u2029", ""), ("Mette", "\x1e ok"))
    for by, note in hand:
        record = {"environment": "test", "step": 6, "by": by, "at": "2026-12-01T10:00:00Z",
                  "note": note, "prev": GENESIS}  # fmt: skip
        record["hash"] = _hash(record)
        path.write_text(json.dumps(record) + "\n", encoding="utf-8")
        records, problems = read_confirmations(path)
        assert records == [] and [p.code for p in problems] == ["CONFIRMATIONS_TAMPERED"]
    # the writer's own line, with a tab and a line end in its note, still reads
    path.unlink()
    append_confirmation(path, environment="test", step=6, by="Mette", note="linje 1\nlinje\t2")
    records, problems = read_confirmations(path)
    assert len(records) == 1 and not problems


def test_a_dispatcher_confirmation_in_a_run_that_withheld_its_values() -> None:
    """A customer's second look: a run that withheld the dispatcher values (a wrong
    password) said step 7 was "confirmed for other dispatcher values than this run's …;
    confirm again", and the next run counted the same confirmation. There are no values to
    hold it against: it says so, and that it counts again once the values are shown."""
    from ngdpkit.checks.evidence import DETAILS, Confirmation, _confirmed

    mette = Confirmation("test", 7, "Mette", "2026-12-01T10:00:00Z", "tastet", "0" * 64, "h", "abc")
    out: dict[str, StepEvidence] = {}
    _confirmed(out, [mette], "test", None, DETAILS["da"], "da")
    assert out["dispatcher"].kind == "planned"
    assert "holder dispatcher-værdierne tilbage" in out["dispatcher"].detail
    assert "andre dispatcher-værdier" not in out["dispatcher"].detail


def test_a_dispatcher_confirmation_given_without_values_says_so() -> None:
    """A consultant's cold run: step 7 confirmed after a run that withheld the dispatcher
    values (a wrong password), then a good run: "bekræftet for andre dispatcher-værdier end
    denne kørsels", though nothing had changed: the confirmation was for no values. It says
    that, and to confirm again after this run; one for other values still says other values."""
    from ngdpkit.checks.evidence import DETAILS, Confirmation, _confirmed

    dispatcher = {"ready": True, "parameters": {"ContactPointGuid": "x"}}
    blank = Confirmation("test", 7, "Mette", "2026-12-01T10:00:00Z", "", "0" * 64, "h", "")
    out: dict[str, StepEvidence] = {}
    _confirmed(out, [blank], "test", dispatcher, DETAILS["da"], "da")
    assert out["dispatcher"].kind == "planned"
    assert "før en kørsel havde dem" in out["dispatcher"].detail
    assert "andre dispatcher-værdier" not in out["dispatcher"].detail
    other = Confirmation("test", 7, "Mette", "2026-12-01T10:00:00Z", "", "0" * 64, "h", "abc")
    _confirmed(out, [other], "test", dispatcher, DETAILS["da"], "da")
    assert "andre dispatcher-værdier" in out["dispatcher"].detail


def test_confirming_a_step_the_latest_run_blocks_says_it_stays_blocked(
    sample_run_copy: Path,
) -> None:
    """A consultant's cold run: ``confirm --step 7`` while the latest run blocked the step was
    recorded without a word, and the next run's changes read "blokeret → blokeret (Jens
    Hansen, …)". confirm says the step stays blocked while the kit's errors stand, read from
    a run folder that verifies only (an attacker's pass: a planted folder decided the note);
    the change says the step is still blocked, with new evidence."""
    from ngdpkit.documents.change_text import sentence

    sample = sample_run_copy
    toml = str(sample / "migration.toml")

    def confirm(step: str) -> str:
        r = cli("confirm", "--settings", toml, "--env", "test", "--step", step, "--by", "Jens")
        assert r.returncode == 0, r.stdout + r.stderr
        return r.stdout

    assert "is blocked in the latest run" not in confirm("7")  # the sample's run: not blocked
    text = (sample / "migration.toml").read_text(encoding="utf-8")
    test_default = 'default_contact_point = "9366b98e-64ef-58fe-a723-950f3d511167"\n'
    assert test_default in text
    (sample / "migration.toml").write_text(text.replace(test_default, "", 1), encoding="utf-8")
    r = cli("run", "--settings", toml, "--env", "test")  # PENDING_DEFAULT_CONTACT_POINT
    latest = (sample / "runs" / "test" / "LATEST").read_text(encoding="utf-8").strip()
    assert rows(sample / "runs" / "test" / latest)[7]["status"] == "blocked", r.stdout
    assert f"step 7 is blocked in the latest run ({latest})" in confirm("7")
    assert "is blocked in the latest run" not in confirm("6")
    planted = sample / "runs" / "test" / "20261206T010227Z-91c8d6"
    planted.mkdir()
    (planted / "checklist.json").write_text(
        json.dumps([{"step": 6, "title": "x", "status": "blocked", "evidence": "none",
                     "detail": ""}]),
        encoding="utf-8",
    )  # fmt: skip
    (sample / "runs" / "test" / "LATEST").write_text(planted.name, encoding="utf-8")
    assert "is blocked in the latest run" not in confirm("6")  # it does not verify
    params = {"step": 7, "title": "NgDP-dispatcheren sat op i WorkZone", "before": "blocked",
              "after": "blocked", "detail": "Jens Hansen, 06-12-2026"}  # fmt: skip
    said = sentence("CHECKLIST_CHANGED", params, "da", {})
    assert said == (
        "Trin 7 (NgDP-dispatcheren sat op i WorkZone): stadig blokeret, nyt belæg "
        "(Jens Hansen, 06-12-2026)."
    )


def test_confirming_step_7_after_a_withheld_run_names_the_run_and_why(
    sample_copy: Path,
) -> None:
    """A consultant's cold run: after a run that withheld the dispatcher values (a wrong
    certificate password), ``confirm --step 7`` said "no finished run of this environment
    has dispatcher values yet", as if no run had been made. It names the run that withheld
    them and the codes that did; a step file that names no code reads as before."""
    run = sample_copy / "runs" / "test" / "20261206T050644Z-648b2b"
    (run / "steps").mkdir(parents=True)
    step = run / "steps" / "05_dispatcher_config.json"
    results = {"dispatcher": None, "withheld_by": ["CERT_BAD_PASSWORD"], "blocking": []}
    step.write_text(
        json.dumps({"step": "05_dispatcher_config", "status": "ok", "results": results}),
        encoding="utf-8",
    )
    (run.parent / "LATEST").write_text(run.name, encoding="utf-8")
    toml = str(sample_copy / "migration.toml")
    r = cli("confirm", "--settings", toml, "--env", "test", "--step", "7", "--by", "Jens")
    assert r.returncode == 0, r.stdout + r.stderr
    assert (
        f"note: the latest run ({run.name}) withheld its dispatcher values (CERT_BAD_PASSWORD);"
        " this confirmation will not count for step 7 until it is given after a run that"
        " shows them"
    ) in r.stdout
    assert "yet" not in r.stdout
    results["withheld_by"] = ["<script>", "x" * 100]  # no code: the note as before
    step.write_text(json.dumps({"step": "05_dispatcher_config", "results": results}), "utf-8")
    r = cli("confirm", "--settings", toml, "--env", "test", "--step", "7", "--by", "Jens")
    assert "no finished run of this environment has dispatcher values yet" in r.stdout
    assert "<script>" not in r.stdout


@pytest.mark.parametrize(
    ("by", "note"),
    [
        ("-Mette\u200f\u2028x\u00ad", ""),  # an invisible mark, a line separator, a soft hyphen
        ("Mette\u0085\u009b31m", ""),  # C1: U+009B starts an escape sequence in a terminal
        ("Mette", "ok\u200b"),
        ("Mette", "ok\u0085"),
        ("Mette Sørensen, KMD\U000e0041\U000e0042", ""),  # tag characters (the second look)
        ("Mette\u3164", ""),  # a Hangul filler: a blank that is a letter
    ],
)
def test_confirm_refuses_invisible_and_c1_characters(tmp_path: Path, by: str, note: str) -> None:
    """An attacker's second look: the name rule refused C0 and the direction overrides, and
    let C1 controls, zero-width marks, line separators and soft hyphens into
    confirmations.jsonl and the checklist workbook (two names that look alike)."""
    from ngdpkit.checks.evidence import append_confirmation
    from ngdpkit.errors import InputError

    path = tmp_path / "confirmations.jsonl"
    with pytest.raises(InputError, match="invisible characters"):
        append_confirmation(path, environment="test", step=6, by=by, note=note)
    assert not path.exists()
    append_confirmation(path, environment="test", step=6, by="Mette Sørensen, KMD", note="ok\n\tx")
    assert path.exists()


def test_step_3_without_outgoing_addresses_is_not_planned() -> None:
    """Day one without server_ips: the checklist said step 3 was "planlagt:
    firewall-rules.xlsx" over a firewall order with no source address. It is to do, and
    says what is missing and where it goes; with the addresses it is planned again."""

    def step_3(findings: list[Any], language: str) -> Any:
        evidence = _gathered(servers=["wz-web01-t"], findings=findings, language=language)
        return next(r for r in evaluate(findings, evidence, language).rows if r.step == 3)

    pending = [F.warning("PENDING_SERVER_IPS", "x")]
    row = step_3(pending, "da")
    assert (row.status, row.evidence) == ("to_do", "none")
    assert "udgående IP-adresser er ikke angivet" in row.detail
    assert "server_ips under [environments.test]" in row.next_action
    assert "server_ips" in step_3(pending, "en").next_action
    assert (step_3([], "da").status, step_3([], "da").evidence) == ("not_verified", "planned")


def test_the_portal_says_its_ip_addresses_are_not_given_yet() -> None:
    """A customer's read: with server_ips empty, "3. IP-adresser" was an empty cell, as if
    the portal needed nothing there."""
    from ngdpkit.deliverables.portal import PortalRegistration, PortalSystem, portal_fields

    system = PortalSystem(
        name="WorkZone test",
        protocol="REST_PULL",
        allowed_ips=(),
        endpoints=None,
        receipt_format="MEMO",
        system_id=None,
    )
    portal = PortalRegistration(
        schema="x",
        environment="test",
        kind="test",
        portal="Administrativ Adgang",
        system=system,
        contact_points=(),
        notes=(),
    )
    fields = dict(portal_fields(portal, "da"))
    assert fields["3. IP-adresser"] == "ikke angivet endnu (server_ips)"


def test_portal_and_mapping_confirmations_count_only_for_the_values_they_followed() -> None:
    """A week-two consultant: steps 5 and 6 confirmed in week one stayed done after a new
    export added, removed and moved mailboxes, so the checklist and the runbook said the
    portal and WorkZone were ready where they lacked five mailboxes. Like step 7, a
    confirmation of steps 5 and 6 is for the values of the run it followed: other values
    (or none recorded, as before this rule or before any run) ask to confirm again."""
    import pandas as pd

    from ngdpkit.checks.evidence import (
        DETAILS,
        Confirmation,
        _confirmed,
        mapping_values_sha256,
        portal_values_sha256,
    )
    from ngdpkit.deliverables.portal import PortalContactPoint, PortalRegistration, PortalSystem

    def frame(*rows: tuple[str, str, str, str]) -> Any:
        return pd.DataFrame(
            [
                dict(zip(("mailbox_id", "subject_id", "ngdp_guid", "status"), r, strict=True))
                for r in rows
            ]
        ).assign(mailbox_name="x", row=1)

    a = ("0100233", "", "7f9c69da-044c-5324-b789-212f3097dbac", "mapped")
    b = ("0100272", "2", "9366b98e-64ef-58fe-a723-950f3d511167", "mapped")
    week_one = mapping_values_sha256(frame(a, b))
    assert len(week_one) == 64 and week_one == mapping_values_sha256(frame(b, a))  # any order
    assert mapping_values_sha256(frame(a, b).assign(mailbox_name="renamed")) == week_one
    moved = (b[0], b[1], a[2], "mapped")
    assert mapping_values_sha256(frame(a, moved)) != week_one  # another contact point
    assert mapping_values_sha256(frame(a)) != week_one  # a mailbox removed
    assert mapping_values_sha256(frame(a, (*b[:3], "retired"))) != week_one
    assert mapping_values_sha256(None) == mapping_values_sha256(frame().iloc[0:0]) == ""

    def portal(*translations: str) -> PortalRegistration:
        system = PortalSystem("WorkZone test", "REST_PULL", (), None, "MEMO", None)
        point = PortalContactPoint(
            name="Borgerservice", id=a[2], targets=("CITIZEN",), visible=True,
            translations=translations,
        )  # fmt: skip
        return PortalRegistration("s", "test", "test", "p", system, (point,), ())

    portal_one = portal_values_sha256(portal("0100233", "0100272:2"))
    assert portal_one == portal_values_sha256(portal("0100272:2", "0100233"))
    assert portal_values_sha256(portal("0100233")) != portal_one
    assert portal_values_sha256(None) == ""

    def confirmed(step: int, values: str) -> Confirmation:
        return Confirmation("test", step, "Anne", "2026-11-27T10:00:00Z", "", "0" * 64, "h", values)

    words = DETAILS["da"]
    now = {"contact_points": portal_one, "mapping": week_one}
    out: dict[str, StepEvidence] = {}
    _confirmed(
        out, [confirmed(5, portal_one), confirmed(6, week_one)], "test", None, words, "da", now
    )
    assert out["contact_points"].kind == out["mapping"].kind == "confirmed"

    later = {"contact_points": portal_values_sha256(portal("0100233")), "mapping": "f" * 64}
    out = {}
    _confirmed(
        out, [confirmed(5, portal_one), confirmed(6, week_one)], "test", None, words, "da", later
    )
    assert out["contact_points"].kind == out["mapping"].kind == "planned"
    assert out["contact_points"].detail.startswith("bekræftet for andre kontaktpunkter")
    assert "portal-todo.xlsx" in out["contact_points"].detail
    assert "bekræftet for en anden tilknytning end denne kørsels (Anne, " in out["mapping"].detail
    assert "bekræft igen" in out["mapping"].detail

    out = {}  # given before any run had the values (or by a kit that did not record them)
    _confirmed(out, [confirmed(5, ""), confirmed(6, "")], "test", None, words, "da", now)
    assert out["contact_points"].kind == out["mapping"].kind == "planned"
    assert "bekræftelsen siger ikke, hvilke værdier den gjaldt for" in out["mapping"].detail

    out = {}  # another step's confirmation needs no values
    _confirmed(out, [confirmed(2, "")], "test", None, words, "da", now)
    assert out["certificate"].kind == "confirmed"


def test_confirming_step_6_before_any_run_says_it_will_not_count(sample_copy: Path) -> None:
    """``confirm --step 5|6`` records the latest run's values; with no run yet it says that
    the confirmation will not count until it is given after one (as ``--step 7`` says)."""
    toml = str(sample_copy / "migration.toml")
    r = cli("confirm", "--settings", toml, "--env", "test", "--step", "6", "--by", "Anne")
    assert r.returncode == 0, r.stderr
    assert "note: no finished run of this environment has its mapping yet" in r.stdout
    assert "will not count for step 6 until it is given after a run" in r.stdout


def test_step_5_offline_with_translations_to_remove_is_to_do_whoever_confirms_it() -> None:
    """A week-two retest: step 5 was confirmed done while the same run's portal-todo.xlsx
    said to remove a translation of the contact points file. Offline, such removals make the
    step to do (as NgDP's own gaps do online), and a confirmation does not outweigh it."""
    from ngdpkit.checks.evidence import Confirmation, portal_values_sha256

    def step_5(removals: int, confirmations: list[Confirmation]) -> Any:
        evidence = _gathered(
            contact_points_known=True,
            mapping_complete=True,
            step_values={"contact_points": "v" * 64},
            file_removals=removals,
            confirmations=confirmations,
        )
        return next(r for r in evaluate([], evidence, "da").rows if r.step == 5)

    anne = Confirmation("test", 5, "Anne", "2026-12-01T10:00:00Z", "", "0" * 64, "h", "v" * 64)
    assert step_5(0, [anne]).status == "done"
    assert step_5(0, []).evidence == "planned"
    gap = step_5(1, [anne])
    assert (gap.status, gap.evidence) == ("to_do", "none")
    assert gap.detail.startswith("kontaktpunktsfilen har 1 oversættelse, som denne kørsel")
    assert "portal-todo.xlsx" in gap.next_action and "kontaktpunktsfilen" in gap.next_action
    assert step_5(3, []).detail.startswith("kontaktpunktsfilen har 3 oversættelser")
    assert portal_values_sha256(None) == ""


def _gathered(**given: Any) -> Any:
    """``evidence.gather`` with nothing seen, read or known, but what ``given`` says."""
    from ngdpkit.checks.evidence import gather

    args: dict[str, Any] = {
        "servers": [],
        "observation": None,
        "register": None,
        "server_evidence": None,
        "thumbprint": None,
        "certificate_known": False,
        "system_id": None,
        "contact_points_known": False,
        "mapping_complete": False,
        "dispatcher": None,
        "dispatcher_unchanged": True,
        "acceptance": None,
        "confirmations": [],
        "environment": "test",
        "findings": [],
        "language": "da",
    }
    return gather(**(args | given))


def test_step_8_counts_only_an_ok_rehearsal_of_ngdp_itself_and_a_later_failure_outweighs_a_word(
    tmp_path: Path,
) -> None:
    """A go-live day's cold run: a production rehearsal pointed at a local NgDP by
    ngdp_api_url, with a warning (the reply never came back), made step 8 "færdig"; and
    ``confirm --step 8`` after a failed rehearsal said "alle trin færdige" beside "Seneste
    accepttest: fejl". Only a rehearsal of NgDP's own address with status ok is seen; a
    failure after the newest confirmation is a gap no confirmation fills."""
    from types import SimpleNamespace

    from ngdpkit import findings as F
    from ngdpkit.checks.evidence import Confirmation

    def rehearsal(status: str, *found: Any, at: str = "20261206T120000Z") -> Any:
        folder = SimpleNamespace(path=tmp_path / f"{at}-rehearsal-abc123")
        return SimpleNamespace(
            against="ngdp", status=status, findings=list(found), steps=[], folder=folder
        )

    def step_8(acceptance: Any, confirmations: list[Confirmation] = []) -> Any:  # noqa: B006
        evidence = _gathered(acceptance=acceptance, confirmations=confirmations)
        return evidence["acceptance"], next(
            r for r in evaluate([], evidence, "da").rows if r.step == 8
        )

    seen, _ = step_8(rehearsal("ok"))
    assert (seen.kind, seen.detail) == ("observed", "20261206T120000Z-rehearsal-abc123")
    elsewhere = F.info("NGDP_API_URL_OVERRIDDEN", "x", "environments.test.ngdp_api_url")
    local, row = step_8(rehearsal("ok", elsewhere))
    assert local.kind == "none" and "anden adresse end NgDP's officielle" in local.detail
    assert row.status != "done"
    warned, row = step_8(rehearsal("warnings"))
    assert warned.kind == "planned" and "havde advarsler" in warned.detail and row.status != "done"
    # a push system's reply reaches WorkZone, never the kit (REHEARSAL_REPLY_NOT_SEEN): a
    # person checks the case and confirms, and then it counts (a go-live day's second look:
    # production's rehearsal could never make step 8 done)
    assert "bekræft trinnet med ngdpkit confirm --step 8" in row.next_action
    checked = Confirmation("test", 8, "Anne", "2026-12-06T12:30:00Z", "", "0" * 64, "h")
    assert step_8(rehearsal("warnings"), [checked])[1].status == "done"

    def word(at: str) -> Confirmation:
        return Confirmation("test", 8, "Anne", at, "", "0" * 64, "h")

    failed, row = step_8(rehearsal("errors"), [word("2026-12-06T10:00:00Z")])
    assert failed.gap and "fejlede" in failed.detail and row.status != "done"
    assert "en bekræftelse fra før fejlen tæller ikke" in row.next_action
    # the person confirmed after the failure (runbook step 4's first letter went through)
    later, row = step_8(rehearsal("errors"), [word("2026-12-06T13:00:00Z")])
    assert not later.gap and row.status == "done"
    assert step_8(rehearsal("errors"))[0].gap  # no confirmation at all: the failure stands


def test_confirm_at_a_terminal_names_the_step_and_asks_first(sample_run_copy: Path) -> None:
    """A go-live day's cold run: the runbook's step 3 says to confirm the checklist's step 7,
    and a tired consultant typed ``--step 3`` (recorded at once, for good: the file only
    grows). At a terminal ``confirm`` names the step and asks; a no records nothing, a yes
    records it; without a terminal (a pipeline) it records at once, as before."""
    import os
    import subprocess
    import sys

    def at_a_terminal(answer: str, step: str = "3") -> tuple[int, str]:
        main, secondary = os.openpty()
        args = ["confirm", "--settings", str(sample_run_copy / "migration.toml"), "--env", "test"]
        proc = subprocess.Popen(
            [sys.executable, "-m", "ngdpkit", *args, "--step", step, "--by", "Anne"],
            stdin=secondary,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )
        os.close(secondary)
        os.write(main, answer.encode() + b"\n")
        out, _ = proc.communicate(timeout=60)
        os.close(main)
        return proc.returncode, out

    path = sample_run_copy / "confirmations.jsonl"
    code, out = at_a_terminal("n")
    assert code == 2 and "nothing was written" in out and not path.exists()
    assert "test: step 3 (Udgående adgang fra serverne til NgDP" in out and "[y/N]" in out
    code, out = at_a_terminal("n", step="7")  # what it binds to is asked with it
    assert code == 2 and "for the dispatcher values of the latest run: record it? [y/N]" in out
    code, out = at_a_terminal("j")
    assert code == 0 and "confirmed by Anne" in out
    assert len(path.read_text(encoding="utf-8").splitlines()) == 1


def test_step_8_reads_the_newest_rehearsal_of_ngdp_and_when_it_ended(tmp_path: Path) -> None:
    """An attacker's look at step 8: a simulator rehearsal after a failed one against NgDP
    made the old confirmation count again (the run read the newest rehearsal of any kind),
    and a confirmation given while the failed rehearsal still waited for the reply counted
    (its folder's name is when it started). The run judges the newest rehearsal against
    NgDP, and a rehearsal ends when its steps have taken their time."""
    from types import SimpleNamespace

    from ngdpkit.checks.evidence import Confirmation

    waited = SimpleNamespace(duration_s=120.0)
    failed = SimpleNamespace(
        against="ngdp",
        status="errors",
        findings=[],
        steps=[waited],
        folder=SimpleNamespace(path=tmp_path / "20261206T120000Z-rehearsal-abc123"),
    )
    during = Confirmation("test", 8, "Anne", "2026-12-06T12:00:30Z", "", "0" * 64, "h")
    evidence = _gathered(acceptance=failed, confirmations=[during])
    assert evidence["acceptance"].gap  # given before the failure was known
    after = Confirmation("test", 8, "Anne", "2026-12-06T12:05:00Z", "", "0" * 64, "h")
    assert not _gathered(acceptance=failed, confirmations=[after])["acceptance"].gap


def test_step_5_offline_says_it_can_be_confirmed() -> None:
    """A day-one consultant: step 5's next action was "Kør med --online", which needs a
    certificate and a header the customer does not have yet, while the README says to
    confirm step 5 once the portal holds portal-todo.xlsx. It names both."""
    evidence = _gathered(contact_points_known=True)
    (row,) = [r for r in evaluate([], evidence, "da").rows if r.step == 5]
    assert row.evidence == "planned"
    assert "eller bekræft trinnet med ngdpkit confirm --step 5" in row.next_action


@pytest.mark.parametrize("flag", ["--by", "--note"])
def test_confirm_refuses_a_cpr_number_in_by_or_note(sample_copy: Path, flag: str) -> None:
    """A DPO's review: confirmations.jsonl is hash-chained and append-only, so a CPR number
    typed into --by or --note ("Ole, borger 010190-1234 ringede") could never be taken out.
    Refused as a secret is: exit 2, one line naming the option, never the number."""
    args = ["confirm", "--settings", str(sample_copy / "migration.toml"), "--env", "test"]
    args += ["--step", "1"] + (["--by", "Ole Drift"] if flag == "--note" else [])
    r = cli(*args, flag, "Ole, borger 0101901234 ringede")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert f"{flag} holds a CPR-shaped number" in r.stderr and "nothing was recorded" in r.stderr
    assert "0101901234" not in r.stdout + r.stderr
    assert not (sample_copy / "confirmations.jsonl").exists()


def test_confirm_says_which_inputs_changed_since_the_run_it_binds_to(
    sample_run_copy: Path,
) -> None:
    """A consultant who took over in week two: a decision was added, step 6 confirmed, and
    the confirmation bound to the run before the decision without a word (the next run's
    checklist said "bekræftet for en anden tilknytning"). ``confirm`` names the inputs that
    changed since that run, and records; with none changed it says nothing of it."""
    settings = str(sample_run_copy / "migration.toml")
    args = ("confirm", "--settings", settings, "--env", "test", "--by", "Søren Overtager")
    r = cli(*args, "--step", "6")
    assert r.returncode == 0 and "changed since run" not in r.stdout, r.stdout
    with (sample_run_copy / "mapping-test.xlsx").open("ab") as f:
        f.write(b"\0")
    r = cli(*args, "--step", "6")
    assert r.returncode == 0, r.stdout + r.stderr
    latest = (sample_run_copy / "runs" / "test" / "LATEST").read_text().strip()
    assert (
        f"note: mapping-test.xlsx changed since run {latest}; this confirmation is for that"
        " run's values: if the change is to count, run again and confirm after it"
    ) in r.stdout, r.stdout
    assert len((sample_run_copy / "confirmations.jsonl").read_text().splitlines()) == 2


def test_confirm_names_a_decisions_file_begun_since_the_run(sample_run_copy: Path) -> None:
    """The first decision of an environment is a decisions file begun since its run: the
    run read none, so ``confirm`` said nothing, where ``status`` and ``compare`` named it."""
    settings = str(sample_run_copy / "migration.toml")
    args = ("confirm", "--settings", settings, "--env", "test", "--by", "Søren Overtager")
    (sample_run_copy / "decisions-test.csv").write_text(
        "mailbox_id,decision\n0100233,exclude\n", encoding="utf-8"
    )
    r = cli(*args, "--step", "6")
    assert r.returncode == 0, r.stdout + r.stderr
    latest = (sample_run_copy / "runs" / "test" / "LATEST").read_text().strip()
    assert f"note: decisions-test.csv changed since run {latest};" in r.stdout, r.stdout
    assert len((sample_run_copy / "confirmations.jsonl").read_text().splitlines()) == 1


def test_the_inputs_a_trail_names_are_read_only_when_they_are_files(tmp_path: Path) -> None:
    """An attacker's look at ``confirm``'s note: a planted run's trail may name any path
    (``/etc/passwd``, a 4 GB file three times, a UNC path on Windows). Only the files the
    settings name are opened, by the settings' own path; a FIFO is not waited on, a
    directory or a missing file counts as changed, and an input the run did not read is not
    named."""
    import hashlib
    import os

    from ngdpkit.run.neighbours import inputs_changed_since

    run = tmp_path / "run"
    run.mkdir()
    (tmp_path / "same.xlsx").write_bytes(b"x")
    (tmp_path / "moved.xlsx").write_bytes(b"y")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir").mkdir()
    digest = hashlib.sha256(b"x").hexdigest()
    records = [
        {"event": "input_read", "path": name, "sha256": digest}
        for name in ("same.xlsx", "moved.xlsx", "fifo", "dir", "gone.xlsx", "/etc/hostname")
    ]
    (run / "audit.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    inputs = {
        name: tmp_path / name
        for name in ("same.xlsx", "moved.xlsx", "fifo", "dir", "gone.xlsx", "unread.csv")
    }
    assert inputs_changed_since(run, inputs) == ["dir", "fifo", "gone.xlsx", "moved.xlsx"]


def test_a_dispatcher_confirmed_before_golive_enables_it_does_not_count() -> None:
    """A signer's read of production's PDF: "7. NgDP-dispatcheren sat op i WorkZone …
    færdig · bekræftet" beside a runbook whose step 3 (enable it, after e-Boks is off) was
    days away. A confirmation of step 7 given before ``[golive]`` enables the dispatcher is
    planned, saying when it counts from; one given at or after it is confirmed."""
    import datetime as dt

    from ngdpkit.checks.evidence import Confirmation, values_sha256

    dispatcher = {"ready": True, "parameters": {"ContactPointGuid": "x"}}
    values = values_sha256(dispatcher)
    enable = dt.datetime(2026, 12, 14, 7, 0, tzinfo=dt.UTC)  # 08:00 Copenhagen time

    def step_7(at: str) -> StepEvidence:
        c = Confirmation("test", 7, "Konsulent Navn", at, "", "0" * 64, "h", values)
        ev = _gathered(dispatcher=dispatcher, confirmations=[c], enable_at=enable)
        return ev["dispatcher"]  # type: ignore[no-any-return]

    early = step_7("2026-12-06T16:32:00Z")
    assert early.kind == "planned", early
    assert early.detail == (
        "bekræftet (Konsulent Navn, 06-12-2026 kl. 17:32) før NgDP-dispatcheren skal"
        " aktiveres (14-12-2026 kl. 08:00, drejebogens trin 3); bekræft igen, når den er aktiveret"
    )
    assert step_7("2026-12-14T07:05:00Z").kind == "confirmed"
    assert _gathered(dispatcher=dispatcher, confirmations=[]).get("dispatcher").kind == "planned"
    no_date = _gathered(
        dispatcher=dispatcher,
        confirmations=[
            Confirmation("test", 7, "A", "2026-12-06T16:32:00Z", "", "0" * 64, "h", values)
        ],
    )
    assert no_date["dispatcher"].kind == "confirmed"  # no [golive]: as before


def test_confirm_names_the_settings_when_they_changed_since_the_run(sample_run_copy: Path) -> None:
    """A day-one reader's look at the note: pointing ``[inputs] mailboxes`` at a new export, or
    changing the settings otherwise, gave no note (only the files the run read were held
    against it). The settings file is named when its SHA-256 is not the one the run's trail
    holds."""
    settings = sample_run_copy / "migration.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + "# ny eksport på vej\n")
    r = cli(
        "confirm", "--settings", str(settings), "--env", "test", "--by", "Ny Konsulent",
        "--step", "6",
    )  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    latest = (sample_run_copy / "runs" / "test" / "LATEST").read_text().strip()
    assert f"note: migration.toml changed since run {latest};" in r.stdout, r.stdout


@pytest.mark.parametrize(
    "code", ["SERVER_NAME_INVALID", "SERVER_NAME_AMBIGUOUS", "SERVICE_ACCOUNT_TOO_BROAD"]
)
def test_a_server_the_scripts_refuse_blocks_the_steps_that_run_them(code: str) -> None:
    """A consultant's read: a server name with a space, two servers Windows calls alike or
    "Everyone" as the account to read the private key were errors of no step, so steps 2 and
    3 read "ikke verificeret" and told operations to run install-certificate.ps1 and
    server-check.ps1, which carry the value and stop at their top. Both steps are blocked,
    and the next action is the settings' fix and a new script, not the certificate's."""
    evidence = {**SEEN, "certificate": StepEvidence("planned"), "firewall": StepEvidence("planned")}
    for lang, words in (("da", "Ret serverfundene i indstillingerne"), ("en", "Fix the server")):
        c = evaluate([F.error(code, "x", "environments.test.servers")], evidence, lang)
        rows = {r.key: r for r in c.rows}
        assert {k for k, r in rows.items() if r.status == "blocked"} == {"certificate", "firewall"}
        assert rows["certificate"].next_action.startswith(words)
        assert "install-certificate.ps1" in rows["certificate"].next_action
        assert rows["firewall"].next_action.startswith(words)
        assert "server-check.ps1" in rows["firewall"].next_action
    # the certificate's own error keeps its own text
    c = evaluate([F.error("CERT_EXPIRED", "x")], evidence, "en")
    row = next(r for r in c.rows if r.key == "certificate")
    assert row.next_action.startswith("Fix the certificate findings")


def test_an_invalid_cvr_blocks_step_1_and_says_what_to_correct() -> None:
    """A customer's read: with `organisation.cvr` not a CVR number, step 1 read "ikke
    verificeret" and told them to read the organisation in NgDP by that number; the error
    blocked no step. Step 1 is blocked, its next action names the settings key and the
    finding in the page's language."""
    evidence = {**SEEN, "agreement": StepEvidence("planned")}
    cvr = F.error("CVR_INVALID", "x", "organisation.cvr")
    for lang, fix, named in (
        ("da", "Ret organisation.cvr i indstillingerne", "CVR-nummeret er ugyldigt (CVR_INVALID)."),
        ("en", "Correct organisation.cvr in the settings", "The findings: CVR_INVALID."),
    ):
        c = evaluate([cvr], evidence, lang)
        rows = {r.key: r for r in c.rows}
        assert {k for k, r in rows.items() if r.status == "blocked"} == {"agreement"}
        assert rows["agreement"].next_action.startswith(fix)
        assert rows["agreement"].next_action.endswith(named)


def test_a_certificate_held_against_an_invalid_cvr_says_to_correct_the_cvr_first() -> None:
    """The sample run with organisation.cvr made invalid: step 2 was blocked by
    CERT_CVR_MISMATCH and said "Ret certifikatfundene" of the organisation's own certificate.
    It says to correct the settings' CVR number first; with a valid CVR number the
    certificate's own text stays."""
    evidence = {**SEEN, "certificate": StepEvidence("planned")}
    mismatch = F.error("CERT_CVR_MISMATCH", "x", "certs/test.p12")
    cvr = F.error("CVR_INVALID", "x", "organisation.cvr")
    for lang, fix, named in (
        ("da", "Ret først organisation.cvr", "(CERT_CVR_MISMATCH)."),
        (
            "en",
            "Correct organisation.cvr in the settings first",
            "The findings: CERT_CVR_MISMATCH.",
        ),
    ):
        row = next(
            r for r in evaluate([mismatch, cvr], evidence, lang).rows if r.key == "certificate"
        )
        assert row.status == "blocked"
        assert row.next_action.startswith(fix)
        assert row.next_action.endswith(named)
    row = next(r for r in evaluate([mismatch], evidence, "en").rows if r.key == "certificate")
    assert row.next_action.startswith("Fix the certificate findings")
    both = [mismatch, cvr, F.error("CERT_EXPIRED", "x")]
    row = next(r for r in evaluate(both, evidence, "en").rows if r.key == "certificate")
    assert row.next_action.startswith("Fix the certificate findings")


def test_a_missing_secret_blocks_the_step_that_needs_it_and_names_the_secret() -> None:
    """A consultant's read: with the certificate password not set, step 2 read "mangler"
    and told the customer to order a certificate, which they had; a missing authorization
    header withheld the dispatcher while step 7 said only "Ret de blokerende fund"."""
    from ngdpkit.secrets import secret_missing

    password = secret_missing(
        "environments.test.certificate_password_env",
        what="certificate password",
        variable="NGDPKIT_TEST_CERT_PASSWORD",
    )
    c = evaluate([password], {}, "da")
    rows = {r.key: r for r in c.rows}
    assert {k for k, r in rows.items() if r.status == "blocked"} == {"certificate"}
    assert rows["certificate"].next_action.startswith("Angiv certifikatets adgangskode")
    assert "Bestil" not in rows["certificate"].next_action
    assert "(SECRET_MISSING)" in rows["certificate"].next_action
    header = secret_missing(
        "environments.test.authorization_env",
        what="authorization header",
        variable="NGDPKIT_TEST_AUTHORIZATION",
    )
    c = evaluate([header], {**SEEN, "dispatcher": StepEvidence(blocked=True)}, "en")
    rows = {r.key: r for r in c.rows}
    assert {k for k, r in rows.items() if r.status == "blocked"} == {"dispatcher"}
    assert rows["dispatcher"].next_action.startswith("Set the authorization header")
    assert rows["dispatcher"].next_action.endswith("The findings: SECRET_MISSING.")


@pytest.mark.parametrize("code", ["DECISION_INVALID", "DECISION_CONTACT_POINT_UNKNOWN"])
def test_a_decision_the_run_cannot_use_blocks_the_mapping_step(code: str) -> None:
    """A signer's read: step 6 read "ikke verificeret" and told the WorkZone administrator
    to type in mailbox-mapping.xlsx, while a decision for one of its mailboxes was left out
    of it. Step 6 is blocked and names the decisions file; beside another mapping error the
    step's own text stays, and the findings name both."""
    evidence = {**SEEN, "mapping": StepEvidence("planned")}
    c = evaluate([F.error(code, "x", "decisions-test.csv")], evidence, "da")
    rows = {r.key: r for r in c.rows}
    assert {k for k, r in rows.items() if r.status == "blocked"} == {"mapping"}
    assert rows["mapping"].next_action.startswith("Ret de rækker i beslutningsfilen")
    assert f"({code})" in rows["mapping"].next_action
    both = [F.error("MAILBOX_UNMAPPED", "x"), F.error(code, "x")]
    row = next(r for r in evaluate(both, evidence, "da").rows if r.key == "mapping")
    assert row.next_action.startswith("Ret tilknytningsfundene. Fundene: ")
    assert "(MAILBOX_UNMAPPED)" in row.next_action and f"({code})" in row.next_action


def test_a_blocked_dispatcher_names_what_withholds_it_and_not_the_seal() -> None:
    """A signer's read: step 7 said "Ret de blokerende fund" with the dispatcher withheld by
    a CVR number named nowhere near it. The step names every finding that holds the
    dispatcher back (not the consultancy's seal, which is about the record), a long list
    cut after four."""
    evidence = {**SEEN, "dispatcher": StepEvidence(blocked=True)}
    found = [
        F.error("CERT_CVR_MISMATCH", "x"),
        F.error("CVR_INVALID", "x"),
        F.error("SIGNING_CERT_INVALID", "x"),
    ]
    row = next(r for r in evaluate(found, evidence, "da").rows if r.key == "dispatcher")
    assert row.next_action == (
        "Ret de blokerende fund: dispatcherens værdier er ikke klare til brug før da. Fundene: "
        "Certifikatet tilhører et andet CVR-nummer (CERT_CVR_MISMATCH); CVR-nummeret er "
        "ugyldigt (CVR_INVALID)."
    )
    many = [F.error(f"MAILBOX_X{n}", "x") for n in range(6)]
    row = next(r for r in evaluate(many, evidence, "en").rows if r.key == "dispatcher")
    assert row.next_action.endswith(
        "The findings: MAILBOX_X0, MAILBOX_X1, MAILBOX_X2, MAILBOX_X3, and 2 more."
    )


def test_a_run_without_the_certificate_password_blocks_step_2_on_the_page(
    sample_copy: Path,
) -> None:
    """The sample run with its certificate password gone: step 2 of checklist.json and of the
    overview is blocked with the password's fix, not "order a certificate"."""
    env_file = sample_copy / "sample.env"
    kept = [
        line
        for line in env_file.read_text("utf-8").splitlines()
        if not line.startswith("NGDPKIT_TEST_CERT_PASSWORD")
    ]
    env_file.write_text("\n".join(kept) + "\n", encoding="utf-8")
    r = cli("run", "--settings", str(sample_copy / "migration.toml"), "--env", "test")
    assert r.returncode == 1, r.stdout + r.stderr
    latest = (sample_copy / "runs" / "test" / "LATEST").read_text().strip()
    run_dir = sample_copy / "runs" / "test" / latest
    step = rows(run_dir)[2]
    assert step["status"] == "blocked"
    assert step["next_action"].startswith("Angiv certifikatets adgangskode")
    page = (run_dir / "signoff" / "index.html").read_text("utf-8")
    assert "Angiv certifikatets adgangskode" in page
    assert "(SECRET_MISSING)" in page


def test_a_blocked_step_says_fundet_for_one_finding_and_counts_the_rest_in_danish() -> None:
    """A Danish proofreader's read: "Fundene: CVR-nummeret er ugyldigt (CVR_INVALID)." spoke
    of one finding in the plural, and past four the count read "…; og 2 andre." (an
    English list's comma turned into a semicolon before "og")."""
    evidence = {**SEEN, "dispatcher": StepEvidence(blocked=True)}
    one = next(
        r
        for r in evaluate([F.error("CVR_INVALID", "x")], evidence, "da").rows
        if r.key == "dispatcher"
    )
    assert one.next_action.endswith(" Fundet: CVR-nummeret er ugyldigt (CVR_INVALID).")
    many = [F.error(f"MAILBOX_X{n}", "x") for n in range(6)]
    row = next(r for r in evaluate(many, evidence, "da").rows if r.key == "dispatcher")
    assert row.next_action.endswith(
        " Fundene: MAILBOX_X0; MAILBOX_X1; MAILBOX_X2; MAILBOX_X3 og 2 andre."
    )


def test_the_danish_fixes_of_blocked_steps_read_as_danish() -> None:
    """The texts a blocked step names its fix with: "navngiver" (English "names") and "holdes
    op mod" (English "held against") read as translations; the words a Danish reader uses."""
    texts = NEXT["da"]
    assert "nævner" in texts["certificate"]["blocked_password"]
    assert "nævner" in texts["dispatcher"]["blocked_authorization"]
    assert "certifikatets CVR-nummer skal stemme med det" in texts["agreement"]["blocked_cvr"]
    assert "indgår ikke i tilknytningen" in texts["mapping"]["blocked_decisions"]
    for step in texts.values():
        for text in step.values():
            assert "navngiver" not in text and "holdes op mod" not in text


def test_step_3_failed_only_on_the_kits_machine_names_no_failed_server_check() -> None:
    """An --online run whose name lookups failed on the consultant's machine: step 3 said
    "Drift retter de fejlede servertjek og kører server-check.ps1 igen", though no server
    had run a server check. It names the machine's check; a failed server check keeps the
    server check's words."""
    probe = F.error(
        "NET_DNS_FAILED",
        "{host} does not resolve from {ran} ({reason}).",
        "environments.test",
        "digitaliser.dk",
        host="digitaliser.dk",
        ran="laptop",
        reason="no such name",
    )
    on_server = F.error(
        "NET_DNS_FAILED",
        "On {server} at {taken}: {what} check of {target} failed: {detail}.",
        "evidence/wz-web01-t.json",
        "wz-web01-t",
        server="wz-web01-t",
        taken="2026-12-01T10:00:00Z",
        target="digitaliser.dk",
        detail="x",
        what="DNS",
    )

    def step_3(findings: list[Any], language: str) -> Any:
        return next(r for r in evaluate(findings, SEEN, language).rows if r.step == 3)

    row = step_3([probe], "da")
    assert row.status == "blocked"
    assert "fejlede servertjek" not in row.next_action
    assert row.next_action.startswith(
        "Netværkskontrollen fra den maskine, ngdpkit kørte på, fejlede, ikke et servertjek:"
    )
    assert "server-check.ps1 på hver server" in row.next_action
    assert "Navneopslag fejlede (NET_DNS_FAILED)" in row.next_action
    english = step_3([probe], "en").next_action
    assert "network check from the machine that ran ngdpkit that failed, not a server" in english
    mixed = step_3([probe, on_server], "da")
    assert "Drift retter de fejlede servertjek" in mixed.next_action


def test_step_4_done_says_what_was_compared_with_ngdp() -> None:
    """A signer's read of an --online run: step 4 said "systemet er registreret og stemmer
    med indstillingerne" while NgDP held the system under another name (the name and the
    receipt format are never compared). It names what was compared and what was not."""
    row = next(r for r in evaluate([], SEEN, "da").rows if r.step == 4)
    assert row.status == "done"
    assert "protokol, IP-adresser, certifikat og (ved REST_PUSH) endepunkter" in row.next_action
    assert "systemnavnet og kvitteringsformatet er ikke sammenholdt" in row.next_action
    english = next(r for r in evaluate([], SEEN, "en").rows if r.step == 4)
    assert "the system name and the receipt format are not compared" in english.next_action


def test_the_contact_points_page_says_when_ngdp_was_read_in_danish_time(
    online_run: Path,
) -> None:
    """A signer's read of an --online run's step 02: "Læst fra … (2026-12-07T08:20:07Z)" and
    "Kontaktpunkt | 11/11", where the checklist beside it said "07-12-2026 kl. 09:20". The
    time is Danish time as elsewhere, and the listing's count is said in words."""
    run_dir = online_run  # the module's online run of the sample (read only)
    step02 = re.sub(
        r"<[^>]+>", "", (run_dir / "signoff" / "02_contact_points.html").read_text("utf-8")
    )
    said = re.search(r"apis/v1 \(([^)]*)\)", step02)
    assert said and re.fullmatch(r"[0-9]{2}-[0-9]{2}-[0-9]{4} kl\. [0-9]{2}:[0-9]{2}", said[1])
    assert not re.search(r"\([0-9]{4}-[0-9]{2}-[0-9]{2}T", step02)
    assert re.search(r"Kontaktpunkter læst\s*[0-9]+ af [0-9]+", step02)


def test_step_3_failed_only_by_the_kits_own_timeout_or_redirect_names_no_server_check() -> None:
    """A hostile second look (session 38): the kit's probe that gave no answer within the
    overall limit names the machine as ``value``, and the --online read of NgDP that met a
    redirect names none: both were taken for failed server checks ("Drift retter de fejlede
    servertjek") though no server had run one."""
    overall = F.error(
        "NET_UNREACHABLE",
        "{url} gave no answer within the overall limit of {total:g} s from {value}.",
        "environments.test",
        "ngdp-api",
        url="https://api.example/apis/v1",
        total=60.0,
        value="laptop",
    )
    redirect = F.error(
        "NET_REDIRECT",
        "{url} answered with a redirect (HTTP {status}); it is never followed.",
        "ngdp:test",
        "/organisations/",
        url="https://api.example/apis/v1/organisations/",
        status=302,
    )
    on_server = F.error(
        "NET_UNREACHABLE",
        "On {server} at {taken}: {what} check of {target} failed: {detail}.",
        "evidence/wz-web01-t.json",
        "wz-web01-t",
        server="wz-web01-t",
        taken="2026-12-01T10:00:00Z",
        target="api.example:443",
        detail="x",
        what="TCP",
    )
    for found in ([overall], [redirect], [overall, redirect]):
        row = next(r for r in evaluate(found, SEEN, "da").rows if r.step == 3)
        assert row.status == "blocked"
        assert "fejlede servertjek" not in row.next_action, found
        assert "maskine, ngdpkit kørte på, fejlede" in row.next_action
    mixed = next(r for r in evaluate([overall, on_server], SEEN, "da").rows if r.step == 3)
    assert "Drift retter de fejlede servertjek" in mixed.next_action


def test_the_danish_next_actions_read_as_danish_and_quote_the_pages_they_name() -> None:
    """A head of IT's read of the checklist: "portal-todo.xlsx viser oversættelserne at
    tilføje og fjerne" (English word order), "de gamle bærer fejlen", and a page named bare
    ("på siden Registrering i Administrativ Adgang"; "siden NgDP-dispatcher i WorkZone viser"
    reads as "since"). A page a Danish text names stands in »…«, as the other steps say it."""
    from ngdpkit.catalogue import DANISH
    from ngdpkit.documents.i18n import TEXT

    da = NEXT["da"]
    assert da["contact_points"]["blocked"] == (
        "Ret kontaktpunktsfundene; portal-todo.xlsx viser, hvilke oversættelser der skal "
        "tilføjes og fjernes."
    )
    assert da["system"]["to_do"] == (
        "Opret systemet i Administrativ Adgang med værdierne på siden »Registrering i "
        "Administrativ Adgang«."
    )
    assert da["firewall"]["blocked_servers"].endswith("de gamle indeholder fejlen.")
    assert da["acceptance"]["blocked"] == "Ret fundene fra accepttesten, og kør den igen."
    texts = [v for step in da.values() for v in step.values()]
    texts += [*TEXT["da"].values(), *DANISH.values()]
    bare = [s for s in texts if re.search(r"\bsiden (?!»)[A-ZÆØÅ]", s)]
    assert bare == [], bare


@pytest.mark.parametrize("lang", ["da", "en"])
def test_step_6_blocked_by_unmapped_mailboxes_says_where_they_are_mapped(lang: str) -> None:
    """A consultant's read: step 6 said "Ret tilknytningsfundene" over 66 MAILBOX_UNMAPPED,
    each finding saying what is wrong and none what to do. With only unmapped mailboxes the
    step names the ways to map one (the mapping file, notebook 02's editor or nk.decide) and
    to retire one; the finding itself is named after it, as before."""
    evidence = {**SEEN, "mapping": StepEvidence("planned")}
    unmapped = [F.error("MAILBOX_UNMAPPED", "x", "mailboxes.xlsx") for _ in range(3)]
    row = next(r for r in evaluate(unmapped, evidence, lang).rows if r.key == "mapping")
    assert row.status == "blocked"
    assert row.next_action.startswith(NEXT[lang]["mapping"]["blocked_unmapped"])
    assert "nk.decide" in row.next_action and "notebook 02" in row.next_action
    assert ("udgået" if lang == "da" else "retired") in row.next_action
    assert ("tilknytningsfilen" if lang == "da" else "mapping file") in row.next_action
    assert row.next_action.endswith(
        "Fundet: Postkassen er ikke tilknyttet et kontaktpunkt (MAILBOX_UNMAPPED)."
        if lang == "da"
        else "The findings: MAILBOX_UNMAPPED."
    )
    other = [*unmapped, F.error("MAILBOX_ID_INVALID", "x", "mailboxes.xlsx")]
    row = next(r for r in evaluate(other, evidence, lang).rows if r.key == "mapping")
    assert row.next_action.startswith(NEXT[lang]["mapping"]["blocked"])


@pytest.mark.parametrize("lang", ["da", "en"])
def test_step_6_unmapped_by_rows_not_used_says_to_correct_the_rows(lang: str) -> None:
    """A consultant's read: the mapping file's NgDP Guid held contact points' names, and
    step 6 said "Tilknyt hver postkasse … i tilknytningsfilen" over 65 mailboxes the file
    already named, the cause (CONTACT_POINT_GUID_INVALID) named only at step 5. A row of the
    mapping file or the export that maps no mailbox is to be corrected first, and named."""
    evidence = {**SEEN, "mapping": StepEvidence("planned")}
    unmapped = F.error("MAILBOX_UNMAPPED", "x", "mailboxes.xlsx")
    bad_guid = F.error(
        "CONTACT_POINT_GUID_INVALID",
        "NgDP Guid {value!r} is neither a GUID nor 'udgår'/'retire'.",
        "mapping-test.xlsx",
        "Ark1!2",
        value="Borgerservice",
    )
    unused = F.warning("MAPPING_ROW_UNUSED", "x", "mapping-test.xlsx")
    for found, codes in (
        ([unmapped, bad_guid], ["CONTACT_POINT_GUID_INVALID"]),
        ([unused, unmapped], ["MAPPING_ROW_UNUSED"]),
    ):
        row = next(r for r in evaluate(found, evidence, lang).rows if r.key == "mapping")
        assert row.status == "blocked"
        assert row.next_action.startswith(NEXT[lang]["mapping"]["blocked_unmapped_rows"])
        for code in [*codes, "MAILBOX_UNMAPPED"]:
            assert f"({code})" in row.next_action or f" {code}" in row.next_action
    # the settings' default_contact_point is no row: the mailboxes are still to be mapped
    default = F.error(
        "CONTACT_POINT_GUID_INVALID",
        "default_contact_point {default_contact_point!r} is not a GUID.",
        "default_contact_point",
        default_contact_point="x",
    )
    row = next(r for r in evaluate([unmapped, default], evidence, lang).rows if r.key == "mapping")
    assert row.next_action.startswith(NEXT[lang]["mapping"]["blocked_unmapped"] + " ")


@pytest.mark.parametrize("lang", ["da", "en"])
def test_step_6_unmapped_without_contact_points_says_the_editor_has_none(lang: str) -> None:
    """Without contact points (PENDING_CONTACT_POINTS) notebook 02's editor has no contact
    point to offer and nothing is suggested: step 6 names the GUID from Administrativ
    Adgang, the mapping file and nk.decide, or step 5 first (with contact_points = "ngdp"
    offline the contact points are set and not read: the step says "not known")."""
    evidence = {**SEEN, "mapping": StepEvidence("planned")}
    found = [
        F.warning("PENDING_CONTACT_POINTS", "x", "environments.test.contact_points"),
        F.error("MAILBOX_UNMAPPED", "x", "mailboxes.xlsx"),
    ]
    row = next(r for r in evaluate(found, evidence, lang).rows if r.key == "mapping")
    assert row.status == "blocked"
    assert row.next_action.startswith(NEXT[lang]["mapping"]["blocked_unmapped_no_points"])
    assert "nk.decide" in row.next_action
    assert ("trin 5" if lang == "da" else "step 5") in row.next_action
    assert "Administrativ Adgang" in row.next_action
    assert "(MAILBOX_UNMAPPED)" in row.next_action or "MAILBOX_UNMAPPED." in row.next_action
