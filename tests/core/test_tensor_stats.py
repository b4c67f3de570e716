"""Statistics, histogram and picture of one tensor, as the tensor inspector shows them."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from netbuilder.core.tensor_stats import (
    HIST_BINS,
    MAX_HEATMAP_SIDE,
    dtype_text,
    filter_grid_shape,
    shape_text,
    summarize_tensor,
)

ODD_TENSORS = [
    (torch.empty(0, 5), "none", 0),
    (torch.tensor(7), "none", 0),
    (torch.tensor([True, False]), "none", 0),
    (torch.randn(10, 10).half(), "heatmap", 100),
    (torch.randn(8, 3, 3, 3).bfloat16(), "filters", 216),
    (torch.randn(3, 3, dtype=torch.cfloat), "heatmap", 9),
    (torch.tensor([3e38, -3e38, 1.0]), "none", 3),
    (torch.empty(3, 4, device="meta"), "none", 0),
    (torch.ones(4, 4), "heatmap", 16),
    (torch.tensor(2.5), "none", 1),
    (torch.randn(10, 36864), "heatmap", 368640),
    (torch.randn(300, 4, 5, 5), "filters", 30000),
    (torch.randn(4, 3, 5), "none", 60),
]  # also drawn by tests/gui/test_parameter_tree.py


@pytest.mark.parametrize(("tensor", "kind", "hist"), ODD_TENSORS)
def test_summaries_of_odd_tensors(tensor, kind, hist):
    summary = summarize_tensor(tensor)
    assert summary.picture_kind == kind
    assert (0 if summary.counts is None else int(summary.counts.sum())) == hist
    assert summary.shape == tuple(tensor.shape) and summary.numel == tensor.numel()


def test_statistics_match_torch():
    torch.manual_seed(0)
    tensor = torch.randn(20, 30)
    summary = summarize_tensor(tensor)
    assert summary.mean == pytest.approx(tensor.mean().item(), abs=1e-6)
    assert summary.std == pytest.approx(tensor.std().item(), rel=1e-5)
    assert summary.min == tensor.min().item() and summary.max == tensor.max().item()
    assert summary.norm == pytest.approx(torch.linalg.vector_norm(tensor).item(), rel=1e-6)
    assert summary.dtype == "float32" and summary.device == "cpu"
    assert len(summary.counts) == HIST_BINS and len(summary.edges) == HIST_BINS + 1
    assert summary.edges[0] == summary.min and summary.edges[-1] == pytest.approx(summary.max)


def test_non_finite_values_are_counted_and_left_out():
    tensor = torch.tensor([1.0, 2.0, 3.0, float("nan"), float("inf"), float("-inf")])
    summary = summarize_tensor(tensor)
    assert (summary.nan_count, summary.inf_count) == (1, 2)
    assert summary.mean == 2.0 and summary.min == 1.0 and summary.max == 3.0
    assert int(summary.counts.sum()) == 3


def test_all_nan_tensor_has_no_statistics():
    summary = summarize_tensor(torch.full((3,), float("nan")))
    assert summary.nan_count == 3
    assert all(math.isnan(v) for v in (summary.mean, summary.std, summary.min, summary.max))
    assert summary.counts is None


def test_all_nan_conv_weight_is_a_picture_of_holes():
    summary = summarize_tensor(torch.full((4, 2, 3, 3), float("nan")))
    assert summary.picture_kind == "filters"
    assert np.isnan(summary.picture).all()


def test_integer_counters_are_exact_and_have_no_histogram():
    summary = summarize_tensor(torch.tensor(2**53 + 1, dtype=torch.int64))
    assert not summary.is_float and summary.counts is None
    assert summary.max == float(2**53)  # the nearest float64; no float32 rounding on the way


def test_summary_of_huge_values_does_not_overflow():
    summary = summarize_tensor(torch.tensor([3e38, -3e38, 1.0]))
    assert math.isfinite(summary.std) and math.isfinite(summary.norm)


def test_complex_tensors_are_summarised_by_magnitude():
    summary = summarize_tensor(torch.tensor([3 + 4j, 0j]))
    assert summary.is_complex and summary.max == 5.0 and summary.min == 0.0


def test_many_filters_are_capped():
    summary = summarize_tensor(torch.randn(300, 4, 5, 5))
    assert summary.filters_shown == 256 and summary.filters_total == 300
    assert summary.picture.shape == filter_grid_shape(256, 5, 5) == (16 * 6 - 1, 16 * 6 - 1)


def test_each_filter_is_scaled_on_its_own():
    weight = torch.randn(6, 3, 5, 5)
    summary = summarize_tensor(weight)
    assert summary.picture.shape == filter_grid_shape(6, 5, 5) == (2 * 6 - 1, 3 * 6 - 1)
    first = weight[0].mean(dim=0).double()
    expected = (first - first.min()) / (first.max() - first.min())
    np.testing.assert_allclose(summary.picture[:5, :5], expected.numpy(), atol=1e-6)
    assert np.isnan(summary.picture[5, :]).all()  # the one-pixel gap between rows


def test_large_matrices_are_averaged_down():
    summary = summarize_tensor(torch.ones(1000, 2000))
    assert summary.downsampled
    assert max(summary.picture.shape) <= MAX_HEATMAP_SIDE
    assert summary.picture_levels == (-1.0, 1.0)


def test_filter_grid_shape():
    assert filter_grid_shape(0, 3, 3) == (0, 0)
    assert filter_grid_shape(1, 3, 3) == (3, 3)
    assert filter_grid_shape(6, 5, 5) == (2 * 6 - 1, 3 * 6 - 1)


def test_texts():
    assert shape_text((3, 4)) == "3 × 4"
    assert shape_text(torch.Size([])) == "scalar"
    assert dtype_text(torch.bfloat16) == "bfloat16"
