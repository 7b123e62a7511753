"""Exercises of notebook 03: the right answer passes in every form numeric code produces and at three significant
digits, each catalogued mistake gets its own hint, no hint gives the answer away, and the explorer of the same
notebook cannot show the answer."""

import math

import pytest
import torch
from answer_forms import assert_distinct_at_digits, assert_passes_in_every_form

from backprop_helpers import sigmoid_circuit
from backprop_helpers.exercises import chain_rule, check_df_dx1, check_df_dz, check_upstream_at_k
from backprop_helpers.exercises.chain_rule import EXERCISE_B, EXERCISE_W, EXERCISE_X
from backprop_helpers.exercises.feedback import CHAIN_RULE_ADVICE, DIGITS
from backprop_helpers.plotting.number_text import format_number
from backprop_helpers.widgets import CircuitExplorer

# By hand at x = (−3.25, 2), w = (0.5, −0.3), b = 0.1: z = −1.625 − 0.6 + 0.1 = −2.125, k = e^{2.125},
# h = 1 + k, f = 1/h, ∂f/∂h = −1/h², ∂f/∂k = ∂f/∂h · 1, ∂f/∂z = ∂f/∂k · (−k) = k/h² = f(1 − f),
# ∂f/∂x₁ = ∂f/∂z · w₁.
Z = -2.125
K = math.exp(-Z)
H = 1 + K
F = 1 / H
DF_DK = -1 / H**2  # −0.0114
DF_DZ = F * (1 - F)  # 0.0953
DF_DX1 = DF_DZ * EXERCISE_W[1]  # −0.0286
CHECKS = {check_upstream_at_k: DF_DK, check_df_dx1: DF_DX1, check_df_dz: DF_DZ}
CATALOGUE = chain_rule._catalogue()


def _digits(value):
    return f"{abs(value):.2e}"[:4].replace(".", "")  # e.g. "114" of −0.0114: must not appear in a hint


def test_expected_values_match_the_hand_example_and_the_package_in_float64():
    assert EXERCISE_W[0] * EXERCISE_X[0] + EXERCISE_W[1] * EXERCISE_X[1] + EXERCISE_B == pytest.approx(Z)
    trace = sigmoid_circuit(
        torch.tensor(EXERCISE_X, dtype=torch.float64),
        torch.tensor(EXERCISE_W, dtype=torch.float64),
        torch.tensor(EXERCISE_B, dtype=torch.float64),
    )
    assert trace.df_dk.item() == pytest.approx(DF_DK, rel=1e-12)
    assert trace.df_dz.item() == pytest.approx(DF_DZ, rel=1e-12)
    assert trace.df_dx[1].item() == pytest.approx(DF_DX1, rel=1e-12)
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
        assert check(rounded).ok, rounded  # 0.0953 for ∂f/∂z = 0.09531… is not "too large"
    one_digit = float(f"{answer:.1g}")
    assert one_digit != answer
    feedback = check(one_digit)
    assert not feedback.ok and "close — give more digits" in feedback.message


@pytest.mark.parametrize(
    ("exercise", "index"), [(e, i) for e in CATALOGUE for i in range(len(CATALOGUE[e][2]))]
)
def test_every_catalogued_mistake_gets_its_own_hint_without_the_answer(exercise, index):
    check = getattr(chain_rule, exercise)
    wrong, hint = CATALOGUE[exercise][2][index]
    for form in (wrong, float(f"{wrong:.3g}")):  # the mistake's value, also as the learner would type it
        feedback = check(form)
        assert not feedback.ok and hint in feedback.message, (form, feedback.message)
        for answer in CHECKS.values():
            assert _digits(answer) not in feedback.message


@pytest.mark.parametrize("exercise", list(CATALOGUE))
def test_no_two_catalogued_values_agree_at_three_digits(exercise):
    _, expected, mistakes, _ = CATALOGUE[exercise]
    values = [expected, *(value for value, _ in mistakes)]
    assert_distinct_at_digits(values, exercise)


def test_hints_name_the_source_notebook_not_the_seed():
    for _, _, mistakes, _ in CATALOGUE.values():
        assert all("seed" not in hint for _, hint in mistakes)


@pytest.mark.parametrize("check", list(CHECKS))
def test_unanswered_and_non_numbers(check):
    assert not check(None).ok and "No answer yet" in check(None).message
    assert "No answer yet" in check(...).message
    assert "single number" in check("0.1").message
    assert "single number" in check([0.1, 0.2]).message


@pytest.mark.parametrize("check", list(CHECKS))
def test_sign_flip_and_an_unrelated_value_get_the_chain_rule_advice(check):
    answer = CHECKS[check]
    assert "sign is flipped" in check(-answer).message
    feedback = check(answer * 3.7)
    assert not feedback.ok and "too large" in feedback.message and CHAIN_RULE_ADVICE in feedback.message
    assert "too small" in check(answer / 3.7).message


# -- the explorer of notebook 03 cannot show the answers ---------------------------------------------------------


def _shown(value):
    return float(format_number(float(value)).replace("−", "-"))  # what the read-out prints, read back


def test_the_exercise_input_is_off_the_slider_grid():
    explorer = CircuitExplorer()
    steps = {name: control.step for name, control in explorer.controls.items() if hasattr(control, "step")}
    assert set(steps.values()) == {0.1}
    on_grid = [round(v * 10) == pytest.approx(v * 10, abs=1e-9) for v in EXERCISE_X]
    assert not all(on_grid)
    # every z the sliders reach lies on a 0.01 grid (sums of products of two 0.1-grid numbers); the exercise's not
    assert abs(Z * 100 - round(Z * 100)) > 0.1


def test_no_reachable_z_shows_a_passing_read_out():
    # ∂f/∂k and ∂f/∂z depend on z alone, ∂f/∂x₁ on z and w₁ (which the sliders can match): compute the gates as
    # the explorer does (float32) at every z the sliders reach where k stays finite, print them as its read-out
    # does (4 decimals), and hand them in. The exercise's z lies between two grid points, and the read-out
    # steps over the answers.
    z = torch.arange(-8870, 10501, dtype=torch.float64) / 100  # the 0.01 grid, from −88.70 to 105
    k = torch.exp(-z.to(torch.float32))
    h = 1 + k
    df_dk = -1 / h**2
    df_dz = df_dk * -k
    read_outs = {
        check_upstream_at_k: df_dk,
        check_df_dz: df_dz,
        check_df_dx1: df_dz * torch.tensor(EXERCISE_W[1]),
    }
    for check, values in read_outs.items():
        shown = {_shown(v) for v in values.tolist()}
        passing = [v for v in shown if check(v).ok]
        assert passing == [], check.__name__
        # and the scan does reach the answers' neighbourhood: the read-outs either side are close
        assert any(check(v).message.startswith(f"✗ {CATALOGUE[check.__name__][0]}: close") for v in shown)


def test_the_nearest_slider_settings_do_not_read_out_the_answers():
    for x0 in (-3.3, -3.2):  # the slider positions either side of x₀ = −3.25
        explorer = CircuitExplorer(x=(x0, EXERCISE_X[1]), w=EXERCISE_W, b=EXERCISE_B)
        t = explorer.state.trace
        assert not check_upstream_at_k(_shown(t.df_dk)).ok
        assert not check_df_dz(_shown(t.df_dz)).ok
        assert not check_df_dx1(_shown(t.df_dx[1])).ok
        assert not check_df_dx1(explorer.drawing.node("x₁").grad).ok  # the graph's label, unrounded
