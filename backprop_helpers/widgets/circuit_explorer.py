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

import torch

from backprop_helpers._inputs import as_float_tensor
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
from backprop_helpers.widgets.controls import Slider
from backprop_helpers.widgets.explorer import Explorer
from backprop_helpers.widgets.readout import lines, num, sci, table

__all__ = ["CircuitExplorer", "CircuitState", "gate_rows"]

X_RANGE = (-10.0, 10.0)
W_RANGE = (-5.0, 5.0)
B_RANGE = (-5.0, 5.0)
STEP = 0.1  # every slider's grid; exercise 03 asks off it (tests/test_exercises_chain_rule.py)
FEW_DIGITS = 0.01  # autograd's ∂f/∂z off σ′(z) by more than this (relative): f² is subnormal, say so


def _slider(label, low_high, default):
    return Slider(label, *low_high, STEP, default, fmt=".1f", width="300px")


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
    upstream gradient ∂f/∂(output), upstream × local = ∂f/∂(input)). The z gate has one row per input.

    Numbers are written by ``format_number``, as the graph's boxes are: table and graph print the same digits.
    """

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


def _pair(value, name):
    """Two numbers (x or w of the neuron) as Python floats, or a ValueError naming ``name``."""
    shape = tuple(as_float_tensor(value, name).shape)  # real, finite numbers, or a TypeError/ValueError
    if shape != (2,):
        raise ValueError(f"{name} must hold two numbers; got shape {shape}")
    return tuple(float(v) for v in value)  # as given: a float32 copy would move 0.1 off the slider's grid


class CircuitExplorer(Explorer):
    """Sliders for x₀, x₁, w₀, w₁, b; the labelled computation graph and the gate table follow them.

    Defaults are the source notebook's: x = (1, 2), w = (0.5, −0.3), b = 0.1 (each on its slider's 0.1 grid).
    ``.state`` is a ``CircuitState``; ``.drawing`` the ``GraphDrawing`` whose value and gradient texts are
    updated in place.
    """

    figsize = (9.45, 3.6)
    readout_width = "100%"
    readout_below = True  # the graph is wide: the gate table goes below it rather than beside it
    controls_spec = {  # noqa: RUF012 (a declaration, never mutated)
        "x0": _slider("x₀", X_RANGE, 1.0),
        "x1": _slider("x₁", X_RANGE, 2.0),
        "w0": _slider("w₀", W_RANGE, 0.5),
        "w1": _slider("w₁", W_RANGE, -0.3),
        "b": _slider("b", B_RANGE, 0.1),
    }
    layout = (("x0", "x1", "w0", "w1", "b"),)

    def __init__(self, x=(1.0, 2.0), w=(0.5, -0.3), b=0.1):
        (x0, x1), (w0, w1) = _pair(x, "x"), _pair(w, "w")
        super().__init__(x0=x0, x1=x1, w0=w0, w1=w1, b=b)

    def model(self, values, history):
        x, w, b = (values["x0"], values["x1"]), (values["w0"], values["w1"]), values["b"]
        trace = sigmoid_circuit(list(x), list(w), b)  # ValueError when e^{−z} overflows: a message
        output, tensors = circuit_autograd(x, w, b)
        return CircuitState(x=x, w=w, b=b, trace=trace, output=output, tensors=tensors)

    def _build_figure(self, figure):
        d = self.defaults()
        f, tensors = circuit_autograd((d["x0"], d["x1"]), (d["w0"], d["w1"]), d["b"])
        self.drawing = draw_graph(f, ax=figure.add_axes((0, 0, 1, 1)), names=tensors)
        self.animate(*self.drawing.texts)

    def _draw(self, state):
        self.drawing.update_from(state.output, state.tensors)

    def _readout(self, state):
        head = ("gate", "forward value", "local gradient", "upstream ∂f/∂(output)", "upstream × local")
        f = float(state.trace.f)
        return lines(
            table(gate_rows(state.trace, state.x, state.w), head=head),
            f"σ′(z) = σ(1 − σ) = {format_number(f * (1 - f))}  (check: ∂f/∂z above)",
        )

    def _warnings(self, state):
        t = state.trace
        if float(t.df_dz) != 0.0:
            return []
        exact = sigmoid_grad(t.z.detach().to(torch.float64)).item()  # σ′(z) in float64: > 0 for z > −745
        if exact == 0.0:
            return []
        z, h, f = float(t.z), float(t.h), float(t.f)
        graph = state.tensors["z"].grad.item()  # autograd's ∂f/∂z, the label of the graph's z box
        hand = f"h² overflows float32 (h = {sci(h, 4)}), so ∂f/∂h = −1/h² and every gradient behind it are 0"
        if graph == 0.0:
            return [
                f"z = {num(z, 2)}: by hand, {hand} (z below {num(HAND_GRADIENT_LIMIT, 2)}); autograd's "
                f"∂f/∂h = −f² has underflowed too (z below {num(AUTOGRAD_GRADIENT_LIMIT, 2)}), although "
                f"σ′(z) = σ(1 − σ) = {sci(exact, 4)}."
            ]
        off = abs(graph - exact) / exact
        few_digits = f" (f² is subnormal in float32 here: off by {off:.0%})" if off > FEW_DIGITS else ""
        return [
            f"z = {num(z, 2)}: the graph (autograd) and the table (by hand) disagree, hidden by their "
            f"4 decimals. The table: {hand}. The graph: autograd writes ∂f/∂h = −f² through the small output "
            f"f = {sci(f, 4)}, so its ∂f/∂z = {sci(graph, 4)}{few_digits}; σ′(z) = σ(1 − σ) = {sci(exact, 4)}."
        ]
