"""What the checklist and page 02 say when the run has no contact points to hand: with
``contact_points = "ngdp"`` in a run that did not read NgDP, with none set at all, and with
an export that holds its own contact point GUIDs (session 45, a consultant's read of the
sample's pages). The steps run in-process, as ``check`` runs them; the checklist is
evaluated from their findings as ``run`` evaluates it."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import openpyxl

from ngdpkit.checks.evidence import gather
from ngdpkit.deliverables.checklist import Checklist, evaluate
from ngdpkit.deliverables.commands import KitCommands
from ngdpkit.settings import load_settings
from ngdpkit.steps.n02_contact_points import show_contact_points
from ngdpkit.steps.pipeline import run_all
from tests.conftest import edit_settings

NGDP_LINE = 'contact_points = "ngdp"\n'
FILE_LINE = 'contact_points = "contact-points-test.xlsx"\n'
MAPPING_LINE = 'mapping = "mapping-test.xlsx"\n'


def _edit(sample: Path, *pairs: tuple[str, str]) -> Path:
    return edit_settings(sample / "migration.toml", *pairs)


def _checklist(toml: Path, language: str) -> tuple[Checklist, list[Any]]:
    """The checklist of ``toml``'s test environment as an offline run evaluates it, in
    ``language``, from the findings of the steps run in-process."""
    settings = load_settings(toml)
    env = settings.environment("test")
    steps = run_all(settings, "test")
    found = [f for s in steps for f in s.findings]
    evidence = gather(
        servers=[s.name for s in env.servers],
        observation=None,
        register=None,
        server_evidence=None,
        thumbprint=None,
        certificate_known=True,
        system_id=env.system_id,
        contact_points_known=steps[1].record.contact_points is not None,
        mapping_complete=not any(f.code in ("MAILBOX_UNMAPPED", "PENDING_MAPPING") for f in found),
        dispatcher=None,
        dispatcher_unchanged=True,
        acceptance=None,
        confirmations=[],
        environment="test",
        findings=found,
        language=language,
    )
    return evaluate(found, evidence, language, KitCommands.of(settings, env)), steps


def _rows(checklist: Checklist) -> dict[int, Any]:
    return {r.step: r for r in checklist.rows}


def test_steps_5_and_6_with_contact_points_from_ngdp_not_read_say_to_read_them(
    sample_copy: Path,
) -> None:
    """A consultant's read: with contact_points = "ngdp" and an offline run, step 5 told
    the customer to create the contact points from contact-point-plan.xlsx, and step 6,
    blocked by the mailboxes the mapping file leaves, said "følg først trin 5". Both say
    that the list is read from NgDP with --online ngdp (NgDP only: the network checks of
    --online fail from a laptop outside the customer's network), or given as a file; step
    6's blocked text is two sentences (it was about 80 words)."""
    toml = _edit(sample_copy, (FILE_LINE, NGDP_LINE))
    run_online = "ngdpkit run --settings migration.toml --env test --online ngdp"
    da, _ = _checklist(toml, "da")
    five, six = _rows(da)[5], _rows(da)[6]
    assert five.status == "to_do"
    assert five.next_action == (
        'Kontaktpunkterne hentes fra NgDP (contact_points = "ngdp"), men denne kørsel har ikke'
        f" læst NgDP: kør {run_online} på en maskine med miljøets certifikat, nøgle og header,"
        " eller angiv en fil med kontaktpunkterne i contact_points, og kør ngdpkit run"
        " --settings migration.toml --env test. Er kontaktpunkterne ikke oprettet i"
        " Administrativ Adgang endnu, så opret dem først efter contact-point-plan.xlsx."
    )
    assert six.status == "blocked"
    assert six.next_action.startswith(
        "Kontaktpunkterne er ikke læst fra NgDP, så der er ingen forslag, og notebook 02 har"
        f" intet kontaktpunkt at vælge: kør først {run_online} (se trin 5). Tilknyt derefter"
        " hver postkasse, som fundene stadig nævner, i tilknytningsfilen eller i notebook 02,"
        f" eller markér den dér som udgået, og kør {run_online} igen. Fundet:"
    )
    assert "følg først trin 5" not in six.next_action
    assert six.next_action.endswith("(MAILBOX_UNMAPPED).")
    en, _ = _checklist(toml, "en")
    five, six = _rows(en)[5], _rows(en)[6]
    assert five.next_action.startswith(
        'The contact points are read from NgDP (contact_points = "ngdp"), but this run did not'
        f" read NgDP: run {run_online} on a machine"
    )
    assert six.next_action.startswith(
        "The contact points are not read from NgDP, so nothing is suggested and notebook 02"
        f" has no contact point to choose: first run {run_online} (see step 5). Then map every"
        " mailbox the findings still name in the mapping file or in notebook 02, or retire it"
        f" there, and run {run_online} again."
    )
    assert "first follow step 5" not in six.next_action


def test_step_6_to_do_with_contact_points_from_ngdp_not_read_says_to_read_them_first(
    sample_copy: Path,
) -> None:
    """Without a mapping file step 6 is to do, and its "once the contact points are known
    (step 5)" says how they become known: the run with --online ngdp, whose translations map
    the mailboxes NgDP knows."""
    toml = _edit(sample_copy, (FILE_LINE, NGDP_LINE), (MAPPING_LINE, ""))
    da, _ = _checklist(toml, "da")
    six = _rows(da)[6]
    assert six.status == "to_do"
    assert six.next_action.startswith(
        "Kør først ngdpkit run --settings migration.toml --env test --online ngdp (se trin 5):"
        " kontaktpunkternes oversættelser i NgDP tilknytter de postkasser, de nævner"
    )
    en, _ = _checklist(toml, "en")
    assert _rows(en)[6].next_action.startswith(
        "First run ngdpkit run --settings migration.toml --env test --online ngdp (see step 5)"
    )


def test_step_5_with_contact_points_from_ngdp_and_an_invalid_cvr_says_to_correct_it_first(
    sample_copy: Path,
) -> None:
    """With organisation.cvr no CVR number --online does not read NgDP (NGDP_NOT_READ): step
    5 says to correct it first, as steps 4 and 5 do with a contact points file."""
    toml = _edit(sample_copy, (FILE_LINE, NGDP_LINE), ('cvr = "98765433"', 'cvr = "12345678"'))
    da, _ = _checklist(toml, "da")
    five = _rows(da)[5]
    assert five.next_action.startswith(
        "Ret først organisation.cvr i indstillingerne (trin 1): NgDP finder organisationen på"
        ' CVR-nummeret. Kontaktpunkterne hentes fra NgDP (contact_points = "ngdp"), så kør'
        " derefter ngdpkit run --settings migration.toml --env test --online"
    )


def test_without_contact_points_step_5_says_create_and_the_finding_names_the_key(
    sample_copy: Path,
) -> None:
    """With contact_points not set, step 5 still says to create the contact points, and
    PENDING_CONTACT_POINTS no longer says "eksportér listen" (no source says the portal
    exports one) but where the list goes: a file in contact_points, or "ngdp" with --online."""
    toml = _edit(sample_copy, (FILE_LINE, ""))
    da, steps = _checklist(toml, "da")
    assert _rows(da)[5].next_action == "Opret kontaktpunkterne fra contact-point-plan.xlsx."
    (pending,) = [f for s in steps for f in s.findings if f.code == "PENDING_CONTACT_POINTS"]
    assert pending.text("da") == (
        "contact_points er ikke sat endnu: opret kontaktpunkterne i Administrativ Adgang (se"
        " contact-point-plan.xlsx), og angiv derefter en fil med dem i contact_points, eller"
        ' sæt contact_points = "ngdp", og kør med --online.'
    )
    assert "export the list" not in pending.text("en")
    assert "then name a file of them in contact_points" in pending.text("en")


def _page_text(block: Any) -> str:
    text = re.sub(r"<style.*?</style>", " ", str(block), flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return re.sub(r"\s+", " ", text).strip()


def _export_with_guids(sample: Path, guid: str, count: int) -> None:
    """The export's own NgDP Guid column filled for its first ``count`` mailboxes."""
    path = sample / "mailboxes.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws is not None
    header = next(r for r in ws.iter_rows(min_row=1, max_row=10) if r[0].value == "Postkasse-ID")
    column = [c.value for c in header].index("NgDP Guid") + 1
    for row in range(header[0].row + 1, header[0].row + 1 + count):
        ws.cell(row=row, column=column, value=guid)
    wb.save(path)


def test_page_02_without_contact_points_beside_an_export_with_guids_does_not_say_none_is_mapped(
    sample_copy: Path,
) -> None:
    """The export's own NgDP Guid column maps its mailboxes (mailboxes_environment): page 02
    said "så ingen postkasse kan tilknyttes" above them. It says that the export's GUIDs
    are not checked against the contact points, in both forms of the missing list."""
    guid = "0ecb8511-d743-547f-9b6e-4454c7a6b014"
    _export_with_guids(sample_copy, guid, 5)
    toml = _edit(
        sample_copy,
        (
            'mailboxes = "mailboxes.xlsx"\n',
            'mailboxes = "mailboxes.xlsx"\nmailboxes_environment = "test"\n',
        ),
        (FILE_LINE, ""),
        (MAPPING_LINE, ""),
    )
    settings = load_settings(toml)
    steps = run_all(settings, "test")
    mapped = steps[1].record.mapping
    assert set(mapped.loc[mapped["ngdp_guid"] == guid, "source"]) == {"export"}
    text = _page_text(show_contact_points(steps[1], None))
    assert "ingen postkasse kan tilknyttes" not in text
    assert text.startswith(
        "Ingen kontaktpunkter er angivet (contact_points er ikke sat i indstillingerne), så de"
        " kontaktpunkt-GUID'er, som eksporten selv har for sine postkasser (kolonnen NgDP"
        " Guid), kontrolleres ikke mod kontaktpunkterne"
    )
    _edit(sample_copy, ("[environments.test]\n", "[environments.test]\n" + NGDP_LINE))
    steps = run_all(load_settings(toml), "test")
    text = _page_text(show_contact_points(steps[1], None))
    assert text.startswith(
        "Kontaktpunkterne er ikke læst, så de kontaktpunkt-GUID'er, som eksporten selv har for"
        " sine postkasser (kolonnen NgDP Guid), kontrolleres ikke mod kontaktpunkterne"
    )
    assert "kør igen med --online" in text


def test_page_02_without_contact_points_or_any_guid_still_says_none_can_be_mapped(
    sample_copy: Path,
) -> None:
    """The export's NgDP Guid column blank (the sample's): the sentence is as before."""
    toml = _edit(sample_copy, (FILE_LINE, ""), (MAPPING_LINE, ""))
    steps = run_all(load_settings(toml), "test")
    text = _page_text(show_contact_points(steps[1], None))
    assert "så ingen postkasse kan tilknyttes" in text
    # a verb for the second way, as PENDING_CONTACT_POINTS says it
    assert text.endswith(
        'og angiv derefter en fil med dem i contact_points, eller sæt contact_points = "ngdp",'
        " og kør med --online."
    )
