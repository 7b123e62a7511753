"""Activation functions and their derivatives, each ``_grad`` twin beside its forward function.

Derived in notebook 01 (§ "The sigmoid and its slope") and notebook 03 (§ "σ′ = σ(1 − σ)").
"""

import torch

from backprop_helpers._inputs import as_float_tensor

__all__ = ["sigmoid", "sigmoid_grad", "tanh_grad", "relu_grad"]


def sigmoid(z):
    """σ(z) = 1 / (1 + e^{−z}), elementwise; same shape as z.

    Written so that no intermediate overflows for any finite z: with e = e^{−|z|} ∈ (0, 1],
    σ(z) = 1/(1 + e) for z ≥ 0 and e/(1 + e) for z < 0. So σ(−1e4) is exactly 0 and σ(1e4) exactly 1,
    with no inf on the way. (The naive 1/(1 + e^{−z}) computes e^{1e4} = inf first.)

    Parameters
    ----------
    z : tensor, number or list
        Pre-activation, any shape.
    """
    return _sigmoid(as_float_tensor(z, "z"))


def _sigmoid(z):
    # the formula of sigmoid() without the input check, for callers that checked their inputs already
    nonnegative = z >= 0
    e = torch.exp(torch.where(nonnegative, -z, z))  # e^{−|z|}, with where so that d/dz is right at z = 0
    one_plus_e = 1 + e
    return torch.where(nonnegative, 1 / one_plus_e, e / one_plus_e)


def sigmoid_grad(z):
    """dσ/dz = σ(z)·(1 − σ(z)), elementwise; same shape as z."""
    return _sigmoid_grad(as_float_tensor(z, "z"))


def _sigmoid_grad(z):
    s = _sigmoid(z)
    return s * (1 - s)


def tanh_grad(z):
    """d tanh/dz = 1 − tanh(z)², elementwise; same shape as z."""
    return _tanh_grad(as_float_tensor(z, "z"))


def _tanh_grad(z):
    t = torch.tanh(z)
    return 1 - t * t


def relu_grad(z):
    """d relu/dz = 1 if z > 0 else 0, elementwise (0 at z = 0, as torch uses); same shape as z."""
    return _relu_grad(as_float_tensor(z, "z"))


def _relu_grad(z):
    return (z > 0).to(z.dtype)
