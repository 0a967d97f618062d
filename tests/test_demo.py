"""``ngdpkit demo``'s online part (run/demo.py) without a whole run: with no usable
authorization header or no system ID for the environment it starts nothing (no local NgDP,
no settings variant, no run) and says so by returning no folder. The whole online demo (a
local NgDP and a run) is ``make demo``'s, too slow for a unit test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ngdpkit.redact import parse_authorization
from ngdpkit.run.demo import demo_online


def settings_with(sample_copy: Path, *, header: str | None, system_id: bool = True) -> Path:
    env_file = sample_copy / "sample.env"
    lines = [
        line
        for line in env_file.read_text(encoding="utf-8").splitlines()
        if not line.startswith("NGDPKIT_TEST_AUTHORIZATION=")
    ]
    if header is not None:
        lines.append(f"NGDPKIT_TEST_AUTHORIZATION={header}")
    env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    toml = sample_copy / "migration.toml"
    if not system_id:
        text = toml.read_text(encoding="utf-8")
        toml.write_text(re.sub(r'(?m)^system_id = "5b3f[^"]*"\n', "", text), encoding="utf-8")
    return toml


@pytest.mark.parametrize(
    ("header", "system_id"),
    [
        (None, True),  # no header at all
        ("", True),
        ("not an authorization header", True),
        ("Basic !!!not-base64!!!", True),
        ("Basic " + "dXNlcjp0b2tlbg==", False),  # a header, but no system ID
    ],
)
def test_without_a_header_or_a_system_id_nothing_starts(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch, header: str | None, system_id: bool
) -> None:
    monkeypatch.delenv("NGDPKIT_TEST_AUTHORIZATION", raising=False)
    toml = settings_with(sample_copy, header=header, system_id=system_id)
    assert demo_online(toml, "test") == (0, None)
    assert not (sample_copy / "migration-simulator.toml").exists()
    assert not (sample_copy / "runs-simulator").exists()
    assert not (sample_copy / "certs" / "simulator").exists()


def test_the_header_of_the_last_case_would_do() -> None:
    """(So that the case without a system ID stops for the system ID, not the header.)"""
    assert parse_authorization("Basic " + "dXNlcjp0b2tlbg==") is not None
