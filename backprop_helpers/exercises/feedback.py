"""How every exercise answers: ✓ for a right answer, or a hint that names what is off — never the answer."""

import math
import numbers
from dataclasses import dataclass

import torch

__all__ = ["Feedback", "check_number"]


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer. ``ok`` is True for a right answer; ``message`` is what the learner reads."""

    ok: bool
    message: str

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return self.message

    __str__ = __repr__


def _as_number(answer):
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        return float(answer.item())
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return None
    return float(answer)


def check_number(answer, expected, *, name, rtol=1e-3, atol=1e-6, mistakes=()):
    """Judge a numeric answer.

    Parameters
    ----------
    answer : number or one-element tensor
        What the learner computed. ``None`` or ``...`` means "not answered yet".
    expected : float
        The right value (never shown).
    name : str
        What the answer is, as the hint should name it (e.g. "∂L/∂w₁").
    rtol, atol : float
        How close counts as right.
    mistakes : sequence of (value, hint)
        Values that common mistakes produce, each with the hint to give when the answer matches it.
    """
    if answer is None or answer is Ellipsis:
        return Feedback(False, f"No answer yet for {name}: replace the placeholder with your value.")
    value = _as_number(answer)
    if value is None:
        return Feedback(False, f"{name} should be a single number; got {type(answer).__name__}.")
    if not math.isfinite(value):
        return Feedback(False, f"{name} came out as {value}: look for a division by zero or an overflow.")

    def close(a, b):
        return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)

    if close(value, expected):
        return Feedback(True, f"✓ {name} is right.")
    for wrong, hint in mistakes:
        if close(value, wrong):
            return Feedback(False, f"✗ {name}: {hint}")
    if expected != 0 and close(-value, expected):
        return Feedback(
            False, f"✗ {name}: the size is right but the sign is flipped — check each factor's sign."
        )
    if expected != 0 and value * expected > 0:
        direction = "too large" if abs(value) > abs(expected) else "too small"
        return Feedback(
            False, f"✗ {name}: the sign is right but the value is {direction}. Recheck each factor."
        )
    return Feedback(False, f"✗ {name}: not right yet. Write out the chain-rule factors one by one.")
