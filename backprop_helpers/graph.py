"""The computation graph of a tensor, read from ``grad_fn`` and drawn with matplotlib alone (no graphviz).

Autograd records, for every tensor that needs a gradient, the backward node that made it (``t.grad_fn``,
e.g. ``MulBackward0``) and, through ``next_functions``, the nodes of its inputs; a leaf tensor appears as an
``AccumulateGrad`` node whose ``.variable`` is the leaf itself. ``read_graph`` walks that structure and
``draw_graph`` lays it out left to right (inputs on the left, the output on the right), one box per node with
its op, its value and its gradient. Used in notebook 02 (§ "The graph autograd records") and notebook 03
(§ "The circuit as autograd sees it").

What a box can show: the value of a leaf, of the drawn tensor itself and of every tensor passed in ``names``
(autograd keeps the op of an intermediate, not its value); the gradient of a leaf (``.grad``) and of a tensor
that called ``retain_grad()`` before ``backward()``. Anything else is shown as ``?``. Inputs that need no
gradient (the constant 1 in ``1 + k``, tensors without ``requires_grad``) are not part of the graph and are not
drawn.
"""

import itertools
import re
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.text import Text
from matplotlib.transforms import ScaledTranslation

from backprop_helpers.plotting.number_text import NumberText
from backprop_helpers.plotting.style import COLORS, figure_style

__all__ = ["GraphNode", "GraphDrawing", "read_graph", "draw_graph"]

# Readable names for the ops of the notebooks; any other op shows its name ("sigmoid", "mm", ...).
OP_SYMBOLS = {
    "mul": "×",
    "add": "+",
    "sub": "−",
    "div": "÷",
    "neg": "neg",
    "reciprocal": "1/(·)",
    "exp": "exp",
    "log": "log",
    "sigmoid": "σ",
    "sum": "Σ",
    "mm": "@",
    "pow": "(·)^n",
}
SUPERSCRIPTS = str.maketrans("-0123456789.", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹·")
UNKNOWN = "?"


@dataclass
class GraphNode:
    """One node: a leaf tensor (``op == "leaf"``) or an op with the tensor it produced.

    ``value`` and ``grad`` are floats for one-element tensors, detached tensors otherwise, ``None`` when not
    known. ``layer`` is the column (longest path from the leaves), ``position`` the centre in data units.
    """

    op: str
    symbol: str
    fn: object  # the grad_fn (an AccumulateGrad node for a leaf)
    name: str = None
    tensor: torch.Tensor = None
    value: object = None
    grad: object = None
    layer: int = 0
    position: tuple = (0.0, 0.0)
    artists: dict = field(default_factory=dict)

    @property
    def title(self):
        if self.op == "leaf":
            return self.name or "leaf"
        return f"{self.name} = {self.symbol}" if self.name else self.symbol

    @property
    def label(self):
        """The text of the box, three lines: title, value, gradient (as drawn, once drawn)."""
        if self.artists:
            return "\n".join(self.artists[key].get_text() for key in ("title", "value", "grad"))
        return "\n".join((self.title, format_number(self.value), "∂ " + format_number(self.grad)))


def format_number(value, decimals=4):
    """Fixed decimals for |v| < 10⁴ (so float32 noise like −2.2e-08 reads 0.0000), else 3-digit scientific."""
    if value is None:
        return UNKNOWN
    if isinstance(value, torch.Tensor):
        return "tensor" + str(tuple(value.shape)).replace(",)", ")")
    text = f"{value:.{decimals}f}" if abs(value) < 1e4 else f"{value:.3e}"
    if float(text) == 0:  # no "-0.0000"
        text = text.lstrip("-")
    return text.replace("-", "−")


def _op_name(fn):
    op = re.sub(r"Backward\d*$", "", type(fn).__name__).lower()
    return op or type(fn).__name__


def _symbol(op, fn):
    if op == "pow":
        exponent = getattr(fn, "_saved_exponent", None)  # set when the exponent is a number
        if isinstance(exponent, (int, float)):
            return "(·)" + f"{exponent:g}".translate(SUPERSCRIPTS)
    return OP_SYMBOLS.get(op, op)


def _as_number(tensor):
    tensor = tensor.detach()
    return float(tensor.item()) if tensor.numel() == 1 else tensor.clone()


def _grad_of(tensor):
    # Reading .grad of a non-leaf that did not retain_grad() warns; it is None anyway.
    if tensor.is_leaf or tensor.retains_grad:
        return None if tensor.grad is None else _as_number(tensor.grad)
    return None


def _name_lookup(names):
    """``names`` either way round — name → tensor, or tensor/id → name — as (by id, list of tensors)."""
    by_id, tensors, keep_alive = {}, [], []
    for key, value in (names or {}).items():
        if isinstance(key, str) and isinstance(value, torch.Tensor):
            name, tensor = key, value
        elif isinstance(value, str) and isinstance(key, (torch.Tensor, int)):
            name, tensor = value, key
        else:
            raise TypeError(
                f"names must map name -> tensor (or tensor/id -> name); got {type(key).__name__} -> "
                f"{type(value).__name__}"
            )
        if isinstance(tensor, torch.Tensor):
            tensors.append((name, tensor))
            by_id[id(tensor)] = name
            if tensor.grad_fn is not None:
                keep_alive.append(tensor.grad_fn)  # so that its id is not reused while we walk
                by_id[id(keep_alive[-1])] = name
        else:
            by_id[tensor] = name
    return by_id, tensors, keep_alive


def read_graph(tensor, names=None):
    """The nodes and edges of ``tensor``'s graph, walked from ``tensor.grad_fn`` through ``next_functions``.

    Parameters
    ----------
    tensor : torch.Tensor
        The output; it must require grad.
    names : mapping, optional
        Display names, ``{"w0": w0, "z": z}`` (name → tensor) or ``{w0: "w0"}`` (tensor or id → name). A named
        intermediate is matched to its node by ``t.grad_fn is node`` and lends it its value and retained grad.

    Returns
    -------
    nodes : list of GraphNode, the output last
    edges : list of (i, j): node i feeds node j (twice if it is used twice)
    """
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"tensor must be a torch.Tensor; got {type(tensor).__name__}")
    if not tensor.requires_grad:
        raise ValueError("tensor has no computation graph (requires_grad=False): nothing to draw")
    by_id, named, _keep_alive = _name_lookup(names)
    root_fn = tensor.grad_fn
    by_fn = {
        id(fn): t for fn, t in [(root_fn, tensor)] + [(t.grad_fn, t) for _, t in named] if fn is not None
    }
    index, nodes, edges = {}, [], []

    def visit(fn):  # depth-first, inputs in next_functions order: post-order puts the output last
        if id(fn) in index:
            return index[id(fn)]
        inputs = [visit(child) for child, _ in getattr(fn, "next_functions", ()) if child is not None]
        leaf = getattr(fn, "variable", None)
        op = "leaf" if leaf is not None else _op_name(fn)
        node = GraphNode(op=op, symbol=_symbol(op, fn), fn=fn)
        node.tensor = leaf if leaf is not None else by_fn.get(id(fn))
        node.name = by_id.get(id(leaf)) if leaf is not None else by_id.get(id(fn))
        if node.tensor is not None:
            node.value, node.grad = _as_number(node.tensor), _grad_of(node.tensor)
        node.layer = 1 + max((nodes[i].layer for i in inputs), default=-1)
        index[id(fn)] = len(nodes)
        nodes.append(node)
        edges.extend((i, index[id(fn)]) for i in inputs)
        return index[id(fn)]

    if root_fn is None:  # the tensor is itself a leaf
        nodes.append(GraphNode(op="leaf", symbol="leaf", fn=None, name=by_id.get(id(tensor)), tensor=tensor))
        nodes[0].value, nodes[0].grad = _as_number(tensor), _grad_of(tensor)
    else:
        visit(root_fn)
    matched = {id(n.tensor) for n in nodes if n.tensor is not None}
    missing = [name for name, t in named if id(t) not in matched]
    if missing:
        raise ValueError(f"names {missing} are not tensors of this graph (a constant, or from another run?)")
    # a leaf sits just left of its first consumer, so the bias b is drawn next to the add that uses it
    for i, node in enumerate(nodes):
        consumers = [nodes[j].layer for src, j in edges if src == i]
        if node.op == "leaf" and consumers:
            node.layer = min(consumers) - 1
    return nodes, edges


@dataclass
class GraphDrawing:
    """What ``draw_graph`` returns: the nodes (with their artists), the edges, and ways to relabel in place.

    ``update``/``update_from``/``refresh`` only call ``set_text`` on the value and gradient texts (``.texts``,
    ``NumberText``: a ``Text`` that draws fast), so an explorer can mark those animated (``set_animated()``) and
    blit them; boxes, titles and arrows stay put.
    """

    nodes: list
    edges: list
    ax: object
    decimals: int = 4
    arrows: list = field(default_factory=list)
    legend: list = field(default_factory=list)

    @property
    def figure(self):
        return self.ax.figure

    @property
    def texts(self):
        """The Text artists that change: every node's value text and gradient text."""
        return [node.artists[key] for node in self.nodes for key in ("value", "grad")]

    @property
    def artists(self):
        """Every artist of the drawing (boxes, titles, value and gradient texts, arrows, legend)."""
        return [a for node in self.nodes for a in node.artists.values()] + self.arrows + self.legend

    def node(self, name):
        """The node shown with display name ``name``."""
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(
            f"no node named {name!r}; the named nodes are {[n.name for n in self.nodes if n.name]}"
        )

    def set_animated(self, animated=True):
        """Mark the changing texts animated (for blitting); returns them."""
        for text in self.texts:
            text.set_animated(animated)
        return self.texts

    def update(self, values=None, grads=None):
        """Set values and/or gradients by node name (a number, a tensor, or None for "unknown"); relabel."""
        for attribute, given in (("value", values), ("grad", grads)):
            for name, number in (given or {}).items():
                if isinstance(number, torch.Tensor):
                    number = _as_number(number)
                setattr(self.node(name), attribute, None if number is None else number)
        return self._relabel()

    def update_from(self, tensor, names=None):
        """Read values and gradients from another graph of the same shape (the same code, new numbers)."""
        nodes, edges = read_graph(tensor, names)
        if [n.op for n in nodes] != [n.op for n in self.nodes] or edges != self.edges:
            raise ValueError("tensor's graph has a different shape from the drawn one: draw it anew")
        for old, new in zip(self.nodes, nodes, strict=True):
            old.fn, old.tensor, old.value, old.grad = new.fn, new.tensor, new.value, new.grad
        return self._relabel()

    def refresh(self):
        """Re-read the values and gradients of the known tensors (e.g. after ``backward()``); relabel."""
        for node in self.nodes:
            if node.tensor is not None:
                node.value, node.grad = _as_number(node.tensor), _grad_of(node.tensor)
        return self._relabel()

    def _relabel(self):
        for node in self.nodes:
            node.artists["value"].set_text(format_number(node.value, self.decimals))
            node.artists["grad"].set_text("∂ " + format_number(node.grad, self.decimals))
        return self.texts


def _rows(nodes, edges):
    """Vertical slots: a leaf takes the next free slot (depth-first from the output), an op sits at the mean
    of its inputs, like a tree drawing; then nodes of one column are pushed at least one slot apart."""
    inputs = {j: [] for j in range(len(nodes))}
    for i, j in edges:
        if i not in inputs[j]:
            inputs[j].append(i)
    row, free = {}, [0.0]

    def place(j):
        if j not in row:
            if inputs[j]:
                ys = [place(i) for i in inputs[j]]
                row[j] = sum(ys) / len(ys)
            else:
                row[j], free[0] = free[0], free[0] + 1
        return row[j]

    place(len(nodes) - 1)
    for layer in {n.layer for n in nodes}:
        column = sorted((row[j], j) for j, n in enumerate(nodes) if n.layer == layer)
        for (_, upper), (_, lower) in itertools.pairwise(column):
            row[lower] = max(row[lower], row[upper] + 1)
    return [row[j] for j in range(len(nodes))]


def _renderer(figure):
    get_renderer = getattr(figure.canvas, "get_renderer", None)
    return get_renderer() if get_renderer else figure._get_renderer()


LINES = (("title", 1), ("value", 0), ("grad", -1))  # text lines of a box, in line heights from its centre
FILLS = {"leaf": "#dcedf8", "op": "#f4f4f4", "root": "#fbe3b5"}


def _set_fontsize(drawing, fontsize):
    for node in drawing.nodes:
        for key, offset in LINES:
            node.artists[key].set_fontsize(fontsize)
            shift = ScaledTranslation(0, 1.3 * fontsize * offset / 72, drawing.figure.dpi_scale_trans)
            node.artists[key].set_transform(drawing.ax.transData + shift)  # lines 1.3 font sizes apart
    for text in drawing.legend:
        text.set_fontsize(fontsize)


def _box_size(drawing, fontsize, renderer):
    """Width and height of a box in inches: the widest title or number (or the widest number an update can
    bring, ``−0000.0000``) plus padding; three lines high."""
    ax, dpi = drawing.ax, drawing.figure.dpi
    probe = ax.text(0, 0, "−0000." + "0" * drawing.decimals, fontsize=fontsize)
    texts = [probe] + [node.artists[key] for node in drawing.nodes for key, _ in LINES]
    width = max(t.get_window_extent(renderer).width for t in texts) / dpi
    probe.remove()
    pad = 0.6 * fontsize / 72
    return width + 2 * pad, 3.8 * fontsize / 72 + pad


def draw_graph(tensor, ax=None, *, names=None, decimals=4, fontsize=8.0):
    """Draw ``tensor``'s computation graph left to right: a box per node with op, value and gradient.

    Parameters
    ----------
    tensor : torch.Tensor
        The output (it must require grad); drawn rightmost.
    ax : matplotlib Axes, optional
        Where to draw (the font shrinks if the graph does not fit); by default a new pyplot figure sized to the
        graph. The axes' frame is turned off.
    names : mapping, optional
        ``{"w0": w0, "z": z, ...}`` (or tensor/id → name): display names, and the values and retained
        gradients of intermediate tensors, which autograd does not keep on ``grad_fn``.
    decimals : int
        Decimals of values and gradients (|v| ≥ 10⁴ is shown in scientific notation).
    fontsize : float
        In points.

    Returns
    -------
    GraphDrawing
        Each box shows the op (``name = symbol``, or the leaf's name), the value, and after ``∂`` the gradient
        of ``tensor`` with respect to the node; ``?`` where that is not known (see the module docstring).
    """
    nodes, edges = read_graph(tensor, names)
    created = ax is None
    if created:
        with figure_style():
            ax = plt.figure(figsize=(4, 3), dpi=80).add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    drawing, figure = GraphDrawing(nodes, edges, ax, decimals), ax.figure
    colors = {"title": COLORS["black"], "value": COLORS["black"], "grad": COLORS["vermillion"]}
    for node in nodes:
        for key, _ in LINES:
            text_class = Text if key == "title" else NumberText  # the numbers change: draw them fast
            node.artists[key] = ax.add_artist(
                text_class(0, 0, "", ha="center", va="center", color=colors[key], zorder=3, clip_on=False,
                           fontweight="bold" if key == "title" else "normal")
            )  # fmt: skip
        node.artists["title"].set_text(node.title)
    out = nodes[-1].name or "out"
    legend = ax.text(0.005, 0.01, f"each box: op · value · ∂ = ∂{out}/∂(box)", transform=ax.transAxes)
    legend.set(color=COLORS["grey"], ha="left", va="bottom")
    drawing.legend.append(legend)
    drawing._relabel()
    _set_fontsize(drawing, fontsize)

    # Layout: column = layer, row = slot (see _rows); sizes in inches so that boxes never overlap.
    rows = _rows(nodes, edges)
    n_cols, top, bottom = max(n.layer for n in nodes) + 1, min(rows), max(rows) + 0.6  # 0.6: legend band
    renderer = _renderer(figure)
    box_w, box_h = _box_size(drawing, fontsize, renderer)
    gap_w, gap_h = max(0.25, 0.35 * box_w), 0.15
    need_w, need_h = n_cols * (box_w + gap_w), (bottom - top + 1) * (box_h + gap_h)
    if created:
        figure.set_size_inches(
            max(need_w, legend.get_window_extent(renderer).width / figure.dpi + 0.1), need_h
        )
    else:  # shrink the font (and with it the boxes) until the graph fits the given axes
        bbox = ax.get_window_extent(renderer)
        scale = min(1.0, bbox.width / figure.dpi / need_w, bbox.height / figure.dpi / need_h)
        if scale < 1:
            fontsize *= scale
            _set_fontsize(drawing, fontsize)
            box_w, box_h = _box_size(drawing, fontsize, renderer)
    ax.set_xlim(-0.5, n_cols - 0.5)
    ax.set_ylim(-bottom - 0.5, -top + 0.5)

    for i, node in enumerate(nodes):
        node.position = (float(node.layer), -rows[i])
        kind = "root" if i == len(nodes) - 1 else ("leaf" if node.op == "leaf" else "op")
        node.artists["box"] = ax.add_patch(
            FancyBboxPatch(
                (-box_w / 2, -box_h / 2), box_w, box_h, boxstyle=f"round,pad=0,rounding_size={0.08 * box_h}",
                # sized in inches, centred on the node's data position
                transform=figure.dpi_scale_trans + ScaledTranslation(*node.position, ax.transData),
                facecolor=FILLS[kind], edgecolor=COLORS["grey"], linewidth=1, zorder=2,
            )
        )  # fmt: skip
        for key, _ in LINES:
            node.artists[key].set_position(node.position)
    for (i, j), bend in zip(edges, _arc_bends(edges), strict=True):
        arrow = FancyArrowPatch(
            nodes[i].position, nodes[j].position, patchA=nodes[i].artists["box"], patchB=nodes[j].artists["box"],
            arrowstyle="-|>", mutation_scale=1.2 * fontsize, shrinkA=1, shrinkB=1, color=COLORS["grey"],
            linewidth=1, connectionstyle=f"arc3,rad={bend}", zorder=1,
        )  # fmt: skip
        drawing.arrows.append(ax.add_patch(arrow))
    return drawing


def _arc_bends(edges):
    """Straight arrows, except when one input feeds the same op twice (y·y): then two opposite arcs."""
    bends = []
    for k, edge in enumerate(edges):
        twins = edges.count(edge)
        bends.append(0.0 if twins == 1 else 0.3 * (2 * edges[:k].count(edge) / (twins - 1) - 1))
    return bends
