"""Test and production side by side from one settings file (``ngdpkit compare``).

By default the two environments are compared as their latest finished runs left them (the
runs that were signed, named by run ID and anchor); with ``--from-inputs`` they are checked
in-process, offline, as ``check`` does (a secret is used when one is at hand, never asked
for). See :mod:`.sides`. The differences are findings:

- a mailbox mapped in both that lands on contact points that do not correspond (matched by
  normalised name or the ``[compare]`` table, :mod:`.names`) is an error: replies to it
  would land elsewhere in production than test proved;
- a mailbox mapped in test but not in production is an error (production would lose what
  test proved), the other way round a warning; one retired in one environment and mapped
  in the other is a warning (a decision, not an omission);
- contact points are matched by name; default contact points must correspond.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .. import findings as F
from ..documents.change_text import human
from ..documents.i18n import t
from ..errors import InputError
from ..findings import Finding
from ..settings import Settings
from .landings import KEY, compare_landings
from .names import NameMatcher, normal_name
from .sides import CertificateStanding, PointFacts, Side, SideCertificate, oriented

SCHEMA = "ngdpkit/compare/2"
# a contact point's fields compare sets side by side, as the English message names them
POINT_FIELDS = {"targets": "target groups", "visible": "visible", "active": "active"}


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


def _ids(keys: list[tuple[str, str]]) -> list[str]:
    return [f"{m}:{s}" if s else m for m, s in keys]


def read_sides(
    settings: Settings, a: str, b: str, *, from_inputs: bool = False, out: Path | None = None
) -> tuple[Side, Side]:
    """Both environments: from their latest finished runs under ``out`` (both looked up
    first, so that every environment without one is named at once), or from the inputs."""
    from .sides import from_inputs as read_inputs
    from .sides import from_run

    if from_inputs:
        return read_inputs(settings, a), read_inputs(settings, b)
    folder = out or settings.base_dir / "runs"
    problems: list[str] = []
    sides: list[Side] = []
    for name in (a, b):
        try:
            sides.append(from_run(settings, name, folder))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    return sides[0], sides[1]


def compare_environments(
    settings: Settings, a: str, b: str, *, from_inputs: bool = False, out: Path | None = None
) -> dict[str, Any]:
    """The comparison object (``compare.json``) of ``a`` and ``b``: by default of their
    latest finished runs (see :func:`read_sides`), with ``from_inputs`` of today's inputs."""
    left, right = read_sides(settings, a, b, from_inputs=from_inputs, out=out)
    return compare_sides(settings, left, right)


def compare_sides(settings: Settings, left: Side, right: Side) -> dict[str, Any]:
    """Each difference of the two sides as a finding, and the lists the page shows."""
    from ..inputs.typed import unstructure

    a, b = left.name, right.name
    matcher = NameMatcher.from_table(settings.compare.contact_points)
    found: list[Finding] = []
    differs, retired = compare_landings(left, right, matcher, found)
    only_test, only_prod = _compare_mapping(left, right, found)
    cp_rows = _compare_contact_points(left, right, matcher, found)
    defaults = _compare_defaults(left, right, matcher, found)
    pairings = _pairings(settings, left, right, found)
    _compare_system(left, right, found)
    _compare_certificates(left, right, found)
    _compare_freshness(left, right, found)
    ca, cb = left.certificate or SideCertificate(), right.certificate or SideCertificate()
    now = dt.datetime.now(dt.UTC)  # one moment for both sides' days and ends
    runs = None
    if left.run is not None and right.run is not None:
        runs = {a: unstructure(left.run), b: unstructure(right.run)}
    return {
        "schema": SCHEMA,
        "settings": settings.rel(settings.path),
        "environments": [a, b],
        "source": "runs" if runs is not None else "inputs",
        "runs": runs,
        # each compared run's readiness, so that the page never leaves a reader to take the
        # comparison's outcome for the migration's (a customer's cold read); null per
        # environment from the inputs or a run made before the checklist
        "readiness": {side.name: _readiness(side) for side in (left, right)},
        # when each compared run was made (UTC; null from the inputs), and the files the
        # settings name that changed since it (COMPARE_RUN_INPUTS_CHANGED): a week-two run
        # that stopped with exit 2 left week one's run compared without a word
        "runs_made": {side.name: side.made_at or None for side in (left, right)},
        "inputs_changed": {side.name: list(side.inputs_changed) for side in (left, right)},
        "status": F.status_of(found),
        "findings": [f.to_dict(settings.language) for f in F.sort_findings(found)],
        "lands_differently": unstructure(differs),
        "retired_in_one": unstructure(retired),
        "mapped_only_in_test": _ids(only_test),
        "mapped_only_in_production": _ids(only_prod),
        "contact_points": cp_rows,
        "pairings": pairings,
        "default_contact_points": defaults,
        "protocol": {a: left.protocol, b: right.protocol},
        "server_ips": {a: list(left.server_ips), b: list(right.server_ips)},
        "certificate": {
            side.name: unstructure(CertificateStanding.of(c, now))
            for side, c in ((left, ca), (right, cb))
        },
        "checks_status": {a: left.status, b: right.status},
    }


def _compare_freshness(left: Side, right: Side, found: list[Finding]) -> None:
    """``COMPARE_RUN_INPUTS_CHANGED`` for a side whose run read other files than the settings
    name today: the comparison is of that run, not of this week's inputs. A week-two run
    that stopped with exit 2 left ``LATEST`` naming week one's run, and ``compare`` showed it
    as this week's without a word (a CI engineer's look); the run's time is named with it."""
    from ..findings import local_time

    for side in (left, right):
        if side.run is None or not side.inputs_changed:
            continue
        found.append(
            F.warning(
                "COMPARE_RUN_INPUTS_CHANGED",
                "The run of {name} compared here ({run}, made {when}) is not of the inputs on disk: {value} changed since it. Run {name} again before reading this comparison as current (a run that stopped with exit 2 leaves the run before it as the latest), or compare the inputs with --from-inputs.",
                "compare",
                side.name,
                name=side.name,
                run=side.run.run,
                when=local_time(side.made_at, "en") if side.made_at else "?",
                value=F.first_of(side.inputs_changed),
            )
        )
        if side.settings_whole_file:
            found.append(
                F.info(
                    "COMPARE_SETTINGS_WHOLE_FILE",
                    "The run of {name} ({run}) was made by an older kit, which recorded only the whole settings file: {file} is named as changed for any edit, one to another environment's table too. A run of {name} with this kit records what concerns {name} alone.",
                    "compare",
                    side.name,
                    name=side.name,
                    run=side.run.run,
                    file=side.inputs_changed[0],
                )
            )


def _compare_mapping(
    left: Side, right: Side, found: list[Finding]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Mailboxes mapped in one environment and not the other (test's side first); one
    retired in the other is not among them (:func:`.landings.compare_landings` warns of it)."""
    test_side, prod_side = oriented(left, right)

    def having(side: Side, status: str) -> set[tuple[str, str]]:
        return {row.key for row in side.landings if row.status == status}

    test_mapped, prod_mapped = having(test_side, "mapped"), having(prod_side, "mapped")
    only_test = sorted(test_mapped - prod_mapped - having(prod_side, "retired"))
    only_prod = sorted(prod_mapped - test_mapped - having(test_side, "retired"))
    if only_test:
        found.append(
            F.error(
                "COMPARE_MAPPED_ONLY_IN_TEST",
                "{count} mailbox(es) mapped in {name} are not mapped in {name2}: {value}.",
                KEY,
                prod_side.name,
                count=len(only_test),
                name=test_side.name,
                name2=prod_side.name,
                value=F.first_of(_ids(only_test)),
            )
        )
    if only_prod:
        found.append(
            F.warning(
                "COMPARE_MAPPED_ONLY_IN_PRODUCTION",
                "{count} mailbox(es) mapped in {name} were not mapped in {name2}, so test did not prove them: {value}.",
                KEY,
                test_side.name,
                count=len(only_prod),
                name=prod_side.name,
                name2=test_side.name,
                value=F.first_of(_ids(only_prod)),
            )
        )
    return only_test, only_prod


def _keyed(side: Side, matcher: NameMatcher, test: Side) -> dict[str, PointFacts]:
    """A side's contact points by the key they meet under (the first of two that meet)."""
    key = matcher.test_key if side is test else matcher.production_key
    out: dict[str, PointFacts] = {}
    for point in side.contact_points or ():
        out.setdefault(key(point.name), point)
    return out


def _compare_contact_points(
    left: Side, right: Side, matcher: NameMatcher, found: list[Finding]
) -> list[dict[str, Any]]:
    """Contact points matched by normalised name (or the ``[compare]`` table): missing on
    one side, or differing targets/visibility/activity."""
    a, b = left.name, right.name
    cp_rows: list[dict[str, Any]] = []
    if left.contact_points is None or right.contact_points is None:
        return cp_rows
    test, _prod = oriented(left, right)
    lcp, rcp = _keyed(left, matcher, test), _keyed(right, matcher, test)
    for key in sorted(set(lcp) | set(rcp)):
        x, y = lcp.get(key), rcp.get(key)
        if x is None or y is None:
            present = x or y
            assert present is not None
            missing_in = a if x is None else b
            found.append(
                F.warning(
                    "COMPARE_CONTACT_POINT_MISSING",
                    "Contact point {cp_name!r} exists in {a} but not in {missing_in}.",
                    KEY,
                    missing_in,
                    cp_name=present.name,
                    a=b if x is None else a,
                    missing_in=missing_in,
                )
            )
            cp_rows.append({"name": present.name, a: x is not None, b: y is not None})
            continue
        diffs: dict[str, Any] = {}
        if sorted(x.targets) != sorted(y.targets):
            diffs["targets"] = {a: list(x.targets), b: list(y.targets)}
        for attribute in ("visible", "active"):
            if getattr(x, attribute) != getattr(y, attribute):
                diffs[attribute] = {a: getattr(x, attribute), b: getattr(y, attribute)}
        for field, values in diffs.items():  # one finding per field, its values in words
            found.append(
                F.warning(
                    "COMPARE_CONTACT_POINT_DIFFERS",
                    "Contact point {cp_name!r} is set up differently, {field}: {value} in {a}; {value2} in {b}.",
                    KEY,
                    x.name,
                    cp_name=x.name,
                    field=POINT_FIELDS[field],
                    value=human(values[a], "en"),
                    a=a,
                    value2=human(values[b], "en"),
                    b=b,
                )
            )
        if diffs:
            cp_rows.append({"name": x.name, **diffs})
    return cp_rows


def _pairings(
    settings: Settings, left: Side, right: Side, found: list[Finding]
) -> list[dict[str, Any]]:
    """The ``[compare] contact_points`` table as compare.json records it (``{test,
    production, unknown}``), and ``COMPARE_PAIRING_UNKNOWN`` for each name in it that is a
    contact point in neither environment (judged only when both environments' contact points
    are known): a misspelt pairing pairs nothing, and nothing else would say so."""
    known: set[str] | None = None
    if left.contact_points is not None and right.contact_points is not None:
        known = {normal_name(p.name) for p in (*left.contact_points, *right.contact_points)}
    out: list[dict[str, Any]] = []
    for test_name, production_name in settings.compare.contact_points.items():
        unknown = [
            n
            for n in dict.fromkeys((test_name, production_name))
            if known is not None and normal_name(n) not in known
        ]
        for name in unknown:
            found.append(
                F.warning(
                    "COMPARE_PAIRING_UNKNOWN",
                    "The [compare] pairing {name!r} = {name2!r} names {cp_name!r}, which is a contact point in neither environment, so it pairs nothing: check its spelling.",
                    settings.rel(settings.path),
                    "compare.contact_points",
                    name=test_name,
                    name2=production_name,
                    cp_name=name,
                )
            )
        out.append({"test": test_name, "production": production_name, "unknown": unknown})
    return out


def _compare_defaults(
    left: Side, right: Side, matcher: NameMatcher, found: list[Finding]
) -> dict[str, dict[str, str]]:
    """The default contact points, by name: replies must go to the same place."""
    test, _prod = oriented(left, right)
    defaults: dict[str, dict[str, str]] = {}
    keys: dict[str, str] = {}
    for side in (left, right):
        guid = side.default_contact_point
        names = {p.id.strip("{}").lower(): p.name for p in side.contact_points or ()}
        name = names.get(guid, "")
        defaults[side.name] = {"guid": guid, "name": name}
        key = matcher.test_key if side is test else matcher.production_key
        keys[side.name] = key(name) if name else ""
    a, b = left.name, right.name
    if keys[a] and keys[b] and keys[a] != keys[b]:
        found.append(
            F.error(
                "COMPARE_DEFAULT_CONTACT_POINT_DIFFERS",
                "The default contact point is {name!r} in {a} but {name2!r} in {b}; replies would go to different places.",
                KEY,
                "default_contact_point",
                name=defaults[a]["name"],
                a=a,
                name2=defaults[b]["name"],
                b=b,
            )
        )
    return defaults


def _compare_system(left: Side, right: Side, found: list[Finding]) -> None:
    """Protocol and server IPs."""
    a, b = left.name, right.name
    if left.protocol != right.protocol:
        found.append(
            F.warning(
                "COMPARE_PROTOCOL_DIFFERS",
                "The protocol is {protocol} in {a} but {protocol2} in {b}: test did not prove production's protocol.",
                KEY,
                "protocol",
                protocol=left.protocol,
                a=a,
                protocol2=right.protocol,
                b=b,
            )
        )
    if set(left.server_ips) != set(right.server_ips):
        # an environment without IPs yet said "production: ." (a day-one cold read): each
        # side's list is its own parameter, "not set" when empty (said in Danish too)
        found.append(
            F.info(
                "COMPARE_SERVER_IPS_DIFFER",
                "Server IPs: {a}: {ips}; {b}: {ips2}.",
                KEY,
                "server_ips",
                a=a,
                ips=", ".join(left.server_ips) or "not set",
                b=b,
                ips2=", ".join(right.server_ips) or "not set",
            )
        )


def _compare_certificates(left: Side, right: Side, found: list[Finding]) -> None:
    """The certificates' CVR (when both could be read)."""
    a, b = left.name, right.name
    ca, cb = left.certificate, right.certificate
    if ca and cb and ca.cvr and cb.cvr and ca.cvr != cb.cvr:
        found.append(
            F.error(
                "COMPARE_CERT_CVR_DIFFERS",
                "The certificate of {a} is for CVR {cvr}, that of {b} for CVR {cvr2}.",
                KEY,
                "certificate",
                a=a,
                cvr=ca.cvr,
                b=b,
                cvr2=cb.cvr,
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


def worst_status(*statuses: str) -> str:
    """The worst of ``ok``, ``warnings`` and ``errors``."""
    order = ("ok", "warnings", "errors")
    return max(statuses, key=lambda s: order.index(s) if s in order else 0)


def write_comparison(settings: Settings, result: dict[str, Any], out: Any) -> tuple[int, Any]:
    """``<out>/compare/<time>-<hex>/`` with compare.json, its sign-off page, the audit trail
    and the manifest, closed like a run (sealed, scanned). Returns (exit code, folder)."""
    from .. import __version__
    from ..deliverables.outputs import atomic_write, write_json
    from ..documents.signing import seal_from_settings
    from ..run.folder import RunFolder, writable_out
    from ..run.scan import environment_secrets
    from .pages import render_comparison

    sealer, sealing = seal_from_settings(settings)  # a seal that cannot seal: a finding
    if sealing:
        result["findings"] = result["findings"] + [
            f.to_dict(settings.language) for f in F.sort_findings(sealing)
        ]
        result["status"] = worst_status(result["status"], F.status_of(sealing))
    folder = RunFolder.create(writable_out(out, [KEY]), KEY, sealer=sealer)
    trail = folder.trail
    trail.append(
        "run_started",
        settings=settings.rel(settings.path),
        settings_sha256=settings.raw_sha256,
        environment=KEY,
        compared=result["environments"],
        source=result["source"],
        runs=result["runs"],  # the run folders compared, by run ID and anchor
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
                banners=[t(settings.language, "custom_anchors", kinds=", ".join(kinds))]
                if (kinds := settings.trust_anchors)
                else [],
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


def _readiness(side: Side) -> dict[str, int] | None:
    """A side's run's readiness as ``{"steps_done", "steps_total"}``, None when unknown."""
    if side.readiness is None:
        return None
    done, total = side.readiness
    return {"steps_done": done, "steps_total": total}
