"""Parameters matched to their values (parameters.bind_params) as SQL Server matches
variable names: without regard to case, as the guard reads them (`@P = @p` is a
self-comparison in write_filters.py)."""

from __future__ import annotations

import pytest

from azsql_mcp import QueryRefused
from azsql_mcp.db import odbc_types
from azsql_mcp.db.parameters import bind_params
from azsql_mcp.db.sqlguard import check_select, check_write


def test_a_name_takes_its_value_whatever_the_case() -> None:
    assert bind_params(["Id", "x", "ID"], {"id": 1, "@X": 2}) == [1, 2, 1]


def test_two_names_of_one_parameter_in_params_are_refused() -> None:
    with pytest.raises(QueryRefused, match="params has P and p, which name one parameter"):
        bind_params(["P", "p"], {"P": 1, "p": 2})


def test_unused_and_missing_names_are_told_apart_by_case_too() -> None:
    with pytest.raises(QueryRefused, match="does not use: q"):
        bind_params(["P"], {"p": 1, "q": 2})
    with pytest.raises(QueryRefused, match="No value for parameter @Q"):
        bind_params(["P", "Q"], {"p": 1})


def test_the_guard_names_one_parameter_once_as_first_written() -> None:
    # a batch that declares the parameters (explain, describe) declares it once
    checked = check_select("SELECT @Id AS a, @ID AS b, @x AS c")
    assert checked.param_names == ("Id", "Id", "x")
    assert checked.named == "SELECT @Id AS a, @ID AS b, @x AS c"


def test_a_comparison_of_one_parameter_in_two_cases_is_always_true() -> None:
    # what the guard reads is what is bound: one value on both sides
    sql = "DELETE FROM t WHERE id = 1 OR @P = @p"
    with pytest.raises(QueryRefused, match="always true"):
        check_write(sql, ("delete",), allow_unfiltered=False)
    checked = check_write(sql, ("delete",), allow_unfiltered=True)
    assert bind_params(checked.param_names, {"p": 5}) == [5, 5]


def test_a_string_of_a_declared_sql_type_goes_with_its_type() -> None:
    # the driver process declares it varchar(10) (odbc_types.typed_values), not nvarchar
    sent = bind_params(
        ["Code", "n", "CODE"], {"code": "a", "n": 2}, sql_types={"CODE": "VarChar(10)"}
    )
    assert sent == [("a", "varchar", 10), 2, ("a", "varchar", 10)]
    values, sizes = odbc_types.typed_values(sent)
    assert values == ["a", 2, "a"]
    assert sizes == [(12, 10, 0), None, (12, 10, 0)]  # SQL_VARCHAR
    assert odbc_types.typed_values([1, "a"]) == ([1, "a"], None)
    with pytest.raises(QueryRefused, match="@n: 'int' is not a SQL type a string parameter"):
        bind_params(["n"], {"n": 2}, sql_types={"n": "int"})
    with pytest.raises(QueryRefused, match="sql_types names @m, which the statement does not use"):
        bind_params(["n"], {"n": "x"}, sql_types={"m": "varchar(5)"})
