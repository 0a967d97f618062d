"""A consultancy's view (``ngdpkit status``): every customer's environments at a glance.

It reads settings files and run folders only (no re-running, no secrets), so it stays fast
for hundreds of customers. A settings file or run that cannot be read is a row that says
so, never the end of the listing.

- **Nothing unverified.** Each file of a run that status reads (:data:`READS`, and an
  earlier run's ``checklist.json``) is held against its SHA-256 in the manifest and the
  anchor, and the manifest against the trail (:func:`~ngdpkit.run.audit.verify_files`),
  and only the bytes so verified are read. A run that does not verify is a row that says
  so and shows no status.

- **One row per run folder.** A row is one environment's folder of runs (``runs/<env>/``
  beside the settings file), known by its real path: two settings files that share a runs
  folder, or one customer folder reached through a link too, give one row, which names
  every settings file that leads to it.
- **One time zone.** Every time (the listing's own, each run's, each rehearsal's, the
  certificate's end) is given in :data:`ZONE` (UTC on a machine without a time-zone
  database), and the listing says which.
- **Who is blocking.** The checklist's progress ("5/8"), the step that holds it up (the
  first ``blocked`` step, else the first that is not done; both from ``checklist.json``) with who does it, and for how
  many days: since the earliest run of an unbroken series of finished runs, ending at the
  latest, in which that step was not done yet (from the latest run's date when the runs
  before it do not say, e.g. runs made before ``checklist.json`` existed).
- **Changed since the run.** A row names the files its settings name that are no longer
  what its latest run read (``inputs_changed``, as ``compare`` names them): only the files
  the settings name are looked at, and of those only the ones whose size or modification
  time says they may have changed since the run began are hashed.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..findings import aware_time
from ..run.audit import Checked
from ..settings import ENVIRONMENT_NAME, Settings, outline, path_problem
from .discover import MAX_SETTINGS, Skipped, read_regular, settings_files
from .runs import RunView, latest_run, run_folders

SCHEMA = "ngdpkit/status/2"
# the files of a run that status reads (besides its trail and manifest), each verified first
READS = (
    "findings.json",
    "checklist.json",
    "dispatcher-config.json",
    "portal-registration.json",
    "steps/03_certificate.json",
)
ZONE = "Europe/Copenhagen"
RANK = {"unreadable": 0, "errors": 1, "crashed": 1, "no run": 2, "warnings": 3, "ok": 4}


@dataclass(frozen=True)
class ChecklistStep:
    """A row of a run's ``checklist.json``, as much as status needs of it."""

    step: int
    title: str
    who: str
    status: str  # done, not_verified, to_do, blocked


@dataclass(frozen=True)
class Blocking:
    """The checklist step that holds an environment up, and since when."""

    step: int
    title: str
    who: str
    status: str  # blocked, to_do or not_verified
    since: str  # the date of since_run, in the listing's time zone (ISO 8601)
    since_run: str  # the earliest run of the unbroken series in which it was not done
    days: int


@dataclass(frozen=True)
class RehearsalResult:
    """The newest rehearsal of an environment that verifies (``acceptance.json``)."""

    folder: str
    against: str  # simulator or ngdp (only ngdp counts for the checklist's step 8)
    status: str
    date: str | None
    anchor: str
    elsewhere: bool = False  # against ngdp, but sent where ngdp_api_url pointed: never counts


def _register_hooks() -> None:
    """``elsewhere`` is written only when true: a status listing's JSON keeps the keys it
    had for every rehearsal that was not sent to an overridden address."""
    from cattrs.gen import make_dict_unstructure_fn, override

    from ..inputs.typed import converter

    converter.register_unstructure_hook(
        RehearsalResult,
        make_dict_unstructure_fn(
            RehearsalResult, converter, elsewhere=override(omit_if_default=True)
        ),
    )


_register_hooks()


@dataclass(frozen=True)
class StatusRow:
    settings: str
    organisation: str
    environment: str
    status: str
    runs_folder: str = ""  # the real path of <runs>/<environment>
    also_settings: tuple[str, ...] = ()  # other settings files sharing this runs folder
    errors: int | None = None
    warnings: int | None = None
    dispatcher_ready: bool | None = None
    checklist: str | None = None  # "5/8"
    steps_done: int | None = None
    steps_total: int | None = None
    blocking: Blocking | None = None
    rehearsal: RehearsalResult | None = None
    certificate_not_after: str | None = None  # the renewal date, in the listing's time zone
    certificate_days_left: int | None = None
    run: str | None = None
    run_date: str | None = None
    anchor: str | None = None
    problem: str | None = None
    # the newest comparison naming this environment: an error there (a mailbox whose replies
    # would land elsewhere in production) was on no page but its own (a customer's cold read)
    comparison: ComparisonResult | None = None
    # the files the settings name that are no longer what the latest run read (compare's
    # COMPARE_RUN_INPUTS_CHANGED): the row is of older inputs, and that environment is to be
    # run again; None when not judged (no run that verifies, or settings that do not load)
    inputs_changed: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ComparisonResult:
    """The newest comparison of test and production (``compare``) that named this
    environment: its outcome, and whether it compared the environment's latest run."""

    folder: str  # the comparison's folder name, <time>-<hex>
    status: str  # ok, warnings, errors; unreadable when its folder does not verify
    date: str | None  # in the listing's time zone (ISO 8601)
    current: bool  # it compared this environment's latest run
    # it compared the settings' input files, not runs (``compare --from-inputs``): no run of
    # this environment is its own, so it is never current (a consultant's cold run read it as
    # "unreadable", while ``audit verify`` called its folder intact)
    of_inputs: bool = False


@dataclass(frozen=True)
class Portfolio:
    """What ``status`` prints as JSON and renders as a page."""

    schema: str
    generated_at: str
    time_zone: str
    rows: tuple[StatusRow, ...]
    skipped: tuple[Skipped, ...] = ()


def zone() -> tuple[dt.tzinfo, str]:
    """The listing's time zone and its name: :data:`ZONE`, or UTC without a tz database."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(ZONE), ZONE
    except (ImportError, KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return dt.UTC, "UTC"


def _environments(path: Path) -> tuple[str, list[str], Path]:
    """(organisation, environment names, runs folder) from a settings file, read lightly:
    :func:`~ngdpkit.settings.outline` (the same one-line problems as ``check`` and ``run``
    give for a file that is not TOML), without checking the rest of the file.

    Raises:
        InputError: one line naming the file, for whatever keeps it from being read.
    """
    odd = path_problem(path.absolute())
    if odd:  # as run and check refuse it (load_settings); the path is not quoted
        raise InputError(f"the settings file's path {odd}")
    raw = read_regular(path, MAX_SETTINGS + 1)
    if raw is None or len(raw) > MAX_SETTINGS:
        raise InputError(f"{path.name}: not a regular file of at most 1 MB")
    found = outline(raw, path.name, path.resolve().parent)
    if found is None:
        raise InputError(f"{path.name}: no [organisation] or [environments] table")
    # runs/ lies beside the settings file itself, as `run` (which resolves it) puts it
    return found.organisation, list(found.environments), path.resolve().parent / "runs"


def _made_it(settings: Path, env_dir: Path) -> int:
    """How surely the settings file at ``settings`` made the latest run in ``env_dir``: 2
    when its bytes are those the run read (its trail's first record, ``run_started``, holds
    the settings' SHA-256), 1 when only its name is the one the trail names (it was edited
    since: a consultant's cold run saw the row named after the demo's simulator copy), 0
    otherwise."""
    import hashlib

    from ..run.neighbours import settings_named_by, settings_sha256_of

    run = latest_run(env_dir)
    raw = read_regular(settings, MAX_SETTINGS + 1)
    if run is None or raw is None:
        return 0
    said = settings_sha256_of(run)
    if said and said == hashlib.sha256(raw).hexdigest():
        return 2
    return 1 if settings_named_by(run).replace("\\", "/") == settings.name else 0


def _stamp(name: str) -> dt.datetime | None:
    from ..run.neighbours import stamp_of

    return stamp_of(name)


def _checklist(run: Path, checked: Checked) -> tuple[ChecklistStep, ...] | None:
    """A run's ``checklist.json`` as verified, typed; None when it has none or it does not
    read."""
    from ..inputs.typed import structure
    from ..run.neighbours import read_json_bytes

    data = checked.contents.get("checklist.json")
    if data is None:
        return None
    try:
        return structure(read_json_bytes(data, "checklist.json"), tuple[ChecklistStep, ...])
    except ValueError:
        return None


def unverified(run: Path, names: tuple[str, ...]) -> Checked:
    """``names`` of a run as :func:`.audit.verify_files` verified them: each must match its
    SHA-256 in the manifest and the anchor, and the manifest the trail (cheap enough for a
    run a day of 200 customers; ``audit verify`` checks every file). A problem is worded
    ``<run> does not verify: <why>``."""
    from ..run.audit import verify_files

    checked = verify_files(run, names)
    if checked.problems:
        checked.problems[0] = f"{run.name} does not verify: {checked.problems[0]}"
    return checked


def _step_status(run: Path, step: int) -> str | None:
    """The status of one step in an earlier run's ``checklist.json``; None when the run has
    no such file, it does not read or does not verify. Read without the typed record: a
    customer whose step has waited for months has a run a day to look through."""
    from ..run.neighbours import read_json_bytes

    data = unverified(run, ("checklist.json",)).contents.get("checklist.json")
    if data is None:
        return None
    try:
        rows = read_json_bytes(data, "checklist.json")
    except ValueError:
        return None
    for row in rows if isinstance(rows, list) else ():
        if isinstance(row, dict) and row.get("step") == step:
            status = row.get("status")
            return status if isinstance(status, str) else None
    return None


def _holding_up(steps: tuple[ChecklistStep, ...]) -> ChecklistStep | None:
    """The first blocked step, else the first that is not done; None when all are done."""
    blocked = [s for s in steps if s.status == "blocked"]
    if blocked:
        return blocked[0]
    return next((s for s in steps if s.status != "done"), None)


def _blocking(
    env_dir: Path, latest: Path, steps: tuple[ChecklistStep, ...], now: dt.datetime, tz: Any
) -> Blocking | None:
    from ..run.neighbours import creation_order

    step = _holding_up(steps)
    if step is None:
        return None
    since = latest
    order = creation_order([*(p for p in run_folders(env_dir) if p != latest), latest])
    earlier = order[: order.index(latest)]
    for run in reversed(earlier):
        status = _step_status(run, step.step)
        if status is None or status == "done":
            break  # done then, or the run does not say: the series starts after it
        since = run
    when = _stamp(since.name) or now
    return Blocking(
        step=step.step,
        title=step.title,
        who=step.who,
        status=step.status,
        since=when.astimezone(tz).isoformat(timespec="seconds"),
        since_run=since.name,
        days=max(0, (now - when).days),
    )


def _rehearsal(env_dir: Path, tz: Any) -> RehearsalResult | None:
    """The rehearsal checklist step 8 judges (the newest of NgDP itself, else the newest sent
    elsewhere), else the newest of any kind: "ok (simulator)" stood beside a step 8 saying
    the newest rehearsal of NgDP failed (a go-live day's second look)."""
    from ..inputs.acceptance import sent_elsewhere
    from ..run.neighbours import AcceptanceView, latest_acceptance, latest_rehearsal

    judged = latest_acceptance(env_dir, against="ngdp")
    folder = judged.folder if judged is not None else latest_rehearsal(env_dir)
    if folder is None:
        return None
    when = _stamp(folder.path.name)
    date = when.astimezone(tz).isoformat(timespec="seconds") if when else None
    try:
        view = judged or AcceptanceView.load(folder)
    except ValueError:
        return RehearsalResult(folder.path.name, "?", "unreadable", date, folder.anchor)
    elsewhere = view.against == "ngdp" and sent_elsewhere(view.findings)
    return RehearsalResult(
        folder.path.name, view.against, view.status, date, folder.anchor, elsewhere
    )


def row_of(
    settings: Path, organisation: str, environment: str, env_dir: Path, *, now: dt.datetime
) -> StatusRow:
    """One environment's row, from its latest finished run (never re-run)."""
    tz, _ = zone()
    row = StatusRow(
        settings=str(settings),
        organisation=organisation,
        environment=environment,
        status="no run",
        runs_folder=os.path.realpath(env_dir),
    )
    rehearsal = _rehearsal(env_dir, tz)
    row = replace(row, rehearsal=rehearsal)
    run = latest_run(env_dir)
    if run is None:
        return row
    checked = unverified(run, READS)
    if checked.problems:  # never the status of files edited since the run: it says so only
        return replace(row, status="unreadable", run=run.name, problem=checked.problems[0])
    try:
        view = RunView.load(run, mapping=False, checked=checked)
    except InputError as exc:
        return replace(row, status="unreadable", run=run.name, problem=exc.problems[0])
    from ..checks.certificates import whole_days_left

    counts = view.counts()
    not_after = None
    days = None
    end = aware_time(view.certificate.not_after) if view.certificate else None
    if end is not None:
        try:
            days = whole_days_left(end, now)
            not_after = end.astimezone(tz).isoformat(timespec="seconds")
        except (ValueError, OverflowError):
            pass
    steps = _checklist(run, checked)
    # progress and the step holding it up from one source, the checklist (findings.json's
    # readiness only for a run without one), so a row never says 8/8 beside a blocking step
    done_total = view.readiness
    if steps is not None:
        done_total = (sum(s.status == "done" for s in steps), len(steps))
    when = view.when
    return replace(
        row,
        status=view.status,
        errors=counts["error"],
        warnings=counts["warning"],
        dispatcher_ready=view.dispatcher is not None and view.dispatcher.ready,
        checklist=f"{done_total[0]}/{done_total[1]}" if done_total else None,
        steps_done=done_total[0] if done_total else None,
        steps_total=done_total[1] if done_total else None,
        blocking=_blocking(env_dir, run, steps, now, tz) if steps else None,
        certificate_not_after=not_after,
        certificate_days_left=days,
        run=run.name,
        run_date=when.astimezone(tz).isoformat(timespec="seconds") if when else None,
        anchor=view.anchor,
    )


def _sort_key(r: StatusRow) -> tuple[Any, ...]:
    """Worst first. A row whose inputs changed since its run (``inputs_changed``) is of files
    no longer there: it ranks no better than a row without a run, and before the unchanged
    rows of its rank (a stale "ok" sorted among the current ones, below a consultant's first
    screen of 40 customers)."""
    rank = RANK.get(r.status, 5)
    stale = bool(r.inputs_changed)
    return (
        min(rank, RANK["no run"]) if stale else rank,
        not stale,
        -(r.errors or 0),
        -(r.warnings or 0),
        r.certificate_days_left if r.certificate_days_left is not None else 10**6,
        r.organisation,
        r.environment,
        r.settings,
    )


def _with_comparison(
    row: StatusRow, newest: tuple[ComparisonResult, dict[str, str]] | None
) -> StatusRow:
    """The row with the newest comparison that named its environment (an unreadable one
    for every row of its settings), current when it compared the row's latest run."""
    if newest is None:
        return row
    result, compared = newest
    if result.status == "unreadable":
        return replace(row, comparison=result)
    if row.environment not in compared:
        return row
    current = row.run is not None and compared[row.environment] == row.run and not result.of_inputs
    return replace(row, comparison=replace(result, current=current))


def newest_comparison(runs: Path, tz: dt.tzinfo) -> tuple[ComparisonResult, dict[str, str]] | None:
    """The newest finished comparison in ``<runs>/compare`` as (its result, the run ID it
    compared per environment); None when there is none. Its ``compare.json`` is read as its
    manifest and trail vouch for it; a folder that does not verify is ``unreadable``."""
    from ..run.neighbours import read_json_bytes, stamp_of
    from .runs import latest_run

    folder = latest_run(runs / "compare")
    if folder is None:
        return None
    when = stamp_of(folder.name)
    date = when.astimezone(tz).isoformat(timespec="seconds") if when else None
    checked = unverified(folder, ("compare.json",))
    raw = checked.contents.get("compare.json")
    unreadable: tuple[ComparisonResult, dict[str, str]] = (
        ComparisonResult(folder.name, "unreadable", date, False),
        {},
    )
    if checked.problems or raw is None:
        return unreadable
    try:
        data = read_json_bytes(raw, "compare.json")
    except ValueError:
        return unreadable
    runs_of = data.get("runs") if isinstance(data, dict) else None
    status = data.get("status") if isinstance(data, dict) else None
    if status not in ("ok", "warnings", "errors"):
        return unreadable
    if runs_of is None and data.get("source") == "inputs":
        named = data.get("environments")
        if not isinstance(named, list):
            return unreadable
        of_inputs = ComparisonResult(folder.name, status, date, False, of_inputs=True)
        return of_inputs, {str(env): "" for env in named if isinstance(env, str)}
    if not isinstance(runs_of, dict):
        return unreadable
    compared = {
        str(env): str(run.get("run"))
        for env, run in runs_of.items()
        if isinstance(run, dict) and isinstance(run.get("run"), str)
    }
    return ComparisonResult(folder.name, status, date, False), compared


def _loaded(path: str, loaded: dict[str, Settings | None]) -> Settings | None:
    """The settings file at ``path`` read whole (once per listing), for the files it names;
    None when it does not load (``check`` says why)."""
    from ..settings import load_settings

    if path not in loaded:
        try:
            loaded[path] = load_settings(path)
        except (InputError, OSError, ValueError):
            loaded[path] = None
    return loaded[path]


def _with_inputs(row: StatusRow, loaded: dict[str, Settings | None]) -> StatusRow:
    """The row with the files its settings name that are no longer what its latest run
    read, as ``compare`` names them (:func:`~ngdpkit.run.neighbours.run_inputs_changed`:
    the settings for this environment, the export, contact points, mapping, decisions and
    register files, the servers' evidence, a renewed certificate): a customer's row read as
    current for weeks after a new export was put in place. Only the files the settings
    name are looked at, and only those whose size or time says they may have changed since
    the run are hashed (hundreds of customers' exports at each listing)."""
    from ..run.neighbours import run_inputs_changed

    if row.run is None or row.status == "unreadable" or not row.runs_folder:
        return row
    settings = _loaded(row.settings, loaded)
    if settings is None or row.environment not in settings.environments:
        return row
    run = Path(row.runs_folder) / row.run
    try:
        changed = run_inputs_changed(
            settings, row.environment, run, certificate=True, unread=True, by_stat=True
        )
    except (InputError, OSError, ValueError):
        return row
    return replace(row, inputs_changed=tuple(changed))


def portfolio(paths: list[Path], *, now: dt.datetime | None = None) -> Portfolio:
    """One row per distinct runs folder of every settings file found, worst first."""
    now = now or dt.datetime.now(dt.UTC)
    tz, zone_name = zone()
    files, skipped = settings_files(paths)
    rows: list[StatusRow] = []
    by_folder: dict[str, int] = {}  # real path of <runs>/<env> -> index in rows
    for path in files:
        try:
            organisation, names, runs = _environments(path)
        except (InputError, OSError) as exc:
            why = exc.problems[0] if isinstance(exc, InputError) else f"{path.name}: {exc.strerror}"
            rows.append(
                StatusRow(
                    settings=str(path),
                    organisation="?",
                    environment="?",
                    status="unreadable",
                    problem=why,
                )
            )
            continue
        newest = newest_comparison(runs, tz)
        for name in names:
            if not ENVIRONMENT_NAME.match(name):  # it becomes a folder name: never "../x"
                rows.append(
                    StatusRow(
                        settings=str(path),
                        organisation=organisation,
                        environment=name,
                        status="unreadable",
                        problem=f"{path.name}: environment name {name!r} is not allowed",
                    )
                )
                continue
            env_dir = runs / name
            real = os.path.realpath(env_dir)
            if real in by_folder:
                i = by_folder[real]
                row = rows[i]
                if _made_it(path, env_dir) > _made_it(Path(row.settings), env_dir):
                    # the row is named after the settings file that made its latest run (the
                    # demo's migration-simulator.toml, sorted first, named the real one's)
                    rows[i] = replace(
                        row,
                        settings=str(path),
                        organisation=organisation,
                        also_settings=(*row.also_settings, row.settings),
                    )
                else:
                    rows[i] = replace(row, also_settings=(*row.also_settings, str(path)))
                continue
            by_folder[real] = len(rows)
            rows.append(
                _with_comparison(row_of(path, organisation, name, env_dir, now=now), newest)
            )
    loaded: dict[str, Settings | None] = {}
    rows = [_with_inputs(row, loaded) for row in rows]
    rows.sort(key=_sort_key)
    return Portfolio(
        schema=SCHEMA,
        generated_at=now.astimezone(tz).isoformat(timespec="seconds"),
        time_zone=zone_name,
        rows=tuple(rows),
        skipped=tuple(skipped),
    )
