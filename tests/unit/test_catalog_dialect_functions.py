"""What follows SQL Server's error 195 for another dialect's function: what T-SQL writes
instead (catalog/dialect_functions.py). Through the test server in
tests/integration/test_agent_view.py; here the matching and the table's own rules."""

from __future__ import annotations

import re

import pytest

from azsql_mcp import DatabaseError
from azsql_mcp.catalog.dialect_functions import INSTEAD, NOT_BUILT_IN, other_dialect
from azsql_mcp.catalog.versions import BUILT_INS


def said(name: str, number: int | None = NOT_BUILT_IN) -> str | None:
    return other_dialect(
        DatabaseError(f"'{name}' is not a recognized built-in function name.", number)
    )


def test_another_dialect_s_function_gets_what_t_sql_writes():
    assert said("NOW") == (
        "'NOW' is not a recognized built-in function name. NOW is not T-SQL: write"
        " GETDATE() or SYSDATETIME()."
    )


@pytest.mark.parametrize("written", ["now", "Now", "NOW"])
def test_the_name_matches_in_any_case_and_is_told_as_the_table_has_it(written):
    assert said(written) == (
        f"'{written}' is not a recognized built-in function name. NOW is not T-SQL: write"
        " GETDATE() or SYSDATETIME()."
    )


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("GROUP_CONCAT", "; STRING_AGG is in SQL Server 2017 and later."),
        ("date_trunc", "; DATETRUNC is in SQL Server 2022 and later."),
    ],
)
def test_an_answer_naming_a_newer_built_in_says_which_version_has_it(name, note):
    message = said(name)
    assert message is not None and message.endswith(note), message


def test_an_answer_of_built_ins_every_version_has_names_no_version():
    message = said("IFNULL")
    assert message is not None and "SQL Server 20" not in message, message


@pytest.mark.parametrize(
    "name",
    [
        "NOSUCH",  # a misspelling, not another dialect's habit
        "STRING_AGG",  # a built-in some versions lack: versions.missing_built_in's
        "REGEXP_LIKE",
        "GETDATE",
        "NOW_",
        "",
    ],
)
def test_a_name_not_in_the_table_gets_nothing(name):
    assert said(name) is None


@pytest.mark.parametrize("number", [208, 207, 4121, None])
def test_another_error_gets_nothing(number):
    assert said("NOW", number) is None


def test_a_195_without_a_quoted_name_gets_nothing():
    assert other_dialect(DatabaseError("not a recognized built-in function name", 195)) is None


def test_no_name_is_a_built_in_of_some_version():
    assert not set(INSTEAD) & {b.name for b in BUILT_INS}


def test_no_answer_calls_another_dialect_s_function():
    for name, instead in INSTEAD.items():
        called = set(re.findall(r"\b([A-Z_]+)\(", instead))
        assert not called & set(INSTEAD), (name, instead)


def test_sql_server_s_number_still_ends_every_message():
    for name in INSTEAD:
        error = DatabaseError(f"'{name}' is not a recognized built-in function name.", 195)
        message = other_dialect(error)
        assert message is not None
        assert error.reworded(message).numbered().endswith(". (SQL Server error 195)"), name
