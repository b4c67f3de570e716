"""Write a small folder of coloured shapes, and a project that trains a CNN on it.

    python scripts/make_shapes_folder.py OUTDIR [--per-class 120] [--size 48]

OUTDIR gets ``circle/``, ``square/`` and ``triangle/`` with PNG images (a shape of a random
colour, size and place on a random background; seeded, so a rerun gives the same images), and
``shapes.json``: a netbuilder project with a small CNN for 3×32×32 images and the dataset
``folder:OUTDIR/images?size=32``. It is a quick colour-image dataset for trying the app (Try,
Normalize, flips) without a download; the README's "Try an image" picture was made with it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw

SHAPES = ("circle", "square", "triangle")


def draw_shape(generator: random.Random, shape: str, size: int) -> Image.Image:
    background = tuple(generator.randrange(0, 256) for _ in range(3))
    colour = tuple((c + 96 + generator.randrange(0, 64)) % 256 for c in background)
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    extent = generator.uniform(0.35, 0.7) * size
    x0 = generator.uniform(0, size - extent)
    y0 = generator.uniform(0, size - extent)
    box = (x0, y0, x0 + extent, y0 + extent)
    if shape == "circle":
        draw.ellipse(box, fill=colour)
    elif shape == "square":
        draw.rectangle(box, fill=colour)
    else:
        draw.polygon([(x0 + extent / 2, y0), (x0, y0 + extent), (x0 + extent, y0 + extent)],
                     fill=colour)
    return image


def project(folder: Path) -> dict:
    conv = [
        {"kind": "Conv2d", "name": "conv1",
         "args": {"in_channels": 3, "out_channels": 16, "kernel_size": 3, "padding": 1}},
        {"kind": "ReLU", "name": "relu1"},
        {"kind": "MaxPool2d", "name": "pool1", "args": {"kernel_size": 2}},
        {"kind": "Conv2d", "name": "conv2",
         "args": {"in_channels": 16, "out_channels": 32, "kernel_size": 3, "padding": 1}},
        {"kind": "ReLU", "name": "relu2"},
        {"kind": "MaxPool2d", "name": "pool2", "args": {"kernel_size": 2}},
        {"kind": "Flatten", "name": "flatten"},
        {"kind": "Linear", "name": "fc", "args": {"in_features": 2048, "out_features": 3}},
    ]
    network = {"format": "netbuilder.network", "version": 1, "class_name": "ShapesCNN",
               "input_shape": [3, 32, 32], "num_classes": 3, "layers": conv,
               "description": "A small CNN for 32×32 colour images of circles, squares and "
                              "triangles (scripts/make_shapes_folder.py)."}
    return {"format": "netbuilder.project", "version": 2, "network": network,
            "dataset": f"folder:{folder / 'images'}?size=32",
            "training": {"epochs": 20, "lr": 0.002, "augment": True}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--per-class", type=int, default=400)
    parser.add_argument("--size", type=int, default=48)
    args = parser.parse_args(argv)
    generator = random.Random(20261130)
    folder = args.out_dir.resolve()
    for shape in SHAPES:
        (folder / "images" / shape).mkdir(parents=True, exist_ok=True)
        for index in range(args.per_class):
            draw_shape(generator, shape, args.size).save(
                folder / "images" / shape / f"{index:04d}.png")
    (folder / "shapes.json").write_text(json.dumps(project(folder), indent=2) + "\n")
    print(f"{folder}: {len(SHAPES) * args.per_class} images; project {folder / 'shapes.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
