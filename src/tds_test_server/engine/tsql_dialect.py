"""The T-SQL dialect the engine parses statements with: sqlglot's, but for the calls it
reads as another function SQL Server tells apart, and PARSE, which it cannot read.

Only T-SQL's built-in names are read as sqlglot's functions (builtin_names.py): another
dialect's (IFNULL, SUBSTR, DATE_ADD...) is an Anonymous call keeping its name as written,
which parse_tsql refuses with 195. Inside an ODBC escape `{fn NAME(...)}` ("ODBC Scalar
Functions (Transact-SQL)") every name sqlglot knows is read, as ODBC's names (UCASE,
DAYOFWEEK) are valid there.

sqlglot reads SYSDATETIME() as GETDATE() (its CURRENT_TIMESTAMP), a datetime; SQL Server
returns a datetime2(7) ("SYSDATETIME (Transact-SQL)"), which keeps its 100 ns digit, is
typed so in the result's metadata and does not convert to a number (Msg 529). It stays
its own call here, as sqlglot leaves SYSUTCDATETIME(); functions.py computes it.

`PARSE(string AS type [USING culture])` and TRY_PARSE ("PARSE (Transact-SQL)") do not
parse in sqlglot 30 (the AS type, then USING); here each is a call of its name with the
string, the DataType and the culture, which culture_parse.py computes. A method named
Parse (`hierarchyid::Parse('/1/')`, after `::` or a dot) stays the call sqlglot reads.

`JSON_ARRAY(... [NULL | ABSENT] ON NULL [RETURNING json])` and `JSON_VALUE(json, path
RETURNING type)` (SQL Server 2022 and 2025) do not parse in sqlglot 30 either: here the
first is its JSONArray node with the null clause (newer_builtins.py computes it), the
second a CAST of JSON_VALUE to the type; JSON_ARRAYAGG takes RETURNING json too.
`JSON_QUERY(... WITH ARRAY WRAPPER)` and VECTOR_SEARCH are 40517.

The full-text predicates CONTAINS and FREETEXT, CHANGETABLE and WITH XMLNAMESPACES, which
the test server does not have, are Msg 40517 where they start, rather than a syntax error
further on (sqlglot cannot parse their documented forms either) or 195.

sqlglot reads an aggregate's `FILTER (WHERE ...)`, which T-SQL lacks; here it is Msg 102
"Incorrect syntax near '('." (FILTER is no reserved keyword, so SQL Server reads it as a
column alias and stops at the parenthesis; the text is inferred, not documented).

Words other dialects reserve and T-SQL does not (GLOB, REGEXP, NOTNULL, QUALIFY, LIMIT,
...) are plain names here, as in SQL Server: `SELECT glob FROM t`, `FROM t limit`. USER,
SESSION_USER and CURRENT_USER are sqlglot's SessionUser, SYSTEM_USER its CurrentUser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from sqlglot import exp
from sqlglot.dialects.tsql import TSQL
from sqlglot.parsers.tsql import TSQLParser
from sqlglot.tokens import TokenType

from . import errors
from .builtin_names import BUILT_INS, ODBC_ESCAPE
from .date_from_parts import PARSERS as DATE_FROM_PARTS_PARSERS


def _own_call(name: str) -> Callable[[list[exp.Expression]], exp.Expression]:
    return lambda args: exp.Anonymous(this=name, expressions=args)


# sqlglot's keywords that are no keyword of T-SQL ("Reserved Keywords (Transact-SQL)"
# and the statements' syntax): read as names
_OTHER_DIALECTS = """ANTI ASOF DESCRIBE GLOB ILIKE LATERAL LIMIT LOCK NATURAL NOTNULL PARTITIONED_BY
    QUALIFY RECURSIVE REGEXP RLIKE SEMI STRAIGHT_JOIN UNCACHE XOR"""
_NOT_TSQL_KEYWORDS = frozenset(_OTHER_DIALECTS.split())


class EngineTokenizer(TSQL.Tokenizer):
    """sqlglot's T-SQL tokenizer without the other dialects' keywords (module doc)."""

    KEYWORDS: ClassVar = {
        **{k: v for k, v in TSQL.Tokenizer.KEYWORDS.items() if k not in _NOT_TSQL_KEYWORDS},
        # USER, SESSION_USER and CURRENT_USER are the database user's name (USER_NAME()),
        # SYSTEM_USER the login's (SUSER_SNAME()): "CURRENT_USER (Transact-SQL)"
        **dict.fromkeys(("USER", "SESSION_USER", "CURRENT_USER"), TokenType.SESSION_USER),
        "SYSTEM_USER": TokenType.CURRENT_USER,
    }


class EngineParser(TSQLParser):
    """sqlglot's T-SQL parser with SYSDATETIME() its own call, PARSE read, and 40517
    where the forms the test server lacks start (see the module doc)."""

    # T-SQL's built-ins only: another dialect's name is an Anonymous call, 195 (see
    # builtin_names.py); an ODBC `{fn ...}` escape reads all of sqlglot's names too
    FUNCTIONS: ClassVar = {
        **{k: v for k, v in TSQLParser.FUNCTIONS.items() if k in BUILT_INS},
        "SYSDATETIME": _own_call("SYSDATETIME"),
        # sqlglot reads SQUARE(x) as POWER(x, 2), whose type is x's: SQUARE is float
        "SQUARE": lambda args: exp.Pow(
            this=exp.Cast(this=args[0], to=exp.DataType.build("float", dialect="tsql")),
            expression=exp.Literal.number(2),
        ),
        # sqlglot reads PARSENAME of literals as SPLIT_PART, which SQLite lacks
        "PARSENAME": _own_call("PARSENAME"),
        # sqlglot reads DATENAME as FORMAT with a pattern, which loses the datepart
        # (dy and y become day and year, quarter stays 'quarter'): the datepart's name
        "DATENAME": lambda args: exp.Anonymous(
            this="DATENAME", expressions=[exp.Literal.string(args[0].name), *args[1:]]
        ),
    }
    FUNCTION_PARSERS: ClassVar = {
        **{k: v for k, v in TSQLParser.FUNCTION_PARSERS.items() if k in BUILT_INS},
        "PARSE": lambda self: self._parse_culture_parse(),
        "TRY_PARSE": lambda self: self._parse_culture_parse(),
        **dict.fromkeys(
            ("CONTAINS", "FREETEXT", "CHANGETABLE", "VECTOR_SEARCH", "MATCH"),
            lambda self: self._parse_unsupported(),
        ),
        **{  # CAST(call AS type): a builder in FUNCTIONS would be checked as a CAST
            name: lambda self, build=build: build(self._parse_csv(self._parse_lambda))
            for name, build in DATE_FROM_PARTS_PARSERS.items()
        },
        "JSON_ARRAY": lambda self: self._parse_json_array(),
        "JSON_ARRAYAGG": lambda self: self._parse_json_arrayagg(),
        "JSON_VALUE": lambda self: self._parse_json_value_returning(),
        "JSON_QUERY": lambda self: self._parse_json_query(),
    }

    def _parse_function(
        self,
        functions: dict[str, Callable] | None = None,
        anonymous: bool = False,
        optional_parens: bool = True,
        any_token: bool = False,
    ) -> exp.Expr | None:
        # `{fn NAME(...)}`: the escape's names are ODBC's too (module doc), never 195
        escaped = (
            self._curr is not None
            and self._curr.token_type == TokenType.L_BRACE
            and self._next is not None
            and self._next.text.upper() == "FN"
        )
        if escaped and functions is None:
            functions = {**TSQLParser.FUNCTIONS, **self.FUNCTIONS}
        func = super()._parse_function(functions, anonymous, optional_parens, any_token)
        if escaped and isinstance(func, exp.Anonymous):
            func.meta[ODBC_ESCAPE] = True
        return func

    def _parse_primary(self) -> exp.Expr | None:
        # the keyword DEFAULT as a value: `VALUES (DEFAULT, 1)`, `SET a = DEFAULT`
        # (default_values.py); sqlglot reads it nowhere
        before = self._prev.token_type if self._prev else None
        after = self._next.token_type if self._next else None
        if (
            self._curr
            and self._curr.token_type == TokenType.DEFAULT
            and before in (TokenType.L_PAREN, TokenType.COMMA, TokenType.EQ)
            and after in (None, TokenType.COMMA, TokenType.R_PAREN, TokenType.WHERE, TokenType.FROM)
        ):
            self._advance()
            return exp.Var(this="DEFAULT")
        return super()._parse_primary()

    def _parse_window(self, this: exp.Expr | None, alias: bool = False) -> exp.Expr | None:
        # T-SQL has no `agg(x) FILTER (WHERE ...)`: FILTER is no reserved keyword, so SQL
        # Server reads it as a column alias and stops at the parenthesis after it
        if (
            self._curr
            and self._curr.token_type == TokenType.FILTER
            and self._next
            and self._next.token_type == TokenType.L_PAREN
        ):
            raise errors.syntax_near("(")
        return super()._parse_window(this, alias)

    def _parse_unsupported(self) -> exp.Expr:
        name = self._tokens[self._index - 2]
        if self._ordinary_call():
            return self._parse_ordinary_call()
        raise errors.unsupported(name.text.upper())

    def _parse_with(self, skip_with_token: bool = False) -> exp.With | None:
        opening = ("XMLNAMESPACES",) if skip_with_token else ("WITH", "XMLNAMESPACES")
        if self._match_text_seq(*opening, advance=False):
            raise errors.unsupported("WITH XMLNAMESPACES")
        return super()._parse_with(skip_with_token)

    def _ordinary_call(self) -> bool:
        """Whether the call just opened is named in brackets or after a dot or `::` (a
        method, a user's function): one sqlglot reads as it is."""
        name, before = self._tokens[self._index - 2], self._tokens[self._index - 3]
        return name.token_type == TokenType.IDENTIFIER or (
            self._index >= 3 and before.token_type in (TokenType.DOT, TokenType.DCOLON)
        )

    def _parse_ordinary_call(self) -> exp.Expr:
        name = self._tokens[self._index - 2]
        this: str | exp.Identifier = name.text
        if name.token_type == TokenType.IDENTIFIER:
            this = exp.Identifier(this=name.text, quoted=True)
        args = self._parse_function_args(alias=True)
        return self.expression(exp.Anonymous(this=this, expressions=args))

    def _parse_json_array(self) -> exp.Expr:
        if self._ordinary_call():
            return self._parse_ordinary_call()
        args = self._parse_csv(self._parse_lambda)
        null_handling = self._parse_on_handling("NULL", "NULL", "ABSENT")
        if self._match(TokenType.RETURNING):
            self._parse_types()  # json: the text SQLite keeps
        return self.expression(exp.JSONArray(expressions=args, null_handling=null_handling))

    def _parse_json_arrayagg(self) -> exp.Expr:
        if self._ordinary_call():
            return self._parse_ordinary_call()
        this, order = self._parse_bitwise(), self._parse_order()
        null_handling = self._parse_on_handling("NULL", "NULL", "ABSENT")
        if self._match(TokenType.RETURNING):
            self._parse_types()  # json: the text SQLite keeps
        return self.expression(
            exp.JSONArrayAgg(this=this, order=order, null_handling=null_handling)
        )

    def _parse_json_query(self) -> exp.Expr:
        if self._ordinary_call():
            return self._parse_ordinary_call()
        args = self._parse_csv(self._parse_lambda)
        if self._match_text_seq("WITH", "ARRAY", "WRAPPER"):
            raise errors.unsupported("JSON_QUERY ... WITH ARRAY WRAPPER")
        return self.validate_expression(TSQLParser.FUNCTIONS["JSON_QUERY"](args, self.dialect))

    def _parse_vector_expressions(self, expressions: list[exp.Expr]) -> list[exp.Expr]:
        # T-SQL's vector(dimensions [, base type]), kept as written (sqlglot reads
        # Snowflake's VECTOR(type, dimensions)); a CAST to it is 40517 (convert_sql.py)
        return expressions

    def _parse_json_value_returning(self) -> exp.Expr:
        if self._ordinary_call():
            return self._parse_ordinary_call()
        args = self._parse_csv(self._parse_lambda)
        value = TSQLParser.FUNCTIONS["JSON_VALUE"](args, self.dialect)
        if not self._match(TokenType.RETURNING):
            return self.validate_expression(value, args)
        to = self._parse_types()
        if not isinstance(to, exp.DataType):
            self.raise_error("Expected a data type after RETURNING in JSON_VALUE")
        return self.expression(exp.Cast(this=value, to=to))

    def _parse_culture_parse(self) -> exp.Expr:
        name = self._tokens[self._index - 2]
        if self._ordinary_call():
            return self._parse_ordinary_call()
        value = self._parse_bitwise()
        if not self._match(TokenType.ALIAS):
            self.raise_error(f"Expected AS and a data type in {name.text}")
        to = self._parse_types()
        if not isinstance(to, exp.DataType):
            self.raise_error(f"Expected a data type after AS in {name.text}")
        args = [value, to]
        if self._match(TokenType.USING):
            args.append(self._parse_bitwise())
        return self.expression(exp.Anonymous(this=name.text.upper(), expressions=args))


class EngineTSQL(TSQL):
    """T-SQL as the engine reads it (see the module doc)."""

    Tokenizer = EngineTokenizer
    Parser = EngineParser
