"""The real `snakemake` command on a built copy of the project, after hostile or accidental
changes: never "Nothing to be done" over inputs that are gone, never a traceback.

The copy is built up to the validated tables (the first stage that reads the raw tables; the
checks run before Snakemake plans anything, so what else was built does not change them).
"""

from __future__ import annotations

import shutil

import pytest

from test_pipeline import copy_project, snakemake

pytestmark = pytest.mark.slow

VALIDATED = "data/derived/validated/plans.csv"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A copy of the project with the validation stage built."""
    project = copy_project(tmp_path_factory.mktemp("built"))
    result = snakemake(project, VALIDATED)
    assert result.returncode == 0, result.stdout + result.stderr
    return project


@pytest.fixture
def project(built, tmp_path):
    """A fresh copy of the built project for one test (dates kept, so nothing is out of date)."""
    copy = tmp_path / "project"
    shutil.copytree(built, copy, symlinks=True)
    result = snakemake(copy, VALIDATED)
    assert "Nothing to be done" in result.stdout + result.stderr
    return copy


def refused(project, *arguments) -> str:
    """What a refused run printed; fails the test on success, "Nothing to be done" or a traceback."""
    result = snakemake(project, *arguments, VALIDATED)
    printed = result.stdout + result.stderr
    assert result.returncode != 0, printed
    assert "Nothing to be done" not in printed and "Traceback" not in printed, printed
    assert "Exception" not in printed, printed  # no InputError/LockException paragraph around it
    return printed


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_deleted_raw_table_stops_the_run_after_a_build(project):
    (project / "data" / "raw" / "codings.csv").unlink()
    printed = refused(project)
    assert "data/raw/codings.csv (it does not exist)" in printed and "resource 'codings'" in printed


def test_a_data_package_pointing_at_a_url_or_outside_stops_the_run(project):
    descriptor = project / "data" / "raw" / "datapackage.yaml"
    edit(descriptor, "path: codings.csv", "path: https://example.org/codings.csv")
    edit(descriptor, "path: plans.csv", "path: /etc/passwd")
    printed = refused(project)
    assert "it is a URL" in printed and "it is an absolute path" in printed
    assert "root:" not in printed


def test_an_import_source_that_does_not_exist_stops_the_run(project):
    edit(project / "config" / "config.yaml", "  source: null", "  source: exports/gone.qdpx")
    printed = refused(project)
    assert "column 'import.source': found 'exports/gone.qdpx'; expected a readable file (it does not exist)" in printed


def test_a_broken_data_package_is_named_with_its_line_without_a_traceback(project):
    edit(project / "data" / "raw" / "datapackage.yaml", "    format: csv", "    format: [csv")
    printed = refused(project)
    assert "data/raw/datapackage.yaml, line " in printed and "rules/common.smk" not in printed


@pytest.mark.parametrize("change, expected", [
    ("alias bomb", "once aliases (*name) are expanded"),
    ("duplicate key", "each key once"),
    ("syntax", "valid YAML"),
    ("schema", "column 'sampling.fraction'"),
])
def test_broken_or_hostile_settings_are_named_with_their_line(project, change, expected):
    config = project / "config" / "config.yaml"
    text = config.read_text(encoding="utf-8")
    text = {
        "alias bomb": text + "x: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(
            f"x{i}: &a{i} [{', '.join(['*a' if i == 0 else f'*a{i - 1}'] * 10)}]\n" for i in range(9)),
        "duplicate key": text + "sampling:\n  seed: 1\n",
        "syntax": text.replace("  seed: 20180517\n", "  seed: [20180517\n", 1),
        "schema": text.replace("fraction: 0.40", "fraction: 2"),
    }[change]
    config.write_text(text, encoding="utf-8")
    printed = refused(project)
    assert expected in printed and "config/config.yaml, line " in printed


def test_checks_remembered_from_a_good_run_do_not_let_a_bad_override_through(project):
    """The copy's earlier runs left their settings check in .snakemake (rlp_pipeline.workflow.
    settings_cache); an override it did not check is validated again (the file edits above are
    too: they change the fingerprint)."""
    assert (project / ".snakemake" / "rlp-settings-check.json").is_file()
    result = snakemake(project, "--config", "nonsense=1", "--dry-run", VALIDATED)
    printed = result.stdout + result.stderr
    assert result.returncode != 0 and "'nonsense' was unexpected" in printed, printed


def test_a_lock_left_by_a_killed_run_gets_one_line_saying_what_to_run(project):
    locks = project / ".snakemake" / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    (locks / "0.input.lock").write_text("data/raw/codings.csv\n", encoding="utf-8")  # as kill -9 leaves it
    printed = refused(project)
    assert "run `snakemake --unlock`, then `snakemake` again" in printed
    assert snakemake(project, "--unlock").returncode == 0
    result = snakemake(project, VALIDATED)
    assert result.returncode == 0 and "Nothing to be done" in result.stdout + result.stderr


def test_a_hostile_config_file_given_on_the_command_line_is_refused_with_its_line(project):
    bomb = project / "override.yaml"
    bomb.write_text("\n".join(  # a billion laughs: nine levels of lists of nine aliases
        [f"a: &a [{', '.join(['lol'] * 9)}]"]
        + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]) + "\n",
        encoding="utf-8")
    printed = refused(project, "--configfile=override.yaml")  # (the option takes several files)
    assert "override.yaml, line " in printed and "once aliases (*name) are expanded" in printed
    (project / "partial.yaml").write_text("sampling:\n  seed: 5\n", encoding="utf-8")
    result = snakemake(project, "--configfile=partial.yaml", "--dry-run", VALIDATED)
    assert result.returncode == 0, result.stdout + result.stderr  # a partial, valid override is accepted


def test_snakemake_run_from_another_folder_says_where_to_run_it(project, tmp_path):
    """`snakemake -s path/to/Snakefile` from another folder: one message naming the project's
    folder and --directory, not a settings file that "does not exist" beside the Snakefile;
    nothing is built there. With --directory, the same command plans as usual."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    snakefile = str(project / "Snakefile")
    result = snakemake(elsewhere, "-s", snakefile, VALIDATED)
    printed = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in printed, printed
    assert f"Snakemake runs in {elsewhere}, which is not a project folder" in printed
    assert f"Run `snakemake` from the folder of its Snakefile, {project}, or give that folder with `--directory`" in printed
    assert "does not exist" not in printed
    assert not (elsewhere / "data").exists() and not (elsewhere / "logs").exists()
    planned = snakemake(elsewhere, "-s", snakefile, "--directory", str(project), VALIDATED)
    assert planned.returncode == 0 and "Nothing to be done" in planned.stdout + planned.stderr


def test_the_working_folder_message_only_where_no_settings_are(tmp_path):
    """Another project given with --directory (its own settings) runs; another folder with none
    gets the message, naming the Snakefile's folder only when the settings are there."""
    from rlp_pipeline.safety.workflow import working_folder_message

    workflow_folder, other_project, empty = tmp_path / "pipeline", tmp_path / "project", tmp_path / "empty"
    for folder in (workflow_folder, other_project, empty):
        folder.mkdir()
    for folder in (workflow_folder, other_project):
        (folder / "config").mkdir()
        (folder / "config" / "config.yaml").write_text("seed: 1\n", encoding="utf-8")
    assert working_folder_message(other_project, workflow_folder) is None
    assert working_folder_message(workflow_folder, workflow_folder) is None
    assert f"from the folder of its Snakefile, {workflow_folder}," in working_folder_message(empty, workflow_folder)
    assert "from the project's folder," in working_folder_message(empty, tmp_path / "no-settings-either")
    # the project's own folder without its settings: the settings check names the missing file
    assert working_folder_message(empty, empty) is None


def test_the_settings_file_missing_in_the_project_is_named_as_missing(project):
    """In the project's own folder, a deleted config/config.yaml is named by the settings check
    (what was expected), not taken for a run from another folder."""
    (project / "config" / "config.yaml").unlink()
    printed = refused(project)
    assert "config/config.yaml: expected a file at config/config.yaml (it does not exist)" in printed
    assert "not a project folder" not in printed
