"""Accessibility of the report's HTML, checked by axe-core (npm's `axe-core`, the engine of most
accessibility checkers) injected into headless Chromium.

axe-core is installed with npm, at the pinned version, into a cache folder outside the repository
(${XDG_CACHE_HOME:-~/.cache}/rlp-axe) the first time it is needed; the tests skip, saying why,
where npm or Chromium is missing. The check of the real report (both renderers, both languages)
is in tests/test_render.py, beside the renders it shares with the other report tests
(test_report_html_has_no_axe_violation); this module holds the checker and its own test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

AXE_VERSION = "4.14.1"
AXE_DIR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rlp-axe"

# Runs axe on the whole page once it is loaded, then writes the violations into the DOM, which
# Chromium's --dump-dom prints: rule id, impact, help text and each offending node's selector.
RUN_AXE = r"""<script>
window.addEventListener('load', () => {
  axe.run(document, {resultTypes: ['violations']}).then(results => {
    const found = results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 200))}));
    const pre = document.createElement('pre');
    pre.id = 'rlp-axe';
    pre.textContent = JSON.stringify({version: axe.version, violations: found});
    document.body.appendChild(pre);
  });
});
</script>"""


def axe_script() -> Path:
    """axe-core's script at the pinned version, installed with npm into the cache folder when it
    is not there yet; skips the calling test when npm is missing or cannot install it."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    package = script.with_name("package.json")
    if script.exists() and json.loads(package.read_text(encoding="utf-8")).get("version") == AXE_VERSION:
        return script
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(f"npm is not installed: cannot install axe-core {AXE_VERSION} (Debian: apt-get install npm)")
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    installed = subprocess.run([npm, "install", "--prefix", str(AXE_DIR), "--no-save", "--no-audit", "--no-fund",
                                f"axe-core@{AXE_VERSION}"], capture_output=True, text=True, timeout=300)
    if installed.returncode or not script.exists():
        pytest.skip(f"npm could not install axe-core {AXE_VERSION} into {AXE_DIR}: {installed.stderr.strip()[-500:]}")
    return script


def axe_violations(page: Path, work: Path, width: int = 1280) -> list[dict]:
    """axe-core's violations on an HTML document shown in headless Chromium at a window width:
    each with its rule id, impact, help text and offending nodes."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium package is not installed")
    script = axe_script()
    work.mkdir(parents=True, exist_ok=True)
    checked = work / f"axe-{page.parent.name}-{page.name}"
    html = page.read_text(encoding="utf-8")
    checked.write_text(html.replace("</body>", f'<script src="{script.as_uri()}"></script>{RUN_AXE}</body>'),
                       encoding="utf-8")
    result = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", f"--user-data-dir={work / 'axe-profile'}",
         "--allow-file-access-from-files", f"--window-size={width},1000", "--virtual-time-budget=20000",
         "--dump-dom", checked.as_uri()], capture_output=True, text=True, timeout=300)
    found = re.search(r'<pre id="rlp-axe">(.*?)</pre>', result.stdout, re.S)
    assert found, f"axe-core did not report on {page}: {result.stderr[-2000:]}"
    text = found.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    report = json.loads(text)
    assert report["version"] == AXE_VERSION
    return report["violations"]


def describe(violations: list[dict]) -> str:
    """Violations as lines a reader can act on: rule id (impact): help, then each node."""
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']}\n" + "\n".join(f"    {n}" for n in v["nodes"])
                     for v in violations)


def test_axe_finds_the_violations_of_a_faulty_page(tmp_path):
    """The checker reports what it should: an image without alt text, a page without lang, an
    unlabelled form field, and grey-on-white text too pale to read; a fixed page has none."""
    faulty = tmp_path / "faulty" / "index.html"
    faulty.parent.mkdir()
    faulty.write_text('<!DOCTYPE html><html><head><title>t</title></head><body><main><h1>Title</h1>'
                      '<img src="x.png"><input type="text"><p style="color:#bbb;background:#fff">pale</p>'
                      '</main></body></html>', encoding="utf-8")
    found = {v["id"] for v in axe_violations(faulty, tmp_path)}
    assert {"image-alt", "html-has-lang", "label", "color-contrast"} <= found, found
    fixed = tmp_path / "fixed" / "index.html"
    fixed.parent.mkdir()
    fixed.write_text('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main><h1>Title</h1>'
                     '<img src="x.png" alt="A chart"><label>Name <input type="text"></label>'
                     '<p style="color:#333;background:#fff">dark</p></main></body></html>', encoding="utf-8")
    assert axe_violations(fixed, tmp_path) == [], describe(axe_violations(fixed, tmp_path))
