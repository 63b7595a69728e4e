"""Safe extraction of tar archives: no member may land outside the target folder."""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from hullgen.errors import UnsafeArchiveError


def _check_member(member: tarfile.TarInfo, archive: Path, root: Path) -> None:
    name = member.name
    target = (root / name).resolve()
    if os.path.isabs(name) or not target.is_relative_to(root):
        raise UnsafeArchiveError(
            f"{archive}: member {name!r} would be extracted outside {root}; refusing the archive"
        )
    if member.issym() or member.islnk():
        link_base = target.parent if member.issym() else root
        link_target = (link_base / member.linkname).resolve()
        if os.path.isabs(member.linkname) or not link_target.is_relative_to(root):
            raise UnsafeArchiveError(
                f"{archive}: link member {name!r} points to {member.linkname!r}, outside "
                f"{root}; refusing the archive"
            )
    elif not (member.isfile() or member.isdir()):
        raise UnsafeArchiveError(
            f"{archive}: member {name!r} is a device, FIFO or other special file; refusing"
        )


def safe_extract(archive: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Extract ``archive`` into folder ``dest`` after checking every member.

    All members are checked before anything is written; extraction goes to a temporary
    sibling folder that is renamed onto ``dest`` only when complete, so a refused or broken
    archive leaves nothing behind.
    """
    archive, dest = Path(archive), Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        root = tmp.resolve()
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            for member in members:
                _check_member(member, archive, root)
            # The "data" filter repeats these checks inside tarfile and strips unsafe modes.
            tar.extractall(root, members=members, filter="data")
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest
