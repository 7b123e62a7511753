"""The figures of notebook 01: the artists carry the right numbers, the tangent has slope ∂L/∂w₂, the step
lands at w₂ − lr·∂L/∂w₂, the loss grid is the formula, and no helper leaks a figure style or calls show()."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from backprop_helpers import neuron_backward, sigmoid, sigmoid_grad
from backprop_helpers.plotting import (
    neuron_loss_grid,
    plot_loss_along_weight,
    plot_loss_surface,
    plot_sigmoid,
)

X, W, B, Y = (0.5, 3.0), (0.5, -1.2), 0.7, 1.0  # seed 000


def trace_at(w, x=X, b=B, y=Y):
    """neuron_backward in float64 (Python numbers would become float32)."""
    return neuron_backward(*(torch.tensor(v, dtype=torch.float64) for v in (x, w, b, y)))


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_plot_sigmoid_marks_the_operating_point(ax):
    artists = plot_sigmoid(-2.65, ax=ax)
    assert set(artists) == {"sigmoid", "sigmoid_grad", "point", "point_grad", "guide"}
    z, s = artists["sigmoid"].get_data()
    assert np.allclose(s, sigmoid(torch.as_tensor(z)).numpy())
    z, ds = artists["sigmoid_grad"].get_data()
    assert np.allclose(ds, sigmoid_grad(torch.as_tensor(z)).numpy())
    # σ(−2.65) = 1/(1 + e^{2.65}) = 1/(1 + 14.154) = 0.065989; σ′ = 0.065989·0.934011 = 0.061635
    assert artists["point"].get_ydata()[0] == pytest.approx(0.065989, abs=1e-6)
    assert artists["point_grad"].get_ydata()[0] == pytest.approx(0.061635, abs=1e-6)
    assert "0.0660" in artists["point"].get_label()


def test_plot_sigmoid_widens_the_range_and_works_without_a_point(ax):
    artists = plot_sigmoid(-9.0, z_range=(-6, 6), ax=ax)
    assert artists["sigmoid"].get_xdata().min() <= -9.0
    plt.close("all")
    assert set(plot_sigmoid()) == {"sigmoid", "sigmoid_grad"}
    plt.close("all")


def test_loss_along_w2_tangent_and_step(ax):
    artists = plot_loss_along_weight(X, W, B, Y, lr=0.1, ax=ax)
    trace = trace_at(W)
    slope = trace.dL_dw[1].item()  # −0.345404
    tx, ty = artists["tangent"].get_data()
    assert (ty[1] - ty[0]) / (tx[1] - tx[0]) == pytest.approx(slope, rel=1e-9)
    assert artists["point"].get_xdata()[0] == pytest.approx(-1.2)
    assert artists["point"].get_ydata()[0] == pytest.approx(trace.loss.item(), rel=1e-12)
    # the step lands at w₂ − lr·∂L/∂w₂ = −1.2 + 0.0345404 = −1.165460 (the seed's updated w₂)
    assert artists["step"].xy[0] == pytest.approx(-1.165460, abs=5e-7)
    assert artists["step"].xyann == pytest.approx((-1.2, trace.loss.item()))
    assert artists["new_point"].get_xdata()[0] == pytest.approx(-1.165460, abs=5e-7)
    # the curve is the loss with w₁, b fixed: check its middle point (w₂ itself)
    cx, cy = artists["curve"].get_data()
    middle = len(cx) // 2
    assert cx[middle] == pytest.approx(-1.2) and cy[middle] == pytest.approx(trace.loss.item(), rel=1e-12)
    # the new point is on the curve: a step downhill lowers L
    assert artists["new_point"].get_ydata()[0] < trace.loss.item()


def test_loss_along_w2_without_a_step_is_the_slice_and_its_tangent(ax):
    artists = plot_loss_along_weight(X, W, B, Y, lr=None, ax=ax)
    assert set(artists) == {"curve", "tangent", "point"}
    slope = trace_at(W).dL_dw[1].item()  # −0.345404
    tx, ty = artists["tangent"].get_data()
    assert (ty[1] - ty[0]) / (tx[1] - tx[0]) == pytest.approx(slope, rel=1e-9)
    # the curve's own slope at w₂, from its two neighbours of the middle point, is the tangent's
    cx, cy = artists["curve"].get_data()
    middle = len(cx) // 2
    secant = (cy[middle + 1] - cy[middle - 1]) / (cx[middle + 1] - cx[middle - 1])
    assert secant == pytest.approx(slope, abs=1e-3) and secant != pytest.approx(0.0, abs=0.1)
    assert "slope ∂L/∂w₂ = -0.3454" in artists["tangent"].get_label()


def test_loss_along_w1(ax):
    artists = plot_loss_along_weight(X, W, B, Y, index=0, lr=0.5, span=1.0, ax=ax)
    # w₁ − lr·∂L/∂w₁ = 0.5 + 0.5·0.057567 = 0.528784
    assert artists["new_point"].get_xdata()[0] == pytest.approx(0.528784, abs=1e-6)
    assert ax.get_xlabel() == "w₁"


def test_neuron_loss_grid_is_the_formula():
    w1 = torch.tensor([-1.0, 0.5, 2.0], dtype=torch.float64)
    w2 = torch.tensor([-1.2, 0.3], dtype=torch.float64)
    grid = neuron_loss_grid(X, B, Y, w1, w2)
    assert grid.shape == (2, 3) and grid.dtype == torch.float64
    for j, b2 in enumerate(w2.tolist()):
        for i, b1 in enumerate(w1.tolist()):
            trace = trace_at((b1, b2))
            assert grid[j, i].item() == pytest.approx(trace.loss.item(), rel=1e-12)
    # the seed's point: L(0.5, −1.2) = 0.872377
    assert grid[0, 1].item() == pytest.approx(0.872377, abs=5e-7)


def test_plot_loss_surface(ax):
    artists = plot_loss_surface(X, W, B, Y, ax=ax)
    assert set(artists) == {"filled", "lines", "point", "arrow"}
    assert artists["point"].get_xydata().tolist() == [[0.5, -1.2]]
    # the arrow is −∇L at true scale: from w to w − ∇L = (0.5 + 0.057567, −1.2 + 0.345404)
    assert artists["arrow"].xy == pytest.approx((0.557567, -0.854596), abs=1e-6)
    assert ax.get_xlim() == (-4.0, 4.0)


def test_helpers_leave_rcparams_alone_and_never_show(monkeypatch):
    before = dict(matplotlib.rcParams)
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("a plot helper called show()"))
    plot_sigmoid(0.3)
    plot_loss_along_weight(X, W, B, Y)
    plot_loss_surface(X, W, B, Y)
    assert dict(matplotlib.rcParams) == before
    plt.close("all")


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: plot_sigmoid(z_range=(2, 1)), "z_range"),
        (lambda: plot_sigmoid(z=[1.0, 2.0]), "z must be a single number"),
        (lambda: plot_loss_along_weight((1.0, 2.0, 3.0), W, B, Y), "x and w"),
        (lambda: plot_loss_along_weight(X, W, B, Y, index=2), "index"),
        (lambda: plot_loss_along_weight(X, W, B, Y, lr=0), "lr"),
        (lambda: plot_loss_along_weight(X, W, [0.1, 0.2], Y), "b must be a single number"),
        (lambda: neuron_loss_grid((1.0,), B, Y, [0, 1], [0, 1]), "x must hold two"),
        (lambda: neuron_loss_grid(X, B, Y, [0.0], [0, 1]), "w1_values"),
        (lambda: plot_loss_surface(X, W, B, Y, limits=(1, -1)), "limits"),
        (lambda: plot_loss_surface(X, W, B, Y, n=1), "n must"),
    ],
)
def test_bad_inputs_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
    plt.close("all")


def test_non_finite_input_is_rejected():
    with pytest.raises(ValueError, match="finite"):
        plot_loss_along_weight(X, (float("nan"), 1.0), B, Y)
    plt.close("all")
