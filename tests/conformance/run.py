"""Run the MCP conformance suite's server scenarios against `azsql-mcp serve --demo` over
streamable HTTP (`make conformance` installs the suite, then calls this), on protocol
2025-11-25 and on 2026-07-28. The server also loads the plugin in plugin/, which holds
the tools, resources and prompts the scenarios call (test_image_content and the like),
so that what a plugin returns is checked through azsql-mcp's middleware; the plugin is
on this server's path only.

Usage: python tests/conformance/run.py SUITE_DIR   (SUITE_DIR holds node_modules with
the npm packages `node@22` and `@modelcontextprotocol/conformance`). Exit status 0 when
every scenario passes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: ports.py
from azsql_mcp.testing.ports import reserved_port, wait_ready

# Left out (docs/client-features.md, "The MCP conformance suite", says why): sampling,
# resource subscriptions, the elicitation schema scenarios, json-schema-2020-12,
# server-sse-polling, server-stateless, input-required-result-*, x-mcp-header, the
# tasks-* and skills extensions.
COMMON = (
    "completion-complete",
    "tools-list",
    "tools-call-simple-text",
    "tools-call-image",
    "tools-call-audio",
    "tools-call-embedded-resource",
    "tools-call-mixed-content",
    "tools-call-error",
    "tools-call-with-progress",
    "server-sse-multiple-streams",
    "resources-list",
    "resources-read-text",
    "resources-read-binary",
    "resources-templates-read",
    "prompts-list",
    "prompts-get-simple",
    "prompts-get-with-args",
    "prompts-get-embedded-resource",
    "prompts-get-with-image",
    "dns-rebinding-protection",
)
SCENARIOS = {
    "2025-11-25": (
        "server-initialize",
        "server-session-lifecycle",
        "ping",
        "logging-set-level",
        "tools-call-with-logging",
        "tools-call-elicitation",
        *COMMON,
    ),
    "2026-07-28": (*COMMON, "sep-2164-resource-not-found", "caching", "http-header-validation"),
}
FIXTURES = Path(__file__).resolve().parent / "plugin"
SERVE = "import sys; from azsql_mcp.core.cli import main; sys.exit(main())"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    bin_dir = Path(argv[0]) / "node_modules" / ".bin"
    node, suite = bin_dir / "node", bin_dir / "conformance"
    if not (node.exists() and suite.exists()):
        print(f"no node or conformance under {bin_dir}: run `make conformance`", file=sys.stderr)
        return 2
    with reserved_port() as port:
        return check_server(port, node, suite)


def check_server(port: int, node: Path, suite: Path) -> int:
    """Start `serve --demo` on `port`, run each scenario against it: the exit status."""
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AZSQL_MCP_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FIXTURES), env.get("PYTHONPATH")]))
    serve = [sys.executable, "-c", SERVE, "serve", "--demo", "--transport", "http"]
    listen = ["--host", "127.0.0.1", "--port", str(port)]
    check = [str(node), str(suite), "server", "--url", base + "/mcp"]
    runs = [(v, scenario) for v, scenarios in SCENARIOS.items() for scenario in scenarios]
    with tempfile.TemporaryDirectory() as cwd, tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [*serve, *listen],
            cwd=cwd,  # no azsql-mcp.toml of the checkout is read
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            wait_ready(base, server)
            failed = [
                f"{scenario} ({version})"
                for version, scenario in runs
                if subprocess.call([*check, "--spec-version", version, "--scenario", scenario])
            ]
        finally:
            server.terminate()
            server.wait(timeout=30)
        if server.returncode not in (0, -15):
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-4000:])
    passed = len(runs) - len(failed)
    print(f"\nconformance: {passed} of {len(runs)} scenario runs passed", end="")
    print(f"; failed: {', '.join(failed)}" if failed else "")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
