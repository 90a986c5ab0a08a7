"""A pure-Python TDS 7.4 test server backed by SQLite. A test double, not SQL Server."""

from .faults import Fault
from .process import ServerProcess, server_process
from .protocol.server import LoginRecord, ServerRecord, ThreadedTdsServer, find_msodbc_driver

__all__ = [
    "Fault",
    "LoginRecord",
    "ServerProcess",
    "ServerRecord",
    "ThreadedTdsServer",
    "find_msodbc_driver",
    "server_process",
]
