"""The evaluation of the current weights, outside training: computed on a worker thread soon
after they change (debounced, one at a time), and discarded when they changed meanwhile.

What it finds goes out through the training controller's ``evaluated`` signal, like a run's
evaluation, so the views cannot tell the two apart.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, QTimer, Slot

from netbuilder.gui.text import fill

if TYPE_CHECKING:
    from netbuilder.core.data import Dataset
    from netbuilder.gui.controllers.training import TrainingController
    from netbuilder.gui.controllers.training_worker import EvaluationWorker

EVALUATE_DELAY_MS = 300  # after a change of weights, wait for more before evaluating


class CurrentEvaluation(QObject):
    def __init__(self, controller: TrainingController):
        super().__init__(controller)
        self.controller = controller
        self.session = controller.session
        self.thread: QThread | None = None
        self.evaluator: EvaluationWorker | None = None
        self._key: tuple | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(EVALUATE_DELAY_MS)
        self._timer.timeout.connect(self._evaluate_now)

    def soon(self) -> None:
        """Evaluate the current weights soon, on a thread, when they are worth it."""
        if self.session.trained and not self.controller.running:
            self._timer.start()

    @Slot()
    def _evaluate_now(self) -> None:
        from netbuilder.gui.controllers.training_worker import EvaluationWorker, start_detached

        session, controller = self.session, self.controller
        if controller.running or not session.trained or not session.document.analysis.ok:
            return
        if self.thread is not None:  # one at a time; the next when it ends
            self._timer.start()
            return
        name = session.dataset
        if not name:
            return
        self._key = controller.loads.key(name)
        model = copy.deepcopy(controller.model).cpu().eval()
        self.evaluator = EvaluationWorker(model, controller.datasets.get(self._key), name,
                                          session.val_split, session.config.seed,
                                          session.config.loss, session.weights_version)
        self.evaluator.done.connect(self._evaluated_aside)
        self.evaluator.failed.connect(self._evaluation_failed)
        self.thread = start_detached(self.evaluator)
        self.thread.finished.connect(self._evaluation_finished)

    @Slot(object, object, int)
    def _evaluated_aside(self, result, dataset: Dataset, version: int) -> None:
        controller = self.controller
        controller.datasets[self._key] = dataset
        if version != self.session.weights_version or controller.running:
            return  # the weights changed meanwhile: another evaluation follows
        controller.dataset = dataset
        controller.emit_evaluation(result, dataset)

    @Slot(str)
    def _evaluation_failed(self, text: str) -> None:
        self.controller.message.emit(fill(self.tr("The evaluation could not run: %1"), text))

    @Slot()
    def _evaluation_finished(self) -> None:
        self.thread = None  # released by its keeper
        self.evaluator = None
