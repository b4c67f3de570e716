"""What an analysis says, without torch: each item's row (shapes, parameters, MACs, error), the
findings (errors and lint warnings), and shapes written as text. ``core.analysis`` computes
these; views, lint, the diagram and the CLI read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netbuilder.core.catalog import CONTAINER_KINDS

Shape = tuple[int, ...]

ERROR, WARNING = "error", "warning"
ACTIVATIONS = {"ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softmax",
               "LogSoftmax", "RNN", "LSTM", "GRU"}
POOLING = {"MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool2d"}
DROPOUT = {"Dropout", "Dropout2d"}
# Layers that do not break a chain of linear maps (no nonlinearity of their own).
LINEAR_PASSTHROUGH = {"Identity", "Flatten", "Unflatten", "Dropout", "Dropout2d", "BatchNorm1d",
                      "LayerNorm"}
BATCHNORM_FOR_RANK = {2: "BatchNorm1d", 3: "BatchNorm1d", 4: "BatchNorm2d"}
# Finding rules of errors where stacks meet. A residual-projection finding can be fixed by
# editing.add_projection(spec, finding.path); its fix says which layers that adds.
RESIDUAL_PROJECTION, RESIDUAL_SHAPE, MERGE_SHAPE = (
    "residual-projection", "residual-shape", "merge-shape")


def format_shape(shape: Shape | None) -> str:
    """'[N, 32, 26, 26]' — the batch dimension written as N."""
    if shape is None:
        return "?"
    return "[" + ", ".join(["N", *(str(d) for d in shape[1:])]) + "]"


def flow_text(shape: Shape | None) -> str:
    """The per-sample shape between cards: '32×26×26'."""
    if shape is None:
        return "?"
    return "×".join(str(d) for d in shape[1:]) or "scalar"


@dataclass(frozen=True)
class Finding:
    """An error (the network cannot run) or a lint warning (it runs, but likely wrongly)."""

    severity: str
    path: str
    message: str
    fix: str = ""
    rule: str = ""

    def __str__(self) -> str:
        return f"{self.message} Fix: {self.fix}" if self.fix else self.message


@dataclass
class LayerInfo:
    path: str
    name: str
    kind: str
    depth: int
    input_shape: Shape | None = None
    output_shape: Shape | None = None
    params: int = 0
    trainable_params: int = 0
    macs: int = 0
    size_bytes: int = 0
    error: str | None = None
    findings: list[Finding] = field(default_factory=list)
    stack: str = ""  # the path of the stack the item sits in: '', 'block1', 'res1.body', …

    @property
    def is_block(self) -> bool:
        return self.kind == "Block"

    @property
    def is_container(self) -> bool:
        """A block, residual or parallel: its counts are its contents' sums."""
        return self.kind in CONTAINER_KINDS

    @property
    def frozen_params(self) -> int:
        return self.params - self.trainable_params


@dataclass
class Analysis:
    input_shape: Shape
    rows: list[LayerInfo]
    findings: list[Finding]
    output_shape: Shape | None
    # Each stack's (input shape, output shape) by stack path ('' the whole network, 'block1',
    # 'res1.body', 'res1.shortcut', 'mix.branches.0', …); None where unknown.
    stack_shapes: dict[str, tuple[Shape | None, Shape | None]] = field(default_factory=dict)
    _index: dict[str, LayerInfo] = field(default_factory=dict, init=False, repr=False,
                                         compare=False)
    _indexed: tuple[int, int] = field(default=(0, -1), init=False, repr=False, compare=False)

    @property
    def total_params(self) -> int:
        return sum(r.params for r in self.rows if r.depth == 0)

    @property
    def trainable_params(self) -> int:
        return sum(r.trainable_params for r in self.rows if r.depth == 0)

    @property
    def frozen_params(self) -> int:
        return self.total_params - self.trainable_params

    @property
    def macs(self) -> int:
        return sum(r.macs for r in self.rows if r.depth == 0)

    @property
    def size_mb(self) -> float:
        return sum(r.size_bytes for r in self.rows if r.depth == 0) / 1e6

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def forget_index(self) -> None:
        """Rows were replaced in place: look them up afresh."""
        self._indexed = (0, -1)

    def row(self, path: str) -> LayerInfo | None:
        """The row of a dotted path; a dict lookup, since lint and codegen ask once per layer."""
        if self._indexed != (id(self.rows), len(self.rows)):
            self._index = {}
            for row in self.rows:
                self._index.setdefault(row.path, row)
            self._indexed = (id(self.rows), len(self.rows))
        return self._index.get(path)
