"""Getting raw files: downloaded with pooch, or taken from a pre-staged folder, always hashed."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from pathlib import Path

from hullgen.data.registry import RawFile
from hullgen.errors import HashMismatchError
from hullgen.io import atomic_path

log = logging.getLogger("hullgen.fetch")

_CHUNK = 1 << 20


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _check_hash(raw: RawFile, actual: str, where: str | os.PathLike) -> str:
    accepted = raw.accepted_hashes()
    if actual not in accepted:
        expected = " or ".join(f"{h} ({who})" for h, who in accepted.items())
        raise HashMismatchError(
            f"{where}: SHA-256 mismatch for {raw.name}: expected {expected}, got {actual}. "
            f"Delete the file and fetch it again, or set 'dataset.verify: false' in the "
            f"config to accept it anyway."
        )
    return accepted[actual]


def stage(raw: RawFile, source: str | os.PathLike, dest: str | os.PathLike, verify: bool = True):
    """Copy pre-staged file ``source`` to ``dest`` after checking its hash.

    Returns ``(sha256, origin)``, where origin says which pinned hash matched
    ("canonical", a re-packaging's name, or "unverified"). Nothing is written on a mismatch.
    """
    source = Path(source)
    if not source.is_file():
        raise FileNotFoundError(
            f"{source}: pre-staged file {raw.name} not found (config key 'dataset.data_dir')"
        )
    with atomic_path(dest) as tmp:
        shutil.copyfile(source, tmp)
        actual = sha256_file(tmp)
        if verify:
            origin = _check_hash(raw, actual, source)
        else:
            origin = "unverified"
            log.warning(
                "%s: hash verification disabled by 'dataset.verify: false'; accepting "
                "sha256 %s (pinned: %s)",
                source,
                actual,
                raw.sha256,
            )
    return actual, origin


def download(raw: RawFile, dest: str | os.PathLike, verify: bool = True):
    """Download ``raw`` to ``dest`` with pooch, trying each URL in turn.

    pooch downloads to a temporary file and only moves it into place when the hash matches,
    so a failed or mismatching download leaves no file behind. Returns ``(sha256, origin)``.
    """
    import pooch

    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    known_hash = None if not verify else f"sha256:{raw.sha256}"
    errors = []
    for url in raw.urls:
        log.info("downloading %s from %s", raw.name, url)
        try:
            pooch.retrieve(
                url,
                known_hash=known_hash,
                fname=dest.name,
                path=dest.parent,
                progressbar=False,
            )
        except ValueError as err:
            if "hash" in str(err).lower():
                dest.unlink(missing_ok=True)
                raise HashMismatchError(f"{url}: {err}") from err
            errors.append(f"{url}: {err}")
            continue
        except Exception as err:  # network errors: try the next mirror
            errors.append(f"{url}: {type(err).__name__}: {err}")
            log.warning("download of %s from %s failed: %s", raw.name, url, err)
            continue
        actual = sha256_file(dest)
        if not verify:
            log.warning(
                "%s: hash verification disabled by 'dataset.verify: false'; accepting sha256 %s",
                dest,
                actual,
            )
            return actual, "unverified"
        return actual, "canonical"
    raise ConnectionError(
        f"could not download {raw.name} from any mirror:\n  " + "\n  ".join(errors) + "\n"
        "On a machine without internet, download the file elsewhere and point "
        "'dataset.data_dir' at its folder."
    )
