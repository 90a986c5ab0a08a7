"""What an accepted statement may reach: databases, system objects, hints, session state.

The guard (`sqlguard`) decides whether a text is one statement of an allowed kind;
this module walks its tree and refuses what such a statement may not touch:

- other databases (three-part names of tables, functions and types, global temporary
  tables in tempdb) unless the source's `allowed_databases` opens them; four-part
  names are refused in sqlguard (a type's here); a method on a column
  (`p.Doc.value(...)`, `e.Node.GetLevel()`, see `column_methods`) names no database,
  and xml's modify() goes only in an UPDATE's SET list;
- the system objects of `sql_objects` (files, logs, registry, credentials), and
  server-state views (sys.dm_...) unless the caller may see server state;
- table, join and query hints outside the allow-list of `sql_hints` (table hints
  written without WITH too);
- what leaves state on the pooled connection for the next caller (RAND(seed)).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NoReturn

from azsql_mcp.api import QueryRefused, advice
from azsql_mcp.db import column_methods, sql_hints, sql_objects

if TYPE_CHECKING:
    from sqlglot import exp

TEMPDB = "tempdb"
SYSTEM_SCHEMAS = frozenset({"", "sys"})


@dataclass(frozen=True)
class ReadPolicy:
    """Where a statement of one source may reach; hashable, so checks can be cached."""

    database: str | None = None  # the source's database: three-part names naming it are fine
    allowed_databases: frozenset[str] = field(default_factory=frozenset)
    allow_server_state: bool = False  # sys.dm_... and their kin
    # Database names take the server's collation ("Database identifiers"): under a
    # case-sensitive one (SAP's SQL_Latin1_General_CP850_BIN2, _CS_ collations) [SALES]
    # and [Sales] are two databases, so a name opens only a database spelled alike.
    names_ignore_case: bool = True

    @classmethod
    def of(
        cls,
        database: str | None,
        allowed_databases: Collection[str] = (),
        *,
        allow_server_state: bool = False,
        names_ignore_case: bool = True,
    ) -> ReadPolicy:
        return cls(
            database or None,
            frozenset(allowed_databases),
            allow_server_state,
            names_ignore_case,
        )

    def is_own(self, database: str) -> bool:
        """Whether `database` is the source's own database."""
        return self.database is not None and self._key(database) == self._key(self.database)

    def may_read(self, database: str) -> bool:
        key = self._key(database)
        return self.is_own(database) or any(key == self._key(n) for n in self.allowed_databases)

    def _key(self, name: str) -> str:
        """How the server compares database names: trailing spaces ignored ([master ] is
        master) under every collation, case too under a case-insensitive one."""
        name = name.rstrip(" ")
        return name.casefold() if self.names_ignore_case else name


STRICT = ReadPolicy()


def check_reach(tree: exp.Expr, policy: ReadPolicy, allowed: str) -> None:
    """Refuse what the statement may not reach or leave behind (see the module doc)."""
    from sqlglot import exp

    for node in tree.walk():
        if isinstance(node, exp.Table | exp.Lateral):
            _check_hints_without_with(node, allowed)
        if isinstance(node, exp.Table):
            _check_table(node, policy, allowed)
        elif isinstance(node, exp.ScopeResolution):
            _check_type_name(node, policy, allowed)
        elif isinstance(node, exp.DataType) and node.this == exp.DataType.Type.USERDEFINED:
            _check_cast_type(str(node.args.get("kind") or ""), policy, allowed)
        elif isinstance(node, exp.Dot) and not isinstance(node.parent, exp.Dot):
            _check_qualified_call(node, policy, allowed)
        elif (modify := column_methods.misplaced_modify(node)) is not None:
            refuse(
                f"{modify.sql(dialect='tsql')} calls the xml method modify(), which "
                "changes the data it is called on; SQL Server allows it only in the SET "
                "list of an UPDATE.",
                allowed,
            )
        elif isinstance(node, exp.Anonymous) and not isinstance(node.parent, exp.Dot | exp.Table):
            if not isinstance(node.parent, exp.WithTableHint):
                _check_object(node.name, None, policy, allowed)
        elif isinstance(node, exp.Column) and _names_table(node):
            _check_table_argument(node, policy, allowed)
        elif isinstance(node, exp.Column) and node.args.get("catalog"):
            _check_database(node.text("catalog"), node.sql(dialect="tsql"), policy, allowed)
        elif isinstance(node, exp.WithTableHint):
            for hint in node.expressions:
                _check_table_hint(hint, allowed)
        elif isinstance(node, exp.Join) and node.args.get("hint"):
            _check_join_hint(str(node.args["hint"]), allowed)
        elif isinstance(node, exp.QueryOption) and node.arg_key == "options":
            _check_query_hint(node, allowed)
        elif isinstance(node, exp.Rand) and node.this is not None:
            refuse(
                "RAND(seed) reseeds the connection's random generator, which the next "
                "caller of the pooled connection would inherit; use RAND() without a "
                "seed, or CHECKSUM(NEWID()).",
                allowed,
            )


# Full-text and semantic functions whose first argument names a table (which may be in
# another database), not a column.
_TABLE_ARGUMENT_FUNCTIONS = frozenset(
    {
        "CONTAINSTABLE",
        "FREETEXTTABLE",
        "SEMANTICKEYPHRASETABLE",
        "SEMANTICSIMILARITYTABLE",
        "SEMANTICSIMILARITYDETAILSTABLE",
    }
)


def _names_table(column: exp.Column) -> bool:
    from sqlglot import exp

    call = column.parent
    return (
        isinstance(call, exp.Anonymous)
        and call.name.upper() in _TABLE_ARGUMENT_FUNCTIONS
        and call.expressions[:1] == [column]
    )


def _check_table_argument(column: exp.Column, policy: ReadPolicy, allowed: str) -> None:
    """CONTAINSTABLE(db.schema.table, ...): the parts name a table, so the first of four is
    a linked server (of a column's four, it would be the database)."""
    written = column.sql(dialect="tsql")
    if column.args.get("catalog"):
        refuse(f"{written}: four-part names reach linked servers.", allowed)
    if column.args.get("db"):
        _check_database(column.text("db"), written, policy, allowed)


def refuse(reason: str, allowed: str) -> NoReturn:
    """Refuse the statement: `reason`, and what the caller may send instead (`allowed`).
    The guard's layers (sqlguard.py, guardtokens.py) refuse through it too."""
    raise QueryRefused(reason, allowed)


# --- databases and objects -------------------------------------------------------------


def _check_table(table: exp.Table, policy: ReadPolicy, allowed: str) -> None:
    from sqlglot import exp

    written = table.sql(dialect="tsql")
    if table.args.get("catalog"):
        _check_database(table.text("catalog"), written, policy, allowed)
    name = table.this
    global_temp = isinstance(name, exp.Identifier) and name.args.get("global_")
    if global_temp and not policy.may_read(TEMPDB):
        refuse(
            f"##{name.name} is a global temporary table in tempdb, shared by every "
            "session; a statement stays in the source's database. " + _how_to_open(TEMPDB),
            allowed,
        )
    if isinstance(name, exp.Identifier | exp.Anonymous):
        _check_object(name.name, table.text("db"), policy, allowed)


def _check_qualified_call(dot: exp.Dot, policy: ReadPolicy, allowed: str) -> None:
    """`schema.fn(...)`, `db.schema.fn(...)`: a function named by its parts, unless it is
    a method called on a column (`alias.col.value(...)`, see column_methods)."""
    from sqlglot import exp

    parts = _dot_parts(dot)
    # The first call is the function the parts name; what follows it are methods of its
    # result (`OtherDb.dbo.fn(1).value('.', 'int')` calls OtherDb's fn). Any function,
    # not only one sqlglot does not know: in `OtherDb.dbo.Split(...)` the name is a user
    # function of that database whatever sqlglot calls it.
    first = next((i for i, part in enumerate(parts) if isinstance(part, exp.Func)), None)
    if first is None:
        return
    function, qualifiers = parts[first], parts[:first]
    assert isinstance(function, exp.Func)
    if not qualifiers:
        if isinstance(function, exp.Anonymous):  # fn_x(...).value(...): fn_x named alone
            _check_object(function.name, None, policy, allowed)
        return
    # An empty part (None) is an omitted schema: `OtherDb..tvf(...)`.
    if not all(isinstance(part, exp.Identifier) or part is None for part in qualifiers):
        return  # a method called on a variable or an expression: @x.value('...', 'int')
    while len(qualifiers) > 1 and qualifiers[0] is None:
        # `.sys.fn(...)`, `..fn(...)`: the server or database omitted, the current one
        qualifiers = qualifiers[1:]
    if len(qualifiers) == 2 and column_methods.is_column_method(dot, qualifiers[0].name, function):
        return  # p.Doc.value('...', 'int'): the xml method of column Doc of table p
    written = dot.sql(dialect="tsql")
    if len(qualifiers) >= 3:
        refuse(f"{written}: four-part names reach linked servers.", allowed)
    if len(qualifiers) == 2:
        _check_database(qualifiers[0].name, written, policy, allowed)
    schema = qualifiers[-1]
    # after a dot sqlglot reads every call as Anonymous but EXISTS (`dbo.EXISTS(...)`),
    # whose name is empty: it names no object
    _check_object(function.name, schema.name if schema is not None else "", policy, allowed)


def _check_type_name(node: exp.ScopeResolution, policy: ReadPolicy, allowed: str) -> None:
    """`OtherDb.dbo.MyType::Parse(...)`: a CLR type's static member, named by its parts,
    which may name a database or a linked server like a table's."""
    from sqlglot import exp

    name = node.this
    if isinstance(name, exp.Dot):
        parts = _dot_parts(name)
    elif isinstance(name, exp.Column):
        parts = list(name.parts)
    else:
        return  # geography::Point(...): the type named alone
    written = name.sql(dialect="tsql")
    if len(parts) >= 4:
        refuse(f"{written}: four-part names reach linked servers.", allowed)
    if len(parts) == 3 and isinstance(parts[0], exp.Identifier):
        _check_database(parts[0].name, written, policy, allowed)


def _check_cast_type(kind: str, policy: ReadPolicy, allowed: str) -> None:
    """`CAST(a AS OtherDb.dbo.MyType)`: a user-defined type named with its database (sqlglot
    keeps the name as one text, its brackets removed, an omitted part as `None`)."""
    parts = kind.split(".")
    if len(parts) >= 4:
        refuse(f"The type {kind}: four-part names reach linked servers.", allowed)
    if len(parts) == 3 and parts[0] not in ("", "None"):
        _check_database(parts[0], f"The type {kind}", policy, allowed)


def _dot_parts(node: exp.Expr) -> list[exp.Expr]:
    from sqlglot import exp

    if isinstance(node, exp.Dot):
        return [*_dot_parts(node.this), *_dot_parts(node.expression)]
    return [node]


def _check_database(database: str, written: str, policy: ReadPolicy, allowed: str) -> None:
    if not database:
        return
    if not policy.may_read(database):
        own = f" ({policy.database})" if policy.database else ""
        if ReadPolicy.of(policy.database, policy.allowed_databases).may_read(database):
            own += (
                ". This source compares database names as spelled (its server's"
                " collation is case-sensitive, or not read yet): write the name as the"
                " source's database or allowed_databases spells it"
            )
        refuse(
            f"{written} names the database {database}; a statement stays in the "
            f"source's database{own}. " + _how_to_open(database),
            allowed,
        )


def _how_to_open(database: str) -> str:
    return (
        f"An operator may open it with allowed_databases = [{database!r}] in "
        "[sources.NAME.security] (not on Azure SQL Database, which has no names of other "
        "databases: connect a source to that database instead)."
    )


def _system_key(name: str) -> str:
    """`name` as a width- and accent-insensitive collation compares it, to recognize a
    system object however it is spelled: the usual collations (Latin1_General_CI_AS,
    SQL_Latin1_General_CP1_CI_AS) are width-insensitive, so `[ｓｙｓ].[ｃｒｅｄｅｎｔｉａｌｓ]`
    may be sys.credentials, and _AI ones are accent-insensitive too. Only to refuse in
    doubt: a database name that allows (`ReadPolicy._key`) is compared strictly."""
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return kept.rstrip(" ").casefold()


def _check_object(name: str, schema: str | None, policy: ReadPolicy, allowed: str) -> None:
    """`schema` is None for a function call outside FROM, "" for a one-part name."""
    written = f"{schema}.{name.rstrip(' ')}" if schema else name.rstrip(" ")
    name = _system_key(name)
    # The compatibility views (sysservers, sysprocesses...) answer to dbo.NAME too, as
    # they did when they were dbo's system tables.
    key = _system_key(schema or "")
    compatibility = key == "dbo" and name.startswith("sys")
    if key not in SYSTEM_SCHEMAS and not compatibility:
        return  # a user object such as dbo.credentials
    if schema == "" and not sql_objects.resolves_unqualified(name):
        return  # a user table such as `credentials`: catalog views need `sys.`
    reason = sql_objects.denied_reason(name)
    if reason is not None:
        refuse(
            f"{written} {reason}. System views and functions that read files, logs, "
            "the registry or credentials are refused.",
            allowed,
        )
    if sql_objects.is_server_state(name) and not policy.allow_server_state:
        refuse(
            f"{written} shows server state (other sessions, their statements and plans, "
            "locks, waits); reading it needs the sql.admin scope"
            + advice(
                "list_long_running_queries", " (list_long_running_queries shows running queries)"
            )
            + ".",
            allowed,
        )


# --- hints -----------------------------------------------------------------------------


def _check_table_hint(hint: exp.Expr, allowed: str) -> None:
    from sqlglot import exp

    # A hint is a keyword (NOLOCK, a Var) or one with arguments (INDEX(ix), Anonymous);
    # anything else sqlglot reads there is an expression, named as written: the `.name`
    # of COUNT(*) is `*`, of CAST(nolock AS int) `nolock`
    if isinstance(hint, exp.Var | exp.Anonymous):
        name, written = hint.name, hint.name.upper()
    else:
        name = written = hint.sql(dialect="tsql")
    _check_table_hint_name(name, written, allowed)


def _check_hints_without_with(source: exp.Table | exp.Lateral, allowed: str) -> None:
    """`FROM t (NOLOCK, SERIALIZABLE)`, `JOIN t x (TABLOCK, NOLOCK)`: SQL Server reads the
    parenthesized words after a table (or its alias) as table hints written without WITH,
    which it takes one at a time; sqlglot reads one right (a table hint), but several as a
    call of a function t, or as the alias's column names, so that neither the hints nor
    the table are seen as such (write_filters would not know t as the table). A hint that
    locks is refused as such; any other such list is refused with the WITH form."""
    from sqlglot import exp

    this = source.this
    if isinstance(this, exp.Dot):  # CROSS APPLY dbo.t (...)
        this = _dot_parts(this)[-1]
    if isinstance(this, exp.Anonymous):
        words = [
            arg.this if isinstance(arg, exp.Column) else arg
            for arg in this.expressions
            if (isinstance(arg, exp.Column) and not arg.table) or isinstance(arg, exp.Anonymous)
        ]
    elif isinstance(this, exp.Identifier) and isinstance(
        alias := source.args.get("alias"), exp.TableAlias
    ):
        words = list(alias.columns)  # a table takes no column aliases: these are hints
    else:
        return
    hints = [word.name for word in words if sql_hints.is_table_hint(word.name)]
    for hint in hints:
        _check_table_hint_name(hint, hint.upper(), allowed)
    if hints:
        refuse(
            f"Table hints in parentheses without WITH ({', '.join(hints)}): SQL Server takes"
            " one hint so, right after a table; here they read as a function call or column"
            " names."
            f" Write them with WITH: t WITH ({', '.join(h.upper() for h in hints)}). (A"
            " column of that name given to a table-valued function: qualify it, x.name.)",
            allowed,
        )


def _check_table_hint_name(name: str, written: str, allowed: str) -> None:
    reason = sql_hints.table_hint_refusal(name)
    if reason is not None:
        refuse(
            f"The table hint {written} {reason}. Allowed table hints: "
            + ", ".join(sorted(sql_hints.ALLOWED_TABLE_HINTS))
            + ".",
            allowed,
        )


def _check_join_hint(hint: str, allowed: str) -> None:
    upper = hint.upper()
    if upper not in sql_hints.ALLOWED_JOIN_HINTS:
        # sqlglot reads HASH, LOOP, MERGE and REMOTE there; MERGE is refused before, as a
        # keyword (a test holds the two lists together)
        reason = sql_hints.REFUSED_JOIN_HINTS[upper]
        refuse(
            f"The join hint {upper} {reason}. Allowed join hints: "
            + ", ".join(sorted(sql_hints.ALLOWED_JOIN_HINTS))
            + ".",
            allowed,
        )


def _check_query_hint(option: exp.QueryOption, allowed: str) -> None:
    name = " ".join(option.this.name.upper().split())
    reason = sql_hints.query_hint_refusal(name)
    if name == "MAXDOP" and _literal_int(option) == 1:
        reason = None  # a serial plan: never more than the operator's setting
    if reason is None and name == "MAXRECURSION":
        bound = sql_hints.MAX_RECURSION
        if not 1 <= (_literal_int(option) or 0) <= bound:
            reason = f"must be a number from 1 to {bound} (0 would mean no limit)"
    if reason is not None:
        refuse(
            f"The query hint {option.sql(dialect='tsql')} {reason}. Allowed query hints: "
            + ", ".join(sorted(sql_hints.ALLOWED_QUERY_HINTS))
            + f" (MAXRECURSION up to {sql_hints.MAX_RECURSION}), MAXDOP 1.",
            allowed,
        )


def _literal_int(option: exp.QueryOption) -> int | None:
    from sqlglot import exp

    value = option.args.get("expression")
    return int(value.this) if isinstance(value, exp.Literal) and value.is_int else None
