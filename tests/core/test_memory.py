"""The memory estimate against PyTorch's own accounting on the CPU.

Training step: the bytes of the unique storages autograd saves for backward (read with
``saved_tensors_hooks``; weights and buffers left out, they are counted once as parameters),
plus weights, buffers, gradients and the optimizer's state after one real step. Forward: the
peak of live tensor storages in an inference pass, followed op by op with a dispatch mode.
"""

from __future__ import annotations

import weakref

import pytest
import torch
from torch import nn
from torch.autograd.graph import saved_tensors_hooks
from torch.utils._python_dispatch import TorchDispatchMode

from netbuilder.core.analysis import analyze
from netbuilder.core.builder import build
from netbuilder.core.memory import (
    DEFAULT_BATCH,
    MemoryEstimate,
    estimate_memory,
    megabytes,
    optimizer_states,
)
from netbuilder.core.resources import load_template
from netbuilder.core.spec import LayerSpec, NetworkSpec, ParallelSpec, ResidualSpec

TOLERANCE = 0.20


def _storage_key(tensor: torch.Tensor) -> int:
    return tensor.untyped_storage().data_ptr()


def measure_training(model: nn.Module, x: torch.Tensor, target: torch.Tensor,
                     optimizer: torch.optim.Optimizer, loss_fn) -> dict[str, int]:
    """Bytes of one real training step, as PyTorch holds them."""
    model.train()
    own = {_storage_key(t) for t in [*model.parameters(), *model.buffers()]}
    saved: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        key = _storage_key(tensor)
        if key not in own and key != 0:
            saved[key] = tensor.untyped_storage().nbytes()
        return tensor

    with saved_tensors_hooks(pack, lambda tensor: tensor):
        loss = loss_fn(model(x), target)
    loss.backward()
    optimizer.step()
    state = sum(value.nbytes for values in optimizer.state.values()
                for value in values.values()
                if isinstance(value, torch.Tensor) and value.dim() > 0)  # not Adam's step count
    weights = sum(t.nbytes for t in [*model.parameters(), *model.buffers()])
    grads = sum(p.grad.nbytes for p in model.parameters() if p.grad is not None)
    return {"saved": sum(saved.values()), "parameters": weights, "gradients": grads,
            "optimizer": state,
            "total": sum(saved.values()) + weights + grads + state}


class _LiveStorages(TorchDispatchMode):
    """Follows every tensor an op makes: its storage is alive while any tensor viewing it
    is; ``peak`` is the most bytes alive at once. Views of the weights are not activations."""

    def __init__(self, batch: torch.Tensor, weights: set[int]):
        super().__init__()
        self.weights = weights
        # storage → [live tensors, bytes]; the batch, held by the caller throughout
        self.refs: dict[int, list] = {_storage_key(batch): [1, batch.nbytes]}
        self.live = self.peak = batch.nbytes

    def _release(self, key: int) -> None:
        entry = self.refs[key]
        entry[0] -= 1
        if entry[0] == 0:
            self.live -= entry[1]
            del self.refs[key]

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for tensor in out if isinstance(out, (tuple, list)) else (out,):
            if isinstance(tensor, torch.Tensor):
                key = _storage_key(tensor)
                if key in self.weights:
                    continue
                if key not in self.refs:
                    self.refs[key] = [0, tensor.untyped_storage().nbytes()]
                    self.live += self.refs[key][1]
                    self.peak = max(self.peak, self.live)
                self.refs[key][0] += 1
                weakref.finalize(tensor, self._release, key)
        return out


def measure_forward(model: nn.Module, x: torch.Tensor) -> int:
    """Peak bytes of activations alive at once in an inference pass (the batch included)."""
    model.eval()
    weights = {_storage_key(t) for t in [*model.parameters(), *model.buffers()]}
    with torch.no_grad(), _LiveStorages(x, weights) as mode:
        model(x)
    return mode.peak


def _close(estimate: int, measured: int) -> bool:
    return abs(estimate - measured) <= TOLERANCE * measured


RESIDUAL_NET = NetworkSpec([1, 28, 28], [
    LayerSpec("Conv2d", "conv", {"in_channels": 1, "out_channels": 16, "kernel_size": 3,
                                 "padding": 1}),
    LayerSpec("ReLU", "relu"),
    ResidualSpec("res", body=[
        LayerSpec("Conv2d", "conv1", {"in_channels": 16, "out_channels": 16, "kernel_size": 3,
                                      "padding": 1}),
        LayerSpec("BatchNorm2d", "bn1", {"num_features": 16}),
        LayerSpec("ReLU", "relu1"),
        LayerSpec("Conv2d", "conv2", {"in_channels": 16, "out_channels": 16, "kernel_size": 3,
                                      "padding": 1}),
    ], activation="ReLU"),
    LayerSpec("MaxPool2d", "pool", {"kernel_size": 2}),
    LayerSpec("Flatten", "flatten"),
    LayerSpec("Dropout", "drop", {"p": 0.5}),
    LayerSpec("Linear", "fc", {"in_features": 16 * 14 * 14, "out_features": 10}),
], num_classes=10)

PARALLEL_SUM_NET = NetworkSpec([3, 16, 16], [
    ParallelSpec("mix", branches=[
        [LayerSpec("Conv2d", "a", {"in_channels": 3, "out_channels": 8, "kernel_size": 3,
                                   "padding": 1}), LayerSpec("GELU", "g")],
        [LayerSpec("Conv2d", "b", {"in_channels": 3, "out_channels": 8, "kernel_size": 1}),
         LayerSpec("Tanh", "t")],
    ], merge="mean"),
    LayerSpec("GroupNorm", "gn", {"num_groups": 2, "num_channels": 8}),
    LayerSpec("AvgPool2d", "pool", {"kernel_size": 2}),
    LayerSpec("Dropout2d", "drop", {"p": 0.2}),
    LayerSpec("Flatten", "flatten"),
    LayerSpec("Linear", "fc", {"in_features": 8 * 8 * 8, "out_features": 10}),
], num_classes=10)


# Every other kind, each where it keeps what it keeps: input, output, indices, statistics.
ZOO_NET = NetworkSpec([3, 16, 16], [
    LayerSpec("Normalize", "norm", {"mean": [0.5, 0.4, 0.3], "std": [0.2, 0.2, 0.2]}),
    LayerSpec("Conv2d", "conv", {"in_channels": 3, "out_channels": 8, "kernel_size": 3,
                                 "padding": 1}),
    LayerSpec("LeakyReLU", "leaky"),
    LayerSpec("AdaptiveAvgPool2d", "adapt", {"output_size": 8}),
    LayerSpec("ELU", "elu"),
    LayerSpec("Flatten", "rows", {"start_dim": 2}),
    LayerSpec("Conv1d", "conv1d", {"in_channels": 8, "out_channels": 8, "kernel_size": 3,
                                   "padding": 1}),
    LayerSpec("BatchNorm1d", "bn", {"num_features": 8}),
    LayerSpec("SiLU", "silu"),
    LayerSpec("MaxPool1d", "maxpool", {"kernel_size": 2}),
    LayerSpec("AvgPool1d", "avgpool", {"kernel_size": 2}),
    LayerSpec("LayerNorm", "ln", {"normalized_shape": [16]}),
    LayerSpec("GRU", "gru", {"input_size": 16, "hidden_size": 12, "output": "sequence"}),
    LayerSpec("Sigmoid", "sigmoid"),
    LayerSpec("Flatten", "flatten"),
    LayerSpec("Linear", "fc", {"in_features": 96, "out_features": 10}),
    LayerSpec("Softmax", "softmax", {"dim": 1}),
], num_classes=10)


def _network(name: str) -> NetworkSpec:
    return {"residual": RESIDUAL_NET, "parallel_sum": PARALLEL_SUM_NET, "zoo": ZOO_NET
            }.get(name) or load_template(name)


def _optimizer(name: str, model: nn.Module) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if name == "sgd":
        return torch.optim.SGD(params, lr=0.01, momentum=0.9)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=0.01, momentum=0.9)
    return torch.optim.Adam(params, lr=1e-3)


NETWORKS = ["lenet5", "digits_cnn", "mnist_mlp", "residual", "resnet_digits",
            "inception_digits", "parallel_sum", "rows_lstm", "zoo"]
CASES = [(name, "adam") for name in NETWORKS] + [("lenet5", "sgd"), ("lenet5", "rmsprop")]


@pytest.mark.parametrize(("name", "optimizer"), CASES)
def test_training_step_within_20_percent_of_pytorch(name: str, optimizer: str) -> None:
    torch.manual_seed(0)
    spec = _network(name)
    analysis = analyze(spec)
    estimate = estimate_memory(spec, analysis, DEFAULT_BATCH, optimizer)
    model = build(spec)
    x = torch.rand(DEFAULT_BATCH, *spec.input_shape)
    target = torch.randint(0, spec.num_classes or 10, (DEFAULT_BATCH,))
    measured = measure_training(model, x, target, _optimizer(optimizer, model),
                                nn.CrossEntropyLoss())
    # weights, gradients and state are counted exactly; the activations within the bound
    assert estimate.parameter_bytes == measured["parameters"]
    assert estimate.gradient_bytes == measured["gradients"]
    assert estimate.optimizer_bytes == measured["optimizer"]
    assert _close(estimate.saved_bytes, measured["saved"]), (estimate, measured)
    assert _close(estimate.training_bytes, measured["total"]), (estimate, measured)


@pytest.mark.parametrize("name", NETWORKS)
def test_forward_within_20_percent_of_pytorch(name: str) -> None:
    spec = _network(name)
    estimate = estimate_memory(spec, analyze(spec), DEFAULT_BATCH)
    model = build(spec)
    measured = measure_forward(model, torch.rand(DEFAULT_BATCH, *spec.input_shape))
    assert _close(estimate.forward_bytes, measured), (estimate.forward_bytes, measured)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_stacked_bidirectional_recurrent_layers(kind: str) -> None:
    spec = NetworkSpec([28, 28], [
        LayerSpec(kind, "rnn", {"input_size": 28, "hidden_size": 64, "num_layers": 2,
                                "bidirectional": True, "output": "last"}),
        LayerSpec("Linear", "fc", {"in_features": 128, "out_features": 10})], num_classes=10)
    torch.manual_seed(0)
    estimate = estimate_memory(spec, analyze(spec), 32)
    model = build(spec)
    x = torch.rand(32, 28, 28)
    measured = measure_training(model, x, torch.randint(0, 10, (32,)),
                                _optimizer("adam", model), nn.CrossEntropyLoss())
    assert _close(estimate.saved_bytes, measured["saved"]), (estimate, measured)
    assert _close(estimate.forward_bytes, measure_forward(model, x))


def test_the_estimate_grows_with_the_batch() -> None:
    spec = load_template("digits_cnn")
    analysis = analyze(spec)
    small = estimate_memory(spec, analysis, 8)
    large = estimate_memory(spec, analysis, 128)
    assert large.saved_bytes == pytest.approx(16 * small.saved_bytes, rel=0.01)
    assert large.parameter_bytes == small.parameter_bytes


def test_frozen_layers_keep_no_gradients_or_state() -> None:
    spec = load_template("mnist_mlp")
    for path, layer in spec.layers():
        if path == "fc1":
            layer.frozen = True
    torch.manual_seed(0)
    analysis = analyze(spec)
    estimate = estimate_memory(spec, analysis, 32, "adam")
    model = build(spec)
    measured = measure_training(model, torch.rand(32, 1, 28, 28), torch.randint(0, 10, (32,)),
                                _optimizer("adam", model), nn.CrossEntropyLoss())
    assert estimate.gradient_bytes == measured["gradients"] < estimate.parameter_bytes
    assert estimate.optimizer_bytes == measured["optimizer"]
    assert _close(estimate.saved_bytes, measured["saved"]), (estimate, measured)


def test_no_estimate_while_shapes_have_errors() -> None:
    spec = NetworkSpec([1, 28, 28], [LayerSpec("Linear", "fc", {"in_features": 3,
                                                                "out_features": 2})])
    assert estimate_memory(spec, analyze(spec)) is None


def test_bad_batch_and_optimizer_are_named() -> None:
    spec = load_template("lenet5")
    with pytest.raises(ValueError, match="batch size"):
        estimate_memory(spec, analyze(spec), 0)
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        estimate_memory(spec, analyze(spec), 4, "lbfgs")


def test_optimizer_states_and_wording() -> None:
    assert [optimizer_states(name, 0.9) for name in ("adam", "adamw", "rmsprop", "sgd")] == [
        2, 2, 2, 1]
    assert optimizer_states("sgd", 0.0) == 0
    assert optimizer_states("rmsprop", 0.0) == 1
    estimate = MemoryEstimate(64, "adam", 1_500_000, 20_000_000, 1_000_000, 500_000, 1_000_000)
    assert estimate.training_bytes == 22_500_000
    assert estimate.describe() == "forward 1.50 MB, training step 22.5 MB"
    assert megabytes(123_456_789) == "123.5 MB"
    assert estimate.to_dict()["training_bytes"] == 22_500_000
