"""init_mlp, mlp_forward, mlp_backward: against nn.Linear + autograd, finite differences, a worked example;
train_mlp: bit-identical to the loop written out with them.

Every hidden activation × loss (3 × 2), float64, random shapes. Tolerances: against nn.Linear/autograd
atol 1e-12, rtol 1e-9 (same math, different summation order); against central differences (h = 1e-6)
atol 1e-8, rtol 1e-6. ReLU inputs are kept at |Z1| > 1e-3 ≫ h: at the kink there is no derivative to check.
BCE predictions are kept in [1e-3, 1 − 1e-3]: the loss is computed from ŷ, so 1 − ŷ carries a rounding error of
ε/(1 − ŷ) relative, and the difference quotient divides it by h (at 1 − ŷ = 8e-6 that is 1e-6 relative).
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn

from backprop_helpers import (
    autograd_grads,
    bce,
    init_mlp,
    mlp_backward,
    mlp_forward,
    mse,
    numerical_grad,
    sgd_step,
    train_mlp,
    xor_data,
)

FAST = settings(max_examples=50, deadline=None)
AUTOGRAD_TOL = {"atol": 1e-12, "rtol": 1e-9}
FINITE_DIFF_TOL = {"atol": 1e-8, "rtol": 1e-6}
F64 = torch.float64
HIDDEN = ["sigmoid", "tanh", "relu"]
LOSSES = ["mse", "bce"]
NAMES = ["W1", "b1", "W2", "b2"]
TORCH_ACTIVATION = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}
PACKAGE_LOSS = {"mse": mse, "bce": bce}


def make_problem(n_samples, n_in, n_hidden, n_out, seed):
    """float64 params from init_mlp (scaled ×2 so that units leave the linear regime), X with mixed signs,
    targets in [0, 1] (soft, so they suit both losses)."""
    g = torch.Generator().manual_seed(seed)
    params = {k: 2 * v for k, v in init_mlp(n_in, n_hidden, n_out, generator=g, dtype=F64).items()}
    X = torch.randn(n_samples, n_in, generator=g, dtype=F64) * 2
    y = torch.rand(n_samples, n_out, generator=g, dtype=F64)
    return X, params, y


def away_from_relu_kink(X, params):
    Z1 = X @ params["W1"].T + params["b1"]
    return bool((Z1.abs() > 1e-3).all())


def away_from_saturation(X, params, hidden, loss):
    y_hat = mlp_forward(X, params, hidden=hidden)[0]
    return loss != "bce" or bool(((y_hat > 1e-3) & (y_hat < 1 - 1e-3)).all())


def torch_reference(X, params, y, hidden, loss):
    """ŷ, L and the gradients from nn.Linear layers holding the same weights, torch's losses and .backward()."""
    h, d = params["W1"].shape
    o = params["W2"].shape[0]
    layer1, layer2 = nn.Linear(d, h, dtype=F64), nn.Linear(h, o, dtype=F64)
    with torch.no_grad():
        layer1.weight.copy_(params["W1"])
        layer1.bias.copy_(params["b1"])
        layer2.weight.copy_(params["W2"])
        layer2.bias.copy_(params["b2"])
    y_hat = torch.sigmoid(layer2(TORCH_ACTIVATION[hidden](layer1(X))))
    loss_value = F.mse_loss(y_hat, y) if loss == "mse" else F.binary_cross_entropy(y_hat, y)
    loss_value.backward()
    grads = {
        "W1": layer1.weight.grad,
        "b1": layer1.bias.grad,
        "W2": layer2.weight.grad,
        "b2": layer2.bias.grad,
    }
    return y_hat.detach(), loss_value.detach(), grads


def loss_function(X, y, hidden, loss):
    """params -> scalar loss through the package's forward pass (for autograd_grads and numerical_grad)."""
    return lambda p: PACKAGE_LOSS[loss](mlp_forward(X, p, hidden=hidden)[0], y)


def assert_grads_close(grads, reference, tol):
    assert list(grads) == NAMES
    for name in NAMES:
        assert grads[name].shape == reference[name].shape, name
        torch.testing.assert_close(grads[name], reference[name], **tol, msg=lambda m, n=name: f"{n}: {m}")


# ---------------------------------------------------------------------------------------------------------------
# against nn.Linear + autograd


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_mlp_matches_nn_linear(hidden, loss):
    X, params, y = make_problem(n_samples=5, n_in=3, n_hidden=4, n_out=2, seed=1)
    assert away_from_relu_kink(X, params)
    y_hat, cache = mlp_forward(X, params, hidden=hidden)
    grads = mlp_backward(cache, y, loss=loss)
    ref_y_hat, ref_loss, ref_grads = torch_reference(X, params, y, hidden, loss)
    torch.testing.assert_close(y_hat, ref_y_hat, **AUTOGRAD_TOL)
    torch.testing.assert_close(PACKAGE_LOSS[loss](y_hat, y), ref_loss, **AUTOGRAD_TOL)
    assert_grads_close(grads, ref_grads, AUTOGRAD_TOL)  # .weight.grad / .bias.grad, same shapes


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_mlp_backward_matches_autograd_grads(hidden, loss):
    X, params, y = make_problem(n_samples=4, n_in=2, n_hidden=3, n_out=1, seed=2)
    assert away_from_relu_kink(X, params)
    grads = mlp_backward(mlp_forward(X, params, hidden=hidden)[1], y, loss=loss)
    assert_grads_close(grads, autograd_grads(loss_function(X, y, hidden, loss), params), AUTOGRAD_TOL)


@FAST
@given(
    n_samples=st.integers(1, 5),
    n_in=st.integers(1, 4),
    n_hidden=st.integers(1, 5),
    n_out=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    hidden=st.sampled_from(HIDDEN),
    loss=st.sampled_from(LOSSES),
)
def test_mlp_matches_nn_linear_hypothesis(n_samples, n_in, n_hidden, n_out, seed, hidden, loss):
    X, params, y = make_problem(n_samples, n_in, n_hidden, n_out, seed)
    assume(hidden != "relu" or away_from_relu_kink(X, params))
    y_hat, cache = mlp_forward(X, params, hidden=hidden)
    assert y_hat.shape == (n_samples, n_out)
    grads = mlp_backward(cache, y, loss=loss)
    ref_y_hat, _, ref_grads = torch_reference(X, params, y, hidden, loss)
    torch.testing.assert_close(y_hat, ref_y_hat, **AUTOGRAD_TOL)
    assert_grads_close(grads, ref_grads, AUTOGRAD_TOL)


# ---------------------------------------------------------------------------------------------------------------
# against finite differences


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_mlp_backward_matches_finite_differences(hidden, loss):
    X, params, y = make_problem(n_samples=4, n_in=3, n_hidden=3, n_out=2, seed=3)
    assert away_from_relu_kink(X, params)
    grads = mlp_backward(mlp_forward(X, params, hidden=hidden)[1], y, loss=loss)
    assert_grads_close(grads, numerical_grad(loss_function(X, y, hidden, loss), params), FINITE_DIFF_TOL)


@settings(max_examples=30, deadline=None)
@given(
    n_samples=st.integers(1, 4),
    n_in=st.integers(1, 3),
    n_hidden=st.integers(1, 3),
    n_out=st.integers(1, 2),
    seed=st.integers(0, 2**32 - 1),
    hidden=st.sampled_from(HIDDEN),
    loss=st.sampled_from(LOSSES),
)
def test_mlp_backward_matches_finite_differences_hypothesis(
    n_samples, n_in, n_hidden, n_out, seed, hidden, loss
):
    X, params, y = make_problem(n_samples, n_in, n_hidden, n_out, seed)
    assume(hidden != "relu" or away_from_relu_kink(X, params))
    assume(away_from_saturation(X, params, hidden, loss))
    grads = mlp_backward(mlp_forward(X, params, hidden=hidden)[1], y, loss=loss)
    assert_grads_close(grads, numerical_grad(loss_function(X, y, hidden, loss), params), FINITE_DIFF_TOL)


# ---------------------------------------------------------------------------------------------------------------
# a worked example


def test_mlp_worked_example():
    # one input, one relu unit, one output, the same sample twice (N = 2, so n = 2 in the mean):
    # Z1 = 2·1.5 − 1 = 2;  A1 = relu(2) = 2;  Z2 = 2·0.5 − 1 = 0;  ŷ = σ(0) = 0.5;  L = mean((0.5 − 1)²) = 0.25
    # dŶ = 2(0.5 − 1)/2 = −0.5 per row;  dZ2 = −0.5 · 0.5·0.5 = −0.125 per row
    # dW2 = Σₙ dZ2·A1 = 2·(−0.125·2) = −0.5;  db2 = Σₙ dZ2 = −0.25
    # dA1 = dZ2·W2 = −0.0625;  dZ1 = dA1·relu′(2) = −0.0625
    # dW1 = Σₙ dZ1·X = 2·(−0.0625·2) = −0.25;  db1 = Σₙ dZ1 = −0.125
    X = torch.tensor([[2.0], [2.0]], dtype=F64)
    params = {
        "W1": torch.tensor([[1.5]], dtype=F64),
        "b1": torch.tensor([-1.0], dtype=F64),
        "W2": torch.tensor([[0.5]], dtype=F64),
        "b2": torch.tensor([-1.0], dtype=F64),
    }
    y = torch.tensor([[1.0], [1.0]], dtype=F64)
    y_hat, cache = mlp_forward(X, params, hidden="relu")
    assert y_hat.flatten().tolist() == [0.5, 0.5]
    assert cache["Z1"].flatten().tolist() == [2.0, 2.0] and cache["A1"].flatten().tolist() == [2.0, 2.0]
    assert cache["Z2"].flatten().tolist() == [0.0, 0.0]
    assert mse(y_hat, y).item() == 0.25
    grads = mlp_backward(cache, y, loss="mse")
    expected = {"W1": [[-0.25]], "b1": [-0.125], "W2": [[-0.5]], "b2": [-0.25]}
    assert {k: v.tolist() for k, v in grads.items()} == expected


# ---------------------------------------------------------------------------------------------------------------
# init_mlp


def test_init_mlp_shapes_dtype_bounds_and_determinism():
    params = init_mlp(3, 5, 2, generator=torch.Generator().manual_seed(0))
    shapes = {k: tuple(v.shape) for k, v in params.items()}
    assert shapes == {"W1": (5, 3), "b1": (5,), "W2": (2, 5), "b2": (2,)}  # nn.Linear(3, 5), nn.Linear(5, 2)
    assert all(v.dtype == torch.float32 for v in params.values())  # the default dtype
    # U(−1/√fan_in, 1/√fan_in), as nn.Linear draws: fan_in 3 for layer 1, 5 for layer 2
    for name, fan_in in (("W1", 3), ("b1", 3), ("W2", 5), ("b2", 5)):
        assert params[name].abs().max().item() <= 1 / math.sqrt(fan_in), name
    assert (params["W1"] < 0).any() and (params["W1"] > 0).any()  # mixed signs, not zeros
    again = init_mlp(3, 5, 2, generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(params[k], again[k]) for k in NAMES)
    other = init_mlp(3, 5, 2, generator=torch.Generator().manual_seed(1))
    assert not torch.equal(params["W1"], other["W1"])
    assert init_mlp(3, 5, 2, generator=torch.Generator(), dtype=F64)["W2"].dtype == F64


def test_init_mlp_does_not_touch_the_global_rng():
    state = torch.get_rng_state()
    init_mlp(4, 8, 1, generator=torch.Generator().manual_seed(3))
    assert torch.equal(torch.get_rng_state(), state)


# ---------------------------------------------------------------------------------------------------------------
# training direction, inputs, no mutation


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_one_sgd_step_along_mlp_backward_lowers_the_loss(hidden, loss):
    # a sign error in any gradient would raise the loss for a small enough step
    X, params, y = make_problem(n_samples=6, n_in=2, n_hidden=4, n_out=1, seed=4)
    f = loss_function(X, y, hidden, loss)
    grads = mlp_backward(mlp_forward(X, params, hidden=hidden)[1], y, loss=loss)
    assert f(sgd_step(params, grads, 1e-2)).item() < f(params).item()


def test_accepts_lists_and_keeps_float64():
    params32 = {
        k: v.tolist() for k, v in init_mlp(2, 3, 1, generator=torch.Generator().manual_seed(5)).items()
    }
    y_hat, cache = mlp_forward([[0.5, -1.0], [2.0, 0.25]], params32)
    assert y_hat.dtype == torch.float32  # lists get the default dtype
    assert mlp_backward(cache, [[1], [0]])["W1"].dtype == torch.float32
    X, params, y = make_problem(2, 2, 3, 1, seed=5)
    y_hat, cache = mlp_forward(X.numpy(), params)  # a numpy float64 array stays float64
    assert y_hat.dtype == F64
    assert all(g.dtype == F64 for g in mlp_backward(cache, y.numpy(), loss="bce").values())


@pytest.mark.parametrize("loss", LOSSES)
def test_mlp_functions_do_not_mutate_inputs(loss):
    X, params, y = make_problem(3, 2, 3, 2, seed=6)
    X.requires_grad_(True)
    params = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    before = {"X": X.detach().clone(), "y": y.clone(), **{k: v.detach().clone() for k, v in params.items()}}
    _, cache = mlp_forward(X, params, hidden="tanh")
    cache_before = {k: v.detach().clone() for k, v in cache.items() if isinstance(v, torch.Tensor)}
    mlp_backward(cache, y, loss=loss)
    assert torch.equal(X.detach(), before["X"]) and torch.equal(y, before["y"])
    for k, v in params.items():
        assert torch.equal(v.detach(), before[k]), k
        assert v.grad is None, k
    assert X.grad is None
    assert set(params) == set(NAMES)
    for k, v in cache_before.items():
        assert torch.equal(cache[k].detach(), v), k


def test_mlp_backward_accepts_a_cache_built_from_numpy():
    X, params, y = make_problem(3, 2, 2, 1, seed=7)
    array = X.numpy().copy()
    array_before = array.copy()
    mlp_backward(mlp_forward(array, {k: v.numpy() for k, v in params.items()})[1], y)
    np.testing.assert_array_equal(array, array_before)


# ---------------------------------------------------------------------------------------------------------------
# train_mlp


def loop_written_out(X, y, params, hidden, loss, lr, epochs):
    """Notebook 05's training loop (§ "Training by hand") with the public functions: forward, loss, backward,
    step; the XOR explorer ran exactly this before train_mlp existed."""
    losses = []
    for _ in range(epochs):
        y_hat, cache = mlp_forward(X, params, hidden=hidden)
        losses.append(PACKAGE_LOSS[loss](y_hat, y).item())
        params = sgd_step(params, mlp_backward(cache, y, loss=loss), lr)
    y_hat, _ = mlp_forward(X, params, hidden=hidden)
    losses.append(PACKAGE_LOSS[loss](y_hat, y).item())
    return params, losses


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("loss", LOSSES)
def test_train_mlp_is_bit_identical_to_the_loop_written_out(hidden, loss):
    X, params, y = make_problem(6, 3, 4, 2, seed=7)
    run = train_mlp(X, y, params, hidden=hidden, loss=loss, lr=0.3, epochs=25)
    expected_params, expected_losses = loop_written_out(X, y, params, hidden, loss, 0.3, 25)
    assert run.diverged_at is None
    assert list(run.losses) == expected_losses  # exactly: the same operations in the same order
    for name in NAMES:
        assert torch.equal(run.params[name], expected_params[name]), name


def test_train_mlp_solves_xor_as_notebook_05():
    # notebook 05's network: 2 → 4 tanh → 1, seed 0, lr 1.0; its § "Training by hand" prints loss < 0.01 at 2000
    X, y = xor_data(F64)
    params = init_mlp(2, 4, 1, generator=torch.Generator().manual_seed(0), dtype=F64)
    run = train_mlp(X, y, params, hidden="tanh", loss="mse", lr=1.0, epochs=2000)
    assert len(run.losses) == 2001 and run.losses[-1] < 0.01 < run.losses[0]
    y_hat, _ = mlp_forward(X, run.params, hidden="tanh")
    assert y_hat.round().flatten().tolist() == [0.0, 1.0, 1.0, 0.0]


def test_train_mlp_zero_epochs_and_the_callback():
    X, params, y = make_problem(4, 2, 3, 1, seed=1)
    run = train_mlp(X, y, params, hidden="tanh", lr=0.5, epochs=0)
    y_hat, _ = mlp_forward(X, params, hidden="tanh")
    assert run.losses == (mse(y_hat, y).item(),)
    for name in NAMES:
        assert torch.equal(run.params[name], params[name]), name
    calls = []
    run = train_mlp(
        X, y, params, hidden="tanh", lr=0.5, epochs=10, every=4, callback=lambda *a: calls.append(a)
    )
    assert [epoch for epoch, _, _ in calls] == [4, 8]
    _, snapshot, losses = calls[-1]
    assert losses == run.losses[:9]  # epoch + 1 losses: the initial one and one per update
    expected, _ = loop_written_out(X, y, params, "tanh", "mse", 0.5, 8)
    for name in NAMES:
        assert torch.equal(snapshot[name], expected[name]), name


def test_train_mlp_stops_at_an_overflow_and_keeps_the_last_finite_weights():
    X, params, y = make_problem(4, 2, 3, 1, seed=2)
    X = X * 1e300  # A1 ~ 1e300 (tanh would saturate at 1; relu does not)
    params = {**params, "W2": torch.zeros_like(params["W2"])}  # Z2 = b2: ŷ = σ(b2) unsaturated, dZ2 ≠ 0
    # dW2 = dZ2ᵀ A1 ~ 1e299, so W2 − lr·dW2 overflows float64 (max 1.8e308) in the first update
    run = train_mlp(X, y, params, hidden="relu", lr=1e10, epochs=5)
    assert run.diverged_at == 1 and len(run.losses) == 1
    for name in NAMES:
        assert torch.equal(run.params[name], params[name]), name


def test_train_mlp_leaves_its_inputs_alone():
    X, params, y = make_problem(4, 2, 3, 1, seed=3)
    before = {k: v.clone() for k, v in params.items()}
    train_mlp(X, y, params, hidden="sigmoid", loss="bce", lr=0.5, epochs=3)
    for name in NAMES:
        assert torch.equal(params[name], before[name]), name
