"""catalog/versions.py: which built-ins a database lacks, from its engine, version and
compatibility level, and the message for SQL Server's error 195 or 208 on one."""

from __future__ import annotations

from typing import Any

import pytest

from azsql_mcp.api import Column, DatabaseError, QueryResult
from azsql_mcp.catalog import versions
from azsql_mcp.catalog.versions import Platform

SQL_SERVER_2016_AT_110 = Platform(3, 13, 110)


@pytest.mark.parametrize(
    ("platform", "name", "why"),
    [
        (SQL_SERVER_2016_AT_110, "STRING_SPLIT", "compatibility level 130"),
        (SQL_SERVER_2016_AT_110, "STRING_AGG", "SQL Server 2017 and later"),
        (Platform(3, 13, 130), "STRING_SPLIT", None),
        (Platform(2, 15, 150), "APPROX_COUNT_DISTINCT", None),
        (Platform(2, 15, 150), "GREATEST", "SQL Server 2022 and later"),
        (Platform(3, 16, 150), "GENERATE_SERIES", "compatibility level 160"),
        (Platform(3, 16, 160), "REGEXP_LIKE", "SQL Server 2025 and later"),
        (Platform(3, 16, 160), "REGEXP_COUNT", "SQL Server 2025 and later"),
        (Platform(3, 16, 160), "CURRENT_DATE", "SQL Server 2025 and later"),
        (Platform(3, 17, 160), "REGEXP_LIKE", "compatibility level 170"),
        (Platform(3, 17, 160), "REGEXP_COUNT", None),  # the other REGEXP_ need no level
        (Platform(3, 17, 170), "CURRENT_DATE", None),
        # Azure SQL Database reports 12, which says nothing of its built-ins
        (Platform(5, 12, 160), "GREATEST", None),
        (Platform(5, 12, 160), "REGEXP_LIKE", "compatibility level 170"),
        (Platform(5, 12, 160), "PRODUCT", None),
        (Platform(5, 12, 120), "OPENJSON", "compatibility level 130"),
        (Platform(8, 12, 160), "GREATEST", None),  # a Managed Instance: 2022's at least
        (Platform(8, 12, 160), "JSON_ARRAYAGG", "SQL Server 2025 and later"),
        (Platform(None, None, None), "STRING_AGG", None),  # nothing known: nothing said
    ],
)
def test_lacks(platform: Platform, name: str, why: str | None) -> None:
    (built_in,) = [b for b in versions.BUILT_INS if b.name == name]
    assert platform.lacks(built_in) == why


def test_missing_groups_by_why() -> None:
    text = versions.missing(SQL_SERVER_2016_AT_110)
    assert text.startswith(
        "This is SQL Server 2016 (13.x), database at compatibility level 110: do not use"
        " STRING_SPLIT, OPENJSON (need compatibility level 130); STRING_AGG, TRIM, CONCAT_WS,"
        " TRANSLATE (need SQL Server 2017 and later); APPROX_COUNT_DISTINCT (need SQL Server"
        " 2019 and later);"
    ), text
    assert versions.missing(Platform(5, 12, 170)) == ""


class _Db:
    """What missing_built_in reads: database_info's one row."""

    def __init__(self, platform: Platform | Exception) -> None:
        self.platform = platform

    async def read(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        if isinstance(self.platform, Exception):
            raise self.platform
        p = self.platform
        row = {
            "product_version": f"{p.major_version}.0.1601.5",
            "product_level": "RTM",
            "edition": "Developer",
            "engine_edition": p.engine_edition,
            "server_name": "s",
            "database_name": "d",
            "compatibility_level": p.compatibility_level,
            "collation_name": "SQL_Latin1_General_CP1_CI_AS",
            "service_objective": None,
            "data_size_mb": 1,
            "log_size_mb": 1,
        }
        return QueryResult([Column(name, "") for name in row], [tuple(row.values())])


async def test_missing_built_in_says_why_and_what_instead() -> None:
    error = DatabaseError("'TRIM' is not a recognized built-in function name.", 195)
    text = await versions.missing_built_in(_Db(SQL_SERVER_2016_AT_110), error)  # type: ignore[arg-type]
    assert text == (
        "'TRIM' is not a recognized built-in function name. TRIM needs SQL Server 2017 and"
        " later; this is SQL Server 2016 (13.x), database at compatibility level 110. Write"
        " LTRIM(RTRIM(x)) instead."
    )


async def test_current_date_as_a_name_says_what_to_write() -> None:
    error = DatabaseError("Invalid column name 'current_date'.", 207)
    text = await versions.missing_built_in(_Db(Platform(3, 16, 160)), error)  # type: ignore[arg-type]
    assert text == (
        "Invalid column name 'current_date'. CURRENT_DATE needs SQL Server 2025 and later;"
        " this is SQL Server 2022 (16.x), database at compatibility level 160. Write"
        " CAST(GETDATE() AS date) instead."
    )
    assert await versions.missing_built_in(_Db(Platform(3, 17, 170)), error) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "error",
    [
        DatabaseError("Invalid object name 'dbo.Missing'.", 208),  # a table: unknown_name's
        DatabaseError("'CURRENT_DATE' is not a recognized built-in function name.", 195),
        DatabaseError("'TRIM' is not a recognized built-in function name.", 195),  # has it
        DatabaseError("Invalid column name 'STRING_AGG'.", 207),
    ],
)
async def test_missing_built_in_leaves_other_errors(error: DatabaseError) -> None:
    assert await versions.missing_built_in(_Db(Platform(3, 16, 160)), error) is None  # type: ignore[arg-type]


async def test_a_failed_read_leaves_sql_servers_text_alone() -> None:
    error = DatabaseError("Invalid object name 'STRING_SPLIT'.", 208)
    failed = _Db(DatabaseError("denied", 229))
    assert await versions.missing_built_in(failed, error) is None  # type: ignore[arg-type]
