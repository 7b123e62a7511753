"""check_softmax_ce_grad (notebook 07): reference solutions in two styles pass; each catalogued mistake gets its
own hint; the cases are what the module says (a batch of one, N ≠ C, the tails where a naive softmax is nan);
placeholders, exceptions and the forms of a result are handled as the learner needs."""

import math

import pytest
import torch

from backprop_helpers.exercises import check_softmax_ce_grad
from backprop_helpers.exercises.code_check import ATOL, RTOL
from backprop_helpers.exercises.digits import _cases
from backprop_helpers.losses import cross_entropy_grad


def by_loops(logits, labels):
    """Plain floats, one row at a time, as a nested list: pₙₖ = e^{zₙₖ − mₙ}/Σⱼ e^{zₙⱼ − mₙ}, minus 1 at the label."""
    rows, n = logits.tolist(), logits.shape[0]
    result = []
    for row, label in zip(rows, labels.tolist(), strict=True):
        m = max(row)  # subtract the row's largest logit: every exponent ≤ 0, nothing overflows
        e = [math.exp(z - m) for z in row]
        total = sum(e)
        result.append([(e_k / total - (1.0 if k == label else 0.0)) / n for k, e_k in enumerate(e)])
    return result


def vectorised(logits, labels):
    p = torch.softmax(logits, dim=1)
    onehot = torch.nn.functional.one_hot(labels, logits.shape[1]).to(logits.dtype)
    return (p - onehot) / logits.shape[0]


def parts(logits, labels):
    n, c = logits.shape
    p = torch.softmax(logits, dim=1)
    onehot = torch.nn.functional.one_hot(labels, c).to(logits.dtype)
    return p, onehot, n, c


@pytest.mark.parametrize("solution", [by_loops, vectorised])
def test_reference_solutions_pass(solution):
    feedback = check_softmax_ce_grad(solution)
    assert feedback.ok, feedback.message
    assert f"on {len(_cases())} cases" in feedback.message and "✓ dL_dlogits" in feedback.message


def test_numpy_a_dict_and_the_package_function_are_accepted():
    def with_numpy(logits, labels):
        return vectorised(logits, labels).numpy()

    def as_dict(logits, labels):
        return {"dL_dlogits": vectorised(logits, labels)}

    for fn in (with_numpy, as_dict, cross_entropy_grad):
        assert check_softmax_ce_grad(fn).ok, fn.__name__


def _mistake(change):
    def fn(logits, labels):
        return change(logits, *parts(logits, labels))

    return fn


MISTAKES = [
    ("no 1/N", _mistake(lambda z, p, o, n, c: p - o), "the 1/N of the mean is missing"),
    ("sum", _mistake(lambda z, p, o, n, c: torch.stack([p[i] - o[i] for i in range(n)])), "the gradient of the sum over the batch"),
    ("p alone", _mistake(lambda z, p, o, n, c: p / n), "p alone is not the gradient"),
    ("onehot − p", _mistake(lambda z, p, o, n, c: (o - p) / n), "onehot − p is the wrong way round"),
    ("1/(N·C)", _mistake(lambda z, p, o, n, c: (p - o) / (n * c)), "divided by N·C, the number of entries"),
    ("1/C", _mistake(lambda z, p, o, n, c: (p - o) / c), "divided by C, the number of classes"),
    ("p − 1", _mistake(lambda z, p, o, n, c: (p - 1) / n), "1 is subtracted from every entry"),
    ("softmax dim 0", _mistake(lambda z, p, o, n, c: (torch.softmax(z, 0) - o) / n), "the softmax runs down the columns"),
    ("transposed", _mistake(lambda z, p, o, n, c: ((p - o) / n).T), "the result is (C, N), the transpose"),
    ("sign of a half", _mistake(lambda z, p, o, n, c: -(p - o) / (2 * n)), "the values are wrong"),
    ("factor 2", _mistake(lambda z, p, o, n, c: 2 * (p - o) / n), "a factor 2 too large"),
    ("naive softmax", _mistake(lambda z, p, o, n, c: (torch.exp(z) / torch.exp(z).sum(1, keepdim=True) - o) / n),
     "it contains inf or nan"),
    ("wrong shape", _mistake(lambda z, p, o, n, c: ((p - o) / n).reshape(-1)), "but it must be"),
]  # fmt: skip


@pytest.mark.parametrize(("fn", "hint"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_each_mistake_gets_its_own_hint(fn, hint):
    feedback = check_softmax_ce_grad(fn)
    assert not feedback.ok
    assert feedback.message.startswith("✗ dL_dlogits:") and hint in feedback.message, feedback.message


def test_the_naive_softmax_fails_only_in_the_tails():
    feedback = check_softmax_ce_grad(MISTAKES[11][1])
    assert "in the tails" in feedback.message


def test_every_hint_of_the_catalogue_is_reached_by_a_test():
    hints = {hint for case in _cases() for _, hint in case.mistakes["dL_dlogits"]}
    reached = {h for h in hints if any(hint in h for *_, hint in MISTAKES)}
    assert reached == hints


def _close(a, b):
    return a.shape == b.shape and bool(torch.allclose(a, b, rtol=RTOL, atol=ATOL))


def test_each_mistake_is_named_by_its_own_hint_where_it_first_fails():
    """A slip that equals the answer on a case passes it; on the first case where it is wrong, no earlier entry of
    the catalogue may have its value (that entry's hint would be shown). The first case tells all of them apart."""
    cases = _cases()
    n_mistakes = len(cases[0].mistakes["dL_dlogits"])
    for k in range(n_mistakes):
        failing = [c for c in cases if not _close(c.mistakes["dL_dlogits"][k][0], c.expected["dL_dlogits"])]
        assert failing, k
        catalogue = failing[0].mistakes["dL_dlogits"]
        assert all(not _close(catalogue[j][0], catalogue[k][0]) for j in range(k)), catalogue[k][1]
    first = cases[0].mistakes["dL_dlogits"]
    for k, (value, hint) in enumerate(first):
        assert not _close(value, cases[0].expected["dL_dlogits"]), hint
        assert all(not _close(value, other) for other, _ in first[k + 1 :]), hint


def test_the_cases_are_what_the_module_says():
    cases = _cases()
    shapes = [tuple(case.args[0].shape) for case in cases]
    assert any(n == 1 for n, _ in shapes) and shapes[0][0] > 1  # a batch of one, after one of several
    assert all(n != c for n, c in shapes)  # non-square: a transpose has another shape
    assert any(c == 10 for _, c in shapes)  # the digits' ten classes
    for case in cases:
        logits, labels = case.args
        assert logits.dtype == torch.float64 and labels.dtype == torch.long
        assert f"N = {logits.shape[0]}" in case.label and f"C = {logits.shape[1]}" in case.label
        assert _close(cross_entropy_grad(logits, labels), case.expected["dL_dlogits"])
        assert bool(((labels >= 0) & (labels < logits.shape[1])).all())


def test_the_tails_case_is_in_the_tails():
    (case,) = [case for case in _cases() if "tails" in case.label]
    logits, labels = case.args
    assert logits.abs().min() >= 800 and (logits > 709).any(dim=1).all()  # e^z overflows float64 in every row
    assert labels[0] == logits[0].argmax() and labels[1] == logits[1].argmin()  # confidently right and wrong
    assert torch.isnan(torch.exp(logits) / torch.exp(logits).sum(1, keepdim=True)).any()
    assert bool(torch.isfinite(case.expected["dL_dlogits"]).all())


def test_the_cases_are_the_same_every_time_and_a_learner_cannot_change_them():
    def vandal(logits, labels):
        result = vectorised(logits, labels)
        logits.zero_()  # in place: must not leak into the next check
        labels.zero_()
        return result

    assert check_softmax_ce_grad(vandal).ok
    for a, b in zip(_cases(), _cases(), strict=True):
        assert torch.equal(a.args[0], b.args[0]) and torch.equal(
            a.expected["dL_dlogits"], b.expected["dL_dlogits"]
        )


def test_not_written_yet():
    def stub(logits, labels):
        """Return ∂L/∂logits."""
        ...  # your code here

    assert (
        check_softmax_ce_grad(stub).message
        == "your softmax cross-entropy gradient is not written yet: it returns None."
    )
    assert "not written yet" in check_softmax_ce_grad(lambda z, y: ...).message
    assert "not written yet" in check_softmax_ce_grad(None).message


def test_the_learners_exception_is_shown_as_their_own_short_traceback():
    def index_slip(logits, labels):
        p = torch.softmax(logits, dim=1)
        p[torch.arange(logits.shape[1]), labels] -= 1  # arange over the classes, not the rows
        return p / logits.shape[0]

    message = check_softmax_ce_grad(index_slip).message
    assert message.startswith("✗ your softmax cross-entropy gradient raised an error on a batch of 5")
    assert "p[torch.arange(logits.shape[1]), labels] -= 1" in message
    assert "code_check.py" not in message and "digits.py" not in message


def test_float32_is_told_to_compute_in_float64():
    feedback = check_softmax_ce_grad(lambda z, y: vectorised(z.float(), y) + 1e-3)
    assert "compute in float64" in feedback.message
