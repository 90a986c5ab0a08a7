"""A session's state (its SQLite connection, SET options, request) and what functions.py
reads from it: the base of every concern of EngineSession (see engine.py).
"""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
import threading
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from .. import compat_levels, principals
from ..editions import Edition
from ..results import (
    ColumnType,
    SessionInfo,
    TdsError,
)
from . import builtins, functions, try_catch
from .batches import Statement
from .catalog import Catalog, create_session_objects
from .date_strings import DATE_ORDER
from .languages import DATE_FIRST, Language, login_language
from .session_context import SessionKeys
from .temp_tables import TempTable
from .textsize import ODBC_TEXTSIZE
from .translate import Translator

_FETCH = 1000


_DEFAULT_BUSY_MS = 60_000


_NONAME = "__azsql_noname_"


def _now_text() -> str:
    return functions.format_datetime(dt.datetime.now(), "datetime")


def datetime_text(value: dt.datetime | None) -> str | None:
    """A clock reading as a datetime column holds it. A request's start and end are kept
    as read and written out only when a DMV shows them: most requests are never shown."""
    return None if value is None else functions.format_datetime(value, "datetime")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


Chunks = Generator[Iterable[tuple[Any, ...]], None, None]


class RowStream(itertools.chain[tuple[Any, ...]]):
    """The rows of a result set, fetched and converted a chunk at a time.

    Iterating it is chain's C-level `next`, not a generator resumed per row;
    `close()` ends the producer (closes the cursor, records @@ROWCOUNT).
    """

    _chunks: Chunks

    def __new__(cls, chunks: Chunks) -> RowStream:
        stream = cast(RowStream, cls.from_iterable(chunks))
        stream._chunks = chunks
        return stream

    def close(self) -> None:
        self._chunks.close()


@dataclass
class Variable:
    type: ColumnType | None
    value: Any  # in SQLite storage form


@dataclass
class Request:
    text: str
    start: dt.datetime
    started: float
    command: str = "SELECT"


class EngineHandle(Protocol):
    """What a session uses of its engine.Engine: a protocol, so that the session modules
    need not import the module that builds sessions."""

    path: str
    catalog: Catalog
    translator: Translator
    user_database: str | None
    edition: Edition

    def _connect(self) -> sqlite3.Connection: ...
    def split(self, text: str) -> list[Statement]: ...
    def sessions(self) -> Sequence[SessionState]: ...
    def _forget(self, session: SessionState) -> None: ...


class SessionState:
    """The state every concern of a session reads."""

    def __init__(self, engine: EngineHandle, info: SessionInfo):
        self.engine = engine
        self.info = info
        self.principal = info.principal or principals.privileged(info.user)
        self.catalog = engine.catalog
        self.rowcount = 0
        self.error_number = 0  # @@ERROR: the last statement's error, 0 after one that ran
        # the GLOBAL cursors by name, each a cursors.Cursor (that module imports this one)
        self.cursors: dict[str, Any] = {}
        self.fetch_status = -1  # @@FETCH_STATUS
        self.last_identity: int | None = None
        self.lock_timeout_ms = -1
        self.pending_error: TdsError | None = None
        self.nocount = False
        self.showplan = False
        self.fmtonly = False
        self.xact_abort = False
        # TRY...CATCH (try_catch.py): the caught errors, innermost last; the TRY blocks
        # running; an uncommittable transaction (XACT_STATE() -1)
        self.caught: list[TdsError] = []
        self.trying = 0
        self.doomed = False
        self.textsize = ODBC_TEXTSIZE  # SET TEXTSIZE
        # the language the login asked for (LOGIN7), else us_english; SET LANGUAGE
        # changes info.language from there
        self.login_language = login_language(info.language)
        info.language = self.login_language.name
        self.date_order = self.login_language.date_format  # SET DATEFORMAT
        self.date_first = self.login_language.date_first  # SET DATEFIRST
        # `#t` by name casefolded, as temp_tables.py keeps
        self.temp_tables: dict[str, TempTable] = {}
        self._temp_tables_at_begin: dict[str, TempTable] = {}  # what a ROLLBACK restores
        self.identity_insert: set[str] = set()
        self.login_time = _now_text()
        self.last_request_start: dt.datetime | None = None
        self.last_request_end: dt.datetime | None = None
        self.request: Request | None = None
        self._depth = 0
        self._proc_depth = 0  # user procedures running (nested EXEC included)
        self._ddl_in_tran = False
        self._cancel = threading.Event()
        self._lock = threading.RLock()
        self._closed = False
        self.conn = engine._connect()
        create_session_objects(self.conn)
        self.conn.execute(
            "INSERT OR REPLACE INTO temp.__azsql_session VALUES ('db', ?), ('file', ?),"
            " ('userdb', ?), ('view_definition', ?), ('compat', ?), ('master_compat', ?)",
            (
                self.database,
                engine.path,
                engine.user_database or self.database,
                int(self.principal.sees_definitions),
                engine.edition.compatibility_level,
                engine.edition.max_compatibility_level,
            ),
        )
        # the database's --login users (principal_views.py), the session's own among them
        users = {p.user_name.casefold(): p for p in (*info.users, self.principal)}
        self.conn.executemany(
            "INSERT INTO temp.__azsql_users VALUES (?, ?)",
            [(p.user_name, p.user_id) for p in users.values() if not p.privileged],
        )
        self.sequence_values = builtins.register(self.conn, self)
        principals.register_functions(
            self.conn,
            lambda: self.principal,
            self.sees_object,
            compat_levels.unknown_permissions(engine.edition),
        )
        self.session_keys = SessionKeys()  # sp_set_session_context / SESSION_CONTEXT(N'key')
        self.statement_serial = 0  # counts the statements run (engine.py), for _hidden
        self._hidden: tuple[tuple[object, ...], frozenset[int]] | None = None
        self.conn.create_function("SESSION_CONTEXT", 1, self.session_keys.get, deterministic=False)
        try_catch.register(self.conn, self)

    def reload_memberships(self) -> None:
        """The role memberships ALTER ROLE left in the catalog, read at each request."""
        self.principal = self.principal.with_memberships(self.conn)

    # -- context for functions.py
    def sees_object(self, object_id: int) -> bool:
        """Metadata visibility of one object, as the catalog views apply it."""
        if self.principal.sees_all_objects:
            return True
        return object_id not in self._hidden_objects()

    def _hidden_objects(self) -> frozenset[int]:
        """temp.__azsql_hidden, read once a statement while nothing changes: it looks at
        every object, and OBJECT_NAME on each row of a catalog query asked it for each
        (sys.foreign_keys as a reader: O(N^2) in the number of tables)."""
        key = (
            self.statement_serial,
            self.conn.total_changes,
            self.catalog.generation,
            self.principal,
        )
        if self._hidden is None or self._hidden[0] != key:
            found = self.conn.execute("SELECT object_id FROM temp.__azsql_hidden")
            self._hidden = (key, frozenset(row[0] for row in found))
        return self._hidden[1]

    @property
    def spid(self) -> int:
        return self.info.spid

    @property
    def database(self) -> str:
        return self.info.database or "master"

    @property
    def user_database(self) -> str:
        """The database with id 5: the sample's, else the one this session logged in to."""
        return self.engine.user_database or self.database

    @property
    def edition(self) -> Edition:
        return self.engine.edition

    @property
    def login(self) -> str:
        return self.info.user

    @property
    def app_name(self) -> str:
        return self.info.app_name

    @property
    def host_name(self) -> str:
        return self.info.host_name

    @property
    def trancount(self) -> int:
        return self._depth

    @property
    def language(self) -> str:
        """SET LANGUAGE's (@@LANGUAGE): kept in info, which the protocol layer reads to
        tell the client of a change (ENVCHANGE)."""
        return self.info.language

    @language.setter
    def language(self, name: str) -> None:
        self.info.language = name

    def date_settings(self) -> tuple[str, str, int]:
        """SET LANGUAGE, DATEFORMAT and DATEFIRST as they stand (a procedure restores
        them when it ends)."""
        return self.language, self.date_order, self.date_first

    def restore_date_settings(self, settings: tuple[str, str, int]) -> None:
        self.language, self.date_order, self.date_first = settings
        self.apply_date_settings()

    def apply_date_settings(self) -> None:
        """Point the thread's date conversions and functions at this session's SET
        DATEFORMAT and DATEFIRST."""
        DATE_ORDER.set(self.date_order)
        DATE_FIRST.set(self.date_first)

    def set_language(self, found: Language) -> None:
        """SET LANGUAGE: the language's DATEFORMAT and DATEFIRST come with it."""
        self.restore_date_settings((found.name, found.date_format, found.date_first))

    def reset_connection(self) -> None:
        """sp_reset_connection: the session context and SET LANGUAGE, DATEFORMAT and
        DATEFIRST belong to the logical connection (its language: the login's)."""
        self.session_keys.clear()
        self.set_language(self.login_language)
