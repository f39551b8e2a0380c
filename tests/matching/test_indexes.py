"""The matching indexes follow the store: new bank entries and media, and deleted banks."""

from __future__ import annotations

import numpy as np

from vigil.banks.catalog import create_bank, delete_bank
from vigil.matching.indexes import SignalIndexes
from vigil.store.db import Store
from vigil.store.models import BankEntry, Media

RNG = np.random.default_rng(5)


def _hex() -> str:
    return RNG.integers(0, 256, 32, dtype=np.uint8).tobytes().hex()


def _entries(store: Store, bank: str, count: int, quality: int | None = 90) -> list[str]:
    hexes = [_hex() for _ in range(count)]
    with store.session() as session:
        bank_id = create_bank(session, bank).id
        session.add_all(
            BankEntry(bank_id=bank_id, pdq=h, pdq_quality=quality, entry_metadata={}) for h in hexes
        )
    return hexes


def _picture(store: Store, n: int, quality: int) -> str:
    pdq = _hex()
    with store.session() as session:
        session.add(
            Media(
                sha256=f"{n:064x}",
                sha1=f"{n:040x}",
                md5=f"{n:032x}",
                size=1,
                kind="image",
                format="jpeg",
                mime="image/jpeg",
                pdq=pdq,
                pdq_quality=quality,
            )
        )
    return pdq


def test_refresh_adds_what_arrived_and_drops_deleted_banks(store: Store) -> None:
    indexes = SignalIndexes(quality_threshold=50)
    first = _entries(store, "a", 5)
    with store.session() as session:
        indexes.refresh(session)
    assert len(indexes.banks) == 5
    second = _entries(store, "b", 3)
    _entries(store, "flat", 2, quality=10)  # below the threshold: never indexed
    _entries(store, "unknown quality", 1, quality=None)  # hash lists carry none: indexed
    kept = _picture(store, 1, quality=80)
    _picture(store, 2, quality=20)
    with store.session() as session:
        indexes.refresh(session)
    assert len(indexes.banks) == 9
    assert len(indexes.pictures) == 1
    assert indexes.pictures.search(kept, 0)[0][1] == 0
    assert indexes.banks.search(second[0], 0)
    with store.session() as session:
        delete_bank(session, "a")
    with store.session() as session:
        indexes.refresh(session)
    assert len(indexes.banks) == 4
    assert indexes.banks.search(first[0], 0) == []
    assert indexes.banks.search(second[0], 0)
