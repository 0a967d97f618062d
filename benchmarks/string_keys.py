"""Count string-key reads of step data outside (de)serialisation (issue 30).

A read is ``x["literal"]`` or ``x.get("literal", ...)`` where ``x`` is step data:

- a step record's payload field read by attribute (``record.certificate``, ``.system``,
  ``.portal``, ``.firewall``, ``.evidence``, ``.network``, ``.dispatcher``, ``.acceptance``,
  ``.contact_points``, ``.counts``) or a step file's ``.findings`` / ``.inputs_read``, on
  anything but the settings (``env.``, ``settings.``, ``s.``);
- a step file's dict: ``x["results"]`` or ``x.get("results")``, or what
  ``read_step_file``/``json.loads`` of a step file returned;
- a name bound, in the same function, from one of those (an assignment, a ``for`` or a
  comprehension over it, ``x or {}``), or a parameter named like a payload
  (``facts``, ``config``, ``acceptance``, ...) in the modules that handle step payloads.

``steps/records.py`` and ``inputs/typed.py`` (the (de)serialisation) are not counted.
It is a heuristic: it counts what a reviewer would grep for, not every dict in the kit.

    python benchmarks/string_keys.py [--list]
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "ngdpkit"
SKIP = {"steps/records.py", "inputs/typed.py"}
FIELDS = {
    "certificate",
    "system",
    "portal",
    "firewall",
    "evidence",
    "network",
    "dispatcher",
    "acceptance",
    "contact_points",
    "counts",
    "findings",
    "inputs_read",
}
NOT_STEP_DATA = {
    "env",
    "settings",
    "s",
    "environment",
    "signing",
    "loaded",
    "reader",
    "acc",
    "self",
}
# Parameters that carry a step payload, in the modules that take one.
PARAMETERS = {
    "facts",
    "config",
    "acceptance",
    "portal",
    "system",
    "rows",
    "summaries",
    "evidence",
    "server_evidence",
    "network",
    "dispatcher",
    "certificate",
    "step_data",
}
PAYLOAD_MODULES = (
    "steps/",
    "compare/",
    "run/",  # the run's phases read every step's data
    "documents/signoff.py",
    "documents/display.py",
    "deliverables/",
)


class Counter_(ast.NodeVisitor):
    def __init__(self, rel: str) -> None:
        self.rel = rel
        self.hits: list[tuple[int, str]] = []
        self.tainted: list[set[str]] = [set()]

    def is_data(self, node: ast.expr) -> bool:
        if isinstance(node, ast.BoolOp):  # x or {}
            return any(self.is_data(v) for v in node.values)
        if isinstance(node, ast.IfExp):
            return self.is_data(node.body) or self.is_data(node.orelse)
        if isinstance(node, ast.Name):
            return node.id in self.tainted[-1]
        if isinstance(node, ast.Attribute):
            base = node.value
            if node.attr in FIELDS:
                if isinstance(base, ast.Name) and base.id in NOT_STEP_DATA:
                    return False
                return not (isinstance(base, ast.Attribute) and base.attr in NOT_STEP_DATA)
            return False
        if isinstance(node, ast.Subscript):
            key = _key(node.slice)
            return key == "results" or self.is_data(node.value)
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute) and f.attr == "get":
                key = _key(node.args[0]) if node.args else None
                return key == "results" or self.is_data(f.value)
            if isinstance(f, (ast.Name, ast.Attribute)):
                name = f.id if isinstance(f, ast.Name) else f.attr
                if name in {"read_step_file", "dict", "list", "tuple", "sorted"}:
                    return name == "read_step_file" or any(self.is_data(a) for a in node.args)
        return False

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        names = set()
        if self.rel.startswith(PAYLOAD_MODULES):
            args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            names = {a.arg for a in args if a.arg in PARAMETERS}
            names -= {a.arg for a in args if _plain_annotation(a.annotation)}
        self.tainted.append(names)
        # two passes: a name bound late in the function taints earlier loops' reads too
        for _ in range(2):
            for child in ast.walk(node):
                self._bind(child)
        for child in node.body:
            self.visit(child)
        self.tainted.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def _bind(self, node: ast.AST) -> None:
        if isinstance(node, ast.Assign) and self.is_data(node.value):
            for target in node.targets:
                self._taint(target)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            if self.is_data(node.value):
                self._taint(node.target)
        elif isinstance(node, (ast.For, ast.comprehension)) and self.is_data(node.iter):
            self._taint(node.target)

    def _taint(self, target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.tainted[-1].add(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._taint(t)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        key = _key(node.slice)
        if key is not None and (key == "results" or self.is_data(node.value)):
            self.hits.append((node.lineno, ast.unparse(node)[:90]))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        f = node.func
        if (
            isinstance(f, ast.Attribute)
            and f.attr == "get"
            and node.args
            and _key(node.args[0]) is not None
            and (_key(node.args[0]) == "results" or self.is_data(f.value))
        ):
            self.hits.append((node.lineno, ast.unparse(node)[:90]))
        self.generic_visit(node)


def _key(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _plain_annotation(annotation: ast.expr | None) -> bool:
    """A parameter typed as something else than a dict or Any is not a raw payload."""
    if annotation is None:
        return False
    text = ast.unparse(annotation)
    return "dict" not in text and "Any" not in text and "Mapping" not in text


def count(root: Path = ROOT) -> dict[str, list[tuple[int, str]]]:
    out: dict[str, list[tuple[int, str]]] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel in SKIP:
            continue
        visitor = Counter_(rel)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        if visitor.hits:
            out[rel] = visitor.hits
    return out


def main() -> None:
    found = count()
    per = Counter({k: len(v) for k, v in found.items()})
    for rel, n in per.most_common():
        print(f"{n:4d}  {rel}")
        if "--list" in sys.argv:
            for line, text in found[rel]:
                print(f"        {line}: {text}")
    print(f"{sum(per.values()):4d}  total")


if __name__ == "__main__":
    main()
