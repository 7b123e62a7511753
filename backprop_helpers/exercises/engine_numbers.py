"""Number exercises of notebook 06 (inside autograd): a fork through two ops, and a reflected op.

Each ``check_…(answer)`` returns a ``Feedback``: ✓, or a hint aimed at the usual mistake (a path of the fork
left out, a local gradient of the wrong op, the minus of 1/x lost) — never the answer. A typed answer needs three
significant digits (``feedback.DIGITS``). Expected values are computed here from the problem data with ``math``,
never typed in, and never with the engine they are meant to check.

Exercise 1: f = a·b + tanh(a) at a = 0.5, b = −2, where a is used twice (a fork): ∂f/∂a.
Exercise 2: g = log(x) − 1/x at x = 3, where 1/x is the reflected division ``1 / v`` (``__rtruediv__``): dg/dx
(g, not q: q names a node of the explorer's fork in the notebook).
Neither expression is one the notebook's ``EngineExplorer`` offers, so its read-out cannot show the answers.
(The code exercise of notebook 06, ``check_value_class``, lives in ``exercises.inside_autograd``.)
"""

import math

from backprop_helpers.exercises.feedback import check_number

__all__ = ["FORK_PROBLEM", "REFLECTED_PROBLEM", "check_fork_tanh_grad", "check_reflected_div_grad"]

FORK_PROBLEM = {"a": 0.5, "b": -2.0}  # f = a·b + tanh(a)
REFLECTED_PROBLEM = {"x": 3.0}  # g = log(x) − 1/x

FORK_ADVICE = (
    "a reaches f along two paths, through a·b and through tanh(a): multiply the local gradients along each "
    "path and add the paths, as backward() does with +=."
)
REFLECTED_ADVICE = (
    "g is a subtraction of two ops: d(log x)/dx, minus the local gradient of 1/x. Write each op's local "
    "gradient first, then combine them."
)


def _fork():
    """Exercise 1: (expected, mistakes) for ∂f/∂a of f = a·b + tanh(a)."""
    a, b = FORK_PROBLEM["a"], FORK_PROBLEM["b"]
    tanh_slope = 1 - math.tanh(a) ** 2  # d tanh(a)/da, written through the op's output
    return b + tanh_slope, [
        (b, "that is only the path through a·b; the path through tanh(a) adds its gradient too (+=, not =)."),
        (tanh_slope, "that is only the path through tanh(a); the path through a·b adds b."),
        (b + math.tanh(a), "tanh's local gradient is 1 − tanh²(a), not tanh(a)."),
        (b + 1 - a**2, "tanh's local gradient is 1 − tanh²(a): square tanh(a), not a."),
        (a * b + math.tanh(a), "that is the value of f, not its derivative."),
    ]


def _reflected():
    """Exercise 2: (expected, mistakes) for dg/dx of g = log(x) − 1/x."""
    x = REFLECTED_PROBLEM["x"]
    d_log, d_reciprocal = 1 / x, -1 / x**2  # local gradients of log x and of 1/x = x⁻¹
    return d_log - d_reciprocal, [
        (
            d_log + d_reciprocal,
            "1/x has the local gradient −1/x², and g subtracts it: the two minus signs cancel.",
        ),
        (d_log, "1/x depends on x too: the reflected division 1 / v has a local gradient, −1/x²."),
        (d_log + 1 / x, "the local gradient of 1/x is −1/x² (power rule with exponent −1), not 1/x."),
        (math.log(x) - 1 / x, "that is the value of g, not its derivative."),
    ]


def _catalogue():
    """check name → (what it asks for, expected, mistakes, advice): what each check uses; the tests read it."""
    return {
        "check_fork_tanh_grad": ("∂f/∂a", *_fork(), FORK_ADVICE),
        "check_reflected_div_grad": ("dg/dx", *_reflected(), REFLECTED_ADVICE),
    }


def _check(exercise, answer):
    name, expected, mistakes, advice = _catalogue()[exercise]
    return check_number(answer, expected, name=name, mistakes=mistakes, advice=advice)


def check_fork_tanh_grad(answer):
    """Exercise 1: f = a·b + tanh(a) at ``FORK_PROBLEM`` (a = 0.5, b = −2). ∂f/∂a?"""
    return _check("check_fork_tanh_grad", answer)


def check_reflected_div_grad(answer):
    """Exercise 2: g = log(x) − 1/x at ``REFLECTED_PROBLEM`` (x = 3). dg/dx?"""
    return _check("check_reflected_div_grad", answer)
