"""How sure one run's figures are: bootstrap intervals, Probabilistic Sharpe Ratios, a test
against the benchmark.

From a run's per-period returns r_t (t = 1..n) and the benchmark's b_t over the same periods:

- intervals (95 %) of the total return, the annualised Sharpe ratio and the excess return over
  the benchmark (total return minus the benchmark's), by the stationary block bootstrap of
  service.stats.bootstrap; the excess return resamples the pairs (r_t, b_t) together;
- the Probabilistic Sharpe Ratio against 0 and against the benchmark's Sharpe ratio over the
  same periods, and the minimum track record length for 95 % confidence against 0
  (service.stats.sharpe_ratio);
- a paired test of the per-period excess returns d_t = r_t - b_t: the bootstrap p-value of
  mean(d) = 0, and beats_benchmark: true when p < 0.05 and mean(d) > 0, false when p < 0.05 and
  mean(d) < 0, otherwise "undetermined".

Among many compared timelines, best_of_trials gives the Deflated Sharpe Ratio of the one with
the highest Sharpe ratio: the probability that its true Sharpe ratio beats what the best of
that many unskilled trials would show by luck.

Fewer than MIN_PERIODS returns give no interval and no test: the figures are null and
`reasons` says why, as it does for every other null figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from service.stats.bootstrap import (
    DEFAULT_RESAMPLES,
    LEVEL,
    centred_means,
    mean_block_length,
    mean_p_value,
    percentile_interval,
    resample_counts,
    sharpe_ratios,
    total_returns_pct,
)
from service.stats.sharpe_ratio import (
    SharpeSample,
    deflated_sharpe,
    min_track_record,
    probabilistic_sharpe,
    sharpe_sample,
)

Floats = npt.NDArray[np.float64]
MIN_PERIODS = 10
SIGNIFICANCE = round(1 - LEVEL, 12)  # 0.05, not 1 - 0.95 = 0.05000000000000004
Verdict = bool | str
UNDETERMINED = "undetermined"


@dataclass(frozen=True, slots=True)
class BootstrapOptions:
    """How many resamples and the seed of their draws (the same seed, the same answer)."""

    resamples: int = DEFAULT_RESAMPLES
    seed: int = 0


@dataclass(frozen=True, slots=True)
class RunReturns:
    """A run's per-period returns (fractions) and the benchmark's over the same periods (None
    when the benchmark has no price on one of them)."""

    returns: Floats
    benchmark: Floats | None
    per_period_rf: float
    periods_per_year: int


Figures = dict[str, Any]
Reasons = dict[str, str]
BENCHMARKED = ("excess_return_pct", "excess_p_value", "beats_benchmark")
BOOTSTRAPPED = ("total_return_pct", "sharpe", *BENCHMARKED)
SHARPE_FIGURES = (
    "probabilistic_sharpe",
    "benchmark_sharpe",
    "probabilistic_sharpe_vs_benchmark",
    "min_track_record_periods",
)
OWN_SHARPE_FIGURES = (
    "probabilistic_sharpe",
    "probabilistic_sharpe_vs_benchmark",
    "min_track_record_periods",
)
VERSUS_BENCHMARK = ("benchmark_sharpe", "probabilistic_sharpe_vs_benchmark")
FIGURES = (*BOOTSTRAPPED, *SHARPE_FIGURES)


def run_uncertainty(run: RunReturns, options: BootstrapOptions) -> dict[str, Any]:
    """The uncertainty section of one run's metrics (see the module docstring)."""
    n = len(run.returns)
    figures, reasons = _sharpe_inference(run)
    if n < MIN_PERIODS:
        reason = f"{n} returns: an interval or a test needs at least {MIN_PERIODS}"
        reasons.update(dict.fromkeys(BOOTSTRAPPED, reason))
    else:
        bootstrapped, why = _bootstrapped(run, options)
        figures.update(bootstrapped)
        reasons.update(why)
    return {
        "level": LEVEL,
        "method": "stationary block bootstrap (Politis & Romano, 1994)",
        "resamples": options.resamples,
        "seed": options.seed,
        "periods": n,
        "mean_block_length": mean_block_length(n) if n else None,
        **{name: figures.get(name) for name in FIGURES},
        "reasons": {
            name: reasons.get(name, "the resamples give no finite value")
            for name in FIGURES
            if figures.get(name) is None
        },
    }


def verdict(p_value: float, mean_difference: float) -> Verdict:
    """true or false when the difference is significant at 95 %, else "undetermined"."""
    if p_value >= SIGNIFICANCE or mean_difference == 0:
        return UNDETERMINED
    return mean_difference > 0


def _bootstrapped(run: RunReturns, options: BootstrapOptions) -> tuple[Figures, Reasons]:
    totals, sharpes, benchmark_totals, means = [], [], [], []
    benchmark = run.benchmark
    for counts in resample_counts(len(run.returns), options.resamples, options.seed):
        totals.append(total_returns_pct(counts, run.returns))
        sharpes.append(sharpe_ratios(counts, run.returns, run.per_period_rf, run.periods_per_year))
        if benchmark is not None:
            benchmark_totals.append(total_returns_pct(counts, benchmark))
            means.append(centred_means(counts, run.returns - benchmark))
    total = np.concatenate(totals)
    figures: Figures = {
        "total_return_pct": _interval(total),
        "sharpe": _interval(np.concatenate(sharpes)),
    }
    if benchmark is None:
        return figures, dict.fromkeys(BENCHMARKED, "the benchmark has no price on some period")
    observed = float((run.returns - benchmark).mean())
    p_value = mean_p_value(observed, np.concatenate(means))
    figures["excess_return_pct"] = _interval(total - np.concatenate(benchmark_totals))
    figures["excess_p_value"] = p_value
    figures["beats_benchmark"] = verdict(p_value, observed)
    return figures, {}


def _interval(samples: Floats) -> dict[str, float] | None:
    bounds = percentile_interval(samples)
    return None if bounds is None else {"low": bounds[0], "high": bounds[1]}


def _sharpe_inference(run: RunReturns) -> tuple[Figures, Reasons]:
    """PSR against 0 and the benchmark's Sharpe ratio, and MinTRL against 0."""
    figures: Figures = {}
    reasons: Reasons = {"min_track_record_periods": "defined only for a Sharpe ratio above 0"}
    benchmark = None if run.benchmark is None else sharpe_sample(run.benchmark, run.per_period_rf)
    if benchmark is None:
        reason = "the benchmark's returns are missing or do not vary"
        reasons.update(dict.fromkeys(VERSUS_BENCHMARK, reason))
    else:
        figures["benchmark_sharpe"] = benchmark.sharpe * math.sqrt(run.periods_per_year)
    sample = sharpe_sample(run.returns, run.per_period_rf)
    if sample is None:
        reason = "the Sharpe ratio needs at least 2 returns that vary"
        return figures, {**reasons, **dict.fromkeys(OWN_SHARPE_FIGURES, reason)}
    figures["probabilistic_sharpe"] = probabilistic_sharpe(sample)
    figures["min_track_record_periods"] = min_track_record(sample)
    if benchmark is not None:
        versus = probabilistic_sharpe(sample, benchmark.sharpe)
        figures["probabilistic_sharpe_vs_benchmark"] = versus
    return figures, reasons


def best_of_trials(
    samples: dict[str, SharpeSample | None], periods_per_year: int
) -> dict[str, Any]:
    """The Deflated Sharpe Ratio of the timeline with the highest Sharpe ratio among the
    compared ones (every model, repeat and window is one trial)."""
    trials = {model: sample for model, sample in samples.items() if sample is not None}
    answer: dict[str, Any] = {"trials": len(trials), "model": None, "sharpe": None}
    answer.update(expected_max_sharpe=None, probability=None, reason=None)
    if not trials:
        return {**answer, "reason": "no timeline has returns that vary"}
    model, best = max(trials.items(), key=lambda item: (item[1].sharpe, item[0]))
    root = math.sqrt(periods_per_year)
    answer.update(model=model, sharpe=best.sharpe * root)
    deflated = deflated_sharpe(best, np.array([s.sharpe for s in trials.values()]))
    if deflated is None:
        return {**answer, "reason": "needs at least 2 trials whose Sharpe ratios differ"}
    return {**answer, "probability": deflated[0], "expected_max_sharpe": deflated[1] * root}
