"""The scalar engine ``Value``: against torch (float64) on random expressions, every op's backward against a
central finite difference, the forks, a node reused many times, a 10,000-deep chain, what backward() may
change, accumulation, and bad inputs."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_helpers.engine import Value, topological_order

F64 = torch.float64
DELTA = 1e-6  # the finite-difference step δ: truncation error ~δ²·|f‴| ≈ 1e-12, rounding ~1e-16/δ = 1e-10
FD_TOL = 1e-7  # |backward − central difference| ≤ FD_TOL · (1 + |backward|), well above both errors
RTOL = 1e-11  # engine against torch, float64: both round differently (math.tanh vs torch's tanh kernel) ...
ATOL = 1e-12  # ... and a cancellation (a − b with a ≈ b) costs relative digits, not absolute ones (× the
# largest gradient). 3,000 examples passed at RTOL = 1e-12 too; 1e-11 leaves a digit for rarer cancellations


# -- against torch on random expressions --------------------------------------------------------------------

UNARY = ("neg", "exp", "log", "tanh", "sigmoid", "relu", "pow2", "pow3", "pow-1", "pow0.5")
BINARY = ("add", "sub", "mul", "div", "radd", "rsub", "rmul", "rdiv")


def _valid(op, a, b=None):
    """Whether the op is defined and well conditioned at these operands (the recipe skips a step otherwise)."""
    if op == "log" or op == "pow0.5":
        return a > 0.1
    if op == "exp":
        return a < 5
    if op == "pow-1":
        return abs(a) > 0.1
    if op == "div":
        return abs(b) > 0.1
    if op == "rdiv":
        return abs(a) > 0.1
    if op == "relu":
        return abs(a) > 1e-6  # away from the kink, where a finite change of a crosses it
    return True


def _apply(op, a, b=None, constant=1.5):
    """One op on Values or on tensors alike (the same Python operators and method names)."""
    if op == "neg":
        return -a
    if op.startswith("pow"):
        return a ** float(op[3:])
    if op in ("exp", "log", "tanh", "sigmoid", "relu"):
        return getattr(a, op)() if isinstance(a, Value) else getattr(torch, op)(a)
    return {
        "add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b, "div": lambda: a / b,
        "radd": lambda: constant + a, "rsub": lambda: constant - a, "rmul": lambda: constant * a,
        "rdiv": lambda: constant / a,
    }[op]()  # fmt: skip


@st.composite
def recipes(draw):
    """Leaf values and a list of steps (op, i, j): node i (and j) are earlier nodes, so nodes get reused and
    forks are common."""
    leaves = draw(st.lists(st.floats(-2, 2).filter(lambda v: abs(v) > 1e-3), min_size=1, max_size=4))
    steps = []
    for k in range(draw(st.integers(1, 12))):
        n = len(leaves) + k  # nodes so far, at most (a skipped step adds none: build() takes i, j modulo)
        op = draw(st.sampled_from(UNARY + BINARY))
        steps.append((op, draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))))
    return leaves, steps


def build(leaves, steps):
    """The same expression in Values and in float64 tensors; a step whose op is not valid at its operands,
    or whose result exceeds 1e4 in size, is skipped (in both)."""
    values = [Value(v, label=f"x{k}") for k, v in enumerate(leaves)]
    tensors = [torch.tensor(v, dtype=F64, requires_grad=True) for v in leaves]
    for op, i, j in steps:
        i, j = i % len(values), j % len(values)
        a, b = values[i], values[j]
        if not _valid(op, a.data, b.data):
            continue
        out = _apply(op, a, b)
        if abs(out.data) > 1e4:
            continue
        values.append(out)
        tensors.append(_apply(op, tensors[i], tensors[j]))
    return values, tensors


@settings(max_examples=300, deadline=None)
@given(recipes())
def test_engine_matches_torch_on_random_expressions(recipe):
    leaves, steps = recipe
    values, tensors = build(leaves, steps)
    out, out_t = values[-1], tensors[-1]
    out.backward()
    if out_t.requires_grad:
        out_t.backward()
    assert out.data == pytest.approx(out_t.item(), rel=RTOL, abs=ATOL)
    grads = [
        0.0 if t.grad is None else t.grad.item() for t in tensors[: len(leaves)]
    ]  # None: not in the graph
    scale = 1 + max(abs(g) for g in grads)
    for leaf, expected in zip(values[: len(leaves)], grads, strict=True):
        assert leaf.grad == pytest.approx(expected, rel=RTOL, abs=ATOL * scale), leaf.label


# -- every op against a central finite difference -----------------------------------------------------------

POINTS = (-1.7, -0.4, 0.3, 1.2)


def central_difference(f, x):
    """(f(x + δ) − f(x − δ)) / 2δ of a function of one float."""
    return (f(x + DELTA) - f(x - DELTA)) / (2 * DELTA)


def assert_backward_matches_difference(f, x):
    v = Value(x)
    out = f(v)
    out.backward()
    expected = central_difference(lambda t: f(Value(t)).data, x)
    assert abs(v.grad - expected) <= FD_TOL * (1 + abs(v.grad)), (out._op, x, v.grad, expected)


@pytest.mark.parametrize("x", POINTS)
@pytest.mark.parametrize(
    "f",
    [
        lambda v: -v, lambda v: v.exp(), lambda v: v.tanh(), lambda v: v.sigmoid(), lambda v: v.relu(),
        lambda v: v**2, lambda v: v**3, lambda v: v**-1, lambda v: v**-2, lambda v: 2.5 + v, lambda v: v + 2.5,
        lambda v: 2.5 - v, lambda v: v - 2.5, lambda v: 2.5 * v, lambda v: v * 2.5, lambda v: 2.5 / v,
        lambda v: v / 2.5,
    ],
    ids=["neg", "exp", "tanh", "sigmoid", "relu", "pow2", "pow3", "pow-1", "pow-2", "radd", "add", "rsub", "sub",
         "rmul", "mul", "rdiv", "div"],
)  # fmt: skip
def test_each_op_backward_matches_a_central_difference(f, x):
    assert_backward_matches_difference(f, x)


@pytest.mark.parametrize("x", (0.3, 1.2, 4.0))
@pytest.mark.parametrize(
    "f", [lambda v: v.log(), lambda v: v**0.5, lambda v: v**1.5], ids=["log", "sqrt", "1.5"]
)
def test_ops_defined_for_positive_numbers_match_a_central_difference(f, x):
    assert_backward_matches_difference(f, x)


@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_binary_ops_each_operand_matches_a_central_difference(op):
    a0, b0 = 0.7, -1.3
    f = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b}[
        op
    ]
    a, b = Value(a0), Value(b0)
    f(a, b).backward()
    d_da = central_difference(lambda t: f(Value(t), Value(b0)).data, a0)
    d_db = central_difference(lambda t: f(Value(a0), Value(t)).data, b0)
    assert abs(a.grad - d_da) <= FD_TOL * (1 + abs(a.grad))
    assert abs(b.grad - d_db) <= FD_TOL * (1 + abs(b.grad))


def test_hand_worked_example():
    # L = (w0·x0 + w1·x1 + b − y)² at x = (1, 2), w = (0.5, −0.25), b = 0.1, y = 1:
    # z = 0.5 − 0.5 + 0.1 = 0.1, L = (0.1 − 1)² = 0.81, ∂L/∂z = 2·(−0.9) = −1.8,
    # ∂L/∂w = −1.8·(1, 2) = (−1.8, −3.6), ∂L/∂b = −1.8 (0.1 is not exact in binary: compared to 1e-12)
    w0, w1, b = Value(0.5), Value(-0.25), Value(0.1)
    loss = (w0 * 1.0 + w1 * 2.0 + b - 1.0) ** 2
    loss.backward()
    assert loss.data == pytest.approx(0.81, abs=1e-12)
    assert (w0.grad, w1.grad, b.grad) == pytest.approx((-1.8, -3.6, -1.8), abs=1e-12)


# -- forks, reuse, depth ---------------------------------------------------------------------------------------


def test_a_value_added_to_itself_gets_both_contributions():
    a = Value(3.0)
    b = a + a
    assert b._prev == (a, a) and b._local_grads == (1.0, 1.0)
    b.backward()
    assert a.grad == 2.0  # with = instead of += it would be 1.0


def test_seed_001_fork():
    # y = x², z = 2y + y²: dz/dy = 2 + 2y = 10 at y = 4 (two paths), dz/dx = 10 · 2x = 40 at x = 2
    x = Value(2.0)
    y = x**2
    z = 2 * y + y**2
    z.backward()
    assert (z.data, y.grad, x.grad) == (24.0, 10.0, 40.0)


def test_a_node_reused_many_times():
    v = Value(1.01)
    total, product = v, v
    for _ in range(99):
        total = total + v  # d(100·v)/dv = 100
        product = product * v  # d(v¹⁰⁰)/dv = 100·v⁹⁹
    total.backward()
    assert v.grad == 100.0
    v.zero_grad()
    product.backward()
    t = torch.tensor(1.01, dtype=F64, requires_grad=True)
    (t**100).backward()
    assert v.grad == pytest.approx(t.grad.item(), rel=1e-12) == pytest.approx(100 * 1.01**99, rel=1e-12)


def test_a_chain_10000_deep_needs_no_recursion():
    x = Value(0.5)
    v = x
    for _ in range(10_000):
        v = v * 0.9999  # ∂v/∂x = 0.9999¹⁰⁰⁰⁰ ≈ e⁻¹
    order = topological_order(v)
    assert len(order) == 20_001 and order[0] is x and order[-1] is v  # 10,000 constants, 10,000 products, x
    v.backward()
    assert x.grad == pytest.approx(0.9999**10_000, rel=1e-12)
    v = Value(0.3)
    for _ in range(10_000):
        v = v.tanh()
    v.backward()  # no RecursionError; the slope of 10,000 tanhs is small but not 0
    assert 0 < topological_order(v)[0].grad < 1


def test_topological_order_places_every_operand_first_each_node_once():
    x = Value(2.0)
    y = x**2
    z = 2 * y + y**2
    order = topological_order(z)
    assert len(order) == len({id(n) for n in order}) == 6 and order[-1] is z
    for k, node in enumerate(order):
        assert all(order.index(operand) < k for operand in node._prev)
    assert topological_order(x) == [x]


# -- what backward() changes, and accumulation ------------------------------------------------------------------


def snapshot(root):
    return [
        (id(n), n.data, n.label, n._op, tuple(map(id, n._prev)), n._local_grads)
        for n in topological_order(root)
    ]


def test_backward_mutates_nothing_but_grad():
    a, b = Value(0.8, label="a"), Value(-0.6, label="b")
    c = (a * b + a).tanh()
    out = c.sigmoid() / (1 + b.exp()) - c.relu() + a.log()
    before = snapshot(out)
    out.backward()
    assert snapshot(out) == before
    assert a.grad != 0.0 and b.grad != 0.0 and out.grad == 1.0


def test_backward_accumulates_as_torch_does_and_zero_grad_clears():
    x = Value(2.0)
    y = x**2
    z = 2 * y + y**2
    z.backward()
    z.backward()  # a second pass adds the same again (not 40 · 2 · … compounded)
    assert (x.grad, y.grad, z.grad) == (80.0, 20.0, 2.0)
    z.zero_grad()
    assert all(n.grad == 0.0 for n in topological_order(z))
    z.backward()
    assert x.grad == 40.0
    # two outputs sharing an input: their gradients add, as torch's .grad does
    u = Value(1.5)
    (u * 3).backward()
    (u**2).backward()
    t = torch.tensor(1.5, dtype=F64, requires_grad=True)
    (t * 3).backward()
    (t**2).backward()
    assert u.grad == t.grad.item() == 6.0


# -- bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: Value("3"), TypeError, r"data must be a real number .*got str '3'"),
        (lambda: Value(True), TypeError, r"data must be a real number .*got True"),
        (lambda: Value(1 + 2j), TypeError, r"data must be a real number"),
        (lambda: Value(float("nan")), ValueError, r"data must be finite; got nan"),
        (lambda: Value(math.inf), ValueError, r"data must be finite; got inf"),
        (lambda: Value(1.0, label=3), TypeError, r"label must be a str; got 3"),
        (
            lambda: Value(1.0) + "a",
            TypeError,
            r"other operand of \+ must be a Value or a real number; got str",
        ),
        (
            lambda: "a" * Value(1.0),
            TypeError,
            r"other operand of \* must be a Value or a real number; got str",
        ),
        (lambda: Value(1.0) - None, TypeError, r"other operand of - must be a Value or a real number"),
        (lambda: Value(1.0) / torch.tensor(2.0), TypeError, r"other operand of / must be a Value"),
        (lambda: Value(1.0) * float("nan"), ValueError, r"other operand of \* must be finite"),
        (
            lambda: Value(2.0) ** Value(2.0),
            TypeError,
            r"exponent of \*\* must be a constant number, not a Value",
        ),
        (lambda: 2 ** Value(2.0), TypeError, r"2 \*\* Value is not an op of this engine"),
        (lambda: Value(2.0) ** "2", TypeError, r"exponent of \*\* must be a real number"),
        (lambda: Value(0.0).log(), ValueError, r"log needs a number > 0; got 0\.0"),
        (lambda: Value(-1.0).log(), ValueError, r"log needs a number > 0; got -1\.0"),
        (lambda: Value(1.0) / 0, ValueError, r"division of 1\.0 by zero"),
        (lambda: 1 / Value(0.0), ValueError, r"division of 1\.0 by zero"),
        (lambda: Value(-8.0) ** 0.5, ValueError, r"negative number to a non-integer power"),
        (lambda: Value(0.0) ** -1, ValueError, r"at base 0 the derivative"),
        (lambda: Value(0.0) ** 0.5, ValueError, r"at base 0 the derivative"),
        (lambda: Value(800.0).exp(), ValueError, r"exp of 800\.0 overflows a float"),
        (
            lambda: Value(1e200) * 1e200,
            ValueError,
            r"\* of \(1e\+200, 1e\+200\) overflows a float: result inf",
        ),
        (lambda: Value(1e300) ** 2, ValueError, r"\*\*2 of 1e\+300 overflows a float"),
        (
            lambda: Value(1.0) / 1e-200,
            ValueError,
            r"/ of \(1\.0, 1e-200\) overflows a float: local gradients",
        ),
        (lambda: topological_order(2.0), TypeError, r"root must be a Value; got 2\.0"),
    ],
)
def test_bad_input_is_refused_clearly(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_edge_values_are_finite_not_errors():
    assert Value(-800.0).sigmoid().data == 0.0 and Value(800.0).sigmoid().data == 1.0  # the stable form
    assert Value(-800.0).exp().data == 0.0
    zero = Value(0.0)
    out = zero.relu()
    out.backward()
    assert (out.data, zero.grad) == (0.0, 0.0)  # relu′(0) = 0, as torch
    assert (Value(0.0) ** 0)._local_grads == (0.0,) and (Value(0.0) ** 2).data == 0.0
    assert (Value(-2.0) ** 3).data == -8.0 and (Value(-2.0) ** -1.0).data == -0.5
    assert repr(Value(2, label="x")) == "Value(data=2.0, grad=0.0, label='x')"
