"""With several sources, tools take a `source` argument and resources name it in the URI."""

import json
from typing import Any

import pytest
from fastmcp import Client


@pytest.fixture
async def two_sources(make_azsql_server, azsql_config) -> Any:
    second = dict(azsql_config["sources"]["main"])
    app = make_azsql_server(
        config={"sources": {"second": second}, "server": {"default_source": "main"}}
    )
    async with Client(app) as client:
        yield client


async def test_tools_list_stays_small_with_a_source_argument(two_sources):
    tools = await two_sources.list_tools()
    read_data = next(t for t in tools if t.name == "read_data")
    assert read_data.input_schema["properties"]["source"]["enum"] == ["main", "second"]
    # neither source is described: a description would only repeat the enum, in each tool
    assert "description" not in read_data.input_schema["properties"]["source"]
    # issue 18's budgets: what the model reads under 6 KB, the whole answer under 10 KB
    listed = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]
    seen = [{k: t[k] for k in ("name", "description", "inputSchema") if k in t} for t in listed]
    assert len(json.dumps(seen)) <= 6 * 1024, len(json.dumps(seen))
    assert len(json.dumps({"tools": listed})) <= 10 * 1024, len(json.dumps({"tools": listed}))


async def test_the_source_argument_picks_the_database(two_sources):
    result = await two_sources.call_tool("health_check", {"source": "second"})
    assert result.structured_content["source"] == "second"
    assert result.structured_content["sources"] == ["main", "second"]
    default = await two_sources.call_tool("health_check", {})
    assert default.structured_content["source"] == "main"
    rows = await two_sources.call_tool(
        "read_data", {"query": "SELECT COUNT(*) AS n FROM SalesLT.Customer", "source": "second"}
    )
    assert rows.structured_content["rows"] == [[850]]


async def test_cursors_belong_to_their_source(two_sources):
    query = {"query": "SELECT ProductID FROM SalesLT.Product ORDER BY ProductID", "max_rows": 5}
    first = await two_sources.call_tool("read_data", {**query, "source": "main"})
    cursor = first.structured_content["next_cursor"]
    other = await two_sources.call_tool(
        "read_data", {**query, "source": "second", "cursor": cursor}, raise_on_error=False
    )
    assert other.is_error and "different query, params or source" in other.content[0].text


async def test_resources_name_the_source(two_sources):
    (content,) = await two_sources.read_resource("database://second/status")
    assert json.loads(content.text)["source"] == "second"
    (content,) = await two_sources.read_resource("database://second/tables/SalesLT/Product")
    assert json.loads(content.text)["name"] == "Product"
