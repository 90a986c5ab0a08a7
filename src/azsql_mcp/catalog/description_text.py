"""A table's description as the text a model reads (describe_table, the table
resources): its columns with their features, keys, indexes, checks and what the login
may not see, fenced whole."""

from __future__ import annotations

import json

from azsql_mcp.api import Database, DatabaseError, advice
from azsql_mcp.catalog import access
from azsql_mcp.catalog.functions import function_lines
from azsql_mcp.catalog.names import TABLE_HIDDEN, name_text, names_text, qualified_text
from azsql_mcp.catalog.table_features import (
    TableFeatures,
    kind_lines,
    security_lines,
    trigger_lines,
)
from azsql_mcp.catalog.tables import (
    DEFINITION_HIDDEN,
    DESC_SUFFIX,
    NO_SELECT,
    NO_SELECT_STAR,
    ColumnDetail,
    LeftOut,
    TableDescription,
)
from azsql_mcp.values import cell_text, fence_untrusted

# Where read_data finds what a cut description left out of each list: the catalog view
# and its column holding the table's object id.
_LEFT_OUT_VIEWS = {
    "unique_constraints": ("UNIQUE constraints", "sys.key_constraints", "parent_object_id"),
    "foreign_keys": ("foreign keys", "sys.foreign_keys", "parent_object_id"),
    "referenced_by": ("keys from other tables", "sys.foreign_keys", "referenced_object_id"),
    "indexes": ("indexes", "sys.indexes", "object_id"),
    "check_constraints": ("CHECK constraints", "sys.check_constraints", "parent_object_id"),
}


_HIDDEN = "(hidden)"
# Where the login sees no policy on the table and may not see them all: SQL Server shows
# it a policy only with VIEW DEFINITION on it, while the policy filters its reads.
_POLICIES_UNSEEN = (
    "row-level security policies are not shown to this login: one may let it read fewer"
    " rows than row_count"
)


def _policies_unseen(features: TableFeatures) -> bool:
    return features.row_security_hidden and not features.row_security


async def definitions_grantee(db: Database, info: TableDescription) -> str | None:
    """The database user to name in the GRANT that shows `info`'s hidden definitions and
    row-level security policies: None when none is hidden, or when the server does not
    say who it is."""
    if not (info.hides_definitions or _policies_unseen(info.features)):
        return None
    try:
        return await access.database_user(db)
    except DatabaseError:  # the description came: a failed name costs it nothing
        return None


def render_description(info: TableDescription, *, user: str | None = None) -> str:
    """Compact text of a table description, fenced whole: every name in it came from the
    database (written by name_text). A definition the login may not see is `(hidden)`,
    said once at the end why, with the GRANT to `user` when given (definitions_grantee);
    the structured description holds DEFINITION_HIDDEN."""
    rows = f", ~{info.row_count} rows" if info.row_count is not None else ""
    left_out = info.left_out or LeftOut()
    total = len(info.columns) + left_out.columns
    lines = [f"{info.type} {qualified_text(info.schema_name, info.name)} ({total} columns{rows})"]
    if info.type == "table function":
        lines += function_lines(info.schema_name, info.name, info.parameters)
    features = info.features
    lines += kind_lines(features)
    if features.partitioned_on:
        lines.append(
            f"PARTITIONED ON ({names_text(features.partitioned_on)}):"
            " a WHERE on it reads only the partitions it selects"
        )
    for c in info.columns:
        parts = [c.type + (f" [{c.alias_type}]" if c.alias_type else "")]
        if c.collation:
            parts.append(f"COLLATE {c.collation}")
        parts.append("NULL" if c.nullable else "NOT NULL")
        if c.identity:
            parts.append(c.identity)
        if c.default == DEFINITION_HIDDEN:
            parts.append(f"DEFAULT {_HIDDEN}")
        elif c.default:
            parts.append(f"DEFAULT {c.default}")
        if c.computed == DEFINITION_HIDDEN:
            parts.append(f"COMPUTED {_HIDDEN}")
        elif c.computed:
            parts.append(f"AS {c.computed}")
        parts += _column_features(c, features)
        if not c.selectable:
            parts.append(NO_SELECT)
        if c.description:
            parts.append(f"-- {c.description}")
        texts = [cell_text(p, max_chars=300) for p in parts]
        lines.append("  " + " ".join([name_text(c.name), *texts]))
    if left_out.columns:
        lines.append(
            f"... {left_out.columns} more columns not shown"
            + advice(
                "describe_table",
                ": describe_table with columns (a LIKE pattern on their names) shows those"
                " that match",
            )
        )
    if any(not c.selectable for c in info.columns):
        lines.append(NO_SELECT_STAR)
    lines += [note for flag, note in _column_notes(info.columns, features) if flag]
    if info.primary_key:
        pk = info.primary_key
        lines.append(f"PRIMARY KEY {name_text(pk.name)} ({names_text(pk.columns)})")
    for u in info.unique_constraints:
        lines.append(f"UNIQUE {name_text(u.name)} ({names_text(u.columns)})")
    for fk in info.foreign_keys:
        target = TABLE_HIDDEN
        if fk.to_name is not None:
            target = (
                f"{qualified_text(fk.to_schema or '', fk.to_name)} ({names_text(fk.to_columns)})"
            )
        lines.append(f"FK {name_text(fk.name)} ({names_text(fk.from_columns)}) -> {target}")
    for fk in info.referenced_by:
        lines.append(
            f"REFERENCED BY {qualified_text(fk.from_schema, fk.from_name)}"
            f" ({names_text(fk.from_columns)}) via {name_text(fk.name)}"
        )
    for ix in info.indexes:
        kind = ("UNIQUE " if ix.unique else "") + ix.type
        columns = ", ".join(map(_key_text, ix.columns))
        text = f"INDEX {name_text(ix.name or '')} {kind} ({columns})"
        if ix.included:
            text += f" INCLUDE ({names_text(ix.included)})"
        if ix.partition_columns:
            text += f" PARTITIONED ON ({names_text(ix.partition_columns)})"
        if ix.filter == DEFINITION_HIDDEN:
            text += f" FILTERED {_HIDDEN}"
        elif ix.filter:
            text += f" WHERE {cell_text(ix.filter, max_chars=300)}"
        if ix.disabled:
            text += " (disabled)"
        lines.append(text)
    if features.fulltext_columns:
        disabled = "" if features.fulltext_enabled else " (disabled)"
        lines.append(
            f"FULLTEXT INDEX ({names_text(features.fulltext_columns)}){disabled}:"
            " search them with CONTAINS or FREETEXT"
        )
    for ck in info.check_constraints:
        definition = ck.definition
        definition = (
            _HIDDEN if definition == DEFINITION_HIDDEN else cell_text(definition, max_chars=300)
        )
        disabled = " (disabled)" if ck.disabled else ""
        lines.append(f"CHECK {name_text(ck.name)} {definition}{disabled}")
    lines += _left_out_lines(info, left_out)
    lines += security_lines(features.row_security)
    lines += trigger_lines(features.triggers)
    hidden = [
        text
        for flag, text in (
            (info.hides_definitions, f"{_HIDDEN}: a definition this login may not see"),
            (_policies_unseen(features), _POLICIES_UNSEEN),
        )
        if flag
    ]
    if hidden:
        grant = "" if user is None else f": {access.view_definition_grant(user)}"
        lines.append(f"{'; '.join(hidden)} (needs VIEW DEFINITION{grant})")
    if info.description:
        lines.append(f"Description: {cell_text(info.description, max_chars=1000)}")
    return fence_untrusted("\n".join(lines), what="the catalog's description")


def _left_out_lines(info: TableDescription, left_out: LeftOut) -> list[str]:
    """Where read_data finds each list's rest: the parameter names the table, so no
    name is pasted into SQL."""
    table = json.dumps({"table": f"{access.quote(info.schema_name)}.{access.quote(info.name)}"})
    return [
        f"... {count} more {what} not shown"
        + advice(
            "read_data",
            f": read_data with SELECT * FROM {view} WHERE {column} = OBJECT_ID(@table) and"
            f" params {table}",
            f" (SQL Server's {view} holds them)",
        )
        for key, (what, view, column) in _LEFT_OUT_VIEWS.items()
        if (count := getattr(left_out, key))
    ]


def _key_text(column: str) -> str:
    """An index key column as IndexDetail holds it (" DESC" appended when descending)."""
    if column.endswith(DESC_SUFFIX):
        return name_text(column.removesuffix(DESC_SUFFIX)) + DESC_SUFFIX
    return name_text(column)


_GRAPH_PSEUDO = ("$node_id_", "$edge_id_", "$from_id_", "$to_id_")


def _column_features(c: ColumnDetail, kind: TableFeatures) -> list[str]:
    # sys.types names rowversion "timestamp": an 8-byte counter the engine sets on every
    # write ("rowversion (Transact-SQL)"), which a date compares with by error
    parts = ["(rowversion: not a date)"] if c.type == "timestamp" else []
    if c.generated_always:  # AS_ROW_START -> GENERATED ALWAYS AS ROW START
        what = c.generated_always.removeprefix("AS_").rpartition("_")
        parts.append(f"GENERATED ALWAYS AS {what[0]} {what[2]}")
    if c.hidden:  # a graph table's are its internal columns, read through the $ ones
        parts.append("HIDDEN (internal graph column)" if kind.graph else "HIDDEN")
    if c.sparse:
        parts.append("SPARSE")
    if c.column_set:
        parts.append("COLUMN_SET FOR ALL_SPARSE_COLUMNS")
    if c.masked is not None:
        parts.append(f"MASKED WITH (FUNCTION = '{c.masked}')")
    if c.encrypted is not None:
        parts.append(f"ENCRYPTED ({c.encrypted})")
    if kind.graph and c.name.startswith(_GRAPH_PSEUDO):
        parts.append(f"(query it as {c.name.rpartition('_')[0]})")
    return parts


def _column_notes(columns: list[ColumnDetail], kind: TableFeatures) -> list[tuple[bool, str]]:
    """A note for each column feature a query must allow for, and whether any has it."""
    return [
        (
            not kind.graph and any(c.hidden for c in columns),
            "HIDDEN columns are not in SELECT *: name them.",
        ),
        (
            any(c.column_set for c in columns),
            "SELECT * returns the column set (xml) in place of the SPARSE columns.",
        ),
        (
            any(c.masked is not None for c in columns),
            "MASKED columns read masked unless the login has UNMASK;"
            " WHERE and JOIN still compare the real values.",
        ),
        (
            any(c.encrypted is not None for c in columns),
            "ENCRYPTED columns (Always Encrypted) read as ciphertext:"
            " do not filter, join, sort or group on them.",
        ),
    ]
