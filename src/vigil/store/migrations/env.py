"""Alembic environment: runs migrations on the engine Vigil hands it.

Every pending migration runs inside one transaction held by one process at a time (see
``migration_connection``), so no migration has to do anything special to be all-or-nothing.
"""

from alembic import context

from vigil.store.db import migration_connection
from vigil.store.models import Base

engine = context.config.attributes["engine"]
with migration_connection(engine) as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        # Alembic assumes SQLite's DDL is not transactional; on this connection it is.
        transactional_ddl=True,
    )
    migration = context.get_context()
    before = tuple(sorted(migration.get_current_heads()))
    context.run_migrations()
    # For whoever asked for the upgrade: what this run changed (read under the lock).
    context.config.attributes["revisions"] = (
        before,
        tuple(sorted(migration.get_current_heads())),
    )
