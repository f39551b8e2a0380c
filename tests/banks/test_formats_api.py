"""The format layer's front door: detection, dispatch, errors, streaming, category schemes."""

from __future__ import annotations

import io
import os
import pickle
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.banks.samples import (
    ICSE_SAMPLE,
    MD5_A,
    NO_HEADER,
    PDQ_A,
    VICS_1_HASH_SET,
    VICS_2_CASES,
    VICS_2_HASH_SET,
    read_all,
)
from vigil.banks.formats import (
    FORMATS,
    SCHEMES,
    BankFormatError,
    KnownHash,
    detect_format,
    read_hashes,
    scheme_for,
    write_hashes,
)
from vigil.banks.formats.detect import PEEK_BYTES


def _file(tmp_path: Path, content: bytes, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (VICS_1_HASH_SET.encode(), "vics"),
        (b"\xef\xbb\xbf" + VICS_2_HASH_SET.encode(), "vics"),
        (VICS_2_CASES.encode(), "vics"),
        (ICSE_SAMPLE.encode(), "icse-csv"),
        (f"{PDQ_A},100\n".encode(), "te-pdq"),
        (f"{MD5_A}\r\n".encode(), "hashlist"),
        (f"\n# comment\nsha256:{PDQ_A}\n".encode(), "hashlist"),
        (b"", "hashlist"),
    ],
)
def test_detection_goes_by_content_not_name(tmp_path: Path, content: bytes, expected: str) -> None:
    # Every sample is given a misleading name.
    assert detect_format(_file(tmp_path, content, "list.csv.json.txt")) == expected


def test_detection_reads_only_the_start(tmp_path: Path) -> None:
    lines = f"{MD5_A}\n" * (PEEK_BYTES // 33 + 1)
    path = _file(tmp_path, lines.encode() + b"\x00\xff not a hash \n", "big.txt")
    assert detect_format(path) == "hashlist"
    with pytest.raises(BankFormatError, match=r"line \d+: is not UTF-8 text"):
        read_all(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"hashes": []}', "is JSON but not VICS: no @odata.context or odata.metadata"),
        (
            b"\x89PNG\r\n\x1a\n",
            "line 1: '\\x89PNG' starts no known hash list (vics, icse-csv, hashlist, te-pdq)",
        ),
        (
            b"# list\nMD5,SHA1\n",
            "line 2: 'MD5,SHA1' starts no known hash list (vics, icse-csv, hashlist, te-pdq)",
        ),
    ],
)
def test_unknown_formats_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = _file(tmp_path, content, "mystery.bin")
    with pytest.raises(BankFormatError) as caught:
        read_hashes(path)
    text = str(caught.value).replace("\ufffd", "\\x89")
    assert text.startswith(f"{path}: {message}")


def test_an_unknown_format_name_is_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, f"{MD5_A}\n".encode(), "list.txt")
    with pytest.raises(BankFormatError) as caught:
        read_hashes(path, "xml")
    assert str(caught.value) == (
        f"{path}: 'xml' is not a known format (known: vics, icse-csv, hashlist, te-pdq)"
    )
    with pytest.raises(ValueError, match="unknown hash-list format 'xml'"):
        write_hashes([], "xml", io.BytesIO(), NO_HEADER)


@pytest.mark.parametrize("fmt", [None, *FORMATS])
def test_a_missing_file_is_a_format_error_at_once(tmp_path: Path, fmt: str | None) -> None:
    path = tmp_path / "nowhere.json"
    with pytest.raises(BankFormatError) as caught:
        read_hashes(path, fmt)
    assert str(caught.value) == f"{path}: cannot be read (No such file or directory)"


def _not_regular(kind: str, folder: Path) -> Path:
    """A directory, FIFO, socket or character device to be given as a hash list."""
    if kind == "directory":
        return folder
    if kind == "character device":
        return Path(os.devnull)
    path = folder / kind
    if kind == "FIFO (named pipe)":
        os.mkfifo(path)
    else:
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(path))
        listener.close()
    return path


@pytest.mark.parametrize("fmt", [None, *FORMATS])
@pytest.mark.parametrize("kind", ["directory", "FIFO (named pipe)", "socket", "character device"])
def test_only_regular_files_are_read(tmp_path: Path, kind: str, fmt: str | None) -> None:
    path = _not_regular(kind, tmp_path)
    failures: list[BaseException] = []

    def read() -> None:
        try:
            read_all(path, fmt)
        except BaseException as exc:
            failures.append(exc)

    # A FIFO opened plainly blocks until a writer comes: run the read aside and watch it.
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=5)
    if reader.is_alive() and kind.startswith("FIFO"):
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))  # lets the stuck reader go
    assert not reader.is_alive(), f"reading a {kind} blocked"
    (failure,) = failures
    assert isinstance(failure, BankFormatError)
    assert str(failure) == f"{path}: is a {kind}, not a regular file; give a hash-list file"


@pytest.mark.parametrize("fmt", FORMATS)
def test_writing_streams(fmt: str) -> None:
    out = io.BytesIO()
    written: list[str] = []

    def entries() -> Iterator[KnownHash]:
        for n in range(3):
            md5, pdq = f"{n:032x}", f"{n:064x}"
            yield KnownHash(md5=md5, pdq=pdq)
            # Asked for the next entry, the writer has already put this one out.
            written.append(pdq if fmt == "te-pdq" else md5)
            assert written[-1].encode() in out.getvalue()

    assert write_hashes(entries(), fmt, out, NO_HEADER) == 3
    assert len(written) == 3


def test_error_message_and_attributes() -> None:
    error = BankFormatError(
        "hashes.json",
        "record 3",
        "is not an MD5 (32 hex digits, got 33)",
        field="MD5",
        value="a" * 33,
    )
    assert (
        str(error)
        == f"hashes.json: record 3: field MD5: '{'a' * 33}' is not an MD5 (32 hex digits, got 33)"
    )
    assert (error.path, error.location, error.field, error.value) == (
        "hashes.json",
        "record 3",
        "MD5",
        "a" * 33,
    )
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.field, copy.value) == (str(error), "MD5", "a" * 33)
    long = BankFormatError("x.txt", None, "is too long", value="p" * 500)
    assert len(str(long)) < 120
    assert str(long).endswith("… is too long")
    assert isinstance(error, ValueError)


def test_known_hash_signal() -> None:
    assert not KnownHash(category="1", series="S").has_signal()
    assert KnownHash(photodna="opaque").has_signal()


def test_category_schemes_are_data() -> None:
    assert set(SCHEMES) == {"VICS-US"}
    scheme = scheme_for("VICS-US")
    assert scheme.name == "VICS-US"
    assert dict(scheme.labels) == {
        "0": "non-pertinent",
        "1": "child abuse material",
        "2": "child exploitive (non-CAM) / age difficult",
        "3": "CGI / animation",
        "4": "comparison images",
    }
    with pytest.raises(ValueError, match=r"unknown category scheme 'VICS-XX' \(known: VICS-US\)"):
        scheme_for("VICS-XX")
