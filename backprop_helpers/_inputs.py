"""Turn what a learner passes in (tensors, Python numbers, lists) into floating tensors, or say clearly why not.

Every public function calls these first, so that a bad argument fails here with a message that names the
argument, what was expected and what was given — never deep inside torch, never as a silent NaN.
"""

import numbers

import numpy as np
import torch

__all__ = [
    "as_float_tensor",
    "check_finite",
    "check_same_shape",
    "check_positive_number",
    "check_choice",
    "check_int",
    "check_in_range",
    "check_probabilities",
    "check_linear_inputs",
    "check_labels",
    "check_generator",
    "check_float_dtype",
]


def _describe(value):
    """A short description of a value for an error message: its type and, when short, its repr."""
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    if isinstance(value, torch.Tensor):
        return f"a {value.dtype} tensor of shape {tuple(value.shape)}"
    return f"{type(value).__name__} {text}"


def as_float_tensor(value, name, *, allow_nonfinite=False):
    """Return ``value`` as a floating tensor: float tensors and arrays keep their dtype (float64 stays float64);
    Python numbers, lists and integer tensors get the default dtype (float32), as ``torch.tensor`` gives.

    Tensors keep their autograd graph (so a formula can be differentiated by autograd); nothing is copied
    unless a dtype change needs it, and nothing is modified in place.
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a tensor, a number or a list of numbers; got {_describe(value)}")
    if isinstance(value, torch.Tensor):
        tensor = value
    elif isinstance(value, (numbers.Number, np.ndarray, np.generic, list, tuple)):
        if isinstance(value, complex):
            raise TypeError(f"{name} must be a real number; got {_describe(value)}")
        try:
            array = np.asarray(value)
        except ValueError as error:  # ragged nested lists
            raise ValueError(
                f"{name} must be a rectangular list of numbers; got {_describe(value)}"
            ) from error
        except RuntimeError as error:  # numpy cannot convert tensors that require grad
            raise TypeError(
                f"{name} holds tensors that require grad; combine them with torch.stack to keep the graph"
            ) from error
        if array.dtype == object or array.dtype.kind not in "biuf":
            raise TypeError(f"{name} must contain only real numbers; got {_describe(value)}")
        tensor = torch.as_tensor(array)
        if not isinstance(value, (np.ndarray, np.generic)):
            # Python numbers and lists get torch's default dtype, as torch.tensor([0.5]) does (float32)
            tensor = tensor.to(torch.get_default_dtype())
    else:
        raise TypeError(f"{name} must be a tensor, a number or a list of numbers; got {_describe(value)}")
    if tensor.is_complex():
        raise TypeError(f"{name} must be real; got {_describe(tensor)}")
    if not tensor.is_floating_point():
        tensor = tensor.to(torch.get_default_dtype())
    if not allow_nonfinite:
        with torch.no_grad():
            finite = bool(torch.isfinite(tensor).all())
        if not finite:
            raise ValueError(f"{name} must be finite; got {_describe(tensor.detach())} containing inf or nan")
    return tensor


def check_finite(tensors):
    """Raise ValueError naming the first of ``tensors`` (dict name → tensor) that holds inf or nan.

    One fused test for all of them: functions that take several tensors (``mlp_forward``, ``sgd_step``)
    convert each with ``allow_nonfinite=True`` and then call this once, which costs a few microseconds
    instead of one test per tensor — it matters in a training loop of small tensors.
    """
    flat = [t.detach().reshape(-1) for t in tensors.values()]
    if bool(torch.isfinite(torch.cat(flat) if len(flat) > 1 else flat[0]).all()):
        return
    for name, tensor in tensors.items():
        if not bool(torch.isfinite(tensor.detach()).all()):
            raise ValueError(f"{name} must be finite; got {_describe(tensor.detach())} containing inf or nan")


def check_same_shape(a, b, name_a, name_b):
    """Raise ValueError unless two tensors have the same shape (no silent broadcasting)."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape; got {tuple(a.shape)} and {tuple(b.shape)}"
        )


def check_positive_number(value, name):
    """Return ``value`` as a float if it is a finite number > 0, else raise TypeError/ValueError."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive number; got {_describe(value)}")
    value = float(value)
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0; got {value!r}")
    return value


def check_choice(value, name, choices):
    """Raise ValueError unless ``value`` is one of ``choices`` (the message lists them)."""
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}; got {value!r}")
    return value


def _got(value):
    # numbers as the learner typed them ("got 2.5"), anything else with its type ("got str '3'")
    return repr(value) if isinstance(value, numbers.Number) else _describe(value)


def _interval(low, high, inclusive=True):
    if low is not None and high is not None:
        return f"in [{low:g}, {high:g}]" if inclusive else f"in ({low:g}, {high:g})"
    if low is not None:
        return f">= {low:g}" if inclusive else f"> {low:g}"
    return f"<= {high:g}" if inclusive else f"< {high:g}"


def check_int(value, name, *, low=None, high=None):
    """Return ``value`` if it is an int (not a bool) with low ≤ value ≤ high (either bound may be None).

    A non-number is a TypeError; a float, a bool or an int out of range a ValueError. The message names the
    argument, the range and what was given: ``steps must be an int >= 0; got -1``.
    """
    expected = "an int" if low is None and high is None else f"an int {_interval(low, high)}"
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if (low is None or value >= low) and (high is None or value <= high):
            return int(value)
    elif not isinstance(value, numbers.Number):
        raise TypeError(f"{name} must be {expected}; got {_got(value)}")
    raise ValueError(f"{name} must be {expected}; got {_got(value)}")


def check_in_range(value, name, low, high, *, inclusive=True):
    """Return ``value`` as a float if it is a real number in [low, high] (in (low, high) if not ``inclusive``).

    A non-number (a bool included) is a TypeError; nan or a number outside the interval a ValueError.
    """
    expected = f"a number {_interval(low, high, inclusive)}"
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {expected}; got {_got(value)}")
    inside = low <= value <= high if inclusive else low < value < high  # False for nan
    if not inside:
        raise ValueError(f"{name} must be {expected}; got {value!r}")
    return float(value)


def check_probabilities(tensor, name, why):
    """Raise ValueError unless every element of ``tensor`` lies in [0, 1]; ``why`` ends the message's first
    part (``"for loss='bce'"``), and the message gives the first value outside."""
    values = tensor.detach()
    outside = (values < 0) | (values > 1)
    if bool(outside.any()):
        first = values[outside].flatten()[0].item()
        where = "" if values.numel() == 1 else " (its first value outside)"
        raise ValueError(f"{name} must lie in [0, 1] {why}; got {first!r}{where}")


def check_linear_inputs(x, w, b):
    """Return x, w, b of z = w·x + b as floating tensors: x and w scalars or 1-D of one shape, b one number."""
    x = as_float_tensor(x, "x")
    w = as_float_tensor(w, "w")
    b = as_float_tensor(b, "b")
    if w.dim() > 1:
        raise ValueError(f"w must be a scalar or a 1-D tensor of weights; got shape {tuple(w.shape)}")
    check_same_shape(x, w, "x", "w")
    if b.numel() != 1 or b.dim() > 1:
        raise ValueError(f"b must be a scalar (shape () or (1,)); got shape {tuple(b.shape)}")
    return x, w, b


def check_labels(labels, name, n, n_classes):
    """Return ``labels`` as a ``torch.long`` tensor of shape (n,) with values in [0, n_classes), or raise.

    Class labels are integers: a tensor or array of an integer dtype, or a list of ints. A floating or bool
    dtype is a TypeError (``2.0`` is not a class, and ``True`` is not the class 1 by intent); a wrong shape,
    length or a value outside [0, n_classes) a ValueError that gives the first bad value.
    """
    if isinstance(labels, (list, tuple, np.ndarray, np.generic)):
        try:
            labels = torch.as_tensor(np.asarray(labels))
        except (ValueError, TypeError) as error:  # ragged lists, objects numpy cannot hold
            raise TypeError(f"{name} must be integer class labels; got {_describe(labels)}") from error
    if not isinstance(labels, torch.Tensor):
        raise TypeError(f"{name} must be a tensor of integer class labels; got {_describe(labels)}")
    if labels.dtype == torch.bool or labels.is_floating_point() or labels.is_complex():
        raise TypeError(
            f"{name} must have an integer dtype (torch.long) holding class indices; got {_describe(labels)}"
        )
    if labels.dim() != 1 or labels.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},), one label per row; got shape {tuple(labels.shape)}")
    labels = labels.to(torch.long)
    outside = (labels < 0) | (labels >= n_classes)
    if bool(outside.any()):
        first = labels[outside][0].item()
        raise ValueError(f"{name} must lie in [0, {n_classes}) (one per class of {n_classes}); got {first}")
    return labels


def check_generator(generator):
    """Return ``generator`` if it is a ``torch.Generator`` (explicit, so the global RNG is never touched)."""
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator; got {type(generator).__name__}")
    return generator


def check_float_dtype(dtype):
    """Return ``dtype`` if it is a real floating torch.dtype (float16, bfloat16, float32, float64)."""
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point or dtype.is_complex:
        raise TypeError(f"dtype must be a real floating torch.dtype such as torch.float64; got {dtype!r}")
    return dtype
