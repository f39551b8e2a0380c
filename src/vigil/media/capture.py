"""What decoders say while a file is read, kept with the file instead of on the terminal.

C libraries inside the decoders (libtiff, the libjpeg it calls, libheif) write their warnings
and errors straight to the process's standard error, and Pillow warns through Python's
``warnings``. In an ingest worker both would reach the terminal of the user running ``vigil
ingest``, in bulk and torn from the file they concern. While one file is read,
:func:`decoder_output` points file descriptor 2 at a temporary file and collects Python
warnings; on leaving, whatever was said is handed back, bounded, to be stored with the file.

The cost per file is a few system calls (no read when nothing was written): see
``bench/README.md``. One file at a time per process: file descriptor 2 and the warnings
filters are process-wide.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
from contextlib import AbstractContextManager
from typing import TextIO

from vigil.media.errors import escape_unprintable

#: Distinct messages kept per file; the rest are counted in a last line.
MAX_MESSAGES = 20
#: Characters kept of each message.
MAX_MESSAGE_CHARS = 300
# Bytes of a file's C output read back: a hostile file can make a decoder say megabytes.
_MAX_OUTPUT_BYTES = 64 * 1024
# FFmpeg names its contexts by address ("[h264 @ 0x55d0c8]"): the same file would be
# described differently on every run.
_ADDRESS = re.compile(r" @ 0x[0-9a-fA-F]+")

# Per process: the nameless file fd 2 points at while a file is read, and a descriptor of
# our own that holds fd 2's usual target meanwhile (reused: no descriptor made per file).
_descriptors: tuple[int, int] | None = None


def _forget_descriptors() -> None:
    # A forked child must not write into its parent's file (their offsets are shared).
    global _descriptors
    _descriptors = None


os.register_at_fork(after_in_child=_forget_descriptors)


def _sink_and_spare() -> tuple[int, int]:
    global _descriptors
    if _descriptors is None:
        # Kept open for the life of the process; the file has no name, so nothing is left.
        with tempfile.TemporaryFile() as handle:
            sink = os.dup(handle.fileno())
        _descriptors = (sink, os.dup(sink))
    return _descriptors


class _Said:
    """Messages in the order first said, each with how many times it was said."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.more = 0  # messages beyond MAX_MESSAGES distinct ones

    def add(self, text: str) -> None:
        for line in text.splitlines():
            # A decoder may echo a hostile file's bytes: controls are stored escaped.
            message = escape_unprintable(_ADDRESS.sub("", line).strip()[:MAX_MESSAGE_CHARS])
            if not message:
                continue
            if message in self.counts or len(self.counts) < MAX_MESSAGES:
                self.counts[message] = self.counts.get(message, 0) + 1
            else:
                self.more += 1

    def show_warning(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        """Stands in for ``warnings.showwarning``: the warning is kept, not printed."""
        self.add(f"{category.__name__}: {message}")

    def lines(self) -> list[str]:
        out = [f"{m} (x{n})" if n > 1 else m for m, n in self.counts.items()]
        if self.more:
            out.append(f"... and {self.more} more messages")
        return out


class _Capture:
    """The context :func:`decoder_output` returns (a class: it is entered once per file)."""

    def __init__(self) -> None:
        self.said = _Said()
        self.kept: list[str] = []
        self.warnings = warnings.catch_warnings()
        self.redirected = False

    def __enter__(self) -> list[str]:
        sink, spare = _sink_and_spare()
        try:
            os.dup2(2, spare)
        except OSError:
            pass  # no standard error at all: nothing C prints can reach a terminal
        else:
            os.dup2(sink, 2)
            self.redirected = True
        self.warnings.__enter__()
        # Every warning, each time: pytest's "error" filter or the default "once per place"
        # must not change what a file's record says.
        warnings.simplefilter("always")
        warnings.showwarning = self.said.show_warning
        return self.kept

    def __exit__(self, *exc_info: object) -> None:
        self.warnings.__exit__(None, None, None)
        if self.redirected:
            sink, spare = _sink_and_spare()
            os.dup2(spare, 2)
            written = os.lseek(sink, 0, os.SEEK_CUR)
            if written:
                text = os.pread(sink, min(written, _MAX_OUTPUT_BYTES), 0)
                self.said.add(text.decode("utf-8", "replace"))
                os.ftruncate(sink, 0)
                os.lseek(sink, 0, os.SEEK_SET)
        if self.said.counts:
            self.kept.extend(self.said.lines())


def decoder_output() -> AbstractContextManager[list[str]]:
    """Keep what is written to standard error and warned while inside; give the list of it.

    The list is filled on leaving: distinct messages (Python warnings first, as
    ``"Category: text"``, then the C libraries' lines), at most MAX_MESSAGES of them.
    """
    return _Capture()
