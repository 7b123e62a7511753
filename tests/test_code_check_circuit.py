"""check_circuit_backward (notebook 03): reference solutions in two styles pass; each catalogued mistake gets its
own hint on its own gradient while the others get ✓; a mistake carried down the circuit is named on every gradient
it reaches; exceptions, placeholders and wrong returns are handled as the learner would need."""

import math

import numpy as np
import pytest
import torch

from backprop_helpers.exercises import chain_rule, check_circuit_backward
from backprop_helpers.exercises.code_check import _close

NAMES = ("df_dh", "df_dk", "df_dz", "df_dw", "df_db", "df_dx")


def by_loops(x, w, b):
    """Scalar arithmetic, one gate and one input at a time."""
    z = sum(xi * wi for xi, wi in zip(x.tolist(), w.tolist(), strict=True)) + b.item()
    k = math.exp(-z)
    h = 1 + k
    df_dh = -1 / h**2  # f = 1/h
    df_dk = df_dh * 1.0  # upstream × local, ∂h/∂k = 1
    df_dz = df_dk * -k  # ∂k/∂z = −k
    return {"df_dh": df_dh, "df_dk": df_dk, "df_dz": df_dz, "df_dw": [df_dz * xi for xi in x.tolist()],
            "df_db": df_dz, "df_dx": [df_dz * wi for wi in w.tolist()]}  # fmt: skip


def vectorised(x, w, b):
    k = torch.exp(-(w @ x + b))
    h = 1 + k
    f = 1 / h
    df_dh = -(f**2)  # −1/h², through the output as autograd writes it
    df_dk = df_dh  # ∂h/∂k = 1
    df_dz = df_dk * -k
    return {
        "df_dh": df_dh,
        "df_dk": df_dk,
        "df_dz": df_dz,
        "df_dw": df_dz * x,
        "df_db": df_dz,
        "df_dx": df_dz * w,
    }


def _lines(message):
    """gradient name → its line of the verdict."""
    return {line[2:].split(":")[0]: line for line in message.splitlines() if line[:2] in ("✓ ", "✗ ")}


@pytest.mark.parametrize("solution", [by_loops, vectorised])
def test_reference_solutions_pass(solution):
    feedback = check_circuit_backward(solution)
    assert feedback.ok, feedback.message
    assert all(_lines(feedback.message)[name] == f"✓ {name}" for name in NAMES)


def test_numpy_arrays_and_a_tuple_in_order_are_accepted():
    def as_numpy(x, w, b):
        return {name: np.asarray(value) for name, value in vectorised(x, w, b).items()}

    def as_tuple(x, w, b):
        grads = vectorised(x, w, b)
        return tuple(grads[name] for name in NAMES)

    assert check_circuit_backward(as_numpy).ok
    assert check_circuit_backward(as_tuple).ok


def test_the_cases_have_the_shapes_and_z_the_issue_asks_for():
    cases = chain_rule._circuit_cases()
    assert [case.args[0].shape for case in cases] == [(2,), (3,), (1,)]
    zs = [float(w @ x + b) for x, w, b in (case.args for case in cases)]
    assert abs(zs[0]) < 2 and zs[1] > 5 and -30 < zs[2] < -5  # moderate; f near 1; k large, e^(−z) finite
    assert all(arg.dtype == torch.float64 for case in cases for arg in case.args)
    assert [case.label for case in chain_rule._circuit_cases()] == [case.label for case in cases]  # seeded


@pytest.mark.parametrize("case", chain_rule._circuit_cases(), ids=lambda case: case.label)
def test_no_catalogued_value_passes_or_hides_another_on_any_case(case):
    for name in NAMES:
        expected = case.expected[name]
        wrong = [value for value, _ in case.mistakes[name]]
        # the framework's own diagnoses (sign, factor 2) come after the catalogue: none may shadow them
        generic = [-expected, 2 * expected, expected / 2]
        for i, value in enumerate(wrong):
            assert not _close(value, expected), (name, i)
            assert not any(_close(value, other) for other in wrong[i + 1 :]), (name, i)
            if name != "df_dz" or i != 1:  # the lost minus of ∂k/∂z IS −∂f/∂z: it gets its own hint first
                assert not any(_close(value, g) for g in generic), (name, i)


def _variant(**changes):
    """The right backward pass with some gradients replaced: ``changes`` maps a name to a function of the parts."""

    def fn(x, w, b):
        k = torch.exp(-(w @ x + b))
        h = 1 + k
        grads = vectorised(x, w, b)
        parts = {"x": x, "w": w, "k": k, "h": h, **grads}
        return {name: changes[name](parts) if name in changes else grads[name] for name in NAMES}

    return fn


MISTAKES = [
    ("df_dh", lambda p: -1 / p["h"], "∂(1/h)/∂h is −1/h², not −1/h"),
    ("df_dh", lambda p: 1 / p["h"] ** 2, "the sign is flipped"),
    ("df_dk", lambda p: torch.ones_like(p["k"]), "'+ 1' gate (the source notebook's mistake)"),
    ("df_dk", lambda p: -1 / p["h"], "built on ∂f/∂h = −1/h"),
    ("df_dz", lambda p: -p["k"], "the exp gate's local gradient alone (the source notebook's mistake)"),
    ("df_dz", lambda p: p["k"] * p["df_dk"], "the minus sign of ∂k/∂z is lost"),
    ("df_dz", lambda p: p["k"] / p["h"], "built on ∂f/∂h = −1/h"),
    ("df_dz", lambda p: 2 * p["df_dz"], "a factor 2 too large"),
    ("df_dw", lambda p: p["df_dz"] * p["w"], "∂z/∂w is x"),
    ("df_dw", lambda p: -p["k"] * p["x"], "built on ∂f/∂z = −k"),
    ("df_dw", lambda p: p["k"] / p["h"] * p["x"], "built on ∂f/∂h = −1/h"),
    ("df_dw", lambda p: p["df_dz"], "shape ()"),
    ("df_db", lambda p: p["df_dz"] * p["x"].sum(), "∂z/∂b is 1"),
    ("df_db", lambda p: -p["k"], "built on ∂f/∂z = −k"),
    ("df_db", lambda p: p["k"] / p["h"], "built on ∂f/∂h = −1/h"),
    ("df_db", lambda p: p["df_dz"] * p["x"], "but it must be ()"),  # a vector: its shape says first
    ("df_dx", lambda p: p["df_dz"] * p["x"], "∂z/∂x is w"),
    ("df_dx", lambda p: -p["k"] * p["w"], "built on ∂f/∂z = −k"),
    ("df_dx", lambda p: p["k"] / p["h"] * p["w"], "built on ∂f/∂h = −1/h"),
]


@pytest.mark.parametrize(("name", "change", "hint"), MISTAKES, ids=[f"{n}:{h}" for n, _, h in MISTAKES])
def test_each_mistake_gets_its_own_hint_on_its_own_gradient(name, change, hint):
    feedback = check_circuit_backward(_variant(**{name: change}))
    assert not feedback.ok
    lines = _lines(feedback.message)
    assert lines[name].startswith(f"✗ {name}: ") and hint in lines[name], feedback.message
    assert all(lines[other] == f"✓ {other}" for other in NAMES if other != name), feedback.message


def test_every_catalogued_mistake_is_exercised():
    # each hint of the catalogue is reached by a variant above: none is dead
    tested = {(name, hint) for name, _, hint in MISTAKES}
    for case in chain_rule._circuit_cases():
        for name, mistakes in case.mistakes.items():
            for _, catalogued in mistakes:
                assert any(n == name and hint in catalogued for n, hint in tested), (name, catalogued)


def test_swapped_inputs_are_named_on_both_gradients():
    fn = _variant(df_dw=lambda p: p["df_dz"] * p["w"], df_dx=lambda p: p["df_dz"] * p["x"])
    lines = _lines(check_circuit_backward(fn).message)
    assert "∂z/∂w is x" in lines["df_dw"] and "∂z/∂x is w" in lines["df_dx"]
    assert all(lines[name] == f"✓ {name}" for name in ("df_dh", "df_dk", "df_dz", "df_db"))


def test_the_source_notebooks_mistake_carried_down_is_named_on_every_gradient_it_reaches():
    def source_style(x, w, b):  # local gradients printed as upstream ones, then multiplied on
        k = torch.exp(-(w @ x + b))
        h = 1 + k
        df_dh = -1 / h**2
        df_dk = torch.ones_like(k)  # ∂h/∂k
        df_dz = df_dk * -k  # = ∂k/∂z
        return {"df_dh": df_dh, "df_dk": df_dk, "df_dz": df_dz, "df_dw": df_dz * x, "df_db": df_dz,
                "df_dx": df_dz * w}  # fmt: skip

    lines = _lines(check_circuit_backward(source_style).message)
    assert lines["df_dh"] == "✓ df_dh"
    assert "'+ 1' gate" in lines["df_dk"] and "exp gate's local gradient alone" in lines["df_dz"]
    assert all("fix ∂f/∂z first" in lines[name] for name in ("df_dw", "df_db", "df_dx"))


def test_an_unsquared_h_carried_down_is_named_on_every_gradient():
    def unsquared(x, w, b):
        k = torch.exp(-(w @ x + b))
        df_dh = -1 / (1 + k)  # −1/h
        df_dz = df_dh * -k
        return {"df_dh": df_dh, "df_dk": df_dh, "df_dz": df_dz, "df_dw": df_dz * x, "df_db": df_dz,
                "df_dx": df_dz * w}  # fmt: skip

    lines = _lines(check_circuit_backward(unsquared).message)
    assert all("not −1/h: square h" in lines[name] for name in NAMES), lines


def test_not_written_yet():
    def stub(x, w, b):
        """Return a dict of the six gradients."""
        ...  # as in the notebook

    message = check_circuit_backward(stub).message
    assert message == "your circuit backward pass is not written yet: it returns None."
    assert "not written yet" in check_circuit_backward(None).message
    assert "not written yet" in check_circuit_backward(...).message


def test_the_learners_exception_is_shown_as_their_own_short_traceback():
    def broken(x, w, b):
        z = w @ x + b
        return {"df_dh": z, "df_dk": z[0]}  # indexing a 0-d tensor: the learner's error

    message = check_circuit_backward(broken).message
    assert message.startswith("✗ your circuit backward pass raised an error on a sample with d = 2 and z ≈ 0")
    assert 'return {"df_dh": z, "df_dk": z[0]}' in message and "IndexError" in message
    assert "code_check.py" not in message and "chain_rule.py" not in message


def test_a_wrong_return_is_explained():
    three = {"df_dh": 1.0, "df_dk": 1.0, "df_dz": 1.0}
    assert "without df_dw, df_db, df_dx" in check_circuit_backward(lambda x, w, b: three).message
    assert "should return df_dh, df_dk" in check_circuit_backward(lambda x, w, b: (x, w)).message
    assert "Pass the function itself" in check_circuit_backward("circuit_backward").message
    not_numbers = _variant(df_db=lambda p: "df_dz")
    assert "is not a tensor" in _lines(check_circuit_backward(not_numbers).message)["df_db"]
