"""The ``netbuilder`` command line: the argparse parser of every command, the option types
that check values against the app's limits, and the actions that note which options were
given (a setting not given may come from a checkpoint or project)."""

from __future__ import annotations

import argparse
from pathlib import Path

from netbuilder import __version__
from netbuilder.core.registry import (
    DEFAULT_DATASET,
    DEVICE_CHOICES,
    FOLDER_COLORS,
    FOLDER_FITS,
    LOSS_CHOICES,
    OPTIMIZER_CHOICES,
    SCHEDULE_CHOICES,
    TASKS,
    Choice,
    choice_help,
    dataset_help,
    names,
)

EXPORT_FORMATS = ("python", "script", "onnx", "torchscript", "pt2", "svg", "png")
TEMPLATE_HELP = "a shipped template's name (such as lenet5; netbuilder templates lists them)"
INPUT_HELP = ("network spec or project (.json), project with weights (.nbproj), full checkpoint "
              f"(.pth) or {TEMPLATE_HELP}")
KEEP_CHOICES = ("last", "best")
DEFAULT_VAL_SPLIT = 0.2


class _DefaultsFormatter(argparse.HelpFormatter):
    """Help that ends each option with its default, unless its text already says it or there
    is none to say (no "default: None")."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (not action.option_strings or "default" in text or default is None
                or default is argparse.SUPPRESS or isinstance(default, bool)
                or action.nargs == 0):
            return text
        shown = ",".join(map(str, default)) if isinstance(default, list | tuple) else default
        shown = f"{shown:g}" if isinstance(shown, float) else shown
        return f"{text} (default: {str(shown).replace('%', '%%')})"


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help shows defaults; sub-commands inherit it."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _DefaultsFormatter)
        super().__init__(*args, **kwargs)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="netbuilder",
        usage="netbuilder [FILE] | netbuilder COMMAND ...",
        description="Build torch.nn.Sequential networks, see the shapes that flow, export code.",
        epilog="With no command, netbuilder opens its window; 'netbuilder FILE' opens FILE (a "
               "project .nbproj or .json, a network .json, or weights or a checkpoint .pth) in "
               "it. The commands run without a window, and read the same files: a project "
               "(.nbproj with its trained weights, or .json) wherever they take a network spec "
               "or a checkpoint, and a shipped template's name (netbuilder templates lists "
               "them) wherever they take a network: netbuilder summary lenet5.",
    )
    parser.add_argument("--version", action="version", version=f"netbuilder {__version__}")
    _verbose_option(parser, 0)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    summary = commands.add_parser(
        "summary", help="print each layer's output shape, parameters and MACs",
        description="Print a table of the network (name, kind, output shape, parameters, MACs), "
                    "its problems and an estimate of the memory a forward pass and a training "
                    "step need; exit 1 when it cannot run.")
    summary.add_argument("spec", type=Path,
                         help=f"network spec or project (.json, .nbproj), or {TEMPLATE_HELP}")
    _choice_option(summary, "--loss", LOSS_CHOICES, "cross_entropy",
                   "the loss it will train with, for lint warnings")
    summary.add_argument("--batch-size", type=_integer_in("batch_size"), default=None,
                         help="batch size of the memory estimate (default: the project's, "
                              "else 64)")
    _layer_files_option(summary)

    export = commands.add_parser(
        "export", help="write the network as code, a training script or a program",
        description="Write the network in another form. python: a module file with an "
                    "nn.Module class (or, with --style sequential, an nn.Sequential). script: "
                    "a standalone training script (python train.py, or torchrun for "
                    "DistributedDataParallel). onnx, torchscript, pt2: the network with its "
                    "weights, verified on validation digits (report written beside the file). "
                    "svg, png: a diagram of the network, its layers as cards with their "
                    "output shapes. "
                    "A project exports its network, its training settings (script) and its "
                    "trained weights (onnx, torchscript, pt2).")
    export.add_argument("spec", type=Path, help=INPUT_HELP)
    export.add_argument("--format", default="python", choices=EXPORT_FORMATS,
                        help="what to write (see above)")
    export.add_argument("--out", type=Path, required=True, help="file to write")
    export.add_argument("--weights", type=Path, default=None,
                        help="state_dict to export with (onnx, torchscript, pt2; default: a "
                             "checkpoint's or project's own weights)")
    export.add_argument("--style", default="class", choices=("class", "sequential"),
                        help="python format: an nn.Module class or an nn.Sequential expression")
    _layer_files_option(export)
    _add_train_parser(commands)
    _add_evaluate_parser(commands)
    _add_import_parser(commands)
    commands.add_parser(
        "templates", help="list the shipped network templates",
        description="List the network templates that ship with netbuilder: name, input shape, "
                    "parameters and what each is. Every command that reads a network takes a "
                    "template's name in place of a file: netbuilder summary lenet5.")
    for command in commands.choices.values():
        _verbose_option(command, argparse.SUPPRESS)
    return parser


def _verbose_option(parser: argparse.ArgumentParser, default) -> None:
    """-v/--verbose, before or after the command; given twice, debug messages too."""
    parser.add_argument("-v", "--verbose", action="count", default=default,
                        help="log what netbuilder does on stderr (-vv: in detail)")


def _layer_files_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-layer-files", action="store_true",
        help="import the custom-layer Python files the network names (this runs their code; "
             "without it, such a network is refused with each file's path and sha256)")


def _allow(args: argparse.Namespace):
    """Whether custom-layer files may run: the person said so with --allow-layer-files."""
    allowed = bool(getattr(args, "allow_layer_files", False))
    return lambda _request: allowed


def _shape_argument(text: str) -> list[int]:
    """An argparse type: one sample's shape, '1,28,28'."""
    try:
        shape = [int(part) for part in text.split(",")]
    except ValueError:
        shape = []
    if not 1 <= len(shape) <= 6 or any(v < 1 for v in shape):
        raise argparse.ArgumentTypeError(f"expected 1 to 6 integers ≥ 1 separated by commas "
                                         f"(e.g. 1,28,28), got {text[:40]!r}")
    return shape


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text[:40]!r}")
    return value


def _count_argument(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer ≥ 1, got {text[:40]!r}")
    return value


def _add_import_parser(commands) -> None:
    from netbuilder.core.importer import DEFAULT_TIMEOUT_S

    command = commands.add_parser(
        "import", help="read a network from PyTorch code (runs the file)",
        description="Read the nn.Module class NAME defined in FILE.py and write it as a network "
                    "spec (.json) the app and the other commands open. Importing RUNS FILE, as "
                    "`import` in Python would, so import only code you trust: it runs in a "
                    "separate process, stopped after --timeout seconds. The class is created "
                    "with no arguments and its forward() traced with torch.fx: chains of "
                    "layers netbuilder knows, nn.Sequential blocks and functional calls "
                    "(F.relu, torch.flatten, x.view(x.size(0), -1), F.max_pool2d …) are "
                    "read; layers keep their names, so weights the class saved "
                    "(torch.save(model.state_dict(), …)) load into the network.")
    command.add_argument("file", type=Path, metavar="FILE",
                         help="the Python file (.py) defining the class")
    command.add_argument("--class", dest="class_name", required=True, metavar="NAME",
                         help="the nn.Module class to import")
    command.add_argument("--input-shape", type=_shape_argument, default=[1, 28, 28],
                         metavar="C,H,W", help="one input sample's shape without the batch "
                                               "(default 1,28,28: MNIST digits)")
    command.add_argument("--out", type=Path, required=True, help="network spec to write (.json)")
    command.add_argument("--num-classes", type=_count_argument, default=None, metavar="N",
                         help="classes the network tells apart (default: the width of its "
                              "[N, K] output)")
    command.add_argument("--key-map", type=Path, default=None, metavar="OUT.json",
                         help="also write how the class's state_dict keys map to the network's "
                              "(a JSON object; residuals and parallels rename keys)")
    command.add_argument("--timeout", type=_positive, default=DEFAULT_TIMEOUT_S, metavar="S",
                         help=f"stop the file after S seconds (default {DEFAULT_TIMEOUT_S:g})")


def _integer_in(setting: str):
    """An argparse type: an integer within the limits the app's controls have."""
    from netbuilder.core.train_config import SETTING_LIMITS

    low, high = (int(v) for v in SETTING_LIMITS[setting])

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected an integer from {low} to {high}, got "
                                             f"{text[:40]}")
        return value

    parse.__name__ = setting
    return parse


def _number_in(setting: str):
    """An argparse type: a finite number within the limits the app's controls have."""
    from netbuilder.core.train_config import SETTING_LIMITS

    low, high = SETTING_LIMITS[setting]

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not low <= value <= high:  # also refuses nan and inf
            raise argparse.ArgumentTypeError(f"expected a number from {low:g} to {high:g}, "
                                             f"got {text[:40]}")
        return value

    parse.__name__ = setting
    return parse


class _Given(argparse.Action):
    """Store the value, and note in ``namespace.given`` that the option was given: a setting
    not given may come from a checkpoint, before the default applies."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        _note_given(namespace, self.dest)


class _GivenFlag(argparse.BooleanOptionalAction):
    """--flag / --no-flag, noted like :class:`_Given`."""

    def __call__(self, parser, namespace, values, option_string=None):
        super().__call__(parser, namespace, values, option_string)
        _note_given(namespace, self.dest)


def _note_given(namespace: argparse.Namespace, dest: str) -> None:
    given = set(getattr(namespace, "given", ()))
    given.add(dest)
    namespace.given = given


def _given(args: argparse.Namespace, dest: str) -> bool:
    return dest in getattr(args, "given", ())


def _choice_option(parser: argparse.ArgumentParser, flag: str, choices: tuple[Choice, ...],
                   default: str, what: str = "", inherit: bool = False) -> None:
    """An option whose values, and what each means, come from core.registry. ``inherit``: a
    checkpoint's setting applies when the option is not given (see :class:`_Given`)."""
    meanings = choice_help(choices, default)
    parser.add_argument(flag, default=default, choices=names(choices),
                        action=_Given if inherit else "store",
                        help=f"{what}. {meanings}" if what else meanings)


def _dataset_options(parser: argparse.ArgumentParser, inherit: str = "") -> None:
    """--dataset, --data-dir, --val-split, --seed. ``inherit``: whose values apply when the
    options are not given ("the checkpoint's or project's"; the help says so)."""
    from_file = f" (default: {inherit}, else {{}})" if inherit else " (default {})"
    action = _Given if inherit else "store"
    parser.add_argument("--dataset", default=DEFAULT_DATASET, action=action, metavar="NAME",
                        help=dataset_help())
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="where torchvision datasets are kept or downloaded "
                             "(default: $NETBUILDER_DATA or ~/.cache/netbuilder/datasets)")
    parser.add_argument("--val-split", type=_number_in("val_split"), default=DEFAULT_VAL_SPLIT,
                        action=action, help="validation fraction for digits and image folders"
                                            + from_file.format(DEFAULT_VAL_SPLIT))
    parser.add_argument("--seed", type=_integer_in("seed"), default=0, action=action,
                        help="seed for splits, shuffling, augmentation and dropout "
                             "(0 to 2147483647)" + from_file.format(0))
    parser.add_argument("--image-size", type=_count_argument, default=None, metavar="N",
                        help="folder:PATH datasets: images become N×N pixels (default: the "
                             "median of their shorter sides, at most 64)")
    parser.add_argument("--fit", default=None, choices=FOLDER_FITS,
                        help="folder:PATH datasets: resize each image to a square (default) or "
                             "crop its centre square")
    parser.add_argument("--color", default=None, choices=FOLDER_COLORS,
                        help="folder:PATH datasets: auto (grayscale when every image is, else "
                             "RGB; default), rgb or grayscale")
    parser.add_argument("--target", default="", action=action, metavar="COLUMN",
                        help="csv:PATH datasets: the column to predict" + (
                            f" (default: {inherit})" if inherit else ""))
    parser.add_argument("--task", default="auto", choices=TASKS, action=action,
                        help="csv:PATH datasets: classification (a few classes or text), "
                             "regression (numbers), or auto: decided by the target column" + (
                                 f" (default: {inherit}, else auto)" if inherit else ""))


def _add_train_parser(commands) -> None:
    from netbuilder.core.train_config import TrainConfig

    d = TrainConfig()

    def inherited(default) -> str:
        return f" (default: the checkpoint's or project's, else {default})"

    train = commands.add_parser(
        "train", help="train a network and save its weights",
        description="Train SPEC.json, a project (.json, or .nbproj with its weights) or a full "
                    "checkpoint .pth, and save a plain state_dict that "
                    "model.load_state_dict(torch.load(...)) reads (--out), the whole project "
                    "with its weights and this run in its history (--save-project), or both. A "
                    "checkpoint written with --checkpoint, and a project, remember where their "
                    "run stands: training one again with the same settings (the default: "
                    "options not given take its values) goes on exactly where the run stopped, "
                    "as if it had never stopped; other settings start a new run from its "
                    "weights, keeping the optimizer's moments.")
    train.add_argument("spec", type=Path, help=INPUT_HELP)
    _layer_files_option(train)
    _dataset_options(train, inherit="the checkpoint's or project's")
    train.add_argument("--epochs", type=_integer_in("epochs"), default=d.epochs, action=_Given,
                       help=f"epochs of the run{inherited(d.epochs)}")
    train.add_argument("--batch-size", type=_integer_in("batch_size"), default=d.batch_size,
                       action=_Given, help=f"images per step{inherited(d.batch_size)}")
    train.add_argument("--lr", type=float, default=d.lr, action=_Given,
                       help=f"learning rate{inherited(f'{d.lr:g}')}")
    _choice_option(train, "--optimizer", OPTIMIZER_CHOICES, d.optimizer, inherit=True)
    train.add_argument("--momentum", type=_number_in("momentum"), default=d.momentum,
                       action=_Given,
                       help=f"momentum of SGD and RMSprop{inherited(f'{d.momentum:g}')}")
    train.add_argument("--weight-decay", type=_number_in("weight_decay"),
                       default=d.weight_decay, action=_Given,
                       help=f"L2 penalty{inherited(f'{d.weight_decay:g}')}")
    _choice_option(train, "--schedule", SCHEDULE_CHOICES, d.schedule,
                   "how the learning rate changes over the run", inherit=True)
    _choice_option(train, "--loss", LOSS_CHOICES, d.loss, inherit=True)
    train.add_argument("--augment", action=_GivenFlag, default=d.augment,
                       help="random small rotation, scale and shift of each batch, then "
                            "each pen effect below whose strength is above 0" + inherited("off"))
    pen_help = {"stroke": "thicker or thinner strokes", "blur": "blur and ink intensity",
                "elastic": "elastic distortion (Simard et al. 2003)",
                "erase": "a random rectangle erased (for photos, not digits)"}
    for name, text in pen_help.items():
        train.add_argument(f"--{name}", type=_number_in(name), default=getattr(d, name),
                           action=_Given, metavar="S",
                           help=f"with --augment: strength of {text}, 0 (off) to 1"
                                + inherited(f"{getattr(d, name):g}"))
    train.add_argument("--patience", type=_integer_in("patience"), default=d.patience,
                       action=_Given, metavar="N",
                       help="end the run once the validation loss has not improved for N "
                            "epochs in a row" + inherited("0: off"))
    train.add_argument("--fresh", action=_GivenFlag, default=False,
                       help="start from freshly initialised (seeded) weights, not the file's "
                            "(default: the project's setting, else off)")
    _choice_option(train, "--device", DEVICE_CHOICES, "auto", inherit=True)
    train.add_argument("--out", type=Path, default=None,
                       help="plain state_dict to write (.pth); this or --save-project is needed")
    train.add_argument("--save-project", type=Path, default=None, metavar="OUT.nbproj",
                       help="write the whole project: network, dataset, the settings used, its "
                            "runs with this one, drawn examples, the weights and where the run "
                            "stands (to resume it); may be the project trained")
    train.add_argument("--keep", choices=KEEP_CHOICES, default="last",
                       help="the weights --out and --save-project get: last (those at the end, "
                            "the default) or best (those of the epoch with the lowest "
                            "validation loss)")
    train.add_argument("--checkpoint", type=Path, default=None,
                       help="also write a full checkpoint (architecture, the last weights, "
                            "optimizer, settings, history and where the run stands, to resume "
                            "it)")
    train.add_argument("--stop-after", type=_integer_in("epochs"), default=None, metavar="N",
                       help="stop this run after N of its epochs, leaving it in --checkpoint or "
                            "--save-project to resume later")
    train.add_argument("--limit", type=_integer_in("batch_size"), default=None, action=_Given,
                       metavar="N",
                       help="train on the first N training images and validate on the first N "
                            "validation images only (a quick check; default: all, or the "
                            "checkpoint's or project's last run's)")
    train.add_argument("--log-dir", type=Path, default=None, metavar="DIR",
                       help="also write the run's curves to DIR: TensorBoard event files "
                            "(losses per step and epoch, scores, learning rate, a histogram of "
                            "each parameter per epoch; tensorboard --logdir DIR shows them) and "
                            "metrics.csv, one row per epoch. TensorBoard files need the "
                            "tensorboard package: pip install 'netbuilder[tensorboard]'")


def _add_evaluate_parser(commands) -> None:
    evaluate = commands.add_parser(
        "evaluate", help="measure a trained network's accuracy",
        description="Evaluate SPEC.json with WEIGHTS.pth (or one full checkpoint .pth, or a "
                    "trained project .nbproj) on the validation images; prints 'accuracy: "
                    "0.xxxx' and per-class accuracy. A project is evaluated on its own dataset, "
                    "validation split and seed: the accuracy the window shows for its weights.")
    evaluate.add_argument("spec", type=Path, help=INPUT_HELP)
    _layer_files_option(evaluate)
    evaluate.add_argument("weights", type=Path, nargs="?",
                          help="state_dict (.pth); default: the checkpoint's or project's own")
    _dataset_options(evaluate, inherit="the project's")
    _choice_option(evaluate, "--device", DEVICE_CHOICES, "auto")
