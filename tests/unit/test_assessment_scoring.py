"""Scoring of the PMQA self-assessment: pure functions, every branch."""

import itertools

import pytest

from assessment.scoring import CRITERION_MAX, IN_PROGRESS, MET, NOT_MET, score_criterion, score_form


def items(basic, advance=(), significance=()):
    return (
        [("basic", s) for s in basic] + [("advance", s) for s in advance] + [("significance", s) for s in significance]
    )


def test_nothing_done_is_not_started_with_zero():
    score = score_criterion("3.1", items([NOT_MET] * 3, [NOT_MET], [NOT_MET]))
    assert (score.level, score.total) == ("not_started", 0)


def test_something_under_way_is_starting():
    score = score_criterion("3.1", items([IN_PROGRESS, NOT_MET, NOT_MET], [NOT_MET], [NOT_MET]))
    assert (score.level, score.total) == ("starting", 0)


@pytest.mark.parametrize("met, expected", [(0, 0), (1, 100), (2, 200), (3, 300)])
def test_basic_items_share_300_points(met, expected):
    score = score_criterion("3.4", items([MET] * met + [NOT_MET] * (3 - met), [MET], [MET]))
    assert score.basic == pytest.approx(expected)
    # Advance and Significance count for nothing until Basic is complete.
    assert (score.advance, score.significance) == ((100, 100) if met == 3 else (0, 0))


def test_basic_share_with_an_uneven_split():
    score = score_criterion("3.2", items([MET, NOT_MET], [MET], [MET]))
    assert score.basic == 150 and score.total == 150 and score.level == "starting"


def test_advance_needs_every_advance_item():
    score = score_criterion("3.4", items([MET] * 3, [MET, MET, NOT_MET], [MET, MET]))
    assert (score.level, score.basic, score.advance, score.significance) == ("basic", 300, 0, 0)


def test_significance_needs_advance_complete():
    score = score_criterion("3.4", items([MET] * 3, [MET, IN_PROGRESS, MET], [MET, MET]))
    assert (score.level, score.total) == ("basic", 300)


def test_full_criterion_is_500_and_significance():
    score = score_criterion("3.4", items([MET] * 3, [MET] * 3, [MET] * 2))
    assert (score.level, score.total) == ("significance", CRITERION_MAX)


def test_advance_reached_without_significance():
    score = score_criterion("3.3", items([MET] * 3, [MET], [NOT_MET]))
    assert (score.level, score.total) == ("advance", 400)


def test_every_combination_is_consistent():
    """Over every status combination of a 2-1-1 criterion: level and points agree."""
    for combo in itertools.product((NOT_MET, IN_PROGRESS, MET), repeat=4):
        score = score_criterion("x", items(combo[:2], combo[2:3], combo[3:]))
        basic_done = combo[0] == combo[1] == MET
        assert score.basic == 150 * sum(s == MET for s in combo[:2])
        assert score.advance == (100 if basic_done and combo[2] == MET else 0)
        assert score.significance == (100 if score.advance and combo[3] == MET else 0)
        expected = {500: "significance", 400: "advance", 300: "basic"}.get(score.total)
        assert score.level == (expected or ("starting" if any(s != NOT_MET for s in combo) else "not_started"))


def test_unknown_status_or_level_is_refused():
    with pytest.raises(ValueError):
        score_criterion("3.1", [("basic", "done")])
    with pytest.raises(ValueError):
        score_criterion("3.1", [("expert", MET)])
    with pytest.raises(ValueError):
        score_criterion("3.1", [("advance", MET)])  # no Basic items


def test_category_score_is_the_mean_and_missing_answers_count_as_not_met():
    form = [
        {"id": "3.1", "items": [{"id": "a", "level": "basic"}, {"id": "b", "level": "advance"}]},
        {"id": "3.2", "items": [{"id": "c", "level": "basic"}, {"id": "d", "level": "basic"}]},
    ]
    result = score_form(form, {"a": MET, "b": MET, "c": MET})
    assert result["criteria"]["3.1"] == {
        "level": "advance",
        "basic": 300,
        "advance": 100,
        "significance": 0,
        "total": 400,
        "declared_only": [],  # score_form is told no declarations (assessment.service.build does)
    }
    assert result["criteria"]["3.2"]["total"] == 150
    assert result["category_score"] == 275
