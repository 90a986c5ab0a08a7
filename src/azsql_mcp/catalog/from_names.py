"""What a statement's FROM clauses name, said after SQL Server's error 4104 ('The
multi-part identifier "c.Foo" could not be bound.') or 209 ("Ambiguous column name
'CustomerID'."): the tables and the aliases they go by, which a model writing a join
would otherwise guess at or look up again with list_tables or describe_table.

Read from the statement alone, with sqlglot's T-SQL parser, after the error only: no
catalog query. The parser is sqlglot's own, not the guard's (db/ is no public API): a
statement only the guard's reads (XMLNAMESPACES, graph MATCH, CONTAINS ... LANGUAGE, JSON
functions' RETURNING) does not parse here, and gets SQL Server's text alone.

Every FROM and JOIN of the statement is listed, those of its subqueries and CTEs too
(SQL Server's text does not say in which the name stands), in the order the parser
walks them. A derived table, VALUES, APPLY, PIVOT or table function is named by its
alias alone, as "(...) AS d"; one without an alias, which no column can be qualified
with, is left out. Only regular identifiers are named (names.is_regular): the text is
outside the untrusted-data fence, so a statement naming anything else gets the rule
without the names.

The causes are "MSSQLSERVER_4104"'s: a qualifier that is no table or alias of the query,
or a table's name where the table was given an alias (then only the alias names it).
No Microsoft page on 209 was found; its text is as SQL Server words it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from azsql_mcp.api import DatabaseError
from azsql_mcp.catalog.names import is_regular

if TYPE_CHECKING:
    from sqlglot.exp import Expr

UNBOUND = 4104  # 'The multi-part identifier "c.Foo" could not be bound.'
AMBIGUOUS = 209  # "Ambiguous column name 'CustomerID'."
MOST = 8  # sources named; the rest are counted
# Characters parsed on the event loop, after an error: sqlglot took 9 ms for a join of
# 40 tables in 4,200 characters and 22 ms for 2,600 of `a+a+...` (its slowest shape),
# measured with sqlglot 30 on a shared core. A longer statement gets SQL Server's text.
LONGEST = 8_000

# (the name's parts as written, or none for what only its alias names; the alias)
Source = tuple[tuple[str, ...], str | None]


def unbound_name(error: DatabaseError, statement: str) -> str | None:
    """SQL Server's error 4104 or 209 of `statement` and the tables (with their aliases)
    its FROM clauses name, with what to qualify a column with; None for other errors,
    and for a statement too long to parse here, that does not parse, or has no FROM."""
    if error.number not in (UNBOUND, AMBIGUOUS):
        return None
    sources = _sources(statement)
    if not sources:
        return None
    unaliased = any(alias is None for _, alias in sources)
    if error.number == UNBOUND:
        rule = (
            "qualify a column with the alias its table goes by"
            + (", or the table's name where it has none" if unaliased else "")
            + " (a table given an alias is known by the alias alone)."
        )
    else:
        rule = (
            "qualify the column with the alias "
            + ("(or the name, where it has none) " if unaliased else "")
            + "of the table it should come from."
        )
    listed = _listed(sources)
    if listed is None:
        return f"{error} {rule[0].upper()}{rule[1:]}"
    return f"{error} The statement reads from {listed}: {rule}"


def _sources(statement: str) -> list[Source]:
    """What the statement's FROM clauses and JOINs read from, each once; none when it
    is too long or does not parse."""
    if len(statement) > LONGEST:
        return []
    # on an error only: building the server imports no more than it needs
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        trees = sqlglot.parse(statement, read="tsql")
    except SqlglotError:
        return []
    found: list[Source] = []
    for tree in filter(None, trees):  # None: an empty statement between semicolons
        for clause in tree.find_all(exp.From, exp.Join, bfs=False):
            source = _source(clause.this)
            if source is not None and source not in found:
                found.append(source)
    return found


def _source(node: Expr) -> Source | None:
    """A FROM's or JOIN's table as (its name's parts, its alias); a derived table and
    the like by its alias alone; None when nothing can qualify a column with it."""
    from sqlglot import exp

    pivots = node.args.get("pivots")
    if pivots:  # the PIVOT's alias names its result; the table's name no longer does
        return ((), pivots[-1].alias) if pivots[-1].alias else None
    alias = node.alias or None
    if isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier):
        if node.this.args.get("temporary") or node.this.args.get("global"):
            return (("#" + node.name,), alias)  # #t: no regular identifier, not named
        parts = tuple(part.name for part in node.parts)
        return parts, alias
    return ((), alias) if alias else None


def _listed(sources: list[Source]) -> str | None:
    """'A AS a, B and (...) AS d' for the sources, the first MOST of them (and how many
    more); None when a name or alias is no regular identifier."""
    texts = []
    for parts, alias in sources:
        if not all(map(is_regular, parts)) or (alias is not None and not is_regular(alias)):
            return None
        name = ".".join(parts) if parts else "(...)"
        texts.append(name if alias is None else f"{name} AS {alias}")
    shown = texts[:MOST]
    if len(texts) > MOST:
        shown.append(f"{len(texts) - MOST} more")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
