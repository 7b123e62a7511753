"""tests/regen.py keeps a timing cell's stored output when a re-run changed only its numbers, and only then."""

import nbformat
from regen import keep_measured

SOURCE = "# NBVAL_IGNORE_OUTPUT\nprint(f'{t:.2f} ms  {r:.0f}×')"


def notebook(text, source=SOURCE):
    cell = nbformat.v4.new_code_cell(source, id="timing")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    return nbformat.v4.new_notebook(cells=[cell])


def stored(text, source=SOURCE):
    return {"timing": {"source": source, "outputs": notebook(text, source).cells[0].outputs}}


def test_new_numbers_in_the_same_lines_keep_the_stored_output():
    nb = keep_measured(notebook("  9.81 ms  2518×\n"), stored("223.60 ms  12×\n"))
    assert nb.cells[0].outputs[0]["text"] == "223.60 ms  12×\n"


def test_a_changed_line_takes_the_new_output():
    nb = keep_measured(notebook("9.81 ms  2518× faster\n"), stored("223.60 ms  12×\n"))
    assert nb.cells[0].outputs[0]["text"] == "9.81 ms  2518× faster\n"


def test_a_changed_cell_takes_the_new_output():
    nb = keep_measured(notebook("9.81 ms  2518×\n"), stored("223.60 ms  12×\n", source=SOURCE + "\n# edited"))
    assert nb.cells[0].outputs[0]["text"] == "9.81 ms  2518×\n"


def test_cells_nbval_compares_are_never_kept():
    nb = notebook("0.25\n", source="print(0.25)")
    nb = keep_measured(
        nb, {"timing": {"source": "print(0.25)", "outputs": notebook("0.26\n").cells[0].outputs}}
    )
    assert nb.cells[0].outputs[0]["text"] == "0.25\n"
