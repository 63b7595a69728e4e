"""The claims judged on the whole run rather than space by space: the paper's numbers, the
network, the low-dimensional representations, random against real data, similar training
images and the hull's surface."""

from __future__ import annotations

from hullgen.claims import criteria as C
from hullgen.claims.evidence import (
    FEATURE_ROWS,
    NO_SAMPLE,
    Evidence,
    missing_row,
    random_control,
    verdict_row,
)
from hullgen.claims.measures import all_points, num, outside_points, outside_text, pct
from hullgen.claims.texts import (
    PIXEL,
    SIMILAR_CRITERION,
    SIMILAR_QUANTITY,
    SURFACE_QUANTITY,
)
from hullgen.claims.verdict import NOT_APPLICABLE, REPORTED, Verdict, combine, outcome


def paper_numbers_row(evidence: Evidence, pixel: list[dict]) -> Verdict:
    quantity = (
        "the exact diameter of the training set, the farthest test image's distance and its"
        " share of the diameter, pixel space (pixel values 0..255)"
    )
    criterion = (
        f"on {C.PAPER_DATASET} only: diameter within {C.DIAMETER_TOLERANCE:.0%} of"
        f" {C.PAPER_DIAMETER:,.0f}, farthest within {C.FARTHEST_TOLERANCE:.0%} of"
        f" {C.PAPER_FARTHEST:,.0f} and its share within {100 * C.FARTHEST_SHARE_TOLERANCE:.0f}"
        f" points of {C.PAPER_FARTHEST_SHARE:.0%} (the paper's two numbers differ by 1.3 points)"
    )
    if not pixel:
        return missing_row("paper-numbers", quantity, criterion, PIXEL[1], evidence)
    s = pixel[0]
    diameter, farthest = s["diameter"]["diameter"], s["distance"]["max"]
    text = (
        f"{s['space']}: diameter {num(diameter)}, farthest {num(farthest)} ="
        f" {pct(s['farthest_share_of_diameter'])} of it"
    )
    if evidence.dataset != C.PAPER_DATASET or farthest is None:
        holds = NOT_APPLICABLE
        text = f"context only ({evidence.dataset}, not {C.PAPER_DATASET}): {text}"
    else:
        holds = outcome(C.paper_numbers_match(diameter, farthest))
        text += (
            f" (paper: {C.PAPER_DIAMETER:,.0f}, about {C.PAPER_FARTHEST:,.0f}, about"
            f" {C.PAPER_FARTHEST_SHARE:.0%})"
        )
    n_train = s["meta"].get("n_train")
    sample = f"{s['space']}: farthest over {s['shares']['n']:,} test points" + (
        f", diameter over {n_train:,} training rows" if n_train is not None else ""
    )
    return verdict_row(
        "paper-numbers",
        quantity,
        criterion,
        text,
        holds,
        evidence.figure("distribution", s["space"]),
        sample=sample,
    )


def network_row(evidence: Evidence) -> Verdict:
    quantity = "test accuracy of the trained ResNet, against what its recipe is known to reach"
    criterion = (
        f"accuracy >= reference - {100 * C.ACCURACY_TOLERANCE:.1f} percentage points; the"
        " reference applies to its dataset, depth and epochs on the full training set"
    )
    network = evidence.network
    if network is None and evidence.data_kind == "arrays":
        value = f"not applicable: {FEATURE_ROWS}, so there is no network to train"
        return verdict_row(
            "network", quantity, criterion, value, NOT_APPLICABLE, "", sample=NO_SAMPLE
        )
    if network is None:
        value = "not measured: this run trains no network (train.enabled: false)"
        return verdict_row(
            "network", quantity, criterion, value, NOT_APPLICABLE, "", sample=NO_SAMPLE
        )
    accuracy = network["test_accuracy"]
    recipe = (
        f"ResNet-{network['depth']}, {network['epochs']} epochs,"
        f" {'full training set' if network['full_training_set'] else 'a training subset'}"
    )
    reference, why_not = C.accuracy_reference(
        evidence.dataset, network["depth"], network["epochs"], network["full_training_set"]
    )
    text = f"test accuracy {accuracy:.4f} ({recipe})"
    if reference is None:
        holds, text = NOT_APPLICABLE, f"{text}; {why_not}"
    else:
        holds = outcome(C.accuracy_normal(accuracy, reference))
        text += f"; reference {reference.accuracy:.4f}: {reference.source}"
    rows = network.get("test_rows")
    sample = f"{rows:,} test images" if rows is not None else "the test set"
    return verdict_row(
        "network", quantity, criterion, text, holds, evidence.figure("training"), sample=sample
    )


def low_dim_row(evidence: Evidence, named: list[dict]) -> Verdict:
    quantity = (
        "share of test points certified outside in the representations the paper names (the"
        " map before global pooling and the pooled vector); the logits and a PCA sweep of the"
        " pixel space for context"
    )
    criterion = (
        f"at least {C.OUTSIDE_SHARE_MIN:.0%} outside in each named representation ('all (or"
        " most)' inside is the speculation; 'no trace' of it allows a few points inside)"
    )
    if not named:
        needs = "kind: embedding, layer: prepool or pooled"
        return missing_row("no-low-dim-view", quantity, criterion, needs, evidence)
    texts = [outside_text(s) for s in named]
    logits = evidence.of_kind("embedding", layer="logits")
    texts += [f"context: {outside_text(s)}" for s in logits]
    samples = [all_points(s) for s in named + logits]
    pca = evidence.pca
    if pca is not None and len(pca):
        if "n_test" in pca:
            samples.append(f"PCA sweep: {int(pca['n_test'].iloc[0]):,} test points (a sample)")
        enough = pca[pca["share_outside"] >= C.OUTSIDE_SHARE_MIN]
        smallest = f"k = {int(enough['k'].min())}" if len(enough) else "no k swept"
        texts.append(
            f"context: PCA of the pixel space, smallest k with >= {C.OUTSIDE_SHARE_MIN:.0%}"
            f" outside: {smallest} ("
            + ", ".join(f"k={int(r.k)}: {pct(r.share_outside)}" for r in pca.itertuples())
            + ")"
        )
    return verdict_row(
        "no-low-dim-view",
        quantity,
        criterion,
        "; ".join(texts),
        combine(outcome(C.mostly_outside(s["shares"])) for s in named),
        evidence.figures_of(["distribution", "pca_sweep"], named),
        sample="; ".join(samples),
    )


def random_row(evidence: Evidence) -> Verdict:
    quantity = (
        "random points uniform in the pixel domain against the test images: share of random"
        " points outside, and their median distance over the test images' median distance"
        " (probability that a random point is farther than a test image, for information)"
    )
    criterion = (
        f"every random point outside and the median ratio >= {C.RANDOM_RATIO_MIN:g} ('much"
        " farther': at least twice as far)"
    )
    if evidence.data_kind == "arrays":
        # The paper's random points are images of the data's pixel domain; a box of feature
        # rows is another question (findings/random_vs_real answers it, unjudged).
        value = (
            f"not applicable: {FEATURE_ROWS}; the claim is about random points in the images'"
            " pixel domain (random_vs_real compares the rows with random points in their box)"
        )
        return verdict_row(
            "random-farther", quantity, criterion, value, NOT_APPLICABLE, "", sample=NO_SAMPLE
        )
    control, comparison = random_control(evidence), evidence.random
    if control is None or comparison is None:
        needs = "kind: random beside one of kind: pixel"
        return missing_row("random-farther", quantity, criterion, needs, evidence)
    ratio = comparison.get("median_ratio")
    text = (
        f"{outside_text(control)}; median distance: random {num(comparison['random_median'])},"
        f" test {num(comparison['real_median'])} (ratio {num(ratio)}); P(random farther than"
        f" test) = {num(comparison.get('superiority'))}"
    )
    sample = all_points(control)
    if comparison.get("real_n") is not None:
        sample += f"; against {comparison['real_n']:,} test points"
    return verdict_row(
        "random-farther",
        quantity,
        criterion,
        text,
        outcome(C.random_much_farther(control["shares"], ratio)),
        evidence.figure("random_vs_real"),
        sample=sample,
    )


def similar_row(evidence: Evidence, pixel: list[dict]) -> Verdict:
    """ "A few similar training images, much closer than a random point would be": the test
    images' A_FEW-th nearest training image against the random points' nearest."""
    claim = "similar-training-images"
    if evidence.data_kind == "arrays":
        value = (
            f"not applicable: {FEATURE_ROWS}; the claim compares test images with random points"
            " in the images' pixel domain"
        )
        return verdict_row(
            claim, SIMILAR_QUANTITY, SIMILAR_CRITERION, value, NOT_APPLICABLE, "", sample=NO_SAMPLE
        )
    control = random_control(evidence)
    measured = [s for s in pixel if s.get("neighbours") and s["neighbours"].get("n")]
    if control is None or not measured:
        needs = "kind: random beside one of kind: pixel"
        return missing_row(claim, SIMILAR_QUANTITY, SIMILAR_CRITERION, needs, evidence)
    random_nn = control.get("nn_median")
    texts, flags = [], []
    samples = [
        f"{s['space']}: a sample of {s['neighbours']['n']:,} test points outside" for s in measured
    ]
    samples.append(f"random points' nearest: {outside_points(control)}")
    for stats in measured:
        near = stats["neighbours"]
        kth = near["kth_median"]
        ratio = random_nn / kth if random_nn is not None and kth else None
        medians = ", ".join(num(v) for v in near["nearest_medians"])
        texts.append(
            f"{stats['space']}: test images' 1st to {near['k']}th nearest training image, median"
            f" distances {medians} (a sample of {near['n']:,}); random points' nearest"
            f" ({control['space']}): median {num(random_nn)}; ratio {num(ratio)}"
            f" (nearest against nearest: {num(_ratio(random_nn, stats.get('nn_median')))})"
        )
        flags.append(outcome(C.few_much_closer(ratio)))
    return verdict_row(
        claim,
        SIMILAR_QUANTITY,
        SIMILAR_CRITERION,
        "; ".join(texts),
        combine(flags),
        "; ".join(
            p
            for p in [evidence.figure("random_vs_real")]
            + [evidence.figure("surface", s["space"]) for s in measured]
            if p
        ),
        sample="; ".join(samples),
    )


def _ratio(numerator, denominator):
    return numerator / denominator if numerator is not None and denominator else None


def surface_row(evidence: Evidence, pixel: list[dict]) -> Verdict:
    """The investigation: which training images form the hull's surface nearest each test
    image. Reported, not judged."""
    criterion = "none: the paper reports an investigation here, not a claim"
    if not pixel:
        return missing_row("hull-surface", SURFACE_QUANTITY, criterion, PIXEL[1], evidence)
    texts, samples = [], []
    for stats in pixel:
        f, near = stats["surface"], stats.get("neighbours") or {}
        samples.append(outside_points(stats) + " (their hull points p)")
        if near.get("n"):
            samples[-1] += f", ranks on a sample of {near['n']:,}"
        text = (
            f"{stats['space']}: training images in p: median {num(f['support_size_median'])}"
            f" (quartiles {num(f['support_size_q1'])}-{num(f['support_size_q3'])}, at most"
            f" {f['support_size_max']}) of {stats['meta'].get('n_train', 'n/a')}; p's weight on"
            f" the test image's own class: median {pct(f['own_weight_median'])} (its share of"
            f" the training set {pct(f['class_share_mean'])}; chance-corrected"
            f" {num(f['own_excess_median'], 2)})"
        )
        if near.get("rank_median") is not None:
            text += (
                f"; nearest-neighbour rank of p's training images: median"
                f" {num(near['rank_median'])}; {pct(near['weight_on_nearest_percent'])} of p's"
                " weight on the 1% nearest training images (a sample of"
                f" {near['n']:,} test images)"
            )
        texts.append(text)
    figures = evidence.figures_of(["surface", "support"], pixel)
    return verdict_row(
        "hull-surface",
        SURFACE_QUANTITY,
        criterion,
        "; ".join(texts),
        REPORTED,
        figures,
        sample="; ".join(samples),
    )
