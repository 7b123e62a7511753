"""neuron_backward, sgd_step: against autograd, finite differences, optim.SGD, worked examples.

Tolerances (float64): against autograd atol 1e-12, rtol 1e-9 (inputs keep |z| ≤ 10.5, so 1 − σ(z) ≥ 2.7e-5 and
BCE's 1/(ŷ(1 − ŷ)) loses no more than ~1e-11 relative); against central differences (h = 1e-6) atol 1e-8,
rtol 1e-6; sgd_step against optim.SGD exactly up to one rounding (atol 1e-15, rtol 1e-15).
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from backprop_helpers import NeuronTrace, neuron_autograd, neuron_backward, numerical_grad, sgd_step

FAST = settings(max_examples=60, deadline=None)
AUTOGRAD_TOL = {"atol": 1e-12, "rtol": 1e-9}
FINITE_DIFF_TOL = {"atol": 1e-8, "rtol": 1e-6}
F64 = torch.float64

# (activation, loss): identity + bce is rejected (ŷ must be a probability), see test_bad_inputs.py
COMBINATIONS = [("sigmoid", "mse"), ("sigmoid", "bce"), ("identity", "mse")]


@st.composite
def neuron_inputs(draw):
    """x, w of one random length 1–3, scalar b of shape () or (1,), target y ∈ [0, 1]; float64, mixed signs."""
    n = draw(st.integers(1, 3))
    x = draw(arrays(np.float64, n, elements=st.floats(-2, 2)))
    w = draw(arrays(np.float64, n, elements=st.floats(-1.5, 1.5)))
    b_shape = draw(st.sampled_from([(), (1,)]))
    b = np.full(b_shape, draw(st.floats(-1.5, 1.5)))
    y = draw(st.floats(0, 1))
    return torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), torch.tensor(y, dtype=F64)


def random_neuron(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, generator=g, dtype=F64)
    w = torch.randn(n, generator=g, dtype=F64) * 0.8
    b = torch.randn(1, generator=g, dtype=F64)
    y = torch.rand((), generator=g, dtype=F64)
    return x, w, b, y


def autograd_neuron(x, w, b, y, activation, loss):
    """Every forward value and gradient of the neuron, by autograd on torch's own functions (not the package's)."""
    leaves = {name: t.detach().clone().requires_grad_(True) for name, t in {"x": x, "w": w, "b": b}.items()}
    z = (leaves["w"] * leaves["x"]).sum() + leaves["b"]
    z.retain_grad()
    y_hat = torch.sigmoid(z) if activation == "sigmoid" else z * 1  # * 1: a separate node to retain
    y_hat.retain_grad()
    target = y.reshape(y_hat.shape)
    loss_value = F.mse_loss(y_hat, target) if loss == "mse" else F.binary_cross_entropy(y_hat, target)
    loss_value.backward()
    z_leaf = z.detach().clone().requires_grad_(True)
    act = torch.sigmoid(z_leaf) if activation == "sigmoid" else z_leaf * 1
    (dyhat_dz,) = torch.autograd.grad(act.sum(), z_leaf)
    return {
        "z": z.detach(),
        "y_hat": y_hat.detach(),
        "loss": loss_value.detach(),
        "dL_dyhat": y_hat.grad,
        "dyhat_dz": dyhat_dz,
        "dL_dz": z.grad,
        "dL_dw": leaves["w"].grad,
        "dL_db": leaves["b"].grad,
        "dL_dx": leaves["x"].grad,
    }


def assert_trace_matches(trace, reference, tol):
    assert isinstance(trace, NeuronTrace)
    for name, expected in reference.items():
        value = getattr(trace, name)
        assert value.shape == expected.shape or (name == "loss" and value.numel() == 1), name
        torch.testing.assert_close(
            value.reshape(expected.shape), expected, **tol, msg=lambda m, n=name: f"{n}: {m}"
        )


# ---------------------------------------------------------------------------------------------------------------
# neuron_backward


@pytest.mark.parametrize("n", [1, 2, 5])
@pytest.mark.parametrize(("activation", "loss"), COMBINATIONS)
def test_neuron_backward_matches_autograd(activation, loss, n):
    x, w, b, y = random_neuron(n, seed=n)
    trace = neuron_backward(x, w, b, y, activation=activation, loss=loss)
    assert_trace_matches(trace, autograd_neuron(x, w, b, y, activation, loss), AUTOGRAD_TOL)


@FAST
@given(inputs=neuron_inputs(), combination=st.sampled_from(COMBINATIONS))
def test_neuron_backward_matches_autograd_hypothesis(inputs, combination):
    x, w, b, y = inputs
    activation, loss = combination
    trace = neuron_backward(x, w, b, y, activation=activation, loss=loss)
    assert trace.z.shape == b.shape and trace.dL_db.shape == b.shape  # b's shape, () or (1,)
    assert trace.dL_dw.shape == w.shape and trace.dL_dx.shape == x.shape
    assert_trace_matches(trace, autograd_neuron(x, w, b, y, activation, loss), AUTOGRAD_TOL)


@FAST
@given(inputs=neuron_inputs(), combination=st.sampled_from(COMBINATIONS))
def test_neuron_backward_matches_finite_differences_hypothesis(inputs, combination):
    x, w, b, y = inputs
    activation, loss = combination
    trace = neuron_backward(x, w, b, y, activation=activation, loss=loss)

    def loss_of(p):
        return neuron_backward(p["x"], p["w"], p["b"], y, activation=activation, loss=loss).loss

    reference = numerical_grad(loss_of, {"x": x, "w": w, "b": b})
    torch.testing.assert_close(trace.dL_dw, reference["w"], **FINITE_DIFF_TOL)
    torch.testing.assert_close(trace.dL_db, reference["b"], **FINITE_DIFF_TOL)
    torch.testing.assert_close(trace.dL_dx, reference["x"], **FINITE_DIFF_TOL)


def test_neuron_backward_worked_example_sigmoid_mse():
    # z = 0.5·1 + (−0.25)·2 + 0 = 0;  ŷ = σ(0) = 0.5;  L = (0.5 − 1)² = 0.25
    # ∂L/∂ŷ = 2(0.5 − 1) = −1;  ∂ŷ/∂z = 0.5·0.5 = 0.25;  ∂L/∂z = −1·0.25 = −0.25
    # ∂L/∂w = −0.25·(1, 2) = (−0.25, −0.5);  ∂L/∂b = −0.25;  ∂L/∂x = −0.25·(0.5, −0.25) = (−0.125, 0.0625)
    t = neuron_backward(torch.tensor([1.0, 2.0], dtype=F64), torch.tensor([0.5, -0.25], dtype=F64), 0.0, 1.0)
    expected = {"z": 0.0, "y_hat": 0.5, "loss": 0.25, "dL_dyhat": -1.0, "dyhat_dz": 0.25, "dL_dz": -0.25}
    for name, value in expected.items():
        assert getattr(t, name).item() == pytest.approx(value, abs=1e-15), name
    assert t.dL_dw.tolist() == pytest.approx([-0.25, -0.5], abs=1e-15)
    assert t.dL_db.item() == pytest.approx(-0.25, abs=1e-15)
    assert t.dL_dx.tolist() == pytest.approx([-0.125, 0.0625], abs=1e-15)


def test_neuron_backward_worked_example_sigmoid_bce():
    # the same z = 0, ŷ = 0.5, now y = 1 with BCE: L = −ln 0.5 = 0.693147
    # ∂L/∂ŷ = (0.5 − 1)/(0.5·0.5) = −2;  ∂L/∂z = −2·0.25 = −0.5 = ŷ − y (the famous cancellation)
    # ∂L/∂w = −0.5·(1, 2) = (−0.5, −1);  ∂L/∂b = −0.5
    x, w = torch.tensor([1.0, 2.0], dtype=F64), torch.tensor([0.5, -0.25], dtype=F64)
    t = neuron_backward(x, w, 0.0, 1.0, loss="bce")
    assert t.loss.item() == pytest.approx(math.log(2), abs=1e-15)
    assert t.dL_dyhat.item() == pytest.approx(-2.0, abs=1e-12)
    assert t.dL_dz.item() == pytest.approx(-0.5, abs=1e-12)
    assert t.dL_dw.tolist() == pytest.approx([-0.5, -1.0], abs=1e-12)
    assert t.dL_db.item() == pytest.approx(-0.5, abs=1e-12)


def test_neuron_backward_worked_example_identity_mse():
    # z = 0.5·1 + (−0.25)·2 + 3 = 3;  ŷ = z = 3;  L = (3 − 1)² = 4;  ∂L/∂ŷ = 2·2 = 4;  ∂ŷ/∂z = 1
    # ∂L/∂w = 4·(1, 2) = (4, 8);  ∂L/∂b = 4;  ∂L/∂x = 4·(0.5, −0.25) = (2, −1)
    x, w = torch.tensor([1.0, 2.0], dtype=F64), torch.tensor([0.5, -0.25], dtype=F64)
    t = neuron_backward(x, w, 3.0, 1.0, activation="identity")
    assert (t.z.item(), t.y_hat.item(), t.loss.item(), t.dL_dyhat.item(), t.dyhat_dz.item()) == (
        3,
        3,
        4,
        4,
        1,
    )
    assert t.dL_dw.tolist() == [4.0, 8.0]
    assert t.dL_db.item() == 4.0
    assert t.dL_dx.tolist() == [2.0, -1.0]


def test_neuron_trace_as_dict_has_every_field():
    t = neuron_backward([1.0, 2.0], [0.5, -0.25], 0.0, 1.0)
    assert list(t.as_dict()) == [
        "z",
        "y_hat",
        "loss",
        "dL_dyhat",
        "dyhat_dz",
        "dL_dz",
        "dL_dw",
        "dL_db",
        "dL_dx",
    ]
    assert t.as_dict()["dL_dw"] is t.dL_dw


# ---------------------------------------------------------------------------------------------------------------
# sgd_step


def sgd_with_torch(params, grads, lr):
    """The reference update: optim.SGD.step() on nn.Parameter copies with .grad set."""
    parameters = {k: torch.nn.Parameter(v.detach().clone()) for k, v in params.items()}
    for k, p in parameters.items():
        p.grad = grads[k].detach().clone()
    torch.optim.SGD(parameters.values(), lr=lr).step()
    return {k: p.detach() for k, p in parameters.items()}


@st.composite
def params_and_grads(draw):
    names = draw(st.lists(st.sampled_from(["w", "b", "W1", "b1"]), min_size=1, max_size=4, unique=True))
    params, grads = {}, {}
    for name in names:
        shape = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
        values = arrays(np.float64, shape, elements=st.floats(-10, 10))
        params[name] = torch.from_numpy(draw(values))
        grads[name] = torch.from_numpy(draw(values))
    return params, grads


@FAST
@given(pg=params_and_grads(), lr=st.floats(1e-3, 2.0))
def test_sgd_step_matches_optim_sgd_hypothesis(pg, lr):
    params, grads = pg
    updated = sgd_step(params, grads, lr)
    expected = sgd_with_torch(params, grads, lr)
    assert set(updated) == set(params)
    for name in params:
        torch.testing.assert_close(updated[name], expected[name], atol=1e-15, rtol=1e-15)


def test_sgd_step_worked_example():
    # θ − lr·g:  2 − 0.25·(−4) = 2 + 1 = 3;  −1 − 0.25·2 = −1.5
    updated = sgd_step(
        {"w": torch.tensor([2.0, -1.0], dtype=F64)}, {"w": torch.tensor([-4.0, 2.0], dtype=F64)}, 0.25
    )
    assert updated["w"].tolist() == [3.0, -1.5]


def test_sgd_step_returns_new_dict_and_leaves_inputs_alone():
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    params = {"w": w, "b": torch.tensor(0.5)}
    grads = {"w": torch.tensor([0.5, 0.5]), "b": torch.tensor(-1.0), "unused": torch.tensor(3.0)}
    before = {k: v.detach().clone() for k, v in params.items()}
    grads_before = {k: v.clone() for k, v in grads.items()}
    updated = sgd_step(params, grads, 0.1)
    assert updated is not params and set(updated) == {"w", "b"}  # names follow params
    assert params["w"] is w and set(params) == {"w", "b"}
    for k in params:
        assert torch.equal(params[k].detach(), before[k])
    for k in grads:
        assert torch.equal(grads[k], grads_before[k])
    assert w.grad is None


# ---------------------------------------------------------------------------------------------------------------
# inputs: dtypes and no mutation


@pytest.mark.parametrize(
    ("x", "w", "b", "y", "dtype"),
    [
        pytest.param(0.5, -1.0, 0.25, 1, torch.float32, id="python-numbers"),
        pytest.param([0.5, 3.0], [0.5, -1.2], [0.7], 1.0, torch.float32, id="lists"),
        pytest.param(
            np.array([0.5, 3.0]), np.array([0.5, -1.2]), np.float64(0.7), 1.0, torch.float64, id="numpy"
        ),
        pytest.param(
            torch.tensor([0.5, 3.0], dtype=F64),
            torch.tensor([0.5, -1.2], dtype=F64),
            torch.tensor(0.7, dtype=F64),
            torch.tensor(1.0, dtype=F64),
            torch.float64,
            id="float64",
        ),
        pytest.param(
            torch.tensor([1, 4]), torch.tensor([1.0, 1.0]), 0, torch.tensor(0), torch.float32, id="ints"
        ),
    ],
)
def test_accepts_numbers_lists_and_tensors(x, w, b, y, dtype):
    trace = neuron_backward(x, w, b, y)
    for value in trace.as_dict().values():
        assert isinstance(value, torch.Tensor) and value.dtype == dtype
    updated = sgd_step({"w": w, "b": b}, {"w": trace.dL_dw, "b": trace.dL_db.reshape(np.shape(b))}, 0.1)
    assert updated["w"].dtype == dtype


@pytest.mark.parametrize(("activation", "loss"), COMBINATIONS)
def test_neuron_functions_do_not_mutate_inputs(activation, loss):
    x = torch.tensor([0.5, 3.0], dtype=F64, requires_grad=True)
    w = torch.tensor([0.5, -1.2], dtype=F64, requires_grad=True)
    b = torch.tensor([0.7], dtype=F64, requires_grad=True)
    y = torch.tensor(1.0, dtype=F64)
    inputs = {"x": x, "w": w, "b": b, "y": y}
    before = {k: v.detach().clone() for k, v in inputs.items()}
    neuron_backward(x, w, b, y, activation=activation, loss=loss)
    for name, value in inputs.items():
        assert torch.equal(value.detach(), before[name]), name
        assert value.grad is None, name
    assert y.shape == ()  # y was reshaped to b's shape inside, not in place


# ---------------------------------------------------------------------------------------------------------------
# neuron_autograd: the explorer's reference, autograd through torch.sigmoid


def test_neuron_autograd_matches_the_hand_trace_and_a_finite_difference():
    x = torch.tensor([0.5, 3.0], dtype=torch.float64)
    w = torch.tensor([0.5, -1.2], dtype=torch.float64)
    b, y = torch.tensor(0.7, dtype=torch.float64), torch.tensor(1.0, dtype=torch.float64)
    auto = neuron_autograd(x, w, b, y)
    hand = neuron_backward(x, w, b, y)
    for name, value in auto.items():
        assert value.dtype == torch.float64
        assert torch.allclose(value, getattr(hand, name), rtol=1e-12, atol=1e-15), name
    numeric = numerical_grad(
        lambda p: (torch.sigmoid((p["w"] * x).sum() + p["b"]) - y) ** 2, {"w": w, "b": b}
    )
    assert torch.allclose(auto["dL_dw"], numeric["w"], rtol=1e-6, atol=1e-9)
    assert w.grad is None and not w.requires_grad  # the inputs are left alone


def test_neuron_autograd_with_bce_matches_the_hand_trace_and_a_finite_difference():
    # mixed signs, y = 0.25 (a soft target), z = 0.8·(−1.5) + (−0.6)·2 + 0.3 = −1.2 − 1.2 + 0.3 = −2.1
    x = torch.tensor([-1.5, 2.0], dtype=F64)
    w = torch.tensor([0.8, -0.6], dtype=F64)
    b, y = torch.tensor(0.3, dtype=F64), torch.tensor(0.25, dtype=F64)
    auto = neuron_autograd(x, w, b, y, loss="bce")
    hand = neuron_backward(x, w, b, y, loss="bce")
    for name, value in auto.items():
        assert value.dtype == F64
        assert torch.allclose(value, getattr(hand, name), rtol=1e-12, atol=1e-15), name
    # BCE through σ: ∂L/∂z = ŷ − y, no σ′ left in it
    assert auto["dL_dz"].item() == pytest.approx(torch.sigmoid(torch.tensor(-2.1, dtype=F64)).item() - 0.25)

    def bce(params):
        return torch.nn.functional.binary_cross_entropy(
            torch.sigmoid((params["w"] * x).sum() + params["b"]), y
        )

    numeric = numerical_grad(bce, {"w": w, "b": b})
    assert torch.allclose(auto["dL_dw"], numeric["w"], rtol=1e-6, atol=1e-9)
    assert torch.allclose(auto["dL_db"], numeric["b"], rtol=1e-6, atol=1e-9)
    # the MSE reference differs (the keyword is used): ∂L/∂z = 2(ŷ − y)·σ′(z) there
    assert not torch.allclose(neuron_autograd(x, w, b, y)["dL_dz"], auto["dL_dz"])


def test_neuron_autograd_with_bce_shows_torchs_floor_when_confidently_wrong():
    # z = 30, y = 0: ŷ(1 − ŷ) ≈ 9.4e-14 < 1e-12, where torch's BCE backward divides by 1e-12 instead
    x, w = torch.tensor([1.0], dtype=F64), torch.tensor([30.0], dtype=F64)
    b, y = torch.tensor(0.0, dtype=F64), 0.0
    auto = neuron_autograd(x, w, b, torch.tensor(y, dtype=F64), loss="bce")
    hand = neuron_backward(x, w, b, torch.tensor(y, dtype=F64), loss="bce")
    y_hat = hand.y_hat.item()
    assert hand.dL_dz.item() == pytest.approx(y_hat - y, rel=1e-12)  # the formula: ŷ − y ≈ 1
    floor = y_hat * (1 - y_hat) / 1e-12  # torch: (ŷ − y)/max(ŷ(1 − ŷ), 1e-12) · σ′(z)
    assert auto["dL_dz"].item() == pytest.approx((y_hat - y) * floor, rel=1e-6)
    assert auto["dL_dz"].item() < 0.2 * hand.dL_dz.item()


def test_neuron_autograd_rejects_a_bad_loss_and_a_bce_target_outside_0_1():
    with pytest.raises(ValueError, match=r"^loss must be one of 'mse', 'bce'; got 'hinge'"):
        neuron_autograd([1.0], [1.0], 0.0, 1.0, loss="hinge")
    with pytest.raises(ValueError, match=r"^y must lie in \[0, 1\] for loss='bce'; got 1.5"):
        neuron_autograd([1.0], [1.0], 0.0, 1.5, loss="bce")


def test_neuron_autograd_rejects_bad_input_by_name():
    with pytest.raises(ValueError, match=r"^y must be a single target"):
        neuron_autograd([1.0], [1.0], 0.0, [1.0, 0.0])
    with pytest.raises(ValueError, match=r"^x and w must have the same shape"):
        neuron_autograd([1.0, 2.0], [1.0], 0.0, 1.0)
