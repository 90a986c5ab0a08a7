"""What sys.tables, sys.security_predicates, sys.triggers, the full-text catalog and the
indexes say a table is beyond its columns (temporal, ledger, memory-optimized, graph,
external, FileTable; row-level security; triggers; full-text; partitioning), and the line
describe_table writes for each. One object in describe_table's result, so its
outputSchema (in every tools/list) grows by one field, not six."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from azsql_mcp.catalog.names import TABLE_HIDDEN, name_text, qualified_text


class SecurityPredicate(BaseModel):
    """A row-level security predicate on the table (sys.security_predicates)."""

    policy: str  # schema.name of the security policy
    type: str  # FILTER (reads see only the rows it allows) or BLOCK (writes it refuses)
    operation: str | None  # a BLOCK predicate's AFTER INSERT, BEFORE UPDATE...
    enabled: bool


class Trigger(BaseModel):
    name: str
    instead_of: bool  # runs in place of the statement; else AFTER it
    events: list[str]  # INSERT, UPDATE, DELETE
    disabled: bool


class TableFeatures(BaseModel):
    """What the catalog says of a table beyond its columns; all empty for a plain one."""

    # sys.tables.temporal_type_desc: SYSTEM_VERSIONED_TEMPORAL_TABLE or HISTORY_TABLE
    temporal: str | None = None
    # ledger_type_desc (SQL Server 2022+): UPDATABLE_LEDGER_TABLE, APPEND_ONLY_LEDGER_TABLE,
    # HISTORY_TABLE
    ledger: str | None = None
    history_table: str | None = None  # schema.table holding this table's history
    history_of: str | None = None  # schema.table whose history this table holds
    # durability_desc of a memory-optimized table: SCHEMA_AND_DATA, or SCHEMA_ONLY (its
    # rows are lost when the server restarts)
    memory_optimized: str | None = None
    graph: Literal["NODE", "EDGE"] | None = None  # is_node / is_edge (SQL Server 2017+)
    external: bool = False  # rows read from an external data source
    filetable: bool = False
    # Only those on policies the login may see (metadata visibility): none listed is not
    # proof of none.
    row_security: list[SecurityPredicate] = []
    # The login may not see every policy: it holds neither VIEW DEFINITION nor ALTER ANY
    # SECURITY POLICY on the database (a db_datareader), so one may filter its reads unseen.
    row_security_hidden: bool = False
    triggers: list[Trigger] = []
    # The columns of its full-text index (CONTAINS, FREETEXT), empty without one; whether
    # that index is enabled.
    fulltext_columns: list[str] = []
    fulltext_enabled: bool = True
    # The partitioning column of a partitioned table (its indexes' partition_ordinal > 0,
    # the clustered one's first): a WHERE on it reads only the partitions it selects.
    # Empty for an unpartitioned table, and for a partitioned heap without an index.
    partitioned_on: list[str] = []


def name_or_none(schema: str | None, name: str | None) -> str | None:
    """schema.name, or None when the object is not there or hidden from the login."""
    return None if name is None else f"{schema}.{name}"


def table_kind(rows: list[dict[str, Any]]) -> TableFeatures:
    """TableFeatures from the TABLE_KIND row (none for a view); a column the server's
    version lacks (is_node before 2017, ledger_type_desc before 2022) reads as absent."""
    if not rows:
        return TableFeatures()
    r = rows[0]
    temporal = r.get("temporal_type_desc")
    ledger = r.get("ledger_type_desc")
    graph: Literal["NODE", "EDGE"] | None = None
    if r.get("is_node"):
        graph = "NODE"
    elif r.get("is_edge"):
        graph = "EDGE"
    return TableFeatures(
        temporal=None if temporal in (None, "NON_TEMPORAL_TABLE") else temporal,
        ledger=None if ledger in (None, "NON_LEDGER_TABLE") else ledger,
        history_table=name_or_none(r["history_schema"], r["history_name"]),
        history_of=name_or_none(r["history_of_schema"], r["history_of_name"]),
        memory_optimized=r.get("durability_desc") if r.get("is_memory_optimized") else None,
        graph=graph,
        external=bool(r.get("is_external")),
        filetable=bool(r.get("is_filetable")),
        row_security_hidden=r.get("sees_security_policies") == 0,
    )


def triggers_of(rows: list[dict[str, Any]]) -> list[Trigger]:
    """A trigger per object_id (a row per event, in TRIGGERS' order)."""
    grouped: dict[int, Trigger] = {}
    for r in rows:
        trigger = grouped.setdefault(
            r["object_id"],
            Trigger(
                name=r["trigger_name"],
                instead_of=bool(r["is_instead_of_trigger"]),
                events=[],
                disabled=bool(r["is_disabled"]),
            ),
        )
        trigger.events.append(r["event"])
    return list(grouped.values())


def security_predicates(rows: list[dict[str, Any]]) -> list[SecurityPredicate]:
    return [
        SecurityPredicate(
            policy=f"{r['policy_schema']}.{r['policy_name']}",
            type=r["predicate_type_desc"],
            operation=r["operation_desc"],
            enabled=bool(r["is_enabled"]),
        )
        for r in rows
    ]


def kind_lines(kind: TableFeatures) -> list[str]:
    """One line for each thing sys.tables says the table is, with what it means to a query."""
    lines = []
    if kind.temporal == "SYSTEM_VERSIONED_TEMPORAL_TABLE":
        history = _table_text(kind.history_table)
        lines.append(
            f"SYSTEM-VERSIONED TEMPORAL: past versions of rows are in {history};"
            " read them here with FOR SYSTEM_TIME AS OF / BETWEEN / ALL"
        )
    if kind.history_of is not None or kind.temporal == "HISTORY_TABLE":
        current = _table_text(kind.history_of)
        lines.append(f"HISTORY TABLE of {current}: the past versions of its rows")
    if kind.ledger is not None and kind.ledger != "HISTORY_TABLE":
        append_only = kind.ledger == "APPEND_ONLY_LEDGER_TABLE"
        lines.append(f"LEDGER {kind.ledger}" + (": no UPDATE or DELETE" if append_only else ""))
    if kind.memory_optimized is not None:
        lost = ": its rows are lost on restart" if kind.memory_optimized == "SCHEMA_ONLY" else ""
        lines.append(f"MEMORY_OPTIMIZED, DURABILITY = {kind.memory_optimized}{lost}")
    if kind.graph == "NODE":
        lines.append("NODE table: $node_id identifies a row (edges' $from_id/$to_id; MATCH)")
    elif kind.graph == "EDGE":
        lines.append("EDGE table: $edge_id, $from_id, $to_id; join its nodes with MATCH")
    if kind.external:
        lines.append("EXTERNAL table: its rows come from an external data source")
    if kind.filetable:
        lines.append("FILETABLE: its rows are the files and directories of a FileTable share")
    return lines


def _table_text(name: str | None) -> str:
    """A schema.table TableFeatures holds, as the description writes names."""
    if name is None:
        return TABLE_HIDDEN
    schema, _, table = name.partition(".")
    return qualified_text(schema, table)


def security_lines(predicates: list[SecurityPredicate]) -> list[str]:
    lines = []
    for p in predicates:
        schema, _, name = p.policy.partition(".")
        text = f"ROW-LEVEL SECURITY {p.type} predicate of {qualified_text(schema, name)}"
        if p.operation:
            text += f" ({p.operation})"
        lines.append(text + ("" if p.enabled else " (policy disabled)"))
    if any(p.enabled and p.type == "FILTER" for p in predicates):
        lines.append("Reads see only the rows the policy allows: counts may be below row_count.")
    return lines


def trigger_lines(triggers: list[Trigger]) -> list[str]:
    lines = []
    for t in triggers:
        when = "INSTEAD OF" if t.instead_of else "AFTER"
        disabled = " (disabled)" if t.disabled else ""
        lines.append(f"TRIGGER {name_text(t.name)} {when} {', '.join(t.events)}{disabled}")
    return lines
