"""A standalone training script for a network: the model class, data loading and the training
loop with the app's settings, ready for one machine or for torchrun + DistributedDataParallel.

The script needs torch (and torchvision only for ``--mnist``), not netbuilder: the embedded
digits are found in an installed netbuilder's files or given as an ``.npz``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netbuilder.core.codegen import docstring_text, literal, module_source
from netbuilder.core.project import check_settings
from netbuilder.core.spec import NetworkSpec, Problem
from netbuilder.core.training import TrainConfig, TrainingError

# The settings the script reads; any other key of a checkpoint's "training" is left out.
SCRIPT_SETTINGS = ("loss", "optimizer", "lr", "momentum", "weight_decay", "batch_size", "epochs",
                   "schedule", "seed", "augment", "val_split")
DEFAULT_VAL_SPLIT = 0.2

TEMPLATE = '''"""Train {class_name} — written by netbuilder {version}.

One machine:      python {script} [--epochs N] [--out model.pth] [--limit N]
Several (DDP):    torchrun --standalone --nproc_per_node=N {script}
Several machines: torchrun --nnodes=M --node_rank=R --nproc_per_node=N \\\\
                      --rdzv_backend=c10d --rdzv_endpoint=HOST:PORT {script}

Each rank trains on its own shard of every epoch's shuffled data (gloo on CPU, nccl on GPU);
DistributedDataParallel keeps the replicas identical. Rank 0 logs and saves a plain state_dict
that model.load_state_dict(torch.load(path)) — and netbuilder — read.
"""

import argparse
import importlib.util
import math
import os
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
{extra_imports}
SETTINGS = {settings}


{model_source}

def find_digits():
    """The embedded digits of an installed netbuilder (no netbuilder import needed)."""
    spec = importlib.util.find_spec("netbuilder")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("give --data PATH.npz (or --mnist ROOT): netbuilder is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return folder / "resources" / "data" / "digits.npz"


def load_data(args):
    """(train_x, train_y, val_x, val_y): floats in [0, 1], N×1×28×28, as ToTensor gives."""
    if args.mnist:
        from torchvision import datasets

        train = datasets.MNIST(args.mnist, train=True, download=True)
        test = datasets.MNIST(args.mnist, train=False, download=True)
        return (train.data.unsqueeze(1).float() / 255, train.targets.long(),
                test.data.unsqueeze(1).float() / 255, test.targets.long())
    with np.load(args.data or find_digits(), allow_pickle=False) as archive:
        images = torch.from_numpy(archive["images"].copy()).unsqueeze(1).float() / 255
        labels = torch.from_numpy(archive["labels"].astype(np.int64))
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(args.seed))
    n_val = max(1, round(len(labels) * args.val_split))
    val, train = order[:n_val], order[n_val:]
    if args.limit:  # a quick check: a slice of the data
        train, val = train[:args.limit], val[:args.limit]
    return images[train], labels[train], images[val], labels[val]


def augment(x, generator, degrees=10.0, scale=(0.9, 1.1), shift=2.0):
    """Random small rotation, scale and shift of a whole batch."""
    n, _c, h, w = x.shape
    r = torch.rand(n, 3, generator=generator).to(x.device)
    angle = (r[:, 0] * 2 - 1) * math.radians(degrees)
    factor = scale[0] + r[:, 1] * (scale[1] - scale[0])
    moves = (torch.rand(n, 2, generator=generator).to(x.device) * 2 - 1) * shift
    cos, sin = torch.cos(angle) / factor, torch.sin(angle) / factor
    theta = torch.stack([torch.stack([cos, -sin, moves[:, 0] * 2 / w], 1),
                         torch.stack([sin, cos, moves[:, 1] * 2 / h], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False)


def loss_of(outputs, labels, classes):
    if SETTINGS["loss"] == "nll":
        return F.nll_loss(outputs, labels)
    if SETTINGS["loss"] == "mse":
        return F.mse_loss(outputs, F.one_hot(labels, classes).to(outputs.dtype))
    return F.cross_entropy(outputs, labels)


def make_optimizer(params, args):
    name, wd = SETTINGS["optimizer"], SETTINGS["weight_decay"]
    if name == "sgd":
        return torch.optim.SGD(params, lr=args.lr, momentum=SETTINGS["momentum"],
                               weight_decay=wd)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=args.lr, weight_decay=wd)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=args.lr, momentum=SETTINGS["momentum"],
                                   weight_decay=wd)
    return torch.optim.Adam(params, lr=args.lr, weight_decay=wd)


def make_schedule(optimizer, epochs, steps):
    name = SETTINGS["schedule"]
    if name == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, max(1, epochs // 3), 0.1), False
    if name == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs * steps), True
    if name == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, optimizer.param_groups[0]["lr"],
                                                   total_steps=epochs * steps), True
    return None, False


def main():
    parser = argparse.ArgumentParser(description={description})
    parser.add_argument("--data", help="digits .npz (default: netbuilder's embedded digits)")
    parser.add_argument("--mnist", metavar="ROOT", help="use torchvision's MNIST in ROOT")
    parser.add_argument("--epochs", type=int, default=SETTINGS["epochs"])
    parser.add_argument("--batch-size", type=int, default=SETTINGS["batch_size"],
                        help="per rank")
    parser.add_argument("--lr", type=float, default=SETTINGS["lr"])
    parser.add_argument("--seed", type=int, default=SETTINGS["seed"])
    parser.add_argument("--val-split", type=float, default=SETTINGS["val_split"])
    parser.add_argument("--out", default={default_out}, help="state_dict written by rank 0")
    parser.add_argument("--save-all-ranks", action="store_true",
                        help="also write OUT.rankN.pth from every rank (to compare them)")
    parser.add_argument("--limit", type=int, default=0, metavar="N",
                        help="use only N training and N validation images (a quick check)")
    args = parser.parse_args()

    distributed = "RANK" in os.environ and "WORLD_SIZE" in os.environ
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
        local = int(os.environ.get("LOCAL_RANK", "0"))
    else:
        rank, world, local = 0, 1, 0
    if torch.cuda.is_available():
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)
    else:
        device = torch.device("cpu")
    torch.manual_seed(args.seed)  # the same initial weights on every rank
    train_x, train_y, val_x, val_y = load_data(args)
    classes = int(max(train_y.max(), val_y.max())) + 1
    model = {class_name}().to(device)
    if distributed:
        model = nn.parallel.DistributedDataParallel(
            model, device_ids=[local] if device.type == "cuda" else None)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = make_optimizer(params, args)
    shard = math.ceil(len(train_y) / world)
    steps = math.ceil(shard / args.batch_size)
    schedule, per_batch = make_schedule(optimizer, args.epochs, steps)
    shuffle = torch.Generator().manual_seed(args.seed)  # the same permutation on every rank
    noise = torch.Generator().manual_seed(args.seed + 1 + rank)
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(train_y), generator=shuffle)
        mine = order[rank::world]
        if len(mine) < shard:  # equal shards keep the ranks in step
            mine = torch.cat([mine, order[:shard - len(mine)]])
        total, seen = 0.0, 0
        for start in range(0, shard, args.batch_size):
            index = mine[start:start + args.batch_size]
            x, y = train_x[index].to(device), train_y[index].to(device)
            if SETTINGS["augment"]:
                x = augment(x, noise)
            loss = loss_of(model(x), y, classes)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if schedule is not None and per_batch:
                schedule.step()
            total += loss.item() * len(y)
            seen += len(y)
        if schedule is not None and not per_batch:
            schedule.step()
        if rank == 0:  # the plain module: a DDP forward here would wait for the other ranks
            plain = model.module if distributed else model
            plain.eval()
            with torch.no_grad():
                scores = plain(val_x.to(device))
                accuracy = (scores.argmax(1).cpu() == val_y).float().mean().item()
            print(f"epoch {{epoch}}/{{args.epochs}}  train loss {{total / seen:.4f}}  "
                  f"val acc {{accuracy:.4f}}", flush=True)
    plain = model.module if distributed else model
    if distributed:  # running statistics (BatchNorm) saw each rank's own last batch
        for buffer in plain.buffers():
            dist.broadcast(buffer.data, src=0)
    state = {{k: v.detach().cpu() for k, v in plain.state_dict().items()}}
    if args.save_all_ranks:
        torch.save(state, f"{{Path(args.out).with_suffix('')}}.rank{{rank}}.pth")
    if rank == 0:
        torch.save(state, args.out)
        print(f"wrote {{args.out}}", flush=True)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
'''


def training_script(spec: NetworkSpec, config: TrainConfig | Mapping[str, Any] | None = None,
                    val_split: float | None = None, script_name: str = "train.py") -> str:
    """The source of a training script for ``spec`` with these settings.

    ``config`` may be a checkpoint's ``training`` dict: see :func:`script_settings`. Raises
    SpecError for an invalid spec and TrainingError for settings that cannot go into a script.
    """
    from netbuilder import __version__

    settings = script_settings(config, val_split)
    module = module_source(spec)
    imports = [line for line in module.imports if line]
    extra = [line for line in imports  # the script imports these itself
             if line not in ("import torch", "from torch import nn",
                             "from collections import OrderedDict")]
    source = TEMPLATE.format(
        class_name=spec.class_name, version=__version__,
        script=docstring_text(script_name, one_line=True),
        extra_imports="".join(f"\n{line}" for line in extra) + "\n" if extra else "",
        settings=_settings_source(settings), model_source=module.code_text(),
        description=literal(f"Train {spec.class_name}."),
        default_out=literal(f"{spec.class_name.lower()}.pth"))
    if "from collections import OrderedDict" in imports:  # isort's place: among the stdlib
        source = source.replace("from pathlib import Path\n",
                                "from collections import OrderedDict\nfrom pathlib import Path\n",
                                1)
    return source


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


def _settings_source(settings: dict[str, Any]) -> str:
    lines = ["{"]
    for key, value in settings.items():
        lines.append(f"    {literal(key)}: {literal(value, f'training.{key}')},")
    lines.append("}")
    return "\n".join(lines)
