"""Runs of a base model taken together: summaries, ranks, ties, pairwise odds, the sentence."""

from __future__ import annotations

import pytest

from service.results.aggregate import RunResult, aggregate_runs, pairwise, summarize

pytestmark = pytest.mark.unit


def runs(
    base: str, values: list[float], excess: list[float | None], windows: bool
) -> list[RunResult]:
    days = ["2025-08-01", "2025-08-15", "2025-09-01", "2025-09-15"]
    names = [f"{base}:w{day}" if windows else f"{base}:r{k}" for k, day in enumerate(days, 1)]
    return [
        RunResult(name, {"total_return_pct": value, "excess_return_pct": extra})
        for name, value, extra in zip(names, values, excess, strict=False)
    ]


def test_summary_by_hand() -> None:
    # 1, 2, 3: mean 2, s = 1; t(0.975, 2) = 4.3026527 -> half width 4.3026527 / sqrt(3) = 2.4841377.
    summary = summarize([1.0, 2.0, 3.0])
    assert summary is not None
    assert (summary["n"], summary["mean"], summary["stdev"]) == (3, 2.0, 1.0)
    assert summary["interval"] == pytest.approx({"low": -0.4841377, "high": 4.4841377})


def test_summary_of_one_run_and_of_runs_missing_a_value() -> None:
    assert summarize([4.0]) == {"n": 1, "mean": 4.0, "stdev": None, "interval": None}
    assert summarize([4.0, None]) is None
    assert summarize([]) is None


def test_groups_rank_by_mean_and_flag_overlapping_intervals() -> None:
    results = [
        *runs("a", [1.0, 2.0, 3.0], [0.5, -0.5, 1.5], windows=True),
        *runs("b", [10.0, 11.0, 12.0], [9.0, 10.0, 11.0], windows=True),
        *runs("c", [2.0, 2.5, 3.5], [0.0, 0.5, 1.5], windows=True),
    ]
    groups = aggregate_runs(results, "QQQ")
    assert [(g["rank"], g["model"]) for g in groups] == [(1, "b"), (2, "c"), (3, "a")]
    by_model = {g["model"]: g for g in groups}
    assert by_model["b"]["tied_with"] == []
    assert by_model["a"]["tied_with"] == ["c"] and by_model["c"]["tied_with"] == ["a"]
    assert by_model["a"]["beat_benchmark"] == 2 and by_model["a"]["beat_benchmark_share"] == 2 / 3
    assert by_model["a"]["signatures"] == ["a:w2025-08-01", "a:w2025-08-15", "a:w2025-09-01"]


def test_the_sentence_says_what_was_found() -> None:
    # b's excess 9, 10, 11: t = 10 / (1 / sqrt(3)) = 17.32 on 2 df -> p = 0.0033.
    # a's excess 0.5, -0.5, 1.5: t = 0.5 / (1 / sqrt(3)) = 0.866 -> p = 0.48.
    groups = {
        g["model"]: g
        for g in aggregate_runs(
            [
                *runs("a", [1.0, 2.0, 3.0], [0.5, -0.5, 1.5], windows=True),
                *runs("b", [10.0, 11.0, 12.0], [9.0, 10.0, 11.0], windows=False),
            ],
            "QQQ",
        )
    }
    assert groups["b"]["excess_p_value"] == pytest.approx(0.0033, abs=1e-4)
    assert groups["b"]["summary"] == (
        "b beat QQQ in 3 of 3 repeats; the difference is significant at 95 % (p = 0.0033)"
    )
    assert groups["a"]["summary"] == (
        "a beat QQQ in 2 of 3 windows; the difference is not significant at 95 % (p = 0.48)"
    )


def test_sentences_without_a_test() -> None:
    single = aggregate_runs(runs("a", [1.0], [0.5], windows=False), "QQQ")[0]
    assert (
        single["summary"]
        == "a beat QQQ in 1 of 1 repeats; too few runs that differ to test the difference"
    )
    unknown = aggregate_runs(runs("a", [1.0, 2.0], [0.5, None], windows=False), "QQQ")[0]
    assert unknown["beat_benchmark"] is None and unknown["excess_return_pct"] is None
    assert unknown["summary"] == "a: 2 repeats; no benchmark return to compare with"
    plain = aggregate_runs(
        [RunResult("a", {"total_return_pct": 1.0, "excess_return_pct": 0.5})], "QQQ"
    )
    assert plain[0]["summary"].startswith("a beat QQQ in 1 of 1 runs;")


def test_pairwise_compares_runs_on_the_same_window_only() -> None:
    # Window 08-01: a 1 vs b 0.5 (a wins); 08-15: a 2 vs b 2 (a tie, a half); 09-01: b only.
    results = [
        *runs("a", [1.0, 2.0], [None, None], windows=True),
        *runs("b", [0.5, 2.0, 9.0], [None, None, None], windows=True),
        RunResult("c", {"total_return_pct": 3.0}),  # a whole-range run shares no window
    ]
    assert pairwise(results) == [{"model": "a", "other": "b", "probability": 0.75, "pairs": 2}]


def test_pairwise_over_repeats_takes_every_pair() -> None:
    results = [
        *runs("a", [1.0, 3.0], [None, None], windows=False),
        *runs("b", [2.0], [None], windows=False),
    ]
    assert pairwise(results) == [{"model": "a", "other": "b", "probability": 0.5, "pairs": 2}]


def test_a_groups_runs_are_listed_by_window_then_repeat() -> None:
    names = ["m:r10", "m:w2025-09-01:r2", "m:r2", "m:w2025-08-01", "m:w2025-09-01:r1"]
    results = [RunResult(name, {"total_return_pct": 1.0}) for name in names]
    assert aggregate_runs(results, "QQQ")[0]["signatures"] == [
        "m:r2",
        "m:r10",
        "m:w2025-08-01",
        "m:w2025-09-01:r1",
        "m:w2025-09-01:r2",
    ]
