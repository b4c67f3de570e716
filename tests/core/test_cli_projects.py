"""The CLI reads projects: `summary`, `train`, `evaluate` and `export` take a `.json` project
or a `.nbproj` wherever they take a spec or a checkpoint, and `train --save-project` writes a
project the window opens as if it had trained it."""

import re
import zipfile

import pytest
import torch

from netbuilder.cli import main
from netbuilder.core.project import Project, ProjectWeights
from netbuilder.core.resources import load_template
from netbuilder.core.runs import Run
from tests.conftest import TEMPLATES

SPEC = TEMPLATES / "mnist_mlp.json"
QUICK = ["--limit", "600", "--augment", "--schedule", "cosine"]


def cli(capsys, *args) -> tuple[int, str, str]:
    status = main([*map(str, args)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def refused(capsys, *args) -> str:
    """Run a command that must fail cleanly; its stderr."""
    status, _, err = cli(capsys, *args)
    assert status == 1, err
    assert "Traceback" not in err
    return err


def same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def accuracy_line(out: str) -> str:
    return out.splitlines()[0]


def mlp_state(seed: int = 1) -> dict:
    from netbuilder.core.builder import build
    from netbuilder.core.training import reset_weights

    model = build(load_template("mnist_mlp"))
    reset_weights(model, seed)
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


# ---------------------------------------------------------------------------------------------
# summary


def test_summary_reads_a_json_project_and_a_nbproj(tmp_path, capsys):
    spec = load_template("mnist_mlp")
    Project(spec, "digits", {"epochs": 2}).save(tmp_path / "p.json")
    Project(spec, weights=ProjectWeights(mlp_state(), ["fc1"], "test")).save(
        tmp_path / "p.nbproj")
    for name in ("p.json", "p.nbproj"):
        status, out, _ = cli(capsys, "summary", tmp_path / name)
        assert status == 0
        assert out.startswith("MNISTClassifier: input [N, 1, 28, 28]")
        assert out.strip().splitlines()[-1] == "Total params: 109,386"


# ---------------------------------------------------------------------------------------------
# evaluate


def test_evaluate_a_trained_project_prints_the_accuracy_its_run_reported(tmp_path, capsys):
    status, out, _ = cli(capsys, "train", SPEC, "--epochs", "1", "--val-split", "0.3",
                         "--seed", "5", "--save-project", tmp_path / "p.nbproj",
                         "--out", tmp_path / "w.pth")
    assert status == 0
    reported = re.findall(r"val acc ([\d.]+)", out)[-1]
    assert f"wrote {tmp_path / 'p.nbproj'} (project: Run 1 · adam, lr 0.001, 1 epoch; the " \
           "weights and where the run stands; 1 run in its history)" in out

    status, out, _ = cli(capsys, "evaluate", tmp_path / "p.nbproj")
    assert status == 0
    # the project's own split (val_split 0.3, seed 5), not the defaults
    assert accuracy_line(out) == f"accuracy: {reported}  (3,000 validation images of digits)"
    status, plain, _ = cli(capsys, "evaluate", SPEC, tmp_path / "w.pth", "--val-split", "0.3",
                           "--seed", "5")
    assert status == 0 and plain == out

    # what the window shows: core.evaluate on load_dataset(project's dataset, split, seed)
    from netbuilder.core.data import load_dataset
    from netbuilder.core.project_archive import project_model
    from netbuilder.core.training import evaluate

    project = Project.load(tmp_path / "p.nbproj")
    data = load_dataset(project.dataset, None, project.training["val_split"],
                        project.training["seed"]).on_device("cpu")
    result = evaluate(project_model(project).eval(), data.val_x, data.val_y, data.num_classes)
    assert f"accuracy: {result.accuracy:.4f}  " in out

    # options typed still win
    status, out, _ = cli(capsys, "evaluate", tmp_path / "p.nbproj", "--val-split", "0.2")
    assert status == 0 and "(2,000 validation images of digits)" in out


# ---------------------------------------------------------------------------------------------
# train


def test_a_run_stopped_into_a_project_and_resumed_from_it_gives_the_weights_of_one_run(
        tmp_path, capsys):
    project = tmp_path / "p.nbproj"
    status, out, _ = cli(capsys, "train", SPEC, "--epochs", "4", "--stop-after", "2",
                         "--save-project", project, *QUICK)
    assert status == 0
    assert re.findall(r"^epoch (\d)/4", out, re.M) == ["1", "2"]
    assert out.rstrip().endswith(f"resume later with: netbuilder train {project} "
                                 f"--save-project {project}")
    halfway = Project.load(project)
    assert halfway.weights.resume is not None and halfway.weights.resume.epochs_done == 2
    assert [r["final"]["stopped"] for r in halfway.extra["runs"]] == ["user"]

    # No options: the project's settings, dataset and its run's limit apply.
    status, out, _ = cli(capsys, "train", project, "--save-project", project,
                         "--out", tmp_path / "b.pth")
    assert status == 0
    assert "resuming the run at epoch 3 of 4, step 0 of 10" in out
    assert re.findall(r"^epoch (\d)/4", out, re.M) == ["3", "4"]

    status, out, _ = cli(capsys, "train", SPEC, "--epochs", "4", *QUICK,
                         "--out", tmp_path / "w.pth")
    assert status == 0
    resumed = torch.load(tmp_path / "b.pth", weights_only=True)
    assert same_weights(resumed, torch.load(tmp_path / "w.pth", weights_only=True))

    done = Project.load(project)
    assert same_weights(done.weights.state_dict, resumed)
    (run,) = done.extra["runs"]
    assert run["id"] == "run1" and run["label"] == "Run 1 · adam, lr 0.001"
    assert [e["epoch"] for e in run["epochs"]] == [1, 2, 3, 4]
    assert [e["global_step"] for e in run["epochs"]] == [10, 20, 30, 40]
    assert [s for s, _ in run["batches"]] == list(range(1, 41))
    assert run["final"]["epochs_done"] == 4 and "stopped" not in run["final"]
    assert run["final"]["val_accuracy"] == run["epochs"][-1]["val_accuracy"]
    assert run["settings"]["limit"] == 600 and run["settings"]["dataset"] == "digits"
    assert done.training["epochs"] == 4 and done.training["schedule"] == "cosine"
    assert done.training["augment"] is True and done.training["val_split"] == 0.2
    assert done.weights.resume.ended == "finished"
    assert done.weights.trained == ["fc1", "fc2", "fc3"]
    assert done.weights.source == "Run 1 · adam, lr 0.001"


def window_project(tmp_path, fresh: bool = False) -> Project:
    """A trained project as the window saves it: settings, a run, drawn examples, weights."""
    spec = load_template("mnist_mlp")
    run = Run("run1", "Run 1 · adam, lr 0.002",
              {"lr": 0.002, "epochs": 1, "dataset": "digits", "val_split": 0.25},
              [{"epoch": 1, "train_loss": 1.0, "train_accuracy": 0.7, "val_loss": 0.9,
                "val_accuracy": 0.75, "lr": 0.002, "seconds": 1.0, "samples_per_s": 9.0,
                "global_step": 94}], [(1, 2.3), (94, 1.0)], {"epochs_done": 1},
              started_at=1.0e9)
    example = {"label": 3, "pixels": [0] * 392 + [255] * 392}
    project = Project(spec, "digits",
                      {"lr": 0.002, "epochs": 1, "val_split": 0.25, "seed": 3, "fresh": fresh,
                       "device": "cpu", "batch_size": 50},
                      {"runs": [run.to_dict()], "user_examples": [example]},
                      ProjectWeights(mlp_state(), ["fc1"], "Run 1 · adam, lr 0.002"))
    project.save(tmp_path / "p.nbproj")
    return project


def test_training_a_window_project_keeps_its_runs_and_drawn_examples(tmp_path, capsys):
    before = window_project(tmp_path)
    status, out, _ = cli(capsys, "train", tmp_path / "p.nbproj", "--limit", "600",
                         "--save-project", tmp_path / "q.nbproj", "--out", tmp_path / "q.pth")
    assert status == 0
    assert "adam, lr 0.002, batch 50, 1 epochs" in out  # the project's settings
    assert "600 training / 600 validation images" in out
    assert "fresh" not in out
    after = Project.load(tmp_path / "q.nbproj")
    assert after.extra["user_examples"] == before.extra["user_examples"]
    first, second = after.extra["runs"]
    assert first == before.extra["runs"][0]
    assert second["id"] == "run2" and second["label"] == "Run 2 · adam, lr 0.002"
    assert {k: second["settings"][k] for k in ("lr", "val_split", "seed", "limit", "dataset")} \
        == {"lr": 0.002, "val_split": 0.25, "seed": 3, "limit": 600, "dataset": "digits"}
    assert after.training["device"] == "cpu" and after.training["val_split"] == 0.25
    assert after.weights.trained == ["fc1", "fc2", "fc3"]
    assert after.weights.source == "Run 2 · adam, lr 0.002"

    # it went on from the project's weights, not from fresh ones
    cli(capsys, "train", SPEC, "--lr", "0.002", "--epochs", "1", "--val-split", "0.25",
        "--seed", "3", "--batch-size", "50", "--limit", "600", "--out", tmp_path / "f.pth")
    assert not same_weights(torch.load(tmp_path / "q.pth", weights_only=True),
                            torch.load(tmp_path / "f.pth", weights_only=True))
    # … unless the project's settings say each run starts fresh
    window_project(tmp_path, fresh=True)
    status, out, _ = cli(capsys, "train", tmp_path / "p.nbproj", "--limit", "600",
                         "--out", tmp_path / "r.pth")
    assert status == 0
    assert "starting from fresh weights (seed 3), not those of p.nbproj: the project's " \
           "settings start each run fresh (--no-fresh keeps its weights)" in out
    assert same_weights(torch.load(tmp_path / "r.pth", weights_only=True),
                        torch.load(tmp_path / "f.pth", weights_only=True))


def test_a_json_project_trains_from_fresh_seeded_weights_with_its_settings(tmp_path, capsys):
    Project(load_template("mnist_mlp"), "digits", {"epochs": 1, "seed": 4, "lr": 0.002}).save(
        tmp_path / "p.json")
    status, out, _ = cli(capsys, "train", tmp_path / "p.json", "--limit", "600",
                         "--save-project", tmp_path / "p.nbproj", "--out", tmp_path / "a.pth")
    assert status == 0 and "lr 0.002, batch 64, 1 epochs" in out
    cli(capsys, "train", SPEC, "--epochs", "1", "--seed", "4", "--lr", "0.002", "--limit",
        "600", "--out", tmp_path / "b.pth")
    assert same_weights(torch.load(tmp_path / "a.pth", weights_only=True),
                        torch.load(tmp_path / "b.pth", weights_only=True))
    assert len(Project.load(tmp_path / "p.nbproj").extra["runs"]) == 1


def test_keep_best_saves_the_best_epochs_weights_without_a_resume_point(tmp_path, capsys):
    overfit = ["--limit", "100", "--lr", "0.01", "--batch-size", "20"]
    status, out, _ = cli(capsys, "train", SPEC, "--epochs", "8", *overfit, "--keep", "best",
                         "--save-project", tmp_path / "p.nbproj", "--out", tmp_path / "b.pth")
    assert status == 0
    best = int(re.search(r"the best epoch, (\d+), val loss", out).group(1))
    assert best < 8  # it overfits afterwards
    assert f"the weights of its best epoch, {best}" in out
    project = Project.load(tmp_path / "p.nbproj")
    assert same_weights(project.weights.state_dict,
                        torch.load(tmp_path / "b.pth", weights_only=True))
    assert project.weights.resume is None
    assert project.weights.source == f"Run 1 · adam, lr 0.01, epoch {best}"
    assert len(project.extra["runs"][0]["epochs"]) == 8


# ---------------------------------------------------------------------------------------------
# export


def test_export_of_a_nbproj_carries_its_weights(tmp_path, capsys):
    window_project(tmp_path)
    status, out, err = cli(capsys, "export", tmp_path / "p.nbproj", "--format", "torchscript",
                           "--out", tmp_path / "m.pt")
    assert status == 0, err
    assert "note:" not in err and "verification passed" in out
    from netbuilder.core.project_archive import project_model

    model = project_model(Project.load(tmp_path / "p.nbproj")).eval()
    exported = torch.jit.load(str(tmp_path / "m.pt"))
    x = torch.rand(4, 1, 28, 28)
    with torch.no_grad():
        assert torch.allclose(exported(x), model(x), atol=1e-6)


def test_export_of_a_json_project_as_python_and_script(tmp_path, capsys):
    Project(load_template("mnist_mlp"), "digits", {"epochs": 7, "val_split": 0.3}).save(
        tmp_path / "p.json")
    status, out, _ = cli(capsys, "export", tmp_path / "p.json", "--out", tmp_path / "m.py")
    assert status == 0 and "MNISTClassifier, 109,386 parameters" in out
    assert "class MNISTClassifier(nn.Module):" in (tmp_path / "m.py").read_text()
    status, _, _ = cli(capsys, "export", tmp_path / "p.json", "--format", "script",
                       "--out", tmp_path / "train.py")
    script = (tmp_path / "train.py").read_text()
    assert status == 0 and '"epochs": 7' in script and '"val_split": 0.3' in script
    status, _, err = cli(capsys, "export", tmp_path / "p.json", "--format", "torchscript",
                         "--out", tmp_path / "m.pt")
    assert status == 0
    assert "note: p.json has no trained weights: exporting freshly initialised weights" in err


# ---------------------------------------------------------------------------------------------
# refusals: one clear message naming the file, exit 1, nothing written


def test_a_damaged_nbproj_is_refused_by_every_command(tmp_path, capsys):
    window_project(tmp_path)
    whole = (tmp_path / "p.nbproj").read_bytes()
    damaged = tmp_path / "d.nbproj"
    damaged.write_bytes(whole[:len(whole) // 2])
    for args in (["summary", damaged], ["evaluate", damaged],
                 ["train", damaged, "--out", tmp_path / "w.pth"],
                 ["export", damaged, "--format", "onnx", "--out", tmp_path / "m.onnx"]):
        err = refused(capsys, *args)
        assert f"{damaged} is not a usable project:" in err
    assert not (tmp_path / "w.pth").exists() and not (tmp_path / "m.onnx").exists()


def test_a_nbproj_whose_weights_do_not_fit_its_network(tmp_path, capsys):
    from netbuilder.core.project_archive import archive_bytes

    wrong = Project(load_template("lenet5"),
                    weights=ProjectWeights(mlp_state(), [], "elsewhere"))
    (tmp_path / "p.nbproj").write_bytes(archive_bytes(wrong))
    err = refused(capsys, "evaluate", tmp_path / "p.nbproj")
    assert f"{tmp_path / 'p.nbproj'} is not a usable project:" in err
    assert "weights.pth: the weights do not fit this network" in err


def test_a_json_project_with_weights_that_do_not_fit(tmp_path, capsys):
    Project(load_template("lenet5"), "digits", {"epochs": 2}).save(tmp_path / "p.json")
    torch.save(mlp_state(), tmp_path / "w.pth")
    err = refused(capsys, "evaluate", tmp_path / "p.json", tmp_path / "w.pth")
    assert "w.pth: the weights do not fit this network" in err
    err = refused(capsys, "export", tmp_path / "p.json", "--weights", tmp_path / "w.pth",
                  "--format", "torchscript", "--out", tmp_path / "m.pt")
    assert "w.pth: the weights do not fit this network" in err and not (tmp_path / "m.pt").exists()


def test_evaluating_a_project_without_weights_says_to_train_it(tmp_path, capsys):
    Project(load_template("mnist_mlp"), "digits", {"epochs": 2}).save(tmp_path / "p.json")
    err = refused(capsys, "evaluate", tmp_path / "p.json")
    assert (f"{tmp_path / 'p.json'} has no trained weights: train it first (netbuilder train "
            f"{tmp_path / 'p.json'} --save-project {tmp_path / 'p.nbproj'})") in err
    err = refused(capsys, "evaluate", SPEC)  # a bare spec: the weights are missing
    assert "give the weights to evaluate" in err


@pytest.mark.parametrize("args, message", [
    (["--save-project", "{tmp}/missing/p.nbproj"], "folder {tmp}/missing does not exist"),
    (["--save-project", "{tmp}/p.json"], "--save-project {tmp}/p.json: a project with trained "
                                         "weights is a .nbproj file"),
    (["--save-project", "{tmp}"], "a project with trained weights is a .nbproj file"),
    (["--save-project", "{tmp}/p.nbproj", "--lr", "20"],
     "--save-project: a project cannot hold these settings:\n  - training.lr: expected a "
     "number from 1e-06 to 10, got 20.0"),
    ([], "give --out WEIGHTS.pth, --save-project OUT.nbproj or both"),
    (["--stop-after", "1", "--out", "{tmp}/w.pth"],
     "--stop-after needs --checkpoint or --save-project"),
])
def test_bad_save_project_options_are_refused_before_training(tmp_path, capsys, args, message):
    args = [a.format(tmp=tmp_path) for a in args]
    status, out, err = cli(capsys, "train", SPEC, "--epochs", "1", "--limit", "600", *args)
    assert status == 1 and message.format(tmp=tmp_path) in err, err
    assert "epoch 1/1" not in out and "Traceback" not in err
    assert not (tmp_path / "p.nbproj").exists() and not (tmp_path / "w.pth").exists()


def test_save_project_into_a_folder_of_that_name_is_refused(tmp_path, capsys):
    (tmp_path / "p.nbproj").mkdir()
    err = refused(capsys, "train", SPEC, "--epochs", "1", "--limit", "600",
                  "--save-project", tmp_path / "p.nbproj")
    assert f"cannot write {tmp_path / 'p.nbproj'}: it is a folder" in err


def test_a_nbproj_is_a_file_to_open(tmp_path, capsys):
    assert main([str(tmp_path / "missing.nbproj")]) == 2
    assert f"{tmp_path / 'missing.nbproj'} does not exist" in capsys.readouterr().err


def test_a_nbproj_is_a_zip_with_the_members_the_window_reads(tmp_path, capsys):
    status, _, _ = cli(capsys, "train", SPEC, "--epochs", "1", "--limit", "600",
                       "--save-project", tmp_path / "p.nbproj")
    assert status == 0
    with zipfile.ZipFile(tmp_path / "p.nbproj") as archive:
        assert archive.namelist() == ["project.json", "weights.pth", "training_state.pth"]


def test_a_checkpoints_run_goes_on_into_a_project(tmp_path, capsys):
    cli(capsys, "train", SPEC, "--epochs", "2", "--limit", "600", "--stop-after", "1",
        "--checkpoint", tmp_path / "c.pth", "--out", tmp_path / "a.pth")
    status, out, _ = cli(capsys, "train", tmp_path / "c.pth", "--save-project",
                         tmp_path / "p.nbproj")
    assert status == 0 and "resuming the run at epoch 2 of 2" in out
    (run,) = Project.load(tmp_path / "p.nbproj").extra["runs"]
    assert [(e["epoch"], e["global_step"]) for e in run["epochs"]] == [(1, 10), (2, 20)]
    assert run["final"]["epochs_done"] == 2


def test_the_help_names_projects(capsys):
    for command in ([], ["train"], ["evaluate"], ["export"], ["summary"]):
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert ".nbproj" in text, command
    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "'netbuilder FILE' opens FILE (a project .nbproj or .json" in text
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--save-project OUT.nbproj" in text and "--fresh, --no-fresh" in text


def test_train_keeps_the_runs_calibration_in_the_project_and_the_checkpoint(tmp_path, capsys):
    from netbuilder.core.calibration import Calibration
    from netbuilder.core.checkpoint import load_file

    status, _, err = cli(capsys, "train", SPEC, *QUICK, "--epochs", "1", "--seed", "3",
                         "--save-project", tmp_path / "p.nbproj",
                         "--checkpoint", tmp_path / "c.pth")
    assert status == 0, err
    saved = Calibration.from_dict(Project.load(tmp_path / "p.nbproj").extra["calibration"])
    assert 0.01 <= saved.temperature <= 100
    loaded = load_file(tmp_path / "c.pth")
    assert loaded.checkpoint["calibration"] == saved
