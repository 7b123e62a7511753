"""PerceptronExplorer, driven headless: it shows gradient_descent_path (whose math is tested in test_descent.py),
the read-out states the theory, and divergence is a message (the contract every explorer keeps is in
test_explorer_contract.py)."""

import math

import numpy as np
import pytest
import torch

from backprop_helpers.descent import DescentRun, gradient_descent_path
from backprop_helpers.widgets import PerceptronExplorer
from backprop_helpers.widgets.perceptron_explorer import LOSS_TOP, _clip_losses

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
