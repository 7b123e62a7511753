"""Exercises of notebook 01 (one sigmoid neuron, MSE): ∂L/∂ŷ, ∂L/∂w₂ and w₂ after one SGD step.

They use a sample other than the source notebook's (``EXERCISE_SAMPLE``), so the notebook's printed numbers cannot
be copied. Each ``check_…`` takes the learner's number and returns a ``Feedback``: ✓, or a hint naming the
likely mistake (the factor 2, the σ′ factor, the sign, the wrong ∂z/∂w…) without giving the answer. A typed
answer needs three significant digits (``feedback.DIGITS``). The expected values and the values of the mistakes
are computed here from the sample, never typed in.

Why this sample:

- The answers must not be readable off notebook 01's ``NeuronExplorer``. Its x₁, x₂ sliders move in steps of 0.1,
  so x₂ = −1.25 lies between two of their settings: the explorer cannot be set to this sample, and at the settings
  either side (x₂ = −1.2, −1.3) every answer differs at three significant digits (``tests`` check both). A learner
  who has already computed z could find other settings with the same z; by then the forward pass is done.
- x₂ ≠ ±2: with x₂ = 2 a missing factor 2 and a missing x₂ would give the same number, and the hints could not
  tell them apart. No two catalogued mistakes and the answer agree at three significant digits (``tests``).
- w₂ = 0.65 has two significant digits, so the unchanged w₂ (no step taken) is not a one-digit rounding of the
  answer of exercise 3, and gets its own hint rather than "give more digits".
"""

import torch

from backprop_helpers.exercises.code_check import Case, check_code
from backprop_helpers.exercises.feedback import check_number
from backprop_helpers.neuron import neuron_backward

__all__ = ["EXERCISE_SAMPLE", "check_dL_dyhat", "check_dL_dw2", "check_w2_after_step", "check_neuron_grads"]

# z = w₁x₁ + w₂x₂ + b = −0.8 − 0.8125 + 0.3 = −1.3125, ŷ = σ(z), L = (ŷ − y)²; one SGD step with lr.
EXERCISE_SAMPLE = {"x": (2.0, -1.25), "w": (-0.4, 0.65), "b": 0.3, "y": 1.0, "lr": 0.1}

DERIVATIVE_ADVICE = (
    "Differentiate L = (ŷ − y)² with respect to ŷ by the power rule, at this sample's ŷ and y."
)
UPDATE_ADVICE = (
    "One SGD step is w₂ ← w₂ − lr·∂L/∂w₂: compute ∂L/∂w₂ at this sample first (exercise 2), then step from "
    "the old w₂."
)


def _trace():
    s = EXERCISE_SAMPLE
    return neuron_backward(
        torch.tensor(s["x"], dtype=torch.float64),
        torch.tensor(s["w"], dtype=torch.float64),
        torch.tensor(s["b"], dtype=torch.float64),
        torch.tensor(s["y"], dtype=torch.float64),
    )


def _dL_dyhat(t):
    """Exercise 1: (expected, mistakes) for ∂L/∂ŷ."""
    residual = (t.y_hat - EXERCISE_SAMPLE["y"]).item()  # ŷ − y
    return t.dL_dyhat.item(), [
        (residual, "you dropped the factor 2: the power rule gives d(ŷ − y)²/dŷ = 2(ŷ − y)."),
        (-2 * residual, "the sign is flipped: differentiate (ŷ − y)² with respect to ŷ — the residual is ŷ − y."),
        (-residual, "two slips: the factor 2 is missing and the sign is flipped (the residual is ŷ − y)."),
        (t.dL_dz.item(), "that is ∂L/∂z: you multiplied by σ′(z) too. ∂L/∂ŷ is the first factor alone."),
        (t.loss.item(), "that is the loss L itself, not its derivative with respect to ŷ."),
    ]  # fmt: skip


def _dL_dw2(t):
    """Exercise 2: (expected, mistakes) for ∂L/∂w₂."""
    (x1, x2), w2 = EXERCISE_SAMPLE["x"], EXERCISE_SAMPLE["w"][1]
    dL_dyhat, dL_dz, y_hat = t.dL_dyhat.item(), t.dL_dz.item(), t.y_hat.item()
    return t.dL_dw[1].item(), [
        (dL_dz * x2 / 2, "the factor 2 of ∂L/∂ŷ = 2(ŷ − y) is missing."),
        (dL_dyhat * x2, "the σ′ factor is missing: ∂ŷ/∂z = σ(z)(1 − σ(z)) sits between ∂L/∂ŷ and ∂z/∂w₂."),
        (dL_dyhat * y_hat * x2, "you used σ(z) where the slope σ′(z) = σ(z)(1 − σ(z)) belongs."),
        (-dL_dz * x2, "the sign is flipped: check the residual ŷ − y and the sign of x₂."),
        (dL_dz, "that is ∂L/∂z (or ∂L/∂b): multiply by the last factor, ∂z/∂w₂ = x₂."),
        (dL_dz * x1, "that is ∂L/∂w₁: the last factor for w₂ is ∂z/∂w₂ = x₂, not x₁."),
        (dL_dz * w2, "∂z/∂w₂ is x₂, the input that w₂ multiplies, not w₂ itself (that would be ∂z/∂x₂)."),
    ]  # fmt: skip


def _w2_after_step(t):
    """Exercise 3: (expected, mistakes) for w₂ − lr·∂L/∂w₂."""
    w2, lr = EXERCISE_SAMPLE["w"][1], EXERCISE_SAMPLE["lr"]
    dL_dw1, dL_dw2 = t.dL_dw.tolist()
    return w2 - lr * dL_dw2, [
        (w2 + lr * dL_dw2, "you stepped uphill: SGD subtracts the gradient, w₂ ← w₂ − lr·∂L/∂w₂."),
        (w2 - dL_dw2, "the step is lr times the gradient: you left out the learning rate."),
        (-lr * dL_dw2, "that is the change −lr·∂L/∂w₂ alone: add it to the old w₂."),
        (w2 - lr * dL_dw1, "you used ∂L/∂w₁: each weight moves along its own gradient."),
        (w2, "that is w₂ before the step: subtract lr·∂L/∂w₂ from it."),
    ]  # fmt: skip


def _catalogue():
    """check name → (what it asks for, expected, mistakes, advice): what each check uses; the tests read it.
    ∂L/∂w₂ is a chain-rule product (the default advice, None); ∂L/∂ŷ is one derivative and w₂ an update."""
    t = _trace()
    return {
        "check_dL_dyhat": ("∂L/∂ŷ", *_dL_dyhat(t), DERIVATIVE_ADVICE),
        "check_dL_dw2": ("∂L/∂w₂", *_dL_dw2(t), None),
        "check_w2_after_step": ("w₂ after one step", *_w2_after_step(t), UPDATE_ADVICE),
    }


def _check(exercise, answer):
    name, expected, mistakes, advice = _catalogue()[exercise]  # advice None: a chain-rule product
    return check_number(answer, expected, name=name, mistakes=mistakes, advice=advice)


def check_dL_dyhat(answer):
    """Exercise 1: ∂L/∂ŷ = 2(ŷ − y) at ``EXERCISE_SAMPLE`` (one number)."""
    return _check("check_dL_dyhat", answer)


def check_dL_dw2(answer):
    """Exercise 2: ∂L/∂w₂ = 2(ŷ − y)·σ′(z)·x₂ at ``EXERCISE_SAMPLE`` (one number)."""
    return _check("check_dL_dw2", answer)


def check_w2_after_step(answer):
    """Exercise 3: w₂ after one SGD step, w₂ − lr·∂L/∂w₂, at ``EXERCISE_SAMPLE`` (one number)."""
    return _check("check_w2_after_step", answer)


# -- the backward pass the learner writes ------------------------------------------------------------------

# (label, d, z the case aims at, y): one sample each; the tails make a missing σ′ impossible to miss
_NEURON_CASES = (("a sample with d = 3", 3, 0.8, 1.0), ("a sample in the sigmoid's right tail (z ≈ 5), d = 5", 5, 5.0, 0.0),
                 ("a sample in the left tail (z ≈ −4), d = 2", 2, -4.0, 1.0))  # fmt: skip


def _neuron_case(label, d, z_target, y, generator):
    x = torch.randn(d, generator=generator, dtype=torch.float64)
    w = torch.randn(d, generator=generator, dtype=torch.float64)
    b = torch.tensor(z_target, dtype=torch.float64) - (w * x).sum()  # puts z where the case wants it
    y = torch.tensor(y, dtype=torch.float64)
    leaves = [w.clone().requires_grad_(True), b.clone().requires_grad_(True)]
    y_hat = torch.sigmoid((leaves[0] * x).sum() + leaves[1])
    dL_dw, dL_db = torch.autograd.grad((y_hat - y) ** 2, leaves)  # the reference: autograd, float64
    y_hat = y_hat.detach()
    residual, slope = y_hat - y, y_hat * (1 - y_hat)  # ŷ − y and σ′(z) = ŷ(1 − ŷ)
    dL_dz = 2 * residual * slope
    mistakes = {
        "dL_dw": [(2 * residual * x, "σ′(z) = ŷ(1 − ŷ) is missing between ∂L/∂ŷ and ∂z/∂w"),
                  (residual * slope * x, "the factor 2 of ∂L/∂ŷ = 2(ŷ − y) is missing"),
                  (2 * residual * y_hat * x, "σ(z) where its slope σ′(z) = ŷ(1 − ŷ) belongs"),
                  (dL_dz * w, "∂z/∂w is x, the input each weight multiplies, not w (that would be ∂z/∂x)")],
        "dL_db": [(2 * residual, "σ′(z) = ŷ(1 − ŷ) is missing between ∂L/∂ŷ and ∂z/∂b"),
                  (residual * slope, "the factor 2 of ∂L/∂ŷ = 2(ŷ − y) is missing"),
                  (dL_dz * x.sum(), "∂z/∂b is 1: b is added once, not multiplied by the inputs")],
    }  # fmt: skip
    return Case(label, (x, w, b, y), {"dL_dw": dL_dw, "dL_db": dL_db}, mistakes)


def check_neuron_grads(fn):
    """Judge the learner's ``fn(x, w, b, y) -> (dL_dw, dL_db)`` for ŷ = σ(w·x + b), L = (ŷ − y)², one sample.

    ``x`` and ``w`` have shape (d,), ``b`` and ``y`` are 0-d float64 tensors; the result may be tensors, arrays
    or lists. Three cases, d = 3, 5 and 2, the last two in the sigmoid's tails, against autograd (rtol 1e-6).
    """
    generator = torch.Generator().manual_seed(1)
    cases = [_neuron_case(*spec, generator) for spec in _NEURON_CASES]
    return check_code(fn, cases, ("dL_dw", "dL_db"), what="your neuron backward pass")
