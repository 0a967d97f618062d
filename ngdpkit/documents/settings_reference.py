"""What every settings key means, in Danish and English, and what is made from it: the
README's settings reference and the day-one ``migration.toml`` that ``ngdpkit init`` writes.

The keys, their types and their defaults are the dataclasses of :mod:`ngdpkit.settings`
(read through :func:`ngdpkit.settings.schema`); this module adds only the words. A test
keeps the two in step: every key has its words here, and nothing here names a key that
is gone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import settings as S


@dataclass(frozen=True, slots=True)
class KeyDoc:
    """One key's words: Danish and English, and an example value (TOML) for the scaffold
    when the key has no default worth showing."""

    da: str
    en: str
    example: str = ""


# "Table.key": the class whose field it is (Environment's ``inputs`` are its own keys).
DOCS: dict[str, KeyDoc] = {
    "Settings.language": KeyDoc(
        'Sproget i godkendelsesdokumenterne og notesbøgerne: "da" (standard) eller "en".',
        'The language of the sign-off documents and notebooks: "da" (default) or "en".',
    ),
    "Settings.secrets_file": KeyDoc(
        "En dotenv-fil med hemmelighederne; rigtige miljøvariabler vinder (SECRET_SHADOWED "
        "siger det). UTF-8, højst 1 MB; export, set eller $env: før navnet og navnets store "
        "bogstaver tæller ikke. Læg den aldrig i versionsstyring.",
        "A dotenv file holding the secrets (passwords, authorization header); real "
        "environment variables win (SECRET_SHADOWED says so when the file holds another "
        "value). UTF-8, 1 MB at most; a line may begin with export, set or $env: (copied from "
        "a shell), and a name's case does not count. Never commit it.",
        '"secrets.env"',
    ),
    "Settings.organisation": KeyDoc("Organisationen, der migrerer.", "The organisation."),
    "Settings.inputs": KeyDoc(
        "Input, der deles af alle miljøer; hver nøgle kan overskrives pr. miljø.",
        "Inputs shared by every environment; each key may be overridden per environment.",
    ),
    "Settings.environments": KeyDoc(
        "Ét afsnit pr. miljø, [environments.<navn>], typisk test og production.",
        "One table per environment, [environments.<name>], usually test and production.",
    ),
    "Settings.checks": KeyDoc("Justering af kontrollerne.", "Knobs of the checks."),
    "Settings.trust_anchors": KeyDoc(
        "Egne rodcertifikater pr. miljøtype i stedet for de medfølgende OCES3-rødder (kun til "
        "prøvedata: alt kontrolleres så mod dem, og hver side siger det).",
        "Own root certificates per environment kind instead of the bundled OCES3 roots (sample "
        "data only: everything is then checked against them, and every page says so).",
        '{ test = ["certs/test-root.pem"] }',
    ),
    "Settings.rehearsal": KeyDoc(
        "Accepttesten (ngdpkit rehearse): modtager og sag; et miljø kan have sin egen.",
        "The acceptance test (ngdpkit rehearse): recipient and case; an environment may "
        "override it.",
    ),
    "Settings.signing": KeyDoc(
        "Konsulenthusets eget certifikat, der forsegler hver kørsel (manifest.json.p7s) og "
        "underskriver signoff.pdf.",
        "The consultancy's own certificate, which seals every run (manifest.json.p7s) and "
        "signs signoff.pdf.",
    ),
    "Organisation.name": KeyDoc(
        "Organisationens navn, som det står i godkendelsesdokumenterne.",
        "The organisation's name as the sign-off documents print it.",
    ),
    "Organisation.cvr": KeyDoc(
        "CVR-nummeret: 8 cifre i anførselstegn (modulus 11-kontrolleret).",
        "The CVR number: 8 digits in quotes (modulus-11 checked).",
    ),
    "Inputs.mailboxes": KeyDoc(
        "e-Boks-eksporten af postkasserne (.xlsx, .xlsm eller .csv).",
        "The e-Boks mailbox export (.xlsx, .xlsm or .csv).",
        '"mailboxes.xlsx"',
    ),
    "Inputs.mailboxes_sheet": KeyDoc(
        "Arket i eksporten; udeladt findes det første ark med de rigtige overskrifter.",
        "The export's sheet; left out, the first sheet with the right headers is used.",
        '"Postkasser"',
    ),
    "Inputs.mailboxes_environment": KeyDoc(
        "Det miljø, hvis kontaktpunkt-GUID'er eksportens egen NgDP Guid-kolonne indeholder.",
        "The environment whose contact point GUIDs the export's own NgDP Guid column holds.",
        '"test"',
    ),
    "Inputs.columns": KeyDoc(
        'Egne kolonneoverskrifter, fx mailbox_id = "PK nr." (felterne: mailbox_id, '
        "mailbox_name, responsible_unit, case, subject_id, ngdp_guid).",
        'Own column headers, e.g. mailbox_id = "PK nr." (fields: mailbox_id, mailbox_name, '
        "responsible_unit, case, subject_id, ngdp_guid).",
        '{ mailbox_id = "PK nr." }',
    ),
    "Checks.cert_warn_days": KeyDoc(
        "Advarsel, når certifikatet udløber inden for så mange dage.",
        "A warning when the certificate expires within this many days.",
    ),
    "Checks.cert_error_days": KeyDoc(
        "Fejl, når certifikatet udløber inden for så mange dage.",
        "An error when the certificate expires within this many days.",
    ),
    "Checks.probe_timeout_s": KeyDoc(
        "Sekunder pr. netværkstest (--online).", "Seconds per network probe (--online)."
    ),
    "Checks.probe_total_s": KeyDoc(
        "Sekunder i alt for netværkstestene (--online).",
        "Seconds for all network probes together (--online).",
    ),
    "Rehearsal.recipient_id": KeyDoc(
        "CPR-nummeret (10 cifre) eller CVR-nummeret (8 cifre), der modtager accepttestens brev; skrives i anførselstegn (uden dem er det et tal, og et tal, der begynder med 0, er en TOML-syntaksfejl).",
        "The CPR number (10 digits) or CVR number (8 digits) that receives the acceptance test's letter, in quotes (without them it is a number, and one that begins with 0 is a TOML syntax error).",
        '"0101010000"',
    ),
    "Rehearsal.recipient_id_type": KeyDoc(
        'Modtagerens type: "CPR" eller "CVR".', 'The recipient\'s type: "CPR" or "CVR".'
    ),
    "Rehearsal.case_id": KeyDoc(
        "WorkZone-sagen, brevet sendes fra (valgfri).",
        "The WorkZone case the letter is sent from (optional).",
        '"00.01.00-G01-1-26"',
    ),
    "Rehearsal.timeout_s": KeyDoc(
        "Sekunder, accepttesten venter på kvittering og svar.",
        "Seconds the acceptance test waits for receipts and the reply.",
    ),
    "Server.name": KeyDoc(
        "Serverens navn (NetBIOS eller FQDN).", "The server's name (NetBIOS or FQDN)."
    ),
    "Server.role": KeyDoc('"web" eller "agent".', '"web" or "agent".'),
    "Server.ip": KeyDoc(
        "Serverens offentlige udgående IP, når den har sin egen.",
        "The server's public egress IP, when it has its own.",
    ),
    "Server.service_account": KeyDoc(
        "Kontoen, der skal kunne læse certifikatets nøgle på denne server.",
        "The account that must read the certificate's key on this server.",
    ),
    "Server.internal_ip": KeyDoc(
        "Serverens interne adresse (kilden i firewall-reglerne).",
        "The server's internal address (the source in the firewall rules).",
    ),
    "Environment.kind": KeyDoc(
        '"test" eller "production"; udeladt er det miljøets navn.',
        '"test" or "production"; left out, the environment\'s name.',
    ),
    "Environment.protocol": KeyDoc(
        'Modtagesystemets protokol: "REST_PULL" (WorkZone henter) eller "REST_PUSH" (NgDP '
        "kalder WorkZone Push Service).",
        'The receiving system\'s protocol: "REST_PULL" (WorkZone fetches) or "REST_PUSH" (NgDP '
        "calls the WorkZone Push Service).",
        '"REST_PULL"',
    ),
    "Environment.server_ips": KeyDoc(
        "De offentlige udgående IP'er (eller CIDR-områder) for web- og agentserverne, som de "
        "registreres i Administrativ Adgang; [] indtil de kendes (så har firewall-reglerne "
        "ingen kilde endnu: PENDING_SERVER_IPS).",
        "The public egress IPs (or CIDR ranges) of the web and agent servers, as registered "
        "in Administrativ Adgang; [] until they are known (the firewall rules then have no "
        "source yet: PENDING_SERVER_IPS).",
        '["203.0.113.10"]',
    ),
    "Environment.rehearsal": KeyDoc(
        "Miljøets egne accepttest-værdier (som [rehearsal]).",
        "The environment's own acceptance test values (like [rehearsal]).",
        '{ recipient_id = "0101010000" }',
    ),
    "Environment.system_id": KeyDoc(
        "Afsender/modtagersystemets ID (UUID) fra Administrativ Adgang.",
        "The sender/receiver system's ID (UUID) from Administrativ Adgang.",
        '"00000000-0000-0000-0000-000000000000"',
    ),
    "Environment.system_name": KeyDoc(
        "Systemets navn i Administrativ Adgang.",
        "The system's name in Administrativ Adgang.",
        '"WorkZone test"',
    ),
    "Environment.push_base_url": KeyDoc(
        "REST_PUSH: grundadressen for WorkZone Push Service (https).",
        "REST_PUSH: the WorkZone Push Service's base address (https).",
        '"https://push.example.dk"',
    ),
    "Environment.servers": KeyDoc(
        "Web- og agentserverne: navn, rolle, konto og interne adresse.",
        "The web and agent servers: name, role, account and internal address.",
        '[{ name = "wz-web01", role = "web" }, { name = "wz-agent01", role = "agent" }]',
    ),
    "Environment.service_account": KeyDoc(
        "Tjenestekontoen, der læser certifikatets nøgle, når serveren ikke har sin egen.",
        "The service account that reads the certificate's key, unless a server names its own.",
        "'DOMÆNE\\svc-workzone'",
    ),
    "Environment.certificate": KeyDoc(
        "FOCES3/VOCES3-certifikatet: .p12/.pfx, eller en offentlig .cer/.pem, når drift har "
        "nøglen. Windows-stier i enkelte anførselstegn.",
        "The FOCES3/VOCES3 certificate: .p12/.pfx, or a public .cer/.pem when operations holds "
        "the key. Windows paths in single quotes.",
        '"certs/test.p12"',
    ),
    "Environment.certificate_password_env": KeyDoc(
        "NAVNET på miljøvariablen med certifikatets adgangskode, aldrig selve adgangskoden.",
        "The NAME of the variable holding the certificate's password, never the password.",
        '"NGDPKIT_TEST_CERT_PASSWORD"',
    ),
    "Environment.authorization_env": KeyDoc(
        "NAVNET på miljøvariablen med portalens autorisationsheader.",
        "The NAME of the variable holding the portal's authorization header.",
        '"NGDPKIT_TEST_AUTHORIZATION"',
    ),
    "Environment.authorization_handover": KeyDoc(
        "Hvordan autorisationsheaderen når frem til den, der taster den i Configurator (fx "
        "kundens password-boks); aldrig headeren selv.",
        "How the authorization header reaches whoever types it into Configurator (e.g. the "
        "customer's password vault); never the header itself.",
        '"kundens password-boks, emnet NgDP test"',
    ),
    "Environment.contact_points": KeyDoc(
        "Kontaktpunkterne: .xlsx/.csv, NgDP's API-JSON, den udfyldte contact-point-plan.xlsx, "
        'eller "ngdp" (læst fra NgDP med --online).',
        "The contact points: .xlsx/.csv, NgDP's API JSON, the filled-in contact-point-plan.xlsx, "
        'or "ngdp" (read from NgDP with --online).',
        '"contact-points-test.xlsx"',
    ),
    "Environment.mapping": KeyDoc(
        'Tilknytningsfilen: Postkasse-ID -> NgDP Guid (eller "udgår").',
        'The mapping file: Mailbox ID -> NgDP Guid (or "udgår"/"retire").',
        '"mapping-test.xlsx"',
    ),
    "Environment.default_contact_point": KeyDoc(
        "Dispatcherens ContactPointGuid: kontaktpunktet for breve uden tilknytning.",
        "The dispatcher's ContactPointGuid: the contact point for letters without a mapping.",
        '"00000000-0000-0000-0000-000000000000"',
    ),
    "Environment.probe_evidence": KeyDoc(
        "JSON-filerne, som server-check.ps1 og install-certificate.ps1 skriver på serverne.",
        "The JSON files that server-check.ps1 and install-certificate.ps1 write on the servers.",
        '["evidence/wz-web01.json"]',
    ),
    "Environment.ngdp_api_url": KeyDoc(
        "En anden NgDP-adresse end den officielle (https), som rehearse, check --online og watch læser: fx den lokale simulator. Fjern den før rigtig brug.",
        "Another NgDP address than the official one (https), read by rehearse, check --online and watch: the local simulator, say. Remove it for real use.",
        '"https://127.0.0.1:8443/apis/v1"',
    ),
    "Environment.ngdp_api_ca": KeyDoc(
        "CA-filen, som ngdp_api_url's TLS-certifikat kontrolleres mod (simulate skriver sin i simulator/<miljø>-ca.pem).",
        "The CA file that ngdp_api_url's TLS certificate is checked against (simulate writes its own to simulator/<env>-ca.pem).",
        '"simulator/test-ca.pem"',
    ),
    "Environment.workzone_register": KeyDoc(
        "En eksport af Configurator -> Process -> Mailbox mappings, sammenlignet række for række.",
        "An export of Configurator -> Process -> Mailbox mappings, compared row by row.",
        '"workzone-register-test.xlsx"',
    ),
    "Environment.decisions": KeyDoc(
        "Konsulentens beslutninger om tilknytningen (den første kilde); udeladt læses "
        "decisions-<miljø>.csv ved siden af denne fil, når den findes.",
        "The consultant's decisions on the mapping (the first source); left out, "
        "decisions-<env>.csv beside this file is read when it exists.",
        '"decisions-test.csv"',
    ),
    "Signing.certificate": KeyDoc(
        "Konsulenthusets .p12/.pfx, der forsegler.",
        "The consultancy's .p12/.pfx that seals.",
        '"seal.p12"',
    ),
    "Signing.certificate_password_env": KeyDoc(
        "NAVNET på miljøvariablen med forseglingscertifikatets adgangskode.",
        "The NAME of the variable holding the sealing certificate's password.",
        '"NGDPKIT_SEAL_PASSWORD"',
    ),
    "Signing.timestamp_url": KeyDoc(
        "En RFC 3161-tidsstempeltjeneste (https) til PDF'ens signatur.",
        "An RFC 3161 time-stamping service (https) for the PDF's signature.",
        '"https://timestamp.example"',
    ),
    "Settings.golive": KeyDoc(
        "Idriftsættelsen: datoer og ansvarlige i drejebogen (runbook.xlsx, runbook.ics og "
        "siden Drejebog); et miljø kan overskrive dem med golive = {…}.",
        "The go-live: dates and owners of the runbook (runbook.xlsx, runbook.ics and the "
        "runbook page); an environment may override them with golive = {…}.",
    ),
    "Environment.golive": KeyDoc(
        "Miljøets egne værdier oven på [golive]; en ansvarlig angivet her erstatter kun den. "
        "Miljøets egen date flytter de fælles datoer, det ikke selv sætter, lige så mange dage "
        "(samme klokkeslæt).",
        "This environment's own values over [golive]; an owner given here replaces that one. "
        "Its own date moves the shared dates it does not set by as many days (same time of "
        "day).",
        "{ date = 2027-01-15 }",
    ),
    "Settings.compare": KeyDoc(
        "Hvordan ngdpkit compare parrer test- og produktionsmiljøets kontaktpunkter, hvor "
        "navnene ikke passer sammen, selv uden miljøord som (test).",
        "How ngdpkit compare pairs the test and production contact points whose names do not "
        "match even without an environment word such as (test).",
    ),
    "Compare.contact_points": KeyDoc(
        "Navn i testmiljøet = navn i produktionsmiljøet, for de kontaktpunkter, der hedder "
        "noget forskelligt.",
        "Name in the test environment = name in production, for contact points named differently.",
        '{ "Borgerservice test" = "Borgerservice" }',
    ),
    "GoLive.date": KeyDoc(
        "Dagen for idriftsættelsen: en TOML-dato uden anførselstegn.",
        "The go-live day: a TOML date, without quotes.",
        "2027-02-01",
    ),
    "GoLive.eboks_disable": KeyDoc(
        "Hvornår e-Boks-dispatcheren deaktiveres: dato eller dato og klokkeslæt (dansk tid "
        "uden forskydning); standard er date.",
        "When the e-Boks dispatcher is disabled: a date or a date-time (Copenhagen time "
        "without an offset); defaults to date.",
        "2027-01-29T16:00:00",
    ),
    "GoLive.ngdp_enable": KeyDoc(
        "Hvornår NgDP-dispatcheren aktiveres (og det første rigtige brev sendes); standard er "
        "date.",
        "When the NgDP dispatcher is enabled (and the first real letter sent); defaults to date.",
        "2027-02-01T08:00:00",
    ),
    "GoLive.rollback_until": KeyDoc(
        "Sidste dag (eller tidspunkt), hvor der kan rulles tilbage til e-Boks.",
        "The last day (or moment) a rollback to e-Boks is still an option.",
        "2027-02-08",
    ),
    "GoLive.owners": KeyDoc(
        "Hvem gør trinene: portal, operations, workzone og consultant (tekst).",
        "Who does the steps: portal, operations, workzone and consultant (text).",
        '{ workzone = "Jens Hansen", operations = "Drift A/S" }',
    ),
    "Owners.portal": KeyDoc(
        "Kundens administrator i Administrativ Adgang.",
        "The customer's administrator in Administrativ Adgang.",
    ),
    "Owners.operations": KeyDoc(
        "Drift (kører ngdpkit watch den første uge).",
        "Operations (runs ngdpkit watch in the first week).",
    ),
    "Owners.workzone": KeyDoc(
        "WorkZone-administratoren (dispatcherne).",
        "The WorkZone administrator (the dispatchers).",
    ),
    "Owners.consultant": KeyDoc(
        "Konsulenten (det første brev, beslutningen om tilbagerulning).",
        "The consultant (the first letter, the rollback decision).",
    ),
}

# The tables in the order a reader meets them, with the TOML header each stands under.
TABLES: tuple[tuple[str, type, str], ...] = (
    ("", S.Settings, "Settings"),
    ("[organisation]", S.Organisation, "Organisation"),
    ("[inputs]", S.Inputs, "Inputs"),
    ("[checks]", S.Checks, "Checks"),
    ("[rehearsal]", S.Rehearsal, "Rehearsal"),
    ("[signing]", S.Signing, "Signing"),
    ("[golive]", S.GoLive, "GoLive"),
    ("[compare]", S.Compare, "Compare"),
    ("[environments.<name>]", S.Environment, "Environment"),
    ("servers = [{…}]", S.Server, "Server"),
    ("owners = {…}", S.Owners, "Owners"),
)
REQUIRED = {
    "Organisation.name",
    "Organisation.cvr",
    "Inputs.mailboxes",
    "Environment.protocol",
    "Environment.server_ips",
    "Signing.certificate",
}
_TABLE_KEYS = {
    "organisation",
    "inputs",
    "environments",
    "checks",
    "rehearsal",
    "signing",
    "golive",
    "compare",
}


def keys(cls: type) -> list[tuple[str, str, Any]]:
    """(doc key, TOML key, default) of each key of ``cls``'s table, in declaration order;
    an environment's own inputs keys are named as the Inputs table's."""
    out: list[tuple[str, str, Any]] = []
    for f in dataclasses.fields(cls):
        if f.metadata.get("key") is False:
            continue
        if f.metadata.get("flat"):
            out += keys(f.metadata["flat"])
            continue
        default: Any = dataclasses.MISSING
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        out.append((f"{cls.__name__}.{f.name}", f.name, default))
    return out


def _default_text(default: Any) -> str:
    if default is dataclasses.MISSING or default is None or dataclasses.is_dataclass(default):
        return ""
    if isinstance(default, str):
        return json.dumps(default, ensure_ascii=False) if default else ""
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, tuple | list | dict) and not default:
        return ""
    return str(default)


def reference_markdown() -> str:
    """The README's settings reference: one table per settings table, every key with its
    kind of value, default and meaning (English)."""
    lines = [
        "<!-- generated by ngdpkit.documents.settings_reference; a test keeps it in step -->",
    ]
    for header, cls, _name in TABLES:
        kinds = S.schema(cls)
        lines += ["", f"**{header or 'top level'}**", "", "| key | value | default | meaning |"]
        lines.append("|---|---|---|---|")
        for doc_key, key, default in keys(cls):
            words = DOCS[doc_key].en
            if doc_key in REQUIRED:
                words = "**required.** " + words
            default_text = _default_text(default)
            lines.append(
                f"| `{key}` | {kinds[key]} | {f'`{default_text}`' if default_text else ''} "
                f"| {words.replace('|', '/')} |"
            )
    return "\n".join(lines) + "\n"


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _comment(text: str, indent: str = "") -> list[str]:
    return [
        f"{indent}# {line}"
        for line in textwrap.wrap(text, 88 - len(indent), break_on_hyphens=False)
    ]


def danish_day(now: dt.datetime) -> dt.date:
    """The day it is in Denmark at ``now``: ``init`` on a UTC runner at 23:30 UTC wrote the
    day before into the Danish comment (this machine's day, not the customer's)."""
    from ..findings import in_copenhagen

    return in_copenhagen(now).date()


def scaffold(
    *,
    organisation: str,
    cvr: str,
    mailboxes: str,
    environments: list[str],
    today: dt.date | None = None,
) -> str:
    """The day-one ``migration.toml``: every key with a Danish comment; the keys a first
    ``check`` needs are set, the rest are shown commented out with an example value."""
    when = (today or danish_day(dt.datetime.now(dt.UTC))).isoformat()
    out = [
        f"# migration.toml: ngdpkit-indstillinger for {organisation}",
        f"# Skrevet af ngdpkit init {when}. Hver nøgle har en kommentar; en linje med # foran er",
        "# valgfri eller udfyldes, efterhånden som migreringen skrider frem (kør derefter",
        "# ngdpkit check --settings migration.toml --env all). Skriv Windows-stier i enkelte",
        "# anførselstegn: 'certs\\test.p12'.",
        "",
    ]
    set_values = {
        "Settings.language": '"da"',
        "Organisation.name": toml_string(organisation),
        "Organisation.cvr": toml_string(cvr),
        "Inputs.mailboxes": toml_string(mailboxes),
    }
    out += _table_lines(S.Settings, set_values, skip=_TABLE_KEYS)
    for header, cls, name in TABLES[1:8]:
        commented = name in ("Checks", "Rehearsal", "Signing", "GoLive", "Compare")
        out += ["", *_comment(DOCS[f"Settings.{header.strip('[]')}"].da)]
        out.append(f"# {header}" if commented else header)
        out += _table_lines(cls, set_values, all_commented=commented)
    for env in environments:
        kind = init_kind(env)
        values = {
            "Environment.kind": toml_string(kind),
            "Environment.protocol": '"REST_PULL"',
            "Environment.server_ips": "[]",
        }
        out += ["", *_comment(DOCS["Settings.environments"].da), f"[environments.{env}]"]
        out += _table_lines(
            S.Environment,
            values,
            skip={"mailboxes", "mailboxes_sheet", "mailboxes_environment", "columns"},
            environment=env,
        )
        out += _comment(
            "Miljøets egne input, der overskriver [inputs] for dette miljø (samme betydning "
            "som dér):"
        )
        for doc_key, key, _default in keys(S.Inputs):
            out += _comment(f"  {key}: {DOCS[doc_key].da}")
    return "\n".join(out) + "\n"


def _for_environment(example: str, environment: str) -> str:
    """An example written for the test environment, said for ``environment``."""
    if not environment or environment == "test":
        return example
    return example.replace("TEST", environment.upper().replace("-", "_")).replace(
        "test", environment
    )


def _table_lines(
    cls: type,
    values: dict[str, str],
    *,
    skip: set[str] | None = None,
    all_commented: bool = False,
    environment: str = "",
) -> list[str]:
    """Each key of ``cls`` under its Danish comment: set to ``values``' value, else
    commented out with an example (an environment's examples name that environment, never
    another's: a production section shows no test file to uncomment)."""
    lines: list[str] = []
    for doc_key, key, default in keys(cls):
        if key in (skip or set()):
            continue
        doc = DOCS[doc_key]
        lines += _comment(doc.da)
        value = values.get(doc_key)
        if value is not None and not all_commented:
            lines.append(f"{key} = {value}")
            continue
        example = _for_environment(doc.example, environment) or _default_text(default)
        lines.append(f"# {key} = {example}" if example else f"# {key} =")
        nested = {"Environment.servers": S.Server, "GoLive.owners": S.Owners}.get(doc_key)
        if nested is not None:  # the keys of each server's (or the owners') table
            for inner_key, name, _d in keys(nested):
                lines += _comment(f"  {name}: {DOCS[inner_key].da}")
    return lines


SETTINGS_NAME = "migration.toml"
WINDOWS_RESERVED = {
    "con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))
}  # fmt: skip


def _init_problems(
    folder: Path, organisation: str, cvr: str, mailboxes: Path | None, names: list[str]
) -> list[str]:
    """What is wrong with ``init``'s arguments, one line each (nothing is written then)."""
    from ..checks.system import cpr_shaped, cvr_valid
    from ..errors import InputError

    problems = []
    if cpr_shaped(cvr):  # personal data: what is wrong with it is said, it is not repeated
        problems.append(
            "--cvr has the shape of a CPR number (10 digits), not of a CVR number (8 digits, "
            "modulus 11): a CPR number is personal data, so it is not repeated here"
        )
    elif not cvr_valid(cvr):
        problems.append(f"--cvr {cvr!r} is not a CVR number (8 digits, modulus 11)")
    why = S._text_problem(organisation) if organisation.strip() else "is empty"
    if why:
        problems.append(f"--organisation {why}")
    for name in names:
        if name == "all" or not S.ENVIRONMENT_NAME.match(name):
            problems.append(
                f"--env {name!r}: use 1-32 lower-case letters, digits, '-' or '_' (not 'all')"
            )
        elif name.split(".")[0] in WINDOWS_RESERVED:
            problems.append(
                f"--env {name!r} is a device name on Windows and cannot be a folder there"
            )
    target = folder / SETTINGS_NAME
    if target.exists() or target.is_symlink():  # a link to nothing too: written through it,
        # the file would land elsewhere (an attacker's look)
        problems.append(f"{target} already exists; ngdpkit init never overwrites a settings file")
    odd = S._CONTROL_CHARS.search(mailboxes.name) if mailboxes is not None else None
    if odd:  # it would be copied in and named in the settings, which refuse it
        problems.append(
            f"--mailboxes: the file's name holds character U+{ord(odd.group(0)):04X}, "
            "which the settings cannot name; rename it first"
        )
    elif mailboxes is not None and not mailboxes.is_file():
        problems.append(f"--mailboxes {mailboxes}: file not found")
    elif mailboxes is not None:
        from ..inputs.mailboxes import EXPORT_FIELDS
        from ..inputs.workbooks import read_table

        try:  # the export is read as check will read it: a wrong file is refused now
            read_table(mailboxes, EXPORT_FIELDS, label=str(mailboxes))
        except InputError as exc:
            problems += [f"--mailboxes {p}" for p in exc.problems]
            if any("[inputs" in p or "mailboxes_sheet" in p for p in exc.problems):
                problems.append(_init_way_out(folder, mailboxes))
    return problems


def _init_way_out(folder: Path, mailboxes: Path) -> str:
    """How to start a customer whose export names its columns or sheet otherwise: the
    refusal says "give its headers in the settings", and init writes none while the export
    cannot be read (a consultant's first day, with a real export: stuck between the two)."""
    settings = folder / SETTINGS_NAME
    return (
        "--mailboxes: init writes no settings while the export cannot be read: run init "
        f"without --mailboxes, copy {mailboxes.name} into {folder}, and in {settings}, under "
        f"[inputs], set mailboxes = {json.dumps(mailboxes.name, ensure_ascii=False)} and "
        "uncomment columns (or mailboxes_sheet) with the export's own headers; or rename the "
        "export's headers to ones the kit knows (README, Input headers)"
    )


# an environment's name that reads as production, in English or Danish ("drift" is the
# Danish word for operations, "driftsmiljø" the production environment: a day-one cold run
# named it, and init made it a test environment without a word)
_PRODUCTION_NAMES = ("prod", "drift", "live")


def init_kind(name: str) -> str:
    """The ``kind`` ``init`` writes for an environment it names: production for a name that
    starts like one (``prod``, ``produktion``, ``drift``, ``live``), else test."""
    return "production" if name.lower().startswith(_PRODUCTION_NAMES) else "test"


def init_folder(
    folder: Path,
    *,
    organisation: str,
    cvr: str,
    mailboxes: Path | None,
    environments: list[str],
) -> tuple[Path, Path]:
    """``ngdpkit init``: a day-one settings file in ``folder`` (created when missing), the
    export copied in beside it. Returns (settings file, export path as named in it).

    Raises:
        InputError: an invalid CVR, organisation name or environment name, a missing export,
            or a settings file that already exists (nothing is written then).
    """
    import shutil

    from ..errors import InputError

    names = list(dict.fromkeys(environments or ["test", "production"]))
    problems = _init_problems(folder, organisation, cvr, mailboxes, names)
    target = folder / SETTINGS_NAME
    export_name = mailboxes.name if mailboxes is not None else "mailboxes.xlsx"
    copy_to = folder / export_name
    if mailboxes is not None and copy_to.is_symlink() and not copy_to.exists():
        # a link to nothing: the copy would be written where it points (an attacker's look:
        # outside the folder)
        problems.append(f"{copy_to} is a link to nothing; the export is not copied through it")
    if (
        mailboxes is not None
        and mailboxes.is_file()
        and copy_to.exists()
        and not copy_to.samefile(mailboxes)
        and copy_to.read_bytes() != mailboxes.read_bytes()
    ):
        problems.append(f"{copy_to} already exists and is another file; it is not overwritten")
    if problems:
        raise InputError(problems)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        text = scaffold(
            organisation=organisation.strip(),
            cvr=cvr,
            mailboxes=export_name,
            environments=names,
        )
        import tomllib

        tomllib.loads(text)  # what it writes is TOML, whatever the name held
        # the settings first, created only where nothing is (never through a link), then the
        # export the same way: a refusal leaves nothing half-written behind
        with target.open("x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        if mailboxes is not None and not copy_to.exists():
            created = False
            try:
                with mailboxes.open("rb") as src, copy_to.open("xb") as dst:
                    created = True
                    shutil.copyfileobj(src, dst)
            except OSError:
                if created:  # only what this init made goes
                    copy_to.unlink(missing_ok=True)
                target.unlink(missing_ok=True)
                raise
    except OSError as exc:
        raise InputError(f"{folder}: cannot write the settings ({exc.strerror or exc})") from exc
    return target, copy_to


START, END = "<!-- settings-reference:start -->", "<!-- settings-reference:end -->"
HEADERS_START, HEADERS_END = "<!-- input-headers:start -->", "<!-- input-headers:end -->"


def input_tables() -> list[tuple[str, tuple[Any, ...]]]:
    """Each table the kit reads by its headers, as the README names it, with its fields."""
    from ..inputs.contact_points import CP_FIELDS
    from ..inputs.decisions import FIELDS as DECISION_FIELDS
    from ..inputs.mailboxes import EXPORT_FIELDS
    from ..inputs.mapping import MAPPING_FIELDS

    return [
        ("the e-Boks export (`mailboxes`)", EXPORT_FIELDS),
        ("the mapping file (`mapping`)", MAPPING_FIELDS),
        ("the contact points (`contact_points`, .xlsx/.csv)", CP_FIELDS),
        ("the decisions file (`decisions-<env>.csv`)", DECISION_FIELDS),
    ]


def headers_markdown() -> str:
    """Every header the kit knows for each column of each table it reads (contract §4: the
    README lists every header alias), generated from the fields themselves."""
    out = [
        "<!-- generated by ngdpkit.documents.settings_reference; a test keeps it in step -->",
        "",
        "| table | column | headers | also (only when none of those is there) | required |",
        "|---|---|---|---|---|",
    ]
    for table, fields in input_tables():
        for f in fields:
            specific = ", ".join(f"`{h}`" for h in f.specific)
            generic = ", ".join(f"`{h}`" for h in f.generic)
            out.append(
                f"| {table} | `{f.name}` | {specific} | {generic} | {'yes' if f.required else ''} |"
            )
    return "\n".join(out) + "\n"


def _between(text: str, start: str, end: str, body: str) -> str:
    head, found, rest = text.partition(start)
    if not found:
        return text
    _, _, tail = rest.partition(end)
    return f"{head}{start}\n{body}{end}{tail}"


def update_readme(readme: Path) -> bool:
    """Put the current references (the settings, the input headers) between the README's
    markers; True when it changed."""
    text = readme.read_text(encoding="utf-8")
    new = _between(text, START, END, reference_markdown())
    new = _between(new, HEADERS_START, HEADERS_END, headers_markdown())
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":  # python -m ngdpkit.documents.settings_reference README.md
    import sys

    changed = update_readme(Path(sys.argv[1] if len(sys.argv) > 1 else "README.md"))
    print("README.md updated" if changed else "README.md already current")
