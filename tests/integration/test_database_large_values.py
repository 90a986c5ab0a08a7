"""Large values (documents and images) in reads capped at max_result_bytes, through
Microsoft's ODBC Driver 18 and FreeTDS: the session's SET TEXTSIZE makes the server send
no more of a varbinary(max) or nvarchar(max) value than four times the cap and four, so a
huge one is never read whole, and a value cut there never shows as whole."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pyodbc
import pytest
from driver_databases import DRIVER_IDS, DRIVERS, make_db

from azsql_mcp import Security
from azsql_mcp.api import WorkRefused
from azsql_mcp.db.database import SourceDatabase
from tds_test_server import ThreadedTdsServer

CAP = 1024  # max_result_bytes: the least it takes
TEXTSIZE = 4 * CAP + 4  # what reads capped at CAP set
BIG = 100_000  # bytes of each large value, far over TEXTSIZE
PROCEDURE = "CREATE PROCEDURE dbo.get_images AS SELECT id, image FROM dbo.attachments ORDER BY id"


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=False) as srv:
        cnxn = pyodbc.connect(srv.odbc_connection_string("freetds"), autocommit=True)
        cnxn.execute(
            "CREATE TABLE dbo.attachments (id int PRIMARY KEY, image varbinary(max),"
            " body nvarchar(max), small varbinary(max))"
        )
        for row in (1, 2, 3):
            cnxn.execute(
                "INSERT dbo.attachments SELECT ?, CAST(REPLICATE(CAST('b' AS varchar(max)), ?)"
                " AS varbinary(max)), REPLICATE(CAST(N'd' AS nvarchar(max)), ?), 0x0102",
                row,
                BIG,
                BIG,
            )
        cnxn.execute(PROCEDURE)
        cnxn.close()
        yield srv


@pytest.fixture(params=DRIVERS, ids=DRIVER_IDS)
async def db(request: pytest.FixtureRequest, server: ThreadedTdsServer) -> AsyncIterator[Any]:
    database = make_db(server, driver=request.param, max_result_bytes=CAP)
    yield database
    await database.close()


async def test_a_binary_value_the_server_cut_says_so(db: SourceDatabase) -> None:
    result = await db.read("SELECT id, image FROM dbo.attachments ORDER BY id", json_values=True)
    # the server sent TEXTSIZE bytes of it, not 100,000, and the text does not claim all
    assert result.rows[0][1].endswith(f"...(at least {TEXTSIZE} bytes)")
    # the binary bytes a page reads stop at TEXTSIZE after its first row
    assert (len(result.rows), result.truncated) == (1, True)


async def test_small_binary_values_are_whole(db: SourceDatabase) -> None:
    result = await db.read("SELECT id, small FROM dbo.attachments ORDER BY id", json_values=True)
    assert [row[1] for row in result.rows] == ["0x0102"] * 3
    assert not result.truncated


async def test_a_row_with_a_cut_document_is_refused_with_what_to_select(
    db: SourceDatabase,
) -> None:
    with pytest.raises(WorkRefused) as refused:
        await db.read("SELECT id, body FROM dbo.attachments ORDER BY id", json_values=True)
    message = str(refused.value)
    assert f"'body' holds at least {TEXTSIZE // 2} characters" in message
    assert "LEFT(col, 1000)" in message and "DATALENGTH(col)" in message


async def test_a_document_beyond_the_bmp_cut_by_the_server_is_refused_too(
    db: SourceDatabase,
) -> None:
    """Four bytes a character (UTF-16 beyond the BMP, or UTF-8): cut at TEXTSIZE, the
    value is still over the cap, so it does not show as if whole."""
    emoji = "SELECT REPLICATE(CAST(N'\U0001f600' AS nvarchar(max)), 100000) AS emoji"
    with pytest.raises(WorkRefused, match=f"'emoji' holds at least {TEXTSIZE // 4} characters"):
        await db.read(emoji, json_values=True)


async def test_a_procedures_result_set_is_cut_too(db: SourceDatabase) -> None:
    result = await db.call_procedure("dbo.get_images")
    (images,) = result.result_sets
    assert images.rows[0][1].endswith(f"...(at least {TEXTSIZE} bytes)")


async def test_a_plan_is_whole_after_a_read_set_the_textsize(db: SourceDatabase) -> None:
    await db.read("SELECT id FROM dbo.attachments")  # the session's TEXTSIZE is set
    plan = await db.explain(
        "SELECT a.id, b.image FROM dbo.attachments a JOIN dbo.attachments b ON b.id = a.id"
    )
    assert len(plan) > TEXTSIZE // 2  # the plan (nvarchar(max)) is longer than it
    assert plan.rstrip().endswith("</ShowPlanXML>")


@pytest.mark.parametrize("driver", DRIVERS, ids=DRIVER_IDS)
async def test_output_rows_cut_by_a_reads_textsize_say_so(
    server: ThreadedTdsServer, driver: str | None
) -> None:
    db = make_db(server, driver=driver, security=Security(read_only=False), max_result_bytes=CAP)
    try:
        await db.read("SELECT id FROM dbo.attachments")  # the session's TEXTSIZE is set
        written = await db.write(
            "UPDATE dbo.attachments SET small = 0x03 OUTPUT inserted.id, inserted.image"
            " WHERE id = 1",
            kinds=["update"],
            json_values=True,
        )
        assert written.rows[0][1].endswith(f"...(at least {TEXTSIZE} bytes)")
    finally:
        await db.close()
