"""Slider → repaint in JupyterLab + headless Chromium, per explorer, against the naive ``interact`` pattern.

    .venv/bin/python -m benchmarks.browser_latency      # from the repository root

JupyterLab is started on a temporary copy of ``notebooks/`` plus one scratch notebook written here: the
naive pattern, ``ipywidgets.interact`` re-creating a pyplot figure (inline backend; a sigmoid line plot and
a loss contour, 7.2×3.0 in at dpi 80 like the explorers) and printing the numbers on every move. Each
notebook is opened and run; for every explorer (``.bp-explorer``) one slider (the first whose move changes
both the read-out and the figure) gets a warm-up move and then ``moves`` key presses, alternating
ArrowRight/ArrowLeft, one at a time. Everything is timed inside the page by labdriver's change observer
(``labdriver/page.js``): ``performance.now()`` at the ``keydown`` and, from its ``MutationObserver``, when
the figure's ``<img>`` gets its new ``src`` (for the naive pattern: when the new ``<img>`` is inserted) and
when the read-out text changes.

The kernel side is what the explorers record themselves: ``Explorer.instances`` (every live explorer) and
each one's ``timings`` (seconds per update: ``compute`` the model, ``draw`` the artists, ``render`` blit +
PNG encode + sending the bytes, ``total``); the naive function times itself. Each explorer's widget is
tagged with a CSS class naming its model id, so the page's ``.bp-explorer`` and the kernel's explorer are
matched. Page time minus kernel time is the round trip: key → comm message → kernel → comm message → DOM.
Target: explorer median ≤ 0.5 × naive median. Nothing here fails on a time.
"""

import json
import os
import statistics
import time
from pathlib import Path

from benchmarks.notebook_suite import one_cell_notebook
from labdriver.browser import launch_browser, missing_browser_reason
from labdriver.page import EXPLORER_SELECTORS, LabNotebook
from labdriver.server import LabServer, notebooks_dir, stop_on_sigterm

__all__ = ["measure", "table"]

TARGET_RATIO = 0.5
NAIVE_NAME = "00_bench_naive_interact.ipynb"
MOVE_TIMEOUT = 5.0  # seconds for one move to show both a new figure and a new read-out

# -- the naive pattern, as a learner would write it --------------------------------------------------

NAIVE_SOURCE = """\
%matplotlib inline
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from ipywidgets import FloatSlider, interact

x, y, b = 1.5, 0.0, 0.1
z_grid = np.linspace(-6, 6, 200)
W, B = np.meshgrid(np.linspace(-3, 3, 60), np.linspace(-3, 3, 60))
naive_kernel_ms = []


def show(w=0.5):
    start = time.perf_counter()
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    z = wt * x + b
    y_hat = torch.sigmoid(z)
    loss = (y_hat - y) ** 2
    loss.backward()
    print(f"z = {z.item():.4f}   ŷ = {y_hat.item():.4f}   L = {loss.item():.4f}   ∂L/∂w = {wt.grad.item():.4f}")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7.2, 3.0), dpi=80)
    ax1.plot(z_grid, 1 / (1 + np.exp(-z_grid)))
    ax1.plot([z.item()], [y_hat.item()], "o")
    ax1.set_xlabel("z")
    ax1.set_ylabel("σ(z)")
    ax1.set_title("neuron")
    ax2.contourf(W, B, (1 / (1 + np.exp(-(W * x + B))) - y) ** 2, levels=20)
    ax2.plot([w], [b], "wo")
    ax2.set_xlabel("w")
    ax2.set_ylabel("b")
    ax2.set_title("loss")
    plt.show()
    naive_kernel_ms.append(1000 * (time.perf_counter() - start))


interact(show, w=FloatSlider(value=0.5, min=-3.0, max=3.0, step=0.1));
"""


def naive_notebook():
    return one_cell_notebook(NAIVE_SOURCE, "naive")


# -- in the kernel: the live explorers, their widgets tagged with their model ids ---------------------

FIND_EXPLORERS = r"""
def _bp_bench_explorers():
    from backprop_helpers.widgets.explorer import Explorer

    found = {e.widget.model_id: e for e in list(Explorer.instances)}
    for model_id, explorer in found.items():
        explorer.widget.add_class("bp-bench-" + model_id)  # the page's .bp-explorer node says which it is
    return found

_bp_bench = _bp_bench_explorers()
print(__import__("json").dumps({model_id: type(e).__name__ for model_id, e in _bp_bench.items()}))
"""

# the explorer's own record of its updates since the last call (seconds per phase), then forgotten
KERNEL_TIMINGS = (
    "print(__import__('json').dumps(list(_bp_bench[{id!r}].timings))); _bp_bench[{id!r}].timings.clear()"
)
BENCH_CLASS = "bp-bench-"

NAIVE_SELECTORS = {"figure": ".widget-output", "readout": ".widget-output .jp-RenderedText", "message": None}


def _percentile(values, q):
    values = sorted(values)
    return values[round(q * (len(values) - 1))] if values else float("nan")


def _median(values):
    return statistics.median(values) if values else float("nan")


def _drive(nb, handle, root, selectors, moves, first_key):
    """Warm-up move, then ``moves`` timed key presses on ``handle``; returns the page times in ms."""
    nb.watch(root, selectors)
    handle.scroll_into_view_if_needed()
    handle.click()
    keys = [first_key, "ArrowLeft" if first_key == "ArrowRight" else "ArrowRight"]
    figure_ms, readout_ms = [], []
    for i in range(moves + 1):
        before = nb.explorer_state(root, selectors)
        nb.page.keyboard.press(keys[i % 2])
        # settle=0: done as soon as both changed (a move that changed only one keeps what arrived)
        _, since_key = nb.wait_for_change(
            root, before, timeout=MOVE_TIMEOUT, settle=0, selectors=selectors, key_times=True
        )
        time.sleep(0.15)  # let the kernel go idle: moves are measured one at a time, not queued
        if i == 0:
            continue  # warm-up
        if "src" in since_key:
            figure_ms.append(since_key["src"])
        if "readout" in since_key:
            readout_ms.append(since_key["readout"])
    return figure_ms, readout_ms


def _first_key(nb, root, index):
    info = nb.explorer_controls(root)["sliders"][index]
    if None not in (info["now"], info["min"], info["max"]) and info["max"] > info["min"]:
        if (info["now"] - info["min"]) / (info["max"] - info["min"]) > 0.5:
            return "ArrowLeft"
    return "ArrowRight"


def _responsive_slider(nb, explorer):
    """The first slider (its controls entry) whose move changes both the read-out and the figure, or None."""
    for slider in nb.explorer_controls(explorer)["sliders"]:
        before = nb.explorer_state(explorer)
        nb.press_slider_keys(explorer, slider["index"], presses=1)
        after = nb.wait_for_change(explorer, before, timeout=5.0, settle=0.3)
        if after["src"] != before["src"] and after["readout"] != before["readout"]:
            return slider
    return None


def _phase_medians(timings):
    """Median ms per phase over an explorer's ``timings`` (a list of {"compute", "draw", ...} in seconds)."""
    return {phase: _median([1000 * t[phase] for t in timings]) for phase in timings[0]} if timings else {}


def _kernel_timings(nb, model_id, classes):
    if model_id not in classes:
        return []
    return json.loads(nb.execute_in_kernel(KERNEL_TIMINGS.format(id=model_id)))


def _tag_explorers(nb):
    """Tag every live explorer's widget with its model id (in the kernel); returns model id → class name."""
    classes = json.loads(nb.execute_in_kernel(FIND_EXPLORERS).strip() or "{}")
    untagged = nb.page.locator(f"{nb.PANEL} .bp-explorer:not([class*='{BENCH_CLASS}'])")
    try:  # the classes reach the page by comm message
        untagged.first.wait_for(state="detached", timeout=5000)
    except Exception:  # an explorer the kernel no longer holds: measured, but unnamed
        pass
    return classes


def _model_id(explorer):
    names = (explorer.get_attribute("class") or "").split()
    return next((c.removeprefix(BENCH_CLASS) for c in names if c.startswith(BENCH_CLASS)), "")


def _measure_notebook(browser, lab, name, moves):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    nb = LabNotebook(page, lab, name)
    rows = []
    try:
        nb.open()
        nb.run_all(timeout=300)
        problems = nb.problems()
        if problems:
            return rows, f"{name}: not measured, Run All shows problems: {problems[0].splitlines()[0]}"
        classes = _tag_explorers(nb)
        explorers = nb.explorers()
        for k in range(explorers.count()):
            explorer = explorers.nth(k)
            explorer.scroll_into_view_if_needed()
            model_id = _model_id(explorer)
            row = {"notebook": name, "explorer": classes.get(model_id, f"explorer {k + 1}")}
            slider = _responsive_slider(nb, explorer)
            if slider is None:
                row["error"] = "no slider changes both the read-out and the figure"
                rows.append(row)
                continue
            _kernel_timings(nb, model_id, classes)  # forget the probe's updates
            handle = explorer.locator(".widget-slider").nth(slider["index"]).locator(".noUi-handle").first
            first_key = _first_key(nb, explorer, slider["index"])
            figure_ms, readout_ms = _drive(nb, handle, explorer, EXPLORER_SELECTORS, moves, first_key)
            kernel = _phase_medians(_kernel_timings(nb, model_id, classes)[1:])  # [0]: the warm-up move
            row.update(_summarise(figure_ms, readout_ms, kernel.get("total")))
            row.update(
                slider=slider["label"],
                compute_ms=kernel.get("compute", float("nan")),
                draw_ms=kernel.get("draw", float("nan")),
                render_ms=kernel.get("render", float("nan")),
            )
            rows.append(row)
        return rows, None
    except Exception as error:  # a benchmark reports, it does not fail
        return rows, f"{name}: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    finally:
        nb.shutdown_kernel()
        context.close()


def _summarise(figure_ms, readout_ms, kernel_ms):
    figure = _median(figure_ms)
    kernel = kernel_ms if kernel_ms is not None else float("nan")
    return {
        "moves": len(figure_ms),
        "figure_median_ms": figure,
        "figure_p90_ms": _percentile(figure_ms, 0.9),
        "readout_median_ms": _median(readout_ms),
        "readout_p90_ms": _percentile(readout_ms, 0.9),
        "kernel_ms": kernel,
        "roundtrip_ms": figure - kernel,
    }


def _measure_naive(browser, lab, moves):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    nb = LabNotebook(page, lab, NAIVE_NAME)
    try:
        nb.open()
        nb.run_all(timeout=300)
        root = page.locator(f"{nb.PANEL} .widget-interact").first
        root.locator(".widget-output img").first.wait_for(timeout=30_000)
        handle = root.locator(".noUi-handle").first
        figure_ms, readout_ms = _drive(nb, handle, root, NAIVE_SELECTORS, moves, "ArrowRight")
        kernel_ms = json.loads(nb.execute_in_kernel("import json; print(json.dumps(naive_kernel_ms))"))
        # the first calls are interact's initial one and the warm-up move: the timed moves are the last ones
        return {"figure": figure_ms, "readout": readout_ms, "kernel": kernel_ms[-moves:]}
    finally:
        nb.shutdown_kernel()
        context.close()


def _load():
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def _try_naive(browser, lab, moves, result):
    try:
        return _measure_naive(browser, lab, moves)
    except Exception as error:  # a benchmark reports, it does not fail
        result["skipped"].append(f"naive pattern: {type(error).__name__}: {error}".splitlines()[0])
        return None


def measure(moves=24, notebooks=None):
    """Return {"explorers": [row, ...], "naive": row, "skipped": [...], "moves", "target_ratio"}.

    A row: notebook, explorer, slider, moves, figure/readout median and p90 (ms, in the page), kernel_ms
    (the whole ``update`` in the kernel, median), compute/draw/render medians, roundtrip_ms (figure − kernel)
    and ratio (figure median / naive figure median). ``notebooks``: paths; default notebooks/NN_*.ipynb.
    """
    result = {"explorers": [], "naive": None, "skipped": [], "moves": moves, "target_ratio": TARGET_RATIO}
    reason = missing_browser_reason()
    if reason:
        result["skipped"].append(reason)
        return result
    from playwright.sync_api import sync_playwright

    load_before = _load()
    folder = notebooks_dir()
    paths = [Path(p) for p in notebooks] if notebooks else sorted(folder.glob("[0-9]*.ipynb"))
    paths = [p for p in paths if p.name != NAIVE_NAME]
    with (
        stop_on_sigterm(),
        LabServer(folder, extra_notebooks={NAIVE_NAME: naive_notebook()}) as lab,
        sync_playwright() as p,
    ):
        browser = launch_browser(p)
        naive_runs = []
        try:
            # the naive pattern before and after the explorers, so that both see the same machine load
            naive_runs.append(_try_naive(browser, lab, moves, result))
            for path in paths:
                rows, problem = _measure_notebook(browser, lab, path.name, moves)
                result["explorers"] += rows
                if problem:
                    result["skipped"].append(problem)
            naive_runs.append(_try_naive(browser, lab, moves, result))
        finally:
            browser.close()
    naive_runs = [run for run in naive_runs if run]
    if naive_runs:
        figure = [ms for run in naive_runs for ms in run["figure"]]
        readout = [ms for run in naive_runs for ms in run["readout"]]
        kernel = [ms for run in naive_runs for ms in run["kernel"]]
        result["naive"] = _summarise(figure, readout, _median(kernel))
        result["naive"]["runs_figure_median_ms"] = [_median(run["figure"]) for run in naive_runs]
    result["load"] = (load_before, _load())
    naive = result["naive"]["figure_median_ms"] if result["naive"] else float("nan")
    for row in result["explorers"]:
        row["ratio"] = row.get("figure_median_ms", float("nan")) / naive
    return result


def _ms(value):
    return "–" if value != value else f"{value:.0f} ms"  # NaN → dash


def table(result):
    if not result["explorers"] and not result["naive"]:
        return "\n".join(f"Not measured: {reason}" for reason in result["skipped"]) or "Nothing measured."
    lines = [
        "Page times: key press → new `<img>` src / new read-out text (MutationObserver, median and p90); "
        f"kernel: the explorer's whole update, measured in the kernel; round trip = figure − kernel. "
        f"{result['moves']} moves each (the naive pattern twice, before and after the explorers). "
        f"Target: figure median ≤ {TARGET_RATIO} × naive. Load average (1 min) before / after: "
        + " / ".join(f"{x:.1f}" for x in result.get("load", ()))
        + f" on {os.cpu_count()} cores.",
        "",
        "| notebook | explorer (slider) | figure median | figure p90 | read-out median | read-out p90 "
        "| kernel (model · artists · blit+PNG) | round trip | ratio to naive | target ≤ 0.5 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["explorers"]:
        if "error" in r:
            lines.append(f"| {r['notebook']} | {r['explorer']} | {r['error']} | | | | | | | |")
            continue
        verdict = "–" if r["ratio"] != r["ratio"] else ("met" if r["ratio"] <= TARGET_RATIO else "MISSED")
        kernel = f"{_ms(r['kernel_ms'])} ({r['compute_ms']:.1f} · {r['draw_ms']:.1f} · {r['render_ms']:.1f})"
        lines.append(
            f"| {r['notebook'].removesuffix('.ipynb')} | {r['explorer']} ({r['slider']}) | "
            f"{_ms(r['figure_median_ms'])} | {_ms(r['figure_p90_ms'])} | {_ms(r['readout_median_ms'])} | "
            f"{_ms(r['readout_p90_ms'])} | {kernel} | {_ms(r['roundtrip_ms'])} | {r['ratio']:.2f} | {verdict} |"
        )
    n = result["naive"]
    if n:
        lines.append(
            "| naive `interact` + pyplot | re-created figure (w; per run "
            + " / ".join(_ms(x) for x in n.get("runs_figure_median_ms", []))
            + f") | {_ms(n['figure_median_ms'])} | "
            f"{_ms(n['figure_p90_ms'])} | {_ms(n['readout_median_ms'])} | {_ms(n['readout_p90_ms'])} | "
            f"{_ms(n['kernel_ms'])} (whole callback) | {_ms(n['roundtrip_ms'])} | 1.00 | |"
        )
    for reason in result["skipped"]:
        lines.append(f"\nNot measured: {reason}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(measure()))
