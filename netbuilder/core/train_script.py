"""A standalone training script for a network: the model class, loading of the dataset it was
trained on, and the training loop with the app's settings, ready for one machine or for
torchrun + DistributedDataParallel, on CUDA, Apple's Metal (mps) or the CPU.

The script needs torch (and torchvision for its datasets, Pillow and numpy for an image folder),
not netbuilder. It carries the dataset's kind, its options and the network's input shape as
literals, and loads the data itself as netbuilder does, with the same seeded train/validation
split; a table (``csv:PATH``) brings its ``preprocess(rows)`` with the statistics from training.
Every value that comes from a file reaches the source through :func:`literal`.

This module assembles the script: its usage text, settings, constants, the model class and the
training loop. What depends on the dataset (its kind, ``DATA`` constants and loader source) is
in :mod:`netbuilder.core.train_script_data`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from netbuilder.core.codegen import docstring_text, literal, module_source
from netbuilder.core.data import GRAY_MODES, IMAGE_SUFFIXES, flips_make_sense
from netbuilder.core.pen_augment import script_source as pen_source
from netbuilder.core.project import check_settings
from netbuilder.core.registry import DEFAULT_DATASET, FOLDER_AUTO_SIZES, REGRESSION_LOSSES
from netbuilder.core.spec import NetworkSpec, Problem
from netbuilder.core.tabular import NUMBER_PATTERN, REGRESSION, preprocessing_source
from netbuilder.core.train_script_data import (
    CSV_KIND,
    DATA_ARGUMENT_SOURCES,
    DATA_HELP,
    DIGITS_KIND,
    DRAWN_SUFFIX,
    FOLDER_KIND,
    KIND_NUMPY,
    KIND_STDLIB,
    LOADER_SOURCES,
    SPLIT_SOURCE,
    TORCHVISION_KIND,
    data_constants,
)
from netbuilder.core.training import TrainConfig, TrainingError

__all__ = ["CSV_KIND", "DEFAULT_VAL_SPLIT", "DIGITS_KIND", "DRAWN_SUFFIX", "FOLDER_KIND",
           "SCRIPT_SETTINGS", "TORCHVISION_KIND", "script_settings", "training_script"]

# The settings the script reads; any other key of a checkpoint's "training" is left out.
SCRIPT_SETTINGS = ("loss", "optimizer", "lr", "momentum", "weight_decay", "batch_size", "epochs",
                   "schedule", "seed", "augment", "stroke", "blur", "elastic", "erase",
                   "val_split")
DEFAULT_VAL_SPLIT = 0.2

_USAGE = r'''"""Train <<CLASS>> on <<DATA_TEXT>> — written by netbuilder <<VERSION>>.

One machine:      python <<SCRIPT>> [--epochs N] [--device auto|cuda|mps|cpu] [--out model.pth]
Several (DDP):    torchrun --standalone --nproc_per_node=N <<SCRIPT>>
Several machines: torchrun --nnodes=M --node_rank=R --nproc_per_node=N \\
                      --rdzv_backend=c10d --rdzv_endpoint=HOST:PORT <<SCRIPT>>
Go on later:      python <<SCRIPT>> --save-checkpoint run.ckpt, then --resume run.ckpt
Also:             --amp (mixed precision on CUDA), --accumulate N (a step every N batches)

<<DATA_HELP>>

Each rank trains on its own shard of every epoch's shuffled data (gloo on the CPU, nccl on
CUDA); DistributedDataParallel keeps the replicas identical. Rank 0 logs and saves a plain
state_dict that model.load_state_dict(torch.load(path)) — and netbuilder — read, and a
checkpoint (weights, optimizer, epoch) that --resume goes on from.
"""
'''

_TRAINING = r'''def as_input(x, device):
    """Images (uint8) as floats in [0, 1], as ToTensor gives them; table rows as they are."""
    x = x.to(device)
    return x.float().div_(255.0) if x.dtype == torch.uint8 else x


def augment(x, generator, degrees=10.0, scale=(0.9, 1.1), shift=2.0, flip=False):
    """Random small rotation, scale and shift of a whole batch, then (flip) a left-right
    mirror of each image with probability 0.5."""
    n, _c, h, w = x.shape
    r = torch.rand(n, 3, generator=generator).to(x.device)
    angle = (r[:, 0] * 2 - 1) * math.radians(degrees)
    factor = scale[0] + r[:, 1] * (scale[1] - scale[0])
    moves = (torch.rand(n, 2, generator=generator).to(x.device) * 2 - 1) * shift
    cos, sin = torch.cos(angle) / factor, torch.sin(angle) / factor
    theta = torch.stack([torch.stack([cos, -sin, moves[:, 0] * 2 / w], 1),
                         torch.stack([sin, cos, moves[:, 1] * 2 / h], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    moved = F.grid_sample(x, grid, align_corners=False)
    if not flip:
        return moved
    mirror = (torch.rand(n, generator=generator) < 0.5).to(x.device)
    return torch.where(mirror.view(n, 1, 1, 1), moved.flip(-1), moved)


def loss_of(outputs, targets, classes):
    """The loss of a batch: float targets (a regression) meet MSE or L1 directly; class
    indices meet MSE and L1 as one-hot targets."""
    if SETTINGS["loss"] == "nll":
        return F.nll_loss(outputs, targets)
    if SETTINGS["loss"] == "cross_entropy":
        return F.cross_entropy(outputs, targets)
    target = (targets.to(outputs.dtype) if targets.is_floating_point()
              else F.one_hot(targets, classes).to(outputs.dtype))
    if SETTINGS["loss"] == "l1":
        return F.l1_loss(outputs, target)
    return F.mse_loss(outputs, target)


def make_optimizer(params, args):
    """Adam, AdamW and SGD use torch's fused kernel where the device has one (the CPU and CUDA
    do: one call a step instead of several per parameter), as netbuilder does."""
    name, wd = SETTINGS["optimizer"], SETTINGS["weight_decay"]
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=args.lr, momentum=SETTINGS["momentum"],
                                   weight_decay=wd, foreach=True)
    fast = ({"fused": True} if all(p.is_floating_point() and p.device.type in ("cpu", "cuda")
                                   for p in params) else {"foreach": True})
    if name == "sgd":
        return torch.optim.SGD(params, lr=args.lr, momentum=SETTINGS["momentum"],
                               weight_decay=wd, **fast)
    kind = torch.optim.AdamW if name == "adamw" else torch.optim.Adam
    return kind(params, lr=args.lr, weight_decay=wd, **fast)


def make_schedule(optimizer, epochs, steps):
    """The learning-rate schedule and whether it steps per optimizer step (else per epoch)."""
    name = SETTINGS["schedule"]
    if name == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, max(1, epochs // 3), 0.1), False
    if name == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs * steps), True
    if name == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, optimizer.param_groups[0]["lr"],
                                                   total_steps=epochs * steps), True
    return None, False


def seed_of(*parts):
    """A seed made of these integers: the same in every run, on every rank and after
    --resume, so a resumed run draws what an uninterrupted one would."""
    value = 0
    for part in parts:
        value = (value * 1_000_003 + part + 1) % 2**63
    return value


def note(text):
    """A remark on stderr, from rank 0 only."""
    if int(os.environ.get("RANK", "0")) == 0:
        print(f"note: {text}", file=sys.stderr, flush=True)


def choose_device(name, distributed, local):
    """--device: auto picks cuda, then mps, then cpu. Under torchrun each rank takes its
    LOCAL_RANK GPU with cuda; otherwise the ranks train on the CPU (gloo)."""
    mps = getattr(torch.backends, "mps", None)
    has_mps = mps is not None and mps.is_available()
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "mps" if has_mps else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA GPU is available here (try --device cpu)")
    if name == "mps" and not has_mps:
        raise SystemExit("--device mps: Apple's Metal is not available here (try --device cpu)")
    if name == "cuda":
        if local >= torch.cuda.device_count():
            raise SystemExit(f"LOCAL_RANK {local}: only {torch.cuda.device_count()} GPUs here")
        torch.cuda.set_device(local)
        return torch.device("cuda", local)
    if distributed and name == "mps":
        note("DistributedDataParallel does not run on mps: the ranks train on the CPU (gloo)")
        return torch.device("cpu")
    return torch.device(name)


def evaluate(model, inputs, targets, device, classes):
    """The validation line: accuracy of a classifier; loss, RMSE, MAE and R² of a
    regression (R² 1 is perfect, 0 is the targets' mean)."""
    model.eval()
    with torch.no_grad():
        out = torch.cat([model(as_input(inputs[i:i + 1000], device)).float().cpu()
                         for i in range(0, len(targets), 1000)])
    model.train()
    if classes:
        accuracy = (out.argmax(1) == targets).float().mean().item()
        return f"val acc {accuracy:.4f}"
    target = targets.float().reshape(out.shape)
    error = out - target
    total = ((target - target.mean(dim=0)) ** 2).sum().item()
    r2 = 1.0 - (error ** 2).sum().item() / total if total > 0 else 0.0
    return (f"val loss {loss_of(out, target, 0).item():.4f}  "
            f"rmse {(error ** 2).mean().item() ** 0.5:.4f}  "
            f"mae {error.abs().mean().item():.4f}  r2 {r2:.4f}")


def save_checkpoint(path, plain, optimizer, schedule, scaler, epoch, epochs):
    """What --resume needs to go on exactly: the weights, the optimizer's, the schedule's and
    the scaler's state, and the last finished epoch; written whole or not at all. A {epoch}
    in path becomes the epoch's number."""
    path = Path(str(path).replace("{epoch}", str(epoch)))
    state = {"format": CHECKPOINT, "network": type(plain).__name__, "epoch": epoch,
             "epochs": epochs,
             "model": {k: v.detach().cpu() for k, v in plain.state_dict().items()},
             "optimizer": optimizer.state_dict(),
             "schedule": schedule.state_dict() if schedule is not None else None,
             "scaler": scaler.state_dict() if scaler is not None else None}
    partial = path.with_name(path.name + ".partial")
    torch.save(state, partial)
    os.replace(partial, path)
    return path


def load_checkpoint(path, plain):
    """A checkpoint this script wrote, its weights loaded into plain (strictly)."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, ValueError, EOFError, pickle.UnpicklingError) as exc:
        raise SystemExit(f"--resume {path}: cannot be read ({exc})") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT:
        raise SystemExit(f"--resume {path}: not a checkpoint this script wrote")
    if state["network"] != type(plain).__name__:
        raise SystemExit(f"--resume {path}: a checkpoint of {state['network']}, not "
                         f"{type(plain).__name__}")
    try:
        plain.load_state_dict(state["model"])
    except RuntimeError as exc:
        raise SystemExit(f"--resume {path}: the weights do not fit: {exc}") from None
    return state


def parse_args():
    parser = argparse.ArgumentParser(description=<<DESCRIPTION>>)
<<DATA_ARGUMENTS>>    parser.add_argument("--epochs", type=int, default=SETTINGS["epochs"],
                        help="the last epoch (with --resume: the total, not how many more)")
    parser.add_argument("--batch-size", type=int, default=SETTINGS["batch_size"],
                        help="per rank")
    parser.add_argument("--lr", type=float, default=SETTINGS["lr"])
    parser.add_argument("--seed", type=int, default=SETTINGS["seed"])
    parser.add_argument("--val-split", type=float, default=SETTINGS["val_split"])
    parser.add_argument("--device", choices=("auto", "cuda", "mps", "cpu"), default="auto",
                        help="auto: cuda, else mps, else cpu (under torchrun: cuda or cpu)")
    parser.add_argument("--amp", action="store_true",
                        help="mixed precision (autocast + GradScaler) on CUDA; ignored on "
                             "cpu and mps")
    parser.add_argument("--accumulate", type=int, default=1, metavar="N",
                        help="gradient accumulation: an optimizer step every N batches, each "
                             "batch's loss divided by N")
    parser.add_argument("--out", default=<<DEFAULT_OUT>>, help="state_dict written by rank 0")
    parser.add_argument("--save-checkpoint", metavar="PATH",
                        help="write a checkpoint for --resume after every epoch ({epoch} in "
                             "PATH keeps one per epoch); without it, one is written at the "
                             "end beside OUT, with the suffix .ckpt")
    parser.add_argument("--resume", metavar="CKPT",
                        help="go on from a checkpoint this script wrote, at its next epoch")
    parser.add_argument("--save-all-ranks", action="store_true",
                        help="also write OUT.rankN.pth from every rank (to compare them)")
    parser.add_argument("--limit", type=int, default=0, metavar="N",
                        help="use only N training and N validation examples (a quick check)")
    args = parser.parse_args()
    for name in ("epochs", "batch_size", "accumulate"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def main():
    args = parse_args()
    distributed = "RANK" in os.environ and "WORLD_SIZE" in os.environ
    local = int(os.environ.get("LOCAL_RANK", "0")) if distributed else 0
    device = choose_device(args.device, distributed, local)
    owned = distributed and not dist.is_initialized()  # else a caller set the group up
    if owned:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if distributed:
        rank, world = dist.get_rank(), dist.get_world_size()
    else:
        rank, world = 0, 1
    amp = args.amp and device.type == "cuda"
    if args.amp and not amp:
        note(f"--amp is ignored on {device.type}: mixed precision is for CUDA only; training "
             "in float32")
    if distributed and rank != 0:
        dist.barrier()  # rank 0 reads (and downloads) the data first
    train_x, train_y, val_x, val_y, classes = load_data(args)
    if distributed and rank == 0:
        dist.barrier()
    if tuple(train_x.shape[1:]) != INPUT_SHAPE:
        shape = "×".join(map(str, train_x.shape[1:]))
        raise SystemExit(f"the data gives inputs of {shape}, but <<CLASS>> takes "
                         f"{'×'.join(map(str, INPUT_SHAPE))}")
    if args.limit:  # a quick check: a slice of the data
        train_x, train_y = train_x[:args.limit], train_y[:args.limit]
        val_x, val_y = val_x[:args.limit], val_y[:args.limit]
    torch.manual_seed(args.seed)  # the same initial weights on every rank
    plain = <<CLASS>>().to(device)
    params = [p for p in plain.parameters() if p.requires_grad]
    optimizer = make_optimizer(params, args)
    shard = math.ceil(len(train_y) / world)
    batches = math.ceil(shard / args.batch_size)
    steps = math.ceil(batches / args.accumulate)  # optimizer steps per epoch
    schedule, per_batch = make_schedule(optimizer, args.epochs, steps)
    scaler = torch.amp.GradScaler("cuda") if amp else None
    done = 0
    if args.resume:
        state = load_checkpoint(args.resume, plain)
        optimizer.load_state_dict(state["optimizer"])
        if schedule is not None and state["schedule"] is not None:
            schedule.load_state_dict(state["schedule"])
        if scaler is not None and state["scaler"] is not None:
            scaler.load_state_dict(state["scaler"])
        done = state["epoch"]
        if schedule is not None and state["epochs"] != args.epochs:
            note(f"the checkpoint's run was for {state['epochs']} epochs, this one for "
                 f"{args.epochs}: the learning-rate schedule is the checkpoint's")
        note(f"resuming from {args.resume} after epoch {done}")
    model = plain
    if distributed:
        model = nn.parallel.DistributedDataParallel(
            plain, device_ids=[local] if device.type == "cuda" else None)
    for epoch in range(done + 1, args.epochs + 1):
        torch.manual_seed(seed_of(args.seed, epoch, 2))  # dropout, as an uninterrupted run
        shuffle = torch.Generator().manual_seed(seed_of(args.seed, epoch, 0))  # every rank's
        noise = torch.Generator().manual_seed(seed_of(args.seed, epoch, 1, rank))
        model.train()
        order = torch.randperm(len(train_y), generator=shuffle)
        mine = order[rank::world]
        if len(mine) < shard:  # equal shards keep the ranks in step
            mine = torch.cat([mine, order[:shard - len(mine)]])
        total, seen = 0.0, 0
        optimizer.zero_grad(set_to_none=True)
        for batch, start in enumerate(range(0, shard, args.batch_size)):
            index = mine[start:start + args.batch_size]
            x, y = as_input(train_x[index], device), train_y[index].to(device)
            if SETTINGS["augment"] and x.dim() == 4:
                x = augment(x, noise, flip=FLIPS)
                x = pen_augment(x, noise, PEN)  # pens and scanners, as netbuilder draws them
            stepping = (batch + 1) % args.accumulate == 0 or batch + 1 == batches
            # DDP: gradients are averaged across ranks only on the batch that steps
            sync = model.no_sync() if distributed and not stepping else contextlib.nullcontext()
            with sync:
                autocast = (torch.autocast("cuda", dtype=torch.float16) if amp
                            else contextlib.nullcontext())
                with autocast:
                    loss = loss_of(model(x).float(), y, classes)
                part = loss / args.accumulate
                (scaler.scale(part) if scaler is not None else part).backward()
            if stepping:
                if scaler is not None:
                    scaler.step(optimizer)
                    scaler.update()
                else:
                    optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                if schedule is not None and per_batch:
                    schedule.step()
            total += loss.item() * len(y)
            seen += len(y)
        if schedule is not None and not per_batch:
            schedule.step()
        done = epoch
        if rank == 0:  # the plain module: a DDP forward here would wait for the other ranks
            line = evaluate(plain, val_x, val_y, device, classes)
            print(f"epoch {epoch}/{args.epochs}  train loss {total / seen:.4f}  {line}",
                  flush=True)
            if args.save_checkpoint:
                save_checkpoint(args.save_checkpoint, plain, optimizer, schedule, scaler, epoch,
                                args.epochs)
    if distributed:  # running statistics (BatchNorm) saw each rank's own last batch
        for buffer in plain.buffers():
            dist.broadcast(buffer.data, src=0)
    state = {k: v.detach().cpu() for k, v in plain.state_dict().items()}
    if args.save_all_ranks:
        torch.save(state, f"{Path(args.out).with_suffix('')}.rank{rank}.pth")
    if rank == 0:
        torch.save(state, args.out)
        print(f"wrote {args.out}", flush=True)
        if not args.save_checkpoint:
            out = Path(args.out)
            path = out.with_suffix(".ckpt") if out.suffix != ".ckpt" else Path(f"{out}.ckpt")
            save_checkpoint(path, plain, optimizer, schedule, scaler, done, args.epochs)
            print(f"wrote {path} (for --resume)", flush=True)
    if distributed:
        dist.barrier()
    if owned:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
'''

# The standard-library and third-party imports of each kind, beside the common ones.
_STDLIB = ("argparse", "contextlib", "math", "os", "pickle", "sys")


def training_script(spec: NetworkSpec, config: TrainConfig | Mapping[str, Any] | None = None,
                    val_split: float | None = None, script_name: str = "train.py", *,
                    dataset: str = DEFAULT_DATASET, preprocessing: dict | None = None) -> str:
    """The source of a training script for ``spec`` with these settings, on ``dataset`` (a
    name as netbuilder spells it: digits, mnist, …, cifar100, ``folder:PATH[?options]`` or
    ``csv:PATH[?target=…&task=…]``).

    ``config`` may be a checkpoint's ``training`` dict: see :func:`script_settings`. A table
    needs the ``preprocessing`` its training made (core.tabular). Raises SpecError for an
    invalid spec, TrainingError for settings that cannot go into a script (or do not suit the
    data) and ValueError for a dataset that cannot.
    """
    from netbuilder import __version__

    settings = script_settings(config, val_split)
    kind, data, title = data_constants(dataset, preprocessing)
    if data.get("task") == REGRESSION and settings["loss"] not in REGRESSION_LOSSES:
        raise TrainingError(f"a regression trains with the {' or '.join(REGRESSION_LOSSES)} "
                            f"loss, not {settings['loss']}")
    module = module_source(spec)
    imports = [line for line in module.imports if line]
    extra = [line for line in imports  # the script imports these itself
             if line not in ("import torch", "from torch import nn",
                             "from collections import OrderedDict")]
    stdlib = [f"import {name}" for name in sorted(_STDLIB + KIND_STDLIB[kind])]
    ordered = "from collections import OrderedDict" in imports
    stdlib.append(f"from collections import {'OrderedDict, ' if ordered else ''}namedtuple")
    stdlib.append("from pathlib import Path")
    third = (["import numpy as np"] if KIND_NUMPY[kind] else []) + [
        "import torch", "import torch.distributed as dist", "import torch.nn.functional as F",
        "from torch import nn"]
    head = _filled(_USAGE, {
        "CLASS": spec.class_name, "VERSION": docstring_text(__version__, one_line=True),
        "SCRIPT": docstring_text(script_name, one_line=True),
        "DATA_TEXT": docstring_text(dataset, one_line=True),
        "DATA_HELP": _filled(DATA_HELP[kind], {"TITLE": docstring_text(title, True)})})
    parts = [head, "\n", "\n".join(stdlib), "\n\n", "\n".join(third), "\n"]
    if extra:
        parts += ["\n", "\n".join(extra), "\n"]
    parts += ["\n", _constants_source(settings, kind, data, spec), "\n\n",
              module.code_text(), "\n\n", SPLIT_SOURCE, "\n\n"]
    if kind == CSV_KIND:
        assert preprocessing is not None  # data_constants checked it
        parts += [preprocessing_source(preprocessing).rstrip("\n") + "\n", "\n\n"]
    parts += [LOADER_SOURCES[kind], "\n\n", _pen_source(), "\n\n", _filled(_TRAINING, {
        "CLASS": spec.class_name,
        "DESCRIPTION": literal(f"Train {spec.class_name}."),
        "DEFAULT_OUT": literal(f"{spec.class_name.lower()}.pth"),
        "DATA_ARGUMENTS": DATA_ARGUMENT_SOURCES[kind]})]
    return "".join(parts)


def _pen_source() -> str:
    """core.pen_augment's functions, and PEN: this script's strengths."""
    try:
        source = pen_source()
    except OSError as exc:
        raise TrainingError(f"the pen augmentation's source is not installed here, so a "
                            f"training script cannot carry it: {exc}") from None
    return (source + "\n\nPEN = PenAugment(*(SETTINGS[name] for name in PenAugment._fields))"
            "  # with augment\n")


def _filled(template: str, values: Mapping[str, str]) -> str:
    """``template`` with each ``<<KEY>>`` replaced (values already made safe for where they go:
    literals, docstring text or an identifier), in one pass: a value is never read again."""
    return re.sub(r"<<([A-Z_]+)>>", lambda found: values[found.group(1)], template)


def _constants_source(settings: dict[str, Any], kind: str, data: dict[str, Any],
                      spec: NetworkSpec) -> str:
    """SETTINGS, DATA, INPUT_SHAPE and the loader's constants, every value through
    :func:`literal`."""
    lines = [_dict_source("SETTINGS", settings, "training"),
             _dict_source("DATA", data, "dataset"),
             f"INPUT_SHAPE = {literal(tuple(spec.input_shape), 'input_shape')}",
             f"FLIPS = {literal(kind in (TORCHVISION_KIND, FOLDER_KIND) and _flips(data))}"
             "  # augmentation mirrors images (not digits or characters)",
             f"CHECKPOINT = {literal('netbuilder.train-script-checkpoint')}"]
    if kind == FOLDER_KIND:
        lines += [f"IMAGE_SUFFIXES = {literal(sorted(IMAGE_SUFFIXES))}",
                  f"GRAY_MODES = {literal(sorted(GRAY_MODES))}  # read as grayscale",
                  f"AUTO_SIZES = {literal(FOLDER_AUTO_SIZES)}  # an unset size: the median "
                  "shorter side, within these"]
    if kind == CSV_KIND:
        lines.append(f"NUMBER = re.compile({literal(NUMBER_PATTERN)})  # a number, as "
                     "netbuilder reads one")
    return "\n".join(lines) + "\n"


def _flips(data: dict[str, Any]) -> bool:
    if data["kind"] == FOLDER_KIND:
        return flips_make_sense("folder:" + str(data["path"]))
    return flips_make_sense(str(data["name"]))


def _dict_source(name: str, values: Mapping[str, Any], where: str) -> str:
    lines = [f"{name} = {{"]
    for key, value in values.items():
        lines.append(f"    {literal(key)}: {literal(value, f'{where}.{key}')},")
    lines.append("}")
    return "\n".join(lines)


def script_settings(config: TrainConfig | Mapping[str, Any] | None = None,
                    val_split: float | None = None) -> dict[str, Any]:
    """The settings a script bakes in: the keys it reads (others, such as the device, left out),
    defaults for missing ones, each checked against the app's limits so that only plain,
    finite values reach the code. ``val_split`` overrides the one in ``config``.

    Raises TrainingError naming every setting that is wrong.
    """
    if config is None:
        given: Mapping[str, Any] = {}
    elif isinstance(config, TrainConfig):
        given = config.to_dict()
    elif isinstance(config, Mapping):
        given = config
    else:
        raise TrainingError(f"training settings: expected a mapping, got {type(config).__name__}")
    chosen = {key: given[key] for key in SCRIPT_SETTINGS if key in given}
    if val_split is not None:
        chosen["val_split"] = val_split
    problems: list[Problem] = []
    checked = check_settings(chosen, "training", problems)
    if problems:
        raise TrainingError("these training settings cannot go into a script:\n"
                            + "\n".join(f"  - {p}" for p in problems))
    defaults = {**TrainConfig().to_dict(), "val_split": DEFAULT_VAL_SPLIT}
    return {key: checked.get(key, defaults[key]) for key in SCRIPT_SETTINGS}
