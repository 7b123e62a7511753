"""``make bench``: every benchmark in one run, printed as tables and written to benchmarks/results.md.

Each figure is measured side by side with its reference in the same run (a ratio), with the machine
described at the top. Nothing here fails on a time: targets are printed beside the numbers.
Set BENCH_SKIP=cold,browser to leave out the slow parts (keys: nbval, browser, headless, mlp, cold, memory,
digits).

    .venv/bin/python -m benchmarks.run      # from the repository root, so benchmarks/ and labdriver/ import
"""

import os
import platform
from datetime import datetime, timezone
from pathlib import Path

import torch

from benchmarks import (
    browser_latency,
    cold_setup,
    digits_epoch,
    explorer_update,
    kernel_memory,
    mlp_epoch,
    notebook_suite,
)

HERE = Path(__file__).resolve().parent


def machine():
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, torch {torch.__version__} ({torch.get_num_threads()} threads)"
    )


def main():
    skip = set(filter(None, os.environ.get("BENCH_SKIP", "").split(",")))
    sections = [
        ("1. Notebook suite (nbval wall time vs kernel-start floor)", "nbval", notebook_suite),
        ("2. Slider → repaint in JupyterLab + Chromium", "browser", browser_latency),
        ("3. Headless explorer update", "headless", explorer_update),
        ("4. Manual MLP vs autograd, one XOR epoch", "mlp", mlp_epoch),
        ("5. Cold set-up on a fresh clone", "cold", cold_setup),
        ("6. Kernel memory (peak RSS after Run All vs import-torch floor)", "memory", kernel_memory),
        ("7. Digits: hand backprop vs autograd, one epoch; time to 95 %", "digits", digits_epoch),
    ]
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [f"# Benchmark results\n\n{stamp} · {machine()}\n"]
    print(out[0])
    for title, key, module in sections:
        print(f"## {title}\n", flush=True)
        if key in skip:
            text = "(skipped: BENCH_SKIP)"
        else:
            text = module.table(module.measure())
        print(text + "\n", flush=True)
        out.append(f"## {title}\n\n{text}\n")
    (HERE / "results.md").write_text("\n".join(out))
    print(f"written to {HERE / 'results.md'}")


if __name__ == "__main__":
    main()
