"""Atomic writes: an output either exists complete or not at all."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np


def _cannot_write(path: Path, err: OSError) -> OSError:
    """``err`` (errno kept) with a message naming the final file, not the temporary one."""
    return OSError(err.errno, f"cannot write {path}: {err.strerror or err}")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    The temporary file lives in the same folder so the final rename is atomic, and it is
    removed if the body raises, so a failed write leaves nothing behind. A process killed
    mid-write cannot clean up: its temporary files are removed by the next write of ``path``.
    An OSError (disk full, folder not writable) is raised again naming ``path``.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob(f".{glob.escape(path.name)}.*.part"):
            stale.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as err:
        raise _cannot_write(path, err) from err
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp creates 0600 files; give the output the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, path)
    except OSError as err:
        raise _cannot_write(path, err) from err
    finally:
        tmp_path.unlink(missing_ok=True)


def save_npy(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write ``array`` as a memory-mappable ``.npy`` file, atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.save(handle, np.ascontiguousarray(array), allow_pickle=False)


def save_link(path: str | os.PathLike, target: str | os.PathLike) -> None:
    """Make ``path`` a symbolic link to the existing file ``target``, atomically.

    For an output that is an input as it is (the user's rows when no subset is taken, a
    feature space's rows): a link costs no disk and no copy, and jobs that memory-map it
    share the pages of one file. The link is relative when ``target`` is under the same
    working folder as ``path`` (a results folder moves as a whole), else absolute.
    """
    path, target = Path(path), Path(target).absolute()
    if not target.is_file():
        raise FileNotFoundError(f"cannot link {path} to {target}: no such file")
    cwd = Path.cwd()
    inside = target.is_relative_to(cwd) and path.absolute().is_relative_to(cwd)
    link = os.path.relpath(target, path.absolute().parent) if inside else str(target.resolve())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{path.name}.{os.getpid()}.link.part"
        tmp.unlink(missing_ok=True)
        os.symlink(link, tmp)
        os.replace(tmp, path)
    except OSError as err:
        raise _cannot_write(path, err) from err


def save_npy_or_link(
    path: str | os.PathLike, array: np.ndarray, source: str | os.PathLike | None, read
) -> None:
    """Write ``array`` to ``path``, or link ``path`` to the ``.npy`` file ``source`` when
    ``array`` is that file's contents as they are (``read``, the file memory-mapped, or a
    view of all of it: same shape, dtype and memory). A space whose rows are the prepared
    rows unchanged (feature rows, the random baseline's training side) costs no copy."""
    unchanged = (
        source is not None
        and isinstance(read, np.memmap)
        and array.shape == read.shape
        and array.dtype == read.dtype
        and array.strides == read.strides
        and array.__array_interface__["data"][0] == read.__array_interface__["data"][0]
        and array.flags.c_contiguous
    )
    if unchanged:
        save_link(path, source)
    else:
        save_npy(path, array)


def save_json(path: str | os.PathLike, obj: object) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")


def load_npy(path: str | os.PathLike, mmap: bool = True) -> np.ndarray:
    """Read a ``.npy`` file (memory-mapped by default); never unpickles."""
    return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)


def load_space(path: str | os.PathLike) -> np.ndarray:
    """A space's matrix (``spaces/<space>/{train,test}.npy``) for computing with, through the
    checked reader (:func:`hullgen.data.matrix.load_rows`: a NaN from a diverged network is
    named by file, row and column in whichever job reads it first): float rows as stored
    (memory-mapped), integer rows (pixels are stored as uint8) as float64, so that no
    difference or product of them wraps around."""
    from hullgen.data.matrix import load_rows

    # Values in range; the training set's scale is checked where hull distances need it.
    rows = load_rows(path, f"space {Path(path).parent.name!r}", scale=False)
    return rows if rows.dtype.kind == "f" else rows.astype(np.float64)


def save_table(frame, parquet: str | os.PathLike, csv: str | os.PathLike | None = None) -> None:
    """Write a pandas DataFrame as Parquet (and CSV if ``csv`` is given), each atomically."""
    with atomic_path(parquet) as tmp:
        frame.to_parquet(tmp, index=False)
    if csv is not None:
        with atomic_path(csv) as tmp:
            frame.to_csv(tmp, index=False)
