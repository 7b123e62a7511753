"""The computation graph of a tensor, read from ``grad_fn``: its nodes (op, name, value, gradient) and edges.

Autograd records, for every tensor that needs a gradient, the backward node that made it (``t.grad_fn``,
e.g. ``MulBackward0``) and, through ``next_functions``, the nodes of its inputs; a leaf tensor appears as an
``AccumulateGrad`` node whose ``.variable`` is the leaf itself. ``read_graph`` walks that structure, then names
its nodes after the tensors it is given. ``draw_graph`` (``backprop_helpers.plotting.graph_drawing``) lays the
nodes out and draws them; it is importable from here too, loaded on first use, so that reading a graph does not
import matplotlib. Used in notebook 02 and notebook 03 (§ "The graph autograd records" in both).

What a node knows: the value of a leaf, of the read tensor itself and of every tensor passed in ``names``
(autograd keeps the op of an intermediate, not its value); the gradient of a leaf (``.grad``) and of a tensor
that called ``retain_grad()`` before ``backward()``. Anything else is ``None``. Inputs that need no gradient
(the constant 1 in ``1 + k``, tensors without ``requires_grad``) are not part of the graph.

A ``backprop_helpers.engine.Value`` graph (notebook 06) is read into the same GraphNodes, with torch's op names
(``"mul"``, ``"pow"``, ...), so that it is drawn and relabelled by the same code: there every node knows its
value, its gradient (``Value.grad``, 0.0 before ``backward()``) and its local gradients; a number in an op
(the 2 in ``2 * v``) is a leaf of the graph, and a node's name is its ``label`` unless ``names`` gives one.
"""

import importlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from backprop_helpers.engine import Value, topological_order

if TYPE_CHECKING:  # for readers and linters; at run time ``__getattr__`` below loads it on first use
    from backprop_helpers.plotting.graph_drawing import draw_graph

__all__ = ["GraphNode", "read_graph", "draw_graph"]

# Readable names for the ops of the notebooks; any other op shows its name ("sigmoid", "mm", ...).
OP_SYMBOLS = {
    "mul": "×", "add": "+", "sub": "−", "div": "÷", "neg": "neg", "reciprocal": "1/(·)", "exp": "exp",
    "log": "log", "sigmoid": "σ", "sum": "Σ", "mm": "@", "pow": "(·)^n",
}  # fmt: skip
SUPERSCRIPTS = str.maketrans("-0123456789.", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹·")
# A Value's op as torch names it, so that both graphs share the symbols above and the drawing code.
VALUE_OPS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "neg": "neg"}


@dataclass
class GraphNode:
    """One node: a leaf tensor (``op == "leaf"``) or an op, with the tensor it produced where that is known.

    ``value`` and ``grad`` are floats for one-element tensors, detached tensors otherwise, ``None`` when not
    known (see the module docstring).
    """

    op: str
    symbol: str
    fn: object  # the grad_fn (an AccumulateGrad node for a leaf; None for a leaf read on its own)
    name: str = None
    tensor: torch.Tensor = None
    value: object = None
    grad: object = None
    local_grads: tuple = None  # ∂node/∂input per input edge, in edge order: known for a Value graph only

    @property
    def title(self):
        """The leaf's name, or ``name = symbol`` for an op (the symbol alone when it has no name)."""
        if self.op == "leaf":
            return self.name or "leaf"
        return f"{self.name} = {self.symbol}" if self.name else self.symbol


def _op_name(fn):
    op = re.sub(r"Backward\d*$", "", type(fn).__name__).lower()
    return op or type(fn).__name__


def _symbol(op, fn):
    if op == "pow":
        exponent = getattr(fn, "_saved_exponent", None)  # set when the exponent is a number
        if isinstance(exponent, (int, float)):
            return _power_symbol(exponent)
    return OP_SYMBOLS.get(op, op)


def _power_symbol(exponent):
    return "(·)" + f"{exponent:g}".translate(SUPERSCRIPTS)


def _as_number(tensor):
    tensor = tensor.detach()
    return float(tensor.item()) if tensor.numel() == 1 else tensor.clone()


def _grad_of(tensor):
    # Reading .grad of a non-leaf that did not retain_grad() warns; it is None anyway.
    if tensor.is_leaf or tensor.retains_grad:
        return None if tensor.grad is None else _as_number(tensor.grad)
    return None


def _walk(root_fn):
    """Nodes depth-first from ``root_fn``, inputs in ``next_functions`` order, so the output comes last; edges
    (i, j): node i feeds node j (twice if j uses it twice)."""
    index, nodes, edges = {}, [], []  # index: id(fn) → position; each node holds its fn, so no id is reused

    def visit(fn):
        if id(fn) not in index:
            inputs = [visit(child) for child, _ in getattr(fn, "next_functions", ()) if child is not None]
            leaf = getattr(fn, "variable", None)
            op = "leaf" if leaf is not None else _op_name(fn)
            index[id(fn)] = len(nodes)
            nodes.append(GraphNode(op=op, symbol=_symbol(op, fn), fn=fn, tensor=leaf))
            edges.extend((i, index[id(fn)]) for i in inputs)
        return index[id(fn)]

    visit(root_fn)
    return nodes, edges


def _name(nodes, names):
    """Match each named tensor to its node (a leaf by ``node.tensor is t``, an op by ``t.grad_fn is node.fn``),
    then read the value and gradient of every node whose tensor is known."""
    missing = []
    for name, t in names.items():
        fn = t.grad_fn  # the walked nodes hold their fns, so this is the very object the walk met
        node = next((n for n in nodes if (n.tensor is t if fn is None else n.fn is fn)), None)
        if node is None:
            missing.append(name)
        else:
            node.name, node.tensor = name, t
    if missing:
        raise ValueError(f"names {missing} are not tensors of this graph (a constant, or from another run?)")
    for node in nodes:
        if node.tensor is not None:
            node.value, node.grad = _as_number(node.tensor), _grad_of(node.tensor)


def _walk_values(root, names):
    """The GraphNodes and edges of a Value graph, in ``topological_order`` (the order ``_walk`` gives a torch
    graph: inputs first, the output last); a node is named by ``names`` (matched by identity), else its label."""
    order = topological_order(root)
    index = {id(v): k for k, v in enumerate(order)}
    given = {id(v): name for name, v in names.items()}
    missing = [name for name, v in names.items() if id(v) not in index]
    if missing:
        raise ValueError(f"names {missing} are not Values of this graph")
    nodes, edges = [], []
    for k, v in enumerate(order):
        if v._prev:
            op, exponent = (v._op, None) if not v._op.startswith("**") else ("pow", float(v._op[2:]))
            op = VALUE_OPS.get(op, op)
            symbol = _power_symbol(exponent) if op == "pow" else OP_SYMBOLS.get(op, op)
            local_grads = tuple(v._local_grads)
        else:
            op, symbol, local_grads = "leaf", "leaf", None
        name = given.get(id(v), v.label) or None
        nodes.append(GraphNode(op, symbol, None, name, v, v.data, v.grad, local_grads))
        edges.extend((index[id(operand)], k) for operand in v._prev)
    return nodes, edges


def read_graph(tensor, names=None):
    """The nodes and edges of ``tensor``'s graph, walked from ``tensor.grad_fn`` through ``next_functions``
    (from ``_prev`` for a ``Value``).

    Parameters
    ----------
    tensor : torch.Tensor or Value
        The output; a tensor must require grad.
    names : dict, optional
        Display names, name → tensor (``{"w0": w0, "z": z}``). A named intermediate is matched to its node by
        ``t.grad_fn is node.fn`` and lends it its value and retained gradient. For a Value graph, name → Value
        (the labels are the default names).

    Returns
    -------
    nodes : list of GraphNode, the output last
    edges : list of (i, j): node i feeds node j (twice if it is used twice)
    """
    if not isinstance(tensor, (torch.Tensor, Value)):
        raise TypeError(f"tensor must be a torch.Tensor or a Value; got {type(tensor).__name__}")
    if isinstance(tensor, torch.Tensor) and not tensor.requires_grad:
        raise ValueError("tensor has no computation graph (requires_grad=False): nothing to read")
    names = {} if names is None else names
    if not isinstance(names, dict):
        raise TypeError(
            f'names must be a dict of display name -> tensor ({{"x": x}}); got {type(names).__name__}'
        )
    kind, kind_name = (torch.Tensor, "tensor") if isinstance(tensor, torch.Tensor) else (Value, "Value")
    for key, value in names.items():
        if not (isinstance(key, str) and isinstance(value, kind)):
            raise TypeError(
                f'names must map display name -> {kind_name} ({{"x": x}}); got {type(key).__name__} -> '
                f"{type(value).__name__}"
            )
    if isinstance(tensor, Value):
        return _walk_values(tensor, names)
    if tensor.grad_fn is None:  # the tensor is itself a leaf
        nodes, edges = [GraphNode(op="leaf", symbol="leaf", fn=None, tensor=tensor)], []
    else:
        nodes, edges = _walk(tensor.grad_fn)
        nodes[-1].tensor = tensor
    _name(nodes, names)
    return nodes, edges


def __getattr__(name):
    # PEP 562: draw_graph lives with the figures; importing it here at load time would import matplotlib.
    if name == "draw_graph":
        return importlib.import_module("backprop_helpers.plotting.graph_drawing").draw_graph
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
