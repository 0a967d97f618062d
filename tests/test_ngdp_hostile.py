"""An NgDP (or whatever answers at its address) that answers with hostile or broken records
(contract §12.1): a listing that loops back to page 0, contradicts itself, holds entries
that are no contact point or more than its ``totalElements``; an organisation, a system or a
single record that is no JSON object or another contact point's; a ``next`` link to another
host. Each is a finding naming the path, the listing is never taken as complete (no step 5
observed on it, no ``NGDP_CONTACT_POINT_MISSING`` errors read into it), only GETs the
contract allows are made, and the paging ends at once. Against the local NgDP on 127.0.0.1,
its answers altered per test."""

from __future__ import annotations

import copy
import http.server
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from ngdpkit.checks.ngdp import (
    LISTING_CONTRADICTS,
    LISTING_ENDLESS,
    LISTING_LOOPS,
    LISTING_NOT_CONTACT_POINTS,
    LISTING_OVER_TOTAL,
    NOT_AN_OBJECT,
    SINGLE_NOT_ASKED,
)
from tests.loopback import LoopbackServer
from tests.test_ngdp_read import check, codes, copy_sample, only_allowed_gets, serve

Handle = Callable[..., Any]


def hostile(
    sample_dir: Path, tmp_path: Path, alter: Callable[[Handle], Handle]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """``check --online ngdp --json`` of the sample's test environment against a local NgDP
    whose answers ``alter`` rewrites (it gets the registry's own handler and returns the
    one to serve with); the result and every request the local NgDP saw."""
    sample = copy_sample(sample_dir, tmp_path)
    sim, _ = serve(sample, "test", tmp_path)
    registry = sim.server.config.registry
    registry.handle = alter(registry.handle)  # type: ignore[method-assign]
    with sim:
        result = check(sample, "test")
        requests = list(registry.requests)
    only_allowed_gets(requests)
    return result, requests


def listing_pages(requests: list[tuple[str, str]]) -> list[str]:
    return [p for _, p in requests if "/contact-points/?" in p]


def reasons(result: dict[str, Any], code: str = "NGDP_READ_FAILED") -> list[str]:
    return [f["params"].get("reason", "") for f in result["findings"] if f["code"] == code]


def is_listing(path: str, query: str) -> bool:
    return path.endswith("/contact-points/") and "page=" in query


def test_a_listing_that_loops_back_to_page_0_ends_and_is_incomplete(
    sample_dir: Path, tmp_path: Path
) -> None:
    """Every page is page 0 again, with a totalElements beyond it: the kit counted the
    repeats up to totalElements and took the listing for complete (no finding at all)."""

    def alter(handle: Handle) -> Handle:
        def answer(method: str, path: str, query: str, wait: Any = time.sleep) -> Any:
            if is_listing(path, query):
                params = {k: v[0] for k, v in parse_qs(query).items()}
                params["page"] = "0"
                status, body = handle(
                    method, path, "&".join(f"{k}={v}" for k, v in params.items()), wait
                )
                body["totalElements"] = body["totalElements"] * 3 + 250
                return status, body
            return handle(method, path, query, wait)

        return answer

    result, requests = hostile(sample_dir, tmp_path, alter)
    assert LISTING_LOOPS in reasons(result)
    assert "NGDP_LISTING_INCOMPLETE" in codes(result)
    assert len(listing_pages(requests)) == 2  # page 1 repeats page 0: no third page asked


def test_entries_that_are_no_contact_point_make_the_listing_incomplete(
    sample_dir: Path, tmp_path: Path
) -> None:
    """Two entries without a GUID were dropped without a word and the listing still counted
    as whole: the contact points in use were 'missing' (errors) for a reason no one saw."""

    def alter(handle: Handle) -> Handle:
        def answer(method: str, path: str, query: str, wait: Any = time.sleep) -> Any:
            status, body = handle(method, path, query, wait)
            if is_listing(path, query) and isinstance(body, dict):
                for item in body["contactPoints"][:2]:
                    item["id"] = '=HYPERLINK("http://evil.test")'
            return status, body

        return answer

    result, _ = hostile(sample_dir, tmp_path, alter)
    assert LISTING_NOT_CONTACT_POINTS in reasons(result)
    assert "NGDP_LISTING_INCOMPLETE" in codes(result)
    assert "NGDP_CONTACT_POINT_MISSING" not in codes(result)


def test_a_listing_of_no_objects_at_all_is_no_listing_and_ends(
    sample_dir: Path, tmp_path: Path
) -> None:
    """A page of a million numbers and no totalElements: every page was asked again until
    the deadline (a minute), and then the listing was 'complete' and empty."""

    def alter(handle: Handle) -> Handle:
        def answer(method: str, path: str, query: str, wait: Any = time.sleep) -> Any:
            if is_listing(path, query):
                return 200, b'{"contactPoints": [' + b"1," * 1_000_000 + b"1]}"
            return handle(method, path, query, wait)

        return answer

    start = time.monotonic()
    result, requests = hostile(sample_dir, tmp_path, alter)
    assert time.monotonic() - start < 30
    assert len(listing_pages(requests)) == 1
    assert LISTING_NOT_CONTACT_POINTS in reasons(result)
    assert "NGDP_CONTACT_POINT_MISSING" not in codes(result)


def test_a_listing_without_total_that_never_ends_is_not_whole(
    sample_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New contact points on every page and no totalElements: after the last page the kit
    asks (1,000; 3 here) the listing passed for whole."""
    import uuid

    import ngdpkit.checks.ngdp

    monkeypatch.setattr(ngdpkit.checks.ngdp, "MAX_PAGES", 3)

    def alter(handle: Handle) -> Handle:
        def answer(method: str, path: str, query: str, wait: Any = time.sleep) -> Any:
            if is_listing(path, query):
                page = int(parse_qs(query)["page"][0])
                items = [
                    {"id": str(uuid.UUID(int=page * 1000 + i + 1)), "name": f"p{page}-{i}"}
                    for i in range(100)
                ]
                return 200, {"contactPoints": items}
            return handle(method, path, query, wait)

        return answer

    result, requests = hostile(sample_dir, tmp_path, alter)
    assert LISTING_ENDLESS in reasons(result)
    assert len(listing_pages(requests)) == 3
    assert "NGDP_CONTACT_POINT_MISSING" not in codes(result)


def test_a_listing_that_names_a_contact_point_twice_differently_is_not_trusted(
    sample_dir: Path, tmp_path: Path
) -> None:
    def alter(handle: Handle) -> Handle:
        def answer(method: str, path: str, query: str, wait: Any = time.sleep) -> Any:
            status, body = handle(method, path, query, wait)
            if is_listing(path, query) and isinstance(body, dict) and body["contactPoints"]:
                other = copy.deepcopy(body["contactPoints"][0])
                # the same GUID in another spelling, with other translations
                other["id"] = "{" + other["id"].upper() + "}"
                other["translations"] = []
                body["contactPoints"].append(other)
            return status, body

        return answer

    result, _ = hostile(sample_dir, tmp_path, alter)
    assert LISTING_CONTRADICTS in reasons(result)


def test_more_contact_points_than_total_elements_is_said(sample_dir: Path, tmp_path: Path) -> None:
    """totalElements 0 beside a full page: the reading stopped after page 0 and called it
    whole."""

    def alter(handle: Handle) -> Handle:
        def answer(method: str, path: str, query: str, wait: Any = time.sleep) -> Any:
            status, body = handle(method, path, query, wait)
            if is_listing(path, query) and isinstance(body, dict):
                body["totalElements"] = 0
            return status, body

        return answer

    result, _ = hostile(sample_dir, tmp_path, alter)
    assert LISTING_OVER_TOTAL in reasons(result)


@pytest.mark.parametrize("body", [b"[1, 2, 3]", b'"organisations"', b"42", b"null"])
def test_an_organisation_answer_that_is_no_object_is_a_finding(
    sample_dir: Path, tmp_path: Path, body: bytes
) -> None:
    """A JSON list, text or number for the organisation: nothing was read and nothing said."""

    def alter(handle: Handle) -> Handle:
        def answer(method: str, path: str, query: str, wait: Any = time.sleep) -> Any:
            if path.rstrip("/").endswith("/organisations"):
                return 200, body
            return handle(method, path, query, wait)

        return answer

    result, requests = hostile(sample_dir, tmp_path, alter)
    failed = [f for f in result["findings"] if f["code"] == "NGDP_READ_FAILED"]
    assert failed and failed[0]["location"] == "/organisations/", result["findings"]
    assert len(requests) == 1


def test_a_system_answer_that_is_no_object_is_a_failed_read_not_a_difference(
    sample_dir: Path, tmp_path: Path
) -> None:
    """A list for the registration was 'registered id: none', an NGDP_SYSTEM_DIFFERS error
    about a registration NgDP never showed."""

    def alter(handle: Handle) -> Handle:
        def answer(method: str, path: str, query: str, wait: Any = time.sleep) -> Any:
            if "/systems/" in path:
                return 200, b'["<script>alert(1)</script>"]'
            return handle(method, path, query, wait)

        return answer

    result, _ = hostile(sample_dir, tmp_path, alter)
    assert NOT_AN_OBJECT in reasons(result)
    assert "NGDP_SYSTEM_DIFFERS" not in codes(result)


def test_a_single_record_of_another_contact_point_is_a_finding(
    sample_dir: Path, tmp_path: Path
) -> None:
    def alter(handle: Handle) -> Handle:
        def answer(method: str, path: str, query: str, wait: Any = time.sleep) -> Any:
            status, body = handle(method, path, query, wait)
            if "/contact-points/" in path and not path.endswith("/contact-points/"):
                body = dict(body, id="00000000-0000-4000-8000-000000000000")
            return status, body

        return answer

    result, requests = hostile(sample_dir, tmp_path, alter)
    assert SINGLE_NOT_ASKED in reasons(result)


def test_a_page_0_without_a_list_is_no_listing(sample_dir: Path, tmp_path: Path) -> None:
    """An object without ``contactPoints`` for page 0 was an empty listing read whole: every
    contact point in use 'missing' from it."""

    def alter(handle: Handle) -> Handle:
        def answer(method: str, path: str, query: str, wait: Any = time.sleep) -> Any:
            if is_listing(path, query):
                return 200, {"error": "<b>maintenance</b>", "totalElements": 5}
            return handle(method, path, query, wait)

        return answer

    result, _ = hostile(sample_dir, tmp_path, alter)
    assert "NGDP_READ_FAILED" in codes(result)
    assert "NGDP_CONTACT_POINT_MISSING" not in codes(result)


def test_a_next_link_to_another_host_is_never_followed(sample_dir: Path, tmp_path: Path) -> None:
    """The listing's ``next`` (and a ``Location``-like field) names another host on this
    machine: the kit pages by number from its own base URL, and the other host sees no
    connection (no client certificate, no header sent there)."""
    seen: list[str] = []

    class Other(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    with LoopbackServer(Other) as other:
        elsewhere = f"https://127.0.0.1:{other.port}/apis/v1/organisations/48213/contact-points/"

        def alter(handle: Handle) -> Handle:
            def answer(method: str, path: str, query: str, wait: Any = time.sleep) -> Any:
                status, body = handle(method, path, query, wait)
                if is_listing(path, query) and isinstance(body, dict):
                    body["next"] = elsewhere + "?page=1"
                    body["links"] = [{"rel": "next", "href": elsewhere}]
                    body["totalElements"] += 100  # a next page would be wanted
                return status, body

            return answer

        result, requests = hostile(sample_dir, tmp_path, alter)
    assert not seen
    assert all("48213" in p or "cvrNumber" in p for _, p in requests)
    assert "NGDP_LISTING_INCOMPLETE" in codes(result)


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal")
def test_a_terminal_is_told_that_ngdp_is_being_read(sample_dir: Path, tmp_path: Path) -> None:
    """A slow NgDP held ``check`` silent for its whole deadline (a minute by default): on a
    terminal it now says what it reads and for how long at most; in a pipe it says nothing."""
    import pty
    import select
    import subprocess

    sample = copy_sample(sample_dir, tmp_path)
    toml = sample / "migration.toml"
    toml.write_text(
        toml.read_text("utf-8").replace("[inputs]", "[checks]\nprobe_total_s = 3\n\n[inputs]", 1),
        encoding="utf-8",
    )
    sim, _ = serve(sample, "test", tmp_path, delay_s=10.0)
    command = [sys.executable, "-m", "ngdpkit", "check", "--settings", str(toml)]
    command += ["--env", "test", "--online", "ngdp", "--json"]
    environ = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    with sim:
        leader, follower = pty.openpty()
        try:
            proc = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=follower,
                stdin=subprocess.DEVNULL,
                env=environ,
            )
            os.close(follower)
            said = b""
            start = time.monotonic()
            while time.monotonic() - start < 60:
                ready, _, _ = select.select([leader], [], [], 0.5)
                if ready:
                    try:
                        chunk = os.read(leader, 4096)
                    except OSError:
                        break
                    if not chunk:
                        break
                    said += chunk
                if proc.poll() is not None and not ready:
                    break
            out, _ = proc.communicate(timeout=60)
        finally:
            os.close(leader)
        piped = subprocess.run(command, capture_output=True, text=True, env=environ, timeout=120)
    text = said.decode("utf-8", "replace")
    assert "NgDP" in text and sim.base_url in text and "3 s" in text, text
    assert "Traceback" not in text
    assert "NGDP_READ_FAILED" in codes(json.loads(out))
    assert sim.base_url not in piped.stderr and "Traceback" not in piped.stderr


def test_an_answer_with_a_text_too_long_is_refused_in_the_pages_language(
    sample_dir: Path, tmp_path: Path
) -> None:
    """The reason for an answer the kit does not read held the text's length, and so stayed
    English on a Danish page: it is fixed words, said in Danish."""
    from ngdpkit.checks.deadline import MAX_TEXT, TEXT_TOO_LONG

    def alter(handle: Handle) -> Handle:
        def answer(method: str, path: str, query: str, wait: Any = time.sleep) -> Any:
            status, body = handle(method, path, query, wait)
            if is_listing(path, query) and isinstance(body, dict):
                body["contactPoints"][0]["name"] = "x" * (MAX_TEXT + 1)
            return status, body

        return answer

    result, _ = hostile(sample_dir, tmp_path, alter)
    assert TEXT_TOO_LONG in reasons(result)
    (said,) = [
        f["message"]
        for f in result["findings"]
        if f["code"] == "NGDP_READ_FAILED" and f["params"].get("reason") == TEXT_TOO_LONG
    ]
    assert "for lang til at blive læst" in said and "characters" not in said


def test_the_terminal_line_says_its_seconds_as_the_language_writes_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Danish proofreader's look: a deadline of 2.5 s was "2.5 s" on a Danish console."""
    import io
    from types import SimpleNamespace

    from ngdpkit.steps.ngdp_read import _say_reading

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for language, seconds, said in (("da", 2.5, "højst 2,5 s"), ("en", 60, "at most 60 s")):
        out = Terminal()
        monkeypatch.setattr(sys, "stderr", out)
        step = SimpleNamespace(language=language, env=SimpleNamespace(name="test"))
        _say_reading(step, "https://ngdp.example", seconds)  # type: ignore[arg-type]
        assert said in out.getvalue(), out.getvalue()
