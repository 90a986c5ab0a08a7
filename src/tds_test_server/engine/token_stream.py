"""The token stream the statement parsers read (the DDL parser, the session's EXEC, SET,
DECLARE and WAITFOR handling).
"""

from __future__ import annotations

from sqlglot.tokens import Token, TokenType

from . import errors
from .batches import Statement, word


class Tokens:
    """A cursor over one statement's tokens, for the hand-written DDL parser."""

    def __init__(self, stmt: Statement):
        self.stmt = stmt
        self.toks = stmt.tokens
        self.i = 0
        self._base = stmt.tokens[0].start if stmt.tokens else 0

    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def peek_is(self, tt: TokenType, k: int = 0) -> bool:
        tok = self.peek(k)
        return tok is not None and tok.token_type == tt

    def peek_text(self, default: str = "") -> str:
        tok = self.peek()
        return tok.text if tok is not None else default

    def peek_word(self, k: int = 0) -> str | None:
        tok = self.peek(k)
        return word(tok) if tok else None

    def at_end(self) -> bool:
        return self.i >= len(self.toks)

    def next(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise errors.syntax_error_end()
        self.i += 1
        return tok

    def accept(self, *words: str) -> bool:
        if self.peek_word() in words:
            self.i += 1
            return True
        return False

    def accept_type(self, tt: TokenType) -> bool:
        tok = self.peek()
        if tok is not None and tok.token_type == tt:
            self.i += 1
            return True
        return False

    def expect(self, *words: str) -> str:
        tok = self.next()
        w = word(tok)
        if w not in words:
            raise errors.syntax_near(tok.text)
        return w

    def expect_type(self, tt: TokenType) -> Token:
        tok = self.next()
        if tok.token_type != tt:
            raise errors.syntax_near(tok.text)
        return tok

    def name(self) -> str:
        tok = self.next()
        if tok.token_type in (
            TokenType.STRING,
            TokenType.NUMBER,
            TokenType.L_PAREN,
            TokenType.R_PAREN,
            TokenType.COMMA,
        ):
            raise errors.syntax_near(tok.text)
        return tok.text

    def multipart(self) -> list[str]:
        """schema.name, [db].[schema].[name], #temp."""
        parts: list[str] = []
        prefix = ""
        while self.accept_type(TokenType.HASH):
            prefix += "#"
        parts.append(prefix + self.name())
        while self.accept_type(TokenType.DOT):
            if self.peek_is(TokenType.DOT):
                parts.append("")
                continue
            parts.append(self.name())
        return parts

    def text_between(self, start: int, end: int) -> str:
        """Source text of tokens[start:end]."""
        if start >= end:
            return ""
        lo = self.toks[start].start - self._base
        hi = self.toks[end - 1].end + 1 - self._base
        return self.stmt.text[lo:hi]

    def parenthesized(self) -> str:
        """Consume `( ... )` and return the inner source text."""
        self.expect_type(TokenType.L_PAREN)
        start, depth = self.i, 1
        while True:
            tok = self.next()
            if tok.token_type == TokenType.L_PAREN:
                depth += 1
            elif tok.token_type == TokenType.R_PAREN:
                depth -= 1
                if depth == 0:
                    return self.text_between(start, self.i - 1)

    def expression(self, stop: frozenset[str]) -> str:
        """Consume an expression up to a depth-0 comma, ')' or stop word."""
        start, depth = self.i, 0
        while not self.at_end():
            tok = self.peek()
            assert tok is not None
            if depth == 0 and (
                tok.token_type in (TokenType.COMMA, TokenType.R_PAREN) or word(tok) in stop
            ):
                break
            if tok.token_type == TokenType.L_PAREN:
                depth += 1
            elif tok.token_type == TokenType.R_PAREN:
                depth -= 1
            self.i += 1
        if self.i == start:
            raise errors.syntax_near(self.peek_text(""))
        return self.text_between(start, self.i)

    def skip_options(self) -> None:
        """WITH (...), ON [PRIMARY], TEXTIMAGE_ON x: storage options this server ignores."""
        while True:
            w = self.peek_word()
            if w == "WITH" and self.peek_is(TokenType.L_PAREN, 1):
                self.next()
                self.parenthesized()
            elif w in ("ON", "TEXTIMAGE_ON", "FILESTREAM_ON"):
                self.next()
                self.name()
                if self.peek_is(TokenType.L_PAREN):
                    self.parenthesized()
            else:
                return

    def end(self) -> None:
        if not self.at_end():
            raise errors.syntax_near(self.next().text)
