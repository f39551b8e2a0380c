"""PDQ: conformance with Meta's reference hasher, fast-mode fidelity, comparison, errors."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdqhash
import pytest
from PIL import Image

from tests import imagegen
from vigil.media.errors import MediaError
from vigil.signals.base import Comparison
from vigil.signals.pdq import (
    MATCH_THRESHOLD,
    HashMode,
    PdqHash,
    compare,
    get_examples,
    hash_image_bytes,
    pdq_reference,
    validate_hex,
)


@dataclass(frozen=True)
class Vector:
    """One row of the conformance CSV, with the file's bytes and both of our hashes."""

    name: str
    size: tuple[int, int]
    mode: str
    expected: PdqHash
    reference: PdqHash
    fast: PdqHash


@pytest.fixture(scope="module")
def vectors(conformance_data: Path) -> list[Vector]:
    folder = conformance_data / "pdq"
    with (folder / "expected.csv").open(newline="") as listing:
        rows = list(csv.DictReader(listing))
    result = []
    for row in rows:
        data = (folder / "images" / row["file"]).read_bytes()
        width, height = (int(side) for side in row["width_x_height"].split("x"))
        result.append(
            Vector(
                name=row["file"],
                size=(width, height),
                mode=row["pil_mode"],
                expected=PdqHash(row["pdq_hex"], int(row["quality"])),
                reference=hash_image_bytes(data, "reference"),
                fast=hash_image_bytes(data, "fast"),
            )
        )
    assert len(result) == len(rows) > 30
    return result


def distance(a: PdqHash, b: PdqHash) -> int:
    return int(compare(a.hex, b.hex).distance)


def rgb_hash(pixels: np.ndarray) -> str:
    vector, _ = pdqhash.compute(np.ascontiguousarray(pixels))
    return np.packbits(vector.astype(np.uint8)).tobytes().hex()


def test_reference_mode_reproduces_every_conformance_vector(vectors: list[Vector]) -> None:
    misses = []
    for vector in vectors:
        allowed = 0 if max(vector.size) <= 512 else 16 if vector.mode == "1" else 8
        off = distance(vector.reference, vector.expected)
        if off > allowed or vector.reference.quality != vector.expected.quality:
            misses.append(f"{vector.name}: {off} bits off, quality {vector.reference.quality}")
    assert misses == []


def test_reference_mode_is_bit_exact_in_every_pillow_mode(vectors: list[Vector]) -> None:
    # The mode images are one photo stored as 1, CMYK, P, LA, RGBA, ...: each decodes its own way.
    modes = {vector.mode: vector for vector in vectors if "modes" in vector.name}
    assert {"1", "CMYK", "L", "LA", "P", "RGBA"} <= modes.keys()
    for vector in modes.values():
        assert vector.reference == vector.expected, vector.name


def test_sixteen_bit_vector_is_bit_exact(vectors: list[Vector]) -> None:
    (sixteen_bit,) = [vector for vector in vectors if vector.mode == "I;16"]
    assert sixteen_bit.reference == sixteen_bit.expected


def test_fast_mode_stays_close_to_reference_on_the_vectors(vectors: list[Vector]) -> None:
    distances = np.array([distance(vector.fast, vector.reference) for vector in vectors])
    assert distances.mean() <= 8
    assert np.percentile(distances, 99) <= 16
    # Only large JPEGs take the reduced decode; everything else is hashed as the reference does.
    for vector in vectors:
        if not vector.name.endswith((".jpg", ".jpeg")) or max(vector.size) <= 512:
            assert vector.fast == vector.reference, vector.name


def test_large_image_is_resized_as_the_reference_does() -> None:
    # Meta's hasher shrinks to 512x512 taking pixel floor(x * width / 512): not Pillow's centres.
    picture = imagegen.make_image(size=(1300, 700), seed=5)
    rows = np.arange(512) * 700 // 512
    cols = np.arange(512) * 1300 // 512
    expected = rgb_hash(np.asarray(picture)[rows][:, cols])
    assert pdq_reference(picture).hex == expected


def test_sixteen_bit_samples_keep_their_low_byte_as_the_reference_does() -> None:
    grey = np.asarray(imagegen.make_image(size=(80, 60), seed=2).convert("L"))
    high = np.random.default_rng(0).integers(0, 256, grey.shape, dtype=np.uint16)
    sixteen_bit = Image.fromarray((high << 8) | grey)
    assert sixteen_bit.mode == "I;16"
    assert pdq_reference(sixteen_bit).hex == rgb_hash(np.repeat(grey[:, :, None], 3, axis=2))


@pytest.mark.parametrize("mode", ["L", "LA", "RGBA", "P", "CMYK", "1"])
def test_reference_mode_hashes_the_rgb_the_reference_sees(mode: str) -> None:
    picture = imagegen.make_image(size=(120, 90), seed=4).convert(mode)
    assert pdq_reference(picture).hex == rgb_hash(np.asarray(picture.convert("RGB")))


def test_fast_mode_on_a_large_jpeg_is_close_to_reference() -> None:
    # Big enough for a 1/4-scale decode; drawn small and enlarged, which is much quicker.
    picture = imagegen.make_image(size=(275, 263), seed=9)
    enlarged = picture.resize((2200, 2100), Image.Resampling.NEAREST)
    data = imagegen.encode(enlarged, "JPEG", quality=92)
    fast, reference = hash_image_bytes(data, "fast"), hash_image_bytes(data, "reference")
    assert distance(fast, reference) <= 16
    assert fast.quality == reference.quality == 100


def test_fast_mode_handles_cmyk_jpegs() -> None:
    picture = imagegen.make_image(size=(1100, 800), seed=11).convert("CMYK")
    data = imagegen.encode(picture, "JPEG", quality=92)
    assert distance(hash_image_bytes(data, "fast"), hash_image_bytes(data, "reference")) <= 16


@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_tiny_images_get_the_empty_hash_with_quality_zero(mode: HashMode) -> None:
    data = imagegen.make_jpeg(size=(4, 4))
    assert hash_image_bytes(data, mode) == PdqHash("0" * 64, 0)


@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_flat_pictures_are_unreliable(mode: HashMode) -> None:
    data = imagegen.encode(Image.new("RGB", (300, 200), (90, 90, 90)), "PNG")
    assert not hash_image_bytes(data, mode).reliable
    assert hash_image_bytes(imagegen.make_png(size=(300, 200)), mode).reliable


@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_broken_files_raise_media_errors(mode: HashMode) -> None:
    data = imagegen.make_jpeg(size=(800, 600))
    with pytest.raises(MediaError) as caught:
        hash_image_bytes(data[:2000], mode)
    assert caught.value.stage == "decode"


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown PDQ mode"):
        hash_image_bytes(imagegen.make_png(), "slow")  # type: ignore[arg-type]


def test_compare_counts_differing_bits() -> None:
    zero = "0" * 64
    assert compare(zero, zero) == Comparison(matched=True, distance=0)
    assert compare(zero, "f" * 8 + "0" * 56) == Comparison(matched=False, distance=32)
    assert compare(zero, "f" * 7 + "e" + "0" * 56) == Comparison(True, MATCH_THRESHOLD)
    assert compare(zero, "f" * 64, threshold=256) == Comparison(matched=True, distance=256)


def test_hex_is_validated_and_canonicalised() -> None:
    assert validate_hex(" " + "AB" * 32 + "\n") == "ab" * 32
    for bad in ["ab" * 31, "ab" * 33, "zz" * 32]:
        with pytest.raises(ValueError, match="not a PDQ hash"):
            compare(bad, "0" * 64)


def test_examples_are_near_duplicates_of_one_photo() -> None:
    examples = get_examples()
    assert len(set(examples)) == len(examples) >= 2
    assert [validate_hex(example) for example in examples] == examples
    assert all(compare(examples[0], other).matched for other in examples[1:])
