"""Audit of issue 16 (colour images, tables, exported scripts), end to end on the command line.

The feature tests check each part alone; these check the "Done when" lines across the parts:
RGB folders of mixed sizes train and evaluate to the same accuracy, a CSV with text categories
keeps one preprocessing from project to checkpoint to exported code, missing values stop the
CLI naming row and column, the verbatim tutorial MyModel reproduces the R² the CLI printed, and
a checkpoint or project trained on a folder or a table exports a script that trains on it.
"""

import csv
import importlib
import random
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from netbuilder.cli import main
from netbuilder.core.builder import build
from netbuilder.core.checkpoint import load_file
from netbuilder.core.data import load_dataset, load_folder
from netbuilder.core.project import Project
from netbuilder.core.registry import csv_name
from netbuilder.core.resources import RESOURCES, TEMPLATES
from netbuilder.core.spec import LayerSpec, NetworkSpec
from netbuilder.core.tabular import load_csv, preprocess_rows
from tests.core.article_models import MyModel

SIDES = (16, 24, 40)  # shorter sides, nine images of each: the median is 24


def mixed_folder(root):
    """Three classes, each with its own dominant channel, of nine noisy RGB images whose sizes
    differ (shorter sides 16, 24 and 40, landscape and portrait, PNG and JPEG)."""
    rng = np.random.default_rng(0)
    for c, name in enumerate(("red", "green", "blue")):
        (root / name).mkdir(parents=True)
        for i in range(9):
            short = SIDES[i % 3]
            long = short + 4 * (i % 4)
            height, width = (short, long) if i % 2 else (long, short)
            pixels = rng.integers(0, 120, (height, width, 3), dtype=np.uint8)
            pixels[..., c] = 230
            Image.fromarray(pixels).save(root / name / f"{i}.{'jpg' if i % 2 else 'png'}")
    return root


def linear_net(tmp_path, side):
    spec = NetworkSpec([3, side, side], [
        LayerSpec("Flatten", "flatten"),
        LayerSpec("Linear", "fc", {"in_features": 3 * side * side, "out_features": 3})],
        "ColourNet", 3)
    path = tmp_path / f"net{side}.json"
    path.write_text(spec.to_json())
    return spec, path


def last_epoch(out: str) -> str:
    return [line for line in out.splitlines() if line.startswith("epoch ")][-1]


@pytest.mark.parametrize("size", [None, 12, 32])
def test_rgb_folders_of_mixed_sizes_train_and_evaluate_at_their_size(tmp_path, capsys, size):
    folder = mixed_folder(tmp_path / "photos")
    side = size or 24
    shape = load_folder(folder, size).input_shape
    assert shape == [3, side, side]
    _spec, net = linear_net(tmp_path, side)
    project = tmp_path / "p.nbproj"
    options = [] if size is None else ["--image-size", str(size)]
    assert main(["train", str(net), "--dataset", f"folder:{folder}", *options, "--epochs", "8",
                 "--batch-size", "6", "--lr", "0.01", "--save-project", str(project)]) == 0
    out = capsys.readouterr().out
    assert f"22 training / 5 validation images of 3×{side}×{side}, 3 classes" in out
    trained = float(re.search(r"val acc (\S+)", last_epoch(out)).group(1))
    assert trained >= 0.8  # three classes: guessing gives a third
    assert main(["evaluate", str(project)]) == 0
    evaluated = capsys.readouterr().out
    assert evaluated.startswith(f"accuracy: {trained:.4f}  (5 validation images of folder:")
    assert Project.load(project).dataset == (f"folder:{folder}" if size is None
                                             else f"folder:{folder}?size={size}")


def pets_csv(path, missing: bool = False):
    """60 rows: a number, two text columns, a text target the number and colour decide."""
    rng = random.Random(4)
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["weight", "colour", "coat", "kind"])
        for i in range(60):
            weight = rng.uniform(0, 10)
            colour = rng.choice(["black", "white", "ginger"])
            coat = rng.choice(["short", "long"])
            kind = "cat" if weight < 4 else ("dog" if colour != "ginger" else "fox")
            row = [f"{weight:.3f}", colour, coat, kind]
            if missing and i == 2:
                row[0] = ""
            if missing and i == 6:
                row[1] = "NA"
            writer.writerow(row)
    return path


def table_net(tmp_path, features, classes):
    spec = NetworkSpec([features], [
        LayerSpec("Linear", "fc1", {"in_features": features, "out_features": 16}),
        LayerSpec("ReLU", "relu"),
        LayerSpec("Linear", "fc2", {"in_features": 16, "out_features": classes})],
        "PetNet", classes)
    path = tmp_path / "pets.json"
    path.write_text(spec.to_json())
    return spec, path


def import_exported(code, monkeypatch):
    monkeypatch.syspath_prepend(str(code.parent))
    sys.modules.pop(code.stem, None)
    return importlib.import_module(code.stem)


def test_text_categories_keep_one_preprocessing_through_project_checkpoint_and_code(
        tmp_path, capsys, monkeypatch):
    table = pets_csv(tmp_path / "pets.csv")
    expected = load_csv(table, "kind").preprocessing
    columns = {c["name"]: c for c in expected["columns"]}
    assert columns["colour"]["categories"] == ["black", "ginger", "white"]
    assert columns["coat"]["categories"] == ["long", "short"]
    assert expected["classes"] == ["cat", "dog", "fox"]
    spec, net = table_net(tmp_path, 6, 3)  # weight + 3 colours + 2 coats
    project, checkpoint = tmp_path / "p.nbproj", tmp_path / "c.pth"
    assert main(["train", str(net), "--dataset", f"csv:{table}", "--target", "kind",
                 "--epochs", "30", "--lr", "0.01", "--batch-size", "8", "--save-project",
                 str(project), "--checkpoint", str(checkpoint)]) == 0
    out = capsys.readouterr().out
    assert "48 training / 12 validation rows of 6 features, 3 classes" in out
    assert float(re.search(r"val acc (\S+)", last_epoch(out)).group(1)) >= 0.75
    saved = Project.load(project)
    assert saved.extra["preprocessing"] == expected
    assert load_file(checkpoint).checkpoint["preprocessing"] == expected

    rows = list(csv.DictReader(table.open()))[:9]
    rows.append({"weight": "5.5", "colour": "purple", "coat": "long"})  # unseen: all zeros
    features = preprocess_rows(expected, rows)
    assert features[-1, 1:4].tolist() == [0.0, 0.0, 0.0]
    model = build(spec)
    model.load_state_dict(saved.weights.state_dict)
    for source, name in ((project, "pets_from_project"), (checkpoint, "pets_from_ckpt")):
        code = tmp_path / name / f"{name}.py"
        code.parent.mkdir()
        assert main(["export", str(source), "--out", str(code)]) == 0
        capsys.readouterr()
        exported = import_exported(code, monkeypatch)
        assert torch.equal(exported.preprocess(rows), features)
        network = exported.PetNet()
        network.load_state_dict(saved.weights.state_dict)
        network.eval()
        model.eval()
        with torch.no_grad():
            assert torch.equal(network(exported.preprocess(rows)), model(features))


def test_missing_values_stop_the_cli_naming_row_and_column(tmp_path, capsys):
    table = pets_csv(tmp_path / "holes.csv", missing=True)
    _spec, net = table_net(tmp_path, 6, 3)
    assert main(["train", str(net), "--dataset", f"csv:{table}", "--target", "kind",
                 "--out", str(tmp_path / "w.pth")]) == 1
    err = capsys.readouterr().err
    # rows count the header as row 1: data rows 2 and 6 are file rows 4 and 8
    assert ("2 missing values (empty, NA, N/A, NaN, null or None): row 4, column weight; "
            "row 8, column colour.") in err
    assert "missing values are never dropped silently" in err
    assert not (tmp_path / "w.pth").exists()


def test_the_verbatim_mymodel_reproduces_the_r2_and_rmse_the_cli_printed(tmp_path, capsys):
    weights = tmp_path / "mymodel.pth"
    assert main(["train", str(TEMPLATES / "tutorial_mymodel.json"), "--epochs", "6",
                 "--out", str(weights)]) == 0
    line = last_epoch(capsys.readouterr().out)
    printed_r2 = float(re.search(r"val r2 (\S+)", line).group(1))
    printed_rmse = float(re.search(r"val rmse (\S+)", line).group(1))
    assert printed_r2 > 0.85
    model = MyModel()  # the tutorial's class, verbatim
    model.load_state_dict(torch.load(weights, weights_only=True))
    data = load_dataset(csv_name(str(RESOURCES / "data" / "tutorial_regression.csv"), "y",
                                 "regression")).on_device("cpu")
    with torch.no_grad():
        predicted = model(data.val_x)
    error = predicted - data.val_y
    rmse = error.pow(2).mean().sqrt().item()
    r2 = 1 - error.pow(2).sum().item() / (data.val_y - data.val_y.mean()).pow(2).sum().item()
    assert rmse == pytest.approx(printed_rmse, abs=6e-5)
    assert r2 == pytest.approx(printed_r2, abs=6e-5)


def script_data(script) -> dict:
    """The DATA literal at the top of an exported script (its main() is not run)."""
    namespace = {"__name__": "exported_script"}
    exec(compile(script.read_text(), str(script), "exec"), namespace)
    return namespace["DATA"]


def run_script(script, cwd, *args):
    return subprocess.run([sys.executable, str(script), "--epochs", "1", "--device", "cpu",
                           *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_a_folder_checkpoint_and_a_table_project_export_scripts_that_train_on_them(tmp_path,
                                                                                 capsys):
    """The issue's bug: a checkpoint trained on folder: exported a digits script that failed
    with "IndexError: Target 7 is out of bounds"."""
    folder = mixed_folder(tmp_path / "photos")
    spec, net = linear_net(tmp_path, 12)
    checkpoint = tmp_path / "folder.pth"
    assert main(["train", str(net), "--dataset", f"folder:{folder}?size=12", "--epochs", "1",
                 "--batch-size", "6", "--checkpoint", str(checkpoint), "--out",
                 str(tmp_path / "cli.pth")]) == 0
    script = tmp_path / "train_folder.py"
    assert main(["export", str(checkpoint), "--format", "script", "--out", str(script)]) == 0
    assert script_data(script) == {"kind": "folder", "path": str(folder), "size": 12,
                                   "fit": "resize", "color": "auto"}
    result = run_script(script, tmp_path, "--out", "folder_w.pth")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "epoch 1/1  train loss " in result.stdout and "val acc " in result.stdout
    build(spec).load_state_dict(torch.load(tmp_path / "folder_w.pth", weights_only=True))

    table = pets_csv(tmp_path / "pets.csv")
    table_spec, table_json = table_net(tmp_path, 6, 3)
    project = tmp_path / "pets.nbproj"
    assert main(["train", str(table_json), "--dataset", f"csv:{table}", "--target", "kind",
                 "--epochs", "1", "--batch-size", "8", "--save-project", str(project)]) == 0
    script = tmp_path / "train_pets.py"
    assert main(["export", str(project), "--format", "script", "--out", str(script)]) == 0
    capsys.readouterr()
    assert script_data(script) == {"kind": "csv", "path": str(table), "target": "kind",
                                   "task": "classification", "classes": ("cat", "dog", "fox")}
    result = run_script(script, tmp_path, "--out", "pets_w.pth")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "epoch 1/1  train loss " in result.stdout and "val acc " in result.stdout
    build(table_spec).load_state_dict(torch.load(tmp_path / "pets_w.pth", weights_only=True))


def test_a_regression_trains_with_the_l1_loss_whose_value_is_the_mae():
    from netbuilder.core.resources import load_template_project
    from netbuilder.core.training import TrainConfig, Trainer, reset_weights

    data = load_dataset(csv_name(str(RESOURCES / "data" / "tutorial_regression.csv"), "y",
                                 "regression"))
    model = build(load_template_project("tutorial_mymodel").spec)
    reset_weights(model, 0)
    history = Trainer(model, data, TrainConfig(loss="l1", lr=0.01, epochs=6, batch_size=32,
                                               device="cpu")).train()
    first, last = history[0], history[-1]
    assert last.val_loss == pytest.approx(last.val_mae, rel=1e-5)  # L1 is the mean |error|
    assert last.val_mae < first.val_mae
    assert last.val_accuracy > 0.8  # R²
