"""Explorer of notebook 04: gradient descent on the perceptron's loss, with the learning rate on a log slider.

The model is the ``nn.Linear(2, 1)`` example: J(w) = (wᵀx + b − y)², one sample, the bias held fixed or (the
"train b too" switch) trained as well. The path and its theory (λ = 2‖x‖², or λ̃ = 2‖x̃‖² of x̃ = (1, x) with b
trained; the rates 1/λ and 2/λ) are ``backprop_helpers.descent``'s ``gradient_descent_path``; the explorer has no
run history of its own (the ``steps`` slider is the run's length, and Step moves it). The sample x is two
sliders, so that λ ∝ ‖x‖² can be found; the loss contours are drawn anew only when x changes.

The x sliders run over [−6, 6] in steps of 0.4, a grid with 0, ±2, 4 and 6 on it: ‖x‖² is then a multiple of
0.16 that is never 13 or 14, nor 6 or 7, so neither λ nor λ̃ is 28 or 14 and no 1/λ or 2/λ shown is exercise 4's
1/14 (tests/test_exercises_perceptron.py scans the grid).
"""

import math

import numpy as np
import torch
from matplotlib.collections import LineCollection
from matplotlib.colors import BoundaryNorm

from backprop_helpers._inputs import as_float_tensor, check_int, check_positive_number
from backprop_helpers.descent import critical_learning_rates, gradient_descent_path
from backprop_helpers.plotting.perceptron_plots import perceptron_loss_grid
from backprop_helpers.plotting.style import COLORS, figure_style
from backprop_helpers.widgets.controls import Button, Slider, Toggle
from backprop_helpers.widgets.explorer import Explorer
from backprop_helpers.widgets.readout import escape, lines, num, sci

__all__ = ["PerceptronExplorer"]

LOSS_FLOOR = 1e-12  # the loss axis' bottom: smaller losses (0 at lr = 1/λ) are drawn on it
LOSS_TOP = 1e8  # the loss axis' top: larger losses are drawn on it
MAX_STEPS_LIMIT = 200  # the longest steps slider: each slider move recomputes the whole path
N_LEVELS = 8  # contour lines of the path panel, as plot_perceptron_contours draws them
SURFACE_POINTS = (
    101  # the loss image's grid: under two pixels a cell at the explorer's size (and 3 ms to draw)
)
WINDOW_SLACK = 1.25  # a moved window is this much larger than needed, so that the next x moves keep it
WINDOW_ZOOM_OUT = 2.5  # the window moves when what x needs is smaller than 1/this of it
X_RANGE = (-6.0, 6.0)
X_STEP = 0.4  # off the grids on which ‖x‖² could be 13 or 14 (exercise 4's λ̃ = 28): see the module docstring


def _x_slider(label, default):
    return Slider(label, *X_RANGE, X_STEP, default, fmt=".1f", effect="restart", width="200px")


def _clip_losses(values):
    """Losses for the log axis: the first value beyond the floor (0 included) or the top (inf, NaN) is drawn
    on that edge so the curve visibly leaves the axes there, and everything after it is left out."""
    values = np.asarray(values, dtype=np.float64).copy()
    values[np.isnan(values)] = np.inf
    outside = (values < LOSS_FLOOR) | (values > LOSS_TOP)
    if outside.any():
        first = int(np.argmax(outside))
        values[first] = LOSS_FLOOR if values[first] < LOSS_FLOOR else LOSS_TOP
        values[first + 1 :] = np.nan
    return values


class PerceptronExplorer(Explorer):
    """Gradient descent on J(w₁, w₂) = (w₁x₁ + w₂x₂ + b − y)² with the learning rate on a log scale.

    Left: the loss per step (log axis), measured (dots) and predicted J₀(1 − lr·λ)^{2k} (dashed). Right: the
    path of (w₁, w₂) on the loss contours (of the starting b; with b trained, the valley floor of the last b
    too). The read-out gives ‖x‖², λ (λ̃ with b trained), 1/λ and 2/λ and the regime. Defaults are the source
    notebook's ``nn.Linear(2, 1)`` example (x = (4, −2), y = 1, w = (1, 1), b = 1), with b held fixed.

    Controls: ``lr`` (log slider, 10⁻³…1, 100 points a decade), ``steps`` (0…max_steps), ``x1`` and ``x2``
    (the sample, [−6, 6] in steps of 0.4), ``train_bias`` (the "train b too" switch), buttons Step (one more
    step, ``.step()``) and Reset (back to w₀, the learning rate kept: ``.restart()``); ``.reset()`` goes back
    to the defaults. ``.state`` is a ``DescentRun``.
    """

    readout_width = "340px"
    controls_spec = {  # noqa: RUF012 (a declaration, never mutated; steps is re-declared per max_steps)
        "lr": Slider("lr", 1e-3, 1.0, 0.01, 0.01, fmt=".4f", log=True, width="300px"),
        "steps": Slider("steps", 0, 40, 1, 10, integer=True, width="300px"),
        "step": Button("Step", "step", tooltip="one more step", primary=True),
        "reset": Button("Reset", "restart", tooltip="back to w₀: zero steps, the learning rate kept"),
        "x1": _x_slider("x₁", 4.0),
        "x2": _x_slider("x₂", -2.0),
        "train_bias": Toggle("train b too", effect="restart", width="120px"),
    }
    layout = (("lr", "steps", "step", "reset"), ("x1", "x2", "train_bias"))

    def __init__(self, x=(4.0, -2.0), w=(1.0, 1.0), b=1.0, y=1.0, *, lr=0.01, steps=10, max_steps=40,
                 loss_bound=1e6, train_bias=False):  # fmt: skip
        x = as_float_tensor(x, "x").detach().to(torch.float64)
        self.w0 = as_float_tensor(w, "w").detach().to(torch.float64)
        self.b = float(as_float_tensor(b, "b").reshape(-1)[0])
        self.y = float(as_float_tensor(y, "y").reshape(-1)[0])
        if x.shape != (2,) or self.w0.shape != (2,):
            shapes = f"{tuple(x.shape)} and {tuple(self.w0.shape)}"
            raise ValueError(f"x and w must each hold two numbers; got shapes {shapes}")
        critical_learning_rates(x)  # x = 0 is refused here (the sliders reach it: there it is a message)
        self.max_steps = check_int(max_steps, "max_steps", low=1, high=MAX_STEPS_LIMIT)
        self.loss_bound = check_positive_number(loss_bound, "loss_bound")
        steps_spec = Slider("steps", 0, self.max_steps, 1, 0, integer=True, width="300px")
        self.controls_spec = {**type(self).controls_spec, "steps": steps_spec}
        self._surface_for = None  # the x and window the loss surface was drawn for
        super().__init__(lr=lr, steps=steps, x1=x[0].item(), x2=x[1].item(), train_bias=train_bias)

    # -- model -------------------------------------------------------------------------------------------

    def model(self, values, history):
        x = torch.tensor([values["x1"], values["x2"]], dtype=torch.float64)  # the grid values, not float32's
        if not bool(x.any()):  # with b trained too λ̃ = 2 would be fine, but J would not depend on w at all
            raise ValueError("x = (0, 0): the loss would not depend on w (λ = 0); move x₁ or x₂ away from 0")
        return gradient_descent_path(x, self.w0, self.b, self.y, lr=values["lr"], steps=values["steps"],
                                     loss_bound=self.loss_bound, train_bias=values["train_bias"])  # fmt: skip

    def step(self):
        """One more step (the ``steps`` slider moves up by one and stays at its maximum); returns the state."""
        self.set_values({"steps": self.values()["steps"] + 1})
        return self.update()

    def restart(self):
        """Back to w₀ (the Reset button): zero steps, the learning rate kept; returns the state."""
        self.set_values({"steps": 0})
        return self.update()

    # -- figure ------------------------------------------------------------------------------------------

    def _build_figure(self, figure):
        with figure_style():
            self._ax_loss, self._ax_path = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
            figure.subplots_adjust(left=0.1, right=0.98, bottom=0.16, top=0.9, wspace=0.32)
            ax = self._ax_loss
            ax.set_yscale("log")
            ax.set_xlim(-0.5, self.max_steps + 0.5)
            ax.set_ylim(LOSS_FLOOR, LOSS_TOP)
            ax.set_xlabel("step k")
            ax.set_ylabel("J")
            ax.set_title("loss per step", fontsize=9)
            ax.axhline(self.loss_bound, color=COLORS["grey"], linestyle=":", linewidth=1)
            bound_label = {"ha": "right", "fontsize": 7, "color": COLORS["grey"]}
            ax.text(self.max_steps, self.loss_bound * 3, "divergence bound", **bound_label)
            theory_style = {"color": COLORS["orange"], "linewidth": 4, "alpha": 0.6}
            self._theory = self.animate(ax.plot([], [], **theory_style, label="theory J₀(1 − lr·λ)²ᵏ")[0])
            loss_style = {"color": COLORS["blue"], "markersize": 3, "linewidth": 1}
            self._loss = self.animate(ax.plot([], [], "o-", **loss_style, label="measured")[0])
            ax.legend(handles=[self._loss, self._theory], loc="center right", fontsize=7)

            ax = self._ax_path
            ax.set_title("path of (w₁, w₂)", fontsize=9)
            ax.set(xlabel="w₁", ylabel="w₂")
            ax.grid(False)
            # the loss J(w₁, w₂) at the starting b: bands as plot_perceptron_contours draws them (an image, not a
            # contourf, so that a new x redraws a few artists rather than the whole figure)
            self._fill = self.animate(ax.imshow(np.zeros((2, 2)), origin="lower", cmap="Blues", alpha=0.55,
                                                interpolation="nearest", zorder=0))  # fmt: skip
            self._levels = self.animate(ax.add_collection(
                LineCollection([], colors=COLORS["grey"], linewidths=0.6, zorder=1)))  # fmt: skip
            floor_style = {"color": COLORS["black"], "linestyle": ":", "linewidth": 1.2, "zorder": 2}
            self._valley = self.animate(ax.plot([], [], **floor_style, label="J = 0")[0])
            w0 = self.w0.numpy()
            ax.plot([w0[0]], [w0[1]], "*", color=COLORS["black"], markersize=9, zorder=4)
            path_style = {"color": COLORS["vermillion"], "markersize": 3, "linewidth": 1, "zorder": 5}
            self._path = self.animate(ax.plot([], [], "o-", **path_style)[0])
            valley_style = {"color": COLORS["vermillion"], "linestyle": "--", "linewidth": 1, "zorder": 3}
            self._valley_now = self.animate(ax.plot([], [], **valley_style)[0])
            d = self.defaults()
            x = torch.tensor([d["x1"], d["x2"]], dtype=torch.float64)
            self._set_window(*self._window(x), slack=1.0)

    def _window(self, x):
        """The square the path panel should show for the sample x: centred on the point the path converges to
        with b fixed (w₀ projected on the valley), twice as wide as w₀'s distance from it (an overshoot fits)."""
        residual = float(self.w0 @ x) + self.b - self.y
        w_star = (self.w0 - residual / float(x @ x) * x).numpy()
        return w_star, max(2 * abs(residual) / float(x.norm()), 0.5)

    def _set_window(self, center, half, slack=WINDOW_SLACK):
        half *= slack
        self._ax_path.set_xlim(center[0] - half, center[0] + half)
        self._ax_path.set_ylim(center[1] - half, center[1] + half)
        self._ax_path.set_aspect("equal", adjustable="box")
        self.invalidate()  # new limits, new ticks: a full redraw once

    def _follow(self, x):
        """Keep the window while the square x needs fits in it and fills a fair part of it; else move it."""
        center, half = self._window(x)
        (w1_low, w1_high), (w2_low, w2_high) = self._ax_path.get_xlim(), self._ax_path.get_ylim()
        inside = (w1_low <= center[0] - half and center[0] + half <= w1_high
                  and w2_low <= center[1] - half and center[1] + half <= w2_high)  # fmt: skip
        if not inside or half < (w1_high - w1_low) / 2 / WINDOW_ZOOM_OUT:
            self._set_window(center, half)

    def _draw_loss_surface(self, x):
        """J(w₁, w₂) at the starting b for the sample x, across the window: the bands, their edges (straight
        lines, since J depends on w·x alone) and the valley floor J = 0."""
        xlim, ylim = self._ax_path.get_xlim(), self._ax_path.get_ylim()
        _, _, J = perceptron_loss_grid(x, self.b, self.y, xlim, ylim, n=SURFACE_POINTS)
        step = math.sqrt(J.max()) / (N_LEVELS + 1)  # levels (k·Δ)²: neighbouring lines equally far apart
        levels = (step * np.arange(N_LEVELS + 1)) ** 2
        levels = np.append(levels, max(J.max(), levels[-1]) * 1.01)
        self._fill.set_data(J)
        self._fill.set_extent((*xlim, *ylim))
        self._fill.set_norm(BoundaryNorm(levels, ncolors=256))
        floor = self.y - self.b  # J = 0 on w·x = y − b, and J = (kΔ)² on w·x = y − b ± kΔ
        self._levels.set_segments([np.column_stack(self._valley_line(x, floor + sign * k * step))
                                   for k in range(1, N_LEVELS + 1) for sign in (-1, 1)])  # fmt: skip
        self._valley.set_data(*self._valley_line(x, floor))
        self._surface_for = (tuple(x.tolist()), xlim, ylim)

    def _valley_line(self, x, rhs):
        """Two points of the line w₁x₁ + w₂x₂ = rhs across the path panel, parametrised along the larger
        component of x (as plot_perceptron_contours draws its valley floor)."""
        (w1_low, w1_high), (w2_low, w2_high) = self._ax_path.get_xlim(), self._ax_path.get_ylim()
        x1, x2 = float(x[0]), float(x[1])
        if abs(x2) >= abs(x1):
            w1 = np.array([w1_low, w1_high])
            return w1, (rhs - w1 * x1) / x2
        w2 = np.array([w2_low, w2_high])
        return (rhs - w2 * x2) / x1, w2

    def _draw(self, state):
        self._follow(state.x)
        xlim, ylim = self._ax_path.get_xlim(), self._ax_path.get_ylim()
        if self._surface_for != (tuple(state.x.tolist()), xlim, ylim):
            self._draw_loss_surface(state.x)  # a new sample (or window): J anew, still only animated artists
        k = np.arange(len(state.losses))
        self._loss.set_data(k, _clip_losses(state.losses.numpy()))
        self._theory.set_data(np.arange(state.steps + 1), _clip_losses(state.theory_losses.numpy()))
        path = state.path.numpy()
        self._path.set_data(path[:, 0], path[:, 1])  # the axes clip a diverging path at their edge
        b = state.biases[-1].item()
        self._valley_now.set_visible(state.train_bias and math.isfinite(b))
        if state.train_bias and math.isfinite(b):
            self._valley_now.set_data(*self._valley_line(state.x, self.y - b))

    # -- read-out and messages ---------------------------------------------------------------------------

    def _readout(self, state):
        w, b = state.path[-1], state.biases[-1].item()
        if state.diverged_at is None:
            result = lines(f"J after {len(state.losses) - 1} steps = {sci(state.losses[-1].item(), 4)}",
                           f"w = ({num(w[0])}, {num(w[1])})",
                           f"b = {num(b)}" if state.train_bias else "")  # fmt: skip
        else:
            bound = sci(state.loss_bound, 1)
            result = f"<b style='color:#b35806'>diverged at step {state.diverged_at}</b> (J &gt; {bound})"
        ratio, lam = "", "λ̃" if state.train_bias else "λ"
        if len(state.losses) > 1 and state.losses[0] > 0:
            measured = state.losses[1].item() / state.losses[0].item()
            ratio = f"J₁/J₀ = {num(measured)}, theory (1 − lr·{lam})² = {num(state.factor**2)}"
        x, norm2 = state.x.tolist(), float(state.x @ state.x)
        eigen = "λ̃ = 2‖x̃‖² = 2(1 + ‖x‖²)" if state.train_bias else "λ = 2‖x‖²"
        return lines(
            f"lr = {num(state.lr)}",
            f"x = ({num(x[0], 1)}, {num(x[1], 1)}), ‖x‖² = {num(norm2)}",
            f"{eigen} = {num(state.lam)} (Hessian{', x̃ = (1, x): b trained' if state.train_bias else ', b fixed'})",
            f"1/{lam} = {num(state.lr_oscillate, 6)} (oscillation from here)",
            f"2/{lam} = {num(state.lr_diverge, 6)} (divergence from here)",
            f"1 − lr·{lam} = {num(state.factor)} per step",
            ratio,
            f"<b>{escape(state.regime.replace('λ', lam))}</b>",  # λ̃ where b is trained
            result,
        )

    def _warnings(self, state):
        lr, lr_diverge, lam = num(state.lr), num(state.lr_diverge), "λ̃" if state.train_bias else "λ"
        if state.diverged_at is not None:
            return [
                f"Diverged: the loss passed {sci(state.loss_bound, 1)} at step {state.diverged_at}, because "
                f"lr = {lr} > 2/{lam} = {lr_diverge}. The curve and the path stop there."
            ]
        if state.factor < -1:
            return [
                f"lr = {lr} > 2/{lam} = {lr_diverge}: the loss grows every step "
                "(slowly here; more steps will carry it past the bound)."
            ]
        return []
