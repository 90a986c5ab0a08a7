"""The SQLite dialect the engine writes its statements in: sqlglot's, quoting names with
backticks.

SQLite reads a double-quoted name that matches no column as a string literal, so a
translated `WHERE LastName = "Alard"` found rows. SQL Server, with QUOTED_IDENTIFIER ON
(what ODBC and OLE DB connections set), reads "Alard" as a column name and fails with
Msg 207 ("SET QUOTED_IDENTIFIER (Transact-SQL)"). A backtick-quoted name never becomes a
literal in SQLite: a missing column is "no such column", which errors.py maps to 207.

Sort keys are case-insensitive (`ordered_sql`), as SQL Server's default collation sorts,
and so are comparisons (`_nocase`): SQLite compares a text column by its NOCASE, but two
literals, variables or expressions (`'ABC' = 'abc'`, `UPPER(Color) = 'black'`) by BINARY.

A name that is a keyword to SQLite but not reserved in T-SQL (`nothing`, `notnull`,
`limit`, `glob`, ...) is quoted too: SQL Server takes `SELECT 1 AS nothing`, SQLite's
parser refuses it bare.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from sqlglot import exp
from sqlglot.dialects.sqlite import SQLite
from sqlglot.generators.sqlite import SQLiteGenerator

from .collation import SORT_KEY

# every keyword of SQLite's parser ("SQLite Keywords", sqlite.org/lang_keywords.html),
# and TRUE and FALSE, which SQLite reads bare as 1 and 0 where no column has the name
_KEYWORDS = """abort action add after all alter always analyze and as asc attach autoincrement
    before begin between by cascade case cast check collate column commit conflict
    constraint create cross current current_date current_time current_timestamp database
    default deferrable deferred delete desc detach distinct do drop each else end escape
    except exclude exclusive exists explain fail filter first following for foreign from
    full generated glob group groups having if ignore immediate in index indexed initially
    inner insert instead intersect into is isnull join key last left like limit match
    materialized natural no not nothing notnull null nulls of offset on or order others
    outer over partition plan pragma preceding primary query raise range recursive
    references regexp reindex release rename replace restrict returning right rollback row
    rows savepoint select set table temp temporary then ties to transaction trigger
    unbounded union unique update using vacuum values view virtual when where window with
    without true false"""
SQLITE_KEYWORDS = frozenset(_KEYWORDS.split())

_Compared = TypeVar("_Compared", bound=exp.Expression)

# an exp.Ordered's meta key (sort_keys.py): "column", sorted by the column's own collation;
# "key", by SORT_KEY(column)
SORT_BY = "sort_by"


class EngineSQLite(SQLite):
    """SQLite with names quoted by backticks (the first of the tokenizer's quotes)."""

    class Tokenizer(SQLite.Tokenizer):
        IDENTIFIERS: ClassVar = ["`", '"', ("[", "]")]

    class Generator(SQLiteGenerator):
        RESERVED_KEYWORDS: ClassVar[set[str]] = set(SQLITE_KEYWORDS)

        def ordered_sql(self, expression: exp.Ordered) -> str:
            # Every sort key case-insensitive, as the default collation sorts: SQLite sorts
            # a text column by its NOCASE but an expression (`a + b`, COALESCE, a VALUES
            # column, an alias) by BINARY, 'B' before 'a'. Numbers ignore a collation. A
            # table's column needs none (sort_keys), and with one SQLite can use its index.
            sort_by = expression.meta.get(SORT_BY)
            if isinstance(expression.this, exp.Collate) or sort_by == "column":
                return super().ordered_sql(expression)
            collated = expression.copy()
            if sort_by == "key" or _computed_key(expression):  # once a row, not twice a compare
                collated.set("this", exp.Anonymous(this=SORT_KEY, expressions=[collated.this]))
            else:
                collated.set("this", exp.Collate(this=collated.this, expression=exp.var("NOCASE")))
            return super().ordered_sql(collated)

        def eq_sql(self, expression: exp.EQ) -> str:
            return super().eq_sql(_nocase(expression))

        def neq_sql(self, expression: exp.NEQ) -> str:
            return super().neq_sql(_nocase(expression))

        def gt_sql(self, expression: exp.GT) -> str:
            return super().gt_sql(_nocase(expression))

        def gte_sql(self, expression: exp.GTE) -> str:
            return super().gte_sql(_nocase(expression))

        def lt_sql(self, expression: exp.LT) -> str:
            return super().lt_sql(_nocase(expression))

        def lte_sql(self, expression: exp.LTE) -> str:
            return super().lte_sql(_nocase(expression))

        def in_sql(self, expression: exp.In) -> str:
            return super().in_sql(_nocase(expression))

        def between_sql(self, expression: exp.Between) -> str:
            return super().between_sql(_nocase(expression))

        def case_sql(self, expression: exp.Case) -> str:  # CASE x WHEN y: as x = y
            return super().case_sql(_nocase(expression))

        def select_sql(self, expression: exp.Select) -> str:
            # a derived table's or CTE's computed text column (`UPPER(x) AS u`) compares,
            # groups and counts by NOCASE, as the default collation does: SQLite gives a
            # subquery's column its expression's collation, BINARY unless collated
            if expression.parent is not None and any(map(_computed, expression.expressions)):
                expression = expression.copy()
                expression.set("expressions", [_collated(p) for p in expression.expressions])
            return super().select_sql(expression)

        def nullif_sql(self, expression: exp.Nullif) -> str:  # NULLIF('a', 'A') is NULL
            return self.function_fallback_sql(_nocase(expression))

        def bitwisexor_sql(self, expression: exp.BitwiseXor) -> str:
            # SQLite has no `^`: a ^ b is (a | b) - (a & b), NULL where either is NULL
            left, right = self.sql(expression, "this"), self.sql(expression, "expression")
            return f"((({left}) | ({right})) - (({left}) & ({right})))"

        def log_sql(self, expression: exp.Log) -> str:
            # LOG10(x) is Log(10, x): the server's LOG10 (tsql_functions.py), exact for
            # powers of ten as SQL Server's is, not log(10, x)
            base = expression.this
            if expression.expression is not None and base == exp.Literal.number(10):
                return self.func("LOG10", expression.expression)
            return super().log_sql(expression)


_OPERANDS = ("this", "expression", "low", "high", "query")


def _computed_key(ordered: exp.Ordered) -> bool:
    """Whether SQLite may sort by SORT_KEY(key): a function's or an operator's value. Not a
    name (it may be a select-list alias, which SQLite finds only bare: SORT_KEY(alias)
    could read a column of that name), a number (a column position) or a key of a UNION's
    ORDER BY (each must name a column of the result)."""
    key = ordered.this.unnest()
    order = ordered.parent
    if order is not None and isinstance(order.parent, exp.SetOperation):
        return False
    # a COLLATE inside would pass up through the function: SQLite would look its name up
    return isinstance(key, (exp.Func, exp.Binary)) and not key.find(exp.Window, exp.Collate)


def _computed(projection: exp.Expr) -> bool:
    inner = projection.this if isinstance(projection, exp.Alias) else projection
    return not isinstance(inner, (exp.Column, exp.Star, exp.Collate))


def _collated(projection: exp.Expr) -> exp.Expr:
    if not _computed(projection):
        return projection
    nocase = exp.var("NOCASE")
    if isinstance(projection, exp.Alias):
        collate = exp.Collate(this=exp.Paren(this=projection.this), expression=nocase)
        return exp.alias_(collate, projection.args["alias"])
    return exp.Collate(this=exp.Paren(this=projection), expression=nocase)


def _nocase(node: _Compared) -> _Compared:
    """`node` comparing with NOCASE where no operand is a column: SQLite takes a column's
    collation (a text column's NOCASE; an index serves only that), else BINARY."""
    this = node.this
    if this is None or isinstance(this, (exp.Collate, exp.Tuple)):
        return node
    operands = [node.args.get(k) for k in _OPERANDS] + node.args.get("expressions", [])
    if isinstance(node, exp.Case):
        operands = [this]
    if any(isinstance(o.unnest() if isinstance(o, exp.Expr) else o, exp.Column) for o in operands):
        return node
    collated = node.copy()
    paren = exp.Paren(this=collated.this)
    collated.set("this", exp.Collate(this=paren, expression=exp.var("NOCASE")))
    return collated
