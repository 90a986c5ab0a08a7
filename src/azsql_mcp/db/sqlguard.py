"""The SQL safety guard: decides whether a statement may reach the database.

A statement is checked in three layers, and only what passed all three is sent:

1. Characters: size cap; no control, invisible, bidi or private-use characters;
   outside string literals and quoted names only ASCII (no look-alikes).
2. Tokens (sqlglot's T-SQL tokenizer; guardtokens.py): the text between tokens must
   be only whitespace and comments; every unquoted word that is a T-SQL reserved
   keyword must be one the statement kind may use (so `SELECT 1 DELETE FROM t`, which
   sqlglot reads as an alias but SQL Server as a second statement, is refused);
   no ODBC escapes, `?` markers, `xp_`/`sp_` names, write-locking hints, `GO`.
3. Tree (sqlglot's T-SQL parser, taught in guard_dialect.py the valid reads it cannot
   parse alone, such as PARSE ... USING and CHANGETABLE): exactly one statement of an
   allowed kind, and nothing dangerous anywhere inside it (DML in CTEs, SELECT INTO,
   linked servers...), nor anything outside what it may reach (`sqlpolicy`: other
   databases, system objects that read files or credentials, server state, lock
   hints, RAND(seed)).

What runs is what was checked: the text sent is rebuilt from the checked tokens
(comments dropped, strings and quoted names re-quoted canonically, `@name` as `?`),
then tokenized again and compared with the checked tokens, which are all the parser
saw. So text the tokenizer skipped (comments) or read as data never reaches SQL
Server as code, and reserved keywords are refused wherever the parser put them
(docs/statement-guard.md explains the choice). The text is not regenerated
from the tree because sqlglot's T-SQL generator changes meaning (measured on 30.30:
SYSDATETIME() becomes GETDATE(), SYSTEM_USER becomes CURRENT_USER(),
APPROX_COUNT_DISTINCT becomes APPROX_DISTINCT).

Layers 1 and 3 are here, layer 2 in guardtokens.py; the normal form a statement's
fingerprint hashes is in normalform.py.

sqlglot is imported inside functions: importing this module must stay cheap.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection
from functools import lru_cache
from typing import TYPE_CHECKING

from azsql_mcp.api import QueryRefused
from azsql_mcp.db import write_filters, write_reading
from azsql_mcp.db.guardcache import VERDICTS, Refusal, check_key, remember, settle
from azsql_mcp.db.guardtokens import (
    EXTERNAL_CALLS,
    RESERVED_KEYWORDS,
    WHY,
    At,
    check_dialect,
    check_name,
    position,
    scan,
    token_key,
)
from azsql_mcp.db.normalform import normal_form, rough_normal_form
from azsql_mcp.db.sql_dml import DML_TOP, dml_top, parser_tokens
from azsql_mcp.db.sqlpolicy import STRICT, ReadPolicy, check_reach, refuse
from azsql_mcp.db.statements import CheckedStatement, Rules, StatementKind

if TYPE_CHECKING:
    from sqlglot import exp
    from sqlglot.dialects.dialect import Dialect

WRITE_KINDS: frozenset[str] = frozenset({"insert", "update", "delete"})

MAX_SQL_CHARS = 100_000

ALLOWED_SELECT = (
    "one SELECT statement (CTEs, UNION/INTERSECT/EXCEPT, FOR JSON/XML allowed); "
    "values as @name parameters"
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
        return _hash(rough_normal_form(sql))
    return _hash(normal_form(sql, tokens))


# --- the check ----------------------------------------------------------------------


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
        refuse(
            "The statement could not be tokenized as T-SQL (an unterminated string, "
            "quoted name or comment?).",
            allowed,
        )
    # Trailing semicolons end the statement; scan refuses anything after the first one.
    statement = [tok for tok in tokens if tok.token_type != TokenType.SEMICOLON]
    if not statement:
        refuse("The statement is empty (only whitespace, comments or semicolons).", allowed)
    check_dialect(sql, tokens, allowed)
    scanned = scan(sql, tokens, write_kinds, allowed)
    # What runs must be what was checked: the rebuilt text must tokenize to the same
    # tokens (the parser sees nothing else), so SQL Server gets the statement the tree shows.
    try:
        resent = dialect.tokenize(scanned.canonical)
    except TokenError:
        resent = []
    if token_key(resent) != token_key(statement):
        refuse(
            "The statement reads differently once comments are removed "
            "(a comment inside a keyword or name?).",
            allowed,
        )
    if (top := dml_top(statement)) is not None:
        refuse(f"TOP at {At(sql, top.start)}{DML_TOP}", allowed)
    try:
        tree = _parse_one(dialect.parser().parse(parser_tokens(statement), sql), allowed)
    except ParseError as exc:
        refuse(f"The statement does not parse as T-SQL: {_describe(exc)}", allowed)
    except RecursionError:
        refuse("The statement is nested too deeply to check.", allowed)
    try:
        _check_tree(tree, allowed)
        check_reach(tree, policy, allowed)
        if _count_parameters(tree) != len(scanned.param_names):
            refuse("A parameter is used where a value cannot go.", allowed)
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
        refuse("The statement is nested too deeply to check (CASE in CASE?).", allowed)
    return CheckedStatement(
        sql=scanned.sent,
        # without parameters the two are one text: keep one (the verdict cache holds it)
        named=scanned.canonical if scanned.param_names else scanned.sent,
        param_names=scanned.param_names,
        kind=kind,
        has_where=has_where,
        fingerprint=_hash(normal_form(sql, tokens)),
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


def load() -> None:
    """Import sqlglot and build its T-SQL dialect, which the first check does anyway."""
    _dialect()


@lru_cache(maxsize=1)
def _dialect() -> Dialect:
    from azsql_mcp.db.guard_dialect import GuardTSQL

    return GuardTSQL()


# --- layer 1: characters -----------------------------------------------------------------


def _check_characters(sql: str, allowed: str) -> None:
    if len(sql) > MAX_SQL_CHARS:
        refuse(
            f"The statement is {len(sql)} characters long; the limit is {MAX_SQL_CHARS}. "
            "Shorten it, or pass long value lists as @name parameters.",
            allowed,
        )
    if not sql.strip():
        refuse("The statement is empty.", allowed)
    for ch in set(sql):
        if ch in _CONTROL_OK or " " <= ch <= "~":
            continue
        if unicodedata.category(ch) in _BAD_CATEGORIES:
            where = position(sql, sql.index(ch))
            refuse(
                f"The statement contains the invisible or control character U+{ord(ch):04X} "
                f"({unicodedata.name(ch, 'a control character')}) at {where}. Remove it; "
                f"inside a string write NCHAR({ord(ch)}) instead.",
                allowed,
            )
    bare_cr = re.search(r"\r(?!\n)", sql)
    if bare_cr:
        refuse(
            f"The statement contains a carriage return without a line feed at "
            f"{position(sql, bare_cr.start())}. End lines with \\n or \\r\\n.",
            allowed,
        )


# --- layer 3: the tree --------------------------------------------------------------------


def _parse_one(statements: list[exp.Expr | None], allowed: str) -> exp.Expr:
    found = [s for s in statements if s is not None]
    if len(found) != 1:
        refuse(f"The text holds {len(found)} statements; send exactly one.", allowed)
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
            refuse(f"{_node_name(node)} inside another statement (a CTE or subquery).", allowed)
        if _bare_query_argument(node):
            refuse(
                "A SELECT stands straight inside a call's parentheses (`name (SELECT ...)`),"
                " which sqlglot reads as the call's argument but SQL Server as the end of the"
                " statement and a second statement in parentheses. Give a subquery argument"
                " its own parentheses: name((SELECT ...)).",
                allowed,
            )
        if isinstance(node, forbidden):
            if isinstance(node, exp.Into):
                refuse("SELECT ... INTO creates a table.", allowed)
            if isinstance(node, exp.NextValueFor):
                refuse("NEXT VALUE FOR advances a sequence, which no rollback undoes.", allowed)
            refuse(f"{_node_name(node)} is not allowed here.", allowed)
        if isinstance(node, exp.Func):
            # [OPENQUERY](...), [AI_CLASSIFY](...): quoted, no word check saw them; sqlglot
            # reads some as a function it knows (AI_CLASSIFY), the rest as Anonymous
            called = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
            if called.upper() in EXTERNAL_CALLS:
                refuse(WHY[called.upper()], allowed)
        if isinstance(node, exp.Identifier):
            _check_identifier(node, allowed)
        elif isinstance(node, exp.Anonymous):
            check_name(node.name, "a function name", allowed)
        elif isinstance(node, exp.Table) and isinstance(node.this, exp.Dot):
            refuse(f"{node.sql(dialect='tsql')}: four-part names reach linked servers.", allowed)
        elif isinstance(node, exp.Returning) and node.args.get("into"):
            refuse("OUTPUT ... INTO writes to a second table.", allowed)
        elif isinstance(node, exp.ILike):
            refuse(
                "ILIKE: T-SQL has no ILIKE. LIKE compares by the column's collation, which is"
                " case-insensitive in most databases (a _CI_ collation); add COLLATE"
                " Latin1_General_CI_AS after the column to make sure.",
                allowed,
            )
        elif isinstance(node, exp.Filter):
            # SQL Server reads FILTER as a column alias: "Incorrect syntax near '('."
            refuse(
                "FILTER (WHERE ...): T-SQL has no FILTER clause on aggregates. Put the"
                " condition inside: AVG(CASE WHEN condition THEN x END), COUNT(CASE WHEN"
                " condition THEN 1 END).",
                allowed,
            )
        elif isinstance(node, exp.Query) and node.args.get("offset") and not node.args.get("order"):
            refuse(
                "OFFSET ... FETCH needs ORDER BY in T-SQL: add ORDER BY on a unique key before"
                " OFFSET.",
                allowed,
            )


def _bare_query_argument(node: exp.Expr) -> bool:
    """`ORDER BY a (SELECT ...)`: a query whose parent is a call other than EXISTS, ALL and
    ANY/SOME, not wrapped in a subquery's own parentheses (`a((SELECT ...))`)."""
    from sqlglot import exp

    return (
        isinstance(node, exp.Query)
        and not isinstance(node, exp.Subquery)
        and isinstance(node.parent, exp.Func)
        and not isinstance(node.parent, exp.Exists | exp.All | exp.Any)
    )


def _check_identifier(node: exp.Identifier, allowed: str) -> None:
    from sqlglot import exp

    name = node.name
    check_name(name, "a name", allowed)
    upper = name.upper()
    if node.quoted or upper not in RESERVED_KEYWORDS or upper in KEYWORDS_PARSED_AS_NAMES:
        return
    if upper in PSEUDO_COLUMN_KEYWORDS:
        if isinstance(node.parent, exp.Column) and node.arg_key == "this":
            return  # the pseudo-column, where both read a column
        refuse(
            f"{upper} was read as a name, but SQL Server reads it as a keyword, meaning"
            f" {PSEUDO_COLUMN_KEYWORDS[upper]} only where a column stands (`{upper}`,"
            f" `t.{upper}`). Bracket-quote a name spelled so: [{name}].",
            allowed,
        )
    refuse(
        f"{upper} was read as a name, but SQL Server reads it as a keyword (it may start "
        f"another statement). Bracket-quote a name that is a keyword: [{name}].",
        allowed,
    )


def _check_select_tree(tree: exp.Expr, allowed: str) -> tuple[StatementKind, bool]:
    from sqlglot import exp

    if not isinstance(tree, exp.Query):
        refuse(f"{_statement_name(tree)} is not a SELECT statement.", allowed)
    for select in tree.find_all(exp.Select):
        for projection in select.expressions:
            if isinstance(projection, exp.EQ) and isinstance(projection.this, exp.Parameter):
                refuse(
                    "SELECT @variable = ... assigns a variable; select columns instead.", allowed
                )
    return "select", _filters(tree.args.get("where"))


def _check_write_tree(
    tree: exp.Expr,
    changed: write_reading.Target,
    kinds: frozenset[str],
    allow_unfiltered: bool,
    non_nullable: frozenset[str],
    allowed: str,
) -> tuple[StatementKind, bool]:
    from sqlglot import exp

    if not isinstance(tree, exp.Insert | exp.Update | exp.Delete):
        refuse(f"{_node_name(tree)} is not an INSERT, UPDATE or DELETE statement.", allowed)
    kind: StatementKind
    if isinstance(tree, exp.Insert):
        kind = "insert"
    elif isinstance(tree, exp.Update):
        kind = "update"
    else:
        kind = "delete"
    if kind not in kinds:
        refuse(f"{kind.upper()} statements are not accepted by this tool.", allowed)
    if kind == "update" and any(
        isinstance(e, exp.EQ) and isinstance(e.this, exp.Parameter) for e in tree.expressions
    ):
        # `SET @v = column = value` sets the column too, unseen by the checks of what an
        # UPDATE changes (db/write_effects.py)
        refuse("UPDATE ... SET @variable = ... assigns a variable; set columns only.", allowed)
    where = tree.args.get("where")
    judged = write_filters.judge(tree, changed, non_nullable)
    has_where = judged.filters
    if kind != "insert" and judged.joined_to_itself and not allow_unfiltered:
        name = changed.label
        refuse(
            f"{kind.upper()} joins {name} to a copy of itself (the table again, or a derived "
            f"table or CTE that reads it whole), and the WHERE clause with the join's ON "
            f"conditions is always true for a row joined to itself: the join matches every "
            f"row of {name} to itself, so every row would change (the operator has not set "
            f"allow_unfiltered_writes). Add a condition that can be false on a column of "
            f"{name}, such as WHERE {name}.id = @id (an ON that compares the copy's key "
            f"with {name}'s does not count), or ask the operator to set "
            "allow_unfiltered_writes.",
            allowed,
        )
    if kind != "insert" and not has_where and not allow_unfiltered:
        found = "without a WHERE clause" if where is None else "whose WHERE clause is always true"
        refuse(
            f"{kind.upper()} {found} would change every row (the operator has not set "
            "allow_unfiltered_writes). Filter on a column with a condition that can be "
            "false, such as WHERE id = @id; `WHERE 1 = 1`, `WHERE id = id` and "
            "`WHERE key IS NOT NULL` do not count.",
            allowed,
        )
    if kind != "insert" and has_where and not judged.restricted:
        has_where = False
        if not allow_unfiltered:
            name = changed.label
            refuse(
                f"{kind.upper()} whose WHERE clause tests no column of {name} (only other "
                f"tables, or none) would change every row of {name} (the operator has not "
                f"set allow_unfiltered_writes). Test a column of {name}, qualified by its "
                f"name or alias when the statement reads other tables (WHERE {name}.id = "
                f"@id), or join the other table with INNER JOIN ... ON a condition on a "
                f"column of {name}; a CROSS JOIN, an outer join's ON and a derived table "
                "do not count.",
                allowed,
            )
    twins = write_filters.case_twins(tree) if kind != "insert" and has_where else None
    if twins is not None and not allow_unfiltered:
        refuse(
            f"{kind.upper()} joins table sources named {twins[0]} and {twins[1]}, which"
            " differ in case only: one name under a case-insensitive collation, two under"
            " a case-sensitive one, so whether the WHERE clause filters cannot be told (the"
            " operator has not set allow_unfiltered_writes). Give the sources of a FROM"
            " aliases that differ in more than case.",
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


def _statement_name(tree: exp.Expr) -> str:
    """What a whole statement is, for a refusal. A text that starts with no statement's
    keyword (`SELEC name`, a misspelling) parses as an expression, whose node's name
    (ALIAS, COLUMN) would read as SQL's to the agent."""
    from sqlglot import exp

    statements = (
        *(exp.DML, exp.DDL, exp.Command, exp.Set, exp.Use, exp.Transaction, exp.Commit),
        *(exp.Rollback, exp.Grant, exp.Revoke, exp.Declare, exp.Describe, exp.Kill, exp.Execute),
        exp.Values,
    )
    if isinstance(tree, statements):
        return _node_name(tree)
    return "The text, which starts with no statement's keyword (a misspelling?),"


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
    at = f"at line {first.get('line')}, column {first.get('col')}"
    if near and _MISSING_PART.fullmatch(description):  # sqlglot's names, not T-SQL's words
        return f"something is missing after {near!r} {at}."
    return f"{description} {at}" + (f" (near {near!r})." if near else ".")


# "Required keyword: 'this' missing for Where": a clause or operator with nothing after it
_MISSING_PART = re.compile(r"Required keyword: '\w+' missing for \w+")


# --- helpers --------------------------------------------------------------------------------


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
