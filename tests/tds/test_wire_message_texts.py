"""Errors whose number, severity or text the test server had from memory, checked against
Microsoft's lists ("Database engine events and errors", 0-999 to 15000-15999: sys.messages'
templates) and asserted through both ODBC drivers: the number, the severity and the
message read by ERROR_NUMBER(), ERROR_SEVERITY() and ERROR_MESSAGE() in a CATCH around
EXEC (which catches a compile error of the inner batch too)."""

from __future__ import annotations

import uuid
from contextlib import closing

import pyodbc
import pytest


def _caught(cur: pyodbc.Cursor, sql: str) -> tuple[int, int, str]:
    written = sql.replace("'", "''")
    row = cur.execute(
        f"BEGIN TRY EXEC (N'{written}') END TRY BEGIN CATCH"
        " SELECT ERROR_NUMBER(), ERROR_SEVERITY(), ERROR_MESSAGE() END CATCH"
    ).fetchone()
    assert row is not None, f"no error from {sql}"
    return row[0], row[1], row[2]


def _name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def test_a_foreign_key_to_a_table_without_a_primary_key_is_1773(
    cursor: closing[pyodbc.Cursor],
) -> None:
    parent, child = _name("NoKey"), _name("Child")
    with cursor as cur:
        cur.execute(f"CREATE TABLE dbo.{parent} (a int)")
        assert _caught(
            cur, f"CREATE TABLE dbo.{child} (a int CONSTRAINT fk_{child} REFERENCES dbo.{parent})"
        ) == (
            1773,
            16,
            f"Foreign key 'fk_{child}' has implicit reference to object 'dbo.{parent}' which"
            " does not have a primary key defined on it.",
        )


@pytest.mark.parametrize(
    ("kind", "sql"),
    [("trigger", "DROP TRIGGER dbo.{n}"), ("procedure", "DROP PROCEDURE dbo.{n}")],
)
def test_dropping_a_missing_module_is_3701_at_severity_11(
    cursor: closing[pyodbc.Cursor], kind: str, sql: str
) -> None:
    name = _name("Missing")
    with cursor as cur:
        assert _caught(cur, sql.format(n=name)) == (
            3701,
            11,
            f"Cannot drop the {kind} 'dbo.{name}', because it does not exist or you do not"
            " have permission.",
        )


def test_dropping_a_system_schema_is_3708(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        assert _caught(cur, "DROP SCHEMA guest") == (
            3708,
            16,
            "Cannot drop the schema 'guest' because it is a system schema.",
        )


def test_procedure_definition_and_call_errors(cursor: closing[pyodbc.Cursor]) -> None:
    """111, 134 and 119 are compile errors of severity 15."""
    name = _name("Proc")
    with cursor as cur:
        assert _caught(cur, f"SELECT 1; CREATE PROCEDURE dbo.{name} AS SELECT 1") == (
            111,
            15,
            "'CREATE/ALTER PROCEDURE' must be the first statement in a query batch.",
        )
        assert _caught(cur, f"CREATE PROCEDURE dbo.{name} @a int, @a int AS SELECT @a") == (
            134,
            15,
            "The variable name '@a' has already been declared. Variable names must be unique"
            " within a query batch or stored procedure.",
        )
        cur.execute(f"CREATE PROCEDURE dbo.{name} @a int, @b int, @c int AS SELECT @a + @b + @c")
        assert _caught(cur, f"EXEC dbo.{name} 1, @b = 2, 3") == (
            119,
            15,
            "Must pass parameter number 3 and subsequent parameters as '@name = value'. After"
            " the form '@name = value' has been used, all subsequent parameters must be passed"
            " in the form '@name = value'.",
        )


def test_a_trigger_in_another_schema_than_its_table_is_2103(
    cursor: closing[pyodbc.Cursor],
) -> None:
    table = _name("Trig")
    with cursor as cur:
        cur.execute(f"CREATE TABLE dbo.{table} (a int)")
        assert _caught(
            cur, f"CREATE TRIGGER guest.tr_{table} ON dbo.{table} AFTER INSERT AS SELECT 1"
        ) == (
            2103,
            15,
            f"Cannot create trigger 'guest.tr_{table}' because its schema is different from"
            " the schema of the target table or view.",
        )


def test_a_valued_return_in_a_table_function_is_178(cursor: closing[pyodbc.Cursor]) -> None:
    name = _name("Valued")
    with cursor as cur:
        assert _caught(
            cur, f"CREATE FUNCTION dbo.{name}() RETURNS @t TABLE (a int) AS BEGIN RETURN 1 END"
        ) == (178, 15, "A RETURN statement with a return value cannot be used in this context.")


def test_an_over_long_session_context_key_is_8152_with_its_one_text(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur:
        assert _caught(cur, f"EXEC sp_set_session_context N'{'k' * 129}', 1") == (
            8152,
            16,
            "String or binary data would be truncated.",
        )


def test_an_extended_property_without_a_name_is_15600_at_severity_15(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur:
        assert _caught(cur, "EXEC sp_addextendedproperty @value = N'x'") == (
            15600,
            15,
            "An invalid parameter or option was specified for procedure 'sp_addextendedproperty'.",
        )


def test_a_security_predicate_with_the_wrong_argument_count_is_313_or_8144(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """33262 is "A %S_MSG predicate for the same operation has already been defined on
    table ..." in Microsoft's 31000-41399 list; a predicate binds as a function call."""
    fn, table = _name("fn_pred"), _name("Secured")
    with cursor as cur:
        cur.execute(f"CREATE TABLE dbo.{table} (a int, b int)")
        cur.execute(
            f"CREATE FUNCTION dbo.{fn}(@a int, @b int) RETURNS TABLE WITH SCHEMABINDING"
            " AS RETURN SELECT 1 AS ok WHERE @a = @b"
        )
        policy = f"CREATE SECURITY POLICY dbo.p_{table} ADD FILTER PREDICATE dbo.{fn}({{args}})"
        assert _caught(cur, policy.format(args="a") + f" ON dbo.{table}") == (
            313,
            16,
            f"An insufficient number of arguments were supplied for the procedure or function"
            f" dbo.{fn}.",
        )
        assert _caught(cur, policy.format(args="a, b, a") + f" ON dbo.{table}") == (
            8144,
            16,
            f"Procedure or function dbo.{fn} has too many arguments specified.",
        )
