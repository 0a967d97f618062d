"""The step records and the settings schema: each declared once, typed, and strict."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ngdpkit.errors import InputError
from ngdpkit.settings import (
    Checks,
    Environment,
    Inputs,
    Organisation,
    Rehearsal,
    Server,
    Settings,
    schema,
)
from ngdpkit.steps import STEP_MODULES, STEP_NAMES
from ngdpkit.steps.records import (
    RECORDS,
    ContactPointsRecord,
    StepFile,
    read_step,
    support_facts,
    write_step_file,
)


def test_every_step_has_a_record_and_the_run_loops_over_the_step_modules() -> None:
    assert set(STEP_NAMES) < set(RECORDS) and tuple(STEP_MODULES) == STEP_NAMES
    for name, kind in RECORDS.items():
        assert kind.step == name and dataclasses.is_dataclass(kind)
        assert set(kind.support) <= {f.name for f in dataclasses.fields(kind)}
    # Deliverables live with the step that makes them.
    assert {n for n, m in STEP_MODULES.items() if hasattr(m, "outputs")} == {
        "02_contact_points",
        "03_certificate",
        "04_system_and_network",
        "05_dispatcher_config",
    }
    assert {n for n, m in STEP_MODULES.items() if hasattr(m, "pages")} == {
        "04_system_and_network",
        "05_dispatcher_config",
    }


def test_a_misspelt_field_is_an_error_not_a_new_attribute() -> None:
    record = ContactPointsRecord()
    with pytest.raises(AttributeError):
        record.maping = None  # type: ignore[attr-defined]


def test_a_step_file_round_trips_with_its_table_as_parquet(tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame({"mailbox_id": ["0100233"], "status": ["mapped"]})
    rec = ContactPointsRecord(mapping=frame, counts={"mapped": 1}, plan=[])
    path = write_step_file(
        tmp_path,
        "02_contact_points",
        {"status": "ok", "findings": [], "inputs_read": [], "results": rec.fields()},
    )
    assert (tmp_path / "02_contact_points.mapping.parquet").is_file()
    back = read_step(path)
    assert isinstance(back, StepFile) and isinstance(back.record, ContactPointsRecord)
    assert back.record.mapping["mailbox_id"].tolist() == ["0100233"]  # leading zero kept
    assert back.record.counts == {"mapped": 1}
    assert support_facts(path)["results"] == {"counts": {"mapped": 1}}


def test_a_table_is_read_when_its_field_is_first_used(tmp_path: Path) -> None:
    """A later step that needs only a step's findings never parses its 100,000-row tables:
    reading the step file leaves each table in its Parquet file until the field is used."""
    import pandas as pd

    from ngdpkit.steps.records import StoredTable

    frame = pd.DataFrame({"mailbox_id": ["0100233", "0100234"], "status": ["mapped", "unmapped"]})
    rec = ContactPointsRecord(mapping=frame, suggestions=frame.head(1), counts={"mapped": 1})
    path = write_step_file(
        tmp_path,
        "02_contact_points",
        {"status": "ok", "findings": [], "inputs_read": [], "results": rec.fields()},
    )
    back = read_step(path).record
    stored = object.__getattribute__(back, "mapping")
    assert isinstance(stored, StoredTable) and stored.rows == 2
    assert back.counts == {"mapped": 1}  # a plain field, the tables untouched
    assert isinstance(object.__getattribute__(back, "suggestions"), StoredTable)
    assert back.mapping["mailbox_id"].tolist() == ["0100233", "0100234"]
    assert isinstance(object.__getattribute__(back, "mapping"), pd.DataFrame)  # read once
    assert back.mapping is back.mapping
    (tmp_path / "02_contact_points.suggestions.parquet").unlink()
    with pytest.raises(InputError, match="02_contact_points.suggestions.parquet is missing"):
        read_step(path)


def _todo() -> object:
    from ngdpkit.checks.ngdp_compare import PortalTodo, TodoContactPoint, TodoEntry

    entries = (
        TodoEntry("add", "0100200", "", "Byg", "missing"),
        TodoEntry("add", "300", "7", "Vej", "elsewhere"),
        TodoEntry("add", "0400", "", "Skole", "missing"),
        TodoEntry("remove", "500", "", "", "retired"),
    )
    return PortalTodo(True, (TodoContactPoint("g", "A", entries), TodoContactPoint("h", "B")))


def test_the_portal_todo_is_stored_with_each_runs_words_once_and_read_back_whole() -> None:
    """Issue 31: offline every entry said "not_verified"/"offline" and named its five keys
    (14.6 MB at 100,000 mailboxes); stored, a run of entries sharing action and reason says
    them once, and the entries come back in their order."""
    import json

    from ngdpkit.checks.ngdp_compare import PortalTodo
    from ngdpkit.inputs.typed import structure, unstructure

    todo = _todo()
    stored = unstructure(todo)
    text = json.dumps(stored)
    assert text.count('"add"') == 3 and text.count('"missing"') == 2  # one per run
    assert "entries" not in text and 'mailbox_name"' not in text
    assert structure(json.loads(text), PortalTodo) == todo
    # a to-do an earlier kit wrote, every entry whole, is read as it was
    whole = dataclasses.asdict(todo)  # type: ignore[call-overload]
    assert structure(whole, PortalTodo) == todo
    bad = json.loads(text)
    bad["contact_points"][0]["runs"][1]["emner"] = ["7", "8"]
    with pytest.raises(ValueError, match="postkasser but other counts"):
        structure(bad, PortalTodo)


def test_step_04_names_step_02s_portal_todo_instead_of_storing_it_again(tmp_path: Path) -> None:
    import json

    from ngdpkit.steps.records import StoredShared, SystemRecord, read_step_file

    todo = _todo()
    for rec in (ContactPointsRecord(portal_todo=todo), SystemRecord(portal_todo=todo)):  # type: ignore[arg-type]
        write_step_file(
            tmp_path,
            rec.step,
            {"status": "ok", "findings": [], "inputs_read": [], "results": rec.fields()},
        )
    path = tmp_path / "04_system_and_network.json"
    stored = json.loads(path.read_text("utf-8"))["results"]["portal_todo"]
    assert stored == {"stored_in": "02_contact_points"}
    back = read_step(path).record
    assert isinstance(object.__getattribute__(back, "portal_todo"), StoredShared)
    assert back.portal_todo == todo  # read from step 02's file when first used
    assert read_step_file(path)["results"]["portal_todo"]["contact_points"][0]["id"] == "g"
    assert (
        SystemRecord().portal_todo is None
        and read_step(
            write_step_file(
                tmp_path,
                "04_system_and_network",
                {
                    "status": "ok",
                    "findings": [],
                    "inputs_read": [],
                    "results": SystemRecord().fields(),
                },
            )
        ).record.portal_todo
        is None
    )


def test_a_record_of_the_wrong_kind_is_refused() -> None:
    with pytest.raises(InputError, match="counts is a list"):
        ContactPointsRecord.from_results({"counts": [1, 2]})
    # a key an older kit wrote and this one no longer knows is left out, not refused
    assert ContactPointsRecord.from_results({"old_key": 1}).counts == {}


def test_the_settings_schema_is_the_dataclasses_fields() -> None:
    def keys(cls: type) -> set[str]:
        return {f.name for f in dataclasses.fields(cls) if f.metadata.get("key") is not False}

    assert set(schema(Organisation)) == keys(Organisation)
    assert set(schema(Checks)) == keys(Checks) and schema(Checks)["probe_timeout_s"] == "a number"
    assert set(schema(Rehearsal)) == keys(Rehearsal)
    assert set(schema(Server)) == keys(Server)
    assert set(schema(Settings)) == keys(Settings)
    # An environment's own keys include the inputs it may override (flattened).
    assert set(schema(Environment)) == (keys(Environment) - {"inputs"}) | keys(Inputs)
    assert "mailboxes_in_environment" not in schema(Environment)


def test_step_02s_portal_todo_is_structured_when_first_read_and_planned_per_contact_point(
    tmp_path: Path,
) -> None:
    """Issue 31: notebooks 04 and 05 read step 02's record without its to-do (99,000
    entries offline at 100,000 mailboxes), so it is structured only when used; offline it
    lists each contact point's mapped rows in the mapping's order, the contact points by name
    (ties in order of first appearance)."""
    import pandas as pd

    from ngdpkit.checks.ngdp_compare import PortalTodo, planned_todo
    from ngdpkit.steps.records import StoredTyped

    todo = _todo()
    write_step_file(
        tmp_path,
        "02_contact_points",
        {
            "status": "ok",
            "findings": [],
            "inputs_read": [],
            "results": ContactPointsRecord(portal_todo=todo).fields(),  # type: ignore[arg-type]
        },
    )
    back = read_step(tmp_path / "02_contact_points.json").record
    assert isinstance(object.__getattribute__(back, "portal_todo"), StoredTyped)
    assert back.portal_todo == todo and isinstance(back.portal_todo, PortalTodo)
    mapping = pd.DataFrame(
        {
            "mailbox_id": ["1", "2", "3", "4", "5", None],
            "subject_id": ["", "7", None, "", "", ""],
            "mailbox_name": ["a", "b", "c", None, "e", "f"],
            "ngdp_guid": ["g2", "g1", "g2", "", "g3", "g1"],
            "status": ["mapped", "mapped", "mapped", "mapped", "retired", "mapped"],
        }
    )
    planned = planned_todo(mapping, {"g1": "B", "g2": "B"})
    assert not planned.verified
    assert [(c.id, c.name) for c in planned.contact_points] == [("g2", "B"), ("g1", "B")]
    assert [
        (e.action, e.postkasse, e.emne, e.mailbox_name, e.reason)
        for e in planned.contact_points[1].entries
    ] == [("not_verified", "2", "7", "b", "offline"), ("not_verified", "", "", "f", "offline")]
    assert [e.emne for e in planned.contact_points[0].entries] == ["", ""]
    assert planned_todo(mapping.drop(columns=["status"]), {}) == PortalTodo(False, ())


def test_a_run_reads_a_shared_field_once_for_both_steps(tmp_path: Path) -> None:
    """Step 04's to-do linked to step 02's record, already read: one read, one object."""
    from ngdpkit.steps.records import LinkedShared, SystemRecord

    todo = _todo()
    for rec in (ContactPointsRecord(portal_todo=todo), SystemRecord(portal_todo=todo)):  # type: ignore[arg-type]
        write_step_file(
            tmp_path,
            rec.step,
            {"status": "ok", "findings": [], "inputs_read": [], "results": rec.fields()},
        )
    step_02 = read_step(tmp_path / "02_contact_points.json").record
    step_04 = read_step(tmp_path / "04_system_and_network.json").record
    step_04.link(step_02)
    assert isinstance(object.__getattribute__(step_04, "portal_todo"), LinkedShared)
    (tmp_path / "02_contact_points.json").unlink()  # not read again: step 02's record holds it
    assert step_04.portal_todo is step_02.portal_todo
    assert step_04.portal_todo == todo
