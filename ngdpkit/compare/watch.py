"""``ngdpkit watch`` (contract §12.6): one environment's NgDP after go-live, read with the
environment's own certificate and authorization header, as ``check --online`` reads it.

The settings must name a registered system (``system_id``), its certificate (.p12/.pfx) and
an https address (``ngdp_api_url``/``ngdp_api_ca`` as the reader honours them); otherwise the
input is refused before anything is sent (exit 2). A missing secret or a certificate that
does not open is a finding (``SECRET_MISSING``, ``CERT_BAD_PASSWORD``, exit 1) and nothing is
read. It writes no file; the caller prints :func:`payload`'s object or :func:`table`'s lines.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import findings as F
from ..errors import InputError
from ..findings import Finding
from ..settings import Environment, Settings

if TYPE_CHECKING:
    from ..checks.watch import WatchReport

DEFAULT_DAYS = 7
MAX_DAYS = 90


def _refusals(settings: Settings, env: Environment) -> list[str]:
    """Why these settings cannot be watched at all (one line each), before any secret."""
    from ..checks.certificates import PUBLIC_SUFFIXES
    from ..guids import canonical_guid

    key = f"environments.{env.name}"
    problems = []
    if not env.system_id:
        problems.append(f"{key}.system_id is not set: watch reads the events of that system")
    elif canonical_guid(env.system_id) != env.system_id:
        problems.append(f"{key}.system_id {env.system_id!r} is not a UUID")
    if env.certificate is None:
        problems.append(f"{key}.certificate is not set: watch presents it to NgDP")
    elif env.certificate.suffix.lower() in PUBLIC_SUFFIXES:
        problems.append(
            f"{key}.certificate is {settings.rel(env.certificate)}, a public certificate: "
            "watch needs the .p12/.pfx with its private key"
        )
    if env.ngdp_api_url and not env.ngdp_api_url.lower().startswith("https://"):
        problems.append(
            f"{key}.ngdp_api_url is not https: nothing is sent to it, since the authorization "
            "header would travel in clear text"
        )
    return problems


def _identity(
    settings: Settings, env: Environment, *, prompt: bool
) -> tuple[Any, str | None, list[Finding]]:
    """(the certificate with its key or None, the header or None, findings about them)."""
    from ..checks.certificates import load_certificate
    from ..secrets import quality_findings, resolve, secret_missing

    key = f"environments.{env.name}"
    found: list[Finding] = []
    password = resolve(
        env.certificate_password_env,
        secrets_file=settings.secrets_file,
        prompt=prompt,
        label="Certificate password",
    )
    header = resolve(
        env.authorization_env,
        secrets_file=settings.secrets_file,
        prompt=prompt,
        label="Authorization header",
    )
    for secret, name, what in (
        (password, "certificate_password_env", "certificate password"),
        (header, "authorization_env", "authorization header"),
    ):
        if secret is None:
            variable = getattr(env, name)
            found.append(secret_missing(f"{key}.{name}", what=what, variable=variable))
        else:
            found += quality_findings(secret, f"{key}.{name}")
    identity = None
    if password is not None and env.certificate is not None:
        loaded = load_certificate(
            env.certificate, label=settings.rel(env.certificate), password=password
        )
        if loaded.leaf is not None and loaded.key is not None:
            identity = loaded
        else:
            found += [f for f in loaded.findings if f.severity == "error"]
    return identity, header.reveal() if header is not None else None, found


def watch(
    settings: Settings, name: str, *, days: int = DEFAULT_DAYS, prompt: bool = False
) -> tuple[dict[str, Any], int]:
    """The watch of environment ``name``: (the JSON object, the exit code 0 or 1).
    :class:`~ngdpkit.errors.InputError` when the settings cannot be watched (exit 2)."""
    from ..checks.network import official_api_url
    from ..checks.ngdp import mtls_client
    from ..checks.watch import WatchReader, sendable, unsendable, watch_ngdp
    from ..checks.watch_rules import judge
    from ..documents.runbook import enable_moment

    env = settings.environment(name)
    problems = _refusals(settings, env)
    if problems:
        raise InputError(problems)
    identity, header, found = _identity(settings, env, prompt=prompt)
    base = (env.ngdp_api_url or official_api_url(env.kind)).rstrip("/")
    source = f"environments.{env.name}"
    report = None
    enabled = enable_moment(env)  # the runbook's reading of [golive]
    if header is not None and not sendable(header):
        found.append(unsendable(source))
    elif identity is not None and header is not None:
        checks = settings.checks
        with mtls_client(
            identity,
            header,
            ca_file=str(env.ngdp_api_ca) if env.ngdp_api_ca else None,
            total_s=checks.probe_total_s,
            timeout_s=checks.probe_timeout_s,
            trust_env=env.ngdp_api_url is None,
        ) as client:
            reader = WatchReader(client, base, source)
            report = watch_ngdp(
                reader,
                environment=env.name,
                protocol=env.protocol,
                system_id=env.system_id or "",
                days=days,
                official_url=env.ngdp_api_url is None,
                enabled_at=enabled,
            )
        found += reader.findings + judge(report, source)
    # said whether or not anything was read (the second look: both went missing when the
    # secrets were)
    if env.ngdp_api_url and env.kind == "production":  # as check says it: a watch of another
        # address is no watch of NgDP (a go-live day's cold run: "ok" every day from the
        # simulator's address); a test kind's table names the address
        found.append(
            F.error(
                "NGDP_API_URL_OVERRIDDEN",
                "ngdp_api_url is overridden to {ngdp_api_url}: watch read that address, not NgDP's official {value}.",
                f"{source}.ngdp_api_url",
                ngdp_api_url=env.ngdp_api_url,
                value=official_api_url(env.kind),
            )
        )
    if enabled is not None and enabled > dt.datetime.now(dt.UTC):  # planned, not yet come
        found.append(before_go_live(enabled, source))
    return payload(env, base, report, found, settings.language, days=days), 1 if any(
        f.severity == "error" for f in found
    ) else 0


def before_go_live(when: dt.datetime, source: str) -> Finding:
    """``WATCH_BEFORE_GO_LIVE`` (info): NgDP's dispatcher is planned enabled later, so what
    watch read is from before go-live (a go-live day's cold run: it said "after go-live")."""
    return F.info(
        "WATCH_BEFORE_GO_LIVE",
        "NgDP's dispatcher is to be enabled at {when} ([golive]): what watch read is from before go-live.",
        source,
        "golive.ngdp_enable",
        when=F.local_time(when, "en"),  # a Danish message says it the Danish way
    )


def payload(
    env: Environment,
    base: str,
    report: WatchReport | None,
    found: list[Finding],
    language: str,
    *,
    days: int | None = None,
) -> dict[str, Any]:
    """``{"environment", "status", "error", "memos_waiting", "receipts_waiting",
    "failed_deliveries", …, "findings"}``; the counts are null when nothing was read."""
    data: dict[str, Any] = {"environment": env.name, "status": F.status_of(found), "error": None}
    if report is not None:
        data |= report.to_json()
    else:
        data |= {
            "protocol": env.protocol,
            "system_id": env.system_id,
            "base_url": base,
            "official_url": env.ngdp_api_url is None,
            "memos_waiting": None,
            "receipts_waiting": None,
            "failed_deliveries": None,
            "last_good_delivery": None,
            "days_since_last_good": None,
            "hours_since_last_good": None,
            "deliveries": "not_read",
            "days": days,  # the table's "Fejlede leveringer, seneste N dage" said no N
        }
    data["findings"] = [f.to_dict(language) for f in F.sort_findings(found)]
    return data


def unusable(name: str | None, reason: str) -> dict[str, Any]:
    """The JSON object for input refused before any work (exit 2)."""
    return {"environment": name, "status": "unusable", "error": reason, "findings": []}


def crashed(name: str | None, reason: str) -> dict[str, Any]:
    """The JSON object when the kit itself failed (exit 3)."""
    return {"environment": name, "status": "crashed", "error": reason, "findings": []}


def runbook_page(settings: Settings, name: str) -> Path | None:
    """The runbook page of the environment's latest run in the settings' own runs folder
    (``runs/<env>/LATEST``), which a watch that finds something wrong names; None when that
    folder holds no run (``run --out`` elsewhere): the table then names the page in words."""
    from .runs import latest_run

    try:  # a runs folder it may not read is no reason to withhold the watch's table
        latest = latest_run(settings.base_dir / "runs" / name)
        page = latest / "signoff" / "runbook.html" if latest is not None else None
        return page if page is not None and page.is_file() else None
    except OSError:
        return None


def _next_steps(data: dict[str, Any], language: str, runbook: str | None) -> list[str]:
    """What to do about what the watch found, by the runbook's step (the go-live morning's
    read: the table said what was wrong, not that step 5 names it a reason to roll back)."""
    from ..documents.i18n import t

    codes = {f["code"] for f in data["findings"]}
    why = [t(language, k) for c, k in TODO_ROLLBACK if c in codes]
    steps = [t(language, "watch_todo_rollback", why="; ".join(why))] if why else []
    if "WATCH_READ_REFUSED" in codes:
        steps.append(t(language, "watch_todo_refused"))
    if not steps:
        return []
    lines = [f"  {t(language, 'watch_todo'):<40} {step}" for step in steps]
    page = runbook or t(language, "watch_runbook_none")
    return lines + [f"  {t(language, 'watch_runbook'):<40} {page}"]


# the runbook's rollback criteria (step 5) that a watch can see, in the order said
TODO_ROLLBACK = (
    ("WATCH_DELIVERY_FAILING", "watch_todo_failing"),
    ("WATCH_BACKLOG", "watch_todo_backlog"),
)


def table(data: dict[str, Any], language: str, *, runbook: str | None = None) -> list[str]:
    """A short readable table of one watch in ``language`` (Danish by default), findings
    last; every time in it Copenhagen time, said so, and when something is wrong, the
    runbook's step for it (``runbook``: the page's path as the caller shows it)."""
    from ..documents.i18n import count, duration, local_time, number, t

    counts = F.counts(data["findings"])
    head = ", ".join(count(language, counts[s], s) for s in ("error", "warning") if counts[s]) or t(
        language, "ok"
    )
    lines = [f"== {data['environment']}: {t(language, 'watch_title')} ({head})"]

    def row(label: str, value: Any) -> None:
        shown = t(language, "watch_not_read") if value is None else value
        if isinstance(value, int) and not isinstance(value, bool):  # 1.234 breve in Danish
            shown = number(language, value)
        lines.append(f"  {t(language, label, days=data.get('days', '')):<40} {shown}")

    def when(stamp: str | None, hours: int | None = None) -> str | None:
        if stamp is None:
            return None
        shown = t(language, "watch_local", when=local_time(stamp, language))  # "dansk tid"
        if hours is None:
            return shown
        ago = t(language, "watch_ago", days=duration(language, hours))
        return f"{shown} ({ago})"

    row("watch_memos", data.get("memos_waiting"))
    row("watch_receipts", data.get("receipts_waiting"))
    row("watch_failed", data.get("failed_deliveries"))
    if data.get("last_failed_delivery"):
        row("watch_last_failed", when(data["last_failed_delivery"]))
    good = when(data.get("last_good_delivery"), data.get("hours_since_last_good"))
    if good is None and data.get("good") is not None:
        good = t(language, "watch_none_in_window", days=data["days"])
    row("watch_last_good", good)
    left = data.get("hours_until_deactivation")
    if left is not None:  # without a good delivery in the window, the time left is at most
        known = data.get("hours_since_last_good") is not None
        key = "watch_days_left" if known else "watch_days_left_at_most"
        if data.get("deactivation_passed"):
            rule = t(language, "watch_may_be_deactivated")
        elif not left:
            rule = t(language, "watch_under_an_hour")
        else:  # rounded down, in hours under a day: never more time than there is
            rule = t(language, key, days=duration(language, left))
        row("watch_rule", rule)
    where = data.get("base_url")
    if where and data.get("official_url") is False:
        where = t(language, "watch_overridden", url=where)
    row("watch_ngdp", where)
    if data.get("checked_at"):  # when, and the zone of every time in the table
        row(
            "watch_checked",
            t(language, "watch_zone", when=local_time(data["checked_at"], language)),
        )
    for f in data["findings"]:
        word = t(language, f"watch_{f['severity']}")
        lines.append(f"  {word:<9} {f['code']:<26} {f['message']}")
    return lines + _next_steps(data, language, runbook)
