"""Tables, views and their structure, read from the catalog views."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from pydantic import BaseModel, Field

from azsql_mcp.api import Database, advice
from azsql_mcp.catalog import access, sql
from azsql_mcp.catalog.functions import (
    TABLE_FUNCTION,
    FunctionParameter,
    parameters_text,
)
from azsql_mcp.catalog.names import (
    TABLE_HIDDEN,
    escaped_text,
    name_text,
    names_text,
    qualified_text,
)
from azsql_mcp.catalog.near_names import did_you_mean, near_names
from azsql_mcp.catalog.reading import CATALOG_MAX_ROWS, first_error, read_all, read_keyed
from azsql_mcp.catalog.table_features import (
    TableFeatures,
    name_or_none,
    security_predicates,
    table_kind,
    triggers_of,
)

# A table has at most 1,024 columns, or 30,000 with sparse columns ("Maximum capacity
# specifications for SQL Server").
_MAX_COLUMNS = 30_000


class CatalogError(ValueError):
    """Bad input or a missing object; the message says what to do instead."""


class SynonymError(CatalogError):
    """describe_table of a synonym, which has no columns: the message names its base."""


# What stands for a definition (default, computed column, check constraint, index
# filter) that the catalog returns as NULL: it does so to a user without VIEW DEFINITION
# ("Metadata visibility configuration"), while the object itself stays visible.
DEFINITION_HIDDEN = "definition hidden (needs VIEW DEFINITION)"

# A column the user may not SELECT (error 230 when a query reads it, `*` included):
# NO_SELECT in a table's description, NO_SELECT_MARK where a listing of many tables
# needs it short (the schema overview, the diagrams).
NO_SELECT_MARK = "no SELECT"
NO_SELECT = f"({NO_SELECT_MARK} permission on this column)"
NO_SELECT_STAR = (
    "Some columns cannot be read by this database user: SELECT * fails (error 230); name"
    " the readable columns instead."
)


class TableSummary(BaseModel):
    schema_name: str
    name: str
    type: Literal["table", "view", "synonym", "table function"]
    row_count: int | None  # approximate; None for views, synonyms and functions
    # schema.table whose history this table holds (a system-versioned temporal or
    # ledger table's history table): read it through that table, FOR SYSTEM_TIME.
    history_of: str | None = None
    # A synonym's sys.synonyms.base_object_name, each part bracketed ([db].[schema].[t]):
    # what a read of the synonym reads, and describe_table describes when it is here.
    # Left out of a table's or view's JSON: 19 characters a row of every listing.
    base_object: str | None = Field(default=None, exclude_if=lambda v: v is None)
    # A table function's parameters in order (what a call passes); left out of others'.
    parameters: list[FunctionParameter] | None = Field(default=None, exclude_if=lambda v: v is None)
    # With list_tables' column_pattern: the first MATCHES_SHOWN of its columns named
    # LIKE it, by column_id, and how many more match; left out of a listing without it.
    columns: list[str] | None = Field(default=None, exclude_if=lambda v: v is None)
    more_columns: int | None = Field(default=None, exclude_if=lambda v: v is None)

    def type_text(self) -> str:
        """Its type as a listing writes it: `synonym for [schema].[name]` for a synonym
        (the base's line breaks, invisible characters and fence markers escaped),
        `table function: @p int` for a function with parameters."""
        if self.base_object:
            return f"{self.type} for {escaped_text(self.base_object)}"
        if self.parameters:
            return f"{self.type}: {parameters_text(self.parameters)}"
        return self.type

    def columns_text(self) -> str:
        """`columns EmailAddress, rowguid and 3 more`: the matching columns, each name
        written as name_text writes it; "" in a listing without column_pattern."""
        if self.columns is None:
            return ""
        more = f" and {self.more_columns} more" if self.more_columns else ""
        return f"columns {names_text(self.columns)}{more}"


class TableList(BaseModel):
    tables: list[TableSummary]
    truncated: bool
    # None when the catalog shows the login every table; else why the list holds only the
    # tables it holds a permission on ("Metadata visibility configuration") and the role
    # that shows them all (access.unseen_tables).
    only_visible: str | None = None
    # When truncated: what list_tables' `cursor` takes to list the tables after these.
    next_cursor: str | None = None


class ColumnDetail(BaseModel):
    name: str
    type: str  # e.g. nvarchar(50), decimal(19,4), varchar(max)
    alias_type: str | None = None  # a user-defined alias type such as dbo.Name
    nullable: bool
    default: str | None = None  # the expression, or DEFINITION_HIDDEN
    identity: str | None = None  # IDENTITY(seed,increment)
    # From sys.columns.is_computed, which every user who sees the table sees: such a
    # column cannot be written.
    is_computed: bool = False
    computed: str | None = None  # the expression (" PERSISTED" when stored), or DEFINITION_HIDDEN
    description: str | None = None
    # sys.columns.collation_name where it is not the database's: its values compare and
    # sort by it (Latin1_General_BIN2: case-sensitive), a varchar's in its code page
    collation: str | None = None
    # HAS_PERMS_BY_NAME(table, 'OBJECT', 'SELECT', column, 'COLUMN'): False where the user
    # may not read the column (a column DENY, or SELECT granted on other columns only).
    selectable: bool = True
    # sys.columns.is_hidden: SELECT * leaves it out (a HIDDEN period or ledger column,
    # a graph table's internal column); a query names it to read it.
    hidden: bool = False
    # sys.columns.generated_always_type_desc (AS_ROW_START, AS_TRANSACTION_ID_END...):
    # the engine writes it, no INSERT or UPDATE may.
    generated_always: str | None = None
    sparse: bool = False
    # A column set (xml of all the sparse columns): SELECT * returns it instead of them.
    column_set: bool = False
    # sys.masked_columns.masking_function: a user without UNMASK reads masked values,
    # while WHERE and JOIN still compare the real ones.
    masked: str | None = None
    # Always Encrypted (DETERMINISTIC or RANDOMIZED): the values are ciphertext this
    # connection cannot decrypt; a literal in WHERE never matches them.
    encrypted: str | None = None


class KeyConstraint(BaseModel):
    name: str
    columns: list[str]


class ForeignKey(BaseModel):
    name: str
    from_table: str
    from_columns: list[str]
    to_table: str  # schema.table, or TABLE_HIDDEN
    to_columns: list[str]  # empty when to_table is TABLE_HIDDEN: their names are hidden too
    on_delete: str
    on_update: str
    # The tables' schemas and names apart ("schema.table" is ambiguous when a name holds
    # a dot); to_schema and to_name are None when to_table is TABLE_HIDDEN.
    from_schema: str = ""
    from_name: str = ""
    to_schema: str | None = None
    to_name: str | None = None


class IndexDetail(BaseModel):
    name: str | None
    type: str  # sys.indexes.type_desc: CLUSTERED, NONCLUSTERED, CLUSTERED COLUMNSTORE...
    unique: bool
    primary_key: bool
    # Key columns in key order, " DESC" appended when descending; for a columnstore
    # index (which has no key) the columns it stores.
    columns: list[str]
    included: list[str]
    # The partitioning column SQL Server adds to an index of a partitioned table when
    # it is not already a key or included column: part of the index, not of its key.
    partition_columns: list[str] = []
    filter: str | None = None  # the WHERE of a filtered index, or DEFINITION_HIDDEN
    disabled: bool = False  # a disabled index is not used; a disabled clustered one blocks reads


class CheckConstraint(BaseModel):
    name: str
    definition: str  # the expression, or DEFINITION_HIDDEN
    disabled: bool


class LeftOut(BaseModel):
    """How many of each list a description left out (description_fit), to read elsewhere."""

    columns: int = 0
    unique_constraints: int = 0
    foreign_keys: int = 0
    referenced_by: int = 0
    indexes: int = 0
    check_constraints: int = 0


class TableDescription(BaseModel):
    schema_name: str
    name: str
    type: Literal["table", "view", "table function"]
    description: str | None
    row_count: int | None
    columns: list[ColumnDetail]
    primary_key: KeyConstraint | None
    unique_constraints: list[KeyConstraint]
    foreign_keys: list[ForeignKey]  # from this table to others
    referenced_by: list[ForeignKey]  # from other tables to this one
    indexes: list[IndexDetail]
    check_constraints: list[CheckConstraint]
    features: TableFeatures = TableFeatures()
    left_out: LeftOut | None = None  # None when every list is whole
    # A table function's parameters in order (its columns are those it returns).
    parameters: list[FunctionParameter] = []

    @property
    def full_name(self) -> str:
        return f"{self.schema_name}.{self.name}"

    @property
    def hides_definitions(self) -> bool:
        """Whether a definition (default, computed column, index filter, CHECK) is one
        the login may not see."""
        return DEFINITION_HIDDEN in (
            *(c.default for c in self.columns),
            *(c.computed for c in self.columns),
            *(ix.filter for ix in self.indexes),
            *(ck.definition for ck in self.check_constraints),
        )


# How many of a table's columns named LIKE list_tables' column_pattern it names (by
# column_id), then how many more: a listing is a map of where to look, and 500 tables
# of 5 names of 128 characters stay about a page (TEXT_SHOWN ends it where they do not).
MATCHES_SHOWN = 5

# SQL Server's bound on a LIKE pattern: "pattern can be a maximum of 8,000 bytes"
# ("LIKE (Transact-SQL)"), nvarchar's two bytes a UTF-16 code unit.
_PATTERN_BYTES = 8000


def check_pattern(argument: str, pattern: str | None) -> None:
    """Refuse a LIKE pattern SQL Server would not take: longer than 8,000 bytes."""
    if pattern is not None and len(pattern.encode("utf-16-le")) > _PATTERN_BYTES:
        raise CatalogError(
            f"{argument} is a LIKE pattern of at most 4,000 characters (SQL Server's bound:"
            f" 8,000 bytes); this one has {len(pattern)}. Pass a part of the name between"
            " % wildcards, e.g. '%email%'."
        )


async def list_tables(
    db: Database,
    schema: str | None = None,
    name_pattern: str | None = None,
    *,
    column_pattern: str | None = None,
    after: tuple[str, str] | None = None,
    limit: int = CATALOG_MAX_ROWS,
) -> TableList:
    """Tables, views, synonyms and table functions, optionally of one schema, matching
    a LIKE pattern, and with a column whose name matches `column_pattern` (each then with
    those columns); the first `limit` of them by schema and name (`truncated` when there
    are more), after the (schema, name) `after` when given."""
    check_pattern("name_pattern", name_pattern)
    check_pattern("column_pattern", column_pattern)
    filters = {"schema": schema, "pattern": name_pattern, "column_pattern": column_pattern}
    start = after or (None, None)
    rows, truncated = await read_keyed(
        db,
        sql.LIST_TABLES,
        ("schema_name", "object_name"),
        filters,
        limit=limit,
        start=start,
    )
    parameters = await listed_parameters(db, rows, filters, start)
    matches = await _listed_matches(db, rows, filters, start)
    tables = [
        TableSummary(
            schema_name=r["schema_name"],
            name=r["object_name"],
            type=r["object_type"],
            row_count=_int_or_none(r["row_count"]),
            history_of=name_or_none(r["history_of_schema"], r["history_of_name"]),
            base_object=r["base_object_name"],
            parameters=parameters.get((r["schema_name"], r["object_name"]), [])
            if r["object_type"] == TABLE_FUNCTION
            else None,
            **matches.get((r["schema_name"], r["object_name"]), {}),
        )
        for r in rows
    ]
    unseen = await access.unseen_tables(db)  # "0 tables" may be tables it is not shown
    return TableList(tables=tables, truncated=truncated, only_visible=unseen)


async def listed_parameters(
    db: Database,
    rows: list[dict[str, Any]],
    filters: dict[str, Any],
    start: tuple[str | None, str | None] | None,
) -> dict[tuple[str, str], list[FunctionParameter]]:
    """The parameters of the functions that have any among `rows` (a page of LIST_TABLES
    or SCHEMA_PAGE, with the `filters` schema, pattern and column_pattern, after `start`),
    by (schema, name): one statement over the page's range, none when no function on it
    takes one."""
    count = sum(int(r["parameter_count"] or 0) for r in rows)
    if not count:
        return {}
    last = rows[-1]
    found, _ = await read_all(
        db,
        sql.LIST_PARAMETERS,
        {
            **filters,
            "after_schema_name": start[0] if start else None,
            "after_object_name": start[1] if start else None,
            "last_schema_name": last["schema_name"],
            "last_object_name": last["object_name"],
        },
        limit=max(count, CATALOG_MAX_ROWS),
    )
    by_function: dict[tuple[str, str], list[FunctionParameter]] = {}
    for r in found:
        key = (r["schema_name"], r["object_name"])
        by_function.setdefault(key, []).append(function_parameter(r))
    return by_function


async def _listed_matches(
    db: Database,
    rows: list[dict[str, Any]],
    filters: dict[str, Any],
    start: tuple[str | None, str | None],
) -> dict[tuple[str, str], dict[str, Any]]:
    """TableSummary's `columns` and `more_columns` of each of `rows` (a LIST_TABLES page
    with the `filters`, after `start`), by (schema, name): one statement over the page's
    range when `filters` holds a column_pattern, none without."""
    if filters["column_pattern"] is None or not rows:
        return {}
    last = rows[-1]
    found, _ = await read_all(
        db,
        sql.LIST_MATCHING_COLUMNS,
        {
            **filters,
            "first": MATCHES_SHOWN,
            "after_schema_name": start[0],
            "after_object_name": start[1],
            "last_schema_name": last["schema_name"],
            "last_object_name": last["object_name"],
        },
        limit=max(len(rows) * MATCHES_SHOWN, CATALOG_MAX_ROWS),
    )
    # each listed (a column renamed between the two statements leaves one with none)
    names: dict[tuple[str, str], list[str]] = {
        (r["schema_name"], r["object_name"]): [] for r in rows
    }
    matches: dict[tuple[str, str], int] = {}
    for r in found:
        key = (r["schema_name"], r["object_name"])
        if key in names:
            names[key].append(r["column_name"])
            matches[key] = int(r["matches"])
    return {
        key: {"columns": shown, "more_columns": max(matches.get(key, 0) - len(shown), 0)}
        for key, shown in names.items()
    }


def parse_table_name(text: str) -> tuple[str | None, str]:
    """`schema.table`, `[schema].[table]`, `"schema"."table"` or `table`. Spaces around a
    part are dropped, those inside delimiters kept: `[ x ]` is the name " x "."""
    parts: list[str] = []
    current: list[tuple[str, bool]] = []  # each character, and whether it was delimited
    closing: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if closing:
            if ch == closing:
                if i + 1 < len(text) and text[i + 1] == closing:  # ]] or "" escapes
                    current.append((ch, True))
                    i += 1
                else:
                    closing = None
            else:
                current.append((ch, True))
        elif ch in '["':
            closing = "]" if ch == "[" else '"'
        elif ch == ".":
            parts.append(_part_name(current))
            current = []
        else:
            current.append((ch, False))
        i += 1
    parts.append(_part_name(current))
    if closing or len(parts) > 2 or not all(parts):
        raise CatalogError(
            f"Cannot read the table name {text!r}. Write it as schema.table"
            " (for example SalesLT.Customer) or just the table name."
        )
    return (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])


def _part_name(chars: list[tuple[str, bool]]) -> str:
    """A part's characters without the spaces written around it, outside delimiters."""
    start, end = 0, len(chars)
    while start < end and not chars[start][1] and chars[start][0].isspace():
        start += 1
    while end > start and not chars[end - 1][1] and chars[end - 1][0].isspace():
        end -= 1
    return "".join(ch for ch, _ in chars[start:end])


async def describe_table(
    db: Database, table: str, column_pattern: str | None = None
) -> TableDescription:
    """Everything the catalog says about one table, view or table-valued function; of its
    columns, those whose names are LIKE `column_pattern` when given."""
    check_pattern("columns", column_pattern)
    schema, name = parse_table_name(table)
    found, _ = await read_all(db, sql.FIND_OBJECT, {"name": name, "schema": schema})
    if not found:
        synonyms, _ = await read_all(db, sql.FIND_SYNONYM, {"name": name, "schema": schema})
        if len(synonyms) == 1:
            raise SynonymError(_synonym_text(synonyms[0]))
        where = await access.where_tables_are(db)
        near = did_you_mean(await near_names(db, schema, name))
        raise CatalogError(
            f"No table, view, table function or synonym named {table!r} {where}.{near} "
            + advice(
                "list_tables",
                "Call list_tables to see the names (use schema.table).",
                "Name it as schema.table.",
            )
        )
    if len(found) > 1:
        names = ", ".join(qualified_text(r["schema_name"], r["object_name"]) for r in found)
        raise CatalogError(f"{table!r} is ambiguous: {names}. Pass it as schema.table.")
    obj = found[0]
    params = {"object_id": obj["object_id"]}
    is_function = obj["object_type"] == "table function"

    async def fetch(query: str) -> list[dict[str, Any]]:
        return (await read_all(db, query, params))[0]

    async def fetch_columns() -> list[dict[str, Any]]:
        key = ("object_id", "column_id")
        named = {**params, "column_pattern": column_pattern}
        return (await read_keyed(db, sql.COLUMNS, key, named, limit=_MAX_COLUMNS))[0]

    async def fetch_in_turn(*queries: str) -> list[list[dict[str, Any]]]:
        return [await fetch(query) for query in queries]

    async with first_error(), asyncio.TaskGroup() as group:
        columns = group.create_task(fetch_columns())
        keys = group.create_task(fetch(sql.KEY_CONSTRAINTS))
        foreign = group.create_task(fetch(sql.FOREIGN_KEYS))
        indexes = group.create_task(fetch(sql.INDEXES))
        checks = group.create_task(fetch(sql.CHECK_CONSTRAINTS))
        parameters = group.create_task(
            fetch(sql.FUNCTION_PARAMETERS) if is_function else _no_rows()
        )
        # small answers, one after another: a table's description holds at most six
        # of the pool's connections at once (10 by default), not nine
        extras = group.create_task(
            fetch_in_turn(
                sql.TABLE_KIND, sql.SECURITY_PREDICATES, sql.TRIGGERS, sql.FULLTEXT_COLUMNS
            )
        )

    kind, security, triggers, fulltext = extras.result()

    primary, uniques = _key_constraints(keys.result())
    outgoing, incoming = _foreign_keys(foreign.result(), obj["object_id"])
    return TableDescription(
        schema_name=obj["schema_name"],
        name=obj["object_name"],
        type=obj["object_type"],
        description=obj["description"],
        row_count=_int_or_none(obj["row_count"]),
        columns=[_column(r) for r in columns.result()],
        parameters=[function_parameter(r) for r in parameters.result()],
        primary_key=primary,
        unique_constraints=uniques,
        foreign_keys=outgoing,
        referenced_by=incoming,
        indexes=_indexes(indexes.result()),
        check_constraints=[
            CheckConstraint(
                name=r["constraint_name"],
                definition=_definition(r["definition"]),
                disabled=bool(r["is_disabled"]),
            )
            for r in checks.result()
        ],
        features=table_kind(kind).model_copy(
            update={
                "row_security": security_predicates(security),
                "triggers": triggers_of(triggers),
                "fulltext_columns": [r["column_name"] for r in fulltext],
                "fulltext_enabled": all(r["is_enabled"] for r in fulltext),
                "partitioned_on": _partition_columns(indexes.result()),
            }
        ),
    )


_LENGTH_IN_BYTES = {"char", "varchar", "binary", "varbinary"}
_LENGTH_IN_PAIRS = {"nchar", "nvarchar"}  # max_length is in bytes, two per character
_SCALE_ONLY = {"datetime2", "time", "datetimeoffset"}


def _synonym_text(row: dict[str, Any]) -> str:
    """What describe_table says of a synonym: its base object, to describe instead when
    it is one of this database (a synonym has no columns of its own)."""
    synonym = qualified_text(row["schema_name"], row["synonym_name"])
    parts = ("base_server", "base_database", "base_schema", "base_name")
    base = ".".join(name_text(row[p]) if row[p] else "" for p in parts).lstrip(".")
    if row["base_server"] or row["elsewhere"]:
        return (
            f"{synonym} is a synonym for {base}, an object of another database or server:"
            " this source's catalog does not describe it. A read of the synonym reads that"
            " object with this login's permissions there."
        )
    schema, name = row["base_schema"], row["base_name"]
    local = qualified_text(schema, name) if schema else name_text(name)
    if not row["base_seen"]:  # describe_table of the base would say it is not there
        return (
            f"{synonym} is a synonym for {local} (a synonym has no columns of its own),"
            f" which this login cannot see: {local} does not exist, or the database user"
            " holds no permission on it (SQL Server's catalog shows a table only to a user"
            " with one), so its columns cannot be described to this login."
        )
    return (
        f"{synonym} is a synonym for {local} (a synonym has no columns of its own)"
        + advice("describe_table", f": call describe_table with {local!r} instead")
        + "; reads of the synonym read it."
    )


async def _no_rows() -> list[dict[str, Any]]:
    return []


def function_parameter(r: dict[str, Any]) -> FunctionParameter:
    """A FUNCTION_PARAMETERS row: its type as declared (an alias or table type by name)."""
    base = r["base_type"]
    sized = format_sql_type(base, int(r["max_length"]), int(r["precision"]), int(r["scale"]))
    declared = r["type_name"] if r["type_name"] != base else sized
    return FunctionParameter(
        name=r["parameter_name"],
        type=declared + (" READONLY" if r["is_readonly"] else ""),
    )


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


def referenced_table(schema: str | None, name: str | None) -> str:
    """schema.table of a foreign key's referenced table (OBJECT_SCHEMA_NAME and
    OBJECT_NAME of it), or TABLE_HIDDEN when they are NULL: the user cannot see it."""
    return TABLE_HIDDEN if name is None else f"{schema}.{name}"


def _definition(text: str | None) -> str:
    return DEFINITION_HIDDEN if text is None else text


def _column(r: dict[str, Any]) -> ColumnDetail:
    base = r["base_type"]
    alias = r["type_name"] if r["type_name"] != base else None
    is_computed = bool(r["is_computed"])
    computed = None
    if is_computed:
        computed = _definition(r["computed_definition"])
        if r["computed_definition"] is not None and r["is_persisted"]:
            computed += " PERSISTED"
    default = _definition(r["default_definition"]) if r["has_default"] else None
    identity = None
    if r["is_identity"]:
        identity = f"IDENTITY({r['identity_seed']},{r['identity_increment']})"
    return ColumnDetail(
        name=r["column_name"],
        type=format_sql_type(base, int(r["max_length"]), int(r["precision"]), int(r["scale"])),
        alias_type=alias,
        nullable=bool(r["is_nullable"]),
        default=default,
        identity=identity,
        is_computed=is_computed,
        computed=computed,
        description=r["description"],
        selectable=r["can_select"] != 0,  # NULL (not answered): not known to be denied
        collation=r["collation_name"],
        hidden=bool(r["is_hidden"]),
        generated_always=_applicable(r["generated_always_type_desc"]),
        sparse=bool(r["is_sparse"]),
        column_set=bool(r["is_column_set"]),
        masked=r["masking_function"],
        encrypted=r["encryption_type_desc"],
    )


def _applicable(desc: str | None) -> str | None:
    return None if desc in (None, "NOT_APPLICABLE") else desc


def _key_constraints(
    rows: list[dict[str, Any]],
) -> tuple[KeyConstraint | None, list[KeyConstraint]]:
    grouped: dict[int, tuple[str, str, list[str]]] = {}
    for r in rows:
        kind = str(r["constraint_type"]).strip()
        entry = grouped.setdefault(r["constraint_id"], (kind, r["constraint_name"], []))
        entry[2].append(r["column_name"])
    primary = None
    uniques = []
    for kind, name, columns in grouped.values():
        if kind == "PK":
            primary = KeyConstraint(name=name, columns=columns)
        else:
            uniques.append(KeyConstraint(name=name, columns=columns))
    return primary, uniques


def _foreign_keys(
    rows: list[dict[str, Any]], object_id: int
) -> tuple[list[ForeignKey], list[ForeignKey]]:
    """The keys from the table `object_id` and those to it, told apart by the tables'
    ids: names alike ([a.b].c and a.[b.c] are both "a.b.c") would mix them up."""
    # Keyed on object_id: two schemas may each have a key of the same name.
    grouped: dict[int, tuple[ForeignKey, int, int]] = {}
    for r in rows:
        entry = grouped.get(r["constraint_id"])
        if entry is None:
            hidden = r["to_table"] is None
            entry = grouped[r["constraint_id"]] = (
                ForeignKey(
                    name=r["constraint_name"],
                    from_table=f"{r['from_schema']}.{r['from_table']}",
                    from_columns=[],
                    to_table=referenced_table(r["to_schema"], r["to_table"]),
                    to_columns=[],
                    on_delete=r["on_delete"],
                    on_update=r["on_update"],
                    from_schema=r["from_schema"],
                    from_name=r["from_table"],
                    to_schema=None if hidden else r["to_schema"],
                    to_name=r["to_table"],
                ),
                r["parent_object_id"],
                r["referenced_object_id"],
            )
        fk = entry[0]
        fk.from_columns.append(r["from_column"])
        if r["to_column"] is not None:
            fk.to_columns.append(r["to_column"])
    # A self-referencing key is both outgoing and incoming.
    outgoing = [fk for fk, parent, _ in grouped.values() if parent == object_id]
    incoming = [fk for fk, _, referenced in grouped.values() if referenced == object_id]
    return outgoing, incoming


DESC_SUFFIX = " DESC"  # after a descending key column's name
# sys.indexes.type of clustered (5) and nonclustered (6) columnstore indexes.
_COLUMNSTORE = {5, 6}


def _indexes(rows: list[dict[str, Any]]) -> list[IndexDetail]:
    """Index rows (ordered by index_id, index_column_id) by sys.index_columns' rules."""
    grouped: dict[int, tuple[IndexDetail, list[tuple[int, str]]]] = {}
    for r in rows:
        entry = grouped.get(r["index_id"])
        if entry is None:
            has_filter = bool(r["has_filter"])
            entry = grouped[r["index_id"]] = (
                IndexDetail(
                    name=r["index_name"],
                    type=r["type_desc"],
                    unique=bool(r["is_unique"]),
                    primary_key=bool(r["is_primary_key"]),
                    columns=[],
                    included=[],
                    filter=_definition(r["filter_definition"]) if has_filter else None,
                    disabled=bool(r["is_disabled"]),
                ),
                [],
            )
        index, keys = entry
        key_ordinal = int(r["key_ordinal"])
        if key_ordinal > 0:
            keys.append(
                (key_ordinal, r["column_name"] + (DESC_SUFFIX if r["is_descending_key"] else ""))
            )
        elif int(r["index_type"]) in _COLUMNSTORE:
            index.columns.append(r["column_name"])  # no key: every column is "included"
        elif r["is_included_column"]:
            index.included.append(r["column_name"])
        elif int(r["partition_ordinal"]) > 0:
            index.partition_columns.append(r["column_name"])
        else:  # an XML or spatial index: the indexed column, which cannot be a key
            index.columns.append(r["column_name"])
    for index, keys in grouped.values():
        index.columns[:0] = [name for _, name in sorted(keys)]
    return [index for index, _ in grouped.values()]


def _partition_columns(rows: list[dict[str, Any]]) -> list[str]:
    """The partitioning columns of the first index (by index_id) that has them."""
    first: dict[int, str] = {}
    index_id = None
    for r in rows:
        if int(r["partition_ordinal"]) > 0 and index_id in (None, r["index_id"]):
            index_id = r["index_id"]
            first[int(r["partition_ordinal"])] = r["column_name"]
    return [first[k] for k in sorted(first)]


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)
