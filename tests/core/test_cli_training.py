"""`netbuilder train` and `netbuilder evaluate`: the tutorial's code reads what they write, and
bad input gets one clear message (exit 1, no traceback) with nothing saved damaged."""

import re
import subprocess
import sys
import textwrap

import pytest
import torch

from netbuilder.cli import main
from tests.conftest import TEMPLATES
from tests.core.test_checkpoint import malicious_file

ARTICLE_LOADS = textwrap.dedent('''
    import torch
    import torch.nn as nn
    from netbuilder.core.data import load_digits


    class MNISTClassifier(nn.Module):
        def __init__(self):
            super(MNISTClassifier, self).__init__()
            self.flatten = nn.Flatten()
            self.fc1 = nn.Linear(28 * 28, 128)
            self.relu = nn.ReLU()
            self.fc2 = nn.Linear(128, 64)
            self.relu2 = nn.ReLU()
            self.fc3 = nn.Linear(64, 10)

        def forward(self, x):
            x = self.flatten(x)
            x = self.relu(self.fc1(x))
            x = self.relu2(self.fc2(x))
            x = self.fc3(x)
            return x


    model = MNISTClassifier()
    model.load_state_dict(torch.load('w.pth'))
    data = load_digits().on_device("cpu")
    with torch.no_grad():
        accuracy = (model(data.val_x).argmax(1) == data.val_y).float().mean().item()
    print(f"{accuracy:.4f}")
''')


def netbuilder(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "netbuilder", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=600)


def assert_clean_failure(result, message):
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def trained_mlp(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mlp")
    result = netbuilder("train", TEMPLATES / "mnist_mlp.json", "--out", "w.pth",
                        "--checkpoint", "ckpt.pth", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder, result.stdout


def test_train_with_defaults_prints_epochs_and_the_article_code_loads_it(trained_mlp):
    folder, out = trained_mlp
    epochs = re.findall(r"^epoch (\d)/5  train loss [\d.]+  val loss [\d.]+  val acc ([\d.]+)  "
                        r"[\d.]+ s  [\d,]+ samples/s$", out, re.M)
    assert [e[0] for e in epochs] == ["1", "2", "3", "4", "5"]
    assert "adam, lr 0.001, batch 64, 5 epochs" in out
    check = subprocess.run([sys.executable, "-c", ARTICLE_LOADS], cwd=folder,
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr
    assert float(check.stdout) >= 0.90


def test_evaluate_prints_accuracy_and_per_class(trained_mlp):
    folder, _ = trained_mlp
    result = netbuilder("evaluate", TEMPLATES / "mnist_mlp.json", "w.pth", cwd=folder)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.match(r"accuracy: 0\.\d{4}  \(2,000 validation images of digits\)$", lines[0])
    assert float(lines[0].split()[1]) >= 0.90
    assert len([line for line in lines[1:] if re.match(r"\s+\d: 0\.\d{4}$", line)]) == 10
    same = netbuilder("evaluate", "ckpt.pth", cwd=folder)
    assert same.returncode == 0 and same.stdout.splitlines()[0] == lines[0]


def test_training_a_checkpoint_continues_from_its_weights(trained_mlp):
    folder, _ = trained_mlp
    result = netbuilder("train", "ckpt.pth", "--epochs", "1", "--out", "w2.pth",
                        "--checkpoint", "ckpt2.pth", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert ("its run has finished: a new run from its weights, keeping the optimizer's "
            "moments") in result.stdout  # and its settings, but for the epochs given
    assert "adam, lr 0.001, batch 64, 1 epochs" in result.stdout
    accuracy = float(re.search(r"val acc ([\d.]+)", result.stdout).group(1))
    assert accuracy > 0.9  # a fresh network after one epoch is near 0.87
    history = torch.load(folder / "ckpt2.pth", weights_only=True)["history"]
    assert len(history) == 6


def test_digits_cnn_with_augmentation_reaches_98_percent(long_digits_cnn_run):
    """`netbuilder train digits_cnn.json --augment --epochs 10` (started with the session,
    see tests/conftest.py) ends at ≥ 98 % validation accuracy."""
    returncode, stdout, stderr = long_digits_cnn_run
    assert returncode == 0, stderr
    final = re.findall(r"val acc ([\d.]+)", stdout)[-1]
    assert float(final) >= 0.98, stdout


def test_evaluate_refuses_a_malicious_file_and_runs_no_code(tmp_path):
    path, marker = malicious_file(tmp_path)
    result = netbuilder("evaluate", TEMPLATES / "mnist_mlp.json", path)
    assert_clean_failure(result, "refused because loading it could run code")
    assert not marker.exists()
    result = netbuilder("evaluate", path)
    assert_clean_failure(result, "refused")
    assert not marker.exists()


def test_weights_of_another_architecture_name_keys_and_shapes(trained_mlp):
    folder, _ = trained_mlp
    result = netbuilder("evaluate", TEMPLATES / "lenet5.json", "w.pth", cwd=folder)
    assert_clean_failure(result, "the weights do not fit this network")
    assert "fc1.weight: the network has shape [120, 400], the file [128, 784]" in result.stderr
    assert "missing from the file: conv1.weight" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--batch-size", "9000"], "batch size 9000 is larger than the 8000 training images"),
    (["--lr", "0"], "learning rate: expected a number > 0, got 0.0"),
    (["--lr", "-1"], "learning rate: expected a number > 0"),
    (["--dataset", "cifar"], "unknown dataset 'cifar'"),
    (["--dataset", "folder:/nonexistent/x"], "image folder /nonexistent/x does not exist"),
    (["--device", "cuda"] if not torch.cuda.is_available() else ["--lr", "nan"],
     "no CUDA GPU is available" if not torch.cuda.is_available() else "learning rate"),
])
def test_bad_training_input(tmp_path, args, message):
    result = netbuilder("train", TEMPLATES / "mnist_mlp.json", "--out", "w.pth", *args,
                        cwd=tmp_path)
    assert_clean_failure(result, message)
    assert not (tmp_path / "w.pth").exists()


def test_a_failed_run_leaves_the_saved_weights_alone(tmp_path, trained_mlp):
    folder, _ = trained_mlp
    target = tmp_path / "keep.pth"
    target.write_bytes((folder / "w.pth").read_bytes())
    before = target.read_bytes()
    spec = tmp_path / "wrong.json"
    spec.write_text((TEMPLATES / "mnist_mlp.json").read_text().replace(
        '"out_features": 10', '"out_features": 7'))
    result = netbuilder("train", spec, "--out", target)
    assert_clean_failure(result, "has 10 classes")
    assert target.read_bytes() == before


def test_image_folder_with_one_class(tmp_path):
    from PIL import Image

    (tmp_path / "imgs" / "a").mkdir(parents=True)
    for i in range(3):
        Image.new("L", (28, 28), i * 50).save(tmp_path / "imgs" / "a" / f"{i}.png")
    result = netbuilder("train", TEMPLATES / "mnist_mlp.json", "--out", "w.pth",
                        "--dataset", f"folder:{tmp_path / 'imgs'}", cwd=tmp_path)
    assert_clean_failure(result, "only one class")


def test_corrupt_and_weights_only_inputs(tmp_path):
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"\x80\x04garbage")
    assert_clean_failure(netbuilder("evaluate", TEMPLATES / "mnist_mlp.json", bad),
                         "is not a PyTorch file netbuilder can read")
    weights = tmp_path / "w.pth"
    torch.save({"fc1.weight": torch.zeros(2, 2)}, weights)
    assert_clean_failure(netbuilder("evaluate", weights), "holds only weights, not a network")
    assert_clean_failure(netbuilder("evaluate", TEMPLATES / "mnist_mlp.json"),
                         "give the weights to evaluate")


# ---------------------------------------------------------------------------------------------
# Resuming, best weights, patience (in this process: main() as the command runs it)

QUICK = ["--limit", "600", "--batch-size", "50", "--augment"]  # 12 batches an epoch


def train(capsys, *args) -> tuple[int, str, str]:
    status = main(["train", *map(str, args)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def same_weights(a, b) -> bool:
    a, b = torch.load(a, weights_only=True), torch.load(b, weights_only=True)
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_a_run_stopped_after_two_epochs_and_resumed_gives_the_weights_of_one_run(tmp_path,
                                                                                 capsys):
    spec = TEMPLATES / "mnist_mlp.json"
    status, out, _ = train(capsys, spec, "--epochs", "4", *QUICK, "--stop-after", "2",
                           "--checkpoint", tmp_path / "c.pth", "--out", tmp_path / "a.pth")
    assert status == 0
    assert re.findall(r"^epoch (\d)/4", out, re.M) == ["1", "2"]
    assert out.rstrip().endswith(f"stopped after 2 epochs of this run; resume later with: "
                                 f"netbuilder train {tmp_path / 'c.pth'} --out "
                                 f"{tmp_path / 'a.pth'}")
    raw = torch.load(tmp_path / "c.pth", weights_only=True)
    assert raw["resume"]["epochs_done"] == 2 and len(raw["history"]) == 2
    assert raw["extra"] == {"dataset": "digits", "val_split": 0.2, "limit": 600}

    # No options: the checkpoint's settings, data and limit apply.
    status, out, _ = train(capsys, tmp_path / "c.pth", "--out", tmp_path / "b.pth",
                           "--checkpoint", tmp_path / "c2.pth")
    assert status == 0
    assert "resuming the run at epoch 3 of 4, step 0 of 12" in out
    assert re.findall(r"^epoch (\d)/4", out, re.M) == ["3", "4"]
    finished = torch.load(tmp_path / "c2.pth", weights_only=True)
    assert [r["epoch"] for r in finished["history"]] == [1, 2, 3, 4]
    assert finished["resume"]["ended"] == "finished"

    status, out, _ = train(capsys, spec, "--epochs", "4", *QUICK, "--out", tmp_path / "w.pth")
    assert status == 0
    assert same_weights(tmp_path / "b.pth", tmp_path / "w.pth")
    assert not same_weights(tmp_path / "a.pth", tmp_path / "w.pth")


def test_other_settings_start_a_new_run_from_a_checkpoint(tmp_path, capsys):
    spec = TEMPLATES / "mnist_mlp.json"
    train(capsys, spec, "--epochs", "3", *QUICK, "--stop-after", "1",
          "--checkpoint", tmp_path / "c.pth", "--out", tmp_path / "a.pth")
    status, out, _ = train(capsys, tmp_path / "c.pth", "--lr", "0.002", "--out",
                           tmp_path / "b.pth")
    assert status == 0
    assert ("the settings differ from its run's (lr 0.001 → 0.002): a new run from its "
            "weights, keeping the optimizer's moments") in out
    assert re.findall(r"^epoch (\d)/3", out, re.M) == ["1", "2", "3"]


def test_keep_best_writes_the_weights_of_the_epoch_with_the_lowest_validation_loss(tmp_path,
                                                                                  capsys):
    spec = TEMPLATES / "mnist_mlp.json"
    overfit = ["--limit", "100", "--lr", "0.01", "--batch-size", "20"]
    status, out, _ = train(capsys, spec, "--epochs", "10", *overfit, "--keep", "best",
                           "--out", tmp_path / "best.pth", "--checkpoint", tmp_path / "c.pth")
    assert status == 0
    losses = [float(v) for v in re.findall(r"val loss ([\d.]+)", out)]
    best = int(re.search(r"plain state_dict: the best epoch, (\d+), val loss", out).group(1))
    assert losses[best - 1] == min(losses) and best < 10  # it overfits afterwards
    train(capsys, spec, "--epochs", str(best), *overfit, "--out", tmp_path / "short.pth")
    assert same_weights(tmp_path / "best.pth", tmp_path / "short.pth")
    last = torch.load(tmp_path / "c.pth", weights_only=True)["state_dict"]
    assert not torch.equal(last["fc1.weight"],
                           torch.load(tmp_path / "best.pth", weights_only=True)["fc1.weight"])


def test_patience_ends_the_run_early_with_a_clear_line(tmp_path, capsys):
    status, out, _ = train(capsys, TEMPLATES / "mnist_mlp.json", "--epochs", "10", "--limit",
                           "100", "--lr", "0.01", "--batch-size", "20", "--patience", "2",
                           "--out", tmp_path / "w.pth", "--checkpoint", tmp_path / "c.pth")
    assert status == 0
    assert "10 epochs, patience 2" in out
    epochs = re.findall(r"^epoch (\d+)/10", out, re.M)
    assert 3 <= len(epochs) < 10
    assert re.search(r"^stopped early: the validation loss has not improved for 2 epochs "
                     rf"\(best [\d.]+ at epoch {len(epochs) - 2}\)$", out, re.M)
    assert (tmp_path / "w.pth").exists()
    resume = torch.load(tmp_path / "c.pth", weights_only=True)["resume"]
    assert resume["ended"] == "early_stopped"
    status, out, _ = train(capsys, tmp_path / "c.pth", "--out", tmp_path / "again.pth",
                           "--epochs", "1")
    assert "its run was stopped early: a new run" in out


@pytest.mark.parametrize("args, message", [
    (["--stop-after", "1"], "--stop-after needs --checkpoint"),
    (["--patience", "-1"], "argument --patience: expected an integer from 0 to 10000"),
    (["--keep", "first"], "argument --keep: invalid choice: 'first'"),
])
def test_bad_resume_options(tmp_path, args, message):
    result = netbuilder("train", TEMPLATES / "mnist_mlp.json", "--out", "w.pth", *args,
                        cwd=tmp_path)
    assert result.returncode in (1, 2) and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "w.pth").exists()


def test_unusable_settings_in_a_checkpoint_are_named(tmp_path, capsys):
    from netbuilder.core.builder import build
    from netbuilder.core.checkpoint import save_checkpoint
    from netbuilder.core.resources import load_template

    spec = load_template("mnist_mlp")
    save_checkpoint(tmp_path / "c.pth", spec, build(spec), training={"lr": "fast"},
                    extra={"dataset": "digits"})
    status, _, err = train(capsys, tmp_path / "c.pth", "--out", tmp_path / "w.pth")
    assert status == 1
    assert "c.pth: its training settings are not usable (learning rate: expected a number > " \
           "0, got 'fast'); give them as options" in err
    save_checkpoint(tmp_path / "c.pth", spec, build(spec), extra={"val_split": 7})
    status, _, err = train(capsys, tmp_path / "c.pth", "--out", tmp_path / "w.pth")
    assert status == 1 and "its val split 7 is not usable; give --val-split" in err
