"""check_neuron_grads (notebook 01): reference solutions in two styles pass; each catalogued mistake gets its
own hint; shapes, exceptions, placeholders and plain lists are handled as the learner would need."""

import math

import numpy as np
import pytest
import torch

from backprop_helpers.exercises import check_neuron_grads


def by_loops(x, w, b, y):
    """Scalar arithmetic, one weight at a time."""
    z = sum(xi * wi for xi, wi in zip(x.tolist(), w.tolist(), strict=True)) + b.item()
    y_hat = 1 / (1 + math.exp(-z))
    dL_dz = 2 * (y_hat - y.item()) * y_hat * (1 - y_hat)  # ∂L/∂ŷ · ∂ŷ/∂z
    return [dL_dz * xi for xi in x.tolist()], dL_dz  # · ∂z/∂wᵢ = xᵢ, · ∂z/∂b = 1


def vectorised(x, w, b, y):
    y_hat = torch.sigmoid(w @ x + b)
    dL_dz = 2 * (y_hat - y) * y_hat * (1 - y_hat)
    return dL_dz * x, dL_dz


@pytest.mark.parametrize("solution", [by_loops, vectorised])
def test_reference_solutions_pass(solution):
    feedback = check_neuron_grads(solution)
    assert feedback.ok, feedback.message
    assert "✓ dL_dw" in feedback.message and "✓ dL_db" in feedback.message


def test_a_dict_and_numpy_arrays_are_accepted():
    def as_dict(x, w, b, y):
        dL_dw, dL_db = vectorised(x, w, b, y)
        return {"dL_dw": dL_dw.numpy(), "dL_db": np.float64(dL_db)}

    assert check_neuron_grads(as_dict).ok


def _variant(change_w=None, change_b=None):
    def fn(x, w, b, y):
        y_hat = torch.sigmoid(w @ x + b)
        residual, slope = y_hat - y, y_hat * (1 - y_hat)
        dL_dz = 2 * residual * slope
        parts = {"x": x, "w": w, "residual": residual, "slope": slope, "y_hat": y_hat, "dL_dz": dL_dz}
        return (change_w(parts) if change_w else dL_dz * x), (change_b(parts) if change_b else dL_dz)

    return fn


MISTAKES = [
    ("dL_dw", _variant(change_w=lambda p: 2 * p["residual"] * p["x"]), "σ′(z) = ŷ(1 − ŷ) is missing"),
    ("dL_dw", _variant(change_w=lambda p: p["residual"] * p["slope"] * p["x"]), "the factor 2"),
    ("dL_dw", _variant(change_w=lambda p: 2 * p["residual"] * p["y_hat"] * p["x"]), "σ(z) where its slope"),
    ("dL_dw", _variant(change_w=lambda p: p["dL_dz"] * p["w"]), "∂z/∂w is x"),
    ("dL_dw", _variant(change_w=lambda p: -p["dL_dz"] * p["x"]), "the sign is flipped"),
    ("dL_dw", _variant(change_w=lambda p: p["dL_dz"]), "shape ()"),
    ("dL_db", _variant(change_b=lambda p: 2 * p["residual"]), "σ′(z) = ŷ(1 − ŷ) is missing"),
    ("dL_db", _variant(change_b=lambda p: p["dL_dz"] * p["x"].sum()), "∂z/∂b is 1"),
    ("dL_db", _variant(change_b=lambda p: 4 * p["residual"] * p["slope"]), "a factor 2 too large"),
]


@pytest.mark.parametrize(("name", "fn", "hint"), MISTAKES, ids=[f"{n}:{h}" for n, _, h in MISTAKES])
def test_each_mistake_gets_its_own_hint_on_its_own_gradient(name, fn, hint):
    feedback = check_neuron_grads(fn)
    assert not feedback.ok
    line = next(line for line in feedback.message.splitlines() if line.startswith(f"✗ {name}:"))
    assert hint in line, feedback.message
    other = "dL_db" if name == "dL_dw" else "dL_dw"
    assert f"✓ {other}" in feedback.message  # the right one is not blamed


def test_not_written_yet():
    def stub(x, w, b, y):
        return None

    assert check_neuron_grads(stub).message.endswith("is not written yet: it returns None.")
    assert "not written yet" in check_neuron_grads(None).message
    assert "not written yet" in check_neuron_grads(...).message


def test_the_learners_exception_is_shown_as_their_own_short_traceback():
    def broken(x, w, b, y):
        return x @ torch.ones(7, dtype=torch.float64), b  # a shape error in the learner's line

    message = check_neuron_grads(broken).message
    assert message.startswith("✗ your neuron backward pass raised an error on a sample with d = 3")
    assert "return x @ torch.ones(7" in message and "RuntimeError" in message
    assert "code_check.py" not in message and "single_neuron.py" not in message


def test_a_wrong_return_is_explained():
    assert "should return dL_dw, dL_db" in check_neuron_grads(lambda x, w, b, y: (x,)).message
    assert "without dL_db" in check_neuron_grads(lambda x, w, b, y: {"dL_dw": x}).message
    assert "Pass the function itself" in check_neuron_grads(3).message
    assert "is not a tensor" in check_neuron_grads(lambda x, w, b, y: ("a", b)).message


def test_a_float32_result_that_misses_says_so():
    def in_float32(x, w, b, y):
        x, w, b, y = (t.float() for t in (x, w, b, y))
        y_hat = torch.sigmoid(w @ x + b)
        dL_dz = 2 * (y_hat - y) * y_hat * (1 - y_hat) * (1 + 1e-3)  # a slip, in float32
        return dL_dz * x, dL_dz

    assert "torch.float32: the cases are float64" in check_neuron_grads(in_float32).message
