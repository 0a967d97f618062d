"""Where each mailbox lands in test and in production (compare/landings.py, contract §12.8):
corresponding contact points by normalised name or the ``[compare]`` table, a mailbox retired
in one environment, mailboxes whose landing cannot be compared; one finding per pair."""

from __future__ import annotations

from ngdpkit.compare.landings import KEY, LandsDifferently, RetiredInOne, compare_landings
from ngdpkit.compare.names import NameMatcher
from ngdpkit.compare.sides import Landing, Side
from ngdpkit.findings import Finding


def side(name: str, kind: str, *rows: tuple[str, str, str, str]) -> Side:
    """rows: (mailbox, subject, status, contact point name)."""
    return Side(
        name=name,
        kind=kind,
        protocol="REST_PULL",
        server_ips=(),
        default_contact_point="",
        landings=tuple(
            Landing(mid, sid, f"Postkasse {mid}", f"Enhed {mid}", status, f"guid-{cp}", cp)
            for mid, sid, status, cp in rows
        ),
        contact_points=None,
        certificate=None,
        status="ok",
    )


def run(
    left: Side, right: Side, table: dict[str, str] | None = None
) -> tuple[object, list[Finding]]:
    found: list[Finding] = []
    result = compare_landings(left, right, NameMatcher.from_table(table or {}), found)
    return result, found


def test_corresponding_names_land_alike() -> None:
    test = side(
        "test",
        "test",
        ("1", "", "mapped", "Borgerservice (test)"),
        ("2", "", "mapped", "TEST - Byggesag"),
        ("3", "", "mapped", "Børn – og Unge"),
    )
    prod = side(
        "prod",
        "production",
        ("1", "", "mapped", "BORGERSERVICE"),
        ("2", "", "mapped", "Byggesag"),
        ("3", "", "mapped", "Børn - og unge"),
    )
    assert run(test, prod) == (((), ()), [])


def test_a_mailbox_landing_elsewhere_is_one_error_per_pair() -> None:
    test = side(
        "test",
        "test",
        ("1", "", "mapped", "Borgerservice"),
        ("2", "", "mapped", "Borgerservice"),
        ("3", "7", "mapped", "Borgerservice"),
        ("4", "", "mapped", "Skat"),
    )
    prod = side(
        "prod",
        "production",
        ("1", "", "mapped", "Ydelser"),
        ("2", "", "mapped", "Ydelser"),
        ("3", "7", "mapped", "Ydelser"),
        ("4", "", "mapped", "Jobcenter"),
    )
    (differs, retired), found = run(test, prod)
    assert retired == ()
    assert [d.mailbox_id for d in differs] == ["1", "2", "3", "4"]
    assert differs[2] == LandsDifferently(
        "3", "7", "Postkasse 3", "Enhed 3", {"test": "Borgerservice", "prod": "Ydelser"}
    )
    assert [(f.severity, f.code, f.source, f.location) for f in found] == [
        ("error", "COMPARE_MAPPING_DIFFERS", KEY, "prod")
    ] * 2
    # the pair with the most mailboxes first, each with its count and first mailboxes
    assert found[0].params["count"] == "3" and found[0].params["value"] == "1, 2, 3:7"
    assert found[0].message == (
        "3 mailboxes land on 'Borgerservice' in test but on 'Ydelser' in prod: replies to"
        " them would land differently: 1, 2, 3:7."
    )
    assert found[1].params["count"] == "1" and "'Skat'" in found[1].message


def test_the_compare_table_pairs_names_that_differ() -> None:
    test = side("test", "test", ("1", "", "mapped", "Borgerservice (test)"))
    prod = side("prod", "production", ("1", "", "mapped", "Ydelser"))
    assert run(test, prod, {"borgerservice": "YDELSER"})[1] == []
    # the table is read from test to production, never back
    assert run(prod, test, {"ydelser": "borgerservice"})[1][0].code == "COMPARE_MAPPING_DIFFERS"


def test_the_sides_are_oriented_by_kind() -> None:
    test = side("t", "test", ("1", "", "retired", ""))
    prod = side("p", "production", ("1", "", "mapped", "Borgerservice"))
    for left, right in ((test, prod), (prod, test)):
        (_, retired), found = run(left, right)
        assert retired == (
            RetiredInOne("1", "", "Postkasse 1", "Enhed 1", "t", "p", "Borgerservice"),
        )
        assert [(f.severity, f.code, f.location) for f in found] == [
            ("warning", "COMPARE_RETIRED_IN_ONE", "t")
        ]


def test_retired_in_each_direction_is_one_warning_each() -> None:
    test = side(
        "test",
        "test",
        ("1", "", "retired", ""),
        ("2", "", "mapped", ""),  # mapped, its contact point's name unknown: the GUID then
        ("3", "", "retired", ""),
        ("4", "", "unmapped", ""),
    )
    prod = side(
        "prod",
        "production",
        ("1", "", "mapped", "A"),
        ("2", "", "retired", ""),
        ("3", "", "retired", ""),  # retired in both: nothing to say
        ("4", "", "mapped", "A"),  # unmapped in one: not this comparison's to say
    )
    (differs, retired), found = run(test, prod)
    assert differs == ()
    assert [(r.mailbox_id, r.retired_in, r.contact_point) for r in retired] == [
        ("1", "test", "A"),
        ("2", "prod", "guid-"),
    ]
    assert [(f.code, f.location, f.params["value"]) for f in found] == [
        ("COMPARE_RETIRED_IN_ONE", "test", "1"),
        ("COMPARE_RETIRED_IN_ONE", "prod", "2"),
    ]


def test_mailboxes_without_a_contact_point_name_are_not_compared_and_said_so() -> None:
    test = side("test", "test", ("1", "", "mapped", ""), ("2", "", "mapped", "A"))
    prod = side("prod", "production", ("1", "", "mapped", "A"), ("2", "", "mapped", ""))
    (differs, retired), found = run(test, prod)
    assert (differs, retired) == ((), ())
    assert sorted((f.severity, f.code, f.location, f.params["value"]) for f in found) == [
        ("info", "COMPARE_MAPPING_NOT_COMPARED", "prod", "2"),
        ("info", "COMPARE_MAPPING_NOT_COMPARED", "test", "1"),
    ]


def test_mailboxes_in_one_environment_only_are_left_to_other_checks() -> None:
    test = side("test", "test", ("1", "", "mapped", "A"))
    prod = side("prod", "production", ("2", "", "mapped", "B"), ("1", "9", "mapped", "B"))
    assert run(test, prod) == (((), ()), [])


def test_many_mailboxes_give_one_finding_with_the_first_few() -> None:
    n = 2000
    test = side("test", "test", *((str(i), "", "mapped", "A") for i in range(n)))
    prod = side("prod", "production", *((str(i), "", "mapped", "B") for i in range(n)))
    (differs, _), found = run(test, prod)
    assert len(differs) == n and len(found) == 1
    assert found[0].params["value"].endswith(f"and {n - 5} more")
