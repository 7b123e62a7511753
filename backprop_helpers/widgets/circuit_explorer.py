"""Explorer of notebook 03: the sigmoid neuron as gates, its computation graph labelled with values and gradients.

The gates are the source notebook's staging (notebook 03, § "The sigmoid as four gates"):

    z = w₀x₀ + w₁x₁ + b,   k = e^{−z},   h = 1 + k,   f = 1/h.

A control change calls the package's ``sigmoid_circuit`` (the hand formulas: every local and upstream gradient),
builds the same gates from autograd leaves (``circuit_autograd``) and relabels the drawn graph in place (the same
figure, the same Text artists); the read-out is the gate table, local and upstream gradients side by side.

Slider ranges: x₀, x₁ ∈ [−10, 10] and w₀, w₁, b ∈ [−5, 5], in steps of 0.1. Then z = w·x + b spans [−105, 105],
so the corners reach z < −88.7, where k = e^{−z} overflows float32: ``sigmoid_circuit`` raises a ValueError and
the explorer shows it as a message (the staged gates are not stable there; ``sigmoid`` is). Below
``HAND_GRADIENT_LIMIT`` (z ≈ −44.4) h² overflows and the hand ∂f/∂h = −1/h² rounds to 0. Autograd's backward of
the reciprocal is written through the output, ∂f/∂h = −f², and f is small, not huge: it stays finite down to
``AUTOGRAD_GRADIENT_LIMIT`` (z ≈ −52.0), where f² underflows. In that band the graph (autograd) and the table
(by hand) disagree although both print 0.0000; the message line says so.
"""

from dataclasses import dataclass

import ipywidgets as widgets
import torch

from backprop_helpers.activations import sigmoid_grad
from backprop_helpers.circuit import (
    AUTOGRAD_GRADIENT_LIMIT,
    HAND_GRADIENT_LIMIT,
    CircuitTrace,
    circuit_autograd,
    sigmoid_circuit,
)
from backprop_helpers.plotting.graph_drawing import draw_graph
from backprop_helpers.plotting.number_text import format_number
from backprop_helpers.widgets.legacy_explorer import LegacyExplorer as Explorer

__all__ = ["CircuitExplorer", "CircuitState", "gate_rows"]

X_RANGE = (-10.0, 10.0)
W_RANGE = (-5.0, 5.0)
B_RANGE = (-5.0, 5.0)


@dataclass(frozen=True)
class CircuitState:
    """What the explorer shows: the inputs, the hand trace and the autograd graph of the same gates."""

    x: tuple
    w: tuple
    b: float
    trace: CircuitTrace
    output: torch.Tensor  # f of the autograd graph
    tensors: dict  # name → tensor of that graph (with .grad retained)


def gate_rows(trace, x, w):
    """The gate table, output gate first, as strings with 4 decimals: (gate, forward value, local gradient,
    upstream gradient ∂f/∂(output), upstream × local = ∂f/∂(input)). The z gate has one row per input."""

    def num(value):
        return format_number(float(value))

    t = trace
    rows = [
        ("f = 1/h", f"f = {num(t.f)}", f"∂f/∂h = −1/h² = {num(t.df_dh)}", "∂f/∂f = 1", f"∂f/∂h = {num(t.df_dh)}"),
        ("h = 1 + k", f"h = {num(t.h)}", f"∂h/∂k = {num(t.dh_dk)}", f"∂f/∂h = {num(t.df_dh)}",
         f"∂f/∂k = {num(t.df_dk)}"),
        ("k = e^(−z)", f"k = {num(t.k)}", f"∂k/∂z = −k = {num(t.dk_dz)}", f"∂f/∂k = {num(t.df_dk)}",
         f"∂f/∂z = {num(t.df_dz)}"),
    ]  # fmt: skip
    # z = w₀x₀ + w₁x₁ + b: ∂z/∂wᵢ = xᵢ, ∂z/∂b = 1, ∂z/∂xᵢ = wᵢ
    inputs = [
        ("w₀", "x₀", x[0], t.df_dw[0]), ("w₁", "x₁", x[1], t.df_dw[1]), ("b", "1", 1.0, t.df_db),
        ("x₀", "w₀", w[0], t.df_dx[0]), ("x₁", "w₁", w[1], t.df_dx[1]),
    ]  # fmt: skip
    for i, (name, local_name, local, grad) in enumerate(inputs):
        local_text = f"∂z/∂{name} = 1" if local_name == "1" else f"∂z/∂{name} = {local_name} = {num(local)}"
        first = i == 0
        rows.append(
            (
                "z = w·x + b" if first else "",
                f"z = {num(t.z)}" if first else "",
                local_text,
                f"∂f/∂z = {num(t.df_dz)}" if first else "",
                f"∂f/∂{name} = {num(grad)}",
            )
        )
    return rows


class CircuitExplorer(Explorer):
    """Sliders for x₀, x₁, w₀, w₁, b; the labelled computation graph and the gate table follow them.

    Defaults are the source notebook's: x = (1, 2), w = (0.5, −0.3), b = 0.1. ``.state`` is a ``CircuitState``;
    ``.drawing`` the ``GraphDrawing`` whose value and gradient texts are updated in place.
    """

    figsize = (9.45, 3.6)
    readout_width = "100%"

    def __init__(self, x=(1.0, 2.0), w=(0.5, -0.3), b=0.1):
        x, w = tuple(float(v) for v in x), tuple(float(v) for v in w)
        if len(x) != 2 or len(w) != 2:
            raise ValueError(f"x and w must each hold two numbers; got {x!r} and {w!r}")
        self._defaults = {"x0": x[0], "x1": x[1], "w0": w[0], "w1": w[1], "b": float(b)}
        ranges = {"x0": X_RANGE, "x1": X_RANGE, "w0": W_RANGE, "w1": W_RANGE, "b": B_RANGE}
        for name, value in self._defaults.items():
            low, high = ranges[name]
            if not low <= value <= high:
                raise ValueError(f"{name} must lie in [{low:g}, {high:g}] (the slider); got {value!r}")
        self._ranges = ranges
        super().__init__()
        # the graph is wide: the gate table goes below it rather than beside it
        for child in self.widget.children:
            if isinstance(child, widgets.HBox) and self.image in child.children:
                child.layout.flex_flow = "row wrap"

    def _build_controls(self):
        labels = {"x0": "x₀", "x1": "x₁", "w0": "w₀", "w1": "w₁", "b": "b"}
        return {
            name: widgets.FloatSlider(
                value=value, min=self._ranges[name][0], max=self._ranges[name][1], step=0.1,
                description=labels[name], readout_format=".1f", continuous_update=True,
                layout=widgets.Layout(width="300px"),
            )
            for name, value in self._defaults.items()
        }  # fmt: skip

    def _build_figure(self, figure):
        d = self._defaults
        f, tensors = circuit_autograd((d["x0"], d["x1"]), (d["w0"], d["w1"]), d["b"])
        self.drawing = draw_graph(f, ax=figure.add_axes((0, 0, 1, 1)), names=tensors)
        self.animate(*self.drawing.texts)

    def compute(self):
        v = self.values()
        x, w = (v["x0"], v["x1"]), (v["w0"], v["w1"])
        trace = sigmoid_circuit(list(x), list(w), v["b"])  # ValueError when e^{−z} overflows: a message
        output, tensors = circuit_autograd(x, w, v["b"])
        return CircuitState(x=x, w=w, b=v["b"], trace=trace, output=output, tensors=tensors)

    def _draw(self, state):
        self.drawing.update_from(state.output, state.tensors)

    def _readout(self, state):
        head = ("gate", "forward value", "local gradient", "upstream ∂f/∂(output)", "upstream × local")
        style = "padding:1px 12px 1px 0;text-align:left"
        rows = [f"<tr>{''.join(f'<th style={style!r}>{h}</th>' for h in head)}</tr>"]
        rows += [
            f"<tr>{''.join(f'<td style={style!r}>{c}</td>' for c in row)}</tr>"
            for row in gate_rows(state.trace, state.x, state.w)
        ]
        f = float(state.trace.f)
        return (
            "<div style='font-family:monospace;font-size:12px;line-height:1.35'>"
            f"<table style='border-collapse:collapse'>{''.join(rows)}</table>"
            f"σ′(z) = σ(1 − σ) = {format_number(f * (1 - f))}  (check: ∂f/∂z above)</div>"
        )

    def _check(self, state):
        t = state.trace
        if float(t.df_dz) != 0.0:
            return ""
        exact = sigmoid_grad(t.z.detach().to(torch.float64)).item()  # σ′(z) in float64: > 0 for z > −745
        if exact == 0.0:
            return ""
        z, h, f = float(t.z), float(t.h), float(t.f)
        graph = state.tensors["z"].grad.item()  # autograd's ∂f/∂z, the label of the graph's z box
        hand = f"h² overflows float32 (h = {_sci(h)}), so ∂f/∂h = −1/h² and every gradient behind it are 0"
        if graph == 0.0:
            return (
                f"⚠ z = {_sci(z, fixed=True)}: by hand, {hand} (z below {_sci(HAND_GRADIENT_LIMIT, fixed=True)}); "
                f"autograd's ∂f/∂h = −f² has underflowed too (z below {_sci(AUTOGRAD_GRADIENT_LIMIT, fixed=True)}), "
                f"although σ′(z) = σ(1 − σ) = {_sci(exact)}."
            )
        off = abs(graph - exact) / exact
        few_digits = f" (f² is subnormal in float32 here: off by {off:.0%})" if off > 0.01 else ""
        return (
            f"⚠ z = {_sci(z, fixed=True)}: the graph (autograd) and the table (by hand) disagree, hidden by their "
            f"4 decimals. The table: {hand}. The graph: autograd writes ∂f/∂h = −f² through the small output "
            f"f = {_sci(f)}, so its ∂f/∂z = {_sci(graph)}{few_digits}; σ′(z) = σ(1 − σ) = {_sci(exact)}."
        )


def _sci(value, fixed=False):
    """3-digit scientific (or 2 fixed decimals) with the U+2212 minus of the read-out."""
    return (f"{value:.2f}" if fixed else f"{value:.3e}").replace("-", "−")
