"""The control flow of a trigger's body: IF ... [ELSE ...], WHILE (with BREAK and CONTINUE)
and BEGIN ... END blocks around plain statements, and UPDATE(column) / COLUMNS_UPDATED()
in a condition.

Written from Microsoft's IF...ELSE, BEGIN...END, UPDATE() and COLUMNS_UPDATED() pages:
- IF takes a Boolean expression, then one statement or a BEGIN ... END block, then an
  optional ELSE with the same; WHILE repeats its statement or block while the condition
  holds, BREAK leaves the innermost WHILE, CONTINUE starts its next round; a block holds
  any statements, blocks, IFs and WHILEs.
- UPDATE(column) is TRUE when the statement tried to write the column: every column of
  an INSERT (explicit values or implicit NULLs), the SET list of an UPDATE, none of a
  DELETE; TRUE even when the value did not change. A computed column cannot be tested.
- COLUMNS_UPDATED() is a varbinary with one bit per column, by column_id: the first
  byte's rightmost bit for column 1, its next bit for column 2, ... the second byte for
  columns 9 to 16; as many bytes as the table's columns need. Here it is those bytes as
  an integer, what `COLUMNS_UPDATED() & 14` tests (SUBSTRING(COLUMNS_UPDATED(), ...) is
  not modelled).
Not here: GOTO, TRY...CATCH (docs/test-server-limits.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot.tokens import Token, TokenType

from ..results import TdsError
from . import errors
from .batches import STATEMENT_WORDS, Statement, split_batch, tokenize, word
from .catalog import Table

_NOT_BLOCK = frozenset(["TRAN", "TRANSACTION", "DISTRIBUTED"])


@dataclass(frozen=True)
class Block:
    """Statements, blocks and IFs, in order."""

    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class If:
    condition: str  # T-SQL text, UPDATE() and COLUMNS_UPDATED() still in it
    then: Node
    otherwise: Node | None


@dataclass(frozen=True)
class While:
    condition: str
    body: Node


Node = Statement | Block | If | While


def parse_body(body: str) -> Block:
    """A trigger body's statements as a tree of blocks and IFs."""
    toks = body_tokens(body, 0, len(body))
    nodes: list[Node] = []
    i = 0
    while i < len(toks):
        node, i = _one(body, toks, i, len(toks), False)
        nodes.append(node)
    return Block(tuple(nodes))


def body_tokens(body: str, start: int, end: int) -> list[Token]:
    """The tokens of body[start:end]. sqlglot's T-SQL tokenizer takes END after `;` or
    BEGIN for a command and the rest up to the next `;` for its text, one STRING (with
    only its end in place): that rest is tokenized again."""
    found: list[Token] = []
    for tok in tokenize(body[start:end]):
        at, last = tok.start + start, tok.end + start
        if found and found[-1].token_type == TokenType.END and tok.token_type == TokenType.STRING:
            rest = found[-1].end + 1
            if body[rest : last + 1].strip() == tok.text:
                found += body_tokens(body, rest, last + 1)
                continue
        found.append(Token(tok.token_type, tok.text, tok.line, tok.col, at, last, tok.comments))
    return found


def _skip_semicolons(toks: list[Token], i: int, end: int) -> int:
    while i < end and toks[i].token_type == TokenType.SEMICOLON:
        i += 1
    return i


def _is_block(toks: list[Token], i: int) -> bool:
    nxt = word(toks[i + 1]) if i + 1 < len(toks) else None
    if word(toks[i]) != "BEGIN" or nxt in _NOT_BLOCK:
        return False
    if nxt in ("TRY", "CATCH"):
        raise errors.unsupported("TRY...CATCH in a trigger")
    return True


def _one(body: str, toks: list[Token], i: int, end: int, loop: bool) -> tuple[Node, int]:
    """The statement, block, IF or WHILE at token `i` and the index after it; `loop`:
    inside a WHILE, where BREAK and CONTINUE may stand."""
    i = _skip_semicolons(toks, i, end)
    if i >= end:
        raise errors.syntax_near(toks[end - 1].text if end else "")
    head = word(toks[i])
    if head == "GOTO":
        raise errors.unsupported("GOTO in a trigger")
    if _is_block(toks, i):
        close = _block_end(toks, i + 1, end)
        nodes: list[Node] = []
        j = _skip_semicolons(toks, i + 1, close)
        while j < close:
            node, j = _one(body, toks, j, close, loop)
            nodes.append(node)
            j = _skip_semicolons(toks, j, close)
        return Block(tuple(nodes)), _skip_semicolons(toks, close + 1, end)
    if head in ("IF", "WHILE"):
        stop = _condition_end(toks, i + 1, end)
        condition = body[toks[i + 1].start : toks[stop - 1].end + 1]
        then, j = _one(body, toks, stop, end, loop or head == "WHILE")
        if head == "WHILE":
            return While(condition, then), _skip_semicolons(toks, j, end)
        otherwise = None
        j = _skip_semicolons(toks, j, end)
        if j < end and word(toks[j]) == "ELSE":
            otherwise, j = _one(body, toks, j + 1, end, loop)
        return If(condition, then, otherwise), j
    if head in ("ELSE", "END") or (head in ("BREAK", "CONTINUE") and not loop):
        raise errors.syntax_near(head)
    base = toks[i].start
    stmt = split_batch(body[base : toks[end - 1].end + 1])[0]
    last = base + stmt.tokens[-1].end  # (a command's STRING has its end in place)
    after = next((j for j in range(i, end) if toks[j].start > last), end)
    return stmt, _skip_semicolons(toks, after, end)


def _block_end(toks: list[Token], i: int, end: int) -> int:
    """The index of the END that closes a block whose first token is at `i`."""
    depth = cases = 0
    for j in range(i, end):
        w = word(toks[j])
        if w == "CASE":
            cases += 1
        elif w == "END" and cases:
            cases -= 1
        elif w == "END" and depth == 0:
            return j
        elif w == "END":
            depth -= 1
        elif w == "BEGIN" and _is_block(toks, j):
            depth += 1
    raise errors.syntax_near(toks[end - 1].text if end else "BEGIN")


def _condition_end(toks: list[Token], i: int, end: int) -> int:
    """Where an IF's condition ends: at the first statement word outside parentheses and
    CASE (UPDATE( is the function)."""
    depth = cases = 0
    for j in range(i, end):
        tok, w = toks[j], word(toks[j])
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
        elif w == "CASE":
            cases += 1
        elif w == "END" and cases:
            cases -= 1
        elif (
            depth == 0
            and not cases
            and w in STATEMENT_WORDS
            and j > i
            and not (w == "UPDATE" and j + 1 < end and toks[j + 1].token_type == TokenType.L_PAREN)
        ):
            return j
    raise errors.syntax_near(toks[end - 1].text if end else "IF")


def with_update_tests(condition: str, table: Table, written: frozenset[str]) -> str:
    """`condition` with each UPDATE(column) a TRUE or FALSE comparison and each
    COLUMNS_UPDATED() its bit pattern; `written`: the statement's columns, casefolded."""
    toks = tokenize(condition)
    pieces: list[str] = []
    at = i = 0
    while i < len(toks):
        w = word(toks[i])
        opens = i + 1 < len(toks) and toks[i + 1].token_type == TokenType.L_PAREN
        if w == "UPDATE" and opens and i + 3 < len(toks):
            name = toks[i + 2].text
            column = table.column(name)
            if column is None or toks[i + 3].token_type != TokenType.R_PAREN:
                raise TdsError(207, f"Invalid column name '{name}'.")
            if column.computed is not None:
                raise TdsError(
                    2114,
                    f"Column '{column.name}' cannot be used in an IF UPDATE clause"
                    " because it is a computed column.",
                )
            tested = "(1=1)" if column.name.casefold() in written else "(1=0)"
            pieces += [condition[at : toks[i].start], tested]
            at, i = toks[i + 3].end + 1, i + 4
            continue
        if toks[i].text.upper() == "COLUMNS_UPDATED" and opens and i + 2 < len(toks):
            pieces += [condition[at : toks[i].start], _bits(table, written)]
            at, i = toks[i + 2].end + 1, i + 3
            continue
        i += 1
    return "".join([*pieces, condition[at:]])


def _bits(table: Table, written: frozenset[str]) -> str:
    """COLUMNS_UPDATED()'s bytes read as an integer (as `COLUMNS_UPDATED() & 14` converts
    them): the test server's & does not take a varbinary."""
    ids = [c.column_id for c in table.columns if c.name.casefold() in written]
    size = (max((c.column_id for c in table.columns), default=1) + 7) // 8
    pattern = sum(1 << (i - 1) for i in ids).to_bytes(size, "little")
    return str(int.from_bytes(pattern, "big"))
