"""Loopback host names and addresses: what counts as "this machine" for binding checks,
DNS-rebinding protection and the protected-resource URL; and whether a port is free."""

from __future__ import annotations

import errno
import ipaddress
import socket

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class PortInUse(Exception):
    """The HTTP address cannot be bound (the port taken, a host not this machine's):
    said in one line, with what to do, without a traceback."""


def check_port_free(host: str, port: int) -> None:
    """Bind the address once, as uvicorn will, so a taken port is one clear line."""
    bind_socket(host, port).close()


def bind_socket(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """The address bound as uvicorn binds it (SO_REUSEADDR); PortInUse when taken.
    With `reuse_port`, SO_REUSEPORT too: several such sockets may share the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortInUse(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}. {_why(exc)}"
        ) from None
    return sock


def _why(exc: OSError) -> str:
    """What to do about a failed bind, by its cause (the address is the host's mistake
    as often as the port is another process's)."""
    if isinstance(exc, socket.gaierror):
        return "The host name does not resolve: set --host (or [server] host) to an address"
    if exc.errno == errno.EADDRNOTAVAIL:
        return (
            "That address is not one of this machine's: set --host (or [server] host) to"
            " 127.0.0.1, 0.0.0.0 (every interface) or an address of this machine"
        )
    if exc.errno == errno.EACCES:
        return "Ports below 1024 need privileges: choose one above 1023 with --port"
    return "Another process holds the port: choose another with --port (make demo PORT=8001)"
