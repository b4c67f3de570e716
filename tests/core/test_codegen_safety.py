"""Hostile input: any text in a spec or in training settings gives code that means only that text.

Every free-text and name field, and every setting of a checkpoint's ``training`` dict, is fed
arbitrary text. The generated module and training script must either be refused with a problem
naming the field, or compile, import, run nothing else, and build the state_dict of
``builder.build(spec)``.
"""

import ast
import importlib.util
import math
import os
import re
import tempfile
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from netbuilder.core.builder import build
from netbuilder.core.codegen import docstring_text, generate, literal
from netbuilder.core.spec import (
    BlockSpec,
    LayerSpec,
    NetworkSpec,
    ParallelSpec,
    ResidualSpec,
    SpecError,
)
from netbuilder.core.train_script import SCRIPT_SETTINGS, training_script
from netbuilder.core.training import TrainConfig, TrainingError

# A file that injected code would create; nothing may ever create it.
# One name per test session, the same in every pytest-xdist worker (which must all collect the
# same test ids): xdist's shared run id, else this process's id.
MARKER = Path(tempfile.gettempdir()) / (
    f"netbuilder-injected-{os.environ.get('PYTEST_XDIST_TESTRUNUID', os.getpid())}")
TOUCH = f'__import__("pathlib").Path({str(MARKER)!r}).touch()'
INJECTIONS = [
    f'"""; {TOUCH}; """',
    f'"""\n{TOUCH}\n"""',
    f'"; {TOUCH}; "',
    f"'; {TOUCH}; '",
    f'"), {TOUCH}, ("',
    f'\\"; {TOUCH}; \\"',
    f'\n{TOUCH}\n',
]
BROKEN_TEXT = ["\\N", "\\N{", "\\x", "\\u12", "trailing \\", "nul\x00here", '""""', '"', '""',
               'ends with a quote"', "\r\nreturn", "line\u2028separator", "bidi \u202e reversed",
               "lone \ud800 surrogate", "\x1b[31mred", "tab\there", "{braces} %s {0}"]
MODULE_GLOBALS = {"__name__", "__builtins__", "__doc__", "nn", "OrderedDict", "SequenceRNN",
                  "SequenceLSTM", "SequenceGRU", "torch", "Residual", "Parallel"}
STYLES = ("class", "sequential")
HYPOTHESIS = settings(max_examples=40, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def no_marker():
    MARKER.unlink(missing_ok=True)
    yield
    assert not MARKER.exists(), "generated code ran injected code"
    MARKER.unlink(missing_ok=True)


def shapes(module):
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


def frozen(module):
    return {name for name, p in module.named_parameters() if not p.requires_grad}


def run_source(source, name="generated"):
    """Compile as a file would be (UTF-8 bytes) and run in a fresh namespace."""
    namespace = {"__name__": name}
    exec(compile(source.encode("utf-8"), f"<{name}>", "exec"), namespace)
    return namespace


def import_file(path):
    spec = importlib.util.spec_from_file_location(f"hostile_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def visible(text):
    """The characters a docstring keeps, without whitespace: what it must still say."""
    return "".join(c for c in text if c.isprintable() and not c.isspace())


def check_module(source, spec, style):
    """The module is plain: a docstring holding the description, imports of torch and
    collections, the class (or model) and helpers; it builds what build(spec) builds."""
    tree = ast.parse(source)
    docstring = ast.get_docstring(tree, clean=False)
    assert visible(spec.description) in visible(docstring)
    for node in tree.body[1:]:
        if isinstance(node, ast.ImportFrom):
            assert node.module in ("collections", "torch")
        elif isinstance(node, ast.Import):
            assert [alias.name for alias in node.names] == ["torch"]
        elif isinstance(node, ast.Expr):  # only model...requires_grad_(False)
            assert isinstance(node.value, ast.Call)
            assert node.value.func.attr == "requires_grad_"
        else:
            assert isinstance(node, (ast.ClassDef, ast.Assign)), ast.dump(node)[:200]
    namespace = run_source(source)
    made = {spec.class_name} if style == "class" else {"model"}
    extra = set(namespace) - MODULE_GLOBALS - made
    assert all(re.fullmatch(r"nested[0-9]+", n) for n in extra), extra
    model = namespace[spec.class_name]() if style == "class" else namespace["model"]
    built = build(spec)
    assert shapes(model) == shapes(built)
    assert frozen(model) == frozen(built)
    return model


def check_refusal(exc, fields):
    """A refusal names a field that was given hostile text."""
    assert exc.problems
    for problem in exc.problems:
        named = problem.where in fields or problem.where.endswith(tuple(fields))
        assert any((named, "duplicate name" in problem.message)), str(problem)


# -- literals ---------------------------------------------------------------------------------


@HYPOTHESIS
@given(st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False,
                                                                  allow_infinity=False),
              st.text(alphabet=st.characters(exclude_categories=()))),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=8))
@example("\ud800 lone surrogate")
@example('"""\'\'\'\\')
def test_a_literal_evaluates_to_its_value_and_nothing_else(value):
    code = literal(value)
    assert "\n" not in code
    tree = ast.parse(code, mode="eval")
    assert all(isinstance(n, (ast.Constant, ast.Tuple, ast.Dict, ast.UnaryOp, ast.USub,
                              ast.Load, ast.Expression)) for n in ast.walk(tree))

    def as_tuples(v):
        if isinstance(v, list):
            return tuple(as_tuples(i) for i in v)
        if isinstance(v, dict):
            return {k: as_tuples(i) for k, i in v.items()}
        return v

    assert ast.literal_eval(code) == as_tuples(value)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, [1.0, math.nan],
                                   {"lr": math.inf}])
def test_a_non_finite_number_has_no_literal(value):
    with pytest.raises(ValueError, match="setting.lr.*finite"):
        literal(value, "setting.lr")


@pytest.mark.parametrize("value", [object(), b"bytes", {1.5: "x"}, torch.tensor(1.0), {1, 2}])
def test_other_objects_are_refused_naming_the_place(value):
    with pytest.raises(ValueError, match="^fc1.p: "):
        literal(value, "fc1.p")


def test_subclasses_are_written_as_their_plain_values():
    class Sneaky(str):
        def __repr__(self):
            return f"__import__('pathlib').Path({str(MARKER)!r}).touch()"

    class Big(int):
        def __repr__(self):
            return TOUCH

    assert literal(Sneaky("same")) == '"same"'
    assert literal(Big(7)) == "7"
    assert literal(["a", 'b"', "c'", 'd"\''], "x") == '("a", \'b"\', "c\'", "d\\"\'")'


# -- descriptions -----------------------------------------------------------------------------


def small_spec(**fields):
    spec = NetworkSpec([4], [BlockSpec("block", [LayerSpec("Linear", "fc1", {
        "in_features": 4, "out_features": 3}, frozen=True)]), LayerSpec("ReLU", "act")])
    for name, value in fields.items():
        setattr(spec, name, value)
    return spec


@pytest.mark.parametrize("description", INJECTIONS + BROKEN_TEXT)
@pytest.mark.parametrize("style", STYLES)
def test_a_description_stays_text_in_an_imported_module(tmp_path, description, style):
    spec = small_spec(description=description)
    path = tmp_path / "model.py"
    path.write_text(generate(spec, style), encoding="utf-8")
    module = import_file(path)
    assert visible(description) in visible(module.__doc__)
    model = module.Net() if style == "class" else module.model
    assert shapes(model) == shapes(build(spec))


def test_docstring_text_escapes_what_could_end_or_break_the_string():
    assert docstring_text('a """ b') == 'a \\"\\"\\" b'
    assert docstring_text("\\N{x} \\x") == "\\\\N{x} \\\\x"
    assert docstring_text("nul\x00 bidi\u202e sur\ud800") == "nul bidi sur"
    assert docstring_text("one\ntwo\tthree", one_line=True) == "one two three"
    assert docstring_text('say "hi"') == 'say "hi"'  # lone quotes stay readable


# -- names and choices ------------------------------------------------------------------------

NAMES = st.one_of(st.text(max_size=10), st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}",
                                                       fullmatch=True),
                  st.sampled_from(["fc1\n", "__class__", "__init__", "__dict__", "class", "0",
                                   "1", "training", "forward", "nn", "OrderedDict", "torch",
                                   "self", "x", "__x", "SequenceGRU", "print", "model"]))


def hostile_spec(description, class_name, block_name, layer_name, padding_mode, approximate,
                 output):
    """A recurrent layer in a block, next to layers with choice (text) arguments."""
    return NetworkSpec([4, 4], [
        BlockSpec(block_name, [
            LayerSpec("Conv1d", layer_name, {"in_channels": 4, "out_channels": 4,
                                             "kernel_size": 3, "padding": 1,
                                             "padding_mode": padding_mode}, frozen=True),
            LayerSpec("GELU", "act", {"approximate": approximate}),
            LayerSpec("GRU", "rnn", {"input_size": 4, "hidden_size": 3, "output": output})]),
        LayerSpec("Linear", "fc", {"in_features": 3, "out_features": 2})],
        class_name=class_name, description=description)


VALID = {"class_name": st.from_regex(r"[A-Z][A-Za-z0-9_]{0,8}", fullmatch=True),
         "block_name": st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
         "layer_name": st.one_of(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
                                 st.sampled_from(["0", "1", "07"])),
         "padding_mode": st.sampled_from(["zeros", "reflect", "replicate", "circular"]),
         "approximate": st.sampled_from(["none", "tanh"]),
         "output": st.sampled_from(["last", "sequence"])}
HOSTILE = {"class_name": NAMES, "block_name": NAMES, "layer_name": NAMES,
           "padding_mode": st.one_of(st.text(max_size=8), st.sampled_from(INJECTIONS)),
           "approximate": st.one_of(st.text(max_size=8), st.sampled_from(INJECTIONS)),
           "output": st.one_of(st.text(max_size=8), st.sampled_from(INJECTIONS))}


@st.composite
def hostile_fields(draw):
    """Arbitrary text for the description and for one other field, valid values elsewhere
    (so that most examples get past validation and reach the code)."""
    target = draw(st.sampled_from([None, None, None, *HOSTILE]))
    fields = {name: draw(HOSTILE[name] if name == target else VALID[name]) for name in VALID}
    fields["description"] = draw(st.one_of(st.text(), st.sampled_from(INJECTIONS + BROKEN_TEXT)))
    return fields


@settings(HYPOTHESIS, max_examples=60)
@given(hostile_fields())
@example({"description": INJECTIONS[0], "class_name": "Net", "block_name": "b",
          "layer_name": "c", "padding_mode": "zeros", "approximate": "none", "output": "last"})
@example({"description": "", "class_name": "Net", "block_name": "fc1\n", "layer_name": "c",
          "padding_mode": INJECTIONS[2], "approximate": "none", "output": "last"})
def test_any_text_in_a_spec_is_refused_or_gives_a_plain_module(fields):
    spec = hostile_spec(**fields)
    try:
        sources = {style: generate(spec, style) for style in STYLES}
    except SpecError as exc:
        event("refused")
        check_refusal(exc, ("class_name", ".name", ".padding_mode", ".approximate", ".output"))
        with pytest.raises(SpecError):
            training_script(spec)
        return
    for style, source in sources.items():
        check_module(source, spec, style)
    script = run_source(training_script(spec, script_name=fields["description"]), "script")
    assert shapes(script[spec.class_name]()) == shapes(build(spec))


def hostile_container_spec(class_name, residual_name, body_name, shortcut_name, parallel_name,
                           branch_names, activation, merge, dim):
    """A residual and a parallel at the top (written out in forward by the class style), and
    both again inside a block (written with the helper classes)."""
    def residual():
        return ResidualSpec(residual_name, [
            LayerSpec("Linear", body_name, {"in_features": 4, "out_features": 4}, frozen=True)],
            [LayerSpec("Linear", shortcut_name, {"in_features": 4, "out_features": 4})],
            activation)

    def parallel():
        return ParallelSpec(parallel_name, [
            [LayerSpec("Linear", name, {"in_features": 4, "out_features": 4}, frozen=True)]
            for name in branch_names], merge, dim)

    return NetworkSpec([4], [residual(), parallel(), BlockSpec("block", [residual(),
                                                                         parallel()])],
                       class_name=class_name)


CONTAINER_VALID = {
    "class_name": VALID["class_name"], "residual_name": VALID["block_name"],
    "body_name": VALID["layer_name"], "shortcut_name": VALID["layer_name"],
    "parallel_name": VALID["block_name"],
    "branch_names": st.lists(VALID["layer_name"], min_size=2, max_size=3),
    "activation": st.sampled_from(["", "ReLU", "Tanh", "GELU"]),
    "merge": st.just("sum"), "dim": st.just(-1)}
CONTAINER_HOSTILE = {
    "class_name": st.one_of(NAMES, st.sampled_from(["Residual", "Parallel"])),
    "residual_name": NAMES, "body_name": NAMES, "shortcut_name": NAMES, "parallel_name": NAMES,
    "branch_names": st.lists(NAMES, min_size=0, max_size=3),
    "activation": st.one_of(st.text(max_size=8), st.sampled_from(INJECTIONS + ["Softmax"])),
    "merge": st.one_of(st.text(max_size=8), st.sampled_from(INJECTIONS)),
    "dim": st.one_of(st.integers(), st.booleans(), st.text(max_size=3), st.none())}


@st.composite
def hostile_container_fields(draw):
    target = draw(st.sampled_from([None, *CONTAINER_HOSTILE]))
    return {name: draw(CONTAINER_HOSTILE[name] if name == target else CONTAINER_VALID[name])
            for name in CONTAINER_VALID}


@settings(HYPOTHESIS, max_examples=60)
@given(hostile_container_fields())
@example({"class_name": "Residual", "residual_name": "r", "body_name": "0",
          "shortcut_name": "0", "parallel_name": "p", "branch_names": ["a", "b"],
          "activation": "ReLU", "merge": "sum", "dim": 1})
@example({"class_name": "Net", "residual_name": "r", "body_name": "0", "shortcut_name": "0",
          "parallel_name": "p", "branch_names": ["a", "b"], "activation": INJECTIONS[2],
          "merge": "sum", "dim": 1})
def test_any_name_in_a_container_is_refused_or_gives_a_plain_module(fields):
    spec = hostile_container_spec(**fields)
    try:
        sources = {style: generate(spec, style) for style in STYLES}
    except SpecError as exc:
        event("refused")
        check_refusal(exc, ("class_name", ".name", ".activation", ".merge", ".dim",
                            ".branches"))
        return
    for style, source in sources.items():
        check_module(source, spec, style)
    script = run_source(training_script(spec), "script")
    assert shapes(script[spec.class_name]()) == shapes(build(spec))


@pytest.mark.parametrize("name", ["fc1\n", "__class__", "__init__", "__dict__", "class", "None",
                                  "training", "add_module", "a b", "a.b", ""])
def test_names_that_broke_the_code_are_refused(name):
    with pytest.raises(SpecError) as caught:
        generate(small_spec(items=[LayerSpec("ReLU", name)]))
    assert [p.where for p in caught.value.problems] == ["layers[0].name"]


@pytest.mark.parametrize("class_name", ["Net\n", "class", "__class__", "nn", "torch",
                                        "OrderedDict", "SequenceLSTM", "main", "super"])
def test_class_names_that_broke_the_code_are_refused(class_name):
    with pytest.raises(SpecError) as caught:
        generate(small_spec(class_name=class_name))
    assert [p.where for p in caught.value.problems] == ["class_name"]


@pytest.mark.parametrize("style", STYLES)
def test_index_names_out_of_position_freeze_the_right_layer(style):
    """nn.Sequential indexes by position: block['1'] named first is block[0], not block[1]."""
    spec = NetworkSpec([4], [BlockSpec("block", [
        LayerSpec("Linear", "1", {"in_features": 4, "out_features": 4}, frozen=True),
        LayerSpec("Linear", "0", {"in_features": 4, "out_features": 4}),
        LayerSpec("Linear", "007", {"in_features": 4, "out_features": 4}, frozen=True)])])
    model = check_module(generate(spec, style), spec, style)
    assert frozen(model) == {"block.1.weight", "block.1.bias", "block.007.weight",
                             "block.007.bias"}


# -- deep nesting -----------------------------------------------------------------------------


def nested(depth, indexed):
    items = [LayerSpec("Linear", "0" if indexed else "fc", {"in_features": 4,
                                                             "out_features": 4}, frozen=True)]
    for level in range(depth):
        items = [BlockSpec("0" if indexed else f"b{level}", items),
                 LayerSpec("ReLU", "1" if indexed else f"act{level}")]
    return NetworkSpec([4], items)


@pytest.mark.parametrize("depth", [60, 200])
@pytest.mark.parametrize("indexed", [False, True])
@pytest.mark.parametrize("style", STYLES)
def test_deeply_nested_blocks_give_a_module_that_imports(tmp_path, depth, indexed, style):
    spec = nested(depth, indexed)
    source = generate(spec, style)
    path = tmp_path / "deep.py"
    path.write_text(source, encoding="utf-8")
    module = import_file(path)
    model = module.Net() if style == "class" else module.model
    built = build(spec)
    assert shapes(model) == shapes(built)
    assert frozen(model) == frozen(built) and len(frozen(built)) == 2
    check_module(source, spec, style)


# -- training settings ------------------------------------------------------------------------

SETTING_VALUES = st.one_of(
    st.text(), st.sampled_from(INJECTIONS), st.floats(), st.integers(), st.booleans(), st.none(),
    st.lists(st.integers(), max_size=2),
    st.sampled_from(["adam", "sgd", "cross_entropy", "mse", "cosine", "none", 0.5, 0.01, 32]))
SETTING_KEYS = st.one_of(st.sampled_from(SCRIPT_SETTINGS + ("device", "fresh")),
                         st.text(max_size=8))


def script_spec():
    return small_spec(class_name="Tiny")


@settings(HYPOTHESIS, max_examples=60)
@given(st.dictionaries(SETTING_KEYS, SETTING_VALUES, max_size=3))
@example({"optimizer": INJECTIONS[2]})
@example({"lr": math.inf, "loss": "\\N"})
def test_any_training_settings_are_refused_or_become_plain_values(training):
    try:
        source = training_script(script_spec(), training)
    except TrainingError as exc:
        event("refused")
        named = {key for key in training if key in SCRIPT_SETTINGS}
        assert any(f"training.{key}: " in str(exc) for key in named), str(exc)
        return
    namespace = run_source(source, "script")
    written = namespace["SETTINGS"]
    defaults = {**TrainConfig().to_dict(), "val_split": 0.2}
    assert list(written) == list(SCRIPT_SETTINGS)  # unknown keys and the device left out
    for key, value in written.items():
        assert type(value) is type(defaults[key])
        assert value == training.get(key, defaults[key])
        if isinstance(value, float):
            assert math.isfinite(value)
    assert shapes(namespace["Tiny"]()) == shapes(build(script_spec()))


@pytest.mark.parametrize("key", ["loss", "optimizer", "schedule"])
@pytest.mark.parametrize("injection", INJECTIONS)
def test_a_training_string_cannot_close_its_literal(key, injection):
    with pytest.raises(TrainingError, match=f"training.{key}: expected one of"):
        training_script(script_spec(), {key: injection})


@pytest.mark.parametrize("key", ["lr", "momentum", "weight_decay", "val_split"])
@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, "0.1", None])
def test_non_finite_or_mistyped_numbers_are_refused_naming_the_setting(key, value):
    with pytest.raises(TrainingError, match=f"training.{key}: expected a number"):
        training_script(script_spec(), {key: value})


def test_a_checkpoint_dict_gives_only_the_known_settings():
    source = training_script(script_spec(), {"lr": 0.01, "epochs": 2, "device": "cuda",
                                             "fresh": True, "extra": INJECTIONS[0],
                                             "val_split": 0.1})
    written = run_source(source, "script")["SETTINGS"]
    assert written["lr"] == 0.01 and written["epochs"] == 2 and written["val_split"] == 0.1
    assert "device" not in written and "extra" not in written and "fresh" not in written
    assert TOUCH not in source


def test_a_script_name_stays_text_in_the_script_docstring():
    name = 'x"""; ' + TOUCH + '; """\\N.py'
    source = training_script(script_spec(), script_name=name)
    docstring = ast.get_docstring(ast.parse(source), clean=False)
    assert visible(name) in visible(docstring)
    assert run_source(source, "script")["__doc__"] == docstring
