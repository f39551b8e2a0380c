"""A pool of worker processes in which any file can be abandoned.

Decoders can hang or crash on hostile input, so every file runs under a time limit in a
process that can be killed: a file that times out is recorded as failed, a fresh worker takes
its place, and the run goes on. A worker can also die of something other than its file (the
kernel's out-of-memory killer, an operator's kill), so a file whose worker dies is tried once
more, first on a fresh worker, and recorded as a crash, with how the worker died, only when
it kills that one too.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from vigil.ingest.records import FileResult, FileTask
from vigil.ingest.worker import WorkerOptions, process_file

# Tasks a worker holds (not yet reported), and the bytes they may add up to: enough that it
# never waits on the parent, few enough that at the end of a run no worker sits on a long
# queue while the others are idle. A worker always holds at least two files.
_QUEUE_DEPTH = 32
_QUEUE_BYTES = 16 * 1024 * 1024
# A worker hands over its results this many at a time, or sooner when this many seconds have
# passed since its last hand-over or it has no task left: the parent then wakes once per batch
# rather than once per file (parent and pipe, measured without hashing: 0.085 -> 0.05 ms a file).
_RESULT_BATCH = 16
_RESULT_SECONDS = 0.1
# Large files (long videos) get more time: this many extra seconds per megabyte.
SECONDS_PER_MEGABYTE = 1.0
# Slots of the array a worker shares with the parent: how many files it has started, and
# when it started the last (time.monotonic(), a clock all processes share).
_STARTED, _STARTED_AT = 0, 1

Work = Callable[[bytes, FileTask, WorkerOptions], FileResult]
# Seconds a dead worker's process is given to be reaped (its exit status is known only then).
_REAP_SECONDS = 5.0


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


def _serve(
    connection: Connection, progress: Any, root: bytes, options: WorkerOptions, work: Work
) -> None:
    """Worker main loop: take lists of tasks, answer with lists of results in task order.

    Before each file it records in ``progress`` that it started it and when, so that the
    parent can tell which file is taking too long without a message per file.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _keep_freed_memory()
    queue: deque[FileTask] = deque()
    done: list[FileResult] = []
    started = 0
    handed_over_at = time.monotonic()
    try:
        while True:
            # More tasks are read when these run out (they are sent ahead, so they are
            # waiting by then): no system call per file to look for them.
            while not queue:
                tasks: list[FileTask] | None = connection.recv()
                if tasks is None:
                    return
                queue.extend(tasks)
            # The time is written before the count, and read after it (pool side).
            progress[_STARTED_AT] = time.monotonic()
            started += 1
            progress[_STARTED] = started
            done.append(work(root, queue.popleft(), options))
            now = time.monotonic()
            if len(done) >= _RESULT_BATCH or not queue or now - handed_over_at >= _RESULT_SECONDS:
                connection.send(done)
                done = []
                handed_over_at = now
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return  # the parent has gone away: nothing left to do


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection
    progress: Any  # the array _serve writes to
    #: Tasks sent and not yet reported, in the order the worker takes them.
    pending: deque[FileTask] = field(default_factory=deque)
    reported: int = 0
    #: When the worker last reported or, idle, was given work: its clock while on no file.
    since: float = field(default_factory=time.monotonic)

    def current(self) -> tuple[int, float]:
        """The file it is on (an index into ``pending``) and since when.

        Results are reported in batches, so that may be a file after ``pending[0]``. Before
        its first file (while starting up) or between files, that is ``pending[0]``, timed
        from ``since``.
        """
        started = int(self.progress[_STARTED])
        at = self.progress[_STARTED_AT]
        again = int(self.progress[_STARTED])
        ahead = again - self.reported
        if ahead <= 0:
            return 0, self.since
        index = min(ahead, len(self.pending)) - 1
        if again != started:  # it started that file while being read: just now
            return index, time.monotonic()
        return index, max(at, self.since)


def _exit_status(code: int | None) -> str:
    """How a worker process ended, from its exit code (negative: the signal that killed it)."""
    if code is None:
        return "it stopped answering"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "unknown signal"
        return f"killed by signal {-code} ({name})"
    return f"exited with code {code}"


class WorkerPool:
    """``workers`` processes hashing files under ``root`` with a per-file time limit.

    ``work`` is what a worker does with each file (a module-level function, which a worker
    process can import): :func:`~vigil.ingest.worker.process_file` unless a test says otherwise.
    """

    def __init__(
        self,
        root: bytes,
        options: WorkerOptions,
        workers: int,
        timeout: float,
        work: Work = process_file,
    ) -> None:
        self.root = root
        self.options = options
        self.size = max(1, workers)
        self.timeout = timeout
        self.work = work
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        #: Files that have killed a worker (in this run or, as the caller says, an earlier one).
        self._crashed: set[bytes] = set()
        #: Files to try again, each first on a fresh worker.
        self._retry: deque[FileTask] = deque()

    def _start_worker(self) -> _Worker:
        parent, child = self._context.Pipe()
        progress = self._context.RawArray("d", 2)
        process = self._context.Process(
            target=_serve, args=(child, progress, self.root, self.options, self.work), daemon=True
        )
        process.start()
        child.close()
        worker = _Worker(process=process, connection=parent, progress=progress)
        self._workers.append(worker)
        return worker

    def _feed(self, worker: _Worker, queue: deque[FileTask], share: int) -> None:
        """Top ``worker`` up, to at most ``share`` files: its fair part of what is left."""
        held = len(worker.pending)
        if held > _QUEUE_DEPTH // 2:
            return  # topped up in halves: one message for many tasks
        depth = min(_QUEUE_DEPTH, max(2, share))
        held_bytes = sum(task.size for task in worker.pending)
        batch: list[FileTask] = []
        while queue and (held < 2 or (held < depth and held_bytes < _QUEUE_BYTES)):
            task = queue.popleft()
            batch.append(task)
            held += 1
            held_bytes += task.size
        self._give(worker, batch)

    @staticmethod
    def _give(worker: _Worker, batch: list[FileTask]) -> None:
        if batch:
            if not worker.pending:
                worker.since = time.monotonic()
            worker.pending.extend(batch)
            worker.connection.send(batch)

    def _retire(
        self, worker: _Worker, queue: deque[FileTask], index: int | None = None
    ) -> FileTask:
        """Kill ``worker`` and return the file it is on (or ``pending[index]``).

        The rest of its files go back to the queue, including those it had finished but not
        yet reported: another worker does them again.
        """
        self._workers.remove(worker)
        worker.process.kill()
        worker.process.join()
        worker.connection.close()
        if index is None:
            index, _ = worker.current()
        failed = worker.pending[index]
        del worker.pending[index]
        queue.extendleft(reversed(worker.pending))
        return failed

    def _died(self, worker: _Worker, queue: deque[FileTask]) -> Iterator[FileResult]:
        """``worker`` died: try its file again on a fresh worker, or record it as a crash."""
        # Its exit status is known once the process is reaped.
        worker.process.join(_REAP_SECONDS)
        how = _exit_status(worker.process.exitcode)
        task = self._retire(worker, queue)
        if task.relpath not in self._crashed:
            self._crashed.add(task.relpath)
            self._retry.append(task)
            return
        reason = f"worker died reading this file ({how}), also when tried again on a fresh worker"
        yield FileResult.failed(task, "crash", reason)

    def run(
        self, tasks: Iterable[FileTask], *, crashed: Collection[bytes] = ()
    ) -> Iterator[FileResult]:
        """Yield one result per task, in completion order.

        ``crashed`` are the relative paths of files that killed a worker before (in an
        earlier run): they are tried once, on a fresh worker, rather than twice.
        """
        queue: deque[FileTask] = deque()
        for task in tasks:
            (self._retry if task.relpath in crashed else queue).append(task)
        self._crashed.update(crashed)
        try:
            while queue or self._retry or any(worker.pending for worker in self._workers):
                if self._retry and len(self._workers) >= self.size:
                    self._make_room()
                while len(self._workers) < min(
                    self.size, len(queue) + len(self._retry) + self._busy()
                ):
                    worker = self._start_worker()
                    if self._retry:
                        self._give(worker, [self._retry.popleft()])
                # Near the end each worker gets an even part of what is left, so that all
                # finish together rather than one working through a long queue alone.
                left = len(queue) + sum(len(worker.pending) for worker in self._workers)
                for worker in self._workers:
                    self._feed(worker, queue, -(-left // len(self._workers)))
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
                results: list[FileResult] = worker.connection.recv()
            except (EOFError, OSError):
                yield from self._died(worker, queue)
                continue
            for _ in results:
                worker.pending.popleft()
            worker.reported += len(results)
            worker.since = time.monotonic()
            yield from results
        now = time.monotonic()
        for worker in list(busy.values()):
            if worker not in self._workers or not worker.pending:
                continue
            index, since = worker.current()
            limit = self.limit_for(worker.pending[index])
            if now - since > limit:
                reason = f"gave up after {limit:.1f} s (time limit for this file)"
                task = self._retire(worker, queue, index)
                yield FileResult.failed(task, "timeout", reason)

    def limit_for(self, task: FileTask) -> float:
        """Seconds ``task`` may take: the base limit plus time in proportion to its size."""
        return self.timeout + task.size / 1e6 * SECONDS_PER_MEGABYTE

    def _make_room(self) -> None:
        """Stop an idle worker, if any, so that a fresh one can take a file to try again."""
        for worker in self._workers:
            if not worker.pending:
                self._workers.remove(worker)
                self._stop([worker])
                return

    @staticmethod
    def _stop(workers: list[_Worker]) -> None:
        for worker in workers:
            with contextlib.suppress(OSError):
                worker.connection.send(None)
        for worker in workers:
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()

    def close(self) -> None:
        """Stop every worker."""
        self._stop(self._workers)
        self._workers.clear()
