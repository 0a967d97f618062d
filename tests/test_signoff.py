from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd

from ngdpkit.checks.network import NetworkRun
from ngdpkit.documents.signoff import (
    DispatcherSummary,
    Overview,
    StepRow,
    navigation,
    render_overview,
)
from ngdpkit.findings import Finding


def ctx(language: str, *, ready: bool = True, dispatcher: dict | None = None) -> Overview:
    """The overview's typed view, with the dispatcher given as its JSON."""
    return Overview(
        language=language,
        organisation="Testkommune",
        cvr="98765433",
        environment="test",
        kind="test",
        run_id="20261128T120000Z-abcdef",
        generated_at=dt.datetime(2026, 7, 1, 10, 30, tzinfo=dt.UTC),
        kit_version="0.1.0",
        ready=ready,
        steps=(
            StepRow(name="01_mailboxes", status="ok", counts="", duration_s=1.0),
            StepRow(name="03_certificate", status="errors", counts="1 error", duration_s=0.5),
        ),
        findings=(
            Finding(
                "error",
                "CERT_EXPIRED",
                "The certificate expired on 2026-01-01 (181 days ago).",
                "certs/test.p12",
            ),
            Finding(
                "info", "NET_SKIPPED", "Network checks skipped.", "environments.test", "network"
            ),
            Finding("info", "NET_SKIPPED", "OCSP skipped.", "certs/test.p12", "OCSP"),
        ),
        network=NetworkRun(online=False, ran_on="laptop"),
        evidence=(),
        dispatcher=None
        if dispatcher is None
        else DispatcherSummary(
            tuple(dispatcher["parameters"].items()),
            dispatcher["ready"],
            tuple(dispatcher["blocking"]),
        ),
        withheld_by=("CERT_EXPIRED",),
        mapping=pd.DataFrame(
            [
                {
                    "mailbox_id": "007",
                    "subject_id": "",
                    "mailbox_name": "Børn",
                    "responsible_unit": "Enhed Ø",
                    "case": "",
                    "ngdp_guid": "",
                    "contact_point": "",
                    "source": "",
                    "status": "unmapped",
                }
            ]
        ),
        audit_hash="ab" * 32,
        banners=("BANNER TEXT",),
        rehearsal=None,
        nav=navigation(language, ["01_mailboxes"], []),
    )


def test_danish_overview() -> None:
    html = render_overview(ctx("da", ready=False))
    for text in (
        "Godkendelsesdokument",
        "ikke klar",
        "Certifikatet er udløbet",
        "Sprunget over, fordi kørslen var offline",
        "01-07-2026 kl. 12:30",
        # the code in words, with the code beside (a consultant's cold run, session 24)
        "dispatcher-config.json er tilbageholdt: Certifikatet er udløbet (CERT_EXPIRED)",
        "Enhed Ø",
        "Underskrifter",
        "ab" * 32,
        "BANNER TEXT",
        "fejl",
    ):
        assert text in html, text
    assert html.count("BANNER TEXT") == 2  # top and bottom of the page
    assert '<html lang="da">' in html and "@media print" in html


def test_english_overview_and_self_contained() -> None:
    html = render_overview(
        ctx(
            "en",
            dispatcher={"parameters": {"ContactPointGuid": "x"}, "ready": True, "blocking": []},
        )
    )
    for text in (
        "Sign-off document",
        "ready",
        "Signatures",
        "Consultant",
        "Customer",
        "ContactPointGuid",
        "2026-07-01 12:30 (Copenhagen)",
    ):
        assert text in html, text
    assert "Certifikatet er udløbet" not in html
    assert not re.search(r"(src|href)=[\"']https?://", html) and "<script" not in html


def test_a_text_table_is_the_table_fragment_made_in_one_escape() -> None:
    """The portal's appendix is escaped as one text: for any cells (markup, quotes, Jinja's
    own delimiters, the separators themselves) the page holds exactly what the cell-by-cell
    table macro makes, and no cell text reaches it unescaped."""
    import random

    from ngdpkit.documents.pages import fragment, text_table

    rng = random.Random(12)
    alphabet = ["a", "<", ">", "&", '"', "'", "æ", " ", "\n", "{{", "%}", "\x1f", "\x1e", "</td>"]
    for _ in range(400):
        rows = [
            tuple("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4))) for _ in range(4))
            for _ in range(rng.randint(0, 6))
        ]
        made = str(text_table(["Navn <b>", "GUID"], rows))
        assert made == str(fragment("table", ["Navn <b>", "GUID"], rows, "", ""))
        assert "<b>" not in made and made.count("<td>") == 4 * len(rows)


def test_notebook_html_cannot_overlay_the_page_or_fetch() -> None:
    """Issue 26: a customised notebook's ``position:fixed`` overlay survived onto every PDF
    page; styles, ``data:`` links and ``url()`` are filtered now."""
    from ngdpkit.documents.signoff import notebook_body, safe_html

    evil = (
        '<div style="position:fixed;top:0;left:0;width:100%;height:100%;background:white">'
        "GODKENDT</div>"
        '<div style="position: sticky">s</div>'
        "<span style=\"background:url('https://evil.example/x.png')\">u</span>"
        '<a href="data:text/html;base64,PHNjcmlwdD4=">d</a>'
        '<img src="data:text/html;base64,PHNjcmlwdD4=">'
        '<img src="data:image/png;base64,iVBORw0KGgo=">'
        '<span style="color:#b3261e;width:12px;transform:scale(40)">kept</span>'
    )
    out = safe_html(evil)
    assert "fixed" not in out and "sticky" not in out and "url(" not in out
    assert "data:text" not in out and "transform" not in out
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in out
    assert "color:#b3261e" in out and "width:12px" in out
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "outputs": [{"output_type": "display_data", "data": {"text/html": evil}}],
            }
        ]
    }
    assert str(notebook_body(nb)).startswith('<div class="nb-out">')


def test_what_was_not_checked_is_said_in_the_pages_language() -> None:
    """A customer's cold read: offline with no server check it said "se
    serverkontrollerne" (there were none), and a server check's line was English ("2/11
    failed, egress …") in the Danish page."""
    import dataclasses

    from ngdpkit.checks.evidence import EvidenceSummary

    empty = render_overview(ctx("da"))
    assert "ingen server har afleveret en serverkontrol endnu" in empty
    assert "se serverkontrollerne" not in empty
    seen = EvidenceSummary(
        "server-check",
        "WZWEB01",
        "2026-12-01T10:00:00Z",
        egress_ip="203.0.113.5",
        checks=11,
        failed=2,
    )
    page = render_overview(dataclasses.replace(ctx("da"), evidence=(seen,)))
    assert (
        "WZWEB01 (01-12-2026 kl. 11:00): 2 af 11 kontroller fejlede, udgående adresse 203.0.113.5"
        in page
    )
    assert "se serverkontrollerne" in page and "failed, egress" not in page
    english = render_overview(dataclasses.replace(ctx("en"), evidence=(seen,)))
    assert "2 of 11 checks failed, egress 203.0.113.5" in english


def test_the_dispatcher_table_says_its_values_are_ready_not_the_migration() -> None:
    """A customer's cold read: "Status klar" in the dispatcher table under "ikke klar" for
    the whole document, with six field names that are ngdpkit's and not Configurator's."""
    params = {
        "parameters": {"SystemId": "s", "ContactPointGuid": "g"},
        "ready": True,
        "blocking": [],
    }
    page = render_overview(ctx("da", ready=False, dispatcher=params))
    assert "værdierne er klar til at blive tastet ind" in page
    assert "Feltnavnene er ngdpkits egne, undtagen ContactPointGuid" in page


def test_only_the_kits_own_commands_are_set_as_code() -> None:
    """A customer's read of the checklist: "Intet: en person har bekræftet trinnet; ngdpkit
    har ikke selv set det" showed "ngdpkit har" as a command. Only the kit's commands are."""
    from ngdpkit.cli import COMMANDS
    from ngdpkit.documents.signoff import COMMAND_NAMES, with_commands

    assert set(COMMAND_NAMES) == {c for c in COMMANDS if not c.startswith("_")} | {"cert", "audit"}
    said = str(
        with_commands("Intet: en person har bekræftet trinnet; ngdpkit har ikke selv set det.")
    )
    assert "<code" not in said
    said = str(with_commands("Kør ngdpkit rehearse --against ngdp, når alt ovenfor er færdigt."))
    assert '<code class="cmd">ngdpkit rehearse --against ngdp</code>' in said


def test_the_overviews_changes_name_the_run_they_are_counted_from() -> None:
    """A customer's week-two read: after a week of changes since the run they signed, the
    overview said "Ingen ændringer." (counted from the run before, named only in the
    appendix). The summary names the run it counts from and its anchor, and what that means
    when the signed run is another; a first run says nothing of it."""
    from ngdpkit.documents.signoff import _changes_summary

    previous = {"run": "20261206T075512Z-58aa88", "anchor": "7b43" * 16, "status": "ok"}
    for lang, words in (
        ("da", "Sammenlignet med kørsel 20261206T075512Z-58aa88 (anker 7b437b437b43…)"),
        ("en", "Compared with run 20261206T075512Z-58aa88 (anchor 7b437b437b43…)"),
    ):
        text = str(_changes_summary({"previous": previous, "current": {}}, lang))
        assert words in text, text
        assert ("Ingen ændringer." if lang == "da" else "No changes.") in text
    said = str(_changes_summary({"previous": previous}, "da"))
    assert "Er den underskrevne kørsel en anden, er det ikke alle ændringer" in said
    assert "Sammenlignet" not in str(_changes_summary(None, "da"))


def test_the_portal_page_with_nothing_planned_offline_names_no_file_and_no_match() -> None:
    """A consultant's day one (no contact points, offline): the portal page said "… i
    portal-todo.xlsx" (no such file was written) and then "Intet at ændre: NgDP's
    oversættelser stemmer med tilknytningen" (NgDP was not read). It says there is nothing to
    hold against NgDP yet and where the proposed contact points are; read from NgDP with
    nothing to change, it still says so."""
    from ngdpkit.checks.ngdp_compare import PortalTodo
    from ngdpkit.documents.signoff import _portal_todo

    day_one = str(_portal_todo(PortalTodo(False, ()), "da"))
    assert "Intet at sammenholde med NgDP endnu" in day_one and "contact-point-plan.xlsx" in day_one
    assert "portal-todo.xlsx" not in day_one and "stemmer med" not in day_one
    assert "Nothing to hold against NgDP yet" in str(_portal_todo(PortalTodo(False, ()), "en"))
    read = str(_portal_todo(PortalTodo(True, ()), "da"))
    assert "Intet at ændre: NgDP&#39;s oversættelser stemmer med tilknytningen." in read


def _seal(trust: str, url: str = "") -> object:
    from ngdpkit.documents.signing import Seal, SealDeclaration, SealTrust

    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    seal = Seal(
        "CN=Konsulenthuset seal,O=Konsulenthuset A/S", "CN=Issuer", when, when, "ab12" * 16,
        trust=SealTrust(trust),
    )  # fmt: skip
    return SealDeclaration(seal, url)


def test_the_declaration_says_the_truth_about_the_seal() -> None:
    """An IT manager's read before signing: the seal paragraph called every seal "advanced,
    not qualified", and said nothing else. It names the fingerprint, what the certificate
    chains to (what the seal proves), and whether the PDF's signature has a timestamp."""
    from dataclasses import replace
    from html import unescape

    fingerprint = "AB12" * 16
    own = render_overview(replace(ctx("da"), seal=_seal("own")))
    for text in (
        "forsegles elektronisk af CN=Konsulenthuset seal,O=Konsulenthuset A/S",
        f"Signeringscertifikatets fingeraftryk (SHA-256) er {fingerprint}; sammenlign det med det "
        "fingeraftryk, konsulenthuset har oplyst ad en anden vej (fx pr. telefon)",
        "Adobe Reader og pyHanko viser seglet som ikke betroet, medmindre konsulenthusets "
        "rodcertifikat er gjort betroet hos læseren.",
        "Signeringscertifikatet (seglets certifikat) er konsulenthusets eget certifikat, ikke et OCES3-certifikat: seglet "
        "viser kun, at intet er ændret, siden det blev sat, ikke hvem der satte det.",
        "Seglet i signoff.pdf har intet tidsstempel: dets tidspunkt kommer fra uret på den "
        "computer, der satte det.",
    ):
        assert text in own, text
    assert "avanceret" not in own and "Ankeret låser" not in own
    test = render_overview(replace(ctx("da"), seal=_seal("test", "https://tsa.example.dk/")))
    assert "OCES3-testcertifikat" in test and "beviser intet om, hvem der har sat seglet" in test
    assert "tidsstemplingstjenesten https://tsa.example.dk/" in test
    assert "(SIGNING_TIMESTAMP_FAILED)" in test and "intet tidsstempel:" not in test
    prod = render_overview(replace(ctx("da"), seal=_seal("production")))
    assert (
        "OCES3-organisationscertifikat" in prod
        and "et avanceret segl, ikke et kvalificeret" in prod
    )
    english = render_overview(replace(ctx("en"), seal=_seal("production", "https://tsa/")))
    for text in (
        f"fingerprint (SHA-256) is {fingerprint}",
        "an OCES3 organisation certificate",
        "gets a timestamp from the time-stamping service https://tsa/",
    ):
        assert text in english, text
    mine = unescape(render_overview(replace(ctx("en"), seal=_seal("own"))))
    assert "the consultancy's own certificate, not an OCES3 certificate" in mine
    assert "carries no timestamp" in mine


def test_a_sealed_run_without_a_pdf_says_nothing_of_one() -> None:
    """An auditor's look: a sealed run made without --pdf has no signoff.pdf, yet its
    declaration said "manifest.json.p7s dækker hver fil, og signoff.pdf bærer samme segl"
    and "Seglet i signoff.pdf har intet tidsstempel". The PDF's sentences only when the run
    makes one, in both languages."""
    from dataclasses import replace
    from html import unescape

    from ngdpkit.documents.signing import SealDeclaration

    def without_pdf(trust: str, url: str = "") -> object:
        declaration = _seal(trust, url)
        assert isinstance(declaration, SealDeclaration) and declaration.pdf
        return replace(declaration, pdf=False)

    for trust, url in (("own", ""), ("production", "https://tsa.example.dk/")):
        da = unescape(render_overview(replace(ctx("da"), seal=without_pdf(trust, url))))
        assert (
            "Kørslens mappe forsegles elektronisk af CN=Konsulenthuset seal,O=Konsulenthuset A/S: "
            "manifest.json.p7s dækker hver fil. Signeringscertifikatets fingeraftryk (SHA-256) er "
            + "AB12"
            * 16
        ) in da
        assert "Seglet kan kontrolleres uden ngdpkit med openssl." in da
        en = unescape(render_overview(replace(ctx("en"), seal=without_pdf(trust, url))))
        assert "manifest.json.p7s covers every file. The seal certificate's fingerprint" in en
        for page in (da, en):
            for text in ("signoff.pdf", "pyHanko", "Adobe", "tidsstempel", "timestamp"):
                assert text not in page, (trust, text)
    # with a PDF, as before
    da = unescape(render_overview(replace(ctx("da"), seal=_seal("own"))))
    assert "og signoff.pdf bærer samme segl" in da and "Seglet i signoff.pdf har intet" in da


def test_the_steps_table_says_what_its_ok_means() -> None:
    """A step's "ok" stood beside checklist rows saying "ikke verificeret"."""
    da = render_overview(ctx("da"))
    assert (
        "»ok« ved et trin betyder kun, at trinnets input ikke gav fejl; hvad der faktisk er "
        "set på plads, fremgår af tjeklistens belæg." in da
    )
    en = render_overview(ctx("en"))
    assert "“ok” beside a step means only that the step&#39;s inputs gave no error" in en


def test_the_overview_says_its_time_is_danish_time() -> None:
    """A signer read "Dannet 06-12-2026 kl. 13:10" beside a seal and a run ID in UTC (12:10Z)
    and could not tell which clock it was. The Danish overview says Danish time; the English
    one says Copenhagen, as its times always did."""
    da = render_overview(ctx("da"))
    assert "01-07-2026 kl. 12:30 (dansk tid)" in da
    en = render_overview(ctx("en"))
    assert "2026-07-01 12:30 (Copenhagen)" in en and "(dansk tid)" not in en


def test_the_overview_lists_each_deliverable_with_its_sha256(sample_run: dict[str, Any]) -> None:
    """A customer about to sign and a Windows administrator handed the scripts both asked
    how to know a file is the one the anchor pins, without the consultant: the overview
    lists the run folder's own files with their SHA-256 as Get-FileHash writes it."""
    import hashlib
    import html

    run_dir = sample_run["run_dir"]
    page = html.unescape((run_dir / "signoff" / "index.html").read_text(encoding="utf-8"))
    listed = dict(
        re.findall(r"<tr><td>([^<]+)</td><td><code>([0-9A-F]{64})</code></td></tr>", page)
    )
    own = {
        p.name
        for p in run_dir.iterdir()
        if p.is_file() and p.name not in ("audit.jsonl", "manifest.json")
    }
    assert set(listed) == own and "mailbox-mapping.xlsx" in listed and "server-check.ps1" in listed
    for name, digest in listed.items():
        assert hashlib.sha256((run_dir / name).read_bytes()).hexdigest().upper() == digest, name
    assert '<code class="cmd">Get-FileHash -Algorithm SHA256 .\\mailbox-mapping.xlsx</code>' in page
    assert "kan selv kontrollere den uden ngdpkit" in page
    assert "enhver kan selv kontrollere dem med listen over filernes SHA-256" in page


def test_a_planted_file_name_is_listed_with_what_cannot_be_seen_written_out() -> None:
    """An attacker's look: a file planted in the run folder as "mailbox-mapping" + U+202E +
    "xslx.ps1" showed in the list of deliverables like a workbook. What a reader cannot see
    (controls, direction marks) is written out as \\uXXXX."""
    from types import SimpleNamespace

    from ngdpkit.run.audit import SealedOutputs
    from ngdpkit.run.pages import Pages

    sealed = SealedOutputs("a" * 64, {"mailbox-mapping\u202exslx.ps1": "b" * 64, "steps/x": "c"})
    fake = SimpleNamespace(run=SimpleNamespace(folder=SimpleNamespace(sealed=sealed)))
    assert Pages.deliverables(fake) == (("mailbox-mapping\\u202exslx.ps1", "b" * 64),)  # type: ignore[arg-type]


def test_a_mapped_row_a_warning_names_is_not_green_in_its_units_table() -> None:
    """A customer's cold read: a mailbox that lands apart from its unit (a warning, in the
    summary and the appendix of findings) stood as a green "tilknyttet" in its unit's table,
    which the customer signs. Its status names the finding; a row no finding names, and a
    finding of another mailbox, leave it as it was."""
    import dataclasses
    import html as html_lib

    from ngdpkit.documents.display import COLOURS

    guid, other = "3f2e1d0c-8d4a-4e7b-9c2f-1a6d3e8b7c40", "5c4b3a2f-8d4a-4e7b-9c2f-1a6d3e8b7c42"

    def row(mid: str, sid: str, cp_guid: str) -> dict[str, str]:
        return {
            "mailbox_id": mid,
            "subject_id": sid,
            "mailbox_name": f"Postkasse {mid}",
            "responsible_unit": "Borgerservice",
            "case": "",
            "ngdp_guid": cp_guid,
            "contact_point": "Borgerservice",
            "source": "translation",
            "status": "mapped",
        }

    apart = Finding(
        "warning",
        "MAILBOX_LANDS_APART_FROM_UNIT",
        "Mailbox 0100012:S2 of unit 'Borgerservice' lands elsewhere.",
        "mailboxes.xlsx",
        "row 13",
        params={"mid": "0100012", "value": ":S2", "unit": "'Borgerservice'"},
    )
    elsewhere = Finding(
        "warning",
        "UNIT_NAMED_ELSEWHERE",
        "Unit 'Borgerservice': 1 of its 4 rows land on …",
        "mailboxes.xlsx",
        "row 14",
        params={"unit": "'Borgerservice'", "cp": f"'Kultur' ({other})", "mid": "0100013"},
    )
    frame = pd.DataFrame(
        [
            row("0100011", "", guid),
            row("0100012", "S1", guid),
            row("0100012", "S2", other),
            row("0100013", "", other),
        ]
    )
    base = ctx("da")
    page = render_overview(
        dataclasses.replace(base, mapping=frame, findings=base.findings + (apart, elsewhere))
    )
    text = html_lib.unescape(page)
    table = text[text.index("Borgerservice (4)") :]
    assert table.count("tilknyttet, se fund: MAILBOX_LANDS_APART_FROM_UNIT") == 1
    assert table.count("tilknyttet, se fund: UNIT_NAMED_ELSEWHERE") == 1
    # the other two rows (0100011, and 0100012's first subject) stay green
    assert table.count(">tilknyttet<") == 2
    assert COLOURS["warning"] in page[page.index("se fund: MAILBOX_LANDS") - 200 :][:400]
    # NgDP's read-back names a mailbox with its subject ("0100012:S1"): only that row
    ngdp = Finding(
        "warning",
        "NGDP_TRANSLATION_MISSING",
        "Mailbox 0100012:S1 is mapped to Borgerservice, but NgDP has no translation of it there.",
        params={"mailbox": "0100012:S1", "contact_point": "Borgerservice"},
    )
    read_back = html_lib.unescape(
        render_overview(dataclasses.replace(base, mapping=frame, findings=(ngdp,)))
    )
    assert read_back.count("tilknyttet, se fund: NGDP_TRANSLATION_MISSING") == 1
    english = html_lib.unescape(
        render_overview(dataclasses.replace(ctx("en"), mapping=frame, findings=(apart,)))
    )
    assert english.count("mapped, see findings: MAILBOX_LANDS_APART_FROM_UNIT") == 1


def test_an_online_run_says_the_network_was_checked_only_from_the_kits_machine() -> None:
    """A customer's read of an --online run: under "Ikke kontrolleret" the overview said only
    "Netværkskontroller: vm", neither what was checked (the network, from the machine that
    ran ngdpkit) nor what was not (each WorkZone server), nor that no server check came."""
    import dataclasses

    from ngdpkit.checks.evidence import EvidenceSummary

    online = NetworkRun(online=True, ran_on="laptop")
    page = render_overview(dataclasses.replace(ctx("da"), network=online))
    assert "Netværkskontroller: laptop" not in page
    assert (
        "Netværket blev kun kontrolleret fra laptop, maskinen der kørte ngdpkit, ikke fra hver "
        "WorkZone-server, og ingen server har afleveret en serverkontrol endnu." in page
    )
    seen = EvidenceSummary("server-check", "WZWEB01", "2026-12-01T10:00:00Z", checks=11, failed=0)
    with_check = render_overview(dataclasses.replace(ctx("da"), network=online, evidence=(seen,)))
    assert "ikke fra hver WorkZone-server; se serverkontrollerne." in with_check
    english = render_overview(dataclasses.replace(ctx("en"), network=online))
    assert "The network was checked only from laptop, the machine that ran ngdpkit" in english
    assert "Network checks: laptop" not in english
