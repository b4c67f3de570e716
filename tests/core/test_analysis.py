"""Analysis: shapes from running the real modules, counts, MACs, errors and each lint."""

import pytest
import torch

from netbuilder.core.analysis import Analyzer, analyze, flow_text, format_shape
from netbuilder.core.builder import build
from netbuilder.core.resources import load_template
from netbuilder.core.spec import BlockSpec, LayerSpec, NetworkSpec


def linear(name, n_in, n_out):
    return LayerSpec("Linear", name, {"in_features": n_in, "out_features": n_out})


def conv(name, c_in, c_out, k=3, **extra):
    return LayerSpec("Conv2d", name, {"in_channels": c_in, "out_channels": c_out,
                                      "kernel_size": k, **extra})


def net(*items, num_classes=10, shape=(1, 28, 28)):
    return NetworkSpec(list(shape), list(items), num_classes=num_classes)


def rules(analysis):
    return sorted(f.rule for f in analysis.warnings)


def test_templates_analyse_cleanly_with_the_article_totals():
    assert analyze(load_template("mnist_mlp")).total_params == 109_386
    assert analyze(load_template("complex_model")).total_params == 387_466
    for name in ("lenet5", "digits_cnn", "rows_lstm"):
        analysis = analyze(load_template(name))
        assert analysis.ok and not analysis.warnings, name
        assert analysis.output_shape == (1, 10)


def test_shapes_per_layer_and_blocks():
    analysis = analyze(load_template("complex_model"))
    assert format_shape(analysis.row("block1.0").output_shape) == "[N, 32, 26, 26]"
    assert analysis.row("block2").output_shape == (1, 64, 24, 24)
    assert analysis.row("block2").input_shape == (1, 32, 26, 26)
    assert analysis.row("block2").params == 32 * 64 * 9 + 64
    assert flow_text(analysis.row("flatten").output_shape) == "36864"
    assert [r.depth for r in analysis.rows] == [0, 1, 1, 0, 1, 1, 0, 0]


def test_macs_match_the_arithmetic():
    analysis = analyze(load_template("mnist_mlp"))
    assert analysis.row("fc1").macs == 784 * 128
    assert analysis.macs == 784 * 128 + 128 * 64 + 64 * 10
    conv_row = analyze(load_template("complex_model")).row("block1.0")
    assert conv_row.macs == 26 * 26 * 32 * 9


def test_trainable_and_frozen_counts_and_size():
    spec = load_template("mnist_mlp")
    spec.find("fc1").frozen = True
    analysis = analyze(spec)
    assert analysis.frozen_params == 784 * 128 + 128
    assert analysis.trainable_params == 109_386 - analysis.frozen_params
    assert analysis.size_mb == pytest.approx(109_386 * 4 / 1e6)


def test_shapes_agree_with_a_real_forward_on_every_template():
    for name in ("mnist_mlp", "complex_model", "lenet5", "digits_cnn", "rows_lstm"):
        spec = load_template(name)
        analysis = analyze(spec)
        real = build(spec).eval()(torch.rand(3, *spec.input_shape))
        assert analysis.output_shape[1:] == tuple(real.shape[1:])


def test_first_breaking_layer_gets_an_error_that_says_expected_and_received():
    analysis = analyze(net(conv("conv1", 1, 32), linear("fc1", 784, 10)))
    assert not analysis.ok
    (error,) = analysis.errors
    assert error.path == "fc1"
    assert error.message == "fc1 (Linear): expects last dimension 784, receives [N, 32, 26, 26]"
    assert analysis.row("fc1").error and analysis.row("conv1").error is None
    assert analysis.output_shape is None


def test_only_the_first_break_is_an_error_later_layers_are_unknown():
    analysis = analyze(net(linear("fc1", 5, 10), linear("fc2", 10, 10), LayerSpec("ReLU", "r")))
    assert [e.path for e in analysis.errors] == ["fc1"]
    assert analysis.row("fc2").output_shape is None


@pytest.mark.parametrize(
    "items, path, text",
    [
        ([conv("c", 3, 8)], "c", "expects [N, 3, H, W], receives [N, 1, 28, 28]"),
        ([LayerSpec("LSTM", "l", {"input_size": 20, "hidden_size": 8})], "l",
         "expects [N, T, 20]"),
        ([LayerSpec("LayerNorm", "ln", {"normalized_shape": [27]})], "ln",
         "expects trailing dimensions [27]"),
        ([conv("c", 1, 8, k=30)], "c", "Kernel size can't be greater than actual input size"),
        ([conv("c", 1, 6, groups=4)], "c", "cannot be built: in_channels must be divisible"),
    ],
)
def test_error_messages(items, path, text):
    analysis = analyze(net(*items))
    assert analysis.errors[0].path == path
    assert text in analysis.errors[0].message


def test_lint_softmax_before_cross_entropy():
    spec = load_template("mnist_mlp")
    spec.items.append(LayerSpec("Softmax", "softmax", {"dim": 1}))
    analysis = analyze(spec)
    assert rules(analysis) == ["softmax-before-loss"]
    assert "CrossEntropyLoss" in analysis.warnings[0].message
    assert analysis.warnings[0].fix.startswith("remove softmax")
    spec.items[-1] = LayerSpec("LogSoftmax", "log_softmax", {"dim": 1})
    assert rules(analyze(spec)) == ["softmax-before-loss"]
    assert rules(analyze(spec, loss="nll")) == []


def test_lint_two_linear_layers_without_nonlinearity():
    analysis = analyze(net(LayerSpec("Flatten", "f"), linear("fc1", 784, 64),
                           LayerSpec("Dropout", "d"), linear("fc2", 64, 10)))
    assert rules(analysis) == ["linear-linear"]
    assert "fc1 and fc2" in analysis.warnings[0].message
    assert "ReLU" in analysis.warnings[0].fix
    assert analysis.row("fc2").findings == analysis.warnings


def test_lint_batchnorm_of_the_wrong_dimensionality():
    analysis = analyze(net(LayerSpec("Flatten", "f"), linear("fc1", 784, 64),
                           LayerSpec("BatchNorm2d", "bn", {"num_features": 64})))
    assert "batchnorm-rank" in rules(analysis)
    assert [w.fix for w in analysis.warnings if w.rule == "batchnorm-rank"] == [
        "use BatchNorm1d here."]
    analysis = analyze(net(LayerSpec("BatchNorm1d", "bn", {"num_features": 1})))
    assert "use BatchNorm2d here." in [w.fix for w in analysis.warnings]


def test_lint_final_width_differs_from_number_of_classes():
    analysis = analyze(net(LayerSpec("Flatten", "f"), linear("fc1", 784, 12), num_classes=10))
    assert rules(analysis) == ["classes"]
    assert analysis.warnings[0].fix == "set fc1.out_features to 10."
    analysis = analyze(net(conv("c", 1, 4), num_classes=10))
    assert rules(analysis) == ["classes"]
    assert "add Flatten" in analysis.warnings[0].fix
    assert rules(analyze(net(LayerSpec("Flatten", "f"), linear("fc1", 784, 12),
                             num_classes=None))) == []


def test_lint_dropout_right_before_the_output():
    analysis = analyze(net(LayerSpec("Flatten", "f"), linear("fc1", 784, 10),
                           LayerSpec("Dropout", "drop")))
    assert rules(analysis) == ["dropout-last"]
    assert analysis.warnings[0].path == "drop"


def test_lint_pooling_that_shrinks_a_dimension_to_zero():
    analysis = analyze(net(LayerSpec("MaxPool2d", "p1", {"kernel_size": 16}),
                           LayerSpec("MaxPool2d", "p2", {"kernel_size": 2})))
    assert "pool-to-zero" in rules(analysis)
    assert analysis.errors[0].path == "p2"
    assert "smaller kernel" in [w for w in analysis.warnings if w.rule == "pool-to-zero"][0].fix


def test_deep_stack_of_linear_layers_analyses_and_keeps_working():
    items = [LayerSpec("Flatten", "flatten")]
    width = 784
    for i in range(1, 51):
        items += [linear(f"fc{i}", width, 32), LayerSpec("ReLU", f"relu{i}")]
        width = 32
    spec = net(*items, num_classes=32)
    analysis = Analyzer().analyze(spec)
    assert analysis.ok and len(analysis.rows) == 101
    # and a later, different analysis on the meta device still works
    assert analyze(load_template("complex_model")).ok


def test_deeply_nested_blocks():
    inner = [LayerSpec("ReLU", "r")]
    for depth in range(8):
        inner = [BlockSpec(f"b{depth}", inner)]
    analysis = analyze(net(*inner, LayerSpec("Flatten", "f"), num_classes=None))
    assert analysis.ok
    assert max(r.depth for r in analysis.rows) == 8
    assert analysis.output_shape == (1, 784)


def test_cached_results_follow_edits():
    analyzer = Analyzer()
    spec = load_template("mnist_mlp")
    assert analyzer.analyze(spec).ok
    spec.find("fc2").args["out_features"] = 32
    analysis = analyzer.analyze(spec)
    assert analysis.errors[0].path == "fc3"
    spec.find("fc3").args["in_features"] = 32
    assert analyzer.analyze(spec).ok


def test_empty_network_passes_input_through():
    analysis = analyze(net(num_classes=None))
    assert analysis.ok and analysis.output_shape == (1, 1, 28, 28) and analysis.rows == []
