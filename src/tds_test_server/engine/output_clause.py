"""The OUTPUT clause of INSERT, UPDATE and DELETE (without INTO): one row per row the
statement changed, `inserted.` the row as stored after it (identity, defaults and
computed columns filled in), `deleted.` the row before it. This module reads the clause
and builds its SELECT; output_capture.py records the rows.

SQLite's RETURNING sees only the new values, and sees them before the triggers that
assign identity values run; so the statement is run with a temporary trigger on its
target that records, for each row it changes, the row's rowid and (UPDATE, DELETE) its
old values in a temporary table. The OUTPUT list is then a SELECT over that table (as
`deleted`) joined by rowid to the target (as `inserted`), run once before the statement
(so that a bad column fails before anything is changed, as SQL Server's compile does) and
once after it.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from . import errors
from .batches import tokenize, word
from .catalog import Table

OUTPUT_TABLE = "__azsql_output"  # the captured rows: output_capture.py fills it
INSERTED, DELETED = "inserted", "deleted"

# What may follow the OUTPUT list: INTO (refused), the INSERT's source, the UPDATE's or
# DELETE's FROM and WHERE clauses, OPTION.
_LIST_END = frozenset(
    ["INTO", "VALUES", "SELECT", "DEFAULT", "FROM", "WHERE", "OPTION", "EXEC", "EXECUTE"]
)
_DML = frozenset(["INSERT", "UPDATE", "DELETE"])
# OUTPUT is not reserved: a column may be named so (`SET output = 1`, `WHERE x = output`).
# Beside one of these it is that name, not the clause.
_SYMBOLS = frozenset({"=", "<>", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", ",", "."})
_OPERATORS = _SYMBOLS | {";", "AND", "OR", "NOT", "IS", "IN", "LIKE", "BETWEEN"}
_NAME_AFTER = _OPERATORS | {"SET", "WHERE", "CASE", "WHEN", "THEN", "ELSE", "ON", "BY"}
_NAME_BEFORE = _OPERATORS | _LIST_END | {")", "COLLATE", "WHEN", "THEN", "ELSE", "END"}


def take_output(text: str) -> tuple[str, str | None]:
    """The statement without its OUTPUT clause, and the clause's select list (None when
    it has none). Taken from the text: sqlglot parses neither `OUTPUT inserted.*
    DEFAULT VALUES` nor `DELETE FROM t OUTPUT deleted.* WHERE ...`."""
    if "output" not in text.casefold():
        return text, None
    tokens = tokenize(text)
    if not tokens or word(tokens[0]) not in _DML:
        return text, None
    depth = 0
    start = None
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
        elif depth == 0 and start is None and word(tok) == "OUTPUT" and _is_clause(tokens, i):
            start = i
        elif (
            depth == 0
            and start is not None
            and (word(tok) in _LIST_END or tok.token_type == TokenType.SEMICOLON)
        ):
            return _cut(text, tokens, start, i)
    if start is None:
        return text, None
    return _cut(text, tokens, start, len(tokens))


def _is_clause(tokens: list[Token], i: int) -> bool:
    """Whether the OUTPUT at tokens[i] starts the clause rather than names a column."""
    before = word(tokens[i - 1]) if i > 0 else None
    after = word(tokens[i + 1]) if i + 1 < len(tokens) else ";"
    return before not in _NAME_AFTER and after not in _NAME_BEFORE


def _cut(text: str, tokens: list[Token], start: int, end: int) -> tuple[str, str | None]:
    if end < len(tokens) and word(tokens[end]) == "INTO":
        raise errors.unsupported("OUTPUT ... INTO (use OUTPUT without INTO: its rows come back)")
    if end == start + 1:
        raise errors.syntax_near(tokens[end].text if end < len(tokens) else "OUTPUT")
    first, last = tokens[start + 1], tokens[end - 1]
    rest_at = tokens[end].start if end < len(tokens) else len(text)
    return text[: tokens[start].start] + text[rest_at:], text[first.start : last.end + 1]


def check_references(
    expressions: list[exp.Expression], kind: str, table: Table | None, sources: set[str]
) -> list[exp.Expression]:
    """The select list with `inserted.*`/`deleted.*` spelled out as the table's columns
    (when the catalog knows the table), after SQL Server's checks: a column of the
    target is written inserted.x or deleted.x (deleted not in an INSERT, inserted not in
    a DELETE: 4104), and names a column the table has (207). `sources` are the exposed
    names of the statement's FROM clause, whose columns are not modelled."""
    allowed = {"insert": {INSERTED}, "update": {INSERTED, DELETED}, "delete": {DELETED}}[kind]
    out: list[exp.Expression] = []
    for expression in expressions:
        for column in list(expression.find_all(exp.Column)):
            prefix = column.table.casefold()
            if prefix in sources:
                raise errors.unsupported(
                    "A column of the FROM clause's tables in an OUTPUT clause (output the"
                    " target's inserted. or deleted. columns)"
                )
            if prefix not in allowed:
                if not prefix:
                    raise errors.invalid_column(column.name)
                raise errors.invalid_column(f"{column.table}.{column.name}")
            if isinstance(column.this, exp.Star):
                continue
            if table is not None and table.column(column.name) is None:
                raise errors.invalid_column(column.name)
        if (
            table is not None
            and isinstance(expression, exp.Column)
            and isinstance(expression.this, exp.Star)
        ):
            prefix = expression.table
            out.extend(exp.column(c.name, table=prefix, quoted=True) for c in table.columns)
        else:
            out.append(expression)
    return out


def output_source(kind: str, target: str) -> tuple[exp.From, list[exp.Join]]:
    """The rows of the OUTPUT list in SQLite: the captured rows as `deleted`, joined by
    rowid to the target (`target`, its SQLite name) as `inserted`."""
    deleted = exp.Table(this=exp.to_identifier(OUTPUT_TABLE, quoted=True))
    deleted.set("alias", exp.TableAlias(this=exp.to_identifier(DELETED, quoted=True)))
    if kind == "delete":
        return exp.From(this=deleted), []
    inserted = exp.Table(this=exp.to_identifier(target, quoted=True))
    inserted.set("alias", exp.TableAlias(this=exp.to_identifier(INSERTED, quoted=True)))
    on = exp.EQ(
        this=exp.column("rowid", table=exp.to_identifier(INSERTED, quoted=True)),
        expression=exp.column("rowid", table=exp.to_identifier(DELETED, quoted=True)),
    )
    return exp.From(this=deleted), [exp.Join(this=inserted, on=on)]
