"""The console in a real browser: headless Chromium loads every page of the demo, runs a
query in the runner and sees its rows, sees the activity page update by itself and say
why a call failed, and writes a screenshot of each page under build/screenshots/
(docs/console.md)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from browser import chromium, chromium_path
from servers import clean_env, http_server

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"

pytestmark = pytest.mark.skipif(
    chromium_path() is None, reason="chromium is not installed: run make install"
)

PAGES = [
    ("overview", "/", ["Sources", "demo", "ready", "builtin_tools"]),
    ("tools", "/console/tools", ["read_data", "list_tables", "Resources", "Prompts"]),
    ("schema", "/console/schema", ["ER diagram", "SalesLT.Customer", "Schema SalesLT"]),
    ("activity", "/console/activity", ["resource reads from the audit stream"]),
    ("mcp", "/mcp", ["MCP endpoint", "Connect a client"]),
]


def test_every_console_page_in_chromium(tmp_path: Path) -> None:
    with (
        http_server(clean_env(), str(tmp_path), "--demo") as base,
        chromium(tmp_path / "p") as page,
    ):
        httpx.get(base + "/health", timeout=30)
        for name, path, expected in PAGES:
            page.open(base + path)
            if name == "overview":  # the demo source opens in the background
                page.wait_for("document.body.innerText.includes('ready')")
            text = page.text()
            for word in expected:
                assert word in text, (path, word)
            if name == "schema":  # the ER diagram is drawn in the page: one box per table
                assert page.eval("document.querySelectorAll('#er-diagram g.entity').length") >= 10
                # every name and column is whole: its text ends inside its box
                cut = page.eval(
                    "[...document.querySelectorAll('#er-diagram g.entity')].flatMap(g => {"
                    " const r = g.querySelector('rect').getBBox();"
                    " return [...g.querySelectorAll('text')]"
                    ".filter(t => t.getBBox().x + t.getBBox().width > r.x + r.width)"
                    ".map(t => t.textContent); })"
                )
                assert cut == [], cut
            page.screenshot(SCREENSHOTS / f"{name}.png")

        # The runner: type a statement, press Run, see the rows.
        page.open(base + "/console/query")
        sql = "SELECT TOP 3 CustomerID, LastName FROM SalesLT.Customer ORDER BY CustomerID"
        page.eval(
            f"document.getElementById('sql').value = {json.dumps(sql)};"
            " document.getElementById('run').click(); true"
        )
        page.wait_for("document.querySelectorAll('#result tbody tr').length === 3")
        assert "3 row(s)" in page.text()
        assert "CustomerID" in page.eval("document.querySelector('#result thead').innerText")
        page.screenshot(SCREENSHOTS / "query.png")

        # A refused statement is shown as the guard's message, not run.
        page.eval(
            "document.getElementById('sql').value = 'DELETE FROM SalesLT.Customer';"
            " document.getElementById('run').click(); true"
        )
        page.wait_for("document.getElementById('error') !== null")

        # Activity: the runner's calls are there, and a new call appears without reloading.
        page.open(base + "/console/activity")
        before = page.eval("document.querySelectorAll('#activity tr').length")
        assert before >= 2 and "read_data" in page.text()
        form = {"sql": "SELECT 1 AS one"}
        assert httpx.post(base + "/console/query", data=form, timeout=30).status_code == 200
        page.wait_for(f"document.querySelectorAll('#activity tr').length > {before}", timeout=10)
        # A failed call says why (its audit line's error_kind) and SQL Server's number.
        form = {"sql": "SELECT x FROM SalesLT.NoSuchTable"}
        assert httpx.post(base + "/console/query", data=form, timeout=30).status_code == 200
        page.wait_for("document.getElementById('activity').innerText.includes('error: ')", 10)
        first = page.eval("document.querySelector('#activity tr').innerText")
        assert "read_data" in first and "error: database 208" in first, first
