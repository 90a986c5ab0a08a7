"""The old home of the TDS test server, kept so that documented imports keep working.

The test server is its own top-level package now, `tds_test_server`; this package
re-exports what it exported before. New code imports `tds_test_server`.
"""

from tds_test_server import (
    Fault,
    LoginRecord,
    ServerProcess,
    ServerRecord,
    ThreadedTdsServer,
    find_msodbc_driver,
    server_process,
)

__all__ = [
    "Fault",
    "LoginRecord",
    "ServerProcess",
    "ServerRecord",
    "ThreadedTdsServer",
    "find_msodbc_driver",
    "server_process",
]
