"""Colour images: folders keep their colour and size, CIFAR through torchvision (offline, on
127.0.0.1), left-right flips, per-channel statistics and the Normalize layer."""

import hashlib
import http.server
import io
import math
import pickle
import tarfile
import threading
from functools import partial

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import datasets as tv_datasets

from netbuilder.core import normalize as normalize_module
from netbuilder.core.analysis import Analyzer
from netbuilder.core.builder import build_layer
from netbuilder.core.catalog import FLOATS, Arg, default_catalog
from netbuilder.core.data import (
    DatasetError,
    augment,
    channel_stats,
    flips_make_sense,
    load_dataset,
    load_folder,
    load_torchvision,
)
from netbuilder.core.normalize import HELPER_SOURCE, Normalize
from netbuilder.core.registry import (
    CIFAR10_CLASSES,
    DATASETS,
    dataset_info,
    folder_name,
    folder_options,
    folder_path,
    is_dataset_name,
)
from netbuilder.core.spec import LayerSpec, NetworkSpec
from netbuilder.core.spec_parse import check_args

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def save(image: Image.Image, path, name: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    image.save(path / name)


def solid(size, colour, mode="RGB") -> Image.Image:
    return Image.new(mode, size, colour)


def stripes(width: int = 90, height: int = 30) -> Image.Image:
    """Red, green and blue thirds, left to right."""
    pixels = np.zeros((height, width, 3), np.uint8)
    third = width // 3
    pixels[:, :third, 0] = 255
    pixels[:, third:2 * third, 1] = 255
    pixels[:, 2 * third:, 2] = 255
    return Image.fromarray(pixels)


def all_images(data) -> torch.Tensor:
    return torch.cat([data.train_images, data.val_images])


# -- image folders: size ------------------------------------------------------------------------


def test_size_is_the_median_shorter_side_of_colour_images(tmp_path):
    sizes = [(40, 20), (50, 36), (100, 80), (64, 48)]  # shorter sides 20, 36, 80, 48
    for i, size in enumerate(sizes):
        save(solid(size, (200, 10 * i, 0)), tmp_path / ("a" if i % 2 else "b"), f"{i}.png")
    data = load_folder(tmp_path, val_fraction=0.5)
    assert data.input_shape == [3, 36, 36]  # the lower middle of 20, 36, 48, 80
    assert data.train_images.dtype == torch.uint8
    # a solid image stays solid whatever its resizing
    colours = sorted(tuple(img[:, 0, 0].tolist()) for img in all_images(data))
    assert colours == [(200, 0, 0), (200, 10, 0), (200, 20, 0), (200, 30, 0)]


def test_automatic_size_is_kept_from_8_to_64(tmp_path):
    for label in ("a", "b"):
        save(solid((300, 200), RED), tmp_path / "big" / label, "1.png")
        save(solid((300, 200), BLUE), tmp_path / "big" / label, "2.png")
        save(solid((5, 6), RED), tmp_path / "tiny" / label, "1.png")
    assert load_folder(tmp_path / "big", val_fraction=0.5).input_shape == [3, 64, 64]
    assert load_folder(tmp_path / "tiny", val_fraction=0.5).input_shape == [3, 8, 8]


def test_a_forced_size_applies_to_every_image(tmp_path):
    for i, size in enumerate([(40, 20), (12, 90), (33, 33)]):
        save(solid(size, GREEN), tmp_path / ("a" if i else "b"), f"{i}.png")
    data = load_folder(tmp_path, size=16, val_fraction=0.34)
    assert data.input_shape == [3, 16, 16]
    assert data.name == f"folder:{tmp_path}?size=16"
    named = load_dataset(f"folder:{tmp_path}?size=20", val_fraction=0.34)
    assert named.input_shape == [3, 20, 20] and named.name == f"folder:{tmp_path}?size=20"


def test_crop_keeps_the_centre_and_resize_squeezes_the_whole_picture(tmp_path):
    for label in ("a", "b"):
        save(stripes(), tmp_path / label, "stripes.png")
    crop = load_folder(tmp_path, fit="crop", val_fraction=0.5)
    resized = load_folder(tmp_path, fit="resize", val_fraction=0.5)
    assert crop.input_shape == resized.input_shape == [3, 30, 30]  # shorter side 30
    green = torch.tensor(GREEN, dtype=torch.uint8).view(3, 1, 1).expand(3, 30, 30)
    for image in all_images(crop):
        assert torch.equal(image, green)  # columns 30 to 59 of 90: the green third
    for image in all_images(resized):
        assert image[:, :, 0].T.tolist() == [list(RED)] * 30
        assert image[:, :, 15].T.tolist() == [list(GREEN)] * 30
        assert image[:, :, 29].T.tolist() == [list(BLUE)] * 30
        red, green_part, blue = image[:, 0, 10].tolist()  # on the red/green border: a blend
        assert 0 < red < 255 and 0 < green_part < 255 and blue == 0


def test_large_images_are_fitted_at_64_by_crop_and_by_resize(tmp_path):
    for label in ("a", "b"):
        save(stripes(270, 90), tmp_path / label, "stripes.png")  # shorter side 90: capped at 64
    crop = load_folder(tmp_path, fit="crop", val_fraction=0.5)
    assert crop.input_shape == [3, 64, 64]
    green = torch.tensor(GREEN, dtype=torch.uint8).view(3, 1, 1).expand(3, 64, 64)
    assert all(torch.equal(image, green) for image in all_images(crop))
    resized = load_folder(tmp_path, val_fraction=0.5)
    for image in all_images(resized):
        assert (image[:, 32, 0].tolist(), image[:, 32, 63].tolist()) == ([*RED], [*BLUE])


def test_jpeg_photos_load_at_a_reduced_scale(tmp_path):
    for label, colour in (("a", (250, 20, 20)), ("b", (20, 20, 250))):
        save(solid((400, 300), colour), tmp_path / label, "photo.jpg")
    data = load_folder(tmp_path, val_fraction=0.5)
    assert data.input_shape == [3, 64, 64]
    centres = sorted(tuple(img[:, 32, 32].tolist()) for img in all_images(data))
    for got, want in zip(centres, [(20, 20, 250), (250, 20, 20)], strict=True):
        assert max(abs(g - w) for g, w in zip(got, want, strict=True)) <= 4, (got, want)


# -- image folders: colour ----------------------------------------------------------------------


def test_grayscale_folders_become_one_channel(tmp_path):
    save(solid((10, 10), 70, "L"), tmp_path / "a", "l.png")
    save(solid((10, 10), (90, 90, 90)), tmp_path / "a", "rgb_gray.png")
    palette = Image.new("P", (10, 10), 0)
    palette.putpalette([110, 110, 110] * 256)
    save(palette, tmp_path / "b", "p.png")
    save(solid((10, 10), (130, 255), "LA"), tmp_path / "b", "la.png")
    Image.fromarray(np.full((10, 10), 150 * 257, np.uint16)).save(tmp_path / "b" / "i16.png")
    data = load_folder(tmp_path, val_fraction=0.4)
    assert data.input_shape == [1, 10, 10]
    assert sorted(all_images(data)[:, 0, 0, 0].tolist()) == [70, 90, 110, 130, 150]


def test_one_colour_image_makes_the_folder_rgb(tmp_path):
    save(solid((10, 10), 70, "L"), tmp_path / "a", "gray.png")
    save(solid((10, 10), (90, 90, 90)), tmp_path / "a", "rgb_gray.png")
    save(solid((10, 10), (200, 100, 50, 0), "RGBA"), tmp_path / "b", "rgba.png")
    data = load_folder(tmp_path, val_fraction=0.34)
    assert data.input_shape == [3, 10, 10]
    # grayscale images repeat their value; the alpha is dropped, not composited
    assert sorted(tuple(img[:, 5, 5].tolist()) for img in all_images(data)) == [
        (70, 70, 70), (90, 90, 90), (200, 100, 50)]


def test_colour_can_be_forced_either_way(tmp_path):
    save(solid((10, 10), 70, "L"), tmp_path / "a", "gray.png")
    save(solid((10, 10), RED), tmp_path / "b", "red.png")
    gray = load_folder(tmp_path, color="grayscale", val_fraction=0.5)
    assert gray.input_shape == [1, 10, 10]
    # Pillow's luma: 255 · 299/1000 = 76.2 for pure red
    assert sorted(all_images(gray)[:, 0, 0, 0].tolist()) == [70, 76]
    (tmp_path / "b" / "red.png").unlink()
    save(solid((10, 10), 30, "L"), tmp_path / "b", "dark.png")
    rgb = load_dataset(f"folder:{tmp_path}?color=rgb", val_fraction=0.5)
    assert rgb.input_shape == [3, 10, 10]
    assert sorted(tuple(img[:, 0, 0].tolist()) for img in all_images(rgb)) == [
        (30, 30, 30), (70, 70, 70)]
    assert load_folder(tmp_path, val_fraction=0.5).input_shape == [1, 10, 10]


def test_unreadable_files_are_skipped_and_listed_when_too_few_remain(tmp_path):
    save(solid((10, 10), RED), tmp_path / "a", "ok.png")
    save(solid((10, 10), BLUE), tmp_path / "b", "ok.png")
    (tmp_path / "b" / "broken.png").write_bytes(b"not a png at all")
    data = load_folder(tmp_path, val_fraction=0.5)
    assert len(data.train_labels) + len(data.val_labels) == 2
    (tmp_path / "a" / "ok.png").write_bytes(b"broken too")
    with pytest.raises(DatasetError, match=r"no readable images \(unreadable: ok.png, "
                                           r"broken.png\)"):
        load_folder(tmp_path)


def test_readable_images_of_one_class_are_refused(tmp_path):
    save(solid((10, 10), RED), tmp_path / "a", "1.png")
    save(solid((10, 10), RED), tmp_path / "a", "2.png")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "1.png").write_bytes(b"broken")
    with pytest.raises(DatasetError, match=r"has readable images of only one class \('a'\); "
                                           r"unreadable: 1.png$"):
        load_folder(tmp_path)


def test_bad_load_folder_arguments_are_refused(tmp_path):
    save(solid((10, 10), RED), tmp_path / "a", "1.png")
    save(solid((10, 10), BLUE), tmp_path / "b", "1.png")
    with pytest.raises(DatasetError, match="image size must be an integer from 4 to 512, got 3"):
        load_folder(tmp_path, size=3)
    with pytest.raises(DatasetError, match="fit must be one of resize, crop, got 'pad'"):
        load_folder(tmp_path, fit="pad")
    with pytest.raises(DatasetError, match="color must be one of auto, rgb, grayscale"):
        load_folder(tmp_path, color="cmyk")


# -- options in the dataset name ----------------------------------------------------------------


def test_folder_options_travel_in_the_name_and_read_back():
    name = folder_name("/data/pets", size=32, fit="crop", color="rgb")
    assert name == "folder:/data/pets?size=32&fit=crop&color=rgb"
    assert folder_path(name) == "/data/pets"
    assert folder_options(name) == {"size": 32, "fit": "crop", "color": "rgb"}
    assert folder_options("folder:/data/pets?color=grayscale&size=8") == {
        "color": "grayscale", "size": 8}
    assert folder_name("/data/pets", fit="crop") == "folder:/data/pets?fit=crop"
    assert folder_name("/data/pets") == "folder:/data/pets"
    assert folder_options("folder:/data/pets") == {} and folder_options("mnist") == {}
    assert is_dataset_name(name)
    assert dataset_info(name).input_shape == (3, 32, 32)
    assert dataset_info("folder:/x?size=16&color=grayscale").input_shape == (1, 16, 16)
    assert dataset_info("folder:/x?size=16").input_shape == ()  # colour follows the images
    assert dataset_info("folder:/data/pets").input_shape == ()
    assert dataset_info(name).title == "/data/pets"


def test_paths_with_a_question_mark_still_work():
    for path in ("/data/why?", "/data/what?now", "/data/a?b", "/q?x=1&y"):
        assert folder_path(folder_name(path)) == path
        assert folder_name(path) == "folder:" + path
        assert folder_options(folder_name(path)) == {}
        assert is_dataset_name(folder_name(path))
    # its last '?' followed by word=value text: the name gets the default fit to read back
    assert folder_name("/data/a?b=c") == "folder:/data/a?b=c?fit=resize"
    assert folder_path("folder:/data/a?b=c?fit=resize") == "/data/a?b=c"
    assert folder_name("/d?size=3", size=9) == "folder:/d?size=3?size=9"
    assert folder_path("folder:/d?size=3?size=9") == "/d?size=3"


@pytest.mark.parametrize(("name", "message"), [
    ("folder:/x?size=0", "image-folder option 'size': expected an integer from 4 to 512, "
                         "got '0'"),
    ("folder:/x?size=513", "image-folder option 'size': expected an integer from 4 to 512"),
    ("folder:/x?size=", "image-folder option 'size': expected an integer from 4 to 512, got ''"),
    ("folder:/x?size=1e2", "got '1e2'"),
    ("folder:/x?fit=stretch", "image-folder option 'fit': expected one of resize, crop, "
                              "got 'stretch'"),
    ("folder:/x?color=RGB", "image-folder option 'color': expected one of auto, rgb, grayscale"),
    ("folder:/x?colour=rgb", "unknown image-folder option 'colour'; expected size, fit, color"),
    ("folder:/x?size=8&size=9", "image-folder option 'size' is given twice"),
])
def test_bad_folder_options_are_refused_naming_the_option(name, message):
    assert not is_dataset_name(name)
    assert dataset_info(name) is None
    with pytest.raises(ValueError, match="image-folder option") as caught:
        folder_options(name)
    assert message in str(caught.value)
    with pytest.raises(DatasetError) as loading:
        load_dataset(name)
    assert str(loading.value) == f"{name}: {caught.value}"


def test_folder_name_refuses_bad_values():
    with pytest.raises(ValueError, match="'fit': expected one of resize, crop, got 'pad'"):
        folder_name("/x", fit="pad")
    with pytest.raises(ValueError, match="'size': expected an integer from 4 to 512, got '2'"):
        folder_name("/x", size=2)


def test_folders_named_with_question_marks_load(tmp_path):
    for folder in ("what?now", "a?b=c"):
        for label, colour in (("x", RED), ("y", BLUE)):
            save(solid((12, 12), colour), tmp_path / folder / label, "1.png")
        name = folder_name(str(tmp_path / folder))
        data = load_dataset(name, val_fraction=0.5)
        assert data.input_shape == [3, 12, 12] and data.name == name


# -- CIFAR through torchvision, served from this machine -----------------------------------------


def cifar_batch(first: int, count: int) -> dict:
    """``count`` images whose red plane is their index, green 100 + index, blue 200."""
    index = np.arange(first, first + count, dtype=np.uint8)[:, None]
    planes = [np.repeat(index, 1024, 1), np.repeat(index + 100, 1024, 1),
              np.full((count, 1024), 200, np.uint8)]
    return {"batch_label": "fake", "data": np.concatenate(planes, axis=1),
            "labels": [int(i) % 10 for i in index[:, 0]], "filenames": []}


@pytest.fixture
def cifar_server(tmp_path, monkeypatch):
    """A small cifar-10-python.tar.gz (5 training batches of 4 images, a test batch of 6, the
    label names) on 127.0.0.1, set as CIFAR10's address with its checksums."""
    served = tmp_path / "served"
    served.mkdir()
    members = {f"data_batch_{b + 1}": cifar_batch(4 * b, 4) for b in range(5)}
    members["test_batch"] = cifar_batch(50, 6)
    members["batches.meta"] = {"label_names": list(CIFAR10_CLASSES), "num_vis": 3072}
    packed = {name: pickle.dumps(value) for name, value in members.items()}
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        for name, content in packed.items():
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    (served / "cifar-10-python.tar.gz").write_bytes(archive.getvalue())

    def md5(data: bytes) -> str:
        return hashlib.md5(data).hexdigest()

    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cifar = tv_datasets.CIFAR10
    monkeypatch.setattr(cifar, "url", f"http://127.0.0.1:{server.server_port}/"
                                      "cifar-10-python.tar.gz")
    monkeypatch.setattr(cifar, "tgz_md5", md5(archive.getvalue()))
    monkeypatch.setattr(cifar, "train_list", [[f"data_batch_{b + 1}",
                                               md5(packed[f"data_batch_{b + 1}"])]
                                              for b in range(5)])
    monkeypatch.setattr(cifar, "test_list", [["test_batch", md5(packed["test_batch"])]])
    monkeypatch.setattr(cifar, "meta", {**cifar.meta, "md5": md5(packed["batches.meta"])})
    yield server
    server.shutdown()
    server.server_close()


def test_cifar10_downloads_through_torchvision_from_a_local_server(tmp_path, cifar_server):
    root = tmp_path / "data"
    data = load_dataset("cifar10", root=root)
    assert data.train_images.shape == (20, 3, 32, 32) and data.train_images.dtype == torch.uint8
    assert data.val_images.shape == (6, 3, 32, 32)
    assert data.train_labels.dtype == torch.int64
    assert data.train_labels.tolist() == [i % 10 for i in range(20)]
    assert data.val_labels.tolist() == [0, 1, 2, 3, 4, 5]
    # channels first again: each plane holds what the batch file put in it
    assert torch.equal(data.train_images[:, 0], torch.arange(20, dtype=torch.uint8)
                       .view(20, 1, 1).expand(20, 32, 32))
    assert torch.equal(data.val_images[:, 1], torch.arange(150, 156, dtype=torch.uint8)
                       .view(6, 1, 1).expand(6, 32, 32))
    assert bool((data.train_images[:, 2] == 200).all())
    assert data.class_names == list(CIFAR10_CLASSES) and data.num_classes == 10
    assert data.input_shape == list(DATASETS["cifar10"].input_shape)
    assert (root / "cifar-10-batches-py" / "data_batch_5").exists()
    cifar_server.shutdown()  # second time: read from the data folder, no network
    again = load_torchvision("cifar10", root=root, download=False)
    assert torch.equal(again.train_images, data.train_images)


def test_cifar_offline_gives_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setattr(tv_datasets.CIFAR100, "url", "http://127.0.0.1:9/c.tar.gz")
    with pytest.raises(DatasetError) as caught:
        load_dataset("cifar100", root=tmp_path)
    message = str(caught.value)
    assert message.startswith(f"CIFAR100 is not in {tmp_path} and could not be downloaded (")
    assert f"copy the CIFAR100 files into {tmp_path / 'cifar-100-python'};" in message
    assert message.endswith("the embedded 'digits' dataset needs no download.")


def test_cifar_entries_in_the_registry():
    ten, hundred = DATASETS["cifar10"], DATASETS["cifar100"]
    assert (ten.title, ten.input_shape, ten.torchvision_class) == ("CIFAR-10", (3, 32, 32),
                                                                  "CIFAR10")
    assert ten.class_names == ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                               "horse", "ship", "truck")
    assert (hundred.title, hundred.input_shape, hundred.torchvision_class) == (
        "CIFAR-100", (3, 32, 32), "CIFAR100")
    names = hundred.class_names
    assert len(names) == len(set(names)) == 100 and list(names) == sorted(names)
    assert (names[0], names[39], names[99]) == ("apple", "keyboard", "worm")
    assert ten.downloadable and hundred.downloadable
    for info in (ten, hundred):
        assert hasattr(tv_datasets, info.torchvision_class)


# -- flips --------------------------------------------------------------------------------------


def test_flips_mirror_about_half_left_right_as_seeded():
    images = torch.rand(1000, 2, 5, 7, generator=torch.Generator().manual_seed(1))
    plain = augment(images, torch.Generator().manual_seed(0))
    flipped = augment(images, torch.Generator().manual_seed(0), flip=True)
    again = augment(images, torch.Generator().manual_seed(0), flip=True)
    assert torch.equal(flipped, again)
    # the flips are drawn after the rotations, scales and shifts, which stay the same
    draws = torch.Generator().manual_seed(0)
    torch.rand(1000, 3, generator=draws)
    torch.rand(1000, 2, generator=draws)
    expected = torch.rand(1000, generator=draws) < 0.5
    for i in range(1000):
        if expected[i]:
            assert torch.equal(flipped[i], plain[i].flip(-1))
            assert not torch.equal(flipped[i], plain[i])
            assert not torch.equal(flipped[i], plain[i].flip(-2))  # never upside down
        else:
            assert torch.equal(flipped[i], plain[i])
    assert 450 <= int(expected.sum()) <= 550
    other = augment(images, torch.Generator().manual_seed(5), flip=True)
    assert not torch.equal(other, flipped)


def test_flips_without_rotation_are_exact_mirrors():
    images = torch.rand(64, 3, 4, 6, generator=torch.Generator().manual_seed(2))
    out = augment(images, torch.Generator().manual_seed(3), max_degrees=0.0, scale=(1.0, 1.0),
                  max_shift=0.0, flip=True)
    mirrored = [torch.allclose(o, x.flip(-1), atol=1e-5) for o, x in zip(out, images, strict=True)]
    kept = [torch.allclose(o, x, atol=1e-5) for o, x in zip(out, images, strict=True)]
    # each image is exactly one of the two
    assert all(m != k for m, k in zip(mirrored, kept, strict=True))
    assert 0 < sum(mirrored) < 64


@pytest.mark.parametrize(("name", "flips"), [
    ("digits", False), ("mnist", False), ("kmnist", False), ("fashion-mnist", True),
    ("cifar10", True), ("cifar100", True), ("folder:/photos", True),
    ("folder:/photos?size=32", True), ("csv:/t.csv", False), ("digits+drawn", False),
    ("fashion-mnist+drawn", True), ("nope", False), ("folder:", False),
])
def test_which_datasets_may_be_flipped(name, flips):
    assert flips_make_sense(name) is flips


# -- channel statistics and the Normalize layer ------------------------------------------------


def test_channel_stats_of_known_pixels():
    images = torch.tensor([
        [[[255, 255]], [[0, 255]], [[0, 51]]],
        [[[255, 255]], [[0, 255]], [[102, 153]]],
    ], dtype=torch.uint8)  # [2, 3, 1, 2]
    mean, std = channel_stats(images)
    assert mean == pytest.approx([1.0, 0.5, 0.3], abs=1e-12)
    # channel 0 never varies: 1.0, so normalising it only subtracts the mean
    assert std == pytest.approx([1.0, 0.5, math.sqrt(0.05)], abs=1e-12)


def test_channel_stats_in_chunks_match_one_float64_pass():
    images = torch.randint(0, 256, (5000, 3, 2, 2), dtype=torch.uint8,
                           generator=torch.Generator().manual_seed(0))
    mean, std = channel_stats(images)
    as_float = images.double().div(255).transpose(0, 1).reshape(3, -1)
    assert mean == pytest.approx(as_float.mean(1).tolist(), abs=1e-12)
    assert std == pytest.approx(as_float.std(1, correction=0).tolist(), abs=1e-12)


def test_channel_stats_want_uint8_images():
    with pytest.raises(ValueError, match="need uint8 images"):
        channel_stats(torch.rand(2, 3, 4, 4))
    with pytest.raises(ValueError, match="at least one image"):
        channel_stats(torch.zeros(0, 3, 4, 4, dtype=torch.uint8))


def test_normalize_subtracts_and_divides_per_channel():
    layer = Normalize([0.5, 0.25], [0.5, 2.0])
    x = torch.tensor([[[[1.0, 0.0]], [[0.25, 1.25]]]])  # [1, 2, 1, 2]
    assert layer(x).tolist() == [[[[1.0, -1.0]], [[0.0, 0.5]]]]
    assert Normalize([0.5], [0.25])(torch.ones(2, 3, 2, 2)).eq(2.0).all()  # one for all
    assert Normalize((0.0, 1.0), (1.0, 1.0))(torch.zeros(4, 2)).tolist() == [[0.0, -1.0]] * 4
    assert list(layer.state_dict()) == ["mean", "std"]
    assert layer.state_dict()["std"].tolist() == [0.5, 2.0]
    assert layer.state_dict()["mean"].dtype == torch.float32
    assert list(layer.parameters()) == []  # buffers: saved, moved, not trained
    other = Normalize([0.0, 0.0], [1.0, 1.0])
    other.load_state_dict(layer.state_dict())
    assert torch.equal(other(x), layer(x))
    assert repr(layer) == "Normalize(mean=[0.5, 0.25], std=[0.5, 2])"


@pytest.mark.parametrize(("mean", "std", "message"), [
    ([0.5, 0.5], [0.5], "mean has 2 values but std has 1"),
    ([0.5], [0.0], "std must be > 0"),
    ([float("nan")], [1.0], "mean must hold finite numbers"),
    ([], [], "mean must be a non-empty list"),
    ("0.5", [1.0], "mean must be a non-empty list"),
    ([True], [1.0], "mean must hold finite numbers"),
])
def test_normalize_refuses_bad_values(mean, std, message):
    with pytest.raises(ValueError, match=message):
        Normalize(mean, std)


def test_normalize_says_when_the_channels_do_not_match():
    message = r"holds 2 channels' mean and std, receives \[1, 3, 4, 4\] \(3 channels"
    with pytest.raises(ValueError, match=message):
        Normalize([0.1, 0.2], [1.0, 1.0])(torch.zeros(1, 3, 4, 4))


def test_the_helper_source_for_generated_code_agrees_with_the_class():
    assert "netbuilder" not in HELPER_SOURCE
    namespace = {"torch": torch, "nn": torch.nn}
    exec(HELPER_SOURCE, namespace)  # the text generated code would hold
    plain = namespace["Normalize"]((0.4914, 0.4822, 0.4465), (0.247, 0.2435, 0.2616))
    ours = Normalize((0.4914, 0.4822, 0.4465), (0.247, 0.2435, 0.2616))
    x = torch.rand(3, 3, 5, 5, generator=torch.Generator().manual_seed(0))
    assert torch.equal(plain(x), ours(x))
    assert {k: v.dtype for k, v in plain.state_dict().items()} == \
        {k: v.dtype for k, v in ours.state_dict().items()}
    plain.load_state_dict(ours.state_dict())


def test_normalize_is_a_catalog_kind_that_builds_on_meta():
    kind = default_catalog().get("Normalize")
    assert (kind.category, kind.source, kind.spelled()) == ("Normalization", "netbuilder",
                                                            "Normalize")
    assert kind.module_class() is Normalize and kind.module_class().__module__ == \
        normalize_module.__name__
    assert [(a.name, a.type, a.required) for a in kind.args] == [
        ("mean", FLOATS, True), ("std", FLOATS, True)]
    with torch.device("meta"):
        module = kind.create(mean=[0.1, 0.2, 0.3], std=[1.0, 2.0, 4.0])
    assert module.mean.is_meta and module.mean.shape == (3,)
    assert repr(module) == "Normalize(channels=3)"
    spec = NetworkSpec([3, 8, 8], [LayerSpec("Normalize", "norm",
                                             {"mean": [0.1, 0.2, 0.3], "std": [1, 2, 4]})])
    analysis = Analyzer().analyze(spec)
    assert analysis.ok and analysis.output_shape == (1, 3, 8, 8) and analysis.total_params == 0
    layer = build_layer(spec.items[0])
    assert layer(torch.ones(1, 3, 1, 1)).flatten().tolist() == pytest.approx([0.9, 0.4, 0.175])
    wrong = NetworkSpec([3, 8, 8], [LayerSpec("Normalize", "norm",
                                              {"mean": [0.1, 0.2], "std": [1.0, 2.0, 3.0]})])
    found = Analyzer().analyze(wrong)
    assert not found.ok
    assert "mean has 2 values but std has 3" in found.errors[0].message


def test_the_floats_argument_type():
    arg = Arg("std", FLOATS, [0.5], minimum=1e-12)
    assert arg.check([0.5, 1, 2.5]) is None and arg.check((0.5,)) is None
    assert arg.check([]) == "expected a non-empty list of numbers ≥ 1e-12, got []"
    for bad in ([0.0], [float("inf")], ["a"], [True], 0.5, None):
        assert arg.check(bad) is not None, bad
    assert arg.normalize((1, 2.5)) == [1.0, 2.5]
    assert all(type(v) is float for v in arg.normalize([1, 2]))
    layer = LayerSpec("Normalize", "n", {"mean": [0.5, "x"], "std": [1.0]})
    assert [(p.where, p.message) for p in check_args(layer, "n")] == [
        ("n.mean", "expected a non-empty list of numbers, got [0.5, 'x']")]
