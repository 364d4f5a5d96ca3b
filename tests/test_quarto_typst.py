"""The Typst command real Quarto runs for the report's PDFs (reporting.quarto_typst): called as
Quarto calls it (quarto-cli src/core/typst.ts), it must answer Quarto's version check, and write
tagged PDFs with alt text, the language with its region, the same bytes each time; refuse what it
does not understand by name; report Typst's warnings where render.quarto_warnings finds them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rlp_pipeline.reporting import quarto_typst as qt
from rlp_pipeline.reporting import render as rd

REPO = Path(__file__).resolve().parents[1]

# A document as Quarto's Typst template writes one: language and region, document date and
# title, and a figure with alt text (the report's figures get theirs from a `#set image(alt: ...)`).
DOCUMENT = """#set document(title: "Rapport", date: datetime(year: 2026, month: 11, day: 30))
#set text(lang: "fr", region: "CA")
= Titre
#figure(image("bars.svg", alt: "Diagramme en barres : 40 %"), caption: [Barres])
"""
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10">'
       '<rect width="20" height="10" fill="#336699"/></svg>')


@pytest.fixture
def command(tmp_path):
    pytest.importorskip("typst")
    return qt.write_command(tmp_path)


def project(folder: Path, text: str = DOCUMENT) -> Path:
    folder.mkdir(parents=True)
    (folder / "bars.svg").write_text(SVG, encoding="utf-8")
    (folder / "index.typ").write_text(text, encoding="utf-8")
    return folder


def quarto_compile(command: Path, folder: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """The command line Quarto 1.8 runs (typstCompile): --root, the input, its own fonts, the output;
    from another folder than the document's, as Quarto may."""
    fonts = folder.parent / "quarto-fonts"
    fonts.mkdir(exist_ok=True)
    return subprocess.run([str(command), "compile", "--root", str(folder), str(folder / "index.typ"),
                           "--font-path", str(fonts), str(folder / "index.pdf")],
                          capture_output=True, text=True, cwd="/", env=env)


def structure_alts(pdf: Path) -> list[str]:
    """The alt texts of the PDF's Figure structure elements ([] if the PDF is not tagged)."""
    import pypdf

    reader = pypdf.PdfReader(pdf)
    if "/StructTreeRoot" not in reader.trailer["/Root"]:
        return []
    alts = []
    for number in range(1, len(reader.xref_objStm) + sum(len(ids) for ids in reader.xref.values()) + 1):
        try:
            element = reader.get_object(number)
        except Exception:  # a free object number
            continue
        if isinstance(element, dict) and element.get("/S") == "/Figure":
            alts.append(str(element.get("/Alt", "")))
    return alts


def test_quarto_accepts_the_version_and_it_is_the_pinned_typst(command):
    """Quarto reads the version with /^typst (\\d+\\.\\d+\\.\\d+)/ and requires >= 0.8; it must be
    the version requirements.txt pins (the fallback's compiler), not Quarto's own 0.13."""
    answer = subprocess.run([str(command), "--version"], capture_output=True, text=True, cwd="/")
    assert answer.returncode == 0, answer.stderr
    found = re.match(r"^typst (\d+\.\d+\.\d+)", answer.stdout.strip())
    pinned = re.search(r"^typst==([\d.]+)$", (REPO / "requirements.txt").read_text(encoding="utf-8"), re.M)
    assert found and pinned and found.group(1) == pinned.group(1)
    assert tuple(int(part) for part in found.group(1).split(".")) >= (0, 14)  # tagged PDFs


def test_pdfs_are_tagged_with_alt_text_and_region_and_identical_across_builds(command, tmp_path):
    import pypdf

    pdfs = []
    for name in ("one", "two"):
        folder = project(tmp_path / name)
        done = quarto_compile(command, folder)
        assert done.returncode == 0 and done.stderr == "", done.stderr
        pdfs.append(folder / "index.pdf")
    assert structure_alts(pdfs[0]) == ["Diagramme en barres : 40 %"]
    assert str(pypdf.PdfReader(pdfs[0]).trailer["/Root"]["/Lang"]) == "fr-CA"
    assert pdfs[0].read_bytes() == pdfs[1].read_bytes()  # other folders, same bytes


def test_source_date_epoch_sets_the_creation_date(command, tmp_path):
    import os

    import pypdf

    folder = project(tmp_path / "dated", DOCUMENT.replace(", date: datetime(year: 2026, month: 11, day: 30)", ""))
    assert quarto_compile(command, folder, {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}).returncode == 0
    assert str(pypdf.PdfReader(folder / "index.pdf").metadata["/CreationDate"]).startswith("D:20231114")
    done = quarto_compile(command, folder, {**os.environ, "SOURCE_DATE_EPOCH": "yesterday"})
    assert done.returncode == 2 and "SOURCE_DATE_EPOCH is 'yesterday'; expected a whole number" in done.stderr


def test_typst_warnings_are_reported_as_quarto_warnings(command, tmp_path):
    folder = project(tmp_path / "warned", DOCUMENT + '#text(font: "No Such Font")[x]\n')
    done = quarto_compile(command, folder)
    assert done.returncode == 0 and (folder / "index.pdf").exists()
    assert rd.quarto_warnings(done.stderr) == ["WARNING (typst): unknown font family: no such font"]


def test_a_typst_error_names_the_file_and_stops(command, tmp_path):
    folder = project(tmp_path / "broken", "#let x = \n")
    done = quarto_compile(command, folder)
    assert done.returncode == 1 and not (folder / "index.pdf").exists()
    assert done.stderr.startswith(f"error: typst failed on {folder / 'index.typ'}: ")


@pytest.mark.parametrize("argv,message", [
    (["watch", "a.typ"], "unsupported command 'watch'"),
    (["compile", "--jobs", "2", "a.typ", "a.pdf"], "unsupported option '--jobs'"),
    (["compile", "--input", "novalue", "a.typ", "a.pdf"], "--input 'novalue': expected KEY=VALUE"),
    (["compile", "a.typ", "--root"], "option --root needs a value"),
    (["compile"], "expected INPUT and OUTPUT, got []"),
    (["compile", "a.typ", "b.pdf", "c.pdf"], "expected INPUT and OUTPUT, got ['a.typ', 'b.pdf', 'c.pdf']"),
])
def test_command_lines_it_does_not_understand_are_refused_by_name(argv, message, capsys):
    pytest.importorskip("typst")
    assert qt.main(argv, env={}) == 2
    assert message in capsys.readouterr().err


def test_compile_arguments_as_quarto_writes_them():
    assert qt.compile_arguments(["compile", "--root=/r", "in.typ", "--font-path", "/f1", "--font-path=/f2", "out.pdf"]) == \
        {"input": "in.typ", "output": "out.pdf", "root": "/r", "font_paths": ["/f1", "/f2"], "inputs": {},
         "pdf_standards": []}
    assert qt.compile_arguments(["c", "dir/in.typ", "--input", "k=a=b", "--pdf-standard", "a-2b,ua-1"]) == \
        {"input": "dir/in.typ", "output": "dir/in.pdf", "root": None, "font_paths": [], "inputs": {"k": "a=b"},
         "pdf_standards": ["a-2b", "ua-1"]}


def test_pdf_standard_and_inputs_reach_typst(command, tmp_path):
    """A later Quarto's pdf-standard option (--pdf-standard) gives a PDF/A file; --input is sys.inputs."""
    folder = project(tmp_path / "archival", DOCUMENT + '#sys.inputs.at("note", default: "none")\n')
    done = subprocess.run([str(command), "compile", "--pdf-standard", "a-2b", "--input", "note=bonjour",
                           str(folder / "index.typ"), str(folder / "index.pdf")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    pdf = (folder / "index.pdf").read_bytes()
    assert b"<pdfaid:part>2</pdfaid:part>" in pdf and b"<pdfaid:conformance>B</pdfaid:conformance>" in pdf
    plain = project(tmp_path / "plain")
    assert quarto_compile(command, plain).returncode == 0 and b"pdfaid" not in (plain / "index.pdf").read_bytes()
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(folder / "index.pdf"), "-"], capture_output=True, text=True).stdout
        assert "bonjour" in text


def test_packages_come_from_typst_variables_or_the_quarto_kit(tmp_path):
    assert qt.compile_options({"TYPST_PACKAGE_CACHE_PATH": "/c", "TYPST_PACKAGE_PATH": "/p"}) == \
        {"package_cache_path": "/c", "package_path": "/p"}
    assert qt.compile_options({}) == {}
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "quarto").touch()
    assert qt.package_cache(str(tmp_path / "bin" / "quarto")) is None  # an official Quarto: Typst's own cache
    (tmp_path / "typst-packages").mkdir()
    assert qt.package_cache(str(tmp_path / "bin" / "quarto")) == str(tmp_path / "typst-packages")
    assert qt.package_cache(None) is None


def test_without_the_typst_package_it_says_so_in_plain_words(monkeypatch, capsys, tmp_path):
    """A Python without the typst package: Quarto's version check and the compile both get one
    error line naming the Python and what to install, not a traceback."""
    import importlib.metadata
    import sys

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert qt.main(["--version"], env={}) == 2
    assert capsys.readouterr().err.startswith(f"error: typst (rlp_pipeline): the typst Python package is not installed for {sys.executable}")
    monkeypatch.setitem(sys.modules, "typst", None)  # import typst then raises ImportError
    assert qt.main(["compile", str(tmp_path / "a.typ"), str(tmp_path / "a.pdf")], env={}) == 2
    err = capsys.readouterr().err
    assert "the typst Python package is not installed" in err and "requirements.txt" in err and "Traceback" not in err
