"""The executors of a server's sources: driver processes shared by several sources, or a
thread executor per source (executors.py).

A driver process costs about 25 MB whatever it holds, so 50 sources each with its own
cost over a gigabyte. `DriverHosts` lets up to `sources_per_process` sources hold their
connections in the same process; it starts a process when a source first needs one and
stops it once no source uses it (a source leaves when its last idle connection is
closed). The price of sharing: a crash of the native driver ends the connections of
every source in that process (reads are retried on new ones); with
`sources_per_process = 1` each source keeps a process of its own.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from azsql_mcp.db.driverprocess import DriverProcess
from azsql_mcp.db.executors import Executor, ExecutorKind, ThreadExecutor, default_kind


@dataclass
class _Hosted:
    driver: Executor
    # member -> the threads it brought and its source's name
    members: dict[object, tuple[int, str]] = field(default_factory=dict)
    # Threads that members which left brought: a process cannot stop one of its threads
    # from outside, so the next member to join uses them before more are started.
    spare: int = 0
    shared: bool = True  # a driver process; a thread executor serves its one source


class DriverHosts:
    """The driver processes of one server, and which source uses which."""

    def __init__(self, sources_per_process: int = 1):
        if sources_per_process < 1:
            raise ValueError("sources_per_process must be at least 1")
        self.sources_per_process = sources_per_process
        self._hosted: list[_Hosted] = []
        self._lock = asyncio.Lock()

    @property
    def processes(self) -> int:
        """Driver processes running now."""
        return sum(1 for hosted in self._hosted if hosted.shared and hosted.driver.alive)

    async def join(
        self, member: object, source: str, threads: int, kind: ExecutorKind = "auto"
    ) -> Executor:
        """A live executor for `member` (a pool): a driver process, with `threads` more
        threads for it when it joins one (a process starts when none has room); or, for
        `kind` "thread" (what "auto" means where no driver process can run), a thread
        executor of its own."""
        async with self._lock:
            for hosted in self._hosted:
                if member in hosted.members:
                    if hosted.driver.alive:
                        return hosted.driver
                    del hosted.members[member]  # its process died: find another
            self._hosted = [h for h in self._hosted if h.members or h.driver.alive]
            if (default_kind() if kind == "auto" else kind) == "thread":
                executor: Executor = ThreadExecutor(source, threads)
                await executor.start()
                self._hosted.append(_Hosted(executor, {member: (threads, source)}, shared=False))
                return executor
            for hosted in self._hosted:
                if (
                    hosted.shared
                    and hosted.driver.alive
                    and len(hosted.members) < self.sources_per_process
                ):
                    reused = min(hosted.spare, threads)
                    hosted.spare -= reused
                    if threads > reused:
                        hosted.driver.add_threads(threads - reused)
                    hosted.members[member] = (threads, source)
                    _name_sources(hosted)
                    return hosted.driver
            driver = DriverProcess(source, threads=threads)
            await driver.start()
            self._hosted.append(_Hosted(driver, {member: (threads, source)}))
            return driver

    async def leave(self, member: object) -> None:
        """`member` holds no connection any more: stop its process if nobody else uses it."""
        async with self._lock:
            for hosted in list(self._hosted):
                if member in hosted.members:
                    hosted.spare += hosted.members.pop(member)[0]
                    _name_sources(hosted)
                    if not hosted.members:
                        self._hosted.remove(hosted)
                        await hosted.driver.close()


def _name_sources(hosted: _Hosted) -> None:
    """What a shared process's messages name: the sources it serves now."""
    if isinstance(hosted.driver, DriverProcess) and hosted.members:
        hosted.driver.sources = sorted({name for _, name in hosted.members.values()})
