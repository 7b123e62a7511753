"""PerceptronExplorer, driven headless: it shows gradient_descent_path (whose math is tested in test_descent.py),
the read-out states the theory, the sample x and the "train b too" switch change λ as λ = 2‖x‖² and
λ̃ = 2(1 + ‖x‖²), the loss surface follows x, and divergence is a message (the contract every explorer keeps is
in test_explorer_contract.py)."""

import math

import numpy as np
import pytest
import torch

from backprop_helpers.descent import DescentRun, gradient_descent_path
from backprop_helpers.widgets import PerceptronExplorer
from backprop_helpers.widgets.perceptron_explorer import LOSS_TOP, _clip_losses
from backprop_helpers.widgets.readout import num

X, W0, B, Y = (4.0, -2.0), (1.0, 1.0), 1.0, 1.0  # the seed's nn.Linear(2, 1) example, bias held fixed


@pytest.fixture
def explorer():
    return PerceptronExplorer()


def test_defaults_are_the_seed_example_and_converge(explorer):
    state = explorer.state
    assert isinstance(state, DescentRun)
    assert state.lr == 0.01 and state.steps == 10  # 0.01 = 10^(−3 + 100·0.01): on the slider's grid
    # h = 1·4 + 1·(−2) + 1 = 3, J₀ = (3 − 1)² = 4; one step multiplies h − y by 1 − 0.01·40 = 0.6
    assert state.losses[0].item() == pytest.approx(4.0)
    assert state.losses[1].item() == pytest.approx(4.0 * 0.6**2)
    assert state.factor == pytest.approx(0.6)
    assert state.regime.startswith("converges monotonically")
    assert state.diverged_at is None and explorer.message == ""
    assert state.path.shape == (11, 2) and state.losses.shape == (11,)


def test_the_state_is_gradient_descent_path_at_the_sliders_values(explorer):
    explorer.controls["lr"].value = 0.04  # the slider's nearest grid point: 10^−1.4 = 0.0398
    explorer.controls["steps"].value = 17
    lr = explorer.values()["lr"]
    assert lr == pytest.approx(10**-1.4, rel=1e-12) and explorer.state.lr == lr
    expected = gradient_descent_path(X, W0, B, Y, lr=lr, steps=17)
    torch.testing.assert_close(explorer.state.path, expected.path, rtol=0, atol=0)
    torch.testing.assert_close(explorer.state.losses, expected.losses, rtol=0, atol=0)
    xdata, ydata = explorer._path.get_data()  # the drawn path is the state's
    np.testing.assert_array_equal(xdata, expected.path[:, 0].numpy())
    np.testing.assert_array_equal(ydata, expected.path[:, 1].numpy())


@pytest.mark.parametrize("lr", [0.5, 1.0])
def test_divergence_is_a_message_not_an_error(explorer, lr):
    explorer.controls["steps"].value = 40
    explorer.controls["lr"].value = lr  # the seed's lr = 0.5 is ten times 2/λ
    state = explorer.state
    assert state.diverged_at is not None and state.diverged_at < 10
    assert len(state.losses) == state.diverged_at + 1  # the run stops where the loss passed the bound
    assert state.losses[-1] > state.loss_bound
    assert torch.isfinite(state.path).all()
    assert explorer.message.startswith("⚠ Diverged: the loss passed 1e+06 at step")
    assert "diverged at step" in explorer.readout.value


def test_growth_below_the_bound_is_a_message(explorer):
    explorer.controls["steps"].value = 10
    explorer.controls["lr"].value = 0.04  # between 1/λ and 2/λ: oscillates, converges, nothing to say
    assert explorer.message == "" and "oscillates and converges" in explorer.readout.value
    explorer.controls["lr"].value = 0.06  # above 2/λ = 0.05: J grows 1.41² per step, 10 steps stay below 1e6
    assert explorer.state.diverged_at is None
    assert explorer.message.startswith("⚠ lr = 0.0603 > 2/λ = 0.0500: the loss grows every step")


def test_an_overflowing_run_is_drawn_inside_the_axes():
    run = gradient_descent_path(X, W0, B, Y, lr=1.0, steps=400, loss_bound=1e308)  # the loss overflows to inf
    clipped = _clip_losses(run.losses.numpy())  # what the loss axis draws: nothing infinite
    assert not np.isinf(clipped).any() and np.nanmax(clipped) == pytest.approx(LOSS_TOP)


def test_clip_losses_leaves_the_axes_at_the_edge():
    clipped = _clip_losses([4.0, 1e-3, 0.0, 0.0])
    assert clipped[2] == pytest.approx(1e-12) and np.isnan(clipped[3])  # 0 is drawn on the floor once
    clipped = _clip_losses([4.0, 1e9, math.inf, math.nan])
    assert clipped[1] == pytest.approx(1e8) and np.isnan(clipped[2:]).all()


def test_step_adds_one_step_and_the_reset_button_goes_back_to_w0(explorer):
    explorer.controls["steps"].value = 0
    assert explorer.state.path.shape == (1, 2)
    torch.testing.assert_close(explorer.state.path[0], torch.tensor(W0, dtype=torch.float64))
    explorer.controls["step"].click()
    explorer.controls["step"].click()
    assert explorer.state.steps == 2
    torch.testing.assert_close(explorer.state.path, gradient_descent_path(X, W0, B, Y, lr=0.01, steps=2).path)
    explorer.controls["steps"].value = 40
    assert explorer.step().steps == 40  # at the end of the slider: stays there, no error
    explorer.controls["lr"].value = 0.2
    explorer.controls["reset"].click()  # back to w₀ with the learning rate kept, as notebook 04 says
    assert explorer.state.steps == 0 and explorer.state.lr == explorer.values()["lr"] != 0.01
    assert explorer.reset().steps == 10 and explorer.state.lr == 0.01  # reset(): the defaults


def test_readout_states_the_theory(explorer):
    text = explorer.readout.value
    assert "λ = 2‖x‖² = 40.0000" in text
    assert "1/λ = 0.025000" in text and "2/λ = 0.050000" in text
    assert "J₁/J₀ = 0.3600" in text and "(1 − lr·λ)² = 0.3600" in text
    assert "J after 10 steps = 1.462e\u221204" in text  # 4·0.6²⁰ = 1.462e−4, a true minus
    explorer.controls["lr"].value = 0.04
    assert "1 − lr·λ = \u22120.5924 per step" in explorer.readout.value


def test_max_steps_sets_the_steps_slider():
    explorer = PerceptronExplorer(max_steps=80, steps=60)
    assert explorer.controls["steps"].max == 80 and explorer.state.steps == 60
    assert explorer._ax_loss.get_xlim() == (-0.5, 80.5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"x": (0.0, 0.0)}, "all zeros"),
        ({"x": (4.1, -2.0)}, "x1 must lie on the slider's grid"),
        ({"x": (4.0, -6.4)}, r"x2 must be a number in \[-6, 6\]"),
        ({"train_bias": 1}, "train_bias must be True or False"),
        ({"x": (1.0, 2.0, 3.0)}, "two numbers"),
        ({"w": "ab"}, "w must be"),
        ({"lr": 5.0}, r"lr must be a number in \[0.001, 1\]"),
        ({"lr": 0.5}, "lr must lie on the slider's grid"),
        ({"steps": 99}, r"steps must be an int in \[0, 40\]"),
        ({"max_steps": 5}, r"steps must be an int in \[0, 5\]; got 10"),
        ({"max_steps": 0}, r"max_steps must be an int in \[1, 200\]"),
        ({"loss_bound": 0.0}, "loss_bound"),
    ],
)
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        PerceptronExplorer(**kwargs)


# -- the sample x and the "train b too" switch ------------------------------------------------------------------


def _x64(x):
    return torch.tensor(x, dtype=torch.float64)


def test_the_x_sliders_default_to_the_source_notebooks_sample(explorer):
    values = explorer.values()
    assert (values["x1"], values["x2"], values["train_bias"]) == (4.0, -2.0, False)
    assert explorer.specs["x1"].effect == explorer.specs["train_bias"].effect == "restart"
    torch.testing.assert_close(explorer.state.x, _x64(X), rtol=0, atol=0)


@pytest.mark.parametrize("train_bias", [False, True])
def test_the_state_follows_x_and_the_switch(explorer, train_bias):
    explorer.controls["x1"].value = 2.0
    explorer.controls["x2"].value = 1.2
    explorer.controls["train_bias"].value = train_bias
    values = explorer.values()
    assert (values["x1"], values["x2"]) == (2.0, 1.2)
    expected = gradient_descent_path(_x64((2.0, 1.2)), W0, B, Y, lr=0.01, steps=10, train_bias=train_bias)
    state = explorer.state
    torch.testing.assert_close(state.path, expected.path, rtol=0, atol=0)
    torch.testing.assert_close(state.biases, expected.biases, rtol=0, atol=0)
    assert state.lam == expected.lam and state.train_bias is train_bias
    norm2 = 2.0**2 + 1.2**2
    assert state.lam == pytest.approx(2 * (norm2 + train_bias), rel=1e-12)  # λ = 2‖x‖², λ̃ = 2(1 + ‖x‖²)


def test_lambda_grows_as_the_square_of_x_in_the_readout(explorer):
    shown = {}
    for x1 in (1.2, 2.4, 4.8):  # x doubled twice: λ four times as large each time
        explorer.controls["x1"].value = x1
        explorer.controls["x2"].value = 0.0
        shown[x1] = explorer.state.lam
        assert f"λ = 2‖x‖² = {num(2 * x1**2)}" in explorer.readout.value
        assert f"‖x‖² = {num(x1**2)}" in explorer.readout.value
        assert f"2/λ = {num(1 / x1**2, 6)}" in explorer.readout.value
    assert shown[2.4] == pytest.approx(4 * shown[1.2]) and shown[4.8] == pytest.approx(4 * shown[2.4])


def test_training_b_too_shows_lambda_tilde(explorer):
    assert "λ = 2‖x‖² = 40.0000" in explorer.readout.value and "λ̃" not in explorer.readout.value
    explorer.controls["train_bias"].value = True
    text = explorer.readout.value
    assert "λ̃ = 2‖x̃‖² = 2(1 + ‖x‖²) = 42.0000" in text  # x̃ = (1, 4, −2): 2·21
    assert f"1/λ̃ = {num(1 / 42, 6)}" in text and f"2/λ̃ = {num(2 / 42, 6)}" in text
    assert f"1 − lr·λ̃ = {num(1 - 0.01 * 42)} per step" in text
    b_last = explorer.state.biases[-1].item()
    assert b_last != B and f"b = {num(b_last)}" in text
    assert explorer._valley_now.get_visible()  # the valley floor of the last b, beside the starting one
    # an lr between 2/λ̃ and 2/λ: fine with b fixed, growing with b trained, and the message says λ̃
    explorer.controls["lr"].value = 0.049  # on the grid: 10^(−3 + 169·0.01) = 0.04898
    lr = explorer.values()["lr"]
    assert 2 / 42 < lr < 2 / 40
    assert explorer.message.startswith(f"⚠ lr = {num(lr)} > 2/λ̃ = {num(2 / 42)}: the loss grows every step")
    explorer.controls["train_bias"].value = False
    assert explorer.message == "" and not explorer._valley_now.get_visible()


def test_the_loss_surface_follows_x_without_a_full_redraw_for_a_small_move(explorer):
    before = explorer._fill.get_array().copy()
    limits = explorer._ax_path.get_xlim(), explorer._ax_path.get_ylim()
    explorer.controls["x1"].value = 3.6  # a small move: the window stays, the surface is redrawn
    assert explorer._background is not None  # only the animated artists were drawn
    assert (explorer._ax_path.get_xlim(), explorer._ax_path.get_ylim()) == limits
    after = explorer._fill.get_array()
    assert not np.array_equal(before, after)
    # the image is J(w₁, w₂) = (w·x + b − y)² of the new x at the starting b, on the window's grid
    (w1_low, w1_high), (w2_low, w2_high) = limits
    centre = np.array([(w1_low + w1_high) / 2, (w2_low + w2_high) / 2])
    n = after.shape[0]
    assert after[n // 2, n // 2] == pytest.approx((centre @ np.array([3.6, -2.0]) + B - Y) ** 2, rel=1e-9)
    valley_w1, valley_w2 = explorer._valley.get_data()
    np.testing.assert_allclose(valley_w1 * 3.6 + valley_w2 * -2.0, Y - B)
    # a large move: the path converges elsewhere, so the window moves (one full redraw), the path inside it
    explorer.controls["x1"].value = -6.0
    explorer.controls["x2"].value = -6.0
    xlim, ylim = explorer._ax_path.get_xlim(), explorer._ax_path.get_ylim()
    assert (xlim, ylim) != limits
    w_end = explorer.state.path[-1].numpy()
    assert xlim[0] < w_end[0] < xlim[1] and ylim[0] < w_end[1] < ylim[1]


def test_x_at_the_origin_is_a_message(explorer):
    explorer.controls["x1"].value = 0.0
    good = explorer.state  # x = (0, −2)
    explorer.controls["x2"].value = 0.0
    assert "x = (0, 0)" in explorer.message and explorer.state is good
    explorer.controls["train_bias"].value = True  # λ̃ = 2 would exist, but J would not depend on w
    assert "x = (0, 0)" in explorer.message
    explorer.controls["x2"].value = 0.4
    assert explorer.message == "" and explorer.state.lam == pytest.approx(2 * (1 + 0.16))
