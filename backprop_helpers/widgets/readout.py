"""The read-out beside every explorer's figure: one CSS block, one number format (U+2212 minus), one table.

An explorer's ``_readout(state)`` returns rows built with ``table`` and lines of text; the base wraps them in the
``bp-readout`` block styled once by ``CSS``. Numbers go through ``num`` (fixed decimals) or ``sci`` (scientific),
so that every explorer writes −0.1250, not -0.1250 in one and −0.125 in another.
"""

import html
import math

__all__ = ["CSS", "num", "sci", "table", "lines", "escape"]

escape = html.escape

CSS = """<style>
.bp-readout { font-family: monospace; font-size: 12px; line-height: 1.4; }
.bp-readout table { border-collapse: collapse; }
.bp-readout th, .bp-readout td { padding: 0 8px 0 0; text-align: right; white-space: nowrap; }
.bp-readout th:first-child, .bp-readout td:first-child { text-align: left; }
.bp-message { color: #b35806; }
</style>"""

MINUS = "\u2212"


def _minus(text):
    return text.replace("-", MINUS)


def num(value, decimals=4):
    """``value`` with a fixed number of decimals and a true minus sign: num(-0.125) → '−0.1250'."""
    value = float(value)
    if not math.isfinite(value):
        return _minus(str(value))
    text = f"{value:.{decimals}f}"
    if float(text) == 0:  # −0.0000 says nothing a learner can use
        text = text.lstrip("-")
    return _minus(text)


def sci(value, digits=3):
    """``value`` in scientific notation with ``digits`` significant digits: sci(-1.5e-23) → '−1.50e−23'."""
    return _minus(f"{float(value):.{digits - 1}e}")


def table(rows, head=None):
    """An HTML table: ``rows`` and ``head`` are sequences of cells (strings, already formatted)."""
    cells = "".join(f"<th>{cell}</th>" for cell in head) if head else ""
    parts = [f"<tr>{cells}</tr>"] if head else []
    parts += ["<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows]
    return f"<table>{''.join(parts)}</table>"


def lines(*texts):
    """Lines of text under one another (empty ones left out)."""
    return "<br>".join(text for text in texts if text)
