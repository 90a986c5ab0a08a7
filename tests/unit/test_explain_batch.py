"""The explain batch: the statement as checked, with its @names declared."""

from azsql_mcp.db import driverdescribe, sqlguard


def test_the_checked_statement_keeps_its_names_beside_the_placeholders() -> None:
    checked = sqlguard.check_select(
        "SELECT '@x?' AS q /* @c ? */ FROM t WHERE a > @lo AND b = @name AND c = @lo -- ?"
    )
    assert checked.sql == "SELECT '@x?' AS q FROM t WHERE a > ? AND b = ? AND c = ?"
    assert checked.named == "SELECT '@x?' AS q FROM t WHERE a > @lo AND b = @name AND c = @lo"
    assert checked.param_names == ("lo", "name", "lo")


def test_each_parameter_is_declared_once_with_its_suggested_type() -> None:
    batch = driverdescribe._declared_batch(
        "SELECT 1 WHERE @lo < @hi AND @lo > 0", ["lo", "hi", "lo"], {"lo": "money"}
    )
    assert batch == ("DECLARE @lo money, @hi nvarchar(4000);\nSELECT 1 WHERE @lo < @hi AND @lo > 0")


def test_a_type_sql_server_cannot_suggest_is_declared_nvarchar() -> None:
    rows = [(1, "@node", 240, None), (2, "@n", 56, "int")]
    types = driverdescribe.suggested_types(rows)
    assert types == {"n": "int"}
    batch = driverdescribe._declared_batch("SELECT 1 WHERE @node = @n", ["node", "n"], types)
    assert batch.startswith("DECLARE @node nvarchar(4000), @n int;")
