"""The CI templates in ``examples/ci/`` (contract §12.8, issue 29): checked by rule and run.

Three kinds of test:

* **properties**, read from the parsed YAML of each template: the kit installed pinned (on
  GitLab, from an index only in a job without secrets), each job handed one environment's
  secrets at most, watch in an environment of its own that is not the gated one, the runner
  and shell each job needs, the .p12 removed by a step that always runs, the previous run
  restored (with an artifact when the cache has none), a compare job after both
  environments, a scheduled watch;
* **schemas**: ``check-jsonschema`` with the schemas it ships (``vendor.github-workflows``,
  ``vendor.gitlab-ci``, ``vendor.azure-pipelines``), with every proxy pointed at a closed
  port so that a schema fetched from the network would fail the test;
* **the shell as written**: each template's jobs are emulated here (the steps in order, each
  script in bash as that CI system runs it, a step that always runs after a failure, the
  cache or artifact store between two pipelines, GitLab's File-type variables, stand-ins for
  ``gh`` and ``curl`` answering as GitHub's artifact list and GitLab's artifacts API do)
  against the sample, with the real ``ngdpkit`` behind a shim that records what the kit saw:
  the certificate file's mode, which secret variables (by name) its environment held, and a
  digest of the authorization header.

What cannot be tested here: GitHub, GitLab and Azure themselves (environment scoping,
masking, caches, artifact retention, schedules). The emulation follows their documented
behaviour; the README says which parts were never run on the real services.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import shutil
import subprocess
import sys
from copy import deepcopy
from dataclasses import dataclass, field, replace
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


@functools.cache
def _parsed(text: str) -> Any:
    """A template's text parsed once per process (~25 ms of PyYAML each time, and the module
    reads a template several times a test); :func:`load` hands out a copy of it."""
    return yaml.safe_load(text)


def load(system: str) -> dict[str, Any]:
    """The template as parsed YAML: a copy of its own, so that no test can change another's
    (the cache is keyed by the file's text, read each time)."""
    data = deepcopy(_parsed((CI / TEMPLATES[system]).read_text(encoding="utf-8")))
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
    id: str = ""  # GitHub: the step's id, for steps.<id>.outputs
    condition: str = ""  # GitHub: the step's if:, as written; Azure: its condition:
    continue_on_error: bool = False  # GitHub, Azure: a failure does not fail the job


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

    @property
    def kit_env(self) -> str | None:
        """The kit's environment the job's ngdpkit command names (--env), or None."""
        for word in ("run", "watch"):
            for args in commands(self, word):
                return env_of_command(args, self)
        return None


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


def _flat(items: Any) -> list[str]:
    """A GitLab script list with the nested lists of YAML anchors flattened, as GitLab does."""
    out: list[str] = []
    for item in [items] if isinstance(items, str) else items or []:
        out += _flat(item) if isinstance(item, list) else [item]
    return out


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
                        str(s.get("id", "")),
                        str(s.get("if", "")),
                        bool(s.get("continue-on-error")),
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
            body = "\n".join([*_flat(job.get("before_script")), *_flat(job.get("script"))])
            steps = [Step("shell", body)]
            if job.get("after_script"):
                steps.append(Step("shell", "\n".join(_flat(job["after_script"])), always=True))
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
                            condition=str(s.get("condition", "")),
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
        for m in re.finditer(rf"\bngdpkit ({word}\b[^\n>|&]*)", step.script):
            found.append(m.group(1).split())
    return found


def kind_of(job: Job) -> str:
    """run, compare or watch: what the job runs; prepare: a job that only builds the kit's
    wheels (GitLab), with no secret."""
    for word in ("run", "compare", "watch"):
        if commands(job, word):
            return word
    if any("pip wheel" in s.script for s in job.steps):
        return "prepare"
    raise AssertionError(f"{job.name} runs no ngdpkit command")


GATED = "production"  # the environment whose runs wait for a reviewer or an approval
WATCH_SCOPE = "production-watch"  # watch's own: production's secrets, no approval


def header_of(system: str) -> str:
    """The template's opening comment, its lines joined."""
    lines = (CI / TEMPLATES[system]).read_text(encoding="utf-8").splitlines()
    head = []
    for line in lines:
        if not line.startswith("#"):
            break
        head.append(line.lstrip("# ").rstrip())
    return " ".join(head)


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
    """Every install is the one pinned source (a commit), or the wheels built from it by a job
    without secrets, installed offline: never a bare name that the public index would answer."""
    text = code_of(system)
    data = load(system)
    if system == "azure":
        top = {v["name"]: v["value"] for v in data["variables"]}
    else:
        top = data["env" if system == "github" else "variables"]
    assert PIN.match(top["NGDPKIT_SOURCE"]), top["NGDPKIT_SOURCE"]
    installs = re.findall(r"pip (install|wheel) ((?:--?\S+ )*)(\S+)", text)
    assert installs
    for verb, options, target in installs:
        if target == '"$NGDPKIT_SOURCE"':
            continue
        assert verb == "install" and "--no-index" in options, (verb, options, target)
        assert target.startswith("wheels/") and target.endswith(".whl"), target
    assert not re.search(r"pip install (--?\S+ )*['\"]?ngdpkit\b", text)
    for job in jobs(system):
        assert any(re.search(r"pip (install|wheel)", s.script) for s in job.steps), job.name


def test_gitlab_installs_nothing_from_an_index_where_a_secret_is() -> None:
    """GitLab hands a job its variables for the whole job, before_script included: every
    download and build of third-party code is in ngdpkit:wheels, which names no environment
    and no secret; the jobs that hold secrets install its wheels offline (--no-index, so no
    index is asked and no build code runs), and read the variables' files only in the step
    that runs the kit, after every install."""
    all_jobs = jobs("gitlab")
    (prepare,) = [j for j in all_jobs if kind_of(j) == "prepare"]
    assert prepare.environment is None and not SECRET.search(job_text(prepare))
    assert '--wheel-dir=wheels "$NGDPKIT_SOURCE"' in prepare.steps[0].script
    assert prepare.raw["artifacts"]["paths"] == ["wheels/"]
    for job in all_jobs:
        if job is prepare:
            continue
        assert prepare.name in job.needs, job.name
        body = job.steps[0].script
        pips = re.findall(r"pip [a-z]+ [^\n]*", body)
        assert pips and all("install" in p and "--no-index" in p for p in pips), pips
        if job.environment is None:
            continue
        assert "pip wheel" not in body and "git+" not in body
        # the variables' files are read after every install, and nowhere else
        read_at = body.index('cat -- "${!password_file}"')
        installs = [m.end() for m in re.finditer(r"pip install|apt-get install", body)]
        assert installs and max(installs) < read_at, job.name
        # the password, the header and (with [signing]) the seal's password, each after every
        # install
        reads = [m.start() for m in re.finditer("cat -- ", body)]
        assert len(reads) == 3 and min(reads) > max(installs), job.name
        assert "base64 --decode < " in body[read_at:]
        # a variable of type File is named in the job, never expanded into another variable
        assert not any("$" in v for k, v in job.env.items() if k.endswith("_VAR")), job.env
        assert job.env["P12_FILE_VAR"].endswith("_P12_BASE64_FILE")


@pytest.mark.parametrize("system", SYSTEMS)
def test_each_job_holds_one_environments_secrets_at_most(system: str) -> None:
    for job in jobs(system):
        named = {m.group(1).lower() for m in SECRET.finditer(job_text(job))}
        what = kind_of(job)
        if what in ("compare", "prepare"):
            assert job.environment is None and not named, f"{job.name}: {named}"
            continue
        assert named == {job.kit_env}, f"{job.name} names {named}"
        allowed = (WATCH_SCOPE,) if what == "watch" else ENVIRONMENTS
        assert job.environment in allowed, (job.name, job.environment)
        for args in commands(job, what):
            assert env_of_command(args, job) == job.kit_env, (job.name, args)
    if system == "github":  # the secrets reach only the step that needs them, never the job
        for job in jobs(system):
            assert "secrets." not in yaml.safe_dump(job.env)


@pytest.mark.parametrize("system", SYSTEMS)
def test_watch_has_its_own_environment_without_approval(system: str) -> None:
    """The README has production protected by required reviewers (GitHub), an approval rule
    (GitLab) or an approval check (Azure): a scheduled watch in that environment would wait for
    a person every day. Watch has an environment (variable group) of its own, production-watch,
    holding production's secrets and no other's, which the header says is not gated."""
    (watch,) = [j for j in jobs(system) if kind_of(j) == "watch"]
    production_run = next(
        j for j in jobs(system) if kind_of(j) == "run" and j.kit_env == "production"
    )
    assert production_run.environment == GATED
    assert watch.environment == WATCH_SCOPE != production_run.environment
    assert {m.group(1) for m in SECRET.finditer(job_text(watch))} == {"PRODUCTION"}
    assert watch.kit_env == "production"
    head = header_of(system)
    assert any(
        re.search(r"NO (required reviewers|approval)", head[m.end() : m.end() + 400])
        for m in re.finditer(WATCH_SCOPE, head)
    ), head
    gate = {"github": "required reviewers", "gitlab": "approval rule", "azure": "approval check"}
    assert re.search(rf"{GATED}\b[^.]*{gate[system]}", head), head


@pytest.mark.parametrize("system", SYSTEMS)
def test_the_header_says_which_runner_and_shell_each_job_needs(system: str) -> None:
    head = header_of(system)
    assert re.search(r"bash on Linux|bash step on Linux", head), head[:300]
    assert "venv" in head and "python3-venv" in head
    if system == "gitlab":
        assert "PEP 668" in head and "Debian 12" in head and "shell executor" in head
    else:
        assert "self-hosted" in head and "shared Python" in head
    (watch,) = [j for j in jobs(system) if kind_of(j) == "watch"]
    body = "\n".join(s.script for s in watch.steps)
    assert re.search(r"python3 -m venv \S+", body), "watch installs into a venv of its job"
    if system == "github":
        assert not any(s.kind == "actions/setup-python" for s in watch.steps)


@pytest.mark.parametrize("system", SYSTEMS)
def test_the_p12_is_private_and_removed_in_every_case(system: str) -> None:
    text = code_of(system)
    assert not re.search(r"set -[a-z]*x|set -o xtrace|\bprintenv\b|^\s*env\s*$", text, re.M)
    assert not re.search(r"echo [^\n]*\$\{?(P12_BASE64|NGDPKIT_[A-Z]+_[A-Z_]+)\b", text)
    with_secrets = [j for j in jobs(system) if kind_of(j) in ("run", "watch")]
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
        assert cert == f"migration/certs/{job.kit_env}.p12"
        if system == "gitlab":  # the runner's files of the File-type variables go too
            assert any('rm -f -- "$path"' in s.script for s in cleanup), job.name


@pytest.mark.parametrize("system", SYSTEMS)
def test_the_previous_run_is_restored(system: str) -> None:
    data = load(system)
    for job in (j for j in jobs(system) if kind_of(j) == "run"):
        env = job.kit_env
        if system == "github":
            kinds = [s.kind for s in job.steps]
            restore = job.steps[kinds.index("actions/cache/restore")]
            save = job.steps[kinds.index("actions/cache/save")]
            run_at = next(i for i, s in enumerate(job.steps) if "ngdpkit run" in s.script)
            assert kinds.index("actions/cache/restore") < run_at < kinds.index("actions/cache/save")
            assert restore.inputs["path"] == save.inputs["path"] == f"runs/{env}"
            assert restore.inputs["restore-keys"] == f"ngdpkit-runs-{env}-"
            assert save.inputs["key"].startswith(f"ngdpkit-runs-{env}-") and save.always
            # a cache unused for 7 days is evicted: then the newest artifact of this branch
            find = next(s for s in job.steps if "gh api" in s.script)
            assert find.condition == f"steps.{restore.id}.outputs.cache-matched-key == ''"
            assert "actions/artifacts?name=ngdpkit-runs-$ENV_NAME" in find.script
            assert "env.GITHUB_REF_NAME" in find.script and "expired" in find.script
            assert find.env["GH_TOKEN"] == "${{ github.token }}"
            download = next(
                s
                for s in job.steps
                if s.kind == "actions/download-artifact" and "run-id" in s.inputs
            )
            assert job.steps.index(find) < job.steps.index(download) < run_at
            assert download.condition == f"steps.{find.id}.outputs.run_id != ''"
            assert download.inputs["run-id"] == f"${{{{ steps.{find.id}.outputs.run_id }}}}"
            assert download.inputs["github-token"] == "${{ github.token }}"
            assert download.inputs["name"] == f"ngdpkit-runs-{env}"
            assert download.inputs["path"] == f"runs/{env}"
            assert download.continue_on_error  # an artifact gone meanwhile costs changes.json only
            upload = next(s for s in job.steps if s.kind == "actions/upload-artifact")
            assert upload.inputs["name"] == download.inputs["name"] and upload.always
            assert job.raw["permissions"] == {"contents": "read", "actions": "read"}
        elif system == "gitlab":
            cache = job.raw["cache"]
            assert cache["paths"] == ["runs/"] and cache["when"] == "always"
            assert "$ENV_NAME" in cache["key"] and job.env["ENV_NAME"] == env
            # per runner unless distributed: then the latest successful pipeline's artifacts
            body = job.steps[0].script
            assert '--header "JOB-TOKEN: $CI_JOB_TOKEN"' in body
            assert "/jobs/artifacts/$CI_COMMIT_REF_NAME/download" in body
            assert '"job=$CI_JOB_NAME"' in body
            assert body.index("jobs/artifacts") < body.index("ngdpkit run")
            # runs-dropped/: a dropped run, to read; the restore takes runs/<env> only
            assert job.raw["artifacts"]["paths"] == ["runs/", "runs-dropped/"]
            assert 'mv -- "previous-runs/runs/$ENV_NAME" "runs/$ENV_NAME"' in body
            assert "runs-dropped" not in body.split("ngdpkit run")[0]
            assert job.raw["artifacts"]["when"] == "always"
            assert job.raw["allow_failure"] == {"exit_codes": [1]}  # its pipeline still succeeds
            assert "trap 'exit 2' ERR" in body  # and only the kit's findings are exit 1
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
    if system == "gitlab":
        head = header_of(system)
        assert "per runner unless the runners share a distributed cache" in head
    assert data


@pytest.mark.parametrize("system", SYSTEMS)
def test_compare_runs_after_both_environments(system: str) -> None:
    all_jobs = jobs(system)
    runs = {j.kit_env: j for j in all_jobs if kind_of(j) == "run"}
    assert set(runs) == set(ENVIRONMENTS)
    (compare,) = [j for j in all_jobs if kind_of(j) == "compare"]
    prepare = {j.name for j in all_jobs if kind_of(j) == "prepare"}
    names = {j.name.split(".")[0] for j in runs.values()}
    assert set(compare.needs) - prepare == names
    assert compare.after_failure and compare.on_schedule_never
    assert all(r.on_schedule_never and set(r.needs) <= prepare for r in runs.values())


@pytest.mark.parametrize("system", SYSTEMS)
def test_watch_is_scheduled_with_production_only(system: str) -> None:
    data = load(system)
    (watch,) = [j for j in jobs(system) if kind_of(j) == "watch"]
    assert watch.scheduled and watch.kit_env == "production"
    assert watch.environment == WATCH_SCOPE
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


def check_jsonschema(schema: str, path: Path, env: dict[str, str] | None = None) -> Any:
    """check-jsonschema's own command line (``--no-cache --regex-variant python
    --builtin-schema SCHEMA PATH``), run in this process with ``env`` set meanwhile: a child
    process per check spent ~1.3 s of its ~1.5 s importing jsonschema. Any exception it
    raises propagates (a crash is never read as a refusal). click's result: ``exit_code``,
    ``output``."""
    from check_jsonschema.cli.main_command import main
    from click.testing import CliRunner

    args = ["--no-cache", "--regex-variant", "python", "--builtin-schema", schema, str(path)]
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


@pytest.mark.parametrize("system", SYSTEMS)
def test_templates_pass_the_vendored_ci_schemas(system: str, tmp_path: Path) -> None:
    """check-jsonschema validates against the schemas it ships; every proxy points at a closed
    port, so a schema fetched from the network would fail here. (The Azure schema holds a
    pattern that the default ECMAScript engine cannot compile: Python's regex dialect reads it.)"""
    closed = "http://127.0.0.1:9"
    env = {
        "HTTP_PROXY": closed,
        "HTTPS_PROXY": closed,
        "http_proxy": closed,
        "https_proxy": closed,
        "NO_PROXY": "",
        "no_proxy": "",
        "XDG_CACHE_HOME": str(tmp_path),  # no schema cached from an earlier, online use
    }
    for schema in SCHEMAS[system]:
        r = check_jsonschema(schema, CI / TEMPLATES[system], env)
        assert r.exit_code == 0, (schema, r.output[-4000:])


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
        r = check_jsonschema(SCHEMAS[system][0], path)
        assert r.exit_code == 1, (system, r.output[-500:])


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
  printf 'tokens %s\n' "$(env | cut -d= -f1 | grep -E '^(CI_JOB_TOKEN|CI_BUILD_TOKEN|CI_REPOSITORY_URL|SYSTEM_ACCESSTOKEN|GH_TOKEN|GITHUB_TOKEN)$' | sort | tr '\n' ' ')"
  for v in NGDPKIT_TEST_AUTHORIZATION NGDPKIT_PRODUCTION_AUTHORIZATION; do
    if [ -n "${!v:-}" ]; then printf 'header %s %s\n' "$v" "$(printf '%s' "${!v}" | sha256sum | cut -c1-16)"; fi
  done
} >> "$SHIM_LOG"
# [signing]'s seal where SHIM_SEAL says the settings put it: its mode and a digest of its bytes;
# the names of the seal's variables; a digest of its password under SHIM_SEAL_VAR
if [ -n "${SHIM_SEAL:-}" ]; then
  {
    if [ -f "$SHIM_SEAL" ]; then
      printf 'seal %s %s %s\n' "$SHIM_SEAL" "$(stat -c %a "$SHIM_SEAL")" "$(sha256sum < "$SHIM_SEAL" | cut -c1-16)"
    else
      printf 'seal %s none\n' "$SHIM_SEAL"
    fi
    printf 'sealnames %s\n' "$(env | cut -d= -f1 | grep -E 'SEAL' | sort | tr '\n' ' ')"
    v=${SHIM_SEAL_VAR:-}
    if [ -n "$v" ] && [ -n "${!v:-}" ]; then printf 'sealpass %s %s\n' "$v" "$(printf '%s' "${!v}" | sha256sum | cut -c1-16)"; fi
  } >> "$SHIM_LOG"
fi
case "${SHIM_MODE:-real}" in
  term) kill -TERM "$PPID"; sleep 1 > /dev/null 2>&1; exit 143 ;;
  # interrupt: the kit at work (a sleep that holds none of the step's output, so that the job
  # ends when the kit does, not when the sleep would), stopped by the step's SIGTERM
  interrupt) trap 'kill "$!" 2>/dev/null; printf "marked\n" >> "$SHIM_LOG"; exit 130' TERM
             kill -TERM "$PPID"; sleep 5 > /dev/null 2>&1 & wait $!; exit 0 ;;
  fake) printf '{"status": "%s"}\n' "${SHIM_STATUS:-ok}"; exit "${SHIM_CODE:-0}" ;;
  findings) env=""; prev=""; for a in "$@"; do [ "$prev" = "--env" ] && env=$a; prev=$a; done
            mkdir -p "runs/$env/$SHIM_RUN" && printf '%s\n' "$SHIM_FINDINGS" > "runs/$env/$SHIM_RUN/findings.json"
            printf '%s\n' "$SHIM_RUN" > "runs/$env/LATEST"; exit "${SHIM_CODE:-0}" ;;
  copy) env=""; prev=""; for a in "$@"; do [ "$prev" = "--env" ] && env=$a; prev=$a; done
        mkdir -p "runs/$env" && cp -r "$SHIM_RUNS/$env/." "runs/$env/"; exit 0 ;;
  *) exec "$REAL_NGDPKIT" "$@" ;;
esac
"""


GH = r"""#!/usr/bin/env bash
# `gh api repos/R/actions/artifacts?name=N&per_page=100 --jq FILTER`, as GitHub answers it from
# the store: the artifact N of an earlier run on main when one is kept, beside an expired one
# and a newer one of another branch, which the filter must pass over. jq runs the filter.
url=$2; filter=$4
name=$(printf '%s' "$url" | sed -n 's/.*[?&]name=\([^&]*\).*/\1/p')
printf 'gh %s\n' "$url" >> "$SHIM_LOG"
if [ -d "$STORE/artifact-$name" ]; then
  kept='{"expired": false, "created_at": "2026-01-05T05:17:00Z", "workflow_run": {"id": 4242, "head_branch": "main"}},'
fi
printf '{"artifacts": [%s
  {"expired": true, "created_at": "2026-01-09T05:17:00Z", "workflow_run": {"id": 5001, "head_branch": "main"}},
  {"expired": false, "created_at": "2026-01-08T05:17:00Z", "workflow_run": {"id": 5002, "head_branch": "feature"}}]}' "${kept:-}" \
  | jq -r "$filter"
"""

CURL = r"""#!/usr/bin/env bash
# GitLab's GET /projects/:id/jobs/artifacts/:ref/download?job=NAME: the artifacts of the job of
# the latest successful pipeline, from the store, zipped as GitLab zips them; 404 without one.
# Azure's GET …/_apis/build/builds/:id/artifacts?artifactName=NAME (with a bearer token): 200
# when the store holds the artifact NAME, 404 without it.
out=""; job=""; token=""; url=""; bearer=""
while [ $# -gt 0 ]; do
  case "$1" in
    --output) out=$2; shift ;;
    --header) case "$2" in "JOB-TOKEN: "*) token=${2#JOB-TOKEN: } ;; "Authorization: Bearer "?*) bearer=1 ;; esac; shift ;;
    --data-urlencode) case "$2" in job=*) job=${2#job=} ;; esac; shift ;;
    --write-out) shift ;;
    -*) ;;
    *) url=$1 ;;
  esac
  shift
done
case "$url" in
  */_apis/build/builds/*/artifacts\?*)
    name=$(printf '%s' "$url" | sed -n 's/.*[?&]artifactName=\([^&]*\).*/\1/p')
    printf 'curl azure artifactName=%s token=%s\n' "$name" "$([ -n "$bearer" ] && echo ok)" >> "$SHIM_LOG"
    if [ -n "$bearer" ] && [ -d "$STORE/artifact-$name" ]; then printf 200; else printf 404; fi
    exit 0 ;;
esac
printf 'curl job=%s token=%s\n' "$job" "$([ "$token" = "$CI_JOB_TOKEN" ] && echo ok)" >> "$SHIM_LOG"
if [ -n "$token" ] && [ -d "$STORE/artifacts-$job" ]; then
  (cd "$STORE/artifacts-$job" && python3 -m zipfile -c "$OLDPWD/$out" runs) > /dev/null
  printf 200
else
  printf 404
fi
"""


@dataclass
class Pipeline:
    """One CI system's world between pipelines: the workspace, its caches and artifacts."""

    system: str
    root: Path
    secrets: dict[str, str]
    plain: set[str] = field(default_factory=set)  # GitLab: given as plain, not File, variables
    basic_prefix: bool = False  # GitLab: the header stored whole, "Basic " included
    reuse: bool = False  # ``root`` already holds a world (a copy of another test's)
    store: Path = field(init=False)
    log: Path = field(init=False)
    ran: dict[int, int] = field(init=False, default_factory=dict)  # last job: step -> exit code
    first_codes: list[int] = field(default_factory=list)  # a copy's first pipeline: its codes

    def code_of_step(self, job: Job, text: str) -> int:
        """The exit code of the last emulated job's step whose script holds ``text``."""
        index = next(i for i, s in enumerate(job.steps) if text in s.script)
        return self.ran[index]

    def header_as_stored(self, header: str) -> str:
        """The authorization header as the GitLab variable holds it: the part after "Basic "
        (maskable), or the whole header when ``basic_prefix``."""
        return header if self.basic_prefix else header.removeprefix("Basic ")

    def __post_init__(self) -> None:
        self.store = self.root / "store"  # caches and artifacts outlive a pipeline
        self.log = self.root / "shim.log"
        if self.reuse:
            return
        self.store.mkdir()
        bin_dir = self.root / "bin"
        bin_dir.mkdir()
        for name, text_ in (("ngdpkit", SHIM), ("gh", GH), ("curl", CURL)):
            shim = bin_dir / name
            shim.write_text(text_, encoding="utf-8")
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
            # the kit of this checkout, not whichever checkout the shared venv installed
            "PYTHONPATH": str(REPO),
            "STORE": str(self.store),
            "JOB_LOG": str(self.root / "job.log"),
            **extra,
        }

    def job_log(self) -> str:
        """Everything the emulated jobs printed, as the CI system's job log would show it."""
        path = self.root / "job.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""


def _shell(script: str, env: dict[str, str], cwd: Path, flags: list[str]) -> int:
    r = subprocess.run(
        ["bash", "--noprofile", "--norc", *flags, "-c", script],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if env.get("JOB_LOG"):
        with open(env["JOB_LOG"], "a", encoding="utf-8") as log:
            log.write(r.stdout + r.stderr)
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
        and "pip wheel" not in line
        and "GITHUB_PATH" not in line
        and "bin/activate" not in line
        and "task.prependpath" not in line
    ]
    return "\n".join(lines)


def scoped_secrets(p: Pipeline, scope: str | None) -> dict[str, str]:
    """What the CI system's store holds for one environment (GitHub, GitLab) or variable group
    (Azure), set up as each template's header says: test's values for test, production's for
    production, and production's again (and nothing else) for production-watch."""
    kit = {"test": "TEST", "production": "PRODUCTION", WATCH_SCOPE: "PRODUCTION"}.get(scope or "")
    seal = scope in ENVIRONMENTS  # [signing]'s seal: the consultancy's, in test and production
    return {
        k: v
        for k, v in p.secrets.items()
        if kit and k.startswith(f"NGDPKIT_{kit}_") or seal and k.startswith("NGDPKIT_SEAL_")
    }


def gitlab_variables(p: Pipeline, scope: str | None) -> dict[str, str]:
    """The scope's File-type variables as the runner hands them over: each value written to a
    file of its own, the variable holding the file's path (``p.plain`` names any given as a
    plain variable instead, which holds the value itself)."""
    folder = p.root / "gitlab-variable-files"
    folder.mkdir(exist_ok=True)
    out = {}
    for name, value in scoped_secrets(p, scope).items():
        if name.endswith("_AUTHORIZATION"):
            name, value = name + "_BASE64", p.header_as_stored(value)
        name += "_FILE"
        if name in p.plain:
            out[name] = value
            continue
        path = folder / name
        path.write_text(value + "\n", encoding="utf-8")  # as a pasted value often ends
        out[name] = str(path)
    return out


def _github_if(step: Step, outputs: dict[str, dict[str, str]], failed: bool) -> bool:
    """Whether GitHub runs ``step``: always() steps always; after a failure nothing else; the
    two forms of ``steps.<id>.outputs.<name> ==/!= ''`` the template uses."""
    cond = step.condition.strip()
    if "always()" in cond:
        return True
    if failed:
        return False
    if not cond:
        return True
    m = re.fullmatch(r"steps\.(\w+)\.outputs\.([\w-]+) (==|!=) ''", cond)
    assert m, f"the emulation does not know the condition {cond!r}"
    value = outputs.get(m.group(1), {}).get(m.group(2), "")
    return (value == "") == (m.group(3) == "==")


def _expand(value: str, p: Pipeline, outputs: dict[str, dict[str, str]]) -> str:
    """A GitHub ``${{ … }}`` in a step's env or with: the secrets, the token, step outputs."""

    def one(m: re.Match[str]) -> str:
        expr = m.group(1)
        if expr.startswith("secrets."):
            return p.secrets.get(expr.removeprefix("secrets."), "")
        if expr == "github.token":
            return "ghs_emulated-token"
        out = re.fullmatch(r"steps\.(\w+)\.outputs\.([\w-]+)", expr)
        if out:
            return outputs.get(out.group(1), {}).get(out.group(2), "")
        return m.group(0)

    return re.sub(r"\$\{\{ ([^}]+?) \}\}", one, value)


def emulate(p: Pipeline, job: Job, ws: Path, *, trap_only: bool = False, **mode: str) -> list[int]:
    """Run ``job``'s steps in ``ws`` as its CI system would; the exit code of each step run.
    ``trap_only``: stop after the step that decodes the .p12 (no always-run step after it)."""
    codes: list[int] = []
    failed = False
    env = p.base_env(ws, **mode)
    p.ran = {}
    if p.system == "github":
        top = load("github")["env"]
        env |= {k: str(v) for k, v in top.items()} | {"RUNNER_TEMP": str(p.root / "runner-temp")}
        env |= {"GITHUB_REPOSITORY": "kommune/migration", "GITHUB_REF_NAME": "main"}
        env |= job.env
        outputs: dict[str, dict[str, str]] = {}
        for index, step in enumerate(job.steps):
            if not _github_if(step, outputs, failed):
                continue
            if step.kind == "shell":
                step_env = {k: _expand(v, p, outputs) for k, v in step.env.items()}
                out = p.root / "github-output"
                out.write_text("", encoding="utf-8")
                step_env |= {"GITHUB_OUTPUT": str(out), "GITHUB_PATH": str(p.root / "github-path")}
                code = _shell(_skip_install(step.script), env | step_env, ws, ["-eo", "pipefail"])
                lines = out.read_text(encoding="utf-8").splitlines()
                outputs[step.id] = dict(line.split("=", 1) for line in lines if "=" in line)
            else:
                inputs = {k: _expand(str(v), p, outputs) for k, v in step.inputs.items()}
                code = _github_action(p, replace(step, inputs=inputs), ws, outputs)
            codes.append(0 if step.continue_on_error else code)
            p.ran[index] = code
            failed = failed or (code != 0 and not step.continue_on_error)
            if trap_only and "base64 --decode" in step.script:
                return codes
    elif p.system == "gitlab":
        top = {k: str(v) for k, v in load("gitlab")["variables"].items()}
        env |= top | gitlab_variables(p, job.environment) | job.env
        env |= {
            "CI_JOB_NAME": job.name,
            "CI_ENVIRONMENT_NAME": job.environment or "",
            "CI_JOB_TOKEN": "glcbt-emulated",
            "CI_API_V4_URL": "https://gitlab.example.dk/api/v4",
            "CI_PROJECT_ID": "7",
            "CI_COMMIT_REF_NAME": mode.get("CI_COMMIT_REF_NAME", "main"),
            "CI_COMMIT_REF_SLUG": mode.get("CI_COMMIT_REF_SLUG", "main"),
            "CI_PROJECT_DIR": str(ws),
        }
        cache = job.raw.get("cache")
        # the key's variables as the runner expands them (the job's, the branch's slug)
        key = re.sub(r"\$(\w+)", lambda m: env.get(m.group(1), ""), cache["key"]) if cache else ""
        if cache:
            _copy(p.store / f"cache-{key}", ws)
        for need in job.needs:
            _copy(p.store / f"artifacts-{need}", ws)
        main, *after = job.steps
        codes.append(_shell(_skip_install(main.script), env, ws, ["-eo", "pipefail"]))
        p.ran[0] = codes[0]
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
        group = scoped_secrets(p, job.environment)
        variables: dict[str, str] = {}  # set by a step's ##vso[task.setvariable]
        for index, step in enumerate(job.steps):
            wanted = _azure_condition(step.condition, variables)
            if (wanted is None and failed and not step.always) or wanted is False:
                continue
            if step.kind == "shell":
                step_env = {
                    k: re.sub(r"\$\((\w+)\)", lambda m: group.get(m.group(1), m.group(0)), v)
                    for k, v in step.env.items()
                }
                said = len(p.job_log())
                code = _shell(_skip_install(step.script), env | step_env, ws, [])
                for name, value in re.findall(
                    r"##vso\[task\.setvariable variable=(\w+)\]([^\n]*)", p.job_log()[said:]
                ):
                    variables[name] = value
            else:
                code = _azure_task(p, step, ws)
            codes.append(code)
            p.ran[index] = code
            failed = failed or code != 0
            if trap_only and "base64 --decode" in step.script:
                return codes
    return codes


def _azure_condition(condition: str, variables: dict[str, str]) -> bool | None:
    """A step's condition beyond ``always()``, as Azure evaluates it: None for none or
    ``always()`` (the default rules), else whether the step runs. Only the form the template
    uses is known here; any other is the emulation's gap and fails the test."""
    if condition in ("", "always()"):
        return None
    m = re.fullmatch(r"and\(always\(\), eq\(variables\['(\w+)'\], '([^']*)'\)\)", condition)
    assert m, f"the emulation does not know the condition {condition!r}"
    return variables.get(m.group(1)) == m.group(2)


GH_KEPT_RUN = "4242"  # the run the gh shim names when the store keeps an artifact


def _github_action(p: Pipeline, step: Step, ws: Path, outputs: dict[str, dict[str, str]]) -> int:
    key_of = {"ngdpkit-runs-test-": "test", "ngdpkit-runs-production-": "production"}
    if step.kind == "actions/cache/restore":
        cached = p.store / f"cache-{key_of[step.inputs['restore-keys']]}"
        _copy(cached, ws / step.inputs["path"])
        matched = step.inputs["restore-keys"] + "41-1" if cached.is_dir() else ""
        outputs[step.id] = {"cache-hit": "false", "cache-matched-key": matched}
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
        if "run-id" in step.inputs:  # another run's: only that run's id, only with a token
            if step.inputs["run-id"] != GH_KEPT_RUN or not step.inputs.get("github-token"):
                return 1
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
def ci_sample(sample_dir: Path) -> tuple[Path, dict[str, str]]:
    """The sample set (the session's, read only: each pipeline copies it into its workspace),
    and the secrets a CI store would hold for it (the .p12s as base64)."""
    from ngdpkit.secrets import read_dotenv

    secrets = dict(read_dotenv(sample_dir / "sample.env"))
    for env in ENVIRONMENTS:
        raw = (sample_dir / "certs" / f"{env}.p12").read_bytes()
        secrets[f"NGDPKIT_{env.upper()}_P12_BASE64"] = base64.b64encode(raw).decode()
    return sample_dir, secrets


@pytest.fixture(scope="module")
def real_runs(sample_run_all: dict[str, Any]) -> Path:
    """One finished run folder per sample environment (offline, no PDF): the session's run of
    both environments of the sample, read only (the shim copies from it)."""
    r = sample_run_all["result"]
    assert r.returncode == 0, r.stdout + r.stderr
    runs: Path = sample_run_all["sample"] / "runs"
    assert all((runs / env / "LATEST").is_file() for env in ENVIRONMENTS)
    return runs


@pytest.fixture(scope="module")
def after_first_test_job(
    tmp_path_factory: pytest.TempPathFactory, ci_sample: tuple[Path, dict[str, str]]
) -> Any:
    """Each system's test job run once in a fresh world (store, shims, logs), with everything
    the tests below assert of that first pipeline; made once per system and module, since
    those tests' first pipelines are the same. ``copy(system, root)``: a Pipeline over a copy
    of that world in ``root``, ready for the next pipeline."""
    sample, secrets = ci_sample
    made: dict[str, Path] = {}
    first_codes: dict[str, list[int]] = {}

    def copy(system: str, root: Path) -> Pipeline:
        if system not in made:
            world = tmp_path_factory.mktemp(f"first-{system}")
            p = Pipeline(system, world, secrets)
            ws = p.workspace(sample)
            codes = emulate(p, job_named(system, "run", "test"), ws)
            assert all(c == 0 for c in codes), (1, codes, p.job_log()[-2000:])
            assert leftovers(ws, p) == []
            runs = sorted(d for d in (ws / "runs" / "test").iterdir() if d.is_dir())
            assert len(runs) == 1
            assert (ws / "runs" / "test" / "LATEST").read_text().strip() == runs[-1].name
            assert not (runs[-1] / "changes.json").is_file()
            made[system], first_codes[system] = world, codes
        shutil.copytree(made[system], root / "world", symlinks=True)
        return Pipeline(
            system, root / "world", secrets, reuse=True, first_codes=first_codes[system]
        )

    return copy


def job_named(system: str, what: str, environment: str | None) -> Job:
    """The job that runs ``what`` for the kit's ``environment`` (None: compare)."""
    return next(j for j in jobs(system) if kind_of(j) == what and j.kit_env == environment)


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
    system: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]], after_first_test_job: Any
) -> None:
    """Each template's test job, run twice with the CI system's store between: the kit gets a
    private .p12 (0600) and only test's secrets; the .p12 is gone after; the second run finds
    the first and writes changes.json. (The first pipeline, and what is asserted of it, is
    the module's after_first_test_job.)"""
    sample, secrets = ci_sample
    p = after_first_test_job(system, tmp_path)
    job = job_named(system, "run", "test")
    for attempt in (2,):
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
        emulate(p, job, ws, trap_only=trap_only, SHIM_MODE="term")
        assert p.code_of_step(job, "ngdpkit run") != 0
        assert saw_private_p12(p, "production")
        assert leftovers(ws, p) == []


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_cancelled_step_waits_for_the_kit_to_mark_its_folder(
    system: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """A CI engineer's second look: a cancel's SIGTERM ended the step's shell at once while
    the kit went on, so the always-run steps cached and uploaded the run folder before the
    kit had marked its pages unfinished, and the kit's last lines were lost. The step hands
    the signal to the kit and ends when the kit does, with the kit's exit code (130)."""
    sample, secrets = ci_sample
    p = Pipeline(system, tmp_path, secrets)
    job = job_named(system, "run", "test")
    ws = p.workspace(sample)
    emulate(p, job, ws, trap_only=True, SHIM_MODE="interrupt")
    assert shim_lines(p, "marked") == ["marked"]
    assert p.code_of_step(job, "ngdpkit run") == 130
    assert leftovers(ws, p) == []


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
    assert (p.code_of_step(job, "ngdpkit watch") == 0) is ok, codes
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


@pytest.mark.parametrize("system", ["github", "gitlab"])
def test_week_two_the_previous_run_comes_from_an_artifact(
    system: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]], after_first_test_job: Any
) -> None:
    """The cache is gone by the next run (GitHub evicts a cache unused for 7 days; GitLab's is
    per runner, and the next job ran on another one): the previous run comes from the last
    run's artifact instead (GitHub: the newest unexpired one of this branch, found through the
    artifact list and downloaded with run-id; GitLab: the job artifacts API with the job
    token), and the second run still writes changes.json."""
    if system == "github" and shutil.which("jq") is None:
        pytest.skip("the gh stand-in filters with jq, as gh --jq does")
    sample, secrets = ci_sample
    p = after_first_test_job(system, tmp_path)  # the first pipeline: an empty store, as here
    job = job_named(system, "run", "test")
    for attempt in (2,):
        for cache in p.store.glob("cache-*"):
            shutil.rmtree(cache)  # evicted, or on another runner
        ws = p.workspace(sample)
        codes = emulate(p, job, ws)
        assert all(c == 0 for c in codes), (attempt, codes, p.job_log()[-2000:])
        runs = sorted(d for d in (ws / "runs" / "test").iterdir() if d.is_dir())
        assert len(runs) == attempt
        assert (runs[-1] / "changes.json").is_file() == (attempt == 2)
        assert leftovers(ws, p) == []
    if system == "github":
        asked = shim_lines(p, "gh ")
        assert (
            asked
            == ["gh repos/kommune/migration/actions/artifacts?name=ngdpkit-runs-test&per_page=100"]
            * 2
        )
    else:
        assert shim_lines(p, "curl ") == ["curl job=ngdpkit:test token=ok"] * 2
        assert "came from the latest successful pipeline's artifacts" in p.job_log()


@pytest.mark.parametrize("basic_prefix", [False, True])
def test_gitlab_file_variables_reach_the_kit_intact_and_are_removed(
    basic_prefix: bool,
    tmp_path: Path,
    ci_sample: tuple[Path, dict[str, str]],
    after_first_test_job: Any,
) -> None:
    """GitLab: the header stored as its base64 part (maskable) or whole; either way the kit gets
    "Basic <base64>" under the settings' name, the password, and a private .p12; the runner's
    variable files are gone after the job; no value is printed. (Stored as its base64 part,
    the default, the pipeline is the module's first gitlab test job: its world, copied.)"""
    sample, secrets = ci_sample
    if basic_prefix:
        p = Pipeline("gitlab", tmp_path, secrets, basic_prefix=basic_prefix)
        job = job_named("gitlab", "run", "test")
        ws = p.workspace(sample)
        codes = emulate(p, job, ws)
    else:
        p = after_first_test_job("gitlab", tmp_path)
        assert not p.basic_prefix
        codes = p.first_codes
    assert codes
    assert all(c == 0 for c in codes), (codes, p.job_log()[-2000:])
    header = secrets["NGDPKIT_TEST_AUTHORIZATION"]
    digest = hashlib.sha256(header.encode()).hexdigest()[:16]
    assert shim_lines(p, "header ") == [f"header NGDPKIT_TEST_AUTHORIZATION {digest}"]
    assert saw_private_p12(p, "test")
    assert list((p.root / "gitlab-variable-files").iterdir()) == []
    log = p.job_log()
    for name, value in secrets.items():
        assert value not in log and value.removeprefix("Basic ") not in log, name


@pytest.mark.parametrize(
    ("plain", "p12", "kit_code", "expected"),
    [
        ("NGDPKIT_TEST_CERT_PASSWORD_FILE", None, "0", 2),  # a plain variable, not a File
        ("NGDPKIT_TEST_AUTHORIZATION_BASE64_FILE", None, "0", 2),
        (None, "!!! not base64 !!!", "0", 2),  # before the kit: never exit 1
        (None, None, "1", 1),  # the kit's error findings: exit 1, allowed to fail
        (None, None, "3", 3),
    ],
)
def test_gitlab_exit_codes_say_who_failed(
    plain: str | None,
    p12: str | None,
    kit_code: str,
    expected: int,
    tmp_path: Path,
    ci_sample: tuple[Path, dict[str, str]],
) -> None:
    """Exit 1 is allowed to fail (error findings, so that the pipeline still counts as
    successful and its run can be found as the previous one): so only the kit may exit 1. A
    variable of the wrong type or a .p12 that is not base64 stops before the kit with exit 2,
    and the value is never printed."""
    sample, secrets = ci_sample
    if p12 is not None:
        secrets = {**secrets, "NGDPKIT_TEST_P12_BASE64": p12}
    p = Pipeline("gitlab", tmp_path, secrets, plain={plain} if plain else set())
    ws = p.workspace(sample)
    job = job_named("gitlab", "run", "test")
    codes = emulate(p, job, ws, SHIM_MODE="fake", SHIM_CODE=kit_code)
    assert codes[0] == expected, (codes, p.job_log()[-1500:])
    assert bool(shim_lines(p, "argv")) == (expected != 2)
    assert leftovers(ws, p) == []
    log = p.job_log()
    assert secrets["NGDPKIT_TEST_CERT_PASSWORD"] not in log
    assert secrets["NGDPKIT_TEST_AUTHORIZATION"].removeprefix("Basic ") not in log
    if plain:
        assert f"the CI/CD variable {plain} is not a File-type variable" in log


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("spoil", ["password", "authorization", "p12"])
def test_an_empty_or_broken_secret_stops_before_the_kit_and_names_it(
    system: str, spoil: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """A CI engineer's look: on GitHub an empty password or header went to the kit, which
    wrote a whole run folder (exit 1, cached and uploaded as the previous run), and a .p12
    secret that was not base64 was "base64: invalid input", exit 1, as the kit's error
    findings are. Each stops before the kit, exit 2, naming the secret and never its value;
    a .p12 secret saved with CRLF line ends is read."""
    sample, secrets = ci_sample
    name = {
        "password": "NGDPKIT_TEST_CERT_PASSWORD",
        "authorization": "NGDPKIT_TEST_AUTHORIZATION",
        "p12": "NGDPKIT_TEST_P12_BASE64",
    }[spoil]
    broken = {**secrets, name: "not base64 (at all)!" if spoil == "p12" else " "}
    p = Pipeline(system, tmp_path, broken)
    ws = p.workspace(sample)
    codes = emulate(p, job_named(system, "run", "test"), ws, SHIM_MODE="fake", SHIM_CODE="0")
    assert 2 in codes and shim_lines(p, "argv") == [], (codes, p.job_log()[-1500:])
    assert leftovers(ws, p) == []
    log = p.job_log()
    assert name in log, log[-1500:]
    for other in ("NGDPKIT_TEST_CERT_PASSWORD", "NGDPKIT_TEST_AUTHORIZATION"):
        assert secrets[other].removeprefix("Basic ") not in log


@pytest.mark.parametrize("system", ["github", "azure"])
@pytest.mark.parametrize("header", ["Basic ", "Authorization: Basic", " basic\t"])
def test_a_header_without_its_token_stops_before_the_kit(
    system: str, header: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """A CI engineer's second look: "Basic " alone passed the blank check, and the kit, taking
    the word for the secret, found it in its own pages (four SECRET_LEAKs, exit 1, the run
    cached as the previous one). A header with nothing after "Basic" stops with exit 2."""
    sample, secrets = ci_sample
    p = Pipeline(system, tmp_path, {**secrets, "NGDPKIT_TEST_AUTHORIZATION": header})
    ws = p.workspace(sample)
    codes = emulate(p, job_named(system, "run", "test"), ws, SHIM_MODE="fake", SHIM_CODE="0")
    assert 2 in codes and shim_lines(p, "argv") == [], (codes, p.job_log()[-1500:])
    assert "NGDPKIT_TEST_AUTHORIZATION" in p.job_log()


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_p12_secret_with_crlf_line_ends_is_read(
    system: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    sample, secrets = ci_sample
    b64 = secrets["NGDPKIT_TEST_P12_BASE64"]
    wrapped = "\r\n".join(b64[i : i + 64] for i in range(0, len(b64), 64)) + "\r\n"
    p = Pipeline(system, tmp_path, {**secrets, "NGDPKIT_TEST_P12_BASE64": wrapped})
    ws = p.workspace(sample)
    codes = emulate(p, job_named(system, "run", "test"), ws, SHIM_MODE="fake", SHIM_CODE="0")
    assert 2 not in codes and shim_lines(p, "argv"), (codes, p.job_log()[-1500:])


def test_the_prune_keeps_latest_and_the_four_newest_when_latest_is_newest(
    tmp_path: Path,
) -> None:
    """A CI engineer's look: "LATEST and the four newest others" kept four in all when
    LATEST was the newest run, as it is after every finished run."""
    for system in SYSTEMS:
        job = job_named(system, "run", "test")
        prune = next(s.script for s in job.steps if "sort -r" in s.script)
        if 'if [ -d "runs/$ENV_NAME" ]' in prune:  # GitLab: after_script, from its prune on
            prune = prune[prune.index('if [ -d "runs/$ENV_NAME" ]') :]
        base = tmp_path / system / "runs" / "test"
        names = [f"2026010{i}T000000Z-aaaaa{i}" for i in range(1, 8)]
        for n in names:
            (base / n).mkdir(parents=True)
        (base / "LATEST").write_text(names[-1] + "\n")
        env = {"PATH": "/usr/bin:/bin", "ENV_NAME": "test"}
        assert _shell(prune, env, tmp_path / system, ["-eo", "pipefail"]) == 0
        kept = sorted(d.name for d in base.iterdir() if d.is_dir())
        assert kept == sorted(names[-5:]), (system, kept)


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


# ---------------------------------------------------------------------------------------------
# Session 30: a CI engineer's cold review


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("what", ["run", "watch"])
def test_the_kit_is_handed_neither_the_p12s_base64_nor_a_ci_token(
    system: str, what: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """A CI engineer's cold review: on GitHub and Azure the .p12's base64 (P12_BASE64) stayed
    exported while the kit ran, so its child process and Jupyter kernel inherited it, and the
    kit's leak scan knows the password and header, not that value. It is unset once decoded.
    On GitLab the .p12's base64 file goes once decoded, and the job's tokens (CI_JOB_TOKEN, the
    clone URL that holds it) are not handed on to the kit either."""
    sample, secrets = ci_sample
    p = Pipeline(system, tmp_path, secrets)
    ws = p.workspace(sample)
    env = "production" if what == "watch" else "test"
    job = job_named(system, what, env)
    token_url = "https://gitlab-ci-token:glcbt-emulated@gitlab.example.dk/kommune/migration.git"
    tokens = (
        {"CI_REPOSITORY_URL": token_url, "CI_BUILD_TOKEN": "glcbt"} if system == "gitlab" else {}
    )
    emulate(p, job, ws, SHIM_MODE="fake", **tokens)
    assert saw_private_p12(p, env), p.job_log()[-1500:]
    names = shim_lines(p, "names ")
    assert names and all("P12_BASE64" not in n for n in names), names
    assert all(env.upper() in n for n in names)  # the password and header still reach it
    assert [t.strip() for t in shim_lines(p, "tokens ")] == ["tokens"]
    assert leftovers(ws, p) == []
    if system == "gitlab":
        assert list((p.root / "gitlab-variable-files").iterdir()) == []


def _minutes(value: str) -> float:
    """A GitLab duration as this template writes it: "30 minutes" (timeout:) or "25m" (Go)."""
    m = re.fullmatch(r"(\d+)\s*(m|minutes?)", str(value).strip())
    assert m, value
    return float(m.group(1))


def test_gitlab_after_script_runs_before_a_job_timeout() -> None:
    """A CI engineer's cold review: GitLab skips after_script when a job reaches its own
    ``timeout:``, so a hung run left the .p12 and the variable files on disk (a shell runner
    keeps them), while the comment said after_script ran after a timeout too. Each job with
    secrets ends its script at RUNNER_SCRIPT_TIMEOUT, and that plus RUNNER_AFTER_SCRIPT_TIMEOUT
    and a minute's start-up stays under the job's timeout."""
    with_secrets = [j for j in jobs("gitlab") if j.environment is not None]
    assert {kind_of(j) for j in with_secrets} == {"run", "watch"}
    for job in with_secrets:
        script = _minutes(job.env["RUNNER_SCRIPT_TIMEOUT"])
        after = _minutes(job.env["RUNNER_AFTER_SCRIPT_TIMEOUT"])
        assert script + after + 1 <= _minutes(job.raw["timeout"]), job.name
    text = (CI / TEMPLATES["gitlab"]).read_text(encoding="utf-8")
    assert "a failure, a timeout and a cancellation" not in text
    assert "RUNNER_SCRIPT_TIMEOUT" in header_of("gitlab")
    assert "skips after_script when a job reaches its own `timeout:`" in header_of("gitlab")


def test_gitlab_a_failure_before_the_kit_is_exit_2_from_the_first_line(
    tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """A CI engineer's cold review: the previous run's download (mkdir, rm, mv) ran before
    ``trap 'exit 2' ERR``, so a failure there was exit 1, which the job allows as error
    findings. The trap is the job's first line, and each of those commands stands alone (in
    an ``a && b && c`` list a failure of ``a`` stops neither ``set -e`` nor the trap)."""
    sample, secrets = ci_sample
    job = job_named("gitlab", "run", "test")
    first = _flat(_gitlab_resolve(load("gitlab"), job.name)["before_script"])[0]
    assert "trap 'exit 2' ERR" in first and "apt-get" not in first and "pip" not in first
    body = job.steps[0].script
    assert body.index("trap 'exit 2' ERR") < min(body.index("apt-get"), body.index("mkdir -p runs"))
    assert "&& rm -rf" not in body and "&& mv" not in body
    p = Pipeline("gitlab", tmp_path, secrets)
    kept = p.store / f"artifacts-{job.name}" / "runs" / "test"
    kept.mkdir(parents=True)
    (kept / "LATEST").write_text("20260105T051700Z-aaaaaa\n", encoding="utf-8")
    ws = p.workspace(sample)
    (ws / "runs").write_text("a file where the runs folder goes\n", encoding="utf-8")
    codes = emulate(p, job, ws, SHIM_MODE="fake", SHIM_CODE="0")
    assert codes[0] == 2, (codes, p.job_log()[-1500:])
    assert shim_lines(p, "argv") == []
    assert leftovers(ws, p) == []


def test_azure_tags_a_build_per_environment_once_its_runs_are_kept(
    tmp_path: Path, ci_sample: tuple[Path, dict[str, str]], real_runs: Path
) -> None:
    """A CI engineer's cold review: every run build was tagged ``ngdpkit-runs`` before the kit
    ran, while the artifacts are per stage, so a build whose production stage was rejected (or
    failed before keeping its runs) became production's "previous run" and had none. Each stage
    restores from its own environment's tag and adds it after the publish step, only when this
    build's artifact list holds its artifact."""
    sample, secrets = ci_sample
    for job in (j for j in jobs("azure") if kind_of(j) == "run"):
        env = job.kit_env
        tag = f"ngdpkit-runs-{env}"
        kinds = [s.kind for s in job.steps]
        download = job.steps[kinds.index("DownloadPipelineArtifact@2")]
        publish_at = kinds.index("PublishPipelineArtifact@1")
        tagging = [i for i, s in enumerate(job.steps) if "addbuildtag" in s.script]
        assert download.inputs["tags"] == tag
        assert len(tagging) == 1 and tagging[0] > publish_at, job.name
        step = job.steps[tagging[0]]
        assert step.always and f']{tag}"' in step.script
        assert f"artifactName={tag}&" in step.script
        assert step.env == {"SYSTEM_ACCESSTOKEN": "$(System.AccessToken)"}
        assert not any("System.AccessToken" in str(s.env) for s in job.steps if s is not step)
    head = header_of("azure")
    assert "ngdpkit-runs-test, ngdpkit-runs-production" in head
    # kept: tagged
    (tmp_path / "kept").mkdir()
    p = Pipeline("azure", tmp_path / "kept", secrets)
    job = job_named("azure", "run", "test")
    codes = emulate(p, job, p.workspace(sample), SHIM_MODE="copy", SHIM_RUNS=str(real_runs))
    assert all(c == 0 for c in codes), (codes, p.job_log()[-1500:])
    assert "##vso[build.addbuildtag]ngdpkit-runs-test" in p.job_log()
    assert shim_lines(p, "curl ") == ["curl azure artifactName=ngdpkit-runs-test token=ok"]
    # nothing kept (a missing secret stopped the job before the kit): not tagged
    (tmp_path / "none").mkdir()
    p = Pipeline("azure", tmp_path / "none", {k: v for k, v in secrets.items() if "P12" not in k})
    emulate(p, job, p.workspace(sample))
    assert "addbuildtag" not in p.job_log()
    assert "ngdpkit-runs-test was not kept (HTTP 404)" in p.job_log()


def test_azure_says_to_queue_a_new_run_instead_of_re_running_failed_jobs(
    tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """A CI engineer's cold review: "Rerun failed jobs" cannot publish an artifact whose name
    its first attempt used. The header and README say to queue a new run instead, and a re-run
    job says so, beside the publish step that will fail."""
    head = header_of("azure")
    assert 'QUEUE A NEW RUN; DO NOT USE "Rerun failed jobs"' in head
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert 'queue a new run; do not use "rerun failed jobs"' in readme.lower().replace("**", "")
    sample, secrets = ci_sample
    job = job_named("azure", "run", "test")
    publish_at = next(i for i, s in enumerate(job.steps) if s.kind == "PublishPipelineArtifact@1")
    warn = job.steps[publish_at - 1]
    assert warn.always and "SYSTEM_JOBATTEMPT" in warn.script
    assert "queue a new run" in job.raw["job"]["steps"][publish_at]["displayName"]
    for attempt, said in (("1", False), ("2", True)):
        root = tmp_path / attempt
        root.mkdir()
        p = Pipeline("azure", root, secrets)
        emulate(p, job, p.workspace(sample), SHIM_MODE="fake", SYSTEM_JOBATTEMPT=attempt)
        log = p.job_log()
        assert ("Queue a new run of the pipeline; do not re-run failed jobs." in log) is said


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_committed_secrets_file_is_documented_as_exit_2(
    system: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """A CI engineer's cold review: a ``secrets_file = "…"`` line committed in migration.toml
    stops every CI run with exit 2 ("secrets_file: file not found"), with every secret in the
    environment (the contract: a named file that does not exist is exit 2). Each template and
    the README's CI section say to keep it out of the committed settings, or to use a CI-only
    copy; and the job does stop so, before writing a run."""
    head = header_of(system)
    assert "secrets_file: keep it out of the committed migration.toml" in head
    assert '("secrets_file: file not found")' in head and "CI-only copy" in head
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = readme[readme.index("**Batch per environment in CI.**") : readme.index("## Deciding")]
    assert "secrets_file" in ci and "CI-only copy" in ci
    sample, secrets = ci_sample
    p = Pipeline(system, tmp_path, secrets)
    ws = p.workspace(sample)
    settings = ws / "migration" / "migration.toml"
    settings.write_text('secrets_file = "sample.env"\n' + settings.read_text(), encoding="utf-8")
    job = job_named(system, "run", "test")
    emulate(p, job, ws)
    assert p.code_of_step(job, "ngdpkit run") == 2, p.job_log()[-1500:]
    assert "secrets_file: file not found" in p.job_log()
    assert not (ws / "runs" / "test" / "LATEST").exists()
    assert leftovers(ws, p) == []


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_run_without_its_signoff_pdf_says_so(
    system: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]], real_runs: Path
) -> None:
    """A CI engineer's cold review: --pdf asked, and no signoff.pdf (no browser, or Chrome's
    sandbox refused on a hosted runner) left the job silently green. A step after the kit
    says so: a warning annotation and a failed step that does not fail the job (GitHub), a
    warning and "partially succeeded" (Azure), a WARNING line in after_script (GitLab, whose
    one allowed failure, exit 1, is the kit's error findings). A run with its PDF says
    nothing."""
    sample, secrets = ci_sample
    with_pdf = tmp_path / "with-pdf"
    shutil.copytree(real_runs, with_pdf)
    for env in ENVIRONMENTS:
        latest = (with_pdf / env / "LATEST").read_text().strip()
        (with_pdf / env / latest / "signoff").mkdir(exist_ok=True)
        (with_pdf / env / latest / "signoff" / "signoff.pdf").write_bytes(b"%PDF-1.7\n")
    warning = {
        "github": "::warning::--pdf printed no signoff.pdf for run ",
        "azure": "##vso[task.logissue type=warning]--pdf printed no signoff.pdf for run ",
        "gitlab": "WARNING: --pdf printed no signoff.pdf for run ",
    }[system]
    job = job_named(system, "run", "production")
    for runs, said in ((real_runs, True), (with_pdf, False)):
        root = tmp_path / ("without" if said else "with")
        root.mkdir()
        p = Pipeline(system, root, secrets)
        codes = emulate(p, job, p.workspace(sample), SHIM_MODE="copy", SHIM_RUNS=str(runs))
        assert all(c == 0 for c in codes), codes  # the job itself is not failed
        log = p.job_log()
        assert (warning in log) is said, log[-1500:]
        if said:
            assert " of production " in log[log.index(warning) :]
        if system == "github":
            assert p.code_of_step(job, "signoff/signoff.pdf") == int(said)
        if system == "azure":
            assert ("##vso[task.complete result=SucceededWithIssues;]" in log) is said


def test_gitlab_never_chains_an_install_step_with_and() -> None:
    """A CI engineer's second look: ``apt-get update -qq && apt-get install …`` is one item,
    and in an && list neither ``set -e`` nor the ERR trap sees the first command fail: a
    mirror down and the job went on without chromium, while the README says any failure
    before the kit is exit 2."""
    text = (REPO / "examples" / "ci" / "gitlab-ci.yml").read_text(encoding="utf-8")
    chained = [
        line
        for line in text.splitlines()
        if "apt-get" in line and "&&" in line and not line.lstrip().startswith("#")
    ]
    assert chained == []
    assert "    - apt-get update -qq\n" in text


# ---------------------------------------------------------------------------------------------
# Session 32: a CI maintainer's cold pass


@pytest.mark.parametrize(
    "form",
    ["Authorization: Basic {b}", "authorization:basic {b}", "basic {b}", "Basic {b}", "{b}"],
)
def test_gitlab_reads_each_form_of_the_header_as_the_others_do(
    form: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """A CI maintainer's cold pass: GitLab added "Basic " unless the value began with it, so
    "Authorization: Basic x" and "basic x" reached the kit as "Basic Authorization: Basic x"
    (AUTHORIZATION_UNRECOGNISED, a warning, exit 0). Each form the Azure and GitHub templates
    accept reaches the kit as "Basic x", stored whole in the File-type variable."""
    sample, secrets = ci_sample
    header = secrets["NGDPKIT_TEST_AUTHORIZATION"]
    b64 = header.removeprefix("Basic ")
    stored = {**secrets, "NGDPKIT_TEST_AUTHORIZATION": form.format(b=b64)}
    p = Pipeline("gitlab", tmp_path, stored, basic_prefix=True)
    ws = p.workspace(sample)
    codes = emulate(p, job_named("gitlab", "run", "test"), ws, SHIM_MODE="fake", SHIM_CODE="0")
    assert codes[0] == 0, (codes, p.job_log()[-1500:])
    digest = hashlib.sha256(header.encode()).hexdigest()[:16]
    assert shim_lines(p, "header ") == [f"header NGDPKIT_TEST_AUTHORIZATION {digest}"]
    assert b64 not in p.job_log()


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("header", ["Basic", "BASIC ", "authorization: basic", "Authorization:"])
def test_a_header_of_only_its_prefix_stops_before_the_kit_in_every_template(
    system: str, header: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """A CI maintainer's cold pass: on GitLab a header file holding just "Basic" passed the
    blank check, the kit got "Basic Basic", its leak scan fired, and the job "passed with
    warnings". Every template stops with exit 2 before the kit, in one line naming the
    variable (on GitLab the File-type variable, stored whole)."""
    sample, secrets = ci_sample
    broken = {**secrets, "NGDPKIT_TEST_AUTHORIZATION": header}
    p = Pipeline(system, tmp_path, broken, basic_prefix=True)
    ws = p.workspace(sample)
    codes = emulate(p, job_named(system, "run", "test"), ws, SHIM_MODE="fake", SHIM_CODE="0")
    assert 2 in codes and shim_lines(p, "argv") == [], (codes, p.job_log()[-1500:])
    name = "NGDPKIT_TEST_AUTHORIZATION" + ("_BASE64_FILE" if system == "gitlab" else "")
    said = [line for line in p.job_log().splitlines() if name in line]
    assert len(said) == 1, p.job_log()[-1500:]
    assert leftovers(ws, p) == []


@pytest.mark.parametrize(
    ("system", "what", "env", "where"),
    [
        ("azure", "run", "test", "the variable group ngdpkit-test"),
        ("azure", "run", "production", "the variable group ngdpkit-production"),
        ("azure", "watch", "production", "the variable group ngdpkit-production-watch"),
        ("github", "run", "test", "the environment secret"),
        ("github", "watch", "production", "of environment production-watch"),
    ],
)
def test_a_missing_p12_secret_is_named_as_it_is_stored(
    system: str,
    what: str,
    env: str,
    where: str,
    tmp_path: Path,
    ci_sample: tuple[Path, dict[str, str]],
) -> None:
    """A CI maintainer's cold pass: Azure said "P12_BASE64 is not set", the step's own name
    for it, which is in no variable group. The message names the group's variable."""
    sample, secrets = ci_sample
    name = f"NGDPKIT_{env.upper()}_P12_BASE64"
    p = Pipeline(system, tmp_path, {k: v for k, v in secrets.items() if k != name})
    ws = p.workspace(sample)
    codes = emulate(p, job_named(system, what, env), ws, SHIM_MODE="fake", SHIM_CODE="0")
    assert 2 in codes and shim_lines(p, "argv") == [], (codes, p.job_log()[-1500:])
    said = [line for line in p.job_log().splitlines() if name in line]
    assert len(said) == 1 and where in said[0], p.job_log()[-1500:]


def _run_dirs(root: Path) -> set[str]:
    return {
        d.name
        for d in root.rglob("*")
        if d.is_dir() and re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{6}", d.name)
    }


def _kept_run_dirs(root: Path) -> set[str]:
    """The run folders under ``root`` that a later pipeline could take as its previous run:
    none under runs-dropped/ or a dropped run's artifact."""
    return {
        d.name
        for d in root.rglob("*")
        if d.is_dir()
        and re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{6}", d.name)
        and not any("dropped" in part for part in d.relative_to(root).parts)
    }


# Each template's check once, with one of the two codes (the check is one step whatever the
# kit's exit code, 1 for a wrong password or 0 for the warning): a run of the kit each.
@pytest.mark.parametrize(
    ("system", "spoil", "code"),
    [
        ("github", "p12", "CERT_WRONG_ENVIRONMENT"),
        ("gitlab", "password", "CERT_BAD_PASSWORD"),
        ("azure", "p12", "CERT_WRONG_ENVIRONMENT"),
    ],
)
def test_a_run_that_finds_its_own_secrets_wrong_fails_and_is_not_kept(
    system: str,
    spoil: str,
    code: str,
    tmp_path: Path,
    ci_sample: tuple[Path, dict[str, str]],
    after_first_test_job: Any,
) -> None:
    """A CI maintainer's cold pass: on GitLab a wrong password (CERT_BAD_PASSWORD, exit 1) or
    production's .p12 in test's variables (CERT_WRONG_ENVIRONMENT, a warning, exit 0) looked
    like the migration's own findings ("passed with warnings"), and the run was cached as the
    next run's previous one. The second pipeline's run step exits 2 with one line naming the
    code and the variables; its run is dropped, LATEST names the first run again, and the
    cache and artifacts hold the first run only. No secret is printed."""
    sample, secrets = ci_sample
    p = after_first_test_job(system, tmp_path)
    first = _run_dirs(p.store)
    assert len(first) == 1
    if spoil == "password":
        p.secrets = {**secrets, "NGDPKIT_TEST_CERT_PASSWORD": "not-the-password-1"}
    else:  # production's .p12 and its password, in test's variables
        p.secrets = {
            **secrets,
            "NGDPKIT_TEST_P12_BASE64": secrets["NGDPKIT_PRODUCTION_P12_BASE64"],
            "NGDPKIT_TEST_CERT_PASSWORD": secrets["NGDPKIT_PRODUCTION_CERT_PASSWORD"],
        }
    job = job_named(system, "run", "test")
    ws = p.workspace(sample)
    emulate(p, job, ws)
    assert p.code_of_step(job, "ngdpkit run") == 2, p.job_log()[-2000:]
    assert shim_lines(p, "argv")  # the kit ran: its own findings said so
    said = [line for line in p.job_log().splitlines() if f"found {code}" in line]
    assert len(said) == 1 and "NGDPKIT_TEST_CERT_PASSWORD" in said[0], p.job_log()[-2000:]
    assert "the run is not kept (exit 2)" in said[0]
    assert (ws / "runs" / "test" / "LATEST").read_text().strip() == next(iter(first))
    assert _run_dirs(ws / "runs") == first and _kept_run_dirs(p.store) == first
    (dropped,) = _run_dirs(ws / "runs-dropped") - first  # moved aside, to read
    assert f"runs-dropped/test/{dropped}" in said[0]
    for latest in p.store.rglob("LATEST"):
        assert latest.read_text().strip() == next(iter(first))
    assert leftovers(ws, p) == []
    log = p.job_log()
    for name, value in p.secrets.items():
        assert value not in log and value.removeprefix("Basic ") not in log, name


def _gitlab_if(expr: str, variables: dict[str, str]) -> bool:
    """A rule's ``if:`` of the forms this template uses: ``$A == "x"`` and ``$A == $B``,
    joined by ``&&``; an unset variable is null (equal to no string)."""

    def side(text: str) -> str | None:
        text = text.strip()
        return variables.get(text[1:]) if text.startswith("$") else text.strip('"')

    for part in expr.split("&&"):
        left, op, right = re.split(r"\s*(==|!=)\s*", part.strip())
        if (side(left) == side(right)) != (op == "=="):
            return False
    return True


def gitlab_pipeline_jobs(source: str, branch: str, default: str = "main") -> set[str]:
    """The jobs GitLab adds to a pipeline of ``source`` on ``branch`` (workflow:rules first,
    then each job's rules; a rule's ``changes:`` taken as matched, its first match decides)."""
    data = load("gitlab")
    variables = {"CI_PIPELINE_SOURCE": source, "CI_COMMIT_BRANCH": branch}
    variables["CI_DEFAULT_BRANCH"] = default

    def first_match(rules: list[dict[str, Any]]) -> dict[str, Any] | None:
        return next((r for r in rules if "if" not in r or _gitlab_if(r["if"], variables)), None)

    if first_match(data["workflow"]["rules"]) is None:
        return set()
    added = set()
    for name in data:
        if name.startswith(".") or name in GITLAB_RESERVED:
            continue
        rules = _gitlab_resolve(data, name).get("rules")
        rule = first_match(rules) if rules else {}
        if rule is not None and rule.get("when") != "never":
            added.add(name)
    return added


def test_gitlab_runs_production_on_the_default_branch_only() -> None:
    """A CI maintainer's cold pass: workflow:rules let a web pipeline run on any branch, and
    ngdpkit:production had no branch rule, so on another protected branch (release/*) it ran
    with production's protected variables. Production, compare and watch run on the default
    branch only; test still runs from a web pipeline on any branch."""
    assert gitlab_pipeline_jobs("web", "main") == {
        "ngdpkit:wheels",
        "ngdpkit:test",
        "ngdpkit:production",
        "ngdpkit:compare",
    }
    assert gitlab_pipeline_jobs("push", "main") == gitlab_pipeline_jobs("web", "main")
    assert gitlab_pipeline_jobs("schedule", "main") == {"ngdpkit:wheels", "ngdpkit:watch"}
    for branch in ("release/1.0", "feature"):
        assert gitlab_pipeline_jobs("web", branch) == {"ngdpkit:wheels", "ngdpkit:test"}
        assert gitlab_pipeline_jobs("schedule", branch) == {"ngdpkit:wheels"}
    assert gitlab_pipeline_jobs("push", "feature") == set()
    production = _gitlab_resolve(load("gitlab"), "ngdpkit:production")
    assert {"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"} in production["rules"]


def test_one_run_per_environment_at_a_time_and_watch_apart() -> None:
    """A CI engineer's reading: two pushes close together started two pipelines whose run jobs
    ran at once, each restoring the same previous run and saving its own over the other's.
    GitHub runs one workflow at a time per branch, never cancelling one under way, with
    watch in a group of its own (a pending run is never replaced by the daily watch); GitLab
    holds each environment's run job in a resource group of its own; Azure batches the pushes
    that arrive during a run."""
    github = load("github")
    concurrency = github["concurrency"]
    assert concurrency["cancel-in-progress"] is False
    group = concurrency["group"]
    assert "github.ref" in group and "'watch'" in group and "'run'" in group
    assert "github.event_name == 'schedule'" in group and "inputs.what == 'watch'" in group
    for job in github["jobs"].values():
        assert "concurrency" not in job  # the workflow's group, not one per job
    gitlab = load("gitlab")
    groups = {env: gitlab[f"ngdpkit:{env}"].get("resource_group") for env in ("test", "production")}
    assert groups == {"test": "ngdpkit-test", "production": "ngdpkit-production"}
    assert "resource_group" not in gitlab["ngdpkit:watch"]  # watch never waits behind a run
    assert str(load("azure")["trigger"]["batch"]).lower() == "true"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "one at a time" in readme and "resource_group" in readme and "batch" in readme


def test_the_readme_says_how_the_ci_secrets_are_guarded_and_the_kit_fetched() -> None:
    """A CI maintainer's cold pass: the README guarded Azure's production groups with
    pipeline permissions only (per pipeline, not per branch), said nothing of how a job
    authenticates to the kit's private repository, nor of the platforms' paid features."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    text = " ".join(readme.split())
    for needed in (
        "Branch control",
        "refs/heads/main",
        "Verify branch protection",
        "CI_JOB_TOKEN",
        "System.AccessToken",
        "deploy key",
        "ngdpkit --version",
        "Keep artifacts from most recent successful jobs",
        "CERT_BAD_PASSWORD",
    ):
        assert needed in text, needed
    assert "Branch control" in header_of("azure")


# ---------------------------------------------------------------------------------------------
# [signing]: the consultancy's seal in CI (a CI maintainer's cold pass, session 32: the templates
# had no slot for seal.p12 or its password, so a run with [signing] stopped with exit 2,
# "signing.certificate: file not found", and no sealed folder or signed PDF came out of CI)

SEAL_BYTES = b"0\x82\x0a\x1b not a real seal, the fake kit only looks at it"
SEAL_PASSWORD = "seal password \u00e6\u00f8 $HOME 42"  # a space, non-ASCII and a $
SEAL_PATH = "migration/keys/seal.p12"  # where [signing] certificate = "keys/seal.p12" puts it


def with_signing(ws: Path, password_env: str | None = "NGDPKIT_SEAL_PASSWORD") -> None:
    """The workspace's settings with a [signing] table naming keys/seal.p12 (a folder that is
    not certs/, so the path can only come from the settings)."""
    settings = ws / "migration" / "migration.toml"
    lines = ["", "[signing]", 'certificate = "keys/seal.p12"']
    if password_env:
        lines.append(f'certificate_password_env = "{password_env}"')
    settings.write_text(settings.read_text(encoding="utf-8") + "\n".join(lines) + "\n")


def seal_secrets(secrets: dict[str, str]) -> dict[str, str]:
    return {
        **secrets,
        "NGDPKIT_SEAL_P12_BASE64": base64.b64encode(SEAL_BYTES).decode(),
        "NGDPKIT_SEAL_PASSWORD": SEAL_PASSWORD,
    }


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize(
    ("what", "env", "password_env"),
    [
        ("run", "test", "NGDPKIT_SEAL_PASSWORD"),
        ("run", "production", "NGDPKIT_KONSULENT_SEAL_PASSWORD"),  # the settings' own name
        ("watch", "production", "NGDPKIT_SEAL_PASSWORD"),
        ("run", "test", None),  # no [signing]: nothing of the seal reaches the kit
    ],
)
def test_the_seal_is_written_where_signing_says_and_removed_after(
    system: str,
    what: str,
    env: str,
    password_env: str | None,
    tmp_path: Path,
    ci_sample: tuple[Path, dict[str, str]],
) -> None:
    """With [signing] the run jobs of both environments decode the consultancy's seal to the
    path the settings name, 0600, before the kit, hand its password on under the settings'
    name, and remove it after the job (the seal's base64 never reaches the kit). Watch never
    seals: it gets an empty stand-in, because the settings refuse a missing file. Without
    [signing] neither the file nor the password is handed on. Nothing of it is printed."""
    sample, secrets = ci_sample
    store = seal_secrets(secrets)
    p = Pipeline(system, tmp_path, store)
    ws = p.workspace(sample)
    if password_env or what == "watch":
        with_signing(ws, password_env)
    shown_as = password_env or "NGDPKIT_SEAL_PASSWORD"
    job = job_named(system, what, env)
    codes = emulate(
        p, job, ws, SHIM_MODE="fake", SHIM_CODE="0", SHIM_SEAL=SEAL_PATH, SHIM_SEAL_VAR=shown_as
    )
    assert all(c == 0 for c in codes), (codes, p.job_log()[-2000:])
    assert saw_private_p12(p, env)
    (seal,) = shim_lines(p, "seal ")
    (names,) = shim_lines(p, "sealnames ")
    assert "P12_BASE64" not in names, names  # decoded, then not handed on
    if what == "run" and password_env:
        assert seal == f"seal {SEAL_PATH} 600 {_digest(SEAL_BYTES)}", seal
        assert shim_lines(p, "sealpass ") == [
            f"sealpass {password_env} {_digest(SEAL_PASSWORD.encode())}"
        ]
        if password_env != "NGDPKIT_SEAL_PASSWORD":  # handed on once, under the settings' name
            assert not re.search(r"\bNGDPKIT_SEAL_PASSWORD\b", names), names
    elif what == "watch":
        assert seal == f"seal {SEAL_PATH} 600 {_digest(b'')}", seal  # the empty stand-in
        assert shim_lines(p, "sealpass ") == [], "watch is not handed the seal's password"
    else:
        assert seal == f"seal {SEAL_PATH} none", seal
        assert shim_lines(p, "sealpass ") == []
    assert not (ws / SEAL_PATH).exists(), "the seal outlived its job"
    assert list(ws.rglob(".ngdpkit-seal.*")) == [] and leftovers(ws, p) == []
    if system == "gitlab":
        assert list((p.root / "gitlab-variable-files").iterdir()) == []
    log = p.job_log()
    for name, value in store.items():
        assert value not in log and value.removeprefix("Basic ") not in log, name


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("spoil", ["p12 missing", "password missing", "password blank", "p12"])
def test_a_missing_or_broken_seal_secret_stops_before_the_kit_and_names_it(
    system: str, spoil: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """With [signing], a seal secret that is missing, blank or not base64 stops the run job
    before the kit with exit 2 and one line naming the variable as it is stored (never its
    value); the environment's .p12 and any of the seal are removed."""
    sample, secrets = ci_sample
    store = seal_secrets(secrets)
    name = "NGDPKIT_SEAL_PASSWORD" if "password" in spoil else "NGDPKIT_SEAL_P12_BASE64"
    if "missing" in spoil:
        del store[name]
    else:
        store[name] = "not base64 (at all)!" if spoil == "p12" else " \t "
    p = Pipeline(system, tmp_path, store)
    ws = p.workspace(sample)
    with_signing(ws)
    job = job_named(system, "run", "test")
    codes = emulate(p, job, ws, SHIM_MODE="fake", SHIM_CODE="0", SHIM_SEAL=SEAL_PATH)
    assert 2 in codes and shim_lines(p, "argv") == [], (codes, p.job_log()[-1500:])
    stored = name + "_FILE" if system == "gitlab" else name
    said = [line for line in p.job_log().splitlines() if stored in line]
    assert len(said) == 1, p.job_log()[-1500:]
    assert not (ws / SEAL_PATH).exists() and list(ws.rglob(".ngdpkit-seal.*")) == []
    assert leftovers(ws, p) == []
    log = p.job_log()
    for key, value in store.items():
        if value.strip():
            assert value not in log and value.removeprefix("Basic ") not in log, key


def signing_of_settings(system: str) -> str:
    """The template's own reader of [signing] (its top-level SIGNING_OF_SETTINGS)."""
    data = load(system)
    if system == "azure":
        return next(v["value"] for v in data["variables"] if v.get("name") == "SIGNING_OF_SETTINGS")
    return str(data["env" if system == "github" else "variables"]["SIGNING_OF_SETTINGS"])


@pytest.mark.parametrize("certificate", ["seal.p12", "keys/seal.p12", "keys\\\\seal.p12"])
def test_the_templates_find_the_seal_where_the_kit_does(
    certificate: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """Each template reads [signing] with the job's python3 and tomllib (no kit call: the kit
    refuses settings whose seal file is missing): the path it decodes to is the one the kit
    loads (relative to the settings file, a Windows backslash read as /, a BOM allowed), and
    the password's variable is the settings' own. (``../outside/seal.p12``, accepted here
    before, is now refused: see test_a_seal_path_that_could_take_another_file_is_refused.)"""
    from ngdpkit.settings import load_settings

    sample, _ = ci_sample
    folder = tmp_path / "migration"
    shutil.copytree(sample, folder, ignore=shutil.ignore_patterns("runs"))
    settings = folder / "migration.toml"
    table = (
        f'\n[signing]\ncertificate = "{certificate}"\n'
        'certificate_password_env = "NGDPKIT_SEAL_PW"\n'
    )
    settings.write_bytes(b"\xef\xbb\xbf" + settings.read_bytes() + table.encode())
    said = set()
    for system in SYSTEMS:
        r = subprocess.run(
            [sys.executable, "-c", signing_of_settings(system), "migration/migration.toml"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        said.add(tuple(r.stdout.splitlines()))
    ((path, variable),) = said
    seal = tmp_path / path
    seal.parent.mkdir(parents=True, exist_ok=True)
    seal.write_bytes(b"seal")
    signing = load_settings(settings).signing
    assert signing is not None and signing.certificate.resolve() == seal.resolve()
    assert variable == signing.certificate_password_env == "NGDPKIT_SEAL_PW"


def _sign(ws: Path, certificate: str, password_env: str | None = "NGDPKIT_SEAL_PASSWORD") -> None:
    settings = ws / "migration" / "migration.toml"
    table = f"\n[signing]\ncertificate = {certificate!r}\n".replace("'", '"')
    if password_env:
        table += f'certificate_password_env = "{password_env}"\n'
    settings.write_text(settings.read_text(encoding="utf-8") + table, encoding="utf-8")


def _refused_before_anything(p: Pipeline, ws: Path, codes: list[int], setting: str) -> None:
    """Exit 2 before the kit, one line naming ``setting``, nothing of the secrets left, and
    the clean-up ran through (GitLab's variable files removed)."""
    assert 2 in codes and shim_lines(p, "argv") == [], (codes, p.job_log()[-1500:])
    said = [line for line in p.job_log().splitlines() if setting in line]
    assert len(said) == 1 and "exit 2" in said[0], p.job_log()[-1500:]
    assert list(p.root.rglob(".ngdpkit-seal.*")) == [] and leftovers(ws, p) == []
    assert not (ws / ".ngdpkit-seal-made").exists()
    if p.system == "gitlab":
        assert list((p.root / "gitlab-variable-files").iterdir()) == []
    log = p.job_log()
    for name, value in p.secrets.items():
        assert value not in log and value.removeprefix("Basic ") not in log, name


SEAL_REFUSALS = [
    ("outside", "run"),
    ("outside", "watch"),
    ("absolute", "watch"),
    ("symlink", "run"),
    ("directory", "run"),
    ("directory", "watch"),
    ("env certificate", "run"),
    ("stand-in", "watch"),
    ("tracked", "run"),
    ("tracked", "watch"),
    ("no checkout", "run"),  # git cannot say whether the file is an input: refused
]


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize(("case", "what"), SEAL_REFUSALS)
def test_a_seal_path_that_could_take_another_file_is_refused(
    system: str, case: str, what: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """A security review: [signing] certificate is a path from the committed settings, and the
    jobs decoded the seal to it and removed it after, so "../../x" (or an absolute path, or a
    committed symbolic link) overwrote and deleted a file outside the checkout, "certs/test.p12"
    replaced the environment's .p12, an input git tracks was overwritten and then deleted, and
    watch deleted a file it had not made. SIGNING_OF_SETTINGS refuses each, the job stops with
    exit 2 and one line naming signing.certificate before anything is written, and the file
    it names is untouched."""
    sample, secrets = ci_sample
    p = Pipeline(system, tmp_path, seal_secrets(secrets))
    ws = p.workspace(sample)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    target = victim
    if case == "outside":
        _sign(ws, "../../victim.txt")
    elif case == "absolute":
        _sign(ws, str(victim))
    elif case == "symlink":
        outside = tmp_path / "outside"
        outside.mkdir()
        (ws / "migration" / "keys").symlink_to(outside)  # a committed symbolic link
        target = outside / "seal.p12"
        target.write_text("precious\n")
        _sign(ws, "keys/seal.p12")
    elif case == "directory":
        (ws / "migration" / "keys").mkdir()
        target = ws / "migration" / "keys" / "note.txt"
        target.write_text("precious\n")
        _sign(ws, "keys")
    elif case in ("env certificate", "stand-in"):
        target = ws / "migration" / "certs" / "test.p12"  # watch's stand-in, test's .p12
        _sign(ws, "certs/test.p12")
    else:  # an input, tracked in git or in no checkout at all
        if case == "tracked":
            subprocess.run(["git", "init", "-q", str(ws)], check=True)
            subprocess.run(["git", "-C", str(ws), "add", "migration/mailboxes.xlsx"], check=True)
        target = ws / "migration" / "mailboxes.xlsx"
        _sign(ws, "mailboxes.xlsx")
    before = target.read_bytes() if target.exists() else None
    job = job_named(system, what, "production" if what == "watch" else "test")
    codes = emulate(p, job, ws, SHIM_MODE="fake", SHIM_CODE="0", SHIM_SEAL=str(target))
    _refused_before_anything(p, ws, codes, "signing.certificate ")
    assert (target.read_bytes() if target.exists() else None) == before
    assert victim.read_text() == "precious\n"


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize(
    "name",
    [
        "NGDPKIT_TEST_AUTHORIZATION",  # the environment's own header, replaced by the seal's password
        "NGDPKIT_TEST_CERT_PASSWORD_FILE",  # GitLab's File variable
        "NGDPKIT_SEAL_P12_BASE64",
        "SEAL_PW",  # not NGDPKIT_…: PATH, LD_PRELOAD, BASH_ENV would be taken as well
    ],
)
def test_a_seal_password_variable_that_is_not_the_seals_own_is_refused(
    system: str, name: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """A security review: certificate_password_env named the environment's own authorization
    variable, and the seal's password replaced the NgDP header the kit sent. Only a name
    NGDPKIT_[A-Z0-9_]+ that is none of the job's own secret variables is taken; any other
    stops the job with exit 2 and one line naming the setting, before anything is written."""
    sample, secrets = ci_sample
    p = Pipeline(system, tmp_path, seal_secrets(secrets))
    ws = p.workspace(sample)
    _sign(ws, "keys/seal.p12", password_env=name)
    job = job_named(system, "run", "test")
    codes = emulate(p, job, ws, SHIM_MODE="fake", SHIM_CODE="0", SHIM_SEAL=SEAL_PATH)
    _refused_before_anything(p, ws, codes, "signing.certificate_password_env ")
    assert not (ws / SEAL_PATH).exists()


@pytest.mark.parametrize("system", SYSTEMS)
def test_settings_the_jobs_cannot_read_stop_them_instead_of_meaning_no_signing(
    system: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """A security review: SIGNING_OF_SETTINGS failing (a TOML error, no tomllib) read as "no
    [signing]", so the seal was silently not decoded. It stops the job with exit 2 and one
    line saying so."""
    sample, secrets = ci_sample
    p = Pipeline(system, tmp_path, seal_secrets(secrets))
    ws = p.workspace(sample)
    settings = ws / "migration" / "migration.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + "\n[signing\n", encoding="utf-8")
    codes = emulate(p, job_named(system, "run", "test"), ws, SHIM_MODE="fake", SHIM_CODE="0")
    _refused_before_anything(p, ws, codes, "SIGNING_OF_SETTINGS could not read")


@pytest.mark.parametrize("system", SYSTEMS)
def test_watch_removes_only_a_stand_in_it_made(
    system: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """Watch gives the kit an empty stand-in for the seal only where none is; a file already
    there (not tracked, inside the settings' folder) is left as it was, never deleted."""
    sample, secrets = ci_sample
    p = Pipeline(system, tmp_path, seal_secrets(secrets))
    ws = p.workspace(sample)
    with_signing(ws)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)  # a checkout: the file untracked
    (ws / SEAL_PATH).parent.mkdir(parents=True)
    (ws / SEAL_PATH).write_bytes(b"someone's own file")
    codes = emulate(
        p, job_named(system, "watch", "production"), ws, SHIM_MODE="fake", SHIM_CODE="0"
    )
    assert all(c == 0 for c in codes), (codes, p.job_log()[-1500:])
    assert (ws / SEAL_PATH).read_bytes() == b"someone's own file"
    assert not (ws / ".ngdpkit-seal-made").exists()


DROPPED_RUN = "20260101T000000Z-abcdef"


def _findings(*codes: str, source: str = "") -> str:
    import json

    return json.dumps(
        {"findings": [{"code": c, "severity": "error", "source": source} for c in codes]}
    )


def emulate_run_ending_on(p: Pipeline, job: Job, ws: Path, findings: str) -> None:
    """The run job, its ``ngdpkit run`` ending on exit 1 with ``findings`` in its run folder
    (the shim's DROPPED_RUN), as a run whose findings may drop it."""
    emulate(
        p,
        job,
        ws,
        SHIM_MODE="findings",
        SHIM_CODE="1",
        SHIM_RUN=DROPPED_RUN,
        SHIM_FINDINGS=findings,
    )


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize(
    ("case", "findings", "signing"),
    [
        ("header", _findings("AUTHORIZATION_UNRECOGNISED"), False),
        ("seal", _findings("SIGNING_CERT_INVALID"), True),
        ("no seal from the CI", _findings("SIGNING_CERT_INVALID"), False),
        ("leak in an input", _findings("SECRET_LEAK"), False),
        ("leak", _findings("SECRET_LEAK", source=f"../runs/test/{DROPPED_RUN}/x.csv"), False),
    ],
)
def test_a_dropped_run_is_moved_aside_and_never_the_next_previous_run(
    system: str,
    case: str,
    findings: str,
    signing: bool,
    tmp_path: Path,
    ci_sample: tuple[Path, dict[str, str]],
) -> None:
    """A security review: a header that is not Basic base64(system:token)
    (AUTHORIZATION_UNRECOGNISED, a warning) and a seal from the CI that cannot seal
    (SIGNING_CERT_INVALID) passed as the migration's findings and were kept as the next
    previous run; a dropped run was deleted with its findings.json, and a SECRET_LEAK of a
    secret that stands in an input blamed the CI variables only. Now such a run is exit 2,
    named in one line with the variables to check (the seal's when it is the cause), moved to
    runs-dropped/test/<run> (never read as a previous run) and its path printed.
    SIGNING_CERT_INVALID without a seal from the CI stays the kit's own finding."""
    sample, secrets = ci_sample
    p = Pipeline(system, tmp_path, seal_secrets(secrets))
    ws = p.workspace(sample)
    if signing:
        with_signing(ws)
    job = job_named(system, "run", "test")
    emulate_run_ending_on(p, job, ws, findings)
    step = p.code_of_step(job, "ngdpkit run")
    if case == "no seal from the CI":
        assert step == 1 and (ws / "runs" / "test" / DROPPED_RUN).is_dir()
        assert _kept_run_dirs(p.store) == {DROPPED_RUN}
        return
    assert step == 2, p.job_log()[-1500:]
    code = findings.split('"code": "')[1].split('"')[0]
    (said,) = [line for line in p.job_log().splitlines() if f"found {code}" in line]
    assert f"runs-dropped/test/{DROPPED_RUN}" in said and "the run is not kept (exit 2)" in said
    assert "NGDPKIT_TEST_AUTHORIZATION" in said and "NGDPKIT_TEST_CERT_PASSWORD" in said
    assert ("NGDPKIT_SEAL_P12_BASE64" in said) == (case == "seal")
    assert ("stands in an input or the settings" in said) == (case == "leak in an input")
    assert (ws / "runs-dropped" / "test" / DROPPED_RUN / "findings.json").is_file()
    assert not (ws / "runs" / "test" / DROPPED_RUN).exists()
    assert not (ws / "runs" / "test" / "LATEST").exists()
    assert _kept_run_dirs(p.store) == set()  # the cache and the runs' artifact: nothing
    if system != "azure":  # kept to read: GitLab's artifacts, GitHub's ngdpkit-dropped-test
        assert _run_dirs(p.store) == {DROPPED_RUN}


def test_gitlab_a_branchs_run_is_never_the_default_branchs_previous_run(
    tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """A CI engineer's weekly look: the run jobs' cache was keyed per environment alone, so a
    run of another branch that gets the protected variables (a web pipeline of release/x) was
    restored as the default branch's previous run, and main's changes.json compared main's run
    with that branch's inputs. The artifacts fallback already read this branch's pipelines
    only; the cache now does too: its key names the environment and the branch."""
    sample, secrets = ci_sample
    p = Pipeline("gitlab", tmp_path, secrets)
    job = job_named("gitlab", "run", "test")
    key = job.raw["cache"]["key"]
    assert "$ENV_NAME" in key and "$CI_COMMIT_REF_SLUG" in key, key
    branch_run, main_run = "20260105T051700Z-aaaaaa", "20260112T051700Z-bbbbbb"
    for ref, run in (("release/x", branch_run), ("main", main_run)):
        ws = p.workspace(sample)
        codes = emulate(
            p,
            job,
            ws,
            SHIM_MODE="findings",
            SHIM_CODE="0",
            SHIM_RUN=run,
            SHIM_FINDINGS=_findings(),
            CI_COMMIT_REF_NAME=ref,
            CI_COMMIT_REF_SLUG=ref.replace("/", "-"),
        )
        assert codes[0] == 0, p.job_log()[-1500:]
        # the artifacts API answers for this branch's pipelines only: the branch's are not main's
        shutil.rmtree(p.store / f"artifacts-{job.name}")
    assert _run_dirs(ws / "runs") == {main_run}, "main restored another branch's run"
    assert "no previous run of test in the cache" in p.job_log().split(branch_run)[-1]


def _days(value: str) -> float:
    """A GitLab ``expire_in`` as this template writes it: "90 days", "2 weeks", "1 day"."""
    m = re.fullmatch(r"([0-9]+)\s*(day|week)s?", str(value).strip())
    assert m, value
    return float(m.group(1)) * (7 if m.group(2) == "week" else 1)


def test_gitlab_the_wheels_outlive_a_production_approval_of_days() -> None:
    """A CI engineer's weekly look: ngdpkit:wheels kept its wheels 1 day, while production's
    job (a deployment with an approval rule) and compare after it install from them when the
    approval comes: approved on Monday for Friday's pipeline, GitLab failed both before their
    scripts ("This job depends on other jobs with expired/erased artifacts"), and the week's
    production run and comparison were lost. The wheels are now kept past the next weekly
    pipeline, and the README and header say so."""
    data = load("gitlab")
    kept = _days(data["ngdpkit:wheels"]["artifacts"]["expire_in"])
    waiting = [j for j in jobs("gitlab") if j.name in ("ngdpkit:production", "ngdpkit:compare")]
    assert len(waiting) == 2 and all("ngdpkit:wheels" in j.needs for j in waiting)
    assert data["ngdpkit:production"]["environment"]["action"] == "start"  # held for approval
    assert kept >= 7, data["ngdpkit:wheels"]["artifacts"]["expire_in"]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "an artifact kept a day" not in readme and "an artifact kept 2 weeks" in readme
    assert "kept 2 weeks: production's job may wait that long for its approval" in header_of(
        "gitlab"
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_azure_keeps_a_dropped_run_to_read_also_when_the_job_failed(
    env: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]]
) -> None:
    """A CI owner's look: GitHub keeps a dropped run (the job's secrets were wrong, exit 2) as
    ``ngdpkit-dropped-<env>``, GitLab in the job's artifacts; Azure uploaded nothing of it, so
    the consultant had one log line with the codes and no findings.json to read why. Azure
    keeps it too, as ``ngdpkit-dropped-<env>``, by a step that runs after the failure, and only
    when the run step dropped a run (the task fails on a missing folder); never under the name
    the next build restores as its previous run."""
    sample, secrets = ci_sample
    job = job_named("azure", "run", env)
    (keep,) = [s for s in job.steps if s.inputs.get("artifact") == f"ngdpkit-dropped-{env}"]
    assert keep.kind == "PublishPipelineArtifact@1"
    assert keep.inputs["targetPath"] == f"$(Build.SourcesDirectory)/runs-dropped/{env}"
    assert keep.condition == "and(always(), eq(variables['NGDPKIT_DROPPED'], 'true'))"
    restore = next(s for s in job.steps if s.kind == "DownloadPipelineArtifact@2")
    assert restore.inputs["artifactName"] != keep.inputs["artifact"]
    script = next(s.script for s in job.steps if "ngdpkit run" in s.script)
    dropping = script[script.index('mv -- "runs/$ENV_NAME/$run" "$dropped"') :]
    said = dropping.index('echo "##vso[task.setvariable variable=NGDPKIT_DROPPED]true"')
    assert said < dropping.index("exit 2")
    assert script.count("task.setvariable") == 1
    index = job.steps.index(keep)
    for case, findings, dropped in (
        ("dropped", _findings("AUTHORIZATION_UNRECOGNISED"), True),
        ("kept", _findings(), False),
    ):
        (tmp_path / case).mkdir()
        p = Pipeline("azure", tmp_path / case, secrets)
        ws = p.workspace(sample)
        emulate_run_ending_on(p, job, ws, findings)
        assert p.code_of_step(job, "ngdpkit run") == (2 if dropped else 1), p.job_log()[-1500:]
        assert (index in p.ran) is dropped, case
        artifact = p.store / f"artifact-ngdpkit-dropped-{env}"
        assert (artifact / DROPPED_RUN / "findings.json").is_file() is dropped, case
        assert _kept_run_dirs(p.store) == (set() if dropped else {DROPPED_RUN}), case


@pytest.mark.parametrize("system", SYSTEMS)
def test_compare_with_signing_says_why_it_stops_before_the_kit(
    system: str, tmp_path: Path, ci_sample: tuple[Path, dict[str, str]], real_runs: Path
) -> None:
    """A CI owner's look: with ``[signing]`` in the settings the compare job stopped with exit 2
    and the kit's line "signing.certificate: file not found", which reads as a file missing
    from the checkout. The kit seals every compare folder (contract §12.5) and compare holds no
    secret, so exit 2 stays (no unsealed comparison from CI), but the job says why and where
    the sealed comparison is made, before the kit starts; without ``[signing]`` nothing
    changes (test_compare_gets_both_runs_and_no_secret)."""
    sample, secrets = ci_sample
    p = Pipeline(system, tmp_path, secrets)
    for env in ENVIRONMENTS:
        job = job_named(system, "run", env)
        codes = emulate(p, job, p.workspace(sample), SHIM_MODE="copy", SHIM_RUNS=str(real_runs))
        assert all(c == 0 for c in codes), (env, codes)
    ws = p.workspace(sample)
    with_signing(ws)
    compare = job_named(system, "compare", None)
    emulate(p, compare, ws, SHIM_MODE="fake")
    assert p.code_of_step(compare, "ngdpkit compare") == 2, p.job_log()[-1500:]
    (said,) = [x for x in p.job_log().splitlines() if "compare seals its comparison" in x]
    assert "[signing] in migration/migration.toml" in said and "this job does not hold" in said
    assert "on the consultant's machine" in said and "(exit 2)" in said
    prefix = {"github": "::error::", "azure": "##vso[task.logissue type=error]", "gitlab": ""}
    assert said.startswith(prefix[system] + "[signing]"), said
    assert not [x for x in shim_lines(p, "argv") if x.startswith("argv compare")]
