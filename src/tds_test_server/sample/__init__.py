"""A sample database shaped like Microsoft's AdventureWorksLT (schema SalesLT).

The tables, column names, T-SQL types and constraint names follow the published
AdventureWorksLT schema, with two deliberate differences:
- user-defined types are replaced by their base types (dbo.Name -> nvarchar(50),
  dbo.Flag and dbo.NameStyle -> bit, dbo.Phone -> nvarchar(25), dbo.OrderNumber ->
  nvarchar(25), dbo.AccountNumber -> nvarchar(15));
- the computed columns (SalesOrderHeader.SalesOrderNumber and TotalDue,
  SalesOrderDetail.LineTotal) are plain columns filled at generation time with
  the values the original formulas would give.

Every row is generated from a fixed seed (no data is copied from the original),
so the same sample comes out on every run. Each DDL statement is sent as its own
batch, exactly as it would run on SQL Server; rows go in through the engine's
bulk loader with explicit identity values. The database is built once per
version of this package's code and kept in the temp directory; each
Engine(seed=SAMPLE) starts from a copy of that file.

Here: loading, the cached build and SAMPLE, the seed the engine takes. The DDL is in
schema.py, the generated rows in rows.py, the CLR-typed table in clr.py, the stored
procedures and the inline function in procedures.py.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import sqlite3
import tempfile
import time
import uuid
from typing import TYPE_CHECKING

from ..results import SessionInfo
from .procedures import SAMPLE_FUNCTIONS, SAMPLE_PROCEDURES
from .rows import generate_rows
from .schema import SAMPLE_DDL, SAMPLE_INDEXES, SAMPLE_VIEWS, description_statements

if TYPE_CHECKING:
    from ..engine.catalog import Catalog
    from ..engine.engine import Engine


SAMPLE_DATABASE = "AdventureWorksLT"  # the name the sample's user database goes by


def load_sample(engine: Engine) -> None:
    """Create the SalesLT schema in `engine` and fill it with the generated rows."""
    session = engine.session(SessionInfo(spid=0, user="dbo", database="master"))
    try:
        for statement in SAMPLE_DDL:
            for _ in session.execute(statement):
                pass
        for table in generate_rows():
            engine.bulk_insert(table.table, table.columns, table.rows)
        for statement in [
            *SAMPLE_INDEXES,
            *SAMPLE_VIEWS,
            *description_statements(),
            *SAMPLE_PROCEDURES,
            *SAMPLE_FUNCTIONS,
        ]:
            for _ in session.execute(statement):
                pass
    finally:
        session.close()


_CACHE_DIR = "azsql-tds-sample"


_STALE_SECONDS = 3600  # builds of other code versions unused for an hour are removed


def copy_cached_sample(path: str) -> None:
    """Write the sample database to `path` (a new file) from the cached build. Where the
    temp directory cannot hold the cache nothing is written, and the engine loads the
    sample into `path` itself."""
    try:
        shutil.copyfile(_cached_sample(), path)
    except OSError:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


def _cached_sample() -> str:
    """The built sample for this code version; built now if missing. Concurrent
    processes may both build it: each writes a private file and renames it into place."""
    directory = os.path.join(tempfile.gettempdir(), _CACHE_DIR)
    os.makedirs(directory, exist_ok=True)
    final = os.path.join(directory, f"sample-{_code_version()}.sqlite")
    if os.path.exists(final):
        with contextlib.suppress(OSError):
            os.utime(final)  # in use: not stale
        return final
    from ..engine.engine import Engine

    building = os.path.join(directory, f"building-{os.getpid()}-{uuid.uuid4().hex}.sqlite")
    try:
        with Engine() as engine:  # a private file without fsyncs, then copied out whole
            load_sample(engine)
            engine.save_copy(building)
        os.replace(building, final)
    finally:
        for leftover in (building, building + "-wal", building + "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(leftover)
    _remove_stale(directory, keep=final)
    return final


@functools.cache
def _code_version() -> str:
    """A hash of everything the built file depends on: the test server's code, SQLite, sqlglot."""
    import sqlglot

    digest = hashlib.sha256(f"{sqlite3.sqlite_version} {sqlglot.__version__}".encode())
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for directory, subdirectories, names in sorted(os.walk(package)):
        subdirectories.sort()
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                with open(path, "rb") as source:
                    relative = os.path.relpath(path, package)
                    digest.update(relative.encode() + b"\0" + source.read())
    return digest.hexdigest()[:16]


def _remove_stale(directory: str, keep: str) -> None:
    cutoff = time.time() - _STALE_SECONDS
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        with contextlib.suppress(OSError):
            if path != keep and os.path.getmtime(path) < cutoff:
                os.remove(path)


class _SampleSeed:
    """The sample as an engine seed (see engine.Seed)."""

    database = SAMPLE_DATABASE

    def copy_to(self, path: str) -> None:
        copy_cached_sample(path)

    def is_loaded(self, catalog: Catalog) -> bool:
        return catalog.table("SalesLT", "Customer") is not None

    def load(self, engine: Engine) -> None:
        load_sample(engine)


SAMPLE = _SampleSeed()


"""Pass as `Engine(seed=SAMPLE)` for an engine holding AdventureWorksLT."""
