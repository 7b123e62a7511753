"""CircuitExplorer, driven headless: sliders → state (hand trace and autograd), graph labels in place, messages."""

import ipywidgets as widgets
import pytest
import torch

from backprop_helpers import sigmoid_circuit
from backprop_helpers.activations import sigmoid_grad
from backprop_helpers.circuit import AUTOGRAD_GRADIENT_LIMIT, FLOAT32_EXP_LIMIT, HAND_GRADIENT_LIMIT
from backprop_helpers.plotting.number_text import format_number
from backprop_helpers.widgets import CircuitExplorer
from backprop_helpers.widgets.circuit_explorer import LOCALS, CircuitState, gate_rows

SLIDERS = ("x0", "x1", "w0", "w1", "b")
DISPLAY = {"x0": "x₀", "x1": "x₁", "w0": "w₀", "w1": "w₁", "b": "b"}


@pytest.fixture
def explorer():
    return CircuitExplorer()


def test_defaults_are_the_source_notebooks(explorer):
    state = explorer.state
    assert isinstance(state, CircuitState)
    assert explorer.values() == {"x0": 1.0, "x1": 2.0, "w0": 0.5, "w1": -0.3, "b": 0.1}
    t = state.trace
    # z = 0.5·1 − 0.3·2 + 0.1 = 0, k = 1, h = 2, f = 1/2, ∂f/∂h = −1/4, ∂f/∂z = −1/4 · 1 · (−1) = 1/4
    assert (t.f.item(), t.h.item(), t.k.item()) == pytest.approx((0.5, 2.0, 1.0), abs=1e-6)
    assert (t.df_dh.item(), t.df_dk.item(), t.df_dz.item()) == pytest.approx((-0.25, -0.25, 0.25), abs=1e-6)
    assert t.df_dw.tolist() == pytest.approx([0.25, 0.5], abs=1e-6)
    assert t.df_dx.tolist() == pytest.approx([0.125, -0.075], abs=1e-6)
    assert explorer.message == ""
    assert explorer.drawing.node("k").label == "k = exp\n1.0000\n∂ −0.2500"
    assert explorer.drawing.node("z").label == "z = +\n0.0000\n∂ 0.2500"
    assert explorer.drawing.node("x₁").label == "x₁\n2.0000\n∂ −0.0750"


@pytest.mark.parametrize("name", SLIDERS)
def test_each_slider_drives_trace_autograd_and_the_same_artists(explorer, name):
    texts, before_readout = explorer.drawing.texts, explorer.readout.value
    before_label = explorer.drawing.node(DISPLAY[name]).label
    explorer.controls[name].value = 0.7
    v = explorer.values()
    assert v[name] == 0.7
    expected = sigmoid_circuit([v["x0"], v["x1"]], [v["w0"], v["w1"]], v["b"])
    state = explorer.state
    for field in ("z", "k", "h", "f", "df_dh", "df_dk", "df_dz", "df_dw", "df_db", "df_dx"):
        assert torch.equal(getattr(state.trace, field), getattr(expected, field)), field
    # autograd on the same gates agrees with the hand trace
    grads = {n: state.tensors[n].grad.item() for n in ("w₀", "w₁", "b", "x₀", "x₁", "z", "k", "h")}
    hand = [*expected.df_dw.tolist(), expected.df_db.item(), *expected.df_dx.tolist()]
    hand += [expected.df_dz.item(), expected.df_dk.item(), expected.df_dh.item()]
    assert list(grads.values()) == pytest.approx(hand, rel=1e-5, abs=1e-7)
    # the same Text artists relabelled, a new read-out
    assert explorer.drawing.texts == texts
    assert explorer.drawing.node(DISPLAY[name]).label != before_label
    assert explorer.drawing.node(DISPLAY[name]).value == pytest.approx(0.7)
    assert explorer.readout.value != before_readout


def test_readout_shows_local_and_upstream_side_by_side(explorer):
    html = explorer.readout.value
    for header in ("forward value", "local gradient", "upstream ∂f/∂(output)", "upstream × local"):
        assert header in html
    rows = gate_rows(explorer.state.trace, explorer.state.x, explorer.state.w)
    # the source notebook printed ∂h/∂k = 1 and ∂k/∂z = −1 as "df/dk" and "df/dz": both columns are in the table
    assert rows[1] == ("h = 1 + k", "h = 2.0000", "∂h/∂k = 1.0000", "∂f/∂h = −0.2500", "∂f/∂k = −0.2500")
    assert rows[2] == (
        "k = e^(−z)",
        "k = 1.0000",
        "∂k/∂z = −k = −1.0000",
        "∂f/∂k = −0.2500",
        "∂f/∂z = 0.2500",
    )
    assert rows[3] == (
        "z = w·x + b",
        "z = 0.0000",
        "∂z/∂w₀ = x₀ = 1.0000",
        "∂f/∂z = 0.2500",
        "∂f/∂w₀ = 0.2500",
    )
    assert rows[-1][2:] == ("∂z/∂x₁ = w₁ = −0.3000", "", "∂f/∂x₁ = −0.0750")
    assert all(cell in html for row in rows for cell in row if cell)


def test_slider_ranges_reach_the_overflow(explorer):
    ranges = {name: (explorer.controls[name].min, explorer.controls[name].max) for name in SLIDERS}
    assert ranges == {"x0": (-10, 10), "x1": (-10, 10), "w0": (-5, 5), "w1": (-5, 5), "b": (-5, 5)}
    lowest_z = -10 * 5 * 2 - 5  # x = (10, 10), w = (−5, −5), b = −5
    assert lowest_z < -FLOAT32_EXP_LIMIT < -88


def test_overflow_is_a_message_not_a_traceback(explorer):
    for name, value in {"x0": 10.0, "x1": 10.0, "w0": -5.0}.items():
        explorer.controls[name].value = value  # z = −50 − 3 + 0.1: still finite
    good, png = explorer.state, explorer.image.value
    for name, value in {"w1": -5.0, "b": -5.0}.items():
        explorer.controls[name].value = value  # z falls to −105: k = e^{105} overflows float32
    assert "overflows" in explorer.message and "z = -105" in explorer.message
    assert explorer.state is good and explorer.image.value == png  # the last good picture stays
    explorer.controls["w0"].value = 4.0  # z = 40 − 50 − 5 = −15: finite again
    assert explorer.message == ""
    assert explorer.state.trace.z.item() == pytest.approx(-15.0)


def test_lost_gradient_warning_where_h_squared_overflows(explorer):
    for name, value in {"x0": 10.0, "x1": 0.0, "w0": -5.0, "b": -2.0}.items():
        explorer.controls[name].value = value  # z = −52: h ≈ e^{52}, h² > float32 max
    assert explorer.state.trace.df_dz.item() == 0.0
    assert "h² overflows" in explorer.message
    explorer.controls["w0"].value = -1.0  # z = −12: fine again
    assert explorer.message == "" and explorer.state.trace.df_dz.item() > 0


def _set(explorer, **values):
    for name, value in values.items():
        explorer.controls[name].value = value


def test_band_where_only_autograd_keeps_the_gradient_is_flagged(explorer):
    # z = −4.8·10 = −48: h ≈ 7e20, h² > float32 max, so the hand ∂f/∂h = −1/h² is 0; autograd's −f² is not
    _set(explorer, x0=10.0, x1=0.0, w0=-4.8, b=0.0)
    state = explorer.state
    assert HAND_GRADIENT_LIMIT > state.trace.z.item() > AUTOGRAD_GRADIENT_LIMIT
    assert state.trace.df_dz.item() == 0.0 and state.trace.df_dh.item() == 0.0
    graph = state.tensors["z"].grad.item()
    exact = sigmoid_grad(torch.tensor(-48.0, dtype=torch.float64)).item()
    assert graph == pytest.approx(exact, rel=1e-3)  # f² is still a normal-enough float32 at z = −48
    # both show 0.0000 at 4 decimals: only the message tells them apart
    assert explorer.drawing.node("z").label.endswith("∂ 0.0000")
    assert "∂f/∂z = 0.0000" in explorer.readout.value
    message = explorer.message
    assert "disagree" in message and "−f²" in message and "h² overflows" in message
    assert f"{graph:.3e}".replace("-", "−") in message and "z = −48.00" in message
    assert "subnormal" not in message
    # deeper in the band f² is subnormal: autograd's value is finite but has few digits left, and the message says so
    _set(explorer, w0=-5.0, b=-1.5)  # z = −51.5
    assert explorer.state.tensors["z"].grad.item() > 0 and "subnormal" in explorer.message
    # below the band autograd's −f² underflows as well: no disagreement, the lost gradient is still flagged
    _set(explorer, b=-2.0)  # z = −52
    assert explorer.state.tensors["z"].grad.item() == 0.0
    assert "disagree" not in explorer.message and "underflowed too" in explorer.message
    # above the band both keep it and there is nothing to say
    _set(explorer, w0=-4.0, b=0.0)  # z = −40
    assert explorer.message == "" and explorer.state.trace.df_dz.item() > 0


def test_the_gate_table_goes_below_the_wide_graph(explorer):
    box = next(
        c for c in explorer.widget.children if isinstance(c, widgets.HBox) and explorer.image in c.children
    )
    assert box.layout.flex_flow == "row wrap"
    assert explorer.drawing.nodes[0].artists["value"].get_fontsize() == 8  # the figure fits the graph


def test_constructor_arguments_become_the_sliders_defaults():
    explorer = CircuitExplorer(x=(-3.2, 2.0), w=(0.5, -0.3), b=0.1)  # a point of exercise 03's neighbourhood
    assert explorer.values() == {"x0": -3.2, "x1": 2.0, "w0": 0.5, "w1": -0.3, "b": 0.1}
    assert explorer.reset().x == (-3.2, 2.0)
    with pytest.raises(ValueError, match=r"^x0 must be a number in \[-10, 10\]; got 11\.0"):
        CircuitExplorer(x=(11.0, 2.0))
    with pytest.raises(ValueError, match=r"^x0 must lie on the slider's grid"):
        CircuitExplorer(x=(-3.25, 2.0))  # exercise 03's input: the sliders cannot be set to it
    with pytest.raises(ValueError, match=r"^w must hold two numbers"):
        CircuitExplorer(w=(0.5, -0.3, 1.0))


# -- the step-through of the backward pass and the gradients on the edges ---------------------------------------


def _grads_shown(explorer):
    return {node.name: node.artists["grad"].get_text() for node in explorer.drawing.nodes}


def test_the_edges_carry_upstream_times_local(explorer):
    drawing, t = explorer.drawing, explorer.state.tensors
    values = {name: tensor.item() for name, tensor in t.items()}
    names = [node.name for node in drawing.nodes]
    assert set(LOCALS) == set(names) - {"f"}  # every node but the output feeds exactly one other
    for (i, j), text in zip(drawing.edges, drawing.edge_texts, strict=True):
        consumer, _, local = LOCALS[names[i]]
        assert names[j] == consumer
        upstream_times_local = t[consumer].grad.item() * local(values)
        assert (
            text.get_text() == format_number(upstream_times_local) == format_number(t[names[i]].grad.item())
        )
    explorer.controls["w1"].value = 1.7  # the edges follow the sliders
    x1_edge = drawing.edges.index((names.index("x₁"), names.index("w₁x₁")))
    expected = explorer.state.tensors["w₁x₁"].grad.item() * 1.7
    assert drawing.edge_texts[x1_edge].get_text() == format_number(expected)


def test_backward_step_goes_from_the_output_to_the_inputs(explorer):
    state = explorer.state
    assert state.steps is None and explorer.history is None  # the complete pass, as f.backward() leaves it
    assert (
        "?" not in "".join(_grads_shown(explorer).values()) and not explorer.drawing.highlight.get_visible()
    )
    assert "backward pass complete" in explorer.readout.value
    order, n = state.order, len(state.order)
    assert order[:5] == ("f", "h", "k", "−z", "z") and n == 13
    for k in range(1, n + 1):
        explorer.controls["step"].click()
        state = explorer.state
        assert state.steps == k == explorer.history and state.current == order[k - 1]
        shown = _grads_shown(explorer)
        for name in order:
            if name in order[:k]:  # reached: autograd's gradient, as in the complete pass
                assert shown[name] == "∂ " + format_number(state.tensors[name].grad.item()), (k, name)
            else:
                assert shown[name] == "∂ ?", (k, name)
        # the current node is outlined: the highlight sits on its box
        box = explorer.drawing.node(order[k - 1]).artists["box"]
        assert explorer.drawing.highlight.get_visible()
        assert explorer.drawing.highlight.get_transform().transform((0, 0)) == pytest.approx(
            box.get_transform().transform((0, 0))
        )
        assert f"backward step {k} of {n}: " in explorer.readout.value
        # an edge shows what flows back along it once the node it feeds is reached
        names = [node.name for node in explorer.drawing.nodes]
        for (_, j), text in zip(explorer.drawing.edges, explorer.drawing.edge_texts, strict=True):
            assert (text.get_text() != "") == (names[j] in order[:k])
    assert "every input reached" in explorer.readout.value
    assert explorer.step().steps == 1  # after the last node a new pass starts at the output


def test_each_step_reads_out_upstream_times_local(explorer):
    for _ in range(9):
        explorer.step()  # step 9: x₁, which feeds w₁x₁ = w₁·x₁
    state = explorer.state
    assert state.current == "x₁"
    t = state.tensors
    upstream, local, value = t["w₁x₁"].grad.item(), state.w[1], t["x₁"].grad.item()
    assert value == pytest.approx(upstream * local, rel=1e-6)
    line = (f"backward step 9 of 13: ∂f/∂x₁ = ∂f/∂(w₁x₁) × w₁ = {format_number(upstream)} × "
            f"({format_number(local)}) = {format_number(value)} (upstream × local)")  # fmt: skip
    assert line in explorer.readout.value
    # the gate table hides what the pass has not reached: ∂f/∂x₁ is known, ∂f/∂x₀ and ∂f/∂w₀ not yet
    html = explorer.readout.value
    assert f"∂f/∂x₁ = {format_number(value)}" in html and "∂f/∂x₀ = ?" in html and "∂f/∂w₀ = ?" in html
    rows = gate_rows(state.trace, state.x, state.w, known=state.known)
    assert rows[0][3:] == ("∂f/∂f = 1", "∂f/∂h = −0.2500")
    assert rows[3][2] == "∂z/∂w₀ = x₀ = 1.0000"  # local gradients are known from the forward pass


def test_reset_backward_clears_and_a_slider_move_restarts(explorer):
    explorer.controls["reset_backward"].click()
    assert explorer.state.steps == 0 and explorer.state.current is None
    assert set(_grads_shown(explorer).values()) == {"∂ ?"}
    assert all(text.get_text() == "" for text in explorer.drawing.edge_texts)
    assert "forward pass only" in explorer.readout.value and "∂f/∂h = ?" in explorer.readout.value
    assert explorer.drawing.node("k").label.splitlines()[1] == "1.0000"  # the forward values stay
    explorer.step()
    explorer.step()
    explorer.controls["x0"].value = 2.0  # new numbers: a new complete pass (effect "restart")
    assert explorer.specs["x0"].effect == "restart"
    assert explorer.history is None and explorer.state.steps is None
    assert "?" not in "".join(_grads_shown(explorer).values())
    assert explorer.drawing.node("x₀").value == pytest.approx(2.0)
    assert explorer.step().current == "f"  # and the next step starts again at the output
    assert explorer.reset().steps is None and explorer.values()["x0"] == 1.0
