"""Exercises of notebook 02 (autograd basics): gradient accumulation, a new chain, a fork; and ∂L/∂ŷ of the mean
BCE, written by the learner.

Each ``check_…(answer)`` returns a ``Feedback``: ✓, or a hint aimed at the usual mistake — never the answer. A typed
answer is checked to three significant digits (``feedback.DIGITS``); these answers are whole numbers, and a whole
number typed in full is exact. ``check_bce_grad(fn)`` runs the learner's function on generated float64 batches
and compares it with autograd through ``losses.bce`` (``code_check``).

The letters are notebook 02's: u and v for the intermediate results (y and z are the BCE neuron's target and
pre-activation there). None of the answers can be read off its ``AutogradExplorer``: its expressions are 2u + u²
with u = x², x² and sin(x²), none of which is an exercise's function (x³; u² + u with u = 3x − 1; a·a + a), and
exercise 3's a = 3 lies outside its x slider's range (``tests`` check both).
"""

import torch

from backprop_helpers.exercises.code_check import Case, check_code
from backprop_helpers.exercises.feedback import check_number
from backprop_helpers.losses import bce

__all__ = ["check_accumulated_grad", "check_chain_grad", "check_fork_grad", "check_bce_grad"]

ACCUMULATION_ADVICE = (
    "Each backward() adds du/dx at x = 2 to x.grad and nothing resets it in between: find du/dx for u = x³, "
    "then count the calls."
)
FORK_ADVICE = (
    "List every path from a to c, multiply the local gradients along each path, and add the paths: inside one "
    "backward() the engine sums them before a.grad is filled."
)


def _accumulated():
    """Exercise 1: (expected, mistakes) for x.grad after three backward() calls of u = x³ at x = 2."""
    x = 2.0
    du_dx = 3 * x**2  # what each call adds
    return 3 * du_dx, [
        (du_dx, "that is what one backward() call adds. Nothing reset x.grad between the calls."),
        (2 * du_dx, "that is two calls' worth: count every backward(), the first one too."),
        (x**3, "that is the value of u, not its derivative."),
        (0.0, "x.grad is only reset by zero_(); backward() never clears it."),
    ]


def _chain():
    """Exercise 2: (expected, mistakes) for dv/dx of v = u² + u, u = 3x − 1, at x = 1."""
    x = 1.0
    u = 3 * x - 1
    dv_du = 2 * u + 1
    du_dx = 3.0
    return dv_du * du_dx, [
        (dv_du, "that is dv/du alone: multiply by the local gradient du/dx of the inner step."),
        (du_dx, "that is du/dx alone: multiply by dv/du, evaluated at u."),
        (dv_du + du_dx, "the chain rule multiplies the two factors; it does not add them."),
        ((2 * x + 1) * du_dx, "dv/du must be evaluated at u (the inner value), not at x."),
        (u**2 + u, "that is the value of v, not its derivative."),
    ]


def _fork():
    """Exercise 3: (expected, mistakes) for ∂c/∂a of c = a·a + a at a = 3."""
    a = 3.0
    # three paths from a to c: two through the product (local gradient a each), one through the sum (1)
    return a + a + 1, [
        (a + a, "the product's two paths are there; the path through '+ a' adds its gradient too."),
        (a + 1, "a·a uses a twice: both paths through the product count, and they add."),
        (a, "a appears three times in c: every path from a to c adds its own gradient."),
        (1.0, "that is only the '+ a' path; the two paths through a·a add to it."),
        (a * a + a, "that is the value of c, not its derivative."),
    ]


def _catalogue():
    """check name → (what it asks for, expected, mistakes, advice): what each check uses; the tests read it.
    dv/dx is a chain-rule product (the default advice, None); accumulation and the fork get their own."""
    return {
        "check_accumulated_grad": (
            "x.grad after three backward() calls",
            *_accumulated(),
            ACCUMULATION_ADVICE,
        ),
        "check_chain_grad": ("dv/dx", *_chain(), None),
        "check_fork_grad": ("∂c/∂a", *_fork(), FORK_ADVICE),
    }


def _check(exercise, answer):
    name, expected, mistakes, advice = _catalogue()[exercise]  # advice None: a chain-rule product
    return check_number(answer, expected, name=name, mistakes=mistakes, advice=advice)


def check_accumulated_grad(answer):
    """Exercise 1: u = x³ is built and backpropagated three times from the leaf x = 2, never zeroed. x.grad?"""
    return _check("check_accumulated_grad", answer)


def check_chain_grad(answer):
    """Exercise 2: v = u² + u with u = 3x − 1, at x = 1. dv/dx?"""
    return _check("check_chain_grad", answer)


def check_fork_grad(answer):
    """Exercise 3: c = a·a + a at a = 3 (a is used three times). ∂c/∂a?"""
    return _check("check_fork_grad", answer)


# -- the gradient the learner writes: ∂L/∂ŷ for L = mean BCE over all elements, as losses.bce_grad --------------

# ŷ = σ(z) for z in the middle or in a tail. σ(±13) keeps ŷ at least 2.2e-6 from 0 and 1, far inside bce's clamp
# [eps, 1 − eps] (eps = bce_eps(float64) = 2.2e-16): the clamp never acts, so the learner need not write one, and a
# clamp of their own with eps up to 1e-6 (the source notebook's 1e-8, say) changes nothing (tests check both).
_MIDDLE, _NEAR_0, _NEAR_1 = (-3.0, 3.0), (-13.0, -7.0), (7.0, 13.0)

# (what, shape, z range, soft targets?); hard targets alternate 1, 0, 1, … so a batch of several has both labels
_BCE_CASES = (("a batch of one", (1,), _MIDDLE, False), ("a batch of 5", (5,), _MIDDLE, False),
              ("a 2-D batch", (2, 3), _MIDDLE, False), ("ŷ near 0 (σ's left tail)", (4,), _NEAR_0, False),
              ("ŷ near 1 (σ's right tail)", (4,), _NEAR_1, False),
              ("soft targets (y anywhere in (0, 1))", (4,), _MIDDLE, True))  # fmt: skip


def _uniform(shape, low, high, generator):
    return low + (high - low) * torch.rand(shape, generator=generator, dtype=torch.float64)


def _bce_case(what, shape, z_range, soft, generator):
    y_hat = torch.sigmoid(_uniform(shape, *z_range, generator))
    n, rows = y_hat.numel(), len(y_hat)
    hard = 1 - torch.arange(n, dtype=torch.float64).remainder(2).reshape(shape)  # 1, 0, 1, …
    y = _uniform(shape, 0.05, 0.95, generator) if soft else hard
    leaf = y_hat.clone().requires_grad_(True)
    (dL_dyhat,) = torch.autograd.grad(bce(leaf, y), leaf)  # the reference: autograd, float64
    unaveraged = (y_hat - y) / (y_hat * (1 - y_hat))  # each element's own BCE term, differentiated
    mistakes = [
        (unaveraged, "the sum, not the mean: L averages over all n elements of ŷ, so each gradient carries 1/n"),
        (unaveraged / rows, "divided by the number of rows, len(ŷ); the mean is over all n = ŷ.numel() elements"),
        (-dL_dyhat, "the sign is flipped: L = −[y log ŷ + (1 − y) log(1 − ŷ)] has a minus in front"),
        ((-y / y_hat - (1 - y) / (1 - y_hat)) / n,
         "d log(1 − ŷ)/dŷ is −1/(1 − ŷ): the chain rule's inner factor d(1 − ŷ)/dŷ = −1 is missing"),
        (2 * (y_hat - y) / n, "that is the MSE gradient 2(ŷ − y)/n: this L is the binary cross-entropy"),
        ((y_hat - y) / n, "(ŷ − y)/n is ∂L/∂z, at the logit z, with ∂ŷ/∂z = ŷ(1 − ŷ) already multiplied in "
                          "(section 6): ∂L/∂ŷ is the factor before it"),
    ]  # fmt: skip
    label = f"{what}, shape {tuple(shape)}"
    return Case(label, (y_hat, y), {"dL_dyhat": dL_dyhat}, {"dL_dyhat": mistakes})


def _bce_cases():
    generator = torch.Generator().manual_seed(2)
    return [_bce_case(*spec, generator) for spec in _BCE_CASES]


def check_bce_grad(fn):
    """Judge the learner's ``fn(y_hat, y) -> dL_dyhat`` for L = −(1/n) Σᵢ [yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)].

    The mean runs over all n elements, as in ``losses.bce_grad``. ``y_hat`` and ``y`` are float64 tensors of one
    shape, (m,) or (m, k); the result has that shape and may be a tensor, an array or a (nested) list. Six cases:
    a batch of one, of 5, a 2-D batch (2, 3), ŷ in either tail of σ, soft targets; against autograd (rtol 1e-6).
    """
    return check_code(fn, _bce_cases(), ("dL_dyhat",), what="your BCE gradient")
