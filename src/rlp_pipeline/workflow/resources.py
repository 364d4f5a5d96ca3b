"""What each rule declares it needs (threads, memory, time) and what its jobs used.

The rules declare `threads`, `resources: mem_mb=..., runtime=...` (runtime in minutes) so that
a cluster scheduler can place them, and a `benchmark:` file (logs/benchmarks/<rule>[-<n>].tsv)
in which Snakemake records each job's wall time and peak memory. benchmarks/speed.py and the
tests compare the two, so that a declared value stays measured rather than guessed.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

DECLARED = ("threads", "mem_mb", "runtime")


def declared_resources(rules_dir: str | Path) -> dict[str, dict[str, int | None]]:
    """Per rule of the workflow's rule files (rules/*.smk), its declared threads, mem_mb and
    runtime (minutes) as integers, None where the rule does not declare one.

    The rule files are read as text (they follow snakefmt's layout: `rule name:` then indented
    directives); values must be integer literals, which keeps them readable and comparable."""
    found: dict[str, dict[str, int | None]] = {}
    for path in sorted(Path(rules_dir).glob("*.smk")):
        text = path.read_text(encoding="utf-8")
        starts = list(re.finditer(r"^(?P<indent> *)rule (?P<name>\w+):", text, flags=re.MULTILINE))
        for match, following in zip(starts, starts[1:] + [None]):
            body = text[match.end(): following.start() if following else len(text)]
            values: dict[str, int | None] = {}
            for name in DECLARED:
                pattern = r"^\s+threads:\s*(\d+)" if name == "threads" else rf"^\s+{name}=(\d+),?\s*$"
                value = re.search(pattern, body, flags=re.MULTILINE)
                values[name] = int(value.group(1)) if value else None
            found[match.group("name")] = values
    return found


def measured_resources(benchmark_dir: str | Path) -> dict[str, dict[str, float]]:
    """Per rule, the largest wall time (s, seconds) and peak resident memory (max_rss, MB) among
    its jobs' Snakemake benchmark files in `benchmark_dir` (<rule>.tsv, or <rule>-<n>.tsv for a
    rule with several jobs); rules without a file are absent."""
    found: dict[str, dict[str, float]] = {}
    for path in sorted(Path(benchmark_dir).glob("*.tsv")):
        rule = re.sub(r"-\d+$", "", path.stem)
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                entry = found.setdefault(rule, {"s": 0.0, "max_rss": 0.0})
                for key in entry:
                    value = row.get(key, "NA")
                    if value not in ("", "NA", "-"):
                        entry[key] = max(entry[key], float(value))
    return found


def uncovered(declared: dict[str, dict[str, int | None]], measured: dict[str, dict[str, float]],
              margin: float) -> list[str]:
    """Plain-language lines, one per rule whose declared memory or time is not at least
    `margin` times what its jobs used (or is missing); empty when every measured rule is covered."""
    problems = []
    for rule, used in sorted(measured.items()):
        wanted = declared.get(rule, {})
        memory, runtime = wanted.get("mem_mb"), wanted.get("runtime")
        if memory is None or memory < margin * used["max_rss"]:
            problems.append(f"rule {rule}: mem_mb={memory} but its jobs peaked at {used['max_rss']:.0f} MB "
                            f"(expected at least {margin:g} times that)")
        if runtime is None or runtime * 60 < margin * used["s"]:
            problems.append(f"rule {rule}: runtime={runtime} min but a job took {used['s']:.1f} s "
                            f"(expected at least {margin:g} times that)")
    return problems
