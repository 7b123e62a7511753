"""Notebook suite: nbval wall time per notebook, against the floor of a notebook that only imports torch.

    .venv/bin/python benchmarks/notebook_suite.py

Each notebook is run on its own, in a subprocess, with the same strict nbval command as ``make nbval``
(the flags are read from the Makefile), and the wall time of the whole command is recorded: pytest start,
collection, kernel start, every cell and the comparison. The floor is the same command on a scratch
notebook whose only cell is ``import torch`` (pytest + kernel start + the import), written to
``benchmarks/.work/`` (gitignored) so that the repository's ``conftest.py`` and ``pyproject.toml`` apply
to it as to the real ones; it is run before and after the notebooks and its median is used.
Target: total ≤ 1.5 × (N × floor), i.e. the notebooks' own cells cost at most half a kernel start each
on average. Nothing here fails on a time; a notebook that fails nbval is reported as such.
"""

import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / ".work"
FLOOR_NAME = "floor_import_torch.ipynb"
TARGET_FACTOR = 1.5
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


def run_nbval(path):
    """Wall time of the Makefile's nbval command on one notebook → (seconds, passed, pytest's closing line)."""
    command = [sys.executable, "-m", "pytest", *nbval_flags(), str(path)]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    lines = [
        line.strip("= ") for line in done.stdout.splitlines() if re.search(r"\d+ (passed|failed|error)", line)
    ]
    return seconds, done.returncode == 0, (lines[-1] if lines else f"exit {done.returncode}")


def measure(notebooks=None, floor_runs=3):
    """Return {"notebooks": {name: {"seconds", "passed", "summary"}}, "floor_s", "floor_runs", "total_s",
    "n", "budget_s", "ratio"}; ratio = total / (N × floor), target ≤ 1.5."""
    paths = [Path(p) for p in notebooks] if notebooks else sorted((REPO / "notebooks").glob("[0-9]*.ipynb"))
    WORK.mkdir(parents=True, exist_ok=True)
    floor_path = WORK / FLOOR_NAME
    floor_path.write_text(json.dumps(floor_notebook(), indent=1))
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    floors = []
    before = max(1, floor_runs - floor_runs // 2)
    for _ in range(before):  # the first run also warms the disk cache for the ones that follow
        floors.append(run_nbval(floor_path))
    results = {}
    for path in paths:
        seconds, passed, summary = run_nbval(path)
        results[path.name] = {"seconds": seconds, "passed": passed, "summary": summary}
    for _ in range(floor_runs - before):
        floors.append(run_nbval(floor_path))
    floor = statistics.median(s for s, _, _ in floors)
    total = sum(r["seconds"] for r in results.values())
    n = len(results)
    return {
        "notebooks": results,
        "floor_s": floor,
        "floor_runs": [s for s, _, _ in floors],
        "floor_passed": all(ok for _, ok, _ in floors),
        "total_s": total,
        "n": n,
        "budget_s": TARGET_FACTOR * n * floor,
        "ratio": total / (n * floor) if n else float("nan"),
        "command": " ".join(["python -m pytest", *nbval_flags(), "NOTEBOOK"]),
        "load": (load_before, os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")),
    }


def table(r):
    lines = [
        f"Each notebook alone: `{r['command']}`, wall time of the whole command. Floor: the same on a notebook "
        f"that only imports torch (median of {len(r['floor_runs'])}: "
        + ", ".join(f"{s:.1f}" for s in r["floor_runs"])
        + f" s). Load average (1 min) before / after: {r['load'][0]:.1f} / {r['load'][1]:.1f} "
        f"on {os.cpu_count()} cores.",
        "",
        "| notebook | wall time | over the floor | × floor | nbval |",
        "|---|---|---|---|---|",
    ]
    for name, nb in r["notebooks"].items():
        lines.append(
            f"| {name.removesuffix('.ipynb')} | {nb['seconds']:.1f} s | {nb['seconds'] - r['floor_s']:+.1f} s | "
            f"{nb['seconds'] / r['floor_s']:.2f} | {'passed' if nb['passed'] else 'FAILED'}: {nb['summary']} |"
        )
    verdict = "met" if r["n"] and r["total_s"] <= r["budget_s"] else "MISSED"
    if not r["n"]:
        verdict = "no notebooks"
    lines += [
        f"| floor (`import torch`) | {r['floor_s']:.1f} s | | 1.00 | {'passed' if r['floor_passed'] else 'FAILED'} |",
        f"| **total, {r['n']} notebooks** | **{r['total_s']:.1f} s** | {r['total_s'] - r['n'] * r['floor_s']:+.1f} s "
        f"| {r['ratio']:.2f} × N | target ≤ {TARGET_FACTOR} × N × floor = {r['budget_s']:.1f} s: {verdict} |",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(measure()))
