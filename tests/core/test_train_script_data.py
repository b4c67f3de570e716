"""The exported training script follows the dataset the network was trained on (issue 16).

A small generated RGB image folder, a CSV classification with a text column and a CSV
regression: the script loads each exactly as netbuilder does (the same tensors and the same
seeded split, checked in-process by calling the script's own ``load_data``), and trains with
``python`` and with ``torchrun --nproc_per_node=2`` on CPU ranks; the weights it writes load
strictly into ``build(spec)``. ``--resume`` gives bit-identical final weights to an
uninterrupted run, ``--accumulate N`` steps every N batches and ``--amp`` is ignored on the CPU.

Subprocesses are few: one python process runs every single-machine run (as ``python
train.py`` would, through runpy), one torchrun runs both multi-rank runs, one ruff checks all.
"""

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from netbuilder.core.builder import build
from netbuilder.core.data import _torchvision_images, augment, load_dataset, load_digits
from netbuilder.core.pen_augment import PenAugment, pen_augment
from netbuilder.core.registry import csv_name
from netbuilder.core.spec import LayerSpec, NetworkSpec
from netbuilder.core.train_config import PEN_SETTINGS, TrainConfig
from netbuilder.core.train_script import training_script
from netbuilder.core.training import TrainingError

TORCHRUN = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or "torchrun"
SEED, VAL = 5, 0.25
FOLDER_SETTINGS = {"epochs": 2, "batch_size": 4, "lr": 0.01, "seed": SEED, "val_split": VAL,
                   "augment": True, "schedule": "step", "optimizer": "sgd",
                   "stroke": 0.5, "blur": 0.5, "elastic": 0.5, "erase": 0.3}  # every effect on
TABLE_SETTINGS = {"epochs": 2, "batch_size": 4, "lr": 0.01, "seed": SEED, "val_split": VAL,
                  "optimizer": "adam", "schedule": "cosine"}


def image_folder(root: Path) -> Path:
    """3 classes × 4 colour PNGs of 18 × 16…19 pixels and a grayscale one of 20 × 20 (so the
    median of the 13 shorter sides is 18), a text file and an unreadable .png, skipped."""
    rng = np.random.default_rng(0)
    for c, name in enumerate(("cat", "dog", "eel")):
        (root / name).mkdir(parents=True)
        for i in range(4):
            pixels = rng.integers(0, 256, (16 + i, 18, 3), dtype=np.uint8)
            pixels[..., c] = 255  # something for the network to learn
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    Image.fromarray(rng.integers(0, 256, (20, 20), dtype=np.uint8)).save(root / "dog" / "g.png")
    (root / "cat" / "notes.txt").write_text("not an image")
    (root / "eel" / "broken.png").write_bytes(b"not a png")
    return root


def table(path: Path, regression: bool) -> Path:
    """40 rows: two numbers, a text column, and a text class or a measured number to predict."""
    rng = random.Random(1)
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["size", " colour ", "weight", "y" if regression else "label"])
        for _ in range(40):
            size, weight = rng.uniform(0, 10), rng.gauss(50, 5)
            colour = rng.choice(["red", "green", "blue"])
            target = (f"{2 * size - weight / 10 + (colour == 'red'):.3f}" if regression
                      else ("big" if size > 5 else "small") if colour != "blue" else "blue")
            writer.writerow([f"{size:.3f}", f" {colour}", f"{weight:.2f}", target])
            if rng.random() < 0.1:
                writer.writerow([])  # a blank line: skipped by both readers
    return path


def folder_spec(channels: int = 3, size: int = 18) -> NetworkSpec:
    return NetworkSpec([channels, size, size], [
        LayerSpec("Conv2d", "conv", {"in_channels": channels, "out_channels": 4,
                                     "kernel_size": 3, "padding": 1}),
        LayerSpec("BatchNorm2d", "bn", {"num_features": 4}),
        LayerSpec("ReLU", "relu"),
        LayerSpec("Flatten", "flat"),
        LayerSpec("Dropout", "drop", {"p": 0.2}),
        LayerSpec("Linear", "fc", {"in_features": 4 * size * size, "out_features": 3}),
    ], class_name="FolderNet")


def table_spec(features: int, outputs: int, name: str) -> NetworkSpec:
    return NetworkSpec([features], [
        LayerSpec("Linear", "fc1", {"in_features": features, "out_features": 8}),
        LayerSpec("ReLU", "relu"),
        LayerSpec("Dropout", "drop", {"p": 0.2}),
        LayerSpec("Linear", "fc2", {"in_features": 8, "out_features": outputs}),
    ], class_name=name)


@pytest.fixture(scope="module")
def scripts(tmp_path_factory):
    """The three datasets, their netbuilder Datasets, specs and exported scripts."""
    root = tmp_path_factory.mktemp("data")
    folder = f"folder:{image_folder(root / 'images')}?fit=crop"
    classes = csv_name(str(table(root / "pets.csv", False)), "label")
    values = csv_name(str(table(root / "values.csv", True)), "y", "regression")
    out = {}
    for key, name in (("folder", folder), ("classes", classes), ("values", values)):
        data = load_dataset(name, val_fraction=VAL, seed=SEED)
        if key == "folder":
            spec, settings = folder_spec(), FOLDER_SETTINGS
        else:
            spec = table_spec(data.input_shape[0], data.num_classes, key.title())
            settings = {**TABLE_SETTINGS, "loss": "mse" if key == "values" else "cross_entropy"}
        source = training_script(spec, settings, dataset=name, preprocessing=data.preprocessing
                                 if key != "folder" else None, script_name=f"{key}.py")
        (root / f"{key}.py").write_text(source)
        out[key] = {"name": name, "data": data, "spec": spec, "source": source,
                    "path": root / f"{key}.py"}
    out["root"] = root
    return out


def script_namespace(source: str) -> dict:
    """The script's top level (not main): its constants, loaders and class."""
    namespace = {"__name__": "train_script"}
    exec(compile(source, "train.py", "exec"), namespace)
    return namespace


def script_data(source: str, seed: int, val_split: float, data=None):
    args = argparse.Namespace(seed=seed, val_split=val_split, data=data, mnist=None)
    namespace = script_namespace(source)
    if data is None and namespace["DATA"]["kind"] in ("folder", "csv"):
        args.data = namespace["DATA"]["path"]
    return namespace["load_data"](args)


def assert_same_split(loaded, dataset):
    train_x, train_y, val_x, val_y, classes = loaded
    assert train_x.dtype == dataset.train_images.dtype
    assert torch.equal(train_x, dataset.train_images)
    assert torch.equal(train_y, dataset.train_labels)
    assert torch.equal(val_x, dataset.val_images)
    assert torch.equal(val_y, dataset.val_labels)
    assert classes == (0 if dataset.task == "regression" else dataset.num_classes)


def test_the_script_loads_and_splits_the_data_exactly_as_netbuilder(scripts):
    for key in ("folder", "classes", "values"):
        entry = scripts[key]
        assert_same_split(script_data(entry["source"], SEED, VAL), entry["data"])
    folder = scripts["folder"]["data"]
    assert list(folder.train_images.shape[1:]) == [3, 18, 18]  # colour kept, the median size
    assert len(folder.train_labels) + len(folder.val_labels) == 13  # broken.png, notes.txt out
    values = scripts["values"]["data"]
    assert values.train_labels.dtype == torch.float32 and values.train_labels.shape[1] == 1
    # another seed and fraction split both the same way; the table keeps its trained statistics
    assert_same_split(script_data(scripts["folder"]["source"], 11, 0.4),
                      load_dataset(scripts["folder"]["name"], val_fraction=0.4, seed=11))
    # other folder options: the size given, squeezed, grayscale
    gray = f"folder:{scripts['root'] / 'images'}?size=8&color=grayscale"
    source = training_script(folder_spec(1, 8), dataset=gray)
    assert_same_split(script_data(source, 3, 0.3),
                      load_dataset(gray, val_fraction=0.3, seed=3))
    assert_same_split(script_data(training_script(folder_spec(1, 8)), 3, 0.3),
                      load_digits(0.3, 3))


def test_the_script_carries_the_dataset_as_literals(scripts):
    folder = script_namespace(scripts["folder"]["source"])
    assert folder["DATA"] == {"kind": "folder", "path": str(scripts["root"] / "images"),
                              "size": None, "fit": "crop", "color": "auto"}
    assert folder["INPUT_SHAPE"] == (3, 18, 18) and folder["FLIPS"] is True
    values = script_namespace(scripts["values"]["source"])
    assert values["DATA"] == {"kind": "csv", "path": str(scripts["root"] / "values.csv"),
                              "target": "y", "task": "regression", "classes": ()}
    classes = script_namespace(scripts["classes"]["source"])
    assert classes["DATA"]["classes"] == ("big", "blue", "small")
    assert "import netbuilder" not in scripts["classes"]["source"]
    cifar = script_namespace(training_script(folder_spec(3, 32), dataset="cifar100"))
    assert cifar["DATA"] == {"kind": "torchvision", "name": "cifar100", "class": "CIFAR100",
                             "classes": 100}
    assert cifar["FLIPS"] is True
    kmnist = script_namespace(training_script(folder_spec(1, 28), dataset="kmnist"))
    assert kmnist["DATA"]["class"] == "KMNIST" and kmnist["FLIPS"] is False
    # torchvision's data become uint8 N×C×H×W as in netbuilder: CIFAR's HWC numpy, MNIST's
    # N×H×W tensor (the downloads themselves are not tried here)
    hwc = np.random.default_rng(2).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    assert torch.equal(cifar["images_of"](hwc), _torchvision_images(hwc))
    assert cifar["images_of"](hwc).shape == (3, 3, 32, 32)
    digits = torch.randint(0, 256, (2, 28, 28), dtype=torch.uint8)
    assert torch.equal(kmnist["images_of"](digits), _torchvision_images(digits))


def test_the_scripts_augmentation_is_netbuilders_tensor_for_tensor(scripts):
    """The script's affine augment and pen_augment equal core's for the same generator, in
    colour and grayscale, each effect alone and all together; PEN is the settings' strengths."""
    folder = script_namespace(scripts["folder"]["source"])
    assert folder["PEN"] == tuple(FOLDER_SETTINGS[name] for name in PEN_SETTINGS)
    defaults = script_namespace(training_script(folder_spec(1, 8)))
    assert defaults["PEN"] == tuple(getattr(TrainConfig(), name) for name in PEN_SETTINGS)
    images = torch.rand(6, 3, 18, 18)
    for seed in range(3):
        for flip in (False, True):
            assert torch.equal(folder["augment"](images, torch.Generator().manual_seed(seed),
                                                 flip=flip),
                               augment(images, torch.Generator().manual_seed(seed), flip=flip))
    mixes = [PenAugment(**{name: 0.8}) for name in PEN_SETTINGS]
    mixes.append(PenAugment(stroke=0.3, blur=0.6, elastic=1.0, erase=0.5))
    for images in (torch.rand(6, 3, 18, 18), torch.rand(5, 1, 28, 28)):
        for settings in mixes:
            theirs = folder["pen_augment"](images, torch.Generator().manual_seed(4),
                                           folder["PenAugment"](**settings.to_dict()))
            ours = pen_augment(images, torch.Generator().manual_seed(4), settings)
            assert torch.equal(theirs, ours), settings
    strengths = {"stroke": 0.25, "blur": 0.0, "elastic": 1.0, "erase": 0.5}
    chosen = script_namespace(training_script(folder_spec(1, 8),
                                              {"augment": True, **strengths}))
    assert chosen["PEN"]._asdict() == strengths
    assert chosen["SETTINGS"]["augment"] is True


def test_hostile_paths_and_names_stay_data(tmp_path):
    marker = tmp_path / "injected"
    touch = f'__import__("pathlib").Path({str(marker)!r}).touch()'
    path = f'/data/x"""\n{touch}\n"""\'; {touch}; \'\\N{{'
    namespace = script_namespace(training_script(folder_spec(), dataset=f"folder:{path}",
                                                 script_name=f'"""\n{touch}\n'))
    assert namespace["DATA"]["path"] == path
    preprocessing = {"kind": "tabular", "version": 1, "target": f'y"; {touch}; "',
                     "task": "classification", "features": 1,
                     "columns": [{"name": f"x')\n{touch}\n#", "type": "numeric", "mean": 0.5,
                                  "scale": 2.0}],
                     "classes": [f'a"""{touch}', "b\nc"]}
    name = csv_name(f"/t/{touch}.csv", preprocessing["target"])
    namespace = script_namespace(training_script(table_spec(1, 2, "T"), dataset=name,
                                                 preprocessing=preprocessing))
    assert namespace["DATA"]["target"] == preprocessing["target"]
    assert namespace["DATA"]["classes"] == tuple(preprocessing["classes"])
    assert namespace["DATA"]["path"] == f"/t/{touch}.csv"
    assert not marker.exists()


def test_what_cannot_be_written_is_refused(scripts):
    with pytest.raises(ValueError, match="must be trained once first"):
        training_script(table_spec(5, 3, "T"), dataset=scripts["classes"]["name"])
    with pytest.raises(ValueError, match="the preprocessing is for the target 'y', not 'size'"):
        training_script(table_spec(5, 1, "T"), dataset=csv_name("/t.csv", "size"),
                        preprocessing=scripts["values"]["data"].preprocessing)
    with pytest.raises(TrainingError, match="a regression trains with the mse or l1 loss"):
        training_script(table_spec(5, 1, "T"), {"loss": "cross_entropy"},
                        dataset=scripts["values"]["name"],
                        preprocessing=scripts["values"]["data"].preprocessing)
    with pytest.raises(ValueError, match="image-folder option 'fit'"):
        training_script(folder_spec(), dataset="folder:/x?fit=stretch")
    with pytest.raises(ValueError, match="cannot write a training script for the dataset"):
        training_script(folder_spec(), dataset="imagenet")


def test_the_scripts_are_ruff_clean(scripts):
    paths = [str(scripts[key]["path"]) for key in ("folder", "classes", "values")]
    # TRY004 (ValueError for a type check) is in tabular.preprocessing_source's preprocess()
    check = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated",
                            "--extend-ignore", "TRY004", *paths],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr


# Every single-machine run in one process, each as `python KEY.py ARGS` would run it.
DRIVER = """
import runpy, sys
for line in sys.argv[1:]:
    script, *args = line.split()
    print("run", " ".join([script, *args]), flush=True)
    print("run", " ".join([script, *args]), file=sys.stderr, flush=True)
    sys.argv = [script, *args]
    runpy.run_path(script, run_name="__main__")
"""
RUNS = [
    "folder.py --epochs 2 --out folder_full.pth --save-checkpoint folder{epoch}.ckpt --amp",
    "folder.py --epochs 2 --resume folder1.ckpt --out folder_resumed.pth",
    "classes.py --epochs 1 --accumulate 4 --out classes.pth",
    "values.py --epochs 2 --out values_full.pth --save-checkpoint values{epoch}.ckpt",
    "values.py --epochs 2 --resume values1.ckpt --out values_resumed.pth",
]


def section(text: str, run: str) -> str:
    return text.split(f"run {run}\n", 1)[1].split("\nrun ", 1)[0]


def load_strictly(path: Path, spec: NetworkSpec) -> dict:
    state = torch.load(path, weights_only=True)
    build(spec).load_state_dict(state)  # strict: the same keys and shapes
    assert all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point())
    return state


def test_python_runs_resume_exactly_accumulate_and_ignore_amp_on_the_cpu(scripts):
    root = scripts["root"]
    result = subprocess.run([sys.executable, "-c", DRIVER, *RUNS], cwd=root,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    out, err = result.stdout, result.stderr
    first = section(out, RUNS[0])
    assert first.startswith("epoch 1/2  train loss ") and "val acc " in first
    assert "epoch 2/2  train loss " in first and "wrote folder_full.pth" in first
    assert "note: --amp is ignored on cpu" in section(err, RUNS[0])
    resumed = section(out, RUNS[1])
    assert resumed.startswith("epoch 2/2  train loss ")  # epoch 1 is not trained again
    assert "after epoch 1" in section(err, RUNS[1])
    regression = section(out, RUNS[3])
    assert all(word in regression for word in (" rmse ", " mae ", " r2 "))
    for key in ("folder", "values"):
        full = load_strictly(root / f"{key}_full.pth", scripts[key]["spec"])
        again = load_strictly(root / f"{key}_resumed.pth", scripts[key]["spec"])
        assert full.keys() == again.keys()
        assert all(torch.equal(full[k], again[k]) for k in full), key  # bit for bit
        assert not all(torch.equal(full[k], v) for k, v in torch.load(
            root / f"{key}1.ckpt", weights_only=True)["model"].items())  # epoch 2 did train
    load_strictly(root / "classes.pth", scripts["classes"]["spec"])
    checkpoint = torch.load(root / "classes.ckpt", weights_only=True)
    assert checkpoint["epoch"] == 1
    # 30 training rows of 40 → 8 batches of 4 → an optimizer step every 4 batches: 2 steps
    assert len(scripts["classes"]["data"].train_labels) == 30
    assert [int(s["step"]) for s in checkpoint["optimizer"]["state"].values()] == [2] * 4


# Both scripts under one torchrun: the process group is set up once, as a program that
# embeds them would (a second init_process_group in one process would wait forever).
TORCHRUN_DRIVER = """
import gc, os, runpy, sys
import torch.distributed as dist
dist.init_process_group("gloo")
for script, out in (("folder.py", "ddp_folder.pth"), ("classes.py", "ddp_classes.pth")):
    sys.argv = [script, "--epochs", "1", "--out", out, "--save-all-ranks", "--device", "cpu"]
    runpy.run_path(script, run_name="__main__")
gc.collect()  # DDP's reducer lets go of the group while every rank is still there
dist.barrier()
dist.destroy_process_group()
sys.stdout.flush()
os._exit(0)  # gloo's threads can abort in the interpreter's teardown under load
"""


def test_torchrun_on_two_cpu_ranks(scripts):
    root = scripts["root"]
    (root / "ddp.py").write_text(TORCHRUN_DRIVER)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([TORCHRUN, "--standalone", "--nproc_per_node=2", "ddp.py"],
                            cwd=root, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert result.stdout.count("epoch 1/1  train loss ") == 2  # rank 0 logs, once per script
    for key in ("folder", "classes"):
        assert f"wrote ddp_{key}.pth" in result.stdout
        state = load_strictly(root / f"ddp_{key}.pth", scripts[key]["spec"])
        rank0 = torch.load(root / f"ddp_{key}.rank0.pth", weights_only=True)
        rank1 = torch.load(root / f"ddp_{key}.rank1.pth", weights_only=True)
        assert all(torch.equal(rank0[k], rank1[k]) and torch.equal(state[k], rank0[k])
                   for k in state)  # DDP kept the replicas identical
