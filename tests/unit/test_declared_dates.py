"""A declared date or datetime takes ISO 8601 text: a number would be read as seconds
since 1970. A claim's number is a JWT NumericDate, which means just that."""

from __future__ import annotations

import datetime as dt

import pytest

from azsql_mcp.plugins.builtin_declared.model import ParameterDecl
from azsql_mcp.plugins.builtin_declared.tool import claimed_values


def test_a_date_is_iso_8601_text_or_a_toml_date() -> None:
    day = ParameterDecl(type="date", default=dt.date(2024, 1, 2))  # TOML's own date
    assert day.convert("2024-01-02", "argument") == dt.date(2024, 1, 2)
    for value in (20240102, "20240102", 1.5):
        with pytest.raises(ValueError, match="is not a date"):
            day.convert(value, "argument")
    with pytest.raises(ValueError, match="default '20240102' is not a date"):
        ParameterDecl(type="date", default="20240102")


def test_a_claimed_number_for_a_date_is_a_numeric_date() -> None:
    # RFC 7519: seconds since 1970-01-01 UTC
    at = ParameterDecl(type="datetime", from_claim="auth_time")
    day = ParameterDecl(type="date", from_claim="auth_time")
    values = claimed_values("t", {"at": at, "day": day}, {"auth_time": 1704164645})
    assert values == {
        "at": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "day": dt.date(2024, 1, 2),
    }
