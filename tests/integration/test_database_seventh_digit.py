"""datetime2(7), time(7) and datetimeoffset(7) keep their seventh (100 ns) fraction digit
from the driver to the server's values, through both ODBC drivers and both executors
(the driver process pickles them across; threads of the server's own process do not).
Also prints what decoding them costs on a 100-row read (not asserted)."""

from __future__ import annotations

import datetime as dt
import struct
import timeit
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pyodbc
import pytest
from driver_databases import DRIVER_IDS, DRIVERS, make_db

from azsql_mcp.db import odbc_temporal
from azsql_mcp.db.database import SourceDatabase
from azsql_mcp.values import records, rows_to_json, to_json_value
from tds_test_server import ThreadedTdsServer, find_msodbc_driver

# (column, type, value stored, ISO text read back)
MOMENTS = [
    ("at", "datetime2(7)", "2024-01-02 03:04:05.1234567", "2024-01-02T03:04:05.1234567"),
    ("clock", "time(7)", "00:00:00.0000001", "00:00:00.0000001"),
    (
        "stamp",
        "datetimeoffset(7)",
        "0001-01-01 00:00:00.9999999 -08:00",
        "0001-01-01T00:00:00.9999999-08:00",
    ),
]
SELECT = "SELECT " + ", ".join(f"CAST('{v}' AS {t}) AS {c}" for c, t, v, _ in MOMENTS)


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=True) as srv:
        yield srv


@pytest.fixture(params=DRIVERS, ids=DRIVER_IDS)
async def db(request: pytest.FixtureRequest, server: ThreadedTdsServer) -> AsyncIterator[Any]:
    database = make_db(server, driver=request.param)
    yield database
    await database.close()


async def test_driver_values_keep_the_seventh_digit(db: SourceDatabase) -> None:
    result = await db.read(SELECT + ", CAST(NULL AS datetime2(7)) AS missing")
    assert [c.sql_type for c in result.columns] == [t for _, t, _, _ in MOMENTS] + ["datetime2(7)"]
    (row,) = records(result)
    at, clock, stamp = row["at"], row["clock"], row["stamp"]
    assert isinstance(at, dt.datetime) and at.microsecond == 123456 and at.nanosecond == 700
    assert isinstance(clock, dt.time) and clock.microsecond == 0 and clock.nanosecond == 100
    assert stamp.utcoffset() == dt.timedelta(hours=-8) and stamp.nanosecond == 900
    assert [str(row[c]) for c, _, _, _ in MOMENTS] == [
        "2024-01-02 03:04:05.1234567",
        "00:00:00.0000001",
        "0001-01-01 00:00:00.9999999-08:00",
    ]
    assert [to_json_value(row[c]) for c, _, _, _ in MOMENTS] == [t for _, _, _, t in MOMENTS]
    assert row["missing"] is None


async def test_json_values_keep_the_seventh_digit(db: SourceDatabase) -> None:
    """Converted where they are fetched, as read_data reads them, and alike after."""
    plain = await db.read(SELECT)
    converted = await db.read(SELECT, json_values=True)
    assert converted.rows == rows_to_json(plain.rows) == [[t for _, _, _, t in MOMENTS]]


async def test_other_dates_and_times_are_as_before(db: SourceDatabase) -> None:
    """A zero seventh digit, datetime2(3), datetime and smalldatetime come as pyodbc made
    them: plain datetimes, to the microsecond, the millisecond or the minute."""
    result = await db.read(
        "SELECT CAST('2024-01-02 03:04:05.1234560' AS datetime2(7)) AS whole,"
        " CAST('2024-01-02 03:04:05.123' AS datetime2(3)) AS ms,"
        " CAST('1900-01-01 23:59:59.997' AS datetime) AS legacy,"
        " CAST('1753-01-01 00:00:00.003' AS datetime) AS earliest,"
        " CAST('2024-01-02 03:04:29.998' AS smalldatetime) AS small,"
        " CAST('23:59:59' AS time(0)) AS clock"
    )
    assert result.rows == [
        (
            dt.datetime(2024, 1, 2, 3, 4, 5, 123456),
            dt.datetime(2024, 1, 2, 3, 4, 5, 123000),
            dt.datetime(1900, 1, 1, 23, 59, 59, 997000),
            dt.datetime(1753, 1, 1, 0, 0, 0, 3000),
            dt.datetime(2024, 1, 2, 3, 4),
            dt.time(23, 59, 59),
        )
    ]
    assert {type(v) for v in result.rows[0]} == {dt.datetime, dt.time}
    assert [c.sql_type for c in result.columns] == [
        "datetime2(7)",
        "datetime2(3)",
        "datetime",
        "datetime",
        "smalldatetime",
        "time(0)",
    ]  # fmt: skip  (the driver names datetime2(3), which ODBC describes as datetime)


def test_legacy_datetime_decodes_as_the_drivers_convert_it(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """Every millisecond of a second, and the last of a day: what pyodbc made of a
    datetime before (the driver's own conversion) is what the decoder makes of its bytes."""
    values = ", ".join(f"CAST('2024-02-29 23:59:59.{ms:03d}' AS datetime)" for ms in range(1000))
    with pyodbc.connect(server.odbc_connection_string(driver=odbc_driver), autocommit=True) as cn:
        expected = list(cn.execute(f"SELECT {values}").fetchone())
        cn.add_output_converter(odbc_temporal.SQL_TYPE_TIMESTAMP, odbc_temporal.timestamp)
        assert list(cn.execute(f"SELECT {values}").fetchone()) == expected


@pytest.fixture(params=["msodbc", "freetds"])
def odbc_driver(request: pytest.FixtureRequest) -> str:
    if request.param == "msodbc" and find_msodbc_driver() is None:
        pytest.skip("Microsoft ODBC Driver 18 (package mssql-python-odbc) is not installed")
    return str(request.param)


def test_decoding_cost_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    """What the converter costs on a 100-row read of four datetime2(7) columns, three
    with a seventh digit and one without (printed, not asserted)."""
    pack = struct.Struct("<6hI").pack
    raw = [pack(2024, 1, 2, 3, 4, 5, 123456000 + (i % 4 != 3) * 700) for i in range(400)]

    def decode() -> list[Any]:
        return list(map(odbc_temporal.timestamp, raw))

    runs = 200
    seconds = min(timeit.repeat(decode, number=runs, repeat=5)) / runs
    values = decode()
    rows = [values[i : i + 4] for i in range(0, 400, 4)]
    json_s = min(timeit.repeat(lambda: rows_to_json(rows), number=runs, repeat=5)) / runs
    with capsys.disabled():
        print(
            f"\n100 rows x 4 datetime2(7): decoding {seconds * 1e6:.0f} us,"
            f" rows_to_json {json_s * 1e6:.0f} us"
        )
