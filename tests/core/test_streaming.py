"""Large image folders stream from disk: the threshold, the same split and pixels as in memory,
the same weights for the same seed (with and without worker processes), pause, stop and resume
on the streamed path, and an image that cannot be read."""

import io
import threading

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from netbuilder.core import streaming
from netbuilder.core.data import Dataset, load_dataset, load_folder
from netbuilder.core.resume import ResumePoint
from netbuilder.core.streaming import (
    StreamedData,
    StreamingDataset,
    default_workers,
    estimated_bytes,
    load_folder_or_stream,
)
from netbuilder.core.training import (
    BatchEnd,
    EpochEnd,
    Failed,
    Stopped,
    TrainConfig,
    Trainer,
    TrainingError,
    history_dicts,
    reset_weights,
)

CLASSES, PER_CLASS = 3, 20  # 60 images: 48 training, 12 validation
SIZE = 16
CONFIG = TrainConfig(epochs=2, batch_size=8, seed=3, augment=True)  # 6 batches an epoch
TIMING = {"seconds", "samples_per_s"}


def make_folder(root, gray: bool = False, seed: int = 0):
    """Class sub-folders of random images of mixed sizes, half PNG and half JPEG; each class
    has its own dominant channel (or brightness, grey)."""
    rng = np.random.default_rng(seed)
    for c in range(CLASSES):
        (root / f"class{c}").mkdir(parents=True)
        for i in range(PER_CLASS):
            height, width = 18 + i % 7, 20 + i % 5
            if gray:
                pixels = rng.integers(0, 120, (height, width), dtype=np.uint8) + 60 * c
            else:
                pixels = rng.integers(0, 200, (height, width, 3), dtype=np.uint8)
                pixels[..., c] = 255
            Image.fromarray(pixels).save(root / f"class{c}" / f"{i:02}.{'jpg' if i % 2 else 'png'}")
    return root


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return make_folder(tmp_path_factory.mktemp("photos") / "photos")


@pytest.fixture(scope="module")
def name(folder):
    return f"folder:{folder}?size={SIZE}"


@pytest.fixture(scope="module")
def in_memory(name):
    return load_dataset(name)


@pytest.fixture
def streamed(name):
    data = load_dataset(name, stream_threshold=0)
    data.num_workers = 0
    return data


def small_cnn(seed: int = 5) -> nn.Module:
    model = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 8, 3, padding=1), nn.ReLU(), nn.Dropout(0.25),
                          nn.Flatten(), nn.Linear(8 * 8 * 8, CLASSES))
    reset_weights(model, seed)
    return model


def same_weights(a, b) -> bool:
    a = a if isinstance(a, dict) else a.state_dict()
    b = b if isinstance(b, dict) else b.state_dict()
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def without_timing(records):
    return [{k: v for k, v in r.items() if k not in TIMING} for r in records]


def drive(trainer, stop_when=lambda event: False):
    events = []
    for event in trainer.run():
        events.append(event)
        if stop_when(event):
            trainer.stop.set()
    return events


@pytest.fixture(scope="module")
def trained_in_memory(in_memory):
    model = small_cnn()
    trainer = Trainer(model, in_memory, CONFIG)
    assert drive(trainer)[-1].kind == "finished"
    return model, trainer


# ---------------------------------------------------------------------------------------------
# Which path, and the same data on both


def test_the_threshold_picks_the_path(folder, name, monkeypatch):
    assert type(load_dataset(name)) is Dataset  # 60 small images: far below 1 GiB
    assert isinstance(load_dataset(name, stream_threshold=0), StreamingDataset)
    # The estimate: 60 images of 3×16×16 as float32; at the threshold itself, still in memory.
    exact = estimated_bytes(60, 3, SIZE)
    assert exact == 60 * 3 * 16 * 16 * 4
    assert type(load_dataset(name, stream_threshold=exact)) is Dataset
    assert isinstance(load_dataset(name, stream_threshold=exact - 1), StreamingDataset)
    # The module's constant is the default.
    monkeypatch.setattr(streaming, "STREAM_THRESHOLD_BYTES", exact - 1)
    assert isinstance(load_dataset(name), StreamingDataset)
    monkeypatch.setattr(streaming, "STREAM_THRESHOLD_BYTES", exact)
    assert type(load_dataset(name)) is Dataset


def test_grey_files_are_estimated_from_their_headers(tmp_path):
    grey = make_folder(tmp_path / "grey", gray=True)
    # Without decoding, 60 files could be 3×16×16; their headers say grey: 1×16×16.
    upper, grey_bytes = estimated_bytes(60, 3, SIZE), estimated_bytes(60, 1, SIZE)
    assert type(load_folder_or_stream(grey, size=SIZE, threshold=upper - 1)) is Dataset
    assert type(load_folder_or_stream(grey, size=SIZE, threshold=grey_bytes)) is Dataset
    data = load_folder_or_stream(grey, size=SIZE, threshold=grey_bytes - 1, num_workers=0)
    assert isinstance(data, StreamingDataset) and data.input_shape == [1, SIZE, SIZE]


def test_default_worker_count():
    assert [default_workers(n) for n in (1, 2, 3, 5, 16)] == [0, 1, 2, 4, 4]


def test_same_split_names_and_pixels(in_memory, streamed, name):
    assert streamed.name == in_memory.name == name
    assert streamed.class_names == in_memory.class_names == ["class0", "class1", "class2"]
    assert streamed.input_shape == in_memory.input_shape == [3, SIZE, SIZE]
    assert streamed.num_classes == 3 and streamed.task == "classification"
    assert streamed.is_table is False and in_memory.is_table is False
    assert len(streamed.train_labels) == 48 and len(streamed.val_labels) == 12
    assert torch.equal(streamed.train_labels, in_memory.train_labels)
    assert torch.equal(streamed.val_labels, in_memory.val_labels)
    assert streamed.train_images.shape == in_memory.train_images.shape
    assert streamed.train_images.dtype == torch.uint8
    assert torch.equal(streamed.train_images[:], in_memory.train_images)
    assert torch.equal(streamed.val_images[:], in_memory.val_images)
    assert torch.equal(streamed.train_images[5], in_memory.train_images[5])
    assert torch.equal(streamed.train_images[np.int64(-1)], in_memory.train_images[-1])
    mask = in_memory.train_labels == 1
    assert torch.equal(streamed.train_images[mask], in_memory.train_images[mask])
    pick = torch.randperm(48, generator=torch.Generator().manual_seed(4))[:10].sort().values
    assert torch.equal(streamed.sample(10, seed=4), in_memory.train_images[pick])
    assert torch.equal(streamed.train_images[torch.tensor([7, 2])],
                       in_memory.train_images[torch.tensor([7, 2])])
    assert str(streamed) == (f"{name}: 48 training / 12 validation images of 3×16×16, "
                             "3 classes, streamed from disk")


@pytest.mark.parametrize("options", ["", "?fit=crop", "?color=grayscale&size=12"])
def test_automatic_size_colour_and_fit_match_the_loaded_folder(folder, options):
    """Without a size the median shorter side (from the headers); auto colour; crop."""
    memory = load_folder_or_stream(folder, **_options(options), seed=9)
    stream = load_folder_or_stream(folder, **_options(options), seed=9, threshold=0,
                                   num_workers=0)
    assert type(memory) is Dataset and isinstance(stream, StreamingDataset)
    assert stream.input_shape == memory.input_shape
    assert stream.name == memory.name
    assert torch.equal(stream.train_images[:], memory.train_images)
    assert torch.equal(stream.val_images[:], memory.val_images)
    assert torch.equal(stream.train_labels, memory.train_labels)


def _options(query: str) -> dict:
    from netbuilder.core.registry import folder_options

    return folder_options(f"folder:x{query}")


def test_an_unopenable_file_is_left_out_as_in_memory(tmp_path):
    root = make_folder(tmp_path / "f")
    (root / "class1" / "zz_broken.png").write_bytes(b"not an image at all")
    memory = load_folder(root, size=SIZE)
    stream = load_folder_or_stream(root, size=SIZE, threshold=0, num_workers=0)
    assert stream.unreadable == ["zz_broken.png"]
    assert len(stream.train_labels) + len(stream.val_labels) == 60
    assert torch.equal(stream.train_images[:], memory.train_images)
    assert torch.equal(stream.val_labels, memory.val_labels)


# ---------------------------------------------------------------------------------------------
# Training on it


def test_same_seed_same_weights_streamed_and_in_memory(streamed, trained_in_memory):
    memory_model, memory_trainer = trained_in_memory
    model = small_cnn()
    trainer = Trainer(model, streamed, CONFIG)
    assert isinstance(trainer.data, StreamedData) and trainer.flips is True
    events = drive(trainer)
    assert events[-1].kind == "finished"
    assert events[0].train_size == 48 and events[0].val_size == 12
    assert same_weights(model, memory_model)
    assert without_timing(history_dicts(trainer.history)) == without_timing(
        history_dicts(memory_trainer.history))
    batch = next(e for e in events if isinstance(e, BatchEnd))
    epoch = next(e for e in events if isinstance(e, EpochEnd))
    assert batch.samples_per_s > 0 and epoch.samples_per_s > 0


def test_worker_processes_give_the_same_batches_and_weights(name, in_memory,
                                                            trained_in_memory, monkeypatch):
    monkeypatch.setattr(streaming, "READ_CHUNK", 4)  # reads of more go through the workers
    data = load_dataset(name, stream_threshold=0)
    data.num_workers = 2
    device = StreamedData(data, torch.device("cpu"))
    memory = in_memory.on_device("cpu")
    order = torch.randperm(48, generator=torch.Generator().manual_seed(1))
    rng = torch.get_rng_state()
    try:
        batches = list(device.stream(order, 16, 10))
        assert [len(b) for b in batches] == [10, 10, 10, 2]
        for i, batch in enumerate(batches):
            assert torch.equal(batch, memory.train_x[order[16 + 10 * i:26 + 10 * i]])
        # A read while a pass is under way (an evaluation while paused) does not disturb it.
        stream = device.stream(order, 0, 8)
        first = next(stream)
        assert torch.equal(device.val_x[:], memory.val_x)
        rest = list(stream)
        assert torch.equal(torch.cat([first, *rest]), memory.train_x[order])
        # The loader's seed comes from its own generator: dropout's RNG does not move.
        assert torch.equal(torch.get_rng_state(), rng)
    finally:
        device.close()

    model = small_cnn()
    trainer = Trainer(model, data, CONFIG)
    try:
        assert drive(trainer)[-1].kind == "finished"
    finally:
        trainer.data.close()
    assert same_weights(model, trained_in_memory[0])


def test_pause_waits_between_streamed_batches(streamed):
    pause = threading.Event()
    trainer = Trainer(small_cnn(), streamed, TrainConfig(epochs=1, batch_size=12), pause=pause)
    events = []
    for event in trainer.run():
        events.append(event)
        if isinstance(event, BatchEnd) and event.step == 2:
            pause.set()
            threading.Timer(0.1, pause.clear).start()
    assert [e.kind for e in events] == ["started", "batch", "batch", "paused", "resumed",
                                        "batch", "batch", "epoch", "finished"]


def through_a_file(point: ResumePoint) -> ResumePoint:
    buffer = io.BytesIO()
    torch.save(point.to_payload(), buffer)
    buffer.seek(0)
    return ResumePoint.from_payload(torch.load(buffer, weights_only=True))


@pytest.mark.parametrize("stop_after", [3, 6])  # mid-epoch, and at the end of epoch 1
def test_stop_and_resume_on_the_streamed_path(streamed, trained_in_memory, stop_after):
    model = small_cnn()
    trainer = Trainer(model, streamed, CONFIG)
    count = iter(range(1, 100))
    events = drive(trainer, lambda e: isinstance(e, BatchEnd) and next(count) == stop_after)
    if stop_after == 6:  # the stop comes after the epoch's end, before epoch 2's first batch
        assert events[-2].kind == "epoch"
        assert events[-1] == Stopped("user", "stopped at epoch 2, step 0", 2, 0)
    else:
        assert events[-1] == Stopped("user", "stopped at epoch 1, step 3", 1, 3)
    assert not model.training
    point = through_a_file(trainer.resume_point())
    assert point.global_step == stop_after

    second = small_cnn(seed=99)
    second.load_state_dict(model.state_dict())
    resumed = Trainer(second, streamed, CONFIG, resume=point)
    assert resumed.resumed
    events = drive(resumed)
    assert events[-1].kind == "finished"
    first_batch = next(e for e in events if isinstance(e, BatchEnd))
    assert first_batch.global_step == stop_after + 1
    memory_model, memory_trainer = trained_in_memory
    assert same_weights(second, memory_model)
    assert without_timing(resumed.resume_point().history) == without_timing(
        history_dicts(memory_trainer.history))


# ---------------------------------------------------------------------------------------------
# Images that cannot be read


def damage(path) -> None:
    """Keep the header (the file still opens), cut the pixels."""
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 3])


def test_an_unreadable_training_image_fails_the_run_naming_it(tmp_path):
    root = make_folder(tmp_path / "f")
    data = load_folder_or_stream(root, size=SIZE, threshold=0, num_workers=0)
    position = 20  # the training image at this place in the split
    index = int(data.train_files[position])
    relative = data.decoder.name(index)
    damage(root / relative)
    # Where it comes in epoch 1: the trainer's order for seed 3, batches of 8.
    order = torch.randperm(48, generator=torch.Generator().manual_seed(CONFIG.seed))
    step = int((order == position).nonzero()) // CONFIG.batch_size + 1

    model = small_cnn()
    start = {k: v.clone() for k, v in model.state_dict().items()}
    trainer = Trainer(model, data, CONFIG)
    events = list(trainer.run())
    assert isinstance(events[-1], Failed)
    message = events[-1].message
    assert message.startswith(f"training failed at epoch 1, step {step}: image folder {root}: "
                              f"cannot read {relative} (")
    assert message.endswith("Remove or replace it and train again.")
    assert [e.step for e in events if isinstance(e, BatchEnd)] == list(range(1, step))
    assert same_weights(model, start)  # the weights it started with are back
    assert trainer.resume_point() is None
    with pytest.raises(TrainingError, match=f"cannot read {relative}"):
        Trainer(small_cnn(), data, CONFIG).train()


def test_an_unreadable_validation_image_fails_the_epoch_naming_it(tmp_path):
    root = make_folder(tmp_path / "f")
    data = load_folder_or_stream(root, size=SIZE, threshold=0, num_workers=0)
    relative = data.decoder.name(int(data.val_files[4]))
    damage(root / relative)
    events = list(Trainer(small_cnn(), data, CONFIG).run())
    assert [e.kind for e in events] == ["started"] + ["batch"] * 6 + ["failed"]
    assert events[-1].message.startswith(
        f"validation failed at epoch 1: image folder {root}: cannot read {relative} (")
    assert events[-1].message.endswith(
        "Remove or replace it and train again. No good weights: the network was left as it "
        "was before this run.")
