"""Finding identification records by name across agencies (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from tests.cases.world import world
from vigil.cases.names import find_location, find_series
from vigil.cases.series import create_series
from vigil.sharing.policy import NotVisibleError
from vigil.store.db import Store
from vigil.store.models import Level


def test_a_name_picks_the_own_record_then_the_only_one_then_asks_for_code(store: Store) -> None:
    with store.session() as session:
        w = world(session)
        theirs_a = create_series(session, w.a, "GARDEN", level=Level.ALL)
        theirs_c = create_series(session, w.c, "GARDEN", level=Level.ALL)
        create_series(session, w.c, "CELLAR-HIDDEN")
        with pytest.raises(
            NotVisibleError, match=r"several agencies' records \(A/GARDEN, C/GARDEN\)"
        ):
            find_series(session, w.b, "GARDEN")
        assert find_series(session, w.b, "C/GARDEN").id == theirs_c.id
        assert find_series(session, w.a, "GARDEN").id == theirs_a.id
        mine = create_series(session, w.b, "GARDEN")
        assert find_series(session, w.b, "GARDEN").id == mine.id


def test_hidden_and_missing_names_are_refused_alike(store: Store) -> None:
    with store.session() as session:
        w = world(session)
        create_series(session, w.a, "SHOWN", level=Level.ALL)
        create_series(session, w.a, "HIDDEN")
        with pytest.raises(NotVisibleError) as hidden:
            find_series(session, w.b, "HIDDEN")
        with pytest.raises(NotVisibleError) as missing:
            find_series(session, w.b, "NOWHERE")
        assert str(hidden.value) == str(missing.value).replace("NOWHERE", "HIDDEN")
        assert "A/SHOWN" in str(hidden.value)
        assert "A/HIDDEN" not in str(hidden.value)
        with pytest.raises(NotVisibleError, match="give its number"):
            find_location(session, w.b, "the cellar")
