"""Mutated benign files for every bank format: one clear error or a whole import, nothing else.

Each sample file of tests/banks/samples.py is mutated (bytes changed, structural characters
and deep nesting inserted, stretches deleted, repeated or cut off) and read, then imported:
reading raises nothing but BankFormatError, and an import that fails leaves the bank exactly
as it was (no entry seen, no staged row left behind).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.banks.samples import (
    ICSE_SAMPLE,
    MD5_A,
    PDQ_A,
    PDQ_B,
    SHA1_A,
    SHA256_A,
    VICS_1_HASH_SET,
    VICS_2_CASES,
    VICS_2_HASH_SET,
)
from vigil.banks.catalog import BankError, create_bank, list_banks
from vigil.banks.formats import BankFormatError, read_hashes
from vigil.banks.transfer import import_file
from vigil.config import Settings, sqlite_url
from vigil.store.db import Store
from vigil.store.models import BankEntry, BankImport

SAMPLES = {
    "vics-1": ("vics", VICS_1_HASH_SET.encode()),
    "vics-2": ("vics", VICS_2_HASH_SET.encode()),
    "vics-cases": ("vics", VICS_2_CASES.replace("/UK/", "/US/").encode()),
    "icse-csv": ("icse-csv", ICSE_SAMPLE.encode()),
    "hashlist": (
        "hashlist",
        f"# list\n{MD5_A}\n{SHA1_A}\nsha256:{SHA256_A}\npdq:{PDQ_A}\n".encode(),
    ),
    "te-pdq": ("te-pdq", f"{PDQ_A},90,a.jpg\n{PDQ_B}\n{PDQ_B.upper()},\n".encode()),
}
_INSERTS = [
    b"[",
    b"]",
    b"{",
    b"}",
    b'"',
    b",",
    b":",
    b"\\",
    b";",
    b"\n",
    b"\r",
    b"\x00",
    b"\xff",
    b"-1",
    b"99",
    b'"abc"',
    b"null",
    b"#",
    b"md5:",
    b'"Media": "x", ',
    b"[" * 40,
    b"{" * 40,
]
FUZZ = settings(
    max_examples=60,
    deadline=2000,
    derandomize=True,  # the same examples every run: a failure is never a fluke
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)


# Values and separators a mutation puts in place of one of the file's own.
_TOKENS = re.compile(rb'(?<=: )(?:"[^"\\]*"|-?[0-9]+|null|true|false)|\{[^{}]*\}|;|,')
_REPLACEMENTS = [b"1", b"-1", b"99", b"null", b"[]", b"{}", b'["x"]', b"true", b'"abc"', b'""']


@st.composite
def mutated(draw: st.DrawFn, sample: bytes) -> bytes:
    """``sample`` with one to four random mutations, anywhere in it (uniformly)."""
    data = bytearray(sample)
    rnd = draw(st.randoms(use_true_random=False))
    for _ in range(draw(st.integers(1, 4))):
        operation = rnd.choice(["set", "insert", "delete", "repeat", "cut", "replace", "replace"])
        at = rnd.randint(0, len(data))
        tokens = list(_TOKENS.finditer(data))
        if operation == "replace" and tokens:
            token = rnd.choice(tokens)
            data[token.start() : token.end()] = rnd.choice(_REPLACEMENTS)
        elif operation == "set" and data:
            data[min(at, len(data) - 1)] = rnd.randint(0, 255)
        elif operation == "insert":
            data[at:at] = rnd.choice(_INSERTS)
        elif operation == "delete":
            del data[at : at + rnd.randint(1, 40)]
        elif operation == "repeat":
            data[at:at] = data[at : at + rnd.randint(1, 60)] * rnd.randint(1, 30)
        else:
            del data[at:]
    return bytes(data)


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One SQLite store for all examples, with bank 'b' holding one good import."""
    folder = tmp_path_factory.mktemp("fuzz")
    store = Store(Settings(data_dir=folder / "data", database_url=sqlite_url(folder / "data")))
    good = folder / "good.txt"
    good.write_text(f"{'1' * 32}\n{'2' * 32}\n", encoding="utf-8")
    with store.session() as session:
        create_bank(session, "b")
    import_file(store.session, good, "b")
    yield store
    store.close()


def _state(store: Store) -> tuple[int, int, int]:
    """Entries seen in bank 'b', entry rows stored, import rows stored."""
    with store.session() as session:
        (bank,) = list_banks(session)
        rows = session.scalar(select(func.count(BankEntry.id))) or 0
        imports = session.scalar(select(func.count(BankImport.id))) or 0
    return bank.entries, int(rows), int(imports)


@pytest.mark.parametrize("sample", list(SAMPLES))
def test_reading_a_mutated_file_is_entries_or_one_format_error(tmp_path: Path, sample: str) -> None:
    fmt, content = SAMPLES[sample]
    path = tmp_path / "mutated"

    @FUZZ
    @given(data=mutated(content), detect=st.booleans())
    def read(data: bytes, detect: bool) -> None:
        path.write_bytes(data)
        message = None
        try:
            _, entries = read_hashes(path, None if detect else fmt)
            assert all(entry.has_signal() for entry in entries)
        except BankFormatError as exc:
            message = str(exc)
        if message is not None:  # one line, naming the file
            assert message.startswith(str(path))
            assert "\n" not in message

    read()


@pytest.mark.parametrize("sample", list(SAMPLES))
def test_importing_a_mutated_file_is_all_or_nothing(
    fuzz_store: Store, tmp_path: Path, sample: str
) -> None:
    fmt, content = SAMPLES[sample]
    counter = iter(range(10**6))

    @FUZZ
    @given(data=mutated(content))
    def import_(data: bytes) -> None:
        # A new name each time: an import is refused for the file's content, not its name.
        path = tmp_path / f"mutated-{next(counter)}"
        path.write_bytes(data)
        seen, rows, imports = _state(fuzz_store)
        try:
            outcome = import_file(fuzz_store.session, path, "b", fmt)
        except (BankFormatError, BankError):
            assert _state(fuzz_store) == (seen, rows, imports)
        else:
            assert _state(fuzz_store) == (
                seen + outcome.entries,
                rows + outcome.entries,
                imports + 1,
            )

    import_()
