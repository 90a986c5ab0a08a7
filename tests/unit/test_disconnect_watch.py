"""The disconnect watcher (serving/disconnect.py), driven as an ASGI middleware: a call
answered quickly starts no watching task; one still running is cancelled when its client
goes away. (tests/e2e/test_agent_features.py covers it through a real server.)"""

import asyncio
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from azsql_mcp.serving.disconnect import WATCH_AFTER_S, CancelOnDisconnect

SCOPE: Scope = {"type": "http", "method": "POST", "path": "/mcp"}
BODY: Message = {"type": "http.request", "body": b"{}", "more_body": False}


class Client:
    """The server side of one request: its body, then `http.disconnect` once the client
    leaves or the answer is sent."""

    def __init__(self) -> None:
        self.gone = asyncio.Event()
        self.sent: list[Message] = []
        self._body_taken = False

    async def receive(self) -> Message:
        if not self._body_taken:
            self._body_taken = True
            return BODY
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            self.gone.set()


def handler(seconds: float, finished: list[bool]) -> object:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await asyncio.sleep(seconds)
        finished.append(True)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    return app


async def test_a_quick_answer_starts_no_watching_task() -> None:
    finished: list[bool] = []
    middleware = CancelOnDisconnect(handler(0, finished), path="/mcp")  # type: ignore[arg-type]
    client = Client()
    created: list[object] = []
    loop = asyncio.get_running_loop()

    def counting(loop: asyncio.AbstractEventLoop, coro: Any) -> asyncio.Task[Any]:
        created.append(coro)
        return asyncio.Task(coro, loop=loop)

    loop.set_task_factory(counting)
    try:
        await middleware(SCOPE, client.receive, client.send)
        await asyncio.sleep(WATCH_AFTER_S * 2)  # a timer left behind would have fired
    finally:
        loop.set_task_factory(None)
    assert finished == [True]
    assert created == []


async def test_a_client_leaving_a_long_call_cancels_it() -> None:
    finished: list[bool] = []
    middleware = CancelOnDisconnect(handler(30, finished), path="/mcp")  # type: ignore[arg-type]
    client = Client()
    call = asyncio.create_task(middleware(SCOPE, client.receive, client.send))
    await asyncio.sleep(WATCH_AFTER_S * 2)
    client.gone.set()
    await asyncio.wait_for(call, 5)
    assert finished == [] and client.sent == []


async def test_a_client_leaving_at_once_is_heard_once_the_watch_starts() -> None:
    finished: list[bool] = []
    middleware = CancelOnDisconnect(handler(30, finished), path="/mcp")  # type: ignore[arg-type]
    client = Client()
    client.gone.set()
    await asyncio.wait_for(middleware(SCOPE, client.receive, client.send), 5)
    assert finished == []
