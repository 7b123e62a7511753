"""Explorer of notebook 04: gradient descent on the perceptron's loss, with the learning rate on a log slider.

The model is the ``nn.Linear(2, 1)`` example with the bias held fixed: J(w) = (wᵀx + b − y)², one sample.
The path and its theory (λ = 2‖x‖², the rates 1/λ and 2/λ) are ``backprop_helpers.descent``'s
``gradient_descent_path`` and ``critical_learning_rates``.
"""

import html
import math

import ipywidgets as widgets
import numpy as np
import torch

from backprop_helpers._inputs import as_float_tensor, check_positive_number
from backprop_helpers.descent import critical_learning_rates, gradient_descent_path
from backprop_helpers.plotting.perceptron_plots import plot_perceptron_contours
from backprop_helpers.plotting.style import COLORS, figure_style
from backprop_helpers.widgets.legacy_explorer import LegacyExplorer as Explorer

__all__ = ["PerceptronExplorer"]

LOSS_FLOOR = 1e-12  # the loss axis' bottom: smaller losses (0 at lr = 1/λ) are drawn on it
LOSS_TOP = 1e8  # the loss axis' top: larger losses are drawn on it


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
    path of (w₁, w₂) on the loss contours. The read-out gives λ, 1/λ and 2/λ and the regime. Defaults are the
    source notebook's ``nn.Linear(2, 1)`` example (x = (4, −2), y = 1, w = (1, 1), b = 1), with b held fixed.

    Controls: ``lr`` (FloatLogSlider, 10⁻³…1), ``steps`` (IntSlider, 0…max_steps), buttons ``step`` (one
    more step) and ``reset`` (back to 0 steps). ``.state`` is a ``DescentRun``.
    """

    figsize = (7.2, 3.0)
    readout_width = "340px"

    lr_range = (1e-3, 1.0)  # the slider's ends: 10⁻³ … 10⁰

    def __init__(
        self, x=(4.0, -2.0), w=(1.0, 1.0), b=1.0, y=1.0, *, lr=0.01, steps=10, max_steps=40, loss_bound=1e6
    ):
        self.x = as_float_tensor(x, "x").detach().to(torch.float64)
        self.w0 = as_float_tensor(w, "w").detach().to(torch.float64)
        self.b = float(as_float_tensor(b, "b").reshape(-1)[0])
        self.y = float(as_float_tensor(y, "y").reshape(-1)[0])
        if self.x.shape != (2,) or self.w0.shape != (2,):
            shapes = f"{tuple(self.x.shape)} and {tuple(self.w0.shape)}"
            raise ValueError(f"x and w must each hold two numbers; got shapes {shapes}")
        self.lam, self.lr_oscillate, self.lr_diverge = critical_learning_rates(self.x)
        if not (isinstance(max_steps, int) and 1 <= max_steps <= 200):
            raise ValueError(f"max_steps must be an int in [1, 200]; got {max_steps!r}")
        if not (isinstance(steps, int) and 0 <= steps <= max_steps):
            raise ValueError(f"steps must be an int in [0, max_steps={max_steps}]; got {steps!r}")
        lr = check_positive_number(lr, "lr")
        if not self.lr_range[0] <= lr <= self.lr_range[1]:
            raise ValueError(
                f"lr must lie in [{self.lr_range[0]:g}, {self.lr_range[1]:g}] (the slider); got {lr!r}"
            )
        self._defaults = {"lr": lr, "steps": steps}
        self.max_steps = max_steps
        self.loss_bound = check_positive_number(loss_bound, "loss_bound")
        super().__init__()

    # -- controls and figure ------------------------------------------------------------------------------

    def _build_controls(self):
        lr = widgets.FloatLogSlider(
            value=self._defaults["lr"],
            base=10,
            min=math.log10(self.lr_range[0]),
            max=math.log10(self.lr_range[1]),
            step=0.01,
            description="lr",
            readout_format=".4f",
            continuous_update=True,
        )
        steps = widgets.IntSlider(
            value=self._defaults["steps"],
            min=0,
            max=self.max_steps,
            description="steps",
            continuous_update=True,
        )
        step = widgets.Button(description="Step", button_style="primary", layout={"width": "80px"})
        reset = widgets.Button(description="Reset", layout={"width": "80px"})
        step.on_click(lambda _: self.step())
        reset.on_click(lambda _: self.reset())
        return {"lr": lr, "steps": steps, "step": step, "reset": reset}

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
            self._theory = self.animate(
                ax.plot(
                    [], [], color=COLORS["orange"], linewidth=4, alpha=0.6, label="theory J₀(1 − lr·λ)²ᵏ"
                )[0]
            )
            self._loss = self.animate(
                ax.plot([], [], "o-", color=COLORS["blue"], markersize=3, linewidth=1, label="measured")[0]
            )
            ax.legend(handles=[self._loss, self._theory], loc="center right", fontsize=7)

            # the path panel: square, centred on the point the path converges to (w₀ projected on the valley)
            residual = float(self.w0 @ self.x) + self.b - self.y
            w_star = (self.w0 - residual / float(self.x @ self.x) * self.x).numpy()
            half = max(2 * abs(residual) / float(self.x.norm()), 0.5)
            plot_perceptron_contours(
                self.x,
                self.b,
                self.y,
                ax=self._ax_path,
                w1_lim=(w_star[0] - half, w_star[0] + half),
                w2_lim=(w_star[1] - half, w_star[1] + half),
            )
            self._ax_path.set_title("path of (w₁, w₂)", fontsize=9)
            w0 = self.w0.numpy()
            self._ax_path.plot([w0[0]], [w0[1]], "*", color=COLORS["black"], markersize=9)
            self._path = self.animate(
                self._ax_path.plot([], [], "o-", color=COLORS["vermillion"], markersize=3, linewidth=1)[0]
            )

    # -- model and drawing ---------------------------------------------------------------------------------

    def compute(self):
        values = self.values()
        return gradient_descent_path(
            self.x,
            self.w0,
            self.b,
            self.y,
            lr=values["lr"],
            steps=values["steps"],
            loss_bound=self.loss_bound,
        )

    def _draw(self, state):
        k = np.arange(len(state.losses))
        self._loss.set_data(k, _clip_losses(state.losses.numpy()))
        self._theory.set_data(np.arange(state.steps + 1), _clip_losses(state.theory_losses.numpy()))
        path = state.path.numpy()
        self._path.set_data(path[:, 0], path[:, 1])  # the axes clip a diverging path at their edge

    def _readout(self, state):
        last = len(state.losses) - 1
        w = state.path[-1]
        if state.diverged_at is None:
            result = f"J after {last} steps = {state.losses[-1].item():.3e}<br>w = ({w[0]:.4f}, {w[1]:.4f})"
        else:
            result = f"<b style='color:#b35806'>diverged at step {state.diverged_at}</b> (J &gt; {state.loss_bound:.0e})"
        ratio = ""
        if len(state.losses) > 1 and state.losses[0] > 0:
            measured = state.losses[1].item() / state.losses[0].item()
            ratio = f"J₁/J₀ = {measured:.4f}, theory (1 − lr·λ)² = {state.factor**2:.4f}<br>"
        return (
            "<div style='font-family:monospace;font-size:12px;line-height:1.45'>"
            f"lr = {state.lr:.4f}<br>"
            f"λ = 2‖x‖² = {state.lam:.4f} (Hessian)<br>"
            f"1/λ = {state.lr_oscillate:.6f} (oscillation from here)<br>"
            f"2/λ = {state.lr_diverge:.6f} (divergence from here)<br>"
            f"1 − lr·λ = {state.factor:.4f} per step<br>"
            f"{ratio}"
            f"<b>{html.escape(state.regime)}</b><br>"
            f"{result}</div>"
        )

    def _check(self, state):
        if state.diverged_at is None:
            if state.factor < -1:
                return (
                    f"⚠ lr = {state.lr:.4f} > 2/λ = {state.lr_diverge:.4f}: the loss grows every step "
                    "(slowly here; more steps will carry it past the bound)."
                )
            return ""
        return (
            f"⚠ Diverged: the loss passed {state.loss_bound:.0e} at step {state.diverged_at}, because "
            f"lr = {state.lr:.4f} > 2/λ = {state.lr_diverge:.4f}. The curve and the path stop there."
        )

    # -- training buttons ------------------------------------------------------------------------------

    def step(self):
        """One more step (the ``steps`` slider moves up by one, up to its maximum)."""
        steps = self.controls["steps"]
        steps.value = min(steps.value + 1, steps.max)
        return self.state

    def reset(self):
        """Back to w₀: zero steps (the learning rate stays)."""
        self.controls["steps"].value = 0
        return self.state
