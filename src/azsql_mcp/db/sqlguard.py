"""The SQL safety guard: decides whether a statement may reach the database.

A statement is checked in three layers, and only what passed all three is sent:

1. Characters: size cap; no control, invisible, bidi or private-use characters;
   outside string literals and quoted names only ASCII (no look-alikes).
2. Tokens (sqlglot's T-SQL tokenizer): the text between tokens must be only
   whitespace and comments; every unquoted word that is a T-SQL reserved keyword
   must be one the statement kind may use (so `SELECT 1 DELETE FROM t`, which
   sqlglot reads as an alias but SQL Server as a second statement, is refused);
   no ODBC escapes, `?` markers, `xp_`/`sp_` names, write-locking hints, `GO`.
3. Tree (sqlglot's T-SQL parser): exactly one statement of an allowed kind, and
   nothing dangerous anywhere inside it (DML in CTEs, SELECT INTO, linked servers...),
   nor anything outside what it may reach (`sqlpolicy`: other databases, system
   objects that read files or credentials, server state, lock hints, RAND(seed)).

What runs is what was checked: the text sent is rebuilt from the checked tokens
(comments dropped, strings and quoted names re-quoted canonically, `@name` as `?`),
then tokenized again and compared with the checked tokens, which are all the parser
saw. So text the tokenizer skipped (comments) or read as data never reaches SQL
Server as code, and reserved keywords are refused wherever the parser put them
(docs/security.md explains the choice). The text is not regenerated
from the tree because sqlglot's T-SQL generator changes meaning (measured on 30.30:
SYSDATETIME() becomes GETDATE(), SYSTEM_USER becomes CURRENT_USER(),
APPROX_COUNT_DISTINCT becomes APPROX_DISTINCT).

sqlglot is imported inside functions: importing this module must stay cheap.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NoReturn

from azsql_mcp.api import QueryRefused
from azsql_mcp.db import write_filters
from azsql_mcp.db.guardcache import VERDICTS, Refusal, check_key, remember, settle
from azsql_mcp.db.sql_dml import DML_TOP, dml_top, parser_tokens
from azsql_mcp.db.sqlpolicy import STRICT, ReadPolicy, check_reach
from azsql_mcp.db.statements import CheckedStatement, Rules, StatementKind

if TYPE_CHECKING:
    from sqlglot import exp
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.tokens import Token

WRITE_KINDS: frozenset[str] = frozenset({"insert", "update", "delete"})

MAX_SQL_CHARS = 100_000
# Parentheses (calls, subqueries, grouping) nest at most this deep. sqlglot parses and
# compares trees recursively: 32 levels stay well inside Python's recursion limit
# (about 47 levels of function calls, measured with sqlglot 30.30, fail).
MAX_NESTING = 32

ALLOWED_SELECT = (
    "one SELECT statement (CTEs, UNION/INTERSECT/EXCEPT, FOR JSON/XML allowed); "
    "values as @name parameters"
)

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

# Not reserved, yet refused as unquoted words: statement starters SQL Server accepts
# after an expression without a semicolon, the client-side batch separator, and
# table hints that take write locks.
DENIED_WORDS: frozenset[str] = frozenset(
    {"GO", "THROW", "RECEIVE", "SEND", "GET", "MOVE", "ENABLE", "DISABLE", "CONVERSATION"}
    | {"UPDLOCK", "XLOCK", "TABLOCKX"}
)
# Words that start with `$`: money literals and the pseudo-columns T-SQL defines.
_DOLLAR_WORD = re.compile(
    r"\$(?:\d*|IDENTITY|ROWGUID|PARTITION|ACTION|NODE_ID|EDGE_ID|FROM_ID|TO_ID)", re.I
)

# Reserved words that sqlglot parses as a name where SQL Server reads the same keyword
# (niladic functions such as USER, and DEFAULT in `SET col = DEFAULT`).
KEYWORDS_PARSED_AS_NAMES: frozenset[str] = frozenset(
    {"USER", "SESSION_USER", "SYSTEM_USER", "CURRENT_USER", "CURRENT_TIMESTAMP", "DEFAULT"}
)

# Reserved words that stand for a column, the deprecated spellings of $IDENTITY and
# $ROWGUID: SQL Server reads them so where a column's name stands (`t.IDENTITYCOL`).
PSEUDO_COLUMN_KEYWORDS: dict[str, str] = {
    "IDENTITYCOL": "the identity column ($IDENTITY)",
    "ROWGUIDCOL": "the ROWGUIDCOL column ($ROWGUID)",
}

EXTERNAL_DATA_FUNCTIONS: frozenset[str] = frozenset(
    {"OPENROWSET", "OPENQUERY", "OPENDATASOURCE", "OPENXML"}
)

_WHY: dict[str, str] = {
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
}
for _word in EXTERNAL_DATA_FUNCTIONS:
    _WHY[_word] = f"{_word} reaches data outside the database (linked servers, files)."
for _word in ("BEGIN", "COMMIT", "ROLLBACK", "SAVE", "TRAN", "TRANSACTION"):
    _WHY[_word] = "Transactions are managed by the server, not by statements."

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
_CONTROL_OK = frozenset("\t\n\r")
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def check_select(sql: str, *, policy: ReadPolicy = STRICT) -> CheckedStatement:
    """Accept exactly one read-only SELECT, or raise QueryRefused saying why.

    `policy` says which databases and server state the statement may reach; the
    default reaches no other database and no server state.
    """
    return _checked(sql, Rules.read(policy))


def check_write(
    sql: str,
    kinds: Collection[str],
    *,
    allow_unfiltered: bool,
    policy: ReadPolicy = STRICT,
    non_nullable: Collection[str] = (),
) -> CheckedStatement:
    """Accept exactly one INSERT/UPDATE/DELETE of one of `kinds`, or raise QueryRefused.

    UPDATE and DELETE need a WHERE clause that filters unless `allow_unfiltered`: one
    that references a column and is not always true (`WHERE id = id`, `WHERE 1 = 1 OR
    a = 1`, or `WHERE c IS NOT NULL` where `c` is one of `non_nullable`, the
    columns the catalog says cannot be NULL; the caller looks them up from
    `not_null_tests` and `tables` of a first check), and that, with the INNER JOINs'
    ON conditions, tests a column of the table changed (write_filters.py).
    """
    columns = frozenset(c.casefold() for c in non_nullable)
    return _checked(sql, Rules(write_kinds(kinds), allow_unfiltered, policy, columns))


def write_kinds(kinds: Collection[str]) -> frozenset[str]:
    """`kinds` as check_write takes them, or ValueError."""
    wanted = frozenset(k.lower() for k in kinds)
    if not wanted or not wanted <= WRITE_KINDS:
        raise ValueError(f"kinds must be a non-empty subset of {sorted(WRITE_KINDS)}: {kinds!r}")
    return wanted


def allowed_for(write_kinds: frozenset[str] | None) -> str:
    """What a refusal says is allowed, for a read (None) or these write kinds."""
    return ALLOWED_SELECT if write_kinds is None else _allowed_write(write_kinds)


def fingerprint(sql: str) -> str:
    """A 16-hex-digit hash of the statement with literals, comments and case normalized."""
    # Audit asks for it on every call, and tools repeat their statements: remember them.
    key = ("fingerprint", sql)
    found = VERDICTS.get(key)
    if not isinstance(found, str):
        found = compute_fingerprint(sql)
        VERDICTS.put(key, found, len(sql) + 16)
    return found


def compute_fingerprint(sql: str) -> str:
    """`fingerprint` without the cache (guardworker computes it in its worker process)."""
    from sqlglot.errors import TokenError

    try:
        tokens = _dialect().tokenize(sql)
    except TokenError:
        return _hash(_rough_normal_form(sql))
    return _hash(_normal_form(sql, tokens))


# --- the check ----------------------------------------------------------------------


@dataclass
class _Scanned:
    canonical: str  # the checked tokens, re-joined, parameters still as @name
    sent: str  # the same with `?` for each parameter
    param_names: tuple[str, ...]


def _checked(sql: str, rules: Rules) -> CheckedStatement:
    # Tools repeat the same statements with new parameter values: remember the verdicts,
    # refusals included (guardcache.py).
    key = check_key(sql, rules)
    verdict = VERDICTS.get(key)
    if not isinstance(verdict, CheckedStatement | Refusal):
        verdict = compute_verdict(sql, rules)
        remember(key, verdict)
    return settle(verdict)


def compute_verdict(sql: str, rules: Rules) -> CheckedStatement | Refusal:
    """The check without the cache: the accepted statement or the refusal."""
    try:
        return _check(
            sql, rules.write_kinds, rules.allow_unfiltered, rules.policy, rules.non_nullable
        )
    except QueryRefused as exc:
        return Refusal(exc.reason, exc.allowed)


def _check(
    sql: str,
    write_kinds: frozenset[str] | None,
    allow_unfiltered: bool,
    policy: ReadPolicy,
    non_nullable: frozenset[str],
) -> CheckedStatement:
    from sqlglot import exp
    from sqlglot.errors import ParseError, TokenError
    from sqlglot.tokens import TokenType

    allowed = allowed_for(write_kinds)
    _check_characters(sql, allowed)
    dialect = _dialect()
    try:
        tokens = dialect.tokenize(sql)
    except TokenError:
        _refuse(
            "The statement could not be tokenized as T-SQL (an unterminated string, "
            "quoted name or comment?).",
            allowed,
        )
    # Trailing semicolons end the statement; _scan refuses anything after the first one.
    statement = [tok for tok in tokens if tok.token_type != TokenType.SEMICOLON]
    if not statement:
        _refuse("The statement is empty (only whitespace, comments or semicolons).", allowed)
    _check_dialect(sql, tokens, allowed)
    scanned = _scan(sql, tokens, write_kinds, allowed)
    # What runs must be what was checked: the rebuilt text must tokenize to the same
    # tokens (the parser sees nothing else), so SQL Server gets the statement the tree shows.
    try:
        resent = dialect.tokenize(scanned.canonical)
    except TokenError:
        resent = []
    if _token_key(resent) != _token_key(statement):
        _refuse(
            "The statement reads differently once comments are removed "
            "(a comment inside a keyword or name?).",
            allowed,
        )
    if (top := dml_top(statement)) is not None:
        _refuse(f"TOP at {_At(sql, top.start)}{DML_TOP}", allowed)
    try:
        tree = _parse_one(dialect.parser().parse(parser_tokens(statement), sql), allowed)
    except ParseError as exc:
        _refuse(f"The statement does not parse as T-SQL: {_describe(exc)}", allowed)
    except RecursionError:
        _refuse("The statement is nested too deeply to check.", allowed)
    try:
        _check_tree(tree, allowed)
        check_reach(tree, policy, allowed)
        if _count_parameters(tree) != len(scanned.param_names):
            _refuse("A parameter is used where a value cannot go.", allowed)
        not_null_tests: tuple[str, ...] = ()
        tables: tuple[tuple[str, ...], ...] = ()
        updated: tuple[str, ...] = ()
        target: tuple[str, ...] = ()
        if write_kinds is None:
            kind, has_where = _check_select_tree(tree, allowed)
        else:
            changed = write_filters.target(tree, policy.database)
            kind, has_where = _check_write_tree(
                tree, changed, write_kinds, allow_unfiltered, non_nullable, allowed
            )
            not_null_tests = write_filters.not_null_tests(*write_filters.conditions(tree))
            tables = write_filters.table_names(tree)
            target = changed.parts
            if isinstance(tree, exp.Update):  # a method call (xml modify, .WRITE) sets no key
                updated = tuple(
                    e.this.name
                    for e in tree.expressions
                    if isinstance(e, exp.EQ) and isinstance(e.this, exp.Column)
                )
    except RecursionError:
        _refuse("The statement is nested too deeply to check (CASE in CASE?).", allowed)
    return CheckedStatement(
        sql=scanned.sent,
        # without parameters the two are one text: keep one (the verdict cache holds it)
        named=scanned.canonical if scanned.param_names else scanned.sent,
        param_names=scanned.param_names,
        kind=kind,
        has_where=has_where,
        fingerprint=_hash(_normal_form(sql, tokens)),
        not_null_tests=not_null_tests,
        tables=tables,
        updated_columns=updated,
        target=target,
    )


def _allowed_write(kinds: frozenset[str]) -> str:
    names = "/".join(k.upper() for k in ("insert", "update", "delete") if k in kinds)
    return (
        f"one {names} statement (subqueries may SELECT; UPDATE and DELETE need a WHERE "
        "clause); values as @name parameters"
    )


def _refuse(reason: str, allowed: str) -> NoReturn:
    raise QueryRefused(reason, allowed)


def load() -> None:
    """Import sqlglot and build its T-SQL dialect, which the first check does anyway."""
    _dialect()


@lru_cache(maxsize=1)
def _dialect() -> Dialect:
    from sqlglot.dialects.dialect import Dialect

    return Dialect.get_or_raise("tsql")


# --- layer 1: characters -----------------------------------------------------------------


def _check_characters(sql: str, allowed: str) -> None:
    if len(sql) > MAX_SQL_CHARS:
        _refuse(
            f"The statement is {len(sql)} characters long; the limit is {MAX_SQL_CHARS}. "
            "Shorten it, or pass long value lists as @name parameters.",
            allowed,
        )
    if not sql.strip():
        _refuse("The statement is empty.", allowed)
    for ch in set(sql):
        if ch in _CONTROL_OK or " " <= ch <= "~":
            continue
        if unicodedata.category(ch) in _BAD_CATEGORIES:
            where = _position(sql, sql.index(ch))
            _refuse(
                f"The statement contains the invisible or control character U+{ord(ch):04X} "
                f"({unicodedata.name(ch, 'a control character')}) at {where}. Remove it; "
                f"inside a string write NCHAR({ord(ch)}) instead.",
                allowed,
            )
    bare_cr = re.search(r"\r(?!\n)", sql)
    if bare_cr:
        _refuse(
            f"The statement contains a carriage return without a line feed at "
            f"{_position(sql, bare_cr.start())}. End lines with \\n or \\r\\n.",
            allowed,
        )


# --- layer 2: tokens ---------------------------------------------------------------------


def _scan(
    sql: str, tokens: list[Token], write_kinds: frozenset[str] | None, allowed: str
) -> _Scanned:
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
    end = -1  # offset of the last character of the previous token
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        _check_gap(sql, end + 1, tok.start, allowed)
        joiner = "" if tok.start == end + 1 or not canonical else " "
        kind = tok.token_type
        where = _At(sql, tok.start)
        last_word, previous_word = previous_word, ""

        if kind == TokenType.PARAMETER:
            name_tok = tokens[i + 1] if i + 1 < len(tokens) else None
            if name_tok is not None and name_tok.token_type == TokenType.PARAMETER:
                # @@NAME: a system function such as @@VERSION, sent as written
                name_tok = tokens[i + 2] if i + 2 < len(tokens) else None
                if not _adjacent_name(sql, tokens[i + 1], name_tok):
                    _refuse(f"Stray '@@' at {where}.", allowed)
                assert name_tok is not None
                text = "@@" + name_tok.text
                _append(canonical, sent, joiner, text, text)
                end = name_tok.end
                i += 3
                continue
            if not _adjacent_name(sql, tok, name_tok):
                _refuse(
                    f"Stray '@' at {where}: parameters are written @name, with no space.",
                    allowed,
                )
            assert name_tok is not None
            # `@Id` and `@ID` are one parameter (database.bind_params): one spelling, so
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
                _refuse(f"Unexpected text {sql[tok.start : tok.end + 1]!r} at {where}.", allowed)
            _check_name(tok.text, where, allowed)
            text = "[" + tok.text.replace("]", "]]") + "]"
            _append(canonical, sent, joiner, text, text)
        elif kind in (TokenType.L_BRACE, TokenType.R_BRACE):
            _refuse(
                f"Braces at {where}: ODBC escape sequences ({{call ...}}, {{fn ...}}) are refused.",
                allowed,
            )
        elif kind == TokenType.PLACEHOLDER:
            _refuse(f"'?' at {where}: write parameters as @name.", allowed)
        elif kind == TokenType.SEMICOLON and not canonical:
            pass  # `;WITH ...`: T-SQL habit ends the statement before a CTE; dropped
        elif kind == TokenType.SEMICOLON:
            if any(t.token_type != TokenType.SEMICOLON for t in tokens[i:]):
                _refuse(
                    f"A second statement follows the semicolon at {where}; "
                    "send one statement per call.",
                    allowed,
                )
            _check_gap(sql, tok.end + 1, len(sql), allowed, skip_semicolons=True)
            break
        else:
            text = sql[tok.start : tok.end + 1]
            if not _CODE_TOKEN.fullmatch(text):
                _refuse(
                    f"Unexpected text {text[:40]!r} at {where}: outside strings and "
                    "[bracketed names] only ASCII letters, digits and operators are "
                    "allowed (look-alike and full-width characters are refused; "
                    "bracket-quote names with other letters, e.g. [Größe]).",
                    allowed,
                )
            text = " ".join(text.split())
            words = text.upper().split()
            for word in words:
                _check_word(word, keywords, write_kinds, where, allowed)
            _check_context(words, last_word, where, allowed)
            _append(canonical, sent, joiner, text, text)
            if text == "(":
                depth += 1
                if depth > MAX_NESTING:
                    _refuse(
                        f"The statement nests parentheses more than {MAX_NESTING} deep.",
                        allowed,
                    )
            elif text == ")":
                depth -= 1
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
    return _Scanned(
        canonical="".join(canonical),
        sent="".join(sent),
        param_names=tuple(params),
    )


def _check_dialect(sql: str, tokens: list[Token], allowed: str) -> None:
    """Other dialects' habits, refused with the T-SQL to write (SQL Server would answer
    only "Incorrect syntax near ..."): a LIMIT clause, a `::` cast, backtick quotes.
    LIMIT is no keyword in T-SQL: a name LIMIT (a column, a table) is followed by no
    number or parameter. `::` is T-SQL for a CLR type's static member
    (`geography::Point(...)`), never followed by a data type."""
    from sqlglot.parser import Parser
    from sqlglot.tokens import TokenType

    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.UNKNOWN and tok.text == "`":
            _refuse(
                f"Backtick at {_At(sql, tok.start)}: T-SQL quotes names with [brackets] (or"
                " double quotes), e.g. SELECT [order] FROM [SalesLT].[Customer].",
                allowed,
            )
        if (
            tok.token_type == TokenType.DCOLON
            and i + 1 < len(tokens)
            and tokens[i + 1].token_type in Parser.TYPE_TOKENS
            and tokens[i + 1].token_type != TokenType.NULL
        ):
            _refuse(
                f"'::' at {_At(sql, tok.start)}: T-SQL has no :: cast. Write"
                f" CAST(value AS {tokens[i + 1].text}) or TRY_CAST(...), which gives NULL"
                " where the value does not convert.",
                allowed,
            )
    for i, tok in enumerate(tokens[:-1]):
        if tok.token_type == TokenType.LIMIT and tokens[i + 1].token_type.name in _LIMIT_OPERANDS:
            if i and tokens[i - 1].token_type == TokenType.DOT:
                continue
            _refuse(
                f"LIMIT at {_At(sql, tok.start)}: T-SQL has no LIMIT clause. Write SELECT"
                " TOP (10) ... ORDER BY ..., or, for pages, ORDER BY a unique key (or columns"
                " unique together) OFFSET 0 ROWS FETCH NEXT 10 ROWS ONLY: rows tied on the"
                " order may repeat or go missing between pages.",
                allowed,
            )


def _token_key(tokens: list[Token]) -> list[tuple[object, str]]:
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
    where: _At,
    allowed: str,
) -> None:
    upper = word.upper()
    if (upper in RESERVED_KEYWORDS and upper not in keywords) or upper in DENIED_WORDS:
        scope = "a read-only query" if write_kinds is None else "a write statement"
        why = _WHY.get(upper, "")
        _refuse(f"{upper} at {where} is not allowed in {scope}. {why}".rstrip(), allowed)
    if upper.startswith("$") and not _DOLLAR_WORD.fullmatch(upper):
        _refuse(f"Unexpected word {word!r} at {where}.", allowed)
    _check_name(word, where, allowed)


def _check_clause_once(words: list[str], seen: set[str], where: _At, allowed: str) -> None:
    """Outside parentheses, a write has one SET list, and no INTO after an OUTPUT word.
    sqlglot keeps only the last SET list and the last OUTPUT clause, so in
    `UPDATE t SET a = (...) WHERE ... SET @p = 1` the tree would hold `@p = 1` alone while
    SQL Server runs the UPDATE as written and then a second statement, and in
    `OUTPUT inserted.a INTO u OUTPUT inserted.a` the INTO would be lost. (OUTPUT is not
    reserved, so a column may be named output: only the INTO after it counts.)"""
    for word in words:
        if word == "SET":
            if word in seen:
                _refuse(
                    f"A second SET at {where}: a write takes one SET list, and what follows"
                    " would run as another statement.",
                    allowed,
                )
            seen.add(word)
        elif word == "OUTPUT":
            seen.add(word)
        elif word == "INTO" and "OUTPUT" in seen:
            _refuse(
                f"INTO at {where}, after OUTPUT: OUTPUT ... INTO writes to a second table.",
                allowed,
            )


def _check_context(words: list[str], last_word: str, where: _At, allowed: str) -> None:
    """Allowed words that would start another statement after the wrong predecessor."""
    if words[:1] == ["FETCH"] and last_word not in ("ROW", "ROWS"):
        _refuse(f"FETCH at {where} is allowed only in OFFSET ... ROWS FETCH ...", allowed)
    if words[:1] == ["VALUE"] and last_word == "NEXT":
        _refuse("NEXT VALUE FOR advances a sequence, which no rollback undoes.", allowed)


def _check_name(name: str, where: _At | str, allowed: str) -> None:
    if name.upper().startswith(_PROCEDURE_PREFIXES):
        _refuse(
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
                _refuse(f"A -- comment at {_position(sql, i)} ends unexpectedly.", allowed)
            i = end if newline < 0 else newline + 1
        elif sql.startswith("/*", i):
            close = sql.find("*/", i + 2, end)
            if close < 0:
                _refuse(f"Unterminated or misplaced /* comment at {_position(sql, i)}.", allowed)
            if "/*" in sql[i + 2 : close]:
                _refuse(
                    f"Nested block comment at {_position(sql, i)}: T-SQL nests /* */ "
                    "comments, so they are refused.",
                    allowed,
                )
            i = close + 2
        else:
            _refuse(
                f"Unexpected character {ch!r} at {_position(sql, i)} (only ASCII whitespace "
                "and comments may separate tokens).",
                allowed,
            )


def _check_statement_count(
    top_selects: int, dml_words: int, write_kinds: frozenset[str] | None, allowed: str
) -> None:
    if write_kinds is None:
        if top_selects > 1:
            _refuse(
                "The text holds more than one SELECT statement (T-SQL needs no semicolon "
                "between statements); send one statement, combine results with UNION or "
                "subqueries.",
                allowed,
            )
        return
    if dml_words == 0:
        _refuse("This is not an INSERT, UPDATE or DELETE statement.", allowed)
    if dml_words != 1:
        _refuse(
            f"The text holds {dml_words} INSERT/UPDATE/DELETE/MERGE keywords; send exactly "
            "one data-changing statement per call (several go to execute_batch).",
            allowed,
        )
    if top_selects > 1:
        _refuse("The text holds more than one statement.", allowed)


# --- layer 3: the tree --------------------------------------------------------------------


def _parse_one(statements: list[exp.Expr | None], allowed: str) -> exp.Expr:
    found = [s for s in statements if s is not None]
    if len(found) != 1:
        _refuse(f"The text holds {len(found)} statements; send exactly one.", allowed)
    return found[0]


def _check_tree(tree: exp.Expr, allowed: str) -> None:
    """Refusals common to reads and writes, anywhere in the statement."""
    from sqlglot import exp

    forbidden = (
        exp.DDL,
        exp.Drop,
        exp.Alter,
        exp.TruncateTable,
        exp.Command,
        exp.Merge,
        exp.Execute,
        exp.Declare,
        exp.Set,
        exp.Use,
        exp.Transaction,
        exp.Commit,
        exp.Rollback,
        exp.Grant,
        exp.Revoke,
        exp.Kill,
        exp.Into,
        exp.NextValueFor,
        exp.Copy,
        exp.LoadData,
        exp.Export,
    )
    for node in tree.walk():
        if isinstance(node, exp.Insert | exp.Update | exp.Delete):
            if node is tree:
                continue  # the write statement itself; check_write decides on its kind
            _refuse(f"{_node_name(node)} inside another statement (a CTE or subquery).", allowed)
        if isinstance(node, forbidden):
            if isinstance(node, exp.Into):
                _refuse("SELECT ... INTO creates a table.", allowed)
            if isinstance(node, exp.NextValueFor):
                _refuse("NEXT VALUE FOR advances a sequence, which no rollback undoes.", allowed)
            _refuse(f"{_node_name(node)} is not allowed here.", allowed)
        if isinstance(node, exp.Identifier):
            _check_identifier(node, allowed)
        elif isinstance(node, exp.Anonymous):
            name = str(node.this)
            _check_name(name, "a function name", allowed)
            if name.upper() in EXTERNAL_DATA_FUNCTIONS:
                _refuse(_WHY[name.upper()], allowed)
        elif isinstance(node, exp.Table) and isinstance(node.this, exp.Dot):
            _refuse(f"{node.sql(dialect='tsql')}: four-part names reach linked servers.", allowed)
        elif isinstance(node, exp.Returning) and node.args.get("into"):
            _refuse("OUTPUT ... INTO writes to a second table.", allowed)
        elif isinstance(node, exp.ILike):
            _refuse(
                "ILIKE: T-SQL has no ILIKE. LIKE compares by the column's collation, which is"
                " case-insensitive in most databases (a _CI_ collation); add COLLATE"
                " Latin1_General_CI_AS after the column to make sure.",
                allowed,
            )
        elif isinstance(node, exp.Query) and node.args.get("offset") and not node.args.get("order"):
            _refuse(
                "OFFSET ... FETCH needs ORDER BY in T-SQL: add ORDER BY on a unique key before"
                " OFFSET.",
                allowed,
            )


def _check_identifier(node: exp.Identifier, allowed: str) -> None:
    from sqlglot import exp

    name = node.name
    _check_name(name, "a name", allowed)
    upper = name.upper()
    if node.quoted or upper not in RESERVED_KEYWORDS or upper in KEYWORDS_PARSED_AS_NAMES:
        return
    if upper in PSEUDO_COLUMN_KEYWORDS:
        if isinstance(node.parent, exp.Column) and node.arg_key == "this":
            return  # the pseudo-column, where both read a column
        _refuse(
            f"{upper} was read as a name, but SQL Server reads it as a keyword, meaning"
            f" {PSEUDO_COLUMN_KEYWORDS[upper]} only where a column stands (`{upper}`,"
            f" `t.{upper}`). Bracket-quote a name spelled so: [{name}].",
            allowed,
        )
    _refuse(
        f"{upper} was read as a name, but SQL Server reads it as a keyword (it may start "
        f"another statement). Bracket-quote a name that is a keyword: [{name}].",
        allowed,
    )


def _check_select_tree(tree: exp.Expr, allowed: str) -> tuple[StatementKind, bool]:
    from sqlglot import exp

    if not isinstance(tree, exp.Query):
        _refuse(f"{_node_name(tree)} is not a SELECT statement.", allowed)
    for select in tree.find_all(exp.Select):
        for projection in select.expressions:
            if isinstance(projection, exp.EQ) and isinstance(projection.this, exp.Parameter):
                _refuse(
                    "SELECT @variable = ... assigns a variable; select columns instead.", allowed
                )
    return "select", _filters(tree.args.get("where"))


def _check_write_tree(
    tree: exp.Expr,
    changed: write_filters.Target,
    kinds: frozenset[str],
    allow_unfiltered: bool,
    non_nullable: frozenset[str],
    allowed: str,
) -> tuple[StatementKind, bool]:
    from sqlglot import exp

    if not isinstance(tree, exp.Insert | exp.Update | exp.Delete):
        _refuse(f"{_node_name(tree)} is not an INSERT, UPDATE or DELETE statement.", allowed)
    kind: StatementKind
    if isinstance(tree, exp.Insert):
        kind = "insert"
    elif isinstance(tree, exp.Update):
        kind = "update"
    else:
        kind = "delete"
    if kind not in kinds:
        _refuse(f"{kind.upper()} statements are not accepted by this tool.", allowed)
    if kind == "update" and any(
        isinstance(e, exp.EQ) and isinstance(e.this, exp.Parameter) for e in tree.expressions
    ):
        # `SET @v = column = value` sets the column too, unseen by the checks of what an
        # UPDATE changes (db/write_effects.py)
        _refuse("UPDATE ... SET @variable = ... assigns a variable; set columns only.", allowed)
    where = tree.args.get("where")
    has_where, restricted = write_filters.judge(tree, changed, non_nullable)
    if kind != "insert" and not has_where and not allow_unfiltered:
        found = "without a WHERE clause" if where is None else "whose WHERE clause is always true"
        _refuse(
            f"{kind.upper()} {found} would change every row (the operator has not set "
            "allow_unfiltered_writes). Filter on a column with a condition that can be "
            "false, such as WHERE id = @id; `WHERE 1 = 1`, `WHERE id = id` and "
            "`WHERE key IS NOT NULL` do not count.",
            allowed,
        )
    if kind != "insert" and has_where and not restricted:
        has_where = False
        if not allow_unfiltered:
            name = changed.label
            _refuse(
                f"{kind.upper()} whose WHERE clause tests no column of {name} (only other "
                f"tables, or none) would change every row of {name} (the operator has not "
                f"set allow_unfiltered_writes). Test a column of {name}, qualified by its "
                f"name or alias when the statement reads other tables (WHERE {name}.id = "
                f"@id), or join the other table with INNER JOIN ... ON a condition on a "
                f"column of {name}; a CROSS JOIN, an outer join's ON and a derived table "
                "do not count.",
                allowed,
            )
    return kind, has_where


def _filters(where: exp.Expr | None) -> bool:
    """A WHERE clause filters only if it references a column (WHERE 1=1 does not)."""
    from sqlglot import exp

    return where is not None and where.find(exp.Column) is not None


def _count_parameters(tree: exp.Expr) -> int:
    """@name parameters in the tree; @@NAME system functions are not parameters."""
    from sqlglot import exp

    return sum(
        1
        for node in tree.find_all(exp.Parameter)
        if not isinstance(node.this, exp.Parameter) and not isinstance(node.parent, exp.Parameter)
    )


def _node_name(node: exp.Expr) -> str:
    from sqlglot import exp

    if isinstance(node, exp.Command):
        return str(node.this).upper()
    return type(node).__name__.upper()


def _describe(exc: Exception) -> str:
    errors = getattr(exc, "errors", None) or []
    if not errors:
        return str(exc).splitlines()[0]
    first = errors[0]
    description = str(first.get("description", "")).split(" but got <Token")[0]
    description = re.sub(r"<class '[\w.]*?(\w+)'>", r"\1", description)
    near = first.get("highlight")
    return f"{description} at line {first.get('line')}, column {first.get('col')}" + (
        f" (near {near!r})." if near else "."
    )


# --- helpers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _At:
    """A position in the statement, spelled out only when a refusal names it."""

    sql: str
    offset: int

    def __str__(self) -> str:
        return _position(self.sql, self.offset)


def _position(sql: str, offset: int) -> str:
    line = sql.count("\n", 0, offset) + 1
    column = offset - (sql.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def _normal_name(name: str) -> str:
    upper = name.upper()
    return upper if re.fullmatch(r"[A-Z_#$][A-Z0-9_@#$]*", upper) else f"[{upper}]"


def _normal_form(sql: str, tokens: list[Token]) -> str:
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


def _rough_normal_form(sql: str) -> str:
    """For text the tokenizer rejects: drop comments, strings and numbers by pattern."""
    text = re.sub(r"--[^\n]*|/\*.*?(\*/|$)", " ", sql, flags=re.S)
    text = re.sub(r"[Nn]?'(?:[^']|'')*'?|\b0[xX][0-9A-Fa-f]*|\b\d+(?:\.\d*)?", "?", text)
    return " ".join(text.upper().split())


def _hash(normal_form: str) -> str:
    return hashlib.sha256(normal_form.encode("utf-8")).hexdigest()[:16]
