"""Which built-ins a database has: those its SQL Server version added, less those its
compatibility level switches off. For the T-SQL an agent writes (sql_query_builder
says what to avoid) and for the error it gets when it used one anyway (195, 208).

From the functions' "(Transact-SQL)" pages, "Applies to" and "Compatibility level".
Azure SQL Database has every version's built-ins; a Managed Instance those of its
update policy, at least SQL Server 2022's (SERVERPROPERTY('ProductMajorVersion') is 12
on both, which says nothing of SQL Server's). The compatibility level applies on all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from azsql_mcp.api import Database, DatabaseError, QueryRefused
from azsql_mcp.catalog.access import AZURE_SQL_DATABASE
from azsql_mcp.catalog.server import DatabaseInfo, database_info

RELEASES = {13: "2016", 14: "2017", 15: "2019", 16: "2022", 17: "2025"}
_MANAGED_INSTANCE = 8  # SERVERPROPERTY('EngineEdition')
_LATEST = max(RELEASES)


@dataclass(frozen=True)
class BuiltIn:
    name: str
    since: int  # the SQL Server major version that added it (13 = 2016)
    level: int = 0  # the compatibility level it needs, if any
    instead: str = ""  # what to write on a server without it
    bare: bool = False  # written without parentheses: a column name to a server without it


BUILT_INS = (
    BuiltIn("STRING_SPLIT", 13, 130, "a recursive CTE over CHARINDEX and SUBSTRING"),
    BuiltIn("OPENJSON", 13, 130, "JSON_VALUE and JSON_QUERY, which every level has"),
    BuiltIn(
        "STRING_AGG",
        14,
        instead="STUFF((SELECT N',' + x FROM ... ORDER BY ... FOR XML PATH(''), TYPE)"
        ".value('.', 'nvarchar(max)'), 1, 1, N'')",
    ),
    BuiltIn("TRIM", 14, instead="LTRIM(RTRIM(x))"),
    BuiltIn("CONCAT_WS", 14, instead="CONCAT with the separator between the values"),
    BuiltIn("TRANSLATE", 14, instead="nested REPLACE calls"),
    BuiltIn("APPROX_COUNT_DISTINCT", 15, instead="COUNT(DISTINCT x)"),
    BuiltIn("GREATEST", 16, instead="CASE WHEN, or (SELECT MAX(v) FROM (VALUES (a), (b)) AS t(v))"),
    BuiltIn("LEAST", 16, instead="CASE WHEN, or (SELECT MIN(v) FROM (VALUES (a), (b)) AS t(v))"),
    BuiltIn("DATETRUNC", 16, instead="DATEADD(month, DATEDIFF(month, 0, d), 0) and the like"),
    BuiltIn("DATE_BUCKET", 16, instead="DATEADD and DATEDIFF"),
    BuiltIn("GENERATE_SERIES", 16, 160, "a recursive CTE or a numbers table"),
    BuiltIn("JSON_OBJECT", 16, instead="FOR JSON PATH, WITHOUT_ARRAY_WRAPPER"),
    BuiltIn("JSON_ARRAY", 16, instead="FOR JSON PATH"),
    BuiltIn("APPROX_PERCENTILE_CONT", 16, instead="PERCENTILE_CONT(...) WITHIN GROUP OVER ()"),
    BuiltIn("APPROX_PERCENTILE_DISC", 16, instead="PERCENTILE_DISC(...) WITHIN GROUP OVER ()"),
    # REGEXP_LIKE alone needs level 170: "Other regular expression scalar functions are
    # available at all compatibility levels" ("REGEXP_LIKE (Transact-SQL)")
    BuiltIn("REGEXP_LIKE", 17, 170, "LIKE and PATINDEX patterns"),
    BuiltIn("REGEXP_REPLACE", 17, instead="REPLACE, or STUFF at a PATINDEX position"),
    BuiltIn("REGEXP_SUBSTR", 17, instead="SUBSTRING from a PATINDEX position"),
    BuiltIn(
        "REGEXP_COUNT", 17, instead="(LEN(x) - LEN(REPLACE(x, s, N''))) / LEN(s) for a string s"
    ),
    BuiltIn("REGEXP_INSTR", 17, instead="PATINDEX, or CHARINDEX for a string"),
    BuiltIn("UNISTR", 17, instead="NCHAR(code point) joined to N'...' literals"),
    BuiltIn("PRODUCT", 17, instead="EXP(SUM(LOG(x))) for positive values"),
    BuiltIn(
        "BASE64_ENCODE",
        17,
        instead="CAST(N'' AS xml).value('xs:base64Binary(sql:column(\"b\"))', 'varchar(max)')"
        " over a varbinary column b",
    ),
    BuiltIn(
        "BASE64_DECODE",
        17,
        instead="CAST(N'' AS xml).value('xs:base64Binary(sql:column(\"s\"))', 'varbinary(max)')"
        " over a varchar column s",
    ),
    BuiltIn("EDIT_DISTANCE", 17, instead="DIFFERENCE (SOUNDEX codes, 0 to 4) for a rough match"),
    BuiltIn("EDIT_DISTANCE_SIMILARITY", 17, instead="DIFFERENCE for a rough match"),
    BuiltIn("JARO_WINKLER_DISTANCE", 17, instead="DIFFERENCE for a rough match"),
    BuiltIn("JARO_WINKLER_SIMILARITY", 17, instead="DIFFERENCE for a rough match"),
    BuiltIn("JSON_ARRAYAGG", 17, instead="FOR JSON PATH"),
    BuiltIn("JSON_OBJECTAGG", 17, instead="FOR JSON PATH"),
    BuiltIn("CURRENT_DATE", 17, instead="CAST(GETDATE() AS date)", bare=True),
)
_BY_NAME = {b.name: b for b in BUILT_INS}


@dataclass(frozen=True)
class Platform:
    """What SQL Server reports of itself and of the current database."""

    engine_edition: int | None
    major_version: int | None
    compatibility_level: int | None

    @property
    def release(self) -> int | None:
        """The SQL Server major version whose built-ins this engine has; None unknown."""
        if self.engine_edition == AZURE_SQL_DATABASE:
            return _LATEST
        if self.engine_edition == _MANAGED_INSTANCE:
            return 16  # the SQL Server 2022 update policy, the oldest a Managed Instance has
        return self.major_version

    def name(self) -> str:
        if self.engine_edition == AZURE_SQL_DATABASE:
            product = "Azure SQL Database"
        elif self.engine_edition == _MANAGED_INSTANCE:
            product = "Azure SQL Managed Instance"
        elif self.major_version in RELEASES:
            product = f"SQL Server {RELEASES[self.major_version]} ({self.major_version}.x)"
        else:
            product = f"SQL Server version {self.major_version}"
        return f"{product}, database at compatibility level {self.compatibility_level}"

    def lacks(self, built_in: BuiltIn) -> str | None:
        """Why this database does not have `built_in`, or None when it does (or when the
        server did not say enough to tell)."""
        release, level = self.release, self.compatibility_level
        if release is not None and built_in.since > release:
            return f"SQL Server {RELEASES[built_in.since]} and later"
        if level is not None and built_in.level > level:
            return f"compatibility level {built_in.level}"
        return None

    @classmethod
    def of(cls, info: DatabaseInfo) -> Platform:
        major = (info.product_version or "").split(".")[0]
        return cls(
            info.engine_edition, int(major) if major.isdigit() else None, info.compatibility_level
        )


async def platform(db: Database) -> Platform:
    return Platform.of(await database_info(db))


def missing(p: Platform) -> str:
    """For the agent: the built-ins this database lacks, by why; "" when it has them all."""
    by_reason: dict[str, list[str]] = {}
    for b in BUILT_INS:
        if (why := p.lacks(b)) is not None:
            by_reason.setdefault(why, []).append(b.name)
    if not by_reason:
        return ""
    lacking = "; ".join(f"{', '.join(names)} (need {why})" for why, names in by_reason.items())
    return f"This is {p.name()}: do not use {lacking}. "


# "'%.*ls' is not a recognized built-in function name." (195), "Invalid object name
# '%.*ls'." (208, a table-valued built-in the level hides) and "Invalid column name
# '%.*ls'." (207, CURRENT_DATE on a server without it, which reads it as a name): the
# name is the quoted one.
NOT_BUILT_IN = 195  # "'%.*ls' is not a recognized built-in function name."
_INVALID_OBJECT, _INVALID_COLUMN = 208, 207
_QUOTED = re.compile(r"'([^']+)'")


def quoted_name(error: DatabaseError) -> str:
    """The first name SQL Server's message quotes ('NOW' of 195's "'now' is not a
    recognized built-in function name."), upper-cased; "" when it quotes none. Any
    language's message quotes it alike."""
    found = _QUOTED.search(str(error))
    return found[1].upper() if found else ""


async def missing_built_in(db: Database, error: DatabaseError) -> str | None:
    """For error 195 or 208 on a built-in this database's version or compatibility level
    lacks, or 207 on one written without parentheses: SQL Server's text, why, and what to
    write instead; else None."""
    if error.number not in (NOT_BUILT_IN, _INVALID_OBJECT, _INVALID_COLUMN):
        return None
    built_in = _BY_NAME.get(quoted_name(error))
    if built_in is None or built_in.bare != (error.number == _INVALID_COLUMN):
        return None
    try:
        p = await platform(db)
    except (DatabaseError, QueryRefused):  # never hide SQL Server's own error behind another
        return None
    why = p.lacks(built_in)
    if why is None:
        return None
    fix = f"Write {built_in.instead} instead." if built_in.instead else ""
    if why.startswith("compatibility level"):
        fix += (
            f" A DBA can raise the level with ALTER DATABASE CURRENT SET COMPATIBILITY_LEVEL"
            f" = {built_in.level}; (after testing: the level changes how queries run too)."
        )
    return f"{error} {built_in.name} needs {why}; this is {p.name()}. {fix}".rstrip()
