"""Atomic outputs (helpers.files): failed runs never replace earlier outputs."""
from __future__ import annotations

import os

import pytest

from helpers import files
from helpers.files import MARKER, OutputError, atomic_path, atomic_paths, atomic_write_text


class Boom(Exception):
    pass


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


def tree(folder):
    """Every file under `folder` but our marker: relative path -> text."""
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != MARKER}


def our_folder(target, files_: dict[str, str]):
    """A folder written by helpers (so it carries the marker) with `files_`."""
    with atomic_path(target, "dir") as tmp:
        tmp.mkdir()
        for name, text in files_.items():
            (tmp / name).write_text(text)
    return target


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
    with pytest.raises(Boom), atomic_path(target) as tmp:
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
    with pytest.raises(Boom), atomic_path(tmp_path / "book", "dir") as tmp:
        tmp.mkdir()
        (tmp / "index.html").write_text("half")
        raise Boom
    assert listing(tmp_path) == []


def test_folder_is_replaced_on_success(tmp_path):
    target = our_folder(tmp_path / "extract", {"old.parquet": "old"})
    with atomic_path(target, "dir") as tmp:
        tmp.mkdir()
        (tmp / "new.parquet").write_text("new")
        (tmp / "sub").mkdir()
        (tmp / "sub" / "x.txt").write_text("x")
    assert tree(target) == {"new.parquet": "new", "sub/x.txt": "x"}
    assert (target / MARKER).is_file()  # still ours
    assert listing(tmp_path) == ["extract"]  # no .tmp / .old siblings left


def test_folder_is_untouched_when_the_block_fails_midway(tmp_path):
    target = our_folder(tmp_path / "extract", {"a.parquet": "A", "b.parquet": "B"})
    with pytest.raises(Boom), atomic_path(target, "dir") as tmp:
        tmp.mkdir()
        (tmp / "a.parquet").write_text("new A")
        raise Boom
    assert tree(target) == {"a.parquet": "A", "b.parquet": "B"}
    assert listing(tmp_path) == ["extract"]


def test_keyboard_interrupt_also_cleans_up(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_text("new")
        raise KeyboardInterrupt
    assert target.read_text() == "old" and listing(tmp_path) == ["out.txt"]


def test_old_folder_is_restored_if_moving_the_new_one_in_fails(tmp_path, monkeypatch):
    target = our_folder(tmp_path / "extract", {"a.parquet": "A"})
    real_rename = os.rename

    def rename(src, dst):
        if ".tmp-" in str(src):  # the new folder cannot be moved in
            raise OSError("simulated rename failure")
        return real_rename(src, dst)
    monkeypatch.setattr(files.os, "rename", rename)
    with pytest.raises(OSError, match="simulated"), atomic_path(target, "dir") as tmp:
        tmp.mkdir()
        (tmp / "a.parquet").write_text("new A")
    assert tree(target) == {"a.parquet": "A"}
    assert listing(tmp_path) == ["extract"]


def test_block_that_writes_nothing_is_an_error_and_changes_nothing(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(FileNotFoundError, match="uendret"), atomic_path(target):
        pass
    assert target.read_text() == "old" and listing(tmp_path) == ["out.txt"]


def test_a_folder_we_did_not_write_is_never_replaced(tmp_path):
    # An existing, non-empty folder without our marker (say, the user's own files) is
    # refused before anything runs, and nothing in it is touched.
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("viktig")
    ran = []
    with pytest.raises(OutputError, match="ikke skrevet av helpers"):
        with atomic_path(target, "dir") as tmp:
            ran.append(tmp)
    assert ran == [] and tree(target) == {"notes.txt": "viktig"}
    assert listing(tmp_path) == ["mine"]
    # An empty folder may be used.
    (target / "notes.txt").unlink()
    with atomic_path(target, "dir") as tmp:
        tmp.mkdir()
    assert (target / MARKER).is_file()


def test_a_folder_is_never_replaced_by_a_file_nor_a_file_by_a_folder(tmp_path):
    folder = our_folder(tmp_path / "out", {"x": "x"})
    with pytest.raises(OutputError, match="er en mappe"), atomic_path(folder, "file") as tmp:
        tmp.write_text("file")
    assert tree(folder) == {"x": "x"}
    file = tmp_path / "out.txt"
    file.write_text("file")
    with pytest.raises(OutputError, match="ikke en mappe"), atomic_path(file, "dir") as tmp:
        tmp.mkdir()
    assert file.read_text() == "file"
    assert listing(tmp_path) == ["out", "out.txt"]


def test_a_file_is_replaced_only_when_the_owner_test_accepts_it(tmp_path):
    target = tmp_path / "frame.parquet"
    target.write_text("someone else's")

    def ours(path):
        return path.read_text().startswith("ours")

    with pytest.raises(OutputError, match="ikke skrevet av helpers"):
        atomic_write_text(target, "ours: new", owned=ours)
    assert target.read_text() == "someone else's"
    target.write_text("ours: old")
    atomic_write_text(target, "ours: new", owned=ours)
    assert target.read_text() == "ours: new"


def test_several_targets_are_replaced_together_or_not_at_all(tmp_path, monkeypatch):
    book = our_folder(tmp_path / "book", {"index.html": "old book"})
    build = our_folder(tmp_path / "build", {"a.ipynb": "old build"})
    real_rename = os.rename

    def rename(src, dst):
        if ".tmp-" in str(src) and str(dst).endswith("book"):  # the second one fails
            raise OSError("simulated rename failure")
        return real_rename(src, dst)

    monkeypatch.setattr(files.os, "rename", rename)
    with pytest.raises(OSError, match="simulated"):
        with atomic_paths([build, book], ["dir", "dir"]) as (tmp_build, tmp_book):
            tmp_build.mkdir()
            (tmp_build / "a.ipynb").write_text("new build")
            tmp_book.mkdir()
            (tmp_book / "index.html").write_text("new book")
    # The build had been moved in already; it is put back with the book.
    assert tree(build) == {"a.ipynb": "old build"} and tree(book) == {"index.html": "old book"}
    assert listing(tmp_path) == ["book", "build"]
    monkeypatch.setattr(files.os, "rename", real_rename)
    with atomic_paths([build, book], ["dir", "dir"]) as (tmp_build, tmp_book):
        tmp_build.mkdir()
        (tmp_build / "a.ipynb").write_text("new build")
        tmp_book.mkdir()
        (tmp_book / "index.html").write_text("new book")
    assert tree(build) == {"a.ipynb": "new build"} and tree(book) == {"index.html": "new book"}
    assert listing(tmp_path) == ["book", "build"]


def test_a_file_target_is_restored_when_a_later_target_fails(tmp_path, monkeypatch):
    frame = tmp_path / "frame.parquet"
    frame.write_text("old frame")
    book = our_folder(tmp_path / "book", {"index.html": "old"})
    real_rename = os.rename

    def rename(src, dst):
        if ".tmp-" in str(src):
            raise OSError("simulated rename failure")
        return real_rename(src, dst)

    monkeypatch.setattr(files.os, "rename", rename)
    with pytest.raises(OSError, match="simulated"):
        with atomic_paths([frame, book], ["file", "dir"]) as (tmp_frame, tmp_book):
            tmp_frame.write_text("new frame")
            tmp_book.mkdir()
    assert frame.read_text() == "old frame" and tree(book) == {"index.html": "old"}
    assert listing(tmp_path) == ["book", "frame.parquet"]
