"""Loopback host names and addresses: what counts as "this machine" for binding checks,
DNS-rebinding protection and the protected-resource URL; and whether a port is free."""

from __future__ import annotations

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
    """The HTTP port is taken: said in one line, without a traceback."""


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
            f"cannot listen on {host}:{port}: {exc.strerror or exc}. Another process"
            f" holds the port: choose another with --port (make demo PORT=8001)"
        ) from None
    return sock
