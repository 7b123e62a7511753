"""``draw_graph``: a computation graph laid out left to right and drawn with matplotlib alone (no graphviz).

``backprop_helpers.graph.read_graph`` reads the nodes and edges; here they get a column and a row (inputs on the
left, the output on the right), one box each with its op, its value and its gradient (``?`` where that is not
known: see ``backprop_helpers.graph``), and an arrow per edge. Used in notebook 02 and notebook 03
(§ "The graph autograd records" in both), and by ``CircuitExplorer``, which relabels the drawing in place
(``GraphDrawing.update_from``), labels the edges with the gradient flowing back along them (``edge_labels``) and
steps through the backward pass one node at a time (``GraphDrawing.show_gradients``). A Value graph
(``backprop_helpers.engine``, notebook 06) is read into the same nodes and drawn by the same code.
"""

import itertools
from collections import Counter
from dataclasses import dataclass, field, fields

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.text import Text
from matplotlib.transforms import ScaledTranslation

from backprop_helpers.graph import GraphNode, _as_number, read_graph
from backprop_helpers.plotting.number_text import NumberText, format_number
from backprop_helpers.plotting.style import COLORS, figure_style

__all__ = ["DrawnNode", "GraphDrawing", "draw_graph"]

LINES = (("title", 1), ("value", 0), ("grad", -1))  # text lines of a box, in line heights from its centre
FILLS = {"leaf": "#dcedf8", "op": "#f4f4f4", "root": "#fbe3b5"}
EDGE_FONT = 0.85  # an edge label's font size, relative to the boxes'


@dataclass
class DrawnNode(GraphNode):
    """A ``GraphNode`` as drawn: its column (``layer``), its centre in data units, its box and three texts."""

    layer: int = 0
    position: tuple = (0.0, 0.0)
    artists: dict = field(default_factory=dict)

    @property
    def label(self):
        """The text of its box as drawn, three lines: title, value, gradient."""
        return "\n".join(self.artists[key].get_text() for key, _ in LINES)


@dataclass
class GraphDrawing:
    """What ``draw_graph`` returns: the drawn nodes, the edges, the arrows and legend, and a relabelling in place.

    ``update_from`` only calls ``set_text`` on the value and gradient texts (``.texts``, ``NumberText``: a
    ``Text`` that draws fast) and on the edge labels (``.edge_texts``), so an explorer can mark those animated
    and blit them; boxes, titles and arrows stay put. ``show_gradients`` shows the gradients of some nodes only
    (a backward pass under way) and outlines one box (``.highlight``); ``.dynamic_artists`` is everything that
    changes.

    ``edge_grads[k]`` is the gradient flowing back along edge k = (i, j): ∂out/∂(node j) · ∂(node j)/∂(node i),
    upstream × local, what node j's backward sends to its input i; node i's gradient is the sum of what flows
    back along its edges. It is read from node i's gradient where i feeds nothing else; at a fork, from node
    j's ``grad_fn`` applied to j's gradient, which needs the graph kept (``backward(retain_graph=True)``) and j's
    gradient retained; else ``None``. In a Value graph every node keeps its local gradients, so every edge's is
    known: node j's gradient × ∂(node j)/∂(node i).
    """

    nodes: list
    edges: list
    ax: object
    decimals: int = 4
    arrows: list = field(default_factory=list)
    legend: list = field(default_factory=list)
    edge_texts: list = field(default_factory=list)  # one per edge with edge_labels=True, else empty
    edge_grads: list = field(default_factory=list)
    highlight: object = None  # the outline of the current box (show_gradients), hidden until then
    known: object = None  # indices of the nodes whose gradient is shown; None: all
    current: object = None  # index of the outlined node, or None

    @property
    def figure(self):
        return self.ax.figure

    @property
    def texts(self):
        """The Text artists that change: every node's value text and gradient text."""
        return [node.artists[key] for node in self.nodes for key in ("value", "grad")]

    @property
    def dynamic_artists(self):
        """Every artist an update or ``show_gradients`` changes: ``.texts``, ``.edge_texts``, ``.highlight``."""
        return [*self.texts, *self.edge_texts, self.highlight]

    @property
    def backward_order(self):
        """Node indices output first, each node after every node it feeds (a reverse topological order): the
        order in which a backward pass knows the gradients."""
        return list(range(len(self.nodes)))[::-1]  # the walk lists every node after its inputs

    def show_gradients(self, known=None, current=None):
        """Show the gradients of the nodes ``known`` only (indices; None: all), the others as ``∂ ?``, and the
        edges into a known node with what flows back along them (upstream × local); outline node ``current``.

        Returns ``.dynamic_artists``, the same artists as before.
        """
        n = len(self.nodes)
        known = None if known is None else frozenset(known)
        if (known is not None and not known <= set(range(n))) or (
            current is not None and current not in range(n)
        ):
            raise ValueError(f"known and current must be node indices 0…{n - 1}; got {known}, {current}")
        self.known, self.current = known, current
        self._relabel()
        return self.dynamic_artists

    def node(self, name):
        """The node shown with display name ``name``."""
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(
            f"no node named {name!r}; the named nodes are {[n.name for n in self.nodes if n.name]}"
        )

    def update_from(self, tensor, names=None):
        """Read values and gradients from another graph of the same shape (the same code, new numbers); relabel.
        ``tensor`` is a torch tensor or a Value, as drawn.

        Returns the value and gradient texts (``.texts``), the same artists as before.
        """
        nodes, edges = read_graph(tensor, names)
        if [n.op for n in nodes] != [n.op for n in self.nodes] or edges != self.edges:
            raise ValueError("tensor's graph has a different shape from the drawn one: draw it anew")
        for old, new in zip(self.nodes, nodes, strict=True):
            old.fn, old.tensor, old.value, old.grad = new.fn, new.tensor, new.value, new.grad
            old.local_grads = new.local_grads
        self.edge_grads = _edge_grads(self.nodes, self.edges)
        self._relabel()
        return self.texts

    def _relabel(self):
        shown = range(len(self.nodes)) if self.known is None else self.known
        for i, node in enumerate(self.nodes):
            node.artists["value"].set_text(format_number(node.value, self.decimals))
            grad = format_number(node.grad, self.decimals) if i in shown else "?"
            node.artists["grad"].set_text("∂ " + grad)
        for text, (_, j), grad in zip(self.edge_texts, self.edges, self.edge_grads, strict=False):
            text.set_text(format_number(grad, self.decimals) if j in shown else "")  # (no texts: no labels)
        if self.highlight is not None:
            self.highlight.set_visible(self.current is not None)
            if self.current is not None:
                self.highlight.set_transform(self._box_transform(self.nodes[self.current]))
        return self.texts

    def _box_transform(self, node):
        # a box is sized in inches and centred on its node's data position
        return self.figure.dpi_scale_trans + ScaledTranslation(*node.position, self.ax.transData)


def _edge_grads(nodes, edges):
    """What flows back along each edge (i, j): j's gradient × its local gradient where j kept them (a Value);
    else node i's gradient where i feeds only j; else node j's grad_fn applied to j's retained gradient, if the
    graph was kept; else None (see ``GraphDrawing``)."""
    feeds = Counter(i for i, _ in edges)
    sent = {}  # j → what j's backward sends along its input edges, in edge order (or None)

    def sent_by(j):
        if j not in sent:
            node, sent[j] = nodes[j], None
            tensor = node.tensor
            retained = (
                tensor is not None and tensor.grad_fn is node.fn and tensor.retains_grad
            )  # else .grad warns
            grad = tensor.grad if retained else None
            if grad is not None and node.fn is not None:
                try:
                    outs = node.fn(grad)  # upstream × local for each input: the op's backward formula
                except RuntimeError:  # the graph was freed by backward(): saved tensors are gone
                    return None
                outs = outs if isinstance(outs, tuple) else (outs,)
                sent[j] = [None if out is None else _as_number(out)
                           for (child, _), out in zip(node.fn.next_functions, outs, strict=True)
                           if child is not None]  # fmt: skip
        return sent[j]

    grads, position = [], Counter()
    for i, j in edges:
        k, position[j] = position[j], position[j] + 1  # the edge's place among j's input edges
        if nodes[j].local_grads is not None:
            grads.append(nodes[j].grad * nodes[j].local_grads[k])  # upstream × local
        elif feeds[i] == 1 and nodes[i].grad is not None:
            grads.append(nodes[i].grad)
        else:
            flows = sent_by(j)
            grads.append(None if flows is None else flows[k])
    return grads


def _layers(nodes, edges):
    """Columns: an op one right of its rightmost input (the longest path from the leaves); a leaf just left of
    its first consumer, so that the bias b is drawn next to the add that uses it."""
    layers = [0] * len(nodes)
    for i, j in edges:  # in the walk's post-order: every edge into i comes before an edge out of i
        layers[j] = max(layers[j], layers[i] + 1)
    for i, node in enumerate(nodes):
        consumers = [layers[j] for src, j in edges if src == i]
        if node.op == "leaf" and consumers:
            layers[i] = min(consumers) - 1
    return layers


def _rows(layers, edges):
    """Vertical slots: a leaf takes the next free slot (depth-first from the output), an op sits at the mean
    of its inputs, like a tree drawing; then nodes of one column are pushed at least one slot apart."""
    inputs = {j: [] for j in range(len(layers))}
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

    place(len(layers) - 1)
    for layer in set(layers):
        column = sorted((row[j], j) for j, node_layer in enumerate(layers) if node_layer == layer)
        for (_, upper), (_, lower) in itertools.pairwise(column):
            row[lower] = max(row[lower], row[upper] + 1)
    return [row[j] for j in range(len(layers))]


def _arc_bends(edges):
    """Straight arrows, except when one input feeds the same op twice (y·y): then two opposite arcs."""
    bends = []
    for k, edge in enumerate(edges):
        twins = edges.count(edge)
        bends.append(0.0 if twins == 1 else 0.3 * (2 * edges[:k].count(edge) / (twins - 1) - 1))
    return bends


def _renderer(figure):
    get_renderer = getattr(figure.canvas, "get_renderer", None)
    return get_renderer() if get_renderer else figure._get_renderer()


def _set_fontsize(drawing, fontsize):
    for node in drawing.nodes:
        for key, offset in LINES:
            node.artists[key].set_fontsize(fontsize)
            shift = ScaledTranslation(0, 1.3 * fontsize * offset / 72, drawing.figure.dpi_scale_trans)
            node.artists[key].set_transform(drawing.ax.transData + shift)  # lines 1.3 font sizes apart
    for text in drawing.legend:
        text.set_fontsize(fontsize)
    for text in drawing.edge_texts:
        text.set_fontsize(EDGE_FONT * fontsize)


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


def _edge_label_width(drawing, fontsize, renderer):
    """The gap between columns that an edge label needs, in inches: a gradient below 10 in magnitude
    (``−0.0000``) and some air; 0 without edge labels."""
    if not drawing.edge_texts:
        return 0.0
    probe = drawing.ax.text(0, 0, "−0." + "0" * drawing.decimals, fontsize=EDGE_FONT * fontsize)
    width = probe.get_window_extent(renderer).width / drawing.figure.dpi
    probe.remove()
    return width + 0.7 * fontsize / 72


def draw_graph(tensor, ax=None, *, names=None, decimals=4, fontsize=8.0, edge_labels=False):
    """Draw ``tensor``'s computation graph left to right: a box per node with op, value and gradient.

    Parameters
    ----------
    tensor : torch.Tensor or Value
        The output (a tensor must require grad); drawn rightmost.
    ax : matplotlib Axes, optional
        Where to draw (the font shrinks if the graph does not fit); by default a new pyplot figure sized to the
        graph. The axes' frame is turned off.
    names : dict, optional
        ``{"w0": w0, "z": z, ...}``: display names, and the values and retained gradients of intermediate
        tensors, which autograd does not keep on ``grad_fn`` (see ``read_graph``). A Value graph is named by
        its labels; ``names`` (name → Value) overrides them.
    decimals : int
        Decimals of values and gradients (|v| ≥ 10⁴ is shown in scientific notation).
    fontsize : float
        In points.
    edge_labels : bool
        Label every arrow, at its midpoint, with the gradient flowing back along it (``GraphDrawing.edge_grads``:
        upstream × local; empty where not known).

    Returns
    -------
    GraphDrawing
        Each box shows the op (``name = symbol``, or the leaf's name), the value, and after ``∂`` the gradient
        of ``tensor`` with respect to the node; ``?`` where that is not known.
    """
    read, edges = read_graph(tensor, names)
    layers = _layers(read, edges)
    nodes = [
        DrawnNode(**{f.name: getattr(node, f.name) for f in fields(GraphNode)}, layer=layer)
        for node, layer in zip(read, layers, strict=True)
    ]
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
    key = f"each box: op · value · ∂ = ∂{out}/∂(box)"
    key += " · each arrow: what flows back along it, upstream × local" if edge_labels else ""
    legend = ax.text(0.005, 0.01, key, transform=ax.transAxes)
    legend.set(color=COLORS["grey"], ha="left", va="bottom")
    drawing.legend.append(legend)
    for _ in edges if edge_labels else ():
        drawing.edge_texts.append(ax.add_artist(
            NumberText(0, 0, "", ha="center", va="bottom", color=colors["grad"], zorder=3, clip_on=False)))  # fmt: skip
    drawing.edge_grads = _edge_grads(nodes, edges)
    drawing._relabel()
    _set_fontsize(drawing, fontsize)

    # Layout: column = layer, row = slot (see _rows); sizes in inches so that boxes never overlap.
    rows = _rows(layers, edges)
    n_cols, top, bottom = max(layers) + 1, min(rows), max(rows) + 0.6  # 0.6: legend band
    renderer = _renderer(figure)
    box_w, box_h = _box_size(drawing, fontsize, renderer)
    gap_w, gap_h = max(0.25, 0.35 * box_w, _edge_label_width(drawing, fontsize, renderer)), 0.15
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
                transform=drawing._box_transform(node),
                facecolor=FILLS[kind], edgecolor=COLORS["grey"], linewidth=1, zorder=2,
            )
        )  # fmt: skip
        for key, _ in LINES:
            node.artists[key].set_position(node.position)
    for k, ((i, j), bend) in enumerate(zip(edges, _arc_bends(edges), strict=True)):
        arrow = FancyArrowPatch(
            nodes[i].position, nodes[j].position, patchA=nodes[i].artists["box"], patchB=nodes[j].artists["box"],
            arrowstyle="-|>", mutation_scale=1.2 * fontsize, shrinkA=1, shrinkB=1, color=COLORS["grey"],
            linewidth=1, connectionstyle=f"arc3,rad={bend}", zorder=1,
        )  # fmt: skip
        drawing.arrows.append(ax.add_patch(arrow))
        if edge_labels:  # just above the middle of the arrow (of the arc's middle, for twins)
            (x0, y0), (x1, y1) = nodes[i].position, nodes[j].position
            middle = ((x0 + x1) / 2 + bend * (y1 - y0) / 2, (y0 + y1) / 2 - bend * (x1 - x0) / 2)
            lift = ScaledTranslation(0, 0.25 * fontsize / 72, figure.dpi_scale_trans)
            drawing.edge_texts[k].set_position(middle)
            drawing.edge_texts[k].set_transform(ax.transData + lift)
    drawing.highlight = ax.add_patch(
        FancyBboxPatch((-box_w / 2, -box_h / 2), box_w, box_h, boxstyle=f"round,pad=0,rounding_size={0.08 * box_h}",
                       facecolor="none", edgecolor=COLORS["vermillion"], linewidth=2.2, zorder=2.5, visible=False)
    )  # fmt: skip
    drawing._relabel()
    return drawing
