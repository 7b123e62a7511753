"""The one answer conversion and the one rounding rule that every exercise checker uses (exercises/feedback.py)."""

import numpy as np
import pytest
import torch

from backprop_helpers.exercises.feedback import (
    COMPUTED_RTOL,
    DIGITS,
    as_number,
    as_shape,
    as_vector,
    check_number,
    check_shape,
    check_vector,
    matches,
)

EXPECTED = 0.19661193324148185  # σ′(z) at z = 1: σ(1)(1 − σ(1)), a value with no short decimal form


# ---------------------------------------------------------------------------------------------------------------
# what numeric code naturally produces is accepted


@pytest.mark.parametrize(
    "answer",
    [
        0.5,
        np.float64(0.5),
        np.float32(0.5),
        np.array(0.5),
        np.array([0.5]),
        np.array([[0.5]], dtype=np.float32),
        [0.5],
        (0.5,),
        torch.tensor(0.5),
        torch.tensor([0.5], dtype=torch.float64),
        torch.tensor([0.5], requires_grad=True),
    ],
    ids=lambda a: type(a).__name__,
)
def test_as_number_takes_every_one_element_form(answer):
    assert as_number(answer) == 0.5


def test_as_number_takes_integers_of_every_kind():
    assert as_number(3) == 3.0 and as_number(np.int64(3)) == 3.0 and as_number(torch.tensor(3)) == 3.0


@pytest.mark.parametrize(
    "answer", [True, np.bool_(True), "0.5", b"0.5", None, [0.5, 0.5], np.array([]), torch.tensor([True]), 1j]
)
def test_as_number_refuses_what_is_not_one_real_number(answer):
    assert as_number(answer) is None


@pytest.mark.parametrize(
    "answer",
    [[1.0, -2.0], (1.0, -2.0), np.array([1.0, -2.0]), np.array([[1.0], [-2.0]], dtype=np.float32),
     torch.tensor([1.0, -2.0]), [np.float32(1.0), np.float64(-2.0)], [torch.tensor(1.0), torch.tensor(-2.0)]],
    ids=lambda a: type(a).__name__,
)  # fmt: skip
def test_as_vector_flattens_every_array_like(answer):
    vector = as_vector(answer)
    assert vector.dtype == torch.float64 and vector.tolist() == [1.0, -2.0]


def test_as_vector_refuses_text_and_ragged_lists():
    assert as_vector("abc") is None and as_vector([1.0, [2.0, 3.0]]) is None and as_vector(None) is None


@pytest.mark.parametrize(
    "answer",
    [(3, 2), [3, 2], torch.Size([3, 2]), (np.int64(3), np.int32(2)), np.array([3, 2]), torch.tensor([3, 2])],
)
def test_as_shape_takes_tuples_lists_sizes_and_numpy_ints(answer):
    assert as_shape(answer) == (3, 2)


@pytest.mark.parametrize(
    "answer", [(3.0, 2), (True, 2), "32", 32, None, np.array([3.0, 2.0]), np.array([[3, 2]])]
)
def test_as_shape_refuses_non_integers(answer):
    assert as_shape(answer) is None


# ---------------------------------------------------------------------------------------------------------------
# the rounding rule


def test_three_significant_digits_are_asked_for():
    assert DIGITS == 3


@pytest.mark.parametrize(
    "typed",
    [0.197, 0.1966, 0.19661, 0.196612, 0.1967, EXPECTED, EXPECTED * (1 + COMPUTED_RTOL / 2)],
)
def test_a_correct_rounding_or_a_computed_value_is_right(typed):
    # 0.197 is EXPECTED at 3 significant digits; 0.1966 and 0.19661 are correct roundings to the digits shown;
    # 0.1967 agrees at the 3 digits asked for; a float32 computation agrees to COMPUTED_RTOL
    assert matches(typed, EXPECTED)
    assert check_number(typed, EXPECTED, name="σ′").ok


def test_a_float32_computation_is_right():
    assert check_number(torch.sigmoid(torch.tensor(1.0)) * (1 - torch.sigmoid(torch.tensor(1.0))), EXPECTED,
                        name="σ′").ok  # fmt: skip


@pytest.mark.parametrize("typed", [0.2, 0.20])
def test_fewer_digits_than_asked_is_close_give_more_digits(typed):
    feedback = check_number(typed, EXPECTED, name="σ′")
    assert (
        not feedback.ok
        and "close — give more digits" in feedback.message
        and "3 significant" in feedback.message
    )


@pytest.mark.parametrize("typed", [0.196, 0.1964, 0.1958])
def test_within_a_percent_but_not_a_rounding_is_close_not_right(typed):
    # 0.196: a truncation, not a rounding; 0.1964 and 0.1958: off in the third digit
    feedback = check_number(typed, EXPECTED, name="σ′")
    assert not feedback.ok and "close, but not right to 3 significant digits" in feedback.message


def test_trailing_zeros_count_as_digits_the_learner_meant():
    # 120 for 120.4: right to 3 significant digits, though repr(120.0) shows two
    assert check_number(120.0, 120.4, name="x").ok
    assert check_number(-1.60, -1.6012, name="∂L/∂ŷ").ok  # the example from notebook 01


def test_more_digits_can_be_asked_for():
    assert check_number(0.197, EXPECTED, name="σ′", digits=2).ok
    feedback = check_number(0.197, EXPECTED, name="σ′", digits=5)
    assert not feedback.ok and "at least 5 significant" in feedback.message
    assert check_number(0.19661, EXPECTED, name="σ′", digits=5).ok


def test_an_expected_zero_is_matched_within_atol():
    assert check_number(0.0, 0.0, name="g").ok and check_number(1e-12, 0.0, name="g").ok
    assert not check_number(1e-3, 0.0, name="g").ok


def test_a_catalogued_mistake_is_matched_by_the_same_rounding_rule():
    feedback = check_number(0.393, EXPECTED, name="σ′", mistakes=[(2 * EXPECTED, "a factor 2 too many.")])
    assert not feedback.ok and feedback.message == "✗ σ′: a factor 2 too many."


def test_the_right_answer_wins_over_a_mistake_that_agrees_with_it():
    assert check_number(0.197, EXPECTED, name="σ′", mistakes=[(EXPECTED * (1 + 1e-4), "never shown")]).ok


def test_sign_and_direction_hints_and_the_advice_given():
    assert "sign is flipped" in check_number(-0.197, EXPECTED, name="σ′").message
    large = check_number(0.5, EXPECTED, name="σ′", advice="Count the backward() calls.")
    assert "too large" in large.message and large.message.endswith("Count the backward() calls.")
    other = check_number(-3.0, EXPECTED, name="σ′", advice="Redo the update.")
    assert other.message == "✗ σ′: not right yet. Redo the update."
    assert "chain-rule factors" in check_number(0.5, EXPECTED, name="σ′").message  # the default advice


@pytest.mark.parametrize(
    ("answer", "says"),
    [(None, "No answer yet"), (..., "No answer yet"), ("0.197", "single number"), ([0.1, 0.2], "single number"),
     (float("nan"), "division by zero or an overflow"), (np.float32("inf"), "division by zero or an overflow")],
)  # fmt: skip
def test_placeholders_and_non_numbers_are_explained(answer, says):
    feedback = check_number(answer, EXPECTED, name="σ′")
    assert not feedback.ok and says in feedback.message


def test_the_placeholder_message_states_the_digits_needed():
    assert "3 significant digits or more" in check_number(None, EXPECTED, name="σ′").message


# ---------------------------------------------------------------------------------------------------------------
# vectors: the same rule, component by component

VECTOR = [EXPECTED, -2 * EXPECTED, 10 * EXPECTED]


@pytest.mark.parametrize(
    "answer",
    [VECTOR, [0.197, -0.393, 1.97], (0.197, -0.393, 1.97), np.array([0.197, -0.393, 1.97], dtype=np.float32),
     torch.tensor(VECTOR), torch.tensor([[0.197], [-0.393], [1.97]])],
    ids=lambda a: type(a).__name__,
)  # fmt: skip
def test_check_vector_accepts_rounded_components_in_every_form(answer):
    assert check_vector(answer, VECTOR, name="∂J/∂w").ok


def test_check_vector_names_the_components_that_are_off_and_gives_the_advice():
    feedback = check_vector([0.197, 0.5, 1.97], VECTOR, name="∂J/∂w", advice="Recheck the residual.")
    assert not feedback.ok and "second component is off" in feedback.message
    assert feedback.message.endswith("Recheck the residual.")
    assert "first and third components are" in check_vector([9.0, -0.393, 9.0], VECTOR, name="g").message


def test_check_vector_close_sign_mistakes_and_lengths():
    assert "give more digits" in check_vector([0.2, -0.4, 2.0], VECTOR, name="g").message
    assert "every sign is flipped" in check_vector([-v for v in VECTOR], VECTOR, name="g").message
    hinted = check_vector(
        [v / 2 for v in VECTOR], VECTOR, name="g", mistakes=[([v / 2 for v in VECTOR], "half.")]
    )
    assert hinted.message == "✗ g: half."
    assert "needs three entries; got two" in check_vector([1.0, 2.0], VECTOR, name="g").message
    assert "No answer yet" in check_vector(None, VECTOR, name="g").message
    assert "inf or nan" in check_vector([1.0, float("nan"), 2.0], VECTOR, name="g").message
    assert "list, array or tensor of three numbers" in check_vector("abc", VECTOR, name="g").message


def test_a_float32_typed_answer_counts_the_digits_float32_shows():
    assert "give more digits" in check_number(np.float32(0.2), EXPECTED, name="σ′").message
    assert check_number(torch.tensor([0.197]), EXPECTED, name="σ′").ok
    assert check_number(np.float32(-1.60), -1.6012, name="∂L/∂ŷ").ok


def test_huge_and_tiny_answers_are_judged_without_warnings():
    assert check_number(1e300, 1e300, name="x").ok and not check_number(-1e300, 1e300, name="x").ok
    assert check_number(1.23e-30, 1.2345e-30, name="x").ok


# ---------------------------------------------------------------------------------------------------------------
# shapes


def test_check_shape_accepts_every_form_and_names_a_catalogued_mistake():
    for answer in [(3, 2), [3, 2], torch.Size([3, 2]), (np.int64(3), 2)]:
        assert check_shape(answer, (3, 2), name="the shape of dW").ok
    right = check_shape((3, 2), (3, 2), name="the shape of dW", right="it is W's shape.")
    assert right.message == "✓ the shape of dW is right: it is W's shape."
    wrong = check_shape((2, 3), (3, 2), name="the shape of dW", mistakes={(2, 3): "that is W transposed."})
    assert not wrong.ok and wrong.message == "✗ the shape of dW: that is W transposed."
    other = check_shape((7,), (3, 2), name="the shape of dW", advice="What shape is W?")
    assert other.message == "✗ the shape of dW: not right yet. What shape is W?"
    assert "No answer yet" in check_shape(None, (3, 2), name="the shape of dW").message
    assert "tuple of ints" in check_shape((3.0, 2), (3, 2), name="the shape of dW").message
