"""The T-SQL dialect the guard parses with: sqlglot's, plus valid reads it cannot parse.

sqlglot 30's T-SQL parser refuses these documented forms (measured on 30.31), which the
guard would otherwise refuse only for that reason:

- `PARSE(string AS type [USING culture])` and TRY_PARSE ("PARSE (Transact-SQL)");
- `WITH XMLNAMESPACES ('uri' AS prefix, ...) SELECT ...` ("WITH XMLNAMESPACES");
- the LANGUAGE term of CONTAINS and FREETEXT ("CONTAINS (Transact-SQL)");
- `CHANGETABLE(CHANGES table, last_sync_version [, FORCESEEK])` and
  `CHANGETABLE(VERSION table, (key columns), (key values) [, FORCESEEK])`
  ("CHANGETABLE (Transact-SQL)");
- the clauses SQL Server 2022 and 2025 end JSON functions with: `JSON_ARRAY(... [NULL |
  ABSENT] ON NULL [RETURNING json])`, `JSON_ARRAYAGG(... RETURNING json)`,
  `JSON_VALUE(json, path RETURNING type)` and `JSON_QUERY(json, path WITH ARRAY WRAPPER)`
  (their "(Transact-SQL)" pages);
- `vector(dimensions, base_type)` ("Vector data type"; sqlglot reads VECTOR(type, size));
- `VECTOR_SEARCH(TABLE = table [AS alias], COLUMN = column, SIMILAR_TO = vector, METRIC =
  metric, TOP_N = k)` ("VECTOR_SEARCH (Transact-SQL)");
- SQL Graph's `MATCH(node-(edge)->node [AND ...])` ("MATCH (Transact-SQL)"; sqlglot reads
  MATCH as MySQL's MATCH ... AGAINST), without SHORTEST_PATH.

Each is parsed into nodes the guard's checks already walk: the table CHANGETABLE or
VECTOR_SEARCH reads is a Table (so another database's, a linked server's or a system
object's is refused as in FROM), PARSE's type a DataType, every other argument an
expression. The tree is only checked: the text sent is rebuilt from the tokens
(sqlguard.py), never from this tree. DEFAULT in XMLNAMESPACES and TABLE and COLUMN in
VECTOR_SEARCH are reserved words the token check lets through there only
(guardtokens.ARGUMENT_KEYWORDS).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from sqlglot import exp
from sqlglot.dialects.tsql import TSQL
from sqlglot.parsers.tsql import TSQLParser
from sqlglot.tokens import TokenType

# VECTOR_SEARCH's arguments, each written once as `name = value`
VECTOR_SEARCH_ARGUMENTS = frozenset({"TABLE", "COLUMN", "SIMILAR_TO", "METRIC", "TOP_N"})
VECTOR_SEARCH_FORM = (
    "VECTOR_SEARCH takes TABLE, COLUMN, SIMILAR_TO, METRIC and TOP_N, each once, as name = value"
)


class XmlNamespaces(exp.With):
    """`WITH XMLNAMESPACES (...)` and the CTEs that may follow it; `namespaces` holds
    the declarations (sqlglot's XMLNamespace nodes, each a string or an aliased one)."""

    arg_types: ClassVar = {**exp.With.arg_types, "namespaces": True}


class GuardParser(TSQLParser):
    """sqlglot's T-SQL parser with the forms of the module doc."""

    FUNCTION_PARSERS: ClassVar = {
        **TSQLParser.FUNCTION_PARSERS,
        "PARSE": lambda self: self._parse_built_in(lambda: self._parse_culture_parse("PARSE")),
        "TRY_PARSE": lambda self: self._parse_built_in(
            lambda: self._parse_culture_parse("TRY_PARSE")
        ),
        "CONTAINS": lambda self: self._parse_built_in(lambda: self._parse_full_text("CONTAINS")),
        "FREETEXT": lambda self: self._parse_built_in(lambda: self._parse_full_text("FREETEXT")),
        "CHANGETABLE": lambda self: self._parse_built_in(self._parse_changetable),
        "JSON_ARRAY": lambda self: self._parse_built_in(self._parse_json_array),
        "JSON_ARRAYAGG": lambda self: self._parse_built_in(self._parse_json_arrayagg),
        "JSON_VALUE": lambda self: self._parse_built_in(
            lambda: self._parse_json_path_call("JSON_VALUE")
        ),
        "JSON_QUERY": lambda self: self._parse_built_in(
            lambda: self._parse_json_path_call("JSON_QUERY")
        ),
        "VECTOR_SEARCH": lambda self: self._parse_built_in(self._parse_vector_search),
        "MATCH": lambda self: self._parse_built_in(self._parse_graph_match),
    }

    def _parse_built_in(self, parse: Callable[[], exp.Expr]) -> exp.Expr:
        """`parse` for the built-in; a call named so after a dot or `::` (a method, such as
        the CLR types' static Parse: `hierarchyid::Parse('/1/')`) or in brackets is an
        ordinary call, as sqlglot reads it."""
        name, before = self._tokens[self._index - 2], self._tokens[self._index - 3]
        if name.token_type == TokenType.IDENTIFIER:
            quoted = exp.Identifier(this=name.text, quoted=True)
            return self.expression(
                exp.Anonymous(this=quoted, expressions=self._parse_function_args(alias=True))
            )
        if self._index >= 3 and before.token_type in (TokenType.DOT, TokenType.DCOLON):
            return self.expression(
                exp.Anonymous(this=name.text, expressions=self._parse_function_args(alias=True))
            )
        return parse()

    def _parse_culture_parse(self, name: str) -> exp.Expr:
        value = self._parse_bitwise()
        if not self._match(TokenType.ALIAS):
            self.raise_error(f"Expected AS and a data type in {name}(string AS type)")
        to = self._parse_types()
        if not isinstance(to, exp.DataType):
            self.raise_error(f"Expected a data type after AS in {name}")
        args: list[exp.Expr | None] = [value, to]
        if self._match(TokenType.USING):
            args.append(self._parse_bitwise())
        return self.expression(exp.Anonymous(this=name, expressions=args))

    def _parse_full_text(self, name: str) -> exp.Expr:
        args = self._parse_csv(self._parse_full_text_argument)
        if not any(isinstance(arg, exp.Kwarg) for arg in args):
            # without LANGUAGE: what sqlglot builds (CONTAINS as its Contains node)
            build: Callable[[list[exp.Expr]], exp.Expr] | None = TSQLParser.FUNCTIONS.get(name)
            if build is not None:
                return self.validate_expression(build(args), args)
        return self.expression(exp.Anonymous(this=name, expressions=args))

    def _parse_full_text_argument(self) -> exp.Expr | None:
        if self._match_text_seq("LANGUAGE"):
            term = self._parse_bitwise()
            return self.expression(exp.Kwarg(this=exp.var("LANGUAGE"), expression=term))
        return self._parse_lambda()

    def _parse_changetable(self) -> exp.Expr:
        kind = "CHANGES" if self._match_text_seq("CHANGES") else None
        if kind is None and self._match_text_seq("VERSION"):
            kind = "VERSION"
        if kind is None:
            self.raise_error("Expected CHANGES or VERSION in CHANGETABLE")
        table = self._parse_table_parts()
        args: list[exp.Expr | None] = [exp.var(kind or ""), table]
        if not self._match(TokenType.COMMA):
            self.raise_error(f"Expected a comma after the table in CHANGETABLE({kind} ...)")
        if kind == "CHANGES":
            args.append(self._parse_bitwise())
        else:
            args.append(exp.Tuple(expressions=self._parse_wrapped_csv(self._parse_column)))
            if not self._match(TokenType.COMMA):
                self.raise_error("Expected the key values in CHANGETABLE(VERSION ...)")
            args.append(exp.Tuple(expressions=self._parse_wrapped_csv(self._parse_bitwise)))
        if self._match(TokenType.COMMA):
            if not self._match_text_seq("FORCESEEK"):
                self.raise_error("Expected FORCESEEK as CHANGETABLE's last argument")
            args.append(exp.var("FORCESEEK"))
        return self.expression(exp.Anonymous(this="CHANGETABLE", expressions=args))

    def _parse_json_array(self) -> exp.Expr:
        args = self._parse_csv(self._parse_lambda)
        null_handling = self._parse_on_handling("NULL", "NULL", "ABSENT")
        return_type = self._parse_json_returning()
        return self.expression(
            exp.JSONArray(expressions=args, null_handling=null_handling, return_type=return_type)
        )

    def _parse_json_arrayagg(self) -> exp.Expr:
        this = self._parse_bitwise()
        order = self._parse_order()
        null_handling = self._parse_on_handling("NULL", "NULL", "ABSENT")
        return_type = self._parse_json_returning()
        return self.expression(
            exp.JSONArrayAgg(
                this=this, order=order, null_handling=null_handling, return_type=return_type
            )
        )

    def _parse_json_path_call(self, name: str) -> exp.Expr:
        """JSON_VALUE(json, path [RETURNING type]), JSON_QUERY(json [, path] [WITH ARRAY
        WRAPPER]): without the clause, what sqlglot builds."""
        args = self._parse_csv(self._parse_lambda)
        clause: exp.Expr | None = None
        if name == "JSON_VALUE":
            clause = self._parse_json_returning(any_type=True)
        elif self._match_text_seq("WITH", "ARRAY", "WRAPPER"):
            clause = exp.var("WITH ARRAY WRAPPER")
        if clause is None:
            build = TSQLParser.FUNCTIONS[name]
            return self.validate_expression(build(args, self.dialect), args)
        return self.expression(exp.Anonymous(this=name, expressions=[*args, clause]))

    def _parse_json_returning(self, *, any_type: bool = False) -> exp.Expr | None:
        if not self._match(TokenType.RETURNING):
            return None
        to = self._parse_types()
        if not isinstance(to, exp.DataType) or not (any_type or to.is_type("json")):
            self.raise_error("Expected json after RETURNING" if not any_type else "Expected a type")
        return to

    def _parse_vector_expressions(self, expressions: list[exp.Expr]) -> list[exp.Expr]:
        # T-SQL writes vector(dimensions [, base type]), kept as written (sqlglot's
        # reading is Snowflake's VECTOR(type, dimensions))
        return expressions

    def _parse_vector_search(self) -> exp.Expr:
        args: dict[str, exp.Expr] = {}
        while True:
            name = self._curr.text.upper() if self._curr else ""
            if name not in VECTOR_SEARCH_ARGUMENTS or name in args:
                self.raise_error(VECTOR_SEARCH_FORM)
            self._advance()
            if not self._match(TokenType.EQ):
                self.raise_error(f"Expected = after {name} in VECTOR_SEARCH")
            value: exp.Expr | None
            if name == "TABLE":
                value = self._parse_table_parts()
                if not isinstance(value, exp.Table):
                    self.raise_error("Expected a table's name after TABLE = in VECTOR_SEARCH")
                elif alias := self._parse_table_alias():
                    value.set("alias", alias)
            else:
                value = self._parse_column() if name == "COLUMN" else self._parse_bitwise()
            args[name] = exp.Kwarg(this=exp.var(name), expression=value)
            if not self._match(TokenType.COMMA):
                break
        if set(args) != VECTOR_SEARCH_ARGUMENTS:
            self.raise_error(VECTOR_SEARCH_FORM)
        return self.expression(exp.Anonymous(this="VECTOR_SEARCH", expressions=list(args.values())))

    def _parse_graph_match(self) -> exp.Expr:
        """MATCH(a-(e)->b [AND c<-(f)-d ...]): each pattern a Tuple of node and edge
        aliases (columns the checks walk); SHORTEST_PATH is not read."""
        patterns = [self._parse_graph_pattern()]
        while self._match(TokenType.AND):
            patterns.append(self._parse_graph_pattern())
        return self.expression(exp.Anonymous(this="MATCH", expressions=patterns))

    def _parse_graph_pattern(self) -> exp.Expr:
        chain = [self._parse_graph_alias()]
        while True:
            if self._match(TokenType.DASH):
                edge = self._parse_graph_edge()
                if not self._match(TokenType.ARROW):
                    self.raise_error("Expected -> after -(edge) in MATCH")
            elif self._match_pair(TokenType.LT, TokenType.DASH):
                edge = self._parse_graph_edge()
                if not self._match(TokenType.DASH):
                    self.raise_error("Expected - after <-(edge) in MATCH")
            else:
                break
            chain += [edge, self._parse_graph_alias()]
        if len(chain) == 1:
            self.raise_error("Expected -(edge)-> or <-(edge)- after a node in MATCH")
        return self.expression(exp.Tuple(expressions=chain))

    def _parse_graph_edge(self) -> exp.Expr:
        if not self._match(TokenType.L_PAREN):
            self.raise_error("Expected (edge) in MATCH")
        edge = self._parse_graph_alias()
        self._match_r_paren()
        return edge

    def _parse_graph_alias(self) -> exp.Expr:
        name = self._parse_id_var(any_token=False)
        if name is None:
            self.raise_error("Expected a node or edge table's name or alias in MATCH")
        return exp.Column(this=name)

    def _parse_with(self, skip_with_token: bool = False) -> exp.With | None:
        index = self._index
        if not skip_with_token and not self._match(TokenType.WITH):
            return None
        if not self._match_text_seq("XMLNAMESPACES", "("):
            self._retreat(index)
            return super()._parse_with(skip_with_token)
        namespaces = self._parse_xml_namespace()
        self._match_r_paren()
        ctes = super()._parse_with(skip_with_token=True) if self._match(TokenType.COMMA) else None
        args = dict(ctes.args) if ctes is not None else {"expressions": []}
        return self.expression(XmlNamespaces(**args, namespaces=namespaces))


class GuardTSQL(TSQL):
    """T-SQL as the guard reads it (see the module doc)."""

    Parser = GuardParser
