"""Recurrent layers that fit in ``nn.Sequential``.

``nn.RNN``/``nn.LSTM``/``nn.GRU`` return a tuple ``(output, state)``, which the next layer of a
``Sequential`` cannot take. These subclasses return one tensor: the last time step
(``output="last"``, shape ``[N, hidden]``) or the whole sequence (``output="sequence"``,
``[N, T, hidden]``). They are always ``batch_first`` so a digit's 28 rows read as 28 time steps of
28 pixels. Being subclasses, their ``state_dict`` keys equal the plain torch layer's
(``weight_ih_l0`` ...), so weights move freely between the two.
"""

from __future__ import annotations

from torch import Tensor, nn

from netbuilder.core.catalog import RECURRENT_OUTPUTS as OUTPUT_CHOICES


class _SequenceOutput:
    """Mixin: keep only the output tensor of a recurrent layer."""

    output: str

    def _init_output(self, output: str) -> None:
        if output not in OUTPUT_CHOICES:
            raise ValueError(f"output must be one of {OUTPUT_CHOICES}, got {output!r}")
        self.output = output

    def forward(self, x: Tensor) -> Tensor:  # type: ignore[override]
        if x.dim() != 3:  # torch would read 2-D input as one unbatched sequence
            raise ValueError(
                f"expects [N, T, features] (batch, steps, features), got {list(x.shape)}"
            )
        y, _state = super().forward(x)  # type: ignore[misc]
        return y[:, -1] if self.output == "last" else y

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, output={self.output!r}"  # type: ignore[misc]


class SequenceRNN(_SequenceOutput, nn.RNN):
    """``nn.RNN`` (batch first) returning the last step or the whole sequence."""

    def __init__(self, *args, output: str = "last", **kwargs) -> None:
        kwargs["batch_first"] = True
        super().__init__(*args, **kwargs)
        self._init_output(output)


class SequenceLSTM(_SequenceOutput, nn.LSTM):
    """``nn.LSTM`` (batch first) returning the last step or the whole sequence."""

    def __init__(self, *args, output: str = "last", **kwargs) -> None:
        kwargs["batch_first"] = True
        super().__init__(*args, **kwargs)
        self._init_output(output)


class SequenceGRU(_SequenceOutput, nn.GRU):
    """``nn.GRU`` (batch first) returning the last step or the whole sequence."""

    def __init__(self, *args, output: str = "last", **kwargs) -> None:
        kwargs["batch_first"] = True
        super().__init__(*args, **kwargs)
        self._init_output(output)
