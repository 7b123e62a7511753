"""Drive JupyterLab in headless Chromium, for the browser test (tests/browser) and the latency benchmark.

Three modules, imported by name (``from labdriver.server import LabServer``):

``server``   a throwaway ``jupyter lab`` on loopback serving a temporary copy of the notebooks
``browser``  which Chromium to drive, whether it is there, how it is launched
``page``     one notebook open in one Playwright page: open, Run All, its explorers, the kernel's problems;
             its in-page half is ``page.js``, loaded into the page at run time

Not part of the ``backprop-helpers`` distribution (pyproject installs ``backprop_helpers*`` only): it is
run from a checkout, where the repository root is on ``sys.path`` (pytest's root ``conftest.py``,
``python -m benchmarks.…`` from the root).
"""

__all__: list[str] = []
