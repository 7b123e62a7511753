"""mse, mse_grad, bce, bce_grad, bce_eps: against torch's losses and autograd, finite differences, worked examples.

Tolerances (float64): values and gradients against torch atol 1e-12, rtol 1e-10 (the same formula, summed in
a different order); against central differences (h = 1e-6) atol 1e-8, rtol 1e-6. The BCE tests keep ŷ in
[0.01, 0.99], where the clamp is inactive and ``nn.BCELoss`` (which clamps each log at −100 instead) agrees.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from backprop_helpers import bce, bce_eps, bce_grad, mse, mse_grad, numerical_grad

FAST = settings(max_examples=60, deadline=None)
TORCH_TOL = {"atol": 1e-12, "rtol": 1e-10}
FINITE_DIFF_TOL = {"atol": 1e-8, "rtol": 1e-6}
SHAPES = [(), (1,), (5,), (4, 1), (2, 3, 2)]


@st.composite
def prediction_target(draw, y_hat_range, y_range):
    """(ŷ, y) float64 arrays of one random shape, each element drawn from its range."""
    shape = draw(array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4))
    y_hat = draw(arrays(np.float64, shape, elements=st.floats(*y_hat_range)))
    y = draw(arrays(np.float64, shape, elements=st.floats(*y_range)))
    return torch.from_numpy(y_hat), torch.from_numpy(y)


REGRESSION = prediction_target((-10.0, 10.0), (-10.0, 10.0))  # mixed signs
PROBABILITIES = prediction_target((0.01, 0.99), (0.0, 1.0))  # soft targets allowed


def random_pair(shape, seed, *, probabilities):
    g = torch.Generator().manual_seed(seed)
    if probabilities:
        y_hat = torch.rand(shape, generator=g, dtype=torch.float64) * 0.98 + 0.01
        y = (torch.rand(shape, generator=g, dtype=torch.float64) > 0.5).to(torch.float64)
    else:
        y_hat = torch.randn(shape, generator=g, dtype=torch.float64) * 3
        y = torch.randn(shape, generator=g, dtype=torch.float64) * 3
    return y_hat, y


def autograd_loss_grad(loss_fn, y_hat, y):
    """∂ loss_fn(ŷ, y)/∂ŷ by autograd, on a leaf copy of ŷ."""
    leaf = y_hat.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(loss_fn(leaf, y), leaf)
    return grad


# ---------------------------------------------------------------------------------------------------------------
# against torch's losses and autograd


@pytest.mark.parametrize("shape", SHAPES)
def test_mse_and_mse_grad_match_torch(shape):
    y_hat, y = random_pair(shape, seed=len(shape), probabilities=False)
    torch.testing.assert_close(mse(y_hat, y), F.mse_loss(y_hat, y), **TORCH_TOL)
    torch.testing.assert_close(mse_grad(y_hat, y), autograd_loss_grad(F.mse_loss, y_hat, y), **TORCH_TOL)


@pytest.mark.parametrize("shape", SHAPES)
def test_bce_and_bce_grad_match_torch(shape):
    y_hat, y = random_pair(shape, seed=len(shape), probabilities=True)
    torch.testing.assert_close(bce(y_hat, y), F.binary_cross_entropy(y_hat, y), **TORCH_TOL)
    expected = autograd_loss_grad(F.binary_cross_entropy, y_hat, y)
    torch.testing.assert_close(bce_grad(y_hat, y), expected, **TORCH_TOL)


@FAST
@given(pair=REGRESSION)
def test_mse_matches_torch_hypothesis(pair):
    y_hat, y = pair
    torch.testing.assert_close(mse(y_hat, y), F.mse_loss(y_hat, y), **TORCH_TOL)
    torch.testing.assert_close(mse_grad(y_hat, y), autograd_loss_grad(F.mse_loss, y_hat, y), **TORCH_TOL)


@FAST
@given(pair=PROBABILITIES)
def test_bce_matches_torch_hypothesis(pair):
    y_hat, y = pair
    torch.testing.assert_close(bce(y_hat, y), F.binary_cross_entropy(y_hat, y), **TORCH_TOL)
    expected = autograd_loss_grad(F.binary_cross_entropy, y_hat, y)
    torch.testing.assert_close(bce_grad(y_hat, y), expected, **TORCH_TOL)


@FAST
@given(pair=PROBABILITIES)
def test_bce_grad_is_autograd_of_bce_hypothesis(pair):
    # the package's own forward, differentiated by autograd, gives its own _grad twin
    y_hat, y = pair
    torch.testing.assert_close(bce_grad(y_hat, y), autograd_loss_grad(bce, y_hat, y), **TORCH_TOL)


# ---------------------------------------------------------------------------------------------------------------
# against finite differences


@FAST
@given(pair=REGRESSION)
def test_mse_grad_matches_finite_differences_hypothesis(pair):
    y_hat, y = pair
    torch.testing.assert_close(
        mse_grad(y_hat, y), numerical_grad(lambda t: mse(t, y), y_hat), **FINITE_DIFF_TOL
    )


@FAST
@given(pair=PROBABILITIES)
def test_bce_grad_matches_finite_differences_hypothesis(pair):
    y_hat, y = pair
    torch.testing.assert_close(
        bce_grad(y_hat, y), numerical_grad(lambda t: bce(t, y), y_hat), **FINITE_DIFF_TOL
    )


# ---------------------------------------------------------------------------------------------------------------
# hand-worked examples


def test_mse_worked_example():
    # ŷ − y = (1 − 0, 2 − 4) = (1, −2);  L = (1² + (−2)²)/2 = 5/2 = 2.5;  ∂L/∂ŷ = 2·(1, −2)/2 = (1, −2)
    y_hat = torch.tensor([1.0, 2.0], dtype=torch.float64)
    y = torch.tensor([0.0, 4.0], dtype=torch.float64)
    assert mse(y_hat, y).item() == pytest.approx(2.5, abs=1e-15)
    torch.testing.assert_close(mse_grad(y_hat, y), torch.tensor([1.0, -2.0], dtype=torch.float64))


def test_bce_worked_example():
    # L = −(1·ln 0.5 + (1 − 0)·ln(1 − 0.25))/2 = (0.693147 + 0.287682)/2 = 0.490415
    # ∂L/∂ŷ = (ŷ − y)/(ŷ(1 − ŷ)·n): (0.5 − 1)/(0.5·0.5·2) = −1,  (0.25 − 0)/(0.25·0.75·2) = 2/3 = 0.666667
    y_hat = torch.tensor([0.5, 0.25], dtype=torch.float64)
    y = torch.tensor([1.0, 0.0], dtype=torch.float64)
    assert bce(y_hat, y).item() == pytest.approx((math.log(2) - math.log(0.75)) / 2, abs=1e-15)
    assert bce(y_hat, y).item() == pytest.approx(0.490415, abs=5e-7)
    torch.testing.assert_close(bce_grad(y_hat, y), torch.tensor([-1.0, 2 / 3], dtype=torch.float64))


def test_losses_are_means_over_every_element():
    # a (2, 3) batch: n = 6 elements, like nn.MSELoss's default reduction="mean"
    y_hat = torch.full((2, 3), 3.0, dtype=torch.float64)
    y = torch.zeros((2, 3), dtype=torch.float64)
    assert mse(y_hat, y).item() == 9.0  # (6 · 3²)/6
    torch.testing.assert_close(mse_grad(y_hat, y), torch.full((2, 3), 1.0, dtype=torch.float64))  # 2·3/6


# ---------------------------------------------------------------------------------------------------------------
# numerics at the edges: ŷ ∈ {0, 1}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(("y_hat", "y"), [(0.0, 1.0), (1.0, 0.0), (0.0, 0.0), (1.0, 1.0)])
def test_bce_finite_at_zero_and_one(dtype, y_hat, y):
    y_hat = torch.tensor([y_hat], dtype=dtype)
    y = torch.tensor([y], dtype=dtype)
    loss, grad = bce(y_hat, y), bce_grad(y_hat, y)
    assert loss.dtype == dtype and grad.dtype == dtype
    assert math.isfinite(loss.item()) and loss.item() >= 0
    assert math.isfinite(grad.item())


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_bce_worked_example_at_the_clamp(dtype):
    # ŷ = 1, y = 0 is clamped to ŷ = 1 − ε with ε = 2⁻²³ (float32) or 2⁻⁵² (float64), so
    # L = −ln(1 − (1 − ε)) = −ln ε = 23·ln 2 = 15.942385 (float32) or 52·ln 2 = 36.043653 (float64)
    bits = {torch.float32: 23, torch.float64: 52}[dtype]
    loss = bce(torch.tensor([1.0, 0.0], dtype=dtype), torch.tensor([0.0, 1.0], dtype=dtype))
    assert loss.item() == pytest.approx(bits * math.log(2), rel=1e-6)


def test_seed_eps_does_nothing_in_float32_but_bce_eps_does():
    # The seed clamps at eps = 1e-8: in float32, 1 − 1e-8 rounds to exactly 1 (the spacing below 1 is 2⁻²⁴ ≈ 6e-8)
    assert torch.tensor(1 - 1e-8, dtype=torch.float32).item() == 1.0
    one, zero = torch.tensor([1.0]), torch.tensor([0.0])  # float32, as in the seed
    assert torch.isinf(bce(one, zero, eps=1e-8))  # log(1 − 1) = log 0 = −inf: the clamp did nothing
    assert torch.isinf(bce_grad(one, zero, eps=1e-8))
    # machine epsilon is the smallest eps with 1 − eps < 1, and it keeps the loss finite
    assert bce_eps(torch.float32) == 2.0**-23
    assert torch.tensor(1 - bce_eps(torch.float32), dtype=torch.float32).item() < 1.0
    assert math.isfinite(bce(one, zero, eps=bce_eps(torch.float32)).item())
    assert math.isfinite(bce(one, zero).item())  # the default is bce_eps(float32)
    # in float64 1e-8 is representable next to 1, so the seed's clamp works there
    assert math.isfinite(bce(one.double(), zero.double(), eps=1e-8).item())
    assert bce_eps(torch.float64) == 2.0**-52


# ---------------------------------------------------------------------------------------------------------------
# inputs: tensors, numbers, lists; dtypes; no mutation

LOSS_FUNCTIONS = [mse, mse_grad, bce, bce_grad]


@pytest.mark.parametrize("function", LOSS_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("y_hat", "y", "dtype"),
    [
        pytest.param(0.25, 1, torch.float32, id="python-numbers"),
        pytest.param([0.25, 0.75], [1, 0], torch.float32, id="lists"),
        pytest.param(torch.tensor([0.25, 0.75]), torch.tensor([1.0, 0.0]), torch.float32, id="float32"),
        pytest.param(
            torch.tensor([0.25, 0.75], dtype=torch.float64),
            torch.tensor([1.0, 0.0], dtype=torch.float64),
            torch.float64,
            id="float64",
        ),
        pytest.param(np.array([0.25, 0.75]), np.array([1.0, 0.0]), torch.float64, id="numpy-float64"),
        pytest.param(torch.tensor([0.25, 0.75]), torch.tensor([1, 0]), torch.float32, id="integer-target"),
    ],
)
def test_accepts_numbers_lists_and_tensors(function, y_hat, y, dtype):
    result = function(y_hat, y)
    assert isinstance(result, torch.Tensor)
    assert result.dtype == dtype
    expected = function(
        torch.as_tensor(np.asarray(y_hat, dtype=np.float64)), torch.as_tensor(np.asarray(y, dtype=np.float64))
    )
    torch.testing.assert_close(result.double(), expected, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("function", LOSS_FUNCTIONS, ids=lambda f: f.__name__)
def test_does_not_mutate_inputs(function):
    # ŷ = 1 exercises the clamp, which must not write into ŷ
    y_hat = torch.tensor([0.0, 0.3, 1.0], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64, requires_grad=True)
    y_hat_before, y_before = y_hat.detach().clone(), y.detach().clone()
    array = np.array([0.0, 0.3, 1.0])
    array_before = array.copy()
    function(y_hat, y)
    function(array, [1.0, 0.0, 0.0])
    assert torch.equal(y_hat.detach(), y_hat_before) and torch.equal(y.detach(), y_before)
    assert y_hat.grad is None and y.grad is None
    np.testing.assert_array_equal(array, array_before)
