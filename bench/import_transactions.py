"""Bank import time by entries staged per transaction (issue 9: staged imports).

Imports one hash list into a fresh SQLite store with ``vigil.banks.transfer`` staging the given
number of entries per transaction, and prints seconds and peak RSS. Run each size in turn, in
separate processes, e.g.::

    for k in 5000 25000; do .venv/bin/python bench/import_transactions.py \\
        bench/out/bank-hashlist-1000000.txt $k; done

(`bench/bank_import.py` writes that file.) Results are in bench/README.md.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from vigil.banks import transfer
from vigil.banks.catalog import create_bank
from vigil.config import Settings, sqlite_url
from vigil.store.db import Store


def main() -> None:
    """Import the file once and print how long it took."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="hash list to import")
    parser.add_argument("per_transaction", type=int, help="entries staged per transaction")
    args = parser.parse_args()
    transfer._CHUNK = args.per_transaction
    with tempfile.TemporaryDirectory(dir=args.file.parent) as scratch:
        data = Path(scratch)
        store = Store(Settings(data, sqlite_url(data)))
        with store.session() as session:
            create_bank(session, "bench")
        started = time.perf_counter()
        outcome = transfer.import_file(store.session, args.file, "bench")
        seconds = time.perf_counter() - started
        store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.per_transaction:,} a transaction: {outcome.entries:,} entries in "
        f"{seconds:.1f} s, peak RSS {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
