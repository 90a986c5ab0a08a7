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
cross join (a left join for OUTER APPLY); with a column of the tables before it as an
argument it is Msg 40517: SQLite cannot correlate a subquery in FROM.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp
from sqlglot.tokens import TokenType

from ..results import TdsError
from . import errors
from .batches import Statement, tokenize
from .catalog import DEFAULT_SCHEMA, Catalog
from .expression_types import variable_name
from .module_headers import ProcParam, module_header, parameter_list
from .sql_types import type_text
from .token_stream import Tokens
from .user_function_calls import is_default

_MAX_NESTING = 32  # as for views and functions (Msg 217)


def parse_inline_function(stmt: Statement) -> tuple[list[str], list[ProcParam], str]:
    """(name parts, parameters, the body's SELECT) of an inline table-valued function."""
    ts = Tokens(stmt)
    _, _, parts = module_header(ts, "FUNCTION")
    ts.expect_type(TokenType.L_PAREN)
    params = parameter_list(ts)
    ts.expect_type(TokenType.R_PAREN)
    ts.expect("RETURNS")
    if not ts.accept("TABLE"):
        raise errors.unsupported("multi-statement table-valued functions (RETURNS @t TABLE)")
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
        if any(arg.find(exp.Column) for arg in call.expressions):
            raise errors.unsupported(
                f"CROSS APPLY / OUTER APPLY of the inline table-valued function"
                f" {'.'.join(found[2])} with a column of the tables before it as an argument"
                " (pass constants, variables or parameters, or join the tables the function"
                " reads)"
            )
        alias = lateral.alias or call.name
        derived = _derived(found, call.expressions, alias, catalog, database, parse, depth)
        if lateral.args.get("cross_apply"):
            join.replace(exp.Join(this=derived, kind="CROSS"))
        else:
            join.replace(exp.Join(this=derived, side="LEFT", on=exp.true()))
    return tree


def functions_read(tree: exp.Expression) -> list[tuple[int, int]]:
    """(object_id, schema_id) of each inline function the statement reads, not those a
    function's own body reads (ownership chaining)."""
    return [
        node.meta["table_function"]
        for node in tree.find_all(exp.Subquery)
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
