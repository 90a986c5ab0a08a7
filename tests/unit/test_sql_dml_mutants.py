"""DML TOP (sql_dml.py) in a statement that a mutant of it survived."""

from __future__ import annotations

import pytest

from azsql_mcp import QueryRefused
from azsql_mcp.db.sqlguard import check_write

KINDS = ("insert", "update", "delete")


def test_dml_top_after_nested_parentheses_is_refused() -> None:
    # parentheses inside parentheses: the DELETE after them is still at the top level
    sql = "WITH c AS (SELECT * FROM t WHERE (a = (1))) DELETE TOP (2) FROM c WHERE id = 1"
    with pytest.raises(QueryRefused, match="TOP in an INSERT, UPDATE or DELETE"):
        check_write(sql, KINDS, allow_unfiltered=False)
