"""The preview key: made owner-only on first use, refused when open to others, or from the env."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from vigil.previews.keys import KEY_BYTES, KEY_ENV, KEY_FILE_NAME, PreviewKeyError, load_key


@pytest.fixture(autouse=True)
def _no_key_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)


def test_first_use_creates_an_owner_only_key_and_reuses_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    key = load_key(data_dir)
    path = data_dir / KEY_FILE_NAME
    assert len(key) == KEY_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert load_key(data_dir) == key
    assert [p.name for p in data_dir.iterdir()] == [KEY_FILE_NAME]  # no temporary left behind


def test_two_data_dirs_get_different_keys(tmp_path: Path) -> None:
    assert load_key(tmp_path / "a") != load_key(tmp_path / "b")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620])
def test_a_key_file_open_to_group_or_others_is_refused(tmp_path: Path, mode: int) -> None:
    load_key(tmp_path)
    path = tmp_path / KEY_FILE_NAME
    path.chmod(mode)
    with pytest.raises(PreviewKeyError) as caught:
        load_key(tmp_path)
    assert str(path) in str(caught.value)
    assert f"chmod 600 {path}" in str(caught.value)


def test_a_malformed_key_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE_NAME
    path.write_text(base64.b64encode(b"short").decode())
    path.chmod(0o600)
    with pytest.raises(PreviewKeyError, match="decodes to 5 bytes") as caught:
        load_key(tmp_path)
    assert str(path) in str(caught.value)


def test_the_environment_key_wins_and_no_file_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = bytes(range(KEY_BYTES))
    monkeypatch.setenv(KEY_ENV, base64.b64encode(key).decode())
    assert load_key(tmp_path) == key
    assert not (tmp_path / KEY_FILE_NAME).exists()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("not base64!", "not valid base64"),
        (base64.b64encode(b"x" * 16).decode(), "decodes to 16 bytes"),
    ],
)
def test_a_bad_environment_key_is_one_line_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, problem: str
) -> None:
    monkeypatch.setenv(KEY_ENV, value)
    with pytest.raises(PreviewKeyError) as caught:
        load_key(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{KEY_ENV} must be {KEY_BYTES} random bytes in base64")
    assert problem in message
    assert "\n" not in message
    assert value not in message  # a secret is never echoed
