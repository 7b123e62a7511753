"""Re-execute notebooks in place and store them clean, so that two runs in a row leave no diff.

    python tests/regen.py notebooks/01_manual_single_neuron.ipynb [...]

Executes with nbclient (kernel ``python3``, cwd = the notebook's folder, no timing recorded), then applies
``clean_notebook``: volatile metadata goes (what ``nbstripout --keep-output --keep-count`` strips, and the
Python patch version); widget views go too, since no widget state is stored and a view without its model
only shows "model not found" — the explorers leave a static PNG beside the view, which stays.
"""

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

__all__ = ["clean_notebook", "regen"]

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
VOLATILE_CELL_METADATA = ("collapsed", "scrolled", "ExecuteTime", "execution", "heading_collapsed", "hidden")


def clean_notebook(nb):
    """Strip what changes from run to run or machine to machine; keep outputs and execution counts."""
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("signature", None)
    nb.metadata.get("language_info", {}).pop("version", None)
    for cell in nb.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_MIME, None)
            if output.get("output_type") in ("display_data", "execute_result"):
                output.setdefault("metadata", {})
    return nb


def regen(path, timeout=900):
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        coalesce_streams=True,  # one stdout output per cell: how the kernel chunks prints varies with load
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    nbformat.write(clean_notebook(nb), path)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python tests/regen.py NOTEBOOK.ipynb [...]")
    for name in sys.argv[1:]:
        print(f"regen {name}", flush=True)
        regen(name)
