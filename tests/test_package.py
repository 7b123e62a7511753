"""The package as a whole: what the top level exports, ``__all__`` in every module, and no side effects at import
(no matplotlib/ipywidgets for the math core, no change to rcParams or to any random number generator).

The import checks run in a fresh interpreter (a subprocess): in this test process other tests have already
imported everything.
"""

import importlib
import json
import os
import pkgutil
import subprocess
import sys

import pytest

import backprop_helpers

LAZY_SUBPACKAGES = ("graph", "plotting", "widgets", "exercises")


def all_module_names():
    """Every module and subpackage of backprop_helpers, by walking the source tree."""
    names = ["backprop_helpers"]
    for info in pkgutil.walk_packages(backprop_helpers.__path__, prefix="backprop_helpers."):
        names.append(info.name)
    return names


def test_every_top_level_name_is_importable_from_the_top_level():
    assert backprop_helpers.__all__, "the top level exports nothing"
    assert len(set(backprop_helpers.__all__)) == len(backprop_helpers.__all__), "duplicates in __all__"
    for name in backprop_helpers.__all__:
        namespace = {}
        exec(f"from backprop_helpers import {name}", namespace)  # the statement a notebook writes
        assert namespace[name] is getattr(backprop_helpers, name)


def test_core_names_are_the_module_objects():
    from backprop_helpers import activations, checking, losses, mlp, neuron

    for module in (activations, losses, neuron, mlp, checking):
        for name in module.__all__:
            if name in backprop_helpers.__all__:
                assert getattr(backprop_helpers, name) is getattr(module, name), name
    assert backprop_helpers.sigmoid is activations.sigmoid


@pytest.mark.parametrize("subpackage", LAZY_SUBPACKAGES)
def test_lazy_subpackage_names_are_reachable_from_the_top_level(subpackage):
    module = importlib.import_module(f"backprop_helpers.{subpackage}")
    for name in module.__all__:
        assert getattr(backprop_helpers, name) is getattr(module, name), name
        assert name in dir(backprop_helpers), name


def test_unknown_top_level_name_raises_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'not_a_name'"):
        backprop_helpers.not_a_name  # noqa: B018
    assert not hasattr(backprop_helpers, "utils")


@pytest.mark.parametrize("module_name", all_module_names())
def test_every_module_has_all(module_name):
    module = importlib.import_module(module_name)
    assert hasattr(module, "__all__"), f"{module_name} has no __all__"
    assert isinstance(module.__all__, (list, tuple))
    assert len(set(module.__all__)) == len(module.__all__), f"duplicates in {module_name}.__all__"
    for name in module.__all__:
        assert hasattr(module, name), f"{module_name}.__all__ names {name!r}, which it does not define"


def test_the_core_modules_are_found_by_the_walk():
    names = set(all_module_names())
    core = {"activations", "losses", "neuron", "mlp", "checking", "_inputs"}
    assert {f"backprop_helpers.{n}" for n in core} <= names


IMPORT_PROBE = r"""
import json, random, sys
import numpy as np
import torch

torch_state = torch.get_rng_state()
numpy_state = np.random.get_state()[1].copy()
python_state = random.getstate()
default_dtype = torch.get_default_dtype()

import backprop_helpers
from backprop_helpers import sigmoid, neuron_backward, mlp_forward, init_mlp, compare_grads

# using the core must not pull the figure stack in either
neuron_backward([0.5, 3.0], [0.5, -1.2], [0.7], 1.0)
mlp_forward([[1.0, 2.0]], init_mlp(2, 3, 1, generator=torch.Generator().manual_seed(0)))
str(compare_grads({"w": [1.0]}, {"w": [1.0]}))

report = {
    "core_imports_matplotlib": "matplotlib" in sys.modules,
    "core_imports_ipywidgets": "ipywidgets" in sys.modules,
    "core_imports_lazy": sorted(
        name for name in ("graph", "plotting", "widgets", "exercises")
        if f"backprop_helpers.{name}" in sys.modules
    ),
    "core_changes_torch_rng": not torch.equal(torch.get_rng_state(), torch_state),
}

import matplotlib
import matplotlib.pyplot  # noqa: F401  the lazy modules may use pyplot; its own import is not ours to judge
rc_before = {key: repr(value) for key, value in matplotlib.rcParams.items()}
torch_state = torch.get_rng_state()

import pkgutil, importlib
for info in pkgutil.walk_packages(backprop_helpers.__path__, prefix="backprop_helpers."):
    importlib.import_module(info.name)
dir(backprop_helpers)  # resolves every lazy name

rc_after = {key: repr(value) for key, value in matplotlib.rcParams.items()}
report.update(
    rc_changed=sorted(key for key in rc_before.keys() | rc_after.keys() if rc_before.get(key) != rc_after.get(key)),
    package_changes_torch_rng=not torch.equal(torch.get_rng_state(), torch_state),
    changes_numpy_rng=not np.array_equal(np.random.get_state()[1], numpy_state),
    changes_python_rng=random.getstate() != python_state,
    changes_default_dtype=torch.get_default_dtype() != default_dtype,
)
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def import_report():
    env = {**os.environ, "MPLBACKEND": "Agg"}  # so reading rcParams["backend"] does not resolve a GUI backend
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", IMPORT_PROBE],  # -W error: any warning at import fails too
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_the_core_does_not_import_matplotlib_or_ipywidgets(import_report):
    assert import_report["core_imports_matplotlib"] is False
    assert import_report["core_imports_ipywidgets"] is False
    assert import_report["core_imports_lazy"] == []


def test_importing_does_not_touch_random_number_generators(import_report):
    assert import_report["core_changes_torch_rng"] is False
    assert import_report["package_changes_torch_rng"] is False
    assert import_report["changes_numpy_rng"] is False
    assert import_report["changes_python_rng"] is False
    assert import_report["changes_default_dtype"] is False


def test_importing_every_module_does_not_change_rcparams(import_report):
    assert import_report["rc_changed"] == []
