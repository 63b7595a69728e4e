import numpy as np

from hullgen.data import registry
from hullgen.data.fetch import sha256_file
from hullgen.data.prepare import load

from .helpers.workflow import DEBIAN_FASHION, require_debian_fashion


def test_debian_files_are_a_known_repackaging():
    require_debian_fashion()
    spec = registry.get("fashion-mnist")
    for raw in spec.files:
        origin = raw.accepted_hashes().get(sha256_file(DEBIAN_FASHION / raw.name))
        assert origin is not None, raw.name


def test_debian_fashion_mnist_loads_in_full():
    require_debian_fashion()
    files = {f.name: DEBIAN_FASHION / f.name for f in registry.get("fashion-mnist").files}
    splits = load("fashion-mnist", files)
    assert splits.x_train.shape == (60000, 28, 28) and splits.x_train.dtype == np.uint8
    assert splits.x_test.shape == (10000, 28, 28)
    assert np.bincount(splits.y_train).tolist() == [6000] * 10
    assert np.bincount(splits.y_test).tolist() == [1000] * 10
    assert splits.y_train.dtype == np.int64
