"""azsql-mcp-hello: an example third-party plugin.

It shows every kind of extension: a tool that queries the database, a
resource, a prompt, a typed `[plugins.hello]` config section and an extra
database auth provider (`env_token`).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from azsql_mcp import (
    AccessToken,
    AuthError,
    ConnectAttributes,
    RegisterAuthProvider,
    RegisterPrompt,
    RegisterResource,
    RegisterTool,
    SourceSettings,
    ToolContext,
    hookimpl,
)


class HelloConfig(BaseModel):
    """`[plugins.hello]` in azsql-mcp.toml."""

    model_config = ConfigDict(extra="forbid")

    greeting: str = Field("Hello", min_length=1, description="word to greet with")
    shout: bool = False


@hookimpl
def plugin_config_model() -> type[BaseModel]:
    return HelloConfig


@hookimpl
def register_tools(register: RegisterTool) -> None:  # a hook may take a subset of its arguments
    register(hello, annotations={"readOnlyHint": True, "openWorldHint": False})


@hookimpl
def register_resources(register: RegisterResource) -> None:
    register(greeting, "hello://greeting", mime_type="text/plain")


@hookimpl
def register_prompts(register: RegisterPrompt) -> None:
    register(introduce_database)


@hookimpl
def register_auth_providers(register: RegisterAuthProvider) -> None:
    register("env_token", EnvTokenAuth)


def _greet(config: HelloConfig, name: str) -> str:
    text = f"{config.greeting}, {name}!"
    return text.upper() if config.shout else text


async def hello(name: str, ctx: ToolContext[HelloConfig]) -> dict[str, str]:
    """Greet someone and say which database answered."""
    result = await ctx.db.read("SELECT DB_NAME() AS name")
    return {"greeting": _greet(ctx.config, name), "database": str(result.rows[0][0])}


async def greeting(ctx: ToolContext[HelloConfig]) -> str:
    """The configured greeting."""
    return _greet(ctx.config, "world")


async def introduce_database(audience: str, ctx: ToolContext) -> str:
    """Ask for a short introduction of the database to an audience."""
    result = await ctx.db.read("SELECT COUNT(*) AS n FROM INFORMATION_SCHEMA.TABLES")
    return (
        f"Introduce the database behind source {ctx.source!r} to {audience}."
        f" It has {result.rows[0][0]} tables and views; start with list_tables."
    )


class EnvTokenAuth:
    """Auth provider `env_token`: an Entra access token read from an environment variable.

    Select it with `auth = "env_token"`; `auth_options.variable` names the
    variable (default HELLO_SQL_TOKEN). A real provider would ask a token broker.
    """

    def __init__(self, settings: SourceSettings):
        self.variable = str(settings.auth_options.get("variable", "HELLO_SQL_TOKEN"))

    async def connect_attributes(self) -> ConnectAttributes:
        token = os.environ.get(self.variable)
        if not token:
            # AuthError: the client sees this message (any other error would be hidden)
            raise AuthError(f"set {self.variable} to an access token for Azure SQL")
        expires = datetime.now(UTC) + timedelta(minutes=50)
        return ConnectAttributes(
            access_token=AccessToken(token=token, expires_on=expires),
            identity=f"token from ${self.variable}",
        )
