"""The choices a person makes before training, named once: datasets, losses, optimizers,
learning-rate schedules and devices.

The command line (argparse choices and help), project files (what a file may ask for), the
loaders and the trainer, and the window's combo boxes all read these tables, so adding a
dataset or an optimizer is one entry here plus the code that implements it. This module
imports nothing from the rest of netbuilder, so every other module may import it.
"""

from __future__ import annotations

from dataclasses import dataclass

CSV_PREFIX = "csv:"
CSV_CHOICE = "csv:PATH"  # a table: --target names the column to predict
TASKS = ("auto", "classification", "regression")  # what a CSV's target is; auto: decided by it
FOLDER_PREFIX = "folder:"
FOLDER_CHOICE = "folder:PATH"  # how help texts and messages write the image-folder kind
FOLDER_IMAGE_SHAPE = (1, 28, 28)  # load_folder makes every image grayscale 28×28
MAX_FOLDER_NAME = 4096

DIGIT_CLASSES = tuple(str(i) for i in range(10))
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot")
KMNIST_CLASSES = ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo")


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

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


DATASETS: dict[str, DatasetInfo] = {info.name: info for info in (
    DatasetInfo("digits", "Digits (embedded)", (1, 28, 28), DIGIT_CLASSES, False, None,
                "10,000 real MNIST digits shipped with the app: no download"),
    DatasetInfo("mnist", "MNIST", (1, 28, 28), DIGIT_CLASSES, True, "MNIST",
                "handwritten digits, 60,000 training and 10,000 test images"),
    DatasetInfo("fashion-mnist", "Fashion-MNIST", (1, 28, 28), FASHION_CLASSES, True,
                "FashionMNIST", "clothing in 10 classes, 60,000 + 10,000 images"),
    DatasetInfo("kmnist", "KMNIST", (1, 28, 28), KMNIST_CLASSES, True, "KMNIST",
                "cursive Japanese (Kuzushiji) characters in 10 classes, 60,000 + 10,000 images"),
)}
DEFAULT_DATASET = "digits"
DATASET_NAMES = tuple(DATASETS)  # the named ones, in the order to offer them
DOWNLOADABLE_DATASETS = tuple(name for name, info in DATASETS.items() if info.downloadable)


def is_folder(name: str) -> bool:
    """Whether ``name`` is the image-folder kind, ``folder:PATH``."""
    return name.startswith(FOLDER_PREFIX)


def folder_name(path: str) -> str:
    """The dataset name of an image folder."""
    return FOLDER_PREFIX + path


def folder_path(name: str) -> str:
    """The folder of a ``folder:PATH`` name."""
    return name[len(FOLDER_PREFIX):] if is_folder(name) else ""


def is_csv(name: str) -> bool:
    """Whether ``name`` is the table kind, ``csv:PATH``."""
    return name.startswith(CSV_PREFIX)


def csv_name(path: str) -> str:
    return CSV_PREFIX + path


def csv_path(name: str) -> str:
    """The file of a ``csv:PATH`` name."""
    return name[len(CSV_PREFIX):] if is_csv(name) else ""


def is_dataset_name(name: object) -> bool:
    """A named dataset, ``folder:PATH`` or ``csv:PATH`` with a usable path (as a project file
    may hold)."""
    if not isinstance(name, str):
        return False
    if name in DATASETS:
        return True
    path = folder_path(name) or csv_path(name)
    return bool(path) and len(name) <= MAX_FOLDER_NAME and "\0" not in name


def dataset_info(name: str) -> DatasetInfo | None:
    """What is known before loading: the entry of a named dataset; for ``folder:PATH`` the
    image shape (classes are the sub-folders, found when it loads); None for anything else."""
    if name in DATASETS:
        return DATASETS[name]
    if is_dataset_name(name) and is_csv(name):
        return DatasetInfo(name, csv_path(name), (), (), False, None,
                           "a CSV table: one row per example, a target column to predict")
    if is_dataset_name(name):
        return DatasetInfo(name, folder_path(name), FOLDER_IMAGE_SHAPE, (), False, None,
                           "an image folder, one sub-folder per class")
    return None


def dataset_help() -> str:
    """One line for a ``--dataset`` option: every name, which is the default, and folders."""
    parts = []
    for name, info in DATASETS.items():
        notes = [] if info.downloadable else ["embedded"]
        if name == DEFAULT_DATASET:
            notes.append("default")
        parts.append(f"{name} ({', '.join(notes)})" if notes else name)
    return (f"{', '.join(parts)}, {FOLDER_CHOICE} (one sub-folder per class), or {CSV_CHOICE} "
            "(a table; --target names the column to predict)")


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
