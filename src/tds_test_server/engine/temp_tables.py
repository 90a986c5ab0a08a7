"""The columns of a session's temporary tables (`#t`), which the shared catalog does not
hold: an INSERT or UPDATE of one converts its values to the columns' types as for a
permanent table (date_literals.py, decimal_stores.py).

Each session keeps its own map (name -> Table), and TEMP_TABLES points at the map of the
session whose statement the thread runs, as DATE_ORDER follows its date order. A
translation of a statement that names a `#` table depends on the map too, so it is cached
with temp_signature's key.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from types import MappingProxyType

from ..results import ColumnType
from .catalog import Column, Table

TEMP_TABLES: ContextVar[Mapping[str, Table]] = ContextVar(
    "temp_tables", default=MappingProxyType({})
)

# The column types of each of a session's temporary tables, by name.
TempSignature = tuple[tuple[str, tuple[ColumnType, ...]], ...]


def temp_table(name: str) -> Table | None:
    """The running session's temporary table `name` (`#t`), if it has one."""
    return TEMP_TABLES.get().get(name.casefold()) if name.startswith("#") else None


def temp_signature(text: str) -> TempSignature:
    """What a translation of `text` may take from the session's temporary tables: their
    columns' types where the statement may name one ('#' in it), else nothing."""
    if "#" not in text:
        return ()
    tables = TEMP_TABLES.get()
    return tuple((key, tuple(c.type for c in t.columns)) for key, t in sorted(tables.items()))


def typed_temp_table(name: str, columns: list[tuple[str, ColumnType, bool]]) -> Table:
    """A temporary table's Table: (name, type, is identity) for each column."""
    typed = [
        Column(i, col, ctype, is_identity=identity)
        for i, (col, ctype, identity) in enumerate(columns, start=1)
    ]
    return Table(0, "", name, "U", typed)
