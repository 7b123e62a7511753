"""check_mlp_backward (notebook 05): reference solutions in two styles pass; each catalogued mistake gets its own
hint on its own gradient while the others get ✓; the cases are what the module says (non-square, a batch of one,
the tails); placeholders, exceptions and the forms of a result are handled as the learner needs."""

import math

import pytest
import torch

from backprop_helpers.exercises import check_mlp_backward
from backprop_helpers.exercises.code_check import ATOL, _close
from backprop_helpers.exercises.mlp_backward import NAMES, _backward, _cases

OTHERS = {name: [other for other in NAMES if other != name] for name in NAMES}


def by_loops(X, y, params):
    """Scalar arithmetic on nested lists, one index at a time: the index-level chain rule."""
    X, Y = X.tolist(), y.tolist()
    W1, b1, W2, b2 = (params[k].tolist() for k in NAMES)
    N, d, H, o = len(X), len(X[0]), len(W1), len(W2)
    A1 = [[math.tanh(sum(W1[j][i] * X[n][i] for i in range(d)) + b1[j]) for j in range(H)] for n in range(N)]
    Z2 = [[sum(W2[k][j] * A1[n][j] for j in range(H)) + b2[k] for k in range(o)] for n in range(N)]
    Y_hat = [[1 / (1 + math.exp(-z)) for z in row] for row in Z2]
    # ∂L/∂Z2[n][k] = 2(ŷ − y)/(N·o) · ŷ(1 − ŷ): the mean is over all N·o outputs
    dZ2 = [[2 * (Y_hat[n][k] - Y[n][k]) / (N * o) * Y_hat[n][k] * (1 - Y_hat[n][k]) for k in range(o)]
           for n in range(N)]  # fmt: skip
    dW2 = [[sum(dZ2[n][k] * A1[n][j] for n in range(N)) for j in range(H)] for k in range(o)]
    db2 = [sum(dZ2[n][k] for n in range(N)) for k in range(o)]
    dZ1 = [[sum(dZ2[n][k] * W2[k][j] for k in range(o)) * (1 - A1[n][j] ** 2) for j in range(H)]
           for n in range(N)]  # fmt: skip
    dW1 = [[sum(dZ1[n][j] * X[n][i] for n in range(N)) for i in range(d)] for j in range(H)]
    db1 = [sum(dZ1[n][j] for n in range(N)) for j in range(H)]
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def _parts(X, y, params):
    """The forward pass and the right backward pass of notebook 05's table, every intermediate by name."""
    W1, b1, W2, b2 = (params[k] for k in NAMES)
    Z1 = X @ W1.T + b1
    A1 = torch.tanh(Z1)
    y_hat = torch.sigmoid(A1 @ W2.T + b2)
    n = y.numel()
    dY_hat = 2 * (y_hat - y) / n
    dZ2 = dY_hat * y_hat * (1 - y_hat)
    dA1 = dZ2 @ W2
    dZ1 = dA1 * (1 - A1**2)
    return locals()


def vectorised(X, y, params):
    p = _parts(X, y, params)
    return {
        "W1": p["dZ1"].T @ X,
        "b1": p["dZ1"].sum(dim=0),
        "W2": p["dZ2"].T @ p["A1"],
        "b2": p["dZ2"].sum(dim=0),
    }


@pytest.mark.parametrize("solution", [by_loops, vectorised])
def test_reference_solutions_pass(solution):
    feedback = check_mlp_backward(solution)
    assert feedback.ok, feedback.message
    assert all(f"✓ {name}" in feedback.message for name in NAMES)
    assert f"on {len(_cases())} cases" in feedback.message


def test_numpy_arrays_in_a_tuple_are_accepted():  # nested lists: by_loops
    def as_numpy_tuple(X, y, params):
        grads = vectorised(X, y, params)
        return tuple(grads[k].numpy() for k in NAMES)

    assert check_mlp_backward(as_numpy_tuple).ok


def _variant(name, wrong):
    """The right backward pass except the gradient ``name``, which is ``wrong(parts)``."""

    def fn(X, y, params):
        grads = vectorised(X, y, params)
        grads[name] = wrong(_parts(X, y, params))
        return grads

    return fn


def _scaled(name, factor):
    """``name``'s gradient times factor(parts): a slip in a scalar of dŶ, seen on that gradient only."""
    return _variant(name, lambda p: vectorised(p["X"], p["y"], p["params"])[name] * factor(p))


MISTAKES = [
    ("W1", _variant("W1", lambda p: p["X"].T @ p["dZ1"]), "is the transpose of the right (4, 3)"),
    ("W2", _variant("W2", lambda p: p["A1"].T @ p["dZ2"]), "is the transpose of the right (1, 4)"),
    ("W1", _variant("W1", lambda p: p["dZ1"].T @ p["A1"]), "shape (4, 4), but it must be (4, 3)"),
    ("b2", _variant("b2", lambda p: p["dZ2"].sum(dim=0, keepdim=True)), "a gradient has the shape of what it is taken with respect to"),
    ("W1", _variant("W1", lambda p: p["dA1"].T @ p["X"]), "tanh′(Z1) = 1 − A1² is missing"),
    ("b1", _variant("b1", lambda p: p["dA1"].sum(dim=0)), "tanh′(Z1) = 1 − A1² is missing"),
    ("W1", _variant("W1", lambda p: (p["dA1"] * (1 - p["Z1"] ** 2)).T @ p["X"]), "not 1 − Z1²"),
    ("b1", _variant("b1", lambda p: (p["dA1"] * (1 - p["Z1"] ** 2)).sum(dim=0)), "not 1 − Z1²"),
    ("W1", _variant("W1", lambda p: (p["dZ2"].sum(1, keepdim=True) * (1 - p["A1"] ** 2)).T @ p["X"]), "W2 is left out"),
    ("b1", _variant("b1", lambda p: (p["dZ2"].sum(1, keepdim=True) * (1 - p["A1"] ** 2)).sum(0)), "W2 is left out"),
    ("W2", _variant("W2", lambda p: p["dY_hat"].T @ p["A1"]), "σ′(Z2) = Ŷ(1 − Ŷ) is missing"),
    ("b2", _variant("b2", lambda p: p["dY_hat"].sum(dim=0)), "σ′(Z2) = Ŷ(1 − Ŷ) is missing"),
    ("W1", _variant("W1", lambda p: ((p["dY_hat"] @ p["W2"]) * (1 - p["A1"] ** 2)).T @ p["X"]), "σ′(Z2) = Ŷ(1 − Ŷ) is missing"),
    ("b1", _variant("b1", lambda p: ((p["dY_hat"] @ p["W2"]) * (1 - p["A1"] ** 2)).sum(0)), "σ′(Z2) = Ŷ(1 − Ŷ) is missing"),
    ("b1", _variant("b1", lambda p: p["dZ1"].mean(dim=0)), "db1 = Σₙ dZ1, a sum"),
    ("b2", _variant("b2", lambda p: p["dZ2"].mean(dim=0)), "db2 = Σₙ dZ2, a sum"),
    ("W2", _variant("W2", lambda p: p["dZ2"].T @ p["Z1"]), "input is A1 = tanh(Z1), not Z1"),
    ("W2", _variant("W2", lambda p: -(p["dZ2"].T @ p["A1"])), "the sign is flipped"),
    ("b1", _scaled("b1", lambda p: 2), "a factor 2 too large"),
] + [
    (name, _scaled(name, factor), hint)
    for name in NAMES
    for factor, hint in [
        (lambda p: p["n"], "the 1/(N·o) of the mean is missing"),  # dŶ = 2(Ŷ − Y), no mean
        (lambda p: p["y"].shape[1], "not over the N rows"),  # dŶ = 2(Ŷ − Y)/N
        (lambda p: 0.5, "the factor 2 of d(Ŷ − Y)²/dŶ"),  # dŶ = (Ŷ − Y)/(N·o)
    ]
]  # fmt: skip


@pytest.mark.parametrize(("name", "fn", "hint"), MISTAKES, ids=[f"{n}:{h}" for n, _, h in MISTAKES])
def test_each_mistake_gets_its_own_hint_on_its_own_gradient(name, fn, hint):
    feedback = check_mlp_backward(fn)
    assert not feedback.ok
    line = next(line for line in feedback.message.splitlines() if line.startswith(f"✗ {name}:"))
    assert hint in line, feedback.message
    assert all(f"✓ {other}" in feedback.message for other in OTHERS[name])  # the right ones are not blamed


def test_every_hint_of_the_catalogue_is_reached_by_a_test():
    hints = {hint for case in _cases() for name in NAMES for _, hint in case.mistakes[name]}
    reached = {h for h in hints if any(hint in h for _, _, hint in MISTAKES)}
    assert reached == hints


def test_no_two_mistakes_look_alike_in_any_case():
    """A slip that equals the answer on a case passes it (the next case catches it); two different slips that
    agree on a case would get the first one's hint."""
    for case in _cases():
        for name in NAMES:
            expected = case.expected[name]
            wrong = [(value, hint) for value, hint in case.mistakes[name] if not _close(value, expected)]
            for i, (value, hint) in enumerate(wrong):
                assert all(not _close(value, other) for other, _ in wrong[i + 1 :]), (case.label, name, hint)


def test_every_mistake_is_wrong_on_some_case():
    cases = _cases()
    for name in NAMES:
        for k, (_, hint) in enumerate(cases[0].mistakes[name]):
            assert any(not _close(c.mistakes[name][k][0], c.expected[name]) for c in cases), (name, hint)


def test_the_cases_are_what_the_module_says():
    cases = _cases()
    batch_sizes = [case.args[0].shape[0] for case in cases]
    assert batch_sizes[0] == 1 and all(n > 1 for n in batch_sizes[1:])
    for case in cases:
        X, y, params = case.args
        assert X.dtype == y.dtype == torch.float64 and all(v.dtype == torch.float64 for v in params.values())
        W1, W2 = params["W1"], params["W2"]
        assert W1.shape[0] != W1.shape[1] and W2.shape[0] != W2.shape[1]  # a transpose has another shape
        assert f"N = {X.shape[0]}, d = {X.shape[1]}, H = {W1.shape[0]}, o = {W2.shape[0]}" in case.label
        # the reference is autograd; notebook 05's table (the module's _backward) agrees with it
        assert all(_close(_backward(X, y, params)[k], case.expected[k]) for k in NAMES)
        # every gradient is far above the checker's atol, so a wrong value cannot pass as "about 0"
        assert all(case.expected[k].abs().min() > 1e3 * ATOL for k in NAMES)
    X, y, params = cases[1].args
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and y.flatten().tolist() == [0, 1, 1, 0]
    assert any(case.args[1].shape[1] > 1 for case in cases)  # o > 1 somewhere: the mean is over N·o


def test_the_tails_case_is_in_the_tails():
    (case,) = [case for case in _cases() if "tails" in case.label]
    X, y, p = case.args
    Z1 = X @ p["W1"].T + p["b1"]
    Z2 = torch.tanh(Z1) @ p["W2"].T + p["b2"]
    assert Z1.abs().min() >= 2.5 and Z2.abs().min() >= 4  # what its label says
    y_hat = torch.sigmoid(Z2)
    assert (1 - torch.tanh(Z1) ** 2).max() < 0.03 and (y_hat * (1 - y_hat)).max() < 0.03
    assert set(y.flatten().tolist()) == {0.0, 1.0}
    confidently_wrong = (y_hat.round() != y).any() and (y_hat.round() == y).any()
    assert confidently_wrong  # some outputs are confidently wrong, some confidently right


def test_the_cases_are_the_same_every_time_and_a_learner_cannot_change_them():
    def vandal(X, y, params):
        grads = vectorised(X, y, params)
        params["W1"].zero_()  # in place: must not leak into the next check
        return grads

    first = _cases()
    assert check_mlp_backward(vandal).ok
    for a, b in zip(first, _cases(), strict=True):
        assert all(torch.equal(a.expected[k], b.expected[k]) for k in NAMES)
        assert torch.equal(a.args[2]["W1"], b.args[2]["W1"])


def test_not_written_yet():
    def stub(X, y, params):
        """Return the gradients."""
        ...  # your code here

    assert check_mlp_backward(stub).message == "your MLP backward pass is not written yet: it returns None."
    assert "not written yet" in check_mlp_backward(lambda X, y, params: ...).message
    assert "not written yet" in check_mlp_backward(None).message
    assert "not written yet" in check_mlp_backward(...).message


def test_the_learners_exception_is_shown_as_their_own_short_traceback():
    def broadcast_slip(X, y, params):  # dZ2 (N, o) ⊙ (N, H): works for o = 1 and fails on the o = 2 case
        p = _parts(X, y, params)
        dZ1 = p["dZ2"] * (1 - p["A1"] ** 2)
        return {"W1": dZ1.T @ X, "b1": dZ1.sum(0), "W2": p["dZ2"].T @ p["A1"], "b2": p["dZ2"].sum(0)}

    message = check_mlp_backward(broadcast_slip).message
    assert message.startswith("✗ your MLP backward pass raised an error on a batch of 5 (N = 5")
    assert 'dZ1 = p["dZ2"] * (1 - p["A1"] ** 2)' in message and "RuntimeError" in message
    assert "code_check.py" not in message and "mlp_backward.py" not in message


def test_a_wrong_return_is_explained():
    right = vectorised
    assert (
        "without b2" in check_mlp_backward(lambda X, y, p: {k: right(X, y, p)[k] for k in NAMES[:3]}).message
    )
    renamed = check_mlp_backward(lambda X, y, p: {f"d{k}": v for k, v in right(X, y, p).items()}).message
    assert "without W1, b1, W2, b2" in renamed and "'dW1'" in renamed
    assert "should return W1, b1, W2, b2" in check_mlp_backward(lambda X, y, p: X).message
    assert "Pass the function itself" in check_mlp_backward("mlp_grads").message
    not_numbers = check_mlp_backward(lambda X, y, p: {**right(X, y, p), "b1": "zeros"}).message
    assert "✗ b1: str is not a tensor" in not_numbers and "✓ W1" in not_numbers


def test_nan_is_named():
    feedback = check_mlp_backward(_variant("W2", lambda p: p["dZ2"].T @ p["A1"] / 0 * 0))
    assert "✗ W2: it contains inf or nan" in feedback.message
