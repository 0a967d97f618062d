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
