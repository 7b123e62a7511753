"""The explorer of notebook 01: one sigmoid neuron with MSE, its gradients by hand and by autograd, SGD steps.

Sliders set w₁, w₂, b, the learning rate and the sample (x₁, x₂, y); Step applies one ``sgd_step`` and moves the
w₁/w₂/b sliders; Reset restores the seed's numbers. The figure shows the loss over (w₁, w₂) at the current
b, x, y (contours, the point, −∇L and where the next step lands) and the loss over the steps taken.
"""

import math
import time
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.colors import BoundaryNorm
from matplotlib.lines import Line2D

from backprop_helpers.neuron import NeuronTrace, neuron_backward, sgd_step
from backprop_helpers.plotting.neuron_plots import LOSS_LEVELS, neuron_loss_grid
from backprop_helpers.plotting.style import COLORS, figure_style
from backprop_helpers.widgets.legacy_explorer import LegacyExplorer as Explorer

__all__ = ["NeuronExplorer", "NeuronExplorerState"]

# The seed's numbers (seed 000): x = (0.5, 3.0), y = 1, w = (0.5, −1.2), b = 0.7, lr = 0.1.
DEFAULTS = {"w1": 0.5, "w2": -1.2, "b": 0.7, "lr": 0.1, "x1": 0.5, "x2": 3.0, "y": 1.0}
PARAM_RANGE = (-4.0, 4.0)  # w₁, w₂, b: wide enough to reach saturation (|z| ≫ 1), and the contour's extent
INPUT_RANGE = (-4.0, 4.0)  # x₁, x₂: the seed's x₂ = 3 sits inside
LR_EXPONENTS = (-3.0, 1.0)  # lr from 0.001 (crawls) to 10 (overshoots and bounces between the bounds)
SATURATED = 1e-3  # σ′(z) below this: the gradients all but vanish
GRID = np.linspace(*PARAM_RANGE, 41)
ARROW_LENGTH = 1.2  # the −∇L arrow, in w units (the panel is 8 wide)
ECHO_SECONDS = 2.0  # how long a value set by Step/Reset waits for the browser's snapped copy of it


def _is_echo(control, new, sent):
    """Is ``new`` the browser's copy of a value ``sent`` from here, snapped to the slider's step?

    A slider view rounds a value set from Python to its step grid and, with continuous_update, sends the
    rounded value back (ipywidgets 8: noUiSlider's "update" event). Taken as a move, that echo would round
    every SGD step to the grid and restart the run; it lies within half a step of what was sent.
    """
    if isinstance(control, widgets.FloatLogSlider):  # snapped on the exponent grid
        if new <= 0 or sent <= 0:
            return False
        return abs(math.log(new, control.base) - math.log(sent, control.base)) <= control.step / 2 * (
            1 + 1e-9
        )
    return abs(new - sent) <= control.step / 2 * (1 + 1e-9)


@dataclass(frozen=True)
class NeuronExplorerState:
    """What the explorer shows: the settings, the hand trace, autograd's gradients and the run so far.

    ``trace`` is ``neuron_backward`` in float64; ``autograd`` maps the same gradient names (``dL_dyhat``,
    ``dyhat_dz``, ``dL_dz``, ``dL_dw``, ``dL_db``) to torch.autograd's values; ``path`` holds
    (w₁, w₂, L) of every point of the current run, the last one being the current point.
    """

    x: tuple
    w: tuple
    b: float
    y: float
    lr: float
    trace: NeuronTrace
    autograd: dict
    path: tuple

    @property
    def losses(self):
        """The loss at every point of the run, the current one last."""
        return [point[2] for point in self.path]


def _autograd_factors(x, w, b, y):
    """The chain-rule factors by torch.autograd, through torch.sigmoid (not the hand formula)."""
    w, b = w.clone().requires_grad_(True), b.clone().requires_grad_(True)
    z = (w * x).sum() + b
    y_hat = torch.sigmoid(z)
    loss = (y_hat - y) ** 2
    (dyhat_dz,) = torch.autograd.grad(y_hat, z, retain_graph=True)
    dL_dyhat, dL_dz, dL_dw, dL_db = torch.autograd.grad(loss, (y_hat, z, w, b))
    return {"dL_dyhat": dL_dyhat, "dyhat_dz": dyhat_dz, "dL_dz": dL_dz, "dL_dw": dL_dw, "dL_db": dL_db}


class NeuronExplorer(Explorer):
    """z = w₁x₁ + w₂x₂ + b, ŷ = σ(z), L = (ŷ − y)² under sliders; Step takes one SGD step.

    ``NeuronExplorer()`` starts at the seed's numbers. ``.step()`` and ``.reset()`` do what the buttons do.
    Moving any slider but lr starts a new run (the loss curve restarts at the new point); lr may change
    mid-run.
    """

    figsize = (6.6, 2.8)
    readout_width = "300px"

    def __init__(self):
        self._syncing = False  # True while step()/reset() set sliders: their observers must not update
        self._path = []  # (w₁, w₂, L) of the run before the current point
        self._note = ""  # what the last Step had to say (a slider bound reached)
        self._surface_key = None
        self._steps_shown = 20
        self._exact = {}  # name → the value Step/Reset set, which a browser echo must not round
        self._sent = {}  # name → [(value, time)] set by Step/Reset whose echo may still arrive
        super().__init__()

    # -- controls -------------------------------------------------------------------------------------

    def _build_controls(self):
        def slider(name, label, bounds, step):
            return widgets.FloatSlider(
                value=DEFAULTS[name],
                min=bounds[0],
                max=bounds[1],
                step=step,
                description=label,
                readout_format=".3f",
                continuous_update=True,
                style={"description_width": "24px"},
                layout=widgets.Layout(width="230px"),
            )

        controls = {
            "w1": slider("w1", "w₁", PARAM_RANGE, 0.01),
            "w2": slider("w2", "w₂", PARAM_RANGE, 0.01),
            "b": slider("b", "b", PARAM_RANGE, 0.01),
            "lr": widgets.FloatLogSlider(
                value=DEFAULTS["lr"],
                base=10,
                min=LR_EXPONENTS[0],
                max=LR_EXPONENTS[1],
                step=0.1,
                description="lr",
                readout_format=".3g",
                style={"description_width": "24px"},
                layout=widgets.Layout(width="230px"),
            ),
            "x1": slider("x1", "x₁", INPUT_RANGE, 0.1),
            "x2": slider("x2", "x₂", INPUT_RANGE, 0.1),
            "y": slider("y", "y", (0.0, 1.0), 0.05),
            "step": widgets.Button(description="Step", tooltip="one SGD step: θ ← θ − lr·∂L/∂θ"),
            "reset": widgets.Button(description="Reset", tooltip="back to the seed's numbers"),
        }
        controls["step"].on_click(lambda _button: self.step())
        controls["reset"].on_click(lambda _button: self.reset())
        for button in (controls["step"], controls["reset"]):
            button.layout = widgets.Layout(width="80px")
        return controls

    def _controls_box(self):
        c = self.controls
        row = widgets.Layout(flex_flow="row wrap", grid_gap="0 12px")
        return widgets.VBox(
            [
                widgets.HBox([c["w1"], c["w2"], c["b"], c["lr"]], layout=row),
                widgets.HBox([c["x1"], c["x2"], c["y"], c["step"], c["reset"]], layout=row),
            ]
        )

    def _on_change(self, change):
        if self._syncing:
            return  # step() or reset() is moving sliders; it updates once when all are set
        name = next(k for k, control in self.controls.items() if control is change["owner"])
        now = time.monotonic()
        pending = [(value, t) for value, t in self._sent.get(name, ()) if now - t < ECHO_SECONDS]
        for item in pending:
            if _is_echo(change["owner"], change["new"], item[0]):
                pending.remove(item)  # one echo per value sent
                self._sent[name] = pending
                return  # the browser's rounded copy of our own value: keep the exact one, no update
        self._sent.pop(name, None)
        self._exact.pop(name, None)  # a real move: the slider's value is the value
        if change["owner"] is not self.controls["lr"]:
            self._path = []  # a new setting: a new run starts here
        self._note = ""
        self.update()

    def _set_controls(self, values):
        """Set several sliders with one update at the end; return the names a slider bound clipped."""
        self._syncing = True
        now = time.monotonic()
        try:
            for name, value in values.items():
                control = self.controls[name]
                control.value = value  # clamped to [min, max] by the slider itself
                self._exact[name] = control.value
                self._sent[name] = [*self._sent.get(name, ())[-3:], (control.value, now)]
        finally:
            self._syncing = False
        return [name for name, value in values.items() if self.controls[name].value != value]

    def values(self):
        """The current settings, name → value: a slider's value, or the exact value Step/Reset set in it."""
        return {**super().values(), **self._exact}

    # -- model ----------------------------------------------------------------------------------------

    def compute(self):
        v = self.values()
        x = torch.tensor([v["x1"], v["x2"]], dtype=torch.float64)
        w = torch.tensor([v["w1"], v["w2"]], dtype=torch.float64)
        b = torch.tensor(v["b"], dtype=torch.float64)
        y = torch.tensor(v["y"], dtype=torch.float64)
        trace = neuron_backward(x, w, b, y)
        if not all(bool(torch.isfinite(t).all()) for t in trace.as_dict().values()):
            raise ValueError("the forward or backward pass gave inf or nan at this setting")
        loss = trace.loss.item()
        return NeuronExplorerState(
            x=(v["x1"], v["x2"]),
            w=(v["w1"], v["w2"]),
            b=v["b"],
            y=v["y"],
            lr=v["lr"],
            trace=trace,
            autograd=_autograd_factors(x, w, b, y),
            path=(*self._path, (v["w1"], v["w2"], loss)),
        )

    def step(self):
        """One SGD step θ ← θ − lr·∂L/∂θ (``sgd_step``) from the current state; moves the w₁, w₂, b sliders."""
        state = self.state
        if state is None:
            return
        trace = state.trace
        params = {
            "w": torch.tensor(state.w, dtype=torch.float64),
            "b": torch.tensor(state.b, dtype=torch.float64),
        }
        try:
            new = sgd_step(params, {"w": trace.dL_dw, "b": trace.dL_db}, state.lr)
        except ValueError as error:
            self._set_message(f"⚠ {error}")
            return
        targets = {"w1": new["w"][0].item(), "w2": new["w"][1].item(), "b": new["b"].item()}
        self._path = list(state.path)  # the current point becomes history
        clipped = self._set_controls(targets)
        labels = {"w1": "w₁", "w2": "w₂", "b": "b"}
        self._note = "; ".join(
            f"the step wanted {labels[name]} = {targets[name]:.3f}, beyond the slider range, so it stops at "
            f"{self.controls[name].value:.0f}"
            for name in clipped
        )
        self.update()

    def reset(self):
        """Back to the seed's numbers; the loss curve is cleared."""
        self._path = []
        self._note = ""
        self._exact = {}
        self._set_controls(DEFAULTS)
        self.update()

    # -- figure ---------------------------------------------------------------------------------------

    def _build_figure(self, figure):
        with figure_style():
            # [left, bottom, width, height] in figure fractions: surface, its colour bar, the loss curve
            self._ax_surface = figure.add_axes((0.08, 0.16, 0.35, 0.66))
            self._ax_colorbar = figure.add_axes((0.445, 0.16, 0.015, 0.66))
            self._ax_loss = figure.add_axes((0.6, 0.16, 0.38, 0.66))
            ax = self._ax_surface
            ax.set_xlim(*PARAM_RANGE)
            ax.set_ylim(*PARAM_RANGE)
            ax.set_xlabel("w₁")
            ax.set_ylabel("w₂")
            ax.set_title("L(w₁, w₂) at this b, x, y", fontsize=9)
            # The loss surface as an image banded at the contour levels 0, 0.1, …, 1 (it looks like contourf,
            # but set_data replaces it in place). It is animated: a change of x, b or y then costs one image
            # draw in the blit instead of a full redraw of the figure (~60 ms here).
            self._surface = ax.imshow(
                np.zeros((GRID.size, GRID.size)),
                extent=(*PARAM_RANGE, *PARAM_RANGE),
                origin="lower",
                cmap="cividis",
                norm=BoundaryNorm(LOSS_LEVELS, 256),
                interpolation="bilinear",
                interpolation_stage="data",
                aspect="auto",
            )
            figure.colorbar(self._surface, cax=self._ax_colorbar, ticks=[0, 0.5, 1])
            self._ax_colorbar.set_title("L", fontsize=8)
            (self._path_line,) = ax.plot([], [], "-", color=COLORS["sky"], lw=1.0, marker=".", ms=3)
            self._arrow = ax.annotate(
                "",
                xy=(0, 0),
                xytext=(0, 0),
                annotation_clip=False,
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": COLORS["vermillion"],
                    "lw": 1.5,
                    "shrinkA": 0,
                    "shrinkB": 0,
                },
            )
            self._arrow.arrow_patch.set_clip_path(ax.patch)
            (self._next,) = ax.plot([], [], "o", mfc="none", color=COLORS["vermillion"], ms=7, mew=1.5)
            (self._point,) = ax.plot([], [], "o", color=COLORS["vermillion"], mec="white", ms=6)
            arrow_handle = Line2D([], [], ls="none", marker="$→$", ms=12, color=COLORS["vermillion"])
            # The legend sits above the axes: inside, the animated surface would be drawn over it.
            figure.legend(
                [self._point, arrow_handle, self._next, self._path_line],
                ["w", "direction of −∇L", "next step (lr)", "steps taken"],
                loc="upper left",
                bbox_to_anchor=(0.0, 1.0),
                ncol=4,
                fontsize=8,
                handlelength=1.4,
                columnspacing=1.2,
            )

            ax = self._ax_loss
            ax.set_xlim(0, self._steps_shown)
            ax.set_ylim(-0.02, 1.02)  # L = (ŷ − y)² with ŷ, y ∈ [0, 1] stays in [0, 1]
            ax.set_xlabel("step")
            ax.set_ylabel("L")
            ax.set_title("loss over the steps taken", fontsize=9)
            (self._loss_line,) = ax.plot([], [], "-o", color=COLORS["blue"], ms=3, lw=1.2)
            (self._loss_now,) = ax.plot([], [], "o", color=COLORS["vermillion"], ms=5)
        self.animate(self._surface, self._path_line, self._arrow, self._next, self._point)
        self.animate(self._loss_line, self._loss_now)

    def _update_surface(self, state):
        """Recompute the loss surface only when what it depends on (x, b, y) changed, not when w moves."""
        key = (*state.x, state.b, state.y)
        if key != self._surface_key:
            self._surface.set_data(neuron_loss_grid(state.x, state.b, state.y, GRID, GRID).numpy())
            self._surface_key = key

    def _draw(self, state):
        self._update_surface(state)
        trace, (w1, w2) = state.trace, state.w
        dL_dw = trace.dL_dw.tolist()
        self._point.set_data([w1], [w2])
        norm = (dL_dw[0] ** 2 + dL_dw[1] ** 2) ** 0.5
        # −∇L's direction at a fixed length: at true scale it is often shorter than the marker (0.35 of 8 for
        # the seed). Its size is in the read-out, and the hollow circle shows the actual next step.
        self._arrow.set_visible(norm > 0)
        if norm > 0:
            self._arrow.xy = (w1 - ARROW_LENGTH * dL_dw[0] / norm, w2 - ARROW_LENGTH * dL_dw[1] / norm)
            self._arrow.set_position((w1, w2))
        self._next.set_data([w1 - state.lr * dL_dw[0]], [w2 - state.lr * dL_dw[1]])
        path = np.array(state.path)
        self._path_line.set_data(path[:, 0], path[:, 1])
        steps = np.arange(len(path))
        self._loss_line.set_data(steps, path[:, 2])
        self._loss_now.set_data(steps[-1:], path[-1:, 2])
        if len(path) - 1 > self._steps_shown:  # widen the step axis in jumps, not on every step
            while len(path) - 1 > self._steps_shown:
                self._steps_shown *= 2
            self._ax_loss.set_xlim(0, self._steps_shown)
            self.invalidate()
        elif len(path) == 1 and self._steps_shown != 20:
            self._steps_shown = 20
            self._ax_loss.set_xlim(0, self._steps_shown)
            self.invalidate()

    def _readout(self, state):
        trace, auto = state.trace, state.autograd
        cell = "padding:0 6px;text-align:right;font-family:monospace"

        def row(label, hand, by_autograd=None):
            right = "" if by_autograd is None else f"{by_autograd:.6f}"
            return (
                f"<tr><td>{label}</td><td style='{cell}'>{hand:.6f}</td><td style='{cell}'>{right}</td></tr>"
            )

        rows = [
            # the exact parameters: after a Step the sliders show them rounded to their step
            row("w₁", state.w[0]),
            row("w₂", state.w[1]),
            row("b", state.b),
            row("z", trace.z.item()),
            row("ŷ = σ(z)", trace.y_hat.item()),
            row("L = (ŷ − y)²", trace.loss.item()),
            row("∂L/∂ŷ", trace.dL_dyhat.item(), auto["dL_dyhat"].item()),
            row("∂ŷ/∂z", trace.dyhat_dz.item(), auto["dyhat_dz"].item()),
            row("∂L/∂z", trace.dL_dz.item(), auto["dL_dz"].item()),
            row("∂L/∂w₁", trace.dL_dw[0].item(), auto["dL_dw"][0].item()),
            row("∂L/∂w₂", trace.dL_dw[1].item(), auto["dL_dw"][1].item()),
            row("∂L/∂b", trace.dL_db.item(), auto["dL_db"].item()),
        ]
        agree = all(
            torch.allclose(getattr(trace, name), auto[name], rtol=1e-10, atol=1e-12)
            for name in ("dL_dyhat", "dyhat_dz", "dL_dz", "dL_dw", "dL_db")
        )
        verdict = "✓ hand = autograd (rtol 1e-10, float64)" if agree else "✗ hand and autograd differ"
        head = f"<tr><th></th><th style='{cell}'>hand</th><th style='{cell}'>autograd</th></tr>"
        return f"<table style='font-size:12px'>{head}{''.join(rows)}</table><div>{verdict}</div>"

    def _check(self, state):
        notes = [self._note] if self._note else []
        losses = state.losses
        if len(losses) >= 2 and losses[-1] > losses[-2]:
            notes.append(
                f"the loss went up on the last step ({losses[-2]:.4f} → {losses[-1]:.4f}): "
                f"lr = {state.lr:.3g} overshoots"
            )
        slope = state.trace.dyhat_dz.item()
        if slope < SATURATED:
            notes.append(
                f"σ′(z) = {slope:.1e} at z = {state.trace.z.item():.2f}: the neuron is saturated, so every "
                "gradient is tiny and a step barely moves"
            )
        params = {"w₁": state.w[0], "w₂": state.w[1], "b": state.b}
        at_bound = [label for label, value in params.items() if value in PARAM_RANGE]
        if at_bound and not self._note:
            notes.append(
                f"{', '.join(at_bound)} at the edge of the slider range ({PARAM_RANGE[0]:g} … {PARAM_RANGE[1]:g})"
            )
        return " · ".join(notes)
