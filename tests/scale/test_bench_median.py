"""The bench reports the median of its repetitions, and a check only if every one passed."""

from __future__ import annotations

from bench.scale import Cost, PhaseResult, median_phases


def _cost(seconds: float) -> Cost:
    return Cost(seconds=seconds, cpu={"engine": seconds}, rss_mb={}, disk_bytes=0, state_bytes=0)


def _rep(create: float, base: float, floor: float, *, ok: bool = True) -> tuple:
    phase = PhaseResult(
        phase="create",
        apps=10,
        objects=40,
        ours=_cost(create),
        floor_seconds=floor,
        checks={"one write per Kong object": ok, "no duplicates": True},
    )
    return [phase], {"create": _cost(base)}


def test_each_figure_is_its_own_median_and_every_sample_is_kept() -> None:
    reps = [_rep(9.0, 4.0, 1.0), _rep(5.0, 6.0, 3.0), _rep(7.0, 5.0, 2.0)]
    (create,) = median_phases(reps)
    assert create.ours.seconds == 7.0
    assert create.baseline is not None and create.baseline.seconds == 5.0
    assert create.floor_seconds == 2.0
    assert create.ratio == 7.0 / 5.0
    assert create.samples == {
        "ours": [9.0, 5.0, 7.0],
        "baseline": [4.0, 6.0, 5.0],
        "floor": [1.0, 3.0, 2.0],
    }


def test_an_even_count_reports_the_lower_middle() -> None:
    (create,) = median_phases([_rep(8.0, 4.0, 1.0), _rep(6.0, 2.0, 1.0)])
    assert (create.ours.seconds, create.baseline.seconds) == (6.0, 2.0)  # type: ignore[union-attr]


def test_a_check_that_failed_in_any_repetition_fails() -> None:
    reps = [_rep(5.0, 4.0, 1.0), _rep(6.0, 4.0, 1.0, ok=False), _rep(7.0, 4.0, 1.0)]
    (create,) = median_phases(reps)
    # the median repetition passed; the one that did not still fails the check
    assert create.checks == {"one write per Kong object": False, "no duplicates": True}


def test_a_phase_without_a_floor_has_none() -> None:
    phases, baseline = _rep(5.0, 4.0, 1.0)
    phases[0].floor_seconds = None
    (create,) = median_phases([(phases, baseline)])
    assert create.floor_seconds is None
    assert create.samples["floor"] == []
