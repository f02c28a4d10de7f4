"""Outputs that are never lost: all-or-nothing writes that remove only what we created.

    with atomic_path("_book", kind="dir") as tmp:   # tmp does not exist yet
        build_the_book_into(tmp)                     # create the folder at tmp
    # only now is _book replaced; on an exception it is left untouched

Rules every output of the project follows:

- A run writes into a hidden temporary sibling of each target (same folder, so the final
  rename is atomic for files) and replaces the targets only when the whole run succeeded;
  `atomic_paths` replaces several targets together (all or none: if a later rename fails,
  the earlier ones are put back).
- An output path never removes anything it did not create. Every folder we write carries
  a marker file (`MARKER`); an existing folder is replaced only if it carries the marker
  or is empty. A folder is never replaced by a file or a file by a folder, and an existing
  file is replaced only if the caller's `owned` test says it is one of ours (for example
  a Parquet file whose metadata says we wrote it). Refusals raise `OutputError` saying
  why, before any work is done.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

MARKER = ".helpers-output"  # in every folder helpers writes; says what wrote it


class OutputError(RuntimeError):
    """An output path that helpers will not write to, and why."""


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


def _is_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def is_ours(folder: Path) -> bool:
    """Whether `folder` is a folder helpers wrote (it holds the MARKER file)."""
    return (Path(folder) / MARKER).is_file()


def mark(folder: Path, kind: str) -> None:
    """Put the marker into a folder we write (`kind` says what it is: book, build, ...)."""
    (Path(folder) / MARKER).write_text(
        json.dumps({"written_by": "helpers", "kind": kind}) + "\n", encoding="utf-8")


def check_output(target: str | os.PathLike, kind: str,
                 owned: Callable[[Path], bool] | None = None) -> Path:
    """Raise OutputError unless `target` may be (re)written as a `kind` ('dir' or 'file')
    output: absent; a folder of ours (MARKER) or an empty one, for 'dir'; a file for
    'file', and then one that `owned` accepts when given. Returns the absolute path."""
    target = Path(target).absolute()
    if not _exists(target):
        return target
    if kind == "dir":
        if not _is_dir(target):
            raise OutputError(f"{target} finnes og er ikke en mappe; velg en annen mappe "
                              f"(exists and is not a folder: nothing was written)")
        if not is_ours(target) and any(target.iterdir()):
            raise OutputError(
                f"{target} finnes og er ikke skrevet av helpers (mangler {MARKER}); den "
                f"erstattes ikke. Slett den selv eller velg en annen mappe (a folder we did "
                f"not create is never replaced)")
    else:
        if _is_dir(target):
            raise OutputError(f"{target} er en mappe, men utdata her er en fil; velg et "
                              f"filnavn (a folder is never replaced by a file)")
        if owned is not None and not owned(target):
            raise OutputError(f"{target} finnes og er ikke skrevet av helpers; den erstattes "
                              f"ikke (a file we did not write is never replaced)")
    return target


def _move_into_place(new: Path, target: Path) -> Path | None:
    """Move `new` to `target`. Returns where an earlier target was moved (to be deleted
    once everything is in place), or None when there was none."""
    if not _is_dir(new) and not _is_dir(target):
        old = None
        if _exists(target):  # keep the earlier file aside, in case a later move fails
            old = _sibling(target, "old")
            try:
                os.link(target, old)
            except OSError:
                shutil.copy2(target, old)
        try:
            os.replace(new, target)  # atomic for files
        except BaseException:
            if old is not None:
                remove_path(old)
            raise
        return old
    if not _exists(target):
        os.rename(new, target)
        return None
    old = _sibling(target, "old")
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)  # put the earlier output back
        raise
    return old


def _restore(target: Path, old: Path | None) -> None:
    """Undo `_move_into_place`: the earlier output back at `target` (or nothing there)."""
    if old is None:
        remove_path(target)
        return
    if _is_dir(old):
        remove_path(target)
        os.rename(old, target)
    else:
        os.replace(old, target)


@contextmanager
def atomic_paths(targets: Sequence[str | os.PathLike], kinds: Sequence[str],
                 owned: Sequence[Callable[[Path], bool] | None] | None = None,
                 markers: Sequence[str | None] | None = None) -> Iterator[list[Path]]:
    """Yield one temporary path per target; replace all the targets only if the block
    succeeds (all or none).

    `kinds`: 'dir' or 'file' per target; `owned`: per target, a test an existing file must
    pass to be replaced; `markers`: per 'dir' target, the kind written into its MARKER
    (default: 'output'). Every target is checked (`check_output`) before the block runs.
    The block must create a file or folder at each yielded path. On any exception
    (including KeyboardInterrupt) the temporary paths are deleted, the targets are left as
    they were, and the exception propagates. Parent folders are created if missing.
    """
    owned = list(owned or [None] * len(targets))
    markers = list(markers or [None] * len(targets))
    paths = [check_output(t, k, o) for t, k, o in zip(targets, kinds, owned)]
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmps = [_sibling(path, "tmp") for path in paths]
    try:
        yield tmps
        for tmp, target, kind, marker in zip(tmps, paths, kinds, markers):
            if not _exists(tmp):
                raise FileNotFoundError(
                    f"Ingenting ble skrevet til {tmp}; {target} er uendret "
                    f"(nothing was written to the temporary path; {target} is unchanged)")
            if kind == "dir":
                if not _is_dir(tmp):
                    raise OutputError(f"{tmp} skulle vært en mappe")
                mark(tmp, marker or "output")
            elif _is_dir(tmp):
                raise OutputError(f"{tmp} skulle vært en fil")
        for target, kind, own in zip(paths, kinds, owned):
            check_output(target, kind, own)  # still true after the (long) block?
        done: list[tuple[Path, Path | None]] = []
        try:
            for tmp, target in zip(tmps, paths):
                done.append((target, _move_into_place(tmp, target)))
        except BaseException:
            for target, old in reversed(done):
                _restore(target, old)
            raise
        for _, old in done:
            if old is not None:
                remove_path(old)
    finally:
        for tmp in tmps:
            if _exists(tmp):
                remove_path(tmp)


@contextmanager
def atomic_path(target: str | os.PathLike, kind: str = "file",
                owned: Callable[[Path], bool] | None = None,
                marker: str | None = None) -> Iterator[Path]:
    """`atomic_paths` for one target: yield a temporary path next to `target` and move it
    to `target` only if the block succeeds."""
    with atomic_paths([target], [kind], [owned], [marker]) as (tmp,):
        yield tmp


def atomic_write_text(target: str | os.PathLike, text: str, encoding: str = "utf-8",
                      owned: Callable[[Path], bool] | None = None) -> Path:
    """Write `text` to the file `target` atomically (all or nothing); return the path."""
    with atomic_path(target, "file", owned) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(target)


def ensure_folder(folder: str | os.PathLike, kind: str) -> Path:
    """Create `folder` as a folder of ours (with MARKER) if absent; accept it if it is
    ours or empty (then mark it); otherwise raise OutputError. Returns the absolute path."""
    folder = check_output(folder, "dir")
    folder.mkdir(parents=True, exist_ok=True)
    if not is_ours(folder):
        mark(folder, kind)
    return folder
