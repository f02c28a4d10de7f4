"""The analysis cache (helpers.cache): read when the extract and code are unchanged, never stale."""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from helpers import cache, spells
from helpers.contract import load_extract, write_extract
from helpers.files import OutputError
from tests.builders import ExtractBuilder


def extract_folder(folder, persons: int = 5):
    b = ExtractBuilder()
    for i in range(persons):
        b.person(f"p{i}").tiltak(f"p{i}", f"2016-0{1 + i}-10", None)
        b.jobb(f"p{i}", "2014-01-01", "2016-12-31", timer=10.0 + i)
    return write_extract(folder, b.tables(), b.meta)


def entries(cache_dir):
    return sorted(p.name for p in cache_dir.iterdir() if not p.name.startswith("."))


def test_second_call_reads_the_cache_and_gives_the_same_frame_and_grid(tmp_path, monkeypatch):
    extract = load_extract(extract_folder(tmp_path / "uttrekk"))
    cache_dir = tmp_path / "build" / "cache"
    frame, grid = cache.frame_and_grid(extract, cache_dir)
    assert entries(cache_dir) == [cache.cache_key(extract.path)]

    def no_building(*args, **kwargs):
        raise AssertionError("built again although the cache holds it")

    monkeypatch.setattr(spells, "analysis", no_building)
    cached_frame, cached_grid = cache.frame_and_grid(extract, cache_dir)
    pd.testing.assert_frame_equal(cached_frame, frame)
    assert list(cached_grid.persons) == list(grid.persons)
    assert cached_grid.last_month == grid.last_month
    assert np.array_equal(cached_grid.entry_month, grid.entry_month)
    assert list(cached_grid.programme_before) == list(grid.programme_before)
    for name in spells.GRID_MEASURES:
        assert np.array_equal(cached_grid.masks[name], grid.masks[name]), name
    # The engine spilled (if at all) inside the cache folder and cleaned up after itself.
    assert not (cache_dir / ".spill").exists()


def test_a_changed_extract_or_changed_code_is_rebuilt_and_the_old_entry_dropped(tmp_path, monkeypatch):
    folder = extract_folder(tmp_path / "uttrekk", persons=5)
    cache_dir = tmp_path / "cache"
    first, _ = cache.frame_and_grid(load_extract(folder), cache_dir)
    old_key = cache.cache_key(folder)
    # The same folder re-exported with one more person: a new key, the new frame.
    extract_folder(folder, persons=6)
    os.utime(folder / "personer.parquet", ns=(1, 1))  # even with an old time stamp
    assert cache.cache_key(folder) != old_key
    second, _ = cache.frame_and_grid(load_extract(folder), cache_dir)
    assert len(first) == 5 and len(second) == 6
    assert entries(cache_dir) == [cache.cache_key(folder)]
    # A change to the code defining the frame: rebuilt too.
    monkeypatch.setattr(cache, "code_key", lambda: "other-code")
    assert cache.cache_key(folder).endswith("other-code")
    cache.frame_and_grid(load_extract(folder), cache_dir)
    assert entries(cache_dir) == [cache.cache_key(folder)]


def test_without_a_cache_folder_nothing_is_written(tmp_path):
    folder = extract_folder(tmp_path / "uttrekk")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    frame, _ = cache.frame_and_grid(load_extract(folder), None)
    assert len(frame) == 5 and sorted(p.name for p in tmp_path.rglob("*")) == before


def test_a_folder_that_is_not_ours_is_not_used_as_cache(tmp_path):
    folder = extract_folder(tmp_path / "uttrekk")
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "data.csv").write_text("x")
    with pytest.raises(OutputError):
        cache.frame_and_grid(load_extract(folder), theirs)
    assert sorted(p.name for p in theirs.iterdir()) == ["data.csv"]


def test_the_validated_extract_is_kept_and_read_back_with_the_same_types(tmp_path):
    folder = extract_folder(tmp_path / "uttrekk")
    cache_dir = tmp_path / "build" / "cache"
    assert cache.validated_extract(folder, cache_dir) is None  # nothing cached yet
    extract = load_extract(folder)
    cache.frame_and_grid(extract, cache_dir)
    kept = cache.validated_extract(folder, cache_dir)
    assert kept is not None and kept.meta == extract.meta and kept.files == extract.files
    assert set(kept.tables) == set(extract.tables)
    for name, table in extract.tables.items():
        pd.testing.assert_frame_equal(kept.tables[name], table, obj=name)
    # A changed extract file is another key: validated again, not read from the cache.
    extract_folder(folder, persons=6)
    assert cache.validated_extract(folder, cache_dir) is None
