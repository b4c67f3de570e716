"""Benchmark: re-analysing a 100-layer spec after one edit (issue: target ≤ 20 ms), and
analysing 10,000 and 100,000-layer chains (issue 12: target ≤ 5 s for 100,000 layers).

Prints the median and p95 time of one analysis after an edit (the app's path: a warm,
cached Analyzer), the same without the cache (a fresh Analyzer), and the ratio of the
re-analysis to one real forward pass of the model on a batch of 1. Then, for long chains of
repeated layers (an MLP of Linear(64, 64)/ReLU and a CNN of Conv2d/BatchNorm2d/ReLU), the time
of a full analysis with a fresh Analyzer, of a re-analysis after one edit, and of looking up
every row by path (what codegen and lint do): each should grow linearly with the layers.

    .venv/bin/python benchmarks/analysis.py [--quick]   (--quick: 10,000 layers only)
"""

from __future__ import annotations

import statistics
import sys
import time

import torch

from netbuilder.core.analysis import Analyzer, warm_up
from netbuilder.core.builder import build
from netbuilder.core.spec import LayerSpec, NetworkSpec


def mlp_100() -> NetworkSpec:
    items = [LayerSpec("Flatten", "flatten")]
    width = 784
    for i in range(1, 50):
        items.append(LayerSpec("Linear", f"fc{i}", {"in_features": width, "out_features": 64}))
        items.append(LayerSpec("ReLU", f"relu{i}"))
        width = 64
    items.append(LayerSpec("Linear", "out", {"in_features": 64, "out_features": 10}))
    return NetworkSpec([1, 28, 28], items, num_classes=10)


def cnn_100() -> NetworkSpec:
    items = [LayerSpec("Conv2d", "stem", {"in_channels": 1, "out_channels": 16, "kernel_size": 3,
                                          "padding": 1})]
    for i in range(1, 33):
        items += [
            LayerSpec("Conv2d", f"conv{i}", {"in_channels": 16, "out_channels": 16,
                                             "kernel_size": 3, "padding": 1}),
            LayerSpec("BatchNorm2d", f"bn{i}", {"num_features": 16}),
            LayerSpec("ReLU", f"relu{i}"),
        ]
    items += [LayerSpec("AdaptiveAvgPool2d", "gap", {"output_size": 1}),
              LayerSpec("Flatten", "flatten"),
              LayerSpec("Linear", "fc", {"in_features": 16, "out_features": 10})]
    return NetworkSpec([1, 28, 28], items, num_classes=10)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(name: str, spec: NetworkSpec, edit_path: str, arg: str, values: list,
            repeats: int = 60) -> None:
    """Each repeat sets a value never seen before, so the edited layer really runs again."""
    layers = len(list(spec.layers()))
    analyzer = Analyzer()
    analyzer.analyze(spec)
    layer = spec.find(edit_path)
    warm, cold = [], []
    for i in range(repeats):
        layer.args[arg] = values[i + 1]
        start = time.perf_counter()
        result = analyzer.analyze(spec)
        warm.append((time.perf_counter() - start) * 1e3)
        start = time.perf_counter()
        Analyzer().analyze(spec)
        cold.append((time.perf_counter() - start) * 1e3)
    assert result.rows, "analysis produced nothing"
    layer.args[arg] = values[0]  # the valid original, for the forward pass
    model = build(spec).eval()
    x = torch.rand(1, *spec.input_shape)
    forward = []
    with torch.no_grad():
        for _ in range(repeats):
            start = time.perf_counter()
            model(x)
            forward.append((time.perf_counter() - start) * 1e3)
    med_warm, med_cold, med_fwd = (statistics.median(v) for v in (warm, cold, forward))
    print(f"{name}: {layers} layers")
    print(f"  re-analysis after one edit (cached): median {med_warm:.2f} ms, "
          f"p95 {percentile(warm, 0.95):.2f} ms")
    print(f"  full analysis, no cache:             median {med_cold:.2f} ms, "
          f"p95 {percentile(cold, 0.95):.2f} ms")
    print(f"  one real forward pass, batch 1:      median {med_fwd:.2f} ms")
    print(f"  ratio re-analysis / forward: {med_warm / med_fwd:.2f}  "
          f"(no cache: {med_cold / med_fwd:.2f})")


def mlp_chain(layers: int) -> NetworkSpec:
    """Flatten, Linear(784, 64), then alternating ReLU / Linear(64, 64) up to ``layers``."""
    items = [LayerSpec("Flatten", "flatten"),
             LayerSpec("Linear", "fc0", {"in_features": 784, "out_features": 64})]
    while len(items) < layers:
        i = len(items)
        items.append(LayerSpec("ReLU", f"relu{i}"))
        items.append(LayerSpec("Linear", f"fc{i}", {"in_features": 64, "out_features": 64}))
    return NetworkSpec([1, 28, 28], items[:layers], num_classes=None)


def cnn_chain(layers: int) -> NetworkSpec:
    """A stem Conv2d(1, 8), then Conv2d(8, 8, 3, padding=1) / BatchNorm2d / ReLU repeated."""
    items = [LayerSpec("Conv2d", "stem", {"in_channels": 1, "out_channels": 8,
                                          "kernel_size": 3, "padding": 1})]
    while len(items) < layers:
        i = len(items)
        items += [LayerSpec("Conv2d", f"conv{i}", {"in_channels": 8, "out_channels": 8,
                                                   "kernel_size": 3, "padding": 1}),
                  LayerSpec("BatchNorm2d", f"bn{i}", {"num_features": 8}),
                  LayerSpec("ReLU", f"relu{i}")]
    return NetworkSpec([1, 28, 28], items[:layers], num_classes=None)


def measure_chain(name: str, spec: NetworkSpec, edit_path: str, arg: str, values: list,
                  repeats: int = 3) -> None:
    """Medians of ``repeats``: a fresh Analyzer's full analysis, then a re-analysis after setting
    ``arg`` of one layer to each new value, then row() for every layer."""
    layers = len(spec.items)
    full, again, lookups = [], [], []
    for i in range(repeats):
        start = time.perf_counter()
        analyzer = Analyzer()
        analysis = analyzer.analyze(spec)
        full.append(time.perf_counter() - start)
        assert analysis.ok and len(analysis.rows) == layers, "the chain should analyse cleanly"
        spec.find(edit_path).args[arg] = values[i % len(values)]
        start = time.perf_counter()
        analyzer.analyze(spec)
        again.append(time.perf_counter() - start)
        start = time.perf_counter()
        found = sum(analysis.row(row.path) is row for row in analysis.rows)
        lookups.append(time.perf_counter() - start)
        assert found == layers
    med_full, med_again, med_rows = (statistics.median(v) for v in (full, again, lookups))
    print(f"{name} chain, {layers:,} layers: full analysis {med_full:.2f} s "
          f"({med_full / layers * 1e6:.1f} µs/layer), re-analysis after one edit "
          f"{med_again:.2f} s, row() for every layer {med_rows * 1e3:.0f} ms")


def main() -> None:
    torch.set_num_threads(1)
    start = time.perf_counter()
    warm_up()
    print(f"one-time warm-up (first meta forward): {(time.perf_counter() - start) * 1e3:.0f} ms",
          f"torch {torch.__version__}, {torch.get_num_threads()} thread")
    measure("MLP", mlp_100(), "fc25", "out_features", [64, *range(65, 200)])
    measure("CNN", cnn_100(), "bn16", "momentum", [0.1, *(0.2 + i / 1000 for i in range(200))])
    for layers in (10_000,) if "--quick" in sys.argv else (10_000, 100_000):
        middle = layers // 2
        mlp, cnn = mlp_chain(layers), cnn_chain(layers)
        measure_chain("MLP", mlp, _nth(mlp, "Linear", middle), "bias", [False, True])
        measure_chain("CNN", cnn, _nth(cnn, "BatchNorm2d", middle), "momentum", [0.2, 0.3, 0.4])


def _nth(spec: NetworkSpec, kind: str, after: int) -> str:
    """The name of the first layer of ``kind`` at or after position ``after``."""
    return next(item.name for item in spec.items[after:] if item.kind == kind)


if __name__ == "__main__":
    main()
