"""The model studies' options in tests: the Legendre study's small set, and the MLP study's
as the config gives them."""

from __future__ import annotations

from hullgen.config import load_schema, validate
from hullgen.experiments.legendre import study as L
from hullgen.experiments.legendre.options import LegendreOptions
from hullgen.experiments.mlp.options import MlpOptions

# A Legendre study small enough for a test: 40 training points, three term counts.
LEGENDRE_OPTIONS = LegendreOptions.from_mapping(
    {
        "boundary": "sine",
        "amplitude": 1.0,
        "frequency": 1.5,
        "coefficients": [0.0],
        "train_interval": [-1.0, 1.0],
        "test_interval": [-1.5, 1.5],
        "n_train": 40,
        "n_test": 500,
        "spread": 0.3,
        "gap": 0.02,
        "margin": 0.01,
        "terms": [1, 2, 64],
        "regimes": list(L.REGIMES),
        "max_coef": 100.0,
        "target_slopes": [0.0, 2.0],
        "seed": 0,
    }
)


def mlp_options(**overrides) -> MlpOptions:
    """The study's options as the config gives them: the schema's defaults, then overrides."""
    section = validate({"experiments": {"mlp": overrides}}, load_schema())["experiments"]["mlp"]
    return MlpOptions.from_mapping(section)
