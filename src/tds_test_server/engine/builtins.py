"""Every function a session's SQLite connection gets: functions.py's own, and the T-SQL
built-ins written in the modules that build on it (the clock, CONVERT styles, PARSE, the
analytic functions, STRING_SPLIT's helper, the percentile windows)."""

from __future__ import annotations

import sqlite3

from . import functions
from .bitwise import BITWISE_FUNCTIONS
from .checksums import CHECKSUM_FUNCTIONS
from .clocks import CLOCK_FUNCTIONS
from .comparisons import COMPARISON_FUNCTIONS
from .convert import CONVERT_FUNCTIONS
from .culture_parse import PARSE_CALLS
from .datalength import DATALENGTH_FUNCTIONS
from .date_arithmetic import DATE_ARITHMETIC_FUNCTIONS
from .date_from_parts import DATE_FROM_PARTS_FUNCTIONS
from .hashbytes import HASHBYTES_FUNCTIONS
from .json_modify import JSON_MODIFY_FUNCTIONS
from .json_read import JSON_READ_FUNCTIONS
from .like_patterns import LIKE_FUNCTIONS
from .newer_builtins import NEWER_AGGREGATES, NEWER_FUNCTIONS
from .quantified import PERCENTILE_WINDOWS
from .recursion import RECURSION_FUNCTIONS
from .replicate import REPLICATE_FUNCTIONS
from .scalar_subqueries import ONE_VALUE, OneValue
from .sequences import SequenceValues
from .string_stores import STRING_STORE_FUNCTIONS
from .text_functions import TEXT_FUNCTIONS
from .tsql_functions import TSQL_AGGREGATES, TSQL_FUNCTIONS, StringAgg
from .tvf import TVF_FUNCTIONS


def register(conn: sqlite3.Connection, ctx: functions.SessionContext) -> SequenceValues:
    """Every function on `conn`; the connection's sequence values, which a rollback keeps."""
    functions.register(conn, ctx)
    for name, (arity, fn, deterministic) in (
        CHECKSUM_FUNCTIONS
        | CLOCK_FUNCTIONS
        | BITWISE_FUNCTIONS
        | COMPARISON_FUNCTIONS
        | CONVERT_FUNCTIONS
        | PARSE_CALLS
        | RECURSION_FUNCTIONS
        | DATALENGTH_FUNCTIONS
        | DATE_ARITHMETIC_FUNCTIONS
        | DATE_FROM_PARTS_FUNCTIONS
        | HASHBYTES_FUNCTIONS
        | JSON_MODIFY_FUNCTIONS
        | JSON_READ_FUNCTIONS
        | LIKE_FUNCTIONS
        | NEWER_FUNCTIONS
        | REPLICATE_FUNCTIONS
        | STRING_STORE_FUNCTIONS
        | TEXT_FUNCTIONS
        | TSQL_FUNCTIONS
        | TVF_FUNCTIONS
    ).items():
        conn.create_function(name, arity, functions.guarded(fn, ctx), deterministic=deterministic)
    sequence_values = SequenceValues(conn)
    next_value = functions.guarded(sequence_values, ctx)
    conn.create_function("AZSQL_NEXT_VALUE", 2, next_value, deterministic=False)
    for name, aggregate in NEWER_AGGREGATES.items():
        conn.create_aggregate(name, -1, aggregate)
    for name, collect in TSQL_AGGREGATES.items():  # STDEV ... OVER (...) too
        conn.create_window_function(name, 1, collect)
    conn.create_aggregate("TSQL_STRING_AGG", 4, StringAgg)  # type: ignore[arg-type]
    conn.create_aggregate(ONE_VALUE, 1, lambda: OneValue(ctx))
    for name, window in PERCENTILE_WINDOWS.items():
        conn.create_window_function(name, 3, window)  # type: ignore[arg-type]
    return sequence_values
