"""The exercises of notebook 02: right answers pass, the usual mistakes get their own hint, no hint leaks the answer."""

import pytest
import torch

from backprop_helpers.exercises import check_accumulated_grad, check_chain_grad, check_fork_grad


def accumulated_by_autograd():
    x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    for _ in range(3):
        (x**3).backward()  # a new graph each time; x.grad adds 3x² = 12 each call
    return x.grad.item()


def chain_by_autograd():
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    y = 3 * x - 1
    (y**2 + y).backward()  # y = 2: (2y + 1)·3 = 5·3 = 15
    return x.grad.item()


def fork_by_autograd():
    a = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    (a * a + a).backward()  # a + a + 1 = 7
    return a.grad.item()


CASES = {
    "accumulated": (check_accumulated_grad, accumulated_by_autograd),
    "chain": (check_chain_grad, chain_by_autograd),
    "fork": (check_fork_grad, fork_by_autograd),
}

# (exercise, wrong answer, a phrase its hint must contain)
MISTAKES = [
    ("accumulated", 12.0, "one backward() call"),  # forgot the accumulation
    ("accumulated", 24.0, "two calls"),
    ("accumulated", 8.0, "value of y"),
    ("accumulated", 0.0, "zero_()"),
    ("chain", 5.0, "dz/dy alone"),  # forgot the chain factor dy/dx
    ("chain", 3.0, "dy/dx alone"),
    ("chain", 8.0, "multiplies"),
    ("chain", 9.0, "not at x"),
    ("chain", 6.0, "value of z"),
    ("fork", 6.0, "'+ a'"),  # forgot one path of the fork
    ("fork", 4.0, "uses a twice"),
    ("fork", 3.0, "three times"),
    ("fork", 1.0, "only the '+ a' path"),
    ("fork", 12.0, "value of b"),
]


@pytest.mark.parametrize("name", sorted(CASES))
def test_right_answer_passes(name):
    check, reference = CASES[name]
    expected = reference()
    assert check(expected).ok
    assert check(torch.tensor(expected)).ok  # a one-element tensor is accepted too
    assert check(expected * (1 + 1e-5)).ok  # within the tolerance
    assert check(expected).message.startswith("✓")


@pytest.mark.parametrize(("name", "wrong", "phrase"), MISTAKES)
def test_typical_mistake_gets_its_hint(name, wrong, phrase):
    check, reference = CASES[name]
    feedback = check(wrong)
    assert not feedback.ok
    assert phrase in feedback.message
    assert str(round(reference())) not in feedback.message  # the hint never gives the answer away


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("wrong", [-1.0, 2.5, 100.0, -1000.0])
def test_other_wrong_answers_fail_without_the_answer(name, wrong):
    check, reference = CASES[name]
    feedback = check(wrong)
    assert not feedback.ok and feedback.message.startswith("✗")
    assert str(round(reference())) not in feedback.message


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_answer_yet(name):
    check, _ = CASES[name]
    assert not check(None).ok and "No answer yet" in check(None).message
    assert not check("seven").ok
