"""Repeats and windows of one base model taken together (names in service.run_names).

For a base model with n runs whose total returns are x_1..x_n (each over its own window, or
the whole range for repeats) and excess returns e_i = x_i minus the benchmark's return over
the same span:

- mean and sample standard deviation s (n - 1) of x and of e;
- the 95 % interval of the mean, mean +- t(0.975, n - 1) * s / sqrt(n) (Student's t; none for
  n < 2);
- the share of runs with e_i > 0, and the p-value of a one-sample t-test of mean(e) = 0;
- P(A > B), the probability that a run of A returns more than a run of B, from every pair of
  their runs on the same window (repeats of a whole range all share one): the share of pairs
  A wins, ties counted as half;
- groups rank by mean return; a group's `tied_with` lists the groups whose return interval
  overlaps its own: their order is not established at 95 %.
"""

from __future__ import annotations

import functools
import math
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from service.portfolio.positions import stored_models
from service.results.uncertainty import SIGNIFICANCE
from service.run_names import RunName, parse_run
from service.stats.bootstrap import LEVEL

RANKED_BY = "total_return_pct"
EXCESS = "excess_return_pct"


@dataclass(frozen=True, slots=True)
class RunResult:
    """One timeline's figures to aggregate: total_return_pct, and excess_return_pct when the
    benchmark is known (None otherwise), and any others."""

    signature: str
    figures: dict[str, float | None]


def aggregate_runs(runs: Iterable[RunResult], benchmark: str) -> list[dict[str, Any]]:
    """One group per base model, ranked by mean return, each figure summarised, with ties and
    a summary line."""
    groups: dict[str, list[RunResult]] = defaultdict(list)
    for run in runs:
        groups[parse_run(run.signature).base].append(run)
    rows = [_group(base, members, benchmark) for base, members in groups.items()]
    rows.sort(key=lambda row: (-row[RANKED_BY]["mean"], row["model"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
        row["tied_with"] = [other["model"] for other in rows if _overlap(row, other)]
    return rows


def _student_t() -> Any:
    """scipy's Student t distribution, imported when first needed: scipy.stats adds about
    70 MB to a process, which a web worker should pay only if it aggregates runs."""
    from scipy import stats  # noqa: PLC0415

    return stats.t


@functools.lru_cache(maxsize=256)
def t_quantile(degrees: int) -> float:
    """t(0.975, degrees): the half-width of a 95 % interval of a mean, in standard errors."""
    return float(_student_t().ppf((1 + LEVEL) / 2, degrees))


def runs_of(conn: sqlite3.Connection, base: str) -> list[str]:
    """The stored timelines of base model: itself, its repeats and its windows."""
    return [model for model in stored_models(conn) if parse_run(model).base == base]


def summarize(values: list[float | None]) -> dict[str, Any] | None:
    """n, mean, sample standard deviation and the 95 % t interval of the mean of the runs'
    values; None when a run has none (no mixing of runs with and without a value)."""
    if not values or any(value is None for value in values):
        return None
    array = np.array(values, dtype=np.float64)
    mean = float(array.mean())
    if len(array) < 2:
        return {"n": 1, "mean": mean, "stdev": None, "interval": None}
    stdev = float(array.std(ddof=1))
    half = t_quantile(len(array) - 1) * stdev / math.sqrt(len(array))
    return {
        "n": len(array),
        "mean": mean,
        "stdev": stdev,
        "interval": {"low": mean - half, "high": mean + half},
    }


def pairwise(runs: Iterable[RunResult]) -> list[dict[str, Any]]:
    """P(A > B) in total return for each pair of base models with runs on a common window (A
    before B by name)."""
    by_window: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for run in runs:
        name = parse_run(run.signature)
        value = run.figures[RANKED_BY]
        if value is not None:
            by_window[name.window or ""][name.base].append(value)
    bases = sorted({base for models in by_window.values() for base in models})
    answers = []
    for first, second in combinations(bases, 2):
        wins, pairs = 0.0, 0
        for models in by_window.values():
            for a in models.get(first, []):
                for b in models.get(second, []):
                    wins += 1.0 if a > b else 0.5 if a == b else 0.0
                    pairs += 1
        if pairs:
            answers.append(
                {"model": first, "other": second, "probability": wins / pairs, "pairs": pairs}
            )
    return answers


def _group(base: str, members: list[RunResult], benchmark: str) -> dict[str, Any]:
    names = dict.fromkeys(name for run in members for name in run.figures)
    summaries = {name: summarize([run.figures.get(name) for run in members]) for name in names}
    excess = [run.figures.get(EXCESS) for run in members]
    known = [value for value in excess if value is not None]
    beat = sum(value > 0 for value in known) if len(known) == len(members) else None
    p_value = _t_test(known) if beat is not None else None
    return {
        "model": base,
        "runs": len(members),
        "signatures": sorted((run.signature for run in members), key=_run_order),
        **summaries,
        "beat_benchmark": beat,
        "beat_benchmark_share": None if beat is None else beat / len(members),
        "excess_p_value": p_value,
        "summary": _sentence(base, members, benchmark, beat, p_value),
    }


def _kind(name: RunName) -> str:
    """What the group's runs are called: windows (with or without repeats), repeats, runs."""
    return "windows" if name.window else "repeats" if name.repeat is not None else "runs"


def _run_order(signature: str) -> tuple[str, int]:
    """Windows by day, repeats by number (r2 before r10)."""
    name = parse_run(signature)
    return name.window or "", name.repeat or 0


def _t_test(excess: list[float]) -> float | None:
    """Two-sided p-value of mean(excess) = 0; None for fewer than 2 runs or no spread."""
    if len(excess) < 2 or float(np.std(excess)) == 0:
        return None
    array = np.array(excess, dtype=np.float64)
    statistic = float(array.mean()) / (float(array.std(ddof=1)) / math.sqrt(len(array)))
    return 2 * float(_student_t().sf(abs(statistic), len(array) - 1))


def _overlap(row: dict[str, Any], other: dict[str, Any]) -> bool:
    mine, theirs = row[RANKED_BY]["interval"], other[RANKED_BY]["interval"]
    if row is other or mine is None or theirs is None:
        return False
    return bool(mine["low"] <= theirs["high"] and theirs["low"] <= mine["high"])


def _sentence(
    base: str, members: list[RunResult], benchmark: str, beat: int | None, p_value: float | None
) -> str:
    """E.g. "momentum-20 beat QQQ in 7 of 10 windows; the difference is not significant at
    95 % (p = 0.31)"."""
    kinds = {_kind(parse_run(run.signature)) for run in members}
    kind = kinds.pop() if len(kinds) == 1 else "runs"
    if beat is None:
        return f"{base}: {len(members)} {kind}; no benchmark return to compare with"
    head = f"{base} beat {benchmark} in {beat} of {len(members)} {kind}"
    if p_value is None:
        return f"{head}; too few runs that differ to test the difference"
    significant = "significant" if p_value < SIGNIFICANCE else "not significant"
    return f"{head}; the difference is {significant} at 95 % (p = {p_value:.2g})"
