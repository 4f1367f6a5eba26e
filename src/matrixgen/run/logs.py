"""The output of a service or a cell: pipes matrixgen reads, into one log file it caps.

Children write into a pipe, never into the file itself, so no child can fill the disk
(a chatty service once wrote 2.7 GB in 3.5 s): the file keeps the first `HEAD` bytes and
the last `TAIL` bytes, with a line saying how much was dropped between them. While output
flows the file holds at most HEAD + 2 x TAIL; when the log is closed, HEAD + TAIL.

`log:` ready probes match output as it arrives (`Log.watch`): only new bytes, with a
small overlap for a match that spans two reads, never the whole file again.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matrixgen.files import create_file
from matrixgen.run.platform import current as platform

HEAD = 1 << 20  # the first MiB: how it started
TAIL = 4 << 20  # the last 4 MiB: how it ended
OVERLAP = 4096  # characters a watch keeps from earlier output, for matches spanning two reads
_LINE_SEARCH = 1 << 16  # the tail starts at a line when one starts this close to the cut


class Watch:
    """Whether a regular expression has matched the output yet."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.matched = False
        self._carry = ""

    def feed(self, text: str) -> None:
        if self.matched:
            return
        window = self._carry + text
        if self.pattern.search(window):
            self.matched, self._carry = True, ""
        else:
            self._carry = window[-OVERLAP:]


class _Feed(asyncio.Protocol):
    """One pipe into the log: what a child writes on stdout and stderr."""

    def __init__(self, log: Log) -> None:
        self.log = log
        self.transport: asyncio.BaseTransport | None = None
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.log.write(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.log.feeds.discard(self)
        if not self.done.done():
            self.done.set_result(None)


class _ThreadReader(asyncio.BaseTransport):
    """Reads a pipe in a thread of its own and hands what it reads to the loop: Windows'
    proactor loop cannot watch an anonymous pipe (the portable platform). A thread per pipe,
    not the loop's executor: a daemon may hold a pipe open for the whole run, and the
    executor's few workers are what the runner stops services with."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fd: int, feed: _Feed) -> None:
        super().__init__()
        self.loop, self.fd, self.feed, self.closed = loop, fd, feed, False
        threading.Thread(target=self._read, name=f"log pipe {fd}", daemon=True).start()

    def _read(self) -> None:
        try:
            while chunk := os.read(self.fd, 65536):
                if not self.closed:
                    self._hand(self.feed.data_received, chunk)
        except OSError:
            pass
        finally:
            os.close(self.fd)
            self._hand(self.feed.connection_lost, None)

    def _hand(self, method: Callable[[Any], None], argument: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: the run is over
            self.loop.call_soon_threadsafe(method, argument)

    def close(self) -> None:
        """Stop keeping what comes; the thread ends at the pipe's EOF (its writers' end)."""
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


class Log:
    """One capped log file. `on_error` hears the first write that failed (a full disk);
    after it the output is still read (no child blocks on a full pipe) but not kept."""

    def __init__(
        self,
        path: Path,
        *,
        head: int = HEAD,
        tail: int = TAIL,
        on_error: Callable[[OSError], None] | None = None,
    ) -> None:
        self.path, self.head, self.tail, self.on_error = path, head, tail, on_error
        self.fd = create_file(path)  # a link planted at `path` is replaced, never followed
        self.size = 0  # bytes in the file now
        self.body = -1  # where the kept tail starts once something was dropped, else -1
        self.dropped = 0
        self.total = 0  # bytes ever written
        self.error: OSError | None = None
        self.watches: list[Watch] = []
        self.feeds: set[_Feed] = set()
        self._ends: dict[int, asyncio.Future[None]] = {}  # pid -> EOF of its pipe
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def watch(self, pattern: re.Pattern[str]) -> Watch:
        found = Watch(pattern)
        self.watches.append(found)
        return found

    async def pipe(self) -> tuple[int, asyncio.Future[None]]:
        """A new pipe into the log: the write end to give a child (then close it), and a
        future done at its EOF (every holder of the write end has closed it)."""
        read_end, write_end = os.pipe()
        loop = asyncio.get_running_loop()
        if not platform().loop_reads_pipes:
            feed = _Feed(self)
            feed.connection_made(_ThreadReader(loop, read_end, feed))
            self.feeds.add(feed)
            return write_end, feed.done
        try:
            _transport, feed = await loop.connect_read_pipe(
                lambda: _Feed(self), os.fdopen(read_end, "rb", buffering=0)
            )
        except BaseException:
            os.close(write_end)
            raise
        self.feeds.add(feed)
        return write_end, feed.done

    def bind(self, pid: int, done: asyncio.Future[None]) -> None:
        self._ends[pid] = done

    async def settle(self, pid: int, timeout: float = 1.0) -> None:
        """After process `pid` ended: wait until all it wrote is in the file (its pipe's EOF),
        for `timeout` at most (a daemon it left may hold the pipe open)."""
        done = self._ends.pop(pid, None)
        if done is not None:
            await asyncio.wait([done], timeout=timeout)

    def write(self, data: bytes) -> None:
        self.total += len(data)
        if self.watches:
            text = self._decoder.decode(data)
            for watch in self.watches:
                watch.feed(text)
        if self.error is not None or self.fd < 0:
            return
        try:
            self._append(data)
            if self.size > self.head + 2 * self.tail + 256:
                self._compact()
        except OSError as error:
            self.error = error
            if self.on_error is not None:
                self.on_error(OSError(error.errno, error.strerror, str(self.path)))

    def _append(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = platform().write_at(self.fd, view, self.size)
            self.size += written
            view = view[written:]

    def _compact(self) -> None:
        """Keep the head and the last `tail` bytes, with a line saying what was dropped."""
        start = self.body if self.body >= 0 else self.head
        keep_from = max(start, self.size - self.tail)
        kept = _read(self.fd, keep_from, self.size - keep_from)
        newline = kept.find(b"\n", 0, _LINE_SEARCH)
        if keep_from > start and newline >= 0:
            kept = kept[newline + 1 :]
        self.dropped += (self.size - start) - len(kept)
        if not self.dropped:
            return
        mark = f"\n[matrixgen: {self.dropped} bytes of output dropped here]\n".encode()
        os.ftruncate(self.fd, self.head)
        self.size = self.head
        self._append(mark)
        self.body = self.size
        self._append(kept)

    async def drain(self, timeout: float) -> None:
        """Wait until every child writing here has closed its end (EOF), for `timeout` at most:
        a daemon that kept the pipe open does not hold the run up."""
        pending = [feed.done for feed in self.feeds]
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    def close(self) -> None:
        """Stop reading (a pipe still open is closed) and cut the file to head + tail."""
        for feed in list(self.feeds):
            if feed.transport is not None:
                feed.transport.close()
        if self.fd < 0:
            return
        try:
            if self.error is None and self.size > max(self.head, self.body) + self.tail:
                self._compact()
        except OSError as error:
            self.error = error
        finally:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1


def _read(fd: int, offset: int, length: int) -> bytes:
    chunks = []
    while length > 0:
        chunk = platform().read_at(fd, length, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
        length -= len(chunk)
    return b"".join(chunks)
