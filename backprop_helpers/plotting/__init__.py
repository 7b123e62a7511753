"""Plot helpers: each takes ``ax=None``, returns its artists, never calls ``show()``, never touches rcParams."""

from backprop_helpers.plotting.graph_drawing import GraphDrawing, draw_graph
from backprop_helpers.plotting.neuron_plots import (
    neuron_loss_grid,
    plot_loss_along_weight,
    plot_loss_surface,
    plot_sigmoid,
)
from backprop_helpers.plotting.perceptron_plots import (
    perceptron_loss_grid,
    plot_perceptron_contours,
    plot_perceptron_paths,
)
from backprop_helpers.plotting.style import COLORS, figure_style, new_axes
from backprop_helpers.plotting.xor_plots import (
    XOR_CMAP,
    XOR_LIM,
    plane_grid,
    plot_decision_boundary,
    plot_decision_line,
    plot_hidden_units,
    plot_loss_curves,
    plot_xor_points,
)

__all__ = [
    "COLORS",
    "figure_style",
    "new_axes",
    "draw_graph",
    "GraphDrawing",
    "plot_sigmoid",
    "plot_loss_along_weight",
    "neuron_loss_grid",
    "plot_loss_surface",
    "perceptron_loss_grid",
    "plot_perceptron_contours",
    "plot_perceptron_paths",
    "XOR_CMAP",
    "XOR_LIM",
    "plane_grid",
    "plot_xor_points",
    "plot_decision_line",
    "plot_loss_curves",
    "plot_decision_boundary",
    "plot_hidden_units",
]
