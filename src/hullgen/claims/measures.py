"""The quantities a claim measures in each space it reads: how each is written in the
claims table's value, and the criterion that judges it (constants in
:mod:`hullgen.claims.criteria`).

:mod:`hullgen.claims.table` applies them to every space a claim names. A text function
takes a space's ``stats.json`` and ``class_name`` (a label to its printed name); a judge takes
the stats and the random control's value and returns an outcome of :mod:`hullgen.claims.verdict`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hullgen.claims import criteria as C
from hullgen.claims.texts import (
    DIRECTIONS_CRITERION,
    DIRECTIONS_QUANTITY,
    NOISE_CRITERION,
    NOISE_QUANTITY,
    OUTSIDE_CRITERION,
    OUTSIDE_QUANTITY,
    SHAPE_CRITERION,
    SHAPE_QUANTITY,
)
from hullgen.claims.verdict import outcome

ClassName = Callable[[int], str]


def num(value, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def points_of(stats: dict) -> str:
    """What a space's points are: random points for the random baseline, else test points."""
    return "random points" if stats["kind"] == "random" else "test points"


def all_points(stats: dict) -> str:
    """The sample of a number over every point of a space: ``pixel: 449 test points``."""
    return f"{stats['space']}: {stats['shares']['n']:,} {points_of(stats)}"


def outside_points(stats: dict) -> str:
    """The sample of a number over a space's points outside the hull (distances, their
    directions and surface): ``pixel: 449 test points outside, of 449``."""
    s = stats["shares"]
    return f"{stats['space']}: {s['outside']:,} {points_of(stats)} outside, of {s['n']:,}"


def outside_text(stats: dict, class_name: ClassName | None = None) -> str:
    s = stats["shares"]
    text = (
        f"{stats['space']}: {s['outside']}/{s['n']} outside ({pct(s['outside_share'])}),"
        f" {s['inside']} inside, {s['not_converged']} not converged"
    )
    if s.get("separated"):
        text += f" ({s['separated']} of the outside ones with the gap above the target)"
    if s.get("outside_uncertain"):
        text += f", {s['outside_uncertain']} certified with a lower bound of 0"
    return text


def shape_text(stats: dict, class_name: ClassName) -> str:
    d = stats["distance"]
    text = (
        f"{stats['space']} (n = {d['n']}): tau3 = {num(d.get('tl_skewness'))}, tau4 ="
        f" {num(d.get('tl_kurtosis'))}; r = {num(d.get('qq_correlation'))}, skewness"
        f" {num(d.get('skewness'))}, excess kurtosis {num(d.get('excess_kurtosis'))},"
        f" D'Agostino p = {num(d.get('normaltest_pvalue'))}"
    )
    return text + _mode_text(stats.get("modes"), class_name)


def _mode_text(modes: dict | None, class_name: ClassName) -> str:
    """The caveat a second mode puts on the shape, with the class that forms it."""
    if not modes or modes.get("main_mass") is None:
        return ""
    second = modes.get("second_mode")
    if second is None:
        return "; one mode"
    text = (
        f"; caveat: a second mode near {num(second['location'])} holding"
        f" {pct(second['mass'])} of the distances (the main mode {pct(modes['main_mass'])})"
    )
    if second.get("class") is not None:
        text += (
            f", formed by class {class_name(second['class'])}:"
            f" {pct(second['class_share'])} of the mode, {pct(second['class_in_mode'])} of that"
            f" class ({pct(second['class_share_overall'])} of all points)"
        )
    return text


def noise_text(stats: dict, class_name: ClassName) -> str:
    size = stats["diameter"]
    return (
        f"{stats['space']}: median {num(stats['distance']['median'])} ="
        f" {pct(stats.get('median_over_typical'))} of the median training pair distance"
        f" {num(size.get('median_pair_distance'))}; median"
        f" {pct(stats['median_share_of_diameter'])} and farthest"
        f" {pct(stats['farthest_share_of_diameter'])} of the diameter {num(size['diameter'])};"
        " median distance / nearest-neighbour distance"
        f" {num(stats.get('relative_to_nn_median'), 2)}"
    )


def noise_flag(stats: dict) -> bool | None:
    typical = stats["diameter"].get("median_pair_distance")
    return C.not_small_noise(stats["distance"]["median"], typical)


@dataclass(frozen=True)
class Measure:
    """A quantity measured per space, with its criterion, the figures that show it and,
    optionally, a control: the same quantity on the random space, which must fail."""

    quantity: str
    criterion: str
    text: Callable[[dict, ClassName], str]
    # (a space's stats, the control's value or None) -> an outcome (hullgen.claims.verdict)
    judge: Callable[[dict, float | None], str]
    figures: tuple[str, ...]
    # A space's stats -> what its value rests on (hullgen.claims.evidence.all_points, ...).
    sample: Callable[[dict], str]
    control: tuple[str, Callable[[dict], float | None]] | None = None


def directions_text(stats: dict, class_name: ClassName) -> str:
    d = stats["directions"]
    text = (
        f"{stats['space']}: A = {num(d.get('structure_effect'), 2)} (n = {d.get('structure_n')});"
        f" median share of a direction's energy on its own image's"
        f" {pct(d.get('structure_mask_share'))} most detailed pixels"
        f" {pct(d.get('structure_own_share_median'))}, on another test image's"
        f" {pct(d.get('structure_other_share_median'))}; context: class probe skill"
        f" {num(d['probe_skill'], 2)} on the directions against"
        f" {num(d.get('probe_points_skill'), 2)} on the test images themselves"
        f" ({d['probe_classes']} classes, n = {d['probe_n']})"
    )
    if d.get("energy_on_object_median") is not None:
        text += (
            f"; median {pct(d['energy_on_object_median'])} of a direction's energy on"
            f" the object's {pct(d['object_area_median'])} of the pixels"
        )
    return text


def noise_sample(stats: dict) -> str:
    """The distances of the points outside, against the training set's size: its diameter
    over every training row, its median pair distance over a sample of pairs."""
    size, n_train = stats["diameter"], stats["meta"].get("n_train")
    text = outside_points(stats)
    if n_train is not None:
        text += f"; diameter over {n_train:,} training rows"
    if size.get("pairs"):
        text += f", median pair distance over {size['pairs']:,} pairs"
    return text


def directions_sample(stats: dict) -> str:
    """The directions of the points outside; the probe keeps the classes with enough."""
    d = stats["directions"]
    probe = ""
    if d.get("probe_n") is not None:
        probe = f"; the probe: {d['probe_n']:,} in {d.get('probe_classes')} classes"
    return f"{outside_points(stats)} (their directions{probe})"


def _structure_effect(stats: dict):
    return stats["directions"].get("structure_effect")


def _shape_outcome(stats: dict) -> str:
    modes = stats.get("modes")
    return outcome(C.resembles_normal(stats["distance"], modes), caveat=C.has_second_mode(modes))


OUTSIDE = Measure(
    OUTSIDE_QUANTITY,
    OUTSIDE_CRITERION,
    outside_text,
    lambda s, _: outcome(C.all_outside(s["shares"])),
    ("distribution",),
    sample=all_points,
)
SHAPE = Measure(
    SHAPE_QUANTITY,
    SHAPE_CRITERION,
    shape_text,
    lambda s, _: _shape_outcome(s),
    ("distribution", "shape"),
    sample=outside_points,
)
NOISE = Measure(
    NOISE_QUANTITY,
    NOISE_CRITERION,
    noise_text,
    lambda s, _: outcome(noise_flag(s)),
    ("distribution",),
    sample=noise_sample,
)
DIRECTIONS = Measure(
    DIRECTIONS_QUANTITY,
    DIRECTIONS_CRITERION,
    directions_text,
    lambda s, control: outcome(C.directions_on_structure(_structure_effect(s), control)),
    ("directions", "examples"),
    sample=directions_sample,
    control=("A", _structure_effect),
)
