"""The step modules called directly, as a notebook calls them, without a kernel (issue 30):
``pipeline`` (what ``check`` runs), ``deliver``'s contexts, ``ngdp_read``'s refusals and
step 01. Whole notebook runs are in test_run.py."""

from __future__ import annotations

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
    assert page.prepared == {} and page.withheld_by == []
