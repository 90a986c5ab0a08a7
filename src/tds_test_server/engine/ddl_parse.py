"""The DDL parser: CREATE TABLE, ALTER TABLE and CREATE INDEX into plain dataclasses that
the DDL session code (ddl.py, schema_objects.py) applies to the catalog and SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot.tokens import TokenType

from ..results import ColumnType
from . import errors
from .batches import Statement, word
from .column_features import ColumnFeatures, accept_period
from .column_features import accept as accept_feature
from .sql_types import UnknownType, parse_type
from .temporal_tables import accept_system_versioning
from .token_stream import Tokens


@dataclass
class ConstraintDef:
    kind: str  # PK, UQ, F, C, D
    name: str | None = None
    columns: list[tuple[str, bool]] = field(default_factory=list)  # (name, descending)
    clustered: bool | None = None
    ref_table: list[str] | None = None
    ref_columns: list[str] = field(default_factory=list)
    on_delete: int = 0
    on_update: int = 0
    expression: str | None = None  # CHECK / DEFAULT text as written
    for_column: str | None = None  # column a DEFAULT or CHECK belongs to


@dataclass
class ColumnDef:
    name: str
    type: ColumnType | None  # None for a computed column
    nullable: bool | None = None
    identity: tuple[int, int] | None = None
    computed: str | None = None
    persisted: bool = False
    rowguidcol: bool = False
    collation: str | None = None  # COLLATE: recorded in the catalog, not applied
    rowversion: bool = False  # rowversion (timestamp): binary(8) here, refused to writes
    features: ColumnFeatures = field(default_factory=ColumnFeatures)  # catalog only


@dataclass
class IndexDef:
    name: str
    table: list[str]
    columns: list[tuple[str, bool]]
    unique: bool = False
    clustered: bool = False
    include: list[str] = field(default_factory=list)
    where: str | None = None


@dataclass
class CreateTable:
    name: list[str]
    columns: list[ColumnDef]
    constraints: list[ConstraintDef]
    indexes: list[IndexDef]
    # SYSTEM_VERSIONING = ON: the HISTORY_TABLE's name parts, [] when left unnamed
    history_table: list[str] | None = None


@dataclass
class AlterTable:
    name: list[str]
    columns: list[ColumnDef]
    constraints: list[ConstraintDef]
    drop_constraints: list[str] = field(default_factory=list)
    drop_columns: list[str] = field(default_factory=list)
    versioning_off: bool = False  # SET (SYSTEM_VERSIONING = OFF)


_ACTIONS = {"NO": 0, "CASCADE": 1, "SET NULL": 2, "SET DEFAULT": 3}


_COLUMN_STOP = frozenset(
    [
        "NOT",
        "NULL",
        "CONSTRAINT",
        "PRIMARY",
        "UNIQUE",
        "DEFAULT",
        "CHECK",
        "REFERENCES",
        "FOREIGN",
        "IDENTITY",
        "COLLATE",
        "ROWGUIDCOL",
        "SPARSE",
        "FILESTREAM",
        "INDEX",
        "FOR",
        "WITH",
        "PERSISTED",
    ]
)


def parse_create_table(stmt: Statement) -> CreateTable:
    ts = Tokens(stmt)
    ts.expect("CREATE")
    ts.expect("TABLE")
    name = ts.multipart()
    ts.expect_type(TokenType.L_PAREN)
    table = CreateTable(name, [], [], [])
    while True:
        _table_element(ts, table.columns, table.constraints, table.indexes, name)
        if ts.accept_type(TokenType.COMMA):
            if ts.peek_is(TokenType.R_PAREN):
                ts.next()
                break
            continue
        ts.expect_type(TokenType.R_PAREN)
        break
    table.history_table = accept_system_versioning(ts)
    ts.skip_options()
    ts.end()
    return table


def _table_element(
    ts: Tokens,
    columns: list[ColumnDef],
    constraints: list[ConstraintDef],
    indexes: list[IndexDef],
    table: list[str],
) -> None:
    w = ts.peek_word()
    if w in ("CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "DEFAULT"):
        constraints.append(_table_constraint(ts))
    elif w == "INDEX":
        ts.next()
        idx_name = ts.name()
        unique = ts.accept("UNIQUE")
        clustered = ts.accept("CLUSTERED")
        ts.accept("NONCLUSTERED")
        indexes.append(IndexDef(idx_name, table, _key_columns(ts), unique, clustered))
        ts.skip_options()
    elif not accept_period(ts):
        columns.append(_column(ts, constraints))


def _column(ts: Tokens, constraints: list[ConstraintDef]) -> ColumnDef:
    col_name = ts.name()
    if ts.accept("AS"):
        expr = ts.expression(_COLUMN_STOP)
        col = ColumnDef(col_name, None, computed=expr)
        col.persisted = ts.accept("PERSISTED")
        if col.persisted:
            ts.accept("NOT") and ts.expect("NULL")
        return col
    rowversion = ts.peek_word() in ("ROWVERSION", "TIMESTAMP")
    col = ColumnDef(col_name, _type(ts), rowversion=rowversion)
    while not ts.at_end():
        tok = ts.peek()
        assert tok is not None
        if tok.token_type in (TokenType.COMMA, TokenType.R_PAREN):
            break
        w = ts.peek_word()
        if w == "NOT" and ts.peek_word(1) == "NULL":
            ts.i += 2
            col.nullable = False
        elif w == "NULL":
            ts.next()
            col.nullable = True
        elif w == "IDENTITY":
            ts.next()
            seed, inc = 1, 1
            if ts.peek_is(TokenType.L_PAREN):
                args = [a.strip() for a in ts.parenthesized().split(",")]
                seed, inc = int(args[0]), int(args[1]) if len(args) > 1 else 1
            col.identity = (seed, inc)
            _not_for_replication(ts)
        elif w in ("ROWGUIDCOL", "FILESTREAM"):
            ts.next()
            col.rowguidcol = col.rowguidcol or w == "ROWGUIDCOL"
        elif w == "COLLATE":
            ts.next()
            col.collation = ts.name()
        elif w in ("CONSTRAINT", "PRIMARY", "UNIQUE", "DEFAULT", "CHECK", "REFERENCES", "FOREIGN"):
            c = _table_constraint(ts, column=col_name)
            constraints.append(c)
        elif accept_feature(ts, col.features):
            pass
        else:
            raise errors.syntax_near(tok.text)
    return col


def _type(ts: Tokens) -> ColumnType:
    start = ts.i
    first = ts.next()
    parts = [first.text]
    while ts.peek_word() in ("PRECISION", "VARYING", "CHARACTER", "CHAR"):
        parts.append(ts.next().text)
    args = ""
    if ts.peek_is(TokenType.L_PAREN):
        args = "(" + ts.parenthesized() + ")"
    text = " ".join(parts) + args
    try:
        return parse_type(text)
    except (UnknownType, ValueError):
        ts.i = start
        raise errors.unknown_type(" ".join(parts)) from None


def _key_columns(ts: Tokens) -> list[tuple[str, bool]]:
    ts.expect_type(TokenType.L_PAREN)
    cols: list[tuple[str, bool]] = []
    while True:
        col = ts.name()
        desc = False
        if ts.accept("DESC"):
            desc = True
        else:
            ts.accept("ASC")
        cols.append((col, desc))
        if ts.accept_type(TokenType.COMMA):
            continue
        ts.expect_type(TokenType.R_PAREN)
        return cols


def _name_list(ts: Tokens) -> list[str]:
    return [c for c, _ in _key_columns(ts)]


def _table_constraint(ts: Tokens, column: str | None = None) -> ConstraintDef:
    name = ts.name() if ts.accept("CONSTRAINT") else None
    w = ts.next()
    kw = word(w)
    if kw in ("PRIMARY", "UNIQUE"):
        if kw == "PRIMARY":
            ts.expect("KEY")
        c = ConstraintDef("PK" if kw == "PRIMARY" else "UQ", name)
        if ts.accept("CLUSTERED"):
            c.clustered = True
        elif ts.accept("NONCLUSTERED"):
            c.clustered = False
        if ts.peek_is(TokenType.L_PAREN):
            c.columns = _key_columns(ts)
        elif column is not None:
            c.columns = [(column, False)]
        else:
            raise errors.syntax_near(ts.peek_text(kw))
        ts.skip_options()
        return c
    if kw in ("FOREIGN", "REFERENCES"):
        c = ConstraintDef("F", name)
        if kw == "FOREIGN":
            ts.expect("KEY")
            c.columns = [(n, False) for n in _name_list(ts)]
            ts.expect("REFERENCES")
        elif column is not None:
            c.columns = [(column, False)]
        c.ref_table = ts.multipart()
        if ts.peek_is(TokenType.L_PAREN):
            c.ref_columns = _name_list(ts)
        while ts.peek_word() == "ON" and ts.peek_word(1) in ("DELETE", "UPDATE"):
            ts.next()
            which = ts.next().text.upper()
            action = ts.next().text.upper()
            if action in ("NO", "SET"):
                action += " " + ts.next().text.upper()
            code = _ACTIONS.get(action.replace("NO ACTION", "NO"))
            if code is None:
                raise errors.syntax_near(action)
            if which == "DELETE":
                c.on_delete = code
            else:
                c.on_update = code
        _not_for_replication(ts)
        return c
    if kw == "CHECK":
        _not_for_replication(ts)
        return ConstraintDef("C", name, expression=ts.parenthesized(), for_column=column)
    if kw == "DEFAULT":
        c = ConstraintDef("D", name, expression=ts.expression(_COLUMN_STOP), for_column=column)
        if ts.accept("FOR"):
            c.for_column = ts.name()
        ts.accept("WITH") and ts.expect("VALUES")
        return c
    raise errors.syntax_near(w.text)


def _not_for_replication(ts: Tokens) -> None:
    if ts.peek_word() == "NOT" and ts.peek_word(1) == "FOR":
        ts.i += 2
        ts.expect("REPLICATION")


def parse_alter_table(stmt: Statement) -> AlterTable:
    ts = Tokens(stmt)
    ts.expect("ALTER")
    ts.expect("TABLE")
    alter = AlterTable(ts.multipart(), [], [])
    if ts.accept("WITH"):
        ts.expect("CHECK", "NOCHECK")
    w = ts.peek_word()
    if w in ("CHECK", "NOCHECK"):  # (re-)enabling constraint checking: always on here
        ts.next()
        ts.expect("CONSTRAINT")
        ts.name()
        ts.end()
        return alter
    if ts.accept("ADD"):
        indexes: list[IndexDef] = []
        while True:
            _table_element(ts, alter.columns, alter.constraints, indexes, alter.name)
            if not ts.accept_type(TokenType.COMMA):
                break
        if indexes:
            raise errors.unsupported("ALTER TABLE ... ADD INDEX (use CREATE INDEX)")
        ts.end()
        return alter
    if ts.accept("DROP"):
        while True:
            if ts.accept("COLUMN"):
                ts.accept("IF") and ts.expect("EXISTS")
                alter.drop_columns.append(ts.name())
            else:
                ts.accept("CONSTRAINT")
                ts.accept("IF") and ts.expect("EXISTS")
                alter.drop_constraints.append(ts.name())
            if not ts.accept_type(TokenType.COMMA):
                break
        ts.end()
        return alter
    if ts.peek_word() == "SET" and ts.peek_word(2) == "SYSTEM_VERSIONING":
        ts.next()
        ts.expect_type(TokenType.L_PAREN)
        ts.expect("SYSTEM_VERSIONING")
        ts.expect_type(TokenType.EQ)
        if ts.peek_word() != "OFF":
            raise errors.unsupported("ALTER TABLE ... SET (SYSTEM_VERSIONING = ON ...)")
        ts.next()
        ts.expect_type(TokenType.R_PAREN)
        ts.end()
        alter.versioning_off = True
        return alter
    raise errors.unsupported(f"ALTER TABLE ... {ts.peek_text()}")


def parse_create_index(stmt: Statement) -> IndexDef:
    ts = Tokens(stmt)
    ts.expect("CREATE")
    unique = ts.accept("UNIQUE")
    clustered = ts.accept("CLUSTERED")
    ts.accept("NONCLUSTERED")
    if ts.accept("COLUMNSTORE"):
        raise errors.unsupported("COLUMNSTORE indexes")
    ts.expect("INDEX")
    name = ts.name()
    ts.expect("ON")
    table = ts.multipart()
    idx = IndexDef(name, table, _key_columns(ts), unique, clustered)
    if ts.accept("INCLUDE"):
        idx.include = _name_list(ts)
    if ts.accept("WHERE"):
        idx.where = ts.expression(frozenset({"WITH", "ON"}))
    ts.skip_options()
    ts.end()
    return idx
