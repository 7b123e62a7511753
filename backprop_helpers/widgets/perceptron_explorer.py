"""Explorer of notebook 04: gradient descent on the perceptron's loss, with the learning rate on a log slider.

The model is the ``nn.Linear(2, 1)`` example with the bias held fixed: J(w) = (wᵀx + b − y)², one sample.
The path and its theory (λ = 2‖x‖², the rates 1/λ and 2/λ) are ``backprop_helpers.descent``'s
``gradient_descent_path`` and ``critical_learning_rates``; the explorer has no run history of its own (the
``steps`` slider is the run's length, and Step moves it).
"""

import numpy as np
import torch

from backprop_helpers._inputs import as_float_tensor, check_int, check_positive_number
from backprop_helpers.descent import critical_learning_rates, gradient_descent_path
from backprop_helpers.plotting.perceptron_plots import plot_perceptron_contours
from backprop_helpers.plotting.style import COLORS, figure_style
from backprop_helpers.widgets.controls import Button, Slider
from backprop_helpers.widgets.explorer import Explorer
from backprop_helpers.widgets.readout import escape, lines, num, sci

__all__ = ["PerceptronExplorer"]

LOSS_FLOOR = 1e-12  # the loss axis' bottom: smaller losses (0 at lr = 1/λ) are drawn on it
LOSS_TOP = 1e8  # the loss axis' top: larger losses are drawn on it
MAX_STEPS_LIMIT = 200  # the longest steps slider: each slider move recomputes the whole path


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

    Controls: ``lr`` (log slider, 10⁻³…1, 100 points a decade), ``steps`` (0…max_steps), buttons Step (one
    more step, ``.step()``) and Reset (back to w₀, the learning rate kept: ``.restart()``); ``.reset()`` goes
    back to the defaults. ``.state`` is a ``DescentRun``.
    """

    readout_width = "340px"
    controls_spec = {  # noqa: RUF012 (a declaration, never mutated; steps is re-declared per max_steps)
        "lr": Slider("lr", 1e-3, 1.0, 0.01, 0.01, fmt=".4f", log=True, width="300px"),
        "steps": Slider("steps", 0, 40, 1, 10, integer=True, width="300px"),
        "step": Button("Step", "step", tooltip="one more step", primary=True),
        "reset": Button("Reset", "restart", tooltip="back to w₀: zero steps, the learning rate kept"),
    }
    layout = (("lr", "steps", "step", "reset"),)

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
        self.max_steps = check_int(max_steps, "max_steps", low=1, high=MAX_STEPS_LIMIT)
        self.loss_bound = check_positive_number(loss_bound, "loss_bound")
        steps_spec = Slider("steps", 0, self.max_steps, 1, 0, integer=True, width="300px")
        self.controls_spec = {**type(self).controls_spec, "steps": steps_spec}
        super().__init__(lr=lr, steps=steps)

    # -- model -------------------------------------------------------------------------------------------

    def model(self, values, history):
        return gradient_descent_path(self.x, self.w0, self.b, self.y, lr=values["lr"], steps=values["steps"],
                                     loss_bound=self.loss_bound)  # fmt: skip

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

            # the path panel: square, centred on the point the path converges to (w₀ projected on the valley)
            residual = float(self.w0 @ self.x) + self.b - self.y
            w_star = (self.w0 - residual / float(self.x @ self.x) * self.x).numpy()
            half = max(2 * abs(residual) / float(self.x.norm()), 0.5)
            plot_perceptron_contours(self.x, self.b, self.y, ax=self._ax_path,
                                     w1_lim=(w_star[0] - half, w_star[0] + half),
                                     w2_lim=(w_star[1] - half, w_star[1] + half))  # fmt: skip
            self._ax_path.set_title("path of (w₁, w₂)", fontsize=9)
            w0 = self.w0.numpy()
            self._ax_path.plot([w0[0]], [w0[1]], "*", color=COLORS["black"], markersize=9)
            path_style = {"color": COLORS["vermillion"], "markersize": 3, "linewidth": 1}
            self._path = self.animate(self._ax_path.plot([], [], "o-", **path_style)[0])

    def _draw(self, state):
        k = np.arange(len(state.losses))
        self._loss.set_data(k, _clip_losses(state.losses.numpy()))
        self._theory.set_data(np.arange(state.steps + 1), _clip_losses(state.theory_losses.numpy()))
        path = state.path.numpy()
        self._path.set_data(path[:, 0], path[:, 1])  # the axes clip a diverging path at their edge

    # -- read-out and messages ---------------------------------------------------------------------------

    def _readout(self, state):
        w = state.path[-1]
        if state.diverged_at is None:
            result = lines(f"J after {len(state.losses) - 1} steps = {sci(state.losses[-1].item(), 4)}",
                           f"w = ({num(w[0])}, {num(w[1])})")  # fmt: skip
        else:
            bound = sci(state.loss_bound, 1)
            result = f"<b style='color:#b35806'>diverged at step {state.diverged_at}</b> (J &gt; {bound})"
        ratio = ""
        if len(state.losses) > 1 and state.losses[0] > 0:
            measured = state.losses[1].item() / state.losses[0].item()
            ratio = f"J₁/J₀ = {num(measured)}, theory (1 − lr·λ)² = {num(state.factor**2)}"
        return lines(
            f"lr = {num(state.lr)}",
            f"λ = 2‖x‖² = {num(state.lam)} (Hessian)",
            f"1/λ = {num(state.lr_oscillate, 6)} (oscillation from here)",
            f"2/λ = {num(state.lr_diverge, 6)} (divergence from here)",
            f"1 − lr·λ = {num(state.factor)} per step",
            ratio,
            f"<b>{escape(state.regime)}</b>",
            result,
        )

    def _warnings(self, state):
        lr, lr_diverge = num(state.lr), num(state.lr_diverge)
        if state.diverged_at is not None:
            return [
                f"Diverged: the loss passed {sci(state.loss_bound, 1)} at step {state.diverged_at}, because "
                f"lr = {lr} > 2/λ = {lr_diverge}. The curve and the path stop there."
            ]
        if state.factor < -1:
            return [
                f"lr = {lr} > 2/λ = {lr_diverge}: the loss grows every step "
                "(slowly here; more steps will carry it past the bound)."
            ]
        return []
