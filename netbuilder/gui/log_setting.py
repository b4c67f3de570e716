"""Whether, and where, training runs write their logs (TensorBoard files and metrics.csv):
a choice of this computer, kept in the app's settings, never in a project. The Training
panel's option writes it; the training controller reads it as a run starts."""

from __future__ import annotations

import time
from pathlib import Path

from netbuilder.gui.settings import settings

ENABLED_KEY = "training/log_to_folder"
FOLDER_KEY = "training/log_folder"


def log_setting() -> tuple[bool, str]:
    """(whether runs are logged, the folder) as last chosen on this computer."""
    store = settings()
    enabled = str(store.value(ENABLED_KEY, "false")).lower() == "true"
    return enabled, str(store.value(FOLDER_KEY, "") or "")


def save_log_setting(enabled: bool, folder: str) -> None:
    store = settings()
    store.setValue(ENABLED_KEY, "true" if enabled else "false")
    store.setValue(FOLDER_KEY, folder)
    store.sync()


def run_log_dir(class_name: str, run_id: str) -> str | None:
    """The folder a starting run logs into, ``FOLDER/20250102-130405-LeNet5-run3`` (one per
    run, so TensorBoard shows runs side by side), or None when logging is off."""
    enabled, folder = log_setting()
    if not enabled or not folder.strip():
        return None
    return str(Path(folder.strip()) / f"{time.strftime('%Y%m%d-%H%M%S')}-{class_name}-{run_id}")
