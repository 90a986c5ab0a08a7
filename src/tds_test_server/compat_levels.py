"""What an older SQL Server, or a database at a lower compatibility level, lacks: the
built-ins the engine runs that the emulated version or level would not find.

From the functions' "(Transact-SQL)" pages ("Applies to" and "Compatibility level"):

- SQL Server 2017 (14.x) added STRING_AGG, TRIM, CONCAT_WS and TRANSLATE; 2019 (15.x)
  APPROX_COUNT_DISTINCT; 2022 (16.x) GREATEST, LEAST, DATE_BUCKET, DATETRUNC,
  GENERATE_SERIES, JSON_OBJECT, JSON_ARRAY, JSON_PATH_EXISTS, APPROX_PERCENTILE_CONT and
  _DISC and the bit functions; 2025 (17.x) the REGEXP_ functions, UNISTR, PRODUCT,
  BASE64_ENCODE and _DECODE, EDIT_DISTANCE, EDIT_DISTANCE_SIMILARITY, JARO_WINKLER_
  DISTANCE and _SIMILARITY, JSON_OBJECTAGG, JSON_ARRAYAGG and CURRENT_DATE. A server
  without one answers a call of it with error 195 ("'%.*ls' is not a recognized
  built-in function name."); a table-valued one it lacks is a name it cannot find,
  error 208. CURRENT_DATE is written without parentheses, a name to an older server:
  207, "Invalid column name 'CURRENT_DATE'." (no page gives the error; it is how SQL
  Server answers any bare name it does not know).
- REGEXP_LIKE needs compatibility level 170 ("Other regular expression scalar functions
  are available at all compatibility levels"); the page names no error, so the test
  server's is the 195 of a version without it.
- STRING_SPLIT and OPENJSON need compatibility level 130, GENERATE_SERIES 160: below it
  "the Database Engine is unable to find" them, error 208 ("Invalid object name").

- SQL Server 2022 reads LTRIM and RTRIM with characters to remove at level 160 only
  (below it: error 174, "The ltrim function requires 1 argument(s)."), and IS [NOT]
  DISTINCT FROM, which an older version's parser refuses (156). The WINDOW clause
  ("SELECT - WINDOW") and TRIM's LEADING, TRAILING and BOTH need level 160 too; the
  pages name no error, so the test server's is a syntax error (102) near the word.
  STRING_SPLIT's enable_ordinal came with SQL Server 2022 (any level): an older version
  has a two-argument STRING_SPLIT (8144, "... has too many arguments specified.").

Azure SQL Database has every version's built-ins; its compatibility level still applies.
The newest version and level (17, 170) lack nothing, and a text that names none of what
the edition lacks is answered without tokenizing it.
A schema-qualified call (dbo.TRIM(...)) is a user function's, never checked here.
"""

from __future__ import annotations

import functools
import re

from sqlglot.dialects.tsql import TSQL
from sqlglot.tokens import Token, TokenType

from .editions import Edition
from .sqlerror import TdsError

# built-in -> the major version that added it
_SINCE = {
    **dict.fromkeys(("STRING_AGG", "TRIM", "CONCAT_WS", "TRANSLATE"), 14),
    "APPROX_COUNT_DISTINCT": 15,
    **dict.fromkeys(
        (
            "GREATEST",
            "LEAST",
            "DATE_BUCKET",
            "DATETRUNC",
            "GENERATE_SERIES",
            "JSON_OBJECT",
            "JSON_ARRAY",
            "JSON_PATH_EXISTS",
            "APPROX_PERCENTILE_CONT",
            "APPROX_PERCENTILE_DISC",
            "BIT_COUNT",
            "GET_BIT",
            "SET_BIT",
            "LEFT_SHIFT",
            "RIGHT_SHIFT",
        ),
        16,
    ),
    **dict.fromkeys(
        (
            "REGEXP_LIKE",
            "REGEXP_REPLACE",
            "REGEXP_SUBSTR",
            "REGEXP_COUNT",
            "REGEXP_INSTR",
            "UNISTR",
            "PRODUCT",
            "BASE64_ENCODE",
            "BASE64_DECODE",
            "EDIT_DISTANCE",
            "EDIT_DISTANCE_SIMILARITY",
            "JARO_WINKLER_DISTANCE",
            "JARO_WINKLER_SIMILARITY",
            "JSON_OBJECTAGG",
            "JSON_ARRAYAGG",
        ),
        17,
    ),
}
# table-valued built-in -> the compatibility level it needs
_TABLE_FUNCTIONS = {"STRING_SPLIT": 130, "OPENJSON": 130, "GENERATE_SERIES": 160}
# scalar built-in -> the compatibility level it needs, besides its version
_SCALAR_LEVELS = {"REGEXP_LIKE": 170}
# built-in written without parentheses -> the major version that added it
_BARE_SINCE = {"CURRENT_DATE": 17}


# The permissions SQL Server 2022 added ("New granular permissions for SQL Server 2022"):
# the state and definition ones split out of VIEW SERVER STATE and VIEW ANY DEFINITION,
# and the ledger's. Older versions know no such name: HAS_PERMS_BY_NAME gives NULL.
_PERMISSIONS_2022 = frozenset(
    {
        "VIEW SERVER PERFORMANCE STATE",
        "VIEW SERVER SECURITY STATE",
        "VIEW DATABASE PERFORMANCE STATE",
        "VIEW DATABASE SECURITY STATE",
        "VIEW ANY PERFORMANCE DEFINITION",
        "VIEW ANY SECURITY DEFINITION",
        "VIEW PERFORMANCE DEFINITION",
        "VIEW SECURITY DEFINITION",
        "VIEW ANY ERROR LOG",
        "VIEW SERVER SECURITY AUDIT",
        "ENABLE LEDGER",
        "VIEW LEDGER CONTENT",
    }
)


def unknown_permissions(edition: Edition) -> frozenset[str]:
    """The permission names `edition` does not know."""
    return _PERMISSIONS_2022 if edition.before_2022 else frozenset()


def check(edition: Edition, text: str) -> None:
    """Error 195, 208 or 207 (CURRENT_DATE) for the first built-in of `text` that `edition`
    (its version and its user database's compatibility level) does not have; nothing
    when it has them all."""
    major = 99 if edition.is_azure_sql_database else int(edition.product_version.split(".")[0])
    late = _late_syntax(text, major, edition.compatibility_level)
    if late is not None:
        raise late
    missing = _missing(text, major, edition.compatibility_level)
    if missing is None:
        return
    if missing.upper() in _BARE_SINCE:
        raise TdsError(207, f"Invalid column name '{missing}'.")
    if missing.upper() in _TABLE_FUNCTIONS:
        raise TdsError(208, f"Invalid object name '{missing}'.")
    raise TdsError(
        195, f"'{missing}' is not a recognized built-in function name.", state=10, severity=15
    )


@functools.lru_cache(maxsize=1024)
def _missing(text: str, major: int, level: int) -> str | None:
    lacking = _lacking(major, level)
    if lacking is None or lacking.search(text.upper()) is None:  # the cheap answer
        return None
    tokens = _tokens(text)
    for before, token, after in zip([None, *tokens], tokens, [*tokens[1:], None], strict=False):
        if before is not None and before.token_type == TokenType.DOT:
            continue
        name = token.text.upper()
        if after is None or after.token_type != TokenType.L_PAREN:
            # a bare name, not [CURRENT_DATE] (an identifier token)
            if token.token_type == TokenType.CURRENT_DATE and _BARE_SINCE[name] > major:
                return token.text
            continue
        if (
            _SINCE.get(name, 0) > major
            or _TABLE_FUNCTIONS.get(name, 0) > level
            or _SCALAR_LEVELS.get(name, 0) > level
        ):
            return token.text
    return None


@functools.cache
def _lacking(major: int, level: int) -> re.Pattern[str] | None:
    """A search, in upper-cased text (twice as fast as IGNORECASE), for the names `major`
    and `level` lack (None when they lack none): a text without any needs no tokens (a
    match in a string or a comment still gets them)."""
    names = [n for n, since in {**_SINCE, **_BARE_SINCE}.items() if since > major]
    names += [n for n, needs in {**_TABLE_FUNCTIONS, **_SCALAR_LEVELS}.items() if needs > level]
    if not names:
        return None
    return re.compile(rf"\b(?:{'|'.join(sorted(set(names)))})\b")


@functools.lru_cache(maxsize=1024)
def _late_syntax(text: str, major: int, level: int) -> TdsError | None:
    """SQL Server 2022's forms an older version or a level below 160 does not read:
    LTRIM and RTRIM with characters to remove (a level-160 argument: "The ltrim function
    requires 1 argument(s)."), the WINDOW clause and TRIM(LEADING ...), STRING_SPLIT's
    enable_ordinal and IS [NOT] DISTINCT FROM (before 2022; module doc)."""
    if major >= 16 and level >= 160:
        return None
    tokens = _tokens(text)
    for i, token in enumerate(tokens):
        name = token.text.upper()
        if name in ("LTRIM", "RTRIM") and _arguments(tokens, i + 1) > 1:
            return TdsError(
                174, f"The {name.lower()} function requires 1 argument(s).", severity=15
            )
        if _window_clause(tokens, i) or (name == "TRIM" and _trim_side(tokens, i)):
            near = tokens[i + 2].text if name == "TRIM" else token.text
            return TdsError(102, f"Incorrect syntax near '{near}'.", severity=15)
        if major < 16 and name == "STRING_SPLIT" and _arguments(tokens, i + 1) > 2:
            return TdsError(
                8144, "Procedure or function STRING_SPLIT has too many arguments specified."
            )
        if major < 16 and token.token_type == TokenType.IS:
            following = [t.text.upper() for t in tokens[i + 1 : i + 4]]
            if following[:2] == ["DISTINCT", "FROM"] or following == ["NOT", "DISTINCT", "FROM"]:
                return TdsError(156, "Incorrect syntax near the keyword 'DISTINCT'.", severity=15)
    return None


def _window_clause(tokens: list[Token], i: int) -> bool:
    """tokens[i] starts `WINDOW name AS (`; WINDOW alone is a name in T-SQL."""
    words = [t.text.upper() for t in tokens[i : i + 3]]
    opens = i + 3 < len(tokens) and tokens[i + 3].token_type == TokenType.L_PAREN
    return len(words) == 3 and words[0] == "WINDOW" and words[2] == "AS" and opens


def _trim_side(tokens: list[Token], i: int) -> bool:
    """tokens[i] is TRIM and its argument starts with LEADING, TRAILING or BOTH."""
    if i + 2 >= len(tokens) or tokens[i + 1].token_type != TokenType.L_PAREN:
        return False
    return tokens[i + 2].text.upper() in ("LEADING", "TRAILING", "BOTH")


@functools.lru_cache(maxsize=256)
def _tokens(text: str) -> list[Token]:
    """`text` tokenized once for both checks (the list is only read)."""
    return TSQL().tokenize(text)


def _arguments(tokens: list[Token], start: int) -> int:
    """How many arguments the call whose `(` is tokens[start] has (0 if it is no call)."""
    if start >= len(tokens) or tokens[start].token_type != TokenType.L_PAREN:
        return 0
    depth, count = 0, 1
    for token in tokens[start:]:
        depth += (token.token_type == TokenType.L_PAREN) - (token.token_type == TokenType.R_PAREN)
        if depth == 0:
            return count
        count += depth == 1 and token.token_type == TokenType.COMMA
    return count
