"""A rehearsal's acceptance record as typed values: what ``acceptance.json`` holds (the flow
writes it, :func:`ngdpkit.rehearsal.flow.Acceptance.to_json`), step 06 stores as
``results.acceptance`` and a run reads from the newest verified rehearsal
(:class:`ngdpkit.run.neighbours.AcceptanceView`). The fields are the file's keys, in the
file's order; one reader for all three."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..findings import Finding, Sentence


@dataclass(frozen=True, slots=True)
class AcceptanceStep:
    """One part of the flow: its name (an i18n key), ok/skipped/failed, seconds, one line
    (``detail``, in English) and the sentences it is made of (``parts``; an older rehearsal
    wrote only the line)."""

    name: str
    status: str
    duration_s: float
    detail: str
    parts: tuple[Sentence, ...] = ()

    def text(self, language: str) -> str:
        """The detail in ``language``: its sentences, or the line as it was written when a
        sentence is not the kit's own."""
        texts = [p.text(language) for p in self.parts]
        if not texts or not all(texts):
            return self.detail
        return " ".join(texts)


@dataclass(frozen=True, slots=True)
class AcceptanceRecord:
    environment: str
    against: str  # "simulator" or "ngdp"
    status: str
    steps: tuple[AcceptanceStep, ...]
    memo_uuid: str | None
    reply_uuid: str | None
    findings: tuple[Finding, ...]

    @classmethod
    def of(cls, data: Any) -> AcceptanceRecord:
        """``acceptance.json`` as read (parsed JSON) as the typed record; a ValueError says
        what does not fit."""
        from .typed import structure

        record = structure(data, cls)
        if record.against not in ("simulator", "ngdp"):
            raise ValueError("against is neither simulator nor ngdp")
        return record


OVERRIDDEN = "NGDP_API_URL_OVERRIDDEN"


def sent_elsewhere(findings: Iterable[Finding]) -> bool:
    """Whether a rehearsal ``--against ngdp`` went where ``ngdp_api_url`` pointed, not to
    NgDP (its findings say so): it never counts as the acceptance test (checklist step 8),
    and its page and console say why."""
    return any(f.code == OVERRIDDEN for f in findings)


def _register_hooks() -> None:
    """A finding in an acceptance record is the object :meth:`Finding.to_dict` makes (its
    message in the language it was written in, kept as it is); a step's ``parts`` are left
    out when it has none, so an older record is written back as it was read."""
    from cattrs.gen import make_dict_unstructure_fn, override

    from .typed import converter

    def structure(data: Any, kind: Any) -> Finding:
        if not isinstance(data, dict):
            raise ValueError(f"a finding is a {type(data).__name__}")
        try:
            return Finding.from_dict(data)
        except KeyError as exc:
            raise ValueError(f"a finding has no {exc}") from exc

    converter.register_unstructure_hook(Finding, lambda f: f.to_dict())
    converter.register_structure_hook(Finding, structure)
    converter.register_unstructure_hook(
        AcceptanceStep,
        make_dict_unstructure_fn(AcceptanceStep, converter, parts=override(omit_if_default=True)),
    )


_register_hooks()
