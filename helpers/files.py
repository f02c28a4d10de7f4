"""Atomic outputs: a failed run never replaces (or half-writes) an earlier output.

    with atomic_path("report/_book") as tmp:     # tmp does not exist yet
        build_the_book_into(tmp)                 # create a file or a folder at tmp
    # only now is report/_book replaced; on an exception it is left untouched

The temporary path is a hidden sibling of the target (same folder, hence same file
system, so the final rename is atomic for files). A folder cannot be swapped in one
system call, so an existing target folder is renamed away, the new one renamed in and
the old one deleted; if the second rename fails, the old folder is put back.
"""
from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _sibling(target: Path, tag: str) -> Path:
    """A hidden, unique path next to `target` that keeps its suffix (`.x.tmp-ab12.parquet`)."""
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    return target.parent / f".{target.stem}.{tag}-{token}{target.suffix}"


def remove_path(path: Path) -> None:
    """Delete a file, symlink or folder tree at `path`; do nothing if it does not exist."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _move_into_place(new: Path, target: Path) -> None:
    """Move `new` to `target`, replacing whatever is there."""
    new_is_dir = new.is_dir() and not new.is_symlink()
    target_is_dir = target.is_dir() and not target.is_symlink()
    if not new_is_dir and not target_is_dir:
        os.replace(new, target)  # atomic for files (POSIX and Windows)
        return
    if not _exists(target):
        os.rename(new, target)
        return
    old = _sibling(target, "old")
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)  # put the earlier output back
        raise
    remove_path(old)


@contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to `target`; move it to `target` only if the block succeeds.

    The block must create a file or a folder at the yielded path. On success it replaces
    `target` (a file via os.replace; a folder by renaming the old one away, the new one
    in, and deleting the old one). On any exception (including KeyboardInterrupt) the
    temporary path is deleted, `target` is left as it was, and the exception propagates.
    The target's parent folder is created if missing.
    """
    target = Path(target).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _sibling(target, "tmp")
    try:
        yield tmp
        if not _exists(tmp):
            raise FileNotFoundError(
                f"Ingenting ble skrevet til {tmp}; {target} er uendret "
                f"(nothing was written to the temporary path; {target} is unchanged)"
            )
        _move_into_place(tmp, target)
    finally:
        if _exists(tmp):
            remove_path(tmp)


def atomic_write_text(target: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write `text` to the file `target` atomically (all or nothing); return the path."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(target)

