"""The two containers beside ``nn.Sequential`` that a stack may hold: a residual connection and
parallel branches. This module holds their names and choices, importable without torch (the
spec, the editor and the window need them before torch has loaded); the modules themselves
are in :mod:`netbuilder.core.container_modules`.

Both are plain ``nn.Module`` s whose attribute names are the paths a person reads in the app and
in the ``state_dict``: a :class:`Residual` named ``res1`` holds ``res1.body`` and
``res1.shortcut`` (keys ``res1.body.0.weight``, ``res1.shortcut.0.weight``), a :class:`Parallel`
named ``mix`` holds ``mix.branches.0``, ``mix.branches.1``, … (keys ``mix.branches.0.1.weight``).
Generated code defines the same two classes (or writes their forward out by hand) with the same
attributes, so weights move freely between the app and the code.
"""

from __future__ import annotations

RESIDUAL, PARALLEL = "Residual", "Parallel"
MERGES = ("concat", "sum", "mean")
# What a residual may apply after the sum: activations without tensors of their own, built
# with their default arguments.
ACTIVATIONS = ("ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh")
MIN_BRANCHES = 2
