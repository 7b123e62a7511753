"""Exercises of notebook 03: the right answer passes, each typical mistake gets its own hint, no hint gives the
answer away."""

import math

import pytest
import torch

from backprop_helpers import sigmoid_circuit
from backprop_helpers.exercises import check_df_dx1, check_df_dz, check_upstream_at_k
from backprop_helpers.exercises.chain_rule import EXERCISE_B, EXERCISE_W, EXERCISE_X

# By hand at x = (−1, 2), w = (0.5, −0.3), b = 0.1: z = −0.5 − 0.6 + 0.1 = −1, k = e, h = 1 + e,
# f = 1/(1 + e), ∂f/∂h = −1/(1 + e)², ∂f/∂k = ∂f/∂h · 1, ∂f/∂z = ∂f/∂k · (−e) = e/(1 + e)² = f(1 − f),
# ∂f/∂x₁ = ∂f/∂z · w₁.
E = math.e
DF_DK = -1 / (1 + E) ** 2  # −0.072329
DF_DZ = E / (1 + E) ** 2  # 0.196612
DF_DX1 = DF_DZ * -0.3  # −0.058984


def _digits(value):
    return f"{abs(value):.4f}"[2:5]  # e.g. "072" of −0.0723: must not appear in a hint


def test_expected_values_match_the_package_in_float64():
    trace = sigmoid_circuit(
        torch.tensor(EXERCISE_X, dtype=torch.float64),
        torch.tensor(EXERCISE_W, dtype=torch.float64),
        torch.tensor(EXERCISE_B, dtype=torch.float64),
    )
    assert trace.df_dk.item() == pytest.approx(DF_DK, rel=1e-12)
    assert trace.df_dz.item() == pytest.approx(DF_DZ, rel=1e-12)
    assert trace.df_dx[1].item() == pytest.approx(DF_DX1, rel=1e-12)


@pytest.mark.parametrize(
    ("check", "answer"),
    [(check_upstream_at_k, DF_DK), (check_df_dx1, DF_DX1), (check_df_dz, DF_DZ)],
)
def test_right_answers_pass(check, answer):
    assert check(answer).ok
    assert check(torch.tensor(answer, dtype=torch.float32)).ok  # a float32 tensor is close enough
    assert check(round(answer, 4)).ok  # four decimals are close enough (rtol 1e-3)


@pytest.mark.parametrize("check", [check_upstream_at_k, check_df_dx1, check_df_dz])
def test_unanswered_and_non_numbers(check):
    assert not check(None).ok and "No answer yet" in check(None).message
    assert "single number" in check("0.1").message


@pytest.mark.parametrize(
    ("check", "wrong", "hint"),
    [
        (check_upstream_at_k, 1.0, "local gradient ∂h/∂k"),  # the seed's "df/dk"
        (check_upstream_at_k, -E, "∂k/∂z"),
        (check_upstream_at_k, -1 / (1 + E), "−1/h², not −1/h"),
        (check_upstream_at_k, E, "value k"),
        (check_upstream_at_k, -DF_DK, "sign is flipped"),
        (check_df_dx1, DF_DZ * 2.0, "that is ∂f/∂w₁"),
        (check_df_dx1, DF_DZ, "upstream gradient at z"),
        (check_df_dx1, -0.3, "local gradient ∂z/∂x₁ alone"),
        (check_df_dx1, -E * -0.3, "local gradient ∂k/∂z where the upstream"),  # the seed's "df/dz" used
        (check_df_dx1, 0.25 * -0.3, "seed's input"),
        (check_df_dx1, -DF_DX1, "sign is flipped"),
        (check_df_dz, -E, "local gradient of the exp gate"),
        (check_df_dz, 1 / (1 + E), "forward value"),
        (check_df_dz, 1 - 1 / (1 + E), "1 − σ(z) alone"),
        (check_df_dz, 0.25, "seed's input"),
    ],
)
def test_typical_mistakes_get_their_hint_without_the_answer(check, wrong, hint):
    feedback = check(wrong)
    assert not feedback.ok
    assert hint in feedback.message
    for answer in (DF_DK, DF_DX1, DF_DZ):
        assert _digits(answer) not in feedback.message


def test_an_unrelated_value_gets_a_general_hint():
    feedback = check_df_dz(3.7)
    assert not feedback.ok and "too large" in feedback.message
