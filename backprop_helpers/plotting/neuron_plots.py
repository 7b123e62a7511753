"""Figures of notebook 01: the sigmoid and its slope, the loss along one weight, the loss over (w₁, w₂).

Every helper takes ``ax=None`` (a new figure when omitted), returns its artists in a dict, never calls
``show()`` and applies the project style locally. The numbers come from the package formulas
(``sigmoid``, ``sigmoid_grad``, ``neuron_backward``), in float64.
"""

import numpy as np
import torch

from backprop_helpers._inputs import (
    as_float_tensor,
    check_choice,
    check_int,
    check_positive_number,
    check_probabilities,
)
from backprop_helpers.activations import sigmoid, sigmoid_grad
from backprop_helpers.neuron import LOSSES, neuron_backward
from backprop_helpers.plotting.style import COLORS, figure_style, new_axes

__all__ = ["plot_sigmoid", "plot_loss_along_weight", "neuron_loss_grid", "plot_loss_surface"]

LOSS_LEVELS = np.linspace(0.0, 1.0, 11)  # L = (ŷ − y)² with ŷ, y ∈ [0, 1] lies in [0, 1]: fixed colours


def _float64(value, name):
    tensor = as_float_tensor(value, name)  # checks: real numbers, finite
    if isinstance(value, torch.Tensor):
        return tensor.detach().to(torch.float64)
    # numbers and lists straight to float64 (as_float_tensor would round them to float32 first)
    return torch.as_tensor(np.asarray(value, dtype=np.float64))


def _scalar(value, name):
    tensor = _float64(value, name)
    if tensor.numel() != 1:
        raise ValueError(f"{name} must be a single number; got shape {tuple(tensor.shape)}")
    return tensor.reshape(())


def _neuron_inputs(x, w, b, y):
    x, w = _float64(x, "x"), _float64(w, "w")
    if x.shape != (2,) or w.shape != (2,):
        raise ValueError(
            f"x and w must each hold two numbers (x₁, x₂) and (w₁, w₂); got shapes {tuple(x.shape)} and "
            f"{tuple(w.shape)}"
        )
    return x, w, _scalar(b, "b"), _scalar(y, "y")


def plot_sigmoid(z=None, *, z_range=(-6.0, 6.0), ax=None):
    """σ(z) and σ′(z) = σ(z)(1 − σ(z)) over ``z_range``, with the operating point z marked on both.

    Parameters
    ----------
    z : number or one-element tensor, optional
        The neuron's pre-activation; no marker when omitted.
    z_range : (float, float)
        The z interval drawn; widened to include z.
    ax : matplotlib Axes, optional

    Returns
    -------
    dict with ``"sigmoid"``, ``"sigmoid_grad"`` (Line2D) and, when z is given, ``"point"``,
    ``"point_grad"`` (Line2D markers) and ``"guide"`` (the vertical line at z).
    """
    low, high = float(z_range[0]), float(z_range[1])
    if not low < high:
        raise ValueError(f"z_range must be (low, high) with low < high; got {z_range!r}")
    z0 = None if z is None else _scalar(z, "z")
    if z0 is not None:
        low, high = min(low, z0.item() - 0.5), max(high, z0.item() + 0.5)
    grid = torch.linspace(low, high, 241, dtype=torch.float64)
    with figure_style():
        ax = new_axes(ax, figsize=(4.0, 2.8))
        artists = {
            "sigmoid": ax.plot(grid, sigmoid(grid), color=COLORS["blue"], label="σ(z)")[0],
            "sigmoid_grad": ax.plot(grid, sigmoid_grad(grid), color=COLORS["orange"], ls="--", label="σ′(z)")[
                0
            ],
        }
        if z0 is not None:
            s, ds = sigmoid(z0).item(), sigmoid_grad(z0).item()
            artists["guide"] = ax.axvline(z0.item(), color=COLORS["grey"], lw=0.8, ls=":")
            artists["point"] = ax.plot(
                [z0.item()], [s], "o", color=COLORS["blue"], label=f"σ({z0.item():.2f}) = {s:.4f}"
            )[0]
            artists["point_grad"] = ax.plot(
                [z0.item()], [ds], "s", color=COLORS["orange"], label=f"σ′({z0.item():.2f}) = {ds:.4f}"
            )[0]
        ax.set_xlabel("z")
        ax.set_ylabel("σ(z), σ′(z)")
        ax.set_ylim(-0.05, 1.05)
        ax.legend(loc="upper left", fontsize=8)
    return artists


def plot_loss_along_weight(x, w, b, y, *, index=1, lr=0.1, span=2.0, ax=None):
    """L(wᵢ) = (σ(w·x + b) − y)² along one weight (the others fixed), its tangent and one SGD step.

    The tangent at the current wᵢ has slope ∂L/∂wᵢ (from ``neuron_backward``): the partial derivative as a
    picture (notebook 01, section 3). The arrow follows the tangent from wᵢ to wᵢ − lr·∂L/∂wᵢ, i.e. the loss
    the linear approximation predicts; the hollow marker is the loss actually reached there (section 8).

    Parameters
    ----------
    x, w : two numbers each
        The sample and the weights.
    b, y : number
        Bias and target.
    index : int
        Which weight varies: 0 for w₁, 1 for w₂.
    lr : float > 0, or None
        The learning rate of the step drawn; None draws no step (the slice and its tangent only).
    span : float > 0
        The curve covers wᵢ ± span.
    ax : matplotlib Axes, optional

    Returns
    -------
    dict with ``"curve"``, ``"tangent"``, ``"point"`` (Line2D) and, unless lr is None, ``"new_point"``
    (Line2D) and ``"step"`` (the arrow, an Annotation).
    """
    x, w, b, y = _neuron_inputs(x, w, b, y)
    if index not in (0, 1):
        raise ValueError(f"index must be 0 (w₁) or 1 (w₂); got {index!r}")
    lr = None if lr is None else check_positive_number(lr, "lr")
    span = check_positive_number(span, "span")
    trace = neuron_backward(x, w, b, y)
    w_i, loss, slope = w[index].item(), trace.loss.item(), trace.dL_dw[index].item()

    grid = torch.linspace(w_i - span, w_i + span, 201, dtype=torch.float64)
    z_grid = trace.z + (grid - w_i) * x[index]  # only wᵢ moves: z changes by Δwᵢ·xᵢ
    loss_grid = (sigmoid(z_grid) - y) ** 2
    half = span / 2  # draw the tangent over the middle half, where it is a fair approximation
    tangent_w = np.array([w_i - half, w_i + half])

    name = f"w{'₁₂'[index]}"
    with figure_style():
        ax = new_axes(ax, figsize=(4.0, 2.8))
        artists = {
            "curve": ax.plot(grid, loss_grid, color=COLORS["blue"], label=f"L({name}), the rest fixed")[0],
            "tangent": ax.plot(
                tangent_w,
                loss + slope * (tangent_w - w_i),
                color=COLORS["orange"],
                ls="--",
                label=f"tangent, slope ∂L/∂{name} = {slope:.4f}",
            )[0],
            "point": ax.plot([w_i], [loss], "o", color=COLORS["black"], ms=5, label=f"{name} = {w_i:.4f}")[0],
        }
        ax.set_xlabel(name)
        ax.set_ylabel("L = (ŷ − y)²")
        ax.set_xlim(w_i - span, w_i + span)
        if lr is not None:  # the SGD step of wᵢ alone, along the tangent
            w_new = w_i - lr * slope
            z_new = trace.z + (w_new - w_i) * x[index]  # only wᵢ moves
            loss_new = ((sigmoid(z_new) - y) ** 2).item()
            artists["step"] = ax.annotate(
                "",
                xy=(w_new, loss + slope * (w_new - w_i)),
                xytext=(w_i, loss),
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": COLORS["vermillion"],
                    "lw": 1.5,
                    "shrinkA": 0,
                    "shrinkB": 0,
                },
            )
            artists["new_point"] = ax.plot(
                [w_new],
                [loss_new],
                "o",
                mfc="none",
                color=COLORS["vermillion"],
                ms=7,
                label=f"after one step (lr = {lr:g}): {name} = {w_new:.4f}",
            )[0]
        ax.legend(loc="best", fontsize=7)
    return artists


def neuron_loss_grid(x, b, y, w1_values, w2_values, *, loss="mse"):
    """L(w₁, w₂) = loss(σ(w₁x₁ + w₂x₂ + b), y) on a grid, in float64: (ŷ − y)², or BCE for ``loss="bce"``.

    Parameters
    ----------
    x : two numbers
        The sample (x₁, x₂).
    b, y : number
        Bias and target, fixed.
    w1_values, w2_values : 1-D tensors or lists, lengths n₁ and n₂
    loss : {"mse", "bce"}
        The loss of one sample, ``neuron_backward``'s kernels (BCE clamps ŷ at machine epsilon).

    Returns
    -------
    float64 tensor of shape (n₂, n₁): row j, column i is L(w1_values[i], w2_values[j]) (the layout
    ``contour`` expects).
    """
    check_choice(loss, "loss", LOSSES)
    x = _float64(x, "x")
    if x.shape != (2,):
        raise ValueError(f"x must hold two numbers (x₁, x₂); got shape {tuple(x.shape)}")
    b, y = _scalar(b, "b"), _scalar(y, "y")
    if loss == "bce":
        check_probabilities(y, "y", "for loss='bce'")
    w1_values, w2_values = _float64(w1_values, "w1_values"), _float64(w2_values, "w2_values")
    for name, values in (("w1_values", w1_values), ("w2_values", w2_values)):
        if values.dim() != 1 or values.numel() < 2:
            raise ValueError(
                f"{name} must be a 1-D list of at least two values; got shape {tuple(values.shape)}"
            )
    z = w1_values[None, :] * x[0] + w2_values[:, None] * x[1] + b  # (1, n₁) + (n₂, 1) -> (n₂, n₁)
    return LOSSES[loss][0](sigmoid(z), y)  # the loss kernel of one sample, elementwise


def plot_loss_surface(x, w, b, y, *, limits=(-4.0, 4.0), n=41, ax=None):
    """The loss over (w₁, w₂) for one sample (b, y fixed): contours, the point w and the arrow −∇L.

    For one sample L depends on w only through z = w·x + b, so its contours are parallel lines
    (z = const) and −∇L = −(∂L/∂z)·x is perpendicular to them. The arrow is drawn at true scale: its tip
    is where one step with lr = 1 would go.

    Parameters
    ----------
    x, w : two numbers each
        The sample and the weights.
    b, y : number
        Bias and target, fixed.
    limits : (float, float)
        The square [low, high]² drawn.
    n : int
        Grid points per axis.
    ax : matplotlib Axes, optional

    Returns
    -------
    dict with ``"filled"``, ``"lines"`` (ContourSets, levels 0, 0.1, …, 1 so that a colour always means the
    same loss), ``"point"`` (Line2D) and ``"arrow"`` (Annotation).
    """
    x, w, b, y = _neuron_inputs(x, w, b, y)
    low, high = float(limits[0]), float(limits[1])
    if not low < high:
        raise ValueError(f"limits must be (low, high) with low < high; got {limits!r}")
    n = check_int(n, "n", low=2)
    values = torch.linspace(low, high, n, dtype=torch.float64)
    trace = neuron_backward(x, w, b, y)
    tip = (w - trace.dL_dw).tolist()
    with figure_style():
        ax = new_axes(ax, figsize=(3.2, 3.0))
        grid = (values.numpy(), values.numpy(), neuron_loss_grid(x, b, y, values, values).numpy())
        artists = {
            "filled": ax.contourf(*grid, levels=LOSS_LEVELS, cmap="cividis", vmin=0.0, vmax=1.0),
            "lines": ax.contour(*grid, levels=LOSS_LEVELS[1:-1], colors="white", linewidths=0.4, alpha=0.6),
        }
        artists["arrow"] = ax.annotate(
            "",
            xy=tip,
            xytext=w.tolist(),
            annotation_clip=False,  # draw the arrow even when its tip leaves the axes …
            arrowprops={
                "arrowstyle": "-|>",
                "color": COLORS["vermillion"],
                "lw": 1.5,
                "shrinkA": 0,
                "shrinkB": 0,
            },
        )
        artists["arrow"].arrow_patch.set_clip_path(ax.patch)  # … but cut it at the axes' edge
        artists["point"] = ax.plot(*w.tolist(), "o", color=COLORS["vermillion"], mec="white", ms=6)[0]
        ax.set_xlim(low, high)
        ax.set_ylim(low, high)
        ax.set_aspect("equal")
        ax.set_xlabel("w₁")
        ax.set_ylabel("w₂")
    return artists
