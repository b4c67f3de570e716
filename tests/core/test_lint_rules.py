"""Lint as a list of rules: each rule alone, and the list in the order findings are shown."""

from netbuilder.core.analysis import (
    LINT_RULES,
    analyze,
    dropout_last,
    linear_linear,
    lint,
    softmax_before_loss,
)
from netbuilder.core.spec import LayerSpec, NetworkSpec


def linear(name: str, n_in: int, n_out: int) -> LayerSpec:
    return LayerSpec("Linear", name, {"in_features": n_in, "out_features": n_out})


def flawed() -> NetworkSpec:
    """Trips three rules at once: Linear after Linear, Dropout and Softmax at the end."""
    return NetworkSpec([4], [linear("fc1", 4, 8), linear("fc2", 8, 3), LayerSpec("Dropout", "d"),
                             LayerSpec("Softmax", "s", {"dim": 1})], num_classes=3)


def test_each_rule_runs_alone():
    spec = flawed()
    analysis = analyze(spec)
    for rule, rule_id in ((linear_linear, "linear-linear"), (dropout_last, "dropout-last"),
                          (softmax_before_loss, "softmax-before-loss")):
        assert [f.rule for f in lint(spec, analysis, rules=(rule,))] == [rule_id]


def test_the_list_gives_findings_in_rule_order():
    spec = flawed()
    analysis = analyze(spec)
    assert [f.rule for f in lint(spec, analysis)] == [
        "softmax-before-loss", "linear-linear", "dropout-last"]
    assert lint(spec, analysis, rules=()) == []
    assert len(set(LINT_RULES)) == len(LINT_RULES) == 8


def test_the_loss_reaches_the_rules():
    spec = flawed()
    analysis = analyze(spec)
    assert "softmax-before-loss" not in [f.rule for f in lint(spec, analysis, loss="mse")]
