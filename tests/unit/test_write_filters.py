"""The write filters (write_filters.py): which table a write changes, and a WHERE
clause that reads the changed table again in a subquery (a self-join) without
filtering it."""

from __future__ import annotations

import pytest

from azsql_mcp import QueryRefused
from azsql_mcp.db.sqlguard import check_write

KINDS = ("insert", "update", "delete")
ALWAYS_TRUE = "whose WHERE clause is always true"


def filters(sql: str) -> bool:
    return check_write(sql, KINDS, allow_unfiltered=False).has_where


def refusal(sql: str) -> str:
    with pytest.raises(QueryRefused) as caught:
        check_write(sql, KINDS, allow_unfiltered=False)
    return caught.value.reason


# --- the table a write names -------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "target"),
    [
        ("DELETE FROM #t WHERE id = 1", ("#t",)),
        ("UPDATE [#t] SET a = 1 WHERE id = 1", ("#t",)),
        ("DELETE FROM dbo.#t WHERE id = 1", ("dbo", "#t")),
        ("DELETE FROM t WHERE id = 1", ("t",)),
    ],
)
def test_a_temporary_table_keeps_its_hash_in_the_name_written(
    sql: str, target: tuple[str, ...]
) -> None:
    # sqlglot keeps `#` as a flag: without it, the catalog would be asked about table t
    checked = check_write(sql, KINDS, allow_unfiltered=False)
    assert checked.target == target
    assert checked.tables == (target,)
