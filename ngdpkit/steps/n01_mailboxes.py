"""Step 01: the e-Boks mailbox export."""

from __future__ import annotations

from typing import Any

from .core import Step


def load_mailboxes(step: Step) -> Any:
    """Read the e-Boks export for this environment."""
    from ..inputs.mailboxes import read_mailbox_export

    inputs = step.env.inputs
    path = inputs.mailboxes
    assert path is not None  # required by the settings
    own = inputs.mailboxes_in_environment or inputs.mailboxes_environment == step.env.name
    export = read_mailbox_export(
        path,
        label=step.rel(path),
        sheet=inputs.mailboxes_sheet,
        columns=inputs.columns,
        use_guid_column=own,
        cache=step.tables,
    )
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
