"""Notebook 06's number exercises: the expected values are autograd's, the right answer passes in every form
numeric code produces and at three significant digits, each catalogued mistake gets its own hint, no hint gives
the answer away, and no two catalogued values agree at three digits."""

import math

import numpy as np
import pytest
import torch
from answer_forms import assert_distinct_at_digits, assert_passes_in_every_form

from backprop_helpers.exercises import check_fork_tanh_grad, check_reflected_div_grad, engine_numbers
from backprop_helpers.exercises.engine_numbers import (
    FORK_ADVICE,
    FORK_PROBLEM,
    REFLECTED_ADVICE,
    REFLECTED_PROBLEM,
)
from backprop_helpers.exercises.feedback import DIGITS


def fork_by_autograd():
    a = torch.tensor(FORK_PROBLEM["a"], dtype=torch.float64, requires_grad=True)
    b = torch.tensor(FORK_PROBLEM["b"], dtype=torch.float64)
    (a * b + torch.tanh(a)).backward()
    # by hand: b + 1 − tanh²(0.5) = −2 + 1 − 0.462117² = −2 + 0.786448 = −1.213552
    assert a.grad.item() == pytest.approx(-1.213552, abs=1e-6)
    return a.grad.item()


def reflected_by_autograd():
    x = torch.tensor(REFLECTED_PROBLEM["x"], dtype=torch.float64, requires_grad=True)
    (torch.log(x) - 1 / x).backward()
    # by hand: 1/x + 1/x² = 1/3 + 1/9 = 4/9 = 0.444444
    assert x.grad.item() == pytest.approx(4 / 9, rel=1e-12)
    return x.grad.item()


CHECKS = {check_fork_tanh_grad: fork_by_autograd(), check_reflected_div_grad: reflected_by_autograd()}
ADVICE = {check_fork_tanh_grad: FORK_ADVICE, check_reflected_div_grad: REFLECTED_ADVICE}
CATALOGUE = engine_numbers._catalogue()


def _digits(value):
    return f"{abs(value):.2e}"[:4].replace(".", "")  # e.g. "121" of −1.2136: must not appear in a hint


def test_expected_values_are_autograds():
    for check, answer in CHECKS.items():
        assert CATALOGUE[check.__name__][1] == pytest.approx(answer, rel=1e-12)


@pytest.mark.parametrize("check", list(CHECKS))
def test_right_answer_passes_in_every_form(check):
    assert_passes_in_every_form(check, CHECKS[check])


@pytest.mark.parametrize("check", list(CHECKS))
def test_a_correct_rounding_passes_and_too_few_digits_is_close(check):
    answer = CHECKS[check]
    for digits in (DIGITS, DIGITS + 1, DIGITS + 2):
        assert check(float(f"{answer:.{digits}g}")).ok
    assert check(answer * (1 + 1e-7)).ok  # computed in float32 and printed in full
    for digits in (1, 2):
        feedback = check(float(f"{answer:.{digits}g}"))
        assert not feedback.ok and "close — give more digits" in feedback.message, feedback.message


@pytest.mark.parametrize(
    ("exercise", "index"), [(e, i) for e in CATALOGUE for i in range(len(CATALOGUE[e][2]))]
)
def test_every_catalogued_mistake_gets_its_own_hint_without_the_answer(exercise, index):
    check = getattr(engine_numbers, exercise)
    wrong, hint = CATALOGUE[exercise][2][index]
    for form in (wrong, float(f"{wrong:.3g}"), np.float32(wrong), torch.tensor([wrong])):
        feedback = check(form)
        assert not feedback.ok and feedback.message.endswith(hint), (form, feedback.message)
        assert _digits(CATALOGUE[exercise][1]) not in feedback.message


# (exercise, wrong answer, a phrase its hint must contain): the mistakes by hand, independently of the catalogue
MISTAKES = [
    (check_fork_tanh_grad, -2.0, "only the path through a·b"),  # the tanh path lost (= where += belongs)
    (check_fork_tanh_grad, 1 - math.tanh(0.5) ** 2, "only the path through tanh(a)"),
    (check_fork_tanh_grad, -2 + math.tanh(0.5), "not tanh(a)"),
    (check_fork_tanh_grad, -2 + 0.75, "square tanh(a), not a"),
    (check_fork_tanh_grad, -1 + math.tanh(0.5), "value of f"),
    (check_reflected_div_grad, 1 / 3 - 1 / 9, "minus signs cancel"),
    (check_reflected_div_grad, 1 / 3, "depends on x too"),
    (check_reflected_div_grad, 2 / 3, "not 1/x"),
    (check_reflected_div_grad, math.log(3) - 1 / 3, "value of g"),
]


@pytest.mark.parametrize(("check", "wrong", "phrase"), MISTAKES)
def test_typical_mistake_by_hand_gets_its_hint(check, wrong, phrase):
    feedback = check(round(wrong, 4))
    assert not feedback.ok and phrase in feedback.message, feedback.message


@pytest.mark.parametrize("exercise", list(CATALOGUE))
def test_no_two_catalogued_values_agree_at_three_digits(exercise):
    _, expected, mistakes, _ = CATALOGUE[exercise]
    assert_distinct_at_digits([expected, *(value for value, _ in mistakes)], exercise)


@pytest.mark.parametrize("check", list(CHECKS))
def test_a_flipped_sign_is_named(check):
    feedback = check(-CHECKS[check])
    assert not feedback.ok and "sign is flipped" in feedback.message


@pytest.mark.parametrize("check", list(CHECKS))
@pytest.mark.parametrize("wrong", [-7.5, 2.5, 100.0])
def test_other_wrong_answers_get_advice_that_fits_the_exercise(check, wrong):
    feedback = check(wrong)
    assert not feedback.ok and feedback.message.startswith("✗")
    assert ADVICE[check] in feedback.message, feedback.message
    assert "chain-rule factors" not in feedback.message
    assert _digits(CHECKS[check]) not in feedback.message


@pytest.mark.parametrize("check", list(CHECKS))
def test_no_answer_yet_and_non_numbers(check):
    assert not check(None).ok and "No answer yet" in check(None).message
    assert "No answer yet" in check(...).message
    assert "single number" in check("−1.21").message
    assert "single number" in check([1.0, 2.0]).message
