"""NeuronExplorer's lesson, driven headless: the state is neuron_backward and autograd, a pure function of the
values and the run; Step is sgd_step, its exact points in the run and on the sliders' grid; the surface is
recomputed only when x, b or y change; the lesson's messages (overshoot, saturation, a slider bound).

What every explorer keeps (sliders at their ends, the figure kept, the static picture, step/reset returning the
state, the browser's echo) is tests/test_explorer_contract.py."""

import itertools

import pytest
import torch

from backprop_helpers import neuron_backward, sgd_step
from backprop_helpers.widgets import NeuronExplorer
from backprop_helpers.widgets.neuron_explorer import (
    DEFAULTS,
    LOSS_TOP,
    PARAM_RANGE,
    SATURATED,
    SURFACE_LEVELS,
    NeuronExplorerState,
    NeuronRun,
)

F64 = torch.float64
RESTART = ["w1", "w2", "b", "x1", "x2", "y"]


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


def sgd_reference(w, b, x, y, lr):
    """One sgd_step from (w, b) at the sample (x, y): the new (w₁, w₂), b."""
    w, b = torch.tensor(w, dtype=F64), torch.tensor(b, dtype=F64)
    trace = neuron_backward(torch.tensor(x, dtype=F64), w, b, torch.tensor(y, dtype=F64))
    new = sgd_step({"w": w, "b": b}, {"w": trace.dL_dw, "b": trace.dL_db}, lr)
    return tuple(new["w"].tolist()), new["b"].item()


def test_defaults_are_the_source_notebooks_numbers(explorer):
    state = explorer.state
    assert isinstance(state, NeuronExplorerState)
    assert explorer.values() == DEFAULTS
    # z = 0.5·0.5 + (−1.2)·3 + 0.7 = 0.25 − 3.6 + 0.7 = −2.65; the source notebook printed ŷ = 0.065989,
    # L = 0.872377
    assert state.trace.z.item() == pytest.approx(-2.65, abs=1e-12)
    assert state.trace.y_hat.item() == pytest.approx(0.065989, abs=5e-7)
    assert state.trace.loss.item() == pytest.approx(0.872377, abs=5e-7)
    assert state.trace.dL_dw.tolist() == pytest.approx([-0.057567, -0.345404], abs=5e-7)
    assert state.trace.dL_db.item() == pytest.approx(-0.115135, abs=5e-7)
    assert state.path == ((0.5, -1.2, 0.7, state.trace.loss.item()),) == explorer.history.points
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


def test_the_model_is_a_function_of_the_values_and_the_run(explorer):
    values = {**DEFAULTS, "w1": 1.25, "x1": -1.5, "y": 0.35}
    shown = explorer.state
    state = explorer.model(values, explorer.start_history(values))
    assert state.w == (1.25, -1.2) and state.x == (-1.5, 3.0)
    assert state.trace.loss.item() == pytest.approx(reference(values).loss.item(), rel=1e-12)
    assert explorer.state is shown and explorer.values() == DEFAULTS  # nothing on screen moved
    # a run with steps: the parameters are its last exact point, not the values' (the sliders' rounding)
    run = NeuronRun(points=((0.5, -1.2, 0.7, 0.9), (0.123456, -0.654321, 0.2468, 0.8)))
    state = explorer.model(values, run)
    assert (state.w, state.b) == ((0.123456, -0.654321), 0.2468)
    exact = {**values, "w1": 0.123456, "w2": -0.654321, "b": 0.2468}
    assert state.trace.loss.item() == pytest.approx(reference(exact).loss.item(), rel=1e-12)
    assert state.path[0] == run.points[0] and state.path[1][3] == state.trace.loss.item()


def test_readout_shows_hand_and_autograd_side_by_side_with_a_true_minus(explorer):
    html = explorer.readout.value
    for label in ("z", "ŷ", "∂L/∂ŷ", "∂ŷ/∂z", "∂L/∂w₁", "∂L/∂w₂", "∂L/∂b", "hand", "autograd"):
        assert label in html
    assert html.count("−0.345404") == 2  # ∂L/∂w₂, hand and autograd, with U+2212
    assert "-0." not in html
    assert "✓ hand = autograd" in html
    explorer.step()
    assert "0.505757" in explorer.readout.value  # the exact w₁, which the slider shows rounded to 0.51


def test_step_is_one_sgd_step_and_the_sliders_show_it_on_their_grid(explorer):
    before = explorer.state
    explorer.controls["step"].click()
    # the source notebook's one step: w = (0.505757, −1.165460), b = 0.711513
    w, b = sgd_reference(before.w, before.b, before.x, before.y, 0.1)
    assert explorer.state.w == pytest.approx(w, abs=1e-15) and explorer.state.b == pytest.approx(b, abs=1e-15)
    assert explorer.state.w == pytest.approx((0.505757, -1.165460), abs=5e-7)
    assert explorer.state.b == pytest.approx(0.711513, abs=5e-7)
    # the run holds the exact point, the sliders show it on their 0.01 grid
    assert explorer.history.points[-1][:3] == (*explorer.state.w, explorer.state.b)
    assert [explorer.controls[name].value for name in ("w1", "w2", "b")] == [0.51, -1.17, 0.71]
    assert len(explorer.state.path) == 2
    assert explorer.state.losses[1] < explorer.state.losses[0]
    # the hollow circles showed where this step would land
    assert explorer.state.path[-1] == before.next_point


def test_step_updates_once_not_once_per_slider(explorer, monkeypatch):
    calls = []
    original = explorer.update
    monkeypatch.setattr(explorer, "update", lambda: (calls.append(1), original())[1])
    explorer.step()
    assert calls == [1]  # the three slider observers stayed quiet while step() moved them
    assert len(explorer.state.path) == 2


def test_many_steps_descend_as_a_loop_of_sgd_step_and_widen_the_step_axis(explorer):
    for _ in range(25):
        explorer.step()
    losses = explorer.state.losses
    assert len(losses) == 26
    assert all(b < a for a, b in itertools.pairwise(losses))  # y = 1, lr = 0.1: L falls every step
    assert explorer._ax_loss.get_xlim()[1] >= 26  # the next step's circle at 26 fits too
    w, b = (0.5, -1.2), 0.7
    for _ in range(25):
        w, b = sgd_reference(w, b, (0.5, 3.0), 1.0, 0.1)
    assert explorer.state.w == pytest.approx(w, abs=1e-12)
    assert explorer.state.b == pytest.approx(b, abs=1e-12)


def test_reset_restores_the_defaults_and_clears_the_curve(explorer):
    explorer.controls["lr"].value = 10.0
    explorer.controls["x1"].value = -4.0
    for _ in range(3):
        explorer.step()
    assert explorer.message
    explorer.controls["reset"].click()
    assert len(explorer.state.path) == 1 and explorer.state.stopped == ()
    assert explorer._loss_line.get_xdata().tolist() == [0]
    assert explorer._ax_loss.get_xlim()[1] == 20
    assert explorer.message == ""


@pytest.mark.parametrize("name", RESTART)
def test_moving_a_setting_starts_a_new_run_from_the_sliders_but_lr_does_not(explorer, name):
    explorer.step()
    explorer.step()
    explorer.controls["lr"].value = 0.5
    assert len(explorer.state.path) == 3  # lr may change mid-run
    shown = {n: explorer.controls[n].value for n in RESTART}  # w₁, w₂, b on their grid
    explorer.controls[name].value = shown[name] - 0.5
    assert len(explorer.state.path) == 1
    expected = {**shown, name: shown[name] - 0.5}
    assert explorer.state.w == pytest.approx((expected["w1"], expected["w2"]), abs=1e-12)
    assert explorer.state.b == pytest.approx(expected["b"], abs=1e-12)


def test_arrow_points_down_the_gradient_and_the_circles_are_the_next_step(explorer):
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
    # and on the loss curve: the loss there (b moved too), one step to the right
    w, b = sgd_reference(state.w, state.b, state.x, state.y, 1.0)
    landing = reference({"w1": w[0], "w2": w[1], "b": b, "x1": 0.5, "x2": 3.0, "y": 1.0}).loss.item()
    assert explorer._loss_next.get_xydata()[0].tolist() == pytest.approx([1.0, landing], rel=1e-12)


def test_the_surface_is_recomputed_only_when_x_b_or_y_change(explorer, monkeypatch):
    import backprop_helpers.widgets.neuron_explorer as module

    calls = []
    original = module.neuron_loss_grid
    monkeypatch.setattr(module, "neuron_loss_grid", lambda *a, **k: (calls.append(a), original(*a, **k))[1])
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


def test_large_lr_overshoots_with_a_message(explorer):
    explorer.controls["y"].value = 0.5
    explorer.controls["w2"].value = -0.3  # z = 0.25 − 0.9 + 0.7 = 0.05: near the target, steep
    explorer.controls["lr"].value = 10.0
    assert explorer.state.next_point[3] > explorer.state.losses[-1]  # the hollow circle shows it coming
    explorer.step()
    assert explorer.state.losses[1] > explorer.state.losses[0]
    assert (
        "the loss went up on the last step" in explorer.message and "lr = 10 overshoots" in explorer.message
    )
    messages = []
    for _ in range(11):
        explorer.step()  # overshoots into saturation, crawls back, overshoots again
        messages.append(explorer.message)
    assert sum("loss went up" in m for m in messages) >= 2
    assert any("saturated" in m for m in messages)
    assert all(0 <= loss <= 1 for loss in explorer.state.losses)


def test_a_step_past_the_slider_bound_stops_there_says_so_and_the_run_goes_on(explorer):
    explorer.controls["x2"].value = 4.0
    explorer.controls["y"].value = 0.0
    explorer.controls["w2"].value = 0.0
    explorer.controls["lr"].value = 10.0
    wanted = explorer.state.wanted["w2"]
    assert wanted < PARAM_RANGE[0]  # ∂L/∂w₂ > 0 and large: w₂ − 10·∂L/∂w₂ is below −4
    explorer.step()
    assert explorer.state.w[1] == PARAM_RANGE[0] == explorer.controls["w2"].value
    assert explorer.state.stopped == (("w2", wanted),)
    bound_note = "the step wanted w₂ = −"
    assert bound_note in explorer.message and "beyond the slider range, so it stops at −4" in explorer.message
    assert "at the edge of the slider range" not in explorer.message  # said once, by the step
    explorer.step()  # from the bound: the gradient still points out, so w₂ stays and the note again
    assert len(explorer.state.path) == 3 and explorer.state.w[1] == PARAM_RANGE[0]
    assert bound_note in explorer.message
    explorer.controls["lr"].value = 0.1  # lr does not start a new run
    assert len(explorer.state.path) == 3


def test_saturation_is_said_exactly_below_the_threshold(explorer):
    explorer.controls["w2"].value = 2.0  # z = 0.25 + 6 + b: σ′(z) crosses SATURATED (≈ e^−6.9) near b = 0.66
    said = {}
    for b in (0.0, 0.5, 0.6, 0.7, 0.8, 1.5):
        explorer.controls["b"].value = b
        slope = explorer.state.trace.dyhat_dz.item()
        said[slope < SATURATED] = "saturated" in explorer.message
        if slope < SATURATED:
            assert f"below {SATURATED:g}" in explorer.message
    assert said == {True: True, False: False}  # both sides reached, and the message on the right one


@pytest.mark.parametrize("name", ["w1", "w2", "b"])
def test_a_parameter_at_the_slider_edge_is_said(explorer, name):
    explorer.controls[name].value = PARAM_RANGE[1]
    label = {"w1": "w₁", "w2": "w₂", "b": "b"}[name]
    assert f"{label} at the edge of the slider range (−4 … 4)" in explorer.message
    explorer.controls[name].value = PARAM_RANGE[1] - 0.01
    assert "edge" not in explorer.message


# -- the loss switch: MSE's ∂L/∂z vanishes with σ′ when confidently wrong, BCE's ŷ − y does not ------------------


def bce_autograd_reference(values):
    """∂L/∂z, ∂L/∂w, ∂L/∂b by autograd through torch.sigmoid and torch's BCE, the explorer's code not involved."""
    w = torch.tensor([values["w1"], values["w2"]], dtype=F64, requires_grad=True)
    b = torch.tensor(values["b"], dtype=F64, requires_grad=True)
    x = torch.tensor([values["x1"], values["x2"]], dtype=F64)
    z = (w * x).sum() + b
    z.retain_grad()
    torch.nn.functional.binary_cross_entropy(
        torch.sigmoid(z), torch.tensor(values["y"], dtype=F64)
    ).backward()
    return z.grad.item(), w.grad, b.grad


def test_with_bce_the_state_is_neuron_backward_with_bce_and_torchs_bce(explorer):
    settings = {"w1": -1.3, "w2": 0.8, "b": 0.25, "x1": -2.0, "x2": 1.5, "y": 0.3}
    for name, value in settings.items():
        explorer.controls[name].value = value
    explorer.controls["loss"].value = "bce"
    state = explorer.state
    assert state.loss == "bce" and explorer.values()["loss"] == "bce"
    expected = neuron_backward(
        torch.tensor([settings["x1"], settings["x2"]], dtype=F64),
        torch.tensor([settings["w1"], settings["w2"]], dtype=F64),
        torch.tensor(settings["b"], dtype=F64),
        torch.tensor(settings["y"], dtype=F64),
        loss="bce",
    )
    for name, value in expected.as_dict().items():
        assert torch.allclose(getattr(state.trace, name), value, rtol=1e-12, atol=1e-15), name
    dL_dz, dL_dw, dL_db = bce_autograd_reference(settings)
    assert state.autograd["dL_dz"].item() == pytest.approx(dL_dz, rel=1e-10)
    assert torch.allclose(state.autograd["dL_dw"], dL_dw, rtol=1e-10, atol=1e-14)
    assert torch.allclose(state.autograd["dL_db"], dL_db, rtol=1e-10, atol=1e-14)
    # BCE through σ: ∂L/∂z = ŷ − y, and the state holds MSE's 2(ŷ − y)·σ′(z) at the same point beside it
    y_hat, slope = state.trace.y_hat.item(), state.trace.dyhat_dz.item()
    assert state.dL_dz_by_loss["bce"] == pytest.approx(y_hat - 0.3, rel=1e-12)
    assert state.dL_dz_by_loss["mse"] == pytest.approx(2 * (y_hat - 0.3) * slope, rel=1e-12)
    assert "L = BCE(ŷ, y)" in explorer.readout.value and "✓ hand = autograd" in explorer.readout.value


def test_the_loss_switch_starts_a_new_run_and_the_model_is_a_function_of_the_values(explorer):
    explorer.controls["loss"].value = "bce"
    bce_loss = explorer.state.trace.loss.item()
    # defaults: ŷ = 0.065989, y = 1: BCE = −log ŷ = 2.718267 (MSE's 0.872377)
    assert bce_loss == pytest.approx(2.718267, abs=5e-7) and explorer.state.losses == [bce_loss]
    explorer.step()
    explorer.step()
    explorer.controls["loss"].value = "mse"
    # a new run from the sliders (the last step's point on their grid): its losses are MSE's, not BCE's
    assert len(explorer.state.path) == 1
    shown = {name: explorer.controls[name].value for name in RESTART}
    assert explorer.state.losses == [pytest.approx(reference(shown).loss.item(), rel=1e-12)]
    explorer.controls["loss"].value = "bce"
    values = {**DEFAULTS, "loss": "mse"}
    state = explorer.model(values, explorer.start_history(values))  # a pure function: nothing shown moves
    assert state.loss == "mse" and state.trace.loss.item() == pytest.approx(0.872377, abs=5e-7)
    assert explorer.state.loss == "bce" and explorer.values()["loss"] == "bce"
    assert NeuronExplorer(loss="bce").state.trace.loss.item() == pytest.approx(bce_loss, rel=1e-12)
    explorer.reset()
    assert explorer.values()["loss"] == "mse"


@pytest.mark.parametrize(
    ("loss", "dL_dz", "printed"), [("mse", -0.115135, "0.368610"), ("bce", -0.934011, "2.990294")]
)
def test_the_readout_shows_the_gradients_size(loss, dL_dz, printed):
    explorer = NeuronExplorer(loss=loss)
    # ∇L = ∂L/∂z·(x₁, x₂, 1) = ∂L/∂z·(0.5, 3, 1), so ‖∇L‖ = |∂L/∂z|·√(0.25 + 9 + 1) = |∂L/∂z|·3.201562:
    # MSE 0.115135·3.201562 = 0.368610, BCE 0.934011·3.201562 = 2.990294
    expected = abs(dL_dz) * 10.25**0.5
    assert explorer.state.grad_norm == pytest.approx(expected, abs=5e-6)
    assert explorer.state.grad_norm_autograd == pytest.approx(explorer.state.grad_norm, rel=1e-10)
    trace = explorer.state.trace
    assert explorer.state.grad_norm == pytest.approx(
        (trace.dL_dw[0] ** 2 + trace.dL_dw[1] ** 2 + trace.dL_db**2).sqrt().item(), rel=1e-12
    )
    assert "‖∇L‖" in explorer.readout.value
    assert explorer.readout.value.count(f"<td>{printed}</td>") == 2  # hand and autograd


def confidently_wrong(loss):
    """w₂ = −2 at the defaults: z = 0.25 − 6 + 0.7 = −5.05, ŷ = σ(−5.05) ≈ 0.0064 against y = 1."""
    explorer = NeuronExplorer(loss=loss)
    explorer.controls["w2"].value = -2.0
    return explorer


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_confidently_wrong_the_message_contrasts_the_two_losses_from_the_numbers(loss):
    explorer = confidently_wrong(loss)
    state = explorer.state
    y_hat, slope = state.trace.y_hat.item(), state.trace.dyhat_dz.item()
    assert y_hat < 0.05 and state.trace.z.item() == pytest.approx(-5.05, abs=1e-12)
    mse, bce = state.dL_dz_by_loss["mse"], state.dL_dz_by_loss["bce"]
    assert bce == pytest.approx(y_hat - 1, rel=1e-12)  # ŷ − y ≈ −0.9936: does not vanish
    assert mse == pytest.approx(2 * (y_hat - 1) * slope, rel=1e-12)  # × 2σ′ ≈ 0.0127: does
    assert abs(mse) < 0.02 < 0.99 < abs(bce)
    message = explorer.message
    assert "confidently wrong" in message
    assert f"MSE's ∂L/∂z = 2(ŷ − y)·σ′(z) = {mse:.4f}".replace("-", "−") in message
    assert f"BCE's ∂L/∂z = ŷ − y = {bce:.4f}".replace("-", "−") in message
    assert ("vanishes with σ′" in message) == (loss == "mse")
    assert ("keeps its size" in message) == (loss == "bce")
    assert state.trace.dL_dz.item() == (mse if loss == "mse" else bce)


def test_confidently_wrong_a_bce_step_moves_1_over_2_sigma_prime_times_further():
    steps = {}
    for loss in ("mse", "bce"):
        explorer = confidently_wrong(loss)
        before = torch.tensor([*explorer.state.w, explorer.state.b], dtype=F64)
        slope = explorer.state.trace.dyhat_dz.item()
        explorer.step()
        steps[loss] = (torch.tensor([*explorer.state.w, explorer.state.b], dtype=F64) - before).norm().item()
        assert steps[loss] == pytest.approx(0.1 * _norm_before(loss), rel=1e-9)  # lr·‖∇L‖
    # the step is lr·‖∇L‖ = lr·|∂L/∂z|·‖(x₁, x₂, 1)‖: their ratio is |ŷ − y| / |2(ŷ − y)σ′| = 1/(2σ′) ≈ 79
    assert steps["bce"] / steps["mse"] == pytest.approx(1 / (2 * slope), rel=1e-9)


def _norm_before(loss):
    return confidently_wrong(loss).state.grad_norm


def test_no_contrast_when_right_or_not_confident():
    explorer = confidently_wrong("mse")
    explorer.controls["y"].value = 0.0  # ŷ ≈ 0.0064 against y = 0: confident and right
    assert "confidently wrong" not in explorer.message
    explorer.controls["y"].value = 0.5  # |ŷ − y| < ½: not wrong enough
    assert "confidently wrong" not in explorer.message
    assert NeuronExplorer(loss="bce").message == ""  # the defaults: ŷ = 0.066 is not within 0.05 of 0


def test_saturation_is_mses_message_and_bce_does_not_say_every_gradient_is_tiny():
    for loss, said in (("mse", True), ("bce", False)):
        explorer = NeuronExplorer(loss=loss)
        explorer.controls["w2"].value = 2.0
        explorer.controls["y"].value = 0.6  # z = 7.95, ŷ ≈ 0.9996: saturated, |ŷ − y| < ½
        assert explorer.state.trace.dyhat_dz.item() < SATURATED
        assert ("saturated" in explorer.message) == said, loss
    # with BCE, ∂L/∂z = ŷ − y ≈ 0.4 here: not tiny at all
    assert explorer.state.trace.dL_dz.item() == pytest.approx(explorer.state.trace.y_hat.item() - 0.6)


def test_with_bce_the_surface_is_bces_clipped_and_the_loss_axis_widens():
    explorer = NeuronExplorer(loss="bce")
    grid = explorer._surface.get_array()
    w1, w2 = PARAM_RANGE[0], PARAM_RANGE[1]  # first column, last row
    values = {**DEFAULTS, "w1": w1, "w2": w2}
    expected = neuron_backward(
        torch.tensor([0.5, 3.0], dtype=F64), torch.tensor([w1, w2], dtype=F64), torch.tensor(0.7, dtype=F64),
        torch.tensor(values["y"], dtype=F64), loss="bce",
    ).loss.item()  # fmt: skip
    assert grid[-1, 0] == pytest.approx(expected, rel=1e-12)
    assert grid.max() > 3  # BCE is unbounded: the colour scale stops at 3, the top band holds the rest
    assert list(explorer._surface.norm.boundaries) == pytest.approx(list(SURFACE_LEVELS["bce"]))
    assert [t.get_text() for t in explorer._ax_colorbar.get_yticklabels()][-1] == "≥3"
    assert explorer._ax_loss.get_ylim()[1] > 2.718267  # L = 2.718 at the start fits
    explorer.controls["loss"].value = "mse"
    assert explorer._ax_loss.get_ylim()[1] == pytest.approx(LOSS_TOP)  # back to MSE's [0, 1]
    assert list(explorer._surface.norm.boundaries) == pytest.approx(list(SURFACE_LEVELS["mse"]))


def test_where_torchs_bce_floors_its_gradient_the_readout_says_why():
    explorer = NeuronExplorer(loss="bce")
    for name in ("w1", "w2", "b", "x1", "x2"):
        explorer.controls[name].value = 4.0
    explorer.controls["y"].value = 0.0  # z = 16 + 16 + 4 = 36: ŷ(1 − ŷ) ≈ 2.2e-16 < 1e-12
    state = explorer.state
    assert state.trace.dL_dz.item() == pytest.approx(1.0, abs=1e-12)  # the formula: ŷ − y
    assert state.autograd["dL_dz"].item() < 1e-3  # torch: (ŷ − y)·ŷ(1 − ŷ)/1e-12
    assert "torch's BCE divides by max(ŷ(1 − ŷ), 1e-12)" in explorer.readout.value
    assert "e+15" in explorer.readout.value  # ∂L/∂ŷ = 1/(1 − ŷ) ≈ 4.5e15 in scientific notation
