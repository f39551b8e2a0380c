"""What keeping decoders' output off the terminal costs each file ingest reads.

Times :func:`vigil.media.capture.decoder_output` around an empty body (what an ordinary
photo pays: nothing is said, so nothing is read back), and its two parts alone: pointing
file descriptor 2 elsewhere and back (three ``dup2`` and an ``lseek``), and Python's
``warnings.catch_warnings`` with the "always" filter. Best of ``--repeats`` runs of
``--calls`` calls each, in microseconds a call.

Run: ``taskset -c 0 .venv/bin/python bench/decoder_output.py``.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Callable

from vigil.media.capture import _sink_and_spare, decoder_output


def _with_capture() -> None:
    with decoder_output():
        pass


def _descriptors_only() -> None:
    sink, spare = _sink_and_spare()
    os.dup2(2, spare)
    os.dup2(sink, 2)
    os.dup2(spare, 2)
    os.lseek(sink, 0, os.SEEK_CUR)


def _warnings_only() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("always")


def main() -> None:
    """Print the best time a call of each, in microseconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    contenders: dict[str, Callable[[], None]] = {
        "decoder_output (whole)": _with_capture,
        "fd 2 redirected and back": _descriptors_only,
        "catch_warnings + always": _warnings_only,
    }
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(args.repeats):  # in turn, so that a slow spell hits all alike
        for name, call in contenders.items():
            start = time.perf_counter()
            for _ in range(args.calls):
                call()
            best[name] = min(best[name], (time.perf_counter() - start) / args.calls * 1e6)
    for name, microseconds in best.items():
        print(f"{name}: {microseconds:.2f} us")
    print(f"load average: {' '.join(f'{value:.1f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
