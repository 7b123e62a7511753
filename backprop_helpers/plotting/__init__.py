"""Plot helpers: each takes ``ax=None``, returns its artists, never calls ``show()``, never touches rcParams."""

from backprop_helpers.plotting.style import COLORS, figure_style, new_axes

__all__ = [
    "COLORS",
    "figure_style",
    "new_axes",
]
