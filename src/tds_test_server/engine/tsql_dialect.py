"""The T-SQL dialect the engine parses statements with: sqlglot's, but for the calls it
reads as another function SQL Server tells apart.

sqlglot reads SYSDATETIME() as GETDATE() (its CURRENT_TIMESTAMP), a datetime; SQL Server
returns a datetime2(7) ("SYSDATETIME (Transact-SQL)"), which keeps its 100 ns digit, is
typed so in the result's metadata and does not convert to a number (Msg 529). It stays
its own call here, as sqlglot leaves SYSUTCDATETIME(); functions.py computes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from sqlglot import exp
from sqlglot.dialects.tsql import TSQL
from sqlglot.parsers.tsql import TSQLParser


def _own_call(name: str) -> Callable[[list[exp.Expression]], exp.Expression]:
    return lambda args: exp.Anonymous(this=name, expressions=args)


class EngineTSQL(TSQL):
    """T-SQL with SYSDATETIME() kept apart from GETDATE()."""

    class Parser(TSQLParser):
        FUNCTIONS: ClassVar = {**TSQLParser.FUNCTIONS, "SYSDATETIME": _own_call("SYSDATETIME")}
