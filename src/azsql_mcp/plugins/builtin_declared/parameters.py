"""What sys.parameters says about the declared procedures: read once per source for
every procedure tool of one configuration (one query), checked against the
declarations, and turned into typed inputs for the parameters left undeclared."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from azsql_mcp import Database
from azsql_mcp.catalog import format_sql_type, read_all
from azsql_mcp.catalog.access import execute_grant, quote
from azsql_mcp.plugins.builtin_declared.model import (
    BIGINT,
    NAME,
    RESERVED,
    ParameterDecl,
    ToolDecl,
)

# One row per parameter of each procedure, in order; one row with a NULL name for a
# procedure without parameters, and a NULL object_id for one this login cannot find.
# A procedure is of type P (T-SQL) or PC (CLR, "sys.objects"). OBJECT_ID(name, type) is
# NULL without any permission on the procedure, its schema or
# the database (metadata visibility): a db_datareader login sees every procedure (its
# SELECT on the database covers the schemas), yet may run only those it holds EXECUTE on.
# The base type comes from sys.parameters alone: a login with EXECUTE on the procedure
# and no permission on an alias type it uses (AdventureWorks' dbo.Name) sees no
# sys.types row for that type, but its system_type_id is the system type it is built on
# (sysname too: the system's own alias of nvarchar(128)). CLR (240) and table (243)
# types are their own base; their name is NULL when this login cannot see the type.
# A parameter has the database's default collation, whose code page is that of its
# char and varchar values ("COLLATIONPROPERTY").
CODE_PAGE = """CONVERT(int, COLLATIONPROPERTY(CONVERT(nvarchar(128),
           DATABASEPROPERTYEX(DB_NAME(), 'Collation')), 'CodePage'))"""
CATALOG = """
SELECT n.ordinal, n.object_id, p.name,
       CASE WHEN p.user_type_id <> p.system_type_id AND p.system_type_id NOT IN (240, 243)
            THEN TYPE_NAME(p.system_type_id) ELSE TYPE_NAME(p.user_type_id) END AS base_type,
       p.max_length, p.[precision], p.scale, p.is_output, USER_NAME() AS user_name,
       {code_page} AS code_page
FROM (VALUES {rows}) AS n(ordinal, object_id)
LEFT JOIN sys.parameters AS p ON p.object_id = n.object_id
ORDER BY n.ordinal, p.parameter_id"""

UNKNOWN_TYPE = "(a type this login cannot see)"
_INTEGERS = {
    "tinyint": (0, 255),
    "smallint": (-32768, 32767),
    "int": (-(2**31), 2**31 - 1),
    "bigint": BIGINT,
}
# real's range ("float and real"); float's is that of a JSON number
_REAL = 3.4028234663852886e38
_DECIMALS = {"decimal", "numeric"}
# (max_digits, bounds) of the money types, scale 4: their ranges are narrower than the
# digits allow
_MONEY = {
    "money": (19, (Decimal("-922337203685477.5808"), Decimal("922337203685477.5807"))),
    "smallmoney": (10, (Decimal("-214748.3648"), Decimal("214748.3647"))),
}
_STRINGS = {"char", "varchar", "nchar", "nvarchar", "text", "ntext"}
_DATETIMES = {"datetime", "datetime2", "smalldatetime", "datetimeoffset"}
# what a value may be without SQL Server rounding it or refusing it (datetimes.py)
_HOLDS = {
    "smalldatetime": "; whole minutes from 1900-01-01 to 2079-06-06",
    "datetime": "; from 1753-01-01, milliseconds ending in 0, 3 or 7",
}


@dataclass(frozen=True)
class CatalogParameter:
    """One row of sys.parameters: the name without '@'."""

    name: str
    base_type: str | None  # None: a type this login cannot see
    max_length: int
    precision: int
    scale: int
    is_output: bool

    @property
    def sql_type(self) -> str:
        """As declared on its base type (nvarchar(50), decimal(19,4)): what a DECLARE of
        the OUTPUT variable takes, and what the description shows."""
        if self.base_type is None:
            return UNKNOWN_TYPE
        return format_sql_type(self.base_type, self.max_length, self.precision, self.scale)

    def as_input(self) -> ParameterDecl | None:
        """A parameter declaration for a client's value, or None when its type has no
        JSON form (xml, sql_variant, CLR and table types, and a type this login cannot
        see)."""
        base = self.base_type
        if base is None:
            return None
        note = ""
        if base == "datetimeoffset":
            note = "; its UTC offset is kept (a value without one is taken as UTC)"
        elif base in _DATETIMES:
            note = "; a value with a UTC offset is converted to UTC"
        note += _HOLDS.get(base, "")
        text = f"{self.sql_type}{note}; omit it for the procedure's default"
        if base in _INTEGERS:
            low, high = _INTEGERS[base]
            return ParameterDecl(type="integer", description=text, minimum=low, maximum=high)
        if base == "real":
            return ParameterDecl(type="number", description=text, minimum=-_REAL, maximum=_REAL)
        if base == "float":
            return ParameterDecl(type="number", description=text)
        if base in _DECIMALS:
            return ParameterDecl(
                type="decimal",
                description=text,
                max_digits=self.precision or None,
                decimal_places=self.scale if self.precision else None,
            )
        if base in _MONEY:
            digits, (low_money, high_money) = _MONEY[base]
            return ParameterDecl(
                type="decimal",
                description=text,
                max_digits=digits,
                decimal_places=4,
                minimum=low_money,
                maximum=high_money,
            )
        if base == "bit":
            return ParameterDecl(type="boolean", description=text)
        if base == "date":
            return ParameterDecl(type="date", description=text)
        if base in _DATETIMES:
            return ParameterDecl(type="datetime", description=text)
        if base == "time":
            return ParameterDecl(type="time", description=text)
        if base == "uniqueidentifier":
            return ParameterDecl(type="uuid", description=text)
        if base in ("binary", "varbinary", "image"):
            bounded = self.max_length > 0 and base != "image"
            length = self.max_length if bounded else None
            # binary(n) pads a shorter value with 0x00 to n bytes, a different value
            shortest = length if base == "binary" else None
            return ParameterDecl(
                type="binary", description=text, min_length=shortest, max_length=length
            )
        if base in _STRINGS:
            bounded = self.max_length > 0 and base not in ("text", "ntext")
            length = self.max_length // 2 if base.startswith("n") else self.max_length
            return ParameterDecl(
                type="string", description=text, max_length=length if bounded else None
            )
        return None


@dataclass(frozen=True)
class Procedure:
    """What the catalog holds of one procedure: None for `parameters` when this login
    finds no such procedure."""

    parameters: list[CatalogParameter] | None
    user: str  # the database user, for the GRANT the message suggests
    code_page: int | None = None  # of char and varchar parameters; None: not known


# How long what was read of the procedures is used before it is read again: an ALTER
# PROCEDURE (a parameter added, dropped or of another type) is seen within this long,
# or at once by a call it makes fail (procedure.py).
REREAD_S = 60.0


class ProcedureCatalog:
    """sys.parameters of the procedures of one configuration's tools, read per source
    for all of them, by the first tool that asks, and again REREAD_S later."""

    def __init__(self) -> None:
        self.wanted: list[tuple[str, str | None]] = []  # (procedure, source or None)
        self._found: dict[str, dict[str, Procedure]] = {}  # source -> procedure -> it
        self._read_at: dict[str, float] = {}  # source -> when (monotonic)
        self._lock = asyncio.Lock()
        self._reads: dict[str, asyncio.Event] = {}  # source -> set at its next read

    def want(self, procedure: str, source: str | None) -> None:
        self.wanted.append((procedure, source))

    async def procedure(self, db: Database, procedure: str, *, again: bool = False) -> Procedure:
        """What the catalog holds of `procedure`; `again`: read now, whenever it was."""
        async with self._lock:
            read_at = self._read_at.get(db.source)
            if again or read_at is None or time.monotonic() - read_at > REREAD_S:
                self._found[db.source] = await self._read(db)
                self._read_at[db.source] = time.monotonic()
                self._reads.pop(db.source, asyncio.Event()).set()
        return self._found[db.source][procedure]

    async def altered(
        self, source: str, procedure: str, seen: Sequence[CatalogParameter] | None
    ) -> None:
        """Returns once a read (by a call: REREAD_S after the last, or after a failure)
        finds the procedure's parameters other than `seen`, or finds it gone."""
        while self._found.get(source, {}).get(procedure, Procedure(None, "")).parameters == seen:
            await self._reads.setdefault(source, asyncio.Event()).wait()

    async def _read(self, db: Database) -> dict[str, Procedure]:
        # a tool without `source` uses the default source, which may be this one
        names = sorted({p for p, source in self.wanted if source in (None, db.source)})
        values = ", ".join(
            f"({i}, COALESCE(OBJECT_ID(@p{i}, 'P'), OBJECT_ID(@p{i}, 'PC')))"
            for i in range(len(names))
        )
        params = {f"p{i}": name for i, name in enumerate(names)}
        rows, _ = await read_all(db, CATALOG.format(rows=values, code_page=CODE_PAGE), params)
        found: dict[str, list[CatalogParameter] | None] = {name: None for name in names}
        user, code_page = "", None
        for row in rows:
            user, code_page = str(row["user_name"]), row["code_page"]
            if row["object_id"] is None:
                continue
            parameters = found[names[int(row["ordinal"])]]
            if parameters is None:
                parameters = found[names[int(row["ordinal"])]] = []
            if row["name"] is not None:
                parameters.append(
                    CatalogParameter(
                        name=str(row["name"]).lstrip("@"),
                        base_type=None if row["base_type"] is None else str(row["base_type"]),
                        max_length=int(row["max_length"]),
                        precision=int(row["precision"]),
                        scale=int(row["scale"]),
                        is_output=bool(row["is_output"]),
                    )
                )
        return {name: Procedure(parameters, user, code_page) for name, parameters in found.items()}


def problems_of(tool: str, decl: ToolDecl, source: str, found: Procedure) -> list[str]:
    """The declaration checked against the catalog, one line per problem."""
    procedure = decl.procedure or ""
    if found.parameters is None:
        return [
            f"tools.{tool}.procedure: source {source!r} has no procedure {procedure!r} (or this"
            " login cannot see it: a procedure is hidden from a login without a permission on"
            " it, its schema or the database, db_datareader's SELECT showing none;"
            f" {execute_grant(procedure, found.user or '<user>')}"
            " shows it, unless a DENY EXECUTE on it, its schema or the database applies);"
            " fix the name in the config, or grant EXECUTE, then reload azsql-mcp (SIGHUP,"
            " or touch its config file)"
        ]
    unseen = [
        f"tools.{tool}.procedure: the OUTPUT parameter @{p.name} of {procedure!r} has a type"
        " this login cannot see (sys.parameters names none), so the call cannot declare its"
        f" variable; grant {quote(found.user) if found.user else '[<user>]'} VIEW DEFINITION"
        " on the type"
        for p in found.parameters
        if p.is_output and p.base_type is None
    ]
    known = {p.name.casefold() for p in found.parameters}
    listed = ", ".join(f"@{p.name}" for p in found.parameters) or "none"
    return unseen + [
        f"tools.{tool}.parameters.{p}: procedure {procedure!r} has no parameter @{p} (its"
        f" parameters: {listed}); remove or rename [tools.{tool}.parameters.{p}]"
        for p in decl.parameters
        if p.casefold() not in known
    ]


def undeclared(decl: ToolDecl, found: Sequence[CatalogParameter]) -> list[CatalogParameter]:
    declared = {p.casefold() for p in decl.parameters}
    return [p for p in found if p.name.casefold() not in declared]


def offered(decl: ToolDecl, found: Sequence[CatalogParameter]) -> Mapping[str, ParameterDecl]:
    """The undeclared input parameters a client may pass: those with a JSON type and a
    name that can be an argument."""
    out = {}
    for param in undeclared(decl, found):
        spec = None if param.is_output else param.as_input()
        if spec is not None and NAME.match(param.name) and param.name not in RESERVED:
            out[param.name] = spec
    return out
