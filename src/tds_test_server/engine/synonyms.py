"""Synonyms ("CREATE SYNONYM", "DROP SYNONYM", "sys.synonyms" in Microsoft's docs).

A synonym is a row of __azsql_objects of type SN whose `definition` keeps its base
object's name as sys.synonyms.base_object_name shows it: each part written quoted in
brackets, an omitted middle part left empty (`[Other]..[T]`). The base need not exist
when the synonym is created; a statement that names the synonym binds it to its base by
name when it runs, and fails then if there is none: error 5313 (a choice for a base in
another database, which this one-database server cannot hold), or 7202 for a base on a
linked server (this server has none in sys.servers). SELECT (EXECUTE for a synonym of
a procedure, which EXEC runs) is checked on the synonym, not its base: everything here
is dbo's, so the ownership chain is unbroken, as between a view and its tables (the
pages say the base's permissions are checked when the statement runs, not how a chain
applies: unverified).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from sqlglot import exp

from ..results import TdsError
from . import errors
from .batches import Statement
from .catalog import DEFAULT_SCHEMA, Catalog
from .token_stream import Tokens

SYNONYM = "SN"  # its sys.objects type
# The sys.objects types a synonym may stand for in FROM here: tables and views.
_READABLE = ("U", "V")


def quoted(parts: list[str]) -> str:
    """base_object_name: each written part in brackets (a `]` doubled), empty ones kept."""
    return ".".join(f"[{p.replace(']', ']]')}]" if p else "" for p in parts)


def create_synonym(conn: sqlite3.Connection, catalog: Catalog, stmt: Statement, now: str) -> None:
    """CREATE SYNONYM [schema.]name FOR [[[server.]database.]schema.]object."""
    ts = Tokens(stmt)
    ts.expect("CREATE")
    ts.expect("SYNONYM")
    schema, name = _own_name(ts)
    ts.expect("FOR")
    base = ts.multipart()
    ts.end()
    if len(base) > 4 or not base[-1]:
        raise errors.syntax_near(base[-1] or "FOR")
    schema_id = catalog.schema_id(schema)
    if schema_id is None:
        raise errors.schema_missing(schema)
    if catalog.table(schema, name) or catalog.resolve_object_id(quoted([schema, name])):
        raise errors.object_exists(name)
    conn.execute(
        "INSERT INTO __azsql_objects (object_id, name, schema_id, type, create_date,"
        " modify_date, definition) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (catalog.next_object_id(), name, schema_id, SYNONYM, now, now, quoted(base)),
    )


def drop_synonym(conn: sqlite3.Connection, catalog: Catalog, stmt: Statement) -> None:
    """DROP SYNONYM [IF EXISTS] [schema.]name."""
    ts = Tokens(stmt)
    ts.expect("DROP")
    ts.expect("SYNONYM")
    if_exists = bool(ts.accept("IF")) and bool(ts.expect("EXISTS"))
    schema, name = _own_name(ts)
    ts.end()
    oid = _synonym_id(catalog, schema, name)
    if oid is not None:
        conn.execute("DELETE FROM __azsql_objects WHERE object_id = ?", (oid,))
    elif not if_exists:
        raise errors.cannot_drop("synonym", name)


def _own_name(ts: Tokens) -> tuple[str, str]:
    """(schema, name) of the synonym named at the cursor: no database or server part."""
    parts = ts.multipart()
    if len(parts) > 2:
        raise errors.syntax_near(parts[-1])
    schema = parts[0] if len(parts) == 2 else ""
    return schema or DEFAULT_SCHEMA, parts[-1]


def _synonym_id(catalog: Catalog, schema: str, name: str) -> int | None:
    oid = catalog.resolve_object_id(quoted([schema, name]))
    row = catalog.objects.get(oid) if oid is not None else None
    return oid if row is not None and row.type == SYNONYM else None


def resolve_synonyms(tree: exp.Expression, catalog: Catalog, database: str) -> exp.Expression:
    """Each table of `tree` that names a synonym is renamed to its base table or view
    (aliased by the synonym's name unless it has an alias) and keeps the synonym's
    (object_id, schema_id) in meta["synonym"], whose SELECT is checked instead of the
    base's (Catalog.synonyms: each synonym's id and base name parts, by name)."""
    if not catalog.synonyms:
        return tree
    ctes = {c.alias_or_name.casefold() for c in tree.find_all(exp.CTE)}
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier) or table.this.args.get("temporary"):
            continue
        if table.catalog and table.catalog.casefold() != database.casefold():
            continue
        if not table.db and table.name.casefold() in ctes:
            continue
        found = catalog.synonyms.get(
            ((table.db or DEFAULT_SCHEMA).casefold(), table.name.casefold())
        )
        if found is None:
            continue
        oid, parts = found
        schema, name = _local_base(parts, database)
        base = catalog.table(schema, name)
        if base is None or base.kind not in _READABLE:
            raise _invalid_synonym(catalog, oid)
        if not table.alias:
            table.set("alias", exp.TableAlias(this=exp.to_identifier(table.name)))
        table.set("this", exp.to_identifier(base.name))
        table.set("db", exp.to_identifier(base.schema))
        table.set("catalog", None)
        table.meta["synonym"] = (oid, catalog.objects[oid].schema_id)
    return tree


def procedure_base(catalog: Catalog, schema: str, name: str, database: str) -> int | None:
    """The object_id of the procedure that synonym schema.name stands for, None when
    schema.name is no synonym; 5313 when its base is no procedure of this database
    (EXEC of a synonym runs its base: "Synonyms (Database Engine)", Using Synonyms)."""
    found = catalog.synonyms.get((schema.casefold(), name.casefold()))
    if found is None:
        return None
    oid, parts = found
    base_schema, base_name = _local_base(parts, database)
    base = catalog.resolve_object_id(quoted([base_schema, base_name])) if base_name else None
    row = catalog.object_row(base) if base is not None else None
    if row is None or row.type != "P":
        raise _invalid_synonym(catalog, oid)
    return row.object_id


def _local_base(parts: list[str], database: str) -> tuple[str, str]:
    """(schema, name) of a base in this database; 7202 for one on a linked server."""
    padded = ["", "", "", *parts][-4:]
    server, db, schema, name = padded
    if server:
        raise TdsError(  # severity 11, as "Database engine events and errors" lists it
            7202,
            f"Could not find server '{server}' in sys.servers. Verify that the correct server"
            " name was specified. If necessary, execute the stored procedure"
            " sp_addlinkedserver to add the server to sys.servers.",
            severity=11,
        )
    if db and db.casefold() != database.casefold():
        return "", ""  # no such object here: 5313
    return schema or DEFAULT_SCHEMA, name


def _invalid_synonym(catalog: Catalog, object_id: int) -> TdsError:
    row = catalog.objects[object_id]
    schema = catalog.schema_names.get(row.schema_id, DEFAULT_SCHEMA)
    return TdsError(5313, f"Synonym '{schema}.{row.name}' refers to an invalid object.")


def synonyms_read(
    tree: exp.Expression, kind: str, tables: Iterable[exp.Table]
) -> list[tuple[int, int]]:
    """(object_id, schema_id) of each synonym a statement reads through (not the target
    of a write, whose permission is the write's, nor one an inline function's body reads:
    ownership chaining); `tables`: the tree's (Query.nodes)."""
    target = tree.this if kind != "select" else None
    if isinstance(target, exp.Schema):
        target = target.this
    return [
        t.meta["synonym"]
        for t in tables
        if "synonym" in t.meta and "chained" not in t.meta and t is not target
    ]
