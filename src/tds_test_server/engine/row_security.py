"""Row-level security, the filter-predicate part: inline table-valued functions
(CREATE FUNCTION ... RETURNS TABLE AS RETURN SELECT ...) and CREATE SECURITY POLICY ...
ADD FILTER PREDICATE fn(column, ...) ON table, so reads see only the rows the predicate
function returns a row for, per session (typically keyed on SESSION_CONTEXT).

Written from Microsoft's "Row-level security", CREATE SECURITY POLICY and CREATE FUNCTION
pages. What is emulated: filter predicates on SELECT (the function body is inlined with
the table's columns as its arguments, as SQL Server inlines it), WITH (STATE = ON|OFF),
DROP SECURITY POLICY and DROP FUNCTION. Not emulated: BLOCK predicates, filtering of
UPDATE and DELETE, ALTER SECURITY POLICY, and catalog views for policies.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot.tokens import TokenType

from ..results import ColumnType, TdsError
from . import errors
from .batches import Statement, tokenize
from .ddl_parse import ColumnDef
from .inline_functions import parse_inline_function
from .module_headers import ProcParam, is_create_procedure
from .session_state import _NONAME, _now_text
from .sql_types import TYPE_IDS, storage
from .sqltext import split_top_level
from .token_stream import Tokens
from .user_procedures import UserProcedures


class RowSecurity(UserProcedures):
    """CREATE/DROP FUNCTION (inline table-valued) and CREATE/DROP SECURITY POLICY."""

    def _ddl_action(self, stmt: Statement) -> Callable[[Statement], object]:
        w = stmt.words(4)
        if is_create_procedure(stmt, ("FUNCTION",)):
            return self._create_function
        if w[0] == "CREATE" and w[1] == "SECURITY" and w[2] == "POLICY":
            return self._create_policy
        if w[0] == "DROP" and (w[1] == "FUNCTION" or (w[1], w[2]) == ("SECURITY", "POLICY")):
            return self._drop_module
        return super()._ddl_action(stmt)

    def _create_function(self, stmt: Statement) -> None:
        parts, params, body = parse_inline_function(stmt)
        schema, name, schema_id = self._resolve_new(parts)
        first, second = stmt.words(2)
        alter, create = first == "ALTER" or second == "OR", first == "CREATE"
        object_id = self._function_object(
            stmt,
            schema,
            name,
            schema_id,
            "IF",
            alter=alter,
            create=create,
            replaced=("__azsql_parameters", "__azsql_columns"),
        )
        self._function_parameters(object_id, params)
        # a body that cannot run fails now; its result columns go to sys.columns, as a
        # view's do (SQL Server lists an inline function's columns there)
        q = self.engine.translator.translate(body, self.database)
        shape = self.conn.execute(
            f"SELECT * FROM ({q.sql}) WHERE 0", dict.fromkeys(q.params)
        ).description
        typed = q.columns if q.columns is not None and len(q.columns) == len(shape) else None
        for i, column in enumerate(shape):
            if column[0].startswith(_NONAME):
                raise TdsError(
                    4511,
                    "Create View or Function failed because no column name was"
                    f" specified for column {i + 1}.",
                )
            ctype = (typed[i].type if typed else None) or ColumnType("nvarchar", -1)
            self._insert_column(
                object_id, i + 1, ColumnDef(column[0], ctype, ctype.nullable), set()
            )

    def _function_parameters(self, object_id: int, params: list[ProcParam]) -> None:
        """A table-valued function's sys.parameters rows, from parameter_id 1 (it has no
        return value, parameter_id 0, as a scalar function has)."""
        for i, p in enumerate(params, start=1):
            self.conn.execute(
                "INSERT INTO __azsql_parameters VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (object_id, i, p.name, p.type_name, TYPE_IDS.get(p.type.name, 0), *storage(p.type)),
            )

    def _function_object(
        self,
        stmt: Statement,
        schema: str,
        name: str,
        schema_id: int,
        type_code: str,
        *,
        alter: bool,
        create: bool,
        replaced: tuple[str, ...],
    ) -> int:
        """The object_id CREATE or ALTER FUNCTION writes `stmt` to: a new object of
        `type_code`, or the one ALTER names, which keeps its object_id and permissions,
        its rows in the tables `replaced` deleted. 2714 when it exists and is not altered,
        2010 when it is another type of object, 208 when ALTER names none."""
        oid = self.catalog.resolve_object_id(f"[{schema}].[{name}]")
        row = self.catalog.object_row(oid) if oid is not None else None
        now = _now_text()
        if row is not None and not alter:
            raise errors.object_exists(name)
        if row is not None and row.type != type_code:
            raise TdsError(
                2010, f"Cannot perform alter on '{name}' because it is an incompatible object type."
            )
        if row is None and not create:
            raise errors.invalid_object(f"{schema}.{name}")
        if row is not None:
            self.conn.execute(
                "UPDATE __azsql_objects SET definition = ?, modify_date = ? WHERE object_id = ?",
                (stmt.text, now, row.object_id),
            )
            for table in replaced:
                self.conn.execute(f"DELETE FROM {table} WHERE object_id = ?", (row.object_id,))
            return row.object_id
        object_id = self.catalog.next_object_id()
        self.conn.execute(
            "INSERT INTO __azsql_objects (object_id, name, schema_id, type, create_date,"
            " modify_date, definition) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (object_id, name, schema_id, type_code, now, now, stmt.text),
        )
        return object_id

    def _create_policy(self, stmt: Statement) -> None:
        ts = Tokens(stmt)
        for expected in ("CREATE", "SECURITY", "POLICY"):
            ts.expect(expected)
        schema, name, schema_id = self._resolve_new(ts.multipart())
        if self.catalog.resolve_object_id(f"[{schema}].[{name}]") is not None:
            raise errors.object_exists(name)
        predicates: list[tuple[int, str, str]] = []
        while ts.accept("ADD"):
            kind = ts.expect("FILTER", "BLOCK")
            if kind == "BLOCK":
                raise errors.unsupported("BLOCK predicates (only FILTER predicates)")
            ts.expect("PREDICATE")
            start = ts.i
            function = ts.multipart()
            arguments = [a.strip() for a in split_top_level(ts.parenthesized())]
            written = ts.text_between(start, ts.i)
            ts.expect("ON")
            target_schema, target_name = self._resolve(ts.multipart())
            table = self.catalog.table(target_schema, target_name)
            if table is None or table.kind != "U":
                raise errors.invalid_object(f"{target_schema}.{target_name}")
            condition = self._inline(function, arguments)
            predicates.append((table.object_id, written, condition))
            ts.accept_type(TokenType.COMMA)
        if not predicates:
            raise errors.syntax_near(ts.peek_text("POLICY"))
        enabled = True
        if ts.accept("WITH"):
            options = ts.parenthesized().upper().replace(" ", "")
            enabled = "STATE=OFF" not in options
        if ts.accept("NOT"):
            ts.expect("FOR")
            ts.next()  # REPLICATION
        ts.end()
        now = _now_text()
        object_id = self.catalog.next_object_id()
        self.conn.execute(
            "INSERT INTO __azsql_objects (object_id, name, schema_id, type, create_date,"
            " modify_date, definition) VALUES (?, ?, ?, 'SP', ?, ?, ?)",
            (object_id, name, schema_id, now, now, stmt.text),
        )
        for i, (target, written, condition) in enumerate(predicates, start=1):
            self.conn.execute(
                "INSERT INTO __azsql_security_predicates VALUES (?, ?, ?, ?, ?, ?)",
                (object_id, i, target, written, condition, int(enabled)),
            )

    def _inline(self, function: list[str], arguments: list[str]) -> str:
        """The T-SQL condition `EXISTS (body)`, the function's parameters replaced by the
        table's columns given as its arguments."""
        schema, name = self._resolve(function)
        oid = self.catalog.resolve_object_id(f"[{schema}].[{name}]")
        row = self.catalog.object_row(oid) if oid is not None else None
        if row is None or row.type != "IF":
            raise errors.invalid_object(f"{schema}.{name}")
        definition = self.conn.execute(
            "SELECT definition FROM __azsql_objects WHERE object_id = ?", (oid,)
        ).fetchone()[0]
        _, params, body = parse_inline_function(Statement(definition, tokenize(definition), 1))
        # a predicate binds as a call of its function: too few arguments are 313, too many
        # 8144 (33262, which this raised before, is another message in Microsoft's list)
        written = ".".join(function)
        if len(arguments) < len(params):
            raise TdsError(
                313,
                "An insufficient number of arguments were supplied for the procedure or function"
                f" {written}.",
            )
        if len(arguments) > len(params):
            raise TdsError(
                8144, f"Procedure or function {written} has too many arguments specified."
            )
        columns = {p.name[1:].casefold(): arg for p, arg in zip(params, arguments, strict=True)}
        out: list[str] = []
        toks = tokenize(body)
        pos = 0
        for i, tok in enumerate(toks):
            if tok.token_type == TokenType.PARAMETER and i + 1 < len(toks):
                ref = columns.get(toks[i + 1].text.casefold())
                if ref is not None:
                    out.append(body[pos : tok.start] + ref)
                    pos = toks[i + 1].end + 1
        out.append(body[pos:])
        return f"EXISTS ({''.join(out)})"

    def _drop_module(self, stmt: Statement) -> None:
        ts = Tokens(stmt)
        ts.expect("DROP")
        kind = "IF" if ts.accept("FUNCTION") else "SP"
        if kind == "SP":
            ts.expect("SECURITY")
            ts.expect("POLICY")
        if_exists = ts.accept("IF")
        if if_exists:
            ts.expect("EXISTS")
        schema, name = self._resolve(ts.multipart())
        ts.end()
        oid = self.catalog.resolve_object_id(f"[{schema}].[{name}]")
        row = self.catalog.object_row(oid) if oid is not None else None
        if row is None or row.type not in (kind, "TF"):  # TF: table_functions.py
            if if_exists:
                return
            what = "function" if kind == "IF" else "security policy"
            raise errors.cannot_drop(what, name)
        if kind == "IF":
            used = self.conn.execute(
                "SELECT o.name FROM __azsql_security_predicates p JOIN __azsql_objects o"
                " ON o.object_id = p.object_id WHERE p.predicate_definition LIKE ?",
                (f"%{name}%",),
            ).fetchone()
            if used:
                raise TdsError(
                    3729,
                    f"Cannot DROP FUNCTION '{schema}.{name}' because it is being referenced by"
                    f" object '{used[0]}'.",
                )
        assert oid is not None
        for table in ("__azsql_parameters", "__azsql_security_predicates", "__azsql_columns"):
            self.conn.execute(f"DELETE FROM {table} WHERE object_id = ?", (oid,))
        self.conn.execute("DELETE FROM __azsql_objects WHERE object_id = ?", (oid,))
        # its permissions go with it, as a table's and a scalar function's do
        self.conn.execute(
            "DELETE FROM __azsql_permissions WHERE class = 1 AND major_id = ?", (oid,)
        )
