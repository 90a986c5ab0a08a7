"""The database tests against a real SQL Server or Azure SQL database (`make test-sqlserver`).

`AZSQL_MCP_TEST_SQLSERVER` holds an ODBC connection string for a privileged user
(one that may create and drop a schema), `AZSQL_MCP_TEST_SQLSERVER_READER` optionally
one for a least-privileged user (db_datareader only). When the first is set, the
pytest kit points `azsql_config` at that database instead of the TDS test server, runs
only the tests marked `sqlserver` (they create what they need in a scratch schema and
drop it afterwards) and skips the reader runs when the second is not set.
docs/project-tests.md says how to create both users.
"""

from __future__ import annotations

import os
from typing import Any

ENV_PRIVILEGED = "AZSQL_MCP_TEST_SQLSERVER"
ENV_READER = "AZSQL_MCP_TEST_SQLSERVER_READER"
MARKER = "sqlserver"

_ENCRYPT = {"true": "yes", "mandatory": "yes", "false": "no"}


def active() -> bool:
    return bool(os.environ.get(ENV_PRIVILEGED, "").strip())


def connection_string(reader: bool) -> str | None:
    value = os.environ.get(ENV_READER if reader else ENV_PRIVILEGED, "").strip()
    return value or None


def parse_odbc(text: str) -> dict[str, str]:
    """`KEY=value;KEY={va;lue}` pairs, keys in lower case; `}}` inside braces is `}`."""
    pairs: dict[str, str] = {}
    i = 0
    while i < len(text):
        eq = text.find("=", i)
        if eq < 0:
            if text[i:].strip(" ;"):
                raise ValueError(f"{ENV_PRIVILEGED}: no '=' in {text[i:]!r}")
            break
        key = text[i:eq].strip().lower()
        j = eq + 1
        if text[j : j + 1] == "{":
            value, j = [], j + 1
            while j < len(text):
                if text[j] == "}":
                    if text[j + 1 : j + 2] == "}":
                        value.append("}")
                        j += 2
                        continue
                    j += 1
                    break
                value.append(text[j])
                j += 1
            pairs[key] = "".join(value)
            end = text.find(";", j)
        else:
            end = text.find(";", j)
            pairs[key] = text[j : end if end >= 0 else len(text)].strip()
        i = len(text) if end < 0 else end + 1
    return pairs


def source_config(odbc: str) -> dict[str, Any]:
    """An azsql-mcp source (SQL authentication) from an ODBC connection string."""
    pairs = parse_odbc(odbc)
    missing = [k for k in ("server", "database", "uid", "pwd") if not pairs.get(k)]
    if missing:
        raise ValueError(
            f"the connection string needs {', '.join(k.upper() for k in missing)} (SQL"
            " authentication), e.g. Driver={ODBC Driver 18 for SQL Server};"
            "Server=tcp:myserver.database.windows.net,1433;Database=mydb;UID=azsql_owner;"
            "PWD=...;Encrypt=yes"
        )
    source: dict[str, Any] = {
        "server": pairs["server"],
        "database": pairs["database"],
        "auth": "sql",
        "username": pairs["uid"],
        "password": pairs["pwd"],
    }
    if pairs.get("driver"):
        source["driver"] = pairs["driver"]
    if pairs.get("encrypt"):
        encrypt = pairs["encrypt"].lower()
        source["encrypt"] = _ENCRYPT.get(encrypt, encrypt)
    if pairs.get("trustservercertificate"):
        source["trust_server_certificate"] = pairs["trustservercertificate"].lower() in (
            "yes",
            "true",
        )
    return source
