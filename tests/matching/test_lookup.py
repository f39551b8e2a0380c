"""The lookup service answers from memory, shows each agency its banks only, follows the store."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.imagegen import make_jpeg
from vigil.banks.catalog import create_bank, delete_bank
from vigil.banks.transfer import import_file
from vigil.matching.lookup import MAX_BATCH, LookupInputError, LookupService, parse_values
from vigil.sharing import policy
from vigil.sharing.actor import Actor
from vigil.sharing.agencies import create_agency
from vigil.sharing.audit import Action
from vigil.signals.crypto import hash_bytes
from vigil.signals.registry import MD5, PDQ
from vigil.store.db import Store
from vigil.store.models import AgencyKind, AuditEvent, BankEntry, GrantReason, RecordType, Role

RNG = np.random.default_rng(11)


def _random_pdq() -> str:
    return RNG.integers(0, 256, 32, dtype=np.uint8).tobytes().hex()


def _flip(hex_hash: str, bits: int) -> str:
    """``hex_hash`` with its lowest ``bits`` bits inverted: that many bits away."""
    value = int(hex_hash, 16) ^ ((1 << bits) - 1)
    return f"{value:064x}"


class Pictures:
    """Code-generated JPEGs with their hashes."""

    def __init__(self, folder: Path, count: int) -> None:
        self.pdq: list[str] = []
        self.md5: list[str] = []
        self.sha1: list[str] = []
        self.sha256: list[str] = []
        for seed in range(count):
            path = folder / f"picture-{seed}.jpg"
            data = make_jpeg(path, size=(128, 96), seed=seed)
            hashes = hash_bytes(data)
            self.pdq.append(PDQ.compute(path))
            self.md5.append(hashes.md5)
            self.sha1.append(hashes.sha1)
            self.sha256.append(hashes.sha256)


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> Pictures:
    return Pictures(tmp_path_factory.mktemp("pictures"), 4)


def _bank(
    store: Store,
    name: str,
    pictures: Pictures,
    numbers: list[int],
    dissemination: str = "owner",
    named: tuple[str, ...] = (),
) -> int:
    with store.session() as session:
        bank = create_bank(session, name, dissemination=dissemination, named=named)
        session.add_all(
            BankEntry(
                bank_id=bank.id,
                md5=pictures.md5[n],
                sha1=pictures.sha1[n],
                sha256=pictures.sha256[n],
                pdq=pictures.pdq[n],
                pdq_quality=100,
                category="1",
                series="Series that must never leave",
                entry_metadata={"path": "/secret/path"},
            )
            for n in numbers
        )
        return bank.id


def _viewer(
    store: Store, agency: str = "LOCAL", roles: frozenset[Role] | None = None
) -> policy.Viewer:
    actor = Actor("asker", agency, roles if roles is not None else frozenset({Role.VIEWER}))
    with store.session() as session:
        return policy.resolve(session, actor)


def _lookup(
    store: Store, service: LookupService, viewer: policy.Viewer, signal: str, values: list[str]
) -> list[list[str]]:
    """For each value, the references of its matches."""
    with store.session():
        answers = service.lookup(store.session, viewer, signal, values)
    return [[m.reference for m in answer.matches] for answer in answers]


def test_exact_and_pdq_hits_and_misses(store: Store, pictures: Pictures) -> None:
    _bank(store, "known", pictures, [0, 1])
    service = LookupService()
    with store.session() as session:
        service.refresh(session)
    viewer = _viewer(store)
    for signal in ("md5", "sha1", "sha256", "pdq"):
        values = getattr(pictures, signal)
        found = _lookup(store, service, viewer, signal, values)
        assert [bool(refs) for refs in found] == [True, True, False, False], signal
    with store.session() as session:
        near = service.lookup(
            store.session, viewer, "pdq", [_flip(pictures.pdq[0], PDQ.default_threshold)]
        )
        far = service.lookup(
            store.session, viewer, "pdq", [_flip(pictures.pdq[0], PDQ.default_threshold + 1)]
        )
        entry_id = session.scalar(select(BankEntry.id).where(BankEntry.md5 == pictures.md5[0]))
    assert far[0].matches == ()
    (match,) = near[0].matches
    assert (match.bank, match.category, match.distance) == ("known", "1", PDQ.default_threshold)
    assert match.reference == f"vigil:entry:{entry_id}"
    # Upper case and padding are accepted; the answer names the value in canonical form.
    with store.session() as session:
        (answer,) = service.lookup(store.session, viewer, "md5", [f" {pictures.md5[1].upper()} "])
    assert answer.value == pictures.md5[1]
    assert answer.matched


def test_a_batch_answers_each_value_in_order(store: Store, pictures: Pictures) -> None:
    _bank(store, "known", pictures, [2])
    service = LookupService()
    with store.session() as session:
        service.refresh(session)
    values = [_random_pdq() for _ in range(500)]
    values[123] = pictures.pdq[2]
    found = _lookup(store, service, _viewer(store), "pdq", values)
    assert [n for n, refs in enumerate(found) if refs] == [123]


def test_a_partner_sees_only_the_banks_named_to_it(store: Store, pictures: Pictures) -> None:
    with store.session() as session:
        partner = create_agency(session, "PLATFORM", "A platform", AgencyKind.PARTNER)
        create_agency(session, "NCB-FR", "NCB France", AgencyKind.NCB, country="FR")
    _bank(store, "owner only", pictures, [0])
    _bank(store, "all members", pictures, [1], dissemination="all")
    named = _bank(store, "named", pictures, [2], dissemination="named", named=("PLATFORM",))
    service = LookupService()
    with store.session() as session:
        service.refresh(session)
    as_partner = _lookup(store, service, _viewer(store, "PLATFORM"), "sha256", pictures.sha256)
    as_member = _lookup(store, service, _viewer(store, "NCB-FR"), "sha256", pictures.sha256)
    as_owner = _lookup(store, service, _viewer(store), "sha256", pictures.sha256)
    assert [bool(refs) for refs in as_partner] == [False, False, True, False]
    assert [bool(refs) for refs in as_member] == [False, True, False, False]
    assert [bool(refs) for refs in as_owner] == [True, True, True, False]
    # Sharing a bank later is seen at the next refresh, with no rebuild.
    with store.session() as session:
        policy.grant(session, RecordType.BANK, named - 1, partner.id, GrantReason.REFERRAL, "test")
        service.refresh(session)
    as_partner = _lookup(store, service, _viewer(store, "PLATFORM"), "sha256", pictures.sha256)
    assert [bool(refs) for refs in as_partner] == [False, True, True, False]
    assert service.rebuilds == 1


def test_nothing_but_the_visible_facts_is_returned(store: Store, pictures: Pictures) -> None:
    _bank(store, "known", pictures, [0])
    service = LookupService()
    with store.session() as session:
        service.refresh(session)
        (answer,) = service.lookup(store.session, _viewer(store), "pdq", [pictures.pdq[0]])
    shown = repr(answer.matches)
    for secret in (
        "Series that must never leave",
        "/secret/path",
        pictures.md5[0],
        pictures.sha256[0],
    ):
        assert secret not in shown


def test_requests_are_checked_and_errors_name_the_value(store: Store) -> None:
    service = LookupService()
    viewer = _viewer(store)
    with store.session() as session:
        service.refresh(session)
        with pytest.raises(LookupInputError, match=r"hashes\[1\]: not an MD5 .*'xyz'"):
            service.lookup(store.session, viewer, "md5", ["0" * 32, "xyz"])
        with pytest.raises(LookupInputError, match="at most 10,000 values a request, got 10,001"):
            service.lookup(store.session, viewer, "pdq", ["0" * 64] * (MAX_BATCH + 1))
        with pytest.raises(LookupInputError, match="'vpdq' is not one of pdq, sha256, sha1, md5"):
            service.lookup(store.session, viewer, "vpdq", ["0" * 64])
        with pytest.raises(LookupInputError, match="at least one"):
            service.lookup(store.session, viewer, "pdq", [])
        assert (
            len(service.lookup(store.session, viewer, "pdq", ["0" * 64] * MAX_BATCH)) == MAX_BATCH
        )
        auditor = _viewer(store, roles=frozenset({Role.AUDITOR}))
        with pytest.raises(policy.ForbiddenError, match="may not lookup"):
            service.lookup(store.session, auditor, "pdq", ["0" * 64])


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        (["ab" * 32, " AB" + "cd" * 31 + "\t"], None),
        (["ab" * 32, "ab" * 15 + "  " + "ab" * 16], "hashes[1]"),
        (["ab" * 32, "ab" * 31 + "zz"], "hashes[1]"),
        (["ab" * 31 + "\u0661\u0662", "ab" * 32], "hashes[0]"),
        (["ab" * 32, "ab" * 32, ("ab" * 32).encode()], "hashes[2]"),
        (["ab" * 32, None], "hashes[1]"),
        (["ab" * 33], "hashes[0]"),
    ],
)
def test_a_batch_is_read_as_each_value_would_be(values: list[object], problem: str | None) -> None:
    """A batch is checked in one go; its answer, or the error naming the first bad value,
    must be what checking the values one by one gives."""
    one_by_one: list[str] = []
    expected = None
    for number, value in enumerate(values):
        try:
            one_by_one.append(PDQ.parse(value))
        except ValueError:
            expected = f"hashes[{number}]"
            break
    assert expected == problem
    if problem is None:
        assert parse_values(PDQ, values) == one_by_one
    else:
        with pytest.raises(LookupInputError, match=re.escape(problem)):
            parse_values(PDQ, values)
    assert parse_values(MD5, [" " + "AB" * 16]) == ["ab" * 16]


def _with_inserted(case: tuple[str, list[tuple[int, str]]]) -> str:
    text, inserts = case
    for position, char in inserts:
        text = text[:position] + char + text[position:]
    return text


# Hex digits of about the right length, with a few spaces, other digits or letters put in.
_HEXISH = st.tuples(
    st.text(alphabet="0123456789abcdefABCDEF", min_size=60, max_size=66),
    st.lists(st.tuples(st.integers(0, 66), st.sampled_from(" \t\n\u0661xz")), max_size=3),
).map(_with_inserted)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(values=st.lists(st.one_of(_HEXISH, st.just("ab" * 32), st.none()), min_size=1, max_size=6))
def test_a_batch_of_any_text_is_read_as_each_value_would_be(values: list[object]) -> None:
    """Bounded fuzz of the one-go check: hex-like text with spaces, other digits and wrong
    lengths gives the value-by-value answer, or the error naming the same first bad value."""
    one_by_one: list[str] = []
    for number, value in enumerate(values):
        try:
            one_by_one.append(PDQ.parse(value))
        except ValueError:
            with pytest.raises(LookupInputError, match=re.escape(f"hashes[{number}]:")):
                parse_values(PDQ, values)
            return
    assert parse_values(PDQ, values) == one_by_one


def _te_pdq_file(path: Path, hashes: list[str]) -> Path:
    path.write_text("".join(f"{h},100\n" for h in hashes))
    return path


def test_an_import_is_added_without_a_rebuild_and_a_deleted_one_dropped(
    store: Store, tmp_path: Path
) -> None:
    with store.session() as session:
        create_bank(session, "first")
        create_bank(session, "second")
    first = [_random_pdq() for _ in range(60)]
    second = [_random_pdq() for _ in range(200)]
    import_file(store.session, _te_pdq_file(tmp_path / "first.txt", first), "first")
    service = LookupService()
    with store.session() as session:
        service.refresh(session)
    assert (len(service), service.rebuilds) == (60, 1)
    with store.session() as session:
        assert service.refresh(session).added == 0  # nothing changed: nothing read
    import_file(store.session, _te_pdq_file(tmp_path / "second.txt", second), "second")
    with store.session() as session:
        outcome = service.refresh(session)
    assert (outcome.added, outcome.rebuilt) == (200, False)
    assert (len(service), service.pdq_count, service.rebuilds) == (260, 260, 1)
    viewer = _viewer(store)
    found = _lookup(store, service, viewer, "pdq", [first[0], second[-1], _random_pdq()])
    assert [bool(refs) for refs in found] == [True, True, False]
    with store.session() as session:
        delete_bank(session, "first")
    with store.session() as session:
        outcome = service.refresh(session)
    assert (outcome.dropped, outcome.rebuilt, len(service), service.rebuilds) == (
        60,
        False,
        200,
        1,
    )
    found = _lookup(store, service, viewer, "pdq", [first[0], second[-1]])
    assert [bool(refs) for refs in found] == [False, True]


def test_an_import_completing_late_is_taken_in(store: Store, tmp_path: Path) -> None:
    """Entries staged before newer ones were stored still arrive once their import completes."""
    from vigil.store.models import BankImport, ImportStatus

    with store.session() as session:
        bank_id = create_bank(session, "b").id
        staging = BankImport(
            bank_id=bank_id,
            file_name="f",
            file_sha256="0" * 64,
            format="te-pdq",
            entries=1,
            status=ImportStatus.STAGING.value,
        )
        session.add(staging)
        session.flush()
        late = _random_pdq()
        session.add(BankEntry(bank_id=bank_id, import_id=staging.id, pdq=late, entry_metadata={}))
        session.add(BankEntry(bank_id=bank_id, pdq=_random_pdq(), entry_metadata={}))
        import_id = staging.id
    service = LookupService()
    with store.session() as session:
        service.refresh(session)
    assert len(service) == 1
    with store.session() as session:
        session.get_one(BankImport, import_id).status = ImportStatus.COMPLETE.value
    with store.session() as session:
        outcome = service.refresh(session)
    assert (outcome.added, outcome.rebuilt, len(service)) == (1, False, 2)
    assert _lookup(store, service, _viewer(store), "pdq", [late]) != [[]]


def test_the_ledger_records_one_event_per_asker(store: Store, pictures: Pictures) -> None:
    from vigil.matching.lookup_ledger import LookupLedger

    _bank(store, "known", pictures, [0])
    service = LookupService()
    ledger = LookupLedger()
    viewer = _viewer(store)
    with store.session() as session:
        service.refresh(session)
        for _ in range(3):
            answers = service.lookup(store.session, viewer, "md5", pictures.md5)
            ledger.note(viewer.actor, "md5", answers)
        assert ledger.flush(session) == 1
        assert ledger.flush(session) == 0
    with store.session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == Action.LOOKUP.value)
        ).one()
    assert event.user_name == "asker"
    assert '"hashes":12' in event.details
    assert '"requests":3' in event.details
    assert '"matched":3' in event.details
    assert pictures.md5[0] not in event.details


def test_categories_stay_right_across_segments_and_rebuilds(store: Store) -> None:
    def add(bank: str, category: str) -> str:
        value = _random_pdq()
        with store.session() as session:
            bank_id = create_bank(session, bank).id
            session.add(BankEntry(bank_id=bank_id, pdq=value, category=category, entry_metadata={}))
        return value

    service = LookupService()
    first = add("a", "1")
    with store.session() as session:
        service.refresh(session)
    second = add("b", "3")
    with store.session() as session:
        service.refresh(session)
    assert service.segments == 2
    viewer = _viewer(store)

    def categories() -> list[str | None]:
        answers = service.lookup(store.session, viewer, "pdq", [first, second])
        return [answer.matches[0].category for answer in answers]

    assert categories() == ["1", "3"]
    with store.session() as session:
        delete_bank(session, "a")
    third = add("c", "2")
    with store.session() as session:
        service.refresh(session)  # half the entries dead: rebuilt
    assert service.rebuilds == 2
    answers = service.lookup(store.session, viewer, "pdq", [first, second, third])
    assert [[m.category for m in answer.matches] for answer in answers] == [[], ["3"], ["2"]]
