"""Gradient checks: central finite differences, autograd, and a side-by-side comparison table.

Used in every notebook's "three-way check": the hand formula, ``numerical_grad`` and ``autograd_grads``
must agree within a stated tolerance.
"""

import html
import math
from dataclasses import dataclass

import torch

from backprop_helpers._inputs import as_float_tensor, check_positive_number

__all__ = ["numerical_grad", "autograd_grads", "compare_grads", "Comparison", "ComparisonRow"]


def _scalar(value, what):
    if not isinstance(value, torch.Tensor) or value.numel() != 1:
        got = f"shape {tuple(value.shape)}" if isinstance(value, torch.Tensor) else type(value).__name__
        raise ValueError(f"{what} must return a scalar tensor (one element); got {got}")
    return value.reshape(())


def _numerical_one(f, x, h):
    x = as_float_tensor(x, "x").detach().to(torch.float64)
    grad = torch.zeros_like(x)
    flat, grad_flat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.numel()):
        plus, minus = flat.clone(), flat.clone()
        plus[i] += h
        minus[i] -= h
        f_plus = _scalar(f(plus.reshape(x.shape)), "f").item()
        f_minus = _scalar(f(minus.reshape(x.shape)), "f").item()
        grad_flat[i] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_grad(f, x, h=1e-6):
    """Central difference ∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h, in float64, for every element of x.

    The error is O(h²) from truncation plus O(ε·|f|/h) from rounding; with h = 1e-6 in float64 expect about
    1e-8 relative agreement with the exact gradient for smooth f (compare with rtol ≈ 1e-6).

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar tensor``; or, when x is a dict, ``f(dict) -> scalar tensor``.
    x : tensor, list, or dict of name → tensor
        Where to differentiate. Never modified; f is called on float64 copies.
    h : float
        The step.

    Returns
    -------
    float64 tensor of x's shape, or a dict of them.
    """
    if not callable(f):
        raise TypeError(f"f must be a callable returning a scalar tensor; got {type(f).__name__}")
    h = check_positive_number(h, "h")
    if not isinstance(x, dict):
        return _numerical_one(f, x, h)
    base = {k: as_float_tensor(v, f"x[{k!r}]").detach().to(torch.float64) for k, v in x.items()}
    return {
        name: _numerical_one(lambda value, name=name: f({**base, name: value}), base[name], h)
        for name in base
    }


def autograd_grads(f, params):
    """∂f/∂θ for every θ in ``params`` by ``torch.autograd``, on fresh leaf copies (the inputs are untouched).

    Parameters
    ----------
    f : callable
        ``f(params) -> scalar tensor``, called with a dict of leaf tensors (or one tensor).
    params : dict of name → tensor, or a tensor
        Their dtype is kept: pass float64 for a check.

    Returns
    -------
    dict of name → gradient (or one tensor). A parameter f does not use gets zeros.
    """
    if not callable(f):
        raise TypeError(f"f must be a callable returning a scalar tensor; got {type(f).__name__}")
    single = not isinstance(params, dict)
    named = {"x": params} if single else params
    leaves = {
        k: as_float_tensor(v, f"params[{k!r}]").detach().clone().requires_grad_(True)
        for k, v in named.items()
    }
    out = _scalar(f(leaves["x"] if single else leaves), "f")
    if not out.requires_grad:
        raise ValueError("f's result does not depend on params (it has no autograd graph)")
    grads = torch.autograd.grad(out, list(leaves.values()), allow_unused=True)
    result = {
        k: torch.zeros_like(v) if g is None else g for (k, v), g in zip(leaves.items(), grads, strict=True)
    }
    return result["x"] if single else result


@dataclass(frozen=True)
class ComparisonRow:
    """One parameter's agreement: largest |manual − reference| and the relative error."""

    name: str
    shape: tuple
    max_abs_diff: float
    rel_error: float
    ok: bool


@dataclass(frozen=True)
class Comparison:
    """The result of ``compare_grads``: ``.ok`` and one row per name; prints as text, renders as HTML.

    A difference under ``floor`` prints as the bound ``< floor``, never as digits: below the tolerance a
    difference is rounding noise, and its digits change with the CPU's kernels, the thread count and the BLAS,
    so a stored notebook output that showed them would fail on another machine.
    """

    rows: tuple
    rtol: float
    atol: float
    manual_label: str = "manual"
    reference_label: str = "reference"
    floor: float = 0.0

    @property
    def ok(self):
        return all(row.ok for row in self.rows)

    def __getitem__(self, name):
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(name)

    def shown(self, value, ok=True):
        """How the table prints one difference: ``< floor`` under the floor, else two significant digits.

        A row that fails the tolerance always shows its digits: a mismatch is never hidden behind a bound.
        """
        return f"< {self.floor:.0e}" if ok and value < self.floor else f"{value:.1e}"

    def _footer(self):
        return (
            f"{self.manual_label} vs {self.reference_label}: {'all match' if self.ok else 'MISMATCH'} "
            f"(rtol={self.rtol:g}, atol={self.atol:g}; differences under {self.floor:.0e} print as a bound)"
        )

    def __str__(self):
        width = max([len("name")] + [len(r.name) for r in self.rows])
        lines = [
            f"{'name':<{width}}  {'shape':<10}  {'max |Δ|':>9}  {'rel. error':>10}  match",
            f"{'-' * width}  {'-' * 10}  {'-' * 9}  {'-' * 10}  -----",
        ]
        for r in self.rows:
            lines.append(
                f"{r.name:<{width}}  {r.shape!s:<10}  {self.shown(r.max_abs_diff, r.ok):>9}  "
                f"{self.shown(r.rel_error, r.ok):>10}  {'✓' if r.ok else '✗'}"
            )
        lines.append(self._footer())
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        head = "".join(f"<th>{h}</th>" for h in ("name", "shape", "max |Δ|", "rel. error", "match"))
        body = "".join(
            f"<tr><td><code>{html.escape(r.name)}</code></td><td>{r.shape}</td>"
            f"<td>{html.escape(self.shown(r.max_abs_diff, r.ok))}</td><td>{html.escape(self.shown(r.rel_error, r.ok))}</td>"
            f"<td>{'✓' if r.ok else '<b>✗</b>'}</td></tr>"
            for r in self.rows
        )
        caption = html.escape(self._footer()).replace("MISMATCH", "<b>MISMATCH</b>")
        return f"<table><caption>{caption}</caption><tr>{head}</tr>{body}</table>"


def _as_named(grads, name):
    if isinstance(grads, dict):
        return grads
    if hasattr(grads, "as_dict"):
        return grads.as_dict()
    raise TypeError(f"{name} must be a dict of name -> gradient tensor; got {type(grads).__name__}")


def _tolerance(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
        raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")
    return value


def compare_grads(manual, reference, *, rtol=1e-6, atol=1e-8, labels=("manual", "reference"), floor=None):
    """Compare two sets of gradients name by name: |manual − reference| ≤ atol + rtol·|reference| everywhere.

    The relative error of a name is max|Δ| / max(max|manual|, max|reference|, 1e-300), as cs231n reports it:
    about 1e-7 or less is agreement in float64; 1e-2 means a bug. Values are compared in float64.

    Parameters
    ----------
    manual, reference : dict of name → tensor
        Same keys, same shapes. ``reference`` is usually ``autograd_grads`` or ``numerical_grad``.
    rtol, atol : float
        The tolerance; state it where you use it.
    labels : (str, str)
        How the table names the two sides.
    floor : float, optional
        Differences (max |Δ| and relative error) under it print as ``< floor``: they are rounding noise, whose
        digits depend on the machine. Default ``max(rtol, atol)``, the tolerance for values of size about one.
        A smaller floor shows more of the agreement; keep it well above the noise (float64 sums of a few
        terms: about 1e-12; central differences with h = 1e-6: about 1e-6).
    """
    manual = _as_named(manual, "manual")
    reference = _as_named(reference, "reference")
    if set(manual) != set(reference):
        raise KeyError(
            f"manual and reference must have the same names; manual has {sorted(manual)}, "
            f"reference has {sorted(reference)}"
        )
    rtol, atol = _tolerance(rtol, "rtol"), _tolerance(atol, "atol")
    floor = _tolerance(max(rtol, atol) if floor is None else floor, "floor")
    rows = []
    for name in manual:
        a = (
            as_float_tensor(manual[name], f"manual[{name!r}]", allow_nonfinite=True)
            .detach()
            .to(torch.float64)
        )
        b = as_float_tensor(reference[name], f"reference[{name!r}]", allow_nonfinite=True).detach()
        b = b.to(torch.float64)
        if a.shape != b.shape:
            raise ValueError(
                f"manual[{name!r}] and reference[{name!r}] must have the same shape; "
                f"got {tuple(a.shape)} and {tuple(b.shape)}"
            )
        diff = (a - b).abs().max().item() if a.numel() else 0.0
        scale = max(a.abs().max().item() if a.numel() else 0.0, b.abs().max().item() if b.numel() else 0.0)
        rel = diff / max(scale, 1e-300)
        ok = bool(torch.isfinite(a).all() and torch.allclose(a, b, rtol=rtol, atol=atol))
        rows.append(ComparisonRow(name, tuple(a.shape), diff, rel, ok))
    return Comparison(tuple(rows), rtol, atol, labels[0], labels[1], floor)
