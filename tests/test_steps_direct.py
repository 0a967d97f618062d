"""The step modules called directly, as a notebook calls them, without a kernel (issue 30):
``pipeline`` (what ``check`` runs), ``deliver``'s contexts, ``ngdp_read``'s refusals and
step 01. Whole notebook runs are in test_run.py."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest
from markupsafe import Markup

from ngdpkit.settings import load_settings
from ngdpkit.steps import STEP_NAMES
from ngdpkit.steps.core import Step
from ngdpkit.steps.deliver import OutputContext, PageContext
from ngdpkit.steps.n01_mailboxes import load_mailboxes
from ngdpkit.steps.ngdp_read import client_identity, compare_registration, observe, open_reader
from ngdpkit.steps.pipeline import RUNNERS, run_all


def _step(sample: Path, name: str, *, online: bool = False, env: str = "test") -> Step:
    settings = load_settings(sample / "migration.toml")
    return Step(name, settings, settings.environment(env), None, online, quiet=True)


def test_check_runs_every_step_in_order_and_writes_nothing(sample_copy: Path) -> None:
    before = sorted(p.relative_to(sample_copy) for p in sample_copy.rglob("*"))
    settings = load_settings(sample_copy / "migration.toml")
    steps = run_all(settings, "test")
    assert [s.name for s in steps] == list(STEP_NAMES[:5]) == list(RUNNERS)
    assert steps[0].record.count > 0  # the mailboxes read
    assert steps[1].previous(type(steps[0].record)) is steps[0].record  # shared, not read again
    assert not [f.code for s in steps for f in s.findings if f.severity == "error"]  # the sample
    assert sorted(p.relative_to(sample_copy) for p in sample_copy.rglob("*")) == before


def test_step_01_reads_the_export_and_records_it_as_an_input(sample_copy: Path) -> None:
    step = _step(sample_copy, "01_mailboxes")
    export = load_mailboxes(step)
    rec = step.record
    assert rec.count == len(export) > 0
    assert rec.source.endswith("mailboxes.xlsx") and rec.sheet
    assert rec.mailboxes is export.frame
    assert [e["path"] for e in step.inputs_read] == ["mailboxes.xlsx"]
    assert len(step.inputs_read[0]["sha256"]) == 64


def test_a_step_that_cannot_read_the_export_says_so(sample_copy: Path) -> None:
    from ngdpkit.errors import InputError

    (sample_copy / "mailboxes.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(InputError, match="mailboxes.xlsx"):
        load_mailboxes(_step(sample_copy, "01_mailboxes"))


def test_offline_nothing_is_read_from_ngdp(sample_copy: Path) -> None:
    step = _step(sample_copy, "02_contact_points", online=False)
    assert observe(step) is None
    assert step.findings == []
    later = _step(sample_copy, "04_system_and_network", online=False)
    assert compare_registration(later) == []  # nothing observed: nothing to compare


def _reader_refusal(step: Step) -> str:
    with open_reader(step) as reader:
        assert reader is None
    (finding,) = [f for f in step.findings if f.code == "NGDP_NOT_READ"]
    return str(finding.params["reason"])


def test_ngdp_is_read_only_over_https(sample_copy: Path) -> None:
    toml = sample_copy / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        text.replace(
            'protocol = "REST_PULL"',
            'protocol = "REST_PULL"\nngdp_api_url = "http://127.0.0.1:9/apis"',
            1,
        ),
        encoding="utf-8",
    )
    assert _reader_refusal(_step(sample_copy, "02_contact_points", online=True)) == (
        "ngdp_api_url is not https"
    )


def test_without_the_private_key_ngdp_is_not_read(sample_copy: Path) -> None:
    """A consultant's laptop without the production key: a finding, never a request."""
    (sample_copy / "sample.env").write_text("", encoding="utf-8")  # no password
    step = _step(sample_copy, "02_contact_points", online=True)
    assert client_identity(step) is None
    assert "private key" in _reader_refusal(step)


def test_a_certificate_without_its_key_is_no_identity(sample_copy: Path) -> None:
    certs = sample_copy / "certs"
    pems = sorted(certs.glob("*.pem"))
    assert pems
    shutil.copy(pems[0], certs / "public.cer")
    toml = sample_copy / "migration.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("certs/test.p12", "certs/public.cer", 1),
        encoding="utf-8",
    )
    assert client_identity(_step(sample_copy, "02_contact_points", online=True)) is None


def test_the_contexts_a_step_delivers_with(tmp_path: Path) -> None:
    ctx = OutputContext(run_dir=tmp_path, language="da")
    assert ctx.mapping_files() == [] and ctx.dispatcher is None and ctx.system_id == ""
    page = PageContext(
        language="da", nav=Markup("<nav></nav>"), banners=["b"], environment="test", anchor="a1"
    )
    common = page.common()
    assert common["language"] == "da" and common["anchor"] == "a1"
    assert common["banners"] == ["b"] and common["nav"] == Markup("<nav></nav>")
    assert page.prepared == {} and page.withheld_by == ()


def _step_02(sample: Path) -> tuple[Step, object]:
    from ngdpkit.steps.n02_contact_points import (
        load_contact_points,
        load_mapping_file,
        mailboxes_from_step,
        map_mailboxes,
    )

    step = _step(sample, "02_contact_points")
    mapping = map_mailboxes(
        step, mailboxes_from_step(step), load_contact_points(step), load_mapping_file(step)
    )
    return step, mapping


def test_step_02_maps_every_mailbox_and_counts_by_status(sample_copy: Path) -> None:
    from ngdpkit.steps.n02_contact_points import show_mapping_by_unit, show_plan, show_unmapped

    step, mapping = _step_02(sample_copy)
    rec = step.record
    assert rec.contact_points_source == "file" and rec.contact_points
    assert all(p.id and p.name for p in rec.contact_points)
    assert len(rec.mapping) == step.previous(type(step.earlier("01_mailboxes").record)).count
    assert sum(rec.counts.values()) == len(rec.mapping)
    assert rec.counts == dict(rec.mapping["status"].value_counts())
    assert not rec.plan  # contact points known: no plan to propose
    assert [e["path"] for e in step.inputs_read] == [
        "contact-points-test.xlsx",
        "mapping-test.xlsx",
    ]
    for html in (show_unmapped(mapping), show_mapping_by_unit(mapping), show_plan(step)):
        assert "<script" not in str(html).lower()


def test_without_contact_points_step_02_proposes_a_plan(sample_copy: Path) -> None:
    toml = sample_copy / "migration.toml"
    text = toml.read_text(encoding="utf-8").replace(
        'contact_points = "contact-points-test.xlsx"\n', "", 1
    )
    toml.write_text(text, encoding="utf-8")
    step, _ = _step_02(sample_copy)
    assert step.record.contact_points is None
    assert step.record.plan  # one proposed contact point per unit
    assert any(f.code == "PENDING_CONTACT_POINTS" for f in step.findings)


def test_a_frozen_step_record_changes_only_through_set(sample_copy: Path) -> None:
    step, _ = _step_02(sample_copy)
    with pytest.raises((AttributeError, TypeError)):
        step.record.contact_points_source = "ngdp"  # type: ignore[misc]
    before = step.record
    step.set(contact_points_source="ngdp")
    assert step.record.contact_points_source == "ngdp" and before.contact_points_source == "file"
    assert step.record.mapping is before.mapping  # the rest carried over, not copied


def test_step_05_builds_the_dispatcher_from_the_earlier_steps(sample_copy: Path) -> None:
    import json

    from ngdpkit.steps.n05_dispatcher_config import (
        dispatcher_config,
        outputs,
        pages,
        show_dispatcher,
    )

    step = _step(sample_copy, "05_dispatcher_config")
    config = dispatcher_config(step)  # steps 01-04 computed in-process, as check does
    assert config is not None and step.record.dispatcher is config
    assert config.to_json()["parameters"]["ContactPointGuid"].lower() == (
        step.env.default_contact_point.lower()
    )
    shown = str(show_dispatcher(step, config))
    assert "ContactPointGuid" in shown
    run_dir = sample_copy / "out"
    run_dir.mkdir()
    assert outputs(step.record, OutputContext(run_dir=run_dir, language="da")) == []  # withheld
    (written,) = outputs(
        step.record, OutputContext(run_dir=run_dir, language="da", dispatcher=config)
    )
    assert json.loads(written.read_text(encoding="utf-8")) == config.to_json()
    page = PageContext(
        language="da", nav=Markup(""), banners=[], environment="test", anchor="a", dispatcher=None
    )
    html = pages(step.record, dataclasses.replace(page, withheld_by=("SECRET_LEAK",)))
    assert "SECRET_LEAK" in html["dispatcher.html"]
    secret = dict(
        line.split("=", 1)
        for line in (sample_copy / "sample.env").read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.startswith("#")
    )["NGDPKIT_TEST_AUTHORIZATION"]
    assert secret and secret not in html["dispatcher.html"]
    assert secret not in written.read_text(encoding="utf-8") and secret not in shown


def test_step_06_shows_an_acceptance_record_and_refuses_a_damaged_one(sample_copy: Path) -> None:
    from ngdpkit.errors import InputError
    from ngdpkit.steps.n06_rehearsal import show_acceptance

    step = _step(sample_copy, "02_contact_points")
    acceptance = {
        "schema": "ngdpkit/acceptance/1",
        "environment": "test",
        "against": "simulator",
        "status": "ok",
        "memo_uuid": "m-1",
        "reply_uuid": None,
        "steps": [{"name": "send_memo", "status": "ok", "duration_s": 0.25, "detail": "<b>x</b>"}],
        "findings": [],
    }
    try:
        html = str(show_acceptance(step, acceptance))
    except InputError as exc:  # the record's own required fields, named in one line
        pytest.fail(f"the test's acceptance record does not read: {exc}")
    # the sample's step speaks Danish: its duration in Danish (the table said "0.25 s")
    assert step.language == "da"
    assert "m-1" in html and "0,25 s" in html and "<b>x</b>" not in html
    with pytest.raises(InputError, match="acceptance.json") as info:
        show_acceptance(step, {"environment": "test", "steps": "not a list"})
    assert "\n" not in str(info.value)


def test_step_05_that_withholds_the_dispatcher_says_blocked_not_ok(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A consultant's session in front of the customer: with a wrong certificate password,
    step 05's page showed the banner that withholds the dispatcher and, beneath it, "Status:
    ok · 0 fund", while the overview's row for the step said "blokeret"."""
    from ngdpkit.steps.core import finish_step

    monkeypatch.setenv("NGDPKIT_TEST_CERT_PASSWORD", "not-the-password")
    settings = load_settings(sample_copy / "migration.toml")
    steps = run_all(settings, "test")
    five = steps[4]
    assert five.name == "05_dispatcher_config" and five.record.withheld_by
    assert not [f for f in five.findings if f.severity == "error"]  # none of its own
    html = re.sub(r"<[^>]+>", "", finish_step(five).html)
    assert "blokeret · 0 fund" in html and "ok · 0 fund" not in html
    assert "ret fundene" in html
    monkeypatch.undo()  # the sample's own password: the same step is ok
    ready = run_all(load_settings(sample_copy / "migration.toml"), "test")[4]
    assert "ok · 0 fund" in re.sub(r"<[^>]+>", "", finish_step(ready).html)


def test_step_05_held_back_says_which_findings_to_fix_and_blocked_beside_a_warning(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Danish proofreader's pass over the page above: "Fund: ingen", then "Status:
    blokeret · 0 fund" and "Næste: ret fundene": which findings, on a page that has none?
    Those that block the dispatcher, named in the banner above (another step's). And with a
    go-live warning of its own, the page said "advarsler · 1 fund" under the banner, where
    the overview's row said "blokeret"."""
    from ngdpkit.steps.core import _next_key, finish_step

    settings_file = sample_copy / "migration.toml"
    text = settings_file.read_text(encoding="utf-8")
    settings_file.write_text(
        text + "\n[golive]\neboks_disable = 2027-03-02\nngdp_enable = 2027-03-01\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("NGDPKIT_TEST_CERT_PASSWORD", "not-the-password")
    five = run_all(load_settings(settings_file), "test")[4]
    assert five.record.withheld_by
    assert [f.code for f in five.findings] == ["GOLIVE_DATES_OUT_OF_ORDER"]
    html = re.sub(r"<[^>]+>", "", finish_step(five).html)
    assert "blokeret · 1 fund" in html and "advarsler" not in html.split("Status:")[1]
    said = "Næste: ret fundene, der blokerer dispatcher-konfigurationen (nævnt ovenfor)"
    assert said in html
    assert "Næste: ret fundene, og kør" not in html
    five.run_dir = sample_copy / "runs" / "test" / "20261201T000000Z-abcdef"  # a run's page
    assert _next_key(five, "blocked") == "next_05_run_blocked"
    assert _next_key(five, "ok") == "next_05_run_ok" and _next_key(five, "errors") == "next_05_run"
