"""The notebooks are thin, pinned and shipped: the package holds the same files as notebooks/."""

from __future__ import annotations

import ast
import json
from importlib import resources
from pathlib import Path

import papermill as pm
import pytest

from ngdpkit.steps import STEP_NAMES
from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_the_five_notebooks_exist() -> None:
    assert [p.stem for p in NOTEBOOKS] == [*STEP_NAMES, "06_rehearsal"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_packaged_copy_is_identical(path: Path) -> None:
    assert (resources.files("ngdpkit") / "notebooks" / path.name).read_bytes() == path.read_bytes()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_are_pinned(path: Path) -> None:
    params = pm.inspect_notebook(str(path))
    assert list(params) == ["environment", "settings", "run_dir", "online"]
    assert params["environment"]["default"] == '"test"' and params["online"]["default"] == "False"
    assert (
        params["settings"]["default"] == '"../data/sample/migration.toml"'
        and params["run_dir"]["default"] == '""'
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_thin_and_clean(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert nb["cells"][0]["cell_type"] == "markdown" and nb["cells"][0]["source"][0].startswith(
        "# "
    )
    assert "parameters" in code[0]["metadata"].get("tags", [])
    assert "".join(code[-1]["source"]) == "nk.finish_step(step)"
    for cell in code:
        assert cell["outputs"] == [] and cell["execution_count"] is None
        tree = ast.parse("".join(cell["source"]))
        assert not [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda)
        ]
        calls = [n for n in tree.body if isinstance(n, ast.Expr | ast.Assign)]
        assert len([n for n in calls if isinstance(getattr(n, "value", None), ast.Call)]) <= 2


def test_notebooks_run_in_lab_mode_without_predecessor(sample_copy: Path) -> None:
    """02 on its own (no 01 step file) recomputes 01 through the package; lab folder, not for sign-off."""
    out = sample_copy / "out.ipynb"
    pm.execute_notebook(
        str(REPO / "notebooks" / "02_contact_points.ipynb"),
        str(out),
        parameters={"settings": str(sample_copy / "migration.toml")},
        kernel_name="python3",
        progress_bar=False,
    )
    lab = sample_copy / "runs" / "test" / "lab"
    assert (lab / "steps" / "02_contact_points.json").is_file() and not (
        lab / "steps" / "01_mailboxes.json"
    ).exists()
    assert (lab / "NOT-FOR-SIGNOFF.txt").is_file()
    data = json.loads((lab / "steps" / "02_contact_points.json").read_text())
    assert data["results"]["counts"] == {"mapped": 199, "retired": 1}


def test_rehearsal_notebook_in_lab_mode(sample_copy: Path) -> None:
    out = sample_copy / "out06.ipynb"
    pm.execute_notebook(
        str(REPO / "notebooks" / "06_rehearsal.ipynb"),
        str(out),
        parameters={"settings": str(sample_copy / "migration.toml")},
        kernel_name="python3",
        progress_bar=False,
    )
    data = json.loads(
        (sample_copy / "runs" / "test" / "lab" / "steps" / "06_rehearsal.json").read_text()
    )
    assert data["status"] == "ok"
    assert data["results"]["acceptance"]["status"] == "ok"
    # a lab session's rehearsal stays in lab/ (contract §12.7), marked not for sign-off
    assert not list((sample_copy / "runs" / "test").glob("*-rehearsal-*"))
    folders = list(
        (sample_copy / "runs" / "test" / "lab" / "rehearsals" / "test").glob("*-rehearsal-*")
    )
    assert len(folders) == 1 and (folders[0] / "NOT-FOR-SIGNOFF.txt").is_file()


def test_settings_lookup(tmp_path: Path, sample_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ngdpkit.errors import InputError
    from ngdpkit.steps import DEFAULT_SETTINGS, _find_settings

    with pytest.raises(InputError, match="settings file not found: typo.toml"):
        _find_settings("typo.toml")  # an explicit path never falls back to the sample
    monkeypatch.setenv("NGDPKIT_SETTINGS", str(sample_dir / "migration.toml"))
    assert _find_settings(DEFAULT_SETTINGS) == sample_dir / "migration.toml"
    monkeypatch.delenv("NGDPKIT_SETTINGS")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError):
        _find_settings(DEFAULT_SETTINGS)
