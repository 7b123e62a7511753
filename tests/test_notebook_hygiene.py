"""The stored notebooks are clean: executed in order, no errors, no machine paths, no volatile metadata."""

import copy
import json
import re
from pathlib import Path

import nbformat
import pytest
from regen import WIDGET_MIME, clean_notebook

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("[0-9]*.ipynb"))
ABSOLUTE_PATH = re.compile(r"(/root/|/home/\w+|/tmp/|/Users/\w+|site-packages/|[A-Z]:\\\\Users)")

pytestmark = pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks yet")


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook(request):
    return nbformat.read(request.param, as_version=4)


def test_kernel_is_python3(notebook):
    assert notebook.metadata.kernelspec.name == "python3"


def test_every_code_cell_executed_in_order(notebook):
    counts = [c.execution_count for c in _code_cells(notebook)]
    assert None not in counts, "a code cell was never executed: run make regen"
    assert counts == list(range(1, len(counts) + 1))


def test_no_stored_errors(notebook):
    errors = [o for c in _code_cells(notebook) for o in c.outputs if o.output_type == "error"]
    assert errors == []


def test_no_absolute_paths(notebook):
    for cell in notebook.cells:
        assert not ABSOLUTE_PATH.search(cell.source), cell.source[:80]
        for output in cell.get("outputs", []):
            text = output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
            assert not ABSOLUTE_PATH.search(text), text[:200]


def test_metadata_is_clean(notebook):
    assert clean_notebook(copy.deepcopy(notebook)) == notebook, "volatile metadata stored: run make regen"
    for cell in _code_cells(notebook):
        for output in cell.outputs:
            assert WIDGET_MIME not in output.get("data", {})


def test_no_svg_and_small_file(notebook):
    # nbval compares SVG text, which differs on every render; PNG is skipped. Keep the repository light.
    text = json.dumps(notebook)
    assert "image/svg+xml" not in text
    assert len(text) < 1_500_000


def test_starts_with_a_title(notebook):
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")


@pytest.mark.parametrize("index", range(len(NOTEBOOKS) - 1), ids=[p.name for p in NOTEBOOKS[:-1]])
def test_links_to_the_next_notebook(index):
    nb = nbformat.read(NOTEBOOKS[index], as_version=4)
    prose = "".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert f"({NOTEBOOKS[index + 1].name})" in prose
