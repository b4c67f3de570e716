"""The exported training script compiles for every template and edge spec, and trains.

One short epoch on a slice (``--limit``) of each template's dataset (the embedded digits, or
the CSV table a project template names) per template, in a subprocess as a person would run
it; the .pth it writes loads into ``build(spec)``.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image

from netbuilder.core.builder import build
from netbuilder.core.custom_layers import place_beside
from netbuilder.core.data import load_dataset
from netbuilder.core.registry import DOWNLOADABLE_DATASETS, folder_name
from netbuilder.core.resources import load_template, load_template_project, template_names
from netbuilder.core.spec import BlockSpec, LayerSpec, NetworkSpec
from netbuilder.core.train_script import training_script
from netbuilder.core.training import TrainConfig
from tests.core import test_containers_codegen as containers

DIGITS = Path(__file__).resolve().parents[2] / "netbuilder" / "resources" / "data" / "digits.npz"


def shapes(module):
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


def indexed_at_top(name):
    spec = load_template(name)
    for index, item in enumerate(spec.items):
        item.name = str(index)
    return spec


def recurrent_in_a_block():
    """Rows of the digit as time steps, a GRU and an LSTM inside (nested) blocks."""
    return NetworkSpec([1, 28, 28], [
        LayerSpec("Flatten", "rows", {"end_dim": 2}),
        BlockSpec("encoder", [
            LayerSpec("GRU", "gru", {"input_size": 28, "hidden_size": 16,
                                     "output": "sequence"}),
            BlockSpec("inner", [LayerSpec("LSTM", "0", {"input_size": 16, "hidden_size": 16})]),
        ]),
        LayerSpec("Linear", "fc", {"in_features": 16, "out_features": 10}),
    ], class_name="RowsRNN")


def deeply_nested(depth=60):
    items = [LayerSpec("Linear", "fc", {"in_features": 784, "out_features": 10})]
    for level in range(depth):
        items = [BlockSpec(f"b{level}", items)]
    return NetworkSpec([1, 28, 28], [LayerSpec("Flatten", "flatten"), *items],
                       class_name="Deep")


EDGE_SPECS = {
    "recurrent_in_a_block": recurrent_in_a_block,
    "index_names_at_top": lambda: indexed_at_top("mnist_mlp"),
    "recurrent_indexed_at_top": lambda: indexed_at_top("rows_lstm"),
    "deeply_nested": deeply_nested,
    "residuals_and_parallels": containers.small_digits_net,
    "containers_nested": containers.nested,
    "containers_indexed_at_top": containers.indexed_at_top,
}


def load_script(source):
    """Run the script's top level (not main): the class is defined, nothing trains."""
    namespace = {"__name__": "train_script"}
    exec(compile(source, "train.py", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("name", template_names())
def test_every_template_gives_a_script_that_compiles(name, tmp_path, monkeypatch):
    spec = load_template(name)
    place_beside(spec, tmp_path)  # custom layers, as the export does
    monkeypatch.syspath_prepend(str(tmp_path))
    namespace = load_script(training_script(spec, TrainConfig(epochs=1)))
    assert shapes(namespace[spec.class_name]()) == shapes(build(spec))
    assert namespace["SETTINGS"]["epochs"] == 1


@pytest.mark.parametrize("name", EDGE_SPECS)
def test_edge_specs_give_a_script_that_compiles(name):
    spec = EDGE_SPECS[name]()
    source = training_script(spec)
    tree = ast.parse(source)
    classes = [node.name for node in tree.body if isinstance(node, ast.ClassDef)]
    assert classes[-1] == spec.class_name and "main" in {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    namespace = load_script(source)
    assert shapes(namespace[spec.class_name]()) == shapes(build(spec))


def test_the_script_is_ruff_clean(tmp_path):
    paths = []
    for name, make in [("recurrent", recurrent_in_a_block), ("deep", deeply_nested),
                       ("containers", containers.nested)]:
        path = tmp_path / f"{name}.py"
        path.write_text(training_script(make()))
        paths.append(str(path))
    check = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", *paths],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr


RUNS = [*template_names(), "recurrent_in_a_block"]
# Runs each script as __main__ in one process: the scripts train as `python train.py` would,
# and torch is imported once instead of once per script (seconds each on a busy machine).
# Each argument is a folder, then the script's own arguments.
DRIVER = """
import runpy, sys
for line in sys.argv[1:]:
    folder, *args = line.split("|")
    sys.argv = ["train.py", "--epochs", "1", "--limit", "256", "--out", folder + "/w.pth", *args]
    print("run", folder, flush=True)
    sys.path.insert(0, folder)  # as `python train.py` puts the script's folder first
    runpy.run_path(folder + "/train.py", run_name="__main__")
    sys.path.remove(folder)
"""


def dataset_of(name, tmp_path):
    """The dataset a template trains on (a project template names its own: a CSV table, with
    the preprocessing its training makes) and the arguments that point the script at it. A
    torchvision dataset would need a download: a generated image folder of its shape instead."""
    project = None if name in EDGE_SPECS else load_template_project(name)
    if project is None or project.dataset == "digits":
        return "digits", None, ["--data", str(DIGITS)]
    if project.dataset in DOWNLOADABLE_DATASETS:
        channels, size = project.spec.input_shape[0], project.spec.input_shape[-1]
        folder = tmp_path / f"{name}_images"
        for label in range(2):
            (folder / str(label)).mkdir(parents=True)
            for i in range(4):
                pixels = torch.randint(0, 256, (size, size, 3), dtype=torch.uint8,
                                       generator=torch.Generator().manual_seed(label * 4 + i))
                Image.fromarray(pixels.numpy()).save(folder / str(label) / f"{i}.png")
        color = "rgb" if channels == 3 else "grayscale"
        return folder_name(str(folder), size=size, color=color), None, []
    return project.dataset, load_dataset(project.dataset).preprocessing, []


def test_one_short_epoch_per_script_writes_weights_that_load_into_the_app_model(tmp_path):
    specs = {name: EDGE_SPECS[name]() if name in EDGE_SPECS else load_template(name)
             for name in RUNS}
    lines = []
    for name, spec in specs.items():
        dataset, preprocessing, args = dataset_of(name, tmp_path)
        settings = {"epochs": 3, "batch_size": 64, "lr": 0.003}
        if preprocessing and preprocessing["task"] == "regression":
            settings["loss"] = "mse"
        (tmp_path / name).mkdir()
        (tmp_path / name / "train.py").write_text(
            training_script(spec, settings, dataset=dataset, preprocessing=preprocessing))
        place_beside(spec, tmp_path / name)  # custom layers, as the export does
        lines.append("|".join([name, *args]))
    result = subprocess.run(
        [sys.executable, "-c", DRIVER, *lines],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-1000:] + result.stderr[-3000:]
    for name, spec in specs.items():
        output = result.stdout.split(f"run {name}\n", 1)[1]
        assert output.startswith("epoch 1/1  train loss"), output[:500]
        assert f"wrote {name}/w.pth" in output
        state = torch.load(tmp_path / name / "w.pth", weights_only=True)
        model = build(spec)
        model.load_state_dict(state)  # strict: the same keys and shapes
        assert all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point())
    regression = result.stdout.split("run tutorial_mymodel\n", 1)[1].split("\n", 1)[0]
    assert " rmse " in regression and " r2 " in regression  # the table's regression


def test_a_script_refuses_data_that_does_not_fit_the_network(tmp_path, monkeypatch):
    namespace = load_script(training_script(load_template("tutorial_mymodel")))  # [10], digits
    monkeypatch.setattr(sys, "argv", ["train.py", "--data", str(DIGITS), "--limit", "8",
                                      "--out", str(tmp_path / "w.pth")])
    with pytest.raises(SystemExit) as stopped:
        namespace["main"]()
    assert str(stopped.value) == "the data gives inputs of 1×28×28, but MyModel takes 10"
    assert list(tmp_path.iterdir()) == []


def test_no_class_name_can_shadow_a_name_of_the_generated_code():
    """GENERATED_NAMES lists every top-level name the module and the script define, so
    check_class_name refuses a class name that would overwrite one of them."""
    import ast

    from netbuilder.core.codegen import generate
    from netbuilder.core.names import GENERATED_NAMES

    defined = set()
    for template in ("mnist_mlp", "resnet_digits", "rows_lstm", "inception_digits"):
        spec = load_template(template)
        sources = [generate(spec, "class"), generate(spec, "sequential"),
                   training_script(spec, {"augment": True, "stroke": 0.5}),
                   training_script(spec, dataset="folder:/tmp/images")]
        for source in sources:
            for node in ast.parse(source).body:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    defined.add(node.name)
                elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    defined |= {n.id for t in targets for n in ast.walk(t)
                                if isinstance(n, ast.Name)}
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    defined |= {(a.asname or a.name).split(".")[0] for a in node.names}
        defined.discard(spec.class_name)
    # the container helpers are refused only where the network uses them (test_containers)
    assert defined - GENERATED_NAMES == {"Residual", "Parallel"}
