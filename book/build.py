"""Build the static book (``make book``): the stored notebooks, outputs included, as HTML in ``_build/html/``.

Nothing is executed (nbval already re-runs the notebooks). The notebooks are staged into ``build/book/``
beside this folder's ``_config.yml``, ``_toc.yml`` and its one Sphinx extension (``repeated_scripts.py``),
with these changes made on the copies only:

- a cell tagged ``solution`` also gets ``hide-cell``: the book shows a collapsed "Show the solution" toggle
  in its place, so a self-learner sees the exercise first (the stored notebooks keep the tag ``solution``
  alone, which ``make student`` reads);
- the Colab install cell (id ``colab-install``, a no-op off Colab) is left out of the pages;
- the landing page ``intro.md`` is written from the README: its first paragraph and its notebook table,
  with the links pointing at the pages.

Then ``jupyter-book build`` with ``-W -n`` (every warning and every missing reference is an error).
MathJax 3 comes from the ``sphinx-mathjax-offline`` extension (copied into ``_build/html/_static/mathjax/``),
so the math renders with no network.

    .venv/bin/python book/build.py        # what make book runs
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
BOOK = REPO / "book"
STAGE = REPO / "build" / "book"
OUTPUT = REPO  # jupyter-book writes <OUTPUT>/_build/html
BOOK_FILES = ("_config.yml", "_toc.yml", "repeated_scripts.py")  # copied beside the staged notebooks
NOTEBOOK_GLOB = "[0-9]*.ipynb"
SOLUTION_TAG = "solution"
HIDE_TAG = "hide-cell"
COLAB_CELL_ID = "colab-install"  # tests/colab_cell.py's install cell: inert off Colab, noise in a book
SOLUTION_PROMPTS = {"code_prompt_show": "Show the solution", "code_prompt_hide": "Hide the solution"}
NOTEBOOK_LINK = re.compile(r"\[([^\]]+)\]\(notebooks/([0-9][^)]*\.ipynb)\)")


def notebooks(folder=REPO / "notebooks"):
    """The stored notebooks, in order: ``notebooks/NN_*.ipynb``."""
    return sorted(folder.glob(NOTEBOOK_GLOB))


def hide_solutions(nb):
    """Give every ``solution`` cell the ``hide-cell`` tag and a "Show the solution" prompt; return how many."""
    count = 0
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if SOLUTION_TAG in tags:
            if HIDE_TAG not in tags:
                cell.metadata["tags"] = [*tags, HIDE_TAG]
            cell.metadata.setdefault("mystnb", {}).update(SOLUTION_PROMPTS)
            count += 1
    return count


def remove_colab_cell(nb):
    """Tag the Colab install cell (id ``colab-install``) ``remove-cell``; return whether there was one."""
    for cell in nb.cells:
        if cell.get("id") == COLAB_CELL_ID:
            cell.metadata["tags"] = [*cell.metadata.get("tags", []), "remove-cell"]
            return True
    return False


def readme_parts(readme_text):
    """The README's first paragraph and the rows of its notebook table, as ``(paragraph, rows)``.

    Each row is ``(link text, notebook file name, description)``: the first cell that links to
    ``notebooks/NN_*.ipynb`` and the first later cell that is not a picture (a badge).
    """
    body = readme_text.split("\n# ", 1)[-1].split("\n", 1)[1]
    paragraph = body.strip().split("\n\n", 1)[0].strip()
    section = readme_text.split("\n## The notebooks", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        for k, cell in enumerate(cells):
            match = NOTEBOOK_LINK.search(cell)
            if match:
                later = [c for c in cells[k + 1 :] if c and "![" not in c]
                rows.append((match.group(1), match.group(2), later[0] if later else ""))
                break
    return paragraph, rows


def notebook_title(path):
    """The notebook's first Markdown heading, without its ``#``s (the file's stem if it has none)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return path.stem


def intro_page(readme_text, paths):
    """The landing page's MyST text: the README's first paragraph and its table, one row per notebook.

    A notebook the README's table does not list yet gets a row titled by its first heading (and a note
    on stdout), so the book still has every notebook.
    """
    paragraph, rows = readme_parts(readme_text)
    described = {name: (text, what) for text, name, what in rows}
    table = ["| notebook | what you do in it |", "|---|---|"]
    for path in paths:
        if path.name not in described:
            print(
                f"note: README.md's notebook table has no row for {path.name}; the book titles it by its heading"
            )
        text, what = described.get(path.name, (notebook_title(path), ""))
        table.append(f"| [{text}]({path.name}) | {what} |")
    return "\n".join(
        [
            "# Backprop, by hand and by autograd",
            "",
            paragraph,
            "",
            "This book shows the stored notebooks with their outputs; an explorer appears as its picture. "
            "To move its sliders, run the notebook in JupyterLab (the README says how). "
            "Each exercise's worked solution is folded away under **Show the solution**.",
            "",
            *table,
            "",
        ]
    )


def stage(stage_dir=STAGE):
    """Write the book's sources into ``stage_dir``: config, toc, intro and the notebooks; return the count."""
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    stage_dir.mkdir(parents=True)
    for name in BOOK_FILES:
        shutil.copy2(BOOK / name, stage_dir / name)
    paths = notebooks()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (stage_dir / "intro.md").write_text(intro_page(readme, paths), encoding="utf-8")
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        hide_solutions(nb)
        remove_colab_cell(nb)
        nbformat.write(nb, stage_dir / path.name)
    return len(paths)


def build(stage_dir=STAGE, output=OUTPUT):
    """Run ``jupyter-book build`` on the staged sources, from scratch, warnings as errors; return its exit code.

    The old ``_build/`` goes first, so no page of a renamed or removed notebook is left behind.
    """
    shutil.rmtree(output / "_build", ignore_errors=True)
    command = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        str(stage_dir),
        "--path-output",
        str(output),
        "--all",
        "-W",
        "-n",
        "--keep-going",
    ]
    return subprocess.call(command)


def main():
    count = stage()
    print(f"staged {count} notebooks into {STAGE.relative_to(REPO)}/")
    code = build()
    if code == 0:
        print(f"book: {OUTPUT.joinpath('_build', 'html', 'index.html').relative_to(REPO)}")
    return code


if __name__ == "__main__":
    sys.exit(main())
