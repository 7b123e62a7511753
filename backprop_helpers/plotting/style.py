"""One look for every figure, applied locally (never by changing rcParams at import).

Colours are the Okabe–Ito palette, which stays distinguishable for the common forms of colour blindness.
"""

from contextlib import contextmanager

import matplotlib as mpl
import matplotlib.pyplot as plt

__all__ = ["COLORS", "STYLE", "figure_style", "new_axes"]

COLORS = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#999999",
}

STYLE = {
    "axes.prop_cycle": mpl.cycler(
        color=[COLORS[k] for k in ("blue", "orange", "green", "vermillion", "purple")]
    ),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 9,
    "axes.titlesize": 10,
    "legend.frameon": False,
    "figure.dpi": 80,
}


@contextmanager
def figure_style():
    """``with figure_style(): ...`` — the project's style for the figures made inside the block."""
    with mpl.rc_context(STYLE):
        yield


def new_axes(ax=None, figsize=(4.0, 3.0)):
    """Return ``ax`` if given, else the axes of a new pyplot figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize)
    return ax
