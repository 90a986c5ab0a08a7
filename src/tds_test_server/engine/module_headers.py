"""The head of a module's CREATE statement (procedures, functions, triggers): its name and
parameter list, read from Microsoft's CREATE PROCEDURE and CREATE FUNCTION syntax."""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot.tokens import TokenType

from ..results import ColumnType
from . import errors
from .batches import Statement, word
from .sql_types import UnknownType, parse_type
from .token_stream import Tokens

_PARAM_END = frozenset(["OUTPUT", "OUT", "READONLY", "AS", "WITH", "FOR"])


@dataclass(frozen=True)
class ProcParam:
    name: str  # as declared, with its '@'
    type: ColumnType
    default: str | None  # the default's T-SQL text; None when it has none
    output: bool
    type_name: str  # sys.types name: the system type, or sysname (an alias of nvarchar(128))


def is_create_procedure(stmt: Statement, kinds: tuple[str, ...] = ("PROC", "PROCEDURE")) -> bool:
    w = stmt.words(4)
    return (w[0] in ("CREATE", "ALTER") and w[1] in kinds) or (
        w[0] == "CREATE" and w[1] == "OR" and w[2] == "ALTER" and w[3] in kinds
    )


def module_header(ts: Tokens, *kinds: str) -> tuple[bool, bool, list[str]]:
    """`CREATE [OR ALTER] | ALTER <kind> name` of a procedure, function or trigger:
    (whether it may alter, whether it may create, the name's parts)."""
    first = ts.expect("CREATE", "ALTER")
    alter, create = first == "ALTER", first == "CREATE"
    if ts.accept("OR"):
        ts.expect("ALTER")
        alter = True
    ts.expect(*kinds)
    return alter, create, ts.multipart()


def function_header(ts: Tokens) -> tuple[bool, bool, list[str], list[ProcParam]]:
    """`CREATE [OR ALTER] | ALTER FUNCTION name (parameters) RETURNS`, read up to what
    RETURNS names (a type, TABLE or @t TABLE): (may alter, may create, name's parts,
    parameters)."""
    alter, create, parts = module_header(ts, "FUNCTION")
    ts.expect_type(TokenType.L_PAREN)
    params = parameter_list(ts)
    ts.expect_type(TokenType.R_PAREN)
    ts.expect("RETURNS")
    return alter, create, parts, params


def parameter_list(ts: Tokens) -> list[ProcParam]:
    """`@a type [= default] [OUTPUT], ...`, up to what follows the last."""
    params: list[ProcParam] = []
    while ts.peek_is(TokenType.PARAMETER):
        params.append(_parse_param(ts))
        if not ts.accept_type(TokenType.COMMA):
            break
    return params


def _parse_param(ts: Tokens) -> ProcParam:
    ts.expect_type(TokenType.PARAMETER)
    name = "@" + ts.name()
    ts.accept("AS")
    start, depth = ts.i, 0
    while not ts.at_end():
        tok = ts.peek()
        assert tok is not None
        if depth == 0 and (
            tok.token_type in (TokenType.COMMA, TokenType.R_PAREN, TokenType.EQ)
            or word(tok) in _PARAM_END
        ):
            break
        depth += (tok.token_type == TokenType.L_PAREN) - (tok.token_type == TokenType.R_PAREN)
        ts.next()
    type_text = ts.text_between(start, ts.i)
    try:
        ctype = parse_type(type_text)
    except (UnknownType, ValueError):
        raise errors.unknown_type(type_text) from None
    default = None
    if ts.accept_type(TokenType.EQ):
        default = ts.expression(_PARAM_END)
    output = False
    if ts.accept("OUTPUT", "OUT"):
        output = True
    if ts.accept("READONLY"):
        raise errors.unsupported("table-valued parameters (READONLY)")
    declared = type_text.replace("[", "").replace("]", "").strip().lower()
    type_name = "sysname" if declared == "sysname" else ctype.name
    return ProcParam(name, ctype, default, output, type_name)
