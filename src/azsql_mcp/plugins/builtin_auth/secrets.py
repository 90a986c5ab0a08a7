"""Secrets by reference: an inline value, an environment variable or a file."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import SecretStr

from azsql_mcp import shown_reference


def has_secret(value: SecretStr | None, env: str | None, file: str | None) -> bool:
    return value is not None or bool(env) or bool(file)


def check_variable(label: str, env: str | None) -> None:
    """ValueError when `{label}_env` names a variable this process does not have: its
    environment is fixed at start, so the secret could never be read. (Only whether it
    is set: the value is read at each connection.)"""
    if env and env not in os.environ:
        raise ValueError(
            f"{label}_env names {shown_reference(env)}, which is not set in the environment;"
            " set it for the azsql-mcp process (a running process does not see variables set"
            f" later), or use {label}_file"
        )


def check_file(setting: str, path: str | None, holds: str) -> None:
    """ValueError when `setting` names a file this process cannot open: found here, every
    command refuses it; found at the first connection, the source would stay down. The file
    is opened and closed unread (its contents are a secret, and change when rotated)."""
    if not path:
        return
    file = Path(path)
    if not file.exists():
        why = "does not exist"
    elif not file.is_file():
        why = "is not a file"
    else:
        try:
            file.open("rb").close()
        except OSError as exc:
            why = f"cannot be opened ({exc.strerror})"
        else:
            return
    if not file.is_absolute():  # a client such as Claude Desktop picks the directory
        why += (
            f" (a relative path is read from the working directory, {os.getcwd()}, not from"
            " the config file's: give an absolute path)"
        )
    raise ValueError(
        f"{setting} {shown_reference(path)} {why}; put {holds} there, readable by the user"
        f" azsql-mcp runs as, or point {setting} at the file that holds it"
    )


def read_secret(label: str, value: SecretStr | None, env: str | None, file: str | None) -> str:
    """Read a secret now (so rotated secrets are picked up on the next connection)."""
    if value is not None:
        return value.get_secret_value()
    if env:
        secret = os.environ.get(env)
        if secret is None:
            raise ValueError(f"{label}_env names {env}, which is not set in the environment")
        return secret
    if file:
        try:
            return Path(file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise ValueError(f"cannot read {label}_file {file}: {exc.strerror}") from None
    raise ValueError(f"no {label}: set {label}_env (preferred) or {label}_file")
