"""An ER diagram of the schema: tables, their columns and keys, and foreign keys.

`er_diagram` builds the one model of it; `render_mermaid` writes it as a Mermaid
`erDiagram` (the diagram resources) and the console draws it as SVG
(serving/console/erd.py). A column carries its `column_notes` (HIDDEN, no SELECT) as
schema_overview marks them (in Mermaid, as the attribute's comment). Entity names are
quoted (`"SalesLT.Customer"`), which Mermaid allows for any text without `"` or `%`;
column names and types keep to the characters Mermaid's attribute syntax takes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from azsql_mcp.api import Database
from azsql_mcp.catalog import sql
from azsql_mcp.catalog.names import spelled_as
from azsql_mcp.catalog.reading import read_all
from azsql_mcp.catalog.schema import SchemaOverview, TableOutline, column_notes

# A diagram of more tables than this is unreadable: it stops, and says how to narrow it.
DIAGRAM_MAX_TABLES = 60

_NOT_IN_NAME = re.compile(r'["%\r\n\\]')
_NOT_IN_WORD = re.compile(r"[^A-Za-z0-9_\-()\[\]]")


async def diagram_tables(db: Database, schema: str | None = None) -> tuple[list[int], int]:
    """The object ids of the tables a diagram of the database (or of `schema`) draws, at
    most DIAGRAM_MAX_TABLES: those with the most foreign keys from and to them; and how
    many tables there are. One statement, so that schema_overview(object_ids=) reads
    the columns and keys of these only, not of every table (a diagram of 2,000 tables
    read them all to draw 60)."""
    rows, _ = await read_all(db, sql.DIAGRAM_TABLES, {"top": DIAGRAM_MAX_TABLES, "schema": schema})
    return [int(r["object_id"]) for r in rows], int(rows[0]["total"]) if rows else 0


def select_tables(
    overview: SchemaOverview, *, schema: str | None = None, table: str | None = None
) -> list[TableOutline]:
    """The tables (not views or synonyms) of `schema`, or `schema.table` and the tables
    it references or that reference it. The names asked for are read as `spelled_as`
    reads them; the catalog's own names (a foreign key's table) compare exactly."""
    tables = [t for t in overview.tables if t.type == "table"]
    if schema is None:
        return tables
    schemas = spelled_as({t.schema_name for t in tables}, schema)
    in_schema = [t for t in tables if t.schema_name in schemas]
    if table is None:
        return in_schema
    wanted = spelled_as({t.name for t in in_schema}, f"{schema}.{table}")
    if len(wanted) != 1:
        return []  # none, or `orders` of a database that has Orders and ORDERS
    centre = next(t for t in in_schema if t.name in wanted)
    near = {fk.table for fk in centre.foreign_keys}
    return [
        t
        for t in tables
        if t is centre or t.name in near or any(fk.table == centre.name for fk in t.foreign_keys)
    ]


@dataclass(frozen=True)
class DiagramColumn:
    name: str
    type: str
    primary: bool  # in the primary key
    foreign: bool  # in a foreign key
    # column_notes: HIDDEN_MARK (not in SELECT *), NO_SELECT_MARK (SELECT not held)
    notes: tuple[str, ...] = ()

    @property
    def marks(self) -> list[str]:
        return [m for m, on in (("PK", self.primary), ("FK", self.foreign)) if on]


@dataclass(frozen=True)
class DiagramTable:
    name: str  # schema.table
    columns: list[DiagramColumn]


@dataclass(frozen=True)
class DiagramRelation:
    """A foreign key: many rows of `table` to one of `to_table`."""

    table: str
    to_table: str
    columns: list[str]
    optional: bool  # the key may be NULL: "zero or one" row of `to_table`


@dataclass(frozen=True)
class ERDiagram:
    tables: list[DiagramTable]
    relations: list[DiagramRelation]  # between the tables drawn only
    total: int  # the tables asked for: more than drawn when cut at `max_tables`


def er_diagram(
    tables: list[TableOutline], *, max_tables: int = DIAGRAM_MAX_TABLES, total: int | None = None
) -> ERDiagram:
    """`tables` (at most `max_tables`) and the foreign keys between them; a key to a
    table left out, or to one the login cannot see (TABLE_HIDDEN, never a drawn
    table's name), is a column marked foreign, without a relation. `total`: the tables
    asked for, when `tables` are already a choice of them (diagram_tables')."""
    shown = tables[:max_tables]
    names = {t.name for t in shown}
    drawn, relations = [], []
    for t in shown:
        keyed = {c for fk in t.foreign_keys for c in fk.columns}
        primary = set(t.primary_key)
        columns = [
            DiagramColumn(
                c.name, c.type, c.name in primary, c.name in keyed, tuple(column_notes(c))
            )
            for c in t.columns
        ]
        drawn.append(DiagramTable(t.name, columns))
        nullable = {c.name for c in t.columns if c.nullable}
        relations += [
            DiagramRelation(t.name, fk.table, fk.columns, any(c in nullable for c in fk.columns))
            for fk in t.foreign_keys
            if fk.table in names
        ]
    return ERDiagram(drawn, relations, len(tables) if total is None else total)


def render_mermaid(
    tables: list[TableOutline], *, max_tables: int = DIAGRAM_MAX_TABLES, total: int | None = None
) -> str:
    """An `erDiagram` of `tables` and the foreign keys between them (a key to a table
    left out or hidden from the login is drawn as a column marked FK, without a line);
    `total` as er_diagram's."""
    diagram = er_diagram(tables, max_tables=max_tables, total=total)
    lines = ["erDiagram"]
    if diagram.total > len(diagram.tables):
        lines.append(
            f"    %% {len(diagram.tables)} of {diagram.total} tables: read"
            " database://schema/diagram/{schema} or database://schema/diagram/{schema}/{table}"
            " for a part"
        )
    for t in diagram.tables:
        lines.append(f"    {_entity(t.name)} {{")
        for c in t.columns:
            marks = ", ".join(c.marks)
            comment = f' "{", ".join(c.notes)}"' if c.notes else ""
            lines.append(
                f"        {_word(c.type)} {_word(c.name)}{' ' + marks if marks else ''}{comment}"
            )
        lines.append("    }")
    for r in diagram.relations:
        there = "o|" if r.optional else "||"
        label = _NOT_IN_NAME.sub("", ", ".join(r.columns))
        lines.append(f'    {_entity(r.table)} }}o--{there} {_entity(r.to_table)} : "{label}"')
    return "\n".join(lines)


def _entity(name: str) -> str:
    return '"' + _NOT_IN_NAME.sub("_", name) + '"'


def _word(text: str) -> str:
    """A column name or type in the characters an attribute takes: `decimal(19,4)`
    becomes `decimal(19-4)`, `Order Date` `Order_Date`."""
    word = _NOT_IN_WORD.sub("_", text.replace(",", "-"))
    return word if word[:1].isalpha() or word[:1] == "_" else "_" + word
