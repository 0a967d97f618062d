from __future__ import annotations

import base64
import html
import json
import zipfile
from pathlib import Path
from urllib.parse import quote

import openpyxl

from ngdpkit.checks.system import authorization_parts
from ngdpkit.run.scan import needles, scan_file

SECRET = "Tr0ub4dor&3-horse/battery"
HEADER = (
    "Basic " + base64.b64encode(b"5b3f2c1e-8d4a-4e7b-9c2f-1a6d3e8b7c40:tok_9f8e7d6c5b4a").decode()
)


def found(path: Path, secrets: dict[str, list[str]]) -> list[str]:
    return scan_file(path, needles(secrets))


def test_every_encoding_is_caught(tmp_path: Path) -> None:
    pins = {"PW": [SECRET]}
    for name, text in {
        "raw.txt": f"password={SECRET}",
        "b64.txt": base64.b64encode(SECRET.encode()).decode(),
        "url.txt": quote(SECRET, safe=""),
        "html.html": f"<td>{html.escape(SECRET)}</td>",
        "json.json": json.dumps({"x": SECRET}),
    }.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert found(path, pins) == ["PW"], name


def test_dataframe_print_and_workbook_cell(tmp_path: Path) -> None:
    import pandas as pd

    nb_html = tmp_path / "page.html"
    nb_html.write_text(pd.DataFrame({"k": [SECRET]}).to_html(), encoding="utf-8")
    assert found(nb_html, {"PW": [SECRET]}) == ["PW"]
    wb = openpyxl.Workbook()
    wb.active["B7"] = SECRET
    wb.save(tmp_path / "book.xlsx")
    assert found(tmp_path / "book.xlsx", {"PW": [SECRET]}) == ["PW"]


def test_authorization_header_parts(tmp_path: Path) -> None:
    pins = {"AUTH": authorization_parts(HEADER)}
    for text in (
        HEADER,
        HEADER.split()[1],
        "tok_9f8e7d6c5b4a",
        base64.b64encode(b"tok_9f8e7d6c5b4a").decode(),
    ):
        path = tmp_path / "x.txt"
        path.write_text(f"... {text} ...", encoding="utf-8")
        assert found(path, pins) == ["AUTH"], text


def test_short_secret_only_whole_tokens(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("the word 'abc12' appears inside xabc12y and abc123", encoding="utf-8")
    assert found(path, {"PW": ["abc12"]}) == ["PW"]
    path.write_text("only xabc12y and abc123 here", encoding="utf-8")
    assert found(path, {"PW": ["abc12"]}) == []


def test_clean_file(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("nothing to see", encoding="utf-8")
    assert found(path, {"PW": [SECRET], "AUTH": authorization_parts(HEADER)}) == []


def test_the_scan_finds_a_secret_in_a_compressed_step_table(tmp_path: Path) -> None:
    """Step tables are zstd-compressed Parquet; the scan decodes them, so a secret in any
    cell, plain, in a list or as a number, is found, and two cells never run together
    into one token (a short secret still matches whole, and only whole)."""
    import pandas as pd

    from ngdpkit.steps.records import write_step_file

    long_secret, short_secret = "Hemmelig-Adgangskode-42", "pw7Q"
    table = pd.DataFrame(
        {
            "mailbox_id": ["01000001", "01000002", "01000003"],
            "mailbox_name": ["Borgerservice", f"Note: {long_secret}", "Teknik"],
            "tags": [["a"], ["b", short_secret], []],
            "score": [1.5, 2.5, 3.5],
            "phone": [12, 91827364, 7],
        }
    )
    write_step_file(tmp_path, "02_contact_points", {"results": {"mapping": table}})
    parquet = tmp_path / "02_contact_points.mapping.parquet"
    import pyarrow.parquet as pq

    assert pq.ParquetFile(parquet).metadata.row_group(0).column(1).compression == "ZSTD"
    pins = needles({"LONG": [long_secret], "SHORT": [short_secret], "NUMBER": ["91827364"]})
    assert scan_file(parquet, pins) == ["LONG", "SHORT", "NUMBER"]

    # cells that would spell the short secret only if run together do not match
    together = pd.DataFrame({"a": ["pw", "x"], "b": ["7Q", "y"], "c": ["Xpw7QX", "z"]})
    write_step_file(tmp_path, "01_mailboxes", {"results": {"mailboxes": together}})
    assert scan_file(tmp_path / "01_mailboxes.mailboxes.parquet", pins) == []

    # a Parquet file the scan cannot decode cannot be shown clean
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1" + b"\x00" * 64 + b"PAR1")
    assert scan_file(broken, pins) == ["LONG", "SHORT", "NUMBER"]


def test_lower_case_percent_escapes_are_caught(tmp_path: Path) -> None:
    """.NET writes percent-escapes in lower case (``%2f``): the scan and the redaction match
    either case."""
    import re

    from ngdpkit import redact as R

    lower = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(SECRET, safe=""))
    assert lower != quote(SECRET, safe="")
    path = tmp_path / "dotnet.log"
    path.write_text(f"GET /x?p={lower}", encoding="utf-8")
    assert found(path, {"PW": [SECRET]}) == ["PW"]
    R.forget_all()
    try:
        R.register("PW", SECRET)
        assert "hidden: PW" in R.redact(lower) and "horse" not in R.redact(lower)
    finally:
        R.forget_all()


def test_a_secret_is_removed_before_a_text_is_cut() -> None:
    """Issue 26: cutting first left 20 of a token's 32 characters in acceptance.json."""
    import httpx

    from ngdpkit import redact as R
    from ngdpkit.rehearsal.flow import _error_detail

    token = "tok_0123456789abcdef0123456789ab"
    R.forget_all()
    try:
        R.register("NGDPKIT_TEST_AUTHORIZATION", token)
        for body in ("x" * 180 + token, json.dumps({"message": "y" * 380 + token})):
            detail = _error_detail(httpx.Response(400, text=body))
            assert not any(token[i : i + 8] in detail for i in range(len(token) - 7)), detail
        assert token[:12] not in R.clip("z" * 150 + token, 160)
        assert _error_detail(httpx.Response(400, text="[1, 2]")) == "[1, 2]"  # not a crash
    finally:
        R.forget_all()


# ---------------------------------------------------------------------------------------------
# Scanned and hashed as written (issue 31): what this process wrote is not read back.


def _folder_scanning(tmp_path: Path, secrets: dict[str, list[str]]) -> object:
    from ngdpkit.run.folder import RunFolder

    folder = RunFolder.create(tmp_path / "runs", "test")
    folder.scan_as_written(secrets)
    return folder


def test_a_file_written_by_the_run_is_scanned_and_hashed_from_its_bytes(
    tmp_path: Path, monkeypatch
) -> None:
    import hashlib

    from ngdpkit.deliverables.outputs import LEDGER, atomic_write
    from ngdpkit.run import audit
    from ngdpkit.run.scan import scrub_folder

    secrets = {"NGDPKIT_TEST_CERT_PASSWORD": ["correct-horse-battery"]}
    folder = _folder_scanning(tmp_path, secrets)
    try:
        clean = atomic_write(folder.path / "clean.json", '{"ok": true}\n')
        leaky = atomic_write(folder.path / "leaky.txt", "pw=correct-horse-battery\n")
        reads: list[str] = []
        real = Path.read_bytes

        def counted(self: Path) -> bytes:
            reads.append(self.name)
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", counted)
        assert audit.file_digest(clean) == (
            clean.stat().st_size,
            hashlib.sha256(clean.read_bytes()).hexdigest(),
        )
        reads.clear()
        audit.file_digest(clean)
        hits = scrub_folder(folder.path, secrets, skip=("INCOMPLETE",), pins=folder._pins[1])
        # the leak is found from the bytes as written, and stubbed; nothing was read back
        assert [(p.name, names) for p, names in hits] == [
            ("leaky.txt", ["NGDPKIT_TEST_CERT_PASSWORD"])
        ]
        assert "correct-horse-battery" not in leaky.read_text(encoding="utf-8")
        assert reads == []
    finally:
        LEDGER.scan_as_written(None, None)


def test_a_file_changed_after_it_was_written_is_read_again(tmp_path: Path) -> None:
    """The ledger vouches only for bytes it saw: an edit in place (same size, even the
    mtime set back) changes the ctime, so the file is hashed and scanned from disk."""
    import hashlib
    import os

    from ngdpkit.deliverables.outputs import LEDGER, atomic_write
    from ngdpkit.run import audit
    from ngdpkit.run.scan import scrub_folder

    secrets = {"NGDPKIT_TEST_AUTHORIZATION": ["Basic-s3cr3t-token-value"]}
    folder = _folder_scanning(tmp_path, secrets)
    try:
        path = atomic_write(folder.path / "page.html", "x" * 24 + "\n")
        before = path.stat()
        with path.open("r+b") as fh:  # same length: only the content changes
            fh.write(b"Basic-s3cr3t-token-value")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert LEDGER.current(path) is None
        assert audit.file_digest(path)[1] == hashlib.sha256(path.read_bytes()).hexdigest()
        hits = scrub_folder(folder.path, secrets, skip=("INCOMPLETE",), pins=folder._pins[1])
        assert [p.name for p, _ in hits] == ["page.html"]
    finally:
        LEDGER.scan_as_written(None, None)


def test_another_writers_file_is_read_once_for_hash_and_scan(tmp_path: Path, monkeypatch) -> None:
    """A file the run did not write itself (a kernel's step file, a library's workbook) is
    read once: hashing it for the seal also scans it, and the scan uses that reading."""
    from ngdpkit.deliverables.outputs import LEDGER
    from ngdpkit.run import audit
    from ngdpkit.run.scan import scrub_folder

    secrets = {"NGDPKIT_TEST_CERT_PASSWORD": ["correct-horse-battery"]}
    folder = _folder_scanning(tmp_path, secrets)
    try:
        other = folder.path / "steps.json"
        other.write_text('{"password": "correct-horse-battery"}', encoding="utf-8")
        reads: list[str] = []
        real = Path.read_bytes

        def counted(self: Path) -> bytes:
            reads.append(self.name)
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", counted)
        audit.file_digest(other)
        hits = scrub_folder(folder.path, secrets, skip=("INCOMPLETE",), pins=folder._pins[1])
        assert [p.name for p, _ in hits] == ["steps.json"]
        assert reads == ["steps.json"]
    finally:
        LEDGER.scan_as_written(None, None)


def test_a_needle_searched_form_by_form_finds_what_its_whole_pattern_finds() -> None:
    """Issue 31: the scan searches each form on its own (re finds a literal start far faster
    than an alternation); on random text holding whole, cut and re-cased forms of random
    secrets (short ones as whole tokens, authorization headers with their parts), the two
    agree."""
    import base64
    import random
    import string

    from ngdpkit.redact import encodings, secret_parts
    from ngdpkit.run.scan import needles

    rng = random.Random(7)
    alpha = string.ascii_letters + string.digits + " %+/=:&<>\"'\\é\u2019x"
    found = 0
    for _ in range(150):
        secret = "".join(rng.choice(alpha) for _ in range(rng.randint(1, 14)))
        if rng.random() < 0.2:
            secret = "Basic " + base64.b64encode(f"sys:{secret}".encode()).decode()
        forms = [f for p in secret_parts(secret) for f in encodings(p)]
        for needle in needles({"V": secret_parts(secret)}):
            for _ in range(15):
                parts = []
                for _ in range(rng.randint(0, 4)):
                    if rng.random() < 0.4:
                        form = rng.choice(forms)
                        form = form.swapcase() if rng.random() < 0.2 else form
                        parts.append(
                            form[: rng.randint(0, len(form))] if rng.random() < 0.3 else form
                        )
                    else:
                        parts.append("".join(rng.choice(alpha) for _ in range(rng.randint(0, 6))))
                blob = "".join(parts).encode("utf-8")
                assert needle.search(blob) == (needle.pattern.search(blob) is not None)
                found += needle.search(blob)
    assert found > 100
    # the plain forms of a long secret are searched as text; a percent-escape's either case,
    # and a short secret's whole token, as patterns
    (long,) = needles({"V": ["a long/secret value"]})
    assert long.literals and b"a long/secret value" in long.literals
    assert any(b"%2[Ff]" in p.pattern for p in long.forms)
    (short,) = needles({"V": ["abc12"]})
    assert not short.literals and short.forms


# ---------------------------------------------------------------------------------------------
# A secret split by what a reader cannot see (a server that echoes the token back with a
# zero-width space in it): still the secret, to the redaction and to the scan.

TOKEN = "IhsPHD2PaW3SzxVeqHWEdgs-j2_WeloN"
UNSEEN_SPLITS = {
    "zero-width space": TOKEN[:10] + "\u200b" + TOKEN[10:],
    "soft hyphen": TOKEN[:3] + "\u00ad" + TOKEN[3:],
    "ANSI reset": TOKEN[:10] + "\x1b[0m" + TOKEN[10:],
    "bidirectional override": TOKEN[:5] + "\u202e" + TOKEN[5:],
    "tag character": TOKEN[:20] + "\U000e0041" + TOKEN[20:],
    "variation selector": TOKEN[:7] + "\ufe0f" + TOKEN[7:],
    "several": "\u2060".join(TOKEN),
    "Mongolian variation selector": TOKEN[:7] + "\u180b" + TOKEN[7:],
    "Khmer vowel inherent": TOKEN[:7] + "\u17b4" + TOKEN[7:],
    "Hangul filler": TOKEN[:7] + "\u3164" + TOKEN[7:],
    "halfwidth Hangul filler": TOKEN[:7] + "\uffa0" + TOKEN[7:],
    "reserved ignorable": TOKEN[:7] + "\U000e0fff" + TOKEN[7:],
    "escape sequence with intermediates": TOKEN[:10] + "\x1b(B" + TOKEN[10:],
    "two-byte escape": TOKEN[:10] + "\x1b7" + TOKEN[10:],
    "device control string": TOKEN[:10] + "\x1bPq\x1b\\" + TOKEN[10:],
    # drawn as nothing though not format characters (an attacker's pass: a password split
    # by U+FFFC in a mailbox name reached the pages, the PDF and the CSV past the scan)
    "object replacement character": TOKEN[:12] + "\ufffc" + TOKEN[12:],
    "object replacement between every character": "\ufffc".join(TOKEN),
    "braille blank": TOKEN[:12] + "\u2800" + TOKEN[12:],
    "Khitan filler": TOKEN[:12] + "\U00016fe4" + TOKEN[12:],
    "null notehead": TOKEN[:12] + "\U0001d159" + TOKEN[12:],
}


# in a text the kit reads (an NgDP answer's field): the escaped forms of an unseen character,
# which the scan undoes in the files it reads, count as the character for the redaction too
ESCAPED_SPLITS = {
    "JSON escape in the text": TOKEN[:10] + "\\u200b" + TOKEN[10:],
    "HTML reference in the text": TOKEN[:10] + "&#8203;" + TOKEN[10:],
    "HTML hex reference in the text": TOKEN[:10] + "&#X200B;" + TOKEN[10:],
    # as a browser reads them (the attacker's third look): named, zero-padded, no ";"
    "named reference": TOKEN[:10] + "&shy;" + TOKEN[10:],
    "named reference, long": TOKEN[:10] + "&ZeroWidthSpace;" + TOKEN[10:],
    "legacy name without ;": TOKEN[:10] + "&shy" + TOKEN[10:],
    "zero-padded hex reference": TOKEN[:10] + "&#x0000200B;" + TOKEN[10:],
    "zero-padded decimal reference": TOKEN[:10] + "&#00000000173;" + TOKEN[10:],
    "decimal reference without ;": TOKEN[:11] + "&#173" + TOKEN[11:],  # a letter follows
}


def test_the_redaction_hides_a_secret_split_by_unseen_characters() -> None:
    from ngdpkit import redact as R

    header = "Basic " + base64.b64encode(f"sys-1:{TOKEN}".encode()).decode()
    R.forget_all()
    try:
        R.register("NGDPKIT_TEST_AUTHORIZATION", header)
        for kind, split in {**UNSEEN_SPLITS, **ESCAPED_SPLITS}.items():
            for said in (R.redact(f"name: {split}."), R.terminal_text(f"name: {split}.")):
                assert said == "name: [hidden: NGDPKIT_TEST_AUTHORIZATION].", (kind, said)
            assert R.one_line(f"a\n{split}\nb") == "a [hidden: NGDPKIT_TEST_AUTHORIZATION] b"
        # two secrets in one text, each split; text around them kept as it was
        two = f"x\u200b {UNSEEN_SPLITS['soft hyphen']} y {UNSEEN_SPLITS['tag character']}"
        assert R.redact(two) == (
            "x\u200b [hidden: NGDPKIT_TEST_AUTHORIZATION] y [hidden: NGDPKIT_TEST_AUTHORIZATION]"
        )
        # shown reversed by a right-to-left override: the whole text is hidden
        for reversed_ in ("\u202e" + TOKEN[::-1] + "\u202c", "x \u2067" + TOKEN[::-1]):
            assert R.redact(reversed_) == "[hidden: NGDPKIT_TEST_AUTHORIZATION]", reversed_
        assert R.redact("\u202e" + "nommok" + "\u202c") == "\u202enommok\u202c"
        # and on a terminal, where the override itself is removed
        shown_reversed = "x \u202e" + TOKEN[::-1] + "\u202c y"
        assert R.terminal_text(shown_reversed) == "[hidden: NGDPKIT_TEST_AUTHORIZATION]"
        # many secrets in one text: each hidden (the text is rebuilt once, not once a match)
        many = " ".join([UNSEEN_SPLITS["zero-width space"]] * 20_000)
        assert R.redact(many) == " ".join(["[hidden: NGDPKIT_TEST_AUTHORIZATION]"] * 20_000)
        # an unseen character where there is no secret is left alone
        for clean in (
            "Ærø\u00adkommune",
            "a\u200bb",
            "\x1b[1mfed\x1b[0m",
            TOKEN[:12] + "\u200b",
            "R&D; Teknik &amp; Miljø &shy; &#173 &nbsp;",
        ):
            assert R.redact(clean) == clean
    finally:
        R.forget_all()


def test_the_scan_finds_a_secret_split_by_unseen_characters(tmp_path: Path) -> None:
    """Raw in a page, JSON-escaped in a step file, an HTML character reference, inside a
    workbook and a compressed step table: each is the secret to a reader, and to the scan."""
    import pandas as pd

    from ngdpkit.run.scan import without_unseen
    from ngdpkit.steps.records import write_step_file

    pins = {"NGDPKIT_TEST_AUTHORIZATION": [TOKEN]}
    split = UNSEEN_SPLITS["zero-width space"]
    for kind, text in UNSEEN_SPLITS.items():
        for name, content in {
            "page.html": f"<td>{html.escape(text)}</td>",
            "step.json": json.dumps({"name": text}),
            "step-utf8.json": json.dumps({"name": text}, ensure_ascii=False),
        }.items():
            path = tmp_path / name
            path.write_text(content, encoding="utf-8")
            assert found(path, pins) == ["NGDPKIT_TEST_AUTHORIZATION"], (kind, name)
    for reference in ("&#8203;", "&#x200B;", "&#x200b;", "&shy;", "&zwj;", "&#x0000200B;", "&#173"):
        path = tmp_path / "reference.html"
        path.write_text(f"<td>{TOKEN[:11]}{reference}{TOKEN[11:]}</td>", encoding="utf-8")
        assert found(path, pins) == ["NGDPKIT_TEST_AUTHORIZATION"], reference
    book = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Navn", split])
    wb.save(book)
    assert found(book, pins) == ["NGDPKIT_TEST_AUTHORIZATION"]
    write_step_file(tmp_path, "02_contact_points", {"results": {"t": pd.DataFrame({"n": [split]})}})
    assert found(tmp_path / "02_contact_points.t.parquet", pins) == ["NGDPKIT_TEST_AUTHORIZATION"]

    # what a page and a step file hold every day is not searched twice
    everyday = [
        json.dumps({"n": "Ærø “kommune” – afdeling"}).encode(),
        json.dumps({"n": "Ærø “kommune” – afdeling"}, ensure_ascii=False).encode(),
        "<td>O&#39;Brien &amp; &#34;Co&#34;</td>\r\n\tÆØÅ".encode(),
    ]
    assert [without_unseen(blob) for blob in everyday] == [[], [], []]

    # shown reversed by a right-to-left override, raw or as the JSON escape json.dumps writes
    for content in (
        json.dumps({"name": "\u202e" + TOKEN[::-1] + "\u202c"}),
        json.dumps({"name": "\u202e" + TOKEN[::-1]}, ensure_ascii=False),
    ):
        path = tmp_path / "reversed.json"
        path.write_text(content, encoding="utf-8")
        assert found(path, pins) == ["NGDPKIT_TEST_AUTHORIZATION"], content


def test_a_rewrite_that_leaks_after_the_last_round_is_scanned_too(tmp_path: Path) -> None:
    """The folder is sealed, rendered and scanned again after each rewrite of the findings a
    leak makes. A rewrite that leaks in every round left its last file unscanned: the
    attacker's review found a final ``findings.json`` holding a token split by ``&#8203;``.
    What the last rewrite wrote is now scanned and stubbed too."""
    from ngdpkit.run.audit import verify
    from ngdpkit.run.folder import ROUNDS, RunFolder

    secrets = {"NGDPKIT_TEST_AUTHORIZATION": [TOKEN]}
    folder = RunFolder.create(tmp_path / "out", "test")
    findings = folder.path / "findings.json"
    findings.write_text(json.dumps({"x": TOKEN}), encoding="utf-8")
    rewrites: list[int] = []

    def on_leak(hits: list) -> None:  # a rewrite that writes the secret again, every time
        rewrites.append(len(hits))
        findings.write_text(json.dumps({"x": TOKEN[:5] + "&#8203;" + TOKEN[5:]}), encoding="utf-8")

    code = folder.close(
        secrets=secrets, render=lambda anchor: None, on_leak=on_leak, result=lambda: (1, "errors")
    )
    assert code == 1 and len(rewrites) == ROUNDS
    assert findings.read_text(encoding="utf-8").startswith("This file (findings.json) was removed")
    assert len(folder.leaks) == ROUNDS + 1
    assert verify(folder.path, expect_hash=folder.anchor).ok


def test_each_environments_folder_is_searched_for_every_environments_secrets(
    sample_dir: Path,
) -> None:
    """A server both environments reach echoed the test token into production's answers, and
    production's folder kept it raw: its child looked only for production's secrets. Every
    environment's secrets that the process can read are looked for (and hidden) now."""
    from ngdpkit import redact as R
    from ngdpkit.run.scan import environment_secrets
    from ngdpkit.settings import load_settings

    settings = load_settings(sample_dir / "migration.toml")
    R.forget_all()
    try:
        found = environment_secrets(settings, settings.environment("production"))
        assert {
            "NGDPKIT_PRODUCTION_AUTHORIZATION",
            "NGDPKIT_TEST_AUTHORIZATION",
            "NGDPKIT_TEST_CERT_PASSWORD",
        } <= set(found)
        test_token = found["NGDPKIT_TEST_AUTHORIZATION"][-1]
        assert R.redact(f"name: {test_token}") == "name: [hidden: NGDPKIT_TEST_AUTHORIZATION]"
    finally:
        R.forget_all()


def test_a_token_written_in_url_escapes_or_quoted_as_python_bytes_is_hidden(
    tmp_path: Path,
) -> None:
    """The fifth look: a redirect's Location with every byte of the token as %XX, and httpx
    quoting a server's illegal status line as b'…' with a zero-width space as \\xe2\\x80\\x8b,
    each showed the token to anyone who decodes them."""
    from ngdpkit import redact as R

    every_byte = "".join(f"%{b:02x}" for b in TOKEN.encode())
    some = TOKEN[:5] + "".join(f"%{b:02X}" for b in TOKEN[5:12].encode()) + TOKEN[12:]
    zwsp = "\\xe2\\x80\\x8b"
    quoted_bytes = f"illegal status line: bytearray(b'200 {TOKEN[:10]}{zwsp}{TOKEN[10:]}')"
    R.forget_all()
    try:
        R.register("NGDPKIT_TEST_AUTHORIZATION", TOKEN)
        from urllib.parse import unquote

        for text in (f"https://h/p?t={every_byte}", f"https://h/p?t={some}", quoted_bytes):
            said = R.redact(text)
            assert "[hidden: NGDPKIT_TEST_AUTHORIZATION]" in said, text
            decoded = unquote(said).encode().decode("unicode_escape")
            assert not any(TOKEN[i : i + 8] in decoded for i in range(len(TOKEN) - 7)), said
        for clean in ("https://h/p?q=%C3%A6r%C3%B8", "b'\\xc3\\xa6r\\xc3\\xb8'"):
            assert R.redact(clean) == clean
    finally:
        R.forget_all()
    path = tmp_path / "findings.json"
    path.write_text(json.dumps({"url": f"https://h/p?t={every_byte}"}), encoding="utf-8")
    assert found(path, {"NGDPKIT_TEST_AUTHORIZATION": [TOKEN]}) == ["NGDPKIT_TEST_AUTHORIZATION"]


def test_a_file_that_leaks_again_is_named_once_and_the_cause_is_said() -> None:
    """A CI engineer's look: a secret that was also the organisation's name gave 35
    SECRET_LEAKs, pages named three times each (each was written anew and caught again), and
    never the cause. Each file is named once; a file caught again says, once, that the value
    stands in the inputs or the settings."""
    from ngdpkit.run.scan import leak_findings

    def rel(p: Path) -> str:
        return p.name

    first = leak_findings([(Path("index.html"), ["PW"]), (Path("a.json"), ["PW"])], rel)
    assert [f.source for f in first] == ["index.html", "a.json"]
    again = leak_findings([(Path("index.html"), ["PW"])], rel, first)
    (cause,) = again
    assert cause.code == "SECRET_LEAK" and cause.source == ""
    assert "stands in the inputs or the settings" in cause.message and "PW" in cause.message
    assert "står i input eller indstillingerne" in cause.text("da")
    assert leak_findings([(Path("index.html"), ["PW"])], rel, first + again) == []
    # another secret in a file named before is named (an attacker's second look: named by
    # file alone, it went unnamed)
    (other,) = leak_findings([(Path("index.html"), ["PW", "AUTH"])], rel, first + again)
    assert other.source == "index.html" and other.params["values"] == "AUTH"


def test_a_short_secret_caught_again_may_be_a_word_of_the_kits_own_text() -> None:
    """A consultant's cold run: a wrong password "wrong" (under 8 characters: looked for as a
    whole word) matched the kit's own message, and the findings said the value stood in the
    inputs or the settings. For a short secret the cause names the kit's own text too; a long
    one keeps the inputs' wording, and a mix of the two is the long one's."""
    from ngdpkit.run.scan import leak_findings, short_secrets

    def rel(p: Path) -> str:
        return p.name

    secrets = {"PW": ["wrong"], "AUTH": ["Basic " + "x" * 30, "x" * 30]}
    assert short_secrets(secrets) == frozenset({"PW"})
    first = leak_findings([(Path("index.html"), ["PW"])], rel, short=short_secrets(secrets))
    (cause,) = leak_findings([(Path("index.html"), ["PW"])], rel, first, short=frozenset({"PW"}))
    assert "under 8 characters" in cause.message and "the kit's own text" in cause.message
    assert "stands in the inputs or the settings" not in cause.message
    assert "ngdpkits egen tekst" in cause.text("da") and "under 8 tegn" in cause.text("da")
    # said once, whichever wording said it
    assert (
        leak_findings([(Path("index.html"), ["PW"])], rel, [*first, cause], short=frozenset({"PW"}))
        == []
    )
    both = leak_findings([(Path("index.html"), ["PW", "AUTH"])], rel)
    (mixed,) = leak_findings(
        [(Path("index.html"), ["PW", "AUTH"])], rel, both, short=frozenset({"PW"})
    )
    assert "stands in the inputs or the settings" in mixed.message


def test_a_secret_in_a_long_url_on_a_page_is_found_across_its_line_breaks(
    tmp_path: Path,
) -> None:
    """A URL past 110 characters is cut into pieces at its "/" on a page (display.url), each
    in a span with a <wbr> between: a browser shows and copies it whole, so the scan reads it
    whole. A contact point named by such a URL holding the header's base64 part (which has
    "/" in it) kept the header on the overview and the notebook page (an attacker's look)."""
    from ngdpkit.documents.display import cell

    token = base64.b64encode(
        b"5b3f2c1e-8d4a-4e7b-9c2f-1a6d3e8b7c40:SryCB6tnn2g6tVPJYbX?5MMXOLwm?x"
    ).decode()
    assert "/" in token
    pins = {"AUTH": authorization_parts("Basic " + token)}
    page = str(cell("Borgerservice https://intranet.example.dk/" + "sti/" * 25 + token))
    assert token not in page and "<wbr>" in page  # the page holds it only in pieces
    for name, text in {"page.html": page, "page.ipynb": json.dumps({"text/html": [page]})}.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert found(path, pins) == ["AUTH"], name


def test_a_secret_spelling_an_excel_escape_is_found_in_a_workbook(tmp_path: Path) -> None:
    """Excel reads ``_xHHHH_`` in a cell as the character it names, so the workbook writer
    stores a literal one as ``_x005F_xHHHH_``: a token holding "_xbeef_" stood in the cell's
    XML so, unmatched, and Excel showed it whole (an attacker's look)."""
    from ngdpkit.deliverables.outputs import write_workbook

    token = "tok_xbeef_9f8e7d6c5b4a"
    book = write_workbook(tmp_path / "book.xlsx", [("S", ["Navn"], [["Se " + token]], None)])
    with zipfile.ZipFile(book) as zf:
        assert not any(token.encode() in zf.read(n) for n in zf.namelist())
    assert openpyxl.load_workbook(book).active["A2"].value == "Se tok_x005F_xbeef_9f8e7d6c5b4a"
    assert found(book, {"AUTH": [token]}) == ["AUTH"]


def test_a_secret_of_words_in_a_long_command_on_a_page_is_found_across_its_spans(
    tmp_path: Path,
) -> None:
    """A long command on a page (a checklist's, a runbook's) is set word by word, one span
    each with a space between (signoff.command), so that a line ends only between words: a
    browser shows and copies the words as one text. A certificate password of words in the
    command's settings file name stood on the page only so, and the scan passed the page and
    its notebook (an attacker's look); a word over 40 characters gets class="any"."""
    from ngdpkit.documents.signoff import with_commands

    secret = "korrekt hest " + "batteri" * 7 + " 2026 hemmelig"
    page = str(with_commands(f'Kør ngdpkit run --settings "{secret}.toml" --env test'))
    assert secret not in page and 'class="any"' in page  # the page holds it only in spans
    for name, text in {"page.html": page, "page.ipynb": json.dumps({"text/html": [page]})}.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert found(path, {"PW": [secret]}) == ["PW"], name


def test_a_password_given_as_a_server_name_is_found_as_windows_cuts_the_name(
    sample_copy: Path, tmp_path: Path
) -> None:
    """A certificate password given as a server's name stood in server-check.ps1 only as
    Windows cuts a computer name ('VINTER-SOL-7QMZ': its first 15 characters, upper-case),
    which the scan of the whole secret did not find; the console and the finding showed it
    so too."""
    from ngdpkit import redact as R
    from ngdpkit.checks.evidence import server_key
    from ngdpkit.run.scan import environment_secrets
    from ngdpkit.settings import load_settings

    password = "Vinter-Sol-7QmZr2Kx9Pw4"
    env_file = sample_copy / "sample.env"
    env_file.write_text(
        "\n".join(
            f'NGDPKIT_PRODUCTION_CERT_PASSWORD="{password}"'
            if line.startswith("NGDPKIT_PRODUCTION_CERT_PASSWORD=")
            else line
            for line in env_file.read_text(encoding="utf-8").splitlines()
        )
        + "\n",
        encoding="utf-8",
    )
    toml = sample_copy / "migration.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace('name = "wz-agent01-t"', f'name = "{password}"'),
        encoding="utf-8",
    )
    settings = load_settings(toml)
    R.forget_all()
    try:
        secrets = environment_secrets(settings, settings.environment("test"))
        script = tmp_path / "server-check.ps1"
        script.write_text("$ServerNames = @('WZ-WEB01-T', 'VINTER-SOL-7QMZ')\n", encoding="utf-8")
        assert found(script, secrets) == ["NGDPKIT_PRODUCTION_CERT_PASSWORD"]
        clean = tmp_path / "clean.ps1"
        clean.write_text("$ServerNames = @('WZ-WEB01-T')\n", encoding="utf-8")
        assert found(clean, secrets) == []
        # with the secret known, the name is said hidden, never cut to its first characters
        assert "VINTER" not in server_key(password)
        assert server_key("wz-verylongservername01") == "WZ-VERYLONGSERV"
    finally:
        R.forget_all()


def test_a_folder_sealed_in_its_last_resort_prints_its_pages_with_that_seals_anchor(
    tmp_path: Path,
) -> None:
    """Two rounds that leak (a page holding the token) and a third whose clean scan is
    revised (a timestamp the PDF did not get, a finding of its own) run out of rounds: the
    folder was sealed once more and not rendered again, so the pages and signoff.pdf named
    the anchor of the seal before, and ``audit verify --expect-hash`` with the anchor on the
    signed document said it was not the anchor. The pages are printed again after that seal."""
    from ngdpkit.run.audit import verify
    from ngdpkit.run.folder import ROUNDS, RunFolder

    secrets = {"NGDPKIT_TEST_AUTHORIZATION": [TOKEN]}
    folder = RunFolder.create(tmp_path / "out", "test")
    findings = folder.path / "findings.json"
    findings.write_text("{}", encoding="utf-8")
    page = folder.path / "signoff" / "index.html"
    anchors: list[str] = []

    def render(anchor: str) -> None:
        anchors.append(anchor)
        page.parent.mkdir(exist_ok=True)
        leak = TOKEN if len(anchors) < ROUNDS else ""
        page.write_text(f"<p>anker {anchor}</p>{leak}", encoding="utf-8")

    def revise() -> bool:  # the first clean scan, in the last round, finds something late
        late = findings.read_text(encoding="utf-8") == "{}"
        findings.write_text('{"late": 1}', encoding="utf-8")
        return late

    code = folder.close(
        secrets=secrets,
        render=render,
        on_leak=lambda hits: None,
        result=lambda: (0, "warnings"),
        revise=revise,
    )
    assert code == 0
    assert len(folder.leaks) == ROUNDS - 1  # rounds 1 and 2; round 3 clean, then revised
    assert anchors[ROUNDS - 1] != folder.anchor  # the last resort sealed after round 3
    assert page.read_text(encoding="utf-8") == f"<p>anker {folder.anchor}</p>"
    assert verify(folder.path, expect_hash=folder.anchor).ok
    assert verify(folder.path, expect_hash=anchors[ROUNDS - 1]).ok is False


def test_a_page_that_leaks_in_every_round_is_printed_again_and_stubbed(tmp_path: Path) -> None:
    """The last resort's pages, printed again with the last anchor, are scanned too: a page
    that holds the token every time is a stub, and the anchor still verifies (the pages are
    not what it pins). A signed file found then is removed: a stub is no PDF."""
    from ngdpkit.run.audit import verify
    from ngdpkit.run.folder import ROUNDS, RunFolder

    secrets = {"NGDPKIT_TEST_AUTHORIZATION": [TOKEN]}
    folder = RunFolder.create(tmp_path / "out", "test")
    (folder.path / "findings.json").write_text("{}", encoding="utf-8")
    sign = folder.path / "signoff"
    renders: list[str] = []

    def render(anchor: str) -> None:
        renders.append(anchor)
        sign.mkdir(exist_ok=True)
        (sign / "index.html").write_text(f"{anchor} {TOKEN}", encoding="utf-8")
        (sign / "signoff.pdf").write_bytes(f"%PDF-1.7 {anchor} {TOKEN}".encode())
        folder.signed.add("signoff/signoff.pdf")  # as sign_pdf records a sealed PDF

    folder.close(
        secrets=secrets, render=render, on_leak=lambda hits: None, result=lambda: (1, "errors")
    )
    assert len(renders) == ROUNDS + 1 and renders[-1] == folder.anchor
    assert TOKEN not in (sign / "index.html").read_text(encoding="utf-8")
    assert not (sign / "signoff.pdf").exists() and folder.signed == set()
    assert verify(folder.path, expect_hash=folder.anchor).ok


def test_the_last_resorts_pdf_printed_from_a_leaking_page_is_removed(tmp_path: Path) -> None:
    """A hostile second look: the last resort printed the PDF again from pages that leaked,
    and a PDF's compressed text is not searched, so an unsigned signoff.pdf holding the
    token (deflated, as a browser writes it) stayed in the sealed folder while the page it
    was printed from became a stub. It is removed, as a round's leak removes it."""
    import zlib

    from ngdpkit.run.audit import verify
    from ngdpkit.run.folder import RunFolder

    secrets = {"NGDPKIT_TEST_AUTHORIZATION": [TOKEN]}
    folder = RunFolder.create(tmp_path / "out", "test")
    (folder.path / "findings.json").write_text("{}", encoding="utf-8")
    sign = folder.path / "signoff"

    def render(anchor: str) -> None:
        sign.mkdir(exist_ok=True)
        (sign / "index.html").write_text(f"{anchor} {TOKEN}", encoding="utf-8")
        stream = zlib.compress(f"BT ({anchor} {TOKEN}) Tj ET".encode())
        (sign / "signoff.pdf").write_bytes(b"%PDF-1.7\nstream\n" + stream + b"\nendstream\n")

    folder.close(
        secrets=secrets, render=render, on_leak=lambda hits: None, result=lambda: (1, "errors")
    )
    assert TOKEN not in (sign / "index.html").read_text(encoding="utf-8")
    assert not (sign / "signoff.pdf").exists()
    assert verify(folder.path, expect_hash=folder.anchor).ok
