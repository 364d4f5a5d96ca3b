"""Where real Quarto's time goes when the report stage renders one language. Measures and prints;
asserts nothing.

The report stage (rlp_pipeline.stages.report.run_report) is run for one language with real
Quarto, --runs times, in a copy of this checkout's src/ and report/ beside BUILT's data/ and
config/ (BUILT is only read). Each tool Quarto starts is replaced by a small wrapper that runs the
real one and writes down its CPU time (user + system): Pandoc (Quarto's main runs for the HTML and
for Typst, each through Quarto's Lua filters; its level-one-heading pre-read; its embedding of the
HTML's resources), Dart Sass (Bootstrap) and the Typst command (reporting.quarto_typst). The
`quarto render` process tree's CPU time is taken around it; what the tools do not account for is
Quarto's own work in Deno (start-up, configuration, YAML schemas, the HTML post-processors). The
rest of the stage (the kernel, the cells, the tables made raw, the workbook) is the stage's
CPU time minus Quarto's. Other work on the machine changes wall times much more than CPU times:
the load average is printed with every run.

    PATH=/opt/quarto/bin:$PATH python benchmarks/quarto_steps.py BUILT [--language fr] [--runs 3]

BUILT is a checkout whose pipeline has run (data/derived/figures/figures.json exists).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
IGNORED = shutil.ignore_patterns("_output", "_figures", ".quarto", "__pycache__", "*.pyc")

# A stand-in for one tool: runs the real one with the same arguments and appends
# "<step>\t<CPU seconds>" to the log; the step of a Pandoc run is told from its arguments.
WRAPPER = r'''import json, resource, subprocess, sys
real, log, name = {real!r}, {log!r}, {name!r}
args = sys.argv[1:]
if name == "pandoc":
    joined = " ".join(args)
    name = ("pandoc level-one pre-read" if "leveloneanalysis" in joined else
            "pandoc embedding" if "selfcontained" in joined else
            "tables made raw" if "tables.lua" in joined else "pandoc (other)")
    for i, arg in enumerate(args):
        if arg == "--defaults" and i + 1 < len(args):
            text = open(args[i + 1], encoding="utf-8").read()
            name = "pandoc + Lua filters, HTML" if "\nto: html" in "\n" + text else "pandoc + Lua filters, Typst"
code = subprocess.run([real, *args]).returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(log, "a", encoding="utf-8") as handle:
    handle.write(f"{{name}}\t{{usage.ru_utime + usage.ru_stime}}\n")
sys.exit(code)
'''


def write_wrapper(folder: Path, name: str, real: str, log: Path) -> Path:
    """A wrapper command for one tool (see WRAPPER), run with this Python. A wrapper never wraps
    itself (it would start itself again and again)."""
    if Path(real).resolve() == (folder / name).resolve():
        raise SystemExit(f"quarto_steps: the {name} to time is one of this run's wrappers ({real}); unset the "
                         "QUARTO_* variable that points at it")
    script = folder / f"{name}.py"
    script.write_text(WRAPPER.format(real=real, log=str(log), name=name), encoding="utf-8")
    command = folder / name
    command.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@"\n', encoding="utf-8")
    command.chmod(0o755)
    return command


def quarto_tool(variable: str, relative: str) -> str:
    """The tool Quarto would run: its QUARTO_* variable, else the one beside the quarto launcher."""
    if os.environ.get(variable):
        return os.environ[variable]
    launcher = Path(os.path.realpath(shutil.which("quarto"))).parent
    return str(launcher / "tools" / os.uname().machine / relative)


def cpu(who: int = resource.RUSAGE_CHILDREN) -> float:
    """CPU seconds (user + system) of this process (RUSAGE_SELF) or of its finished children."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def one_run(copy: Path, language: str, work: Path, real: dict[str, str]) -> dict:
    """The report stage for one language, with the tools wrapped (real: the tools Quarto would
    run, by name): CPU seconds per step."""
    from rlp_pipeline.reporting import quarto_typst, render
    from rlp_pipeline.stages import report

    log = work / "tools.log"
    log.unlink(missing_ok=True)
    tools = work / "tools"
    tools.mkdir(exist_ok=True)
    saved = dict(os.environ)
    os.environ["QUARTO_PANDOC"] = str(write_wrapper(tools, "pandoc", real["pandoc"], log))
    os.environ["QUARTO_DART_SASS"] = str(write_wrapper(tools, "sass", real["sass"], log))
    original_command, original_run = quarto_typst.write_command, render.subprocess.run
    quarto: dict = {}

    def typst_command(folder):
        real = original_command(folder)
        return write_wrapper(Path(folder), "typst-timed", str(real), log)

    def timed_run(args, **kwargs):
        if args[:2] != ["quarto", "render"]:
            return original_run(args, **kwargs)
        before, started = cpu(), time.perf_counter()
        try:
            return original_run(args, **kwargs)
        finally:
            quarto.update(cpu=cpu() - before, wall=time.perf_counter() - started)

    quarto_typst.write_command, render.subprocess.run = typst_command, timed_run
    before, started = cpu() + cpu(resource.RUSAGE_SELF), time.perf_counter()
    try:
        shutil.rmtree(copy / "report" / "_output", ignore_errors=True)
        report.run_report(copy / "report", copy / "data" / "derived", copy / "data" / "raw" / "codebook.yaml",
                          copy / "config" / "findings.yaml", languages=(language,))
    finally:
        quarto_typst.write_command, render.subprocess.run = original_command, original_run
        os.environ.clear()
        os.environ.update(saved)
    stage = cpu() + cpu(resource.RUSAGE_SELF) - before
    steps: dict[str, float] = {}
    tables = 0.0  # reporting.quarto_tables' Pandoc run (QUARTO_PANDOC too), before quarto render
    for line in log.read_text(encoding="utf-8").splitlines():
        name, seconds = line.split("\t")
        if name == "tables made raw":
            tables += float(seconds)
            continue
        name = "Typst (the pinned typst package)" if name == "typst-timed" else \
            "Dart Sass (Bootstrap)" if name == "sass" else name
        steps[name] = steps.get(name, 0.0) + float(seconds)
    steps["Deno: Quarto's own work"] = quarto["cpu"] - sum(steps.values())
    steps["quarto render in all"] = quarto["cpu"]
    steps["before it: tables made raw (one Pandoc run)"] = tables
    steps["before it: kernel, cells; the workbook"] = stage - quarto["cpu"] - tables
    return {"steps": steps, "stage wall": time.perf_counter() - started, "quarto wall": quarto["wall"],
            "load": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("built", type=Path, help="a checkout whose pipeline has run")
    parser.add_argument("--language", default="fr", choices=("fr", "en"))
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    if shutil.which("quarto") is None:
        sys.exit("quarto is not on PATH (export PATH=/path/to/quarto/bin:$PATH)")
    built = arguments.built.resolve()
    if not (built / "data" / "derived" / "figures" / "figures.json").exists():
        sys.exit(f"{built}: no data/derived/figures/figures.json; build the pipeline there first (snakemake --cores 2)")
    work = Path(tempfile.mkdtemp(prefix="rlp-quarto-steps-"))
    try:
        copy = work / "project"
        for part, source in (("src", REPO / "src"), ("report", REPO / "report"), ("data", built / "data"),
                             ("config", built / "config")):
            shutil.copytree(source, copy / part, ignore=IGNORED)
        sys.path.insert(0, str(copy / "src"))
        version = subprocess.run(["quarto", "--version"], capture_output=True, text=True).stdout.strip()
        print(f"== Real Quarto {version}: the report stage for '{arguments.language}' (HTML and PDF), "
              f"CPU seconds per step, {arguments.runs} runs (derived tables of {built}) ==")
        real = {"pandoc": quarto_tool("QUARTO_PANDOC", "pandoc"),
                "sass": quarto_tool("QUARTO_DART_SASS", "dart-sass/sass")}
        runs = []
        for number in range(arguments.runs):
            runs.append(one_run(copy, arguments.language, work, real))
            print(f"  run {number + 1}: stage {runs[-1]['stage wall']:.1f} s wall, quarto render "
                  f"{runs[-1]['quarto wall']:.1f} s wall; load average {runs[-1]['load']:.2f} on {os.cpu_count()} CPUs",
                  flush=True)
        names = list(runs[0]["steps"])
        print(f"  {'step':42} {'median':>7}   runs")
        for name in names:
            values = [run["steps"].get(name, 0.0) for run in runs]
            print(f"  {name:42} {statistics.median(values):7.2f}   {', '.join(f'{v:.2f}' for v in values)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
