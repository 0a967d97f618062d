"""docs/security.md's "Verifying on Windows without ngdpkit": the auditor's procedure for
Windows PowerShell 5.1 (session 39). Nothing here runs PowerShell: the block is parsed with
tree-sitter-powershell and held by rule (cmdlets of 5.1 only, no alias, no external program,
``-LiteralPath`` for every path, a counterpart for each step of the bash procedure), and what
each step computes is computed in Python, in the same form, on a real run folder."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ngdpkit.run.audit import AuditTrail, record_hash
from tests.test_powershell import parser
from tests.test_windows_scripts import PS51, commands, nodes

PAGE = Path(__file__).resolve().parent.parent / "docs" / "security.md"

# The cmdlets the auditor's block may call: every one ships with Windows PowerShell 5.1 on
# Windows 10/11 (Microsoft.PowerShell.Management and .Utility). The kit's scripts' list (PS51)
# holds most of them; Get-FileHash, Compare-Object and Set-Location are Utility/Management
# cmdlets the scripts do not need. No external program (PS51's netsh.exe is not allowed here).
AUDITOR_CMDLETS = (PS51 - {"netsh.exe"}) | {"Get-FileHash", "Compare-Object", "Set-Location"}
# Windows PowerShell 5.1's default aliases of the cmdlets a reader would reach for: a locked-down
# PC may have them removed or pointed elsewhere, and a reader cannot tell an alias from a cmdlet.
ALIASES = {
    "%", "?", "cat", "cd", "chdir", "compare", "del", "diff", "dir", "echo", "erase", "foreach",
    "gc", "gci", "gi", "gl", "ls", "pwd", "ri", "rm", "sc", "select", "sl", "sort", "type",
    "where", "write", "curl", "wget", "iex", "ni", "md", "mkdir", "copy", "cp", "move", "mv",
}  # fmt: skip
# the cmdlets that take a path: each must be given it by -LiteralPath, never by -Path or position
PATH_CMDLETS = {
    "Get-Content", "Set-Content", "Get-FileHash", "Get-Item", "Get-ChildItem", "Test-Path",
    "Remove-Item", "Set-Location", "Expand-Archive",
}  # fmt: skip
SWITCHES = {"-Raw", "-Force", "-Recurse", "-File", "-NoNewline", "-CaseSensitive"}
# methods of a text only: Constrained Language Mode allows them, and no .NET type is reached
TEXT_METHODS = {"Replace", "Substring", "Trim", "TrimEnd", "ToLowerInvariant"}


def block(fence: str, first: str) -> str:
    page = PAGE.read_text("utf-8")
    start = page.index(f"```{fence}\n{first}")
    return page[start + len(f"```{fence}\n") : page.index("```\n", start + 6)]


@pytest.fixture(scope="module")
def ps() -> str:
    return block("powershell", "# 0. the run folder")


@pytest.fixture(scope="module")
def bash() -> str:
    return block("sh", "# 0. a folder of your own")


def steps(text: str) -> list[tuple[str, str]]:
    """The numbered steps of a block: (label, its text up to the next step)."""
    marks = list(re.finditer(r"^# ([0-9]+[a-z]?)\. ", text, re.M))
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return [(m.group(1), text[m.start() : end]) for m, end in zip(marks, ends, strict=True)]


def code_of(step: str) -> str:
    return "\n".join(x for x in step.splitlines() if x.strip() and not x.lstrip().startswith("#"))


# --- by rule, on the parsed block -----------------------------------------------------------


def test_the_block_parses_and_calls_only_cmdlets_of_windows_powershell_5_1(ps: str) -> None:
    tree = parser().parse(ps.encode("utf-8"))
    assert not tree.root_node.has_error, "the block does not parse as PowerShell"
    used = commands(ps)
    assert used, "no command found: the block was not read"
    assert used <= AUDITOR_CMDLETS, used - AUDITOR_CMDLETS
    assert not {c.lower() for c in used} & ALIASES
    assert not re.search(r"\.exe\b|\bAdd-Type\b|\bNew-Object\b|Invoke-Expression|::", ps)
    assert not re.search(r"^\s*&|[|;]\s*&", ps, re.M)  # no call operator: no program run
    types = {n.text.decode() for n in nodes(ps, "type_literal")}
    assert types <= {"[string]"}, types  # a cast to text only: no .NET type in CLM's way
    methods = {
        n.text.decode()
        for kind in ("invokation_expression", "invocation_expression")
        for call in nodes(ps, kind)
        for n in call.children
        if n.type == "member_name"
    }
    assert methods and methods <= TEXT_METHODS, methods


def test_every_path_is_given_by_literal_path(ps: str) -> None:
    seen = set()
    for node in nodes(ps, "command"):
        name = (node.child_by_field_name("command_name") or node.children[0]).text.decode()
        if name not in PATH_CMDLETS:
            continue
        seen.add(name)
        elements = [
            c
            for e in node.children
            if e.type == "command_elements"
            for c in e.children
            if c.type != "command_argument_sep"
        ]
        params = [e.text.decode() for e in elements if e.type == "command_parameter"]
        assert "-LiteralPath" in params and "-Path" not in params, node.text.decode()
        for before, after in zip([None, *elements], elements, strict=False):
            if after.type == "command_parameter":
                continue
            # every value follows a parameter that takes one: nothing positional
            assert before is not None and before.type == "command_parameter", node.text
            assert before.text.decode() not in SWITCHES, node.text
    assert {"Get-Content", "Get-FileHash", "Set-Content", "Get-ChildItem"} <= seen


def test_each_bash_step_has_its_powershell_counterpart(ps: str, bash: str) -> None:
    ps_steps, bash_steps = steps(ps), steps(bash)
    assert [s for s, _ in ps_steps] == [s for s, _ in bash_steps] == ["0", "1", "2", "2b", "3", "4"]
    page = " ".join(PAGE.read_text("utf-8").split())
    for label, text in ps_steps:
        if code_of(text):
            continue
        # a step without code says why, and the page says what the auditor does instead
        assert "CANNOT be done with Windows' own tools" in text, label
        assert f"**Step {label} cannot be done with Windows' own tools" in page, label
    assert {label for label, text in ps_steps if not code_of(text)} == {"1", "3"}
    assert "This block has not been run on Windows" in page
    assert "Adobe Acrobat Reader" in page and "certutil -verify" in page


# --- what each step computes, computed in Python ----------------------------------------------


def ps_record_hash(ps: str, line: str) -> str:
    """Step 4's hash of one line of audit.jsonl, as the block makes it: the -replace that drops
    the spaces between the parts, the cut of the hash, Set-Content's UTF-8 with a BOM, the BOM
    cut off, Get-FileHash in capitals, lowered."""
    found = re.search(r"\(\$line -replace '([^']+)', '\$1'\)", ps)
    assert found, "step 4's -replace is not the one this test mirrors"
    assert ".Replace(',\"hash\":\"' + $r.hash + '\"', '')" in ps
    assert "$bytes[3..($bytes.Length - 1)]" in ps and "-Encoding UTF8 -NoNewline" in ps
    record = json.loads(line)
    body = re.sub(found.group(1), r"\1", line).replace(',"hash":"' + record["hash"] + '"', "")
    written = b"\xef\xbb\xbf" + body.encode("utf-8")  # Windows PowerShell 5.1's UTF8: a BOM
    return hashlib.sha256(written[3:]).hexdigest().upper().lower()


def test_step_4_hashes_every_record_of_a_run_as_the_kit_does(
    ps: str, sample_run: dict[str, Any]
) -> None:
    lines = (sample_run["run_dir"] / "audit.jsonl").read_text("utf-8").splitlines()
    assert len(lines) > 10
    for line in lines:
        record = json.loads(line)
        assert ps_record_hash(ps, line) == record["hash"] == record_hash(record)


def test_step_4_hashes_a_hostile_record_as_the_kit_does(ps: str, tmp_path: Path) -> None:
    """Texts holding what the -replace works on (", ", ": ", quotes, backslashes), Danish
    letters, an emoji, a line separator, a nested "hash": the line as the kit writes it, cut
    and hashed as the block does, is the record's hash."""
    trail = AuditTrail(tmp_path / "audit.jsonl")
    trail.append(
        "x",
        note='Aarhus, Danmark: "citat" \\ \\" \\\\", ',
        navn="Søren Ærø Åse 😀\u2028\u00a0\t",
        files={"a b/c, d.txt": "0" * 64, "hash": "1" * 64, "q\"'.txt": "2"},
        tal=[1, 2.5, -0.0, 1e300, None, True, False, {"k": " v "}],
        empty="",
    )
    trail.append("y", hash_note=',"hash":"x"', spaces="   ")
    for line in (tmp_path / "audit.jsonl").read_text("utf-8").split("\n")[:-1]:
        record = json.loads(line)
        assert ps_record_hash(ps, line) == record["hash"] == record_hash(record), line


def ps_step_2(folder: Path) -> list[str]:
    """Step 2 as the block runs it: Get-FileHash (capitals) -ne the manifest's (no case)."""
    manifest = json.loads((folder / "manifest.json").read_text("utf-8-sig"))
    said = []
    for f in manifest["files"]:
        path = folder / f["path"]
        if (
            not path.is_file()
            or hashlib.sha256(path.read_bytes()).hexdigest().upper() != f["sha256"].upper()
        ):
            said.append(f["path"] + ": FAILED")
    return said


def ps_step_2b(folder: Path) -> set[tuple[str, str]]:
    """Step 2b's Compare-Object: (side, name) for a name on one side only."""
    manifest = json.loads((folder / "manifest.json").read_text("utf-8-sig"))
    listed = [f["path"] for f in manifest["files"]] + ["manifest.json", "manifest.json.p7s"]
    here = str(folder).rstrip(os.sep)
    found = [
        str(Path(d) / n)[len(here) + 1 :].replace(os.sep, "/")
        for d, _, names in os.walk(folder)
        for n in names
    ]
    return {("<=", x) for x in set(listed) - set(found)} | {
        ("=>", x) for x in set(found) - set(listed)
    }


needs_bash_tools = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("bash", "jq", "sha256sum", "find", "diff", "sort", "sed")),
    reason="the bash procedure needs jq and coreutils",
)


def bash_step(bash: str, label: str, folder: Path, tmp_path: Path) -> str:
    text = dict(steps(bash))[label].replace('"$out/', f'"{tmp_path}/')
    said = subprocess.run(["bash", "-c", text], cwd=folder, capture_output=True, text=True)
    return said.stdout


@needs_bash_tools
def test_steps_2_and_2b_say_what_the_bash_steps_say(
    bash: str, sample_run: dict[str, Any], tmp_path: Path
) -> None:
    folder = tmp_path / "run"
    shutil.copytree(sample_run["run_dir"], folder)
    cases = {
        "intact": lambda f: None,
        "changed": lambda f: (f / "dispatcher-config.json").write_bytes(b"{}"),
        "removed": lambda f: (f / "findings.json").unlink(),
        "added": lambda f: (f / "signoff" / "extra [1].html").write_text("x"),
    }
    for name, change in cases.items():
        case = tmp_path / name
        shutil.copytree(folder, case)
        change(case)
        two = bash_step(bash, "2", case, tmp_path)
        assert sorted(x.split(": FAILED")[0] for x in ps_step_2(case)) == sorted(
            x.split(": FAILED")[0] for x in two.splitlines()
        ), (name, two)
        diff = bash_step(bash, "2b", case, tmp_path)
        said = {
            ("<=" if x[0] == "<" else "=>", x[2:])
            for x in diff.splitlines()
            if x[:2] in ("< ", "> ")
        }
        assert ps_step_2b(case) == said, (name, diff)
        assert name != "intact" or said == {("<=", "manifest.json.p7s")}  # the run is unsealed


def ps_step_4(ps: str, folder: Path, anchor_from_page: str) -> list[str]:
    """Step 4's first five lines, as the block computes them."""
    prev, n, bad, anchor = "0" * 64, 0, 0, None
    for line in (folder / "audit.jsonl").read_text("utf-8").split("\n"):
        if not line:
            continue
        r = json.loads(line)
        n += 1
        bad += r["prev"] != prev or ps_record_hash(ps, line) != r["hash"]
        prev = r["hash"]
        if r["event"] == "outputs_sealed":
            anchor = r
    ok = anchor is not None and anchor["hash"] == anchor_from_page.strip().lower()
    changed = [
        p
        for p, s in (anchor["files"] if anchor and ok else {}).items()
        if (folder / p).is_symlink()
        or not (folder / p).is_file()
        or hashlib.sha256((folder / p).read_bytes()).hexdigest().upper().lower() != s
    ]
    m = json.loads((folder / "manifest.json").read_text("utf-8-sig"))
    ends = m.get("final_hash") == prev and m.get("records") == n
    pinned = len(anchor["files"]) if anchor else 0
    return [
        "chain: ok" if not bad else f"chain: BROKEN ({bad} records)",
        "anchor: matches the page" if ok else "anchor: DOES NOT MATCH the page",
        "files the anchor pins: not checked"
        if not ok
        else f"files the anchor pins: {pinned} unchanged"
        if not changed
        else "files the anchor pins: CHANGED OR MISSING: " + ", ".join(changed),
        "manifest: ends where the trail ends"
        if ends
        else "manifest: DOES NOT END WHERE THE TRAIL ENDS",
    ]


def test_step_4_says_what_the_bash_step_4_says(
    ps: str, bash: str, sample_run: dict[str, Any], tmp_path: Path
) -> None:
    """The same four verdicts as bash's step 4 (its program run as printed) on an intact run,
    a pinned file changed, the trail cut, a record edited and a wrong anchor; and the block
    prints those lines with the same words."""
    text = dict(steps(bash))["4"]
    program = text[text.index("python3 -c '") + len("python3 -c '") : text.index("' ANCHOR_FROM")]
    source = sample_run["run_dir"]
    records = (source / "audit.jsonl").read_text("utf-8").splitlines()
    anchor = [json.loads(x) for x in records if '"outputs_sealed"' in x][-1]["hash"]

    def edit(f: Path) -> None:
        (f / "audit.jsonl").write_text(
            "\n".join([records[0].replace('"test"', '"prod"', 1), *records[1:]]) + "\n", "utf-8"
        )

    cases = {
        "intact": (lambda f: None, anchor),
        "changed": (lambda f: (f / "dispatcher-config.json").write_bytes(b"{}"), anchor),
        "cut": (lambda f: (f / "audit.jsonl").write_text("\n".join(records[:-2]) + "\n"), anchor),
        "edited": (edit, anchor),
        "wrong anchor": (lambda f: None, json.loads(records[0])["hash"]),
    }
    for name, (change, given) in cases.items():
        case = tmp_path / name.replace(" ", "-")
        shutil.copytree(source, case)
        change(case)
        said = subprocess.run(
            [sys.executable, "-c", program, given], cwd=case, capture_output=True, text=True
        )
        mirrored = ps_step_4(ps, case, given)
        assert said.stdout.splitlines()[:4] == mirrored, (name, said.stdout, mirrored)
        assert (name == "intact") == (said.returncode == 0), name
    for line in ("chain: ok", "anchor: matches the page", "anchor: DOES NOT MATCH the page",
                 "files the anchor pins: not checked", "manifest: ends where the trail ends",
                 "manifest: DOES NOT END WHERE THE TRAIL ENDS", "chain: BROKEN (",
                 "files the anchor pins: CHANGED OR MISSING: ", "' unchanged'"):  # fmt: skip
        assert line in ps, line


def ps_verdict(ps: str, folder: Path, anchor_from_page: str) -> str:
    """The block's last line, as it decides it: the verdict's condition read from the block
    (each variable it must hold), its parts computed as the steps compute them."""
    condition = re.search(r"^if \((.*)\) \{ Write-Output 'verdict: steps 2 to 4 hold' \}", ps, re.M)
    assert condition, "the verdict line is not the one this test mirrors"
    parts = condition.group(1).split(" -and ")
    failed = len(ps_step_2(folder))
    anchor = [
        json.loads(x)
        for x in (folder / "audit.jsonl").read_text("utf-8").splitlines()
        if '"outputs_sealed"' in x
    ][-1]
    sealed_nothing = not anchor.get("sealed_by_sha256")
    unexplained = {
        d for d in ps_step_2b(folder) if not (d == ("<=", "manifest.json.p7s") and sealed_nothing)
    }
    four = ps_step_4(ps, folder, anchor_from_page)
    values = {
        "$failed -eq 0": failed == 0,
        "$unexplained.Count -eq 0": not unexplained,
        "$links.Count -eq 0": not any(p.is_symlink() for p in folder.rglob("*")),
        "$bad -eq 0": four[0] == "chain: ok",
        "$ok": four[1] == "anchor: matches the page",
        "$changed.Count -eq 0": "CHANGED" not in four[2],
        "$ends": four[3] == "manifest: ends where the trail ends",
        "$same": True,  # the sample is unsealed: both fingerprints are empty
    }
    assert set(parts) == set(values), parts
    holds = all(values[p] for p in parts)
    return "verdict: steps 2 to 4 hold" if holds else "verdict: NOT INTACT"


def test_the_verdict_counts_steps_2_and_2b(
    ps: str, sample_run: dict[str, Any], tmp_path: Path
) -> None:
    """A hostile look: the verdict read only step 4's lines. The anchor does not pin the
    sign-off pages, so a page changed (step 2: FAILED), a file added (step 2b: =>) or a link
    still read "verdict: steps 2 to 4 hold"; an unsealed run's missing seal is no failure."""
    source = sample_run["run_dir"]
    records = (source / "audit.jsonl").read_text("utf-8").splitlines()
    anchor = [json.loads(x) for x in records if '"outputs_sealed"' in x][-1]
    assert "signoff/index.html" not in anchor["files"]
    cases = {
        "intact": (lambda f: None, True),
        "page changed": (lambda f: (f / "signoff" / "index.html").write_text("x"), False),
        "added": (lambda f: (f / "signoff" / "extra [1].ps1").write_text("x"), False),
        "link": (lambda f: (f / "signoff" / "l").symlink_to(f / "findings.json"), False),
    }
    for name, (change, holds) in cases.items():
        case = tmp_path / name.replace(" ", "-")
        shutil.copytree(source, case)
        change(case)
        said = ps_verdict(ps, case, anchor["hash"])
        assert said == ("verdict: steps 2 to 4 hold" if holds else "verdict: NOT INTACT"), name
    assert "Write-Output ($f.path + ': FAILED'); $failed++" in ps
    assert "$extra = @(Compare-Object " in ps and "$links = @(Get-ChildItem " in ps
