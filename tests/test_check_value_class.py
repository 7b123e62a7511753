"""check_value_class (notebook 06): the reference engine and a learner-style engine (micrograd's closures, no
``_local_grads``) pass; a class with one op's backward broken is rejected on that op's line with its formula,
the other ops ✓; ``=`` for ``+=``, a node visited twice and a recursive topological sort get their own hints;
stubs, missing methods, wrong forwards and the learner's exceptions are answered as the learner needs."""

import math

import pytest

from backprop_helpers.engine import Value, topological_order
from backprop_helpers.exercises import check_value_class
from backprop_helpers.exercises.inside_autograd import _OPS, _by_autograd, _shapes

OPS = [group.name for group in _OPS]


def closure_value_class(*, assign=False, recursive=False, visited=True):
    """A learner's engine in micrograd's style, written for these tests: each op stores a closure that sends
    upstream × local to its operands; backward() sorts the graph and calls the closures from the output back.

    The slips a learner makes, one switch each: ``assign`` sends with ``=`` instead of ``+=``; ``recursive``
    sorts with a recursive function; ``visited=False`` sorts without a set of visited nodes.
    """

    def send(node, amount):
        if assign:
            node.grad = amount  # the slip: a fork's second contribution overwrites the first
        else:
            node.grad += amount

    class Scalar:
        def __init__(self, data, children=()):
            self.data = data
            self.grad = 0.0
            self.children = children
            self.backward_step = lambda: None

        @staticmethod
        def wrap(other):
            return other if isinstance(other, Scalar) else Scalar(other)

        def made(self, data, children, *locals_):
            out = Scalar(data, children)

            def backward_step():
                for child, local in zip(children, locals_, strict=True):
                    send(child, local * out.grad)

            out.backward_step = backward_step
            return out

        def __add__(self, other):
            other = Scalar.wrap(other)
            return self.made(self.data + other.data, (self, other), 1.0, 1.0)

        def __radd__(self, other):
            return Scalar.wrap(other) + self

        def __sub__(self, other):
            other = Scalar.wrap(other)
            return self.made(self.data - other.data, (self, other), 1.0, -1.0)

        def __rsub__(self, other):
            return Scalar.wrap(other) - self

        def __mul__(self, other):
            other = Scalar.wrap(other)
            return self.made(self.data * other.data, (self, other), other.data, self.data)

        def __rmul__(self, other):
            return Scalar.wrap(other) * self

        def __truediv__(self, other):
            return self * other**-1

        def __rtruediv__(self, other):
            return Scalar.wrap(other) * self**-1

        def __neg__(self):
            return self * -1

        def __pow__(self, n):
            return self.made(self.data**n, (self,), n * self.data ** (n - 1))

        def exp(self):
            e = math.exp(self.data)
            return self.made(e, (self,), e)

        def log(self):
            return self.made(math.log(self.data), (self,), 1 / self.data)

        def tanh(self):
            t = math.tanh(self.data)
            return self.made(t, (self,), 1 - t * t)

        def sigmoid(self):
            s = 1 / (1 + math.exp(-self.data))
            return self.made(s, (self,), s * (1 - s))

        def relu(self):
            return self.made(max(0.0, self.data), (self,), 1.0 if self.data > 0 else 0.0)

        def backward(self):
            order, seen = [], set()
            if recursive:

                def visit(node):
                    if node not in seen:
                        seen.add(node)
                        for child in node.children:
                            visit(child)
                        order.append(node)

                visit(self)
            else:
                stack = [(self, False)]
                while stack:
                    node, children_done = stack.pop()
                    if children_done:
                        order.append(node)
                    elif not visited or node not in seen:
                        seen.add(node)
                        stack.append((node, True))
                        stack.extend((child, False) for child in node.children)
            self.grad = 1.0
            for node in reversed(order):
                node.backward_step()

    return Scalar


def lines_of(feedback):
    return {
        line.split(":")[0].removeprefix("✓ ").removeprefix("✗ "): line
        for line in feedback.message.splitlines()
    }


# -- what passes -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [Value, closure_value_class()], ids=["reference", "learner-style closures"])
def test_right_engines_pass(cls):
    feedback = check_value_class(cls)
    assert feedback.ok, feedback.message
    assert feedback.message.startswith("✓ your Value class matches autograd on ")
    assert all(f"✓ {name}" in feedback.message for name in OPS)
    assert "✗" not in feedback.message


def test_the_cases_are_what_the_module_says():
    depth = 2000
    shapes = _shapes(depth)
    for group in _OPS + shapes:
        for expression in group.expressions:
            value, grads = _by_autograd(expression)
            assert math.isfinite(value) and len(grads) == len(expression.inputs)
            assert all(x != 0 for x in expression.inputs)
            if "relu" not in expression.label:  # relu's other side has a 0 gradient: its lesson
                assert all(abs(g) > 1e-3 for g in grads), expression.label  # far above ATOL: no pass as "0"
    (chain,) = shapes[-1].expressions
    a = Value(chain.inputs[0])
    out = chain.build(a)
    assert len(topological_order(out)) == 2 * depth + 1  # the depth counts multiplications (and constants)
    # the catalogued `=` values are wrong and differ from the right answer: they can be told apart
    for expression in shapes[0].expressions + shapes[1].expressions:
        if expression.overwrite:
            _, grads = _by_autograd(expression)
            wrongs = expression.overwrite(*expression.inputs)
            for name, values in wrongs.items():
                right = grads[expression.names.index(name)]
                assert all(not math.isclose(w, right, rel_tol=1e-3) for w in values)


# -- one op broken: that op's line is ✗ with its formula, the other ops ✓ -------------------------------------------


def broken(method):
    """The reference engine with ``method``'s local gradients wrong (×1.5 + 0.25: no sign flip, no factor 2)."""

    def wrong(self, *args):
        out = getattr(Value, method)(self, *args)
        out._local_grads = tuple(1.5 * g + 0.25 for g in out._local_grads)
        return out

    return type(f"Broken{method.strip('_').title()}", (Value,), {method: wrong})


FORMULAS = {
    "__add__": ("+", "∂(a + b)/∂a = ∂(a + b)/∂b = 1"),
    "__radd__": ("2.5 + v", "∂(2.5 + a)/∂a = 1"),
    "__sub__": ("-", "∂(a − b)/∂b = −1"),
    "__rsub__": ("2.5 - v", "∂(2.5 − a)/∂a = −1"),
    "__mul__": ("*", "∂(a·b)/∂a = b"),
    "__rmul__": ("2.5 * v", "∂(2.5·a)/∂a = 2.5"),
    "__truediv__": ("/", "∂(a/b)/∂b = −a/b²"),
    "__rtruediv__": ("2.5 / v", "∂(2.5/a)/∂a = −2.5/a²"),
    "__neg__": ("neg", "∂(−a)/∂a = −1"),
    "__pow__": ("**", "∂aʳ/∂a = r·aʳ⁻¹"),
    "exp": ("exp", "∂eᵃ/∂a = eᵃ"),
    "log": ("log", "∂ln a/∂a = 1/a"),
    "tanh": ("tanh", "∂tanh/∂a = 1 − tanh²a"),
    "sigmoid": ("sigmoid", "∂σ/∂a = σ(a)·(1 − σ(a))"),
    "relu": ("relu", "∂relu/∂a = 1 for a > 0, else 0"),
}


REFLECTED = {"+": ("2.5 + v",), "-": ("2.5 - v",), "*": ("2.5 * v",), "/": ("2.5 / v",)}


@pytest.mark.parametrize("method", list(FORMULAS))
def test_a_broken_op_is_named_with_its_formula(method):
    name, formula = FORMULAS[method]
    feedback = check_value_class(broken(method))
    assert not feedback.ok
    lines = lines_of(feedback)
    assert lines[name].startswith(f"✗ {name}: your backward gives ∂/∂"), feedback.message
    assert "where autograd gives" in lines[name] and formula in lines[name]
    built_from_it = REFLECTED.get(name, ())  # the reference builds 2.5 + v as Value(2.5) + v
    assert all(lines[other].startswith("✓") for other in OPS if other not in (name, *built_from_it)), (
        feedback.message
    )
    assert all(lines[other].startswith("✗") for other in built_from_it)
    # a graph shape that uses the broken op blames it, not its own formula
    for shape, line in lines.items():
        if shape not in OPS and line.startswith("✗"):
            assert "wrong above" in line and name in line.split("it uses ")[1], line


def test_a_wrong_op_that_zeroes_the_chain_is_blamed():
    # a·b's local gradients swapped: on a * 0.999 * … the chain's gradient is 0.7 · 0.999^k · …, which
    # underflows to 0; the chain's line must blame * (wrong above), not say that nothing flows back
    class SwappedMul(Value):
        def __mul__(self, other):
            other = self._operand(other, "*")
            return self._result(self.data * other.data, (self, other), (self.data, other.data), "*")

    lines = lines_of(check_value_class(SwappedMul))
    chain = next(line for name, line in lines.items() if name.startswith("a chain"))
    assert "leaves every input's grad at 0 — it uses *, wrong above" in chain, chain


def test_tanh_hint_reads_as_the_notebook_says():
    line = lines_of(check_value_class(broken("tanh")))["tanh"]
    assert line.startswith("✗ tanh: your backward gives ∂/∂a = ")
    assert line.endswith("on a.tanh() at a = 0.7 — ∂tanh/∂a = 1 − tanh²a")


# -- the backward pass's own slips -----------------------------------------------------------------------------------


class AssigningValue(Value):
    """The reference ops with a backward that overwrites: operand.grad = local · node.grad."""

    def backward(self):
        order = topological_order(self)
        self.grad = 1.0
        for node in reversed(order):
            for operand, local in zip(node._prev, node._local_grads, strict=True):
                operand.grad = local * node.grad  # the slip: = where += belongs


@pytest.mark.parametrize(
    "cls", [AssigningValue, closure_value_class(assign=True)], ids=["reference", "closures"]
)
def test_equals_for_plus_equals_is_caught_as_such(cls):
    feedback = check_value_class(cls)
    assert not feedback.ok
    lines = lines_of(feedback)
    for shape in ("fork", "reuse"):
        assert "one path's contribution" in lines[shape], feedback.message
        assert "add them (+=), not overwrite (=)" in lines[shape]
    assert all(lines[op].startswith("✓") for op in OPS)  # each op alone has no fork: = and += agree there


def test_a_node_visited_twice_is_named():
    feedback = check_value_class(closure_value_class(visited=False))
    line = lines_of(feedback)["fork"]
    assert "is a node used twice visited twice" in line and "Keep a set of visited nodes" in line, line
    assert "v = 2u + u², u = x² at x = 2" in line  # u's step runs twice: once with its grad half-summed


def test_a_recursive_topological_sort_fails_on_the_long_chain_only():
    feedback = check_value_class(closure_value_class(recursive=True))
    assert not feedback.ok
    (chain,) = [line for name, line in lines_of(feedback).items() if name.startswith("a chain")]
    assert (
        "RecursionError" in chain and "calls itself once per node" in chain and "a loop and a stack" in chain
    )
    assert chain.startswith("✗ a chain 2,000 deep")
    assert sum(line.startswith("✗") for line in feedback.message.splitlines()) == 1


def test_the_chain_outgrows_a_raised_recursion_limit(monkeypatch):
    import sys

    monkeypatch.setattr(sys, "getrecursionlimit", lambda: 3000)  # IPython's limit, for instance
    feedback = check_value_class(closure_value_class())
    assert feedback.ok and "a chain 3,500 deep" in feedback.message


class NoSeed(Value):
    def backward(self):
        order = topological_order(self)
        for node in reversed(order):  # the seed ∂out/∂out = 1 is missing: every product is 0
            for operand, local in zip(node._prev, node._local_grads, strict=True):
                operand.grad += local * node.grad


class SeedOnly(Value):
    def backward(self):
        self.grad = 1.0


class NotWritten(Value):
    def backward(self): ...


@pytest.mark.parametrize(
    ("cls", "hint"),
    [(NoSeed, "the output's grad is never set to 1"), (NotWritten, "not written yet"),
     (SeedOnly, "the output's grad is 1, but nothing flows back")],
)  # fmt: skip
def test_a_backward_that_moves_no_gradient(cls, hint):
    feedback = check_value_class(cls)
    assert not feedback.ok
    assert (
        feedback.message.startswith("✗ after backward() every input's grad is still 0")
        and hint in feedback.message
    )


# -- stubs, missing methods, forwards, exceptions ------------------------------------------------------------------


class Stub:
    def __init__(self, data): ...
    def __add__(self, other): ...
    def __mul__(self, other): ...
    def tanh(self): ...
    def backward(self): ...


@pytest.mark.parametrize("answer", [None, ..., Stub])
def test_not_written_yet(answer):
    feedback = check_value_class(answer)
    assert not feedback.ok and "not written yet" in feedback.message


def test_an_instance_instead_of_the_class():
    assert "Pass the class itself" in check_value_class(Value(2.0)).message


def test_a_missing_method_is_named_with_what_needs_it():
    class NoRsub(Value):
        __rsub__ = None

    feedback = check_value_class(NoRsub)
    lines = lines_of(feedback)
    assert (
        lines["2.5 - v"] == "✗ 2.5 - v: your class has no __rsub__, which 2.5 - v needs: "
        "Python calls v.__rsub__(2.5) when float's - gives up"
    )
    assert all(lines[op].startswith("✓") for op in OPS if op != "2.5 - v")

    class NoBackward:
        def __init__(self, data):
            self.data, self.grad = data, 0.0

    assert "no backward()" in check_value_class(NoBackward).message


def test_a_half_written_class_gets_not_written_yet_per_op():
    class HalfWritten(Value):
        def sigmoid(self): ...

    line = lines_of(check_value_class(HalfWritten))["sigmoid"]
    assert line == "✗ sigmoid: not written yet: a.sigmoid() returns None"


def test_wrong_attributes():
    class NoData:
        def __init__(self, data):
            self.value, self.grad = data, 0.0

        def __add__(self, other):
            return self

        def backward(self):
            pass

    assert "has no attribute data" in check_value_class(NoData).message

    class GradNone(Value):
        def __init__(self, data, label=""):
            super().__init__(data, label)
            self.grad = None

    assert "GradNone(2.0).grad is None; it should be 0.0" in check_value_class(GradNone).message


def test_a_wrong_forward_is_named_with_its_op():
    class SwappedRsub(Value):
        def __rsub__(self, other):
            return self - other  # the slip: v − 2.5 for 2.5 − v

    line = lines_of(check_value_class(SwappedRsub))["2.5 - v"]
    assert line.startswith("✗ 2.5 - v: your forward gives -1.8")
    assert "where torch gives 1.8" in line and "other − self: the number first" in line

    class FloatAdd(Value):
        def __add__(self, other):
            return self.data + (other.data if isinstance(other, Value) else other)

    assert "the result is float, not a Value" in lines_of(check_value_class(FloatAdd))["+"]


def test_the_learners_exception_is_their_traceback():
    class TanhOfSelf(Value):
        def tanh(self):
            return Value(math.tanh(self))  # the slip: self, not self.data

    feedback = check_value_class(TanhOfSelf)
    line = feedback.message.split("✗ tanh: ")[1]
    assert line.startswith("raised an error on a.tanh() at a = 0.7:")
    assert "test_check_value_class.py" in line and "math.tanh(self)" in line and "TypeError" in line
    assert "inside_autograd.py" not in feedback.message  # the checker's own frames are left out

    class Unwrapped(Value):
        def __add__(self, other):
            other.data  # noqa: B018  the slip: other may be a plain number, which has no .data
            return Value.__add__(self, other)

    message = check_value_class(Unwrapped).message
    plus = message.split("✗ +: ")[1].split("\n✓")[0]
    assert plus.startswith("raised an error on a + 2.5 at a = 0.7:") and "AttributeError" in plus
    assert plus.endswith(
        "(a number operand must be wrapped first: other = other if isinstance(other, Value) else Value(other))"
    )

    class BrokenInit:
        def __init__(self, data):
            raise RuntimeError("not today")

    message = check_value_class(BrokenInit).message
    assert message.startswith("✗ BrokenInit(2.0) raised an error") and "RuntimeError: not today" in message
