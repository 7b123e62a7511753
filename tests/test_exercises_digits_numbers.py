"""Notebook 07's number exercises: the right answer passes in every form numeric code produces and correctly
rounded to three significant digits, too few digits are called close, each typical mistake gets its own hint,
no two catalogued values agree at three digits, and no hint gives the answer away. The expected values are
recomputed here independently (nn.functional.cross_entropy with autograd, math, the variance of a sample)."""

import math

import numpy as np
import pytest
import torch
from answer_forms import assert_distinct_at_digits, assert_passes_in_every_form, number_forms
from torch.nn import functional as F

from backprop_helpers.exercises import check_ce_grad_entry, check_glorot_std, check_uniform_loss
from backprop_helpers.exercises.digits_numbers import (
    CE_ENTRY_PROBLEM,
    GLOROT_PROBLEM,
    UNIFORM_LOSS_PROBLEM,
    _ce_entry_catalogue,
    _glorot_catalogue,
    _uniform_loss_catalogue,
)
from backprop_helpers.exercises.feedback import DIGITS


def expected_ce_entry():
    """∂L/∂z[0, 0] by autograd through torch's own mean cross-entropy."""
    logits = torch.tensor(CE_ENTRY_PROBLEM["logits"], dtype=torch.float64, requires_grad=True)
    loss = F.cross_entropy(logits, torch.tensor(CE_ENTRY_PROBLEM["labels"]))  # mean over the rows
    (grad,) = torch.autograd.grad(loss, logits)
    # by hand: row 0 is (2, 1, 0), p₀ = e²/(e² + e + 1) = 7.389056/11.107338 = 0.665241; label 0, N = 2:
    # (p₀ − 1)/2 = −0.167380
    assert grad[0, 0].item() == pytest.approx(-0.167380, abs=1e-6)
    return grad[CE_ENTRY_PROBLEM["row"], CE_ENTRY_PROBLEM["column"]].item()


def expected_uniform_loss():
    """The mean cross-entropy of equal logits, by torch, on a batch of every label."""
    c = UNIFORM_LOSS_PROBLEM["classes"]
    loss = F.cross_entropy(torch.zeros(c, c, dtype=torch.float64), torch.arange(c)).item()
    assert loss == pytest.approx(math.log(10), rel=1e-15)  # by hand: −log(1/10) = ln 10 = 2.302585
    return loss


def expected_glorot_std():
    """Glorot's standard deviation, from the variance Var(W) = 2/(n_in + n_out) that keeps the forward and
    backward signals' sizes on average (Glorot and Bengio, 2010), checked against torch's xavier_normal_."""
    n_in, n_out = GLOROT_PROBLEM["n_in"], GLOROT_PROBLEM["n_out"]
    std = math.sqrt(2 / (n_in + n_out))  # by hand: √(2/42) = √0.047619 = 0.218218
    generator = torch.Generator().manual_seed(0)
    weights = [
        torch.empty(n_out, n_in, dtype=torch.float64) for _ in range(500)
    ]  # 500 layers' worth of samples
    for weight in weights:
        torch.nn.init.xavier_normal_(weight, generator=generator)  # N(0, 2/(fan_in + fan_out))
    assert torch.stack(weights).std().item() == pytest.approx(std, rel=0.01)
    return std


NUMERIC_CHECKERS = [
    pytest.param(check_ce_grad_entry, expected_ce_entry, _ce_entry_catalogue, "∂L/∂z[0, 0]", id="ce entry"),
    pytest.param(
        check_uniform_loss,
        expected_uniform_loss,
        _uniform_loss_catalogue,
        "the loss at equal probabilities",
        id="uniform loss",
    ),
    pytest.param(
        check_glorot_std, expected_glorot_std, _glorot_catalogue, "Glorot's standard deviation", id="glorot"
    ),
]


def rounded(value, digits):
    return float(f"{value:.{digits}g}")


@pytest.mark.parametrize(("check", "expected", "catalogue", "name"), NUMERIC_CHECKERS)
def test_right_answer_in_every_numeric_form(check, expected, catalogue, name):
    assert catalogue()[0] == pytest.approx(
        expected(), rel=1e-12
    )  # the checker's value, computed independently
    assert_passes_in_every_form(check, expected())


@pytest.mark.parametrize(("check", "expected", "catalogue", "name"), NUMERIC_CHECKERS)
@pytest.mark.parametrize("digits", [DIGITS, DIGITS + 1, DIGITS + 2])
def test_a_correct_rounding_is_right(check, expected, catalogue, name, digits):
    for answer in number_forms(rounded(expected(), digits)):
        assert check(answer).ok, (digits, answer)


@pytest.mark.parametrize(("check", "expected", "catalogue", "name"), NUMERIC_CHECKERS)
def test_every_catalogued_mistake_gets_its_own_hint(check, expected, catalogue, name):
    _, mistakes = catalogue()
    for value, hint in mistakes:
        for answer in (value, rounded(value, DIGITS), np.float32(value), [value]):
            feedback = check(answer)
            assert not feedback.ok
            assert feedback.message == f"✗ {name}: {hint}", (value, answer)


@pytest.mark.parametrize(("check", "expected", "catalogue", "name"), NUMERIC_CHECKERS)
def test_no_two_catalogued_values_agree_at_three_digits(check, expected, catalogue, name):
    answer, mistakes = catalogue()
    assert_distinct_at_digits([answer, *(value for value, _ in mistakes)], name)


@pytest.mark.parametrize(("check", "expected", "catalogue", "name"), NUMERIC_CHECKERS)
def test_one_digit_is_close_give_more_digits(check, expected, catalogue, name):
    # a rounding that equals the three-digit one as a number (2.3 for 2.30) is the right answer, not too few digits
    fewer = [rounded(expected(), k) for k in (1, 2) if rounded(expected(), k) != rounded(expected(), DIGITS)]
    assert fewer
    for answer in fewer:
        feedback = check(answer)
        assert not feedback.ok
        assert "close — give more digits" in feedback.message, answer


@pytest.mark.parametrize(("check", "expected", "catalogue", "name"), NUMERIC_CHECKERS)
def test_close_but_not_a_correct_rounding(check, expected, catalogue, name):
    value = expected()
    last = 10 ** (np.floor(np.log10(abs(value))) - DIGITS + 1)  # one unit in the third significant digit
    for answer in (rounded(value, DIGITS) - last, rounded(value, DIGITS) + last):
        feedback = check(answer)
        assert not feedback.ok
        assert f"not right to {DIGITS} significant digits" in feedback.message, answer


@pytest.mark.parametrize(("check", "expected", "catalogue", "name"), NUMERIC_CHECKERS)
def test_a_flipped_sign_is_named(check, expected, catalogue, name):
    feedback = check(-expected())
    assert not feedback.ok and "sign is flipped" in feedback.message


@pytest.mark.parametrize(("check", "expected", "catalogue", "name"), NUMERIC_CHECKERS)
def test_no_hint_reveals_the_answer(check, expected, catalogue, name):
    answer, mistakes = catalogue()
    shown = (f"{answer:.3f}", f"{answer:.2f}", f"{abs(answer):.3f}", f"{abs(answer):.2f}")
    messages = [hint for _, hint in mistakes] + [check(value).message for value in (-5.0, 50.0, 1e-3)]
    for message in messages:
        assert not any(text in message for text in shown), message


@pytest.mark.parametrize(("check", "expected", "catalogue", "name"), NUMERIC_CHECKERS)
@pytest.mark.parametrize("answer", [None, ...])
def test_not_answered(check, expected, catalogue, name, answer):
    assert "No answer yet" in check(answer).message


@pytest.mark.parametrize(("check", "expected", "catalogue", "name"), NUMERIC_CHECKERS)
@pytest.mark.parametrize("answer", ["0.2", True, (1.0, 2.0)])
def test_wrong_type(check, expected, catalogue, name, answer):
    feedback = check(answer)
    assert not feedback.ok and "single number" in feedback.message


# -- the hints a learner reaches by the mistakes, typed as a learner would -------------------------------


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (-0.335, "1/N"),  # p₀ − 1, no mean
        (0.333, "one-hot"),  # p₀/N
        (0.111, "Jacobian"),  # p₀(1 − p₀)/N
        (-0.752, "∂L/∂p"),  # −1/(p₀ N)
        (-0.0596, "not over the rows"),  # the softmax of column 0 over the two rows
        (0.167, "sign is flipped"),
    ],
)
def test_ce_entry_mistakes_get_their_hint(answer, hint):
    feedback = check_ce_grad_entry(answer)
    assert not feedback.ok and hint in feedback.message


@pytest.mark.parametrize(
    ("answer", "hint"),
    [(1, "log base 10"), (3.32, "bits"), (0.1, "probability"), (0.9, "1 − p"), (23.0, "label's class only")],
)
def test_uniform_loss_mistakes_get_their_hint(answer, hint):
    feedback = check_uniform_loss(answer)
    assert not feedback.ok and hint in feedback.message


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (0.0476, "variance"),
        (0.25, "He's"),
        (0.177, "LeCun"),
        (0.447, "fan-out"),
        (0.378, "uniform form"),
        (0.102, "nn.Linear"),
    ],
)
def test_glorot_mistakes_get_their_hint(answer, hint):
    feedback = check_glorot_std(answer)
    assert not feedback.ok and hint in feedback.message


def test_the_problems_are_the_ones_the_notebook_states():
    # notebook 07 prints these problems; a change here must be a change there
    assert (
        CE_ENTRY_PROBLEM["labels"][CE_ENTRY_PROBLEM["row"]] == CE_ENTRY_PROBLEM["column"]
    )  # the label's entry
    assert len(CE_ENTRY_PROBLEM["logits"]) != len(CE_ENTRY_PROBLEM["logits"][0])  # N ≠ C: the axes differ
    assert UNIFORM_LOSS_PROBLEM == {"classes": 10}
    assert GLOROT_PROBLEM == {"n_in": 32, "n_out": 10}
