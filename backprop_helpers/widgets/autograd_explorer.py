"""Explorer of notebook 02: a leaf x, one expression, and the buttons ``backward()`` and ``zero_()``.

The lesson is that ``x.grad`` *accumulates*: every ``backward()`` adds dv/dx (at the x of that call) to it,
moving x does not reset it, and only ``zero_()`` does. So the explorer's run history holds one real leaf
tensor (``.x``) and lets torch do the accumulating; the read-out puts x.grad beside the analytic dv/dx.
The fork c = a + a shows the other sum beside it: inside one ``backward()`` the engine adds the two paths
(1 + 1) and hands the leaf their sum once — a hook on the leaf records each hand-over —, and a second
``backward()`` adds that sum again (a.grad = 2 + 2).
The letters are notebook 02's: u = x² and v for the results (the source notebook's y and z; in notebook 02,
y and z are the BCE neuron's target and pre-activation), and a, c for the fork (its section 5).
"""

import math
from dataclasses import dataclass

import numpy as np
import torch

from backprop_helpers.plotting.style import COLORS, figure_style
from backprop_helpers.widgets.controls import Button, Choice, Slider
from backprop_helpers.widgets.explorer import Explorer
from backprop_helpers.widgets.readout import escape, lines, num, table

__all__ = ["AutogradExplorer", "AutogradState", "BackwardHistory", "EXPRESSIONS"]

GRAD_RTOL, GRAD_ATOL = 1e-9, 1e-12  # x.grad "is" dv/dx here: float64 sums of a few terms agree far closer
TANGENT_HALF_WIDTH = 0.6  # the dashed tangent spans x ± this
CALLS_SHOWN = 6  # the right-hand axes show this many backward() calls before they widen
HEADROOM = 0.95  # the grad axes widen when x.grad passes this fraction of their limit


@dataclass(frozen=True)
class _Expression:
    """One expression of a leaf x: ``forward`` by torch ops (what autograd differentiates) and ``derivative``
    written out by hand (what x.grad is checked against)."""

    label: str  # shown in the dropdown
    output: str  # the name of the result, "u", "v" or "c"
    forward: object  # tensor -> tensor
    derivative: object  # float -> float
    derivative_text: str
    leaf: str = "x"  # the leaf's name, as the notebook writes it
    paths: tuple = ()  # a fork's local gradient along each path (float -> float): their sum is the derivative


def _chain(x):
    u = x**2
    return 2 * u + u**2


EXPRESSIONS = {
    # The source notebook's function 2 (its z = 2y + y²): dv/dx = dv/du·du/dx = (2 + 2u)·2x with u = x².
    "chain": _Expression(
        "v = 2u + u², u = x²", "v", _chain, lambda x: (2 + 2 * x**2) * 2 * x, "dv/dx = (2 + 2u)·2x"
    ),
    # Notebook 02's fork (section 5): a used twice, dc/da = 1 + 1, one local gradient per path.
    "fork": _Expression(
        "c = a + a (a fork)",
        "c",
        lambda a: a + a,
        lambda a: 1.0 + 1.0,
        "dc/da = 1 + 1: one local gradient per path",
        leaf="a",
        paths=(lambda a: 1.0, lambda a: 1.0),
    ),
    # The source notebook's function 1 (its y = x²): du/dx = 2x.
    "square": _Expression("u = x²", "u", lambda x: x**2, lambda x: 2 * x, "du/dx = 2x"),
    # The source notebook's commented-out alternative (its z = sin(y)): dv/dx = cos(u)·2x.
    "sin": _Expression(
        "v = sin(u), u = x²",
        "v",
        lambda x: torch.sin(x**2),
        lambda x: math.cos(x**2) * 2 * x,
        "dv/dx = cos(u)·2x",
    ),
}


@dataclass(frozen=True)
class BackwardHistory:
    """The run: the one leaf x (float64, requires_grad; torch accumulates into its ``.grad``), x.grad after
    each ``backward()`` since the last ``zero_()``, and for each of those calls (expression, the gradients the
    engine handed the leaf during it): a hook's record, one value, the paths already summed."""

    leaf: torch.Tensor
    grads: tuple = ()
    handed: tuple = ()


@dataclass(frozen=True)
class AutogradState:
    """What the explorer shows: the expression at x, its analytic derivative and the leaf's x.grad.

    ``grad`` is None until the first ``backward()``; ``n_backward`` counts the calls accumulated since the
    last ``zero_()``; ``history`` is x.grad after each of those calls; ``handed`` the gradients the engine
    handed the leaf inside the last call (empty before the first, or when that call was at another
    expression); ``paths`` a fork's local gradient per path
    at this x (empty for a chain).
    """

    expression: str
    x: float
    value: float
    derivative: float
    grad: float | None
    n_backward: int
    history: tuple = ()
    handed: tuple = ()
    paths: tuple = ()


def _last_handed(history, key):
    """What the engine handed the leaf in the last backward(), if that call was at this expression; else ()."""
    if not history.handed or history.handed[-1][0] != key:
        return ()
    return history.handed[-1][1]


def _forward_values(expression, xs):
    with torch.no_grad():
        return expression.forward(torch.as_tensor(xs, dtype=torch.float64)).numpy()


class AutogradExplorer(Explorer):
    """x.grad accumulating under ``backward()`` and reset by ``zero_()``, for four expressions of one leaf.

    Parameters
    ----------
    x : float
        Starting value of the slider (the source notebook's x = 2), in [−2.5, 2.5] on its 0.1 grid.
    expression : {"chain", "fork", "square", "sin"}
        v = 2u + u² with u = x² (the source notebook's), the fork c = a + a (the leaf is then called a, as in
        notebook 02's section 5), u = x², or v = sin(x²).

    ``.x`` is the leaf tensor (float64, requires_grad); ``.backward()``, ``.zero_grad()`` and ``.reset()``
    are what the buttons call, and return the state.
    """

    figsize = (7.2, 2.9)
    readout_width = "300px"
    controls_spec = {  # noqa: RUF012 (a declaration, never mutated)
        "expression": Choice(
            "expression",
            tuple(EXPRESSIONS),
            "chain",
            width="230px",
            labels=tuple(e.label for e in EXPRESSIONS.values()),
        ),
        "x": Slider("x", -2.5, 2.5, 0.1, 2.0, fmt=".1f"),
        "backward": Button("backward()", "backward", primary=True, width="110px"),
        "zero": Button("zero_()", "zero_grad", width="90px"),
        "reset": Button("Reset", "reset"),
    }
    layout = (("expression", "x", "backward", "zero", "reset"),)

    _max_backgrounds = 16

    def __init__(self, x=2.0, expression="chain"):
        self._backgrounds = {}  # static state -> cached background pixels (see render)
        super().__init__(x=x, expression=expression)

    @property
    def x(self):
        """The leaf tensor of the current run."""
        return self.history.leaf

    # -- the model and the three actions ------------------------------------------------------------------

    def start_history(self, values):
        return BackwardHistory(torch.tensor(values["x"], dtype=torch.float64, requires_grad=True))

    def model(self, values, history):
        expression = EXPRESSIONS[values["expression"]]
        x = values["x"]
        grad = None if history.leaf.grad is None else history.leaf.grad.item()
        if grad is not None and not math.isfinite(grad):
            raise ValueError(f"{expression.leaf}.grad is {grad}: press zero_() or Reset")
        value = float(_forward_values(expression, np.array(x)))
        return AutogradState(values["expression"], x, value, float(expression.derivative(x)), grad,
                             len(history.grads), history.grads, _last_handed(history, values["expression"]),
                             tuple(float(path(x)) for path in expression.paths))  # fmt: skip

    def backward(self):
        """Build the expression from the leaf at the slider's x and call ``backward()``: x.grad += dv/dx.

        A hook on the leaf records what the engine hands it during this call: at a fork, one value, the paths
        already summed (notebook 02, section 5)."""
        values, leaf, handed = self.values(), self.history.leaf, []
        with torch.no_grad():
            leaf.fill_(values["x"])  # move the leaf; its .grad is left as it is
        hook = leaf.register_hook(lambda grad: handed.append(grad.item()))
        try:
            EXPRESSIONS[values["expression"]].forward(leaf).backward()
        finally:
            hook.remove()  # this call's hook only: the next call records its own
        history = self.history
        self.history = BackwardHistory(
            leaf, (*history.grads, leaf.grad.item()), (*history.handed, (values["expression"], tuple(handed)))
        )
        return self.update()

    def zero_grad(self):
        """``x.grad.zero_()`` as in the source notebook (x.grad becomes 0, not None); the count restarts."""
        leaf = self.history.leaf
        if leaf.grad is not None:
            leaf.grad.zero_()
        self.history = BackwardHistory(leaf)
        return self.update()

    # -- figure, read-out, message --------------------------------------------------------------------------

    def _build_figure(self, figure):
        with figure_style():
            self._ax_f, self._ax_g = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1]})
            figure.subplots_adjust(left=0.09, right=0.98, bottom=0.17, top=0.9, wspace=0.3)
            self._grid = np.linspace(self.specs["x"].low, self.specs["x"].high, 201)
            # dv/dx over the whole slider range: the dashed one-call line always fits at the smallest limit
            self._base_limits = {key: 1.1 * max(abs(e.derivative(float(v))) for v in self._grid)
                                 for key, e in EXPRESSIONS.items()}  # fmt: skip
            (self._curve,) = self._ax_f.plot([], [], color=COLORS["blue"], lw=1.6)
            self._ax_f.set_xlim(self._grid[0], self._grid[-1])
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
            self._legend = self._ax_g.legend(loc="lower right", fontsize=8)
            self._ax_g.set_xlim(-0.3, CALLS_SHOWN + 0.3)
            self._show_expression(self.specs["expression"].default)

    def _show_expression(self, key):
        """Redraw the static part for one expression: its curve, its title and the left axes' limits."""
        expression = EXPRESSIONS[key]
        values = _forward_values(expression, self._grid)
        self._curve.set_data(self._grid, values)
        low, high = float(values.min()), float(values.max())
        pad = 0.08 * (high - low)
        self._ax_f.set_ylim(low - pad, high + pad)
        self._ax_f.set_ylabel(expression.output)
        self._ax_f.set_title(expression.label, fontsize=9)
        # the leaf's name as the notebook writes it: x for the chains, a for the fork
        leaf = expression.leaf
        self._ax_f.set_xlabel(leaf)
        self._ax_g.set_title(f"{leaf}.grad after each call", fontsize=9)
        self._legend.get_texts()[0].set_text(f"one call at this {leaf}")
        self._legend.get_texts()[1].set_text(f"{leaf}.grad")
        self._ax_g.set_ylim(-self._base_limits[key], self._base_limits[key])
        self._shown_expression = key
        self.invalidate()

    def _draw(self, state):
        if state.expression != self._shown_expression:
            self._show_expression(state.expression)  # x.grad is kept, as torch keeps it
        slider, leaf = self.controls["x"], EXPRESSIONS[state.expression].leaf
        if slider.description != leaf:
            slider.description = leaf  # the slider is named after the leaf: x, or a for the fork
        xs = np.array([state.x - TANGENT_HALF_WIDTH, state.x + TANGENT_HALF_WIDTH])
        self._tangent.set_data(xs, state.value + state.derivative * (xs - state.x))
        self._point.set_data([state.x], [state.value])
        self._one_call.set_ydata([state.derivative, state.derivative])
        if state.grad is None:
            self._grad_line.set_data([], [])
        else:
            self._grad_line.set_data(range(state.n_backward + 1), (0.0, *state.history))
        # x.grad outgrows the axes: widen them (a full redraw, only on the press that needs it); x.grad may be
        # negative, so the grad axis stays symmetric about 0
        needed = max([abs(state.derivative), *map(abs, state.history)]) / HEADROOM
        self.widen(self._ax_g, needed, self._base_limits[state.expression], axis="y", symmetric=True)
        self.widen(self._ax_g, state.n_backward + 1.3, CALLS_SHOWN + 0.3)

    def render(self):
        # A new expression or new grad limits change the static part, which costs a full redraw (~45 ms);
        # the backgrounds already drawn are kept per static state, so a switch back is a blit.
        key = (self._shown_expression, self._ax_g.get_ylim(), self._ax_g.get_xlim())
        if self._background is None and key in self._backgrounds:
            self._background = self._backgrounds[key]
        png = super().render()
        if len(self._backgrounds) < self._max_backgrounds:
            self._backgrounds[key] = self._background
        return png

    def _readout(self, state):
        expression = EXPRESSIONS[state.expression]
        name, leaf = expression.output, expression.leaf
        handed = ", ".join(num(value) for value in state.handed) if state.handed else "—"
        rows = [
            (leaf, num(state.x, 2)),
            (name, num(state.value)),
            (f"d{name}/d{leaf} by hand", num(state.derivative)),
            (f"handed to {leaf} in the last call", handed),
            (f"{leaf}.grad", "None" if state.grad is None else num(state.grad)),
            ("calls since zero_()", str(state.n_backward)),
        ]
        note = (
            f"Each <code>backward()</code> <i>adds</i> the derivative at the current {leaf} to {leaf}.grad. "
            f"Moving {leaf} does not reset {leaf}.grad; only <code>zero_()</code> does."
        )
        if state.paths:
            note = _fork_note(state, leaf, name)
        return (
            lines(
                f"<b>{escape(expression.label)}</b>", f"<small>{escape(expression.derivative_text)}</small>"
            )
            + table(rows)
            + f"<small>{note}</small>"
        )

    def _warnings(self, state):
        if state.n_backward == 0 or math.isclose(
            state.grad, state.derivative, rel_tol=GRAD_RTOL, abs_tol=GRAD_ATOL
        ):
            return []
        expression = EXPRESSIONS[state.expression]
        name, leaf = expression.output, expression.leaf
        if state.n_backward == 1:
            return [
                f"{leaf}.grad ≠ d{name}/d{leaf} here: it was computed at the {leaf} of the backward() call, "
                f"and moving {leaf} does not update it."
            ]
        return [
            f"{leaf}.grad ≠ d{name}/d{leaf}: it holds the sum of {state.n_backward} backward() calls; "
            "call zero_() before the next backward()."
        ]


def _fork_note(state, leaf, name):
    """The two sums side by side: the paths inside one backward(), and the calls in .grad."""
    paths = " + ".join(num(value, 0) if float(value).is_integer() else num(value) for value in state.paths)
    inside = (
        f"Inside one <code>backward()</code>: the {len(state.paths)} paths from {leaf} to {name} add up, "
        f"{paths} = {num(sum(state.paths))}"
    )
    if not state.handed:  # no call since zero_(), or the last one at another expression
        return (
            inside
            + f". Press <code>backward()</code> twice: the second call adds the sum to {leaf}.grad again."
        )
    times = "once" if len(state.handed) == 1 else f"{len(state.handed)} times"
    inside += f", handed to {leaf} {times} (the hook's record)."
    if state.n_backward == 1:
        return inside + f" Across calls: press again and {leaf}.grad doubles."
    calls = " + ".join(num(value) for value in _per_call(state.history))
    return (
        inside + f" Across calls: {leaf}.grad = {calls} = {num(state.grad)} after {state.n_backward} calls."
    )


def _per_call(history):
    """What each backward() added to .grad: the differences of the running sums (the first from 0)."""
    return [after - before for before, after in zip((0.0, *history[:-1]), history, strict=True)]
