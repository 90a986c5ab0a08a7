"""The prompts carry real context from the sample database."""

import pytest

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


async def test_sql_query_builder_refuses_unknown_operations(mcp_client):
    with pytest.raises(Exception, match="SELECT, INSERT, UPDATE, DELETE"):
        await prompt_text(
            mcp_client, "sql_query_builder", table="SalesLT.Customer", operation="MERGE"
        )


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
    else:
        assert "Operators" in text


async def test_data_migration_guide_knows_the_target(mcp_client):
    text = await prompt_text(mcp_client, "data_migration_guide", source_system="PostgreSQL")
    assert "from PostgreSQL" in text
    assert "compatibility level" in text
    assert "SalesLT.SalesOrderDetail (table, ~" in text


async def test_database_troubleshooting_reports_live_facts(mcp_client, azsql_principal):
    text = await prompt_text(mcp_client, "database_troubleshooting", symptom="queries time out")
    assert "queries time out" in text
    assert "Connection round trip" in text and "compatibility level" in text
    hidden = "Running requests of other sessions are not visible without"
    if azsql_principal == READER:  # never "no request running" when it cannot see them
        assert hidden in text and "No request has been running" not in text
        assert "GRANT VIEW SERVER PERFORMANCE STATE TO [azsql_reader];" in text
    else:
        assert hidden not in text
