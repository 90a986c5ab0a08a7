"""insert_data, update_data, execute_batch with read_only = false, on a server of their own."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.embedding import build_server
from azsql_mcp.testing.pytest_plugin import READER, sample_tds_server, source_config
from tds_test_server import ThreadedTdsServer

MAX_AFFECTED = 5


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    """A sample database for this module only: these tests change data."""
    with sample_tds_server(tds_password) as server:
        yield server


@pytest.fixture
async def writer(make_azsql_server) -> AsyncIterator[Client[Any]]:
    app = make_azsql_server(
        config={
            "security": {"read_only": False},
            "limits": {"max_affected_rows": MAX_AFFECTED},
        }
    )
    async with Client(app) as client:
        yield client


async def ok(client: Client[Any], tool: str, **args: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, args, raise_on_error=False)
    assert not result.is_error, result.content
    return result.structured_content


async def refused(client: Client[Any], tool: str, **args: Any) -> str:
    result = await client.call_tool(tool, args, raise_on_error=False)
    assert result.is_error
    return result.content[0].text


async def scalar(client: Client[Any], query: str, **params: Any) -> Any:
    data = await ok(client, "read_data", query=query, params=params or None)
    return data["rows"][0][0]


async def test_write_tools_are_listed_with_their_annotations(writer):
    tools = {t.name: t for t in await writer.list_tools()}
    assert tools["insert_data"].annotations.read_only_hint is False
    assert tools["insert_data"].annotations.destructive_hint is False
    assert tools["update_data"].annotations.destructive_hint is True
    assert tools["execute_batch"].annotations.destructive_hint is True


GRANT_HINT = "ALTER ROLE db_datawriter ADD MEMBER [azsql_reader];"


async def test_a_reader_is_told_which_grant_allows_writes(writer, azsql_principal):
    """The reader (db_datareader only) gets SQL Server's error 229 and the GRANT."""
    if azsql_principal != READER:
        pytest.skip("the privileged login may write")
    insert = "INSERT INTO SalesLT.ProductCategory (Name) VALUES (@n)"
    update = "UPDATE SalesLT.ProductCategory SET Name = @n WHERE ProductCategoryID = -1"
    for tool, args in [
        ("insert_data", {"sql": insert, "params": {"n": "x"}}),
        ("update_data", {"sql": update, "params": {"n": "x"}}),
        ("execute_batch", {"statements": [insert], "params": {"n": "x"}}),
    ]:
        message = await refused(writer, tool, **args)
        assert "permission was denied on the object 'ProductCategory'" in message, message
        assert GRANT_HINT in message
        assert message.endswith(" (SQL Server error 229)"), message


async def test_health_check_says_which_writes_the_login_lacks(writer, azsql_principal):
    """On a writable source the write tools are listed: health_check says up front that
    the reader's writes fail, and the role that allows them."""
    health = await ok(writer, "health_check")
    writes = [n for n in health["notes"] if "writes fail with SQL Server's error 229" in n]
    if azsql_principal == READER:
        (note,) = writes
        assert note.startswith("no INSERT, UPDATE, DELETE on the database:") and GRANT_HINT in note
    else:
        assert writes == []


async def test_sql_query_builder_does_not_send_a_reader_to_a_write_it_may_not_do(
    writer, azsql_principal
):
    """The write tools are listed, but the reader holds no DELETE: the prompt says so,
    with the GRANT, instead of "Run it with the update_data tool"."""
    prompt = await writer.get_prompt(
        "sql_query_builder", {"table": "SalesLT.ProductCategory", "operation": "DELETE"}
    )
    text = prompt.messages[0].content.text
    if azsql_principal == READER:
        assert "Run it with the update_data tool" not in text
        assert (
            "The database user [azsql_reader] lacks DELETE on [SalesLT].[ProductCategory]" in text
        )
        assert "GRANT DELETE ON OBJECT::[SalesLT].[ProductCategory] TO [azsql_reader];" in text
    else:
        assert "Run it with the update_data tool, with the parameters in params." in text
    assert "OUTPUT" not in text  # a DELETE: nothing is generated


@pytest.mark.usefixtures("privileged_only")
async def test_sql_query_builder_says_how_to_get_an_inserts_identity_values(writer):
    prompt = await writer.get_prompt(
        "sql_query_builder", {"table": "SalesLT.ProductCategory", "operation": "INSERT"}
    )
    text = prompt.messages[0].content.text
    assert (
        "Run it with the insert_data tool, with the parameters in params. To get the"
        " ProductCategoryID values SQL Server assigns, add OUTPUT inserted.ProductCategoryID"
        " before VALUES." in text
    )


async def test_a_read_only_source_says_nothing_of_writes(mcp_client):
    health = await ok(mcp_client, "health_check")
    assert not any("insert_data" in note for note in health["notes"])


async def test_a_user_that_may_neither_read_nor_write_is_not_told_it_may_read(
    tds_password: str,
) -> None:
    """Out of db_datareader and db_datawriter: error 229 on the INSERT, with the role that
    allows writes, and no word that the user may read the table (it may not)."""
    setup = ["ALTER ROLE db_datareader DROP MEMBER azsql_reader"]
    with sample_tds_server(tds_password, setup) as server:
        config = {
            "sources": {"main": source_config(server, tds_password, principal=READER)},
            "security": {"read_only": False},
        }
        async with Client(build_server(config)) as client:
            sql = "INSERT INTO SalesLT.ProductCategory (Name) VALUES (@n)"
            message = await refused(client, "insert_data", sql=sql, params={"n": "x"})
    assert "The INSERT permission was denied on the object 'ProductCategory'" in message
    assert GRANT_HINT in message and "may read" not in message


async def test_a_writer_that_may_not_read_what_it_selects_is_told_so(tds_password: str) -> None:
    """In db_datawriter but not db_datareader: SQL Server asks SELECT of the rows a write
    reads, and the answer names that GRANT, not the write role the user already has."""
    setup = [
        "CREATE TABLE dbo.Target (id int NOT NULL PRIMARY KEY)",
        "ALTER ROLE db_datareader DROP MEMBER azsql_reader",
        "ALTER ROLE db_datawriter ADD MEMBER azsql_reader",
    ]
    with sample_tds_server(tds_password, setup) as server:
        config = {
            "sources": {"main": source_config(server, tds_password, principal=READER)},
            "security": {"read_only": False},
        }
        async with Client(build_server(config)) as client:
            sql = "INSERT INTO dbo.Target (id) SELECT TOP (1) CustomerID FROM SalesLT.Customer"
            message = await refused(client, "insert_data", sql=sql)
    assert "The SELECT permission was denied on the object 'Customer'" in message
    assert "GRANT SELECT ON OBJECT::[SalesLT].[Customer] TO [azsql_reader];" in message
    assert "SQL Server asks SELECT on them as well" in message
    assert "db_datawriter" not in message
    assert message.endswith(" (SQL Server error 229)"), message


@pytest.fixture
def privileged_only(azsql_principal: str) -> None:
    if azsql_principal == READER:
        pytest.skip("writes as the reader: test_a_reader_is_told_which_grant_allows_writes")


@pytest.mark.usefixtures("privileged_only")
async def test_insert_then_update_then_delete(writer):
    inserted = await ok(
        writer,
        "insert_data",
        sql="INSERT INTO SalesLT.ProductCategory (ParentProductCategoryID, Name)"
        " VALUES (@parent, @name)",
        params={"parent": 1, "name": "Test Unicycles"},
    )
    assert inserted["rows_affected"] == 1
    count = "SELECT COUNT(*) FROM SalesLT.ProductCategory WHERE Name = @name"
    assert await scalar(writer, count, name="Test Unicycles") == 1
    updated = await ok(
        writer,
        "update_data",
        sql="UPDATE SalesLT.ProductCategory SET Name = @new WHERE Name = @old",
        params={"new": "Test Monocycles", "old": "Test Unicycles"},
    )
    assert updated["rows_affected"] == 1
    deleted = await ok(
        writer,
        "update_data",
        sql="DELETE FROM SalesLT.ProductCategory WHERE Name = @name",
        params={"name": "Test Monocycles"},
    )
    assert deleted["rows_affected"] == 1
    assert await scalar(writer, count, name="Test Monocycles") == 0


@pytest.mark.parametrize(
    "sql", ["UPDATE SalesLT.Customer SET Title = NULL", "DELETE FROM SalesLT.CustomerAddress"]
)
async def test_update_and_delete_without_where_are_refused(writer, sql):
    before = await scalar(writer, "SELECT COUNT(*) FROM SalesLT.Customer WHERE Title IS NULL")
    assert "WHERE" in await refused(writer, "update_data", sql=sql)
    after = await scalar(writer, "SELECT COUNT(*) FROM SalesLT.Customer WHERE Title IS NULL")
    assert before == after
    assert await scalar(writer, "SELECT COUNT(*) FROM SalesLT.CustomerAddress") > 0


@pytest.mark.usefixtures("privileged_only")
async def test_too_many_affected_rows_roll_back(writer):
    message = await refused(
        writer,
        "update_data",
        sql="UPDATE SalesLT.Customer SET Suffix = @s WHERE CustomerID <= 10",
        params={"s": "XIV"},
    )
    assert str(MAX_AFFECTED) in message
    query = "SELECT COUNT(*) FROM SalesLT.Customer WHERE Suffix = @s"
    assert await scalar(writer, query, s="XIV") == 0


async def test_each_tool_takes_only_its_kind(writer):
    await refused(writer, "insert_data", sql="DELETE FROM SalesLT.Customer WHERE CustomerID = 1")
    await refused(
        writer,
        "update_data",
        sql="INSERT INTO SalesLT.ProductCategory (Name) VALUES (@n)",
        params={"n": "x"},
    )
    await refused(writer, "insert_data", sql="SELECT 1")


@pytest.mark.usefixtures("privileged_only")
async def test_a_value_too_long_for_its_column_is_named(writer):
    """SQL Server 2019 and later name the column and what fits (2628, then 3621)."""
    text = await refused(
        writer,
        "insert_data",
        sql="INSERT INTO SalesLT.ProductCategory (Name) VALUES (@name)",
        params={"name": "x" * 60},
    )
    assert text.startswith(
        "String or binary data would be truncated in table"
        " 'AdventureWorksLT.SalesLT.ProductCategory', column 'Name'. Truncated value: 'xxx"
    ), text
    assert text.endswith("(SQL Server error 2628)"), text


@pytest.mark.usefixtures("privileged_only")
async def test_batch_is_all_or_nothing(writer):
    insert = "INSERT INTO SalesLT.ProductCategory (ParentProductCategoryID, Name) VALUES (1, @name)"
    message = await refused(
        writer,
        "execute_batch",
        statements=[insert, insert],  # the second breaks AK_ProductCategory_Name
        params={"name": "Test Batch"},
    )
    assert message.startswith("Statement 2 of 2 failed: ")
    # SQL Server follows 2601 with 3621 "The statement has been terminated." (the test
    # server too): the driver's first record, the root error, is the one the agent gets
    assert "Violation of UNIQUE KEY constraint 'AK_ProductCategory_Name'" in message
    assert "3621" not in message and "terminated" not in message
    assert message.endswith(
        "The batch was rolled back: nothing was written. (SQL Server error 2627)"
    ), message
    single = await refused(writer, "insert_data", sql=insert, params={"name": "Bikes"})
    assert single.startswith("Violation of UNIQUE KEY constraint 'AK_ProductCategory_Name'")
    assert single.endswith("(SQL Server error 2627)"), single
    refusal = await refused(
        writer, "execute_batch", statements=[insert, "DROP TABLE SalesLT.ProductCategory"]
    )
    assert refusal.startswith("Statement 2 of 2: ") and "rolled back" in refusal
    count = "SELECT COUNT(*) FROM SalesLT.ProductCategory WHERE Name LIKE @p"
    assert await scalar(writer, count, p="Test Batch%") == 0
    done = await ok(
        writer,
        "execute_batch",
        statements=[
            insert,
            "UPDATE SalesLT.ProductCategory SET Name = @other WHERE Name = @name",
            "DELETE FROM SalesLT.ProductCategory WHERE Name = @other",
        ],
        params={"name": "Test Batch", "other": "Test Batch 2"},
    )
    assert done["rows_affected"] == [1, 1, 1] and done["total_rows_affected"] == 3
    assert await scalar(writer, count, p="Test Batch%") == 0


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM SalesLT.SalesOrderDetail WHERE SalesOrderDetailID IS NOT NULL",
        "UPDATE SalesLT.Customer SET Suffix = 'X' WHERE CustomerID = CustomerID",
        "UPDATE SalesLT.Customer SET Suffix = 'X' WHERE CustomerID IS NOT NULL OR 1 = 0",
        "DELETE FROM SalesLT.SalesOrderDetail WHERE 1 = 1 OR OrderQty = 5",
        # the catalog's NOT NULL columns are looked up for this form too
        "DELETE FROM SalesLT.SalesOrderDetail OUTPUT deleted.SalesOrderDetailID"
        " WHERE SalesOrderDetailID IS NOT NULL",
        "DELETE FROM SalesLT.SalesOrderDetail OUTPUT deleted.OrderQty WHERE 1 = 1 OR OrderQty = 5",
    ],
)
async def test_always_true_where_is_refused_before_anything_runs(writer, sql):
    count = "SELECT COUNT(*) FROM SalesLT.SalesOrderDetail"
    before = await scalar(writer, count)
    message = await refused(writer, "update_data", sql=sql)
    assert "always true" in message and "allow_unfiltered_writes" in message
    assert await scalar(writer, count) == before
    assert await scalar(writer, "SELECT COUNT(*) FROM SalesLT.Customer WHERE Suffix = 'X'") == 0


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("WHERE ProductCategoryID = productcategoryid", "always true"),
        ("WHERE [ProductCategoryID] = ProductCategoryID", "always true"),
        ("FROM SalesLT.ProductCategory AS c WHERE c.ProductCategoryID = ProductCategoryID",
         "always true"),
        ("WHERE ProductCategoryID = -1 OR @d = @d", "always true"),
        ("WHERE 1 IN (1, ProductCategoryID)", "always true"),
        ("WHERE ProductCategoryID IN (SELECT ProductCategoryID FROM SalesLT.ProductCategory)",
         "always true"),
        ("WHERE EXISTS (SELECT 1 FROM SalesLT.ProductCategory AS x"
         " WHERE x.ProductCategoryID = ProductCategory.ProductCategoryID)", "always true"),
        # read again under the source's database's name
        ("WHERE ProductCategoryID IN (SELECT ProductCategoryID"
         " FROM AdventureWorksLT.SalesLT.ProductCategory)", "always true"),
        ("FROM (VALUES (1)) AS s(k) WHERE s.k = 1", "tests no column of ProductCategory"),
        ("FROM SalesLT.ProductCategory AS c CROSS JOIN SalesLT.Address AS a"
         " WHERE a.AddressID = 9", "tests no column of ProductCategory"),
    ],
)  # fmt: skip
async def test_a_where_that_reads_as_always_true_is_refused(writer, sql, reason):
    """Each of these changed all 41 categories before the guard read them as SQL Server
    does (review finding: names differ only in case, brackets, a parameter compared
    with itself, a value IN a list holding it, the table read again in a subquery, a
    WHERE on another table only)."""
    stamp = "2031-01-01T00:00:00"
    update = f"UPDATE SalesLT.ProductCategory SET ModifiedDate = @d {sql}"
    message = await refused(writer, "update_data", sql=update, params={"d": stamp})
    assert reason in message and "allow_unfiltered_writes" in message, message
    changed = "SELECT COUNT(*) FROM SalesLT.ProductCategory WHERE ModifiedDate = @d"
    assert await scalar(writer, changed, d=stamp) == 0


async def test_a_join_of_the_table_to_itself_is_refused(writer):
    """Each category joined to itself meets the ON and the WHERE: this changed all 41
    (SQL Server takes the target by its alias only when the table is named twice)."""
    stamp = "2031-01-02T00:00:00"
    update = (
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.ProductCategory AS c"
        " JOIN SalesLT.ProductCategory AS x ON x.ProductCategoryID = c.ProductCategoryID"
        " WHERE x.Name = c.Name"
    )
    message = await refused(writer, "update_data", sql=update, params={"d": stamp})
    assert "always true" in message and "allow_unfiltered_writes" in message, message
    changed = "SELECT COUNT(*) FROM SalesLT.ProductCategory WHERE ModifiedDate = @d"
    assert await scalar(writer, changed, d=stamp) == 0


@pytest.mark.parametrize(
    "source",
    [
        "(SELECT * FROM SalesLT.ProductCategory)",
        "(SELECT ProductCategoryID AS k, Name FROM SalesLT.ProductCategory)",
        "(SELECT DISTINCT ProductCategoryID AS k, Name FROM SalesLT.ProductCategory)",
    ],
)
async def test_a_join_of_the_table_to_a_derived_copy_of_itself_is_refused(writer, source):
    """A derived table that reads the table whole matches each category to itself,
    whatever its columns are called: the join keeps every row, which the UPDATE would
    change."""
    stamp = "2031-01-03T00:00:00"
    key = "k" if " AS k" in source else "ProductCategoryID"
    joined = (
        f"FROM SalesLT.ProductCategory AS c JOIN {source} AS x"
        f" ON x.{key} = c.ProductCategoryID WHERE x.Name = c.Name"
    )
    every = await scalar(writer, "SELECT COUNT(*) FROM SalesLT.ProductCategory")
    assert await scalar(writer, f"SELECT COUNT(DISTINCT c.ProductCategoryID) {joined}") == every
    update = f"UPDATE c SET ModifiedDate = @d {joined}"
    message = await refused(writer, "update_data", sql=update, params={"d": stamp})
    assert "matches every row of c to itself" in message, message
    assert "allow_unfiltered_writes" in message, message
    changed = "SELECT COUNT(*) FROM SalesLT.ProductCategory WHERE ModifiedDate = @d"
    assert await scalar(writer, changed, d=stamp) == 0


CATEGORY = "SalesLT.ProductCategory"
ID = "ProductCategoryID"


@pytest.mark.usefixtures("privileged_only")
async def test_an_insert_returns_what_its_output_clause_names(writer):
    """The identity values SQL Server made come back with the count, in the structured
    result and fenced in the text; the rows are committed."""
    sql = (
        f"INSERT INTO {CATEGORY} (Name) OUTPUT inserted.{ID} AS id, inserted.Name VALUES (@a), (@b)"
    )
    names = {"a": "Test Output A", "b": "Test Output B"}
    result = await writer.call_tool("insert_data", {"sql": sql, "params": names})
    data = result.structured_content
    try:
        assert data["rows_affected"] == 2
        output = data["output"]
        assert [c["name"] for c in output["columns"]] == ["id", "Name"]
        assert output["columns"][0]["sql_type"] == "int" and output["row_count"] == 2
        ids = [row[0] for row in output["rows"]]
        assert [row[1] for row in output["rows"]] == ["Test Output A", "Test Output B"]
        stored = f"SELECT COUNT(*) FROM {CATEGORY} WHERE {ID} IN (@x, @y) AND Name LIKE @n"
        assert await scalar(writer, stored, x=ids[0], y=ids[1], n="Test Output _") == 2
        text = result.content[0].text
        assert text.startswith("INSERT committed: 2 row(s) affected.\nOUTPUT: 2 row(s)\n<untrusted")
        assert f"{ids[0]} | Test Output A" in text
    finally:
        delete = f"DELETE FROM {CATEGORY} WHERE Name LIKE @n"
        await ok(writer, "update_data", sql=delete, params={"n": "Test Output _"})


@pytest.mark.usefixtures("privileged_only")
async def test_update_and_delete_return_the_rows_they_changed(writer):
    """UPDATE's OUTPUT has the values before (deleted) and after (inserted); DELETE's,
    in both of its forms (sqlglot parses only one with FROM), the rows it removed."""
    name = {"name": "Test Output U"}
    inserted = await ok(
        writer,
        "insert_data",
        sql=f"INSERT INTO {CATEGORY} (Name) OUTPUT inserted.{ID} VALUES (@name)",
        params=name,
    )
    key = inserted["output"]["rows"][0][0]
    update = (
        f"UPDATE {CATEGORY} SET Name = @new OUTPUT deleted.Name AS old, inserted.Name AS new"
        f" WHERE {ID} = @id"
    )
    updated = await ok(
        writer, "update_data", sql=update, params={"new": "Test Output V", "id": key}
    )
    assert updated["rows_affected"] == 1
    assert updated["output"]["rows"] == [["Test Output U", "Test Output V"]]
    for target in (f"FROM {CATEGORY}", CATEGORY):
        delete = f"DELETE {target} OUTPUT deleted.{ID}, deleted.Name WHERE {ID} = @id"
        deleted = await ok(writer, "update_data", sql=delete, params={"id": key})
        expected = [[key, "Test Output V"]] if target.startswith("FROM") else []
        assert deleted["output"]["rows"] == expected and deleted["rows_affected"] == len(expected)
    plain = await ok(
        writer, "update_data", sql=f"DELETE FROM {CATEGORY} WHERE {ID} = @id", params={"id": key}
    )
    assert plain["output"] is None  # no OUTPUT clause: no rows, as before


@pytest.mark.usefixtures("privileged_only")
async def test_a_batch_returns_each_statements_output_at_its_place(writer):
    names = {"n": "Test Output Batch"}
    statements = [
        f"INSERT INTO {CATEGORY} (Name) OUTPUT inserted.Name VALUES (@n)",
        f"UPDATE {CATEGORY} SET ModifiedDate = ModifiedDate WHERE Name = @n",
        f"DELETE FROM {CATEGORY} OUTPUT deleted.Name WHERE Name = @n",
    ]
    result = await writer.call_tool("execute_batch", {"statements": statements, "params": names})
    data = result.structured_content
    assert data["rows_affected"] == [1, 1, 1]
    first, second, third = data["outputs"]
    assert first["rows"] == [["Test Output Batch"]] and second is None
    assert third["rows"] == [["Test Output Batch"]]
    text = result.content[0].text
    assert "Statement 1's OUTPUT: 1 row(s)" in text and "Statement 3's OUTPUT: 1 row(s)" in text
    assert "Statement 2's OUTPUT" not in text
    plain = await ok(writer, "execute_batch", statements=statements[1:2], params=names)
    assert plain["outputs"] is None


@pytest.mark.usefixtures("privileged_only")
async def test_output_rows_count_against_max_affected_rows(writer):
    """One OUTPUT row per row changed: past the cap the write is rolled back."""
    copy = (
        f"INSERT INTO {CATEGORY} (Name) OUTPUT inserted.{ID} SELECT TOP ({MAX_AFFECTED + 1})"
        f" 'Test Output ' + Name FROM {CATEGORY} ORDER BY {ID}"
    )
    before = await scalar(writer, f"SELECT COUNT(*) FROM {CATEGORY}")
    message = await refused(writer, "insert_data", sql=copy)
    assert (
        f"at least {MAX_AFFECTED + 1} rows, more than max_affected_rows = {MAX_AFFECTED}" in message
    )
    assert await scalar(writer, f"SELECT COUNT(*) FROM {CATEGORY}") == before


@pytest.mark.usefixtures("privileged_only")
async def test_output_rows_past_max_rows_are_cut_and_say_so(make_azsql_server):
    """The server's max_rows bounds the rows passed on; every row is still written."""
    app = make_azsql_server(
        config={
            "security": {"read_only": False},
            "limits": {"max_rows": 2, "max_affected_rows": 10},
        }
    )
    insert = f"INSERT INTO {CATEGORY} (Name) OUTPUT inserted.Name VALUES (@a), (@b), (@c)"
    names = {"a": "Test Cut A", "b": "Test Cut B", "c": "Test Cut C"}
    async with Client(app) as client:
        result = await client.call_tool("insert_data", {"sql": insert, "params": names})
        try:
            data = result.structured_content
            assert data["rows_affected"] == 3
            output = data["output"]
            assert output["rows"] == [["Test Cut A"], ["Test Cut B"]]
            assert output["truncated"] is True and output["truncated_by"] == "rows"
            assert (
                "OUTPUT: 2 row(s) (truncated at the rows per page (max_rows))"
                in result.content[0].text
            )
        finally:
            await ok(
                client, "update_data", sql=f"DELETE FROM {CATEGORY} WHERE Name LIKE 'Test Cut _'"
            )


@pytest.mark.usefixtures("privileged_only")
async def test_a_write_with_top_is_refused_and_the_form_it_suggests_works(writer):
    """`DELETE TOP (n) ...` is refused before it runs; the refusal's form, the rows named
    in the WHERE clause, deletes them through the test server."""
    like = {"name": "Test Top %"}
    insert = "INSERT INTO SalesLT.ProductCategory (Name) VALUES (@name)"
    count = "SELECT COUNT(*) FROM SalesLT.ProductCategory WHERE Name LIKE @name"
    for n in range(3):
        await ok(writer, "insert_data", sql=insert, params={"name": f"Test Top {n}"})
    top = "DELETE TOP (2) FROM SalesLT.ProductCategory WHERE Name LIKE @name"
    message = await refused(writer, "update_data", sql=top, params=like)
    assert "TOP in an INSERT, UPDATE or DELETE is not accepted here" in message
    assert await scalar(writer, count, **like) == 3
    suggested = (
        "DELETE FROM SalesLT.ProductCategory WHERE ProductCategoryID IN (SELECT TOP (2)"
        " ProductCategoryID FROM SalesLT.ProductCategory WHERE Name LIKE @name"
        " ORDER BY ProductCategoryID)"
    )
    assert (await ok(writer, "update_data", sql=suggested, params=like))["rows_affected"] == 2
    rest = "DELETE FROM SalesLT.ProductCategory WHERE Name LIKE @name"
    await ok(writer, "update_data", sql=rest, params=like)
    assert await scalar(writer, count, **like) == 0


@pytest.mark.usefixtures("privileged_only")
async def test_is_not_null_on_a_nullable_column_filters(writer):
    done = await ok(
        writer,
        "update_data",
        sql="UPDATE SalesLT.Customer SET Suffix = Suffix"
        " WHERE Suffix IS NOT NULL AND CustomerID < 0",
    )
    assert done["rows_affected"] == 0


async def test_is_not_null_in_a_table_the_catalog_cannot_show_is_not_a_filter(make_azsql_server):
    """OBJECT_ID resolves another database's name to that database's object id, which
    this database's sys.columns knows nothing of: such an IS NOT NULL test counts as
    always true, where the lookup used to find no NOT NULL column and let it pass."""
    app = make_azsql_server(
        config={
            # allow_uncounted_writes: OtherDb's cascades would be refused in doubt first
            "security": {
                "read_only": False,
                "allowed_databases": ["OtherDb"],
                "allow_uncounted_writes": True,
            },
            "limits": {"max_affected_rows": MAX_AFFECTED},
        }
    )
    async with Client(app) as client:
        count = "SELECT COUNT(*) FROM SalesLT.SalesOrderDetail"
        before = await scalar(client, count)
        message = await refused(
            client,
            "update_data",
            sql="DELETE FROM OtherDb.SalesLT.SalesOrderDetail WHERE ModifiedDate IS NOT NULL",
        )
        assert "always true" in message and "[OtherDb].[SalesLT].[SalesOrderDetail]" in message
        assert "cannot look up the columns" in message
        # The source's own database, named in full, is looked up as usual.
        message = await refused(
            client,
            "update_data",
            sql="DELETE FROM AdventureWorksLT.SalesLT.SalesOrderDetail"
            " WHERE SalesOrderDetailID IS NOT NULL",
        )
        assert "always true" in message and "cannot look up" not in message
        # A real filter beside the test still counts: the guard passes it on (the test
        # server has no OtherDb, so the database answers with an error).
        result = await client.call_tool(
            "update_data",
            {
                "sql": "DELETE FROM OtherDb.SalesLT.SalesOrderDetail"
                " WHERE ModifiedDate IS NOT NULL AND SalesOrderDetailID = -1"
            },
            raise_on_error=False,
        )
        assert "Allowed here" not in result.content[0].text
        assert await scalar(client, count) == before


async def test_writes_stay_in_the_source_database_and_refuse_lock_hints(writer):
    message = await refused(writer, "update_data", sql="DELETE FROM OtherDb.dbo.t WHERE id = 1")
    assert "names the database OtherDb" in message
    message = await refused(
        writer,
        "update_data",
        sql="UPDATE SalesLT.Customer WITH (TABLOCK) SET Suffix = 'X' WHERE CustomerID = 1",
    )
    assert "table hint TABLOCK" in message
