"""Which of the package's source files a stage's command runs: the static import graph.

Snakemake re-runs a job when one of its inputs changes. Listing the whole package as every rule's
input re-ran everything (1,000 stability redraws included) after an edit to the figures' code.
Each rule instead lists the modules its command can import: starting from the command line's
entry point (`python -m rlp_pipeline COMMAND`: the package's __init__, __main__ and cli modules,
and the branch of `cli.run` that handles COMMAND), every `import` of the package's own modules
is followed, whether it sits at the top of a module or inside a function (a lazy import still
runs code the result depends on). Third-party imports are left out: their versions are pinned.

The analysis is static (`ast`): nothing is imported, and it errs on the side of re-running (an
import in a branch the command never takes still counts). Parsing the package takes a few tenths
of a second, too much for each time Snakemake reads the Snakefile (a no-op run should cost little
more than Snakemake's start-up), so the answers are kept in a small JSON file, valid as long as
no source file's size or modification time changes.
"""

from __future__ import annotations

import ast
import json
import re
from functools import lru_cache
from pathlib import Path

PACKAGE = "rlp_pipeline"
# Files the interpreter runs before the command's own branch: `python -m rlp_pipeline` imports
# the package, runs its __main__ module, which imports the command-line module.
ENTRY_MODULES = ("__init__", "__main__", "cli")
ENTRY_FUNCTION = "run"


def module_file(package_dir: Path, dotted: str) -> Path | None:
    """The source file of a module of the package given by its dotted name below the package
    ('importers.qdpx'), or None when no such module exists (an imported name, not a module)."""
    base = package_dir.joinpath(*dotted.split(".")) if dotted else package_dir
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    source = base.with_suffix(".py")
    return source if dotted and source.is_file() else None


def enclosing_packages(package_dir: Path, dotted: str) -> list[Path]:
    """The __init__ files Python runs before a module: the package's and each sub-package's."""
    parts = dotted.split(".") if dotted else []
    found = [package_dir / "__init__.py"]
    for depth in range(1, len(parts)):
        init = package_dir.joinpath(*parts[:depth]) / "__init__.py"
        if init.is_file():
            found.append(init)
    return found


def dotted_name(package_dir: Path, source: Path) -> str:
    """The dotted name below the package of a source file ('' for the package's __init__)."""
    parts = list(source.relative_to(package_dir).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(package_dir: Path, source: Path, nodes: list[ast.AST]) -> set[Path]:
    """The package's files that the import statements among `nodes` (found anywhere below
    them) load, written in `source`: relative imports are resolved from the source's package;
    `from X import name` loads X, and name too when name is a sub-module of X."""
    current = dotted_name(package_dir, source)
    is_package = source.name == "__init__.py"
    found: set[Path] = set()

    def add(dotted: str) -> bool:
        target = module_file(package_dir, dotted)
        if target is None:
            return False
        found.update(enclosing_packages(package_dir, dotted))
        found.add(target)
        return True

    for node in (inner for outer in nodes for inner in ast.walk(outer)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                    add(alias.name[len(PACKAGE) + 1:])
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = current.split(".") if current else []
                if not is_package:
                    parts = parts[:-1]
                parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join(parts + ([node.module] if node.module else []))
            elif node.module and (node.module == PACKAGE or node.module.startswith(PACKAGE + ".")):
                base = node.module[len(PACKAGE) + 1:]
            else:
                continue
            add(base)
            for alias in node.names:
                add(f"{base}.{alias.name}" if base else alias.name)
    return found


@lru_cache(maxsize=None)
def module_imports(package_dir: Path, source: Path) -> frozenset[Path]:
    """The package's files a whole module imports (cached: every command shares the modules)."""
    return frozenset(imported_modules(package_dir, source, [parsed(source)]))


@lru_cache(maxsize=None)
def parsed(source: Path) -> ast.Module:
    """A source file's syntax tree (cached: the workflow asks for every rule in one parse)."""
    return ast.parse(source.read_text(encoding="utf-8"), filename=str(source))


def commands_of_test(test: ast.expr) -> set[str]:
    """The command names an `if` of cli.run tests: `arguments.command == "x"` or
    `arguments.command in ("x", "y")`; empty for any other condition."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Attribute)
            and test.left.attr == "command"):
        return set()
    right = test.comparators[0]
    if isinstance(test.ops[0], ast.Eq) and isinstance(right, ast.Constant):
        return {right.value}
    if isinstance(test.ops[0], ast.In) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
        return {element.value for element in right.elts if isinstance(element, ast.Constant)}
    return set()


def command_branch(cli_source: Path, command: str) -> list[ast.stmt]:
    """The statements of cli.run's `if/elif` chain that handle `command`.

    Raises ValueError naming the file and the command when no branch handles it, so that a
    renamed command stops the workflow's parsing instead of silently depending on nothing."""
    for function in ast.walk(parsed(cli_source)):
        if isinstance(function, ast.FunctionDef) and function.name == ENTRY_FUNCTION:
            for statement in function.body:
                branch = statement
                while isinstance(branch, ast.If):
                    if command in commands_of_test(branch.test):
                        return branch.body
                    branch = branch.orelse[0] if len(branch.orelse) == 1 else None
    raise ValueError(f"{cli_source}: no branch of {ENTRY_FUNCTION}() handles the command {command!r} "
                     f"(expected `if arguments.command == {command!r}:`)")


def python_of_document(path: Path) -> list[ast.AST]:
    """The syntax trees of the Python code a document runs: a notebook's code cells, or the
    ```{python} cells of a Quarto (.qmd) file, the whole of a .py file; nothing for other files."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        cells = ["".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                 for cell in json.loads(text)["cells"] if cell["cell_type"] == "code"]
    elif path.suffix == ".qmd":
        cells = re.findall(r"^```\{python[^}]*\}\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    elif path.suffix == ".py":
        cells = [text]
    else:  # a stylesheet, a YAML setting: no code
        cells = []
    trees = []
    for cell in cells:
        # Jupyter magics (%...) and shell escapes (!...) are not Python; drop them first.
        code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in cell.splitlines())
        trees.append(ast.parse(code, filename=str(path)))
    return trees


def code_dependencies(package_dir: str | Path, command: str, documents: tuple[str | Path, ...] = ()) -> list[str]:
    """Every source file of the package that `python -m rlp_pipeline COMMAND` can import, sorted:
    the entry point's modules, the modules imported by cli.run's branch for COMMAND, and,
    transitively, whatever those import; plus the modules that the Python code of `documents`
    imports (the report's Quarto cells, the audit notebooks), which the command executes."""
    package_dir = Path(package_dir)
    cli_source = package_dir / "cli.py"
    # cli.py is read only in part (below), so it is marked as seen: following all its imports
    # would make every command depend on every stage's module.
    seen: set[Path] = {cli_source}
    pending: set[Path] = {module_file(package_dir, name) or package_dir / "__init__.py" for name in ENTRY_MODULES}
    # cli.py's own top-level imports run for every command; its run() branches only for one.
    top_level = [node for node in parsed(cli_source).body if not isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    pending |= imported_modules(package_dir, cli_source, top_level)
    pending |= imported_modules(package_dir, cli_source, command_branch(cli_source, command))
    for document in documents:
        pending |= imported_modules(package_dir, package_dir / "__init__.py", python_of_document(Path(document)))
    while pending:
        source = pending.pop()
        if source in seen:
            continue
        seen.add(source)
        pending |= module_imports(package_dir, source) - seen
    return sorted(str(path) for path in seen)


def fingerprint(files: list[Path]) -> dict[str, list[int]]:
    """Size and modification time (ns) of each file: when none changes, neither do the import
    graph's answers about them."""
    found = {}
    for path in files:
        status = path.stat()
        found[str(path)] = [status.st_size, status.st_mtime_ns]
    return found


# The cache file's content as this process last read or wrote it: Snakemake asks once per rule
# while it reads the Snakefile, and the files do not change in between.
_CACHES: dict[Path, dict] = {}


def forget() -> None:
    """Drop what this process remembers (parsed modules, fingerprints, the cache file's content),
    as a new process would start: for a caller that edits the package and asks again."""
    parsed.cache_clear()
    module_imports.cache_clear()
    package_fingerprint.cache_clear()
    _CACHES.clear()


@lru_cache(maxsize=None)
def package_fingerprint(package_dir: Path) -> str:
    """The fingerprint of every Python file of the package, as one JSON string (computed once
    per process)."""
    return json.dumps(fingerprint(sorted(package_dir.rglob("*.py"))), sort_keys=True)


def cached_code_dependencies(package_dir: str | Path, command: str, documents: tuple[str | Path, ...] = (),
                             cache: str | Path | None = None) -> list[str]:
    """code_dependencies, answered from the JSON file `cache` when neither the package's Python
    files nor the documents changed since the answer was stored there; the file is rewritten
    otherwise. A missing or unreadable cache file is not an error: the answer is computed again."""
    if cache is None:
        return code_dependencies(package_dir, command, documents)
    package_dir, cache = Path(package_dir), Path(cache)
    key = "\t".join([str(package_dir), command, *map(str, documents)])
    package = package_fingerprint(package_dir)
    current = fingerprint([Path(d) for d in documents])
    stored = _CACHES.get(cache)
    if stored is None:
        try:
            stored = json.loads(cache.read_text(encoding="utf-8"))
            if not isinstance(stored.get("answers"), dict):
                raise ValueError
        except (OSError, ValueError, AttributeError):
            stored = {"package": None, "answers": {}}
        _CACHES[cache] = stored
    if stored.get("package") == package:
        entry = stored["answers"].get(key)
        if isinstance(entry, dict) and entry.get("documents") == current:
            return list(entry["files"])
    else:
        stored.update(package=package, answers={})
    files = code_dependencies(package_dir, command, documents)
    stored["answers"][key] = {"documents": current, "files": files}
    # Written atomically: cluster jobs read the Snakefile (and this file) at the same time, and
    # must never see half a file. Imported here: a run whose answers are all cached writes nothing.
    from ..io.outputs import json_bytes, write_outputs

    write_outputs({cache: json_bytes(stored)})
    return files
