"""Ends the whole process at import, past any exception handler."""
import os

import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)


os._exit(7)
