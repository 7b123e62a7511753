"""Notebook 05's exercises: the right answer passes in every form numeric code produces and correctly rounded
to three significant digits, too few digits are called close, each typical mistake gets its own hint, no two
catalogued values agree at three digits, and no hint gives the answer away. The expected values are recomputed
here independently (nn.Linear, autograd, numpy)."""

import numpy as np
import pytest
import torch
from answer_forms import number_forms, shape_forms
from torch import nn

from backprop_helpers.exercises import check_db2, check_dW1_shape, check_xor_output_weight
from backprop_helpers.exercises.feedback import CHAIN_RULE_ADVICE, DIGITS, matches
from backprop_helpers.exercises.xor import (
    DB2_PROBLEM,
    RELU_XOR_PROBLEM,
    SHAPE_PROBLEM,
    _db2_catalogue,
    _output_weight_catalogue,
)


def expected_dW1_shape():
    p = SHAPE_PROBLEM
    return tuple(nn.Linear(p["n_in"], p["n_hidden"]).weight.shape)  # (out_features, in_features)


def expected_db2():
    """∂L/∂b2 by autograd: ŷ = σ(z + b2) at b2 = 0 with z = logit(ŷ), L = mean((ŷ − y)²)."""
    y_hat = torch.tensor(DB2_PROBLEM["y_hat"], dtype=torch.float64)
    y = torch.tensor(DB2_PROBLEM["y"], dtype=torch.float64)
    b2 = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    logits = torch.log(y_hat / (1 - y_hat))
    loss = ((torch.sigmoid(logits + b2) - y) ** 2).mean()
    (grad,) = torch.autograd.grad(loss, b2)
    # by hand: 2(ŷ − y)/3 · ŷ(1 − ŷ) = (−0.4/3·0.16, 0.6/3·0.21, −0.8/3·0.24) = (−0.021333, 0.042, −0.064),
    # summed: −0.043333
    assert grad.item() == pytest.approx(-0.043333, abs=1e-6)
    return grad.item()


def expected_output_weight():
    """c with a₁ + c·a₂ = XOR, from nn.Linear + ReLU and numpy least squares over all four points."""
    layer = nn.Linear(2, 2, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(RELU_XOR_PROBLEM["W1"]))
        layer.bias.copy_(torch.tensor(RELU_XOR_PROBLEM["b1"]))
        A1 = torch.relu(
            layer(torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=torch.float64))
        )
    A1 = A1.numpy()
    y = np.array([0.0, 1.0, 1.0, 0.0])
    # by hand: a₁ = x₁ + x₂ = (0, 1, 1, 2), a₂ = relu(x₁ + x₂ − 1) = (0, 0, 0, 1); at (1, 1): 2 + c·1 = 0, c = −2
    c, *_ = np.linalg.lstsq(A1[:, 1:], y - A1[:, 0], rcond=None)
    assert np.allclose(A1[:, 0] + c[0] * A1[:, 1], y)  # the fit is exact: this hidden layer makes XOR linear
    return float(c[0])


# -- exercise 1: the shape of dW1 ------------------------------------------------------------------------


def test_dW1_shape_right_answer():
    assert expected_dW1_shape() == (3, 2)
    for answer in shape_forms(expected_dW1_shape()):
        feedback = check_dW1_shape(answer)
        assert feedback.ok, answer
        assert feedback.message.startswith("✓")


def test_dW1_shape_mistakes_are_not_the_answer_in_any_form():
    # the catalogue of check_dW1_shape, rebuilt from SHAPE_PROBLEM: all different, none the answer, and each
    # gets one and the same hint whatever form the shape comes in
    p = SHAPE_PROBLEM
    n, d, h, o = p["n_samples"], p["n_in"], p["n_hidden"], p["n_out"]
    mistakes = [(d, h), (n, h), (n, d), (h,), (o, h), (n, h, d)]
    assert len(set(mistakes)) == len(mistakes)
    assert expected_dW1_shape() not in mistakes
    for shape in mistakes:
        feedbacks = [check_dW1_shape(answer) for answer in shape_forms(shape)]
        assert not any(feedback.ok for feedback in feedbacks), shape
        assert len({feedback.message for feedback in feedbacks}) == 1, shape


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        ((2, 3), "transposed"),
        ((4, 3), "batch size does not appear"),
        ((4, 2), "shape of the input X"),
        ((3,), "shape of b1"),
        ((1, 3), "W2"),
        ((4, 3, 2), "one gradient per sample"),
        ((5, 5), "what shape is W1"),
    ],
)
def test_dW1_shape_mistakes_get_their_hint(answer, hint):
    feedback = check_dW1_shape(answer)
    assert not feedback.ok
    assert hint in feedback.message
    assert "(3, 2)" not in feedback.message and "3, 2" not in feedback.message


@pytest.mark.parametrize("answer", [None, ...])
def test_dW1_shape_not_answered(answer):
    feedback = check_dW1_shape(answer)
    assert not feedback.ok and "No answer yet" in feedback.message


@pytest.mark.parametrize("answer", ["3x2", 6, (3.0, 2.0), (True, 2)])
def test_dW1_shape_wrong_type(answer):
    feedback = check_dW1_shape(answer)
    assert not feedback.ok and "tuple of ints" in feedback.message


# -- exercise 2: db2 -----------------------------------------------------------------------------------


def rounded(value, digits):
    return float(f"{value:.{digits}g}")


NUMERIC_CHECKERS = [
    pytest.param(check_db2, expected_db2, _db2_catalogue, id="db2"),
    pytest.param(
        check_xor_output_weight, expected_output_weight, _output_weight_catalogue, id="output weight"
    ),
]


@pytest.mark.parametrize(("check", "expected", "catalogue"), NUMERIC_CHECKERS)
def test_right_answer_in_every_numeric_form(check, expected, catalogue):
    assert catalogue()[0] == pytest.approx(
        expected(), rel=1e-12
    )  # the checker's value, computed independently
    for answer in number_forms(expected()):
        feedback = check(answer)
        assert feedback.ok, (type(answer), answer, feedback.message)
        assert feedback.message.startswith("✓")


@pytest.mark.parametrize(("check", "expected", "catalogue"), NUMERIC_CHECKERS)
@pytest.mark.parametrize("digits", [DIGITS, DIGITS + 1, DIGITS + 2])
def test_a_correct_rounding_is_right(check, expected, catalogue, digits):
    for answer in number_forms(rounded(expected(), digits)):
        assert check(answer).ok, (digits, answer)


@pytest.mark.parametrize(("check", "expected", "catalogue"), NUMERIC_CHECKERS)
def test_every_catalogued_mistake_gets_its_own_hint(check, expected, catalogue):
    name = "∂L/∂b2" if check is check_db2 else "the output weight c"
    _, mistakes = catalogue()
    for value, hint in mistakes:
        for answer in (value, rounded(value, DIGITS), np.float32(value), [value]):
            feedback = check(answer)
            assert not feedback.ok
            assert feedback.message == f"✗ {name}: {hint}", (value, answer)


@pytest.mark.parametrize(("check", "expected", "catalogue"), NUMERIC_CHECKERS)
def test_no_two_catalogued_values_agree_at_three_digits(check, expected, catalogue):
    answer, mistakes = catalogue()
    values = [answer, *(value for value, _ in mistakes)]
    for i, a in enumerate(values):
        for b in values[i + 1 :]:
            assert f"{a:.{DIGITS - 1}e}" != f"{b:.{DIGITS - 1}e}", (a, b)
            assert not matches(a, b) and not matches(b, a), (a, b)
            assert not matches(rounded(a, DIGITS), b) and not matches(rounded(b, DIGITS), a), (a, b)


def test_db2_one_digit_is_close_give_more_digits():
    expected = expected_db2()
    for answer in (rounded(expected, 1), rounded(expected, 2), np.float32(rounded(expected, 1))):
        feedback = check_db2(answer)
        assert not feedback.ok
        assert "close — give more digits" in feedback.message, answer


def test_output_weight_one_digit_is_the_answer_itself():
    # c is a whole number: one significant digit is already exact, so "give more digits" cannot apply
    expected = expected_output_weight()
    assert rounded(expected, 1) == expected
    assert check_xor_output_weight(rounded(expected, 1)).ok


def test_db2_close_but_not_a_correct_rounding():
    expected = expected_db2()
    last = 10 ** (np.floor(np.log10(abs(expected))) - DIGITS + 1)  # one unit in the third significant digit
    for answer in (rounded(expected, DIGITS) - last, rounded(expected, DIGITS) + last):
        feedback = check_db2(answer)
        assert not feedback.ok
        assert f"not right to {DIGITS} significant digits" in feedback.message, answer


def test_uncatalogued_wrong_answers_get_advice_that_fits():
    db2 = check_db2(-0.5).message  # a chain-rule sum: the advice names the factors and the sum over rows
    assert "add" in db2 and "σ′" in db2
    weight = check_xor_output_weight(-3).message  # a linear system, not a chain-rule product
    assert "linear system" in weight and CHAIN_RULE_ADVICE not in weight
    assert not _reveals_answer(weight)
    assert "043" not in db2 and "0.04" not in db2


def test_db2_right_answer():
    expected = expected_db2()
    assert check_db2(expected).ok
    assert check_db2(round(expected, 4)).ok  # four decimals are enough
    assert check_db2(torch.tensor(expected)).ok


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (-0.2, "σ′(Z2)"),  # no σ′: Σ 2(ŷ − y)/N = 2(−0.3)/3
        (-0.13, "1/N"),  # no mean: Σ 2(ŷ − y)·σ′
        (-0.021667, "factor 2"),  # Σ (ŷ − y)·σ′ / N
        (-0.014444, "a sum"),  # dZ2 averaged instead of summed
        (-0.021333, "first sample"),
        (0.043333, "sign is flipped"),
        (-0.5, "too large"),
    ],
)
def test_db2_mistakes_get_their_hint(answer, hint):
    feedback = check_db2(answer)
    assert not feedback.ok
    assert hint in feedback.message
    assert "0433" not in feedback.message and "043" not in feedback.message


def test_db2_not_answered():
    assert "No answer yet" in check_db2(None).message


# -- exercise 3: the output weight that turns a ReLU hidden layer into XOR ---------------------------------


def test_output_weight_right_answer():
    expected = expected_output_weight()
    assert expected == pytest.approx(-2.0)
    assert check_xor_output_weight(expected).ok
    assert check_xor_output_weight(-2).ok
    assert check_xor_output_weight(torch.tensor(-2.0)).ok


def _reveals_answer(message):
    return any(text in message for text in ("-2", "−2", "2"))  # the only digit of the answer


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (-1, "if a₁ were 1"),  # a₁ taken as an OR unit, 1 at (1, 1)
        (0, "with c = 0"),
        (2, "a positive c"),  # sign flipped
        (1, "a positive c"),
        (-0.5, "upside down"),  # c = a₂/(y − a₁)
        (-3, "too large"),
        (-1.5, "too small"),
    ],
)
def test_output_weight_mistakes_get_their_hint(answer, hint):
    feedback = check_xor_output_weight(answer)
    assert not feedback.ok
    assert hint in feedback.message
    assert not _reveals_answer(feedback.message)


@pytest.mark.parametrize("answer", [None, ...])
def test_output_weight_not_answered(answer):
    assert "No answer yet" in check_xor_output_weight(answer).message


@pytest.mark.parametrize("answer", ["-2", True, (-2, 1)])
def test_output_weight_wrong_type(answer):
    feedback = check_xor_output_weight(answer)
    assert not feedback.ok and "single number" in feedback.message


def test_no_hint_for_a_right_answer_is_reached_by_a_mistake_value():
    # the mistakes' values must differ from the answer, or a right answer could get a hint
    assert check_xor_output_weight(expected_output_weight()).message.startswith("✓")
    assert check_db2(expected_db2()).message.startswith("✓")
