"""Custom layers from a person's Python file: typed arguments, shapes on the meta device,
generated code that imports the class, exports, and no code run without permission."""

import importlib
import json
import sys
import textwrap
from collections import OrderedDict
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from netbuilder.cli import main
from netbuilder.core.analysis import analyze
from netbuilder.core.builder import build
from netbuilder.core.catalog import BOOL, CHOICE, FLOAT, INT, SHAPE, default_catalog
from netbuilder.core.codegen import generate
from netbuilder.core.custom_layers import (
    APP_FILES,
    LayerFileError,
    load_layer_file,
    loaded_file,
    place_beside,
    unload_layer_file,
)
from netbuilder.core.editing import add_layer_file, new_layer
from netbuilder.core.exporters import export_verified
from netbuilder.core.layer_files import LayerFileRef, check_refs, digest
from netbuilder.core.project import Project, ProjectError
from netbuilder.core.resources import TEMPLATES, load_template
from netbuilder.core.spec import LayerSpec, NetworkSpec
from netbuilder.core.train_script import training_script
from tests.core.article_models import CustomLayer as ArticleCustomLayer

EXAMPLE = APP_FILES / "examples" / "custom_layer.py"
ARTICLE_FILE = textwrap.dedent("""\
    import torch
    import torch.nn as nn


    class {name}(nn.Module):
        def __init__(self, in_features, out_features):
            super({name}, self).__init__()
            self.weight = nn.Parameter(torch.randn(in_features, out_features))
            self.bias = nn.Parameter(torch.zeros(out_features))

        def forward(self, x):
            return torch.matmul(x, self.weight) + self.bias
    """)


@pytest.fixture
def layer_file(tmp_path):
    """Write a layer file; every file written is forgotten again after the test."""
    written = []

    def write(source: str, name: str = "my_layers.py", folder: Path | None = None) -> Path:
        path = (folder or tmp_path) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
        written.append(path)
        return path

    yield write
    for path in written:
        unload_layer_file(path)


def spec_with(kind: str, args: dict, input_shape=(1, 28, 28), files=()) -> NetworkSpec:
    return NetworkSpec(list(input_shape), [LayerSpec("Flatten", "flatten"),
                                           LayerSpec(kind, "custom", args)],
                       class_name="WithCustom", layer_files=list(files))


def test_the_tutorials_class_verbatim_becomes_a_kind_with_integer_sizes(layer_file):
    path = layer_file(ARTICLE_FILE.format(name="TutorialLayer"))
    loaded = load_layer_file(path)
    kind = default_catalog().get("TutorialLayer")
    assert [k.name for k in loaded.kinds] == ["TutorialLayer"]
    assert kind.category == "Custom"
    assert kind.file == str(path.resolve())
    assert [(a.name, a.type, a.required) for a in kind.args] == [
        ("in_features", INT, True), ("out_features", INT, True)]


@pytest.mark.parametrize("batch", [2, 3])
def test_shapes_from_the_meta_device_equal_real_torch(layer_file, batch):
    load_layer_file(layer_file(ARTICLE_FILE.format(name="ShapeLayer")))
    spec = spec_with("ShapeLayer", {"in_features": 784, "out_features": 12})
    analysis = analyze(spec)
    assert analysis.ok
    model = build(spec)
    output = model(torch.rand(batch, 1, 28, 28))
    assert tuple(output.shape) == (batch, 12)
    assert analysis.row("custom").output_shape == (1, 12)
    assert analysis.row("custom").params == 784 * 12 + 12 == sum(p.numel() for p in
                                                                 model.parameters())


def test_a_mismatched_size_is_an_error_on_the_layer(layer_file):
    load_layer_file(layer_file(ARTICLE_FILE.format(name="WrongLayer")))
    analysis = analyze(spec_with("WrongLayer", {"in_features": 100, "out_features": 10}))
    assert not analysis.ok
    assert analysis.row("custom").error is not None


def test_annotations_and_defaults_say_each_arguments_type(layer_file):
    load_layer_file(layer_file("""\
        from typing import Literal, Optional

        import torch
        from torch import nn


        class Typed(nn.Module):
            \"\"\"Scales its input.

            More words that the palette does not need.
            \"\"\"

            def __init__(self, size: int, scale: float = 2.0, learn: bool = True,
                         mode: Literal["add", "mul"] = "mul", dims: tuple[int, ...] = (1, 2),
                         limit: Optional[int] = None, untyped_number=0.5, name="fixed",
                         *args, **kwargs):
                super().__init__()
                self.size = size

            def forward(self, x):
                return x
        """))
    kind = default_catalog().get("Typed")
    found = {a.name: (a.type, a.default, a.required, a.nullable, a.choices) for a in kind.args}
    assert found == {
        "size": (INT, 1, True, False, ()),
        "scale": (FLOAT, 2.0, False, False, ()),
        "learn": (BOOL, True, False, False, ()),
        "mode": (CHOICE, "mul", False, False, ("add", "mul")),
        "dims": (SHAPE, [1, 2], False, False, ()),
        "limit": (INT, None, False, True, ()),
        "untyped_number": (FLOAT, 0.5, False, False, ()),
    }
    assert kind.doc.startswith("Scales its input. (custom layer from my_layers.py)")
    assert "left at their defaults: name" in kind.doc
    layer = LayerSpec("Typed", "t", {"size": 3, "mode": "add", "dims": [4], "limit": 7})
    module = build(NetworkSpec([4], [layer]))
    assert module.t.size == 3


def test_new_custom_layers_are_fitted_to_their_input_by_torchs_argument_names(layer_file):
    load_layer_file(layer_file(ARTICLE_FILE.format(name="FittedLayer")))
    spec = NetworkSpec([1, 28, 28], [LayerSpec("Flatten", "flatten")])
    layer = new_layer(spec, "FittedLayer", (1, 784))
    assert layer.args == {"in_features": 784}


@pytest.mark.parametrize("source, message", [
    ("class Broken(:\n    pass\n", r"my_layers.py, line 1: "),
    ("import torch\n\nraise RuntimeError('no GPU here')\n",
     r"my_layers.py, line 3: running it raised RuntimeError: no GPU here"),
    ("import sys\nsys.exit(3)\n", r"line 2: running it raised SystemExit"),
    ("x = 1\n", r"defines no nn.Module subclass"),
    ("from torch import nn\n\nclass Linear(nn.Module):\n    pass\n",
     r"Linear: a kind of that name already exists \(netbuilder's own kinds\)"),
    ("from torch import nn\n\nclass P(nn.Module):\n    def __init__(self, a, /):\n"
     "        super().__init__()\n", r"argument 'a' is positional-only"),
    ("from torch import nn\n\nclass S(nn.Module):\n    def __init__(self, word: str):\n"
     "        super().__init__()\n", r"argument 'word' has a type netbuilder cannot edit \(str\)"),
])
def test_a_file_that_cannot_be_used_says_why_and_adds_nothing(layer_file, source, message):
    before = default_catalog().names()
    with pytest.raises(LayerFileError, match=message):
        load_layer_file(layer_file(source))
    assert default_catalog().names() == before


@pytest.mark.parametrize("name", ["torch.py", "my-layers.py", "class.py", "json.py"])
def test_a_file_named_like_another_module_is_refused(layer_file, name):
    with pytest.raises(LayerFileError, match="name the file as a Python module of its own"):
        load_layer_file(layer_file(ARTICLE_FILE.format(name="NamedLayer"), name=name))


def test_a_huge_file_is_refused_unread(layer_file):
    with pytest.raises(LayerFileError, match="larger than 1000 kB"):
        load_layer_file(layer_file("#" * 1_000_001))


def test_generated_code_imports_the_class_and_matches_the_model(layer_file, tmp_path):
    path = layer_file(ARTICLE_FILE.format(name="CodeLayer"), name="code_layers.py")
    load_layer_file(path)
    spec = spec_with("CodeLayer", {"in_features": 784, "out_features": 10})
    model = build(spec)
    sys.path.insert(0, str(tmp_path))
    try:
        for style, attribute in (("class", "WithCustom"), ("sequential", "model")):
            source = generate(spec, style)
            assert "from code_layers import CodeLayer" in source
            assert "Needs code_layers.py (its custom layers) beside it" in source
            module_path = tmp_path / f"generated_{style}.py"
            module_path.write_text(source)
            generated = importlib.import_module(f"generated_{style}")
            other = getattr(generated, attribute)
            other = other() if isinstance(other, type) else other
            other.load_state_dict(model.state_dict(), strict=True)
            images = torch.rand(3, 1, 28, 28)
            assert torch.equal(other(images), model(images))
            assert list(other.state_dict()) == ["custom.weight", "custom.bias"]
    finally:
        sys.path.remove(str(tmp_path))
        for style in ("class", "sequential"):
            sys.modules.pop(f"generated_{style}", None)
        sys.modules.pop("code_layers", None)


@pytest.mark.parametrize("fmt", ["onnx", "torchscript", "pt2"])
def test_every_program_export_of_a_custom_layer_verifies(layer_file, tmp_path, fmt):
    load_layer_file(layer_file(ARTICLE_FILE.format(name="ExportLayer")))
    model = build(spec_with("ExportLayer", {"in_features": 784, "out_features": 10}))
    with torch.no_grad():
        model.custom.weight.mul_(0.05)
    result = export_verified(model, fmt, tmp_path / f"model.{fmt}")
    assert result.passed
    assert result.max_abs_diff < 1e-3


def test_export_places_the_layer_file_beside_the_code(layer_file, tmp_path):
    path = layer_file(ARTICLE_FILE.format(name="PlacedLayer"), folder=tmp_path / "src")
    load_layer_file(path)
    spec = spec_with("PlacedLayer", {"in_features": 784, "out_features": 10})
    out = tmp_path / "out"
    out.mkdir()
    assert place_beside(spec, out) == ["copied my_layers.py beside it (its custom layers)"]
    assert (out / "my_layers.py").read_bytes() == path.read_bytes()
    assert place_beside(spec, out) == [f"my_layers.py is already in {out}"]
    (out / "my_layers.py").write_text("# the person's own, other file\n")
    assert "was left as it is" in place_beside(spec, out)[0]
    assert (out / "my_layers.py").read_text() == "# the person's own, other file\n"


# -- files that name layer files: nothing runs unless allowed -----------------------------------


def marker_file(name: str) -> str:
    """A layer file that leaves a mark, 'ran' in the folder above it, when it runs."""
    return ARTICLE_FILE.format(name=name) + textwrap.dedent("""
        from pathlib import Path
        (Path(__file__).parent.parent / "ran").write_text("ran")
        """)


def saved_project(tmp_path, layer_file, name: str) -> tuple[Path, Path]:
    """A project naming a layer file, saved, and the file then forgotten by this process."""
    layers = layer_file(marker_file(name), folder=tmp_path / "layers")
    load_layer_file(layers)
    project = Project(spec_with(name, {"in_features": 784, "out_features": 10}))
    path = project.save(tmp_path / "project.json")
    unload_layer_file(layers)
    (tmp_path / "ran").unlink()
    return path, layers


def test_a_project_names_its_layer_files_relative_to_itself(tmp_path, layer_file):
    path, layers = saved_project(tmp_path, layer_file, "RelativeLayer")
    entry = json.loads(path.read_text())["network"]["custom_layers"]
    assert entry == [{"path": "layers/my_layers.py", "sha256": digest(layers.read_bytes())}]


def test_opening_a_project_never_runs_its_layer_file_without_permission(tmp_path, layer_file):
    path, layers = saved_project(tmp_path, layer_file, "GuardedLayer")
    asked = []

    def refuse(request):
        asked.append(request)
        return False

    with pytest.raises(ProjectError) as refused:
        Project.load(path, refuse)
    assert not (tmp_path / "ran").exists()
    assert "it was not allowed" in str(refused.value)
    assert str(layers.resolve()) in str(refused.value)
    with pytest.raises(ProjectError):
        Project.load(path)  # no one to ask: refused too
    assert not (tmp_path / "ran").exists()
    assert [(r.path, r.sha256, r.changed) for r in asked] == [
        (layers.resolve(), digest(layers.read_bytes()), False)]
    project = Project.load(path, lambda request: True)
    assert (tmp_path / "ran").read_text() == "ran"
    assert project.spec.find("custom").kind == "GuardedLayer"


def test_a_changed_layer_file_is_asked_about_again(tmp_path, layer_file):
    path, layers = saved_project(tmp_path, layer_file, "ChangingLayer")
    Project.load(path, lambda request: True)
    layers.write_text(layers.read_text() + "\n# edited\n")
    asked = []
    Project.load(path, lambda request: asked.append(request) or True)
    assert len(asked) == 1
    assert asked[0].changed
    assert asked[0].sha256 == digest(layers.read_bytes())
    again = []
    Project.load(path, lambda request: again.append(request) or True)
    assert again == []  # imported at this hash already: nothing more runs


def test_a_moved_project_folder_still_finds_its_layers(tmp_path, layer_file):
    path, _layers = saved_project(tmp_path, layer_file, "MovedLayer")
    moved = tmp_path.parent / f"{tmp_path.name}-moved"
    tmp_path.rename(moved)
    try:
        project = Project.load(moved / "project.json", lambda request: True)
        assert project.spec.custom_layer_files()[0].path == str(
            (moved / "layers" / "my_layers.py").resolve())
    finally:
        unload_layer_file(moved / "layers" / "my_layers.py")
        moved.rename(tmp_path)


def test_a_missing_layer_file_is_named(tmp_path):
    data = spec_with("Linear", {"in_features": 784, "out_features": 10}).to_dict()
    data["custom_layers"] = [{"path": "gone.py", "sha256": "0" * 64}]
    (tmp_path / "net.json").write_text(json.dumps(data))
    with pytest.raises(ProjectError, match=r"custom_layers\[0\]: the custom layers of .*gone.py "
                                           r"cannot be read"):
        Project.load(tmp_path / "net.json", lambda request: True)


def test_an_added_file_without_layers_used_is_kept_in_the_network(layer_file):
    path = layer_file(ARTICLE_FILE.format(name="UnusedLayer"))
    loaded = load_layer_file(path)
    spec = NetworkSpec([1, 28, 28], [LayerSpec("Flatten", "flatten")])
    add_layer_file(spec, LayerFileRef(str(loaded.path), loaded.sha256))
    assert spec.to_dict()["custom_layers"] == [{"path": str(loaded.path),
                                                "sha256": loaded.sha256}]
    again = NetworkSpec.from_dict(spec.to_dict())
    assert again == spec


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=80),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.sampled_from(["path", "sha256", "x"]), inner,
                                      max_size=3), max_leaves=12))
def test_any_custom_layers_field_is_checked_or_refused(value):
    problems = []
    refs = check_refs(value, problems)
    assert (refs == []) if problems else all(
        ref.path.endswith(".py") and len(ref.sha256) == 64 for ref in refs)


# -- the shipped example and template -----------------------------------------------------------


def test_the_template_uses_the_shipped_example_at_its_recorded_hash():
    data = json.loads((TEMPLATES / "tutorial_custom_layer.json").read_text())
    assert data["custom_layers"] == [{"path": "../examples/custom_layer.py",
                                      "sha256": digest(EXAMPLE.read_bytes())}]
    spec = load_template("tutorial_custom_layer")  # netbuilder's own file: nobody is asked
    assert loaded_file(EXAMPLE).sha256 == digest(EXAMPLE.read_bytes())
    assert analyze(spec).ok


def test_the_tutorials_own_class_loads_the_templates_weights():
    spec = load_template("tutorial_custom_layer")
    model = build(spec)
    tutorial = nn.Sequential(OrderedDict([
        ("flatten", nn.Flatten()), ("custom1", ArticleCustomLayer(784, 128)),
        ("relu", nn.ReLU()), ("custom2", ArticleCustomLayer(128, 10))]))
    tutorial.load_state_dict(model.state_dict(), strict=True)
    images = torch.rand(2, 1, 28, 28)
    assert torch.equal(tutorial(images), model(images))


def test_cli_refuses_a_network_with_layer_files_unless_allowed(tmp_path, layer_file, capsys):
    path, layers = saved_project(tmp_path, layer_file, "CliLayer")
    assert main(["summary", str(path)]) == 1
    err = capsys.readouterr().err
    assert "it was not allowed" in err
    assert digest(layers.read_bytes())[:16] in err
    assert not (tmp_path / "ran").exists()
    assert main(["summary", str(path), "--allow-layer-files"]) == 0
    assert "CliLayer" in capsys.readouterr().out
    out = tmp_path / "export" / "net.py"
    out.parent.mkdir()
    assert main(["export", str(path), "--allow-layer-files", "--out", str(out)]) == 0
    assert (out.parent / "my_layers.py").read_bytes() == layers.read_bytes()


def test_a_checkpoint_names_its_layer_files_and_asks_before_they_run(tmp_path, layer_file):
    from netbuilder.core.checkpoint import CheckpointError, load_file, save_checkpoint

    layers = layer_file(marker_file("CheckpointLayer"), folder=tmp_path / "layers")
    load_layer_file(layers)
    spec = spec_with("CheckpointLayer", {"in_features": 784, "out_features": 10})
    model = build(spec)
    path = save_checkpoint(tmp_path / "model.pth", spec, model)
    unload_layer_file(layers)
    (tmp_path / "ran").unlink()
    with pytest.raises(CheckpointError, match="it was not allowed"):
        load_file(path, lambda request: False)
    assert not (tmp_path / "ran").exists()
    loaded = load_file(path, lambda request: True)
    assert torch.equal(loaded.state_dict["custom.weight"], model.custom.weight.detach())
    assert loaded.spec.custom_layer_files()[0].path == str(layers.resolve())


def test_exported_code_and_script_with_custom_layers_are_ruff_clean_beside_the_file(tmp_path):
    """In the export folder the layer file is first-party to isort: the module and the
    training script both import it in a group of its own after torch's."""
    import shutil
    import subprocess

    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    spec = load_template("tutorial_custom_layer")
    place_beside(spec, tmp_path)
    (tmp_path / "model.py").write_text(generate(spec))
    (tmp_path / "train.py").write_text(training_script(spec))
    found = subprocess.run([ruff, "check", "--no-cache", "--isolated", "--select", "I",
                            "model.py", "train.py"], cwd=tmp_path, capture_output=True,
                           text=True)
    assert found.returncode == 0, found.stdout + found.stderr
    assert "\n\nfrom custom_layer import CustomLayer\n" in (tmp_path / "model.py").read_text()
