"""A scalar autograd engine: ``Value`` holds a number, the operands it was made from and ∂self/∂operand.

Built op by op in notebook 06 (§ "A Value that remembers how it was made"); this is the reference the explorer
and the tests use. Every op computes its local gradients in the forward pass, beside the forward formula, and
stores them in ``_local_grads``, one per entry of ``_prev``. ``backward()`` then needs no per-op code: it walks
the graph from the output to the leaves and adds upstream × local into each operand — the multivariable chain
rule, a ``+=`` because an operand used twice receives one contribution per use.

Numerics: Python floats are float64. Every value and every local gradient is finite: an op whose result
overflows (``exp(800)``, ``1e200 * 1e200``) or is undefined (``log(0)``, ``x / 0``, ``(-8) ** 0.5``) raises
a ValueError naming the op and its operand, never returns inf or nan. Only a gradient can grow to inf, by
products of many large local gradients in ``backward()``.
"""

import math
import numbers

__all__ = ["Value", "topological_order"]


def _describe(value):
    # numbers as the learner typed them ("got 2.5"), anything else with its type ("got str '3'")
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return text if isinstance(value, numbers.Number) else f"{type(value).__name__} {text}"


def _as_float(number, name):
    """``number`` as a finite float: an int or a float (numpy's too), not a bool, not nan or inf."""
    if type(number) is float and math.isfinite(number):  # the common case, without the slow ABC check below
        return number
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise TypeError(f"{name} must be a real number (an int or a float); got {_describe(number)}")
    number = float(number)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite; got {number!r}")
    return number


def _stable_sigmoid(x):
    # σ(x) = 1/(1 + e^{−x}) for x ≥ 0 and e^{x}/(1 + e^{x}) for x < 0: no e^{|x|} is ever computed, so nothing
    # overflows (the naive form computes e^{800} = overflow for x = −800)
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class Value:
    """A scalar that remembers how it was made.

    Parameters
    ----------
    data : int or float
        The number; stored as a float. A bool, a complex number, a string, nan and inf are refused.
    label : str, optional
        A display name (the graph drawing shows it).

    Attributes
    ----------
    data : float
    grad : float
        ∂(output)/∂(this value), summed over every ``backward()`` since the last ``zero_grad()``; 0.0 at first.
    label : str
    _prev : tuple of Value
        The operands, in order, with repetition (``b = a + a`` has ``_prev == (a, a)``); empty for a leaf.
    _op : str
        ``"+"``, ``"-"``, ``"*"``, ``"/"``, ``"neg"``, ``"**2"`` (the exponent shown), ``"exp"``, ``"log"``,
        ``"tanh"``, ``"sigmoid"``, ``"relu"``; ``""`` for a leaf.
    _local_grads : tuple of float
        ∂self/∂operand for each entry of ``_prev``, computed in the forward pass.

    A number on either side of an op is wrapped in a leaf ``Value`` (``2 * v`` has ``_prev == (Value(2), v)``).
    """

    def __init__(self, data, label=""):
        self.data = _as_float(data, "data")
        if not isinstance(label, str):
            raise TypeError(f"label must be a str; got {_describe(label)}")
        self.grad = 0.0
        self.label = label
        self._prev = ()
        self._op = ""
        self._local_grads = ()

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    @classmethod
    def _result(cls, data, prev, local_grads, op):
        """The Value an op produced: its data, operands and local gradients, each checked finite."""
        if not (math.isfinite(data) and all(map(math.isfinite, local_grads))):
            operands = ", ".join(repr(p.data) for p in prev)
            what = f"result {data!r}" if not math.isfinite(data) else f"local gradients {local_grads!r}"
            raise ValueError(f"{op} of ({operands}) overflows a float: {what}")
        out = cls(data)
        out._prev = prev
        out._op = op
        out._local_grads = local_grads
        return out

    def _operand(self, other, op):
        """``other`` as a Value: itself if it is one, a leaf of self's class holding it if it is a number."""
        if isinstance(other, Value):
            return other
        if isinstance(other, bool) or not isinstance(other, numbers.Real):
            raise TypeError(
                f"the other operand of {op} must be a Value or a real number; got {_describe(other)}"
            )
        return type(self)(_as_float(other, f"the other operand of {op}"))

    # ----- the ops: forward and local gradients side by side -----

    def __add__(self, other):
        """a + b; ∂/∂a = 1, ∂/∂b = 1."""
        other = self._operand(other, "+")
        return self._result(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __radd__(self, other):  # 2 + v
        return self._operand(other, "+") + self

    def __sub__(self, other):
        """a − b; ∂/∂a = 1, ∂/∂b = −1."""
        other = self._operand(other, "-")
        return self._result(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __rsub__(self, other):  # 1 - v
        return self._operand(other, "-") - self

    def __mul__(self, other):
        """a · b; ∂/∂a = b, ∂/∂b = a."""
        other = self._operand(other, "*")
        return self._result(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __rmul__(self, other):  # 2 * v
        return self._operand(other, "*") * self

    def __truediv__(self, other):
        """a / b; ∂/∂a = 1/b, ∂/∂b = −a/b²."""
        other = self._operand(other, "/")
        if other.data == 0:
            raise ValueError(f"/: division of {self.data!r} by zero")
        b = other.data
        local_grads = (1.0 / b, -self.data / b / b)  # −a/b/b, not −a/(b·b): b·b may underflow to 0
        return self._result(self.data / b, (self, other), local_grads, "/")

    def __rtruediv__(self, other):  # 1 / v
        return self._operand(other, "/") / self

    def __neg__(self):
        """−a; ∂/∂a = −1."""
        return self._result(-self.data, (self,), (-1.0,), "neg")

    def __pow__(self, exponent):
        """aⁿ for a constant n (an int or a float); ∂/∂a = n·aⁿ⁻¹."""
        if isinstance(exponent, Value):
            raise TypeError(
                "the exponent of ** must be a constant number, not a Value (v ** 2 works; for a ** v with a "
                "Value exponent write (v * math.log(a)).exp())"
            )
        n = _as_float(exponent, "the exponent of **")
        a = self.data
        op = f"**{n:g}"
        if a < 0 and not n.is_integer():
            raise ValueError(f"{op}: a negative number to a non-integer power is not real; got base {a!r}")
        if a == 0 and n < 1 and n != 0:
            raise ValueError(f"{op}: at base 0 the derivative n·a^(n−1) is infinite (or 0^n undefined)")
        try:
            data, local = a**n, (n * a ** (n - 1) if n != 0 else 0.0)
        except OverflowError as error:
            raise ValueError(f"{op} of {a!r} overflows a float") from error
        return self._result(data, (self,), (local,), op)

    def __rpow__(self, base):
        raise TypeError(
            f"{_describe(base)} ** Value is not an op of this engine (the exponent must be a constant); "
            "for a ** v write (v * math.log(a)).exp()"
        )

    def exp(self):
        """eᵃ; ∂/∂a = eᵃ (the output itself)."""
        try:
            e = math.exp(self.data)
        except OverflowError as error:
            raise ValueError(
                f"exp of {self.data!r} overflows a float (e^x > 1.8e308 for x > 709.78)"
            ) from error
        return self._result(e, (self,), (e,), "exp")

    def log(self):
        """ln a for a > 0; ∂/∂a = 1/a."""
        if self.data <= 0:
            raise ValueError(f"log needs a number > 0; got {self.data!r}")
        return self._result(math.log(self.data), (self,), (1.0 / self.data,), "log")

    def tanh(self):
        """tanh a; ∂/∂a = 1 − tanh²a."""
        t = math.tanh(self.data)
        return self._result(t, (self,), (1.0 - t * t,), "tanh")

    def sigmoid(self):
        """σ(a) = 1/(1 + e⁻ᵃ); ∂/∂a = σ(a)·(1 − σ(a))."""
        s = _stable_sigmoid(self.data)
        return self._result(s, (self,), (s * (1.0 - s),), "sigmoid")

    def relu(self):
        """max(0, a); ∂/∂a = 1 for a > 0, else 0 (0 at a = 0, as torch)."""
        return self._result(max(0.0, self.data), (self,), (1.0 if self.data > 0 else 0.0,), "relu")

    # ----- the backward pass -----

    def backward(self):
        """Add ∂self/∂node into ``node.grad`` for every node of the graph below self (self included: +1).

        Seeds ∂self/∂self = 1 and walks ``topological_order(self)`` in reverse, so a node's upstream gradient
        is complete before it is passed on; each operand receives upstream × local, with ``+=`` (an operand
        used twice gets both contributions). Iterative: a chain 10,000 deep works.

        Gradients accumulate, as torch's ``.grad`` does: a second ``backward()`` adds the same again; call
        ``zero_grad()`` between training steps. This pass's gradients are summed apart from ``.grad`` and
        added at the end — reading upstream gradients from ``.grad`` while it still holds an earlier pass
        would multiply the earlier pass into this one instead of adding to it. Nothing but ``.grad`` changes.
        """
        order = topological_order(self)
        upstream = dict.fromkeys(order, 0.0)  # this pass's ∂self/∂node (a Value hashes by identity: no ==)
        upstream[self] = 1.0
        for node in reversed(order):
            d_node = upstream[node]
            for operand, local in zip(node._prev, node._local_grads, strict=True):
                upstream[operand] += local * d_node  # upstream × local; += at a fork
        for node in order:
            node.grad += upstream[node]

    def zero_grad(self):
        """Set ``grad`` to 0.0 on every node of the graph below self, self included."""
        for node in topological_order(self):
            node.grad = 0.0


def topological_order(root):
    """Every node of ``root``'s graph once, each after all its operands (``_prev`` order), ``root`` last.

    Depth-first with an explicit stack instead of recursion, so that a chain deeper than Python's recursion
    limit (1,000 frames by default) is walked all the same.
    """
    if not isinstance(root, Value):
        raise TypeError(f"root must be a Value; got {_describe(root)}")
    order, seen = [], {root}
    stack = [(root, iter(root._prev))]  # (node, its operands not visited yet)
    while stack:
        node, operands = stack[-1]
        for operand in operands:
            if operand not in seen:
                seen.add(operand)
                stack.append((operand, iter(operand._prev)))
                break
        else:  # every operand is placed: the node comes next
            stack.pop()
            order.append(node)
    return order
