"""Exercises of notebook 03 (the chain rule through a sigmoid, gate by gate), at a new input.

The circuit is the source notebook's, z = w₀x₀ + w₁x₁ + b, k = e^{−z}, h = 1 + k, f = 1/h, with the same w and b
but the input x = (−3.25, 2), so that z = −2.125. Each ``check_…(answer)`` returns a ``Feedback``: ✓, or a hint
aimed at the usual mistake (a local gradient where the upstream one belongs, a lost minus sign) — never the
answer. A typed answer needs three significant digits (``feedback.DIGITS``).

Why this input: the answers must not be readable off notebook 03's ``CircuitExplorer``. Its sliders move in
steps of 0.1, so x₀ = −3.25 is off their grid, and every z they reach lies on a 0.01 grid, which z = −2.125 is
not. ∂f/∂k and ∂f/∂z depend on z alone (∂f/∂x₁ on z and w₁): at the grid z either side the 4-decimal read-out
steps over the answers' three significant digits, so no slider setting shows them (``tests`` check every
reachable z). The answers also sit far from a rounding tie at three digits.
"""

import math

from backprop_helpers.exercises.feedback import check_number

__all__ = ["EXERCISE_X", "EXERCISE_W", "EXERCISE_B", "check_upstream_at_k", "check_df_dx1", "check_df_dz"]

EXERCISE_X = (-3.25, 2.0)
EXERCISE_W = (0.5, -0.3)
EXERCISE_B = 0.1


def _gates(x=EXERCISE_X, w=EXERCISE_W, b=EXERCISE_B):
    """The gates at an input (the exercise's by default), in float64, written out: the answers must not depend
    on the package they are meant to check."""
    (x0, x1), (w0, w1) = x, w
    z = w0 * x0 + w1 * x1 + b  # 0.5·(−3.25) − 0.3·2 + 0.1 = −2.125
    k = math.exp(-z)
    h = 1 + k
    f = 1 / h
    df_dh = -1 / h**2
    dh_dk, dk_dz = 1.0, -k  # local gradients
    df_dk = df_dh * dh_dk  # upstream × local
    df_dz = df_dk * dk_dz
    return {"z": z, "k": k, "h": h, "f": f, "df_dh": df_dh, "dh_dk": dh_dk, "dk_dz": dk_dz, "df_dk": df_dk,
            "df_dz": df_dz, "x1": x1, "w1": w1}  # fmt: skip


def _upstream_at_k(g):
    """Exercise 1: (expected, mistakes) for ∂f/∂k."""
    return g["df_dk"], [
        (g["dh_dk"], "that is the local gradient ∂h/∂k of the '+ 1' gate (the source notebook's mistake): "
                     "multiply it by the upstream gradient ∂f/∂h that arrives at h."),
        (g["dk_dz"], "that is ∂k/∂z, the local gradient of the exp gate, which sits behind k. You want what "
                     "arrives at k from f: ∂f/∂h · ∂h/∂k."),
        (-1 / g["h"], "∂(1/h)/∂h is −1/h², not −1/h: square h."),
        (g["df_dz"], "that is ∂f/∂z, one gate further back: ∂f/∂k stops before the exp gate's factor "
                     "∂k/∂z = −k."),
        (g["f"], "that is the value f, the forward pass; the question asks for a gradient."),
        (g["k"], "that is the value k, the forward pass; the question asks for a gradient."),
    ]  # fmt: skip


def _df_dx1(g):
    """Exercise 2: (expected, mistakes) for ∂f/∂x₁."""
    return g["df_dz"] * g["w1"], [
        (g["df_dz"] * g["x1"], "that is ∂f/∂w₁: the local gradient of z = w₀x₀ + w₁x₁ + b with respect to "
                               "x₁ is w₁, not x₁."),
        (g["df_dz"], "that is ∂f/∂z, the upstream gradient at z: multiply by the local gradient ∂z/∂x₁."),
        (g["w1"], "that is the local gradient ∂z/∂x₁ alone: multiply by the upstream gradient ∂f/∂z."),
        (g["dk_dz"] * g["w1"], "you used the local gradient ∂k/∂z where the upstream gradient ∂f/∂z belongs "
                               "(the source notebook's mistake): ∂f/∂z = ∂f/∂k · ∂k/∂z."),
        (0.25 * g["w1"], "0.25 is σ′ at the source notebook's input, where z = 0; here z is different. "
                         "Recompute the gates at the exercise's x."),
    ]  # fmt: skip


def _df_dz(g):
    """Exercise 3: (expected, mistakes) for ∂f/∂z."""
    f = g["f"]
    return g["df_dz"], [
        (g["dk_dz"], "that is ∂k/∂z, the local gradient of the exp gate alone: multiply by the upstream "
                     "gradient ∂f/∂k."),
        (f, "that is σ(z), the forward value; its derivative is σ(z)·(1 − σ(z))."),
        (1 - f, "that is 1 − σ(z) alone (or k/h: the square of h is missing); σ′ = σ(z)·(1 − σ(z)) has "
                "both factors."),
        (f * (1 + f), "σ′ = σ(z)·(1 − σ(z)): the second factor is 1 minus σ, not 1 plus σ."),
        (0.25, "0.25 is σ′ at the source notebook's input, where z = 0; here z is different. Recompute σ(z) "
               "first."),
    ]  # fmt: skip


def _catalogue():
    """check name → (what it asks for, expected, mistakes, advice): what each check uses; the tests read it.
    All three are chain-rule products, so the advice is the default (None)."""
    g = _gates()
    return {
        "check_upstream_at_k": ("∂f/∂k", *_upstream_at_k(g), None),
        "check_df_dx1": ("∂f/∂x₁", *_df_dx1(g), None),
        "check_df_dz": ("∂f/∂z", *_df_dz(g), None),
    }


def _check(exercise, answer):
    name, expected, mistakes, _ = _catalogue()[exercise]
    return check_number(answer, expected, name=name, mistakes=mistakes)  # default advice: recheck each factor


def check_upstream_at_k(answer):
    """Exercise 1: the upstream gradient at k, ∂f/∂k, for x = ``EXERCISE_X``, w = (0.5, −0.3), b = 0.1."""
    return _check("check_upstream_at_k", answer)


def check_df_dx1(answer):
    """Exercise 2: ∂f/∂x₁ at the same input."""
    return _check("check_df_dx1", answer)


def check_df_dz(answer):
    """Exercise 3: ∂f/∂z at the same input, through the gates or as σ′(z) = σ(z)(1 − σ(z))."""
    return _check("check_df_dz", answer)
