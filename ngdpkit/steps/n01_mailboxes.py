"""Step 01: the e-Boks mailbox export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .core import Step


def load_mailboxes(step: Step) -> Any:
    """Read the e-Boks export for this environment."""
    path = step.env.inputs.mailboxes
    assert path is not None  # required by the settings
    export = read_export(step, path, cache=step.tables)
    step.record_input(path)
    step.add(export.findings)
    step.set(
        source=export.source,
        sheet=export.sheet,
        count=len(export),
        blank_rows=export.blank_rows,
        guid_column_used=export.guid_column_used,
        mailboxes=export.frame,
        id_errors=tuple(str(row) for row in export.id_errors),
    )
    export.language = step.language
    return export


def read_export(step: Step, path: Path, *, cache: Any = None) -> Any:
    """The export at ``path`` read as this step's settings read it (sheet, columns, whose
    GUID column): what step 01 reads, and what ``nk.decide`` reads again to see whether an
    export saved again still holds the rows the session read."""
    from ..inputs.mailboxes import read_mailbox_export

    inputs = step.env.inputs
    own = inputs.mailboxes_in_environment or inputs.mailboxes_environment == step.env.name
    return read_mailbox_export(
        path,
        label=step.rel(path),
        sheet=inputs.mailboxes_sheet,
        columns=inputs.columns,
        use_guid_column=own,
        cache=cache,
    )
