"""The Legendre study's options as their type, light enough for config validation at parse
time (no scipy, no HiGHS)."""

from __future__ import annotations

from dataclasses import dataclass

from hullgen.options import Section

REGIMES = ("min_norm2", "min_norm1", "min_slope", "max_margin", "flat_extension")
# The regimes whose objective says nothing about the boundary outside the training interval
# (flat_extension's does: a straight continuation).
UNTARGETED = ("min_norm2", "min_norm1", "min_slope", "max_margin")


@dataclass(frozen=True)
class LegendreOptions(Section):
    """The ``experiments.legendre`` section (see the schema for each key)."""

    boundary: str
    amplitude: float
    frequency: float
    coefficients: tuple[float, ...]
    train_interval: tuple[float, float]
    test_interval: tuple[float, float]
    n_train: int
    n_test: int
    spread: float
    gap: float
    margin: float
    terms: tuple[int, ...]
    regimes: tuple[str, ...]
    target_slopes: tuple[float, ...]
    max_coef: float
    seed: int

    def check(self) -> None:
        """Raise ValueError, naming the config key (experiments.legendre.*) and the value, for
        what the schema cannot express."""
        key = "'experiments.legendre"
        unknown = [r for r in self.regimes if r not in REGIMES]
        if unknown:
            raise ValueError(
                f"{key}.regimes': unknown regime {unknown[0]!r} (choose from {', '.join(REGIMES)})"
            )
        (a, b), (lo, hi) = self.train_interval, self.test_interval
        if not a < b:
            raise ValueError(f"{key}.train_interval': {[a, b]} is empty (need a < b)")
        if not (lo <= a and b <= hi and (lo < a or b < hi)):
            raise ValueError(
                f"{key}.test_interval': {[lo, hi]} must contain the training interval {[a, b]} "
                f"and reach outside it"
            )
        if not 0 <= self.margin < self.gap < self.spread:
            raise ValueError(
                f"{key}': need 0 <= margin < gap < spread (margin {self.margin}, "
                f"gap {self.gap}, spread {self.spread})"
            )
