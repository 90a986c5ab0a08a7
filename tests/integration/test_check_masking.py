"""`azsql-mcp check` on dynamic data masking, as both logins through both drivers: a
login without UNMASK reads masked columns as placeholders with no error, so check names
them with the GRANT (as health_check does); dbo holds UNMASK and reads them as they are.
The reader holds SQL Server 2022's granular UNMASK on one column and on one schema,
whose columns it reads unmasked."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.diagnostics.check import run_check
from azsql_mcp.testing.pytest_plugin import (
    DRIVERS,
    PRINCIPALS,
    READER,
    READER_USER,
    TEST_SOURCE,
    sample_tds_server,
    source_config,
)
from tds_test_server import ThreadedTdsServer

pytestmark = [
    pytest.mark.parametrize("azsql_principal", PRINCIPALS, indirect=True),
    pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True),
]
SETUP = [
    "CREATE TABLE dbo.Member (MemberID int NOT NULL PRIMARY KEY,"
    " Email varchar(100) MASKED WITH (FUNCTION = 'email()') NULL,"
    " Salary money MASKED WITH (FUNCTION = 'default()') NULL)",
    "CREATE TABLE dbo.Badge (BadgeID int NOT NULL,"
    " Code varchar(10) MASKED WITH (FUNCTION = 'default()') NULL,"
    " Pin varchar(10) MASKED WITH (FUNCTION = 'default()') NULL)",
    f"GRANT UNMASK ON dbo.Badge (Code) TO [{READER_USER}]",
    "CREATE SCHEMA Hr",
    "CREATE TABLE Hr.Pay (PayID int NOT NULL, Amount money MASKED WITH (FUNCTION = 'default()'))",
    f"GRANT UNMASK ON SCHEMA::Hr TO [{READER_USER}]",
]


@pytest.fixture(scope="module")
def masked_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


async def check(server: ThreadedTdsServer, password: str, principal: str, driver: str) -> str:
    config: dict[str, Any] = {
        "sources": {TEST_SOURCE: source_config(server, password, principal, driver)}
    }
    out = io.StringIO()
    code = await run_check(settings_from_mapping(config), None, out)
    text = out.getvalue()
    assert code == 0, text  # a warning: reads work, their values are placeholders
    return text


async def test_masked_columns_read_masked_are_warned_of_with_the_grant(
    masked_server: ThreadedTdsServer, tds_password: str, azsql_principal: str, azsql_driver: str
) -> None:
    text = await check(masked_server, tds_password, azsql_principal, azsql_driver)
    if azsql_principal == READER:
        assert (
            "warn  masking: no UNMASK: 3 masked column(s) read masked for this login"
            " (dbo.Badge.Pin, dbo.Member.Email, dbo.Member.Salary)"
        ) in text, text
        assert f"(GRANT UNMASK TO [{READER_USER}];)" in text, text
        assert "Badge.Code" not in text and "Hr.Pay" not in text  # granted on them
    else:  # dbo holds UNMASK
        assert "ok    masking: no masked column is read masked by this login" in text, text


async def test_unmask_granted_on_the_database_is_fine_for_the_reader(
    tds_password: str, azsql_principal: str, azsql_driver: str
) -> None:
    """A reader granted UNMASK on the database (the only UNMASK before SQL Server 2022)
    reads every masked column as it is."""
    with sample_tds_server(tds_password, [*SETUP, f"GRANT UNMASK TO [{READER_USER}]"]) as server:
        text = await check(server, tds_password, azsql_principal, azsql_driver)
    assert "ok    masking: no masked column is read masked by this login" in text, text


async def test_a_database_without_masks_is_fine_for_either_login(
    tds_server: ThreadedTdsServer, tds_password: str, azsql_principal: str, azsql_driver: str
) -> None:
    text = await check(tds_server, tds_password, azsql_principal, azsql_driver)
    assert "ok    masking: no masked column is read masked by this login" in text, text


@pytest.mark.parametrize(
    ("error", "line"),
    [
        # sys.masked_columns is SQL Server 2016's: an earlier server has no masking
        (208, "ok    masking: this server has no dynamic data masking"),
        (229, "warn  masking: could not list the masked columns: "),
    ],
)
async def test_a_failed_list_is_a_note_not_a_failure(
    tds_server: ThreadedTdsServer,
    tds_password: str,
    azsql_principal: str,
    azsql_driver: str,
    error: int,
    line: str,
) -> None:
    with tds_server.faulted(f"error:{error}@query~sys.masked_columns"):
        text = await check(tds_server, tds_password, azsql_principal, azsql_driver)
    assert line in text, text
    assert "all checks passed" in text
