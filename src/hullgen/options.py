"""The config's sections as frozen dataclasses: validated once (:func:`hullgen.config.validate`),
read as attributes below, never as keys.

Each type has one field per key of its section in the schema (a test keeps them in step), and
:meth:`from_mapping` refuses a mapping with keys missing or unknown, so that a renamed key
cannot pass silently. ``dataclasses.asdict`` gives the section back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self


class Section:
    """What every section type shares: built from the validated config's mapping."""

    # Keys of the section that switch a stage on or off in the workflow: not options of
    # what the stage computes, so not fields.
    SWITCHES: tuple[str, ...] = ("enabled",)

    @classmethod
    def from_mapping(cls, section: Mapping) -> Self:
        """The section ``section`` (a mapping of the validated config) as this type, its
        switches (``enabled``) left out."""
        names = {field.name for field in dataclasses.fields(cls)}
        given = set(section) - set(cls.SWITCHES)
        missing, unknown = sorted(names - given), sorted(given - names)
        if missing or unknown:
            raise ValueError(
                f"{cls.__name__}: keys missing {missing} or unknown {unknown}; the config must "
                f"be validated first (hullgen.config.validate)"
            )
        return cls(**{name: _frozen(section[name]) for name in names})

    @classmethod
    def of(cls, options: Self | Mapping) -> Self:
        """``options`` as this type: itself, or built from its section's mapping (what a
        study's entry point accepts, so that a config section can be passed as it is)."""
        return options if isinstance(options, cls) else cls.from_mapping(options)

    def as_dict(self) -> dict:
        """The section as the config's mapping (lists for tuples, keys sorted): what a rule
        passes as a params entry. Snakemake compares params by their text and cannot read
        a dataclass's, so a change of an option reruns the rule only through this."""
        return {k: _thawed(v) for k, v in sorted(dataclasses.asdict(self).items())}


def _frozen(value):
    return tuple(_frozen(v) for v in value) if isinstance(value, list) else value


def _thawed(value):
    return [_thawed(v) for v in value] if isinstance(value, tuple) else value


@dataclass(frozen=True)
class TrainOptions(Section):
    """The ``train`` section: the ResNet, its recipe and where it runs (see the schema for
    each key)."""

    depth: int
    epochs: int
    batch_size: int
    eval_batch_size: int
    optimizer: str
    lr: float
    momentum: float
    nesterov: bool
    weight_decay: float
    schedule: str
    milestones: tuple[float, ...]
    gamma: float
    warmup_epochs: int
    augment: bool | str
    crop_padding: int
    seed: int
    deterministic: bool
    device: str
    precision: str
    compile: bool | str
    eval_every: int


@dataclass(frozen=True)
class HullOptions(Section):
    """The ``hull`` section: the solver's options, the job layout (``shards``) and the
    memory budget (see the schema for each key)."""

    shards: int
    gap: float
    k_seed: int
    add_per_round: int
    candidates: int | None
    max_rounds: int
    settle: bool
    inside_tol: float
    memory_budget_gb: float | None
    qp_time_limit: float
    device: str
    precision: str

    def solver_arguments(self) -> dict:
        """The keyword arguments of :class:`hullgen.hull.solver.HullDistance`: every option
        but the job layout, the budget in bytes, keys sorted (a params entry)."""
        arguments = {k: v for k, v in self.as_dict().items() if k != "shards"}
        budget = arguments.pop("memory_budget_gb")
        # None: the solver sizes it (hullgen.hull.memory.auto_budget).
        arguments["memory_budget"] = None if budget is None else int(budget * 2**30)
        return dict(sorted(arguments.items()))


@dataclass(frozen=True)
class FindingsOptions(Section):
    """The ``findings`` section: which spaces the PCA sweep and the class hulls use (resolved
    from ``auto`` by the config's validation; None skips them), their sizes (test points,
    classes) and the seed."""

    normality_sample: int
    pca_space: str | None
    pca_dims: tuple[int, ...]
    class_hull_space: str | None
    max_test: int
    max_classes: int
    seed: int
