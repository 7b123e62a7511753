"""The Colab install cell and the README's Open in Colab badges: up to date with pyproject.toml's Repository,
inert outside Colab, and on Colab a ``pip install --no-deps`` of the package from that repository."""

import contextlib
import io
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest
from colab_cell import (
    BRANCH,
    CELL_ID,
    badge_block,
    colab_url,
    install_source,
    repository_url,
    write_badges,
    write_cell,
)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
URL = repository_url()

pytestmark = pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks yet")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_the_first_code_cell_is_the_install_cell_as_the_script_writes_it(path):
    nb = nbformat.read(path, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert first.get("id") == CELL_ID and first.source == install_source(URL), (
        f"{path.name}: out of date: run python tests/colab_cell.py"
    )
    assert first.outputs == [] and first.execution_count == 1  # it prints nothing off Colab
    assert sum(cell.get("id") == CELL_ID for cell in nb.cells) == 1


def test_the_readme_badges_are_as_the_script_writes_them():
    block = badge_block(URL)
    assert block in (ROOT / "README.md").read_text(encoding="utf-8"), "run python tests/colab_cell.py"
    for path in NOTEBOOKS:  # one badge per notebook, to the notebook at the repository's branch
        assert f"({colab_url(path.name, URL)})" in block
        assert colab_url(path.name, URL).endswith(f"/blob/{BRANCH}/notebooks/{path.name}")


def test_the_address_comes_from_pyproject_and_must_be_a_github_repository(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project.urls]\nRepository = "https://github.com/someone/course.git/"\n')
    url = repository_url(pyproject)
    assert url == "https://github.com/someone/course"
    assert "git+https://github.com/someone/course@" in install_source(url)
    assert colab_url("01_x.ipynb", url) == (
        f"https://colab.research.google.com/github/someone/course/blob/{BRANCH}/notebooks/01_x.ipynb"
    )
    pyproject.write_text('[project.urls]\nRepository = "https://gitlab.com/someone/course"\n')
    with pytest.raises(ValueError, match=r"github\.com/OWNER/NAME"):
        repository_url(pyproject)


def _run_cell(source, monkeypatch, on_colab):
    """Execute the cell's code as a kernel would, pip replaced by a recorder; what it printed and ran."""
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        exec(compile(source, "<colab cell>", "exec"), {})
    return printed.getvalue(), calls


def test_off_colab_the_cell_does_nothing_and_prints_nothing(monkeypatch):
    assert _run_cell(install_source(URL), monkeypatch, on_colab=False) == ("", [])


def test_on_colab_the_cell_pip_installs_the_package_without_its_dependencies(monkeypatch):
    printed, calls = _run_cell(install_source(URL), monkeypatch, on_colab=True)
    assert printed == "" and len(calls) == 1
    (command,), options = calls[0]
    assert command[:4] == [sys.executable, "-m", "pip", "install"] and "--no-deps" in command
    assert command[-1] == f"backprop-helpers @ git+{URL}@{BRANCH}" and options == {"check": True}


def test_writing_twice_changes_nothing_and_keeps_the_notebook_clean(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 99 · A title"), nbformat.v4.new_code_cell("print(1)")]
    nb.cells[1].execution_count = 1
    nb.cells[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=1)]
    path = tmp_path / "99_x.ipynb"
    nbformat.write(nb, path)
    write_cell(path, URL)
    once = path.read_text(encoding="utf-8")
    write_cell(path, URL)
    assert path.read_text(encoding="utf-8") == once
    cells = nbformat.read(path, as_version=4).cells
    assert [c.get("id") for c in cells[:2]] == [nb.cells[0].id, CELL_ID]  # after the title, before the code
    assert (
        cells[2].execution_count == 2 and cells[2].outputs[0].execution_count == 2
    )  # as a re-run numbers it

    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{badge_block(URL, [])}\nafter\n", encoding="utf-8")
    write_badges(readme, "https://github.com/someone/course")
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("before\n") and text.endswith("\nafter\n") and "someone/course" in text
