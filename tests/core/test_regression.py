"""Tables and regression end to end: csv:PATH names, the trainer's R², RMSE and MAE, the
tutorial's MyModel template on the shipped CSV, preprocessing kept in projects, checkpoints
and exported code."""

import csv
import importlib
import json
import sys

import pytest
import torch

from netbuilder.cli import main
from netbuilder.core.builder import build
from netbuilder.core.checkpoint import load_file
from netbuilder.core.data import REGRESSION, load_dataset
from netbuilder.core.evaluation import evaluate_regression
from netbuilder.core.project import Project, ProjectError
from netbuilder.core.registry import csv_name, csv_options, csv_path, is_dataset_name
from netbuilder.core.resources import RESOURCES, TEMPLATES, load_template_project
from netbuilder.core.spec import LayerSpec, NetworkSpec
from netbuilder.core.training import TrainConfig, Trainer, TrainingError, reset_weights
from tests.core.article_models import MyModel

CSV = RESOURCES / "data" / "tutorial_regression.csv"
MYMODEL = TEMPLATES / "tutorial_mymodel.json"


def test_a_csv_name_carries_its_target_and_task():
    name = csv_name("/data/a?b.csv", "price (€)", "regression")
    assert name == "csv:/data/a?b.csv?target=price%20%28%E2%82%AC%29&task=regression"
    assert csv_path(name) == "/data/a?b.csv"
    assert csv_options(name) == {"target": "price (€)", "task": "regression"}
    assert csv_options("csv:/x.csv") == {"target": "", "task": "auto"}
    assert csv_path("csv:/what?now.csv") == "/what?now.csv"  # not options: the path's own '?'
    assert is_dataset_name("csv:/x.csv?task=regression")
    assert not is_dataset_name("csv:/x.csv?task=guess")


def test_the_shipped_csv_loads_as_a_regression_of_y():
    data = load_dataset(csv_name(str(CSV), "y"))
    assert data.task == REGRESSION
    assert data.input_shape == [10]
    assert (len(data.train_labels), len(data.val_labels)) == (800, 200)
    assert data.train_labels.dtype == torch.float32
    assert tuple(data.train_labels.shape) == (800, 1)
    assert data.num_classes == 1
    assert data.preprocessing["target"] == "y"


def my_model_spec() -> NetworkSpec:
    return load_template_project("tutorial_mymodel").spec


def test_the_trainer_reports_r2_rmse_and_mae_for_a_regression():
    data = load_dataset(csv_name(str(CSV), "y", "regression"))
    model = build(my_model_spec())
    reset_weights(model, 0)
    history = Trainer(model, data, TrainConfig(loss="mse", lr=0.01, epochs=8, batch_size=32,
                                               device="cpu")).train()
    last = history[-1]
    assert last.val_accuracy > 0.85  # R²
    assert history[0].val_accuracy < last.val_accuracy
    device = data.on_device("cpu")
    again = evaluate_regression(model, device.val_x, device.val_y, "mse")
    assert last.val_rmse == pytest.approx(again.rmse, rel=1e-5)
    assert last.val_mae == pytest.approx(again.mae, rel=1e-5)
    assert last.val_accuracy == pytest.approx(again.r2, rel=1e-5)
    assert last.val_rmse == pytest.approx(last.val_loss ** 0.5, rel=1e-4)  # MSE loss


def test_a_regression_refuses_a_classifiers_loss():
    data = load_dataset(csv_name(str(CSV), "y", "regression"))
    with pytest.raises(TrainingError, match="a regression trains with the mse or l1 loss, not "
                                            "'cross_entropy'"):
        Trainer(build(my_model_spec()), data, TrainConfig(device="cpu"))


def test_a_network_with_the_wrong_output_says_so():
    data = load_dataset(csv_name(str(CSV), "y", "regression"))
    spec = NetworkSpec([10], [LayerSpec("Linear", "fc", {"in_features": 10, "out_features": 3})])
    with pytest.raises(TrainingError, match=r"the target is 1 number per row: its output must be "
                                            r"\[N, 1\]"):
        Trainer(build(spec), data, TrainConfig(loss="mse", device="cpu")).train()


def test_the_tutorial_template_trains_from_the_cli_and_mymodel_loads_its_weights(tmp_path,
                                                                                capsys):
    out = tmp_path / "mymodel.pth"
    assert main(["train", str(MYMODEL), "--epochs", "5", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "MyModel on csv:" in printed
    assert "regression of y" in printed
    epoch = [line for line in printed.splitlines() if line.startswith("epoch 5/5")][0]
    assert "val rmse " in epoch
    assert "val r2 " in epoch
    model = MyModel()  # the tutorial's class, verbatim
    model.load_state_dict(torch.load(out, weights_only=True))
    rows = list(csv.DictReader(CSV.open()))
    assert len(rows) == 1000


def test_preprocessing_goes_through_project_checkpoint_and_exported_code(tmp_path, capsys,
                                                                         monkeypatch):
    project_path = tmp_path / "m.nbproj"
    checkpoint = tmp_path / "m.pth"
    assert main(["train", str(MYMODEL), "--epochs", "3", "--save-project", str(project_path),
                 "--checkpoint", str(checkpoint)]) == 0
    capsys.readouterr()
    project = Project.load(project_path)
    preprocessing = project.extra["preprocessing"]
    assert preprocessing["task"] == "regression"
    assert [c["name"] for c in preprocessing["columns"]] == [f"x{i}" for i in range(1, 11)]
    assert load_file(checkpoint).checkpoint["preprocessing"] == preprocessing
    assert main(["evaluate", str(project_path)]) == 0
    assert capsys.readouterr().out.startswith("rmse: ")
    code = tmp_path / "exported" / "mymodel.py"
    code.parent.mkdir()
    assert main(["export", str(project_path), "--out", str(code)]) == 0
    monkeypatch.syspath_prepend(str(code.parent))
    exported = importlib.import_module("mymodel")
    try:
        model = exported.MyModel()
        model.load_state_dict(project.weights.state_dict)
        rows = list(csv.DictReader(CSV.open()))[:7]
        from netbuilder.core.tabular import preprocess_rows

        assert torch.equal(exported.preprocess(rows), preprocess_rows(preprocessing, rows))
        app_model = build(project.spec)
        app_model.load_state_dict(project.weights.state_dict)
        assert torch.allclose(model(exported.preprocess(rows)),
                              app_model(preprocess_rows(preprocessing, rows)))
    finally:
        sys.modules.pop("mymodel", None)


def test_a_project_with_broken_preprocessing_is_refused(tmp_path):
    data = json.loads(MYMODEL.read_text())
    data["dataset"] = csv_name(str(CSV), "y", "regression")
    data["preprocessing"] = {"kind": "tabular", "version": 1, "columns": "x"}
    (tmp_path / "p.json").write_text(json.dumps(data))
    with pytest.raises(ProjectError, match="preprocessing"):
        Project.load(tmp_path / "p.json")


def test_target_and_task_options_fold_into_the_dataset_name(tmp_path, capsys):
    spec = tmp_path / "net.json"
    spec.write_text(my_model_spec().to_json())
    assert main(["train", str(spec), "--dataset", f"csv:{CSV}", "--target", "y", "--task",
                 "regression", "--epochs", "1", "--save-project",
                 str(tmp_path / "p.nbproj")]) == 0
    assert Project.load(tmp_path / "p.nbproj").dataset == csv_name(str(CSV), "y", "regression")
    assert main(["train", str(spec), "--target", "y", "--epochs", "1", "--out",
                 str(tmp_path / "w.pth")]) == 1
    assert "--target and --task are for csv:PATH datasets, not digits" in \
        capsys.readouterr().err


def test_the_shipped_tables_are_what_their_scripts_make():
    sys.path.insert(0, str(RESOURCES.parent.parent / "scripts"))
    try:
        import make_classification_csv
        import make_regression_csv
    finally:
        sys.path.pop(0)
    assert (RESOURCES / "data" / "deliveries.csv").read_text() == \
        make_classification_csv.make_csv()
    assert CSV.read_text() == make_regression_csv.make_csv()


def test_the_tabular_classifier_template_learns_its_table(tmp_path, capsys):
    template = TEMPLATES / "tabular_classifier.json"
    project = tmp_path / "t.nbproj"
    assert main(["train", str(template), "--epochs", "20", "--save-project", str(project)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "480 training / 120 validation rows of 11 features, 3 classes" in first
    assert Project.load(project).extra["preprocessing"]["classes"] == ["early", "late",
                                                                      "on time"]
    assert main(["evaluate", str(project)]) == 0
    accuracy = float(capsys.readouterr().out.split()[1])
    assert accuracy > 0.75  # three balanced classes: guessing gives a third
