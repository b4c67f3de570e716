"""The pen and scanner strengths as settings: checked, saved in projects and resume points,
given on the command line, and applied by the Trainer after the affine augmentation."""

from __future__ import annotations

import io

import pytest
import torch

from netbuilder.cli import _parser
from netbuilder.core.builder import build
from netbuilder.core.data import load_digits
from netbuilder.core.pen_augment import PenAugment
from netbuilder.core.project import Project, ProjectError
from netbuilder.core.resume import ResumePoint, _checked_config
from netbuilder.core.spec import LayerSpec, NetworkSpec
from netbuilder.core.train_config import PEN_SETTINGS, SETTING_LIMITS, TrainConfig
from netbuilder.core.training import BatchEnd, Trainer, reset_weights


def test_the_strengths_are_settings_from_0_to_1_off_by_default():
    config = TrainConfig()
    assert PEN_SETTINGS == ("stroke", "blur", "elastic", "erase")
    assert all(SETTING_LIMITS[name] == (0.0, 1.0) for name in PEN_SETTINGS)
    # --augment alone is the affine augment: benchmarks/robustness.py found no pen mix that
    # helped digits_cnn (README, "Augmentation for drawn and scanned digits")
    assert not TrainConfig(augment=True).pen().active
    assert config.problems() == []
    bad = TrainConfig(stroke=1.5, blur=-0.1, elastic=float("nan"), erase="0.5")
    problems = bad.problems()
    assert len(problems) == 4
    for name, line in zip(PEN_SETTINGS, problems, strict=True):
        assert line.startswith(f"{name} strength: expected a number from 0 to 1, got ")


def test_the_strengths_apply_only_with_augmentation():
    assert not TrainConfig(augment=False, stroke=1.0).pen().active
    assert TrainConfig(augment=True, stroke=0.3, blur=0, elastic=0.2, erase=1).pen() == \
        PenAugment(stroke=0.3, blur=0.0, elastic=0.2, erase=1.0)


def test_projects_keep_the_strengths_and_refuse_wrong_ones(tmp_path):
    spec = NetworkSpec([4], [LayerSpec("Linear", "fc", {"in_features": 4, "out_features": 2})])
    strengths = {"stroke": 0.25, "blur": 0.0, "elastic": 1.0, "erase": 0.5}
    path = Project(spec, training={"augment": True, **strengths}).save(tmp_path / "p.json")
    opened = Project.load(path)
    assert opened.training == {"augment": True, **strengths}
    assert TrainConfig.from_dict(opened.training).pen() == PenAugment(**strengths)
    old = Project.load(Project(spec, training={"augment": True}).save(tmp_path / "old.json"))
    assert TrainConfig.from_dict(old.training).pen() == TrainConfig(augment=True).pen()
    with pytest.raises(ProjectError, match=r"training\.blur: expected a number from 0 to 1"):
        Project.load(Project(spec, training={"blur": 1.5}).save(tmp_path / "bad.json"))


def test_a_run_saved_before_the_strengths_existed_resumes_without_them():
    legacy = {k: v for k, v in TrainConfig(augment=True).to_dict().items()
              if k not in PEN_SETTINGS}
    assert all(_checked_config(legacy)[name] == 0.0 for name in PEN_SETTINGS)
    current = TrainConfig(augment=True, stroke=0.2).to_dict()
    assert _checked_config(current)["stroke"] == 0.2


def test_the_command_line_takes_the_strengths_with_their_limits(capsys):
    parser = _parser()
    args = parser.parse_args(["train", "net.json", "--augment", "--stroke", "0.3", "--erase",
                              "1"])
    assert (args.augment, args.stroke, args.erase) == (True, 0.3, 1.0)
    assert {"augment", "stroke", "erase"} <= args.given
    defaults = parser.parse_args(["train", "net.json", "--augment"])
    assert [getattr(defaults, name) for name in PEN_SETTINGS] == \
        [getattr(TrainConfig(), name) for name in PEN_SETTINGS]
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "net.json", "--blur", "2"])
    assert "--blur: expected a number from 0 to 1, got 2" in capsys.readouterr().err


@pytest.fixture(scope="module")
def small():
    data = load_digits().on_device("cpu")
    data.train_x, data.train_y = data.train_x[:200], data.train_y[:200]
    data.val_x, data.val_y = data.val_x[:50], data.val_y[:50]
    return data


def trained(data, **settings) -> dict:
    model = build(NetworkSpec([1, 28, 28], [
        LayerSpec("Flatten", "flat"),
        LayerSpec("Linear", "fc", {"in_features": 784, "out_features": 10})]))
    reset_weights(model, 0)
    config = TrainConfig(epochs=1, batch_size=50, seed=1, device="cpu", **settings)
    Trainer(model, data, config).train()
    return model.state_dict()


def same(a: dict, b: dict) -> bool:
    return all(torch.equal(a[k], b[k]) for k in a)


def test_the_trainer_applies_the_strengths_after_the_affine_augmentation(small):
    off = dict.fromkeys(PEN_SETTINGS, 0.0)
    affine = trained(small, augment=True, **off)
    pen = trained(small, augment=True, **{**off, "blur": 1.0})
    assert same(pen, trained(small, augment=True, **{**off, "blur": 1.0}))  # seeded
    assert not same(pen, affine)
    # without augmentation the strengths do nothing
    assert same(trained(small, augment=False, **off), trained(small, augment=False))


def test_the_pen_effects_follow_the_affine_draws_from_one_generator(monkeypatch, small):
    """The affine augment draws first, then pen_augment from the same generator: the order a
    resumed run (and the exported script) must repeat."""
    import netbuilder.core.training as training

    calls = []
    real_augment, real_pen = training.augment, training.pen_augment

    def spy_augment(x, generator, **kwargs):
        calls.append(("affine", generator))
        return real_augment(x, generator, **kwargs)

    def spy_pen(x, generator, settings):
        calls.append(("pen", generator, settings))
        return real_pen(x, generator, settings)

    monkeypatch.setattr(training, "augment", spy_augment)
    monkeypatch.setattr(training, "pen_augment", spy_pen)
    trained(small, augment=True, stroke=0.4)
    assert [c[0] for c in calls[:4]] == ["affine", "pen", "affine", "pen"]
    assert calls[0][1] is calls[1][1]
    assert calls[1][2] == TrainConfig(augment=True, stroke=0.4).pen()


def test_a_run_with_every_pen_effect_resumes_mid_epoch_bit_for_bit(small):
    """Stopped after a batch of epoch 2 and continued (through a file) in a new Trainer: the
    weights of the run that never stopped, with all four effects drawing from the generator."""
    config = TrainConfig(epochs=2, batch_size=50, seed=2, device="cpu", augment=True,
                         stroke=0.5, blur=0.5, elastic=0.5, erase=0.5)

    def model():
        net = build(NetworkSpec([1, 28, 28], [
            LayerSpec("Flatten", "flat"),
            LayerSpec("Linear", "fc", {"in_features": 784, "out_features": 10})]))
        reset_weights(net, 0)
        return net

    whole = model()
    Trainer(whole, small, config).train()
    first = model()
    trainer = Trainer(first, small, config)
    for event in trainer.run():
        if isinstance(event, BatchEnd) and (event.epoch, event.step) == (2, 1):
            trainer.stop.set()
    buffer = io.BytesIO()
    torch.save(trainer.resume_point().to_payload(), buffer)
    buffer.seek(0)
    point = ResumePoint.from_payload(torch.load(buffer, weights_only=True))
    assert (point.epochs_done, point.step) == (1, 1)
    second = model()
    second.load_state_dict(first.state_dict())
    resumed = Trainer(second, small, config, resume=point)
    assert resumed.resumed
    resumed.train()
    assert same(second.state_dict(), whole.state_dict())
    assert not same(second.state_dict(), first.state_dict())
