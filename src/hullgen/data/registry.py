"""The datasets hullgen knows: their raw files, where to get them, and their pinned hashes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RawFile:
    """One raw file of a dataset.

    ``sha256`` is the hash of the file as its authors distribute it; ``repackaged`` maps the
    name of a known re-packaging (e.g. a Linux distribution's) to the hash of its copy.
    """

    name: str
    urls: tuple[str, ...]
    sha256: str
    repackaged: dict[str, str] = field(default_factory=dict)

    def accepted_hashes(self) -> dict[str, str]:
        """Every accepted hash, mapped to where it comes from."""
        return {self.sha256: "canonical", **{h: who for who, h in self.repackaged.items()}}


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    image_shape: tuple[int, ...]  # (h, w) or (h, w, 3)
    n_classes: int
    classes: tuple[str, ...]
    files: tuple[RawFile, ...] = ()
    homepage: str = ""
    # Grey objects on a black background (pixel value 0), so that the object's pixels are
    # the bright ones; False for natural images.
    dark_background: bool = False
    # Rows per class of each split as published ({"train": (...), "test": (...)}; digits,
    # which has no split, under "all"), so that a subset is checked before any file is read.
    class_counts: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def file(self, name: str) -> RawFile:
        for raw in self.files:
            if raw.name == name:
                return raw
        known = ", ".join(f.name for f in self.files) or "none"
        raise KeyError(f"dataset {self.name!r} has no raw file {name!r} (known: {known})")


def _mnist_urls(name: str) -> tuple[str, ...]:
    # yann.lecun.com now often refuses downloads; these mirrors serve identical bytes.
    return (
        f"https://ossci-datasets.s3.amazonaws.com/mnist/{name}",
        f"https://storage.googleapis.com/cvdf-datasets/mnist/{name}",
        f"http://yann.lecun.com/exdb/mnist/{name}",
    )


def _fashion_urls(name: str) -> tuple[str, ...]:
    return (f"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/{name}",)


# Debian's dataset-fashion-mnist (0.0~git20200523.55506a9-1) re-compresses the same IDX
# payloads, so its .gz files hash differently from Zalando's.
DEBIAN = "debian:dataset-fashion-mnist"

DATASETS: dict[str, DatasetSpec] = {
    "digits": DatasetSpec(
        name="digits",
        dark_background=True,
        image_shape=(8, 8),
        n_classes=10,
        classes=tuple(str(i) for i in range(10)),
        homepage="https://scikit-learn.org/stable/datasets/toy_dataset.html#digits-dataset",
        class_counts={"all": (178, 182, 177, 183, 181, 182, 181, 179, 174, 180)},
    ),
    "mnist": DatasetSpec(
        name="mnist",
        dark_background=True,
        image_shape=(28, 28),
        n_classes=10,
        classes=tuple(str(i) for i in range(10)),
        homepage="http://yann.lecun.com/exdb/mnist/",
        class_counts={
            "train": (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
            "test": (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
        },
        files=(
            RawFile(
                "train-images-idx3-ubyte.gz",
                _mnist_urls("train-images-idx3-ubyte.gz"),
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            ),
            RawFile(
                "train-labels-idx1-ubyte.gz",
                _mnist_urls("train-labels-idx1-ubyte.gz"),
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            ),
            RawFile(
                "t10k-images-idx3-ubyte.gz",
                _mnist_urls("t10k-images-idx3-ubyte.gz"),
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            ),
            RawFile(
                "t10k-labels-idx1-ubyte.gz",
                _mnist_urls("t10k-labels-idx1-ubyte.gz"),
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            ),
        ),
    ),
    "fashion-mnist": DatasetSpec(
        name="fashion-mnist",
        dark_background=True,
        image_shape=(28, 28),
        n_classes=10,
        classes=(
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        homepage="https://github.com/zalandoresearch/fashion-mnist",
        class_counts={"train": (6000,) * 10, "test": (1000,) * 10},
        files=(
            RawFile(
                "train-images-idx3-ubyte.gz",
                _fashion_urls("train-images-idx3-ubyte.gz"),
                "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                {DEBIAN: "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"},
            ),
            RawFile(
                "train-labels-idx1-ubyte.gz",
                _fashion_urls("train-labels-idx1-ubyte.gz"),
                "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                {DEBIAN: "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"},
            ),
            RawFile(
                "t10k-images-idx3-ubyte.gz",
                _fashion_urls("t10k-images-idx3-ubyte.gz"),
                "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                {DEBIAN: "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"},
            ),
            RawFile(
                "t10k-labels-idx1-ubyte.gz",
                _fashion_urls("t10k-labels-idx1-ubyte.gz"),
                "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                {DEBIAN: "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"},
            ),
        ),
    ),
    "cifar10": DatasetSpec(
        name="cifar10",
        image_shape=(32, 32, 3),
        n_classes=10,
        classes=(
            "airplane",
            "automobile",
            "bird",
            "cat",
            "deer",
            "dog",
            "frog",
            "horse",
            "ship",
            "truck",
        ),
        homepage="https://www.cs.toronto.edu/~kriz/cifar.html",
        class_counts={"train": (5000,) * 10, "test": (1000,) * 10},
        files=(
            RawFile(
                "cifar-10-binary.tar.gz",
                ("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",),
                "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
            ),
        ),
    ),
}


def get(name: str) -> DatasetSpec:
    """Return the spec of dataset ``name``, or raise naming the known ones."""
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r} (known: {', '.join(DATASETS)})") from None
