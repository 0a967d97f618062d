"""A security reviewer's cold try of ``compare`` and ``status``: each problem found, reproduced
with fixtures in tmp_path before it was fixed."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import cli, copy_sample_run, run_cli

SETTINGS = (
    '[organisation]\nname = "{name}"\ncvr = "12345678"\n'
    '[environments.test]\nprotocol = "REST_PULL"\n'
)


def customer(root: Path, name: str, extra: str = "") -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    toml = folder / "migration.toml"
    toml.write_text(SETTINGS.format(name=name) + extra, encoding="utf-8")
    return toml


# --- 1. a settings file status cannot read is its row's one-line problem --------------------


def test_status_survives_deeply_nested_toml_in_one_customer(tmp_path: Path) -> None:
    """``x = [[[[…5000…]]]]`` in one customer's settings crashed status (RecursionError, exit
    3): the whole portfolio was lost for one file."""
    root = tmp_path / "customers"
    customer(root, "alpha")
    customer(root, "beta", "x = " + "[" * 5000 + "]" * 5000 + "\n")
    customer(root, "gamma", 'y = "unterminated\n')
    (root / "delta").mkdir()
    (root / "delta" / "migration.toml").write_bytes(
        SETTINGS.format(name="delta").encode() + b'z = "\xff"\n'
    )
    r = run_cli("status", str(root), "--json", timeout=60)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and "crashed" not in r.stderr
    rows = {Path(x["settings"]).parent.name: x for x in json.loads(r.stdout)["rows"]}
    assert set(rows) == {"alpha", "beta", "gamma", "delta"}
    assert rows["alpha"]["status"] == "no run"
    for name, why in (
        ("beta", "migration.toml: TOML nested too deeply to be a settings file"),
        ("gamma", "migration.toml: TOML syntax error"),
        ("delta", "migration.toml: not UTF-8 text"),
    ):
        assert rows[name]["status"] == "unreadable", rows[name]
        problem = rows[name]["problem"]
        assert problem.startswith(why) and "\n" not in problem, problem
    table = run_cli("status", str(root), timeout=60)
    assert table.returncode == 0 and "nested too deeply" in table.stdout


# --- 2. links that lead above a folder, or into the system's own folders ----------------------


def test_status_refuses_links_above_a_folder_or_a_named_root(tmp_path: Path) -> None:
    """A link ``root -> /`` in a customer folder walked the whole filesystem, and a link
    ``..`` above the folder the user named listed another customer. Refused, one line each;
    a link to a customer folder elsewhere is still followed, and /proc, /sys and /dev are
    never searched."""
    tree = tmp_path / "customers"
    alpha = customer(tree, "alpha").parent
    customer(tree, "gamma")  # beside alpha: not named, so never listed
    beta = customer(tmp_path / "elsewhere", "beta").parent
    (alpha / "root").symlink_to("/", target_is_directory=True)
    (alpha / "up").symlink_to("..", target_is_directory=True)
    (alpha / "sub").mkdir()
    (alpha / "sub" / "tree").symlink_to(tree, target_is_directory=True)
    (alpha / "beta").symlink_to(beta, target_is_directory=True)  # a customer elsewhere
    (alpha / "proc").symlink_to("/proc", target_is_directory=True)
    (alpha / "dev").symlink_to("/dev", target_is_directory=True)
    (beta / "named").symlink_to(alpha, target_is_directory=True)  # a named root itself
    (beta / "above").symlink_to(tree, target_is_directory=True)  # above a named root
    r = run_cli("status", str(alpha), str(tmp_path / "elsewhere"), "--json", timeout=60)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert sorted(x["organisation"] for x in result["rows"]) == ["alpha", "beta"]
    skipped = {s["path"]: (s["kind"], s["target"]) for s in result["skipped"]}
    real = tree.resolve()
    assert skipped == {
        str(alpha / "dev"): ("system", "/dev"),
        str(alpha / "proc"): ("system", "/proc"),
        str(alpha / "root"): ("cycle", "/"),
        str(alpha / "sub" / "tree"): ("cycle", str(real)),
        str(alpha / "up"): ("cycle", str(real)),
        # beta is reached first through alpha's link to it
        str(alpha / "beta" / "above"): ("above", str(real)),
        str(alpha / "beta" / "named"): ("above", str(real / "alpha")),
    }
    lines = r.stderr.splitlines()
    assert len(lines) == len(skipped) and all(line.startswith("ngdpkit: ") for line in lines)
    assert f"ngdpkit: {alpha / 'root'}: a link back to /, a folder above it (a cycle): " in r.stderr
    page = tmp_path / "status.html"
    assert run_cli("status", str(alpha), "--html", str(page), timeout=60).returncode == 0
    text = page.read_text(encoding="utf-8")
    assert "en systemmappe" in text and "status_skipped" not in text


# --- 3. status verifies what it reads --------------------------------------------------------


@pytest.fixture
def one_run(sample_run: dict[str, Any]) -> Path:
    """The sample with one finished run of test (copy it to change it): the session's run."""
    return Path(sample_run["sample"])


def status_row(folder: Path) -> dict[str, Any]:
    r = run_cli("status", str(folder / "migration.toml"), "--json", timeout=60)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    return next(x for x in json.loads(r.stdout)["rows"] if x["environment"] == "test")


def latest(folder: Path) -> Path:
    env = folder / "runs" / "test"
    return env / (env / "LATEST").read_text().strip()


def rewrite_json(path: Path, edit: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def manifest_entry(run: Path, name: str, digest: str) -> None:
    def edit(data: dict[str, Any]) -> None:
        for entry in data["files"]:
            if entry["path"] == name:
                entry["sha256"] = digest

    rewrite_json(run / "manifest.json", edit)


def test_status_shows_no_status_of_a_run_that_does_not_verify(
    one_run: Path, tmp_path: Path
) -> None:
    """A run's findings.json hand-edited to "ok": status showed ok while ``audit verify``
    said changed file. Each file status reads is held against the manifest and the anchor,
    and the manifest against the trail."""
    import hashlib

    folder = tmp_path / "sample"
    shutil.copytree(one_run, folder)
    run = latest(folder)
    honest = status_row(folder)
    assert honest["status"] == "warnings" and honest["problem"] is None
    assert honest["checklist"] == "0/8" and honest["blocking"]["step"] == 1
    saved = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}

    def restore() -> None:
        for name, data in saved.items():
            (run / name).write_bytes(data)

    def findings_ok(data: dict[str, Any]) -> None:
        data.update(status="ok", findings=[], readiness={"steps_done": 8, "steps_total": 8})

    def checklist_done(data: list[dict[str, Any]]) -> None:
        for step in data:
            step["status"] = "done"

    cases: list[tuple[str, Any, str]] = [
        ("findings.json", findings_ok, "changed file: findings.json (its SHA-256 is not the manifest's)"),
        ("checklist.json", checklist_done, "changed file: checklist.json"),
        ("dispatcher-config.json", lambda d: d.update(ready=True), "dispatcher-config.json"),
        ("manifest.json", lambda d: d.update(final_hash="0" * 64), "the final hash"),
    ]  # fmt: skip
    for name, edit, why in cases:
        rewrite_json(run / name, edit)
        row = status_row(folder)
        assert row["status"] == "unreadable", (name, row)
        assert row["problem"].startswith(f"{run.name} does not verify: ") and why in row["problem"]
        assert row["errors"] is None and row["checklist"] is None and row["blocking"] is None
        verify = cli("audit", "verify", str(run))
        assert verify.returncode != 0, name
        restore()
    # the manifest edited to match the edited file: the anchor in the trail still tells
    rewrite_json(run / "findings.json", findings_ok)
    digest = hashlib.sha256((run / "findings.json").read_bytes()).hexdigest()
    manifest_entry(run, "findings.json", digest)
    row = status_row(folder)
    assert row["status"] == "unreadable" and "findings.json" in row["problem"], row
    assert "no longer matches the anchor" in row["problem"] or "output record" in row["problem"]
    restore()
    assert status_row(folder) == honest


def test_status_trusts_no_run_whose_anchor_was_rewritten_to_match_an_edited_file(
    one_run: Path, tmp_path: Path
) -> None:
    """An attacker's look: checklist.json edited to "done", its digest written into the
    anchor (the anchor's own hash recomputed) and into the manifest (with the trail's new
    digest). Status, and a new run's view of the run before, read only the trail's ends and
    the anchor, and showed 8/8 done where ``audit verify`` said NOT INTACT: the record
    after the anchor no longer follows it. The whole chain is checked now."""
    import hashlib

    from ngdpkit.run.audit import record_hash, verify_files
    from ngdpkit.run.neighbours import _finished_run

    folder = tmp_path / "sample"
    shutil.copytree(one_run, folder)
    run = latest(folder)
    assert not verify_files(run, ()).problems and _finished_run(run)
    rewrite_json(run / "checklist.json", lambda d: [s.update(status="done") for s in d])
    digest = hashlib.sha256((run / "checklist.json").read_bytes()).hexdigest()
    lines = (run / "audit.jsonl").read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines):
        if '"outputs_sealed"' in line:
            anchor = json.loads(line)
            anchor["files"]["checklist.json"] = digest
            anchor["hash"] = record_hash(anchor)
            lines[i] = json.dumps(anchor, sort_keys=True, ensure_ascii=False)
    (run / "audit.jsonl").write_text("\n".join(lines), encoding="utf-8")
    manifest_entry(run, "checklist.json", digest)
    trail = hashlib.sha256((run / "audit.jsonl").read_bytes()).hexdigest()
    manifest_entry(run, "audit.jsonl", trail)
    row = status_row(folder)
    assert row["status"] == "unreadable" and row["checklist"] is None, row
    assert "does not follow record" in row["problem"], row
    assert not _finished_run(run)
    assert cli("audit", "verify", str(run)).returncode == 1


def test_status_counts_steps_and_blocking_from_one_source(one_run: Path, monkeypatch: Any) -> None:
    """A row said 8/8 done yet showed a step holding it up: the counts came from
    findings.json's readiness and the step from checklist.json. One source now: the
    checklist, when the run has one."""
    import datetime as dt

    from ngdpkit.compare import status

    run = latest(one_run)
    findings = json.loads((run / "findings.json").read_text(encoding="utf-8"))
    monkeypatch.setattr(
        status.RunView,
        "load",
        classmethod(
            lambda cls, path, **kw: _view(path, findings, {"steps_done": 8, "steps_total": 8})
        ),
    )
    row = status.row_of(
        one_run / "migration.toml", "K", "test", run.parent, now=dt.datetime.now(dt.UTC)
    )
    assert row.blocking is not None and row.blocking.step == 1
    assert (row.checklist, row.steps_done, row.steps_total) == ("0/8", 0, 8)


def _view(path: Path, findings: dict[str, Any], readiness: dict[str, int]) -> Any:
    from ngdpkit.compare.runs import RunView, _readiness

    return RunView(
        path=path,
        environment="test",
        status=str(findings["status"]),
        findings=findings["findings"],
        manifest={},
        anchor="a" * 64,
        kit_version="x",
        readiness=_readiness(readiness),
    )


# --- 5. dashes and an environment word in front --------------------------------------------


def test_names_with_en_or_em_dashes_and_an_environment_word_in_front() -> None:
    from ngdpkit.compare.names import NameMatcher, normal_name

    assert normal_name("Teknik og Miljø – Eksempel Kommune (Test)") == normal_name(
        "Teknik og Miljø - Eksempel Kommune"
    )
    assert normal_name("Teknik og Miljø — Eksempel Kommune") == "teknik og miljø - eksempel kommune"
    for name in (
        "TEST - Borgerservice",
        "Test: Borgerservice",
        "test – Borgerservice",
        "Prod — Borgerservice",
        "Produktion:Borgerservice",
        "(Test) Borgerservice",
        "testmiljø - Borgerservice – prod",
    ):
        assert normal_name(name) == "borgerservice", name
    for kept in ("Testcenter - Borgerservice", "Prøvetest: Borgerservice", "Test", "Testing: x"):
        assert normal_name(kept) == kept.casefold(), kept
    matcher = NameMatcher.from_table({})
    assert matcher.test_key("Test: Teknik og Miljø – Eksempel Kommune") == matcher.production_key(
        "Teknik og Miljø - Eksempel Kommune"
    )


# --- 4 and 6. the [compare] pairings recorded; values in words on the page ---------------------


def typed_comparison(
    tmp_path: Path, table: str, language: str = "da"
) -> tuple[Any, dict[str, Any]]:
    """Two typed sides: "Skolen (test)" (citizens, visible) against "Skole og Dagtilbud"
    (companies and authorities, hidden), paired by ``table``; 18 mailboxes mapped in test
    only. Its findings are in ``language``, as a comparison's are in the settings'."""
    from ngdpkit.compare.compare import compare_sides
    from ngdpkit.compare.sides import Landing, PointFacts, Side
    from ngdpkit.settings import load_settings

    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "m.xlsx").write_bytes(b"x")
    toml = tmp_path / "migration.toml"
    toml.write_text(
        f'language = "{language}"\n'
        '[organisation]\nname = "K"\ncvr = "98765433"\n[inputs]\nmailboxes = "m.xlsx"\n'
        '[environments.test]\nprotocol = "REST_PULL"\nserver_ips = ["203.0.113.5"]\n'
        '[environments.production]\nprotocol = "REST_PULL"\nserver_ips = ["203.0.113.5"]\n'
        f"[compare]\ncontact_points = {table}\n",
        encoding="utf-8",
    )
    settings = load_settings(toml)

    def side(name: str, point: PointFacts, mailboxes: int) -> Side:
        return Side(
            name=name,
            kind=name,
            protocol="REST_PULL",
            server_ips=("203.0.113.5",),
            default_contact_point="",
            landings=tuple(
                Landing(f"01{i:05d}", "", f"Postkasse {i}", "Enhed", "mapped", "g", point.name)
                for i in range(mailboxes)
            ),
            contact_points=(point,),
            certificate=None,
            status="ok",
        )

    test = side("test", PointFacts("a", "Skolen (test)", ("CITIZEN",), True, True), 20)
    production = side(
        "production",
        PointFacts("b", "Skole og Dagtilbud", ("COMPANY", "AUTHORITY"), False, True),
        2,
    )
    return settings, compare_sides(settings, test, production)


def test_compare_records_the_pairings_and_warns_of_one_that_pairs_nothing(tmp_path: Path) -> None:
    """The [compare] contact_points pairings were recorded nowhere: compare.json and the page
    name them, and a pairing that names a contact point neither environment has is
    COMPARE_PAIRING_UNKNOWN (a warning)."""
    from ngdpkit.catalogue import TITLES
    from ngdpkit.compare.pages import render_comparison

    table = '{ "Skolen" = "Skole og Dagtilbud", "Skolne" = "Skole og Dagtilbud (prod)" }'
    _settings, result = typed_comparison(tmp_path, table)
    assert result["pairings"] == [
        {"test": "Skolen", "production": "Skole og Dagtilbud", "unknown": []},
        {"test": "Skolne", "production": "Skole og Dagtilbud (prod)", "unknown": ["Skolne"]},
    ]
    unknown = [f for f in result["findings"] if f["code"] == "COMPARE_PAIRING_UNKNOWN"]
    assert [(f["severity"], f["params"]["cp_name"]) for f in unknown] == [("warning", "'Skolne'")]
    assert "Skolne" in unknown[0]["message"] and "compare.contact_points" in (
        unknown[0]["source"] + unknown[0]["location"]
    )
    assert "COMPARE_MAPPING_DIFFERS" not in {f["code"] for f in result["findings"]}
    assert TITLES["COMPARE_PAIRING_UNKNOWN"]
    codes = (Path(__file__).parent.parent / "docs" / "findings.md").read_text(encoding="utf-8")
    assert "| `COMPARE_PAIRING_UNKNOWN` | warning |" in codes
    page = render_comparison(result, language="da", organisation="K", run_id="r", anchor="a")
    assert "Parret i indstillingerne" in page and "Skolne" in page
    assert "Skole og Dagtilbud (prod)" in page and "kendes ikke i nogen af miljøerne" in page
    _settings, result = typed_comparison(tmp_path / "en", table, "en")
    english = render_comparison(result, language="en", organisation="K", run_id="r", anchor="a")
    assert "Paired in the settings" in english and "a contact point in neither" in english


def test_the_compare_page_says_values_in_words_in_its_language(tmp_path: Path) -> None:
    """``målgrupper: ['CITIZEN'] (test) / ['COMPANY', 'AUTHORITY']``, ``synlig: True`` and
    "… and 13 more" on the Danish page."""
    from ngdpkit.compare.pages import render_comparison

    table = '{ "Skolen" = "Skole og Dagtilbud" }'
    _settings, result = typed_comparison(tmp_path, table)
    differs = [f for f in result["findings"] if f["code"] == "COMPARE_CONTACT_POINT_DIFFERS"]
    assert len(differs) == 2  # targets and visibility
    da = render_comparison(result, language="da", organisation="K", run_id="r", anchor="a")
    _settings, result = typed_comparison(tmp_path / "en", table, "en")
    en = render_comparison(result, language="en", organisation="K", run_id="r", anchor="a")
    for raw in ("[", "CITIZEN", "COMPANY", "True", "False", "None", "and 13 more"):
        assert raw not in da.split("<h2>Fund</h2>")[1].split("</section>")[0], raw
    assert "målgrupper: borgere i test; virksomheder, myndigheder i production" in da
    assert "synlig: ja i test; nej i production" in da
    assert "og 13 mere" in da
    assert "target groups: citizens in test; companies, authorities in production" in en
    assert "visible: yes in test; no in production" in en and "and 13 more" in en
    for raw in ("['", "True", "False"):
        assert raw not in en.split("<h2>Findings</h2>")[1].split("</section>")[0], raw


# --- 7. the overview's link to a comparison of older runs says so ------------------------------


def test_the_overview_says_when_the_newest_comparison_compared_older_runs(
    sample_run_all: dict[str, Any], tmp_path: Path
) -> None:
    """The overview linked "Seneste sammenligning af test og produktion" although that
    comparison compared older runs than the one being signed."""
    from ngdpkit.run.pages import comparison_link

    # the first run, of both environments: the session's run of the sample, copied
    sample_copy = copy_sample_run(sample_run_all, tmp_path / "sample")
    toml = sample_copy / "migration.toml"
    r = sample_run_all["result"]
    assert r.returncode in (0, 1), r.stdout + r.stderr
    compared = latest(sample_copy)
    r = cli("compare", "--settings", str(toml))
    assert r.returncode in (0, 1), r.stdout + r.stderr
    r = run_cli("run", "--settings", str(toml), "--env", "test")
    assert r.returncode in (0, 1), r.stdout + r.stderr
    signed = latest(sample_copy)
    assert signed != compared
    page = (signed / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "Seneste sammenligning af test og produktion" in page
    assert f"sammenligner en ældre kørsel, {compared.name}" in page  # no nested brackets
    runs = sample_copy / "runs"
    link = comparison_link(runs, compared)
    assert link is not None and link["note"] == "" and link["href"].startswith("../../../compare/")
    link = comparison_link(runs, signed)
    assert link is not None and (link["note"], link["run"]) == ("older", compared.name)
    other = runs / "production" / (runs / "production" / "LATEST").read_text().strip()
    assert comparison_link(runs, other)["note"] == ""  # type: ignore[index]
    # a customer's cold read: what the comparison found stood behind the link; its errors
    # and warnings are counted beside it, as compare.json holds them
    (folder,) = (runs / "compare").iterdir()
    found = json.loads((folder / "compare.json").read_text(encoding="utf-8"))["findings"]
    errors = sum(f["severity"] == "error" for f in found)
    warnings = sum(f["severity"] == "warning" for f in found)
    assert (link["errors"], link["warnings"]) == (str(errors), str(warnings))
    from ngdpkit.documents.signoff import comparison_outcome

    said = comparison_outcome(link, "da")
    assert said in html.unescape(page) and said.startswith(": ")
    assert comparison_outcome({"errors": "0", "warnings": "0"}, "da") == (
        ": ingen fejl eller advarsler"
    )
    assert comparison_outcome({"errors": "2", "warnings": "1"}, "da") == ": 2 fejl, 1 advarsel"


# --- 8. the no-run hint names the settings file as the user gave it ----------------------------


def test_the_no_run_hint_names_the_settings_file_as_given(sample_copy: Path) -> None:
    """``ngdpkit run --settings migration.toml …`` was printed whatever the user typed, a path
    relative to the settings folder that fails from anywhere else."""
    given = f"{sample_copy.name}/migration.toml"
    r = cli("compare", "--settings", given, cwd=sample_copy.parent)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"`ngdpkit run --settings {given} --env test`" in r.stderr
    spaced = sample_copy.parent / "my customer"
    sample_copy.rename(spaced)
    r = cli("compare", "--settings", str(spaced / "migration.toml"))
    assert f"`ngdpkit run --settings '{spaced / 'migration.toml'}' --env production`" in r.stderr


def test_diff_takes_latest_for_the_run_it_names(sample_run_copy: Path) -> None:
    """The consultant's cold run: ``diff runs/test/LATEST runs/test/<run>`` said "not a
    folder". ``LATEST`` names the last run; it is read as a name, never as a path."""
    runs = sample_run_copy / "runs" / "test"
    name = (runs / "LATEST").read_text().strip()
    r = cli("diff", str(runs / "LATEST"), str(runs / name))
    # (in the runs' language, Danish for the sample)
    assert r.returncode == 0 and "ingen ændringer" in r.stdout, r.stdout + r.stderr
    r = cli("audit", "verify", str(runs / "LATEST"))  # a false "NOT INTACT: record 1" before
    assert r.returncode == 0 and r.stdout.startswith("intact"), r.stdout
    (runs / "LATEST").write_text("../../../etc")
    r = cli("diff", str(runs / "LATEST"), str(runs / name))
    assert r.returncode == 2 and "LATEST" in r.stderr, r.stderr


def test_the_compare_page_shows_no_settings_names_or_kit_tokens(tmp_path: Path) -> None:
    """A signing customer's cold read of the comparison: "Parret i indstillingerne ([compare]
    contact_points)", and findings with "Kilde: compare" and "Placering: production /
    protocol / server_ips", the kit's own words. The pairings' heading says who paired them,
    and the comparison's findings (whose messages name both environments) show no source or
    location column; a run's findings still do."""
    from ngdpkit import findings as F
    from ngdpkit.compare.pages import render_comparison
    from ngdpkit.documents.display import findings_html

    table = '{ "Skolen" = "Skole og Dagtilbud" }'
    _settings, result = typed_comparison(tmp_path, table)
    assert result["findings"], "the comparison has findings to show"
    page = render_comparison(result, language="da", organisation="K", run_id="r", anchor="a")
    assert "[compare]" not in page and "contact_points" not in page
    assert "Parret i indstillingerne af konsulenten" in page
    assert "<th>Kilde</th>" not in page and "<th>Placering</th>" not in page
    one = [F.warning("IP_DUPLICATE", "{text}", "environments.test.server_ips", "x", text="1.2.3.4")]
    run_table = str(findings_html(one, language="da"))
    assert "<th>Kilde</th>" in run_table and "<th>Placering</th>" in run_table


def test_diff_of_a_rehearsal_folder_says_what_it_is(tmp_path: Path) -> None:
    """A consultant's cold run: ``diff <run> <rehearsal folder>`` said "findings.json is
    missing (not a finished ngdpkit run folder)". A folder holding ``acceptance.json`` is
    named as a rehearsal, in one line, exit 2."""
    rehearsal = tmp_path / "20261206T003153Z-rehearsal-283bba"
    rehearsal.mkdir()
    (rehearsal / "acceptance.json").write_text("{}", encoding="utf-8")
    r = cli("diff", str(rehearsal), str(rehearsal))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "a rehearsal (acceptance test) folder, not a run" in r.stderr, r.stderr


def test_the_compare_page_says_an_expired_certificate_and_danish_time(tmp_path: Path) -> None:
    """A signer's read of a comparison: "Dage til certifikatet udløber | -30" for the expired
    certificate of one environment, and "Dannet 07-12-2026 kl. 09:29" without saying it was
    Danish time beside a comparison named by its UTC start, as the overview says it."""
    from ngdpkit.compare.pages import render_comparison

    _settings, result = typed_comparison(tmp_path, "{}")
    result["certificate"] = {
        "test": {"cvr": "98765433", "days_left": -30, "not_after": ""},
        "production": {"cvr": "98765433", "days_left": 1094, "not_after": ""},
    }
    page = render_comparison(result, language="da", organisation="K", run_id="r", anchor="a")
    assert "udløbet for 30 dage siden" in page and ">-30<" not in page
    assert "1.094" in page
    assert re.search(r"[0-9]{2}-[0-9]{2}-[0-9]{4} kl\. [0-9]{2}:[0-9]{2} \(dansk tid\)", page)
    english = render_comparison(result, language="en", organisation="K", run_id="r", anchor="a")
    assert "expired 30 days ago" in english


def test_the_compare_page_says_a_certificate_that_ended_under_a_day_ago_expired(
    tmp_path: Path,
) -> None:
    """One whole-days count made a certificate that ended two hours before the comparison
    0 days left (it had said -1): "Dage til certifikatet udløber | 0", as one ending tonight.
    The comparison records whether it has ended, and the page says so."""
    import datetime as dt

    from ngdpkit.compare.pages import render_comparison
    from ngdpkit.compare.sides import SideCertificate

    end = dt.datetime(2027, 3, 1, 23, 30, tzinfo=dt.UTC)
    side = SideCertificate(not_after="2027-03-01T23:30:00Z")
    assert side.ended(end + dt.timedelta(hours=2)) and side.ended(end)
    assert not side.ended(end - dt.timedelta(seconds=1))
    assert not SideCertificate(not_after="no time").ended(end)
    assert SideCertificate(not_after="2027-03-01T23:30:00").ended(end)  # stored without a zone
    _settings, result = typed_comparison(tmp_path, "{}")
    assert {side["ended"] for side in result["certificate"].values()} == {False}  # none known
    result["certificate"] = {
        "test": {"cvr": "98765433", "days_left": 0, "ended": True, "not_after": ""},
        "production": {"cvr": "98765433", "days_left": 0, "ended": False, "not_after": ""},
    }
    page = render_comparison(result, language="da", organisation="K", run_id="r", anchor="a")
    assert page.count("udløbet for under en dag siden") == 1
    english = render_comparison(result, language="en", organisation="K", run_id="r", anchor="a")
    assert "expired less than a day ago" in english
