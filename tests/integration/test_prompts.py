"""The prompts carry real context from the sample database."""

import pytest
from fastmcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from azsql_mcp.testing.pytest_plugin import READER


async def prompt_text(client, name: str, **args: str) -> str:
    result = await client.get_prompt(name, args)
    return "\n".join(m.content.text for m in result.messages)


async def test_prompts_are_listed(mcp_client):
    names = {p.name for p in await mcp_client.list_prompts()}
    assert names >= {
        "sql_query_builder",
        "analyze_performance",
        "data_migration_guide",
        "database_troubleshooting",
    }


async def test_sql_query_builder_uses_the_tables_columns_and_keys(mcp_client):
    text = await prompt_text(
        mcp_client, "sql_query_builder", table="SalesLT.SalesOrderHeader", operation="select"
    )
    assert "T-SQL SELECT statement for SalesLT.SalesOrderHeader" in text
    assert "CustomerID int NOT NULL" in text
    assert "FK FK_SalesOrderHeader_Customer_CustomerID" in text
    assert "read_data" in text
    assert "to page, ORDER BY a unique key (or columns unique together)" in text
    # OrderDate is a datetime, read by the session's date order as text
    assert "Give datetime values as 'yyyy-mm-ddThh:mm:ss' or 'yyyymmdd'" in text


async def test_sql_query_builder_says_how_to_write_dates_only_for_datetime_columns(mcp_client):
    text = await prompt_text(mcp_client, "sql_query_builder", table="SalesLT.vGetAllCategories")
    assert "T-SQL SELECT statement for SalesLT.vGetAllCategories" in text
    assert "yyyymmdd" not in text


@pytest.mark.parametrize(
    ("table", "operation", "said"),
    [
        ("SalesLT.Customer", "MERGE", "operation must be one of SELECT, INSERT, UPDATE, DELETE"),
        (
            "SalesLT.Nope",
            "SELECT",
            "No table, view, table function or synonym named 'SalesLT.Nope'",
        ),
        ("a.b.c.d", "SELECT", "Cannot read the table name 'a.b.c.d'"),
    ],
)
async def test_sql_query_builder_refuses_an_argument_as_invalid_params(
    mcp_client, table, operation, said
):
    # the client's to fix, as MCP's prompts error handling says (-32602), not -32603
    with pytest.raises(MCPError) as caught:
        await prompt_text(mcp_client, "sql_query_builder", table=table, operation=operation)
    assert caught.value.error.code == INVALID_PARAMS
    assert caught.value.error.message.startswith(said)


async def test_analyze_performance_includes_the_plan(mcp_client, azsql_principal):
    text = await prompt_text(
        mcp_client,
        "analyze_performance",
        query="SELECT * FROM SalesLT.SalesOrderDetail WHERE ProductID = @id",
    )
    assert "Estimated plan summary" in text
    if azsql_principal == READER:  # no SHOWPLAN: the prompt says which GRANT is missing
        assert "Operators" not in text
        assert "needs the SHOWPLAN permission" in text
        assert "GRANT SHOWPLAN TO [azsql_reader];" in text
        # and does not send the reader to explain_query, which needs it too
        assert "explain_query checks a rewrite" not in text
        assert "Without the plan, work from the query and the tables" in text
        assert "describe_table shows each table's indexes" in text
    else:
        assert "Operators" in text
        assert "explain_query checks a rewrite without running it" in text


async def test_without_the_tools_the_prompts_show_no_plan_and_no_requests(
    make_azsql_server, azsql_principal
):
    # the operator switched off explain_query and list_long_running_queries: the prompts
    # show none of their output, whatever the login may do, and do not send the model there
    if azsql_principal == READER:
        pytest.skip("about the tools, not the login")
    off = ["explain_query", "list_long_running_queries", "health_check"]
    config = {"plugins": {"builtin_tools": {"disabled_tools": off}}}
    async with Client(make_azsql_server(config=config)) as client:
        plan = await prompt_text(client, "analyze_performance", query="SELECT 1 AS one")
        trouble = await prompt_text(client, "database_troubleshooting", symptom="slow")
    assert "plans are not shown to this caller" in plan and "explain_query" not in plan
    assert "Operators" not in plan
    assert "Without the plan" in plan and "explain_query checks a rewrite" not in plan
    assert "Running requests are not shown to this caller" in trouble
    assert "list_long_running_queries" not in trouble
    assert (
        "the tools describe_table (indexes) and read_data on DMVs can help; this caller sees"
        " no other sessions' requests or plans without the tools that show them"
    ) in trouble
    assert "health_check" not in trouble


async def test_sql_query_builder_names_no_tool_the_caller_is_not_given(make_azsql_server):
    # a writable source whose read_data and update_data the operator switched off
    off = ["read_data", "update_data"]
    config = {
        "security": {"read_only": False},
        "plugins": {"builtin_tools": {"disabled_tools": off}},
    }
    async with Client(make_azsql_server(config=config)) as client:
        select = await prompt_text(client, "sql_query_builder", table="SalesLT.Customer")
        delete = await prompt_text(
            client, "sql_query_builder", table="SalesLT.Customer", operation="DELETE"
        )
        insert = await prompt_text(
            client, "sql_query_builder", table="SalesLT.Customer", operation="INSERT"
        )
    elsewhere = "No tool this caller may use runs it: show me the statement and its parameters"
    assert elsewhere in select and "read_data" not in select and "ORDER BY a unique" in select
    assert elsewhere in delete and "update_data" not in delete
    assert elsewhere not in insert and "insert_data" in insert  # still offered


async def test_data_migration_guide_knows_the_target(mcp_client):
    text = await prompt_text(mcp_client, "data_migration_guide", source_system="PostgreSQL")
    assert "from PostgreSQL" in text
    assert "compatibility level" in text
    assert "SalesLT.SalesOrderDetail (table, ~" in text


async def test_data_migration_guide_names_its_first_tables_and_how_to_find_the_rest(
    mcp_client, monkeypatch
):
    """It read every table (5,000, minutes on a large catalog) to name 200, saying nothing
    of the rest."""
    from azsql_mcp.plugins.builtin_prompts import guides

    monkeypatch.setattr(guides, "MIGRATION_TABLES_SHOWN", 3)
    text = await prompt_text(mcp_client, "data_migration_guide", source_system="Oracle")
    listed = (" (table, ~", " (view)", " (table function")  # dbo's sample function too
    assert sum(text.count(kind) for kind in listed) == 3
    kinds = (
        "tables, views and table functions" if " (table function" in text else "tables and views"
    )
    assert (
        f"The first 3 {kinds} by schema and name (there are more: list_tables with"
        " schema or name_pattern finds them)"
    ) in text


async def test_database_troubleshooting_reports_live_facts(mcp_client, azsql_principal):
    text = await prompt_text(mcp_client, "database_troubleshooting", symptom="queries time out")
    assert "queries time out" in text
    assert "Connection round trip" in text and "compatibility level" in text
    hidden = "Running requests of other sessions are not visible without"
    all_tools = "health_check, list_long_running_queries, explain_query and read_data on DMVs"
    if azsql_principal == READER:  # never "no request running" when it cannot see them
        assert hidden in text and "No request has been running" not in text
        assert "GRANT VIEW SERVER PERFORMANCE STATE TO [azsql_reader];" in text
        assert "Plans need SHOWPLAN (GRANT SHOWPLAN TO [azsql_reader];)" in text
        # the tools it can use, not those it was just told it lacks permissions for
        assert "list_long_running_queries" not in text and "explain_query" not in text
        assert (
            "the tools health_check, describe_table (indexes) and read_data (row counts,"
            " recent rows) can help; this caller sees no other sessions' requests or plans"
            " without the permissions above"
        ) in text
    else:
        assert hidden not in text and "Plans need SHOWPLAN" not in text
        assert all_tools in text  # the admin's path, as it was


async def test_database_troubleshooting_names_no_tool_the_facts_rule_out_when_a_read_fails(
    mcp_client, azsql_principal, tds_server
):
    """The read of whether other sessions show fails: the facts still say SHOWPLAN is
    missing, so explain_query is not named (other sessions may show: that tool stays)."""
    if azsql_principal != READER:
        pytest.skip("about a login without SHOWPLAN")
    await prompt_text(mcp_client, "database_troubleshooting", symptom="slow")  # pool open
    with tds_server.faulted("error:50000@query~VIEW SERVER PERFORMANCE STATE"):
        text = await prompt_text(mcp_client, "database_troubleshooting", symptom="slow")
    assert "Plans need SHOWPLAN (GRANT SHOWPLAN TO [azsql_reader];)" in text
    assert "Whether the login sees other sessions could not be read: " in text
    assert "explain_query" not in text
    assert (
        "the tools health_check, describe_table (indexes), list_long_running_queries and"
        " read_data on DMVs can help; this caller sees no plans without the permissions above"
    ) in text


async def test_database_troubleshooting_tells_what_one_refused_read_leaves(
    mcp_client, azsql_principal, tds_server
):
    """A read the login is refused (error 229 on sys.database_files, a catalog view a DBA
    may deny) costs that fact alone: the permissions are still told, and the tools named
    are those this login can use, not every one."""
    with tds_server.faulted("error:229@query~sys.database_files"):
        text = await prompt_text(mcp_client, "database_troubleshooting", symptom="slow")
    assert "The server's properties could not be read: Injected fault: error 229" in text
    assert "The database could not be queried" not in text
    assert "Connection round trip" in text and "compatibility level" not in text
    if azsql_principal == READER:
        assert "Plans need SHOWPLAN (GRANT SHOWPLAN TO [azsql_reader];)" in text
        assert "GRANT VIEW SERVER PERFORMANCE STATE TO [azsql_reader];" in text
        assert "list_long_running_queries" not in text and "explain_query" not in text
    else:
        assert "Login azsql_test: VIEW SERVER PERFORMANCE STATE yes, SHOWPLAN yes" in text


async def test_a_fact_that_could_not_be_read_names_sql_servers_error_number(mcp_client, tds_server):
    """SQL Server's text for a refusal or a deadlock does not say its number; the fact
    does, as a tool error would, so the reader can look it up."""
    await prompt_text(mcp_client, "database_troubleshooting", symptom="slow")  # pool open
    with tds_server.faulted("error:1205@query:20~sys.database_files"):
        text = await prompt_text(mcp_client, "database_troubleshooting", symptom="slow")
    assert "The server's properties could not be read: Transaction (Process ID" in text
    assert "Rerun the transaction. (SQL Server error 1205)" in text
