"""The package's imports run downhill (docs/architecture.md): a module imports only from
its own package or from a layer below its own. The test walks every import in every module
(top-level and inside functions, ``TYPE_CHECKING`` blocks included) and names each upward one.

The layers, top to bottom. ``run/`` is two layers: its orchestration (one environment's run,
the parent, the pre-flight) sits on top, and the run folder's record-keeping (create, seal,
scan, the audit trail, the neighbours) sits below the rehearsal, which writes its own sealed
folders through it (so neither ``run/environment.py`` nor the rehearsal imports the other's
orchestration).
"""

from __future__ import annotations

import ast
from pathlib import Path

import ngdpkit

PACKAGE = Path(ngdpkit.__file__).parent

FACE = {"ngdpkit", "ngdpkit.__main__", "ngdpkit.cli"}
GROUND = {
    f"ngdpkit.{name}"
    for name in ("errors", "settings", "secrets", "redact", "guids", "findings", "catalogue")
}
RUN_FOLDER = {f"ngdpkit.run.{name}" for name in ("folder", "audit", "scan", "neighbours")}
LAYERS = (
    "face",
    "run",
    "compare",
    "steps",
    "rehearsal",
    "run folder",
    "documents",
    "deliverables",
    "checks",
    "inputs",
    "ground",
)
FLAT = FACE | GROUND  # the only modules directly under ngdpkit/


def layer(module: str) -> str:
    if module in FACE:
        return "face"
    if module in GROUND:
        return "ground"
    if module in RUN_FOLDER:
        return "run folder"
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in LAYERS:
        return parts[1]
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS or move it")


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(name: str, path: Path) -> list[tuple[int, str]]:
    """Every ngdpkit module ``name`` imports, resolved to a module (``from x import y``
    names the module ``x.y`` when that is one, else ``x``)."""
    known = modules()
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("ngdpkit")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("ngdpkit"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.append((node.lineno, sub if sub in known else target))
    return found


def upward_imports() -> list[str]:
    out = []
    for name, path in modules().items():
        mine = layer(name)
        for line, target in imports(name, path):
            theirs = layer(target)
            if theirs == "face" and target == "ngdpkit" and mine != "face":
                continue  # __version__: the package's own ground
            if LAYERS.index(theirs) < LAYERS.index(mine):
                out.append(
                    f"{path.relative_to(PACKAGE.parent)}:{line} ({mine}) imports {target} ({theirs})"
                )
    return out


def test_every_import_runs_downhill() -> None:
    assert upward_imports() == []


def test_the_folder_listing_shows_the_layers() -> None:
    flat = {name for name, path in modules().items() if path.parent == PACKAGE}
    assert flat <= FLAT, f"flat modules that belong in a layer: {sorted(flat - FLAT)}"
    for name in modules():
        layer(name)  # every module has its layer


def test_the_walker_sees_an_upward_import(tmp_path: Path) -> None:
    """The test would catch one: an input module that imports the pages."""
    path = tmp_path / "mailboxes.py"
    path.write_text("def f():\n    from ..documents import display\n", encoding="utf-8")
    found = imports("ngdpkit.inputs.mailboxes", path)
    assert [layer(t) for _, t in found] == ["documents"]
    assert LAYERS.index("documents") < LAYERS.index(layer("ngdpkit.inputs.mailboxes"))
