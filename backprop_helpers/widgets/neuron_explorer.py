"""The explorer of notebook 01: one sigmoid neuron with MSE or BCE, its gradients by hand and by autograd, SGD steps.

Sliders set w₁, w₂, b, the learning rate and the sample (x₁, x₂, y); a switch picks the loss; Step applies one
``sgd_step``; Reset goes back to the source notebook's numbers. The figure shows the loss over (w₁, w₂) at the
current b, x, y (bands, the point, −∇L and where the next step lands) and the loss over the steps taken. When the
neuron is confidently wrong, the message contrasts the two losses: MSE's ∂L/∂z = 2(ŷ − y)·σ′(z) vanishes with σ′,
BCE's ∂L/∂z = ŷ − y does not.
"""

from dataclasses import dataclass

import numpy as np
import torch
from matplotlib.colors import BoundaryNorm
from matplotlib.lines import Line2D

from backprop_helpers.neuron import NeuronTrace, neuron_autograd, neuron_backward, sgd_step
from backprop_helpers.plotting.neuron_plots import LOSS_LEVELS, neuron_loss_grid
from backprop_helpers.plotting.style import COLORS, figure_style
from backprop_helpers.widgets.controls import Button, Choice, Slider
from backprop_helpers.widgets.explorer import Explorer
from backprop_helpers.widgets.readout import lines, num, sci, table

__all__ = ["NeuronExplorer", "NeuronExplorerState", "NeuronRun"]

# The source notebook's numbers: x = (0.5, 3.0), y = 1, w = (0.5, −1.2), b = 0.7, lr = 0.1.
DEFAULTS = {"w1": 0.5, "w2": -1.2, "b": 0.7, "lr": 0.1, "x1": 0.5, "x2": 3.0, "y": 1.0, "loss": "mse"}
PARAM_RANGE = (-4.0, 4.0)  # w₁, w₂, b: wide enough to reach saturation (|z| ≫ 1), and the surface's extent
INPUT_RANGE = (-4.0, 4.0)  # x₁, x₂ on a 0.1 grid: the source notebook's x₂ = 3 on it, exercise 01's −1.25 off
LR_RANGE = (1e-3, 10.0)  # from 0.001 (crawls) to 10 (overshoots and bounces between the bounds)
SATURATED = 1e-3  # σ′(z) below this: the neuron is saturated, the gradients all but vanish
CONFIDENT = 0.05  # ŷ within this of 0 or 1: σ′(z) = ŷ(1 − ŷ) < 0.05, so MSE's ∂L/∂z is < 0.1 × BCE's
WRONG = 0.5  # |ŷ − y| above this: ŷ on the wrong side of ½ from y
TORCH_BCE_FLOOR = 1e-12  # torch's BCE backward divides by max(ŷ(1 − ŷ), this) (see neuron_autograd)
AGREE_RTOL, AGREE_ATOL = 1e-10, 1e-12  # hand vs autograd in float64: a few roundings apart, far below these
DECIMALS = 6  # the read-out's numbers, as the notebook prints them
GRID = np.linspace(*PARAM_RANGE, 41)
ARROW_LENGTH = 1.2  # the −∇L arrow, in w units (the panel is 8 wide)
STEPS_SHOWN = 20  # the loss curve's step axis, before it widens
LOSS_TOP = 1.02  # the loss curve's L axis, before it widens: MSE stays in [0, 1], BCE is unbounded
# The surface's colour bands per loss: MSE's fill [0, 1]; BCE's are clipped at 3 (ŷ = e⁻³ ≈ 0.05 against y = 1),
# everything above in the top colour: on these ranges BCE reaches 36 and would leave one band for the rest.
SURFACE_LEVELS = {"mse": LOSS_LEVELS, "bce": np.linspace(0.0, 3.0, 13)}
SURFACE_TICKS = {"mse": (0, 0.5, 1), "bce": (0, 1, 2, 3)}
LOSS_LABELS = {"mse": "L = (ŷ − y)²", "bce": "L = BCE(ŷ, y)"}
LABELS = {"w1": "w₁", "w2": "w₂", "b": "b"}  # the parameters a Step moves
F64 = torch.float64


@dataclass(frozen=True)
class NeuronRun:
    """A run of SGD steps: the exact (w₁, w₂, b, L) of every point, the current one last, and ``stopped``:
    (name, wanted value) of each parameter the last Step would have carried past the slider range."""

    points: tuple
    stopped: tuple = ()


@dataclass(frozen=True)
class NeuronExplorerState:
    """What the explorer shows: the settings, the hand trace, autograd's gradients and the run so far.

    ``loss`` is "mse" or "bce"; ``trace`` is ``neuron_backward`` in float64 with that loss; ``dL_dz_by_loss``
    holds ∂L/∂z at the same point for both losses (name → float), for the contrast; ``grad_norm`` and
    ``grad_norm_autograd`` are ‖∇L‖ by hand and by autograd; ``autograd`` maps the same gradient names (``dL_dyhat``,
    ``dyhat_dz``, ``dL_dz``, ``dL_dw``, ``dL_db``) to torch.autograd's values; ``path`` holds (w₁, w₂, b, L)
    of every point of the run, the current one last; ``stopped`` is the run's (see ``NeuronRun``). ``wanted`` is
    what the next SGD step gives w₁, w₂, b (name → value) and ``next_point`` the (w₁, w₂, b, L) where it lands:
    ``wanted`` stopped at the slider range.
    """

    x: tuple
    w: tuple
    b: float
    y: float
    lr: float
    loss: str
    trace: NeuronTrace
    autograd: dict
    dL_dz_by_loss: dict
    grad_norm: float
    grad_norm_autograd: float
    path: tuple
    stopped: tuple
    wanted: dict
    next_point: tuple

    @property
    def losses(self):
        """The loss at every point of the run, the current one last."""
        return [point[3] for point in self.path]


def _trace(x, w, b, y, loss):
    """``neuron_backward`` in float64 at plain numbers."""
    return neuron_backward(*(torch.tensor(v, dtype=F64) for v in (x, w, b, y)), loss=loss)


def _gradient_norm(dL_dw, dL_db):
    """‖∇L‖ = √(∂L/∂w₁² + ∂L/∂w₂² + ∂L/∂b²), the size of the gradient over all three parameters; a float."""
    return torch.cat((dL_dw.reshape(-1), dL_db.reshape(-1))).norm().item()


def _next_step(x, w, b, y, trace, lr, loss):
    """One SGD step θ ← θ − lr·∂L/∂θ (``sgd_step``): what it gives w₁, w₂, b, and the (w₁, w₂, b, L) it lands
    on, each parameter stopped at the slider range."""
    params = {"w": torch.tensor(w, dtype=F64), "b": torch.tensor(b, dtype=F64)}
    new = sgd_step(params, {"w": trace.dL_dw, "b": trace.dL_db}, lr)
    wanted = {"w1": new["w"][0].item(), "w2": new["w"][1].item(), "b": new["b"].item()}
    w1, w2, b = (min(max(value, PARAM_RANGE[0]), PARAM_RANGE[1]) for value in wanted.values())
    return wanted, (w1, w2, b, _trace(x, (w1, w2), b, y, loss).loss.item())


def _slider(name, label, bounds, step, fmt):
    return Slider(label, *bounds, step, DEFAULTS[name], fmt=fmt, effect="restart")


class NeuronExplorer(Explorer):
    """z = w₁x₁ + w₂x₂ + b, ŷ = σ(z), L = (ŷ − y)² or BCE under sliders; Step takes one SGD step.

    ``NeuronExplorer()`` starts at the source notebook's numbers with MSE (a keyword — w1, w2, b, lr, x1, x2, y
    on its slider's grid, loss "mse" or "bce" — sets another start). Moving w₁, w₂, b, x₁, x₂ or y, or switching
    the loss, starts a new run from the sliders' values (the loss curve restarts there); lr may change mid-run. ``.step()`` and ``.reset()`` do what the
    buttons do and return the state.

    The run history (``NeuronRun``) holds the exact points of SGD; the w₁/w₂/b sliders show the current one on
    their 0.01 grid. A Step that would carry a parameter past the slider range stops it at the bound and says
    so; the run goes on from that point (the bound is exact, so the sliders show it as it is).
    """

    figsize = (6.6, 2.8)
    readout_width = "300px"
    controls_spec = {  # noqa: RUF012 (a declaration, never mutated)
        "w1": _slider("w1", "w₁", PARAM_RANGE, 0.01, ".2f"),
        "w2": _slider("w2", "w₂", PARAM_RANGE, 0.01, ".2f"),
        "b": _slider("b", "b", PARAM_RANGE, 0.01, ".2f"),
        "lr": Slider("lr", *LR_RANGE, 0.1, DEFAULTS["lr"], fmt=".3g", log=True),
        "x1": _slider("x1", "x₁", INPUT_RANGE, 0.1, ".1f"),
        "x2": _slider("x2", "x₂", INPUT_RANGE, 0.1, ".1f"),
        "y": _slider("y", "y", (0.0, 1.0), 0.05, ".2f"),
        "loss": Choice(
            "loss", ("mse", "bce"), DEFAULTS["loss"], effect="restart", width="150px", labels=("MSE", "BCE")
        ),
        "step": Button("Step", "step", tooltip="one SGD step: θ ← θ − lr·∂L/∂θ"),
        "reset": Button("Reset", "reset", tooltip="back to the source notebook's numbers"),
    }
    layout = (("w1", "w2", "b", "lr"), ("x1", "x2", "y", "loss", "step", "reset"))

    # -- the model ------------------------------------------------------------------------------------

    def start_history(self, values):
        """A new run at these values: its one point."""
        w, b = (values["w1"], values["w2"]), values["b"]
        loss = _trace((values["x1"], values["x2"]), w, b, values["y"], values["loss"]).loss.item()
        return NeuronRun(points=((*w, b, loss),))

    def model(self, values, history):
        # With steps taken, the parameters are the run's last exact point (the sliders show it rounded).
        stepped = len(history.points) > 1
        w1, w2, b = history.points[-1][:3] if stepped else (values["w1"], values["w2"], values["b"])
        x, y, lr, loss = (values["x1"], values["x2"]), values["y"], values["lr"], values["loss"]
        trace = _trace(x, (w1, w2), b, y, loss)  # float64 on these ranges: |z| ≤ 36, every value finite
        wanted, next_point = _next_step(x, (w1, w2), b, y, trace, lr, loss)
        autograd = neuron_autograd(*(torch.tensor(v, dtype=F64) for v in (x, (w1, w2), b, y)), loss=loss)
        other = (
            "bce" if loss == "mse" else "mse"
        )  # ∂L/∂z of the other loss at the same point, for the contrast
        dL_dz_by_loss = {loss: trace.dL_dz.item(), other: _trace(x, (w1, w2), b, y, other).dL_dz.item()}
        return NeuronExplorerState(
            x=x, w=(w1, w2), b=b, y=y, lr=lr, loss=loss, trace=trace, autograd=autograd,
            dL_dz_by_loss=dL_dz_by_loss, grad_norm=_gradient_norm(trace.dL_dw, trace.dL_db),
            grad_norm_autograd=_gradient_norm(autograd["dL_dw"], autograd["dL_db"]),
            path=(*history.points[:-1], (w1, w2, b, trace.loss.item())), stopped=history.stopped,
            wanted=wanted, next_point=next_point,
        )  # fmt: skip

    def step(self):
        """One SGD step θ ← θ − lr·∂L/∂θ: the run goes on to the state's ``next_point``; returns the state."""
        wanted = self.state.wanted
        stopped = self.set_values(wanted)  # the sliders show the point on their grid; the names clamped
        points = (*self.history.points, self.state.next_point)
        self.history = NeuronRun(points, stopped=tuple((name, wanted[name]) for name in stopped))
        return self.update()

    # -- figure ---------------------------------------------------------------------------------------

    def _build_figure(self, figure):
        self._surface_key, self._surface_loss = None, "mse"
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
                np.zeros((GRID.size, GRID.size)), extent=(*PARAM_RANGE, *PARAM_RANGE), origin="lower",
                cmap="cividis", norm=self._surface_norm("mse"), interpolation="bilinear",
                interpolation_stage="data", aspect="auto",
            )  # fmt: skip
            self._colorbar = figure.colorbar(self._surface, cax=self._ax_colorbar, ticks=SURFACE_TICKS["mse"])
            self._ax_colorbar.set_title("L", fontsize=8)
            (self._path_line,) = ax.plot([], [], "-", color=COLORS["sky"], lw=1.0, marker=".", ms=3)
            red = COLORS["vermillion"]
            arrow = {"arrowstyle": "-|>", "color": red, "lw": 1.5, "shrinkA": 0, "shrinkB": 0}
            self._arrow = ax.annotate("", xy=(0, 0), xytext=(0, 0), annotation_clip=False, arrowprops=arrow)
            self._arrow.arrow_patch.set_clip_path(ax.patch)
            (self._next,) = ax.plot([], [], "o", mfc="none", color=red, ms=7, mew=1.5)
            (self._point,) = ax.plot([], [], "o", color=red, mec="white", ms=6)
            arrow_handle = Line2D([], [], ls="none", marker="$→$", ms=12, color=red)
            # The legend sits above the axes: inside, the animated surface would be drawn over it.
            figure.legend(
                [self._point, arrow_handle, self._next, self._path_line],
                ["w", "direction of −∇L", "next step (lr)", "steps taken"],
                loc="upper left", bbox_to_anchor=(0.0, 1.0), ncol=4, fontsize=8, handlelength=1.4, columnspacing=1.2,
            )  # fmt: skip

            ax = self._ax_loss
            ax.set_xlim(0, STEPS_SHOWN)
            ax.set_ylim(-0.02, LOSS_TOP)  # L = (ŷ − y)² with ŷ, y ∈ [0, 1] stays in [0, 1]; BCE widens it
            ax.set_xlabel("step")
            ax.set_ylabel("L")
            ax.set_title("loss over the steps taken", fontsize=9)
            (self._loss_line,) = ax.plot([], [], "-o", color=COLORS["blue"], ms=3, lw=1.2)
            (self._loss_now,) = ax.plot([], [], "o", color=red, ms=5)
            # the loss where the next Step lands, as the hollow circle on the left: an overshoot shows before it
            (self._loss_next,) = ax.plot([], [], "o", mfc="none", color=red, ms=6, mew=1.2)
        self.animate(self._surface, self._path_line, self._arrow, self._next, self._point)
        self.animate(self._loss_line, self._loss_now, self._loss_next)

    @staticmethod
    def _surface_norm(loss):
        # bands at the loss's levels; above the top level (BCE only) the top colour, marked by the bar's tip
        return BoundaryNorm(SURFACE_LEVELS[loss], 256, extend="neither" if loss == "mse" else "max")

    def _show_loss(self, loss):
        """The surface's colour scale for this loss (a static change: the colour bar is redrawn once)."""
        self._surface.set_norm(self._surface_norm(loss))
        self._colorbar.update_normal(self._surface)
        ticks = SURFACE_TICKS[loss]
        labels = [f"{t:g}" for t in ticks[:-1]] + [f"{'≥' if loss == 'bce' else ''}{ticks[-1]:g}"]
        self._colorbar.set_ticks(ticks, labels=labels)  # BCE's top band holds everything above 3
        self._surface_loss = loss
        self.invalidate()

    def _draw(self, state):
        if state.loss != self._surface_loss:
            self._show_loss(state.loss)
        key = (*state.x, state.b, state.y, state.loss)  # what the surface depends on (not w)
        if key != self._surface_key:
            grid = neuron_loss_grid(state.x, state.b, state.y, GRID, GRID, loss=state.loss)
            self._surface.set_data(grid.numpy())
            self._surface_key = key
        (w1, w2), dL_dw = state.w, state.trace.dL_dw.tolist()
        self._point.set_data([w1], [w2])
        norm = (dL_dw[0] ** 2 + dL_dw[1] ** 2) ** 0.5
        # −∇L's direction at a fixed length: at true scale it is often shorter than the marker (0.35 of 8 for
        # the source notebook's numbers). Its size is in the read-out, and the hollow circle shows the next step.
        self._arrow.set_visible(norm > 0)
        if norm > 0:
            self._arrow.xy = (w1 - ARROW_LENGTH * dL_dw[0] / norm, w2 - ARROW_LENGTH * dL_dw[1] / norm)
            self._arrow.set_position((w1, w2))
        self._next.set_data(state.next_point[:1], state.next_point[1:2])  # w − lr·∇L, inside the slider range
        path = np.array(state.path)  # (steps + 1, 4): w₁, w₂, b, L
        self._path_line.set_data(path[:, 0], path[:, 1])
        steps = np.arange(len(path))
        self._loss_line.set_data(steps, path[:, 3])
        self._loss_now.set_data(steps[-1:], path[-1:, 3])
        self._loss_next.set_data([len(path)], [state.next_point[3]])
        self.widen(self._ax_loss, len(path), STEPS_SHOWN)  # room for the next step too
        # MSE never passes LOSS_TOP; BCE may (up to 36 here): the L axis doubles until the run and the next
        # step fit, and comes back when they fit the first limit again
        self.widen(self._ax_loss, max(path[:, 3].max(), state.next_point[3]), LOSS_TOP, axis="y")

    # -- read-out and messages ------------------------------------------------------------------------

    def _readout(self, state):
        trace, auto = state.trace, state.autograd
        # the exact parameters first (after a Step the sliders show them rounded to their grid), then the
        # forward values, then each gradient by hand and by autograd, and the gradient's size
        rows = [("w₁", state.w[0]), ("w₂", state.w[1]), ("b", state.b), ("z", trace.z),
                ("ŷ = σ(z)", trace.y_hat), (LOSS_LABELS[state.loss], trace.loss),
                ("∂L/∂ŷ", trace.dL_dyhat, auto["dL_dyhat"]), ("∂ŷ/∂z", trace.dyhat_dz, auto["dyhat_dz"]),
                ("∂L/∂z", trace.dL_dz, auto["dL_dz"]), ("∂L/∂w₁", trace.dL_dw[0], auto["dL_dw"][0]),
                ("∂L/∂w₂", trace.dL_dw[1], auto["dL_dw"][1]), ("∂L/∂b", trace.dL_db, auto["dL_db"]),
                ("‖∇L‖", state.grad_norm, state.grad_norm_autograd)]  # fmt: skip
        cells = [(label, _number(hand), _number(by_autograd[0]) if by_autograd else "")
                 for label, hand, *by_autograd in rows]  # fmt: skip
        tolerance = {"rtol": AGREE_RTOL, "atol": AGREE_ATOL}
        agree = all(torch.allclose(getattr(trace, name), auto[name], **tolerance) for name in auto)
        if agree:
            verdict = f"✓ hand = autograd (rtol {AGREE_RTOL:g}, float64)"
        elif state.loss == "bce" and trace.dyhat_dz.item() < TORCH_BCE_FLOOR:
            verdict = (
                f"✗ hand and autograd differ: torch's BCE divides by max(ŷ(1 − ŷ), {TORCH_BCE_FLOOR:g}), and "
                f"ŷ(1 − ŷ) = {sci(trace.dyhat_dz.item(), 2)} here"
            )
        else:
            verdict = "✗ hand and autograd differ"
        return lines(table(cells, head=("", "hand", "autograd")), verdict)

    def _warnings(self, state):
        notes = [
            f"the step wanted {LABELS[name]} = {num(wanted, 3)}, beyond the slider range, so it stops at "
            f"{num(self.specs[name].snap(wanted), 0)}"
            for name, wanted in state.stopped
        ]
        losses = state.losses
        if len(losses) >= 2 and losses[-1] > losses[-2]:
            notes.append(
                f"the loss went up on the last step ({num(losses[-2])} → {num(losses[-1])}): "
                f"lr = {state.lr:.3g} overshoots"
            )
        y_hat, slope = state.trace.y_hat.item(), state.trace.dyhat_dz.item()
        if min(y_hat, 1 - y_hat) < CONFIDENT and abs(y_hat - state.y) > WRONG:
            notes.append(_confidently_wrong(state, y_hat, slope))
        elif slope < SATURATED and state.loss == "mse":  # with BCE, ∂L/∂z = ŷ − y carries no σ′
            notes.append(
                f"σ′(z) = {sci(slope, 2)} at z = {num(state.trace.z.item(), 2)} (below {SATURATED:g}): the neuron "
                "is saturated, so every gradient is tiny and a step barely moves"
            )
        params = {"w₁": state.w[0], "w₂": state.w[1], "b": state.b}
        at_bound = [label for label, value in params.items() if value in PARAM_RANGE]
        if at_bound and not state.stopped:
            notes.append(
                f"{', '.join(at_bound)} at the edge of the slider range ({num(PARAM_RANGE[0], 0)} … "
                f"{num(PARAM_RANGE[1], 0)})"
            )
        return notes


def _number(value):
    """A read-out cell: fixed decimals, or scientific where BCE's ∂L/∂ŷ = (ŷ − y)/(ŷ(1 − ŷ)) grows past 1000."""
    value = float(value)
    return num(value, DECIMALS) if abs(value) < 1e3 else sci(value, 4)


def _short(value):
    """A number in a message: four decimals, or scientific when that would print 0.0000."""
    return num(value) if abs(value) >= 1e-3 else sci(value, 2)


def _confidently_wrong(state, y_hat, slope):
    """The message when ŷ is near 0 or 1 and on the wrong side of ½ from y: both losses' ∂L/∂z, from the numbers."""
    mse, bce = state.dL_dz_by_loss["mse"], state.dL_dz_by_loss["bce"]
    said = f"confidently wrong (ŷ = {_short(y_hat)}, y = {num(state.y, 2)}, σ′(z) = {_short(slope)}): "
    mse_part = f"MSE's ∂L/∂z = 2(ŷ − y)·σ′(z) = {_short(mse)}"
    bce_part = f"BCE's ∂L/∂z = ŷ − y = {_short(bce)}"
    if state.loss == "mse":
        return said + f"{mse_part} vanishes with σ′, while {bce_part} would not — switch the loss to BCE"
    return said + f"{bce_part} keeps its size, while {mse_part} would be {_short(mse / bce)} of it (2σ′)"
