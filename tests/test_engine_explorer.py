"""EngineExplorer, driven headless: the backward pass node by node, the contributions at a fork, the buttons."""

import itertools
import math
import operator
import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_helpers.engine import Value, topological_order
from backprop_helpers.plotting.number_text import format_number
from backprop_helpers.widgets import EngineExplorer
from backprop_helpers.widgets.engine_explorer import EXPRESSIONS, EngineState, Expression, backward_steps

F64 = torch.float64
BINARY = (operator.add, operator.mul, operator.sub)
RTOL = 1e-12  # the engine's float64 against torch's float64: a few roundings apart on these short graphs


def _torch_nodes(key, x, w, b):
    """The same expression in torch float64, staged as the explorer stages it: label → tensor (grads retained)."""
    x, w, b = (torch.tensor(v, dtype=F64, requires_grad=True) for v in (x, w, b))
    nodes = {"x": x, "w": w, "b": b}
    if key == "fork":
        nodes["p"] = w * x
        nodes["q"] = x + b
        nodes["f"] = nodes["p"] + nodes["q"]
    elif key == "twice":
        nodes["f"] = x + x
    elif key == "02 chain":
        nodes["u"] = x**2
        nodes["2u"] = 2 * nodes["u"]
        nodes["u²"] = nodes["u"] ** 2
        nodes["v"] = nodes["2u"] + nodes["u²"]
    else:
        nodes["p"] = w * x
        nodes["z"] = nodes["p"] + b
        if key == "02 bce":
            nodes["ŷ"] = torch.sigmoid(nodes["z"])
            nodes["1 − ŷ"] = 1 - nodes["ŷ"]
            nodes["log(1−ŷ)"] = torch.log(nodes["1 − ŷ"])
            nodes["L"] = -nodes["log(1−ŷ)"]
        elif key == "03 gates":
            nodes["−z"] = -nodes["z"]
            nodes["k"] = torch.exp(nodes["−z"])
            nodes["h"] = 1 + nodes["k"]
            nodes["f"] = 1 / nodes["h"]
        else:
            nodes["f"] = torch.tanh(nodes["z"])
    for tensor in nodes.values():
        if not tensor.is_leaf:
            tensor.retain_grad()
    list(nodes.values())[-1].backward()
    return nodes


def _grads_shown(explorer):
    return [node.artists["grad"].get_text() for node in explorer.drawing.nodes]


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def _rows(explorer):
    """The node table of the read-out, as lists of cell texts (header left out)."""
    rows = re.findall(r"<tr>(.*?)</tr>", explorer.readout.value)[1:]
    return [re.findall(r"<td>(.*?)</td>", row) for row in rows]


@pytest.fixture
def explorer():
    return EngineExplorer()


def test_it_starts_on_the_fork_before_the_backward_pass(explorer):
    state = explorer.state
    assert isinstance(state, EngineState)
    assert explorer.values() == {"expression": "fork", "x": 2.0, "w": -3.0, "b": 1.0}
    assert state.steps == 0 and explorer.history == 0 and state.current is None
    # f = w·x + (x + b) = −6 + 3 = −3
    assert state.root.data == -3.0 and state.root.label == "f"
    assert set(_grads_shown(explorer)) == {"∂ ?"} and not explorer.drawing.highlight.get_visible()
    assert all(text.get_text() == "" for text in explorer.drawing.edge_texts)
    assert "forward pass only" in explorer.readout.value and explorer.message == ""
    assert all(
        drawing.nodes[0].artists["value"].get_fontsize() == 8 for drawing in explorer.drawings.values()
    )


@pytest.mark.parametrize("key", EXPRESSIONS)
def test_stepping_fills_one_node_per_click_in_reverse_topological_order(key):
    explorer = EngineExplorer(expression=key)
    drawing, n = explorer.drawing, len(explorer.state.order)
    for k in range(1, n + 1):
        explorer.controls["step"].click()
        state = explorer.state  # a new graph each update: the same expression at the same slider values
        order = tuple(reversed(topological_order(state.root)))  # the engine's order, output first
        assert tuple(map(id, state.order)) == tuple(map(id, order)) and order[0] is state.root
        assert state.steps == k == explorer.history and state.current is order[k - 1]
        index = {id(node.tensor): i for i, node in enumerate(drawing.nodes)}
        shown = _grads_shown(explorer)
        for i, node in enumerate(order):  # processed: the engine's final gradient; the others: ∂ ?
            expected = "∂ " + format_number(node.grad) if i < k else "∂ ?"
            assert shown[index[id(node)]] == expected, (key, k, node.label)
        box = drawing.nodes[index[id(order[k - 1])]].artists["box"]
        assert drawing.highlight.get_visible()
        assert drawing.highlight.get_transform().transform((0, 0)) == pytest.approx(
            box.get_transform().transform((0, 0))
        )
        # an arrow is labelled once the node it feeds has sent along it: upstream × local
        processed = {index[id(node)] for node in order[:k]}
        edges = zip(drawing.edges, drawing.edge_texts, _edge_positions(drawing.edges), strict=True)
        for (_, j), text, position in edges:
            if j in processed:
                consumer = drawing.nodes[j].tensor
                assert text.get_text() == format_number(consumer.grad * consumer._local_grads[position])
            else:
                assert text.get_text() == ""
        rows = _rows(explorer)
        assert [row[0] for row in rows] == ["✓"] * (k - 1) + ["▶"] + [""] * (n - k)
        assert f"step {k} of {n}: " in explorer.readout.value
    assert "backward pass complete" in explorer.readout.value


def _edge_positions(edges):
    """Each edge's place among its consumer's input edges (the index into _prev and _local_grads)."""
    seen = {}
    for _, j in edges:
        seen[j] = seen.get(j, -1) + 1
        yield seen[j]


@pytest.mark.parametrize("key", EXPRESSIONS)
def test_the_end_of_the_pass_is_the_engines_backward_and_torchs(key):
    explorer = EngineExplorer(expression=key)
    state = explorer.all()
    inputs = {**{"x": 0.0, "w": 0.0, "b": 0.0}, **explorer.values()}
    del inputs["expression"]
    # the engine's own backward() on a fresh graph
    leaves = {name: Value(inputs[name], label=name) for name in ("x", "w", "b")}
    root = EXPRESSIONS[key].build(**leaves)
    root.backward()
    fresh = list(reversed(topological_order(root)))  # the same staging: the same order, node by node
    reference = _torch_nodes(key, **inputs)
    for i, node in enumerate(state.order):
        assert node.label == fresh[i].label
        assert state.grad(i) == node.grad == fresh[i].grad, (
            node.label
        )  # bitwise: the same sums in the same order
        if node.label in reference:
            expected = reference[node.label].grad.item()
            assert node.grad == pytest.approx(expected, rel=RTOL, abs=1e-300), (key, node.label)
            assert node.data == pytest.approx(reference[node.label].item(), rel=RTOL), (key, node.label)
        else:
            assert node.label in ("1", "2") and not node._prev  # only the constants have no torch twin


def test_the_fork_receives_two_contributions_that_sum_to_its_grad(explorer):
    # f = p + q, p = w·x, q = x + b at x = 2, w = −3, b = 1. The order is f, q, b, p, x, w:
    # f seeds 1 and sends 1 to p and to q; q sends 1 × 1 = 1 to x; p sends 1 × w = −3 to x; x: 1 + (−3) = −2
    order = [node.label for node in explorer.state.order]
    assert order == ["f", "q", "b", "p", "x", "w"]
    x = order.index("x")
    explorer.step()
    explorer.step()  # q has sent its share to x: one of two
    assert _rows(explorer)[x][4:] == ["?", "1.0000 from q  (1 of 2)"]
    explorer.step()
    explorer.step()  # and p its share: both are in, x's own turn comes next
    assert _rows(explorer)[x][4:] == ["?", "1.0000 from q + (−3.0000) from p  (2 of 2)"]
    state = explorer.step()
    assert state.current.label == "x" and [c for _, c in state.received[x]] == [1.0, -3.0]
    assert state.grad(x) == 1.0 + -3.0 == state.current.grad == -2.0
    assert _rows(explorer)[x][4] == "−2.0000"
    assert "∂f/∂x = 1.0000 + (−3.0000) = −2.0000, one contribution per use of x (+= at a fork)" in _text(
        explorer.readout.value
    )
    assert explorer.drawing.node("x").label == "x\n2.0000\n∂ −2.0000"
    drawing = explorer.drawing
    edges = zip(drawing.edges, drawing.edge_texts, strict=True)
    edges_into_x = [text.get_text() for (i, _), text in edges if drawing.nodes[i].name == "x"]
    assert sorted(edges_into_x) == ["1.0000", "−3.0000"]  # each arrow labelled with what it carried


def test_x_plus_x_sends_two_ones_along_twin_arrows():
    explorer = EngineExplorer(expression="twice")
    explorer.step()  # f: 1 × 1 along each of its two input edges, both to x
    assert _rows(explorer)[1][5] == "1.0000 from f + 1.0000 from f  (2 of 2)"
    assert [t.get_text() for t in explorer.drawing.edge_texts] == ["1.0000", "1.0000"]
    assert explorer.step().grad(1) == 2.0
    assert "∂f/∂x = 1.0000 + 1.0000 = 2.0000" in _text(explorer.readout.value)


def test_source_notebooks_numbers():
    # 02's chain (notebook 06's names): v = 2u + u², u = x², x = 2: u = 4, dv/du = 2 + 2u = 10 (two contributions,
    # 2 from 2u and 8 from u²), dv/dx = 10 · 2x = 40
    state = EngineExplorer(expression="02 chain").all()
    grads = {node.label: state.grad(i) for i, node in enumerate(state.order)}
    assert (state.root.data, grads["u"], grads["x"]) == (24.0, 10.0, 40.0)
    u = [node.label for node in state.order].index("u")
    assert sorted(c for _, c in state.received[u]) == [2.0, 8.0]
    # 02's BCE neuron at x = 6.7, w = 1, b = 0, y = 0: L = log(1 + e^6.7), ∂L/∂w = σ(6.7)·6.7, ∂L/∂b = σ(6.7)
    state = EngineExplorer(expression="02 bce").all()
    grads = {node.label: format_number(node.grad) for node in state.order}
    assert (format_number(state.root.data), grads["w"], grads["b"]) == ("6.7012", "6.6918", "0.9988")
    # 03's circuit at z = 0 (x = 2, w = −0.3, b = 0.6): f = 1/2, h = 2, k = 1, ∂f/∂h = −1/4, ∂f/∂z = 1/4,
    # ∂f/∂w = x/4 = 0.5, ∂f/∂x = w/4 = −0.075, as 03 finds for x₁, w₁
    state = EngineExplorer(expression="03 gates").all()
    nodes = {node.label: node for node in state.order}
    assert (nodes["f"].data, nodes["h"].data, nodes["k"].data) == pytest.approx((0.5, 2.0, 1.0), abs=1e-15)
    grads = {label: nodes[label].grad for label in ("h", "k", "z", "w", "x", "b")}
    assert grads == pytest.approx({"h": -0.25, "k": -0.25, "z": 0.25, "w": 0.5, "x": -0.075, "b": 0.25})


def test_all_zero_grad_and_reset(explorer):
    explorer.step()
    n = len(explorer.state.order)
    assert explorer.controls["all"].click() is None and explorer.state.steps == n
    assert "?" not in "".join(_grads_shown(explorer))
    assert explorer.controls["step"].disabled and explorer.controls["all"].disabled  # nothing more to do
    assert explorer.step().steps == n
    explorer.controls["x"].value = 1.5
    explorer.controls["zero_grad"].click()  # grads forgotten, forward and settings kept
    state = explorer.state
    assert state.steps == 0 and explorer.values()["x"] == 1.5 and not explorer.controls["step"].disabled
    assert set(_grads_shown(explorer)) == {"∂ ?"} and all(row[4] == "?" for row in _rows(explorer))
    assert explorer.drawing.node("x").label.splitlines()[1] == "1.5000"
    assert state.root.data == -3 * 1.5 + 1.5 + 1.0
    explorer.controls["expression"].value = "tanh"
    explorer.all()
    explorer.controls["reset"].click()
    assert explorer.values() == explorer.defaults() and explorer.state.expression == "fork"
    assert explorer.state.steps == 0


def test_a_slider_keeps_the_step_and_a_new_expression_restarts_at_its_values(explorer):
    for _ in range(3):
        explorer.step()
    explorer.controls["w"].value = 0.5  # effect "update": the same node outlined, new numbers
    state = explorer.state
    assert explorer.specs["w"].effect == "update" and state.steps == 3 and state.current.label == "b"
    p = [node.label for node in state.order].index("p")
    assert state.order[p].data == 0.5 * 2.0
    assert state.received[p] == ((0, 1.0),)
    explorer.controls["expression"].value = "02 bce"
    assert explorer.state.steps == 0 and explorer.values() == {
        "expression": "02 bce",
        "x": 6.7,
        "w": 1.0,
        "b": 0.0,
    }
    explorer.controls["expression"].value = "twice"
    assert explorer.values()["x"] == 3.0 and explorer.values()["w"] == 1.0  # w is not twice's: left alone
    assert [explorer.controls[name].disabled for name in ("x", "w", "b")] == [False, True, True]
    assert "(w and b not used)" in explorer.readout.value
    others = [drawing for key, drawing in explorer.drawings.items() if key != "twice"]
    assert explorer.drawing.ax.get_visible() and not any(d.ax.get_visible() for d in others)
    assert not any(artist.get_visible() for d in others for artist in d.dynamic_artists)


def test_constructor_checks_its_arguments():
    assert EngineExplorer(expression="tanh", x=-1.0).values() == {"expression": "tanh", "x": -1.0, "w": 0.8,
                                                                   "b": -0.4}  # fmt: skip
    with pytest.raises(ValueError, match=r"^expression must be one of 'fork', 'twice'.*; got 'sin'"):
        EngineExplorer(expression="sin")
    with pytest.raises(ValueError, match=r"^x must be a number in \[-8, 8\]; got 9"):
        EngineExplorer(x=9.0)
    with pytest.raises(TypeError, match=r"^EngineExplorer has no setting y"):
        EngineExplorer(y=1.0)


CORNERS = list(itertools.product(*[(-1, 0, 1)] * 3))


@pytest.mark.parametrize("key", EXPRESSIONS)
def test_every_expression_at_every_slider_corner_is_finite(key):
    explorer = EngineExplorer(expression=key)
    explorer.all()
    specs = [explorer.specs[name] for name in ("x", "w", "b")]
    for corner in CORNERS:  # each slider at its low end, its middle (0) or its high end
        values = {
            name: {-1: s.low, 0: 0.0, 1: s.high}[c] for name, s, c in zip("xwb", specs, corner, strict=True)
        }
        explorer.set_values(values)
        state = explorer.update()
        assert explorer.message == "" and explorer.shown["x"] == values["x"], (key, values)
        numbers = [node.data for node in state.order] + [state.grad(i) for i in range(len(state.order))]
        assert all(math.isfinite(v) for v in numbers), (key, values)
        text = _text(explorer.readout.value).lower()
        assert "nan" not in text and "inf" not in text, (key, values)
    # the BCE neuron's log: 1 − σ(z) stays above 0 at the largest z the sliders reach
    z_max = explorer.specs["w"].high * explorer.specs["x"].high + explorer.specs["b"].high
    assert 1 - 1 / (1 + math.exp(-z_max)) > 1e-12


def test_an_engine_error_is_a_message_not_a_traceback(monkeypatch):
    explorer = EngineExplorer(expression="tanh")
    good = explorer.state
    broken = Expression("log of x", "v = log x", lambda x, w, b: x.log(), {"x": 1.0, "w": 0.8, "b": -0.4})
    monkeypatch.setitem(EXPRESSIONS, "tanh", broken)
    explorer.controls["x"].value = -1.0  # log(−1): the engine raises a ValueError
    assert explorer.message == "⚠ log needs a number > 0; got -1.0" and explorer.state is good


@st.composite
def _expressions(draw):
    """A random Value graph over two leaves, with reuse (forks) likely: (root, leaves)."""
    nodes = [Value(draw(st.floats(-2, 2).filter(lambda v: abs(v) > 0.1)), label=name) for name in "ab"]
    for _ in range(draw(st.integers(1, 10))):
        i, j = draw(st.integers(0, len(nodes) - 1)), draw(st.integers(0, len(nodes) - 1))
        op = draw(st.sampled_from([operator.add, operator.mul, operator.sub, Value.tanh, Value.sigmoid]))
        nodes.append(op(nodes[i], nodes[j]) if op in BINARY else op(nodes[i]))
    return nodes[-1]


@settings(max_examples=60, deadline=None)
@given(_expressions())
def test_backward_steps_replays_backward_exactly(root):
    root.backward()
    order, received = backward_steps(root, len(topological_order(root)))
    for node, contributions in zip(order, received, strict=True):
        assert (
            sum(c for _, c in contributions) == node.grad
        )  # bitwise: the engine's sums in the engine's order
        # a node's contributions all come from nodes before it in the order: complete at its turn
        position = order.index(node)
        assert all(sender is None or sender < position for sender, _ in contributions)
    partial_order, partial = backward_steps(root, 1)  # only the root has sent
    assert partial_order == order and partial[0] == ((None, 1.0),)
    assert all(sender in (None, 0) for r in partial for sender, _ in r)
