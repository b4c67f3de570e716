"""The training loop: small, readable, and driven by whoever reads its events.

``Trainer.run()`` is a generator of events (started, batch end, epoch end, paused, resumed,
stopped, failed, finished) that carry plain Python numbers, so a GUI thread, the CLI and tests
consume the same loop. Stop and pause are ``threading.Event`` flags checked between batches;
a stop leaves the model usable, a non-finite loss or a run-time failure puts back the last good
weights.

"Good" weights are checked, never assumed: at the end of each epoch the weights must be finite,
give finite outputs on a fixed probe batch, and give a finite validation loss that has not
diverged (see :func:`divergence_limit`). Only then do they become the rollback point; before
the first good epoch it is the weights the model had when the run started. An epoch that fails
the check ends the run with a ``Failed`` event, the rollback point back in the model (and the
optimizer's moments with it, so that training again does not inherit exploded state).

A run can be stopped and continued later as if it had never stopped: ``Trainer.resume_point()``
describes where it stands (see ``core.resume``), and a new ``Trainer(…, resume=point)`` goes on
from there. Each run also keeps its best epoch (the lowest validation loss) with a copy of its
weights, and with ``patience`` ends early when the validation loss stops improving.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections.abc import Generator, Iterator
from typing import Any

import torch
from torch import nn

from netbuilder.core import health as health_module
from netbuilder.core.calibration import Calibration, Recorder, calibrate
from netbuilder.core.data import (
    REGRESSION,
    Dataset,
    DatasetError,
    DeviceData,
    augment,
    flips_make_sense,
)
from netbuilder.core.evaluation import (  # noqa: F401  (re-exported: callers import them here)
    Evaluation,
    WrongExample,
    evaluate,
    evaluate_regression,
    loss_value,
)
from netbuilder.core.health import Health
from netbuilder.core.optimization import (  # noqa: F401  (re-exported: callers import them here)
    TrainingError,
    available_devices,
    make_optimizer,
    make_schedule,
    reset_weights,
    resolve_device,
    resumed_groups,
)
from netbuilder.core.pen_augment import pen_augment
from netbuilder.core.pth_guard import short_repr
from netbuilder.core.registry import (  # noqa: F401  (LOSSES etc. re-exported for callers)
    DEVICES,
    LOSSES,
    OPTIMIZERS,
    REGRESSION_LOSSES,
    SCHEDULES,
    TRAINING_CHOICES,
    names,
)
from netbuilder.core.resume import ResumeError, ResumePoint, cpu_copy  # noqa: F401  (re-exported)
from netbuilder.core.streaming import StreamedData, StreamingDataset
from netbuilder.core.train_config import TrainConfig  # noqa: F401  (re-exported for callers)
from netbuilder.core.training_events import (  # noqa: F401  (history_dicts re-exported)
    BatchEnd,
    EpochEnd,
    Event,
    Failed,
    Finished,
    HealthReport,
    Paused,
    Resumed,
    Started,
    Stopped,
    history_dicts,
    plural_count,
)
from netbuilder.core.training_state import (  # noqa: F401  (limits re-exported)
    DIVERGENCE_FACTOR,
    PROBE_SIZE,
    RunState,
    Stepped,
    alike,
    chance_loss,
    divergence_limit,
    epoch_fault,
    first_line,
    moments_fit,
    non_finite_state,
    output_problem,
    restored_text,
    snapshot,
)

# ---------------------------------------------------------------------------------------------
# The trainer


class Trainer:
    """Trains ``model`` on ``data`` with ``config``; iterate :meth:`run` to drive it.

    The optimizer (and its state) lives as long as the trainer, so running again continues
    from the current weights and moments; call ``reset_weights`` first to start afresh.

    ``resume``, a :class:`ResumePoint` of an earlier run (with the model holding the weights
    saved with it), is used by the first :meth:`run`:

    * when it resumes ``config`` (an unfinished run with the same settings but the device) and
      fits the model, the run goes on exactly where it stopped: optimizer and schedule state,
      generator and RNG states, epoch, step, the epoch in progress, history, best weights and
      patience count (``resumed`` is True);
    * otherwise, when its optimizer state is of the same optimizer for the same parameters, a
      new run starts (epoch 1, fresh schedule, seeded generators) keeping the optimizer's
      moments, with the new settings (``moments_kept`` is True);
    * otherwise it is ignored.

    ``best``/``best_weights``: the epoch of this run with the lowest validation loss
    ({"epoch", "val_loss", "val_accuracy"}) and a CPU copy of the model's state_dict at its
    end, or None before the first good epoch. With ``config.patience`` N > 0 the run ends
    with ``Stopped("early", …)`` once N epochs in a row did not lower the validation loss below
    the best one; the model keeps the last weights.
    """

    def __init__(self, model: nn.Module,
                 data: Dataset | DeviceData | StreamingDataset | StreamedData,
                 config: TrainConfig,
                 stop: threading.Event | None = None, pause: threading.Event | None = None,
                 health_every: int = 0, health_seconds: float = 0.0,
                 resume: ResumePoint | None = None):
        self.model = model
        # Measure health every N steps, or at most every so many seconds (0: never).
        self.health_every = health_every
        self.health_seconds = health_seconds
        self.latest_health: Health | None = None
        self.config = config
        self.stop = stop or threading.Event()
        self.pause = pause or threading.Event()
        self.device = resolve_device(config.device)
        loaded = isinstance(data, (Dataset, StreamingDataset))
        self.data = data.on_device(self.device) if loaded else data
        # A mirrored photo is still a photo of its class; a mirrored digit is not a digit.
        self.flips = loaded and flips_make_sense(data.name)
        self.history: list[EpochEnd] = []
        self.optimizer: torch.optim.Optimizer | None = None
        # The weights a run leaves, calibrated on the validation split (classifiers only).
        self.calibration: Calibration | None = None
        self._val_outputs: tuple[int, torch.Tensor | None] | None = None  # epoch, its outputs
        self._state: RunState | None = None
        problems = config.problems(len(self.data.train_y))
        if self.regression and config.loss not in REGRESSION_LOSSES:
            problems.append(f"a regression trains with the {' or '.join(REGRESSION_LOSSES)} "
                            f"loss, not {short_repr(config.loss)}")
        if problems:
            raise TrainingError("; ".join(problems))
        self._resume = resume
        mode = self._resume_mode(resume) if resume is not None else "cold"
        self.resumed = mode == "exact"  # the first run continues ``resume`` exactly
        self.moments_kept = mode in ("exact", "warm")  # it starts with the run's moments

    @property
    def regression(self) -> bool:
        """Targets are numbers (a CSV's regression), not classes."""
        return getattr(self.data, "task", "") == REGRESSION

    # -- set-up --------------------------------------------------------------------------------

    def _trainable(self) -> list[nn.Parameter]:
        return [p for p in self.model.parameters() if p.requires_grad]

    def _steps_per_epoch(self) -> int:
        return math.ceil(len(self.data.train_y) / self.config.batch_size)

    def _resume_mode(self, resume: ResumePoint) -> str:
        """'exact', 'warm' (a new run keeping the optimizer's moments) or 'cold'; checks only,
        changes nothing."""
        params = self._trainable()
        kind = self.config.optimizer
        if (not params or resume.config.get("optimizer") != kind
                or not moments_fit(resume.optimizer, params, kind)):
            return "cold"
        if resume.resumes(self.config) and self._position_fits(resume):
            return "exact"
        return "warm"

    def _position_fits(self, resume: ResumePoint) -> bool:
        """Whether ``resume`` can continue here exactly: one parameter group and a schedule
        state shaped like fresh ones, step counts that fit this data's batches, the epoch's
        order over these training images, best weights that fit the model."""
        spe, n = self._steps_per_epoch(), len(self.data.train_y)
        if resume.global_step != resume.epochs_done * spe + resume.step:
            return False  # another number of batches per epoch: other data
        if resume.step >= spe or (resume.step and (resume.order is None
                                                     or len(resume.order) != n)):
            return False
        probe = make_optimizer(self.config, self._trainable())
        for group in probe.param_groups:  # as _prepare leaves them
            group["initial_lr"] = self.config.lr
        schedule, per_batch = make_schedule(self.config, probe, spe * self.config.epochs)
        saved_groups = resume.optimizer["param_groups"]
        if not alike(saved_groups, resumed_groups(saved_groups,
                                                  probe.state_dict()["param_groups"])):
            return False
        if schedule is not None:
            if resume.schedule is None or not alike(resume.schedule, schedule.state_dict()):
                return False
            expected = resume.global_step if per_batch else resume.epochs_done
            if resume.schedule.get("last_epoch") != expected:
                return False
        if resume.best_weights is not None:
            own = self.model.state_dict()
            if set(own) != set(resume.best_weights) or any(
                    tuple(own[k].shape) != tuple(resume.best_weights[k].shape)
                    or own[k].dtype != resume.best_weights[k].dtype for k in own):
                return False
        return True

    # -- where the run stands -------------------------------------------------------------------

    @property
    def best(self) -> dict[str, Any] | None:
        """{"epoch", "val_loss", "val_accuracy"} of the run's epoch with the lowest validation
        loss, or None before its first good epoch."""
        return None if self._state is None else self._state.best

    @property
    def best_weights(self) -> dict[str, torch.Tensor] | None:
        """The model's state_dict (CPU copies) at the end of the :attr:`best` epoch, or None."""
        return None if self._state is None else self._state.best_weights

    def resume_point(self) -> ResumePoint | None:
        """Where the run stands now, to continue it later with ``Trainer(…, resume=…)`` and the
        model's weights of this moment (save both together).

        Call it after the run ended (a user stop, early stop or finish) or between its events.
        After a stop in the middle of an epoch it describes that batch exactly. It is None
        before a run has started, after a ``Failed`` event, and after a stop that had to put
        earlier weights back (non-finite loss or weights): then the position is lost.
        """
        state = self._state
        if state is None or state.lost:
            return None
        if state.stopped_at is not None:
            generator, rng = state.stopped_at
        elif state.step == 0 and state.order is not None and state.boundary is not None:
            generator, rng = state.boundary
        else:
            generator, rng = state.generator.get_state(), torch.get_rng_state()
        mid = state.step > 0
        return ResumePoint(
            config=self.config.to_dict(), epochs_done=state.epochs_done, step=state.step,
            global_step=state.global_step,
            optimizer=cpu_copy(state.optimizer.state_dict()),
            schedule=copy.deepcopy(state.schedule.state_dict()) if state.schedule else None,
            generator=generator.clone(), rng=rng.clone(),
            order=cpu_copy(state.order) if mid else None,
            predicted=cpu_copy(state.predicted) if mid else None,
            loss_sum=state.loss_sum if mid else 0.0, seen=state.seen if mid else 0,
            start_loss=state.start_loss,
            best=dict(state.best) if state.best else None,
            best_weights=dict(state.best_weights) if state.best_weights else None,
            epochs_since_best=state.epochs_since_best,
            history=[dict(record) for record in state.history], ended=state.ended)

    # -- the loop ------------------------------------------------------------------------------

    _last_health_at = 0.0

    def _measure_now(self, step: int, epoch_end: bool) -> bool:
        if self.health_every:
            return step % self.health_every == 0 or epoch_end
        if self.health_seconds:
            now = time.perf_counter()
            if epoch_end or now - self._last_health_at >= self.health_seconds:
                self._last_health_at = now
                return True
        return False

    def run(self) -> Iterator[Event]:
        """Train, yielding events; see the module docstring for what ends a run and how.
        Before the event that ends a run that started, :attr:`calibration` is set for the
        weights it leaves (see :meth:`_calibrate`)."""
        self.calibration, self._val_outputs = None, None
        for event in self._run():
            if isinstance(event, (Finished, Stopped, Failed)) and self._state is not None:
                self.calibration = self._calibrate()
            yield event

    def _calibrate(self) -> Calibration | None:
        """Temperature scaling and the "not sure" threshold (core.calibration) of the model's
        weights on the validation split, for a classifier: fitted on the outputs of the last
        epoch's own validation pass when the weights are still those it saw, else on one more
        pass. None for a regression, without validation data, or when it cannot be measured."""
        d, state, seen = self.data, self._state, self._val_outputs
        if self.regression or not len(d.val_y):
            return None
        same = seen is not None and not state.lost and state.step == 0 and (
            seen[0] == state.epochs_done)
        try:
            return calibrate(self.model, d.val_x, d.val_y, seen[1] if same else None)
        except (DatasetError, RuntimeError):  # an unreadable streamed image, out of memory
            return None

    def _run(self) -> Iterator[Event]:
        c, n = self.config, len(self.data.train_y)
        self._state = None
        try:
            state = self._prepare()
        except (TrainingError, DatasetError) as exc:  # DatasetError: a streamed image
            yield Failed(str(exc))
            return
        self._state = state
        yield Started(c.epochs, state.steps_per_epoch, n, len(self.data.val_y), str(self.device),
                      first_epoch=state.epochs_done + 1, first_step=state.step,
                      global_step=state.global_step)
        for epoch in range(state.epochs_done + 1, c.epochs + 1):
            if state.order is None:
                state.begin_epoch(n, self.device)
            first = state.step
            batches = self._streamed_batches(state, first)
            for step, start in enumerate(range(first * c.batch_size, n, c.batch_size),
                                         first + 1):
                yield from self._wait_while_paused(epoch, step - 1)
                if self.stop.is_set():
                    yield self._stopped_by_user(state, epoch, step - 1)
                    return
                stepped = self._step(state, epoch, step, start, batches)
                if isinstance(stepped, (Stopped, Failed)):
                    yield stepped
                    return
                state.step = step
                yield from self._maybe_measure_health(state, stepped)
                elapsed = time.perf_counter() - state.epoch_start
                yield BatchEnd(epoch, step, state.global_step, stepped.loss, state.lr(),
                               state.seen / elapsed if elapsed > 0 else 0.0)
            if not (yield from self._end_epoch(state, epoch)):
                return
        self.model.eval()
        state.ended = "finished"
        state.freeze_position()
        yield Finished(c.epochs, time.perf_counter() - state.started)

    def _prepare(self) -> RunState:
        """Check the model against the data, then set up the optimizer, the schedule, the
        seeds and the rollback point (or take them from the resume point); raises
        TrainingError when the run cannot start."""
        c = self.config
        self.model.to(self.device)
        mismatch = output_problem(self.model, self.data, self.regression)
        if mismatch:
            raise TrainingError(mismatch)
        resume, self._resume = self._resume, None  # only the first run resumes
        if resume is not None and self.moments_kept:
            self.optimizer = make_optimizer(self.config, self._trainable())
            if not self.resumed:
                self._load_moments(resume.optimizer)
        elif self.optimizer is None:
            self.optimizer = make_optimizer(self.config, self._trainable())
        optimizer = self.optimizer
        for group in optimizer.param_groups:  # settings may have changed since the last run
            group["lr"] = c.lr
            group.setdefault("initial_lr", c.lr)
            group["initial_lr"] = c.lr
        steps_per_epoch = self._steps_per_epoch()
        schedule, per_batch = make_schedule(c, optimizer, steps_per_epoch * c.epochs)
        generator = torch.Generator().manual_seed(c.seed)
        torch.manual_seed(c.seed)  # dropout and other random layers
        if resume is not None and self.resumed:
            optimizer.load_state_dict(copy.deepcopy(resume.optimizer))
            if schedule is not None:
                schedule.load_state_dict(copy.deepcopy(resume.schedule))
            generator.set_state(resume.generator)
            torch.set_rng_state(resume.rng)
        state = RunState(optimizer, schedule, per_batch, generator, steps_per_epoch,
                          snapshot(self.model), copy.deepcopy(optimizer.state_dict()))
        if resume is not None and self.resumed:
            self._continue(state, resume)
        return state

    def _load_moments(self, saved: dict) -> None:
        """A new run that keeps the moments of ``saved`` (checked by moments_fit) with this
        run's settings: the groups' values are the fresh optimizer's."""
        fresh = self.optimizer.state_dict()["param_groups"]
        ids = [i for group in saved["param_groups"] for i in group["params"]]
        self.optimizer.load_state_dict({
            "state": copy.deepcopy(saved["state"]),
            "param_groups": [{**fresh[0], "params": ids}]})
        if self.config.optimizer == "rmsprop" and self.config.momentum > 0:
            for param in self._trainable():  # momentum was off in the run they come from
                values = self.optimizer.state.get(param)
                if values and "momentum_buffer" not in values:
                    values["momentum_buffer"] = torch.zeros_like(param)

    def _continue(self, state: RunState, resume: ResumePoint) -> None:
        """Put the run's position from ``resume`` into ``state`` (generators are set)."""
        state.epochs_done, state.step = resume.epochs_done, resume.step
        state.global_step = resume.global_step
        state.good_epoch = resume.epochs_done if resume.step == 0 and resume.epochs_done else None
        state.start_loss = resume.start_loss
        state.history = [dict(record) for record in resume.history]
        state.best = dict(resume.best) if resume.best else None
        state.best_weights = ({k: v.detach().to("cpu", copy=True)
                               for k, v in resume.best_weights.items()}
                              if resume.best_weights else None)
        state.epochs_since_best = resume.epochs_since_best
        if resume.step:
            state.order = resume.order.to(self.device, copy=True)
            state.predicted = resume.predicted.to(self.device, copy=True)
            state.loss_sum, state.seen = resume.loss_sum, resume.seen
            state.epoch_start = time.perf_counter()

    def _streamed_batches(self, state: RunState, first: int) -> Iterator[torch.Tensor] | None:
        """A streamed folder's batches of the epoch in progress from batch ``first`` on, in
        ``state.order`` (decoded ahead by its worker processes); None for data in memory."""
        if not isinstance(self.data, StreamedData):
            return None
        return self.data.stream(state.order, first * self.config.batch_size,
                                self.config.batch_size)

    def _wait_while_paused(self, epoch: int, step: int) -> Iterator[Event]:
        if self.pause.is_set() and not self.stop.is_set():
            yield Paused(epoch, step)
            while self.pause.is_set() and not self.stop.is_set():
                time.sleep(0.02)
            yield Resumed(epoch, step)

    def _stopped_by_user(self, state: RunState, epoch: int, step: int) -> Stopped:
        message = f"stopped at epoch {epoch}, step {step}"
        if non_finite_state(self.model) is not None:
            state.roll_back(self.model)
            message += f"; the weights had become non-finite: {restored_text(state.good_epoch)}"
        else:
            state.freeze_position()
        self.model.eval()
        return Stopped("user", message, epoch, step)

    def _step(self, state: RunState, epoch: int, step: int, start: int,
              batches: Iterator[torch.Tensor] | None = None) -> Stepped | Stopped | Failed:
        """One batch: forward, backward, optimizer step. A non-finite loss or a run-time
        failure (out of memory first; for a streamed folder, an image that cannot be read)
        puts the rollback point back and returns the event that ends the run. ``batches``: a
        streamed folder's images of this epoch, the next one this batch's."""
        c, d, model, optimizer = self.config, self.data, self.model, state.optimizer
        index = state.order[start:start + c.batch_size]
        if batches is None:
            x, y = d.train_x[index], d.train_y[index]
        else:
            try:
                x, y = next(batches), d.train_y[index]
            except (DatasetError, RuntimeError) as exc:
                state.roll_back(model)
                return Failed(f"training failed at epoch {epoch}, step {step}: {exc}")
        if c.augment and x.dim() == 4:  # images; rows of a table are not jittered
            x = augment(x, state.generator, flip=self.flips)
            # pen and scanner effects, from the same generator: a resumed run draws the same
            x = pen_augment(x, state.generator, c.pen())
        grads = before = None
        try:
            out = model(x)
            loss = loss_value(c.loss, out, y, d.num_classes)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            value = loss.item()
            if not math.isfinite(value):
                state.roll_back(model)
                model.eval()
                where = (f"the end of epoch {state.good_epoch}" if state.good_epoch is not None
                         else "the start")
                return Stopped("non_finite",
                               f"the loss became {value} at epoch {epoch}, step {step}; the "
                               f"weights from {where} are back. Try a lower learning rate.",
                               epoch, step)
            if state.start_loss is None:
                state.start_loss = value
            if self._measure_now(state.global_step + 1, start + c.batch_size >= len(d.train_y)):
                grads, before = health_module.gradient_norms(model), health_module.snapshot(model)
            optimizer.step()
        except torch.OutOfMemoryError:
            state.roll_back(model)
            return Failed(f"out of memory on {self.device} at batch size {c.batch_size}; "
                          "try a smaller batch size or the CPU")
        except RuntimeError as exc:
            state.roll_back(model)
            return Failed(f"training failed at epoch {epoch}, step {step}: {exc}")
        if state.schedule is not None and state.per_batch:
            state.schedule.step()
        state.global_step += 1
        state.seen += len(y)
        state.loss_sum += value * len(y)
        # Predictions go into one buffer and are compared once per epoch: per-batch
        # bookkeeping costs more than it seems on small, fast models.
        if not self.regression:
            torch.argmax(out.detach(), dim=1, out=state.predicted[start:start + len(y)])
        return Stepped(value, grads, before)

    def _maybe_measure_health(self, state: RunState, stepped: Stepped) -> Iterator[Event]:
        """Health of the step just taken, when ``_step`` kept its gradients for it."""
        if stepped.grads is None:
            return
        previous = self.latest_health
        dead = {p: m.dead_fraction for p, m in previous.modules.items()
                if m.dead_fraction is not None} if previous else {}
        self.latest_health = health_module.collect(
            state.global_step, stepped.grads,
            health_module.update_ratios(self.model, stepped.before), dead)
        yield HealthReport(self.latest_health)

    def _end_epoch(self, state: RunState, epoch: int) -> Generator[Event, None, bool]:
        """Validate, check that the weights are good (else roll back and fail), keep them as
        the rollback point (and the best ones); returns whether the run goes on, which
        patience may end."""
        c, d, model = self.config, self.data, self.model
        lr = state.lr()
        if state.schedule is not None and not state.per_batch:
            state.schedule.step()
        seconds = time.perf_counter() - state.epoch_start
        seen = state.seen
        if self.regression:
            result = evaluate_regression(model, d.val_x, d.val_y, c.loss, keep_predictions=False)
            train_score = 1.0 - (state.loss_sum / seen) / self._mean_loss()
            event = EpochEnd(epoch, state.loss_sum / seen, train_score, result.loss, result.r2,
                             lr, seconds, seen / seconds if seconds else 0.0, result.rmse,
                             result.mae)
        else:
            try:
                with Recorder(model) as recorder:  # its outputs calibrate the run's end
                    result = evaluate(model, d.val_x, d.val_y, d.num_classes, c.loss,
                                      top_wrong=0, keep_predictions=False)
                self._val_outputs = (epoch, recorder.outputs())
            except DatasetError as exc:  # a streamed validation image that cannot be read
                state.roll_back(model)
                model.eval()
                restored = restored_text(state.good_epoch)
                yield Failed(f"validation failed at epoch {epoch}: {exc} "
                             f"{restored[:1].upper()}{restored[1:]}.")
                return False
            correct = int((state.predicted[:seen] == d.train_y[state.order[:seen]]).sum())
            event = EpochEnd(epoch, state.loss_sum / seen, correct / seen, result.loss,
                             result.accuracy, lr, seconds, seen / seconds if seconds else 0.0)
        fault = epoch_fault(self.model, self.data, self.config.loss, epoch, result.loss,
                            state.start_loss, state.best)
        if fault is not None:
            state.roll_back(model)
            model.eval()
            yield event  # what happened, for the curves; it never enters the history
            reason, text = fault
            yield Failed(f"{text}; {restored_text(state.good_epoch)}. Try a lower learning rate.",
                         reason)
            return False
        self.history.append(event)
        state.end_epoch(epoch, history_dicts([event])[0])
        state.keep(model, epoch, result.loss, result.accuracy)
        yield event
        if (self.health_every or self.health_seconds) and self.latest_health is not None:
            dead = health_module.dead_fractions(model, d.val_x[:256])
            self.latest_health = health_module.with_dead_fractions(self.latest_health, dead)
            yield HealthReport(self.latest_health)
        if c.patience and state.epochs_since_best >= c.patience and epoch < c.epochs:
            model.eval()
            state.ended = "early_stopped"
            state.freeze_position()
            best = state.best
            yield Stopped("early", f"stopped early: the validation loss has not improved for "
                                   f"{plural_count(state.epochs_since_best, 'epoch')} (best "
                                   f"{best['val_loss']:.4g} at epoch {best['epoch']})",
                          epoch, 0)
            return False
        return True

    def _mean_loss(self) -> float:
        """The training loss of always predicting the training targets' mean: what a
        regression's train score (R² for MSE) is measured against."""
        y = self.data.train_y.float()
        deviation = y - y.mean(dim=0)
        value = float(loss_value(self.config.loss, deviation, torch.zeros_like(deviation), 1))
        return value if value > 0 else 1.0

    def train(self) -> list[EpochEnd]:
        """Run to the end, ignoring events; raises TrainingError on failure (a user stop and
        an early stop are not failures)."""
        for event in self.run():
            if isinstance(event, (Failed, Stopped)) and not (
                isinstance(event, Stopped) and event.reason in ("user", "early")
            ):
                raise TrainingError(event.message)
        return self.history
