"""Plot helpers: each takes ``ax=None``, returns its artists, never calls ``show()``, never touches rcParams."""

from backprop_helpers.plotting.perceptron_plots import (
    perceptron_loss_grid,
    plot_perceptron_contours,
    plot_perceptron_paths,
)
from backprop_helpers.plotting.style import COLORS, figure_style, new_axes

__all__ = [
    "COLORS",
    "figure_style",
    "new_axes",
    "perceptron_loss_grid",
    "plot_perceptron_contours",
    "plot_perceptron_paths",
]
