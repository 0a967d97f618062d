"""ngdpkit benchmarks: `make bench` (results in benchmarks/results/ as JSON and Markdown).

Every figure is measured side by side with its peer in one run, as the median of
at least 5 repetitions, on inputs this script builds itself. `--smoke` runs each
benchmark once at its smallest size (what `make test` does to prove they still work).
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
    "from ngdpkit.run.environment import skip_iri_grammar; skip_iri_grammar(); "
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


def workload(name: str, folder: Path) -> dict[str, Any]:
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


def sample_copy(work: Path, name: str) -> Path:
    target = work / name
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run([PY, "-m", "ngdpkit", "sample", str(target)], capture_output=True, check=True)
    return target


def last_run_phases(sample: Path, env: str) -> dict[str, Any]:
    env_dir = sample / "runs" / env
    latest = (env_dir / "LATEST").read_text().strip()
    records = [json.loads(x) for x in (env_dir / latest / "audit.jsonl").read_text().splitlines()]
    finished = records[-1]
    return {
        **{f"notebook {k}": v for k, v in finished["durations"].items()},
        **finished.get("phases", {}),
    }


def papermill_script(settings: str, *, one_kernel: bool) -> str:
    """papermill alone running the five notebooks of one environment: a kernel per notebook
    (papermill's default), or one kernel started first and handed to each."""
    km = ", km=km" if one_kernel else ""
    lines = [
        "import papermill as pm, tempfile, sys, pathlib, importlib.resources as r",
        "from jupyter_client.manager import KernelManager",
        "d = pathlib.Path(tempfile.mkdtemp()); (d / 'steps').mkdir()",
    ]
    if one_kernel:
        lines.append("km = KernelManager(kernel_name='python3'); km.start_kernel(cwd=str(d))")
    lines += [
        "for n in ['01_mailboxes','02_contact_points','03_certificate','04_system_and_network','05_dispatcher_config']:",
        "    src = str(r.files('ngdpkit') / 'notebooks' / (n + '.ipynb'))",
        f"    pm.execute_notebook(src, str(d / (n + '.ipynb')), parameters=dict(environment='test', settings={settings!r}, run_dir=str(d), online=False), kernel_name='python3', progress_bar=False, cwd=str(d){km})",
    ]
    if one_kernel:
        lines.append("km.shutdown_kernel(now=True)")
    return "\n".join(lines) + "\n"


def bench_run(work: Path, reps: int) -> dict[str, Any]:
    sample = sample_copy(work, "sample-run")
    settings = str(sample / "migration.toml")
    one = median_of(
        reps, lambda: timed([PY, "-m", "ngdpkit", "run", "--settings", settings, "--env", "test"])
    )
    phases = last_run_phases(sample, "test")
    imports = median_of(reps, lambda: timed([PY, "-c", CHILD_IMPORTS]))
    bare = median_of(reps, lambda: timed([PY, "-c", papermill_script(settings, one_kernel=False)]))
    # The same notebooks through papermill in one kernel (as the kit runs them), without
    # the kit's fresh session between notebooks.
    shared = papermill_script(settings, one_kernel=True)
    bare_shared = median_of(reps, lambda: timed([PY, "-c", shared]))
    sequential = median_of(
        reps,
        lambda: {
            "seconds": timed([PY, "-m", "ngdpkit", "run", "--settings", settings, "--env", "test"])[
                "seconds"
            ]
            + timed([PY, "-m", "ngdpkit", "run", "--settings", settings, "--env", "production"])[
                "seconds"
            ]
        },
    )
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

    from ngdpkit.probes import Probe, run_probe, run_probes

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


def timed_process(cmd: list[str]) -> dict[str, Any]:
    """A whole command as a user runs it: wall time and the peak memory of the process tree
    (``wait4`` reports the child together with the descendants it waited for)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if hasattr(os, "wait4"):
        _, status, usage = os.wait4(proc.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code
        peak = usage.ru_maxrss / 1024
    else:  # Windows: no rusage
        code, peak = proc.wait(), float("nan")
    seconds = time.perf_counter() - start
    if code not in (0, 1):
        raise RuntimeError(f"{cmd} failed with {code}: {proc.stderr.read()[-500:]!r}")  # type: ignore[union-attr]
    return {"seconds": seconds, "peak_mb": peak}


def folder_mb(folder: Path, pattern: str = "*") -> float:
    return round(sum(p.stat().st_size for p in folder.rglob(pattern) if p.is_file()) / 1e6, 1)


def bench_commands(work: Path, sizes: list[int], reps: int) -> list[dict[str, Any]]:
    """`ngdpkit check` and `ngdpkit run --env test` as whole processes beside the bare
    calamine read of the same three files, in one loop (issue 12's measure)."""
    rows = []
    for n in sizes:
        folder = work / f"commands-{n}"
        subprocess.run([PY, str(HERE / "workloads.py"), "build", str(folder), str(n)], check=True)
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
        row = {
            "mailboxes": n,
            "bare": median_of(reps, functools.partial(timed_process, bare)),
            "check": median_of(reps, functools.partial(timed_process, check)),
            "run": median_of(
                max(1, reps if n < 100_000 else 3), functools.partial(timed_process, run)
            ),
        }
        last = sorted((out / "test").glob("2*"))[-1]
        row["run_folder_mb"] = folder_mb(last)
        row["step_json_mb"] = folder_mb(last / "steps", "*.json")
        row["step_parquet_mb"] = folder_mb(last / "steps", "*.parquet")
        row["check_vs_bare"] = round(row["check"]["seconds"] / row["bare"]["seconds"], 2)
        row["run_vs_bare"] = round(row["run"]["seconds"] / row["bare"]["seconds"], 1)
        print(
            f"  {n:>7,}: bare {row['bare']['seconds']} s, check {row['check']['seconds']} s "
            f"({row['check_vs_bare']}x), run {row['run']['seconds']} s ({row['run_vs_bare']}x)",
            flush=True,
        )
        rows.append(row)
    return rows


def bench_status(work: Path, customers: int, reps: int) -> dict[str, Any]:
    """`ngdpkit status` over a consultancy's folder: N customers x 2 environments, each with a
    real run folder of the sample (copied), read without re-running."""
    sample = sample_copy(work, "status-sample")
    subprocess.run(
        [PY, "-m", "ngdpkit", "run", "--settings", str(sample / "migration.toml"), "--env", "all"],
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
        lines += [
            f"| {n:,} mailboxes: `ngdpkit check` (process) | {row['check']['seconds']} s, {row['check']['peak_mb']:.0f} MB | bare calamine read {row['bare']['seconds']} s, {row['bare']['peak_mb']:.0f} MB | {row['check_vs_bare']}× | ≤ 1.5× |",
            f"| {n:,} mailboxes: `ngdpkit run --env test` (process tree) | {row['run']['seconds']} s, {row['run']['peak_mb']:.0f} MB; folder {row['run_folder_mb']} MB, step JSON {row['step_json_mb']} MB + Parquet {row['step_parquet_mb']} MB | bare calamine read {row['bare']['seconds']} s | {row['run_vs_bare']}× | ≤ 5× |",
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
        lines += [
            f"| `ngdpkit run`, one environment (sample) | {r['run_one_env']['seconds']} s | bare papermill, a kernel per notebook {r['bare_papermill']['seconds']} s | {r['overhead_vs_papermill'] * 100:+.0f}% | < 20 s, < +30% |",
            f"| the same | {r['run_one_env']['seconds']} s | bare papermill, one kernel for all five {r['bare_papermill_one_kernel']['seconds']} s | {r['overhead_vs_papermill_one_kernel'] * 100:+.0f}% | < +30% |",
            f"| both environments | concurrent {r['both_concurrent']['seconds']} s | sequential {r['both_sequential']['seconds']} s | {r['concurrent_vs_one']}× one env | < 1.5× one env |",
            f"| `ngdpkit check`, both environments | {r['check_both']['seconds']} s | – | – | < 3 s |",
            f'| `python -c "import ngdpkit"` | {r["import_ngdpkit"]["seconds"]} s | – | – | < 0.5 s |',
        ]
    p = results.get("probes")
    if p:
        lines.append(
            f"| {p['probes']} probes, server answers after {int(p['delay_s'] * 1000)} ms | concurrent {p['concurrent']['seconds']} s | sequential {p['sequential']['seconds']} s | {p['speedup']}× | < 1 s |"
        )
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
    args = parser.parse_args()
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
                results[section] = bench_commands(work, sizes, reps)
            elif section == "status":
                results[section] = bench_status(work, 5 if args.smoke else 200, reps)
            elif section == "run":
                results[section] = bench_run(work, reps)
            else:
                results[section] = bench_probes(reps)
    args.out.mkdir(parents=True, exist_ok=True)
    name = ("smoke" if args.smoke else "bench") + ("-" + "-".join(args.only) if args.only else "")
    (args.out / f"{name}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (args.out / f"{name}.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
