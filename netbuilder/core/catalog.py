"""The layer kinds a network can be made of.

Each kind names its torch class, the arguments a person may set (type, default, limits, a short
doc) and a category for the palette. Nothing here knows shapes: shapes come from running the real
modules (see ``analysis``). Third-party packages add kinds through the entry-point group
``netbuilder.layers``; an entry point loads to a :class:`LayerKind` or to a callable returning an
iterable of them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import import_module, metadata
from typing import TYPE_CHECKING, Any

from netbuilder.core.containers import PARALLEL, RESIDUAL

if TYPE_CHECKING:
    from torch import nn

logger = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "netbuilder.layers"
BLOCK = "Block"
# Kinds of items that hold other items. Block is also a catalog kind (the palette shows it);
# Residual and Parallel are parsed by the spec itself and no plugin may take their names.
CONTAINER_KINDS = (BLOCK, RESIDUAL, PARALLEL)
CONTAINER_DOCS = {
    BLOCK: "A named nn.Sequential holding layers and blocks; its name prefixes theirs in the "
           "state_dict (block1.0.weight).",
    RESIDUAL: "y = activation(body(x) + shortcut(x)): a body of layers beside a shortcut (empty: "
              "x itself), summed; keys read res1.body.0.weight, res1.shortcut.0.weight.",
    PARALLEL: "Branches that all read the same input, merged by concatenation (along dim), sum or "
              "mean; keys read mix.branches.0.conv.weight.",
}
MAX_INT = 2**31 - 1  # larger sizes overflow torch kernels long before they fit in memory
RECURRENT_OUTPUTS = ("last", "sequence")  # what netbuilder's recurrent layers return
TORCH_NN = "torch.nn"

INT, FLOAT, BOOL, CHOICE, SIZE, SHAPE = "int", "float", "bool", "choice", "size", "shape"
FLOATS = "floats"  # a non-empty list of finite numbers, each within minimum/maximum


@dataclass(frozen=True)
class Arg:
    """One constructor argument of a layer kind, as the properties panel edits it.

    ``required`` arguments have no torch default: ``default`` is only a starting value and
    generated code always writes them. Other arguments' ``default`` equals torch's, and code
    writes them only when they differ.
    """

    name: str
    type: str
    default: Any
    doc: str = ""
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    dims: int = 1  # SIZE: how many values a tuple form holds
    strings: tuple[str, ...] = ()  # SIZE: words also accepted, e.g. padding "same"
    nullable: bool = False  # None allowed (e.g. pooling stride = kernel size)

    def check(self, value: Any) -> str | None:
        """Return why ``value`` is not allowed, or None when it is."""
        if value is None:
            return None if self.nullable else f"expected {self.describe()}, got None"
        bad = f"expected {self.describe()}, got {_shown(value)}"
        values = value if isinstance(value, (list, tuple)) else [value]
        if self.type in (INT, SIZE, SHAPE) and any(
                isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_INT
                for v in values):
            bad = f"expected {self.describe()} (at most {MAX_INT}), got {_shown(value)}"
        if self.type == BOOL:
            return None if isinstance(value, bool) else bad
        if self.type == CHOICE:
            return None if value in self.choices else bad
        if self.type == INT:
            return None if _is_int(value) and self._in_range(value) else bad
        if self.type == FLOAT:
            ok = _is_number(value) and _is_finite(value) and self._in_range(value)
            return None if ok else bad
        if self.type == SIZE:
            if isinstance(value, str):
                return None if value in self.strings else bad
            if _is_int(value):
                return None if self._in_range(value) else bad
            ok = (
                isinstance(value, (list, tuple))
                and len(value) == self.dims
                and all(_is_int(v) and self._in_range(v) for v in value)
            )
            return None if ok else bad
        if self.type == SHAPE:
            ok = (
                isinstance(value, (list, tuple))
                and len(value) >= 1
                and all(_is_int(v) and self._in_range(v) for v in value)
            )
            return None if ok else bad
        if self.type == FLOATS:
            ok = (
                isinstance(value, (list, tuple))
                and len(value) >= 1
                and all(_is_number(v) and _is_finite(v) and self._in_range(v) for v in value)
            )
            return None if ok else bad
        return f"unknown argument type {self.type!r}"

    def describe(self) -> str:
        """What is allowed, in words: 'an integer ≥ 1', 'one of: last, sequence'."""
        if self.type == BOOL:
            text = "true or false"
        elif self.type == CHOICE:
            text = "one of: " + ", ".join(str(c) for c in self.choices)
        elif self.type == INT:
            text = "an integer" + self._range_text()
        elif self.type == FLOAT:
            text = "a number" + self._range_text()
        elif self.type == SIZE:
            text = f"an integer{self._range_text()} or a list of {self.dims}"
            if self.strings:
                text += " or one of: " + ", ".join(self.strings)
        elif self.type == FLOATS:
            text = f"a non-empty list of numbers{self._range_text()}"
        else:
            text = f"a non-empty list of integers{self._range_text()}"
        return text + (" or null" if self.nullable else "")

    def normalize(self, value: Any) -> Any:
        """JSON-friendly canonical form: tuples become lists, uniform sizes one integer."""
        if self.type == FLOAT and _is_int(value):
            return float(value)
        if self.type == SIZE and isinstance(value, (list, tuple)):
            values = [int(v) for v in value]
            return values[0] if len(set(values)) == 1 else values
        if self.type == SHAPE and isinstance(value, (list, tuple)):
            return [int(v) for v in value]
        if self.type == FLOATS and isinstance(value, (list, tuple)) and all(
                _is_number(v) and _is_finite(v) for v in value):
            return [float(v) for v in value]
        return value

    def _in_range(self, value: float) -> bool:
        low_ok = self.minimum is None or value >= self.minimum
        high_ok = self.maximum is None or value <= self.maximum
        return low_ok and high_ok

    def _range_text(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f" from {_fmt(self.minimum)} to {_fmt(self.maximum)}"
        if self.minimum is not None:
            return f" ≥ {_fmt(self.minimum)}"
        if self.maximum is not None:
            return f" ≤ {_fmt(self.maximum)}"
        return ""


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(number)


def _is_int(value: Any) -> bool:
    """A plain integer torch can take as a size or count (below 2**31, so no overflow)."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_INT


def _shown(value: Any, limit: int = 60) -> str:
    """``repr`` cut to a readable length (a hostile file may hold a 4,000-digit number)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _is_finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class LayerKind:
    """A kind of layer: how to build it, what it exposes, where the palette shows it."""

    name: str
    category: str
    # The class, or where it lives as "module:Name": built-in kinds name theirs, so the catalog
    # (and the window that shows it) is ready before torch has loaded.
    torch_class: type[nn.Module] | str
    args: tuple[Arg, ...] = ()
    doc: str = ""
    code_name: str = ""  # how generated code spells the class; defaults to nn.<Name>
    factory: Callable[..., nn.Module] | None = None
    source: str = "torch"  # "torch", "netbuilder", the plugin's distribution name or "file"
    file: str = ""  # a custom layer's Python file (absolute path), see core.custom_layers
    code_module: str = ""  # generated code imports the class from this module when set

    def arg(self, name: str) -> Arg:
        for arg in self.args:
            if arg.name == name:
                return arg
        raise KeyError(name)

    def arg_names(self) -> list[str]:
        return [a.name for a in self.args]

    def defaults(self) -> dict[str, Any]:
        return {a.name: a.default for a in self.args}

    def module_class(self) -> type[nn.Module]:
        """The torch class, imported on first use when the kind names it by place."""
        if not isinstance(self.torch_class, str):
            return self.torch_class
        module, _, name = self.torch_class.partition(":")
        return getattr(import_module(module), name)

    def class_name(self) -> str:
        if isinstance(self.torch_class, str):
            return self.torch_class.partition(":")[2]
        return self.torch_class.__name__

    def create(self, **kwargs: Any) -> nn.Module:
        """Instantiate the torch module with these (already validated) arguments."""
        make = self.factory or self.module_class()
        converted = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in kwargs.items()
        }
        return make(**converted)

    def spelled(self) -> str:
        if self.code_name:
            return self.code_name
        if isinstance(self.torch_class, str):
            module, _, name = self.torch_class.partition(":")
            return f"nn.{name}" if module == TORCH_NN else name
        from torch import nn

        if getattr(nn, self.torch_class.__name__, None) is self.torch_class:
            return f"nn.{self.torch_class.__name__}"
        return self.torch_class.__name__

    def tooltip(self) -> str:
        lines = [f"{self.name} ({self.spelled()})", self.doc]
        lines += [f"  {a.name}: {a.describe()}. {a.doc}".rstrip() for a in self.args]
        return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------------------------------------
# Built-in kinds


def _bias(doc: str = "learn an additive bias") -> Arg:
    return Arg("bias", BOOL, True, doc)


def _channels(in_default: int, out_default: int) -> tuple[Arg, Arg]:
    return (
        Arg("in_channels", INT, in_default, "channels of the input", required=True, minimum=1),
        Arg("out_channels", INT, out_default, "filters, i.e. output channels", True, minimum=1),
    )


def _conv(name: str, dims: int, doc: str) -> LayerKind:
    size = {"dims": dims, "minimum": 1}
    args = (
        *_channels(1, 16 if dims < 3 else 8),
        Arg("kernel_size", SIZE, 3, "size of each filter", required=True, **size),
        Arg("stride", SIZE, 1, "step between filter positions", **size),
        Arg("padding", SIZE, 0, "zeros added on each side", dims=dims, minimum=0,
            strings=("same", "valid")),
        Arg("dilation", SIZE, 1, "spacing between filter taps", **size),
        Arg("groups", INT, 1, "split channels into independent groups", minimum=1),
        _bias(),
        Arg("padding_mode", CHOICE, "zeros", "how padding values are made",
            choices=("zeros", "reflect", "replicate", "circular")),
    )
    return LayerKind(name, "Convolution", _nn(name), args, doc)


def _pool(name: str, dims: int, doc: str, average: bool) -> LayerKind:
    args: list[Arg] = [
        Arg("kernel_size", SIZE, 2, "size of the pooling window", True, minimum=1, dims=dims),
        Arg("stride", SIZE, None, "step of the window (null: the kernel size)", minimum=1,
            dims=dims, nullable=True),
        Arg("padding", SIZE, 0, "implicit padding on each side", minimum=0, dims=dims),
    ]
    if not average:
        args.append(Arg("dilation", SIZE, 1, "spacing between window taps", minimum=1, dims=dims))
    args.append(Arg("ceil_mode", BOOL, False, "round output size up instead of down"))
    if average:
        args.append(Arg("count_include_pad", BOOL, True, "count padding zeros in the average"))
    return LayerKind(name, "Pooling", _nn(name), tuple(args), doc)


def _eps() -> Arg:
    return Arg("eps", FLOAT, 1e-5, "added to the variance for stability", minimum=1e-12)


def _batchnorm(name: str, doc: str) -> LayerKind:
    args = (
        Arg("num_features", INT, 16, "channels (dimension 1) of the input", True, minimum=1),
        _eps(),
        Arg("momentum", FLOAT, 0.1, "weight of the newest batch in running statistics",
            minimum=0.0, maximum=1.0),
        Arg("affine", BOOL, True, "learn a scale and shift per channel"),
        Arg("track_running_stats", BOOL, True, "keep running mean/variance for evaluation"),
    )
    return LayerKind(name, "Normalization", _nn(name), args, doc)


def _recurrent(name: str, doc: str, has_nonlinearity: bool) -> LayerKind:
    args: list[Arg] = [
        Arg("input_size", INT, 28, "features per time step (last input dimension)", True,
            minimum=1),
        Arg("hidden_size", INT, 64, "features of the hidden state", True, minimum=1),
        Arg("num_layers", INT, 1, "stacked recurrent layers", minimum=1, maximum=16),
    ]
    if has_nonlinearity:
        args.append(Arg("nonlinearity", CHOICE, "tanh", "activation", choices=("tanh", "relu")))
    args += [
        _bias(),
        Arg("dropout", FLOAT, 0.0, "dropout between stacked layers", minimum=0.0, maximum=1.0),
        Arg("bidirectional", BOOL, False, "also read the sequence backwards"),
        Arg("output", CHOICE, "last", "last time step [N, H] or whole sequence [N, T, H]",
            required=True, choices=RECURRENT_OUTPUTS),
    ]
    full = (
        f"{doc} Input [N, T, features] (batch first); returns only its output tensor so it fits "
        "in a stack: the last time step or the whole sequence."
    )
    return LayerKind(name, "Recurrent", f"netbuilder.core.recurrent:Sequence{name}", tuple(args),
                     full, code_name=f"Sequence{name}", source="netbuilder")


def _nn(name: str) -> str:
    return f"{TORCH_NN}:{name}"


def _simple(name: str, category: str, doc: str, *args: Arg) -> LayerKind:
    return LayerKind(name, category, _nn(name), tuple(args), doc)


def _dim(default: int, doc: str) -> Arg:
    return Arg("dim", INT, default, doc, required=True, minimum=-8, maximum=8)


def builtin_kinds() -> list[LayerKind]:
    """The kinds netbuilder ships, in palette order."""
    dropout_p = Arg("p", FLOAT, 0.5, "probability of zeroing an element", minimum=0.0, maximum=1.0)
    return [
        _simple(
            "Linear", "Linear", "Fully connected layer: y = x·Wᵀ + b over the last dimension.",
            Arg("in_features", INT, 784, "size of the input's last dimension", True, minimum=1),
            Arg("out_features", INT, 10, "size of the output's last dimension", True, minimum=1),
            _bias(),
        ),
        _conv("Conv1d", 1, "1-D convolution over [N, C, L] (e.g. a signal or a sequence)."),
        _conv("Conv2d", 2, "2-D convolution over images [N, C, H, W]."),
        _conv("Conv3d", 3, "3-D convolution over volumes [N, C, D, H, W]."),
        LayerKind(
            "ConvTranspose2d", "Convolution", _nn("ConvTranspose2d"),
            (
                *_channels(16, 8),
                Arg("kernel_size", SIZE, 2, "size of each filter", True, minimum=1, dims=2),
                Arg("stride", SIZE, 1, "upsampling step", minimum=1, dims=2),
                Arg("padding", SIZE, 0, "removed from each side of the output", minimum=0,
                    dims=2),
                Arg("output_padding", SIZE, 0, "extra size added to one side of the output",
                    minimum=0, dims=2),
                Arg("groups", INT, 1, "split channels into independent groups", minimum=1),
                _bias(),
                Arg("dilation", SIZE, 1, "spacing between filter taps", minimum=1, dims=2),
            ),
            "Transposed 2-D convolution ('deconvolution'): learns to upsample [N, C, H, W].",
        ),
        _pool("MaxPool1d", 1, "Maximum over sliding windows of [N, C, L].", average=False),
        _pool("MaxPool2d", 2, "Maximum over sliding windows of [N, C, H, W].", average=False),
        _pool("AvgPool1d", 1, "Average over sliding windows of [N, C, L].", average=True),
        _pool("AvgPool2d", 2, "Average over sliding windows of [N, C, H, W].", average=True),
        _simple(
            "AdaptiveAvgPool2d", "Pooling",
            "Average-pools [N, C, H, W] to a fixed output size, whatever the input size.",
            Arg("output_size", SIZE, 1, "output height and width", True, minimum=1, dims=2),
        ),
        _batchnorm("BatchNorm1d", "Batch normalization of [N, C] or [N, C, L] per channel."),
        _batchnorm("BatchNorm2d", "Batch normalization of images [N, C, H, W] per channel."),
        _simple(
            "LayerNorm", "Normalization", "Normalizes over the trailing dimensions of each sample.",
            Arg("normalized_shape", SHAPE, [128], "the trailing dimensions to normalize", True,
                minimum=1),
            _eps(),
            Arg("elementwise_affine", BOOL, True, "learn a scale and shift per element"),
        ),
        _simple(
            "GroupNorm", "Normalization", "Normalizes groups of channels of each sample.",
            Arg("num_groups", INT, 4, "groups the channels are split into", True, minimum=1),
            Arg("num_channels", INT, 16, "channels (dimension 1) of the input", True, minimum=1),
            _eps(),
            Arg("affine", BOOL, True, "learn a scale and shift per channel"),
        ),
        LayerKind(
            "Normalize", "Normalization", "netbuilder.core.normalize:Normalize",
            (
                Arg("mean", FLOATS, [0.5], "subtracted from each channel (one value: every "
                    "channel); inputs are in [0, 1]", required=True),
                Arg("std", FLOATS, [0.5], "each channel is then divided by it (one per mean)",
                    required=True, minimum=1e-12),
            ),
            "(x − mean) / std per channel (dimension 1), e.g. a training set's own statistics; "
            "mean and std are buffers in the state_dict (keys mean, std), not trained.",
            code_name="Normalize", source="netbuilder",
        ),
        _simple("Dropout", "Dropout", "Zeroes random elements while training; scales the rest.",
                dropout_p),
        _simple("Dropout2d", "Dropout", "Zeroes whole random channels of [N, C, H, W] while "
                "training.", dropout_p),
        _simple("ReLU", "Activation", "max(0, x), element-wise."),
        _simple("LeakyReLU", "Activation", "x if x > 0 else negative_slope·x.",
                Arg("negative_slope", FLOAT, 0.01, "slope for negative inputs", minimum=0.0)),
        _simple("ELU", "Activation", "x if x > 0 else alpha·(exp(x) − 1).",
                Arg("alpha", FLOAT, 1.0, "saturation value for negative inputs", minimum=0.0)),
        _simple("GELU", "Activation", "Gaussian error linear unit, x·Φ(x).",
                Arg("approximate", CHOICE, "none", "exact or tanh approximation",
                    choices=("none", "tanh"))),
        _simple("SiLU", "Activation", "x·sigmoid(x) (also called swish)."),
        _simple("Sigmoid", "Activation", "1 / (1 + exp(−x)), squashes to (0, 1)."),
        _simple("Tanh", "Activation", "Hyperbolic tangent, squashes to (−1, 1)."),
        _simple("Softmax", "Activation", "Turns scores into probabilities along a dimension.",
                _dim(1, "dimension that sums to 1")),
        _simple("LogSoftmax", "Activation", "log(softmax(x)); pair it with NLLLoss.",
                _dim(1, "dimension of the softmax")),
        _simple(
            "Flatten", "Shape",
            "Flattens a range of dimensions into one: [N, C, H, W] → [N, C·H·W].",
            Arg("start_dim", INT, 1, "first dimension to flatten", minimum=-8, maximum=8),
            Arg("end_dim", INT, -1, "last dimension to flatten", minimum=-8, maximum=8),
        ),
        _simple(
            "Unflatten", "Shape", "Splits one dimension into several: [N, 784] → [N, 1, 28, 28].",
            _dim(1, "dimension to split"),
            Arg("unflattened_size", SHAPE, [1, 28, 28], "the sizes it splits into", True,
                minimum=1),
        ),
        _simple("Identity", "Shape", "Passes its input through unchanged (a placeholder)."),
        _recurrent("RNN", "Elman recurrent network.", True),
        _recurrent("LSTM", "Long short-term memory network.", False),
        _recurrent("GRU", "Gated recurrent unit network.", False),
        LayerKind(BLOCK, "Containers", _nn("Sequential"), (), CONTAINER_DOCS[BLOCK]),
    ]


# ---------------------------------------------------------------------------------------------
# The registry


@dataclass
class Catalog:
    """All kinds by name, built-ins first, then those from plugins."""

    kinds: dict[str, LayerKind] = field(default_factory=dict)
    plugin_errors: list[str] = field(default_factory=list)
    revision: int = 0  # counts changes, so caches keyed by kind name know to forget

    def replace_file_kinds(self, file: str, kinds: Sequence[LayerKind]) -> None:
        """Swap the kinds of one custom-layer file for ``kinds`` (a file imported again)."""
        for kind in kinds:
            known = self.kinds.get(kind.name)
            if kind.name in (RESIDUAL, PARALLEL) or (known is not None and known.file != file):
                raise ValueError(f"layer kind {kind.name!r} is already defined")
        for name in [name for name, kind in self.kinds.items() if kind.file == file]:
            del self.kinds[name]
        for kind in kinds:
            self.kinds[kind.name] = kind
        self.revision += 1

    def add(self, kind: LayerKind) -> None:
        if kind.name in (RESIDUAL, PARALLEL):
            raise ValueError(f"layer kind {kind.name!r} is reserved for netbuilder's container")
        if kind.name in self.kinds:
            raise ValueError(f"layer kind {kind.name!r} is already defined")
        self.kinds[kind.name] = kind
        self.revision += 1

    def get(self, name: str) -> LayerKind | None:
        return self.kinds.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self.kinds

    def __iter__(self):
        return iter(self.kinds.values())

    def names(self) -> list[str]:
        return list(self.kinds)

    def categories(self) -> dict[str, list[LayerKind]]:
        grouped: dict[str, list[LayerKind]] = {}
        for kind in self.kinds.values():
            grouped.setdefault(kind.category, []).append(kind)
        return grouped

    def kind_of_module(self, module: nn.Module) -> LayerKind | None:
        """The kind whose class is exactly this module's class (subclasses do not count)."""
        for kind in self.kinds.values():
            if kind.name != BLOCK and type(module) is kind.module_class():
                return kind
        return None


def _load_plugins(catalog: Catalog, entry_points: Iterable[Any]) -> None:
    """Add each entry point's kinds; one that fails is recorded in ``catalog.plugin_errors``
    (the window and the CLI show them) and logged with its traceback, for its author."""
    for entry in entry_points:
        where = f"plugin {entry.name!r} ({entry.value})"
        added: list[str] = []
        try:
            loaded = entry.load()
            kinds = loaded() if callable(loaded) and not isinstance(loaded, LayerKind) else loaded
            if isinstance(kinds, LayerKind):
                kinds = [kinds]
            for kind in kinds:
                if not isinstance(kind, LayerKind):
                    raise TypeError(f"expected LayerKind, got {type(kind).__name__}")
                dist = getattr(getattr(entry, "dist", None), "name", None)
                if kind.source == "torch" and dist:
                    kind = LayerKind(**{**kind.__dict__, "source": dist})
                catalog.add(kind)
                added.append(kind.name)
        except Exception as exc:  # a broken plugin must not break the app
            catalog.plugin_errors.append(f"{where}: {type(exc).__name__}: {exc}")
            # info, not warning: the CLI and the window already say it to the person; the
            # traceback is for --verbose
            logger.info("layer %s could not be loaded%s", where,
                           f" (after adding {', '.join(added)})" if added else "",
                           exc_info=True)
        else:
            logger.info("layer %s added %s", where, ", ".join(added) or "no kinds")


def build_catalog(extra_entry_points: Sequence[Any] | None = None) -> Catalog:
    """A fresh catalog: built-ins plus every installed ``netbuilder.layers`` plugin."""
    catalog = Catalog()
    for kind in builtin_kinds():
        catalog.add(kind)
    entry_points = (
        list(extra_entry_points)
        if extra_entry_points is not None
        else list(metadata.entry_points(group=ENTRY_POINT_GROUP))
    )
    _load_plugins(catalog, entry_points)
    return catalog


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The process-wide catalog (plugins are discovered once)."""
    return build_catalog()


def reload_catalog() -> Catalog:
    """Discover plugins again (after installing one, or in tests)."""
    default_catalog.cache_clear()
    return default_catalog()
