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


def _steps_02_and_04_sharing_a_todo(folder: Path) -> object:
    """Step 02's and step 04's files in ``folder``, both holding the same portal to-do."""
    from ngdpkit.steps.records import SystemRecord

    todo = _todo()
    for rec in (ContactPointsRecord(portal_todo=todo), SystemRecord(portal_todo=todo)):  # type: ignore[arg-type]
        write_step_file(
            folder,
            rec.step,
            {"status": "ok", "findings": [], "inputs_read": [], "results": rec.fields()},
        )
    return todo


def test_step_04_names_step_02s_portal_todo_instead_of_storing_it_again(tmp_path: Path) -> None:
    import json

    from ngdpkit.steps.records import StoredShared, SystemRecord, read_step_file

    todo = _steps_02_and_04_sharing_a_todo(tmp_path)
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
    from ngdpkit.steps.records import LinkedShared

    todo = _steps_02_and_04_sharing_a_todo(tmp_path)
    step_02 = read_step(tmp_path / "02_contact_points.json").record
    step_04 = read_step(tmp_path / "04_system_and_network.json").record
    step_04.link(step_02)
    assert isinstance(object.__getattribute__(step_04, "portal_todo"), LinkedShared)
    (tmp_path / "02_contact_points.json").unlink()  # not read again: step 02's record holds it
    assert step_04.portal_todo is step_02.portal_todo
    assert step_04.portal_todo == todo


def test_the_portal_todo_is_counted_and_written_from_its_stored_runs_without_records(
    tmp_path: Path,
) -> None:
    """Issue 31: offline at 100,000 mailboxes the to-do holds 99,000 translations; the run
    writes portal-todo.xlsx and counts the portal page from the runs its file stores. Read
    through step 04's link, no record is made of an entry, and every column, row and count is
    the one the whole to-do gives."""
    import json

    from ngdpkit.checks.ngdp_compare import (
        PortalTodo,
        StoredTodo,
        compact_todo,
        stored_json,
    )
    from ngdpkit.deliverables.outputs import TODO_WORDS, portal_todo_columns, portal_todo_rows
    from ngdpkit.inputs.typed import converter, unstructure
    from ngdpkit.steps.records import StoredTyped

    todo = _steps_02_and_04_sharing_a_todo(tmp_path)
    assert isinstance(todo, PortalTodo)
    step_02 = read_step(tmp_path / "02_contact_points.json").record
    step_04 = read_step(tmp_path / "04_system_and_network.json").record
    step_04.link(step_02)
    compact = step_04.stored("portal_todo", compact_todo)
    assert isinstance(compact, StoredTodo)
    assert type(object.__getattribute__(step_02, "portal_todo")) is StoredTyped  # still unread
    # the stored form read without the converter is the converter's own reading
    raw = json.loads(json.dumps(unstructure(todo)))
    assert converter.structure(raw, StoredTodo) == compact
    # and written as the converter would write it, without its per-value copy
    assert stored_json(compact) == converter.unstructure(compact) == raw
    assert compact.count == todo.count == 4
    assert [cp.action_counts() for cp in compact.contact_points] == [{"add": 3, "remove": 1}, {}]
    for language in ("da", "en"):
        whole = [
            [cp.name, cp.id, e.action, e.postkasse, e.emne, e.mailbox_name, e.reason]
            for cp in todo.contact_points
            for e in cp.entries
        ]
        rows = portal_todo_rows(compact, language)
        assert rows == portal_todo_rows(todo, language)
        assert [[r[0], r[1], r[3], r[4], r[5]] for r in rows] == [
            [w[0], w[1], w[3], w[4], w[5]] for w in whole
        ]
        assert rows[0][2] == ("tilføj" if language == "da" else "add")
        headers = TODO_WORDS[language]["headers"]
        assert list(portal_todo_columns(raw, language)) == [str(h) for h in headers]
    # an earlier kit's form (every entry whole) is read whole, then counted the same: as
    # records and as the JSON its file holds (never taken for a to-do without runs)
    whole = dataclasses.asdict(todo)  # type: ignore[call-overload]
    assert compact_todo(whole) == compact == compact_todo(json.loads(json.dumps(whole)))


def test_a_damaged_stored_todo_is_refused_as_reading_the_field_refuses_it(tmp_path: Path) -> None:
    import json

    from ngdpkit.checks.ngdp_compare import compact_todo
    from ngdpkit.inputs.typed import unstructure

    raw = unstructure(_todo())
    raw["contact_points"][0]["runs"][1]["emner"] = ["7", "8"]  # two emner for one postkasse
    path = tmp_path / "02_contact_points.json"
    path.write_text(json.dumps({"status": "ok", "results": {"portal_todo": raw}}), "utf-8")
    record = read_step(path).record
    with pytest.raises(InputError, match="^step record ContactPointsRecord: portal_todo is "):
        record.stored("portal_todo", compact_todo)


# --- issue 30: every payload a nested frozen record, every step record frozen --------------

DISPATCHER = {
    "schema": "ngdpkit/dispatcher-config/1",
    "ready": False,
    "blocking": ["MAPPING_UNMAPPED"],
    "environment": "test",
    "kind": "test",
    "organisation": {"name": "Testkommune", "cvr": "98765433"},
    "ngdp": {
        "api_base_url": "https://api.test.digitalpost.dk/apis/v1",
        "address": "https://api.test.digitalpost.dk",
        "system_id": None,
        "protocol": "REST_PUSH",
    },
    "push": {"receipt_endpoint": "https://p/r", "message_endpoint": "https://p/m"},
    "parameters": {
        "ContactPointGuid": "0e3f7507-6c3a-5658-910d-f93aafd577e7",
        "SystemId": None,
        "Protocol": "REST_PUSH",
        "ApiBaseUrl": "https://api.test.digitalpost.dk",
        "CertificateThumbprint": "A" * 40,
        "CertificateStore": "LocalMachine\\My",
    },
    "note": "a note",
    "certificate": {
        "thumbprint_sha1": "A" * 40,
        "sha256": "B" * 64,
        "subject": "CN=x",
        "issuer": "CN=y",
        "serial_number": "12",
        "not_after": "2029-01-01T00:00:00Z",
        "cvr": "98765433",
    },
    "authorization": {"variable": "NGDPKIT_TEST_AUTHORIZATION", "handover": None, "note": "n"},
    "mailbox_mapping": {"rows": 2, "file": "mailbox-mapping.csv", "sha256": None},
    "generated_at": "2026-12-05T00:59:22Z",
    "kit_version": "0.2.0",
    "run_id": "20261205T005918Z-c10f2b",
}
PORTAL = {
    "schema": "ngdpkit/portal-registration/1",
    "environment": "test",
    "kind": "test",
    "portal": "https://admin.digitalpost.dk (Administrativ Adgang)",
    "system": {
        "name": "WorkZone test",
        "protocol": "REST_PULL",
        "allowed_ips": ["192.0.2.10"],
        "endpoints": None,
        "receipt_format": "MEMO",
        "system_id": None,
    },
    "contact_points": [
        {
            "name": "Borgerservice",
            "id": "0e3f7507-6c3a-5658-910d-f93aafd577e7",
            "targets": ["CITIZEN"],
            "visible": True,
            "translations": ["0100233", "0100234:2"],
            "existing_not_mapped": [],
        },
        {
            "name": "Skole",
            "targets": ["CITIZEN", "COMPANY"],
            "visible": False,
            "translations": ["300"],
            "proposed": True,
        },
    ],
    "notes": ["one", "two"],
}
CONTACT_POINTS = [
    {
        "id": "0e3f7507-6c3a-5658-910d-f93aafd577e7",
        "name": "Borgerservice",
        "targets": ["CITIZEN"],
        "active": True,
        "visible": True,
        "system_id": None,
        "translations": [[100233, None], [100234, 2]],
        "location": "Kontaktpunkter!2",
    }
]
ACCEPTANCE = {
    "environment": "test",
    "against": "simulator",
    "status": "warnings",
    "steps": [{"name": "send", "status": "ok", "duration_s": 0.25, "detail": "sent"}],
    "memo_uuid": "11111111-2222-4333-8444-555555555555",
    "reply_uuid": None,
    "findings": [
        {
            "severity": "warning",
            "code": "REHEARSAL_X",
            "message": "Noget skete.",
            "source": "rehearsal",
            "location": "",
            "params": {"n": "2"},
            "template": "Something happened.",
        }
    ],
}
# step, field, the value as the step file holds it, the typed record's class
PAYLOADS = [
    ("05_dispatcher_config", "dispatcher", DISPATCHER, "DispatcherConfig"),
    ("04_system_and_network", "portal", PORTAL, "PortalRegistration"),
    ("02_contact_points", "contact_points", CONTACT_POINTS, "tuple"),
    ("02_contact_points", "counts", {"mapped": 199, "retired": 1}, "MappingCounts"),
    ("06_rehearsal", "acceptance", ACCEPTANCE, "AcceptanceRecord"),
]


@pytest.mark.parametrize(("step", "name", "value", "kind"), PAYLOADS)
def test_each_payload_reads_as_its_frozen_record_and_writes_the_same_json(
    tmp_path: Path, step: str, name: str, value: object, kind: str
) -> None:
    """The step file's JSON is the contract's: written back from the typed record, each
    payload has the same keys in the same order (a dict here, as the file holds it)."""
    import json

    record = RECORDS[step].from_results({name: json.loads(json.dumps(value))})
    typed = getattr(record, name)
    assert type(typed).__name__ == kind and not isinstance(typed, dict | list)
    for item in typed if isinstance(typed, tuple) else (typed,):
        assert dataclasses.is_dataclass(item)
        with pytest.raises(dataclasses.FrozenInstanceError):  # frozen, all the way down
            setattr(item, dataclasses.fields(item)[0].name, "x")
    path = write_step_file(
        tmp_path,
        step,
        {"status": "ok", "findings": [], "inputs_read": [], "results": {name: typed}},
    )
    stored = json.loads(path.read_text("utf-8"))["results"][name]
    assert json.dumps(stored) == json.dumps(value)  # keys, their order and the values
    assert getattr(read_step(path).record, name) == typed


def test_the_typed_payloads_read_by_attribute() -> None:
    from ngdpkit.inputs.acceptance import AcceptanceRecord
    from ngdpkit.steps.records import DispatcherRecord, RehearsalRecord, SystemRecord

    config = DispatcherRecord.from_results({"dispatcher": DISPATCHER}).dispatcher
    assert config is not None and config.push is not None
    assert config.parameters.ContactPointGuid == DISPATCHER["parameters"]["ContactPointGuid"]  # type: ignore[index]
    assert config.parameters.pairs()[0] == ("ContactPointGuid", config.parameters.ContactPointGuid)
    assert config.mailbox_mapping.rows == 2 and config.blocking == ("MAPPING_UNMAPPED",)
    portal = SystemRecord.from_results({"portal": PORTAL}).portal
    assert portal is not None and [c.proposed for c in portal.contact_points] == [False, True]
    assert portal.contact_points[1].id is None and portal.system.allowed_ips == ("192.0.2.10",)
    points = ContactPointsRecord.from_results({"contact_points": CONTACT_POINTS}).contact_points
    assert points is not None and points[0].translations == ((100233, None), (100234, 2))
    counts = ContactPointsRecord.from_results({"counts": {"mapped": 199, "retired": 1}}).counts
    assert (counts.mapped, counts.retired, counts.unmapped) == (199, 1, 0)
    assert list(counts) == ["mapped", "retired"] and counts == {"retired": 1, "mapped": 199}
    acceptance = RehearsalRecord.from_results({"acceptance": ACCEPTANCE}).acceptance
    assert isinstance(acceptance, AcceptanceRecord) and acceptance.steps[0].duration_s == 0.25
    finding = acceptance.findings[0]
    assert (finding.code, finding.message, finding.params) == (
        "REHEARSAL_X",
        "Noget skete.",
        {"n": "2"},
    )


def _damaged(value: object, path: tuple[object, ...], new: object) -> object:
    import copy

    out = copy.deepcopy(value)
    target = out
    for key in path[:-1]:
        target = target[key]  # type: ignore[index]
    if new is KeyError:
        del target[path[-1]]  # type: ignore[attr-defined]
    else:
        target[path[-1]] = new  # type: ignore[index]
    return out


@pytest.mark.parametrize(
    ("step", "name", "value", "record"),
    [
        ("05_dispatcher_config", "dispatcher", _damaged(DISPATCHER, ("blocking",), 5), "DispatcherRecord"),
        ("05_dispatcher_config", "dispatcher", _damaged(DISPATCHER, ("parameters",), KeyError), "DispatcherRecord"),
        ("05_dispatcher_config", "dispatcher", ["a list"], "DispatcherRecord"),
        ("04_system_and_network", "portal", _damaged(PORTAL, ("contact_points", 0, "name"), KeyError), "SystemRecord"),
        ("04_system_and_network", "portal", _damaged(PORTAL, ("system", "allowed_ips"), 7), "SystemRecord"),
        ("02_contact_points", "contact_points", _damaged(CONTACT_POINTS, (0, "translations"), [["x", 1]]), "ContactPointsRecord"),
        ("02_contact_points", "contact_points", _damaged(CONTACT_POINTS, (0, "targets"), "CITIZEN"), "ContactPointsRecord"),
        ("02_contact_points", "contact_points", [None], "ContactPointsRecord"),
        ("02_contact_points", "contact_points", {"a": 1}, "ContactPointsRecord"),
        ("02_contact_points", "counts", {"mapped": "199"}, "ContactPointsRecord"),
        ("02_contact_points", "counts", {"mapped": True}, "ContactPointsRecord"),
        ("06_rehearsal", "acceptance", _damaged(ACCEPTANCE, ("steps", 0, "duration_s"), "fast"), "RehearsalRecord"),
        ("06_rehearsal", "acceptance", _damaged(ACCEPTANCE, ("findings", 0, "severity"), "fatal"), "RehearsalRecord"),
        ("06_rehearsal", "acceptance", _damaged(ACCEPTANCE, ("findings", 0), "text"), "RehearsalRecord"),
    ],
)  # fmt: skip
def test_a_damaged_payload_is_one_line_naming_the_record_and_the_field(
    tmp_path: Path, step: str, name: str, value: object, record: str
) -> None:
    import json

    results = {name: value}
    path = tmp_path / f"{step}.json"
    path.write_text(json.dumps({"status": "ok", "results": results}), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_step(path)
    text = str(caught.value)
    assert text.startswith(f"step record {record}: {name} is ") and "\n" not in text
    assert "Traceback" not in text and len(text) < 400


def test_a_step_sets_its_frozen_record_anew_and_leaves_what_is_unread_unread(
    tmp_path: Path,
) -> None:
    """Records are frozen: a field changes through Step.set (Record.replace), which makes a
    new record from the fields as held, so a table not read yet stays in its file."""
    import pandas as pd

    from ngdpkit.steps.records import StoredTable

    frame = pd.DataFrame({"mailbox_id": ["0100233"], "status": ["mapped"]})
    path = write_step_file(
        tmp_path,
        "02_contact_points",
        {
            "status": "ok",
            "findings": [],
            "inputs_read": [],
            "results": ContactPointsRecord(mapping=frame).fields(),
        },
    )
    back = read_step(path).record
    with pytest.raises(dataclasses.FrozenInstanceError, match="use Step.set"):
        back.counts = {}
    with pytest.raises(dataclasses.FrozenInstanceError, match="no such field"):
        back.maping = None
    changed = back.replace(contact_points_source="file")
    assert changed is not back and back.contact_points_source == ""
    assert isinstance(object.__getattribute__(changed, "mapping"), StoredTable)
    assert changed.mapping["mailbox_id"].tolist() == ["0100233"]
    with pytest.raises(AttributeError, match="no field maping"):
        back.replace(maping=None)


def test_a_step_file_this_process_wrote_is_not_parsed_again_until_it_changes(
    tmp_path: Path,
) -> None:
    """A run's kernel: notebook 04 gets step 02 as notebook 02 left it, unless the file on
    disk is another one since (then the disk is what counts)."""
    from ngdpkit.steps.records import StepFile, remember_step

    rec = ContactPointsRecord(contact_points_source="file")
    data = {"status": "ok", "findings": [], "inputs_read": [], "results": rec.fields()}
    path = write_step_file(tmp_path, rec.step, data)
    written = StepFile(rec.step, "ok", (), (), rec)
    remember_step(path, written)
    assert read_step(path) is written
    data["results"]["contact_points_source"] = "ngdp"
    write_step_file(tmp_path, rec.step, data)  # another file at the same path
    again = read_step(path)
    assert again is not written and again.record.contact_points_source == "ngdp"
    (tmp_path / "elsewhere").mkdir()
    other = write_step_file(tmp_path / "elsewhere", rec.step, data)
    remember_step(other, written)  # one entry per step: the last written
    assert read_step(other) is written and read_step(path) is not written


def test_every_record_field_is_a_table_a_simple_kind_or_a_typed_payload() -> None:
    """The records are read back by their annotations: a field of a kind the reader does not
    know (a new payload not in ``TYPED``) would come back as plain JSON and pass unnoticed.
    So every field is a table (``Frame``), a simple kind the check knows, or a typed payload."""
    import dataclasses

    from ngdpkit.steps.records import _KINDS, RECORDS, TYPED

    unknown = [
        f"{name}.{f.name}: {f.type}"
        for name, kind in RECORDS.items()
        for f in dataclasses.fields(kind)
        if str(f.type) != "Frame" and str(f.type) not in TYPED and str(f.type) not in _KINDS
    ]
    assert unknown == []
    for annotation, kind in TYPED.items():  # each typed payload has its frozen record
        inner = getattr(kind, "__args__", (kind,))[0]
        if inner is str:
            continue  # a tuple of texts: immutable as it is
        params = getattr(inner, "__dataclass_params__", None)
        assert params is not None and params.frozen, annotation


def test_a_stored_field_read_on_two_threads_at_once_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    import time

    import pandas as pd

    from ngdpkit.steps.records import MailboxesRecord, StoredTable

    frame = pd.DataFrame({"row": [2, 3], "mailbox_id": ["1", "2"]})
    frame.to_parquet(tmp_path / "t.parquet")
    loads: list[int] = []
    read = StoredTable.load

    def slow_load(self: StoredTable) -> object:
        loads.append(1)
        time.sleep(0.05)  # long enough for every thread to arrive while it reads
        return read(self)

    monkeypatch.setattr(StoredTable, "load", slow_load)
    rec = MailboxesRecord(mailboxes=StoredTable(tmp_path / "t.parquet", 2))
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(rec.mailboxes)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(loads) == 1 and len(seen) == 8 and all(s is seen[0] for s in seen)


@pytest.mark.parametrize(
    "value",
    [["0100200", "300:7"], [], ["a", 1], ("a", "b"), [1.5, None], "text", None, [["x"]], {"a": 1}],
)
def test_a_list_of_texts_reads_as_the_converters_own_hook_reads_it(value: object) -> None:
    """Issue 31: ``tuple[str, ...]`` from a list of texts is taken as it is (step 04's
    100,000 translations were read one ``str`` call at a time); every value reads, or is
    refused, exactly as cattrs' own converter with the kit's strict texts reads it."""
    import cattrs

    from ngdpkit.inputs.typed import converter, strict_scalars

    def read(c: cattrs.Converter) -> object:
        try:
            return ("read", c.structure(value, tuple[str, ...]))
        except (cattrs.BaseValidationError, TypeError, ValueError) as exc:  # compared below
            return ("refused", type(exc))

    reference = cattrs.Converter(forbid_extra_keys=False)
    strict_scalars(reference)
    assert read(converter) == read(reference)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("withheld_by", ["CERT_EXPIRED", 3]),  # a number where a code belongs
        ("blocking", [None]),
    ],
)
def test_a_step_file_with_a_number_where_a_text_belongs_is_refused(
    field: str, value: object
) -> None:
    """A hand-edited step file is read as it says or refused: cattrs alone read ``3`` as
    ``"3"``."""
    from ngdpkit.errors import InputError
    from ngdpkit.steps.records import DispatcherRecord

    with pytest.raises(InputError, match=field):
        DispatcherRecord.from_results({field: value})


@pytest.mark.parametrize(
    ("kind", "value"),
    [(str, 3), (int, "7"), (int, 2.9), (int, True), (bool, "false"), (bool, 1), (float, "1.5")],
)
def test_the_converter_reads_a_scalar_only_from_its_own_json_kind(
    kind: type, value: object
) -> None:
    from ngdpkit.inputs.typed import structure

    with pytest.raises(ValueError, match="belongs"):
        structure(value, kind)


def test_the_converter_still_reads_what_the_kit_writes() -> None:
    from ngdpkit.inputs.typed import structure

    assert structure("x", str) == "x" and structure(7, int) == 7 and structure(True, bool) is True
    assert structure(2, float) == 2.0 and isinstance(structure(2, float), float)


def test_a_bundle_carries_ngdps_own_view_with_translations_counted(tmp_path: Path) -> None:
    """A support engineer's read: after an ``--online`` run the bundle kept only step 02's
    counts, not what NgDP itself holds (the certificate it has registered, the system, each
    contact point), the first thing support compares. It carries that view, each contact
    point's translations counted (a large municipality has 100,000)."""
    import json

    from ngdpkit.steps.records import support_facts

    ngdp = {
        "fetched_at": "2026-12-06T02:22:52Z",
        "system": {"id": "5b3f", "protocol": "REST_PULL", "certificate": {"sha1": "7E:4A"}},
        "contact_points": [
            {"id": "7f9c", "name": "Borgerservice", "translations": [{"postkasse": 1}] * 3},
            {"id": "8a0d", "name": "Skat", "translations": None},
        ],
    }
    path = tmp_path / "02_contact_points.json"
    path.write_text(json.dumps({"status": "ok", "results": {"counts": {}, "ngdp": ngdp}}))
    shown = support_facts(path)["results"]["ngdp"]
    assert shown["system"] == ngdp["system"] and shown["fetched_at"] == ngdp["fetched_at"]
    assert [p["translations"] for p in shown["contact_points"]] == [3, None]
    assert shown["contact_points"][0]["name"] == "Borgerservice"
