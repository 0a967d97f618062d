"""The facts the portal, checklist and dispatcher deliverables state, held against the
sources docs/domain.md cites (a fact-check of both sample runs, test on REST_PULL and
production on REST_PUSH): what the person at the portal or in Configurator types must say
what the sources say, and mark what they do not say as inferred."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ngdpkit.deliverables.checklist import NEXT
from ngdpkit.deliverables.portal import PORTAL_NOTES


def _folder(sample_run_all: dict[str, Any], env: str) -> Path:
    return next(f for f in sample_run_all["folders"] if f.parent.name == env)


def test_the_portal_notes_say_the_deactivation_rule_of_every_receiving_system(
    sample_run_all: dict[str, Any],
) -> None:
    """digst.dk: a receiving system that cannot receive post for seven days is deactivated;
    one message within the seven days keeps it active. The note had said "a push receiver",
    on the REST_PULL environment's page too."""
    for env in ("test", "production"):
        run_dir = _folder(sample_run_all, env)
        notes = json.loads((run_dir / "portal-registration.json").read_text(encoding="utf-8"))
        text = " ".join(notes["notes"])
        assert "push receiver" not in text
        assert "deactivates a receiving system that cannot receive post at all for 7 days" in text
        page = (run_dir / "signoff" / "portal.html").read_text(encoding="utf-8")
        assert "push-modtager" not in page
        assert "NgDP deaktiverer et modtagersystem, der slet ikke har kunnet modtage post" in page


def test_the_portal_notes_name_the_certificate_upload_and_the_contact_point_rules() -> None:
    """NgDP's API: the system's public certificate is uploaded, and renewing the API token
    removes it (so it is uploaded again: inferred). The vendor page: every contact point for
    the receiving system, else replies reach the standard mailbox; at least one target; a
    contact point for replies only may be hidden. KMD's guides say WorkZone supports PULL and
    PUSH works but is more complex: not that KMD recommends one."""
    for language, inferred in (("en", "inferred"), ("da", "udledt")):
        notes = PORTAL_NOTES[language]
        assert len(notes) == len(PORTAL_NOTES["en"])
        upload = next(n for n in notes if "renewapitoken" in n)
        assert "Upload" in upload and ".p12" in upload and f"({inferred} " in upload
        assert any("standard" in n and "WorkZone" in n for n in notes)
        assert not any(re.search("recommends|anbefaler", n) for n in notes)
        assert any("PDF" in n for n in notes)


def test_the_checklist_sends_the_mapping_to_the_register_wz_names() -> None:
    """WorkZone's docs: the mailbox mapping register is edited under Configurator → Process →
    Mailbox mappings, with NgDP Guid from 2026.1; nothing says an .xlsx can be loaded into
    WorkZone. The vendor page: a connection agreement first, then MitID into the portal."""
    for language in ("en", "da"):
        mapping = NEXT[language]["mapping"]["not_verified"]
        assert "Configurator → Process → Mailbox mappings" in mapping
        assert "NgDP Guid" in mapping and "2026.1" in mapping
        assert not mapping.startswith(("Load", "Indlæs"))
        agreement = NEXT[language]["agreement"]["to_do"]
        assert "tilslutningsaftale" in agreement and "MitID Erhverv" not in agreement
        certificate = NEXT[language]["certificate"]["to_do"]
        assert ".p12/.pfx" in certificate
        assert ("inferred" if language == "en" else "udledt") in certificate


def test_the_push_dispatcher_page_says_where_ngdps_certificate_comes_from(
    sample_run_all: dict[str, Any],
) -> None:
    """digitaliser.dk resource 6187215 ("HTTP kald med mutualSSL"): NgDP calls a push
    receiver with its own OCES certificate, one per environment, fetched by a person; the
    page told the administrator to pin it without saying where it is."""
    page = (_folder(sample_run_all, "production") / "signoff" / "dispatcher.html").read_text(
        encoding="utf-8"
    )
    assert "6187215" in page and "ét til test og ét til produktion" in page
    pull = (_folder(sample_run_all, "test") / "signoff" / "dispatcher.html").read_text(
        encoding="utf-8"
    )
    assert "6187215" not in pull  # REST_PULL: NgDP calls nothing


def test_the_pull_dispatcher_page_says_ngdps_seven_days_hold_for_it_too(
    sample_run_all: dict[str, Any],
) -> None:
    """digst.dk: NgDP deactivates a receiving system that cannot receive post for 7 days,
    whatever its protocol. The portal page and the runbook said so; the dispatcher page of a
    REST_PULL environment, the one the WorkZone administrator works from, did not."""
    pull = (_folder(sample_run_all, "test") / "signoff" / "dispatcher.html").read_text(
        encoding="utf-8"
    )
    assert "WorkZone henter selv posten (REST_PULL)" in pull
    assert "i 7 dage" in pull and "WATCH_BACKLOG" in pull and "udledt" in pull
    push = (_folder(sample_run_all, "production") / "signoff" / "dispatcher.html").read_text(
        encoding="utf-8"
    )
    assert "REST_PULL)" not in push and "7 dages mislykket levering" in push


def test_no_server_script_fetches_a_receipt(sample_run_all: dict[str, Any]) -> None:
    """NgDP's API: GET /receipts/{id} returns the receipt and deletes it. Every receipts path
    the server scripts of either environment name is the count (page 0, size 1)."""
    for env in ("test", "production"):
        run_dir = _folder(sample_run_all, env)
        for script in ("server-check.ps1", "install-certificate.ps1"):
            text = (run_dir / script).read_text(encoding="utf-8-sig")
            for hit in re.finditer(r"/receipts/[^'\s]*", text):
                assert hit.group(0) == "/receipts/?page=0&size=1", (env, script, hit.group(0))


def test_the_portal_notes_say_postkasse_ids_are_integers_in_ngdp() -> None:
    """NgDP's API: postkasseId and postkasseEmneId are integers; an export's 0010807 is
    postkasse 10807. The portal page lists the export's form (leading zeros) and did not
    say that the portal's form without them is the same mailbox."""
    for language in ("en", "da"):
        assert any("0010807" in n and "10807" in n for n in PORTAL_NOTES[language])


def test_the_dispatcher_step_page_says_whose_field_names_it_shows(
    sample_run_all: dict[str, Any],
) -> None:
    """The vendor page names one dispatcher parameter, ContactPointGuid; the others are
    ngdpkit's. Step 05's page listed SystemId, Protocol, ApiBaseUrl and the certificate's
    fields without saying so (the dispatcher page and the overview did)."""
    for env in ("test", "production"):
        page = (_folder(sample_run_all, env) / "signoff" / "05_dispatcher_config.html").read_text(
            encoding="utf-8"
        )
        assert "Feltnavnene er ngdpkits egne, undtagen ContactPointGuid" in page


def test_mitid_erhverv_as_where_a_certificate_is_ordered_is_marked_inferred() -> None:
    """The sources cite mitid-erhverv.dk only for OCES2's end, not as where an OCES3
    certificate is ordered: the checklist marked it inferred, but CERT_OCES2's text and
    step 03's pending text said it as a fact."""
    from ngdpkit.catalogue import DANISH
    from ngdpkit.documents.i18n import TEXT

    texts = [*DANISH, *DANISH.values()]
    for language in TEXT.values():
        texts += [v for v in language.values() if isinstance(v, str)]
    for language in NEXT.values():
        for step in language.values():
            texts += [v for v in step.values() if isinstance(v, str)]
    named = [t for t in texts if "MitID Erhverv" in t]
    assert len(named) >= 6, named
    for text in named:
        assert "(inferred" in text or "(udledt" in text, text
