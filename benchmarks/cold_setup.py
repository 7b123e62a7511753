"""Cold set-up: ``make test`` on a fresh clone, the install and the tests timed separately.

    .venv/bin/python benchmarks/cold_setup.py

Clones the current commit into a temporary folder (``../shared`` is not needed by ``make test``), runs
``make install`` (venv + pip + kernel) and then ``make test``, and reports both wall times, the venv size
and the number of tests from pytest's closing line. pip's own cache is left as it is, as on a machine that
has installed Python packages before; set PIP_NO_CACHE_DIR=1 to measure a truly cold download.
"""

import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(command, cwd):
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-2000:]
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{tail}")
    return elapsed, done.stdout


def _size_mb(path):
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


def measure():
    """Return {"install_s", "test_s", "venv_mb", "tests"}."""
    with tempfile.TemporaryDirectory(prefix="bp-cold-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        install_s, _ = _run(["make", "install"], clone)
        test_s, out = _run(["make", "test"], clone)
        venv_mb = _size_mb(clone / ".venv")
        closing = [line for line in out.splitlines() if re.search(r"\d+ passed", line)]
        shutil.rmtree(clone / ".venv", ignore_errors=True)
    return {
        "install_s": install_s,
        "test_s": test_s,
        "venv_mb": venv_mb,
        "tests": closing[-1].strip("= ") if closing else "?",
    }


def table(r):
    return "\n".join(
        [
            "| step | wall time | notes |",
            "|---|---|---|",
            f"| `make install` (venv, pip, kernel) | {r['install_s']:.0f} s | venv {r['venv_mb']:.0f} MB |",
            f"| `make test` (ruff, unit tests, nbval) | {r['test_s']:.0f} s | {r['tests']} |",
        ]
    )


if __name__ == "__main__":
    print(table(measure()))
