"""Exercises of notebook 02 (autograd basics): gradient accumulation, a new chain, a fork.

Each ``check_…(answer)`` returns a ``Feedback``: ✓, or a hint aimed at the usual mistake — never the answer.
"""

from backprop_helpers.exercises.feedback import check_number

__all__ = ["check_accumulated_grad", "check_chain_grad", "check_fork_grad"]


def check_accumulated_grad(answer):
    """Exercise 1: y = x³ is built and backpropagated three times from the leaf x = 2, never zeroed. x.grad?"""
    # each call adds dy/dx = 3x² at x = 2
    return check_number(
        answer,
        3 * (3 * 2.0**2),
        name="x.grad after three backward() calls",
        mistakes=[
            (3 * 2.0**2, "that is what one backward() call adds. Nothing reset x.grad between the calls."),
            (2 * 3 * 2.0**2, "that is two calls' worth: count every backward(), the first one too."),
            (2.0**3, "that is the value of y, not its derivative."),
            (0.0, "x.grad is only reset by zero_(); backward() never clears it."),
        ],
    )


def check_chain_grad(answer):
    """Exercise 2: z = y² + y with y = 3x − 1, at x = 1. dz/dx?"""
    x = 1.0
    y = 3 * x - 1
    dz_dy = 2 * y + 1
    dy_dx = 3.0
    return check_number(
        answer,
        dz_dy * dy_dx,
        name="dz/dx",
        mistakes=[
            (dz_dy, "that is dz/dy alone: multiply by the local gradient dy/dx of the inner step."),
            (dy_dx, "that is dy/dx alone: multiply by dz/dy, evaluated at y."),
            (dz_dy + dy_dx, "the chain rule multiplies the two factors; it does not add them."),
            ((2 * x + 1) * dy_dx, "dz/dy must be evaluated at y (the inner value), not at x."),
            (y**2 + y, "that is the value of z, not its derivative."),
        ],
    )


def check_fork_grad(answer):
    """Exercise 3: b = a·a + a at a = 3 (a is used three times). ∂b/∂a?"""
    a = 3.0
    # three paths from a to b: two through the product (local gradient a each), one through the sum (1)
    return check_number(
        answer,
        a + a + 1,
        name="∂b/∂a",
        mistakes=[
            (a + a, "the product's two paths are there; the path through '+ a' adds its gradient too."),
            (a + 1, "a·a uses a twice: both paths through the product count, and they add."),
            (a, "a appears three times in b: every path from a to b adds its own gradient."),
            (1.0, "that is only the '+ a' path; the two paths through a·a add to it."),
            (a * a + a, "that is the value of b, not its derivative."),
        ],
    )
