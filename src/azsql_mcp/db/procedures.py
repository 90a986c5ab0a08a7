"""The batch that calls one declared stored procedure, built from names the server
checked (never from a client's text; EXEC stays refused in read_data).

pyodbc has no OUTPUT parameters, so OUTPUT values and the return status come back as a
last result set: DECLARE the variables, EXEC @rc = proc ..., SELECT them (the idiom of
the EXECUTE documentation: `EXEC @return_status = proc`). The batch sets NOCOUNT OFF:
a procedure inherits it, and the counts it then reports are what max_affected_rows
bounds (a NOCOUNT left on by an earlier batch of the pooled session would hide them)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from azsql_mcp.api import QueryRefused

# Regular identifiers, letters of any script included (dbo.uspÜber, @Größe), as the
# config and the catalog give them: a letter or _, then letters, digits or _. No `]`
# can occur, so a part is safe in brackets.
_PART = re.compile(r"^\[?([^\W\d]\w{0,127})\]?$")
_PARAM = re.compile(r"^@?([^\W\d]\w{0,127})$")
_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\s*\(\s*(\d+|max)\s*(,\s*\d+\s*)?\))?$", re.IGNORECASE)
RETURN_VALUE = "return_value"
_ALLOWED = "a procedure name (schema.name), parameter names and SQL types of OUTPUT parameters"


def quoted_procedure(name: str) -> str:
    """`schema.name` as [schema].[name]; refuses anything else."""
    parts = name.split(".")
    matches = [_PART.match(p) for p in parts]
    if not 1 <= len(parts) <= 2 or not all(matches):
        raise QueryRefused(f"{name!r} is not a procedure name (schema.name).", _ALLOWED)
    return ".".join(f"[{m.group(1)}]" for m in matches if m)


def _param(name: str) -> str:
    match = _PARAM.match(name)
    if match is None:
        raise QueryRefused(f"{name!r} is not a parameter name.", _ALLOWED)
    return match.group(1)


def call_batch(
    procedure: str, inputs: list[str], outputs: Mapping[str, str]
) -> tuple[str, list[str], list[str]]:
    """The batch, the names of its last result set's columns (return value first), and
    the names of `inputs` in the order their values are bound as `?`.

    `outputs` maps each OUTPUT parameter to its SQL type (from sys.parameters). An input
    that is also an OUTPUT parameter (an input/output one: SQL Server has no other kind)
    seeds its variable, `DECLARE @__o_x T = ?`, and is passed once, as OUTPUT."""
    target = quoted_procedure(procedure)
    checked = {raw: _param(raw) for raw in inputs}
    names = {name.casefold(): (raw, name) for raw, name in checked.items()}
    declares = ["@__rc int"]
    seeded: list[str] = []
    arguments = []
    selected = [f"@__rc AS [{RETURN_VALUE}]"]
    out_names = []
    for raw, sql_type in outputs.items():
        name = _param(raw)
        if not _TYPE.match(sql_type):
            raise QueryRefused(f"{sql_type!r} is not a SQL type.", _ALLOWED)
        given = names.pop(name.casefold(), None)
        if given is None:
            declares.append(f"@__o_{name} {sql_type}")
        else:
            declares.append(f"@__o_{name} {sql_type} = ?")
            seeded.append(given[0])
        arguments.append(f"@{name} = @__o_{name} OUTPUT")
        selected.append(f"@__o_{name} AS [{name}]")
        out_names.append(name)
    arguments[:0] = [f"@{name} = ?" for _, name in names.values()]
    batch = (
        f"SET NOCOUNT OFF; DECLARE {', '.join(declares)}; "
        f"EXEC @__rc = {target} {', '.join(arguments)}; "
        f"SELECT {', '.join(selected)}"
    )
    return batch, [RETURN_VALUE, *out_names], [*seeded, *(raw for raw, _ in names.values())]
