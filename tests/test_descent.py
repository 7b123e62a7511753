"""critical_learning_rates and gradient_descent_path: the Hessian by autograd, the path against optim.SGD,
the measured losses against J₀(1 − lr·λ)^{2k}, a worked step, the regimes and a divergence that stops the run."""

import math

import numpy as np
import pytest
import torch
from torch import nn, optim

from backprop_helpers.descent import critical_learning_rates, gradient_descent_path

X, W0, B, Y = (4.0, -2.0), (1.0, 1.0), 1.0, 1.0  # the seed's nn.Linear(2, 1) example, bias held fixed


def sgd_reference_path(lr, steps, train_bias=False, x=X):
    """The same run by nn.Linear + nn.MSELoss + optim.SGD in float64, the bias frozen or trained: the reference
    paths of the weights and of the bias."""
    linear = nn.Linear(2, 1).double()
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([W0], dtype=torch.float64))
        linear.bias.fill_(B)
    linear.bias.requires_grad_(train_bias)
    optimizer = optim.SGD([linear.weight, linear.bias] if train_bias else [linear.weight], lr=lr)
    inputs = torch.tensor([x], dtype=torch.float64)  # (1, 2): one sample
    y = torch.tensor([[Y]], dtype=torch.float64)  # (1, 1)
    path, biases = [linear.weight.detach().clone().reshape(2)], [linear.bias.item()]
    for _ in range(steps):
        optimizer.zero_grad()
        nn.MSELoss()(linear(inputs), y).backward()
        optimizer.step()
        path.append(linear.weight.detach().clone().reshape(2))
        biases.append(linear.bias.item())
    return torch.stack(path), torch.tensor(biases, dtype=torch.float64)


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


@pytest.mark.parametrize("lr", [0.004, 0.02, 0.035, 0.045])
def test_path_matches_optim_sgd(lr):
    run = gradient_descent_path(X, W0, B, Y, lr=lr, steps=12)
    path, biases = sgd_reference_path(lr, 12)
    torch.testing.assert_close(run.biases, biases, rtol=0, atol=0)
    torch.testing.assert_close(run.path, path, rtol=1e-10, atol=1e-12)
    assert run.biases.tolist() == [B] * 13 and not run.train_bias  # b held fixed


@pytest.mark.parametrize(("lr", "x"), [(0.004, X), (0.02, X), (0.04, X), (0.1, (1.2, -2.0))])
def test_path_with_the_bias_trained_matches_optim_sgd(lr, x):
    x64 = torch.tensor(x, dtype=torch.float64)  # a tuple would be float32 first: 1.2 is not a float32
    run = gradient_descent_path(x64, W0, B, Y, lr=lr, steps=12, train_bias=True)
    path, biases = sgd_reference_path(lr, 12, train_bias=True, x=x)
    torch.testing.assert_close(run.path, path, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(run.biases, biases, rtol=1e-10, atol=1e-12)
    assert run.train_bias and run.biases[1].item() != B
    assert torch.equal(run.x, x64)


def test_training_the_bias_too_uses_lambda_tilde():
    # x̃ = (1, x): λ̃ = 2‖x̃‖² = 2·(1 + 20) = 42 for x = (4, −2), against λ = 40 with b fixed
    fixed = gradient_descent_path(X, W0, B, Y, lr=0.01, steps=15)
    trained = gradient_descent_path(X, W0, B, Y, lr=0.01, steps=15, train_bias=True)
    lam_tilde = critical_learning_rates((1.0, *X))[0]
    assert (fixed.lam, trained.lam) == pytest.approx((40.0, lam_tilde), rel=1e-12)
    assert trained.lam == pytest.approx(42.0, rel=1e-12)
    assert (trained.lr_oscillate, trained.lr_diverge) == pytest.approx((1 / 42, 2 / 42), rel=1e-12)
    assert trained.factor == pytest.approx(1 - 0.01 * 42)
    torch.testing.assert_close(trained.losses, trained.theory_losses, rtol=1e-9, atol=1e-20)
    assert trained.losses[-1] < fixed.losses[-1]  # a larger eigenvalue: a faster contraction at this lr
    # between 2/λ̃ and 2/λ: converges with b fixed, diverges with b trained
    lr = 0.049
    assert 2 / 42 < lr < 2 / 40
    assert "converges" in gradient_descent_path(X, W0, B, Y, lr=lr, steps=30).regime
    run = gradient_descent_path(X, W0, B, Y, lr=lr, steps=30, train_bias=True)
    assert "diverges" in run.regime and run.losses[-1] > run.losses[0]


def test_lambda_grows_with_the_square_of_x():
    for scale in (0.5, 2.0, 3.0):
        x = tuple(scale * v for v in X)
        assert gradient_descent_path(x, W0, B, Y, lr=0.001, steps=1).lam == pytest.approx(40.0 * scale**2)
        tilde = gradient_descent_path(x, W0, B, Y, lr=0.001, steps=1, train_bias=True).lam
        assert tilde == pytest.approx(2 * (1 + 20.0 * scale**2))


@pytest.mark.parametrize("lr", [0.01, 0.03, 0.048])
def test_theory_matches_measured_losses(lr):
    run = gradient_descent_path(X, W0, B, Y, lr=lr, steps=15)
    torch.testing.assert_close(run.losses, run.theory_losses, rtol=1e-9, atol=1e-20)


def test_worked_example_one_step():
    # h = 1·4 + 1·(−2) + 1 = 3, J₀ = (3 − 1)² = 4; ∂J/∂w = 2(h − y)x = 4·(4, −2) = (16, −8);
    # w₁ = (1, 1) − 0.01·(16, −8) = (0.84, 1.08), h₁ = 3.36 − 2.16 + 1 = 2.2, J₁ = 1.2² = 1.44 = 4·0.6²
    run = gradient_descent_path(X, W0, B, Y, lr=0.01, steps=1)
    torch.testing.assert_close(run.path[1], torch.tensor([0.84, 1.08], dtype=torch.float64))
    assert run.losses.tolist() == pytest.approx([4.0, 1.44], rel=1e-12)
    assert run.factor == pytest.approx(0.6) and run.regime.startswith("converges monotonically")
    assert run.diverged_at is None and run.path.shape == (2, 2) and run.theory_losses.shape == (2,)


def residuals(run):
    return (run.path.numpy() @ np.array(X) + B - Y)[:10]  # later ones are rounding noise


def test_regimes_follow_the_critical_rates():
    run = gradient_descent_path(X, W0, B, Y, lr=0.02, steps=30)  # below 1/λ = 0.025: one sign throughout
    assert (residuals(run) > 0).all() and "monotonically" in run.regime
    run = gradient_descent_path(X, W0, B, Y, lr=0.04, steps=30)  # between 1/λ and 2/λ: the sign flips
    r = residuals(run)
    assert (np.sign(r[1:]) == -np.sign(r[:-1])).all()
    assert abs(r[-1]) < abs(r[0]) and "oscillates and converges" in run.regime
    run = gradient_descent_path(X, W0, B, Y, lr=0.06, steps=30)  # above 2/λ = 0.05
    assert "diverges" in run.regime and run.losses[-1] > run.losses[0]
    assert gradient_descent_path(X, W0, B, Y, lr=0.025, steps=3).losses[1].item() == 0.0  # lr = 1/λ: one step
    assert "lr = 2/λ" in gradient_descent_path(X, W0, B, Y, lr=0.05, steps=3).regime


def test_divergence_stops_at_the_bound():
    run = gradient_descent_path(X, W0, B, Y, lr=0.5, steps=40)  # the seed's lr = 0.5 is ten times 2/λ
    assert run.diverged_at is not None and run.diverged_at < 10
    assert len(run.losses) == run.diverged_at + 1 and run.losses[-1] > run.loss_bound
    assert torch.isfinite(run.path).all()


def test_overflow_stops_the_run_without_error():
    # a bound above float64's range: the loss itself overflows to inf before it could pass the bound
    run = gradient_descent_path(X, W0, B, Y, lr=1.0, steps=400, loss_bound=1e308)
    assert run.diverged_at is not None
    assert not math.isfinite(run.losses[-1].item())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"lr": 0}, "lr"), ({"steps": -1}, "steps"), ({"steps": 1.5}, "steps"),
     ({"train_bias": 1}, r"train_bias must be True or False; got 1")],
)  # fmt: skip
def test_gradient_descent_path_rejects_bad_settings(kwargs, match):
    settings = {"lr": 0.01, "steps": 3, **kwargs}
    with pytest.raises((ValueError, TypeError), match=match):
        gradient_descent_path(X, W0, B, Y, **settings)


def test_inputs_are_checked_once_not_every_step(monkeypatch):
    import backprop_helpers._inputs as inputs_module
    import backprop_helpers.descent as descent_module
    import backprop_helpers.neuron as neuron_module

    calls = []
    original = inputs_module.as_float_tensor

    def counting(value, name, **kwargs):
        calls.append(name)
        return original(value, name, **kwargs)

    for module in (inputs_module, descent_module, neuron_module):
        monkeypatch.setattr(module, "as_float_tensor", counting)
    counts = []
    for steps in (1, 30):
        calls.clear()
        gradient_descent_path(X, W0, B, Y, lr=0.01, steps=steps)
        counts.append(len(calls))
    assert counts[0] == counts[1] > 0  # x, w, b, y at the edge: the same few calls for 1 step or 30
