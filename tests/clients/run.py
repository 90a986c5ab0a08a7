"""Drive `azsql-mcp serve --demo` with the MCP clients most users have: the TypeScript SDK
(Claude Desktop, VS Code, Cursor and agents are built on it) and the MCP Inspector's CLI
(`make clients` installs them, then calls this).

Usage: python tests/clients/run.py CLIENTS_DIR   (CLIENTS_DIR holds node_modules with the
npm packages `node@22`, `@modelcontextprotocol/sdk`, `@modelcontextprotocol/client` and
`@modelcontextprotocol/inspector`).

sdk_walk.mjs walks every tool, resource, prompt and completion, errors, progress,
cancellation and list_changed over stdio and over streamable HTTP (with sessions and
stateless, SSE and JSON answers, and with static bearer tokens), with the SDK's 1.x
client on 2025-11-25 and its 2.x client on 2026-07-28; the Inspector's CLI then
lists and calls over stdio and HTTP in both protocol eras it speaks (2025-11-25 and
2026-07-28), as a user following the README would. Exit status 0 when every check passes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from azsql_mcp.testing.ports import reserved_port, wait_ready

HERE = Path(__file__).resolve().parent
# A short query_timeout_s, so that the walk's slow read times out within seconds.
CONFIG = "[limits]\nquery_timeout_s = 3\n"
TOKEN = "walk-" + "0123456789abcdef" * 2
AUTH = (
    '[server.auth]\nmode = "static_tokens"\n[[server.auth.static_tokens]]\n'
    f'token = "{TOKEN}"\nsubject = "sdk-walk"\nscopes = ["sql.read", "sql.admin"]\n'
)
# (name, serve flags, extra config, walk flags)
HTTP_WALKS = (
    ("http session, SSE", [], "", []),
    ("http session, JSON", [], "[server]\njson_response = true\n", ["--json-response"]),
    ("http stateless, SSE", ["--stateless"], "", []),
    (
        "http stateless, JSON",
        ["--stateless"],
        "[server]\njson_response = true\n",
        ["--json-response"],
    ),
    ("http session, static_tokens", [], AUTH, ["--token", TOKEN]),
)
# The SDK's majors: 1 (@modelcontextprotocol/sdk, in today's clients) and 2
# (@modelcontextprotocol/client, under the Inspector 2), and the revision each speaks.
SDKS = (("1", "2025-11-25"), ("2", "2026-07-28"))
ERAS = ("legacy", "modern")  # the Inspector's names for 2025-11-25 and 2026-07-28


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(argv[0])
    node = root / "node_modules" / ".bin" / "node"
    inspector = root / "node_modules" / ".bin" / "mcp-inspector"
    packages = root / "node_modules" / "@modelcontextprotocol"
    if not (node.exists() and inspector.exists() and (packages / "sdk").exists()):
        print(f"node, the SDK or the Inspector is missing under {root}: run `make clients`")
        return 2
    if not (packages / "client").exists():
        print(f"@modelcontextprotocol/client is missing under {root}: run `make clients`")
        return 2
    failed: list[str] = []
    with tempfile.TemporaryDirectory() as cwd:
        config = Path(cwd) / "azsql-mcp.toml"
        walk = [str(node), str(HERE / "sdk_walk.mjs"), str(root), str(config)]

        def run(name: str, command: list[str]) -> None:
            print(f"\n== {name}", flush=True)
            if subprocess.call(command, cwd=cwd, timeout=300) != 0:
                failed.append(name)

        for sdk, era in SDKS:
            config.write_text(CONFIG)
            run(f"stdio, {era}", [*walk, "--stdio", sys.executable, "--sdk", sdk])
            for name, flags, extra, walk_flags in HTTP_WALKS:
                config.write_text(CONFIG + extra)
                with serving(cwd, config, flags) as url:
                    run(f"{name}, {era}", [*walk, "--url", url, "--sdk", sdk, *walk_flags])

        config.write_text(CONFIG)
        stdio = [sys.executable, "-m", "azsql_mcp", "serve", "--demo", "--config", str(config)]
        # the Inspector passes a stdio server few variables: PYTHONPATH names the checkout
        path = os.environ.get("PYTHONPATH")
        env = ["-e", f"PYTHONPATH={path}"] if path else []
        failed += inspect(inspector, "inspector stdio", env, stdio, cwd)
        for flags in ([], ["--stateless"]):
            with serving(cwd, config, flags) as url:
                name = f"inspector http {' '.join(flags)}".strip()
                failed += inspect(inspector, name, [], [url], cwd)
    print(f"\nclients: {len(failed)} failed" + (f": {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


@contextmanager
def serving(cwd: str, config: Path, flags: list[str]) -> Iterator[str]:
    """`serve --demo` over HTTP with `config` on a free port: the MCP endpoint's URL."""
    with reserved_port() as port, tempfile.TemporaryFile() as log:
        base = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "azsql_mcp", "serve", "--demo", "--transport", "http"]
        listen = ["--host", "127.0.0.1", "--port", str(port), "--config", str(config)]
        server = subprocess.Popen([*command, *listen, *flags], cwd=cwd, stdout=log, stderr=log)
        try:
            wait_ready(base, server)
            yield base + "/mcp"
        finally:
            server.terminate()
            server.wait(timeout=30)
            if server.returncode not in (0, -15):
                log.seek(0)
                sys.stderr.write(log.read().decode(errors="replace")[-4000:])


# (what, Inspector arguments, a check of its JSON answer)
INSPECTOR_CALLS = (
    ("tools/list --strict", ["--method", "tools/list", "--strict"], lambda r: len(r["tools"]) >= 8),
    (
        "tools/call read_data",
        [
            "--method", "tools/call", "--tool-name", "read_data",
            "--tool-arg", "query=SELECT TOP (3) ProductID, ListPrice FROM SalesLT.Product",
            "--tool-arg", "max_rows=2",
        ],
        lambda r: len(r["structuredContent"]["rows"]) == 2 and r["structuredContent"]["truncated"],
    ),
    ("resources/list", ["--method", "resources/list"], lambda r: len(r["resources"]) >= 4),
    (
        "resources/templates/list",
        ["--method", "resources/templates/list"],
        lambda r: len(r["resourceTemplates"]) >= 3,
    ),
    (
        "resources/read",
        ["--method", "resources/read", "--uri", "database://tables/SalesLT/Customer"],
        lambda r: json.loads(r["contents"][0]["text"])["name"] == "Customer",
    ),
    (
        "prompts/get",
        [
            "--method", "prompts/get", "--prompt-name", "sql_query_builder",
            "--prompt-args", "table=SalesLT.Customer", "operation=SELECT",
        ],
        lambda r: "SalesLT.Customer" in r["messages"][0]["content"]["text"],
    ),
)  # fmt: skip


def inspect(inspector: Path, name: str, env: list[str], target: list[str], cwd: str) -> list[str]:
    """The Inspector CLI's calls against `target` (a command or a URL), in both eras:
    the names of those that failed. The target comes after `--`: before it, the
    Inspector would take the server's own `--config` for its."""
    failed = []
    print(f"\n== {name}", flush=True)
    for era in ERAS:
        for what, arguments, expected in INSPECTOR_CALLS:
            command = [str(inspector), "--cli", *env, "--protocol-era", era, *arguments]
            done = subprocess.run(
                [*command, "--format", "json", "-q", "--", *target],
                cwd=cwd,
                capture_output=True,
                text=True,
                timeout=120,
                env=os.environ | {"MCP_CATALOG_PATH": str(Path(cwd) / "catalog.json")},
            )
            try:
                ok = done.returncode == 0 and bool(expected(json.loads(done.stdout)["result"]))
            except (ValueError, KeyError, IndexError, TypeError):
                ok = False
            detail = "" if ok else f": exit {done.returncode} {(done.stdout + done.stderr)[:400]}"
            print(f"{'ok  ' if ok else 'FAIL'} {era} {what}{detail}", flush=True)
            if not ok:
                failed.append(f"{name} {era} {what}")
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
