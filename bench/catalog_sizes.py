"""What an agent receives from the catalog of a large database: bytes and seconds.

On a database of the sample plus TABLES tables in SCHEMAS schemas (each table has a key,
eight typed columns and a foreign key to the table before it; every hundredth table
is referenced by the next twenty), a table of WIDE columns and a typical table of 20,
prints for each built-in catalog tool and resource the bytes of its text and of its
structured content (JSON as sent), the seconds it took and the statements it sent,
through the in-memory FastMCP client (which validates structuredContent against the
tool's outputSchema), as the privileged login and as the db_datareader login.

The TDS test server runs in its own process (bench/_processes.py), so its CPU is not
charged to azsql-mcp. Target: no answer past what a model reads whole (describe_table's
text under 40 KB, its structured content under the same, database://schema and
database://tables under 40,000 characters), and the diagrams, of one table as of the
database, in about the time describe_table takes: a few statements, not one for each
page of the whole schema's columns.

The console's schema page is measured too (the page of all schemas, and the first page
of schema s000): with `--schemas 1` every table is in s000, the common case of a large
database whose tables are all in dbo. `--only` keeps the calls of the comma-separated
labels given.

    .venv/bin/python bench/catalog_sizes.py [--tables 2000] [--schemas 300] [--wide 1025]
        [--only "database://schema,console schema page"]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import time
from typing import Any

import pyodbc
from fastmcp import Client

from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.db.database import SourceDatabase
from azsql_mcp.serving.console import schema_page
from tds_test_server import find_msodbc_driver, server_process

USER, READER = "bench", "bench_reader"
TYPES = ("nvarchar(50)", "int", "decimal(19,4)", "datetime2", "bit", "varchar(200)", "date")


def setup(tables: int, schemas: int, wide: int) -> list[str]:
    """The DDL of the large database, a statement each."""
    ddl = [f"CREATE SCHEMA s{s:03d}" for s in range(schemas)]
    for t in range(tables):
        name = f"s{t % schemas:03d}.t{t:04d}"
        columns = ", ".join(f"c{i} {TYPES[i % len(TYPES)]} NULL" for i in range(8))
        ref = ""
        if t:  # the table before it, or that hundredth table
            parent = t - 1 if t % 100 > 20 or t < 100 else t - t % 100
            ref = f", p int NULL REFERENCES s{parent % schemas:03d}.t{parent:04d} (id)"
        ddl.append(f"CREATE TABLE {name} (id int NOT NULL PRIMARY KEY, {columns}{ref})")
    ddl.append("CREATE SCHEMA Big")
    # past 1,024 columns only with sparse ones (and a column set)
    sparse = wide > 1024
    ddl.append(
        "CREATE TABLE Big.Wide (id int NOT NULL PRIMARY KEY, "
        + ", ".join(
            f"c{i:04d} {TYPES[i % len(TYPES)]}{' SPARSE' if sparse else ''} NULL"
            for i in range(1, wide - (2 if sparse else 1))
        )
        + (", cs xml COLUMN_SET FOR ALL_SPARSE_COLUMNS" if sparse else "")
        + ")"
    )
    ddl.append(
        "CREATE TABLE Big.Typical (id int IDENTITY(1,1) NOT NULL PRIMARY KEY,"
        " created datetime2 NOT NULL DEFAULT (sysdatetime()), "
        + ", ".join(f"c{i:02d} {TYPES[i % len(TYPES)]} NULL" for i in range(17))
        + ", parent int NULL REFERENCES s000.t0000 (id))"
    )
    return ddl


# The statements sent to the server (each a round trip: on SQL Server these count more
# than the test server's speed), counted where the source reads.
SENT = [0]


def count_statements() -> None:
    read = SourceDatabase.read

    async def counted(self: SourceDatabase, *args: Any, **kw: Any) -> Any:
        SENT[0] += 1
        return await read(self, *args, **kw)

    SourceDatabase.read = counted  # type: ignore[method-assign]


async def measure(client: Client[Any], label: str, call: Any) -> None:
    start = time.perf_counter()
    SENT[0] = 0
    try:
        text, structured = await call()
    except Exception as e:  # a resource that fails is a figure too
        print(f"{label:44} failed after {time.perf_counter() - start:6.2f} s: {e}")
        return
    seconds = time.perf_counter() - start
    data = "" if structured is None else json.dumps(structured, separators=(",", ":"))
    print(
        f"{label:44} text {len(text):9,} B  structured {len(data):9,} B  {seconds:6.2f} s"
        f"  {SENT[0]:4} statements"
    )


async def run(config: dict[str, Any], who: str, only: list[str]) -> None:
    async def quiet(message: Any) -> None:  # the server's notices of capped catalog pages
        pass

    app = build_app(settings_from_mapping(config))
    async with Client(app.mcp, log_handler=quiet) as client:

        async def tool(name: str, **args: Any) -> Any:
            result = await client.call_tool(name, args)
            return result.content[0].text, result.structured_content

        async def resource(uri: str) -> Any:
            return (await client.read_resource(uri))[0].text, None

        calls = {
            "describe_table Big.Wide": lambda: tool("describe_table", table="Big.Wide"),
            "describe_table Big.Typical": lambda: tool("describe_table", table="Big.Typical"),
            "list_tables": lambda: tool("list_tables"),
            "database://schema": lambda: resource("database://schema"),
            "database://tables": lambda: resource("database://tables"),
            "database://tables/Big/Wide": lambda: resource("database://tables/Big/Wide"),
            "database://schema/diagram": lambda: resource("database://schema/diagram"),
            "database://schema/diagram/s000": lambda: resource("database://schema/diagram/s000"),
            "database://schema/diagram/s000/t0300": lambda: resource(
                "database://schema/diagram/s000/t0300"
            ),
            "database://schema/diagram/Big/Typical": lambda: resource(
                "database://schema/diagram/Big/Typical"
            ),
            "console schema page": lambda: console(None),
            "console schema page ?schema=s000": lambda: console("s000"),
        }

        async def console(schema: str | None) -> Any:
            while app.databases.get("bench") is None:  # the source opens
                await asyncio.sleep(0.05)
            return await schema_page.schema(app, "bench", schema), None

        print(f"-- as {who}")
        for label, call in calls.items():
            if not only or label in only:
                await measure(client, label, call)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--schemas", type=int, default=300)
    parser.add_argument("--wide", type=int, default=1025)
    parser.add_argument("--only", default="", help="comma-separated labels of the calls to make")
    args = parser.parse_args()
    count_statements()
    password = secrets.token_urlsafe(12)
    driver = find_msodbc_driver()
    login = f"--login={READER}:{password}"
    with server_process("--sample", "--user", USER, f"--password={password}", login) as tds:
        odbc = (
            f"DRIVER={{{driver}}};SERVER=tcp:{tds.host},{tds.port};DATABASE=AdventureWorksLT;"
            f"UID={USER};PWD={password};Encrypt=no;TrustServerCertificate=yes"
            if driver
            else f"DRIVER={{FreeTDS}};SERVER={tds.host};PORT={tds.port};"
            f"DATABASE=AdventureWorksLT;UID={USER};PWD={password};TDS_Version=7.4;Encryption=off"
        )
        start = time.perf_counter()
        with contextlib.closing(pyodbc.connect(odbc, autocommit=True)) as cnxn:
            for statement in setup(args.tables, args.schemas, args.wide):
                cnxn.execute(statement)
        print(
            f"set up {args.tables} tables in {args.schemas} schemas:"
            f" {time.perf_counter() - start:.1f} s"
        )
        for who in (USER, READER):
            source = {
                "server": f"{tds.host},{tds.port}",
                "database": "AdventureWorksLT",
                "auth": "sql",
                "username": who,
                "password": password,
                "encrypt": "no",
            }
            if driver is None:
                source["driver"] = "FreeTDS"
            config = {"sources": {"bench": source}, "audit": {"enabled": False}}
            asyncio.run(run(config, who, [w for w in args.only.split(",") if w]))


if __name__ == "__main__":
    main()
