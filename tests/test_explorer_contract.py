"""The contract every explorer keeps, checked once for all of them (the lessons are in the per-explorer files).

Every slider at its min and at its max: no exception (a bad setting is a message), ``.state`` follows at once,
the figure object stays, the picture changes; the static picture exists; ``step()`` and ``reset()`` return the
state; a value written from Python sits on its control's grid, so the browser's echo changes nothing.
"""

import base64

import pytest

from backprop_helpers.widgets import (
    AutogradExplorer,
    CircuitExplorer,
    DigitsExplorer,
    EngineExplorer,
    NeuronExplorer,
    PerceptronExplorer,
    XORExplorer,
)
from backprop_helpers.widgets.controls import Button, Slider
from backprop_helpers.widgets.explorer import Explorer

EXPLORERS = [
    NeuronExplorer,
    AutogradExplorer,
    CircuitExplorer,
    PerceptronExplorer,
    XORExplorer,
    EngineExplorer,
    DigitsExplorer,
]
SLIDERS = [
    (cls, name) for cls in EXPLORERS for name, spec in cls.controls_spec.items() if isinstance(spec, Slider)
]


@pytest.fixture(scope="module", params=EXPLORERS, ids=lambda cls: cls.__name__)
def explorer(request):
    return request.param()


def test_it_is_built_on_the_base_and_declares_its_controls(explorer):
    assert isinstance(explorer, Explorer)
    assert set(explorer.controls) == set(explorer.specs) == set(type(explorer).controls_spec)
    assert explorer.state is not None and explorer.shown == explorer.values()
    assert all(isinstance(name, str) for row in type(explorer).layout for name in row)


def test_the_static_picture_exists(explorer):
    bundle = explorer._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert bundle["text/plain"].startswith(type(explorer).__name__)


@pytest.mark.parametrize(("cls", "name"), SLIDERS, ids=lambda p: getattr(p, "__name__", p))
@pytest.mark.parametrize("end", ["low", "high"])
def test_every_slider_at_either_end(cls, name, end):
    explorer = cls()
    figure, picture = explorer.figure, explorer._png
    spec = explorer.specs[name]
    value = getattr(spec, end)
    if spec.snap(value) == explorer.values()[name]:
        value = getattr(
            spec, "high" if end == "low" else "low"
        )  # the default sits at this end: go to the other
    explorer.controls[name].value = value  # must not raise: a bad setting is a message
    assert explorer.figure is figure
    if explorer.shown.get(name) == spec.snap(value):  # the state follows at once …
        assert explorer._png != picture, f"{name} moved but the picture did not change"
    else:  # … or the setting is refused with a message, and the last good state stays
        assert explorer.message.startswith("⚠"), f"{name} = {value}: neither a new state nor a message"


def test_step_and_reset_return_the_state(explorer):
    if hasattr(explorer, "step"):
        assert explorer.step() is explorer.state
    assert explorer.reset() is explorer.state
    assert explorer.values() == explorer.defaults()


def test_values_written_from_python_sit_on_the_grid(explorer):
    for name, spec in explorer.specs.items():
        if isinstance(spec, Slider):
            value = explorer.controls[name].value
            assert spec.snap(value) == value, f"{name} = {value!r} is off its grid"


def test_buttons_call_a_method_that_exists(explorer):
    for spec in explorer.specs.values():
        if isinstance(spec, Button):
            assert callable(getattr(explorer, spec.action))
