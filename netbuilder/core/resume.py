"""Where a training run stands, so that it can go on later exactly as if it had never stopped.

A :class:`ResumePoint` is what :meth:`Trainer.resume_point` returns after a run has stopped
(or finished): the run's settings, how far it got (complete epochs, and batches of the epoch in
progress with that epoch's shuffled order and running sums), the optimizer's and the learning
rate schedule's state, the random generators' states, the run's history, its best epoch with
those weights, and the patience count. Together with the model's weights at that moment, a new
:class:`Trainer` given the point continues the run bit for bit as an uninterrupted run would
have gone (on the CPU, with the same data).

The weights themselves are not part of it: a checkpoint stores them beside it.

:meth:`ResumePoint.to_payload` gives only tensors and plain values, so ``torch.save`` writes it
and ``torch.load(weights_only=True)`` reads it back; :meth:`ResumePoint.from_payload` trusts
nothing it reads and raises :class:`ResumeError` naming the field that is wrong.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch

from netbuilder.core.pth_guard import (
    is_finite_number,
    plain_problem,
    short_repr,
    tensor_problem,
)
from netbuilder.core.train_config import PEN_SETTINGS

if TYPE_CHECKING:
    from netbuilder.core.training import TrainConfig

RESUME_VERSION = 1
ENDINGS = ("", "finished", "early_stopped")  # interrupted (can resume), or how the run ended
RNG_STATE_BYTES = int(torch.get_rng_state().numel())  # a CPU generator's state (mt19937)
BEST_KEYS = ("epoch", "val_loss", "val_accuracy")


class ResumeError(ValueError):
    """A resume state that cannot be used; the message names the field."""


@dataclass
class ResumePoint:
    """Where a run stands, so that continuing it gives bit for bit what an uninterrupted run
    gives (CPU, same seed).

    ``best`` is the epoch with the lowest validation loss so far and ``best_weights`` the
    model's state_dict at its end (CPU tensors). ``ended`` is "" while the run can go on,
    "finished" when it ran all its epochs, "early_stopped" when patience ended it.
    """

    config: dict[str, Any]  # TrainConfig.to_dict() of the run
    epochs_done: int  # complete epochs of the run
    step: int  # batches done in the epoch in progress (0: at an epoch boundary)
    global_step: int
    optimizer: dict  # optimizer.state_dict() (tensors on the CPU)
    schedule: dict | None  # lr scheduler state_dict(), None without a schedule
    generator: torch.Tensor  # get_state() of the shuffling/augmentation generator (uint8)
    rng: torch.Tensor  # torch.get_rng_state() (dropout etc.)
    order: torch.Tensor | None  # the permutation of the epoch in progress (when step > 0)
    predicted: torch.Tensor | None  # the train predictions so far in that epoch (when step > 0)
    loss_sum: float = 0.0  # that epoch's running sums
    seen: int = 0
    start_loss: float | None = None
    best: dict | None = None  # {"epoch": int, "val_loss": float, "val_accuracy": float}
    best_weights: dict[str, torch.Tensor] | None = None  # the state_dict of the best epoch
    epochs_since_best: int = 0  # for patience
    history: list[dict] = field(default_factory=list)  # the run's epochs (history_dicts format)
    ended: str = ""  # "" (interrupted: can resume), "finished", "early_stopped"

    @property
    def finished(self) -> bool:
        """Whether the run has nothing left to do: it ended, or ran all its epochs."""
        return self.ended != "" or (self.epochs_done >= self.config["epochs"] and self.step == 0)

    def resumes(self, config: TrainConfig) -> bool:
        """Whether training with ``config`` continues this run: it has not finished, and every
        setting but the device is the run's."""
        if self.finished:
            return False
        return _comparable(config.to_dict()) == _comparable(self.config)

    def differences(self, config: TrainConfig) -> list[str]:
        """The settings (but the device) in which ``config`` differs from the run's: "lr 0.001
        → 0.01"."""
        mine, theirs = _comparable(self.config), _comparable(config.to_dict())
        return [f"{key} {short_repr(mine.get(key))} → {short_repr(theirs.get(key))}"
                for key in sorted(set(mine) | set(theirs)) if mine.get(key) != theirs.get(key)]

    def to_payload(self) -> dict[str, Any]:
        """Only tensors (on the CPU) and plain values: ``torch.load(weights_only=True)`` reads
        it back, and :meth:`from_payload` turns it into a ResumePoint again."""
        return {
            "version": RESUME_VERSION,
            "config": dict(self.config),
            "epochs_done": int(self.epochs_done),
            "step": int(self.step),
            "global_step": int(self.global_step),
            "optimizer": cpu_copy(self.optimizer),
            "schedule": copy.deepcopy(self.schedule),
            "generator": cpu_copy(self.generator),
            "rng": cpu_copy(self.rng),
            "order": None if self.order is None else cpu_copy(self.order),
            "predicted": None if self.predicted is None else cpu_copy(self.predicted),
            "loss_sum": float(self.loss_sum),
            "seen": int(self.seen),
            "start_loss": None if self.start_loss is None else float(self.start_loss),
            "best": None if self.best is None else dict(self.best),
            "best_weights": None if self.best_weights is None else {
                key: cpu_copy(value) for key, value in self.best_weights.items()},
            "epochs_since_best": int(self.epochs_since_best),
            "history": [dict(record) for record in self.history],
            "ended": self.ended,
        }

    @classmethod
    def from_payload(cls, data: Any) -> ResumePoint:
        """A ResumePoint from what :meth:`to_payload` gave (after torch.load), every field
        checked: types, ranges, tensors (dense, CPU, dtype, shape) and how the fields fit
        together. Raises :class:`ResumeError` naming the field, never anything else."""
        try:
            return _from_payload(cls, data)
        except ResumeError:
            raise
        except Exception as exc:  # a crafted value that breaks a check is refused, too
            raise ResumeError(f"is not a usable resume state ({type(exc).__name__}: "
                              f"{short_repr(str(exc), 120)})") from None


def _comparable(config: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in config.items() if key != "device"}


def cpu_copy(value: Any) -> Any:
    """A deep copy with every tensor detached, on the CPU and owning its memory."""
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", copy=True)
    if isinstance(value, dict):
        return {key: cpu_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [cpu_copy(item) for item in value]
    if isinstance(value, tuple):
        return tuple(cpu_copy(item) for item in value)
    return copy.deepcopy(value)


# ---------------------------------------------------------------------------------------------
# Checking a payload


def _field(data: dict, key: str) -> Any:
    try:
        return data.get(key)
    except Exception:
        return None


def _refuse(name: str, why: str) -> ResumeError:
    return ResumeError(f"{name}: {why}")


def _integer(value: Any, name: str, low: int, high: int | None = None) -> int:
    if type(value) is not int or value < low or (high is not None and value > high):
        limit = f"from {low} to {high}" if high is not None else f"≥ {low}"
        raise _refuse(name, f"is {short_repr(value)}, not an integer {limit}")
    return value


def _number(value: Any, name: str) -> float:
    if not is_finite_number(value):
        raise _refuse(name, f"is {short_repr(value)}, not a finite number")
    return float(value)


def _checked_config(value: Any) -> dict[str, Any]:
    from netbuilder.core.training import TrainConfig

    if not isinstance(value, dict):
        raise _refuse("config", f"is {short_repr(value)}, not a dict of settings")
    known = TrainConfig.__dataclass_fields__
    for key in value:
        if not isinstance(key, str) or key not in known:
            raise _refuse("config", f"has an unknown setting {short_repr(key)}")
    # A run saved before the pen and scanner effects existed trained without them.
    config = TrainConfig.from_dict({**dict.fromkeys(PEN_SETTINGS, 0.0), **value})
    problems = config.problems()
    if problems:
        raise _refuse("config", "; ".join(problems))
    return config.to_dict()


def _rng_state(value: Any, name: str) -> torch.Tensor:
    problem = tensor_problem(value)
    if problem:
        raise _refuse(name, problem)
    if value.dtype != torch.uint8 or tuple(value.shape) != (RNG_STATE_BYTES,):
        raise _refuse(name, f"is a {_described(value)} tensor, not the uint8 "
                            f"[{RNG_STATE_BYTES}] state of a CPU generator")
    try:
        torch.Generator().set_state(value)
    except Exception as exc:
        raise _refuse(name, f"is not a generator state torch accepts ({short_repr(str(exc))})"
                      ) from None
    return value


def _described(tensor: torch.Tensor) -> str:
    return f"{str(tensor.dtype).removeprefix('torch.')} {list(tensor.shape)}"


def _index_tensor(value: Any, name: str) -> torch.Tensor | None:
    if value is None:
        return None
    problem = tensor_problem(value)
    if problem:
        raise _refuse(name, problem)
    if value.dtype != torch.int64 or value.dim() != 1:
        raise _refuse(name, f"is a {_described(value)} tensor, not a 1-D int64 one")
    return value


def _checked_optimizer(value: Any) -> dict:
    """A dict shaped like ``Optimizer.state_dict()``: {"state": {int: {str: tensor or plain}},
    "param_groups": [{"params": [int, …], str: plain}, …]}."""
    name = "optimizer"
    if not isinstance(value, dict):
        raise _refuse(name, f"is {short_repr(value)}, not an optimizer's state dict")
    per_param, groups = _field(value, "state"), _field(value, "param_groups")
    if not isinstance(per_param, dict) or not isinstance(groups, list) or not groups:
        raise _refuse(name, "lacks its 'state' dict or its list of 'param_groups'")
    ids: list[int] = []
    for group in groups:
        params = _field(group, "params") if isinstance(group, dict) else None
        if not isinstance(params, list) or not all(type(p) is int for p in params):
            raise _refuse(name, "has a parameter group without a list of parameter numbers")
        problem = plain_problem(group)
        if problem:
            raise _refuse(name, f"param_groups {problem}")
        ids += params
    if len(set(ids)) != len(ids):
        raise _refuse(name, "names a parameter in more than one place")
    for index, values in per_param.items():
        if type(index) is not int or index not in ids or not isinstance(values, dict):
            raise _refuse(name, f"has a state entry {short_repr(index)} that is not one of its "
                                "parameters with its values")
        problem = plain_problem(values, allow_tensors=True)
        if problem:
            raise _refuse(name, f"state {problem}")
    return value


def _checked_schedule(value: Any, config: dict[str, Any]) -> dict | None:
    if config["schedule"] == "none":
        if value is not None:
            raise _refuse("schedule", "is given, but the run has no learning rate schedule")
        return None
    if not isinstance(value, dict):
        raise _refuse("schedule", f"is {short_repr(value)}, not the state of the run's "
                                  f"{config['schedule']} schedule")
    problem = plain_problem(value)
    if problem:
        raise _refuse("schedule", problem)
    return value


def _checked_best(value: Any, epochs_done: int) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != set(BEST_KEYS):
        raise _refuse("best", f"is {short_repr(value)}, not a dict of {', '.join(BEST_KEYS)}")
    epoch = _integer(value["epoch"], "best epoch", 1, epochs_done)
    loss = _number(value["val_loss"], "best val_loss")
    accuracy = _number(value["val_accuracy"], "best val_accuracy")
    if not 0.0 <= accuracy <= 1.0:
        raise _refuse("best val_accuracy", f"is {accuracy!r}, not from 0 to 1")
    return {"epoch": epoch, "val_loss": loss, "val_accuracy": accuracy}


def _checked_weights(value: Any) -> dict[str, torch.Tensor] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not value:
        raise _refuse("best_weights", f"is {short_repr(value)}, not a state_dict")
    for key, tensor in value.items():
        if not isinstance(key, str):
            raise _refuse("best_weights", f"has a key {short_repr(key)} that is not text")
        problem = tensor_problem(tensor)
        if problem:
            raise _refuse("best_weights", f"{key[:80]} {problem}")
    return dict(value)


def _checked_history(value: Any, epochs_done: int) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise _refuse("history", "is not a list of dicts")
    problem = plain_problem(value)
    if problem:
        raise _refuse("history", problem)
    if len(value) != epochs_done:
        raise _refuse("history", f"holds {len(value)} epochs, but the run has done "
                                 f"{epochs_done}")
    for number, record in enumerate(value, 1):
        if record.get("epoch") != number or type(record.get("epoch")) is not int:
            raise _refuse("history", f"at [{number - 1}]: its epoch is "
                                     f"{short_repr(record.get('epoch'))}, not {number}")
    return value


def _from_payload(cls: type[ResumePoint], data: Any) -> ResumePoint:
    if not isinstance(data, dict):
        raise ResumeError(f"is {short_repr(data)}, not a dict")
    version = _field(data, "version")
    if type(version) is not int or version != RESUME_VERSION:
        raise _refuse("version", f"is {short_repr(version)}, not {RESUME_VERSION}")
    config = _checked_config(_field(data, "config"))
    epochs, batch = config["epochs"], config["batch_size"]
    epochs_done = _integer(_field(data, "epochs_done"), "epochs_done", 0, epochs)
    step = _integer(_field(data, "step"), "step", 0)
    global_step = _integer(_field(data, "global_step"), "global_step", 0)
    if global_step < step:
        raise _refuse("global_step", f"is {global_step}, fewer than the {step} steps of the "
                                     "epoch in progress")
    optimizer = _checked_optimizer(_field(data, "optimizer"))
    schedule = _checked_schedule(_field(data, "schedule"), config)
    generator = _rng_state(_field(data, "generator"), "generator")
    rng = _rng_state(_field(data, "rng"), "rng")
    order = _index_tensor(_field(data, "order"), "order")
    predicted = _index_tensor(_field(data, "predicted"), "predicted")
    loss_sum = _number(_field(data, "loss_sum"), "loss_sum")
    seen = _integer(_field(data, "seen"), "seen", 0)
    ended = _field(data, "ended")
    if not isinstance(ended, str) or ended not in ENDINGS:
        raise _refuse("ended", f"is {short_repr(ended)}, not one of {ENDINGS}")
    if step == 0:
        for name, value in (("order", order), ("predicted", predicted)):
            if value is not None:
                raise _refuse(name, "is given, but no batch of the epoch in progress is done "
                                    "(step 0)")
        if seen or loss_sum:
            raise _refuse("seen", "and loss_sum must be 0 when no batch of the epoch is done")
    else:
        if order is None or predicted is None:
            raise _refuse("order" if order is None else "predicted",
                          f"is missing, but {step} batches of the epoch in progress are done")
        if len(order) != len(predicted):
            raise _refuse("predicted", f"holds {len(predicted)} values for the {len(order)} "
                                       "images of the epoch's order")
        if not torch.equal(torch.sort(order).values, torch.arange(len(order))):
            raise _refuse("order", "is not a permutation of the training images")
        steps_per_epoch = math.ceil(len(order) / batch)
        if step >= steps_per_epoch:
            raise _refuse("step", f"is {step}, but an epoch of {len(order)} images has "
                                  f"{steps_per_epoch} batches of {batch}")
        if epochs_done >= epochs:
            raise _refuse("step", f"is {step}, but all {epochs} epochs of the run are done")
        if seen != step * batch:
            raise _refuse("seen", f"is {seen}, not the {step * batch} images of {step} "
                                  f"batches of {batch}")
        if ended:
            raise _refuse("ended", f"is {ended!r} in the middle of an epoch")
    if ended == "finished" and epochs_done != epochs:
        raise _refuse("ended", f"is 'finished' after {epochs_done} of {epochs} epochs")
    start_loss = _field(data, "start_loss")
    start_loss = None if start_loss is None else _number(start_loss, "start_loss")
    best = _checked_best(_field(data, "best"), epochs_done)
    best_weights = _checked_weights(_field(data, "best_weights"))
    if (best is None) != (best_weights is None):
        raise _refuse("best_weights", "must be given with best, and only with it")
    since = _integer(_field(data, "epochs_since_best"), "epochs_since_best", 0, epochs_done)
    if since != (epochs_done - best["epoch"] if best else 0):
        raise _refuse("epochs_since_best", f"is {since}, but the best epoch is "
                                           f"{best['epoch'] if best else 'none'} of "
                                           f"{epochs_done}")
    history = _checked_history(_field(data, "history"), epochs_done)
    if ended == "early_stopped" and not (best and since and config["patience"]):
        raise _refuse("ended", "is 'early_stopped', but patience did not end the run")
    return cls(config=config, epochs_done=epochs_done, step=step, global_step=global_step,
               optimizer=optimizer, schedule=schedule, generator=generator, rng=rng,
               order=order, predicted=predicted, loss_sum=loss_sum, seen=seen,
               start_loss=start_loss, best=best, best_weights=best_weights,
               epochs_since_best=since, history=history, ended=ended)


__all__ = ["ENDINGS", "RESUME_VERSION", "ResumeError", "ResumePoint"]
