"""The time helpers of :mod:`ngdpkit.findings` that the run, ``status`` and ``compare`` share."""

from __future__ import annotations

import datetime as dt

import pytest

from ngdpkit.findings import aware_time, has_passed, in_copenhagen

END = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "text",
    ["2026-12-07T10:00:00Z", "2026-12-07T11:00:00+01:00", "2026-12-07T10:00:00"],
)
def test_a_stored_time_is_read_with_its_zone_and_utc_when_it_names_none(text: str) -> None:
    got = aware_time(text)
    assert got == END and got is not None and got.tzinfo is not None


@pytest.mark.parametrize("text", [None, "", "not a time", "2026-13-01T00:00:00Z"])
def test_what_is_no_time_is_none(text: str | None) -> None:
    assert aware_time(text) is None


@pytest.mark.parametrize("value", [5, 1.5, True, ["2026-12-07T10:00:00Z"], {"at": "x"}])
def test_what_is_no_text_is_no_time_and_has_not_passed(value: object) -> None:
    """A hostile look: a number or a list where a file held a time raised AttributeError
    (``.replace``) out of the one reading of a stored end, which catches only ValueError."""
    assert aware_time(value) is None  # type: ignore[arg-type]
    assert not has_passed(value, END)  # type: ignore[arg-type]


def test_an_end_has_passed_at_its_moment_and_not_a_second_before() -> None:
    text = "2026-12-07T10:00:00Z"
    assert has_passed(text, END) and has_passed(text, END + dt.timedelta(hours=2))
    assert not has_passed(text, END - dt.timedelta(seconds=1))
    assert not has_passed("", END) and not has_passed("never", END)


def test_a_time_is_said_in_copenhagen_and_one_at_the_edge_of_time_as_written() -> None:
    late = dt.datetime(2026, 12, 7, 23, 30)  # no zone: UTC, as the certificate library gives
    assert in_copenhagen(late).date() == dt.date(2026, 12, 8)
    edge = dt.datetime(9999, 12, 31, 23, 30, tzinfo=dt.UTC)  # past year 9999 in Denmark
    assert in_copenhagen(edge) is edge
