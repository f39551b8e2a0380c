"""What decoders print or warn is kept with the file's record, and never reaches the terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.imagegen import (
    make_jpeg,
    make_tiff_libtiff_fails,
    make_tiff_libtiff_warns,
    make_tiff_pillow_warns,
)
from vigil.config import Settings, sqlite_url
from vigil.ingest.records import FileResult, FileTask
from vigil.ingest.worker import WorkerOptions, process_file
from vigil.media.capture import MAX_MESSAGE_CHARS, MAX_MESSAGES, decoder_output
from vigil.store.db import Store
from vigil.store.models import IngestError, Media, Sighting

LIBTIFF_WARNING = "JPEGLib: Unsupported marker type 0x7c."
PILLOW_WARNING = "UserWarning: Metadata Warning, tag 282 had too many entries: 2, expected 1"
LIBTIFF_ERROR = "Strip 0 not terminated with EOI code"


def test_c_output_and_python_warnings_are_kept_not_shown(capfd: pytest.CaptureFixture[str]) -> None:
    with decoder_output() as said:
        os.write(2, b"libfoo: first line\nlibfoo: second line\n")
        warnings.warn("odd tag", UserWarning, stacklevel=1)
    assert said == ["UserWarning: odd tag", "libfoo: first line", "libfoo: second line"]
    assert capfd.readouterr().err == ""
    # Standard error is back where it was afterwards.
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


def test_nothing_said_is_an_empty_list() -> None:
    with decoder_output() as said:
        pass
    assert said == []


def test_what_is_kept_is_bounded_and_repeats_are_counted() -> None:
    with decoder_output() as said:
        os.write(2, b"same thing\n" * 50)
        for index in range(3 * MAX_MESSAGES):
            os.write(2, f"message {index} ".encode() + b"x" * 1000 + b"\n")
    assert said[0] == "same thing (x50)"
    assert len(said) == MAX_MESSAGES + 1
    assert said[-1] == f"... and {2 * MAX_MESSAGES + 1} more messages"
    assert all(len(line) <= MAX_MESSAGE_CHARS + len(" (x50)") for line in said)


def test_addresses_that_change_every_run_are_left_out() -> None:
    with decoder_output() as said:
        os.write(2, b"[h264 @ 0x55d0c8a3f2c0] error while decoding MB 3 2\n")
    assert said == ["[h264] error while decoding MB 3 2"]


def ingest_one(folder: Path, name: str, data: bytes) -> FileResult:
    """``data`` ingested by a worker as the file ``name`` in ``folder``."""
    (folder / name).write_bytes(data)
    task = FileTask(name.encode(), len(data), 0.0)
    return process_file(os.fsencode(folder), task, WorkerOptions())


@pytest.mark.parametrize(
    ("make", "said"),
    [(make_tiff_libtiff_warns, LIBTIFF_WARNING), (make_tiff_pillow_warns, PILLOW_WARNING)],
)
def test_warnings_of_a_decoded_picture_go_in_its_metadata(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], make: Callable[[], bytes], said: str
) -> None:
    result = ingest_one(tmp_path, "scan.tif", make())
    assert result.media is not None, result.error_reason
    assert result.media.metadata["warnings"] == [said]
    assert capfd.readouterr().err == ""


def test_what_the_decoder_said_ends_the_reason_a_file_failed(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    result = ingest_one(tmp_path, "scan.tif", make_tiff_libtiff_fails())
    assert result.media is None
    assert result.error_stage == "decode"
    assert result.error_reason is not None
    assert "(the decoder said: " in result.error_reason
    assert LIBTIFF_ERROR in result.error_reason
    assert capfd.readouterr().err == ""


def test_an_ordinary_photo_has_no_warnings(tmp_path: Path) -> None:
    result = ingest_one(tmp_path, "a.jpg", make_jpeg(size=(160, 120)))
    assert result.media is not None
    assert "warnings" not in result.media.metadata


def test_vigil_ingest_keeps_decoder_output_off_the_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "card"
    folder.mkdir()
    for copy in range(3):  # each file's record gets its own messages, not only the first's
        (folder / f"warns-{copy}.tif").write_bytes(make_tiff_libtiff_warns(seed=copy))
        (folder / f"pillow-{copy}.tif").write_bytes(make_tiff_pillow_warns(seed=copy))
        (folder / f"fails-{copy}.tif").write_bytes(make_tiff_libtiff_fails(seed=copy))
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k != "VIGIL_DATABASE_URL"}
    command = [sys.executable, "-m", "vigil", "ingest", str(folder), "--case", "OP-1", "--json"]
    result = subprocess.run(
        [*command, "--workers", "2", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    # The terminal shows the progress line and nothing a decoder said (stdout is the summary).
    for said in ("JPEGLib", "Metadata Warning", LIBTIFF_ERROR, "Warning", "TIFF"):
        assert said not in result.stderr
    assert json.loads(result.stdout)["files"] == 9

    store = Store(Settings(data_dir=data_dir, database_url=sqlite_url(data_dir)))
    with store.session() as session:
        warned = {
            s.path: s.media.media_metadata.get("warnings")
            for s in session.scalars(select(Sighting).join(Media))
        }
        errors = {e.path: e.reason for e in session.scalars(select(IngestError))}
    assert {path: said for path, said in warned.items() if path.startswith("warns")} == {
        f"warns-{copy}.tif": [LIBTIFF_WARNING] for copy in range(3)
    }
    assert {path: said for path, said in warned.items() if path.startswith("pillow")} == {
        f"pillow-{copy}.tif": [PILLOW_WARNING] for copy in range(3)
    }
    assert sorted(errors) == [f"fails-{copy}.tif" for copy in range(3)]
    assert all(LIBTIFF_ERROR in reason for reason in errors.values())
