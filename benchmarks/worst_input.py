"""Time and peak memory of the worst input the pipeline accepts. Measures and prints; asserts nothing.

The limits that bound the work (data/raw/datapackage.yaml `maxLength`, rlp_pipeline.io.yamlfile's
MAX_VALUES and MAX_YAML_BYTES, the breakable words of rlp_pipeline.safety.text) are only worth
what the work at those limits costs. Each case runs in its own subprocess, so that its peak
memory (ru_maxrss, read inside the child; for rendering, also its children: Pandoc, Typst and
the Jupyter kernel) is its own:

1. validation of the shipped tables with every excerpt, plan name and coder at the greatest
   accepted length, each a single unbroken word (1,500 excerpts of 5,000 letters);
2. fallback rendering (Pandoc + Typst), in French and English, of a document quoting as many
   excerpts and names of the greatest accepted length as the report quotes (one per
   sub-strategy), each a single unbroken word, escaped and made breakable as the report does
   (the case of tests/test_hostile_render.py);
3. the same document without the break opportunities (what happened before), for comparison;
4. reading a YAML file just below the expansion bound (aliases expanding to MAX_VALUES values).

    python benchmarks/worst_input.py

Other jobs on the machine slow every figure down: the load average is printed first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent("""
    import json, resource, sys, time
    sys.path.insert(0, {src!r})
    start = time.perf_counter()
    {body}
    elapsed = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({{"seconds": elapsed, "peak_mb": own / 1024, "children_peak_mb": children / 1024}}))
""")


def measure(body: str, cwd: Path) -> dict:
    """Run `body` (Python statements) in a fresh interpreter; its time and peak memory."""
    script = CHILD.format(src=str(REPO / "src"), body=textwrap.dedent(body).strip())
    result = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def worst_tables(folder: Path) -> None:
    """The shipped raw folder with every text cell at its greatest accepted length, unbroken."""
    import csv

    shutil.copytree(REPO / "data" / "raw", folder)
    word = "Pérennisation-" * 400
    for name, lengths in (("plans.csv", {"name": 300}), ("codings.csv", {"excerpt": 5000, "coder": 100})):
        with open(folder / name, encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream))
        for row in rows:
            for column, length in lengths.items():
                row[column] = word[:length]
        with open(folder / name, "w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


def main() -> None:
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        raw = root / "raw"
        worst_tables(raw)
        size = sum((raw / n).stat().st_size for n in ("plans.csv", "codings.csv")) / 1e6
        figures = measure(f"""
            from rlp_pipeline.stages.validate import validate_inputs
            data = validate_inputs({str(raw / 'codebook.yaml')!r}, {str(raw / 'datapackage.yaml')!r})
            assert len(data.codings) == 1500 and data.codings['excerpt'].str.len().max() == 5000
        """, root)
        print(f"1. validation, every text at its maximum length ({size:.1f} MB of CSV): "
              f"{figures['seconds']:.2f} s, peak {figures['peak_mb']:.0f} MB")

        sys.path.insert(0, str(REPO / "tests"))
        sys.path.insert(0, str(REPO / "src"))
        from test_hostile_render import FIXTURE, worst_index

        for label, index in (("2. rendering, longest excerpts made breakable", worst_index()),
                             ("3. rendering, the same without break opportunities",
                              worst_index().replace("breakable_markdown(escape_markdown(", "(escape_markdown("))):
            project = root / f"project-{label[0]}"
            shutil.copytree(FIXTURE, project)
            (project / "index.qmd").write_text(index, encoding="utf-8")
            figures = measure(f"""
                from rlp_pipeline import render
                for profile in ("fr", "en"):
                    render.render({str(project)!r}, profile)
            """, root)
            print(f"{label}, French and English, HTML and PDF: {figures['seconds']:.1f} s, peak "
                  f"{figures['peak_mb']:.0f} MB (renderer's children: {figures['children_peak_mb']:.0f} MB)")

        from rlp_pipeline.io.yamlfile import MAX_VALUES

        # 9 values, then levels of aliases each repeating the previous level 9 times, as many
        # levels as stay below the bound (a level of size s makes the next one 1 + 9 s).
        lines, sizes = ["l0: &l0 [1, 1, 1, 1, 1, 1, 1, 1, 1]"], [10]
        while 1 + sum(s + 1 for s in sizes) + 2 + 9 * sizes[-1] <= MAX_VALUES:
            lines.append(f"l{len(sizes)}: &l{len(sizes)} [{', '.join([f'*l{len(sizes) - 1}'] * 9)}]")
            sizes.append(1 + 9 * sizes[-1])
        total = 1 + sum(s + 1 for s in sizes)
        (root / "big.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        figures = measure(f"""
            from rlp_pipeline.io.yamlfile import load_yaml
            load_yaml({str(root / 'big.yaml')!r}, "benchmark")
        """, root)
        print(f"4. YAML read, aliases expanding to about {total:,} values (bound {MAX_VALUES:,}): "
              f"{figures['seconds']:.2f} s, peak {figures['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
