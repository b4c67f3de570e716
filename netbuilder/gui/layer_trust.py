"""Asking before a custom-layer file runs, and remembering the answer per file and hash.

A network that names a Python file of custom layers cannot be shown without importing that file,
and importing runs its code. So opening such a project asks first, showing the path and the
sha256 of the file as it is now, and remembers the answer for that path and that hash: the same
file opens without asking again, and a changed file asks again. Files netbuilder ships are never
asked about (core.custom_layers allows them itself).
"""

from __future__ import annotations

import json

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from netbuilder.core.custom_layers import LayerFileRequest
from netbuilder.gui.settings import settings
from netbuilder.gui.text import fill

DECISIONS_KEY = "custom_layers/decisions"
MAX_REMEMBERED = 200

translate = QCoreApplication.translate


def _decisions() -> dict[str, bool]:
    """'path\\nsha256' → allowed; anything unreadable in the settings counts as no answer."""
    try:
        data = json.loads(str(settings().value(DECISIONS_KEY, "{}")))
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {key: value for key, value in data.items()
            if isinstance(key, str) and isinstance(value, bool)}


def remembered(request: LayerFileRequest) -> bool | None:
    """The answer given before for this file at this hash, or None."""
    return _decisions().get(f"{request.path}\n{request.sha256}")


def remember(request: LayerFileRequest, allowed: bool) -> None:
    decisions = _decisions()
    decisions.pop(f"{request.path}\n{request.sha256}", None)
    decisions[f"{request.path}\n{request.sha256}"] = allowed
    kept = dict(list(decisions.items())[-MAX_REMEMBERED:])
    settings().setValue(DECISIONS_KEY, json.dumps(kept))


def ask_to_run(parent: QWidget | None, request: LayerFileRequest, adding: bool = False) -> bool:
    """Whether the file may be imported: the remembered answer, else the person's.

    ``adding``: the person chose the file (Layers ▸ Add Layers from File…) rather than a
    network naming it, so a remembered "no" is asked again.
    """
    known = remembered(request)
    if known is True or (known is False and not adding):
        return known
    title = fill(translate("LayerTrust", "Run code from %1?"), request.path.name)
    if adding:
        intro = translate("LayerTrust", "Adding custom layers imports this Python file, which "
                                        "runs the code in it.")
    else:
        intro = translate("LayerTrust", "This network uses custom layers from a Python file. "
                                        "Showing it imports the file, which runs the code in it.")
    lines = [intro, "", fill(translate("LayerTrust", "File: %1"), str(request.path)),
             fill(translate("LayerTrust", "SHA-256: %1"), request.sha256)]
    if request.changed:
        lines += ["", fill(translate("LayerTrust", "The file has changed since the network was "
                                                   "saved (then: %1)."),
                           request.saved_sha256[:16] + "…")]
    lines += ["", translate("LayerTrust", "Run it only if you trust where it comes from. "
                                          "netbuilder remembers your answer for this file as it "
                                          "is now.")]
    box = QMessageBox(QMessageBox.Icon.Warning, title, "\n".join(lines),
                      QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("layer_trust_box")
    run = box.addButton(translate("LayerTrust", "Run and Import"),
                        QMessageBox.ButtonRole.AcceptRole)
    run.setObjectName("layer_trust_run")
    refuse = box.addButton(translate("LayerTrust", "Don't Run"),
                           QMessageBox.ButtonRole.RejectRole)
    refuse.setObjectName("layer_trust_refuse")
    box.setDefaultButton(refuse)
    box.exec()
    allowed = box.clickedButton() is run
    remember(request, allowed)
    return allowed
