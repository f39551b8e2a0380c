"""Two processes appending to the audit trail at once keep one chain (SQLite, PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import REPO_ROOT
from vigil.sharing.audit_chain import verify_chain
from vigil.store.db import Store
from vigil.store.models import AuditEvent

EACH = 40
# Two fresh interpreters importing Vigil and opening the store take most of the time.
pytestmark = pytest.mark.slow


def test_concurrent_appends_keep_one_chain(store: Store, tmp_path: Path) -> None:
    start = tmp_path / "start"
    settings = store.settings
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.sharing.audit_appender",
                str(settings.data_dir),
                settings.database_url,
                user,
                str(EACH),
                str(start),
            ],
            cwd=REPO_ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for user in ("ana", "ben")
    ]
    # Both open their stores first, so that neither has appended everything before the other
    # starts (as it could while the other was still importing).
    deadline = time.monotonic() + 120
    while not all(Path(f"{start}.{user}.ready").exists() for user in ("ana", "ben")):
        assert time.monotonic() < deadline, "the appenders never got ready"
        assert all(writer.poll() is None for writer in writers), "an appender died"
        time.sleep(0.01)
    start.touch()
    for writer in writers:
        _, stderr = writer.communicate(timeout=120)
        assert writer.returncode == 0, stderr

    with store.session() as session:
        result = verify_chain(session)
        rows = session.execute(select(AuditEvent.seq, AuditEvent.user_name)).all()
    assert result.intact, result.problem
    assert result.events == 2 * EACH
    assert sorted(seq for seq, _ in rows) == list(range(1, 2 * EACH + 1))
    users = [user for _, user in sorted(rows)]
    assert users.count("ana") == users.count("ben") == EACH
    # They did run at once: the chain interleaves the two writers.
    switches = sum(1 for a, b in pairwise(users) if a != b)
    assert switches >= 2
