"""The coding exercise of notebook 06: the learner writes a ``Value`` class, and ``check_value_class`` judges it.

The class is judged by what it does, not how: ``cls(x)`` for a float x must have ``data`` (x) and ``grad``
(0.0), the ops must build new objects of the class, and after ``out.backward()`` every input's ``grad`` must be
∂out/∂input. Each expression below is built twice — from the learner's class and from float64 tensors that
require grad — and every value and every input's gradient is compared with torch's autograd
(``code_check.RTOL``, ``ATOL``). The verdict has one line per op, so a wrong op is named by its own line
(``✗ tanh: your backward gives ∂/∂a = … where autograd gives … on a.tanh() at a = 0.7 — ∂tanh/∂a = 1 − tanh²a``),
then one line per graph shape:

- forks, where a node is used twice: ``a + a``, notebook 02's fork (v = 2u + u² with u = x², as notebook 06
  names it) and a·b + tanh(a). A backward that overwrites (``=``) instead of adding (``+=``) gives one path's contribution there, which is
  diagnosed as such; more than the gradient means a node visited twice (a topological sort without a set of
  visited nodes runs u's step twice in v = 2u + u²);
- a node reused many times (a added 100 times; a multiplied by itself 30 times);
- a composition of five ops with no fork: each op can be right alone and the order still wrong;
- a chain longer than Python's recursion limit (at least 2,000 multiplications): a recursive topological sort
  raises RecursionError there, which is named as the cause.

The inputs are non-zero and of mixed sign (a = 0.7, b = −1.3; a = −0.7 for relu's other side). A class not
written yet (``None``, ``...``, or every op still ``...``) is "not written yet"; a missing method gets the
line ``your class has no __rsub__, which 2.5 - v needs: Python calls v.__rsub__(2.5) …``; the learner's exception
is their own short traceback.
"""

import math
import sys
from dataclasses import dataclass

import torch

from backprop_helpers.exercises.code_check import ATOL, RTOL, _learner_traceback
from backprop_helpers.exercises.feedback import Feedback, as_number

__all__ = ["check_value_class"]

F64 = torch.float64
A, B = 0.7, -1.3  # the inputs of the one-op expressions: non-zero, mixed sign, |a| ≠ |b|


@dataclass(frozen=True)
class _Expression:
    """One expression, built by ``build`` from the learner's objects and from tensors alike."""

    label: str  # as the learner reads it: "a * b at a = 0.7, b = -1.3"
    build: object  # (a, b, …) -> out
    inputs: tuple
    names: str = "ab"  # the inputs' names, in order
    overwrite: object = None  # inputs -> {name: [what `=` for `+=` gives]}, for the forks


@dataclass(frozen=True)
class _Group:
    """One line of the verdict: an op (or a graph shape), the methods it needs, its expressions and formula."""

    name: str
    methods: tuple
    usage: str  # what needs the method, for "your class has no …, which {usage}"
    formula: str
    expressions: tuple
    forward: str = ""  # a hint for a wrong forward value


def _one(label, build, *inputs, names="ab", overwrite=None):
    at = ", ".join(f"{n} = {v:g}" for n, v in zip(names, inputs, strict=False))
    return _Expression(f"{label} at {at}", build, inputs, names, overwrite)


_OPS = (
    _Group("+", ("__add__",), "a + b needs", "∂(a + b)/∂a = ∂(a + b)/∂b = 1",
           (_one("a + b", lambda a, b: a + b, A, B), _one("a + 2.5", lambda a: a + 2.5, A))),
    _Group("2.5 + v", ("__radd__",), "2.5 + v needs: Python calls v.__radd__(2.5) when float's + gives up",
           "∂(2.5 + a)/∂a = 1",
           (_one("2.5 + a", lambda a: 2.5 + a, A),)),
    _Group("-", ("__sub__",), "a - b needs", "∂(a − b)/∂a = 1, ∂(a − b)/∂b = −1",
           (_one("a - b", lambda a, b: a - b, A, B), _one("a - 2.5", lambda a: a - 2.5, A))),
    _Group("2.5 - v", ("__rsub__",), "2.5 - v needs: Python calls v.__rsub__(2.5) when float's - gives up",
           "∂(2.5 − a)/∂a = −1",
           (_one("2.5 - a", lambda a: 2.5 - a, A),), "__rsub__(self, other) is other − self: the number first"),
    _Group("*", ("__mul__",), "a * b needs", "∂(a·b)/∂a = b, ∂(a·b)/∂b = a",
           (_one("a * b", lambda a, b: a * b, A, B), _one("a * 2.5", lambda a: a * 2.5, A))),
    _Group("2.5 * v", ("__rmul__",), "2.5 * v needs: Python calls v.__rmul__(2.5) when float's * gives up",
           "∂(2.5·a)/∂a = 2.5",
           (_one("2.5 * a", lambda a: 2.5 * a, A),)),
    _Group("/", ("__truediv__",), "a / b needs", "∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b²",
           (_one("a / b", lambda a, b: a / b, A, B), _one("a / 2.5", lambda a: a / 2.5, A))),
    _Group("2.5 / v", ("__rtruediv__",), "2.5 / v needs: Python calls v.__rtruediv__(2.5) when float's / gives up",
           "∂(2.5/a)/∂a = −2.5/a²",
           (_one("2.5 / a", lambda a: 2.5 / a, A),), "__rtruediv__(self, other) is other / self: the number first"),
    _Group("neg", ("__neg__",), "-a needs", "∂(−a)/∂a = −1", (_one("-a", lambda a: -a, A),)),
    _Group("**", ("__pow__",), "a ** 3 needs", "∂aʳ/∂a = r·aʳ⁻¹ (r a constant)",
           (_one("a ** 3", lambda a: a**3, B), _one("a ** -2", lambda a: a**-2, A),
            _one("a ** 0.5", lambda a: a**0.5, A))),
    _Group("exp", ("exp",), "a.exp() needs", "∂eᵃ/∂a = eᵃ, the output itself", (_one("a.exp()", lambda a: a.exp(), B),)),
    _Group("log", ("log",), "a.log() needs", "∂ln a/∂a = 1/a", (_one("a.log()", lambda a: a.log(), A),)),
    _Group("tanh", ("tanh",), "a.tanh() needs", "∂tanh/∂a = 1 − tanh²a", (_one("a.tanh()", lambda a: a.tanh(), A),)),
    _Group("sigmoid", ("sigmoid",), "a.sigmoid() needs", "∂σ/∂a = σ(a)·(1 − σ(a))",
           (_one("a.sigmoid()", lambda a: a.sigmoid(), B),)),
    _Group("relu", ("relu",), "a.relu() needs", "∂relu/∂a = 1 for a > 0, else 0",
           (_one("a.relu()", lambda a: a.relu(), A), _one("a.relu()", lambda a: a.relu(), -A))),
)  # fmt: skip


_METHODS = {group.name: group.methods for group in _OPS}


def _repeat(op, times):
    def build(a):
        out = a
        for _ in range(times - 1):
            out = op(out, a)
        return out

    return build


def _chain(depth):
    def build(a):
        out = a
        for _ in range(depth):
            out = out * 0.999
        return out

    return build


_NO_SEED = "it sets no grad — not written yet, or the output's grad is never set to 1 (∂out/∂out = 1)"
_NO_FLOW = "the output's grad is 1, but nothing flows back: each node hands upstream × local to its operands"
_FORK = "a node used twice gets one contribution per use: add them (+=), not overwrite (=)"


def _shapes(depth):
    """The graph shapes: forks, a node reused many times, a composition, a chain ``depth`` deep."""
    return (
        _Group("fork", ("__add__", "__mul__", "__pow__", "__rmul__", "tanh"), "the forks (a + a, v = 2u + u², a * b + a.tanh()) need", _FORK, (
            _one("a + a", lambda a: a + a, B, overwrite=lambda a: {"a": [1.0]}),
            _one("v = 2u + u², u = x²", lambda x: (lambda u: 2 * u + u**2)(x**2), 2.0, names="x",
                 overwrite=lambda x: {"x": [2 * 2 * x, 2 * x**2 * 2 * x]}),  # via 2u only, via u² only
            _one("a * b + a.tanh()", lambda a, b: a * b + a.tanh(), A, B,
                 overwrite=lambda a, b: {"a": [b, 1 - math.tanh(a) ** 2]}),
        )),
        _Group("reuse", ("__add__", "__mul__"), "a + a + … + a and a * a * … * a need", _FORK, (
            _one("a + a + … + a (100 times)", _repeat(lambda s, a: s + a, 100), B, overwrite=lambda a: {"a": [1.0]}),
            _one("a * a * … * a (30 times)", _repeat(lambda p, a: p * a, 30), 1.02),
        )),
        _Group("composition", ("__mul__", "__add__", "__pow__", "tanh", "sigmoid"), "((a * b).tanh() + 1) ** 2 then .sigmoid() needs",
               "backward() must hand a node's grad on only once every node that uses it has added to it: "
               "walk a topological order in reverse, from the output",
               (_one("((a * b).tanh() + 1) ** 2 then .sigmoid()", lambda a, b: (((a * b).tanh() + 1) ** 2).sigmoid(),
                     A, B),)),
        _Group(f"a chain {depth:,} deep", ("__mul__",), "a * 0.999 * … * 0.999 needs", "∂/∂a = 0.999 to the chain's length",
               (_one(f"a * 0.999 * … * 0.999 ({depth:,} times)", _chain(depth), A),)),
    )  # fmt: skip


def _number(x):
    return f"{x:.6g}"


def _close(got, expected):
    return math.isclose(got, expected, rel_tol=RTOL, abs_tol=ATOL)


def _by_autograd(expression):
    leaves = [torch.tensor(x, dtype=F64, requires_grad=True) for x in expression.inputs]
    out = expression.build(*leaves)
    out.backward()
    return out.item(), [leaf.grad.item() for leaf in leaves]


class _Stop(Exception):
    """A verdict on one expression, raised from where it is found."""

    def __init__(self, kind, text):
        super().__init__(text)
        self.kind, self.text = kind, text  # kind: "stub", "error", "no flow", "wrong"


def _hint(error):
    """A line after the traceback for the error an op on a plain number gives (``a + 2.5`` reads 2.5.data)."""
    if isinstance(error, AttributeError) and any(f"'{t}' object" in str(error) for t in ("float", "int")):
        return "\n(a number operand must be wrapped first: other = other if isinstance(other, Value) else Value(other))"
    return ""


def _run(cls, group, expression, blame=""):
    """Build the expression from ``cls``, run backward(); raise ``_Stop`` at the first thing that is off.

    A wrong gradient's hint is ``blame`` if given (an op it uses is wrong), else a catalogued slip (``=`` for
    ``+=``, a node visited twice), else the group's formula."""
    where = f"on {expression.label}"
    try:
        leaves = [cls(x) for x in expression.inputs]
        out = expression.build(*leaves)
    except Exception as error:  # the learner's code: theirs to see, shortly
        raise _Stop("error", f"raised an error {where}:\n{_learner_traceback(error)}{_hint(error)}") from None
    if out is None or out is Ellipsis:
        raise _Stop("stub", f"not written yet: {expression.label.split(' at ')[0]} returns {out!r}")
    if not (hasattr(out, "data") and hasattr(out, "backward")):
        raise _Stop(
            "wrong", f"{where} the result is {type(out).__name__}, not a Value: an op returns a new Value"
        )
    value, grads = _by_autograd(expression)
    got = as_number(out.data)
    if got is None or not _close(got, value):
        hint = f" — {group.forward}" if group.forward else ""
        raise _Stop(
            "wrong", f"your forward gives {out.data!r} where torch gives {_number(value)} {where}{hint}"
        )
    try:
        out.backward()
    except RecursionError:
        raise _Stop("wrong", (
            f"RecursionError {where}: your topological sort (or backward) calls itself once per node, and Python "
            f"stops at {sys.getrecursionlimit():,} nested calls — build the order with a loop and a stack"
        )) from None  # fmt: skip
    except Exception as error:
        raise _Stop("error", f"backward() raised an error {where}:\n{_learner_traceback(error)}") from None
    got = [as_number(leaf.grad) for leaf in leaves]
    names = expression.names
    for name, leaf, g in zip(names, leaves, got, strict=False):
        if g is None:
            raise _Stop(
                "wrong", f"{where} {name}.grad is {type(leaf.grad).__name__} after backward(): a number"
            )
    if all(g == 0 for g in got) and any(g != 0 for g in grads):
        seeded = as_number(getattr(out, "grad", None)) == 1
        cause = f" — {blame}" if blame else ""  # a wrong op can shrink a long product to 0: it is named
        raise _Stop(
            "no flow" if seeded else "no seed", f"backward() {where} leaves every input's grad at 0{cause}"
        )
    for name, g, expected in zip(names, got, grads, strict=False):
        if _close(g, expected):
            continue
        said = (
            f"your backward gives ∂/∂{name} = {_number(g)} where autograd gives {_number(expected)} {where}"
        )
        overwrite = expression.overwrite(*expression.inputs).get(name, []) if expression.overwrite else []
        if blame:
            raise _Stop("wrong", f"{said} — {blame}")
        if any(_close(g, one_path) for one_path in overwrite):
            raise _Stop("wrong", f"{said}: one path's contribution — {_FORK}")
        if expression.overwrite and g * expected > 0 and abs(g) > abs(expected):
            raise _Stop("wrong", f"{said}, more: is a node used twice visited twice, passing its grad on twice? "
                                 "Keep a set of visited nodes in the topological sort")  # fmt: skip
        raise _Stop("wrong", f"{said} — {group.formula}")


def _judge(cls, group, wrong_ops=()):
    """(kind, line) for one group: kind "ok", "missing", or a ``_Stop`` kind. ``wrong_ops``: the ops found
    wrong, which a graph shape's line blames before its own formula."""
    missing = [m for m in group.methods if not callable(getattr(cls, m, None))]
    if missing:
        return "missing", f"✗ {group.name}: your class has no {', '.join(missing)}, which {group.usage}"
    used = [op for op in wrong_ops if any(m in _METHODS[op] for m in group.methods)]
    blame = (
        f"it uses {', '.join(used)}, wrong above: fix {'it' if len(used) == 1 else 'them'} first"
        if used
        else ""
    )
    for expression in group.expressions:
        try:
            _run(cls, group, expression, blame)
        except _Stop as stop:
            return stop.kind, f"✗ {group.name}: {stop.text}"
    return "ok", f"✓ {group.name}"


def _not_written(cls):
    """True if every op the class has returns None or ... (a stub whose bodies are still ``...``)."""
    results = []
    for name in ("__add__", "__sub__", "__mul__", "__truediv__", "__pow__", "__neg__", "exp", "log", "tanh"):
        method = getattr(cls, name, None)
        if callable(method):
            try:
                args = (
                    (cls(2.0), cls(3.0))
                    if name in ("__add__", "__sub__", "__mul__", "__truediv__")
                    else (cls(2.0),)
                )
                results.append(method(*args, 2) if name == "__pow__" else method(*args))
            except Exception:
                return False
    return bool(results) and all(r is None or r is Ellipsis for r in results)


def check_value_class(cls):
    """Judge the learner's scalar autograd class ``cls`` (notebook 06's exercise); returns a ``Feedback``.

    ``cls(x)`` must hold ``data`` = x and ``grad`` = 0.0; ops: ``+ - * /`` with a Value or a number on either
    side, unary ``-``, ``** constant``, ``.exp() .log() .tanh() .sigmoid() .relu()``; ``backward()`` fills every
    input's ``grad``. Every op alone, the forks, a node reused many times, a composition and a chain deeper than
    the recursion limit are compared with torch's autograd in float64 (rtol 1e-6); one line per op says ✓ or
    what is wrong (see the module's docstring).
    """
    if cls is None or cls is Ellipsis:
        return Feedback(False, "Your Value class is not written yet.")
    if not isinstance(cls, type):
        return Feedback(False, f"Pass the class itself (Value, not Value(2.0)); got {type(cls).__name__}.")
    if _not_written(cls):
        return Feedback(
            False, "Your Value class is not written yet: its ops return None (their bodies are `...`)."
        )
    try:
        v = cls(2.0)
    except Exception as error:
        return Feedback(False, f"✗ {cls.__name__}(2.0) raised an error:\n{_learner_traceback(error)}")
    for attribute, right in (("data", 2.0), ("grad", 0.0)):
        if not hasattr(v, attribute):
            return Feedback(False, f"✗ {cls.__name__}(2.0) has no attribute {attribute}: __init__ sets "
                                   "self.data to the number and self.grad to 0.0")  # fmt: skip
        if as_number(getattr(v, attribute)) != right:
            return Feedback(False, f"✗ {cls.__name__}(2.0).{attribute} is {getattr(v, attribute)!r}; it should "
                                   f"be {right!r} (self.data = the number, self.grad = 0.0 to add into)")  # fmt: skip
    if not callable(getattr(cls, "backward", None)):
        return Feedback(False, "✗ your class has no backward(): out.backward() needs it")
    depth = min(max(2000, sys.getrecursionlimit() + 500), 20_000)  # beyond the recursion limit
    shapes = _shapes(depth)
    verdicts = [_judge(cls, group) for group in _OPS]
    wrong_ops = [group.name for group, (kind, _) in zip(_OPS, verdicts, strict=True) if kind != "ok"]
    verdicts += [_judge(cls, group, wrong_ops) for group in shapes]
    lines = [line for _, line in verdicts]
    kinds = {kind for kind, _ in verdicts}
    if kinds <= {"no flow", "no seed", "missing"} and kinds & {"no flow", "no seed"}:
        why = _NO_SEED if "no seed" in kinds else _NO_FLOW
        return Feedback(False, f"✗ after backward() every input's grad is still 0: {why}.")
    if kinds == {"ok"}:
        count = sum(len(group.expressions) for group in _OPS + shapes)
        return Feedback(True, f"✓ your Value class matches autograd on {count} expressions — every op alone, "
                              f"forks, reuse, a composition and a chain {depth:,} deep:\n" + "\n".join(lines))  # fmt: skip
    return Feedback(False, "\n".join(lines))
