"""Preprocessing drawn digits like MNIST: trained models read them as they read the data."""

import numpy as np
import pytest
import torch

from netbuilder.core.builder import build
from netbuilder.core.data import load_digits
from netbuilder.core.digits import check_model, classify, place_on_canvas, preprocess
from netbuilder.core.resources import load_template
from netbuilder.core.training import evaluate


@pytest.fixture(scope="module")
def trained(trained_digits_cnn):
    model = build(load_template("digits_cnn"))
    model.load_state_dict(trained_digits_cnn)
    return model.eval(), load_digits().on_device("cpu")


def test_digits_drawn_elsewhere_and_larger_are_read_like_the_data(trained):
    model, data = trained
    accuracy = evaluate(model, data.val_x[:300], data.val_y[:300], 10).accuracy
    rng = np.random.default_rng(0)
    correct = 0
    for i in range(300):
        digit = data.val_x[i, 0].numpy()
        scale = rng.uniform(4.0, 12.0)  # 112 to 336 pixels tall on a 400-pixel canvas
        size = int(28 * scale)
        top_left = tuple(int(v) for v in rng.integers(0, 400 - size, size=2))
        canvas = place_on_canvas(digit, 400, scale, top_left)
        prepared = preprocess(canvas)
        assert prepared.ok, prepared.problem
        probs = classify(model, prepared.tensor)
        correct += int(np.argmax(probs) == int(data.val_y[i]))
    assert correct / 300 >= accuracy - 0.03, (correct / 300, accuracy)


def test_preprocessing_fits_20x20_and_centres_the_mass():
    canvas = np.zeros((280, 280), np.float32)
    canvas[40:200, 200:230] = 1.0  # a tall bar far to the right: a "1"
    prepared = preprocess(canvas)
    image = prepared.image.astype(np.float32) / 255
    rows, cols = np.nonzero(image > 0.1)
    assert rows.max() - rows.min() + 1 == 20  # the longer side becomes 20 pixels
    assert cols.max() - cols.min() + 1 <= 6  # the aspect ratio is kept
    ys, xs = np.indices(image.shape)
    assert abs((ys * image).sum() / image.sum() - 14) < 1.0
    assert abs((xs * image).sum() / image.sum() - 14) < 1.0
    assert prepared.tensor.shape == (1, 1, 28, 28)
    assert 0.0 <= float(prepared.tensor.min()) and float(prepared.tensor.max()) <= 1.0


def test_dark_ink_rgb_and_0_to_255_inputs():
    canvas = np.full((100, 100, 3), 255, np.uint8)
    canvas[20:80, 45:55] = 0  # black ink on white paper
    prepared = preprocess(canvas, ink_is_dark=True)
    assert prepared.ok and prepared.image.max() > 200 and prepared.image[0, 0] == 0


@pytest.mark.parametrize("draw, message", [
    (lambda c: None, "empty"),
    (lambda c: c.__setitem__((slice(100, 108), slice(100, 108)), 1.0), "too small"),
    (lambda c: c.__setitem__((slice(50, 200), slice(100, 130)), 0.2), "too faint"),
])
def test_drawings_not_to_trust_say_why(draw, message):
    canvas = np.zeros((280, 280), np.float32)
    draw(canvas)
    prepared = preprocess(canvas)
    assert not prepared.ok and message in prepared.problem


def test_models_that_cannot_read_digits_are_named():
    assert check_model(build(load_template("mnist_mlp")), 10) == ""
    assert "not one score for each of the 5 classes" in check_model(
        build(load_template("mnist_mlp")), 5)
    wrong = torch.nn.Sequential(torch.nn.Linear(10, 10))
    assert "does not take a 1×28×28 image" in check_model(wrong, 10)
