"""``draw_graph``: a computation graph laid out left to right and drawn with matplotlib alone (no graphviz).

``backprop_helpers.graph.read_graph`` reads the nodes and edges; here they get a column and a row (inputs on the
left, the output on the right), one box each with its op, its value and its gradient (``?`` where that is not
known: see ``backprop_helpers.graph``), and an arrow per edge. Used in notebook 02 and notebook 03
(§ "The graph autograd records" in both), and by ``CircuitExplorer``, which relabels the drawing in place
(``GraphDrawing.update_from``).
"""

import itertools
from dataclasses import dataclass, field, fields

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.text import Text
from matplotlib.transforms import ScaledTranslation

from backprop_helpers.graph import GraphNode, read_graph
from backprop_helpers.plotting.number_text import NumberText, format_number
from backprop_helpers.plotting.style import COLORS, figure_style

__all__ = ["DrawnNode", "GraphDrawing", "draw_graph"]

LINES = (("title", 1), ("value", 0), ("grad", -1))  # text lines of a box, in line heights from its centre
FILLS = {"leaf": "#dcedf8", "op": "#f4f4f4", "root": "#fbe3b5"}


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
    ``Text`` that draws fast), so an explorer can mark those animated and blit them; boxes, titles and arrows
    stay put.
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

        Returns the value and gradient texts (``.texts``), the same artists as before.
        """
        nodes, edges = read_graph(tensor, names)
        if [n.op for n in nodes] != [n.op for n in self.nodes] or edges != self.edges:
            raise ValueError("tensor's graph has a different shape from the drawn one: draw it anew")
        for old, new in zip(self.nodes, nodes, strict=True):
            old.fn, old.tensor, old.value, old.grad = new.fn, new.tensor, new.value, new.grad
        return self._relabel()

    def _relabel(self):
        for node in self.nodes:
            node.artists["value"].set_text(format_number(node.value, self.decimals))
            node.artists["grad"].set_text("∂ " + format_number(node.grad, self.decimals))
        return self.texts


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
    names : dict, optional
        ``{"w0": w0, "z": z, ...}``: display names, and the values and retained gradients of intermediate
        tensors, which autograd does not keep on ``grad_fn`` (see ``read_graph``).
    decimals : int
        Decimals of values and gradients (|v| ≥ 10⁴ is shown in scientific notation).
    fontsize : float
        In points.

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
    legend = ax.text(0.005, 0.01, f"each box: op · value · ∂ = ∂{out}/∂(box)", transform=ax.transAxes)
    legend.set(color=COLORS["grey"], ha="left", va="bottom")
    drawing.legend.append(legend)
    drawing._relabel()
    _set_fontsize(drawing, fontsize)

    # Layout: column = layer, row = slot (see _rows); sizes in inches so that boxes never overlap.
    rows = _rows(layers, edges)
    n_cols, top, bottom = max(layers) + 1, min(rows), max(rows) + 0.6  # 0.6: legend band
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
