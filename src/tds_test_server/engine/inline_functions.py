"""Inline table-valued functions (CREATE FUNCTION s.fn(@p type, ...) RETURNS TABLE AS RETURN
SELECT ...) read in FROM: `FROM s.fn(1, @v) AS f` becomes the derived table `(its SELECT,
each parameter replaced by CAST(argument AS the parameter's type)) AS f`, as SQL Server
expands an inline function into the query that calls it ("Create user-defined functions
(Database Engine)": an inline function's body is one SELECT).

Written from Microsoft's CREATE FUNCTION page and "GRANT Object Permissions" (a
table-valued function is SELECT-checked, like a view). The function's own SELECT is
checked before the statement runs (statements.py, by meta["table_function"] on the
derived table); the tables its body reads are not: everything here is dbo's, so the
ownership chain is unbroken, as between a view and its tables (meta["chained"]).

CROSS/OUTER APPLY of one whose arguments are constants, variables or parameters is a
cross join (a left join for OUTER APPLY). With a column of the tables before it as an
argument, SQLite cannot correlate the derived table, so _apply_correlated runs the body
once per distinct argument and joins on it, where the body is rows of tables (else Msg
40517 naming the function).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlglot import exp

from ..results import TdsError
from . import errors
from .apply_stars import named_columns, write_out_stars
from .batches import Statement, tokenize
from .catalog import DEFAULT_SCHEMA, Catalog
from .expression_types import variable_name
from .module_headers import ProcParam, function_header
from .sql_types import type_text
from .token_stream import Tokens
from .user_function_calls import is_default

_MAX_NESTING = 32  # as for views and functions (Msg 217)


def parse_inline_function(stmt: Statement) -> tuple[list[str], list[ProcParam], str]:
    """(name parts, parameters, the body's SELECT) of an inline table-valued function."""
    ts = Tokens(stmt)
    _, _, parts, params = function_header(ts)
    ts.expect("TABLE")  # RETURNS @t TABLE: table_functions.py
    if ts.accept("WITH"):
        while not ts.at_end() and ts.peek_word() != "AS":
            ts.next()  # SCHEMABINDING
    ts.expect("AS")
    ts.expect("RETURN")
    body = ts.text_between(ts.i, len(ts.toks)).strip().rstrip(";").strip()
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1].strip()
    return parts, params, body


Parse = Callable[[str], exp.Expression]  # translate.parse_tsql, which imports this module


def inline_table_functions(
    tree: exp.Expression, catalog: Catalog, database: str, parse: Parse, depth: int = 0
) -> exp.Expression:
    """`tree` with each inline function read in FROM, a join or an APPLY as its body."""
    for table in list(tree.find_all(exp.Table)):
        call = table.this
        if not isinstance(call, exp.Anonymous):
            continue
        parts = [p for p in (table.catalog, table.db) if p]
        found = _function(catalog, database, [*parts, call.name])
        if found is not None:
            alias = table.alias or call.name
            table.replace(_derived(found, call.expressions, alias, catalog, database, parse, depth))
    for lateral in list(tree.find_all(exp.Lateral)):
        call, parts = _applied(lateral.this)
        found = None if call is None else _function(catalog, database, [*parts, call.name])
        join = lateral.parent
        if found is None or call is None or not isinstance(join, exp.Join):
            continue
        alias = lateral.alias or call.name
        if any(arg.find(exp.Column) for arg in call.expressions):
            _apply_correlated(join, lateral, call, found, alias, catalog, parse, depth)
            continue
        derived = _derived(found, call.expressions, alias, catalog, database, parse, depth)
        if lateral.args.get("cross_apply"):
            join.replace(exp.Join(this=derived, kind="CROSS"))
        else:
            join.replace(exp.Join(this=derived, side="LEFT", on=exp.true()))
    return tree


def _apply_correlated(
    join: exp.Join,
    lateral: exp.Lateral,
    call: exp.Anonymous,
    found: tuple[int, str, list[str]],
    alias: str,
    catalog: Catalog,
    parse: Parse,
    depth: int,
) -> None:
    """`A CROSS APPLY s.fn(A.x) AS f` as `A JOIN D AS f ON f.key IS CAST(A.x AS type)`,
    where D runs the body once per distinct argument: `SELECT its columns, args.key FROM
    (SELECT DISTINCT CAST(A.x AS type) AS key FROM A) AS args CROSS JOIN its tables
    WHERE its condition, each parameter args.key` (OUTER APPLY: a left join). The same
    rows, each once, with no subquery in FROM that refers to the tables before it
    (SQLite cannot correlate one). Only for a body of one SELECT of named columns from
    tables, with no aggregate, window, DISTINCT, TOP, GROUP BY, ORDER BY or WITH (each
    would have to be computed per argument), and arguments whose columns are those of
    tables named before the APPLY."""
    name = ".".join(found[2])
    select, values = _arguments(found, call.expressions, parse, depth)
    outer = join.parent
    sources = _sources_before(outer, join) if isinstance(outer, exp.Select) else None
    read = _argument_tables(call, sources) if sources is not None else None
    if read is None or not isinstance(outer, exp.Select) or not _plain_body(select):
        raise errors.unsupported(
            f"CROSS APPLY / OUTER APPLY of the inline table-valued function {name} with a"
            " column as an argument, where the function's body is more than one SELECT of"
            " named columns from tables (no aggregate, window, DISTINCT, TOP, GROUP BY,"
            " ORDER BY or WITH) or the column is not of a table named before the APPLY"
            " (pass constants, variables or parameters, or join the tables the function"
            " reads)"
        )
    assert isinstance(select, exp.Select)
    names = [p.alias_or_name for p in select.expressions]
    _chain(select)
    keys = [f"__azsql_key{i}" for i in range(len(values))]
    # each value its own key: DISTINCT and the join compare text case- and blank-
    # sensitively, not as the default collation does ('red' and 'RED ' are two calls)
    exact = {p: exp.Collate(this=v, expression=exp.var("BINARY")) for p, v in values.items()}
    arguments = exp.Select(
        expressions=[
            exp.alias_(v.copy(), k, quoted=True) for v, k in zip(exact.values(), keys, strict=True)
        ],
        distinct=exp.Distinct(),
    )
    for i, table in enumerate(read):
        copied = table.copy()
        arguments = arguments.from_(copied) if i == 0 else arguments.join(copied, join_type="cross")
    args = "__azsql_args"
    # in the body the key compares as the parameter would, by the default collation,
    # and has its type
    bound: dict[str, exp.Expression] = {}
    for (param, value), key in zip(values.items(), keys, strict=True):
        column = exp.column(key, table=args, quoted=True)
        collated = exp.Collate(this=column, expression=exp.var("NOCASE"))
        bound[param] = exp.Cast(this=collated, to=value.args["to"].copy())
    _bind(select, bound)
    first = select.args.get("from_")
    args_table = exp.Subquery(this=arguments, alias=exp.TableAlias(this=exp.to_identifier(args)))
    select.set("from_", exp.From(this=args_table))
    if first is not None:
        joins = select.args.get("joins") or []
        select.set("joins", [exp.Join(this=first.this, kind="CROSS"), *joins])
    own_keys = [exp.alias_(exp.column(k, table=args, quoted=True), k, quoted=True) for k in keys]
    select.set("expressions", [*select.expressions, *own_keys])
    derived = _function_table(select, found[0], alias, catalog)
    condition = exp.and_(
        *(
            exp.NullSafeEQ(this=exp.column(key, table=alias, quoted=True), expression=value.copy())
            for key, value in zip(keys, exact.values(), strict=True)
        )
    )
    side = None if lateral.args.get("cross_apply") else "LEFT"
    replacement = exp.Join(this=derived, side=side, on=condition)
    join.replace(replacement)
    write_out_stars(outer, derived, lambda: named_columns(names, alias), alias)


def _sources_before(select: exp.Select, join: exp.Join) -> list[exp.Expression] | None:
    from_ = select.args.get("from_")
    if from_ is None:
        return None
    sources = [from_.this]
    for other in select.args.get("joins") or []:
        if other is join:
            return sources
        sources.append(other.this)
    return None


def _argument_tables(call: exp.Anonymous, sources: list[exp.Expression]) -> list[exp.Table] | None:
    """The tables before the APPLY whose columns the arguments read (each column then
    qualified by its table), or None when one is not such a table's."""
    tables = {
        s.alias_or_name.casefold(): s
        for s in sources
        if isinstance(s, exp.Table) and isinstance(s.this, exp.Identifier)
    }
    read: list[exp.Table] = []
    for arg in call.expressions:
        for column in arg.find_all(exp.Column):
            if _in_query(column, arg):
                return None  # a subquery's column: not an argument of the APPLY's own
            qualifier = column.table.casefold()
            if not qualifier and len(sources) == 1 and len(tables) == 1:
                qualifier = next(iter(tables))
            table = tables.get(qualifier)
            if table is None or column.args.get("db"):
                return None
            column.set("table", exp.to_identifier(table.alias_or_name))
            if table not in read:
                read.append(table)
    return read


def _in_query(node: exp.Expression, top: exp.Expression) -> bool:
    """Whether a query lies between `node` and `top`, which holds it."""
    if node is top:
        return False
    parent = node.parent
    while parent is not None and parent is not top:
        if isinstance(parent, exp.Query):
            return True
        parent = parent.parent
    return False


def _plain_body(select: exp.Expression) -> bool:
    """One SELECT of named columns from tables, computed row by row."""
    if not isinstance(select, exp.Select):
        return False
    clauses = ("with_", "distinct", "group", "having", "order", "limit", "offset", "into")
    if any(select.args.get(k) for k in clauses) or select.find(exp.AggFunc, exp.Window):
        return False
    names = [p.alias_or_name.casefold() for p in select.expressions]
    stars = any(p.is_star for p in select.expressions)
    if stars or "" in names or len(set(names)) != len(names):
        return False
    from_ = select.args.get("from_")
    tables = ([from_.this] if from_ else []) + [j.this for j in select.args.get("joins") or []]
    return all(isinstance(t, exp.Table) and isinstance(t.this, exp.Identifier) for t in tables)


def functions_read(subqueries: Iterable[exp.Subquery]) -> list[tuple[int, int]]:
    """(object_id, schema_id) of each inline function the statement reads, not those a
    function's own body reads (ownership chaining); `subqueries`: the statement's
    (Query.nodes)."""
    return [
        node.meta["table_function"]
        for node in subqueries
        if "table_function" in node.meta and "chained" not in node.meta
    ]


def in_function_body(node: exp.Expression) -> bool:
    """Whether `node` is in an inline function's body, whose calls of scalar functions
    are not EXECUTE-checked either (ownership chaining); an argument the caller passes
    is the caller's, though the body holds it (meta["argument"])."""
    passed = 0  # arguments met on the way up: each belongs to the next function up
    parent = node.parent
    while parent is not None:
        if "argument" in parent.meta:
            passed += 1
        elif "table_function" in parent.meta:
            if not passed:
                return True
            passed -= 1
        parent = parent.parent
    return False


def _applied(node: exp.Expression) -> tuple[exp.Anonymous | None, list[str]]:
    """The call of `CROSS APPLY [db.][schema.]fn(...)` and its qualifiers."""
    if isinstance(node, exp.Anonymous):
        return node, []
    if isinstance(node, exp.Dot):
        parts = list(node.flatten())
        call, qualifiers = parts[-1], parts[:-1]
        if isinstance(call, exp.Anonymous) and all(
            isinstance(q, exp.Identifier) for q in qualifiers
        ):
            return call, [q.name for q in qualifiers]
    return None, []


def _function(
    catalog: Catalog, database: str, parts: list[str]
) -> tuple[int, str, list[str]] | None:
    """(object_id, CREATE text, schema and name) of the inline function `parts` names."""
    if len(parts) > 3 or (len(parts) == 3 and parts[0].casefold() != database.casefold()):
        return None
    schema = parts[-2] if len(parts) > 1 and parts[-2] else DEFAULT_SCHEMA
    found = catalog.table_functions.get((schema.casefold(), parts[-1].casefold()))
    if found is None:
        return None
    row = catalog.objects[found[0]]
    return found[0], found[1], [catalog.schema_names.get(row.schema_id, schema), row.name]


def _derived(
    found: tuple[int, str, list[str]],
    args: list[exp.Expression],
    alias: str,
    catalog: Catalog,
    database: str,
    parse: Parse,
    depth: int,
) -> exp.Subquery:
    select, values = _arguments(found, args, parse, depth)
    for value in values.values():
        value.meta["argument"] = True
    _bind(select, values)
    inline_table_functions(select, catalog, database, parse, depth + 1)
    _chain(select)
    return _function_table(select, found[0], alias, catalog)


def _arguments(
    found: tuple[int, str, list[str]], args: list[exp.Expression], parse: Parse, depth: int
) -> tuple[exp.Expression, dict[str, exp.Expression]]:
    """The function's SELECT as parsed, and each parameter's argument (DEFAULT: its
    default) as CAST(argument AS the parameter's type), by the parameter's name."""
    _, definition, name = found
    if depth >= _MAX_NESTING:
        raise TdsError(
            217,
            "Maximum stored procedure, function, trigger, or view nesting level exceeded"
            f" (limit {_MAX_NESTING}).",
        )
    _, params, body = parse_inline_function(Statement(definition, tokenize(definition), 1))
    written = ".".join(name)
    too_few = TdsError(
        313,
        "An insufficient number of arguments were supplied for the procedure or function"
        f" {written}.",
    )
    if len(args) < len(params):
        raise too_few
    if len(args) > len(params):
        raise TdsError(8144, f"Procedure or function {written} has too many arguments specified.")
    values: dict[str, exp.Expression] = {}
    for param, arg in zip(params, args, strict=True):
        if is_default(arg):
            if param.default is None:
                raise too_few
            default = parse(f"SELECT {param.default}")
            assert isinstance(default, exp.Select)
            arg = default.expressions[0]
        to = exp.DataType.build(type_text(param.type), "tsql")
        values[param.name[1:].lower()] = exp.Cast(this=arg.copy(), to=to)
    return parse(body), values


def _bind(select: exp.Expression, values: dict[str, exp.Expression]) -> None:
    """Each parameter of the body `select` replaced by its value."""
    for node in list(select.find_all(exp.Parameter)):
        value = values.get(variable_name(node) or "")
        if value is not None:
            node.replace(value.copy())


def _chain(select: exp.Expression) -> None:
    """The body's tables and derived tables: read under ownership chaining."""
    for source in select.find_all(exp.Table, exp.Subquery):
        source.meta["chained"] = True


def _function_table(select: exp.Expression, oid: int, alias: str, catalog: Catalog) -> exp.Subquery:
    derived = exp.Subquery(this=select, alias=exp.TableAlias(this=exp.to_identifier(alias)))
    derived.meta["table_function"] = (oid, catalog.objects[oid].schema_id)
    return derived
