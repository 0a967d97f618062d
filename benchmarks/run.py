"""ngdpkit benchmarks: `make bench` (results in benchmarks/results/ as JSON and Markdown).

Every figure is measured side by side with its peer in one run, as the median of
at least 5 repetitions, on inputs this script builds itself. `--smoke` runs each
benchmark once at its smallest size (what `make test` does to prove they still work): in
the run section, bare papermill's kernel-per-notebook peer for the first notebook only (the
one-kernel peer runs all five) and the sequential pair from the one run of test already
timed; the probes' server answers after 20 ms instead of 200.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# What a run's child imports before its first notebook (as run_environment does).
CHILD_IMPORTS = (
    "from ngdpkit.run.child import skip_iri_grammar; skip_iri_grammar(); "
    "import ngdpkit.run.parent, papermill, nbformat"
)
PY = sys.executable
sys.path.insert(0, str(HERE))
from workloads import write_settings  # noqa: E402 (beside this script, not a package)


def median_of(reps: int, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    runs = [fn() for _ in range(reps)]
    out: dict[str, Any] = {"reps": reps}
    for key in runs[0]:
        values = [r[key] for r in runs if isinstance(r.get(key), int | float)]
        if values:
            out[key] = round(statistics.median(values), 3)
    return out


def workload(name: str, folder: Path | float) -> dict[str, Any]:
    r = subprocess.run(
        [PY, str(HERE / "workloads.py"), name, str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(r.stdout.strip().splitlines()[-1])


def timed(cmd: list[str], **kw: Any) -> dict[str, Any]:
    start = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode not in (0, 1):
        raise RuntimeError(f"{cmd} failed with {r.returncode}: {r.stdout[-500:]} {r.stderr[-500:]}")
    return {"seconds": time.perf_counter() - start}


def bench_mailboxes(work: Path, sizes: list[int], reps: int) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        folder = work / f"mailboxes-{n}"
        subprocess.run([PY, str(HERE / "workloads.py"), "build", str(folder), str(n)], check=True)
        kit = median_of(reps, lambda f=folder: workload("kit", f))
        cal = median_of(reps, lambda f=folder: workload("calamine", f))
        opx = median_of(reps, lambda f=folder: workload("openpyxl", f))
        rows.append(
            {
                "mailboxes": n,
                "kit": kit,
                "calamine": cal,
                "openpyxl": opx,
                "kit_map_vs_calamine": round(kit["map_seconds"] / cal["seconds"], 2),
                "openpyxl_vs_kit_map": round(opx["seconds"] / kit["map_seconds"], 2),
            }
        )
        print(
            f"  mailboxes {n}: kit {kit['map_seconds']} s (+{kit['suggest_seconds']} s suggestions), calamine {cal['seconds']} s, openpyxl {opx['seconds']} s",
            flush=True,
        )
    return rows


def bench_editor(work: Path, sizes: list[int], reps: int) -> list[dict[str, Any]]:
    """Notebook 02's editor: one decision written and the mapping made again (issue 28's
    "under a second at 10,000 mailboxes"), on the mailbox benchmark's inputs."""
    rows = []
    for n in sizes:
        folder = work / f"mailboxes-{n}"
        if not (folder / "mailboxes.xlsx").is_file():
            subprocess.run(
                [PY, str(HERE / "workloads.py"), "build", str(folder), str(n)], check=True
            )
        result = median_of(reps, lambda f=folder: workload("editor", f))
        rows.append({"mailboxes": n, **result})
        print(
            f"  editor at {n:,} mailboxes: decision + recompute {result['seconds']} s, "
            f"the whole click (rows drawn again) {result['action_seconds']} s",
            flush=True,
        )
    return rows


def bench_redact(megabytes: float, reps: int) -> dict[str, Any]:
    """``redact`` over hostile texts of ``megabytes`` each (HTML, JSON and percent escapes,
    decomposed Danish), without a registered secret and with one the text holds split."""
    result = median_of(reps, lambda: workload("redact", megabytes))
    print(f"  redact, {megabytes} MB per text: {result['seconds']} CPU-s in all", flush=True)
    return {"megabytes": megabytes, **result}


def bench_scan(cells: list[int], reps: int) -> list[dict[str, Any]]:
    """The leak scan (``scan_bytes``) of workbooks of full cells written by openpyxl, whose
    text is references (``&#65352;``, ``&#230;``): full-width, Danish, a full-width secret."""
    rows = []
    for n in cells:
        result = median_of(reps, lambda n=n: workload("scan", n))
        print(f"  scan, {n} cells per workbook: {result['seconds']} CPU-s in all", flush=True)
        rows.append({"cells": n, **result})
    return rows


# ``--sample``: a sample set to copy instead of generating one (the suite's smoke tests hand
# over the session's, sparing the RSA keys of `ngdpkit sample` and, for status, its run).
SAMPLE: Path | None = None


def sample_copy(work: Path, name: str, *, keep_runs: bool = False) -> Path:
    """A fresh sample set in ``work / name``: made by `ngdpkit sample`, or copied from
    ``--sample`` (its run folders only with ``keep_runs``)."""
    target = work / name
    shutil.rmtree(target, ignore_errors=True)
    if SAMPLE is None:
        subprocess.run(
            [PY, "-m", "ngdpkit", "sample", str(target)], capture_output=True, check=True
        )
    else:
        ignore = None if keep_runs else shutil.ignore_patterns("runs")
        shutil.copytree(SAMPLE, target, symlinks=True, ignore=ignore)
    return target


def has_finished_runs(sample: Path, envs: tuple[str, ...]) -> bool:
    """Whether ``sample`` holds a finished run (named by LATEST) of each of ``envs``."""
    for env in envs:
        latest = sample / "runs" / env / "LATEST"
        if not latest.is_file():
            return False
        if not (sample / "runs" / env / latest.read_text().strip() / "manifest.json").is_file():
            return False
    return True


def last_run_phases(sample: Path, env: str) -> dict[str, Any]:
    env_dir = sample / "runs" / env
    latest = (env_dir / "LATEST").read_text().strip()
    records = [json.loads(x) for x in (env_dir / latest / "audit.jsonl").read_text().splitlines()]
    finished = records[-1]
    return {
        **{f"notebook {k}": v for k, v in finished["durations"].items()},
        **finished.get("phases", {}),
    }


NOTEBOOKS = (
    "01_mailboxes",
    "02_contact_points",
    "03_certificate",
    "04_system_and_network",
    "05_dispatcher_config",
)


def papermill_script(
    settings: str, *, one_kernel: bool, notebooks: tuple[str, ...] = NOTEBOOKS
) -> str:
    """papermill alone running the five notebooks of one environment (or the first
    ``notebooks`` of them): a kernel per notebook (papermill's default), or one kernel started
    first and handed to each."""
    km = ", km=km" if one_kernel else ""
    lines = [
        "import papermill as pm, tempfile, sys, pathlib, importlib.resources as r",
        "from jupyter_client.manager import KernelManager",
        "d = pathlib.Path(tempfile.mkdtemp()); (d / 'steps').mkdir()",
    ]
    if one_kernel:
        lines.append("km = KernelManager(kernel_name='python3'); km.start_kernel(cwd=str(d))")
    lines += [
        f"for n in {list(notebooks)!r}:",
        "    src = str(r.files('ngdpkit') / 'notebooks' / (n + '.ipynb'))",
        f"    pm.execute_notebook(src, str(d / (n + '.ipynb')), parameters=dict(environment='test', settings={settings!r}, run_dir=str(d), online=False), kernel_name='python3', progress_bar=False, cwd=str(d){km})",
    ]
    if one_kernel:
        lines.append("km.shutdown_kernel(now=True)")
    lines.append("import shutil; shutil.rmtree(d)")  # a peer leaves no folder behind either
    return "\n".join(lines) + "\n"


def bench_run(work: Path, reps: int, *, smoke: bool = False) -> dict[str, Any]:
    sample = sample_copy(work, "sample-run")
    settings = str(sample / "migration.toml")
    run_test = [PY, "-m", "ngdpkit", "run", "--settings", settings, "--env", "test"]
    run_production = [PY, "-m", "ngdpkit", "run", "--settings", settings, "--env", "production"]
    one = median_of(reps, lambda: timed(run_test))
    phases = last_run_phases(sample, "test")
    imports = median_of(reps, lambda: timed([PY, "-c", CHILD_IMPORTS]))
    # --smoke: a kernel per notebook for the first notebook only (a kernel of its own, as for
    # each of the five; 11 of the smoke's 35 CPU-s were the five kernels): the one-kernel
    # peer below still runs all five notebooks through bare papermill
    per_kernel = papermill_script(
        settings, one_kernel=False, notebooks=NOTEBOOKS[: 1 if smoke else None]
    )
    bare = median_of(reps, lambda: timed([PY, "-c", per_kernel]))
    # The same notebooks through papermill in one kernel (as the kit runs them), without
    # the kit's fresh session between notebooks.
    shared = papermill_script(settings, one_kernel=True)
    bare_shared = median_of(reps, lambda: timed([PY, "-c", shared]))

    def both_in_turn() -> dict[str, Any]:
        # --smoke: no run again; test's run just timed stands for both (the same command, a
        # code path already exercised; production's run is made by `--env all` below)
        if smoke:
            return {"seconds": 2 * one["seconds"]}
        return {"seconds": timed(run_test)["seconds"] + timed(run_production)["seconds"]}

    sequential = median_of(reps, both_in_turn)
    concurrent = median_of(
        reps, lambda: timed([PY, "-m", "ngdpkit", "run", "--settings", settings, "--env", "all"])
    )
    check = median_of(
        reps, lambda: timed([PY, "-m", "ngdpkit", "check", "--settings", settings, "--env", "all"])
    )
    imp = median_of(reps, lambda: timed([PY, "-c", "import ngdpkit"]))
    out = {
        "run_one_env": one,
        "phases_last_run": phases,
        "interpreter_and_imports": imports,
        "bare_papermill": bare,
        "bare_papermill_notebooks": NOTEBOOKS[: 1 if smoke else None],
        "overhead_vs_papermill": round(one["seconds"] / bare["seconds"] - 1, 3),
        "bare_papermill_one_kernel": bare_shared,
        "overhead_vs_papermill_one_kernel": round(one["seconds"] / bare_shared["seconds"] - 1, 3),
        "both_sequential": sequential,
        "both_concurrent": concurrent,
        "concurrent_vs_one": round(concurrent["seconds"] / one["seconds"], 2),
        "check_both": check,
        "import_ngdpkit": imp,
    }
    print(
        f"  run one env {one['seconds']} s, bare papermill {bare['seconds']} s (one kernel: {bare_shared['seconds']} s), both concurrent {concurrent['seconds']} s, sequential {sequential['seconds']} s, check {check['seconds']} s, import {imp['seconds']} s",
        flush=True,
    )
    return out


def bench_probes(reps: int, count: int = 20, delay: float = 0.2) -> dict[str, Any]:
    import ssl

    from ngdpkit.checks.probes import Probe, run_probe, run_probes

    with tempfile.TemporaryDirectory(prefix="ngdpkit-probe-bench-") as tmp:
        ca_file = Path(tmp) / "ca.pem"
        server = subprocess.Popen(
            [PY, str(HERE / "slow_server.py"), str(delay), str(ca_file)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            port = int(server.stdout.readline())  # type: ignore[union-attr]
            verify = ssl.create_default_context(cafile=str(ca_file))
            probes = [Probe(f"p{i}", f"https://localhost:{port}/", "https") for i in range(count)]
            resolver = lambda host: ["127.0.0.1"]  # noqa: E731

            def concurrent() -> dict[str, Any]:
                t = time.perf_counter()
                found = run_probes(probes, timeout=5, total=30, resolver=resolver, verify=verify)
                assert not found, found
                return {"seconds": time.perf_counter() - t}

            def sequential() -> dict[str, Any]:
                t = time.perf_counter()
                for p in probes:
                    run_probe(
                        p,
                        resolver=resolver,
                        timeout=5,
                        verify=verify,
                        client_ctx=None,
                        authorization=None,
                        source="",
                    )
                return {"seconds": time.perf_counter() - t}

            c, s = median_of(reps, concurrent), median_of(reps, sequential)
        finally:
            server.kill()
            server.wait()
    print(
        f"  {count} probes at {int(delay * 1000)} ms: concurrent {c['seconds']} s, sequential {s['seconds']} s",
        flush=True,
    )
    return {
        "probes": count,
        "delay_s": delay,
        "concurrent": c,
        "sequential": s,
        "speedup": round(s["seconds"] / c["seconds"], 1),
    }


def tree_rss_mb(root: int) -> tuple[float, float]:
    """(the summed RSS of ``root`` and its descendants, the largest single one), in MB, from
    /proc (Linux; NaN elsewhere)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return float("nan"), float("nan")
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
            fields = stat[stat.rindex(b")") + 2 :].split()
            pid = int(entry)
            children.setdefault(int(fields[1]), []).append(pid)
            rss[pid] = int(fields[21]) * page
        except (OSError, ValueError, IndexError):
            continue
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    sizes = [rss.get(pid, 0) for pid in tree]
    return sum(sizes) / 1e6, max(sizes, default=0) / 1e6


def timed_process(cmd: list[str], *, trace: bool = False) -> dict[str, Any]:
    """A whole command as a user runs it: wall time and the peak memory of the process tree
    (``wait4`` reports the largest of the child and the descendants it waited for). With
    ``trace``, its console lines are kept with the time each arrived (``lines``: seconds
    after the start, text; the process runs unbuffered) and the summed RSS of its process
    tree is sampled every 0.1 s (``tree_peak_mb``), so that :func:`run_trace` can place the
    run's own records on the same clock (``started_at``: epoch seconds)."""
    import threading

    env = {**os.environ, "PYTHONUNBUFFERED": "1"} if trace else None
    started_at = time.time()
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE if trace else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        text=trace or None,
    )
    lines: list[tuple[float, str]] = []
    peaks = [0.0, 0.0]
    done = threading.Event()

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append((round(time.time() - started_at, 3), line.rstrip("\n")))

    def sample() -> None:
        while not done.wait(0.1):
            total, largest = tree_rss_mb(proc.pid)
            peaks[0], peaks[1] = max(peaks[0], total), max(peaks[1], largest)

    threads = [threading.Thread(target=f, daemon=True) for f in (read, sample)] if trace else []
    for th in threads:
        th.start()
    if hasattr(os, "wait4"):
        _, status, usage = os.wait4(proc.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code
        peak = usage.ru_maxrss / 1024
    else:  # Windows: no rusage
        code, peak = proc.wait(), float("nan")
    seconds = time.perf_counter() - start
    done.set()
    for th in threads:
        th.join(timeout=5)
    if code not in (0, 1):
        raise RuntimeError(f"{cmd} failed with {code}: {proc.stderr.read()[-500:]!r}")  # type: ignore[union-attr]
    out: dict[str, Any] = {"seconds": seconds, "peak_mb": peak}
    if trace:
        out.update(
            started_at=started_at, lines=lines, tree_peak_mb=round(peaks[0]), ended_at=time.time()
        )
    return out


def folder_mb(folder: Path, pattern: str = "*") -> float:
    return round(sum(p.stat().st_size for p in folder.rglob(pattern) if p.is_file()) / 1e6, 1)


def _epoch(at: str) -> float:
    """An audit record's ``at`` (UTC, microseconds) as epoch seconds."""
    import datetime as dt

    return dt.datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC).timestamp()


def run_trace(run_dir: Path, traced: dict[str, Any], check_seconds: float) -> list[dict[str, Any]]:
    """Where one run spent its wall time, from what the run itself records: its console lines
    (as they arrived), its audit records (``at``, the ``step`` records' durations, the
    ``run_finished`` phases) and the times its files were last written. Nothing is
    instrumented; where the records cannot split a phase, the row says what it holds.
    Rows: {"part", "seconds", "how"}; seconds after the process started where it says "at"."""
    import re

    t0 = traced["started_at"]
    end = traced["seconds"]
    records = [json.loads(x) for x in (run_dir / "audit.jsonl").read_text().splitlines()]

    def at(event: str, last: bool = False) -> float:
        found = [r for r in records if r["event"] == event]
        return _epoch(found[-1 if last else 0]["at"]) - t0

    finished = [r for r in records if r["event"] == "run_finished"][-1]
    phases = finished.get("phases", {})
    steps = {r["step"]: r["duration_s"] for r in records if r["event"] == "step"}
    lines = traced["lines"]
    begun: dict[str, float] = {}
    ended: dict[str, float] = {}
    for when, text in lines:
        m = re.match(r"\s*(?:\[\S+\] )?\s*\d+/\d+ (\S+) …$", text)
        if m:
            begun[m.group(1)] = when
        m = re.match(r"\s*(?:\[\S+\] )?\s*\d+/\d+ (\S+): ", text)
        if m:
            ended[m.group(1)] = when
    names = [n for n in steps if n in begun and n in ended]
    first_line = lines[0][0] if lines else float("nan")
    started = at("run_started")
    checks = at("checks_finished")
    outputs_end = checks + phases.get("outputs", 0.0)
    sealed = at("outputs_sealed")
    render = phases.get("render", 0.0)
    written = at("output_written")
    done = at("run_finished", last=True)
    rows: list[dict[str, Any]] = []

    def row(part: str, seconds: float, how: str) -> None:
        rows.append({"part": part, "seconds": round(seconds, 2), "how": how})

    row(
        "interpreter and the CLI's imports",
        first_line,
        "process start → `run`'s first console line",
    )
    row(
        "the parent's input check beside the child's interpreter, imports and first kernel boot; the run folder made",
        started - first_line,
        "first line → `run_started`; not separable from the records: they share the two cores "
        f"(for scale: `check` as a whole process {check_seconds:.2f} s)",
    )
    kernel = finished.get("kernel") or {}
    waits = kernel.get("ready_waits") or {}
    if kernel.get("first_boot_s") is not None:
        row(
            "kernel starts: the one kernel of the sequence, from its launch to its first answer",
            kernel["first_boot_s"],
            "`run_finished` `kernel.first_boot_s`. The child launches it before anything else, "
            "so it boots beside the rows above and below; notebook 01 waited "
            f"{waits.get(names[0], 0.0) if names else 0.0:.2f} s for it (its row holds that), "
            "later notebooks "
            f"{sum(v for k, v in waits.items() if names and k != names[0]):.2f} s in all for "
            "their client (`kernel.ready_waits`). Kernels started in all: "
            f"{kernel.get('started', '?')}",
        )
    row(
        "the child until notebook 01 starts",
        begun[names[0]] - started if names else float("nan"),
        "`run_started` → the notebook's progress line",
    )
    for i, name in enumerate(names):
        note = "its `step` record's duration (papermill's execution in the kernel)"
        if i == 0:
            note += " (holds any wait for the first kernel to be ready)"
        row(f"notebook {name}", steps[name], note)
    if names:
        span = ended[names[-1]] - begun[names[0]]
        row(
            "between and after the notebooks: fresh sessions, papermill's start and save, the "
            "last notebook's records",
            span - sum(steps[n] for n in names),
            f"first start line → last end line ({span:.2f} s) less the notebooks' durations. "
            "A finished notebook's copy scrubbed, its step file read, its audit records and "
            "its end line are made on a thread while the next notebook executes (issue 31); "
            "the next start line waits for them, so the console reads in order",
        )
    if names:
        row(
            "after the last notebook until the outputs begin",
            checks - ended[names[-1]],
            "end line → `checks_finished` (the kernel retired, the findings gathered)",
        )
    row(
        "outputs, all writers",
        phases.get("outputs", 0.0),
        "`run_finished` phase `outputs`. Below, first each writer of the phase as the run "
        "timed it (for the files of steps 02-04, begun on the render-ahead thread when their "
        "notebook ended, the part the phase waited for); then each file by when it was last "
        "written (mtime), those written ahead by when they were done",
    )
    for label, seconds in finished.get("writers") or []:
        row(f"· writer: {label}", seconds, "`run_finished` `writers`: measured by the run")
    for w in writers(run_dir, t0, checks, outputs_end, begun, ended):
        rows.append(w)
    row(
        "seal",
        sealed - outputs_end,
        "end of `outputs` → `outputs_sealed` (the kernel reaped, every deliverable hashed: from the writer's bytes, or read once, hashed and scanned, when another process wrote it)",
    )
    row("pages", render, "`run_finished` phase `render`")
    row(
        "scan",
        written - sealed - render,
        "`outputs_sealed` + pages → first `output_written` (holds the first file's hash): the "
        "leak scan for the bench's authorization header (workloads.SECRET) in every file; what "
        "the run wrote itself was scanned by its writer, so only what changed since is read here",
    )
    row(
        "the audit's `output_written` records",
        done - written,
        "first `output_written` → `run_finished` (each file's hash from the ledger, not read again)",
    )
    row(
        "manifest, the processes ending",
        end - done,
        "`run_finished` → the process's end (the manifest from the same hashes, `LATEST`, exits)",
    )
    # The wall clock as the row's figure reports it (to the millisecond, trace_run_seconds),
    # then to the hundredth like every part: rounding the raw seconds once could differ by
    # 0.01 from the reported figure rounded again (4.4751 -> 4.48, but 4.475 -> 4.47).
    row("total (wall clock of the process)", round(end, 3), "")
    return rows


def writers(
    run_dir: Path,
    t0: float,
    start: float,
    stop: float,
    begun: dict[str, float],
    ended: dict[str, float],
) -> list[dict[str, Any]]:
    """Each deliverable by the time it was last written (its mtime): those of the outputs
    phase by the time since the file before it; those written ahead, on threads while the
    notebooks ran, by when they were done. A writer's start is not recorded."""
    skip = ("notebooks/", "steps/", "signoff/", "audit.jsonl", "manifest.json")
    files = []
    for p in run_dir.rglob("*"):
        rel = p.relative_to(run_dir).as_posix()
        if p.is_file() and not rel.startswith(skip) and not rel.startswith("."):
            files.append((p.stat().st_mtime - t0, rel, p.stat().st_size / 1e6))
    files.sort()
    out, previous = [], start
    for when, rel, mb in files:
        if when < start - 0.005:
            during = [n for n in begun if begun[n] <= when <= ended.get(n, when)]
            out.append(
                {
                    "part": f"· {rel} ({mb:.1f} MB)",
                    "seconds": None,
                    "how": f"written ahead, on a thread: done at {when:.2f} s"
                    + (f", during notebook {during[0]}" if during else ""),
                }
            )
        else:
            out.append(
                {
                    "part": f"· {rel} ({mb:.1f} MB)",
                    "seconds": round(when - previous, 2),
                    "how": f"done at {when:.2f} s; the time since the file before it"
                    + (" (or the phase's start)" if previous == start else "")
                    + ("; after the `outputs` phase" if when > stop + 0.05 else ""),
                }
            )
            previous = max(previous, when)
    return out


def traced_median(reps: int, cmd: list[str], keep: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of ``reps`` traced runs; the last run's trace is kept in ``keep``."""

    def one() -> dict[str, Any]:
        result = timed_process(cmd, trace=True)
        keep[:] = [result]
        return {k: v for k, v in result.items() if k in ("seconds", "peak_mb", "tree_peak_mb")}

    return median_of(reps, one)


def bench_commands(
    work: Path, sizes: list[int], reps: int, *, smoke: bool = False
) -> list[dict[str, Any]]:
    """`ngdpkit check` and `ngdpkit run --env test` as whole processes beside the bare
    calamine read of the same three files, in one loop (issue 12's measure). Each size has a
    mapping file of 49,500 rows per 100,000 mailboxes (the history's); the largest one again
    with a mapping file naming every mailbox (issue 31's). Every run is traced (console lines,
    the tree's summed memory); the last run of each row is broken down by phase. With
    ``smoke`` the row with the full mapping file takes its `check` and bare read from the
    row before it (the same mailboxes, the same commands, already run once): only its run,
    traced and broken down, is its own."""
    rows = []
    variants = [(n, False) for n in sizes] + [(sizes[-1], True)]
    for n, full in variants:
        folder = work / f"commands-{n}{'-full' if full else ''}"
        subprocess.run(
            [PY, str(HERE / "workloads.py"), "build", str(folder), str(n)]
            + (["full"] if full else []),
            check=True,
        )
        write_settings(folder)
        settings = str(folder / "m.toml")
        bare = [PY, str(HERE / "workloads.py"), "calamine", str(folder)]
        check = [PY, "-m", "ngdpkit", "check", "--settings", settings, "--env", "test"]
        out = folder / "runs"
        run = [
            PY,
            "-m",
            "ngdpkit",
            "run",
            "--settings",
            settings,
            "--env",
            "test",
            "--out",
            str(out),
        ]
        kept: list[dict[str, Any]] = []
        if smoke and full and rows and rows[-1]["mailboxes"] == n:
            peers = {"bare": rows[-1]["bare"], "check": rows[-1]["check"]}
        else:
            peers = {
                "bare": median_of(reps, functools.partial(timed_process, bare)),
                "check": median_of(reps, functools.partial(timed_process, check)),
            }
        row = {
            "mailboxes": n,
            "mapping_rows": n if full else (n + 1) // 2,
            **peers,
            "run": traced_median(max(1, reps if n < 100_000 else 3), run, kept),
        }
        last = sorted((out / "test").glob("2*"))[-1]
        row["run_folder_mb"] = folder_mb(last)
        row["step_json_mb"] = folder_mb(last / "steps", "*.json")
        row["step_parquet_mb"] = folder_mb(last / "steps", "*.parquet")
        row["check_vs_bare"] = round(row["check"]["seconds"] / row["bare"]["seconds"], 2)
        row["run_vs_bare"] = round(row["run"]["seconds"] / row["bare"]["seconds"], 1)
        row["trace"] = run_trace(last, kept[0], row["check"]["seconds"])
        row["trace_run_seconds"] = round(kept[0]["seconds"], 3)
        row["trace_tree_peak_mb"] = kept[0]["tree_peak_mb"]
        row["trace_lines"] = kept[0]["lines"]  # (seconds after the start, console line)
        print(
            f"  {n:>7,} ({row['mapping_rows']:,} mapping rows): bare {row['bare']['seconds']} s, "
            f"check {row['check']['seconds']} s ({row['check_vs_bare']}x), run "
            f"{row['run']['seconds']} s ({row['run_vs_bare']}x), peak {row['run']['peak_mb']:.0f} MB "
            f"(one process), {row['run']['tree_peak_mb']:.0f} MB (the tree, summed)",
            flush=True,
        )
        rows.append(row)
    return rows


def bench_status(work: Path, customers: int, reps: int) -> dict[str, Any]:
    """`ngdpkit status` over a consultancy's folder: N customers x 2 environments, each with a
    real run folder of the sample (copied), read without re-running."""
    sample = sample_copy(work, "status-sample", keep_runs=True)
    if not has_finished_runs(sample, ("test", "production")):  # --sample may hold them
        subprocess.run(
            [PY, "-m", "ngdpkit", "run", "--settings", str(sample / "migration.toml")]
            + ["--env", "all"],
            capture_output=True,
            check=False,
        )
    portfolio = work / "portfolio"
    for i in range(customers):
        target = portfolio / f"customer-{i:03d}"
        shutil.copytree(sample, target, ignore=shutil.ignore_patterns("certs", "*.xlsx"))
    cmd = [PY, "-m", "ngdpkit", "status", str(portfolio), "--json"]
    result = median_of(reps, lambda: timed_process(cmd))
    print(f"  status, {customers} customers x 2 environments: {result['seconds']} s", flush=True)
    return {"customers": customers, "environments": 2 * customers, **result}


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Machine: {results['machine']}; median of {results['reps']} repetitions.",
        "",
        "| figure | ngdpkit | peer | ratio | target |",
        "|---|---|---|---|---|",
    ]
    for row in results.get("mailboxes", []):
        n = row["mailboxes"]
        lines.append(
            f"| {n:,} mailboxes: load + validate + map | {row['kit']['map_seconds']} s, {row['kit']['peak_mb']:.0f} MB | calamine {row['calamine']['seconds']} s, {row['calamine']['peak_mb']:.0f} MB | {row['kit_map_vs_calamine']}× | ≤ 1.5× |"
        )
        lines.append(
            f"| {n:,} mailboxes vs openpyxl | {row['kit']['map_seconds']} s | openpyxl {row['openpyxl']['seconds']} s, {row['openpyxl']['peak_mb']:.0f} MB | {row['openpyxl_vs_kit_map']}× faster | ≥ 3× |"
        )
        lines.append(
            f"| {n:,} mailboxes: suggestions for {row['kit'].get('unmapped', 0):,.0f} unmapped | {row['kit']['suggest_seconds']} s | – | – | – |"
        )
    for row in results.get("commands", []):
        n = row["mailboxes"]
        rows_ = row.get("mapping_rows", (n + 1) // 2)
        what = f"{n:,} mailboxes, mapping file of {rows_:,} rows"
        tree = row["run"].get("tree_peak_mb")
        summed = f" ({tree:.0f} MB summed over the tree)" if isinstance(tree, int | float) else ""
        lines += [
            f"| {what}: `ngdpkit check` (process) | {row['check']['seconds']} s, {row['check']['peak_mb']:.0f} MB | bare calamine read {row['bare']['seconds']} s, {row['bare']['peak_mb']:.0f} MB | {row['check_vs_bare']}× | ≤ 1.5× |",
            f"| {what}: `ngdpkit run --env test` (process tree) | {row['run']['seconds']} s, {row['run']['peak_mb']:.0f} MB{summed}; folder {row['run_folder_mb']} MB, step JSON {row['step_json_mb']} MB + Parquet {row['step_parquet_mb']} MB | bare calamine read {row['bare']['seconds']} s | {row['run_vs_bare']}× | ≤ 5× (issue 31: ≤ 4× with the full mapping file) |",
        ]
    for row in results.get("editor", []):
        lines.append(
            f"| {row['mailboxes']:,} mailboxes: the editor's recompute (one decision written + the mapping made again, {row['unmapped']:,.0f} unmapped) | {row['seconds']} s; the whole click with 50 rows drawn again {row['action_seconds']} s (kernel side) | – | – | < 1 s |"
        )
    st = results.get("status")
    if st:
        lines.append(
            f"| `ngdpkit status`, {st['customers']} customers × 2 environments | {st['seconds']} s, {st['peak_mb']:.0f} MB | – | – | – |"
        )
    r = results.get("run")
    if r:
        ran = len(r.get("bare_papermill_notebooks", NOTEBOOKS))
        per_kernel_of = "" if ran == len(NOTEBOOKS) else f" ({ran} of {len(NOTEBOOKS)} notebooks)"
        lines += [
            f"| `ngdpkit run`, one environment (sample) | {r['run_one_env']['seconds']} s | bare papermill, a kernel per notebook{per_kernel_of} {r['bare_papermill']['seconds']} s | {r['overhead_vs_papermill'] * 100:+.0f}% | < 20 s, < +30% |",
            f"| the same | {r['run_one_env']['seconds']} s | bare papermill, one kernel for all five {r['bare_papermill_one_kernel']['seconds']} s | {r['overhead_vs_papermill_one_kernel'] * 100:+.0f}% | < +30% |",
            f"| both environments | concurrent {r['both_concurrent']['seconds']} s | sequential {r['both_sequential']['seconds']} s | {r['concurrent_vs_one']}× one env | < 1.5× one env |",
            f"| `ngdpkit check`, both environments | {r['check_both']['seconds']} s | – | – | < 3 s |",
            f'| `python -c "import ngdpkit"` | {r["import_ngdpkit"]["seconds"]} s | – | – | < 0.5 s |',
        ]
    rd = results.get("redact")
    if rd:
        kinds = [k.removesuffix("_secret_seconds") for k in rd if k.endswith("_secret_seconds")]
        for kind in kinds:
            lines.append(
                f"| `redact`, {rd['megabytes']} MB of {kind} | {rd[kind + '_secret_seconds']} CPU-s with a secret registered, {rd[kind + '_seconds']} without | – | – | – |"
            )
    for sc in results.get("scan", []):
        kinds = [k.removesuffix("_xml_mb") for k in sc if k.endswith("_xml_mb")]
        for kind in kinds:
            lines.append(
                f"| leak scan, workbook of {sc['cells']} cells of {kind} ({sc[kind + '_xml_mb']} MB of XML) | {sc[kind + '_seconds']} CPU-s | – | – | – |"
            )
    p = results.get("probes")
    if p:
        lines.append(
            f"| {p['probes']} probes, server answers after {int(p['delay_s'] * 1000)} ms | concurrent {p['concurrent']['seconds']} s | sequential {p['sequential']['seconds']} s | {p['speedup']}× | < 1 s |"
        )
    traced = [row for row in results.get("commands", []) if row.get("trace")]
    if traced:
        row = traced[-1]
        lines += [
            "",
            f"Where one run of `ngdpkit run --env test` spends its time at {row['mailboxes']:,} "
            f"mailboxes with a mapping file of {row.get('mapping_rows', 0):,} rows (the last of "
            f"the row's runs, {row['trace_run_seconds']} s; peak {row['trace_tree_peak_mb']:.0f} MB "
            "summed over the process tree, sampled every 0.1 s), from the run's own records:",
            "",
            "| part | seconds | from |",
            "|---|---|---|",
        ]
        for t in row["trace"]:
            sec = "–" if t["seconds"] is None else t["seconds"]
            lines.append(f"| {t['part']} | {sec} | {t['how']} |")
    if r:
        lines += [
            "",
            "Where one environment's run of the sample spends its time (from the run's own audit records):",
            "",
            "| part | seconds |",
            "|---|---|",
        ]
        lines.append(
            f"| interpreter and the child's imports (`python -c '{CHILD_IMPORTS}'`) | {r['interpreter_and_imports']['seconds']} |"
        )
        lines += [f"| {k} | {v} |" for k, v in r["phases_last_run"].items()]
    return "\n".join(lines) + "\n"


SECTIONS = {
    "mailboxes": "mailbox export (kit vs bare calamine and openpyxl reads of the same files)",
    "commands": "commands (whole processes, beside the bare read)",
    "editor": "notebook 02's mapping editor (a decision written, the mapping made again)",
    "status": "status over many customers",
    "run": "runs of the sample",
    "probes": "network probes",
    "redact": "redaction of hostile text (escapes, decomposed letters)",
    "scan": "leak scan of workbooks whose text is references (full-width, Danish)",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--smoke", action="store_true", help="each benchmark once, at its smallest size"
    )
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="run only this section (repeatable); the results file is named after it",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument(
        "--sample",
        type=Path,
        help="copy this sample set (as `ngdpkit sample` writes it) instead of generating one; "
        "status also uses the finished runs of both environments it holds",
    )
    args = parser.parse_args()
    global SAMPLE
    SAMPLE = args.sample
    reps = 1 if args.smoke else max(5, args.reps)
    sizes = [1000] if args.smoke else [1000, 10_000, 100_000]
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "reps": reps,
        "smoke": args.smoke,
    }
    chosen = args.only or list(SECTIONS)
    with tempfile.TemporaryDirectory(prefix="ngdpkit-bench-") as tmp:
        work = Path(tmp)
        for section in chosen:
            print(f"{section}: {SECTIONS[section]}", flush=True)
            if section == "mailboxes":
                results[section] = bench_mailboxes(work, sizes, reps)
            elif section == "editor":
                results[section] = bench_editor(work, [1000] if args.smoke else [10_000], reps)
            elif section == "commands":
                results[section] = bench_commands(work, sizes, reps, smoke=args.smoke)
            elif section == "status":
                results[section] = bench_status(work, 5 if args.smoke else 200, reps)
            elif section == "redact":
                results[section] = bench_redact(0.1 if args.smoke else 10, reps)
            elif section == "scan":
                results[section] = bench_scan([2] if args.smoke else [22, 100], reps)
            elif section == "run":
                results[section] = bench_run(work, reps, smoke=args.smoke)
            else:
                # --smoke: the server answers after 20 ms, not 200 (the sequential probes slept 4 s)
                results[section] = bench_probes(reps, delay=0.02 if args.smoke else 0.2)
    args.out.mkdir(parents=True, exist_ok=True)
    name = ("smoke" if args.smoke else "bench") + ("-" + "-".join(args.only) if args.only else "")
    (args.out / f"{name}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (args.out / f"{name}.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
