"""A security reviewer's cold try of ``compare`` and ``status``: each problem found, reproduced
with fixtures in tmp_path before it was fixed."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli

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
