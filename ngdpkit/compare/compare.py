"""Test and production side by side from one settings file (``ngdpkit compare``).

Both environments are checked in-process, offline, as ``check`` does (a secret is used when
one is at hand, never asked for). The differences are findings: a mailbox mapped in test but
not in production is an error (production would lose what test proved), the other way round
a warning; contact points are matched by name; default contact points must correspond.
"""

from __future__ import annotations

from typing import Any

from .. import findings as F
from ..errors import InputError
from ..findings import Finding
from ..settings import Settings

SCHEMA = "ngdpkit/compare/1"
KEY = "compare"


def pick(settings: Settings, names: list[str]) -> tuple[str, str]:
    """(A, B): the two named, else the first test kind and the first production kind."""
    if names and names != ["all"]:
        if len(names) != 2:
            raise InputError("compare takes two environments: --env A --env B (or none)")
        for name in names:
            settings.environment(name)
        if names[0] == names[1]:
            raise InputError(f"--env {names[0]} twice: compare two different environments")
        return names[0], names[1]
    test = next((n for n, e in settings.environments.items() if e.kind == "test"), None)
    prod = next((n for n, e in settings.environments.items() if e.kind == "production"), None)
    if test is None or prod is None:
        raise InputError(
            f"{settings.rel(settings.path)}: compare needs a test and a production environment "
            "(or two named with --env A --env B)"
        )
    return test, prod


def _mapped(frame: Any) -> dict[tuple[str, str], dict[str, str]]:
    if frame is None or not len(frame):
        return {}
    out = {}
    for mid, sid, guid, cp, status in frame[
        ["mailbox_id", "subject_id", "ngdp_guid", "contact_point", "status"]
    ].itertuples(index=False):
        out[(str(mid), str(sid or ""))] = {
            "guid": str(guid or ""),
            "contact_point": str(cp or ""),
            "status": str(status),
        }
    return out


def _side(settings: Settings, name: str) -> dict[str, Any]:
    from ..steps.pipeline import run_all

    steps = {s.name: s for s in run_all(settings, name)}
    env = settings.environment(name)
    cps = steps["02_contact_points"].record.contact_points
    facts = steps["03_certificate"].record.certificate
    return {
        "name": name,
        "env": env,
        "mapping": _mapped(steps["02_contact_points"].record.mapping),
        "contact_points": {p["name"]: p for p in cps} if cps is not None else None,
        "certificate": facts,
        "status": F.status_of(f for s in steps.values() for f in s.findings),
    }


def _ids(keys: list[tuple[str, str]]) -> list[str]:
    return [f"{m}:{s}" if s else m for m, s in keys]


def compare_environments(settings: Settings, a: str, b: str) -> dict[str, Any]:
    """The comparison object (``compare.json``): each difference as a finding, and the lists."""
    left, right = _side(settings, a), _side(settings, b)
    found: list[Finding] = []
    only_test, only_prod = _compare_mapping(left, right, found)
    cp_rows = _compare_contact_points(left, right, found)
    defaults = _compare_defaults(left, right, found)
    _compare_system(left, right, found)
    ca, cb = _compare_certificates(left, right, found)
    ea, eb = left["env"], right["env"]
    return {
        "schema": SCHEMA,
        "settings": settings.rel(settings.path),
        "environments": [a, b],
        "status": F.status_of(found),
        "findings": [f.to_dict(settings.language) for f in F.sort_findings(found)],
        "mapped_only_in_test": _ids(only_test),
        "mapped_only_in_production": _ids(only_prod),
        "contact_points": cp_rows,
        "default_contact_points": defaults,
        "protocol": {a: ea.protocol, b: eb.protocol},
        "server_ips": {a: list(ea.server_ips), b: list(eb.server_ips)},
        "certificate": {
            a: {
                "cvr": ca.get("cvr"),
                "days_left": ca.get("days_left"),
                "not_after": ca.get("not_after"),
            },
            b: {
                "cvr": cb.get("cvr"),
                "days_left": cb.get("days_left"),
                "not_after": cb.get("not_after"),
            },
        },
        "checks_status": {a: left["status"], b: right["status"]},
    }


def _compare_mapping(
    left: dict[str, Any], right: dict[str, Any], found: list[Finding]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Mailboxes mapped in one environment and not the other (test's side first)."""
    prod_side = right if right["env"].kind == "production" else left
    test_side = left if prod_side is right else right

    def mapped(side: dict[str, Any]) -> set[tuple[str, str]]:
        return {k for k, v in side["mapping"].items() if v["status"] == "mapped"}

    only_test = sorted(mapped(test_side) - mapped(prod_side))
    only_prod = sorted(mapped(prod_side) - mapped(test_side))
    if only_test:
        found.append(
            F.error(
                "COMPARE_MAPPED_ONLY_IN_TEST",
                "{count} mailbox(es) mapped in {name} are not mapped in {name2}: {value}.",
                KEY,
                prod_side["name"],
                count=len(only_test),
                name=test_side["name"],
                name2=prod_side["name"],
                value=F.first_of(_ids(only_test)),
            )
        )
    if only_prod:
        found.append(
            F.warning(
                "COMPARE_MAPPED_ONLY_IN_PRODUCTION",
                "{count} mailbox(es) mapped in {name} were not mapped in {name2}, so test did not prove them: {value}.",
                KEY,
                test_side["name"],
                count=len(only_prod),
                name=prod_side["name"],
                name2=test_side["name"],
                value=F.first_of(_ids(only_prod)),
            )
        )
    return only_test, only_prod


def _compare_contact_points(
    left: dict[str, Any], right: dict[str, Any], found: list[Finding]
) -> list[dict[str, Any]]:
    """Contact points matched by name: missing on one side, or differing targets/visibility/activity."""
    a, b = left["name"], right["name"]
    cp_rows = []
    lcp, rcp = left["contact_points"], right["contact_points"]
    if lcp is not None and rcp is not None:
        for cp_name in sorted(set(lcp) | set(rcp)):
            x, y = lcp.get(cp_name), rcp.get(cp_name)
            if x is None or y is None:
                missing_in = a if x is None else b
                found.append(
                    F.warning(
                        "COMPARE_CONTACT_POINT_MISSING",
                        "Contact point {cp_name!r} exists in {a} but not in {missing_in}.",
                        KEY,
                        missing_in,
                        cp_name=cp_name,
                        a=b if x is None else a,
                        missing_in=missing_in,
                    )
                )
                cp_rows.append({"name": cp_name, a: bool(x), b: bool(y)})
                continue
            diffs = {
                k: {a: x.get(k), b: y.get(k)}
                for k in ("targets", "visible", "active")
                if (sorted(x.get(k)) if k == "targets" else x.get(k))
                != (sorted(y.get(k)) if k == "targets" else y.get(k))
            }
            if diffs:
                what = "; ".join(f"{k}: {v[a]} ({a}) / {v[b]} ({b})" for k, v in diffs.items())
                found.append(
                    F.warning(
                        "COMPARE_CONTACT_POINT_DIFFERS",
                        "Contact point {cp_name!r} differs: {what}.",
                        KEY,
                        cp_name,
                        cp_name=cp_name,
                        what=what,
                    )
                )
                cp_rows.append({"name": cp_name, **diffs})
    return cp_rows


def _compare_defaults(
    left: dict[str, Any], right: dict[str, Any], found: list[Finding]
) -> dict[str, dict[str, str]]:
    """The default contact points, by name: replies must go to the same place."""
    a, b = left["name"], right["name"]
    defaults = {}
    for side in (left, right):
        guid = side["env"].default_contact_point or ""
        names = {p["id"]: n for n, p in (side["contact_points"] or {}).items()}
        defaults[side["name"]] = {"guid": guid, "name": names.get(guid, "")}
    da, db = defaults[a], defaults[b]
    if da["name"] and db["name"] and da["name"] != db["name"]:
        found.append(
            F.error(
                "COMPARE_DEFAULT_CONTACT_POINT_DIFFERS",
                "The default contact point is {name!r} in {a} but {name2!r} in {b}; replies would go to different places.",
                KEY,
                "default_contact_point",
                name=da["name"],
                a=a,
                name2=db["name"],
                b=b,
            )
        )
    return defaults


def _compare_system(left: dict[str, Any], right: dict[str, Any], found: list[Finding]) -> None:
    """Protocol and server IPs."""
    a, b = left["name"], right["name"]
    ea, eb = left["env"], right["env"]
    if ea.protocol != eb.protocol:
        found.append(
            F.warning(
                "COMPARE_PROTOCOL_DIFFERS",
                "The protocol is {protocol} in {a} but {protocol2} in {b}: test did not prove production's protocol.",
                KEY,
                "protocol",
                protocol=ea.protocol,
                a=a,
                protocol2=eb.protocol,
                b=b,
            )
        )
    if set(ea.server_ips) != set(eb.server_ips):
        found.append(
            F.info(
                "COMPARE_SERVER_IPS_DIFFER",
                "Server IPs: {values}.",
                KEY,
                "server_ips",
                values=f"{a}: {', '.join(ea.server_ips)}; {b}: {', '.join(eb.server_ips)}",
            )
        )


def _compare_certificates(
    left: dict[str, Any], right: dict[str, Any], found: list[Finding]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The certificates' CVR (when both could be read); returns both sides' facts."""
    a, b = left["name"], right["name"]
    ca, cb = left["certificate"] or {}, right["certificate"] or {}
    if ca.get("cvr") and cb.get("cvr") and ca["cvr"] != cb["cvr"]:
        found.append(
            F.error(
                "COMPARE_CERT_CVR_DIFFERS",
                "The certificate of {a} is for CVR {cvr}, that of {b} for CVR {cvr2}.",
                KEY,
                "certificate",
                a=a,
                cvr=ca["cvr"],
                b=b,
                cvr2=cb["cvr"],
            )
        )
    if not ca or not cb:
        found.append(
            F.info(
                "COMPARE_CERT_NOT_READ",
                "The certificate of {b} could not be read here (pending, public-only or no password at hand): its CVR and days left are not compared.",
                KEY,
                "certificate",
                b=a if not ca else b,
            )
        )
    return ca, cb


def worst_status(*statuses: str) -> str:
    """The worst of ``ok``, ``warnings`` and ``errors``."""
    order = ("ok", "warnings", "errors")
    return max(statuses, key=lambda s: order.index(s) if s in order else 0)


def write_comparison(settings: Settings, result: dict[str, Any], out: Any) -> tuple[int, Any]:
    """``<out>/compare/<time>-<hex>/`` with compare.json, its sign-off page, the audit trail
    and the manifest, closed like a run (sealed, scanned). Returns (exit code, folder)."""
    from .. import __version__
    from ..outputs import atomic_write, write_json
    from ..run.folder import RunFolder, writable_out
    from ..run.scan import environment_secrets
    from ..signing import seal_from_settings
    from .pages import render_comparison

    sealer, sealing = seal_from_settings(settings)  # a seal that cannot seal: a finding
    if sealing:
        result["findings"] = result["findings"] + [
            f.to_dict(settings.language) for f in F.sort_findings(sealing)
        ]
        result["status"] = worst_status(result["status"], F.status_of(sealing))
    folder = RunFolder.create(writable_out(out), KEY, sealer=sealer)
    trail = folder.trail
    trail.append(
        "run_started",
        settings=settings.rel(settings.path),
        settings_sha256=settings.raw_sha256,
        environment=KEY,
        compared=result["environments"],
        kit_version=__version__,
        run_id=folder.path.name,
    )
    trail.append("checks_finished", status=result["status"])
    write_json(folder.path / "compare.json", result)
    secrets: dict[str, list[str]] = {}
    for name in result["environments"]:
        secrets.update(environment_secrets(settings, settings.environment(name)))

    def render(anchor: str) -> None:
        atomic_write(
            folder.path / "signoff" / "index.html",
            render_comparison(
                result,
                language=settings.language,
                organisation=settings.organisation.name,
                run_id=folder.path.name,
                anchor=anchor,
            ),
        )

    def on_leak(leaks: list[Any]) -> None:
        from ..run.scan import leak_findings

        result["findings"] = result["findings"] + [
            f.to_dict(settings.language) for f in leak_findings(leaks, settings.rel)
        ]
        result["status"] = "errors"
        write_json(folder.path / "compare.json", result)

    code = folder.close(
        secrets=secrets,
        render=render,
        on_leak=on_leak,
        result=lambda: (1 if result["status"] == "errors" else 0, result["status"]),
    )
    return code, folder.path
