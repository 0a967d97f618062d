"""The kit's exceptions.

Outcomes are data: a bad value in good input is a :class:`~ngdpkit.findings.Finding`.
Only input the kit cannot use at all raises, and it raises one of these::

    NgdpkitError
    ├── InputError      refused before any work (exit 2); holds every problem found
    └── StepCrashed     a notebook or a step of the kit failed (exit 3)

Third-party errors (openpyxl, calamine, cryptography, tomllib) are translated into
these at the boundary where the file is read, with ``raise ... from exc``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .findings import Sentence


class NgdpkitError(Exception):
    """Base class of every error the kit raises on purpose."""


class InputError(NgdpkitError):
    """The input was refused before any work: exit code 2.

    Args:
        problems: one line per problem, each naming the file, the row and the value.
    """

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.sentences: tuple[Sentence, ...] = ()
        super().__init__("; ".join(self.problems))

    @classmethod
    def said(cls, sentences: Sequence[Sentence]) -> InputError:
        """The refusal of ``sentences`` (the catalogue's): its problems in English, as
        always, and :meth:`text` in another language (a Danish screen shows them in Danish)."""
        error = cls([s.text("en") for s in sentences])
        error.sentences = tuple(sentences)
        return error

    def text(self, language: str) -> str:
        """The problems in ``language`` when they were said as sentences, else as written."""
        if not self.sentences:
            return str(self)
        return "; ".join(s.text(language) for s in self.sentences)


class StepCrashed(NgdpkitError):
    """A notebook or a step crashed: exit code 3."""

    def __init__(self, step: str, reason: str) -> None:
        self.step = step
        self.reason = reason
        super().__init__(f"{step} crashed: {reason}")
