"""The preview key: 32 random bytes that encrypt every stored preview.

Read from ``VIGIL_PREVIEW_KEY`` (base64) when set, else from ``<data_dir>/preview.key``, which
is made on first use, owner-only. A key file that group or others can read is refused: anyone
who can read it can read every preview, so it is not quietly used.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import stat
import tempfile
from contextlib import suppress
from pathlib import Path

from vigil.store.db import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE

KEY_ENV = "VIGIL_PREVIEW_KEY"
KEY_FILE_NAME = "preview.key"
KEY_BYTES = 32  # AES-256
_GROUP_OR_OTHERS = stat.S_IRWXG | stat.S_IRWXO


class PreviewKeyError(Exception):
    """The preview key cannot be read or made; the message says what to fix."""


def load_key(data_dir: Path) -> bytes:
    """The preview key: from ``VIGIL_PREVIEW_KEY``, else the data directory's key file.

    The key file is created (0600) when there is none. Raises :class:`PreviewKeyError` for a
    malformed key or a key file readable by group or others.
    """
    encoded = os.environ.get(KEY_ENV)
    if encoded:
        return _decode(encoded, f"{KEY_ENV} must be")
    path = data_dir / KEY_FILE_NAME
    if not path.exists():
        _create_key_file(path)
    return _read_key_file(path)


def encode_key(key: bytes) -> str:
    """``key`` as written in the key file and in ``VIGIL_PREVIEW_KEY``."""
    return base64.b64encode(key).decode("ascii")


def _decode(encoded: str, subject: str) -> bytes:
    # The message never repeats the value: it is a secret, and may be most of a good one.
    expected = f"{subject} {KEY_BYTES} random bytes in base64 (44 characters)"
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        raise PreviewKeyError(f"{expected}; the value is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise PreviewKeyError(f"{expected}; the value decodes to {len(key)} bytes")
    return key


def _create_key_file(path: Path) -> None:
    """Write a new key to ``path`` unless another process has just done so.

    The key is written whole to a private temporary file and then linked into place, which
    fails if the name exists: no process ever reads a half-written key, and two processes
    starting together end up with the same one.
    """
    try:
        path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".preview-key-")
    except OSError as exc:
        raise PreviewKeyError(f"cannot create preview key {path}: {exc.strerror}") from exc
    try:
        os.fchmod(handle, PRIVATE_FILE_MODE)
        with os.fdopen(handle, "w", encoding="ascii") as f:
            f.write(encode_key(secrets.token_bytes(KEY_BYTES)) + "\n")
            f.flush()
            os.fsync(f.fileno())
        with suppress(FileExistsError):
            os.link(temporary, path)
    except OSError as exc:
        raise PreviewKeyError(f"cannot create preview key {path}: {exc.strerror}") from exc
    finally:
        with suppress(FileNotFoundError):
            os.unlink(temporary)


def _read_key_file(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode
        if mode & _GROUP_OR_OTHERS:
            raise PreviewKeyError(
                f"preview key {path} is open to group or others (mode {stat.filemode(mode)}); "
                f"make it owner-only with: chmod 600 {path}"
            )
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not base64 text"
        raise PreviewKeyError(f"cannot read preview key {path}: {reason}") from exc
    return _decode(text, f"preview key {path} must hold")
