"""The report stage: render the bilingual Quarto project (report/) to HTML and PDF in each language,
and write each language's results workbook beside its documents.

The words, tables and sentences of the documents come from the report's code cells
(:mod:`rlp_pipeline.reporting.document`, run in a Jupyter kernel per language); the renderers are
real Quarto or the Pandoc + Typst fallback (:mod:`rlp_pipeline.reporting.render`). This module only
runs them. It imports neither pandas nor the cells' helpers, so that the two kernels start about
0.3 s after the job does instead of after those imports: the report is the last job of every
rebuild, and its start is on the path to the four documents.
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..reporting.render import CONCURRENT_PROFILES, publish_renders, render_project, renderer_description
from ..reporting.workbook import write_workbook

log = logging.getLogger("rlp_pipeline.stages.report")


def git_commit(folder: Path) -> str:
    """The code version the report was built from (`git describe --always --dirty`), or
    'unknown' outside a git checkout."""
    try:
        result = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12"], cwd=folder,
                                capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return result.stdout.strip() if result.returncode == 0 and result.stdout.strip() else "unknown"


def commit_date(folder: Path) -> str:
    """The date of the code version (YYYY-MM-DD), so that the report's date does not change
    from one rebuild to the next; today's date outside a git checkout."""
    try:
        result = subprocess.run(["git", "log", "-1", "--format=%cs"], cwd=folder, capture_output=True, text=True, timeout=20)
        if result.returncode == 0 and result.stdout.strip():
            return result.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    return datetime.date.today().isoformat()


def run_report(project_dir: Path | str, derived_dir: Path | str, codebook_path: Path | str, registry_path: Path | str,
               languages: tuple[str, ...] = ("fr", "en"), prefer_quarto: bool = True,
               settings_path: Path | str | None = None) -> list[str]:
    """The report stage: render the Quarto project once per language profile (HTML and PDF).

    The code cells find the derived tables and the codebook through RLP_DERIVED and
    RLP_CODEBOOK, the report's settings (authors, licence: config/report.yaml, by default beside
    the registry) through RLP_SETTINGS, and the renderer and code version for the provenance record
    through RLP_RENDERER and RLP_GIT_COMMIT. Real Quarto is used when installed, else the
    fallback; both render the languages at once (render.CONCURRENT_PROFILES). Each language's
    results workbook (reporting.workbook) is written beside its documents.
    """
    project_dir = Path(project_dir)
    renderer = renderer_description(prefer_quarto)
    log.info("Rendering the report (%s) with %s", ", ".join(languages), renderer)
    os.environ.update({
        "RLP_DERIVED": str(Path(derived_dir).resolve()),
        "RLP_CODEBOOK": str(Path(codebook_path).resolve()),
        "RLP_REGISTRY": str(Path(registry_path).resolve()),
        "RLP_SETTINGS": str(Path(settings_path or Path(registry_path).parent / "report.yaml").resolve()),
        "RLP_REPORT_DIR": str(project_dir.resolve()),
        "RLP_RENDERER": renderer,
        "RLP_GIT_COMMIT": git_commit(project_dir),
        "RLP_BUILD_DATE": commit_date(project_dir),
    })
    # The languages at once (render.CONCURRENT_PROFILES), and meanwhile each language's results
    # workbook, from the same derived tables, in a staging folder. The documents (either
    # renderer's) are moved into place only when every language has succeeded
    # (render.publish_renders); the workbooks then go beside them.
    date = os.environ["RLP_BUILD_DATE"]
    with tempfile.TemporaryDirectory(prefix="rlp-workbooks-") as staging, \
            ThreadPoolExecutor(max_workers=CONCURRENT_PROFILES) as pool, \
            ThreadPoolExecutor(max_workers=1) as books_pool:
        renders = [pool.submit(render_project, project_dir, language, prefer_quarto, False) for language in languages]
        books = [books_pool.submit(write_workbook, derived_dir, Path(staging) / language, language, date)
                 for language in languages]
        files = []
        for result, book in zip(publish_renders(renders, books), books):
            folder = Path(next(f for f in result["files"] if f.endswith(".html"))).parent
            files += result["files"] + [str(shutil.move(book.result(), folder / book.result().name))]
    log.info("Wrote %s", ", ".join(files))
    return files
