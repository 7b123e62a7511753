"""Exercises of notebook 04 (the perceptron): a gradient, one update, MSELoss's mean, where divergence begins.

Each ``check_…`` takes the learner's answer and returns a ``Feedback``: ✓, or a hint that names the likely
mistake (the factor 2, the sign of the update, the mean of ``nn.MSELoss``…) without giving the answer. The
expected values are computed here from the problem data below, never typed in.
"""

import math

import torch

from backprop_helpers.exercises.feedback import check_number, check_vector
from backprop_helpers.neuron import neuron_backward, sgd_step

__all__ = [
    "GRADIENT_PROBLEM",
    "BATCH_PROBLEM",
    "check_perceptron_gradient",
    "check_perceptron_update",
    "check_batch_bias_gradient",
    "check_largest_stable_lr",
]

# Exercises 1, 2 and 4: the perceptron h = wᵀx (no bias), J = (h − y)², one SGD step of lr.
GRADIENT_PROBLEM = {"x": (2.0, -1.0, 3.0), "w": (1.0, 1.0, 1.0), "y": 1.0, "lr": 0.1}
# Exercise 3: nn.Linear(2, 1) with weight (1, 1), bias 1 on a batch of three samples, nn.MSELoss (the mean).
BATCH_PROBLEM = {"X": ((4.0, -2.0), (1.0, 1.0), (0.0, 2.0)), "y": (1.0, 2.0, -3.0), "w": (1.0, 1.0), "b": 1.0}


def _gradient_parts():
    p = GRADIENT_PROBLEM
    x = torch.tensor(p["x"], dtype=torch.float64)
    w = torch.tensor(p["w"], dtype=torch.float64)
    trace = neuron_backward(x, w, torch.tensor(0.0, dtype=torch.float64), p["y"], activation="identity")
    return x, w, trace


def check_perceptron_gradient(answer):
    """Exercise 1: ∂J/∂w for h = wᵀx, J = (h − y)², at ``GRADIENT_PROBLEM`` (a list of three numbers)."""
    x, _, trace = _gradient_parts()
    expected = trace.dL_dw  # 2(h − y)·x
    residual = trace.y_hat - GRADIENT_PROBLEM["y"]
    mistakes = [
        (residual * x, "you dropped the factor 2 from d(h − y)²/dh = 2(h − y)."),
        (2 * residual * torch.ones_like(x), "that is ∂J/∂h for every weight: multiply by ∂h/∂wᵢ = xᵢ."),
        (residual**2 * x, "the outer derivative of (h − y)² is 2(h − y), not (h − y)²."),
        (2 * trace.y_hat * x, "the residual is h − y: you left out the target y."),
        (-expected, "every sign is flipped: the residual is h − y (prediction minus target), not y − h."),
    ]
    return check_vector(answer, expected, name="∂J/∂w", mistakes=mistakes)


def check_perceptron_update(answer):
    """Exercise 2: w after one step w ← w − lr·∂J/∂w at ``GRADIENT_PROBLEM`` (a list of three numbers)."""
    x, w, trace = _gradient_parts()
    lr = GRADIENT_PROBLEM["lr"]
    expected = sgd_step({"w": w}, {"w": trace.dL_dw}, lr)["w"]
    residual = trace.y_hat - GRADIENT_PROBLEM["y"]
    mistakes = [
        (w + lr * trace.dL_dw, "you stepped uphill: the update subtracts lr·∂J/∂w (w − …, not w + …)."),
        (w - lr * residual * x, "the step is right in direction but half as long: ∂J/∂w has the factor 2."),
        (-lr * trace.dL_dw, "that is the step lr·∂J/∂w with its minus sign: add it to the old weights."),
        (lr * trace.dL_dw, "that is the step alone: the new weight is the old weight minus it."),
        (w - trace.dL_dw, "the gradient must be scaled by the learning rate before it is subtracted."),
    ]
    return check_vector(answer, expected, name="the new w", mistakes=mistakes)


def check_batch_bias_gradient(answer):
    """Exercise 3: ∂L/∂b of ``nn.MSELoss()(nn.Linear(2, 1)(X), y)`` at ``BATCH_PROBLEM`` (one number)."""
    p = BATCH_PROBLEM
    X = torch.tensor(p["X"], dtype=torch.float64)  # (N, 2)
    y = torch.tensor(p["y"], dtype=torch.float64)  # (N,)
    h = X @ torch.tensor(p["w"], dtype=torch.float64) + p["b"]  # (N, 2) @ (2,) -> (N,)
    residual_sum = (h - y).sum().item()
    n = len(y)
    expected = 2 * residual_sum / n  # L = (1/N) Σ (hᵢ − yᵢ)², ∂hᵢ/∂b = 1
    mistakes = [
        (2 * residual_sum, "nn.MSELoss takes the mean over the batch: divide the sum by N."),
        (residual_sum / n, "the mean is right but the factor 2 of d(h − y)²/dh is missing."),
        (residual_sum, "two factors are missing: the 2 of d(h − y)²/dh and the 1/N of the mean."),
        (2 * (h[0] - y[0]).item(), "that is the first sample alone: the batch loss averages all N samples."),
    ]
    return check_number(answer, expected, name="∂L/∂b", mistakes=mistakes)


def check_largest_stable_lr(answer):
    """Exercise 4: the learning rate above which gradient descent on ``GRADIENT_PROBLEM``'s J diverges.

    J(w) = (wᵀx − y)² has Hessian 2xxᵀ, largest eigenvalue λ = 2‖x‖²; each step multiplies the residual by
    1 − lr·λ, so descent converges for lr < 2/λ and diverges for lr > 2/λ. At lr = 2/λ itself it does neither
    (the residual flips sign at constant size), so 2/λ is a threshold, not the largest converging rate.
    """
    x, _, _ = _gradient_parts()
    norm2 = float(x @ x)
    lam = 2 * norm2
    expected = 2 / lam
    mistakes = [
        (
            1 / lam,
            "that is 1/λ, where the path starts to overshoot and oscillate; just above it descent still converges.",
        ),
        (2 / norm2, "the Hessian of (wᵀx − y)² is 2xxᵀ: its eigenvalue λ carries the factor 2."),
        (lam, "that is λ itself; the threshold is a multiple of one over it."),
        (2 / math.sqrt(norm2), "λ involves the squared length ‖x‖², not the length ‖x‖."),
        (1 / math.sqrt(norm2), "λ involves the squared length ‖x‖², not the length ‖x‖."),
    ]
    return check_number(answer, expected, name="the divergence threshold", mistakes=mistakes)
