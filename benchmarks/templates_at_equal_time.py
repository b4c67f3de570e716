"""Benchmark: validation accuracy of two templates trained for the same wall-clock time.

Issue 15 asks that ``resnet_digits`` beat ``digits_cnn`` on the embedded digits at equal
training time. For each template, two epochs are timed first (the second, after warm-up, sets
the pace); the number of epochs that fills the budget then trains from scratch (Adam, lr 1e-3,
batch 64, augmentation, cosine schedule) for each seed, and the final validation accuracy,
validation loss and seconds are printed, with the mean over the seeds.

    .venv/bin/python benchmarks/templates_at_equal_time.py [--budget 60] [--seeds 0 1 2]
        [--templates resnet_digits digits_cnn]

Run it on a quiet machine: the epoch count comes from the timing, so a busy machine gives
each template fewer epochs than it would otherwise get.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from netbuilder.core.builder import build
from netbuilder.core.data import load_digits
from netbuilder.core.resources import load_template
from netbuilder.core.training import TrainConfig, Trainer, reset_weights


def config(epochs: int, seed: int) -> TrainConfig:
    return TrainConfig(epochs=epochs, seed=seed, augment=True, schedule="cosine", device="cpu")


def seconds_per_epoch(name: str, data) -> float:
    """The second epoch's seconds (the first one pays for warm-up), plus the run's share of
    set-up and validation, from a 2-epoch run."""
    model = build(load_template(name))
    reset_weights(model, 0)
    start = time.perf_counter()
    history = Trainer(model, data, config(2, 0)).train()
    total = time.perf_counter() - start
    return max(history[1].seconds, total / 2 - (history[0].seconds - history[1].seconds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per training run")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--templates", nargs="+", default=["resnet_digits", "digits_cnn"])
    args = parser.parse_args()
    torch.set_num_threads(torch.get_num_threads())
    data = load_digits().on_device("cpu")
    print(f"budget {args.budget:.0f} s per run, seeds {args.seeds}, "
          f"{torch.get_num_threads()} threads")
    for name in args.templates:
        epochs = max(1, round(args.budget / seconds_per_epoch(name, data)))
        accuracies, losses, times = [], [], []
        for seed in args.seeds:
            model = build(load_template(name))
            reset_weights(model, seed)
            start = time.perf_counter()
            last = Trainer(model, data, config(epochs, seed)).train()[-1]
            times.append(time.perf_counter() - start)
            accuracies.append(last.val_accuracy)
            losses.append(last.val_loss)
            print(f"  {name:16s} seed {seed}: {epochs:3d} epochs {times[-1]:6.1f} s  "
                  f"val acc {last.val_accuracy:.4f}  val loss {last.val_loss:.4f}", flush=True)
        print(f"{name:16s} mean over {len(args.seeds)} seeds: val acc "
              f"{statistics.mean(accuracies):.4f}  val loss {statistics.mean(losses):.4f}  "
              f"{statistics.mean(times):.1f} s", flush=True)


if __name__ == "__main__":
    main()
