"""The ResNet's shapes, without torch: the width of each exported representation is known
when the workflow is parsed (its memory check), and torch takes seconds to import."""

from __future__ import annotations

STAGE_CHANNELS = (16, 32, 64)
# 28 x 28 inputs are zero-padded (black) to 32 x 32, so the pre-pool map is CIFAR-10's.
PADDED_SIZES = {28: 32}
LAYERS = ("prepool", "pooled", "logits")


def padding(height: int, width: int) -> int:
    """Pixels of zero padding on each side of an image of ``height`` x ``width``."""
    if height == width and height in PADDED_SIZES:
        return (PADDED_SIZES[height] - height) // 2
    return 0


def prepool_shape(height: int, width: int) -> tuple[int, int, int]:
    """(channels, h, w) of the map before global pooling, for a padded input of h x w: each
    stage after the first halves the size (stride 2, rounding up)."""
    for _ in STAGE_CHANNELS[1:]:
        height, width = (height + 1) // 2, (width + 1) // 2
    return (STAGE_CHANNELS[-1], height, width)


def embedding_width(layer: str, image_shape: tuple[int, ...], n_classes: int) -> int:
    """Values per image of representation ``layer`` of the ResNet on images of
    ``image_shape`` ((h, w) or (h, w, 3)).

    >>> embedding_width("prepool", (28, 28), 10), embedding_width("pooled", (8, 8), 10)
    (4096, 64)
    """
    if layer == "pooled":
        return STAGE_CHANNELS[-1]
    if layer == "logits":
        return n_classes
    if layer != "prepool":
        raise ValueError(f"unknown layer {layer!r} (known: {', '.join(LAYERS)})")
    height, width = image_shape[:2]
    pad = padding(height, width)
    channels, h, w = prepool_shape(height + 2 * pad, width + 2 * pad)
    return channels * h * w
