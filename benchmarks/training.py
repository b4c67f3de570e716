"""Benchmark: training throughput and time to accuracy (issue: c/b ≥ 0.95, c/a ≥ 3).

Measures in one run, on this machine, training samples/s on the embedded digits of
(a) the tutorial's pipeline: a Dataset returning PIL images + ToTensor + DataLoader(batch 64,
    shuffle), the tutorial's MLP, SGD lr 0.01;
(b) a bare tensor loop: pre-loaded tensors, randperm batches, same model and optimizer;
(c) netbuilder's Trainer with the same settings;
then, for digits_cnn with augmentation (Adam, lr 1e-3, batch 64), the seconds until validation
accuracy first reaches 98 % and the process's peak memory.

    .venv/bin/python benchmarks/training.py
"""

from __future__ import annotations

import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.optim as optim
from PIL import Image
from torchvision import transforms

from netbuilder.core.builder import build
from netbuilder.core.data import load_digits
from netbuilder.core.resources import load_template
from netbuilder.core.training import EpochEnd, TrainConfig, Trainer, reset_weights

EPOCHS = 3


class MNISTClassifier(nn.Module):  # the tutorial's model
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(28 * 28, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 64)
        self.relu2 = nn.ReLU()
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.flatten(x)
        x = self.relu(self.fc1(x))
        x = self.relu2(self.fc2(x))
        return self.fc3(x)


class PILDigits(torch.utils.data.Dataset):
    """What the tutorial's torchvision pipeline does per sample: a PIL image, then ToTensor."""

    def __init__(self, images, labels):
        self.images = [Image.fromarray(img[0].numpy(), mode="L") for img in images]
        self.labels = labels.tolist()
        self.transform = transforms.ToTensor()

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.transform(self.images[index]), self.labels[index]


def article_pipeline(data) -> float:
    torch.manual_seed(0)
    loader = torch.utils.data.DataLoader(PILDigits(data.train_images, data.train_labels),
                                         batch_size=64, shuffle=True)
    model = MNISTClassifier()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    rates = []
    for _epoch in range(EPOCHS):
        start, seen = time.perf_counter(), 0
        for images, labels in loader:
            outputs = model(images)
            loss = criterion(outputs, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            seen += len(labels)
        rates.append(seen / (time.perf_counter() - start))
    return statistics.median(rates)


def bare_loop(data) -> float:
    torch.manual_seed(0)
    device = data.on_device("cpu")
    x_all, y_all = device.train_x, device.train_y
    model = MNISTClassifier()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    rates = []
    for _epoch in range(EPOCHS):
        start = time.perf_counter()
        order = torch.randperm(len(y_all))
        for i in range(0, len(y_all), 64):
            index = order[i:i + 64]
            loss = criterion(model(x_all[index]), y_all[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        rates.append(len(y_all) / (time.perf_counter() - start))
    return statistics.median(rates)


def netbuilder_trainer(data) -> float:
    model = build(load_template("mnist_mlp"))
    reset_weights(model, 0)
    config = TrainConfig(optimizer="sgd", lr=0.01, momentum=0.0, batch_size=64, epochs=EPOCHS,
                         device="cpu")
    rates = [e.samples_per_s for e in Trainer(model, data, config).run()
             if isinstance(e, EpochEnd)]
    return statistics.median(rates)


def time_to_98(data) -> tuple[float | None, int, float]:
    model = build(load_template("digits_cnn"))
    reset_weights(model, 0)
    config = TrainConfig(augment=True, epochs=15, device="cpu")
    start = time.perf_counter()
    for event in Trainer(model, data, config).run():
        if isinstance(event, EpochEnd) and event.val_accuracy >= 0.98:
            return time.perf_counter() - start, event.epoch, event.val_accuracy
    return None, config.epochs, 0.0


def main() -> None:
    data = load_digits()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{len(data.train_labels):,} training digits, median of {EPOCHS} epochs")
    rounds = [(article_pipeline(data), bare_loop(data), netbuilder_trainer(data))
              for _ in range(2)]
    a, b, c = (max(r[i] for r in rounds) for i in range(3))
    print(f"(a) tutorial pipeline (PIL + ToTensor + DataLoader): {a:>9,.0f} samples/s")
    print(f"(b) bare tensor loop:                                {b:>9,.0f} samples/s")
    print(f"(c) netbuilder Trainer:                              {c:>9,.0f} samples/s")
    print(f"c/a = {c / a:.1f}   c/b = {c / b:.2f}")
    seconds, epoch, accuracy = time_to_98(data)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if seconds is None:
        print("digits_cnn + augmentation: did not reach 98 % validation accuracy in 15 epochs")
    else:
        print(f"digits_cnn + augmentation: 98 % validation accuracy after {seconds:.1f} s "
              f"(epoch {epoch}, {accuracy:.4f})")
    print(f"peak memory (max RSS of this process): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
