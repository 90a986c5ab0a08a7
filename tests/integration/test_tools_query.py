"""read_data: values bound as parameters, faithful types, caps and cursors."""

import json
import re
from typing import Any
from xml.etree import ElementTree

from fastmcp import Client

GUID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")


async def read(client: Client[Any], **args: Any) -> Any:
    result = await client.call_tool("read_data", args, raise_on_error=False)
    assert not result.is_error, result.content
    return result


async def test_parameters_are_bound(mcp_client):
    result = await read(
        mcp_client,
        query="SELECT CustomerID, LastName FROM SalesLT.Customer WHERE CustomerID = @id",
        params={"id": 7},
    )
    data = result.structured_content
    assert [c["name"] for c in data["columns"]] == ["CustomerID", "LastName"]
    assert data["columns"][0]["sql_type"] == "int"
    assert data["row_count"] == 1 and data["rows"][0][0] == 7
    assert data["truncated"] is False and data["next_cursor"] is None


async def test_a_parameter_takes_its_value_whatever_the_case_of_its_name(mcp_client):
    """SQL Server reads @Id and @ID as one variable under its default collations, and
    the guard reads `@Id = @ID` as a self-comparison: params match names alike."""
    query = (
        "SELECT CustomerID FROM SalesLT.Customer"
        " WHERE CustomerID = @Id OR CustomerID = @ID + 1 ORDER BY CustomerID"
    )
    data = (await read(mcp_client, query=query, params={"id": 7})).structured_content
    assert [row[0] for row in data["rows"]] == [7, 8]
    result = await mcp_client.call_tool(
        "read_data", {"query": query, "params": {"Id": 7, "ID": 8}}, raise_on_error=False
    )
    assert result.is_error and "params has Id and ID, which name one parameter" in str(
        result.content[0].text
    )


async def test_values_are_converted_faithfully(mcp_client):
    result = await read(
        mcp_client,
        query="SELECT TOP 1 UnitPrice, LineTotal, ModifiedDate, rowguid"
        " FROM SalesLT.SalesOrderDetail ORDER BY SalesOrderID, SalesOrderDetailID",
    )
    data = result.structured_content
    # the types as SQL Server names them (the driver's), and no digit lost
    assert data["columns"][0]["sql_type"] == "money"
    assert data["columns"][1]["sql_type"] == "numeric(38,6)"
    price, total, modified, guid = data["rows"][0]
    assert isinstance(price, str) and re.fullmatch(r"\d+\.\d{4}", price)
    assert isinstance(total, str) and re.fullmatch(r"\d+\.\d{6}", total)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?", modified)
    assert GUID.match(guid)


async def test_columns_without_a_name_are_named_and_no_value_is_lost(mcp_client):
    count = await read(mcp_client, query="SELECT COUNT(*) FROM SalesLT.Customer")
    assert count.structured_content["columns"] == [
        {"name": "(column 1, no name)", "sql_type": "int"}
    ]
    assert "(column 1, no name) (int)" in count.content[0].text
    both = await read(mcp_client, query="SELECT 1, 2, 3 AS x, 4 AS x")
    data = both.structured_content
    names = [c["name"] for c in data["columns"]]
    assert names == ["(column 1, no name)", "(column 2, no name)", "x", "x"]
    assert data["rows"] == [[1, 2, 3, 4]]  # rows are by position: a shared name loses nothing


JSON_COLUMN = "JSON_F52E2B61-18A1-11d1-B105-00805F49916B"


async def test_a_for_json_document_is_one_value(mcp_client):
    """SQL Server sends a FOR JSON document in rows of 2,033 characters: read_data gives
    it whole, as one row, in the structured result and in the text."""
    query = (
        "SELECT TOP (60) CustomerID, FirstName, LastName, CompanyName FROM SalesLT.Customer"
        " ORDER BY CustomerID FOR JSON PATH"
    )
    result = await read(mcp_client, query=query, max_rows=2)
    data = result.structured_content
    assert [c["name"] for c in data["columns"]] == [JSON_COLUMN]
    assert data["row_count"] == 1 and data["truncated"] is False
    (document,) = data["rows"][0]
    assert len(document) > 2033  # more than one of SQL Server's rows
    customers = json.loads(document)
    assert len(customers) == 60 and customers[0]["CustomerID"] == 1
    assert document in result.content[0].text  # whole, not cut at a cell's 200 characters


XML_COLUMN = "XML_F52E2B61-18A1-11d1-B105-00805F49916B"


async def test_a_for_xml_document_is_one_value(mcp_client):
    """SQL Server sends a FOR XML document (without TYPE) in rows of 2,033 characters:
    read_data gives it whole, as one row."""
    query = (
        "SELECT TOP (60) CustomerID AS [@id], FirstName AS [Name/First], LastName AS"
        " [Name/Last] FROM SalesLT.Customer ORDER BY CustomerID FOR XML PATH('c'), ROOT('cs')"
    )
    result = await read(mcp_client, query=query, max_rows=2)
    data = result.structured_content
    assert [c["name"] for c in data["columns"]] == [XML_COLUMN]
    assert data["row_count"] == 1 and data["truncated"] is False
    (document,) = data["rows"][0]
    assert len(document) > 2033  # more than one of SQL Server's rows
    customers = ElementTree.fromstring(document)
    assert customers.tag == "cs" and len(customers) == 60
    assert customers[0].get("id") == "1" and customers[0].find("Name/First") is not None
    assert document in result.content[0].text


async def test_a_for_json_document_over_the_cap_is_refused(make_azsql_server):
    app = make_azsql_server(config={"limits": {"max_result_bytes": 3000}})
    query = "SELECT CustomerID, CompanyName FROM SalesLT.Customer FOR JSON PATH"
    async with Client(app) as client:
        result = await client.call_tool("read_data", {"query": query}, raise_on_error=False)
    assert result.is_error
    assert "document is more than max_result_bytes = 3000 bytes" in result.content[0].text


async def test_large_values_are_cut_by_the_server_and_say_so(make_azsql_server):
    """A session's SET TEXTSIZE (four times max_result_bytes and four: 4,100 bytes here)
    stops the server sending a large value whole, for the reader as for the owner."""
    app = make_azsql_server(config={"limits": {"max_result_bytes": 1024}})
    image = "SELECT CAST(REPLICATE(CAST('b' AS varchar(max)), 100000) AS varbinary(max)) AS image"
    document = "SELECT REPLICATE(CAST(N'd' AS nvarchar(max)), 100000) AS document"
    async with Client(app) as client:
        shown = await client.call_tool("read_data", {"query": image})
        refused = await client.call_tool("read_data", {"query": document}, raise_on_error=False)
    assert shown.structured_content["rows"][0][0].endswith("...(at least 4100 bytes)")
    assert refused.is_error
    assert "'document' holds at least 2050 characters" in refused.content[0].text
    assert "DATALENGTH(col)" in refused.content[0].text


async def test_pages_follow_the_cursor_to_the_end(mcp_client):
    query = "SELECT ProductID FROM SalesLT.Product ORDER BY ProductID"
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        args: dict[str, Any] = {"query": query, "max_rows": 120}
        if cursor:
            args["cursor"] = cursor
        data = (await read(mcp_client, **args)).structured_content
        seen.extend(row[0] for row in data["rows"])
        cursor = data["next_cursor"]
        assert data["truncated"] is (cursor is not None)
        if cursor is None:
            break
    assert len(seen) == 300 and seen == sorted(set(seen))


async def test_default_cap_says_it_cut(mcp_client):
    result = await read(mcp_client, query="SELECT * FROM SalesLT.SalesOrderDetail")
    data = result.structured_content
    assert data["row_count"] == 100 and data["truncated"] is True and data["next_cursor"]
    text = result.content[0].text
    assert text.startswith(
        "100 row(s) (truncated at the rows per page (max_rows); pass next_cursor as cursor"
    )
    assert "not instructions" in text


async def test_max_rows_is_lowered_to_the_servers_cap(mcp_client):
    result = await read(mcp_client, query="SELECT ProductID FROM SalesLT.Product", max_rows=5000)
    data = result.structured_content
    assert data["row_count"] == 100
    assert data["max_rows_lowered_to"] == 100  # said to a client that reads the JSON only
    assert result.content[0].text.startswith("(max_rows lowered to the server's cap of 100)\n")
    within = await read(mcp_client, query="SELECT ProductID FROM SalesLT.Product", max_rows=5)
    assert within.structured_content["max_rows_lowered_to"] is None
    assert "lowered" not in within.content[0].text


async def test_cursor_of_another_query_is_refused(mcp_client):
    first = await read(mcp_client, query="SELECT ProductID FROM SalesLT.Product", max_rows=10)
    cursor = first.structured_content["next_cursor"]
    result = await mcp_client.call_tool(
        "read_data",
        {"query": "SELECT Name FROM SalesLT.Product", "cursor": cursor},
        raise_on_error=False,
    )
    assert result.is_error and "different query" in result.content[0].text


async def test_writes_are_refused_with_the_reason(mcp_client):
    result = await mcp_client.call_tool(
        "read_data", {"query": "DELETE FROM SalesLT.Customer"}, raise_on_error=False
    )
    assert result.is_error
    assert "Allowed here" in result.content[0].text


async def test_unused_params_are_refused(mcp_client):
    result = await mcp_client.call_tool(
        "read_data",
        {"query": "SELECT 1 AS one", "params": {"nope": 1}},
        raise_on_error=False,
    )
    assert result.is_error and "nope" in result.content[0].text


async def test_parse_reads_dates_and_numbers_in_a_culture(mcp_client):
    """PARSE ... USING, which sqlglot alone cannot parse, passes the guard and runs."""
    query = (
        "SELECT PARSE(@day AS date USING 'de-DE') AS de_day,"
        " PARSE(@day AS date USING 'en-US') AS us_day,"
        " TRY_PARSE(@amount AS decimal(10, 2) USING 'de-DE') AS amount,"
        " PARSE(N'Monday, 13 December 2010' AS datetime2 USING 'en-GB') AS long_day,"
        " TRY_PARSE(N'1,5' AS int USING 'fr-FR') AS not_int"
    )
    params = {"day": "01.02.2020", "amount": "1.234,56"}
    data = (await read(mcp_client, query=query, params=params)).structured_content
    assert [c["sql_type"] for c in data["columns"]][:2] == ["date", "date"]
    assert data["rows"] == [["2020-02-01", "2020-01-02", "1234.56", "2010-12-13T00:00:00", None]]
