"""Pen and scanner augmentation: seeded, shape- and range-keeping, each effect doing its job."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from netbuilder.core.pen_augment import EFFECTS, PenAugment, pen_augment


def strokes(n: int = 8) -> torch.Tensor:
    """A batch of crosses 3 pixels wide: ink 1 on 0, away from the edges."""
    images = torch.zeros(n, 1, 28, 28)
    images[:, :, 6:22, 13:16] = 1.0
    images[:, :, 13:16, 6:22] = 1.0
    return images


def run(settings: PenAugment, seed: int = 0, images=None) -> torch.Tensor:
    return pen_augment(strokes() if images is None else images,
                       torch.Generator().manual_seed(seed), settings)


def test_all_off_returns_the_images_untouched():
    images = strokes()
    assert torch.equal(pen_augment(images, torch.Generator(), PenAugment()), images)
    assert not PenAugment().active
    assert PenAugment(blur=0.1).active


@pytest.mark.parametrize("effect", EFFECTS)
def test_each_effect_is_seeded_keeps_shape_and_range_and_changes_something(effect):
    settings = PenAugment(**{effect: 1.0})
    first, again, other = run(settings, 0), run(settings, 0), run(settings, 1)
    assert first.shape == strokes().shape
    assert torch.equal(first, again)
    assert not torch.equal(first, other)
    assert not torch.equal(first, strokes())
    assert first.min() >= 0
    assert first.max() <= 1


def test_strokes_get_thicker_and_thinner_but_never_vanish():
    out = run(PenAugment(stroke=1.0), images=strokes(64))
    ink = out.sum(dim=(1, 2, 3))
    original = strokes(1).sum()
    assert (ink > original * 1.2).any()  # some dilated
    assert (ink < original * 0.9).any()  # some eroded
    assert (out.amax(dim=(1, 2, 3)) >= 0.5).all()  # a thin stroke fades, never vanishes


def test_elastic_moves_ink_a_little_without_losing_it():
    out = run(PenAugment(elastic=1.0), images=strokes(16))
    moved = (out - strokes(16)).abs().sum(dim=(1, 2, 3))
    assert (moved > 1).all()
    ink = out.sum(dim=(1, 2, 3))
    assert torch.allclose(ink, strokes(1).sum().expand(16), rtol=0.3)  # local stretching


def test_blur_spreads_ink_into_the_background():
    out = run(PenAugment(blur=1.0), images=strokes(32))
    background = strokes(1)[0, 0] == 0
    spread = out[:, 0, background].sum(dim=1)
    assert (spread > 0).sum() > 16


def test_erasing_at_full_strength_blanks_a_rectangle_of_each_image():
    ones = torch.ones(32, 3, 20, 30)
    out = run(PenAugment(erase=1.0), images=ones)
    blank = (out == 0).all(dim=1)  # every channel
    area = blank.sum(dim=(1, 2)).float() / (20 * 30)
    assert ((area >= 0.005) & (area <= 0.25)).all(), area
    for mask in blank:  # one rectangle: the blank rows × blank columns
        rows, cols = mask.any(dim=1), mask.any(dim=0)
        assert mask.sum() == rows.sum() * cols.sum()


@given(st.dictionaries(st.sampled_from(EFFECTS + ("other",)),
                       st.one_of(st.floats(allow_nan=True), st.integers(), st.text(),
                                 st.booleans(), st.none())))
def test_settings_from_any_dict_are_checked_never_raise(data):
    settings = PenAugment.from_dict(data)
    problems = settings.problems()
    bad = [name for name in EFFECTS if name in data and not (
        isinstance(data[name], (int, float)) and not isinstance(data[name], bool)
        and math.isfinite(data[name]) and 0 <= data[name] <= 1)]
    assert len(problems) == len(bad)
    assert all(name in line for name, line in zip(bad, problems, strict=True))
