"""A statement's normal form, which its fingerprint (sqlguard.fingerprint) hashes.

Literals and parameters become `?`, names and keywords are upper-cased, comments are
dropped: one statement written differently has one fingerprint. Not one of the guard's
layers: it decides nothing, and reads the statements the guard refuses too (a call's
audit record names its statement by the fingerprint).

sqlglot is imported inside functions: importing this module must stay cheap.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlglot.tokens import Token


def _normal_name(name: str) -> str:
    upper = name.upper()
    return upper if re.fullmatch(r"[A-Z_#$][A-Z0-9_@#$]*", upper) else f"[{upper}]"


def normal_form(sql: str, tokens: list[Token]) -> str:
    """Tokens with literals and parameters as `?`, names and keywords upper-cased."""
    from sqlglot.tokens import TokenType

    literals = (
        TokenType.STRING,
        TokenType.NATIONAL_STRING,
        TokenType.NUMBER,
        TokenType.HEX_STRING,
    )
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.token_type == TokenType.PARAMETER:
            # @@NAME is a system function, kept; @name is a parameter, a value: `?`
            if i + 2 < len(tokens) and tokens[i + 1].token_type == TokenType.PARAMETER:
                out.append("@@" + tokens[i + 2].text.upper())
                i += 3
                continue
            out.append("?")
            i += 2
            continue
        if tok.token_type in literals:
            out.append("?")
        elif tok.token_type in (TokenType.VAR, TokenType.IDENTIFIER):
            out.append(_normal_name(tok.text))
        elif tok.token_type != TokenType.SEMICOLON:
            out.append(" ".join(sql[tok.start : tok.end + 1].upper().split()))
        i += 1
    return " ".join(out)


def rough_normal_form(sql: str) -> str:
    """For text the tokenizer rejects: drop comments, strings and numbers by pattern."""
    text = re.sub(r"--[^\n]*|/\*.*?(\*/|$)", " ", sql, flags=re.S)
    text = re.sub(r"[Nn]?'(?:[^']|'')*'?|\b0[xX][0-9A-Fa-f]*|\b\d+(?:\.\d*)?", "?", text)
    return " ".join(text.upper().split())
