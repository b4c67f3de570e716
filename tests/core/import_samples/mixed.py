"""Classes that import and classes that cannot, in a file that prints while it is read."""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

print("loading the model file")  # noise on stdout: must not spoil the importer's result
os.write(1, b"{not json, written straight to file descriptor 1}\n")


class Net(nn.Module):
    """pytorch/examples' MNIST network."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


class NeedsArgs(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.fc = nn.Linear(784, hidden)

    def forward(self, x):
        return self.fc(x.flatten(1))


class TimesTwo(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.fc1(x.flatten(1)))
        return torch.sigmoid(self.fc2(x)) * 2


class MeanInTheMiddle(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = self.conv(x)
        x = x.mean(dim=(2, 3))
        return self.fc(x)


class IfOnValues(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        x = x.flatten(1)
        if x.sum() > 0:
            x = -x
        return self.fc(x)


class NotAModule:
    pass


class Crashes(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)
        raise RuntimeError("weights file missing")
