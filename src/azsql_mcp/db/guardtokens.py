"""Layer 2 of the SQL guard (sqlguard.py): the statement's tokens.

sqlglot's T-SQL tokenizer reads the statement; here the text between tokens must be
only whitespace and comments, and every unquoted word that is a T-SQL reserved keyword
must be one the statement kind may use (so `SELECT 1 DELETE FROM t`, which sqlglot
reads as an alias but SQL Server as a second statement, is refused); no ODBC escapes,
`?` markers, `xp_`/`sp_` names, write-locking hints, `GO`; other dialects' habits
(LIMIT, `::`, backticks) are refused with the T-SQL to write. `scan` rebuilds the text
to send from the checked tokens.

sqlglot is imported inside functions: importing this module must stay cheap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from azsql_mcp.api import advice
from azsql_mcp.db.sqlpolicy import refuse

if TYPE_CHECKING:
    from sqlglot.tokens import Token

# Parentheses (calls, subqueries, grouping) nest at most this deep. sqlglot parses and
# compares trees recursively: 32 levels stay well inside Python's recursion limit
# (about 47 levels of function calls, measured with sqlglot 30.30, fail).
MAX_NESTING = 32

# T-SQL reserved keywords, from Microsoft's "Reserved Keywords (Transact-SQL)".
# SQL Server never reads one of these, unquoted, as a name.
RESERVED_KEYWORDS: frozenset[str] = frozenset(
    """
    ADD ALL ALTER AND ANY AS ASC AUTHORIZATION BACKUP BEGIN BETWEEN BREAK BROWSE BULK BY
    CASCADE CASE CHECK CHECKPOINT CLOSE CLUSTERED COALESCE COLLATE COLUMN COMMIT COMPUTE
    CONSTRAINT CONTAINS CONTAINSTABLE CONTINUE CONVERT CREATE CROSS CURRENT CURRENT_DATE
    CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURSOR DATABASE DBCC DEALLOCATE DECLARE
    DEFAULT DELETE DENY DESC DISK DISTINCT DISTRIBUTED DOUBLE DROP DUMP ELSE END ERRLVL
    ESCAPE EXCEPT EXEC EXECUTE EXISTS EXIT EXTERNAL FETCH FILE FILLFACTOR FOR FOREIGN
    FREETEXT FREETEXTTABLE FROM FULL FUNCTION GOTO GRANT GROUP HAVING HOLDLOCK IDENTITY
    IDENTITY_INSERT IDENTITYCOL IF IN INDEX INNER INSERT INTERSECT INTO IS JOIN KEY KILL
    LEFT LIKE LINENO LOAD MERGE NATIONAL NOCHECK NONCLUSTERED NOT NULL NULLIF OF OFF
    OFFSETS ON OPEN OPENDATASOURCE OPENQUERY OPENROWSET OPENXML OPTION OR ORDER OUTER OVER
    PERCENT PIVOT PLAN PRECISION PRIMARY PRINT PROC PROCEDURE PUBLIC RAISERROR READ
    READTEXT RECONFIGURE REFERENCES REPLICATION RESTORE RESTRICT RETURN REVERT REVOKE RIGHT
    ROLLBACK ROWCOUNT ROWGUIDCOL RULE SAVE SCHEMA SECURITYAUDIT SELECT
    SEMANTICKEYPHRASETABLE SEMANTICSIMILARITYDETAILSTABLE SEMANTICSIMILARITYTABLE
    SESSION_USER SET SETUSER SHUTDOWN SOME STATISTICS SYSTEM_USER TABLE TABLESAMPLE
    TEXTSIZE THEN TO TOP TRAN TRANSACTION TRIGGER TRUNCATE TRY_CONVERT TSEQUAL UNION UNIQUE
    UNPIVOT UPDATE UPDATETEXT USE USER VALUES VARYING VIEW WAITFOR WHEN WHERE WHILE WITH
    WITHIN WRITETEXT
    """.split()  # noqa: SIM905 (a word list reads best as the documentation prints it)
)

# The reserved keywords a read query may contain (everything else reserved is refused).
SELECT_KEYWORDS: frozenset[str] = frozenset(
    """
    ALL AND ANY AS ASC BETWEEN BY CASE COALESCE COLLATE CONTAINS CONTAINSTABLE CONVERT
    CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DESC DISTINCT
    DOUBLE ELSE END ESCAPE EXCEPT EXISTS FETCH FOR FREETEXT FREETEXTTABLE FROM FULL GROUP
    HAVING HOLDLOCK IDENTITYCOL IN INDEX INNER INTERSECT IS JOIN LEFT LIKE NOT NULL NULLIF
    OF ON OPTION OR ORDER OUTER OVER PERCENT PIVOT PLAN PRECISION RIGHT ROWGUIDCOL SELECT
    SEMANTICKEYPHRASETABLE SEMANTICSIMILARITYDETAILSTABLE SEMANTICSIMILARITYTABLE
    SESSION_USER SOME SYSTEM_USER TABLESAMPLE THEN TO TOP TRY_CONVERT UNION UNPIVOT USER
    VALUES WHEN WHERE WITH WITHIN
    """.split()  # noqa: SIM905
)
WRITE_KEYWORDS: frozenset[str] = SELECT_KEYWORDS | {
    "INSERT",
    "UPDATE",
    "DELETE",
    "INTO",
    "SET",
    "DEFAULT",
}

# Functions that send their text, table data, to an AI model's endpoint outside the
# database: AI_GENERATE_EMBEDDINGS (SQL Server 2025, Azure SQL: an external model) and the
# AI functions of Microsoft Fabric's Warehouse and SQL analytics endpoint (Azure OpenAI),
# from Microsoft's "AI functions (Transact-SQL)". Their results are read stored instead.
AI_ENDPOINT_FUNCTIONS: frozenset[str] = frozenset(
    {
        "AI_GENERATE_EMBEDDINGS",
        "AI_ANALYZE_SENTIMENT",
        "AI_CLASSIFY",
        "AI_EXTRACT",
        "AI_FIX_GRAMMAR",
        "AI_GENERATE_RESPONSE",
        "AI_SUMMARIZE",
        "AI_TRANSLATE",
    }
)
# Not reserved, yet refused as unquoted words: statement starters SQL Server accepts
# after an expression without a semicolon, the client-side batch separator,
# table hints that take write locks, and the functions that send text out of the
# database to an AI model's endpoint.
DENIED_WORDS: frozenset[str] = frozenset(
    {"GO", "THROW", "RECEIVE", "SEND", "GET", "MOVE", "ENABLE", "DISABLE", "CONVERSATION"}
    | {"UPDLOCK", "XLOCK", "TABLOCKX"}
    | AI_ENDPOINT_FUNCTIONS
)
# Reserved words SQL Server reads as the start of an argument directly inside these
# calls' parentheses (after `(` or `,`): the default namespace of WITH XMLNAMESPACES
# (DEFAULT 'uri'), and VECTOR_SEARCH's TABLE = and COLUMN = (guard_dialect.py parses both
# strictly, so the word can stand nowhere else there).
ARGUMENT_KEYWORDS: dict[str, frozenset[str]] = {
    "XMLNAMESPACES": frozenset({"DEFAULT"}),
    "VECTOR_SEARCH": frozenset({"TABLE", "COLUMN"}),
}
# Words that start with `$`: money literals and the pseudo-columns T-SQL defines.
_DOLLAR_WORD = re.compile(
    r"\$(?:\d*|IDENTITY|ROWGUID|PARTITION|ACTION|NODE_ID|EDGE_ID|FROM_ID|TO_ID)", re.I
)

# Functions that read linked servers and files: refused as words here, as calls in the tree.
EXTERNAL_DATA_FUNCTIONS: frozenset[str] = frozenset(
    {"OPENROWSET", "OPENQUERY", "OPENDATASOURCE", "OPENXML"}
)
# Calls refused in the tree too, however written ([OPENQUERY](...), [AI_CLASSIFY](...)).
EXTERNAL_CALLS: frozenset[str] = EXTERNAL_DATA_FUNCTIONS | AI_ENDPOINT_FUNCTIONS

# Why a word is refused, said after the refusal (the tree's checks use it too).
WHY: dict[str, str] = {
    "EXEC": "EXEC runs procedures and dynamic SQL, which the guard cannot check.",
    "EXECUTE": "EXECUTE runs procedures and dynamic SQL, which the guard cannot check.",
    "INTO": "SELECT ... INTO creates a table.",
    "WAITFOR": "WAITFOR holds the connection and is used for timing attacks.",
    "GO": "GO is a batch separator of client tools, not T-SQL; send one statement.",
    "DECLARE": "Variables are not allowed; pass values as @name parameters.",
    "DEFAULT": "For a function argument, write NULL where the function accepts it.",
    "SET": "SET statements are not allowed; pass values as @name parameters.",
    "USE": "USE switches the database; choose the source instead (the query hints "
    "USE PLAN and USE HINT are refused too).",
    "TABLE": "TABLE starts statements such as CREATE TABLE; in OPTION (TABLE HINT ...) "
    "it would apply lock hints from outside the FROM clause.",
    "UPDLOCK": "UPDLOCK takes write locks.",
    "XLOCK": "XLOCK takes exclusive locks.",
    "TABLOCKX": "TABLOCKX takes an exclusive table lock.",
    "AI_GENERATE_EMBEDDINGS": "AI_GENERATE_EMBEDDINGS sends the text to an external model's"
    " endpoint (outside the database); read stored embeddings (a vector column) instead.",
}
for _word in AI_ENDPOINT_FUNCTIONS - {"AI_GENERATE_EMBEDDINGS"}:
    WHY[_word] = (
        f"{_word} sends the text to an AI model's endpoint outside the database (Azure"
        " OpenAI, for Microsoft Fabric's AI functions); read results stored in a table"
        f" instead (a column of that name: bracket-quote it, [{_word.lower()}])."
    )
for _word in EXTERNAL_DATA_FUNCTIONS:
    WHY[_word] = f"{_word} reaches data outside the database (linked servers, files)."
for _word in ("BEGIN", "COMMIT", "ROLLBACK", "SAVE", "TRAN", "TRANSACTION"):
    WHY[_word] = "Transactions are managed by the server, not by statements."

_CODE_TOKEN = re.compile(
    r"[A-Za-z_@#$][A-Za-z0-9_@#$]*(?:\s+[A-Za-z_][A-Za-z0-9_]*)*"  # words, multi-word keywords
    r"|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"  # numbers
    r"|0[xX][0-9A-Fa-f]*"  # binary literals
    r"|[-+*/%=<>!&|^~(),.;:]+"  # operators and punctuation
)
_PROCEDURE_PREFIXES = ("XP_", "SP_")
_SET_OPERATORS = frozenset({"UNION", "ALL", "EXCEPT", "INTERSECT"})
_DML_WORDS = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE"})
_LIMIT_OPERANDS = frozenset({"NUMBER", "PARAMETER"})  # sqlglot token type names


@dataclass
class Scanned:
    """The statement rebuilt from its checked tokens: what the guard sends."""

    canonical: str  # the checked tokens, re-joined, parameters still as @name
    sent: str  # the same with `?` for each parameter
    param_names: tuple[str, ...]


def scan(
    sql: str, tokens: list[Token], write_kinds: frozenset[str] | None, allowed: str
) -> Scanned:
    """Check `tokens`, all of `sql`'s, for a read (`write_kinds` None) or these writes,
    and rebuild the text from them; or raise QueryRefused with `allowed`."""
    from sqlglot.tokens import TokenType

    keywords = SELECT_KEYWORDS if write_kinds is None else WRITE_KEYWORDS
    canonical: list[str] = []
    sent: list[str] = []
    params: list[str] = []
    spellings: dict[str, str] = {}  # each parameter's first spelling, by casefolded name
    depth = 0
    top_selects = 0
    dml_words = 0
    clauses: set[str] = set()  # SET and OUTPUT seen outside parentheses, in a write
    previous_word = ""  # the last word of the previous token ("" if not a keyword or name)
    last_word = ""  # in the loop, the previous token's word; before_last, the one before
    calls: list[str] = []  # for each open parenthesis, the call of ARGUMENT_KEYWORDS it opens
    end = -1  # offset of the last character of the previous token
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        _check_gap(sql, end + 1, tok.start, allowed)
        joiner = "" if tok.start == end + 1 or not canonical else " "
        kind = tok.token_type
        where = At(sql, tok.start)
        before_last, last_word, previous_word = last_word, previous_word, ""

        if kind == TokenType.PARAMETER:
            name_tok = tokens[i + 1] if i + 1 < len(tokens) else None
            if name_tok is not None and name_tok.token_type == TokenType.PARAMETER:
                # @@NAME: a system function such as @@VERSION, sent as written
                name_tok = tokens[i + 2] if i + 2 < len(tokens) else None
                if not _adjacent_name(sql, tokens[i + 1], name_tok):
                    refuse(f"Stray '@@' at {where}.", allowed)
                assert name_tok is not None
                text = "@@" + name_tok.text
                _append(canonical, sent, joiner, text, text)
                end = name_tok.end
                i += 3
                continue
            if not _adjacent_name(sql, tok, name_tok):
                refuse(
                    f"Stray '@' at {where}: parameters are written @name, with no space.",
                    allowed,
                )
            assert name_tok is not None
            # `@Id` and `@ID` are one parameter (parameters.bind_params): one spelling, so
            # that a batch declaring them declares it once
            params.append(spellings.setdefault(name_tok.text.casefold(), name_tok.text))
            _append(canonical, sent, joiner, "@" + name_tok.text, "?")
            end = name_tok.end
            i += 2
            continue

        if kind == TokenType.STRING:
            text = "'" + tok.text.replace("'", "''") + "'"
            _append(canonical, sent, joiner, text, text)
        elif kind == TokenType.NATIONAL_STRING:
            text = "N'" + tok.text.replace("'", "''") + "'"
            _append(canonical, sent, joiner, text, text)
        elif kind == TokenType.IDENTIFIER:
            if sql[tok.start] not in '["':
                refuse(f"Unexpected text {sql[tok.start : tok.end + 1]!r} at {where}.", allowed)
            check_name(tok.text, where, allowed)
            text = "[" + tok.text.replace("]", "]]") + "]"
            _append(canonical, sent, joiner, text, text)
        elif kind in (TokenType.L_BRACE, TokenType.R_BRACE):
            refuse(
                f"Braces at {where}: ODBC escape sequences ({{call ...}}, {{fn ...}}) are refused.",
                allowed,
            )
        elif kind == TokenType.PLACEHOLDER:
            refuse(f"'?' at {where}: write parameters as @name.", allowed)
        elif kind == TokenType.SEMICOLON and not canonical:
            pass  # `;WITH ...`: T-SQL habit ends the statement before a CTE; dropped
        elif kind == TokenType.SEMICOLON:
            if any(t.token_type != TokenType.SEMICOLON for t in tokens[i:]):
                refuse(
                    f"A second statement follows the semicolon at {where}; "
                    "send one statement per call.",
                    allowed,
                )
            _check_gap(sql, tok.end + 1, len(sql), allowed, skip_semicolons=True)
            break
        else:
            text = sql[tok.start : tok.end + 1]
            if not _CODE_TOKEN.fullmatch(text):
                refuse(
                    f"Unexpected text {text[:40]!r} at {where}: outside strings and "
                    "[bracketed names] only ASCII letters, digits and operators are "
                    "allowed (look-alike and full-width characters are refused; "
                    "bracket-quote names with other letters, e.g. [Größe]).",
                    allowed,
                )
            text = " ".join(text.split())
            words = text.upper().split()
            opened = keywords
            if calls and calls[-1] in ARGUMENT_KEYWORDS and last_word in ("(", ","):
                opened = keywords | ARGUMENT_KEYWORDS[calls[-1]]
            for word in words:
                _check_word(word, opened, write_kinds, where, allowed)
            _check_context(words, last_word, where, allowed)
            _append(canonical, sent, joiner, text, text)
            if text == "(":
                depth += 1
                calls.append(_call_name(last_word, before_last))
                if depth > MAX_NESTING:
                    refuse(
                        f"The statement nests parentheses more than {MAX_NESTING} deep.",
                        allowed,
                    )
            elif text == ")":
                depth -= 1
                if calls:
                    calls.pop()
            if words and words[0] == "SELECT" and depth == 0 and last_word not in _SET_OPERATORS:
                top_selects += 1
            dml_words += sum(word in _DML_WORDS for word in words)
            if write_kinds is not None and depth == 0:
                _check_clause_once(words, clauses, where, allowed)
            if words:
                previous_word = words[-1]
        end = tok.end
        i += 1
    else:
        _check_gap(sql, end + 1, len(sql), allowed)

    _check_statement_count(top_selects, dml_words, write_kinds, allowed)
    return Scanned(
        canonical="".join(canonical),
        sent="".join(sent),
        param_names=tuple(params),
    )


def check_dialect(sql: str, tokens: list[Token], allowed: str) -> None:
    """Other dialects' habits, refused with the T-SQL to write (SQL Server would answer
    only "Incorrect syntax near ..."): a LIMIT clause, a `::` cast, backtick quotes.
    LIMIT is no keyword in T-SQL: a name LIMIT (a column, a table) is followed by no
    number or parameter. `::` is T-SQL for a CLR type's static member
    (`geography::Point(...)`), never followed by a data type."""
    from sqlglot.parser import Parser
    from sqlglot.tokens import TokenType

    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.UNKNOWN and tok.text == "`":
            refuse(
                f"Backtick at {At(sql, tok.start)}: T-SQL quotes names with [brackets] (or"
                " double quotes), e.g. SELECT [order] FROM [SalesLT].[Customer].",
                allowed,
            )
        if (
            tok.token_type == TokenType.DCOLON
            and i + 1 < len(tokens)
            and tokens[i + 1].token_type in Parser.TYPE_TOKENS
            and tokens[i + 1].token_type != TokenType.NULL
        ):
            refuse(
                f"'::' at {At(sql, tok.start)}: T-SQL has no :: cast. Write"
                f" CAST(value AS {tokens[i + 1].text}) or TRY_CAST(...), which gives NULL"
                " where the value does not convert.",
                allowed,
            )
    for i, tok in enumerate(tokens[:-1]):
        if tok.token_type == TokenType.LIMIT and tokens[i + 1].token_type.name in _LIMIT_OPERANDS:
            if i and tokens[i - 1].token_type == TokenType.DOT:
                continue
            refuse(
                f"LIMIT at {At(sql, tok.start)}: T-SQL has no LIMIT clause. Write SELECT"
                " TOP (10) ... ORDER BY ..., or, for pages, ORDER BY a unique key (or columns"
                " unique together) OFFSET 0 ROWS FETCH NEXT 10 ROWS ONLY: rows tied on the"
                " order may repeat or go missing between pages.",
                allowed,
            )


def token_key(tokens: list[Token]) -> list[tuple[object, str]]:
    """`tokens` as the parser reads them (type and text), to compare two tokenizations."""
    return [(tok.token_type, tok.text) for tok in tokens]


def _append(
    canonical: list[str], sent: list[str], joiner: str, canonical_text: str, sent_text: str
) -> None:
    canonical.append(joiner + canonical_text)
    sent.append(joiner + sent_text)


def _adjacent_name(sql: str, at: Token, name: Token | None) -> bool:
    """True when `name` is a plain name written right after the '@' token `at`."""
    if name is None or name.start != at.end + 1:
        return False
    return re.fullmatch(r"[A-Za-z_#$][A-Za-z0-9_@#$]*", sql[name.start : name.end + 1]) is not None


def _check_word(
    word: str,
    keywords: frozenset[str],
    write_kinds: frozenset[str] | None,
    where: At,
    allowed: str,
) -> None:
    upper = word.upper()
    if (upper in RESERVED_KEYWORDS and upper not in keywords) or upper in DENIED_WORDS:
        scope = "a read-only query" if write_kinds is None else "a write statement"
        why = WHY.get(upper, "")
        refuse(f"{upper} at {where} is not allowed in {scope}. {why}".rstrip(), allowed)
    if upper.startswith("$") and not _DOLLAR_WORD.fullmatch(upper):
        refuse(f"Unexpected word {word!r} at {where}.", allowed)
    check_name(word, where, allowed)


def _call_name(name: str, before: str) -> str:
    """The built-in of ARGUMENT_KEYWORDS a `(` after `name` opens, or "": XMLNAMESPACES
    only right after WITH, neither after a dot or `::` (a method or a user's function)."""
    if name == "XMLNAMESPACES" and before != "WITH":
        return ""
    return name if name in ARGUMENT_KEYWORDS and before not in (".", "::") else ""


def _check_clause_once(words: list[str], seen: set[str], where: At, allowed: str) -> None:
    """Outside parentheses, a write has one SET list, and no INTO after an OUTPUT word.
    sqlglot keeps only the last SET list and the last OUTPUT clause, so in
    `UPDATE t SET a = (...) WHERE ... SET @p = 1` the tree would hold `@p = 1` alone while
    SQL Server runs the UPDATE as written and then a second statement, and in
    `OUTPUT inserted.a INTO u OUTPUT inserted.a` the INTO would be lost. (OUTPUT is not
    reserved, so a column may be named output: only the INTO after it counts.)"""
    for word in words:
        if word == "SET":
            if word in seen:
                refuse(
                    f"A second SET at {where}: a write takes one SET list, and what follows"
                    " would run as another statement.",
                    allowed,
                )
            seen.add(word)
        elif word == "OUTPUT":
            seen.add(word)
        elif word == "INTO" and "OUTPUT" in seen:
            refuse(
                f"INTO at {where}, after OUTPUT: OUTPUT ... INTO writes to a second table.",
                allowed,
            )


def _check_context(words: list[str], last_word: str, where: At, allowed: str) -> None:
    """Allowed words that would start another statement after the wrong predecessor."""
    if words[:1] == ["FETCH"] and last_word not in ("ROW", "ROWS"):
        refuse(f"FETCH at {where} is allowed only in OFFSET ... ROWS FETCH ...", allowed)
    if words[:1] == ["VALUE"] and last_word == "NEXT":
        refuse("NEXT VALUE FOR advances a sequence, which no rollback undoes.", allowed)


def check_name(name: str, where: At | str, allowed: str) -> None:
    """Refuse a name of a system or extended procedure (sp_..., xp_...)."""
    if name.upper().startswith(_PROCEDURE_PREFIXES):
        refuse(
            f"{name} ({where}): system and extended procedures (sp_..., xp_...) are refused.",
            allowed,
        )


def _check_gap(
    sql: str, start: int, end: int, allowed: str, *, skip_semicolons: bool = False
) -> None:
    """Between two tokens only whitespace and (non-nested) comments may appear."""
    i = start
    while i < end:
        ch = sql[i]
        if ch in " \t\r\n" or (skip_semicolons and ch == ";"):
            i += 1
        elif sql.startswith("--", i):
            newline = sql.find("\n", i, end)
            if newline < 0 and end != len(sql):
                refuse(f"A -- comment at {position(sql, i)} ends unexpectedly.", allowed)
            i = end if newline < 0 else newline + 1
        elif sql.startswith("/*", i):
            close = sql.find("*/", i + 2, end)
            if close < 0:
                refuse(f"Unterminated or misplaced /* comment at {position(sql, i)}.", allowed)
            if "/*" in sql[i + 2 : close]:
                refuse(
                    f"Nested block comment at {position(sql, i)}: T-SQL nests /* */ "
                    "comments, so they are refused.",
                    allowed,
                )
            i = close + 2
        else:
            refuse(
                f"Unexpected character {ch!r} at {position(sql, i)} (only ASCII whitespace "
                "and comments may separate tokens).",
                allowed,
            )


def _check_statement_count(
    top_selects: int, dml_words: int, write_kinds: frozenset[str] | None, allowed: str
) -> None:
    if write_kinds is None:
        if top_selects > 1:
            refuse(
                "The text holds more than one SELECT statement (T-SQL needs no semicolon "
                "between statements); send one statement, combine results with UNION or "
                "subqueries.",
                allowed,
            )
        return
    if dml_words == 0:
        refuse("This is not an INSERT, UPDATE or DELETE statement.", allowed)
    if dml_words != 1:
        refuse(
            f"The text holds {dml_words} INSERT/UPDATE/DELETE/MERGE keywords; send exactly "
            "one data-changing statement per call"
            + advice("execute_batch", " (several go to execute_batch)")
            + ".",
            allowed,
        )
    if top_selects > 1:
        refuse("The text holds more than one statement.", allowed)


@dataclass(frozen=True)
class At:
    """A position in the statement, spelled out only when a refusal names it."""

    sql: str
    offset: int

    def __str__(self) -> str:
        return position(self.sql, self.offset)


def position(sql: str, offset: int) -> str:
    """`offset` in `sql` as a refusal names it: line and column, from 1."""
    line = sql.count("\n", 0, offset) + 1
    column = offset - (sql.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"
