"""(Being replaced: explorers move one by one to widgets/explorer.py.) The old base every explorer built on: a pure model, thin controls, one figure whose artists are updated.

The figure is a plain ``matplotlib.figure.Figure`` on an Agg canvas (no pyplot, so nothing is shown twice
and the notebook's backend does not matter). It is drawn in full once; after that, a control change
restores the cached background and redraws only the *animated* artists (blitting), encodes the pixels as
a PNG and puts them into an ``ipywidgets.Image``. That keeps a slider move to a few milliseconds of
kernel time instead of a full redraw, and the widget degrades to a static PNG where widgets do not run.
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

__all__ = ["LegacyExplorer"]


class LegacyExplorer:
    """Base class of the notebook explorers.

    Subclasses implement ``_build_controls()`` (→ dict name → control), ``_build_figure(figure)`` (creates
    the axes and artists once; dynamic artists get ``animated=True`` and are listed in ``self._animated``),
    ``compute()`` (→ the state, from the control values, by the pure model functions), ``_draw(state)``
    (updates artists with ``set_data``/``set_text``) and ``_readout(state)`` (→ HTML of the numbers).

    Public surface, the same for every explorer:

    ``.widget``    the container to display (an ``ipywidgets.VBox`` with CSS class ``bp-explorer``)
    ``.controls``  dict name → control
    ``.state``     what is shown now; updated synchronously when a control changes
    ``.figure``    the one ``Figure``, never re-created
    ``.message``   the text of the warning line ('' when all is well)
    ``.timings``   the last updates' kernel-side cost in seconds (compute, draw, render, total)
    ``Explorer.instances``  every explorer alive in the kernel (a WeakSet), for the latency benchmark
    """

    figsize = (7.2, 3.0)
    dpi = 80
    readout_width = "260px"

    instances: ClassVar[weakref.WeakSet] = (
        weakref.WeakSet()
    )  # every explorer alive in this kernel, for the latency benchmark

    def __init__(self):
        LegacyExplorer.instances.add(self)
        self.timings = deque(maxlen=512)  # seconds per update: {"compute", "draw", "render", "total"}
        self.state = None
        self._message_text = ""
        self._png = b""
        self._background = None
        self._animated = []
        self.figure = Figure(figsize=self.figsize, dpi=self.dpi)
        FigureCanvasAgg(self.figure)
        self._build_figure(self.figure)
        self.controls = self._build_controls()
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="auto", max_width="100%"))
        self.image.add_class("bp-figure")
        self.readout = widgets.HTML(layout=widgets.Layout(width=self.readout_width))
        self.readout.add_class("bp-readout")
        self._message = widgets.HTML()
        self._message.add_class("bp-message")
        for control in self.controls.values():
            if isinstance(control, widgets.Button):
                continue
            control.observe(self._on_change, names="value")
        # align_items: without it the row stretches the image to the read-out's height (a distorted plot)
        figure_row = widgets.HBox([self.image, self.readout], layout=widgets.Layout(align_items="flex-start"))
        self.widget = widgets.VBox([self._controls_box(), figure_row, self._message])
        self.widget.add_class("bp-explorer")
        self.update()

    # -- to implement ---------------------------------------------------------------------------------

    def _build_controls(self):
        raise NotImplementedError

    def _build_figure(self, figure):
        raise NotImplementedError

    def compute(self):
        raise NotImplementedError

    def _draw(self, state):
        raise NotImplementedError

    def _readout(self, state):
        raise NotImplementedError

    def _controls_box(self):
        """The layout of the controls; override for something other than a wrapping row."""
        return widgets.HBox(list(self.controls.values()), layout=widgets.Layout(flex_flow="row wrap"))

    # -- shared machinery -----------------------------------------------------------------------------

    @property
    def message(self):
        return self._message_text

    def values(self):
        """The current control values, name → value (buttons left out)."""
        return {k: c.value for k, c in self.controls.items() if not isinstance(c, widgets.Button)}

    def _on_change(self, change):
        self.update()

    def update(self):
        """Recompute the state from the controls and redraw; a bad setting becomes a message, not a traceback."""
        start = time.perf_counter()
        try:
            state = self.compute()
        except (ValueError, ArithmeticError) as error:
            self._set_message(f"⚠ {error}")
            return
        computed = time.perf_counter()
        self.state = state
        self._draw(state)
        drawn = time.perf_counter()
        self.render()
        rendered = time.perf_counter()
        # ipywidgets' HTML sets a 28 px line height for one-line labels; a read-out table wants a normal one
        self.readout.value = f"<div style='line-height:1.35'>{self._readout(state)}</div>"
        self._set_message(self._check(state))
        self.timings.append(
            {"compute": computed - start, "draw": drawn - computed, "render": rendered - drawn,
             "total": time.perf_counter() - start}
        )  # fmt: skip

    def _check(self, state):
        """A warning for the message line, or '' — override to flag divergence and the like."""
        return ""

    def _set_message(self, text):
        self._message_text = text
        self._message.value = f"<span style='color:#b35806'>{text}</span>" if text else ""

    def animate(self, *artists):
        """Mark artists as dynamic: they are redrawn on every update, everything else is cached."""
        for artist in artists:
            artist.set_animated(True)
            self._animated.append(artist)
        return artists[0] if len(artists) == 1 else artists

    def invalidate(self):
        """Forget the cached background: call after changing anything static (axis limits, a contour)."""
        self._background = None

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
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = f"{type(self).__name__} (run the notebook in JupyterLab to use the controls)"
        bundle["image/png"] = base64.b64encode(self._png).decode("ascii")
        return bundle
