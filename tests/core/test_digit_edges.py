"""Drawn digits near the canvas edges, tall and wide, thin, thick and faint: the 28×28 input
keeps all the ink inside its frame, centred, with strokes as wide and bright as MNIST's."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from netbuilder.core.data import load_digits
from netbuilder.core.digits import MARGIN, SIZE, preprocess, stroke_width

CANVAS = 280


def drawing(lines=(), ellipses=(), width=18, ink=255):
    """White strokes on a black 280×280 canvas, as the Draw panel makes them."""
    image = Image.new("L", (CANVAS, CANVAS), 0)
    pen = ImageDraw.Draw(image)
    for points in lines:
        pen.line(points, fill=ink, width=width, joint="curve")
    for box in ellipses:
        pen.ellipse(box, outline=ink, width=width)
    return np.asarray(image)


def seven(dx=0, dy=0, top=20, bottom=279, width=18, ink=255):
    """A tall 7: a bar at the top and a long diagonal down to ``bottom``."""
    return drawing([[(100 + dx, top + dy), (180 + dx, top + dy), (130 + dx, bottom + dy)]],
                   width=width, ink=ink)


def square_seven(width=18):
    """A 7 as wide as it is tall, its long bar at the top: centring by mass alone would push
    its foot out of the frame."""
    return drawing([[(10, 12), (268, 12), (150, 279)]], width=width)


def zero(box, width=18):
    return drawing(ellipses=[box], width=width)


def image_of(canvas):
    prepared = preprocess(canvas)
    return prepared, prepared.image.astype(np.float32) / 255


def border_ink(image) -> float:
    return float(image[0].sum() + image[-1].sum() + image[1:-1, 0].sum() + image[1:-1, -1].sum())


def ink_box(image):
    rows, cols = np.nonzero(image > 0.1)
    return rows.min(), rows.max(), cols.min(), cols.max()


def centre_of_mass(image):
    ys, xs = np.indices(image.shape)
    return (ys * image).sum() / image.sum(), (xs * image).sum() / image.sum()


def assert_inside_and_fitted(image):
    assert border_ink(image) == 0.0  # nothing reaches the frame, nothing was cut
    top, bottom, left, right = ink_box(image)
    assert (top, left) >= (MARGIN, MARGIN)
    assert (bottom, right) <= (SIZE - 1 - MARGIN, SIZE - 1 - MARGIN)
    assert max(bottom - top, right - left) + 1 in (19, 20, 21)  # the longer side fills 20


CORNERS = {"top left": (8, 8, 120, 150), "top right": (152, 8, 272, 150),
           "bottom left": (8, 122, 120, 272), "bottom right": (152, 122, 272, 272)}


@pytest.mark.parametrize("corner", list(CORNERS))
def test_a_zero_in_each_corner_is_whole_and_centred(corner):
    prepared, image = image_of(zero(CORNERS[corner]))
    assert prepared.ok
    assert_inside_and_fitted(image)
    com_y, com_x = centre_of_mass(image)
    assert abs(com_y - 14) < 0.75
    assert abs(com_x - 14) < 0.75


@pytest.mark.parametrize("edge, shift", [("top", (0, -20)), ("bottom", (0, 0)),
                                         ("left", (-100, 0)), ("right", (90, 0))])
def test_a_tall_seven_at_each_canvas_edge_keeps_its_foot(edge, shift):
    canvas = seven(*shift)
    prepared, image = image_of(canvas)
    assert prepared.ok
    assert_inside_and_fitted(image)
    top, bottom, _left, _right = ink_box(image)
    assert bottom - top + 1 >= 19  # the tall side is whole: the foot is there
    assert image[bottom - 2:bottom + 1].sum() > 1.0  # with real ink in it
    com_y, com_x = centre_of_mass(image)
    assert abs(com_y - 14) < 0.75
    assert abs(com_x - 14) < 0.75


def test_a_seven_heavy_at_the_top_is_shifted_back_inside():
    prepared, image = image_of(square_seven())
    assert_inside_and_fitted(image)
    top, bottom, _left, _right = ink_box(image)
    assert bottom == SIZE - 1 - MARGIN  # moved up only as far as the frame demands
    com_y, _com_x = centre_of_mass(image)
    assert com_y < 13.5  # its mass could not come down to the centre without cutting the foot


@pytest.mark.parametrize("name, canvas", [
    ("wide zero", zero((10, 100, 270, 190))),
    ("wide zero at the bottom edge", zero((10, 200, 270, 279))),
    ("tall one at the right edge", drawing([[(270, 5), (270, 275)]])),
    ("tall one at the left edge", drawing([[(3, 5), (3, 275)]])),
])
def test_tall_and_wide_digits_at_the_edges(name, canvas):
    _prepared, image = image_of(canvas)
    assert_inside_and_fitted(image)
    com_y, com_x = centre_of_mass(image)
    assert abs(com_y - 14) < 0.75
    assert abs(com_x - 14) < 0.75


@pytest.fixture(scope="module")
def mnist():
    """Stroke width and brightness of the embedded MNIST digits, measured as below."""
    images = load_digits().on_device("cpu").train_x[:500, 0].numpy()
    widths = [stroke_width(image > 0.1) for image in images]
    brightness = [image[image > 0.1].mean() for image in images]
    return np.percentile(widths, [5, 95]), np.percentile(brightness, [5, 95])


@pytest.mark.parametrize("stroke", ["thin", "normal", "thick", "faint"])
@pytest.mark.parametrize("digit", ["tall seven", "zero", "small seven"])
def test_strokes_come_out_as_wide_and_bright_as_mnist(mnist, stroke, digit):
    width = {"thin": 3, "normal": 18, "thick": 40, "faint": 14}[stroke]
    ink = 60 if stroke == "faint" else 255
    canvas = {"tall seven": lambda: seven(width=width, ink=ink),
              "zero": lambda: zero(CORNERS["top right"], width=width),
              "small seven": lambda: seven(dx=60, top=150, bottom=260, width=width, ink=ink),
              }[digit]()
    if stroke == "faint" and digit == "zero":
        canvas = (canvas * (ink / 255)).astype(np.uint8)
    prepared, image = image_of(canvas)
    assert_inside_and_fitted(image)
    assert image.max() == 1.0
    (low_width, high_width), (low_light, high_light) = mnist
    width_28 = stroke_width(image > 0.1)
    assert low_width - 0.3 <= width_28 <= high_width + 0.3, width_28
    brightness = image[image > 0.1].mean()
    assert low_light - 0.05 <= brightness <= high_light + 0.05, brightness
    assert (prepared.problem != "") == (stroke == "faint")  # faint still says so


def test_the_stroke_width_estimate():
    mask = np.zeros((100, 100), bool)
    mask[10:90, 40:48] = True  # 8 wide, 80 long
    assert 7.0 <= stroke_width(mask) <= 8.5


def test_thinning_a_fat_digit_never_drops_a_thin_part():
    canvas = drawing([[(120, 150), (200, 150)]], width=60)  # a fat bar ...
    canvas = np.maximum(canvas, drawing([[(160, 150), (160, 270)]], width=3))  # ... a thin leg
    _prepared, image = image_of(canvas)
    assert_inside_and_fitted(image)
    rows = np.nonzero(image.max(axis=1) > 0.1)[0]
    assert rows[-1] - rows[0] + 1 >= 19  # the leg is the digit's height: still there
