"""SET LANGUAGE and SET DATEFIRST: the session's language and first day of the week.

"SET LANGUAGE (Transact-SQL)": the name (or alias) of a language in sys.syslanguages,
which sets the session's DATEFORMAT and DATEFIRST. The test server knows two, both with
English month and day names (DATENAME is the same under both): us_english (alias
English; mdy, Sunday first) and British (alias British English; dmy, Monday first). Any
other name is Msg 2740, as for a language the server does not have. A login (LOGIN7)
may name one of the two for its session (the drivers' Language= keyword).

"SET DATEFIRST (Transact-SQL)": 1 (Monday) to 7 (Sunday); DATEPART(weekday) counts from
that day and DATEPART(week) and DATETRUNC(week) start each week on it ("DATEPART
(Transact-SQL)": January 1 is always in week 1). DATEDIFF(week) always starts weeks on
Sunday. DATE_FIRST follows the running session's setting, as DATE_ORDER does its
DATEFORMAT.
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from dataclasses import dataclass

from ..results import TdsError
from .errors import UNSUPPORTED

DATE_FIRST: ContextVar[int] = ContextVar("date_first", default=7)


@dataclass(frozen=True)
class Language:
    name: str  # @@LANGUAGE and sys.dm_exec_sessions.language
    alias: str
    date_format: str
    date_first: int


US_ENGLISH = Language("us_english", "English", "mdy", 7)
_LANGUAGES = (US_ENGLISH, Language("British", "British English", "dmy", 1))


def language(name: str) -> Language:
    """The language `name` names (its name or alias, in any case), else Msg 2740."""
    folded = name.strip().casefold()
    for known in _LANGUAGES:
        if folded in (known.name.casefold(), known.alias.casefold()):
            return known
    raise TdsError(
        2740,
        f"SET LANGUAGE failed because '{name}' is not an official language name or a"
        " language alias on this SQL Server.",
    )


def login_language(name: str) -> Language:
    """The language a login (LOGIN7) names, us_english where it names none. SQL Server's
    answer to a language it does not have is not documented: the login fails here, with
    the test server's own message naming the languages it has."""
    if not name:
        return US_ENGLISH
    try:
        return language(name)
    except TdsError:
        known = " and ".join(known.name for known in _LANGUAGES)
        raise TdsError(
            UNSUPPORTED,
            f"The login asked for language '{name}', which the azsql-mcp TDS test server"
            f" does not have (it has {known}); leave Language out of the connection"
            " string or name one of those.",
        ) from None


def date_first(value: int) -> int:
    """A SET DATEFIRST value: 1 to 7, else Msg 2742."""
    if not 1 <= value <= 7:
        raise TdsError(2742, f"SET DATEFIRST {value} is out of range.")
    return value


def weekday(day: dt.date) -> int:
    """DATEPART(weekday): 1 on the session's first day of the week."""
    return (day.isoweekday() - DATE_FIRST.get()) % 7 + 1


def week(day: dt.date) -> int:
    """DATEPART(week): week 1 holds January 1, each later week starting on the session's
    first day of the week."""
    january_1 = dt.date(day.year, 1, 1)
    return (day.timetuple().tm_yday - 1 + weekday(january_1) - 1) // 7 + 1


def week_start(when: dt.datetime) -> dt.datetime:
    """The midnight that starts the week of `when` (DATETRUNC(week))."""
    start = when - dt.timedelta(days=weekday(when) - 1)
    return start.replace(hour=0, minute=0, second=0, microsecond=0)
