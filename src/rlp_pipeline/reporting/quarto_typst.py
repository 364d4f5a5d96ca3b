"""The Typst compiler real Quarto calls when it renders the report: the `typst` Python package
pinned in requirements.txt (the fallback renderer's compiler), not the Typst that comes with Quarto.

Why: Quarto 1.8 comes with Typst 0.13, whose PDFs are untagged (no structure tree, so no place
for the figures' alt text), declare the language without its region (/Lang (fr), not fr-CA), and
may differ from build to build. The pinned Typst (0.14 and later) writes tagged PDFs with each
figure's alt text, the text's language and region, and the same bytes for the same input. Quarto
documents ``QUARTO_TYPST``, the Typst command it runs (it only requires ``typst --version`` to
say 0.8 or later); ``write_command`` writes a small command for it into a render's temporary
folder, which runs ``main`` below with the pipeline's Python.

What Quarto asks of that command (quarto-cli src/core/typst.ts): ``typst --version``, and
``typst compile [--root DIR] INPUT [--font-path DIR]... OUTPUT`` (``--pdf-standard`` and
``--input`` are also taken, as the typst command line takes them). The fonts are Quarto's (given
with --font-path) and matplotlib's DejaVu fonts (as the fallback's ``render._typst``), never the
machine's own, so that the PDF does not depend on what fonts a machine has. Typst packages
(``@preview/...``, e.g. the Font Awesome package of Quarto's callouts) come from
TYPST_PACKAGE_CACHE_PATH and TYPST_PACKAGE_PATH as for the typst command line, else from Typst's
usual package cache (downloaded into it if missing, as the typst command line does). The PDF's
creation date is SOURCE_DATE_EPOCH when set, as for the typst command line; otherwise the
document's own date (``#set document(date: ...)``). Typst's warnings are printed as "WARNING
(typst): ..." lines, which ``render.quarto_warnings`` reports.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import sys
from pathlib import Path

USAGE = ("usage: typst --version | typst compile [--root DIR] [--font-path DIR]... [--input KEY=VALUE]... "
         "[--pdf-standard STANDARDS] INPUT [OUTPUT]")


class UsageError(ValueError):
    """A command line this Typst command does not accept (Quarto asked for something new)."""


def compile_arguments(argv: list[str]) -> dict:
    """The input, output, root, font folders, ``sys.inputs`` and PDF standards of a ``compile``
    command line as Quarto writes it (``--option value`` or ``--option=value``; the output defaults
    to the input with .pdf, as for the typst command line). Quarto 1.6-1.8 give --root and
    --font-path; later versions may add --pdf-standard (their ``pdf-standard`` option), taken as
    the typst command line takes it (comma-separated, repeatable). Any other option is refused by
    name rather than ignored: a PDF built without an option Quarto asked for would be silently
    wrong."""
    if not argv or argv[0] not in ("compile", "c"):
        raise UsageError(f"unsupported command {' '.join(argv[:1]) or '(none)'!r}; {USAGE}")
    found: dict = {"root": None, "font_paths": [], "inputs": {}, "pdf_standards": [], "positional": []}
    args = iter(argv[1:])
    for arg in args:
        key, equals, value = arg.partition("=")
        if key in ("--root", "--font-path", "--input", "--pdf-standard"):
            if not equals:
                value = next(args, None)
                if value is None:
                    raise UsageError(f"option {key} needs a value; {USAGE}")
            if key == "--root":
                found["root"] = value
            elif key == "--font-path":
                found["font_paths"] += [path for path in value.split(os.pathsep) if path]
            elif key == "--pdf-standard":
                found["pdf_standards"] += [standard for standard in value.split(",") if standard]
            else:
                name, is_pair, text = value.partition("=")
                if not is_pair or not name:
                    raise UsageError(f"--input {value!r}: expected KEY=VALUE; {USAGE}")
                found["inputs"][name] = text
        elif arg.startswith("-") and arg != "-":
            raise UsageError(f"unsupported option {arg!r}; {USAGE}")
        else:
            found["positional"].append(arg)
    if not 1 <= len(found["positional"]) <= 2:
        raise UsageError(f"expected INPUT and OUTPUT, got {found['positional']}; {USAGE}")
    source = found["positional"][0]
    target = found["positional"][1] if len(found["positional"]) == 2 else str(Path(source).with_suffix(".pdf"))
    return {"input": source, "output": target, "root": found["root"], "font_paths": found["font_paths"],
            "inputs": found["inputs"], "pdf_standards": found["pdf_standards"]}


def matplotlib_fonts() -> list[str]:
    """matplotlib's DejaVu font folder (empty without matplotlib), found without importing
    matplotlib (a tenth of a second or more): the fonts the figures use, which stand in for glyphs
    missing from Typst's embedded fonts in both renderers' PDFs."""
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.origin:
        folder = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"
        return [str(folder)] if folder.is_dir() else []
    return []


def font_paths(given: list[str]) -> list[str]:
    """The font folders Typst may use: those Quarto gives (its own fonts first: its template relies
    on that order), then matplotlib's DejaVu fonts, as in the fallback renderer's PDFs."""
    return list(given) + matplotlib_fonts()


def compile_options(env: dict) -> dict:
    """The options of typst.compile that come from the environment, as the typst command line
    reads them: SOURCE_DATE_EPOCH (the PDF's creation time, seconds since 1970), and where the
    @preview packages are (TYPST_PACKAGE_CACHE_PATH, TYPST_PACKAGE_PATH)."""
    options: dict = {}
    if env.get("SOURCE_DATE_EPOCH"):
        try:
            options["timestamp"] = int(env["SOURCE_DATE_EPOCH"])
        except ValueError:
            raise UsageError(f"SOURCE_DATE_EPOCH is {env['SOURCE_DATE_EPOCH']!r}; expected a whole number of "
                             "seconds since 1970-01-01") from None
    for variable, option in (("TYPST_PACKAGE_CACHE_PATH", "package_cache_path"), ("TYPST_PACKAGE_PATH", "package_path")):
        if env.get(variable):
            options[option] = env[variable]
    return options


def main(argv: list[str], env: dict | None = None) -> int:
    """Run one Typst command as Quarto asks it (see the module's docstring); returns the exit code.
    Errors go to stderr as one "error: ..." message (Quarto shows it and stops)."""
    env = os.environ if env is None else env
    if argv[:1] in (["--version"], ["-V"]):
        from importlib.metadata import PackageNotFoundError, version

        try:
            # Quarto reads the version from "typst X.Y.Z" at the start of the line
            print(f"typst {version('typst')} (the typst Python package, run by rlp_pipeline.reporting.quarto_typst)")
        except PackageNotFoundError:  # Quarto then says it needs the Typst CLI
            print(f"error: typst (rlp_pipeline): the typst Python package is not installed for {sys.executable}",
                  file=sys.stderr)
            return 2
        return 0
    try:
        args = compile_arguments(argv)
        options = compile_options(env)
    except UsageError as exc:
        print(f"error: typst (rlp_pipeline): {exc}", file=sys.stderr)
        return 2
    try:
        import typst
    except ImportError:
        print(f"error: typst (rlp_pipeline): the typst Python package is not installed for {sys.executable}; "
              "install the version requirements.txt pins (pip install -r requirements.txt)", file=sys.stderr)
        return 2
    if args["inputs"]:
        options["sys_inputs"] = args["inputs"]
    if args["pdf_standards"]:
        options["pdf_standards"] = args["pdf_standards"]
    try:
        _, warnings = typst.compile_with_warnings(args["input"], output=args["output"], root=args["root"],
                                                  font_paths=font_paths(args["font_paths"]),
                                                  ignore_system_fonts=True, **options)
    except Exception as exc:  # typst.TypstError (its message is Typst's diagnostic), a missing file
        print(f"error: typst failed on {args['input']}: {getattr(exc, 'diagnostic', '') or exc}", file=sys.stderr)
        return 1
    for warning in warnings:
        print(f"WARNING (typst): {' '.join(str(warning.message).split())}", file=sys.stderr)
    return 0


def write_command(folder: Path) -> Path:
    """Write the Typst command for QUARTO_TYPST into ``folder`` and return its path: a shell script
    that runs ``main`` with this Python and this package (it does not rely on PYTHONPATH or on the
    current folder, which Quarto chooses)."""
    package_root = Path(__file__).resolve().parents[2]  # the folder that holds rlp_pipeline/
    command = Path(folder) / "typst"
    code = (f"import sys; sys.path.insert(0, {str(package_root)!r}); "
            "from rlp_pipeline.reporting.quarto_typst import main; sys.exit(main(sys.argv[1:]))")
    command.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -c {shlex.quote(code)} "$@"\n',
                       encoding="utf-8")
    command.chmod(0o755)
    return command


def package_cache(quarto: str | None) -> str | None:
    """Where Quarto's own Typst finds the @preview packages when TYPST_PACKAGE_CACHE_PATH is not
    set, for an installation that ships them: the source-built Quarto of ../shared/quarto-kit keeps
    them in a typst-packages folder beside its bin/ (it renders offline); an official or conda
    Quarto ships none (its typst downloads them into Typst's usual cache), hence None."""
    if not quarto:
        return None
    folder = Path(quarto).resolve().parent.parent / "typst-packages"
    return str(folder) if folder.is_dir() else None
