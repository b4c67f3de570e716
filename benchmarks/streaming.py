"""Benchmark: a large image folder in memory vs streamed from disk (issue 16).

Generates once (into FOLDER, default <temp dir>/netbuilder-streaming-bench) an ImageFolder of
20,000 64×64 JPEGs in 10 classes (random coloured shapes, seeded), then trains a small CNN (two
convolutions) for one epoch on it in each mode, each in a fresh child process so that its peak
memory is its own:

* memory: ``load_dataset(…, stream_threshold=inf)``: every image decoded into one uint8 tensor,
  a float32 copy made for the trainer (today's path);
* stream: ``load_dataset(…, stream_threshold=0)``: files decoded batch by batch by DataLoader
  worker processes (``--workers``, default ``streaming.default_workers()``).

Reported: the time to load (decode everything, or list and read headers), the epoch's training
samples/s (the trainer's EpochEnd figure: batches only), the epoch's wall time with validation,
and peak resident memory: ``resource.getrusage`` ru_maxrss of the training process (at the
start, after the imports; at the epoch's last batch, before validation, whose 1,000-image
forward passes add their own peak; at the end), and for the worker processes, read from /proc at
the end of training, the largest peak RSS (a forked worker's includes the pages it shares with
its parent) and the sum of their private memory.

    .venv/bin/python benchmarks/streaming.py [FOLDER] [--count 20000] [--epochs 1]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLASSES = 10
SIZE = 64
MARKER = "netbuilder-bench.json"  # what was generated, so a second run reuses the folder


def generate(folder: Path, count: int, seed: int = 0) -> None:
    """``count`` JPEGs of SIZE×SIZE in CLASSES class folders: a class is a shape (its kind and
    number of corners), drawn in random colours, places and sizes on a random background."""
    import numpy as np
    from PIL import Image, ImageDraw

    marker = folder / MARKER
    wanted = {"count": count, "size": SIZE, "classes": CLASSES, "seed": seed}
    if marker.is_file() and json.loads(marker.read_text()) == wanted:
        return
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    for c in range(CLASSES):
        (folder / f"shape{c}").mkdir(parents=True, exist_ok=True)
    for i in range(count):
        c = i % CLASSES
        background = tuple(int(v) for v in rng.integers(0, 256, 3))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        image = Image.new("RGB", (SIZE, SIZE), background)
        draw = ImageDraw.Draw(image)
        cx, cy = rng.uniform(20, SIZE - 20, 2)
        radius = rng.uniform(10, 20)
        if c == 0:
            draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=colour)
        elif c == 1:
            draw.rectangle((cx - radius, cy - radius, cx + radius, cy + radius), fill=colour)
        elif c == 2:
            draw.line((cx - radius, cy, cx + radius, cy), fill=colour, width=5)
        elif c == 3:
            draw.line((cx, cy - radius, cx, cy + radius), fill=colour, width=5)
        elif c == 4:
            draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=colour,
                         width=4)
        else:  # regular polygons of 3 to 7 corners
            draw.regular_polygon((cx, cy, radius), c - 2, rotation=float(rng.uniform(0, 360)),
                                 fill=colour)
        image.save(folder / f"shape{c}" / f"{i:06}.jpg", quality=90)
    marker.write_text(json.dumps(wanted))
    print(f"generated {count:,} images in {folder} in {time.perf_counter() - started:.0f} s",
          flush=True)


def small_cnn():
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * (SIZE // 4) ** 2, CLASSES))


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def workers_memory_mb() -> tuple[float, float]:
    """The worker processes (this process's children, from /proc; Linux only): the largest
    peak RSS (VmHWM, shared pages included) and the sum of their private memory now."""
    pid = os.getpid()
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return math.nan, math.nan
    peak = private = 0.0
    for child in children:
        try:
            status = Path(f"/proc/{child}/status").read_text().splitlines()
            rollup = Path(f"/proc/{child}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        for line in status:
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]) / 1024)
        private += sum(int(line.split()[1]) for line in rollup
                       if line.startswith(("Private_Clean:", "Private_Dirty:"))) / 1024
    return peak, private


def measure(folder: Path, mode: str, epochs: int, workers: int | None) -> dict:
    """One mode, in this (child) process."""
    import torch

    from netbuilder.core import streaming
    from netbuilder.core.data import load_dataset
    from netbuilder.core.training import (
        BatchEnd,
        EpochEnd,
        Failed,
        TrainConfig,
        Trainer,
        reset_weights,
    )

    base = max_rss_mb()
    started = time.perf_counter()
    data = load_dataset(f"folder:{folder}", stream_threshold=math.inf if mode == "memory" else 0)
    load_s = time.perf_counter() - started
    if mode == "stream":
        assert isinstance(data, streaming.StreamingDataset)
        if workers is not None:
            data.num_workers = workers
    model = small_cnn()
    reset_weights(model, 0)
    trainer = Trainer(model, data, TrainConfig(epochs=epochs, batch_size=64, lr=1e-3))
    epoch_ends = []
    before_validation = 0.0
    began = time.perf_counter()
    for event in trainer.run():
        if isinstance(event, BatchEnd):  # the evaluation at the epoch's end has not begun
            before_validation = max_rss_mb()
        if isinstance(event, EpochEnd):
            epoch_ends.append(event)
        if isinstance(event, Failed):
            raise SystemExit(event.message)
    wall = time.perf_counter() - began
    worker_peak, worker_private = workers_memory_mb() if mode == "stream" else (0.0, 0.0)
    if mode == "stream":
        trainer.data.close()
        data.close()
    last = epoch_ends[-1]
    return {
        "mode": mode, "images": len(data.train_labels) + len(data.val_labels),
        "shape": data.input_shape,
        "workers": data.num_workers if mode == "stream" else 0,
        "threads": torch.get_num_threads(), "load_s": load_s,
        "samples_per_s": sum(e.samples_per_s for e in epoch_ends) / len(epoch_ends),
        "epoch_s": wall / epochs, "val_accuracy": last.val_accuracy,
        "base_rss_mb": base, "training_rss_mb": before_validation,
        "peak_rss_mb": max_rss_mb(),
        "worker_peak_rss_mb": worker_peak, "worker_private_mb": worker_private,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?",
                        default=str(Path(tempfile.gettempdir()) / "netbuilder-streaming-bench"))
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--modes", default="memory,stream")
    parser.add_argument("--child", choices=["memory", "stream"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    folder = Path(args.folder)
    if args.child:
        print(json.dumps(measure(folder, args.child, args.epochs, args.workers)))
        return
    generate(folder, args.count)
    rows = []
    for mode in args.modes.split(","):
        command = [sys.executable, __file__, str(folder), "--child", mode,
                   "--epochs", str(args.epochs)]
        if args.workers is not None:
            command += ["--workers", str(args.workers)]
        done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
        if done.returncode:
            raise SystemExit(f"{mode} failed:\n{done.stderr}")
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"{mode}: done", flush=True)
    first = rows[0]
    print(f"\n{first['images']:,} images {'×'.join(map(str, first['shape']))}, small CNN, "
          f"batch 64, {args.epochs} epoch(s), {os.cpu_count()} CPUs, "
          f"{first['threads']} torch threads\n")
    header = (f"{'mode':<8}{'workers':>8}{'load s':>9}{'train samples/s':>17}{'epoch s':>9}"
              f"{'val acc':>9}{'RSS at start MB':>17}{'peak in batches MB':>20}"
              f"{'peak RSS MB':>13}"
              f"{'worker peak MB':>16}{'worker private MB':>19}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['mode']:<8}{r['workers']:>8}{r['load_s']:>9.1f}{r['samples_per_s']:>17.0f}"
              f"{r['epoch_s']:>9.1f}{r['val_accuracy']:>9.3f}{r['base_rss_mb']:>17.0f}"
              f"{r['training_rss_mb']:>20.0f}"
              f"{r['peak_rss_mb']:>13.0f}{r['worker_peak_rss_mb']:>16.0f}"
              f"{r['worker_private_mb']:>19.0f}")


if __name__ == "__main__":
    main()
