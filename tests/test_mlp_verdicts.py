"""Section 4's verdicts on synthetic studies made to pass and to fail each criterion."""

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from hullgen.claims.verdict import Verdict
from hullgen.experiments.mlp.study import BAND_NAMES
from hullgen.experiments.mlp.verdicts import claims, judge, summary_lines

from .helpers.studies import mlp_options

UNDER, OVER = 8, 64  # widths: 105 and 4,417 parameters for 200 training points
REGIMES = ("adam", "sgd", "aimed", "to-0")
AIMED = ("aimed", "to-0")


def fake_study(
    under_fit=0.9,
    over_fit=1.0,
    far=(0.3, 0.05),
    aimed_over=0.99,
    aimed_under=0.6,
    others=0.1,
    second_over=None,
):
    """A study of two widths (under and over), four regimes (``aimed`` has an outside
    penalty toward the study's target, flipped; ``to-0`` toward class-0) and two seeds.
    ``under_fit`` / ``over_fit``: training accuracy of the models of that size; ``far``:
    disagreement of regime pairs and seed pairs in the far band; ``aimed_*`` / ``others``:
    agreement with the target outside (``second_over``: of ``to-0``'s over-parameterized
    models, by default ``aimed_over``)."""
    options = mlp_options(
        widths=[UNDER, OVER],
        regimes=[
            {"name": "adam"},
            {"name": "sgd"},
            {"name": "aimed", "outside_penalty": 1.0},
            {"name": "to-0", "outside_penalty": 1.0, "outside_target": "class-0"},
        ],
        seeds=2,
    )
    second_over = aimed_over if second_over is None else second_over
    rows = []
    for width, parameters in ((UNDER, 105), (OVER, 4417)):
        for regime in REGIMES:
            for seed in (0, 1):
                is_over = width == OVER
                accuracy = over_fit if is_over else under_fit
                if regime in AIMED:
                    over_reach = aimed_over if regime == "aimed" else second_over
                    reach = over_reach if is_over else aimed_under
                else:
                    reach = others
                rows.append(
                    {
                        "width": width,
                        "parameters": parameters,
                        "regime": regime,
                        "seed": seed,
                        "train_accuracy": accuracy,
                        "final_loss": 1e-3 if accuracy == 1 else 0.3,
                        "target": "class-0" if regime == "to-0" else "flipped",
                        "target_agreement_outside": reach,
                    }
                )
    comparison = []
    for width, parameters in ((UNDER, 105), (OVER, 4417)):
        for band in BAND_NAMES.values():
            for pairs, value in zip(("regimes", "seeds"), far, strict=True):
                comparison.append(
                    {
                        "width": width,
                        "parameters": parameters,
                        "band": band,
                        "pairs": pairs,
                        "disagreement": value,
                    }
                )
    return SimpleNamespace(
        options=options,
        inside=np.zeros(10, bool),
        models=pd.DataFrame(rows),
        comparison=pd.DataFrame(comparison),
    )


def holds(study) -> dict:
    return {claim_id: judged["holds"] for claim_id, judged in judge(study).items()}


def test_every_verdict_holds_on_a_study_made_to_pass():
    assert holds(fake_study()) == {
        "mlp-under-fit": True,
        "mlp-over-fit": True,
        "mlp-regime": True,
        "mlp-control": True,
    }


@pytest.mark.parametrize(
    ("change", "failing"),
    [
        ({"under_fit": 1.0}, "mlp-under-fit"),  # small models fit too: no struggle
        ({"over_fit": 0.97}, "mlp-over-fit"),  # large models do not all fit
        ({"far": (0.3, 0.25)}, "mlp-regime"),  # the seed matters as much as the regime
        ({"far": (0.06, 0.01)}, "mlp-regime"),  # a regime effect, but not "very different"
        ({"aimed_over": 0.9}, "mlp-control"),  # the target is not reached
        ({"second_over": 0.9}, "mlp-control"),  # one target of two is not reached
        ({"aimed_under": 0.99, "under_fit": 1.0}, "mlp-control"),  # no parameters needed
    ],
)
def test_each_verdict_fails_on_a_study_made_to_fail_it(change, failing):
    assert holds(fake_study(**change))[failing] is False


def test_the_aimed_regime_must_fit_the_data_to_count():
    study = fake_study()
    study.models.loc[study.models["regime"].isin(AIMED), "train_accuracy"] = 0.99
    assert holds(study)["mlp-control"] is False


def test_verdicts_without_the_models_they_need_are_not_applicable():
    study = fake_study()
    study.models = study.models[study.models["width"] == UNDER]
    study.comparison = study.comparison[study.comparison["width"] == UNDER]
    assert set(holds(study).values()) == {None}
    study = fake_study()
    plain = tuple(r for r in study.options.regimes if r.outside_penalty == 0)
    study.options = dataclasses.replace(study.options, regimes=plain)
    assert holds(study)["mlp-control"] is None


def test_records_and_summary_lines():
    records = claims(fake_study(), "control.png; comparison.png")
    verdicts = [Verdict.from_dict(r) for r in records]
    assert [v.id for v in verdicts] == [
        "mlp-under-fit",
        "mlp-over-fit",
        "mlp-regime",
        "mlp-control",
    ]
    assert all(v.holds == "yes" and v.section == "4" for v in verdicts)
    assert all(v.figure == "control.png; comparison.png" for v in verdicts)
    assert "perfectly separate" in verdicts[1].paper and "95%" in verdicts[1].criterion
    # Each aimed regime is reported on its own target.
    assert "aimed (to flipped) 100.0%" in verdicts[3].value
    assert "to-0 (to class-0) 100.0%" in verdicts[3].value
    lines = summary_lines(fake_study(far=(0.3, 0.25)))
    assert any(line.startswith("mlp-regime does not hold") for line in lines)
    assert any("30.0% of the points" in line for line in lines)
