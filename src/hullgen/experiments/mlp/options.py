"""The MLP study's options as their types, light enough for config validation at parse time
(no torch, no scikit-learn)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

from hullgen.options import Section

# Target kinds that need the data set's true labelling (spirals has none away from its arms).
NEEDS_TRUTH = ("flipped", "truth")


@dataclass(frozen=True)
class MlpRegime(Section):
    """One training regime of ``experiments.mlp.regimes`` (see the schema for each key);
    ``outside_target`` None means the study's."""

    name: str
    optimizer: str
    lr: float
    weight_decay: float
    init_scale: float
    outside_penalty: float
    gradient_penalty: float
    outside_target: str | None


@dataclass(frozen=True)
class MlpOptions(Section):
    """The ``experiments.mlp`` section (see the schema for each key)."""

    dataset: str
    n_train: int
    noise: float
    data_seed: int
    hidden_layers: int
    widths: tuple[int, ...]
    regimes: tuple[MlpRegime, ...]
    outside_target: str
    outside_points: int
    seeds: int
    epochs: int
    grid_size: int
    box_factor: float

    @classmethod
    def from_mapping(cls, section: Mapping) -> Self:
        options = super().from_mapping(section)
        regimes = tuple(MlpRegime.of(regime) for regime in section["regimes"])
        return dataclasses.replace(options, regimes=regimes)

    def target_of(self, regime: MlpRegime) -> str:
        """The target kind ``regime`` aims at (with an outside_penalty) or is measured
        against: its own ``outside_target``, or else the study's."""
        return regime.outside_target or self.outside_target

    def target_kinds(self) -> list[str]:
        """Every target kind the study measures, the study's own first, then the regimes' in
        config order (each once)."""
        kinds = [self.outside_target] + [self.target_of(r) for r in self.regimes]
        return list(dict.fromkeys(kinds))

    def aimed(self) -> list[str]:
        """The names of the regimes that aim the boundary outside (an outside_penalty)."""
        return [r.name for r in self.regimes if r.outside_penalty > 0]

    def problems(self) -> list[str]:
        """What the schema cannot express, as messages naming the config key
        (experiments.mlp.*) and the value: regime names used twice, and target kinds the
        data set cannot give."""
        problems = []
        names = [regime.name for regime in self.regimes]
        for name in sorted({n for n in names if names.count(n) > 1}):
            problems.append(f"config key 'experiments.mlp.regimes': name {name!r} is used twice")
        if self.dataset == "spirals":
            keys = {"experiments.mlp.outside_target": self.outside_target}
            for i, regime in enumerate(self.regimes):
                if regime.outside_target:
                    keys[f"experiments.mlp.regimes[{i}].outside_target"] = regime.outside_target
            for key, kind in keys.items():
                if kind in NEEDS_TRUTH:
                    problems.append(
                        f"config key {key!r}: {kind} needs the true labelling, and spirals has "
                        "none away from its arms; use nearest, class-0 or class-1"
                    )
        return problems
