"""The schema as a Mermaid `erDiagram`: tables, their columns and keys, and foreign keys.

Public: the diagram resources and the console draw from it. Entity names are quoted
(`"SalesLT.Customer"`), which Mermaid allows for any text without `"` or `%`; column
names and types keep to the characters Mermaid's attribute syntax takes.
"""

from __future__ import annotations

import re

from azsql_mcp.catalog.schema import SchemaOverview, TableOutline

# A diagram of more tables than this is unreadable: it stops, and says how to narrow it.
DIAGRAM_MAX_TABLES = 60

_NOT_IN_NAME = re.compile(r'["%\r\n\\]')
_NOT_IN_WORD = re.compile(r"[^A-Za-z0-9_\-()\[\]]")


def select_tables(
    overview: SchemaOverview, *, schema: str | None = None, table: str | None = None
) -> list[TableOutline]:
    """The tables (not views) of `schema`, or `schema.table` and the tables it references
    or that reference it; names compare case-insensitively, as in a default collation."""
    tables = [t for t in overview.tables if t.type != "view"]
    if schema is None:
        return tables
    in_schema = [t for t in tables if t.schema_name.lower() == schema.lower()]
    if table is None:
        return in_schema
    wanted = f"{schema}.{table}".lower()
    centre = next((t for t in in_schema if t.name.lower() == wanted), None)
    if centre is None:
        return []
    near = {fk.table.lower() for fk in centre.foreign_keys}
    return [
        t
        for t in tables
        if t is centre
        or t.name.lower() in near
        or any(fk.table.lower() == wanted for fk in t.foreign_keys)
    ]


def render_mermaid(tables: list[TableOutline], *, max_tables: int = DIAGRAM_MAX_TABLES) -> str:
    """An `erDiagram` of `tables` and the foreign keys between them (a key to a table
    left out is drawn as a column marked FK, without a line)."""
    shown = tables[:max_tables]
    names = {t.name for t in shown}
    lines = ["erDiagram"]
    if len(tables) > max_tables:
        lines.append(
            f"    %% {max_tables} of {len(tables)} tables: read database://schema/diagram/"
            "{schema} or database://schema/diagram/{schema}/{table} for a part"
        )
    for t in shown:
        keyed = {c for fk in t.foreign_keys for c in fk.columns}
        primary = set(t.primary_key)
        lines.append(f"    {_entity(t.name)} {{")
        for c in t.columns:
            marks = ", ".join(
                m for m, on in (("PK", c.name in primary), ("FK", c.name in keyed)) if on
            )
            lines.append(f"        {_word(c.type)} {_word(c.name)}{' ' + marks if marks else ''}")
        lines.append("    }")
    for t in shown:
        nullable = {c.name for c in t.columns if c.nullable}
        for fk in t.foreign_keys:
            if fk.table not in names:
                continue
            # many rows here to one there; "zero or one" there when the key may be NULL
            there = "o|" if any(c in nullable for c in fk.columns) else "||"
            label = _NOT_IN_NAME.sub("", ", ".join(fk.columns))
            lines.append(f'    {_entity(t.name)} }}o--{there} {_entity(fk.table)} : "{label}"')
    return "\n".join(lines)


def _entity(name: str) -> str:
    return '"' + _NOT_IN_NAME.sub("_", name) + '"'


def _word(text: str) -> str:
    """A column name or type in the characters an attribute takes: `decimal(19,4)`
    becomes `decimal(19-4)`, `Order Date` `Order_Date`."""
    word = _NOT_IN_WORD.sub("_", text.replace(",", "-"))
    return word if word[:1].isalpha() or word[:1] == "_" else "_" + word
