"""Trying a network on one image file or one table row: the input is made exactly as the
training data was (pixel for pixel the tensor core.data.load_folder makes), the answer is the
softmax sorted best first, and saliency leaves the model as it found it."""

import math

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from netbuilder.core.data import load_folder
from netbuilder.core.registry import folder_name
from netbuilder.core.tabular import TabularError, preprocess_rows
from netbuilder.core.try_input import (
    TryInputError,
    folder_input_options,
    image_input,
    open_image,
    predict,
    predict_row,
    row_input,
    saliency,
)


def noise(width: int, height: int, mode: str = "RGB", seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    channels = 3 if mode == "RGB" else 1
    pixels = rng.integers(0, 256, (height, width, channels), dtype=np.uint8)
    return Image.fromarray(pixels if channels == 3 else pixels[:, :, 0], mode)


def folder_with(tmp_path, image: Image.Image, name: str = "mine.png",
                other: Image.Image | None = None):
    """A two-class folder: ``image`` alone in class "a", another image in class "b"."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    image.save(tmp_path / "a" / name)
    (other or noise(20, 20, image.mode, seed=9)).save(tmp_path / "b" / "other.png")
    return tmp_path / "a" / name


def as_trained(tmp_path, **options) -> torch.Tensor:
    """The float [1, C, H, W] training would use for class "a"'s one image."""
    data = load_folder(tmp_path, **options)
    images = torch.cat([data.train_images, data.val_images])
    labels = torch.cat([data.train_labels, data.val_labels])
    assert labels.tolist().count(0) == 1
    return images[labels == 0].float().div(255.0)


def test_an_rgb_image_is_resized_exactly_as_its_folder_was(tmp_path):
    path = folder_with(tmp_path, noise(45, 30))
    expected = as_trained(tmp_path, size=16)
    got = image_input(Image.open(path), [3, 16, 16], fit="resize", color="auto")
    assert got.shape == (1, 3, 16, 16) and got.dtype == torch.float32
    assert torch.equal(got, expected)
    assert 0.0 <= float(got.min()) and float(got.max()) <= 1.0


def test_crop_keeps_the_centre_and_differs_from_resize(tmp_path):
    path = folder_with(tmp_path, noise(45, 30))
    expected = as_trained(tmp_path, size=12, fit="crop")
    got = image_input(Image.open(path), [3, 12, 12], fit="crop")
    assert torch.equal(got, expected)
    assert not torch.equal(got, image_input(Image.open(path), [3, 12, 12], fit="resize"))


def test_a_crop_of_a_left_right_split_image_shows_only_the_middle(tmp_path):
    pixels = np.zeros((10, 30, 3), np.uint8)
    pixels[:, :10] = (255, 0, 0)  # red | green | blue thirds
    pixels[:, 10:20] = (0, 255, 0)
    pixels[:, 20:] = (0, 0, 255)
    got = image_input(Image.fromarray(pixels), [3, 10, 10], fit="crop")
    assert torch.equal(got[0, :, 0, 0], torch.tensor([0.0, 1.0, 0.0]))
    assert torch.equal(got[0, 1], torch.ones(10, 10))


def test_a_grey_image_gives_one_channel_as_its_folder_did(tmp_path):
    path = folder_with(tmp_path, noise(30, 24, "L"))
    expected = as_trained(tmp_path, size=20)
    assert expected.shape == (1, 1, 20, 20)
    got = image_input(Image.open(path), [1, 20, 20])
    assert torch.equal(got, expected)


def test_a_colour_image_for_a_grey_network_is_pillows_luma(tmp_path):
    path = folder_with(tmp_path, noise(32, 32), other=noise(32, 32, seed=3))
    expected = as_trained(tmp_path, size=8, color="grayscale")
    got = image_input(Image.open(path), [1, 8, 8], color="grayscale")
    assert got.shape == (1, 1, 8, 8)
    assert torch.equal(got, expected)


def test_a_grey_image_for_a_colour_network_repeats_its_grey(tmp_path):
    got = image_input(Image.new("L", (5, 5), 51), [3, 5, 5])
    assert torch.equal(got, torch.full((1, 3, 5, 5), 51 / 255.0))


def test_solid_colours_keep_their_exact_values():
    got = image_input(Image.new("RGBA", (7, 3), (10, 20, 30, 0)), [3, 4, 4])
    expected = torch.tensor([10.0, 20.0, 30.0]).div(255.0).view(1, 3, 1, 1).expand(1, 3, 4, 4)
    assert torch.equal(got, expected)  # alpha dropped, not composited, as core.data does


def test_a_folder_without_size_is_matched_with_its_two_step_scaling(tmp_path):
    # shorter sides 100 and 30: the folder's size is 30, the big image was capped at 64 first
    path = folder_with(tmp_path, noise(150, 100), other=noise(40, 30, seed=4))
    name = folder_name(str(tmp_path))
    options = folder_input_options(name)
    assert options == {"fit": "resize", "color": "auto", "auto_size": True}
    expected = as_trained(tmp_path)
    assert expected.shape == (1, 3, 30, 30)
    got = image_input(Image.open(path), [3, 30, 30], **options)
    assert torch.equal(got, expected)
    direct = image_input(Image.open(path), [3, 30, 30], fit="resize")
    assert not torch.equal(direct, expected)


def test_folder_input_options_read_the_dataset_name():
    assert folder_input_options("folder:/x?size=32&fit=crop&color=rgb") == {
        "fit": "crop", "color": "rgb", "auto_size": False}
    assert folder_input_options("cifar10") == {"fit": "resize", "color": None,
                                               "auto_size": False}
    assert folder_input_options("folder:/x?size=9999") == {"fit": "resize", "color": None,
                                                           "auto_size": False}


def test_a_jpeg_is_decoded_at_the_draft_scale_the_folder_used(tmp_path):
    smooth = np.linspace(0, 255, 256 * 256 * 3).reshape(256, 256, 3).astype(np.uint8)
    path = folder_with(tmp_path, Image.fromarray(smooth), name="photo.jpg")
    expected = as_trained(tmp_path, size=16)
    got = image_input(open_image(path), [3, 16, 16])
    assert torch.equal(got, expected)
    with Image.open(path) as full:  # decoded at full size, the pixels differ
        full.load()
        assert not torch.equal(image_input(full, [3, 16, 16]), expected)


def test_a_non_square_input_shape_is_filled_whole():
    got = image_input(noise(40, 40), [3, 6, 10], fit="crop")
    assert got.shape == (1, 3, 6, 10)


def test_files_pillow_cannot_read_are_refused_with_a_reason(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(TryInputError, match="notes.png is not an image that Pillow can read"):
        open_image(text)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(TryInputError, match="empty.png is empty"):
        open_image(empty)
    with pytest.raises(TryInputError, match="gone.png cannot be read"):
        open_image(tmp_path / "gone.png")
    whole = tmp_path / "whole.png"
    noise(64, 64).save(whole)
    cut = whole.read_bytes()[:200]
    with pytest.raises(TryInputError, match="cannot be decoded"):
        image_input(open_image(cut, "cut.png"), [3, 8, 8])


def test_shapes_that_are_no_image_are_refused():
    image = noise(8, 8)
    with pytest.raises(TryInputError, match="not images"):
        image_input(image, [10])
    with pytest.raises(TryInputError, match="1 \\(grey\\) or 3 \\(RGB\\) channels"):
        image_input(image, [2, 8, 8])
    with pytest.raises(TryInputError, match="colour option is 'grayscale'"):
        image_input(image, [3, 8, 8], color="grayscale")
    with pytest.raises(TryInputError, match="fit must be one of resize, crop"):
        image_input(image, [3, 8, 8], fit="stretch")


# -- predictions ----------------------------------------------------------------------------------


def biased_model(bias: list[float], features: int = 48) -> nn.Sequential:
    """Flatten → Linear with zero weights: the scores are the bias, whatever the input."""
    linear = nn.Linear(features, len(bias))
    with torch.no_grad():
        linear.weight.zero_()
        linear.bias.copy_(torch.tensor(bias))
    return nn.Sequential(nn.Flatten(), linear)


def test_predict_gives_the_softmax_sorted_best_first():
    model = biased_model([0.0, math.log(3.0), math.log(6.0)])
    x = torch.rand(1, 3, 4, 4)
    result = predict(model, x, ["cat", "dog", "owl"])
    assert [name for name, _p in result] == ["owl", "dog", "cat"]
    assert [p for _name, p in result] == pytest.approx([0.6, 0.3, 0.1], abs=1e-6)
    assert sum(p for _name, p in result) == pytest.approx(1.0, abs=1e-6)


def test_predict_names_outputs_by_index_when_the_names_do_not_fit():
    model = biased_model([2.0, 1.0, 3.0])
    assert [name for name, _p in predict(model, torch.zeros(1, 3, 4, 4), ["a", "b"])] == [
        "2", "0", "1"]


def test_predict_gives_every_module_its_mode_back():
    model = nn.Sequential(nn.Flatten(), nn.Dropout(0.9), nn.Linear(48, 2))
    model.train()
    model[1].eval()
    first = predict(model, torch.ones(1, 3, 4, 4), ["a", "b"])
    assert predict(model, torch.ones(1, 3, 4, 4), ["a", "b"]) == first  # dropout was off
    assert [m.training for m in model.modules()] == [True, True, False, True]


def test_saliency_is_the_top_class_gradient_and_leaves_the_model_alone():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 5 * 6, 4))
    model.train()
    model[1].bias.requires_grad_(False)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.rand(1, 3, 5, 6)
    top = int(model(x).argmax())
    heat = saliency(model, x)
    expected = model[1].weight.detach()[top].reshape(3, 5, 6).abs().amax(dim=0)
    expected = (expected / expected.max()).numpy()
    assert heat.shape == (5, 6) and heat.dtype == np.float32
    np.testing.assert_allclose(heat, expected, rtol=0, atol=1e-7)
    assert float(heat.max()) == 1.0 and float(heat.min()) >= 0.0
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    assert [p.grad for p in model.parameters()] == [None, None]
    assert [p.requires_grad for p in model.parameters()] == [True, False]
    assert model.training and model[1].training


# -- table rows -----------------------------------------------------------------------------------


def preprocessing(task: str = "classification") -> dict:
    table = {"kind": "tabular", "version": 1, "target": "y", "task": task,
             "columns": [{"name": "x", "type": "numeric", "mean": 2.0, "scale": 4.0},
                         {"name": "colour", "type": "categorical",
                          "categories": ["blue", "red"]}],
             "features": 3}
    if task == "classification":
        table["classes"] = ["no", "yes"]
    return table


def test_row_input_is_preprocess_rows_of_that_one_row():
    row = {"x": " 6 ", "colour": "red"}
    got = row_input(preprocessing(), row)
    assert torch.equal(got, preprocess_rows(preprocessing(), [row]))
    assert torch.equal(got, torch.tensor([[1.0, 0.0, 1.0]]))


def test_a_bad_value_is_tabulars_error_with_the_column():
    with pytest.raises(TabularError, match="row 1, column x: 'abc' is not a finite number"):
        row_input(preprocessing(), {"x": "abc", "colour": "red"})


def test_predict_row_of_a_regression_is_a_number():
    linear = nn.Linear(3, 1)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[2.0, 0.5, -1.0]]))
        linear.bias.fill_(0.25)
    value = predict_row(linear, preprocessing("regression"), {"x": "10", "colour": "blue"})
    assert isinstance(value, float)
    assert value == 2.0 * 2.0 + 0.5 + 0.25  # x → (10 - 2) / 4 = 2, blue → [1, 0]


def test_predict_row_of_a_classification_gives_its_classes():
    model = biased_model([0.0, math.log(4.0)], features=3)
    result = predict_row(model, preprocessing(), {"x": "1", "colour": "green"})
    assert [name for name, _p in result] == ["yes", "no"]
    assert [p for _name, p in result] == pytest.approx([0.8, 0.2], abs=1e-6)
