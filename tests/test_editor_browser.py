"""Notebook 02's mapping editor in a real browser, as the consultant uses it (issue 28).

The test starts JupyterLab itself (headless, loopback only, a random token, its settings and
workspaces in tmp_path), opens notebook 02 in Debian's chromium driven by Playwright (never
a downloaded browser), runs every cell, types a name, checks a row and clicks "accept".
Then the decisions file must hold that decision, and a headless ``ngdpkit run`` must map
the mailbox by it. JupyterLab is stopped whatever happens.
"""

from __future__ import annotations

import csv
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ngdpkit.documents.signoff import find_browser
from ngdpkit.inputs.contact_points import read_contact_points
from ngdpkit.inputs.decisions import read_decisions
from tests.conftest import run_cli
from tests.test_decide import HOSTILE, hostile_mailbox, unmapped_sample

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the [test] extra")
pytest.importorskip("ipywidgets", reason="the editor needs the [lab] extra")
pytest.importorskip("jupyterlab", reason="JupyterLab is in the [lab] extra")

NAME = "Anne Konsulent"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def chromium() -> str:
    found = find_browser()
    if found is None:
        pytest.skip(
            "no Chromium found (install Debian's chromium: apt-get install chromium); "
            "this test never downloads a browser"
        )
    return found


def server_port(runtime: Path) -> int | None:
    """The port JupyterLab listens on, from the server file it writes once it listens (None
    before). It is started with ``--port=0`` and picks the port itself: a port the test found
    free and handed over could be taken by another process of the suite (a kernel of another
    xdist worker) while JupyterLab was starting, and with no retries it then ended."""
    import json

    for info in runtime.glob("jpserver-*.json"):
        try:
            return int(json.loads(info.read_text(encoding="utf-8"))["port"])
        except (OSError, ValueError, KeyError):
            return None  # being written
    return None


@pytest.fixture
def lab(tmp_path: Path, sample_copy: Path) -> Iterator[dict[str, Any]]:
    """JupyterLab on loopback, serving the notebooks copied out beside the sample."""
    settings = unmapped_sample(sample_copy, hostile=HOSTILE)
    notebooks = tmp_path / "lab"
    r = run_cli("notebooks", str(notebooks))
    assert r.returncode == 0, r.stdout + r.stderr
    home = tmp_path / "jupyter-home"
    # the kernel starts without asking, and JupyterLab fetches no news (nothing leaves loopback)
    for name, value in (
        ("notebook-extension/tracker", '{"autoStartDefaultKernel": true}'),
        ("apputils-extension/notification", '{"fetchNews": "false", "checkForUpdates": false}'),
    ):
        target = home / "lab-settings" / "@jupyterlab" / f"{name}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(value, encoding="utf-8")
    token = secrets.token_hex(16)
    env = {
        **os.environ,
        "NGDPKIT_SETTINGS": str(settings),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "lab-workspaces"),
        "IPYTHONDIR": str(home / "ipython"),
    }
    env.pop("NGDPKIT_ENV", None)
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        "--port=0",
        "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={notebooks}",
        "--ServerApp.terminals_enabled=False",
        # nothing reaches beyond loopback: no update check, no news
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.news_url=None",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = (tmp_path / "jupyter.log").open("w")
    server = subprocess.Popen(
        command,
        cwd=notebooks,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "jupyter.log").read_text()
            port = server_port(home / "runtime")
            url = f"http://127.0.0.1:{port}"
            try:
                if port is None:
                    raise OSError("JupyterLab has not said its port yet")
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        "JupyterLab did not start: " + (tmp_path / "jupyter.log").read_text()
                    ) from None
                time.sleep(0.3)
        yield {"url": url, "token": token, "settings": settings, "log": tmp_path / "jupyter.log"}
    finally:
        stop(server)
        log.close()


def stop(server: subprocess.Popen[bytes]) -> None:
    """JupyterLab and the kernels it started (its own process group), politely, then not."""
    if server.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def test_accept_a_suggestion_by_clicking_then_a_headless_run_uses_it(
    chromium: str, lab: dict[str, Any]
) -> None:
    settings: Path = lab["settings"]
    decisions_file = settings.parent / "decisions-test.csv"
    alerts: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
            # loopback only: whatever else the page asks for is refused
            page.route(re.compile(r"^(?!http://127\.0\.0\.1:).*"), lambda route: route.abort())
            page.goto(f"{lab['url']}/lab/tree/02_contact_points.ipynb?token={lab['token']}")
            page.locator(".jp-Notebook").first.wait_for()
            page.locator("#jp-main-statusbar", has_text="Idle").wait_for()  # the kernel is up
            run_all(page)
            editor = page.locator(".ngdpkit-editor")
            try:
                editor.wait_for()
            except Exception:
                page.screenshot(path=str(lab["log"].parent / "lab.png"), full_page=True)
                raise
            page.locator(".ngdpkit-editor-row").first.wait_for()

            # the hostile name is text: no element made of it, no script run
            search = page.locator(".ngdpkit-editor-search input")
            search.fill(hostile_mailbox(settings))
            search.press("Enter")
            page.wait_for_function("document.querySelectorAll('.ngdpkit-editor-row').length === 1")
            assert editor.locator("img").count() == 0
            assert (
                "<img src=x onerror=alert(1)>" in editor.locator(".ngdpkit-editor-row").inner_text()
            )
            search.fill("")
            search.press("Enter")
            page.wait_for_function("document.querySelectorAll('.ngdpkit-editor-row').length > 1")

            page.locator(".ngdpkit-editor-decider input").fill(NAME)
            row = page.locator(".ngdpkit-editor-row").first
            key = row.locator(".widget-html").first.inner_text().strip()
            # the option shows "name (score)"; the GUID behind it stays in the kernel
            chosen = row.locator("select").input_value().rsplit(" (", 1)[0]
            row.locator("input[type=checkbox]").check()
            page.get_by_role("button", name="Godtag valgt forslag").click()
            page.locator(".ngdpkit-editor-message", has_text="gemt i decisions-test.csv").wait_for()
            message = page.locator(".ngdpkit-editor-message").inner_text()
            editor.locator(".ngdpkit-editor-message").scroll_into_view_if_needed()
            page.screenshot(path=str(lab["log"].parent / "editor.png"))  # kept for a person
            assert re.search(r"genberegnet på \d+,\d\d s", message), message
            # the decided row left the list
            assert key not in [
                r.strip()
                for r in page.locator(
                    ".ngdpkit-editor-row .widget-html:first-of-type"
                ).all_inner_texts()
            ]
        finally:
            browser.close()
    assert not alerts, alerts

    log, found = read_decisions(decisions_file, label="decisions-test.csv")
    assert not found
    (decision,) = log.decisions
    points = read_contact_points(
        settings.parent / "contact-points-test.xlsx", label="cps", system_id=None
    )
    guid = next(p.id for p in points.points if p.name == chosen)
    assert (decision.key, decision.decision, decision.guid, decision.decided_by) == (
        key,
        "accept",
        guid,
        NAME,
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", decision.decided_at)

    r = run_cli("run", "--settings", str(settings), "--env", "test")
    assert r.returncode in (0, 1), r.stdout + r.stderr
    env_dir = settings.parent / "runs" / "test"
    run_dir = env_dir / (env_dir / "LATEST").read_text().strip()
    with (run_dir / "mailbox-mapping.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = [row for row in csv.DictReader(fh, delimiter=";")]
    mailbox, _, subject = key.partition(":")
    (mine,) = [r for r in rows if (r["Mailbox ID"], r["Subject ID"]) == (mailbox, subject)]
    assert (mine["Source"], mine["Status"], mine["NgDP Guid"]) == ("decision", "mapped", guid)
    overview = (run_dir / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "Beslutninger om tilknytningen" in overview and NAME in overview
    assert "forslag godtaget" in overview
    # the run's notebook holds a note where the lab had widgets
    executed = (run_dir / "notebooks" / "02_contact_points.ipynb").read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget-view+json" not in executed
    assert "denne kørsel læser beslutningerne fra decisions-test.csv" in executed
    # nothing the lab session wrote is in the signed run
    assert not [p for p in run_dir.rglob("*") if "lab" in p.relative_to(run_dir).parts]


def run_all(page: Any) -> None:
    """Run ▸ Run All Cells, as a person would (again if the first click found the app not
    ready yet: the first cell must get an execution count)."""
    for _ in range(3):
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        try:
            page.locator(".jp-InputPrompt", has_text=re.compile(r"\[(\*|\d+)\]")).first.wait_for(
                timeout=10_000
            )
            return
        except sync_api.TimeoutError:
            page.keyboard.press("Escape")
    raise AssertionError("Run All Cells did not start the notebook")
