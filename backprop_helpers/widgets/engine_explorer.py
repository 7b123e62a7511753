"""Explorer of notebook 06: the ``Value`` engine's backward pass, one node per click, on a few small expressions.

Choose an expression (a fork among them), move its inputs with the sliders x, w and b (each expression says which
it uses; the others are greyed out), and step the backward pass: "backward: one node" processes the next node in
reverse topological order (``engine.topological_order``, the output first), as ``Value.backward()`` does —
that node's gradient is complete (every use of it has sent its share), it is outlined, and it sends upstream ×
local along each of its input edges (the arrows' labels). A node used twice receives two contributions; the
read-out's last column shows each as it arrives ("1 of 2", "2 of 2"), and when the node's own turn comes its
gradient is their sum, e.g. ``∂f/∂x = 1.0000 + (−3.0000) = −2.0000``: the ``+=`` of the multivariable chain rule.
"backward: all" finishes the pass, "zero grad" forgets every gradient (the forward pass kept, as
``zero_grad()``), "reset" goes back to the defaults.

The run history is the number of nodes processed, 0 … n; the model builds the expression from the slider
values and replays that many steps (``backward_steps``), so it is a pure function of values and history. A
slider move keeps the step position (effect "update": the same graph with new numbers, the same node outlined);
choosing another expression puts the sliders at that expression's values and starts at 0 again (effect
"restart"). Once the pass is complete its two buttons are greyed out (``.step()`` then changes nothing) and
"zero grad" starts it again (a second backward() would add onto the first, which this explorer does not show).
The state's Values hold ``root.backward()``'s gradients from the start; what the pass has not reached yet is
shown as ``?`` (graph and table), and "every grad 0" is the engine before its pass, not those Values.

Slider ranges: x ∈ [−8, 8], w, b ∈ [−3, 3], on a 0.1 grid. Then z = w·x + b ∈ [−27, 27], so 1 − σ(z) ≥ 1.8e−12
> 0 and the BCE neuron's log is always defined, e^(−z) ≤ e²⁷ is finite, and every number in the read-out is
finite; a ValueError of the engine would still be a message, not a traceback.
"""

from collections import Counter
from dataclasses import dataclass

import numpy as np

from backprop_helpers.engine import Value, topological_order
from backprop_helpers.plotting.graph_drawing import draw_graph
from backprop_helpers.plotting.number_text import format_number
from backprop_helpers.widgets.controls import Button, Choice, Slider
from backprop_helpers.widgets.explorer import Explorer
from backprop_helpers.widgets.readout import escape, lines, table

__all__ = ["EngineExplorer", "EngineState", "Expression", "EXPRESSIONS", "backward_steps"]

INPUTS = ("x", "w", "b")  # the sliders, named after the roles they play: input, weight, bias
STEP = 0.1


def _const(number):
    """A constant as a labelled leaf (the engine wraps a bare number the same way, without the label)."""
    return Value(number, label=f"{number:g}")


def _named(value, label):
    value.label = label
    return value


def _fork(x, w, b):
    p = _named(w * x, "p")
    q = _named(x + b, "q")  # x is used twice: by p = w·x and here
    return _named(p + q, "f")


def _twice(x, w, b):
    return _named(x + x, "f")  # _prev == (x, x): one node, two uses


def _square_chain(x, w, b):
    u = _named(x**2, "u")
    two_u = _named(_const(2.0) * u, "2u")
    u_squared = _named(u**2, "u²")  # u is used twice: by 2u and by u²
    return _named(two_u + u_squared, "v")


def _bce_neuron(x, w, b):
    z = _named(_named(w * x, "p") + b, "z")
    y_hat = _named(z.sigmoid(), "ŷ")
    complement = _named(_const(1.0) - y_hat, "1 − ŷ")  # ≥ 1.8e−12 on the sliders' ranges (module docstring)
    return _named(-_named(complement.log(), "log(1−ŷ)"), "L")


def _sigmoid_gates(x, w, b):
    z = _named(_named(w * x, "p") + b, "z")
    k = _named(_named(-z, "−z").exp(), "k")
    h = _named(_const(1.0) + k, "h")
    return _named(_const(1.0) / h, "f")


def _tanh_neuron(x, w, b):
    z = _named(_named(w * x, "p") + b, "z")
    return _named(z.tanh(), "f")


@dataclass(frozen=True)
class Expression:
    """One choice of the drop-down: its label, how it is staged into ops, the sliders it uses and their start."""

    label: str
    staging: str
    build: object  # (x, w, b) → the output Value; each node labelled
    start: dict  # slider name → value when the expression is chosen (the source notebook's numbers)

    @property
    def uses(self):
        return tuple(self.start)


EXPRESSIONS = {
    "fork": Expression("fork: f = w·x + (x + b)", "p = w·x, q = x + b, f = p + q: x is used twice", _fork,
                       {"x": 2.0, "w": -3.0, "b": 1.0}),
    "twice": Expression("fork: f = x + x", "f = x + x: one op uses x twice", _twice, {"x": 3.0}),
    "02 chain": Expression("02: v = 2u + u², u = x²", "u = x², 2u = 2·u, u² = u², v = 2u + u²: u is used twice "
                           "(the source notebook's z = 2y + y², y = x²)", _square_chain, {"x": 2.0}),
    "02 bce": Expression("02: BCE neuron, target 0", "p = w·x, z = p + b, ŷ = σ(z), 1 − ŷ, log(1 − ŷ), "
                         "L = −log(1 − ŷ) (the BCE of target 0)", _bce_neuron, {"x": 6.7, "w": 1.0, "b": 0.0}),
    "03 gates": Expression("03: σ as gates", "p = w·x, z = p + b, k = e^(−z), h = 1 + k, f = 1/h "
                           "(03's circuit, its input x₀ folded into b)", _sigmoid_gates,
                           {"x": 2.0, "w": -0.3, "b": 0.6}),
    "tanh": Expression("tanh neuron", "p = w·x, z = p + b, f = tanh z", _tanh_neuron,
                       {"x": 1.5, "w": 0.8, "b": -0.4}),
}  # fmt: skip
DEFAULT = "fork"


def backward_steps(root, steps):
    """The first ``steps`` node steps of ``root.backward()``: the backward order and what each node has received.

    ``Value.backward()`` seeds ∂root/∂root = 1 and walks ``topological_order(root)`` in reverse; each node, its
    upstream gradient complete, sends upstream × local to each operand (``+=``: an operand used twice receives
    twice). Here the walk stops after ``steps`` nodes, and each node's contributions are kept apart, in the
    order the engine adds them, so their sum is bitwise the engine's gradient once every user has sent its share.

    Returns
    -------
    order : tuple of Value, the root first (reverse topological order)
    received : tuple of tuples, one per node of ``order``: (position of the sender in ``order``, upstream ×
        local) for each contribution so far; the root's is (None, 1.0), the seed
    """
    order = tuple(reversed(topological_order(root)))
    position = {id(node): i for i, node in enumerate(order)}
    received = [[] for _ in order]
    received[0].append((None, 1.0))  # ∂root/∂root = 1
    for i, node in enumerate(order[:steps]):
        upstream = sum(c for _, c in received[i])  # complete: every user of node comes earlier in order
        for operand, local in zip(node._prev, node._local_grads, strict=True):
            received[position[id(operand)]].append((i, local * upstream))  # upstream × local; += at a fork
    return order, tuple(tuple(r) for r in received)


@dataclass(frozen=True)
class EngineState:
    """What the explorer shows: the expression (its key), the inputs it uses, its graph (``root``, every node's
    ``.grad`` set by ``root.backward()``), the backward order and how far the step-through has come."""

    expression: str
    inputs: dict  # slider name → value, the sliders the expression uses
    root: Value
    order: tuple  # the nodes, root first (reverse topological order)
    received: tuple  # per node of order: (sender position, contribution) so far (see backward_steps)
    uses: tuple  # per node of order: the contributions a complete pass sends it (its uses; the root: 1, the seed)
    steps: int  # nodes processed, 0 … len(order)

    @property
    def current(self):
        """The node processed last (None before the first step)."""
        return self.order[self.steps - 1] if self.steps else None

    def grad(self, i):
        """The gradient node ``order[i]`` has received so far: the sum of its contributions, in arrival order."""
        return sum(c for _, c in self.received[i])


def _name(node):
    return node.label or node._op


def _d(name):
    """∂ of a node name, in parentheses where it is more than a symbol: ∂x, ∂(2y), ∂(−z)."""
    return f"∂{name}" if len(name) == 1 else f"∂({name})"


def _factor(value):
    text = format_number(value)
    return f"({text})" if text.startswith("−") else text


def _slider(name, low_high):
    return Slider(name, *low_high, STEP, EXPRESSIONS[DEFAULT].start[name], fmt=".1f", width="260px")


class EngineExplorer(Explorer):
    """The backward pass of ``backprop_helpers.engine.Value``, step by step, on a chosen expression.

    ``EngineExplorer(expression="02 bce")`` starts on another expression (a key of ``EXPRESSIONS``), at that
    expression's slider values unless ``x``, ``w``, ``b`` are given. Buttons: "backward: one node" (``.step()``),
    "backward: all" (``.all()``), "zero grad" (``.zero_grad()``), "reset" (``.reset()``). ``.state`` is an
    ``EngineState``; ``.drawings`` maps each expression to its ``GraphDrawing`` (all drawn once, the chosen one
    shown), ``.drawing`` is the one shown.
    """

    figsize = (10.9, 3.6)  # the largest graphs (7 columns, 5 rows) at the boxes' 8 points
    readout_width = "100%"
    readout_below = True  # the graph is wide: the node table goes below it
    controls_spec = {  # noqa: RUF012 (a declaration, never mutated)
        "expression": Choice("expression", tuple(EXPRESSIONS), DEFAULT, effect="restart",
                             labels=tuple(e.label for e in EXPRESSIONS.values()), width="300px"),
        "x": _slider("x", (-8.0, 8.0)),
        "w": _slider("w", (-3.0, 3.0)),
        "b": _slider("b", (-3.0, 3.0)),
        "step": Button("backward: one node", "step", tooltip="process the next node of the backward pass",
                       primary=True, width="170px"),
        "all": Button("backward: all", "all", tooltip="finish the backward pass", width="120px"),
        "zero_grad": Button("zero grad", "zero_grad", tooltip="every grad back to 0; the forward pass is kept",
                            width="90px"),
        "reset": Button("reset", "reset", tooltip="the defaults", width="70px"),
    }  # fmt: skip
    layout = (("expression",), ("x", "w", "b"), ("step", "all", "zero_grad", "reset"))

    def __init__(self, expression=DEFAULT, **inputs):
        self.controls_spec["expression"].check(expression, "expression")  # a ValueError naming the choices
        super().__init__(expression=expression, **{**EXPRESSIONS[expression].start, **inputs})

    def start_history(self, values):
        return 0  # the forward pass alone: no node processed yet

    def model(self, values, history):
        expression = EXPRESSIONS[values["expression"]]
        inputs = {name: values[name] for name in expression.uses}
        leaves = {name: Value(values[name], label=name) for name in INPUTS}
        root = expression.build(**leaves)
        root.backward()  # the engine's own gradients, which the step-through reaches at its end
        order, received = backward_steps(root, history)
        count = Counter(id(operand) for node in order for operand in node._prev)  # with repetition: x + x
        uses = tuple(max(1, count[id(node)]) for node in order)  # the root is used by none: its 1 is the seed
        return EngineState(expression=values["expression"], inputs=inputs, root=root, order=order,
                           received=received, uses=uses, steps=history)  # fmt: skip

    # -- the buttons --------------------------------------------------------------------------------------

    def step(self):
        """Process one more node of the backward pass (nothing after the last); returns the state."""
        self.history = min(self.history + 1, len(self.state.order))
        return self.update()

    def all(self):
        """Finish the backward pass: every node processed, as ``root.backward()`` leaves it; returns the state."""
        self.history = len(self.state.order)
        return self.update()

    def zero_grad(self):
        """Every gradient back to 0 (``zero_grad()``), the forward pass kept; returns the state."""
        return self.restart()

    def _on_change(self, name, change):
        # Choosing an expression puts the sliders at its values (quietly: the base updates once, after)
        if name == "expression" and not self._writing and change["new"] != change["old"]:
            self.set_values(EXPRESSIONS[change["new"]].start)
        super()._on_change(name, change)

    # -- the figure ---------------------------------------------------------------------------------------

    def _build_figure(self, figure):
        self.drawings = {}
        for key, expression in EXPRESSIONS.items():
            root = expression.build(**{name: Value(0.5, label=name) for name in INPUTS})
            ax = figure.add_axes((0, 0, 1, 1))
            self.drawings[key] = draw_graph(root, ax=ax, edge_labels=True)
            self.animate(*self.drawings[key].dynamic_artists)
        # every column and row as large as in the largest graph: a small graph sits at the top left
        # (the data limits span the columns, and the rows with the legend's band: see draw_graph)
        spans = {key: (np.ptp(d.ax.get_xlim()), np.ptp(d.ax.get_ylim())) for key, d in self.drawings.items()}
        width, height = (max(span[k] for span in spans.values()) for k in (0, 1))
        for key, drawing in self.drawings.items():
            w, h = spans[key][0] / width, spans[key][1] / height
            drawing.ax.set_position((0, 1 - h, w, h))
        self._shown_expression = None

    def _show_expression(self, key):
        for other, drawing in self.drawings.items():
            visible = other == key
            drawing.ax.set_visible(visible)
            for artist in drawing.dynamic_artists:
                artist.set_visible(visible)
        self._shown_expression = key
        self.invalidate()

    @property
    def drawing(self):
        return self.drawings[self._shown_expression]

    def _draw(self, state):
        if state.expression != self._shown_expression:
            self._show_expression(state.expression)
        for name in INPUTS:  # the sliders this expression does not use are greyed out
            self.controls[name].disabled = name not in state.inputs
        for name in ("step", "all"):  # and the pass's buttons once it is complete
            self.controls[name].disabled = state.steps == len(state.order)
        drawing = self.drawing
        drawing.update_from(state.root)
        index = {id(node.tensor): i for i, node in enumerate(drawing.nodes)}
        known = [index[id(node)] for node in state.order[: state.steps]]
        current = None if state.current is None else index[id(state.current)]
        drawing.show_gradients(known=known, current=current)

    # -- the read-out -------------------------------------------------------------------------------------

    def _received_text(self, state, i):
        parts = [
            "1 (seed)" if sender is None else f"{_factor(c)} from {_name(state.order[sender])}"
            for sender, c in state.received[i]
        ]
        if not parts:
            return "—"
        text = " + ".join(parts)
        if state.uses[i] > 1:  # a fork: how many of its shares are in
            text += f"  ({len(parts)} of {state.uses[i]})"
        return text

    def _grad_sentence(self, state, i):
        """∂out/∂node as the sum of what it received: '∂f/∂x = −3.0000 + 1.0000 = −2.0000 (…)'."""
        out, name = _name(state.root), _name(state.order[i])
        contributions = [c for _, c in state.received[i]]
        total = format_number(state.grad(i))
        if i == 0:
            return f"∂{out}/∂{out} = 1 (the seed)"
        if len(contributions) == 1:
            return f"∂{out}/{_d(name)} = {total}"
        summed = " + ".join(_factor(c) for c in contributions)
        return (f"∂{out}/{_d(name)} = {summed} = {total}, one contribution per use of {name} "
                "(+= at a fork)")  # fmt: skip

    def _step_line(self, state):
        n, out = len(state.order), _name(state.root)
        if state.steps == 0:
            return (f"forward pass only, every grad 0 (0 of {n} nodes processed): “backward: one node” starts "
                    f"at {out} with ∂{out}/∂{out} = 1")  # fmt: skip
        i = state.steps - 1
        node = state.order[i]
        head = f"step {state.steps} of {n}: {self._grad_sentence(state, i)}"
        if node._prev:
            upstream = state.grad(i)
            sends = ", ".join(
                f"to {_name(operand)} {_factor(upstream)} × {_factor(local)} = {format_number(upstream * local)}"
                for operand, local in zip(node._prev, node._local_grads, strict=True)
            )
            head += f"; {_name(node)} sends upstream × local {sends}"
        else:
            head += f"; {_name(node)} is a leaf: it sends nothing"
        if state.steps == n:
            head += (
                f" — backward pass complete: these are {out}.backward()'s gradients; “zero grad” starts again"
            )
        return head

    def _uses_line(self, state):
        expression = EXPRESSIONS[state.expression]
        unused = [name for name in INPUTS if name not in state.inputs]
        sliders = ", ".join(f"{name} = {format_number(value, 1)}" for name, value in state.inputs.items())
        tail = f" ({' and '.join(unused)} not used)" if unused else ""
        return f"{expression.label}, staged as {expression.staging}; sliders {sliders}{tail}"

    def _readout(self, state):
        out = _name(state.root)
        rows = []
        for i, node in enumerate(state.order):
            mark = "▶" if i == state.steps - 1 else ("✓" if i < state.steps else "")
            op = node._op or ("input" if node.label in INPUTS else "constant")
            grad = format_number(state.grad(i)) if i < state.steps else "?"
            rows.append((mark, escape(_name(node)), escape(op), format_number(node.data), grad,
                         escape(self._received_text(state, i))))  # fmt: skip
        head = ("", "node", "op", "data", f"grad ∂{out}/∂node", "contributions received (upstream × local)")
        return lines(escape(self._uses_line(state)), escape(self._step_line(state)), table(rows, head=head))
