"""The names read_data's notes look for in a statement's text (catalog/access.py): each
has an underscore, so a statement without one is passed over before the searches."""

from __future__ import annotations

import pytest

from azsql_mcp.catalog import access

DEFINITION_NAMES = [
    "sys.sql_modules",
    "sys.all_sql_modules",
    "sys.numbered_procedures",
    "sys.computed_columns",
    "sys.check_constraints",
    "sys.default_constraints",
    "OBJECT_DEFINITION(OBJECT_ID('dbo.v'))",
    "COLUMN_DEFAULT",
    "VIEW_DEFINITION",
    "ROUTINE_DEFINITION",
    "CHECK_CLAUSE",
]


@pytest.mark.parametrize("name", DEFINITION_NAMES)
def test_each_definition_name_is_found_in_any_case(name: str) -> None:
    for spelled in (name, name.lower(), name.upper()):
        assert access._reads_definitions(f"SELECT definition FROM {spelled}")


def test_the_information_schema_views_are_found_read_through_a_star() -> None:
    assert access._reads_definitions("select * from INFORMATION_SCHEMA.Views")
    assert not access._reads_definitions("select TABLE_NAME from INFORMATION_SCHEMA.Views")


def test_a_statement_without_an_underscore_names_none_of_them() -> None:
    for name in [*DEFINITION_NAMES, "sys.dm_exec_sessions", "INFORMATION_SCHEMA.COLUMNS"]:
        # the searches themselves find nothing once the underscores are gone
        text = f"SELECT * FROM {name}".replace("_", "")
        assert not access._names_system_object(text)
        assert not access._DEFINITIONS.search(text)
        assert not access._INFORMATION_SCHEMA.search(text)
        assert not access._SESSION_DMV.search(text)
        assert not access._reads_definitions(text)
    assert access._names_system_object("SELECT * FROM sys.dm_exec_requests")
    assert access._SESSION_DMV.search("SELECT * FROM sys.DM_EXEC_REQUESTS")
