"""Where the package makes its findings, read from its source: each call of ``F.error``,
``F.warning`` or ``F.info`` with the code, the severities and the templates it can give, in
every form the code writes one: the call itself, a severity chosen by a condition
(``(F.error if larger else F.warning)(…)``), a name bound to a severity
(``said = F.info if … else F.warning``), a template chosen by a condition, and codes with
their templates in tuples that a loop hands to the call. A maintainer who added a finding in
one of the latter forms passed the catalogue's tests with no Danish form, no title and no row
in docs/findings.md (a new maintainer's walk through docs/adding-a-check.md proved it).

A code the call builds at run time (an f-string) is a :class:`Made` with ``code=None``; the
tests hold those sites to a known list."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SEVERITIES = frozenset({"error", "warning", "info"})
CODE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")


@dataclass(frozen=True)
class Made:
    """One finding a call can make: where, its code (None: built at run time), the
    severities the call can give it and the templates it can say it with."""

    path: Path
    line: int
    code: str | None
    severities: frozenset[str]
    templates: tuple[str, ...]


def _severities(node: ast.expr, bound: dict[str, list[ast.expr]], depth: int = 0) -> set[str]:
    """The severities a call's function can be: ``F.error``, either branch of a condition,
    or what a name in the module is bound to."""
    if depth > 4:
        return set()
    if (
        isinstance(node, ast.Attribute)
        and node.attr in SEVERITIES
        and isinstance(node.value, ast.Name)
        and node.value.id == "F"  # the package's `from . import findings as F`
    ):
        return {node.attr}
    if isinstance(node, ast.IfExp):
        return _severities(node.body, bound, depth + 1) | _severities(node.orelse, bound, depth + 1)
    if isinstance(node, ast.Name):
        out: set[str] = set()
        for value in bound.get(node.id, []):
            out |= _severities(value, bound, depth + 1)
        return out
    return set()


def _texts(node: ast.expr | None) -> list[str]:
    """The constant texts an argument can be (either branch of a condition)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _texts(node.body) + _texts(node.orelse)
    return []


def _coded_tuples(scope: ast.AST) -> list[tuple[str, tuple[str, ...]]]:
    """(code, templates) of each tuple literal in ``scope`` holding a code followed by its
    template, as a loop hands them to the call (``for holds, code, text, values in said``)."""
    out = []
    for node in ast.walk(scope):
        if not isinstance(node, ast.Tuple):
            continue
        items = node.elts
        for first, second in zip(items, items[1:], strict=False):
            if (
                isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and CODE.fullmatch(first.value)
                and _texts(second)
            ):
                out.append((first.value, tuple(_texts(second))))
    return out


def finding_calls(root: Path) -> Iterator[Made]:
    """Every finding each module under ``root`` can make, module by module in path order."""
    return iter(_finding_calls(root))


@functools.cache
def _finding_calls(root: Path) -> tuple[Made, ...]:
    """What :func:`finding_calls` gives, found once per test process (two tests ask; the
    source does not change while the tests run)."""
    return tuple(_made(root))


def _made(root: Path) -> Iterator[Made]:
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = list(ast.walk(tree))  # walked once: ast.walk is most of the time spent here
        bound: dict[str, list[ast.expr]] = {}
        for node in nodes:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        bound.setdefault(target.id, []).append(node.value)
        scopes = [n for n in nodes if isinstance(n, ast.FunctionDef)]
        for node in nodes:
            if not isinstance(node, ast.Call) or not node.args:
                continue
            if isinstance(node.func, ast.Name) and node.func.id == "pending":
                # steps.core.pending(step, key, what): PENDING_<KEY>, a warning
                key = node.args[1] if len(node.args) > 1 else None
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    code = f"PENDING_{key.value.upper()}"
                    yield Made(path, node.lineno, code, frozenset({"warning"}), ())
                    continue
            severities = _severities(node.func, bound)
            if not severities:
                continue
            code, template = node.args[0], node.args[1] if len(node.args) > 1 else None
            if isinstance(code, ast.Constant) and isinstance(code.value, str):
                yield Made(
                    path, node.lineno, code.value, frozenset(severities), tuple(_texts(template))
                )
            elif isinstance(code, ast.Name):
                # a code handed on by a loop: the tuples of the function that holds the call
                inside = [s for s in scopes if s.lineno <= node.lineno <= (s.end_lineno or 0)]
                scope = max(inside, key=lambda s: s.lineno) if inside else tree
                coded = _coded_tuples(scope)
                for value, texts in coded:
                    yield Made(path, node.lineno, value, frozenset(severities), texts)
                if not coded:  # a parameter: the code comes from the caller
                    yield Made(path, node.lineno, None, frozenset(severities), ())
            else:
                yield Made(path, node.lineno, None, frozenset(severities), tuple(_texts(template)))
