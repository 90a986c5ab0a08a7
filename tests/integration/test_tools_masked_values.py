"""read_data of a table with masked columns (Dynamic Data Masking): SQL Server returns
their values masked to a login without UNMASK, with no error, so read_data says which
columns are masked and the GRANT that shows them. As the privileged login (UNMASK, as
dbo) and as the db_datareader, with both drivers; the test server masks a column read
directly in the select list (not an expression over it, such as AVG)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.testing.pytest_plugin import READER, READER_USER, sample_tds_server
from tds_test_server import ThreadedTdsServer

SETUP = [
    "CREATE TABLE dbo.Member (MemberID int NOT NULL PRIMARY KEY,"
    " Email varchar(100) MASKED WITH (FUNCTION = 'email()') NULL, Name nvarchar(40) NULL,"
    " Salary money MASKED WITH (FUNCTION = 'default()') NULL)",
    "INSERT INTO dbo.Member VALUES (1, 'ann@example.com', N'Ann', 5000)",
    "CREATE SYNONYM dbo.Members FOR dbo.Member",
    "CREATE TABLE dbo.MemberNote (MemberID int NOT NULL, Note nvarchar(100) NULL)",
    "CREATE TABLE dbo.[Order Lines] (LineID int NOT NULL,"
    " [Card Number] varchar(20) MASKED WITH (FUNCTION = 'default()') NULL)",
    # SQL Server 2022's granular UNMASK, on a column and on a schema
    "CREATE TABLE dbo.Badge (BadgeID int NOT NULL,"
    " Code varchar(10) MASKED WITH (FUNCTION = 'default()') NULL,"
    " Pin varchar(10) MASKED WITH (FUNCTION = 'default()') NULL)",
    f"GRANT UNMASK ON dbo.Badge (Code) TO [{READER_USER}]",
    "CREATE SCHEMA Hr",
    "CREATE TABLE Hr.Pay (PayID int NOT NULL, Amount money MASKED WITH (FUNCTION = 'default()'))",
    f"GRANT UNMASK ON SCHEMA::Hr TO [{READER_USER}]",
]
GRANT = f"GRANT UNMASK TO [{READER_USER}];"


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


async def _read(client: Client[Any], query: str) -> str:
    result = await client.call_tool("read_data", {"query": query})
    return str(result.content[0].text)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("query", "masked"),
    [
        ("SELECT MemberID, Email FROM dbo.Member", "dbo.Member.Email is"),
        ("SELECT AVG(Salary) AS average_salary FROM [dbo].[member]", "dbo.Member.Salary is"),
        (
            "SELECT n.Note, m.* FROM dbo.MemberNote AS n JOIN Member AS m"
            " ON m.MemberID = n.MemberID",
            "dbo.Member.Email, dbo.Member.Salary are",
        ),
        ("SELECT [card number] FROM dbo.[Order Lines]", "dbo.Order Lines.Card Number is"),
        ("SELECT Code, Pin FROM dbo.Badge", "dbo.Badge.Pin is"),  # UNMASK on Code
        ("SELECT Email FROM dbo.Members", "dbo.Member.Email is"),  # a synonym for it
    ],
)
async def test_a_read_of_masked_columns_names_them_and_the_grant(
    mcp_client: Client[Any], azsql_principal: str, query: str, masked: str
) -> None:
    """An average salary of 0 must not read as the data: the reader is told."""
    text = await _read(mcp_client, query)
    if azsql_principal == READER:
        assert f"Note: {masked} masked for this login" in text and GRANT in text, text
        # the row is masked where one is read (dbo.MemberNote has none)
        assert "ann@example.com" not in text, text
        assert ("aXXX@XXXX.com" in text) == ("Email" in query), text
    else:  # dbo holds UNMASK
        assert "masked" not in text, text
        assert ("ann@example.com" in text) == ("Email" in query), text


async def test_a_read_of_other_tables_says_nothing_and_reads_the_masks_once(
    mcp_client: Client[Any], azsql_principal: str, statements_read: list[str]
) -> None:
    # dbo.MemberNote, not dbo.Member: a longer name holding the masked table's;
    # dbo.Member's columns that are not masked, or none; a column the reader may UNMASK
    for query in (
        "SELECT Note FROM dbo.MemberNote",
        "SELECT MemberID, Name FROM dbo.Member",
        "SELECT COUNT(*) AS n FROM dbo.Member",
        "SELECT Amount FROM Hr.Pay",  # UNMASK on the schema
    ):
        text = await _read(mcp_client, query)
        assert "masked" not in text, text
    before = len(statements_read)
    for _ in range(3):
        text = await _read(mcp_client, "SELECT TOP 1 FirstName FROM SalesLT.Customer")
        assert "masked" not in text, text
    # the masked columns were read with the first call: each later one is its query alone
    assert len(statements_read) - before == 3, statements_read[before:]


async def test_health_check_names_the_masked_columns_and_the_unmask_grant(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    """A login without UNMASK reads placeholders with no error: health_check, which
    names the permissions it lacks, names this one too."""
    result = await mcp_client.call_tool("health_check", {})
    text = str(result.content[0].text)  # type: ignore[union-attr]
    notes = result.structured_content["notes"]  # type: ignore[index]
    if azsql_principal == READER:
        # not Badge.Code nor Hr.Pay.Amount, which the reader may UNMASK
        line = (
            "no UNMASK: 4 masked column(s) read masked for this login (dbo.Badge.Pin,"
            " dbo.Member.Email, dbo.Member.Salary, dbo.Order Lines.Card Number): reads"
            " return placeholders such as xxxx, 0 or 1900-01-01 for them, not the data"
            f" ({GRANT})"
        )
        assert line in notes and line in text, text
    else:  # dbo holds UNMASK
        assert "UNMASK" not in text, text
