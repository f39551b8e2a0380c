"""PdqIndex kept up to date: hashes added after the build, removed, and both at scale."""

from __future__ import annotations

import numpy as np
import pytest

from tests.index.conftest import brute_force, flipped, random_codes
from vigil.index.pdq import PdqIndex


class Mirror:
    """An index and the plain list of what it should hold, checked against each other."""

    def __init__(self, index: PdqIndex, codes: np.ndarray, ids: np.ndarray) -> None:
        self.index = index
        self.codes = codes
        self.ids = ids

    def add(self, codes: np.ndarray, ids: np.ndarray) -> None:
        self.index.add(codes, ids)
        self.codes = np.concatenate([self.codes, codes])
        self.ids = np.concatenate([self.ids, ids])

    def remove(self, ids: list[int]) -> int:
        keep = ~np.isin(self.ids, ids)
        expected = int(keep.size - keep.sum())
        self.codes, self.ids = self.codes[keep], self.ids[keep]
        removed = self.index.remove(ids)
        assert removed == expected
        return removed

    def check(self, queries: np.ndarray, radii: tuple[int, ...] = (0, 15, 31, 40)) -> None:
        assert len(self.index) == self.ids.size
        hits = 0
        for radius in radii:
            truth = [brute_force(self.codes, self.ids.tolist(), q, radius) for q in queries]
            assert [self.index.search(q, radius) for q in queries] == truth
            assert self.index.search_many(queries, radius) == truth
            hits += sum(map(len, truth))
        assert hits, "no query had a hit: the check would prove nothing"


def _near(rng: np.random.Generator, codes: np.ndarray, count: int) -> np.ndarray:
    rows = rng.integers(0, codes.shape[0], size=count)
    return np.stack([flipped(rng, codes[r], int(rng.integers(0, 36))) for r in rows])


def test_hashes_added_after_the_build_are_found() -> None:
    rng = np.random.default_rng(1)
    mirror = Mirror(PdqIndex.build(codes := random_codes(rng, 3000), ids := np.arange(3000)),
                    codes, ids)  # fmt: skip
    added = random_codes(rng, 50)
    mirror.add(added, np.arange(50, dtype=np.int64) + 10_000)
    mirror.add(added[:5], np.arange(5, dtype=np.int64))  # known hashes under known ids

    mirror.check(np.concatenate([_near(rng, mirror.codes, 40), random_codes(rng, 5)]))


def test_an_index_grown_by_adds_alone_matches_one_built_at_once() -> None:
    rng = np.random.default_rng(2)
    codes = random_codes(rng, 12_000)
    ids = rng.integers(0, 9000, size=12_000)
    grown = Mirror(PdqIndex(), codes[:0], ids[:0])

    # Adds stay in the tail up to 8,192 hashes; past that the tail becomes a table, whose
    # bucket starts alone take 4 MiB.
    for start, stop, merged in [
        (0, 1, False),
        (1, 3000, False),
        (3000, 8192, False),
        (8192, 8193, True),
        (8193, 8200, True),
        (8200, 12_000, True),
    ]:
        grown.add(codes[start:stop], ids[start:stop])
        assert (grown.index.nbytes > 4 << 20) == merged
        grown.check(_near(rng, grown.codes, 8))

    queries = _near(rng, codes, 30)
    built = PdqIndex.build(codes, ids)
    assert grown.index.search_many(queries) == built.search_many(queries)


def test_removed_hashes_are_not_found_and_are_counted() -> None:
    rng = np.random.default_rng(3)
    codes = random_codes(rng, 2000)
    ids = np.arange(2000, dtype=np.int64) // 2  # every id has two hashes
    mirror = Mirror(PdqIndex.build(codes, ids), codes, ids)
    mirror.add(random_codes(rng, 30), np.arange(30, dtype=np.int64) + 5000)
    queries = np.concatenate([_near(rng, codes, 30), mirror.codes[-10:]])

    assert mirror.remove([0, 1, 5001, 999_999]) == 5  # 2 + 2 in the table, 1 in the tail
    assert mirror.remove([0, 1]) == 0  # already gone
    assert mirror.index.remove([]) == 0
    assert mirror.index.search(codes[0]) == []
    mirror.check(queries)


def test_removing_most_hashes_rebuilds_and_stays_exact() -> None:
    rng = np.random.default_rng(4)
    codes = random_codes(rng, 4000)
    ids = np.arange(4000, dtype=np.int64)
    mirror = Mirror(PdqIndex.build(codes, ids), codes, ids)
    queries = _near(rng, codes[3000:], 40)

    mirror.remove(list(range(0, 500)))
    mirror.check(queries)
    before = mirror.index.nbytes
    mirror.remove(list(range(500, 2500)))  # past a quarter of the table: rebuilt without them
    mirror.check(queries)
    assert mirror.index.nbytes < before
    mirror.remove(list(range(4000)))
    assert len(mirror.index) == 0
    assert mirror.index.search_many(queries) == [[] for _ in queries]


def test_removing_an_id_stored_twice_removes_both_hashes() -> None:
    rng = np.random.default_rng(5)
    code = random_codes(rng, 1)
    index = PdqIndex.build(np.concatenate([code, code]), np.array([8, 8], dtype=np.int64))
    index.add(code, np.array([8], dtype=np.int64))

    assert index.search(code[0]) == [(8, 0)]
    assert index.remove(iter([8])) == 3
    assert index.search(code[0]) == []


@pytest.mark.parametrize(
    ("codes", "ids", "message"),
    [
        (np.zeros((2, 31), np.uint8), np.arange(2), r"shape \(n, 32\)"),
        (np.zeros((2, 32), np.int64), np.arange(2), "uint8"),
        (np.zeros(32, np.uint8), np.arange(1), r"shape \(n, 32\)"),
        (np.zeros((2, 32), np.uint8), np.arange(3), "expected 2 ids"),
        (np.zeros((2, 32), np.uint8), np.zeros(2, np.float64), "integers"),
    ],
)
def test_bad_arrays_are_value_errors(codes: np.ndarray, ids: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PdqIndex.build(codes, ids)
    with pytest.raises(ValueError, match=message):
        PdqIndex().add(codes, ids)
