"""What changed between two runs of one environment (``ngdpkit diff``, ``changes.json``).

Findings are matched by (code, source, location); mapping rows by (Mailbox ID, Subject ID);
the dispatcher by its parameters; the portal by its fields and its contact points (by GUID,
else by name); outputs by the digest the manifest gives them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError
from .runs import MAPPING_KEY, MAPPING_VALUES, RunView

SCHEMA = "ngdpkit/changes/1"
# Files every run rewrites even when nothing changed: not "outputs whose digest changed".
VOLATILE = ("audit.jsonl", "manifest.json", "changes.json", "dispatcher-config.json")


def _key(f: dict[str, Any]) -> tuple[str, str, str]:
    return (str(f.get("code", "")), str(f.get("source", "")), str(f.get("location", "")))


def _relative(text: str, a: RunView, b: RunView) -> str:
    """Sources name the run folder: compare them without it."""
    return text.replace(a.path.name, "<run>").replace(b.path.name, "<run>")


def findings_changes(a: RunView, b: RunView) -> tuple[list[dict], list[dict]]:
    before = {tuple(_relative(x, a, b) for x in _key(f)): f for f in a.findings}
    after = {tuple(_relative(x, a, b) for x in _key(f)): f for f in b.findings}

    def brief(f: dict[str, Any]) -> dict[str, Any]:
        return {k: f.get(k, "") for k in ("severity", "code", "source", "location", "message")}

    added = [brief(after[k]) for k in after if k not in before]
    resolved = [brief(before[k]) for k in before if k not in after]
    return added, resolved


def mapping_changes(a: RunView, b: RunView) -> list[dict[str, Any]]:
    """Mapping rows added, removed or changed, by (Mailbox ID, Subject ID), in key order.

    Whole tables at a time (a merge): a run of 100,000 mailboxes usually changes a few."""
    import pandas as pd

    keys, values = list(MAPPING_KEY), list(MAPPING_VALUES)
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in keys + values})
    old = a.mapping if a.mapping is not None else empty
    new = b.mapping if b.mapping is not None else empty
    merged = old.merge(new, on=keys, how="outer", suffixes=("\0a", "\0b"), indicator=True)
    for side in ("\0a", "\0b"):
        for f in values:
            merged[f + side] = merged[f + side].fillna("").astype(str)
    differs = merged["_merge"] != "both"
    for f in values:
        differs |= merged[f + "\0a"] != merged[f + "\0b"]
    # Key order as Python sorts text (by code point), which pandas' sort of text gives too.
    merged = merged[differs].sort_values(keys, kind="stable")
    kind = {"left_only": "removed", "right_only": "added", "both": "changed"}
    rows: list[dict[str, Any]] = []
    for row in merged.to_dict("records"):
        change: dict[str, Any] = {
            "mailbox_id": row[keys[0]],
            "subject_id": row[keys[1]],
            "change": kind[str(row["_merge"])],
        }
        for f in values:
            if row[f + "\0a"] != row[f + "\0b"]:
                change[f] = {"before": row[f + "\0a"], "after": row[f + "\0b"]}
        rows.append(change)
    return rows


def _values_changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"field": k, "before": before.get(k), "after": after.get(k)}
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    ]


def dispatcher_changes(a: RunView, b: RunView) -> list[dict[str, Any]]:
    def values(v: RunView) -> dict[str, Any]:
        d = v.dispatcher or {}
        return {**(d.get("parameters") or {}), "ready": d.get("ready") if d else None}

    return _values_changes(values(a), values(b))


def portal_changes(a: RunView, b: RunView) -> list[dict[str, Any]]:
    def values(v: RunView) -> dict[str, Any]:
        p = v.portal or {}
        out = {f"system.{k}": x for k, x in (p.get("system") or {}).items()}
        for c in p.get("contact_points") or []:
            name = c.get("id") or c.get("name")
            for k in ("name", "targets", "visible", "translations"):
                out[f"contact_point {name}.{k}"] = c.get(k)
        return out

    return _values_changes(values(a), values(b))


def output_changes(a: RunView, b: RunView) -> list[str]:
    def deliverables(v: RunView) -> dict[str, str]:
        return {
            k: d
            for k, d in v.manifest.items()
            if k not in VOLATILE and not k.startswith(("signoff/", "notebooks/", "steps/"))
        }

    da, db = deliverables(a), deliverables(b)
    changed = []
    for name in sorted(set(da) | set(db)):
        if da.get(name) == db.get(name):
            continue
        if name.endswith(".xlsx") and name in da and name in db:
            if _workbook_content(a.path / name) == _workbook_content(b.path / name):
                continue  # only the workbook's own save time and zip dates differ
        changed.append(name)
    return changed


def _workbook_content(path: Path) -> str | None:
    """What a workbook holds, without its document properties (they hold the time it was
    saved) and without the zip's own dates: each part's name, size and CRC-32 as the zip's
    directory lists them, so nothing is decompressed. It says whether the content moved;
    the manifest's SHA-256 of the whole file stays the record."""
    import hashlib
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            parts = sorted(
                (i.filename, i.file_size, i.CRC)
                for i in zf.infolist()
                if not i.filename.startswith("docProps/")
            )
    except (OSError, zipfile.BadZipFile):
        return None
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def changes(a: RunView, b: RunView) -> dict[str, Any]:
    """Everything that changed from run ``a`` to run ``b``."""
    if a.environment != b.environment:
        raise InputError(
            f"{b.path}: environment {b.environment!r}, but {a.path} is {a.environment!r}; "
            "diff compares two runs of one environment (use compare for test against production)"
        )
    added, resolved = findings_changes(a, b)
    return {
        "schema": SCHEMA,
        "environment": b.environment,
        "previous": {"run": a.path.name, "anchor": a.anchor, "status": a.status},
        "current": {"run": b.path.name, "anchor": b.anchor, "status": b.status},
        "findings_added": added,
        "findings_resolved": resolved,
        "mapping_changed": mapping_changes(a, b),
        "dispatcher_changed": dispatcher_changes(a, b),
        "portal_changed": portal_changes(a, b),
        "outputs_changed": output_changes(a, b),
    }


def diff_runs(run_a: Path, run_b: Path) -> dict[str, Any]:
    return changes(RunView.load(run_a), RunView.load(run_b))


def is_empty(change: dict[str, Any]) -> bool:
    return not any(
        change[k]
        for k in (
            "findings_added",
            "findings_resolved",
            "mapping_changed",
            "dispatcher_changed",
            "portal_changed",
            "outputs_changed",
        )
    )
