"""Checks of a layer's arguments against its input that a meta-device probe cannot be trusted with.

The analysis runs every layer on the meta device, which computes shapes but skips some of the
checks real kernels make (a transposed convolution's input channels and output padding), and
torch reads an input one dimension short as a single unbatched sample instead of refusing it.
Each check here names what is wrong and what would fit, so the analysis never reports OK for a
layer that real tensors would refuse. Shapes include the batch dimension first.
"""

from __future__ import annotations

import math
from typing import Any

Shape = tuple[int, ...]

# Kinds that need an exact number of dimensions, batch included. A convolution given one
# dimension less reads the batch as its channels and mixes samples (pooling given one less pools
# each sample's plane correctly, so it is left to the probe).
RANKS = {"Conv1d": 3, "Conv2d": 4, "Conv3d": 5, "ConvTranspose2d": 4}
LAYOUTS = {3: "[N, C, L]", 4: "[N, C, H, W]", 5: "[N, C, D, H, W]"}
# For a rank mismatch: the kind of the same family that takes an input of that rank.
FAMILIES = ({3: "Conv1d", 4: "Conv2d", 5: "Conv3d"},)


def _shape_text(shape: Shape) -> str:
    return "[" + ", ".join(["N", *(str(d) for d in shape[1:])]) + "]"


def _pair(value: Any) -> tuple[int, int]:
    return (value[0], value[1]) if isinstance(value, (list, tuple)) else (value, value)


def input_problem(kind: str, args: dict[str, Any], shape: Shape) -> str | None:
    """Why this layer cannot take ``shape`` (batch first), in words, or None if no check objects.

    Only what a meta forward would let through is checked here; everything else is left to the
    probe, so that the messages of torch's own checks stay the ones people search for.
    """
    got = f"receives {_shape_text(shape)}"
    rank = len(shape)
    expected_rank = RANKS.get(kind)
    if expected_rank is not None and rank != expected_rank:
        layout = LAYOUTS[expected_rank]
        if "in_channels" in args:
            layout = layout.replace("C", str(args["in_channels"]), 1)
        return (f"expects {layout} ({expected_rank} dimensions), {got}"
                f"{_fitting_kind(kind, rank)}")
    check = _CHECKS.get(kind)
    return check(args, shape) if check is not None else None


def _fitting_kind(kind: str, rank: int) -> str:
    for family in FAMILIES:
        if kind in family.values() and rank in family:
            return f"; {family[rank]} fits an input of {rank} dimensions"
    return ""


def _resolve(dim: int, rank: int) -> int | None:
    """A dimension index as torch resolves it, or None when out of range."""
    if -rank <= dim < rank:
        return dim % rank
    return None


def _dim_range(name: str, dim: int, shape: Shape) -> str:
    rank = len(shape)
    return (f"{name}={dim} is out of range for {_shape_text(shape)} ({rank} dimensions): "
            f"use a value from {-rank} to {rank - 1}")


def _softmax(args: dict[str, Any], shape: Shape) -> str | None:
    if _resolve(args["dim"], len(shape)) is None:
        return _dim_range("dim", args["dim"], shape)
    return None


def _flatten(args: dict[str, Any], shape: Shape) -> str | None:
    rank = len(shape)
    start, end = _resolve(args["start_dim"], rank), _resolve(args["end_dim"], rank)
    if start is None:
        return _dim_range("start_dim", args["start_dim"], shape)
    if end is None:
        return _dim_range("end_dim", args["end_dim"], shape)
    if start == 0 and math.prod(shape[1:end + 1]) != 1:  # merging in sizes of 1 is harmless
        return (f"start_dim={args['start_dim']} would merge the batch dimension of "
                f"{_shape_text(shape)} into each sample: use start_dim=1 (or {1 - rank})")
    return None


def _unflatten(args: dict[str, Any], shape: Shape) -> str | None:
    dim = _resolve(args["dim"], len(shape))
    if dim is None:
        return _dim_range("dim", args["dim"], shape)
    if dim == 0:
        return (f"dim={args['dim']} would split the batch dimension of {_shape_text(shape)}: "
                f"use a dimension from 1 to {len(shape) - 1}")
    return None


def _layer_norm(args: dict[str, Any], shape: Shape) -> str | None:
    normalized = list(args["normalized_shape"])
    if len(normalized) >= len(shape):
        trailing = list(shape[len(shape) - len(normalized) + 1:]) if len(shape) > 1 else []
        return (f"normalized_shape={normalized} reaches into the batch dimension of "
                f"{_shape_text(shape)}: it may cover at most the last {len(shape) - 1} "
                f"dimensions, e.g. {trailing or list(shape[1:])}")
    return None


def _conv_transpose(args: dict[str, Any], shape: Shape) -> str | None:
    channels = args["in_channels"]
    if shape[1] != channels:
        return f"expects [N, {channels}, H, W], receives {_shape_text(shape)}"
    stride, dilation = _pair(args["stride"]), _pair(args["dilation"])
    output_padding = _pair(args["output_padding"])
    for axis, (extra, step, spacing) in enumerate(zip(output_padding, stride, dilation,
                                                      strict=True)):
        if extra >= max(step, spacing):
            name = ("height", "width")[axis]
            return (f"output_padding {extra} in {name} must be smaller than stride ({step}) or "
                    f"dilation ({spacing}) there: use output_padding ≤ {max(step, spacing) - 1}")
    return None


_CHECKS = {
    "Softmax": _softmax,
    "LogSoftmax": _softmax,
    "Flatten": _flatten,
    "Unflatten": _unflatten,
    "LayerNorm": _layer_norm,
    "ConvTranspose2d": _conv_transpose,
}
