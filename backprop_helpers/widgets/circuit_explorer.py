"""Explorer of notebook 03: the sigmoid neuron as gates, its computation graph labelled with values and gradients.

The gates are the source notebook's staging (notebook 03, § "The sigmoid as four gates"):

    z = w₀x₀ + w₁x₁ + b,   k = e^{−z},   h = 1 + k,   f = 1/h.

A control change calls the package's ``sigmoid_circuit`` (the hand formulas: every local and upstream gradient),
builds the same gates from autograd leaves (``circuit_autograd``) and relabels the drawn graph in place (the same
figure, the same Text artists); each arrow carries what flows back along it (upstream × local); the read-out is
the gate table, local and upstream gradients side by side.

Step-through: "backward step" shows the backward pass one node at a time, from the output to the inputs (the
graph's reverse topological order): the current node is outlined, the nodes not reached yet read ``∂ ?``, and
so do their cells of the gate table. "reset backward" clears every gradient (the forward pass alone). The run
history is the number of nodes reached, ``None`` for the complete backward pass: a slider move shows the new
complete pass (effect "restart"), and the next step starts again from the output.

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
from backprop_helpers.graph import read_graph
from backprop_helpers.plotting.graph_drawing import draw_graph
from backprop_helpers.plotting.number_text import format_number
from backprop_helpers.widgets.controls import Button, Slider
from backprop_helpers.widgets.explorer import Explorer
from backprop_helpers.widgets.readout import escape, lines, num, sci, table

__all__ = ["CircuitExplorer", "CircuitState", "gate_rows"]

X_RANGE = (-10.0, 10.0)
W_RANGE = (-5.0, 5.0)
B_RANGE = (-5.0, 5.0)
STEP = 0.1  # every slider's grid; exercise 03 asks off it (tests/test_exercises_chain_rule.py)
FEW_DIGITS = 0.01  # autograd's ∂f/∂z off σ′(z) by more than this (relative): f² is subnormal, say so


# Each node of the drawn graph, the one node it feeds and the local gradient ∂(that node)/∂(this one) (as text,
# and its value from the state's tensors): what a backward step multiplies the upstream gradient by. f feeds
# nothing: its ∂f/∂f = 1 starts the pass.
LOCALS = {
    "h": ("f", "(−1/h²)", lambda t: -1 / t["h"] ** 2),
    "k": ("h", "1", lambda t: 1.0),
    "−z": ("k", "e^(−z)", lambda t: t["k"]),
    "z": ("−z", "(−1)", lambda t: -1.0),
    "b": ("z", "1", lambda t: 1.0),
    "w·x": ("z", "1", lambda t: 1.0),
    "w₁x₁": ("w·x", "1", lambda t: 1.0),
    "w₀x₀": ("w·x", "1", lambda t: 1.0),
    "x₁": ("w₁x₁", "w₁", lambda t: t["w₁"]),
    "w₁": ("w₁x₁", "x₁", lambda t: t["x₁"]),
    "x₀": ("w₀x₀", "w₀", lambda t: t["w₀"]),
    "w₀": ("w₀x₀", "x₀", lambda t: t["x₀"]),
}


def _d(name):
    """∂ of a node name, in parentheses where it is more than a symbol: ∂k, ∂(−z), ∂(w·x)."""
    return f"∂{name}" if len(name) <= 2 and not name.startswith("−") else f"∂({name})"


def _factor(value):
    text = format_number(value)
    return f"({text})" if text.startswith("−") else text


def _slider(label, low_high, default):
    return Slider(label, *low_high, STEP, default, fmt=".1f", width="300px", effect="restart")


@dataclass(frozen=True)
class CircuitState:
    """What the explorer shows: the inputs, the hand trace and the autograd graph of the same gates, and how far
    the step-through of the backward pass has come."""

    x: tuple
    w: tuple
    b: float
    trace: CircuitTrace
    output: torch.Tensor  # f of the autograd graph
    tensors: dict  # name → tensor of that graph (with .grad retained)
    order: tuple = ()  # the node names in backward order, output first
    steps: int | None = None  # nodes reached by the step-through; None: the complete backward pass

    @property
    def known(self):
        """The names whose gradient is shown: all of them, or the first ``steps`` of ``order``."""
        return frozenset(self.order if self.steps is None else self.order[: self.steps])

    @property
    def current(self):
        """The node the last backward step reached (None before the first and for the complete pass)."""
        return self.order[self.steps - 1] if self.steps else None


def gate_rows(trace, x, w, known=None):
    """The gate table, output gate first, as strings with 4 decimals: (gate, forward value, local gradient,
    upstream gradient ∂f/∂(output), upstream × local = ∂f/∂(input)). The z gate has one row per input.

    Numbers are written by ``format_number``, as the graph's boxes are: table and graph print the same digits.
    ``known``: the names (``"f"``, ``"h"``, ``"k"``, ``"z"``, ``"w₀"``…) whose gradient a backward pass has
    reached; the others read ``?`` (None: all known). The local gradients are known from the forward pass.
    """

    def num(value):
        return format_number(float(value))

    def grad(name, value):
        return f"∂f/∂{name} = {num(value) if known is None or name in known else '?'}"

    t = trace
    rows = [
        ("f = 1/h", f"f = {num(t.f)}", f"∂f/∂h = −1/h² = {num(t.df_dh)}",
         "∂f/∂f = " + ("1" if known is None or "f" in known else "?"), grad("h", t.df_dh)),
        ("h = 1 + k", f"h = {num(t.h)}", f"∂h/∂k = {num(t.dh_dk)}", grad("h", t.df_dh), grad("k", t.df_dk)),
        ("k = e^(−z)", f"k = {num(t.k)}", f"∂k/∂z = −k = {num(t.dk_dz)}", grad("k", t.df_dk),
         grad("z", t.df_dz)),
    ]  # fmt: skip
    # z = w₀x₀ + w₁x₁ + b: ∂z/∂wᵢ = xᵢ, ∂z/∂b = 1, ∂z/∂xᵢ = wᵢ
    inputs = [
        ("w₀", "x₀", x[0], t.df_dw[0]), ("w₁", "x₁", x[1], t.df_dw[1]), ("b", "1", 1.0, t.df_db),
        ("x₀", "w₀", w[0], t.df_dx[0]), ("x₁", "w₁", w[1], t.df_dx[1]),
    ]  # fmt: skip
    for i, (name, local_name, local, value) in enumerate(inputs):
        local_text = f"∂z/∂{name} = 1" if local_name == "1" else f"∂z/∂{name} = {local_name} = {num(local)}"
        first = i == 0
        rows.append(
            (
                "z = w·x + b" if first else "",
                f"z = {num(t.z)}" if first else "",
                local_text,
                grad("z", t.df_dz) if first else "",
                grad(name, value),
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
    Buttons "backward step" (``.step()``: one more node of the backward pass, from the output; after the last,
    or from the complete pass, it starts again at the output) and "reset backward" (``.reset_backward()``: no
    gradient known). ``.state`` is a ``CircuitState``; ``.drawing`` the ``GraphDrawing`` whose value, gradient
    and edge texts are updated in place.
    """

    figsize = (11.1, 3.6)  # wide enough for the edge labels at the boxes' 8 points
    readout_width = "100%"
    readout_below = True  # the graph is wide: the gate table goes below it rather than beside it
    controls_spec = {  # noqa: RUF012 (a declaration, never mutated)
        "x0": _slider("x₀", X_RANGE, 1.0),
        "x1": _slider("x₁", X_RANGE, 2.0),
        "w0": _slider("w₀", W_RANGE, 0.5),
        "w1": _slider("w₁", W_RANGE, -0.3),
        "b": _slider("b", B_RANGE, 0.1),
        "step": Button("backward step", "step", tooltip="one more node of the backward pass", primary=True,
                       width="130px"),
        "reset_backward": Button("reset backward", "reset_backward", tooltip="forget every gradient",
                                 width="130px"),
    }  # fmt: skip
    layout = (("x0", "x1", "w0", "w1", "b"), ("step", "reset_backward"))

    def __init__(self, x=(1.0, 2.0), w=(0.5, -0.3), b=0.1):
        (x0, x1), (w0, w1) = _pair(x, "x"), _pair(w, "w")
        super().__init__(x0=x0, x1=x1, w0=w0, w1=w1, b=b)

    def start_history(self, values):
        return None  # the complete backward pass, as f.backward() leaves it

    def model(self, values, history):
        x, w, b = (values["x0"], values["x1"]), (values["w0"], values["w1"]), values["b"]
        trace = sigmoid_circuit(list(x), list(w), b)  # ValueError when e^{−z} overflows: a message
        output, tensors = circuit_autograd(x, w, b)
        nodes, _ = read_graph(output, tensors)
        order = tuple(node.name for node in reversed(nodes))  # the walk lists a node after its inputs
        return CircuitState(x=x, w=w, b=b, trace=trace, output=output, tensors=tensors, order=order,
                            steps=history)  # fmt: skip

    def step(self):
        """One more node of the backward pass (the first, the output, after the last or the complete pass);
        returns the state."""
        n = len(self.state.order)
        self.history = 1 if self.history is None or self.history >= n else self.history + 1
        return self.update()

    def reset_backward(self):
        """No gradient known yet: the forward pass alone, the next step starts at the output; returns the state."""
        self.history = 0
        return self.update()

    def _build_figure(self, figure):
        d = self.defaults()
        f, tensors = circuit_autograd((d["x0"], d["x1"]), (d["w0"], d["w1"]), d["b"])
        self.drawing = draw_graph(f, ax=figure.add_axes((0, 0, 1, 1)), names=tensors, edge_labels=True)
        self.animate(*self.drawing.dynamic_artists)

    def _draw(self, state):
        self.drawing.update_from(state.output, state.tensors)
        index = {node.name: i for i, node in enumerate(self.drawing.nodes)}
        known = None if state.steps is None else [index[name] for name in state.known]
        current = None if state.current is None else index[state.current]
        self.drawing.show_gradients(known=known, current=current)

    def _step_line(self, state):
        """What the last backward step did, as upstream × local (or where the step-through stands)."""
        n = len(state.order)
        if state.steps is None:
            return "backward pass complete (as f.backward() leaves it): “backward step” goes through it node by node"
        if state.steps == 0:
            return f"forward pass only: no gradient known yet (0 of {n} nodes); “backward step” starts at f"
        name, t = state.current, state.tensors
        head = f"backward step {state.steps} of {n}: "
        if name not in LOCALS:
            return head + "∂f/∂f = 1, the backward pass starts at the output"
        consumer, local_text, local = LOCALS[name]
        upstream, value = t[consumer].grad.item(), t[name].grad.item()
        local_value = float(local({key: tensor.item() for key, tensor in t.items()}))
        end = " — every input reached" if state.steps == n else ""
        return (f"{head}∂f/{_d(name)} = ∂f/{_d(consumer)} × {local_text} = {_factor(upstream)} × "
                f"{_factor(local_value)} = {format_number(value)} (upstream × local){end}")  # fmt: skip

    def _readout(self, state):
        head = ("gate", "forward value", "local gradient", "upstream ∂f/∂(output)", "upstream × local")
        f = float(state.trace.f)
        known = None if state.steps is None else state.known
        return lines(
            escape(self._step_line(state)),
            table(gate_rows(state.trace, state.x, state.w, known=known), head=head),
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
