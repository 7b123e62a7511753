"""Controls declared as data: what a slider, a choice, a switch or a button is, checked once, built into a widget.

An explorer lists its controls as ``{name: spec}``; the base builds the ipywidgets, checks every default and every
value written from Python against the spec, and rounds it to the slider's grid first. A value on the grid is what
the browser shows and sends back, so the browser's echo of a value set from Python equals what Python holds.
"""

import math
import numbers
from dataclasses import dataclass, replace

import ipywidgets as widgets

__all__ = ["Slider", "Choice", "Toggle", "Button", "EFFECTS"]

EFFECTS = ("update", "restart")  # what a change does: redraw from the values, or also start a new run


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Slider:
    """A number on a grid: ``low``, ``low + step``, … ``high``; on a log grid (``log=True``) the grid is
    10^(log10(low) + k·step), ``step`` in decades. ``integer=True`` makes an IntSlider."""

    label: str
    low: float
    high: float
    step: float
    default: float
    fmt: str = ".2f"
    log: bool = False
    integer: bool = False
    effect: str = "update"
    width: str = "230px"
    continuous: bool = True

    def __post_init__(self):
        if not all(_is_real(v) for v in (self.low, self.high, self.step)) or not self.low < self.high:
            raise ValueError(f"slider {self.label!r}: needs finite low < high and a step; got {self}")
        if self.step <= 0 or (self.log and self.low <= 0) or self.effect not in EFFECTS:
            raise ValueError(f"slider {self.label!r}: step > 0, low > 0 on a log grid, effect in {EFFECTS}")
        self.check(self.default, "default")

    def _position(self, value):
        return math.log10(value) if self.log else value

    def index(self, value):
        """The number of the grid point nearest to ``value`` (0 at ``low``)."""
        return round((self._position(value) - self._position(self.low)) / self.step)

    def snap(self, value):
        """``value`` clamped to [low, high] and rounded to the nearest grid point."""
        value = min(max(value, self.low), self.high)
        position = self._position(self.low) + self.index(value) * self.step
        if self.integer:
            return round(position)
        snapped = 10.0**position if self.log else round(position, 12)
        return min(max(snapped, self.low), self.high)

    def check(self, value, name):
        """``value`` if it is a number in range and on the grid; else a ValueError naming ``name``."""
        kind = "an int" if self.integer else "a number"
        ok = _is_real(value) and (not self.integer or isinstance(value, numbers.Integral))
        if not ok or not self.low <= value <= self.high:
            raise ValueError(f"{name} must be {kind} in [{self.low:g}, {self.high:g}]; got {value!r}")
        on_grid = math.isclose(self.snap(value), value, rel_tol=1e-9, abs_tol=1e-12)
        if not on_grid:
            grid = f"10^(k·{self.step:g})" if self.log else f"{self.low:g} + k·{self.step:g}"
            raise ValueError(
                f"{name} must lie on the slider's grid {grid}; got {value!r} (nearest: {self.snap(value):g})"
            )
        return value

    def with_default(self, value, name):
        return replace(self, default=self.check(value, name))

    def build(self):
        common = {"description": self.label, "continuous_update": self.continuous,
                  "style": {"description_width": "initial"}, "layout": widgets.Layout(width=self.width)}  # fmt: skip
        if self.integer:
            return widgets.IntSlider(
                value=self.default, min=self.low, max=self.high, step=self.step, **common
            )
        if self.log:
            return widgets.FloatLogSlider(value=self.default, base=10, min=math.log10(self.low),
                                          max=math.log10(self.high), step=self.step, readout_format=self.fmt,
                                          **common)  # fmt: skip
        return widgets.FloatSlider(value=self.default, min=self.low, max=self.high, step=self.step,
                                   readout_format=self.fmt, **common)  # fmt: skip


@dataclass(frozen=True)
class Choice:
    """One of a few options (a dropdown); ``labels``, if given, is what the dropdown shows for each option."""

    label: str
    options: tuple
    default: object
    effect: str = "update"
    width: str = "170px"
    labels: tuple = ()

    def __post_init__(self):
        if self.effect not in EFFECTS:
            raise ValueError(f"choice {self.label!r}: effect must be one of {EFFECTS}")
        if self.labels and len(self.labels) != len(self.options):
            raise ValueError(f"choice {self.label!r}: one label per option")
        self.check(self.default, "default")

    def snap(self, value):
        return value

    def index(self, value):
        return self.options.index(value)

    def check(self, value, name):
        if value not in self.options:
            raise ValueError(f"{name} must be one of {', '.join(map(repr, self.options))}; got {value!r}")
        return value

    def with_default(self, value, name):
        return replace(self, default=self.check(value, name))

    def build(self):
        options = list(zip(self.labels, self.options, strict=True)) if self.labels else list(self.options)
        return widgets.Dropdown(options=options, value=self.default, description=self.label,
                                style={"description_width": "initial"}, layout=widgets.Layout(width=self.width))  # fmt: skip


@dataclass(frozen=True)
class Toggle:
    """A switch, on or off (a checkbox)."""

    label: str
    default: bool = False
    effect: str = "update"
    width: str = "170px"

    def __post_init__(self):
        if self.effect not in EFFECTS:
            raise ValueError(f"toggle {self.label!r}: effect must be one of {EFFECTS}")
        self.check(self.default, "default")

    def snap(self, value):
        return bool(value)

    def index(self, value):
        return int(bool(value))

    def check(self, value, name):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be True or False; got {value!r}")
        return value

    def with_default(self, value, name):
        return replace(self, default=self.check(value, name))

    def build(self):
        return widgets.Checkbox(value=self.default, description=self.label, indent=False,
                                layout=widgets.Layout(width=self.width))  # fmt: skip


@dataclass(frozen=True)
class Button:
    """A button that calls the explorer's method ``action`` (``"step"``, ``"reset"``, ``"train"``…)."""

    label: str
    action: str
    tooltip: str = ""
    primary: bool = False
    width: str = "80px"

    def build(self):
        return widgets.Button(description=self.label, tooltip=self.tooltip,
                              button_style="primary" if self.primary else "",
                              layout=widgets.Layout(width=self.width))  # fmt: skip
