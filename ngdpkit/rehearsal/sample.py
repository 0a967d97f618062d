"""The synthetic sample set: a fictitious municipality that looks like a real one.

``write_sample(dir)`` writes the settings, the mailbox export, contact points and
mapping per environment (committed in ``data/sample/``), and generates what must
not be committed: a sample PKI per environment kind ("ngdpkit SAMPLE ... (NOT
OCES3)"), a password-protected .p12 per environment, and ``sample.env`` with their
passwords and authorization headers. Existing files are kept; certificates that
expire within 60 days are made anew.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import random
import secrets as pysecrets
import uuid
from collections.abc import Callable
from pathlib import Path

from cryptography import x509

from ..deliverables.outputs import plan_cells, private_new_file
from ..secrets import read_dotenv
from . import pki

CVR = "98765433"
ORGANISATION = "Eksempel Kommune (fiktiv)"
SYSTEM_IDS = {
    "test": "5b3f2c1e-8d4a-4e7b-9c2f-1a6d3e8b7c40",
    "production": "9e7d6c5b-4a3f-4b2e-8d1c-0f9e8d7c6b51",
}
NAMESPACE = uuid.UUID("6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e")
RENEW_DAYS = 60

UNITS = {
    "Borgerservice": [
        "Pas og kørekort",
        "Folkeregister",
        "Opkrævning",
        "Boligstøtte",
        "Pension",
        "Sygesikring",
        "Flytning",
        "Vielser",
    ],
    "Børn og Unge": [
        "Familierådgivning",
        "PPR",
        "Sundhedsplejen",
        "Tandplejen",
        "Ungdomsskolen",
        "Anbringelser",
        "Handicap børn",
    ],
    "Skole og Dagtilbud": [
        "Skoleindskrivning",
        "Pladsanvisning",
        "Fripladser",
        "Skolebuskørsel",
        "SFO",
        "Specialundervisning",
    ],
    "Social og Sundhed": [
        "Hjemmepleje",
        "Hjælpemidler",
        "Visitation",
        "Genoptræning",
        "Plejeboliger",
        "Misbrugscenter",
        "Socialpsykiatri",
    ],
    "Beskæftigelse": [
        "Jobcenter",
        "Ydelseskontoret",
        "Sygedagpenge",
        "Fleksjob",
        "Integration",
        "Uddannelseshjælp",
    ],
    "Teknik og Miljø": [
        "Byggesager",
        "Miljøtilsyn",
        "Vej og park",
        "Affald og genbrug",
        "Kollektiv trafik",
        "Naturbeskyttelse",
    ],
    "Økonomi og Løn": ["Lønkontoret", "Kreditorer", "Ejendomsskat", "Indkøb", "Forsikring"],
    "Ældreplejen": [
        "Plejecenter Åbrinken",
        "Plejecenter Søglimt",
        "Madservice",
        "Aktivitetscentre",
        "Demenskoordinator",
    ],
    "Kultur og Fritid": [
        "Biblioteket",
        "Musikskolen",
        "Idrætsanlæg",
        "Foreningsstøtte",
        "Kulturhuset Ørsted",
    ],
}
# Units whose contact point carries postkasse translations; the others are mapped in the mapping file.
TRANSLATED_UNITS = (
    "Borgerservice",
    "Børn og Unge",
    "Social og Sundhed",
    "Teknik og Miljø",
    "Ældreplejen",
)
HIDDEN_UNIT = "Økonomi og Løn"

# The contact points export's headers, as Administrativ Adgang's export names them (the
# reader takes these and its other spellings: ``inputs.contact_points.CP_FIELDS``).
CONTACT_POINT_HEADERS = (
    "Kontaktpunkt ID",
    "Navn",
    "Borgere",
    "Virksomheder",
    "Myndigheder",
    "Skjult",
    "Aktiv",
    "Modtagersystem",
    "Postkasse IDs",
)


def _guid(environment: str, unit: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{environment}/{unit}"))


def _mailboxes(count: int = 200) -> list[list[str]]:
    """The sample's mailboxes: the first 200 are the hand-shaped set (units, subjects,
    retirements); beyond that, each unit's mailboxes repeat with new IDs, so a large
    municipality's document can be tried (``ngdpkit sample DIR --mailboxes 5000``)."""
    rng = random.Random(20231031)
    rows: list[list[str]] = []
    next_id = 100200
    for unit, names in UNITS.items():
        for name in names:
            for suffix in ("", " - sagsbehandling", " - borgerhenvendelser"):
                if len(rows) >= 200:
                    break
                next_id += rng.randint(3, 40)
                mailbox_id = f"{next_id:07d}"  # leading zero: e-Boks IDs are text
                subject = str(rng.randint(1, 4)) if suffix.endswith("henvendelser") else ""
                case = f"{rng.choice(['00.01.00', '27.12.00', '28.00.00', '02.34.02', '15.20.00'])}-G01-{rng.randint(1, 99):02d}-{rng.choice([23, 24, 25])}"
                rows.append([mailbox_id, f"{name}{suffix}", unit, case, subject])
    while len(rows) < 200:  # top up with extra subjects of the first mailboxes
        base = rows[len(rows) % 40]
        rows.append(
            [
                base[0],
                base[1] + f" (emne {len(rows) % 7 + 5})",
                base[2],
                base[3],
                str(len(rows) % 7 + 5),
            ]
        )
    first = list(rows)
    while len(rows) < count:
        base = first[len(rows) % len(first)]
        next_id += rng.randint(1, 9)
        rows.append([f"{next_id:07d}", f"{base[1]} {len(rows) // len(first) + 1}", *base[2:]])
    return rows


def _write_export(path: Path, rows: list[list[str]]) -> None:
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Postkasser"
    ws.append(["Eksport af e-Boks postkasser (WzpEboksMailMap) - Eksempel Kommune (fiktiv)"])
    ws.merge_cells("A1:F1")
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    ws.append(["Postkasse-ID", "Postkassenavn", "Ansvarlig enhed", "Sag", "Emne-ID", "NgDP Guid"])
    for row in rows:
        ws.append(row + [""])
    for col, width in zip("ABCDEF", (14, 42, 22, 22, 10, 38), strict=True):
        ws.column_dimensions[col].width = width
    wb.save(path)


def _write_contact_points(path: Path, environment: str, rows: list[list[str]]) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Kontaktpunkter"
    ws.append(list(CONTACT_POINT_HEADERS))
    for unit in UNITS:
        cells = [""]
        if unit in TRANSLATED_UNITS:
            ids = [f"{m}:{s}" if s else m for m, _n, u, _c, s in rows if u == unit]
            # past Excel's 32,767 characters a cell is cut (openpyxl cuts it without a word,
            # leaving half an ID): the rest go on in rows below, as contact-point-plan.xlsx does
            cells = plan_cells(list(dict.fromkeys(ids)))
        companies = (
            "ja" if unit in ("Teknik og Miljø", "Beskæftigelse", "Økonomi og Løn") else "nej"
        )
        authorities = "ja" if unit in ("Økonomi og Løn", "Social og Sundhed") else "nej"
        citizens = "nej" if unit == "Økonomi og Løn" else "ja"
        ws.append(
            [
                _guid(environment, unit).upper()
                if unit == "Ældreplejen"
                else _guid(environment, unit),
                f"{unit} - Eksempel Kommune",
                citizens,
                companies,
                authorities,
                "ja" if unit == HIDDEN_UNIT else "nej",
                "ja",
                SYSTEM_IDS[environment],
                cells[0],
            ]
        )
        for more in cells[1:]:  # only the name and more IDs: the row above goes on
            ws.append(["", f"{unit} - Eksempel Kommune", "", "", "", "", "", "", more])
    ws.append(
        [
            _guid(environment, "Hovedpostkasse"),
            "Eksempel Kommune - hovedpostkasse",
            "ja",
            "ja",
            "ja",
            "nej",
            "ja",
            SYSTEM_IDS[environment],
            "",
        ]
    )
    wb.save(path)


def _write_mapping(path: Path, environment: str, rows: list[list[str]]) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Mapping"
    ws.append(["Postkasse-ID", "Emne-ID", "NgDP Guid", "Begrundelse"])
    for i, (mailbox_id, name, unit, _case, subject) in enumerate(rows):
        if unit in TRANSLATED_UNITS:
            continue
        if i % 37 == 5:
            ws.append(
                [mailbox_id, subject, "udgår", "Postkassen nedlægges ved overgangen til NgDP"]
            )
        else:
            ws.append([mailbox_id, subject, _guid(environment, unit), f"{unit}: {name}"])
    wb.save(path)


SETTINGS = """# ngdpkit sample settings: a fictitious municipality. Nothing here is real.
language = "da"
secrets_file = "sample.env"          # generated by `ngdpkit sample`; never committed

[organisation]
name = "{org}"
cvr = "{cvr}"

[inputs]
mailboxes = "mailboxes.xlsx"

[trust_anchors]                      # the sample CAs are NOT OCES3: every page says so
test = ["certs/sample-test-root.pem"]
production = ["certs/sample-production-root.pem"]

[rehearsal]
recipient_id = "0101709996"          # fictitious CPR
recipient_id_type = "CPR"
case_id = "27.12.00-G01-17-25"

[environments.test]
system_id = "{sys_test}"
system_name = "WorkZone test - Eksempel Kommune"
protocol = "REST_PULL"
server_ips = ["198.51.100.10", "198.51.100.12/31"]
servers = [{{ name = "wz-web01-t", role = "web" }}, {{ name = "wz-agent01-t", role = "agent" }}]
service_account = 'EKSEMPEL\\svc-workzone-t'
certificate = "certs/test.p12"
certificate_password_env = "NGDPKIT_TEST_CERT_PASSWORD"
authorization_env = "NGDPKIT_TEST_AUTHORIZATION"
contact_points = "contact-points-test.xlsx"
mapping = "mapping-test.xlsx"
default_contact_point = "{default_test}"

[environments.production]
system_id = "{sys_prod}"
system_name = "WorkZone - Eksempel Kommune"
protocol = "REST_PUSH"
push_base_url = "https://wzpush.eksempel-kommune.dk"
server_ips = ["203.0.113.20", "203.0.113.21"]
servers = [{{ name = "wz-web01", role = "web" }}, {{ name = "wz-web02", role = "web" }}, {{ name = "wz-agent01", role = "agent" }}]
service_account = 'EKSEMPEL\\svc-workzone'
certificate = "certs/production.p12"
certificate_password_env = "NGDPKIT_PRODUCTION_CERT_PASSWORD"
authorization_env = "NGDPKIT_PRODUCTION_AUTHORIZATION"
contact_points = "contact-points-production.xlsx"
mapping = "mapping-production.xlsx"
default_contact_point = "{default_prod}"
"""


def _needs_renewal(path: Path, now: dt.datetime) -> bool:
    if not path.exists():
        return True
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError:
        return True
    return cert.not_valid_after_utc - now < dt.timedelta(days=RENEW_DAYS)


def _write_pki(directory: Path, env_values: dict[str, str]) -> list[Path]:
    """Sample CAs per kind and a .p12 per environment; only what is missing or about to expire."""
    now = dt.datetime.now(dt.UTC)
    certs = directory / "certs"
    certs.mkdir(exist_ok=True, mode=0o700)
    if os.name != "nt":
        certs.chmod(0o700)  # the folder holds private keys: its user's alone
    written: list[Path] = []
    for kind in ("test", "production"):
        root_pem = certs / f"sample-{kind}-root.pem"
        leaf_pem = certs / f"{kind}.pem"
        p12 = certs / f"{kind}.p12"
        var = f"NGDPKIT_{kind.upper()}_CERT_PASSWORD"
        if not (
            _needs_renewal(root_pem, now)
            or _needs_renewal(leaf_pem, now)
            or not p12.exists()
            or var not in env_values
        ):
            continue
        unit = "Test - cti" if kind == "test" else None
        root = pki.make_ca(f"ngdpkit SAMPLE {kind} OCES rod-CA (NOT OCES3)", unit=unit)
        issuing = pki.make_ca(
            f"ngdpkit SAMPLE {kind} OCES udstedende-CA 1 (NOT OCES3)",
            parent=root,
            unit=unit,
            days=3000,
        )
        leaf = pki.make_leaf(
            issuing,
            cvr=CVR,
            organisation=ORGANISATION,
            common_name=f"WorkZone NgDP {kind}",
            ocsp_url=f"http://ocsp.{kind}.sample.invalid/ocsp",
            ca_issuers_url=f"http://ca.{kind}.sample.invalid/issuing.cer",
        )
        password = env_values.get(var) or pysecrets.token_urlsafe(18)
        env_values[var] = password
        root_pem.write_bytes(root.pem())
        leaf_pem.write_bytes(leaf.pem())  # the public form, as operations would hand it over
        p12.unlink(missing_ok=True)
        private_new_file(
            p12,
            pki.to_p12(
                leaf, password, chain=(issuing.cert,), name=f"WorkZone NgDP {kind}".encode()
            ),
        )
        written += [root_pem, leaf_pem, p12]
    return written


def write_sample(directory: Path | str, *, mailboxes: int = 200) -> list[Path]:
    """Write the sample set into ``directory`` (``mailboxes`` rows in the export, at least
    200); return the files written or renewed."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    rows = _mailboxes(max(200, mailboxes))
    files: dict[Path, Callable[[Path], object]] = {
        directory / "mailboxes.xlsx": lambda p: _write_export(p, rows),
        directory / "contact-points-test.xlsx": lambda p: _write_contact_points(p, "test", rows),
        directory / "contact-points-production.xlsx": lambda p: _write_contact_points(
            p, "production", rows
        ),
        directory / "mapping-test.xlsx": lambda p: _write_mapping(p, "test", rows),
        directory / "mapping-production.xlsx": lambda p: _write_mapping(p, "production", rows),
    }
    for path, make in files.items():
        if not path.exists():
            make(path)
            written.append(path)
    settings = directory / "migration.toml"
    if not settings.exists():
        settings.write_text(
            SETTINGS.format(
                org=ORGANISATION,
                cvr=CVR,
                sys_test=SYSTEM_IDS["test"],
                sys_prod=SYSTEM_IDS["production"],
                default_test=_guid("test", "Hovedpostkasse"),
                default_prod=_guid("production", "Hovedpostkasse"),
            ),
            encoding="utf-8",
        )
        written.append(settings)
    env_file = directory / "sample.env"
    values = read_dotenv(env_file) if env_file.exists() else {}
    before = dict(values)
    written += _write_pki(directory, values)
    for kind in ("test", "production"):
        var = f"NGDPKIT_{kind.upper()}_AUTHORIZATION"
        if var not in values:
            token = pysecrets.token_urlsafe(24)
            values[var] = (
                "Basic " + base64.b64encode(f"{SYSTEM_IDS[kind]}:{token}".encode()).decode()
            )
    if values != before or not env_file.exists():
        lines = ["# Generated by `ngdpkit sample`: sample secrets only. Never commit this file."]
        # quoted: "Basic <token>" unquoted, sourced by a shell (`set -a; . ./sample.env`),
        # ran the token as a command and printed it in the error (a consultant's cold run);
        # the values are base64 and URL-safe tokens, nothing a shell expands in quotes
        lines += [f'{k}="{v}"' for k, v in sorted(values.items())]
        env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        try:
            env_file.chmod(0o600)
        except OSError:
            pass
        written.append(env_file)
    gitignore = directory / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text(
            # key material only: the trust-anchor PEMs in certs/ are named by the settings, so a
            # repository started from the sample must keep them (certs/ whole lost them in CI)
            "# generated by `ngdpkit sample`: secrets and private keys are never committed; the\n"
            "# certificates in certs/ (.pem, no key) are the settings' trust anchors and are kept\n"
            "*.p12\n*.pfx\n*.key\nsample.env\nruns/\nruns-simulator/\nmigration-simulator.toml\nsimulator/\n",
            encoding="utf-8",
        )
        written.append(gitignore)
    return written
