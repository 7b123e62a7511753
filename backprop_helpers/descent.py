"""Gradient descent on the perceptron's squared loss J(w) = (wᵀx + b − y)², one sample, the bias held fixed or
trained too.

Its Hessian is 2xxᵀ, whose largest eigenvalue is λ = 2‖x‖² (the other is 0: the loss is a valley). Along x
each step multiplies the residual h − y by 1 − lr·λ (notebook 04, § "How large may the learning rate be?"), so

    lr < 1/λ          converges monotonically
    1/λ < lr < 2/λ    overshoots the valley floor every step (oscillates) but converges
    lr = 2/λ          neither: the residual flips sign at constant size
    lr > 2/λ          diverges.

With the bias trained too (``train_bias=True``) the parameters are (b, w) and the input is x̃ = (1, x): the same
holds with λ̃ = 2‖x̃‖² = 2(1 + ‖x‖²) (notebook 04, section 7).

The path is computed by ``neuron_backward(..., activation="identity")`` and ``sgd_step``; the
``PerceptronExplorer`` of notebook 04 draws it.
"""

import math
from dataclasses import dataclass

import numpy as np
import torch

from backprop_helpers._inputs import as_float_tensor, check_int, check_linear_inputs, check_positive_number
from backprop_helpers.neuron import _neuron_backward, _sgd_step

__all__ = ["DescentRun", "critical_learning_rates", "gradient_descent_path"]


def critical_learning_rates(x):
    """λ = largest eigenvalue of the Hessian ∇²J = 2xxᵀ of J(w) = (wᵀx + b − y)², and the rates 1/λ and 2/λ.

    Returns
    -------
    (lam, lr_oscillate, lr_diverge) : floats
        Gradient descent oscillates for lr > 1/λ and diverges for lr > 2/λ.
    """
    x = as_float_tensor(x, "x").detach().to(torch.float64).reshape(-1)
    hessian = 2 * torch.outer(x, x)  # (n, n); symmetric, rank one
    lam = torch.linalg.eigvalsh(hessian).max().item()  # = 2‖x‖²
    if lam <= 0:
        raise ValueError("x must not be all zeros: the loss would not depend on w (λ = 0)")
    return lam, 1 / lam, 2 / lam


@dataclass(frozen=True)
class DescentRun:
    """One run of gradient descent: the path, the losses, and what theory predicts for them.

    ``path`` is (k + 1, 2) float64 (w after 0…k steps) and ``losses`` (k + 1,); k = ``steps`` unless the run
    diverged earlier, when ``diverged_at`` is the step whose loss overflowed or passed ``loss_bound``.
    ``theory_losses`` (steps + 1,) is J₀·(1 − lr·λ)^{2k}. ``x`` is the sample; ``biases`` (k + 1,) is b after
    0…k steps (constant unless ``train_bias``); with ``train_bias`` the eigenvalue ``lam`` (and the rates from
    it) is λ̃ = 2‖x̃‖² of x̃ = (1, x).
    """

    lr: float
    steps: int
    path: torch.Tensor
    losses: torch.Tensor
    theory_losses: torch.Tensor
    lam: float
    lr_oscillate: float
    lr_diverge: float
    factor: float  # 1 − lr·λ: what one step multiplies the residual h − y by
    regime: str
    diverged_at: int | None
    loss_bound: float
    x: torch.Tensor
    biases: torch.Tensor
    train_bias: bool


def _regime(factor):
    if abs(factor) < 1e-9:
        return "reaches the valley floor in one step (lr = 1/λ)"
    if abs(abs(factor) - 1) < 1e-9:
        return "neither converges nor diverges (lr = 2/λ)"
    if factor > 0:
        return "converges monotonically (lr < 1/λ)"
    if factor > -1:
        return "oscillates and converges (1/λ < lr < 2/λ)"
    return "diverges (lr > 2/λ)"


def gradient_descent_path(x, w, b, y, *, lr, steps, loss_bound=1e6, train_bias=False):
    """Run ``steps`` steps of w ← w − lr·∂J/∂w on J = (wᵀx + b − y)², in float64; b fixed, or with
    ``train_bias`` also b ← b − lr·∂J/∂b.

    Each step is ``neuron_backward(x, w, b, y, activation="identity")`` then ``sgd_step``, as their unchecked
    kernels: the inputs are checked once, here. The run stops early, without an error, when the loss overflows
    or passes ``loss_bound`` (``DescentRun.diverged_at``). With ``train_bias`` the theory uses λ̃ = 2‖(1, x)‖².
    """
    x, w, b = (t.detach().to(torch.float64) for t in check_linear_inputs(x, w, b))
    y = as_float_tensor(y, "y").detach().to(torch.float64)
    if y.numel() != 1:
        raise ValueError(f"y must be a single target (one element); got shape {tuple(y.shape)}")
    y = y.reshape(b.shape)
    lr = check_positive_number(lr, "lr")
    loss_bound = check_positive_number(loss_bound, "loss_bound")
    steps = check_int(steps, "steps", low=0)
    if not isinstance(train_bias, bool):
        raise TypeError(f"train_bias must be True or False; got {train_bias!r}")
    x_tilde = torch.cat([torch.ones(1, dtype=torch.float64), x.reshape(-1)]) if train_bias else x
    lam, lr_oscillate, lr_diverge = critical_learning_rates(x_tilde)
    path, biases, losses, diverged_at = [w], [b], [], None
    for k in range(steps + 1):
        trace = _neuron_backward(x, w, b, y, "identity", "mse")
        loss = trace.loss.item()
        losses.append(loss)
        if not math.isfinite(loss) or loss > loss_bound:
            diverged_at = k
            break
        if k == steps:
            break
        params, grads = {"w": w, "b": b}, {"w": trace.dL_dw, "b": trace.dL_db}
        if not train_bias:
            del params["b"], grads["b"]
        new = _sgd_step(params, grads, lr)
        w, b = new["w"], new.get("b", b)
        path.append(w)
        biases.append(b)
        if not bool(torch.isfinite(w).all() and torch.isfinite(b).all()):  # overflow: stop, J is inf or nan
            losses.append(math.inf)
            diverged_at = k + 1
            break
    factor = 1 - lr * lam
    with np.errstate(over="ignore"):  # a huge factor overflows to inf: that is what the plot should show
        theory = losses[0] * np.abs(factor) ** (2 * np.arange(steps + 1, dtype=np.float64))
    return DescentRun(
        lr=lr,
        steps=steps,
        path=torch.stack(path),
        losses=torch.tensor(losses, dtype=torch.float64),
        theory_losses=torch.from_numpy(theory),
        lam=lam,
        lr_oscillate=lr_oscillate,
        lr_diverge=lr_diverge,
        factor=factor,
        regime=_regime(factor),
        diverged_at=diverged_at,
        loss_bound=loss_bound,
        x=x,
        biases=torch.stack([t.reshape(()) for t in biases]),
        train_bias=train_bias,
    )
