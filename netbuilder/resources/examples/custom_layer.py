"""The tutorial's custom layer, as a file netbuilder adds with Layers ▸ Add Layers from File….

Every nn.Module subclass in a file like this becomes a layer kind in the palette (category
"Custom"). The constructor's arguments become its properties: the annotations (``int`` here)
say which editor each one gets. Shapes and parameter counts come from running the class on
PyTorch's meta device, as for the built-in kinds, and generated code imports the class from
this file: ``from custom_layer import CustomLayer``.
"""

import torch
import torch.nn as nn


class CustomLayer(nn.Module):
    """A fully connected layer written by hand: x @ weight + bias, with its own Parameters."""

    def __init__(self, in_features: int, out_features: int):
        super(CustomLayer, self).__init__()
        self.weight = nn.Parameter(torch.randn(in_features, out_features))
        self.bias = nn.Parameter(torch.zeros(out_features))

    def forward(self, x):
        return torch.matmul(x, self.weight) + self.bias
