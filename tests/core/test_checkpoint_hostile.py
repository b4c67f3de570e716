"""Hostile .pth files: zip bombs, odd tensors, mistyped checkpoint fields, and fuzzing.

Whatever the bytes, ``load_file`` returns a usable :class:`LoadedFile` or raises
:class:`CheckpointError`: never another exception, never a crash, never gigabytes allocated.
"""

import io
import math
import re
import tempfile
import warnings
import zipfile
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netbuilder.core.checkpoint import (
    CheckpointError,
    LoadedFile,
    load_file,
    save_checkpoint,
)
from netbuilder.core.resume import ResumePoint
from netbuilder.core.spec import LayerSpec, NetworkSpec


def tiny_spec() -> NetworkSpec:
    return NetworkSpec([4], [LayerSpec("Linear", "fc1", {"in_features": 4, "out_features": 3}),
                             LayerSpec("ReLU", "relu"),
                             LayerSpec("Linear", "fc2", {"in_features": 3, "out_features": 2})],
                       "Tiny", 2)


def tiny_checkpoint_bytes() -> bytes:
    """A real checkpoint small enough (~4 kB) that random mutations hit its structure."""
    from netbuilder.core.builder import build

    spec = tiny_spec()
    model = build(spec)
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.rand(2, 4)).sum().backward()
    optimizer.step()
    with tempfile.TemporaryDirectory() as folder:
        path = save_checkpoint(Path(folder) / "tiny.pth", spec, model, optimizer,
                               {"epochs": 1, "lr": 0.001}, [{"epoch": 1, "val_loss": 0.5}],
                               ["a", "b"], {"dataset": "digits"})
        return path.read_bytes()


TINY_CHECKPOINT = tiny_checkpoint_bytes()


def rewrite_zip(source: bytes, path: Path, replace: dict[str, object]) -> None:
    """Copy a torch zip, replacing named entries: bytes are stored, an int is that many
    deflated zeros (written in 1 MiB chunks, so building a bomb costs no memory)."""
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(path, "w") as new:
        for info in old.infolist():
            suffix = next((s for s in replace if info.filename.endswith(s)), None)
            if suffix is None:
                new.writestr(info, old.read(info.filename))
            elif isinstance(replace[suffix], int):
                entry = zipfile.ZipInfo(info.filename)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry._compresslevel = 1
                with new.open(entry, "w") as handle:
                    chunk = bytes(2**20)
                    for _ in range(replace[suffix] // 2**20):
                        handle.write(chunk)
            else:
                new.writestr(info, replace[suffix])


def assert_usable_or_refused(path: Path) -> None:
    try:
        loaded = load_file(path)
    except CheckpointError as exc:
        assert str(exc)
        return
    assert isinstance(loaded, LoadedFile)
    for key, tensor in loaded.state_dict.items():
        assert isinstance(key, str) and isinstance(tensor, torch.Tensor)
        assert tensor.layout == torch.strided and tensor.device.type == "cpu"
        assert not tensor.is_quantized
    if loaded.is_checkpoint:
        data = loaded.checkpoint
        assert type(data["version"]) is int and data["version"] >= 1
        assert isinstance(data["training"], dict) and isinstance(data["extra"], dict)
        assert isinstance(data["history"], list)
        assert all(isinstance(record, dict) for record in data["history"])
        assert all(isinstance(name, str) for name in data["class_names"])
        assert isinstance(data["optimizer"], (dict, type(None)))
        assert isinstance(data["resume"], (ResumePoint, type(None)))
        assert loaded.spec is not None


# ---------------------------------------------------------------------------------------------
# Zip bombs and archives that lie


def test_a_zip_bomb_is_refused_before_torch_load(tmp_path, monkeypatch):
    path = tmp_path / "bomb.pth"
    rewrite_zip(TINY_CHECKPOINT, path, {"data/0": 200 * 2**20})  # 200 MB of zeros in ~1 MB
    assert path.stat().st_size < 2 * 2**20

    def must_not_run(*args, **kwargs):
        raise AssertionError("torch.load was called on a zip bomb")

    monkeypatch.setattr(torch, "load", must_not_run)
    with pytest.raises(CheckpointError) as caught:
        load_file(path)
    assert str(caught.value).startswith("bomb.pth was refused: entry ")
    assert "would expand from" in str(caught.value) and "to 209.7 MB (a zip bomb?)" in str(
        caught.value)


def test_many_small_compressed_entries_may_not_add_up_to_a_bomb(tmp_path):
    from netbuilder.core.pth_guard import archive_problem

    path = tmp_path / "many.pth"
    rewrite_zip(TINY_CHECKPOINT, path, {f"data/{i}": 2**20 for i in range(4)})
    assert archive_problem(path) is None  # each is small, and 4 MB in all is no bomb
    problem = archive_problem(path, max_expansion=2**20)
    assert problem is not None and problem.startswith("its entries declare 4.2 MB in all")


def needs_zip_version(data: bytes, version: int) -> bytes:
    """Set "version needed to extract" of the first central directory entry (found by fuzzing:
    zipfile raises NotImplementedError for 6.4)."""
    at = data.index(b"PK\x01\x02") + 6
    return data[:at] + bytes([version]) + data[at + 1:]


@pytest.mark.parametrize("change, message", [
    (lambda data: data[: len(data) - 30], "damaged, truncated or of another kind"),
    (lambda data: data.replace(b"PK\x01\x02", b"PK\x01\x03"), "damaged, truncated"),
    (lambda data: needs_zip_version(data, 64), "damaged, truncated"),  # zipfile's own error
])
def test_damaged_archives_say_so(tmp_path, change, message):
    path = tmp_path / "bad.pth"
    path.write_bytes(change(TINY_CHECKPOINT))
    with pytest.raises(CheckpointError, match=message):
        load_file(path)


def test_a_zip_that_torch_did_not_write(tmp_path):
    path = tmp_path / "other.pth"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(CheckpointError, match="a zip archive, but not one torch.save wrote"):
        load_file(path)


# ---------------------------------------------------------------------------------------------
# Tensors that are not weights


@pytest.mark.parametrize("make, said", [
    (lambda: torch.eye(3).to_sparse(), "fc1.weight is a sparse_coo tensor"),
    (lambda: torch.eye(3).to_sparse_csr(), "fc1.weight is a sparse_csr tensor"),
    (lambda: torch.empty(3, 3, device="meta"), "fc1.weight is on the meta device"),
    (lambda: torch.quantize_per_tensor(torch.rand(3, 3), 0.1, 0, torch.quint8),
     "fc1.weight is a quantized (quint8) tensor"),
    (lambda: torch.zeros(1).expand(10**6), "fc1.weight repeats one stored value"),
])
def test_tensors_that_are_not_dense_cpu_weights_are_refused_by_key(tmp_path, make, said):
    path = tmp_path / "odd.pth"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sparse CSR and quantized tensors warn when made
        torch.save({"fc0.bias": torch.zeros(3), "fc1.weight": make()}, path)
    with pytest.raises(CheckpointError, match="^" + re.escape(f"odd.pth: {said}")):
        load_file(path)


# ---------------------------------------------------------------------------------------------
# Checkpoint fields


def checkpoint_with(tmp_path: Path, **changes) -> Path:
    data = torch.load(io.BytesIO(TINY_CHECKPOINT), weights_only=True)
    for key, value in changes.items():
        if value is KeyError:
            del data[key]
        else:
            data[key] = value
    path = tmp_path / "ckpt.pth"
    torch.save(data, path)
    return path


@pytest.mark.parametrize("field, value, said", [
    ("history", 5, "its history is not a list of dicts"),
    ("history", [{"epoch": "x"}], "its history at [0]['epoch']: is 'x', not a number"),
    ("history", [{"epoch": 1, 3: 4}], "its history at [0]: has a int key, not a str"),
    ("extra", [1, 2], "its extra field is not a dict"),
    ("extra", {"dataset": {1, 2}}, "its extra field at ['dataset']: is a set"),
    ("training", "fast", "its training field is not a dict"),
    ("training", {"lr": torch.zeros(2)}, "its training field at ['lr']: is a Tensor"),
    ("class_names", [1, 2], "its class_names are not a list of text"),
    ("class_names", "ab", "its class_names are not a list of text"),
    ("optimizer", [1], "its optimizer state is a list, not a dict"),
    ("optimizer", {"state": {}}, "its optimizer state lacks its 'state' dict"),
    ("optimizer", {"state": {"a": {}}, "param_groups": []}, "its optimizer state has an entry"),
    ("optimizer", {"state": {}, "param_groups": [{"params": ["x"]}]}, "without a list of"),
    ("version", -1, "its format version is -1, not a whole number ≥ 1"),
    ("version", True, "its format version is True, not a whole number ≥ 1"),
    ("version", 1.0, "its format version is 1.0, not a whole number ≥ 1"),
    ("version", KeyError, "its format version is None"),
    ("netbuilder_version", 3, "its netbuilder_version is 3, not text"),
    ("spec", {"layers": 5}, "the network stored in it is not usable"),
    ("spec", KeyError, "the network stored in it is not usable"),
    ("state_dict", {"fc1.weight": 5}, "without usable weights"),
    ("resume", 5, "its resume point is not usable: is 5, not a dict"),
    ("resume", {"version": 1, "config": []}, "its resume point is not usable: config: is []"),
    ("calibration", 1.5, "its calibration is not usable: calibration: expected an object"),
    ("calibration", {"temperature": math.nan, "threshold": 0.9},
     "its calibration is not usable: calibration.temperature: expected a number from 0.01"),
    ("calibration", {"temperature": 1.0, "threshold": torch.tensor(0.5)},
     "its calibration is not usable: calibration.threshold: expected a number, got Tensor"),
    ("calibration", {"temperature": 1.0}, "calibration.threshold: missing"),
])
def test_each_checkpoint_field_is_checked_by_name(tmp_path, field, value, said):
    path = checkpoint_with(tmp_path, **{field: value})
    with pytest.raises(CheckpointError) as caught:
        load_file(path)
    assert str(caught.value).startswith("ckpt.pth")
    assert said in str(caught.value)


def test_a_cyclic_history_is_refused_not_recursed(tmp_path):
    loop: list = []
    loop.append(loop)
    path = checkpoint_with(tmp_path, history=[{"epochs": loop}])
    with pytest.raises(CheckpointError, match="its history at .*nested deeper than"):
        load_file(path)


def test_diverged_losses_are_history_not_damage(tmp_path):
    path = checkpoint_with(tmp_path, history=[{"epoch": 1, "val_loss": math.nan}])
    assert math.isnan(load_file(path).checkpoint["history"][0]["val_loss"])


def test_a_checkpoint_whose_weights_do_not_fit_its_own_network(tmp_path):
    data = torch.load(io.BytesIO(TINY_CHECKPOINT), weights_only=True)
    data["state_dict"]["fc2.weight"] = torch.zeros(5, 3)
    del data["state_dict"]["fc1.bias"]
    path = tmp_path / "liar.pth"
    torch.save(data, path)
    with pytest.raises(CheckpointError) as caught:
        load_file(path)
    assert str(caught.value) == (
        "liar.pth: its weights do not fit the network stored with it: 2 matching; missing "
        "from the file: fc1.bias; fc2.weight: the network has shape [2, 3], the file [5, 3]")


def test_a_good_checkpoint_comes_back_typed(tmp_path):
    path = tmp_path / "good.pth"
    path.write_bytes(TINY_CHECKPOINT)
    loaded = load_file(path)
    assert loaded.spec == tiny_spec()
    assert loaded.checkpoint["history"] == [{"epoch": 1, "val_loss": 0.5}]
    assert loaded.checkpoint["class_names"] == ["a", "b"]
    assert loaded.checkpoint["extra"] == {"dataset": "digits"}
    assert loaded.checkpoint["optimizer"]["param_groups"][0]["params"] == [0, 1, 2, 3]


def tiny_resume_payload(model) -> dict:
    """A real resume point of the tiny network (one epoch on random data)."""
    from netbuilder.core.data import DeviceData
    from netbuilder.core.training import TrainConfig, Trainer

    data = DeviceData(torch.rand(8, 4), torch.arange(8) % 2, torch.rand(4, 4),
                      torch.arange(4) % 2, 2)
    trainer = Trainer(model, data, TrainConfig(epochs=1, batch_size=4))
    trainer.train()
    return trainer.resume_point().to_payload()


def test_a_resume_point_whose_best_weights_do_not_fit_the_network(tmp_path):
    from netbuilder.core.builder import build

    payload = tiny_resume_payload(build(tiny_spec()))
    path = checkpoint_with(tmp_path, resume=payload)
    assert isinstance(load_file(path).checkpoint["resume"], ResumePoint)
    payload["best_weights"]["fc2.weight"] = torch.zeros(5, 3)
    path = checkpoint_with(tmp_path, resume=payload)
    with pytest.raises(CheckpointError) as caught:
        load_file(path)
    assert str(caught.value).startswith("ckpt.pth: its resume point holds best weights that "
                                        "do not fit its network")
    assert "fc2.weight: the network has shape [2, 3], the file [5, 3]" in str(caught.value)


# ---------------------------------------------------------------------------------------------
# Fuzzing: any bytes, any truncation, any mutation, any checkpoint dict


FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.fixture(scope="module")
def path(tmp_path_factory) -> Path:
    """One file that each example overwrites (pytest removes its folder)."""
    return tmp_path_factory.mktemp("fuzz") / "fuzz.pth"


@FUZZ
@given(st.binary(max_size=3000))
def test_arbitrary_bytes(path, data):
    path.write_bytes(data)
    assert_usable_or_refused(path)


@FUZZ
@given(st.integers(0, len(TINY_CHECKPOINT) - 1))
def test_truncated_checkpoints(path, length):
    path.write_bytes(TINY_CHECKPOINT[:length])
    with pytest.raises(CheckpointError):
        load_file(path)


PICKLE_AT = TINY_CHECKPOINT.find(b"data.pkl")


@settings(FUZZ, max_examples=300)
@given(st.lists(st.tuples(st.one_of(st.integers(0, len(TINY_CHECKPOINT) - 1),
                                    st.integers(PICKLE_AT, PICKLE_AT + 1200)),
                          st.integers(0, 255)), min_size=1, max_size=6))
def test_mutated_checkpoints(path, changes):
    data = bytearray(TINY_CHECKPOINT)
    for position, value in changes:
        data[min(position, len(data) - 1)] = value
    path.write_bytes(bytes(data))
    assert_usable_or_refused(path)


small_tensors = st.builds(
    lambda shape, dtype: torch.zeros(shape, dtype=dtype),
    st.lists(st.integers(0, 3), max_size=3),
    st.sampled_from([torch.float32, torch.float64, torch.int64, torch.bool, torch.complex64,
                     torch.float16]))
plain = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(),
              st.text(max_size=8), small_tensors),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                            st.dictionaries(st.one_of(st.text(max_size=6), st.integers(0, 3)),
                                            inner, max_size=4)),
    max_leaves=12)
FIELDS = ["version", "spec", "state_dict", "optimizer", "training", "history", "class_names",
          "preprocessing", "extra", "netbuilder_version", "resume", "calibration"]


@FUZZ
@given(st.dictionaries(st.sampled_from(FIELDS), plain, max_size=4))
def test_random_checkpoint_fields(path, changes):
    data = torch.load(io.BytesIO(TINY_CHECKPOINT), weights_only=True)
    data.update(changes)
    torch.save(data, path)
    assert_usable_or_refused(path)


@FUZZ
@given(st.one_of(plain, st.dictionaries(st.text(max_size=6), small_tensors, max_size=4)))
def test_random_plain_files(path, value):
    torch.save(value, path)
    assert_usable_or_refused(path)
