"""How every exercise answers: ✓ for a right answer, or a hint that names what is off — never the answer.

One conversion for every kind of answer (a number, a vector, a shape) and one rule for when a number is right:

- a computed answer is right when it agrees to ``COMPUTED_RTOL`` (float32 arithmetic gets there);
- a typed answer is right when it equals the expected value at ``digits`` significant digits (``DIGITS``, 3,
  unless the exercise says otherwise), or is the expected value correctly rounded to the more digits it shows:
  for ∂f/∂z = 0.196612…, 0.197, 0.1966, 0.19661 and 0.1967 are right; 0.2 is "close: give more digits";
  0.196 and 0.1964 are close, not right.
"""

import math
import numbers
from dataclasses import dataclass

import numpy as np
import torch

__all__ = [
    "DIGITS",
    "COMPUTED_RTOL",
    "Feedback",
    "as_number",
    "as_vector",
    "as_tensor",
    "as_shape",
    "matches",
    "check_number",
    "check_vector",
    "check_shape",
]

DIGITS = 3  # significant digits a typed answer needs; every notebook says so above its exercises
COMPUTED_RTOL = 1e-6  # agreement of an answer computed in code (float32 is about 6e-8 apart)
CHAIN_RULE_ADVICE = "Write out the chain-rule factors one by one and recheck each."
_ORDINALS = ("first", "second", "third", "fourth", "fifth")


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


# ---------------------------------------------------------------------------------------------------------------
# One conversion: what numeric code naturally produces is accepted


def _plain(answer):
    """Tensors (also inside lists) as plain Python numbers, so that a list keeps float64 and a bool stays a bool."""
    if isinstance(answer, torch.Tensor):
        return answer.detach().tolist()
    if isinstance(answer, (list, tuple)):
        return [_plain(item) for item in answer]
    return answer


def _as_float64(answer):
    """A float64 tensor from a number, tensor, numpy array or (nested) list; None if it is not real numbers."""
    if answer is None or isinstance(answer, (str, bytes)):
        return None
    try:
        array = np.asarray(_plain(answer))
    except (TypeError, ValueError, RuntimeError):
        return None
    if array.dtype.kind not in "iuf":  # not bool, complex, text or ragged objects
        return None
    return torch.from_numpy(array.astype(np.float64))


def as_number(answer):
    """The answer as a float: a Python or numpy number, a one-element tensor, numpy array or list; else None."""
    if isinstance(answer, numbers.Real) and not isinstance(answer, bool):
        return float(answer)
    tensor = _as_float64(answer)
    return float(tensor.item()) if tensor is not None and tensor.numel() == 1 else None


def as_tensor(answer):
    """The answer as a float64 tensor of its own shape (from a tensor, numpy array or nested list); else None."""
    return _as_float64(answer)


def as_vector(answer):
    """The answer as a flat float64 tensor (from a tensor, numpy array, list or tuple); else None."""
    tensor = _as_float64(answer)
    return None if tensor is None else tensor.reshape(-1)


def as_shape(answer):
    """The answer as a tuple of ints (from a tuple, list, ``torch.Size``, or a 1-D integer array or tensor)."""
    if isinstance(answer, (np.ndarray, torch.Tensor)) and answer.ndim == 1:
        answer = answer.tolist()  # a float or bool array gives floats or bools: refused below
    if isinstance(answer, (tuple, list, torch.Size)) and all(
        isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in answer
    ):
        return tuple(int(n) for n in answer)
    return None


# ---------------------------------------------------------------------------------------------------------------
# One rule: right, rounded correctly, or close


def _significant_digits(value):
    """Significant digits in the shortest repr of value: 0.197 → 3, −1.6 → 2, 120.0 → 2, 1e-05 → 1."""
    # a float32 answer (0.2 typed into a float32 tensor is 0.20000000298…) counts the digits float32 shows
    single = np.float32(value) if abs(value) < float(np.finfo(np.float32).max) else None
    shortest = str(abs(single)) if single is not None and float(single) == value else repr(abs(value))
    mantissa = shortest.lower().split("e")[0].replace(".", "")
    return max(1, len(mantissa.strip("0")))


def _half_unit(expected, digits):
    """Half a unit in the ``digits``-th significant place of ``expected``: the error a correct rounding has."""
    return 0.5 * 10.0 ** (math.floor(math.log10(abs(expected))) - digits + 1)


def _rounds_to(value, expected, digits):
    """True if value is ``expected`` rounded to ``digits`` significant digits (either way at a tie)."""
    return abs(value - expected) <= _half_unit(expected, digits) * (1 + 1e-9)


def _same_at(value, expected, digits):
    """True if value and expected are the same number once both are rounded to ``digits`` significant digits."""
    return f"{value:.{digits - 1}e}" == f"{expected:.{digits - 1}e}"


def matches(value, expected, digits=DIGITS, atol=1e-9):
    """True if ``value`` is right for ``expected``: computed to ``COMPUTED_RTOL``; the same as ``expected`` at
    ``digits`` significant digits; or ``expected`` correctly rounded to the more digits it shows (120.0 for
    120.4 at 3 digits). An expected 0 is matched by ``|value| ≤ atol``."""
    if expected == 0 or not math.isfinite(expected):
        return abs(value - expected) <= atol if math.isfinite(expected) else value == expected
    if math.isclose(value, expected, rel_tol=COMPUTED_RTOL, abs_tol=0.0) or _same_at(value, expected, digits):
        return True
    return _rounds_to(value, expected, max(_significant_digits(value), digits))


def _too_few_digits(value, expected, digits):
    """Right to the fewer digits the learner gave (0.2 for 0.1966…), but fewer than the exercise asks for."""
    shown = _significant_digits(value)
    return expected != 0 and shown < digits and _rounds_to(value, expected, shown)


def _close(value, expected, digits):
    """Within a few units of the asked-for last digit, without being a correct rounding."""
    return expected != 0 and abs(value - expected) <= 10.0 ** (1 - digits) * abs(expected)


def _not_yet(answer, name, what):
    if answer is None or answer is Ellipsis:
        return Feedback(False, f"No answer yet for {name}: replace the placeholder with {what}.")
    return None


def check_number(answer, expected, *, name, digits=DIGITS, atol=1e-9, mistakes=(), advice=None):
    """Judge a numeric answer.

    Parameters
    ----------
    answer : number, numpy number, or one-element tensor, array or list
        What the learner computed or typed. ``None`` or ``...`` means "not answered yet".
    expected : float
        The right value (never shown).
    name : str
        What the answer is, as the hint should name it (e.g. "∂L/∂w₁").
    digits : int
        Significant digits a typed answer needs (see the module docstring for the rule).
    atol : float
        How close to 0 counts as 0, when the right answer is 0.
    mistakes : sequence of (value, hint)
        Values that common mistakes produce, each with the hint to give when the answer matches it.
    advice : str, optional
        What to do when the answer is wrong in no catalogued way; it must fit the exercise (count the backward()
        calls, redo the update…). None: the chain-rule advice, for an exercise that is a chain-rule product.
    """
    advice = advice or CHAIN_RULE_ADVICE
    waiting = _not_yet(answer, name, f"your value ({digits} significant digits or more)")
    if waiting is not None:
        return waiting
    value = as_number(answer)
    if value is None:
        return Feedback(False, f"{name} should be a single number; got {type(answer).__name__}.")
    if not math.isfinite(value):
        return Feedback(False, f"{name} came out as {value}: look for a division by zero or an overflow.")
    expected = float(expected)
    if matches(value, expected, digits, atol):
        return Feedback(True, f"✓ {name} is right.")
    if _too_few_digits(value, expected, digits):
        return Feedback(False, f"✗ {name}: close — give more digits (at least {digits} significant).")
    for wrong, hint in mistakes:
        if matches(value, float(wrong), digits, atol):
            return Feedback(False, f"✗ {name}: {hint}")
    if _close(value, expected, digits):
        return Feedback(
            False,
            f"✗ {name}: close, but not right to {digits} significant digits — carry every digit through the "
            "steps and round only at the end.",
        )
    if expected != 0 and matches(-value, expected, digits, atol):
        return Feedback(False, f"✗ {name}: the size is right but the sign is flipped — check each sign.")
    if expected != 0 and value * expected > 0:
        direction = "too large" if abs(value) > abs(expected) else "too small"
        return Feedback(False, f"✗ {name}: the sign is right but the value is {direction}. {advice}")
    return Feedback(False, f"✗ {name}: not right yet. {advice}")


def _count(n):
    # in words: a hint must not carry digits that could be read as part of the answer
    return ("none", "one", "two", "three", "four", "five")[n] if n < 6 else "more than five"


def _join(words):
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _all_match(values, targets, digits, atol):
    return all(matches(v, t, digits, atol) for v, t in zip(values, targets, strict=True))


def check_vector(answer, expected, *, name, digits=DIGITS, atol=1e-9, mistakes=(), advice=None):
    """Like ``check_number`` for a vector, component by component: ✓, a mistake's hint, or which are off.

    ``expected`` and each mistake's value are sequences or tensors of the same length as the answer must have.
    """
    advice = advice or CHAIN_RULE_ADVICE
    expected = [float(v) for v in torch.as_tensor(expected, dtype=torch.float64).reshape(-1)]
    size = _count(len(expected))
    waiting = _not_yet(answer, name, f"your {size} values ({digits} significant digits or more)")
    if waiting is not None:
        return waiting
    vector = as_vector(answer)
    if vector is None:
        return Feedback(False, f"{name} should be a list, array or tensor of {size} numbers.")
    if vector.numel() != len(expected):
        return Feedback(False, f"{name} needs {size} entries; got {_count(vector.numel())}.")
    if not bool(torch.isfinite(vector).all()):
        return Feedback(False, f"{name} contains inf or nan: look for a division by zero or an overflow.")
    values = vector.tolist()
    if _all_match(values, expected, digits, atol):
        return Feedback(True, f"✓ {name} is right.")
    if all(
        matches(v, e, digits, atol) or _too_few_digits(v, e, digits)
        for v, e in zip(values, expected, strict=True)
    ):
        return Feedback(False, f"✗ {name}: close — give more digits (at least {digits} significant).")
    for wrong, hint in mistakes:
        if _all_match(values, [float(v) for v in torch.as_tensor(wrong).reshape(-1)], digits, atol):
            return Feedback(False, f"✗ {name}: {hint}")
    if _all_match([-v for v in values], expected, digits, atol):
        return Feedback(False, f"✗ {name}: the sizes are right but every sign is flipped — check each sign.")
    off = [
        i for i, (v, e) in enumerate(zip(values, expected, strict=True)) if not matches(v, e, digits, atol)
    ]
    which = [_ORDINALS[i] if i < len(_ORDINALS) else "a later" for i in off]
    verb = "components are" if len(which) > 1 else "component is"
    return Feedback(False, f"✗ {name}: the {_join(which)} {verb} off. {advice}")


def check_shape(answer, expected, *, name, mistakes=None, right="", advice=""):
    """Judge a shape given as a tuple, list or ``torch.Size`` of ints.

    Parameters
    ----------
    expected : tuple of int
    mistakes : dict shape → hint
        The shapes common mistakes give (a transpose, the batch dimension kept…), each with its hint.
    right : str
        What the ✓ adds (why the shape is what it is).
    advice : str
        What to do when the shape is wrong in no catalogued way.
    """
    waiting = _not_yet(answer, name, "a tuple")
    if waiting is not None:
        return waiting
    shape = as_shape(answer)
    if shape is None:
        return Feedback(False, f"{name} should be a tuple of ints, like (5, 7); got {answer!r}.")
    if shape == tuple(expected):
        return Feedback(True, f"✓ {name} is right{': ' + right if right else '.'}")
    hint = (mistakes or {}).get(shape)
    if hint:
        return Feedback(False, f"✗ {name}: {hint}")
    return Feedback(False, f"✗ {name}: not right yet.{' ' + advice if advice else ''}")
