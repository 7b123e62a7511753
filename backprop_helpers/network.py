"""A network of any depth, forward and backward by hand, with a softmax cross-entropy output.

Z_k = A_{k−1} W_kᵀ + b_k for the D weight layers k = 1…D (A_0 = X), A_k = act(Z_k) for the hidden layers,
logits Z_D, and the loss L = cross_entropy(Z_D, y) (D counts layers, L is the loss, as in notebook 07). W_k is
(out, in) and b_k (out,): the ``nn.Linear`` convention, so the gradients compare directly with
``.weight.grad``. ``mlp.py``'s two-layer network is the case D = 2 with a sigmoid output; both call the same
activation and loss kernels. Derived in notebook 07 (§ 4 "The network: 64 → 32 → 10, backward by hand", made
deeper in § 6 "Vanishing and exploding gradients, measured"); ``train_network`` is that notebook's minibatch
SGD loop (§ 5), the one the digits explorer runs.
"""

import itertools
import math
from dataclasses import dataclass

import torch

from backprop_helpers._inputs import (
    as_float_tensor,
    check_choice,
    check_finite,
    check_float_dtype,
    check_generator,
    check_int,
    check_labels,
    check_positive_number,
)
from backprop_helpers.losses import _cross_entropy_grad, _cross_entropy_terms, _logits_labels
from backprop_helpers.mlp import _FORWARD, _GRAD, HIDDEN_ACTIVATIONS, _all_finite
from backprop_helpers.neuron import _sgd_step

__all__ = [
    "init_network",
    "network_forward",
    "network_backward",
    "network_autograd",
    "layer_grad_norms",
    "accuracy",
    "train_network",
    "gradient_norms_at_init",
    "NetworkRun",
    "NETWORK_ACTIVATIONS",
    "NETWORK_INITS",
]

NETWORK_ACTIVATIONS = HIDDEN_ACTIVATIONS  # ("sigmoid", "tanh", "relu"): the same kernels as mlp.py's


def _std_small(fan_in, fan_out):
    return 0.01


def _std_glorot(fan_in, fan_out):
    return math.sqrt(2 / (fan_in + fan_out))


def _std_he(fan_in, fan_out):
    return math.sqrt(2 / fan_in)


def _std_large(fan_in, fan_out):
    return 1.0


# standard deviation of each weight, given the layer's fan-in and fan-out ("equal" has none: a constant)
_INIT_STD = {"small": _std_small, "glorot": _std_glorot, "he": _std_he, "large": _std_large}
NETWORK_INITS = ("small", "glorot", "he", "large", "equal")


def init_network(sizes, *, init="he", generator, dtype=None):
    """Weights for the layer sizes (d, h₁, …, C): W_k (sizes[k], sizes[k−1]) and b_k = 0, k = 1…D.

    Every random scheme draws W_k ~ U(−√3·s, √3·s), a uniform of standard deviation s, with n_in = sizes[k−1]
    and n_out = sizes[k]:

    - ``"small"``: s = 0.01 (too small: the signal and the gradients shrink layer by layer);
    - ``"glorot"``: s = √(2/(n_in + n_out)) (Glorot & Bengio 2010: keeps the variance through layers that are
      nearly linear around 0, such as tanh; sigmoid's slope of at most ¼ still shrinks it, notebook 07 § 6);
    - ``"he"``: s = √(2/n_in) (He et al. 2015: keeps the variance through relu, which zeroes half the units);
    - ``"large"``: s = 1 (too large: tanh and sigmoid saturate, relu's signal grows layer by layer);
    - ``"equal"``: every weight of W_k the same constant 1/n_in, no randomness: all hidden units of a layer
      compute the same thing and get the same gradient, so they stay equal (the symmetry is never broken).

    The draws are made in float64 with ``torch.rand`` and then cast to ``dtype``, so the initial weights are
    the same on every machine (no SIMD-dependent transcendental in the draw).

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, the input first and the number of classes last; at least two entries.
    init : {"small", "glorot", "he", "large", "equal"}
    generator : torch.Generator
        Source of randomness (explicit, so the global RNG is never touched).
    dtype : torch.dtype, optional
        Default: ``torch.get_default_dtype()``. Use float64 for gradient checks.

    Returns
    -------
    dict
        ``{"W1": (h₁, d), "b1": (h₁,), …, "WD": (C, h_{D−1}), "bD": (C,)}``.
    """
    sizes = _check_sizes(sizes)
    check_choice(init, "init", NETWORK_INITS)
    check_generator(generator)
    dtype = check_float_dtype(dtype or torch.get_default_dtype())
    params = {}
    for k, (n_in, n_out) in enumerate(itertools.pairwise(sizes), start=1):
        if init == "equal":
            W = torch.full((n_out, n_in), 1 / n_in, dtype=torch.float64)
        else:
            half_width = math.sqrt(3) * _INIT_STD[init](n_in, n_out)
            W = (torch.rand((n_out, n_in), generator=generator, dtype=torch.float64) * 2 - 1) * half_width
        params[f"W{k}"] = W.to(dtype)
        params[f"b{k}"] = torch.zeros(n_out, dtype=dtype)
    return params


def _check_sizes(sizes):
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes must be a sequence of layer widths such as (64, 32, 10); got {sizes!r}")
    if len(sizes) < 2:
        raise ValueError(
            f"sizes must hold at least the input and output widths, e.g. (64, 10); got {sizes!r}"
        )
    return tuple(check_int(n, f"sizes[{i}]", low=1) for i, n in enumerate(sizes))


def _n_layers(params):
    # the number of layers D for params with keys W1, b1, …, WD, bD (and nothing else)
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict with keys W1, b1, …, WL, bL; got {type(params).__name__}")
    n_layers = len(params) // 2
    expected = {f"{kind}{k}" for k in range(1, n_layers + 1) for kind in "Wb"}
    if n_layers < 1 or set(params) != expected:
        raise KeyError(f"params must have keys W1, b1, …, WL, bL for some L >= 1; got {sorted(params)}")
    return n_layers


def _check_params(params):
    n_layers = _n_layers(params)
    p = {k: as_float_tensor(v, f"params[{k!r}]", allow_nonfinite=True) for k, v in params.items()}
    n_in = None
    for k in range(1, n_layers + 1):
        W, b = p[f"W{k}"], p[f"b{k}"]
        if W.dim() != 2:
            raise ValueError(f"params['W{k}'] must have shape (out, in); got {tuple(W.shape)}")
        if n_in is not None and W.shape[1] != n_in:
            raise ValueError(
                f"params['W{k}'] must have shape (out, {n_in}) to follow W{k - 1}; got {tuple(W.shape)}"
            )
        if tuple(b.shape) != (W.shape[0],):
            raise ValueError(
                f"params['b{k}'] must have shape ({W.shape[0]},) to match W{k}; got {tuple(b.shape)}"
            )
        n_in = W.shape[0]
    dtypes = {t.dtype for t in p.values()}
    if len(dtypes) > 1:
        raise TypeError(f"params must all have one dtype; got {sorted(str(d) for d in dtypes)}")
    return p, n_layers


def _check_X(X, p):
    X = as_float_tensor(X, "X", allow_nonfinite=True)
    n_in = p["W1"].shape[1]
    if X.dim() != 2 or X.shape[1] != n_in or X.shape[0] == 0:
        raise ValueError(f"X must have shape (N, {n_in}) with N >= 1, to match W1; got {tuple(X.shape)}")
    if X.dtype != p["W1"].dtype:
        raise TypeError(f"X must have the params' dtype {p['W1'].dtype}; got {X.dtype}")
    return X


def _check_inputs(X, params, activation):
    # the checks of a forward pass: (X, params as tensors, D), every value finite
    check_choice(activation, "activation", NETWORK_ACTIVATIONS)
    p, n_layers = _check_params(params)
    X = _check_X(X, p)
    check_finite({"X": X, **{f"params[{k!r}]": v for k, v in p.items()}})
    return X, p, n_layers


def network_forward(X, params, *, activation="relu"):
    """Forward pass  Z_k = A_{k−1} W_kᵀ + b_k,  A_k = act(Z_k)  (k < D),  logits = Z_D;  A_0 = X.

    Parameters
    ----------
    X : (N, d) tensor or list
    params : dict from ``init_network``
    activation : {"sigmoid", "tanh", "relu"}
        The hidden layers' activation; the output layer has none (softmax lives in the loss).

    Returns
    -------
    logits : (N, C) tensor
    cache : dict
        What ``network_backward`` needs: ``"A"`` = [A_0 = X, A_1, …, A_{D−1}], ``"Z"`` = [Z_1, …, Z_D],
        the params and the activation name.
    """
    X, p, _ = _check_inputs(X, params, activation)
    return _forward(X, p, activation)


def _forward(X, p, activation):
    # network_forward without the input checks, for callers that checked X and p already
    n_layers = len(p) // 2
    act = _FORWARD[activation]
    A, Z = [X], []
    for k in range(1, n_layers + 1):
        Z.append(A[-1] @ p[f"W{k}"].T + p[f"b{k}"])  # (N, in) @ (in, out) -> (N, out)
        if k < n_layers:
            A.append(act(Z[-1]))
    return Z[-1], {"A": A, "Z": Z, "params": p, "activation": activation}


def network_backward(cache, labels):
    """Backward pass, output layer first; returns ``{"W1": dW1, "b1": db1, …, "WD": dWD, "bD": dbD}``.

    dZ_D = (softmax(Z_D) − onehot(y))/N, then for k = D…1:  dW_k = dZ_kᵀ A_{k−1},  db_k = Σₙ dZ_k,  and for
    k > 1 (X needs no gradient):  dA_{k−1} = dZ_k W_k,  dZ_{k−1} = dA_{k−1} ⊙ act′(Z_{k−1}).
    Each gradient has the shape of its parameter; keys match ``params`` so ``sgd_step`` can pair them.
    """
    if not isinstance(cache, dict) or not {"A", "Z", "params", "activation"} <= set(cache):
        raise TypeError("cache must be the dict returned by network_forward")
    logits = cache["Z"][-1]
    labels = check_labels(labels, "labels", logits.shape[0], logits.shape[1])
    return _backward(cache, labels)


def _backward(cache, labels):
    # network_backward without the input checks, for callers that checked the cache and labels already
    A, Z, p = cache["A"], cache["Z"], cache["params"]
    act_grad = _GRAD[cache["activation"]]
    n_layers = len(Z)
    grads = {}
    dZ = _cross_entropy_grad(Z[-1], labels, Z[-1].shape[0])  # (N, C); the mean is over the N rows
    for k in range(n_layers, 0, -1):
        grads[f"W{k}"] = dZ.T @ A[k - 1]  # (out, N) @ (N, in) -> (out, in)
        grads[f"b{k}"] = dZ.sum(dim=0)  # b_k is added to every row: gradients of the rows add up
        if k > 1:
            dA = dZ @ p[f"W{k}"]  # (N, out) @ (out, in) -> (N, in)
            dZ = dA * act_grad(Z[k - 2])  # Z[k − 2] is Z_{k−1}
    return {name: grads[name] for name in p}  # in the params' order: W1, b1, …


def network_autograd(X, labels, params, *, activation="relu"):
    """The same loss and gradients through ``torch.autograd``: (L, grads keyed like params).

    The forward pass is ``network_forward``'s, on copies of the params that require grad; the gradients come
    from ``torch.autograd.grad``, so nothing is stored on the caller's tensors.
    """
    X, p, n_layers = _check_inputs(X, params, activation)
    labels = check_labels(labels, "labels", X.shape[0], p[f"W{n_layers}"].shape[0])
    logits, grads = _autograd_pass(X, labels, p, activation)
    return _cross_entropy_terms(logits, labels).mean(), grads


def _autograd_pass(X, labels, p, activation):
    # network_autograd without the input checks: (logits, grads), the logits detached
    leaves = {name: value.detach().requires_grad_(True) for name, value in p.items()}
    logits, _ = _forward(X, leaves, activation)
    loss = _cross_entropy_terms(logits, labels).mean()
    grads = torch.autograd.grad(loss, list(leaves.values()))
    return logits.detach(), dict(zip(leaves, grads, strict=True))


def _hand_pass(X, labels, p, activation):
    # network_forward then network_backward without the input checks: (logits, grads)
    logits, cache = _forward(X, p, activation)
    return logits, _backward(cache, labels)


_PASSES = {"hand": _hand_pass, "autograd": _autograd_pass}


def layer_grad_norms(grads):
    """‖∂L/∂W_k‖_F for k = 1…D, the input side first, as a list of floats (the biases are left out)."""
    n_layers = _n_layers(grads)
    return [
        float(torch.linalg.vector_norm(as_float_tensor(grads[f"W{k}"], f"grads['W{k}']")))
        for k in range(1, n_layers + 1)
    ]


def accuracy(logits, labels):
    """The fraction of rows whose largest logit is at the label: (1/N) Σₙ [argmax_c zₙ,c = yₙ], a float.

    A tie goes to the lowest class index, as ``torch.argmax`` decides it.
    """
    logits, labels = _logits_labels(logits, labels)  # cross_entropy's checks: the same (N, C) and labels
    return _accuracy(logits, labels)


def _accuracy(logits, labels):
    return (logits.argmax(dim=1) == labels).sum().item() / labels.shape[0]


def gradient_norms_at_init(
    X, labels, *, depth, width=32, n_classes=10, activation="relu", init="he", generator
):
    """‖∂L/∂W_k‖_F, k = 1…depth, for a fresh network (d, width, …, width, n_classes) on the batch X, labels.

    ``depth`` counts the weight layers (2 is d → width → n_classes). One forward and one backward by hand at
    the initial weights: where these norms shrink towards the input the gradients vanish, where they grow
    they explode. The weights are drawn from ``generator`` in X's dtype (use float64).
    """
    depth = check_int(depth, "depth", low=1)
    width = check_int(width, "width", low=1)
    n_classes = check_int(n_classes, "n_classes", low=1)
    X = as_float_tensor(X, "X")
    if X.dim() != 2 or X.shape[0] == 0:
        raise ValueError(f"X must have shape (N, d) with N >= 1; got shape {tuple(X.shape)}")
    sizes = (X.shape[1],) + (width,) * (depth - 1) + (n_classes,)
    params = init_network(sizes, init=init, generator=generator, dtype=X.dtype)
    _, cache = network_forward(X, params, activation=activation)
    return layer_grad_norms(network_backward(cache, labels))


@dataclass(frozen=True)
class NetworkRun:
    """One run of ``train_network``, measured after every epoch on the whole training set.

    ``losses[e]``, ``train_accuracies[e]`` and ``grad_norms[e]`` (‖∂L/∂W_k‖_F for each layer k, input side
    first) are taken with the parameters after e epochs (index 0: the initial ones), so a full run holds
    ``epochs + 1`` of each; ``test_accuracies`` likewise when a test set was given, else it is empty.
    ``diverged_at`` is None, or the epoch during which the loss or a weight became inf/nan: the run stopped
    there, ``params`` are the last finite ones (after ``diverged_at − 1`` epochs) and ``message`` says so.
    """

    params: dict
    losses: tuple
    train_accuracies: tuple
    test_accuracies: tuple
    grad_norms: tuple
    diverged_at: int | None = None

    @property
    def message(self):
        """'' for a finished run, else a sentence saying where the run stopped and why."""
        if self.diverged_at is None:
            return ""
        return (
            f"stopped in epoch {self.diverged_at}: the loss became inf or nan (the learning rate is too large "
            f"for this network); params are those after epoch {self.diverged_at - 1}"
        )


def train_network(
    X,
    y,
    params,
    *,
    activation="relu",
    lr,
    epochs,
    batch_size,
    generator,
    backward="hand",
    X_test=None,
    y_test=None,
    callback=None,
):
    """Minibatch SGD, θ ← θ − lr·∂L_B/∂θ for each minibatch B of every epoch, L_B the mean over B.

    Every epoch draws a new order of the training rows with ``torch.randperm(N, generator=generator)`` and
    walks it in minibatches of ``batch_size`` (the last one smaller if N is not a multiple). Two runs given
    generators seeded alike see the same minibatches, so ``backward="hand"`` (``network_backward``) and
    ``backward="autograd"`` (``network_autograd``) start from the same weights and take the same steps:
    their losses differ only by rounding. After each epoch the loss, accuracy and per-layer gradient norms
    are measured on the whole training set, the gradients by the same ``backward`` (and the accuracy on the
    test set, if given).

    Parameters
    ----------
    X : (N, d) tensor; y : (N,) integer labels
    params : dict from ``init_network``
        Left unchanged; the run starts from a copy.
    activation : {"sigmoid", "tanh", "relu"}
    lr : float > 0
    epochs : int >= 0
    batch_size : int >= 1
    generator : torch.Generator
        The minibatch order; the run advances it by one ``randperm`` per epoch.
    backward : {"hand", "autograd"}
    X_test, y_test : optional, both or neither
    callback : callable, optional
        ``callback(epoch, run)`` after every epoch, ``run`` the ``NetworkRun`` so far: for a progress bar.

    Returns
    -------
    NetworkRun
        If the loss becomes inf/nan the run stops there (``diverged_at``, ``message``): no silent nan.
    """
    check_choice(backward, "backward", ("hand", "autograd"))
    lr = check_positive_number(lr, "lr")
    epochs = check_int(epochs, "epochs", low=0)
    batch_size = check_int(batch_size, "batch_size", low=1)
    check_generator(generator)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None; got {type(callback).__name__}")
    X, p, n_layers = _check_inputs(X, params, activation)
    n_classes = p[f"W{n_layers}"].shape[0]
    y = check_labels(y, "y", X.shape[0], n_classes)
    if (X_test is None) != (y_test is None):
        raise ValueError("X_test and y_test must be given together (or neither)")
    if X_test is not None:
        X_test = _check_X(X_test, p)
        check_finite({"X_test": X_test})
        y_test = check_labels(y_test, "y_test", X_test.shape[0], n_classes)
    p = {name: value.detach().clone() for name, value in p.items()}

    forward_backward = _PASSES[backward]  # the same pass for the steps and for the measurements
    history = {"losses": [], "train_accuracies": [], "test_accuracies": [], "grad_norms": []}

    def measure(p):
        # loss, accuracies and gradient norms on the whole training set, after an epoch
        logits, grads = forward_backward(X, y, p, activation)
        values = {
            "losses": _cross_entropy_terms(logits, y).mean().item(),
            "train_accuracies": _accuracy(logits, y),
            "grad_norms": tuple(
                float(torch.linalg.vector_norm(grads[f"W{k}"])) for k in range(1, n_layers + 1)
            ),
        }
        if X_test is not None:
            values["test_accuracies"] = _accuracy(_forward(X_test, p, activation)[0], y_test)
        return values

    def record(values):
        for key, value in values.items():
            history[key].append(value)

    def run_so_far(p, diverged_at=None):
        return NetworkRun(params=p, **{k: tuple(v) for k, v in history.items()}, diverged_at=diverged_at)

    record(measure(p))
    n = X.shape[0]
    for epoch in range(1, epochs + 1):
        order = torch.randperm(n, generator=generator)
        candidate = p
        for start in range(0, n, batch_size):
            rows = order[start : start + batch_size]
            _, grads = forward_backward(X[rows], y[rows], candidate, activation)
            candidate = _sgd_step(candidate, grads, lr)
        values = measure(candidate) if _all_finite(candidate) else None
        if values is None or not math.isfinite(values["losses"]):
            return run_so_far(p, diverged_at=epoch)
        p = candidate
        record(values)
        if callback is not None:
            callback(epoch, run_so_far(p))
    return run_so_far(p)
