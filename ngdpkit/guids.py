"""GUIDs in their one normal form (contract §10): lower-case, no braces, no spaces.

Untrusted text becomes a GUID here, once, at the edge; everything after compares and
writes the normal form.
"""

from __future__ import annotations

import re

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def canonical_guid(value: str) -> str | None:
    """A GUID in canonical lower-case form, or None when it is not one (braces and case are fine)."""
    text = value.strip().strip("{}").strip().lower()
    return text if UUID.match(text) else None


def normal_or_raw(value: str | None) -> str | None:
    """The normal form of a GUID setting, or the trimmed text when it is no GUID (its check
    reports ``*_INVALID``); None stays None and a blank becomes None."""
    if value is None:
        return None
    return canonical_guid(value) or (value.strip() or None)
