"""Build ``netbuilder/resources/data/deliveries.csv``, a small table for tabular classification.

Why
---
A classifier on a table needs what real tables have: numbers on different scales, text
categories and a text target. This synthetic table has all three, needs no download, and has
a rule a small network can learn but a single feature cannot, so the `tabular_classifier`
template shows accuracy well above guessing.

What
----
600 parcels with ``weight_kg`` (0.1–30), ``distance_km`` (1–800), ``service`` (economy,
standard, express), ``region`` (north, south, east, west) and ``fragile`` (yes, no), and the
target ``arrival`` (early, on time, late). A parcel's delay score is ::

    distance_km / 200 + weight_kg / 15 + {economy: 1.5, standard: 0.5, express: -1}[service]
    + {north: 0.8, south: 0, east: 0.3, west: -0.2}[region] + (0.4 if fragile) + noise

with normal noise of standard deviation 0.4; below 2.6 the parcel is early, above 4.1 late,
on time between. Made up, not measured.

Random numbers come from ``random.Random(SEED).random()``, whose sequence Python guarantees,
so a rerun gives identical bytes. From the repository root::

    python scripts/make_classification_csv.py            # writes the file
    python scripts/make_classification_csv.py --check    # exits 1 if the shipped file differs
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path

SEED = 20261130
ROWS = 600
SERVICES = {"economy": 1.5, "standard": 0.5, "express": -1.0}
REGIONS = {"north": 0.8, "south": 0.0, "east": 0.3, "west": -0.2}
DEFAULT_OUTPUT = (Path(__file__).resolve().parents[1]
                  / "netbuilder/resources/data/deliveries.csv")


def arrival(weight: float, distance: float, service: str, region: str, fragile: bool,
            noise: float) -> str:
    score = (distance / 200 + weight / 15 + SERVICES[service] + REGIONS[region]
             + (0.4 if fragile else 0.0) + noise)
    return "early" if score < 2.6 else "late" if score > 4.1 else "on time"


def make_csv(seed: int = SEED, rows: int = ROWS) -> str:
    """The whole CSV file as text."""
    generator = random.Random(seed)
    lines = ["weight_kg,distance_km,service,region,fragile,arrival"]
    for _ in range(rows):
        weight = round(0.1 + 29.9 * generator.random() ** 2, 2)
        distance = round(1 + 799 * generator.random(), 1)
        service = list(SERVICES)[int(generator.random() * len(SERVICES))]
        region = list(REGIONS)[int(generator.random() * len(REGIONS))]
        fragile = generator.random() < 0.3
        u1, u2 = 1.0 - generator.random(), generator.random()
        noise = 0.4 * math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
        label = arrival(weight, distance, service, region, fragile, noise)
        lines.append(f"{weight:.2f},{distance:.1f},{service},{region},"
                     f"{'yes' if fragile else 'no'},{label}")
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
