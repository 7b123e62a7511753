"""Perceptron plots: the loss grid is the formula, contours and paths are drawn where they should be."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from backprop_helpers.plotting import perceptron_loss_grid, plot_perceptron_contours, plot_perceptron_paths

X, B, Y = (4.0, -2.0), 1.0, 1.0


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_loss_grid_is_the_squared_residual():
    W1, W2, J = perceptron_loss_grid(X, B, Y, (-1, 2), (0, 3), n=7)
    assert W1.shape == W2.shape == J.shape == (7, 7)
    # at w = (1, 1): h = 4 − 2 + 1 = 3, J = (3 − 1)² = 4; the grid holds w₁ = 1 at column 4, w₂ = 1 at row 2
    assert (W1[2, 4], W2[2, 4], J[2, 4]) == pytest.approx((1.0, 1.0, 4.0))
    # against torch on every grid point
    w = torch.tensor(np.stack([W1.ravel(), W2.ravel()], axis=1))
    expected = (w @ torch.tensor(X, dtype=torch.float64) + B - Y) ** 2
    np.testing.assert_allclose(J.ravel(), expected.numpy(), rtol=1e-12)


def test_contours_draw_the_valley_floor():
    _, ax = plt.subplots()
    artists = plot_perceptron_contours(X, B, Y, ax=ax, w1_lim=(0, 2), w2_lim=(0, 3))
    assert set(artists) == {"filled", "lines", "valley"}
    w1, w2 = artists["valley"].get_data()
    # every point of the dashed line has J = 0: 4w₁ − 2w₂ + 1 − 1 = 0
    np.testing.assert_allclose(4 * np.asarray(w1) - 2 * np.asarray(w2), 0, atol=1e-12)
    assert ax.get_xlim() == (0, 2) and ax.get_ylim() == (0, 3)
    assert ax.get_xlabel() == "w₁" and ax.get_ylabel() == "w₂"


def test_contours_valley_for_vertical_and_horizontal_lines():
    _, (a, b) = plt.subplots(1, 2)
    w1, _ = plot_perceptron_contours((2.0, 0.0), 0.0, 1.0, ax=a)["valley"].get_data()
    np.testing.assert_allclose(w1, 0.5)  # 2w₁ = 1
    _, w2 = plot_perceptron_contours((0.0, 4.0), 0.0, 1.0, ax=b)["valley"].get_data()
    np.testing.assert_allclose(w2, 0.25)  # 4w₂ = 1


def test_paths_are_drawn_with_their_data():
    hand = np.array([[1.0, 1.0], [0.84, 1.08], [0.744, 1.128]])
    sgd = torch.tensor(hand)
    artists = plot_perceptron_paths({"by hand": hand, "optim.SGD": sgd}, x=X, b=B, y=Y, title="lr = 0.01")
    lines = artists["paths"]
    assert list(lines) == ["by hand", "optim.SGD"]
    np.testing.assert_allclose(np.column_stack(lines["by hand"].get_data()), hand)
    np.testing.assert_allclose(np.column_stack(lines["optim.SGD"].get_data()), hand)
    # they coincide, so they must differ in marker to be seen both
    assert lines["by hand"].get_marker() != lines["optim.SGD"].get_marker()
    ax = lines["by hand"].axes
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    assert xlim[0] < hand[:, 0].min() and hand[:, 0].max() < xlim[1]
    assert ylim[0] < hand[:, 1].min() and hand[:, 1].max() < ylim[1]
    assert artists["start"].get_data()[0][0] == 1.0
    assert [t.get_text() for t in artists["legend"].get_texts()][:2] == ["J = 0", "by hand"]
    assert ax.get_title() == "lr = 0.01"


def test_paths_use_the_given_axes_and_do_not_show():
    fig, ax = plt.subplots()
    artists = plot_perceptron_paths({"p": [[0.0, 0.0], [1.0, 1.0]]}, x=X, b=B, y=Y, ax=ax)
    assert artists["paths"]["p"].axes is ax
    assert plt.get_fignums() == [fig.number]


def test_no_global_rcparams_change():
    before = dict(matplotlib.rcParams)
    plot_perceptron_paths({"p": [[0.0, 0.0], [1.0, 1.0]]}, x=X, b=B, y=Y)
    assert dict(matplotlib.rcParams) == before


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: perceptron_loss_grid((1.0, 2.0, 3.0), B, Y, (0, 1), (0, 1)), ValueError, "shape"),
        (lambda: perceptron_loss_grid((0.0, 0.0), B, Y, (0, 1), (0, 1)), ValueError, "all zeros"),
        (lambda: perceptron_loss_grid(X, B, Y, (1, 0), (0, 1)), ValueError, "w1_lim"),
        (lambda: plot_perceptron_paths([], x=X, b=B, y=Y), TypeError, "dict"),
        (lambda: plot_perceptron_paths({"p": [1.0, 2.0]}, x=X, b=B, y=Y), ValueError, "shape"),
        (
            lambda: plot_perceptron_paths({k: [[0.0, 0.0]] for k in "abcd"}, x=X, b=B, y=Y),
            ValueError,
            "at most",
        ),
        (lambda: plot_perceptron_contours("x", B, Y), TypeError, "x must be"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
