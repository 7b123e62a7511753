"""Exercises of notebook 04 (the perceptron): a gradient, one update, MSELoss's mean, where divergence begins.

Each ``check_…`` takes the learner's answer and returns a ``Feedback``: ✓, or a hint that names the likely
mistake (the factor 2, the sign of the update, the mean of ``nn.MSELoss``…) without giving the answer. The
expected values are computed here from the problem data below, never typed in. A typed answer needs three
significant digits (``feedback.DIGITS``). Exercise 1 is a chain-rule product and keeps the default advice; the
others are an update, a sum over a batch and a threshold, and each says what to redo.

None of the answers can be read off notebook 04's ``PerceptronExplorer``: its sliders are the learning rate, the
number of steps and the sample x of a problem with two weights (b fixed, or trained too); exercises 1, 2 and 4
have three weights (the explorer refuses an x of three numbers), exercise 3 a batch of three rows, and the
explorer shows no gradient at all. Its λ̃ = 2(1 + ‖x‖²) with b trained would show exercise 4's 2/λ̃ for
‖x‖² = 13, but its x grid (steps of 0.4) never gives that (tests/test_exercises_perceptron.py scans it).

``check_linear_batch_grads`` judges code instead of a number: the learner's backward pass of J for a whole batch,
run on batches generated here (the explorer has one sample and shows no gradient, so nothing can be read off it).
"""

import math

import torch

from backprop_helpers.exercises.code_check import Case, check_code
from backprop_helpers.exercises.feedback import check_number, check_vector
from backprop_helpers.neuron import neuron_backward, sgd_step

__all__ = [
    "GRADIENT_PROBLEM",
    "BATCH_PROBLEM",
    "check_perceptron_gradient",
    "check_perceptron_update",
    "check_batch_bias_gradient",
    "check_largest_stable_lr",
    "check_linear_batch_grads",
]

# Exercises 1, 2 and 4: section 1's perceptron h = w̃ᵀx̃ (three weights, no separate bias), J = (h − y)², one
# gradient-descent step of lr. The notebook names its vectors x̃ and w̃ (section 4's x and w have two components).
GRADIENT_PROBLEM = {"x_tilde": (2.0, -1.0, 3.0), "w_tilde": (1.0, 1.0, 1.0), "y": 1.0, "lr": 0.1}
# Exercise 3: nn.Linear(2, 1) with weight (1, 1), bias 1 on a batch of three rows, nn.MSELoss (the mean).
BATCH_PROBLEM = {"X": ((4.0, -2.0), (1.0, 1.0), (0.0, 2.0)), "y": (1.0, 2.0, -3.0), "w": (1.0, 1.0), "b": 1.0}

UPDATE_ADVICE = "Get ∂J/∂w̃ first (exercise 1), then take w̃ − lr·∂J/∂w̃ component by component."
BATCH_ADVICE = (
    "Compute h⁽ⁱ⁾ − y⁽ⁱ⁾ row by row and add them up (b is shared by every row, so its gradient is a sum), then "
    "apply the 2 of the square and the 1/n of the mean."
)
THRESHOLD_ADVICE = (
    "Follow section 7 with all three weights trained: λ̃ is the largest eigenvalue of the Hessian 2x̃x̃ᵀ, and every "
    "step multiplies the residual by 1 − lr·λ̃; find the lr at which that factor passes −1."
)


def _gradient_parts():
    p = GRADIENT_PROBLEM
    x = torch.tensor(p["x_tilde"], dtype=torch.float64)  # x̃
    w = torch.tensor(p["w_tilde"], dtype=torch.float64)  # w̃
    trace = neuron_backward(x, w, torch.tensor(0.0, dtype=torch.float64), p["y"], activation="identity")
    return x, w, trace


def _gradient(x, w, trace):
    """Exercise 1: (expected, mistakes) for ∂J/∂w̃."""
    expected = trace.dL_dw  # 2(h − y)·x̃
    residual = trace.y_hat - GRADIENT_PROBLEM["y"]
    return expected, [
        (residual * x, "you dropped the factor 2 from d(h − y)²/dh = 2(h − y)."),
        (2 * residual * torch.ones_like(x), "that is ∂J/∂h for every weight: multiply by ∂h/∂wᵢ = x̃ᵢ."),
        (residual**2 * x, "the outer derivative of (h − y)² is 2(h − y), not (h − y)²."),
        (2 * trace.y_hat * x, "the residual is h − y: you left out the target y."),
        (-expected, "every sign is flipped: the residual is h − y (prediction minus target), not y − h."),
    ]


def _update(x, w, trace):
    """Exercise 2: (expected, mistakes) for w̃ after one step."""
    lr = GRADIENT_PROBLEM["lr"]
    expected = sgd_step({"w": w}, {"w": trace.dL_dw}, lr)["w"]
    residual = trace.y_hat - GRADIENT_PROBLEM["y"]
    return expected, [
        (w + lr * trace.dL_dw, "you stepped uphill: the update subtracts lr·∂J/∂w̃ (w̃ − …, not w̃ + …)."),
        (w - lr * residual * x, "the step is right in direction but half as long: ∂J/∂w̃ has the factor 2."),
        (-lr * trace.dL_dw, "that is the step lr·∂J/∂w̃ with its minus sign: add it to the old weights."),
        (lr * trace.dL_dw, "that is the step alone: the new weight is the old weight minus it."),
        (w - trace.dL_dw, "the gradient must be scaled by the learning rate before it is subtracted."),
    ]


def _batch_bias_gradient():
    """Exercise 3: (expected, mistakes) for ∂J/∂b of the batch."""
    p = BATCH_PROBLEM
    X = torch.tensor(p["X"], dtype=torch.float64)  # (n, 2)
    y = torch.tensor(p["y"], dtype=torch.float64)  # (n,)
    h = X @ torch.tensor(p["w"], dtype=torch.float64) + p["b"]  # (n, 2) @ (2,) -> (n,)
    residual_sum = (h - y).sum().item()  # b is shared by every row: its gradient adds up over the rows
    n = len(y)
    expected = 2 * residual_sum / n  # J = (1/n) Σᵢ (h⁽ⁱ⁾ − y⁽ⁱ⁾)², ∂h⁽ⁱ⁾/∂b = 1
    return expected, [
        (2 * residual_sum, "nn.MSELoss takes the mean over the batch: divide the sum by n."),
        (residual_sum / n, "the mean is right but the factor 2 of d(h − y)²/dh is missing."),
        (residual_sum, "two factors are missing: the 2 of d(h − y)²/dh and the 1/n of the mean."),
        (2 * (h[0] - y[0]).item(), "that is the first row alone: b is shared by every row, so the batch "
                                   "gradient adds up all n rows' terms (then takes the mean)."),
    ]  # fmt: skip


def _divergence_threshold(x):
    """Exercise 4: (expected, mistakes) for the learning rate where divergence begins."""
    norm2 = float(x @ x)
    lam = 2 * norm2  # λ̃, the largest eigenvalue of the Hessian 2x̃x̃ᵀ: all three weights are trained
    return 2 / lam, [
        (1 / lam, "that is 1/λ̃, where the path starts to overshoot and oscillate; just above it descent "
                  "still converges."),
        (2 / norm2, "the Hessian of (w̃ᵀx̃ − y)² is 2x̃x̃ᵀ: its eigenvalue λ̃ carries the factor 2."),
        (lam, "that is λ̃ itself; the threshold is a multiple of one over it."),
        (2 / math.sqrt(norm2), "λ̃ involves the squared length ‖x̃‖², not the length ‖x̃‖."),
        (1 / math.sqrt(norm2), "λ̃ involves the squared length ‖x̃‖², not the length ‖x̃‖."),
    ]  # fmt: skip


def _catalogue():
    """check name → (what it asks for, expected, mistakes, advice): what each check uses; the tests read it."""
    x, w, trace = _gradient_parts()
    return {
        "check_perceptron_gradient": ("∂J/∂w̃", *_gradient(x, w, trace), None),
        "check_perceptron_update": ("the new w̃", *_update(x, w, trace), UPDATE_ADVICE),
        "check_batch_bias_gradient": ("∂J/∂b", *_batch_bias_gradient(), BATCH_ADVICE),
        "check_largest_stable_lr": ("the divergence threshold", *_divergence_threshold(x), THRESHOLD_ADVICE),
    }


def _check(exercise, answer, check):
    name, expected, mistakes, advice = _catalogue()[exercise]  # advice None: a chain-rule product
    return check(answer, expected, name=name, mistakes=mistakes, advice=advice)


def check_perceptron_gradient(answer):
    """Exercise 1: ∂J/∂w̃ for h = w̃ᵀx̃, J = (h − y)², at ``GRADIENT_PROBLEM`` (a list of three numbers)."""
    return _check("check_perceptron_gradient", answer, check_vector)


def check_perceptron_update(answer):
    """Exercise 2: w̃ after one step w̃ ← w̃ − lr·∂J/∂w̃ at ``GRADIENT_PROBLEM`` (a list of three numbers)."""
    return _check("check_perceptron_update", answer, check_vector)


def check_batch_bias_gradient(answer):
    """Exercise 3: ∂J/∂b of ``nn.MSELoss()(nn.Linear(2, 1)(X), y)`` at ``BATCH_PROBLEM`` (one number)."""
    return _check("check_batch_bias_gradient", answer, check_number)


def check_largest_stable_lr(answer):
    """Exercise 4: the learning rate above which gradient descent on ``GRADIENT_PROBLEM``'s J diverges.

    J(w̃) = (w̃ᵀx̃ − y)² has Hessian 2x̃x̃ᵀ, largest eigenvalue λ̃ = 2‖x̃‖² (notebook 04, section 7: every weight is
    trained); each step multiplies the residual by 1 − lr·λ̃, so descent converges for lr < 2/λ̃ and diverges for
    lr > 2/λ̃. At lr = 2/λ̃ itself it does neither (the residual flips sign at constant size), so 2/λ̃ is a
    threshold, not the largest converging rate.
    """
    return _check("check_largest_stable_lr", answer, check_number)


# -- the backward pass the learner writes ------------------------------------------------------------------

# (label, n, d): X is never square, so code that uses X where Xᵀ belongs fails on every case. The first case
# tells every catalogued mistake apart (n ∉ {1, 2, d}); with n = 1 a sum equals its mean and the first row is
# the batch, and with d = 2 dividing by d looks like a missing 2: those cases only catch what the first misses.
_LINEAR_BATCH_CASES = (("a batch of n = 4 rows, d = 3 features", 4, 3), ("a batch of one row (n = 1), d = 3", 1, 3),
                       ("a batch of n = 5 rows, d = 2 features", 5, 2))  # fmt: skip


def _linear_batch_case(label, n, d, generator):
    X = torch.randn(n, d, generator=generator, dtype=torch.float64)
    y = torch.randn(n, generator=generator, dtype=torch.float64)
    w = torch.randn(d, generator=generator, dtype=torch.float64)
    b = torch.randn((), generator=generator, dtype=torch.float64)
    leaves = [w.clone().requires_grad_(True), b.clone().requires_grad_(True)]
    J = ((X @ leaves[0] + leaves[1] - y) ** 2).mean()  # J = (1/n) Σᵢ (w·x⁽ⁱ⁾ + b − y⁽ⁱ⁾)²
    dJ_dw, dJ_db = torch.autograd.grad(J, leaves)  # the reference: autograd, float64
    r = X @ w + b - y  # the residuals r⁽ⁱ⁾ = h⁽ⁱ⁾ − y⁽ⁱ⁾, shape (n,)
    r_no_b = X @ w - y  # the residuals of a forward pass that forgot b
    sign = "the sign is flipped: the residual is h − y (prediction minus target), not y − h"
    first = "that is the first row's term alone: {} is shared by every row, so its gradient adds up all n rows' terms"
    early = "only the first row's term, divided by n: does the loop over the rows return after its first row?"
    no_b = "the forward pass lacks b: h⁽ⁱ⁾ = w·x⁽ⁱ⁾ + b"
    mistakes = {
        "dJ_dw": [(2 * X.T @ r, "a sum over the rows: J is their mean, so ∂J/∂w has the 1/n too"),
                  (X.T @ r / n, "the factor 2 of d(h − y)²/dh = 2(h − y) is missing"),
                  (X.T @ r, "two factors are missing: the 2 of d(h − y)²/dh and the 1/n of the mean"),
                  (-dJ_dw, sign),
                  (2 * r[0] * X[0], first.format("w")),
                  (2 * r[0] * X[0] / n, early),
                  (2 * X.T @ r / d, "divided by d, the number of features (X.shape[1]): J is a mean over the n "
                                    "rows (X.shape[0])"),
                  (2 * r.mean() * w, "each row's term is r⁽ⁱ⁾ times its input x⁽ⁱ⁾ (∂h⁽ⁱ⁾/∂w = x⁽ⁱ⁾), not times "
                                     "the weights w"),
                  (2 * X.T @ r_no_b / n, no_b)],
        "dJ_db": [(2 * r.sum(), "a sum over the rows: J is their mean, so ∂J/∂b has the 1/n too"),
                  (r.mean(), "the mean of the residuals without the factor 2 of d(h − y)²/dh = 2(h − y)"),
                  (r.sum(), "two factors are missing: the 2 of d(h − y)²/dh and the 1/n of the mean"),
                  (-dJ_db, sign),
                  (2 * r[0], first.format("b")),
                  (2 * r[0] / n, early),
                  (2 * r_no_b.mean(), no_b)],
    }  # fmt: skip
    return Case(label, (X, y, w, b), {"dJ_dw": dJ_dw, "dJ_db": dJ_db}, mistakes)


def _linear_batch_cases():
    generator = torch.Generator().manual_seed(4)
    return [_linear_batch_case(*spec, generator) for spec in _LINEAR_BATCH_CASES]


def check_linear_batch_grads(fn):
    """Judge the learner's ``fn(X, y, w, b) -> (dJ_dw, dJ_db)`` for J = (1/n) Σᵢ (w·x⁽ⁱ⁾ + b − y⁽ⁱ⁾)².

    ``X`` has shape (n, d) (row i is x⁽ⁱ⁾), ``y`` (n,), ``w`` (d,), ``b`` is a 0-d float64 tensor; ``dJ_dw`` must
    have w's shape (d,) and ``dJ_db`` b's (a number); tensors, arrays or lists. Three batches, (n, d) = (4, 3),
    (1, 3) and (5, 2), inputs and residuals of both signs, against autograd (rtol 1e-6).
    """
    return check_code(fn, _linear_batch_cases(), ("dJ_dw", "dJ_db"), what="your batch backward pass")
