"""Methods called on a column: `p.CatalogDescription.value('...', 'int')` (xml),
`e.OrgNode.GetLevel()` (hierarchyid), `a.Location.STDistance(@p)` (geography, geometry).

sqlglot reads `a.b.m(...)` as the function `m` of schema `b` in database `a`. SQL Server
calls the methods of the xml data type and of the system CLR types with the user-defined
type method syntax: when `a` is a table or alias the query can see there, `a.b.m(...)` is
the method `m` of its column `b`. sqlpolicy asks here before it refuses `a` as another
database.

Only these types' methods count, spelt exactly as SQL Server knows them (xml's in lower
case, the CLR types' as documented: their names are case-sensitive, where a function's
name is not): the xml methods each with the string literals SQL Server requires (the
XQuery, and value()'s SQL type), the hierarchyid and spatial methods by their names.
Any other spelling (`VALUE`, `STATUS`) can only be a function of the database `a`, and
is refused as one. modify() writes: SQL Server allows it only in the SET list of an
UPDATE, and so does the guard.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlglot import exp

# Each xml method and how many string literals it takes.
METHOD_ARGUMENTS = {"value": 2, "query": 1, "exist": 1, "nodes": 1, "modify": 1}
MODIFY = "modify"
# hierarchyid's instance methods ("hierarchyid data type method reference"; GetRoot and
# Parse are static, hierarchyid::GetRoot(), and Read and Write are CLR-only)
HIERARCHYID_METHODS = frozenset(
    {"GetAncestor", "GetDescendant", "GetLevel", "GetReparentedValue", "IsDescendantOf", "ToString"}
)
# geometry's and geography's extended methods
SPATIAL_METHODS = frozenset(
    {
        "AsBinaryZM", "AsGml", "AsTextZM", "BufferWithCurves", "BufferWithTolerance",
        "CurveToLineWithTolerance", "EnvelopeAngle", "EnvelopeCenter", "Filter", "InstanceOf",
        "IsValidDetailed", "MakeValid", "MinDbCompatibilityLevel", "NumRings", "Reduce",
        "ReorientObject", "RingN", "ShortestLineTo", "ToString",
    }
)  # fmt: skip
# geometry's and geography's OGC methods ("OGC Methods on Geometry Instances", and on
# geography ones; STX, STY and STSrid are properties, written without parentheses)
OGC_METHODS = frozenset(
    {
        "STArea", "STAsBinary", "STAsText", "STBoundary", "STBuffer", "STCentroid",
        "STContains", "STConvexHull", "STCrosses", "STCurveN", "STCurveToLine",
        "STDifference", "STDimension", "STDisjoint", "STDistance", "STEndPoint",
        "STEnvelope", "STEquals", "STExteriorRing", "STGeometryN", "STGeometryType",
        "STInteriorRingN", "STIntersection", "STIntersects", "STIsClosed", "STIsEmpty",
        "STIsRing", "STIsSimple", "STIsValid", "STLength", "STNumCurves", "STNumGeometries",
        "STNumInteriorRing", "STNumPoints", "STOverlaps", "STPointN", "STPointOnSurface",
        "STRelate", "STStartPoint", "STSymDifference", "STTouches", "STUnion", "STWithin",
    }
)  # fmt: skip
# Where in a query its every table is visible: the SELECT or SET list and the filters.
_SEES_ALL_SOURCES = frozenset({"expressions", "where", "group", "having", "order"})


def misplaced_modify(node: exp.Expr) -> exp.Dot | None:
    """The call `x.modify(...)` that `node` ends, if it is one and stands anywhere but as
    an item of an UPDATE's SET list, the one place SQL Server allows it
    (`SET Doc.modify(...)`, not `SET a = (... Doc.modify(...))`, nor in a read)."""
    from sqlglot import exp

    dot = node.parent
    if not isinstance(node, exp.Anonymous) or node.name.lower() != MODIFY:
        return None
    if not isinstance(dot, exp.Dot):
        return None  # a function named modify, not a method
    in_set = (
        node.arg_key == "expression"
        and dot.arg_key == "expressions"
        and isinstance(dot.parent, exp.Update)
    )
    return None if in_set else dot


def is_column_method(dot: exp.Dot, table: str, method: exp.Expr) -> bool:
    """Whether `table.column.method(...)` (the tree `dot`) calls a method of the xml or a
    system CLR type on a column of `table`, a table or alias in scope where `dot` sits."""
    return _is_method(method) and bool(table) and _in_scope(dot, table.casefold())


def in_scope(dot: exp.Dot) -> bool:
    """Whether `dot` is `t.Col.m(...)`, a column method of a table or alias `t` in scope."""
    from sqlglot import exp

    target = dot.this
    if not isinstance(target, exp.Dot) or not isinstance(target.expression, exp.Identifier):
        return False
    table = target.this
    return isinstance(table, exp.Identifier) and is_column_method(dot, table.name, dot.expression)


def column_of(dot: exp.Dot) -> str | None:
    """The column `dot` is written as calling a method on (`Doc` of `Doc.exist('/a')` or
    `d.Doc.exist('/a')`); None when it is not written so. Whether `d` is visible, or
    `Doc` is no schema, is not judged here (`in_scope`, `is_column_method`)."""
    from sqlglot import exp

    target = dot.this
    column = target.expression if isinstance(target, exp.Dot) else target
    if isinstance(target, exp.Dot) and not isinstance(target.this, exp.Identifier):
        return None
    if not isinstance(column, exp.Identifier) or not _is_method(dot.expression):
        return None
    return str(column.name)


def _is_method(method: exp.Expr) -> bool:
    """An xml method called with the string literals it takes, or a system CLR type's
    method by its name."""
    from sqlglot import exp

    if not isinstance(method, exp.Anonymous):
        return False
    name = method.name
    count = METHOD_ARGUMENTS.get(name)  # xml's method names are lower case, and exact
    if count is None:
        return _is_clr_method(name)
    arguments = method.expressions
    return len(arguments) == count and all(map(_is_string, arguments))


def _is_clr_method(name: str) -> bool:
    return name in HIERARCHYID_METHODS or name in SPATIAL_METHODS or name in OGC_METHODS


def _is_string(node: exp.Expr) -> bool:
    from sqlglot import exp

    return isinstance(node, exp.National) or (isinstance(node, exp.Literal) and node.is_string)


def _in_scope(node: exp.Expr, key: str) -> bool:
    """Whether a source named `key` (casefolded) is visible at `node`: one of the tables,
    derived tables or APPLYs of an enclosing query, as seen from where `node` sits."""
    from sqlglot import exp

    below, child, query = node, node, node.parent
    while query is not None:
        if child.arg_key == "with_":
            return False  # a CTE's body sees no table of the query that names it
        if isinstance(query, exp.Select | exp.Update | exp.Delete):
            visible = _visible_sources(query, child, below)
            if visible is None:
                return False
            if any(_exposed_name(source) == key for source in visible):
                return True
        below, child, query = child, query, query.parent
    return False


def _visible_sources(
    query: exp.Expr, child: exp.Expr, below: exp.Expr
) -> Iterator[exp.Expr] | None:
    """The sources of `query` visible from its child `child` (`below` is the node under
    `child` on the way to the call); None where the call sees nothing of this query nor of
    an outer one. Conservative: in doubt, nothing is visible and the call stays refused."""
    from sqlglot import exp

    if child.arg_key in _SEES_ALL_SOURCES:
        return _sources(query, None)
    if child.arg_key == "joins":
        joined = child.index or 0  # how many joins come before this one
        if below.arg_key == "on":
            return _sources(query, joined + 1)  # ON sees the tables joined so far
        if below is child.this and isinstance(below, exp.Lateral):
            return _sources(query, joined)  # APPLY sees the tables before it
    return None  # inside a table of the FROM clause (or a clause not expected here)


def _sources(query: exp.Expr, joins: int | None) -> Iterator[exp.Expr]:
    """The tables, derived tables and APPLYs of `query`, with only the first `joins` of
    its joins (all of them for None)."""
    from_ = query.args.get("from_")
    heads = [query.args.get("this"), from_.this if from_ is not None else None]
    heads += [join.this for join in (query.args.get("joins") or [])[:joins]]
    for head in heads:
        if head is not None:
            yield from _with_joined(head)


def _with_joined(source: exp.Expr) -> Iterator[exp.Expr]:
    yield source
    # sqlglot hangs the joins of `UPDATE ... FROM a JOIN b` on the table a.
    for join in source.args.get("joins") or []:
        yield from _with_joined(join.this)


def _exposed_name(source: exp.Expr) -> str:
    """The name the query knows `source` by: its alias, else its table name."""
    if source.args.get("pivots"):
        return ""  # PIVOT exposes its own alias, not the table's
    return source.alias_or_name.casefold()
