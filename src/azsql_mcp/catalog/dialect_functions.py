"""Other SQL dialects' functions, said after SQL Server's error 195 ("'%.*ls' is not a
recognized built-in function name."): what T-SQL writes instead. Models trained on
PostgreSQL, MySQL, SQLite and Oracle call NOW(), IFNULL, SUBSTR or GROUP_CONCAT in
T-SQL; SQL Server names the function and nothing else.

SQL Server answers, not the guard: a one-part call is always a built-in's (a user
function is called with its schema), so the error names the function for certain. Read
from the error alone, after the error only: no catalog query, and the query is never
rewritten.

Each answer is from its function's "(Transact-SQL)" page; the date styles from "CAST and
CONVERT (Transact-SQL)". No name here is a built-in of any SQL Server version or of Azure
SQL (those a version lacks, as REGEXP_LIKE, are versions.py's). Where an answer names a
built-in that came with a version (STRING_AGG, DATETRUNC), versions.BUILT_INS says which;
on an older server a call of it gets versions.missing_built_in's advice in turn.
"""

from __future__ import annotations

import re

from azsql_mcp.api import DatabaseError
from azsql_mcp.catalog.versions import BUILT_INS, NOT_BUILT_IN, RELEASES, quoted_name

_FORMAT = "FORMAT(x, 'yyyy-MM-dd') or CONVERT(varchar(10), x, 23)"
_PARSE_DATE = (
    "TRY_CONVERT(date, x, style) (NULL where x does not convert; style 23 reads"
    " yyyy-mm-dd, 103 dd/mm/yyyy, 101 mm/dd/yyyy)"
)
_STRING_AGG = "STRING_AGG(x, ',') WITHIN GROUP (ORDER BY ...)"

# The other dialect's name -> what T-SQL writes instead.
INSTEAD: dict[str, str] = {
    # date and time
    "NOW": "GETDATE() or SYSDATETIME()",
    "CURDATE": "CAST(GETDATE() AS date)",
    "CURTIME": "CAST(GETDATE() AS time)",
    "UTC_TIMESTAMP": "GETUTCDATE() or SYSUTCDATETIME()",
    "DATE_ADD": "DATEADD(day, n, d) (a negative n subtracts)",
    "DATE_SUB": "DATEADD(day, -n, d)",
    "ADD_MONTHS": "DATEADD(month, n, d)",
    "DATE_PART": "DATEPART(year, d), the unit unquoted",
    "DATE_TRUNC": "DATETRUNC(month, d), the unit unquoted",
    "TIMESTAMPDIFF": "DATEDIFF(unit, start, end)",
    "DAYOFWEEK": "DATEPART(weekday, d) (numbered from SET DATEFIRST's day)",
    "DAYOFMONTH": "DAY(d)",
    "LAST_DAY": "EOMONTH(d)",
    "UNIX_TIMESTAMP": "DATEDIFF_BIG(second, '1970-01-01', d) (SYSUTCDATETIME() for now)",
    "FROM_UNIXTIME": "DATEADD(second, n, '1970-01-01')",
    "TO_CHAR": _FORMAT,
    "DATE_FORMAT": _FORMAT,
    "STRFTIME": _FORMAT,
    "TO_DATE": _PARSE_DATE,
    "STR_TO_DATE": _PARSE_DATE,
    # NULLs and conditions
    "IFNULL": "ISNULL(x, y) or COALESCE(x, y)",
    "NVL": "ISNULL(x, y) or COALESCE(x, y)",
    "DECODE": "CASE x WHEN a THEN b ... ELSE c END",
    # strings
    "LENGTH": "LEN(x) (trailing spaces not counted) or DATALENGTH(x) (bytes)",
    "CHAR_LENGTH": "LEN(x) (trailing spaces not counted)",
    "SUBSTR": "SUBSTRING(x, start, length)",
    "MID": "SUBSTRING(x, start, length)",
    "INSTR": "CHARINDEX(substring, x), the substring first",
    "LOCATE": "CHARINDEX(substring, x)",
    "LPAD": "RIGHT(REPLICATE('0', n) + x, n), x a string",
    "RPAD": "LEFT(x + REPLICATE(' ', n), n), x a string",
    "LCASE": "LOWER(x)",
    "UCASE": "UPPER(x)",
    "GROUP_CONCAT": _STRING_AGG,
    "LISTAGG": _STRING_AGG,
    "ARRAY_AGG": "STRING_AGG(x, ',') for a list, or FOR JSON PATH for a JSON array",
    "TO_NUMBER": "TRY_CAST(x AS decimal(p, s)) (NULL where x does not convert)",
    "JSON_EXTRACT": (
        "JSON_VALUE(x, '$.path') for a scalar, JSON_QUERY(x, '$.path') for an object or array"
    ),
    # numbers
    "CEIL": "CEILING(x)",
    "POW": "POWER(x, y)",
    "MOD": "x % y",
    "TRUNC": "ROUND(x, 0, 1) for a number, CAST(d AS date) for a date",
    "RANDOM": "RAND(), or ORDER BY NEWID() to shuffle rows",
    "UUID": "NEWID()",
}

_SINCE = {b.name: b.since for b in BUILT_INS}
_CALLED = re.compile(r"\b([A-Z_]+)\(")


def _versions(instead: str) -> str:
    """'; STRING_AGG is in SQL Server 2017 and later' for each built-in `instead` calls
    that came with a version; '' when it calls none."""
    return "".join(
        f"; {name} is in SQL Server {RELEASES[_SINCE[name]]} and later"
        for name in dict.fromkeys(_CALLED.findall(instead))
        if name in _SINCE
    )


def other_dialect(error: DatabaseError) -> str | None:
    """SQL Server's error 195 for another dialect's function and what T-SQL writes
    instead; None for other errors and other names."""
    if error.number != NOT_BUILT_IN:
        return None
    name = quoted_name(error)
    instead = INSTEAD.get(name)
    if instead is None:
        return None
    return f"{error} {name} is not T-SQL: write {instead}{_versions(instead)}."
