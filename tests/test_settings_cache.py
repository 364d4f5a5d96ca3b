"""The settings' checks are remembered only while nothing they depend on changes
(rlp_pipeline.workflow.settings_cache); the Snakefile's use of it is exercised by every workflow
test, and by tests/test_hostile_pipeline.py on copies that already hold a remembered check."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from rlp_pipeline.workflow import settings_cache
from rlp_pipeline.workflow.settings_cache import (as_json, files_checked_before, read_cache, remember,
                                                  settings_fingerprint, validated_before)

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "config" / "config.schema.yaml"


@pytest.fixture
def settings(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text((REPO / "config" / "config.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_the_fingerprint_changes_with_any_byte_of_the_settings_the_schema_or_the_validator(settings, tmp_path):
    first = settings_fingerprint([settings], SCHEMA, "4.26.0")
    assert settings_fingerprint([settings], SCHEMA, "4.26.0") == first
    settings.write_text(settings.read_text(encoding="utf-8").replace("seed: 20180517", "seed: 20180518", 1),
                        encoding="utf-8")
    second = settings_fingerprint([settings], SCHEMA, "4.26.0")
    assert second != first
    assert settings_fingerprint([settings], SCHEMA, "4.27.0") != second
    schema = tmp_path / "schema.yaml"
    schema.write_bytes(SCHEMA.read_bytes() + b"\n")
    assert settings_fingerprint([settings], schema, "4.26.0") != second
    override = tmp_path / "override.yaml"
    override.write_text("sampling:\n  seed: 5\n", encoding="utf-8")
    assert settings_fingerprint([settings, override], SCHEMA, "4.26.0") != second
    assert settings_fingerprint([settings, tmp_path / "missing.yaml"], SCHEMA, "4.26.0") != second


def test_the_checking_code_is_part_of_the_fingerprint(settings, monkeypatch, tmp_path):
    first = settings_fingerprint([settings], SCHEMA, "4.26.0")
    package = tmp_path / "rlp_pipeline"
    for name in settings_cache.CHECKING_CODE:
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_bytes((REPO / "src" / "rlp_pipeline" / name).read_bytes())
    monkeypatch.setattr(settings_cache, "__file__", str(package / "workflow" / "settings_cache.py"))
    same_code_elsewhere = settings_fingerprint([settings], SCHEMA, "4.26.0")
    (package / "safety" / "workflow.py").write_text("# another check\n", encoding="utf-8")
    assert settings_fingerprint([settings], SCHEMA, "4.26.0") != same_code_elsewhere != first


def test_a_remembered_validation_is_reused_only_for_the_same_files_and_settings(tmp_path):
    cache = tmp_path / ".snakemake" / "check.json"
    given = {"sampling": {"seed": 1}}
    validated = {"sampling": {"seed": 1, "fraction": 0.4}, "codebook": "data/raw/codebook.yaml"}
    assert read_cache(cache) == {}
    remember("abc", as_json(given), validated, cache)
    record = read_cache(cache)
    assert files_checked_before(record, "abc") and not files_checked_before(record, "abd")
    assert validated_before(record, "abc", {"sampling": {"seed": 1}}) == validated
    assert validated_before(record, "abd", {"sampling": {"seed": 1}}) is None  # other files or code
    assert validated_before(record, "abc", {"sampling": {"seed": 2}}) is None  # another --config override
    assert validated_before(record, "abc", {"sampling": {"seed": 1}, "extra": 1}) is None


def test_settings_json_cannot_hold_exactly_are_checked_every_time(tmp_path):
    cache = tmp_path / "check.json"
    for odd in ({"date": datetime.date(2026, 12, 1)}, {"pair": (1, 2)}, {"nan": float("nan")}):
        assert as_json(odd) is None
        remember("abc", as_json(odd), {"ok": 1}, cache)
        assert not cache.exists()
    remember("abc", as_json({"ok": 1}), {"ok": 1}, cache)
    assert validated_before(read_cache(cache), "abc", {"date": datetime.date(2026, 12, 1)}) is None


@pytest.mark.parametrize("content", ["{ half a file", "[1, 2]", '"text"'])
def test_a_damaged_cache_only_means_checking_again(tmp_path, content):
    cache = tmp_path / "check.json"
    cache.write_text(content, encoding="utf-8")
    record = read_cache(cache)
    assert record == {} and not files_checked_before(record, "abc") and validated_before(record, "abc", {}) is None


def test_a_path_where_the_cache_folder_should_be_is_not_an_error(tmp_path):
    (tmp_path / ".snakemake").write_text("a file, not a folder", encoding="utf-8")
    remember("abc", {"a": 1}, {"a": 1}, tmp_path / ".snakemake" / "check.json")
    assert read_cache(tmp_path / ".snakemake" / "check.json") == {}
