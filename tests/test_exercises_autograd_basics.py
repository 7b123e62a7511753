"""Exercises of notebook 02: the right answer passes in every form numeric code produces and at three significant
digits, each catalogued mistake gets its own hint, no hint gives the answer away, the fallback advice fits the
exercise, and the explorer of the same notebook cannot show the answers."""

import numpy as np
import pytest
import torch
from answer_forms import assert_distinct_at_digits, assert_passes_in_every_form

from backprop_helpers.exercises import (
    autograd_basics,
    check_accumulated_grad,
    check_chain_grad,
    check_fork_grad,
)
from backprop_helpers.exercises.autograd_basics import ACCUMULATION_ADVICE, FORK_ADVICE
from backprop_helpers.exercises.feedback import CHAIN_RULE_ADVICE, DIGITS, matches
from backprop_helpers.widgets import AutogradExplorer
from backprop_helpers.widgets.autograd_explorer import EXPRESSIONS


def accumulated_by_autograd():
    x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    for _ in range(3):
        (x**3).backward()  # a new graph each time; x.grad adds 3x² = 12 each call
    return x.grad.item()


def chain_by_autograd():
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    u = 3 * x - 1
    (u**2 + u).backward()  # u = 2: (2u + 1)·3 = 5·3 = 15
    return x.grad.item()


def fork_by_autograd():
    a = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    (a * a + a).backward()  # a + a + 1 = 7
    return a.grad.item()


CHECKS = {
    check_accumulated_grad: accumulated_by_autograd(),
    check_chain_grad: chain_by_autograd(),
    check_fork_grad: fork_by_autograd(),
}
CATALOGUE = autograd_basics._catalogue()
ADVICE = {
    check_accumulated_grad: ACCUMULATION_ADVICE,
    check_chain_grad: CHAIN_RULE_ADVICE,
    check_fork_grad: FORK_ADVICE,
}


def test_expected_values_are_autograds():
    for check, answer in CHECKS.items():
        assert CATALOGUE[check.__name__][1] == answer


@pytest.mark.parametrize("check", list(CHECKS))
def test_right_answer_passes_in_every_form(check):
    assert_passes_in_every_form(check, CHECKS[check])


@pytest.mark.parametrize("check", list(CHECKS))
def test_a_correct_rounding_passes_and_too_few_digits_is_close(check):
    answer = CHECKS[check]
    for digits in (DIGITS, DIGITS + 1):
        assert check(float(f"{answer:.{digits}g}")).ok
    assert check(answer * (1 + 1e-7)).ok  # computed in float32 and printed in full
    one_digit = float(f"{answer:.1g}")
    if matches(one_digit, answer, DIGITS):
        assert check(one_digit).ok  # 7 has one significant digit: nothing to tell apart
    else:
        feedback = check(one_digit)
        assert not feedback.ok and "close — give more digits" in feedback.message, feedback.message


def test_the_one_digit_roundings_that_differ_are_close():
    assert "close — give more digits" in check_accumulated_grad(40.0).message  # 36 → 40
    assert "close — give more digits" in check_chain_grad(20.0).message  # 15 → 20 (either way at a tie)
    assert "close — give more digits" in check_chain_grad(10.0).message


@pytest.mark.parametrize(
    ("exercise", "index"), [(e, i) for e in CATALOGUE for i in range(len(CATALOGUE[e][2]))]
)
def test_every_catalogued_mistake_gets_its_own_hint_without_the_answer(exercise, index):
    check = getattr(autograd_basics, exercise)
    wrong, hint = CATALOGUE[exercise][2][index]
    for form in (wrong, int(wrong), np.float32(wrong), torch.tensor([wrong])):
        feedback = check(form)
        assert not feedback.ok and hint in feedback.message, (form, feedback.message)
        # the hint never gives the answer away
        assert str(round(CATALOGUE[exercise][1])) not in feedback.message


# (exercise, wrong answer, a phrase its hint must contain): the mistakes by hand, independently of the catalogue
MISTAKES = [
    (check_accumulated_grad, 12.0, "one backward() call"),  # forgot the accumulation
    (check_accumulated_grad, 24.0, "two calls"),
    (check_accumulated_grad, 8.0, "value of u"),
    (check_accumulated_grad, 0.0, "zero_()"),
    (check_chain_grad, 5.0, "dv/du alone"),  # forgot the chain factor du/dx
    (check_chain_grad, 3.0, "du/dx alone"),
    (check_chain_grad, 8.0, "multiplies"),
    (check_chain_grad, 9.0, "not at x"),
    (check_chain_grad, 6.0, "value of v"),
    (check_fork_grad, 6.0, "'+ a'"),  # forgot one path of the fork
    (check_fork_grad, 4.0, "uses a twice"),
    (check_fork_grad, 3.0, "three times"),
    (check_fork_grad, 1.0, "only the '+ a' path"),
    (check_fork_grad, 12.0, "value of c"),
]


@pytest.mark.parametrize(("check", "wrong", "phrase"), MISTAKES)
def test_typical_mistake_by_hand_gets_its_hint(check, wrong, phrase):
    feedback = check(wrong)
    assert not feedback.ok and phrase in feedback.message, feedback.message


@pytest.mark.parametrize("exercise", list(CATALOGUE))
def test_no_two_catalogued_values_agree_at_three_digits(exercise):
    _, expected, mistakes, _ = CATALOGUE[exercise]
    values = [expected, *(value for value, _ in mistakes)]
    assert_distinct_at_digits(values, exercise)


@pytest.mark.parametrize("check", list(CHECKS))
@pytest.mark.parametrize("wrong", [-1.0, 2.5, 100.0, -1000.0])
def test_other_wrong_answers_get_advice_that_fits_the_exercise(check, wrong):
    feedback = check(wrong)
    assert not feedback.ok and feedback.message.startswith("✗")
    assert ADVICE[check] in feedback.message, feedback.message
    assert str(round(CHECKS[check])) not in feedback.message
    if check is not check_chain_grad:  # accumulation and a fork are not "recheck each factor"
        assert "chain-rule factors" not in feedback.message


@pytest.mark.parametrize("check", list(CHECKS))
def test_no_answer_yet_and_non_numbers(check):
    assert not check(None).ok and "No answer yet" in check(None).message
    assert "No answer yet" in check(...).message
    assert "single number" in check("seven").message
    assert "single number" in check([1.0, 2.0]).message


# -- the explorer of notebook 02 cannot show the answers -------------------------------------------------------


def test_no_explorer_expression_is_an_exercises_function():
    # per backward() call at the exercise's point: u = x³ at 2 adds 12; v = u² + u, u = 3x − 1 at 1 gives 15
    explorer = AutogradExplorer()
    lo, hi = explorer.controls["x"].min, explorer.controls["x"].max
    for expression in EXPRESSIONS.values():
        assert expression.derivative(2.0) != 12.0
        assert expression.derivative(1.0) != 15.0
    assert not lo <= 3.0 <= hi  # the fork's a = 3 is outside the x slider's range
