from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd

from ngdpkit.outputs import MAPPING_HEADERS, atomic_write, mapping_csv_bytes, write_mapping_workbook


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "mailbox_id": "007",
                "mailbox_name": '=HYPERLINK("http://x")',
                "responsible_unit": "Ø",
                "case": "+1",
                "ngdp_guid": "a",
                "contact_point": "A",
                "source": "mapping file",
                "status": "mapped",
                "subject_id": "",
            },
            {
                "mailbox_id": "8",
                "mailbox_name": "@SUM(1)",
                "responsible_unit": "Å",
                "case": "-2",
                "ngdp_guid": "",
                "contact_point": "",
                "source": "",
                "status": "unmapped",
                "subject_id": "2",
            },
        ]
    )


def test_csv_for_danish_excel() -> None:
    data = mapping_csv_bytes(frame())
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert text.split("\r\n")[0] == ";".join(MAPPING_HEADERS)
    assert "\r\n007;" in text and text.endswith("\r\n")


def test_workbook_never_holds_a_formula(tmp_path: Path) -> None:
    path = write_mapping_workbook(
        tmp_path / "m.xlsx",
        frame(),
        [
            {
                "severity": "error",
                "code": "MAILBOX_UNMAPPED",
                "message": "=bad",
                "source": "",
                "location": "",
            }
        ],
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["Mailbox mapping"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:I3"
    assert [c.value for c in ws[1]] == list(MAPPING_HEADERS)
    assert ws["B2"].value == '=HYPERLINK("http://x")' and ws["B2"].data_type == "s"
    assert ws["A2"].value == "007"
    assert ws["A3"].fill.fgColor.rgb.endswith("FDE8E6")  # unmapped row highlighted
    assert wb["Findings"]["C2"].data_type == "s"
    import zipfile

    with zipfile.ZipFile(path) as zf:
        assert all(
            b"<f>" not in zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/")
        )


def test_atomic_write_leaves_no_temp(tmp_path: Path) -> None:
    atomic_write(tmp_path / "a.txt", "x")
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
