"""The database path on uvloop's event loop, which `serve` uses when uvloop is installed
(issue 22): its transports are not asyncio.Transport instances."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import azsql_mcp
from azsql_mcp import Limits, Security, SourceSettings
from azsql_mcp.db.database import SourceDatabase
from azsql_mcp.plugins.builtin_auth import SqlLogin
from azsql_mcp.serving.run import run_loop
from tds_test_server import ThreadedTdsServer

uvloop = pytest.importorskip("uvloop")


def test_a_read_through_the_driver_process_on_uvloop() -> None:
    answers: list[object] = []

    async def read(server: ThreadedTdsServer) -> None:
        import asyncio

        assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
        source = SourceSettings(
            server=f"tcp:{server.host},{server.port}",
            username=server.user,
            password=server.password,
            encrypt="no",
        )
        db = SourceDatabase("uv", source, Security(), Limits(), SqlLogin(source))
        try:
            answers.append((await db.read("SELECT 41 + 1 AS answer")).rows)
        finally:
            await db.close()

    with ThreadedTdsServer(sample=True) as server:
        run_loop(read(server))
    assert answers == [[(42,)]]


def test_stdio_serves_on_asyncios_own_loop(tmp_path: Path) -> None:
    """Over stdio `serve` keeps asyncio's loop: importing uvloop came before the answer
    to `initialize` and saved nothing for one client (bench/throughput-rounds-2.md)."""
    config = tmp_path / "azsql-mcp.toml"
    config.write_text('[sources.main]\nserver = "127.0.0.1,1"\nusername = "u"\npassword = "p"\n')
    code = (
        "import sys\n"
        "from azsql_mcp.core.cli import main\n"
        f"main(['serve', '--transport', 'stdio', '--config', {str(config)!r}])\n"
        "print('uvloop' in sys.modules, file=sys.stderr)\n"
    )
    hello = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("AZSQL_MCP_")}
    env["PYTHONPATH"] = str(Path(azsql_mcp.__file__).parents[1])
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(hello) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert '"result"' in done.stdout, done.stderr[-2000:]
    assert done.stderr.strip().splitlines()[-1] == "False"
