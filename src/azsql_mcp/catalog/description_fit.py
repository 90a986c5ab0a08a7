"""A table's description cut to what a model reads whole, saying what was left out.

A table may have 30,000 columns (sparse), 999 nonclustered indexes, 253 foreign keys
and 10,000 keys referencing it ("Maximum capacity specifications for SQL Server"): a
line each, the description would run to megabytes, over what clients take in one tool
result (some cut it silently). The text and the structured result hold the same part.
"""

from __future__ import annotations

from typing import Any

from azsql_mcp.catalog.tables import LeftOut, TableDescription

# About 50 characters a column and 200 a constraint or index line (names run to 128):
# at most some 40 KB of text, a fifth of a 200,000-token context.
COLUMNS_SHOWN = 250
ITEMS_SHOWN = 50


def fit_description(info: TableDescription) -> TableDescription:
    """`info` with at most COLUMNS_SHOWN columns and ITEMS_SHOWN of each constraint and
    index list, and in `left_out` how many of each were cut (None when nothing was)."""
    cut = {  # LeftOut's fields are the lists it counts
        what: getattr(info, what)[COLUMNS_SHOWN if what == "columns" else ITEMS_SHOWN :]
        for what in LeftOut.model_fields
    }
    if not any(cut.values()):
        return info
    shown = {what: getattr(info, what)[: -len(rest)] for what, rest in cut.items() if rest}
    left_out = LeftOut(**{what: len(rest) for what, rest in cut.items()})
    return info.model_copy(update={**shown, "left_out": left_out})


def description_json(info: TableDescription) -> dict[str, Any]:
    """`info` as JSON without the fields at their defaults: a column named all 17 of
    ColumnDetail's, mostly null or false (some 290 bytes where 45 said it). A field left
    out holds its model's default (docs/tools.md lists them); the output schema requires
    only TableDescription's fields without one, which are always there."""
    return info.model_dump(mode="json", exclude_defaults=True)
