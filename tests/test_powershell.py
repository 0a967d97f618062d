"""No value can become PowerShell code (contract §10, issue 26's first high cause).

Placeholders used to be replaced one after another, so a value that spelt a later
placeholder had code pasted into its literal. These tests fill the scripts with every
placeholder name, ``__X__``-shaped strings in general and quote tricks in every free-text
setting, and compare the parsed script with the same script filled with a harmless word:
the syntax tree must have the same shape (each value is one literal) and the same
commands (only the template's own).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ngdpkit.deliverables.powershell import fill
from ngdpkit.deliverables.servercheck import install_certificate_script, server_check_script
from ngdpkit.settings import Server, load_settings

TEMPLATES = ("install-certificate.ps1", "server-check.ps1", "ngdp-key.ps1")
PLACEHOLDERS = sorted(
    {
        m
        for name in TEMPLATES
        for m in re.findall(
            r"__[A-Z_]+__",
            (resources.files("ngdpkit") / "templates" / name).read_text(encoding="utf-8"),
        )
    }
)
FRAGMENTS = [
    *PLACEHOLDERS,
    "__X__",
    "__NOT_A_PLACEHOLDER__",
    "'",
    "\u2019",
    "''",
    ";Start-Process calc.exe;$x='",
    ";Start-Process calc.exe)#",
    "$(Start-Process calc.exe)",
    "`",
    '"',
    "#",
    "<#",
    "#>",
    "\\",
    "@(",
    ")",
    "}",
    "\r\n",
    "\x00",
]


def parser() -> Any:
    import tree_sitter
    import tree_sitter_powershell

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


def shape(text: str) -> tuple[list[str], Counter[str]]:
    """The node types of the parsed script in order (leaf text left out) and its commands."""
    tree = parser().parse(text.encode("utf-8"))
    types: list[str] = []
    commands: Counter[str] = Counter()
    # every node in document order, walked with one cursor: a stack of each node's
    # children made a list of new nodes per node (a third of the test's time)
    cursor = tree.walk()
    while True:
        node = cursor.node
        types.append(node.type)
        if node.type == "command":
            name = node.child_by_field_name("command_name") or node.children[0]
            commands[name.text.decode("utf-8", "replace")] += 1
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return types, commands


def with_values(env: Any, value: str) -> Any:
    """``env`` with every free-text setting a script embeds set to ``value``."""
    servers = (
        Server(name=value, role=value, service_account=value),
        Server(name="wz-web01", role=value, service_account="X\\" + value),
    )
    return replace(env, servers=servers, service_account=value, system_name=value)


@pytest.fixture(scope="module")
def test_env(sample_dir: Path) -> Any:
    return load_settings(sample_dir / "migration.toml").environment("test")


def scripts(env: Any) -> list[str]:
    return [
        server_check_script(env, thumbprint="ABCDEF0123"),
        install_certificate_script(env, thumbprint="ABCDEF0123", issuing_ca=b"\x30\x82"),
    ]


def test_the_reported_attack_stays_text(test_env: Any) -> None:
    """The issue's example: ``X\\__DEFAULT_ACCOUNTS__`` beside a quote-breaking account."""
    env = replace(
        test_env,
        servers=(Server(name="wz-web01", service_account="X\\__DEFAULT_ACCOUNTS__"),),
        service_account=";Start-Process calc.exe;$x='",
    )
    for text in scripts(env):
        _, commands = shape(text)
        assert "Start-Process" not in commands
        assert "'X\\__DEFAULT_ACCOUNTS__'" in text


def test_a_server_named_like_code_is_one_literal(test_env: Any) -> None:
    env = replace(
        test_env, servers=(Server(name=";Start-Process calc.exe)#", service_account="a"),)
    )
    for text in scripts(env):
        assert "Start-Process" not in shape(text)[1]


@pytest.fixture(scope="module")
def benign_shapes(test_env: Any) -> list[tuple[list[str], Counter[str]]]:
    """The shape of each script filled with a harmless word: the same for every example
    below, so made and parsed once instead of once per example."""
    return [shape(text) for text in scripts(with_values(test_env, "x"))]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), min_size=1, max_size=6))
def test_no_value_changes_the_script_s_shape(
    test_env: Any, benign_shapes: list[tuple[list[str], Counter[str]]], parts: list[str]
) -> None:
    value = "v" + "".join(parts)  # an empty account would add a refusal, a new shape
    hostile = scripts(with_values(test_env, value))
    for good, bad in zip(benign_shapes, hostile, strict=True):
        # a value the kit refuses (a server name that is not a computer name) adds the
        # refusal at the top; the rest of the script keeps its shape, and the refusal is
        # only Write-Host lines of literals and the throw
        body, refusal = split_refusal(bad)
        assert shape(body) == good, value
        assert set(shape(refusal)[1]) <= {"Write-Host"}, value
        for line in refusal.splitlines():
            assert line.startswith(("# ngdpkit did not fill", "Write-Host '", "throw '")), line


def split_refusal(text: str) -> tuple[str, str]:
    """(the script without the refusal fill() puts at its top, that refusal or "")."""
    start = text.find("# ngdpkit did not fill in this script")
    if start < 0:
        return text, ""
    end = text.index("\n", text.index("throw 'ngdpkit refused to fill in this script", start)) + 1
    end += 2 if text[end : end + 2] == "\r\n" else 0  # the blank line after it
    return text[:start] + text[end:], text[start:end].strip()


def test_fill_refuses_a_template_it_cannot_fill_completely() -> None:
    with pytest.raises(ValueError, match="placeholders without a value"):
        fill("server-check.ps1", {"__KIND__": "test"}, refusals=[])
