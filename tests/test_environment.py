"""The two install paths list the same packages at the same versions.

environment.yml (conda-forge) and requirements*.txt (pip) are written by hand in two formats; a
drift between them would make conda users and pip users compute with different libraries.
"""

from __future__ import annotations

import re
import tomllib

import yaml

from conftest import REPO

# Packages only the conda path has: the interpreter, the installer, and Quarto (which cannot be
# installed from PyPI on machines without internet access beyond the registries).
CONDA_ONLY = {"python", "pip", "quarto"}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def conda_pins() -> dict[str, str]:
    document = yaml.safe_load((REPO / "environment.yml").read_text())
    pins = {}
    for entry in document["dependencies"]:
        if isinstance(entry, dict):  # the pip: subsection, pinned with ==
            for requirement in entry["pip"]:
                name, separator, version = requirement.partition("==")
                assert separator, f"environment.yml: pip entry {requirement!r} is not pinned with =="
                pins[normalise(name)] = version
            continue
        name, _, version = entry.partition("=")
        assert version, f"environment.yml: {name} has no pinned version"
        pins[normalise(name)] = version
    return pins


def pip_pins(filename: str) -> dict[str, str]:
    pins = {}
    for line in (REPO / filename).read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line or line.startswith("-"):
            continue
        name, separator, version = line.partition("==")
        assert separator, f"{filename}: '{line}' is not pinned with =="
        pins[normalise(name)] = version
    return pins


def direct_dependencies() -> tuple[set[str], set[str]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    name_of = lambda requirement: normalise(re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0])  # noqa: E731
    return ({name_of(r) for r in project["dependencies"]},
            {name_of(r) for r in project["optional-dependencies"]["test"]})


def test_every_conda_package_has_the_same_version_on_the_pip_path():
    pip = {**pip_pins("requirements.txt"), **pip_pins("requirements-test.txt")}
    for name, version in conda_pins().items():
        if name in CONDA_ONLY:
            continue
        assert name in pip, f"{name} is in environment.yml but not pinned in requirements*.txt"
        assert pip[name] == version, f"{name}: environment.yml has {version}, requirements*.txt has {pip[name]}"


def test_every_direct_dependency_is_pinned_on_both_paths():
    run, test = direct_dependencies()
    conda, pip_run, pip_test = conda_pins(), pip_pins("requirements.txt"), pip_pins("requirements-test.txt")
    for name in run:
        assert name in conda and name in pip_run, f"{name} must be pinned in environment.yml and requirements.txt"
    for name in test:
        assert name in conda and name in pip_test, f"{name} must be pinned in environment.yml and requirements-test.txt"


def test_both_paths_use_python_3_11():
    assert conda_pins()["python"] == "3.11"
    assert tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"] == ">=3.11"


def test_requirement_files_do_not_pin_a_package_twice():
    run, test = pip_pins("requirements.txt"), pip_pins("requirements-test.txt")
    assert not set(run) & set(test), "requirements-test.txt repeats pins of requirements.txt"
