"""backprop_helpers: reference formulas, gradient checks, plots and explorers for the backprop notebooks.

The math core is imported here directly. The figure and widget modules (``graph``, ``plotting``,
``widgets``, ``exercises``) load on first use, so ``from backprop_helpers import sigmoid`` does not pay for
matplotlib and ipywidgets; their names are importable from the top level all the same.
"""

import importlib

from backprop_helpers.activations import relu_grad, sigmoid, sigmoid_grad, sigmoid_grad_from_output, tanh_grad
from backprop_helpers.checking import Comparison, ComparisonRow, autograd_grads, compare_grads, numerical_grad
from backprop_helpers.circuit import (
    AUTOGRAD_GRADIENT_LIMIT,
    FLOAT32_EXP_LIMIT,
    HAND_GRADIENT_LIMIT,
    CircuitTrace,
    circuit_autograd,
    sigmoid_circuit,
)
from backprop_helpers.data import DigitsData, digits_data, xor_data
from backprop_helpers.descent import DescentRun, critical_learning_rates, gradient_descent_path
from backprop_helpers.engine import Value
from backprop_helpers.losses import (
    bce,
    bce_eps,
    bce_grad,
    cross_entropy,
    cross_entropy_grad,
    mse,
    mse_grad,
    softmax,
)
from backprop_helpers.mlp import MLPRun, init_mlp, mlp_backward, mlp_forward, train_mlp
from backprop_helpers.network import (
    NETWORK_ACTIVATIONS,
    NETWORK_INITS,
    NetworkRun,
    accuracy,
    gradient_norms_at_init,
    init_network,
    layer_grad_norms,
    network_autograd,
    network_backward,
    network_forward,
    train_network,
)
from backprop_helpers.neuron import NeuronTrace, neuron_autograd, neuron_backward, sgd_step

__version__ = "0.1.0"

_LAZY_MODULES = ("graph", "plotting", "widgets", "exercises")

__all__ = [
    "sigmoid",
    "sigmoid_grad",
    "sigmoid_grad_from_output",
    "tanh_grad",
    "relu_grad",
    "mse",
    "mse_grad",
    "bce",
    "bce_grad",
    "bce_eps",
    "softmax",
    "cross_entropy",
    "cross_entropy_grad",
    "NeuronTrace",
    "CircuitTrace",
    "neuron_backward",
    "neuron_autograd",
    "sigmoid_circuit",
    "circuit_autograd",
    "FLOAT32_EXP_LIMIT",
    "HAND_GRADIENT_LIMIT",
    "AUTOGRAD_GRADIENT_LIMIT",
    "sgd_step",
    "DescentRun",
    "critical_learning_rates",
    "gradient_descent_path",
    "init_mlp",
    "mlp_forward",
    "mlp_backward",
    "train_mlp",
    "MLPRun",
    "init_network",
    "network_forward",
    "network_backward",
    "network_autograd",
    "layer_grad_norms",
    "accuracy",
    "train_network",
    "gradient_norms_at_init",
    "NetworkRun",
    "NETWORK_ACTIVATIONS",
    "NETWORK_INITS",
    "numerical_grad",
    "autograd_grads",
    "compare_grads",
    "Comparison",
    "ComparisonRow",
    "xor_data",
    "digits_data",
    "DigitsData",
    "Value",
]


def __getattr__(name):
    # PEP 562: names of the figure and widget modules, imported when first asked for.
    for module_name in _LAZY_MODULES:
        module = importlib.import_module(f"backprop_helpers.{module_name}")
        if name in getattr(module, "__all__", ()):
            return getattr(module, name)
    raise AttributeError(f"module 'backprop_helpers' has no attribute {name!r}")


def __dir__():
    names = set(__all__) | set(_LAZY_MODULES)
    for module_name in _LAZY_MODULES:
        names |= set(getattr(importlib.import_module(f"backprop_helpers.{module_name}"), "__all__", ()))
    return sorted(names)
