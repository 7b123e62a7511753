"""The explorer base on a toy explorer: declared controls, grid rounding, the browser's echo, history, widening."""

import math

import pytest

from backprop_helpers.widgets.controls import Button, Choice, Slider, Toggle
from backprop_helpers.widgets.explorer import Explorer
from backprop_helpers.widgets.readout import num, sci, table


class Line(Explorer):
    """y = a·t over a run of steps: a toy with every kind of control and a run history."""

    figsize = (2.0, 1.5)
    controls_spec = {  # noqa: RUF012 (a declaration, never mutated)
        "a": Slider("a", -2.0, 2.0, 0.01, 0.5, effect="restart"),
        "lr": Slider("lr", 1e-3, 1.0, 0.05, 0.1, log=True),
        "n": Slider("n", 1, 8, 1, 4, integer=True),
        "kind": Choice("kind", ("up", "down"), "up"),
        "big": Toggle("big"),
        "step": Button("Step", "step"),
        "reset": Button("Reset", "reset"),
    }
    layout = (("a", "lr", "n"), ("kind", "big", "step", "reset"))

    def start_history(self, values):
        return [values["a"]]

    def model(self, values, history):
        if values["n"] == 8:
            raise ValueError("n = 8 is too many for this toy")
        return {"a": history[-1], "steps": len(history) - 1, "lr": values["lr"]}

    def _build_figure(self, figure):
        ax = self._ax = figure.add_subplot()
        ax.set_xlim(0, 10)
        (self._line,) = ax.plot([], [])
        self.animate(self._line)

    def _draw(self, state):
        self._line.set_data([0, 1], [0, state["a"]])
        self.widen(self._ax, state["steps"], 10)

    def _readout(self, state):
        return table([("a", num(state["a"]))], head=("", "value"))

    def _warnings(self, state):
        return ["a is large", "a is positive"] if state["a"] > 1.5 else []

    def step(self):
        self.history = [*self.history, self.history[-1] * 1.001]  # off the slider's grid on purpose
        self.set_values({"a": self.history[-1]})
        return self.update()


def test_controls_are_built_from_the_declaration_with_defaults():
    explorer = Line()
    assert set(explorer.controls) == set(Line.controls_spec)
    assert explorer.values() == {"a": 0.5, "lr": pytest.approx(0.1), "n": 4, "kind": "up", "big": False}
    assert explorer.state == {"a": 0.5, "steps": 0, "lr": pytest.approx(0.1)}
    assert explorer.shown == explorer.values()
    assert "bp-readout" in explorer.readout.value and "0.5000" in explorer.readout.value


def test_defaults_are_checked_once_by_name():
    assert Line(a=1.25).state["a"] == 1.25
    with pytest.raises(ValueError, match=r"^a must be a number in \[-2, 2\]; got 3"):
        Line(a=3)
    with pytest.raises(ValueError, match=r"^a must lie on the slider's grid .*got 0\.123.*nearest: 0\.12"):
        Line(a=0.123)
    with pytest.raises(ValueError, match=r"^n must be an int in \[1, 8\]; got 2\.5"):
        Line(n=2.5)
    with pytest.raises(ValueError, match=r"^kind must be one of 'up', 'down'; got 'left'"):
        Line(kind="left")
    with pytest.raises(ValueError, match=r"^big must be True or False"):
        Line(big=1)
    with pytest.raises(TypeError, match=r"^Line has no setting speed"):
        Line(speed=1)


def test_a_bad_declaration_fails_when_it_is_written():
    with pytest.raises(ValueError):
        Slider("x", 1.0, 0.0, 0.1, 0.5)
    with pytest.raises(ValueError):
        Slider("x", 0.0, 1.0, 0.1, 0.5, log=True)
    with pytest.raises(ValueError):
        Slider("x", 0.0, 1.0, 0.1, 0.5, effect="explode")


def test_slider_grids_round_and_clamp():
    linear, log = Line.controls_spec["a"], Line.controls_spec["lr"]
    assert linear.snap(0.5100000000000007) == 0.51 and linear.snap(9.0) == 2.0 and linear.snap(-9.0) == -2.0
    assert math.isclose(log.snap(0.0398), 10**-1.4) and log.snap(5.0) == 1.0
    assert log.index(10**-1.4) == log.index(0.0398107170553497)


def test_a_move_updates_the_state_at_once_and_restart_starts_a_new_run():
    explorer = Line()
    explorer.step()
    assert explorer.state["steps"] == 1
    explorer.controls["lr"].value = 0.5  # effect "update": the run goes on
    assert explorer.state["steps"] == 1 and explorer.shown["lr"] == pytest.approx(
        Line.controls_spec["lr"].snap(0.5)
    )
    explorer.controls["a"].value = -1.0  # effect "restart": a new run from the slider
    assert explorer.state == {"a": -1.0, "steps": 0, "lr": explorer.shown["lr"]}


def test_the_browser_echo_of_a_value_set_from_python_changes_nothing():
    explorer = Line()
    state = explorer.step()
    exact = state["a"]  # 0.5005: the slider shows 0.50 (its grid), the run holds the exact value
    assert explorer.controls["a"].value == 0.5 and exact == pytest.approx(0.5005)
    explorer.controls["a"].value = 0.5000000000000004  # what a browser's float arithmetic may send back
    assert explorer.state["a"] == exact and explorer.state["steps"] == 1  # not a move: no restart


def test_set_values_rounds_to_the_grid_and_reports_clamping():
    explorer = Line()
    assert explorer.set_values({"a": 0.123}) == [] and explorer.controls["a"].value == 0.12
    assert explorer.set_values({"a": 7.0}) == ["a"] and explorer.controls["a"].value == 2.0


def test_step_and_reset_return_the_state():
    explorer = Line(a=1.0)
    assert explorer.step() is explorer.state
    explorer.controls["n"].value = 2
    assert explorer.reset() is explorer.state
    assert explorer.values()["n"] == 4 and explorer.state == {
        "a": 1.0,
        "steps": 0,
        "lr": explorer.shown["lr"],
    }


def test_an_error_in_the_model_is_a_message_not_a_traceback():
    explorer = Line()
    before = explorer.state
    explorer.controls["n"].value = 8
    assert explorer.message == "⚠ n = 8 is too many for this toy" and explorer.state is before
    explorer.controls["n"].value = 3
    assert explorer.message == ""


def test_warnings_are_joined_once():
    explorer = Line(a=1.75)
    assert explorer.message == "⚠ a is large · a is positive"
    assert "bp-message" in explorer._message.value


def test_widen_doubles_in_jumps_and_returns_to_the_minimum():
    explorer = Line()
    for _ in range(12):
        explorer.step()
    assert explorer._ax.get_xlim()[1] == 20  # 12 steps: 10 → 20, not 12
    explorer.reset()
    assert explorer._ax.get_xlim()[1] == 10


def test_timings_and_the_registry():
    explorer = Line()
    before = len(explorer.timings)
    explorer.controls["lr"].value = 0.5
    assert len(explorer.timings) == before + 1
    assert set(explorer.timings[-1]) == {"compute", "draw", "render", "total"}
    assert explorer in Explorer.instances


def test_readout_numbers_use_a_true_minus():
    assert num(-0.125) == "−0.1250" and num(-0.00001) == "0.0000" and num(2, 1) == "2.0"
    assert sci(-1.5e-23) == "−1.50e−23" and num(float("-inf")) == "−inf"


def test_restart_starts_a_new_run_with_the_settings_kept():
    explorer = Line()
    explorer.controls["n"].value = 2
    explorer.step()
    assert explorer.restart() is explorer.state
    assert explorer.state["steps"] == 0 and explorer.values()["n"] == 2
