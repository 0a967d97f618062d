"""The step framework: one :class:`Step` per notebook, its step file, its display.

A Step carries the settings, the environment, the findings and the results of
one notebook. ``finish_step`` writes ``steps/NN_*.json``, the only file a notebook
writes; the runner writes everything else from those files.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import findings as F
from ..documents import display
from ..documents.i18n import seconds, status_word, t
from ..errors import InputError
from ..findings import Finding
from ..inputs.workbooks import TableCache
from ..secrets import SECRET_WHAT, Secret, resolve
from ..settings import LAB_DIR as LAB_DIR
from ..settings import LAB_MARK as LAB_MARK
from ..settings import Environment, Settings, load_settings
from .records import (
    RECORDS,
    DispatcherRecord,
    InputRead,
    R,
    Record,
    StepFile,
    read_step,
    remember_step,
    write_step_file,
)
from .records import read_step_file as read_step_file  # the raw reader, for callers of 0.2

STEP_SCHEMA = "ngdpkit/step/2"
STEP_NAMES = (
    "01_mailboxes",
    "02_contact_points",
    "03_certificate",
    "04_system_and_network",
    "05_dispatcher_config",
)

PENDING_KEYS = {
    f"pending_{k}"
    for k in (
        "system_id",
        "certificate",
        "contact_points",
        "mapping",
        "default_contact_point",
        "server_ips",
        "servers",
        "service_account",
    )
}
# Step name -> the calls that compute it in-process. Filled by ``ngdpkit.steps`` from
# ``pipeline`` (which imports this module), so that imports run one way only.
RUNNERS: dict[str, Callable[[Step], None]] = {}


@dataclass
class Step:
    """One step of one environment's run."""

    name: str
    settings: Settings
    env: Environment
    run_dir: Path | None
    online: bool | str  # True, False or "ngdp" (NgDP's records only)
    findings: list[Finding] = field(default_factory=F.Bounded)  # capped per code
    # The step's Record (steps.records.RECORDS[name]), made on creation; frozen, so that a
    # field changes only through set(), which replaces it.
    record: Record = None  # type: ignore[assignment]  # made in __post_init__
    inputs_read: list[dict[str, Any]] = field(default_factory=list)
    cache: dict[str, StepFile] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    quiet: bool = False
    settings_origin: str = ""  # where the notebook found its settings file (an i18n key)
    environment_origin: str = ""  # "environment_from_env" when NGDPKIT_ENV chose it
    tables: TableCache | None = None  # what ``ngdpkit run`` has read already (batch runs only)

    def __post_init__(self) -> None:
        if self.record is None:
            self.record = RECORDS[self.name]()

    @property
    def language(self) -> str:
        return self.settings.language

    def set(self, **fields: Any) -> None:
        """Set fields of the step's record: records are frozen, so the step holds a new one
        (the other fields as they were, a value not read yet still unread)."""
        self.record = self.record.replace(**fields)

    def add(self, findings: list[Finding]) -> list[Finding]:
        self.findings.extend(findings)
        return findings

    def rel(self, path: Path | None) -> str:
        return self.settings.rel(path)

    def record_input(self, path: Path, *, by_path_only: bool = False) -> None:
        """Note an input file (path, size, SHA-256) for the audit trail; secrets files by path only."""
        entry: dict[str, Any] = {"path": self.rel(path)}
        if not by_path_only and path.is_file():
            data = path.read_bytes()
            entry.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
        if entry not in self.inputs_read:
            self.inputs_read.append(entry)

    def secret(self, name: str | None, *, what: str) -> Secret | None:
        """The secret in variable ``name``; ``what`` is ``certificate password`` or
        ``authorization header``. A JupyterLab kernel that must ask asks in the settings'
        language: the customer watching a Danish session read an English prompt."""
        if self.settings.secrets_file is not None:
            self.record_input(self.settings.secrets_file, by_path_only=True)
        assert what in SECRET_WHAT, what
        key = "secret_prompt_" + what.replace(" ", "_")
        certificate = self.rel(self.env.certificate) if self.env.certificate else ""
        return resolve(
            name,
            secrets_file=self.settings.secrets_file,
            label=what,
            question=t(self.language, key, file=certificate, name=name or ""),
        )

    def earlier(self, name: str) -> StepFile:
        """An earlier step's file (status, findings, record): read, or computed again."""
        if name not in self.cache:
            path = self.run_dir / "steps" / f"{name}.json" if self.run_dir is not None else None
            found = read_step(path) if path is not None and path.is_file() else None
            if found is not None and path is not None and not self._outdated(found, path):
                self.cache[name] = found
            else:
                step = Step(
                    name, self.settings, self.env, None, self.online, cache=self.cache, quiet=True
                )
                RUNNERS[name](step)
                self.cache[name] = step.as_file()
        return self.cache[name]

    def _outdated(self, found: StepFile, path: Path) -> bool:
        """An earlier step's file in a JupyterLab session's ``lab/`` folder that today's
        inputs no longer match: the settings file changed after it was written, an input it
        read changed or went, or (step 02) decisions were written after it. The ``lab/``
        folder outlives the kernel: a consultant back the next week with the customer's new
        export opened notebook 02, whose editor listed last week's mailboxes without a word.
        Such a file is computed again, as a missing one is. A run's step files are written by
        the run itself, in order, and are taken as they are."""
        if self.run_dir is None or self.run_dir.name != LAB_DIR:
            return False
        try:
            written = path.stat().st_mtime_ns
            newer = [self.settings.path]
            if found.name == "02_contact_points":
                newer.append(self.settings.decisions_path(self.env.name))
            if any(p.is_file() and p.stat().st_mtime_ns > written for p in newer):
                return True
            if found.name == "02_contact_points" and self._decided_since(found):
                return True
            for read in found.inputs_read:
                if read.sha256 is None:  # a secrets file, read by path only
                    continue
                file = self.settings.base_dir / read.path
                if not file.is_file() or file.stat().st_size != read.size:
                    return True
                if hashlib.sha256(file.read_bytes()).hexdigest() != read.sha256:
                    return True
        except OSError:
            return True
        return False

    def _decided_since(self, found: StepFile) -> bool:
        """Step 02's file was mapped without the decisions file that is there now. Its
        first decision of a session is made in the editor after the mapping cell, and
        ``finish_step`` writes the step file later still, with the mapping from before: the
        file is newer than the decisions, so notebook 05 of the session took 02's mapping
        without them (a mailbox just decided shown as unmapped). A file that was read is
        an input of the step, checked by its hash like every other."""
        path = self.settings.decisions_path(self.env.name)
        return path.is_file() and all(read.path != self.rel(path) for read in found.inputs_read)

    def own(self, kind: type[R]) -> R:
        """This step's record as its own type, so that every field read is checked."""
        record = self.record
        assert isinstance(record, kind)
        return record

    def previous(self, kind: type[R]) -> R:
        """An earlier step's record of ``kind`` (see :meth:`earlier`)."""
        record = self.earlier(kind.step).record
        assert isinstance(record, kind)
        return record

    def as_file(self) -> StepFile:
        """This step as a later step reads it (the record itself, not a copy)."""
        return StepFile(
            self.name,
            F.status_of(self.findings),
            tuple(self.findings),
            tuple(InputRead(**entry) for entry in self.inputs_read),
            self.record,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": STEP_SCHEMA,
            "step": self.name,
            "environment": self.env.name,
            "status": F.status_of(self.findings),
            "duration_s": round(time.monotonic() - self.started, 3),
            "findings": [f.to_dict() for f in self.findings],
            "results": self.record.fields(),
            "inputs_read": self.inputs_read,
            "interpreter": sys.executable,
        }


DEFAULT_SETTINGS = "../data/sample/migration.toml"


def _find_settings(settings: str | Path) -> Path:
    """The settings file a notebook runs with (see :func:`find_settings`)."""
    return find_settings(settings)[0]


def find_settings(settings: str | Path) -> tuple[Path, str]:
    """An explicit path must exist; only the notebooks' untouched default falls back.

    The default gives way to ``NGDPKIT_SETTINGS`` (how ``make lab`` and copied notebooks
    find the customer's file), then to the sample found from the working folder upwards.
    """
    text = str(settings)
    if text and text != DEFAULT_SETTINGS:
        path = Path(text)
        if not path.is_file():
            raise InputError(f"settings file not found: {text}")
        return path, "settings_from_parameter"
    env_path = os.environ.get("NGDPKIT_SETTINGS")
    if env_path:
        if not Path(env_path).is_file():
            raise InputError(f"settings file not found: {env_path} (from NGDPKIT_SETTINGS)")
        return Path(env_path), "settings_from_env"
    for base in (Path.cwd(), *Path.cwd().parents):
        for candidate in (base / DEFAULT_SETTINGS, base / "data" / "sample" / "migration.toml"):
            if candidate.is_file():
                return candidate.resolve(), "settings_from_sample"
    raise InputError(
        "settings file not found: set the notebook's settings parameter or NGDPKIT_SETTINGS"
    )


DEFAULT_ENVIRONMENT = "test"  # the notebooks' parameter as shipped


def pick_environment(environment: str, *, lab: bool) -> tuple[str, str]:
    """The environment a notebook runs for, and why ("" = its parameter).

    In a JupyterLab session (``lab``) the notebooks' untouched default gives way to
    ``NGDPKIT_ENV``, so one variable switches every notebook of the session. A run
    (papermill, ``run_dir`` set) always takes its parameter: a variable left in the
    consultant's shell never turns a test run into a production one."""
    chosen = os.environ.get("NGDPKIT_ENV", "").strip()
    if lab and chosen and environment == DEFAULT_ENVIRONMENT:
        return chosen, "environment_from_env"
    return environment, ""


def lab_run_dir(settings: Settings, environment: str) -> Path:
    return settings.base_dir / "runs" / environment / LAB_DIR


def start_step(
    name: str,
    *,
    settings: str | Path,
    environment: str,
    run_dir: str | Path = "",
    online: bool | str = False,
) -> Step:
    """Open a step: read the settings, pick the environment and the run folder, show a title.

    An empty ``run_dir`` means a JupyterLab session: ``runs/<env>/lab/``, overwritable
    and marked "not for sign-off".
    """
    path, origin = find_settings(settings)
    parsed = load_settings(path)
    lab = not run_dir
    environment, env_origin = pick_environment(environment, lab=lab)
    if env_origin and environment not in parsed.environments:
        known = ", ".join(parsed.environments) or "none"
        raise InputError(
            f"NGDPKIT_ENV={environment!r} names no environment of {parsed.rel(parsed.path)} "
            f"(the settings have: {known})"
        )
    env = parsed.environment(environment)
    _register_secrets(parsed, env)
    folder = lab_run_dir(parsed, environment) if lab else Path(run_dir)
    (folder / "steps").mkdir(parents=True, exist_ok=True)
    if lab:
        (folder / LAB_MARK).write_text(t(parsed.language, "lab") + "\n", encoding="utf-8")
    return Step(
        name=name,
        settings=parsed,
        env=env,
        run_dir=folder,
        online=online,
        settings_origin=origin,
        environment_origin=env_origin,
        tables=None if lab else TableCache.from_environment(),
    )


def _register_secrets(settings: Settings, env: Environment) -> None:
    """Every secret the process environment or the secrets file holds for the settings (the
    environment's own, the other environments' and the seal's password), registered
    for the redaction before a step reads an input (as ``run.scan.environment_secrets`` does in
    the CLI): the kernel registered one only when the certificate step read it, so a finding
    made before (a mapping cell holding the authorization header) kept it, and a message's cut
    at 200 characters then left a part of it that the leak scan, looking for the whole, did
    not find (an attacker's look). Nothing is asked here (a lab session asks when a step needs
    it) and a secrets file not readable is the step's to report."""
    from ..redact import SHORT_SECRET, register
    from ..secrets import in_dotenv, read_dotenv

    file = settings.secrets_file
    try:
        values = read_dotenv(file) if file is not None and file.is_file() else {}
    except (OSError, ValueError, InputError):
        values = {}
    # every environment's and the seal's too, as the run's scan looks for them: a mapping
    # cell of test holding production's token was cut at 200 characters by test's kernel,
    # which had not registered it, and its first characters stood in findings.json and on
    # the console (a hostile second look). The kernel can read them all already: its
    # process environment holds every environment's variables (the seal's alone withheld)
    # and the secrets file every value; registered, they are only ever hidden.
    others = (n for e in settings.environments.values() for n in e.secret_names)
    for name in dict.fromkeys((*env.secret_names, *settings.signing_secret_names, *others)):
        given = (os.environ.get(name) or "").strip()
        in_file = (in_dotenv(values, name) or "").strip()
        if given:
            register(name, given)
        if not given and in_file:
            register(name, in_file)
        elif in_file and in_file != given and len(in_file) >= SHORT_SECRET and file is not None:
            register(f"{name} ({file.name})", in_file)  # as resolve registers a shadowed one


def header(step: Step) -> display.HTML:
    """The step's heading: what, for whom, which environment (a template: values escaped)."""
    from ..checks.system import shown_cvr
    from ..documents.pages import Markup, render

    s = step.settings
    lab = step.run_dir is not None and step.run_dir.name == LAB_DIR
    return display.HTML(
        render(
            "step_header.html.j2",
            style=Markup(display.STYLE),
            title=t(s.language, f"step_{step.name}"),
            lab=t(s.language, "lab") if lab else "",
            intro=t(s.language, f"intro_{step.name}") if lab else "",
            organisation_label=t(s.language, "organisation"),
            organisation=s.organisation.name,
            cvr=shown_cvr(s.organisation.cvr),
            environment_label=t(s.language, "environment"),
            environment=step.env.name,
            # "production (produktionsmiljø)", as the overview says it: the kind is a word of
            # the page's language, the name the settings' own
            kind=t(s.language, f"kind_{step.env.kind}"),
            settings_origin=" · ".join(
                x
                for x in (
                    t(s.language, step.settings_origin, file=s.rel(s.path))
                    if step.settings_origin
                    else "",
                    t(s.language, step.environment_origin, name=step.env.name)
                    if step.environment_origin
                    else "",
                )
                if x
            ),
            # the page's own line, for the customer (the line above is the consultant's,
            # shown in JupyterLab only): "fra notebookens parametercelle" on a signed page
            settings_page=(
                t(s.language, "settings_file", file=s.rel(s.path))
                if step.settings_origin in ("settings_from_parameter", "settings_from_env")
                else t(s.language, step.settings_origin, file=s.rel(s.path))
                if step.settings_origin
                else ""
            ),
        )
    )


def section(step: Step, key: str) -> display.HTML:
    """A section of a notebook: its heading, and in a JupyterLab session a line on what it
    does, in the settings' language (the notebooks hold no prose of their own, so a Danish
    session reads Danish). A run's pages keep the heading only; a section that exists only
    in a session (the mapping editor) is addressed to the consultant there, so the printed
    document leaves it out."""
    lang = step.language
    lab = step.run_dir is not None and step.run_dir.name == LAB_DIR
    parts: list[Any] = [display.heading(t(lang, f"section_{key}"), 3)]
    about = f"section_{key}_about"
    if lab and t(lang, about) != about:
        parts.append(display.para(t(lang, about)))
    return display.block(*parts, cls="" if lab or key not in LAB_ONLY else "consultant")


LAB_ONLY = {"editor"}  # sections whose content is a JupyterLab session's only


def finish_step(step: Step) -> display.HTML:
    """Write ``steps/NN_*.json`` (and its tables as Parquet) and show the step's status."""
    data = step.to_json()
    if step.run_dir is not None:
        path = write_step_file(step.run_dir / "steps", step.name, data)
        remember_step(path, step.as_file())  # the later notebooks of this kernel read it
    status = data["status"]
    if status in ("ok", "warnings") and _dispatcher_held_back(step):
        # the overview's row said "blokeret" while this page said "ok · 0 fund" beneath the
        # banner that withholds the dispatcher (a consultant's session in front of the
        # customer): the page says what the overview says, also beside a go-live warning of
        # its own ("advarsler · 1 fund" read as a dispatcher ready but for a date)
        status = "blocked"
    sev = {"ok": "ok", "warnings": "warning", "errors": "error", "blocked": "error"}[status]
    from ..documents.pages import Markup, render

    return display.HTML(
        render(
            "step_status.html.j2",
            style=Markup(display.STYLE),
            status_label=t(step.language, "status"),
            badge=Markup(
                display.badge(sev, status_word(step.language, status), language=step.language)
            ),
            count=len(step.findings),
            findings_label=t(step.language, "findings").lower(),
            duration=seconds(step.language, data["duration_s"], 1).removesuffix(" s"),
            next=_next_text(step, status),
        )
    )


def _next_text(step: Step, status: str) -> str:
    """The status line's next step, its command whole (``<<run>>``: the settings file and the
    environment), as the checklist says it: page 05 said "kør ngdpkit run igen", which stops
    at once (``--settings`` and ``--env`` are required)."""
    from ..deliverables.commands import KitCommands

    return KitCommands.of(step.settings, step.env).fill(t(step.language, _next_key(step, status)))


def _dispatcher_held_back(step: Step) -> bool:
    """Step 05 withheld the dispatcher configuration, or it is not ready for use: the
    overview's "blocked" for the step (``run.pages``), with no finding of the step's own. A
    withheld configuration names what withholds it (``build_config``); a step whose
    configuration was never made (its status cell run alone) is not held back by anything."""
    record = step.record
    if not isinstance(record, DispatcherRecord):
        return False
    if record.withheld_by:
        return True
    return record.dispatcher is not None and not record.dispatcher.ready


def _next_key(step: Step, status: str) -> str:
    """What the step's status line says comes next. Step 05 says "fix the findings" only
    when there are some (it followed "Fund: ingen"), and in a run, whose sign-off document
    the page is part of, it does not tell the reader to run ngdpkit for that document. Held
    back, it says which findings: those that block the dispatcher, named above it (the
    page's own "Fund: ingen" stood over "ret fundene", which are another step's)."""
    key = f"next_{step.name[:2]}"
    if step.name[:2] != "05":
        return key
    in_run = step.run_dir is not None and step.run_dir.name != LAB_DIR
    tail = {"ok": "_ok", "blocked": "_blocked"}.get(status, "")
    return key + ("_run" if in_run else "") + tail


def show_findings(step: Step) -> display.HTML:
    """The step's findings; past 50, a summary by code and unit first (the mailboxes' units
    from this step's mapping or export, when it has one)."""
    summary = None
    if len(step.findings) > display.SUMMARY_OVER:
        from ..documents.signoff import findings_summary

        summary = findings_summary(step.findings, step_units(step), step.language)
    return display.show_findings(step.findings, language=step.language, summary=summary)


def step_units(step: Step) -> tuple[dict[str, str], dict[str, str]]:
    """(unit by Mailbox ID, unit by ``Sheet!row``) from the table this step holds (01: the
    export, 02: the mapping); later steps' findings name no mailbox."""
    from ..documents.signoff import unit_lookup
    from .records import MailboxesRecord

    if len(step.findings) <= display.SUMMARY_OVER:
        return {}, {}
    if isinstance(step.record, MailboxesRecord):
        return unit_lookup(step.record.mailboxes, step.record.sheet)
    mapping = getattr(step.record, "mapping", None)
    if mapping is None:
        return {}, {}
    return unit_lookup(mapping, step.previous(MailboxesRecord).sheet)


def pending(
    step: Step, key: str, what: str, *, said: str | None = None, is_set: bool = False
) -> None:
    """``PENDING_<KEY>``: the setting ``key`` is not set yet (``is_set``: set, but this run
    did not read what it names), and what to do; the words are the i18n text ``said`` (else
    ``pending_<key>``, else ``what``)."""
    said = said or f"pending_{key}"
    step.add(
        [
            F.warning(
                f"PENDING_{key.upper()}",
                # contact_points = "ngdp" offline read "contact_points er ikke sat endnu"
                # on the customer's page, though the settings set it (a consultant's read)
                "{key} is set, but this run did not read it: {what}."
                if is_set
                else "{key} is not set yet: {what}.",
                f"environments.{step.env.name}.{key}",
                key=key,
                # English whatever the run's language: the Danish page says it through
                # catalogue.VALUES_DA (findings.json read by a run in the other language)
                what=t("en", said) if said in PENDING_KEYS or said != f"pending_{key}" else what,
            )
        ]
    )
