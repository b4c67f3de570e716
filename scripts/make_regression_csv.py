"""Build ``netbuilder/resources/data/tutorial_regression.csv``, the tutorial's regression data.

Why
---
The tutorial's ``MyModel`` (``nn.Linear(10, 20)``, ``ReLU``, ``nn.Linear(20, 1)``, MSE loss)
needs a table with 10 numeric inputs and one numeric output. This synthetic table is small,
needs no download, and has a target that a straight line cannot fit but that 20 ReLU units can
mostly learn, so the tutorial shows a falling loss that is not trivially zero.

What
----
1,000 rows; columns ``x1`` … ``x10`` and ``y``. Each ``x`` is uniform in [-2, 2]; after rounding
the features to 4 decimals, ::

    y = sin(x1) + 0.5 * x2 * x3 + 0.25 * x4**2 + tanh(x5) - 0.5 * x6
        + 0.3 * cos(2 * x7) + 0.2 * x8 + noise

with ``noise`` normal with standard deviation 0.05 (Box–Muller). ``x9`` and ``x10`` do not enter
``y``: they are distractors the network must learn to ignore. All values are written with 4
decimals, "\\n" line endings.

Random numbers come from the standard library's ``random.Random(SEED).random()``, whose sequence
Python guarantees across versions, so running the script twice (or on another machine) gives
identical bytes. From the repository root::

    python scripts/make_regression_csv.py            # writes the file
    python scripts/make_regression_csv.py --check    # exits 1 if the shipped file differs
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path

SEED = 20240611
ROWS = 1_000
FEATURES = 10
NOISE_STD = 0.05
DEFAULT_OUTPUT = (Path(__file__).resolve().parents[1]
                  / "netbuilder/resources/data/tutorial_regression.csv")


def _fixed(value: float) -> str:
    """4 decimals, never "-0.0000"."""
    text = f"{value:.4f}"
    return "0.0000" if text == "-0.0000" else text


def target(x: list[float]) -> float:
    """The noiseless y of one row (x[0] is x1)."""
    return (math.sin(x[0]) + 0.5 * x[1] * x[2] + 0.25 * x[3] ** 2 + math.tanh(x[4])
            - 0.5 * x[5] + 0.3 * math.cos(2 * x[6]) + 0.2 * x[7])


def make_csv(seed: int = SEED, rows: int = ROWS) -> str:
    """The whole CSV file as text."""
    generator = random.Random(seed)
    lines = [",".join([*(f"x{i}" for i in range(1, FEATURES + 1)), "y"])]
    for _ in range(rows):
        x = [round(-2.0 + 4.0 * generator.random(), 4) for _ in range(FEATURES)]
        u1, u2 = 1.0 - generator.random(), generator.random()  # u1 in (0, 1]: log is finite
        noise = NOISE_STD * math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
        lines.append(",".join([*map(_fixed, x), _fixed(target(x) + noise)]))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true",
                        help="compare with the existing file instead of writing it")
    args = parser.parse_args(argv)
    data = make_csv().encode("ascii")
    if args.check:
        same = args.output.is_file() and args.output.read_bytes() == data
        print(f"{args.output}: {'up to date' if same else 'DIFFERS'}")
        return 0 if same else 1
    args.output.write_bytes(data)
    print(f"{args.output}: {ROWS} rows, {len(data):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
