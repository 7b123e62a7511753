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

``check_circuit_backward(fn)`` judges a backward pass the learner writes, returning all six upstream gradients:
it runs ``fn`` on generated float64 samples (x of three lengths, z moderate, z large with f near 1, z negative with
k large), compares each gradient with autograd through the same gates and names what is wrong per gradient — a
local gradient given for the upstream one, −1/h for −1/h², a lost minus sign, the wrong input (``code_check``).
The learner hands in a function, not a number, so no explorer setting can give its answers away.
"""

import math

import torch

from backprop_helpers.exercises.code_check import Case, check_code
from backprop_helpers.exercises.feedback import check_number

__all__ = [
    "EXERCISE_X",
    "EXERCISE_W",
    "EXERCISE_B",
    "check_upstream_at_k",
    "check_df_dx1",
    "check_df_dz",
    "check_circuit_backward",
]

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


# -- the backward pass the learner writes ------------------------------------------------------------------

# (label, d, z the case aims at): one sample each, x and w of different lengths; z > −30 keeps k = e^{−z} and
# h² far from float64's overflow, and z ≈ 7 keeps h = 1 + k far enough from 1 that −1/h and −1/h² differ
_CIRCUIT_CASES = (("a sample with d = 2 and z ≈ 0.8", 2, 0.8),
                  ("a sample with d = 3 and z ≈ 7, where f is near 1", 3, 7.0),
                  ("a sample with d = 1 and z ≈ −6, where k = e^(−z) is large", 1, -6.0))  # fmt: skip
_CIRCUIT_NAMES = ("df_dh", "df_dk", "df_dz", "df_dw", "df_db", "df_dx")  # from the output back to the inputs

_NOT_SQUARED = "∂(1/h)/∂h is −1/h², not −1/h: square h"
_BUILT_ON_NOT_SQUARED = f"built on ∂f/∂h = −1/h: {_NOT_SQUARED}"
_BUILT_ON_LOCAL = "built on ∂f/∂z = −k, the exp gate's local gradient alone: fix ∂f/∂z first"


def _circuit_case(label, d, z_target, generator):
    x = torch.randn(d, generator=generator, dtype=torch.float64)
    w = torch.randn(d, generator=generator, dtype=torch.float64)
    b = torch.tensor(z_target, dtype=torch.float64) - (w * x).sum()  # puts z where the case wants it
    leaves = [v.clone().requires_grad_(True) for v in (w, b, x)]
    z = (leaves[0] * leaves[2]).sum() + leaves[1]
    k = torch.exp(-z)
    h = 1 + k
    # the reference: autograd, float64, through the same gates (an intermediate can be an input of grad)
    df_dh, df_dk, df_dz, df_dw, df_db, df_dx = torch.autograd.grad(1 / h, [h, k, z, *leaves])
    k, h = k.detach(), h.detach()
    slips = ((-k, _BUILT_ON_LOCAL), (k / h, _BUILT_ON_NOT_SQUARED))  # wrong ∂f/∂z's that w, b, x inherit
    mistakes = {
        "df_dh": [(-1 / h, _NOT_SQUARED)],
        "df_dk": [(torch.ones_like(k), "that is ∂h/∂k = 1, the local gradient of the '+ 1' gate (the source "
                                       "notebook's mistake): multiply it by the upstream gradient ∂f/∂h"),
                  (-1 / h, _BUILT_ON_NOT_SQUARED)],
        "df_dz": [(-k, "that is ∂k/∂z = −k, the exp gate's local gradient alone (the source notebook's "
                       "mistake): multiply it by the upstream gradient ∂f/∂k"),
                  (k * df_dk, "the minus sign of ∂k/∂z is lost: d(e^(−z))/dz = −e^(−z) = −k"),
                  (k / h, _BUILT_ON_NOT_SQUARED)],
        "df_dw": [(df_dz * w, "∂z/∂w is x, the input each weight multiplies, not w (that would be ∂z/∂x)"),
                  *((slip * x, hint) for slip, hint in slips)],
        "df_db": [(df_dz * x.sum(), "∂z/∂b is 1: b is added once, not multiplied by the inputs"), *slips],
        "df_dx": [(df_dz * x, "∂z/∂x is w, the weight each input is multiplied by, not x (that would be ∂z/∂w)"),
                  *((slip * w, hint) for slip, hint in slips)],
    }  # fmt: skip
    expected = dict(zip(_CIRCUIT_NAMES, (df_dh, df_dk, df_dz, df_dw, df_db, df_dx), strict=True))
    return Case(label, (x, w, b), expected, mistakes)


def _circuit_cases():
    generator = torch.Generator().manual_seed(3)
    return [_circuit_case(*spec, generator) for spec in _CIRCUIT_CASES]


def check_circuit_backward(fn):
    """Judge the learner's ``fn(x, w, b) -> dict`` of ``df_dh, df_dk, df_dz, df_dw, df_db, df_dx`` for the staged
    sigmoid z = w·x + b, k = e^{−z}, h = 1 + k, f = 1/h (notebook 03, sections 2–3).

    ``x`` and ``w`` have shape (d,), ``b`` is a 0-d float64 tensor; the values may be tensors, arrays, lists or
    numbers. Three cases, d = 2, 3 and 1, at z ≈ 0.8, 7 (f near 1) and −6 (k large), against autograd
    (rtol 1e-6). The gradients are judged in backward order, so the first ✗ is the one to fix first.
    """
    return check_code(fn, _circuit_cases(), _CIRCUIT_NAMES, what="your circuit backward pass")
