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


def test_row_finds_every_path_of_a_nested_spec():
    analysis = analyze(load_template("complex_model"))
    for row in analysis.rows:
        assert analysis.row(row.path) is row
    assert analysis.row("block1.nonexistent") is None
    analysis.rows = analysis.rows[:1]  # a replaced list is indexed afresh
    assert analysis.row("block1.0") is None and analysis.row("block1") is analysis.rows[0]


def test_block_totals_count_direct_children_only():
    inner = BlockSpec("inner", [linear("fc2", 32, 16)])
    outer = BlockSpec("outer", [linear("fc1", 784, 32), inner])
    analysis = analyze(net(LayerSpec("Flatten", "f"), outer, num_classes=16))
    assert analysis.row("outer.inner").params == 32 * 16 + 16
    assert analysis.row("outer").params == 784 * 32 + 32 + 32 * 16 + 16
    assert analysis.total_params == analysis.row("outer").params


@pytest.mark.parametrize(
    "items, shape, text",
    [
        ([LayerSpec("Conv3d", "c", {"in_channels": 1, "out_channels": 4, "kernel_size": 3})],
         (1, 28, 28), "c (Conv3d): expects [N, 1, D, H, W] (5 dimensions), receives "
                      "[N, 1, 28, 28]; Conv2d fits an input of 4 dimensions"),
        ([conv("c", 28, 4)], (28, 28),
         "expects [N, 28, H, W] (4 dimensions), receives [N, 28, 28]"),
        ([LayerSpec("Flatten", "f", {"start_dim": 0})], (1, 28, 28),
         "start_dim=0 would merge the batch dimension of [N, 1, 28, 28] into each sample: "
         "use start_dim=1 (or -3)"),
        ([LayerSpec("Unflatten", "u", {"dim": 0, "unflattened_size": [1]})], (784,),
         "dim=0 would split the batch dimension of [N, 784]: use a dimension from 1 to 1"),
        ([LayerSpec("Softmax", "s", {"dim": 2})], (10,),
         "dim=2 is out of range for [N, 10] (2 dimensions): use a value from -2 to 1"),
        ([LayerSpec("LogSoftmax", "s", {"dim": -3})], (10,), "dim=-3 is out of range"),
        ([LayerSpec("LayerNorm", "ln", {"normalized_shape": [1, 10]})], (10,),
         "normalized_shape=[1, 10] reaches into the batch dimension of [N, 10]: it may cover at "
         "most the last 1 dimensions, e.g. [10]"),
        ([LayerSpec("ConvTranspose2d", "t", {"in_channels": 16, "out_channels": 8,
                                             "kernel_size": 2})],
         (1, 28, 28), "t (ConvTranspose2d): expects [N, 16, H, W], receives [N, 1, 28, 28]"),
        ([LayerSpec("ConvTranspose2d", "t", {"in_channels": 1, "out_channels": 8,
                                             "kernel_size": 2, "stride": 2,
                                             "output_padding": [1, 2]})],
         (1, 28, 28), "output_padding 2 in width must be smaller than stride (2) or dilation (1) "
                      "there: use output_padding ≤ 1"),
    ],
)
def test_errors_the_meta_device_and_unbatched_reading_would_miss(items, shape, text):
    """Each of these runs on the meta device at batch 1; real tensors at batch 3 refuse it or
    lose the batch dimension."""
    analysis = analyze(net(*items, shape=shape, num_classes=None))
    assert [e.path for e in analysis.errors] == [items[0].name]
    assert text in analysis.errors[0].message
    model = build(net(*items, shape=shape, num_classes=None)).eval()
    try:
        with torch.no_grad():
            out = model(torch.rand(3, *shape))
    except (RuntimeError, ValueError, IndexError):
        return
    assert out.shape[0] != 3, f"torch runs and keeps the batch: {tuple(out.shape)}"


@pytest.mark.parametrize(
    "layer, shape, out",
    [
        # Needs more than one sample per channel: a batch of 1 fails, every larger batch runs.
        (LayerSpec("BatchNorm1d", "bn", {"num_features": 7, "track_running_stats": False}),
         (7,), (1, 7)),
        (LayerSpec("Flatten", "f", {"start_dim": 0, "end_dim": 1}), (1, 6, 2), (1, 6, 2)),
        (LayerSpec("MaxPool2d", "p", {"kernel_size": 2}), (6, 8), (1, 3, 4)),
        (LayerSpec("ConvTranspose2d", "t", {"in_channels": 1, "out_channels": 2, "kernel_size": 3,
                                            "dilation": 3, "output_padding": 2}),
         (1, 5, 5), (1, 2, 13, 13)),
    ],
)
def test_layers_real_tensors_accept_at_any_batch_are_ok(layer, shape, out):
    analysis = analyze(net(layer, shape=shape, num_classes=None))
    assert analysis.ok, analysis.errors
    assert analysis.output_shape == out
    with torch.no_grad():
        real = build(net(layer, shape=shape, num_classes=None)).eval()(torch.rand(3, *shape))
    assert tuple(real.shape) == (3, *out[1:])


def test_pooling_error_that_is_not_about_size_is_not_called_pool_to_zero():
    analysis = analyze(net(LayerSpec("MaxPool2d", "p", {"kernel_size": 2, "padding": 2}),
                           num_classes=None))
    assert analysis.errors[0].path == "p"
    assert "pool-to-zero" not in rules(analysis)


def test_lint_softmax_across_the_batch_runs_but_warns():
    for dim in (0, -2):
        analysis = analyze(net(LayerSpec("Flatten", "f"), LayerSpec("Softmax", "s", {"dim": dim}),
                               num_classes=None), loss="mse")
        assert analysis.ok
        assert rules(analysis) == ["softmax-batch"]
        assert analysis.warnings[0].fix == "set s.dim to 1 (or -1, the last dimension)."
    assert rules(analyze(net(LayerSpec("Flatten", "f"), LayerSpec("Softmax", "s", {"dim": 1}),
                             num_classes=None), loss="mse")) == []


def test_a_layer_that_loses_the_batch_is_an_error(monkeypatch):
    """The last line of defence, for kinds no explicit check knows (e.g. from plugins)."""
    monkeypatch.setattr("netbuilder.core.analysis.input_problem", lambda kind, args, shape: None)
    analysis = Analyzer().analyze(net(LayerSpec("Flatten", "f", {"start_dim": 0}),
                                      num_classes=None))
    assert analysis.errors[0].message == (
        "f (Flatten): receives [N, 1, 28, 28] but does not keep the batch dimension: 2 samples "
        "[2, 1, 28, 28] come out as [1568]")


def test_arguments_of_the_wrong_type_are_reported_not_raised():
    """An unvalidated spec (mid-edit) must not break the analysis of the explicit checks."""
    analysis = Analyzer().analyze(net(LayerSpec("Softmax", "s", {"dim": "last"}),
                                      num_classes=None))
    assert [e.path for e in analysis.errors] == ["s"]
