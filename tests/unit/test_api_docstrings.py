"""What an IDE shows for the public API's registration types and `hookimpl`: their own
docstrings (not typing.Protocol's or pluggy's), naming every hook and argument."""

from __future__ import annotations

import ast
import inspect
import itertools
from pathlib import Path

import pytest

from azsql_mcp import RegisterAuthProvider, RegisterPrompt, RegisterResource, RegisterTool, api
from azsql_mcp.core import hookspecs
from azsql_mcp.core.hookspecs import HOOKS


def hookimpl_docstring() -> str:
    """The string literal after `hookimpl = ...` in api.py: what IDEs show for it
    (pluggy's marker has __slots__, so no docstring can be set on the object)."""
    body = ast.parse(Path(api.__file__).read_text()).body
    for statement, after in itertools.pairwise(body):
        if isinstance(statement, ast.Assign) and [
            t.id for t in statement.targets if isinstance(t, ast.Name)
        ] == ["hookimpl"]:
            assert isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
            return str(after.value.value)
    raise AssertionError("api.py assigns no hookimpl")


@pytest.mark.parametrize("hook", [*HOOKS, "register_config_tools"])
def test_hookimpl_names_each_hook_with_its_arguments(hook: str) -> None:
    text = hookimpl_docstring()
    arguments = inspect.signature(getattr(hookspecs, hook)).parameters
    line = next(line for line in text.splitlines() if f"`{hook}(" in line)
    assert all(name in line for name in arguments), line
    assert "docs/plugins.md" in text


@pytest.mark.parametrize(
    "protocol", [RegisterTool, RegisterResource, RegisterPrompt, RegisterAuthProvider]
)
def test_each_register_type_says_what_it_does_and_its_arguments(protocol: type) -> None:
    assert protocol.__doc__ and "docs/plugins.md" in protocol.__doc__
    call = protocol.__call__
    assert call.__doc__ and call.__doc__ != object.__call__.__doc__
    for name in inspect.signature(call).parameters:
        if name != "self":
            assert f"`{name}`" in call.__doc__, f"{protocol.__name__}: {name}"
