"""Figures of notebook 05 (XOR): the four points, a linear model's decision line, loss curves, the decision
boundary of a network as a heat map, and what each hidden unit computes.

Every helper takes ``ax`` (or ``axes``), returns its artists in a dict, never calls ``show()``.
Heat maps share one colour map, blue (ŷ = 0) → white (0.5) → orange (1), the Okabe–Ito colours of the
two classes, so the boundary ŷ = 0.5 is where the colour fades out.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.colors import LinearSegmentedColormap

from backprop_helpers._inputs import as_float_tensor, check_int
from backprop_helpers.data import xor_data
from backprop_helpers.mlp import mlp_forward
from backprop_helpers.plotting.style import COLORS, figure_style, new_axes

__all__ = [
    "XOR_CMAP",
    "XOR_LIM",
    "plane_grid",
    "plot_xor_points",
    "plot_decision_line",
    "plot_loss_curves",
    "plot_decision_boundary",
    "plot_hidden_units",
]

XOR_CMAP = LinearSegmentedColormap.from_list("xor", [COLORS["blue"], "#ffffff", COLORS["orange"]])
XOR_LIM = (-0.5, 1.5)  # the plane shown around the unit square, in both x₁ and x₂
CURVE_STYLES = (
    # the first curve thick and pale, the second thin and dashed on top: where they coincide, both show
    {"color": COLORS["blue"], "linewidth": 4.0, "alpha": 0.45},
    {"color": COLORS["vermillion"], "linewidth": 1.2, "linestyle": "--"},
    {"color": COLORS["green"], "linewidth": 1.2, "linestyle": ":"},
)


def _limits(lim):
    if len(lim) != 2 or not float(lim[0]) < float(lim[1]):
        raise ValueError(f"lim must be (low, high) with low < high; got {lim!r}")
    return float(lim[0]), float(lim[1])


def plane_grid(n=60, lim=XOR_LIM, dtype=torch.float64):
    """An n×n grid of points over lim × lim, for heat maps.

    Returns
    -------
    points : (n·n, 2) tensor
        Row i·n + j is (x₁ⱼ, x₂ᵢ): reshaping a per-point value to (n, n) gives an image whose rows run
        along x₂, as ``imshow(..., origin="lower", extent=extent)`` expects.
    extent : (left, right, bottom, top)
    """
    n = check_int(n, "n", low=2)
    low, high = _limits(lim)
    axis = torch.linspace(low, high, n, dtype=dtype)
    x2, x1 = torch.meshgrid(axis, axis, indexing="ij")  # (n, n) each; row index = x₂
    return torch.stack([x1.reshape(-1), x2.reshape(-1)], dim=1), (low, high, low, high)


def plot_xor_points(ax=None, *, size=70):
    """The four XOR points, class 0 as blue circles, class 1 as orange squares.

    Returns
    -------
    dict with "class 0" and "class 1" (PathCollections).
    """
    X, y = xor_data(torch.float64)
    X, y = X.numpy(), y.numpy().reshape(-1)
    with figure_style():
        ax = new_axes(ax, figsize=(3.2, 3.0))
        artists = {}
        for label, color, marker in ((0, COLORS["blue"], "o"), (1, COLORS["orange"], "s")):
            rows = y == label
            artists[f"class {label}"] = ax.scatter(
                X[rows, 0],
                X[rows, 1],
                s=size,
                color=color,
                marker=marker,
                edgecolors=COLORS["black"],
                linewidths=1.0,
                zorder=3,
                label=f"y = {label}",
            )
        ax.set_xlim(*XOR_LIM)
        ax.set_ylim(*XOR_LIM)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
    return artists


def plot_decision_line(w, b, ax=None, *, lim=XOR_LIM, **style):
    """The line w₁x₁ + w₂x₂ + b = 0 where a linear model's σ(w·x + b) crosses 0.5, clipped to lim × lim.

    For w = (0, 0) there is no line (ŷ = σ(b) everywhere): the Line2D is returned empty.

    Returns
    -------
    dict with "line" (Line2D).
    """
    w = as_float_tensor(w, "w").detach().to(torch.float64).reshape(-1)
    b = as_float_tensor(b, "b").detach().to(torch.float64).reshape(-1)
    if w.numel() != 2 or b.numel() != 1:
        raise ValueError(
            f"w must hold two weights and b one bias; got shapes {tuple(w.shape)}, {tuple(b.shape)}"
        )
    (w1, w2), b = w.tolist(), b.item()
    low, high = _limits(lim)
    if abs(w2) >= abs(w1) and w2 != 0:  # parametrise along the axis the line is least steep in
        x1 = np.array([low, high])
        x2 = -(w1 * x1 + b) / w2
    elif w1 != 0:
        x2 = np.array([low, high])
        x1 = -(w2 * x2 + b) / w1
    else:
        x1 = x2 = np.array([])
    with figure_style():
        ax = new_axes(ax, figsize=(3.2, 3.0))
        style = {"color": COLORS["black"], "linewidth": 1.5, **style}
        (line,) = ax.plot(x1, x2, **style)
        ax.set_xlim(low, high)
        ax.set_ylim(low, high)
    return {"line": line}


def plot_loss_curves(curves, ax=None, *, log=True, xlabel="epoch", ylabel="loss L"):
    """Loss per epoch of one or more runs, overlaid (the first thick and pale, the next dashed on top).

    Parameters
    ----------
    curves : dict label → sequence of losses (index = epoch)
    log : bool
        A log y axis, where a loss falling like e^{−t} is a straight line.

    Returns
    -------
    dict label → Line2D.
    """
    if not isinstance(curves, dict) or not curves:
        raise ValueError("curves must be a non-empty dict of label -> sequence of losses")
    with figure_style():
        ax = new_axes(ax, figsize=(4.0, 2.8))
        lines = {}
        for i, (label, values) in enumerate(curves.items()):
            values = as_float_tensor(values, f"curves[{label!r}]").detach().to(torch.float64).reshape(-1)
            style = CURVE_STYLES[i % len(CURVE_STYLES)]
            (lines[label],) = ax.plot(np.arange(values.numel()), values.numpy(), label=label, **style)
        if log:
            ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(loc="best")
    return lines


def plot_decision_boundary(predict, ax=None, *, n=60, lim=XOR_LIM, contour=True, colorbar=False):
    """ŷ over the plane as a heat map (blue 0 → white 0.5 → orange 1), the line ŷ = 0.5, the four points.

    Parameters
    ----------
    predict : callable
        ``predict(points) -> ŷ`` for points (M, 2) float64, ŷ of M elements (e.g. (M, 1)).
    n : int
        Grid points per axis.

    Returns
    -------
    dict with "image" (AxesImage), "contour" (ContourSet or None), "class 0", "class 1".
    """
    if not callable(predict):
        raise TypeError(f"predict must be a callable points -> y_hat; got {type(predict).__name__}")
    points, extent = plane_grid(n, lim)
    with torch.no_grad():
        values = as_float_tensor(predict(points), "predict(points)").detach().to(torch.float64)
    if values.numel() != n * n:
        raise ValueError(f"predict(points) must give one value per point ({n * n}); got {values.numel()}")
    image_data = values.reshape(n, n).numpy()
    with figure_style():
        ax = new_axes(ax, figsize=(3.4, 3.0))
        image = ax.imshow(
            image_data, origin="lower", extent=extent, cmap=XOR_CMAP, vmin=0, vmax=1, interpolation="bilinear"
        )
        lines = None
        if contour and image_data.min() < 0.5 < image_data.max():
            axis = np.linspace(extent[0], extent[1], n)
            lines = ax.contour(axis, axis, image_data, levels=[0.5], colors=COLORS["black"], linewidths=1.2)
        points = plot_xor_points(ax)
        ax.grid(False)
        if colorbar:
            ax.figure.colorbar(image, ax=ax, label="ŷ", fraction=0.046, pad=0.04)
    return {"image": image, "contour": lines, **points}


_UNIT_RANGE = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}


def plot_hidden_units(params, *, hidden, axes=None, n=60, lim=XOR_LIM):
    """What each hidden unit computes: aⱼ = act(w₁ⱼ·x + b₁ⱼ) over the plane, one small heat map per unit,
    with the unit's line w₁ⱼ·x + b₁ⱼ = 0 (where it switches) dashed and the four points.

    Parameters
    ----------
    params : dict from ``init_mlp`` (W1 (h, 2), b1, W2, b2)
    hidden : {"sigmoid", "tanh", "relu"}
    axes : sequence of at least h Axes, optional
        Default: a new figure with one row of h panels (two rows for h > 4).

    Returns
    -------
    dict with "images" (list of AxesImage, one per unit) and "lines" (list of Line2D).
    """
    points, extent = plane_grid(n, lim)
    _, cache = mlp_forward(points, params, hidden=hidden)
    A1 = cache["A1"].detach().to(torch.float64)  # (n·n, h)
    W1 = cache["params"]["W1"].detach().to(torch.float64)
    b1 = cache["params"]["b1"].detach().to(torch.float64)
    h = A1.shape[1]
    vmin, vmax = _UNIT_RANGE.get(hidden, (0.0, max(float(A1.max()), 1e-12)))
    with figure_style():
        if axes is None:
            rows = 1 if h <= 4 else 2
            cols = -(-h // rows)
            _, axes = plt.subplots(rows, cols, figsize=(2.0 * cols, 2.1 * rows), squeeze=False)
            for extra in axes.flat[h:]:
                extra.set_visible(False)
        axes = list(np.ravel(axes))
        if len(axes) < h:
            raise ValueError(f"axes must hold at least one Axes per hidden unit ({h}); got {len(axes)}")
        images, lines = [], []
        for j in range(h):
            ax = axes[j]
            image = ax.imshow(
                A1[:, j].reshape(n, n).numpy(),
                origin="lower",
                extent=extent,
                cmap=XOR_CMAP,
                vmin=vmin,
                vmax=vmax,
                interpolation="bilinear",
            )
            line = plot_decision_line(W1[j], b1[j], ax, lim=lim, linestyle="--", linewidth=1.0)["line"]
            plot_xor_points(ax, size=30)
            ax.set_title(f"unit {j + 1}: {hidden}(w·x + b)", fontsize=8)
            ax.grid(False)
            ax.tick_params(labelsize=7)
            if j > 0:
                ax.set_ylabel("")
            images.append(image)
            lines.append(line)
    return {"images": images, "lines": lines}
