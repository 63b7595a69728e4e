"""Build one configured space from a prepared dataset: the training matrix and what the
test matrix needs of it (:func:`fit_space`), then the test matrix (:func:`transform_test`)."""

from __future__ import annotations

import numpy as np

from hullgen.model.shapes import embedding_width
from hullgen.spaces.wavelet import (
    WaveletTransform,
    is_orthonormal,
    n_coefficients,
    top_k_positions,
)

PIXEL_MAX = 255.0


def _pixels(x: np.ndarray) -> np.ndarray:
    """Flattened pixels, values 0..255: uint8 as prepared (exact, an eighth of float64's
    bytes; the hull stage converts rows to float64 as it needs them, and the other readers
    load them with :func:`hullgen.io.load_space`), anything else float64."""
    rows = x.reshape(len(x), -1)
    return rows if rows.dtype == np.uint8 else rows.astype(np.float64)


def _features(x: np.ndarray) -> np.ndarray:
    """Feature rows as given: floats keep their precision (float32 stays float32, exact in
    the hull stage's float64), integers and half floats become float64 or float32."""
    if x.dtype.kind == "f":
        return x.astype(np.promote_types(x.dtype, np.float32), copy=False)
    return x.astype(np.float64)


def fit_space(spec: dict, x_train: np.ndarray) -> tuple[np.ndarray, dict]:
    """The training matrix of the space of config entry ``spec`` and its meta: what the
    test matrix needs of the training set (top-k positions, the random baseline's box). The
    random baseline's ``seed`` is not needed here (it draws the test points only).

    ``x_train`` is the prepared training data: images (n, h, w[, 3]) uint8, or feature rows
    (n, d) for dataset.kind arrays.
    """
    kind = spec["kind"]
    meta = {"name": spec["name"], "kind": kind}
    if kind == "pixel":
        train = _pixels(x_train)
    elif kind == "features":
        train = _features(x_train)
        meta["units"] = spec["units"]
    elif kind == "random":
        # Images: uniform in the pixel domain; feature rows: in the training rows' box.
        if x_train.ndim == 2:
            train = _features(x_train)
            meta.update(low=train.min(axis=0).tolist(), high=train.max(axis=0).tolist())
        else:
            train = _pixels(x_train)
            meta.update(low=0.0, high=PIXEL_MAX)
    elif kind == "wavelet":
        transform = WaveletTransform(spec["wavelet"], spec["level"], spec["mode"])
        meta.update(wavelet=spec["wavelet"], level=spec["level"], mode=spec["mode"])
        select = spec["select"]
        train = transform.approx(x_train) if select == "approx" else transform.forward(x_train)
        if isinstance(select, dict) and set(select) == {"top"}:
            positions = top_k_positions(train, int(select["top"]))
            train = train[:, positions]
            meta["positions"] = positions.tolist()
        elif select not in ("all", "approx"):
            raise ValueError(
                f"unknown coefficient selection {select!r} (all, approx or {{top: k}})"
            )
        meta["select"] = select
    else:
        raise ValueError(f"space {spec.get('name')!r}: unknown kind {kind!r}")
    meta["dim"] = int(train.shape[1])
    meta["pixel_isometry"] = x_train.ndim > 2 and is_pixel_isometry(spec, x_train.shape[1:])
    meta["n_train"] = int(train.shape[0])
    return train, meta


def random_points(spec: dict, n_test: int) -> int:
    """How many points the random baseline of config entry ``spec`` draws for ``n_test`` test
    rows: ``min(points, n_test)``, or ``n_test`` when ``points`` is None (or absent). Random
    point i stands in for test row i: the first rows, where a control pairs a point with a
    test image or label.

    >>> random_points({"points": 2000}, 50_000), random_points({"points": 2000}, 450)
    (2000, 450)
    """
    points = spec.get("points")
    return int(n_test) if points is None else min(int(points), int(n_test))


def transform_test(spec: dict, meta: dict, x_test: np.ndarray | None, n_test: int) -> np.ndarray:
    """The test matrix of the space fitted by :func:`fit_space` (``meta``): the test data in
    the space, or, for the random baseline, :func:`random_points` points uniform in its box
    for ``n_test`` test rows (seeded; ``x_test`` may then be None). The points are the first
    of one seeded stream: fewer points are a prefix of more."""
    kind = spec["kind"]
    if kind == "random":
        # A scalar box (pixels) or one per coordinate (feature rows).
        low, high = np.asarray(meta["low"]), np.asarray(meta["high"])
        rng = np.random.default_rng(spec["seed"])
        return rng.uniform(low, high, size=(random_points(spec, n_test), meta["dim"]))
    if kind == "pixel":
        return _pixels(x_test)
    if kind == "features":
        return _features(x_test)
    if kind == "wavelet":
        transform = WaveletTransform(spec["wavelet"], spec["level"], spec["mode"])
        if spec["select"] == "approx":
            return transform.approx(x_test)
        test = transform.forward(x_test)
        if "positions" in meta:
            test = test[:, np.asarray(meta["positions"], dtype=np.int64)]
        return test
    raise ValueError(f"space {spec.get('name')!r}: unknown kind {kind!r}")


def space_width(spec: dict, data_shape: tuple[int, ...], n_classes: int) -> int:
    """Coordinates per row of the space of config entry ``spec``, before any data is read:
    ``data_shape`` is an image's shape ((h, w) or (h, w, 3)), or ``(width,)`` for the rows of
    dataset.kind arrays; ``n_classes`` sizes the logits.

    >>> space_width({"kind": "pixel"}, (28, 28), 10)
    784
    """
    kind = spec["kind"]
    if kind in ("pixel", "features", "random"):
        return int(np.prod(data_shape))
    if kind == "embedding":
        return embedding_width(spec["layer"], data_shape, n_classes)
    if kind != "wavelet":
        raise ValueError(f"space {spec.get('name')!r}: unknown kind {kind!r}")
    select = spec["select"]
    if isinstance(select, dict):
        return int(select["top"])
    transform = WaveletTransform(spec["wavelet"], spec["level"], spec["mode"])
    return n_coefficients(data_shape, transform)[select]


def is_pixel_isometry(spec: dict, image_shape: tuple[int, ...]) -> bool:
    """Whether the space of config entry ``spec`` is an orthonormal transform of the pixels
    (all coefficients of an orthonormal wavelet transform, see
    :func:`hullgen.spaces.wavelet.is_orthonormal`): its hull distances, supports and
    diameter are the pixel space's.
    """
    if spec["kind"] != "wavelet" or spec["select"] != "all":
        return False
    transform = WaveletTransform(spec["wavelet"], spec["level"], spec["mode"])
    return is_orthonormal(transform, image_shape)


def build_space(spec: dict, x_train: np.ndarray, x_test: np.ndarray):
    """Return ``(train, test, meta)`` for the space described by config entry ``spec``
    (:func:`fit_space`, then :func:`transform_test` for the test rows of ``x_test``)."""
    train, meta = fit_space(spec, x_train)
    test = transform_test(spec, meta, x_test, len(x_test))
    return train, test, {**meta, "n_test": int(test.shape[0])}
