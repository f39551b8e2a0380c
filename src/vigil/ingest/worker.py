"""What a worker process does with one file: read it once, hash it, read its metadata."""

from __future__ import annotations

import errno
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

from vigil.ingest.records import FileResult, FileTask, MediaRecord
from vigil.media.capture import MAX_MESSAGE_CHARS, decoder_output
from vigil.media.errors import MediaError
from vigil.media.image import DEFAULT_MAX_PIXELS, open_image_header
from vigil.media.metadata import read_metadata
from vigil.media.sniff import HEADER_BYTES, Sniffed, extension_fits, sniff
from vigil.media.video import probe_video
from vigil.signals.crypto import CryptoHashes, hash_bytes, hash_stream
from vigil.signals.pdq_variants import hash_image_variants
from vigil.signals.vpdq import hash_video_frames, to_json

PdqMode = Literal["fast", "reference"]

# Files up to this size are read into memory once and decoded from there; larger files are
# hashed as a stream (only videos and non-media are that large in practice).
IN_MEMORY_LIMIT = 256 * 1024 * 1024
# An image file larger than this is not decoded (no phone or camera writes one).
MAX_IMAGE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class WorkerOptions:
    """How workers hash: PDQ mode, video sampling interval and picture size limit."""

    pdq_mode: PdqMode = "fast"
    video_seconds_per_frame: float = 1.0
    #: Largest picture decoded (see :func:`vigil.media.image.pixel_limit`): set by the
    #: memory budget (:mod:`vigil.ingest.budget`).
    max_pixels: int = DEFAULT_MAX_PIXELS


def _read_error(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ELOOP:
        return "is a symbolic link (not followed)"
    return exc.strerror or str(exc)


def _extension_mismatch(path: bytes, sniffed: Sniffed) -> str | None:
    """The file's extension if it does not fit what the content is."""
    suffix = os.path.splitext(path)[1].decode("utf-8", "replace").lower().lstrip(".")
    if not suffix or extension_fits(sniffed.format, suffix):
        return None
    return suffix


def _image_record(
    data: bytes, hashes: CryptoHashes, sniffed: Sniffed, options: WorkerOptions
) -> MediaRecord:
    image = open_image_header(data, max_pixels=options.max_pixels)
    # Hashing decodes this very image, at reduced size for large JPEGs: take the size first.
    width, height = image.size
    variants = hash_image_variants(image, options.pdq_mode)
    # After decoding, so that a PNG's eXIf chunk stored after the pixels is seen too.
    metadata = read_metadata(image).to_json()
    return MediaRecord(
        sha256=hashes.sha256,
        sha1=hashes.sha1,
        md5=hashes.md5,
        size=len(data),
        kind="image",
        format=sniffed.format,
        mime=sniffed.mime,
        width=width,
        height=height,
        pdq=variants.hash.hex,
        pdq_quality=variants.hash.quality,
        pdq_variants=variants.to_json(),
        metadata=metadata,
    )


def _video_record(
    path: bytes, hashes: CryptoHashes, size: int, sniffed: Sniffed, options: WorkerOptions
) -> MediaRecord:
    fs_path = Path(os.fsdecode(path))
    info = probe_video(fs_path)
    video = hash_video_frames(fs_path, seconds_per_frame=options.video_seconds_per_frame)
    details = asdict(info)
    if video.truncated is not None:
        # Kept, not refused: the frames before the cut still match; the flag says it is partial.
        details["truncated"] = video.truncated
    return MediaRecord(
        sha256=hashes.sha256,
        sha1=hashes.sha1,
        md5=hashes.md5,
        size=size,
        kind="video",
        format=sniffed.format,
        mime=sniffed.mime,
        width=info.width,
        height=info.height,
        duration=info.duration,
        vpdq=to_json(video.frames),
        metadata={"video": details},
    )


def _read(path: bytes) -> tuple[bytes, CryptoHashes, int]:
    """The file's leading bytes (or all of it if small), its hashes and its size."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size <= IN_MEMORY_LIMIT:
            data = handle.read()
            return data, hash_bytes(data), len(data)
        header = handle.read(HEADER_BYTES)
        handle.seek(0)
        hashes, size = hash_stream(handle)
        return header, hashes, size


def process_file(root: bytes, task: FileTask, options: WorkerOptions) -> FileResult:
    """Ingest one file; any problem becomes a failed result, never an exception.

    What the decoders print or warn meanwhile is kept with the file, not shown: as the
    media's ``metadata["warnings"]``, or at the end of the reason a file failed.
    """
    with decoder_output() as said:
        result = _process_file(root, task, options)
    return _with_decoder_output(result, said) if said else result


def _with_decoder_output(result: FileResult, said: list[str]) -> FileResult:
    if result.media is not None:
        metadata = {**result.media.metadata, "warnings": said}
        return replace(result, media=replace(result.media, metadata=metadata))
    told = "; ".join(said)[:MAX_MESSAGE_CHARS]
    return replace(result, error_reason=f"{result.error_reason} (the decoder said: {told})")


def _process_file(root: bytes, task: FileTask, options: WorkerOptions) -> FileResult:
    path = task.absolute(root)
    try:
        data, hashes, size = _read(path)
    except OSError as exc:
        return FileResult.failed(task, "read", _read_error(exc), root=root)
    if size == 0:
        return FileResult.failed(task, "read", "empty file (0 bytes)", hashes.sha256)
    sniffed = sniff(data[:HEADER_BYTES])
    try:
        if sniffed.kind == "image":
            if size > MAX_IMAGE_BYTES or len(data) < size:
                raise MediaError("decode", f"image file too large to decode ({size} bytes)")
            record = _image_record(data, hashes, sniffed, options)
        elif sniffed.kind == "video":
            record = _video_record(path, hashes, size, sniffed, options)
        else:
            record = MediaRecord(
                sha256=hashes.sha256,
                sha1=hashes.sha1,
                md5=hashes.md5,
                size=size,
                kind="other",
                format=sniffed.format,
                mime=sniffed.mime,
            )
    except MediaError as exc:
        reason = f"{sniffed.format}: {exc.reason}"
        return FileResult.failed(task, exc.stage, reason, hashes.sha256, root=root)
    except Exception as exc:  # a decoder bug must cost one file, never the run
        reason = f"{sniffed.format}: unexpected {type(exc).__name__}: {exc}"
        return FileResult.failed(task, "internal", reason, hashes.sha256, root=root)
    mismatch = _extension_mismatch(task.relpath, sniffed)
    return FileResult(task=task, media=record, extension_mismatch=mismatch)
