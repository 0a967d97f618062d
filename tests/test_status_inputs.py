"""``status`` says when the files the settings name are no longer what a row's latest run
read (compare's ``COMPARE_RUN_INPUTS_CHANGED``): a customer's row read as current for weeks
after a new export was put in place. Status looks at hundreds of customers, so an input of
the size the run read and last written before the run began is not hashed."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ngdpkit.compare.status import StatusRow, portfolio
from ngdpkit.compare.status_page import render_portfolio
from ngdpkit.run import neighbours
from tests.conftest import cli, copy_sample_run

EXPORT = "mailboxes.xlsx"


def row_of(sample: Path, environment: str = "test") -> StatusRow:
    rows = portfolio([sample / "migration.toml"]).rows
    return next(r for r in rows if r.environment == environment)


def run_started(sample: Path, environment: str = "test") -> dt.datetime:
    """The start of the environment's latest run, as its folder's name gives it."""
    latest = (sample / "runs" / environment / "LATEST").read_text(encoding="utf-8").strip()
    when = neighbours.stamp_of(latest)
    assert when is not None
    return when


def dated(path: Path, when: dt.datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the inputs status hashes (the trail's and manifest's checks aside)."""
    names: list[str] = []
    real = neighbours.sha256_now

    def counting(path: Path) -> str:
        names.append(path.name)
        return real(path)

    monkeypatch.setattr(neighbours, "sha256_now", counting)
    return names


def test_a_row_whose_export_was_edited_since_its_run_says_so(
    sample_run_copy: Path, tmp_path: Path
) -> None:
    sample = sample_run_copy
    assert row_of(sample).inputs_changed == ()  # as the run read it
    wb = openpyxl.load_workbook(sample / EXPORT)
    wb.active.cell(row=2, column=2).value = "Ny postkasse"
    wb.save(sample / EXPORT)
    row = row_of(sample)
    assert row.status != "unreadable" and row.inputs_changed == (EXPORT,)
    assert row_of(sample, "production").inputs_changed is None  # no run: not judged
    page = tmp_path / "status.html"
    r = cli("status", str(sample), "--json", "--html", str(page))
    assert r.returncode == 0, r.stderr
    listed = {x["environment"]: x for x in json.loads(r.stdout)["rows"]}
    assert listed["test"]["inputs_changed"] == [EXPORT]
    assert listed["production"]["inputs_changed"] is None
    html = page.read_text(encoding="utf-8")
    assert "ændret siden kørslen" in html and f"{EXPORT}: ikke længere det" in html
    assert "kør test igen" in html
    table = cli("status", str(sample)).stdout.splitlines()
    assert "changed since run" in table[1]
    test_row = next(line for line in table[2:] if " test " in line)
    assert f" {EXPORT} " in test_row, table
    assert "run that environment again" in table[-1]


def test_an_export_only_touched_is_hashed_and_not_named(
    sample_run_copy: Path, hashed: list[str]
) -> None:
    """Saved again with the same bytes (a newer time): hashed, found the same."""
    sample = sample_run_copy
    later = run_started(sample) + dt.timedelta(hours=1)
    dated(sample / EXPORT, later)
    row = row_of(sample)
    assert row.inputs_changed == ()
    assert EXPORT in hashed


def test_an_export_of_its_size_written_before_the_run_is_not_hashed(
    sample_run_copy: Path, hashed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The size the run read and a time before the run began: taken as read, never hashed
    (200 customers' exports at each listing); an input written since is still hashed."""
    # the files as if they had lain there since before the run: the test's copy of the
    # sample is made after it, and no test can set a ctime back (see the test below)
    monkeypatch.setattr(neighbours, "last_written", lambda st: st.st_mtime)
    sample = sample_run_copy
    earlier = run_started(sample) - dt.timedelta(hours=1)
    for name in (EXPORT, "contact-points-test.xlsx", "mapping-test.xlsx", "certs/test.p12"):
        dated(sample / name, earlier)
    dated(sample / "mapping-test.xlsx", run_started(sample) + dt.timedelta(hours=1))
    row = row_of(sample)
    assert row.inputs_changed == ()
    assert EXPORT not in hashed and "contact-points-test.xlsx" not in hashed
    assert "mapping-test.xlsx" in hashed
    # written within minutes before the run began (a file server's clock behind the
    # laptop's): hashed, not taken on its time
    hashed.clear()
    dated(sample / EXPORT, run_started(sample) - dt.timedelta(minutes=2))
    assert row_of(sample).inputs_changed == () and EXPORT in hashed
    # another size, whatever its time: hashed, and named
    hashed.clear()
    with (sample / EXPORT).open("ab") as fh:
        fh.write(b"\0")
    dated(sample / EXPORT, earlier)
    assert row_of(sample).inputs_changed == (EXPORT,) and EXPORT in hashed


def test_an_input_of_its_size_put_back_with_an_older_time_is_named(
    sample_run_copy: Path, hashed: list[str]
) -> None:
    """Another mapping file of the same size, given a time before the run as ``touch -d``,
    ``cp -p``, robocopy, Explorer's copy or an unzip give it: its ctime is the time it was
    put in place, so it is hashed and named, as compare names it (status said nothing)."""
    sample = sample_run_copy
    mapping = sample / "mapping-test.xlsx"
    data = bytearray(mapping.read_bytes())
    data[-30] ^= 1  # one byte else: the same size
    mapping.write_bytes(bytes(data))
    dated(mapping, run_started(sample) - dt.timedelta(days=1))
    row = row_of(sample)
    assert row.inputs_changed == ("mapping-test.xlsx",)
    assert "mapping-test.xlsx" in hashed
    # the last time a file may have changed is its ctime when that is the later
    st = mapping.stat()
    assert neighbours.last_written(st) == max(st.st_mtime, st.st_ctime) > st.st_mtime


def test_a_run_dated_ahead_takes_no_input_on_its_time(tmp_path: Path) -> None:
    """The time inputs are held to is the earliest of the trail's start, the folder's name
    and now, less the clock's margin: a folder and trail dated next year take no file
    written today on its time."""
    now = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    ahead = tmp_path / "20270301T120000Z-abcdef"
    ahead.mkdir()
    record = {"event": "run_started", "at": "2027-03-01T12:00:00.5Z", "run_id": ahead.name}
    (ahead / "audit.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert neighbours.written_before_of(ahead, now=now) == now - neighbours.SKEW
    earlier = tmp_path / "20260201T120000Z-abcdef"
    earlier.mkdir()
    record = {"event": "run_started", "at": "2026-02-01T11:59:59.5Z", "run_id": earlier.name}
    (earlier / "audit.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    started = dt.datetime(2026, 2, 1, 11, 59, 59, 500000, tzinfo=dt.UTC)
    assert neighbours.written_before_of(earlier, now=now) == started - neighbours.SKEW
    assert neighbours.written_before_of(tmp_path, now=now) is None  # no time to go by


def test_settings_edited_for_the_other_environment_only_do_not_mark_this_one(
    sample_run_all: dict[str, Any], tmp_path: Path
) -> None:
    sample = copy_sample_run(sample_run_all, tmp_path / "sample")
    toml = sample / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    edited = text.replace(
        'system_name = "WorkZone - Eksempel Kommune"',
        'system_name = "WorkZone produktion - Eksempel Kommune"',
    )
    assert edited != text
    toml.write_text(edited, encoding="utf-8")
    assert row_of(sample, "test").inputs_changed == ()
    assert row_of(sample, "production").inputs_changed == ("migration.toml",)


def test_settings_that_no_longer_load_leave_the_row_unjudged(sample_run_copy: Path) -> None:
    """A settings file whose export is gone no longer loads (``check`` says why): the row is
    listed as before, its inputs not judged, never a crash."""
    sample = sample_run_copy
    (sample / EXPORT).unlink()
    row = row_of(sample)
    assert row.run is not None and row.inputs_changed is None


def test_the_page_names_the_changed_inputs_in_both_languages() -> None:
    from ngdpkit.compare.status import Portfolio

    row = StatusRow(
        "kunder/a/migration.toml",
        "A Kommune",
        "production",
        "ok",
        errors=0,
        warnings=0,
        run="20250304T050607Z-abcdef",
        run_date="2025-03-04T05:06:07+01:00",
        anchor="a" * 64,
        inputs_changed=("migration.toml", "<b>export.xlsx"),
    )
    listing = Portfolio(
        "ngdpkit/status/2", "2025-03-04T05:06:07+01:00", "Europe/Copenhagen", (row,)
    )
    da = render_portfolio(listing, language="da")
    en = render_portfolio(listing, language="en")
    assert "ændret siden kørslen" in da and "kør production igen" in da
    assert "changed since the run" in en and "run production again" in en
    assert "migration.toml, &lt;b&gt;export.xlsx" in da and "<b>export" not in en
    unchanged = render_portfolio(
        Portfolio("s", "2025-03-04T05:06:07+01:00", "UTC", (StatusRow("s", "A", "test", "ok"),)),
        language="da",
    )
    assert "ændret siden kørslen" not in unchanged


def test_the_status_table_says_what_changed_counts_and_the_command_to_run_again(
    sample_run_copy: Path,
) -> None:
    """A consultant's read of ``migration.toml +1``: a line added to the settings? And the
    footer said "run that environment again" without the command. The cell says "+1 more"
    (files), and the footer ends on the command, quoted as init's ``next:``."""
    import shlex

    sample = sample_run_copy
    settings = sample / "migration.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + "# ændret\n", encoding="utf-8")
    wb = openpyxl.load_workbook(sample / EXPORT)
    wb.active.cell(row=2, column=2).value = "Ny postkasse"
    wb.save(sample / EXPORT)
    assert len(row_of(sample).inputs_changed or ()) == 2
    table = cli("status", str(sample), cwd=sample.parent).stdout.splitlines()
    test_row = next(line for line in table[2:] if " test " in line)
    assert " migration.toml +1 more " in test_row, table
    command = "ngdpkit run --settings sample/migration.toml --env test"
    assert table[-1].endswith(f"run that environment again: {command}"), table
    assert '"+N more": N more files changed' in table[-1]
    assert shlex.split(command)[3] == "sample/migration.toml"


def test_the_status_footer_lists_a_command_for_each_settings_file_to_run_again(
    sample_run: dict[str, Any], tmp_path: Path
) -> None:
    """Two customers with new exports: one command each above the footer."""
    first = copy_sample_run(sample_run, tmp_path / "sample")
    other = copy_sample_run(sample_run, tmp_path / "anden kunde")
    for sample in (first, other):
        wb = openpyxl.load_workbook(sample / EXPORT)
        wb.active.cell(row=2, column=2).value = "Ny postkasse"
        wb.save(sample / EXPORT)
    table = cli("status", str(first), str(other), cwd=tmp_path).stdout.splitlines()
    assert table[-1].endswith("run that environment again (the commands above)"), table
    assert sorted(table[-3:-1]) == [
        '  ngdpkit run --settings "anden kunde/migration.toml" --env test',
        "  ngdpkit run --settings sample/migration.toml --env test",
    ], table


def test_a_row_whose_inputs_changed_is_listed_before_current_rows_alike_everywhere(
    sample_run: dict[str, Any], tmp_path: Path
) -> None:
    """Worst first: a row of files no longer there ranked as a current row of its status, so
    the customer whose new export was in place sorted below the others (its settings path
    sorts last). It ranks no better than a row without a run, and before those of its rank;
    the console, ``--json`` and ``--html`` list the rows in the one order."""
    current = copy_sample_run(sample_run, tmp_path / "a kunde")
    stale = copy_sample_run(sample_run, tmp_path / "b kunde")
    wb = openpyxl.load_workbook(stale / EXPORT)
    wb.active.cell(row=2, column=2).value = "Ny postkasse"
    wb.save(stale / EXPORT)
    rows = portfolio([current, stale]).rows
    order = [(Path(r.settings).parent.name, r.environment) for r in rows]
    assert order[0] == ("b kunde", "test"), order
    assert rows[0].inputs_changed == (EXPORT,) and rows[0].status in ("ok", "warnings")
    assert order.index(("b kunde", "test")) < order.index(("a kunde", "test"))
    no_runs = [i for i, r in enumerate(rows) if r.status == "no run"]
    assert no_runs and min(no_runs) > 0  # before the rows without a run
    page = tmp_path / "status.html"
    r = cli("status", str(current), str(stale), "--json", "--html", str(page), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    listed = [
        (Path(x["settings"]).parent.name, x["environment"]) for x in json.loads(r.stdout)["rows"]
    ]
    assert listed == order
    table = cli("status", str(current), str(stale), cwd=tmp_path).stdout.splitlines()
    shown = [line for line in table[2:] if "migration.toml" in line and not line.startswith(" ")]
    assert " test " in shown[0] and "b kunde" in shown[0] and EXPORT in shown[0], table
    html = page.read_text(encoding="utf-8")
    assert html.index("b kunde") < html.index("a kunde")


def test_a_same_size_export_copied_over_on_windows_is_hashed_and_named(
    sample_run_copy: Path, hashed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows, where the ctime is the time a file was made: an export of the same size
    copied over the old one (Explorer, ``Copy-Item``, robocopy) keeps the old file's
    creation time and carries the source's older mtime, and status took it as the one the
    run read. There the change time the file system keeps decides, and a file whose change
    time cannot be read (here: no NTFS) is hashed; the POSIX ctime still spares the rest."""
    sample = sample_run_copy
    # the platform as Windows gives it: no change time in the stat, times from before the run
    monkeypatch.setattr(neighbours, "CTIME_IS_CHANGE", False, raising=False)
    monkeypatch.setattr(neighbours, "last_written", lambda st: st.st_mtime)
    export = sample / EXPORT
    data = bytearray(export.read_bytes())
    data[-30] ^= 1  # one byte else: the same size
    export.write_bytes(bytes(data))
    dated(export, run_started(sample) - dt.timedelta(days=1))
    assert row_of(sample).inputs_changed == (EXPORT,)
    assert EXPORT in hashed
    assert neighbours.windows_change_time(export) is None  # no Windows here


def test_another_environments_certificate_edited_marks_this_row_too(
    sample_run_all: dict[str, Any], tmp_path: Path
) -> None:
    """Test's run reads every environment's certificate (``CERT_REUSED_ACROSS_ENVIRONMENTS``,
    an error that withholds the dispatcher's values): production's table pointed at test's
    certificate was judged another environment's change only, and test's row read current
    where a run of it now stops on the reuse. Another key of production's table still is
    production's alone."""
    sample = copy_sample_run(sample_run_all, tmp_path / "sample")
    toml = sample / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        text.replace('certificate = "certs/production.p12"', 'certificate = "certs/test.p12"'),
        encoding="utf-8",
    )
    assert row_of(sample, "test").inputs_changed == ("migration.toml",)
    assert (row_of(sample, "production").inputs_changed or ())[0] == "migration.toml"
    r = cli("compare", "--settings", str(toml), "--json")
    assert json.loads(r.stdout)["inputs_changed"]["test"] == ["migration.toml"], r.stdout
    toml.write_text(text.replace('"203.0.113.21"]', '"203.0.113.22"]'), encoding="utf-8")
    assert row_of(sample, "test").inputs_changed == ()


def test_with_signing_every_environments_name_and_kind_concern_each(sample_copy: Path) -> None:
    """The seal password is held against every environment's name and kind (the seal seals
    each environment's run): with ``[signing]`` an environment added, or another's kind,
    concerns each run; without it, an environment added without a certificate concerns only
    itself."""
    from ngdpkit.settings import load_settings

    toml = sample_copy / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    staging = '\n[environments.staging]\nkind = "test"\nprotocol = "REST_PULL"\nserver_ips = []\n'
    signing = '\n[signing]\ncertificate = "certs/test.p12"\n'

    def test_sha256(new: str) -> str:
        toml.write_text(new, encoding="utf-8")
        return load_settings(toml).environment_sha256("test")

    plain, sealed = test_sha256(text), test_sha256(text + signing)
    assert test_sha256(text + staging) == plain
    assert test_sha256(text + signing + staging) != sealed


def test_a_folder_name_with_a_line_break_prints_no_line_of_its_own(
    sample_run: dict[str, Any], tmp_path: Path
) -> None:
    """An attacker's look at ``status`` over a customers folder: a folder whose name held a
    line break printed its row in two lines, the second a row of the folder's choosing (a
    forged "ok 8/8"). Such a settings file is one run and check refuse: its row says why,
    without the path, and the path shows each such character as U+FFFD on one line."""
    forged = "Søby Kommune    production   ok   0   0 yes    8/8"
    customers = tmp_path / "kunder"
    customers.mkdir()
    copy_sample_run(sample_run, customers / f"a\n{forged}\rx")
    r = cli("status", str(customers), cwd=tmp_path)
    lines = r.stdout.splitlines()
    assert not any(line.startswith(forged) for line in lines), lines
    rows = [line for line in lines[2:] if "migration.toml" in line]
    assert len(rows) == len(lines) - 2 == 1, lines
    assert " unreadable " in rows[0] and "holds character U+000A" in rows[0], rows
    assert f"a\ufffd{forged}\ufffdx/migration.toml" in rows[0], rows
    listing = json.loads(cli("status", str(customers), "--json").stdout)
    assert [row["status"] for row in listing["rows"]] == ["unreadable"]


def test_a_link_not_followed_whose_name_holds_a_line_break_is_said_on_one_line(
    sample_copy: Path, tmp_path: Path
) -> None:
    """The folders ``status`` does not follow are said on stderr, one line each: a link
    named with a line break printed a second line of its own choosing ("ngdpkit: …")."""
    forged = "ngdpkit: every customer verified"
    (sample_copy / f"loop\n{forged}").symlink_to("..")
    r = cli("status", str(sample_copy))
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert not any(line.startswith(forged) for line in lines), lines
    assert lines == [
        f"ngdpkit: {sample_copy}/loop\ufffd{forged}: a link back to {tmp_path.resolve()}, a "
        "folder above it (a cycle): not followed"
    ], lines


def written_anew(run_dir: Path, name: str, data: bytes) -> None:
    """``name`` of the run folder holding ``data``, its trail and manifest written anew to
    match, as whoever can write the folder can (``audit verify`` says intact)."""
    import hashlib

    from tests.test_hostile import rewrite_chain

    (run_dir / name).write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()

    def change(rec: dict[str, Any]) -> None:
        if rec.get("path") == name and "sha256" in rec:
            rec["sha256"], rec["size"] = sha, len(data)
        if name in (rec.get("files") or {}):
            rec["files"][name] = sha

    rewrite_chain(run_dir, lambda rec: True, change)
    assert cli("audit", "verify", str(run_dir)).returncode == 0


def test_a_run_folder_written_anew_prints_no_line_of_its_own(sample_run_copy: Path) -> None:
    """Whoever can write the runs folder can write a run whose trail chains anew: a
    checklist step's status "x" and a line break printed a forged row under the real one.
    Every cell of the status table is one line."""
    forged = "Søby Kommune    production   ok   0   0 yes    8/8"
    run_dir = next((sample_run_copy / "runs" / "test").glob("2*"))
    steps = json.loads((run_dir / "checklist.json").read_text(encoding="utf-8"))
    steps[0]["status"] = f"x\n{forged}"
    written_anew(run_dir, "checklist.json", json.dumps(steps, ensure_ascii=False).encode())
    lines = cli("status", str(sample_run_copy)).stdout.splitlines()
    assert not any(line.startswith("Søby Kommune") for line in lines), lines
    assert len(lines) == 4, lines  # the zone, the headers, production, test
    assert "step 1 x Søby Kommune" in next(line for line in lines if " test " in line)


def test_diff_of_a_run_folder_written_anew_prints_no_line_of_its_own(
    sample_run: dict[str, Any], sample_run_copy: Path
) -> None:
    """The same for ``diff``: a finding's value "prod" and a line break printed a change of
    the writer's choosing ("  + FORGED_CODE …") below the real one."""
    run_dir = next((sample_run_copy / "runs" / "test").glob("2*"))
    data = json.loads((run_dir / "findings.json").read_text(encoding="utf-8"))
    first = data["findings"][0]
    first["code"], first["params"] = "CERT_X_FORGED", dict.fromkeys(first["params"], "p")
    first["params"][next(iter(first["params"]))] = "prod\n  + FORGED_CODE  forged"
    written_anew(run_dir, "findings.json", json.dumps(data, ensure_ascii=False).encode())
    r = cli("diff", str(run_dir), str(sample_run["run_dir"]))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert not any(line.startswith("  + FORGED_CODE") for line in lines), lines
    assert any("CERT_X_FORGED" in line and "prod + FORGED_CODE forged" in line for line in lines)


def test_a_password_named_as_the_organisation_is_hidden_in_status(
    sample_copy: Path, tmp_path: Path
) -> None:
    """status reads no secret, yet shows the organisation's name: a certificate password
    given as that name (which a run warns of and its scan hides) stood whole in status.html,
    status --json and the table."""
    from ngdpkit import redact

    settings = sample_copy / "migration.toml"
    secrets = dict(
        line.split("=", 1)
        for line in (sample_copy / "sample.env").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    password = secrets["NGDPKIT_TEST_CERT_PASSWORD"].strip('"')
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace('name = "Eksempel Kommune (fiktiv)"', f'name = "Kommune {password}"'),
        encoding="utf-8",
    )
    page = tmp_path / "status.html"
    redact.forget_all()
    try:
        said = [cli("status", str(sample_copy), *extra) for extra in ([], ["--json"])]
        said.append(cli("status", str(sample_copy), "--html", str(page)))
    finally:
        redact.forget_all()
    for result in said:
        assert result.returncode == 0, result.stderr
        assert password not in result.stdout + result.stderr
        assert "Kommune" in result.stdout or not result.stdout
    assert password not in page.read_text(encoding="utf-8")
    assert "Kommune [hidden: NGDPKIT_TEST_CERT_PASSWORD]" in page.read_text(encoding="utf-8")


def test_a_password_named_as_an_environment_is_hidden_beside_another_customer(
    sample_dir: Path, tmp_path: Path
) -> None:
    """status of a folder of customers: each secrets file names the same variables, so the
    registry held only the last customer's values when the page, the table and --json were
    written, and the first customer's password, given as an environment's name, stood whole
    in all three."""
    import shutil

    from ngdpkit import redact

    folder = tmp_path / "customers"
    for name in ("a", "b"):
        shutil.copytree(sample_dir, folder / name, ignore=shutil.ignore_patterns("runs"))
    password = "Aa1-first-customers-own-password"
    env_file = folder / "a" / "sample.env"
    text = env_file.read_text(encoding="utf-8")
    old = next(x for x in text.splitlines() if x.startswith("NGDPKIT_TEST_CERT_PASSWORD="))
    env_file.write_text(
        text.replace(old, f'NGDPKIT_TEST_CERT_PASSWORD="{password}"'), encoding="utf-8"
    )
    settings = folder / "a" / "migration.toml"
    toml = settings.read_text(encoding="utf-8")
    settings.write_text(
        toml.replace("[environments.test]", f'[environments."{password}"]'), encoding="utf-8"
    )
    page = tmp_path / "status.html"
    redact.forget_all()
    try:
        said = [cli("status", str(folder), *extra) for extra in ([], ["--json"])]
        said.append(cli("status", str(folder), "--html", str(page)))
    finally:
        redact.forget_all()
    for result in said:
        assert password not in result.stdout + result.stderr
        assert "[hidden: NGDPKIT_TEST_CERT_PASSWORD]" in result.stdout or not result.stdout
    assert password not in page.read_text(encoding="utf-8")


def test_a_secrets_file_key_never_writes_markup_into_status_html(
    sample_copy: Path, tmp_path: Path
) -> None:
    """status registered every value of each customer's secrets file and hid them in the
    page once it was made, under the key's name: a key that is markup, its value a word of
    the page, put a script into status.html (a hostile third look at a customer folder), and
    any other line of the file (``NOTE=Organisation``) hid a column's heading. status now
    registers only the variables the settings name, as a run reads them, and a marker's name
    keeps no markup wherever it comes from."""
    from ngdpkit import redact

    env_file = sample_copy / "sample.env"
    with env_file.open("a", encoding="utf-8") as fh:
        fh.write("<script>alert(document.domain)</script>=Organisation\nNOTE=Organisation\n")
    page = tmp_path / "status.html"
    redact.forget_all()
    try:
        result = cli("status", str(sample_copy), "--html", str(page))
        redact.register("<script>alert(1)</script>", "a-secret-value-123")
        marker = redact.redact("a-secret-value-123")
    finally:
        redact.forget_all()
    assert result.returncode == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    assert "<script>" not in html and "[hidden:" not in html
    assert ">Organisation<" in html
    assert marker == "[hidden: _script_alert(1)__script_]"
