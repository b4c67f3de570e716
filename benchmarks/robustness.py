"""Benchmark: do digits the embedded MNIST set did not teach still get recognised (issue 18)?

For each template and augmentation setting, one training run from the same seed (Adam, lr 1e-3,
batch 64, the embedded digits' seeded 80/20 split), then:

- validation accuracy on the embedded digits after the last epoch;
- accuracy on synthetic pen-drawn digits and on digits rendered from the system's fonts
  (tests/ood_digits.py: both through ``core.digits.preprocess``, as a drawing is);
- the training seconds, and the epoch and seconds at which validation first reached 98 %;
- a second table: accuracy per digit on the pen digits.

The settings: ``none`` (no augmentation), ``affine`` (the old augment: rotation, scale, shift),
and affine followed by ``core.pen_augment``: stroke, blur and elastic at 0.25 (``light``), 0.5
(``pen``) or 1.0 (``strong``, only when asked for), or elastic alone at 0.5 (``elastic``).

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/robustness.py [--epochs 10] [--threads 2]
        [--templates digits_cnn mnist_mlp] [--settings none affine light pen elastic strong]

Times depend on the machine and on what else runs on it; accuracies do not (same seed).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from ood_digits import font_digits, pen_digits  # noqa: E402  (tests/ is a measuring tool here)

from netbuilder.core.builder import build  # noqa: E402
from netbuilder.core.data import load_digits  # noqa: E402
from netbuilder.core.resources import load_template  # noqa: E402
from netbuilder.core.training import EpochEnd, TrainConfig, Trainer, reset_weights  # noqa: E402

TARGET = 0.98  # the validation accuracy whose time is reported
OFF = {"stroke": 0.0, "blur": 0.0, "elastic": 0.0, "erase": 0.0}
SETTINGS = {
    "none": {"augment": False, **OFF},
    "affine": {"augment": True, **OFF},
    "light": {"augment": True, **OFF, "stroke": 0.25, "blur": 0.25, "elastic": 0.25},
    "pen": {"augment": True, **OFF, "stroke": 0.5, "blur": 0.5, "elastic": 0.5},
    "elastic": {"augment": True, **OFF, "elastic": 0.5},
    "strong": {"augment": True, **OFF, "stroke": 1.0, "blur": 1.0, "elastic": 1.0},
}
DEFAULT_SETTINGS = ["none", "affine", "light", "pen", "elastic"]


def accuracy(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Per example: 1.0 where the model's top class is the label."""
    model.eval()
    with torch.no_grad():
        predicted = torch.cat([model(images[i:i + 500]).argmax(1)
                               for i in range(0, len(labels), 500)])
    return (predicted == labels).float()


def run(template: str, setting: str, epochs: int, data, pen, fonts) -> dict:
    model = build(load_template(template))
    reset_weights(model, 0)
    config = TrainConfig(epochs=epochs, seed=0, device="cpu", **SETTINGS[setting])
    start = time.perf_counter()
    reached = None
    last = None
    for event in Trainer(model, data, config).run():
        if isinstance(event, EpochEnd):
            last = event
            if reached is None and event.val_accuracy >= TARGET:
                reached = (event.epoch, time.perf_counter() - start)
    seconds = time.perf_counter() - start
    if last is None:
        raise SystemExit(f"{template} / {setting}: the run ended before its first epoch")
    pen_right = accuracy(model, *pen)
    per_digit = [pen_right[pen[1] == d].mean().item() for d in range(10)]
    return {"template": template, "setting": setting, "val": last.val_accuracy,
            "pen": pen_right.mean().item(), "font": accuracy(model, *fonts).mean().item(),
            "seconds": seconds, "reached": reached, "per_digit": per_digit}


def row(result: dict) -> str:
    reached = ("—" if result["reached"] is None
               else f"{result['reached'][0]} / {result['reached'][1]:.0f} s")
    return (f"| {result['template']} | {result['setting']} | {result['val']:.2%} | "
            f"{result['pen']:.2%} | {result['font']:.2%} | {result['seconds']:.0f} | "
            f"{reached} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10, help="epochs per run (default 10)")
    parser.add_argument("--threads", type=int, default=2,
                        help="torch threads (default 2: the issue's two CPU cores)")
    parser.add_argument("--templates", nargs="+", default=["digits_cnn", "mnist_mlp"])
    parser.add_argument("--settings", nargs="+", default=DEFAULT_SETTINGS,
                        choices=list(SETTINGS))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = load_digits().on_device("cpu")
    pen = pen_digits()
    fonts_x, fonts_y, font_names = font_digits()
    if len(fonts_y) == 0:
        raise SystemExit("no usable fonts found with fc-list: the font digits need fontconfig")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.epochs} epochs, "
          f"{len(data.train_y):,} training / {len(data.val_y):,} validation digits, "
          f"{len(pen[1])} pen digits, {len(fonts_y)} font digits from {len(font_names)} fonts",
          flush=True)
    header = ("| template | augmentation | validation | pen digits | font digits | seconds | "
              f"{TARGET:.0%} at epoch / s |\n|---|---|---:|---:|---:|---:|---:|")
    results = []
    for template in args.templates:
        for setting in args.settings:
            results.append(run(template, setting, args.epochs, data, pen, (fonts_x, fonts_y)))
            print(row(results[-1]), flush=True)
    report(header, results)


def report(header: str, results: list[dict]) -> None:
    print("\n" + header)
    for result in results:
        print(row(result))
    print("\nAccuracy per digit on the pen digits\n")
    print("| template | augmentation | " + " | ".join(str(d) for d in range(10)) + " |")
    print("|---|---|" + "---:|" * 10)
    for result in results:
        print(f"| {result['template']} | {result['setting']} | "
              + " | ".join(f"{a:.0%}" for a in result["per_digit"]) + " |")


if __name__ == "__main__":
    main()
