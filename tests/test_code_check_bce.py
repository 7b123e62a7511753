"""check_bce_grad (notebook 02): reference solutions in two styles pass; each catalogued mistake gets its own hint;
the cases follow losses.bce_grad's convention and keep ŷ where the clamp does not act; placeholders, exceptions
and plain lists are handled as the learner would need."""

import math

import numpy as np
import pytest
import torch

from backprop_helpers.exercises import check_bce_grad
from backprop_helpers.exercises.autograd_basics import _bce_cases
from backprop_helpers.losses import bce_eps, bce_grad


def by_loops(y_hat, y):
    """Plain floats, one element at a time, as nested lists of the input's shape."""
    n = y_hat.numel()

    def element(p, t):  # ∂/∂ŷ of −[t log p + (1 − t) log(1 − p)], then the mean's 1/n
        return (-t / p + (1 - t) / (1 - p)) / n

    if y_hat.dim() == 1:
        return [element(p, t) for p, t in zip(y_hat.tolist(), y.tolist(), strict=True)]
    return [
        [element(p, t) for p, t in zip(row_p, row_t, strict=True)]
        for row_p, row_t in zip(y_hat.tolist(), y.tolist(), strict=True)
    ]


def vectorised(y_hat, y):
    return (y_hat - y) / (y_hat * (1 - y_hat) * y_hat.numel())


@pytest.mark.parametrize("solution", [by_loops, vectorised])
def test_reference_solutions_pass(solution):
    feedback = check_bce_grad(solution)
    assert feedback.ok, feedback.message
    assert f"on {len(_bce_cases())} cases" in feedback.message and "✓ dL_dyhat" in feedback.message


def test_numpy_a_dict_and_a_clamp_like_the_source_notebooks_are_accepted():
    def with_numpy(y_hat, y):
        p, t = y_hat.numpy(), y.numpy()
        return (p - t) / (p * (1 - p) * p.size)

    def as_dict(y_hat, y):
        return {"dL_dyhat": vectorised(y_hat, y)}

    def clamped(y_hat, y):  # the source notebook's eps = 1e-8: inside the cases' range it changes nothing
        return vectorised(y_hat.clamp(1e-8, 1 - 1e-8), y)

    for fn in (with_numpy, as_dict, clamped):
        assert check_bce_grad(fn).ok, fn.__name__


def test_the_cases_follow_bce_grad_and_keep_the_clamp_idle():
    cases = _bce_cases()
    shapes = [case.args[0].shape for case in cases]
    assert (1,) in shapes and any(s[0] > 1 for s in shapes if len(s) == 1)  # a batch of one and of several
    two_d = [s for s in shapes if len(s) == 2]
    assert two_d and all(rows != cols for rows, cols in two_d)  # non-square: a transpose cannot pass
    y_hats = torch.cat([case.args[0].flatten() for case in cases])
    assert y_hats.min() < 1e-3 and y_hats.max() > 1 - 1e-3  # both tails
    eps = bce_eps(torch.float64)
    assert y_hats.min() > eps and y_hats.max() < 1 - eps  # bce's clamp [eps, 1 − eps] never acts
    assert y_hats.min() > 1e-6 and y_hats.max() < 1 - 1e-6  # nor does a learner's clamp up to 1e-6
    for case in cases:
        y_hat, y = case.args
        assert y_hat.dtype == y.dtype == torch.float64
        assert torch.allclose(case.expected["dL_dyhat"], bce_grad(y_hat, y), rtol=1e-12, atol=0)
    targets = [case.args[1] for case in cases if case.args[0].numel() > 1]
    assert all(((t == 0).any() and (t == 1).any()) or ((t > 0) & (t < 1)).all() for t in targets)


def _variant(change):
    def fn(y_hat, y):
        n = y_hat.numel()
        parts = {"y_hat": y_hat, "y": y, "n": n, "right": (y_hat - y) / (y_hat * (1 - y_hat) * n)}
        return change(parts)

    return fn


MISTAKES = [
    ("sum", lambda p: p["right"] * p["n"], "the sum, not the mean"),
    ("rows", lambda p: p["right"] * p["n"] / len(p["y_hat"]), "number of rows, len(ŷ)"),
    ("sign", lambda p: -p["right"], "the sign is flipped"),
    ("inner -1", lambda p: (-p["y"] / p["y_hat"] - (1 - p["y"]) / (1 - p["y_hat"])) / p["n"], "inner factor"),
    ("mse", lambda p: 2 * (p["y_hat"] - p["y"]) / p["n"], "the MSE gradient"),
    ("logits", lambda p: (p["y_hat"] - p["y"]) / p["n"], "is ∂L/∂z"),
    ("transposed", lambda p: p["right"].t(), "is the transpose of"),
    (
        "flattened",
        lambda p: p["right"].flatten(),
        "a gradient has the shape of what it is taken with respect to",
    ),
    ("per element, not averaged, doubled", lambda p: 2 * p["right"], "a factor 2 too large"),
]


@pytest.mark.parametrize(("name", "change", "hint"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_mistake_gets_its_own_hint(name, change, hint):
    feedback = check_bce_grad(_variant(change))
    assert not feedback.ok
    (line,) = feedback.message.splitlines()
    assert line.startswith("✗ dL_dyhat:") and hint in line, feedback.message


def test_no_two_catalogued_mistakes_agree_where_they_are_not_the_answer():
    # so the first case where a mistake is wrong names that mistake, not another one
    for case in _bce_cases():
        expected = case.expected["dL_dyhat"]
        wrong = [w for w, _ in case.mistakes["dL_dyhat"] if not torch.allclose(w, expected, rtol=1e-6)]
        for i, a in enumerate(wrong):
            for b in wrong[i + 1 :]:
                assert not torch.allclose(a, b, rtol=1e-6), case.label


def test_the_hints_name_the_mistake_not_the_values():
    for case in _bce_cases():
        for _, hint in case.mistakes["dL_dyhat"]:
            assert not any(ch.isdigit() and ch not in "126" for ch in hint), hint  # 1/n, 2(ŷ − y), section 6


def test_not_written_yet():
    def stub(y_hat, y):
        """Return ∂L/∂ŷ."""
        ...  # the notebook's stub: returns None

    assert check_bce_grad(stub).message == "your BCE gradient is not written yet: it returns None."
    assert "not written yet" in check_bce_grad(lambda y_hat, y: ...).message
    assert "not written yet" in check_bce_grad(None).message
    assert "not written yet" in check_bce_grad(...).message


def test_the_learners_exception_is_shown_as_their_own_short_traceback():
    def broken(y_hat, y):
        return (y_hat - y) / math.log(y_hat)  # math.log of a tensor of several elements fails

    message = check_bce_grad(broken).message
    assert message.startswith("✗ your BCE gradient raised an error on a batch of 5, shape (5,)")
    assert "return (y_hat - y) / math.log(y_hat)" in message
    assert "code_check.py" not in message and "autograd_basics.py" not in message


def test_a_wrong_return_is_explained():
    assert "Pass the function itself" in check_bce_grad(3).message
    assert "without dL_dyhat" in check_bce_grad(lambda y_hat, y: {"grad": y_hat}).message
    assert "is not a tensor" in check_bce_grad(lambda y_hat, y: "a").message
    assert "inf or nan" in check_bce_grad(lambda y_hat, y: y_hat / 0).message
    assert "shape ()" in check_bce_grad(lambda y_hat, y: np.float64(vectorised(y_hat, y).sum())).message
