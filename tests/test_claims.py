"""The claims table built from synthetic statistics with known answers: each row's verdict,
and the inputs that must turn it."""

import copy

import pandas as pd
import pytest

from hullgen.claims import criteria as C
from hullgen.claims.front_page import front_page_rst
from hullgen.claims.table import Evidence, build_claims
from hullgen.claims.texts import QUOTES
from hullgen.claims.verdict import (
    OUTCOME_COLOURS,
    OUTCOMES,
    Verdict,
    combine,
    outcome,
    outcome_role,
    to_frame,
    to_markdown,
)


def _stats(space, kind, meta=None, n=500, inside=0, not_converged=0, **changes):
    """A stats.json of a space where every claim holds, with ``changes`` merged in."""
    outside = n - inside - not_converged
    stats = {
        "space": space,
        "kind": kind,
        "meta": {"dim": 64, "n_train": 1000, **(meta or {})},
        "shares": {
            "n": n,
            "outside": outside,
            "outside_share": outside / n,
            "outside_uncertain": 0,
            "inside": inside,
            "not_converged": not_converged,
        },
        "distance": {
            "n": outside,
            "median": 100.0,
            "max": 300.0,
            "tl_skewness": 0.05,
            "tl_kurtosis": 0.06,
            "qq_correlation": 0.99,
            "skewness": 0.3,
            "excess_kurtosis": 0.2,
            "normaltest_pvalue": 1e-5,
        },
        "diameter": {"diameter": 1000.0, "median_pair_distance": 400.0},
        "median_share_of_diameter": 0.1,
        "farthest_share_of_diameter": 0.3,
        "median_over_typical": 0.25,
        "relative_to_nn_median": 0.6,
        "modes": {"main_mass": 1.0, "second_mode": None, "modes": []},
        "nn_median": 150.0,
        "directions": {
            "structure_effect": 0.9,
            "structure_n": outside,
            "structure_mask_share": 0.25,
            "structure_own_share_median": 0.6,
            "structure_other_share_median": 0.3,
            "probe_skill": 0.5,
            "probe_points_skill": 0.7,
            "probe_accuracy": 0.55,
            "probe_classes": 10,
            "probe_n": outside,
            "energy_on_object_median": 0.7,
            "object_area_median": 0.4,
        },
        "neighbours": {
            "n": outside,
            "k": 5,
            "kth_median": 160.0,
            "kth_q1": 140.0,
            "kth_q3": 180.0,
            "nearest_medians": [150.0, 153.0, 155.0, 158.0, 160.0],
            "rank_median": 20.0,
            "weight_on_nearest_percent": 0.7,
            "rank_bins": [],
        },
        "surface": {
            "own_weight_median": 0.9,
            "class_share_mean": 0.1,
            "own_excess_median": 0.88,
            "support_size_median": 12,
            "support_size_q1": 9,
            "support_size_q3": 16,
            "support_size_max": 40,
        },
    }
    for key, value in changes.items():
        if isinstance(value, dict):
            stats[key] = {**stats[key], **value}
        else:
            stats[key] = value
    return stats


def _random_stats(**changes):
    control = {
        "directions": {"structure_effect": 0.5, "probe_skill": 0.01},
        "surface": {"own_excess_median": 0.0},
        "nn_median": 800.0,
        "neighbours": None,
    }
    return _stats("random", "random", **{**control, **changes})


SPACES = {
    "pixel": _stats("pixel", "pixel"),
    "haar": _stats("haar", "wavelet", {"select": "all", "pixel_isometry": True}),
    "top16": _stats("top16", "wavelet", {"select": {"top": 16}}),
    "random": _random_stats(),
    "prepool": _stats("prepool", "embedding", {"layer": "prepool", "dim": 4096}),
    "pooled": _stats("pooled", "embedding", {"layer": "pooled"}),
    "logits": _stats("logits", "embedding", {"layer": "logits"}, inside=100),
}
TWO_BELLS = {"location": 50.0, "low": -float("inf"), "high": 75.0, "mass": 0.4, "n": 200}
PCA = pd.DataFrame({"k": [1, 10, 50], "share_outside": [0.0, 0.9, 1.0], "n_test": [300] * 3})
NETWORK = {"test_accuracy": 0.99, "depth": 20, "epochs": 164, "full_training_set": True}
RANDOM = {"random_median": 500.0, "real_median": 100.0, "median_ratio": 5.0, "superiority": 1.0}
STUDY = Verdict("mlp-control", "4", "q", "m", "c", "v", "no", "f.png").to_dict()


def _evidence(dataset="digits", **changes):
    base = {
        "spaces": copy.deepcopy(SPACES),
        "random": RANDOM,
        "pca": PCA,
        "network": NETWORK,
        "studies": [STUDY],
        "figures": {
            "distribution": {s: f"{s}/distribution.png" for s in SPACES},
            "shape": "shape.png",
        },
    }
    return Evidence(dataset, **{**base, **changes})


def _holds(evidence) -> dict:
    return {v.id: v.holds for v in build_claims(evidence)}


def test_every_claim_holds_on_data_made_to_satisfy_it():
    holds = _holds(
        _evidence(
            "cifar10",
            spaces={
                **copy.deepcopy(SPACES),
                "pixel": _stats(
                    "pixel",
                    "pixel",
                    distance={"max": 3600.0},
                    diameter={"diameter": 13_621.0, "median_pair_distance": 400.0},
                ),
            },
        )
    )
    assert set(holds) == set(QUOTES) | {"mlp-control"}
    judged = dict.fromkeys(QUOTES, "yes") | {"hull-surface": "reported"}
    assert {k: v for k, v in holds.items() if k != "mlp-control"} == judged
    assert holds["mlp-control"] == "no"  # the study's verdict is passed on as it is


@pytest.mark.parametrize(
    ("space", "change", "claim"),
    [
        ("pixel", {"inside": 1}, "pixel-outside"),
        ("pixel", {"distance": {"tl_skewness": 0.2}}, "pixel-normal"),
        ("pixel", {"distance": {"tl_kurtosis": 0.0}}, "pixel-normal"),
        ("pixel", {"directions": {"structure_effect": 0.6}}, "directions"),
        ("random", {"directions": {"structure_effect": 0.8}}, "directions"),
        ("pixel", {"distance": {"median": 30.0}}, "not-small-noise"),
        ("haar", {"inside": 3}, "wavelet-outside"),
        ("top16", {"inside": 3}, "wavelet-subset-outside"),
        ("top16", {"distance": {"tl_skewness": -0.15}}, "wavelet-subset-normal"),
        ("prepool", {"inside": 1}, "prepool-outside"),
        ("pooled", {"inside": 1}, "pooled-outside"),
        ("pooled", {"distance": {"median": 30.0}}, "pooled-significant"),
        ("pooled", {"distance": {"tl_kurtosis": 0.12}}, "pooled-normal"),
        ("pooled", {"inside": 40}, "no-low-dim-view"),
        ("random", {"inside": 1}, "random-farther"),
        ("pixel", {"neighbours": {"kth_median": 500.0}}, "similar-training-images"),
        ("random", {"nn_median": 300.0}, "similar-training-images"),
        # Two bells: the main mode holds too little to be the bulk.
        ("pixel", {"modes": {"main_mass": 0.6, "second_mode": TWO_BELLS}}, "pixel-normal"),
    ],
)
def test_each_claim_fails_on_data_that_must_fail_it(space, change, claim):
    spaces = copy.deepcopy(SPACES)
    kind, meta = spaces[space]["kind"], spaces[space]["meta"]
    spaces[space] = (_random_stats if space == "random" else _stats)(
        **({} if space == "random" else {"space": space, "kind": kind, "meta": meta}), **change
    )
    holds = _holds(_evidence(spaces=spaces))
    assert holds[claim] == "no", (claim, holds[claim])
    # ... and only the claims that read the changed quantity turn.
    assert sum(v == "no" for k, v in holds.items() if k != "mlp-control") <= 2


def test_a_second_mode_makes_a_shape_claim_partly_and_names_its_class():
    second = {
        "location": 265.0,
        "low": -float("inf"),
        "high": 400.0,
        "mass": 0.11,
        "n": 55,
        "class": 1,
        "class_share": 0.85,
        "class_in_mode": 0.92,
        "class_share_overall": 0.11,
    }
    spaces = copy.deepcopy(SPACES)
    spaces["pixel"] = _stats("pixel", "pixel", modes={"main_mass": 0.89, "second_mode": second})
    names = ["zero", "one", *map(str, range(2, 10))]
    rows = {v.id: v for v in build_claims(_evidence(spaces=spaces, class_names=names))}
    assert rows["pixel-normal"].holds == "partly"
    assert "a second mode near 265 holding 11.0% of the distances" in rows["pixel-normal"].value
    assert "class 1 ('one'): 85.0% of the mode" in rows["pixel-normal"].value
    # Only the row that reads the pixel space's shape turns.
    assert {k for k, v in rows.items() if v.holds == "partly"} == {"pixel-normal"}
    # A shape that fails stays no, caveat or not.
    spaces["pixel"]["distance"]["tl_skewness"] = 0.2
    assert _holds(_evidence(spaces=spaces))["pixel-normal"] == "no"
    # One space partly and another yes: partly; one undecided: undecided.
    assert (
        combine(["yes", "partly"]) == "partly" and combine(["partly", "undecided"]) == "undecided"
    )


def test_the_surface_is_reported_not_judged():
    rows = {v.id: v for v in build_claims(_evidence())}
    surface = rows["hull-surface"]
    assert surface.holds == "reported" and surface.criterion.startswith("none")
    assert "nearest-neighbour rank of p's training images: median 20" in surface.value
    similar = rows["similar-training-images"]
    assert similar.holds == "yes" and "ratio 5" in similar.value


def test_undecided_points_make_outside_claims_undecided():
    spaces = {"pixel": _stats("pixel", "pixel", not_converged=2)}
    holds = _holds(_evidence(spaces=spaces))
    assert holds["pixel-outside"] == "undecided"
    few = {"pixel": _stats("pixel", "pixel", n=100)}
    assert _holds(_evidence(spaces=few))["pixel-normal"] == "undecided"


def test_the_random_ratio_and_the_network_and_the_paper_numbers_can_fail():
    assert _holds(_evidence(random={**RANDOM, "median_ratio": 1.5}))["random-farther"] == "no"
    assert (
        _holds(_evidence("cifar10", network={**NETWORK, "test_accuracy": 0.85}))["network"] == "no"
    )
    pixel = _stats("pixel", "pixel", distance={"max": 5000.0}, diameter={"diameter": 13_621.0})
    spaces = {**copy.deepcopy(SPACES), "pixel": pixel}
    assert _holds(_evidence("cifar10", spaces=spaces))["paper-numbers"] == "no"


def test_claims_without_evidence_are_not_applicable_and_say_why():
    verdicts = {v.id: v for v in build_claims(Evidence("digits", {}))}
    assert {v.holds for v in verdicts.values()} == {"n/a"}
    assert verdicts["prepool-outside"].value == (
        "not measured: this run has no space of kind: embedding, layer: prepool"
    )
    digits = {v.id: v for v in build_claims(_evidence("digits"))}
    assert (
        digits["paper-numbers"].holds == "n/a" and "context only" in digits["paper-numbers"].value
    )
    # The reference is for 164 epochs on the full training set.
    short = {v.id: v for v in build_claims(_evidence("cifar10", network={**NETWORK, "epochs": 30}))}
    assert short["network"].holds == "n/a" and "this run 30" in short["network"].value


def test_claims_about_images_do_not_apply_to_feature_rows():
    """Arrays have no pixels and no network: those rows say so. The random baseline in the
    rows' box is not the paper's random images: n/a even when measured."""
    verdicts = {v.id: v for v in build_claims(Evidence("mine", {}, data_kind="arrays"))}
    assert {v.holds for v in verdicts.values()} == {"n/a"}
    for claim in ("pixel-outside", "wavelet-outside", "pooled-outside", "network"):
        assert verdicts[claim].value.startswith("not applicable: the data are feature rows")
    measured = {v.id: v for v in build_claims(_evidence("mine", data_kind="arrays"))}
    assert measured["random-farther"].holds == "n/a"
    assert "pixel domain" in measured["random-farther"].value
    assert _holds(_evidence("mine"))["random-farther"] != "n/a"


def test_rows_state_quantity_criterion_value_and_figure():
    for verdict in build_claims(_evidence()):
        assert verdict.paper and verdict.quantity and verdict.criterion and verdict.value
    rows = {v.id: v for v in build_claims(_evidence())}
    assert f"{C.TL_SKEWNESS_MAX:.3f}" in rows["pixel-normal"].criterion
    assert (
        "pixel/distribution.png" in rows["pixel-normal"].figure
        and "shape.png" in rows["pixel-normal"].figure
    )
    assert "orthonormal transform of the pixels" in rows["wavelet-outside"].value
    assert "k = 50" in rows["no-low-dim-view"].value  # the smallest PCA view with 95% outside


def test_verdict_type():
    with pytest.raises(ValueError, match="holds must be one of"):
        Verdict("x", "2", "q", "m", "c", "v", "maybe", "")
    assert outcome(True) == "yes" and outcome(False) == "no" and outcome(None) == "undecided"
    assert outcome(True, caveat=True) == "partly" and outcome(False, caveat=True) == "no"
    assert combine([]) == "n/a" and combine(["yes", "undecided"]) == "undecided"
    assert combine(["yes", "undecided", "no"]) == "no" and combine(["yes", "yes"]) == "yes"
    with pytest.raises(ValueError, match="not an outcome of a criterion"):
        combine(["yes", "reported"])
    assert set(OUTCOMES) == {"yes", "partly", "no", "undecided", "n/a", "reported"}
    with pytest.raises(ValueError, match="lacks"):
        Verdict.from_dict({"id": "x"})
    table = to_frame([Verdict("x", "2", "a | b", "m", "c", "v\nw", "yes", "")], "digits")
    markdown = to_markdown(table)
    assert "a \\| b" in markdown and "v w" in markdown and "## x: yes" in markdown


def test_the_front_page_shows_each_verdict_in_its_colour_partly_with_its_caveat():
    """The front page's rst, rendered by docutils as Snakemake renders it: every outcome a
    span of its own class and colour, the caveat of a partly in its value."""
    from docutils.core import publish_parts

    spaces = copy.deepcopy(SPACES)
    second = {"location": 265.0, "low": 0.0, "high": 400.0, "mass": 0.11, "n": 55}
    spaces["pixel"] = _stats("pixel", "pixel", modes={"main_mass": 0.89, "second_mode": second})
    table = to_frame(build_claims(_evidence(spaces=spaces)), "digits")
    page = publish_parts(front_page_rst("digits", spaces, table), writer="html")["html_body"]
    assert '<span class="verdict-partly">partly</span>' in page
    assert '<span class="verdict-reported">reported</span>' in page
    assert "caveat: a second mode near 265 holding 11.0% of the distances" in page
    for holds in set(table["holds"]):
        assert f"span.{outcome_role(holds)} {{ background: {OUTCOME_COLOURS[holds]}" in page
    assert len(set(OUTCOME_COLOURS.values())) == len(OUTCOMES)  # each outcome its own colour


def test_every_row_states_the_sample_its_value_rests_on():
    """Test points, random points (the baseline draws fewer than the test rows at scale),
    the PCA sweep's sample and the network's test rows: each row says what it counted."""
    spaces = copy.deepcopy(SPACES)
    spaces["random"] = _random_stats(n=200)
    network = {**NETWORK, "test_rows": 450}
    random = {**RANDOM, "real_n": 500, "random_n": 200}
    rows = {v.id: v for v in build_claims(_evidence(spaces=spaces, random=random, network=network))}
    assert all(v.sample for v in rows.values()), [k for k, v in rows.items() if not v.sample]
    assert rows["pixel-outside"].sample == "pixel: 500 test points"
    assert rows["pixel-normal"].sample == "pixel: 500 test points outside, of 500"
    assert rows["directions"].sample.endswith(
        "control random: 200 random points outside, of 200 (their directions; the probe: 200"
        " in 10 classes)"
    )
    assert rows["random-farther"].sample == "random: 200 random points; against 500 test points"
    assert rows["no-low-dim-view"].sample.endswith("PCA sweep: 300 test points (a sample)")
    assert rows["network"].sample == "450 test images"
    assert "a sample of 500 test points outside" in rows["similar-training-images"].sample
    assert "diameter over 1,000 training rows" in rows["not-small-noise"].sample
    assert "synthetic" in rows["mlp-control"].sample  # a study's own data
    # Fewer points outside: the shape rests on those.
    few = {"pixel": _stats("pixel", "pixel", inside=20)}
    shape = {v.id: v for v in build_claims(_evidence(spaces=few))}["pixel-normal"]
    assert shape.sample == "pixel: 480 test points outside, of 500"
    # A row that measures nothing rests on nothing.
    empty = build_claims(Evidence("digits", {}))
    assert {v.sample for v in empty} == {"none"}


def test_the_sample_is_a_column_of_every_rendering():
    table = to_frame(build_claims(_evidence()), "digits")
    assert list(table.columns[table.columns.get_loc("value") :][:2]) == ["value", "sample"]
    assert "| id | holds | value | sample |" in to_markdown(table)
    assert "- **sample**: pixel: 500 test points" in to_markdown(table)
    assert "     - value on this run\n     - sample\n" in front_page_rst("digits", SPACES, table)
    # A record written before the sample was stated still reads.
    old = {k: v for k, v in STUDY.items() if k != "sample"}
    assert Verdict.from_dict(old).sample == ""
