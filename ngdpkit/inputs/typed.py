"""One cattrs converter for the kit's typed records (nested frozen dataclasses).

Records are written to JSON with :data:`converter` (``unstructure``: tuples become lists,
nested records objects) and read back with :func:`structure`, which turns any mismatch in
a file (a wrong type, a missing field, a record nested too deeply) into one ``ValueError``
naming what is wrong, so that a damaged or hand-edited file is refused, never half-read.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

T = TypeVar("T")

converter = cattrs.Converter(forbid_extra_keys=False)


def structure(data: Any, kind: type[T]) -> T:
    """``data`` (parsed JSON) as a ``kind`` record; a ValueError says why it is not one."""
    try:
        return converter.structure(data, kind)
    except (cattrs.BaseValidationError, TypeError, ValueError, KeyError, AttributeError) as exc:
        detail = (
            "; ".join(cattrs.transform_error(exc))
            if isinstance(exc, cattrs.BaseValidationError)
            else str(exc)
        )
        raise ValueError(f"not a {kind.__name__}: {detail[:300]}") from exc
    except RecursionError as exc:
        raise ValueError(f"not a {kind.__name__}: nested too deeply") from exc


def unstructure(record: Any) -> Any:
    """``record`` as plain JSON values."""
    return converter.unstructure(record)
