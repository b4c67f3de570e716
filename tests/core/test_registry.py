"""One registry of datasets and training choices, read by the loaders, the trainer, project
files and the command line."""

from __future__ import annotations

import argparse

import pytest
from torchvision import datasets as tv_datasets

from netbuilder import cli
from netbuilder.core import project, registry, training
from netbuilder.core.data import load_digits
from netbuilder.core.registry import (
    DATASET_NAMES,
    DATASETS,
    DOWNLOADABLE_DATASETS,
    TRAINING_CHOICES,
    choice_help,
    dataset_help,
    dataset_info,
    folder_name,
    folder_path,
    is_dataset_name,
    names,
)
from netbuilder.core.spec import Problem
from netbuilder.core.training import TrainConfig


def test_datasets_are_named_once_with_what_is_known_before_loading():
    assert DATASET_NAMES == ("digits", "mnist", "fashion-mnist", "kmnist", "cifar10", "cifar100")
    assert DOWNLOADABLE_DATASETS == ("mnist", "fashion-mnist", "kmnist", "cifar10", "cifar100")
    for name, info in DATASETS.items():
        colour = name.startswith("cifar")
        assert info.name == name
        assert info.input_shape == ((3, 32, 32) if colour else (1, 28, 28))
        assert info.num_classes == len(set(info.class_names)) == (100 if name == "cifar100"
                                                                   else 10)
        if info.downloadable:
            assert hasattr(tv_datasets, info.torchvision_class)
        else:
            assert info.torchvision_class is None


def test_the_embedded_digits_match_their_entry():
    data = load_digits()
    info = DATASETS["digits"]
    assert tuple(data.input_shape) == info.input_shape
    assert data.class_names == list(info.class_names)


def test_image_folders_are_a_kind_of_name():
    name = folder_name("/data/cats and dogs")
    assert name == "folder:/data/cats and dogs" and folder_path(name) == "/data/cats and dogs"
    info = dataset_info(name)
    assert info.input_shape == () and info.class_names == () and not info.downloadable
    assert is_dataset_name(name) and is_dataset_name("kmnist")
    for bad in ("folder:", "folder:a\0b", "folder:" + "x" * 5000, "cifar", "", None, 3):
        assert not is_dataset_name(bad), bad
    assert dataset_info("cifar") is None
    assert folder_path("mnist") == ""


def test_project_files_accept_what_the_registry_names():
    problems: list[Problem] = []
    for name in (*DATASET_NAMES, "folder:/x", "csv:/x.csv"):
        assert project.check_dataset(name, problems) == name
    assert problems == []
    assert project.check_dataset("cifar", problems) == "digits"
    assert ("expected one of digits, mnist, fashion-mnist, kmnist, cifar10, cifar100, "
            "folder:PATH or csv:PATH") in \
        str(problems[0])
    assert {k: set(v) for k, v in project.SETTING_CHOICES.items()} == \
        {k: set(names(v)) for k, v in TRAINING_CHOICES.items()}


def test_old_names_still_import():
    assert project.DATASETS == DATASET_NAMES
    assert training.LOSSES == registry.LOSSES == ("cross_entropy", "nll", "mse", "l1")
    assert training.OPTIMIZERS == ("adam", "sgd", "adamw", "rmsprop")
    assert training.SCHEDULES == ("none", "step", "cosine", "onecycle")
    assert training.DEVICES == ("auto", "cpu", "cuda", "mps")


@pytest.mark.parametrize("setting", sorted(TRAINING_CHOICES))
def test_training_config_checks_each_setting_against_the_registry(setting):
    for choice in TRAINING_CHOICES[setting]:
        assert TrainConfig(**{setting: choice.name}).problems() == []
    found = TrainConfig(**{setting: "nope"}).problems()
    assert found == [f"{setting}: expected one of "
                     f"{', '.join(names(TRAINING_CHOICES[setting]))}, got 'nope'"]


def _option(parser: argparse.ArgumentParser, command: str, flag: str) -> argparse.Action:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return next(a for a in sub.choices[command]._actions if flag in a.option_strings)


@pytest.mark.parametrize(("command", "flag", "setting"), [
    ("summary", "--loss", "loss"), ("train", "--loss", "loss"),
    ("train", "--optimizer", "optimizer"), ("train", "--schedule", "schedule"),
    ("train", "--device", "device"), ("evaluate", "--device", "device"),
])
def test_the_command_line_offers_and_explains_the_registry_choices(command, flag, setting):
    action = _option(cli._parser(), command, flag)
    choices = TRAINING_CHOICES[setting]
    assert tuple(action.choices) == names(choices)
    assert action.default == getattr(TrainConfig(), setting)
    assert choice_help(choices, action.default) in action.help
    for choice in choices:
        assert f"{choice.name}: " in action.help


def test_the_dataset_option_lists_every_dataset():
    for command in ("train", "evaluate"):
        action = _option(cli._parser(), command, "--dataset")
        assert action.help == dataset_help() and action.default == "digits"
    assert dataset_help() == ("digits (embedded, default), mnist, fashion-mnist, kmnist, "
                              "cifar10, cifar100, folder:PATH (one sub-folder per class; "
                              "?size=32&fit=crop&color=rgb after the path sets the image size, "
                              "fit and colour), or csv:PATH (a table; --target names the column "
                              "to predict)")
