"""Activation functions and their derivatives, each ``_grad`` twin beside its forward function.

Derived in notebook 01 (§ "The sigmoid and its slope") and notebook 03 (§ "σ′ = σ(1 − σ)").
"""

import torch

from backprop_helpers._inputs import as_float_tensor, check_probabilities

__all__ = ["sigmoid", "sigmoid_grad", "sigmoid_grad_from_output", "tanh_grad", "relu_grad"]


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
    return _sigmoid_grad_from_output(_sigmoid(z))


def sigmoid_grad_from_output(y_hat):
    """dσ/dz = ŷ(1 − ŷ) at ŷ = σ(z), elementwise; same shape as y_hat.

    The same slope as ``sigmoid_grad``, written through the output: a backward pass that kept ŷ from its
    forward pass needs no z and no second exponential (as torch's sigmoid backward does). ``y_hat`` must be
    a sigmoid output, in [0, 1]: passing z instead is refused.
    """
    y_hat = as_float_tensor(y_hat, "y_hat")
    check_probabilities(y_hat, "y_hat", "(a sigmoid output σ(z), not z)")
    return _sigmoid_grad_from_output(y_hat)


def _sigmoid_grad_from_output(y_hat):
    return y_hat * (1 - y_hat)


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
