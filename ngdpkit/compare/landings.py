"""Where each mailbox lands in test and in production (contract §12.8).

Per mailbox (and subject) of both environments: when it is mapped in both, the contact point
its replies land on, matched by normalised name or the ``[compare]`` table
(:mod:`.names`); when it is retired in one and mapped in the other, a decision to confirm.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import findings as F
from ..findings import Finding
from .names import NameMatcher
from .sides import Side, oriented

KEY = "compare"  # the source of every finding of a comparison, and its folder's name


@dataclass(frozen=True)
class LandsDifferently:
    """A mailbox mapped in both environments whose replies would land on contact points
    that do not correspond (by normalised name or the ``[compare]`` table)."""

    mailbox_id: str
    subject_id: str
    name: str
    unit: str
    contact_point: dict[str, str]  # environment name -> the contact point's name there


@dataclass(frozen=True)
class RetiredInOne:
    """A mailbox retired (``udgår``) in one environment and mapped in the other."""

    mailbox_id: str
    subject_id: str
    name: str
    unit: str
    retired_in: str
    mapped_in: str
    contact_point: str  # where it lands in ``mapped_in``


def compare_landings(
    left: Side, right: Side, matcher: NameMatcher, found: list[Finding]
) -> tuple[tuple[LandsDifferently, ...], tuple[RetiredInOne, ...]]:
    """Per mailbox of both environments: where it lands when mapped in both, and whether it
    is retired in one and mapped in the other. One finding per pair of contact points (and
    per direction of retirement), with the count and the first mailboxes."""
    test, prod = oriented(left, right)
    here, there = test.by_key(), prod.by_key()
    differs: list[LandsDifferently] = []
    pairs: dict[tuple[str, str], list[str]] = {}
    unnamed: dict[str, list[str]] = {}
    retired: list[RetiredInOne] = []
    for key in sorted(set(here) & set(there)):
        x, y = here[key], there[key]
        if x.status == "mapped" and y.status == "mapped":
            if not x.contact_point or not y.contact_point:
                side = test.name if not x.contact_point else prod.name
                unnamed.setdefault(side, []).append(x.label)
                continue
            if matcher.test_key(x.contact_point) == matcher.production_key(y.contact_point):
                continue
            differs.append(
                LandsDifferently(
                    mailbox_id=x.mailbox_id,
                    subject_id=x.subject_id,
                    name=y.name or x.name,
                    unit=y.unit or x.unit,
                    contact_point={test.name: x.contact_point, prod.name: y.contact_point},
                )
            )
            pairs.setdefault((x.contact_point, y.contact_point), []).append(x.label)
        elif {x.status, y.status} == {"mapped", "retired"}:
            gone, kept = (x, y) if x.status == "retired" else (y, x)
            retired.append(
                RetiredInOne(
                    mailbox_id=x.mailbox_id,
                    subject_id=x.subject_id,
                    name=kept.name or gone.name,
                    unit=kept.unit or gone.unit,
                    retired_in=test.name if gone is x else prod.name,
                    mapped_in=prod.name if gone is x else test.name,
                    contact_point=kept.contact_point or kept.guid,
                )
            )
    found += _landing_findings(test.name, prod.name, pairs, retired, unnamed)
    return tuple(differs), tuple(retired)


def _landing_findings(
    a: str,
    b: str,
    pairs: dict[tuple[str, str], list[str]],
    retired: list[RetiredInOne],
    unnamed: dict[str, list[str]],
) -> list[Finding]:
    """One finding per pair of contact points a mailbox lands on (test ``a``, production
    ``b``), per direction of retirement, and per side whose names are missing."""
    out: list[Finding] = []
    for (cp, cp2), labels in sorted(pairs.items(), key=lambda item: (-len(item[1]), item[0])):
        out.append(
            F.error(
                "COMPARE_MAPPING_DIFFERS",
                "{count} mailbox(es) land on {cp!r} in {a} but on {cp2!r} in {b}: replies to them would land differently: {value}.",
                KEY,
                b,
                count=len(labels),
                cp=cp,
                a=a,
                cp2=cp2,
                b=b,
                value=F.first_of(labels),
            )
        )
    for direction in ((a, b), (b, a)):
        labels = [
            (f"{r.mailbox_id}:{r.subject_id}" if r.subject_id else r.mailbox_id)
            for r in retired
            if (r.retired_in, r.mapped_in) == direction
        ]
        if labels:
            out.append(
                F.warning(
                    "COMPARE_RETIRED_IN_ONE",
                    "{count} mailbox(es) are retired in {name} but mapped in {name2}: {value}.",
                    KEY,
                    direction[0],
                    count=len(labels),
                    name=direction[0],
                    name2=direction[1],
                    value=F.first_of(labels),
                )
            )
    for side, labels in unnamed.items():
        out.append(
            F.info(
                "COMPARE_MAPPING_NOT_COMPARED",
                "{count} mailbox(es) mapped in both environments have no contact point name in {name} (its contact points are pending or do not list the GUID), so where their replies land is not compared: {value}.",
                KEY,
                side,
                count=len(labels),
                name=side,
                value=F.first_of(labels),
            )
        )
    return out
