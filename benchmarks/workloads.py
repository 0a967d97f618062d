"""Inputs and measured workloads for the benchmarks; each workload runs in its own process.

    python benchmarks/workloads.py build DIR N [full] # write the inputs for N mailboxes ("full": a mapping row for every mailbox)
    python benchmarks/workloads.py kit DIR            # ngdpkit: load + validate + map (+ suggestions)
    python benchmarks/workloads.py openpyxl DIR       # bare pandas.read_excel(engine="openpyxl", dtype=str) of the same files
    python benchmarks/workloads.py calamine DIR       # bare pandas.read_excel(engine="calamine", dtype=str) of the same files
    python benchmarks/workloads.py editor DIR         # notebook 02's editor: one decision written + the mapping made again
    python benchmarks/workloads.py redact MB          # redact() over MB megabytes of hostile escapes, per kind
    python benchmarks/workloads.py scan CELLS         # the leak scan of workbooks of CELLS full cells (openpyxl's &#NNNN; text)

Each measuring call prints one JSON line: {"seconds": …, "peak_mb": …, "rows": …}.
"""

from __future__ import annotations

import base64
import io
import json
import random
import sys
import time
import uuid
from pathlib import Path

CONTACT_POINTS = 5000
SYSTEM_ID = "5b3f2c1e-8d4a-4e7b-9c2f-1a6d3e8b7c40"
FILES = ("mailboxes.xlsx", "contact-points.xlsx", "mapping.xlsx")


def peak_mb() -> float:
    try:
        import resource
    except ImportError:  # Windows: no ru_maxrss
        return float("nan")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(directory: Path, n: int, *, full_mapping: bool = False) -> None:
    """N mailboxes, 5,000 contact points; half mapped by file, half by translations, 1% unmapped
    (a mapping file of 0.495 N rows, the figures' history). With ``full_mapping`` the mapping
    file names every mailbox (N rows, issue 31's input): the same contact point as the
    translations, so nothing conflicts and nothing is left unmapped."""
    from openpyxl import Workbook

    from ngdpkit.rehearsal.sample import CONTACT_POINT_HEADERS

    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(n)
    cps = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(CONTACT_POINTS)]
    units = [f"Enhed {i:04d} - Område {rng.choice('ÆØÅABC')}" for i in range(CONTACT_POINTS)]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Postkasser")
    ws.append(["Eksport af postkasser"])
    ws.append(["Postkasse-ID", "Postkassenavn", "Ansvarlig enhed", "Sag", "Emne-ID"])
    translations: dict[int, list[str]] = {}
    mapping_rows = []
    for i in range(n):
        mid = f"{1_000_000 + i:08d}"
        unit = i % CONTACT_POINTS
        ws.append(
            [mid, f"Postkasse {i} {units[unit]}", units[unit], f"00.01.00-G01-{i % 97:02d}-25", ""]
        )
        if full_mapping:
            mapping_rows.append([mid, cps[unit], "benchmark"])
        if i % 100 == 99:
            continue  # 1% unmapped (without a full mapping file)
        if i % 2:
            translations.setdefault(unit, []).append(str(int(mid)))
        elif not full_mapping:
            mapping_rows.append([mid, cps[unit], "benchmark"])
    wb.save(directory / FILES[0])
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Kontaktpunkter")
    ws.append(list(CONTACT_POINT_HEADERS))
    for j, guid in enumerate(cps):
        ws.append(
            [
                guid,
                units[j],
                "ja",
                "nej",
                "nej",
                "nej",
                "ja",
                SYSTEM_ID,
                " ".join(translations.get(j, [])),
            ]
        )
    wb.save(directory / FILES[1])
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Mapping")
    ws.append(["Postkasse-ID", "NgDP Guid", "Begrundelse"])
    for row in mapping_rows:
        ws.append(row)
    wb.save(directory / FILES[2])
    (directory / "default.txt").write_text(cps[0], encoding="utf-8")


# The authorization header a user's settings name (issue 31: "bench a secret so the scan is
# measured"): with a secret to look for, the run's leak scan reads every file it writes.
SECRET_VAR = "NGDPKIT_BENCH_AUTHORIZATION"
SECRET = "Basic " + base64.b64encode(f"{SYSTEM_ID}:bench-7f3c9a1e5d2b4f60a8c7".encode()).decode()


def write_settings(directory: Path) -> Path:
    """A settings file for the built inputs (environment ``test``), beside them, with an
    authorization header in a secrets file beside it (``bench.env``, as a user keeps one)."""
    default = (directory / "default.txt").read_text(encoding="utf-8")
    secrets = directory / "bench.env"
    secrets.write_text(f"{SECRET_VAR}={SECRET}\n", encoding="utf-8")
    secrets.chmod(0o600)
    path = directory / "m.toml"
    path.write_text(
        'secrets_file = "bench.env"\n'
        '[organisation]\nname = "Bench"\ncvr = "98765433"\n[inputs]\n'
        'mailboxes = "mailboxes.xlsx"\n[environments.test]\nprotocol = "REST_PULL"\n'
        'server_ips = ["198.51.100.10"]\nsystem_id = "5b3f2c1e-8d4a-4e7b-9c2f-1a6d3e8b7c40"\n'
        'contact_points = "contact-points.xlsx"\nmapping = "mapping.xlsx"\n'
        f'default_contact_point = "{default}"\nauthorization_env = "{SECRET_VAR}"\n',
        encoding="utf-8",
    )
    return path


def editor(directory: Path) -> dict:
    """What a click in notebook 02's editor costs once the notebook has run (a JupyterLab
    session, so the mapping and its suggestions are made first, untimed): ``seconds`` is one
    decision written and the mapping made again from the decisions file (what the editor
    reports); ``action_seconds`` is the whole click on the kernel's side, the 50 rows
    drawn again included (no browser: what the browser then draws is not in it)."""
    import ipywidgets

    import ngdpkit as nk
    from ngdpkit.steps.decide import apply, set_decider
    from ngdpkit.steps.editor import MappingEditor

    settings = write_settings(directory)
    (directory / "decisions-test.csv").unlink(missing_ok=True)
    step = nk.start_step("02_contact_points", settings=settings, environment="test")
    mailboxes = nk.mailboxes_from_step(step)
    cps, mapping_file = nk.load_contact_points(step), nk.load_mapping_file(step)
    mapping = nk.map_mailboxes(step, mailboxes, cps, mapping_file)
    first = mapping.suggestions.iloc[0]
    key = first["Mailbox ID"] + (":" + first["Subject ID"] if first["Subject ID"] else "")
    start = time.perf_counter()
    done = apply(
        step,
        [(key, None)],
        "accept",
        contact_points=cps,
        mapping_file=mapping_file,
        previous=mapping,
        by="bench",
    )
    seconds = time.perf_counter() - start
    set_decider("bench")
    ed = MappingEditor(step, done.mapping, cps, mapping_file, ipywidgets)
    ed.rows[0][1].value = True
    start = time.perf_counter()
    ed.accept.click()
    action = time.perf_counter() - start
    assert "decisions-test.csv" in ed.message.value, ed.message.value
    counts = done.mapping.counts()
    return {
        "seconds": seconds,
        "action_seconds": action,
        "peak_mb": peak_mb(),
        "rows": len(mailboxes),
        "unmapped": counts.get("unmapped", 0),
    }


def kit(directory: Path) -> dict:
    start = time.perf_counter()
    from ngdpkit.inputs.contact_points import read_contact_points
    from ngdpkit.inputs.mailboxes import read_mailbox_export
    from ngdpkit.inputs.mapping import map_mailboxes, read_mapping_file, suggest

    export = read_mailbox_export(directory / FILES[0], label=FILES[0])
    cps = read_contact_points(directory / FILES[1], label=FILES[1], system_id=SYSTEM_ID)
    mapping_file = read_mapping_file(directory / FILES[2], label=FILES[2])
    mapped = map_mailboxes(
        export.frame,
        mapping=mapping_file,
        contact_points=cps.points,
        system_id=SYSTEM_ID,
        default_contact_point=(directory / "default.txt").read_text(),
        export_label=FILES[0],
    )
    mid = time.perf_counter()
    suggestions = suggest(mapped, cps.points)
    end = time.perf_counter()
    counts = mapped.counts()
    return {
        "seconds": end - start,
        "map_seconds": mid - start,
        "suggest_seconds": end - mid,
        "peak_mb": peak_mb(),
        "rows": len(export),
        "unmapped": counts.get("unmapped", 0),
        "suggestions": len(suggestions),
    }


def bare(directory: Path, engine: str) -> dict:
    start = time.perf_counter()
    import pandas as pd

    rows = 0
    for name in FILES:
        rows += len(
            pd.read_excel(
                directory / name, engine=engine, dtype=str, header=1 if name == FILES[0] else 0
            )
        )
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), "rows": rows}


# Hostile texts for the redaction (issue of session 45): what a workbook's cell or an answer of
# NgDP may hold, each kind repeated to the size asked. Each has a secret split by its escapes
# once in the middle (the decomposed text: a secret with its first letter decomposed).
REDACT_SECRET = "Åbenrå-hemmelig-7f3c9a1e"
REDACT_KINDS = {
    "html": "&#8203;",  # a zero-width space as an HTML reference
    "html_letter": "&#x41;",  # a visible letter as an HTML reference (never unseen)
    "json": "\\u200b",  # a zero-width space as a JSON escape
    "percent": "%E2%80%8B",  # a zero-width space percent-escaped (UTF-8)
    "decomposed": "A\u030abenra\u030a \u00e6r\u00f8 \u00f8sterga\u030ard ",  # Danish, NFD
}


def redact_text(kind: str, size: int) -> str:
    """``size`` characters of ``kind``, the secret split by its escape in the middle."""
    unit = REDACT_KINDS[kind]
    half = unit * (size // (2 * len(unit)) + 1)
    if kind == "decomposed":
        secret = "A\u030a" + REDACT_SECRET[1:]
    else:  # a zero-width space, escaped as the text's own, between each two characters
        secret = ("&#8203;" if kind == "html_letter" else unit).join(REDACT_SECRET)
    return half[: size // 2] + secret + half[: size // 2]


def redact_workload(megabytes: float) -> dict:
    """``redact`` over each hostile text, without a registered secret and with one: seconds
    (CPU) per text, and in all; each text once, after one small warm-up call."""
    from ngdpkit import redact

    size = int(megabytes * 1_000_000)
    out: dict = {"peak_mb": 0.0}
    total = 0.0
    for registered in (False, True):
        redact.forget_all()
        if registered:
            redact.register("NGDPKIT_BENCH_SECRET", REDACT_SECRET)
        redact.redact("warm-up " * 10)
        for kind in REDACT_KINDS:
            text = redact_text(kind, size)
            start = time.process_time()
            result = redact.redact(text)
            seconds = time.process_time() - start
            if registered:
                assert "[hidden: NGDPKIT_BENCH_SECRET]" in result, kind
            out[f"{kind}{'_secret' if registered else ''}_seconds"] = seconds
            total += seconds
    out["seconds"] = total
    out["peak_mb"] = peak_mb()
    out["rows"] = len(REDACT_KINDS) * 2
    return out


# Workbooks for the leak scan (session 45): openpyxl writes each character that is not ASCII
# as a reference (``&#65352;``), so a cell of full-width letters is 8 bytes a character and
# one of Danish text holds ``&#230;``, ``&#248;``, ``&#229;``; one holds the secret in
# full-width letters, which the scan must find.
SCAN_SECRET = "hemmelig-7f3c9a1e-Token"
SCAN_CELL = 32_767  # Excel's most characters in a cell
SCAN_KINDS = {
    "fullwidth": "ｆｕｌｄ ｂｒｅｄｄｅ ｂｏｇｓｔａｖｅｒ ",
    "danish": "Åbenrå Kommune, Ærø og Øster Søgård ",
    "fullwidth_secret": "ｆｕｌｄ ｂｒｅｄｄｅ ｂｏｇｓｔａｖｅｒ ",
}


def scan_workbook(kind: str, cells: int) -> bytes:
    """A workbook of ``cells`` cells of ``SCAN_CELL`` characters of ``kind``, written by openpyxl
    (the secret in full-width letters in the middle cell for ``fullwidth_secret``)."""
    import openpyxl

    unit = SCAN_KINDS[kind]
    text = (unit * (SCAN_CELL // len(unit) + 1))[:SCAN_CELL]
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in SCAN_SECRET)
    book = openpyxl.Workbook()
    sheet = book.active
    for row in range(1, cells + 1):
        value = text
        if kind == "fullwidth_secret" and row == cells // 2 + 1:
            value = text[: SCAN_CELL // 2] + wide + text[SCAN_CELL // 2 + len(wide) :]
        sheet.cell(row=row, column=1, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def scan_workload(cells: int) -> dict:
    """``scan_bytes`` of each workbook (CPU-s each, in all), with the bench secret as the one
    looked for; the unzipped XML's size in MB."""
    import zipfile

    from ngdpkit.redact import secret_parts
    from ngdpkit.run.scan import needles, scan_bytes

    pins = needles({"NGDPKIT_BENCH_SECRET": secret_parts(SCAN_SECRET)})
    scan_bytes("warm-up.txt", b"warm-up " * 10, pins)
    out: dict = {}
    total = 0.0
    for kind in SCAN_KINDS:
        data = scan_workbook(kind, cells)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            xml = sum(i.file_size for i in zf.infolist())
        start = time.process_time()
        hits = scan_bytes(f"{kind}.xlsx", data, pins)
        seconds = time.process_time() - start
        assert hits == (["NGDPKIT_BENCH_SECRET"] if kind.endswith("_secret") else []), kind
        out[f"{kind}_seconds"] = seconds
        out[f"{kind}_xml_mb"] = round(xml / 1e6, 1)
        total += seconds
    out["seconds"] = total
    out["peak_mb"] = peak_mb()
    out["rows"] = cells
    return out


if __name__ == "__main__":
    what, folder = sys.argv[1], Path(sys.argv[2])
    if what == "redact":
        print(json.dumps(redact_workload(float(sys.argv[2]))))
    elif what == "scan":
        print(json.dumps(scan_workload(int(sys.argv[2]))))
    elif what == "build":
        build(folder, int(sys.argv[3]), full_mapping=sys.argv[4:5] == ["full"])
    else:
        measure = {"kit": kit, "editor": editor}.get(what)
        print(json.dumps(measure(folder) if measure else bare(folder, what)))
