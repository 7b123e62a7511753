"""Figures of notebook 05: each helper draws what it says (data checked against the model), returns its
artists, takes an ax, leaves rcParams alone."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.colors import to_rgba

from backprop_helpers.mlp import init_mlp, mlp_forward
from backprop_helpers.plotting import (
    COLORS,
    XOR_CMAP,
    plane_grid,
    plot_decision_boundary,
    plot_decision_line,
    plot_hidden_units,
    plot_loss_curves,
    plot_xor_points,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def params():
    return init_mlp(2, 3, 1, generator=torch.Generator().manual_seed(5), dtype=torch.float64)


def test_plane_grid_rows_run_along_x2():
    points, extent = plane_grid(4, lim=(0.0, 3.0))
    assert points.shape == (16, 2) and points.dtype == torch.float64
    assert extent == (0.0, 3.0, 0.0, 3.0)
    # row i·n + j is (x₁ⱼ, x₂ᵢ) with x = 0, 1, 2, 3: point 6 = row 1, column 2 -> (2, 1)
    assert points[6].tolist() == [2.0, 1.0]
    image = points[:, 0].reshape(4, 4)  # x₁ as an image: constant down each column
    assert torch.equal(image[0], image[3])


@pytest.mark.parametrize("n", [1, 2.5, True])
def test_plane_grid_bad_n(n):
    with pytest.raises(ValueError, match="n must be an int >= 2"):
        plane_grid(n)


def test_plane_grid_bad_lim():
    with pytest.raises(ValueError, match="low < high"):
        plane_grid(10, lim=(1.0, 0.0))


def test_xor_points_by_class():
    _, ax = plt.subplots()
    artists = plot_xor_points(ax)
    assert set(artists) == {"class 0", "class 1"}
    assert sorted(map(tuple, artists["class 0"].get_offsets().tolist())) == [(0, 0), (1, 1)]
    assert sorted(map(tuple, artists["class 1"].get_offsets().tolist())) == [(0, 1), (1, 0)]
    assert tuple(artists["class 0"].get_facecolor()[0]) == to_rgba(COLORS["blue"])
    assert tuple(artists["class 1"].get_facecolor()[0]) == to_rgba(COLORS["orange"])
    assert ax.get_xlabel() == "x₁" and ax.get_ylabel() == "x₂"


@pytest.mark.parametrize(
    ("w", "b"), [((0.7, -1.3), 0.4), ((2.0, 0.0), -1.0), ((0.0, 3.0), -0.5), ((-1.5, 1.4), 0.2)]
)
def test_decision_line_is_where_w_x_plus_b_is_zero(w, b):
    _, ax = plt.subplots()
    line = plot_decision_line(w, b, ax)["line"]
    x1, x2 = line.get_data()
    assert len(x1) == 2
    # Python floats arrive as float32 (torch's default), so the line is exact to float32 rounding
    assert np.allclose(w[0] * np.asarray(x1) + w[1] * np.asarray(x2) + b, 0.0, atol=1e-6)
    assert ax.get_xlim() == (-0.5, 1.5)


def test_decision_line_for_zero_weights_is_empty():
    line = plot_decision_line(torch.zeros(2), torch.tensor([0.3]))["line"]
    assert len(line.get_xdata()) == 0


def test_decision_line_bad_shapes():
    with pytest.raises(ValueError, match="w must hold two weights"):
        plot_decision_line([1.0, 2.0, 3.0], 0.0)


def test_loss_curves_overlaid_with_their_data():
    _, ax = plt.subplots()
    curves = {"manual": [0.3, 0.2, 0.1], "autograd": torch.tensor([0.3, 0.2, 0.1], dtype=torch.float64)}
    lines = plot_loss_curves(curves, ax)
    assert list(lines) == ["manual", "autograd"]
    for line in lines.values():
        assert line.get_xdata().tolist() == [0, 1, 2]
        assert line.get_ydata() == pytest.approx([0.3, 0.2, 0.1])
    assert lines["manual"].get_linestyle() != lines["autograd"].get_linestyle()  # both visible where equal
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["manual", "autograd"]


def test_loss_curves_needs_curves():
    with pytest.raises(ValueError, match="non-empty dict"):
        plot_loss_curves({})


def test_decision_boundary_image_is_the_prediction(params):
    _, ax = plt.subplots()

    def predict(points):
        return mlp_forward(points, params, hidden="tanh")[0]

    artists = plot_decision_boundary(predict, ax, n=20)
    points, _ = plane_grid(20)
    expected = predict(points).reshape(20, 20).numpy()
    assert np.allclose(artists["image"].get_array(), expected)
    assert artists["image"].get_cmap() is XOR_CMAP
    assert artists["image"].get_clim() == (0, 1)
    assert artists["image"].origin == "lower"
    assert {"class 0", "class 1"} <= set(artists)


def test_decision_boundary_contour_only_where_it_crosses_one_half():
    crossing = plot_decision_boundary(lambda p: p[:, 0], n=10)  # ŷ = x₁ crosses 0.5 at x₁ = 0.5
    assert crossing["contour"] is not None
    flat = plot_decision_boundary(lambda p: torch.full((len(p), 1), 0.5, dtype=p.dtype), n=10)
    assert flat["contour"] is None


def test_decision_boundary_bad_predict():
    with pytest.raises(TypeError, match="predict must be a callable"):
        plot_decision_boundary("not a function")
    with pytest.raises(ValueError, match="one value per point"):
        plot_decision_boundary(lambda p: p[:5, 0], n=10)


@pytest.mark.parametrize("hidden", ["tanh", "sigmoid", "relu"])
def test_hidden_units_one_panel_per_unit_showing_its_activation(params, hidden):
    artists = plot_hidden_units(params, hidden=hidden, n=15)
    assert len(artists["images"]) == len(artists["lines"]) == 3
    points, _ = plane_grid(15)
    _, cache = mlp_forward(points, params, hidden=hidden)
    for j, image in enumerate(artists["images"]):
        assert np.allclose(image.get_array(), cache["A1"][:, j].reshape(15, 15).numpy())
        # the dashed line is where unit j switches: W1[j]·x + b1[j] = 0
        x1, x2 = artists["lines"][j].get_data()
        W1, b1 = params["W1"][j].numpy(), params["b1"][j].item()
        assert np.allclose(W1[0] * np.asarray(x1) + W1[1] * np.asarray(x2) + b1, 0.0, atol=1e-12)
    if hidden == "tanh":
        assert artists["images"][0].get_clim() == (-1.0, 1.0)


def test_hidden_units_into_given_axes_and_two_rows_for_many_units():
    params = init_mlp(2, 6, 1, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    artists = plot_hidden_units(params, hidden="tanh", n=10)
    figure = artists["images"][0].axes.figure
    assert len([ax for ax in figure.axes if ax.get_visible()]) == 6
    assert figure.axes[0].get_subplotspec().get_gridspec().get_geometry() == (2, 3)
    _, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="at least one Axes per hidden unit"):
        plot_hidden_units(params, hidden="tanh", axes=axes)


def test_helpers_leave_rcparams_alone(params):
    before = dict(matplotlib.rcParams)
    plot_loss_curves({"a": [1.0, 0.5]})
    plot_decision_boundary(lambda p: p[:, 0], n=10, colorbar=True)
    plot_hidden_units(params, hidden="tanh", n=10)
    assert dict(matplotlib.rcParams) == before
