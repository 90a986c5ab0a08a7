"""A synthetic ShowPlanXML document built from SQLite's EXPLAIN QUERY PLAN.

The document has the shape of SQL Server's showplan schema
(http://schemas.microsoft.com/sqlserver/2004/07/showplan): BatchSequence /
Batch / Statements / StmtSimple / QueryPlan / RelOp, with MissingIndexes when a
scan filters on columns no index leads with. Operators and costs are derived
from SQLite's plan and table sizes; they are plausible, not SQL Server's.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

from sqlglot import exp

from .catalog import DEFAULT_SCHEMA, Table
from .translate import Query

NAMESPACE = "http://schemas.microsoft.com/sqlserver/2004/07/showplan"


@dataclass
class TableFacts:
    table: Table
    rows: int
    indexes: dict[str, tuple[str | None, int]]  # sqlite index name -> (index name, type)
    leading_columns: set[str]  # first key column of every index, casefolded


@dataclass
class Facts:
    database: str
    tables: dict[str, TableFacts] = field(default_factory=dict)  # sqlite name casefolded


@dataclass
class Op:
    physical: str
    logical: str
    rows: float
    io: float = 0.0
    cpu: float = 0.0
    children: list[Op] = field(default_factory=list)
    element: str = ""  # the operator-specific XML element

    def cost(self) -> float:
        return self.io + self.cpu + sum(c.cost() for c in self.children)


_SCAN = re.compile(r"^SCAN (\S+)(?: USING (COVERING )?INDEX (.+))?$")
_SEARCH = re.compile(r"^SEARCH (\S+) USING (?:(COVERING )?INDEX (.+?)|INTEGER PRIMARY KEY) \(")


def build(
    text: str,
    head: str,
    q: Query | None,
    plan: list[tuple[int, int, str]] | None,
    facts: Facts,
) -> str:
    """The XML for one statement (SET SHOWPLAN_XML ON returns one per statement)."""
    statement_type = {"WITH": "SELECT", "EXEC": "EXECUTE PROC"}.get(head, head)
    body = ""
    est_rows, cost = 0.0, 0.0
    if q is not None and plan is not None:
        aliases = _aliases(q.tsql)
        root = _operators(q, plan, aliases, facts)
        est_rows, cost = root.rows, root.cost()
        missing = _missing_indexes(q, plan, aliases, facts)
        warnings = _warnings(q)
        counter = iter(range(10_000))
        body = (
            '<QueryPlan DegreeOfParallelism="1" CachedPlanSize="16" CompileTime="1"'
            ' CompileCPU="1" CompileMemory="128">'
            + missing
            + warnings
            + _relop(root, counter)
            + "</QueryPlan>"
        )
    digest = hashlib.sha1(text.encode()).hexdigest()[:16].upper()
    return (
        f'<ShowPlanXML xmlns="{NAMESPACE}" Version="1.564" Build="16.0.1000.6">'
        "<!-- Synthetic plan: derived from SQLite EXPLAIN QUERY PLAN by the azsql-mcp TDS test"
        " server, not produced by SQL Server. -->"
        "<BatchSequence><Batch><Statements>"
        f'<StmtSimple StatementText={quoteattr(text)} StatementId="1" StatementCompId="1"'
        f' StatementType="{statement_type}" RetrievedFromCache="false"'
        f' StatementSubTreeCost="{cost:.7f}" StatementEstRows="{est_rows:g}"'
        f' StatementOptmLevel="FULL" QueryHash="0x{digest}" QueryPlanHash="0x{digest[::-1]}">'
        '<StatementSetOptions ANSI_NULLS="true" ANSI_PADDING="true" ANSI_WARNINGS="true"'
        ' ARITHABORT="true" CONCAT_NULL_YIELDS_NULL="true" NUMERIC_ROUNDABORT="false"'
        ' QUOTED_IDENTIFIER="true" />'
        + body
        + "</StmtSimple></Statements></Batch></BatchSequence></ShowPlanXML>"
    )


def _aliases(tree: exp.Expression) -> dict[str, str]:
    """Alias (as SQLite's plan names it) -> sqlite table name, casefolded."""
    result: dict[str, str] = {}
    for t in tree.find_all(exp.Table):
        if not isinstance(t.this, exp.Identifier):
            continue
        sqlite_name = f"{t.db or DEFAULT_SCHEMA}.{t.name}".casefold()
        result[(t.alias or t.name).casefold()] = sqlite_name
        result.setdefault(sqlite_name, sqlite_name)
    return result


def _object(facts: Facts, tf: TableFacts, index: str | None, kind: str) -> str:
    index_attr = (
        f" Index={quoteattr('[' + index + ']')} IndexKind={quoteattr(kind)}" if index else ""
    )
    return (
        f"<Object Database={quoteattr('[' + facts.database + ']')}"
        f" Schema={quoteattr('[' + tf.table.schema + ']')}"
        f' Table={quoteattr("[" + tf.table.name + "]")}{index_attr} Storage="RowStore" />'
    )


def _access(detail: str, aliases: dict[str, str], facts: Facts) -> Op | None:
    scan, search = _SCAN.match(detail), _SEARCH.match(detail)
    m = scan or search
    if m is None:
        return None
    tf = facts.tables.get(aliases.get(m.group(1).casefold(), m.group(1).casefold()))
    if tf is None:
        return None
    rows = max(tf.rows, 1)
    pages = max(1, rows * 64 // 8192)
    clustered = next((n for n, t in tf.indexes.values() if t == 1), None)
    index_name = m.group(3)
    named = tf.indexes.get((index_name or "").casefold(), (None, 2))[0] if index_name else None
    if scan:
        if named:
            physical, index, kind = "Index Scan", named, "NonClustered"
        elif clustered:
            physical, index, kind = "Clustered Index Scan", clustered, "Clustered"
        else:
            physical, index, kind = "Table Scan", None, "Heap"
        est = float(rows)
        io, cpu = 0.003125 + pages * 0.00074074, 0.0001581 + rows * 0.0000011
    else:
        if named:
            physical, index, kind = "Index Seek", named, "NonClustered"
        else:
            physical, index, kind = "Clustered Index Seek", clustered or "PK", "Clustered"
        est, io, cpu = 1.0, 0.003125, 0.0001581
    element = (
        f'<IndexScan Ordered="{str(not scan).lower()}" ForcedIndex="false" ForceScan="false"'
        ' NoExpandHint="false" Storage="RowStore"><DefinedValues />'
        + _object(facts, tf, index, kind)
        + "</IndexScan>"
    )
    if physical == "Table Scan":
        element = (
            '<TableScan Ordered="false" ForcedIndex="false" ForceScan="false"'
            ' NoExpandHint="false" Storage="RowStore"><DefinedValues />'
            + _object(facts, tf, None, "Heap")
            + "</TableScan>"
        )
    return Op(physical, physical, est, io, cpu, element=element)


def _operators(
    q: Query, plan: list[tuple[int, int, str]], aliases: dict[str, str], facts: Facts
) -> Op:
    accesses = [op for _, _, detail in plan if (op := _access(detail, aliases, facts))]
    details = " | ".join(d for _, _, d in plan)
    if not accesses:
        root = Op("Constant Scan", "Constant Scan", 1.0, 0.0, 0.0000011, element="<ConstantScan />")
    else:
        root = accesses[0]
        for inner in accesses[1:]:
            rows = max(root.rows * max(inner.rows, 1) / 10, 1)
            root = Op(
                "Nested Loops",
                "Inner Join",
                rows,
                0.0,
                rows * 0.00000418,
                [root, inner],
                '<NestedLoops Optimized="false" />',
            )
    tree = q.tsql
    if isinstance(tree, exp.Select) and (tree.args.get("group") or tree.find(exp.AggFunc)):
        grouped = bool(tree.args.get("group"))
        rows = max(root.rows / 10, 1) if grouped else 1.0
        physical = "Hash Match" if grouped else "Stream Aggregate"
        element = "<Hash />" if grouped else "<StreamAggregate />"
        root = Op(physical, "Aggregate", rows, 0.0, root.rows * 0.0000012, [root], element)
    if "FOR DISTINCT" in details:
        root = Op(
            "Hash Match", "Flow Distinct", root.rows, 0.0, root.rows * 0.0000012, [root], "<Hash />"
        )
    if "FOR ORDER BY" in details:
        root = Op(
            "Sort",
            "Sort",
            root.rows,
            0.0112613,
            root.rows * 0.0000156,
            [root],
            '<Sort Distinct="false" />',
        )
    if isinstance(tree, exp.Select) and tree.args.get("limit") is not None:
        root = Op("Top", "Top", root.rows, 0.0, 0.0000001, [root], "<Top />")
    if q.kind in ("insert", "update", "delete"):
        target = facts.tables.get((q.target or "").casefold())
        clustered = target is not None and any(t == 1 for _, t in target.indexes.values())
        verb = q.kind.capitalize()
        physical = f"Clustered Index {verb}" if clustered else f"Table {verb}"
        obj = _object(facts, target, None, "Clustered") if target else ""
        root = Op(
            physical,
            verb,
            root.rows,
            0.01,
            root.rows * 0.000001,
            [root],
            f'<Update DMLRequestSort="false">{obj}</Update>',
        )
    return root


def _relop(op: Op, counter: object) -> str:
    node_id = next(counter)  # type: ignore[call-overload]
    children = "".join(_relop(c, counter) for c in op.children)
    element = op.element
    if children:  # the operator element wraps its inputs, as in SQL Server's plans
        tag = element[1:].split(" ")[0].split("/")[0].split(">")[0]
        element = element.replace(" />", ">", 1) if element.endswith(" />") else element
        element = element[: -len(f"</{tag}>")] if element.endswith(f"</{tag}>") else element
        element = f"{element}{children}</{tag}>"
    return (
        f'<RelOp NodeId="{node_id}" PhysicalOp="{op.physical}" LogicalOp="{op.logical}"'
        f' EstimateRows="{op.rows:g}" EstimateIO="{op.io:.7f}" EstimateCPU="{op.cpu:.7f}"'
        f' AvgRowSize="64" EstimatedTotalSubtreeCost="{op.cost():.7f}" Parallel="0"'
        ' EstimateRebinds="0" EstimateRewinds="0" EstimatedExecutionMode="Row">'
        f"<OutputList />{element}</RelOp>"
    )


def _missing_indexes(
    q: Query, plan: list[tuple[int, int, str]], aliases: dict[str, str], facts: Facts
) -> str:
    scanned = set()
    for _, _, detail in plan:
        m = _SCAN.match(detail)
        if m and m.group(3) is None:
            scanned.add(aliases.get(m.group(1).casefold(), m.group(1).casefold()))
    if not scanned:
        return ""
    where = q.tsql.args.get("where")
    if where is None:
        return ""
    single = next(iter(set(aliases.values()))) if len(set(aliases.values())) == 1 else None
    wanted: dict[str, dict[str, str]] = {}
    for node in where.find_all(exp.EQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In, exp.Like):
        col = node.this if isinstance(node.this, exp.Column) else node.args.get("expression")
        if not isinstance(col, exp.Column):
            continue
        table = aliases.get(col.table.casefold()) if col.table else single
        if table is None or table not in scanned:
            continue
        tf = facts.tables.get(table)
        if tf is None or col.name.casefold() in tf.leading_columns:
            continue
        usage = "EQUALITY" if isinstance(node, (exp.EQ, exp.In)) else "INEQUALITY"
        wanted.setdefault(table, {}).setdefault(col.name, usage)
    groups = []
    for table, cols in wanted.items():
        tf = facts.tables[table]
        impact = 99.0 if tf.rows > 1000 else 50.0
        col_groups = ""
        for usage in ("EQUALITY", "INEQUALITY"):
            names = [n for n, u in cols.items() if u == usage]
            if not names:
                continue
            inner = "".join(
                f'<Column Name={quoteattr("[" + c.name + "]")} ColumnId="{c.column_id}" />'
                for n in names
                if (c := tf.table.column(n)) is not None
            )
            col_groups += f'<ColumnGroup Usage="{usage}">{inner}</ColumnGroup>'
        groups.append(
            f'<MissingIndexGroup Impact="{impact}"><MissingIndex'
            f" Database={quoteattr('[' + facts.database + ']')}"
            f" Schema={quoteattr('[' + tf.table.schema + ']')}"
            f" Table={quoteattr('[' + tf.table.name + ']')}>{col_groups}</MissingIndex>"
            "</MissingIndexGroup>"
        )
    return f"<MissingIndexes>{''.join(groups)}</MissingIndexes>" if groups else ""


def _warnings(q: Query) -> str:
    tree = q.tsql
    if not isinstance(tree, exp.Select):
        return ""
    joins = tree.args.get("joins") or []
    if (
        any(
            j.args.get("on") is None and not j.args.get("using") and j.side != "LEFT" for j in joins
        )
        and tree.args.get("where") is None
    ):
        return '<Warnings NoJoinPredicate="true" />'
    return ""
