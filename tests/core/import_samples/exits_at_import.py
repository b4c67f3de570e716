"""A script that checks its command line at import and exits."""
import sys

import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        return self.fc(x.flatten(1))


if len(sys.argv) < 3:
    print("usage: train.py DATA EPOCHS")
    sys.exit(2)
