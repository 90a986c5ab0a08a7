"""The command line: `python -m tds_test_server` (or the old `python -m
azsql_mcp.testing.tds_server`) runs the TDS test server until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from dataclasses import replace

from .editions import EDITIONS, SQL_SERVER_2022
from .faults import FAULT_HELP, Fault
from .principals import LOGIN_HELP, Principal
from .protocol.login import ROUTE_HELP, Route
from .protocol.server import ThreadedTdsServer


def _fault(spec: str) -> Fault:
    try:
        return Fault.parse(spec)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _login(spec: str) -> Principal:
    try:
        return Principal.parse(spec)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _route(spec: str) -> Route:
    try:
        return Route.parse(spec)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tds_test_server",
        description="A TDS 7.4 test server backed by SQLite, for tests and demos. It is a test "
        "double that real SQL Server drivers can talk to, not SQL Server. The first line on "
        "stdout is 'listening on HOST:PORT'.",
        epilog=LOGIN_HELP + "\n\n" + FAULT_HELP + "\n" + ROUTE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port (0 = any free port)")
    parser.add_argument("--database", default=":memory:", help="SQLite file to serve, or :memory:")
    parser.add_argument(
        "--sample",
        action="store_true",
        help="serve the AdventureWorksLT-shaped sample as database AdventureWorksLT",
    )
    parser.add_argument(
        "--user", default="sa", help="SQL login name of the privileged login (sysadmin, dbo)"
    )
    parser.add_argument("--password", default="Password1!", help="SQL login password")
    parser.add_argument(
        "--login",
        action="append",
        type=_login,
        default=[],
        metavar="NAME:PASSWORD[:GRANT,...]",
        help="add a least-privileged login (db_datareader plus grants; see below)",
    )
    parser.add_argument(
        "--require-token",
        metavar="TOKEN",
        help="accept access-token logins only with exactly this token",
    )
    parser.add_argument(
        "--tls", action="store_true", help="offer TLS 1.2 (self-signed certificate)"
    )
    parser.add_argument(
        "--edition",
        choices=sorted(EDITIONS),
        default=SQL_SERVER_2022.name,
        help="what the server reports itself as, and the edition's rules (see docs/testing.md)",
    )
    parser.add_argument(
        "--compat-level",
        type=int,
        metavar="LEVEL",
        help="the user database's compatibility level (100 up to the edition's own, the"
        " default): STRING_SPLIT and OPENJSON need 130",
    )
    parser.add_argument(
        "--fault",
        action="append",
        type=_fault,
        default=[],
        metavar="SPEC",
        help="inject a fault, KIND[:ARG]@WHEN[:COUNT][~TEXT] (see below)",
    )
    parser.add_argument(
        "--route",
        type=_route,
        metavar="HOST:PORT",
        help="answer TDS 7.4 logins with a route to HOST:PORT (see below)",
    )
    parser.add_argument(
        "--route-read-only",
        action="store_true",
        help="route only ApplicationIntent=ReadOnly logins (read-only routing)",
    )
    return parser


def serve(args: argparse.Namespace) -> int:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: stop.set())
    try:
        server = ThreadedTdsServer(
            host=args.host,
            port=args.port,
            database=args.database,
            sample=args.sample,
            user=args.user,
            password=args.password,
            require_token=args.require_token,
            tls=args.tls,
            faults=args.fault,
            logins=args.login,
            edition=args.edition,
            route=args.route,
        )
    except ValueError as exc:  # a --login that clashes with --user or the edition
        print(str(exc), file=sys.stderr)
        return 2
    try:
        server.start()
    except OSError as exc:  # a name that does not resolve, a port in use
        server.close()
        print(
            f"cannot listen on {args.host}:{args.port}: {exc}; choose another --host or"
            " --port (0 picks a free port)",
            file=sys.stderr,
        )
        return 1
    with server:
        print(f"listening on {server.host}:{server.port}", flush=True)
        stop.wait()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.edition = EDITIONS[args.edition]
    if args.compat_level is not None:
        try:
            args.edition = args.edition.at_level(args.compat_level)
        except ValueError as exc:
            parser.error(f"--compat-level: {exc}")
    if args.route_read_only:
        if args.route is None:
            parser.error("--route-read-only needs --route HOST:PORT")
        args.route = replace(args.route, read_only=True)
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return serve(args)
