"""explain_query, database_info, health_check, list_long_running_queries, list_available_tools."""

from typing import Any

from fastmcp import Client
from long_running import while_another_session_waits

from azsql_mcp.testing.pytest_plugin import READER


async def call(client: Client[Any], tool: str, **args: Any) -> Any:
    result = await client.call_tool(tool, args, raise_on_error=False)
    assert not result.is_error, result.content
    return result


async def test_explain_query_summarises_the_plan(mcp_client, azsql_principal, tds_server):
    query = (
        "SELECT c.LastName, h.TotalDue FROM SalesLT.Customer AS c"
        " JOIN SalesLT.SalesOrderHeader AS h ON h.CustomerID = c.CustomerID"
        " WHERE h.TotalDue > @min"
    )
    if azsql_principal == READER:  # no SHOWPLAN: say so, and the GRANT that fixes it
        result = await mcp_client.call_tool("explain_query", {"query": query}, raise_on_error=False)
        assert result.is_error
        text = result.content[0].text
        assert "needs the SHOWPLAN permission" in text
        assert "GRANT SHOWPLAN TO [azsql_reader];" in text
        assert text.endswith(" (SQL Server error 262)"), text  # after the advice, as read_data's
        return
    tds_server.record.clear()
    result = await call(mcp_client, "explain_query", query=query)
    # The parameter is declared in the batch, typed as SQL Server suggests, not bound as NULL.
    sent = "\n".join(tds_server.record.statements)
    assert "DECLARE @min money;" in sent, sent
    plan = result.structured_content["plan"]
    assert plan["operators"], plan
    assert all(op["physical_op"] for op in plan["operators"])
    assert result.structured_content["xml"] is None
    assert "Operators" in result.content[0].text
    with_xml = await call(mcp_client, "explain_query", query=query, include_xml=True)
    assert "ShowPlanXML" in with_xml.structured_content["xml"]


async def test_explain_query_declares_a_parameter_written_in_two_cases_once(
    mcp_client, azsql_principal, tds_server
):
    # SQL Server reads @Id and @ID as one variable: declaring both fails (error 134)
    if azsql_principal == READER:
        return  # no SHOWPLAN (test_explain_query_summarises_the_plan)
    query = "SELECT CustomerID FROM SalesLT.Customer WHERE CustomerID = @Id OR CustomerID > @ID"
    tds_server.record.clear()
    await call(mcp_client, "explain_query", query=query, params={"id": 7})
    sent = "\n".join(tds_server.record.statements)
    assert "DECLARE @Id int;" in sent, sent


async def test_explain_query_refuses_what_read_data_refuses(mcp_client):
    result = await mcp_client.call_tool(
        "explain_query", {"query": "DROP TABLE SalesLT.Customer"}, raise_on_error=False
    )
    assert result.is_error and "Allowed here" in result.content[0].text


async def test_database_info(mcp_client):
    result = await call(mcp_client, "database_info")
    info = result.structured_content
    # SQL Server has no service objective: null in the result, said so in the text
    assert info["service_objective"] is None
    assert "service_objective: (Azure SQL only)" in result.content[0].text
    assert info["database_name"]
    assert info["product_version"]
    assert isinstance(info["compatibility_level"], int)
    assert info["collation"]
    # sys.database_files, readable by every user: data and log (a fixed 8 MB in the test server)
    assert info["data_size_mb"] > 0 and info["log_size_mb"] == 8.0


async def test_health_check_reports_connection_and_permissions(mcp_client, azsql_principal):
    result = await call(mcp_client, "health_check")
    health = result.structured_content
    assert health["connected"] is True and health["latency_ms"] >= 0
    assert health["status"] == "connected"
    assert health["source"] == "main" and health["sources"] == ["main"]
    assert health["read_only"] is True
    assert health["permissions"]["can_select"] is True
    assert health["pool"]["size"] >= 1 and health["pool"]["in_use"] >= 0
    text = result.content[0].text
    assert text.startswith("source main: connected")
    reader = azsql_principal == READER
    assert health["permissions"]["showplan"] is not reader
    assert health["permissions"]["view_definition"] is not reader
    assert health["permissions"]["user_name"] == ("azsql_reader" if reader else "dbo")
    state = health["state_access"]
    assert state["permission"] == "VIEW SERVER PERFORMANCE STATE"  # the test server is 2022
    assert state["sees_all_sessions"] is not reader
    if reader:
        assert "no SHOWPLAN" in text and "GRANT SHOWPLAN TO [azsql_reader];" in text
        assert "GRANT VIEW SERVER PERFORMANCE STATE TO [azsql_reader];" in text
        assert "no SHOWPLAN: explain_query cannot show estimated plans" in text
        # descriptions show defaults and checks as hidden: say so, with the GRANT
        assert "no VIEW DEFINITION: table descriptions show the definitions" in text
        assert "GRANT VIEW DEFINITION TO [azsql_reader];" in text
    else:
        assert health["notes"] == ["the login is db_owner: prefer a least-privilege user"]


async def test_health_check_says_a_probe_that_timed_out_is_busy_not_down(
    make_azsql_server, tds_server
):
    app = make_azsql_server(config={"limits": {"query_timeout_s": 1}})
    async with Client(app) as client:
        await call(client, "health_check")  # the pool is open: the server answers
        # the next probe is too slow (its SELECT 1, not the first probe's other question)
        with tds_server.faulted("delay:3@query:1~SELECT 1"):
            result = await call(client, "health_check")
    health = result.structured_content
    assert health["status"] == "busy" and health["connected"] is True
    assert health["latency_ms"] is None
    text = result.content[0].text
    assert text.startswith("source main: connected but busy: the server accepted the connection")
    assert "NOT connected" not in text
    assert "query_timeout_s = 1 s" in text and "Retry in a little while" in text
    assert "ask for less" not in text  # advice for a caller's query, not for the probe


async def test_health_check_says_a_full_pool_is_busy_not_down(
    make_azsql_server, tds_server, first_probe
):
    import asyncio

    app = make_azsql_server(
        config={"sources": {"main": {"pool_size": 1, "pool_acquire_timeout_s": 0.3}}}
    )
    async with Client(app) as client:
        await first_probe()  # the probe that opened the one connection holds it no more
        await call(client, "health_check")  # the one connection is open
        with tds_server.faulted("delay:4@query:1~SELECT 1 AS n"):
            slow = asyncio.create_task(client.call_tool("read_data", {"query": "SELECT 1 AS n"}))
            async with asyncio.timeout(20):  # a loaded machine may take a while to send it
                while tds_server.faults.faults and not slow.done():  # not yet on the wire
                    await asyncio.sleep(0.01)
            assert not slow.done(), f"the slow read ended before its fault: {slow.result()}"
            # the slow read holds the only connection now
            result = await call(client, "health_check")
            await slow
    health = result.structured_content
    assert health["status"] == "busy" and health["connected"] is True, health
    text = result.content[0].text
    assert text.startswith("source main: connected but busy: source 'main' is busy"), text


async def test_health_check_says_permissions_it_could_not_read(mcp_client, tds_server):
    """The ping answers, the permission read fails: the text says so, not only `error`."""
    await call(mcp_client, "health_check")  # the pool is open
    with tds_server.faulted("error:50000@query~HAS_PERMS_BY_NAME"):
        result = await call(mcp_client, "health_check")
    health = result.structured_content
    assert health["status"] == "connected" and health["permissions"] is None
    assert "error 50000" in health["error"]
    text = result.content[0].text
    assert text.startswith("source main: connected, ")
    assert "permissions unknown: reading them failed: Injected fault: error 50000" in text
    assert "SHOWPLAN (plans)" in text and "Call health_check again" in text

    # the grants read, the one of whether it sees other sessions (a statement of its own) not
    with tds_server.faulted("error:50000@query~VIEW SERVER PERFORMANCE STATE"):
        result = await call(mcp_client, "health_check")
    assert result.structured_content["permissions"] is not None
    text = result.content[0].text
    assert "whether this login sees other sessions is unknown: reading it failed: " in text
    assert "list_long_running_queries may fail" in text and "permissions unknown" not in text


async def test_health_check_names_the_error_number_its_text_does_not(mcp_client, tds_server):
    """SQL Server's deadlock text does not say 1205: `error` does, as a tool error would."""
    await call(mcp_client, "health_check")  # the pool is open
    with tds_server.faulted("error:1205@query:20~HAS_PERMS_BY_NAME"):
        result = await call(mcp_client, "health_check")
    error = result.structured_content["error"]
    assert error.startswith("Transaction (Process ID") and error.endswith(
        "Rerun the transaction. (SQL Server error 1205)"
    ), error


async def test_list_long_running_queries(mcp_client, azsql_principal, tds_server, tds_password):
    """Another session's WAITFOR is listed, or the tool says which permission it lacks:
    never "no queries running" when it cannot see other sessions."""
    result = await while_another_session_waits(mcp_client, tds_server, tds_password)
    if azsql_principal == READER:
        assert result.is_error
        text = result.content[0].text
        # sys.dm_exec_sql_text refuses it (errors 300, 297): the server's text, then the GRANT
        assert text.startswith("The server refused to list running queries:"), text
        assert "needs VIEW SERVER PERFORMANCE STATE, which the login lacks" in text
        assert "GRANT VIEW SERVER PERFORMANCE STATE TO [azsql_reader];" in text
    else:
        assert not result.is_error, result.content
        commands = [q["statement_text"] for q in result.structured_content["queries"]]
        assert any("WAITFOR" in c for c in commands), commands


async def test_list_available_tools_lists_what_the_client_sees(mcp_client):
    result = await call(mcp_client, "list_available_tools")
    names = [t["name"] for t in result.structured_content["tools"]]
    assert "read_data" in names and "describe_table" in names
    assert "insert_data" not in names  # hidden while read_only holds
    assert len(result.content[0].text.splitlines()) == len(names)


async def test_missing_permission_is_a_clear_message(mcp_client, tds_server):
    await call(mcp_client, "health_check")  # the pool is open
    # every query until cleared: a background health probe taking a one-query fault
    # would leave the tool's own query to succeed
    with tds_server.faulted("error:300@query"):
        result = await mcp_client.call_tool(
            "list_long_running_queries", {"min_seconds": 1}, raise_on_error=False
        )
    assert result.is_error
    text = result.content[0].text
    assert "The server refused to list running queries: Injected fault: error 300" in text
    assert "GRANT VIEW SERVER STATE" in text and "GRANT VIEW SERVER PERFORMANCE STATE" in text
