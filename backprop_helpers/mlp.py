"""A two-layer perceptron, forward and backward by hand, in the ``nn.Linear`` convention.

ŷ = σ(act(X W1ᵀ + b1) W2ᵀ + b2), with W1 (h, d), b1 (h,), W2 (o, h), b2 (o,): the same shapes as
``nn.Linear(d, h).weight``/``.bias`` and ``nn.Linear(h, o)``, so the gradients compare directly with
``.weight.grad``. Derived in notebook 05 (§ "Backprop through a hidden layer").
"""

import math

import torch

from backprop_helpers._inputs import as_float_tensor, check_choice, check_finite, check_same_shape
from backprop_helpers.activations import _relu_grad, _sigmoid, _sigmoid_grad, _tanh_grad

__all__ = ["init_mlp", "mlp_forward", "mlp_backward", "HIDDEN_ACTIVATIONS", "MLP_LOSSES"]

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu")
MLP_LOSSES = ("mse", "bce")
PARAM_SHAPES = {"W1": ("h", "d"), "b1": ("h",), "W2": ("o", "h"), "b2": ("o",)}

# The inputs are checked once on the way in (one fused finiteness test for X and all params), so the
# layers call the activations' formulas without re-checking every intermediate: this keeps an epoch of
# the hand-written backprop as cheap as autograd's.
_FORWARD = {"sigmoid": _sigmoid, "tanh": torch.tanh, "relu": torch.relu}
_GRAD = {"sigmoid": _sigmoid_grad, "tanh": _tanh_grad, "relu": _relu_grad}


def _check_size(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}")
    return value


def init_mlp(n_in, n_hidden, n_out, *, generator, dtype=None):
    """Weights and biases drawn like ``nn.Linear``: U(−1/√fan_in, 1/√fan_in), from ``generator``.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        d, h and o.
    generator : torch.Generator
        Source of randomness (explicit, so the global RNG is never touched).
    dtype : torch.dtype, optional
        Default: ``torch.get_default_dtype()``. Use float64 for gradient checks.

    Returns
    -------
    dict
        ``{"W1": (h, d), "b1": (h,), "W2": (o, h), "b2": (o,)}``.
    """
    for name, value in (("n_in", n_in), ("n_hidden", n_hidden), ("n_out", n_out)):
        _check_size(value, name)
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator; got {type(generator).__name__}")
    dtype = dtype or torch.get_default_dtype()
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating torch.dtype such as torch.float64; got {dtype!r}")

    def uniform(shape, fan_in):
        bound = 1 / math.sqrt(fan_in)
        return (torch.rand(shape, generator=generator, dtype=dtype) * 2 - 1) * bound

    return {
        "W1": uniform((n_hidden, n_in), n_in),
        "b1": uniform((n_hidden,), n_in),
        "W2": uniform((n_out, n_hidden), n_hidden),
        "b2": uniform((n_out,), n_hidden),
    }


def _check_params(params):
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict with keys W1, b1, W2, b2; got {type(params).__name__}")
    missing = [k for k in PARAM_SHAPES if k not in params]
    if missing:
        raise KeyError(f"params is missing {missing}; expected keys W1, b1, W2, b2, got {sorted(params)}")
    p = {k: as_float_tensor(params[k], f"params[{k!r}]", allow_nonfinite=True) for k in PARAM_SHAPES}
    for k, dims in PARAM_SHAPES.items():
        if p[k].dim() != len(dims):
            raise ValueError(f"params[{k!r}] must have shape {dims}; got {tuple(p[k].shape)}")
    h, d = p["W1"].shape
    o = p["W2"].shape[0]
    expected = {"b1": (h,), "W2": (o, h), "b2": (o,)}
    for k, shape in expected.items():
        if tuple(p[k].shape) != shape:
            raise ValueError(
                f"params[{k!r}] must have shape {shape} to match W1 {(h, d)}; got {tuple(p[k].shape)}"
            )
    return p


def mlp_forward(X, params, *, hidden="sigmoid"):
    """Forward pass  Z1 = X W1ᵀ + b1,  A1 = act(Z1),  Z2 = A1 W2ᵀ + b2,  ŷ = σ(Z2).

    Parameters
    ----------
    X : (N, d) tensor or list
    params : dict from ``init_mlp``
    hidden : {"sigmoid", "tanh", "relu"}

    Returns
    -------
    y_hat : (N, o) tensor
    cache : dict
        What ``mlp_backward`` needs: X, Z1, A1, Z2, y_hat, the params and the activation name.
    """
    check_choice(hidden, "hidden", HIDDEN_ACTIVATIONS)
    p = _check_params(params)
    X = as_float_tensor(X, "X", allow_nonfinite=True)
    if X.dim() != 2 or X.shape[1] != p["W1"].shape[1]:
        raise ValueError(f"X must have shape (N, {p['W1'].shape[1]}) to match W1; got {tuple(X.shape)}")
    check_finite({"X": X, **{f"params[{k!r}]": v for k, v in p.items()}})
    Z1 = X @ p["W1"].T + p["b1"]  # (N, d) @ (d, h) -> (N, h)
    A1 = _FORWARD[hidden](Z1)
    Z2 = A1 @ p["W2"].T + p["b2"]  # (N, h) @ (h, o) -> (N, o)
    y_hat = _sigmoid(Z2)
    cache = {"X": X, "Z1": Z1, "A1": A1, "Z2": Z2, "y_hat": y_hat, "params": p, "hidden": hidden}
    return y_hat, cache


def mlp_backward(cache, y, *, loss="mse"):
    """Backward pass, layer by layer; returns ``{"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}``.

    dŶ = ∂L/∂ŷ (mean loss, n = N·o elements),  dZ2 = dŶ ⊙ σ′(Z2),  dW2 = dZ2ᵀ A1,  db2 = Σₙ dZ2,
    dA1 = dZ2 W2,  dZ1 = dA1 ⊙ act′(Z1),  dW1 = dZ1ᵀ X,  db1 = Σₙ dZ1.
    Each gradient has the shape of its parameter; keys match ``params`` so ``sgd_step`` can pair them.
    """
    check_choice(loss, "loss", MLP_LOSSES)
    if not isinstance(cache, dict) or not {"X", "Z1", "A1", "Z2", "y_hat", "params", "hidden"} <= set(cache):
        raise TypeError("cache must be the dict returned by mlp_forward")
    y_hat = cache["y_hat"]
    y = as_float_tensor(y, "y")
    check_same_shape(y_hat, y, "y_hat (from cache)", "y")
    n = y_hat.numel()
    if loss == "mse":
        dY = 2 * (y_hat - y) / n  # (N, o)
    else:
        if bool(((y < 0) | (y > 1)).any()):
            raise ValueError("y must lie in [0, 1] for loss='bce'; got values outside it")
        eps = torch.finfo(y_hat.dtype).eps  # the dtype-aware clamp of losses.bce
        p = y_hat.clamp(eps, 1 - eps)
        dY = (p - y) / (p * (1 - p) * n)
    W2 = cache["params"]["W2"]
    dZ2 = dY * y_hat * (1 - y_hat)  # σ′(Z2) = ŷ(1 − ŷ)
    dW2 = dZ2.T @ cache["A1"]  # (o, N) @ (N, h) -> (o, h)
    db2 = dZ2.sum(dim=0)  # b2 is added to every row: gradients of the rows add up
    dA1 = dZ2 @ W2  # (N, o) @ (o, h) -> (N, h)
    dZ1 = dA1 * _GRAD[cache["hidden"]](cache["Z1"])
    dW1 = dZ1.T @ cache["X"]  # (h, N) @ (N, d) -> (h, d)
    db1 = dZ1.sum(dim=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
