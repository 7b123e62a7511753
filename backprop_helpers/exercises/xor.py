"""Exercises of notebook 05 (XOR): a gradient's shape, db2 on a tiny batch, and a hidden layer that makes
XOR linear.

Each ``check_…`` takes the learner's answer and returns a ``Feedback``: ✓, or a hint that names the likely
mistake (a transposed shape, the batch dimension kept, σ′ or the 1/N forgotten, a hidden unit tabulated
wrong…) without giving the answer. Expected values are computed here from the problem data, never
typed in. A number is right at three significant digits (``feedback.DIGITS``), or correctly rounded to more.

None of the answers can be read off notebook 05's ``XORExplorer``: it trains 2 → H → 1 networks on the four
XOR points from random initial weights (an RNG seed) and shows predictions, the loss and the plane, never a
weight, a gradient or a shape. Exercise 2's batch has three samples with given predictions, not the four XOR
points; exercise 3's hidden layer (W1 of ones, b1 = (0, −1)) is not a weight the explorer can set.
"""

import math

import torch

from backprop_helpers.data import xor_data
from backprop_helpers.exercises.feedback import Feedback, as_number, check_number, check_shape
from backprop_helpers.losses import mse_grad
from backprop_helpers.mlp import init_mlp

__all__ = [
    "SHAPE_PROBLEM",
    "DB2_PROBLEM",
    "RELU_XOR_PROBLEM",
    "check_dW1_shape",
    "check_db2",
    "check_xor_output_weight",
]

# Exercise 1: a 2 → 3 → 1 network (nn.Linear convention) on a batch of 4 samples: what shape has dW1?
SHAPE_PROBLEM = {"n_samples": 4, "n_in": 2, "n_hidden": 3, "n_out": 1}
# Exercise 2: the output layer on a batch of three samples, MSE (mean over the batch): ∂L/∂b2 from ŷ and y.
DB2_PROBLEM = {"y_hat": (0.8, 0.3, 0.6), "y": (1.0, 0.0, 1.0)}
# Exercise 3: two ReLU hidden units with outputs (a₁, a₂) = relu(W1 x + b1) (over the four points, the columns
# of A1), both on x₁ + x₂, then a linear output ŷ = a₁ + c·a₂: which c gives XOR at all four points?
RELU_XOR_PROBLEM = {"W1": ((1.0, 1.0), (1.0, 1.0)), "b1": (0.0, -1.0)}


def check_dW1_shape(answer):
    """Exercise 1: the shape of dW1 = ∂L/∂W1 for ``SHAPE_PROBLEM`` (a tuple such as ``(5, 7)``).

    The gradient of a parameter has the parameter's shape; W1 follows ``nn.Linear(n_in, n_hidden).weight``.
    """
    p = SHAPE_PROBLEM
    n, d, h, o = p["n_samples"], p["n_in"], p["n_hidden"], p["n_out"]  # h: the number of hidden units
    params = init_mlp(d, h, o, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    mistakes = {
        (d, h): "that is W1 transposed. nn.Linear stores weight as (out_features, in_features): "
        "one row per hidden unit.",
        (n, h): "that is the shape of Z1 and A1 (one row per sample). dW1 = dZ1ᵀX sums over the samples, "
        "so the batch size does not appear in it.",
        (n, d): "that is the shape of the input X. dW1 belongs to the weights, not to the data.",
        (h,): "that is the shape of b1 and db1 (one number per hidden unit). W1 has a second dimension.",
        (o, h): "that is W2 and dW2, the output layer. W1 connects the inputs to the hidden units.",
        (n, h, d): "close: that is one gradient per sample. The loss is a mean over the batch, so the "
        "per-sample gradients are summed into one, of W1's shape.",
    }
    return check_shape(
        answer,
        tuple(params["W1"].shape),  # (h, d), computed, not typed
        name="the shape of dW1",
        mistakes=mistakes,
        right="a gradient always has its parameter's shape.",
        advice="A gradient has the shape of its parameter: what shape is W1?",
    )


_DB2_ADVICE = (
    "Work row by row: each sample's chain-rule factors are ∂L/∂ŷ and σ′ = ŷ(1 − ŷ); recheck each, then add "
    "the rows up, since b2 is shared by every sample."
)


def _db2_catalogue():
    """Exercise 2's expected ∂L/∂b2 and the values that common mistakes give, each with its hint."""
    y_hat = torch.tensor(DB2_PROBLEM["y_hat"], dtype=torch.float64).reshape(-1, 1)  # (N, 1)
    y = torch.tensor(DB2_PROBLEM["y"], dtype=torch.float64).reshape(-1, 1)
    n = y.numel()
    residual = y_hat - y
    slope = y_hat * (1 - y_hat)  # σ′(Z2) written with ŷ = σ(Z2)
    dZ2 = mse_grad(y_hat, y) * slope  # (N, 1): 2(ŷ − y)/N ⊙ σ′(Z2)
    expected = dZ2.sum().item()  # b2 is added to every row: its gradients add up
    mistakes = [
        (
            (2 * residual / n).sum().item(),
            "σ′(Z2) = ŷ(1 − ŷ) is missing: ŷ = σ(Z2), so ∂ŷ/∂Z2 is a factor too.",
        ),
        ((2 * residual * slope).sum().item(), "nn.MSELoss is a mean: each sample's term carries a 1/N."),
        ((residual * slope / n).sum().item(), "the factor 2 of d(ŷ − y)²/dŷ = 2(ŷ − y) is missing."),
        (
            dZ2.mean().item(),
            "b2 is added to every sample, so its gradients add up over the batch (a sum); the 1/N of the "
            "mean is already inside dZ2.",
        ),
        (dZ2[0, 0].item(), "that is the first sample's share: add up every sample's dZ2."),
    ]
    return expected, mistakes


def check_db2(answer):
    """Exercise 2: ∂L/∂b2 for L = mean((ŷ − y)²), ŷ = σ(Z2), at ``DB2_PROBLEM`` (one number)."""
    expected, mistakes = _db2_catalogue()
    return check_number(answer, expected, name="∂L/∂b2", mistakes=mistakes, advice=_DB2_ADVICE)


def _relu_hidden_layer():
    """The hidden layer of ``RELU_XOR_PROBLEM`` on the four XOR points: A1 (4, 2) and the targets y (4,)."""
    X, y = xor_data(torch.float64)
    W1 = torch.tensor(RELU_XOR_PROBLEM["W1"], dtype=torch.float64)  # (2, 2), nn.Linear convention
    b1 = torch.tensor(RELU_XOR_PROBLEM["b1"], dtype=torch.float64)  # (2,)
    A1 = torch.relu(X @ W1.T + b1)  # (4, 2) @ (2, 2) -> (4, 2): columns a₁, a₂
    return A1, y.flatten()


_OUTPUT_WEIGHT_ADVICE = (
    "c is not a chain-rule product but the solution of a small linear system: tabulate a₁ and a₂ at the four "
    "points, then solve a₁ + c·a₂ = y at the points where a₂ is not 0."
)
_POSITIVE_OUTPUT_WEIGHT_HINT = (
    "a positive c adds to a₁ where the second unit is on, at (1, 1), and the target there is 0: the second "
    "unit must pull the output down."
)


def _output_weight_catalogue():
    """Exercise 3's expected c and the values that common mistakes give, each with its hint (a positive c,
    a whole family of mistakes, is caught before these: ``_POSITIVE_OUTPUT_WEIGHT_HINT``)."""
    A1, y = _relu_hidden_layer()
    a1, a2 = A1[:, 0], A1[:, 1]
    expected = (a2 @ (y - a1) / (a2 @ a2)).item()  # least squares for the one unknown c
    if not torch.allclose(a1 + expected * a2, y, rtol=0, atol=1e-12):
        raise AssertionError("RELU_XOR_PROBLEM has no output weight that reproduces XOR exactly")
    k = int(torch.argmax(a2))  # the point where the second unit is on
    mistakes = [
        (
            (y[k] - 1) / a2[k],  # as if a₁ were 1 there, like an OR unit
            "that would be right if a₁ were 1 at (1, 1). But a₁ = relu(x₁ + x₂) adds both inputs: "
            "tabulate a₁ and a₂ at the four points first.",
        ),
        (
            0.0,
            "with c = 0 the output is a₁ alone, which equals XOR at three points but not at (1, 1). "
            "The second unit, on only at (1, 1), is there to cancel that excess.",
        ),
        (
            a2[k] / (y[k] - a1[k]),  # c = (y − a₁)/a₂ inverted
            "the ratio is upside down: solve a₁ + c·a₂ = y for c at (1, 1).",
        ),
    ]
    return expected, [(float(value), hint) for value, hint in mistakes]


def check_xor_output_weight(answer):
    """Exercise 3: the output weight c that makes ŷ = a₁ + c·a₂ equal XOR at all four points, for the ReLU
    hidden layer of ``RELU_XOR_PROBLEM`` (one number).

    Only the points where a₂ ≠ 0 constrain c; the expected value solves y − a₁ = c·a₂ there by least
    squares, and is checked to fit all four points exactly.
    """
    expected, mistakes = _output_weight_catalogue()
    value = as_number(answer)
    if value is not None and 0 < value < math.inf:  # every positive c errs the same way
        return Feedback(False, f"✗ the output weight c: {_POSITIVE_OUTPUT_WEIGHT_HINT}")
    return check_number(
        answer, expected, name="the output weight c", mistakes=mistakes, advice=_OUTPUT_WEIGHT_ADVICE
    )
