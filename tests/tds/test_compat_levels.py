"""--edition sql-server-2016/2017/2019 and --compat-level: what the server reports, and
the built-ins an older version or a lower compatibility level lacks, refused as SQL
Server refuses them (tds_test_server/compat_levels.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from engine_helpers import rows

from tds_test_server.cli import build_parser, main
from tds_test_server.editions import (
    AZURE_SQL_DATABASE,
    SQL_SERVER_2016,
    SQL_SERVER_2017,
    SQL_SERVER_2019,
    SQL_SERVER_2022,
    Edition,
)
from tds_test_server.engine.engine import Engine, EngineSession
from tds_test_server.principals import Principal
from tds_test_server.results import SessionInfo, TdsError


@pytest.fixture
def session(request: pytest.FixtureRequest) -> Iterator[EngineSession]:
    edition: Edition = request.param
    with Engine(edition=edition) as eng:
        s = eng.session(SessionInfo(spid=51, user="sa", database="db"))
        yield s
        s.close()


TRIMMED = "' a '"


def refused(session: EngineSession, sql: str) -> tuple[int, str]:
    with pytest.raises(TdsError) as caught:
        rows(session, sql)
    return caught.value.number, caught.value.message


@pytest.mark.parametrize("session", [SQL_SERVER_2016.at_level(110)], indirect=True)
def test_version_and_level_are_reported(session: EngineSession) -> None:
    assert rows(session, "SELECT CAST(SERVERPROPERTY('ProductMajorVersion') AS int)") == [(13,)]
    assert rows(session, "SELECT compatibility_level FROM sys.databases WHERE database_id = 1") == [
        (130,)
    ]
    assert rows(
        session, "SELECT compatibility_level FROM sys.databases WHERE database_id = DB_ID()"
    ) == [(110,)]


@pytest.mark.parametrize(
    "session", [SQL_SERVER_2016.at_level(120), AZURE_SQL_DATABASE.at_level(110)], indirect=True
)
@pytest.mark.parametrize(
    "sql", ["SELECT value FROM STRING_SPLIT('a,b', ',')", "SELECT [key] FROM OPENJSON('[1]')"]
)
def test_table_functions_below_level_130_are_not_found(session: EngineSession, sql: str) -> None:
    number, message = refused(session, sql)
    assert number == 208
    assert message.startswith("Invalid object name '")


@pytest.mark.parametrize("session", [SQL_SERVER_2016], indirect=True)
@pytest.mark.parametrize("name", ["STRING_AGG", "TRIM", "CONCAT_WS", "GREATEST"])
def test_later_built_ins_are_not_recognized(session: EngineSession, name: str) -> None:
    args = {"STRING_AGG": "name, ','", "CONCAT_WS": "',', 'a', 'b'", "GREATEST": "1, 2"}
    sql = f"SELECT {name}({args.get(name, TRIMMED)}) FROM sys.objects"
    assert refused(session, sql) == (195, f"'{name}' is not a recognized built-in function name.")


@pytest.mark.parametrize("session", [SQL_SERVER_2019], indirect=True)
def test_a_name_in_a_string_or_a_user_function_is_not_a_built_in(session: EngineSession) -> None:
    assert rows(session, "SELECT STRING_AGG(N'x', N',') WHERE 'GREATEST(1)' <> ''") == [("x",)]
    assert refused(session, "SELECT GREATEST(1, 2)")[0] == 195


@pytest.mark.parametrize("session", [SQL_SERVER_2022, AZURE_SQL_DATABASE], indirect=True)
def test_the_newest_level_has_them_all(session: EngineSession) -> None:
    assert rows(session, "SELECT TRIM(' a '), GREATEST(1, 2)") == [("a", 2)]
    assert rows(session, "SELECT value FROM STRING_SPLIT('a', ',')") == [("a",)]


SQL_SERVER_2025_CALLS = [
    "REGEXP_LIKE('a', 'a')",
    "REGEXP_REPLACE('a', 'a', 'b')",
    "REGEXP_SUBSTR('ab', 'b')",
    "REGEXP_COUNT('banana', 'a')",
    "REGEXP_INSTR('ab', 'b')",
    "UNISTR(N'\\00C0')",
    "BASE64_ENCODE(0xA9)",
    "BASE64_DECODE('qQ==')",
    "EDIT_DISTANCE('Colour', 'Color')",
    "EDIT_DISTANCE_SIMILARITY('Colour', 'Color')",
    "JARO_WINKLER_DISTANCE('a', 'b')",
    "JARO_WINKLER_SIMILARITY('a', 'b')",
]


@pytest.mark.parametrize("session", [SQL_SERVER_2022], indirect=True)
@pytest.mark.parametrize("call", SQL_SERVER_2025_CALLS)
def test_2025_built_ins_are_not_recognized_by_2022(session: EngineSession, call: str) -> None:
    name = call.split("(")[0]
    assert refused(session, f"SELECT {call}") == (
        195,
        f"'{name}' is not a recognized built-in function name.",
    )


@pytest.mark.parametrize("session", [SQL_SERVER_2022], indirect=True)
def test_2025_aggregates_are_not_recognized_by_2022(session: EngineSession) -> None:
    values = "FROM (VALUES ('a', 2)) AS t(k, v)"
    assert refused(session, f"SELECT product(v) {values}")[1] == (
        "'product' is not a recognized built-in function name."
    )
    assert refused(session, f"SELECT JSON_OBJECTAGG(k:v) {values}")[0] == 195
    assert refused(session, f"SELECT JSON_ARRAYAGG(v) {values}")[0] == 195


@pytest.mark.parametrize("session", [SQL_SERVER_2022, SQL_SERVER_2016], indirect=True)
def test_current_date_is_an_unknown_column_before_2025(session: EngineSession) -> None:
    assert refused(session, "SELECT CURRENT_DATE") == (207, "Invalid column name 'CURRENT_DATE'.")
    assert refused(session, "SELECT 1 WHERE current_date > '2000-01-01'")[1] == (
        "Invalid column name 'current_date'."
    )
    # a bracketed name is a column's, never the built-in
    rows(session, "CREATE TABLE dbo.dated ([CURRENT_DATE] date)")
    assert rows(session, "SELECT [CURRENT_DATE], d.[CURRENT_DATE] FROM dbo.dated AS d") == []


@pytest.mark.parametrize("session", [AZURE_SQL_DATABASE], indirect=True)
def test_azure_sql_database_has_2025_built_ins_at_level_170(session: EngineSession) -> None:
    level = "SELECT compatibility_level FROM sys.databases WHERE name = DB_NAME()"
    assert rows(session, level) == [(170,)]
    assert rows(session, "SELECT REGEXP_LIKE('a', 'a'), CAST(CURRENT_DATE AS date)") != []


@pytest.mark.parametrize("session", [AZURE_SQL_DATABASE.at_level(160)], indirect=True)
def test_regexp_like_needs_level_170_the_other_regexp_functions_do_not(
    session: EngineSession,
) -> None:
    assert refused(session, "SELECT REGEXP_LIKE('a', 'a')")[0] == 195
    assert rows(session, "SELECT REGEXP_COUNT('banana', 'a'), PRODUCT(2)") == [(3, 2)]


@pytest.mark.parametrize(
    ("session", "number"),
    [
        (SQL_SERVER_2017, 8152),
        (SQL_SERVER_2019.at_level(140), 8152),
        (AZURE_SQL_DATABASE.at_level(140), 8152),
        (SQL_SERVER_2019, 2628),
        (SQL_SERVER_2022.at_level(150), 2628),
    ],
    indirect=["session"],
)
def test_truncation_is_8152_below_level_150(session: EngineSession, number: int) -> None:
    rows(session, "CREATE TABLE dbo.short (code varchar(3))")
    for sql in ("INSERT INTO dbo.short VALUES ('abcd')", "UPDATE dbo.short SET code = 'wxyz'"):
        if sql.startswith("UPDATE"):
            rows(session, "INSERT INTO dbo.short VALUES ('abc')")
        got, message = refused(session, sql)
        assert got == number
        if number == 8152:
            assert message == "String or binary data would be truncated."
        else:
            assert "in table 'db.dbo.short', column 'code'. Truncated value:" in message


@pytest.mark.parametrize(
    ("session", "ltrim", "distinct"),
    [
        (SQL_SERVER_2019, 174, 156),
        (SQL_SERVER_2022.at_level(150), 174, None),
        (AZURE_SQL_DATABASE.at_level(150), 174, None),
        (SQL_SERVER_2022, None, None),
    ],
    indirect=["session"],
)
def test_2022_forms_need_2022_and_level_160(
    session: EngineSession, ltrim: int | None, distinct: int | None
) -> None:
    assert rows(session, "SELECT LTRIM('  a'), RTRIM(LTRIM(' b '))") == [("a", "b")]
    trimmed = "SELECT LTRIM('xxa', 'x'), RTRIM('ayy', 'y')"
    distinct_from = "SELECT 1 WHERE 1 IS NOT DISTINCT FROM 1"
    if ltrim is None:
        assert rows(session, trimmed) == [("a", "a")]
    else:
        assert refused(session, trimmed) == (174, "The ltrim function requires 1 argument(s).")
    if distinct is None:
        assert rows(session, distinct_from) == [(1,)]
    else:
        assert refused(session, distinct_from) == (
            156,
            "Incorrect syntax near the keyword 'DISTINCT'.",
        )


@pytest.mark.parametrize(
    ("session", "level_160", "ordinal"),
    [
        (SQL_SERVER_2019, False, False),
        (SQL_SERVER_2022.at_level(150), False, True),
        (AZURE_SQL_DATABASE.at_level(150), False, True),
        (SQL_SERVER_2022, True, True),
    ],
    indirect=["session"],
)
def test_window_trim_sides_and_ordinal_need_2022(
    session: EngineSession, level_160: bool, ordinal: bool
) -> None:
    """ "SELECT - WINDOW" and TRIM's LEADING/TRAILING/BOTH need level 160; STRING_SPLIT's
    enable_ordinal SQL Server 2022 (an older STRING_SPLIT takes two arguments)."""
    window = "SELECT SUM(v) OVER w FROM (VALUES (1), (2)) AS t(v) WINDOW w AS (ORDER BY v)"
    trim = "SELECT TRIM(LEADING 'x' FROM 'xxa')"
    split = "SELECT value, ordinal FROM STRING_SPLIT('a,b', ',', 1)"
    if level_160:
        assert rows(session, window) == [(1,), (3,)]
        assert rows(session, trim) == [("a",)]
    else:
        assert refused(session, window) == (102, "Incorrect syntax near 'WINDOW'.")
        assert refused(session, trim) == (102, "Incorrect syntax near 'LEADING'.")
    if ordinal:
        assert rows(session, split) == [("a", 1), ("b", 2)]
    else:
        assert refused(session, split)[0] == 8144
    # a column or alias named window is no WINDOW clause
    assert rows(session, "SELECT window FROM (SELECT 1 AS window) AS window") == [(1,)]


def test_a_level_the_version_lacks_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="100, 110, 120, 130; got 140"):
        SQL_SERVER_2016.at_level(140)
    with pytest.raises(SystemExit):
        main(["--edition", "sql-server-2016", "--compat-level", "150"])
    assert "--compat-level: Microsoft SQL Server 2016 supports" in capsys.readouterr().err
    args = build_parser().parse_args(["--edition", "sql-server-2019", "--compat-level", "110"])
    assert args.compat_level == 110


READER = Principal("reader", "pw")
WATCHER = Principal("watcher", "pw", frozenset({"VIEW_SERVER_STATE"}))
STATE = (
    "SELECT HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER STATE'),"
    " HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER PERFORMANCE STATE'),"
    " HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'VIEW DATABASE PERFORMANCE STATE')"
)


@pytest.mark.parametrize(
    ("edition", "expected"),
    [(SQL_SERVER_2019, (1, None, None)), (SQL_SERVER_2022, (1, 1, 1))],
)
def test_2022_permission_names_are_unknown_before_2022(
    edition: Edition, expected: tuple[int | None, ...]
) -> None:
    with Engine(edition=edition) as eng:
        s = eng.session(SessionInfo(spid=52, user="w", database="db", principal=WATCHER))
        assert rows(s, STATE) == [expected]
        s.close()


def test_dmvs_ask_view_server_state_before_2022() -> None:
    with Engine(edition=SQL_SERVER_2019) as eng:
        s = eng.session(SessionInfo(spid=53, user="r", database="db", principal=READER))
        with pytest.raises(TdsError) as caught:
            rows(s, "SELECT text FROM sys.dm_exec_sql_text(0x01)")
        (denied,) = caught.value.preceding
        assert denied.message == (
            "VIEW SERVER STATE permission was denied on object 'server', database 'master'."
        )
        s.close()


def test_a_2022_permission_cannot_be_granted_before_2022() -> None:
    performance = Principal("p", "pw", frozenset({"VIEW_SERVER_PERFORMANCE_STATE"}))
    with pytest.raises(ValueError, match="SQL Server 2022's; Microsoft SQL Server 2019 has"):
        SQL_SERVER_2019.check_grants(performance)
    SQL_SERVER_2022.check_grants(performance)
