"""The Legendre study's option checks, light enough for config validation at parse time."""

REGIMES = ("min_norm2", "min_norm1", "min_slope", "max_margin", "flat_extension")
# The regimes whose objective says nothing about the boundary outside the training interval
# (flat_extension's does: a straight continuation).
UNTARGETED = ("min_norm2", "min_norm1", "min_slope", "max_margin")


def check_options(options: dict) -> None:
    """Errors that name the config key (experiments.legendre.*) and the value."""
    key = "'experiments.legendre"
    unknown = [r for r in options["regimes"] if r not in REGIMES]
    if unknown:
        raise ValueError(
            f"{key}.regimes': unknown regime {unknown[0]!r} (choose from {', '.join(REGIMES)})"
        )
    (a, b), (lo, hi) = options["train_interval"], options["test_interval"]
    if not a < b:
        raise ValueError(f"{key}.train_interval': {[a, b]} is empty (need a < b)")
    if not (lo <= a and b <= hi and (lo < a or b < hi)):
        raise ValueError(
            f"{key}.test_interval': {[lo, hi]} must contain the training interval {[a, b]} "
            f"and reach outside it"
        )
    if not 0 <= options["margin"] < options["gap"] < options["spread"]:
        raise ValueError(
            f"{key}': need 0 <= margin < gap < spread (margin {options['margin']}, "
            f"gap {options['gap']}, spread {options['spread']})"
        )
