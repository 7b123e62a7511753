"""Write the Colab install cell into every notebook and the Open in Colab badges into the README, from one URL.

    python tests/colab_cell.py

The repository's address is ``[project.urls] Repository`` in pyproject.toml; change it there and run this script
again. Each notebook's first code cell (id ``colab-install``) installs the package from that repository on
Colab only, with ``--no-deps`` so that Colab keeps its own torch and ipywidgets; anywhere else it does nothing
and prints nothing, so the stored outputs and strict nbval are unchanged. Running the script again changes
nothing. When it inserts the cell it also renumbers the execution counts after it, as ``make regen`` would
(the cell's own count is 1, its output empty), so the notebooks stay clean without a re-execution.
"""

import re
import sys
from pathlib import Path

import nbformat

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: tomli, which pytest installs there
    import tomli as tomllib

__all__ = [
    "BRANCH",
    "CELL_ID",
    "repository_url",
    "colab_url",
    "install_source",
    "badge_block",
    "write_cell",
    "write_badges",
]

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
BRANCH = "main"  # the branch Colab opens and installs from
CELL_ID = "colab-install"
BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
BLOCK_START = (
    "<!-- colab badges: written by `python tests/colab_cell.py` from pyproject.toml's Repository -->"
)
BLOCK_END = "<!-- colab badges end -->"


def repository_url(pyproject=ROOT / "pyproject.toml"):
    """``[project.urls] Repository``, without a trailing slash or ``.git``; it must be a GitHub address."""
    with open(pyproject, "rb") as file:
        url = tomllib.load(file)["project"]["urls"]["Repository"]
    url = url.rstrip("/").removesuffix(".git")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url):
        raise ValueError(
            f"Repository must be https://github.com/OWNER/NAME (Colab opens GitHub files), got {url!r}"
        )
    return url


def colab_url(notebook_name, url):
    """The address that opens ``notebooks/<notebook_name>`` of the repository at ``BRANCH`` in Colab."""
    return f"https://colab.research.google.com/github/{url.removeprefix('https://github.com/')}/blob/{BRANCH}/notebooks/{notebook_name}"


def install_source(url):
    """The first code cell of every notebook: pip install on Colab only, silent and inert elsewhere."""
    requirement = f"backprop-helpers @ git+{url}@{BRANCH}"
    return (
        "# On Google Colab: install the course's helper package (Colab's own torch and ipywidgets stay).\n"
        "# Anywhere else this cell does nothing: run the notebooks locally with `make lab`.\n"
        "import subprocess\n"
        "import sys\n"
        "\n"
        f'colab_requirement = "{requirement}"\n'
        'if "google.colab" in sys.modules:\n'
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", colab_requirement], check=True)'
    )


def _title(path):
    """The notebook's title: its first markdown cell's '# ' line."""
    first = nbformat.read(path, as_version=4).cells[0].source.splitlines()[0]
    return first.removeprefix("# ").strip()


def badge_block(url, notebooks=None):
    """The README's table of Open in Colab badges, one row per notebook, between its two marker comments."""
    notebooks = sorted(NOTEBOOKS.glob("[0-9]*.ipynb")) if notebooks is None else notebooks
    rows = [
        f"| [{_title(path)}](notebooks/{path.name}) | [![Open In Colab]({BADGE})]({colab_url(path.name, url)}) |"
        for path in notebooks
    ]
    return "\n".join([BLOCK_START, "| notebook | open it in Colab |", "|---|---|", *rows, BLOCK_END])


def write_cell(path, url):
    """Put the install cell first among the notebook's code cells, or bring an existing one up to date."""
    nb = nbformat.read(path, as_version=4)
    source = install_source(url)
    cells = [cell for cell in nb.cells if cell.get("id") == CELL_ID]
    if cells:
        cells[0].source = source
    else:
        cell = nbformat.v4.new_code_cell(source)
        cell.id = CELL_ID
        cell.execution_count = 1  # its output off Colab is nothing at all
        first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        for later in nb.cells[first_code:]:  # every count after it moves on by one, as a re-execution gives
            if later.cell_type == "code" and later.execution_count is not None:
                later.execution_count += 1
                for output in later.outputs:
                    if "execution_count" in output and output.execution_count is not None:
                        output.execution_count += 1
        nb.cells.insert(first_code, cell)
    nbformat.validate(nb)
    nbformat.write(nb, path)


def write_badges(readme, url):
    """Replace the README's badge block (between the markers, which must be there) with a fresh one."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(BLOCK_START), text.index(BLOCK_END) + len(BLOCK_END)
    readme.write_text(text[:start] + badge_block(url) + text[end:], encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit(
            "usage: python tests/colab_cell.py   (no arguments: it writes every notebook and the README)"
        )
    url = repository_url()
    for path in sorted(NOTEBOOKS.glob("[0-9]*.ipynb")):
        write_cell(path, url)
        print(f"colab cell: {path.relative_to(ROOT)}")
    write_badges(ROOT / "README.md", url)
    print("colab badges: README.md")
