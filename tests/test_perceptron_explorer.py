"""PerceptronExplorer, driven headless: the path is gradient descent, theory (1/λ, 2/λ) matches it,
divergence is a message and never an exception, and the figure is updated in place."""

import math

import numpy as np
import pytest
import torch
from torch import nn, optim

from backprop_helpers.widgets import PerceptronExplorer
from backprop_helpers.widgets.perceptron_explorer import (
    LOSS_TOP,
    DescentRun,
    _clip_losses,
    critical_learning_rates,
    gradient_descent_path,
)

X, W0, B, Y = (4.0, -2.0), (1.0, 1.0), 1.0, 1.0  # the seed's nn.Linear(2, 1) example, bias held fixed


@pytest.fixture
def explorer():
    return PerceptronExplorer()


def sgd_reference_path(lr, steps):
    """The same run by nn.Linear + nn.MSELoss + optim.SGD in float64, the bias frozen: the reference path."""
    linear = nn.Linear(2, 1).double()
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([W0], dtype=torch.float64))
        linear.bias.fill_(B)
    linear.bias.requires_grad_(False)
    optimizer = optim.SGD([linear.weight], lr=lr)
    x = torch.tensor([X], dtype=torch.float64)  # (1, 2): one sample
    y = torch.tensor([[Y]], dtype=torch.float64)  # (1, 1)
    path = [linear.weight.detach().clone().reshape(2)]
    for _ in range(steps):
        optimizer.zero_grad()
        nn.MSELoss()(linear(x), y).backward()
        optimizer.step()
        path.append(linear.weight.detach().clone().reshape(2))
    return torch.stack(path)


def test_critical_rates_match_the_hessian_by_autograd():
    x = torch.tensor(X, dtype=torch.float64)

    def loss(w):
        return (w @ x + B - Y) ** 2

    hessian = torch.autograd.functional.hessian(loss, torch.tensor(W0, dtype=torch.float64))
    lam, lr_oscillate, lr_diverge = critical_learning_rates(X)
    # λ = 2‖x‖² = 2·(16 + 4) = 40, so 1/λ = 0.025 and 2/λ = 0.05
    assert lam == pytest.approx(torch.linalg.eigvalsh(hessian).max().item(), rel=1e-12)
    assert (lam, lr_oscillate, lr_diverge) == pytest.approx((40.0, 0.025, 0.05), rel=1e-12)
    # with the bias trained too, x̃ = (1, 4, −2): λ = 2·21 = 42
    assert critical_learning_rates((1.0, 4.0, -2.0))[0] == pytest.approx(42.0)


def test_critical_rates_reject_zero_input():
    with pytest.raises(ValueError, match="all zeros"):
        critical_learning_rates((0.0, 0.0))


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


@pytest.mark.parametrize("lr", [0.004, 0.02, 0.035, 0.045])
def test_path_matches_optim_sgd(explorer, lr):
    explorer.controls["lr"].value = lr
    explorer.controls["steps"].value = 12
    torch.testing.assert_close(explorer.state.path, sgd_reference_path(lr, 12), rtol=1e-10, atol=1e-12)


def test_theory_matches_measured_losses(explorer):
    explorer.controls["steps"].value = 15
    for lr in (0.01, 0.03, 0.048):
        explorer.controls["lr"].value = lr
        state = explorer.state
        torch.testing.assert_close(state.losses, state.theory_losses, rtol=1e-9, atol=1e-20)


def test_regimes_follow_the_critical_rates(explorer):
    explorer.controls["steps"].value = 30
    explorer.controls["lr"].value = 0.02  # below 1/λ = 0.025: every residual has the sign of the first
    residuals = (explorer.state.path.numpy() @ np.array(X) + B - Y)[:10]  # later ones are rounding noise
    assert (residuals > 0).all() and "monotonically" in explorer.state.regime
    explorer.controls["lr"].value = 0.04  # between 1/λ and 2/λ: the sign flips every step, |r| shrinks
    residuals = (explorer.state.path.numpy() @ np.array(X) + B - Y)[:10]
    assert (np.sign(residuals[1:]) == -np.sign(residuals[:-1])).all()
    assert abs(residuals[-1]) < abs(residuals[0]) and "oscillates and converges" in explorer.state.regime
    assert explorer.message == ""
    explorer.controls["lr"].value = 0.06  # above 2/λ = 0.05
    assert "diverges" in explorer.state.regime
    assert explorer.state.losses[-1] > explorer.state.losses[0]
    assert "2/λ" in explorer.message


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


def test_overflow_stops_the_run_without_error():
    # a bound above float64's range: the loss itself overflows to inf before it could pass the bound
    run = gradient_descent_path(X, W0, B, Y, lr=1.0, steps=400, loss_bound=1e308)
    assert run.diverged_at is not None
    assert not math.isfinite(run.losses[-1].item())
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
    torch.testing.assert_close(explorer.state.path, sgd_reference_path(0.01, 2))
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


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"lr": 0}, "lr"), ({"steps": -1}, "steps"), ({"steps": 1.5}, "steps")]
)
def test_gradient_descent_path_rejects_bad_settings(kwargs, match):
    settings = {"lr": 0.01, "steps": 3, **kwargs}
    with pytest.raises(ValueError, match=match):
        gradient_descent_path(X, W0, B, Y, **settings)
