"""Previews encrypted at rest with AES-GCM, one file per media and kind.

A preview of media ``sha256`` lives at ``<data_dir>/previews/<sha[:2]>/<sha[2:4]>/<sha256>.<kind>``
as a version tag, a random 12-byte nonce and the ciphertext. The media's SHA-256 and the kind
are the associated data: a file copied over another media's preview, or a strip renamed as a
thumbnail, fails to decrypt instead of showing the wrong picture.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Literal, get_args

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vigil.signals.registry import SHA256
from vigil.store.db import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE

#: A still image's clear thumbnail, a video's clear strip of frames, or the blurred greyscale
#: image made from either (what pages show, kept so that a page load only decrypts); all JPEG.
PreviewKind = Literal["thumb", "strip", "blur"]
PREVIEW_KINDS: tuple[PreviewKind, ...] = get_args(PreviewKind)
VAULT_DIR_NAME = "previews"
_VERSION = b"VGP1"
_NONCE_BYTES = 12  # AES-GCM's standard nonce; random, so never reused in practice for one key


class PreviewVaultError(Exception):
    """A stored preview cannot be read or written; the message names the file."""


class PreviewVault:
    """The encrypted previews under one data directory, read and written with one key."""

    def __init__(self, data_dir: Path, key: bytes) -> None:
        self.root = data_dir / VAULT_DIR_NAME
        self._aead = AESGCM(key)

    def path(self, sha256: str, kind: PreviewKind) -> Path:
        """Where the ``kind`` preview of media ``sha256`` is kept.

        Raises ValueError for a value that is not a SHA-256 or not a preview kind (either
        would otherwise become part of a file name).
        """
        digest = SHA256.parse(sha256)
        if kind not in PREVIEW_KINDS:
            known = ", ".join(PREVIEW_KINDS)
            raise ValueError(f"preview kind must be one of {known}, not {kind!r}")
        return self.root / digest[:2] / digest[2:4] / f"{digest}.{kind}"

    def has(self, sha256: str, kind: PreviewKind) -> bool:
        """True when a ``kind`` preview of media ``sha256`` is stored."""
        return self.path(sha256, kind).is_file()

    def put(self, sha256: str, kind: PreviewKind, data: bytes) -> None:
        """Store ``data`` as the ``kind`` preview of media ``sha256``, replacing any earlier one.

        Written to a temporary file and renamed into place, so a reader sees the old preview
        or the new one, never part of one.
        """
        path = self.path(sha256, kind)
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = _VERSION + nonce + self._aead.encrypt(nonce, data, _associated(path.stem, kind))
        try:
            path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
        except OSError as exc:
            raise PreviewVaultError(f"cannot write preview {path}: {exc.strerror}") from exc
        try:
            os.fchmod(handle, PRIVATE_FILE_MODE)
            with os.fdopen(handle, "wb") as f:
                f.write(sealed)
            os.replace(temporary, path)
        except OSError as exc:
            raise PreviewVaultError(f"cannot write preview {path}: {exc.strerror}") from exc
        finally:
            with suppress(FileNotFoundError):
                os.unlink(temporary)

    def get(self, sha256: str, kind: PreviewKind) -> bytes | None:
        """The ``kind`` preview of media ``sha256``, or None when none is stored.

        Raises :class:`PreviewVaultError` naming the file when it does not decrypt: altered,
        moved from another media's or kind's place, or written with another preview key.
        """
        path = self.path(sha256, kind)
        try:
            sealed = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise PreviewVaultError(f"cannot read preview {path}: {exc.strerror}") from exc
        header = len(_VERSION) + _NONCE_BYTES
        if len(sealed) < header or not sealed.startswith(_VERSION):
            raise PreviewVaultError(f"preview {path} is not a Vigil preview file")
        nonce = sealed[len(_VERSION) : header]
        try:
            return self._aead.decrypt(nonce, sealed[header:], _associated(path.stem, kind))
        except InvalidTag:
            raise PreviewVaultError(
                f"preview {path} does not decrypt: it was altered, belongs to other media, "
                "or was written with another preview key"
            ) from None


def _associated(digest: str, kind: PreviewKind) -> bytes:
    """The associated data binding a preview to its media, its kind and the file format."""
    return _VERSION + b"\0" + digest.encode("ascii") + b"\0" + kind.encode("ascii")
