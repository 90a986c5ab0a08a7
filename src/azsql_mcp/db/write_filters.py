"""Whether the WHERE clause of an UPDATE or DELETE really filters.

`allow_unfiltered_writes = false` asks for a WHERE clause that can be false for some
row of the table the statement changes. `judge` makes two checks:

- the clause is always true when, after sqlglot's `simplify`, it names no
  column (a method of a column of a table the statement names, `d.Doc.exist('/a')`,
  counts as naming it), or it is true once every self-comparison (`a = a`, `a >= a`,
  `a IN (a)`, `a LIKE a`, `@p = @p`, `1 IN (1, a)`) and every `c IS NOT NULL` on a
  column that cannot be NULL (the identity column, `$IDENTITY`, included) is taken as
  true, and so is `c OR NOT c` (`a = @p OR a <> @p`, `a < 5 OR a >= 5`: only a NULL
  keeps a row out). Names are compared as SQL Server's default, case-insensitive
  collations compare them: `[Id]`, `id` and `t.id` (t the changed table) are one
  column. A subquery without FROM is read as what it selects (`id IN (SELECT id)` is
  `id = id`). A subquery that reads the changed table T again, whole (no TOP but in
  EXISTS, which asks for one row; no OFFSET, HAVING, TABLESAMPLE, or FOR SYSTEM_TIME
  but ALL; DISTINCT and GROUP BY keep every value; another table outer-joined or
  OUTER APPLY'd, or joined on conditions that read no column of T's copy, keeps every
  row, or none), has the changed row among its rows: `EXISTS (SELECT ... FROM
  T AS x WHERE c)`, `v IN (SELECT w FROM T AS x WHERE c)` and `v = ANY (...)` (`>=`,
  `<=`, SOME alike) are true when `c` (and `v = w`), with x's columns read as the
  changed row's, is (`id IN (SELECT id FROM T)`, `EXISTS (SELECT 1 FROM T AS x WHERE
  x.id = T.id)`); where it joins T to T again, the ON conditions count with `c`. A
  UNION [ALL] holds every row of each SELECT in it: one such SELECT is enough.
  The statement's own join of T to a copy of itself, whole, is judged alike: the
  changed row is joined to itself, so the WHERE and the ON conditions, with the
  copy's columns read as the changed row's, must not be always true (`UPDATE T SET
  ... FROM T JOIN T AS x ON x.id = T.id WHERE x.a = T.a`; an outer join keeps what an
  inner one keeps); `judge` says so apart, for the refusal to name the join. A copy
  of T is T by name, or a derived table or CTE whose SELECT reads a copy of T alone
  (or copies joined as above) with nothing that drops rows (a WHERE only if always
  true for T's row; DISTINCT and GROUP BY keep every value): its columns are read as
  the expressions of T's row they select (`(SELECT id AS k FROM T) AS x`: `x.k` is
  `id`; `id + 1 AS k` is `id + 1`, no copy of id); of a UNION with such a SELECT, its
  columns by place, named by the first SELECT. A subquery there that reads other
  tables only (no column of the copy's row) is, for T's row, a condition on other
  tables only, as in the second check: a WHERE made of such conditions keeps every
  row or none (`(SELECT * FROM T WHERE EXISTS (SELECT 1 FROM U)) AS x` is a copy), and
  one selected adds a column and drops no row. In such a subquery an unqualified name
  is read as its own table's (SQL Server looks there first): qualify a column of the
  outer row (`u.k = x.k`). A CTE reads the CTEs written before it only, each read
  once. A join written in parentheses (`(T AS x JOIN U ON c)`, a subquery of a table
  to sqlglot) is read as its tables, each with its own join and ON. `dbo.T`, `T`,
  `Db..T` and `Db.dbo.T`, Db the source's own database, count as one table there: a
  user's default schema is dbo unless set otherwise, and a three-part name of another
  database is refused unless the operator opened it (then it is another table; with no
  database configured, any is read as the source's). In doubt, names are read so that
  the write is refused: here as one table, and in `target` (`UPDATE T ... FROM dbo.T
  AS a`) as two. A CTE or derived table written through that reads one table whole,
  each column under its own name, changes that table (`WITH c AS (SELECT * FROM T)
  UPDATE c ...`).
- the clause, with the ON conditions of the INNER JOINs, must still test a column
  of the changed table once every condition on other tables only is taken as true
  (`FROM T t CROSS JOIN U u WHERE u.id = 1` changes every row of T).

This catches the usual bypasses, not every tautology (`id > 0` on an identity key,
`id + 0 = id` pass): `max_affected_rows` is the bound that holds whatever the WHERE
says.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from azsql_mcp.db import column_methods, write_sources
from azsql_mcp.db.write_comparisons import (
    complementary,
    normal,
    not_null_name,
    null_or_not_null,
    same,
)
from azsql_mcp.db.write_copies import (
    OTHER,
    ROW,
    WHOLE_DERIVED,
    WHOLE_SELECT,
    WHOLE_TABLE,
    named_copy,
    one_table,
    qualify,
    read_selected,
    star,
    through_copies,
)
from azsql_mcp.db.write_reading import (
    Copy,
    Reading,
    Target,
    enclosing_subqueries,
    reads_target,
    worst,
)

if TYPE_CHECKING:
    from sqlglot import exp


# The names that stand for a table's identity column, which is never NULL (SQL Server
# refuses a nullable one): `$IDENTITY IS NOT NULL` is always true, whatever the catalog.
IDENTITY_NAMES = frozenset({"$identity", "identitycol"})


@dataclass(frozen=True)
class Judgement:
    """What `judge` finds of an UPDATE's or DELETE's WHERE clause."""

    filters: bool  # there, and not always true
    restricted: bool  # with the INNER JOINs' ON conditions, it tests a changed table's column
    # not filtering because the FROM joins each changed row to a copy of itself, where the
    # WHERE and the ON conditions always hold
    joined_to_itself: bool = False


def target(statement: exp.Expr, database: str | None = None) -> Target:
    """The changed table of `statement`, run in `database` (the source's own, None when
    not known); names nothing for what cannot be told (a target that is no plain name),
    so that nothing counts as its column."""
    from sqlglot import exp

    table = write_sources.target_table(statement)
    if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier):
        label = table.sql(dialect="tsql") if isinstance(table, exp.Expr) else "the table"
        return Target(label, frozenset(), alone=False, database=database)
    word = table.name.casefold()
    written = _base(table, statement, database)
    sources = [source for source, _ in write_sources.sources(statement)]
    if not sources:
        return Target(table.name, frozenset({word}), True, written, database)
    parts = write_sources.folded_parts(table)
    # `UPDATE t ... FROM T AS t`: the name after UPDATE is a source's alias or name; else
    # `UPDATE dbo.T ... FROM dbo.T AS x`: the one reference to the same table, written
    # the same (`T` and `dbo.T` may be two tables: a user's default schema may not be dbo)
    matches = [s for s in sources if len(parts) == 1 and s.alias_or_name.casefold() == word]
    if not matches:
        matches = [
            s
            for s in sources
            if isinstance(s, exp.Table) and write_sources.folded_parts(s) == parts
        ]
    if len(matches) > 1:
        matches = []  # SQL Server refuses such a statement as ambiguous: trust none
    names = {word} | {s.alias_or_name.casefold() for s in matches}
    if matches:
        written = _base(matches[0], statement, database)
    elif any(source.alias_or_name.casefold() == word for source in sources):
        written = ()  # the alias of a source written twice
    alone = len(sources) == 1 and bool(matches)
    return Target(table.name, frozenset(names), alone, written, database)


def _base(source: exp.Expr, statement: exp.Expr, database: str | None) -> tuple[str, ...]:
    """The name of the table a write to the table source `source` changes, as written:
    its own, or for a CTE or derived table that reads one table whole, each column
    under its own name (`WITH c AS (SELECT * FROM T) UPDATE c ...` changes T), that
    table's; () when that cannot be told."""
    from sqlglot import exp

    alias = source.args.get("alias")
    query, renamed = source.this, alias.columns if isinstance(alias, exp.TableAlias) else []
    if isinstance(source, exp.Table):
        parts = write_sources.written_parts(source)
        word = source.name.casefold()
        ctes = [c for c in statement.find_all(exp.CTE) if c.alias_or_name.casefold() == word]
        if len(parts) != 1 or not ctes:
            return parts
        query, renamed = ctes[0].this, ctes[0].args["alias"].columns
    elif not isinstance(source, exp.Subquery):
        return ()
    tables = (
        [table for table, _ in write_sources.sources(query)]
        if isinstance(query, exp.Select)
        else []
    )
    if len(tables) != 1 or not isinstance(tables[0], exp.Table):
        return ()
    parts = write_sources.written_parts(tables[0])
    if len(parts) == 1 and parts[0].casefold() in write_sources.cte_names(statement):
        return ()  # a CTE over a CTE: not followed
    base = Target("", frozenset(), False, parts, database)
    read = Reading(base, IDENTITY_NAMES, nested=True, methods=set())
    copy = _derived_copy("", query, [c.name for c in renamed], read)
    if copy is None or any(
        not isinstance(v, exp.Column) or v.name.casefold() != k for k, v in copy.columns.items()
    ):
        return ()
    return parts


def conditions(statement: exp.Expr) -> list[exp.Expr]:
    """The WHERE condition and the ON conditions of the INNER JOINs: each row changed
    satisfies all of them (an outer join's ON does not restrict the preserved side)."""
    where = statement.args.get("where")
    found = [where.this] if where is not None else []
    for _, join in write_sources.sources(statement):
        if join is None or join.args.get("side") or join.args.get("kind") not in (None, "INNER"):
            continue
        on = join.args.get("on")
        if on is not None:
            found.append(on)
    return found


def judge(statement: exp.Expr, changed: Target, non_nullable: Collection[str] = ()) -> Judgement:
    """Whether the WHERE clause of `statement` filters (is there, and not always true;
    `non_nullable` casefolded names), and whether, with the INNER JOINs' ON conditions,
    it tests a column of the table changed (`target(statement)`) once every condition
    on other tables only is taken as true."""
    from sqlglot import exp

    where = statement.args.get("where")
    if where is None:
        return Judgement(False, False)
    found = conditions(statement)
    reading = Reading(
        changed,
        frozenset(non_nullable) | IDENTITY_NAMES,
        nested=any(c.find(exp.Select) is not None for c in found),
        methods=_methods(found),
        ctes=tuple(statement.find_all(exp.CTE)),
    )
    reading = replace(reading, linked=_linked(statement, reading))
    if not _names_a_column(where, reading.methods):
        return Judgement(False, False)
    left = [_without_tautologies(c, reading) for c in found]
    if isinstance(left[0], exp.Boolean) and left[0].this:
        return Judgement(False, False)
    if not _names_a_column(left[0], reading.methods):
        return Judgement(False, False)
    if _matches_itself(statement, reading):
        return Judgement(False, False, joined_to_itself=True)
    # the conditions hold together: one that can be false for some row of T is enough
    return Judgement(True, any(worst(c, reading, positive=True) is not True for c in left))


def case_twins(statement: exp.Expr) -> tuple[str, str] | None:
    """Two table sources of one FROM whose exposed names (an alias, else the table's
    name) differ in case only (`Orders AS t JOIN Other AS T`): SQL Server refuses them
    under a case-insensitive collation, as one name given twice, and takes them as two
    under a case-sensitive one (Latin1_General_CS_AS, _BIN2), where `judge`, which
    compares names as the first do, would read `T.id` as `t`'s column."""
    from sqlglot import exp

    for node in (statement, *statement.find_all(exp.Select)):
        seen: dict[str, str] = {}
        for source, _ in write_sources.sources(node):
            name = source.alias_or_name
            first = seen.setdefault(name.casefold(), name)
            if first != name:
                return first, name
    return None


def not_null_tests(*clauses: exp.Expr) -> tuple[str, ...]:
    """Names of the columns the clauses test with IS NOT NULL, as written."""
    from sqlglot import exp

    names = (not_null_name(node) for clause in clauses for node in clause.find_all(exp.Not))
    return tuple(sorted({name for name in names if name is not None}))


def table_names(tree: exp.Expr) -> tuple[tuple[str, ...], ...]:
    """The tables a write names, each as the parts written (CTE names left out)."""
    from sqlglot import exp

    ctes = write_sources.cte_names(tree)
    names: set[tuple[str, ...]] = set()
    for table in tree.find_all(exp.Table):
        parts = write_sources.written_parts(table)
        if parts and table.name.casefold() not in ctes:
            names.add(parts)
    return tuple(sorted(names))


def object_name(parts: Sequence[str]) -> str:
    """A name's parts bracket-quoted and joined, as OBJECT_ID takes it (an omitted
    schema stays empty: `[db]..[t]`, since `[]` is no name)."""
    return ".".join("[" + part.replace("]", "]]") + "]" if part else "" for part in parts)


def _linked(statement: exp.Expr, reading: Reading) -> frozenset[str]:
    """The outer-joined and APPLY'd sources (names or aliases) tied to the changed
    table's row by their ON condition or their body."""
    from sqlglot import exp

    tying = replace(reading, nested=True)  # an APPLY's body is a subquery
    linked = set()
    for source, join in write_sources.sources(statement):
        if join is None:
            continue
        outer = bool(join.args.get("side")) or isinstance(source, exp.Lateral)
        body = source if isinstance(source, exp.Lateral) else join.args.get("on")
        if outer and body is not None and reads_target(body, tying):
            linked.add(source.alias_or_name.casefold())
    return frozenset(linked)


def _matches_itself(statement: exp.Expr, reading: Reading) -> bool:
    """Whether each row of the changed table T is joined to itself and kept: the FROM
    joins copies of T (`_copy_of`), and the WHERE, the INNER JOINs' ON and the copies'
    own ON (an outer join keeps the rows an inner one would) are always true with the
    copies' columns read as the changed row's (`FROM t JOIN t AS x ON x.id = t.id WHERE
    x.a = t.a`; `JOIN (SELECT id AS k FROM t) AS x ON x.k = t.id`)."""
    from sqlglot import exp

    copies: list[tuple[Copy, exp.Join | None]] = []
    for source, join in write_sources.sources(statement):
        copy = None
        if source.alias_or_name.casefold() not in reading.changed.names:
            copy = _copy_of(source, reading)
        if copy is not None:
            copies.append((copy, join))
    if not copies:
        return False
    found = conditions(statement)
    for _, join in copies:
        on = join.args.get("on") if join is not None else None
        if on is not None and not any(on is c for c in found):
            found.append(on)
    read = [through_copies(c, [copy for copy, _ in copies], reading) for c in found]
    names = reading.changed.names | {copy.name for copy, _ in copies}
    itself = replace(reading, changed=replace(reading.changed, names=names))
    return _always_true(exp.and_(*read), itself)


# --- always true -----------------------------------------------------------------------


def _methods(clauses: list[exp.Expr]) -> set[str]:
    """`d.Doc.exist('/a')` with d a table of the statement reads a column; `Doc.exist(...)`
    may as well be the function exist of schema Doc, which reads none. Told apart here,
    where the clauses still sit in their statement (simplified copies do not)."""
    from sqlglot import exp

    return {
        dot.sql(dialect="tsql")
        for clause in clauses
        for dot in clause.find_all(exp.Dot)
        if column_methods.in_scope(dot)
    }


def _without_tautologies(condition: exp.Expr, reading: Reading) -> exp.Expr:
    from sqlglot.optimizer.simplify import simplify

    simplified = simplify(condition.copy(), dialect="tsql").transform(_without_from_less)
    replaced = simplified.transform(lambda node: _true_if_tautology(node, reading))
    return simplify(replaced, dialect="tsql")


def _without_from_less(node: exp.Expr) -> exp.Expr:
    """A subquery without FROM reads only the row around it: `EXISTS (SELECT v WHERE c)`
    is `c`, `x IN (SELECT v WHERE c)` is `x = v AND c`, `x = (SELECT v)` is `x = v`, so
    that `id IN (SELECT id)` is seen as `id = id`."""
    from sqlglot import exp

    if isinstance(node, exp.Exists) and (found := _from_less(node.this)) is not None:
        return found[1]
    if isinstance(node, exp.In) and (found := _from_less(node.args.get("query"))) is not None:
        return exp.and_(exp.EQ(this=node.this, expression=found[0]), found[1])
    if isinstance(node, exp.Subquery) and not isinstance(node.parent, exp.In):
        found = _from_less(node)
        if found is not None and isinstance(found[1], exp.Boolean) and found[1].this:
            return found[0]
    return node


def _from_less(query: object) -> tuple[exp.Expr, exp.Expr] | None:
    """The one value and the condition (TRUE without WHERE) of `SELECT v [WHERE c]`, a
    SELECT with nothing else (no FROM, TOP, GROUP BY, HAVING...), else None."""
    from sqlglot import exp

    select = query.this if isinstance(query, exp.Subquery) else query
    if not isinstance(select, exp.Select) or len(select.expressions) != 1:
        return None
    if any(value for key, value in select.args.items() if key not in ("expressions", "where")):
        return None
    where = select.args.get("where")
    return select.expressions[0].unalias(), where.this if where is not None else exp.true()


def _names_a_column(node: exp.Expr, methods: set[str]) -> bool:
    from sqlglot import exp

    if node.find(exp.Column) is not None:
        return True
    return any(dot.sql(dialect="tsql") in methods for dot in node.find_all(exp.Dot))


def _true_if_tautology(node: exp.Expr, reading: Reading) -> exp.Expr:
    from sqlglot import exp

    comparisons = (exp.EQ, exp.GTE, exp.LTE, exp.NullSafeEQ, exp.Like)
    if isinstance(node, comparisons) and same(node.this, node.expression, reading):
        # sqlglot reads `a NOT LIKE b` as one node, LIKE negated
        return exp.false() if node.args.get("negate") else exp.true()
    if isinstance(node, exp.In) and node.this is not None:
        value = normal(node.this, reading)
        if any(normal(item, reading) == value for item in node.expressions):
            return exp.true()
    witness = _row_witness(node, reading)
    if witness is not None and _always_true(witness, reading):
        return exp.true()
    name = not_null_name(node)
    if name is not None and name.casefold() in reading.non_nullable:
        return exp.true()
    # the whole OR chain at its top only: each OR in it would read its every operand again
    if isinstance(node, exp.Or) and not isinstance(node.parent, exp.Or):
        disjuncts = list(node.flatten())
        if null_or_not_null(disjuncts, reading) or complementary(disjuncts, reading):
            return exp.true()
    return node


def _always_true(condition: exp.Expr, reading: Reading) -> bool:
    """Whether `condition` holds for the changed row whatever other tables hold: what is
    left of it once tautologies are taken out tests no column of the changed table
    (`worst`: `x.id = t.id AND EXISTS (SELECT 1 FROM u WHERE u.k = 1)` keeps every
    row joined to itself, or none), as `judge`'s second check counts such conditions.
    Here an unqualified column outside a subquery is the changed row's: the copies'
    columns were written so."""
    from sqlglot import exp

    reading = replace(reading, nested=reading.nested or condition.find(exp.Select) is not None)
    left = _without_tautologies(condition, reading)
    if isinstance(left, exp.Boolean):
        return bool(left.this)
    names = reading.changed.names | {ROW}
    row = replace(reading, changed=replace(reading.changed, alone=True, names=names))
    return worst(left, row, positive=True) is True


def _row_witness(node: exp.Expr, reading: Reading) -> exp.Expr | None:
    """For `EXISTS (q)`, `v IN (q)` or `v = ANY (q)` (`>=`, `<=`, SOME alike) outside
    any subquery, where q reads the changed table whole (`_changed_rows`): a condition
    on the changed row that makes it true, since that row is one of q's rows (`x.id =
    t.id` read as `id = id`); else None."""
    from sqlglot import exp

    value: exp.Expr | None
    query: object
    if isinstance(node, exp.Exists):
        query, value = _without_top(node.this), None
    elif isinstance(node, exp.In):
        query, value = node.args.get("query"), node.this
    elif isinstance(node, exp.EQ | exp.GTE | exp.LTE) and isinstance(node.expression, exp.Any):
        query, value = node.expression.this, node.this
    else:
        return None
    if enclosing_subqueries(node, reading)[0]:
        return None  # inside a subquery, the names of `v` may be bound anew
    witnesses = []
    for branch in write_sources.branches(query):
        found = _changed_rows(branch, reading)
        if found is not None:
            selected, condition = found
            if value is not None:
                tested = exp.EQ(this=value.copy(), expression=selected[0].unalias())
                condition = exp.and_(tested, condition)
            witnesses.append(condition)
    return exp.or_(*witnesses) if witnesses else None


def _without_top(query: exp.Expr) -> object:
    """The SELECT of an EXISTS without its TOP (n) and ORDER BY: EXISTS asks for one
    row, and TOP keeps one where there is one, unless n is 0 (in doubt, a parameter is
    not)."""
    from sqlglot import exp

    select = query.this if isinstance(query, exp.Subquery) else query
    limit = select.args.get("limit") if isinstance(select, exp.Select) else None
    count = limit.expression if isinstance(limit, exp.Limit) else None
    if count is None or select.args.get("offset") or count.sql() in ("0", "(0)"):
        return query
    trimmed = select.copy()
    trimmed.set("limit", None)
    trimmed.set("order", None)
    return trimmed


def _changed_rows(query: object, reading: Reading) -> tuple[list[exp.Expr], exp.Expr] | None:
    """The values and the condition (TRUE without WHERE) of `SELECT v FROM T [AS x]
    [WHERE c]`, T the changed table or a copy of it (`_copy_of`), with x's columns (and
    unqualified ones: T has every column of the changed row) read as the changed row's;
    else None. A FROM that joins copies of T is read alike, its ON conditions with
    the WHERE's (the changed row joined to itself is among its rows when they hold),
    but an outer join's that keeps a copy whole; an outer-joined copy is NULL where
    unmatched and, as an outer-joined or OUTER APPLY'd other table, is read as
    depending on the row (qualified by ROW). Another table INNER, CROSS or RIGHT
    joined, or CROSS APPLY'd with a body that reads no copy, keeps every row or none
    whatever the row holds (qualified by OTHER; so is an unqualified name in a
    condition beside it: in doubt, not T's); its ON counts (`u.k = x.k` drops rows).
    In a subquery of the values or the condition, x's columns (not bound anew there)
    are qualified by ROW: unqualified, they would read as the subquery's. T is the
    changed table as `one_table` tells (`t IN (SELECT ... FROM dbo.t)`: one table)."""
    from sqlglot import exp

    select = query.this if isinstance(query, exp.Subquery) else query
    if not isinstance(select, exp.Select):
        return None
    if any(value for key, value in select.args.items() if key not in WHOLE_SELECT):
        return None
    sources = list(write_sources.sources(select))
    copies = [_copy_of(source, reading) for source, _ in sources]
    names = {copy.name for copy in copies if copy is not None}
    where = select.args.get("where")
    found = [where.this] if where is not None else []
    others: dict[str, str] = {}  # each other table's name, and the qualifier it is read with
    for place, ((source, join), copy) in enumerate(zip(sources, copies, strict=True)):
        side = join.args.get("side") if join is not None else None
        earlier = any(copies[:place])
        if copy is not None and side in ("LEFT", "FULL") and earlier:
            copy = copies[place] = None  # NULL where unmatched: no copy of the row
            tie: str | None = "linked"
        else:
            tie = write_sources.tie(source, join, names) if copy is None else "copy"
        if tie is None:
            return None
        if copy is None:
            name = source.alias_or_name.casefold()
            others[name] = ROW if tie == "linked" else f"{OTHER}.{name}"
        on = join.args.get("on") if join is not None else None
        # the ON restricts no copy that the join keeps whole (an outer join's)
        kept = tie == "linked" or (side in ("RIGHT", "FULL") and not earlier)
        if on is not None and not kept:
            found.append(on)
    known = [copy for copy in copies if copy is not None]
    names = {copy.name for copy in known}
    if not known:
        return None
    values = [
        read
        for value in select.expressions
        for read in (
            star(value, known) if value.is_star else [read_selected(value, known, reading)]
        )
    ]
    read = [through_copies(part, known, reading) for part in found]
    nested = replace(reading, nested=True)
    # beside another table, an unqualified name in a condition may be its: in doubt, it is
    # (in a value, T's: `id IN (SELECT id ...)` is then `id = id`)
    beside = OTHER if any(q != ROW for q in others.values()) else None
    for part, unqualified in [*((v, None) for v in values), *((r, beside) for r in read)]:
        for column in list(part.find_all(exp.Column)):
            inside, bound = enclosing_subqueries(column, nested)
            folded = column.table.casefold()
            if folded in bound or folded.startswith((ROW, OTHER)):
                continue
            if folded in others:
                qualify(column, others[folded])
            elif folded in names:
                # unqualified in a subquery, the name may be the subquery's own
                qualify(column, ROW if inside else None)
            elif not folded and not inside and unqualified:
                qualify(column, unqualified)
    return values, exp.and_(*read) if read else exp.true()


def _copy_of(source: exp.Expr, reading: Reading) -> Copy | None:
    """The copy of the changed table T that the table source `source` is: T by name
    (`one_table`) with nothing that drops rows, or a derived table or CTE whose SELECT
    reads T whole (`_changed_rows`, its WHERE and ON always true for T's row), its
    columns as they are named there or in the alias's column list; else None. A CTE
    reads only the CTEs written before it (a recursive one, a UNION, is no copy). The
    joins sqlglot hangs on a FROM's first source are judged with the FROM."""
    from sqlglot import exp

    name = source.alias_or_name.casefold()
    alias = source.args.get("alias")
    renamed = [column.name for column in alias.columns] if isinstance(alias, exp.TableAlias) else []
    if isinstance(source, exp.Subquery):
        if any(value for key, value in source.args.items() if key not in WHOLE_DERIVED):
            return None
        return _derived_copy(name, source.this, renamed, reading)
    if not isinstance(source, exp.Table) or renamed:
        return None
    version = source.args.get("version")  # FOR SYSTEM_TIME ALL: the rows now, and past ones
    every_time = isinstance(version, exp.Version) and str(version.args.get("kind")) == "ALL"
    kept = WHOLE_TABLE | {"version"} if every_time else WHOLE_TABLE
    if any(value for key, value in source.args.items() if key not in kept):
        return None
    parts = write_sources.written_parts(source)
    for place, cte in enumerate(reading.ctes):
        if len(parts) == 1 and cte.alias_or_name.casefold() == parts[0].casefold():
            # `WITH t AS (... WHERE c)`: FROM t reads the CTE, not the table
            if id(cte) not in reading.cte_copies:
                cte_alias = cte.args.get("alias")
                columns = [c.name for c in cte_alias.columns] if cte_alias is not None else []
                earlier = replace(reading, ctes=reading.ctes[:place])
                reading.cte_copies[id(cte)] = _derived_copy("", cte.this, columns, earlier)
            found = reading.cte_copies[id(cte)]
            return replace(found, name=name) if found is not None else None
    return Copy(name, every=True) if one_table(parts, reading.changed) else None


def _derived_copy(
    name: str, query: exp.Expr, renamed: Sequence[str], reading: Reading
) -> Copy | None:
    """The copy of T that the SELECT `query` of a derived table or CTE called `name`
    is (columns `renamed` when listed), else None."""
    from sqlglot import exp

    branches = write_sources.branches(query)
    first = branches[0].this if isinstance(branches[0], exp.Subquery) else branches[0]
    # a UNION's columns are named by its first SELECT; `*` there and in the copy's is
    # read as T's columns (in doubt: the other table's may be named otherwise)
    named = [v.alias_or_name for v in first.expressions] if isinstance(first, exp.Select) else []
    for place, branch in enumerate(branches):
        found = _changed_rows(branch, reading)
        if found is None or not _always_true(found[1], reading):
            continue
        if place and not renamed and named == ["*"] == [v.sql() for v in found[0]]:
            return Copy(name, every=True)
        names = renamed or (named if place else [])
        if place and (not names or "*" in names):
            continue
        return named_copy(name, found[0], names)
    return None
