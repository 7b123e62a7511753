"""Exercise 4 of notebook 05: the learner writes the backward pass of the two-layer MLP, and
``check_mlp_backward`` judges it.

The network is the package's (``backprop_helpers.mlp``): Ŷ = σ(tanh(X W1ᵀ + b1) W2ᵀ + b2), L = mean((Ŷ − Y)²)
over all N·o elements, in the ``nn.Linear`` convention (W1 (H, d), b1 (H,), W2 (o, H), b2 (o,)). The learner's
``fn(X, y, params)`` returns ``{"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}``; each is compared with autograd
(float64, ``code_check.RTOL``) on four generated cases, and each wrong one is named with what is wrong.

Why these cases:

- a batch of one (N = 1, o = 1), where the mean and the sums over the batch do nothing: a learner who gets
  only the chain rule right passes it, and hears about the batch from the next cases;
- the four XOR points with H = 3 (o = 1, as in the notebook), and a batch of 5 with d = 3, H = 4, o = 2: no
  weight is square there, so a transposed dW1 or dW2 is caught by its shape, and with o = 2 a mean over the
  N rows only (1/N instead of 1/(N·o)) is a factor 2 off;
- a batch of 3 with every pre-activation in a tail (|Z1| ≥ 2.5, |Z2| ≥ 4, y ∈ {0, 1}), where tanh′ and σ′ are
  below 0.03: a missing slope is off by a factor 30 or more there, and the arithmetic must not overflow.

The catalogued mistakes (``_MISTAKES``) are the ones notebook 05's section 6 guards against: a missing σ′ or
tanh′, tanh′ written 1 − Z1², W2 left out of dA1, the 1/(N·o) of the mean missing or only 1/N, the factor 2
missing, a bias gradient averaged over the batch instead of summed, dW2 from Z1 instead of A1. A transpose, a
flipped sign and a factor 2 are diagnosed by ``code_check``. None of this can be read off the XORExplorer: it
never shows a gradient.
"""

import torch

from backprop_helpers.data import xor_data
from backprop_helpers.exercises.code_check import Case, check_code

__all__ = ["check_mlp_backward"]

NAMES = ("W1", "b1", "W2", "b2")
F64 = torch.float64

# mistake → (how the backward pass differs, {gradient: hint}); each changes only what that slip changes
_SLOPE2 = "σ′(Z2) = Ŷ(1 − Ŷ) is missing: dZ2 = dŶ ⊙ Ŷ ⊙ (1 − Ŷ)"
_MEAN = "the 1/(N·o) of the mean is missing: dŶ = 2(Ŷ − Y)/(N·o)"
_ROWS = "the mean is over all N·o entries of Ŷ, not over the N rows: dŶ = 2(Ŷ − Y)/(N·o)"
_TWO = "the factor 2 of d(Ŷ − Y)²/dŶ = 2(Ŷ − Y) is missing"
_MISTAKES = {
    "no σ′": ({"slope2": False}, dict.fromkeys(NAMES, _SLOPE2)),
    "no 1/(N·o)": ({"count": "none"}, dict.fromkeys(NAMES, _MEAN)),
    "1/N": ({"count": "rows"}, dict.fromkeys(NAMES, _ROWS)),
    "no 2": ({"two": False}, dict.fromkeys(NAMES, _TWO)),
    "no tanh′": ({"slope1": "none"}, dict.fromkeys(("W1", "b1"), "tanh′(Z1) = 1 − A1² is missing: dZ1 = dA1 ⊙ (1 − A1²)")),
    "1 − Z1²": ({"slope1": "Z1"}, dict.fromkeys(("W1", "b1"), "tanh′(Z1) is 1 − tanh(Z1)² = 1 − A1², not 1 − Z1²")),
    "no W2": ({"through_W2": False}, dict.fromkeys(("W1", "b1"), "W2 is left out: the hidden layer gets its gradient "
                                                   "through the output weights, dA1 = dZ2 W2 (N×o @ o×H)")),
    "bias mean": ({"bias": "mean"}, {"b1": "b1 is added to every row, so its gradients add up: db1 = Σₙ dZ1, a sum "
                                            "(the 1/(N·o) of the mean is already in dŶ)",
                                     "b2": "b2 is added to every row, so its gradients add up: db2 = Σₙ dZ2, a sum "
                                           "(the 1/(N·o) of the mean is already in dŶ)"}),
    "Z1 for A1": ({"W2_input": "Z1"}, {"W2": "dW2 = dZ2ᵀ A1: the output layer's input is A1 = tanh(Z1), not Z1"}),
}  # fmt: skip


def _backward(X, y, p, *, slope2=True, count="all", two=True, slope1="A1", through_W2=True, bias="sum",
              W2_input="A1"):  # fmt: skip
    """Notebook 05's table (section 6) with o outputs, or one of the catalogued slips in it."""
    Z1 = X @ p["W1"].T + p["b1"]  # (N, d) @ (d, H) -> (N, H)
    A1 = torch.tanh(Z1)
    y_hat = torch.sigmoid(A1 @ p["W2"].T + p["b2"])  # (N, H) @ (H, o) -> (N, o)
    n = {"all": y.numel(), "rows": y.shape[0], "none": 1}[count]  # the mean is over all N·o elements
    dY_hat = (2 if two else 1) * (y_hat - y) / n
    dZ2 = dY_hat * y_hat * (1 - y_hat) if slope2 else dY_hat
    dA1 = dZ2 @ p["W2"] if through_W2 else dZ2 @ torch.ones_like(p["W2"])  # (N, o) @ (o, H) -> (N, H)
    dZ1 = dA1 * {"A1": 1 - A1**2, "Z1": 1 - Z1**2, "none": 1}[slope1]
    reduce = {"sum": lambda dZ: dZ.sum(dim=0), "mean": lambda dZ: dZ.mean(dim=0)}[bias]
    dW2 = dZ2.T @ {"A1": A1, "Z1": Z1}[W2_input]  # (o, N) @ (N, H) -> (o, H)
    return {"W1": dZ1.T @ X, "b1": reduce(dZ1), "W2": dW2, "b2": reduce(dZ2)}


def _by_autograd(X, y, params):
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    y_hat = torch.sigmoid(torch.tanh(X @ leaves["W1"].T + leaves["b1"]) @ leaves["W2"].T + leaves["b2"])
    grads = torch.autograd.grad(((y_hat - y) ** 2).mean(), [leaves[k] for k in NAMES])
    return dict(zip(NAMES, grads, strict=True))


def _case(label, X, y, params):
    """A Case: autograd's gradients, and for each gradient the values its catalogued slips give."""
    expected = _by_autograd(X, y, params)
    mistakes = {name: [] for name in NAMES}
    for change, hints in _MISTAKES.values():
        wrong = _backward(X, y, params, **change)
        for name, hint in hints.items():
            mistakes[name].append((wrong[name], hint))
    return Case(label, (X, y, params), expected, mistakes)


def _random_case(label, n, d, h, o, generator):
    X = torch.randn(n, d, generator=generator, dtype=F64)
    shapes = {"W1": (h, d), "b1": (h,), "W2": (o, h), "b2": (o,)}
    params = {k: torch.randn(shape, generator=generator, dtype=F64) for k, shape in shapes.items()}
    y = torch.rand(n, o, generator=generator, dtype=F64)
    return _case(label, X, y, params)


def _xor_case(generator):
    X, y = xor_data(F64)
    shapes = {"W1": (3, 2), "b1": (3,), "W2": (1, 3), "b2": (1,)}
    params = {k: torch.randn(shape, generator=generator, dtype=F64) for k, shape in shapes.items()}
    return _case("the four XOR points (N = 4, d = 2, H = 3, o = 1)", X, y, params)


def _tails_case(generator, n=3, d=2, h=4, o=2):
    """Weights solved for pre-activations drawn in the tails: |Z1| in [2.5, 3.5], |Z2| in [4, 6]."""

    def tail(shape, low, high):
        sign = torch.randint(0, 2, shape, generator=generator).to(F64) * 2 - 1
        return sign * (low + (high - low) * torch.rand(shape, generator=generator, dtype=F64))

    def solve(inputs, targets):  # (W, b) with inputs Wᵀ + b = targets exactly: N ≤ inputs' columns + 1
        augmented = torch.cat([inputs, torch.ones(n, 1, dtype=F64)], dim=1)  # (N, k + 1)
        theta = augmented.T @ torch.linalg.solve(augmented @ augmented.T, targets)  # least norm, (k + 1, m)
        return theta[:-1].T.contiguous(), theta[-1].contiguous()

    X = torch.randn(n, d, generator=generator, dtype=F64)
    W1, b1 = solve(X, tail((n, h), 2.5, 3.5))
    W2, b2 = solve(torch.tanh(X @ W1.T + b1), tail((n, o), 4.0, 6.0))
    y = torch.randint(0, 2, (n, o), generator=generator).to(F64)  # confidently right and wrong outputs
    params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    return _case(f"a batch of {n} in the tails (|Z1| ≥ 2.5, |Z2| ≥ 4; N = {n}, d = {d}, H = {h}, o = {o})",
                 X, y, params)  # fmt: skip


def _cases():
    generator = torch.Generator().manual_seed(5)
    return [
        _random_case("a batch of one (N = 1, d = 3, H = 4, o = 1)", 1, 3, 4, 1, generator),
        _xor_case(generator),
        _random_case("a batch of 5 (N = 5, d = 3, H = 4, o = 2)", 5, 3, 4, 2, generator),
        _tails_case(generator),
    ]


def check_mlp_backward(fn):
    """Judge the learner's ``fn(X, y, params) -> {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}``.

    For Ŷ = σ(tanh(X W1ᵀ + b1) W2ᵀ + b2) and L = mean((Ŷ − Y)²) over all N·o elements; ``X`` (N, d), ``y``
    (N, o) and ``params`` (W1 (H, d), b1 (H,), W2 (o, H), b2 (o,)) are float64 tensors. The gradients may be
    tensors, arrays or nested lists (or a tuple in the order W1, b1, W2, b2), each of its parameter's shape.
    Four cases (see the module's docstring), against autograd at rtol 1e-6.
    """
    return check_code(fn, _cases(), NAMES, what="your MLP backward pass")
