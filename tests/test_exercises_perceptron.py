"""Perceptron exercises: the right answer passes, each typical mistake gets its own hint, no hint gives the answer."""

import re

import pytest
import torch
from torch import nn

from backprop_helpers.exercises import (
    check_batch_bias_gradient,
    check_largest_stable_lr,
    check_perceptron_gradient,
    check_perceptron_update,
)
from backprop_helpers.exercises.perceptron import BATCH_PROBLEM, GRADIENT_PROBLEM
from backprop_helpers.widgets.perceptron_explorer import gradient_descent_path

# Exercise 1/2/4 by hand: x = (2, −1, 3), w = (1, 1, 1), y = 1: h = 2 − 1 + 3 = 4, h − y = 3,
# ∂J/∂w = 2·3·x = (12, −6, 18); after lr = 0.1: w = (1 − 1.2, 1 + 0.6, 1 − 1.8) = (−0.2, 1.6, −0.8);
# λ = 2‖x‖² = 2·14 = 28; descent diverges for lr above 2/λ = 1/14 (at 2/λ it neither converges nor diverges).
GRADIENT = [12.0, -6.0, 18.0]
UPDATED = [-0.2, 1.6, -0.8]
DIVERGENCE_LR = 1 / 14
# Exercise 3 by hand: h = (4 − 2 + 1, 1 + 1 + 1, 0 + 2 + 1) = (3, 3, 3), h − y = (2, 1, 6), sum 9, N = 3:
# ∂L/∂b = 2·9/3 = 6.
BATCH_BIAS_GRAD = 6.0


def autograd_perceptron():
    x = torch.tensor(GRADIENT_PROBLEM["x"], dtype=torch.float64)
    w = torch.tensor(GRADIENT_PROBLEM["w"], dtype=torch.float64, requires_grad=True)
    ((w @ x - GRADIENT_PROBLEM["y"]) ** 2).backward()
    return w.grad


def test_hand_values_agree_with_autograd_and_nn():
    torch.testing.assert_close(autograd_perceptron(), torch.tensor(GRADIENT, dtype=torch.float64))
    linear = nn.Linear(2, 1).double()
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([BATCH_PROBLEM["w"]]))
        linear.bias.fill_(BATCH_PROBLEM["b"])
    X = torch.tensor(BATCH_PROBLEM["X"], dtype=torch.float64)
    y = torch.tensor(BATCH_PROBLEM["y"], dtype=torch.float64).reshape(-1, 1)  # (N, 1) like the output
    nn.MSELoss()(linear(X), y).backward()
    assert linear.bias.grad.item() == pytest.approx(BATCH_BIAS_GRAD)


def test_right_answers_pass():
    assert check_perceptron_gradient(GRADIENT).ok
    assert check_perceptron_gradient(torch.tensor(GRADIENT)).ok  # a float32 tensor is fine
    assert check_perceptron_gradient(autograd_perceptron()).ok
    assert check_perceptron_update(UPDATED).ok
    assert check_batch_bias_gradient(BATCH_BIAS_GRAD).ok
    assert check_batch_bias_gradient(torch.tensor(BATCH_BIAS_GRAD)).ok
    assert check_largest_stable_lr(DIVERGENCE_LR).ok
    assert "✓" in str(check_largest_stable_lr(0.0714286))


def test_exercise_4_asks_where_divergence_begins():
    # The accepted answer is a boundary, not the largest converging rate: a little below it descent converges,
    # at it the residual only flips sign (neither), a little above it the loss grows past the bound.
    x, w, y = GRADIENT_PROBLEM["x"], GRADIENT_PROBLEM["w"], GRADIENT_PROBLEM["y"]
    below = gradient_descent_path(x, w, 0.0, y, lr=0.99 * DIVERGENCE_LR, steps=200)
    at = gradient_descent_path(x, w, 0.0, y, lr=DIVERGENCE_LR, steps=200)
    above = gradient_descent_path(x, w, 0.0, y, lr=1.01 * DIVERGENCE_LR, steps=1000)
    assert below.diverged_at is None and below.losses[-1] < 1e-3 * below.losses[0]
    assert "neither" in at.regime and at.losses[-1].item() == pytest.approx(at.losses[0].item(), rel=1e-6)
    assert above.diverged_at is not None
    assert "diverges" in check_largest_stable_lr.__doc__.splitlines()[0]
    assert "still converges" not in check_largest_stable_lr.__doc__
    assert "divergence threshold" in check_largest_stable_lr(None).message


@pytest.mark.parametrize(
    ("check", "answer", "hint"),
    [
        (check_perceptron_gradient, [6.0, -3.0, 9.0], "factor 2"),  # forgot the 2
        (check_perceptron_gradient, [-12.0, 6.0, -18.0], "y − h"),  # residual the wrong way round
        (check_perceptron_gradient, [6.0, 6.0, 6.0], "∂h/∂wᵢ = xᵢ"),  # forgot the inner derivative
        (check_perceptron_gradient, [18.0, -9.0, 27.0], "not (h − y)²"),
        (check_perceptron_gradient, [16.0, -8.0, 24.0], "left out the target"),
        (check_perceptron_gradient, [12.0, -6.0, 17.0], "third component is off"),
        (check_perceptron_gradient, [11.0, -6.0, 17.0], "first and third components are off"),
        (check_perceptron_update, [2.2, 0.4, 2.8], "uphill"),  # + instead of −
        (check_perceptron_update, [0.4, 1.3, 0.1], "factor 2"),  # forgot the 2
        (check_perceptron_update, [-1.2, 0.6, -1.8], "add it to the old weights"),
        (check_perceptron_update, [1.2, -0.6, 1.8], "the step alone"),
        (check_perceptron_update, [-11.0, 7.0, -17.0], "learning rate"),
        (check_batch_bias_gradient, 18.0, "mean"),  # forgot the mean of MSELoss
        (check_batch_bias_gradient, 3.0, "factor 2"),
        (check_batch_bias_gradient, 9.0, "two factors are missing"),
        (check_batch_bias_gradient, 4.0, "first sample alone"),
        (check_batch_bias_gradient, -6.0, "sign is flipped"),
        (check_largest_stable_lr, 1 / 28, "oscillate"),  # 1/λ
        (check_largest_stable_lr, 1 / 7, "factor 2"),  # forgot the 2 in the Hessian
        (check_largest_stable_lr, 28.0, "λ itself"),
        (check_largest_stable_lr, 2 / 14**0.5, "squared length"),
    ],
)
def test_typical_mistakes_get_their_hint(check, answer, hint):
    feedback = check(answer)
    assert not feedback.ok
    assert hint in feedback.message


ANSWER_STRINGS = {
    check_perceptron_gradient: ["12", "18", "-6"],
    check_perceptron_update: ["0.2", "1.6", "0.8"],
    check_batch_bias_gradient: ["6"],
    check_largest_stable_lr: ["0.07", "0.071", "1/14", "14"],
}
WRONG = {
    check_perceptron_gradient: [[6.0, -3.0, 9.0], [-12.0, 6.0, -18.0], [0.0, 0.0, 0.0], [1.0, 2.0], None],
    check_perceptron_update: [[2.2, 0.4, 2.8], [0.0, 0.0, 0.0], [9.0, 9.0, 9.0], "w"],
    check_batch_bias_gradient: [18.0, 3.0, 100.0, -1.0, None, "six"],
    check_largest_stable_lr: [1 / 28, 1 / 7, 28.0, 0.5, 1e-5],
}


@pytest.mark.parametrize("check", list(WRONG))
def test_hints_never_contain_the_answer(check):
    for answer in WRONG[check]:
        message = check(answer).message
        numbers = re.findall(r"-?\d+(?:[./]\d+)?", message)
        for forbidden in ANSWER_STRINGS[check]:
            assert forbidden not in numbers, (answer, message)


def test_placeholders_and_bad_types():
    for check in WRONG:
        feedback = check(None)
        assert not feedback.ok and "No answer yet" in feedback.message
        assert "No answer yet" in check(...).message
    assert "list, array or tensor of three numbers" in check_perceptron_gradient("abc").message
    assert "needs three entries" in check_perceptron_gradient([1.0, 2.0]).message
    assert "inf or nan" in check_perceptron_update([float("nan"), 0.0, 0.0]).message
    assert "single number" in check_batch_bias_gradient([1.0, 2.0]).message


def test_problem_data_is_what_the_notebook_states():
    assert GRADIENT_PROBLEM == {"x": (2.0, -1.0, 3.0), "w": (1.0, 1.0, 1.0), "y": 1.0, "lr": 0.1}
    assert BATCH_PROBLEM["X"] == ((4.0, -2.0), (1.0, 1.0), (0.0, 2.0)) and BATCH_PROBLEM["y"] == (
        1.0,
        2.0,
        -3.0,
    )
