"""Reader for the IDX format of MNIST and Fashion-MNIST (optionally gzip-compressed).

Layout (http://yann.lecun.com/exdb/mnist/): two zero bytes, a type code, the number of
dimensions, then one big-endian uint32 per dimension, then the data in C order.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from hullgen.errors import DataFormatError

# IDX type code -> big-endian numpy dtype.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _read_bytes(path: Path) -> bytes:
    with open(path, "rb") as handle:
        head = handle.read(2)
    if head == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as handle:
                return handle.read()
        except (OSError, EOFError) as err:
            raise DataFormatError(f"{path}: corrupt or truncated gzip stream ({err})") from err
    return path.read_bytes()


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Return the array stored in IDX file ``path`` (``.gz`` or plain), in native byte order.

    Raises :class:`DataFormatError` naming the file on a wrong magic number, an unknown
    type code, or a size that does not match the header (truncated or trailing data).
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise DataFormatError(f"{path}: {len(raw)} bytes, too short for an IDX header")
    zero, type_code, ndim = raw[:2], raw[2], raw[3]
    if zero != b"\x00\x00" or type_code not in IDX_DTYPES or ndim == 0:
        raise DataFormatError(
            f"{path}: bad IDX magic number 0x{raw[:4].hex()} (expected 0x0000TTNN with "
            f"type code TT in {{08,09,0b,0c,0d,0e}} and NN >= 1 dimensions)"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataFormatError(f"{path}: truncated IDX header ({len(raw)} of {header} bytes)")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - header
    if found < expected:
        raise DataFormatError(
            f"{path}: truncated IDX data: header says shape {shape} ({expected} bytes), "
            f"found {found} bytes"
        )
    if found > expected:
        raise DataFormatError(
            f"{path}: {found - expected} unexpected bytes after the IDX data of shape {shape}"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="), copy=True)


def read_idx_images(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX image file: uint8, shape (n, h, w)."""
    images = read_idx(path)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise DataFormatError(
            f"{path}: expected uint8 images of shape (n, h, w), found {images.dtype} {images.shape}"
        )
    return images


def read_idx_labels(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX label file: returned as int64, shape (n,)."""
    labels = read_idx(path)
    if labels.ndim != 1:
        raise DataFormatError(f"{path}: expected a 1-d label vector, found shape {labels.shape}")
    return labels.astype(np.int64)


def write_idx(path: str | os.PathLike, array: np.ndarray, compress: bool = False) -> None:
    """Write ``array`` in IDX format (used by tests and for exporting subsets)."""
    array = np.asarray(array)
    codes = {dt.newbyteorder("="): code for code, dt in IDX_DTYPES.items()}
    code = codes.get(array.dtype)
    if code is None:
        raise ValueError(f"dtype {array.dtype} has no IDX type code")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = header + array.astype(IDX_DTYPES[code], copy=False).tobytes()
    opener = gzip.open if compress else open
    with opener(path, "wb") as handle:
        handle.write(payload)
