"""Ingest runs follow their seizure's rule: a run of a seizure the viewer may not see is
neither listed nor counted, and asking for it is refused as for a run that does not exist.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.imagegen import make_jpeg
from vigil.ingest.pipeline import IngestRequest, ingest
from vigil.reports.runs import list_runs, newest_run, run_detail
from vigil.sharing.actor import Actor
from vigil.sharing.agencies import create_agency
from vigil.sharing.policy import NotVisibleError, Viewer, resolve
from vigil.sharing.records import UNSHARED_CASE
from vigil.store.db import Store
from vigil.store.models import AgencyKind, Level


def actor(code: str) -> Actor:
    return Actor(f"officer-{code.lower()}", code)


def viewer(session: Session, code: str) -> Viewer:
    return resolve(session, actor(code))


def _ingest(store: Store, folder: Path, code: str, case: str, level: Level, files: int) -> int:
    folder.mkdir()
    for seed in range(files):
        make_jpeg(folder / f"{folder.name}-{seed}.jpg", size=(64, 48), seed=seed)
    ingest(
        store,
        IngestRequest(
            root=folder,
            case_reference=case,
            seizure_name=folder.name,
            actor=actor(code),
            dissemination=level,
        ),
    )
    with store.session() as session:
        opened = newest_run(session, viewer(session, code), case, folder.name)
    assert opened is not None
    return opened.id


@pytest.fixture
def runs(store: Store, tmp_path: Path) -> dict[str, int]:
    with store.session() as session:
        for code in ("AAA", "BBB"):
            create_agency(session, code, f"Unit {code}", AgencyKind.SPECIALISED_UNIT, country="FR")
    return {
        "hidden": _ingest(store, tmp_path / "a-hidden", "AAA", "A-1", Level.OWNER, 2),
        "shared": _ingest(store, tmp_path / "a-shared", "AAA", "A-1", Level.ALL, 3),
        "own": _ingest(store, tmp_path / "b-own", "BBB", "B-1", Level.OWNER, 1),
    }


def test_runs_of_hidden_seizures_are_not_listed_or_counted(
    store: Store, runs: dict[str, int]
) -> None:
    with store.session() as session:
        beta = list_runs(session, viewer(session, "BBB"), 10, 0)
        alpha = list_runs(session, viewer(session, "AAA"), 10, 0)
        page = list_runs(session, viewer(session, "BBB"), 1, 1)
    assert [run.id for run in beta.items] == [runs["own"], runs["shared"]]
    assert beta.total == 2
    assert [run.id for run in alpha.items] == [runs["shared"], runs["hidden"]]
    assert [run.id for run in page.items] == [runs["shared"]]
    assert page.total == 2


def test_a_run_carries_its_seizure_and_summary(store: Store, runs: dict[str, int]) -> None:
    with store.session() as session:
        shown = run_detail(session, viewer(session, "AAA"), runs["shared"])
    assert (shown.case, shown.seizure, shown.status) == ("A-1", "a-shared", "completed")
    assert shown.summary.files == 3
    assert shown.files_total == 3


def test_a_run_shared_wider_than_its_case_does_not_name_the_case(
    store: Store, runs: dict[str, int]
) -> None:
    with store.session() as session:
        shown = run_detail(session, viewer(session, "BBB"), runs["shared"])
        listed = list_runs(session, viewer(session, "BBB"), 10, 0)
    assert (shown.case, shown.seizure) == (UNSHARED_CASE, "a-shared")
    assert [run.case for run in listed.items] == ["B-1", UNSHARED_CASE]


def test_a_hidden_run_is_refused_as_a_missing_one(store: Store, runs: dict[str, int]) -> None:
    with store.session() as session:
        beta = viewer(session, "BBB")
        missing = 1 + max(runs.values())
        with pytest.raises(NotVisibleError) as hidden:
            run_detail(session, beta, runs["hidden"])
        with pytest.raises(NotVisibleError) as absent:
            run_detail(session, beta, missing)
    assert str(hidden.value) == f"run_id: no ingest run {runs['hidden']}"
    assert str(absent.value) == f"run_id: no ingest run {missing}"


def test_newest_run_is_none_before_any_ingest(store: Store, runs: dict[str, int]) -> None:
    with store.session() as session:
        assert newest_run(session, viewer(session, "BBB"), "B-1", "no-such-seizure") is None
