"""book/build.py's staging, without building: solution cells folded, the Colab cell left out, the landing page.

The build itself (jupyter-book, -W -n) runs in `make book`; the pages are checked in a browser by
tests/browser/test_book.py.
"""

import importlib.util
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SPEC = importlib.util.spec_from_file_location("book_build", ROOT / "book" / "build.py")
book_build = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(book_build)

README = """# Title

First paragraph of the README,
on two lines.

Second paragraph.

## The notebooks

| notebook | what you do in it |
|---|---|
| [01 · One](notebooks/01_one.ipynb) | the first thing |
| [02 · Two](notebooks/02_two.ipynb) | [![badge](https://example.org/b.svg)](https://example.org) | the second thing |

## Where to run it

| [01 · One](notebooks/01_one.ipynb) | not this table |
"""


def notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def test_solution_cells_get_a_folded_toggle_and_keep_their_tag():
    solution = nbformat.v4.new_code_cell("answer = 1", metadata={"tags": ["solution"]})
    other = nbformat.v4.new_code_cell("x = 1")
    nb = notebook(other, solution)
    assert book_build.hide_solutions(nb) == 1
    assert solution.metadata["tags"] == ["solution", "hide-cell"]
    assert solution.metadata["mystnb"]["code_prompt_show"] == "Show the solution"
    assert "tags" not in other.metadata
    assert book_build.hide_solutions(nb) == 1
    assert solution.metadata["tags"] == ["solution", "hide-cell"], "a second pass adds nothing"


def test_the_colab_cell_is_removed_from_the_pages_only_by_its_id():
    colab = nbformat.v4.new_code_cell("# On Google Colab: …")
    colab.id = "colab-install"
    other = nbformat.v4.new_code_cell("import sys")
    nb = notebook(colab, other)
    assert book_build.remove_colab_cell(nb)
    assert colab.metadata["tags"] == ["remove-cell"]
    assert "tags" not in other.metadata
    assert not book_build.remove_colab_cell(notebook(other))


def test_readme_parts_read_the_first_paragraph_and_the_notebook_table_only():
    paragraph, rows = book_build.readme_parts(README)
    assert paragraph == "First paragraph of the README,\non two lines."
    assert rows == [
        ("01 · One", "01_one.ipynb", "the first thing"),
        ("02 · Two", "02_two.ipynb", "the second thing"),
    ]


def test_intro_lists_every_notebook_with_links_to_its_page(tmp_path, capsys):
    paths = []
    for name, title in [
        ("01_one.ipynb", "# 01 · One"),
        ("03_three.ipynb", "# 03 · Three, not in the README"),
    ]:
        nbformat.write(notebook(nbformat.v4.new_markdown_cell(title)), tmp_path / name)
        paths.append(tmp_path / name)
    page = book_build.intro_page(README, paths)
    assert "| [01 · One](01_one.ipynb) | the first thing |" in page
    assert "| [03 · Three, not in the README](03_three.ipynb) |  |" in page
    assert "02_two" not in page, "a README row without a notebook gets no link (it would be a dead one)"
    assert "notebooks/" not in page
    assert "03_three.ipynb" in capsys.readouterr().out
