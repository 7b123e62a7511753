"""Bad inputs to every public function of the math core raise ValueError/TypeError/KeyError whose message names
the argument — raised by the package itself, never a deep torch or numpy traceback. Also the helpers of
``_inputs.py`` directly.
"""

from pathlib import Path

import numpy as np
import pytest
import torch

import backprop_helpers
from backprop_helpers import (
    autograd_grads,
    bce,
    bce_eps,
    bce_grad,
    compare_grads,
    critical_learning_rates,
    gradient_descent_path,
    init_mlp,
    mlp_backward,
    mlp_forward,
    mse,
    mse_grad,
    neuron_backward,
    numerical_grad,
    relu_grad,
    sgd_step,
    sigmoid,
    sigmoid_circuit,
    sigmoid_grad,
    sigmoid_grad_from_output,
    tanh_grad,
    train_mlp,
)
from backprop_helpers._inputs import (
    as_float_tensor,
    check_choice,
    check_in_range,
    check_int,
    check_positive_number,
    check_probabilities,
    check_same_shape,
)

PACKAGE_DIR = Path(backprop_helpers.__file__).parent
NAN, INF = float("nan"), float("inf")
X2, W2 = [0.5, 3.0], [0.5, -1.2]  # a valid neuron, to spoil one argument at a time


def mlp_problem():
    params = init_mlp(2, 3, 1, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    X = torch.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=torch.float64)
    y = torch.tensor([[1.0], [0.0]], dtype=torch.float64)
    return X, params, y


def mlp_cache():
    X, params, _ = mlp_problem()
    return mlp_forward(X, params)[1]


def train(y=None, params=None, **settings):
    """train_mlp on mlp_problem, with y or params replaced when given."""
    X, good_params, good_y = mlp_problem()
    return train_mlp(X, good_y if y is None else y, good_params if params is None else params, **settings)


def without(mapping, key):
    return {k: v for k, v in mapping.items() if k != key}


def requires_grad_scalar():
    return torch.tensor(1.0, requires_grad=True)


# (id, call, exception type, regex the message must contain: the argument's name and what is wrong)
CASES = [
    # --- strings, non-numeric values, ragged lists, complex numbers (activations)
    ("sigmoid-string", lambda: sigmoid("0.5"), TypeError, r"^z must be a tensor, a number or a list"),
    ("sigmoid-none", lambda: sigmoid(None), TypeError, r"^z must be a tensor.*NoneType"),
    ("sigmoid-dict", lambda: sigmoid({"z": 1.0}), TypeError, r"^z must be a tensor"),
    ("sigmoid-list-of-strings", lambda: sigmoid(["a", "b"]), TypeError, r"^z must contain only real numbers"),
    ("sigmoid-list-with-none", lambda: sigmoid([1.0, None]), TypeError, r"^z must contain only real numbers"),
    ("sigmoid-ragged", lambda: sigmoid([[1.0, 2.0], [3.0]]), ValueError, r"^z must be a rectangular list"),
    (
        "sigmoid-ragged-nesting",
        lambda: sigmoid([1.0, [2.0, 3.0]]),
        ValueError,
        r"^z must be a rectangular list",
    ),
    ("sigmoid-complex", lambda: sigmoid(1 + 2j), TypeError, r"^z must be a real number"),
    ("sigmoid-complex-tensor", lambda: sigmoid(torch.tensor([1 + 2j])), TypeError, r"^z must be real"),
    (
        "sigmoid-numpy-strings",
        lambda: sigmoid(np.array(["x"])),
        TypeError,
        r"^z must contain only real numbers",
    ),
    (
        "sigmoid-list-of-grad-tensors",
        lambda: sigmoid([requires_grad_scalar(), requires_grad_scalar()]),
        TypeError,
        r"^z .*require grad.*torch\.stack",
    ),
    # --- NaN / inf
    ("sigmoid-nan", lambda: sigmoid([NAN]), ValueError, r"^z must be finite"),
    ("sigmoid-inf-tensor", lambda: sigmoid(torch.tensor([0.0, INF])), ValueError, r"^z must be finite"),
    ("sigmoid_grad-nan", lambda: sigmoid_grad(NAN), ValueError, r"^z must be finite"),
    ("tanh_grad-inf-numpy", lambda: tanh_grad(np.array([-INF])), ValueError, r"^z must be finite"),
    ("relu_grad-string", lambda: relu_grad("1"), TypeError, r"^z must be a tensor"),
    (
        "sigmoid_grad_from_output-given-z",
        lambda: sigmoid_grad_from_output([0.3, -2.0]),
        ValueError,
        r"^y_hat must lie in \[0, 1\] \(a sigmoid output σ\(z\), not z\); got -2\.0 \(its first value outside\)$",
    ),
    (
        "sigmoid_grad_from_output-nan",
        lambda: sigmoid_grad_from_output(NAN),
        ValueError,
        r"^y_hat must be finite",
    ),
    # --- losses: shape mismatches, empty, bce ranges, eps, dtype
    (
        "mse-shape",
        lambda: mse([1.0, 2.0], [1.0, 2.0, 3.0]),
        ValueError,
        r"y_hat and y must have the same shape",
    ),
    (
        "mse_grad-would-broadcast",
        lambda: mse_grad(torch.ones(2, 1), torch.ones(2)),
        ValueError,
        r"y_hat and y must have the same shape; got \(2, 1\) and \(2,\)",
    ),
    ("mse-empty", lambda: mse([], []), ValueError, r"^y_hat must have at least one element"),
    ("mse-nan-target", lambda: mse([0.5], [NAN]), ValueError, r"^y must be finite"),
    ("mse-string-target", lambda: mse([0.5], "1"), TypeError, r"^y must be a tensor"),
    ("bce-target-above-1", lambda: bce([0.5], [1.5]), ValueError, r"^y must lie in \[0, 1\]"),
    ("bce-target-below-0", lambda: bce_grad([0.5], [-0.1]), ValueError, r"^y must lie in \[0, 1\]"),
    ("bce-prediction-above-1", lambda: bce([1.2], [1.0]), ValueError, r"^y_hat must lie in \[0, 1\]"),
    ("bce-eps-too-large", lambda: bce([0.5], [0.5], eps=0.7), ValueError, r"^eps must be"),
    ("bce-eps-zero", lambda: bce_grad([0.5], [0.5], eps=0.0), ValueError, r"^eps must be"),
    ("bce-eps-nan", lambda: bce([0.5], [0.5], eps=NAN), ValueError, r"^eps must be"),
    ("bce-eps-string", lambda: bce([0.5], [0.5], eps="1e-7"), TypeError, r"^eps must be"),
    (
        "bce-eps-at-the-open-end",
        lambda: bce([0.5], [0.5], eps=0.5),
        ValueError,
        r"^eps must be a number in \(0, 0\.5\); got 0\.5$",
    ),
    ("bce-target-value-named", lambda: bce([0.5, 0.5], [1.0, 1.5]), ValueError, r"; got 1\.5 \(its first"),
    (
        "bce_eps-integer-dtype",
        lambda: bce_eps(torch.int64),
        TypeError,
        r"^dtype must be a floating torch\.dtype",
    ),
    ("bce_eps-string", lambda: bce_eps("float32"), TypeError, r"^dtype must be a floating torch\.dtype"),
    # --- neuron_backward: names, shapes, targets
    (
        "neuron-unknown-activation",
        lambda: neuron_backward(X2, W2, 0.7, 1.0, activation="tanh"),
        ValueError,
        r"^activation must be one of 'sigmoid', 'identity'; got 'tanh'",
    ),
    (
        "neuron-activation-not-a-string",
        lambda: neuron_backward(X2, W2, 0.7, 1.0, activation=None),
        ValueError,
        r"^activation must be one of",
    ),
    (
        "neuron-unknown-loss",
        lambda: neuron_backward(X2, W2, 0.7, 1.0, loss="hinge"),
        ValueError,
        r"^loss must be one of 'mse', 'bce'; got 'hinge'",
    ),
    (
        "neuron-x-w-shapes",
        lambda: neuron_backward([1.0, 2.0, 3.0], W2, 0.7, 1.0),
        ValueError,
        r"^x and w must have the same shape; got \(3,\) and \(2,\)",
    ),
    (
        "neuron-w-2d",
        lambda: neuron_backward([[1.0, 2.0]], [[1.0, 2.0]], 0.7, 1.0),
        ValueError,
        r"^w must be a scalar or a 1-D",
    ),
    ("neuron-b-vector", lambda: neuron_backward(X2, W2, [0.7, 0.1], 1.0), ValueError, r"^b must be a scalar"),
    (
        "neuron-y-vector",
        lambda: neuron_backward(X2, W2, 0.7, [1.0, 0.0]),
        ValueError,
        r"^y must be a single target",
    ),
    (
        "neuron-bce-target",
        lambda: neuron_backward(X2, W2, 0.7, 2.0, loss="bce"),
        ValueError,
        r"^y must lie in \[0, 1\] for loss='bce'",
    ),
    (
        "neuron-bce-identity",
        lambda: neuron_backward(X2, W2, 0.7, 1.0, activation="identity", loss="bce"),
        ValueError,
        r"^loss='bce' needs activation='sigmoid'",
    ),
    ("neuron-x-string", lambda: neuron_backward("0.5", W2, 0.7, 1.0), TypeError, r"^x must be a tensor"),
    ("neuron-w-nan", lambda: neuron_backward(X2, [0.5, NAN], 0.7, 1.0), ValueError, r"^w must be finite"),
    ("circuit-b-inf", lambda: sigmoid_circuit(X2, W2, INF), ValueError, r"^b must be finite"),
    (
        "circuit-shapes",
        lambda: sigmoid_circuit([1.0], W2, 0.1),
        ValueError,
        r"^x and w must have the same shape",
    ),
    (
        "circuit-overflow",
        lambda: sigmoid_circuit([100.0], [-1.0], 0.0),
        ValueError,
        r"k = e\^\(-z\) overflows at z = -100",
    ),
    # --- sgd_step: learning rate, missing keys, shapes
    (
        "sgd-negative-lr",
        lambda: sgd_step({"w": 1.0}, {"w": 1.0}, -0.1),
        ValueError,
        r"^lr must be a finite number > 0",
    ),
    (
        "sgd-zero-lr",
        lambda: sgd_step({"w": 1.0}, {"w": 1.0}, 0),
        ValueError,
        r"^lr must be a finite number > 0",
    ),
    (
        "sgd-nan-lr",
        lambda: sgd_step({"w": 1.0}, {"w": 1.0}, NAN),
        ValueError,
        r"^lr must be a finite number > 0",
    ),
    (
        "sgd-string-lr",
        lambda: sgd_step({"w": 1.0}, {"w": 1.0}, "0.1"),
        TypeError,
        r"^lr must be a positive number",
    ),
    (
        "sgd-bool-lr",
        lambda: sgd_step({"w": 1.0}, {"w": 1.0}, True),
        TypeError,
        r"^lr must be a positive number",
    ),
    (
        "sgd-vector-lr",
        lambda: sgd_step({"w": 1.0}, {"w": 1.0}, torch.tensor([0.1, 0.2])),
        TypeError,
        r"^lr must be a positive number",
    ),
    (
        "sgd-missing-grad",
        lambda: sgd_step({"w": 1.0, "b": 2.0}, {"w": 1.0}, 0.1),
        KeyError,
        r"grads has no entry for parameter 'b'",
    ),
    (
        "sgd-shapes",
        lambda: sgd_step({"w": [1.0, 2.0]}, {"w": [1.0]}, 0.1),
        ValueError,
        r"params\['w'\] and grads\['w'\] must have the same shape",
    ),
    ("sgd-params-not-dict", lambda: sgd_step([1.0], {"w": 1.0}, 0.1), TypeError, r"^params must be a dict"),
    ("sgd-grads-not-dict", lambda: sgd_step({"w": 1.0}, [1.0], 0.1), TypeError, r"^grads must be a dict"),
    (
        "sgd-nan-grad",
        lambda: sgd_step({"w": 1.0}, {"w": NAN}, 0.1),
        ValueError,
        r"^grads\['w'\] must be finite",
    ),
    ("sgd-string-param", lambda: sgd_step({"w": "1"}, {"w": 1.0}, 0.1), TypeError, r"^params\['w'\] must be"),
    # --- init_mlp
    (
        "init-generator-int",
        lambda: init_mlp(2, 3, 1, generator=42),
        TypeError,
        r"^generator must be a torch\.Generator; got int",
    ),
    (
        "init-generator-none",
        lambda: init_mlp(2, 3, 1, generator=None),
        TypeError,
        r"^generator must be a torch\.Generator",
    ),
    (
        "init-zero-hidden",
        lambda: init_mlp(2, 0, 1, generator=torch.Generator()),
        ValueError,
        r"^n_hidden must be an int >= 1; got 0$",
    ),
    (
        "init-float-size",
        lambda: init_mlp(2.5, 3, 1, generator=torch.Generator()),
        ValueError,
        r"^n_in must be an int >= 1; got 2\.5$",
    ),
    (
        "init-bool-size",
        lambda: init_mlp(2, 3, True, generator=torch.Generator()),
        ValueError,
        r"^n_out must be an int >= 1; got True$",
    ),
    (
        "init-integer-dtype",
        lambda: init_mlp(2, 3, 1, generator=torch.Generator(), dtype=torch.int64),
        TypeError,
        r"^dtype must be a floating torch\.dtype",
    ),
    (
        "init-string-dtype",
        lambda: init_mlp(2, 3, 1, generator=torch.Generator(), dtype="float64"),
        TypeError,
        r"^dtype must be a floating torch\.dtype",
    ),
    # --- mlp_forward / mlp_backward
    (
        "mlp-unknown-hidden",
        lambda: mlp_forward(mlp_problem()[0], mlp_problem()[1], hidden="softmax"),
        ValueError,
        r"^hidden must be one of 'sigmoid', 'tanh', 'relu'; got 'softmax'",
    ),
    (
        "mlp-missing-key",
        lambda: mlp_forward(mlp_problem()[0], without(mlp_problem()[1], "b2")),
        KeyError,
        r"params is missing \['b2'\]",
    ),
    (
        "mlp-params-list",
        lambda: mlp_forward(mlp_problem()[0], list(mlp_problem()[1].values())),
        TypeError,
        r"^params must be a dict",
    ),
    (
        "mlp-X-width",
        lambda: mlp_forward(torch.ones(2, 3), mlp_problem()[1]),
        ValueError,
        r"^X must have shape \(N, 2\) to match W1; got \(2, 3\)",
    ),
    (
        "mlp-X-1d",
        lambda: mlp_forward([0.5, -1.0], mlp_problem()[1]),
        ValueError,
        r"^X must have shape \(N, 2\)",
    ),
    (
        "mlp-W2-shape",
        lambda: mlp_forward(mlp_problem()[0], {**mlp_problem()[1], "W2": torch.zeros(1, 4)}),
        ValueError,
        r"^params\['W2'\] must have shape \(1, 3\)",
    ),
    (
        "mlp-b1-rank",
        lambda: mlp_forward(mlp_problem()[0], {**mlp_problem()[1], "b1": torch.zeros(3, 1)}),
        ValueError,
        r"^params\['b1'\] must have shape",
    ),
    (
        "mlp-nan-weight",
        lambda: mlp_forward(mlp_problem()[0], {**mlp_problem()[1], "W1": torch.full((3, 2), NAN)}),
        ValueError,
        r"^params\['W1'\] must be finite",
    ),
    (
        "mlp-X-ragged",
        lambda: mlp_forward([[0.5, -1.0], [2.0]], mlp_problem()[1]),
        ValueError,
        r"^X must be a rectangular list",
    ),
    (
        "mlp-unknown-loss",
        lambda: mlp_backward(mlp_cache(), mlp_problem()[2], loss="hinge"),
        ValueError,
        r"^loss must be one of 'mse', 'bce'",
    ),
    (
        "mlp-y-shape",
        lambda: mlp_backward(mlp_cache(), [1.0, 0.0]),
        ValueError,
        r"y_hat \(from cache\) and y must have the same shape",
    ),
    (
        "mlp-bce-target",
        lambda: mlp_backward(mlp_cache(), [[2.0], [0.0]], loss="bce"),
        ValueError,
        r"^y must lie in \[0, 1\] for loss='bce'",
    ),
    ("mlp-y-nan", lambda: mlp_backward(mlp_cache(), [[NAN], [0.0]]), ValueError, r"^y must be finite"),
    (
        "mlp-cache-not-dict",
        lambda: mlp_backward([1.0], [[1.0], [0.0]]),
        TypeError,
        r"^cache must be the dict",
    ),
    (
        "mlp-cache-incomplete",
        lambda: mlp_backward(without(mlp_cache(), "hidden"), [[1.0], [0.0]]),
        TypeError,
        r"^cache must be the dict",
    ),
    # --- checking
    ("numerical-f-not-callable", lambda: numerical_grad(3, [1.0]), TypeError, r"^f must be a callable"),
    (
        "numerical-h-zero",
        lambda: numerical_grad(lambda x: x.sum(), [1.0], h=0),
        ValueError,
        r"^h must be a finite number > 0",
    ),
    (
        "numerical-h-string",
        lambda: numerical_grad(lambda x: x.sum(), [1.0], h="1e-6"),
        TypeError,
        r"^h must be",
    ),
    (
        "numerical-f-vector",
        lambda: numerical_grad(lambda x: x * 2, [1.0, 2.0]),
        ValueError,
        r"^f must return a scalar tensor \(one element\); got shape \(2,\)",
    ),
    (
        "numerical-f-float",
        lambda: numerical_grad(lambda x: float(x.sum()), [1.0]),
        ValueError,
        r"^f must return a scalar tensor.*got float",
    ),
    (
        "numerical-x-string",
        lambda: numerical_grad(lambda x: x.sum(), "abc"),
        TypeError,
        r"^x must be a tensor",
    ),
    ("numerical-x-nan", lambda: numerical_grad(lambda x: x.sum(), [NAN]), ValueError, r"^x must be finite"),
    (
        "numerical-dict-value",
        lambda: numerical_grad(lambda p: p["w"].sum(), {"w": "1"}),
        TypeError,
        r"^x\['w'\] must be",
    ),
    (
        "autograd-f-not-callable",
        lambda: autograd_grads(None, {"w": [1.0]}),
        TypeError,
        r"^f must be a callable",
    ),
    (
        "autograd-f-constant",
        lambda: autograd_grads(lambda p: torch.tensor(1.0), {"w": [1.0]}),
        ValueError,
        r"^f's result does not depend on params",
    ),
    (
        "autograd-f-vector",
        lambda: autograd_grads(lambda p: p["w"] * 2, {"w": [1.0, 2.0]}),
        ValueError,
        r"^f must return a scalar tensor",
    ),
    (
        "autograd-params-value",
        lambda: autograd_grads(lambda p: p["w"].sum(), {"w": [1.0, None]}),
        TypeError,
        r"^params\['w'\] must contain only real numbers",
    ),
    # --- train_mlp: the run's settings, checked once at the edge
    (
        "train-negative-epochs",
        lambda: train(lr=0.1, epochs=-1),
        ValueError,
        r"^epochs must be an int >= 0; got -1$",
    ),
    (
        "train-string-epochs",
        lambda: train(lr=0.1, epochs="10"),
        TypeError,
        r"^epochs must be an int >= 0; got str '10'$",
    ),
    (
        "train-zero-every",
        lambda: train(lr=0.1, epochs=3, every=0),
        ValueError,
        r"^every must be an int >= 1; got 0$",
    ),
    (
        "train-zero-lr",
        lambda: train(lr=0, epochs=3),
        ValueError,
        r"^lr must be a finite number > 0",
    ),
    (
        "train-callback-not-callable",
        lambda: train(lr=0.1, epochs=3, callback=1),
        TypeError,
        r"^callback must be callable or None; got int",
    ),
    (
        "train-bce-target",
        lambda: train([[2.0], [0.0]], lr=0.1, epochs=1, loss="bce"),
        ValueError,
        r"^y must lie in \[0, 1\] for loss='bce'; got 2\.0 \(its first value outside\)$",
    ),
    (
        "train-y-shape",
        lambda: train([1.0, 0.0], lr=0.1, epochs=1),
        ValueError,
        r"^y_hat and y must have the same shape; got \(2, 1\) and \(2,\)",
    ),
    (
        "train-params-nan",
        lambda: train(params={**mlp_problem()[1], "b2": [NAN]}, lr=0.1, epochs=1),
        ValueError,
        r"^params\['b2'\] must be finite",
    ),
    # --- gradient descent on the perceptron
    (
        "descent-float-steps",
        lambda: gradient_descent_path(X2, W2, 0.0, 1.0, lr=0.01, steps=1.5),
        ValueError,
        r"^steps must be an int >= 0; got 1\.5$",
    ),
    (
        "descent-x-nan",
        lambda: gradient_descent_path([NAN, 1.0], W2, 0.0, 1.0, lr=0.01, steps=3),
        ValueError,
        r"^x must be finite",
    ),
    (
        "descent-y-vector",
        lambda: gradient_descent_path(X2, W2, 0.0, [1.0, 0.0], lr=0.01, steps=3),
        ValueError,
        r"^y must be a single target",
    ),
    (
        "descent-x-w-shapes",
        lambda: gradient_descent_path([1.0], W2, 0.0, 1.0, lr=0.01, steps=3),
        ValueError,
        r"^x and w must have the same shape",
    ),
    ("descent-zero-x", lambda: critical_learning_rates([0.0, 0.0]), ValueError, r"^x must not be all zeros"),
    (
        "compare-keys",
        lambda: compare_grads({"W1": [1.0]}, {"W2": [1.0]}),
        KeyError,
        r"manual has \['W1'\], reference has \['W2'\]",
    ),
    (
        "compare-shapes",
        lambda: compare_grads({"W": torch.ones(2, 3)}, {"W": torch.ones(3, 2)}),
        ValueError,
        r"^manual\['W'\] and reference\['W'\] must have the same shape",
    ),
    (
        "compare-negative-rtol",
        lambda: compare_grads({"w": [1.0]}, {"w": [1.0]}, rtol=-1),
        ValueError,
        r"^rtol must be a finite number >= 0",
    ),
    (
        "compare-string-atol",
        lambda: compare_grads({"w": [1.0]}, {"w": [1.0]}, atol="0"),
        ValueError,
        r"^atol must be a finite number >= 0",
    ),
    ("compare-manual-list", lambda: compare_grads([1.0], {"w": [1.0]}), TypeError, r"^manual must be a dict"),
    (
        "compare-reference-tensor",
        lambda: compare_grads({"w": [1.0]}, torch.ones(1)),
        TypeError,
        r"^reference must be a dict",
    ),
    (
        "compare-string-value",
        lambda: compare_grads({"w": "1"}, {"w": [1.0]}),
        TypeError,
        r"^manual\['w'\] must be",
    ),
]


@pytest.mark.parametrize(("call", "error", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message) as excinfo:
        call()
    # raised by the package's own checks, not deep inside torch or numpy
    raised_in = Path(str(excinfo.traceback[-1].path)).resolve()
    assert PACKAGE_DIR in raised_in.parents, f"raised in {raised_in}"
    assert type(excinfo.value) is error  # exactly this type (not, e.g., a torch subclass of it)


def test_there_are_at_least_twenty_cases_with_unique_ids():
    ids = [c[0] for c in CASES]
    assert len(ids) >= 20 and len(set(ids)) == len(ids)


# ---------------------------------------------------------------------------------------------------------------
# _inputs helpers, directly


@pytest.mark.parametrize(
    ("value", "dtype"),
    [
        (0.5, torch.float32),
        (3, torch.float32),
        (True, torch.float32),
        ([1, 2], torch.float32),
        ((0.5, -1.0), torch.float32),
        (np.array([1.0]), torch.float64),
        (np.float64(1.0), torch.float64),
        (np.array([1.0], dtype=np.float32), torch.float32),
        (np.array([1, 2]), torch.float32),
        (torch.tensor([1, 2]), torch.float32),
        (torch.tensor([1.0], dtype=torch.float64), torch.float64),
    ],
    ids=repr,
)
def test_as_float_tensor_dtypes(value, dtype):
    tensor = as_float_tensor(value, "v")
    assert tensor.dtype == dtype and tensor.is_floating_point()


def test_as_float_tensor_keeps_tensors_and_their_graph():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    assert as_float_tensor(x, "x") is x  # no copy, so autograd can differentiate through a formula
    y = x * 2
    assert as_float_tensor(y, "y").grad_fn is y.grad_fn
    assert as_float_tensor([NAN, INF], "v", allow_nonfinite=True).isnan()[0]


def test_as_float_tensor_does_not_change_the_default_dtype_rule():
    previous = torch.get_default_dtype()
    try:
        torch.set_default_dtype(torch.float64)
        assert as_float_tensor([0.5], "v").dtype == torch.float64  # "the default dtype", as torch.tensor
    finally:
        torch.set_default_dtype(previous)


def test_check_helpers():
    check_same_shape(torch.ones(2), torch.zeros(2), "a", "b")
    with pytest.raises(ValueError, match=r"^a and b must have the same shape; got \(2,\) and \(1, 2\)"):
        check_same_shape(torch.ones(2), torch.ones(1, 2), "a", "b")
    assert check_positive_number(torch.tensor(0.5), "lr") == 0.5
    assert check_positive_number(np.float32(2.0), "lr") == 2.0
    for bad in (-1, 0, INF, NAN):
        with pytest.raises(ValueError, match=r"^lr must be a finite number > 0"):
            check_positive_number(bad, "lr")
    assert check_choice("mse", "loss", ("mse", "bce")) == "mse"
    with pytest.raises(ValueError, match=r"^loss must be one of 'mse', 'bce'; got \['mse'\]"):
        check_choice(["mse"], "loss", ("mse", "bce"))


def test_int_range_and_probability_checks():
    assert check_int(3, "steps", low=0) == 3 and check_int(np.int64(8), "n", low=1, high=8) == 8
    for bad, error, message in (
        (-1, ValueError, r"^steps must be an int in \[0, 40\]; got -1$"),
        (41, ValueError, r"^steps must be an int in \[0, 40\]; got 41$"),
        (2.0, ValueError, r"^steps must be an int in \[0, 40\]; got 2\.0$"),
        (True, ValueError, r"^steps must be an int in \[0, 40\]; got True$"),
        (None, TypeError, r"^steps must be an int in \[0, 40\]; got NoneType None$"),
    ):
        with pytest.raises(error, match=message):
            check_int(bad, "steps", low=0, high=40)
    with pytest.raises(ValueError, match=r"^n must be an int <= 8; got 9$"):
        check_int(9, "n", high=8)
    assert (
        check_in_range(0.5, "lr", 1e-3, 1.0) == 0.5
        and check_in_range(torch.tensor(1.0), "lr", 1e-3, 1.0) == 1.0
    )
    for bad, error, message in (
        (2.0, ValueError, r"^lr must be a number in \[0\.001, 1\]; got 2\.0$"),
        (NAN, ValueError, r"^lr must be a number in \[0\.001, 1\]; got nan$"),
        ("0.5", TypeError, r"^lr must be a number in \[0\.001, 1\]; got str '0\.5'$"),
        (False, TypeError, r"^lr must be a number in \[0\.001, 1\]; got False$"),
    ):
        with pytest.raises(error, match=message):
            check_in_range(bad, "lr", 1e-3, 1.0)
    with pytest.raises(ValueError, match=r"^eps must be a number in \(0, 0\.5\); got 0$"):
        check_in_range(0, "eps", 0, 0.5, inclusive=False)
    check_probabilities(torch.tensor([0.0, 0.5, 1.0]), "y", "for loss='bce'")
    with pytest.raises(ValueError, match=r"^y must lie in \[0, 1\] for loss='bce'; got -0\.5$"):
        check_probabilities(torch.tensor(-0.5), "y", "for loss='bce'")


def test_error_messages_describe_long_values_briefly():
    with pytest.raises(TypeError) as excinfo:
        sigmoid("x" * 200)
    assert len(str(excinfo.value)) < 120 and "..." in str(excinfo.value)


# ---------------------------------------------------------------------------------------------------------------
# notebook 07: softmax cross-entropy, the network of any depth, the digits, the checker's labels

from backprop_helpers import (  # noqa: E402  (grouped with the cases that use them)
    accuracy,
    cross_entropy,
    cross_entropy_grad,
    digits_data,
    gradient_norms_at_init,
    init_network,
    layer_grad_norms,
    network_autograd,
    network_backward,
    network_forward,
    softmax,
    train_network,
)
from backprop_helpers._inputs import check_labels  # noqa: E402

LOGITS = torch.tensor([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]], dtype=torch.float64)  # N = 2, C = 3
LABELS = torch.tensor([2, 0])


def net():
    return init_network((3, 4, 2), generator=torch.Generator().manual_seed(0), dtype=torch.float64)


NET_X = torch.tensor([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]], dtype=torch.float64)
NET_Y = torch.tensor([1, 0])


def net_cache():
    return network_forward(NET_X, net())[1]


def train_net(**changes):
    settings = {"lr": 0.1, "epochs": 1, "batch_size": 2, "generator": torch.Generator(), **changes}
    X, y = settings.pop("X", NET_X), settings.pop("y", NET_Y)
    return train_network(X, y, settings.pop("params", net()), **settings)


NETWORK_CASES = [
    # --- labels: dtype, shape, range
    ("ce-float-labels", lambda: cross_entropy(LOGITS, LABELS.double()), TypeError, r"^labels must have an integer dtype \(torch\.long\).*torch\.float64"),
    ("ce-bool-labels", lambda: cross_entropy(LOGITS, torch.tensor([True, False])), TypeError, r"^labels must have an integer dtype"),
    ("ce-float-list-labels", lambda: cross_entropy_grad(LOGITS, [2.0, 0.0]), TypeError, r"^labels must have an integer dtype"),
    ("ce-string-labels", lambda: cross_entropy(LOGITS, "20"), TypeError, r"^labels must be a tensor of integer class labels"),
    ("ce-label-too-large", lambda: cross_entropy(LOGITS, torch.tensor([3, 0])), ValueError, r"^labels must lie in \[0, 3\) .*; got 3$"),
    ("ce-label-negative", lambda: cross_entropy_grad(LOGITS, torch.tensor([0, -1])), ValueError, r"^labels must lie in \[0, 3\).*got -1$"),
    ("ce-labels-too-few", lambda: cross_entropy(LOGITS, torch.tensor([1])), ValueError, r"^labels must have shape \(2,\), one label per row; got shape \(1,\)"),
    ("ce-labels-2d", lambda: cross_entropy(LOGITS, LABELS[:, None]), ValueError, r"^labels must have shape \(2,\)"),
    # --- logits: shape, finiteness
    ("ce-logits-1d", lambda: cross_entropy(LOGITS[0], LABELS[:1]), ValueError, r"^logits must have shape \(N, C\).*got shape \(3,\)"),
    ("ce-logits-empty", lambda: cross_entropy_grad(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long)), ValueError, r"^logits must have shape \(N, C\)"),
    ("ce-logits-nan", lambda: cross_entropy(torch.tensor([[0.0, NAN]]), [0]), ValueError, r"^logits must be finite"),
    ("ce-grad-logits-inf", lambda: cross_entropy_grad(torch.tensor([[INF, 0.0]]), [0]), ValueError, r"^logits must be finite"),
    ("softmax-3d", lambda: softmax(torch.zeros(2, 2, 2)), ValueError, r"^z must have shape \(C,\) or \(N, C\)"),
    ("softmax-inf", lambda: softmax([0.0, -INF]), ValueError, r"^z must be finite"),
    ("accuracy-labels-range", lambda: accuracy(LOGITS, [0, 5]), ValueError, r"^labels must lie in \[0, 3\)"),
    ("accuracy-logits-1d", lambda: accuracy([0.1, 0.9], [1]), ValueError, r"^logits must have shape \(N, C\)"),
    # --- init_network
    ("init-sizes-short", lambda: init_network((64,), generator=torch.Generator()), ValueError, r"^sizes must hold at least"),
    ("init-sizes-int", lambda: init_network(64, generator=torch.Generator()), TypeError, r"^sizes must be a sequence"),
    ("init-sizes-zero", lambda: init_network((64, 0, 10), generator=torch.Generator()), ValueError, r"^sizes\[1\] must be an int >= 1; got 0"),
    ("init-sizes-float", lambda: init_network((64, 32.0, 10), generator=torch.Generator()), ValueError, r"^sizes\[1\] must be an int >= 1; got 32\.0"),
    ("init-scheme", lambda: init_network((3, 2), init="xavier", generator=torch.Generator()), ValueError, r"^init must be one of 'small', 'glorot', 'he', 'large', 'equal'; got 'xavier'"),
    ("init-generator", lambda: init_network((3, 2), generator=0), TypeError, r"^generator must be a torch\.Generator"),
    ("init-dtype", lambda: init_network((3, 2), generator=torch.Generator(), dtype=torch.int64), TypeError, r"^dtype must be a real floating"),
    # --- network_forward / backward / autograd
    ("net-X-width", lambda: network_forward(NET_X[:, :2], net()), ValueError, r"^X must have shape \(N, 3\)"),
    ("net-X-nan", lambda: network_forward(torch.tensor([[NAN, 0.0, 0.0]], dtype=torch.float64), net()), ValueError, r"^X must be finite"),
    ("net-X-dtype", lambda: network_forward(NET_X.float(), net()), TypeError, r"^X must have the params' dtype torch\.float64"),
    ("net-params-keys", lambda: network_forward(NET_X, without(net(), "b2")), KeyError, r"params must have keys W1, b1, …, WL, bL"),
    ("net-params-list", lambda: network_forward(NET_X, [1.0]), TypeError, r"^params must be a dict"),
    ("net-params-chain", lambda: network_forward(NET_X, {**net(), "W2": torch.zeros(2, 5, dtype=torch.float64)}), ValueError, r"^params\['W2'\] must have shape \(out, 4\) to follow W1"),
    ("net-params-bias", lambda: network_forward(NET_X, {**net(), "b1": torch.zeros(3, dtype=torch.float64)}), ValueError, r"^params\['b1'\] must have shape \(4,\) to match W1"),
    ("net-params-inf", lambda: network_forward(NET_X, {**net(), "W1": torch.full((4, 3), INF, dtype=torch.float64)}), ValueError, r"^params\['W1'\] must be finite"),
    ("net-activation", lambda: network_forward(NET_X, net(), activation="gelu"), ValueError, r"^activation must be one of 'sigmoid', 'tanh', 'relu'"),
    ("net-backward-cache", lambda: network_backward({"X": NET_X}, NET_Y), TypeError, r"^cache must be the dict returned by network_forward"),
    ("net-backward-float-labels", lambda: network_backward(net_cache(), NET_Y.double()), TypeError, r"^labels must have an integer dtype"),
    ("net-backward-label-range", lambda: network_backward(net_cache(), [1, 2]), ValueError, r"^labels must lie in \[0, 2\)"),
    ("net-autograd-labels-length", lambda: network_autograd(NET_X, [1], net()), ValueError, r"^labels must have shape \(2,\)"),
    ("grad-norms-keys", lambda: layer_grad_norms({"W1": torch.ones(2, 2)}), KeyError, r"params must have keys W1, b1"),
    ("norms-at-init-depth", lambda: gradient_norms_at_init(NET_X, NET_Y, depth=0, generator=torch.Generator()), ValueError, r"^depth must be an int >= 1; got 0"),
    # --- train_network
    ("train-lr", lambda: train_net(lr=0), ValueError, r"^lr must be a finite number > 0"),
    ("train-batch-size", lambda: train_net(batch_size=0), ValueError, r"^batch_size must be an int >= 1; got 0"),
    ("train-epochs", lambda: train_net(epochs=-1), ValueError, r"^epochs must be an int >= 0"),
    ("train-backward", lambda: train_net(backward="numerical"), ValueError, r"^backward must be one of 'hand', 'autograd'"),
    ("train-generator", lambda: train_net(generator=None), TypeError, r"^generator must be a torch\.Generator"),
    ("train-y-float", lambda: train_net(y=NET_Y.double()), TypeError, r"^y must have an integer dtype"),
    ("train-y-length", lambda: train_net(y=torch.tensor([0])), ValueError, r"^y must have shape \(2,\)"),
    ("train-test-alone", lambda: train_net(X_test=NET_X), ValueError, r"^X_test and y_test must be given together"),
    ("train-y-test-range", lambda: train_net(X_test=NET_X, y_test=[0, 9]), ValueError, r"^y_test must lie in \[0, 2\)"),
    ("train-callback", lambda: train_net(callback=3), TypeError, r"^callback must be callable"),
    # --- digits_data
    ("digits-dtype", lambda: digits_data(torch.int64), TypeError, r"^dtype must be a real floating torch\.dtype"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "error", "message"), [c[1:] for c in NETWORK_CASES], ids=[c[0] for c in NETWORK_CASES]
)
def test_bad_input_to_notebook_07s_functions_raises_a_clear_error(call, error, message):
    test_bad_input_raises_a_clear_error(call, error, message)


def test_check_labels_returns_long_labels():
    assert check_labels([1, 0, 2], "labels", 3, 3).dtype == torch.long
    assert torch.equal(check_labels(np.array([1, 0], dtype=np.uint8), "y", 2, 2), torch.tensor([1, 0]))
    assert len({c[0] for c in NETWORK_CASES}) == len(NETWORK_CASES)
