"""The driver process: where pyodbc and the ODBC driver run, apart from the server.

Why a process of its own: pyodbc releases and retakes the GIL around every ODBC call
(every SQLFetch, every SQLGetData), so driver threads inside the server kept taking
the GIL from the event loop thread, dozens of times per query. Under load that cost
the server about a third of its throughput (bench/load.py). Here the server's event
loop only writes requests to a socket and reads the answers. A crash in a native
driver also ends only this process: the server sees its connections lost and starts a
new one.

`ConnectionPool` (pool.py) starts one per source, as `python driverhost.py FD THREADS`.
The work lives in the modules beside this file: driverserve.py (the socket, the works by
name), driverconn.py (connections), driverrows.py (reads), driverwrites.py (writes and
procedures), driverdescribe.py (showplan, parameter types). This script imports them
without importing the azsql_mcp package, whose API pulls in pydantic (see
_package_without_api). Their classes keep their own names (azsql_mcp.db.X), so a value
of theirs pickled here unpickles as the same class on the server's side.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from types import ModuleType


def _package_without_api() -> None:
    """Make `azsql_mcp.db.X` importable as db/X.py, without running azsql_mcp's or
    azsql_mcp.db's __init__.py: empty packages whose path is this directory (for
    azsql_mcp.db) and nothing (for azsql_mcp, so an import of the API fails loudly here
    instead of loading pydantic)."""
    for name, path in (("azsql_mcp", []), ("azsql_mcp.db", [str(Path(__file__).parent)])):
        package = ModuleType(name)
        package.__path__ = path
        sys.modules[name] = package


def main() -> None:
    _package_without_api()
    from azsql_mcp.db.driverserve import serve

    # The server decides when this process ends (by closing the socket), after it has
    # finished its calls: signals meant for the server's process group do not end it.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    serve(int(sys.argv[1]), int(sys.argv[2]))
    os._exit(0)  # without waiting on the driver's own threads


if __name__ == "__main__":
    main()
