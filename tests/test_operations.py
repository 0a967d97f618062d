"""Issue 13: the deliverables operations act on (scripts, firewall order, portal values, the
WorkZone administrator's page, server evidence). PowerShell cannot run here: every script
is parsed with tree-sitter-powershell and its exact commands and quoting are asserted."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ngdpkit.checks.network import NGDP
from ngdpkit.deliverables.firewall import firewall_rules
from ngdpkit.deliverables.servercheck import (
    evidence_coverage,
    install_certificate_script,
    read_evidence,
    server_check_script,
)
from ngdpkit.settings import Server, load_settings
from tests.conftest import run_cli
from tests.test_hostile import ps_errors, ps_strings

THUMB = "90C81BECB5FCC9ADD5F198FB26B5AEECE17759C6"


def env_of(sample_dir: Path, name: str = "test") -> Any:
    return load_settings(sample_dir / "migration.toml").environment(name)


def three_servers(env: Any) -> Any:
    return replace(
        env,
        service_account="ÆRØ\\svc-wørkzone",
        servers=(
            Server("wz-web01", "web", service_account="IIS APPPOOL\\WorkZone 'Web' $x `y"),
            Server("wz-web02", "web", internal_ip="10.1.2.3"),
            Server("wz-agent01", "agent", service_account="ÆRØ\\svc-agent"),
        ),
    )


def test_scripts_find_cng_and_csp_keys_and_read_access_back(sample_dir: Path) -> None:
    env = three_servers(env_of(sample_dir))
    for text in (
        install_certificate_script(env, thumbprint=THUMB, issuing_ca=b"\x30\x03\x02\x01\x01"),
        server_check_script(env, thumbprint=THUMB),
    ):
        assert ps_errors(text) == []
        assert (
            "Microsoft\\Crypto\\Keys\\" in text and "Microsoft\\Crypto\\RSA\\MachineKeys\\" in text
        )
        assert "[System.Security.Cryptography.RSACng]" in text
        assert "CspKeyContainerInfo.UniqueKeyContainerName" in text
        assert "throw ('No private key file found" in text  # never the folder itself
        assert (
            "Get-NgdpReadRight" in text
            and ".Translate([System.Security.Principal.SecurityIdentifier])" in text
        )
        strings = ps_strings(text)
        assert "IIS APPPOOL\\WorkZone 'Web' $x `y" in strings  # quotes doubled, $ and ` inert
        assert "ÆRØ\\svc-wørkzone" in strings and "ÆRØ\\svc-agent" in strings
        assert "WZ-WEB01" in strings  # keyed as $env:COMPUTERNAME spells it


def test_install_script_grants_each_account_and_installs_the_issuing_ca(sample_dir: Path) -> None:
    import base64

    env = three_servers(env_of(sample_dir))
    der = b"\x30\x03\x02\x01\x01"
    text = install_certificate_script(env, thumbprint=THUMB, issuing_ca=der)
    assert "throw 'ngdpkit refused" not in text
    assert base64.b64encode(der).decode() in ps_strings(text)
    assert "Install-NgdpCa $IssuingCa $IssuingThumbprint 'CA'" in text
    assert "Install-NgdpCa $RootCa $RootThumbprint 'Root'" in text
    assert "$chain.Build($cert)" in text
    assert (
        "foreach ($account in $accounts)" in text
        and "[System.IO.File]::SetAccessControl($keyFile, $acl)" in text
    )
    grant = text.index("[System.IO.File]::SetAccessControl($keyFile, $acl)")
    assert text.index("Get-NgdpReadRight $keyFile $account", grant) > grant  # read back after


@pytest.mark.parametrize(
    ("thumbprint", "account", "why"),
    [(None, "EKSEMPEL\\svc", "thumbprint is not known yet"), (THUMB, "", "no service account")],
)
def test_install_script_day_one_refuses_at_its_top(
    sample_dir: Path, thumbprint: str | None, account: str, why: str
) -> None:
    env = replace(env_of(sample_dir), service_account=account, servers=(Server("wz-web01", "web"),))
    text = install_certificate_script(env, thumbprint=thumbprint)
    assert ps_errors(text) == []
    top = text[: text.index("function ")]
    assert "throw 'ngdpkit refused to fill in this script" in top and why in top
    assert top.index("throw") < text.index("Import-PfxCertificate")


def test_scripts_are_utf8_with_bom_and_crlf(sample_copy: Path) -> None:
    toml = sample_copy / "migration.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            "service_account = 'EKSEMPEL\\svc-workzone-t'", "service_account = 'ÆRØ\\svc-wørkzone'"
        ),
        encoding="utf-8",
    )
    r = run_cli("run", "--settings", str(toml), "--env", "test")
    assert r.returncode == 0, r.stdout + r.stderr
    run_dir = next((sample_copy / "runs" / "test").glob("2*"))
    for name in ("install-certificate.ps1", "server-check.ps1"):
        raw = (run_dir / name).read_bytes()
        assert (
            raw[:3] == b"\xef\xbb\xbf" and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
        )
        assert "ÆRØ\\svc-wørkzone".encode() in raw
    # The WorkZone administrator's page: every field, the header named by its variable only
    page = (run_dir / "signoff" / "dispatcher.html").read_text(encoding="utf-8")
    assert "Process dispatchers → NgDP" in page
    config = json.loads((run_dir / "dispatcher-config.json").read_text(encoding="utf-8"))
    for value in config["parameters"].values():
        assert str(value).replace("\\", "\\") in page.replace("&#92;", "\\")
    # The header is a parameter handed over through an agreed channel: never the variable on
    # the consultant's laptop, never the value.
    assert "NGDPKIT_TEST_AUTHORIZATION" not in page and "KMD" in page
    assert "Autorisationsheader" in page and "kanalen er endnu ikke aftalt" in page
    # the portal page's count per contact point is of translations, not mailboxes (a
    # customer's second read: "Postkasser 43" where 24 mailboxes have 43 translations)
    portal = (run_dir / "signoff" / "portal.html").read_text(encoding="utf-8")
    assert "Oversættelser (postkasse eller postkasse:emne)" in portal
    # The firewall order: the CSV in English, the workbook and page in Danish
    rows = list(
        csv.reader(
            (run_dir / "firewall-rules.csv").read_text("utf-8-sig").splitlines(), delimiter=";"
        )
    )
    assert rows[0][:5] == ["source", "source_server", "source_ip", "destination_host", "ip"]
    wb = openpyxl.load_workbook(run_dir / "firewall-rules.xlsx")
    head = [c.value for c in next(wb.active.iter_rows(max_row=1))]
    assert head[:2] == ["Kilde", "Kildeserver"] and "Formål" in head
    page = (run_dir / "signoff" / "firewall.html").read_text(encoding="utf-8")
    assert "udgående" in page
    # the summary counts rules only: the notes and NAT addresses are said below it (they
    # were counted as rules of api.test.digitalpost.dk; the customer's second read)
    summary = page[: page.index("Bilaget har også rækker, der ikke er regler")]
    assert "bemærkning, ikke en regel" not in summary
    # an optional rule says so in the summary too, as in the appendix (an operations read)
    assert "api.ipify.org (valgfri)" in summary
    assert any(r[8].startswith("no TLS inspection") and r[0] == "(note, not a rule)" for r in rows)


def test_server_check_tests_every_published_ip_and_tls_by_name(sample_dir: Path) -> None:
    env = env_of(sample_dir)
    text = server_check_script(env, thumbprint=THUMB)
    assert ps_errors(text) == []
    strings = ps_strings(text)
    for ip in NGDP["test"]["ips"]:
        assert ip in strings
    assert "foreach ($ip in $NgdpIps)" in text and "Test-NgdpTcp $ip 443" in text
    assert (
        "AuthenticateAsClient($ApiHost, $null, [System.Security.Authentication.SslProtocols]::Tls12, $false)"
        in text
    )
    code = "\n".join(x for x in re.sub(r"<#.*?#>", "", text, flags=re.S).splitlines())
    assert "api.ipify.org" not in code  # looked up only with -EgressIpUrl, an optional rule
    optional = [r for r in firewall_rules(env) if r["destination_host"] == "api.ipify.org"]
    assert optional and all(r["basis"] == "optional" for r in optional)
    assert "[string]$EgressIpUrl = ''" in text
    assert "'auth_not_tested'" in text


def _evidence(
    tmp_path: Path, server: str, *, taken: str, checks: list[dict], egress: str | None
) -> Path:
    path = tmp_path / f"{server}.json"
    path.write_text(
        json.dumps(
            {
                "schema": "ngdpkit/server-check/1",
                "environment": "test",
                "server": server,
                "taken_at": taken,
                "egress_ip": egress,
                "checks": checks,
            }
        ),
        encoding="utf-8",
    )
    return path


def test_evidence_401_without_header_missing_stale_and_foreign_egress(
    tmp_path: Path, sample_dir: Path
) -> None:
    env = three_servers(env_of(sample_dir))
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    fresh, old = "2026-11-28T10:00:00Z", "2026-09-01T10:00:00Z"
    not_tested = {
        "kind": "auth_not_tested",
        "target": "https://api.test.digitalpost.dk/apis/v1",
        "ok": False,
        "detail": "401",
        "status": 401,
    }
    summaries, found = [], []
    for server, taken, egress in (
        ("WZ-WEB01", fresh, "198.51.100.10"),
        ("WZ-AGENT01", old, "192.0.2.77"),
    ):
        s, f = read_evidence(
            _evidence(tmp_path, server, taken=taken, checks=[not_tested], egress=egress),
            label=f"{server}.json",
            environment="test",
            registered_ips=env.server_ips,
        )
        summaries.append(s)
        found += f
    found += evidence_coverage(env, summaries, now=now)
    codes = [(f.code, f.severity, f.location) for f in found]
    assert ("NET_AUTH_NOT_TESTED", "info", "WZ-WEB01") in codes
    assert not any(c == "NET_HTTP_REFUSED" for c, _, _ in codes)
    assert ("NET_EGRESS_IP_UNREGISTERED", "error", "WZ-AGENT01") in codes
    missing = [f for f in found if f.code == "NET_EVIDENCE_MISSING"]
    assert len(missing) == 1 and missing[0].severity == "warning"
    assert "wz-web02" in missing[0].message and "wz-web01" not in missing[0].message
    stale = [f for f in found if f.code == "NET_EVIDENCE_STALE"]
    assert [(f.severity, f.location) for f in stale] == [("warning", "WZ-AGENT01")]


def test_one_firewall_rule_per_row(sample_dir: Path) -> None:
    env = three_servers(env_of(sample_dir))
    rows = firewall_rules(env)
    api = [
        r
        for r in rows
        if r["destination_host"] == "api.test.digitalpost.dk" and r["purpose"] == "ngdp"
    ]
    # one row per server, destination IP and port (contract 12.4): 3 servers x 2 addresses
    assert len(api) == 3 * len(NGDP["test"]["ips"])
    assert {r["ip"] for r in api} == set(NGDP["test"]["ips"])
    web02 = [r for r in api if r["source_server"] == "wz-web02"]
    assert [r["source_ip"] for r in web02] == ["10.1.2.3"] * 2  # its internal address
    web01 = [r for r in api if r["source_server"] == "wz-web01"]
    assert [r["source_ip"] for r in web01] == ["wz-web01"] * 2  # else its name, never NAT
    nat = [r for r in rows if r["purpose"] == "nat"]  # the egress addresses once each
    assert sorted(r["source_ip"] for r in nat) == sorted(env.server_ips)
    assert not any(r["source_ip"] in env.server_ips for r in rows if r["purpose"] != "nat")
    assert [r["ip"] for r in rows if r["purpose"] == "no inspection"] == list(NGDP["test"]["ips"])
    assert all(";" not in str(v) and "," not in str(r["ip"]) for r in rows for v in r.values())


def test_push_rule_names_the_push_service_and_the_unpublished_source(sample_dir: Path) -> None:
    prod = env_of(sample_dir, "production")
    prod = replace(
        prod, servers=(*prod.servers, Server("wz-push01", "push", internal_ip="10.9.9.9"))
    )
    incoming = [r for r in firewall_rules(prod) if r["direction"] == "incoming"]
    assert len(incoming) == 1
    rule = incoming[0]
    assert "wz-push01" in rule["destination_host"] and rule["ip"] == "10.9.9.9"
    assert rule["source"] == "NgDP" and rule["source_ip"] == "not published"


def test_the_push_rule_without_an_address_is_said_in_the_pages_language(sample_dir: Path) -> None:
    """A customer's cold read: the Danish firewall page said "(public address of
    wzpush.eksempel-kommune.dk)"; the CSV keeps its English words."""
    from ngdpkit.deliverables.firewall import firewall_word

    prod = env_of(sample_dir, "production")
    (rule,) = [r for r in firewall_rules(prod) if r["direction"] == "incoming"]
    host = rule["ip"].removeprefix("(public address of ").removesuffix(")")
    assert rule["ip"] == f"(public address of {host})" and "." in host
    assert firewall_word("da", rule["ip"]) == f"(offentlig adresse for {host})"
    assert firewall_word("en", rule["ip"]) == rule["ip"]


def test_portal_translations_are_what_the_mapping_maps(sample_run_dir: Path) -> None:
    portal = json.loads((sample_run_dir / "portal-registration.json").read_text(encoding="utf-8"))
    from ngdpkit.steps.core import read_step_file

    steps = read_step_file(sample_run_dir / "steps" / "02_contact_points.json")
    frame = steps["results"]["mapping"]
    assert (sample_run_dir / "steps" / "02_contact_points.mapping.parquet").is_file()
    mapped = frame[frame["status"] == "mapped"].to_dict(orient="records")
    listed = [(c["id"], entry) for c in portal["contact_points"] for entry in c["translations"]]
    want = [
        (
            r["ngdp_guid"],
            f"{r['mailbox_id']}:{r['subject_id']}" if r["subject_id"] else r["mailbox_id"],
        )
        for r in mapped
    ]
    assert sorted(listed) == sorted(want)  # every mapped mailbox exactly once
    assert len({e for _, e in listed}) == len(listed)
    assert any(e.startswith("0") for _, e in listed)  # IDs exactly as the export writes them
    page = (sample_run_dir / "signoff" / "portal.html").read_text(encoding="utf-8")
    assert "…" not in page
    numbers = re.findall(r"<td>(\d+)\. ", page)
    assert numbers == [str(i) for i in range(1, len(numbers) + 1)]


@pytest.fixture
def sample_run_dir(sample_run: dict[str, Any]) -> Path:
    """The session's run of the sample's test environment (read only)."""
    return Path(sample_run["run_dir"])


def test_zero_lost_ids(tmp_path: Path) -> None:
    from ngdpkit.inputs.mailboxes import read_mailbox_export
    from tests.conftest import write_xlsx

    path = write_xlsx(
        tmp_path / "e.xlsx",
        [
            ["Postkasse-ID", "Postkassenavn"],
            ["0103679", "a"],
            ["0100233", "b"],
            [103999, "c"],
            ["1234567", "d"],
        ],
    )
    found = [
        f
        for f in read_mailbox_export(path, label="e.xlsx").findings
        if f.code == "MAILBOX_ID_ZERO_LOST"
    ]
    assert [(f.severity, f.location) for f in found] == [("warning", "Sheet1!4")]
    assert "0103999" in found[0].message
    plain = write_xlsx(
        tmp_path / "p.xlsx", [["Postkasse-ID", "Postkassenavn"], ["5123456", "a"], ["512345", "b"]]
    )
    assert not [
        f
        for f in read_mailbox_export(plain, label="p.xlsx").findings
        if f.code == "MAILBOX_ID_ZERO_LOST"
    ]


def test_each_step_file_holds_exactly_its_record(sample_run_dir: Path) -> None:
    """What a notebook hands on is its step's record, field for field (no stray keys)."""
    import dataclasses

    from ngdpkit.steps.records import RECORDS, read_step

    for path in sorted((sample_run_dir / "steps").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        kind = RECORDS[path.stem]
        assert set(data["results"]) == {f.name for f in dataclasses.fields(kind)}, path.name
        assert isinstance(read_step(path).record, kind)


def test_no_address_cell_of_the_firewall_order_is_empty(sample_dir: Path) -> None:
    """A Windows administrator's cold read: many change-request systems read an empty address
    cell as "any". The rows asking for no TLS inspection had no source address, the NAT rows
    no destination, and with no ``servers`` the rules themselves had no source. Every
    address cell holds an address or a text that fails an import."""
    from ngdpkit.deliverables.firewall import NOT_A_RULE, PORTAL_ONLY, SERVERS_ADDRESSES

    for env in (env_of(sample_dir), replace(env_of(sample_dir), servers=())):
        rows = firewall_rules(env)
        assert all(r["source_ip"] and r["ip"] for r in rows), [
            r for r in rows if not (r["source_ip"] and r["ip"])
        ]
        notes = [r for r in rows if r["purpose"] == "no inspection"]
        assert notes and all(r["source_ip"] == NOT_A_RULE for r in notes)
        nat = [r for r in rows if r["purpose"] == "nat"]
        assert nat and all(r["ip"] == PORTAL_ONLY for r in nat)
        # nor a host: an import that builds rules from the host name took one for a rule
        assert all(r["destination_host"] == PORTAL_ONLY for r in nat)
    rules = [
        r for r in firewall_rules(replace(env_of(sample_dir), servers=())) if r["purpose"] == "ngdp"
    ]
    assert rules and {r["source_ip"] for r in rules} == {SERVERS_ADDRESSES}


def _firewall_page(sample_dir: Path, language: str) -> str:
    from ngdpkit.deliverables.firewall import FirewallRule
    from ngdpkit.documents.pages import Markup
    from ngdpkit.documents.signoff import render_firewall

    rows = [FirewallRule.of(r) for r in firewall_rules(env_of(sample_dir))]
    return render_firewall(rows, language=language, nav=Markup(""), banners=[], environment="test")


def test_the_danish_firewall_intro_names_the_marker_the_danish_table_shows(
    sample_dir: Path,
) -> None:
    """An IT manager's read: the Danish intro spoke of rows marked »(resolve by DNS)«, and
    the Danish table showed "(slås op i DNS)"."""
    from ngdpkit.deliverables.firewall import FirewallRule, firewall_table
    from ngdpkit.documents.i18n import t

    intro = t("da", "firewall_intro")
    named = re.findall(r"»([^«]+)«", intro)
    assert named and "(resolve by DNS)" not in intro
    rows = [FirewallRule.of(r) for r in firewall_rules(env_of(sample_dir))]
    _, cells = firewall_table(rows, "da")
    table_text = {str(c) for row in cells for c in row}
    assert all(marker in table_text for marker in named), named
    page = _firewall_page(sample_dir, "da")
    assert "»(slås op i DNS)«" in page and "(slås op i DNS)</td>" in page


def test_the_danish_firewall_intro_reads_as_danish() -> None:
    """A head of IT's read of the firewall page: "klar til en ændringsanmodning, og om dens
    rækker gælder: Rækker med grundlag »udledt« …" (English "and of its rows:"), and "NgDP
    offentliggør ikke de adresser, NgDP kalder push-endepunkterne fra"."""
    from ngdpkit.documents.i18n import t

    intro = t("da", "firewall_intro")
    assert "og om dens rækker gælder" not in intro and "de adresser, NgDP kalder" not in intro
    assert "klar til en ændringsanmodning. Rækker med grundlag »udledt« står ikke" in intro
    assert "NgDP offentliggør ikke, hvilke adresser NgDP kalder push-endepunkterne fra." in intro
    assert "and of its rows" not in t("en", "firewall_intro")


def test_a_servers_host_name_is_kept_whole_in_the_firewall_tables(sample_dir: Path) -> None:
    """An IT manager's read of the PDF: "wz-agent01-" / "t" in the source-server column. The
    host name is in a span that does not wrap, as a GUID is."""
    env = env_of(sample_dir)
    names = {s.name for s in env.servers}
    assert names
    for language in ("da", "en"):
        page = _firewall_page(sample_dir, language)
        assert "span.host { white-space: nowrap; }" in page
        for name in names:
            assert f'<td><span class="host">{name}</span></td>' in page
            assert f"<td>{name}</td>" not in page  # never bare, in either table


def test_a_script_parameter_in_the_firewall_order_is_kept_whole(sample_dir: Path) -> None:
    """The printed appendix broke "(kun med -EgressIpUrl)" after its hyphen: a line copied
    from there into PowerShell lost the parameter. It is code that does not wrap, as a
    command in the checklist is; the words around it stay text."""
    for language, words in (("da", "kun med "), ("en", "only with ")):
        page = _firewall_page(sample_dir, language)
        assert "code.cmd { white-space: nowrap; }" in page
        assert f'{words}<code class="cmd">-EgressIpUrl</code>' in page
        assert f"{words}-EgressIpUrl" not in page


def test_the_push_rule_says_it_is_open_to_any_source(sample_dir: Path) -> None:
    """A Windows administrator's read: "Kilde: NgDP" made the inbound push rule look limited
    to NgDP, while NgDP publishes no source addresses: the rule is open to the Internet, and
    only the Push Service's demand for NgDP's client certificate keeps others out."""
    from ngdpkit.deliverables.firewall import firewall_word

    prod = env_of(sample_dir, "production")
    (rule,) = [r for r in firewall_rules(prod) if r["direction"] == "incoming"]
    assert str(firewall_word("da", rule["source_ip"])) == (
        "ikke offentliggjort af NgDP: reglen skal tillade enhver kilde (hele internettet)"
    )
    from ngdpkit.deliverables.firewall import FirewallRule
    from ngdpkit.documents.pages import Markup
    from ngdpkit.documents.signoff import render_firewall

    rows = [FirewallRule.of(r) for r in firewall_rules(prod)]
    page = render_firewall(rows, language="da", nav=Markup(""), banners=[], environment="prod")
    assert (
        "<td>ikke offentliggjort af NgDP: reglen skal tillade enhver kilde (hele internettet)</td>"
        in page
    )
    purpose = str(firewall_word("en", rule["purpose"]))
    assert purpose.endswith(
        "only the Push Service's demand for NgDP's client certificate keeps other senders out"
    )
    assert ";" not in purpose  # the CSV is ;-separated


def test_the_firewall_summary_gives_the_push_rule_any_source(sample_dir: Path) -> None:
    """A signer's second look: the appendix said the push rule must allow any source, while
    the summary above it said "Kilde: NgDP", which an administrator narrows to NgDP."""
    from ngdpkit.deliverables.firewall import FirewallRule
    from ngdpkit.documents.pages import Markup
    from ngdpkit.documents.signoff import render_firewall

    rows = [FirewallRule.of(r) for r in firewall_rules(env_of(sample_dir, "production"))]
    page = render_firewall(rows, language="da", nav=Markup(""), banners=[], environment="prod")
    summary = page.split("Bilag: firewall-ordren")[0]
    assert (
        "<td>enhver kilde (hele internettet; NgDP offentliggør ikke sine adresser)</td>" in summary
    )
    assert "<td>NgDP</td>" not in summary


def test_the_firewall_order_says_the_servers_must_resolve_its_names(
    sample_dir: Path, tmp_path: Path
) -> None:
    """An operations read of the CSV and the workbook: every row but NgDP's said "(resolve by
    DNS)", and only the signed page said the servers must be able to; the files operations
    import said nothing of DNS. One note row says it (port 53, through the organisation's own
    resolvers), not a rule: the summary leaves it out and its note below says it."""
    from ngdpkit.deliverables.firewall import DNS_SERVERS, NOT_A_RULE, FirewallRule
    from ngdpkit.deliverables.outputs import firewall_csv_bytes, write_firewall_workbook

    for name in ("test", "production"):
        rows = firewall_rules(env_of(sample_dir, name))
        (dns,) = [r for r in rows if r["purpose"] == "dns"]
        assert dns["port"] == 53 and dns["protocol"] == "UDP/TCP (DNS)"
        assert dns["source"] == dns["source_ip"] == NOT_A_RULE and dns["basis"] == "inferred"
        assert dns["destination_host"] == dns["ip"] == DNS_SERVERS
    records = [FirewallRule.of(r) for r in rows]
    text = firewall_csv_bytes(records).decode("utf-8-sig")
    (line,) = [x for x in text.splitlines() if ";53;" in x]
    assert "resolve the public names of this order" in line and "FQDN objects" in line
    assert line.count(";") == len(records[0].cells()) - 1  # no separator inside a cell
    sheet = openpyxl.load_workbook(
        write_firewall_workbook(tmp_path / "f.xlsx", records, "da")
    ).active
    assert sheet is not None
    (cells,) = [[c.value for c in r] for r in sheet.iter_rows(min_row=2) if r[5].value == 53]
    assert "(organisationens egne navneservere)" in cells
    assert any(str(c).startswith("serverne skal kunne slå de offentlige navne") for c in cells)
    from ngdpkit.documents.i18n import t

    for language, words in (("da", "slå navnene op i DNS (port 53"), ("en", "resolve the names")):
        page = _firewall_page(sample_dir, language)
        summary, appendix = page.split(t(language, "firewall_appendix"))
        assert words in summary  # the note under the summary says it
        table = summary.split("<table", 1)[1].split("</table>", 1)[0]
        assert "navneservere" not in table and "DNS servers" not in table  # not a rule
        assert "navneservere" in appendix or "DNS servers" in appendix


def test_the_push_rule_asks_for_no_tls_termination_in_front_of_the_push_service(
    sample_dir: Path,
) -> None:
    """A network engineer's read: NgDP calls the Push Service with its client certificate,
    and the order asked for no TLS inspection only towards NgDP. A load balancer, WAF or
    reverse proxy that ends TLS in front of the Push Service (how inbound HTTPS is usually
    published) drops the certificate, and the Push Service can no longer tell NgDP from
    anyone: the push rule says so, in both languages."""
    from ngdpkit.deliverables.firewall import firewall_word

    (rule,) = [
        r for r in firewall_rules(env_of(sample_dir, "production")) if r["direction"] == "incoming"
    ]
    en = str(firewall_word("en", rule["purpose"]))
    da = str(firewall_word("da", rule["purpose"]))
    assert "reverse proxy in front of it must pass the TLS connection through unopened" in en
    assert "reverse proxy foran den skal sende TLS-forbindelsen uåbnet videre" in da
    assert ";" not in en + da


def test_a_cell_naming_the_host_thousands_of_times_renders(sample_dir: Path) -> None:
    """An attacker's look: the firewall cell's host names were kept whole by recursion, one
    stack frame a mention; 2,000 mentions ran out of stack."""
    from ngdpkit.deliverables.firewall import FirewallRule
    from ngdpkit.documents.signoff import _host_cell

    prod = env_of(sample_dir, "production")
    (rule,) = [FirewallRule.of(r) for r in firewall_rules(prod) if r["direction"] == "incoming"]
    host = rule.destination_host.split(" ", 1)[0]
    cell = str(_host_cell(rule, f"{host}, " * 5_000 + "-EgressIpUrl"))
    assert cell.count(f'<span class="host">{host}</span>') == 5_000
    assert cell.endswith('<code class="cmd">-EgressIpUrl</code>')


def test_the_push_pages_say_the_port_what_the_check_proves_and_no_refused_endpoint(
    sample_dir: Path, sample_run_all: dict[str, Any]
) -> None:
    """An administrator's second look: the dispatcher page said "port 443" beside a rule for
    :8443; it said server-check.ps1 checks the binding demands NgDP's certificate, when the
    check proves only that a certificate is demanded (any the server trusts would pass); and
    a push_base_url its own check refuses still gave the portal values endpoints."""
    from types import SimpleNamespace

    from ngdpkit.deliverables.portal import portal_registration
    from ngdpkit.documents.signoff import _push_port

    run_dir = next(f for f in sample_run_all["folders"] if f.parent.name == "production")
    page = (run_dir / "signoff" / "dispatcher.html").read_text(encoding="utf-8")
    assert "over HTTPS (port 443) på begge adresser" in page
    assert "server-check.ps1 kontrollerer kun, at et klientcertifikat kræves, ikke hvilket" in page
    assert "one-to-one mapping" in page
    endpoint = "https://wzpush.eksempel-kommune.dk:8443/api/MeMoV1/receipts?system-uuid=x"
    assert _push_port(SimpleNamespace(receipt_endpoint=endpoint)) == 8443
    prod = env_of(sample_dir, "production")
    assert portal_registration(prod, contact_points=[], plan=None)["system"]["endpoints"]
    refused = replace(prod, push_base_url="https://wzpush.eksempel-kommune.dk/a'b")
    assert portal_registration(refused, contact_points=[], plan=None)["system"]["endpoints"] is None
