"""Exercises of notebook 03 (the chain rule through a sigmoid, gate by gate), at a new input.

The circuit is seed 003's, z = w₀x₀ + w₁x₁ + b, k = e^{−z}, h = 1 + k, f = 1/h, with the same w and b but the
input x = (−1, 2), so that z = −1. Each ``check_…(answer)`` returns a ``Feedback``: ✓, or a hint aimed at the
usual mistake (a local gradient where the upstream one belongs, a lost minus sign) — never the answer.
"""

import math

from backprop_helpers.exercises.feedback import check_number

__all__ = ["EXERCISE_X", "EXERCISE_W", "EXERCISE_B", "check_upstream_at_k", "check_df_dx1", "check_df_dz"]

EXERCISE_X = (-1.0, 2.0)
EXERCISE_W = (0.5, -0.3)
EXERCISE_B = 0.1


def _gates():
    """The gates at the exercise input, in float64 (written out: the answers must not depend on the package)."""
    (x0, x1), (w0, w1), b = EXERCISE_X, EXERCISE_W, EXERCISE_B
    z = w0 * x0 + w1 * x1 + b  # 0.5·(−1) − 0.3·2 + 0.1 = −1
    k = math.exp(-z)
    h = 1 + k
    f = 1 / h
    df_dh = -1 / h**2
    dh_dk, dk_dz = 1.0, -k  # local gradients
    df_dk = df_dh * dh_dk  # upstream × local
    df_dz = df_dk * dk_dz
    return {"z": z, "k": k, "h": h, "f": f, "df_dh": df_dh, "dh_dk": dh_dk, "dk_dz": dk_dz, "df_dk": df_dk,
            "df_dz": df_dz, "x1": x1, "w1": w1}  # fmt: skip


def check_upstream_at_k(answer):
    """Exercise 1: the upstream gradient at k, ∂f/∂k, for x = (−1, 2), w = (0.5, −0.3), b = 0.1."""
    g = _gates()
    return check_number(
        answer,
        g["df_dk"],
        name="∂f/∂k",
        mistakes=[
            (g["dh_dk"], "that is the local gradient ∂h/∂k of the '+ 1' gate (the seed's mistake): multiply it "
                         "by the upstream gradient ∂f/∂h that arrives at h."),
            (g["dk_dz"], "that is ∂k/∂z, the local gradient of the exp gate, which sits behind k. You want what "
                         "arrives at k from f: ∂f/∂h · ∂h/∂k."),
            (-1 / g["h"], "∂(1/h)/∂h is −1/h², not −1/h: square h."),
            (g["f"], "that is the value f, the forward pass; the question asks for a gradient."),
            (g["k"], "that is the value k, the forward pass; the question asks for a gradient."),
        ],
    )  # fmt: skip


def check_df_dx1(answer):
    """Exercise 2: ∂f/∂x₁ at the same input."""
    g = _gates()
    return check_number(
        answer,
        g["df_dz"] * g["w1"],
        name="∂f/∂x₁",
        mistakes=[
            (g["df_dz"] * g["x1"], "that is ∂f/∂w₁: the local gradient of z = w₀x₀ + w₁x₁ + b with respect to "
                                   "x₁ is w₁, not x₁."),
            (g["df_dz"], "that is ∂f/∂z, the upstream gradient at z: multiply by the local gradient ∂z/∂x₁."),
            (g["w1"], "that is the local gradient ∂z/∂x₁ alone: multiply by the upstream gradient ∂f/∂z."),
            (g["dk_dz"] * g["w1"], "you used the local gradient ∂k/∂z where the upstream gradient ∂f/∂z belongs "
                                   "(the seed's mistake): ∂f/∂z = ∂f/∂k · ∂k/∂z."),
            (0.25 * g["w1"], "0.25 is σ′ at the seed's input, where z = 0; here z is different. Recompute the "
                             "gates at x = (−1, 2)."),
        ],
    )  # fmt: skip


def check_df_dz(answer):
    """Exercise 3: ∂f/∂z at the same input, through the gates or as σ′(z) = σ(z)(1 − σ(z))."""
    g = _gates()
    f = g["f"]
    return check_number(
        answer,
        g["df_dz"],
        name="∂f/∂z",
        mistakes=[
            (g["dk_dz"], "that is ∂k/∂z, the local gradient of the exp gate alone: multiply by the upstream "
                         "gradient ∂f/∂k."),
            (f, "that is σ(z), the forward value; its derivative is σ(z)·(1 − σ(z))."),
            (1 - f, "that is 1 − σ(z) alone; σ′ = σ(z)·(1 − σ(z)) has both factors."),
            (f * (1 + f), "σ′ = σ(z)·(1 − σ(z)): the second factor is 1 minus σ, not 1 plus σ."),
            (0.25, "0.25 is σ′ at the seed's input, where z = 0; here z is different. Recompute σ(z) first."),
        ],
    )  # fmt: skip
