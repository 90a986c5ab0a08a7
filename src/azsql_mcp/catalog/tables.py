"""Tables, views and their structure, read from the catalog views."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from pydantic import BaseModel

from azsql_mcp.api import Database
from azsql_mcp.catalog import sql
from azsql_mcp.catalog.reading import read_all
from azsql_mcp.values import cell_text, fence_untrusted


class CatalogError(ValueError):
    """Bad input or a missing object; the message says what to do instead."""


class TableSummary(BaseModel):
    schema_name: str
    name: str
    type: Literal["table", "view"]
    row_count: int | None  # approximate; None for views


class TableList(BaseModel):
    tables: list[TableSummary]
    truncated: bool


class ColumnDetail(BaseModel):
    name: str
    type: str  # e.g. nvarchar(50), decimal(19,4), varchar(max)
    alias_type: str | None = None  # a user-defined alias type such as dbo.Name
    nullable: bool
    default: str | None = None
    identity: str | None = None  # IDENTITY(seed,increment)
    computed: str | None = None  # the expression, with " PERSISTED" when stored
    description: str | None = None


class KeyConstraint(BaseModel):
    name: str
    columns: list[str]


class ForeignKey(BaseModel):
    name: str
    from_table: str
    from_columns: list[str]
    to_table: str
    to_columns: list[str]
    on_delete: str
    on_update: str


class IndexDetail(BaseModel):
    name: str | None
    type: str
    unique: bool
    primary_key: bool
    columns: list[str]  # key columns, " DESC" appended when descending
    included: list[str]
    filter: str | None = None


class CheckConstraint(BaseModel):
    name: str
    definition: str
    disabled: bool


class TableDescription(BaseModel):
    schema_name: str
    name: str
    type: Literal["table", "view"]
    description: str | None
    row_count: int | None
    columns: list[ColumnDetail]
    primary_key: KeyConstraint | None
    unique_constraints: list[KeyConstraint]
    foreign_keys: list[ForeignKey]  # from this table to others
    referenced_by: list[ForeignKey]  # from other tables to this one
    indexes: list[IndexDetail]
    check_constraints: list[CheckConstraint]

    @property
    def full_name(self) -> str:
        return f"{self.schema_name}.{self.name}"


async def list_tables(
    db: Database, schema: str | None = None, name_pattern: str | None = None
) -> TableList:
    """Tables and views, optionally of one schema and matching a LIKE pattern."""
    rows, truncated = await read_all(
        db, sql.LIST_TABLES, {"schema": schema, "pattern": name_pattern}
    )
    tables = [
        TableSummary(
            schema_name=r["schema_name"],
            name=r["object_name"],
            type=r["object_type"],
            row_count=_int_or_none(r["row_count"]),
        )
        for r in rows
    ]
    return TableList(tables=tables, truncated=truncated)


def parse_table_name(text: str) -> tuple[str | None, str]:
    """`schema.table`, `[schema].[table]`, `"schema"."table"` or `table`."""
    parts: list[str] = []
    current: list[str] = []
    closing: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if closing:
            if ch == closing:
                if i + 1 < len(text) and text[i + 1] == closing:  # ]] or "" escapes
                    current.append(ch)
                    i += 1
                else:
                    closing = None
            else:
                current.append(ch)
        elif ch in '["':
            closing = "]" if ch == "[" else '"'
        elif ch == ".":
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current).strip())
    if closing or len(parts) > 2 or not all(parts):
        raise CatalogError(
            f"Cannot read the table name {text!r}. Write it as schema.table"
            " (for example SalesLT.Customer) or just the table name."
        )
    return (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])


async def describe_table(db: Database, table: str) -> TableDescription:
    """Everything the catalog says about one table or view."""
    schema, name = parse_table_name(table)
    found, _ = await read_all(db, sql.FIND_OBJECT, {"name": name, "schema": schema})
    if not found:
        raise CatalogError(
            f"No table or view named {table!r} in this database. "
            "Call list_tables to see the names (use schema.table)."
        )
    if len(found) > 1:
        names = ", ".join(f"{r['schema_name']}.{r['object_name']}" for r in found)
        raise CatalogError(f"{table!r} is ambiguous: {names}. Pass it as schema.table.")
    obj = found[0]
    params = {"object_id": obj["object_id"]}

    async def fetch(query: str) -> list[dict[str, Any]]:
        return (await read_all(db, query, params))[0]

    async with asyncio.TaskGroup() as group:
        columns = group.create_task(fetch(sql.COLUMNS))
        keys = group.create_task(fetch(sql.KEY_CONSTRAINTS))
        foreign = group.create_task(fetch(sql.FOREIGN_KEYS))
        indexes = group.create_task(fetch(sql.INDEXES))
        checks = group.create_task(fetch(sql.CHECK_CONSTRAINTS))

    full_name = f"{obj['schema_name']}.{obj['object_name']}"
    primary, uniques = _key_constraints(keys.result())
    outgoing, incoming = _foreign_keys(foreign.result(), full_name)
    return TableDescription(
        schema_name=obj["schema_name"],
        name=obj["object_name"],
        type=obj["object_type"],
        description=obj["description"],
        row_count=_int_or_none(obj["row_count"]),
        columns=[_column(r) for r in columns.result()],
        primary_key=primary,
        unique_constraints=uniques,
        foreign_keys=outgoing,
        referenced_by=incoming,
        indexes=_indexes(indexes.result()),
        check_constraints=[
            CheckConstraint(
                name=r["constraint_name"],
                definition=r["definition"],
                disabled=bool(r["is_disabled"]),
            )
            for r in checks.result()
        ],
    )


_LENGTH_IN_BYTES = {"char", "varchar", "binary", "varbinary"}
_LENGTH_IN_PAIRS = {"nchar", "nvarchar"}  # max_length is in bytes, two per character
_SCALE_ONLY = {"datetime2", "time", "datetimeoffset"}


def format_sql_type(base: str, max_length: int, precision: int, scale: int) -> str:
    """The type as it would be declared: nvarchar(50), varchar(max), decimal(19,4)..."""
    if base in _LENGTH_IN_BYTES or base in _LENGTH_IN_PAIRS:
        if max_length == -1:
            return f"{base}(max)"
        length = max_length // 2 if base in _LENGTH_IN_PAIRS else max_length
        return f"{base}({length})"
    if base in {"decimal", "numeric"}:
        return f"{base}({precision},{scale})"
    if base in _SCALE_ONLY:
        return f"{base}({scale})"
    return base


def _column(r: dict[str, Any]) -> ColumnDetail:
    base = r["base_type"]
    alias = r["type_name"] if r["type_name"] != base else None
    computed = r["computed_definition"]
    if computed and r["is_persisted"]:
        computed += " PERSISTED"
    identity = None
    if r["is_identity"]:
        identity = f"IDENTITY({r['identity_seed']},{r['identity_increment']})"
    return ColumnDetail(
        name=r["column_name"],
        type=format_sql_type(base, int(r["max_length"]), int(r["precision"]), int(r["scale"])),
        alias_type=alias,
        nullable=bool(r["is_nullable"]),
        default=r["default_definition"],
        identity=identity,
        computed=computed,
        description=r["description"],
    )


def _key_constraints(
    rows: list[dict[str, Any]],
) -> tuple[KeyConstraint | None, list[KeyConstraint]]:
    grouped: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        kind = str(r["constraint_type"]).strip()
        grouped.setdefault((kind, r["constraint_name"]), []).append(r["column_name"])
    primary = None
    uniques = []
    for (kind, name), columns in grouped.items():
        if kind == "PK":
            primary = KeyConstraint(name=name, columns=columns)
        else:
            uniques.append(KeyConstraint(name=name, columns=columns))
    return primary, uniques


def _foreign_keys(
    rows: list[dict[str, Any]], full_name: str
) -> tuple[list[ForeignKey], list[ForeignKey]]:
    grouped: dict[str, ForeignKey] = {}
    for r in rows:
        fk = grouped.get(r["constraint_name"])
        if fk is None:
            fk = grouped[r["constraint_name"]] = ForeignKey(
                name=r["constraint_name"],
                from_table=f"{r['from_schema']}.{r['from_table']}",
                from_columns=[],
                to_table=f"{r['to_schema']}.{r['to_table']}",
                to_columns=[],
                on_delete=r["on_delete"],
                on_update=r["on_update"],
            )
        fk.from_columns.append(r["from_column"])
        fk.to_columns.append(r["to_column"])
    # A self-referencing key is both outgoing and incoming.
    outgoing = [fk for fk in grouped.values() if fk.from_table == full_name]
    incoming = [fk for fk in grouped.values() if fk.to_table == full_name]
    return outgoing, incoming


def _indexes(rows: list[dict[str, Any]]) -> list[IndexDetail]:
    grouped: dict[str | None, IndexDetail] = {}
    for r in rows:
        index = grouped.get(r["index_name"])
        if index is None:
            index = grouped[r["index_name"]] = IndexDetail(
                name=r["index_name"],
                type=r["type_desc"],
                unique=bool(r["is_unique"]),
                primary_key=bool(r["is_primary_key"]),
                columns=[],
                included=[],
                filter=r["filter_definition"],
            )
        if r["is_included_column"]:
            index.included.append(r["column_name"])
        else:
            desc = " DESC" if r["is_descending_key"] else ""
            index.columns.append(r["column_name"] + desc)
    return list(grouped.values())


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def render_description(info: TableDescription) -> str:
    """Compact text of a table description, database-provided text fenced."""
    lines = []
    for c in info.columns:
        parts = [c.name, c.type + (f" [{c.alias_type}]" if c.alias_type else "")]
        parts.append("NULL" if c.nullable else "NOT NULL")
        if c.identity:
            parts.append(c.identity)
        if c.default:
            parts.append(f"DEFAULT {c.default}")
        if c.computed:
            parts.append(f"AS {c.computed}")
        if c.description:
            parts.append(f"-- {c.description}")
        lines.append("  " + " ".join(cell_text(p, max_chars=300) for p in parts))
    if info.primary_key:
        lines.append(f"PRIMARY KEY {info.primary_key.name} ({', '.join(info.primary_key.columns)})")
    for u in info.unique_constraints:
        lines.append(f"UNIQUE {u.name} ({', '.join(u.columns)})")
    for fk in info.foreign_keys:
        lines.append(
            f"FK {fk.name} ({', '.join(fk.from_columns)}) -> {fk.to_table}"
            f" ({', '.join(fk.to_columns)})"
        )
    for fk in info.referenced_by:
        lines.append(f"REFERENCED BY {fk.from_table} ({', '.join(fk.from_columns)}) via {fk.name}")
    for ix in info.indexes:
        kind = ("UNIQUE " if ix.unique else "") + ix.type
        text = f"INDEX {ix.name} {kind} ({', '.join(ix.columns)})"
        if ix.included:
            text += f" INCLUDE ({', '.join(ix.included)})"
        if ix.filter:
            text += f" WHERE {ix.filter}"
        lines.append(text)
    for ck in info.check_constraints:
        lines.append(f"CHECK {ck.name} {ck.definition}" + (" (disabled)" if ck.disabled else ""))
    if info.description:
        lines.append(f"Description: {info.description}")
    rows = f", ~{info.row_count} rows" if info.row_count is not None else ""
    header = f"{info.type} {info.full_name} ({len(info.columns)} columns{rows})"
    return header + "\n" + fence_untrusted("\n".join(lines), what="the catalog's description")
