"""GUIDs in their one normal form (contract §10): what an administrator pastes becomes the
normal form, and nothing that is not a GUID slips through as one."""

from __future__ import annotations

import pytest

from ngdpkit.guids import canonical_guid, normal_or_raw

GUID = "0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.mark.parametrize(
    "pasted",
    [
        GUID,
        GUID.upper(),
        "{" + GUID + "}",
        "{" + GUID.upper() + "}",
        "  " + GUID + "\t",
        "\n{ " + GUID + " }\r\n",
        "\u00a0" + GUID + "\u3000",  # a no-break space from a web page, an ideographic space
    ],
)
def test_what_people_paste_becomes_the_normal_form(pasted: str) -> None:
    assert canonical_guid(pasted) == GUID


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "   ",
        "{}",
        GUID[:-1],  # one digit short
        GUID + "0",  # one digit long
        GUID.replace("-", ""),  # no hyphens
        GUID.replace("-", "", 1),
        GUID.replace("0", "g", 1),  # not hexadecimal
        GUID + "\n" + GUID,  # two on two lines: "$" must not stop at the first line's end
        GUID + "\nDROP TABLE",
        GUID + "\x00",  # a NUL byte after it
        GUID.replace("a", "\uff41", 1),  # a full-width "a" that lower() keeps as it is
        GUID.replace("0", "\u0660", 1),  # an Arabic-Indic zero: a digit, but not [0-9]
        GUID[:8] + "\u2011" + GUID[9:],  # a non-breaking hyphen
        GUID + "\u200b",  # a zero-width space is no whitespace for strip()
        "urn:uuid:" + GUID,
        "(" + GUID + ")",
        "<" + GUID + ">",
    ],
)
def test_nothing_else_passes_for_a_guid(hostile: str) -> None:
    assert canonical_guid(hostile) is None


def test_the_normal_form_is_stable() -> None:
    once = canonical_guid("{" + GUID.upper() + "}")
    assert once is not None
    assert canonical_guid(once) == once


def test_a_setting_keeps_its_text_when_it_is_no_guid() -> None:
    # The setting's own check reports *_INVALID with what was written, trimmed.
    assert normal_or_raw("  {" + GUID.upper() + "} ") == GUID
    assert normal_or_raw("  not-a-guid ") == "not-a-guid"
    assert normal_or_raw(GUID + "\nextra") == GUID + "\nextra"
    assert normal_or_raw(None) is None
    assert normal_or_raw("") is None
    assert normal_or_raw(" \t\n") is None
