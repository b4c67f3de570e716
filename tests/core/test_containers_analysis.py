"""Analysis of residuals and parallels against real torch; errors where stacks meet; lint."""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from netbuilder.core.analysis import (
    MERGE_SHAPE,
    RESIDUAL_PROJECTION,
    RESIDUAL_SHAPE,
    analyze,
    describe_projection,
    format_shape,
    lint,
    projection,
    relu_before_sum,
)
from netbuilder.core.builder import build
from netbuilder.core.resources import load_template, template_names
from netbuilder.core.spec import BlockSpec, LayerSpec, NetworkSpec, ParallelSpec, ResidualSpec


def conv(name, c_in, c_out, k=3, **extra):
    return LayerSpec("Conv2d", name, {"in_channels": c_in, "out_channels": c_out,
                                      "kernel_size": k, **extra})


def linear(name, n_in, n_out):
    return LayerSpec("Linear", name, {"in_features": n_in, "out_features": n_out})


def bn(name, channels):
    return LayerSpec("BatchNorm2d", name, {"num_features": channels})


def relu(name):
    return LayerSpec("ReLU", name)


SPECS = {
    "projection_shortcut": lambda: NetworkSpec([3, 12, 12], [
        ResidualSpec("res1", [conv("0", 3, 8, stride=2, padding=1), bn("1", 8), relu("2"),
                              conv("3", 8, 8, padding=1), bn("4", 8)],
                     [conv("0", 3, 8, 1, stride=2, bias=False), bn("1", 8)], "ReLU")]),
    "identity_in_a_block": lambda: NetworkSpec([4, 6, 6], [
        BlockSpec("stage", [conv("c", 4, 4, padding=1),
                            ResidualSpec("res", [conv("0", 4, 4, padding="same")], [], "GELU")]),
        LayerSpec("Flatten", "flat"), linear("fc", 144, 3)]),
    "vectors_concat_negative_dim": lambda: NetworkSpec([5], [
        ParallelSpec("mix", [[linear("a", 5, 3)], [linear("b", 5, 2), LayerSpec("Tanh", "t")],
                             []], "concat", -1),
        linear("fc", 10, 2)]),
    "sum_and_mean": lambda: NetworkSpec([2, 7, 7], [
        ParallelSpec("sum", [[conv("a", 2, 4, padding=1)], [conv("b", 2, 4, 1)]], "sum"),
        ParallelSpec("mean", [[LayerSpec("MaxPool2d", "p", {"kernel_size": 2})],
                              [LayerSpec("AvgPool2d", "p", {"kernel_size": 2})]], "mean")]),
    "nested_each_in_other": lambda: NetworkSpec([2, 8, 8], [
        ResidualSpec("res", [
            ParallelSpec("mix", [
                [conv("a", 2, 3, padding=1)],
                [BlockSpec("blk", [ResidualSpec("inner", [conv("0", 2, 2, padding=1)],
                                                [], "ReLU"),
                                   conv("1", 2, 1, 1)])]]),
            conv("squeeze", 4, 2, 1)], [], "Tanh"),
        BlockSpec("head", [ParallelSpec("p", [[LayerSpec("AdaptiveAvgPool2d", "gap", {
            "output_size": 1})], [LayerSpec("AdaptiveAvgPool2d", "gmp", {"output_size": 1})]],
                                        "concat", 1),
                           LayerSpec("Flatten", "f")])]),
    "signals_conv1d": lambda: NetworkSpec([3, 16], [
        ResidualSpec("res", [LayerSpec("Conv1d", "0", {"in_channels": 3, "out_channels": 6,
                                                       "kernel_size": 3, "stride": 2,
                                                       "padding": 1})],
                     [LayerSpec("Conv1d", "0", {"in_channels": 3, "out_channels": 6,
                                                "kernel_size": 1, "stride": 2})])]),
    "sequence_rnn_branches": lambda: NetworkSpec([5, 4], [
        ParallelSpec("mix", [[LayerSpec("GRU", "gru", {"input_size": 4, "hidden_size": 3})],
                             [LayerSpec("LSTM", "lstm", {"input_size": 4, "hidden_size": 2})]]),
        linear("fc", 5, 2)]),
}


def real_outputs(model, shape, batch):
    """Each module path's output shape on a real CPU forward at ``batch``."""
    seen = {}
    hooks = [module.register_forward_hook(
        lambda _m, _i, out, name=name: seen.__setitem__(name, tuple(out.shape)))
        for name, module in model.named_modules() if name]
    with torch.no_grad():
        out = model.eval()(torch.rand(batch, *shape))
    for hook in hooks:
        hook.remove()
    return seen, tuple(out.shape)


TEMPLATES_WITH_CONTAINERS = [name for name in template_names()
                             if any(item.kind in ("Residual", "Parallel")
                                    for _p, item, _d in load_template(name).walk())]


@pytest.mark.parametrize("name", [*SPECS, *TEMPLATES_WITH_CONTAINERS])
def test_every_row_matches_a_real_forward_at_batch_2_and_3(name):
    spec = SPECS[name]() if name in SPECS else load_template(name)
    analysis = analyze(spec)
    assert analysis.ok, [str(f) for f in analysis.errors]
    model = build(spec)
    for batch in (2, 3):
        seen, out = real_outputs(model, spec.input_shape, batch)
        assert analysis.output_shape[1:] == out[1:]
        for row in analysis.rows:
            assert row.output_shape[1:] == seen[row.path][1:], (row.path, batch)
    modules = dict(model.named_modules())
    for row in analysis.rows:
        assert row.params == sum(p.numel() for p in modules[row.path].parameters()), row.path
    assert analysis.total_params == sum(p.numel() for p in model.parameters())
    if any(layer.kind in ("GRU", "LSTM", "RNN") for _p, layer in spec.layers()):
        return  # recurrent layers count their FLOPs differently on meta and CPU kernels
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.rand(2, *spec.input_shape))
    assert analysis.macs == counter.get_total_flops() // 2 // 2


def test_stack_shapes_and_rows_say_where_each_item_sits():
    analysis = analyze(SPECS["nested_each_in_other"]())
    assert analysis.stack_shapes["res.body.mix.branches.1"] == ((1, 2, 8, 8), (1, 1, 8, 8))
    assert analysis.stack_shapes["res.shortcut"] == ((1, 2, 8, 8), (1, 2, 8, 8))
    assert analysis.stack_shapes[""] == ((1, 2, 8, 8), (1, 4))
    assert analysis.row("res.body.mix").output_shape == (1, 4, 8, 8)
    assert analysis.row("res.body.mix.branches.1.blk.inner.body.0").stack == (
        "res.body.mix.branches.1.blk.inner.body")
    assert analysis.row("res").is_container and not analysis.row("res").is_block
    assert [r.depth for r in analysis.rows][:4] == [0, 1, 2, 2]


# -- where stacks meet -----------------------------------------------------------------------


def test_a_residual_of_different_shapes_names_both_and_the_projection():
    spec = NetworkSpec([32, 28, 28], [ResidualSpec("res1", [
        conv("0", 32, 64, stride=2, padding=1), relu("1")])])
    (error,) = analyze(spec).errors
    assert error.path == "res1" and error.rule == RESIDUAL_PROJECTION
    assert error.message == ("res1: the body gives [N, 64, 14, 14] but the shortcut (identity) "
                             "gives [N, 32, 28, 28]; the sum needs equal shapes")
    assert error.fix == ("add a projection (1×1 Conv2d with stride 2, 32 → 64, then "
                         "BatchNorm2d) to the shortcut.")
    assert analyze(spec).row("res1").error == error.message
    assert analyze(spec).output_shape is None
    spec.items[0].shortcut = [LayerSpec("MaxPool2d", "pool", {"kernel_size": 2})]
    (error,) = analyze(spec).errors
    assert error.message.startswith("res1: the body gives [N, 64, 14, 14] but the shortcut "
                                    "gives [N, 32, 14, 14]")
    assert "(1×1 Conv2d, 32 → 64, then BatchNorm2d)" in error.fix


def test_a_residual_no_projection_can_fix():
    spec = NetworkSpec([4, 6, 6], [ResidualSpec("r", [
        LayerSpec("ConvTranspose2d", "up", {"in_channels": 4, "out_channels": 4,
                                            "kernel_size": 2, "stride": 2})])])
    (error,) = analyze(spec).errors
    assert error.rule == RESIDUAL_SHAPE and "[N, 4, 12, 12]" in error.message


def test_errors_inside_a_stack_are_not_repeated_at_the_sum():
    spec = NetworkSpec([4], [ResidualSpec("r", [linear("fc", 5, 4)])])
    assert [e.path for e in analyze(spec).errors] == ["r.body.fc"]
    assert analyze(spec).row("r").error is None and analyze(spec).row("r.body.fc").error


@pytest.mark.parametrize("branches, merge, dim, expected", [
    ([[conv("a", 3, 32, padding=1)], [conv("b", 3, 16)]], "concat", 1,
     "mix: branch 1 gives [N, 32, 14, 14], branch 2 gives [N, 16, 12, 12]; concatenation "
     "along dim 1 needs all other sizes equal"),
    ([[conv("a", 3, 4, 1)], [conv("b", 3, 5, 1)]], "sum", 1,
     "mix: branch 1 gives [N, 4, 14, 14], branch 2 gives [N, 5, 14, 14]; summing needs every "
     "branch to give the same shape"),
    ([[conv("a", 3, 4, 1)], []], "mean", 1,
     "mix: branch 1 gives [N, 4, 14, 14], branch 2 gives [N, 3, 14, 14]; averaging needs"),
    ([[LayerSpec("Flatten", "f")], []], "concat", 1,
     "mix: branch 1 gives [N, 588], branch 2 gives [N, 3, 14, 14]: different numbers of "
     "dimensions"),
    ([[], []], "concat", 4, "mix: dim=4 is out of range for [N, 3, 14, 14] (4 dimensions)"),
])
def test_merge_errors_say_which_branch_gives_which_shape(branches, merge, dim, expected):
    spec = NetworkSpec([3, 14, 14], [ParallelSpec("mix", branches, merge, dim)])
    (error,) = analyze(spec).errors
    assert error.rule == MERGE_SHAPE and error.path == "mix" and error.fix
    assert error.message.startswith(expected), error.message
    with pytest.raises((RuntimeError, IndexError)):  # real torch refuses it too
        build(spec)(torch.rand(2, 3, 14, 14))


def test_concatenating_along_the_batch_is_an_error_though_torch_runs_it():
    spec = NetworkSpec([3, 4, 4], [ParallelSpec("mix", [[], []], "concat", -4)])
    (error,) = analyze(spec).errors
    assert error.message == "mix: dim=-4 would concatenate along the batch dimension"
    assert build(spec)(torch.rand(2, 3, 4, 4)).shape[0] == 4  # samples mixed up


@pytest.mark.parametrize("source, target, expected", [
    ((1, 32, 28, 28), (1, 64, 14, 14), "1×1 Conv2d with stride 2, 32 → 64, then BatchNorm2d"),
    ((1, 8, 7, 7), (1, 8, 4, 4), "1×1 Conv2d with stride 2, 8 → 8, then BatchNorm2d"),
    ((1, 8, 9, 7), (1, 16, 3, 7), "1×1 Conv2d with stride 3×1, 8 → 16, then BatchNorm2d"),
    ((1, 3, 16), (1, 6, 8), "1×1 Conv1d with stride 2, 3 → 6, then BatchNorm1d"),
    ((1, 3, 16), (1, 3, 8), "Linear, 16 → 8"),  # [N, T, F]: only the features differ
    ((1, 6, 16), (1, 3, 8), "1×1 Conv1d with stride 2, 6 → 3, then BatchNorm1d"),
    ((1, 10, 4), (1, 10, 7), "Linear, 4 → 7"),
    ((1, 20), (1, 10), "Linear, 20 → 10"),
    ((1, 2, 4, 4, 4), (1, 4, 2, 2, 2), "1×1 Conv3d with stride 2, 2 → 4"),
])
def test_projections_turn_the_shortcut_into_the_body_shape(source, target, expected):
    layers = projection(source, target)
    assert describe_projection(layers) == expected
    model = build(NetworkSpec(list(source[1:]), layers))
    assert model.eval()(torch.rand(2, *source[1:])).shape[1:] == target[1:]
    if layers[0].kind.startswith("Conv") and len(layers) == 2:
        assert layers[0].args["bias"] is False


@pytest.mark.parametrize("source, target", [
    ((1, 4, 6, 6), (1, 4, 12, 12)), ((1, 4, 6), (1, 4, 6, 1)), ((1, 2, 2, 2, 2, 2, 2),
                                                               (1, 3, 1, 1, 1, 1, 1))])
def test_no_projection_where_none_fits(source, target):
    assert projection(source, target) is None


# -- lint --------------------------------------------------------------------------------------


def test_relu_at_the_end_of_a_body_is_flagged_with_the_right_fix():
    def spec(activation, last="ReLU"):
        return NetworkSpec([4], [ResidualSpec("res", [BlockSpec("b", [
            linear("fc", 4, 4), LayerSpec(last, "act")])], [], activation)])

    def only(s):
        return lint(s, analyze(s), rules=(relu_before_sum,))

    (finding,) = only(spec(""))
    assert finding.rule == "relu-before-sum" and finding.path == "res.body.b.act"
    assert finding.message.startswith("res.body.b.act (ReLU) ends the body of res before the "
                                      "sum")
    assert finding.fix == ("remove res.body.b.act and set res.activation to ReLU, so that the "
                           "activation comes after the sum (as in ResNet).")
    assert only(spec("ReLU"))[0].fix == "remove res.body.b.act: res applies ReLU after the sum " \
                                        "already."
    assert "applies Tanh after the sum" in only(spec("Tanh"))[0].fix
    assert only(spec("", "Tanh")) == []
    assert "relu-before-sum" in [f.rule for f in analyze(spec("")).warnings]


def test_chains_do_not_run_across_branches_or_sums():
    spec = NetworkSpec([4], [
        ParallelSpec("mix", [[linear("a", 4, 4)], [linear("b", 4, 4)]], "sum"),
        ResidualSpec("res", [linear("c", 4, 4)], [linear("d", 4, 4)]),
        linear("e", 4, 4), linear("f", 4, 3)], num_classes=3)
    warned = [(f.rule, f.path) for f in analyze(spec).warnings]
    assert warned == [("linear-linear", "f")]


def test_output_rules_look_at_the_output_layer_only():
    ending_in_a_residual = NetworkSpec([4], [
        linear("fc", 4, 3), ResidualSpec("res", [LayerSpec("Dropout", "d"),
                                                 LayerSpec("Softmax", "s", {"dim": 1})])],
        num_classes=3)
    assert analyze(ending_in_a_residual).warnings == []
    wrong_width = NetworkSpec([4], [ParallelSpec("mix", [[linear("a", 4, 2)],
                                                         [linear("b", 4, 2)]])],
                              num_classes=3)
    (finding,) = analyze(wrong_width).warnings
    assert finding.rule == "classes" and finding.path == "mix"
    assert "end with a Linear layer of out_features=3" in finding.fix
    softmax_after = NetworkSpec([4], [ResidualSpec("res", [linear("a", 4, 4)]),
                                      BlockSpec("b", [LayerSpec("Softmax", "s", {"dim": 1})])])
    assert [f.rule for f in analyze(softmax_after).warnings] == ["softmax-before-loss"]


def test_shapes_in_messages_read_like_the_rest():
    assert format_shape((1, 64, 14, 14)) == "[N, 64, 14, 14]"
