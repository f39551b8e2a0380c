"""The migrations create exactly the schema the models describe."""

from __future__ import annotations

from alembic import command

from vigil.store.db import Store, alembic_config


def test_models_and_migrations_agree(store: Store) -> None:
    # Raises if autogenerate would find anything to add, drop or alter.
    command.check(alembic_config(store.engine))
