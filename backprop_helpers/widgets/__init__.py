"""The explorers, one per notebook, all built on ``Explorer`` (see ``explorer.py`` for the contract)."""

from backprop_helpers.widgets.autograd_explorer import AutogradExplorer
from backprop_helpers.widgets.circuit_explorer import CircuitExplorer
from backprop_helpers.widgets.digits_explorer import DigitsExplorer
from backprop_helpers.widgets.engine_explorer import EngineExplorer
from backprop_helpers.widgets.explorer import Explorer
from backprop_helpers.widgets.neuron_explorer import NeuronExplorer
from backprop_helpers.widgets.perceptron_explorer import PerceptronExplorer
from backprop_helpers.widgets.xor_explorer import XORExplorer

__all__ = [
    "Explorer",
    "NeuronExplorer",
    "AutogradExplorer",
    "CircuitExplorer",
    "PerceptronExplorer",
    "XORExplorer",
    "EngineExplorer",
    "DigitsExplorer",
]
