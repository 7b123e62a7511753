"""The forms numeric code naturally hands an exercise checker, shared by the exercise tests (not a test file)."""

import numpy as np
import torch

__all__ = [
    "number_forms",
    "vector_forms",
    "shape_forms",
    "assert_passes_in_every_form",
    "assert_distinct_at_digits",
]


def number_forms(value):
    """One number as a float, numpy scalars, 0-d and 1-element arrays, a 1-element list, tensors (float32 too)."""
    return [
        float(value),
        np.float32(value),
        np.float64(value),
        np.array(value),
        np.array([value]),
        np.array([value], dtype=np.float32),
        [float(value)],
        torch.tensor(float(value)),  # float32
        torch.tensor([value], dtype=torch.float64),
    ]


def vector_forms(values):
    """A vector as a list, a tuple, numpy arrays, tensors, and a batch of one row."""
    return [
        list(values),
        tuple(values),
        np.array(values),
        np.array(values, dtype=np.float32),
        torch.tensor(values),
        torch.tensor(values, dtype=torch.float64),
        torch.tensor([values]),  # (1, n)
    ]


def shape_forms(shape):
    """A shape as a tuple, a list, torch.Size, numpy ints (np.shape gives ints), a 1-D integer array."""
    return [
        tuple(shape),
        list(shape),
        torch.Size(shape),
        torch.zeros(shape).shape,
        tuple(np.int64(n) for n in shape),
        [np.int32(n) for n in shape],
        np.zeros(shape).shape,
        np.array(shape),
    ]


def assert_passes_in_every_form(check, answer):
    """The right answer is accepted in each form numeric code hands in (``number_forms``)."""
    for form in number_forms(answer):
        feedback = check(form)
        assert feedback.ok and feedback.message.startswith("✓"), (type(form).__name__, feedback.message)


def assert_distinct_at_digits(values, label):
    """No two of an exercise's values (its answer and its catalogued mistakes) agree at three significant digits,
    so every hint can be told apart from the answer and from the other hints."""
    from backprop_helpers.exercises.feedback import DIGITS, matches

    for i, a in enumerate(values):
        for b in values[i + 1 :]:
            assert not matches(a, b, DIGITS) and not matches(b, a, DIGITS), (label, a, b)
