"""The student edition (``make student``): the stored notebooks, the teacher edition, without their worked solutions.

``build/student/NN_*.ipynb`` must be exactly what nbconvert's TagRemovePreprocessor makes of ``notebooks/NN_*.ipynb``
(cell ids, metadata and outputs all), with no cell tagged ``solution`` left. Each exercise's solution is a code
cell right after its stub that calls the same checker, and no cell outside the solutions reads a name a solution
cell binds: removed, they take nothing the rest of the notebook needs, and the rest computes what it did.
``make test`` runs ``make student`` first, then strict nbval on the student edition as on the teacher edition.
"""

import ast
import copy
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from nbconvert.preprocessors import TagRemovePreprocessor

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
STUDENT = ROOT / "build" / "student"
TAG = "solution"

pytestmark = pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks yet")


def strip(nb):
    """The student edition of a notebook, as make student writes it."""
    preprocessor = TagRemovePreprocessor(enabled=True, remove_cell_tags={TAG})
    return preprocessor.preprocess(copy.deepcopy(nb), {})[0]


def _is_solution(cell):
    return TAG in cell.metadata.get("tags", [])


def _tree(cell):
    return ast.parse(TransformerManager().transform_cell(cell.source))  # %magics become Python


def _top_level_bindings(tree):
    """Names a cell binds in the notebook's namespace: assignments, loops, defs and imports outside functions."""
    names, todo = set(), list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)  # its body's names are its own
            continue
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        todo.extend(ast.iter_child_nodes(node))
    return names


def _reads(tree):
    """Names a cell reads that it does not bind itself anywhere (a safe under-estimate of what it takes in)."""
    loaded, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
    return loaded - bound


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def path(request):
    return request.param


def test_every_notebook_has_a_solution_cell(path):
    nb = nbformat.read(path, as_version=4)
    assert any(_is_solution(cell) for cell in nb.cells), f"{path.name}: no cell tagged {TAG!r}"


def test_each_solution_follows_its_stub_and_calls_the_same_checker(path):
    cells = nbformat.read(path, as_version=4).cells
    for index, cell in enumerate(cells):
        if not _is_solution(cell) or cell.cell_type != "code":
            continue
        stub = next(c for c in reversed(cells[:index]) if not _is_solution(c))
        assert stub.cell_type == "code", f"{cell.id}: the cell before a solution is its exercise's stub"
        checkers = {
            name
            for name in _reads(_tree(stub)) | _top_level_bindings(_tree(stub))
            if name.startswith("check_")
        }
        called = {
            node.func.id
            for node in ast.walk(_tree(cell))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        }
        assert checkers and checkers & called, (
            f"{cell.id}: calls none of its stub's checkers {sorted(checkers)}"
        )


def test_no_cell_outside_the_solutions_reads_a_name_a_solution_binds(path):
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    for index, cell in enumerate(cells):
        if not _is_solution(cell):
            continue
        bound = _top_level_bindings(_tree(cell))
        for later in cells[index + 1 :]:
            if not _is_solution(later):
                shared = bound & _reads(_tree(later))
                assert not shared, f"{later.id} reads {sorted(shared)}, bound by the solution cell {cell.id}"


def test_the_build_is_a_fresh_strip_of_the_teacher_edition(path):
    built = STUDENT / path.name
    assert built.exists(), f"{built.relative_to(ROOT)} is missing: run make student"
    student = nbformat.read(built, as_version=4)
    assert student == strip(nbformat.read(path, as_version=4)), f"{built.name} is stale: run make student"
    assert not any(_is_solution(cell) for cell in student.cells)
    assert [c.id for c in student.cells] == [
        c.id for c in nbformat.read(path, as_version=4).cells if not _is_solution(c)
    ]


def test_the_build_holds_no_other_notebook():
    assert sorted(p.name for p in STUDENT.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]
