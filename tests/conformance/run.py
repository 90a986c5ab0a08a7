"""Run the MCP conformance suite's server scenarios against `azsql-mcp serve --demo` over
streamable HTTP (`make conformance` installs the suite, then calls this), on protocol
2025-11-25 and on 2026-07-28; then the 2025-11-25 scenarios that need no session against
a stateless server (`stateless_http = true`, the container image's default). The
server also loads the plugin in plugin/, which holds
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
# A stateless server keeps no session (server-sse-multiple-streams checks nothing
# without one), and cannot take the answer to its own request (an elicitation) that a
# 2025-11-25 client POSTs back.
NEEDS_SESSION = (
    "server-session-lifecycle",
    "server-sse-multiple-streams",
    "tools-call-elicitation",
)
STATELESS = tuple(s for s in SCENARIOS["2025-11-25"] if s not in NEEDS_SESSION)
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
    session = [(v, scenario) for v, scenarios in SCENARIOS.items() for scenario in scenarios]
    stateless = [("2025-11-25", scenario) for scenario in STATELESS]
    failed = check_server(node, suite, session, stateless=False)
    failed += check_server(node, suite, stateless, stateless=True)
    runs = len(session) + len(stateless)
    print(f"\nconformance: {runs - len(failed)} of {runs} scenario runs passed", end="")
    print(f"; failed: {', '.join(failed)}" if failed else "")
    return 1 if failed else 0


def check_server(
    node: Path, suite: Path, runs: list[tuple[str, str]], *, stateless: bool
) -> list[str]:
    """Start `serve --demo`, run each (protocol version, scenario) against it: those that
    failed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AZSQL_MCP_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FIXTURES), env.get("PYTHONPATH")]))
    env["AZSQL_MCP_SERVER__STATELESS_HTTP"] = str(stateless).lower()
    serve = [sys.executable, "-c", SERVE, "serve", "--demo", "--transport", "http"]
    with reserved_port() as port, tempfile.TemporaryDirectory() as cwd:
        base = f"http://127.0.0.1:{port}"
        check = [str(node), str(suite), "server", "--url", base + "/mcp"]
        with tempfile.TemporaryFile() as log:
            server = subprocess.Popen(
                [*serve, "--host", "127.0.0.1", "--port", str(port)],
                cwd=cwd,  # no azsql-mcp.toml of the checkout is read
                env=env,
                stdout=log,
                stderr=log,
            )
            try:
                wait_ready(base, server)
                failed = [
                    f"{scenario} ({version}{', stateless' if stateless else ''})"
                    for version, scenario in runs
                    if subprocess.call([*check, "--spec-version", version, "--scenario", scenario])
                ]
            finally:
                server.terminate()
                server.wait(timeout=30)
            if server.returncode not in (0, -15):
                log.seek(0)
                sys.stderr.write(log.read().decode(errors="replace")[-4000:])
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
