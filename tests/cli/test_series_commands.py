"""`vigil series ...` and `vigil victim ...` through the real CLI: a series made, media
assigned from a file (all or nothing), a victim identified, and one-line refusals."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from tests.banks.samples import VICS_1_HASH_SET
from tests.cases.world import world
from tests.sharing.records import add_media, add_seizure
from vigil.cli.main import app
from vigil.config import Settings
from vigil.store.db import Store
from vigil.store.models import BankEntry


def _cli(settings: Settings, *args: str, agency: str = "A") -> tuple[int, str, str]:
    options = ["--database-url", settings.database_url, "--data-dir", str(settings.data_dir)]
    result = CliRunner().invoke(
        app, [*args, "--agency", agency, *options], env={"VIGIL_USER": "tester"}
    )
    return result.exit_code, result.stdout, result.stderr


def _media(store: Store) -> tuple[str, str, str]:
    """A's two pictures and B's one, by SHA-256."""
    with store.session() as session:
        world(session)
        shas = []
        for owner, tag in (("A", "a-1"), ("A", "a-2"), ("B", "b-1")):
            media = add_media(session, tag)
            add_seizure(session, owner, f"{owner}-{tag}", media)
            shas.append(media.sha256)
    return shas[0], shas[1], shas[2]


def test_a_series_gets_media_from_a_file_all_or_nothing(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    first, second, theirs = _media(store)
    code, stdout, _ = _cli(settings, "series", "create", "Blue room", "--level", "all")
    assert code == 0, stdout
    listing = tmp_path / "media.txt"
    listing.write_text(f"{first}\n\n{theirs}\n", encoding="utf-8")
    code, _, stderr = _cli(settings, "series", "assign", "Blue room", "--from-file", str(listing))
    assert code == 2
    assert f"media.txt, line 3: '{theirs}': no media {theirs}" in stderr
    assert len(stderr.strip().splitlines()) == 1
    listing.write_text(f"{first}\n{second}\n", encoding="utf-8")
    code, stdout, _ = _cli(settings, "series", "assign", "Blue room", "--from-file", str(listing))
    assert code == 0
    assert "2 media assigned" in stdout
    code, stdout, _ = _cli(settings, "series", "show", "A/Blue room", "--json", agency="B")
    shown = json.loads(stdout)
    assert shown["name"] == "A/Blue room"
    assert shown["media_total"] == 2
    code, stdout, _ = _cli(settings, "series", "history", "Blue room", "--json")
    assert [c["action"] for c in json.loads(stdout)] == ["created", "media_assigned"]


def test_identifying_a_victim_through_the_cli(store: Store, settings: Settings) -> None:
    _media(store)
    assert _cli(settings, "series", "create", "garden")[0] == 0
    assert _cli(settings, "victim", "create", "V-1", "--sex", "female", "--country", "PH")[0] == 0
    assert _cli(settings, "series", "link", "garden", "--victim", "V-1")[0] == 0
    code, stdout, _ = _cli(settings, "victim", "identify", "V-1", "--on", "2026-03-01", "--by", "B")
    assert code == 0
    assert "identified 2026-03-01 by B" in stdout
    code, stdout, _ = _cli(settings, "series", "show", "garden", "--json")
    assert json.loads(stdout)["status"] == "victim_identified"
    assert json.loads(stdout)["victims"] == [{"id": 1, "name": "V-1"}]
    code, _, stderr = _cli(settings, "victim", "safeguard", "V-1")
    assert code == 0
    code, _, stderr = _cli(settings, "victim", "identify", "V-1")
    assert code == 2
    assert "never goes back" in stderr
    code, _, stderr = _cli(settings, "victim", "show", "V-1", agency="B")
    assert code == 2
    assert "no victim 'V-1'" in stderr
    code, _, stderr = _cli(settings, "victim", "create", "V-2", "--country", "ZZ")
    assert "country: 'ZZ' is not an ISO 3166-1 alpha-2" in stderr


def test_a_bank_import_makes_its_series(store: Store, settings: Settings, tmp_path: Path) -> None:
    _media(store)
    listing = tmp_path / "vics.json"
    listing.write_text(VICS_1_HASH_SET, encoding="utf-8")
    code, stdout, stderr = _cli(
        settings, "bank", "import", str(listing), "--bank", "vics", "--create"
    )
    assert code == 0, stderr
    code, stdout, _ = _cli(settings, "series", "list", "--json")
    assert "Made-up series" in [s["name"] for s in json.loads(stdout)["items"]]
    with store.session() as session:
        named = set(session.scalars(select(BankEntry.series).where(BankEntry.series.is_not(None))))
    assert len(json.loads(stdout)["items"]) == len(named)
