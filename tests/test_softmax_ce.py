"""softmax, cross_entropy, cross_entropy_grad (notebook 07): against torch and autograd, finite differences, a
worked example, and the tails (logits of ±1e4 in float32).

Tolerances (float64): against torch atol 1e-12, rtol 1e-10 (the same formula, summed in another order); against
central differences (h = 1e-6) atol 1e-8, rtol 1e-6.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from backprop_helpers import cross_entropy, cross_entropy_grad, numerical_grad, softmax

FAST = settings(max_examples=60, deadline=None)
TORCH_TOL = {"atol": 1e-12, "rtol": 1e-10}
FINITE_DIFF_TOL = {"atol": 1e-8, "rtol": 1e-6}
SHAPES = [(1, 1), (1, 4), (5, 3), (6, 10)]  # a batch of one, N ≠ C both ways, the digits' ten classes


def problem(n, c, seed, scale=3.0):
    g = torch.Generator().manual_seed(seed)
    logits = scale * torch.randn(n, c, generator=g, dtype=torch.float64)
    labels = torch.randint(0, c, (n,), generator=g)
    return logits, labels


@st.composite
def logits_labels(draw):
    n = draw(st.integers(1, 6))
    c = draw(st.integers(1, 7))
    logits = draw(arrays(np.float64, (n, c), elements=st.floats(-50.0, 50.0)))
    labels = draw(arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    return torch.from_numpy(logits), torch.from_numpy(labels)


# ---------------------------------------------------------------------------------------------------------------
# against torch


@pytest.mark.parametrize("shape", SHAPES)
def test_matches_torch(shape):
    logits, labels = problem(*shape, seed=sum(shape))
    torch.testing.assert_close(softmax(logits), torch.softmax(logits, dim=1), **TORCH_TOL)
    torch.testing.assert_close(cross_entropy(logits, labels), F.cross_entropy(logits, labels), **TORCH_TOL)
    leaf = logits.clone().requires_grad_(True)
    (reference,) = torch.autograd.grad(F.cross_entropy(leaf, labels), leaf)
    torch.testing.assert_close(cross_entropy_grad(logits, labels), reference, **TORCH_TOL)


@FAST
@given(logits_labels())
def test_matches_torch_hypothesis(pair):
    logits, labels = pair
    torch.testing.assert_close(softmax(logits), torch.softmax(logits, dim=1), **TORCH_TOL)
    torch.testing.assert_close(cross_entropy(logits, labels), F.cross_entropy(logits, labels), **TORCH_TOL)
    leaf = logits.clone().requires_grad_(True)
    (reference,) = torch.autograd.grad(F.cross_entropy(leaf, labels), leaf)
    torch.testing.assert_close(cross_entropy_grad(logits, labels), reference, **TORCH_TOL)


def test_autograd_through_the_package_loss_gives_the_package_gradient():
    logits, labels = problem(4, 3, seed=11)
    leaf = logits.clone().requires_grad_(True)
    (by_autograd,) = torch.autograd.grad(cross_entropy(leaf, labels), leaf)
    torch.testing.assert_close(cross_entropy_grad(logits, labels), by_autograd, **TORCH_TOL)


@pytest.mark.parametrize("shape", SHAPES)
def test_gradient_matches_finite_differences(shape):
    logits, labels = problem(*shape, seed=3 + sum(shape))
    numeric = numerical_grad(lambda z: cross_entropy(z, labels), logits)
    torch.testing.assert_close(cross_entropy_grad(logits, labels), numeric, **FINITE_DIFF_TOL)


# ---------------------------------------------------------------------------------------------------------------
# a worked example


def test_worked_example():
    # z = (0, ln 3) for one sample of class 0: e^z = (1, 3), Σ = 4, p = (1/4, 3/4);
    # L = −ln p₀ = ln 4; ∂L/∂z = p − onehot(0) = (1/4 − 1, 3/4) = (−3/4, 3/4) (N = 1)
    z = torch.tensor([[0.0, math.log(3.0)]], dtype=torch.float64)
    y = torch.tensor([0])
    torch.testing.assert_close(softmax(z), torch.tensor([[0.25, 0.75]], dtype=torch.float64), **TORCH_TOL)
    assert cross_entropy(z, y).item() == pytest.approx(math.log(4.0), abs=1e-15)
    torch.testing.assert_close(
        cross_entropy_grad(z, y), torch.tensor([[-0.75, 0.75]], dtype=torch.float64), **TORCH_TOL
    )
    # a batch of two, the same row twice with labels 0 and 1: L = (ln 4 + ln(4/3))/2, ∂L/∂z = (p − onehot)/2
    z2, y2 = torch.cat([z, z]), torch.tensor([0, 1])
    assert cross_entropy(z2, y2).item() == pytest.approx((math.log(4) + math.log(4 / 3)) / 2, abs=1e-15)
    expected = torch.tensor([[-0.375, 0.375], [0.125, -0.125]], dtype=torch.float64)
    torch.testing.assert_close(cross_entropy_grad(z2, y2), expected, **TORCH_TOL)


def test_rows_of_p_sum_to_one_and_rows_of_the_gradient_to_zero():
    logits, labels = problem(6, 10, seed=5)
    torch.testing.assert_close(softmax(logits).sum(dim=1), torch.ones(6, dtype=torch.float64), **TORCH_TOL)
    torch.testing.assert_close(
        cross_entropy_grad(logits, labels).sum(dim=1), torch.zeros(6, dtype=torch.float64), atol=1e-15, rtol=0
    )


def test_softmax_of_one_row_and_shift_invariance():
    z = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    torch.testing.assert_close(softmax(z), torch.softmax(z, dim=0), **TORCH_TOL)
    torch.testing.assert_close(softmax(z + 1000.0), softmax(z), **TORCH_TOL)  # e^{−m} cancels


# ---------------------------------------------------------------------------------------------------------------
# the tails


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_finite_for_logits_of_plus_minus_1e4(dtype):
    z = torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, -1e4]], dtype=dtype)
    y = torch.tensor([1, 1])  # row 0 confidently wrong, row 1 confidently right
    p = softmax(z)
    assert p.tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]  # exactly, no nan
    loss = cross_entropy(z, y)
    # row 0: log Σ e^z − z₁ = 1e4 − (−1e4) = 2e4 (e^{−1e4}, e^{−2e4} vanish); row 1: 0; the mean 1e4
    assert torch.isfinite(loss) and loss.item() == 1e4
    assert cross_entropy_grad(z, y).tolist() == [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]]
    naive = torch.exp(z) / torch.exp(z).sum(dim=1, keepdim=True)  # e^{1e4} = inf, inf/inf = nan
    assert torch.isnan(naive).any()


def test_returns_new_tensors_and_leaves_inputs_alone():
    logits, labels = problem(3, 4, seed=2)
    before = logits.clone(), labels.clone()
    cross_entropy_grad(logits, labels)
    cross_entropy(logits, labels)
    softmax(logits)
    assert torch.equal(logits, before[0]) and torch.equal(labels, before[1])


def test_labels_as_a_list_or_int32_and_logits_as_a_list():
    logits, labels = problem(3, 4, seed=9)
    reference = cross_entropy_grad(logits, labels)
    torch.testing.assert_close(cross_entropy_grad(logits, labels.tolist()), reference, **TORCH_TOL)
    torch.testing.assert_close(cross_entropy_grad(logits, labels.to(torch.int32)), reference, **TORCH_TOL)
    assert cross_entropy(logits.tolist(), labels).dtype == torch.float32  # a list gets torch's default dtype
