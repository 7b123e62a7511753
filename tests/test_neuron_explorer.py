"""NeuronExplorer, driven headless: the state is neuron_backward and autograd, Step is sgd_step, Reset restores
the seed, the surface is recomputed only when x, b or y change, and extreme settings give messages."""

import itertools

import pytest
import torch

from backprop_helpers import neuron_backward, sgd_step
from backprop_helpers.widgets import NeuronExplorer
from backprop_helpers.widgets.neuron_explorer import DEFAULTS, PARAM_RANGE, NeuronExplorerState

F64 = torch.float64


@pytest.fixture
def explorer():
    return NeuronExplorer()


def reference(values):
    """neuron_backward in float64 at a dict of settings (w1, w2, b, x1, x2, y)."""
    return neuron_backward(
        torch.tensor([values["x1"], values["x2"]], dtype=F64),
        torch.tensor([values["w1"], values["w2"]], dtype=F64),
        torch.tensor(values["b"], dtype=F64),
        torch.tensor(values["y"], dtype=F64),
    )


def autograd_reference(values):
    """∂L/∂w and ∂L/∂b by autograd with torch.sigmoid, the explorer's code not involved."""
    w = torch.tensor([values["w1"], values["w2"]], dtype=F64, requires_grad=True)
    b = torch.tensor(values["b"], dtype=F64, requires_grad=True)
    x = torch.tensor([values["x1"], values["x2"]], dtype=F64)
    loss = (torch.sigmoid((w * x).sum() + b) - values["y"]) ** 2
    loss.backward()
    return w.grad, b.grad


def test_defaults_are_the_seed(explorer):
    state = explorer.state
    assert isinstance(state, NeuronExplorerState)
    assert explorer.values() == DEFAULTS
    # z = 0.5·0.5 + (−1.2)·3 + 0.7 = 0.25 − 3.6 + 0.7 = −2.65; the seed printed ŷ = 0.065989, L = 0.872377
    assert state.trace.z.item() == pytest.approx(-2.65, abs=1e-12)
    assert state.trace.y_hat.item() == pytest.approx(0.065989, abs=5e-7)
    assert state.trace.loss.item() == pytest.approx(0.872377, abs=5e-7)
    assert state.trace.dL_dw.tolist() == pytest.approx([-0.057567, -0.345404], abs=5e-7)
    assert state.trace.dL_db.item() == pytest.approx(-0.115135, abs=5e-7)
    assert state.path == ((0.5, -1.2, state.trace.loss.item()),)
    assert explorer.message == ""


def test_state_follows_the_sliders(explorer):
    settings = {"w1": -1.3, "w2": 0.8, "b": 0.25, "x1": -2.0, "x2": 1.5, "y": 0.3, "lr": 0.1}
    for name, value in settings.items():
        explorer.controls[name].value = value
    expected = reference(settings)
    trace = explorer.state.trace
    for name, value in expected.as_dict().items():
        assert torch.allclose(getattr(trace, name), value, rtol=1e-12, atol=1e-15), name
    dL_dw, dL_db = autograd_reference(settings)
    assert torch.allclose(explorer.state.autograd["dL_dw"], dL_dw, rtol=1e-10, atol=1e-14)
    assert torch.allclose(explorer.state.autograd["dL_db"], dL_db, rtol=1e-10, atol=1e-14)
    # the chain-rule factors by autograd too: ∂L/∂ŷ = 2(ŷ − y), ∂ŷ/∂z = σ′(z)
    assert explorer.state.autograd["dL_dyhat"].item() == pytest.approx(trace.dL_dyhat.item(), rel=1e-12)
    assert explorer.state.autograd["dyhat_dz"].item() == pytest.approx(trace.dyhat_dz.item(), rel=1e-12)


def test_readout_shows_hand_and_autograd_side_by_side(explorer):
    html = explorer.readout.value
    for label in ("z", "ŷ", "∂L/∂ŷ", "∂ŷ/∂z", "∂L/∂w₁", "∂L/∂w₂", "∂L/∂b", "hand", "autograd"):
        assert label in html
    assert html.count("-0.345404") == 2  # ∂L/∂w₂, hand and autograd
    explorer.step()
    assert "0.505757" in explorer.readout.value  # the exact w₁, which the slider shows rounded to 0.51
    assert "✓ hand = autograd" in html


def test_step_is_one_sgd_step_and_moves_the_sliders(explorer):
    before = explorer.state
    png = explorer.image.value
    figure = explorer.figure
    explorer.controls["step"].click()
    # the seed's one step: w = (0.505757, −1.165460), b = 0.711513
    w_b = sgd_step(
        {"w": torch.tensor(before.w, dtype=F64), "b": torch.tensor(before.b, dtype=F64)},
        {"w": before.trace.dL_dw, "b": before.trace.dL_db},
        0.1,
    )
    assert explorer.state.w == pytest.approx(tuple(w_b["w"].tolist()), abs=1e-15)
    assert explorer.state.w == pytest.approx((0.505757, -1.165460), abs=5e-7)
    assert explorer.state.b == pytest.approx(0.711513, abs=5e-7)
    assert explorer.controls["w1"].value == pytest.approx(0.505757, abs=5e-7)
    assert explorer.controls["b"].value == pytest.approx(0.711513, abs=5e-7)
    assert len(explorer.state.path) == 2
    assert explorer.state.losses[1] < explorer.state.losses[0]
    assert explorer.figure is figure
    assert explorer.image.value != png


def test_step_updates_once_not_once_per_slider(explorer, monkeypatch):
    calls = []
    original = explorer.update
    monkeypatch.setattr(explorer, "update", lambda: (calls.append(1), original())[1])
    explorer.step()
    assert calls == [1]  # the three slider observers stayed quiet while step() moved them
    assert len(explorer.state.path) == 2


def test_many_steps_descend_and_widen_the_step_axis(explorer):
    for _ in range(25):
        explorer.step()
    losses = explorer.state.losses
    assert len(losses) == 26
    assert all(b < a for a, b in itertools.pairwise(losses))  # y = 1, lr = 0.1: L falls every step
    assert explorer._ax_loss.get_xlim()[1] >= 25
    # the run is plain SGD from the seed: compare with a loop of sgd_step
    params = {"w": torch.tensor([0.5, -1.2], dtype=F64), "b": torch.tensor(0.7, dtype=F64)}
    x, y = torch.tensor([0.5, 3.0], dtype=F64), torch.tensor(1.0, dtype=F64)
    for _ in range(25):
        trace = neuron_backward(x, params["w"], params["b"], y)
        params = sgd_step(params, {"w": trace.dL_dw, "b": trace.dL_db}, 0.1)
    assert explorer.state.w == pytest.approx(tuple(params["w"].tolist()), abs=1e-12)
    assert explorer.state.b == pytest.approx(params["b"].item(), abs=1e-12)


def test_reset_restores_the_defaults_and_clears_the_curve(explorer):
    explorer.controls["lr"].value = 1.0
    explorer.controls["x1"].value = -1.0
    for _ in range(3):
        explorer.step()
    explorer.controls["reset"].click()
    assert explorer.values() == DEFAULTS
    assert {name: explorer.controls[name].value for name in DEFAULTS} == DEFAULTS
    assert len(explorer.state.path) == 1
    assert explorer._loss_line.get_xdata().tolist() == [0]
    assert explorer.message == ""


def test_moving_a_weight_starts_a_new_run_but_lr_does_not(explorer):
    explorer.step()
    explorer.step()
    explorer.controls["lr"].value = 0.5
    assert len(explorer.state.path) == 3  # lr may change mid-run
    explorer.controls["w1"].value = 1.5
    assert len(explorer.state.path) == 1
    assert explorer.state.w[0] == 1.5


def test_arrow_points_down_the_gradient_and_the_next_marker_is_the_step(explorer):
    explorer.controls["lr"].value = 1.0
    state = explorer.state
    tail = explorer._arrow.xyann
    tip = explorer._arrow.xy
    direction = torch.tensor([tip[0] - tail[0], tip[1] - tail[1]], dtype=F64)
    minus_grad = -state.trace.dL_dw
    cosine = (direction @ minus_grad) / (direction.norm() * minus_grad.norm())
    assert tail == pytest.approx(state.w)
    assert cosine.item() == pytest.approx(1.0, abs=1e-12)
    # the hollow circle: w − lr·∇L = (0.5, −1.2) + (0.057567, 0.345404)
    assert explorer._next.get_xydata()[0].tolist() == pytest.approx([0.557567, -0.854596], abs=1e-6)


def test_the_surface_is_recomputed_only_when_x_b_or_y_change(explorer, monkeypatch):
    import backprop_helpers.widgets.neuron_explorer as module

    calls = []
    original = module.neuron_loss_grid
    monkeypatch.setattr(module, "neuron_loss_grid", lambda *a: (calls.append(a), original(*a))[1])
    explorer.controls["w1"].value = 1.0
    explorer.controls["w2"].value = -2.0
    explorer.controls["lr"].value = 0.5
    assert calls == []
    surface = explorer._surface.get_array().copy()
    explorer.controls["b"].value = -1.0
    assert len(calls) == 1
    assert not (explorer._surface.get_array() == surface).all()
    explorer.controls["x2"].value = 1.0
    explorer.controls["y"].value = 0.0
    assert len(calls) == 3
    # the surface is L over (w₁, w₂) at this b, x, y: check one grid point against neuron_backward
    grid = explorer._surface.get_array()
    w1, w2 = PARAM_RANGE[0], PARAM_RANGE[1]  # first column, last row
    expected = reference({"w1": w1, "w2": w2, "b": -1.0, "x1": 0.5, "x2": 1.0, "y": 0.0}).loss.item()
    assert grid[-1, 0] == pytest.approx(expected, rel=1e-12)


def test_figure_is_kept_and_the_picture_changes(explorer):
    figure, axes = explorer.figure, list(explorer.figure.axes)
    for name, value in (("w1", 2.0), ("x1", -3.0), ("y", 0.2)):
        png = explorer.image.value
        explorer.controls[name].value = value
        assert explorer.figure is figure and explorer.figure.axes == axes
        assert explorer.image.value != png, name
        assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_browser_echo_of_a_step_does_not_round_it(explorer):
    # A slider view snaps a value set from Python to its step (0.01) and sends the rounded value back.
    explorer.step()
    exact = explorer.state.w, explorer.state.b
    for name in ("w1", "w2", "b"):
        explorer.controls[name].value = round(explorer.controls[name].value, 2)
    assert (explorer.state.w, explorer.state.b) == exact
    assert len(explorer.state.path) == 2  # the run goes on
    explorer.step()
    assert len(explorer.state.path) == 3
    # a real move (more than half a step away) is taken as one
    explorer.controls["w2"].value = explorer.controls["w2"].value + 0.02
    assert len(explorer.state.path) == 1


def test_large_lr_overshoots_with_a_message_not_an_exception(explorer):
    explorer.controls["y"].value = 0.5
    explorer.controls["w2"].value = -0.3  # z = 0.25 − 0.9 + 0.7 = 0.05: near the target, steep
    explorer.controls["lr"].value = 10.0
    explorer.step()
    assert explorer.state.losses[1] > explorer.state.losses[0]
    assert "loss went up" in explorer.message
    messages = []
    for _ in range(11):
        explorer.step()  # overshoots into saturation, crawls back, overshoots again: no exception
        messages.append(explorer.message)
    assert sum("loss went up" in m for m in messages) >= 2
    assert any("saturated" in m for m in messages)
    losses = explorer.state.losses
    assert all(0 <= loss <= 1 for loss in losses)
    assert all(PARAM_RANGE[0] <= v <= PARAM_RANGE[1] for v in (*explorer.state.w, explorer.state.b))


def test_a_step_past_the_slider_bound_says_so(explorer):
    explorer.controls["x2"].value = 4.0
    explorer.controls["y"].value = 0.0
    explorer.controls["w2"].value = 0.0
    explorer.controls["lr"].value = 10.0
    explorer.step()  # ∂L/∂w₂ > 0 and large: w₂ − 10·∂L/∂w₂ is below −4
    assert explorer.state.w[1] == PARAM_RANGE[0]
    assert "beyond the slider range" in explorer.message and "w₂" in explorer.message


@pytest.mark.parametrize("name", ["w1", "w2", "b", "x1", "x2"])
@pytest.mark.parametrize("end", [0, 1])
def test_sliders_at_their_bounds_give_a_message(explorer, name, end):
    for other in ("w1", "w2", "b", "x1", "x2"):
        explorer.controls[other].value = [explorer.controls[other].min, explorer.controls[other].max][end]
    explorer.controls[name].value = [explorer.controls[name].min, explorer.controls[name].max][end]
    assert explorer.message  # saturated (|z| = 36) and parameters at the edge
    assert "saturated" in explorer.message
    assert torch.isfinite(explorer.state.trace.loss)
    explorer.step()  # no exception at the bounds
    assert explorer.message
