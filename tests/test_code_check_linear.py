"""check_linear_batch_grads (notebook 04): reference solutions in two styles pass; each catalogued mistake gets
its own hint on its own gradient; shapes (a column where (d,) belongs), exceptions, placeholders and plain
lists or arrays are handled as the learner would need; the generated batches can tell the mistakes apart."""

import itertools

import numpy as np
import pytest
import torch

from backprop_helpers.exercises import check_linear_batch_grads
from backprop_helpers.exercises.code_check import _close
from backprop_helpers.exercises.perceptron import _linear_batch_cases


def by_loops(X, y, w, b):
    """Scalar arithmetic, one row and one weight at a time."""
    rows, targets, weights, bias = X.tolist(), y.tolist(), w.tolist(), b.item()
    n = len(rows)
    dJ_dw, dJ_db = [0.0] * len(weights), 0.0
    for row, target in zip(rows, targets, strict=True):
        r = sum(xj * wj for xj, wj in zip(row, weights, strict=True)) + bias - target  # h⁽ⁱ⁾ − y⁽ⁱ⁾
        for j, xj in enumerate(row):
            dJ_dw[j] += 2 * r * xj / n  # ∂h⁽ⁱ⁾/∂wⱼ = x⁽ⁱ⁾ⱼ
        dJ_db += 2 * r / n  # ∂h⁽ⁱ⁾/∂b = 1
    return dJ_dw, dJ_db


def vectorised(X, y, w, b):
    r = X @ w + b - y  # (n,)
    return 2 * X.T @ r / len(y), 2 * r.mean()


@pytest.mark.parametrize("solution", [by_loops, vectorised])
def test_reference_solutions_pass(solution):
    feedback = check_linear_batch_grads(solution)
    assert feedback.ok, feedback.message
    assert "✓ dJ_dw" in feedback.message and "✓ dJ_db" in feedback.message


def test_numpy_a_dict_and_nested_lists_are_accepted():
    def with_numpy(X, y, w, b):
        X, y, w, b = X.numpy(), y.numpy(), w.numpy(), float(b)
        r = X @ w + b - y
        return {"dJ_dw": 2 * X.T @ r / len(y), "dJ_db": np.float64(2 * r.mean())}

    def as_lists(X, y, w, b):
        dJ_dw, dJ_db = vectorised(X, y, w, b)
        return dJ_dw.tolist(), [dJ_db.item()][0]

    assert check_linear_batch_grads(with_numpy).ok
    assert check_linear_batch_grads(as_lists).ok


def _variant(change_w=None, change_b=None):
    def fn(X, y, w, b):
        n, d = X.shape
        r = X @ w + b - y
        parts = {"X": X, "y": y, "w": w, "b": b, "r": r, "n": n, "d": d}
        dJ_dw = change_w(parts) if change_w else 2 * X.T @ r / n
        return dJ_dw, (change_b(parts) if change_b else 2 * r.mean())

    return fn


def _first_row_returned_early(X, y, w, b):
    n = len(y)
    for i in range(n):
        r = X[i] @ w + b - y[i]
        return 2 * r * X[i] / n, 2 * r / n  # the return sits inside the loop


MISTAKES = [
    ("dJ_dw", _variant(change_w=lambda p: 2 * p["X"].T @ p["r"]), "a sum over the rows"),
    ("dJ_dw", _variant(change_w=lambda p: p["X"].T @ p["r"] / p["n"]), "the factor 2 of d(h − y)²/dh"),
    ("dJ_dw", _variant(change_w=lambda p: p["X"].T @ p["r"]), "two factors are missing"),
    ("dJ_dw", _variant(change_w=lambda p: 2 * p["X"].T @ (p["y"] - p["X"] @ p["w"] - p["b"]) / p["n"]),
     "the residual is h − y"),
    ("dJ_dw", _variant(change_w=lambda p: 2 * p["r"][0] * p["X"][0]), "the first row's term alone: w is shared"),
    ("dJ_dw", _variant(change_w=lambda p: 2 * p["X"].T @ p["r"] / p["d"]), "divided by d, the number of features"),
    ("dJ_dw", _variant(change_w=lambda p: 2 * p["r"].mean() * p["w"]), "times its input x⁽ⁱ⁾"),
    ("dJ_dw", _variant(change_w=lambda p: 2 * p["X"].T @ (p["X"] @ p["w"] - p["y"]) / p["n"]),
     "the forward pass lacks b"),
    ("dJ_dw", _variant(change_w=lambda p: (2 * p["X"].T @ p["r"] / p["n"])[:, None]), "but it must be (3,)"),
    ("dJ_dw", _variant(change_w=lambda p: 2 * p["r"][None, :] @ p["X"] / p["n"]), "but it must be (3,)"),
    ("dJ_dw", _variant(change_w=lambda p: 2 * (p["X"] * p["r"][:, None]).mean(dim=1)),
     "shape (4,), but it must be (3,)"),
    ("dJ_db", _variant(change_b=lambda p: 2 * p["r"].sum()), "a sum over the rows"),
    ("dJ_db", _variant(change_b=lambda p: p["r"].mean()), "the mean of the residuals without the factor 2"),
    ("dJ_db", _variant(change_b=lambda p: p["r"].sum()), "two factors are missing"),
    ("dJ_db", _variant(change_b=lambda p: 2 * (p["y"] - p["X"] @ p["w"] - p["b"]).mean()), "the residual is h − y"),
    ("dJ_db", _variant(change_b=lambda p: 2 * p["r"][0]), "the first row's term alone: b is shared"),
    ("dJ_db", _variant(change_b=lambda p: 2 * (p["X"] @ p["w"] - p["y"]).mean()), "the forward pass lacks b"),
    ("dJ_db", _variant(change_b=lambda p: 2 * p["r"].mean(dim=0, keepdim=True)), "shape (1,), but it must be ()"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fn", "hint"), MISTAKES, ids=[f"{n}:{h}" for n, _, h in MISTAKES])
def test_each_mistake_gets_its_own_hint_on_its_own_gradient(name, fn, hint):
    feedback = check_linear_batch_grads(fn)
    assert not feedback.ok
    line = next(line for line in feedback.message.splitlines() if line.startswith(f"✗ {name}:"))
    assert hint in line, feedback.message
    assert line.endswith("(a batch of n = 4 rows, d = 3 features)")  # caught on the first batch
    other = "dJ_db" if name == "dJ_dw" else "dJ_dw"
    assert f"✓ {other}" in feedback.message  # the right one is not blamed


def test_a_loop_that_returns_after_its_first_row_is_named_on_both_gradients():
    message = check_linear_batch_grads(_first_row_returned_early).message
    assert message.count("does the loop over the rows return after its first row?") == 2, message


def test_a_column_where_a_vector_belongs_names_the_vector_shape():
    message = check_linear_batch_grads(
        _variant(change_w=lambda p: 2 * p["X"].T @ p["r"][:, None] / p["n"])
    ).message
    assert "✗ dJ_dw: shape (3, 1), but it must be (3,)" in message, message


def test_not_written_yet():
    def stub(X, y, w, b): ...

    assert (
        check_linear_batch_grads(stub).message
        == "your batch backward pass is not written yet: it returns None."
    )
    assert "not written yet" in check_linear_batch_grads(None).message
    assert "not written yet" in check_linear_batch_grads(...).message


def test_the_learners_exception_is_shown_as_their_own_short_traceback():
    def transposed(X, y, w, b):
        r = X @ w + b - y
        return 2 * X @ r / len(y), 2 * r.mean()  # X where Xᵀ belongs: (4, 3) @ (4,)

    message = check_linear_batch_grads(transposed).message
    assert message.startswith(
        "✗ your batch backward pass raised an error on a batch of n = 4 rows, d = 3 features"
    )
    assert "return 2 * X @ r / len(y)" in message and "RuntimeError" in message
    assert "code_check.py" not in message and "perceptron.py" not in message


def test_a_wrong_return_is_explained():
    assert "should return dJ_dw, dJ_db" in check_linear_batch_grads(lambda X, y, w, b: (w,)).message
    assert "without dJ_db" in check_linear_batch_grads(lambda X, y, w, b: {"dJ_dw": w}).message
    assert "Pass the function itself" in check_linear_batch_grads(3).message


# -- the generated batches ------------------------------------------------------------------------------------


def test_the_batches_are_a_batch_of_one_and_of_several_never_square_float64_with_mixed_signs():
    cases = _linear_batch_cases()
    sizes = [case.args[0].shape for case in cases]
    assert min(n for n, _ in sizes) == 1 and max(n for n, _ in sizes) > 1
    assert all(n != d for n, d in sizes)  # a transposed X cannot pass
    for case in cases:
        X, y, w, b = case.args
        assert all(t.dtype == torch.float64 for t in (X, y, w, b)) and b.dim() == 0
        assert (X > 0).any() and (X < 0).any()
        residuals = X @ w + b - y
        if len(y) > 1:  # both signs, and their mean not lost in cancellation
            assert (residuals > 0).any() and (residuals < 0).any()
            assert abs(residuals.sum()) > 0.1 * residuals.abs().sum()
        assert abs(b.item()) > 0.05  # a forgotten b changes the gradients visibly


def test_the_reference_is_the_formula_of_section_4():
    for case in _linear_batch_cases():
        X, y, w, b = case.args
        r = X @ w + b - y
        assert torch.allclose(case.expected["dJ_dw"], 2 * X.T @ r / len(y), rtol=1e-12, atol=1e-12)
        assert torch.allclose(case.expected["dJ_db"], 2 * r.mean(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["dJ_dw", "dJ_db"])
def test_the_first_batch_tells_every_catalogued_mistake_apart(name):
    first = _linear_batch_cases()[0]
    values = [
        ("the right gradient", first.expected[name]),
        *((hint, wrong) for wrong, hint in first.mistakes[name]),
    ]
    for (hint_a, a), (hint_b, b) in itertools.combinations(values, 2):
        assert not _close(a, b), (hint_a, hint_b)
