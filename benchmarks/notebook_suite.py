"""Notebook suite: nbval wall time per notebook, against the floor of a notebook that only imports torch.

    .venv/bin/python -m benchmarks.notebook_suite [NOTEBOOK ...]      # from the repository root

Each notebook is run on its own, in a subprocess, with the same strict nbval command as ``make nbval``
(the flags are read from the Makefile), and the wall time of the whole command is recorded: pytest start,
collection, kernel start, every cell, the comparison and the kernel's shutdown. The floor is the same command
on a scratch notebook whose only cell is ``import torch`` (pytest + kernel start + the import), written to
``benchmarks/.work/`` (gitignored) so that the repository's ``conftest.py`` and ``pyproject.toml`` apply
to it as to the real ones. The floor is run before every notebook and once after the last (at least
``floor_runs`` times in all), so a machine that gets busier or quieter during the run moves the floor as it
moves the notebooks; the median is the reference and the spread (min–max) is printed beside it, with the load
average before and after. A ratio is only as good as that spread: on a shared machine, read both. The CPU time
of each command (user + system of pytest and of every process it waited for, the kernel included) is given
beside the wall time, with the same ratios: it counts the work, not the waiting for a busy CPU, so it moves far
less with the load; the targets are read on the wall time, as a learner waits it.
Targets: the suite's Σ ≤ 1.5 × (N × floor), i.e. the notebooks' own cells cost at most half a kernel start each
on average, and every notebook ≤ 2.5 × floor. Nothing here fails on a time; a notebook that fails nbval is
reported as such.
"""

import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["floor_notebook", "measure", "nbval_flags", "one_cell_notebook", "run_nbval", "table"]

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / ".work"
FLOOR_NAME = "floor_import_torch.ipynb"
TARGET_FACTOR = 1.5
TARGET_EACH = 2.5
DEFAULT_FLAGS = [
    "--nbval",
    "--nbval-current-env",
    "--nbval-cell-timeout=900",
    "--nbval-sanitize-with",
    "tests/nbval_sanitize.cfg",
]


def nbval_flags(makefile=REPO / "Makefile"):
    """``NBVAL_FLAGS`` as the Makefile defines it (continuation lines joined); the defaults if absent."""
    try:
        text = makefile.read_text()
    except OSError:
        return list(DEFAULT_FLAGS)
    match = re.search(r"^NBVAL_FLAGS\s*:?=\s*((?:.*\\\n)*.*)$", text, re.MULTILINE)
    if not match:
        return list(DEFAULT_FLAGS)
    flags = match.group(1).replace("\\\n", " ").split()
    return flags if "--nbval" in flags or "--nbval-lax" in flags else list(DEFAULT_FLAGS)


def one_cell_notebook(source, cell_id, execution_count=None):
    """A notebook (as a dict for json.dump) with one code cell and no outputs, on the python3 kernel."""
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
        },
        "cells": [
            {
                "cell_type": "code",
                "id": cell_id,
                "metadata": {},
                "source": source,
                "outputs": [],
                "execution_count": execution_count,
            }
        ],
    }


def floor_notebook():
    return one_cell_notebook("import torch", "floor", execution_count=1)


def _children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_nbval(path):
    """The Makefile's nbval command on one notebook → (wall seconds, passed, pytest's closing line, CPU seconds).

    CPU seconds: user + system time of pytest and every process it waited for (the kernel included), so
    what other processes on the machine do moves it far less than the wall time."""
    command = [sys.executable, "-m", "pytest", *nbval_flags(), str(path)]
    cpu_start, start = _children_cpu_seconds(), time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    seconds, cpu = time.perf_counter() - start, _children_cpu_seconds() - cpu_start
    lines = [
        line.strip("= ") for line in done.stdout.splitlines() if re.search(r"\d+ (passed|failed|error)", line)
    ]
    return seconds, done.returncode == 0, (lines[-1] if lines else f"exit {done.returncode}"), cpu


def measure(notebooks=None, floor_runs=5):
    """Return {"notebooks": {name: {"seconds", "cpu_s", "passed", "summary", "ratio", "cpu_ratio"}},
    "floor_s" and "floor_cpu_s" (medians), their runs, "total_s", "total_cpu_s", "n", "budget_s", "ratio",
    "cpu_ratio", "command", "load"}; ratio = total / (N × floor), the same in CPU time for cpu_ratio."""
    paths = [Path(p) for p in notebooks] if notebooks else sorted((REPO / "notebooks").glob("[0-9]*.ipynb"))
    WORK.mkdir(parents=True, exist_ok=True)
    floor_path = WORK / FLOOR_NAME
    floor_path.write_text(json.dumps(floor_notebook(), indent=1))
    load_before = os.getloadavg()[0]
    floors = [run_nbval(floor_path)]  # the first run also warms the disk cache for the ones that follow
    results = {}
    for path in paths:
        seconds, passed, summary, cpu = run_nbval(path)
        results[path.name] = {"seconds": seconds, "passed": passed, "summary": summary, "cpu_s": cpu}
        floors.append(run_nbval(floor_path))
    while len(floors) < floor_runs:
        floors.append(run_nbval(floor_path))
    floor = statistics.median(run[0] for run in floors)
    floor_cpu = statistics.median(run[3] for run in floors)
    for nb in results.values():
        nb["ratio"], nb["cpu_ratio"] = nb["seconds"] / floor, nb["cpu_s"] / floor_cpu
    total = sum(r["seconds"] for r in results.values())
    total_cpu = sum(r["cpu_s"] for r in results.values())
    n = len(results)
    return {
        "notebooks": results,
        "floor_s": floor,
        "floor_runs": [run[0] for run in floors],
        "floor_cpu_s": floor_cpu,
        "floor_cpu_runs": [run[3] for run in floors],
        "floor_passed": all(run[1] for run in floors),
        "total_s": total,
        "total_cpu_s": total_cpu,
        "n": n,
        "budget_s": TARGET_FACTOR * n * floor,
        "ratio": total / (n * floor) if n else float("nan"),
        "cpu_ratio": total_cpu / (n * floor_cpu) if n else float("nan"),
        "command": " ".join(["python -m pytest", *nbval_flags(), "NOTEBOOK"]),
        "load": (load_before, os.getloadavg()[0]),
    }


def _spread(values):
    return f"{min(values):.2f}–{max(values):.2f} s: " + ", ".join(f"{v:.2f}" for v in values)


def table(r):
    runs, cpu_runs = r["floor_runs"], r["floor_cpu_runs"]
    lines = [
        f"Each notebook alone: `{r['command']}`, wall time of the whole command, and its CPU time (user + "
        "system of pytest and the kernel: other processes move it far less). Floor: the same on a notebook "
        "that only imports torch, run before every notebook and after the last: wall median "
        f"{r['floor_s']:.2f} s of {len(runs)} (spread {_spread(runs)}); CPU median {r['floor_cpu_s']:.2f} s "
        f"(spread {_spread(cpu_runs)}). Load average (1 min) before / after: {r['load'][0]:.1f} / "
        f"{r['load'][1]:.1f} on {os.cpu_count()} cores.",
        "",
        f"| notebook | wall time | over the floor | × floor | target ≤ {TARGET_EACH} | CPU | CPU × floor | nbval |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, nb in r["notebooks"].items():
        each = "met" if nb["ratio"] <= TARGET_EACH else "MISSED"
        lines.append(
            f"| {name.removesuffix('.ipynb')} | {nb['seconds']:.1f} s | {nb['seconds'] - r['floor_s']:+.1f} s | "
            f"{nb['ratio']:.2f} | {each} | {nb['cpu_s']:.1f} s | {nb['cpu_ratio']:.2f} | "
            f"{'passed' if nb['passed'] else 'FAILED'}: {nb['summary']} |"
        )
    verdict = "met" if r["n"] and r["total_s"] <= r["budget_s"] else "MISSED"
    if not r["n"]:
        verdict = "no notebooks"
    lines += [
        f"| floor (`import torch`) | {r['floor_s']:.1f} s | | 1.00 | | {r['floor_cpu_s']:.1f} s | 1.00 | "
        f"{'passed' if r['floor_passed'] else 'FAILED'} |",
        f"| **total, {r['n']} notebooks** | **{r['total_s']:.1f} s** | {r['total_s'] - r['n'] * r['floor_s']:+.1f} s "
        f"| **{r['ratio']:.2f} × N** | ≤ {TARGET_FACTOR} × N × floor = {r['budget_s']:.1f} s: {verdict} "
        f"| {r['total_cpu_s']:.1f} s | {r['cpu_ratio']:.2f} × N | |",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(measure(sys.argv[1:] or None)))
