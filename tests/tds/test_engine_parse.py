"""PARSE and TRY_PARSE with USING culture ("PARSE (Transact-SQL)"): the page's examples,
the four cultures the test server knows, NULL for TRY_PARSE, 9819 and 40517; and 40517,
not a syntax error, for the other forms sqlglot cannot parse, which the test server lacks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from engine_helpers import rows, run

from tds_test_server.engine.engine import Engine, EngineSession
from tds_test_server.results import ColumnType, Param, SessionInfo, TdsError


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine() as eng:
        yield eng


@pytest.fixture
def session(engine: Engine) -> Iterator[EngineSession]:
    s = engine.session(SessionInfo(spid=51, user="sa", database="master"))
    yield s
    s.close()


@pytest.mark.parametrize(
    ("call", "value"),
    [
        # the page's examples A, B and C (C under the session's us_english)
        (
            "PARSE('Monday, 13 December 2010' AS datetime2 USING 'en-US')",
            dt.datetime(2010, 12, 13),
        ),
        ("PARSE(N'€345,98' AS money USING 'de-DE')", Decimal("345.9800")),
        ("PARSE('12/16/2010' AS datetime2)", dt.datetime(2010, 12, 16)),
        ("PARSE('01/03/2012' AS date USING 'en-GB')", dt.date(2012, 3, 1)),
        ("PARSE('01/03/2012' AS date USING 'en-US')", dt.date(2012, 1, 3)),
        (
            "PARSE('16.12.2010 14:05:07' AS datetime USING 'de-DE')",
            dt.datetime(2010, 12, 16, 14, 5, 7),
        ),
        ("PARSE(N'lundi 13 décembre 2010' AS date USING 'fr-FR')", dt.date(2010, 12, 13)),
        ("PARSE('13. Dez. 2010' AS date USING 'de-DE')", dt.date(2010, 12, 13)),
        (
            "PARSE('2010-12-13 2:05 PM' AS datetime2 USING 'de-DE')",
            dt.datetime(2010, 12, 13, 14, 5),
        ),
        ("PARSE('1.234,5' AS decimal(10, 2) USING 'de-DE')", Decimal("1234.50")),
        ("PARSE(N'1 234,5' AS decimal(10, 2) USING 'fr-FR')", Decimal("1234.50")),
        ("PARSE('1,234.5' AS decimal(10, 2) USING 'en-GB')", Decimal("1234.50")),
        ("PARSE('(£12.50)' AS money USING 'en-GB')", Decimal("-12.5000")),
        ("PARSE('1,5E3' AS float USING 'de-DE')", 1500.0),
        ("PARSE(' 42- ' AS int USING 'en-US')", -42),
        ("PARSE('7' AS int USING 'EN-us')", 7),
        ("TRY_PARSE('1,5' AS int USING 'fr-FR')", None),  # 1.5 is no integer
        ("TRY_PARSE('13/16/2010' AS date USING 'en-US')", None),
        ("TRY_PARSE('Tuesday, 13 December 2010' AS date USING 'en-US')", None),  # a Monday
        ("TRY_PARSE('1,234.5' AS float USING 'en-US')", None),  # Float has no groups
        ("TRY_PARSE('300' AS tinyint USING 'en-US')", None),
    ],
)
def test_parse_in_a_culture(session: EngineSession, call: str, value: Any) -> None:
    assert rows(session, f"SELECT {call} AS v") == [(value,)]


def test_the_result_is_typed_as_the_as_type(session: EngineSession) -> None:
    [(columns, _)] = run(
        session,
        "SELECT PARSE('1' AS decimal(9, 3) USING 'en-US') AS a,"
        " TRY_PARSE('2010-12-13' AS datetime2(3) USING 'de-DE') AS b",
    )
    assert [(c.type.name, c.type.precision, c.type.scale) for c in columns] == [
        ("numeric", 9, 3),
        ("datetime2", None, 3),
    ]


def test_a_null_parameter_gives_null(session: EngineSession) -> None:
    assert rows(
        session,
        "SELECT PARSE(@v AS int USING 'de-DE') AS v",
        [Param("@v", ColumnType("nvarchar", 20), None)],
    ) == [(None,)]


def test_a_string_the_culture_does_not_read_is_9819(session: EngineSession) -> None:
    with pytest.raises(TdsError) as raised:
        run(session, "SELECT PARSE('1.234,5' AS decimal(10, 2) USING 'en-US') AS v")
    assert raised.value.number == 9819
    assert "'1.234,5' into data type decimal using culture 'en-US'" in str(raised.value)


@pytest.mark.parametrize("call", ["PARSE", "TRY_PARSE"])
def test_another_culture_is_40517(session: EngineSession, call: str) -> None:
    with pytest.raises(TdsError) as raised:
        run(session, f"SELECT {call}('1' AS int USING 'ja-JP') AS v")
    assert raised.value.number == 40517
    assert "ja-JP" in str(raised.value)


def test_a_british_session_reads_days_first(session: EngineSession) -> None:
    run(session, "SET LANGUAGE British")
    assert rows(session, "SELECT PARSE('01/03/2012' AS date) AS v") == [(dt.date(2012, 3, 1),)]


def test_a_clr_types_parse_method_is_still_its_own(session: EngineSession) -> None:
    assert rows(session, "SELECT hierarchyid::Parse('/1/').ToString() AS h") == [("/1/",)]


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("WITH XMLNAMESPACES ('uri:x' AS ns) SELECT 1 AS a", "WITH XMLNAMESPACES"),
        ("SELECT 1 AS a WHERE CONTAINS(c, 'x', LANGUAGE 1033)", "CONTAINS"),
        ("SELECT 1 AS a WHERE FREETEXT(*, 'x')", "FREETEXT"),
        ("SELECT 1 AS a FROM CHANGETABLE(CHANGES dbo.t, 0) AS ct", "CHANGETABLE"),
        ("SELECT 1 AS a FROM CHANGETABLE(VERSION dbo.t, (id), (1)) AS ct", "CHANGETABLE"),
    ],
)
def test_forms_the_test_server_lacks_are_40517(
    session: EngineSession, sql: str, named: str
) -> None:
    with pytest.raises(TdsError) as raised:
        run(session, sql)
    assert raised.value.number == 40517
    assert str(raised.value).startswith(named + " is not supported")
