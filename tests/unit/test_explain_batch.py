"""The explain batch: `?` placeholders written back as @names, strings untouched."""

import pytest

from azsql_mcp.db import driverhost, explain


def test_placeholders_become_names_in_order() -> None:
    sql = "SELECT '?' AS q FROM t WHERE a > ? AND b = ? AND c = ?"
    assert explain.named_parameters(sql, ["lo", "name", "lo"]) == (
        "SELECT '?' AS q FROM t WHERE a > @lo AND b = @name AND c = @lo"
    )
    assert explain.named_parameters("SELECT 1", []) == "SELECT 1"
    with pytest.raises(ValueError, match="2 placeholders for 1"):
        explain.named_parameters("SELECT ? + ?", ["a"])


def test_each_parameter_is_declared_once_with_its_suggested_type() -> None:
    batch = driverhost._declared_batch(
        "SELECT 1 WHERE @lo < @hi AND @lo > 0", ["lo", "hi", "lo"], {"lo": "money"}
    )
    assert batch == ("DECLARE @lo money, @hi nvarchar(4000);\nSELECT 1 WHERE @lo < @hi AND @lo > 0")


def test_a_type_sql_server_cannot_suggest_is_declared_nvarchar() -> None:
    rows = [(1, "@node", 240, None), (2, "@n", 56, "int")]
    types = driverhost.suggested_types(rows)
    assert types == {"n": "int"}
    batch = driverhost._declared_batch("SELECT 1 WHERE @node = @n", ["node", "n"], types)
    assert batch.startswith("DECLARE @node nvarchar(4000), @n int;")
