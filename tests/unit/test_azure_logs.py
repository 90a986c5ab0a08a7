"""What azure-identity and azure-core write to the server's log: a failed token attempt
is the source's own line (with azure-identity's text), not three more of theirs, and a
token request is not written out header by header, unless the operator asks for DEBUG.
The real ManagedIdentityCredential, its endpoint a closed local port."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from azure.core.exceptions import ServiceRequestError
from azure.identity import ManagedIdentityCredential

from azsql_mcp.core.settingtables import LoggingSettings
from azsql_mcp.serving.logsetup import setup_logging
from azsql_mcp.testing.ports import reserved_port


@pytest.fixture
def closed_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    with reserved_port() as port:  # reserved, never listened on
        monkeypatch.setenv("IDENTITY_ENDPOINT", f"http://127.0.0.1:{port}/token")
        monkeypatch.setenv("IDENTITY_HEADER", "identity-header-value")
        yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


@pytest.mark.usefixtures("closed_endpoint")
@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_azure_libraries_write_their_lines_only_at_debug(
    level: str, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging(LoggingSettings(level=level, format="text"))
    credential = ManagedIdentityCredential(retry_total=0)
    with pytest.raises(ServiceRequestError):
        credential.get_token("https://database.windows.net/.default")
    err = capsys.readouterr().err
    quiet = level == "INFO"
    assert ("Request URL" in err) is not quiet
    assert ("get_token failed" in err) is not quiet
    assert "identity-header-value" not in err
