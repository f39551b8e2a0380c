"""PDQ index (match): Vigil's PdqIndex against threatexchange's PDQ index, on random hashes.

For each size (default 1,000,000 and 10,000,000 random 256-bit hashes, ids 0..n-1) and
each contender, in a fresh process of its own, single-threaded:

* **build**: seconds to build the index from what its API takes (arrays for Vigil,
  ``(hex, id)`` pairs for threatexchange; making those inputs is not timed);
* **single**: queries a second, one query (64 hex digits) a call, as a lookup service
  receives them;
* **batch**: queries a second in calls of ``--batch`` queries (Vigil: ``codes_from_hex`` and
  ``search_many``, parsing included; threatexchange: its ``PDQMultiHashIndex``'s batch call);
* **recall**: of the planted queries, the share whose planted hash was returned; and over a
  sample of all queries, the share of the brute-force answer (every stored hash within 31
  bits, computed here with numpy) that came back, with any wrong extra hit counted too;
* **bytes / hash**: resident memory (RSS) of the process after the build, with the input
  arrays freed, less its RSS before the inputs were made, over the number of hashes.

Queries (``--queries``, default 10,000): half planted, each a stored hash with d bits
flipped, d drawn uniformly from 1..31; half random. Radius 31 throughout. Everything is
drawn from numpy's ``default_rng(--seed)``, so each process makes the same data.

threatexchange is ``threatexchange==1.2.17`` in its own virtual environment under
``bench/out/`` (made on first use, as ``bench/ingest.py`` does); its index is what
``PdqSignal.get_index_cls()`` returns, faiss limited to one thread.

    .venv/bin/python bench/match.py [--sizes 1000000 10000000] [--skip-threatexchange]

The script is also its own worker (``match.py run ...``), which the threatexchange
environment's interpreter runs: hence only the standard library at the top level.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
RADIUS = 31
CONTENDERS = ("vigil", "threatexchange")
# Untimed queries first, so that imports and first-touch costs are not counted.
WARMUP_QUERIES = 100
# The targets.
TARGET_SPEEDUP = 3.0
TARGET_BYTES_PER_HASH = 100
SINGLE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# ---- data: the same in every process (runs in either environment) ----


def make_data(size: int, queries: int, seed: int) -> tuple[Any, Any, Any]:
    """Stored hashes ``(size, 32)``, queries ``(queries, 32)``, planted rows (one a query).

    The first half of the queries are planted: stored hash ``planted[i]`` with d random
    bits flipped, d uniform in 1..31. The rest are random hashes.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 256, size=(size, 32), dtype=np.uint8)
    wanted = rng.integers(0, 256, size=(queries, 32), dtype=np.uint8)
    planted = rng.integers(0, size, size=queries // 2)
    for number, row in enumerate(planted):
        flips = rng.choice(256, size=int(rng.integers(1, RADIUS + 1)), replace=False)
        query = codes[row].copy()
        np.bitwise_xor.at(query, flips // 8, (1 << (flips % 8)).astype(np.uint8))
        wanted[number] = query
    return codes, wanted, planted


def _rss() -> int:
    """Resident memory of this process, bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _rss_freed() -> tuple[int, int]:
    """RSS once freed memory is collected, before and after handing it back to the system.

    glibc keeps freed blocks of up to 32 MB in its heap (its mmap threshold rises to the
    largest block freed), so a freed input array can stay resident; ``malloc_trim`` returns
    such memory, leaving what is still in use.
    """
    gc.collect()
    kept = _rss()
    ctypes.CDLL(None).malloc_trim(0)
    return kept, _rss()


# ---- the worker: one contender, one size, in a fresh process ----


def _queries_then_baseline(size: int, queries: int, seed: int) -> tuple[list[str], int]:
    """The queries as hex, and the RSS to measure the index from, taken once they exist.

    The stored hashes are made here only to derive the planted queries, then freed: the
    worker makes them again for the build, so that the baseline holds the queries (which
    are not the index's) but not the inputs.
    """
    codes, wanted, _ = make_data(size, queries, seed)
    hexes = [query.tobytes().hex() for query in wanted]
    del codes, wanted
    gc.collect()
    return hexes, _rss()


def _vigil(size: int, queries: int, seed: int, batch: int) -> dict[str, Any]:
    import numpy as np

    from vigil.index.pdq import PdqIndex, codes_from_hex

    hexes, before = _queries_then_baseline(size, queries, seed)
    codes = make_data(size, queries, seed)[0]
    ids = np.arange(size, dtype=np.int64)
    start = time.perf_counter()
    index = PdqIndex.build(codes, ids)
    build = time.perf_counter() - start
    del codes, ids
    kept, rss = _rss_freed()
    for query in hexes[:WARMUP_QUERIES]:
        index.search(query, RADIUS)
    start = time.perf_counter()
    single = [index.search(query, RADIUS) for query in hexes]
    single_seconds = time.perf_counter() - start
    start = time.perf_counter()
    batched: list[list[tuple[int, int]]] = []
    for first in range(0, len(hexes), batch):
        batched += index.search_many(codes_from_hex(hexes[first : first + batch]), RADIUS)
    batch_seconds = time.perf_counter() - start
    return {
        "build": build,
        "single": single_seconds,
        "batch": batch_seconds,
        "rss": rss - before,
        "rss_untrimmed": kept - before,
        "nbytes": index.nbytes,
        "batch_agrees": batched == single,
        "results": [[list(match) for match in matches] for matches in single],
    }


def _threatexchange(size: int, queries: int, seed: int, batch: int) -> dict[str, Any]:
    import faiss
    from threatexchange.signal_type.pdq.signal import PdqSignal

    faiss.omp_set_num_threads(1)
    index_class = PdqSignal.get_index_cls()
    hexes, before = _queries_then_baseline(size, queries, seed)
    raw = make_data(size, queries, seed)[0].tobytes().hex()
    entries = [(raw[64 * row : 64 * row + 64], row) for row in range(size)]
    del raw
    start = time.perf_counter()
    index = index_class.build(entries)
    build = time.perf_counter() - start
    del entries  # the index keeps its own references to what it needs
    kept, rss = _rss_freed()
    for query in hexes[:WARMUP_QUERIES]:
        index.query(query)
    start = time.perf_counter()
    single = [index.query(query) for query in hexes]
    single_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for first in range(0, len(hexes), batch):
        index.index.search_with_distance_in_result(hexes[first : first + batch], RADIUS)
    batch_seconds = time.perf_counter() - start
    results = [
        sorted(
            ([match.metadata, int(match.similarity_info.distance)] for match in matches),
            key=lambda match: (match[1], match[0]),
        )
        for matches in single
    ]
    return {
        "build": build,
        "single": single_seconds,
        "batch": batch_seconds,
        "rss": rss - before,
        "rss_untrimmed": kept - before,
        "nbytes": None,
        "batch_agrees": None,
        "index_class": f"{index_class.__module__}.{index_class.__qualname__}",
        "results": results,
    }


# ---- the orchestrator (runs in Vigil's environment) ----


def run_contender(
    python: Path, contender: str, size: int, args: argparse.Namespace
) -> dict[str, Any]:
    """Run one contender at one size in a fresh process and return what it measured."""
    out = args.out / "match" / f"{contender}-{size}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(python), __file__, "run", contender, str(size), str(out),
        "--queries", str(args.queries), "--seed", str(args.seed), "--batch", str(args.batch),
    ]  # fmt: skip
    subprocess.run(command, check=True, env={**os.environ, **SINGLE_THREAD})
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def truth(size: int, args: argparse.Namespace) -> tuple[Any, dict[int, list[list[int]]]]:
    """Planted rows, and the brute-force answer for a sample of the queries."""
    import numpy as np

    codes, wanted, planted = make_data(size, args.queries, args.seed)
    words = codes.view(np.uint64)
    rng = np.random.default_rng(args.seed + 1)
    sample = rng.choice(args.queries, size=min(args.truth_sample, args.queries), replace=False)
    answers: dict[int, list[list[int]]] = {}
    for number in sample.tolist():
        query = wanted[number].view(np.uint64)
        # Word by word: the popcount of each 64-bit word of the XOR, summed.
        distance = np.zeros(size, dtype=np.uint16)
        for word in range(4):
            distance += np.bitwise_count(words[:, word] ^ query[word])
        (rows,) = np.nonzero(distance <= RADIUS)
        answers[number] = sorted(
            ([row, int(distance[row])] for row in rows.tolist()), key=lambda hit: (hit[1], hit[0])
        )
    return planted, answers


def recall(
    result: dict[str, Any], planted: Any, answers: dict[int, list[list[int]]]
) -> tuple[float, float, int]:
    """Planted found / planted; sample hits found / sample hits; wrong extra hits."""
    results = result["results"]
    found = sum(
        any(match[0] == row for match in results[number])
        for number, row in enumerate(planted.tolist())
    )
    expected = sum(len(hits) for hits in answers.values())
    returned = 0
    extra = 0
    for number, hits in answers.items():
        wanted = {tuple(hit) for hit in hits}
        got = {tuple(match) for match in results[number]}
        returned += len(wanted & got)
        extra += len(got - wanted)
    return found / len(planted), returned / max(expected, 1), extra


def _machine() -> str:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor() or "unknown CPU",
    )  # fmt: skip
    import numpy as np

    return (
        f"{model}, {len(os.sched_getaffinity(0))} cores; Python {platform.python_version()}, "
        f"numpy {np.__version__}"
    )


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def benchmark(args: argparse.Namespace, te_python: Path | None) -> str:
    """Run every contender at every size and return the report as markdown."""
    load_before = _load()
    rows: list[str] = []
    verdicts: list[str] = []
    notes: list[str] = []
    for size in args.sizes:
        print(f"brute-force answers for {size:,} hashes...", file=sys.stderr)
        planted, answers = truth(size, args)
        measured: dict[str, dict[str, Any]] = {}
        for contender in CONTENDERS:
            python = Path(sys.executable) if contender == "vigil" else te_python
            if python is None:
                continue
            print(f"measuring {contender} at {size:,}...", file=sys.stderr)
            measured[contender] = run_contender(python, contender, size, args)
        te = measured.get("threatexchange")
        for contender, result in measured.items():
            rows.append(_row(size, contender, result, te, recall(result, planted, answers)))
            notes.append(
                f"- {size:,}, {contender}: {result['rss_untrimmed'] / size:.0f} bytes a hash "
                "before `malloc_trim`"
            )
        vigil = measured["vigil"]
        notes.append(
            f"- {size:,}: Vigil's arrays hold {vigil['nbytes'] / size:.1f} bytes a hash "
            f"(`PdqIndex.nbytes`); its batch answers "
            f"{'equal' if vigil['batch_agrees'] else 'DIFFER FROM'} its single ones"
        )
        if te is not None:
            verdicts.append(_verdict(size, vigil, te, recall(vigil, planted, answers)))
            notes.append(f"- threatexchange index class: `{te['index_class']}`")
    sample = min(args.truth_sample, args.queries)
    return "\n".join([
        f"Measured {date.today().isoformat()}, load average {load_before} before and "
        f"{_load()} after (1, 5, 15 min); {_machine()}.",
        "",
        f"{args.queries:,} queries (half planted at 1-31 bits, half random), radius {RADIUS}, "
        f"batches of {args.batch}, seed {args.seed}; exact recall over {sample} sampled queries.",
        "",
        "| hashes | contender | build s | single q/s | batch q/s | planted found | "
        "sample recall | wrong hits | bytes / hash | single vs te | batch vs te | build vs te |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        *notes,
        "",
        f"Targets: at least {TARGET_SPEEDUP:.0f}x threatexchange's single queries a second "
        f"with 100% recall, build no slower, at most {TARGET_BYTES_PER_HASH} bytes a hash:",
        *verdicts,
    ])  # fmt: skip


def _row(
    size: int,
    contender: str,
    result: dict[str, Any],
    te: dict[str, Any] | None,
    recalls: tuple[float, float, int],
) -> str:
    queries = len(result["results"])
    single, batch = queries / result["single"], queries / result["batch"]

    def versus(mine: float, theirs: float) -> str:
        return f"{mine / theirs:.1f}x" if te is not None else "n/a"

    return (
        f"| {size:,} | {contender} | {result['build']:.1f} | {single:,.0f} | {batch:,.0f} | "
        f"{100 * recalls[0]:.2f}% | {100 * recalls[1]:.2f}% | {recalls[2]} | "
        f"{result['rss'] / size:.0f} | "
        + (
            f"{versus(single, queries / te['single'])} | {versus(batch, queries / te['batch'])} | "
            f"{versus(te['build'], result['build'])} |"
            if te is not None
            else "n/a | n/a | n/a |"
        )
    )


def _verdict(
    size: int, vigil: dict[str, Any], te: dict[str, Any], recalls: tuple[float, float, int]
) -> str:
    speedup = te["single"] / vigil["single"]
    checks = {
        f"single {speedup:.1f}x": speedup >= TARGET_SPEEDUP,
        f"recall {100 * recalls[0]:.0f}% planted, {100 * recalls[1]:.0f}% sampled": (
            recalls[0] == 1 and recalls[1] == 1 and recalls[2] == 0
        ),
        f"build {vigil['build']:.1f} s vs {te['build']:.1f} s": vigil["build"] <= te["build"],
        f"{vigil['rss'] / size:.0f} bytes a hash": vigil["rss"] / size <= TARGET_BYTES_PER_HASH,
    }
    failed = [label for label, met in checks.items() if not met]
    return f"- {size:,}: {'; '.join(checks)}: " + ("met" if not failed else "NOT met")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: the benchmark, or (``run``) one contender at one size."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command")
    worker = commands.add_parser("run", help="(internal) measure one contender at one size")
    worker.add_argument("contender", choices=CONTENDERS)
    worker.add_argument("size", type=int)
    worker.add_argument("out", type=Path, help="JSON file to write the measurements to")
    for command in (parser, worker):
        command.add_argument("--queries", type=int, default=10_000, help="queries, half planted")
        command.add_argument("--seed", type=int, default=1, help="seed of all random data")
        command.add_argument("--batch", type=int, default=1000, help="queries a batch call")
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000], help="hashes stored"
    )
    parser.add_argument(
        "--truth-sample", type=int, default=200, help="queries checked against brute force"
    )
    parser.add_argument("--skip-threatexchange", action="store_true", help="no threatexchange")
    parser.add_argument("--out", type=Path, default=BENCH / "out", help="cache and scratch")
    args = parser.parse_args(argv)
    if args.command == "run":
        measure = _vigil if args.contender == "vigil" else _threatexchange
        result = measure(args.size, args.queries, args.seed, args.batch)
        args.out.write_text(json.dumps(result))
        return
    te_python = None
    if not args.skip_threatexchange:
        from ingest import threatexchange_python

        te_python = threatexchange_python(args.out)
    print(benchmark(args, te_python))


if __name__ == "__main__":
    main()
