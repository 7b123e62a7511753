"""sigmoid, sigmoid_grad, sigmoid_grad_from_output, tanh_grad, relu_grad: against autograd, finite differences and worked examples.

Tolerances (float64): against autograd atol 1e-12, rtol 1e-9 — the formulas and torch round differently, and
1 − σ(z) keeps only ~1e-16/(1 − σ) relative digits when σ ≈ 1; against central differences (h = 1e-6)
atol 1e-8, rtol 1e-6, the O(h²) + O(ε/h) error of the difference quotient.
"""

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from backprop_helpers import numerical_grad, relu_grad, sigmoid, sigmoid_grad, tanh_grad
from backprop_helpers.activations import sigmoid_grad_from_output

FAST = settings(max_examples=60, deadline=None)
AUTOGRAD_TOL = {"atol": 1e-12, "rtol": 1e-9}
FINITE_DIFF_TOL = {"atol": 1e-8, "rtol": 1e-6}

# float64 arrays of random shape (0-d to 3-d) with mixed signs
Z_ARRAYS = arrays(
    np.float64,
    array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4),
    elements=st.floats(-30, 30, allow_nan=False, allow_infinity=False),
)
SHAPES = [(), (1,), (7,), (3, 4), (2, 3, 2)]

# each formula, the torch function it is the derivative of
DERIVATIVES = [
    pytest.param(sigmoid_grad, torch.sigmoid, id="sigmoid_grad"),
    pytest.param(tanh_grad, torch.tanh, id="tanh_grad"),
    pytest.param(relu_grad, torch.relu, id="relu_grad"),
]


def autograd_derivative(forward, z):
    """Elementwise d forward/dz by autograd: the gradient of the sum is the elementwise derivative."""
    leaf = z.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(forward(leaf).sum(), leaf)
    return grad


def random_z(shape, seed, scale=4.0):
    """Seeded, mixed-sign float64 values, kept away from relu's kink at 0."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(shape, generator=g, dtype=torch.float64) * scale
    return torch.where(z.abs() < 1e-3, torch.full_like(z, 0.5), z)


# ---------------------------------------------------------------------------------------------------------------
# against autograd


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("formula", "forward"), DERIVATIVES)
def test_derivative_matches_autograd(formula, forward, shape):
    z = random_z(shape, seed=len(shape) + 1)
    assert (z < 0).any() or z.numel() == 1  # mixed signs where there is room for them
    result = formula(z)
    assert result.shape == z.shape
    assert result.dtype == torch.float64
    torch.testing.assert_close(result, autograd_derivative(forward, z), **AUTOGRAD_TOL)


@FAST
@given(z=Z_ARRAYS)
def test_sigmoid_grad_matches_autograd_hypothesis(z):
    z = torch.from_numpy(z)
    torch.testing.assert_close(sigmoid_grad(z), autograd_derivative(torch.sigmoid, z), **AUTOGRAD_TOL)


@FAST
@given(z=Z_ARRAYS)
def test_tanh_grad_matches_autograd_hypothesis(z):
    z = torch.from_numpy(z)
    torch.testing.assert_close(tanh_grad(z), autograd_derivative(torch.tanh, z), **AUTOGRAD_TOL)


@FAST
@given(z=Z_ARRAYS)
def test_relu_grad_matches_autograd_hypothesis(z):
    assume(bool((np.abs(z) > 1e-9).all()))  # away from the kink, where "the" derivative is a convention
    z = torch.from_numpy(z)
    torch.testing.assert_close(relu_grad(z), autograd_derivative(torch.relu, z), atol=0, rtol=0)


@FAST
@given(z=Z_ARRAYS)
def test_sigmoid_matches_torch_sigmoid_hypothesis(z):
    z = torch.from_numpy(z)
    torch.testing.assert_close(sigmoid(z), torch.sigmoid(z), atol=1e-15, rtol=1e-13)


@pytest.mark.parametrize("shape", SHAPES)
def test_autograd_through_package_sigmoid_gives_sigmoid_grad(shape):
    # the stable, two-branch sigmoid must still differentiate to σ(1 − σ) under autograd
    z = random_z(shape, seed=7)
    torch.testing.assert_close(autograd_derivative(sigmoid, z), sigmoid_grad(z), **AUTOGRAD_TOL)


# ---------------------------------------------------------------------------------------------------------------
# against finite differences


@pytest.mark.parametrize(("formula", "forward"), DERIVATIVES)
def test_derivative_matches_finite_differences(formula, forward):
    z = random_z((3, 4), seed=11)
    assert bool((z.abs() > 1e-3).all())  # |z| ≫ h: the relu difference quotient does not straddle the kink
    reference = numerical_grad(lambda t: forward(t).sum(), z)
    torch.testing.assert_close(formula(z), reference, **FINITE_DIFF_TOL)


@FAST
@given(z=Z_ARRAYS)
def test_sigmoid_grad_matches_finite_differences_hypothesis(z):
    z = torch.from_numpy(z)
    reference = numerical_grad(lambda t: sigmoid(t).sum(), z)
    torch.testing.assert_close(sigmoid_grad(z), reference, **FINITE_DIFF_TOL)


@FAST
@given(z=Z_ARRAYS)
def test_sigmoid_grad_from_output_matches_sigmoid_grad_and_autograd_hypothesis(z):
    z = torch.from_numpy(z)
    through_output = sigmoid_grad_from_output(sigmoid(z))
    assert through_output.shape == z.shape and through_output.dtype == torch.float64
    assert torch.equal(through_output, sigmoid_grad(z))  # the same kernel: ŷ(1 − ŷ) at ŷ = σ(z)
    torch.testing.assert_close(through_output, autograd_derivative(torch.sigmoid, z), **AUTOGRAD_TOL)


def test_sigmoid_grad_from_output_refuses_z():
    # the classic slip: z = 2 passed where σ(z) belongs would give 2·(1 − 2) = −2, a negative "slope"
    with pytest.raises(
        ValueError, match=r"^y_hat must lie in \[0, 1\] \(a sigmoid output σ\(z\), not z\); got 2\.0"
    ):
        sigmoid_grad_from_output([0.5, 2.0])


# ---------------------------------------------------------------------------------------------------------------
# hand-worked examples


def test_sigmoid_worked_example():
    # σ(0) = 1/(1 + 1) = 1/2;  σ(ln 3) = 1/(1 + 1/3) = 3/4;  σ(−ln 3) = 1/(1 + 3) = 1/4
    z = torch.tensor([0.0, math.log(3), -math.log(3)], dtype=torch.float64)
    torch.testing.assert_close(sigmoid(z), torch.tensor([0.5, 0.75, 0.25], dtype=torch.float64))


def test_sigmoid_grad_worked_example():
    # σ′(0) = 1/2 · 1/2 = 1/4;  σ′(ln 3) = 3/4 · 1/4 = 3/16 = 0.1875;  σ′(−ln 3) = 1/4 · 3/4 = 3/16
    z = torch.tensor([0.0, math.log(3), -math.log(3)], dtype=torch.float64)
    torch.testing.assert_close(sigmoid_grad(z), torch.tensor([0.25, 0.1875, 0.1875], dtype=torch.float64))


def test_sigmoid_grad_from_output_worked_example():
    # ŷ = 1/2: 1/2 · 1/2 = 1/4;  ŷ = 3/4: 3/4 · 1/4 = 3/16;  ŷ = 0 or 1: 0 (saturated, no slope left)
    y_hat = torch.tensor([0.5, 0.75, 0.0, 1.0], dtype=torch.float64)
    assert sigmoid_grad_from_output(y_hat).tolist() == [
        0.25,
        0.1875,
        0.0,
        0.0,
    ]  # small binary fractions: exact


def test_tanh_grad_worked_example():
    # tanh(ln 2) = (2 − 1/2)/(2 + 1/2) = 1.5/2.5 = 0.6, so 1 − 0.6² = 0.64; tanh(0) = 0, so 1 − 0 = 1;
    # tanh is odd, so tanh′(−ln 2) = 0.64 too
    z = torch.tensor([math.log(2), 0.0, -math.log(2)], dtype=torch.float64)
    torch.testing.assert_close(tanh_grad(z), torch.tensor([0.64, 1.0, 0.64], dtype=torch.float64))


def test_relu_grad_worked_example():
    # relu(z) = max(z, 0): slope 0 left of 0, 1 right of 0; at z = 0 the convention is 0, as torch's
    z = torch.tensor([-2.0, -0.0, 0.0, 0.5, 3.0], dtype=torch.float64)
    expected = torch.tensor([0.0, 0.0, 0.0, 1.0, 1.0], dtype=torch.float64)
    torch.testing.assert_close(relu_grad(z), expected, atol=0, rtol=0)
    torch.testing.assert_close(relu_grad(z), autograd_derivative(torch.relu, z), atol=0, rtol=0)


# ---------------------------------------------------------------------------------------------------------------
# numerics at the edges


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_sigmoid_exact_in_its_limits_without_overflow(dtype):
    z = torch.tensor([-1e4, 1e4], dtype=dtype)
    # the naive 1/(1 + e^{−z}) would compute e^{1e4} = inf on the way: that is what the stable form avoids
    assert torch.isinf(torch.exp(-z[0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow warning fails the test
        s = sigmoid(z)
    assert s.dtype == dtype
    assert s[0].item() == 0.0  # exactly, not merely close
    assert s[1].item() == 1.0
    assert bool(torch.isfinite(sigmoid_grad(z)).all())
    extremes = torch.tensor([-torch.finfo(dtype).max, torch.finfo(dtype).max], dtype=dtype)
    assert sigmoid(extremes).tolist() == [0.0, 1.0]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_sigmoid_autograd_gradient_at_zero_and_at_the_limits(dtype):
    # σ′(0) = σ(0)(1 − σ(0)) = 1/2 · 1/2 = 0.25 exactly; far out the slope is 0, and finite (no inf·0 = nan)
    z = torch.tensor([0.0, -1e4, 1e4], dtype=dtype)
    grad = autograd_derivative(sigmoid, z)
    assert grad.tolist() == [0.25, 0.0, 0.0]


@settings(max_examples=100, deadline=None)
@given(value=st.floats(allow_nan=False, allow_infinity=False), width=st.sampled_from([32, 64]))
def test_sigmoid_finite_and_in_unit_interval_for_any_finite_input(value, width):
    dtype = torch.float32 if width == 32 else torch.float64
    z = torch.tensor(value, dtype=dtype)
    assume(bool(torch.isfinite(z)))  # a float64 beyond float32's range becomes inf in float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(z)
        slope = sigmoid_grad(z)
    assert 0.0 <= s.item() <= 1.0
    assert math.isfinite(slope.item()) and 0.0 <= slope.item() <= 0.25
    # torch.sigmoid is the stable reference; both are accurate to a few ulps of the result
    torch.testing.assert_close(
        s, torch.sigmoid(z), atol=torch.finfo(dtype).tiny, rtol=4 * torch.finfo(dtype).eps
    )


# ---------------------------------------------------------------------------------------------------------------
# inputs: tensors, numbers, lists; dtypes; no mutation

FUNCTIONS = [sigmoid, sigmoid_grad, tanh_grad, relu_grad]


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("value", "dtype"),
    [
        pytest.param(0.5, torch.float32, id="python-float"),
        pytest.param(-2, torch.float32, id="python-int"),
        pytest.param([0.5, -1.5, 2.0], torch.float32, id="list"),
        pytest.param([[1, -2], [3, 4]], torch.float32, id="nested-int-list"),
        pytest.param(torch.tensor([0.5, -1.5]), torch.float32, id="float32-tensor"),
        pytest.param(torch.tensor([0.5, -1.5], dtype=torch.float64), torch.float64, id="float64-tensor"),
        pytest.param(torch.tensor([1, -2]), torch.float32, id="int-tensor"),
        pytest.param(np.array([0.5, -1.5]), torch.float64, id="numpy-float64"),
        pytest.param(np.array([0.5, -1.5], dtype=np.float32), torch.float32, id="numpy-float32"),
    ],
)
def test_accepts_numbers_lists_and_tensors(function, value, dtype):
    result = function(value)
    assert isinstance(result, torch.Tensor)
    assert result.dtype == dtype
    assert tuple(result.shape) == np.shape(value)
    expected = function(torch.as_tensor(np.asarray(value, dtype=np.float64)))
    torch.testing.assert_close(result.double(), expected, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
def test_does_not_mutate_inputs(function):
    z = torch.tensor([-3.0, -0.5, 0.25, 4.0], dtype=torch.float64, requires_grad=True)
    z_before = z.detach().clone()
    array = np.array([-3.0, 0.25, 4.0])
    array_before = array.copy()
    function(z)
    function(array)
    assert torch.equal(z.detach(), z_before)
    assert z.grad is None  # the helper never runs a backward pass or sets .grad
    np.testing.assert_array_equal(array, array_before)
