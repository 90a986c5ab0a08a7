"""A procedure altered after its tool read sys.parameters: a call it makes fail says
so, naming the old and new parameters, and the parameters are read again; a change SQL
Server would take silently (a shorter nvarchar) is seen once REREAD_S has passed, and
the value refused before the call. Through both drivers on the TDS test server."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client
from test_declared_procedures import (
    TIMEOUT_S,
    ListChanges,
    admin_sql,
    listed_until,
    make_app,
    reach_source,
)

from azsql_mcp.plugins.builtin_declared import parameters
from azsql_mcp.testing.pytest_plugin import DRIVERS, TEST_SOURCE
from tds_test_server import ThreadedTdsServer

pytestmark = pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True)


async def _connected_call(
    config: dict[str, Any], server: ThreadedTdsServer, proc: str, alter: str, args: dict[str, Any]
) -> tuple[Any, Any]:
    """The tool of `proc` called with `args` before and after the procedure is altered."""
    app = make_app(config, {"shape": {"procedure": proc, "description": "altered later"}})
    async with Client(app.mcp) as client:
        await reach_source(client)
        await listed_until(client, lambda t: "n" in t["shape"].input_schema["properties"])
        before = await client.call_tool("shape", args, raise_on_error=False)
        admin_sql(server, alter)
        after = await client.call_tool("shape", args, raise_on_error=False)
        again = await client.call_tool("shape", args, raise_on_error=False)
        return before, (after, again)


async def test_a_call_an_alter_makes_fail_says_what_changed(
    azsql_config: dict[str, Any], tds_server: ThreadedTdsServer, azsql_driver: str
) -> None:
    proc = f"dbo.uspShape_{azsql_driver}"
    admin_sql(tds_server, f"CREATE PROCEDURE {proc} @n int AS SELECT @n * 2 AS v")
    alter = f"ALTER PROCEDURE {proc} @n int, @m int AS SELECT @n * @m AS v"
    before, (after, again) = await _connected_call(azsql_config, tds_server, proc, alter, {"n": 3})
    assert not before.is_error and before.structured_content["result_sets"][0]["rows"] == [[6]]
    assert after.is_error
    text = after.content[0].text
    assert f"{proc} was altered after azsql-mcp read its parameters" in text, text
    assert "it took @n int, and takes @n int, @m int now" in text, text
    assert re.search(r" \(SQL Server error \d+\)$", text), text
    assert again.is_error and "was altered" not in again.content[0].text


async def test_a_change_sql_server_takes_silently_is_seen_once_reread(
    azsql_config: dict[str, Any],
    tds_server: ThreadedTdsServer,
    azsql_driver: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parameters, "REREAD_S", 0.0)
    proc = f"dbo.uspNarrowed_{azsql_driver}"
    admin_sql(tds_server, f"CREATE PROCEDURE {proc} @n nvarchar(10) AS SELECT @n AS v")
    alter = f"ALTER PROCEDURE {proc} @n nvarchar(3) AS SELECT @n AS v"
    before, (after, _) = await _connected_call(
        azsql_config, tds_server, proc, alter, {"n": "abcdef"}
    )
    assert before.structured_content["result_sets"][0]["rows"] == [["abcdef"]]
    # SQL Server would cut it to 'abc'
    assert after.is_error, after.structured_content
    assert "@n (nvarchar(3)) holds 3 UTF-16 code units" in after.content[0].text


async def test_a_dropped_parameter_is_refused_naming_it(
    azsql_config: dict[str, Any],
    tds_server: ThreadedTdsServer,
    azsql_driver: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parameters, "REREAD_S", 0.0)
    proc = f"dbo.uspDropped_{azsql_driver}"
    admin_sql(tds_server, f"CREATE PROCEDURE {proc} @n int, @k int = 1 AS SELECT @n * @k AS v")
    alter = f"ALTER PROCEDURE {proc} @n int AS SELECT @n AS v"
    _, (after, _) = await _connected_call(azsql_config, tds_server, proc, alter, {"n": 2, "k": 5})
    assert after.is_error
    text = after.content[0].text
    assert f"{proc} no longer has @k: it takes @n int now" in text, text


async def test_an_altered_procedure_is_listed_again_with_its_new_parameters(
    azsql_config: dict[str, Any], tds_server: ThreadedTdsServer, azsql_driver: str
) -> None:
    """Once a call sees the ALTER, the tool's input schema and description follow it,
    and a connected client is told the tool list changed (no restart)."""
    proc = f"dbo.uspRelisted_{azsql_driver}"
    admin_sql(tds_server, f"CREATE PROCEDURE {proc} @n int AS SELECT @n * 2 AS v")
    app = make_app(azsql_config, {"shape": {"procedure": proc, "description": "altered later"}})
    changes = ListChanges()
    async with Client(app.mcp, message_handler=changes, mode="legacy") as client:
        await reach_source(client)
        await listed_until(client, lambda t: "n" in t["shape"].input_schema["properties"])
        changes.seen.clear()
        admin_sql(tds_server, f"ALTER PROCEDURE {proc} @n int, @m int AS SELECT @n * @m AS v")
        failed = await client.call_tool("shape", {"n": 3}, raise_on_error=False)
        assert failed.is_error and "lists the tool again" in failed.content[0].text
        await asyncio.wait_for(changes.seen.wait(), TIMEOUT_S)
        tools = await listed_until(client, lambda t: "m" in t["shape"].input_schema["properties"])
        assert "@n int, @m int" in (tools["shape"].description or "")
        result = await client.call_tool("shape", {"n": 3, "m": 4})
        assert result.structured_content["result_sets"][0]["rows"] == [[12]]


async def test_a_dropped_procedure_is_withdrawn_once_a_call_sees_it(
    azsql_config: dict[str, Any], tds_server: ThreadedTdsServer, azsql_driver: str
) -> None:
    proc = f"dbo.uspGone_{azsql_driver}"
    admin_sql(tds_server, f"CREATE PROCEDURE {proc} @n int AS SELECT @n AS v")
    app = make_app(azsql_config, {"gone": {"procedure": proc, "description": "dropped later"}})
    changes = ListChanges()
    async with Client(app.mcp, message_handler=changes, mode="legacy") as client:
        await reach_source(client)
        await listed_until(client, lambda t: "n" in t["gone"].input_schema["properties"])
        changes.seen.clear()
        admin_sql(tds_server, f"DROP PROCEDURE {proc}")
        failed = await client.call_tool("gone", {"n": 3}, raise_on_error=False)
        assert failed.is_error
        await asyncio.wait_for(changes.seen.wait(), TIMEOUT_S)
        await listed_until(client, lambda t: "gone" not in t)


async def test_a_timeout_an_alter_explains_is_still_audited_as_a_timeout(
    azsql_config: dict[str, Any], tds_server: ThreadedTdsServer, azsql_driver: str, tmp_path: Path
) -> None:
    """The altered-procedure wording keeps SQL Server's error as it was: a call that ran
    past query_timeout_s is audited as `timeout`, not as a plain database error."""
    proc = f"dbo.uspSlowed_{azsql_driver}"
    admin_sql(tds_server, f"CREATE PROCEDURE {proc} @n int AS SELECT @n AS v")
    alter = f"ALTER PROCEDURE {proc} @n int, @m int = 1 AS WAITFOR DELAY '00:00:04'; SELECT @n AS v"
    audit = tmp_path / "audit.jsonl"
    config = azsql_config | {"audit": {"path": str(audit)}}
    config["sources"][TEST_SOURCE]["limits"] = {"query_timeout_s": 1}
    before, (after, _) = await _connected_call(config, tds_server, proc, alter, {"n": 3})
    assert not before.is_error and after.is_error
    assert f"{proc} was altered after azsql-mcp read its parameters" in after.content[0].text
    calls = [json.loads(line) for line in audit.read_text().splitlines()]
    kinds = [line["error_kind"] for line in calls if line.get("tool") == "shape"]
    assert kinds[:2] == [None, "timeout"], kinds
