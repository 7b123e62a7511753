"""Explorer of notebook 02: a leaf x, one expression, and the buttons ``backward()`` and ``zero_()``.

The lesson is that ``x.grad`` *accumulates*: every ``backward()`` adds dz/dx (at the x of that call) to it,
moving x does not reset it, and only ``zero_()`` does. So the explorer keeps one real leaf tensor ``.x``
for its whole life and lets torch do the accumulating; the read-out puts x.grad beside the analytic dz/dx.
"""

import html
import math
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import torch

from backprop_helpers.plotting.style import COLORS, figure_style
from backprop_helpers.widgets.legacy_explorer import LegacyExplorer as Explorer

__all__ = ["AutogradExplorer", "AutogradState", "EXPRESSIONS"]


@dataclass(frozen=True)
class _Expression:
    """One expression of a leaf x: ``forward`` by torch ops (what autograd differentiates) and ``derivative``
    written out by hand (what x.grad is checked against)."""

    label: str  # shown in the dropdown
    output: str  # the name of the result, "y" or "z"
    forward: object  # tensor -> tensor
    derivative: object  # float -> float
    derivative_text: str


def _chain(x):
    y = x**2
    return 2 * y + y**2


EXPRESSIONS = {
    # The seed's function 2: dz/dx = dz/dy·dy/dx = (2 + 2y)·2x with y = x².
    "chain": _Expression(
        "z = 2y + y², y = x²", "z", _chain, lambda x: (2 + 2 * x**2) * 2 * x, "dz/dx = (2 + 2y)·2x"
    ),
    # The seed's function 1: dy/dx = 2x.
    "square": _Expression("y = x²", "y", lambda x: x**2, lambda x: 2 * x, "dy/dx = 2x"),
    # The seed's commented-out alternative z = sin(y): dz/dx = cos(y)·2x.
    "sin": _Expression(
        "z = sin(y), y = x²",
        "z",
        lambda x: torch.sin(x**2),
        lambda x: math.cos(x**2) * 2 * x,
        "dz/dx = cos(y)·2x",
    ),
}


@dataclass(frozen=True)
class AutogradState:
    """What the explorer shows: the expression at x, its analytic derivative and the leaf's x.grad.

    ``grad`` is None until the first ``backward()``; ``n_backward`` counts the calls accumulated since the
    last ``zero_()``; ``history`` is x.grad after each of those calls.
    """

    expression: str
    x: float
    value: float
    derivative: float
    grad: float | None
    n_backward: int
    history: tuple = ()


class AutogradExplorer(Explorer):
    """x.grad accumulating under ``backward()`` and reset by ``zero_()``, for three expressions of x.

    Parameters
    ----------
    x : float
        Starting value of the slider (the seed's x = 2).
    expression : {"chain", "square", "sin"}
        z = 2y + y² with y = x² (the seed's), y = x², or z = sin(x²).

    ``.x`` is the leaf tensor (float64, requires_grad); ``.backward()``, ``.zero_grad()`` and ``.reset()``
    are what the buttons call.
    """

    figsize = (7.2, 2.9)
    readout_width = "300px"
    x_range = (-2.5, 2.5)

    _max_backgrounds = 16

    def __init__(self, x=2.0, expression="chain"):
        if expression not in EXPRESSIONS:
            raise ValueError(
                f"expression must be one of {', '.join(map(repr, EXPRESSIONS))}; got {expression!r}"
            )
        x = float(x)
        if not self.x_range[0] <= x <= self.x_range[1]:
            raise ValueError(f"x must lie in {list(self.x_range)}; got {x!r}")
        self._defaults = {"x": x, "expression": expression}
        self.x = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        self._history = []
        self._grad_limit = None
        self._backgrounds = {}  # static state -> cached background pixels (see render)
        super().__init__()

    # -- controls and figure ------------------------------------------------------------------------------

    def _build_controls(self):
        expression = widgets.Dropdown(
            options=[(e.label, key) for key, e in EXPRESSIONS.items()],
            value=self._defaults["expression"],
            description="expression",
            layout=widgets.Layout(width="230px"),
        )
        x = widgets.FloatSlider(
            value=self._defaults["x"],
            min=self.x_range[0],
            max=self.x_range[1],
            step=0.1,
            description="x",
            readout_format=".1f",
            continuous_update=True,
        )
        backward = widgets.Button(description="backward()", button_style="primary", layout={"width": "110px"})
        zero = widgets.Button(description="zero_()", layout={"width": "90px"})
        reset = widgets.Button(description="Reset", layout={"width": "80px"})
        backward.on_click(lambda _: self.backward())
        zero.on_click(lambda _: self.zero_grad())
        reset.on_click(lambda _: self.reset())
        expression.observe(self._on_expression, names="value")
        return {"expression": expression, "x": x, "backward": backward, "zero": zero, "reset": reset}

    def _build_figure(self, figure):
        with figure_style():
            self._build_axes(figure)

    def _build_axes(self, figure):
        self._ax_f, self._ax_g = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1]})
        figure.subplots_adjust(left=0.09, right=0.98, bottom=0.17, top=0.9, wspace=0.3)
        self._grid = np.linspace(*self.x_range, 201)
        (self._curve,) = self._ax_f.plot([], [], color=COLORS["blue"], lw=1.6)
        self._ax_f.set_xlim(*self.x_range)
        self._ax_f.set_xlabel("x")
        self._tangent = self.animate(self._ax_f.plot([], [], color=COLORS["orange"], lw=1.4, ls="--")[0])
        self._point = self.animate(self._ax_f.plot([], [], "o", color=COLORS["vermillion"], ms=6)[0])

        self._ax_g.axhline(0, color=COLORS["grey"], lw=0.8)
        self._ax_g.set_xlabel("backward() calls since zero_()")
        self._ax_g.set_title("x.grad after each call", fontsize=9)
        self._one_call = self.animate(
            self._ax_g.axhline(0, color=COLORS["orange"], lw=1.2, ls="--", label="one call at this x")
        )
        self._grad_line = self.animate(
            self._ax_g.plot([], [], "-o", color=COLORS["green"], ms=4, lw=1.4, label="x.grad")[0]
        )
        self._ax_g.legend(loc="lower right", fontsize=8)
        self._show_expression(self._defaults["expression"])

    def _show_expression(self, key):
        """Redraw the static part for one expression: its curve, its title and both axes' limits."""
        expression = EXPRESSIONS[key]
        values = self._forward_values(expression, self._grid)
        self._curve.set_data(self._grid, values)
        low, high = float(values.min()), float(values.max())
        pad = 0.08 * (high - low)
        self._ax_f.set_ylim(low - pad, high + pad)
        self._ax_f.set_ylabel(expression.output)
        self._ax_f.set_title(expression.label, fontsize=9)
        # dz/dx over the whole slider range: the dashed one-call line always fits without a re-limit
        self._base_limit = 1.1 * max(abs(expression.derivative(float(v))) for v in self._grid)
        self._set_grad_limits(self._base_limit, n_calls=0)

    def _set_grad_limits(self, limit, n_calls):
        self._grad_limit = limit
        self._ax_g.set_ylim(-limit, limit)
        self._ax_g.set_xlim(-0.3, max(6, n_calls + 1) + 0.3)
        self.invalidate()

    def render(self):
        # Switching the expression changes the static curve and limits, which costs a full redraw
        # (~45 ms); the backgrounds already drawn are kept per static state, so a switch back is a blit.
        key = (self.controls["expression"].value, self._grad_limit, self._ax_g.get_xlim())
        if self._background is None and key in self._backgrounds:
            self._background = self._backgrounds[key]
        png = super().render()
        if len(self._backgrounds) < self._max_backgrounds:
            self._backgrounds[key] = self._background
        return png

    @staticmethod
    def _forward_values(expression, xs):
        with torch.no_grad():
            return expression.forward(torch.as_tensor(xs, dtype=torch.float64)).numpy()

    # -- the three actions ----------------------------------------------------------------------------

    def backward(self):
        """Build the expression from the leaf at the slider's x and call ``backward()``: x.grad += dz/dx."""
        expression = EXPRESSIONS[self.controls["expression"].value]
        with torch.no_grad():
            self.x.fill_(self.controls["x"].value)  # move the leaf; its .grad is left as it is
        out = expression.forward(self.x)
        out.backward()
        self._history.append(self.x.grad.item())
        self.update()

    def zero_grad(self):
        """``x.grad.zero_()``, as the seed does (x.grad becomes 0, not None); the count starts again."""
        if self.x.grad is not None:
            self.x.grad.zero_()
        self._history.clear()
        self._set_grad_limits(self._base_limit, n_calls=0)
        self.update()

    def reset(self):
        """A fresh leaf (x.grad is None again) and the controls back at their starting values."""
        self.x = torch.tensor(self._defaults["x"], dtype=torch.float64, requires_grad=True)
        self._history.clear()
        self.controls["expression"].value = self._defaults["expression"]
        self.controls["x"].value = self._defaults["x"]
        self._set_grad_limits(self._base_limit, n_calls=0)
        self.update()

    def _on_expression(self, change):
        # the expression changes the static curve; x.grad is kept, as torch keeps it
        self._show_expression(change["new"])

    # -- the explorer contract --------------------------------------------------------------------------

    def compute(self):
        key = self.controls["expression"].value
        expression = EXPRESSIONS[key]
        x = float(self.controls["x"].value)
        value = float(self._forward_values(expression, np.array(x)))
        derivative = float(expression.derivative(x))
        grad = None if self.x.grad is None else self.x.grad.item()
        if grad is not None and not math.isfinite(grad):
            raise ValueError(f"x.grad is {grad}: press zero_() or Reset")
        return AutogradState(key, x, value, derivative, grad, len(self._history), tuple(self._history))

    def _draw(self, state):
        half = 0.6
        xs = np.array([state.x - half, state.x + half])
        self._tangent.set_data(xs, state.value + state.derivative * (xs - state.x))
        self._point.set_data([state.x], [state.value])
        self._one_call.set_ydata([state.derivative, state.derivative])
        if state.grad is None:
            self._grad_line.set_data([], [])
        else:
            self._grad_line.set_data(range(state.n_backward + 1), (0.0, *state.history))
        needed = max([abs(state.derivative), *(abs(g) for g in state.history)], default=0.0)
        if needed > 0.95 * self._grad_limit or state.n_backward + 1 > self._ax_g.get_xlim()[1] - 0.3:
            # x.grad has outgrown the axes: widen them (a full redraw, only on the press that needs it)
            self._set_grad_limits(max(self._grad_limit, 2 * needed), state.n_backward + 2)

    def _readout(self, state):
        expression = EXPRESSIONS[state.expression]
        name = expression.output
        grad = "None" if state.grad is None else f"{state.grad:.4f}"
        rows = [
            ("x", f"{state.x:.2f}"),
            (name, f"{state.value:.4f}"),
            (f"d{name}/dx by hand", f"{state.derivative:.4f}"),
            ("x.grad", grad),
            ("calls since zero_()", f"{state.n_backward}"),
        ]
        table = "".join(
            f"<tr><td>{html.escape(label)}</td><td style='text-align:right'><code>{value}</code></td></tr>"
            for label, value in rows
        )
        return (
            f"<b>{html.escape(expression.label)}</b><br><small>{html.escape(expression.derivative_text)}</small>"
            f"<table>{table}</table>"
            "<small>Each <code>backward()</code> <i>adds</i> the derivative at the current x to x.grad. "
            "Moving x does not reset x.grad; only <code>zero_()</code> does.</small>"
        )

    def _check(self, state):
        if state.n_backward == 0 or math.isclose(state.grad, state.derivative, rel_tol=1e-9, abs_tol=1e-12):
            return ""
        name = EXPRESSIONS[state.expression].output
        if state.n_backward == 1:
            return f"x.grad ≠ d{name}/dx here: it was computed at the x of the backward() call, and moving x does not update it."
        return (
            f"x.grad ≠ d{name}/dx: it holds the sum of {state.n_backward} backward() calls; "
            "call zero_() before the next backward()."
        )
