"""The kit as a package: flat namespace, no import side effects, dependencies in step, CI templates."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

import ngdpkit
from tests.conftest import REPO
from tests.finding_calls import Made, finding_calls


def test_all_matches_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`nk\.([A-Za-z_]+)`", section))
    assert documented == set(ngdpkit.__all__) - {"__version__"}
    for name in ngdpkit.__all__:
        getattr(ngdpkit, name)


def test_import_has_no_side_effects() -> None:
    code = "import logging, os, sys; before = dict(os.environ); import ngdpkit; assert dict(os.environ) == before; assert not logging.getLogger().handlers; heavy = {'pandas', 'papermill', 'httpx', 'nbconvert', 'cryptography', 'openpyxl'} & set(sys.modules); assert not heavy, heavy"
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        env={**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning"},
    )


def _ranges(deps: list[str]) -> dict[str, str]:
    out = {}
    for dep in deps:
        m = re.match(r"([A-Za-z0-9_.-]+)\s*(.*)", dep)
        assert m
        out[m.group(1).lower()] = m.group(2).replace(" ", "")
    return out


NOT_ON_CONDA_FORGE = {"rustpy-xlsxwriter"}


def test_environment_yml_in_step_with_pyproject() -> None:
    py = tomllib.loads((REPO / "pyproject.toml").read_text())
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = _ranges(
        [
            d
            for d in env["dependencies"]
            if isinstance(d, str) and d not in ("pip",) and not re.match(r"python([<>=]|$)", d)
        ]
    )
    want = _ranges(py["project"]["dependencies"] + py["project"]["optional-dependencies"]["lab"])
    # Not on conda-forge: pip installs it with the kit, in pyproject's range.
    assert conda == {k: v for k, v in want.items() if k not in NOT_ON_CONDA_FORGE}
    assert NOT_ON_CONDA_FORGE <= set(want)
    pip_part = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    assert pip_part == ["-e ."]


# Declared without an import statement, for a reason: papermill's engine (contract §1 names it
# as a core dependency). ipykernel, the kernel every notebook runs in, is imported by the
# kit's kernel launcher; pyarrow, pandas' Parquet engine, by name since the mapping worker
# warms it.
RUNTIME_ONLY = {"nbclient"}


def test_dependencies_are_declared_exactly_as_imported() -> None:
    """Every third-party module the package imports comes from a declared distribution, and
    every declared distribution is imported (or is one of the runtime-only ones)."""
    import ast
    from importlib.metadata import packages_distributions

    imported: set[str] = set()
    for path in (REPO / "ngdpkit").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    imported -= set(sys.stdlib_module_names) | {"ngdpkit", "__future__"}

    def norm(name: str) -> str:  # PEP 503
        return re.sub(r"[-_.]+", "-", name).lower()

    py = tomllib.loads((REPO / "pyproject.toml").read_text())
    declared = {norm(d) for d in _ranges(py["project"]["dependencies"])}
    extras = {
        norm(d)
        for d in _ranges([d for ds in py["project"]["optional-dependencies"].values() for d in ds])
    }
    by_module = packages_distributions()
    used = set()
    for module in sorted(imported):
        dists = {norm(d) for d in by_module.get(module, [])} or {norm(module)}
        assert dists & (declared | extras), f"{module} is imported but not declared"
        used |= dists & declared
    assert declared - used == RUNTIME_ONLY


def test_ci_script_handles_no_tests() -> None:
    text = (REPO / ".ci" / "run").read_text()
    assert "make test" in text and '"$code" -eq 5' in text


def test_python_m_ngdpkit_and_version() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "ngdpkit", "--version"], capture_output=True, text=True, check=True
    )
    assert r.stdout.strip() == f"ngdpkit {ngdpkit.__version__}"
    assert Path(REPO / "ngdpkit" / "__main__.py").is_file()


def test_every_finding_code_is_in_the_table_with_its_severity() -> None:
    readme = (REPO / "docs" / "findings.md").read_text(encoding="utf-8")  # the README links it
    rows = {}
    for line in readme.splitlines():
        if line.startswith("| `") and " | " in line:
            cells = [c.strip() for c in line.strip("|").split("|")]
            for code in re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]):
                rows[code] = cells[1]
    used: dict[str, set[str]] = {}
    for made in finding_calls(REPO / "ngdpkit"):  # every form a finding is made in
        for code in [made.code] if made.code else made_at_run_time(made):
            used.setdefault(code, set()).update(made.severities)
    assert len(used) > 150
    for code, severities in used.items():
        assert code in rows, f"{code} is not in docs/findings.md's table"
        for severity in severities:
            assert severity in rows[code], f"{code}: {severity} not in {rows[code]!r}"
    # and the other way: the table names no code the package never writes, and no severity a
    # code is never written with (a row of six PENDING_ codes said "error in a rehearsal" of
    # three that a rehearsal never asks for)
    for code, cell in rows.items():
        assert code in used, f"docs/findings.md names {code}, which the package never writes"
        listed = {s for s in ("error", "warning", "info") if s in cell}
        assert listed <= used[code], f"{code}: {cell!r}, but written only as {sorted(used[code])}"


def made_at_run_time(made: Made) -> set[str]:
    """The codes of a call that builds its code at run time, each such call named here (a
    new one fails: write the code as a literal in the call, docs/adding-a-check.md)."""
    from ngdpkit.deliverables.servercheck import KIND_CODES

    where = made.path.relative_to(REPO / "ngdpkit").as_posix()
    known = {
        "deliverables/servercheck.py": set(KIND_CODES.values()),  # a server's failed check
        "rehearsal/flow.py": {"PENDING_SYSTEM_ID", "PENDING_DEFAULT_CONTACT_POINT"},
        "steps/core.py": set(),  # pending(step, key, …): each call's code is read from its key
    }
    assert where in known, f"{where}:{made.line} builds a finding's code at run time"
    return known[where]


def test_a_finding_in_any_form_the_code_writes_is_seen() -> None:
    """A new maintainer's walk through docs/adding-a-check.md: a finding made through
    ``(F.error if … else F.warning)(…)`` passed the tests with no row, title or Danish form.
    The forms the package writes are each seen, with their codes, severities and templates."""
    made = {m.code: m for m in finding_calls(REPO / "ngdpkit") if m.code}
    assert made["MAILBOX_SHEETS_SEVERAL"].severities == {"error", "warning"}
    assert len(made["MAILBOX_SHEETS_SEVERAL"].templates) == 2
    assert made["MAILBOX_COLUMN_MISSING"].severities == {"info", "warning"}
    assert made["PROBE_EVIDENCE_FUTURE"].severities == {"warning"}
    assert made["PROBE_EVIDENCE_FUTURE"].templates[0].startswith("The evidence from {server}")
    assert made["PENDING_SERVICE_ACCOUNT"].severities == {"warning"}


def test_every_finding_code_has_a_danish_title() -> None:
    from ngdpkit.catalogue import TITLES

    table = (REPO / "docs" / "findings.md").read_text(encoding="utf-8")
    codes = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    assert codes <= set(TITLES), sorted(codes - set(TITLES))


def test_wheel_carries_every_module_and_data_file(tmp_path: Path) -> None:
    """A wheel install must run on its own: subpackages, notebooks, anchors, schemas, templates."""
    import zipfile

    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    names = zipfile.ZipFile(next(tmp_path.glob("ngdpkit-*.whl"))).namelist()
    sources = {
        p.relative_to(REPO).as_posix()
        for p in (REPO / "ngdpkit").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert sources <= set(names), sorted(sources - set(names))


def test_no_import_circles() -> None:
    """Imports run downhill: no module reaches one that reaches it back, counting the imports
    inside functions too (the package's ``__init__`` files only wire, so they are left out)."""
    import ast

    root = REPO / "ngdpkit"
    modules = {
        ".".join(p.relative_to(REPO).with_suffix("").parts): p
        for p in root.rglob("*.py")
        if p.name != "__init__.py"
    }
    packages = {".".join(p.parent.relative_to(REPO).parts) for p in root.rglob("__init__.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            parts = package.split(".")
            base = parts[: len(parts) - (node.level - 1)] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            for candidate in [target, *(f"{target}.{a.name}" for a in node.names)]:
                if candidate in modules and candidate != name:
                    graph[name].add(candidate)
                elif candidate in packages and candidate != package:
                    pass  # a package's __init__ re-exports; its modules are counted directly
    seen: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        seen[module] = 1
        for nxt in graph[module]:
            if seen.get(nxt) == 1:
                raise AssertionError("import circle: " + " -> ".join([*trail, module, nxt]))
            if nxt not in seen:
                visit(nxt, [*trail, module])
        seen[module] = 2

    for module in sorted(graph):
        if module not in seen:
            visit(module, [])


def test_no_module_global_for_language() -> None:
    """The language travels as an argument (or with the object shown), never as module state."""
    import ngdpkit.documents.display as display

    assert not hasattr(display, "set_language") and not hasattr(display, "_language")
    for path in (REPO / "ngdpkit").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*global .*lang", text, re.M), path


def test_no_html_built_in_f_strings() -> None:
    """Pages come from the Jinja2 templates (autoescape on): no f-string in the package holds
    an HTML tag. The MeMo letter's XML (memo.py) escapes each value it puts in by hand."""
    import ast

    tag = re.compile(
        r"</?(html|head|body|div|span|p|a|table|thead|tbody|tr|td|th|ul|ol|li|h[1-6]|b|i|em|strong|code|pre|br|img|style|script|section|details|summary)[\s>/]"
    )
    found = []
    for path in (REPO / "ngdpkit").rglob("*.py"):
        if path.name == "memo.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                text = "".join(
                    v.value
                    for v in node.values
                    if isinstance(v, ast.Constant) and isinstance(v.value, str)
                )
                if tag.search(text):
                    found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not found


def test_the_public_api_is_typed_for_callers(tmp_path: Path) -> None:
    """``nk.*`` is served lazily, but a type checker sees every name with its real type: the
    TYPE_CHECKING imports name exactly what ``_EXPORTS`` serves, the package ships
    ``py.typed``, and mypy checks a user's script against the real signatures."""
    import ast
    import subprocess
    import sys

    import ngdpkit

    tree = ast.parse((REPO / "ngdpkit" / "__init__.py").read_text(encoding="utf-8"))
    guarded = next(
        n
        for n in tree.body
        if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING"
    )
    typed = {
        (alias.asname or alias.name, node.module, alias.name)
        for node in guarded.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    served = {
        (name, module, "verify" if name == "verify_audit" else name)
        for name, module in ngdpkit._EXPORTS.items()
    }
    assert typed == served
    assert (REPO / "ngdpkit" / "py.typed").is_file()
    script = tmp_path / "user.py"
    script.write_text(
        "import ngdpkit as nk\n"
        "s: nk.Settings = nk.load_settings('migration.toml')\n"
        "step = nk.start_step('01_mailboxes', settings='m.toml', environment='test')\n"
        "reveal_type(nk.finish_step)\n"
        "nk.start_step(1, settings='m.toml', environment='test')  # wrong: a number\n",
        encoding="utf-8",
    )
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--ignore-missing-imports",
            "--follow-imports=silent",
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            str(script),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        # an editable install is an import hook mypy cannot follow; a wheel finds py.typed
        env={**__import__("os").environ, "MYPYPATH": str(REPO)},
    )
    assert "def (step: ngdpkit.steps.core.Step) -> ngdpkit.documents.display.HTML" in r.stdout, (
        r.stdout
    )
    assert 'Argument 1 to "start_step" has incompatible type "int"' in r.stdout, r.stdout
    assert r.stdout.count("error:") == 1, r.stdout


def test_the_input_records_show_as_html_without_importing_the_pages(sample_dir: Path) -> None:
    """inputs never import documents (LAYOUT.md): how a notebook shows a mailbox export, the
    contact points and the mapping is registered with IPython by display.py, by name."""
    import ast

    for name in ("mailboxes", "contact_points", "mapping"):
        tree = ast.parse((REPO / "ngdpkit" / "inputs" / f"{name}.py").read_text(encoding="utf-8"))
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        }
        assert not {"display", "signoff", "pages"} & imported, name
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    from ngdpkit.documents.display import register_views
    from ngdpkit.inputs.contact_points import read_contact_points

    config = Config()
    config.HistoryManager.enabled = False  # no history file, and no thread saving it
    shell = InteractiveShell.instance(config=config)
    try:
        assert register_views(shell)
        cps = read_contact_points(
            sample_dir / "contact-points-test.xlsx",
            label="contact-points-test.xlsx",
            system_id=None,
        )
        data, _meta = shell.display_formatter.format(cps)
        assert "<table" in data["text/html"] and "Borgerservice" in data["text/html"]
        assert data["text/plain"].startswith("<ContactPoints:")
    finally:
        InteractiveShell.clear_instance()


def test_steps_run_and_the_public_api_pass_mypy_strict(tmp_path: Path) -> None:
    """The layers a maintainer changes most (what notebooks call, one run's machinery) and
    what a caller sees are checked with ``mypy --strict`` (issue 30); the rest of the package
    with the project's mypy settings (``make lint``)."""
    import subprocess
    import sys

    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            "ngdpkit/__init__.py",
            "ngdpkit/steps",
            "ngdpkit/run",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_every_module_with_logic_is_imported_by_a_test() -> None:
    """A module that defines a function or a class is imported (``import ngdpkit.x`` or
    ``from ngdpkit.x import …``, or ``from ngdpkit import x``) by at least one test module,
    so that its logic has direct tests and is not only reached through whole runs."""
    import ast

    modules: dict[str, Path] = {}
    for path in (REPO / "ngdpkit").rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        modules[".".join(parts[:-1] if path.name == "__init__.py" else parts)] = path

    def has_logic(path: Path) -> bool:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        return any(isinstance(node, kinds) for node in ast.walk(tree))

    imported: set[str] = set()
    for path in (REPO / "tests").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module)
                imported |= {f"{node.module}.{alias.name}" for alias in node.names}
    logic = {name for name, path in modules.items() if has_logic(path)}
    untested = sorted(logic - imported)
    assert not untested, "modules with logic that no test imports: " + ", ".join(untested)


LONG_FUNCTION = 80  # lines; a longer one says why it stays whole (issue 30)


def test_no_function_over_80_lines_without_saying_why_it_stays_whole() -> None:
    """A function longer than 80 lines carries a ``# Kept whole:`` comment among its first
    lines, saying why it must stay one unit; otherwise it is split into parts a reader can
    name."""
    import ast

    long = []
    for path in sorted((REPO / "ngdpkit").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").split("\n")
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                head = "\n".join(lines[node.lineno - 1 : node.lineno + 40])
                if size > LONG_FUNCTION and "# Kept whole:" not in head:
                    long.append(f"{path.relative_to(REPO)}:{node.name}")
    assert sorted(long) == []
