"""What a step needs to write its deliverables: its files in the run folder (``outputs``)
and its pages in the sign-off (``pages``).

Each step module that delivers something defines

    def outputs(record, ctx: OutputContext) -> list[Path]      # files written, in order
    def pages(record, ctx: PageContext) -> dict[str, str]       # signoff/<name> -> HTML

and may define

    def prepare(record, language) -> dict[str, Markup]          # parts of its pages

for what its pages hold that depends on nothing but its record: the run renders it on a
thread while the later notebooks execute, and hands it to ``pages`` as ``ctx.prepared``.
A step whose ``outputs`` likewise need nothing but its record (not ``ctx.dispatcher``)
says so with ``OUTPUTS_AHEAD = True``: the run writes them on that thread too, as soon as
its notebook has ended (and again in the outputs phase if that failed).

and the run (:mod:`ngdpkit.run.environment`) loops over the steps calling them. The
run-level decisions a step cannot make alone (the dispatcher configuration after the
run's own findings, a leak that withholds it) arrive in the context.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..deliverables.dispatcher import DispatcherConfig


@dataclass(frozen=True)
class OutputContext:
    run_dir: Path
    language: str
    # The run's final dispatcher configuration (None: withheld), decided after every step.
    dispatcher: DispatcherConfig | None = None
    # The mapping CSV and workbook, written by the run (begun on its threads from notebook
    # 02's hand-over, made current in the outputs phase); returns both paths.
    mapping_files: Callable[[], list[Path]] = lambda: []
    system_id: str = ""  # the environment's receiving system, when known (the plan names it)


@dataclass(frozen=True)
class PageContext:
    language: str
    nav: Markup
    banners: tuple[str, ...]
    environment: str
    anchor: str
    authorization_env: str | None = None
    dispatcher: DispatcherConfig | None = None  # None when withheld (or leaked)
    withheld_by: tuple[str, ...] = ()
    prepared: dict[str, Markup] = field(default_factory=dict)  # from the step's ``prepare``
    # this environment's contact points' names by GUID: the dispatcher's ContactPointGuid is
    # named beside it (a customer's cold read saw a GUID and nothing of what it is)
    contact_point_names: Mapping[str, str] = field(default_factory=dict)

    def common(self) -> dict[str, Any]:
        """What every page of the sign-off is given: language, navigation, banners, anchor."""
        return {
            "language": self.language,
            "nav": self.nav,
            "banners": self.banners,
            "anchor": self.anchor,
        }
