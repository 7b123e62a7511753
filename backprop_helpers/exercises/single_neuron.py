"""Exercises of notebook 01 (one sigmoid neuron, MSE): ∂L/∂ŷ, ∂L/∂w₂ and w₂ after one SGD step.

They use a sample other than the seed's (``EXERCISE_SAMPLE``), so the notebook's printed numbers cannot be
copied. Each ``check_…`` takes the learner's number and returns a ``Feedback``: ✓, or a hint naming the
likely mistake (the factor 2, the σ′ factor, the sign, the wrong ∂z/∂w…) without giving the answer. The
expected values and the values of the mistakes are computed here from the sample, never typed in.
"""

import torch

from backprop_helpers.exercises.feedback import check_number
from backprop_helpers.neuron import neuron_backward

__all__ = ["EXERCISE_SAMPLE", "check_dL_dyhat", "check_dL_dw2", "check_w2_after_step"]

# z = w₁x₁ + w₂x₂ + b, ŷ = σ(z), L = (ŷ − y)²; one SGD step with lr. x₂ ≠ ±2 on purpose: with x₂ = 2 a
# missing factor 2 and a missing x₂ would give the same number and the hints could not tell them apart.
EXERCISE_SAMPLE = {"x": (2.0, -1.5), "w": (-0.4, 0.6), "b": 0.3, "y": 1.0, "lr": 0.1}


def _trace():
    s = EXERCISE_SAMPLE
    return neuron_backward(
        torch.tensor(s["x"], dtype=torch.float64),
        torch.tensor(s["w"], dtype=torch.float64),
        torch.tensor(s["b"], dtype=torch.float64),
        torch.tensor(s["y"], dtype=torch.float64),
    )


def check_dL_dyhat(answer):
    """Exercise 1: ∂L/∂ŷ = 2(ŷ − y) at ``EXERCISE_SAMPLE`` (one number)."""
    t = _trace()
    residual = (t.y_hat - EXERCISE_SAMPLE["y"]).item()  # ŷ − y
    mistakes = [
        (residual, "you dropped the factor 2: the power rule gives d(ŷ − y)²/dŷ = 2(ŷ − y)."),
        (
            -2 * residual,
            "the sign is flipped: differentiate (ŷ − y)² with respect to ŷ — the residual is ŷ − y.",
        ),
        (-residual, "two slips: the factor 2 is missing and the sign is flipped (the residual is ŷ − y)."),
        (t.dL_dz.item(), "that is ∂L/∂z: you multiplied by σ′(z) too. ∂L/∂ŷ is the first factor alone."),
        (t.loss.item(), "that is the loss L itself, not its derivative with respect to ŷ."),
    ]
    return check_number(answer, t.dL_dyhat.item(), name="∂L/∂ŷ", mistakes=mistakes)


def check_dL_dw2(answer):
    """Exercise 2: ∂L/∂w₂ = 2(ŷ − y)·σ′(z)·x₂ at ``EXERCISE_SAMPLE`` (one number)."""
    t = _trace()
    x1, x2 = EXERCISE_SAMPLE["x"]
    w2 = EXERCISE_SAMPLE["w"][1]
    dL_dyhat, dL_dz = t.dL_dyhat.item(), t.dL_dz.item()
    mistakes = [
        (dL_dz * x2 / 2, "the factor 2 of ∂L/∂ŷ = 2(ŷ − y) is missing."),
        (dL_dyhat * x2, "the σ′ factor is missing: ∂ŷ/∂z = σ(z)(1 − σ(z)) sits between ∂L/∂ŷ and ∂z/∂w₂."),
        (dL_dyhat * t.y_hat.item() * x2, "you used σ(z) where the slope σ′(z) = σ(z)(1 − σ(z)) belongs."),
        (-dL_dz * x2, "the sign is flipped: check the residual ŷ − y and the sign of x₂."),
        (dL_dz, "that is ∂L/∂z (or ∂L/∂b): multiply by the last factor, ∂z/∂w₂ = x₂."),
        (dL_dz * x1, "that is ∂L/∂w₁: the last factor for w₂ is ∂z/∂w₂ = x₂, not x₁."),
        (dL_dz * w2, "∂z/∂w₂ is x₂, the input that w₂ multiplies, not w₂ itself (that would be ∂z/∂x₂)."),
    ]
    return check_number(answer, t.dL_dw[1].item(), name="∂L/∂w₂", mistakes=mistakes)


def check_w2_after_step(answer):
    """Exercise 3: w₂ after one SGD step, w₂ − lr·∂L/∂w₂, at ``EXERCISE_SAMPLE`` (one number)."""
    t = _trace()
    w2, lr = EXERCISE_SAMPLE["w"][1], EXERCISE_SAMPLE["lr"]
    dL_dw1, dL_dw2 = t.dL_dw.tolist()
    mistakes = [
        (w2 + lr * dL_dw2, "you stepped uphill: SGD subtracts the gradient, w₂ ← w₂ − lr·∂L/∂w₂."),
        (w2 - dL_dw2, "the step is lr times the gradient: you left out the learning rate."),
        (-lr * dL_dw2, "that is the change −lr·∂L/∂w₂ alone: add it to the old w₂."),
        (w2 - lr * dL_dw1, "you used ∂L/∂w₁: each weight moves along its own gradient."),
    ]
    return check_number(answer, w2 - lr * dL_dw2, name="w₂ after one step", mistakes=mistakes)
