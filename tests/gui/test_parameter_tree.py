"""The parameter tree, the tensor inspector and the panel that joins them."""

from __future__ import annotations

import math
import statistics

import pytest
import torch
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel, QStyle, QStyleOptionViewItem, QTreeWidget
from torch import nn

from netbuilder.core.builder import build
from netbuilder.core.parameters import apply_freeze_to_model, find_tensor
from netbuilder.core.resources import load_template, template_names
from netbuilder.core.tensor_stats import HIST_BINS, filter_grid_shape
from netbuilder.gui.inspect.parameter_tree import (
    ParametersPanel,
    ParameterTree,
    TensorInspector,
)
from tests.core.test_tensor_stats import ODD_TENSORS

CHECKED, UNCHECKED, PARTIAL = (Qt.CheckState.Checked, Qt.CheckState.Unchecked,
                               Qt.CheckState.PartiallyChecked)


def model_of(template: str) -> nn.Sequential:
    torch.manual_seed(0)
    return build(load_template(template))


@pytest.fixture
def panel(qtbot):
    widget = ParametersPanel()
    qtbot.addWidget(widget)
    widget.resize(1000, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def tree(qtbot):
    widget = ParameterTree()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def check(item) -> Qt.CheckState:
    return item.checkState(0)


def click_check_box(qtbot, tree: ParameterTree, item) -> None:
    """A real mouse click on the item's check indicator."""
    view: QTreeWidget = tree.tree
    view.scrollToItem(item)
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.rect = view.visualRect(view.indexFromItem(item, 0))
    option.features |= QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    rect = view.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator,
                                       option, view)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def numel(params) -> int:
    return sum(p.numel() for p in params)


# ---------------------------------------------------------------------------------------------
# Tree structure


@pytest.mark.parametrize("template", template_names())
def test_tree_lists_parameters_and_buffers_like_torch(tree, template):
    model = model_of(template)
    tree.set_model(model)
    assert tree.parameter_names() == [n for n, _ in model.named_parameters()]
    assert tree.buffer_names() == [n for n, _ in model.named_buffers()]
    total = numel(model.parameters())
    assert tree.totals() == {"total": total, "trainable": total, "frozen": 0,
                             "buffers": numel(model.buffers())}
    label = tree.findChild(QLabel, "totals_label")
    assert f"{total:,}" in label.text()
    assert tree.findChild(QTreeWidget, "parameter_tree") is tree.tree
    # Every module of modules() has a row, nested under its parent.
    assert tree.module_paths() == [n for n, _ in model.named_modules()]
    for path, module in model.named_modules():
        item = tree.item_for(path)
        assert item.text(1) == type(module).__name__
        if path:
            parent = path.rpartition(".")[0]
            assert item.parent() is tree.item_for(parent)
            assert item.text(0) == path.rpartition(".")[2]
        assert item.text(2) == f"{numel(module.parameters()):,}"
    # Parameter rows: own name shown, full name in the data role and tooltip; module above.
    for name, param in model.named_parameters():
        item = tree.item_for(name)
        assert item.text(0) == name.rpartition(".")[2]
        assert item.data(0, Qt.ItemDataRole.UserRole) == name
        assert name in item.toolTip(0)
        assert item.parent() is tree.item_for(name.rpartition(".")[0])
        assert item.text(2) == f"{param.numel():,}"
        assert item.text(3) == str(param.dtype).removeprefix("torch.")
        assert item.text(4) == "cpu"
        assert check(item) == CHECKED


def test_root_and_nested_blocks(tree):
    tree.set_model(model_of("digits_cnn"))
    root = tree.item_for("")
    assert root.text(0) == "model (Sequential)"
    features = tree.item_for("features")
    assert features.parent() is root
    conv = tree.item_for("features.conv1")
    assert conv.parent() is features and conv.text(1) == "Conv2d"
    assert tree.item_for("features.conv1.weight").parent() is conv
    relu = tree.item_for("features.relu1")
    assert relu.data(0, Qt.ItemDataRole.CheckStateRole) is None  # no parameters: no box
    assert tree.item_for("nothing.here") is None


def test_buffers_are_marked_and_have_no_check_box(tree):
    tree.set_model(model_of("digits_cnn"))
    buffer = tree.item_for("features.bn1.running_mean")
    assert buffer.font(0).italic()
    assert "buffer" in buffer.text(1)
    assert "buffer" in buffer.toolTip(0)
    assert buffer.data(0, Qt.ItemDataRole.CheckStateRole) is None
    assert not buffer.flags() & Qt.ItemFlag.ItemIsUserCheckable
    counter = tree.item_for("features.bn1.num_batches_tracked")
    assert counter.text(3) == "int64"
    param = tree.item_for("features.bn1.weight")
    assert not param.font(0).italic()
    assert buffer.foreground(0).color() != param.foreground(0).color()


def test_set_model_none_and_back(tree):
    tree.set_model(model_of("mnist_mlp"))
    tree.set_model(None)
    assert tree.parameter_names() == [] and tree.tree.topLevelItemCount() == 0
    assert tree.totals()["total"] == 0
    tree.set_model(model_of("lenet5"))
    assert tree.parameter_names()[0] == "conv1.weight"


def test_shared_parameters_appear_once_like_named_parameters(tree):
    shared = nn.Linear(4, 4)
    model = nn.Sequential(shared, nn.ReLU(), shared, nn.Linear(4, 2))
    model[3].weight = shared.weight  # tied by hand (shapes clash, fine for the tree)
    tree.set_model(model)
    assert tree.parameter_names() == [n for n, _ in model.named_parameters()]
    assert tree.totals()["total"] == numel(model.parameters())


# ---------------------------------------------------------------------------------------------
# Freezing


def test_clicking_a_module_check_box_requests_freezing(qtbot, tree):
    model = model_of("digits_cnn")
    tree.set_model(model)
    features = tree.item_for("features")
    assert check(features) == CHECKED
    with qtbot.waitSignal(tree.module_freeze_requested, timeout=1000) as blocker:
        click_check_box(qtbot, tree, features)
    assert blocker.args == ["features", True]
    # Nobody applied it: the tree still shows the model as it is.
    assert check(features) == CHECKED
    assert all(p.requires_grad for p in model.parameters())

    apply_freeze_to_model(model, "features", True, is_module=True)
    tree.refresh()
    assert check(features) == UNCHECKED
    for name in ("features.conv1.weight", "features.bn1.weight", "features.bn2.bias"):
        assert check(tree.item_for(name)) == UNCHECKED
        assert tree.item_for(name).text(5) == "frozen"
    assert check(tree.item_for("features.conv1")) == UNCHECKED
    assert check(tree.item_for("fc1")) == CHECKED
    assert check(tree.item_for("")) == PARTIAL
    frozen = numel(model.features.parameters())
    total = numel(model.parameters())
    assert tree.totals() == {"total": total, "trainable": total - frozen, "frozen": frozen,
                             "buffers": numel(model.buffers())}
    assert f"{frozen:,} frozen" in tree.totals_label.text()
    assert tree.item_for("features").text(5) == "0"
    assert tree.item_for("").text(5) == f"{total - frozen:,}"


def test_frozen_at_start_shows_unchecked_boxes(tree):
    model = model_of("lenet5")
    apply_freeze_to_model(model, "conv1", True, is_module=True)
    tree.set_model(model)
    for name in ("conv1", "conv1.weight", "conv1.bias"):
        item = tree.item_for(name)
        assert item.data(0, Qt.ItemDataRole.CheckStateRole) is not None, name  # a box is drawn
        assert check(item) == UNCHECKED
    assert check(tree.item_for("")) == PARTIAL


def test_whole_model_check_box_uses_empty_path(qtbot, tree):
    tree.set_model(model_of("mnist_mlp"))
    with qtbot.waitSignal(tree.module_freeze_requested, timeout=1000) as blocker:
        click_check_box(qtbot, tree, tree.item_for(""))
    assert blocker.args == ["", True]


def test_parameter_check_box_and_partially_frozen_module(qtbot, tree):
    model = model_of("mnist_mlp")
    tree.set_model(model)
    requests = []

    def apply(name, frozen, is_module):
        requests.append((name, frozen, is_module))
        apply_freeze_to_model(model, name, frozen, is_module)

    tree.parameter_freeze_requested.connect(lambda n, f: apply(n, f, False))
    tree.module_freeze_requested.connect(lambda n, f: apply(n, f, True))

    with qtbot.waitSignal(tree.parameter_freeze_requested, timeout=1000) as blocker:
        tree.item_for("fc1.weight").setCheckState(0, UNCHECKED)
    assert blocker.args == ["fc1.weight", True]
    # The receiver applied it at once; the tree refreshed after the request.
    assert not model.fc1.weight.requires_grad
    assert check(tree.item_for("fc1.weight")) == UNCHECKED
    assert check(tree.item_for("fc1.bias")) == CHECKED
    assert check(tree.item_for("fc1")) == PARTIAL
    assert check(tree.item_for("")) == PARTIAL
    assert tree.totals()["frozen"] == model.fc1.weight.numel()

    # A click on a partially checked module asks to unfreeze all of it.
    with qtbot.waitSignal(tree.module_freeze_requested, timeout=1000) as blocker:
        click_check_box(qtbot, tree, tree.item_for("fc1"))
    assert blocker.args == ["fc1", False]
    assert check(tree.item_for("fc1")) == CHECKED
    assert check(tree.item_for("fc1.weight")) == CHECKED
    assert tree.totals()["frozen"] == 0
    assert requests == [("fc1.weight", True, False), ("fc1", False, True)]


def test_freeze_via_parameter_click(qtbot, tree):
    model = model_of("lenet5")
    tree.set_model(model)
    with qtbot.waitSignal(tree.parameter_freeze_requested, timeout=1000) as blocker:
        click_check_box(qtbot, tree, tree.item_for("conv2.bias"))
    assert blocker.args == ["conv2.bias", True]


def test_refresh_keeps_rows_and_rebuilds_on_structure_change(tree):
    model = model_of("mnist_mlp")
    tree.set_model(model)
    row = tree.item_for("fc2.weight")
    tree.tree.collapseItem(tree.item_for("fc3"))
    tree.refresh()
    assert tree.item_for("fc2.weight") is row  # same rows, values updated in place
    model.fc2.weight = nn.Parameter(torch.zeros(32, 128, dtype=torch.float64))
    tree.refresh()
    assert tree.item_for("fc2.weight") is row
    assert row.text(1) == "32 × 128" and row.text(3) == "float64"
    assert row.text(2) == f"{32 * 128:,}"
    model.add_module("extra", nn.Linear(10, 3))
    tree.refresh()
    assert tree.parameter_names() == [n for n, _ in model.named_parameters()]
    assert tree.parameter_names()[-2:] == ["extra.weight", "extra.bias"]
    assert not tree.item_for("fc3").isExpanded()  # collapsed rows stay collapsed
    assert tree.item_for("fc2").isExpanded()


# ---------------------------------------------------------------------------------------------
# Selection and the inspector


def test_selecting_a_linear_weight_shows_stats_and_heat_map(qtbot, panel):
    model = model_of("mnist_mlp")
    panel.set_model(model)
    item = panel.tree.item_for("fc1.weight")
    with qtbot.waitSignal(panel.tree.tensor_selected, timeout=1000) as blocker:
        rect = panel.tree.tree.visualItemRect(item)
        qtbot.mouseClick(panel.tree.tree.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(rect.right() - 5, rect.center().y()))
    assert blocker.args == ["fc1.weight"]
    assert panel.tree.selected_name() == "fc1.weight"
    weight = model.fc1.weight.detach()
    stats = panel.inspector.stats()
    assert stats["mean"] == pytest.approx(weight.mean().item(), abs=1e-7)
    assert stats["std"] == pytest.approx(weight.std().item(), rel=1e-5)
    assert stats["min"] == weight.min().item()
    assert stats["max"] == weight.max().item()
    assert stats["norm"] == pytest.approx(weight.norm().item(), rel=1e-5)
    assert panel.inspector.picture_kind() == "heatmap"
    inspector = panel.inspector
    assert inspector.findChild(QLabel, "stat_mean").text() == f"{stats['mean']:.6g}"
    assert inspector.findChild(QLabel, "stat_grad").text() == "—"
    assert inspector.heatmap_view.isVisibleTo(inspector)
    assert not inspector.filters_view.isVisibleTo(inspector)
    assert inspector.picture_shape() == (128, 392)  # 784 columns: means of 2
    bounds = inspector.heatmap_image.mapRectToParent(inspector.heatmap_image.boundingRect())
    assert (bounds.width(), bounds.height()) == (784, 128)  # axes count inputs and outputs
    level_lo, level_hi = inspector.heatmap_image.getLevels()
    assert level_lo == -level_hi and level_hi == pytest.approx(weight.abs().max().item())
    counts = inspector.histogram_counts()
    assert len(counts) == HIST_BINS and sum(counts) == weight.numel()
    expected = torch.histc(weight, bins=HIST_BINS, min=weight.min().item(),
                           max=weight.max().item())
    assert sum(abs(a - b) for a, b in zip(counts, expected.tolist(), strict=True)) <= 4
    assert inspector.histogram.isVisibleTo(inspector)


def test_small_linear_weight_heat_map_is_full_size(panel):
    panel.set_model(model_of("mnist_mlp"))
    panel.tree.select("fc3.weight")
    assert panel.inspector.picture_shape() == (10, 64)


def test_selecting_a_bias_hides_the_picture(panel):
    panel.set_model(model_of("mnist_mlp"))
    panel.tree.select("fc1.bias")
    assert panel.inspector.picture_kind() == "none"
    assert not panel.inspector.picture_area.isVisibleTo(panel.inspector)
    assert len(panel.inspector.histogram_counts()) == HIST_BINS


@pytest.mark.parametrize(("name", "filters", "kernel"), [
    ("block1.0.weight", 32, 3),
    ("block2.0.weight", 64, 3),
])
def test_selecting_a_conv_weight_shows_a_filter_grid(panel, name, filters, kernel):
    model = model_of("complex_model")
    panel.set_model(model)
    assert panel.tree.select(name)
    inspector = panel.inspector
    assert inspector.picture_kind() == "filters"
    expected = filter_grid_shape(filters, kernel, kernel)
    cols = math.ceil(math.sqrt(filters))
    rows = math.ceil(filters / cols)
    assert expected == (rows * (kernel + 1) - 1, cols * (kernel + 1) - 1)
    assert inspector.picture_shape() == expected
    assert inspector.filters_image.image.shape == expected
    assert inspector.filters_view.isVisibleTo(inspector)
    assert not inspector.heatmap_view.isVisibleTo(inspector)
    picture = inspector.summary().picture
    first = find_tensor(model, name).detach()[0].mean(dim=0)
    scaled = (first - first.min()) / (first.max() - first.min())
    assert torch.allclose(torch.from_numpy(picture[:kernel, :kernel]).float(), scaled, atol=1e-6)
    assert math.isnan(picture[kernel, 0])  # gaps between filters are see-through


def test_lenet_filter_grid(panel):
    panel.set_model(model_of("lenet5"))
    panel.tree.select("conv1.weight")  # 6 filters of 5×5: 3 columns, 2 rows
    assert panel.inspector.picture_shape() == (2 * 6 - 1, 3 * 6 - 1)


def test_num_batches_tracked_shows_stats_without_histogram(panel):
    panel.set_model(model_of("digits_cnn"))
    assert panel.tree.select("features.bn1.num_batches_tracked")
    inspector = panel.inspector
    assert inspector.current_name() == "features.bn1.num_batches_tracked"
    assert inspector.stats()["mean"] == 0.0 and inspector.stats()["max"] == 0.0
    assert inspector.histogram_counts() == []
    assert not inspector.histogram.isVisibleTo(inspector)
    assert inspector.picture_kind() == "none"
    assert "no histogram" in inspector.note.text()
    # Running statistics are float buffers: they have a histogram.
    panel.tree.select("features.bn1.running_var")
    assert sum(panel.inspector.histogram_counts()) == 32
    assert panel.inspector.stats()["mean"] == 1.0


def test_nan_and_inf_do_not_crash(panel):
    model = model_of("mnist_mlp")
    with torch.no_grad():
        model.fc1.weight[0, 0] = float("nan")
        model.fc1.weight[0, 1] = float("inf")
        model.fc2.bias.fill_(float("nan"))
    panel.set_model(model)
    panel.tree.select("fc1.weight")
    inspector = panel.inspector
    weight = model.fc1.weight.detach().reshape(-1)
    finite = weight[torch.isfinite(weight)]
    stats = inspector.stats()
    assert stats["mean"] == pytest.approx(finite.mean().item(), abs=1e-7)
    assert stats["max"] == finite.max().item()
    assert sum(inspector.histogram_counts()) == finite.numel()
    assert inspector.findChild(QLabel, "stat_nonfinite").isVisibleTo(inspector)
    assert "1 NaN and 1 infinite" in inspector.nonfinite.text()
    assert inspector.picture_kind() == "heatmap"
    inspector.grab()  # draws the NaN pixels
    panel.tree.select("fc2.bias")  # all NaN
    assert all(math.isnan(v) for v in panel.inspector.stats().values())
    assert panel.inspector.histogram_counts() == []
    assert panel.inspector.findChild(QLabel, "stat_mean").text() == "—"
    panel.inspector.grab()


def test_all_nan_conv_weight(qtbot):
    inspector = TensorInspector()
    qtbot.addWidget(inspector)
    inspector.show()
    inspector.show_tensor("w", torch.full((4, 2, 3, 3), float("nan")))
    assert inspector.picture_kind() == "filters"
    inspector.grab()


def test_refresh_updates_shown_stats_and_gradient_norm(panel):
    model = model_of("mnist_mlp")
    panel.set_model(model, grad_norms={"fc2.weight": 0.25})
    panel.tree.select("fc2.weight")
    assert panel.inspector.findChild(QLabel, "stat_grad").text() == "0.25"
    with torch.no_grad():
        model.fc2.weight.fill_(0.5)
    panel.refresh()
    stats = panel.inspector.stats()
    assert stats["mean"] == 0.5 and stats["std"] == 0.0 and stats["min"] == 0.5
    assert panel.inspector.findChild(QLabel, "stat_mean").text() == "0.5"
    assert panel.inspector.findChild(QLabel, "stat_grad").text() == "0.25"  # kept
    panel.refresh(grad_norms={"fc2.weight": 1.5})
    assert panel.inspector.findChild(QLabel, "stat_grad").text() == "1.5"
    panel.refresh(grad_norms={})
    assert panel.inspector.findChild(QLabel, "stat_grad").text() == "—"


def test_new_model_keeps_selection_and_shows_its_tensor(panel):
    panel.set_model(model_of("mnist_mlp"))
    panel.tree.select("fc1.bias")
    other = model_of("mnist_mlp")
    with torch.no_grad():
        other.fc1.bias.fill_(2.0)
    panel.set_model(other)
    assert panel.tree.selected_name() == "fc1.bias"
    assert panel.inspector.stats()["mean"] == 2.0
    panel.set_model(model_of("lenet5"))  # another model with an fc1.bias
    assert panel.tree.selected_name() == "fc1.bias"
    panel.set_model(model_of("rows_lstm"))
    assert panel.tree.selected_name() is None
    assert panel.inspector.current_name() is None
    assert panel.inspector.picture_kind() == "none"


def test_selecting_a_module_clears_the_inspector(qtbot, panel):
    panel.set_model(model_of("mnist_mlp"))
    panel.tree.select("fc1.weight")
    with qtbot.waitSignal(panel.tree.module_selected, timeout=1000) as blocker:
        panel.tree.select("fc2")
    assert blocker.args == ["fc2"]
    assert panel.tree.selected_name() == "fc2"
    assert panel.inspector.current_name() is None
    assert math.isnan(panel.inspector.stats()["mean"])


def test_lstm_weights_are_heat_maps(panel):
    panel.set_model(model_of("rows_lstm"))
    panel.tree.select("lstm.weight_hh_l0")
    assert panel.inspector.picture_kind() == "heatmap"
    assert panel.inspector.picture_shape() == (512, 128)


def test_panel_widgets_have_object_names(panel):
    names = ["parameter_tree", "totals_label", "histogram", "filters_view", "heatmap_view",
             "stat_mean", "stat_std", "stat_min", "stat_max", "stat_norm", "stat_grad"]
    for name in names:
        assert panel.findChild(object, name) is not None, name


# ---------------------------------------------------------------------------------------------
# Tensor summaries


@pytest.mark.parametrize(("tensor", "kind", "hist"), ODD_TENSORS)
def test_odd_tensors_are_drawn(qtbot, tensor, kind, hist):
    inspector = TensorInspector()
    qtbot.addWidget(inspector)
    inspector.show()
    inspector.show_tensor("t", tensor, grad_norm=float("nan"))
    assert inspector.picture_kind() == kind
    assert sum(inspector.histogram_counts()) == hist
    assert inspector.histogram.isVisibleTo(inspector) == (hist > 0)
    inspector.grab()


def test_many_filters_say_how_many_are_shown(qtbot):
    inspector = TensorInspector()
    qtbot.addWidget(inspector)
    inspector.show_tensor("w", torch.randn(300, 4, 5, 5))
    assert inspector.picture_shape() == filter_grid_shape(256, 5, 5)
    assert "256" in inspector.picture_caption.text()
    assert "300" in inspector.picture_caption.text()


def test_missing_tensor_and_clear(qtbot):
    inspector = TensorInspector()
    qtbot.addWidget(inspector)
    inspector.show_tensor("ghost", None)
    assert inspector.current_name() == "ghost" and inspector.picture_kind() == "none"
    inspector.clear()
    assert inspector.current_name() is None
    assert inspector.histogram_counts() == []


# ---------------------------------------------------------------------------------------------
# A large model


def test_refresh_of_a_million_parameter_model(panel):
    model = nn.Sequential(nn.Linear(1000, 1000))
    panel.set_model(model)
    panel.tree.select("0.weight")
    assert panel.inspector.picture_kind() == "heatmap"
    times = [panel.timed_refresh_ms({"0.weight": 0.1}) for _ in range(20)]
    assert all(t > 0 for t in times)
    print(f"refresh of a 1M-parameter model: median {statistics.median(times):.2f} ms")
    assert panel.tree.totals()["total"] == 1000 * 1000 + 1000
