"""What a layer, a block or the generated class may be called.

A child's name becomes an attribute of the generated class and a prefix of its ``state_dict``
keys; the class name sits among the names of the generated module and training script. The
checks need no torch: the window checks names before torch has loaded.
"""

from __future__ import annotations

import builtins
import keyword
import re
from typing import Any

from netbuilder.core.catalog import BLOCK
from netbuilder.core.containers import PARALLEL, RESIDUAL

# Always used with fullmatch: "$" would also accept a trailing newline.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INDEX = re.compile(r"[0-9]+")
# Every attribute of an nn.Sequential, dunders included: a child by that name cannot be set.
# Written out so that checking a name needs no torch (the window edits before torch loads); a
# test keeps it a superset of the installed torch's dir(nn.Sequential()).
MODULE_ATTRIBUTES = frozenset({
    'T_destination', '__add__', '__annotations__', '__call__', '__class__', '__delattr__',
    '__delitem__', '__dict__', '__dir__', '__doc__', '__eq__', '__format__', '__ge__',
    '__getattr__', '__getattribute__', '__getitem__', '__getstate__', '__gt__', '__hash__',
    '__iadd__', '__imul__', '__init__', '__init_subclass__', '__iter__', '__le__', '__len__',
    '__lt__', '__module__', '__mul__', '__ne__', '__new__', '__reduce__', '__reduce_ex__',
    '__repr__', '__rmul__', '__setattr__', '__setitem__', '__setstate__', '__sizeof__', '__str__',
    '__subclasshook__', '__weakref__', '_apply', '_backward_hooks', '_backward_pre_hooks',
    '_buffers', '_call_impl', '_compiled_call_impl', '_forward_hooks',
    '_forward_hooks_always_called', '_forward_hooks_with_kwargs', '_forward_pre_hooks',
    '_forward_pre_hooks_with_kwargs', '_get_backward_hooks', '_get_backward_pre_hooks',
    '_get_item_by_idx', '_get_name', '_is_full_backward_hook', '_load_from_state_dict',
    '_load_state_dict_post_hooks', '_load_state_dict_pre_hooks',
    '_maybe_warn_non_full_backward_hook', '_modules', '_named_members',
    '_non_persistent_buffers_set', '_parameters', '_register_load_state_dict_pre_hook',
    '_register_state_dict_hook', '_replicate_for_data_parallel', '_save_to_state_dict',
    '_slow_forward', '_state_dict_hooks', '_state_dict_pre_hooks', '_version',
    '_wrapped_call_impl', 'add_module', 'append', 'apply', 'bfloat16', 'buffers',
    'call_super_init', 'children', 'compile', 'cpu', 'cuda', 'double', 'dump_patches', 'eval',
    'extend', 'extra_repr', 'float', 'forward', 'get_buffer', 'get_extra_state', 'get_parameter',
    'get_submodule', 'half', 'insert', 'ipu', 'load_state_dict', 'modules', 'mtia',
    'named_buffers', 'named_children', 'named_modules', 'named_parameters', 'parameters', 'pop',
    'register_backward_hook', 'register_buffer', 'register_forward_hook',
    'register_forward_pre_hook', 'register_full_backward_hook', 'register_full_backward_pre_hook',
    'register_load_state_dict_post_hook', 'register_load_state_dict_pre_hook', 'register_module',
    'register_parameter', 'register_state_dict_post_hook', 'register_state_dict_pre_hook',
    'requires_grad_', 'set_extra_state', 'set_submodule', 'share_memory', 'state_dict', 'to',
    'to_empty', 'train', 'training', 'type', 'xpu', 'zero_grad'
})
# Module-level names of the generated module and training script (see codegen, train_script):
# a class by one of these names would shadow what the code around it uses.
# Every top-level name of the generated module and training script (a test parses them), but
# the container helpers Residual and Parallel: refused as class names only where they are used
GENERATED_NAMES = frozenset({
    "nn", "torch", "OrderedDict", "SequenceRNN", "SequenceLSTM", "SequenceGRU", "model",
    "argparse", "importlib", "math", "os", "Path", "np", "dist", "F", "SETTINGS", "Normalize",
    "find_digits", "load_data", "augment", "loss_of", "make_optimizer", "make_schedule", "main",
    "contextlib", "namedtuple", "pickle", "statistics", "sys",
    "AUTO_SIZES", "CHECKPOINT", "DATA", "FLIPS", "GRAY_MODES", "IMAGE_SUFFIXES", "INPUT_SHAPE",
    "PEN", "PenAugment", "pen_augment", "_blur", "_elastic", "_erase", "_gaussian_kernel",
    "_stroke", "_uniform", "as_input", "choose_device", "evaluate", "fitted", "gray_pixels",
    "load_checkpoint", "note", "parse_args", "pixels_of", "save_checkpoint", "seed_of", "split",
    "preprocess",
})
_BUILTINS = frozenset(dir(builtins))


DEFAULT_NAME_BASES = {
    "Linear": "fc", "Conv1d": "conv", "Conv2d": "conv", "Conv3d": "conv",
    "ConvTranspose2d": "deconv", "MaxPool1d": "pool", "MaxPool2d": "pool", "AvgPool1d": "pool",
    "AvgPool2d": "pool", "AdaptiveAvgPool2d": "gap", "BatchNorm1d": "bn", "BatchNorm2d": "bn",
    "LayerNorm": "ln", "GroupNorm": "gn", "Dropout": "dropout", "Dropout2d": "dropout",
    "ReLU": "relu", "LeakyReLU": "lrelu", "ELU": "elu", "GELU": "gelu", "SiLU": "silu",
    "Sigmoid": "sigmoid", "Tanh": "tanh", "Softmax": "softmax", "LogSoftmax": "log_softmax",
    "Flatten": "flatten", "Unflatten": "unflatten", "Identity": "identity", "RNN": "rnn",
    "LSTM": "lstm", "GRU": "gru", BLOCK: "block", RESIDUAL: "res", PARALLEL: "mix",
}


def name_base(kind: str) -> str:
    """The stem of default names for a kind ('Linear' → 'fc')."""
    return DEFAULT_NAME_BASES.get(kind) or re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower()


def check_name(name: Any) -> str | None:
    """Why ``name`` cannot name a module, or None.

    Names are identifiers (they become attributes of the generated class) or plain indices
    ('0', '1'), as ``nn.Sequential`` numbers its children.
    """
    if not isinstance(name, str) or not name:
        return f"expected a non-empty name, got {name!r}"
    if _INDEX.fullmatch(name):
        return None
    if not _IDENTIFIER.fullmatch(name):
        return (f"{name!r} is not a valid name: use letters, digits and _, not starting with a "
                "digit (or a plain index like 0)")
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword"
    if name.startswith("__"):  # dunders are Python's; other __names are mangled in a class
        return f"{name!r} starts with __, which Python reserves; choose another name"
    if name in MODULE_ATTRIBUTES:
        return f"{name!r} clashes with an nn.Module attribute; choose another name"
    return None


def check_class_name(name: Any) -> str | None:
    """Why ``name`` cannot name the generated class, or None."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        return (f"expected a Python class name (letters, digits and _, not starting with a "
                f"digit), got {name!r}")
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword"
    if name.startswith("__"):
        return f"{name!r} starts with __, which Python reserves; choose another name"
    if name in GENERATED_NAMES or name in _BUILTINS:
        return (f"{name!r} would shadow a name the generated code uses (a module, helper or "
                "Python built-in); choose another name")
    return None
