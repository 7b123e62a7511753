"""Exercises of notebook 01: the right answer passes, each typical mistake gets its own hint, and no hint
gives the answer away."""

import itertools
import math

import pytest
import torch

from backprop_helpers.exercises import check_dL_dw2, check_dL_dyhat, check_w2_after_step
from backprop_helpers.exercises.single_neuron import EXERCISE_SAMPLE

# The sample by hand: z = −0.4·2 + 0.6·(−1.5) + 0.3 = −0.8 − 0.9 + 0.3 = −1.4
# ŷ = σ(−1.4) = 1/(1 + e^{1.4}) = 1/(1 + 4.0552) = 0.197816
# ∂L/∂ŷ = 2(ŷ − y) = 2(0.197816 − 1) = −1.604368
# ∂ŷ/∂z = ŷ(1 − ŷ) = 0.197816·0.802184 = 0.158685
# ∂L/∂z = −1.604368·0.158685 = −0.254589;  ∂L/∂w₂ = ∂L/∂z·x₂ = −0.254589·(−1.5) = 0.381883
# w₂ after one step: 0.6 − 0.1·0.381883 = 0.561812
Z = -1.4
Y_HAT = 1 / (1 + math.exp(1.4))
DL_DYHAT = 2 * (Y_HAT - 1.0)
DYHAT_DZ = Y_HAT * (1 - Y_HAT)
DL_DW2 = DL_DYHAT * DYHAT_DZ * -1.5
W2_NEW = 0.6 - 0.1 * DL_DW2

CHECKS = (check_dL_dyhat, check_dL_dw2, check_w2_after_step)


def test_the_sample_is_not_the_seed():
    assert EXERCISE_SAMPLE["x"] != (0.5, 3.0) and EXERCISE_SAMPLE["w"] != (0.5, -1.2)


def test_hand_worked_values():
    assert DL_DYHAT == pytest.approx(-1.604368, abs=1e-6)
    assert DL_DW2 == pytest.approx(0.381883, abs=1e-6)
    assert W2_NEW == pytest.approx(0.561812, abs=1e-6)


@pytest.mark.parametrize(
    ("check", "answer"),
    [
        (check_dL_dyhat, DL_DYHAT),
        (check_dL_dyhat, -1.6044),  # four decimals are enough
        (check_dL_dyhat, torch.tensor(DL_DYHAT)),  # a float32 tensor too
        (check_dL_dw2, DL_DW2),
        (check_dL_dw2, 0.3819),
        (check_w2_after_step, W2_NEW),
        (check_w2_after_step, torch.tensor([W2_NEW], dtype=torch.float64)),
    ],
)
def test_right_answers_pass(check, answer):
    feedback = check(answer)
    assert feedback.ok and feedback.message.startswith("✓")


@pytest.mark.parametrize("check", CHECKS)
def test_no_answer_yet(check):
    feedback = check(None)
    assert not feedback.ok and "No answer yet" in feedback.message
    assert not check(...).ok


@pytest.mark.parametrize(
    ("check", "answer", "phrase"),
    [
        (check_dL_dyhat, Y_HAT - 1.0, "factor 2"),
        (check_dL_dyhat, -DL_DYHAT, "sign is flipped"),
        (check_dL_dyhat, 1.0 - Y_HAT, "two slips"),
        (check_dL_dyhat, DL_DYHAT * DYHAT_DZ, "that is ∂L/∂z"),
        (check_dL_dyhat, (Y_HAT - 1.0) ** 2, "the loss L itself"),
        (check_dL_dw2, (Y_HAT - 1.0) * DYHAT_DZ * -1.5, "factor 2"),
        (check_dL_dw2, DL_DYHAT * -1.5, "σ′ factor is missing"),
        (check_dL_dw2, DL_DYHAT * Y_HAT * -1.5, "used σ(z)"),
        (check_dL_dw2, -DL_DW2, "sign is flipped"),
        (check_dL_dw2, DL_DYHAT * DYHAT_DZ, "∂z/∂w₂ = x₂"),
        (check_dL_dw2, DL_DYHAT * DYHAT_DZ * 2.0, "that is ∂L/∂w₁"),
        (check_dL_dw2, DL_DYHAT * DYHAT_DZ * 0.6, "not w₂ itself"),
        (check_w2_after_step, 0.6 + 0.1 * DL_DW2, "uphill"),
        (check_w2_after_step, 0.6 - DL_DW2, "learning rate"),
        (check_w2_after_step, -0.1 * DL_DW2, "add it to the old w₂"),
        (check_w2_after_step, 0.6 - 0.1 * DL_DYHAT * DYHAT_DZ * 2.0, "∂L/∂w₁"),
    ],
)
def test_typical_mistakes_get_their_hint(check, answer, phrase):
    feedback = check(answer)
    assert not feedback.ok
    assert phrase in feedback.message


def _digits_of(value):
    """The answer as a learner would write it: its first four significant digits, e.g. '3818' for 0.381883."""
    return f"{abs(value):.4e}".replace(".", "")[:4]


@pytest.mark.parametrize(
    ("check", "expected"), [(check_dL_dyhat, DL_DYHAT), (check_dL_dw2, DL_DW2), (check_w2_after_step, W2_NEW)]
)
def test_hints_never_contain_the_answer(check, expected):
    wrong_answers = [
        0.0,
        1.0,
        -expected,
        2 * expected,
        expected / 2,
        10 * expected,
        expected + 0.5,
        "x",
        None,
    ]
    for answer in wrong_answers:
        message = check(answer).message
        assert _digits_of(expected) not in message.replace(".", "")
        assert f"{expected:.3f}" not in message and f"{expected:.2f}" not in message


def test_mistakes_are_distinguishable():
    # each typical wrong value is far (> rtol 1e-3) from the answer and from the others, or a hint would
    # be given for the wrong reason
    values = {
        "dyhat": [DL_DYHAT, Y_HAT - 1.0, -DL_DYHAT, 1.0 - Y_HAT, DL_DYHAT * DYHAT_DZ, (Y_HAT - 1.0) ** 2],
        "dw2": [
            DL_DW2,
            DL_DW2 / 2,
            DL_DYHAT * -1.5,
            DL_DYHAT * Y_HAT * -1.5,
            -DL_DW2,
            DL_DYHAT * DYHAT_DZ,
            DL_DYHAT * DYHAT_DZ * 2.0,
            DL_DYHAT * DYHAT_DZ * 0.6,
        ],
        "w2": [
            W2_NEW,
            0.6 + 0.1 * DL_DW2,
            0.6 - DL_DW2,
            -0.1 * DL_DW2,
            0.6 - 0.1 * DL_DYHAT * DYHAT_DZ * 2.0,
        ],
    }
    for group in values.values():
        for a, b in itertools.combinations(group, 2):
            assert not math.isclose(a, b, rel_tol=1e-2), (a, b)


@pytest.mark.parametrize("check", CHECKS)
def test_a_non_number_is_named(check):
    feedback = check("0.38")
    assert not feedback.ok and "single number" in feedback.message
    assert not check(float("nan")).ok
