"""Natural images through the whole pipeline, as a user's image folder: 32 x 32 crops of the
photographs scikit-learn and scikit-image ship (tests/helpers/natural_images.py), each photograph a
class. The claims about the directions and the similar training images must hold on images
whose objects are not bright strokes on a dark background, and the random control must fail."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from hullgen.claims import criteria as C

from .helpers import natural_images
from .helpers.own_data import write_image_folder
from .helpers.workflow import snakemake, write_config

pytestmark = pytest.mark.workflow


def test_natural_images_directions_fall_on_their_structure(tmp_path):
    names = natural_images.class_names()
    splits = {}
    for split, per_class, seed in (("train", 120, 2), ("test", 30, 3)):
        images, labels = natural_images.crops(per_class, seed, test=split == "test")
        splits[split] = (images, labels, range(len(images)))
    write_image_folder(tmp_path / "photos", splits, names)
    write_config(
        tmp_path,
        {
            "dataset": {"kind": "image-folder", "name": "photos", "path": "photos"},
            "spaces": [
                {"name": "pixel", "kind": "pixel"},
                {"name": "random", "kind": "random", "seed": 0},
            ],
            "train": {"enabled": False},
            "experiments": {"legendre": {"enabled": False}, "mlp": {"enabled": False}},
        },
    )
    snakemake(tmp_path, "results/photos/claims.csv", check=True)
    claims = pd.read_csv(tmp_path / "results/photos/claims.csv", keep_default_na=False)
    holds = claims.set_index("id")["holds"]
    assert holds["pixel-outside"] == "yes"
    assert holds["directions"] == "yes"
    assert holds["similar-training-images"] == "yes"
    assert holds["hull-surface"] == "reported"
    findings = tmp_path / "results/photos/findings"
    pixel = json.loads((findings / "pixel/stats.json").read_text())["directions"]
    random = json.loads((findings / "random/stats.json").read_text())["directions"]
    assert pixel["structure_effect"] > 0.9 and pixel["structure_n"] == 300
    # The random points' directions, against the same test images, are blind to them.
    assert abs(random["structure_effect"] - 0.5) < 0.1
    assert random["structure_effect"] < C.STRUCTURE_EFFECT_MIN
