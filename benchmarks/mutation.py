"""Mutation testing of the modules that decide results: does the test suite notice a wrong line?

A small, self-contained mutation runner (no extra dependency): for each module named on the
command line it parses the source, lists every place where one small change could be made by
mistake, and for each such *mutant* writes the changed module into a temporary copy of src/ and
runs the test files that cover that module against it (stopping at the first failure). A
mutant the tests fail on is *killed*; one they pass on *survives* and is printed with its line,
so that either a test is added or the mutant is shown to be equivalent (it cannot change any
result). The score is killed / (killed + survived); a mutant that makes the module fail to
import or the tests hang (time out) counts as killed: it is noticed.

Changes made (one per mutant): comparison operators (< and <=, > and >=, == and !=, in and not in,
is and is not), arithmetic (+ and -, * and /, // and /), boolean operators (and, or), `not` and
unary minus dropped, numeric constants plus one, min and max (calls and methods), idxmax and
idxmin, argmax and argmin, returned True and False swapped, and a column read in place of its
twin (p_value and p_adjusted, value_a and value_b, ci_low and ci_high, as an attribute or a
subscript: the report showing the raw p in the adjusted column).

Not in CI: it is slow (one test run per mutant). Run it one module at a time, at low priority:

    nice -n 19 python benchmarks/mutation.py fmt
    nice -n 19 python benchmarks/mutation.py stages/findings --without tests/test_report_numbers.py
    python benchmarks/mutation.py stages/findings --list          # the mutants, without running them
    python benchmarks/mutation.py fmt --retest before.txt  # only the survivors of an earlier run

Tests that already fail on the unchanged code are left out (deselected) and named.
The report-numbers tests need a built project; the runner builds one once (or reuses the folder
given by --built) and passes it to them as RLP_BUILT_PROJECT.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "rlp_pipeline"

# The test files that cover each module, fastest first (the run stops at the first failure).
TESTS = {
    "fmt": ["tests/test_fmt.py", "tests/test_fmt_edges.py", "tests/test_report_numbers.py"],
    "stages/findings": ["tests/test_findings.py", "tests/test_findings_edges.py", "tests/test_directions.py", "tests/test_claims.py", "tests/test_report_numbers.py"],
    # tests/test_small_data.py also covers the tests stage but takes minutes per run: left out.
    "stages/tests": ["tests/test_directions.py", "tests/test_ties.py", "tests/test_claims.py", "tests/test_findings.py"],
    "stats/inference": ["tests/test_inference.py", "tests/test_ties.py", "tests/test_directions.py"],
    "stats/descriptive": ["tests/test_descriptive.py"],
    "stages/diversity": ["tests/test_diversity.py", "tests/test_hill.py"],
    "stages/sample": ["tests/test_sampling.py"],
    "stages/validate": ["tests/test_validate.py", "tests/test_hostile_inputs.py"],
    "reporting/document": ["tests/test_report_sources.py", "tests/test_report_numbers.py", "tests/test_claims.py"],
    "reporting/claims": ["tests/test_claims.py", "tests/test_report_numbers.py"],
}
NEEDS_BUILD = "tests/test_report_numbers.py"


def tests_of(module: str) -> list[str]:
    """The test files of a module: tests/test_mutants_<module>.py when there is one (the tests
    written for the mutants an earlier run left alive; fast, so first), then its list above."""
    extra = f"tests/test_mutants_{module.rsplit('/', 1)[-1]}.py"
    return ([extra] if (REPO / extra).exists() else []) + list(TESTS[module])

SWAPS = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
    ast.And: ast.Or, ast.Or: ast.And,
}
COLUMNS = {"p_value": "p_adjusted", "p_adjusted": "p_value", "value_a": "value_b", "value_b": "value_a",
           "ci_low": "ci_high", "ci_high": "ci_low"}
NAMES = {"min": "max", "max": "min", "idxmax": "idxmin", "idxmin": "idxmax", "argmax": "argmin", "argmin": "argmax"}
SYMBOLS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.In: "in",
           ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.Add: "+", ast.Sub: "-", ast.Mult: "*",
           ast.Div: "/", ast.FloorDiv: "//", ast.And: "and", ast.Or: "or"}


@dataclass
class Mutant:
    index: int
    line: int
    change: str
    source: str = ""
    outcome: str = ""
    seconds: float = 0.0


class Mutator(ast.NodeTransformer):
    """Walks a module; every place a change can be made gets the next number. With `target`
    set, only that place is changed; `sites` records (line, description) of every place."""

    def __init__(self, target: int = -1):
        self.target, self.count, self.sites = target, 0, []

    def site(self, node: ast.AST, description: str) -> bool:
        hit = self.count == self.target
        self.sites.append((getattr(node, "lineno", 0), description))
        self.count += 1
        return hit

    def _docstring(self, node) -> None:
        body = getattr(node, "body", None)
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body[0].value._docstring = True

    def visit_Module(self, node):
        self._docstring(node)
        return self.generic_visit(node)

    def visit_FunctionDef(self, node):
        self._docstring(node)
        node.body = [self.visit(statement) for statement in node.body]  # not the annotations or decorators
        node.args = self.visit(node.args)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self._docstring(node)
        return self.generic_visit(node)

    def visit_Compare(self, node):
        self.generic_visit(node)
        for i, op in enumerate(node.ops):
            if type(op) in SWAPS and self.site(node, f"{SYMBOLS[type(op)]} -> {SYMBOLS[SWAPS[type(op)]]}"):
                node.ops[i] = SWAPS[type(op)]()
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Mod) or any(isinstance(side, ast.Constant) and isinstance(side.value, str)
                                               for side in (node.left, node.right)):
            return node  # string formatting, or a path joined with a name
        if type(node.op) in SWAPS and self.site(node, f"{SYMBOLS[type(node.op)]} -> {SYMBOLS[SWAPS[type(node.op)]]}"):
            node.op = SWAPS[type(node.op)]()
        return node

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        if type(node.op) in SWAPS and self.site(node, f"{SYMBOLS[type(node.op)]}= -> {SYMBOLS[SWAPS[type(node.op)]]}="):
            node.op = SWAPS[type(node.op)]()
        return node

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        if self.site(node, f"{SYMBOLS[type(node.op)]} -> {SYMBOLS[SWAPS[type(node.op)]]}"):
            node.op = SWAPS[type(node.op)]()
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not) and self.site(node, "not dropped"):
            return node.operand
        if isinstance(node.op, ast.USub) and not isinstance(node.operand, ast.Constant) and self.site(node, "unary minus dropped"):
            return node.operand
        return node

    def visit_Constant(self, node):
        if getattr(node, "_docstring", False) or isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            return node
        if self.site(node, f"constant {node.value!r} -> {node.value + 1!r}"):
            return ast.copy_location(ast.Constant(node.value + 1), node)
        return node

    def visit_Name(self, node):
        if node.id in ("min", "max") and isinstance(node.ctx, ast.Load) and self.site(node, f"{node.id} -> {NAMES[node.id]}"):
            return ast.copy_location(ast.Name(NAMES[node.id], node.ctx), node)
        return node

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if node.attr in NAMES and self.site(node, f".{node.attr} -> .{NAMES[node.attr]}"):
            node.attr = NAMES[node.attr]
        elif node.attr in COLUMNS and isinstance(node.ctx, ast.Load) and self.site(node, f".{node.attr} -> .{COLUMNS[node.attr]}"):
            node.attr = COLUMNS[node.attr]
        return node

    def visit_Subscript(self, node):
        self.generic_visit(node)
        key = node.slice
        if isinstance(key, ast.Constant) and key.value in COLUMNS and isinstance(node.ctx, ast.Load) and \
                self.site(node, f"[{key.value!r}] -> [{COLUMNS[key.value]!r}]"):
            node.slice = ast.Constant(COLUMNS[key.value])
        return node

    def visit_Return(self, node):
        self.generic_visit(node)
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, bool) and \
                self.site(node, f"return {node.value.value} -> return {not node.value.value}"):
            node.value = ast.Constant(not node.value.value)
        return node

    # type annotations are never run: leave them alone
    def visit_AnnAssign(self, node):
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_arg(self, node):
        return node


def mutants(source: str) -> list[Mutant]:
    """Every mutant of a module's source, with its line and change."""
    tree = ast.parse(source)
    counter = Mutator()
    counter.visit(copy.deepcopy(tree))
    found = []
    for index, (line, change) in enumerate(counter.sites):
        mutated = Mutator(index).visit(copy.deepcopy(tree))
        ast.fix_missing_locations(mutated)
        found.append(Mutant(index, line, change, ast.unparse(mutated)))
    return found


def run_tests(src: Path, tests: list[str], deselect: list[str], timeout: float, built: Path | None) -> tuple[int, str]:
    environment = {**os.environ, "PYTHONPATH": str(src), "PYTHONDONTWRITEBYTECODE": "1"}
    if built:
        environment["RLP_BUILT_PROJECT"] = str(built)
    command = [sys.executable, "-m", "pytest", *tests, "-x", "-q", "-p", "no:cacheprovider", "--no-header", "-W", "ignore"]
    command += [f"--deselect={test}" for test in deselect]
    try:
        result = subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, "timeout"
    return result.returncode, result.stdout[-3000:] + result.stderr[-2000:]


# Third-party libraries imported once by the runner, so that each mutant's test run (a fork of the
# runner) starts with them loaded: most of a short test run is spent importing them.
PRELOAD = ("numpy", "pandas", "scipy.stats", "scipy.special", "statsmodels.api", "yaml", "pytest", "matplotlib")


def preload() -> None:
    """Import the heavy third-party libraries in the runner (never rlp_pipeline: each mutant's
    test run must import its own changed copy of the package)."""
    import importlib
    os.environ.setdefault("MPLBACKEND", "Agg")
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def run_tests_forked(src: Path, tests: list[str], deselect: list[str], timeout: float, built: Path | None) -> tuple[int, str]:
    """As run_tests, but in a fork of the runner, where the third-party libraries are already
    imported: the same tests on the same changed copy of src/, about twice as fast. The package
    and test modules the runner may hold (from building the project) are dropped in the fork, so
    the fork imports the changed copy."""
    import signal
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as captured:
        pid = os.fork()
        if pid == 0:  # the fork: run pytest on the changed copy, exit with its code
            code = 3
            try:
                os.dup2(captured.fileno(), 1)
                os.dup2(captured.fileno(), 2)
                os.environ.update({"PYTHONPATH": str(src), "PYTHONDONTWRITEBYTECODE": "1"})
                if built:
                    os.environ["RLP_BUILT_PROJECT"] = str(built)
                for name in [n for n in sys.modules if n.split(".")[0] in ("rlp_pipeline", "conftest", "report_check")
                             or n.startswith("test_")]:
                    del sys.modules[name]
                sys.path[:] = [str(src)] + [p for p in sys.path if Path(p or ".").resolve() not in
                                            (REPO / "src", REPO / "tests", REPO)]
                os.chdir(REPO)
                import pytest
                arguments = [*tests, "-x", "-q", "-p", "no:cacheprovider", "--no-header", "-W", "ignore"]
                code = int(pytest.main(arguments + [f"--deselect={test}" for test in deselect]))
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        deadline = time.monotonic() + timeout
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return -1, "timeout"
            time.sleep(0.02)
        captured.seek(0)
        output = captured.read()
    return os.waitstatus_to_exitcode(status), output[-5000:]


def failing_tests(output: str) -> list[str]:
    return [line.split(" ", 1)[1].split(" - ")[0] for line in output.splitlines() if line.startswith("FAILED ")]


def build_project(folder: Path) -> Path:
    """The project built once (unchanged code) for the report-numbers tests."""
    sys.path.insert(0, str(REPO / "tests"))
    sys.path.insert(0, str(REPO / "src"))
    from test_pipeline import copy_project, snakemake
    from conftest import FAST_SETTINGS as FAST

    project = copy_project(folder)
    (project / "fast.yaml").write_text(FAST, encoding="utf-8")
    result = snakemake(project, "--configfile", str(project / "fast.yaml"))
    if result.returncode:
        raise SystemExit(f"the project did not build:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return project


def main(arguments: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="+", help=f"modules of rlp_pipeline: {', '.join(TESTS)}")
    parser.add_argument("--tests", nargs="*", help="test files to run instead of the module's own list")
    parser.add_argument("--without", nargs="*", default=[], help="test files to leave out (for a score before new tests)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per mutant before it counts as killed")
    parser.add_argument("--built", type=Path, help="an already built project for the report-numbers tests")
    parser.add_argument("--list", action="store_true", help="list the mutants without running them")
    parser.add_argument("--lines", help="only mutants on these lines, e.g. 20-60")
    parser.add_argument("--subprocess", action="store_true",
                        help="run each mutant's tests in a fresh Python (slower) instead of a fork of the runner")
    parser.add_argument("--retest", type=Path,
                        help="the output of an earlier run: test only its survivors again (after adding tests; the "
                             "mutants it killed stay killed, since tests were only added) and print the new score")
    options = parser.parse_args(arguments)
    total_killed = total_survived = 0
    run = run_tests if options.subprocess or not hasattr(os, "fork") else run_tests_forked
    if run is run_tests_forked and not options.list:
        preload()
    built = options.built
    with tempfile.TemporaryDirectory(prefix="mutation-") as work:
        work = Path(work)
        for module in options.modules:
            path = PACKAGE / f"{module}.py"
            original = path.read_text(encoding="utf-8")
            found = mutants(original)
            if options.lines:
                first, last = (int(x) for x in options.lines.split("-"))
                found = [m for m in found if first <= m.line <= last]
            earlier_killed = 0
            if options.retest:
                earlier = options.retest.read_text(encoding="utf-8")
                # Each mutant's line ("  module.py:LINE: CHANGE: killed (3 s)"): an unfinished run
                # (stopped for time) counts too, as a score over the mutants it reached.
                outcomes = [line.strip().rsplit(": ", 1) for line in earlier.splitlines()
                            if line.startswith(f"  {module}.py:") and line.rstrip().endswith(" s)")]
                earlier_killed = sum(outcome.startswith("killed") for _, outcome in outcomes)
                # A retest's output: add the mutants its own earlier run had killed.
                earlier_killed += sum(int(line.split(": ", 1)[1].split(" ", 1)[0]) for line in earlier.splitlines()
                                      if line.startswith(f"{module}: ") and " mutants killed by the earlier run" in line)
                if not outcomes:
                    raise SystemExit(f"{options.retest} has no mutant of {module}")
                tested_before = earlier_killed + sum(not o.startswith("killed") for _, o in outcomes)
                reached = tested_before < len(found)
                # The same change on the same line may occur twice (two `> 0` on one line): the
                # k-th mutant with a given line and change is the k-th such line of the earlier run.
                by_key: dict[str, list[str]] = {}
                for where, outcome in outcomes:
                    by_key.setdefault(where, []).append(outcome)
                kept, seen = [], {}
                for m in found:
                    key = f"{module}.py:{m.line}: {m.change}"
                    k = seen[key] = seen.get(key, -1) + 1
                    if k < len(by_key.get(key, [])) and by_key[key][k].startswith("survived"):
                        kept.append(m)
                found = kept
                print(f"{module}: {earlier_killed} mutants killed by the earlier run"
                      f"{f' (stopped after {tested_before} mutants)' if reached else ''}; retesting its {len(found)} survivors")
            if options.list:
                for m in found:
                    print(f"{module}.py:{m.line}: {m.change}")
                print(f"{len(found)} mutants")
                continue
            tests = [t for t in (options.tests or tests_of(module)) if t not in options.without]
            if NEEDS_BUILD in tests and built is None:
                print("building the project once for the report-numbers tests...", flush=True)
                built = build_project(work / "built")
            src = work / "src"
            shutil.rmtree(src, ignore_errors=True)
            shutil.copytree(REPO / "src", src, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
            target = src / "rlp_pipeline" / f"{module}.py"
            code, output = run(src, tests, [], options.timeout, built)
            deselect = failing_tests(output) if code else []
            if code:  # tests failing on the unchanged code: leave them out, and check the rest pass
                for _ in range(5):
                    code, output = run(src, tests, deselect, options.timeout, built)
                    if not code:
                        break
                    deselect += [t for t in failing_tests(output) if t not in deselect]
                if code:
                    print(f"{module}: the tests fail on the unchanged code:\n{output}")
                    return 2
                print(f"{module}: left out (already failing on the unchanged code): {', '.join(deselect)}")
            print(f"{module}: {len(found)} mutants, tests: {' '.join(tests)}", flush=True)
            survivors, killed = [], 0
            for m in found:
                target.write_text(m.source, encoding="utf-8")
                start = time.monotonic()
                code, output = run(src, tests, deselect, options.timeout, built)
                m.seconds = time.monotonic() - start
                if code == 0:
                    m.outcome = "survived"
                    survivors.append(m)
                else:  # a failing test, a module that no longer imports, or a hang: noticed
                    m.outcome, killed = "killed", killed + 1
                print(f"  {module}.py:{m.line}: {m.change}: {m.outcome} ({m.seconds:.0f} s)", flush=True)
            target.write_text(original, encoding="utf-8")
            killed += earlier_killed
            tested = killed + len(survivors)
            score = 100 * killed / tested if tested else float("nan")
            print(f"\n{module}: {killed} of {tested} mutants killed ({score:.1f}%), {len(survivors)} survived")
            for m in survivors:
                print(f"  SURVIVED {module}.py:{m.line}: {m.change}")
            total_killed, total_survived = total_killed + killed, total_survived + len(survivors)
    if not options.list and total_killed + total_survived:
        print(f"\nall: {total_killed} of {total_killed + total_survived} killed "
              f"({100 * total_killed / (total_killed + total_survived):.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
