"""The T-SQL dialect the guard parses with: sqlglot's, plus valid reads it cannot parse.

sqlglot 30's T-SQL parser refuses these documented forms (measured on 30.31), which the
guard would otherwise refuse only for that reason:

- `PARSE(string AS type [USING culture])` and TRY_PARSE ("PARSE (Transact-SQL)");
- `WITH XMLNAMESPACES ('uri' AS prefix, ...) SELECT ...` ("WITH XMLNAMESPACES");
- the LANGUAGE term of CONTAINS and FREETEXT ("CONTAINS (Transact-SQL)");
- `CHANGETABLE(CHANGES table, last_sync_version [, FORCESEEK])` and
  `CHANGETABLE(VERSION table, (key columns), (key values) [, FORCESEEK])`
  ("CHANGETABLE (Transact-SQL)").

Each is parsed into nodes the guard's checks already walk: the table CHANGETABLE reads is
a Table (so another database's, a linked server's or a system object's is refused as in
FROM), PARSE's type a DataType, every other argument an expression. The tree is only
checked: the text sent is rebuilt from the tokens (sqlguard.py), never from this tree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from sqlglot import exp
from sqlglot.dialects.tsql import TSQL
from sqlglot.parsers.tsql import TSQLParser
from sqlglot.tokens import TokenType


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
