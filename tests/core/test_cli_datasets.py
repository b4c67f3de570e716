"""The command line on colour image folders: options fold into the dataset's name, which
projects keep, and options for the wrong kind of dataset are refused."""

from PIL import Image

from netbuilder.cli import main
from netbuilder.core.project import Project
from netbuilder.core.spec import LayerSpec, NetworkSpec


def colour_folder(root):
    for index, name in enumerate(["red", "blue"]):
        (root / name).mkdir(parents=True)
        for i in range(8):
            colour = (200, 10 * i, 0) if index == 0 else (0, 10 * i, 200)
            Image.new("RGB", (24, 18), colour).save(root / name / f"{i}.png")
    return root


def test_a_colour_folder_trains_at_the_size_asked_for(tmp_path, capsys):
    folder = colour_folder(tmp_path / "photos")
    spec = NetworkSpec([3, 8, 8], [LayerSpec("Flatten", "flatten"), LayerSpec(
        "Linear", "fc", {"in_features": 192, "out_features": 2})], "Net", 2)
    (tmp_path / "net.json").write_text(spec.to_json())
    project = tmp_path / "p.nbproj"
    assert main(["train", str(tmp_path / "net.json"), "--dataset", f"folder:{folder}",
                 "--image-size", "8", "--fit", "crop", "--epochs", "2", "--batch-size", "4",
                 "--save-project", str(project)]) == 0
    out = capsys.readouterr().out
    assert f"folder:{folder}?size=8&fit=crop: 13 training / 3 validation images of 3×8×8" in out
    assert Project.load(project).dataset == f"folder:{folder}?size=8&fit=crop"
    assert main(["evaluate", str(project)]) == 0
    assert "accuracy: " in capsys.readouterr().out


def test_a_folder_at_its_own_size_that_does_not_fit_the_network_says_so(tmp_path, capsys):
    folder = colour_folder(tmp_path / "photos")
    spec = NetworkSpec([1, 28, 28], [LayerSpec("Flatten", "flatten")], "Net", 2)
    (tmp_path / "net.json").write_text(spec.to_json())
    assert main(["train", str(tmp_path / "net.json"), "--dataset", f"folder:{folder}",
                 "--out", str(tmp_path / "w.pth")]) == 1
    assert f"the network takes input [1, 28, 28], but folder:{folder} images are [3, 18, 18]" \
        in capsys.readouterr().err


def test_image_options_are_for_folders_only(tmp_path, capsys):
    spec = NetworkSpec([1, 28, 28], [LayerSpec("Flatten", "flatten")], "Net", 10)
    (tmp_path / "net.json").write_text(spec.to_json())
    assert main(["train", str(tmp_path / "net.json"), "--image-size", "32", "--out",
                 str(tmp_path / "w.pth")]) == 1
    assert "--image-size, --fit and --color are for folder:PATH datasets, not digits" in \
        capsys.readouterr().err
