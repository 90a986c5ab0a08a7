"""`azsql-mcp check`: the types SQL Server deduces for the parameters of declared
statements (`[tools.NAME] statement`), and the `sql_type` a string parameter that meets
a char or varchar column had better declare.

Without `sql_type` a string goes as nvarchar, and SQL Server converts a varchar column it
is compared with to nvarchar ("Data type precedence"), which under a SQL collation turns
an index seek into a scan. sp_describe_undeclared_parameters gives, for `col = @p`, the
column's type (varchar(8000) where a char or varchar value is compared with `<` or `>`,
or through an expression): the type the parameter should be sent as. It analyses the
statement, runs nothing, and needs the permissions the statement itself needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from azsql_mcp.db.driverdescribe import suggested_types

DESCRIBE_SQL = "EXEC sp_describe_undeclared_parameters @tsql = ?"
# What a string parameter sent as nvarchar converts, when the column it meets is one
_NARROW = ("char", "varchar")


@dataclass(frozen=True)
class DeclaredStatement:
    """A declared statement tool of one source, its string parameters that declare no
    `sql_type` (sent as nvarchar), and whether it writes (`writes = true`)."""

    tool: str
    statement: str
    strings: tuple[str, ...]
    writes: bool = False


def declared_statements(
    tools: Mapping[str, Mapping[str, Any]], source: str, default_source: str | None
) -> list[DeclaredStatement]:
    """The `[tools.NAME]` tables with a `statement` on `source` (a table that names no
    source uses the default one). Read from the tables as the config gives them, which
    `declare_tools` has already found valid."""
    found = []
    for name, table in sorted(tools.items()):
        statement = table.get("statement")
        if not isinstance(statement, str) or (table.get("source") or default_source) != source:
            continue
        parameters = table.get("parameters")
        if not isinstance(parameters, Mapping):  # none, or a table `config` reports
            parameters = {}
        strings = tuple(
            param
            for param, decl in parameters.items()
            if isinstance(decl, Mapping)
            and decl.get("type") == "string"
            and decl.get("sql_type") is None
        )
        found.append(DeclaredStatement(name, statement, strings, table.get("writes") is True))
    return found


def sql_type_advice(declared: DeclaredStatement, described: Sequence[Any]) -> list[str]:
    """A line per string parameter of `declared` whose deduced type (the rows of
    sp_describe_undeclared_parameters) is char or varchar: the `sql_type` to add."""
    types = suggested_types(list(described))
    lines = []
    for param in declared.strings:
        deduced = types.get(param.lower(), "")
        base, _, rest = deduced.partition("(")
        if base.lower() not in _NARROW:
            continue
        length = rest.rstrip(")")
        if not length.isdigit():  # varchar(max): no sql_type holds it, nor an index key
            continue
        # varchar(n) for a char(n) column too: a char value is padded, which LIKE sees
        suggested = f"varchar({length})"
        lines.append(
            f"tools.{declared.tool}.parameters.{param}: SQL Server deduces {deduced} (what"
            f" it is compared with or written to is char or varchar), but the string is sent"
            f" as nvarchar, which converts a column it is compared with and can turn an"
            f" index seek into a scan; add"
            f' sql_type = "{suggested}" to [tools.{declared.tool}.parameters.{param}]'
        )
    return lines


def describe_failed(declared: DeclaredStatement, message: str) -> str:
    """The note for a statement SQL Server would not describe: a permission the login
    lacks (the statement's own), or a parameter whose type it cannot deduce."""
    return (
        f"tools.{declared.tool}: SQL Server did not describe its parameters ({message});"
        " its string parameters were not compared with the columns they meet. A"
        " permission error means the login lacks what the statement itself needs"
        " (sp_describe_undeclared_parameters needs the statement's permissions)"
    )
