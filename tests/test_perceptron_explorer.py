"""PerceptronExplorer, driven headless: it shows gradient_descent_path (whose math is tested in test_descent.py),
divergence is a message and never an exception, and the figure is updated in place."""

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
    assert state.lr == pytest.approx(0.01) and state.steps == 10
    # h = 1·4 + 1·(−2) + 1 = 3, J₀ = (3 − 1)² = 4; one step multiplies h − y by 1 − 0.01·40 = 0.6
    assert state.losses[0].item() == pytest.approx(4.0)
    assert state.losses[1].item() == pytest.approx(4.0 * 0.6**2)
    assert state.factor == pytest.approx(0.6)
    assert state.regime.startswith("converges monotonically")
    assert state.diverged_at is None and explorer.message == ""
    assert state.path.shape == (11, 2) and state.losses.shape == (11,)


@pytest.mark.parametrize("lr", [0.5, 1.0])
def test_divergence_is_a_message_not_an_error(explorer, lr):
    explorer.controls["steps"].value = 40
    explorer.controls["lr"].value = lr  # the seed's lr = 0.5 is ten times 2/λ
    state = explorer.state
    assert state.diverged_at is not None and state.diverged_at < 10
    assert len(state.losses) == state.diverged_at + 1  # the run stops where the loss passed the bound
    assert state.losses[-1] > state.loss_bound
    assert torch.isfinite(state.path).all()
    assert "Diverged" in explorer.message and "diverged at step" in explorer.readout.value


def test_growth_below_the_bound_is_a_message(explorer):
    explorer.controls["steps"].value = 10
    explorer.controls["lr"].value = 0.04  # between 1/λ and 2/λ: oscillates, converges, nothing to say
    assert explorer.message == "" and "oscillates and converges" in explorer.readout.value
    explorer.controls["lr"].value = 0.06  # above 2/λ = 0.05: J grows 1.4² per step, 10 steps stay below 1e6
    assert explorer.state.diverged_at is None and "2/λ" in explorer.message


def test_an_overflowing_run_is_drawn_inside_the_axes():
    run = gradient_descent_path(X, W0, B, Y, lr=1.0, steps=400, loss_bound=1e308)  # the loss overflows to inf
    clipped = _clip_losses(run.losses.numpy())  # what the loss axis draws: nothing infinite
    assert not np.isinf(clipped).any() and np.nanmax(clipped) == pytest.approx(LOSS_TOP)


def test_clip_losses_leaves_the_axes_at_the_edge():
    clipped = _clip_losses([4.0, 1e-3, 0.0, 0.0])
    assert clipped[2] == pytest.approx(1e-12) and np.isnan(clipped[3])  # 0 is drawn on the floor once
    clipped = _clip_losses([4.0, 1e9, math.inf, math.nan])
    assert clipped[1] == pytest.approx(1e8) and np.isnan(clipped[2:]).all()


def test_step_and_reset_buttons(explorer):
    explorer.controls["reset"].click()
    assert explorer.state.steps == 0 and explorer.state.path.shape == (1, 2)
    torch.testing.assert_close(explorer.state.path[0], torch.tensor(W0, dtype=torch.float64))
    explorer.controls["step"].click()
    explorer.controls["step"].click()
    assert explorer.state.steps == 2
    torch.testing.assert_close(explorer.state.path, gradient_descent_path(X, W0, B, Y, lr=0.01, steps=2).path)
    explorer.controls["steps"].value = explorer.controls["steps"].max
    explorer.step()  # at the end of the slider: stays there, no error
    assert explorer.state.steps == explorer.controls["steps"].max


def test_figure_is_kept_and_image_changes(explorer):
    figure, png = explorer.figure, explorer.image.value
    explorer.controls["lr"].value = 0.04
    assert explorer.figure is figure
    assert explorer.image.value != png and explorer.image.value[:4] == b"\x89PNG"
    xdata, ydata = explorer._path.get_data()
    np.testing.assert_allclose(xdata, explorer.state.path[:, 0].numpy())
    np.testing.assert_allclose(ydata, explorer.state.path[:, 1].numpy())


def test_readout_states_the_theory(explorer):
    text = explorer.readout.value
    assert "λ = 2‖x‖² = 40.0000" in text
    assert "1/λ = 0.025000" in text and "2/λ = 0.050000" in text
    assert "J₁/J₀ = 0.3600" in text and "(1 − lr·λ)² = 0.3600" in text


def test_extreme_slider_ends_give_no_exception(explorer):
    for lr in (explorer.controls["lr"].min, explorer.controls["lr"].max):
        explorer.controls["lr"].value = 10**lr
        explorer.controls["steps"].value = 0
        explorer.controls["steps"].value = explorer.controls["steps"].max
        assert explorer.state is not None


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"x": (0.0, 0.0)}, "all zeros"),
        ({"x": (1.0, 2.0, 3.0)}, "two numbers"),
        ({"lr": 5.0}, "lr must lie"),
        ({"lr": -0.1}, "lr"),
        ({"steps": 99}, "steps"),
        ({"max_steps": 0}, "max_steps"),
        ({"w": "ab"}, "w must be"),
    ],
)
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        PerceptronExplorer(**kwargs)
