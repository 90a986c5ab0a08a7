"""A declared statement's string parameters with `sql_type` (`varchar(50)`, the type of
the column they meet): described as sys.parameters would describe a procedure's
parameter of that type, so that the procedure tools' fitting applies to them (the
type's length as their bound, a value SQL Server would change refused before the call),
and sent as that type rather than as nvarchar."""

from __future__ import annotations

from azsql_mcp import Database, string_sql_type
from azsql_mcp.catalog import read_all
from azsql_mcp.plugins.builtin_declared.model import ToolDecl
from azsql_mcp.plugins.builtin_declared.parameters import CODE_PAGE, CatalogParameter


def declared_types(decl: ToolDecl) -> list[CatalogParameter]:
    """The parameters declared with `sql_type`, as the catalog would give them."""
    found = []
    for name, spec in decl.parameters.items():
        if spec.sql_type is not None:
            base, length = string_sql_type(spec.sql_type)
            width = 2 if base.startswith("n") else 1  # max_length counts bytes
            found.append(CatalogParameter(name, base, length * width, 0, 0, is_output=False))
    return found


def needs_code_page(found: list[CatalogParameter]) -> bool:
    return any(p.base_type in ("char", "varchar") for p in found)


class CodePage:
    """The code page of each source's database collation, read once: a char or varchar
    parameter has that collation, so it holds that code page's characters only."""

    def __init__(self) -> None:
        self._found: dict[str, int | None] = {}

    async def of(self, db: Database) -> int | None:
        if db.source not in self._found:
            rows, _ = await read_all(db, f"SELECT {CODE_PAGE} AS code_page")
            self._found[db.source] = rows[0]["code_page"] if rows else None
        return self._found[db.source]
