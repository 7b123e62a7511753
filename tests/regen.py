"""Re-execute notebooks in place and store them clean, so that two runs in a row leave no diff.

    python tests/regen.py notebooks/01_manual_single_neuron.ipynb [...]

Executes with nbclient (kernel ``python3``, cwd = the notebook's folder, no timing recorded), then applies
``clean_notebook``: volatile metadata goes (what ``nbstripout --keep-output --keep-count`` strips, and the
Python patch version); widget views go too, since no widget state is stored and a view without its model
only shows "model not found" — the explorers leave a static PNG beside the view, which stays.

Timings are the one printed measurement that changes from run to run (nbval ignores them: their cells start with
``# NBVAL_IGNORE_OUTPUT``). So that a re-run leaves no diff, such a cell keeps its stored output when the new one
differs from it only in its numbers (``keep_measured``); a change in what the cell prints (another line, another
label) takes the new output. Every stored timing is still one this code measured, on the run that stored it.
"""

import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

__all__ = ["clean_notebook", "keep_measured", "regen"]

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
VOLATILE_CELL_METADATA = ("collapsed", "scrolled", "ExecuteTime", "execution", "heading_collapsed", "hidden")
IGNORE_MARK = "# NBVAL_IGNORE_OUTPUT"
# a number with the padding before it (columns re-align when widths change)
NUMBER = re.compile(r"\s*\d[\d.,]*")


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


def _measured_cells(nb):
    return {
        cell.get("id"): cell
        for cell in nb.cells
        if cell.cell_type == "code" and cell.source.startswith(IGNORE_MARK)
    }


def _shape(outputs):
    """The outputs with every number masked: what a timing cell prints, not what it measured."""
    return [
        (o.get("output_type"), NUMBER.sub("#", o.get("text", "")), sorted(o.get("data", {}))) for o in outputs
    ]


def keep_measured(nb, stored):
    """Put back the stored outputs of ``# NBVAL_IGNORE_OUTPUT`` cells whose new outputs differ only in numbers."""
    for cell_id, cell in _measured_cells(nb).items():
        old = stored.get(cell_id)
        if (
            old is not None
            and old["source"] == cell.source
            and _shape(old["outputs"]) == _shape(cell.outputs)
        ):
            cell.outputs = old["outputs"]
    return nb


def regen(path, timeout=900):
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    stored = {
        # copies as NotebookNodes: nbformat.write reads output.output_type, which a plain dict has not
        cell_id: {"source": cell.source, "outputs": [nbformat.from_dict(o) for o in cell.outputs]}
        for cell_id, cell in _measured_cells(nb).items()
    }
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        coalesce_streams=True,  # one stdout output per cell: how the kernel chunks prints varies with load
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    nbformat.write(keep_measured(clean_notebook(nb), stored), path)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python tests/regen.py NOTEBOOK.ipynb [...]")
    for name in sys.argv[1:]:
        print(f"regen {name}", flush=True)
        regen(name)
