"""PDQ variants: agreement with pdqhash's dihedral hashes, finding turned, mirrored and
letterboxed copies, trimming borders, storage form."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pdqhash
import pytest
from PIL import Image, ImageOps

from tests import imagegen
from vigil.demo.samples import SAMPLE_PHOTOS, load_sample_photo
from vigil.signals import _luma
from vigil.signals.pdq import (
    HashMode,
    PdqHash,
    compare,
    hash_image_bytes,
    pdq_reference,
)
from vigil.signals.pdq_fast import DIHEDRAL_NAMES, LumaPicture, pdq_dihedral, pdq_hex
from vigil.signals.pdq_variants import PdqVariants, best_match, hash_image_variants
from vigil.signals.unletterbox import PictureBox, find_picture_box, find_picture_box_in_luma

# pdqhash.compute_dihedral's order, under our names (Meta's flip X is top-bottom).
PDQHASH_ORDER = [
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "mirror_y",
    "mirror_x",
    "transpose",
    "transverse",
]
TRANSPOSES = {
    "rotate90": Image.Transpose.ROTATE_90,
    "rotate180": Image.Transpose.ROTATE_180,
    "rotate270": Image.Transpose.ROTATE_270,
    "mirror_x": Image.Transpose.FLIP_LEFT_RIGHT,
    "mirror_y": Image.Transpose.FLIP_TOP_BOTTOM,
    "transpose": Image.Transpose.TRANSPOSE,
    "transverse": Image.Transpose.TRANSVERSE,
}


def bits_apart(a_hex: str, b_hex: str) -> int:
    return int(compare(a_hex, b_hex).distance)


def reference_dihedral(pixels: np.ndarray) -> dict[str, str]:
    vectors, _ = pdqhash.compute_dihedral(np.ascontiguousarray(pixels))
    return {
        name: np.packbits(vector.astype(np.uint8)).tobytes().hex()
        for name, vector in zip(PDQHASH_ORDER, vectors, strict=True)
    }


def jpeg(picture: Image.Image, quality: int = 90) -> bytes:
    return imagegen.encode(picture.convert("RGB"), "JPEG", quality=quality)


@pytest.fixture(scope="module")
def coffee() -> Image.Image:
    # 600x400: over 512 px, so its JPEG takes fast mode's reduced luma path.
    return load_sample_photo("coffee")


@pytest.fixture(scope="module")
def coffee_variants(coffee: Image.Image) -> PdqVariants:
    return hash_image_variants(jpeg(coffee))


def test_each_variant_is_the_pdq_of_the_turned_picture() -> None:
    # Sampled for real: the resize and blur of PDQ are not mirror-symmetric, so a variant is
    # only this close because the turned picture's own pixels are read.
    pictures = [load_sample_photo(name) for name in ("coffee", "rocket", "camera")]
    pictures += [imagegen.make_image(size=size, seed=3) for size in [(96, 64), (333, 77)]]
    for picture in pictures:
        luma = picture.convert("L")
        ours, quality = pdq_dihedral(LumaPicture.full_size(np.asarray(luma)))
        assert list(ours) == list(DIHEDRAL_NAMES)
        assert (ours["original"], quality) == pdq_hex(LumaPicture.full_size(np.asarray(luma)))
        for name, transpose in TRANSPOSES.items():
            turned = LumaPicture.full_size(np.asarray(luma.transpose(transpose)))
            # Transposed pictures are blurred columns first: float rounding may flip a bit.
            assert bits_apart(ours[name], pdq_hex(turned)[0]) <= 2, name


def test_variants_stay_close_to_meta_dihedral_hashes_on_photos() -> None:
    # Meta's compute_dihedral derives variants from the DCT; on ordinary photos (not fine
    # texture) both ways agree to within a few bits. Photos of at most 512 px, which PDQ does
    # not resize (pdqhash leaves the resize to its caller).
    for name in ("chelsea", "astronaut"):
        picture = load_sample_photo(name).convert("RGB")
        ours, _ = pdq_dihedral(LumaPicture.full_size(np.asarray(picture.convert("L"))))
        meta = reference_dihedral(np.asarray(picture))
        for variant in DIHEDRAL_NAMES:
            assert bits_apart(ours[variant], meta[variant]) <= 16, (name, variant)


def test_each_variant_stands_for_the_picture_turned_that_way(coffee: Image.Image) -> None:
    variants = hash_image_variants(imagegen.encode(coffee, "PNG"), "reference")
    own = {"original": variants.hash.hex, **variants.dihedral}
    for name, transpose in TRANSPOSES.items():
        turned = pdq_reference(coffee.transpose(transpose)).hex
        distances = {other: bits_apart(turned, hex_digits) for other, hex_digits in own.items()}
        assert min(distances, key=distances.__getitem__) == name
        # The variants hash Pillow's 8-bit luma, the reference the float luma of the RGB.
        assert distances[name] <= 4


@pytest.mark.parametrize("mode", ["fast", "reference"])
@pytest.mark.parametrize(
    "data",
    [
        imagegen.make_png(size=(300, 200), seed=1),
        imagegen.make_png(size=(900, 700), seed=2),
        imagegen.make_jpeg(size=(1300, 900), seed=3),
        imagegen.encode(imagegen.make_image(size=(1100, 800), seed=4).convert("CMYK"), "JPEG"),
        imagegen.make_jpeg(size=(4, 4)),
    ],
    ids=["small-png", "large-png", "large-jpeg", "cmyk-jpeg", "tiny"],
)
def test_own_hash_is_exactly_hash_image_bytes(data: bytes, mode: HashMode) -> None:
    assert hash_image_variants(data, mode).hash == hash_image_bytes(data, mode)


def test_own_hash_is_hash_image_bytes_on_every_conformance_vector(
    conformance_data: Path,
) -> None:
    images = sorted((conformance_data / "pdq" / "images").iterdir())
    assert len(images) > 30
    for image in images:
        data = image.read_bytes()
        assert hash_image_variants(data).hash == hash_image_bytes(data), image.name


@pytest.mark.parametrize(
    ("transpose", "label"),
    [
        (Image.Transpose.FLIP_LEFT_RIGHT, "mirror_x"),
        (Image.Transpose.FLIP_TOP_BOTTOM, "mirror_y"),
        # Turning the copy a further 270 degrees counter-clockwise brings it back.
        (Image.Transpose.ROTATE_90, "rotate270"),
        (Image.Transpose.ROTATE_180, "rotate180"),
    ],
)
def test_turned_and_mirrored_copies_match_via_their_variant(
    coffee: Image.Image, coffee_variants: PdqVariants, transpose: Image.Transpose, label: str
) -> None:
    copy = hash_image_variants(jpeg(coffee.transpose(transpose)))
    assert not compare(copy.hash.hex, coffee_variants.hash.hex).matched
    match = best_match(copy, coffee_variants.hash.hex)
    assert match is not None
    assert match[0] == label, match


@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_letterboxed_copies_match_via_the_trimmed_picture(
    coffee: Image.Image, coffee_variants: PdqVariants, mode: HashMode
) -> None:
    width, height = coffee.size
    black_bars = ImageOps.expand(coffee, (0, height // 6, 0, height // 6), fill=(0, 0, 0))
    white_bars = ImageOps.expand(coffee, (width // 5, 0, width // 5, 0), fill=(255, 255, 255))
    for letterboxed in (black_bars, white_bars):
        copy = hash_image_variants(jpeg(letterboxed), mode)
        assert copy.unletterboxed is not None
        assert set(copy.unletterboxed_dihedral) == set(DIHEDRAL_NAMES[1:])
        assert not compare(copy.hash.hex, coffee_variants.hash.hex).matched
        assert best_match(copy, coffee_variants.hash.hex) == (
            "unletterboxed",
            bits_apart(copy.unletterboxed.hex, coffee_variants.hash.hex),
        )


def test_mirrored_and_letterboxed_copy_needs_both(
    coffee: Image.Image, coffee_variants: PdqVariants
) -> None:
    mirrored = coffee.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    letterboxed = ImageOps.expand(mirrored, (0, 80, 0, 80), fill=(20, 40, 160))
    match = best_match(hash_image_variants(jpeg(letterboxed)), coffee_variants.hash.hex)
    assert match is not None
    assert match[0] == "unletterboxed+mirror_x"


@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_picture_without_borders_has_no_unletterboxed_hash(
    coffee: Image.Image, mode: HashMode
) -> None:
    variants = hash_image_variants(jpeg(coffee), mode)
    assert variants.unletterboxed is None
    assert variants.unletterboxed_dihedral == {}
    assert [label for label, _ in variants.queries()] == list(DIHEDRAL_NAMES)
    assert variants.queries()[0] == ("original", variants.hash.hex)


def test_unrelated_pictures_do_not_match(coffee_variants: PdqVariants) -> None:
    for name in ["astronaut", "chelsea", "rocket"]:
        other = hash_image_variants(jpeg(load_sample_photo(name)))
        assert best_match(other, coffee_variants.hash.hex) is None
        assert best_match(coffee_variants, other.hash.hex) is None


def test_the_original_wins_ties_and_the_threshold_is_honoured() -> None:
    target = "f" * 4 + "0" * 60
    tied = "f" * 8 + "0" * 56  # 16 bits from the target, as the original is
    variants = PdqVariants(PdqHash("0" * 64, 100), dict.fromkeys(DIHEDRAL_NAMES[1:], tied))
    assert best_match(variants, target) == ("original", 16)
    assert best_match(variants, target, threshold=15) is None
    closer = dict(variants.dihedral, rotate180="f" * 3 + "0" * 61)
    assert best_match(PdqVariants(variants.hash, closer), target) == ("rotate180", 4)


def test_queries_skip_an_unreliable_trimmed_picture() -> None:
    dihedral = {name: f"{index:064x}" for index, name in enumerate(DIHEDRAL_NAMES[1:], start=1)}
    trimmed_dihedral = dict.fromkeys(DIHEDRAL_NAMES[1:], "c" * 64)
    variants = PdqVariants(PdqHash("a" * 64, 90), dihedral, PdqHash("b" * 64, 30), trimmed_dihedral)
    assert [label for label, _ in variants.queries()] == list(DIHEDRAL_NAMES)
    # Equal hashes are queried once, under the first label.
    assert variants.queries(min_quality=30)[len(DIHEDRAL_NAMES) :] == [
        ("unletterboxed", "b" * 64),
        ("unletterboxed+rotate90", "c" * 64),
    ]


@pytest.mark.parametrize("bordered", [False, True])
def test_json_round_trip(coffee: Image.Image, bordered: bool) -> None:
    picture = ImageOps.expand(coffee, (0, 70, 0, 70), fill=(0, 0, 0)) if bordered else coffee
    variants = hash_image_variants(jpeg(picture))
    assert (variants.unletterboxed is not None) == bordered
    stored = json.loads(json.dumps(variants.to_json()))
    assert PdqVariants.from_json(stored) == variants
    assert PdqVariants.from_json(stored).queries() == variants.queries()


def test_bad_json_is_refused_with_a_reason(coffee_variants: PdqVariants) -> None:
    good = coffee_variants.to_json()
    missing_variant = json.loads(json.dumps(good))
    del missing_variant["original"]["dihedral"]["rotate90"]
    bad_hex = json.loads(json.dumps(good))
    bad_hex["original"]["pdq"] = "xyz"
    for bad, reason in [
        ({**good, "version": 99}, "version"),
        (missing_variant, "must have the variants"),
        (bad_hex, "not a PDQ hash"),
    ]:
        with pytest.raises(ValueError, match=reason):
            PdqVariants.from_json(bad)


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown PDQ mode"):
        hash_image_variants(imagegen.make_png(), "slow")  # type: ignore[arg-type]


def framed(colour: tuple[int, int, int], sides: tuple[int, int, int, int]) -> np.ndarray:
    """A 200x300 detailed picture inside bars of ``colour`` (left, top, right, bottom)."""
    picture = imagegen.make_image(size=(300, 200), seed=8)
    return np.asarray(ImageOps.expand(picture, sides, fill=colour))


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255), (90, 160, 30)])
def test_borders_of_any_colour_are_trimmed_side_by_side(colour: tuple[int, int, int]) -> None:
    pixels = framed(colour, (0, 40, 25, 10))
    assert find_picture_box(pixels) == PictureBox(top=40, bottom=240, left=0, right=300)
    luma = Image.fromarray(pixels).convert("L")
    expected = PictureBox(top=40, bottom=240, left=0, right=300)
    assert find_picture_box(np.asarray(luma)) == expected
    assert find_picture_box_in_luma(luma) == expected


def test_noisy_borders_within_the_tolerance_are_trimmed() -> None:
    pixels = framed((0, 0, 0), (30, 30, 30, 30)).astype(np.int16)
    noise = np.random.default_rng(1).integers(0, 12, pixels.shape)
    border = np.ones(pixels.shape[:2], dtype=bool)
    border[30:-30, 30:-30] = False
    pixels[border] += noise[border]
    assert find_picture_box(pixels.astype(np.uint8)) == PictureBox(30, 230, 30, 330)


def test_no_box_without_a_real_border() -> None:
    # Thinner than one cell of PDQ's 64x64 grid on every side: not worth another hash.
    assert find_picture_box(framed((0, 0, 0), (2, 2, 2, 2))) is None
    # A flat picture, or too little left inside the bars.
    assert find_picture_box(np.full((200, 300), 128.0, dtype=np.float32)) is None
    small = np.asarray(ImageOps.expand(imagegen.make_image(size=(40, 40)), 100, fill=(0, 0, 0)))
    assert find_picture_box(small) is None
    assert find_picture_box(np.zeros((3, 3), dtype=np.uint8)) is None


def test_image_without_a_uniform_edge_line_has_no_box() -> None:
    picture = imagegen.make_image(size=(300, 200), seed=8)
    assert find_picture_box_in_luma(picture.convert("L")) is None
    with pytest.raises(ValueError, match="expected a luma image"):
        find_picture_box_in_luma(picture)


def test_detailed_sample_photos_have_no_border() -> None:
    # A picture's own flat sky may count as a border (camera.png's does): only an extra query.
    found = {
        name: find_picture_box(np.asarray(load_sample_photo(name)))
        for name in sorted(SAMPLE_PHOTOS)
    }
    assert [name for name, box in found.items() if box is not None] == ["camera"]


def test_borders_of_8_bit_pixels_are_measured_as_on_wider_ones() -> None:
    # 8-bit pixels are compared with whole-number bounds, without widening: the same pixels
    # as wider types must count as border, for every edge colour and tolerance, including
    # pixels right at the bounds (values a level or two from the edge colour, whose median
    # may fall between two levels).
    rng = np.random.default_rng(5)
    for _ in range(300):
        edge = rng.integers(0, 256, 3)
        tolerance = float(rng.choice([0.5, 1, 1.5, 2, 2.5, 3]))
        size = (int(rng.integers(40, 90)), int(rng.integers(40, 90)))
        pixels = rng.integers(0, 256, (*size, 3))
        # A left bar of 12 columns, each a level or two off the edge colour here and there.
        steps = rng.choice([0, 0, 0, 0, -1, 1, -2, 2], (size[0], 12, 3))
        pixels[:, :12] = edge + steps
        pixels[:, 0] = edge + rng.integers(0, 2, (size[0], 3))  # a median may fall on x.5
        pixels = np.clip(pixels, 0, 255).astype(np.uint8)
        for sample in (pixels, pixels[..., 0]):
            expected = find_picture_box(sample.astype(np.float64), tolerance=tolerance)
            assert find_picture_box(sample, tolerance=tolerance) == expected


def test_the_luma_pixels_are_copied_whole() -> None:
    luma = imagegen.make_image(size=(300, 200), seed=3).convert("L")
    assert _luma.pixels(luma, 200, 300) == luma.tobytes()
    with pytest.raises(ValueError, match="holds 60000 bytes, expected 60300"):
        _luma.pixels(luma.tobytes(), 201, 300)
