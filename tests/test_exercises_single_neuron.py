"""Exercises of notebook 01: the right answer passes in every form numeric code produces and at three significant
digits, each catalogued mistake gets its own hint, no hint gives the answer away, the fallback advice fits the
exercise, and the explorer of the same notebook cannot be set to the exercise's sample."""

import math

import pytest
import torch
from answer_forms import assert_distinct_at_digits, assert_passes_in_every_form

from backprop_helpers import neuron_backward
from backprop_helpers.exercises import check_dL_dw2, check_dL_dyhat, check_w2_after_step, single_neuron
from backprop_helpers.exercises.feedback import CHAIN_RULE_ADVICE, DIGITS, matches
from backprop_helpers.exercises.single_neuron import DERIVATIVE_ADVICE, EXERCISE_SAMPLE, UPDATE_ADVICE
from backprop_helpers.widgets import NeuronExplorer

# The sample by hand: z = −0.4·2 + 0.65·(−1.25) + 0.3 = −0.8 − 0.8125 + 0.3 = −1.3125
# ŷ = σ(−1.3125) = 1/(1 + e^{1.3125}) = 1/(1 + 3.715451) = 0.212069
# ∂L/∂ŷ = 2(ŷ − y) = 2(0.212069 − 1) = −1.575862
# ∂ŷ/∂z = ŷ(1 − ŷ) = 0.212069·0.787931 = 0.167096
# ∂L/∂z = −1.575862·0.167096 = −0.263320;  ∂L/∂w₂ = ∂L/∂z·x₂ = −0.263320·(−1.25) = 0.329150
# w₂ after one step: 0.65 − 0.1·0.329150 = 0.617085
X1, X2, W1, W2, B, Y, LR = 2.0, -1.25, -0.4, 0.65, 0.3, 1.0, 0.1
Z = W1 * X1 + W2 * X2 + B
Y_HAT = 1 / (1 + math.exp(-Z))
DL_DYHAT = 2 * (Y_HAT - Y)
DYHAT_DZ = Y_HAT * (1 - Y_HAT)
DL_DW2 = DL_DYHAT * DYHAT_DZ * X2
W2_NEW = W2 - LR * DL_DW2

CHECKS = {check_dL_dyhat: DL_DYHAT, check_dL_dw2: DL_DW2, check_w2_after_step: W2_NEW}
CATALOGUE = single_neuron._catalogue()
ADVICE = {
    check_dL_dyhat: DERIVATIVE_ADVICE,
    check_dL_dw2: CHAIN_RULE_ADVICE,
    check_w2_after_step: UPDATE_ADVICE,
}


def _digits(value):
    """The answer's first four significant digits, e.g. '3291' for 0.329150: they must not appear in a hint."""
    return f"{abs(value):.3e}".replace(".", "")[:4]


def test_the_sample_is_this_one_and_not_the_source_notebooks():
    assert EXERCISE_SAMPLE == {"x": (X1, X2), "w": (W1, W2), "b": B, "y": Y, "lr": LR}
    assert EXERCISE_SAMPLE["x"] != (0.5, 3.0) and EXERCISE_SAMPLE["w"] != (0.5, -1.2)
    assert abs(X2) != 2  # a missing factor 2 and a missing x₂ would coincide


def test_hand_worked_values_and_the_package_in_float64():
    assert Z == pytest.approx(-1.3125, abs=1e-15)
    assert DL_DYHAT == pytest.approx(-1.575862, abs=1e-6)
    assert DL_DW2 == pytest.approx(0.329150, abs=1e-6)
    assert W2_NEW == pytest.approx(0.617085, abs=1e-6)
    f64 = torch.float64
    trace = neuron_backward(
        torch.tensor([X1, X2], dtype=f64), torch.tensor([W1, W2], dtype=f64), torch.tensor(B, dtype=f64),
        torch.tensor(Y, dtype=f64),
    )  # fmt: skip
    assert trace.dL_dyhat.item() == pytest.approx(DL_DYHAT, rel=1e-12)
    assert trace.dL_dw[1].item() == pytest.approx(DL_DW2, rel=1e-12)
    for check, answer in CHECKS.items():
        assert CATALOGUE[check.__name__][1] == pytest.approx(answer, rel=1e-12)


@pytest.mark.parametrize("check", list(CHECKS))
def test_right_answer_passes_in_every_form(check):
    assert_passes_in_every_form(check, CHECKS[check])


@pytest.mark.parametrize("check", list(CHECKS))
def test_a_correct_rounding_passes_and_too_few_digits_is_close(check):
    answer = CHECKS[check]
    for digits in (DIGITS, DIGITS + 1, DIGITS + 2):
        rounded = float(f"{answer:.{digits}g}")
        assert check(rounded).ok, rounded  # −1.58 for ∂L/∂ŷ = −1.5758… is right, not "too large"
    one_digit = float(f"{answer:.1g}")
    assert not matches(one_digit, answer, DIGITS)  # distinguishable: the one-digit rounding is another number
    feedback = check(one_digit)
    assert not feedback.ok and "close — give more digits" in feedback.message, feedback.message


@pytest.mark.parametrize("check", list(CHECKS))
def test_a_wrong_last_digit_is_close_but_not_right(check):
    answer = CHECKS[check]
    wrong_last = float(f"{answer * 1.009:.4g}")  # 0.9 % off: another number at three significant digits
    assert not matches(wrong_last, answer, DIGITS)
    feedback = check(wrong_last)
    assert not feedback.ok and "not right to 3 significant digits" in feedback.message, (wrong_last, feedback)


@pytest.mark.parametrize(
    ("exercise", "index"), [(e, i) for e in CATALOGUE for i in range(len(CATALOGUE[e][2]))]
)
def test_every_catalogued_mistake_gets_its_own_hint_without_the_answer(exercise, index):
    check = getattr(single_neuron, exercise)
    wrong, hint = CATALOGUE[exercise][2][index]
    for form in (wrong, float(f"{wrong:.3g}"), torch.tensor(wrong)):  # exact, typed to 3 digits, float32
        feedback = check(form)
        assert not feedback.ok and hint in feedback.message, (form, feedback.message)
        for answer in CHECKS.values():
            assert _digits(answer) not in feedback.message.replace(".", "")


def test_the_typical_mistakes_by_hand_get_their_hints():
    # the same mistakes computed here from the hand-worked numbers, independently of the module's catalogue
    dL_dz = DL_DYHAT * DYHAT_DZ
    cases = [
        (check_dL_dyhat, Y_HAT - Y, "factor 2"),
        (check_dL_dyhat, -DL_DYHAT, "sign is flipped"),
        (check_dL_dyhat, Y - Y_HAT, "two slips"),
        (check_dL_dyhat, dL_dz, "that is ∂L/∂z"),
        (check_dL_dyhat, (Y_HAT - Y) ** 2, "the loss L itself"),
        (check_dL_dw2, (Y_HAT - Y) * DYHAT_DZ * X2, "factor 2"),
        (check_dL_dw2, DL_DYHAT * X2, "σ′ factor is missing"),
        (check_dL_dw2, DL_DYHAT * Y_HAT * X2, "used σ(z)"),
        (check_dL_dw2, -DL_DW2, "sign is flipped"),
        (check_dL_dw2, dL_dz, "∂z/∂w₂ = x₂"),
        (check_dL_dw2, dL_dz * X1, "that is ∂L/∂w₁"),
        (check_dL_dw2, dL_dz * W2, "not w₂ itself"),
        (check_w2_after_step, W2 + LR * DL_DW2, "uphill"),
        (check_w2_after_step, W2 - DL_DW2, "learning rate"),
        (check_w2_after_step, -LR * DL_DW2, "add it to the old w₂"),
        (check_w2_after_step, W2 - LR * dL_dz * X1, "∂L/∂w₁"),
        (check_w2_after_step, W2, "before the step"),
    ]
    for check, wrong, phrase in cases:
        feedback = check(wrong)
        assert not feedback.ok and phrase in feedback.message, (check.__name__, wrong, feedback.message)


@pytest.mark.parametrize("exercise", list(CATALOGUE))
def test_no_two_catalogued_values_agree_at_three_digits(exercise):
    _, expected, mistakes, _ = CATALOGUE[exercise]
    values = [expected, *(value for value, _ in mistakes)]
    assert_distinct_at_digits(values, exercise)
    for i, a in enumerate(values):
        for b in values[i + 1 :]:
            assert not math.isclose(a, b, rel_tol=1e-2), (exercise, a, b)  # nor within the "close" band


@pytest.mark.parametrize("check", list(CHECKS))
def test_an_uncatalogued_wrong_answer_gets_advice_that_fits_the_exercise(check):
    answer = CHECKS[check]
    for wrong in (answer * 3.7, answer / 3.7):
        feedback = check(wrong)
        assert not feedback.ok and ADVICE[check] in feedback.message, feedback.message
        assert _digits(answer) not in feedback.message.replace(".", "")
    if check is not check_dL_dw2:  # a derivative by the power rule and an update are not chain-rule products
        assert "chain-rule" not in check(answer * 3.7).message


@pytest.mark.parametrize("check", list(CHECKS))
def test_unanswered_and_non_numbers(check):
    assert not check(None).ok and "No answer yet" in check(None).message
    assert "No answer yet" in check(...).message
    assert "single number" in check("0.33").message
    assert "single number" in check([0.3, 0.4]).message
    assert not check(float("nan")).ok


def test_hints_name_the_source_notebook_not_the_seed():
    for _, _, mistakes, advice in CATALOGUE.values():
        assert all("seed" not in hint for _, hint in mistakes) and "seed" not in (advice or "")


# -- the explorer of notebook 01 cannot be set to the exercise's sample ---------------------------------------


SLIDER_OF = {
    "x1": ("x", 0),
    "x2": ("x", 1),
    "w1": ("w", 0),
    "w2": ("w", 1),
    "b": ("b", None),
    "y": ("y", None),
}


def _sample_value(name):
    key, index = SLIDER_OF[name]
    return EXERCISE_SAMPLE[key] if index is None else EXERCISE_SAMPLE[key][index]


def _reachable(control, value):
    """Can a (linear) slider be set to value: inside its range and on its step grid."""
    steps = (value - control.min) / control.step
    return control.min <= value <= control.max and abs(steps - round(steps)) < 1e-9


def _answers(**sample):
    t = neuron_backward(*(torch.tensor(sample[k], dtype=torch.float64) for k in ("x", "w", "b", "y")))
    return {
        check_dL_dyhat: t.dL_dyhat.item(),
        check_dL_dw2: t.dL_dw[1].item(),
        check_w2_after_step: sample["w"][1] - sample["lr"] * t.dL_dw[1].item(),
    }


def test_the_sample_is_off_the_explorers_slider_grid_and_its_neighbours_show_other_answers():
    explorer = NeuronExplorer()
    unreachable = [name for name in SLIDER_OF if not _reachable(explorer.controls[name], _sample_value(name))]
    assert unreachable == ["x2"]  # the module docstring says so
    control = explorer.controls["x2"]
    below = control.min + math.floor((X2 - control.min) / control.step) * control.step
    for neighbour in (below, below + control.step):  # the settings either side: −1.3 and −1.2
        shown = _answers(**{**EXERCISE_SAMPLE, "x": (X1, neighbour)})
        for check, answer in CHECKS.items():
            assert not matches(shown[check], answer, DIGITS), (neighbour, check.__name__, shown[check])
            assert not check(shown[check]).ok  # what the explorer would show there is not accepted
