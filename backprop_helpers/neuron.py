"""One neuron, backpropagated by hand: z = w·x + b, ŷ = act(z), L = loss(ŷ, y), and the chain-rule factors.

Derived in notebook 01 (§ "The chain rule, factor by factor"), notebook 02 (§ "BCE by hand"),
notebook 03 (§ "The sigmoid as four gates") and notebook 04 (§ "The perceptron by hand").
"""

from dataclasses import dataclass, fields

import torch

from backprop_helpers._inputs import (
    as_float_tensor,
    check_choice,
    check_finite,
    check_positive_number,
    check_same_shape,
)
from backprop_helpers.activations import sigmoid

__all__ = ["NeuronTrace", "CircuitTrace", "neuron_backward", "sigmoid_circuit", "sgd_step"]

ACTIVATIONS = ("sigmoid", "identity")
LOSSES = ("mse", "bce")


@dataclass(frozen=True)
class NeuronTrace:
    """Every forward value and every gradient of one neuron on one sample (all tensors).

    ``z, y_hat, loss, dL_dyhat, dyhat_dz, dL_dz, dL_db`` have b's shape (0-d or (1,)); ``dL_dw`` has w's
    shape and ``dL_dx`` has x's shape.
    """

    z: torch.Tensor
    y_hat: torch.Tensor
    loss: torch.Tensor
    dL_dyhat: torch.Tensor
    dyhat_dz: torch.Tensor
    dL_dz: torch.Tensor
    dL_dw: torch.Tensor
    dL_db: torch.Tensor
    dL_dx: torch.Tensor

    def as_dict(self):
        """The fields as a plain dict, name → tensor."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class CircuitTrace:
    """The sigmoid neuron staged as gates (seed 003): z = w·x + b, k = e^{−z}, h = 1 + k, f = 1/h.

    Forward values ``z, k, h, f``; local gradients ``dh_dk`` (= 1) and ``dk_dz`` (= −k); upstream gradients
    ``df_dh, df_dk, df_dz`` and the gradients of the inputs ``df_dw, df_db, df_dx``.
    """

    z: torch.Tensor
    k: torch.Tensor
    h: torch.Tensor
    f: torch.Tensor
    df_dh: torch.Tensor
    df_dk: torch.Tensor
    df_dz: torch.Tensor
    df_dw: torch.Tensor
    df_db: torch.Tensor
    df_dx: torch.Tensor
    dh_dk: torch.Tensor
    dk_dz: torch.Tensor

    def as_dict(self):
        """The fields as a plain dict, name → tensor."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _linear_inputs(x, w, b):
    x = as_float_tensor(x, "x")
    w = as_float_tensor(w, "w")
    b = as_float_tensor(b, "b")
    if w.dim() > 1:
        raise ValueError(f"w must be a scalar or a 1-D tensor of weights; got shape {tuple(w.shape)}")
    check_same_shape(x, w, "x", "w")
    if b.numel() != 1 or b.dim() > 1:
        raise ValueError(f"b must be a scalar (shape () or (1,)); got shape {tuple(b.shape)}")
    return x, w, b


def neuron_backward(x, w, b, y, *, activation="sigmoid", loss="mse"):
    """Forward and backward pass of ŷ = act(w·x + b) with L = loss(ŷ, y), by the chain rule:

    ∂L/∂w = ∂L/∂ŷ · ∂ŷ/∂z · ∂z/∂w,  with ∂z/∂w = x,  ∂z/∂b = 1,  ∂z/∂x = w.

    Parameters
    ----------
    x, w : scalar or 1-D tensor/list, same shape
        One sample and the weights.
    b : scalar, shape () or (1,)
        The bias.
    y : scalar
        The target (for ``loss="bce"`` in [0, 1]).
    activation : {"sigmoid", "identity"}
        ``"identity"`` is the perceptron of notebook 04 (ŷ = z).
    loss : {"mse", "bce"}
        Squared error (ŷ − y)² or binary cross-entropy −[y log ŷ + (1 − y) log(1 − ŷ)], one sample.

    Returns
    -------
    NeuronTrace
    """
    check_choice(activation, "activation", ACTIVATIONS)
    check_choice(loss, "loss", LOSSES)
    x, w, b = _linear_inputs(x, w, b)
    y = as_float_tensor(y, "y")
    if y.numel() != 1:
        raise ValueError(f"y must be a single target (one element); got shape {tuple(y.shape)}")
    y = y.reshape(b.shape)

    z = (w * x).sum() + b  # shape of b
    if activation == "sigmoid":
        y_hat = sigmoid(z)
        dyhat_dz = y_hat * (1 - y_hat)
    else:
        y_hat = z
        dyhat_dz = torch.ones_like(z)

    if loss == "mse":
        loss_value = (y_hat - y) ** 2
        dL_dyhat = 2 * (y_hat - y)
    else:
        if not bool((y >= 0).all() and (y <= 1).all()):
            raise ValueError(f"y must lie in [0, 1] for loss='bce'; got {y.detach().flatten().tolist()}")
        if activation != "sigmoid":
            raise ValueError(
                "loss='bce' needs activation='sigmoid' (ŷ must be a probability); got 'identity'"
            )
        eps = torch.finfo(y_hat.dtype).eps  # the dtype-aware clamp of losses.bce
        p = y_hat.clamp(eps, 1 - eps)
        loss_value = -(y * torch.log(p) + (1 - y) * torch.log(1 - p))
        dL_dyhat = (p - y) / (p * (1 - p))

    dL_dz = dL_dyhat * dyhat_dz
    return NeuronTrace(
        z=z,
        y_hat=y_hat,
        loss=loss_value,
        dL_dyhat=dL_dyhat,
        dyhat_dz=dyhat_dz,
        dL_dz=dL_dz,
        dL_dw=dL_dz * x,  # ∂z/∂wᵢ = xᵢ
        dL_db=dL_dz,  # ∂z/∂b = 1
        dL_dx=dL_dz * w,  # ∂z/∂xᵢ = wᵢ
    )


def sigmoid_circuit(x, w, b):
    """The sigmoid neuron f = 1/(1 + e^{−(w·x + b)}) as gates, each with its local gradient (seed 003):

    z = w·x + b,  k = e^{−z} (∂k/∂z = −k),  h = 1 + k (∂h/∂k = 1),  f = 1/h (∂f/∂h = −1/h²),
    and backward  ∂f/∂k = ∂f/∂h·∂h/∂k,  ∂f/∂z = ∂f/∂k·∂k/∂z,  ∂f/∂w = ∂f/∂z·x,  ∂f/∂b = ∂f/∂z,  ∂f/∂x = ∂f/∂z·w.

    This staging is the naive, unstable form on purpose: for z below about −88 (float32) or −709 (float64)
    k = e^{−z} overflows, and a ValueError says so (``sigmoid`` is the stable form).

    Returns
    -------
    CircuitTrace
    """
    x, w, b = _linear_inputs(x, w, b)
    z = (w * x).sum() + b
    k = torch.exp(-z)
    if not bool(torch.isfinite(k).all()):
        raise ValueError(
            f"k = e^(-z) overflows at z = {z.detach().flatten()[0].item():.4g}: the staged sigmoid is not "
            "stable for very negative z (use sigmoid(), which is)"
        )
    h = 1 + k
    f = 1 / h
    df_dh = -1 / h**2  # local gradient of the last gate = upstream gradient at h (∂f/∂f = 1)
    dh_dk = torch.ones_like(k)
    dk_dz = -k
    df_dk = df_dh * dh_dk  # upstream × local
    df_dz = df_dk * dk_dz
    return CircuitTrace(
        z=z,
        k=k,
        h=h,
        f=f,
        df_dh=df_dh,
        df_dk=df_dk,
        df_dz=df_dz,
        df_dw=df_dz * x,
        df_db=df_dz,
        df_dx=df_dz * w,
        dh_dk=dh_dk,
        dk_dz=dk_dz,
    )


def sgd_step(params, grads, lr):
    """θ ← θ − lr·∂L/∂θ for every name in ``params``; returns a new dict, the inputs are left unchanged.

    Parameters
    ----------
    params, grads : dict of name → tensor
        ``grads`` must have a gradient, of the same shape, for every name in ``params``.
    lr : float > 0
        The learning rate.
    """
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of name -> tensor; got {type(params).__name__}")
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict of name -> tensor; got {type(grads).__name__}")
    lr = check_positive_number(lr, "lr")
    pairs, checked = {}, {}
    for name, value in params.items():
        if name not in grads:
            raise KeyError(f"grads has no entry for parameter {name!r}; it has {sorted(grads)}")
        value = checked[f"params[{name!r}]"] = as_float_tensor(
            value, f"params[{name!r}]", allow_nonfinite=True
        )
        grad = checked[f"grads[{name!r}]"] = as_float_tensor(
            grads[name], f"grads[{name!r}]", allow_nonfinite=True
        )
        check_same_shape(value, grad, f"params[{name!r}]", f"grads[{name!r}]")
        pairs[name] = (value, grad)
    if checked:
        check_finite(checked)  # one fused test: a diverged gradient is reported by name, never stepped into
    return {name: torch.add(value, grad, alpha=-lr) for name, (value, grad) in pairs.items()}  # θ − lr·g
