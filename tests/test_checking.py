"""numerical_grad, autograd_grads, compare_grads: worked examples, agreement with each other, and that a
comparison flags what is wrong (a missing factor 2, a transposed matrix, a sign flip).

Tolerances: numerical_grad (float64, h = 1e-6) against exact derivatives atol 1e-8, rtol 1e-6; autograd
against exact derivatives atol 1e-12, rtol 1e-12 (float64) or 1e-6 (float32).
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from backprop_helpers import (
    Comparison,
    ComparisonRow,
    autograd_grads,
    compare_grads,
    mse,
    mse_grad,
    neuron_backward,
    numerical_grad,
)

FAST = settings(max_examples=50, deadline=None)
FINITE_DIFF_TOL = {"atol": 1e-8, "rtol": 1e-6}
F64 = torch.float64
X_ARRAYS = arrays(
    np.float64,
    array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4),
    elements=st.floats(-3, 3, allow_nan=False),
)


def smooth(x):
    """A smooth scalar function with a known gradient: f = Σ sin(x)·x², ∂f/∂x = cos(x)·x² + 2x·sin(x)."""
    return (torch.sin(x) * x**2).sum()


def smooth_grad(x):
    return torch.cos(x) * x**2 + 2 * x * torch.sin(x)


# ---------------------------------------------------------------------------------------------------------------
# numerical_grad


def test_numerical_grad_worked_example():
    # f = Σ xᵢ³, ∂f/∂xᵢ = 3xᵢ²: at (1, −2) that is (3, 12)
    grad = numerical_grad(lambda x: (x**3).sum(), torch.tensor([1.0, -2.0]))
    assert grad.dtype == F64  # float32 in, float64 differences out
    torch.testing.assert_close(grad, torch.tensor([3.0, 12.0], dtype=F64), **FINITE_DIFF_TOL)


def test_numerical_grad_is_a_central_difference():
    # for x³ the central difference is exact up to h²: ((x + h)³ − (x − h)³)/2h = 3x² + h²,
    # so at x = 1, h = 0.1 it gives 3.01 (a forward difference would give 3 + 3h + h² = 3.31)
    grad = numerical_grad(lambda x: (x**3).sum(), torch.tensor([1.0], dtype=F64), h=0.1)
    assert grad.item() == pytest.approx(3.01, abs=1e-12)


def test_numerical_grad_of_a_dict():
    # f = Σ a·b + c²:  ∂f/∂a = b = (3, −1),  ∂f/∂b = a = (0.5, 2),  ∂f/∂c = 2c = −3
    params = {
        "a": torch.tensor([0.5, 2.0], dtype=F64),
        "b": torch.tensor([3.0, -1.0], dtype=F64),
        "c": torch.tensor(-1.5, dtype=F64),
    }
    grads = numerical_grad(lambda p: (p["a"] * p["b"]).sum() + p["c"] ** 2, params)
    assert set(grads) == {"a", "b", "c"}
    torch.testing.assert_close(grads["a"], params["b"], **FINITE_DIFF_TOL)
    torch.testing.assert_close(grads["b"], params["a"], **FINITE_DIFF_TOL)
    torch.testing.assert_close(grads["c"], torch.tensor(-3.0, dtype=F64), **FINITE_DIFF_TOL)


@FAST
@given(x=X_ARRAYS)
def test_numerical_grad_matches_the_exact_derivative_hypothesis(x):
    x = torch.from_numpy(x)
    grad = numerical_grad(smooth, x)
    assert grad.shape == x.shape
    torch.testing.assert_close(grad, smooth_grad(x), **FINITE_DIFF_TOL)


def test_numerical_grad_calls_f_in_float64_and_leaves_x_alone():
    seen = []
    x = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)  # float32, tracking gradients
    before = x.detach().clone()

    def f(t):
        seen.append(t.dtype)
        return (t**2).sum()

    numerical_grad(f, x)
    assert seen and set(seen) == {F64}
    assert torch.equal(x.detach(), before) and x.grad is None
    x64 = torch.tensor([1.0, -2.0], dtype=F64)  # float64: no copy is needed for the dtype, still not written
    numerical_grad(f, x64)
    assert x64.tolist() == [1.0, -2.0]


# ---------------------------------------------------------------------------------------------------------------
# autograd_grads


def test_autograd_grads_worked_example():
    # f = Σ w·x + b²:  ∂f/∂w = x = (1, −2),  ∂f/∂x = w = (0.5, 3),  ∂f/∂b = 2b = 1.4
    params = {
        "w": torch.tensor([0.5, 3.0], dtype=F64),
        "x": torch.tensor([1.0, -2.0], dtype=F64),
        "b": torch.tensor(0.7, dtype=F64),
    }
    grads = autograd_grads(lambda p: (p["w"] * p["x"]).sum() + p["b"] ** 2, params)
    assert grads["w"].tolist() == [1.0, -2.0]
    assert grads["x"].tolist() == [0.5, 3.0]
    assert grads["b"].item() == pytest.approx(1.4, abs=1e-15)


def test_autograd_grads_of_one_tensor_and_of_an_unused_parameter():
    grad = autograd_grads(lambda x: (x**2).sum(), torch.tensor([3.0, -1.0], dtype=F64))  # d(x²)/dx = 2x
    assert isinstance(grad, torch.Tensor) and grad.tolist() == [6.0, -2.0]
    grads = autograd_grads(lambda p: p["used"].sum() * 2, {"used": torch.ones(2), "unused": torch.ones(3)})
    assert grads["used"].tolist() == [2.0, 2.0]
    assert grads["unused"].tolist() == [0.0, 0.0, 0.0]  # zeros, not None


@FAST
@given(x=X_ARRAYS)
def test_autograd_grads_matches_exact_and_numerical_hypothesis(x):
    x = torch.from_numpy(x)
    grad = autograd_grads(smooth, x)
    assert grad.dtype == F64
    torch.testing.assert_close(grad, smooth_grad(x), atol=1e-12, rtol=1e-12)
    torch.testing.assert_close(grad, numerical_grad(smooth, x), **FINITE_DIFF_TOL)


def test_autograd_grads_keeps_dtypes_and_leaves_params_alone():
    w = torch.tensor([0.5, -1.0], requires_grad=True)  # float32
    b = torch.tensor(2.0, dtype=F64, requires_grad=True)
    params = {"w": w, "b": b}
    grads = autograd_grads(lambda p: (p["w"] ** 2).sum() + p["b"], params)
    assert grads["w"].dtype == torch.float32 and grads["b"].dtype == F64
    torch.testing.assert_close(grads["w"], torch.tensor([1.0, -2.0]), atol=1e-6, rtol=1e-6)
    assert w.grad is None and b.grad is None  # fresh leaf copies got the gradients
    plain = torch.tensor([1.0, -2.0])
    autograd_grads(lambda t: (t**2).sum(), plain)
    assert plain.requires_grad is False and plain.grad is None  # its flags were not switched on
    assert params["w"] is w and params["b"] is b and w.tolist() == [0.5, -1.0]
    assert autograd_grads(lambda p: p["w"].sum(), {"w": [1, 2]})["w"].dtype == torch.float32  # list: float32


# ---------------------------------------------------------------------------------------------------------------
# compare_grads


def a_neuron_case():
    """A manual (neuron_backward) and a reference (autograd) gradient set that agree, in float64."""
    x = torch.tensor([0.5, 3.0], dtype=F64)
    y = torch.tensor(1.0, dtype=F64)
    params = {"w": torch.tensor([0.5, -1.2], dtype=F64), "b": torch.tensor(0.7, dtype=F64)}
    trace = neuron_backward(x, params["w"], params["b"], y)
    manual = {"w": trace.dL_dw, "b": trace.dL_db}
    reference = autograd_grads(lambda p: (torch.sigmoid((p["w"] * x).sum() + p["b"]) - y) ** 2, params)
    return manual, reference


def test_compare_grads_accepts_agreement_and_shows_it():
    manual, reference = a_neuron_case()
    comparison = compare_grads(manual, reference, rtol=1e-10, atol=1e-12, labels=("by hand", "autograd"))
    assert isinstance(comparison, Comparison) and comparison.ok
    assert [row.name for row in comparison.rows] == ["w", "b"]
    assert all(isinstance(row, ComparisonRow) and row.ok for row in comparison.rows)
    assert comparison["w"].shape == (2,) and comparison["b"].shape == ()
    assert comparison["w"].max_abs_diff < 1e-15
    text, page = str(comparison), comparison._repr_html_()
    for shown in (text, page):
        assert "<code>w</code>" in shown or "\nw " in shown
        assert "all match" in shown and "MISMATCH" not in shown
        assert "by hand" in shown and "autograd" in shown
        assert "rtol=1e-10" in shown and "atol=1e-12" in shown
    assert repr(comparison) == text
    assert "✓" in text and "✗" not in text


def test_compare_grads_worked_example_of_the_numbers():
    # Δ = (1 − 1, 2 − 2.5) so max|Δ| = 0.5; relative error = 0.5 / max(max|manual|, max|reference|) = 0.5/2.5 = 0.2
    comparison = compare_grads({"w": [1.0, 2.0]}, {"w": [1.0, 2.5]}, rtol=1e-6, atol=1e-8)
    assert comparison["w"].max_abs_diff == pytest.approx(0.5)
    assert comparison["w"].rel_error == pytest.approx(0.2)
    assert not comparison.ok


def test_compare_grads_tolerance_is_atol_plus_rtol_times_reference():
    # |Δ| ≤ atol + rtol·|reference|: with reference 100, rtol 1e-3, atol 1e-2 the bound is 0.11
    assert compare_grads({"w": [100.10]}, {"w": [100.0]}, rtol=1e-3, atol=1e-2).ok  # Δ = 0.10 ≤ 0.11
    assert not compare_grads({"w": [100.12]}, {"w": [100.0]}, rtol=1e-3, atol=1e-2).ok  # Δ = 0.12 > 0.11


def mistakes():
    """Typical backprop bugs, each applied to the MSE gradient of a (2, 3) batch: name -> (manual, reference)."""
    g = torch.Generator().manual_seed(0)
    y_hat = torch.randn(2, 3, generator=g, dtype=F64)
    y = torch.randn(2, 3, generator=g, dtype=F64)
    right = mse_grad(y_hat, y)
    return {
        "missing factor 2": (right / 2, right),  # d(e²)/de = 2e, the 2 forgotten
        "sign flip": (-right, right),  # ŷ − y written y − ŷ
        "missing 1/n": (right * right.numel(), right),  # the mean forgotten
        "square matrix transposed": (right[:, :2].T, right[:, :2]),
    }


@pytest.mark.parametrize("mistake", list(mistakes()))
def test_compare_grads_flags_a_wrong_gradient(mistake):
    wrong, reference = mistakes()[mistake]
    manual = {"dY": wrong, "db": torch.tensor([0.25, -0.5], dtype=F64)}
    refs = {"dY": reference, "db": torch.tensor([0.25, -0.5], dtype=F64)}
    comparison = compare_grads(manual, refs, rtol=1e-6, atol=1e-8)
    assert not comparison.ok
    assert not comparison["dY"].ok and comparison["db"].ok  # the row names the culprit, the other passes
    assert comparison["dY"].rel_error > 1e-2  # cs231n: 1e-2 means a bug
    text, page = str(comparison), comparison._repr_html_()
    for shown in (text, page):
        assert "dY" in shown and "db" in shown
        assert "MISMATCH" in shown and "all match" not in shown
        assert "✗" in shown and "✓" in shown


def test_compare_grads_reports_a_transposed_matrix_as_a_shape_error():
    # a (2, 3) gradient transposed is (3, 2): a shape error that names the parameter, not a broadcast
    dW = torch.arange(6, dtype=F64).reshape(2, 3)
    with pytest.raises(ValueError, match=r"manual\['W1'\] and reference\['W1'\] must have the same shape"):
        compare_grads({"W1": dW.T}, {"W1": dW})


def test_compare_grads_flags_nan_and_inf():
    for bad in (float("nan"), float("inf")):
        assert not compare_grads({"w": [1.0, bad]}, {"w": [1.0, 2.0]}).ok
        assert not compare_grads({"w": [1.0, 2.0]}, {"w": [1.0, bad]}).ok
    # an overflowed manual gradient is never a match, even where the reference overflowed the same way
    # (torch.allclose alone calls inf == inf close)
    assert not compare_grads({"w": [float("inf")]}, {"w": [float("inf")]}).ok


def test_compare_grads_mismatched_keys_raise_key_error_naming_them():
    with pytest.raises(KeyError, match=r"manual has \['W1', 'b1'\], reference has \['W1', 'b2'\]"):
        compare_grads({"W1": [1.0], "b1": [1.0]}, {"W1": [1.0], "b2": [1.0]})
    comparison = compare_grads({"w": [1.0]}, {"w": [1.0]})
    with pytest.raises(KeyError, match="nope"):
        comparison["nope"]


def test_compare_grads_html_escapes_names():
    page = compare_grads({"<W>": [1.0]}, {"<W>": [1.0]})._repr_html_()
    assert "&lt;W&gt;" in page and "<W>" not in page


def test_compare_grads_takes_traces_and_float32_against_float64():
    # the seed-000 lesson: a float32 hand result and a float64 reference differ in the last float32 digits,
    # so they agree within rtol 1e-6 but not exactly
    t32 = neuron_backward([0.5, 3.0], [0.5, -1.2], [0.7], 1.0)
    t64 = neuron_backward(
        torch.tensor([0.5, 3.0], dtype=F64),
        torch.tensor([0.5, -1.2], dtype=F64),
        torch.tensor([0.7], dtype=F64),
        1.0,
    )
    assert compare_grads(t32, t64, rtol=1e-5, atol=1e-7).ok
    assert not compare_grads(t32, t64, rtol=0, atol=0).ok


def test_compare_grads_does_not_mutate_inputs():
    manual = {"w": torch.tensor([1.0, 2.0], requires_grad=True)}
    reference = {"w": torch.tensor([1.0, 2.5], dtype=F64)}
    compare_grads(manual, reference)
    assert manual["w"].tolist() == [1.0, 2.0] and manual["w"].dtype == torch.float32
    assert reference["w"].tolist() == [1.0, 2.5] and manual["w"].grad is None
    assert set(manual) == {"w"} and set(reference) == {"w"}


def test_mse_three_way_check_as_a_notebook_does_it():
    # hand formula vs numerical_grad vs autograd_grads, as every notebook's three-way check
    g = torch.Generator().manual_seed(1)
    y_hat, y = torch.randn(4, generator=g, dtype=F64), torch.randn(4, generator=g, dtype=F64)
    manual = {"y_hat": mse_grad(y_hat, y)}
    numeric = numerical_grad(lambda p: mse(p["y_hat"], y), {"y_hat": y_hat})
    auto = autograd_grads(lambda p: mse(p["y_hat"], y), {"y_hat": y_hat})
    assert compare_grads(manual, numeric, rtol=1e-6, atol=1e-8).ok
    assert compare_grads(manual, auto, rtol=1e-12, atol=1e-14).ok
    assert not math.isnan(compare_grads(manual, auto)["y_hat"].rel_error)


# ---------------------------------------------------------------------------------------------------------------
# the display floor: digits under it are rounding noise and would differ on another CPU


def test_compare_grads_prints_differences_under_the_floor_as_a_bound():
    # Δ ≈ 2e-16 (one ulp of noise) and 5e-13: with floor 1e-12 both rows print "< 1e-12", never the noise digits
    comparison = compare_grads(
        {"a": torch.tensor([1.0 + 3e-16], dtype=F64), "b": torch.tensor([2.0], dtype=F64)},
        {"a": torch.tensor([1.0], dtype=F64), "b": torch.tensor([2.0 + 5e-13], dtype=F64)},
        rtol=1e-10,
        atol=1e-12,
        floor=1e-12,
    )
    text, page = str(comparison), comparison._repr_html_()
    assert text.count("< 1e-12") == 4 and page.count("&lt; 1e-12") == 4
    assert "e-13" not in text and "e-16" not in text
    assert "differences under 1e-12 print as a bound" in text and "differences under 1e-12" in page


def test_compare_grads_floor_defaults_to_the_tolerance_and_digits_above_it_are_shown():
    manual, reference = {"w": torch.tensor([1.0 + 3e-7], dtype=F64)}, {"w": torch.tensor([1.0], dtype=F64)}
    comparison = compare_grads(manual, reference, rtol=1e-6, atol=1e-9)
    assert comparison.floor == 1e-6 and "< 1e-06" in str(comparison)
    shown = compare_grads(manual, reference, rtol=1e-6, atol=1e-9, floor=1e-8)
    assert "3.0e-07" in str(shown) and "< 1e-08" not in str(shown)


def test_compare_grads_never_hides_a_mismatch_behind_the_floor():
    # reference 1e-5, Δ = 1e-8: the tolerance is 1e-9 + 1e-6·1e-5 ≈ 1e-9, so the row fails though Δ < floor
    comparison = compare_grads(
        {"w": torch.tensor([1e-5 + 1e-8], dtype=F64)},
        {"w": torch.tensor([1e-5], dtype=F64)},
        rtol=1e-6,
        atol=1e-9,
    )
    assert not comparison.ok
    assert "1.0e-08" in str(comparison) and "<" not in str(comparison).splitlines()[2]


@pytest.mark.parametrize("floor", [-1e-12, float("nan"), float("inf"), "1e-12", True])
def test_compare_grads_rejects_a_bad_floor_by_name(floor):
    with pytest.raises(ValueError, match=r"^floor must be a finite number >= 0"):
        compare_grads({"w": [1.0]}, {"w": [1.0]}, floor=floor)
