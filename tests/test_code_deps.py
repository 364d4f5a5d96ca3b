"""The static import graph that decides which rules a code edit re-runs (rlp_pipeline.workflow.code_deps)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from conftest import REPO
from rlp_pipeline.workflow import code_deps
from rlp_pipeline.workflow.code_deps import cached_code_dependencies, code_dependencies

PACKAGE = REPO / "src" / "rlp_pipeline"


def write_package(root: Path, files: dict[str, str]) -> Path:
    """A throw-away package called rlp_pipeline below `root`, with the given files."""
    package = root / "rlp_pipeline"
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return package


CLI = """
    import sys
    from .problems import InputError

    def run(arguments):
        if arguments.command == "draw":
            from .drawing import draw
            draw()
        elif arguments.command in ("count", "count-more"):
            from .sub.counting import count
            count()
        elif arguments.command == "both":
            from . import drawing, alone
"""


@pytest.fixture
def toy(tmp_path) -> Path:
    return write_package(tmp_path, {
        "__init__.py": "",
        "__main__.py": "from .cli import main\n",
        "cli.py": CLI,
        "problems.py": "",
        "drawing.py": "import numpy\nfrom .fmt import f\n\ndef draw():\n    from rlp_pipeline.colours import c\n",
        "fmt.py": "",
        "colours.py": "import rlp_pipeline.fmt\n",
        "alone.py": "",
        "unused.py": "from .drawing import draw\n",
        "sub/__init__.py": "",
        "sub/counting.py": "from ..fmt import f\nfrom . import helpers\n",
        "sub/helpers.py": "",
    })


def names(package: Path, files: list[str]) -> set[str]:
    return {Path(f).relative_to(package).as_posix() for f in files}


ENTRY = {"__init__.py", "__main__.py", "cli.py", "problems.py"}


def test_a_command_depends_on_its_branch_and_what_it_imports_lazily_or_not(toy):
    assert names(toy, code_dependencies(toy, "draw")) == ENTRY | {"drawing.py", "fmt.py", "colours.py"}


def test_sub_packages_relative_imports_and_commands_sharing_a_branch(toy):
    expected = ENTRY | {"sub/__init__.py", "sub/counting.py", "sub/helpers.py", "fmt.py"}
    assert names(toy, code_dependencies(toy, "count")) == expected
    assert names(toy, code_dependencies(toy, "count-more")) == expected


def test_from_package_import_module_counts_the_module(toy):
    assert names(toy, code_dependencies(toy, "both")) == ENTRY | {"drawing.py", "alone.py", "fmt.py", "colours.py"}


def test_documents_add_the_modules_their_cells_import(toy, tmp_path):
    notebook = tmp_path / "audit.ipynb"
    notebook.write_text(json.dumps({"cells": [
        {"cell_type": "markdown", "source": ["from rlp_pipeline import alone"]},
        {"cell_type": "code", "source": ["%matplotlib inline\n", "from rlp_pipeline.sub import helpers\n"]},
    ]}), encoding="utf-8")
    quarto = tmp_path / "index.qmd"
    quarto.write_text("Text `import x`.\n\n```{python}\n#| echo: false\nimport rlp_pipeline.alone\n```\n", encoding="utf-8")
    style = tmp_path / "style.css"
    style.write_text("body { color: black; }\n", encoding="utf-8")
    found = names(toy, code_dependencies(toy, "draw", (notebook, quarto, style)))
    assert found == ENTRY | {"drawing.py", "fmt.py", "colours.py", "sub/__init__.py", "sub/helpers.py", "alone.py"}


def test_an_unknown_command_is_an_error_naming_it(toy):
    with pytest.raises(ValueError, match=r"cli\.py: no branch of run\(\) handles the command 'figures'"):
        code_dependencies(toy, "figures")


def test_the_real_stages_depend_on_their_own_modules_only():
    figures = names(PACKAGE, code_dependencies(PACKAGE, "figures"))
    assert "stages/figures.py" in figures and "fmt.py" in figures
    assert not {"stages/stability.py", "stages/tests.py", "stages/sample.py", "stages/validate.py", "reporting/document.py"} & figures
    chunk = names(PACKAGE, code_dependencies(PACKAGE, "stability-chunk"))
    assert {"stages/stability.py", "stages/tests.py", "stages/findings.py", "stages/sample.py"} <= chunk
    assert not {"stages/figures.py", "reporting/document.py", "reporting/render.py", "stages/audit.py"} & chunk
    report = names(PACKAGE, code_dependencies(PACKAGE, "report", (REPO / "report" / "index.qmd",)))
    assert {"reporting/document.py", "reporting/render.py"} <= report and "stages/figures.py" not in report


def test_the_cache_answers_like_the_analysis_and_follows_edits(toy, tmp_path, monkeypatch):
    cache = tmp_path / "cache" / "code-deps.json"
    expected = code_dependencies(toy, "draw")
    assert cached_code_dependencies(toy, "draw", cache=cache) == expected
    # A new process answers from the file, without analysing anything.
    code_deps.forget()
    with monkeypatch.context() as patch:
        patch.setattr(code_deps, "code_dependencies", lambda *arguments: pytest.fail("analysed again"))
        assert cached_code_dependencies(toy, "draw", cache=cache) == expected
    # An edit (new size and time) invalidates the stored answers.
    code_deps.forget()
    drawing = toy / "drawing.py"
    drawing.write_text(drawing.read_text() + "from . import alone\n", encoding="utf-8")
    assert "alone.py" in names(toy, cached_code_dependencies(toy, "draw", cache=cache))
    # An unreadable cache file is ignored and replaced.
    code_deps.forget()
    cache.write_text("{not json", encoding="utf-8")
    assert cached_code_dependencies(toy, "draw", cache=cache) == code_dependencies(toy, "draw")
    assert json.loads(cache.read_text())["answers"]
