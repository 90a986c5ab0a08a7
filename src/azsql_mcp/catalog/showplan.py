"""A summary of an estimated plan (ShowPlanXML): operators, costs, warnings, missing indexes.

Element and attribute names follow Microsoft's showplan schema
(http://schemas.microsoft.com/sqlserver/2004/07/showplan): StmtSimple carries the
statement's cost, QueryPlan holds RelOp trees, Warnings and MissingIndexes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pydantic import BaseModel

from azsql_mcp.catalog.access import quote
from azsql_mcp.catalog.tables import CatalogError

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

NS = "{http://schemas.microsoft.com/sqlserver/2004/07/showplan}"
# Children of a RelOp that describe it rather than being the operator's own element.
_RELOP_DETAILS = {
    "OutputList",
    "Warnings",
    "MemoryFractions",
    "RunTimeInformation",
    "RunTimePartitionSummary",
    "InternalInfo",
}


class PlanOperator(BaseModel):
    node_id: int
    depth: int
    physical_op: str
    logical_op: str
    estimated_rows: float
    subtree_cost: float
    own_cost_pct: float  # share of the statement's cost spent in this operator alone
    object: str | None = None  # schema.table.index the operator reads or writes
    warnings: list[str] = []


class MissingIndex(BaseModel):
    impact_pct: float
    table: str
    equality: list[str]
    inequality: list[str]
    include: list[str]
    create_statement: str


class PlanSummary(BaseModel):
    statement: str | None
    estimated_cost: float
    estimated_rows: float
    operators: list[PlanOperator]
    warnings: list[str]
    missing_indexes: list[MissingIndex]


def summarize_plan(showplan_xml: str) -> PlanSummary:
    import xml.etree.ElementTree as ET  # only plans need an XML parser: not imported at start

    try:
        root = ET.fromstring(showplan_xml)
    except ET.ParseError as e:
        raise CatalogError(f"The server returned a plan that is not valid XML: {e}") from e
    # A scalar function's or procedure's own statements sit inside the calling statement
    # (StmtSimple/UDF and StoredProc, showplanxml.xsd's FunctionType): their cost is
    # already in the caller's subtree cost.
    called = {
        s
        for kind in ("UDF", "StoredProc")
        for function in root.iter(f"{NS}{kind}")
        for s in function.iter(f"{NS}StmtSimple")
    }
    statements = [
        s
        for s in root.iter(f"{NS}StmtSimple")
        if s not in called and s.find(f"{NS}QueryPlan") is not None
    ]
    if not statements:
        raise CatalogError("The plan has no query plan for the statement.")
    operators: list[PlanOperator] = []
    warnings: list[str] = []
    missing: list[MissingIndex] = []
    total_cost = sum(_float(s.get("StatementSubTreeCost")) for s in statements)
    for stmt in statements:
        plan = stmt.find(f"{NS}QueryPlan")
        assert plan is not None
        warnings.extend(_warnings(plan.find(f"{NS}Warnings")))
        missing.extend(_missing_indexes(plan))
        for top in _child_relops(plan):
            operators.extend(_operators(top, 0, total_cost))
    first = statements[0]
    return PlanSummary(
        statement=first.get("StatementText"),
        estimated_cost=total_cost,
        estimated_rows=_float(first.get("StatementEstRows")),
        operators=operators,
        warnings=warnings,
        missing_indexes=missing,
    )


def _operators(relop: ET.Element, depth: int, total_cost: float) -> Iterator[PlanOperator]:
    children = list(_child_relops(relop))
    subtree = _float(relop.get("EstimatedTotalSubtreeCost"))
    own = subtree - sum(_float(c.get("EstimatedTotalSubtreeCost")) for c in children)
    yield PlanOperator(
        node_id=int(relop.get("NodeId", "0")),
        depth=depth,
        physical_op=relop.get("PhysicalOp", "?"),
        logical_op=relop.get("LogicalOp", "?"),
        estimated_rows=_float(relop.get("EstimateRows")),
        subtree_cost=subtree,
        own_cost_pct=round(100 * max(own, 0.0) / total_cost, 1) if total_cost > 0 else 0.0,
        object=_object_name(relop),
        warnings=_warnings(relop.find(f"{NS}Warnings")),
    )
    for child in children:
        yield from _operators(child, depth + 1, total_cost)


def _child_relops(element: ET.Element) -> Iterator[ET.Element]:
    """RelOps below `element` that are not nested inside another RelOp below it."""
    for child in element:
        if child.tag == f"{NS}RelOp":
            yield child
        else:
            yield from _child_relops(child)


def _object_name(relop: ET.Element) -> str | None:
    for detail in relop:
        if detail.tag.removeprefix(NS) in _RELOP_DETAILS or detail.tag == f"{NS}RelOp":
            continue
        obj = detail.find(f"{NS}Object")
        if obj is not None:
            parts = [obj.get(a) for a in ("Schema", "Table", "Index")]
            return ".".join(_unbracket(p) for p in parts if p) or None
    return None


def _warnings(element: ET.Element | None) -> list[str]:
    if element is None:
        return []
    found = [name for name, value in element.attrib.items() if value in ("true", "1")]
    for child in element:
        tag = child.tag.removeprefix(NS)
        if tag == "ColumnsWithNoStatistics":
            columns = [_column_name(c) for c in child.iter(f"{NS}ColumnReference")]
            found.append(f"ColumnsWithNoStatistics: {', '.join(columns)}")
        elif child.attrib:
            details = ", ".join(f"{k}={v}" for k, v in child.attrib.items())
            found.append(f"{tag}: {details}")
        else:
            found.append(tag)
    return found


def _missing_indexes(plan: ET.Element) -> Iterator[MissingIndex]:
    for group in plan.iter(f"{NS}MissingIndexGroup"):
        impact = _float(group.get("Impact"))
        for index in group.iter(f"{NS}MissingIndex"):
            usage: dict[str, list[str]] = {"EQUALITY": [], "INEQUALITY": [], "INCLUDE": []}
            for column_group in index.iter(f"{NS}ColumnGroup"):
                names = [c.get("Name", "") for c in column_group.iter(f"{NS}Column")]
                usage.setdefault(column_group.get("Usage", ""), []).extend(names)
            yield _missing_index(index, impact, usage)


def _missing_index(index: ET.Element, impact: float, usage: dict[str, list[str]]) -> MissingIndex:
    schema, table = index.get("Schema", ""), index.get("Table", "")
    keys = usage["EQUALITY"] + usage["INEQUALITY"]
    name = "IX_" + "_".join([_unbracket(table), *(_unbracket(k) for k in keys)])
    statement = f"CREATE NONCLUSTERED INDEX {quote(name)} ON {schema}.{table} ({', '.join(keys)})"
    if usage["INCLUDE"]:
        statement += f" INCLUDE ({', '.join(usage['INCLUDE'])})"
    return MissingIndex(
        impact_pct=impact,
        table=f"{_unbracket(schema)}.{_unbracket(table)}",
        equality=[_unbracket(c) for c in usage["EQUALITY"]],
        inequality=[_unbracket(c) for c in usage["INEQUALITY"]],
        include=[_unbracket(c) for c in usage["INCLUDE"]],
        create_statement=statement,
    )


def _column_name(ref: ET.Element) -> str:
    parts = [ref.get(a) for a in ("Table", "Column")]
    return ".".join(_unbracket(p) for p in parts if p)


def _unbracket(name: str) -> str:
    if name.startswith("[") and name.endswith("]"):
        return name[1:-1].replace("]]", "]")
    return name


def _float(value: str | None) -> float:
    try:
        return float(value) if value is not None else 0.0
    except ValueError:
        return 0.0


def render_plan(summary: PlanSummary) -> str:
    """Compact text: totals, the operator tree, warnings and missing-index suggestions."""
    lines = [
        f"Estimated cost {summary.estimated_cost:.4g}, estimated rows {summary.estimated_rows:g}"
    ]
    lines.append("Operators (estimated rows, subtree cost, own share of cost):")
    for op in summary.operators:
        label = op.physical_op
        if op.logical_op != op.physical_op:
            label += f" ({op.logical_op})"
        if op.object:
            label += f" on {op.object}"
        line = f"{'  ' * (op.depth + 1)}[{op.node_id}] {label}: {op.estimated_rows:g} rows,"
        line += f" cost {op.subtree_cost:.4g}, {op.own_cost_pct:g}%"
        if op.warnings:
            line += f" WARNING {'; '.join(op.warnings)}"
        lines.append(line)
    if summary.warnings:
        lines.append("Plan warnings: " + "; ".join(summary.warnings))
    for index in summary.missing_indexes:
        lines.append(f"Missing index (impact {index.impact_pct:g}%): {index.create_statement}")
    return "\n".join(lines)
