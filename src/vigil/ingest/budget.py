"""How many workers, decoding pictures how large, fit in the memory ingest may use.

A worker's memory peaks while it decodes a picture: the file's bytes (read whole when up to
``IN_MEMORY_LIMIT``) plus the decoded pixels, bounded by the picture size limit. Every worker
may be on such a file at once, so workers x that peak must fit the budget. When it does not,
fewer workers are started (which costs only speed); only when one worker does not fit either
is the picture size limit lowered (a picture over it is recorded as an error, not hashed).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from vigil.ingest.worker import IN_MEMORY_LIMIT
from vigil.media.image import DECODE_BYTES_PER_PIXEL, DEFAULT_MAX_PIXELS

#: Environment twin of ``vigil ingest --memory-budget``.
MEMORY_BUDGET_ENV = "VIGIL_MEMORY_BUDGET"
#: Share of the machine's memory ingest takes by default: the database, the operating
#: system's file cache and whatever else runs on the machine keep the rest.
DEFAULT_SHARE = 0.5
#: A worker's memory before it opens a file: the interpreter and the decoding libraries
#: (about 65 MB measured with a photo; video decoding adds its codecs' buffers).
WORKER_BASE_BYTES = 128 * 1024 * 1024
#: Smallest picture size limit worth running with: below it, a budget is refused.
MIN_MAX_PIXELS = 1_000_000

_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?", re.IGNORECASE)


class MemoryBudgetError(ValueError):
    """A memory budget that cannot be read or is too small; the message says which."""


def parse_memory_size(text: str) -> int:
    """Bytes in a size such as ``4G``, ``512M``, ``1.5GB`` or ``1073741824`` (powers of 1024)."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise MemoryBudgetError(
            f"memory budget {text!r} is not a size: give a number with K, M, G or T, e.g. 4G"
        )
    return int(float(match[1]) * _UNITS[match[2].upper()])


def machine_memory() -> int | None:
    """Bytes of physical memory, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def default_memory_budget() -> int | None:
    """``DEFAULT_SHARE`` of the machine's memory, or None (no budget) where it is unknown."""
    memory = machine_memory()
    return None if memory is None or memory <= 0 else int(memory * DEFAULT_SHARE)


def worker_peak(max_pixels: int) -> int:
    """Bytes one worker may reach with pictures of up to ``max_pixels`` pixels."""
    return WORKER_BASE_BYTES + IN_MEMORY_LIMIT + max_pixels * DECODE_BYTES_PER_PIXEL


def format_bytes(size: int) -> str:
    """``size`` in the largest unit that keeps it at least 1, e.g. ``1.5 GB``."""
    for unit in ("T", "G", "M", "K"):
        if size >= _UNITS[unit]:
            return f"{size / _UNITS[unit]:.1f} {unit}B"
    return f"{size} B"


@dataclass(frozen=True)
class MemoryPlan:
    """What ingest runs with under a memory budget, and what the budget cut."""

    budget: int | None
    workers: int
    max_pixels: int
    requested_workers: int
    requested_max_pixels: int = DEFAULT_MAX_PIXELS

    @property
    def reduced(self) -> bool:
        """Whether the budget took workers or picture size away."""
        return (self.workers, self.max_pixels) != (
            self.requested_workers,
            self.requested_max_pixels,
        )

    def describe(self) -> str:
        """One line for the user saying what the budget chose, e.g. for the progress line."""
        budget = "no memory budget" if self.budget is None else format_bytes(self.budget)
        parts = [f"{self.workers} worker{'s' if self.workers != 1 else ''}"]
        if self.workers != self.requested_workers:
            parts[0] += f" (not {self.requested_workers})"
        parts.append(f"pictures up to {self.max_pixels / 1e6:,.0f} MP")
        if self.max_pixels != self.requested_max_pixels:
            parts[1] += f" (not {self.requested_max_pixels / 1e6:,.0f} MP)"
        return f"memory budget {budget}: " + ", ".join(parts)


def plan_memory(
    budget: int | None, workers: int, max_pixels: int = DEFAULT_MAX_PIXELS
) -> MemoryPlan:
    """Workers and picture size limit that keep ``workers`` x a worker's peak within ``budget``.

    Workers are cut first, down to one; then the picture size limit. ``budget`` None means
    no budget. Raises MemoryBudgetError when even one worker on small pictures does not fit.
    """
    workers = max(1, workers)
    if budget is None:
        return MemoryPlan(None, workers, max_pixels, workers, max_pixels)
    fitting = min(workers, budget // worker_peak(max_pixels))
    if fitting >= 1:
        return MemoryPlan(budget, fitting, max_pixels, workers, max_pixels)
    pixels = (budget - worker_peak(0)) // DECODE_BYTES_PER_PIXEL
    if pixels < MIN_MAX_PIXELS:
        raise MemoryBudgetError(
            f"memory budget {format_bytes(budget)} is too small: one worker needs at least "
            f"{format_bytes(worker_peak(MIN_MAX_PIXELS))}"
        )
    return MemoryPlan(budget, 1, pixels, workers, max_pixels)
