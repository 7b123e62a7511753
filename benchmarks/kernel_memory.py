"""Kernel memory: the peak RSS of each notebook's kernel after Run All, against import-only floors.

    .venv/bin/python -m benchmarks.kernel_memory              # the table, from the repository root
    .venv/bin/python -m benchmarks.kernel_memory --cells notebooks/05_xor.ipynb     # RSS and time per cell
    .venv/bin/python -m benchmarks.kernel_memory --cells NOTEBOOK --env MALLOC_ARENA_MAX=2 --prelude CODE

Method. Each notebook is run top to bottom with nbclient in a fresh kernel, started exactly as strict nbval
starts it (``--nbval-current-env``: nbval's own kernelspec manager, this interpreter, the notebook's folder
as working directory). The kernel is the process nbclient launched (``km.provisioner.pid``, checked to be an
``ipykernel_launcher``); after every cell its ``/proc/<pid>/status`` is read from outside, so no code runs in
the kernel for the measurement and nothing is added to it. The figure is ``VmHWM`` after the last cell: the
kernel's peak RSS over its whole life, pages touched only briefly included (a large temporary tensor counts
even after it is freed). tracemalloc would miss torch's allocator and the shared libraries; RSS sees both.
The RSS left after Run All is split into ``RssAnon`` (private pages: tensors, Python objects, figures, and
the libraries' relocated data, 163 MB of the torch-only floor) and ``RssFile`` (mapped library pages, such
as libtorch's code, which the page cache shares between kernels: two open notebooks pay for them once on the
host, though each kernel's RSS counts them).

The floors are the same measurement on scratch notebooks written to ``benchmarks/.work/``: one whose only
cell is ``import torch``; one that imports torch, ``matplotlib.pyplot`` (the inline backend loads with it)
and ``ipywidgets``; and one that also builds an ``optim.SGD`` (notebooks 04 and 05 teach it, and the first
optimizer imports ``torch._dynamo``). Each floor is run several times, before and after the notebooks, and
its median is used; RSS moves by about 1 MB between runs, whatever the load. Ratio = notebook peak ÷
torch-only floor; target ≤ 1.3. Nothing here fails on a number.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager

from benchmarks.notebook_suite import one_cell_notebook

__all__ = ["floor_sources", "kernel_status", "measure", "run_notebook", "table", "table_cells"]

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / ".work"
TARGET_FACTOR = 1.3
STATUS_FIELDS = ("VmHWM", "VmRSS", "RssAnon", "RssFile")


def floor_sources():
    """{floor name: its one cell's source}: the torch-only floor first (the ratio's reference)."""
    return {
        "import torch": "import torch",
        "torch + matplotlib + ipywidgets": "import torch\nimport matplotlib.pyplot as plt\nimport ipywidgets",
        # torch.optim's Optimizer.add_param_group is wrapped in torch._disable_dynamo, which imports
        # torch._dynamo (sympy, torch._inductor.config, ...) on the first optimizer built: 04 and 05 pay it
        "… + one optim.SGD": "import torch\nimport matplotlib.pyplot as plt\nimport ipywidgets\n"
        "from torch import nn, optim\n\n_ = optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1)",
    }


def kernel_status(pid):
    """The memory lines of /proc/<pid>/status in MB: {"VmHWM": peak RSS, "VmRSS", "RssAnon", "RssFile"}."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in STATUS_FIELDS:
            values[key] = int(rest.split()[0]) / 1024  # kB -> MB
    return values


def _kernel_pid(client):
    pid = client.km.provisioner.pid
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    if "ipykernel" not in cmdline:
        raise RuntimeError(f"pid {pid} is not an ipykernel process: {cmdline!r}")
    return pid


def run_notebook(path, env=None, prelude=None):
    """Run a notebook in a fresh kernel, reading the kernel's memory after every cell.

    Returns {"peak_mb", "rss_mb", "anon_mb", "file_mb", "seconds", "passed", "error", "cells"}; "cells" holds one
    {"index", "id", "seconds", "rss_mb", "peak_mb", "anon_mb", "first_line"} per code cell, after it ran.
    ``env`` adds variables to the kernel's environment; ``prelude`` is run as an extra first cell (both only for
    experiments: the table uses neither).
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    if prelude:
        nb.cells.insert(0, nbformat.v4.new_code_cell(prelude))
    km = KernelManager(kernel_name=CURRENT_ENV_KERNEL_NAME, kernel_spec_manager=NbvalKernelspecManager())
    client = NotebookClient(nb, km=km, timeout=900, resources={"metadata": {"path": str(path.parent)}})
    cells, error, status = [], None, {}
    start = time.perf_counter()
    with client.setup_kernel(env={**os.environ, **(env or {})}, stderr=subprocess.DEVNULL):
        pid = _kernel_pid(client)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            cell_start = time.perf_counter()
            try:
                client.execute_cell(cell, index)
            except Exception as exc:  # a failing cell is reported, the memory so far still read
                error = f"cell {index}: {getattr(exc, 'ename', type(exc).__name__)}"
            status = kernel_status(pid)
            cells.append(
                {
                    "index": index,
                    "id": cell.get("id", ""),
                    "seconds": time.perf_counter() - cell_start,
                    "rss_mb": status["VmRSS"],
                    "peak_mb": status["VmHWM"],
                    "anon_mb": status["RssAnon"],
                    "first_line": cell.source.strip().splitlines()[0] if cell.source.strip() else "",
                }
            )
            if error:
                break
    return {
        "peak_mb": status.get("VmHWM", float("nan")),
        "rss_mb": status.get("VmRSS", float("nan")),
        "anon_mb": status.get("RssAnon", float("nan")),
        "file_mb": status.get("RssFile", float("nan")),
        "seconds": time.perf_counter() - start,
        "passed": error is None,
        "error": error,
        "cells": cells,
    }


def _floor_path(number, source):
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"floor_memory_{number}.ipynb"
    path.write_text(json.dumps(one_cell_notebook(source, f"floor-{number}"), indent=1))
    return path


def measure(notebooks=None, floor_runs=3):
    """Return {"notebooks": {name: run_notebook result}, "floors": {name: {"runs": [peak MB], "median_mb",
    "anon_mb"}}, "floor_mb": torch-only median, "load": (before, after)}; ratio = peak / floor_mb."""
    paths = [Path(p) for p in notebooks] if notebooks else sorted((REPO / "notebooks").glob("[0-9]*.ipynb"))
    floor_paths = {name: _floor_path(i, src) for i, (name, src) in enumerate(floor_sources().items())}
    load_before = os.getloadavg()[0]
    floor_runs_done = {name: [] for name in floor_paths}
    before = max(1, floor_runs - floor_runs // 2)
    for _ in range(before):
        for name, path in floor_paths.items():
            floor_runs_done[name].append(run_notebook(path))
    results = {path.name: run_notebook(path) for path in paths}
    for _ in range(floor_runs - before):
        for name, path in floor_paths.items():
            floor_runs_done[name].append(run_notebook(path))
    floors = {
        name: {
            "runs": [run["peak_mb"] for run in runs],
            "median_mb": statistics.median(run["peak_mb"] for run in runs),
            "anon_mb": statistics.median(run["anon_mb"] for run in runs),
            "passed": all(run["passed"] for run in runs),
        }
        for name, runs in floor_runs_done.items()
    }
    return {
        "notebooks": results,
        "floors": floors,
        "floor_mb": floors[next(iter(floors))]["median_mb"],
        "load": (load_before, os.getloadavg()[0]),
    }


def table(r):
    floor = r["floor_mb"]
    floor_text = "; ".join(
        f"{name}: median {f['median_mb']:.0f} MB of " + ", ".join(f"{mb:.0f}" for mb in f["runs"])
        for name, f in r["floors"].items()
    )
    lines = [
        "Each notebook run top to bottom with nbclient in a fresh kernel started as nbval starts it; peak = "
        "the kernel's VmHWM (/proc/<pid>/status) after the last cell; after Run All = its RSS then, private "
        "pages (RssAnon) + mapped libraries (RssFile, shared between kernels). "
        f"Floors, same method: {floor_text}. "
        f"Load average (1 min) before / after: {r['load'][0]:.1f} / {r['load'][1]:.1f} on {os.cpu_count()} cores.",
        "",
        "| notebook | peak RSS | × torch floor | after Run All: private + libraries | run | "
        f"target ≤ {TARGET_FACTOR} × floor |",
        "|---|---:|---:|---|---|---|",
    ]
    for name, nb in r["notebooks"].items():
        ratio = nb["peak_mb"] / floor
        verdict = "met" if ratio <= TARGET_FACTOR else "MISSED"
        lines.append(
            f"| {name.removesuffix('.ipynb')} | {nb['peak_mb']:.0f} MB | {ratio:.2f} | "
            f"{nb['anon_mb']:.0f} + {nb['file_mb']:.0f} MB | {'passed' if nb['passed'] else nb['error']} | "
            f"{verdict} |"
        )
    for name, f in r["floors"].items():
        lines.append(
            f"| floor (`{name}`) | {f['median_mb']:.0f} MB | {f['median_mb'] / floor:.2f} | "
            f"{f['anon_mb']:.0f} MB private | {'passed' if f['passed'] else 'FAILED'} | |"
        )
    runs = r["notebooks"].values()
    by_rss = sum(nb["peak_mb"] for nb in runs)
    shared_once = by_rss - sum(nb["file_mb"] for nb in runs) + max((nb["file_mb"] for nb in runs), default=0)
    lines += [
        "",
        f"All {len(r['notebooks'])} notebooks open at once, each kernel at its peak: {by_rss:.0f} MB by RSS, which "
        f"counts the mapped libraries once per kernel; about {shared_once:.0f} MB with them counted once.",
    ]
    return "\n".join(lines)


def table_cells(run):
    """Per-cell read-out of one run_notebook result: RSS after the cell, its growth, the peak so far, time."""
    lines = [
        "| cell | id | first line | time | RSS after | Δ RSS | private (RssAnon) | peak so far |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    previous = None
    for cell in run["cells"]:
        delta = "" if previous is None else f"{cell['rss_mb'] - previous:+.1f}"
        first = cell["first_line"][:60].replace("|", "\\|")
        lines.append(
            f"| {cell['index']} | {cell['id']} | `{first}` | {cell['seconds']:.2f} s | {cell['rss_mb']:.1f} | "
            f"{delta} | {cell['anon_mb']:.1f} | {cell['peak_mb']:.1f} |"
        )
        previous = cell["rss_mb"]
    lines.append(f"\nwhole run {run['seconds']:.1f} s, {'passed' if run['passed'] else run['error']}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cells", metavar="NOTEBOOK", help="print RSS and time after each cell of one notebook"
    )
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="kernel environment")
    parser.add_argument("--prelude", help="code run as an extra first cell (experiments only)")
    parser.add_argument("--floor-runs", type=int, default=3)
    args = parser.parse_args(argv)
    if args.cells:
        env = dict(item.split("=", 1) for item in args.env)
        print(table_cells(run_notebook(args.cells, env=env, prelude=args.prelude)))
    else:
        print(table(measure(floor_runs=args.floor_runs)))


if __name__ == "__main__":
    sys.exit(main())
