"""``NumberText``: a one-line ``Text`` that an explorer can redraw many times a second; ``format_number``, the
text of the numbers it shows (the graph's boxes, the circuit explorer's gate table).

matplotlib 3.11 rasterises every glyph on every draw (about 0.1 ms a glyph on the project's machines), so an
explorer that redraws 26 numbers per slider move (the labelled graph of notebook 03) would spend 30 ms on text
alone. ``NumberText`` renders each glyph once per font, size and dpi and pastes strings together from the cached
coverage masks; it looks like ``Text`` to within a pixel (tests/test_graph.py checks the ink).
"""

import math

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import IdentityTransform

__all__ = ["NumberText", "format_number"]

UNKNOWN = "?"

_GLYPHS = {}  # NumberText's cache: (char, hash of the font, dpi) → (coverage (H, W) uint8, advance, baseline row, x₀)


def format_number(value, decimals=4):
    """Fixed decimals for |v| < 10⁴ (so float32 noise like −2.2e-08 reads 0.0000), else 3-digit scientific.

    ``None`` (not known) reads ``?``, a tensor of several elements its shape; the minus sign is U+2212.
    """
    if value is None:
        return UNKNOWN
    if isinstance(value, torch.Tensor):
        return "tensor" + str(tuple(value.shape)).replace(",)", ")")
    text = f"{value:.{decimals}f}" if abs(value) < 1e4 else f"{value:.3e}"
    if float(text) == 0:  # no "-0.0000"
        text = text.lstrip("-")
    return text.replace("-", "−")


class NumberText(Text):
    """A one-line Text that draws from a glyph cache on Agg.

    matplotlib 3.11 rasterises every glyph on every draw (about 0.1 ms a glyph on the project's machines), so an
    explorer that redraws 26 numbers per slider move would spend 30 ms on text alone. Here each glyph is
    rendered once per font, size and dpi, and a string is pasted together from the cached coverage masks
    (positions rounded to whole pixels). Multi-line, math, rotated text and non-Agg renderers use ``Text.draw``.
    """

    @staticmethod
    def _glyph(char, prop, dpi):
        key = (char, hash(prop), dpi)
        if key not in _GLYPHS:
            pad = math.ceil(prop.get_size_in_points() * dpi / 72) + 2
            figure = Figure(figsize=(4 * pad / dpi, 3 * pad / dpi), dpi=dpi)
            canvas = FigureCanvasAgg(figure)
            figure.patch.set_alpha(0)  # the alpha channel is then the glyph's coverage
            figure.text(pad, pad, char, fontproperties=prop, transform=IdentityTransform(), va="baseline")
            canvas.draw()
            coverage = np.asarray(canvas.buffer_rgba())[:, :, 3].copy()  # row 0 is the top
            renderer = canvas.get_renderer()
            advance = (  # between two bars, so that a space has its width too
                renderer.get_text_width_height_descent(f"|{char}|", prop, False)[0]
                - renderer.get_text_width_height_descent("||", prop, False)[0]
            )
            _GLYPHS[key] = (coverage, advance, coverage.shape[0] - pad, pad)
        return _GLYPHS[key]

    def draw(self, renderer):
        text = self.get_text()
        simple = isinstance(renderer, RendererAgg) and "\n" not in text and "$" not in text
        if not (
            self.get_visible() and text and simple and self.get_rotation() == 0 and not self.get_usetex()
        ):
            return super().draw(renderer)
        prop, dpi = self.get_fontproperties(), renderer.dpi
        glyphs = [self._glyph(char, prop, dpi) for char in text]
        metrics_key = ("lp", hash(prop), dpi)  # the box of a line, as Text aligns it
        if metrics_key not in _GLYPHS:
            _GLYPHS[metrics_key] = renderer.get_text_width_height_descent("lp", prop, False)
        _, line_h, line_d = _GLYPHS[metrics_key]
        above, below = math.ceil(line_h - line_d) + 3, math.ceil(line_d) + 3
        x, y = self.get_transform().transform(self.get_unitless_position())
        width = sum(g[1] for g in glyphs)
        left = x - {"left": 0, "center": width / 2, "right": width}[self.get_horizontalalignment()]
        va = self.get_verticalalignment()
        baseline = y + {"baseline": 0, "center_baseline": 0, "bottom": line_d, "top": line_d - line_h}.get(
            va, line_d - line_h / 2
        )
        x0, margin = math.floor(left), 3
        mask = np.zeros((above + below, math.ceil(width) + 2 * margin), np.uint8)
        position = left - x0 + margin
        for coverage, advance, row, column in glyphs:
            start = round(position) - column
            source = coverage[row - above : row + below]
            lo, hi = max(start, 0), min(start + source.shape[1], mask.shape[1])
            np.maximum(mask[:, lo:hi], source[:, lo - start : hi - start], out=mask[:, lo:hi])
            position += advance
        red, green, blue, alpha = to_rgba(self.get_color(), self.get_alpha())
        image = np.empty((*mask.shape, 4), np.uint8)
        image[..., :3] = np.array([red, green, blue]) * 255
        image[..., 3] = mask * alpha
        gc = renderer.new_gc()
        gc.set_clip_rectangle(self.clipbox if self.get_clip_on() else None)
        renderer.draw_image(gc, x0 - margin, round(baseline) - below, image[::-1])  # the image's rows go up
        gc.restore()
        self.stale = False
