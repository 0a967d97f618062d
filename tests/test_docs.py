"""The documentation stays inside the repository and its links hold.

Every relative link in the README, the changelog, ``docs/`` and ``benchmarks/`` points at a
file of the repository (and, into a Markdown file, at a heading it has, as GitHub names
them); and nothing the package ships cites a file outside the repository: the contract and
the domain facts live in ``docs/`` now, where a reader of a clone can follow them.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.conftest import REPO

DOCUMENTS = sorted(
    [
        REPO / "README.md",
        REPO / "CHANGELOG.md",
        *(REPO / "docs").glob("*.md"),
        *(REPO / "benchmarks").glob("*.md"),
    ]
)

# Files that live outside the repository (the team's shared folder) and were once cited.
OUTSIDE = ("CONTRACT.md", "NGDP-FACTS.md", "NGDP-API.md", "configure-digital-post.txt", "../shared")

FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
TITLE = r"""(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?"""
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?" + TITLE + r"\s*\)")
REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?" + TITLE + r"\s*$", re.MULTILINE)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def prose(text: str) -> str:
    """The Markdown without fenced code blocks and code spans, where a bracket is not a link."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def links(text: str) -> list[str]:
    body = prose(text)
    return INLINE_LINK.findall(body) + REFERENCE.findall(body)


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: markup dropped, lower-cased, every character
    but letters, digits, spaces, hyphens and underscores removed, spaces made hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = text.replace("`", "").replace("*", "")
    text = text.strip().lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in ("L", "N", "M"))
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a Markdown file; a repeated one also as ``name-1``, ``name-2``."""
    seen: dict[str, int] = {}
    out: set[str] = set()
    for _, title in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8"))):
        base = slug(title)
        n = seen.get(base, 0)
        out.add(base if n == 0 else f"{base}-{n}")
        seen[base] = n + 1
    return out


def test_the_documents_exist() -> None:
    names = {p.relative_to(REPO).as_posix() for p in DOCUMENTS}
    assert {
        "README.md",
        "CHANGELOG.md",
        "benchmarks/HISTORY.md",
        "docs/architecture.md",
        "docs/contract.md",
        "docs/domain.md",
        "docs/adding-a-check.md",
        "docs/ngdp-api.md",
    } <= names


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_relative_link_points_at_a_file_of_the_repository(doc: Path) -> None:
    broken = []
    for target in links(doc.read_text(encoding="utf-8")):
        if SCHEME.match(target):
            continue  # https:, mailto: and the like: not ours to check offline
        path_part, _, fragment = target.partition("#")
        path_part = unquote(path_part.split("?", 1)[0])
        dest = (doc.parent / path_part).resolve() if path_part else doc
        if REPO.resolve() not in (dest, *dest.parents):
            broken.append(f"{target}: outside the repository")
        elif not dest.exists():
            broken.append(f"{target}: no such file")
        elif fragment and dest.suffix == ".md" and unquote(fragment) not in anchors(dest):
            broken.append(f"{target}: {dest.name} has no heading #{fragment}")
    assert broken == [], f"{doc.relative_to(REPO)}: {broken}"


def test_the_link_reader_sees_what_github_renders() -> None:
    """The helpers themselves: links in code are not links, anchors follow GitHub's slugs."""
    text = (
        "See [a](docs/a.md) and ![b](img/b.png 'x') and [c](https://x.dk) and [d][r].\n"
        "`[not](a-link.md)`\n\n```\n[nor](this.md)\n```\n[r]: ../c.md\n"
    )
    assert links(text) == ["docs/a.md", "img/b.png", "https://x.dk", "../c.md"]
    assert slug("5. Findings") == "5-findings"
    assert slug("12.1 Reading NgDP itself") == "121-reading-ngdp-itself"
    assert slug("After go-live: `watch`") == "after-go-live-watch"
    assert slug("Ændringer: Søby & Ærø") == "ændringer-søby--ærø"


def test_no_shipped_text_cites_a_file_outside_the_repository() -> None:
    """Docstrings, comments, templates and notebooks cite ``docs/contract.md``,
    ``docs/domain.md`` and ``docs/ngdp-api.md``, never the shared folder they came from."""
    cited = []
    for path in sorted((REPO / "ngdpkit").rglob("*")):
        if not path.is_file() or path.suffix not in (".py", ".j2", ".ps1", ".ipynb", ".md"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for name in OUTSIDE:
                if name in line:
                    cited.append(f"{path.relative_to(REPO)}:{number}: {name}")
    assert cited == []


MODULE_LIST = re.compile(r'\w+\["(\w+)/?[^":]*: ([^"]*·[^"]*)"\]')


def test_the_layer_diagram_names_every_module_of_its_packages() -> None:
    """docs/architecture.md's layer diagram lists the modules of each package it enumerates
    (``run/`` in two nodes; the face's and the ground's flat modules): none missing, none
    gone. It had lost ``deliverables/workbook_about.py``."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    diagram = text.split("```mermaid", 1)[1].split("```", 1)[0]
    named: dict[str, set[str]] = {}
    for package, listing in MODULE_LIST.findall(diagram):
        named.setdefault(package, set()).update(re.findall(r"[a-z_][a-z0-9_]*", listing))
    layers = {"face", "run", "rehearsal", "documents", "deliverables", "checks", "inputs", "ground"}
    assert layers <= set(named), sorted(named)
    face = {"__init__", "__main__", "cli"}
    for package, names in named.items():
        flat = package in ("face", "ground")
        modules = {p.stem for p in (REPO / "ngdpkit" / ("" if flat else package)).glob("*.py")}
        if package == "face":
            modules &= face
        else:
            modules -= face if flat else {"__init__"}
        assert names == modules, (
            f"{package}: not in the diagram {sorted(modules - names)}, "
            f"no such module {sorted(names - modules)}"
        )


def _commands() -> dict[str, object]:
    """Every command of the parser by its name as typed (``cert inspect`` with its
    subcommand), the internal ``_run-environment`` left out."""
    import argparse

    from ngdpkit.cli import build_parser

    def subs(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                return dict(action.choices)
        return {}

    out: dict[str, object] = {}
    for name, parser in subs(build_parser()).items():
        inner = subs(parser)
        for sub, p in inner.items() or [("", parser)]:
            if not name.startswith("_"):
                out[f"{name} {sub}".strip()] = p
    return out


def _options(parser: object) -> set[str]:
    """The long options a user may type (argparse's ``--help`` and hidden ones left out)."""
    import argparse

    assert isinstance(parser, argparse.ArgumentParser)
    return {
        o
        for a in parser._actions
        if a.help != argparse.SUPPRESS
        for o in a.option_strings
        if o.startswith("--") and o != "--help"
    }


def test_the_readme_command_table_is_the_command_line() -> None:
    """README's command table has a row for every command, and each row's usage names
    exactly the options the command takes: an option added to the code and not to the
    table, or one the table keeps after the code dropped it, fails here."""
    commands = _commands()
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `ngdpkit ")]
    seen = set()
    for row in rows:
        usage = row[len("| `") :].split("` |", 1)[0]
        words = usage.split()
        name = " ".join(words[1:3]) if " ".join(words[1:3]) in commands else words[1]
        assert name in commands, f"README names a command the kit does not have: {usage}"
        seen.add(name)
        documented = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", usage))
        real = _options(commands[name])
        assert documented == real, (
            f"ngdpkit {name}: in README only {sorted(documented - real)}, "
            f"in the code only {sorted(real - documented)}"
        )
    assert seen == set(commands), f"commands without a row: {sorted(set(commands) - seen)}"


def test_every_command_the_documents_show_takes_the_options_shown() -> None:
    """Each ``ngdpkit COMMAND --option`` in a code span or a console line of the README
    and ``docs/`` names a command that exists and options it takes."""
    commands = _commands()
    call = re.compile(r"ngdpkit ([a-z][a-z-]*)(?: ([a-z]+))?([^|;&`\n]*)")
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        spans = re.findall(r"`([^`\n]*ngdpkit [a-z][^`\n]*)`", text)
        spans += [line for line in text.splitlines() if re.match(r"^\s*(\$ )?ngdpkit ", line)]
        for span in spans:
            for m in call.finditer(span):
                pair = f"{m.group(1)} {m.group(2)}"
                name = pair if pair in commands else m.group(1)
                if name not in commands:
                    continue  # prose ("ngdpkit takes …"), not a command
                shown = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", m.group(3)))
                unknown = shown - _options(commands[name]) - {"--help"}
                assert not unknown, f"{doc.name}: ngdpkit {name} has no {sorted(unknown)}: {span}"


def test_the_watch_json_keys_are_all_in_docs_watch() -> None:
    """docs/watch.md's list of ``watch --json``'s keys names every key it prints, at the
    top and in each tag's tally: it had left out six of the top and four of a tally."""
    from ngdpkit.checks.watch import FAILED, GOOD, EventTally, WatchReport

    tally = EventTally(tag=FAILED, total=1)
    report = WatchReport(
        environment="test",
        protocol="REST_PULL",
        system_id="5b3f2c1e-8d4a-4e7b-9c2f-1a6d3e8b7c40",
        checked_at="2026-03-10T12:05:00Z",
        date_from="2026-03-03T12:05:00.000Z",
        days=7,
        base_url="https://api.digitalpost.dk/apis/v1",
        failed=tally,
        good=EventTally(tag=GOOD["REST_PULL"], total=0),
    )
    keys = {"environment", "status", "error", "findings", *report.to_json()}
    keys |= set(report.to_json()["failed"])
    text = (REPO / "docs" / "watch.md").read_text(encoding="utf-8")
    listing = text.split("`--json` prints `{", 1)[1].split("`; a count is", 1)[0]
    named = set(re.findall(r'"([a-z_]+)"', listing))
    assert keys <= named, f"not in docs/watch.md: {sorted(keys - named)}"


def test_demo_help_says_what_the_demo_does_as_the_readme_does() -> None:
    """``ngdpkit demo --help`` said only "usage: ngdpkit demo [-h]": the rehearsals against
    the local simulator and the ``--online ngdp`` read-back the README's row names were
    nowhere in it, nor that nothing leaves the machine."""
    text = " ".join(_commands()["demo"].format_help().split())
    assert "rehears" in text and "--online ngdp" in text and "runs-simulator/" in text
    assert "127.0.0.1" in text and "./data/sample" in text
