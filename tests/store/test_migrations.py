"""The migrations create exactly the schema the models describe."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.util import CommandError
from sqlalchemy import Connection, select, text
from sqlalchemy.exc import IntegrityError

from vigil.store.db import Store, alembic_config
from vigil.store.models import Match, MatchReview, Seizure

T = {"t": datetime(2026, 1, 2, tzinfo=UTC)}


def test_models_and_migrations_agree(store: Store) -> None:
    # Raises if autogenerate would find anything to add, drop or alter.
    command.check(alembic_config(store.engine))


def test_network_migration_keeps_owners_and_verdicts(store: Store) -> None:
    """From 0005 to 0006: seizures take their case's agency, verdicts become that agency's."""
    config = alembic_config(store.engine)
    command.downgrade(config, "0005")
    with store.engine.begin() as connection:
        run = connection.execute
        run(text("INSERT INTO agency (id, code, name, created_at) VALUES (7, 'X', 'X', :t)"), T)
        run(
            text("INSERT INTO cases (id, agency_id, reference, created_at) VALUES (3, 7, 'C', :t)"),
            T,
        )
        run(text("INSERT INTO seizure (id, case_id, name, created_at) VALUES (5, 3, 's', :t)"), T)
        run(
            text(
                "INSERT INTO ingest_run (id, seizure_id, root_path, status, pdq_mode, workers,"
                " resumes, files_total, started_at)"
                " VALUES (1, 5, '/', 'complete', 'fast', 1, 0, 2, :t)"
            ),
            T,
        )
        for media_id in (1, 2):
            run(
                text(
                    "INSERT INTO media (id, sha256, sha1, md5, size, kind, format, mime, metadata,"
                    " first_seen_at) VALUES (:i, :h, :h, :h, 1, 'image', 'jpeg', 'image/jpeg',"
                    " '{}', :t)"
                ),
                {"i": media_id, "h": str(media_id) * 32, **T},
            )
            run(
                text(
                    "INSERT INTO sighting (media_id, seizure_id, ingest_run_id, path, path_raw,"
                    " size, mtime) VALUES (:i, 5, 1, :p, :r, 1, 0)"
                ),
                {"i": media_id, "p": f"{media_id}.jpg", "r": f"{media_id}.jpg".encode()},
            )
        run(
            text(
                "INSERT INTO match (id, media_id, target_key, other_media_id, signal, verdict,"
                " reviewed_by, review_note, reviewed_at, created_at) VALUES (9, 1, 'media:2', 2,"
                " 'pdq', 'rejected', 'ana', 'not the same room', :t, :t)"
            ),
            T,
        )
    command.upgrade(config, "head")
    with store.session() as session:
        assert session.get_one(Seizure, 5).agency_id == 7
        assert session.get_one(Seizure, 5).dissemination == "owner"
        assert session.get_one(Match, 9).agency_id == 7
        review = session.scalars(select(MatchReview)).one()
        assert (review.match_id, review.agency_id, review.verdict, review.reviewed_by) == (
            9,
            7,
            "rejected",
            "ana",
        )
        assert review.note == "not the same room"
    command.downgrade(config, "0005")
    with store.engine.connect() as connection:
        back = connection.execute(text("SELECT verdict, reviewed_by FROM match WHERE id = 9")).one()
    assert tuple(back) == ("rejected", "ana")
    command.upgrade(config, "head")


def _bank(connection: Connection, bank_id: int, agency_id: int, name: str) -> None:
    connection.execute(
        text(
            "INSERT INTO bank (id, name, agency_id, dissemination, category_scheme, created_at)"
            " VALUES (:i, :n, :a, 'owner', 'VICS-US', :t)"
        ),
        {"i": bank_id, "n": name, "a": agency_id, **T},
    )


def test_bank_names_are_unique_per_agency_from_0006(store: Store) -> None:
    """0006 lets two agencies name banks alike; going back is refused while any do."""
    config = alembic_config(store.engine)
    with store.engine.begin() as connection:
        for agency_id, code in ((7, "A"), (8, "B")):
            connection.execute(
                text("INSERT INTO agency (id, code, name, created_at) VALUES (:i, :c, :c, :t)"),
                {"i": agency_id, "c": code, **T},
            )
        _bank(connection, 1, 7, "X")
        _bank(connection, 2, 8, "X")
        connection.execute(
            text("INSERT INTO bank_entry (bank_id, md5, metadata) VALUES (1, :h, '{}')"),
            {"h": "a" * 32},
        )
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        _bank(connection, 3, 7, "X")
    with pytest.raises(CommandError, match=r"several agencies have a bank named 'X'; rename"):
        command.downgrade(config, "0005")
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM bank WHERE id = 2"))
    command.downgrade(config, "0005")
    # Before 0006 a name is the network's; the rebuilt table kept the bank and its entry.
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        _bank(connection, 2, 8, "X")
    with store.engine.connect() as connection:
        kept = connection.execute(text("SELECT bank_id, md5 FROM bank_entry")).one()
    assert tuple(kept) == (1, "a" * 32)
    command.upgrade(config, "head")
    with store.engine.begin() as connection:
        _bank(connection, 2, 8, "X")
    command.check(config)
