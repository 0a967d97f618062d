"""One cattrs converter for the kit's typed records (nested frozen dataclasses).

Records are written to JSON with :data:`converter` (``unstructure``: tuples become lists,
nested records objects) and read back with :func:`structure`, which turns any mismatch in
a file (a wrong type, a missing field, a record nested too deeply) into one ``ValueError``
naming what is wrong, so that a damaged or hand-edited file is refused, never half-read.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from ..redact import shortened

T = TypeVar("T")

converter = cattrs.Converter(forbid_extra_keys=False)


def _strings_as_they_are() -> None:
    """``tuple[str, ...]`` from a list that holds only texts, taken as it is: the converter's
    own hook reads each value through ``str`` (step 04's portal registration lists 100,000
    translations at 100,000 mailboxes: 0.2 s). Anything else goes to that hook, unchanged,
    and is read or refused as before."""
    kind = tuple[str, ...]
    general = converter.get_structure_hook(kind)

    def structure(value: Any, _: Any) -> tuple[str, ...]:
        if type(value) is list and all(type(v) is str for v in value):
            return tuple(value)
        strings: tuple[str, ...] = general(value, kind)
        return strings

    converter.register_structure_hook_func(lambda t: t == kind, structure)


_strings_as_they_are()


def strict_scalars(converter: cattrs.Converter) -> None:
    """A text, a whole number, a number and a yes/no are each read only from their own JSON
    kind. cattrs' own hooks convert (``str(3)``, ``int("7")``, ``int(2.9)``, ``bool("no")``),
    so a hand-edited file with a number where a text belongs, or ``"false"`` where a yes/no
    does, would be read as something it does not say."""

    def exact(kind: type, accepted: tuple[type, ...]) -> None:
        def structure(value: Any, _: Any) -> Any:
            if type(value) in accepted:
                return kind(value)
            raise TypeError(f"a {type(value).__name__} where a {kind.__name__} belongs")

        converter.register_structure_hook(kind, structure)

    exact(str, (str,))
    exact(int, (int,))
    exact(float, (int, float))
    exact(bool, (bool,))


strict_scalars(converter)


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
        raise ValueError(f"not a {kind.__name__}: {shortened(detail, 300)}") from exc
    except RecursionError as exc:
        raise ValueError(f"not a {kind.__name__}: nested too deeply") from exc


def unstructure(record: Any) -> Any:
    """``record`` as plain JSON values."""
    return converter.unstructure(record)
