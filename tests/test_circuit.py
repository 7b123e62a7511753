"""sigmoid_circuit and circuit_autograd: the seed-003 gates by hand against autograd, finite differences and a
worked example, and the float32 limits in z where each loses the gradient (found by bisection).

Tolerances (float64): against autograd atol 1e-12, rtol 1e-9; against central differences (h = 1e-6) atol 1e-8,
rtol 1e-6. circuit_autograd builds float32 leaves: against the float32 hand trace rel 1e-5.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from backprop_helpers import numerical_grad
from backprop_helpers.circuit import (
    AUTOGRAD_GRADIENT_LIMIT,
    FLOAT32_EXP_LIMIT,
    HAND_GRADIENT_LIMIT,
    circuit_autograd,
    sigmoid_circuit,
)

FAST = settings(max_examples=60, deadline=None)
AUTOGRAD_TOL = {"atol": 1e-12, "rtol": 1e-9}
FINITE_DIFF_TOL = {"atol": 1e-8, "rtol": 1e-6}
F64 = torch.float64


@st.composite
def circuit_inputs(draw):
    """x, w of one random length 1–3 and a scalar b of shape () or (1,); float64, mixed signs."""
    n = draw(st.integers(1, 3))
    x = draw(arrays(np.float64, n, elements=st.floats(-2, 2)))
    w = draw(arrays(np.float64, n, elements=st.floats(-1.5, 1.5)))
    b = np.full(draw(st.sampled_from([(), (1,)])), draw(st.floats(-1.5, 1.5)))
    return torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)


def random_circuit(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, generator=g, dtype=F64)
    w = torch.randn(n, generator=g, dtype=F64) * 0.8
    b = torch.randn(1, generator=g, dtype=F64)
    return x, w, b


def autograd_circuit(x, w, b):
    """The seed-003 staging by autograd, with retain_grad on every intermediate, as the seed's Part 2."""
    leaves = {name: t.detach().clone().requires_grad_(True) for name, t in {"x": x, "w": w, "b": b}.items()}
    z = (leaves["w"] * leaves["x"]).sum() + leaves["b"]
    k = torch.exp(-z)
    h = 1 + k
    f = 1 / h
    for node in (z, k, h):
        node.retain_grad()
    f.backward()
    # local gradients of single gates, each on its own leaf
    k_leaf = k.detach().clone().requires_grad_(True)
    (dh_dk,) = torch.autograd.grad(1 + k_leaf, k_leaf)
    z_leaf = z.detach().clone().requires_grad_(True)
    (dk_dz,) = torch.autograd.grad(torch.exp(-z_leaf), z_leaf)
    return {
        "z": z.detach(),
        "k": k.detach(),
        "h": h.detach(),
        "f": f.detach(),
        "df_dh": h.grad,
        "df_dk": k.grad,
        "df_dz": z.grad,
        "df_dw": leaves["w"].grad,
        "df_db": leaves["b"].grad,
        "df_dx": leaves["x"].grad,
        "dh_dk": dh_dk,
        "dk_dz": dk_dz,
    }


@pytest.mark.parametrize("n", [1, 2, 4])
def test_sigmoid_circuit_matches_autograd(n):
    x, w, b = random_circuit(n, seed=10 + n)
    trace = sigmoid_circuit(x, w, b)
    reference = autograd_circuit(x, w, b)
    assert set(trace.as_dict()) == set(reference)
    for name, expected in reference.items():
        torch.testing.assert_close(
            getattr(trace, name), expected, **AUTOGRAD_TOL, msg=lambda m, n=name: f"{n}: {m}"
        )


@FAST
@given(inputs=circuit_inputs())
def test_sigmoid_circuit_matches_autograd_and_sigmoid_hypothesis(inputs):
    x, w, b = inputs
    trace = sigmoid_circuit(x, w, b)
    reference = autograd_circuit(x, w, b)
    for name, expected in reference.items():
        torch.testing.assert_close(
            getattr(trace, name), expected, **AUTOGRAD_TOL, msg=lambda m, n=name: f"{n}: {m}"
        )
    # the staged gates compute the same function as the one-step sigmoid: f = σ(z), ∂f/∂z = σ(1 − σ)
    torch.testing.assert_close(trace.f, torch.sigmoid(trace.z), **AUTOGRAD_TOL)
    torch.testing.assert_close(trace.df_dz, trace.f * (1 - trace.f), **AUTOGRAD_TOL)


def test_sigmoid_circuit_matches_finite_differences():
    x, w, b = random_circuit(3, seed=5)
    trace = sigmoid_circuit(x, w, b)
    reference = numerical_grad(lambda p: sigmoid_circuit(p["x"], p["w"], p["b"]).f, {"x": x, "w": w, "b": b})
    torch.testing.assert_close(trace.df_dw, reference["w"], **FINITE_DIFF_TOL)
    torch.testing.assert_close(trace.df_db, reference["b"], **FINITE_DIFF_TOL)
    torch.testing.assert_close(trace.df_dx, reference["x"], **FINITE_DIFF_TOL)


def test_sigmoid_circuit_worked_example():
    # z = 1·ln 3 + 0 = ln 3;  k = e^{−ln 3} = 1/3;  h = 1 + 1/3 = 4/3;  f = 3/4
    # ∂f/∂h = −1/h² = −9/16;  ∂h/∂k = 1 so ∂f/∂k = −9/16;  ∂k/∂z = −k = −1/3 so ∂f/∂z = (−9/16)(−1/3) = 3/16
    # 3/16 = σ(1 − σ) = 3/4 · 1/4 ✓;  ∂f/∂w = 3/16 · x = 3/16 · ln 3;  ∂f/∂b = 3/16;  ∂f/∂x = 3/16 · w = 3/16
    ln3 = math.log(3)
    t = sigmoid_circuit(
        torch.tensor([ln3], dtype=F64), torch.tensor([1.0], dtype=F64), torch.tensor(0.0, dtype=F64)
    )
    expected = {
        "z": ln3,
        "k": 1 / 3,
        "h": 4 / 3,
        "f": 3 / 4,
        "df_dh": -9 / 16,
        "dh_dk": 1.0,
        "df_dk": -9 / 16,
        "dk_dz": -1 / 3,
        "df_dz": 3 / 16,
        "df_dw": 3 / 16 * ln3,
        "df_db": 3 / 16,
        "df_dx": 3 / 16,
    }
    for name, value in expected.items():
        assert getattr(t, name).item() == pytest.approx(value, abs=1e-15), name


@pytest.mark.parametrize(("dtype", "b"), [(torch.float32, 0.5), (F64, torch.tensor([0.5], dtype=F64))])
def test_sigmoid_circuit_keeps_the_dtype_and_leaves_inputs_alone(dtype, b):
    x = torch.tensor([0.5, 3.0], dtype=dtype, requires_grad=True)
    w = torch.tensor([0.5, -1.2], dtype=dtype, requires_grad=True)
    before = (x.detach().clone(), w.detach().clone())
    trace = sigmoid_circuit(x, w, b)
    assert all(isinstance(v, torch.Tensor) and v.dtype == dtype for v in trace.as_dict().values())
    assert torch.equal(x.detach(), before[0]) and torch.equal(w.detach(), before[1])
    assert x.grad is None and w.grad is None


def test_sigmoid_circuit_refuses_the_overflow_of_k():
    # z = −100: k = e^{100} overflows float32 (its range ends at e^{88.72})
    with pytest.raises(ValueError, match=r"k = e\^\(-z\) overflows at z = -100"):
        sigmoid_circuit([100.0], [-1.0], 0.0)
    assert FLOAT32_EXP_LIMIT == pytest.approx(88.72, abs=0.01)
    assert torch.isfinite(sigmoid_circuit([88.0], [-1.0], 0.0).k).all()  # just inside the range


# ---------------------------------------------------------------------------------------------------------------
# circuit_autograd and the float32 limits


def _last_nonzero(grad_at, low=-100.0, high=0.0):
    # bisection on float32 z: grad_at(high) > 0, grad_at(low) == 0
    for _ in range(80):
        middle = (low + high) / 2
        if grad_at(middle) > 0:
            high = middle
        else:
            low = middle
    return high


def test_the_band_limits_are_where_the_float32_gradients_vanish():
    def hand(z):
        return sigmoid_circuit([z], [1.0], 0.0).df_dz.item() if z > -FLOAT32_EXP_LIMIT else 0.0

    def autograd(z):
        return circuit_autograd((z, 0.0), (1.0, 0.0), 0.0)[1]["z"].grad.item()

    assert _last_nonzero(hand) == pytest.approx(HAND_GRADIENT_LIMIT, abs=1e-3)  # −64·ln 2
    assert _last_nonzero(autograd) == pytest.approx(AUTOGRAD_GRADIENT_LIMIT, abs=1e-3)  # −75·ln 2
    assert HAND_GRADIENT_LIMIT == pytest.approx(-64 * math.log(2), abs=1e-6)
    assert AUTOGRAD_GRADIENT_LIMIT == pytest.approx(-75 * math.log(2), abs=1e-12)


def test_circuit_autograd_matches_sigmoid_circuit_on_seeded_inputs():
    generator = torch.Generator().manual_seed(3)
    for _ in range(20):
        x, w = torch.randn(2, generator=generator) * 2, torch.randn(2, generator=generator)
        b = torch.randn((), generator=generator)
        f, tensors = circuit_autograd(x.tolist(), w.tolist(), b.item())
        trace = sigmoid_circuit(x, w, b)
        assert f.item() == pytest.approx(trace.f.item(), rel=1e-6)
        autograd_dw = [tensors["w₀"].grad.item(), tensors["w₁"].grad.item()]
        assert autograd_dw == pytest.approx(trace.df_dw.tolist(), rel=1e-5, abs=1e-8)
        assert tensors["k"].grad.item() == pytest.approx(trace.df_dk.item(), rel=1e-5, abs=1e-8)
