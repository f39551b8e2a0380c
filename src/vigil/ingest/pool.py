"""A pool of worker processes in which any file can be abandoned.

Decoders can hang or crash on hostile input, so every file runs under a time limit in a
process that can be killed: a file that times out or kills its worker is recorded as failed,
a fresh worker takes its place, and the run goes on.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import signal
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess

from vigil.ingest.records import FileResult, FileTask
from vigil.ingest.worker import WorkerOptions, process_file

# Tasks sent to a worker ahead of its current one, so it never waits on the parent.
_QUEUE_DEPTH = 4
# Large files (long videos) get more time: this many extra seconds per megabyte.
SECONDS_PER_MEGABYTE = 1.0


# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def _keep_freed_memory() -> None:
    """Let glibc's malloc keep freed memory for the next file instead of unmapping it.

    Each picture allocates and frees the same few megabytes (decoded pixels, their copies);
    by default glibc returns them to the kernel every time and takes page faults to get them
    back: about a sixth of a worker's time on a 1024x768 JPEG.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_THRESHOLD, 64 * 1024 * 1024)
        libc.mallopt(_M_TRIM_THRESHOLD, 256 * 1024 * 1024)
    except (OSError, AttributeError):
        return  # not glibc (musl has no mallopt): it only costs speed


def _serve(connection: Connection, root: bytes, options: WorkerOptions) -> None:
    """Worker main loop: take lists of tasks, answer with one result per task."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _keep_freed_memory()
    try:
        while True:
            tasks: list[FileTask] | None = connection.recv()
            if tasks is None:
                return
            for task in tasks:
                connection.send(process_file(root, task, options))
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return  # the parent has gone away: nothing left to do


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection
    pending: deque[FileTask] = field(default_factory=deque)
    since: float = field(default_factory=time.monotonic)


class WorkerPool:
    """``workers`` processes hashing files under ``root`` with a per-file time limit."""

    def __init__(self, root: bytes, options: WorkerOptions, workers: int, timeout: float) -> None:
        self.root = root
        self.options = options
        self.size = max(1, workers)
        self.timeout = timeout
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []

    def _start_worker(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_serve, args=(child, self.root, self.options), daemon=True
        )
        process.start()
        child.close()
        worker = _Worker(process=process, connection=parent)
        self._workers.append(worker)
        return worker

    def _feed(self, worker: _Worker, queue: deque[FileTask]) -> None:
        batch: list[FileTask] = []
        while queue and len(worker.pending) + len(batch) < _QUEUE_DEPTH:
            batch.append(queue.popleft())
        if batch:
            if not worker.pending:
                worker.since = time.monotonic()
            worker.pending.extend(batch)
            worker.connection.send(batch)

    def _retire(
        self, worker: _Worker, queue: deque[FileTask], stage: str, reason: str
    ) -> FileResult:
        """Kill ``worker``; its current file fails at ``stage``, the rest go back."""
        self._workers.remove(worker)
        worker.process.kill()
        worker.process.join()
        worker.connection.close()
        failed = worker.pending.popleft()
        queue.extendleft(reversed(worker.pending))
        return FileResult.failed(failed, stage, reason)

    def run(self, tasks: Iterable[FileTask]) -> Iterator[FileResult]:
        """Yield one result per task, in completion order."""
        queue = deque(tasks)
        try:
            while queue or any(worker.pending for worker in self._workers):
                while len(self._workers) < min(self.size, len(queue) + self._busy()):
                    self._start_worker()
                for worker in self._workers:
                    self._feed(worker, queue)
                yield from self._collect(queue)
        finally:
            self.close()

    def _busy(self) -> int:
        return sum(1 for worker in self._workers if worker.pending)

    def _collect(self, queue: deque[FileTask]) -> Iterator[FileResult]:
        busy = {worker.connection: worker for worker in self._workers if worker.pending}
        ready = wait(list(busy), timeout=min(1.0, self.timeout))
        for connection in ready:
            worker = busy[connection]  # type: ignore[index]
            try:
                result: FileResult = worker.connection.recv()
            except (EOFError, OSError):
                code = worker.process.exitcode
                yield self._retire(
                    worker, queue, "crash", f"worker died reading this file (exit {code})"
                )
                continue
            worker.pending.popleft()
            worker.since = time.monotonic()
            yield result
        now = time.monotonic()
        for worker in list(busy.values()):
            if worker not in self._workers or not worker.pending:
                continue
            limit = self.limit_for(worker.pending[0])
            if now - worker.since > limit:
                reason = f"gave up after {limit:.1f} s (time limit for this file)"
                yield self._retire(worker, queue, "timeout", reason)

    def limit_for(self, task: FileTask) -> float:
        """Seconds ``task`` may take: the base limit plus time in proportion to its size."""
        return self.timeout + task.size / 1e6 * SECONDS_PER_MEGABYTE

    def close(self) -> None:
        """Stop every worker."""
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.connection.send(None)
        for worker in self._workers:
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()
        self._workers.clear()
