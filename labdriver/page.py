"""One notebook open in one Playwright page: open it, Run All, read its cells and explorers, drive them.

The work inside the page is ``page.js`` (beside this file, lint-checked by ``make lint``), added to the
page as an init script; this module calls its functions by name (``bpLab.NAME``) and never sends
JavaScript of its own. Waiting for an explorer to change is one MutationObserver in the page resolving a
promise, not a polling loop here.

The explorers (``backprop_helpers.widgets.Explorer``) are found by CSS class: ``.bp-explorer`` (the whole
widget), ``.bp-figure`` (the ``<img>`` of the figure), ``.bp-readout`` (the numbers), ``.bp-message``.
"""

import contextlib
import re
from pathlib import Path

__all__ = ["EXPLORER_SELECTORS", "PAGE_JS", "LabNotebook", "tail"]

PAGE_JS = Path(__file__).with_name("page.js")
EXPLORER_SELECTORS = {"figure": ".bp-figure", "readout": ".bp-readout", "message": ".bp-message"}
CHANGE_FIELDS = ("src", "readout", "message", "sliders")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# The only JavaScript written here: calls of page.js's functions, on the page or on one element.
_CALL = "([name, args]) => bpLab[name](...args)"
_CALL_ON = "(el, [name, args]) => bpLab[name](el, ...args)"


class LabNotebook:
    """Notebook ``name`` of ``server`` in Playwright ``page``: open → run_all → explorers, problems, shutdown."""

    PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"

    def __init__(self, page, server, name):
        if not str(name).endswith(".ipynb"):
            raise ValueError(f"name must be a notebook file name ending .ipynb, got {name!r}")
        self.page = page
        self.server = server
        self.name = name
        page.add_init_script(path=PAGE_JS)

    def _call(self, name, *args):
        return self.page.evaluate(_CALL, [name, list(args)])

    def _wait(self, name, *args, timeout, polling):
        self.page.wait_for_function(_CALL, arg=[name, list(args)], timeout=timeout * 1000, polling=polling)

    # -- the notebook ---------------------------------------------------------------------------------

    def open(self, timeout=90):
        """Load the notebook alone in Lab; returns once its kernel is idle."""
        self.page.goto(
            self.server.notebook_url(self.name), wait_until="domcontentloaded", timeout=timeout * 1000
        )
        # Lab's start-up is in another process (the server and the kernel): checked every 200 ms
        self._wait("panelReady", self.name, timeout=timeout, polling=200)
        return self

    def run_all(self, timeout=300):
        """Clear, run every cell, wait until the kernel is idle and each cell ran (or one raised)."""
        self._call("runAll")
        self._wait("runDone", timeout=timeout, polling=250)
        self._wait("widgetsRendered", timeout=30, polling=100)
        return self

    def cells(self):
        return self._call("cells")

    def iopub_problems(self):
        """Errors and stderr the kernel sent since the notebook was opened (also from widget callbacks)."""
        return [{**p, "text": ANSI.sub("", p["text"])} for p in self._call("iopub")]

    def problems(self):
        """What a reader would see as broken: errors, tracebacks, stderr, widgets that failed to display,
        cells left unrun. A cell tagged ``raises-exception`` may show its error."""
        found = []
        for cell in self.cells():
            if cell["type"] == "code":
                found += _cell_problems(cell)
        return found

    def execute_in_kernel(self, code, timeout=60):
        """Run code in the notebook's kernel (no cell, no history); returns its stdout."""
        if not isinstance(code, str):
            raise TypeError(f"code must be a str of Python source, got {type(code).__name__}")
        result = self._call("execute", code)
        if result["err"]:
            raise RuntimeError(f"kernel code failed: {ANSI.sub('', result['err'])}")
        return result["out"]

    def shutdown_kernel(self):
        with contextlib.suppress(Exception):  # the page may be gone already: the server stops it then
            self._call("shutdown")

    # -- explorers ------------------------------------------------------------------------------------

    def explorers(self):
        return self.page.locator(f"{self.PANEL} .bp-explorer")

    def explorer_state(self, explorer, selectors=EXPLORER_SELECTORS):
        """What ``explorer`` shows now: figure src and sizes, read-out, message, slider read-outs."""
        return explorer.evaluate(_CALL_ON, ["explorerState", [selectors]])

    def explorer_controls(self, explorer):
        """``{"sliders": [...], "buttons": [...], "dropdowns": [...], "checkboxes": [...]}`` with index, label and
        range/state."""
        return explorer.evaluate(_CALL_ON, ["controls", []])

    def describe(self, element):
        """A short name for a control or part, for a problem message (its class and first words)."""
        return element.evaluate(_CALL_ON, ["describe", []])

    def press_slider_keys(self, explorer, slider_index, presses=3, key=None):
        """Click a slider's handle, as a person would, then press an arrow key ``presses`` times.

        The direction is ArrowRight unless the handle sits in the upper part of its range. Returns the key.
        """
        sliders = self.explorer_controls(explorer)["sliders"]
        if not 0 <= slider_index < len(sliders):
            raise ValueError(f"slider_index must be in 0..{len(sliders) - 1}, got {slider_index}")
        if key is None:
            key = "ArrowLeft" if _upper_part(sliders[slider_index], 0.7) else "ArrowRight"
        handle = explorer.locator(".widget-slider").nth(slider_index).locator(".noUi-handle").first
        handle.scroll_into_view_if_needed()
        handle.click()
        for _ in range(presses):
            self.page.keyboard.press(key)
        return key

    def watch(self, element, selectors=EXPLORER_SELECTORS):
        """Start the in-page observer on ``element`` now (``wait_for_change`` starts it when not yet)."""
        element.evaluate(_CALL_ON, ["watch", [selectors]])

    def wait_for_change(
        self,
        explorer,
        before,
        *,
        timeout=10.0,
        settle=0.4,
        fields=("src", "readout"),
        selectors=EXPLORER_SELECTORS,
        key_times=False,
    ):
        """Wait until every one of ``fields`` differs from ``before`` and then nothing changes for ``settle``
        seconds (or 1.5 s after the last change when only some did, or ``timeout``); returns the state.

        With ``key_times``, returns ``(state, since_key)``: the milliseconds from the last key press in the
        page to each field's first change after it, measured in the page (a field that did not change is
        missing).
        """
        unknown = set(fields) - set(CHANGE_FIELDS)
        if not fields or unknown:
            raise ValueError(f"fields must be a non-empty subset of {CHANGE_FIELDS}, got {tuple(fields)}")
        if not (timeout > 0 and settle >= 0):
            raise ValueError(f"timeout must be > 0 and settle >= 0 seconds, got {timeout!r} and {settle!r}")
        options = {"timeout": 1000 * timeout, "settle": 1000 * settle, "fields": list(fields)}
        result = explorer.evaluate(_CALL_ON, ["waitForChange", [before, {**options, "selectors": selectors}]])
        return (result["state"], result["sinceKey"]) if key_times else result["state"]


def _upper_part(slider, fraction):
    """True when the slider's handle sits above ``fraction`` of its range (then a key moves it left)."""
    now, low, high = slider["now"], slider["min"], slider["max"]
    return None not in (now, low, high) and high > low and (now - low) / (high - low) > fraction


def _cell_problems(cell):
    where = f"cell {cell['index']} ({_first_line(cell['source'])!r})"
    allowed = "raises-exception" in cell["tags"]
    found = []
    if cell["executionCount"] is None:
        found.append(f"{where} did not run (Run All stopped before it)")
    for output in cell["outputs"]:
        text = ANSI.sub("", output["text"] or "")
        if output["output_type"] == "error" and not allowed:
            found.append(f"{where} raised:\n{tail(text.split(chr(10), 1)[-1])}")
        elif output["name"] == "stderr":
            found.append(f"{where} wrote to stderr:\n{tail(text)}")
    found += [f"{where} shows a widget error: {tail(text)}" for text in cell["widgetErrors"]]
    already = any(o["output_type"] == "error" or o["name"] == "stderr" for o in cell["outputs"])
    for text in cell["stderrShown"] + cell["tracebacksShown"]:
        if ("Traceback" in text or "Error" in text) and not allowed and not already:
            found.append(f"{where} shows an error output:\n{tail(text)}")
            break
    return found


def _first_line(source):
    lines = [line for line in source.splitlines() if line.strip()]
    return (lines[0][:60] + ("…" if len(lines[0]) > 60 else "")) if lines else ""


def tail(text, lines=12):
    """The last lines of a traceback or log: where it ends is what says what went wrong."""
    return "\n".join(text.strip().splitlines()[-lines:])
