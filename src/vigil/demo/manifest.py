"""What a demo seizure contains, recorded file by file as the builder writes it."""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

# Files get fixed modification times, one step apart in writing order, from this instant
# (2023-06-01 08:00 UTC), so two builds are identical down to their metadata.
FIRST_MTIME = 1_685_606_400
MTIME_STEP = 17 * 60


@dataclass(frozen=True)
class DerivedFile:
    """A file made from another one in the seizure: ``change`` says how (e.g. "resized")."""

    path: PurePosixPath
    source: PurePosixPath
    change: str


@dataclass(frozen=True)
class BadFile:
    """A file an ingest must record as an error, and the defect it has."""

    path: PurePosixPath
    problem: str


@dataclass(frozen=True)
class DemoManifest:
    """Everything written into a demo seizure; paths are relative to ``root``.

    ``images`` and ``videos`` hold every file that decodes as such, whatever its name, including
    derived files, duplicates, ``misnamed`` files and ``odd_names``. ``non_media`` holds the
    other readable files (the ``.vigil-demo`` marker among them) and ``bad_files`` the files
    that must fail. ``symlink_loops`` are directory links to an ancestor, not files.
    """

    root: Path
    images: tuple[PurePosixPath, ...]
    videos: tuple[PurePosixPath, ...]
    non_media: tuple[PurePosixPath, ...]
    bad_files: tuple[BadFile, ...]
    derived: tuple[DerivedFile, ...]
    duplicates: tuple[DerivedFile, ...]
    misnamed: tuple[PurePosixPath, ...]
    odd_names: tuple[PurePosixPath, ...]
    symlink_loops: tuple[PurePosixPath, ...]
    distinct_media: int
    total_bytes: int

    @property
    def file_count(self) -> int:
        """Regular files written (symlinks not counted)."""
        return len(self.images) + len(self.videos) + len(self.non_media) + len(self.bad_files)

    def counts(self) -> dict[str, int]:
        """Number of files of each kind, for summaries and checks."""
        return {
            "images": len(self.images),
            "videos": len(self.videos),
            "non_media": len(self.non_media),
            "bad_files": len(self.bad_files),
            "duplicates": len(self.duplicates),
            "derived": len(self.derived),
            "distinct_media": self.distinct_media,
            "files": self.file_count,
        }


class SeizureWriter:
    """Writes the files of a demo seizure under ``root`` and remembers what each one is."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._contents: dict[PurePosixPath, bytes] = {}
        self._images: list[PurePosixPath] = []
        self._videos: list[PurePosixPath] = []
        self._non_media: list[PurePosixPath] = []
        self._bad_files: list[BadFile] = []
        self._derived: list[DerivedFile] = []
        self._duplicates: list[DerivedFile] = []
        self._misnamed: list[PurePosixPath] = []
        self._odd_names: list[PurePosixPath] = []
        self._symlink_loops: list[PurePosixPath] = []

    def write(self, path: str, data: bytes) -> PurePosixPath:
        """Write ``data`` at ``path`` (relative, '/'-separated) with the next fixed mtime."""
        relative = PurePosixPath(path)
        target = self.root.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        mtime = FIRST_MTIME + MTIME_STEP * len(self._contents)
        os.utime(target, (mtime, mtime))
        self._contents[relative] = data
        return relative

    def content(self, path: PurePosixPath) -> bytes:
        """The bytes already written at ``path``."""
        return self._contents[path]

    def image(self, path: str, data: bytes) -> PurePosixPath:
        """Write a file that decodes as an image."""
        written = self.write(path, data)
        self._images.append(written)
        return written

    def video(self, path: str, data: bytes) -> PurePosixPath:
        """Write a file that decodes as a video."""
        written = self.write(path, data)
        self._videos.append(written)
        return written

    def derived_image(self, path: str, data: bytes, source: PurePosixPath, change: str) -> None:
        """Write an image made from the image at ``source``."""
        self._derived.append(DerivedFile(self.image(path, data), source, change))

    def derived_video(self, path: str, data: bytes, source: PurePosixPath, change: str) -> None:
        """Write a video made from the video at ``source``."""
        self._derived.append(DerivedFile(self.video(path, data), source, change))

    def duplicate(self, path: str, source: PurePosixPath) -> None:
        """Write an exact copy of the media file at ``source``."""
        data = self.content(source)
        copy = self.video(path, data) if source in self._videos else self.image(path, data)
        self._duplicates.append(DerivedFile(copy, source, "exact copy"))

    def misnamed(self, path: PurePosixPath) -> None:
        """Mark an already written file as having an extension that lies about its content."""
        self._misnamed.append(path)

    def odd_name(self, path: PurePosixPath) -> None:
        """Mark an already written file as having a name that is not valid UTF-8."""
        self._odd_names.append(path)

    def non_media(self, path: str, data: bytes) -> PurePosixPath:
        """Write a readable file that is neither image nor video."""
        written = self.write(path, data)
        self._non_media.append(written)
        return written

    def bad_file(self, path: str, data: bytes, problem: str) -> None:
        """Write a file that an ingest must report as an error because of ``problem``."""
        self._bad_files.append(BadFile(self.write(path, data), problem))

    def symlink_loop(self, path: str) -> None:
        """Make ``path`` a directory link to its own parent directory."""
        relative = PurePosixPath(path)
        link = self.root.joinpath(*relative.parts)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to("..", target_is_directory=True)
        self._symlink_loops.append(relative)

    def finish(self) -> DemoManifest:
        """Fix the times of links and folders (which writing files keeps changing) and
        return the manifest."""
        last = FIRST_MTIME + MTIME_STEP * len(self._contents)
        for link in self._symlink_loops:
            os.utime(self.root.joinpath(*link.parts), (last, last), follow_symlinks=False)
        for folder, _, _ in os.walk(self.root, topdown=False):
            os.utime(folder, (last, last))
        media = [self._contents[path] for path in (*self._images, *self._videos)]
        return DemoManifest(
            root=self.root,
            images=tuple(self._images),
            videos=tuple(self._videos),
            non_media=tuple(self._non_media),
            bad_files=tuple(self._bad_files),
            derived=tuple(self._derived),
            duplicates=tuple(self._duplicates),
            misnamed=tuple(self._misnamed),
            odd_names=tuple(self._odd_names),
            symlink_loops=tuple(self._symlink_loops),
            distinct_media=len({hashlib.sha256(data).digest() for data in media}),
            total_bytes=sum(len(data) for data in self._contents.values()),
        )
