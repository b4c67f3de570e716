"""The choices a person makes before training, named once: datasets, losses, optimizers,
learning-rate schedules and devices.

The command line (argparse choices and help), project files (what a file may ask for), the
loaders and the trainer, and the window's combo boxes all read these tables, so adding a
dataset or an optimizer is one entry here plus the code that implements it. This module
imports nothing from the rest of netbuilder, so every other module may import it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CSV_PREFIX = "csv:"
CSV_CHOICE = "csv:PATH"  # a table: --target names the column to predict
TASKS = ("auto", "classification", "regression")  # what a CSV's target is; auto: decided by it
FOLDER_PREFIX = "folder:"
FOLDER_CHOICE = "folder:PATH"  # how help texts and messages write the image-folder kind
MAX_FOLDER_NAME = 4096
# Options of an image folder, written after its path: folder:PATH?size=32&fit=crop&color=rgb.
# size: images become size×size (unset: the median of their shorter sides, within
# FOLDER_AUTO_SIZES); fit: how an image that is not square becomes square; color: channels
# (auto: 1 when every image is grayscale, else 3). See folder_options for how names are read.
FOLDER_OPTIONS = ("size", "fit", "color")
FOLDER_FITS = ("resize", "crop")  # resize: squeezed to a square; crop: the centre square
FOLDER_COLORS = ("auto", "rgb", "grayscale")
FOLDER_SIZES = (4, 512)  # the sizes an option may ask for
FOLDER_AUTO_SIZES = (8, 64)  # an unset size: the median shorter side, kept within these
_OPTION_PIECE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*=[^&]*")

DIGIT_CLASSES = tuple(str(i) for i in range(10))
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot")
KMNIST_CLASSES = ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo")
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck")
# CIFAR-100's fine labels in the order of its label indices (the dataset's "meta" file, which
# only exists after the download, holds the same list).
CIFAR100_CLASSES = tuple("""
apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly
camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile
cup dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo keyboard lamp
lawn_mower leopard lion lizard lobster man maple_tree motorcycle mountain mouse mushroom oak_tree
orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine possum
rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider
squirrel streetcar sunflower sweet_pepper table tank telephone television tiger tractor train
trout tulip turtle wardrobe whale willow_tree wolf woman worm""".split())


@dataclass(frozen=True)
class DatasetInfo:
    """What is known of a named dataset before loading it."""

    name: str  # as the CLI, project files and the loaders spell it
    title: str  # for people
    input_shape: tuple[int, ...]  # one image, without the batch: channels, height, width
    class_names: tuple[str, ...]
    downloadable: bool  # fetched by torchvision on first use (else shipped with the app)
    torchvision_class: str | None = None  # the class in torchvision.datasets, if any
    description: str = ""
    # Whether a left-right mirror image is still an example of its class, so augmentation may
    # flip it: not for digits and characters (a mirrored 2 or ki is no longer one).
    flips: bool = False

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


DATASETS: dict[str, DatasetInfo] = {info.name: info for info in (
    DatasetInfo("digits", "Digits (embedded)", (1, 28, 28), DIGIT_CLASSES, False, None,
                "10,000 real MNIST digits shipped with the app: no download"),
    DatasetInfo("mnist", "MNIST", (1, 28, 28), DIGIT_CLASSES, True, "MNIST",
                "handwritten digits, 60,000 training and 10,000 test images"),
    DatasetInfo("fashion-mnist", "Fashion-MNIST", (1, 28, 28), FASHION_CLASSES, True,
                "FashionMNIST", "clothing in 10 classes, 60,000 + 10,000 images", flips=True),
    DatasetInfo("kmnist", "KMNIST", (1, 28, 28), KMNIST_CLASSES, True, "KMNIST",
                "cursive Japanese (Kuzushiji) characters in 10 classes, 60,000 + 10,000 images"),
    DatasetInfo("cifar10", "CIFAR-10", (3, 32, 32), CIFAR10_CLASSES, True, "CIFAR10",
                "small colour photos in 10 classes, 50,000 training and 10,000 test images",
                flips=True),
    DatasetInfo("cifar100", "CIFAR-100", (3, 32, 32), CIFAR100_CLASSES, True, "CIFAR100",
                "small colour photos in 100 classes, 50,000 training and 10,000 test images",
                flips=True),
)}
DEFAULT_DATASET = "digits"
DATASET_NAMES = tuple(DATASETS)  # the named ones, in the order to offer them
DOWNLOADABLE_DATASETS = tuple(name for name, info in DATASETS.items() if info.downloadable)


def is_folder(name: str) -> bool:
    """Whether ``name`` is the image-folder kind, ``folder:PATH`` (options or not)."""
    return name.startswith(FOLDER_PREFIX)


def _split_folder(name: str) -> tuple[str, str | None]:
    """``(path, options text or None)`` of a ``folder:`` name.

    The rule: the text after the name's LAST '?' is read as options when it is not empty and
    every '&'-separated piece of it has the form ``word=value``; otherwise there are no options
    and the whole rest of the name is the path. So a path may hold '?' ("folder:/data/why?" and
    "folder:/data/what?now" are plain paths); only a path whose last '?' is followed by
    ``word=value`` text needs options after it to be read whole, which :func:`folder_name`
    adds by itself.
    """
    rest = name[len(FOLDER_PREFIX):]
    head, mark, tail = rest.rpartition("?")
    if mark and tail and all(_OPTION_PIECE.fullmatch(piece) for piece in tail.split("&")):
        return head, tail
    return rest, None


def _option_value(key: str, value: str) -> int | str:
    """An option's value checked, or ValueError naming the option and what it may be."""
    if key == "size":
        low, high = FOLDER_SIZES
        if value.isascii() and value.isdigit() and low <= int(value) <= high:
            return int(value)
        expected = f"an integer from {low} to {high}"
    else:
        allowed = FOLDER_FITS if key == "fit" else FOLDER_COLORS
        if value in allowed:
            return value
        expected = "one of " + ", ".join(allowed)
    raise ValueError(f"image-folder option {key!r}: expected {expected}, got {value!r}")


def folder_options(name: str) -> dict[str, int | str]:
    """The options written in a ``folder:PATH?key=value&…`` name, checked: only those given
    (``size`` an int, ``fit`` and ``color`` strings); {} when there are none or ``name`` is not
    a folder. Raises ValueError naming the option for an unknown key, a key given twice or a
    value that is not allowed (see :func:`_split_folder` for when the text after '?' counts as
    options)."""
    if not is_folder(name):
        return {}
    _path, text = _split_folder(name)
    options: dict[str, int | str] = {}
    for piece in (text.split("&") if text else ()):
        key, _mark, value = piece.partition("=")
        if key not in FOLDER_OPTIONS:
            raise ValueError(f"unknown image-folder option {key!r}; expected "
                             f"{', '.join(FOLDER_OPTIONS)}")
        if key in options:
            raise ValueError(f"image-folder option {key!r} is given twice")
        options[key] = _option_value(key, value)
    return options


def folder_problem(name: str) -> str | None:
    """Why the options of a ``folder:`` name cannot be used, or None when they can."""
    try:
        folder_options(name)
    except ValueError as exc:
        return str(exc)
    return None


def folder_name(path: str, *, size: int | None = None, fit: str | None = None,
                color: str | None = None) -> str:
    """The dataset name of an image folder with these options (None: not written), in the
    order size, fit, color. A path that would otherwise be misread (its last '?' followed by
    ``word=value`` text) gets ``?fit=resize``, the default, so the name reads back whole.
    Raises ValueError for a value that is not allowed."""
    given = {"size": size, "fit": fit, "color": color}
    pieces = [f"{key}={_option_value(key, str(value))}" for key, value in given.items()
              if value is not None]
    if not pieces and _split_folder(FOLDER_PREFIX + path)[1] is not None:
        pieces = ["fit=resize"]
    return FOLDER_PREFIX + path + ("?" + "&".join(pieces) if pieces else "")


def folder_path(name: str) -> str:
    """The folder of a ``folder:PATH`` name, without its options."""
    return _split_folder(name)[0] if is_folder(name) else ""


def is_csv(name: str) -> bool:
    """Whether ``name`` is the table kind, ``csv:PATH``."""
    return name.startswith(CSV_PREFIX)


CSV_OPTIONS = ("target", "task")


def csv_name(path: str, target: str = "", task: str = "auto") -> str:
    """``csv:PATH?target=COLUMN&task=TASK``: one string says which table and what to predict,
    so projects, checkpoints and the CLI keep just the name. The column is %-encoded."""
    from urllib.parse import quote

    options = [f"target={quote(target, safe='')}"] if target else []
    if task != "auto":
        options.append(f"task={task}")
    return CSV_PREFIX + path + ("?" + "&".join(options) if options else "")


def _split_csv(name: str) -> tuple[str, dict[str, str]]:
    """(path, options): the options follow the last '?' when every piece there is target=…
    or task=… (each once); otherwise the '?' belongs to the path."""
    from urllib.parse import unquote

    rest = name[len(CSV_PREFIX):]
    path, mark, query = rest.rpartition("?")
    if not mark or not query:
        return rest, {}
    options: dict[str, str] = {}
    for piece in query.split("&"):
        key, equals, value = piece.partition("=")
        if not equals or key not in CSV_OPTIONS or key in options:
            return rest, {}
        options[key] = unquote(value)
    return path, options


def csv_path(name: str) -> str:
    """The file of a ``csv:PATH[?target=…&task=…]`` name."""
    return _split_csv(name)[0] if is_csv(name) else ""


def csv_options(name: str) -> dict[str, str]:
    """A ``csv:`` name's target column and task ("" and "auto" where it does not say)."""
    options = _split_csv(name)[1] if is_csv(name) else {}
    return {"target": options.get("target", ""), "task": options.get("task", "auto")}


def is_dataset_name(name: object) -> bool:
    """A named dataset, ``folder:PATH`` (with valid options, if any) or ``csv:PATH`` with a
    usable path (as a project file may hold)."""
    if not isinstance(name, str):
        return False
    if name in DATASETS:
        return True
    path = folder_path(name) or csv_path(name)
    usable = bool(path) and len(name) <= MAX_FOLDER_NAME and "\0" not in name
    if is_csv(name):
        return usable and csv_options(name)["task"] in TASKS
    return usable and folder_problem(name) is None


def dataset_info(name: str) -> DatasetInfo | None:
    """What is known before loading: the entry of a named dataset; for ``folder:PATH`` the
    image shape only when its options fix it (size, and color rgb or grayscale), else ``()``
    (the images decide; classes are the sub-folders, found when it loads); None for anything
    else."""
    if name in DATASETS:
        return DATASETS[name]
    if is_dataset_name(name) and is_csv(name):
        return DatasetInfo(name, csv_path(name), (), (), False, None,
                           "a CSV table: one row per example, a target column to predict")
    if is_dataset_name(name):
        options = folder_options(name)
        shape: tuple[int, ...] = ()
        if "size" in options and options.get("color", "auto") != "auto":
            channels = 3 if options["color"] == "rgb" else 1
            shape = (channels, int(options["size"]), int(options["size"]))
        return DatasetInfo(name, folder_path(name), shape, (), False, None,
                           "an image folder, one sub-folder per class", flips=True)
    return None


def dataset_help() -> str:
    """One line for a ``--dataset`` option: every name, which is the default, and folders."""
    parts = []
    for name, info in DATASETS.items():
        notes = [] if info.downloadable else ["embedded"]
        if name == DEFAULT_DATASET:
            notes.append("default")
        parts.append(f"{name} ({', '.join(notes)})" if notes else name)
    return (f"{', '.join(parts)}, {FOLDER_CHOICE} (one sub-folder per class; "
            f"?size=32&fit=crop&color=rgb after the path sets the image size, fit and colour), "
            f"or {CSV_CHOICE} (a table; --target names the column to predict)")


# ---------------------------------------------------------------------------------------------
# Training choices


@dataclass(frozen=True)
class Choice:
    """One value of a training setting, with what it means."""

    name: str  # as TrainConfig, the CLI and project files spell it
    title: str  # for people
    description: str = ""


LOSS_CHOICES = (
    Choice("cross_entropy", "Cross-entropy",
           "cross-entropy of raw scores (logits); no Softmax at the end"),
    Choice("nll", "Negative log-likelihood",
           "negative log-likelihood of log-probabilities; end with LogSoftmax"),
    Choice("mse", "Mean squared error",
           "mean squared error: against the target for regression, one-hot targets otherwise"),
    Choice("l1", "Mean absolute error (L1)",
           "mean absolute error: against the target for regression, one-hot targets otherwise"),
)
REGRESSION_LOSSES = ("mse", "l1")  # the losses that compare numbers with numbers
OPTIMIZER_CHOICES = (
    Choice("adam", "Adam", "adaptive moments; a good default at lr 1e-3"),
    Choice("sgd", "SGD", "stochastic gradient descent with momentum"),
    Choice("adamw", "AdamW", "Adam with decoupled weight decay"),
    Choice("rmsprop", "RMSprop", "a running average of squared gradients, with momentum"),
)
SCHEDULE_CHOICES = (
    Choice("none", "Constant", "the learning rate stays as set"),
    Choice("step", "Step", "the learning rate divided by 10 every third of the epochs"),
    Choice("cosine", "Cosine", "the learning rate falls along a cosine to 0 by the last step"),
    Choice("onecycle", "One cycle",
           "the learning rate rises to the set one, then falls far below it"),
)
DEVICE_CHOICES = (
    Choice("auto", "Automatic", "CUDA, else Apple's Metal (mps), else the CPU"),
    Choice("cpu", "CPU"),
    Choice("cuda", "CUDA GPU"),
    Choice("mps", "Apple Metal (mps)"),
)
TRAINING_CHOICES: dict[str, tuple[Choice, ...]] = {
    "loss": LOSS_CHOICES, "optimizer": OPTIMIZER_CHOICES, "schedule": SCHEDULE_CHOICES,
    "device": DEVICE_CHOICES,
}


def names(choices: tuple[Choice, ...]) -> tuple[str, ...]:
    """The spellings of ``choices``, in order (for argparse ``choices`` and validation)."""
    return tuple(choice.name for choice in choices)


def choice_help(choices: tuple[Choice, ...], default: str | None = None) -> str:
    """A help text that says what each choice means: ``name: description; …``."""
    parts = []
    for choice in choices:
        meaning = choice.description or choice.title
        parts.append(f"{choice.name}: {meaning}" + (" (default)" if choice.name == default
                                                      else ""))
    return "; ".join(parts)


LOSSES = names(LOSS_CHOICES)
OPTIMIZERS = names(OPTIMIZER_CHOICES)
SCHEDULES = names(SCHEDULE_CHOICES)
DEVICES = names(DEVICE_CHOICES)
