"""Datasets: embedded digits, torchvision's download path (offline, on 127.0.0.1), folders."""

import gzip
import hashlib
import http.server
import struct
import threading
from functools import partial

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import datasets

from netbuilder.core.data import (
    Dataset,
    DatasetError,
    augment,
    load_dataset,
    load_digits,
    load_folder,
    load_torchvision,
    mix_examples,
)


def test_embedded_digits_are_real_mnist_split_8000_2000():
    data = load_digits()
    assert data.train_images.shape == (8000, 1, 28, 28)
    assert data.val_images.shape == (2000, 1, 28, 28)
    assert data.train_images.dtype == torch.uint8
    assert data.class_names == [str(i) for i in range(10)]
    assert set(data.val_labels.unique().tolist()) == set(range(10))
    # real digits: ink bright on dark, centred like MNIST (mean ink near the middle)
    assert data.train_images.float().mean() / 255 == pytest.approx(0.13, abs=0.02)
    assert data.train_images[:, :, 0, :].float().mean() < 1.0
    device = data.on_device("cpu")
    assert device.train_x.dtype == torch.float32
    assert 0.0 <= float(device.train_x.min()) and float(device.train_x.max()) <= 1.0


def test_digits_split_is_seeded():
    a, b, c = load_digits(seed=1), load_digits(seed=1), load_digits(seed=2)
    assert torch.equal(a.val_labels, b.val_labels)
    assert not torch.equal(a.val_labels, c.val_labels)
    assert len(load_digits(val_fraction=0.5).val_labels) == 5000


def test_augmentation_moves_ink_but_keeps_shape_and_range():
    x = load_digits().on_device("cpu").train_x[:64]
    y = augment(x, torch.Generator().manual_seed(0))
    assert y.shape == x.shape
    assert float(y.min()) >= 0.0 and float(y.max()) <= 1.0 + 1e-6
    assert not torch.allclose(x, y)
    # ink is mostly kept: a small rotation, scale and shift
    assert float(y.sum()) == pytest.approx(float(x.sum()), rel=0.15)


def small_base(n: int = 50) -> Dataset:
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (n, 1, 28, 28), dtype=torch.uint8, generator=generator)
    labels = torch.arange(n) % 10
    return Dataset("digits", images, labels, images[:5], labels[:5],
                   [str(i) for i in range(10)])


def drawn(label: int, value: int) -> dict:
    return {"pixels": [value] * 784, "label": label}


def test_drawn_examples_make_about_a_fifth_of_the_mix():
    base = small_base(500)
    examples = [drawn(3, 255), drawn(7, 128)]
    mixed = mix_examples(base, examples, size=100, seed=0)
    assert mixed.name == "digits+drawn" and mixed.class_names == base.class_names
    assert len(mixed.train_labels) == 100
    own = (mixed.train_images == 255).flatten(1).all(1) | \
        (mixed.train_images == 128).flatten(1).all(1)
    assert int(own.sum()) == 20  # 100 // 5 // 2 = 10 repeats of each
    assert sorted(mixed.train_labels[own].tolist()) == [3] * 10 + [7] * 10
    assert mixed.val_images is base.val_images and mixed.val_labels is base.val_labels


def test_mix_is_seeded_and_every_example_appears_once_at_least():
    base = small_base(500)
    examples = [drawn(i % 10, i) for i in range(30)]  # more than a fifth of the size
    a = mix_examples(base, examples, size=40, seed=1)
    b = mix_examples(base, examples, size=40, seed=1)
    c = mix_examples(base, examples, size=40, seed=2)
    assert torch.equal(a.train_images, b.train_images)
    assert not torch.equal(a.train_images[:10], c.train_images[:10])
    assert a.train_labels[-30:].tolist() == [i % 10 for i in range(30)]
    assert len(a.train_labels) == 10 + 30  # the base's share shrinks to what is left


def test_mix_takes_at_most_the_base_it_has():
    mixed = mix_examples(small_base(8), [drawn(1, 9)], size=1000, seed=0)
    assert len(mixed.train_labels) == 8 + 200


def test_mix_refuses_no_examples_and_other_image_shapes():
    with pytest.raises(DatasetError, match="no drawn examples"):
        mix_examples(small_base(), [], size=100, seed=0)
    rgb = small_base()
    rgb.train_images = rgb.train_images.expand(-1, 3, -1, -1)
    with pytest.raises(DatasetError, match="3×28×28"):
        mix_examples(rgb, [drawn(1, 9)], size=100, seed=0)


# -- torchvision's download path, served from this machine -------------------------------------


def idx_images(images: np.ndarray) -> bytes:
    return struct.pack(">IIII", 2051, len(images), 28, 28) + images.astype(np.uint8).tobytes()


def idx_labels(labels: np.ndarray) -> bytes:
    return struct.pack(">II", 2049, len(labels)) + labels.astype(np.uint8).tobytes()


@pytest.fixture
def mnist_mirror(tmp_path, monkeypatch):
    """An HTTP server on 127.0.0.1 serving small gzipped IDX files, set as MNIST's mirror."""
    served = tmp_path / "served"
    served.mkdir()
    rng = np.random.default_rng(0)
    files = {
        "train-images-idx3-ubyte.gz": idx_images(rng.integers(0, 256, (30, 28, 28))),
        "train-labels-idx1-ubyte.gz": idx_labels(np.arange(30) % 10),
        "t10k-images-idx3-ubyte.gz": idx_images(rng.integers(0, 256, (12, 28, 28))),
        "t10k-labels-idx1-ubyte.gz": idx_labels(np.arange(12) % 10),
    }
    resources = []
    for name, content in files.items():
        packed = gzip.compress(content)
        (served / name).write_bytes(packed)
        resources.append((name, hashlib.md5(packed).hexdigest()))
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(datasets.MNIST, "mirrors", [f"http://127.0.0.1:{server.server_port}/"])
    monkeypatch.setattr(datasets.MNIST, "resources", resources)
    yield server
    server.shutdown()
    server.server_close()


def test_mnist_downloads_through_torchvision_from_a_local_server(tmp_path, mnist_mirror):
    root = tmp_path / "data"
    data = load_dataset("mnist", root=root)
    assert data.train_images.shape == (30, 1, 28, 28)
    assert data.val_images.shape == (12, 1, 28, 28)
    assert data.train_labels.tolist() == [i % 10 for i in range(30)]
    assert (root / "MNIST" / "raw" / "train-images-idx3-ubyte").exists()
    mnist_mirror.shutdown()  # second time: read from the data folder, no network
    again = load_torchvision("mnist", root=root)
    assert torch.equal(again.train_images, data.train_images)


def test_offline_download_gives_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", ["http://127.0.0.1:9/"])
    with pytest.raises(DatasetError) as caught:
        load_dataset("fashion-mnist", root=tmp_path)
    message = str(caught.value)
    assert "FashionMNIST is not in" in message and "could not be downloaded" in message
    assert "embedded 'digits' dataset needs no download" in message


def test_unknown_dataset_name():
    with pytest.raises(DatasetError, match="unknown dataset 'cifar'"):
        load_dataset("cifar")


# -- image folders ----------------------------------------------------------------------------


def make_folder(root, classes, per_class=4, size=(40, 30)):
    for index, name in enumerate(classes):
        folder = root / name
        folder.mkdir(parents=True)
        for i in range(per_class):
            Image.new("RGB", size, (index * 60, i * 20, 0)).save(folder / f"{i}.png")


def test_image_folder_keeps_its_colour_at_the_median_shorter_side(tmp_path):
    make_folder(tmp_path, ["cat", "dog", "emu"], per_class=5)
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    data = load_folder(tmp_path, val_fraction=0.2)
    assert data.class_names == ["cat", "dog", "emu"]
    # 40×30 colour images: RGB, squeezed to their shorter side, 30×30
    assert data.input_shape == [3, 30, 30]
    assert len(data.train_labels) + len(data.val_labels) == 15
    assert data.name == f"folder:{tmp_path}"
    assert load_dataset(f"folder:{tmp_path}").num_classes == 3


def test_a_folder_of_28x28_grayscale_digits_stays_1x28x28(tmp_path):
    for label in ("0", "1"):
        (tmp_path / label).mkdir()
        for i in range(3):
            Image.new("L", (28, 28), 40 * i + int(label)).save(tmp_path / label / f"{i}.png")
    data = load_dataset(f"folder:{tmp_path}", val_fraction=0.5)
    assert data.input_shape == [1, 28, 28]
    values = sorted(torch.cat([data.train_images, data.val_images])[:, 0, 0, 0].tolist())
    assert values == [0, 1, 40, 41, 80, 81]


def test_image_folder_problems(tmp_path):
    (tmp_path / "empty" / "a").mkdir(parents=True)
    with pytest.raises(DatasetError, match="holds no images"):
        load_folder(tmp_path / "empty")
    make_folder(tmp_path / "one", ["only"])
    with pytest.raises(DatasetError, match="only one class"):
        load_folder(tmp_path / "one")
    with pytest.raises(DatasetError, match="does not exist"):
        load_folder(tmp_path / "missing")
