"""Loss functions and their gradients, mean over all elements like ``nn.MSELoss`` / ``nn.BCELoss``.

Derived in notebook 01 (§ "The loss", MSE), notebook 02 (§ "A neuron with binary cross-entropy") and
notebook 07 (§ 2 "Softmax and cross-entropy, by hand": softmax, cross_entropy, cross_entropy_grad, mean over the batch).
Each public function checks its inputs and calls a private elementwise kernel; ``neuron.py`` (one sample, no
mean) and ``mlp.py`` (a batch, inputs checked once) call the same kernels, so each formula is typed once.
"""

import torch

from backprop_helpers._inputs import (
    as_float_tensor,
    check_in_range,
    check_labels,
    check_probabilities,
    check_same_shape,
)

__all__ = ["mse", "mse_grad", "bce", "bce_grad", "bce_eps", "softmax", "cross_entropy", "cross_entropy_grad"]


def _pair(y_hat, y):
    y_hat = as_float_tensor(y_hat, "y_hat")
    y = as_float_tensor(y, "y")
    check_same_shape(y_hat, y, "y_hat", "y")
    if y_hat.numel() == 0:
        raise ValueError("y_hat must have at least one element; got an empty tensor")
    return y_hat, y


def mse(y_hat, y):
    """L = (1/n) Σᵢ (ŷᵢ − yᵢ)², n = number of elements; a 0-d tensor.

    Parameters
    ----------
    y_hat, y : tensor, number or list, same shape
        Prediction and target. Shapes must match exactly (``nn.MSELoss`` only warns when they broadcast).
    """
    y_hat, y = _pair(y_hat, y)
    return _squared_error(y_hat, y).mean()


def mse_grad(y_hat, y):
    """∂L/∂ŷ = 2(ŷ − y)/n for L = mse(ŷ, y); same shape as y_hat."""
    y_hat, y = _pair(y_hat, y)
    return _squared_error_grad(y_hat, y, y_hat.numel())


def _squared_error(y_hat, y):
    # (ŷ − y)², elementwise: the terms of mse, unchecked
    return (y_hat - y) ** 2


def _squared_error_grad(y_hat, y, n=1):
    # 2(ŷ − y)/n, elementwise: ∂/∂ŷ of the squared errors summed and divided by n (n = 1: one sample)
    return 2 * (y_hat - y) / n


def bce_eps(dtype):
    """The clamp used by ``bce``: machine epsilon of the dtype (float32: 1.19e-7, float64: 2.22e-16).

    The source notebook's eps = 1e-8 does nothing in float32, because 1 − 1e-8 rounds to exactly 1, so log(1 − ŷ)
    is still log(0) = −inf at ŷ = 1. In float32, 1 − eps rounds back to 1 for any eps up to 2⁻²⁵ ≈ 3e-8;
    machine epsilon (2⁻²³ in float32, 2⁻⁵² in float64) is safely above that, and 1 − eps is exact.
    """
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating torch.dtype such as torch.float32; got {dtype!r}")
    return torch.finfo(dtype).eps


def _bce_pair(y_hat, y, eps):
    y_hat, y = _pair(y_hat, y)
    check_probabilities(y_hat, "y_hat", "for binary cross-entropy")
    check_probabilities(y, "y", "for binary cross-entropy")
    if eps is not None:
        eps = check_in_range(eps, "eps", 0, 0.5, inclusive=False)
    return y_hat, y, eps


def bce(y_hat, y, eps=None):
    """L = −(1/n) Σᵢ [yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)], with ŷ clamped to [eps, 1 − eps]; a 0-d tensor.

    Parameters
    ----------
    y_hat : tensor, number or list
        Predicted probabilities in [0, 1].
    y : tensor, number or list, same shape
        Targets in [0, 1].
    eps : float, optional
        Clamp; default ``bce_eps(y_hat.dtype)`` (machine epsilon), so ŷ ∈ {0, 1} gives a finite loss in
        float32 and float64 alike. ``nn.BCELoss`` instead clamps each log at −100.
    """
    y_hat, y, eps = _bce_pair(y_hat, y, eps)
    return _bce_terms(y_hat, y, eps=eps).mean()


def bce_grad(y_hat, y, eps=None):
    """∂L/∂ŷ = (ŷ − y) / (ŷ(1 − ŷ)·n) for L = bce(ŷ, y); same shape as y_hat.

    The formula is evaluated at ŷ clamped to [eps, 1 − eps], so it stays finite at ŷ ∈ {0, 1}. Where the clamp
    is active this is not the derivative of the clamped loss (which is 0 there, as autograd reports): it is
    the slope the loss has at the clamp's edge.
    """
    y_hat, y, eps = _bce_pair(y_hat, y, eps)
    return _bce_grad_terms(y_hat, y, y_hat.numel(), eps=eps)


def _clamp_probability(y_hat, eps):
    # ŷ clamped to [eps, 1 − eps], eps = machine epsilon of ŷ's dtype unless given (see bce_eps)
    if eps is None:
        eps = torch.finfo(y_hat.dtype).eps
    return y_hat.clamp(eps, 1 - eps)


def _bce_terms(y_hat, y, eps=None):
    # −[y log p + (1 − y) log(1 − p)] at p = clamped ŷ, elementwise: the terms of bce, unchecked
    p = _clamp_probability(y_hat, eps)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p))


def _bce_grad_terms(y_hat, y, n=1, eps=None):
    # (p − y) / (p(1 − p)·n) at p = clamped ŷ, elementwise: bce_grad unchecked (n = 1: one sample)
    p = _clamp_probability(y_hat, eps)
    return (p - y) / (p * (1 - p) * n)


def softmax(z):
    """pₙ,c = e^{zₙ,c − mₙ} / Σⱼ e^{zₙⱼ − mₙ}, mₙ = maxⱼ zₙⱼ, over the last axis (each row); same shape as z.

    Subtracting the row maximum changes nothing in exact arithmetic (e^{−mₙ} cancels) but keeps every
    exponent ≤ 0, so nothing overflows: the naive e^{z}/Σ e^{z} is inf/inf = nan at z = 1e4 in float32
    (e^{89} already overflows float32). The largest term is e^0 = 1, so the sum is never 0 either.

    Parameters
    ----------
    z : (C,) or (N, C) tensor or list
        Logits: one row of C class scores per sample.
    """
    z = as_float_tensor(z, "z")
    if z.dim() not in (1, 2) or z.shape[-1] == 0:
        raise ValueError(f"z must have shape (C,) or (N, C) with C >= 1 classes; got shape {tuple(z.shape)}")
    return _softmax(z)


def _softmax(z):
    # softmax() without the input check, for callers that checked their inputs already
    e = torch.exp(z - z.amax(dim=-1, keepdim=True))  # every exponent <= 0: no overflow
    return e / e.sum(dim=-1, keepdim=True)


def _log_softmax(z):
    # log pₙₖ = (zₙₖ − mₙ) − log Σⱼ e^{zₙⱼ − mₙ}: log-sum-exp, finite for any finite z (the sum is >= 1)
    shifted = z - z.amax(dim=-1, keepdim=True)
    return shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))


def _logits_labels(logits, labels):
    logits = as_float_tensor(logits, "logits")
    if logits.dim() != 2 or logits.shape[0] == 0 or logits.shape[1] == 0:
        raise ValueError(
            f"logits must have shape (N, C): one row of C >= 1 class scores per sample; got shape "
            f"{tuple(logits.shape)}"
        )
    labels = check_labels(labels, "labels", logits.shape[0], logits.shape[1])
    return logits, labels


def cross_entropy(logits, labels):
    """L = −(1/N) Σₙ log pₙ,yₙ = (1/N) Σₙ (log Σⱼ e^{zₙⱼ} − zₙ,yₙ), p = softmax(z); a 0-d tensor.

    Computed from the logits with log-sum-exp (``_log_softmax``), never as log(softmax(z)): at z = ±1e4
    softmax rounds to exactly 0 for the losing classes and the log of it is −inf, while log-sum-exp
    stays finite (here 2e4). Equal to ``nn.functional.cross_entropy(logits, labels)`` (mean reduction).

    Parameters
    ----------
    logits : (N, C) tensor or list
        z, the scores before softmax.
    labels : (N,) integer tensor, array or list
        yₙ ∈ {0, …, C − 1}, the class of each row.
    """
    logits, labels = _logits_labels(logits, labels)
    return _cross_entropy_terms(logits, labels).mean()


def cross_entropy_grad(logits, labels):
    """∂L/∂z = (softmax(z) − onehot(y)) / N for L = cross_entropy(z, y); shape (N, C), like logits.

    Each row sums to 0: the probability taken from the wrong classes is exactly what the right one gains.
    """
    logits, labels = _logits_labels(logits, labels)
    return _cross_entropy_grad(logits, labels, logits.shape[0])


def _cross_entropy_terms(logits, labels):
    # −log pₙ,yₙ per row, shape (N,): the terms of cross_entropy, unchecked
    return -_log_softmax(logits).gather(1, labels[:, None])[:, 0]


def _onehot(labels, like):
    # (N, C) of 0s with a 1 at (n, yₙ), in like's dtype
    return torch.zeros_like(like).scatter_(1, labels[:, None], 1.0)


def _cross_entropy_grad(logits, labels, n):
    # (p − onehot(y)) / n: ∂/∂z of the terms summed and divided by n (n = N for the mean), unchecked
    return (_softmax(logits) - _onehot(labels, logits)) / n
