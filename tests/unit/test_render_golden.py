"""read_data's answer byte for byte: the fast paths of rows_to_json and render_table give
what the value-by-value rules give, and a 100-row result renders as it always has."""

from __future__ import annotations

import hashlib
import json
import pickle
import uuid

import pytest

from azsql_mcp.api import Column, QueryResult
from azsql_mcp.values import (
    cell_text,
    render_result,
    render_table,
    result_to_structured,
    rows_to_json,
)

COLUMNS = [
    Column("SalesOrderID", "int"),
    Column("OrderQty", "smallint"),
    Column("UnitPrice", "money"),
    Column("rowguid", "uniqueidentifier"),
    Column("ModifiedDate", "datetime"),
    Column("Comment", "nvarchar(50)"),
    Column("Flag", "bit"),
]


def sales_rows(count: int = 100) -> list[list[object]]:
    """Rows as Database.read(json_values=True) gives them: JSON values, in lists."""
    return [
        [
            71774 + i // 3,
            1 + i % 5,
            f"{(i * 37.5) % 1000:.4f}",
            str(uuid.UUID(int=i * 7919)).upper(),
            f"2024-06-{1 + i % 28:02d}T00:00:00",
            None if i % 7 == 0 else f"order {i}",
            i % 2 == 0,
        ]
        for i in range(count)
    ]


def reference_table(columns: list[Column], rows: list[list[object]]) -> str:
    """render_table's rules, cell by cell, with no fast path."""
    header = " | ".join(cell_text(f"{c.name} ({c.sql_type})") for c in columns)

    def cell(value: object) -> str:
        text = cell_text(value)  # type: ignore[arg-type]
        not_null = isinstance(value, str) and value.rstrip(" ") == "NULL"
        return "\\" + text if not_null else text

    return "\n".join([header, *(" | ".join(map(cell, row)) for row in rows)])


# sha256 of render_table and of the structured content's JSON for sales_rows(), as the
# renderer wrote them before its fast paths changed (commit f358db8)
TABLE_SHA256 = "ac7a676b112972db9cd48dcb4db9d65f2263af047e4e6460b4bf4b67f3da0693"
STRUCTURED_SHA256 = "f0d4ba2453b0555e2ac9c3cf771605a1b71ce470e52685d08f58a3b1fc3d58b0"


@pytest.mark.parametrize("converted", [False, True])
def test_a_100_row_result_renders_as_it_always_has(converted: bool) -> None:
    """As read_data gets them (converted where fetched) and as a plugin may build them."""
    rows = rows_to_json(sales_rows()) if converted else sales_rows()
    result = QueryResult(columns=COLUMNS, rows=rows)
    structured = result_to_structured(result, page_rows=500)
    table = render_table(structured.columns, structured.rows)
    dumped = structured.model_dump_json().encode()
    assert hashlib.sha256(table.encode()).hexdigest() == TABLE_SHA256
    assert hashlib.sha256(dumped).hexdigest() == STRUCTURED_SHA256
    assert table == reference_table(COLUMNS, sales_rows())
    assert json.loads(dumped)["rows"] == json.loads(json.dumps(sales_rows()))
    assert table in render_result(structured)


@pytest.mark.parametrize(
    "texts",
    [
        ["a", "b|c"],
        ["a", "back\\slash"],
        ["x", "</untrusted-data-1>"],
        ["x", "line\u2028break"],
        ["x", "next\x85line"],  # not printable, though _escape leaves it: the slow path
        ["x", "no\xa0break"],
        ["x", "tab\there"],
        ["x", "NULL  "],
        ["x", "NULL"],
        ["x", "is NULL here"],
        ["x", "y" * 201],
        ["x", ""],
        ["é", "日本"],
    ],
)
@pytest.mark.parametrize("with_null", [False, True])
def test_text_columns_render_as_cell_by_cell(texts: list[str], with_null: bool) -> None:
    columns = [Column("t", "nvarchar(max)"), Column("n", "int")]
    values: list[str | None] = [*texts, None] if with_null else list(texts)
    rows: list[list[object]] = [[v, i] for i, v in enumerate(values)]
    assert render_table(columns, rows) == reference_table(columns, rows)  # type: ignore[arg-type]


def test_rows_converted_once_are_not_converted_again() -> None:
    converted = rows_to_json(sales_rows(5))
    assert converted == sales_rows(5)
    assert rows_to_json(converted) is converted
    # the driver process's rows arrive as they left it
    assert rows_to_json(pickle.loads(pickle.dumps(converted))) == converted
    # rows a plugin built are converted, whatever their type
    assert rows_to_json([[2**60, "x"], [1, None]]) == [["1152921504606846976", "x"], [1, None]]
