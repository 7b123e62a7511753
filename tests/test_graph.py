"""read_graph / draw_graph: the nodes, edges and labels of known expressions, in-place relabelling, layout."""

import itertools
import json
import subprocess
import sys
import warnings
from unittest.mock import ANY

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from backprop_helpers import sigmoid_circuit
from backprop_helpers.circuit import circuit_autograd
from backprop_helpers.engine import Value
from backprop_helpers.graph import GraphNode, read_graph
from backprop_helpers.plotting.graph_drawing import DrawnNode, GraphDrawing, draw_graph
from backprop_helpers.plotting.number_text import NumberText, format_number


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def new_ax(figsize=(9.0, 3.5)):
    figure = Figure(figsize=figsize, dpi=80)
    FigureCanvasAgg(figure)
    return figure.add_subplot()


def z_of_x(x_value=2.0):
    """Seed 001: y = x², z = 2y + y²; dz/dx = (2 + 2y)·2x, at x = 2: (2 + 8)·4 = 40."""
    x = torch.tensor(x_value, requires_grad=True)
    y = x**2
    z = 2 * y + y**2
    return x, y, z


def circuit(x=(1.0, 2.0), w=(0.5, -0.3), b=0.1, backward=True):
    """Seed 003, staged as the notebook stages it; every intermediate named and retained."""
    x0, x1, w0, w1, b = (torch.tensor(v, requires_grad=True) for v in (*x, *w, b))
    z = w0 * x0 + w1 * x1 + b
    minus_z = -z
    k = torch.exp(minus_z)
    h = 1 + k
    f = torch.reciprocal(h)
    names = {"x0": x0, "x1": x1, "w0": w0, "w1": w1, "b": b, "z": z, "−z": minus_z, "k": k, "h": h, "f": f}
    for t in (z, minus_z, k, h, f):
        t.retain_grad()
    if backward:
        f.backward()
    return f, names


def test_z_of_x_nodes_and_edges():
    x, y, z = z_of_x()
    nodes, edges = read_graph(z, names={"x": x, "y": y, "z": z})
    assert all(type(n) is GraphNode for n in nodes)  # pure nodes: no position, no artists
    # depth-first from z: x, y = x², 2·y, y², z = 2y + y² (the output last)
    assert [n.op for n in nodes] == ["leaf", "pow", "mul", "pow", "add"]
    assert [n.name for n in nodes] == ["x", "y", None, None, "z"]
    assert [n.title for n in nodes] == ["x", "y = (·)²", "×", "(·)²", "z = +"]
    assert edges == [(0, 1), (1, 2), (1, 3), (2, 4), (3, 4)]  # y feeds two ops: a fork
    assert nodes[1].symbol == "(·)²" and nodes[2].symbol == "×" and nodes[4].symbol == "+"
    assert nodes[0].tensor is x  # found through AccumulateGrad.variable
    assert nodes[1].tensor is y and nodes[1].fn is y.grad_fn  # matched by t.grad_fn is node
    assert (nodes[0].value, nodes[1].value, nodes[4].value) == (2.0, 4.0, 24.0)
    assert nodes[2].value is None  # an unnamed intermediate: autograd keeps no value
    assert all(n.grad is None for n in nodes)  # no backward yet


def test_z_of_x_drawn_in_columns_by_longest_path():
    x, y, z = z_of_x()
    drawing = draw_graph(z, ax=new_ax(), names={"x": x, "y": y, "z": z})
    assert all(isinstance(n, DrawnNode) for n in drawing.nodes)
    assert [n.layer for n in drawing.nodes] == [0, 1, 2, 2, 3]
    assert [n.position[0] for n in drawing.nodes] == [0.0, 1.0, 2.0, 2.0, 3.0]
    assert drawing.nodes[2].position[1] != drawing.nodes[3].position[1]  # 2·y and y² one above the other


def test_z_of_x_labels_before_and_after_backward():
    x, y, z = z_of_x()
    y.retain_grad()
    names = {"x": x, "y": y, "z": z}
    drawing = draw_graph(z, names=names)
    assert isinstance(drawing, GraphDrawing)
    assert drawing.node("x").label == "x\n2.0000\n∂ ?"  # no backward yet: gradient unknown
    z.backward()
    texts = drawing.texts
    assert drawing.update_from(z, names) == texts  # the same graph, read again: the same artists relabelled
    assert all(a is b for a, b in zip(drawing.texts, texts, strict=True))
    assert drawing.node("x").label == "x\n2.0000\n∂ 40.0000"  # (2 + 2·4)·2·2 = 40
    assert drawing.node("y").label == "y = (·)²\n4.0000\n∂ 10.0000"  # 2 + 2y = 10
    assert drawing.nodes[2].label == "×\n?\n∂ ?"
    assert drawing.node("z").label.startswith("z = +\n24.0000")


def test_seed_003_circuit_graph_and_labels():
    f, names = circuit()
    drawing = draw_graph(f, names=names)
    ops = [n.op for n in drawing.nodes]
    assert ops == [
        "leaf",
        "leaf",
        "mul",
        "leaf",
        "leaf",
        "mul",
        "add",
        "leaf",
        "add",
        "neg",
        "exp",
        "add",
        "reciprocal",
    ]
    assert [n.name for n in drawing.nodes if n.op == "leaf"] == ["w0", "x0", "w1", "x1", "b"]
    assert [n.name for n in drawing.nodes if n.op != "leaf"] == [None, None, None, "z", "−z", "k", "h", "f"]
    trace = sigmoid_circuit([1.0, 2.0], [0.5, -0.3], 0.1)
    expected = {
        "f": (trace.f, 1.0),
        "h": (trace.h, trace.df_dh),
        "k": (trace.k, trace.df_dk),
        "z": (trace.z, trace.df_dz),
        "w0": (0.5, trace.df_dw[0]),
        "w1": (-0.3, trace.df_dw[1]),
        "x0": (1.0, trace.df_dx[0]),
        "x1": (2.0, trace.df_dx[1]),
        "b": (0.1, trace.df_db),
    }
    for name, (value, grad) in expected.items():
        node = drawing.node(name)
        assert node.value == pytest.approx(float(value), abs=1e-6), name
        assert node.grad == pytest.approx(float(grad), abs=1e-6), name
    assert drawing.node("k").label == "k = exp\n1.0000\n∂ −0.2500"
    assert drawing.node("h").label == "h = +\n2.0000\n∂ −0.2500"
    assert drawing.node("z").label == "z = +\n0.0000\n∂ 0.2500"  # float32 z = −2.2e-08 prints as 0
    assert drawing.node("f").label == "f = 1/(·)\n0.5000\n∂ 1.0000"
    assert drawing.node("x1").label == "x1\n2.0000\n∂ −0.0750"
    # b is drawn just left of the add that uses it, not in the leaves' column
    assert drawing.node("b").layer == drawing.node("z").layer - 1


def test_one_over_h_records_reciprocal_then_mul():
    h = torch.tensor(2.0, requires_grad=True)
    nodes, edges = read_graph(1 / h)  # torch computes scalar / tensor as reciprocal(h) · scalar
    assert [n.op for n in nodes] == ["leaf", "reciprocal", "mul"]
    assert edges == [(0, 1), (1, 2)]


def test_update_from_a_new_graph_of_the_same_shape():
    f, names = circuit()
    drawing = draw_graph(f, ax=new_ax(), names=names)
    texts, boxes = drawing.texts, [n.artists["box"] for n in drawing.nodes]
    before = [t.get_text() for t in texts]
    f2, names2 = circuit(x=(-1.5, 0.5), w=(1.2, 0.7), b=-0.4)
    assert drawing.update_from(f2, names2) == texts
    assert [t.get_text() for t in drawing.texts] != before
    assert [n.artists["box"] for n in drawing.nodes] == boxes  # boxes stay; only their texts change
    trace = sigmoid_circuit([-1.5, 0.5], [1.2, 0.7], -0.4)
    assert drawing.node("k").value == pytest.approx(trace.k.item(), rel=1e-6)
    assert drawing.node("k").grad == pytest.approx(trace.df_dk.item(), rel=1e-6)
    assert drawing.node("x1").grad == pytest.approx(trace.df_dx[1].item(), rel=1e-6)
    assert drawing.node("k").artists["value"].get_text() == format_number(trace.k.item())
    _, _, z = z_of_x()
    with pytest.raises(ValueError, match="different shape"):
        drawing.update_from(z)
    with pytest.raises(KeyError, match="no node named 'q'"):
        drawing.node("q")


def test_no_pyplot_figure_when_ax_is_given():
    before = plt.get_fignums()
    f, names = circuit()
    drawing = draw_graph(f, ax=new_ax(), names=names)
    drawing.figure.canvas.draw()
    assert plt.get_fignums() == before
    created = draw_graph(f, names=names)
    assert plt.get_fignums() == [*before, created.figure.number]


def _extents(drawing):
    drawing.figure.canvas.draw()
    renderer = drawing.figure.canvas.get_renderer()
    return [
        (
            n.artists["box"].get_window_extent(renderer),
            [n.artists[k].get_window_extent(renderer) for k in ("title", "value", "grad")],
        )
        for n in drawing.nodes
    ]


@pytest.mark.parametrize(
    "figsize", [None, (13.0, 5.0), (4.5, 2.0)], ids=["own figure", "roomy ax", "small ax"]
)
def test_boxes_do_not_overlap_and_hold_their_text(figsize):
    f, names = circuit()
    drawing = draw_graph(f, ax=None if figsize is None else new_ax(figsize), names=names)
    extents = _extents(drawing)
    for (box_a, _), (box_b, _) in itertools.combinations(extents, 2):
        assert not box_a.overlaps(box_b)
    for box, texts in extents:
        for text in texts:
            assert box.x0 <= text.x0 and text.x1 <= box.x1 and box.y0 <= text.y0 and text.y1 <= box.y1
    ax_box = drawing.ax.get_window_extent()
    assert all(ax_box.x0 - 1 <= box.x0 and box.x1 <= ax_box.x1 + 1 for box, _ in extents)
    fontsize = drawing.nodes[0].artists["value"].get_fontsize()
    assert fontsize < 8 if figsize == (4.5, 2.0) else fontsize == 8


def test_the_widest_number_still_fits_after_an_update():
    f, names = circuit()
    drawing = draw_graph(f, ax=new_ax(), names=names)
    drawing.update_from(*circuit(x=(1.0, -9999.999), w=(-1.234e38, 0.5)))
    assert drawing.node("x1").artists["value"].get_text() == "−9999.9990"
    assert drawing.node("w0").artists["value"].get_text() == "−1.234e+38"
    for box, texts in _extents(drawing):
        assert all(box.x0 <= t.x0 and t.x1 <= box.x1 for t in texts)


def test_an_input_used_twice_gets_two_arcs():
    t = torch.tensor(3.0, requires_grad=True)
    drawing = draw_graph(t * t, ax=new_ax((4, 2)), names={"t": t})
    assert drawing.edges == [(0, 1), (0, 1)]
    assert drawing.nodes[0].name == "t"
    bends = [a.get_connectionstyle().rad for a in drawing.arrows]
    assert bends[0] == -bends[1] != 0


def test_a_leaf_alone_and_no_warning_for_unretained_intermediates():
    w = torch.tensor(1.5, requires_grad=True)
    assert [n.label for n in draw_graph(w, ax=new_ax((3, 2)), names={"w": w}).nodes] == ["w\n1.5000\n∂ ?"]
    _, y, z = z_of_x()
    z.backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # .grad of a non-leaf without retain_grad() would warn
        drawing = draw_graph(z, ax=new_ax(), names={"y": y})
    assert drawing.node("y").grad is None and drawing.node("y").value == 4.0
    assert drawing.nodes[0].grad == 40.0


def test_bad_input():
    x, _, z = z_of_x()
    with pytest.raises(TypeError, match=r"tensor must be a torch\.Tensor"):
        read_graph([1.0, 2.0])
    with pytest.raises(ValueError, match="requires_grad=False"):
        read_graph(torch.tensor(1.0))
    with pytest.raises(ValueError, match=r"names \['q'\] are not tensors of this graph"):
        read_graph(z, names={"q": torch.tensor(1.0, requires_grad=True)})
    with pytest.raises(TypeError, match=r"names must map display name -> tensor.*got str -> float"):
        read_graph(z, names={"x": 2.0})
    with pytest.raises(TypeError, match=r"names must map display name -> tensor.*got Tensor -> str"):
        read_graph(z, names={x: "x"})  # the other way round
    with pytest.raises(TypeError, match=r"names must be a dict.*got list"):
        read_graph(z, names=[("x", x)])


@pytest.mark.parametrize(
    ("value", "text"),
    [(-2.2351741790771484e-08, "0.0000"), (-0.075, "−0.0750"), (0.25, "0.2500"), (1.5e9, "1.500e+09"),
     (None, "?"), (torch.zeros(2, 3), "tensor(2, 3)")],
)  # fmt: skip
def test_format_number(value, text):
    assert format_number(value) == text


def _ink_box(text_class, string):
    """Rows and columns holding ink when ``string`` is drawn centred in a small Agg figure."""
    figure = Figure(figsize=(2.0, 0.5), dpi=80)
    FigureCanvasAgg(figure)
    text = text_class(0.5, 0.5, string, ha="center", va="center", fontsize=8, transform=figure.transFigure)
    figure.add_artist(text)
    figure.canvas.draw()
    ink = (np.asarray(figure.canvas.buffer_rgba())[:, :, :3] < 200).any(axis=2)
    rows, columns = np.nonzero(ink)
    return rows.min(), rows.max(), columns.min(), columns.max()


@pytest.mark.parametrize("string", ["−0.2500", "∂ 0.1250", "1.234e+09", "?"])
def test_number_text_draws_where_text_does(string):
    # NumberText pastes cached glyphs (a slider move redraws 26 numbers); it must look like Text.draw's output
    fast, slow = _ink_box(NumberText, string), _ink_box(Text, string)
    assert np.abs(np.subtract(fast, slow)).max() <= 1, (fast, slow)
    text = NumberText(0, 0, string)
    text.set_text("0.5000")
    assert isinstance(text, Text) and text.get_text() == "0.5000"


def test_reading_a_graph_does_not_import_matplotlib():
    # the layering rule: graph.py reads; the drawing (and matplotlib) loads when draw_graph is first asked for
    probe = (
        "import json, sys, torch\n"
        "from backprop_helpers.graph import read_graph\n"
        "x = torch.tensor(2.0, requires_grad=True)\n"
        "nodes, _ = read_graph(x * x, names={'x': x})\n"
        "before = 'matplotlib' in sys.modules\n"
        "from backprop_helpers.graph import draw_graph\n"
        "from backprop_helpers.plotting import graph_drawing\n"
        "print(json.dumps([before, 'matplotlib' in sys.modules, draw_graph is graph_drawing.draw_graph]))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [False, True, True]


# -- edge labels and the step-through of a backward pass (CircuitExplorer) --------------------------------------


def explorer_ax():
    """CircuitExplorer's axes: the whole of an 11.1 × 3.6 in figure."""
    return new_ax((11.1, 3.6)).figure.add_axes((0, 0, 1, 1))


def test_edge_labels_carry_upstream_times_local():
    f, names = circuit_autograd((1.0, 2.0), (0.5, -0.3), 0.1)  # every node named, its gradient retained
    drawing = draw_graph(f, ax=explorer_ax(), names=names, edge_labels=True)
    assert len(drawing.edge_texts) == len(drawing.edges) == len(drawing.edge_grads)
    trace = sigmoid_circuit([1.0, 2.0], [0.5, -0.3], 0.1)
    for (i, _), grad, text in zip(drawing.edges, drawing.edge_grads, drawing.edge_texts, strict=True):
        # no node feeds two ops here: what flows back along its one edge is its whole gradient
        assert grad == drawing.nodes[i].grad and text.get_text() == format_number(grad)
    h_to_f = drawing.edges.index((drawing.nodes.index(drawing.node("h")), len(drawing.nodes) - 1))
    assert drawing.edge_grads[h_to_f] == pytest.approx(trace.df_dh.item())  # 1 · (−1/h²)
    assert "each arrow" in drawing.legend[0].get_text()
    assert draw_graph(f, ax=new_ax(), names=names).edge_texts == []  # off by default: notebooks 02 and 03
    # readable: each label clear of every box, and inside the axes
    drawing.figure.canvas.draw()
    renderer = drawing.figure.canvas.get_renderer()
    boxes = [n.artists["box"].get_window_extent(renderer) for n in drawing.nodes]
    for text in drawing.edge_texts:
        extent = text.get_window_extent(renderer)
        assert not any(extent.overlaps(box) for box in boxes), text.get_text()
    assert drawing.nodes[0].artists["value"].get_fontsize() == 8  # the wider gaps fit this figure


def test_at_a_fork_what_flows_back_sums_to_the_gradient():
    t = torch.tensor(3.0, requires_grad=True)
    product = t * t
    product.retain_grad()
    product.backward(retain_graph=True)  # the graph kept: MulBackward0 can be applied again
    drawing = draw_graph(product, ax=new_ax((4, 2)), names={"t": t, "p": product}, edge_labels=True)
    assert drawing.edge_grads == [3.0, 3.0]  # ∂p/∂p · t along each arc
    assert sum(drawing.edge_grads) == t.grad.item() == 6.0
    t2 = torch.tensor(3.0, requires_grad=True)
    freed = t2 * t2
    freed.retain_grad()
    freed.backward()  # the saved tensors are freed: the split is not known, and nothing raises
    drawing = draw_graph(freed, ax=new_ax((4, 2)), names={"t": t2, "p": freed}, edge_labels=True)
    assert drawing.edge_grads == [None, None]
    assert [text.get_text() for text in drawing.edge_texts] == ["?", "?"]
    assert drawing.node("t").grad == 6.0


def test_backward_order_puts_every_node_after_all_it_feeds():
    f, names = circuit_autograd((1.0, 2.0), (0.5, -0.3), 0.1)  # every node named, its gradient retained
    drawing = draw_graph(f, ax=new_ax(), names=names)
    order = drawing.backward_order
    assert sorted(order) == list(range(len(drawing.nodes))) and order[0] == len(drawing.nodes) - 1
    for i, j in drawing.edges:
        assert order.index(j) < order.index(i)  # j uses i: j's gradient is known first
    assert [drawing.nodes[k].name for k in order[:5]] == ["f", "h", "k", "−z", "z"]


def test_show_gradients_steps_through_the_backward_pass():
    f, names = circuit_autograd((1.0, 2.0), (0.5, -0.3), 0.1)  # every node named, its gradient retained
    drawing = draw_graph(f, ax=explorer_ax(), names=names, edge_labels=True)
    artists, order = drawing.dynamic_artists, drawing.backward_order
    assert drawing.highlight in artists and not drawing.highlight.get_visible()
    assert drawing.show_gradients(known=order[:3], current=order[2]) == artists  # f, h, k known
    shown = [n.artists["grad"].get_text() for n in drawing.nodes]
    assert shown.count("∂ ?") == len(drawing.nodes) - 3
    assert drawing.node("k").label.endswith("∂ −0.2500") and drawing.node("z").label.endswith("∂ ?")
    for (_, j), text in zip(drawing.edges, drawing.edge_texts, strict=True):
        assert (text.get_text() != "") == (j in order[:3])  # sent by a known node: −z → k is, z → −z not yet
    k = drawing.node("k")
    assert drawing.highlight.get_visible()
    np.testing.assert_allclose(  # outlines k's box: the same size, at the same place
        drawing.highlight.get_window_extent().get_points(), k.artists["box"].get_window_extent().get_points()
    )
    f2, names2 = circuit_autograd((-1.5, 0.5), (0.5, -0.3), 0.1)
    drawing.update_from(f2, names2)  # new numbers keep the step shown
    assert drawing.node("z").label.endswith("∂ ?") and not drawing.node("k").label.endswith("∂ ?")
    drawing.show_gradients()
    assert "∂ ?" not in [n.artists["grad"].get_text() for n in drawing.nodes]
    assert all(text.get_text() for text in drawing.edge_texts) and not drawing.highlight.get_visible()
    with pytest.raises(ValueError, match="node indices 0…12"):
        drawing.show_gradients(known=[13])
    with pytest.raises(ValueError, match="node indices"):
        drawing.show_gradients(current=-1)


# -- a Value graph (notebook 06's engine), read and drawn by the same code -------------------------------------


def value_z_of_x(x_value=2.0):
    """Seed 001 with Values: y = x², z = 2y + y²; at x = 2, dz/dx = (2 + 2y)·2x = 40, dz/dy = 2 + 2y = 10."""
    x = Value(x_value, label="x")
    y = x**2
    y.label = "y"
    z = 2 * y + y**2
    z.label = "z"
    z.backward()
    return x, y, z


def test_a_value_graph_reads_as_the_torch_graph_does():
    x, _, z = value_z_of_x()
    nodes, edges = read_graph(z)
    _, _, z_torch = z_of_x()
    torch_nodes, _ = read_graph(z_torch)
    # the same ops in torch's names (a Value graph also holds the constant 2 as a leaf; torch's does not)
    assert [n.op for n in nodes if n.op != "leaf"] == [n.op for n in torch_nodes if n.op != "leaf"]
    assert [n.symbol for n in nodes] == ["leaf", "leaf", "(·)²", "×", "(·)²", "+"]
    assert [n.name for n in nodes] == [None, "x", "y", None, None, "z"]  # names are the labels
    assert [n.value for n in nodes] == [2.0, 2.0, 4.0, 8.0, 16.0, 24.0]
    assert [n.grad for n in nodes] == [4.0, 40.0, 10.0, 1.0, 1.0, 1.0]  # the 2 gets ∂z/∂2 = y = 4
    assert edges == [(1, 2), (0, 3), (2, 3), (2, 4), (3, 5), (4, 5)]  # y feeds × and (·)²: a fork
    assert nodes[3].local_grads == (4.0, 2.0)  # ∂(2·y)/∂2 = y, ∂(2·y)/∂y = 2
    assert all(n.local_grads is None for n in nodes if n.op == "leaf")
    renamed, _ = read_graph(z, names={"out": z, "input": x})
    assert [n.name for n in renamed] == [None, "input", "y", None, None, "out"]
    assert read_graph(Value(1.5, label="w")) == ([GraphNode("leaf", "leaf", None, "w", ANY, 1.5, 0.0)], [])


def test_every_value_op_has_a_symbol_and_its_torch_name():
    a, b = Value(0.5, label="a"), Value(2.0, label="b")
    expressions = {
        "add": a + b, "sub": a - b, "mul": a * b, "div": a / b, "neg": -a, "pow": a**3, "exp": a.exp(),
        "log": a.log(), "tanh": a.tanh(), "sigmoid": a.sigmoid(), "relu": a.relu(),
    }  # fmt: skip
    symbols = {"add": "+", "sub": "−", "mul": "×", "div": "÷", "neg": "neg", "pow": "(·)³", "sigmoid": "σ"}
    for op, out in expressions.items():
        root = read_graph(out)[0][-1]
        assert (root.op, root.symbol) == (op, symbols.get(op, op))
    assert read_graph(a**-0.5)[0][-1].symbol == "(·)⁻⁰·⁵"


def test_a_value_graph_is_drawn_as_a_torch_graph_is():
    _, y, z = value_z_of_x()
    drawing = draw_graph(z, ax=new_ax(), edge_labels=True)
    assert [n.label for n in drawing.nodes][1:3] == ["x\n2.0000\n∂ 40.0000", "y = (·)²\n4.0000\n∂ 10.0000"]
    assert drawing.nodes[-1].label == "z = +\n24.0000\n∂ 1.0000"
    assert "∂z/∂(box)" in drawing.legend[0].get_text()
    # every edge's flow is known from the local gradients, the fork's two included: they sum to ∂z/∂y
    fork = [k for k, (i, _) in enumerate(drawing.edges) if drawing.nodes[i].name == "y"]
    assert [drawing.edge_grads[k] for k in fork] == [2.0, 8.0]  # 1·2 through 2y, 1·2y through y²
    assert sum(drawing.edge_grads[k] for k in fork) == y.grad == 10.0
    assert None not in drawing.edge_grads
    torch_drawing = draw_graph(z_of_x()[2], ax=new_ax())
    assert type(drawing.nodes[0].artists["value"]) is type(torch_drawing.nodes[0].artists["value"])


def test_update_from_a_value_graph_of_the_same_shape_and_step_through():
    _, _, z = value_z_of_x()
    drawing = draw_graph(z, ax=explorer_ax(), edge_labels=True)
    texts, boxes = drawing.texts, [n.artists["box"] for n in drawing.nodes]
    order = drawing.backward_order
    drawing.show_gradients(known=order[:2], current=order[1])
    x2, _, z2 = value_z_of_x(-1.5)  # dz/dx = (2 + 2·2.25)·(−3) = −19.5
    assert drawing.update_from(z2) == texts
    assert [n.artists["box"] for n in drawing.nodes] == boxes
    assert drawing.node("x").value == -1.5 and drawing.node("x").grad == -19.5
    assert drawing.node("x").label.endswith("∂ ?")  # the step shown is kept
    drawing.show_gradients()
    assert drawing.node("x").label == "x\n−1.5000\n∂ −19.5000"
    with pytest.raises(ValueError, match="different shape"):
        drawing.update_from(x2 * x2)
    with pytest.raises(ValueError, match="different shape"):
        drawing.update_from(z_of_x()[2])  # a torch graph of the same formula has no constant leaf


def test_value_graph_bad_input():
    _, _, z = value_z_of_x()
    with pytest.raises(ValueError, match=r"names \['q'\] are not Values of this graph"):
        read_graph(z, names={"q": Value(1.0)})
    with pytest.raises(TypeError, match=r"names must map display name -> Value.*got str -> Tensor"):
        read_graph(z, names={"x": torch.tensor(1.0)})
    with pytest.raises(TypeError, match=r"tensor must be a torch\.Tensor or a Value; got float"):
        read_graph(2.0)


def test_a_deep_value_chain_is_read_without_recursion():
    v = Value(0.1, label="x")
    for _ in range(3000):  # deeper than Python's recursion limit
        v = v.tanh()
    nodes, edges = read_graph(v)
    assert len(nodes) == 3001 and edges == [(k, k + 1) for k in range(3000)]
