"""A two-layer perceptron, forward and backward by hand, in the ``nn.Linear`` convention.

ŷ = σ(act(X W1ᵀ + b1) W2ᵀ + b2), with W1 (h, d), b1 (h,), W2 (o, h), b2 (o,): the same shapes as
``nn.Linear(d, h).weight``/``.bias`` and ``nn.Linear(h, o)``, so the gradients compare directly with
``.weight.grad``. Derived in notebook 05 (§ "Backprop through a hidden layer"); ``train_mlp`` is that
notebook's training loop (§ "Training by hand"), the one the XOR explorer runs.
"""

import math
from dataclasses import dataclass

import torch

from backprop_helpers._inputs import (
    as_float_tensor,
    check_choice,
    check_finite,
    check_generator,
    check_int,
    check_positive_number,
    check_probabilities,
    check_same_shape,
)
from backprop_helpers.activations import (
    _relu_grad,
    _sigmoid,
    _sigmoid_grad,
    _sigmoid_grad_from_output,
    _tanh_grad,
)
from backprop_helpers.losses import _bce_grad_terms, _bce_terms, _squared_error, _squared_error_grad
from backprop_helpers.neuron import _sgd_step

__all__ = [
    "init_mlp",
    "mlp_forward",
    "mlp_backward",
    "train_mlp",
    "MLPRun",
    "HIDDEN_ACTIVATIONS",
    "MLP_LOSSES",
]

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu")
MLP_LOSSES = ("mse", "bce")
PARAM_SHAPES = {"W1": ("h", "d"), "b1": ("h",), "W2": ("o", "h"), "b2": ("o",)}

# The inputs are checked once on the way in (one fused finiteness test for X and all params), so the
# layers call the activations' formulas without re-checking every intermediate: this keeps an epoch of
# the hand-written backprop as cheap as autograd's.
_FORWARD = {"sigmoid": _sigmoid, "tanh": torch.tanh, "relu": torch.relu}
_GRAD = {"sigmoid": _sigmoid_grad, "tanh": _tanh_grad, "relu": _relu_grad}
_LOSS = {"mse": _squared_error, "bce": _bce_terms}  # elementwise terms: the mean loss is their mean
_LOSS_GRAD = {"mse": _squared_error_grad, "bce": _bce_grad_terms}  # ∂(mean loss)/∂ŷ, given n


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
        check_int(value, name, low=1)
    check_generator(generator)
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
    return _forward(X, p, hidden)


def _forward(X, p, hidden):
    # mlp_forward without the input checks, for callers that checked X and p already
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
    if loss == "bce":
        check_probabilities(y, "y", "for loss='bce'")
    return _backward(cache, y, loss)


def _backward(cache, y, loss):
    # mlp_backward without the input checks, for callers that checked the cache and y already
    y_hat = cache["y_hat"]
    dY = _LOSS_GRAD[loss](y_hat, y, y_hat.numel())  # (N, o); the mean is over all N·o elements
    W2 = cache["params"]["W2"]
    dZ2 = dY * _sigmoid_grad_from_output(y_hat)  # σ′(Z2) = ŷ(1 − ŷ), through the output
    dW2 = dZ2.T @ cache["A1"]  # (o, N) @ (N, h) -> (o, h)
    db2 = dZ2.sum(dim=0)  # b2 is added to every row: gradients of the rows add up
    dA1 = dZ2 @ W2  # (N, o) @ (o, h) -> (N, h)
    dZ1 = dA1 * _GRAD[cache["hidden"]](cache["Z1"])
    dW1 = dZ1.T @ cache["X"]  # (h, N) @ (N, d) -> (h, d)
    db1 = dZ1.sum(dim=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


@dataclass(frozen=True)
class MLPRun:
    """One run of ``train_mlp``: the parameters it ended with and the loss after every update.

    ``losses[k]`` is the loss after k updates (``losses[0]`` at the initial parameters), so a full run has
    ``epochs + 1`` of them. ``diverged_at`` is None, or the epoch whose update made a weight or the loss
    inf/nan: the run stopped there and ``params`` are the last finite ones (after ``diverged_at − 1`` updates).
    """

    params: dict
    losses: tuple
    diverged_at: int | None


def train_mlp(X, y, params, *, hidden="sigmoid", loss="mse", lr, epochs, every=1, callback=None):
    """θ ← θ − lr·∂L/∂θ, ``epochs`` times, full batch: ``mlp_forward`` → ``mlp_backward`` → ``sgd_step``.

    The inputs are checked once here; the epochs call the unchecked kernels of those three functions, with
    the same operations in the same order, so the trajectory is bit-identical to the loop written out with
    them. A weight or loss that becomes inf/nan stops the run without an error (``MLPRun.diverged_at``).

    Parameters
    ----------
    X : (N, d) tensor or list
    y : (N, o) tensor or list
    params : dict from ``init_mlp``
        Left unchanged; the run starts from a copy.
    hidden : {"sigmoid", "tanh", "relu"}
    loss : {"mse", "bce"}
    lr : float > 0
    epochs : int >= 0
    every : int >= 1
        How often ``callback`` is called.
    callback : callable, optional
        ``callback(epoch, params, losses)`` after every ``every``-th update (the last one included): for a
        progress bar or a redraw. ``losses`` is the tuple so far (``epoch + 1`` values).

    Returns
    -------
    MLPRun
    """
    check_choice(loss, "loss", MLP_LOSSES)
    lr = check_positive_number(lr, "lr")
    epochs = check_int(epochs, "epochs", low=0)
    every = check_int(every, "every", low=1)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None; got {type(callback).__name__}")
    y_hat, cache = mlp_forward(X, params, hidden=hidden)  # checks X, params and hidden
    y = as_float_tensor(y, "y")
    check_same_shape(y_hat, y, "y_hat", "y")
    if loss == "bce":
        check_probabilities(y, "y", "for loss='bce'")
    X, params = cache["X"], cache["params"]
    loss_terms = _LOSS[loss]
    losses = [loss_terms(y_hat, y).mean().item()]
    for epoch in range(1, epochs + 1):
        candidate = _sgd_step(params, _backward(cache, y, loss), lr)
        if not _all_finite(candidate):
            return MLPRun(params=params, losses=tuple(losses), diverged_at=epoch)
        y_hat, cache = _forward(X, candidate, hidden)
        value = loss_terms(y_hat, y).mean().item()  # losses.mse / losses.bce, unchecked
        if not math.isfinite(value):
            return MLPRun(params=params, losses=tuple(losses), diverged_at=epoch)
        params = candidate
        losses.append(value)
        if callback is not None and epoch % every == 0:
            callback(epoch, params, tuple(losses))
    return MLPRun(params=params, losses=tuple(losses), diverged_at=None)


def _all_finite(params):
    # one fused test over all parameters, as check_finite does
    return bool(torch.isfinite(torch.cat([t.reshape(-1) for t in params.values()])).all())
