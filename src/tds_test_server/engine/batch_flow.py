"""IF ... [ELSE ...], WHILE (with BREAK and CONTINUE) and BEGIN ... END in a batch,
sp_executesql's batch and a procedure's body, read as body_flow.py reads a trigger's
(Microsoft's IF...ELSE, BEGIN...END, WHILE, BREAK and CONTINUE pages), so that a cursor
loop (cursors.py) runs: `WHILE @@FETCH_STATUS = 0 BEGIN ... FETCH NEXT ... END`.

A batch without control flow keeps the statements the splitter made, each run as it was;
one with it is read again from its text into nodes, whose statements carry the line they
start on in the batch. RETURN is a Return node either way: a procedure ends with it, a
batch refuses it (docs/test-server-limits.md). TRY...CATCH is read here and run by
try_catch.py; GOTO is 40517.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Protocol

from ..results import Result
from .batches import Statement
from .body_flow import (
    Block,
    If,
    Node,
    Return,
    TryCatch,
    Walk,
    While,
    condition_test,
    parse_body,
    run_flow,
)
from .session_state import Variable
from .table_variables import with_table_variables_in

_FLOW = frozenset(["IF", "WHILE", "ELSE", "END", "BREAK", "CONTINUE", "GOTO"])
_NOT_BLOCK = frozenset(["TRAN", "TRANSACTION", "DISTRIBUTED"])


class Evaluating(Protocol):
    def _evaluate(self, text: str, scope: dict[str, Variable]) -> object: ...


def batch_nodes(text: str, statements: list[Statement], place: str) -> list[Node]:
    """The nodes of a batch (or body) whose text is `text` and whose statements the
    splitter made; `place` ('a batch', 'a procedure') names it in errors."""
    if not any(map(_is_flow, statements)):
        return [_returned(s) if s.words(1)[0] == "RETURN" else s for s in statements]
    lines = _Lines(text)
    return [lines.placed(node) for node in parse_body(text, place, tries=True).nodes]


def holds(session: Evaluating, condition: str, scope: dict[str, Variable]) -> bool:
    """Whether an IF's or WHILE's condition is TRUE (not FALSE or UNKNOWN)."""
    return bool(session._evaluate(condition_test(with_table_variables_in(condition, scope)), scope))


def run_nodes(
    nodes: list[Node],
    session: Evaluating,
    scope: dict[str, Variable],
    statement: Callable[[Statement | Return], Iterator[Result]],
    cancelled: Callable[[], bool],
    attempt: Callable[[TryCatch, Walk], Iterator[Result]],
) -> Iterator[Result]:
    """Walk the nodes in order, `statement` running each plain statement and RETURN,
    `attempt` each TRY...CATCH."""
    for node in nodes:
        if cancelled():
            return
        yield from run_flow(
            node,
            lambda condition: holds(session, condition, scope),
            statement,
            cancelled,
            attempt,
        )


def _is_flow(stmt: Statement) -> bool:
    head, after = stmt.words(2)
    return head in _FLOW or (head == "BEGIN" and after not in _NOT_BLOCK)


def _returned(stmt: Statement) -> Return:
    toks = stmt.tokens
    return Return(stmt.text[toks[1].start - toks[0].start :] if len(toks) > 1 else "")


class _Lines:
    """Each statement node with the line it starts on in the text (body_flow reads each
    statement on its own, from line 1): the statements are found in order."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def placed(self, node: Node) -> Node:
        if isinstance(node, Statement):
            found = self.text.find(node.text, self.at)
            if found < 0:
                return node
            self.at = found + len(node.text)
            return Statement(node.text, node.tokens, self.text.count("\n", 0, found) + 1)
        if isinstance(node, Block):
            return Block(tuple(self.placed(n) for n in node.nodes))
        if isinstance(node, If):
            then = self.placed(node.then)
            otherwise = None if node.otherwise is None else self.placed(node.otherwise)
            return replace(node, then=then, otherwise=otherwise)
        if isinstance(node, While):
            return replace(node, body=self.placed(node.body))
        if isinstance(node, TryCatch):
            body, handler = self.placed(node.body), self.placed(node.handler)
            assert isinstance(body, Block) and isinstance(handler, Block)
            return TryCatch(body, handler)
        return node
