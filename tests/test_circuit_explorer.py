"""CircuitExplorer, driven headless: sliders → state (hand trace and autograd), graph labels in place, messages."""

import ipywidgets as widgets
import pytest
import torch

from backprop_helpers import sigmoid_circuit
from backprop_helpers.activations import sigmoid_grad
from backprop_helpers.circuit import AUTOGRAD_GRADIENT_LIMIT, FLOAT32_EXP_LIMIT, HAND_GRADIENT_LIMIT
from backprop_helpers.widgets import CircuitExplorer
from backprop_helpers.widgets.circuit_explorer import CircuitState, gate_rows

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
    ranges = {name: (c.min, c.max) for name, c in explorer.controls.items()}
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
