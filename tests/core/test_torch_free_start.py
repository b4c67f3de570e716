"""The parts of the core the window needs at start import no torch (issue 19): the window is
editable before torch has loaded, and what they check without torch agrees with torch."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from torch import nn

from netbuilder.core.catalog import builtin_kinds
from netbuilder.core.names import MODULE_ATTRIBUTES

START_MODULES = ["netbuilder.core.catalog", "netbuilder.core.spec", "netbuilder.core.spec_parse",
                 "netbuilder.core.editing",
                 "netbuilder.core.project", "netbuilder.core.resources",
                 "netbuilder.core.containers", "netbuilder.core.train_config",
                 "netbuilder.core.layer_text", "netbuilder.core.registry"]


def imported_heavy(module: str) -> list[str]:
    code = (f"import json, sys, {module}; "
            "print(json.dumps(sorted(m for m in ('torch', 'torchvision') if m in sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)
    return json.loads(result.stdout)


@pytest.mark.parametrize("module", START_MODULES)
def test_start_module_imports_no_torch(module):
    assert imported_heavy(module) == []


def test_written_out_attribute_names_cover_torchs():
    missing = set(dir(nn.Sequential())) - MODULE_ATTRIBUTES
    assert missing == set()


def test_kinds_named_by_place_resolve_to_their_torch_classes():
    for kind in builtin_kinds():
        cls = kind.module_class()
        assert issubclass(cls, nn.Module)
        assert cls.__name__ == kind.class_name()
    conv = next(kind for kind in builtin_kinds() if kind.name == "Conv2d")
    assert conv.module_class() is nn.Conv2d
    assert conv.spelled() == "nn.Conv2d"
    lstm = next(kind for kind in builtin_kinds() if kind.name == "LSTM")
    assert lstm.spelled() == "SequenceLSTM"
    assert lstm.module_class().__module__ == "netbuilder.core.recurrent"
