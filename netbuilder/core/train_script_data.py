"""The dataset half of a training script (see :mod:`netbuilder.core.train_script`): which of
the four kinds of data a dataset name is, the checked ``DATA`` constants the script carries for
it, and the source text the script loads it with (the seeded split, one loader per kind, its
command-line options, its help text and the imports it needs beside the common ones).
"""

from __future__ import annotations

from typing import Any

from netbuilder.core.registry import (
    DATASETS,
    DEFAULT_DATASET,
    csv_options,
    csv_path,
    folder_options,
    folder_path,
    folder_problem,
    is_csv,
    is_dataset_name,
    is_folder,
)
from netbuilder.core.tabular import check_preprocessing

DRAWN_SUFFIX = "+drawn"  # the window's mix of a dataset with drawn examples: its base is used

# The four kinds of data a script can load, each with its own loader below.
DIGITS_KIND, TORCHVISION_KIND, FOLDER_KIND, CSV_KIND = "digits", "torchvision", "folder", "csv"

_SAME_SPLIT = "\nThe train/validation split is netbuilder's for the same --seed and --val-split."
DATA_HELP = {
    DIGITS_KIND: "Data: netbuilder's embedded digits (--data PATH.npz), or torchvision's MNIST\n"
                 "with --mnist ROOT (its test set validates)." + _SAME_SPLIT,
    TORCHVISION_KIND: "Data: torchvision's <<TITLE>>, downloaded into --data-dir (./data) on\n"
                      "first use; its test set validates, as in netbuilder.",
    FOLDER_KIND: "Data: an image folder, one sub-folder per class (--data PATH for another),\n"
                 "loaded with Pillow as netbuilder loads it." + _SAME_SPLIT,
    CSV_KIND: "Data: a CSV table (--data PATH for another with the same columns), its rows made\n"
              "features by preprocess() with the statistics from netbuilder's training."
              + _SAME_SPLIT,
}

SPLIT_SOURCE = r'''def split(inputs, targets, args):
    """netbuilder's seeded split: torch.randperm(n) with the seed; its first
    max(1, round(n × val_split)) examples validate, the rest train."""
    count = len(targets)
    val_count = max(1, round(count * args.val_split))
    if not 0 < args.val_split < 1 or count - val_count < 1:
        raise SystemExit(f"--val-split {args.val_split} cannot split {count} examples")
    order = torch.randperm(count, generator=torch.Generator().manual_seed(args.seed))
    val, train = order[:val_count], order[val_count:]
    return inputs[train], targets[train], inputs[val], targets[val]
'''

_DIGITS_LOADER = r'''def find_digits():
    """The embedded digits of an installed netbuilder (no netbuilder import needed)."""
    spec = importlib.util.find_spec("netbuilder")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("give --data PATH.npz (or --mnist ROOT): netbuilder is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return folder / "resources" / "data" / "digits.npz"


def load_data(args):
    """(train_x, train_y, val_x, val_y, classes): uint8 images N×1×28×28 and class indices."""
    if args.mnist:
        from torchvision import datasets

        train = datasets.MNIST(args.mnist, train=True, download=True)
        test = datasets.MNIST(args.mnist, train=False, download=True)
        return (train.data.unsqueeze(1).clone(), train.targets.long(),
                test.data.unsqueeze(1).clone(), test.targets.long(), DATA["classes"])
    with np.load(args.data or find_digits(), allow_pickle=False) as archive:
        images = torch.from_numpy(archive["images"].copy())
        labels = torch.from_numpy(archive["labels"].astype(np.int64))
    if images.dim() == 3:
        images = images.unsqueeze(1)
    return (*split(images, labels, args), DATA["classes"])
'''

_TORCHVISION_LOADER = r'''def images_of(data):
    """A torchvision dataset's data as uint8 [N, C, H, W]: the MNIST family's tensor
    [N, H, W], or CIFAR's numpy array [N, H, W, C]."""
    if isinstance(data, torch.Tensor):
        return data.unsqueeze(1).clone()
    return torch.from_numpy(data).permute(0, 3, 1, 2).contiguous()


def load_data(args):
    """(train_x, train_y, val_x, val_y, classes): torchvision's training set trains and its
    test set validates, as in netbuilder (--val-split does not apply)."""
    from torchvision import datasets

    kind = getattr(datasets, DATA["class"])
    try:
        train = kind(args.data_dir, train=True, download=True)
        test = kind(args.data_dir, train=False, download=True)
    except (RuntimeError, OSError, EOFError, ValueError) as exc:
        raise SystemExit(f"{DATA['class']} is not in {args.data_dir} and could not be "
                         f"downloaded: {exc}") from None

    def labels(targets):
        return torch.as_tensor(targets).to(torch.int64).clone()

    return (images_of(train.data), labels(train.targets), images_of(test.data),
            labels(test.targets), DATA["classes"])
'''

_FOLDER_LOADER = r'''def gray_pixels(image):
    """A grayscale-mode image as uint8 [H, W]: 16-bit values scaled to 8 bits, I values above
    255 read as 16-bit, F clipped to 0-255; alpha dropped."""
    if image.mode.startswith("I;16"):
        return np.round(np.asarray(image, dtype=np.float64) / 257.0).astype(np.uint8)
    if image.mode == "I":
        values = np.asarray(image, dtype=np.float64)
        if values.size and values.max() > 255:
            values = values / 257.0
        return np.clip(np.round(values), 0, 255).astype(np.uint8)
    if image.mode == "F":
        return np.clip(np.round(np.asarray(image, dtype=np.float64)), 0, 255).astype(np.uint8)
    return np.asarray(image.convert("L"), dtype=np.uint8)


def pixels_of(image, color):
    """The image as uint8 [H, W] (grayscale) or [H, W, 3] as color asks; auto keeps an image
    whose pixels all have R == G == B as grayscale. Alpha is dropped."""
    gray_mode = image.mode in GRAY_MODES
    if color == "grayscale" and not gray_mode:
        return np.asarray(image.convert("L"), dtype=np.uint8)
    if gray_mode:
        gray = gray_pixels(image)
        return np.repeat(gray[:, :, None], 3, axis=2) if color == "rgb" else gray
    rgb = np.asarray(image.convert("RGB") if image.mode != "RGB" else image, dtype=np.uint8)
    if color == "auto" and (rgb[:, :, 0] == rgb[:, :, 1]).all() and \
            (rgb[:, :, 1] == rgb[:, :, 2]).all():
        return np.ascontiguousarray(rgb[:, :, 0])
    return rgb


def fitted(pixels, size, fit, cap):
    """pixels made size×size by fit (resize: squeezed; crop: the centre square, scaled); with
    size None only made smaller where a side exceeds cap, to be sized later. Bilinear."""
    from PIL import Image

    image = Image.fromarray(pixels)
    width, height = image.size
    if fit == "crop":
        side = min(width, height)
        if width != height:
            left, top = (width - side) // 2, (height - side) // 2
            image = image.crop((left, top, left + side, top + side))
        box = (size, size) if size else (min(side, cap),) * 2
    else:
        box = (size, size) if size else (min(width, cap), min(height, cap))
    if image.size != box:
        image = image.resize(box, Image.Resampling.BILINEAR)
    return np.array(image, dtype=np.uint8)


def load_data(args):
    """(train_x, train_y, val_x, val_y, classes): uint8 images N×C×S×S, class indices.

    As netbuilder loads a folder: classes are the sorted sub-folders, images the files with an
    image suffix found in them (sorted); S is the size option, else the median of the images'
    shorter sides kept within AUTO_SIZES; C is 1 for grayscale, 3 for RGB, and with color auto
    1 only when every image is grayscale. Unreadable files are skipped."""
    from PIL import Image, UnidentifiedImageError

    folder, size, fit, color = Path(args.data), DATA["size"], DATA["fit"], DATA["color"]
    if not folder.is_dir():
        raise SystemExit(f"image folder {folder} does not exist")
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    files = [(path, index) for index, name in enumerate(classes)
             for path in sorted((folder / name).rglob("*"))
             if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()]
    cap = AUTO_SIZES[1]
    arrays, labels, shorter, unreadable = [], [], [], []
    for path, index in files:
        try:
            with Image.open(path) as image:
                side = min(image.size)
                target = size or cap
                image.draft(None, (target, target))  # JPEG: decode at a scale >= the target
                pixels = pixels_of(image, color)
            arrays.append(fitted(pixels, size, fit, cap))
        except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
            unreadable.append(path.name)
            continue
        labels.append(index)
        shorter.append(side)
    if len(set(labels)) < 2:
        raise SystemExit(f"{folder} needs readable images in at least two class sub-folders "
                         f"({len(arrays)} read; unreadable: {', '.join(unreadable) or 'none'})")
    if size is None:
        size = min(AUTO_SIZES[1], max(AUTO_SIZES[0], statistics.median_low(shorter)))
    channels = 1 if color == "grayscale" or (
        color == "auto" and all(a.ndim == 2 for a in arrays)) else 3
    stacked = np.empty((len(arrays), channels, size, size), dtype=np.uint8)
    for i, pixels in enumerate(arrays):
        if pixels.shape[:2] != (size, size):
            pixels = np.asarray(Image.fromarray(pixels).resize((size, size),
                                                               Image.Resampling.BILINEAR))
        stacked[i] = pixels if pixels.ndim == 2 else pixels.transpose(2, 0, 1)
        arrays[i] = None  # the stacked copy is the one kept
    images, targets = torch.from_numpy(stacked), torch.tensor(labels, dtype=torch.int64)
    return (*split(images, targets, args), len(classes))
'''

_CSV_LOADER = r'''def read_rows(path):
    """The header's column names (stripped) and the data rows as dicts, from csv.DictReader;
    blank lines are skipped, as netbuilder skips them."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            reader = csv.DictReader(file, strict=True)
            names = [name.strip() for name in reader.fieldnames or ()]
            if not names:
                raise SystemExit(f"{path} is empty: its first row must name the columns")
            reader.fieldnames = names
            rows = []
            for row in reader:
                if None in row or None in row.values():
                    raise SystemExit(f"{path}: line {reader.line_num} does not have the "
                                     f"{len(names)} fields of the header")
                rows.append(row)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SystemExit(f"{path}: {exc}") from None
    return names, rows


def load_data(args):
    """(train_x, train_y, val_x, val_y, classes): float32 features from preprocess(), and
    class indices (classes: their count) or float32 targets N×1 for a regression (classes:
    0). The split is netbuilder's, so the validation rows are those netbuilder kept out."""
    names, rows = read_rows(args.data)
    target = DATA["target"]
    if target not in names:
        raise SystemExit(f"{args.data} has no column {target!r} (the target) among "
                         f"{', '.join(names)}")
    try:
        features = preprocess(rows)
    except ValueError as exc:
        raise SystemExit(f"{args.data}: {exc} (rows counted from the first data row)") from None
    texts = [row[target].strip() for row in rows]
    if DATA["task"] == "regression":
        values = []
        for number, text in enumerate(texts, start=1):
            value = float(text) if NUMBER.fullmatch(text) else math.inf
            if not math.isfinite(value):
                raise SystemExit(f"{args.data}: data row {number}, column {target}: {text!r} "
                                 "is not a finite number")
            values.append(value)
        targets = torch.tensor(values, dtype=torch.float64).to(torch.float32).reshape(-1, 1)
        return (*split(features, targets, args), 0)
    place = {name: i for i, name in enumerate(DATA["classes"])}
    labels = []
    for number, text in enumerate(texts, start=1):
        key = text
        if key not in place and NUMBER.fullmatch(text):  # 3.0 is the class named 3
            value = float(text)
            key = str(int(value)) if value.is_integer() else repr(value)
        if key not in place:
            raise SystemExit(f"{args.data}: data row {number}, column {target}: {text!r} is "
                             "not one of the classes the network was trained on")
        labels.append(place[key])
    targets = torch.tensor(labels, dtype=torch.int64)
    return (*split(features, targets, args), len(place))
'''

DATA_ARGUMENT_SOURCES = {
    DIGITS_KIND: r'''    parser.add_argument("--data", metavar="PATH",
                        help="digits .npz (default: netbuilder's embedded digits)")
    parser.add_argument("--mnist", metavar="ROOT", help="use torchvision's MNIST in ROOT")
''',
    TORCHVISION_KIND: r'''    parser.add_argument("--data-dir", default="./data", metavar="ROOT",
                        help="where torchvision keeps (and downloads) the dataset")
''',
    FOLDER_KIND: r'''    parser.add_argument("--data", default=DATA["path"], metavar="PATH",
                        help="the image folder (default: the one the network was trained on)")
''',
    CSV_KIND: r'''    parser.add_argument("--data", default=DATA["path"], metavar="PATH",
                        help="the CSV file (default: the one the network was trained on)")
''',
}

LOADER_SOURCES = {DIGITS_KIND: _DIGITS_LOADER, TORCHVISION_KIND: _TORCHVISION_LOADER,
                  FOLDER_KIND: _FOLDER_LOADER, CSV_KIND: _CSV_LOADER}
# The standard-library and third-party imports of each kind, beside the script's common ones.
KIND_STDLIB = {DIGITS_KIND: ("importlib.util",), TORCHVISION_KIND: (),
                FOLDER_KIND: ("statistics",), CSV_KIND: ("csv", "re")}
KIND_NUMPY = {DIGITS_KIND: True, TORCHVISION_KIND: False, FOLDER_KIND: True, CSV_KIND: False}


def data_constants(dataset: str, preprocessing: dict | None
                    ) -> tuple[str, dict[str, Any], str]:
    """(kind, the script's DATA dict, a title for the docstring) of a dataset name, checked.

    Raises ValueError for a name netbuilder does not know, folder options it does not accept,
    or a table without the preprocessing its training made."""
    base = dataset.removesuffix(DRAWN_SUFFIX) if isinstance(dataset, str) else dataset
    problem = folder_problem(base) if isinstance(base, str) and is_folder(base) else None
    if problem:
        raise ValueError(f"{base}: {problem}")
    if not is_dataset_name(base):
        raise ValueError(f"cannot write a training script for the dataset {dataset!r}")
    if base == DEFAULT_DATASET:
        return DIGITS_KIND, {"kind": DIGITS_KIND, "classes": DATASETS[base].num_classes}, base
    if base in DATASETS:
        info = DATASETS[base]
        if info.torchvision_class is None:
            raise ValueError(f"cannot write a training script for the dataset {dataset!r}")
        return TORCHVISION_KIND, {"kind": TORCHVISION_KIND, "name": base,
                                  "class": info.torchvision_class,
                                  "classes": info.num_classes}, info.title
    if is_folder(base):
        options = folder_options(base)  # ValueError for options it does not take
        return FOLDER_KIND, {"kind": FOLDER_KIND, "path": folder_path(base),
                             "size": options.get("size"), "fit": options.get("fit", "resize"),
                             "color": options.get("color", "auto")}, folder_path(base)
    assert is_csv(base)
    if not preprocessing:
        raise ValueError(f"{base}: the network must be trained once first: a table's script "
                         "needs the statistics (means, scales, categories) its training made")
    clean = check_preprocessing(preprocessing)  # TabularError, a ValueError, names the field
    options = csv_options(base)
    if options["target"] and options["target"] != clean["target"]:
        raise ValueError(f"{base}: the preprocessing is for the target {clean['target']!r}, "
                         f"not {options['target']!r}; train the network on it once first")
    if options["task"] != "auto" and options["task"] != clean["task"]:
        raise ValueError(f"{base}: the preprocessing is for a {clean['task']}, not a "
                         f"{options['task']}; train the network on it once first")
    return CSV_KIND, {"kind": CSV_KIND, "path": csv_path(base), "target": clean["target"],
                      "task": clean["task"], "classes": clean.get("classes", [])}, csv_path(base)
