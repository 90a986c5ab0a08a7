"""The control flow of a body, a trigger's or a scalar function's: IF ... [ELSE ...],
WHILE (with BREAK and CONTINUE), BEGIN ... END blocks and RETURN [expr] around plain
statements; read into nodes by parse_body and walked by run_flow, each body's runner
(triggers.py, scalar_functions.py) running the plain statements and RETURN its own way.

Written from Microsoft's IF...ELSE, BEGIN...END, WHILE, BREAK, CONTINUE and RETURN
pages: IF takes a Boolean expression, then one statement or a BEGIN ... END block, then
an optional ELSE with the same; WHILE repeats its statement or block while the condition
holds, BREAK leaves the innermost WHILE, CONTINUE starts its next round; a block holds
any statements, blocks, IFs and WHILEs; RETURN leaves the body, with a value in a
function. BEGIN TRY ... END TRY BEGIN CATCH ... END CATCH (Microsoft's TRY...CATCH page:
the CATCH block follows its TRY block at once, and may be empty) is read where the
reader allows it (batches and procedures: batch_flow.py) and run by its `attempt`.
Not here: GOTO, and TRY...CATCH in a trigger or function (docs/test-server-limits.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlglot.tokens import Token, TokenType

from ..results import Result
from . import errors
from .batches import STATEMENT_WORDS, Statement, split_batch, statement_tokens, word

_NOT_BLOCK = frozenset(["TRAN", "TRANSACTION", "DISTRIBUTED"])


@dataclass(frozen=True)
class Block:
    """BEGIN ... END, or a whole body: its nodes in order."""

    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class If:
    condition: str  # T-SQL text, as written
    then: Node
    otherwise: Node | None


@dataclass(frozen=True)
class While:
    condition: str
    body: Node


@dataclass(frozen=True)
class TryCatch:
    body: Block
    handler: Block  # the CATCH block


@dataclass(frozen=True)
class Return:
    value: str  # the expression's text, '' for a bare RETURN


@dataclass(frozen=True)
class Jump:
    word: str  # BREAK or CONTINUE


Node = Statement | Block | If | While | TryCatch | Return | Jump
Walk = Callable[[Node], Iterator[Result]]


def leaves(node: Node) -> Iterator[Statement | Return | Jump]:
    """A body's plain statements, RETURNs, BREAKs and CONTINUEs in the order they are
    written, through its blocks, IFs, WHILEs and TRY...CATCHes: what a check of every
    statement of a body walks."""
    if isinstance(node, Block):
        for child in node.nodes:
            yield from leaves(child)
    elif isinstance(node, If):
        yield from leaves(node.then)
        if node.otherwise is not None:
            yield from leaves(node.otherwise)
    elif isinstance(node, While):
        yield from leaves(node.body)
    elif isinstance(node, TryCatch):
        yield from leaves(node.body)
        yield from leaves(node.handler)
    else:
        yield node


class Break(Exception):
    """BREAK: the innermost WHILE ends."""


class Continue(Exception):
    """CONTINUE: the innermost WHILE starts its next round."""


def parse_body(body: str, place: str, tries: bool = False) -> Block:
    """A body's statements as a tree of nodes; `place` ('a trigger', 'a function') names
    the body in the error for what is not modelled; `tries`: TRY...CATCH is read."""
    toks = statement_tokens(body)
    reader = _Reader(body, toks, place, tries)
    nodes: list[Node] = []
    i = 0
    while i < len(toks):
        node, i = reader.one(i, len(toks), False)
        nodes.append(node)
    return Block(tuple(nodes))


def run_flow(
    node: Node,
    holds: Callable[[str], bool],
    statement: Callable[[Statement | Return], Iterator[Result]],
    cancelled: Callable[[], bool] | None = None,
    attempt: Callable[[TryCatch, Walk], Iterator[Result]] | None = None,
) -> Iterator[Result]:
    """Walk `node`: `holds` tells whether a condition is TRUE (not FALSE or UNKNOWN),
    `statement` runs a plain statement or a RETURN; `cancelled` ends a WHILE early;
    `attempt` runs a TRY...CATCH, walking its blocks with the walk it is given."""

    def walk(inner: Node) -> Iterator[Result]:
        return run_flow(inner, holds, statement, cancelled, attempt)

    if isinstance(node, Block):
        for inner in node.nodes:
            yield from walk(inner)
    elif isinstance(node, If):
        chosen = node.then if holds(node.condition) else node.otherwise
        if chosen is not None:
            yield from walk(chosen)
    elif isinstance(node, While):
        while not (cancelled is not None and cancelled()) and holds(node.condition):
            try:
                yield from walk(node.body)
            except Continue:
                continue
            except Break:
                break
    elif isinstance(node, TryCatch):
        assert attempt is not None  # parse_body reads none without `tries`
        yield from attempt(node, walk)
    elif isinstance(node, Jump):
        raise Break if node.word == "BREAK" else Continue
    else:
        yield from statement(node)


def condition_test(condition: str) -> str:
    """An expression that is 1 where `condition` is TRUE, 0 where FALSE or UNKNOWN."""
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _skip_semicolons(toks: list[Token], i: int, end: int) -> int:
    while i < end and toks[i].token_type == TokenType.SEMICOLON:
        i += 1
    return i


def _is_block(toks: list[Token], i: int) -> bool:
    """BEGIN of a block: BEGIN ... END, BEGIN TRY or BEGIN CATCH (not BEGIN TRAN)."""
    nxt = word(toks[i + 1]) if i + 1 < len(toks) else None
    return word(toks[i]) == "BEGIN" and nxt not in _NOT_BLOCK


@dataclass(frozen=True)
class _Reader:
    body: str
    toks: list[Token]
    place: str
    tries: bool

    def one(self, i: int, end: int, loop: bool) -> tuple[Node, int]:
        """The node at token `i` and the index after it; `loop`: inside a WHILE, where
        BREAK and CONTINUE may stand."""
        body, toks = self.body, self.toks
        i = _skip_semicolons(toks, i, end)
        if i >= end:
            raise errors.syntax_near(toks[end - 1].text if end else "")
        head = word(toks[i])
        if head == "GOTO":
            raise errors.unsupported(f"GOTO in {self.place}")
        if _is_block(toks, i):
            kind = word(toks[i + 1])
            if kind in ("TRY", "CATCH") and not self.tries:
                raise errors.unsupported(f"TRY...CATCH in {self.place}")
            if kind == "CATCH":  # a CATCH block with no TRY block before it
                raise errors.syntax_near("CATCH")
            if kind == "TRY":
                return self._try_catch(i, end, loop)
            block, j = self._block(i + 1, end, loop, "")
            return block, _skip_semicolons(toks, j, end)
        if head in ("IF", "WHILE"):
            stop = _condition_end(toks, i + 1, end)
            condition = body[toks[i + 1].start : toks[stop - 1].end + 1]
            then, j = self.one(stop, end, loop or head == "WHILE")
            if head == "WHILE":
                return While(condition, then), _skip_semicolons(toks, j, end)
            otherwise = None
            j = _skip_semicolons(toks, j, end)
            if j < end and word(toks[j]) == "ELSE":
                otherwise, j = self.one(j + 1, end, loop)
            return If(condition, then, otherwise), j
        if head in ("ELSE", "END") or (head in ("BREAK", "CONTINUE") and not loop):
            raise errors.syntax_near(head)
        base = toks[i].start
        stmt = split_batch(body[base : toks[end - 1].end + 1])[0]
        last = base + stmt.tokens[-1].end
        after = _skip_semicolons(
            toks, next((j for j in range(i, end) if toks[j].start > last), end), end
        )
        if head == "RETURN":
            value = (
                stmt.text[stmt.tokens[1].start - stmt.tokens[0].start :]
                if len(stmt.tokens) > 1
                else ""
            )
            return Return(value), after
        if head in ("BREAK", "CONTINUE"):
            return Jump(head), after
        return stmt, after

    def _block(self, i: int, end: int, loop: bool, kind: str) -> tuple[Block, int]:
        """The block whose first token is at `i` (after BEGIN, or BEGIN TRY / CATCH) and
        the index after its END (END TRY, END CATCH for a `kind`)."""
        close = _block_end(self.toks, i, end)
        after = close + 1
        if kind:
            if after >= end or word(self.toks[after]) != kind:
                raise errors.syntax_near(self.toks[after].text if after < end else "END")
            after += 1
        nodes: list[Node] = []
        j = _skip_semicolons(self.toks, i, close)
        while j < close:
            node, j = self.one(j, close, loop)
            nodes.append(node)
            j = _skip_semicolons(self.toks, j, close)
        return Block(tuple(nodes)), after

    def _try_catch(self, i: int, end: int, loop: bool) -> tuple[TryCatch, int]:
        """BEGIN TRY ... END TRY, then at once BEGIN CATCH ... END CATCH."""
        toks = self.toks
        body, j = self._block(i + 2, end, loop, "TRY")
        j = _skip_semicolons(toks, j, end)
        if not (j + 1 < end and word(toks[j]) == "BEGIN" and word(toks[j + 1]) == "CATCH"):
            raise errors.syntax_near(toks[j].text if j < end else "END")
        handler, j = self._block(j + 2, end, loop, "CATCH")
        return TryCatch(body, handler), _skip_semicolons(toks, j, end)


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
    """Where an IF's or WHILE's condition ends: at the next statement."""
    stop = _next_statement(toks, i, end)
    if stop is None:
        raise errors.syntax_near(toks[end - 1].text if end else "IF")
    return stop


def _next_statement(toks: list[Token], i: int, end: int) -> int | None:
    """The first statement word after token `i` outside parentheses and CASE (UPDATE( is
    the function), None if there is none before `end`."""
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
    return None
