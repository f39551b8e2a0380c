"""The preview pass: make every preview a seizure lacks, most urgent first, and keep them.

For each picture or video of the seizure without a made preview (see
:mod:`vigil.previews.queue`), the clear preview is made from its file, the blurred one from
that, both are stored encrypted in the vault, and a ``Preview`` row records it as made. A
file that cannot be decoded is recorded as failed, with an error naming it, and the pass goes
on. Rows are written in small batches after their previews are in the vault, so a pass that
is interrupted resumes, when run again, with the media it had not finished.

Decoding runs in ``workers`` spawned processes (as ingest's does: a server's threads make
forking unsafe); with one worker, or a few files, it runs in the calling process. A decoder
that crashes its process costs the files it held: they are tried again one by one, each in a
process of its own, and the one that crashes again is recorded as failed.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from vigil.media.capture import decoder_output
from vigil.media.errors import MediaError
from vigil.previews.keys import load_key
from vigil.previews.make import blurred, thumbnail
from vigil.previews.queue import PreviewTask, preview_counts, preview_queue
from vigil.previews.vault import PreviewVault
from vigil.store.db import Store
from vigil.store.models import Preview, PreviewState, utcnow
from vigil.store.retry import write_retrying

#: Called with (previews done, previews in all) of the seizure as the pass goes.
PassProgress = Callable[[int, int], None]
#: The longest error kept on a failed preview's row (the column's size).
ERROR_LENGTH = 500
_BATCH = 50
# Below this many files a pool costs more than it saves: starting its processes (each imports
# the decoders and the store) took 3-5 s on the benchmark machine, while one process makes a
# 1024x768 picture's previews in about 16 ms (bench/README.md, "Previews").
_POOL_FROM = 256
_FLUSH_SECONDS = 1.0


@dataclass(frozen=True)
class Made:
    """One task's outcome: its clear and blurred JPEGs, or why there are none."""

    task: PreviewTask
    clear: bytes | None = None
    blur: bytes | None = None
    error: str | None = None


@dataclass(frozen=True)
class PassOutcome:
    """What one pass did: previews made and failed now, and the seizure's total."""

    made: int
    failed: int
    total: int


def vault_of(store: Store) -> PreviewVault:
    """The vault of the store's data directory, with its preview key (made on first use)."""
    data_dir = store.settings.data_dir
    return PreviewVault(data_dir, load_key(data_dir))


def make_one(task: PreviewTask) -> Made:
    """The clear and blurred previews of ``task``'s file; a failure is returned, not raised."""
    try:
        # What decoders print is kept off the terminal, as during ingest (the file's ingest
        # record already holds it).
        with decoder_output():
            clear = thumbnail(Path(task.path))
            made = Made(task, clear, blurred(clear))
        return made
    except MediaError as exc:
        return Made(task, error=_named(task, exc.reason))
    except Exception as exc:  # a decoder bug costs one file, never the pass
        return Made(task, error=_named(task, f"unexpected {type(exc).__name__}: {exc}"))


def _named(task: PreviewTask, reason: str) -> str:
    """The error kept on the media's row: why, never where.

    The same media may be in seizures of other agencies, whose paths are theirs:
    ``failed_previews`` names the file by the asking seizure's own path.
    """
    path = Path(task.path)
    return reason.replace(str(path), "the file").replace(path.name, "the file")[:ERROR_LENGTH]


def _serial(tasks: Sequence[PreviewTask]) -> Iterator[Made]:
    for task in tasks:
        yield make_one(task)


def _alone(task: PreviewTask) -> Made:
    """``task`` in a process of its own: failed if the decoder crashes that process too."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            return pool.submit(make_one, task).result()
        except BrokenProcessPool:
            return Made(task, error=_named(task, "the decoder crashed on this file"))


def _pooled(tasks: Sequence[PreviewTask], workers: int) -> Iterator[Made]:
    """Results in the order of ``tasks``, at most ``2 * workers`` files in flight."""
    context = multiprocessing.get_context("spawn")
    pending = list(reversed(tasks))
    pool = ProcessPoolExecutor(workers, mp_context=context)
    flight: list[tuple[PreviewTask, Future[Made]]] = []
    try:
        while pending or flight:
            while pending and len(flight) < 2 * workers:
                task = pending.pop()
                flight.append((task, pool.submit(make_one, task)))
            task, future = flight.pop(0)
            try:
                yield future.result()
            except BrokenProcessPool:
                pool.shutdown(cancel_futures=True)
                for held, _ in [(task, future), *flight]:
                    yield _alone(held)
                flight = []
                pool = ProcessPoolExecutor(workers, mp_context=context)
    finally:
        pool.shutdown(cancel_futures=True)


def _record(session: Session, results: Sequence[Made]) -> None:
    """Write the rows of ``results`` (their previews are already in the vault)."""
    for result in results:
        made = result.error is None
        session.merge(
            Preview(
                media_id=result.task.media_id,
                kind=result.task.kind,
                state=(PreviewState.MADE if made else PreviewState.FAILED).value,
                error=result.error,
                at=utcnow(),
            )
        )


def make_previews(
    store: Store,
    seizure_id: int,
    *,
    workers: int = 1,
    progress: PassProgress | None = None,
) -> PassOutcome:
    """Make the previews seizure ``seizure_id`` lacks (see the module's docstring).

    The caller has checked that whoever asked may see the seizure. The previews go to the
    store's vault (:func:`vault_of`). Raises ``PreviewKeyError`` or ``PreviewVaultError`` when
    the vault cannot be used: then no file can be kept, so the pass stops there.
    """
    vault = vault_of(store)
    with store.session() as session:
        counts = preview_counts(session, seizure_id)
        tasks = preview_queue(session, seizure_id)
    total = counts.total
    done = total - len(tasks)
    if progress is not None:
        progress(done, total)
    pooled = workers > 1 and len(tasks) >= _POOL_FROM
    results = _pooled(tasks, workers) if pooled else _serial(tasks)
    buffer: list[Made] = []
    flushed_at = time.monotonic()
    made = failed = 0

    def flush() -> None:
        nonlocal buffer, flushed_at, done
        batch, buffer = buffer, []
        if batch:
            write_retrying(store, lambda session: _record(session, batch))
            done += len(batch)
            if progress is not None:
                progress(done, total)
        flushed_at = time.monotonic()

    try:
        for result in results:
            if result.clear is not None and result.blur is not None:
                vault.put(result.task.sha256, result.task.kind, result.clear)
                vault.put(result.task.sha256, "blur", result.blur)
                made += 1
            else:
                failed += 1
            buffer.append(result)
            if len(buffer) >= _BATCH or time.monotonic() - flushed_at > _FLUSH_SECONDS:
                flush()
    finally:
        flush()
    return PassOutcome(made=made, failed=failed, total=total)
