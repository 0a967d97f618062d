"""Reading untrusted inputs: the files a consultant or customer hands the kit."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

# IDs are ASCII digits (a regular expression says [0-9]): Python's ``\d`` and
# ``str.isdigit`` also take ², ¹²³ and the Arabic-Indic digits, which ``int()`` then refuses
# (a crash) or reads as another number.
NUMBER_DIGITS = 18  # a number the kit turns into an int: at most this many digits


def is_number(text: str, most: int = NUMBER_DIGITS) -> bool:
    """``text`` is 1 to ``most`` ASCII digits (``str.isdigit`` alone takes ``²`` and ``٣``,
    and ``int()`` refuses a text of more than 4,300 digits)."""
    return 0 < len(text) <= most and text.isascii() and text.isdigit()


def within_calendar(moment: datetime) -> bool:
    """``moment`` can be shown in any time zone: ``9999-12-31T23:59-23:59`` is past year
    9999 in UTC, and converting it (a page's Copenhagen time) raised ``OverflowError``."""
    from datetime import timedelta, timezone

    try:
        moment.astimezone(timezone(timedelta(hours=14)))
        moment.astimezone(timezone(timedelta(hours=-14)))
    except (OverflowError, ValueError):
        return False
    return True
