"""The result types of the string functions, through both ODBC drivers, as each function's
page gives them ("Return types"): UPPER, LOWER, LTRIM, RTRIM, TRIM, LEFT and RIGHT are
varchar or nvarchar, SUBSTRING follows its table (char, varchar to varchar; nchar,
nvarchar to nvarchar; binary types to varbinary), all of the argument's length; REPLACE
is nvarchar if an argument is, else varchar, cut at 8,000 bytes unless the string
searched is (max)."""

from __future__ import annotations

import itertools
from contextlib import closing

import pyodbc
import pytest

_names = itertools.count()
TYPES = {
    "UPPER(v)": "varchar(20)",
    "LOWER(n)": "nvarchar(30)",
    "LTRIM(c)": "varchar(5)",
    "RTRIM(nc)": "nvarchar(4)",
    "TRIM(v)": "varchar(20)",
    "UPPER(vm)": "varchar(max)",
    "LEFT(v, 3)": "varchar(20)",
    "RIGHT(n, 3)": "nvarchar(30)",
    "SUBSTRING(c, 1, 3)": "varchar(5)",
    "SUBSTRING(nm, 2, 5)": "nvarchar(max)",
    "SUBSTRING(b, 1, 2)": "varbinary(10)",
    "REPLACE(v, 'a', 'b')": "varchar(8000)",
    "REPLACE(v, N'a', 'b')": "nvarchar(4000)",
    "REPLACE(nm, 'a', 'b')": "nvarchar(max)",
    "UPPER(N'abc')": "nvarchar(3)",
    "LOWER(LEFT(n, 2))": "nvarchar(30)",
}


@pytest.mark.parametrize(("expression", "declared"), list(TYPES.items()))
def test_string_functions_have_their_documented_types(
    cursor: closing[pyodbc.Cursor], expression: str, declared: str
) -> None:
    name = f"strings_{next(_names)}"
    with cursor as cur:
        cur.execute(
            f"CREATE TABLE {name} (v varchar(20), n nvarchar(30), c char(5), nc nchar(4),"
            " vm varchar(max), nm nvarchar(max), b varbinary(10))"
        )
        cur.execute(f"INSERT INTO {name} VALUES ('x', N'y', 'z', N'w', 'm', N'n', 0x0102)")
        described = cur.execute(
            "EXEC sp_describe_first_result_set ?", f"SELECT {expression} AS e FROM {name}"
        ).fetchall()
        assert [row.system_type_name for row in described] == [declared]
        cur.execute(f"SELECT {expression} AS e FROM {name}").fetchall()
        size = cur.description[0][3]
        length = declared[declared.index("(") + 1 : -1]
        assert size == (0 if length == "max" else int(length))
