"""Atomic outputs (helpers.files): failed runs never replace earlier outputs."""
from __future__ import annotations

import os

import pytest

from helpers import files
from helpers.files import atomic_path, atomic_write_text


class Boom(Exception):
    pass


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


def tree(folder):
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_file_is_replaced_on_success(tmp_path):
    target = tmp_path / "frame.parquet"
    target.write_text("old")
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".parquet" and tmp.name.startswith(".")
        assert not tmp.exists()
        tmp.write_text("new")
        assert target.read_text() == "old"  # not yet replaced inside the block
    assert target.read_text() == "new"
    assert listing(tmp_path) == ["frame.parquet"]


def test_file_is_untouched_on_failure(tmp_path):
    target = tmp_path / "frame.parquet"
    target.write_text("old")
    with pytest.raises(Boom):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise Boom
    assert target.read_text() == "old"
    assert listing(tmp_path) == ["frame.parquet"]


def test_new_file_and_missing_parent_are_created(tmp_path):
    target = tmp_path / "a" / "b" / "out.txt"
    atomic_write_text(target, "hei")
    assert target.read_text() == "hei"
    assert listing(target.parent) == ["out.txt"]


def test_failure_without_earlier_output_leaves_nothing(tmp_path):
    with pytest.raises(Boom):
        with atomic_path(tmp_path / "book") as tmp:
            tmp.mkdir()
            (tmp / "index.html").write_text("half")
            raise Boom
    assert listing(tmp_path) == []


def test_folder_is_replaced_on_success(tmp_path):
    target = tmp_path / "extract"
    target.mkdir()
    (target / "old.parquet").write_text("old")
    with atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "new.parquet").write_text("new")
        (tmp / "sub").mkdir()
        (tmp / "sub" / "x.txt").write_text("x")
    assert tree(target) == {"new.parquet": "new", "sub/x.txt": "x"}
    assert listing(tmp_path) == ["extract"]  # no .tmp / .old siblings left


def test_folder_is_untouched_when_the_block_fails_midway(tmp_path):
    target = tmp_path / "extract"
    target.mkdir()
    (target / "a.parquet").write_text("A")
    (target / "b.parquet").write_text("B")
    with pytest.raises(Boom):
        with atomic_path(target) as tmp:
            tmp.mkdir()
            (tmp / "a.parquet").write_text("new A")
            raise Boom
    assert tree(target) == {"a.parquet": "A", "b.parquet": "B"}
    assert listing(tmp_path) == ["extract"]


def test_keyboard_interrupt_also_cleans_up(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            tmp.write_text("new")
            raise KeyboardInterrupt
    assert target.read_text() == "old" and listing(tmp_path) == ["out.txt"]


def test_old_folder_is_restored_if_moving_the_new_one_in_fails(tmp_path, monkeypatch):
    target = tmp_path / "extract"
    target.mkdir()
    (target / "a.parquet").write_text("A")
    real_rename = os.rename

    def rename(src, dst):
        if ".tmp-" in str(src):  # the new folder cannot be moved in
            raise OSError("simulated rename failure")
        return real_rename(src, dst)
    monkeypatch.setattr(files.os, "rename", rename)
    with pytest.raises(OSError, match="simulated"):
        with atomic_path(target) as tmp:
            tmp.mkdir()
            (tmp / "a.parquet").write_text("new A")
    assert tree(target) == {"a.parquet": "A"}
    assert listing(tmp_path) == ["extract"]


def test_block_that_writes_nothing_is_an_error_and_changes_nothing(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(FileNotFoundError, match="uendret"):
        with atomic_path(target):
            pass
    assert target.read_text() == "old" and listing(tmp_path) == ["out.txt"]


def test_file_may_replace_folder_and_folder_may_replace_file(tmp_path):
    target = tmp_path / "out"
    target.write_text("file")
    with atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "x").write_text("x")
    assert target.is_dir() and tree(target) == {"x": "x"}
    with atomic_path(target) as tmp:
        tmp.write_text("file again")
    assert target.is_file() and target.read_text() == "file again"
    assert listing(tmp_path) == ["out"]
