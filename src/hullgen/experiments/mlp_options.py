"""The MLP study's option helpers and checks, light enough for config validation at parse
time (no torch, no scikit-learn)."""

# Target kinds that need the data set's true labelling (spirals has none away from its arms).
NEEDS_TRUTH = ("flipped", "truth")


def regime_target(options: dict, regime: dict) -> str:
    """The target kind a regime aims at (with an outside_penalty) or is measured against:
    its own ``outside_target``, or else (None or absent) the study's."""
    return regime.get("outside_target") or options["outside_target"]


def target_kinds(options: dict) -> list[str]:
    """Every target kind the study measures, the study's own first, then the regimes' in
    config order (each once)."""
    kinds = [options["outside_target"]] + [regime_target(options, r) for r in options["regimes"]]
    return list(dict.fromkeys(kinds))


def check_options(options: dict) -> list[str]:
    """What the schema cannot express, as messages naming the config key
    (experiments.mlp.*) and the value: regime names used twice, and target kinds the data
    set cannot give."""
    problems = []
    names = [regime["name"] for regime in options["regimes"]]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"config key 'experiments.mlp.regimes': name {name!r} is used twice")
    if options["dataset"] == "spirals":
        keys = {"experiments.mlp.outside_target": options["outside_target"]}
        for i, regime in enumerate(options["regimes"]):
            if regime.get("outside_target"):
                keys[f"experiments.mlp.regimes[{i}].outside_target"] = regime["outside_target"]
        for key, kind in keys.items():
            if kind in NEEDS_TRUTH:
                problems.append(
                    f"config key {key!r}: {kind} needs the true labelling, and spirals has none"
                    " away from its arms; use nearest, class-0 or class-1"
                )
    return problems
