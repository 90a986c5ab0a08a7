"""read_data in read-only mode refuses the hostile corpus and leaves the database as it was;
it accepts the corpus of legitimate analytic SELECTs."""

import hashlib
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

from fastmcp import Client

_spec = importlib.util.spec_from_file_location(
    "sql_corpus", Path(__file__).parents[1] / "unit" / "sql_corpus" / "__init__.py"
)
assert _spec and _spec.loader
sql_corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sql_corpus)

# An in-memory client has no token, and a caller without client authentication may read
# the server state the admin tools show; tests/e2e/test_server_state_scope.py sends those
# entries with a token that lacks sql.admin.
HOSTILE = [s for s in sql_corpus.load_corpus("hostile") if not sql_corpus.server_state_only(s)]
REFUSED = "Allowed here:"  # every QueryRefused message carries it
PARAMETER = re.compile(r"(?<![@\w])@([A-Za-z_]\w*)")
# Every table of the sample schema has ModifiedDate; these are small enough to hash whole.
HASHED_TABLES = ("Customer", "Address", "ProductCategory", "ProductModel")


async def read(client: Client[Any], query: str, params: dict[str, Any] | None = None) -> Any:
    args: dict[str, Any] = {"query": query, "max_rows": 1000}
    if params:
        args["params"] = params
    result = await client.call_tool("read_data", args, raise_on_error=False)
    assert not result.is_error, (query, result.content)
    return result.structured_content


async def snapshot(client: Client[Any]) -> dict[str, Any]:
    """Object names, per-table row counts and latest change, full hashes of small tables."""
    tables = (await client.call_tool("list_tables", {})).structured_content["tables"]
    state: dict[str, Any] = {"objects": sorted(f"{t['schema_name']}.{t['name']}" for t in tables)}
    for t in tables:
        if t["schema_name"] == "SalesLT" and t["type"] == "table":
            data = await read(
                client, f"SELECT COUNT(*), MAX(ModifiedDate) FROM SalesLT.[{t['name']}]"
            )
            state[t["name"]] = data["rows"][0]
    for name in HASHED_TABLES:
        rows: list[Any] = []
        cursor = None
        while True:
            args: dict[str, Any] = {"query": f"SELECT * FROM SalesLT.{name} ORDER BY 1"}
            if cursor:
                args["cursor"] = cursor
            data = (await client.call_tool("read_data", args)).structured_content
            rows.extend(data["rows"])
            cursor = data["next_cursor"]
            if not cursor:
                break
        state[f"{name}#"] = hashlib.sha256(json.dumps(rows).encode()).hexdigest()
    return state


async def test_hostile_corpus_is_refused_and_the_database_is_unchanged(mcp_client):
    assert len(HOSTILE) >= 150
    before = await snapshot(mcp_client)
    accepted = []
    for statement in HOSTILE:
        result = await mcp_client.call_tool("read_data", {"query": statement}, raise_on_error=False)
        if not (result.is_error and REFUSED in result.content[0].text):
            accepted.append((statement, result.content[0].text[:200]))
    assert accepted == []
    assert await snapshot(mcp_client) == before


async def test_legit_corpus_is_accepted(make_azsql_server):
    """The guard lets every one through (the corpus names tables of its own, so the
    database may then answer "invalid object"; that is not a refusal). The corpus
    reads one other database, which this source opens."""
    app = make_azsql_server(config={"security": {"allowed_databases": ["Reporting"]}})
    refused = []
    async with Client(app) as client:
        for statement in sql_corpus.load_corpus("legit"):
            args: dict[str, Any] = {"query": statement}
            names = set(PARAMETER.findall(statement))
            if names:
                args["params"] = dict.fromkeys(names, 1)
            result = await client.call_tool("read_data", args, raise_on_error=False)
            if result.is_error and REFUSED in result.content[0].text:
                refused.append((statement, result.content[0].text[:200]))
    assert refused == []
