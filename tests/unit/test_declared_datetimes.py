"""Dates and times SQL Server would round or refuse, judged as they are bound: an aware
value in UTC (but for a datetimeoffset), a date at midnight."""

from __future__ import annotations

import datetime as dt

import pytest

from azsql_mcp.plugins.builtin_declared.datetimes import (
    refuse_finer_than_milliseconds,
    refuse_untimely,
)

UTC_PLUS_2 = dt.timezone(dt.timedelta(hours=2))


@pytest.mark.parametrize(
    ("value", "base", "scale", "says"),
    [
        (dt.datetime(1753, 1, 1, 1, tzinfo=UTC_PLUS_2), "datetime", 3, "outside the range"),
        (dt.date(1899, 12, 31), "smalldatetime", 0, "outside the range"),
        (dt.datetime(2079, 6, 7), "smalldatetime", 0, "outside the range"),
        (dt.datetime(2024, 1, 2, 3, 4, 0, 1), "smalldatetime", 0, "whole minutes"),
        (dt.datetime(2024, 1, 2, 3, 4, 5, 2000), "datetime", 3, "end in 0, 3 or 7"),
        (dt.datetime(2024, 1, 2, 3, 4, 5, 3500), "datetime", 3, "end in 0, 3 or 7"),
        (dt.datetime(2024, 1, 2, 3, 4, 5, 10), "datetime2", 4, "holds 4 decimals"),
        (dt.datetime(2024, 1, 2, 3, 4, 5, 500000, UTC_PLUS_2), "datetimeoffset", 0, "0 decimals"),
    ],
)
def test_what_its_type_would_change_is_refused(
    value: dt.date, base: str, scale: int, says: str
) -> None:
    reason = refuse_untimely(value, "@v", base, scale)
    assert reason is not None and says in reason and reason.startswith("@v is ")


@pytest.mark.parametrize(
    ("value", "base", "scale"),
    [
        (dt.datetime(1753, 1, 1, 3, tzinfo=UTC_PLUS_2), "datetime", 3),  # 01:00 UTC
        (dt.datetime(9999, 12, 31, 23, 59, 59, 997000), "datetime", 3),
        (dt.date(1900, 1, 1), "smalldatetime", 0),
        (dt.datetime(2024, 1, 2, 3, 4, 5, 7000), "datetime", 3),
        (dt.datetime(2024, 1, 2, 3, 4, 5, 123400), "datetime2", 4),
        (dt.datetime(2024, 1, 2, 3, 4, 5, 123456), "datetime2", 7),
        (dt.datetime(1, 1, 1, 0, 30, tzinfo=UTC_PLUS_2), "datetime2", 7),  # sql_value says
        (dt.date(1, 1, 1), "date", 0),
        ("2024-01-02", "datetime", 3),  # text: SQL Server's to convert
    ],
)
def test_what_its_type_holds_passes(value: object, base: str, scale: int) -> None:
    assert refuse_untimely(value, "@v", base, scale) is None


def test_a_statement_datetime_holds_milliseconds() -> None:
    assert refuse_finer_than_milliseconds(dt.datetime(2024, 1, 2, 3, 4, 5, 123000), "t") is None
    assert refuse_finer_than_milliseconds(dt.date(2024, 1, 2), "t") is None
    reason = refuse_finer_than_milliseconds(dt.datetime(2024, 1, 2, 3, 4, 5, 123456), "t")
    assert reason is not None and "at most 3 decimals" in reason
