"""A run's file the leak scan replaced by the kit's placeholder (``scan.stub_text``) is read
back as that, by every reader of a run's files: never "not valid JSON (truncated or
edited?)". A consultant's look: a test authorization header typed into ``system_name``
left ``portal-registration.json`` a placeholder, and ``compare``, ``diff`` and ``status``
then said the kit's own placeholder was truncated or edited; ``confirm`` said the run had no
contact points; the next run's changes page said the same. Each now names the file, the
secret's variable (never its value) and what to do."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from ngdpkit.run.neighbours import Replaced, read_json_bytes
from ngdpkit.run.scan import replaced_file, stub_names, stub_text
from ngdpkit.secrets import read_dotenv
from tests.conftest import cli, run_cli

SAID = "was replaced by a placeholder when the run wrote it, because it held the secret"


def test_a_placeholder_is_read_as_the_kits_own(tmp_path: Path) -> None:
    """The placeholder, whole, names its secrets; anything else stays "not valid JSON"."""
    stub = stub_text(tmp_path / "portal-registration.json", ["NGDPKIT_TEST_AUTHORIZATION"])
    data = stub.encode()
    assert stub_names("portal-registration.json", data) == ["NGDPKIT_TEST_AUTHORIZATION"]
    with pytest.raises(Replaced) as caught:
        read_json_bytes(data, "portal-registration.json")
    said = str(caught.value)
    assert said.startswith(f"portal-registration.json {SAID} NGDPKIT_TEST_AUTHORIZATION")
    assert "SECRET_LEAK" in said and "run again" in said and "not valid JSON" not in said
    # another file's placeholder, or one with more after it, is no placeholder of this one
    assert stub_names("findings.json", data) is None
    with pytest.raises(ValueError, match="not valid JSON") as other:
        read_json_bytes(data + b"{", "portal-registration.json")
    assert not isinstance(other.value, Replaced)
    (tmp_path / "portal-registration.json").write_text(stub, encoding="utf-8")
    assert SAID in (replaced_file(tmp_path / "portal-registration.json") or "")
    (tmp_path / "x.json").write_text("{", encoding="utf-8")
    assert replaced_file(tmp_path / "x.json") is None


@pytest.fixture
def header_in_system_name(sample_run_all: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """The sample after ``run --env all``, then a run of test whose ``system_name`` holds
    test's authorization header: its portal-registration.json and step 04 are placeholders."""
    sample = tmp_path / "sample"
    shutil.copytree(sample_run_all["sample"], sample, symlinks=True)
    header = read_dotenv(sample / "sample.env")["NGDPKIT_TEST_AUTHORIZATION"]
    settings = sample / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    text = text.replace(
        'system_name = "WorkZone test - Eksempel Kommune"', f'system_name = "{header}"', 1
    )
    settings.write_text(text, encoding="utf-8")
    r = run_cli("run", "--settings", str(settings), "--env", "test")
    assert r.returncode == 1, r.stderr
    run_dir = Path(r.stdout.strip().splitlines()[-1])
    assert stub_names(
        "portal-registration.json", (run_dir / "portal-registration.json").read_bytes()
    )
    return {"sample": sample, "settings": settings, "run": run_dir, "header": header}


def test_every_reader_says_the_file_was_replaced_for_a_secret(
    header_in_system_name: dict[str, Any],
) -> None:
    sample, settings = header_in_system_name["sample"], header_in_system_name["settings"]
    run, header = header_in_system_name["run"], header_in_system_name["header"]
    expected = f"portal-registration.json {SAID} NGDPKIT_TEST_AUTHORIZATION"

    def clean(text: str) -> str:
        assert header not in text and header.split()[-1] not in text
        assert "not valid JSON" not in text and "truncated or edited" not in text
        return text

    r = cli("compare", "--settings", str(settings))
    assert r.returncode == 2 and expected in clean(r.stderr), r.stderr
    r = cli("diff", str(run), str(run))
    assert r.returncode == 2 and expected in clean(r.stderr), r.stderr
    r = cli("status", str(sample), "--json")
    (row,) = [x for x in json.loads(r.stdout)["rows"] if x["environment"] == "test"]
    assert expected in clean(row["problem"]), row
    # confirm step 5 binds to step 04's portal values: their step file is a placeholder too
    r = cli("confirm", "--settings", str(settings), "--env", "test", "--step", "5", "--by", "Anna")
    assert r.returncode == 0, r.stderr
    note = clean(r.stdout.splitlines()[0])
    assert re.search(f"has no contact points: steps/04_system_and_network.json {SAID}", note)
    # the next run's look at this one (changes.json's reason)
    from ngdpkit.errors import InputError
    from ngdpkit.run.outputs import PreviousRun

    previous, view = PreviousRun(run.parent, "test").result()
    assert previous == run and isinstance(view, InputError)
    assert expected in clean(view.problems[0])


@pytest.mark.parametrize(
    "secrets_file", ["Søby Kommune.env", "kunde+test's.env", "hemmeligt (gammel), 2.env"]
)
def test_a_placeholder_naming_a_secrets_file_of_any_letters_is_the_kits_own(
    tmp_path: Path, secrets_file: str
) -> None:
    """A value the secrets file shadows is named with that file's name (SECRET_SHADOWED):
    a secrets file named with æøå, a + or an apostrophe made every reader say "not valid
    JSON" of the kit's own placeholder again. The name stays what the kit wrote; a path, a
    control character or anything but a variable before it is still no placeholder."""
    names = [f"NGDPKIT_TEST_AUTHORIZATION ({secrets_file})", "NGDPKIT_TEST_CERT_PASSWORD"]
    data = stub_text(tmp_path / "portal-registration.json", names).encode()
    assert stub_names("portal-registration.json", data) is not None
    with pytest.raises(Replaced) as caught:
        read_json_bytes(data, "portal-registration.json")
    assert f"NGDPKIT_TEST_AUTHORIZATION ({secrets_file})" in str(caught.value)
    for odd in ("NGDPKIT_X (a/b.env)", "NGDPKIT_X (a\nb.env)", "not a variable", "X (a"):
        data = stub_text(tmp_path / "portal-registration.json", [odd]).encode()
        assert stub_names("portal-registration.json", data) is None, odd
