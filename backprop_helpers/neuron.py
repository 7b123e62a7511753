"""One neuron, backpropagated by hand: z = w·x + b, ŷ = act(z), L = loss(ŷ, y), and the chain-rule factors.

Derived in notebook 01 (§ "The chain rule, factor by factor"), notebook 02 (§ "BCE by hand") and
notebook 04 (§ "The perceptron by hand"); the sigmoid staged as gates (notebook 03) is ``circuit.py``.
"""

from dataclasses import dataclass, fields

import torch

from backprop_helpers._inputs import (
    as_float_tensor,
    check_choice,
    check_finite,
    check_linear_inputs,
    check_positive_number,
    check_probabilities,
    check_same_shape,
)
from backprop_helpers.activations import _sigmoid, _sigmoid_grad_from_output
from backprop_helpers.losses import _bce_grad_terms, _bce_terms, _squared_error, _squared_error_grad

__all__ = ["NeuronTrace", "neuron_backward", "neuron_autograd", "sgd_step"]


def _identity(z):
    return z


def _identity_grad_from_output(y_hat):
    return torch.ones_like(y_hat)  # dŷ/dz = 1 for ŷ = z


# The formulas by name, as mlp.py's tables: the activation and its slope written through the output
# (ŷ = σ(z): dŷ/dz = ŷ(1 − ŷ)), the loss of one sample and its gradient dL/dŷ (no mean: n = 1).
ACTIVATIONS = {
    "sigmoid": (_sigmoid, _sigmoid_grad_from_output),
    "identity": (_identity, _identity_grad_from_output),
}
LOSSES = {"mse": (_squared_error, _squared_error_grad), "bce": (_bce_terms, _bce_grad_terms)}


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
    x, w, b = check_linear_inputs(x, w, b)
    y = as_float_tensor(y, "y")
    if y.numel() != 1:
        raise ValueError(f"y must be a single target (one element); got shape {tuple(y.shape)}")
    if loss == "bce":
        check_probabilities(y, "y", "for loss='bce'")
        if activation != "sigmoid":
            raise ValueError(
                "loss='bce' needs activation='sigmoid' (ŷ must be a probability); got 'identity'"
            )
    return _neuron_backward(x, w, b, y.reshape(b.shape), activation, loss)


def _neuron_backward(x, w, b, y, activation, loss):
    # neuron_backward without the input checks, for callers that checked them (y already has b's shape)
    act, dact_from_output = ACTIVATIONS[activation]
    loss_terms, dloss_dyhat = LOSSES[loss]
    z = (w * x).sum() + b  # shape of b
    y_hat = act(z)
    dyhat_dz = dact_from_output(y_hat)
    dL_dyhat = dloss_dyhat(y_hat, y)  # one sample: n = 1
    dL_dz = dL_dyhat * dyhat_dz  # upstream × local
    return NeuronTrace(
        z=z,
        y_hat=y_hat,
        loss=loss_terms(y_hat, y),
        dL_dyhat=dL_dyhat,
        dyhat_dz=dyhat_dz,
        dL_dz=dL_dz,
        dL_dw=dL_dz * x,  # ∂z/∂wᵢ = xᵢ
        dL_db=dL_dz,  # ∂z/∂b = 1
        dL_dx=dL_dz * w,  # ∂z/∂xᵢ = wᵢ
    )


def neuron_autograd(x, w, b, y, *, loss="mse"):
    """The chain-rule factors of ŷ = σ(w·x + b), L = loss(ŷ, y) by torch.autograd (through ``torch.sigmoid`` and
    torch's own loss, not the hand formulas), in the inputs' dtype (pass float64 for a check): the reference
    that notebook 01's explorer shows beside ``neuron_backward``.

    Parameters
    ----------
    x, w, b, y
        As for ``neuron_backward``.
    loss : {"mse", "bce"}
        ``"mse"``: (ŷ − y)²; ``"bce"``: ``torch.nn.functional.binary_cross_entropy``, whose backward divides by
        max(ŷ(1 − ŷ), 1e-12). Where ŷ(1 − ŷ) < 1e-12 (|z| ≳ 27.6 in float64) its ∂L/∂ŷ, ∂L/∂z, ∂L/∂w, ∂L/∂b
        therefore fall below the formula's (ŷ − y)/(ŷ(1 − ŷ)), ŷ − y, …: why torch advises the logits form.

    Returns
    -------
    dict with ``dL_dyhat``, ``dyhat_dz``, ``dL_dz``, ``dL_dw``, ``dL_db`` (the ``NeuronTrace`` names)
    """
    check_choice(loss, "loss", LOSSES)
    x, w, b = (t.detach() for t in check_linear_inputs(x, w, b))
    y = as_float_tensor(y, "y").detach()
    if y.numel() != 1:
        raise ValueError(f"y must be a single target (one element); got shape {tuple(y.shape)}")
    if loss == "bce":
        check_probabilities(y, "y", "for loss='bce'")
    w, b = w.clone().requires_grad_(True), b.clone().requires_grad_(True)
    z = (w * x).sum() + b
    y_hat = torch.sigmoid(z)
    target = y.reshape(b.shape)
    if loss == "bce":  # torch's BCE wants the target in ŷ's dtype
        value = torch.nn.functional.binary_cross_entropy(y_hat, target.to(y_hat.dtype), reduction="sum")
    else:
        value = ((y_hat - target) ** 2).sum()
    (dyhat_dz,) = torch.autograd.grad(y_hat.sum(), z, retain_graph=True)
    dL_dyhat, dL_dz, dL_dw, dL_db = torch.autograd.grad(value, (y_hat, z, w, b))
    return {"dL_dyhat": dL_dyhat, "dyhat_dz": dyhat_dz, "dL_dz": dL_dz, "dL_dw": dL_dw, "dL_db": dL_db}


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
    checked_params, checked_grads = {}, {}
    for name, value in params.items():
        if name not in grads:
            raise KeyError(f"grads has no entry for parameter {name!r}; it has {sorted(grads)}")
        value = checked_params[name] = as_float_tensor(value, f"params[{name!r}]", allow_nonfinite=True)
        grad = checked_grads[name] = as_float_tensor(grads[name], f"grads[{name!r}]", allow_nonfinite=True)
        check_same_shape(value, grad, f"params[{name!r}]", f"grads[{name!r}]")
    if checked_params:
        # one fused test, params and grads name by name: a diverged gradient is reported, never stepped into
        named = {}
        for name in checked_params:
            named[f"params[{name!r}]"] = checked_params[name]
            named[f"grads[{name!r}]"] = checked_grads[name]
        check_finite(named)
    return _sgd_step(checked_params, checked_grads, lr)


def _sgd_step(params, grads, lr):
    # sgd_step without the input checks, for callers that checked params, grads and lr already
    return {name: torch.add(value, grads[name], alpha=-lr) for name, value in params.items()}  # θ − lr·g
