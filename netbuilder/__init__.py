"""netbuilder: stack layers into a torch.nn.Sequential, see the shapes, train, export."""

__version__ = "0.1.0"
