"""The server and database: version, size, permissions, running requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from azsql_mcp.api import Database, DatabaseError, QueryTimeout, SourceBusy, advice
from azsql_mcp.catalog import access, sql
from azsql_mcp.catalog.reading import read_all
from azsql_mcp.values import records

# SERVERPROPERTY('EngineEdition'), from Microsoft's documentation of SERVERPROPERTY.
ENGINE_EDITIONS = {
    1: "Personal or Desktop Engine",
    2: "Standard",
    3: "Enterprise",
    4: "Express",
    5: "Azure SQL Database",
    6: "Azure Synapse Analytics",
    8: "Azure SQL Managed Instance",
    9: "Azure SQL Edge",
    11: "Azure Synapse serverless SQL pool",
    12: "Microsoft Fabric SQL database",
}
AZURE_SQL_EDITIONS = {5, 8}
# How a source answered a probe (health_check, database://status). "busy": it took the
# connection, but a probe query ran past query_timeout_s or every pooled connection was
# in use: slow, not down.
SourceStatus = Literal["connected", "busy", "not connected"]
SQL_SERVER_EDITIONS = {1, 2, 3, 4}


def engine_name(engine_edition: int | None) -> str:
    """What to call the product: its version numbers mean nothing without it (Azure SQL
    Database's 12.0 is newer than SQL Server 2022's 16.0)."""
    if engine_edition is None:
        return "unknown engine"
    if engine_edition in SQL_SERVER_EDITIONS:
        return "SQL Server"
    return ENGINE_EDITIONS.get(engine_edition, f"EngineEdition {engine_edition}")


# 297: "The user does not have permission to perform this action."
# 300: "VIEW SERVER STATE / VIEW DATABASE STATE permission was denied ..."
# 229: "The SELECT permission was denied on the object ..."
PERMISSION_DENIED = {229, 297, 300}


class DatabaseInfo(BaseModel):
    server_name: str | None
    product_version: str | None
    product_level: str | None
    edition: str | None
    engine_edition: int | None
    engine: str | None
    database_name: str
    compatibility_level: int | None
    collation: str | None
    service_objective: str | None  # Azure SQL only: null elsewhere, the schema stays one
    data_size_mb: float | None
    log_size_mb: float | None

    def shown(self) -> dict[str, Any]:
        """The fields as database_info's text shows them: a service objective off Azure
        SQL is not a value the server did not give, so the text says it does not apply."""
        fields = self.model_dump()
        if self.engine_edition not in AZURE_SQL_EDITIONS:
            fields["service_objective"] = "(Azure SQL only)"
        return fields


class Permissions(BaseModel):
    """What the login may do in the database. Whether it sees other sessions is not
    here: the permission that shows them depends on the engine (health_check's
    state_access); VIEW SERVER STATE alone would read false for a SQL Server 2022 login
    that sees them all through VIEW SERVER PERFORMANCE STATE."""

    login_name: str | None
    user_name: str | None
    showplan: bool
    view_definition: bool
    can_select: bool
    can_insert: bool
    can_update: bool
    can_delete: bool
    sees_every_table: bool  # the catalog shows it every table (catalog/sql.py)
    is_db_owner: bool


class RunningQuery(BaseModel):
    session_id: int
    status: str
    command: str
    start_time: str
    elapsed_s: float
    cpu_s: float
    wait_type: str | None
    wait_ms: int
    blocking_session_id: int | None
    logical_reads: int
    database_name: str | None
    login_name: str | None
    host_name: str | None
    program_name: str | None
    statement_text: str | None


async def database_info(db: Database) -> DatabaseInfo:
    r = records(await db.read(sql.DATABASE_INFO))[0]
    edition = _int(r["engine_edition"])
    return DatabaseInfo(
        server_name=r["server_name"],
        product_version=r["product_version"],
        product_level=r["product_level"],
        edition=r["edition"],
        engine_edition=edition,
        engine=ENGINE_EDITIONS.get(edition) if edition is not None else None,
        database_name=r["database_name"],
        compatibility_level=_int(r["compatibility_level"]),
        collation=r["collation_name"],
        service_objective=r["service_objective"] if edition in AZURE_SQL_EDITIONS else None,
        data_size_mb=_float(r["data_size_mb"]),
        log_size_mb=_float(r["log_size_mb"]),
    )


async def permissions(db: Database) -> Permissions:
    r = records(await db.read(sql.PERMISSIONS))[0]
    flags = {k: bool(v) for k, v in r.items() if k not in ("login_name", "user_name")}
    return Permissions(login_name=r["login_name"], user_name=r["user_name"], **flags)


async def long_running_queries(db: Database, min_seconds: float) -> tuple[list[RunningQuery], bool]:
    """Requests running for at least `min_seconds`, longest first; and whether cut."""
    try:
        rows, truncated = await read_all(
            db,
            sql.LONG_RUNNING_QUERIES,
            {"min_ms": int(min_seconds * 1000)},
            limit=500,
            server_state=True,  # behind the sql.admin scope, like every admin tool
        )
    except DatabaseError as e:
        if e.number in PERMISSION_DENIED:
            raise e.reworded(await _state_denied(db, e)) from e
        raise
    return [_running_query(r) for r in rows], truncated


async def _state_denied(db: Database, error: DatabaseError) -> str:
    """Why reading the request DMVs was refused, naming the permission this engine needs
    and the login or user it goes to, as health_check does."""
    try:
        state = await access.state_access(db)
    except DatabaseError:  # the permission read refused too: name what each engine needs
        return (
            f"The server refused to list running queries: {error} Listing them needs, granted"
            " by a DBA: GRANT VIEW SERVER STATE TO [login]; (in master) on SQL Server 2019"
            " and earlier, GRANT VIEW SERVER PERFORMANCE STATE TO [login]; on SQL Server 2022,"
            " GRANT VIEW DATABASE STATE TO [user]; on Azure SQL Database."
        )
    if state.sees_all_sessions:  # held, yet refused: security.md, "least privilege"
        why = access.state_refused_anyway(state.permission)
    else:
        why = (
            f"Listing them needs {state.permission}, which the login lacks. A DBA can grant"
            f" it with: {state.grant}"
        )
    return f"The server refused to list running queries: {error} {why}"


def _running_query(r: dict[str, Any]) -> RunningQuery:
    start = r["start_time"]
    return RunningQuery(
        session_id=int(r["session_id"]),
        status=r["status"],
        command=r["command"],
        start_time=start.isoformat() if isinstance(start, datetime) else str(start),
        elapsed_s=float(r["elapsed_s"]),
        cpu_s=float(r["cpu_s"]),
        wait_type=r["wait_type"],
        wait_ms=int(r["wait_ms"] or 0),
        blocking_session_id=_int(r["blocking_session_id"]) or None,
        logical_reads=int(r["logical_reads"] or 0),
        database_name=r["database_name"],
        login_name=r["login_name"],
        host_name=r["host_name"],
        program_name=r["program_name"],
        statement_text=r["statement_text"],
    )


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def busy_reason(exc: DatabaseError, timeout_s: float) -> str | None:
    """Why a probe's failure means the source is busy, not down (its `SourceStatus`
    "busy"), said for the caller; None for any other failure. A timeout's own message
    advises asking for less, which is for a caller's query, not for a probe."""
    if isinstance(exc, QueryTimeout):
        return (
            "the server accepted the connection, but a probe query did not answer within"
            f" query_timeout_s = {timeout_s:g} s, so the server is busy or slow, not down."
            " Retry in a little while;"
            + advice(
                "list_long_running_queries",
                " list_long_running_queries shows what runs now, if the login may see other"
                " sessions;",
            )
            + " if it persists, an operator can check the"
            " server's load (on Azure SQL, its service objective) or raise [limits]"
            " query_timeout_s."
        )
    if isinstance(exc, SourceBusy):  # every pooled connection in use: it says when to retry
        return str(exc)
    return None
