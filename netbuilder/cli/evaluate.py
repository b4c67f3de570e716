"""``netbuilder evaluate``: a trained network's accuracy (or regression errors) on its
validation data."""

from __future__ import annotations

import argparse

from netbuilder.cli.inputs import _dataset_for, _load_input
from netbuilder.cli.messages import CommandError
from netbuilder.cli.parser import _allow, _given


def _evaluate(args: argparse.Namespace) -> int:
    from netbuilder.core.training import TrainingError, evaluate, resolve_device

    source = _load_input(args.spec, args.weights, need_weights=True, allow=_allow(args))
    spec, model = source.spec, source.model
    if source.project is not None:  # the split the window evaluates these weights on
        project = source.project
        found = {"dataset": project.dataset, "val_split": project.training.get("val_split"),
                 "seed": project.training.get("seed")}
        for key, value in found.items():
            if value is not None and not _given(args, key):
                setattr(args, key, value)
    dataset = _dataset_for(args, spec)
    try:
        device = resolve_device(args.device)
    except TrainingError as exc:
        raise CommandError(str(exc)) from None
    data = dataset.on_device(device)
    model.to(device)
    if dataset.task == "regression":
        from netbuilder.core.evaluation import evaluate_regression

        loss = source.project.training.get("loss", "mse") if source.project else "mse"
        try:
            found = evaluate_regression(model, data.val_x, data.val_y,
                                        loss if loss in ("mse", "l1") else "mse")
        except RuntimeError as exc:
            raise CommandError(f"the network cannot predict these rows: {exc}") from None
        print(f"rmse: {found.rmse:.4f}  mae: {found.mae:.4f}  r2: {found.r2:.4f}  "
              f"({len(data.val_y):,} validation rows of {dataset.name})")
        return 0
    try:
        result = evaluate(model, data.val_x, data.val_y, data.num_classes)
    except RuntimeError as exc:
        raise CommandError(f"the network cannot classify these images: {exc}") from None
    print(f"accuracy: {result.accuracy:.4f}  ({result.count:,} validation "
          f"{'rows' if dataset.is_table else 'images'} of {dataset.name})")
    for name, accuracy in zip(dataset.class_names, result.per_class_accuracy, strict=True):
        print(f"  {name:>12}: {accuracy:.4f}")
    return 0
