"""Temperature scaling, expected calibration error and the "not sure" threshold."""

import math
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from netbuilder.core import calibration as cal
from netbuilder.core.calibration import Calibration, CalibrationError, read
from netbuilder.core.data import DeviceData
from netbuilder.core.evaluation import EVAL_BATCH
from netbuilder.core.training import TrainConfig, Trainer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scribbles import scribbles  # noqa: E402


def synthetic(n=4000, classes=10, sharpen=3.0, seed=0):
    """Logits whose softmax is the true distribution of the labels drawn from it, then
    multiplied by ``sharpen``: over-confident by a temperature of exactly ``sharpen``."""
    g = torch.Generator().manual_seed(seed)
    honest = torch.randn(n, classes, generator=g) * 2.0
    labels = torch.multinomial(honest.softmax(dim=1), 1, generator=g).flatten()
    return honest * sharpen, labels


def test_the_temperature_of_over_confident_logits_is_recovered():
    logits, labels = synthetic(sharpen=3.0)
    assert cal.fit_temperature(logits, labels) == pytest.approx(3.0, rel=0.08)
    logits, labels = synthetic(sharpen=0.5, seed=1)  # under-confident: T below 1
    assert cal.fit_temperature(logits, labels) == pytest.approx(0.5, rel=0.08)


def test_the_fit_is_deterministic_and_scaling_lowers_the_ece():
    logits, labels = synthetic(sharpen=3.0)
    assert cal.fit(logits, labels) == cal.fit(logits, labels)
    fitted = cal.fit(logits, labels)
    before = cal.expected_calibration_error(logits.softmax(dim=1), labels)
    after = cal.expected_calibration_error(fitted.probabilities(logits), labels)
    assert after < before / 3


def test_ece_of_known_bins():
    # Two predictions at 0.9 (one right) and two at 0.6 (both right): |0.5-0.9| and |1-0.6|
    probabilities = torch.tensor([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    labels = torch.tensor([0, 1, 0, 0])
    assert cal.expected_calibration_error(probabilities, labels, bins=10) == pytest.approx(
        (2 * 0.4 + 2 * 0.4) / 4)
    assert cal.expected_calibration_error(probabilities, labels, bins=1) == pytest.approx(
        abs(0.75 - 0.75))
    with pytest.raises(ValueError, match="bins"):
        cal.expected_calibration_error(probabilities, labels, bins=0)


def test_the_threshold_is_where_the_predictions_above_stay_right_enough():
    # 1000 predictions, confidence falling from 1.0 to 0.5; the ten below 0.6 are wrong, and
    # so is one near the top.
    confidence = torch.linspace(1.0, 0.5, 1000, dtype=torch.float64)
    probabilities = torch.stack([confidence, 1 - confidence], dim=1)
    labels = torch.zeros(1000, dtype=torch.long)
    labels[5] = 1
    wrong = confidence < 0.6
    labels[wrong] = 1
    threshold = cal.choose_threshold(probabilities, labels, target=0.99, floor=0.0)
    head = confidence >= threshold
    assert float((labels[head] == 0).double().mean()) >= 0.99
    assert float(threshold) < 0.6  # a few wrong ones fit into the 1 % allowed
    assert cal.choose_threshold(probabilities, labels, target=0.99, floor=0.9) == 0.9
    strict = cal.choose_threshold(probabilities, labels, target=1.0, floor=0.0)
    assert strict == pytest.approx(float(confidence[4]))  # the head before the first mistake
    assert cal.choose_threshold(probabilities, 1 - labels, target=0.99) == 1.0  # all wrong


def test_rescaled_probabilities_are_those_of_scaled_logits():
    logits = torch.tensor([[4.0, 1.0, -2.0, 0.5]])
    calibration = Calibration(2.5, 0.9)
    plain = logits.softmax(dim=1)[0].tolist()
    assert calibration.rescale(plain) == pytest.approx(
        calibration.probabilities(logits)[0].tolist(), rel=1e-5)
    assert sum(Calibration(0.3, 0.9).rescale([0.7, 0.3, 0.0])) == pytest.approx(1.0)


def test_reading_a_prediction():
    calibration = Calibration(1.0, 0.9)
    sure = read([0.01, 0.95, 0.04], calibration)
    assert (sure.top, sure.second, sure.sure) == (1, None, True)
    unsure = read([0.1, 0.5, 0.4], calibration)
    assert (unsure.top, unsure.second, unsure.sure) == (1, 2, False)
    lonely = read([0.05, 0.85, 0.1], calibration)  # not sure: the runner-up is named anyway
    assert (lonely.sure, lonely.second) == (False, 2)
    raw = read([0.3, 0.6, 0.1], None)  # uncalibrated: no verdict, a close runner-up shown
    assert (raw.top, raw.second, raw.sure) == (1, 0, None)
    assert read([0.05, 0.9, 0.05], None).second is None
    with pytest.raises(ValueError):
        read([], calibration)


def test_a_calibration_round_trips_through_a_dict():
    calibration = Calibration(1.3, 0.93)
    assert Calibration.from_dict(calibration.to_dict()) == calibration
    assert Calibration.from_dict({"temperature": 2, "threshold": 1}) == Calibration(2.0, 1.0)


@pytest.mark.parametrize("data, said", [
    (None, "calibration: expected an object with temperature and threshold, got NoneType"),
    ([1.0, 0.9], "got list"),
    ({"temperature": 1.0}, "calibration.threshold: missing"),
    ({"threshold": 0.9}, "calibration.temperature: missing"),
    ({"temperature": 1.0, "threshold": 0.9, "bias": 1}, "calibration.bias: unknown field"),
    ({"temperature": "1", "threshold": 0.9}, "calibration.temperature: expected a number, got str"),
    ({"temperature": True, "threshold": 0.9},
     "calibration.temperature: expected a number, got bool"),
    ({"temperature": math.nan, "threshold": 0.9}, "calibration.temperature: expected a number "
                                                  "from 0.01 to 100, got nan"),
    ({"temperature": math.inf, "threshold": 0.9}, "calibration.temperature: expected a number"),
    ({"temperature": 0.0, "threshold": 0.9}, "calibration.temperature: expected a number"),
    ({"temperature": -1.0, "threshold": 0.9}, "calibration.temperature: expected a number"),
    ({"temperature": 1e6, "threshold": 0.9}, "calibration.temperature: expected a number"),
    ({"temperature": 10**400, "threshold": 0.9}, "calibration.temperature: expected a number"),
    ({"temperature": 1.0, "threshold": 1.5}, "calibration.threshold: expected a number from 0 "
                                             "to 1, got 1.5"),
    ({"temperature": 1.0, "threshold": -0.1}, "calibration.threshold: expected a number"),
    ({"temperature": 1.0, "threshold": None}, "calibration.threshold: expected a number, got "
                                              "NoneType"),
])
def test_hostile_calibrations_are_refused_by_field(data, said):
    with pytest.raises(CalibrationError) as caught:
        Calibration.from_dict(data)
    assert said in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_the_constructor_checks_too():
    with pytest.raises(CalibrationError, match="calibration.threshold"):
        Calibration(1.0, 2.0)


# ---------------------------------------------------------------------------------------------
# Fitted by the trainer


def tiny_data(n=400, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=g)
    y = (x[:, 0] + 0.3 * torch.randn(n, generator=g) > 0).long()
    cut = n * 3 // 4
    return DeviceData(x[:cut], y[:cut], x[cut:], y[cut:], 2)


def tiny_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))


def test_a_finished_run_is_calibrated_from_its_own_validation_pass():
    data, model = tiny_data(), tiny_model()
    calls = []
    model.register_forward_hook(
        lambda module, inputs, _out: calls.append((len(inputs[0]), module.training)))
    trainer = Trainer(model, data, TrainConfig(epochs=2, batch_size=50, device="cpu"))
    trainer.train()
    assert isinstance(trainer.calibration, Calibration)
    # no pass beyond the epochs' own: besides the batches, the output check at the start, then
    # in each epoch the validation pass (in chunks of EVAL_BATCH) and the finite-outputs probe
    evaluated = [size for size, training in calls if not training]
    assert len(data.val_y) > EVAL_BATCH
    assert evaluated.count(len(data.val_y) - EVAL_BATCH) == 2  # each validation's last chunk
    assert len(evaluated) == 1 + 2 * 3
    expected = cal.fit(cal.outputs(model, data.val_x), data.val_y)
    assert trainer.calibration.temperature == pytest.approx(expected.temperature, rel=1e-6)
    assert trainer.calibration.threshold == pytest.approx(expected.threshold, rel=1e-6)


def test_a_run_stopped_mid_epoch_is_calibrated_for_the_weights_it_leaves():
    data, model = tiny_data(), tiny_model()
    trainer = Trainer(model, data, TrainConfig(epochs=3, batch_size=50, device="cpu"))
    for event in trainer.run():
        if event.kind == "batch" and event.global_step == 8:
            trainer.stop.set()
    expected = cal.fit(cal.outputs(model, data.val_x), data.val_y)
    assert trainer.calibration == expected


def test_no_calibration_without_validation_or_for_a_regression():
    data = tiny_data()
    empty = DeviceData(data.train_x, data.train_y, data.val_x[:0], data.val_y[:0], 2)
    trainer = Trainer(tiny_model(), empty, TrainConfig(epochs=1, batch_size=50, device="cpu"))
    trainer.train()
    assert trainer.calibration is None
    target = data.train_x[:, :1] * 2
    table = DeviceData(data.train_x, target, data.val_x, data.val_x[:, :1] * 2, 1,
                       task="regression")
    model = nn.Sequential(nn.Linear(4, 1))
    trainer = Trainer(model, table, TrainConfig(epochs=1, batch_size=50, loss="mse",
                                                device="cpu"))
    trainer.train()
    assert trainer.calibration is None


# ---------------------------------------------------------------------------------------------
# A really trained digits_cnn (the shared fixture: 3 augmented epochs)


@pytest.fixture(scope="module")
def digits(trained_digits_cnn):
    from netbuilder.core.builder import build
    from netbuilder.core.data import load_digits
    from netbuilder.core.resources import load_template

    model = build(load_template("digits_cnn"))
    model.load_state_dict(trained_digits_cnn)
    data = load_digits().on_device("cpu")
    logits = cal.outputs(model, data.val_x)
    return model, logits, data.val_y, cal.fit(logits, data.val_y)


def test_scaling_fits_a_trained_network_without_making_it_less_calibrated(digits):
    """Temperature scaling minimises the validation NLL (T = 1 is among its choices, so the NLL
    can only fall); a network this well trained is nearly calibrated already (ECE under 2 %),
    so its ECE may move either way, but only by a hair (the synthetic tests above show the
    large drop on over-confident logits)."""
    _model, logits, labels, fitted = digits
    nll_before = float(torch.nn.functional.cross_entropy(logits, labels))
    nll_after = float(torch.nn.functional.cross_entropy(logits / fitted.temperature, labels))
    assert nll_after < nll_before
    before = cal.expected_calibration_error(logits.softmax(dim=1), labels)
    after = cal.expected_calibration_error(fitted.probabilities(logits), labels)
    assert before < 0.02
    assert after <= before + 0.002
    assert cal.TEMPERATURE_LIMITS[0] < fitted.temperature < cal.TEMPERATURE_LIMITS[1]


def test_most_scribbles_are_not_sure_and_most_digits_are(digits):
    model, logits, labels, fitted = digits
    images, _kinds = scribbles(per_kind=25)
    scribbled = fitted.probabilities(cal.outputs(model, images)).max(dim=1).values
    flagged = float((scribbled < fitted.threshold).double().mean())
    assert flagged > 0.6, flagged
    valid = fitted.probabilities(logits).max(dim=1).values
    assert float((valid < fitted.threshold).double().mean()) < 0.15
    sure = valid >= fitted.threshold
    right = fitted.probabilities(logits).argmax(dim=1) == labels
    assert float(right[sure].double().mean()) >= cal.TARGET_PRECISION
