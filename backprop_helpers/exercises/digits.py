"""The write-it-yourself exercise of notebook 07: the learner writes ∂L/∂z of the mean softmax cross-entropy,
and ``check_softmax_ce_grad`` judges it.

L = −(1/N) Σₙ log softmax(zₙ)[yₙ] for logits z (N, C) and integer labels y (N,), so
∂L/∂z = (softmax(z) − onehot(y))/N, the softmax taken along each row. The learner's ``fn(logits, labels)``
returns it; it is compared with autograd (float64, ``code_check.RTOL``) on four generated cases.

Why these cases:

- a batch of 5 with C = 3, first: N ≠ C, so a transposed result is caught by its shape, and every catalogued
  mistake differs there from the answer and from the others, so the first case already names each one;
- a batch of one (N = 1, C = 4), where the 1/N does nothing (and dividing by C is dividing by N·C): a slip
  that only the batch can show passes it;
- a batch of 6 with C = 10, the digits' classes (N < C, where the first case has N > C);
- a batch of 3 with logits in the tails (|z| between 800 and 1000, each row's label the largest logit in one
  row and the smallest in another): e^{z} overflows float64 above z ≈ 709, so a softmax written without
  subtracting the row maximum gives inf/inf = nan there; a stable one gives probabilities of exactly 0 and 1.

The catalogued mistakes (``_MISTAKES``): the 1/N missing (the gradient of the sum, not the mean), p instead of
p − onehot, onehot − p (the sign), a division by N·C or by C instead of N, 1 subtracted from every entry instead
of only at the label, the softmax taken over the batch (down the columns) instead of over the classes, and the
result transposed. A flipped sign and a factor 2 are also diagnosed by ``code_check``.
"""

import torch

from backprop_helpers.exercises.code_check import Case, check_code

__all__ = ["check_softmax_ce_grad"]

NAMES = ("dL_dlogits",)
F64 = torch.float64

# mistake → (the wrong value, computed from p = softmax(z) over the classes, onehot, N, C and the logits; hint)
_MISTAKES = {
    "no 1/N": (
        lambda c: c["p"] - c["onehot"],
        "the 1/N of the mean is missing: that is the gradient of the sum over the batch; divide by N, the number of rows",
    ),
    "p alone": (
        lambda c: c["p"] / c["N"],
        "p alone is not the gradient: 1 comes off each row's entry at its label, ∂L/∂z = (p − onehot(y))/N",
    ),
    "onehot − p": (
        lambda c: (c["onehot"] - c["p"]) / c["N"],
        "onehot − p is the wrong way round: ∂L/∂z = (p − onehot(y))/N, so that a too-small p at the label gets "
        "a negative gradient and descent raises it",
    ),
    "1/(N·C)": (
        lambda c: (c["p"] - c["onehot"]) / (c["N"] * c["C"]),
        "divided by N·C, the number of entries: L is a mean over the N rows (logits.shape[0]) only",
    ),
    "1/C": (
        lambda c: (c["p"] - c["onehot"]) / c["C"],
        "divided by C, the number of classes, logits.shape[1]: the mean is over the N rows, logits.shape[0]",
    ),
    "p − 1": (
        lambda c: (c["p"] - 1) / c["N"],
        "1 is subtracted from every entry: onehot(y) has a single 1 per row, at the label yₙ, and 0 elsewhere",
    ),
    "softmax over the batch": (
        lambda c: (torch.softmax(c["logits"], dim=0) - c["onehot"]) / c["N"],
        "the softmax runs down the columns, over the batch: it must run along each row, over the C classes "
        "(dim=1), so that each row of p sums to 1",
    ),
    "transposed": (
        lambda c: ((c["p"] - c["onehot"]) / c["N"]).T,
        "the result is (C, N), the transpose: ∂L/∂z has the shape of the logits, (N, C), one row per sample",
    ),
}


def _by_autograd(logits, labels):
    leaf = logits.clone().requires_grad_(True)
    loss = torch.nn.functional.cross_entropy(leaf, labels)  # the mean over the N rows, from the logits
    return torch.autograd.grad(loss, leaf)[0]


def _case(label, logits, labels):
    """A Case: autograd's gradient and the value each catalogued slip gives."""
    n, c = logits.shape
    onehot = torch.zeros_like(logits).scatter_(1, labels[:, None], 1.0)
    parts = {"logits": logits, "p": torch.softmax(logits, dim=1), "onehot": onehot, "N": n, "C": c}
    mistakes = [(wrong(parts), hint) for wrong, hint in _MISTAKES.values()]
    return Case(
        label, (logits, labels), {"dL_dlogits": _by_autograd(logits, labels)}, {"dL_dlogits": mistakes}
    )


def _random_case(label, n, c, generator):
    logits = 2 * torch.randn(n, c, generator=generator, dtype=F64)
    labels = torch.randint(0, c, (n,), generator=generator)
    return _case(label, logits, labels)


def _tails_case(generator, n=3, c=4):
    """|z| in [800, 1000]; row 0's label is its largest logit (confidently right), row 1's its smallest."""
    sign = torch.randint(0, 2, (n, c), generator=generator).to(F64) * 2 - 1
    logits = sign * (800 + 200 * torch.rand(n, c, generator=generator, dtype=F64))
    logits[:, 0] = 900.0  # one positive logit per row at least, and one negative: both tails in every row
    logits[:, 1] = -900.0
    labels = torch.randint(0, c, (n,), generator=generator)
    labels[0] = logits[0].argmax()
    labels[1] = logits[1].argmin()
    return _case(
        f"a batch of {n} in the tails, N = {n}, C = {c}, |z| ≥ 800: e^z overflows float64 there unless each "
        "row's maximum is subtracted first",
        logits,
        labels,
    )


def _cases():
    generator = torch.Generator().manual_seed(7)
    return [
        _random_case("a batch of 5, N = 5, C = 3", 5, 3, generator),
        _random_case("a batch of one, N = 1, C = 4", 1, 4, generator),
        _random_case("a batch of 6 with the digits' ten classes, N = 6, C = 10", 6, 10, generator),
        _tails_case(generator),
    ]


def check_softmax_ce_grad(fn):
    """Judge the learner's ``fn(logits, labels) -> dL_dlogits`` for the mean softmax cross-entropy.

    L = −(1/N) Σₙ log softmax(zₙ)[yₙ]; ``logits`` is a float64 (N, C) tensor and ``labels`` an integer (N,)
    tensor (torch.long) of classes in [0, C). The result (N, C) may be a tensor, an array or a nested list.
    Four cases (see the module's docstring), against autograd at rtol 1e-6.
    """
    return check_code(fn, _cases(), NAMES, what="your softmax cross-entropy gradient")
