"""The base every explorer builds on: controls declared as data, a pure model, one figure whose artists are updated.

An explorer declares its controls (``controls_spec``: name → ``Slider``/``Choice``/``Toggle``/``Button``) and
their rows (``layout``), and implements five things: ``model(values, history)`` — the state, a pure function of
the control values and the explicit run history —, ``_build_figure``, ``_draw(state)``, ``_readout(state)`` (HTML
from ``widgets.readout``) and ``_warnings(state)`` (a list of sentences). The base owns every mechanism once:
building and checking the controls, the echo-free writing of values into sliders, the read-out's style, the
message line, axis widening, the timings, and the drawing.

The figure is a plain ``matplotlib.figure.Figure`` on an Agg canvas (no pyplot, so nothing is shown twice and the
notebook's backend does not matter). It is drawn in full once; after that, an update restores the cached
background, redraws only the *animated* artists (blitting), encodes the pixels as a PNG and puts them into an
``ipywidgets.Image``: a slider move costs a few milliseconds, and the widget degrades to a static PNG where
widgets do not run.
"""

import base64
import io
import time
import weakref
from collections import deque
from typing import ClassVar

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from backprop_helpers.widgets.controls import Button
from backprop_helpers.widgets.readout import CSS

__all__ = ["Explorer"]


class Explorer:
    """Base class of the notebook explorers.

    ``SomeExplorer(**defaults)`` starts from the declared defaults, each of which a keyword overrides (checked
    against its control: range, grid, type — a ValueError names it).

    Public surface, the same for every explorer:

    ``.widget``    the container to display (an ``ipywidgets.VBox`` with CSS class ``bp-explorer``)
    ``.controls``  dict name → ipywidget;  ``.specs``: name → its declaration
    ``.values()``  the control values, each on its control's grid;  ``.shown``: the values ``.state`` was made from
    ``.state``     what is shown now; updated synchronously when a control changes
    ``.history``   the explicit run history (``None`` for an explorer without runs)
    ``.figure``    the one ``Figure``, never re-created
    ``.message``   the text of the warning line ('' when all is well)
    ``.reset()``   back to the defaults, a new run; ``.restart()``: a new run, settings kept; both return the
                   state (``.step()`` too, where it exists)
    ``.timings``   the last updates' kernel-side cost in seconds (compute, draw, render, total)
    ``Explorer.instances``  every explorer alive in the kernel (a WeakSet), for the latency benchmark
    """

    figsize = (7.2, 3.0)
    dpi = 80
    readout_width = "260px"
    controls_spec: ClassVar[dict] = {}
    layout: ClassVar[tuple] = ()  # rows of control names; empty: one wrapping row in declaration order
    readout_below = False  # True: the read-out goes under the figure (a wide figure), not beside it

    instances: ClassVar[weakref.WeakSet] = weakref.WeakSet()

    def __init__(self, **defaults):
        Explorer.instances.add(self)
        self.timings = deque(maxlen=512)
        self.specs = self._checked_specs(defaults)
        self.state, self.shown = None, {}
        self._message_text, self._png, self._background, self._animated = "", b"", None, []
        self._writing = False  # True while Python writes values into the controls
        self.history = self.start_history(self.defaults())
        self.figure = Figure(figsize=self.figsize, dpi=self.dpi)
        FigureCanvasAgg(self.figure)
        self._build_figure(self.figure)
        self.controls = {name: spec.build() for name, spec in self.specs.items()}
        for name, control in self.controls.items():
            if isinstance(self.specs[name], Button):
                control.on_click(lambda _button, action=self.specs[name].action: getattr(self, action)())
            else:
                control.observe(lambda change, name=name: self._on_change(name, change), names="value")
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="auto", max_width="100%"))
        self.image.add_class("bp-figure")
        self.readout = widgets.HTML(layout=widgets.Layout(width=self.readout_width))
        self.readout.add_class("bp-readout")
        self._message = widgets.HTML()
        self._message.add_class("bp-message")
        # align_items: without it the row stretches the image to the read-out's height (a distorted plot)
        figure_row = widgets.HBox(
            [self.image, self.readout],
            layout=widgets.Layout(
                align_items="flex-start", flex_flow="row wrap" if self.readout_below else "row"
            ),
        )
        self.widget = widgets.VBox([widgets.HTML(CSS), self._controls_box(), figure_row, self._message])
        self.widget.add_class("bp-explorer")
        self.update()

    # -- to implement ---------------------------------------------------------------------------------

    def model(self, values, history):
        """The state shown for these control values and this run history: a pure function."""
        raise NotImplementedError

    def _build_figure(self, figure):
        raise NotImplementedError

    def _draw(self, state):
        raise NotImplementedError

    def _readout(self, state):
        raise NotImplementedError

    def _warnings(self, state):
        """Sentences for the message line (divergence, saturation, a bound reached…); [] when all is well."""
        return []

    def start_history(self, values):
        """A new run's history, starting from these values; ``None`` for an explorer without runs."""
        return None

    def _extra_widgets(self):
        """Widgets shown after the controls (a progress bar…)."""
        return []

    # -- controls ---------------------------------------------------------------------------------------

    def _checked_specs(self, defaults):
        specs = dict(self.controls_spec)
        unknown = sorted(set(defaults) - {n for n, s in specs.items() if not isinstance(s, Button)})
        if unknown:
            raise TypeError(
                f"{type(self).__name__} has no setting {', '.join(unknown)}; it has {sorted(specs)}"
            )
        for name, value in defaults.items():
            specs[name] = specs[name].with_default(value, name)
        return specs

    def defaults(self):
        """The declared defaults, name → value (buttons left out)."""
        return {name: spec.default for name, spec in self.specs.items() if not isinstance(spec, Button)}

    def values(self):
        """The current control values, name → value on the control's grid (buttons left out)."""
        return {name: spec.snap(self.controls[name].value) for name, spec in self.specs.items()
                if not isinstance(spec, Button)}  # fmt: skip

    def _controls_box(self):
        rows = self.layout or (tuple(self.controls),)
        boxes = [widgets.HBox([self.controls[name] for name in row],
                              layout=widgets.Layout(flex_flow="row wrap", align_items="center",
                                                    grid_gap="0 12px"))
                 for row in rows]  # fmt: skip
        boxes[-1].children = (*boxes[-1].children, *self._extra_widgets())
        return widgets.VBox(boxes)

    def _on_change(self, name, change):
        if self._writing:
            return  # Python is writing several values; whoever writes updates once at the end
        spec = self.specs[name]
        if spec.index(change["new"]) == spec.index(change["old"]):
            return  # the browser's copy of a value set from Python: the same grid point, nothing moved
        if spec.effect == "restart":
            self.history = self.start_history(self.values())
        self.update()

    def set_values(self, values):
        """Write values into the controls, each rounded to its grid first (no update: the caller updates once).

        Returns the names whose value lay outside the control's range and was clamped to it.
        """
        clamped = []
        self._writing = True
        try:
            for name, value in values.items():
                spec = self.specs[name]
                snapped = spec.snap(value)
                if hasattr(spec, "low") and not spec.low <= value <= spec.high:
                    clamped.append(name)
                self.controls[name].value = snapped
        finally:
            self._writing = False
        return clamped

    def restart(self):
        """A new run with the current settings (a Reset button that keeps what the learner set); returns the
        state. ``reset()`` goes back to the defaults as well."""
        self.history = self.start_history(self.values())
        return self.update()

    def reset(self):
        """Back to the defaults and a new run; returns the state."""
        self.set_values(self.defaults())
        self.history = self.start_history(self.values())
        return self.update()

    # -- the model, the read-out and the message --------------------------------------------------------

    @property
    def message(self):
        return self._message_text

    def update(self):
        """Recompute the state and redraw; a bad setting becomes a message, not a traceback. Returns the state."""
        start = time.perf_counter()
        values = self.values()
        try:
            state = self.model(values, self.history)
        except (ValueError, ArithmeticError) as error:
            self._set_message([str(error)])
            return self.state
        computed = time.perf_counter()
        self.state, self.shown = state, values
        self._draw(state)
        drawn = time.perf_counter()
        self.render()
        rendered = time.perf_counter()
        self.readout.value = f"<div class='bp-readout'>{self._readout(state)}</div>"
        self._set_message(self._warnings(state))
        self.timings.append({"compute": computed - start, "draw": drawn - computed,
                             "render": rendered - drawn, "total": time.perf_counter() - start})  # fmt: skip
        return state

    def _set_message(self, warnings):
        text = "⚠ " + " · ".join(warnings) if warnings else ""
        self._message_text = text
        self._message.value = f"<span class='bp-message'>{text}</span>" if text else ""

    # -- drawing ----------------------------------------------------------------------------------------

    def animate(self, *artists):
        """Mark artists as dynamic: they are redrawn on every update, everything else is cached."""
        for artist in artists:
            artist.set_animated(True)
            self._animated.append(artist)
        return artists[0] if len(artists) == 1 else artists

    def invalidate(self):
        """Forget the cached background: call after changing anything static (axis limits, a contour)."""
        self._background = None

    def widen(self, ax, needed, minimum, axis="x", symmetric=False):
        """Fit ``needed`` on the axis: the upper limit doubles from ``minimum`` until it fits, and returns to
        ``minimum`` when that is enough again; jumps, not every tick, since a new limit is a full redraw.
        ``symmetric``: the axis runs from −limit to limit (a gradient that may be negative)."""
        low, high = ax.get_xlim() if axis == "x" else ax.get_ylim()
        target = minimum
        while target < needed:
            target *= 2
        if target == high:
            return False
        (ax.set_xlim if axis == "x" else ax.set_ylim)(-target if symmetric else low, target)
        self.invalidate()
        return True

    def render(self):
        """Draw the figure into ``self.image``: background from cache, animated artists on top, PNG-encode."""
        canvas = self.figure.canvas
        if self._background is None:
            canvas.draw()  # Figure.draw skips animated artists: this is the static background
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in self._animated:
            if artist.get_visible():
                self.figure.draw_artist(artist)
        rgba = canvas.buffer_rgba()
        buffer = io.BytesIO()
        Image.frombuffer("RGBA", (rgba.shape[1], rgba.shape[0]), rgba, "raw", "RGBA", 0, 1).convert(
            "RGB"
        ).save(buffer, format="png", compress_level=1)
        self._png = buffer.getvalue()
        self.image.value = self._png
        return self._png

    def _repr_mimebundle_(self, **kwargs):
        # The live widget where widgets run; the current picture and a one-line summary elsewhere
        # (GitHub's viewer, nbconvert to HTML). nbval ignores widget views and PNGs.
        bundle = _widget_view(self.widget, **kwargs)
        bundle["text/plain"] = f"{type(self).__name__} (run the notebook in JupyterLab to use the controls)"
        bundle["image/png"] = base64.b64encode(self._png).decode("ascii")
        return bundle


def _widget_view(widget, **kwargs):
    """The display bundle of a widget's live view, under ipywidgets 8 and 7.

    ipywidgets 8 gives it as ``_repr_mimebundle_``. ipywidgets 7 (Colab's) has no such method: its
    ``_ipython_display_`` builds the same bundle and displays it at once, so it is built here the same way — the
    widget-view message format (version 2.0, the model's id) is the same in both.
    """
    if hasattr(widget, "_repr_mimebundle_"):
        return widget._repr_mimebundle_(**kwargs)
    return {
        "text/plain": repr(widget)[:110],
        "application/vnd.jupyter.widget-view+json": {
            "version_major": 2,
            "version_minor": 0,
            "model_id": widget.model_id,
        },
    }
