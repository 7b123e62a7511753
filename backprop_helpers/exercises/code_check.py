"""Judging code the learner writes: run their backward pass on generated cases, compare every returned gradient
with autograd, and say per gradient ✓ or what is wrong — the shape (and whether it is the transpose), the sign,
a factor 2, a catalogued mistake (a missing 1/n, a missing σ′…) — never the right values.

A checker builds ``Case``s (float64 inputs, autograd's gradients, and for each gradient the values its common
mistakes give, each with a hint) and calls ``check_code``. The learner's exception is shown as their own short
traceback; ``None`` or ``...`` (a function not written yet, or one that returns nothing) is "not written yet".
"""

import traceback
from dataclasses import dataclass, field

import torch

from backprop_helpers.exercises.feedback import Feedback, as_tensor

__all__ = ["Case", "check_code", "RTOL", "ATOL"]

RTOL, ATOL = 1e-6, 1e-9  # float64 reference; a learner computing in float32 lands about 1e-7 away


@dataclass(frozen=True)
class Case:
    """One call of the learner's function: its arguments, autograd's gradients, the catalogued mistakes.

    ``args`` are passed positionally; ``expected`` maps each gradient's name to autograd's float64 tensor;
    ``mistakes`` maps a name to ``[(wrong_tensor, hint), …]``; ``label`` says what the case is ("a batch of 3").
    """

    label: str
    args: tuple
    expected: dict
    mistakes: dict = field(default_factory=dict)


def _close(a, b):
    return a.shape == b.shape and bool(torch.allclose(a, b, rtol=RTOL, atol=ATOL))


def _learner_traceback(error):
    """The learner's frames only: the checker's own frames are noise to them."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "backprop_helpers" not in f.filename]
    lines = traceback.format_list(frames[-3:]) + traceback.format_exception_only(type(error), error)
    return "".join(lines).rstrip()


def _diagnose(got, expected, mistakes):
    """What is wrong with one gradient, or None if it is right."""
    for wrong, hint in mistakes:  # a catalogued mistake may have its own shape (a mean over the wrong axis)
        if wrong.shape == got.shape != expected.shape and _close(got, wrong):
            return hint
    if got.shape != expected.shape:
        if got.dim() == 2 and expected.dim() == 2 and got.shape == expected.T.shape:
            return f"shape {tuple(got.shape)} is the transpose of the right {tuple(expected.shape)}"
        if got.numel() == expected.numel():
            return (
                f"shape {tuple(got.shape)}, but it must be {tuple(expected.shape)}: a gradient has the shape of "
                "what it is taken with respect to"
            )
        return f"shape {tuple(got.shape)}, but it must be {tuple(expected.shape)}"
    if not bool(torch.isfinite(got).all()):
        return "it contains inf or nan: look for a division by zero or an overflow"
    if _close(got, expected):
        return None
    for wrong, hint in mistakes:
        if _close(got, wrong):
            return hint
    if _close(-got, expected):
        return "the sign is flipped"
    if _close(got, 2 * expected):
        return "a factor 2 too large"
    if _close(2 * got, expected):
        return "a factor 2 too small (the 2 of the power rule?)"
    return "the values are wrong"


def _call(fn, case, what):
    """Run the learner's function on one case: (result, None) or (None, Feedback explaining why not)."""
    try:
        result = fn(*case.args)
    except Exception as error:  # the learner's code: any exception is theirs to see, shortly
        return None, Feedback(
            False, f"✗ {what} raised an error on {case.label}:\n{_learner_traceback(error)}"
        )
    if result is None or result is Ellipsis:
        return None, Feedback(False, f"{what} is not written yet: it returns {result!r}.")
    return result, None


def _named(result, names, what):
    """The result as name → value: a dict with those keys, or a tuple/list in that order."""
    if isinstance(result, dict):
        missing = [n for n in names if n not in result]
        if missing:
            return None, f"{what} returned a dict without {', '.join(missing)} (it has {sorted(result)})"
        return {n: result[n] for n in names}, None
    if len(names) == 1:  # one gradient: a list or tuple is its values, not a tuple of results
        return {names[0]: result}, None
    if isinstance(result, (tuple, list)) and len(result) == len(names):
        return dict(zip(names, result, strict=True)), None
    return None, f"{what} should return {', '.join(names)} (a tuple in this order, or a dict)"


def check_code(fn, cases, names, *, what):
    """Run ``fn`` on every case and judge each gradient in ``names``; returns a ``Feedback``.

    The verdict lists each gradient: ✓ if it matched autograd on every case, else what is wrong on the first
    case where it is wrong (a shape, a sign, a factor 2, a catalogued mistake), naming that case.
    """
    if fn is None or fn is Ellipsis:
        return Feedback(False, f"{what} is not written yet.")
    if not callable(fn):
        return Feedback(False, f"Pass the function itself, {what}; got {type(fn).__name__}.")
    problems = {}
    for case in cases:
        result, failure = _call(fn, case, what)
        if failure is not None:
            return failure
        named, error = _named(result, names, what)
        if error:
            return Feedback(False, f"✗ {error}.")
        for name in names:
            if name in problems:
                continue
            got = as_tensor(named[name])
            if got is None:
                problems[name] = f"{type(named[name]).__name__} is not a tensor, array or list of numbers"
                continue
            verdict = _diagnose(got, case.expected[name], case.mistakes.get(name, ()))
            low = getattr(named[name], "dtype", None) in (torch.float32, torch.float16, torch.bfloat16)
            if verdict == "the values are wrong" and low:
                verdict += f" — they are {named[name].dtype}: the cases are float64, compute in float64"
            if verdict:
                problems[name] = f"{verdict} ({case.label})"
    lines = [f"✓ {name}" if name not in problems else f"✗ {name}: {problems[name]}" for name in names]
    if not problems:
        return Feedback(
            True, f"✓ every gradient matches autograd on {len(cases)} cases:\n" + "\n".join(lines)
        )
    return Feedback(False, "\n".join(lines))
