"""The finding catalogue: every message template the kit can emit has its Danish form, with
the same parameters; a sample rendered in Danish holds no English finding sentence, and one
rendered in English no Danish one."""

from __future__ import annotations

import ast
import json
import re
import shutil
import string
from pathlib import Path

import pytest

from ngdpkit import findings as F
from ngdpkit.catalogue import DANISH, VALUES_DA
from tests.conftest import REPO, copy_sample_run, run_cli
from tests.finding_calls import finding_calls


def emitted_templates() -> set[str]:
    """Every constant message template handed to F.error/warning/info (or to a helper that
    passes it on), found by reading the package's source."""
    out: set[str] = set()
    for path in (REPO / "ngdpkit").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = list(ast.walk(tree))  # walked once for both looks below
        for node in nodes:
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            args = node.args
            if name in ("error", "warning", "info", "sev") and len(args) >= 2:
                msg = args[1]
            elif name == "unavailable" and args:
                msg = args[0]
            elif (
                name == "of"
                and isinstance(func, ast.Attribute)
                and getattr(func.value, "id", "") == "Sentence"
                and args
            ):
                msg = args[0]  # a sentence that is not a finding (findings.Sentence)
            else:
                continue
            if isinstance(msg, ast.Constant) and isinstance(msg.value, str):
                out.add(msg.value)
        # templates chosen by branch and handed on through a variable (server evidence)
        for node in nodes:
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "msg" for t in node.targets)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                out.add(node.value.value)
    # templates chosen by a condition, or handed to the call by a loop over tuples
    out.update(t for made in finding_calls(REPO / "ngdpkit") for t in made.templates)
    return out


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_template_has_a_danish_form_with_the_same_parameters() -> None:
    templates = emitted_templates()
    assert len(templates) > 120
    missing = sorted(t for t in templates if t not in DANISH)
    assert missing == []
    for english, danish in DANISH.items():
        assert fields(english) == fields(danish), english


def test_a_finding_renders_in_either_language_and_keeps_its_params() -> None:
    f = F.error(
        "MAILBOX_UNMAPPED",
        "Mailbox {mid} ({name}) has no contact point GUID.",
        "x.xlsx",
        "Postkasser!3",
        mid="0100233",
        name="Pas og kørekort",
    )
    assert f.message == "Mailbox 0100233 (Pas og kørekort) has no contact point GUID."
    assert f.text("da") == "Postkassen 0100233 (Pas og kørekort) har ingen kontaktpunkt-GUID."
    data = f.to_dict("da")
    assert data["params"] == {"mid": "0100233", "name": "Pas og kørekort"}
    again = F.Finding.from_dict(json.loads(json.dumps(f.to_dict())))
    assert again.text("da") == f.text("da") and again == f


def test_a_name_that_is_one_of_the_fixed_words_stays_as_it_is_in_danish() -> None:
    """The OCES2 marker's head was the bare word "issuer" in the catalogue's fixed words, so
    a mailbox named "issuer" read "udsteder" on a Danish page. The marker names OCES2 now."""
    f = F.error(
        "MAILBOX_UNMAPPED",
        "Mailbox {mid} ({name}) has no contact point GUID.",
        mid="0100233",
        name="issuer",
    )
    assert f.text("da") == "Postkassen 0100233 (issuer) har ingen kontaktpunkt-GUID."
    assert "issuer" not in VALUES_DA and VALUES_DA["OCES2 issuer"] == "OCES2-udsteder"


def _words(template: str) -> list[str]:
    """The literal runs of a template long enough to be a sentence of its language."""
    runs = re.split(r"\{[^}]*\}", template.replace("{{", "").replace("}}", ""))
    return [r.strip(" .,;:()") for r in runs if len(r.strip().split()) >= 4]


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_sample_in_one_language_holds_no_sentence_of_the_other(
    language: str, sample_dir: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    sample = tmp_path / "sample"
    text = (sample_dir / "migration.toml").read_text(encoding="utf-8")
    changed = text.replace('language = "da"', f'language = "{language}"')
    if changed == text:  # the sample as shipped (Danish): the session's run of it, copied
        shared = request.getfixturevalue("sample_run_all")
        copy_sample_run(shared, sample)
        r = shared["result"]
    else:
        shutil.copytree(sample_dir, sample, ignore=shutil.ignore_patterns("runs"))
        toml = sample / "migration.toml"
        toml.write_text(changed, encoding="utf-8")
        r = run_cli("run", "--settings", str(toml), "--env", "all")
    assert r.returncode == 0, r.stdout + r.stderr
    other = [w for e, d in DANISH.items() for w in _words(e if language == "da" else d)]
    pages = [p for p in (sample / "runs").rglob("signoff/*.html")]
    assert len(pages) >= 16
    for page in pages:
        text = page.read_text(encoding="utf-8")
        found = [w for w in other if w in text]
        assert found == [], (page.name, found[:3])
    for path in (sample / "runs").rglob("findings.json"):
        for f in json.loads(path.read_text(encoding="utf-8"))["findings"]:
            assert not any(w in f["message"] for w in other), f["message"]


def test_english_words_in_parameters_are_rendered_in_danish_too() -> None:
    from ngdpkit.checks.system import check_ips

    finding = check_ips(["10.1.2.3"], "k")[0]
    assert "private address" in finding.text("en")
    assert "af typen privat" in finding.text("da") and "private" not in finding.text("da")


def test_findings_are_capped_per_code_with_a_count() -> None:
    """Issue 26: a million bad values gave a million findings (214 MB, then MemoryError)."""
    from ngdpkit import findings as F

    found = F.Bounded(per_code=3)
    for i in range(10):
        found.append(
            F.warning("CONTACT_POINT_VALUE_INVALID", "Bad {token!r}.", "cp.json", f"[{i}]", token=i)
        )
    found += [F.error("CERT_EXPIRED", "x")]
    rows = list(found)
    assert [f.location for f in rows if f.code == "CONTACT_POINT_VALUE_INVALID"] == [
        "[0]",
        "[1]",
        "[2]",
        "",
    ]
    (summary,) = [f for f in rows if f.template == F.LEFT_OUT]
    assert summary.params["count"] == "7" and "7 more findings" in summary.message
    assert "7 flere fund" in summary.text("da")
    merged = F.Bounded(rows, per_code=3)  # a second bound adds the counts, keeps one summary
    assert [f.params.get("count") for f in merged if f.template == F.LEFT_OUT] == ["7"]


def test_a_huge_contact_point_listing_gives_bounded_findings(tmp_path: Path) -> None:
    import json

    from ngdpkit.inputs.contact_points import read_contact_points

    path = tmp_path / "cp.json"
    items = [
        {"id": f"{i:08x}-0000-4000-8000-000000000000", "name": f"cp {i}", "translations": ["x"]}
        for i in range(3000)
    ]
    path.write_text(json.dumps(items))
    read = read_contact_points(path, label="cp.json", system_id=None)
    codes = [f.code for f in read.findings]
    assert codes.count("CONTACT_POINT_VALUE_INVALID") == 1001 and len(read.points) == 3000


def test_every_sentence_is_a_template_the_catalogue_check_can_see() -> None:
    """A ``Sentence`` whose template is composed at run time would escape the check above,
    and would say nothing at all: a template the catalogue lacks is never formatted."""
    composed = []
    for path in (REPO / "ngdpkit").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "of"
                and getattr(node.func.value, "id", "") == "Sentence"
            ):
                first = node.args[0] if node.args else None
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    composed.append(f"{path.name}:{node.lineno}")
    assert composed == []


def test_the_danish_texts_name_the_firewall_order_and_the_internet_settings_one_way() -> None:
    """A Danish proofreader's pass: the firewall page the customer signs says "firewall-
    ordren" (its appendix, "Bilag: firewall-ordren"), while the server check's proxy finding
    and the pending-IPs note said "firewall-bestillingen"; and "Internetindstillingerne"
    stood capitalised mid-sentence, as Danish does not write it. The proxy finding's "den må
    ikke inspicere TLS" followed WorkZone's service account: it names the proxy first."""
    from ngdpkit.documents.i18n import TEXT

    texts = list(DANISH.values()) + list(TEXT["da"].values())
    assert not [x for x in texts if "firewall-bestilling" in x.lower()]
    assert not [x for x in texts if re.search("[a-zæøå,;] Internetindstilling", x)]
    proxy = next(x for x in DANISH.values() if "sessionen, der kørte server-check.ps1" in x)
    assert "som firewall-ordren beder om" in proxy
    assert "skal proxyen angives i WorkZone" in proxy


def test_the_danish_of_ngdps_throttling_and_odd_event_times_reads_as_danish() -> None:
    """A Danish proofreader's read (session 37): "(for mange forespørgsler eller optaget)"
    called NgDP busy like a telephone line, "bad om ro i 30 sekunder" was colloquial, "kør
    igen derefter" dangled, and an event "hvis eventTime ikke er et tidspunkt, overvågningen
    kan læse" was English word order; the kit is ngdpkit, as its other messages name it."""
    busy = DANISH[
        "NgDP answered {path} with HTTP {status} (too many requests, or busy) and asked to be "
        "left alone for {seconds} seconds; nothing more was read from NgDP: run again after that."
    ]
    assert "eller NgDP er overbelastet) og bad om at vente {seconds} sekunder" in busy
    assert busy.endswith("kør igen, når de er gået.")
    assert (
        "eller NgDP er overbelastet);"
        in DANISH[
            "NgDP answered {path} with HTTP {status} (too many requests, or busy); nothing more was "
            "read from NgDP: run again in a few minutes."
        ]
    )
    odd = DANISH[
        "NgDP's event log holds {count} event(s) tagged {tag} whose eventTime is no time the "
        "watch can read: they are not counted as deliveries, good or failed, and the rest was "
        "judged without them; look them up in Administrativ Adgang."
    ]
    assert "hvis eventTime overvågningen ikke kan læse som et tidspunkt:" in odd
    several = DANISH[
        "NgDP's search for CVR {cvr} answered {count} organisations ({ids}), and the kit cannot "
        "tell which is the customer's; nothing more was read: ask Digitaliseringsstyrelsen which "
        "organisation the CVR belongs to."
    ]
    assert "og ngdpkit kan ikke afgøre" in several


def test_danish_texts_call_the_watch_overvaagningen_not_watch() -> None:
    """A head of IT's read of watch's Danish findings: the same family of messages said
    "overvågningen læste 200", then "så watch stoppede efter 100 hændelse(r)" and "watch har
    læst den adresse". The command's name stays where a command is meant (``ngdpkit
    watch``); the thing doing the reading is "overvågningen"."""
    from ngdpkit.catalogue import TITLES
    from ngdpkit.documents.i18n import TEXT

    texts = [*DANISH.values(), *VALUES_DA.values(), *TITLES.values(), *TEXT["da"].values()]
    bare = [s for s in texts if re.search(r"(?<!ngdpkit )(?<![-\w])watch(?![-\w.])", s)]
    assert bare == [], bare
    looped = DANISH[
        "NgDP's event log of {tag} events of the last {days} days answered a later page with only events read before, so the watch stopped after {read} event(s): the log was judged in part and the newest time shown is the newest of those read."
    ]
    assert "så overvågningen stoppede efter {read} hændelse(r)" in looped


def test_the_stale_comparison_finding_reads_as_danish() -> None:
    """A head of IT's read of ``compare``: "Kørslen af test … er ikke af filerne, som de er
    nu" (English word order: "is not of the inputs on disk"), and "lader kørslen før den stå
    som den seneste"."""
    from ngdpkit.catalogue import TITLES

    said = DANISH[
        "The run of {name} compared here ({run}, made {when}) is not of the inputs on disk: {value} changed since it. Run {name} again before reading this comparison as current (a run that stopped with exit 2 leaves the run before it as the latest), or compare the inputs with --from-inputs."
    ]
    assert "er ikke af filerne" not in said and "lader kørslen før den" not in said
    assert "bygger ikke på filerne, som de ser ud nu: {value} er ændret siden." in said
    assert "efterlader den forrige kørsel som den seneste" in said
    assert TITLES["COMPARE_RUN_INPUTS_CHANGED"] == (
        "Den sammenlignede kørsel bygger ikke på filerne, som de ser ud nu"
    )
