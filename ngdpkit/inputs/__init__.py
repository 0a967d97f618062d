"""Reading untrusted inputs: the files a consultant or customer hands the kit."""

# ASCII digits, for a regular expression: Python's ``\d`` also takes ², ¹²³ and the
# Arabic-Indic digits, which ``int()`` then refuses (a crash) or reads as another number.
DIGITS = "[0-9]"
NUMBER_DIGITS = 18  # a number the kit turns into an int: at most this many digits


def is_number(text: str, most: int = NUMBER_DIGITS) -> bool:
    """``text`` is 1 to ``most`` ASCII digits (``str.isdigit`` alone takes ``²`` and ``٣``,
    and ``int()`` refuses a text of more than 4,300 digits)."""
    return 0 < len(text) <= most and text.isascii() and text.isdigit()
