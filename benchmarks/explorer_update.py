"""Headless explorer update: control change → state + artists + Agg draw + PNG, per explorer.

    .venv/bin/python -m benchmarks.explorer_update

For every explorer in ``backprop_helpers.widgets``, every slider is moved back and forth between two
nearby values; each move runs the explorer's whole update synchronously (as a browser's slider message
would), and the time of the assignment is recorded. The phases are the base's own record of each update
(``explorer.timings``): the model, the artist updates and the blit + PNG encode. Target: median ≤ 30 ms.
"""

import statistics
import time

import ipywidgets as widgets

import backprop_helpers.widgets as explorers

TARGET_MS = 30.0
SLIDERS = (widgets.FloatSlider, widgets.IntSlider, widgets.FloatLogSlider)


def _explorer_classes():
    for name in explorers.__all__:
        cls = getattr(explorers, name)
        if isinstance(cls, type) and issubclass(cls, explorers.Explorer) and cls is not explorers.Explorer:
            yield name, cls


def _two_values(slider):
    """Two nearby valid values around the slider's current one."""
    step = slider.step if not isinstance(slider, widgets.FloatLogSlider) else 0
    if isinstance(slider, widgets.FloatLogSlider):
        return slider.value, slider.value * slider.base**0.1
    low = max(slider.min, slider.value - step)
    high = min(slider.max, low + step)
    return (low, high) if high != low else (slider.value, slider.value - step)


def _ms(seconds):
    return 1000 * seconds


def measure(moves=30):
    """Return {explorer: {"median_ms", "p90_ms", "compute_ms", "draw_ms", "render_ms", "moves"}}."""
    results = {}
    for name, cls in _explorer_classes():
        explorer = cls()
        totals = []
        explorer.timings.clear()
        for control in explorer.controls.values():
            if not isinstance(control, SLIDERS):
                continue
            original = control.value
            a, b = _two_values(control)
            for i in range(moves):
                start = time.perf_counter()
                control.value = a if i % 2 else b
                totals.append(time.perf_counter() - start)
            control.value = original
        phases = {key: [t[key] for t in explorer.timings] for key in ("compute", "draw", "render")}
        totals.sort()
        results[name] = {
            "median_ms": _ms(statistics.median(totals)) if totals else float("nan"),
            "p90_ms": _ms(totals[int(0.9 * (len(totals) - 1))]) if totals else float("nan"),
            "compute_ms": _ms(statistics.median(phases["compute"])),
            "draw_ms": _ms(statistics.median(phases["draw"])),
            "render_ms": _ms(statistics.median(phases["render"])),
            "moves": len(totals),
            "png_kb": len(explorer.image.value) / 1024,
        }
    return results


def table(results):
    lines = [
        "| explorer | median | p90 | model | artists | blit + PNG | PNG size | moves | target ≤ 30 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        verdict = "met" if r["median_ms"] <= TARGET_MS else "MISSED"
        lines.append(
            f"| {name} | {r['median_ms']:.1f} ms | {r['p90_ms']:.1f} ms | {r['compute_ms']:.2f} ms | "
            f"{r['draw_ms']:.2f} ms | {r['render_ms']:.1f} ms | {r['png_kb']:.0f} kB | {r['moves']} | {verdict} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(measure()))
