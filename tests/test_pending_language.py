"""A day one's PENDING_ findings read in the other language (session 37): findings.json holds
each message in the run's language, and its parameters were in it too, so an English
``diff`` of a Danish run read "system_id is not set yet: opret afsender-/modtagersystemet …"
or the whole Danish sentence. The parameters are English now, and a finding a diff names is
made again in the reader's language."""

from __future__ import annotations

import json
from pathlib import Path

from ngdpkit import findings as F
from ngdpkit.catalogue import VALUES_DA
from ngdpkit.documents.change_text import finding_sentence
from ngdpkit.documents.i18n import t
from ngdpkit.steps.core import PENDING_KEYS
from tests.conftest import cli, edit_settings


def test_every_pending_text_has_its_danish_form_in_the_catalogue() -> None:
    for key in sorted(PENDING_KEYS | {"pending_contact_points_ngdp"}):
        assert VALUES_DA[t("en", key)] == t("da", key), key


def test_a_finding_of_a_danish_file_says_itself_in_english() -> None:
    f = F.warning(
        "PENDING_MAPPING",
        "{key} is not set yet: {what}.",
        "environments.test.mapping",
        key="mapping",
        what=t("en", "pending_mapping"),
    )
    stored = json.loads(json.dumps(f.to_dict("da")))
    assert stored["message"] == (
        "mapping er ikke sat endnu: tilknyt postkasserne til kontaktpunkter i en tilknytningsfil."
    )
    assert finding_sentence(stored, "en") == (
        "mapping is not set yet: map the mailboxes to contact points in a mapping file."
    )
    assert finding_sentence(stored, "da") == stored["message"]
    # a file with no template, or one its values do not fit, keeps its message as it stands
    plain = {**stored, "template": ""}
    assert finding_sentence(plain, "en") == stored["message"]
    forged = {**stored, "template": "{x[0][1]}"}
    assert finding_sentence(forged, "en") == stored["message"]


def test_a_danish_run_without_system_id_reads_in_english_too(sample_copy: Path) -> None:
    settings = sample_copy / "migration.toml"
    text = settings.read_text("utf-8")
    first = text.index('\nsystem_id = "')
    settings.write_text(text[:first] + text[text.index("\n", first + 1) :], encoding="utf-8")
    r = cli("run", "--settings", str(settings), "--env", "test")
    assert r.returncode in (0, 1), r.stdout + r.stderr
    latest = (sample_copy / "runs" / "test" / "LATEST").read_text().strip()
    data = json.loads((sample_copy / "runs" / "test" / latest / "findings.json").read_text("utf-8"))
    (entry,) = [f for f in data["findings"] if f["code"] == "PENDING_SYSTEM_ID"]
    assert entry["message"].startswith("system_id er ikke sat endnu: opret afsender-")
    assert entry["params"]["what"] == t("en", "pending_system_id")
    assert finding_sentence(entry, "en") == (
        f"system_id is not set yet: {t('en', 'pending_system_id')}."
    )
    assert finding_sentence(entry, "da") == entry["message"]


def test_the_danish_pending_texts_read_as_danish() -> None:
    """A Danish proofreader's read of the day-one texts: "stopper øverst" (English "stops at
    its top"), "kontoen, WorkZone kører som" ("the account WorkZone runs as"), "ingen servers
    kontrol ventes ved navn" and "med værdierne, ngdpkit run skriver" were word-for-word
    English; the catalogue's forms follow (test above)."""
    assert t("da", "pending_service_account").startswith(
        "install-certificate.ps1 går ikke i gang, før den er sat"
    )
    assert "den konto, WorkZone kører under," in t("da", "pending_service_account")
    assert "der ventes ingen serverkontrol fra bestemte servere" in t("da", "pending_servers")
    assert "med de værdier, ngdpkit run skriver i" in t("da", "pending_system_id")
    assert "(siden »Registrering i Administrativ Adgang«)" in t("da", "pending_system_id")
    assert t("da", "pending_system_id").endswith("og skriv her det ID, portalen giver systemet")
    assert "bruger NgDP's egen liste over kontaktpunkter" in t("da", "pending_contact_points_ngdp")


def test_contact_points_ngdp_offline_is_said_as_set_but_not_read(sample_copy: Path) -> None:
    """contact_points = "ngdp" in a run that does not read NgDP: the customer's page read
    "contact_points er ikke sat endnu: contact_points = "ngdp" bruger …", though the
    settings set it."""
    line = 'contact_points = "contact-points-test.xlsx"\n'
    toml = edit_settings(sample_copy / "migration.toml", (line, 'contact_points = "ngdp"\n'))
    r = cli("run", "--settings", str(toml), "--env", "test")
    assert r.returncode in (0, 1), r.stdout + r.stderr
    run_dir = Path([x for x in r.stdout.splitlines() if x.strip()][-1].strip())
    found = json.loads((run_dir / "findings.json").read_text(encoding="utf-8"))["findings"]
    pending = [f for f in found if f["code"] == "PENDING_CONTACT_POINTS"]
    assert len(pending) == 1
    assert pending[0]["template"] == "{key} is set, but this run did not read it: {what}."
    assert pending[0]["message"].startswith("contact_points er sat, men denne kørsel har ikke")
    page = (run_dir / "signoff" / "02_contact_points.html").read_text(encoding="utf-8")
    assert "contact_points er sat, men denne kørsel har ikke læst den" in page
    assert "contact_points er ikke sat endnu" not in page
