"""The console as an operator meets it in headless Chromium: axe-core's WCAG 2.2 AA rules
on every page in light and dark colour schemes at 1280 and 390 px, the query runner by
keyboard (labels, Ctrl+Enter, focus on the outcome after Run, rows that scroll in their own box,
NULL apart from the text 'NULL'), and the activity page saying when the server it
refreshes from has gone, and a query cancelled when its page is stopped (docs/console.md)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from browser import Page, chromium, chromium_path
from servers import clean_env, http_process, http_server

# `make test-packages` installs it there (the Makefile's AXE_DIR)
AXE = Path.home() / ".cache/azsql-mcp-axe/node_modules/axe-core/axe.min.js"
PAGES = ["/", "/console/tools", "/console/schema", "/console/activity", "/console/query", "/mcp"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

pytestmark = pytest.mark.skipif(
    chromium_path() is None, reason="chromium is not installed: run make test-packages"
)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    with chromium(tmp_path_factory.mktemp("chromium")) as tab:
        yield tab


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with http_server(clean_env(), str(tmp_path_factory.mktemp("demo")), "--demo") as base:
        httpx.get(base + "/health", timeout=30)  # the demo source is open
        yield base


def violations(page: Page) -> list[str]:
    if not page.eval("typeof axe !== 'undefined'"):
        page.eval(AXE.read_text() + ";true")
    options = json.dumps({"runOnly": {"type": "tag", "values": AXE_TAGS}})
    answer = page.send(
        "Runtime.evaluate",
        expression=f"axe.run(document, {options}).then(r => r.violations.flatMap(v =>"
        " v.nodes.map(n => v.id + ' at ' + n.target.join(' '))))",
        awaitPromise=True,
        returnByValue=True,
    )
    return list(answer["result"]["value"])


def run(page: Page, sql: str) -> None:
    """Type `sql`, press Run, and wait for the page the post answers with."""
    page.eval(
        f"window.before = true; document.getElementById('sql').value = {json.dumps(sql)};"
        " document.getElementById('run').click(); true"
    )
    # the outcome is focused by `autofocus`, which Chromium applies at a rendering step
    # after the load: a loaded machine showed the page complete and nothing focused yet
    loaded = (
        "!window.before && document.readyState === 'complete'"
        " && document.getElementById('result').innerText !== ''"
        " && document.activeElement === document.querySelector('[autofocus]')"
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:  # asked while the page is being replaced, the old one answers with an error
            if page.eval(loaded):
                return
        except AssertionError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"no answer to {sql}")


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed: run make test-packages")
@pytest.mark.parametrize(("width", "scheme"), [(1280, "light"), (1280, "dark"), (390, "light")])
def test_every_page_passes_axe(page: Page, demo: str, width: int, scheme: str) -> None:
    page.send(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=900,
        deviceScaleFactor=1,
        mobile=width < 600,
    )
    page.send(
        "Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": scheme}]
    )
    try:
        found = {}
        for path in PAGES:
            page.open(demo + path)
            found[path] = violations(page)
            # nothing is wider than the screen but boxes that scroll by themselves
            assert page.eval("document.documentElement.scrollWidth <= innerWidth"), path
        page.open(demo + "/console/query")
        run(page, "SELECT TOP 20 *, NULL AS n FROM SalesLT.Customer")
        assert page.eval("document.querySelectorAll('#result tbody tr').length") == 20
        found["query result"] = violations(page)
        assert page.eval("document.documentElement.scrollWidth <= innerWidth")
        assert {k: v for k, v in found.items() if v} == {}
    finally:
        page.send("Emulation.clearDeviceMetricsOverride")
        page.send("Emulation.setEmulatedMedia", features=[])


def test_the_runner_by_keyboard(page: Page, demo: str) -> None:
    page.open(demo + "/console/query")
    # every control is named by a label, and the nav says which page is shown
    assert page.eval("document.getElementById('sql').labels.length") == 1
    assert page.eval("document.getElementById('source').labels.length") == 1
    assert page.eval("document.querySelector('nav [aria-current=page]').textContent") == (
        "Query runner"
    )
    # Tab walks the nav, then source, statement and Run: no trap in the text box
    order = []
    for _ in range(8):
        page.send(
            "Input.dispatchKeyEvent", type="keyDown", key="Tab", code="Tab", windowsVirtualKeyCode=9
        )
        page.send(
            "Input.dispatchKeyEvent", type="keyUp", key="Tab", code="Tab", windowsVirtualKeyCode=9
        )
        order.append(page.eval("document.activeElement.id || document.activeElement.textContent"))
    assert order == [
        "Overview",
        "Tools, resources, prompts",
        "Schema",
        "Activity",
        "Query runner",
        "source",
        "sql",
        "run",
    ], order

    # After Run, focus is on what happened: the row count, then the rows' own box
    run(page, "SELECT 'NULL' AS word, NULL AS n, N'שלום abc' AS rtl")
    assert page.eval("document.activeElement.textContent") == "1 row(s)"
    cells = page.eval("[...document.querySelectorAll('#result td')].map(c => c.innerHTML)")
    assert cells[:2] == ["NULL", '<span class="null">NULL</span>'], cells
    # a right-to-left value reads from the right: its Latin tail ends up on the left
    assert page.eval(
        "(() => { const t = document.querySelectorAll('#result td')[2].firstChild;"
        " const at = (a, b) => { const r = document.createRange(); r.setStart(t, a);"
        " r.setEnd(t, b); return r.getBoundingClientRect().x; };"
        " return at(5, 8) < at(0, 4); })()"
    )
    box = "document.querySelector('#result [role=region]')"
    assert page.eval(f"{box}.tabIndex") == 0 and page.eval(f"{box}.getAttribute('aria-label')")

    # a long value wraps in a column of its own, not one line as wide as the value
    run(page, "SELECT REPLICATE('x', 3000) AS x, 'ready' AS state")
    assert page.eval("document.querySelector('#result table').offsetWidth < innerWidth")
    assert page.eval("document.querySelectorAll('#result .long').length") == 1
    # and takes its direction from its own text too
    bidi = "getComputedStyle(document.querySelector('#result .long')).unicodeBidi"
    assert page.eval(bidi) == "plaintext"

    # an error is focused the same way, so a screen reader reads it at once
    run(page, "SELECT 1/0 AS z")
    assert page.eval("document.activeElement.id") == "error"
    assert "Divide by zero" in page.eval("document.activeElement.textContent")

    # Ctrl+Enter (Cmd+Enter) in the statement runs it, as Run does, without a new line
    for modifier in (2, 4):  # the DevTools protocol's Ctrl, Meta
        page.eval(
            "window.before = true; const box = document.getElementById('sql');"
            f" box.value = 'SELECT {modifier} AS m'; box.focus(); true"
        )
        for kind in ("rawKeyDown", "keyUp"):
            page.send(
                "Input.dispatchKeyEvent",
                type=kind,
                key="Enter",
                code="Enter",
                windowsVirtualKeyCode=13,
                modifiers=modifier,
            )
        page.wait_for("!window.before && document.readyState === 'complete'")
        assert page.eval("document.activeElement.textContent") == "1 row(s)"
        assert page.eval("document.getElementById('sql').value") == f"SELECT {modifier} AS m"


def test_activity_says_when_the_server_is_gone(page: Page, tmp_path: Path) -> None:
    with http_process(clean_env(), str(tmp_path), "--demo") as (proc, base):
        page.open(base + "/console/activity")
        page.wait_for("document.getElementById('refreshed').textContent.startsWith('Refreshed')")
        proc.terminate()
        proc.wait(timeout=30)
        page.wait_for(
            "document.getElementById('refreshed').textContent.includes('cannot be reached')", 10
        )
        assert page.eval("document.getElementById('activity') !== null")


def test_stopping_the_page_cancels_its_query(page: Page, tmp_path: Path) -> None:
    """Stop (or Escape) while a query runs: the server cancels it then, not when
    query_timeout_s (here 60 s) ends it for a page nobody will read."""
    env = clean_env({"AZSQL_MCP_LIMITS__QUERY_TIMEOUT_S": "60"})
    with http_server(env, str(tmp_path), "--demo") as base:
        httpx.get(base + "/health", timeout=30)
        page.open(base + "/console/query")
        customers = ", ".join(f"SalesLT.Customer {t}" for t in "abcd")
        slow = f"SELECT COUNT(*) AS n FROM {customers}"  # hours, unless cancelled
        # the page says the run is under way, in a status region a screen reader reads
        running = page.eval(
            f"document.getElementById('sql').value = {json.dumps(slow)};"
            " document.getElementById('run').click();"
            " const said = document.getElementById('running');"
            " [said.textContent, said.getAttribute('role')]"
        )
        assert running == ["Running… Escape stops it.", "status"], running
        time.sleep(2)  # the page is not scripted while its next one is awaited
        page.send("Page.stopLoading")  # what Escape does in a browser with a window
        for kind in ("keyDown", "keyUp"):
            page.send(
                "Input.dispatchKeyEvent",
                type=kind,
                key="Escape",
                code="Escape",
                windowsVirtualKeyCode=27,
            )
        assert page.eval("document.getElementById('running').textContent") == "Stopped."
        started = time.monotonic()
        outcome = ""
        while "cancelled" not in outcome and time.monotonic() - started < 15:
            time.sleep(0.25)
            outcome = httpx.get(base + "/console/activity/rows", timeout=10).text
        assert "cancelled" in outcome, outcome


def test_signing_in_from_a_browser(page: Page, tmp_path: Path) -> None:
    """With client authentication, a browser without a token gets a page saying how to
    sign in (it got the 401's JSON), which passes axe too; with the header the console
    opens."""
    token = "console-admin-token-0123456789abcdef"
    (tmp_path / "azsql-mcp.toml").write_text(
        '[server.auth]\nmode = "static_tokens"\nstatic_tokens = [{ token = "'
        + token
        + '", subject = "ops", scopes = ["sql.read", "sql.admin"] }]\n'
    )
    with http_server(clean_env(), str(tmp_path), "--demo") as base:
        page.open(base + "/console/activity")
        assert page.eval("document.querySelector('h1').textContent") == "Sign in"
        assert "static_tokens" in page.text() and "sql.admin" in page.text()
        if AXE.exists():
            assert violations(page) == []
        page.send("Network.enable")
        page.send("Network.setExtraHTTPHeaders", headers={"Authorization": f"Bearer {token}"})
        try:
            page.open(base + "/console/activity")
            assert page.eval("document.querySelector('h1').textContent") == "Activity"
            # the page's own refresh carries the header too, as an extension's would
            page.wait_for(
                "document.getElementById('refreshed').textContent.startsWith('Refreshed')"
            )
        finally:
            page.send("Network.setExtraHTTPHeaders", headers={})
