"""AutogradExplorer, driven headless: x.grad accumulates under backward(), survives a move of x, zero_() resets it;
the fork c = a + a: one backward() hands a the sum of the paths once, a second call doubles a.grad."""

import math

import pytest
import torch

from backprop_helpers.checking import numerical_grad
from backprop_helpers.widgets import AutogradExplorer
from backprop_helpers.widgets.autograd_explorer import EXPRESSIONS, AutogradState, BackwardHistory


def autograd_derivative(key, x):
    """dv/dx by torch.autograd on a fresh float64 leaf: the reference for the explorer's numbers."""
    leaf = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(EXPRESSIONS[key].forward(leaf), leaf)
    return grad.item()


@pytest.fixture
def explorer():
    return AutogradExplorer()


def test_defaults_are_the_source_notebooks_chain(explorer):
    state = explorer.state
    assert isinstance(state, AutogradState)
    # v = 2u + u², u = x² at x = 2: u = 4, v = 8 + 16 = 24; dv/dx = (2 + 2·4)·(2·2) = 10·4 = 40
    assert (state.expression, state.x, state.value, state.derivative) == ("chain", 2.0, 24.0, 40.0)
    assert state.grad is None and state.n_backward == 0 and state.history == ()
    assert explorer.x.grad is None and explorer.x.is_leaf
    assert explorer.message == ""
    assert "None" in explorer.readout.value


@pytest.mark.parametrize("key", sorted(EXPRESSIONS))
@pytest.mark.parametrize("x", [-2.3, -0.7, 0.4, 1.9])
def test_hand_derivative_matches_autograd_and_finite_differences(key, x):
    expression = EXPRESSIONS[key]
    hand = expression.derivative(x)
    assert hand == pytest.approx(autograd_derivative(key, x), rel=1e-12, abs=1e-12)
    numerical = numerical_grad(expression.forward, torch.tensor(x, dtype=torch.float64)).item()
    assert hand == pytest.approx(numerical, rel=1e-7, abs=1e-7)


def test_backward_button_accumulates(explorer):
    explorer.controls["backward"].click()
    assert explorer.state.grad == pytest.approx(40.0) and explorer.state.n_backward == 1
    assert explorer.message == ""  # one call at this x: x.grad is dv/dx
    explorer.controls["backward"].click()
    explorer.controls["backward"].click()
    assert explorer.state.grad == pytest.approx(120.0)
    assert explorer.state.history == pytest.approx((40.0, 80.0, 120.0))
    assert explorer.x.grad.item() == pytest.approx(120.0)  # a real leaf, accumulated by torch
    assert "3 backward() calls" in explorer.message
    assert "3" in explorer.readout.value and "120.0000" in explorer.readout.value


def test_moving_x_does_not_reset_grad(explorer):
    explorer.backward()
    explorer.controls["x"].value = 1.0
    state = explorer.state
    # at x = 1: v = 2 + 1 = 3, dv/dx = (2 + 2)·2 = 8, but x.grad still holds the 40 from x = 2
    assert (state.value, state.derivative, state.grad, state.n_backward) == (3.0, 8.0, 40.0, 1)
    assert "moving x" in explorer.message
    explorer.backward()
    assert explorer.state.grad == pytest.approx(40.0 + 8.0)
    assert explorer.x.item() == 1.0


def test_zero_button_resets_to_zero_not_none(explorer):
    explorer.backward()
    explorer.backward()
    explorer.controls["zero"].click()
    state = explorer.state
    assert state.grad == 0.0 and state.n_backward == 0 and state.history == ()
    assert explorer.x.grad is not None  # zero_() keeps the tensor, as in the source notebook
    assert explorer.message == ""
    explorer.backward()
    assert explorer.state.grad == pytest.approx(40.0)


def test_reset_gives_a_fresh_leaf_and_default_controls(explorer):
    explorer.controls["expression"].value = "sin"
    explorer.controls["x"].value = -1.5
    explorer.backward()
    explorer.controls["reset"].click()
    state = explorer.state
    assert (state.expression, state.x, state.grad, state.n_backward) == ("chain", 2.0, None, 0)
    assert explorer.x.grad is None
    assert explorer.controls["expression"].value == "chain" and explorer.controls["x"].value == 2.0


@pytest.mark.parametrize("key", sorted(EXPRESSIONS))
def test_each_expression_one_backward_equals_autograd(explorer, key):
    explorer.controls["expression"].value = key
    explorer.controls["x"].value = 1.3
    explorer.zero_grad()
    explorer.backward()
    state = explorer.state
    assert state.expression == key
    assert state.grad == pytest.approx(autograd_derivative(key, 1.3), rel=1e-12)
    assert state.derivative == pytest.approx(state.grad, rel=1e-12)
    assert EXPRESSIONS[key].label in explorer.readout.value


def test_expression_change_keeps_grad(explorer):
    explorer.backward()  # 40 from the chain at x = 2
    explorer.controls["expression"].value = "square"
    assert explorer.state.grad == pytest.approx(40.0)
    explorer.backward()  # + du/dx = 2·2 = 4
    assert explorer.state.grad == pytest.approx(44.0)


def test_an_expression_switch_redraws_the_curve_and_a_switch_back_shows_the_same_picture(explorer):
    chain_curve, chain_png = explorer._curve.get_ydata().copy(), explorer.image.value
    explorer.controls["expression"].value = "sin"
    assert explorer.image.value != chain_png
    assert list(explorer._curve.get_ydata()) == pytest.approx(
        torch.sin(torch.tensor(explorer._grid) ** 2).tolist()
    )
    assert explorer._ax_f.get_title() == EXPRESSIONS["sin"].label
    explorer.controls["expression"].value = "chain"  # the cached background of "chain" comes back
    assert list(explorer._curve.get_ydata()) == pytest.approx(list(chain_curve))
    assert explorer.image.value == chain_png


def test_artists_follow_the_state(explorer):
    explorer.controls["x"].value = 1.0
    explorer.backward()
    explorer.backward()
    xs, ys = explorer._point.get_data()
    assert (list(xs), list(ys)) == ([1.0], [3.0])
    tx, ty = explorer._tangent.get_data()
    assert (ty[1] - ty[0]) / (tx[1] - tx[0]) == pytest.approx(8.0)  # the tangent's slope is dv/dx
    assert list(explorer._grad_line.get_ydata()) == pytest.approx([0.0, 8.0, 16.0])


def test_many_presses_widen_the_axes_and_zero_brings_them_back(explorer):
    explorer.controls["x"].value = explorer.specs["x"].high
    for _ in range(62):
        explorer.backward()
    state = explorer.state
    assert state.n_backward == 62 and math.isfinite(state.grad)
    low, high = explorer._ax_g.get_ylim()
    assert low == -high and abs(state.grad) <= high  # the axes grew with x.grad, symmetric about 0
    assert explorer._ax_g.get_xlim()[1] >= 62
    assert "62 backward() calls" in explorer.message
    explorer.zero_grad()
    assert explorer._ax_g.get_ylim()[1] < high and explorer._ax_g.get_xlim()[1] < 62


def test_non_finite_grad_is_a_message_not_a_traceback(explorer):
    explorer.backward()
    explorer.x.grad.fill_(float("inf"))
    explorer.update()
    assert explorer.message.startswith("⚠") and "zero_()" in explorer.message
    explorer.zero_grad()
    assert explorer.state.grad == 0.0 and explorer.message == ""


def test_the_constructor_arguments_are_the_controls_defaults():
    explorer = AutogradExplorer(x=-1.5, expression="sin")
    assert (explorer.state.x, explorer.state.expression) == (-1.5, "sin")
    assert "<td>−1.50</td>" in explorer.readout.value  # the read-out's true minus
    assert explorer.reset().x == -1.5  # Reset returns to them
    with pytest.raises(ValueError, match=r"^expression must be one of"):
        AutogradExplorer(expression="cube")
    with pytest.raises(ValueError, match=r"^x must be a number in \[-2.5, 2.5\]"):
        AutogradExplorer(x=10.0)


# -- the fork c = a + a: the sum inside one backward() beside the sum across calls ---------------------------------


def handed_by_torch(x, calls):
    """What a hook on a fresh leaf a sees over ``calls`` calls of (a + a).backward(), and a.grad after: the
    reference for the explorer's record, the explorer's code not involved."""
    a = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    handed = []
    a.register_hook(lambda grad: handed.append(grad.item()))
    for _ in range(calls):
        (a + a).backward()
    return handed, a.grad.item()


@pytest.fixture
def fork():
    return AutogradExplorer(expression="fork", x=1.5)


def test_the_fork_is_named_as_in_notebook_02(fork):
    state = fork.state
    # c = a + a at a = 1.5: c = 3; dc/da = 1 + 1 = 2, one local gradient per path
    assert (state.value, state.derivative, state.paths) == (3.0, 2.0, (1.0, 1.0))
    assert state.handed == () and state.grad is None
    assert fork.controls["x"].description == "a" and fork._ax_f.get_xlabel() == "a"
    assert fork._ax_g.get_title() == "a.grad after each call"
    html = fork.readout.value
    assert "c = a + a" in html and "dc/da" in html and "1 + 1 = 2.0000" in html and "x.grad" not in html
    fork.controls["expression"].value = "chain"  # back to the chain: the leaf is x again
    assert fork.controls["x"].description == "x" and fork._ax_g.get_title() == "x.grad after each call"


def test_one_backward_hands_the_leaf_the_sum_of_the_paths_once(fork):
    fork.controls["backward"].click()
    state = fork.state
    handed, grad = handed_by_torch(1.5, 1)
    assert handed == [2.0]  # torch: the hook fires once, with 1 + 1
    assert state.handed == tuple(handed) and state.grad == grad == 2.0 and state.n_backward == 1
    assert sum(state.paths) == state.handed[0]  # the paths' sum is what one call hands over
    html = fork.readout.value
    assert "handed to a once" in html and "press again and a.grad doubles" in html
    assert fork.message == ""  # one call: a.grad is dc/da


def test_a_second_backward_doubles_grad_while_each_call_still_hands_over_one_sum(fork):
    fork.backward()
    fork.backward()
    state = fork.state
    handed, grad = handed_by_torch(1.5, 2)
    assert handed == [2.0, 2.0]  # torch: once per call, each time the summed paths
    assert state.handed == (2.0,) and fork.history.handed == (("fork", (2.0,)), ("fork", (2.0,)))
    assert state.grad == grad == 4.0 and state.history == (2.0, 4.0)  # across calls: 2 + 2
    html = fork.readout.value
    # both numbers in the read-out: the sum inside one call and the accumulated .grad
    assert "<td>handed to a in the last call</td><td>2.0000</td>" in html
    assert "<td>a.grad</td><td>4.0000</td>" in html
    assert "a.grad = 2.0000 + 2.0000 = 4.0000 after 2 calls" in html
    assert "a.grad ≠ dc/da: it holds the sum of 2 backward() calls" in fork.message
    fork.zero_grad()
    assert fork.state.handed == () and fork.state.grad == 0.0


def test_the_record_is_a_function_of_the_run_and_belongs_to_its_expression(fork):
    leaf = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    values = {"expression": "fork", "x": 1.5}
    run = BackwardHistory(leaf, grads=(40.0, 42.0), handed=(("chain", (40.0,)), ("fork", (2.0,))))
    assert AutogradExplorer.model(fork, values, run).handed == (2.0,)
    assert AutogradExplorer.model(fork, {**values, "expression": "chain"}, run).handed == ()
    assert fork.state.handed == ()  # nothing shown moved
    # a chain's call hands over dv/dx itself (one path): at x = 2, 40
    explorer = AutogradExplorer()
    explorer.backward()
    assert explorer.state.handed == (40.0,)
    explorer.controls["expression"].value = "fork"  # the record was the chain's: not the fork's sum
    assert explorer.state.handed == () and "Press <code>backward()</code> twice" in explorer.readout.value
