"""`netbuilder import`: writes a spec the other commands read, or exits 1 saying why."""

import json
from pathlib import Path

import pytest

from netbuilder.cli import main
from netbuilder.core.spec import NetworkSpec

SAMPLES = Path(__file__).parent / "import_samples"


def test_import_writes_a_spec_and_key_map_that_summary_accepts(tmp_path, capsys):
    """With the notes, --num-classes and the key map of a class with residuals."""
    out, keys = tmp_path / "resnet.json", tmp_path / "keys.json"
    assert main(["import", str(SAMPLES / "residual.py"), "--class", "SmallResNet",
                 "--input-shape", "1,12,12", "--out", str(out), "--num-classes", "7",
                 "--key-map", str(keys)]) == 0
    captured = capsys.readouterr()
    assert "note: functional calls became layers: flatten ← torch.flatten(x, 1) (line 57)" \
        in captured.err
    assert "state_dict keys have other names in the network (layer1.conv1.weight → " \
           "layer1.body.conv1.weight" in captured.err
    assert captured.out.splitlines() == [
        f"wrote {out} (SmallResNet: 22 layers, 5,486 parameters)",
        f"wrote {keys} (key map: 44 keys, some renamed)"]
    spec = NetworkSpec.load(out)
    assert spec.num_classes == 7 and spec.input_shape == [1, 12, 12]
    assert [item.kind for item in spec.items[:4]] == ["Block", "Residual", "Residual",
                                                      "Parallel"]
    key_map = json.loads(keys.read_text())
    assert key_map["layer2.downsample.0.weight"] == "layer2.shortcut.0.weight"
    assert key_map["fc.bias"] == "fc.bias"
    assert main(["summary", str(out)]) == 0
    # and no temporary files are left beside them
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys.json", "resnet.json"]


def test_a_failed_import_exits_1_and_keeps_the_old_file(tmp_path, capsys):
    out = tmp_path / "spec.json"
    out.write_text("the old file\n")
    assert main(["import", str(SAMPLES / "mixed.py"), "--class", "TimesTwo", "--out",
                 str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("netbuilder import: cannot import TimesTwo from ")
    assert "x * 2 — a multiplication of a tensor by a constant has no layer kind" in err
    assert "Traceback" not in err
    assert out.read_text() == "the old file\n"


@pytest.mark.parametrize("argv, expected", [
    (["{dir}", "--class", "Net"], "is not a regular file"),
    (["{dir}/absent.py", "--class", "Net"], "No such file or directory"),
    (["{tutorial}", "--class", "Net", "--out", "{tutorial}"], "is the file to import"),
    (["{tutorial}", "--class", "MNISTClassifier", "--out", "{dir}/no/such/folder/spec.json"],
     "cannot write"),
])
def test_refusals_exit_1_with_a_message(tmp_path, capsys, argv, expected):
    words = [w.format(dir=tmp_path, tutorial=SAMPLES / "tutorial.py") for w in argv]
    if "--out" not in words:
        words += ["--out", str(tmp_path / "spec.json")]
    assert main(["import", *words]) == 1
    err = capsys.readouterr().err
    assert err.startswith("netbuilder import: ") and expected in err, err
    assert not (tmp_path / "spec.json").exists()


@pytest.mark.parametrize("option, value", [("--input-shape", "1,x"), ("--input-shape", "0,28"),
                                           ("--timeout", "0"), ("--num-classes", "0")])
def test_bad_options_are_usage_errors(tmp_path, capsys, option, value):
    with pytest.raises(SystemExit) as caught:
        main(["import", str(SAMPLES / "tutorial.py"), "--class", "MNISTClassifier", "--out",
              str(tmp_path / "spec.json"), option, value])
    assert caught.value.code == 2
    assert option in capsys.readouterr().err


def test_a_file_that_hangs_is_stopped_at_the_timeout(tmp_path, capsys):
    assert main(["import", str(SAMPLES / "loops_forever.py"), "--class", "Net", "--out",
                 str(tmp_path / "spec.json"), "--timeout", "0.5"]) == 1
    assert "loops_forever.py did not finish within 0.5 s" in capsys.readouterr().err
    assert not (tmp_path / "spec.json").exists()
