"""Perceptron exercises: the right answer passes in every form numeric code produces and at three significant
digits, each catalogued mistake gets its own hint, no hint gives the answer, the advice fits the exercise, and the
explorer of the same notebook cannot show the answers."""

import re
from dataclasses import replace

import pytest
import torch
from answer_forms import number_forms, vector_forms
from torch import nn

from backprop_helpers.descent import gradient_descent_path
from backprop_helpers.exercises import (
    check_batch_bias_gradient,
    check_largest_stable_lr,
    check_perceptron_gradient,
    check_perceptron_update,
    perceptron,
)
from backprop_helpers.exercises.feedback import CHAIN_RULE_ADVICE, DIGITS, matches
from backprop_helpers.exercises.perceptron import (
    BATCH_ADVICE,
    BATCH_PROBLEM,
    GRADIENT_PROBLEM,
    THRESHOLD_ADVICE,
    UPDATE_ADVICE,
)
from backprop_helpers.widgets import PerceptronExplorer
from backprop_helpers.widgets.readout import num

# Exercise 1/2/4 by hand: x̃ = (2, −1, 3), w̃ = (1, 1, 1), y = 1: h = 2 − 1 + 3 = 4, h − y = 3,
# ∂J/∂w̃ = 2·3·x̃ = (12, −6, 18); after lr = 0.1: w̃ = (1 − 1.2, 1 + 0.6, 1 − 1.8) = (−0.2, 1.6, −0.8);
# λ̃ = 2‖x̃‖² = 2·14 = 28; descent diverges for lr above 2/λ̃ = 1/14 (at 2/λ̃ it neither converges nor diverges).
GRADIENT = [12.0, -6.0, 18.0]
UPDATED = [-0.2, 1.6, -0.8]
DIVERGENCE_LR = 1 / 14
# Exercise 3 by hand: h = (4 − 2 + 1, 1 + 1 + 1, 0 + 2 + 1) = (3, 3, 3), h − y = (2, 1, 6), sum 9, N = 3:
# ∂J/∂b = (2/n) Σᵢ (h⁽ⁱ⁾ − y⁽ⁱ⁾) = 2·9/3 = 6.
BATCH_BIAS_GRAD = 6.0
ANSWERS = {
    check_perceptron_gradient: GRADIENT,
    check_perceptron_update: UPDATED,
    check_batch_bias_gradient: BATCH_BIAS_GRAD,
    check_largest_stable_lr: DIVERGENCE_LR,
}
CATALOGUE = perceptron._catalogue()


def autograd_perceptron():
    x = torch.tensor(GRADIENT_PROBLEM["x_tilde"], dtype=torch.float64)
    w = torch.tensor(GRADIENT_PROBLEM["w_tilde"], dtype=torch.float64, requires_grad=True)
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
    x, w, y = GRADIENT_PROBLEM["x_tilde"], GRADIENT_PROBLEM["w_tilde"], GRADIENT_PROBLEM["y"]
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
        (check_perceptron_gradient, [6.0, 6.0, 6.0], "∂h/∂wᵢ = x̃ᵢ"),  # forgot the inner derivative
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
        (check_batch_bias_gradient, 4.0, "first row alone"),
        (check_batch_bias_gradient, -6.0, "sign is flipped"),
        (check_largest_stable_lr, 1 / 28, "oscillate"),  # 1/λ
        (check_largest_stable_lr, 1 / 7, "factor 2"),  # forgot the 2 in the Hessian
        (check_largest_stable_lr, 28.0, "λ̃ itself"),
        (check_largest_stable_lr, 2 / 14**0.5, "squared length"),
    ],
)
def test_typical_mistakes_get_their_hint(check, answer, hint):
    feedback = check(answer)
    assert not feedback.ok
    assert hint in feedback.message


@pytest.mark.parametrize("check", list(ANSWERS))
def test_right_answer_passes_in_every_form(check):
    answer = ANSWERS[check]
    forms = vector_forms(answer) if isinstance(answer, list) else number_forms(answer)
    for form in forms:
        assert check(form).ok, (type(form).__name__, check(form).message)


def _round(value, digits):
    return float(f"{value:.{digits}g}")


@pytest.mark.parametrize("check", list(ANSWERS))
def test_a_correct_rounding_passes(check):
    answer = ANSWERS[check]
    for digits in (DIGITS, DIGITS + 1):
        rounded = [_round(v, digits) for v in answer] if isinstance(answer, list) else _round(answer, digits)
        assert check(rounded).ok, rounded


@pytest.mark.parametrize(
    ("check", "one_digit"),
    [
        (check_perceptron_gradient, [10.0, -6.0, 20.0]),  # 12 and 18 to one digit
        (check_perceptron_update, [-0.2, 2.0, -0.8]),  # 1.6 to one digit
        (check_largest_stable_lr, 0.07),  # 1/14 = 0.0714…
    ],  # exercise 3's answer, 6, has one digit: nothing to tell apart
)
def test_too_few_digits_is_close(check, one_digit):
    expected = CATALOGUE[check.__name__][1]
    values = one_digit if isinstance(one_digit, list) else [one_digit]
    targets = expected.tolist() if isinstance(expected, torch.Tensor) else [expected]
    assert [_round(v, 1) for v in targets] == values  # it is the answer rounded to one digit
    feedback = check(one_digit)
    assert not feedback.ok and "close — give more digits" in feedback.message


@pytest.mark.parametrize(
    ("exercise", "index"), [(e, i) for e in CATALOGUE for i in range(len(CATALOGUE[e][2]))]
)
def test_every_catalogued_mistake_gets_its_own_hint(exercise, index):
    check = getattr(perceptron, exercise)
    wrong, hint = CATALOGUE[exercise][2][index]
    wrong = wrong.tolist() if isinstance(wrong, torch.Tensor) else wrong
    typed = [_round(v, 3) for v in wrong] if isinstance(wrong, list) else _round(wrong, 3)
    for form in (wrong, typed):
        feedback = check(form)
        assert not feedback.ok and hint in feedback.message, (form, feedback.message)


def _components(value):
    return value.tolist() if isinstance(value, torch.Tensor) else [value]


@pytest.mark.parametrize("exercise", list(CATALOGUE))
def test_no_two_catalogued_values_agree_at_three_digits(exercise):
    _, expected, mistakes, _ = CATALOGUE[exercise]
    values = [_components(expected), *(_components(value) for value, _ in mistakes)]
    for i, a in enumerate(values):
        for b in values[i + 1 :]:
            same = all(matches(u, v, DIGITS) or matches(v, u, DIGITS) for u, v in zip(a, b, strict=True))
            assert not same, (exercise, a, b)


@pytest.mark.parametrize(
    ("check", "wrong", "advice"),
    [
        (check_perceptron_gradient, [13.0, -7.0, 19.0], CHAIN_RULE_ADVICE),  # a chain-rule product
        (check_perceptron_update, [-0.3, 1.7, -0.9], UPDATE_ADVICE),
        (check_batch_bias_gradient, 7.5, BATCH_ADVICE),
        (check_largest_stable_lr, 0.5, THRESHOLD_ADVICE),
    ],
)
def test_an_uncatalogued_answer_gets_advice_that_fits_the_exercise(check, wrong, advice):
    feedback = check(wrong)
    assert not feedback.ok and feedback.message.endswith(advice)
    if advice is not CHAIN_RULE_ADVICE:
        assert CHAIN_RULE_ADVICE not in feedback.message


def test_the_explorer_cannot_show_the_answers():
    # Its sliders are the learning rate, the step count and the sample x of its own two-weight problem, with b
    # fixed or trained; the exercises have three weights (1, 2, 4) or a batch (3), and it shows no gradient.
    explorer = PerceptronExplorer()
    assert set(explorer.values()) == {"lr", "steps", "x1", "x2", "train_bias"}
    with pytest.raises(ValueError, match="two numbers"):
        PerceptronExplorer(x=GRADIENT_PROBLEM["x_tilde"], w=GRADIENT_PROBLEM["w_tilde"])
    assert not check_largest_stable_lr(explorer.state.lr_diverge).ok
    assert not check_largest_stable_lr(explorer.state.lr_oscillate).ok
    for number in re.findall(r"\d+\.\d+", explorer.readout.value):
        assert not check_largest_stable_lr(float(number)).ok
        assert not check_batch_bias_gradient(float(number)).ok


def test_no_sample_on_the_explorers_grid_shows_exercise_4s_threshold():
    # With b trained the explorer shows λ̃ = 2(1 + ‖x‖²) of x̃ = (1, x): an x with ‖x‖² = 13 would show exercise
    # 4's 2/λ̃ = 1/14 (x̃ = (2, −1, 3) has ‖x̃‖² = 14). Every x on the sliders' grid, either way, prints its λ, 1/λ
    # and 2/λ as the read-out does; none passes exercise 4 (nor exercise 3's bias gradient).
    explorer = PerceptronExplorer()
    spec = explorer.specs["x1"]
    assert explorer.specs["x2"] == replace(spec, label="x₂", default=-2.0)
    grid = [spec.snap(spec.low + k * spec.step) for k in range(spec.index(spec.high) + 1)]
    assert 0.0 in grid and 4.0 in grid and -2.0 in grid
    shown = set()
    for x1 in grid:
        for x2 in grid:
            for train_bias in (False, True):
                if x1 == x2 == 0:
                    continue
                lam = 2 * (x1**2 + x2**2 + train_bias)
                shown |= {float(num(lam)), float(num(1 / lam, 6)), float(num(2 / lam, 6))}
    assert [v for v in shown if check_largest_stable_lr(v).ok or check_batch_bias_gradient(v).ok] == []
    # the scan is not vacuous: the grid's nearest thresholds are close to the answer
    assert any(check_largest_stable_lr(v).message.startswith("✗") and "close" in check_largest_stable_lr(v).message
               for v in shown)  # fmt: skip
    explorer.controls["train_bias"].value = True
    explorer.controls["x1"].value, explorer.controls["x2"].value = (
        3.6,
        0.4,
    )  # ‖x‖² = 13.12, as near 13 as it gets
    feedback = check_largest_stable_lr(explorer.state.lr_diverge)  # 2/λ̃ = 2/28.24
    assert not feedback.ok and "close" in feedback.message


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
    assert GRADIENT_PROBLEM == {"x_tilde": (2.0, -1.0, 3.0), "w_tilde": (1.0, 1.0, 1.0), "y": 1.0, "lr": 0.1}
    assert BATCH_PROBLEM["X"] == ((4.0, -2.0), (1.0, 1.0), (0.0, 2.0)) and BATCH_PROBLEM["y"] == (
        1.0,
        2.0,
        -3.0,
    )
