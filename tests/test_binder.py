"""Binder: what mybinder.org would build from binder/, read from ``repo2docker --no-build --debug``.

repo2docker writes the Dockerfile it would build and prints it (``--debug``) without building anything, so no
Docker is needed. The checks: the conda environment is Python 3.11 (the outputs are made there; the root
environment.yml would let conda pick 3.10); it is installed before the repository is copied in, so a commit
that touches only notebooks or code reuses that layer; the package itself comes last, from binder/postBuild
(``set -e``; ``pip install --no-deps -e .``). binder/environment.yml has every runtime dependency of
pyproject.toml at its lower bound, JupyterLab, no test tools and no pip lines. The README's Binder badge
opens the repository named in pyproject.toml.

What this cannot check here: that conda-forge solves the environment and Binder's real build succeeds.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from colab_cell import BRANCH, repository_url
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
PYTHON = "3.11"
ENV_UPDATE = 'env update -p ${NB_PYTHON_PREFIX} --file "binder/environment.yml"'
COPY_REPOSITORY = "COPY --chown=0:0 src/ ${REPO_DIR}/"
POSTBUILD_RUN = "RUN ./binder/postBuild"
# pyproject.toml's runtime dependencies under their conda-forge names (the CPU build of torch; matplotlib
# without the Qt backends)
CONDA_NAMES = {"torch": "pytorch-cpu", "matplotlib": "matplotlib-base"}
TEST_TOOLS = {"pytest", "nbval", "hypothesis", "ruff", "nbclient", "nbformat", "nbstripout", "playwright"}
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"


def repo2docker(folder):
    """``repo2docker --no-build --debug folder``: the Dockerfile it would build and its log, as (stdout, stderr)."""
    result = subprocess.run(
        [sys.executable, "-m", "repo2docker", "--no-build", "--debug", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"repo2docker failed ({result.returncode}):\n{result.stderr[-3000:]}"
    return result.stdout, result.stderr


def build_problems(dockerfile, log, python=PYTHON):
    """What is wrong with the build repo2docker wrote: a list of sentences, empty when it is as it should be."""
    problems = []
    chosen = re.search(r"Building conda environment for python=(\S+)", log)
    if chosen is None:
        problems.append("repo2docker did not build a conda environment (is binder/environment.yml read?)")
    elif chosen.group(1) != python:
        problems.append(f"the environment is Python {chosen.group(1)}, not {python}")
    # repo2docker names the files it copies in escaped form (escapism: "-2e" for ".", "-2d" for "-")
    unescaped = re.sub(r"-([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), dockerfile)
    # linux-64, or linux-aarch64 when repo2docker runs on an arm64 machine
    lock = rf"environment\.py-{re.escape(python)}-linux-[a-z0-9_]+\.lock\S* /tmp/env/environment\.lock"
    if not re.search(lock, unescaped):
        problems.append(f"the base environment is not repo2docker's Python {python} lock file")
    positions = {
        name: dockerfile.find(text)
        for name, text in [("env", ENV_UPDATE), ("copy", COPY_REPOSITORY), ("postBuild", POSTBUILD_RUN)]
    }
    missing = [name for name, at in positions.items() if at < 0]
    if missing:
        problems.append(f"the Dockerfile lacks the step(s) {missing}")
    elif not positions["env"] < positions["copy"] < positions["postBuild"]:
        problems.append(
            "the order is not: binder/environment.yml installed, then the repository copied, then postBuild"
        )
    before_copy = dockerfile[: max(positions["copy"], 0)]
    early = [line for line in before_copy.splitlines() if line.startswith("COPY") and "src/" in line]
    if early != ["COPY --chown=0:0 src/binder/environment.yml ${REPO_DIR}/binder/environment.yml"]:
        problems.append(f"files of the repository copied before the environment is built: {early}")
    return problems


def environment(path=BINDER / "environment.yml"):
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def runtime_requirements():
    """pyproject.toml's ``dependencies`` as {name: lower bound}."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: tomli, which pytest installs there
        import tomli as tomllib
    with open(ROOT / "pyproject.toml", "rb") as file:
        dependencies = tomllib.load(file)["project"]["dependencies"]
    return dict(
        re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9.]+)", d.split(";")[0].strip()).groups()
        for d in dependencies
    )


@pytest.fixture(scope="module")
def binder_build():
    return repo2docker(ROOT)


def test_binder_build_is_python_311_with_the_environment_before_the_repository(binder_build):
    dockerfile, log = binder_build
    assert build_problems(dockerfile, log) == []


def test_the_check_fails_when_binder_says_python_310(tmp_path):
    shutil.copytree(BINDER, tmp_path / "binder")
    env_file = tmp_path / "binder" / "environment.yml"
    text = env_file.read_text(encoding="utf-8")
    assert "  - python=3.11\n" in text
    env_file.write_text(text.replace("  - python=3.11\n", "  - python=3.10\n"), encoding="utf-8")
    problems = build_problems(*repo2docker(tmp_path))
    assert any("Python 3.10, not 3.11" in problem for problem in problems), problems


def test_the_check_fails_on_the_root_environment_alone(tmp_path):
    """Without binder/, repo2docker reads the root environment.yml: Python 3.10 (its default for
    ``python>=3.10``), installed after the repository is copied in."""
    shutil.copy2(ROOT / "environment.yml", tmp_path / "environment.yml")
    problems = build_problems(*repo2docker(tmp_path))
    assert any("Python 3.10, not 3.11" in problem for problem in problems), problems
    assert any("lacks the step" in problem for problem in problems), problems


def test_environment_has_the_runtime_dependencies_and_no_test_tools():
    env = environment()
    assert env["channels"] == ["conda-forge"]
    entries = env["dependencies"]
    assert all(isinstance(entry, str) for entry in entries), (
        "no pip: section (the package comes from postBuild)"
    )
    specs = dict(
        re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(?:>=|=)?\s*([0-9.]*)", entry).groups() for entry in entries
    )
    assert specs.get("python") == PYTHON
    for name, bound in runtime_requirements().items():
        conda_name = CONDA_NAMES.get(name, name)
        assert specs.get(conda_name) == bound, (
            f"binder/environment.yml: {conda_name}>={bound} (pyproject's {name})"
        )
    assert "jupyterlab" in specs
    assert not TEST_TOOLS & set(specs), (
        f"test tools in Binder's environment: {sorted(TEST_TOOLS & set(specs))}"
    )


def test_postbuild_installs_the_package_without_dependencies():
    postbuild = BINDER / "postBuild"
    lines = [line.strip() for line in postbuild.read_text(encoding="utf-8").splitlines()]
    commands = [line for line in lines if line and not line.startswith("#")]
    assert commands == ["set -e", "pip install --no-deps -e ."]
    assert postbuild.stat().st_mode & 0o111, "binder/postBuild must be executable"


def test_readme_binder_badge_opens_this_repository_in_lab():
    owner_name = repository_url().removeprefix("https://github.com/")
    target = f"https://mybinder.org/v2/gh/{owner_name}/{BRANCH}?urlpath=lab/tree/notebooks"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"[![Binder]({BINDER_BADGE})]({target})" in readme
