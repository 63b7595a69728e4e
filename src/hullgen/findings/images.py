"""Images of hull projections: a test image x, its nearest hull point p and the direction x - p.

A hull point p is given in a space by its support (training rows and convex weights). This
module maps space vectors back to image form and draws them, so that the paper's observation
("the shortest direction that brings each testing image to the hull relates to important
features in images") can be looked at.

Image form per space ``meta["kind"]`` (see :func:`to_image`):

- ``pixel``: the vector reshaped to the image, pixel units 0..255 (p lies in that box too).
- ``wavelet`` with ``select`` ``"all"``: the inverse transform, pixel units; exact, and linear.
- ``wavelet`` ``"approx"``: the approximation band at its own, coarser resolution, divided by
  the band's gain for a constant image, so a value is a local mean in pixel units.
- ``wavelet`` ``{"top": k}``: the inverse transform of the k selected coefficients with every
  other coefficient zero; it shows what the space sees, not the full image.
- ``features`` (the rows of dataset.kind arrays): the vector itself, drawn as a line over
  the coordinates.
- ``random`` and ``embedding``: no image form (None). The random baseline's points are
  drawn as its data's: pixel images, or feature rows.

Images are (h, w) grey or (h, w, 3) colour throughout. Figures are drawn on
``matplotlib.figure.Figure`` objects, never through pyplot, and each is written as a PNG
(150 dpi) and a PDF.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pywt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from hullgen.figures import save_figure
from hullgen.findings.surface import nearest_training
from hullgen.spaces.wavelet import WaveletTransform, n_coefficients

PIXEL_MAX = 255.0
PANEL_INCHES = 2.4
DIRECTION_CMAP = "RdBu_r"
SUPPORT_COLUMNS = 5
NO_IMAGE_KINDS = frozenset({"random", "embedding"})
# pywt.wavedec2 of one (h, w) or (h, w, 3) image: the image axes; the channel axis is kept.
SINGLE_IMAGE_AXES = (0, 1)


def projection(
    train: np.ndarray, support: pd.DataFrame, query: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The hull point of test row ``query`` in the space of ``train`` (n_train, d).

    ``support`` has columns ``query``, ``train_index`` and ``weight``. Returns ``p`` (d,)
    float64 = weights @ train[indices], ``indices`` (k,) int64 and ``weights`` (k,) float64,
    ordered by decreasing weight (ties by increasing training index).
    """
    rows = support[support["query"] == query]
    if rows.empty:
        raise ValueError(f"test row {query} has no rows in the support table")
    indices = rows["train_index"].to_numpy(dtype=np.int64)
    weights = rows["weight"].to_numpy(dtype=np.float64)
    # The index breaks ties so the order does not depend on the table's row order.
    order = np.lexsort((indices, -weights))
    indices, weights = indices[order], weights[order]
    p = weights @ np.asarray(train[indices], dtype=np.float64)
    return p, indices, weights


def _transform(meta: dict) -> WaveletTransform:
    return WaveletTransform(meta["wavelet"], int(meta["level"]), meta["mode"])


def approx_band_shape(image_shape: tuple[int, ...], transform: WaveletTransform) -> tuple:
    """Shape of one image's approximation band: (h', w') grey or (h', w', 3) colour."""
    band = pywt.wavedec2(
        np.zeros(image_shape),
        transform.wavelet,
        mode=transform.mode,
        level=transform.level,
        axes=SINGLE_IMAGE_AXES,
    )[0]
    return band.shape


def approx_gain(transform: WaveletTransform) -> float:
    """Factor by which the approximation band scales a constant image (away from borders).

    Each level filters rows and columns with the low-pass filter, multiplying a constant by
    sum(dec_lo) twice (sqrt(2) ** 2 = 2 for pywt's normalised wavelets).
    """
    return float(np.sum(pywt.Wavelet(transform.wavelet).dec_lo)) ** (2 * transform.level)


def _wavelet_image(vector: np.ndarray, meta: dict, image_shape: tuple[int, ...]) -> np.ndarray:
    transform = _transform(meta)
    select = meta["select"]
    if select == "approx":
        band = vector.reshape(approx_band_shape(image_shape, transform))
        return band / approx_gain(transform)
    if select == "all":
        coefficients = vector
    elif isinstance(select, dict) and set(select) == {"top"}:
        coefficients = np.zeros(n_coefficients(image_shape, transform)["all"])
        coefficients[np.asarray(meta["positions"], dtype=np.int64)] = vector
    else:
        raise ValueError(f"unknown coefficient selection {select!r} (all, approx or {{top: k}})")
    return transform.inverse(coefficients[None, :], image_shape)[0]


def to_image(vector: np.ndarray, meta: dict, image_shape: tuple[int, ...]) -> np.ndarray | None:
    """A space vector (d,) in image form, float64, or None for spaces without one.

    ``image_shape`` is the dataset's (h, w) or (h, w, 3). Pixel and wavelet ``"all"`` give
    that shape in pixel units; wavelet ``"approx"`` gives the band's (h', w'[, 3]) as local
    means in pixel units; wavelet top-k gives ``image_shape``, the image of the selected
    coefficients only. ``random`` and ``embedding`` spaces give None. The map is linear.
    """
    kind = meta["kind"]
    if kind in NO_IMAGE_KINDS:
        return None
    vector = np.asarray(vector, dtype=np.float64)
    image_shape = tuple(int(n) for n in image_shape)
    if kind == "pixel":
        return vector.reshape(image_shape)
    if kind == "features":
        return vector
    if kind == "wavelet":
        return _wavelet_image(vector, meta, image_shape)
    raise ValueError(f"unknown space kind {kind!r} (pixel, wavelet, random or embedding)")


def direction_image(
    x_vec: np.ndarray, p_vec: np.ndarray, meta: dict, image_shape: tuple[int, ...]
) -> np.ndarray | None:
    """The direction x - p (both (d,) space vectors) in image form, or None (see to_image)."""
    difference = np.asarray(x_vec, dtype=np.float64) - np.asarray(p_vec, dtype=np.float64)
    return to_image(difference, meta, image_shape)


def display_image(image: np.ndarray) -> tuple[np.ndarray, dict]:
    """``(array, imshow_kwargs)`` for an image in pixel units 0..255 (uint8 or float).

    Values are clipped to 0..255. Grey (h, w) stays in pixel units with ``cmap="gray"``,
    ``vmin=0``, ``vmax=255``; colour (h, w, 3) is scaled to 0..1, the range imshow reads
    float RGB in. Use as ``axis.imshow(array, **kwargs)``.
    """
    clipped = np.clip(np.asarray(image, dtype=np.float64), 0.0, PIXEL_MAX)
    if clipped.ndim == 2:
        return clipped, {"cmap": "gray", "vmin": 0.0, "vmax": PIXEL_MAX}
    if clipped.ndim == 3 and clipped.shape[2] == 3:
        return clipped / PIXEL_MAX, {}
    raise ValueError(f"expected an (h, w) or (h, w, 3) image, got shape {clipped.shape}")


def signed_direction(direction: np.ndarray) -> np.ndarray:
    """(h, w) signed map of a direction image: itself if grey, the sum over channels if colour.

    The sum keeps one diverging scale for grey and colour; it shows where x is brighter (> 0)
    or darker (< 0) than p overall, not which channel differs.
    """
    direction = np.asarray(direction, dtype=np.float64)
    return direction.sum(axis=2) if direction.ndim == 3 else direction


def _show_row(axis: Axes, row: np.ndarray, title: str) -> None:
    # A feature row has no picture: its coordinates as a line.
    axis.plot(np.asarray(row, dtype=np.float64), linewidth=0.8)
    axis.set_title(title, fontsize="small")
    axis.set_xlabel("coordinate", fontsize="small")
    axis.tick_params(labelsize="x-small")


def _show_image(axis: Axes, image: np.ndarray, title: str) -> None:
    if np.ndim(image) == 1:
        _show_row(axis, image, title)
        return
    array, kwargs = display_image(image)
    axis.imshow(array, **kwargs)
    axis.set_title(title, fontsize="small")
    axis.set_axis_off()


def _show_missing(axis: Axes, title: str) -> None:
    axis.text(0.5, 0.5, "no image form\nin this space", ha="center", va="center")
    axis.set_title(title, fontsize="small")
    axis.set_axis_off()


def _show_direction(figure: Figure, axis: Axes, direction: np.ndarray) -> None:
    if np.ndim(direction) == 1:
        axis.axhline(0.0, color="grey", linewidth=0.5)
        _show_row(axis, direction, "x - p")
        return
    signed = signed_direction(direction)
    # A zero direction (x inside the hull) still needs a non-empty colour range.
    limit = float(np.max(np.abs(signed))) or 1.0
    shown = axis.imshow(signed, cmap=DIRECTION_CMAP, vmin=-limit, vmax=limit)
    figure.colorbar(shown, ax=axis, shrink=0.8)
    colour = np.ndim(direction) == 3
    axis.set_title("x - p, sum over R, G, B" if colour else "x - p", fontsize="small")
    axis.set_axis_off()


def plot_examples(
    rows: list[dict], png: str | os.PathLike, pdf: str | os.PathLike, title_prefix: str
) -> Figure:
    """One row per example: test image x, its hull projection p, and x - p.

    Each of ``rows`` has ``label`` (e.g. "farthest"), ``query`` (test row), ``distance``
    (||x - p|| in the space's units), ``image`` (the test image, uint8 (h, w[, 3])),
    ``projection`` (image of p, or None), ``direction`` (image of x - p, or None) and
    ``class_name``. p is clipped to 0..255 for display; x - p uses ``RdBu_r`` with limits
    symmetric about 0 (colour: the per-pixel sum over channels, said in the panel title).
    ``title_prefix`` names the dataset and space. Writes ``png`` and ``pdf``.
    """
    figure = Figure(
        figsize=(3 * PANEL_INCHES + 0.8, PANEL_INCHES * len(rows) + 0.5), layout="constrained"
    )
    axes = figure.subplots(len(rows), 3, squeeze=False)
    for (image_axis, projection_axis, direction_axis), row in zip(axes, rows, strict=True):
        _show_image(
            image_axis, row["image"], f"{row['label']}: test {row['query']} ({row['class_name']})"
        )
        projection_title = f"projection p, distance {row['distance']:.4g}"
        if row["projection"] is None:
            _show_missing(projection_axis, projection_title)
        else:
            _show_image(projection_axis, row["projection"], projection_title)
        if row["direction"] is None:
            _show_missing(direction_axis, "x - p")
        else:
            _show_direction(figure, direction_axis, row["direction"])
    what = "test row" if np.ndim(rows[0]["image"]) == 1 else "test image"
    figure.suptitle(f"{title_prefix}: {what} x, nearest hull point p, direction x - p")
    save_figure(figure, png, pdf)
    return figure


def plot_support(
    rows: list[dict],
    class_names,
    png: str | os.PathLike,
    pdf: str | os.PathLike,
    title_prefix: str,
    most: int = 7,
) -> Figure:
    """One row per example test point: its image, then the ``most`` training images with the
    largest weights in its nearest hull point p.

    Each of ``rows`` has ``label`` (farthest, median, ...), ``image`` (the test image),
    ``train_images`` (k, h, w[, 3]) of p's training images, aligned with ``weights`` (k,),
    ``labels`` (k,) (class indices into ``class_names``) and, optionally, ``ranks`` (k,): each
    training image's nearest-neighbour rank among all training images, by distance to the
    test image (1 = nearest). Each training panel is titled with its class, weight and rank.
    Writes ``png`` and ``pdf``.
    """
    if most < 1:
        raise ValueError(f"most must be >= 1, got {most}")
    if not rows:
        raise ValueError("plot_support: no example rows")
    for row in rows:
        sizes = {len(row["train_images"]), len(row["weights"]), len(row["labels"])}
        if row.get("ranks") is not None:
            sizes.add(len(row["ranks"]))
        if len(sizes) != 1:
            raise ValueError(
                f"support of {row['label']}: {len(row['weights'])} weights,"
                f" {len(row['train_images'])} images, {len(row['labels'])} labels: they must align"
            )
    columns = 1 + min(most, max(len(row["weights"]) for row in rows))
    figure = Figure(
        figsize=(PANEL_INCHES * 0.8 * columns, PANEL_INCHES * len(rows) + 0.5),
        layout="constrained",
    )
    axes = figure.subplots(len(rows), columns, squeeze=False)
    for axes_row, row in zip(axes, rows, strict=True):
        weights = np.asarray(row["weights"], dtype=np.float64)
        shown = np.argsort(-weights, kind="stable")[:most]
        _show_image(
            axes_row[0],
            row["image"],
            f"{row['label']} test image\n{len(weights)} in p, top {len(shown)}:"
            f" {weights[shown].sum():.0%}",
        )
        for axis, j in zip(axes_row[1:], shown, strict=False):
            title = f"{class_names[int(row['labels'][j])]}\nweight {weights[j]:.3f}"
            if row.get("ranks") is not None:
                title += f", rank {int(row['ranks'][j]):,}"
            _show_image(axis, row["train_images"][j], title)
        for axis in axes_row[1 + len(shown) :]:
            axis.set_axis_off()
    figure.suptitle(
        f"{title_prefix}: the training images with the largest weights in each example's"
        " nearest hull point p (rank: among all training images by distance to the test image)"
    )
    save_figure(figure, png, pdf)
    return figure


def support_rows(
    examples: list[dict],
    support: pd.DataFrame,
    train: np.ndarray,
    test: np.ndarray,
    train_images: np.ndarray,
    train_labels,
) -> list[dict]:
    """The rows of :func:`plot_support` for the rows of :func:`plot_examples` (each with its
    ``label``, ``query`` and ``image``), with each support image's nearest-neighbour rank
    computed in the space of ``train`` and ``test``; ``train_images`` and ``train_labels``
    are the dataset's."""
    rows = []
    for example in examples:
        _, ranks = nearest_training(train, test, [example["query"]], support, k=1)
        ranks = ranks.sort_values(["weight", "train_index"], ascending=[False, True])
        index = ranks["train_index"].to_numpy(dtype=np.int64)
        rows.append(
            {
                "label": example["label"],
                "image": example["image"],
                "train_images": train_images[index],
                "weights": ranks["weight"].to_numpy(dtype=np.float64),
                "labels": np.asarray(train_labels)[index],
                "ranks": ranks["rank"].to_numpy(),
            }
        )
    return rows


def baseline_image_meta(meta: dict, data: np.ndarray) -> dict:
    """The meta to draw a space's vectors by: the random baseline of images draws its points
    as pixels; feature rows (``data`` of shape (n, d), not images) have no image form."""
    if data.ndim == 2:
        return {"kind": "features"}
    return {"kind": "pixel"} if meta.get("kind") == "random" else meta


def example_rows(
    examples: dict,
    table: pd.DataFrame,
    support: pd.DataFrame,
    train: np.ndarray,
    test: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    meta: dict,
    class_names,
) -> list[dict]:
    """The rows of :func:`plot_examples` for the example queries of one space.

    ``examples`` maps a label (farthest, median, nearest) to a query id, as
    :func:`hullgen.findings.stats.example_queries` gives it; ``train`` and ``test`` are the
    space's matrices, ``test_images`` and ``test_labels`` the dataset's. A random space's test
    points are pixel vectors that are no dataset image: they are shown as themselves.
    """
    random_space = meta.get("kind") == "random"
    image_meta = baseline_image_meta(meta, test_images)
    image_shape = test_images.shape[1:]
    rows = []
    for label, query in examples.items():
        if label == "among":
            continue
        point, _, _ = projection(train, support, query)
        x_vec = np.asarray(test[query], dtype=np.float64)
        rows.append(
            {
                "label": label,
                "query": query,
                "distance": float(table.loc[table["query"] == query, "distance"].iloc[0]),
                "image": to_image(x_vec, image_meta, image_shape)
                if random_space
                else test_images[query],
                "projection": to_image(point, image_meta, image_shape),
                "direction": direction_image(x_vec, point, image_meta, image_shape),
                "class_name": "random point" if random_space else class_names[test_labels[query]],
            }
        )
    return rows
