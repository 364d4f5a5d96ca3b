"""How fast is the pipeline, on this machine? Measures and prints; asserts nothing.

1. Cold build: copies the project (Snakefile, rules, config, data/raw, src, report without its
   outputs, environment.yml; without __pycache__, so Numba's cache is empty and the build pays
   the compile rule, as a fresh checkout does) into a temporary folder and runs `python -m snakemake --cores N`
   there with this interpreter; prints the total wall time and the time of each rule's jobs read
   from Snakemake's own log (its timestamps have a resolution of one second), and each rule's
   peak memory and longest job from the benchmark files its jobs write (logs/benchmarks/) beside
   the threads, mem_mb and runtime the rule declares. Then one coding of the built copy is
   edited (a status flipped) and `snakemake --cores N` brings the four documents up to date:
   its time and the jobs it ran, --repetitions times (another coding each time; the goal is
   judged on the median, as one run varies by half a second or more). Then, in a second fresh
   copy, builds the stages one command at a time (`snakemake --cores N validate`, then `sample`,
   `frequencies`, `diversity`, `tests`, `findings`, `stability`, `figures`, `report`, `audit`),
   so that each command builds exactly one more stage, and prints each command's raw time and
   its time net of Snakemake's start-up floor (part 2). Nothing is added to the rules. Last, the
   report stage is run once more in that copy (its own code, rlp_pipeline.stages.report.run_report, in
   a subprocess) with timers around the renderer's steps, to print what each of the four
   documents costs: with the fallback renderer, one Jupyter kernel per language runs the
   report's cells (shared by its HTML and its PDF), then Pandoc writes the HTML, and Pandoc and
   Typst the PDF; with real Quarto, the time per language. Where `quarto` is on PATH, the report
   stage is then run with each renderer in turn (part 1d) and the two times compared.
2. No-op rebuild: `snakemake --cores N` again in the built copy ("Nothing to be done"), beside
   Snakemake's start-up on an empty workflow (one rule whose output already exists); min and
   median of --repetitions runs each, interleaved, after one untimed warm-up run of each.
3. Analysis stages (validation to findings; no figures, no report) on simulated populations of
   --sizes plans (config/simulation.yaml with n_plans overridden, same seed). Each population is
   generated in one subprocess and analysed in another (rlp_pipeline.analysis.run_analysis), so
   the peak memory (ru_maxrss, read inside the child) is that run's alone; per-stage times are
   taken inside the child and printed as each stage ends.
4. Stability redraw throughput (redraws per second): in a fresh copy built up to the findings,
   `snakemake --cores N stability` (1,000 alternative samples in chunk jobs, then the merge) is
   timed as a whole, and each chunk's own rate is read from its log.

    python benchmarks/speed.py                       # everything (the 100,000-plan run is long)
    python benchmarks/speed.py --sizes 1000 10000    # smaller populations only
    python benchmarks/speed.py --skip-build          # part 3 only
    PATH=/opt/quarto/bin:$PATH python benchmarks/speed.py --report-renderers .   # part 1d only, on a built checkout

Only the standard library and the project's own dependencies are used. Other jobs running on
the machine slow every figure down: the load average is printed at the start of each part and
beside each goal, and every Snakemake run's CPU time (user + system of Snakemake and its jobs,
from getrusage of the finished children) beside its wall time.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import logging
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# What the cold copy of the project holds (paths relative to the repository).
PROJECT_FILES = ["Snakefile", "environment.yml"]
PROJECT_FOLDERS = ["rules", "profiles", "config", "data/raw", "src", "report", "notebooks"]
IGNORED = shutil.ignore_patterns("_output", "_figures", ".quarto", "__pycache__", "*.pyc", ".ipynb_checkpoints",
                               "*.egg-info")

# The stages in pipeline order: each is a rule name (a Snakemake target without wildcards).
STAGES = ["validate", "sample", "frequencies", "diversity", "tests", "findings", "stability", "figures", "report",
          "audit"]
# Rules of the single build's log, in pipeline order (a stage may have several rules or jobs).
LOGGED_RULES = ["compile", "validate", "sample", "frequencies", "diversity", "tests", "findings", "stability_chunk", "stability",
                "sample_figures", "stability_figures", "figures", "report", "audit"]
# The stage functions run_analysis calls, in its order.
ANALYSIS_STAGES = ["run_validation", "run_sampling", "run_frequencies", "run_diversity", "run_tests", "run_findings"]
SAMPLING = {"fraction": 0.4, "seed": 20180517, "stratify_by": None, "balance_resamples": 10000}
STATISTICS_SEED = 20180517

EMPTY_SNAKEFILE = 'rule all:\n    output:\n        "done.txt",\n    shell:\n        "touch {output}"\n'


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def progress(message: str) -> None:
    """A progress line on stderr (results go to stdout)."""
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min) on {os.cpu_count()} CPUs"


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def git_state() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (git unavailable)"
    return f"{head}" + (" with uncommitted changes to tracked files" if dirty else "")


def header(arguments: argparse.Namespace) -> None:
    print("RLP pipeline speed benchmark")
    print(f"  date        {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"  machine     {platform.platform()}; os.cpu_count() = {os.cpu_count()}")
    print(f"  load        {load()}")
    print(f"  python      {platform.python_version()} ({sys.executable})")
    print(f"  numpy {version('numpy')}, pandas {version('pandas')}, scipy {version('scipy')}, "
          f"snakemake {version('snakemake')}")
    print(f"  repository  {REPO} at {git_state()}")
    print(f"  options     cores {arguments.cores}, repetitions {arguments.repetitions}, "
          f"sizes {' '.join(str(s) for s in arguments.sizes)}, skip build {arguments.skip_build}")
    print("  Every time is wall-clock (time.perf_counter), from one run unless said otherwise.")


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children and their descendants
    (each waited for by its parent, as Snakemake waits for its jobs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# CPU seconds (user + system) of the last `snakemake` run, its jobs included: on a machine shared
# with other work, wall time grows with the load while CPU time mostly does not.
LAST_CPU = [0.0]


def snakemake(folder: Path, cores: int, targets: list[str], log_path: Path) -> tuple[float, int, str]:
    """Run `python -m snakemake --cores N targets` in `folder`; (seconds, exit status, output).
    Its CPU time (Snakemake and every job) is left in LAST_CPU[0]."""
    command = [sys.executable, "-m", "snakemake", "--cores", str(cores), *targets]
    cpu = children_cpu()
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    elapsed = time.perf_counter() - started
    LAST_CPU[0] = children_cpu() - cpu
    log_path.write_text(completed.stdout, encoding="utf-8")
    return elapsed, completed.returncode, completed.stdout


def finished_jobs(output: str) -> list[str]:
    """The rules of the jobs Snakemake reports as finished, in order."""
    return re.findall(r"^Finished jobid: \d+ \(Rule: (\w+)\)", output, flags=re.MULTILINE)


def job_spans(output: str) -> dict[str, float]:
    """Per rule, seconds from the start of its first job to the end of its last one, as stamped
    in Snakemake's log (1 s resolution).

    Snakemake prints a line "[Thu Nov 26 02:29:10 2026]" just before "Job N: <message>" (or a
    "rule X:" block with "jobid: N") when a job starts, and before "Finished jobid: N (Rule: X)".
    """
    starts: dict[str, datetime.datetime] = {}
    first: dict[str, datetime.datetime] = {}
    spans: dict[str, float] = {}
    stamp = None
    for line in output.splitlines():
        line = line.strip()
        match = re.fullmatch(r"\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]", line)
        if match:
            stamp = datetime.datetime.strptime(" ".join(match.group(1).split()), "%a %b %d %H:%M:%S %Y")
            continue
        if stamp is None:
            continue
        ended = re.fullmatch(r"Finished jobid: (\d+) \(Rule: (\w+)\)", line)
        started = re.match(r"(?:Job (\d+): |jobid: (\d+)$)", line)
        if ended and ended.group(1) in starts:
            rule = ended.group(2)
            first[rule] = min(first.get(rule, starts[ended.group(1)]), starts[ended.group(1)])
            spans[rule] = (stamp - first[rule]).total_seconds()
        elif started:
            starts[started.group(1) or started.group(2)] = stamp
    return spans


def copy_project(destination: Path) -> None:
    """The project's sources, settings, raw data and report sources, without any output."""
    destination.mkdir(parents=True)
    for name in PROJECT_FILES:
        shutil.copy2(REPO / name, destination / name)
    for name in PROJECT_FOLDERS:
        shutil.copytree(REPO / name, destination / name, ignore=IGNORED)


def failed(what: str, status: int, output: str, log_path: Path) -> None:
    print(f"  FAILED: {what} exited with status {status}; last lines of {log_path}:")
    for line in output.splitlines()[-25:]:
        print(f"    {line}")


# --------------------------------------------------------------------------------------------
# Parts 1 and 2: the Snakemake builds
# --------------------------------------------------------------------------------------------


def build_parts(arguments: argparse.Namespace, work: Path) -> None:
    cores = arguments.cores
    print()
    print(f"== 1. Cold build of the whole pipeline (snakemake --cores {cores}, fresh copy) ==")
    print(f"  {load()}")

    # 1a. One command builds everything.
    full = work / "full"
    copy_project(full)
    progress(f"cold build of everything in {full} ...")
    total, status, output = snakemake(full, cores, [], work / "full.log")
    if status != 0:
        failed("the cold build", status, output, work / "full.log")
        return
    documents = sorted(str(p.relative_to(full)) for p in (full / "report" / "_output").glob("*/index.*"))
    jobs = finished_jobs(output)
    print(f"  one command, all stages: {total:.1f} s wall, {LAST_CPU[0]:.1f} s CPU (user + system, Snakemake and "
          f"its jobs) ({len(jobs)} jobs; documents: {', '.join(documents)}); goal: <= 20 s wall: "
          f"{'met' if total <= 20 else 'not met'}; {load()}")
    spans = job_spans(output)
    print("  per rule, first job's start to last job's end as stamped in Snakemake's log of that build")
    print("  (1 s resolution; with 2 cores jobs may overlap):")
    for rule in LOGGED_RULES + sorted(set(spans) - set(LOGGED_RULES)):
        if rule in spans:
            print(f"    {rule:16} {spans[rule]:5.0f} s")
    rule_resources(full)
    edit_one_coding(full, cores, work, arguments.repetitions)

    # 1b. Stage by stage in a second fresh copy.
    staged = work / "staged"
    copy_project(staged)
    rows = []
    for stage in STAGES:
        progress(f"staged build: snakemake --cores {cores} {stage} ...")
        elapsed, status, output = snakemake(staged, cores, [stage], work / f"staged-{stage}.log")
        if status != 0:
            failed(f"snakemake {stage}", status, output, work / f"staged-{stage}.log")
            return
        rows.append((stage, elapsed, finished_jobs(output), LAST_CPU[0]))

    # 2. The no-op rebuild and Snakemake's own floor, interleaved, after one warm-up each.
    empty = work / "empty"
    empty.mkdir()
    (empty / "Snakefile").write_text(EMPTY_SNAKEFILE, encoding="utf-8")
    (empty / "done.txt").touch()
    floors, noops, nothing = [], [], []
    for repetition in range(arguments.repetitions + 1):
        progress(f"no-op and empty workflow, run {repetition} of {arguments.repetitions} (0 = warm-up) ...")
        floor_s, floor_status, floor_output = snakemake(empty, cores, [], work / f"empty-{repetition}.log")
        noop_s, noop_status, noop_output = snakemake(full, cores, [], work / f"noop-{repetition}.log")
        if floor_status or noop_status:
            failed("the no-op or empty-workflow run", floor_status or noop_status,
                   floor_output if floor_status else noop_output, work / f"noop-{repetition}.log")
            return
        if repetition:
            floors.append(floor_s)
            noops.append(noop_s)
            nothing.append("Nothing to be done" in noop_output and "Nothing to be done" in floor_output)
    floor = statistics.median(floors)
    noop = statistics.median(noops)

    print(f"  stage by stage (second fresh copy; one `snakemake --cores {cores} <stage>` each):")
    print(f"    net = raw - {floor:.2f} s (median start-up of Snakemake on an empty workflow, part 2);")
    print(f"    net of no-op = raw - {noop:.2f} s (median no-op rebuild of this workflow, part 2: adds parsing")
    print("    the Snakefile, checking the config against its schema and the DAG of this workflow)")
    print(f"    {'stage':12} {'raw s':>7} {'net s':>7} {'net of no-op s':>15} {'CPU s':>6}  jobs run")
    for stage, elapsed, ran, cpu in rows:
        print(f"    {stage:12} {elapsed:7.2f} {elapsed - floor:7.2f} {elapsed - noop:15.2f} {cpu:6.1f}  "
              f"{', '.join(ran) or 'none'}")
    raw_sum = sum(r[1] for r in rows)
    print(f"    {'sum':12} {raw_sum:7.2f} {raw_sum - len(rows) * floor:7.2f} {raw_sum - len(rows) * noop:15.2f}")
    print(f"  the single cold build took {total:.1f} s; the {len(rows)} staged commands {raw_sum:.1f} s in all "
          f"({len(rows) - 1} more start-ups; frequencies and diversity can run side by side in the single build).")
    report_documents(staged, work)
    compare_renderers(staged, work)

    print()
    print(f"== 2. No-op rebuild against Snakemake's start-up floor ({arguments.repetitions} runs each, "
          "after one warm-up) ==")
    print(f"  {load()}")
    print(f"  no-op rebuild of the built copy:   min {min(noops):.2f} s, median {noop:.2f} s  "
          f"(runs: {', '.join(f'{t:.2f}' for t in noops)})")
    print(f"  empty workflow (floor):            min {min(floors):.2f} s, median {floor:.2f} s  "
          f"(runs: {', '.join(f'{t:.2f}' for t in floors)})")
    print(f"  every run said 'Nothing to be done': {'yes' if all(nothing) else 'NO (see the logs)'}")
    ratio = noop / floor
    print(f"  ratio no-op / floor (medians): {ratio:.2f} (min/min: {min(noops) / min(floors):.2f}); "
          f"goal: within 20% of the floor (<= 1.20): {'met' if ratio <= 1.20 else 'not met'}")


def flip_one_status(codings: Path) -> str:
    """Edit one coding of codings.csv in place: the first 'applied' whose 'intended' twin (same
    plan, object, strategy and sub-strategy) does not exist becomes 'intended' (a change that
    validation accepts and every stage after it sees). Returns a description of the edit."""
    text = codings.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    rows = list(csv.reader(lines))
    header, body = rows[0], rows[1:]
    status = header.index("status")
    key = lambda row, value: tuple(row[:status]) + (value,)  # noqa: E731
    present = {tuple(row[:status + 1]) for row in body}
    for number, row in enumerate(body, start=2):
        if row[status] == "applied" and key(row, "intended") not in present:
            row[status] = "intended"
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\r\n" if lines[number - 1].endswith("\r\n") else "\n").writerow(row)
            lines[number - 1] = buffer.getvalue()
            codings.write_text("".join(lines), encoding="utf-8")
            return f"line {number}: {', '.join(row[:status])}: applied -> intended"
    raise SystemExit(f"{codings}: no coding whose status can be flipped")


def edit_one_coding(built: Path, cores: int, work: Path, repetitions: int) -> None:
    """Part 1, continued: one coding edited in the built copy, then `snakemake --cores N`: the
    time until the four documents are up to date again, and which rules ran. Done `repetitions`
    times, each time editing another coding (the same work each time): from one run to the next on
    the same machine the time varies by half a second or more, so the goal is judged on the median."""
    times, cpus = [], []
    for repetition in range(1, repetitions + 1):
        documents = sorted((built / "report" / "_output").glob("*/index.*"))
        before = {path: path.stat().st_mtime_ns for path in documents}
        edit = flip_one_status(built / "data" / "raw" / "codings.csv")
        progress(f"one coding edited ({edit}), run {repetition} of {repetitions}; rebuilding ...")
        elapsed, status, output = snakemake(built, cores, [], work / f"edit-{repetition}.log")
        if status != 0:
            failed("the rebuild after editing one coding", status, output, work / f"edit-{repetition}.log")
            return
        updated = sum(path.stat().st_mtime_ns != before[path] for path in documents)
        if not updated == len(documents) == 4:
            print(f"  one coding edited ({edit}): {updated} of {len(documents)} documents rewritten; goal: not met")
            return
        times.append(elapsed)
        cpus.append(LAST_CPU[0])
        print(f"  one coding edited ({edit}), then `snakemake --cores {cores}`: {elapsed:.1f} s wall, "
              f"{LAST_CPU[0]:.1f} s CPU; 4 of 4 documents rewritten; {load()}")
        if repetition == 1:
            spans = job_spans(output)
            print("    jobs run: " + ", ".join(f"{rule} ({spans[rule]:.0f} s)" if rule in spans else rule
                                              for rule in dict.fromkeys(finished_jobs(output))))
    median = statistics.median(times)
    print(f"  edit to four documents, median of {repetitions}: {median:.1f} s wall (min {min(times):.1f}, max "
          f"{max(times):.1f}), {statistics.median(cpus):.1f} s CPU; goal: <= 12 s wall: "
          f"{'met' if median <= 12 else 'not met'}")


def rule_resources(built: Path) -> None:
    """Part 1, continued: each rule's peak memory and longest job, from the Snakemake benchmark
    files of the cold build (logs/benchmarks/, one per job), beside what the rule declares
    (threads, mem_mb, runtime) and whether that covers the use three times over."""
    sys.path.insert(0, str(REPO / "src"))
    from rlp_pipeline.workflow.resources import declared_resources, measured_resources, uncovered

    declared = declared_resources(built / "rules")
    measured = measured_resources(built / "logs" / "benchmarks")
    print("  per rule, from Snakemake's benchmark files of that build (largest of the rule's jobs) and as declared:")
    print(f"    {'rule':16} {'peak MB':>8} {'time s':>7}   {'threads':>7} {'mem_mb':>7} {'runtime':>8}   margin (declared / used)")
    for rule in LOGGED_RULES + sorted(set(measured) - set(LOGGED_RULES)):
        if rule not in measured:
            continue
        used, wanted = measured[rule], declared.get(rule, {})
        memory, runtime = wanted.get("mem_mb"), wanted.get("runtime")
        margins = (f"memory x{memory / used['max_rss']:.1f}" if memory and used["max_rss"] else "memory ?") + ", " + \
                  (f"time x{runtime * 60 / used['s']:.0f}" if runtime and used["s"] else "time ?")
        print(f"    {rule:16} {used['max_rss']:8.0f} {used['s']:7.1f}   {wanted.get('threads')!s:>7} {memory!s:>7} "
              f"{runtime!s:>5} min   {margins}")
    problems = uncovered(declared, measured, margin=3)
    print("  every declared value covers its use at least three times: " + ("yes" if not problems else "NO"))
    for problem in problems:
        print(f"    {problem}")


def report_documents(built: Path, work: Path) -> None:
    """Part 1c: the report stage once more in a built copy, its steps timed (see child_report)."""
    progress(f"report stage once more in {built}, its steps timed ...")
    timed = run_child("report", built, [], work / "report.json")
    if timed is None:
        return
    print(f"  report stage per document: the stage run once more in the staged copy, {timed['seconds']:.1f} s wall,"
          f" {timed['cpu']:.1f} s CPU (user + system, its kernels and Pandoc included), {timed['load']}")
    print(f"  ({timed['renderer']}; the languages at once, each one's steps timed in its own threads):")
    for language, parts in timed["languages"].items():
        if "kernel" not in parts:
            print(f"    {language}: {parts['total']:.1f} s for its HTML and its PDF together (real Quarto, not split)")
    fallback = {language: parts for language, parts in timed["languages"].items() if "kernel" in parts}
    if not fallback:
        return
    print("    a language's kernel and cells serve both its documents; then Pandoc writes the HTML while")
    print("    Pandoc and Typst write the PDF (both at once), so its total is about kernel + cells + the longer of")
    print("    pandoc html and pandoc typst + typst; the workbooks are written meanwhile")
    print(f"    {'language':8} {'kernel s':>9} {'cells s':>8} {'pandoc html s':>14} {'pandoc typst s':>15} "
          f"{'typst s':>8} {'total s':>8}")
    for language, parts in fallback.items():
        steps = [parts.get(name, 0.0) for name in ("kernel", "cells", "pandoc html", "pandoc typst", "typst", "total")]
        print(f"    {language:8} {steps[0]:9.2f} {steps[1]:8.2f} {steps[2]:14.2f} {steps[3]:15.2f} {steps[4]:8.2f} "
              f"{steps[5]:8.2f}")
    for language, parts in fallback.items():
        slowest = ", ".join(f"{'the setup cell' if line is None else f'line {line}'} {seconds:.2f} s"
                            for line, seconds in parts["slowest cells"])
        print(f"    {language}: slowest cells (the renderer's setup cell, or the line of report/index.qmd): {slowest}")


def compare_renderers(built: Path, work: Path, rounds: int = 2) -> None:
    """Part 1d: the report stage (four documents) with the fallback renderer and with real Quarto,
    in the same built copy, alternating (fallback, Quarto, fallback, ...) so that both see the
    same load; prints each run (wall time, and CPU time: user + system of the run and all its
    processes, which the machine's other work changes much less), the medians and their ratios
    against the goal (Quarto at most 1.5 times the fallback). Skipped where the quarto command is
    not on PATH."""
    if shutil.which("quarto") is None:
        print("  fallback vs real Quarto: quarto is not on PATH (export PATH=/path/to/quarto/bin:$PATH), not compared")
        return
    runs: dict[str, list[float]] = {"fallback": [], "quarto": []}
    cpu: dict[str, list[float]] = {"fallback": [], "quarto": []}
    names: dict[str, str] = {}
    for round_ in range(rounds):
        for renderer in runs:
            progress(f"report stage with the {renderer} renderer, round {round_ + 1} of {rounds} ...")
            before = children_cpu()
            timed = run_child("report", built, ["--child-label", renderer], work / f"report-{renderer}.json")
            if timed is None:
                return
            runs[renderer].append(timed["seconds"])
            cpu[renderer].append(children_cpu() - before)
            names[renderer] = timed["renderer"]
    medians = {renderer: statistics.median(seconds) for renderer, seconds in runs.items()}
    cpu_medians = {renderer: statistics.median(seconds) for renderer, seconds in cpu.items()}
    print(f"  fallback vs real Quarto, the four documents (report stage, alternating runs; {load()}):")
    for renderer, seconds in runs.items():
        print(f"    {renderer:8} median {medians[renderer]:6.1f} s wall, {cpu_medians[renderer]:6.1f} s CPU  "
              f"(runs: {', '.join(f'{t:.1f}' for t in seconds)} s wall; "
              f"{', '.join(f'{t:.1f}' for t in cpu[renderer])} s CPU; {names[renderer]})")
    ratio = medians["quarto"] / medians["fallback"]
    print(f"    ratio Quarto / fallback: {ratio:.2f} wall (goal <= 1.5: {'met' if ratio <= 1.5 else 'not met'}), "
          f"{cpu_medians['quarto'] / cpu_medians['fallback']:.2f} CPU; {load()}")


def report_only(built: Path, work: Path) -> None:
    """--report-renderers BUILT: part 1d alone, on a project whose pipeline has already run
    (BUILT has data/derived): this checkout's src/ and report/ with BUILT's data/ and config/ are
    copied into the temporary folder, so BUILT is only read."""
    copy = work / "report-only"
    for part, source in (("src", REPO / "src"), ("report", REPO / "report"), ("data", built / "data"),
                         ("config", built / "config")):
        shutil.copytree(source, copy / part, ignore=IGNORED)
    if not (copy / "data" / "derived" / "figures" / "figures.json").exists():
        sys.exit(f"{built}: no data/derived/figures/figures.json; build the pipeline there first (snakemake --cores 2)")
    print(f"== 1d. The report stage: fallback renderer vs real Quarto (the derived tables of {built}) ==")
    compare_renderers(copy, work)


def child_report(folder: Path, result: Path, label: str = "") -> None:
    """Subprocess: rlp_pipeline.stages.report.run_report in a built copy (folder), as the report rule
    runs it (the languages at once), with timers around the fallback renderer's steps of each
    language (starting and stopping the Jupyter kernel, each cell, Pandoc to HTML, Pandoc to Typst,
    Typst to PDF), or around each language's quarto render when real Quarto is installed; and the
    stage's CPU time (user + system, of this process and its finished children)."""
    import threading

    os.chdir(folder)
    source = str(folder / "src")
    sys.path.insert(0, source)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")]))
    logging.disable(logging.WARNING)
    import nbclient

    from rlp_pipeline.reporting import render
    from rlp_pipeline.stages import report

    languages: dict[str, dict] = {}  # seconds per step, per language
    lock = threading.Lock()
    works: dict[str, str] = {}  # a render's work folder -> its language (Typst's arguments name no language)

    def add(language, step, seconds):
        with lock:
            parts = languages.setdefault(language, {})
            parts[step] = parts.get(step, 0.0) + seconds

    def clock(step, language, function):
        """The function, adding its duration to languages[language(args)][step(args)]."""
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                add(language(args), step(args) if callable(step) else step, time.perf_counter() - started)
        return wrapper

    def render_file(qmd, config, profile, work, *args, **kwargs):
        works[str(work)] = profile
        return original_render_file(qmd, config, profile, work, *args, **kwargs)

    local = threading.local()  # the language whose cells this thread runs (nbclient runs them in the caller's thread)

    def execute_cell(client, cell, index, *more, **options):
        started = time.perf_counter()
        try:
            return original_execute_cell(client, cell, index, *more, **options)
        finally:
            if getattr(local, "timings", None) is not None:
                local.timings.append((local.lines[index], time.perf_counter() - started))

    def execute(cells, qmd, profile, *args, **kwargs):
        local.lines = [None] + [cell[0] for cell in cells]  # cell 0 is the renderer's setup cell
        local.timings = []
        started = time.perf_counter()
        try:
            return original_execute(cells, qmd, profile, *args, **kwargs)
        finally:
            total = time.perf_counter() - started
            cells_seconds = sum(seconds for _, seconds in local.timings)
            add(profile, "cells", cells_seconds)
            add(profile, "kernel", total - cells_seconds)  # what is not a cell: the kernel's start and stop
            with lock:
                languages[profile]["slowest cells"] = sorted(local.timings, key=lambda item: -item[1])[:3]
            local.timings = None

    def render_language(project_dir, profile, *args, **kwargs):
        started = time.perf_counter()
        try:
            return original_render_project(project_dir, profile, *args, **kwargs)
        finally:
            add(profile, "total", time.perf_counter() - started)
            progress(f"report {profile}: {languages[profile]['total']:.1f} s (the languages at once)")

    original_execute, original_render_file = render._execute, render._render_file
    original_render_project, original_execute_cell = report.render_project, nbclient.NotebookClient.execute_cell
    nbclient.NotebookClient.execute_cell = execute_cell
    render._execute = execute
    render._render_file = render_file
    render._pandoc = clock(lambda args: "pandoc html" if "html5" in args[0] else "pandoc typst",
                           lambda args: args[2]["RLP_PROFILE"], render._pandoc)
    render._typst = clock("typst", lambda args: works.get(str(Path(args[0]).parent), "?"), render._typst)
    report.render_project = render_language
    prefer_quarto = label != "fallback"  # --child-label fallback: the fallback even where Quarto is installed
    started = time.perf_counter()
    report.run_report(Path("report"), Path("data/derived"), Path("data/raw/codebook.yaml"), Path("config/findings.yaml"),
                      prefer_quarto=prefer_quarto)
    seconds = time.perf_counter() - started
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    if "kernel" not in next(iter(languages.values()), {}):  # real Quarto: each language's total only
        languages = {language: {"total": parts["total"]} for language, parts in languages.items()}
    result.write_text(json.dumps({"seconds": seconds, "cpu": cpu, "load": load(), "languages": languages,
                                  "renderer": report.renderer_description(prefer_quarto)}))


# --------------------------------------------------------------------------------------------
# Part 3: the analysis stages on simulated populations (each run in its own subprocesses)
# --------------------------------------------------------------------------------------------


def child_generate(folder: Path, n_plans: int, result: Path) -> None:
    """Subprocess: simulate a population of n_plans plans into folder/raw."""
    sys.path.insert(0, str(REPO / "src"))
    from rlp_pipeline.codebook import load_codebook
    from rlp_pipeline.simulate import load_simulation_parameters, write_population

    raw = folder / "raw"
    parameters = load_simulation_parameters(REPO / "config" / "simulation.yaml")
    parameters["n_plans"] = n_plans  # the seed is kept
    codebook = load_codebook(raw / "codebook.yaml")
    started = time.perf_counter()
    write_population(parameters, codebook, raw)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts = {}
    for name in ("plans", "codings"):
        with (raw / f"{name}.csv").open(encoding="utf-8", newline="") as stream:
            counts[name] = sum(1 for _ in csv.reader(stream)) - 1
    result.write_text(json.dumps({"seconds": elapsed, "peak_mb": peak, "seed": parameters["seed"], **counts}))


def child_analyse(folder: Path, label: str, result: Path) -> None:
    """Subprocess: run_analysis on folder/raw into folder/derived, timing each stage function."""
    sys.path.insert(0, str(REPO / "src"))
    logging.disable(logging.WARNING)
    from rlp_pipeline import analysis

    stages: dict[str, float] = {}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            value = function(*args, **kwargs)
            stages[name] = time.perf_counter() - started
            progress(f"{label}: {name} {stages[name]:.2f} s")
            # What is known so far, in case the run is stopped before it ends.
            result.write_text(json.dumps({"partial": True, "stages": stages, "before_mb": before,
                                          "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
            return value
        return wrapper

    # run_analysis looks its stage functions up in its module: wrap them there, call it unchanged.
    for name in ANALYSIS_STAGES:
        setattr(analysis, name, timed(name, getattr(analysis, name)))
    raw = folder / "raw"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    analysis.run_analysis(raw / "codebook.yaml", raw / "datapackage.yaml", REPO / "config" / "findings.yaml",
                          folder / "derived", dict(SAMPLING), STATISTICS_SEED)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result.write_text(json.dumps({"seconds": elapsed, "stages": stages, "before_mb": before, "peak_mb": peak}))


def run_child(mode: str, folder: Path, extra: list[str], result: Path) -> dict | None:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--child-folder", str(folder),
               "--child-result", str(result), *extra]
    completed = subprocess.run(command)  # its progress lines go to our stderr
    if completed.returncode == 0 and result.exists():
        return json.loads(result.read_text())
    print(f"  {mode} of {folder.name} did not finish: its subprocess exited with status {completed.returncode}")
    partial = json.loads(result.read_text()) if result.exists() else {}
    if partial.get("stages"):
        done = ", ".join(f"{name.removeprefix('run_')} {seconds:.2f} s" for name, seconds in partial["stages"].items())
        print(f"    stages finished before it stopped: {done}; peak so far {partial['peak_mb']:.0f} MB")
    return None


def analysis_part(arguments: argparse.Namespace, work: Path) -> None:
    print()
    print("== 3. Analysis stages (validation to findings, no figures or report) on simulated populations ==")
    print(f"  {load()}")
    print(f"  sampling {SAMPLING}, statistics seed {STATISTICS_SEED}; config/simulation.yaml with n_plans overridden")
    print("  generation and analysis each run in a fresh subprocess; analysis s is timed around run_analysis only;")
    print("  peak MB is ru_maxrss of the analysis subprocess (it includes the ~'before MB' of imported libraries)")
    print(f"  {'plans':>8} {'codings':>10} {'generation s':>13} {'analysis s':>11} {'peak MB':>8} {'before MB':>10}",
          flush=True)
    results = []
    for size in arguments.sizes:
        folder = work / f"population-{size}"
        raw = folder / "raw"
        raw.mkdir(parents=True)
        shutil.copy(REPO / "data" / "raw" / "codebook.yaml", raw / "codebook.yaml")
        shutil.copy(REPO / "data" / "raw" / "datapackage.yaml", raw / "datapackage.yaml")
        progress(f"{size} plans: generating ...")
        generated = run_child("generate", folder, ["--child-size", str(size)], folder / "generate.json")
        if generated is None:
            break
        progress(f"{size} plans: {generated['codings']} codings generated in {generated['seconds']:.1f} s; analysing ...")
        analysed = run_child("analyse", folder, ["--child-label", f"{size} plans"], folder / "analyse.json")
        if analysed is None:
            print(f"    ({generated['plans']} plans, {generated['codings']} codings, generated in "
                  f"{generated['seconds']:.2f} s)")
            break
        results.append((size, generated, analysed))
        # Each row is printed as soon as it is known, so a long run shows its finished sizes.
        print(f"  {generated['plans']:>8} {generated['codings']:>10} {generated['seconds']:>13.2f} "
              f"{analysed['seconds']:>11.2f} {analysed['peak_mb']:>8.0f} {analysed['before_mb']:>10.0f}", flush=True)
        if not arguments.keep:
            shutil.rmtree(folder)

    if not results:
        return
    print("  per stage, seconds:")
    print(f"  {'plans':>8} " + " ".join(f"{name.removeprefix('run_'):>11}" for name in ANALYSIS_STAGES))
    for size, _, analysed in results:
        print(f"  {size:>8} " + " ".join(f"{analysed['stages'].get(name, float('nan')):>11.2f}" for name in ANALYSIS_STAGES))
    print("  growth of the time between consecutive sizes (analysis s ratio; equal to the size ratio when linear):")
    for (small, _, a), (large, _, b) in zip(results, results[1:]):
        stage_growth = ", ".join(f"{name.removeprefix('run_')} {b['stages'][name] / a['stages'][name]:.1f}"
                                 for name in ANALYSIS_STAGES if a["stages"].get(name))
        print(f"    {small} -> {large} plans (x{large / small:g}): total x{b['seconds'] / a['seconds']:.1f} ({stage_growth})")
    by_size = {size: analysed for size, _, analysed in results}
    if 10000 in by_size and 100000 in by_size:
        growth = by_size[100000]["seconds"] / by_size[10000]["seconds"]
        print(f"  goal, growth 10,000 -> 100,000 <= 10 (no worse than linear): x{growth:.1f}, "
              f"{'met' if growth <= 10 else 'not met'}")
    if 100000 in by_size:
        big = by_size[100000]
        print(f"  goal, 100,000 plans under 30 s: {big['seconds']:.1f} s, {'met' if big['seconds'] < 30 else 'not met'}")
        print(f"  goal, 100,000 plans under 2 GB: {big['peak_mb']:.0f} MB, {'met' if big['peak_mb'] < 2048 else 'not met'}")


# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# Part 4: the stability stage's alternative samples
# --------------------------------------------------------------------------------------------


def stability_part(arguments: argparse.Namespace, work: Path) -> None:
    """Redraws per second of the stability stage: in a fresh copy built up to the findings, the
    stage (its chunk jobs and the merge, with the shipped settings: 1,000 alternative samples,
    every finding's tests, exact ones included) run by `snakemake --cores N stability`, timed
    as a whole; each chunk's own rate is read from its log."""
    print()
    print("== 4. Stability redraw throughput (redraws per second) ==")
    print(f"  {load()}")
    folder = work / "stability"
    copy_project(folder)
    progress(f"stability: building up to the findings in {folder} ...")
    _, status, output = snakemake(folder, arguments.cores, ["findings"], work / "stability-setup.log")
    if status != 0:
        failed("the build up to the findings", status, output, work / "stability-setup.log")
        return
    progress("stability: the stage alone ...")
    elapsed, status, output = snakemake(folder, arguments.cores, ["stability"], work / "stability.log")
    cpu = LAST_CPU[0]
    if status != 0:
        failed("snakemake stability", status, output, work / "stability.log")
        return
    record = json.loads((folder / "data" / "derived" / "stability" / "stability_record.json").read_text(encoding="utf-8"))
    redraws, chunks = record["redraws"], record["chunks"]
    print(f"  {redraws} alternative samples ({record['method']}; n = {record['sample_size']} of N = "
          f"{record['population_size']}), every finding's components and verdict on each, in {chunks} chunk job{'s' if chunks != 1 else ''} "
          f"on {arguments.cores} cores")
    print(f"  `snakemake --cores {arguments.cores} stability` (chunks and merge, Snakemake's start-up included): "
          f"{elapsed:.1f} s wall, {cpu:.1f} s CPU = {redraws / elapsed:.1f} redraws per second; goal: 1,000 in "
          f"<= 8 s wall: {'met' if elapsed * 1000 / redraws <= 8 else 'not met'}; {load()}")
    rates = []
    for log in sorted((folder / "logs" / "stability").glob("chunk-*.log")):
        match = re.search(r"Chunk (\d+): (\d+) samples in ([\d.]+) s", log.read_text(encoding="utf-8"))
        if match:
            rates.append((int(match.group(1)), int(match.group(2)), float(match.group(3))))
    for chunk, samples, seconds in rates:
        print(f"    chunk {chunk}: {samples} samples in {seconds:.1f} s inside its job = {samples / seconds:.1f} per second on one core")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000], metavar="N",
                        help="numbers of plans of the simulated populations of part 3 (default: %(default)s)")
    parser.add_argument("--skip-build", action="store_true",
                        help="skip parts 1 and 2 (the Snakemake cold build, staged build and no-op rebuild)")
    parser.add_argument("--cores", type=int, default=2, help="--cores given to Snakemake (default: %(default)s)")
    parser.add_argument("--repetitions", type=int, default=3,
                        help="timed edits of one coding in part 1, and timed runs of the no-op rebuild and of the "
                             "empty workflow in part 2 (default: %(default)s)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (project copies, Snakemake outputs, populations) and print its path")
    parser.add_argument("--report-renderers", type=Path, metavar="BUILT",
                        help="only compare the report stage's two renderers (part 1d) on BUILT, a project already built")
    parser.add_argument("--child", choices=("generate", "analyse", "report"), help=argparse.SUPPRESS)
    parser.add_argument("--child-folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-label", default="", help=argparse.SUPPRESS)
    arguments = parser.parse_args()

    if arguments.child == "generate":
        return child_generate(arguments.child_folder, arguments.child_size, arguments.child_result)
    if arguments.child == "analyse":
        return child_analyse(arguments.child_folder, arguments.child_label, arguments.child_result)
    if arguments.child == "report":
        return child_report(arguments.child_folder, arguments.child_result, arguments.child_label)
    if any(size < 1 for size in arguments.sizes) or arguments.repetitions < 1 or arguments.cores < 1:
        parser.error("--sizes, --repetitions and --cores must be positive")

    sys.stdout.reconfigure(line_buffering=True)  # results appear as they come, also in a file
    header(arguments)
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="rlp-speed-"))
    try:
        if arguments.report_renderers:
            return report_only(arguments.report_renderers.resolve(), work)
        if not arguments.skip_build:
            build_parts(arguments, work)
        analysis_part(arguments, work)
        stability_part(arguments, work)
    finally:
        if arguments.keep:
            print(f"\n  temporary folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"Done in {time.perf_counter() - started:.0f} s; {load()}")


if __name__ == "__main__":
    main()
