"""SQL Server errors (number, state, class, text) and the mapping from SQLite's.

Texts follow SQL Server's message catalog (sys.messages) so that clients that
match on numbers or words see what a real server would send. Errors that need
catalog lookups to word (duplicate keys, foreign keys) are built by constraint_errors.py
from the helpers here.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping

from ..results import TdsError

# Number used for constructs this server does not emulate. SQL Server's own
# 40517 ("Keyword or statement option ... is not supported") fits best.
UNSUPPORTED = 40517
# "Reserved Keywords (Transact-SQL)": a name only when delimited ([key], "key")
_RESERVED = """ADD ALL ALTER AND ANY AS ASC AUTHORIZATION BACKUP BEGIN BETWEEN BREAK BROWSE BULK BY
    CASCADE CASE CHECK CHECKPOINT CLOSE CLUSTERED COALESCE COLLATE COLUMN COMMIT COMPUTE
    CONSTRAINT CONTAINS CONTAINSTABLE CONTINUE CONVERT CREATE CROSS CURRENT CURRENT_DATE
    CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURSOR DATABASE DBCC DEALLOCATE DECLARE
    DEFAULT DELETE DENY DESC DISK DISTINCT DISTRIBUTED DOUBLE DROP DUMP ELSE END ERRLVL
    ESCAPE EXCEPT EXEC EXECUTE EXISTS EXIT EXTERNAL FETCH FILE FILLFACTOR FOR FOREIGN
    FREETEXT FREETEXTTABLE FROM FULL FUNCTION GOTO GRANT GROUP HAVING HOLDLOCK IDENTITY
    IDENTITY_INSERT IDENTITYCOL IF IN INDEX INNER INSERT INTERSECT INTO IS JOIN KEY KILL
    LEFT LIKE LINENO LOAD MERGE NATIONAL NOCHECK NONCLUSTERED NOT NULL NULLIF OF OFF
    OFFSETS ON OPEN OPENDATASOURCE OPENQUERY OPENROWSET OPENXML OPTION OR ORDER OUTER OVER
    PERCENT PIVOT PLAN PRECISION PRIMARY PRINT PROC PROCEDURE PUBLIC RAISERROR READ
    READTEXT RECONFIGURE REFERENCES REPLICATION RESTORE RESTRICT RETURN REVERT REVOKE RIGHT
    ROLLBACK ROWCOUNT ROWGUIDCOL RULE SAVE SCHEMA SECURITYAUDIT SELECT
    SEMANTICKEYPHRASETABLE SEMANTICSIMILARITYDETAILSTABLE SEMANTICSIMILARITYTABLE
    SESSION_USER SET SETUSER SHUTDOWN SOME STATISTICS SYSTEM_USER TABLE TABLESAMPLE TEXTSIZE
    THEN TO TOP TRAN TRANSACTION TRIGGER TRUNCATE TRY_CONVERT TSEQUAL UNION UNIQUE UNPIVOT
    UPDATE UPDATETEXT USE USER VALUES VARYING VIEW WAITFOR WHEN WHERE WHILE WITH WRITETEXT"""
RESERVED_KEYWORDS = frozenset(_RESERVED.split())


def syntax_near(near: str) -> TdsError:
    near = near.strip()
    if near.upper() in RESERVED_KEYWORDS:
        return TdsError(
            156, f"Incorrect syntax near the keyword '{near.upper()}'.", state=1, severity=15
        )
    return TdsError(102, f"Incorrect syntax near '{near}'.", state=1, severity=15)


def syntax_error(near: str, detail: str) -> TdsError:
    err = syntax_near(near)
    err.message = f"{err.message} ({detail.splitlines()[0]})" if detail else err.message
    err.args = (err.message,)
    return err


def syntax_error_end() -> TdsError:
    return TdsError(102, "Incorrect syntax near the end of the statement.", severity=15)


def unsupported(what: str) -> TdsError:
    """40517 for `what`, written "construct; what to write instead" or "construct": the
    construct is named first and the advice last, in place of "rewrite the statement
    without it" (the advice read as part of the construct in the middle of the sentence)."""
    construct, advice = _split_advice(what)
    return TdsError(
        UNSUPPORTED,
        f"{construct} is not supported by the azsql-mcp TDS test server (a SQLite-backed test"
        f" double, not SQL Server); {advice or 'rewrite the statement without it'}.",
    )


def _split_advice(what: str) -> tuple[str, str]:
    """`what` split at its first "; " outside parentheses (which may hold one of their own)."""
    depth = 0
    for i, char in enumerate(what):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and what.startswith("; ", i):
            return what[:i], what[i + 2 :].rstrip(".")
    return what, ""


def multiple_identities(table: str) -> TdsError:
    return TdsError(
        2744,
        f"Multiple identity columns specified for table '{table}'."
        " Only one identity column per table is allowed.",
    )


def unknown_type(name: str) -> TdsError:
    return TdsError(
        2715, f"Column, parameter, or variable #1: Cannot find data type {name}.", state=6
    )


def invalid_object(name: str) -> TdsError:
    return TdsError(208, f"Invalid object name '{name}'.")


def invalid_column(name: str) -> TdsError:
    if "." in name:
        return TdsError(4104, f'The multi-part identifier "{name}" could not be bound.')
    return TdsError(207, f"Invalid column name '{name}'.")


def ambiguous_column(name: str) -> TdsError:
    return TdsError(209, f"Ambiguous column name '{name.split('.')[-1]}'.")


def not_builtin(name: str) -> TdsError:
    return TdsError(
        195, f"'{name}' is not a recognized built-in function name.", state=10, severity=15
    )


def divide_by_zero() -> TdsError:
    return TdsError(8134, "Divide by zero error encountered.")


def conversion_failed(value: object, source: str, target: str) -> TdsError:
    return TdsError(
        245,
        f"Conversion failed when converting the {source} value '{value}' to data type {target}.",
    )


def date_conversion_failed() -> TdsError:
    """A string that is no date or time of the target type (SQL Server names no value)."""
    return TdsError(
        241, "Conversion failed when converting date and/or time from character string."
    )


def date_out_of_range(source: str, target: str) -> TdsError:
    """A string of a date the target type cannot hold (datetime: before 1753)."""
    return TdsError(
        242,
        f"The conversion of a {source} data type to a {target} data type resulted in an"
        " out-of-range value.",
        state=3,
    )


def explicit_conversion(source: str, target: str) -> TdsError:
    """CAST or CONVERT between types that never convert (a number to date, time,
    datetime2 or datetimeoffset)."""
    return TdsError(
        529, f"Explicit conversion from data type {source} to {target} is not allowed.", state=2
    )


def operand_clash(first: str, second: str) -> TdsError:
    """Types that do not convert into each other meeting implicitly: a number stored in,
    or compared with, a date (date, time, datetime2, datetimeoffset)."""
    return TdsError(206, f"Operand type clash: {first} is incompatible with {second}", state=2)


def invalid_operand(type_name: str, operator: str) -> TdsError:
    """An operator (add, subtract, sum, avg) given an operand of a type it is not
    defined for."""
    return TdsError(8117, f"Operand data type {type_name} is invalid for {operator} operator.")


def derived_field(name: str) -> TdsError:
    """An UPDATE through a CTE (or view) of a column that is an expression."""
    return TdsError(
        4406,
        f"Update or insert of view or function '{name}' failed because it contains a"
        " derived or constant field.",
        state=1,
    )


def ambiguous_table(name: str) -> TdsError:
    """An UPDATE or DELETE target that names a table its FROM clause has twice."""
    return TdsError(8154, f"The table '{name}' is ambiguous.", state=1)


def column_list_width(table: str, more: bool) -> TdsError:
    """A derived table's or CTE's column list shorter (`more`) or longer than its select
    list (8158, 8159; severity 15 in "Database engine events and errors")."""
    which = "more" if more else "fewer"
    return TdsError(
        8158 if more else 8159,
        f"'{table}' has {which} columns than were specified in the column list.",
        severity=15,
    )


def column_listed_twice(column: str, table: str) -> TdsError:
    return TdsError(
        8156, f"The column '{column}' was specified multiple times for '{table}'.", severity=15
    )


def unnamed_column(position: int, table: str) -> TdsError:
    """A derived table's column with no name and no column list to give it one."""
    return TdsError(
        8155, f"No column name was specified for column {position} of '{table}'.", severity=15
    )


def must_declare(name: str) -> TdsError:
    return TdsError(137, f'Must declare the scalar variable "@{name}".', state=2, severity=15)


def already_declared(name: str) -> TdsError:
    return TdsError(
        134,
        f"The variable name '@{name}' has already been declared. Variable names must be "
        "unique within a query batch or stored procedure.",
        state=1,
        severity=15,
    )


def proc_not_found(name: str) -> TdsError:
    return TdsError(2812, f"Could not find stored procedure '{name}'.", state=62)


def duplicate_column(column: str, table: str) -> TdsError:
    return TdsError(
        2705,
        f"Column names in each table must be unique. Column name '{column}' in table"
        f" '{table}' is specified more than once.",
    )


def object_exists(name: str) -> TdsError:
    return TdsError(2714, f"There is already an object named '{name}' in the database.", state=6)


def cannot_drop(kind: str, name: str) -> TdsError:
    return TdsError(
        3701,
        f"Cannot drop the {kind} '{name}', because it does not exist or you do not have"
        " permission.",
        state=5,
        severity=11,
    )


def schema_missing(name: str) -> TdsError:
    return TdsError(
        2760,
        f'The specified schema name "{name}" either does not exist or you do not have'
        " permission to use it.",
    )


def database_missing(name: str) -> TdsError:
    return TdsError(
        911, f"Database '{name}' does not exist. Make sure that the name is entered correctly."
    )


def no_begin(verb: str) -> TdsError:
    number = 3902 if verb == "COMMIT" else 3903
    return TdsError(
        number, f"The {verb} TRANSACTION request has no corresponding BEGIN TRANSACTION."
    )


def identity_insert(table: str) -> TdsError:
    return TdsError(
        544,
        f"Cannot insert explicit value for identity column in table '{table}' when"
        " IDENTITY_INSERT is set to OFF.",
    )


def identity_insert_held(held: str, table: str) -> TdsError:
    """SET IDENTITY_INSERT ON for a second table ("Database Engine events and errors
    (8000 to 8999)": one table at a time in a session)."""
    return TdsError(
        8107,
        f"IDENTITY_INSERT is already ON for table '{held}'. Cannot perform SET operation"
        f" for table '{table}'.",
    )


def identity_needs_column_list(table: str) -> TdsError:
    """An INSERT without a column list that gives the identity column a value."""
    return TdsError(
        8101,
        f"An explicit value for the identity column in table '{table}' can only be specified"
        " when a column list is used and IDENTITY_INSERT is ON.",
    )


def duplicate_key(constraint: str, kind: str, table: str, values: str | None) -> TdsError:
    """2627 for PRIMARY KEY/UNIQUE constraints, 2601 for unique indexes."""
    tail = f" The duplicate key value is ({values})." if values is not None else ""
    if kind == "INDEX":
        return TdsError(
            2601,
            f"Cannot insert duplicate key row in object '{table}' with unique index"
            f" '{constraint}'.{tail}",
            severity=14,
        )
    label = "PRIMARY KEY" if kind == "PK" else "UNIQUE KEY"
    return TdsError(
        2627,
        f"Violation of {label} constraint '{constraint}'. Cannot insert duplicate key in object"
        f" '{table}'.{tail}",
        severity=14,
    )


def null_insert(column: str, table: str, statement: str) -> TdsError:
    return TdsError(
        515,
        f"Cannot insert the value NULL into column '{column}', table '{table}'; column does not"
        f" allow nulls. {statement} fails.",
        state=2,
    )


def constraint_conflict(
    statement: str, kind: str, constraint: str, database: str, table: str, column: str | None
) -> TdsError:
    """547 for FOREIGN KEY / REFERENCE / CHECK conflicts."""
    col = f", column '{column}'" if column else ""
    return TdsError(
        547,
        f'The {statement} statement conflicted with the {kind} constraint "{constraint}".'
        f' The conflict occurred in database "{database}", table "{table}"{col}.',
        state=0,
    )


def truncated(table: str, column: str, value: str) -> TdsError:
    return TdsError(
        2628,
        f"String or binary data would be truncated in table '{table}', column '{column}'."
        f" Truncated value: '{value}'.",
        state=1,
    )


def deadlock(spid: int) -> TdsError:
    return TdsError(
        1205,
        f"Transaction (Process ID {spid}) was deadlocked on lock resources with another process"
        " and has been chosen as the deadlock victim. Rerun the transaction.",
        state=51,
        severity=13,
    )


def lock_timeout() -> TdsError:
    return TdsError(1222, "Lock request time out period exceeded.", state=56)


def column_count(more: bool | None, *, select: bool = False) -> TdsError:
    """An INSERT whose column list is longer (`more`) or shorter than a VALUES row (109,
    110) or a SELECT's select list (120, 121); None: a table without a list (213)."""
    if more is None:
        return TdsError(
            213, "Column name or number of supplied values does not match table definition."
        )
    if select:
        return TdsError(
            120 if more else 121,
            f"The select list for the INSERT statement contains {'fewer' if more else 'more'}"
            " items than the insert list. The number of SELECT values must match the number"
            " of INSERT columns.",
            severity=15,
        )
    return TdsError(
        109 if more else 110,
        f"There are {'more' if more else 'fewer'} columns in the INSERT statement than values"
        " specified in the VALUES clause. The number of values in the VALUES clause must"
        " match the number of columns specified in the INSERT statement.",
        severity=15,
    )


_NO_SUCH_TABLE = re.compile(r"no such table: (?:main\.|temp\.)?(.+)$")
_NO_SUCH_COLUMN = re.compile(r"no such column: (.+)$")
_NO_SUCH_FUNCTION = re.compile(r"no such function: (.+)$")
_AMBIGUOUS = re.compile(r"ambiguous column name: (.+)$")
_COUNT = re.compile(r"table .+ has (\d+) columns but (\d+) values were supplied")
_VALUES_FOR = re.compile(r"(\d+) values for (\d+) columns")
_NO_COLUMN_NAMED = re.compile(r"table \S+ has no column named (.+)$")
_SYNTAX = re.compile(r'near "(.+)": syntax error')
_BINDING = re.compile(r"You did not supply a value for binding parameter :(\w+)")
_SET_COLUMNS = re.compile(r"SELECTs to the left and right of .+ do not have the same number")
_SUBQUERY_COLUMNS = re.compile(r"sub-select returns \d+ columns - expected 1")


# Built-ins of every SQL Server version the server acts as (2016 on) that it does not run:
# 195 ("is not a recognized built-in function name") would say SQL Server lacks them.
_NOT_RUN_BUILTINS = frozenset(
    {
        "CHECKSUM_AGG",
        "COL_LENGTH",
        "COMPRESS",
        "CONTEXT_INFO",
        "CRYPT_GEN_RANDOM",
        "DECOMPRESS",
        "FORMATMESSAGE",
        "HOST_ID",
        "IDENT_INCR",
        "IDENT_SEED",
        "STRING_ESCAPE",
    }
)


def from_sqlite(
    exc: sqlite3.Error,
    names: Mapping[str, str],
    spid: int,
    qualifiers: frozenset[str] = frozenset(),
) -> TdsError:
    """Map a SQLite error that needs no catalog lookups; the rest become 50000.
    `qualifiers`: the names the statement's tables go by (an alias, else the table's
    name), case folded; a column read through one of them that it lacks is 207 ("Invalid
    column name 'x'."), where one through any other name is 4104 (the name binds to
    nothing)."""
    text = str(exc)
    code = getattr(exc, "sqlite_errorcode", None)
    if code == 517:  # SQLITE_BUSY_SNAPSHOT: a read-then-write transaction lost the race
        return deadlock(spid)
    if code in (5, 6) or "database is locked" in text:
        return lock_timeout()
    if m := _NO_SUCH_TABLE.search(text):
        name = m.group(1)
        return invalid_object(names.get(name.casefold(), name))
    if m := _NO_SUCH_COLUMN.search(text):
        qualifier, _, column = m.group(1).rpartition(".")
        if qualifier.casefold() in qualifiers:
            return invalid_column(column)
        return invalid_column(m.group(1))
    if m := _NO_SUCH_FUNCTION.search(text):
        if m.group(1).upper() in _NOT_RUN_BUILTINS:  # SQL Server has it: not Msg 195
            return unsupported(f"The built-in function {m.group(1).upper()}")
        return not_builtin(m.group(1))
    if m := _AMBIGUOUS.search(text):
        return ambiguous_column(m.group(1))
    if m := _COUNT.search(text):
        return column_count(None)
    if m := _VALUES_FOR.search(text):  # "1 values for 2 columns": the list is longer
        return column_count(int(m.group(1)) < int(m.group(2)))
    if m := _NO_COLUMN_NAMED.search(text):
        return invalid_column(m.group(1))
    if m := _BINDING.search(text):
        return must_declare(m.group(1))
    if m := _SYNTAX.search(text):
        return syntax_near(m.group(1))
    if _SET_COLUMNS.search(text):
        return TdsError(
            205,
            "All queries combined using a UNION, INTERSECT or EXCEPT operator must have an"
            " equal number of expressions in their target lists.",
        )
    if _SUBQUERY_COLUMNS.search(text):  # IN (SELECT a, b ...), (SELECT a, b) as a value
        return TdsError(
            116,
            "Only one expression can be specified in the select list when the subquery is"
            " not introduced with EXISTS.",
        )
    return TdsError(50000, f"{text} (SQLite error inside the azsql-mcp TDS test server)")
