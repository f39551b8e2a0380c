"""PdqIndex answers radius queries exactly: the same as brute force, at every radius.

Most tests run on both layouts of the table: the plain one and the sketched one (the lookup
service's), whose searches check candidates on 96 bits kept in the lists first.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.index.conftest import brute_force, byte_distances, flipped, random_codes
from vigil.index.pdq import PdqIndex, codes_from_hex

RADII = [0, 1, 15, 16, 31, 32, 40]
LAYOUTS = [pytest.param(False, id="plain"), pytest.param(True, id="sketched")]


@st.composite
def planted_case(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stored hashes (some near each other), ids (some repeated), and queries near them."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    count = draw(st.integers(1, 120))
    codes = random_codes(rng, count)
    # Some stored hashes are near others, so an id or a query has several hits.
    for row in range(1, count, 3):
        codes[row] = flipped(rng, codes[rng.integers(0, row)], int(rng.integers(0, 48)))
    ids = rng.integers(0, max(1, count // 2) if draw(st.booleans()) else 2**40, size=count)
    queries = random_codes(rng, draw(st.integers(1, 12)))
    for row in range(0, queries.shape[0], 2):
        queries[row] = flipped(rng, codes[rng.integers(0, count)], int(rng.integers(0, 48)))
    return codes, ids.astype(np.int64), queries


@pytest.mark.parametrize("sketched", LAYOUTS)
@settings(max_examples=60, deadline=None, derandomize=True)
@given(case=planted_case(), radius=st.sampled_from(RADII))
def test_search_agrees_with_brute_force(
    sketched: bool, case: tuple[np.ndarray, np.ndarray, np.ndarray], radius: int
) -> None:
    codes, ids, queries = case
    index = PdqIndex.build(codes, ids, sketched=sketched)

    for query in queries:
        assert index.search(query, radius) == brute_force(codes, ids.tolist(), query, radius)
    assert index.search_many(queries, radius) == [index.search(q, radius) for q in queries]


@pytest.fixture(scope="module", params=LAYOUTS)
def large(request: pytest.FixtureRequest) -> tuple[PdqIndex, np.ndarray, np.ndarray, np.ndarray]:
    """70,000 hashes (row numbers past 16 bits), and queries planted at 0-40 bits from some.

    Also the distance from every query to every hash, the brute-force truth.
    """
    rng = np.random.default_rng(20261129)
    codes = random_codes(rng, 70_000)
    ids = np.arange(70_000, dtype=np.int64) * 3
    planted_rows = rng.integers(0, 70_000, size=82)
    queries = np.concatenate(
        [
            np.stack([flipped(rng, codes[r], b % 41) for b, r in enumerate(planted_rows)]),
            random_codes(rng, 20),
        ]
    )
    distances = np.stack([byte_distances(codes, query) for query in queries])
    return PdqIndex.build(codes, ids, sketched=request.param), ids, queries, distances


@pytest.mark.parametrize("radius", RADII)
def test_large_index_agrees_with_brute_force(
    large: tuple[PdqIndex, np.ndarray, np.ndarray, np.ndarray], radius: int
) -> None:
    index, ids, queries, distances = large
    truth = []
    for row in distances:
        (hits,) = np.nonzero(row <= radius)
        matches = zip(ids[hits].tolist(), row[hits].tolist(), strict=True)
        truth.append(sorted(matches, key=lambda match: (match[1], match[0])))

    assert [index.search(query, radius) for query in queries] == truth
    assert index.search_many(queries, radius) == truth
    assert any(truth), "no query had a hit: the test would prove nothing"


@pytest.mark.parametrize("sketched", LAYOUTS)
@pytest.mark.parametrize("seed", range(8))
def test_a_hash_at_exactly_31_bits_is_found_and_one_at_32_is_not(seed: int, sketched: bool) -> None:
    rng = np.random.default_rng(seed)
    codes = random_codes(rng, 5000)
    query = random_codes(rng, 1)[0]
    codes[10] = flipped(rng, query, 31)
    codes[20] = flipped(rng, query, 32)
    index = PdqIndex.build(codes, np.arange(5000, dtype=np.int64), sketched=sketched)

    assert index.search(query) == [(10, 31)]
    assert index.search(query, 32) == [(10, 31), (20, 32)]
    assert index.search(query, 30) == []
    assert index.search_many(query[None, :]) == [[(10, 31)]]


def _spread(code: np.ndarray, per_chunk: list[int], rng: np.random.Generator) -> np.ndarray:
    """``code`` with ``per_chunk[c]`` bits flipped in each 16-bit chunk c (bytes 2c, 2c+1)."""
    out = code.copy()
    for chunk, bits in enumerate(per_chunk):
        for bit in rng.choice(16, size=bits, replace=False):
            out[2 * chunk + bit // 8] ^= np.uint8(1 << (bit % 8))
    return out


@pytest.mark.parametrize("sketched", LAYOUTS)
def test_the_hardest_neighbours_at_31_bits_are_all_found(sketched: bool) -> None:
    """Two bits off in 15 chunks and one in the last: only that chunk's one-bit probe sees it.

    One such neighbour for every chunk and every bit of it, so a single missing probe fails.
    """
    rng = np.random.default_rng(13)
    centre = random_codes(rng, 1)[0]
    hard = []
    for chunk in range(16):
        for bit in range(16):
            neighbour = _spread(centre, [0 if c == chunk else 2 for c in range(16)], rng)
            neighbour[2 * chunk + bit // 8] ^= np.uint8(1 << (bit % 8))
            hard.append(neighbour)
    too_far = [_spread(centre, [2] * 16, rng) for _ in range(20)]
    codes = np.concatenate([random_codes(rng, 3000), np.stack(hard), np.stack(too_far)])
    index = PdqIndex.build(codes, np.arange(codes.shape[0], dtype=np.int64), sketched=sketched)
    hard_ids = list(range(3000, 3256))

    assert index.search(centre) == [(found, 31) for found in hard_ids]
    assert index.search_many(centre[None, :]) == [[(found, 31) for found in hard_ids]]
    assert len(index.search(centre, 32)) == 256 + 20


@pytest.mark.parametrize("sketched", LAYOUTS)
def test_the_hardest_neighbours_at_15_bits_are_all_found(sketched: bool) -> None:
    """One bit off in 15 chunks: only the last chunk's exact lookup sees it."""
    rng = np.random.default_rng(14)
    centre = random_codes(rng, 1)[0]
    hard = [
        _spread(centre, [0 if c == chunk else 1 for c in range(16)], rng) for chunk in range(16)
    ]
    at_16 = [_spread(centre, [1] * 16, rng) for _ in range(5)]
    codes = np.concatenate([random_codes(rng, 3000), np.stack(hard), np.stack(at_16)])
    index = PdqIndex.build(codes, np.arange(codes.shape[0], dtype=np.int64), sketched=sketched)

    assert index.search(centre, 15) == [(found, 15) for found in range(3000, 3016)]
    assert index.search(centre, 16) == [
        *((found, 15) for found in range(3000, 3016)),
        *((found, 16) for found in range(3016, 3021)),
    ]


@pytest.mark.parametrize("sketched", LAYOUTS)
def test_radius_zero_finds_only_the_same_hash(sketched: bool) -> None:
    rng = np.random.default_rng(3)
    codes = random_codes(rng, 1000)
    codes[1] = flipped(rng, codes[0], 1)
    index = PdqIndex.build(codes, np.arange(1000, dtype=np.int64), sketched=sketched)

    assert index.search(codes[0], 0) == [(0, 0)]
    assert index.search(codes[0], 1) == [(0, 0), (1, 1)]


def test_a_query_may_be_hex_bytes_or_an_array() -> None:
    rng = np.random.default_rng(4)
    codes = random_codes(rng, 100)
    index = PdqIndex.build(codes, np.arange(100, dtype=np.int64) + 7)
    hex_digits = codes[42].tobytes().hex()

    assert index.search(hex_digits) == [(49, 0)]
    assert index.search(hex_digits.upper()) == [(49, 0)]
    assert index.search(codes[42].tobytes()) == [(49, 0)]
    assert index.search(codes[42]) == [(49, 0)]
    assert index.search_many(codes_from_hex([hex_digits])) == [[(49, 0)]]


def test_large_ids_are_kept_exactly() -> None:
    rng = np.random.default_rng(6)
    codes = random_codes(rng, 10)
    ids = np.array([2**62 + n for n in range(5)] + [-(2**40)] * 5, dtype=np.int64)
    index = PdqIndex.build(codes, ids)

    assert index.search(codes[3]) == [(2**62 + 3, 0)]
    assert index.search(codes[8]) == [(-(2**40), 0)]


def test_many_hits_come_sorted_by_distance_then_id() -> None:
    rng = np.random.default_rng(8)
    centre = random_codes(rng, 1)[0]
    codes = np.stack([flipped(rng, centre, bits) for bits in [5, 3, 3, 0, 20, 31, 40]])
    index = PdqIndex.build(codes, np.array([9, 8, 2, 7, 1, 0, 6], dtype=np.int64))

    assert index.search(centre) == [(7, 0), (2, 3), (8, 3), (9, 5), (1, 20), (0, 31)]


def test_an_id_with_several_hashes_is_returned_once_at_its_smallest_distance() -> None:
    rng = np.random.default_rng(9)
    centre = random_codes(rng, 1)[0]
    codes = np.stack([flipped(rng, centre, 12), flipped(rng, centre, 4), centre, centre])
    index = PdqIndex.build(codes, np.array([5, 5, 6, 6], dtype=np.int64))

    assert index.search(centre) == [(6, 0), (5, 4)]
    assert len(index) == 4


def test_the_same_hash_under_two_ids_returns_both() -> None:
    rng = np.random.default_rng(10)
    codes = np.repeat(random_codes(rng, 1), 2, axis=0)
    index = PdqIndex.build(codes, np.array([4, 3], dtype=np.int64))

    assert index.search(codes[0]) == [(3, 0), (4, 0)]


def test_an_empty_index_finds_nothing() -> None:
    nothing = (np.empty((0, 32), np.uint8), np.empty(0, np.int64))
    query = "ab" * 32

    for index in (
        PdqIndex(),
        PdqIndex.build(*nothing),
        PdqIndex(sketched=True),
        PdqIndex.build(*nothing, sketched=True),
    ):
        assert len(index) == 0
        assert index.search(query) == []
        assert index.search(query, 256) == []
        assert index.search_many(codes_from_hex([query, query])) == [[], []]
        assert index.search_many(np.empty((0, 32), np.uint8)) == []
        assert index.remove([1, 2]) == 0
        assert index.nbytes < 1000


def test_radius_256_returns_every_id() -> None:
    rng = np.random.default_rng(11)
    codes = random_codes(rng, 50)
    index = PdqIndex.build(codes, np.arange(50, dtype=np.int64))

    assert sorted(found for found, _ in index.search(codes[0], 256)) == list(range(50))


@pytest.mark.parametrize("bad", ["x" * 64, "ab" * 31, "ab" * 33, b"\x00" * 33])
def test_a_bad_query_is_a_value_error(bad: str | bytes) -> None:
    index = PdqIndex.build(random_codes(np.random.default_rng(1), 10), np.arange(10))

    with pytest.raises(ValueError, match="PDQ hash"):
        index.search(bad)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "31"])
def test_a_bad_radius_is_a_value_error(bad: object) -> None:
    index = PdqIndex.build(random_codes(np.random.default_rng(1), 10), np.arange(10))

    with pytest.raises(ValueError, match="radius"):
        index.search("00" * 32, bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="radius"):
        index.search_many(np.zeros((1, 32), np.uint8), bad)  # type: ignore[arg-type]


def test_memory_stays_under_100_bytes_a_hash_at_a_million() -> None:
    rng = np.random.default_rng(12)
    count = 1 << 20
    index = PdqIndex.build(random_codes(rng, count), np.arange(count, dtype=np.int64))

    assert len(index) == count
    assert index.nbytes / count <= 90


def test_a_batch_larger_than_a_group_equals_its_queries_one_by_one() -> None:
    """At a million hashes a batch of 120 or more is searched in groups of about 2,000
    queries, its candidates sorted through blocks of the table: 2,500 queries make two
    groups, and every block sees candidates. Half the queries are random, then half planted
    0-31 bits from a stored hash (some stored twice, so an id has two hits)."""
    rng = np.random.default_rng(20261202)
    count = 1 << 20
    codes = random_codes(rng, count)
    codes[1:200:2] = codes[0:200:2]
    index = PdqIndex.build(codes, np.arange(count, dtype=np.int64) % (count - 5))
    rows = rng.integers(0, count, size=1250)
    planted = np.stack([flipped(rng, codes[row], int(row % 32)) for row in rows])
    queries = np.concatenate([random_codes(rng, 1250), planted])

    batch = index.search_many(queries)

    assert batch == [index.search(query) for query in queries]
    assert all(batch[1250:]), "a planted hash was not found"
    assert index.search_many(queries, 15) == [index.search(query, 15) for query in queries]


def test_a_sketched_index_answers_as_the_plain_one_at_a_million() -> None:
    """Sketched, a million hashes: batches (sorted probes) and single queries (one by one)
    give exactly the plain table's answers at radius 31 and 15, for planted neighbours 0-31
    bits away, random queries, and hashes stored twice; it holds about 265 bytes a hash."""
    rng = np.random.default_rng(20261203)
    count = 1 << 20
    codes = random_codes(rng, count)
    codes[1:200:2] = codes[0:200:2]
    ids = np.arange(count, dtype=np.int64)
    plain = PdqIndex.build(codes, ids)
    sketched = PdqIndex.build(codes, ids, sketched=True)
    rows = rng.integers(0, count, size=600)
    planted = np.stack([flipped(rng, codes[row], int(row % 32)) for row in rows])
    queries = np.concatenate([random_codes(rng, 600), planted])

    for radius in (31, 15):
        answers = plain.search_many(queries, radius)
        assert sketched.search_many(queries, radius) == answers
        assert [sketched.search(query, radius) for query in queries[::20]] == answers[::20]
    assert all(plain.search_many(planted)), "a planted hash was not found"
    assert 250 <= sketched.nbytes / count <= 270
