"""UPDATE and DELETE with a FROM clause that names the target: `UPDATE a SET ... FROM
dbo.t AS a JOIN ...` and `DELETE a FROM dbo.t AS a JOIN ...`. SQL Server takes the
target as the FROM clause's source of that exposed name (an alias, or the table's own
name); SQLite's UPDATE ... FROM joins its target to the FROM clause as one more table
and its DELETE has no FROM clause, so the statement is rewritten:

- UPDATE: the source becomes the target (keeping its alias) and leaves the FROM
  clause, and the joins' ON conditions move to the WHERE clause; with an outer join
  that would lose the target's unmatched rows, so then the FROM clause stays whole in
  a derived table the target joins by rowid (_self_joined).
- DELETE: `DELETE FROM t WHERE rowid IN (SELECT a.rowid FROM <the FROM clause> WHERE
  ...)`, which keeps every kind of join.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.tsql import TSQL
from sqlglot.tokens import TokenType

from . import errors
from .catalog import DEFAULT_SCHEMA
from .dml_cte import rewrite_cte_target
from .tvf import is_table_function

_TARGET_ALIAS = "__azsql_target"
_FROM_ALIAS = "__azsql_from"
_ROWID = "__azsql_rowid"
_VALUE = "__azsql_value"
_NAME_TOKENS = (TokenType.VAR, TokenType.IDENTIFIER, TokenType.DOT, TokenType.HASH)


def merge_delete_from(text: str) -> str:
    """`text` with the first FROM of `DELETE FROM <target> FROM ...` dropped, which
    sqlglot does not parse: `DELETE <target> FROM ...` means the same (the first FROM is
    optional in T-SQL)."""
    folded = text.casefold()
    if "delete" not in folded or folded.count("from") < 2:
        return text
    tokens = TSQL().tokenize(text)
    for i, tok in enumerate(tokens[:-3]):
        if tok.token_type != TokenType.DELETE or tokens[i + 1].token_type != TokenType.FROM:
            continue
        j = i + 2
        while j < len(tokens) and tokens[j].token_type in _NAME_TOKENS:
            j += 1
        if j > i + 2 and j < len(tokens) and tokens[j].token_type == TokenType.FROM:
            first = tokens[i + 1]
            return text[: first.start] + text[first.end + 1 :]
    return text


def rewrite_dml_from(tree: exp.Expression) -> exp.Expression:
    """The statement with its target resolved against its FROM clause (`tree` itself
    when there is nothing to resolve)."""
    if isinstance(tree, exp.Delete) and not isinstance(tree.this, exp.Expression):
        tables = tree.args.get("tables") or []
        if len(tables) == 1:  # `DELETE dbo.t WHERE ...`: FROM is optional
            tree.set("this", tables[0])
            tree.set("tables", None)
    tree = rewrite_cte_target(tree)
    if isinstance(tree, exp.Update):
        _rewrite_update(tree)
    elif isinstance(tree, exp.Delete) and tree.args.get("tables"):
        return _rewrite_delete(tree)
    return tree


def _sources(first: exp.Expression) -> list[exp.Expression]:
    """The FROM clause's sources in order: the first, then each join's."""
    return [first, *(j.this for j in first.args.get("joins") or [])]


def _exposed(source: exp.Expression) -> str:
    return (source.alias or source.name).casefold()


def _object(table: exp.Table) -> tuple[str, str]:
    """Schema and name, the schema defaulted as the catalog defaults it."""
    return (table.db or DEFAULT_SCHEMA).casefold(), table.name.casefold()


def _find(target: exp.Table, sources: list[exp.Expression]) -> exp.Table | None:
    """The source the target names: the one whose exposed name (its alias, or the
    table's own name) it is when written as one part, else the one reference to the
    same table, aliased or not (`UPDATE dbo.t ... FROM dbo.t AS a JOIN ...`: the UPDATE
    page allows the alias to be left out when the table appears once in FROM). Two or
    more references and none named: error 8154, as SQL Server gives. A target that
    names a derived table or an APPLY of the FROM clause is refused (40517): SQL Server
    changes the table under an updatable derived table, which is not emulated."""
    tables = [s for s in sources if isinstance(s, exp.Table)]
    if not target.db:
        for source in tables:
            if _exposed(source) == target.name.casefold():
                return source
        for derived in sources:
            if not isinstance(derived, exp.Table) and _exposed(derived) == target.name.casefold():
                raise errors.unsupported(
                    f"An UPDATE or DELETE of '{target.name}', a derived table or APPLY of its"
                    " FROM clause; name the table to change (its alias in the FROM clause)"
                    " as the target"
                )
    same = [s for s in tables if _object(s) == _object(target)]
    if len(same) > 1:
        raise errors.ambiguous_table(target.name)
    return same[0] if same else None


def _table_as(source: exp.Table, alias: str) -> exp.Table:
    """The source's table (schema and name, without its joins) under `alias`."""
    table = exp.Table(this=source.this.copy(), db=source.args.get("db"))
    table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return table


def _rewrite_update(tree: exp.Update) -> None:
    from_ = tree.args.get("from_")
    target = tree.this
    if not isinstance(from_, exp.From) or not isinstance(target, exp.Table):
        return
    first = from_.this
    sources = _sources(first)
    found = _find(target, sources)
    if found is None:
        return
    joins = list(first.args.get("joins") or [])
    conditions: list[exp.Expression] = []
    rest = [s for s in sources if s is not found]
    outer = False
    for join in joins:
        if isinstance(join.this, exp.Lateral):
            if _lone_apply(join.this, rest):
                continue  # the FROM clause is the function alone: the translator joins it
            raise errors.unsupported(
                "OUTER APPLY or CROSS APPLY of a function other than STRING_SPLIT and"
                " OPENJSON beside another source, in an UPDATE whose target is a source of"
                " its FROM clause"
            )
        outer = outer or bool(join.side) or join.kind.upper() not in ("", "INNER", "CROSS")
        on = join.args.get("on")
        if on is not None:
            conditions.append(on)
    if outer:
        _self_joined(tree, first, found)
        return
    alias = found.alias or found.name
    tree.set("this", _table_as(found, alias))
    if rest:
        head = rest[0].copy()
        head.set("joins", [exp.Join(this=s.copy()) for s in rest[1:]] or None)
        tree.set("from_", exp.From(this=head))
    else:
        tree.set("from_", None)
    where = tree.args.get("where")
    if where is not None:
        conditions.append(where.this)
    if conditions:
        tree.set("where", exp.Where(this=exp.and_(*[c.copy() for c in conditions])))
    _bare_set_columns(tree, alias)


def _self_joined(tree: exp.Update, first: exp.Expression, found: exp.Table) -> None:
    """An UPDATE whose FROM clause has an outer join (a LEFT JOIN, or an OUTER APPLY
    apply_subqueries.py made one), which moving its ON conditions to the WHERE clause
    would turn inner: the FROM clause and WHERE become a derived table that selects the
    target's rowid and each column the SET expressions read, and the target (renamed) is
    joined to it by rowid. Each target row the FROM clause yields is updated, with the
    NULLs of an unmatched outer side, as SQL Server does. (SQLite cannot read a FROM
    table's rowid in UPDATE ... FROM once the FROM clause has a join, hence the derived
    table.)"""
    alias = found.alias or found.name
    head = first.copy()
    joins = head.args.get("joins")
    head.set("joins", None)
    rowid = exp.column("rowid", table=exp.to_identifier(alias))
    inner = exp.select(exp.alias_(rowid, _ROWID, quoted=True)).from_(head)
    inner.set("joins", joins)
    where = tree.args.get("where")
    if where is not None:
        inner.set("where", where.copy())
    names = {s.alias_or_name.casefold() for s in _sources(first)}
    read: dict[str, str] = {}
    for assignment in tree.expressions:
        for column in list(assignment.expression.find_all(exp.Column)):
            nested = column.find_ancestor(exp.Query) is not None
            if column.table.casefold() not in names and (nested or column.table):
                continue  # a subquery's own column
            key = column.sql("tsql")
            if key not in read:
                read[key] = f"{_VALUE}{len(read)}"
                inner.select(exp.alias_(column.copy(), read[key], quoted=True), copy=False)
            column.replace(exp.column(read[key], table=_FROM_ALIAS, quoted=True))
    tree.set("this", _table_as(found, _TARGET_ALIAS))
    tree.set(
        "from_",
        exp.From(
            this=exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier(_FROM_ALIAS)))
        ),
    )
    same_row = exp.EQ(
        this=exp.column("rowid", table=exp.to_identifier(_TARGET_ALIAS)),
        expression=exp.column(_ROWID, table=_FROM_ALIAS, quoted=True),
    )
    tree.set("where", exp.Where(this=same_row))
    _bare_set_columns(tree, alias)


def _bare_set_columns(tree: exp.Update, alias: str) -> None:
    for assignment in tree.expressions:  # SET a.col = ...: SQLite takes the bare name
        column = assignment.this
        if isinstance(column, exp.Column) and column.table.casefold() == alias.casefold():
            column.set("table", None)


def _lone_apply(lateral: exp.Lateral, rest: list[exp.Expression]) -> bool:
    """A CROSS APPLY of STRING_SPLIT or OPENJSON that is the FROM clause's one source
    besides the target: SQLite's UPDATE ... FROM joins such a lone json_each to its
    target (it may read the target's columns), as SQL Server's CROSS APPLY does."""
    return (
        rest == [lateral]
        and bool(lateral.args.get("cross_apply"))
        and is_table_function(lateral.this)
    )


def _rewrite_delete(tree: exp.Delete) -> exp.Expression:
    tables = tree.args["tables"]
    first = tree.this
    if len(tables) != 1 or not isinstance(tables[0], exp.Table) or first is None:
        return tree
    found = _find(tables[0], _sources(first))
    if found is None:
        return tree
    rowid = exp.column("rowid", table=exp.to_identifier(found.alias or found.name))
    inner = exp.select(rowid).from_(first.copy())
    where = tree.args.get("where")
    if where is not None:
        inner.set("where", where.copy())
    target = _table_as(found, _TARGET_ALIAS)
    keep = exp.In(
        this=exp.column("rowid", table=exp.to_identifier(_TARGET_ALIAS)),
        query=exp.Subquery(this=inner),
    )
    rewritten = exp.Delete(this=target, where=exp.Where(this=keep))
    # what the statement carries besides its target, FROM and WHERE: a CTE, and an
    # OUTPUT clause or TOP, so that what the server does not emulate is still refused
    for key, value in tree.args.items():
        if key not in ("this", "tables", "where") and value is not None:
            rewritten.set(key, value.copy() if isinstance(value, exp.Expression) else value)
    return rewritten
