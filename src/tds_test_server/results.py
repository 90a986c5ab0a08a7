"""What the SQL engine hands to the protocol layer, and what it takes from it.

The engine (engine/engine.py) is synchronous and thread-safe per session; the protocol
layer (protocol/server.py) runs each request on the session's thread and pulls rows lazily,
while another thread keeps reading the socket to honour ATTENTION mid-result.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .sqlerror import TdsError as TdsError  # part of the contract; defined apart for principals

if TYPE_CHECKING:
    from .principals import Principal


@dataclass(frozen=True)
class ColumnType:
    """A SQL Server column type, enough to write COLMETADATA.

    `name` is the lower-case T-SQL type name: int, bigint, smallint, tinyint, bit,
    decimal, numeric, float, real, money, smallmoney, date, time, datetime,
    datetime2, smalldatetime, datetimeoffset, uniqueidentifier, char, varchar,
    nchar, nvarchar, binary, varbinary, xml, and ntext (only FOR XML's result sends it).
    `length` is in characters for character types and bytes for binary types,
    -1 for (max). `precision`/`scale` for decimal/numeric, `scale` (fractional
    seconds digits) for time, datetime2 and datetimeoffset.
    """

    name: str
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    nullable: bool = True


@dataclass(frozen=True)
class ResultColumn:
    name: str
    type: ColumnType


@dataclass
class ResultSet:
    """One result set. `rows` is consumed lazily and at most once.

    Row values are Python values matching each column's type: int, bool,
    decimal.Decimal, float, datetime.date/time/datetime (aware for
    datetimeoffset), str, bytes, uuid.UUID, or None.
    """

    columns: list[ResultColumn]
    rows: Iterator[tuple[Any, ...]]


@dataclass(frozen=True)
class Done:
    """A statement finished without a result set; `row_count` for DML, else None.
    `in_proc`: a trigger's statement, which ends with DONEINPROC even in a batch."""

    row_count: int | None = None
    in_proc: bool = False


@dataclass(frozen=True)
class Message:
    """An informational message (INFO token, severity <= 10), e.g. from PRINT."""

    number: int
    text: str
    state: int = 1
    severity: int = 0


@dataclass(frozen=True)
class ReturnValue:
    """An output parameter or procedure return value for a RETURNVALUE token."""

    name: str
    type: ColumnType
    value: Any
    position: int | None = None  # the parameter's index in the procedure call's parameters


@dataclass(frozen=True)
class ReturnStatus:
    """The value a procedure's RETURN gave, for the RETURNSTATUS token of an RPC."""

    value: int


@dataclass(frozen=True)
class ProcedureStarted:
    """A user procedure that EXEC runs inside a batch begins: until its ProcedureEnded,
    statements end with DONEINPROC tokens, not DONE ([MS-TDS] 2.2.7.7)."""


@dataclass(frozen=True)
class ProcedureEnded:
    """That procedure has run all its statements: a DONEPROC token ([MS-TDS] 2.2.7.8)."""


Result = ResultSet | Done | Message | ReturnValue | ReturnStatus | ProcedureStarted | ProcedureEnded


@dataclass(frozen=True)
class Param:
    """A parameter from an RPC: name with its leading '@', declared type, value."""

    name: str
    type: ColumnType
    value: Any
    output: bool = False


@dataclass
class SessionInfo:
    spid: int
    user: str
    database: str
    app_name: str = ""
    host_name: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    principal: Principal | None = None  # None: the privileged login
    # The server's --login principals: the database's users besides dbo (and the
    # session's own), which sys.database_principals lists
    users: tuple[Principal, ...] = ()
    # The session's language (SET LANGUAGE): the one LOGIN7 named, "" for the server's
    # default, until the engine opens the session and names it as sys.syslanguages does.
    language: str = ""


class EngineSession(Protocol):
    """One client session's view of the engine (its own transaction state)."""

    info: SessionInfo

    def execute(self, sql: str, params: list[Param] | None = None) -> Iterator[Result]:
        """Run a T-SQL batch. Yields results in order; raises TdsError on the
        failing statement (results already yielded stand). Parameters are bound
        by name (`@P1`, `@id`)."""
        ...

    def call_procedure(self, name: str, params: list[Param]) -> Iterator[Result]:
        """An RPC by name that the protocol layer does not handle itself
        (sp_datatype_info_100, sp_describe_undeclared_parameters, ...)."""
        ...

    def begin(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...

    @property
    def trancount(self) -> int: ...

    def reset_connection(self) -> None:
        """sp_reset_connection (the RESETCONNECTION status bit): a new logical connection
        starts, so session-scoped state such as SESSION_CONTEXT is cleared."""
        ...

    def cancel(self) -> None:
        """Called from another thread on ATTENTION: stop the running statement
        (including WAITFOR) as soon as possible; one that comes before the request's
        first statement stops it there. The request's end forgets it."""
        ...

    def forget_cancel(self) -> None:
        """Drop a cancel that came as the last request ended: called as the next starts."""
        ...

    def close(self) -> None: ...
