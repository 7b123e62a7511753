"""Exercises of notebook 02 (autograd basics): gradient accumulation, a new chain, a fork.

Each ``check_…(answer)`` returns a ``Feedback``: ✓, or a hint aimed at the usual mistake — never the answer. A typed
answer is checked to three significant digits (``feedback.DIGITS``); these answers are whole numbers, and a whole
number typed in full is exact.

The letters are notebook 02's: u and v for the intermediate results (y and z are the BCE neuron's target and
pre-activation there). None of the answers can be read off its ``AutogradExplorer``: its expressions are 2u + u²
with u = x², x² and sin(x²), none of which is an exercise's function (x³; u² + u with u = 3x − 1; a·a + a), and
exercise 3's a = 3 lies outside its x slider's range (``tests`` check both).
"""

from backprop_helpers.exercises.feedback import check_number

__all__ = ["check_accumulated_grad", "check_chain_grad", "check_fork_grad"]

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
    name, expected, mistakes, advice = _catalogue()[exercise]
    if advice is None:
        return check_number(answer, expected, name=name, mistakes=mistakes)  # recheck each chain-rule factor
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
