"""How a layer is described in a few words, shared by the stack's cards and the diagram: its
category colour and the arguments a person reads first ('784 → 128', '1 → 32, k3, p1').

The few English words go through ``tr``: the window passes Qt's translation (the texts are
listed for Qt's tools in gui/network/cards.py); the diagram keeps them English."""

from __future__ import annotations

from collections.abc import Callable

from netbuilder.core.catalog import default_catalog
from netbuilder.core.spec import LayerSpec
from netbuilder.core.spec_parse import resolved_args

CATEGORY_COLOURS = {
    "Linear": "#4e79a7", "Convolution": "#f28e2b", "Pooling": "#76b7b2",
    "Normalization": "#59a14f", "Dropout": "#9d9d9d", "Activation": "#e15759",
    "Shape": "#9c755f", "Recurrent": "#b07aa1", "Containers": "#d4a72c", "Custom": "#17becf",
}
OTHER_COLOUR = "#ff9da7"
# The words of key_args, as written here: the keys of a translation.
WORDS = (", no bias", "to %1", "%1 in %2 groups", ", %1 layers", "dims %1…%2", "dim %1 → %2")


def category_colour(kind: str) -> str:
    """The colour of a kind's category ('#rrggbb'); containers share one."""
    entry = default_catalog().get(kind)
    if entry is None and kind in ("Residual", "Parallel", "Block"):
        return CATEGORY_COLOURS["Containers"]
    return CATEGORY_COLOURS.get(entry.category if entry else "", OTHER_COLOUR)


def size_text(value) -> str:
    return "×".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)


def _fill(text: str, *values) -> str:
    for number, value in enumerate(values, start=1):
        text = text.replace(f"%{number}", str(value))
    return text


def key_args(layer: LayerSpec, tr: Callable[[str], str] = str) -> str:
    """The arguments a person reads first; '' when the catalog refuses the arguments."""
    try:
        args = resolved_args(layer)
    except Exception:  # arguments the catalog refuses: the card shows the kind alone
        return ""
    kind = layer.kind
    if kind == "Linear":
        text = f"{args['in_features']} → {args['out_features']}"
        return text if args["bias"] else text + tr(", no bias")
    if kind.startswith("Conv"):
        parts = [f"{args['in_channels']} → {args['out_channels']}",
                 f"k{size_text(args['kernel_size'])}"]
        if args.get("stride") not in (1, None):
            parts.append(f"s{size_text(args['stride'])}")
        if args.get("padding") not in (0, None):
            parts.append(f"p{size_text(args['padding'])}")
        return ", ".join(parts)
    if "Pool" in kind and "Adaptive" not in kind:
        stride = args.get("stride")
        return f"k{size_text(args['kernel_size'])}" + (
            f", s{size_text(stride)}" if stride not in (None, args["kernel_size"]) else "")
    if kind == "AdaptiveAvgPool2d":
        return _fill(tr("to %1"), size_text(args["output_size"]))
    if kind.startswith("BatchNorm"):
        return str(args["num_features"])
    if kind == "GroupNorm":
        return _fill(tr("%1 in %2 groups"), args["num_channels"], args["num_groups"])
    if kind == "LayerNorm":
        return size_text(args["normalized_shape"])
    if kind.startswith("Dropout"):
        return f"p={args['p']:g}"
    if kind in {"RNN", "LSTM", "GRU"}:
        layers = _fill(tr(", %1 layers"), args["num_layers"]) if args["num_layers"] > 1 else ""
        return f"{args['input_size']} → {args['hidden_size']}{layers}, {args['output']}"
    if kind == "Flatten":
        return _fill(tr("dims %1…%2"), args["start_dim"], args["end_dim"])
    if kind == "Unflatten":
        return _fill(tr("dim %1 → %2"), args["dim"], size_text(args["unflattened_size"]))
    if kind in {"Softmax", "LogSoftmax"}:
        return f"dim={args['dim']}"
    entry = default_catalog().get(kind)
    return ", ".join(f"{a.name}={size_text(args[a.name])}" for a in (entry.args if entry else ())
                     if a.name in args and args[a.name] != a.default)
