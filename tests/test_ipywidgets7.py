"""The explorers under ipywidgets 7.7.1, the version Colab runs (issue 13).

ipywidgets 7 has no ``Widget._repr_mimebundle_`` (its ``_ipython_display_`` displays at once), so an explorer that
asked its VBox for one showed Colab users an AttributeError instead of the explorer. Here 7.7.1 is installed with
``--no-deps`` into ``<venv>/ipywidgets7`` (once; pip, from the package index), a child process puts it in front of
the venv's ipywidgets 8, and every explorer is built, displayed and has every control moved and every button
clicked: no exception, the widget-view bundle names the explorer's own model, the picture changes.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
TARGET = Path(sys.prefix) / "ipywidgets7"
VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def reports():
    if not (TARGET / "ipywidgets" / "__init__.py").exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
             "--target", str(TARGET), "-r", str(TESTS / "ipywidgets7.txt")],
            check=True,
        )  # fmt: skip
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(TARGET), str(TESTS.parent)]))
    run = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", str(TESTS / "ipywidgets7_child.py")],
        capture_output=True, text=True, env=env, cwd=TESTS.parent, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    return lines[0], {line["explorer"]: line for line in lines[1:]}


def explorer_names():
    from backprop_helpers import widgets as explorers

    return [
        name
        for name in explorers.__all__
        if name.endswith("Explorer") and getattr(explorers, name) is not explorers.Explorer
    ]


def test_the_child_runs_ipywidgets_7(reports):
    header, _ = reports
    assert header["ipywidgets"] == "7.7.1"


@pytest.mark.parametrize("name", explorer_names())
def test_the_explorer_displays_and_responds_under_ipywidgets_7(reports, name):
    _, by_name = reports
    report = by_name[name]
    assert report["errors"] == []
    assert {VIEW, "image/png", "text/plain"} <= set(report["mime"])
    assert report["model_id_matches"]
    assert report["follows"]
    assert report["changed"], "no control changed the picture"
