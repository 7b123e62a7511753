"""Figures of notebook 04 (§ "The path of gradient descent"): the perceptron's loss over two weights and
parameter paths drawn on it.

The loss of one sample, J(w₁, w₂) = (w₁x₁ + w₂x₂ + b − y)², is a valley: every w on the line
w₁x₁ + w₂x₂ = y − b fits the sample exactly, so the contours are straight lines parallel to it.
"""

import numpy as np
import torch

from backprop_helpers._inputs import as_float_tensor
from backprop_helpers.plotting.style import COLORS, figure_style, new_axes

__all__ = ["perceptron_loss_grid", "plot_perceptron_contours", "plot_perceptron_paths"]

PATH_STYLES = (
    # the first path: large hollow circles; the second: small filled crosses inside them, so both show
    {"color": COLORS["blue"], "marker": "o", "markersize": 9, "markerfacecolor": "none", "linewidth": 2.2},
    {"color": COLORS["vermillion"], "marker": "x", "markersize": 6, "linewidth": 1.0, "linestyle": "--"},
    {"color": COLORS["green"], "marker": "s", "markersize": 4, "linewidth": 1.0},
)


def _problem(x, b, y):
    x = as_float_tensor(x, "x").detach().to(torch.float64)
    if x.shape != (2,):
        raise ValueError(f"x must hold two inputs (shape (2,)); got shape {tuple(x.shape)}")
    if not bool((x != 0).any()):
        raise ValueError("x must not be all zeros: the loss would not depend on w")
    b = float(as_float_tensor(b, "b").reshape(-1)[0])
    y = float(as_float_tensor(y, "y").reshape(-1)[0])
    return x.numpy(), b, y


def _limits(lim, name):
    if len(lim) != 2 or not lim[0] < lim[1]:
        raise ValueError(f"{name} must be (low, high) with low < high; got {lim!r}")
    return float(lim[0]), float(lim[1])


def perceptron_loss_grid(x, b, y, w1_lim, w2_lim, n=81):
    """J(w₁, w₂) = (w₁x₁ + w₂x₂ + b − y)² on an n×n grid; returns numpy arrays (W1, W2, J), each (n, n)."""
    x, b, y = _problem(x, b, y)
    w1_lim, w2_lim = _limits(w1_lim, "w1_lim"), _limits(w2_lim, "w2_lim")
    W1, W2 = np.meshgrid(np.linspace(*w1_lim, n), np.linspace(*w2_lim, n))
    return W1, W2, (W1 * x[0] + W2 * x[1] + b - y) ** 2


def plot_perceptron_contours(x, b, y, *, ax=None, w1_lim=(-0.4, 1.6), w2_lim=(0.2, 2.2), n_levels=8):
    """Filled contours of J(w₁, w₂) with b fixed, and the valley floor J = 0 as a dashed line.

    Levels are (k·Δ)² for k = 1…n_levels, so that neighbouring contour lines are equally far apart
    (J grows quadratically across the valley).

    Returns
    -------
    dict with "filled" (QuadContourSet), "lines" (QuadContourSet) and "valley" (Line2D).
    """
    W1, W2, J = perceptron_loss_grid(x, b, y, w1_lim, w2_lim)
    xs, b_value, y_value = _problem(x, b, y)
    with figure_style():
        ax = new_axes(ax, figsize=(4.4, 4.0))
        step = np.sqrt(J.max()) / (n_levels + 1)
        levels = (step * np.arange(n_levels + 1)) ** 2
        levels = np.append(levels, max(J.max(), levels[-1]) * 1.01)
        filled = ax.contourf(W1, W2, J, levels=levels, cmap="Blues", alpha=0.55)
        lines = ax.contour(W1, W2, J, levels=levels[1:-1], colors=COLORS["grey"], linewidths=0.6)
        # the valley floor: w₁x₁ + w₂x₂ = y − b, parametrised along the larger component of x
        if abs(xs[1]) >= abs(xs[0]):
            w1 = np.array(w1_lim)
            w2 = (y_value - b_value - w1 * xs[0]) / xs[1]
        else:
            w2 = np.array(w2_lim)
            w1 = (y_value - b_value - w2 * xs[1]) / xs[0]
        (valley,) = ax.plot(w1, w2, color=COLORS["black"], linestyle=":", linewidth=1.2, label="J = 0")
        ax.set_xlim(*w1_lim)
        ax.set_ylim(*w2_lim)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel("w₁")
        ax.set_ylabel("w₂")
        ax.grid(False)
    return {"filled": filled, "lines": lines, "valley": valley}


def _as_path(path, label):
    path = np.asarray(as_float_tensor(path, f"paths[{label!r}]").detach().to(torch.float64))
    if path.ndim != 2 or path.shape[1] != 2 or path.shape[0] < 1:
        raise ValueError(f"paths[{label!r}] must have shape (k, 2), one (w₁, w₂) per row; got {path.shape}")
    return path


def plot_perceptron_paths(paths, *, x, b, y, ax=None, w1_lim=None, w2_lim=None, title=None):
    """Parameter paths (w₁, w₂) after 0, 1, 2, … steps, drawn on the loss contours.

    Parameters
    ----------
    paths : dict label → (k, 2) array or tensor
        Up to three paths; the first is drawn with large hollow circles, the second with small crosses,
        so two paths that coincide are both visible.
    x, b, y : the sample (x has two inputs) and the fixed bias, defining J(w₁, w₂).
    w1_lim, w2_lim : (low, high), optional
        Default: the paths' extent with a margin, made square.
    title : str, optional

    Returns
    -------
    dict with the contour artists ("filled", "lines", "valley"), "paths" (label → Line2D), "start" and "legend".
    """
    if not isinstance(paths, dict) or not paths:
        raise TypeError(
            f"paths must be a non-empty dict of label -> (k, 2) array; got {type(paths).__name__}"
        )
    if len(paths) > len(PATH_STYLES):
        raise ValueError(f"at most {len(PATH_STYLES)} paths can be told apart; got {len(paths)}")
    arrays = {label: _as_path(path, label) for label, path in paths.items()}
    if w1_lim is None or w2_lim is None:
        stacked = np.concatenate(list(arrays.values()))
        center = (stacked.max(axis=0) + stacked.min(axis=0)) / 2
        half = max((stacked.max(axis=0) - stacked.min(axis=0)).max() / 2 * 1.6, 0.1)
        w1_lim = w1_lim or (center[0] - half, center[0] + half)
        w2_lim = w2_lim or (center[1] - half, center[1] + half)
    with figure_style():
        ax = new_axes(ax, figsize=(4.4, 4.0))
        artists = plot_perceptron_contours(x, b, y, ax=ax, w1_lim=w1_lim, w2_lim=w2_lim)
        lines = {}
        for (label, path), style in zip(arrays.items(), PATH_STYLES[: len(arrays)], strict=True):
            (lines[label],) = ax.plot(path[:, 0], path[:, 1], label=label, **style)
        first = next(iter(arrays.values()))[0]
        (start,) = ax.plot([first[0]], [first[1]], "*", color=COLORS["black"], markersize=9, label="start")
        legend = ax.legend(loc="upper right", fontsize=8, frameon=True, framealpha=0.9)
        if title:
            ax.set_title(title)
    return {**artists, "paths": lines, "start": start, "legend": legend}
