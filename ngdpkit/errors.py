"""The kit's exceptions.

Outcomes are data: a bad value in good input is a :class:`~ngdpkit.findings.Finding`.
Only input the kit cannot use at all raises, and it raises one of these::

    NgdpkitError
    ├── InputError      refused before any work (exit 2); holds every problem found
    │   └── SettingsRefused   a settings file that is no settings: its kind and keys
    └── StepCrashed     a notebook or a step of the kit failed (exit 3)

Third-party errors (openpyxl, calamine, cryptography, tomllib) are translated into
these at the boundary where the file is read, with ``raise ... from exc``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

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
        self.english: tuple[Sentence, ...] = ()
        super().__init__("; ".join(self.problems))

    @classmethod
    def said(cls, sentences: Sequence[Sentence], *, english: Sequence[Sentence] = ()) -> InputError:
        """The refusal of ``sentences`` (the catalogue's): its problems in English, as
        always, and :meth:`text` in another language (a Danish screen shows them in Danish).
        ``english``: what an English screen says instead, when it says more (a library's or
        the settings loader's own English words, which a Danish sentence does not carry)."""
        in_english = tuple(english) or tuple(sentences)
        error = cls([s.text("en") for s in in_english])
        error.sentences = tuple(sentences)
        error.english = in_english
        return error

    def text(self, language: str) -> str:
        """The problems in ``language`` when they were said as sentences, else as written."""
        if not self.sentences:
            return str(self)
        chosen = self.english if language == "en" and self.english else self.sentences
        return "; ".join(s.text(language) for s in chosen)


# What kind of problem a settings file that is no settings has (:class:`SettingsRefused`)
RefusalKind = Literal["text", "files", "keys"]


class SettingsRefused(InputError):
    """A settings file that does not read as settings (:func:`ngdpkit.settings.load_settings`),
    with what kind of problem it is and the keys it is in, for a refusal that says it in any
    language without a value (a value may be a secret or a CPR number typed in the wrong key).

    Args:
        problems: the loader's lines, in English.
        kind: ``"text"`` (not TOML the kit can read: not UTF-8, a syntax error, too large),
            ``"files"`` (a file a key names is not there) or ``"keys"`` (a key or its value).
        keys: the dotted keys at fault (of ``"files"``: those naming a missing file).
        line: the line of a syntax or encoding error, when known (0 otherwise).
        suggested: an unknown key's dotted name to the key of its table it was taken for
            ("did you mean"): a name the kit knows, never a value.
        looked_for: a key naming a file that is not there, to its value as written (the
            consultant's own text; a refusal hides a CPR-shaped number in it).
    """

    def __init__(
        self,
        problems: list[str] | str,
        *,
        kind: RefusalKind,
        keys: Sequence[str] = (),
        line: int = 0,
        suggested: Mapping[str, str] | None = None,
        looked_for: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(problems)
        self.kind = kind
        self.keys = tuple(dict.fromkeys(keys))
        self.line = line
        self.suggested = dict(suggested or {})
        self.looked_for = dict(looked_for or {})

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled whole (an exception is rebuilt from its args, which lack the keywords)."""
        return (
            _settings_refused,
            (self.problems, self.kind, self.keys, self.line, self.suggested, self.looked_for),
        )


def _settings_refused(
    problems: list[str],
    kind: RefusalKind,
    keys: Sequence[str],
    line: int,
    suggested: Mapping[str, str] | None = None,
    looked_for: Mapping[str, str] | None = None,
) -> SettingsRefused:
    return SettingsRefused(
        problems, kind=kind, keys=keys, line=line, suggested=suggested, looked_for=looked_for
    )


class StepCrashed(NgdpkitError):
    """A notebook or a step crashed: exit code 3."""

    def __init__(self, step: str, reason: str) -> None:
        self.step = step
        self.reason = reason
        super().__init__(f"{step} crashed: {reason}")
