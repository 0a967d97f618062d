"""The CI templates in ``examples/ci/`` (contract §12.8, issue 29): checked by rule and run.

Three kinds of test:

* **properties**, read from the parsed YAML of each template: the kit installed pinned, each
  job handed one environment's secrets at most, the .p12 removed by a step that always runs,
  the previous run restored, a compare job after both environments, a scheduled watch;
* **schemas**: ``check-jsonschema`` with the schemas it ships (``vendor.github-workflows``,
  ``vendor.gitlab-ci``, ``vendor.azure-pipelines``), with every proxy pointed at a closed
  port so that a schema fetched from the network would fail the test;
* **the shell as written**: each template's jobs are emulated here (the steps in order, each
  script in bash as that CI system runs it, a step that always runs after a failure, the
  cache or artifact store between two pipelines) against the sample, with the real ``ngdpkit``
  behind a shim that records what the kit saw: the certificate file's mode, and which
  secret variables (by name) its environment held.

What cannot be tested here: GitHub, GitLab and Azure themselves (environment scoping,
masking, caches, artifact retention, schedules). The emulation follows their documented
behaviour; the README says which parts were never run on the real services.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CI = REPO / "examples" / "ci"
TEMPLATES = {
    "github": "github-actions.yml",
    "gitlab": "gitlab-ci.yml",
    "azure": "azure-pipelines.yml",
}
SCHEMAS = {
    "github": ["vendor.github-workflows", "custom.github-workflows-require-timeout"],
    "gitlab": ["vendor.gitlab-ci"],
    "azure": ["vendor.azure-pipelines"],
}
ENVIRONMENTS = ("test", "production")
SECRET = re.compile(r"\bNGDPKIT_(TEST|PRODUCTION)_[A-Z0-9_]+\b")
PIN = re.compile(r"^ngdpkit @ git\+https://[^\s@]+@[0-9a-f]{40}$")


def code_of(system: str) -> str:
    """The template without its comment lines (which name what not to do)."""
    text = (CI / TEMPLATES[system]).read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def load(system: str) -> dict[str, Any]:
    data = yaml.safe_load((CI / TEMPLATES[system]).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# ---------------------------------------------------------------------------------------------
# One shape for the three systems: jobs with an environment, shell steps and always-run steps.


@dataclass
class Step:
    kind: str  # "shell" or the action/task it uses ("actions/cache/restore", "DownloadPipelineArtifact@2")
    script: str = ""
    env: dict[str, str] = field(default_factory=dict)
    always: bool = False
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Job:
    name: str
    environment: str | None
    steps: list[Step]
    env: dict[str, str]
    raw: dict[str, Any]
    needs: list[str] = field(default_factory=list)
    scheduled: bool = False  # runs on the schedule (and only then)
    on_schedule_never: bool = False  # never runs on the schedule
    after_failure: bool = False  # runs after a needed job failed


def _gitlab_resolve(data: dict[str, Any], name: str) -> dict[str, Any]:
    """A GitLab job with its ``extends`` applied: hashes merged deeply, lists replaced."""

    def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
        return out

    job = data[name]
    parents = job.get("extends", [])
    resolved: dict[str, Any] = {}
    for parent in [parents] if isinstance(parents, str) else parents:
        resolved = merge(resolved, _gitlab_resolve(data, parent))
    return merge(resolved, {k: v for k, v in job.items() if k != "extends"})


GITLAB_RESERVED = {"stages", "variables", "default", "workflow", "include", "image", "cache"}


def jobs(system: str) -> list[Job]:
    data = load(system)
    out: list[Job] = []
    if system == "github":
        for name, job in data["jobs"].items():
            steps = []
            for s in job["steps"]:
                kind = s["uses"].split("@")[0] if "uses" in s else "shell"
                steps.append(
                    Step(
                        kind,
                        s.get("run", ""),
                        {k: str(v) for k, v in (s.get("env") or {}).items()},
                        "always()" in str(s.get("if", "")),
                        s.get("with") or {},
                    )
                )
            cond = str(job.get("if", ""))
            out.append(
                Job(
                    name,
                    job.get("environment"),
                    steps,
                    {k: str(v) for k, v in (job.get("env") or {}).items()},
                    job,
                    needs=list(job.get("needs", [])),
                    scheduled="== 'schedule'" in cond,
                    on_schedule_never="!= 'schedule'" in cond,
                    after_failure="!cancelled()" in cond or "always()" in cond,
                )
            )
    elif system == "gitlab":
        for name in data:
            if name.startswith(".") or name in GITLAB_RESERVED:
                continue
            job = _gitlab_resolve(data, name)
            body = "\n".join([*job.get("before_script", []), *job.get("script", [])])
            steps = [Step("shell", body)]
            if job.get("after_script"):
                steps.append(Step("shell", "\n".join(job["after_script"]), always=True))
            rules = job.get("rules", [])
            schedule = [r for r in rules if "schedule" in str(r.get("if", ""))]
            env = job.get("environment")
            out.append(
                Job(
                    name,
                    env["name"] if isinstance(env, dict) else env,
                    steps,
                    {k: str(v) for k, v in (job.get("variables") or {}).items()},
                    job,
                    needs=[n["job"] if isinstance(n, dict) else n for n in job.get("needs", [])],
                    scheduled=bool(schedule) and all(r.get("when") != "never" for r in schedule),
                    on_schedule_never=any(r.get("when") == "never" for r in schedule),
                    after_failure=any(r.get("when") == "always" for r in rules),
                )
            )
    else:
        for stage in data["stages"]:
            groups = [v["group"] for v in stage.get("variables", []) if "group" in v]
            assert len(groups) <= 1, f"{stage['stage']}: one variable group per stage"
            environment = groups[0].removeprefix("ngdpkit-") if groups else None
            env = {v["name"]: str(v["value"]) for v in stage.get("variables", []) if "name" in v}
            cond = stage.get("condition", "")
            for job in stage["jobs"]:
                steps = []
                for s in job["steps"]:
                    kind = "shell" if "bash" in s else s.get("task", "checkout")
                    steps.append(
                        Step(
                            kind,
                            s.get("bash", ""),
                            {k: str(v) for k, v in (s.get("env") or {}).items()},
                            s.get("condition") == "always()",
                            s.get("inputs") or {},
                        )
                    )
                out.append(
                    Job(
                        f"{stage['stage']}.{job['job']}",
                        environment,
                        steps,
                        env,
                        {"stage": stage, "job": job},
                        needs=list(stage.get("dependsOn", [])),
                        scheduled="eq(variables['Build.Reason'], 'Schedule')" in cond,
                        on_schedule_never="ne(variables['Build.Reason'], 'Schedule')" in cond,
                        after_failure="not(canceled())" in cond,
                    )
                )
    return out


def job_text(job: Job) -> str:
    return yaml.safe_dump(job.raw, sort_keys=True)


def commands(job: Job, word: str) -> list[list[str]]:
    """Each ``ngdpkit <word> …`` in the job's scripts, split into arguments."""
    found = []
    for step in job.steps:
        for m in re.finditer(rf"\bngdpkit ({word}\b[^\n>|]*)", step.script):
            found.append(m.group(1).split())
    return found


def kind_of(job: Job) -> str:
    """run, compare or watch: what the job runs."""
    for word in ("run", "compare", "watch"):
        if commands(job, word):
            return word
    raise AssertionError(f"{job.name} runs no ngdpkit command")


def env_of_command(args: list[str], job: Job) -> str:
    value = args[args.index("--env") + 1]
    return (
        job.env.get(value.strip('"').lstrip("$"), value) if value.startswith(('"$', "$")) else value
    )


SYSTEMS = list(TEMPLATES)


# ---------------------------------------------------------------------------------------------
# Properties


@pytest.mark.parametrize("system", SYSTEMS)
def test_the_kit_is_installed_pinned(system: str) -> None:
    """Every install is the one pinned source (a commit) or a wheel file: never a bare name
    that the public index would answer."""
    text = code_of(system)
    data = load(system)
    if system == "azure":
        top = {v["name"]: v["value"] for v in data["variables"]}
    else:
        top = data["env" if system == "github" else "variables"]
    assert PIN.match(top["NGDPKIT_SOURCE"]), top["NGDPKIT_SOURCE"]
    installs = re.findall(r"pip install ((?:--?\S+ )*)(\S+)", text)
    assert installs
    for _options, target in installs:
        assert target == '"$NGDPKIT_SOURCE"' or target.endswith('.whl"') or target.endswith(".whl")
    assert not re.search(r"pip install (--?\S+ )*['\"]?ngdpkit\b", text)
    for job in jobs(system):
        assert any("pip install" in s.script for s in job.steps), f"{job.name} installs nothing"


@pytest.mark.parametrize("system", SYSTEMS)
def test_each_job_holds_one_environments_secrets_at_most(system: str) -> None:
    for job in jobs(system):
        named = {m.group(1).lower() for m in SECRET.finditer(job_text(job))}
        what = kind_of(job)
        if what == "compare":
            assert job.environment is None and not named, f"{job.name}: {named}"
            continue
        assert job.environment in ENVIRONMENTS, job.name
        assert named == {job.environment}, f"{job.name} names {named}"
        for args in commands(job, what):
            assert env_of_command(args, job) == job.environment, (job.name, args)
    if system == "github":  # the secrets reach only the step that needs them, never the job
        for job in jobs(system):
            assert "secrets." not in yaml.safe_dump(job.env)


@pytest.mark.parametrize("system", SYSTEMS)
def test_the_p12_is_private_and_removed_in_every_case(system: str) -> None:
    text = code_of(system)
    assert not re.search(r"set -[a-z]*x|set -o xtrace|\bprintenv\b|^\s*env\s*$", text, re.M)
    assert not re.search(r"echo [^\n]*\$\{?(P12_BASE64|NGDPKIT_[A-Z]+_[A-Z_]+)\b", text)
    with_secrets = [j for j in jobs(system) if kind_of(j) != "compare"]
    assert with_secrets
    for job in with_secrets:
        decoding = [i for i, s in enumerate(job.steps) if "base64 --decode" in s.script]
        assert len(decoding) == 1, job.name
        script = job.steps[decoding[0]].script
        assert script.index("umask 077") < script.index("mktemp") < script.index("base64 --decode")
        trap = re.search(r"trap '([^']*)' EXIT", script)
        assert trap and '"$CERT_FILE"' in trap.group(1) and trap.start() < script.index("base64")
        cleanup = [s for s in job.steps[decoding[0] + 1 :] if s.always]
        assert any(re.search(r'rm -f -- "\$CERT_FILE"', s.script) for s in cleanup), job.name
        cert = job.env["CERT_FILE"]
        assert cert == f"migration/certs/{job.environment}.p12"


@pytest.mark.parametrize("system", SYSTEMS)
def test_the_previous_run_is_restored(system: str) -> None:
    data = load(system)
    for job in (j for j in jobs(system) if kind_of(j) == "run"):
        env = job.environment
        if system == "github":
            kinds = [s.kind for s in job.steps]
            restore = job.steps[kinds.index("actions/cache/restore")]
            save = job.steps[kinds.index("actions/cache/save")]
            run_at = next(i for i, s in enumerate(job.steps) if "ngdpkit run" in s.script)
            assert kinds.index("actions/cache/restore") < run_at < kinds.index("actions/cache/save")
            assert restore.inputs["path"] == save.inputs["path"] == f"runs/{env}"
            assert restore.inputs["restore-keys"] == f"ngdpkit-runs-{env}-"
            assert save.inputs["key"].startswith(f"ngdpkit-runs-{env}-") and save.always
        elif system == "gitlab":
            cache = job.raw["cache"]
            assert cache["paths"] == ["runs/"] and cache["when"] == "always"
            assert "$ENV_NAME" in cache["key"] and job.env["ENV_NAME"] == env
        else:
            download = next(s for s in job.steps if s.kind == "DownloadPipelineArtifact@2")
            publish = next(s for s in job.steps if s.kind == "PublishPipelineArtifact@1")
            assert download.inputs["buildType"] == "specific"
            assert download.inputs["artifactName"] == publish.inputs["artifact"]
            assert download.inputs["artifactName"] == f"ngdpkit-runs-{env}"
            assert download.inputs["tags"] in next(
                s.script for s in job.steps if "addbuildtag" in s.script
            )
            assert publish.always
    assert data


@pytest.mark.parametrize("system", SYSTEMS)
def test_compare_runs_after_both_environments(system: str) -> None:
    all_jobs = jobs(system)
    runs = {j.environment: j for j in all_jobs if kind_of(j) == "run"}
    assert set(runs) == set(ENVIRONMENTS)
    (compare,) = [j for j in all_jobs if kind_of(j) == "compare"]
    names = {j.name.split(".")[0] for j in runs.values()}
    assert set(compare.needs) == names
    assert compare.after_failure and compare.on_schedule_never
    assert all(r.on_schedule_never and not r.needs for r in runs.values())


@pytest.mark.parametrize("system", SYSTEMS)
def test_watch_is_scheduled_with_production_only(system: str) -> None:
    data = load(system)
    (watch,) = [j for j in jobs(system) if kind_of(j) == "watch"]
    assert watch.scheduled and watch.environment == "production"
    if system == "github":
        on = data.get("on", data.get(True))  # PyYAML reads a bare `on` as True
        assert on["schedule"][0]["cron"]
    elif system == "azure":
        assert data["schedules"][0]["cron"] and data["schedules"][0]["branches"]
    else:
        assert any("schedule" in r.get("if", "") for r in data["workflow"]["rules"])


@pytest.mark.parametrize("system", SYSTEMS)
def test_commands_are_the_kits_own(system: str) -> None:
    """Every ngdpkit command line parses with the kit's own parser, and runs ask for --pdf."""
    from ngdpkit.cli import build_parser

    parser = build_parser()
    for job in jobs(system):
        for word in ("run", "compare", "watch"):
            for args in commands(job, word):
                plain = [job.env.get(a.strip('"').lstrip("$"), a) for a in args if a != "$ONLINE"]
                plain = [a.replace('"$SETTINGS"', "migration/migration.toml") for a in plain]
                parser.parse_args(plain)
                if word == "run":
                    assert "--pdf" in args and "--out" in args


# ---------------------------------------------------------------------------------------------
# Schemas


@pytest.mark.parametrize("system", SYSTEMS)
def test_templates_pass_the_vendored_ci_schemas(system: str, tmp_path: Path) -> None:
    """check-jsonschema validates against the schemas it ships; every proxy points at a closed
    port, so a schema fetched from the network would fail here. (The Azure schema holds a
    pattern that the default ECMAScript engine cannot compile: Python's regex dialect reads it.)"""
    closed = "http://127.0.0.1:9"
    env = {
        **os.environ,
        "HTTP_PROXY": closed,
        "HTTPS_PROXY": closed,
        "http_proxy": closed,
        "https_proxy": closed,
        "NO_PROXY": "",
        "XDG_CACHE_HOME": str(tmp_path),  # no schema cached from an earlier, online use
    }
    for schema in SCHEMAS[system]:
        r = subprocess.run(
            [sys.executable, "-m", "check_jsonschema", "--no-cache", "--regex-variant", "python"]
            + ["--builtin-schema", schema, str(CI / TEMPLATES[system])],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert r.returncode == 0, (schema, r.stdout[-2000:], r.stderr[-2000:])


def test_the_schema_check_is_not_vacuous(tmp_path: Path) -> None:
    """A template broken in a way each schema knows is refused."""
    broken = {
        "github": {"on": "push", "jobs": {"x": {"runs-on": "ubuntu-latest", "stepz": []}}},
        "gitlab": {"job": {"script": "true", "environment": {"name": "t", "action": "deploy"}}},
        "azure": {"stages": [{"stage": "a", "jobs": [{"job": "j", "stepz": []}]}]},
    }
    for system, data in broken.items():
        path = tmp_path / f"{system}.yml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        r = subprocess.run(
            [sys.executable, "-m", "check_jsonschema", "--no-cache", "--regex-variant", "python"]
            + ["--builtin-schema", SCHEMAS[system][0], str(path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == 1, (system, r.stdout[-500:])


# ---------------------------------------------------------------------------------------------
# The shell as written, emulated against the sample

SHIM = r"""#!/usr/bin/env bash
# What the kit saw when the job called it: the certificate file's mode and size, and the names
# (never the values) of the secret variables in its environment.
{
  printf 'argv %s\n' "$*"
  for f in migration/certs/*.p12; do
    [ -f "$f" ] && printf 'file %s %s %s\n' "$f" "$(stat -c %a "$f")" "$(stat -c %s "$f")"
  done
  printf 'names %s\n' "$(env | cut -d= -f1 | grep -E '^(NGDPKIT_(TEST|PRODUCTION)_|P12_BASE64$)' | sort | tr '\n' ' ')"
} >> "$SHIM_LOG"
case "${SHIM_MODE:-real}" in
  term) kill -TERM "$PPID"; sleep 1; exit 143 ;;
  fake) printf '{"status": "%s"}\n' "${SHIM_STATUS:-ok}"; exit "${SHIM_CODE:-0}" ;;
  copy) env=""; prev=""; for a in "$@"; do [ "$prev" = "--env" ] && env=$a; prev=$a; done
        mkdir -p "runs/$env" && cp -r "$SHIM_RUNS/$env/." "runs/$env/"; exit 0 ;;
  *) exec "$REAL_NGDPKIT" "$@" ;;
esac
"""


@dataclass
class Pipeline:
    """One CI system's world between pipelines: the workspace, its caches and artifacts."""

    system: str
    root: Path
    secrets: dict[str, str]
    store: Path = field(init=False)
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.store = self.root / "store"  # caches and artifacts outlive a pipeline
        self.store.mkdir()
        self.log = self.root / "shim.log"
        bin_dir = self.root / "bin"
        bin_dir.mkdir()
        shim = bin_dir / "ngdpkit"
        shim.write_text(SHIM, encoding="utf-8")
        shim.chmod(0o755)

    def workspace(self, sample: Path) -> Path:
        """A fresh checkout: the settings and inputs, no .p12, no secrets file."""
        ws = self.root / "ws"
        if ws.exists():
            shutil.rmtree(ws)
        ws.mkdir()
        shutil.copytree(sample, ws / "migration", ignore=shutil.ignore_patterns("runs", "*.p12"))
        (ws / "migration" / "sample.env").unlink()
        settings = ws / "migration" / "migration.toml"
        text = settings.read_text(encoding="utf-8")
        settings.write_text(re.sub(r"(?m)^secrets_file = .*\n", "", text), encoding="utf-8")
        return ws

    def base_env(self, ws: Path, **extra: str) -> dict[str, str]:
        venv_bin = Path(sys.executable).parent
        return {
            "PATH": f"{self.root / 'bin'}:{venv_bin}:/usr/bin:/bin",
            "HOME": str(self.root),
            "LANG": "C.UTF-8",
            "SHIM_LOG": str(self.log),
            "REAL_NGDPKIT": str(venv_bin / "ngdpkit"),
            **extra,
        }


def _shell(script: str, env: dict[str, str], cwd: Path, flags: list[str]) -> int:
    r = subprocess.run(
        ["bash", "--noprofile", "--norc", *flags, "-c", script],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return r.returncode


def _copy(src: Path, dst: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dst, dirs_exist_ok=True)


def _skip_install(script: str) -> str:
    """The install lines are checked by rule above; here the kit of this checkout runs."""
    lines = [
        line
        for line in script.splitlines()
        if "pip install" not in line
        and "apt-get" not in line
        and "python3 -m venv" not in line
        and "task.prependpath" not in line
    ]
    return "\n".join(lines)


def emulate(p: Pipeline, job: Job, ws: Path, *, trap_only: bool = False, **mode: str) -> list[int]:
    """Run ``job``'s steps in ``ws`` as its CI system would; the exit code of each step run.
    ``trap_only``: stop after the step that decodes the .p12 (no always-run step after it)."""
    codes: list[int] = []
    failed = False
    env = p.base_env(ws, **mode)
    if p.system == "github":
        top = load("github")["env"]
        env |= {k: str(v) for k, v in top.items()} | {"RUNNER_TEMP": str(p.root / "runner-temp")}
        env |= job.env
        for step in job.steps:
            if failed and not step.always:
                continue
            if step.kind == "shell":
                step_env = {
                    k: re.sub(
                        r"\$\{\{ secrets\.(\w+) \}\}", lambda m: p.secrets.get(m.group(1), ""), v
                    )
                    for k, v in step.env.items()
                }
                code = _shell(_skip_install(step.script), env | step_env, ws, ["-eo", "pipefail"])
            else:
                code = _github_action(p, step, ws)
            codes.append(code)
            failed = failed or code != 0
            if trap_only and "base64 --decode" in step.script:
                return codes
    elif p.system == "gitlab":
        top = {k: str(v) for k, v in load("gitlab")["variables"].items()}
        scoped = {
            k: v
            for k, v in p.secrets.items()
            if job.environment and f"_{job.environment.upper()}_" in k
        }
        variables = {
            k: re.sub(r"\$(\w+)", lambda m: scoped.get(m.group(1), ""), v)
            for k, v in job.env.items()
        }
        env |= top | scoped | variables
        cache = job.raw.get("cache")
        key = cache["key"].replace("$ENV_NAME", job.env.get("ENV_NAME", "")) if cache else ""
        if cache:
            _copy(p.store / f"cache-{key}", ws)
        for need in job.needs:
            _copy(p.store / f"artifacts-{need}", ws)
        main, *after = job.steps
        codes.append(_shell(_skip_install(main.script), env, ws, ["-eo", "pipefail"]))
        if trap_only:
            return codes
        for step in after:  # after_script: its own shell, whatever happened
            codes.append(_shell(step.script, env, ws, ["-eo", "pipefail"]))
        if cache:
            for path in cache["paths"]:
                _copy(ws / path, p.store / f"cache-{key}" / path)
        for path in job.raw.get("artifacts", {}).get("paths", []):
            target = p.store / f"artifacts-{job.name}" / path
            if (ws / path).is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ws / path, target)
            else:
                _copy(ws / path, target)
    else:
        data = load("azure")
        top = {v["name"].upper(): str(v["value"]) for v in data["variables"]}
        env |= top | {k.upper(): v for k, v in job.env.items()}
        env |= {"AGENT_TEMPDIRECTORY": str(p.root / "agent-temp")}
        group = {
            k: v
            for k, v in p.secrets.items()
            if job.environment and f"_{job.environment.upper()}_" in k
        }
        for step in job.steps:
            if failed and not step.always:
                continue
            if step.kind == "shell":
                step_env = {
                    k: re.sub(r"\$\((\w+)\)", lambda m: group.get(m.group(1), m.group(0)), v)
                    for k, v in step.env.items()
                }
                code = _shell(_skip_install(step.script), env | step_env, ws, [])
            else:
                code = _azure_task(p, step, ws)
            codes.append(code)
            failed = failed or code != 0
            if trap_only and "base64 --decode" in step.script:
                return codes
    return codes


def _github_action(p: Pipeline, step: Step, ws: Path) -> int:
    key_of = {"ngdpkit-runs-test-": "test", "ngdpkit-runs-production-": "production"}
    if step.kind == "actions/cache/restore":
        _copy(p.store / f"cache-{key_of[step.inputs['restore-keys']]}", ws / step.inputs["path"])
    elif step.kind == "actions/cache/save":
        env = step.inputs["path"].split("/")[-1]
        shutil.rmtree(p.store / f"cache-{env}", ignore_errors=True)
        _copy(ws / step.inputs["path"], p.store / f"cache-{env}")
    elif step.kind == "actions/upload-artifact":
        src = ws / step.inputs["path"]
        dst = p.store / f"artifact-{step.inputs['name']}"
        if src.is_file():
            dst.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / src.name)
        else:
            _copy(src, dst)
    elif step.kind == "actions/download-artifact":
        src = p.store / f"artifact-{step.inputs['name']}"
        if not src.is_dir():
            return 1
        _copy(src, ws / step.inputs["path"])
    return 0


def _azure_task(p: Pipeline, step: Step, ws: Path) -> int:
    def path(value: str) -> Path:
        return Path(value.replace("$(Build.SourcesDirectory)", str(ws)))

    if step.kind == "DownloadPipelineArtifact@2":
        src = p.store / f"artifact-{step.inputs['artifactName']}"
        if not src.is_dir():
            return 0 if step.inputs.get("buildType") == "specific" else 1  # continueOnError
        _copy(src, path(step.inputs["targetPath"]))
    elif step.kind == "PublishPipelineArtifact@1":
        src = path(step.inputs["targetPath"])
        dst = p.store / f"artifact-{step.inputs['artifact']}"
        shutil.rmtree(dst, ignore_errors=True)
        if src.is_file():
            dst.mkdir(parents=True)
            shutil.copy2(src, dst / src.name)
        else:
            _copy(src, dst)
    return 0


@pytest.fixture(scope="module")
def ci_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The sample set, and the secrets a CI store would hold for it (the .p12s as base64)."""
    from ngdpkit.sample import write_sample
    from ngdpkit.secrets import read_dotenv

    d = tmp_path_factory.mktemp("ci-sample")
    write_sample(d)
    secrets = dict(read_dotenv(d / "sample.env"))
    for env in ENVIRONMENTS:
        raw = (d / "certs" / f"{env}.p12").read_bytes()
        secrets[f"NGDPKIT_{env.upper()}_P12_BASE64"] = base64.b64encode(raw).decode()
    return d, secrets


@pytest.fixture(scope="module")
def real_runs(
    tmp_path_factory: pytest.TempPathFactory, ci_sample: tuple[Path, dict[str, str]]
) -> Path:
    """One finished run folder per sample environment, made once (offline, no PDF)."""
    from ngdpkit.cli import main

    sample, _ = ci_sample
    out = tmp_path_factory.mktemp("ci-runs")
    for env in ENVIRONMENTS:
        assert (
            main(
                [
                    "run",
                    "--settings",
                    str(sample / "migration.toml"),
                    "--env",
                    env,
                    "--out",
                    str(out),
                ]
            )
            == 0
        )
    return out


def job_named(system: str, what: str, environment: str | None) -> Job:
    return next(j for j in jobs(system) if kind_of(j) == what and j.environment == environment)


def shim_lines(p: Pipeline, word: str) -> list[str]:
    return (
        [line for line in p.log.read_text().splitlines() if line.startswith(word)]
        if p.log.is_file()
        else []
    )


def saw_private_p12(p: Pipeline, env: str) -> bool:
    """The kit saw the environment's .p12 with content, readable by its user only."""
    pattern = re.compile(rf"file migration/certs/{env}\.p12 600 [1-9]")
    return any(pattern.match(line) for line in shim_lines(p, "file "))


def leftovers(ws: Path, p: Pipeline) -> list[Path]:
    """Any certificate material left behind: a .p12 with content, or a decode's temp file."""
    found = [f for f in ws.rglob("*.p12") if f.stat().st_size]
    found += list(ws.rglob(".ngdpkit-p12.*"))
    for temp in ("runner-temp", "agent-temp"):
        if (p.root / temp).is_dir():
            found += [f for f in (p.root / temp).rglob("*") if f.is_file()]
    return found


@pytest.mark.parametrize("system", SYSTEMS)
def test_two_pipelines_of_one_environment_show_changes(
    system: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """Each template's test job, run twice with the CI system's store between: the kit gets a
    private .p12 (0600) and only test's secrets; the .p12 is gone after; the second run finds
    the first and writes changes.json."""
    sample, secrets = ci_sample
    p = Pipeline(system, tmp_path, secrets)
    job = job_named(system, "run", "test")
    for attempt in (1, 2):
        ws = p.workspace(sample)
        codes = emulate(p, job, ws)
        assert all(c == 0 for c in codes), (attempt, codes)
        assert leftovers(ws, p) == []
        runs = sorted(d for d in (ws / "runs" / "test").iterdir() if d.is_dir())
        assert len(runs) == attempt
        latest = (ws / "runs" / "test" / "LATEST").read_text().strip()
        assert latest == runs[-1].name
        assert (runs[-1] / "changes.json").is_file() == (attempt == 2)
    files = shim_lines(p, "file ")
    assert saw_private_p12(p, "test")
    assert all(" 600 " in f or f.endswith(" 0") for f in files)  # the stand-in is empty
    assert any(
        f.startswith("file migration/certs/production.p12") and f.endswith(" 0") for f in files
    )
    names = shim_lines(p, "names ")
    assert names and all("PRODUCTION" not in n for n in names)
    assert all(
        "NGDPKIT_TEST_CERT_PASSWORD" in n and "NGDPKIT_TEST_AUTHORIZATION" in n for n in names
    )


@pytest.mark.parametrize("system", SYSTEMS)
def test_the_p12_is_removed_when_the_step_is_killed(
    system: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """A cancelled step (SIGTERM to its shell while the kit runs) leaves no certificate: the
    trap removes it, and the always-run step would remove it otherwise."""
    sample, secrets = ci_sample
    p = Pipeline(system, tmp_path, secrets)
    job = job_named(system, "run", "production")
    for trap_only in (True, False):  # the trap alone; then with the always-run step after it
        ws = p.workspace(sample)
        codes = emulate(p, job, ws, trap_only=trap_only, SHIM_MODE="term")
        assert codes[0 if system == "gitlab" else _run_step(job)] != 0
        assert saw_private_p12(p, "production")
        assert leftovers(ws, p) == []


def _run_step(job: Job) -> int:
    return next(i for i, s in enumerate(job.steps) if "ngdpkit run" in s.script)


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_missing_secret_stops_before_the_kit(
    system: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    sample, secrets = ci_sample
    p = Pipeline(system, tmp_path, {k: v for k, v in secrets.items() if "P12_BASE64" not in k})
    ws = p.workspace(sample)
    codes = emulate(p, job_named(system, "run", "test"), ws)
    assert any(c == 2 for c in codes) and shim_lines(p, "argv") == []
    assert leftovers(ws, p) == []


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize(
    ("status", "code", "ok"), [("ok", "0", True), ("warnings", "0", False), ("errors", "1", False)]
)
def test_watch_fails_the_job_on_any_finding(
    system: str,
    status: str,
    code: str,
    ok: bool,
    tmp_path: Path,
    ci_sample: tuple[Path, dict[str, str]],
) -> None:
    """The watch job passes only on status ok; the kit saw production's secrets only."""
    sample, secrets = ci_sample
    p = Pipeline(system, tmp_path, secrets)
    ws = p.workspace(sample)
    job = job_named(system, "watch", "production")
    codes = emulate(p, job, ws, SHIM_MODE="fake", SHIM_STATUS=status, SHIM_CODE=code)
    watch_step = (
        0
        if system == "gitlab"
        else next(i for i, s in enumerate(job.steps) if "ngdpkit watch" in s.script)
    )
    assert (codes[watch_step] == 0) is ok, codes
    assert shim_lines(p, "argv")[0].startswith("argv watch ")
    assert saw_private_p12(p, "production")
    assert all("TEST" not in n for n in shim_lines(p, "names "))
    assert leftovers(ws, p) == []


@pytest.mark.parametrize("system", SYSTEMS)
def test_compare_gets_both_runs_and_no_secret(
    system: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]], real_runs: Path
) -> None:
    """Both environments' jobs, then compare: it finds both run folders from the artifacts and
    holds no secret. (The kit's compare itself is the compare module's; it is faked here.)"""
    sample, secrets = ci_sample
    p = Pipeline(system, tmp_path, secrets)
    for env in ENVIRONMENTS:  # each job's run: a real run folder of the sample, copied in
        ws = p.workspace(sample)
        job = job_named(system, "run", env)
        assert all(c == 0 for c in emulate(p, job, ws, SHIM_MODE="copy", SHIM_RUNS=str(real_runs)))
    ws = p.workspace(sample)
    compare = job_named(system, "compare", None)
    codes = emulate(p, compare, ws, SHIM_MODE="fake")
    assert all(c == 0 for c in codes), codes
    assert shim_lines(p, "argv")[-1].startswith("argv compare --settings")
    assert shim_lines(p, "names ")[-1].strip() == "names"
    for env in ENVIRONMENTS:
        latest = (ws / "runs" / env / "LATEST").read_text().strip()
        assert (ws / "runs" / env / latest / "manifest.json").is_file()


def test_the_prune_keeps_latest_and_the_four_newest(tmp_path: Path) -> None:
    (job,) = [j for j in jobs("github") if j.name == "run-test"]
    prune = next(s.script for s in job.steps if "sort -r" in s.script)
    base = tmp_path / "runs" / "test"
    names = [f"2026010{i}T000000Z-aaaaa{i}" for i in range(1, 8)]
    for n in names:
        (base / n).mkdir(parents=True)
    (base / "lab").mkdir()
    (base / "LATEST").write_text(names[0] + "\n")  # an old one, on purpose
    env = {"PATH": "/usr/bin:/bin", "ENV_NAME": "test"}
    assert _shell(prune, env, tmp_path, ["-eo", "pipefail"]) == 0
    kept = sorted(d.name for d in base.iterdir() if d.is_dir())
    assert kept == sorted([names[0], *names[-4:], "lab"])


def test_no_template_promises_what_the_kit_lacks() -> None:
    for name in TEMPLATES.values():
        text = (CI / name).read_text(encoding="utf-8")
        assert "NGDPKIT_CERT_DIR" not in text
        assert "${{" not in "".join(re.findall(r"run: \|\n((?:\s{10}.*\n)+)", text))
