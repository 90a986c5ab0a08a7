"""Statements -> SQLite SQL (with sqlglot): queries and DML are rewritten on sqlglot's
tree and generated as SQLite, with their output column types. Translations are cached
per statement text. Batches are split in batches.py; DDL is parsed in ddl_parse.py.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import TypeVar, cast

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, OptimizeError, ParseError, SqlglotError, UnsupportedError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope

from ..editions import SQL_SERVER_2022, Edition
from ..results import ColumnType
from . import errors
from .aggregate_operands import check_aggregate_operands
from .apply_subqueries import is_per_outer_row, rewrite_apply_subqueries
from .bitwise import rewrite_binary_operands
from .builtin_names import check_builtin_calls
from .catalog import DEFAULT_SCHEMA, Catalog, Column, Table
from .checksums import expand_checksum_stars
from .clr_sql import rewrite_clr, rewrite_spatial_texts
from .comparisons import rewrite_comparisons
from .convert_sql import cast_call, convert_call, rewrite_converts
from .culture_parse import rewrite_parse
from .datalength import rewrite_datalengths
from .date_arithmetic import rewrite_date_arithmetic
from .date_literals import store_date_literals
from .date_strings import DATE_ORDER
from .derived_columns import rewrite_derived_column_lists
from .dml_from import merge_delete_from, rewrite_dml_from
from .expression_types import expression_type, is_variable_arithmetic, unwrap_text, variable_name
from .for_json import JsonShape, take_for_json
from .for_xml import XmlShape, take_for_xml
from .grouping_sets import has_grouping_sets, rewrite_grouping_sets
from .hashbytes import rewrite_hashbytes
from .hints import strip_option_clause
from .inline_functions import inline_table_functions
from .into_clause import IntoClause, take_into
from .json_modify import rewrite_json_modify
from .json_read import rewrite_json_read
from .like_patterns import rewrite_ascii_likes
from .newer_builtins import rewrite_newer
from .number_stores import store_numbers
from .output_clause import DELETED, INSERTED, check_references, output_source, take_output
from .pivot import rewrite_pivots
from .prepare import prepare
from .quantified import rewrite_percentiles, rewrite_quantified
from .query_rules import check_reserved_aliases
from .recursion import limit_recursion
from .replicate import rewrite_replicates
from .result_types import result_of_branches
from .scalar_subqueries import rewrite_scalar_subqueries
from .sequences import rewrite_next_value
from .sort_keys import mark_column_keys
from .sql_types import type_text
from .sqlite_dialect import EngineSQLite
from .stored_values import check_insert_width, listed_columns
from .string_stores import store_strings
from .synonyms import resolve_synonyms
from .system_time import rewrite_system_time
from .temp_tables import TempSignature, table_named, temp_signature, temp_table, typing_schema
from .top import needs_top_rewrite, rewrite_top
from .tsql_dialect import EngineTSQL
from .tsql_functions import rewrite_function
from .tvf import (
    apply_join,
    expand_apply_stars,
    from_subquery,
    is_table_function,
    openjson_type,
    table_function_type,
)
from .unknown_functions import check_unknown_calls
from .user_function_calls import call_type, rewrite_user_functions
from .values_alias import rewrite_values_aliases, values_type
from .variable_types import STRING_VARIABLES, declared_in
from .variant_property import rewrite_variant_properties

E = TypeVar("E", bound=exp.Expr)


@dataclass(frozen=True)
class OutputColumn:
    name: str
    type: ColumnType | None  # None: infer from the values
    param: str | None = None  # a bare @variable: its declared type
    base: bool = False  # a base-table column: values need no checking
    origin: tuple[int, int] | None = None  # that column's (object_id, column_id): masking.py
    arithmetic: exp.Expr | None = None  # on @variables: typed by variable_arithmetic_type
    branches: tuple[OutputColumn, ...] = ()  # a set operation's, one a variable's: typed so


@dataclass(frozen=True)
class Query:
    """A translated SELECT/INSERT/UPDATE/DELETE."""

    sql: str
    kind: str  # select, insert, update, delete
    tsql: exp.Expression
    columns: tuple[OutputColumn, ...] | None = None
    names: dict[str, str] = field(default_factory=dict)  # sqlite table name -> as written
    needs: frozenset[str] = frozenset()  # 'dmv', 'rowcounts'
    target: str | None = None  # DML target, sqlite name
    target_display: str | None = None
    insert_columns: tuple[str, ...] | None = None
    assign: tuple[str, ...] = ()  # SELECT @a = x, @b = y: the variables in order
    params: frozenset[str] = frozenset()
    reads: frozenset[str] = frozenset()  # sqlite names of the tables read: not the DML target
    json: JsonShape | None = None  # FOR JSON: the rows become one JSON text
    xml: XmlShape | None = None  # FOR XML: the rows become one XML text
    output: Query | None = None  # a DML statement's OUTPUT clause: its SELECT (output_clause)
    into: IntoClause | None = None  # SELECT ... INTO: the new table (select_into.py)
    _found: dict[type[exp.Expr], tuple[exp.Expr, ...]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def nodes(self, kind: type[E]) -> tuple[E, ...]:
        """The `kind` nodes of `tsql` in find_all's order, found once: a translation is
        cached and served to every call of the same text, and its tree is not changed."""
        found = self._found.get(kind)
        if found is None:
            found = self._found[kind] = tuple(self.tsql.find_all(kind))
        return cast("tuple[E, ...]", found)


_NONAME = "__azsql_noname_"


SQL_TEXT = "sys.dm_exec_sql_text"  # a function, read as a view once rewritten
_DMV_TABLES = {"sys.dm_exec_sessions", "sys.dm_exec_requests", SQL_TEXT}


_ROWCOUNT_TABLES = {"sys.partitions", "sys.dm_db_partition_stats"}


_UNSUPPORTED_NODES: dict[type[exp.Expression], str] = {
    exp.Into: "SELECT ... INTO in a subquery or a CTE (only the outermost SELECT may have INTO)",
    exp.Returning: "the OUTPUT clause",
    exp.Merge: "MERGE",
    exp.ForClause: "FOR JSON in a subquery, FOR XML in a subquery or FOR BROWSE (select the"
    " rows and build the document in the client, or use STRING_AGG and CONCAT)",
}


_STRINGY = (exp.National, exp.DPipe, exp.Concat)


def _sqlite(work: exp.Expression) -> str:
    """The SQLite text of a rewritten tree; what SQLite cannot say is Msg 40517."""
    try:
        return work.sql(EngineSQLite, unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as exc:
        raise errors.unsupported(str(exc).split("\n")[0]) from None


class Translator:
    """Translates T-SQL statements for one Engine; results cached by text."""

    def __init__(self, catalog: Catalog, edition: Edition = SQL_SERVER_2022, size: int = 4096):
        self.catalog = catalog
        self.edition = edition
        self._cache: OrderedDict[
            tuple[str, str, int, str, TempSignature, frozenset[str]], Query
        ] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def translate(self, text: str, database: str, strings: frozenset[str] = frozenset()) -> Query:
        """`strings`: the variables known to be of a string type (STRING_VARIABLES)."""
        # SET DATEFORMAT decides how a date literal is stored (date_literals), and the
        # session's #tables' types what an INSERT into one stores
        order, temps = DATE_ORDER.get(), temp_signature(text)
        key = (text, database.casefold(), self.catalog.generation, order, temps, strings)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        token = STRING_VARIABLES.set(strings)
        try:
            query = self._translate(text, database)
        finally:
            STRING_VARIABLES.reset(token)
        with self._lock:
            self._cache[key] = query
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return query

    def _translate(self, text: str, database: str) -> Query:
        text, output_list = take_output(text)
        parsed = inline_table_functions(_parse_query(text), self.catalog, database, _parse_query)
        rewrite_apply_subqueries(parsed, self.catalog)
        tree = prepare(resolve_synonyms(parsed, self.catalog, database), text, self.catalog)
        if not isinstance(tree, (exp.Query, exp.Insert, exp.Update, exp.Delete)):
            raise errors.unsupported(_describe(tree))
        tree = rewrite_dml_from(tree)
        rewrite_pivots(tree, self.catalog)
        expand_apply_stars(tree)
        json = take_for_json(tree)
        xml = take_for_xml(tree)
        into = take_into(tree)
        for node_type, what in _UNSUPPORTED_NODES.items():
            if tree.find(node_type):
                raise errors.unsupported(what)
        if needs_top_rewrite(tree) and not isinstance(tree, exp.Select):
            raise errors.unsupported("TOP ... PERCENT / WITH TIES outside a SELECT")
        assign: tuple[str, ...] = ()
        if (
            isinstance(tree, exp.Select)
            and tree.expressions
            and all(isinstance(p, exp.EQ) and variable_name(p.this) for p in tree.expressions)
        ):
            assign = tuple(variable_name(p.this) or "" for p in tree.expressions)
            tree.set("expressions", [p.expression for p in tree.expressions])

        kind = {exp.Insert: "insert", exp.Update: "update", exp.Delete: "delete"}.get(
            type(tree), "select"
        )
        columns = self._output_columns(tree, database) if kind == "select" else None
        work = tree.copy()
        names: dict[str, str] = {}
        needs: set[str] = set()
        params: set[str] = set()
        reads: set[str] = set()
        target = target_display = None
        insert_columns: tuple[str, ...] | None = None
        if kind != "select":
            target_node = work.this
            if isinstance(target_node, exp.Schema):
                insert_columns = tuple(i.name for i in target_node.expressions)
                if isinstance(work, exp.Insert):
                    check_insert_width(work, len(insert_columns))
                target_node = target_node.this
            if isinstance(target_node, exp.Table):
                target, target_display = self._table_name(target_node, database)
                table = self.catalog.tables.get(target.casefold()) or temp_table(target)
                if table is not None and isinstance(work, exp.Insert) and insert_columns is None:
                    insert_columns = listed_columns(work, table, target_display)
                store_date_literals(work, table, insert_columns)
                store_numbers(work, table, insert_columns)
                store_strings(work, table, insert_columns, database, self.edition)
        output = None
        if output_list is not None and kind != "select":
            output = self._output(output_list, kind, tree, database)
        self._rewrite(work, database, names, needs, params, reads, kind)
        if kind == "select":
            for i, proj in enumerate(work.selects if isinstance(work, exp.Query) else []):
                if not isinstance(proj, (exp.Alias, exp.Column, exp.Star)):
                    proj.replace(exp.alias_(proj.copy(), f"{_NONAME}{i}", quoted=True))
            if isinstance(work, exp.Select) and has_grouping_sets(work):
                work = rewrite_grouping_sets(work)
            for select in list(work.find_all(exp.Select)):  # subqueries and CTEs too
                if select is not work and has_grouping_sets(select):
                    select.replace(rewrite_grouping_sets(_named(select)))
            if isinstance(work, exp.Select) and needs_top_rewrite(work):
                work = rewrite_top(work)
            for select in list(work.find_all(exp.Select)):
                if select is not work and needs_top_rewrite(select):
                    select.replace(rewrite_top(_named(select)))
        mark_column_keys(work, self.catalog)
        sql = _sqlite(work)
        return Query(
            sql,
            kind,
            tree,
            columns,
            names,
            frozenset(needs),
            target,
            target_display,
            insert_columns,
            assign,
            frozenset(params),
            frozenset(reads),
            json,
            xml,
            output,
            into,
        )

    def _output(self, select_list: str, kind: str, tree: exp.Expression, database: str) -> Query:
        """The OUTPUT clause's SELECT: typed over the target as `inserted` and `deleted`,
        run over the rows output_capture.py records (output_clause.py)."""
        parsed = parse_tsql(f"SELECT {select_list}")
        if not isinstance(parsed, exp.Select) or parsed.args.get("from_") is not None:
            raise errors.syntax_near("OUTPUT")
        node = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        if not isinstance(node, exp.Table) or not isinstance(node.this, exp.Identifier):
            raise errors.unsupported("The OUTPUT clause on a target other than a table")
        target, _ = self._table_name(node, database)
        table = self.catalog.tables.get(target.casefold())
        if table is not None and table.kind != "U":
            raise errors.unsupported("The OUTPUT clause on a view")
        sources = set()
        if kind != "insert":  # UPDATE ... FROM, DELETE ... FROM: their tables' names
            found = tree.find_all(exp.Table, exp.Subquery)
            sources = {t.alias_or_name.casefold() for t in found}
            sources -= {"", node.alias_or_name.casefold(), INSERTED, DELETED}
        select = exp.Select(expressions=check_references(parsed.expressions, kind, table, sources))
        aliases = {"insert": [INSERTED], "update": [DELETED, INSERTED], "delete": [DELETED]}[kind]
        for i, alias in enumerate(aliases):
            source = exp.Table(this=node.this.copy(), db=node.args.get("db"))
            source.set("catalog", node.args.get("catalog"))
            source.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
            select = select.from_(source) if i == 0 else select.join(source, join_type="cross")
        columns = self._output_columns(select, database)
        work = _named(select.copy())
        names: dict[str, str] = {}
        needs: set[str] = set()
        params: set[str] = set()
        reads: set[str] = set()
        self._rewrite(work, database, names, needs, params, reads, "output")
        from_, joins = output_source(kind, target)
        work.set("from_", from_)
        work.set("joins", joins or None)
        work.set("order", exp.Order(expressions=[exp.column("rowid", table=DELETED, quoted=True)]))
        sql = _sqlite(work)
        return Query(
            sql,
            "select",
            select,
            columns,
            names,
            frozenset(needs),
            params=frozenset(params),
            reads=frozenset(reads),
        )

    # -- name mapping
    def _multi_statement(self, table: exp.Table, database: str) -> bool:
        """Whether `table`'s call names a multi-statement table-valued function here."""
        if table.catalog and table.catalog.casefold() != database.casefold():
            return False
        oid = self.catalog.resolve_object_id(f"[{table.db}].[{table.this.name}]")
        row = self.catalog.object_row(oid) if oid is not None else None
        return row is not None and row.type == "TF"

    def _table_name(self, table: exp.Table, database: str) -> tuple[str, str]:
        name = table.name
        if isinstance(table.this, exp.Identifier) and table.this.args.get("temporary"):
            name = "#" + name
        schema = table.db or DEFAULT_SCHEMA
        written = ".".join(p for p in (table.catalog, table.db, name) if p)
        if self.edition.is_azure_sql_database:  # the name is built for its error only
            self.edition.check_reference(_written_name(table), database, _outer_parts(table))
        if table.catalog and table.catalog.casefold() not in (database.casefold(), "tempdb"):
            return f"{table.catalog}.{schema}.{name}", written
        if name.startswith("#"):
            return name, written
        return f"{schema}.{name}", written

    def _rewrite(
        self,
        tree: exp.Expression,
        database: str,
        names: dict[str, str],
        needs: set[str],
        params: set[str],
        reads: set[str],
        kind: str,
    ) -> None:
        rewrite_user_functions(tree, self.catalog)  # their arguments are rewritten below
        rewrite_system_time(tree, self.catalog)  # before the tables are renamed below
        rewrite_datalengths(tree, self.catalog)
        rewrite_hashbytes(tree, self.catalog)
        expand_checksum_stars(tree, self.catalog)
        rewrite_variant_properties(tree, self.catalog)
        rewrite_spatial_texts(tree, self.catalog)
        check_aggregate_operands(tree, self.catalog)  # SQLite sums text as 0
        rewrite_comparisons(tree, self.catalog)  # before CONVERT is rewritten: it reads its type
        rewrite_date_arithmetic(tree, self.catalog)  # after: a string beside it is converted
        rewrite_ascii_likes(tree, self.catalog)
        rewrite_replicates(tree, self.catalog)
        rewrite_binary_operands(tree)  # before CONVERT and SUBSTRING are rewritten
        rewrite_converts(tree, self.catalog)
        rewrite_quantified(tree)
        rewrite_values_aliases(tree)
        rewrite_percentiles(tree)
        rewrite_scalar_subqueries(tree)  # after ANY/ALL, whose subqueries are sets of rows
        limit_recursion(tree)
        ctes = {c.alias_or_name.casefold() for c in tree.find_all(exp.CTE)}
        dml_target = tree.this if kind != "select" else None
        if isinstance(dml_target, exp.Schema):
            dml_target = dml_target.this
        functions = []
        for table in list(tree.find_all(exp.Table)):
            if isinstance(table.this, (exp.Anonymous, exp.OpenJSON, exp.GenerateSeries)):
                functions.append(table)
                continue
            if not table.db and table.name.casefold() in ctes:
                continue
            if table.name.casefold().startswith("__azsql_"):
                continue
            sqlite_name, written = self._table_name(table, database)
            names[sqlite_name.casefold()] = written
            folded = sqlite_name.casefold()
            # SELECT is checked on a synonym, not its base (synonyms.py), and on an inline
            # function, not the tables its body reads (inline_functions.py), but for a
            # system view, whose server or database permission no ownership chain reaches
            chained = "synonym" in table.meta or "chained" in table.meta
            if table is not dml_target and (not chained or folded[:4] == "sys."):
                reads.add(folded)
            if folded in _DMV_TABLES:
                needs.add("dmv")
            if folded in _ROWCOUNT_TABLES:
                needs.add("rowcounts")
            if folded == "sys.database_files":
                needs.add("files")
            alias = table.alias
            condition = self.catalog.filters.get(folded) if kind == "select" else None
            if condition is not None:  # row-level security: the table's filter predicates
                inner = parse_tsql(f"SELECT * FROM [{sqlite_name}] WHERE {condition}")
                filtered = exp.Subquery(this=inner)
                filtered.set("alias", exp.TableAlias(this=exp.to_identifier(alias or table.name)))
                table.replace(filtered)
                continue
            new = exp.Table(this=exp.to_identifier(sqlite_name, quoted=True))
            if table.args.get("joins"):  # an UPDATE's or DELETE's FROM clause keeps them here
                new.set("joins", table.args["joins"])
            if alias:
                new.set("alias", table.args["alias"])
            elif table is not dml_target or kind in ("update", "delete"):
                new.set("alias", exp.TableAlias(this=exp.to_identifier(table.name, quoted=True)))
            table.replace(new)
        for join in list(tree.find_all(exp.Join)):
            if isinstance(join.this, exp.Lateral) and is_table_function(join.this.this):
                join.replace(apply_join(join.this))
            elif isinstance(join.this, exp.Lateral):
                join.replace(_sql_text_join(join.this, join))
                needs.add("dmv")
                reads.add(SQL_TEXT)
        for lateral in list(tree.find_all(exp.Lateral)):  # an UPDATE's lone CROSS APPLY
            if isinstance(lateral.parent, exp.From) and is_table_function(lateral.this):
                lateral.replace(apply_join(lateral).this)
        for table in functions:
            if is_table_function(table.this):
                from_subquery(table)
                continue
            if table.db and table.db.casefold() != "sys":  # no inline function (one is inlined)
                written = ".".join(p for p in (table.catalog, table.db, table.this.name) if p)
                if self.edition.is_azure_sql_database:  # another database's: 40515
                    self.edition.check_reference(written, database, _outer_parts(table))
                if self._multi_statement(table, database):  # one read where no statement
                    # runs its body first (table_functions.py)
                    raise errors.unsupported(
                        f"A multi-statement table-valued function ({written}) where its body"
                        " cannot run first (in a view's or an inline function's body, under"
                        " SET SHOWPLAN); read it in the statement itself"
                    )
                raise errors.invalid_object(written)
            _sql_text_from(table)
            needs.add("dmv")
            reads.add(SQL_TEXT)
        for node in list(tree.walk()):
            if _detached(node, tree):
                continue
            replacement = _rewrite_node(node, params)
            if replacement is not None and replacement is not node:
                if node is tree:
                    raise errors.unsupported(_describe(node))
                node.replace(replacement)
        check_unknown_calls(tree)

    # -- typing
    def _output_columns(
        self, tree: exp.Expression, database: str
    ) -> tuple[OutputColumn, ...] | None:
        if not isinstance(tree, exp.Query):
            return None
        try:
            copy = tree.copy()
            _strip_catalog(copy, database)
            schema = cast("dict[str, object]", typing_schema(self.catalog.typing_schema()))
            q = qualify(
                copy,
                schema=schema,
                db=DEFAULT_SCHEMA,
                dialect="tsql",
                validate_qualify_columns=False,
                quote_identifiers=False,
                identify=False,
            )
            q = annotate_types(q, schema=schema, dialect="tsql")
            root = build_scope(q)
        except (SqlglotError, OptimizeError, KeyError, ValueError, AttributeError, TypeError):
            return None
        branches = _branches(root) if isinstance(q, exp.SetOperation) and root else None
        queries = [(b, _selects(b)) for b in branches] if branches else [(root, q.selects)]
        columns = [[self._output_column(s, p) for p in selects] for s, selects in queries]
        return tuple(_set_column(list(found)) for found in zip(*columns, strict=False))

    def _output_column(self, scope: Scope | None, proj: exp.Expr) -> OutputColumn:
        inner = proj.this if isinstance(proj, exp.Alias) else proj
        united = self._set_operation_column(scope, inner) if isinstance(inner, exp.Column) else None
        if united is not None:
            return replace(united, name=proj.alias_or_name)
        if isinstance(inner, exp.Parameter) and variable_name(inner):
            return OutputColumn(proj.alias_or_name, None, param=variable_name(inner))
        base = self._resolve_base(scope, inner) if isinstance(inner, exp.Column) else None
        if base is not None:
            table, column = base
            origin = (table.object_id, column.column_id)
            return OutputColumn(proj.alias_or_name, column.type, base=True, origin=origin)
        if is_variable_arithmetic(inner):
            return OutputColumn(proj.alias_or_name, None, arithmetic=inner)
        derived = _derived_type(scope, inner) if isinstance(inner, exp.Column) else None
        typed = derived or call_type(inner, self.catalog) or _scoped_type(scope, inner)
        return OutputColumn(proj.alias_or_name, typed)

    def _set_operation_column(self, scope: Scope | None, col: exp.Column) -> OutputColumn | None:
        """A column of a derived table or CTE that is a set operation (`FROM (SELECT 1
        AS x UNION ALL SELECT 1.5) AS t`), typed as the set operation types it."""
        source = scope.sources.get(col.table) if scope is not None else None
        if not isinstance(source, Scope) or not isinstance(source.expression, exp.SetOperation):
            return None
        if isinstance(source.expression, exp.Union) and is_per_outer_row(source.expression):
            return None  # an APPLY's rows (apply_subqueries.py): _derived_type's
        branches = _branches(source)
        if branches is None:
            return None
        selects = [_selects(b) for b in branches]
        names = [p.alias_or_name.casefold() for p in selects[0]]
        if col.name.casefold() not in names:
            return None
        at = names.index(col.name.casefold())
        if any(len(s) <= at for s in selects):
            return None
        return _set_column(
            [self._output_column(b, s[at]) for b, s in zip(branches, selects, strict=True)]
        )

    def _resolve_base(
        self, scope: Scope | None, col: exp.Column, depth: int = 0
    ) -> tuple[Table, Column] | None:
        if scope is None or depth > 8:
            return None
        source = scope.sources.get(col.table)
        if isinstance(source, exp.Table):
            table = table_named(source, self.catalog)
            found = table.column(col.name) if table else None
            return (table, found) if table and found else None
        if isinstance(source, Scope) and isinstance(source.expression, exp.Select):
            for proj in source.expression.selects:
                if proj.alias_or_name.casefold() == col.name.casefold():
                    inner = proj.this if isinstance(proj, exp.Alias) else proj
                    if isinstance(inner, exp.Column):
                        return self._resolve_base(source, inner, depth + 1)
                    return None
        return None

    def translate_scalar(self, text: str) -> str:
        """A DEFAULT/CHECK/computed/filter expression as SQLite SQL (columns unqualified)."""
        tree = parse_tsql(f"SELECT {text}")
        assert isinstance(tree, exp.Select)
        expr = rewrite_user_functions(tree.expressions[0].pop(), self.catalog)  # own root
        params: set[str] = set()
        for node in list(expr.walk()):
            if _detached(node, expr):
                continue
            replacement = _rewrite_node(node, params)
            if replacement is not None and replacement is not node:
                if node is expr:
                    expr = replacement
                else:
                    node.replace(replacement)
        if params:
            raise errors.unsupported("variables in a DEFAULT or CHECK expression")
        return expr.sql(EngineSQLite)


def parse_tsql(text: str) -> exp.Expression:
    text = merge_delete_from(strip_option_clause(text))
    try:
        trees = sqlglot.parse(text, read=EngineTSQL, error_level=ErrorLevel.RAISE)
    except ParseError as exc:
        info = exc.errors[0] if exc.errors else {}
        near = (info.get("highlight") or "").strip() or text.strip().split()[-1]
        raise errors.syntax_near(near) from None
    except SqlglotError as exc:
        raise errors.syntax_error("", str(exc)) from None
    trees = [t for t in trees if t is not None]
    if len(trees) != 1:
        raise errors.syntax_near(text.strip().split()[-1] if text.strip() else "")
    tree = trees[0]
    assert isinstance(tree, exp.Expression)
    if isinstance(tree, exp.Command):
        raise errors.unsupported(f"{tree.this} {str(tree.expression)[:40]}".strip())
    check_builtin_calls(tree)
    return tree


def _parse_query(text: str) -> exp.Expression:
    """A statement or an inline function's body, its derived tables' column lists
    written out as SQLite takes them (derived_columns.py) once no reserved word stands
    unquoted as a name in them (or as an alias)."""
    tree = parse_tsql(text)
    check_reserved_aliases(tree)
    rewrite_derived_column_lists(tree)
    return tree


def _derived_type(scope: Scope | None, col: exp.Column, depth: int = 0) -> ColumnType | None:
    """A column of a derived table typed by the expression that computes it."""
    source = scope.sources.get(col.table) if scope is not None else None
    if isinstance(source, exp.Table) and is_table_function(source.this):
        return table_function_type(source.this, col.name, expression_type)
    if depth > 8 or not isinstance(source, Scope):
        return None
    if (
        isinstance(source.expression, exp.Union)
        and source.set_operation_scopes
        and is_per_outer_row(source.expression)
    ):
        source = source.set_operation_scopes[0]  # its branches select the same expressions
    if isinstance(source.expression, exp.Values):
        return values_type(source.expression, col.name, expression_type)
    if not isinstance(source.expression, exp.Select):
        return openjson_type(source.expression, col.name)
    for proj in source.expression.selects:
        if proj.alias_or_name.casefold() == col.name.casefold():
            inner = proj.this if isinstance(proj, exp.Alias) else proj
            if isinstance(inner, exp.Column):
                return _derived_type(source, inner, depth + 1)
            return _scoped_type(source, inner, depth + 1)
    return None


def _branches(scope: Scope) -> list[Scope] | None:
    """The SELECTs of a set operation's scope, left to right; None where one is not a
    SELECT here (a VALUES, a parenthesized query sqlglot scopes otherwise)."""
    if isinstance(scope.expression, exp.Select):
        return [scope]
    if not isinstance(scope.expression, exp.SetOperation) or not scope.set_operation_scopes:
        return None
    if isinstance(scope.expression, exp.Union) and is_per_outer_row(scope.expression):
        return _branches(scope.set_operation_scopes[0])  # its second branch: the first's
    found: list[Scope] = []
    for branch in scope.set_operation_scopes:
        inner = _branches(branch)
        if inner is None:
            return None
        found += inner
    return found


def _selects(scope: Scope) -> list[exp.Expr]:
    """The select list of a SELECT's scope (_branches gives no other)."""
    query = scope.expression
    return list(query.selects) if isinstance(query, exp.Select) else []


def _set_column(branches: list[OutputColumn]) -> OutputColumn:
    """A UNION's, EXCEPT's or INTERSECT's column: named by its first query, of the type
    of highest precedence among its queries' ("Data type precedence"), a decimal of
    max(s1, s2) + max(p1 - s1, p2 - s2) digits and scale max(s1, s2), an integer counting
    as its type's precision (int: 10, 0), a string of the longest length ("Precision,
    scale, and length (Transact-SQL)"). Where a query's type is known only when it runs
    (a @variable) the column is typed then (statements.py); where one is not plain to
    see, or the first query's type wins, it is the first query's column."""
    first = branches[0]
    types = [b.type for b in branches]
    if len(branches) == 1:
        return first
    if any(b.param or b.arithmetic or b.branches for b in branches):  # typed as it runs
        return OutputColumn(first.name, None, origin=first.origin, branches=tuple(branches))
    known = [t for t in types if t is not None]
    combined = result_of_branches(types) if len(known) == len(types) else None
    if combined is None or replace(combined, nullable=True) == replace(known[0], nullable=True):
        return first  # its type wins (its NOT NULL too, as a constant's would be)
    nullable = any(t.nullable for t in known)  # NOT NULL where every query's is
    return OutputColumn(first.name, replace(combined, nullable=nullable), origin=first.origin)


def _scoped_type(scope: Scope | None, node: exp.Expr, depth: int = 0) -> ColumnType | None:
    """expression_type of a projection whose derived table's columns first take the type
    their table gives them: sqlglot leaves a VALUES or literal column a length-less
    varchar, where UPPER(t.s) of a VALUES ('ab') column is SQL Server's varchar(2)."""
    if scope is not None and depth <= 8:
        for col in node.find_all(exp.Column):
            if col.find_ancestor(exp.Select) is not scope.expression:
                continue  # a subquery's column, of another scope
            found = _derived_type(scope, col, depth)
            if found is None:
                continue
            try:
                col.type = exp.DataType.build(type_text(found), dialect="tsql")
            except (SqlglotError, ValueError):  # a type sqlglot does not know (sql_variant)
                continue
    return expression_type(node)


def _named(select: exp.Select) -> exp.Select:
    """A subquery's unnamed projections get names (only the top query's names are seen)."""
    for i, proj in enumerate(select.selects):
        if not isinstance(proj, (exp.Alias, exp.Column, exp.Star)):
            proj.replace(exp.alias_(proj.copy(), f"{_NONAME}{i}", quoted=True))
    return select


def _describe(node: exp.Expression) -> str:
    return type(node).__name__.upper()


def _written_name(table: exp.Table) -> str:
    """A table's name as error 40515 quotes it: its parts without brackets, an omitted
    schema left empty (`Other..t`)."""
    dot = table.this
    if isinstance(dot, exp.Dot):  # server.database.schema.table
        schema = dot.this.name if isinstance(dot.this, exp.Expression) else ""
        return ".".join((table.catalog, table.db, schema, dot.expression.name))
    if table.catalog:
        return ".".join((table.catalog, table.db, table.name))
    return ".".join(p for p in (table.db, table.name) if p)


def _outer_parts(table: exp.Table) -> tuple[str, ...]:
    """(server, database) of a four-part name, (database,) of a shorter one."""
    if isinstance(table.this, exp.Dot):
        return table.catalog, table.db
    return (table.catalog,)


def _strip_catalog(tree: exp.Expression, database: str) -> None:
    for table in tree.find_all(exp.Table):
        if table.catalog and table.catalog.casefold() == database.casefold():
            table.set("catalog", None)


def _sql_text_join(lateral: exp.Lateral, join: exp.Join) -> exp.Join:
    """CROSS/OUTER APPLY sys.dm_exec_sql_text(h) -> JOIN on the handle (SQLite has no LATERAL)."""
    func = lateral.this
    if isinstance(func, exp.Dot):
        func = func.expression
    if not (isinstance(func, exp.Anonymous) and func.name.lower() == "dm_exec_sql_text"):
        raise errors.unsupported(
            "CROSS APPLY / OUTER APPLY over a subquery or function (only STRING_SPLIT,"
            " OPENJSON and sys.dm_exec_sql_text); for the top rows per group use"
            " ROW_NUMBER() OVER (PARTITION BY ...) in a subquery and join it"
        )
    alias = lateral.alias or "__sqltext"
    handle = func.expressions[0]
    condition = exp.EQ(
        this=exp.column("text", table=alias),
        expression=exp.Subquery(
            this=exp.select("text")
            .from_("__azsql_dmv_sql_text")
            .where(exp.EQ(this=exp.column("handle"), expression=handle.copy()))
            .limit(1)
        ),
    )
    table = exp.Table(
        this=exp.to_identifier("sys.dm_exec_sql_text", quoted=True),
        alias=exp.TableAlias(this=exp.to_identifier(alias)),
    )
    side = None if lateral.args.get("cross_apply") else "LEFT"
    return exp.Join(this=table, on=condition, side=side)


def _sql_text_from(table: exp.Table) -> None:
    """FROM sys.dm_exec_sql_text(h) -> FROM the view filtered on the handle."""
    func = table.this
    if not (isinstance(func, exp.Anonymous) and func.name.lower() == "dm_exec_sql_text"):
        raise errors.unsupported(f"table-valued function {func.sql('tsql')}")
    handle = func.expressions[0] if func.expressions else exp.null()
    sub = (
        exp.select("*")
        .from_(exp.Table(this=exp.to_identifier("sys.dm_exec_sql_text", quoted=True)))
        .where(
            exp.EQ(
                this=exp.column("text"),
                expression=exp.Subquery(
                    this=exp.select("text")
                    .from_("__azsql_dmv_sql_text")
                    .where(exp.EQ(this=exp.column("handle"), expression=handle.copy()))
                    .limit(1)
                ),
            )
        )
    )
    alias = table.alias or "dm_exec_sql_text"
    table.replace(exp.Subquery(this=sub, alias=exp.TableAlias(this=exp.to_identifier(alias))))


_DATE_UNIT_FUNCS = {exp.DateAdd: "DATEADD", exp.DateDiff: "DATEDIFF"}


def _detached(node: exp.Expr, root: exp.Expr) -> bool:
    """A node an earlier rewrite dropped (LEN's and DATENAME's own CAST, unwrapped):
    rewriting it would move its children, which the rewrite kept, out of the tree."""
    return node is not root and node.root() is not root


def _fn(name: str, *args: exp.Expression) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def _unit(node: exp.Expression) -> exp.Literal:
    unit = node.args.get("unit") if not isinstance(node, exp.Extract) else node.this
    return exp.Literal.string((unit.name if unit is not None else "DAY").upper())


def _wide_whole(text: str) -> bool:
    """A whole number written past int's range (number_literal_type: a decimal constant)."""
    return text.isdigit() and int(text) >= 2**31


def _rewrite_node(node: exp.Expr, params: set[str]) -> exp.Expression | None:
    """T-SQL semantics SQLite lacks: one node at a time."""
    clr = rewrite_clr(node)
    if clr is not None:
        return clr
    if isinstance(node, exp.National):
        return exp.Literal.string(node.name)
    if isinstance(node, exp.HexString) and len(node.name) % 2:  # 0xabc is 0x0abc
        return exp.HexString(this="0" + node.name)
    if isinstance(node, exp.Parameter):
        if isinstance(node.parent, exp.Parameter):
            return None
        if isinstance(node.this, exp.Parameter):  # @@NAME
            return _fn("AZSQL_GLOBAL", exp.Literal.string(node.this.name.upper()))
        name = variable_name(node)
        if name is not None:
            params.add(name)
            return exp.Parameter(this=exp.Var(this=name))
        return None
    if isinstance(node, exp.CurrentTimestamp):
        return _fn("GETDATE")
    if isinstance(node, exp.CurrentUser):  # SUSER_SNAME(), SYSTEM_USER
        return _fn("SUSER_SNAME")
    if isinstance(node, exp.CurrentSchema):
        return _fn("SCHEMA_NAME", *([node.this] if node.this is not None else []))
    if isinstance(node, exp.CurrentTimestampLTZ):
        return _fn("SYSDATETIMEOFFSET")
    if isinstance(node, exp.Uuid):
        return _fn("NEWID")
    if isinstance(node, exp.Literal) and not node.is_string and _wide_whole(node.name):
        # a decimal constant (number_literal_type): SQLite would divide it as an integer
        whole = exp.DataType.build(f"numeric({len(node.name)}, 0)")
        return cast_call(exp.Cast(this=node.copy(), to=whole))
    if isinstance(node, exp.Div):
        return _fn("TSQL_DIV", node.this, node.expression)
    if isinstance(node, exp.Mod):
        return _fn("TSQL_MOD", node.this, node.expression)
    if isinstance(node, exp.Add):
        # A string with a number of a known type was converted by comparisons.py; one
        # with an operand of a type known only when it runs is TSQL_ADD's to tell.
        left, right = node.this, node.expression
        if _is_stringy(left) and _is_stringy(right):
            return exp.DPipe(this=left, expression=right, safe=False)
        if _is_number(left) and _is_number(right):
            return None
        return _fn("TSQL_ADD", left, right)
    if isinstance(node, (exp.Sub, exp.Mul)) and (
        _is_stringy(node.this) or _is_stringy(node.expression)
    ):  # SQLite would read 'abc' as 0
        return _fn(
            "TSQL_SUB" if isinstance(node, exp.Sub) else "TSQL_MUL", node.this, node.expression
        )
    if isinstance(node, exp.DateAdd):
        return _fn("DATEADD", _unit(node), node.expression, node.this)
    if isinstance(node, exp.DateDiff):
        return _fn("DATEDIFF", _unit(node), _unwrap_time(node.expression), _unwrap_time(node.this))
    if isinstance(node, exp.Extract):
        return _fn("DATEPART", _unit(node), node.expression)
    if isinstance(node, (exp.Year, exp.Month, exp.Day)):
        # sqlglot wraps the argument in DATE(), which in SQLite reads a number as a Julian
        # day: DATEPART reads it as SQL Server does (days since 1900-01-01)
        day = node.this.this if isinstance(node.this, exp.TsOrDsToDate) else node.this
        return _fn("DATEPART", exp.Literal.string(type(node).__name__.upper()), day)
    if isinstance(node, exp.TimeToStr) and node.args.get("format") is not None:
        fmt = node.args["format"].name
        if fmt in ("%B", "%A"):
            unit = "MONTH" if fmt == "%B" else "WEEKDAY"
            return _fn("DATENAME", exp.Literal.string(unit), _unwrap_time(node.this))
        culture = node.args.get("culture")
        return _fn("TSQL_FORMAT", node.this, node.args["format"], *([culture] if culture else []))
    if isinstance(node, (exp.Cast, exp.Convert)):  # TRY_CAST too
        call = cast_call(node) if isinstance(node, exp.Cast) else convert_call(node, None)
        # a @variable's declared type, which the call names (the walk does not reach it)
        params.update(declared_in(call))
        return call
    function = rewrite_parse(node) or rewrite_function(node) or rewrite_newer(node)
    function = function or rewrite_json_modify(node) or rewrite_json_read(node)
    function = function or rewrite_next_value(node)
    if function is not None:
        return function
    if isinstance(node, exp.Length):
        return _fn("LEN", unwrap_text(node.this))
    if isinstance(node, exp.Concat):
        return _fn("CONCAT", *node.expressions)

    if isinstance(node, exp.Sum) and not isinstance(node.parent, exp.Window):
        return _fn("DECSUM", node.this)  # exact for decimal/money (stored as REAL)
    if isinstance(node, exp.Anonymous) and node.name.upper() == "SCOPE_IDENTITY":
        return _fn("AZSQL_GLOBAL", exp.Literal.string("SCOPE_IDENTITY"))
    return None


def _unwrap_time(node: exp.Expression) -> exp.Expression:
    while isinstance(node, (exp.TimeStrToTime, exp.Cast)) and not isinstance(node, exp.TryCast):
        if isinstance(node, exp.Cast) and node.to.this not in (
            exp.DataType.Type.DATETIME2,
            exp.DataType.Type.DATETIME,
            exp.DataType.Type.TIMESTAMP,
        ):
            break
        node = node.this
    return node


def _is_stringy(node: exp.Expression) -> bool:
    if isinstance(node, exp.Literal):
        return node.is_string
    if isinstance(node, _STRINGY):
        return True
    if isinstance(node, exp.Cast):
        return node.to.is_type(*exp.DataType.TEXT_TYPES)
    if isinstance(node, exp.Paren):
        return _is_stringy(node.this)
    if isinstance(node, exp.Add):
        return _is_stringy(node.this) and _is_stringy(node.expression)
    return False


def _is_number(node: exp.Expression) -> bool:
    return isinstance(node, exp.Literal) and not node.is_string
