"""Benchmark: re-analysing a 100-layer spec after one edit (issue: target ≤ 20 ms).

Prints the median and p95 time of one analysis after an edit (the app's path: a warm,
cached Analyzer), the same without the cache (a fresh Analyzer), and the ratio of the
re-analysis to one real forward pass of the model on a batch of 1.

    .venv/bin/python benchmarks/analysis.py
"""

from __future__ import annotations

import statistics
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


def main() -> None:
    torch.set_num_threads(1)
    start = time.perf_counter()
    warm_up()
    print(f"one-time warm-up (first meta forward): {(time.perf_counter() - start) * 1e3:.0f} ms",
          f"torch {torch.__version__}, {torch.get_num_threads()} thread")
    measure("MLP", mlp_100(), "fc25", "out_features", [64, *range(65, 200)])
    measure("CNN", cnn_100(), "bn16", "momentum", [0.1, *(0.2 + i / 1000 for i in range(200))])


if __name__ == "__main__":
    main()
