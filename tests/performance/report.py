"""The benchmark's report: the machine, the figures as tables, and the targets of the issue."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from typing import Any

MIN_RPS = 1500
MAX_CONCURRENT_P99_MS = 100
MAX_SEQUENTIAL_P99_MS = 5
MIN_CONSUMER_RATE = 100
MAX_SIMULATE_SECONDS = 5
MAX_LLM_RATIO = 1.10
MAX_WIDE_LLM_RATIO = 1.15  # 32 models at once, each its own consumer thread
MAX_WIDE_LLM_RSS_MB = 150
MAX_STARTUP_SECONDS = 1
MAX_WORKER_MB = 100
MAX_GROWTH_MB = 2
# A market's sequential p50 over the reference market's (nasdaq100), endpoint by endpoint;
# nasdaq100_hourly's over its daily counterpart's (the same bars as days) likewise.
MAX_MARKET_RATIO = 1.10
MIN_HOURLY_STEP_RATE = 300  # the hourly data set's built-in model-steps per second
# Sequential p50 of the statistics section's answers (stats.py), computed and as deployed.
MAX_INTERVALS_MS = 20  # /metrics?model=&with=uncertainty: one model, 250 days, 2,000 resamples
MAX_AGGREGATE_MS = 100  # /leaderboard?aggregate=true: 20 models x 10 repeats
STATISTICS_TARGET_MS = {
    "metrics_uncertainty": MAX_INTERVALS_MS,
    "metrics_uncertainty_new_draws": MAX_INTERVALS_MS,
    "leaderboard_aggregate": MAX_AGGREGATE_MS,
}


def machine(wrk_binary: str | None) -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info if "model name" in line), "")
    with open("/proc/meminfo", encoding="utf-8") as info:
        memory_kb = int(info.readline().split()[1])
    wrk_version = ""
    if wrk_binary:
        wrk_version = subprocess.run([wrk_binary, "-v"], capture_output=True, text=True).stdout
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "wrk": wrk_version.split("\n")[0].strip() or None,
        "load_average_after": os.getloadavg()[0],
    }


def _check(name: str, target: str, measured: str, met: bool) -> dict[str, Any]:
    return {"target": name, "goal": target, "measured": measured, "met": met}


def _endpoint_targets(endpoints: dict[str, Any], suffix: str = "") -> list[dict[str, Any]]:
    checks = []
    for endpoint, figures in endpoints.items():
        name = endpoint + suffix
        seq = figures["sequential"]
        checks.append(
            _check(
                f"{name} sequential p99",
                f"< {MAX_SEQUENTIAL_P99_MS} ms",
                f"{seq['p99_ms']:.2f} ms",
                seq["p99_ms"] < MAX_SEQUENTIAL_P99_MS,
            )
        )
        load = figures.get("concurrent")
        if load:
            met = (
                load["requests_per_s"] >= MIN_RPS
                and load["p99_ms"] < MAX_CONCURRENT_P99_MS
                and load["errors"] == 0
            )
            checks.append(
                _check(
                    f"{name} 100 connections",
                    f">= {MIN_RPS} req/s, p99 < {MAX_CONCURRENT_P99_MS} ms, 0 errors",
                    f"{load['requests_per_s']:.0f} req/s, p99 {load['p99_ms']:.1f} ms, "
                    f"{load['errors']} errors",
                    met,
                )
            )
    return checks


def _simulation_targets(sim: dict[str, Any]) -> list[dict[str, Any]]:
    rate = sim["consumer_builtin"]["model_days_per_s"]
    cli = sum(run["seconds"] for run in sim["simulate_cli"])
    ratio = sim["mock_llm"]["ratio_to_ideal"]
    return [
        _check(
            "built-ins through huey_consumer",
            f">= {MIN_CONSUMER_RATE} model-days/s",
            f"{rate:.0f} model-days/s",
            rate >= MIN_CONSUMER_RATE,
        ),
        _check(
            "bin/simulate, 3 built-ins, all bundled days",
            f"< {MAX_SIMULATE_SECONDS} s",
            f"{cli:.2f} s",
            cli < MAX_SIMULATE_SECONDS,
        ),
        _check(
            "mock LLM wall time / ideal",
            f"<= {MAX_LLM_RATIO:.2f}",
            f"{ratio:.3f}",
            ratio <= MAX_LLM_RATIO,
        ),
        *_wide_llm_targets(sim),
        *_rate_limited_targets(sim["rate_limited"]),
    ]


def _wide_llm_targets(sim: dict[str, Any]) -> list[dict[str, Any]]:
    wide = [run for key, run in sim.items() if key.startswith("llm_") and key.endswith("_models")]
    checks = [
        _check(
            f"{run['models']} LLM models at once: wall time / ideal",
            f"<= {MAX_WIDE_LLM_RATIO:.2f}" if run["models"] <= 32 else "(reported)",
            f"{run['ratio_to_ideal']:.3f}",
            run["models"] > 32 or run["ratio_to_ideal"] <= MAX_WIDE_LLM_RATIO,
        )
        for run in wide
    ]
    checks += [
        _check(
            f"{run['models']} LLM models at once: consumer peak RSS",
            f"< {MAX_WIDE_LLM_RSS_MB} MB",
            f"{run['consumer_peak_mb']:.1f} MB",
            run["consumer_peak_mb"] < MAX_WIDE_LLM_RSS_MB,
        )
        for run in wide
    ]
    return checks


def _rate_limited_targets(run: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        _check(
            "rate-limited run: requests refused by the stub",
            "0",
            f"{run['refused']} of {run['refused'] + run['llm_calls']}",
            run["refused"] == 0,
        ),
        _check(
            "rate-limited run: peak requests at once",
            f"= max_concurrency {run['max_concurrency']}",
            str(run["peak_running"]),
            run["peak_running"] == run["max_concurrency"],
        ),
    ]


def _process_targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    startup, memory = result["startup_seconds"], result["memory"]
    peak = memory["web_worker_peak_mb"]
    checks = [
        _check(
            "start-up to first /health",
            f"< {MAX_STARTUP_SECONDS} s",
            f"{startup:.2f} s",
            startup < MAX_STARTUP_SECONDS,
        ),
        _check(
            "gunicorn worker peak RSS (bundled data)",
            f"< {MAX_WORKER_MB} MB",
            f"{peak:.1f} MB",
            peak < MAX_WORKER_MB,
        ),
    ]
    growth = memory.get("sustained", {}).get("growth_mb")
    if growth is not None:
        checks.append(
            _check(
                "worker RSS growth after warm-up",
                f"<= {MAX_GROWTH_MB} MB",
                f"{growth:+.1f} MB",
                growth <= MAX_GROWTH_MB,
            )
        )
    return checks


def _p50_ratios(figures: dict[str, Any], reference: dict[str, Any]) -> dict[str, float]:
    return {
        name: endpoint["sequential"]["p50_ms"] / reference[name]["sequential"]["p50_ms"]
        for name, endpoint in figures.items()
    }


def _cpu_ratios(figures: dict[str, Any], reference: dict[str, Any]) -> dict[str, float]:
    return {
        name: endpoint["server_cpu_ms_per_request"] / reference[name]["server_cpu_ms_per_request"]
        for name, endpoint in figures.items()
    }


def market_ratios(section: dict[str, Any]) -> dict[str, Any]:
    """Each market's sequential p50 over the reference market's, endpoint by endpoint, in
    each cache mode, and its workers' CPU per request likewise (under "cpu"); and, when
    measured, the reference's p50 beside the other markets over its own alone."""
    reference = section["reference"]
    ratios: dict[str, Any] = {
        label: {
            market: _p50_ratios(figures, section[label][reference])
            for market, figures in section[label].items()
            if market != reference
        }
        for label in ("computed", "cached")
    }
    ratios["cpu"] = {
        label: {
            market: _cpu_ratios(figures, section[label][reference])
            for market, figures in section[label].items()
            if market != reference
        }
        for label in ("computed", "cached")
    }
    if "alone" in section:
        ratios["beside_others_computed"] = _p50_ratios(
            section["computed"][reference], section["alone"]
        )
    return ratios


def _ratio_check(name: str, ratios: dict[str, float]) -> dict[str, Any]:
    worst = max(ratios, key=lambda endpoint: ratios[endpoint])
    return _check(
        name,
        f"<= {MAX_MARKET_RATIO:.2f} x on every endpoint",
        f"max {ratios[worst]:.2f} x ({worst})",
        ratios[worst] <= MAX_MARKET_RATIO,
    )


def _market_targets(section: dict[str, Any], against: str | None = None) -> list[dict[str, Any]]:
    """The ratio checks of a section of markets; against names its reference in the checks
    (default: the reference market's name)."""
    reference, ratios = section["reference"], section["ratios"]
    against = against or f"{reference}'s"
    checks = [
        _ratio_check(f"{market} seq p50 / {against} ({label})", by_endpoint)
        for label in ("computed", "cached")
        for market, by_endpoint in ratios[label].items()
    ]
    if "beside_others_computed" in ratios:
        checks.append(
            _ratio_check(
                f"{reference} beside others / alone (computed)", ratios["beside_others_computed"]
            )
        )
    return checks


def hourly_targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The hourly data set's ratios to its daily counterpart and its consumer's rate."""
    consumer = result["simulation"]["consumer_hourly"]
    market = result["queries"]["hourly"]["market"]
    rate = consumer[market]["model_steps_per_s"]
    return [
        *_market_targets(result["queries"]["hourly"], "the same bars as days"),
        _check(
            f"{market} built-ins through huey_consumer",
            f">= {MIN_HOURLY_STEP_RATE} model-steps/s",
            f"{rate:.0f} model-steps/s",
            rate >= MIN_HOURLY_STEP_RATE,
        ),
    ]


def _statistics_name(section: dict[str, Any], endpoint: str) -> str:
    intervals, runs = section["intervals"], section["runs"]
    return {
        "metrics_uncertainty": f"/metrics intervals, {intervals['days']} days",
        "metrics_uncertainty_new_draws": f"/metrics new draws, {intervals['days']} days",
        "leaderboard_aggregate": f"/leaderboard aggregate, {runs['timelines']} runs",
    }[endpoint]


def statistics_targets(section: dict[str, Any]) -> list[dict[str, Any]]:
    """The statistics section's answers against their sequential p50 targets."""
    checks = []
    for label in ("computed", "cached"):
        for part in ("intervals", "runs"):
            for endpoint, figures in section[part][label].items():
                limit = STATISTICS_TARGET_MS.get(endpoint)
                if limit is None:
                    continue
                seq = figures["sequential"]
                checks.append(
                    _check(
                        f"{_statistics_name(section, endpoint)} ({label})",
                        f"seq p50 < {limit} ms",
                        f"{seq['p50_ms']:.2f} ms (p95 {seq['p95_ms']:.2f})",
                        seq["p50_ms"] < limit and seq["errors"] == 0,
                    )
                )
    return checks


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the issue with its measured value and whether it is met."""
    return (
        _endpoint_targets(result["queries"]["bundled"]["endpoints"])
        + _endpoint_targets(result["queries"]["bundled"]["computed"], " (computed)")
        + _market_targets(result["queries"]["markets"])
        + hourly_targets(result)
        + statistics_targets(result["queries"]["statistics"])
        + _simulation_targets(result["simulation"])
        + _process_targets(result)
    )


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def endpoint_table(endpoints: dict[str, Any]) -> list[str]:
    """Sequential and 100-connection figures of each endpoint, one line each."""
    lines = [
        f"{'endpoint':<21}{'seq p50':>8}{'p95':>7}{'p99':>7} |{'c100 req/s':>11}"
        f"{'p50':>8}{'p95':>8}{'p99':>8}{'errors':>7}{'cpu/req':>8} |{'bytes':>8}"
    ]
    for name, figures in endpoints.items():
        seq, load = figures["sequential"], figures.get("concurrent") or {}
        lines.append(
            f"{name:<21}{seq['p50_ms']:>8.2f}{seq['p95_ms']:>7.2f}{seq['p99_ms']:>7.2f} |"
            f"{_fmt(load.get('requests_per_s'), 0):>11}{_fmt(load.get('p50_ms'), 1):>8}"
            f"{_fmt(load.get('p95_ms'), 1):>8}{_fmt(load.get('p99_ms'), 1):>8}"
            f"{load.get('errors', '-'):>7}{_fmt(load.get('server_cpu_ms_per_request')):>8} |"
            f"{seq['response_bytes']:>8}"
        )
    return lines


def _market_table(section: dict[str, Any], label: str) -> list[str]:
    reference, figures, ratios = section["reference"], section[label], section["ratios"]
    # (heading, figures, ratios) of each column: the other markets, then the reference alone.
    columns = [
        (market, figures[market], ratios[label][market])
        for market in figures
        if market != reference
    ]
    if label == "computed" and "alone" in section:
        columns.append((f"{reference} alone", section["alone"], ratios["beside_others_computed"]))
    lines = [f"{'endpoint':<21}{reference:>10}" + "".join(f"{head:>24}" for head, _, _ in columns)]
    for name, endpoint in figures[reference].items():
        cells = [
            f"{column[name]['sequential']['p50_ms']:.2f} {ratio[name]:.2f}x "
            + ("ok" if ratio[name] <= MAX_MARKET_RATIO else "MISS")
            for _, column, ratio in columns
        ]
        lines.append(
            f"{name:<21}{endpoint['sequential']['p50_ms']:>10.2f}"
            + "".join(f"{text:>24}" for text in cells)
        )
    return lines


def market_lines(section: dict[str, Any]) -> list[str]:
    """Per market: sequential p50 of each endpoint and its ratio to the reference market's."""
    data, reference = section["data"], section["reference"]
    windows = ", ".join(
        f"{market} {first}..{last}" for market, (first, last) in section["windows"].items()
    )
    return [
        f"Per market: 20 built-ins on each market over its first {section['days']} trading days"
        f" ({windows}), one database: {data['models']} models, {data['model_days']} model-days,"
        f" {data['bytes'] / 1e6:.1f} MB. Sequential p50 in ms and its ratio to {reference}'s"
        f" (ok: <= {MAX_MARKET_RATIO:.2f}x).",
        "Every answer computed (RESPONSE_CACHE_MB=0); the last column is "
        f"{reference} on a copy holding its timelines only (ratio: beside others over alone):",
        *_market_table(section, "computed"),
        "As deployed (repeated answers kept until the data changes):",
        *_market_table(section, "cached"),
    ]


def _cpu_table(section: dict[str, Any], label: str) -> list[str]:
    reference, figures = section["reference"], section[label]
    ratios = section["ratios"]["cpu"][label]
    lines = [f"{'endpoint':<21}{reference:>10}" + "".join(f"{m:>24}" for m in ratios)]
    for name, endpoint in figures[reference].items():
        cells = [
            f"{figures[market][name]['server_cpu_ms_per_request']:.2f} {ratio[name]:.2f}x"
            for market, ratio in ratios.items()
        ]
        lines.append(
            f"{name:<21}{endpoint['server_cpu_ms_per_request']:>10.2f}"
            + "".join(f"{text:>24}" for text in cells)
        )
    return lines


def hourly_lines(section: dict[str, Any]) -> list[str]:
    """nasdaq100_hourly's sequential p50 of each endpoint against its daily counterpart's."""
    data, reference, market = section["data"], section["reference"], section["market"]
    first, last = section["windows"][market]
    steps, rows = data["model_steps"], data["market_rows"]
    return [
        f"Hourly: 20 built-ins on {market} over {section['bars']} bars ({first}..{last}) and 20"
        f" on {reference} over as many days made of the same bars ({section['reference_data']}),"
        f" one database: {steps[market]:,} + {steps[reference]:,} model-steps, positions rows"
        f" {rows[market]['positions']:,} / {rows[reference]['positions']:,}."
        f" Each query answers the same rows on both (a bar and a day on {market}, their days"
        f" on {reference}). Sequential p50 in ms and its ratio (ok: <= {MAX_MARKET_RATIO:.2f}x):",
        "Every answer computed (RESPONSE_CACHE_MB=0):",
        *_market_table(section, "computed"),
        "As deployed (repeated answers kept until the data changes):",
        *_market_table(section, "cached"),
        "The gunicorn workers' CPU ms per request and its ratio, every answer computed (other"
        " programs on the machine lengthen it far less than the latency):",
        *_cpu_table(section, "computed"),
    ]


def _seq_cells(figures: dict[str, Any] | None) -> str:
    if figures is None:
        return f"{'-':>8}{'-':>7}{'-':>7}{'-':>8}"
    seq = figures["sequential"]
    return (
        f"{seq['p50_ms']:>8.2f}{seq['p95_ms']:>7.2f}{seq['p99_ms']:>7.2f}"
        f"{figures['server_cpu_ms_per_request']:>8.2f}"
    )


def _marks(name: str, computed: dict[str, Any], cached: dict[str, Any] | None) -> str:
    """The target of an endpoint and whether each p50 meets it: "<20 ok/MISS"."""
    limit = STATISTICS_TARGET_MS.get(name)
    if limit is None:
        return "-"
    marks = [
        "-" if figures is None else "ok" if figures["sequential"]["p50_ms"] < limit else "MISS"
        for figures in (computed, cached)
    ]
    return f"<{limit} " + "/".join(marks)


def _statistics_table(section: dict[str, Any]) -> list[str]:
    """Computed and cached sequential figures of each endpoint, with its target."""
    lines = [
        f"{'endpoint':<30}{'computed':>8}{'p95':>7}{'p99':>7}{'cpu/req':>8} |{'cached':>8}"
        f"{'p95':>7}{'p99':>7}{'cpu/req':>8} |{'target':>12}{'bytes':>8}"
    ]
    for part in ("intervals", "runs"):
        computed, cached = section[part]["computed"], section[part]["cached"]
        for name, figures in computed.items():
            lines.append(
                f"{name:<30}{_seq_cells(figures)} |{_seq_cells(cached.get(name))} |"
                f"{_marks(name, figures, cached.get(name)):>12}"
                f"{figures['sequential']['response_bytes']:>8}"
            )
    return lines


def statistics_lines(section: dict[str, Any]) -> list[str]:
    """The statistics section: its data, its table and the workers' memory."""
    intervals, runs = section["intervals"], section["runs"]
    memory = intervals["memory"]
    return [
        f"Statistics ({section['seconds']:.0f} s): /metrics?with=uncertainty"
        f" ({section['resamples']:,} resamples) of {intervals['model']} over"
        f" {intervals['days']} trading days of synthetic nasdaq100 prices ({intervals['prices']},"
        f" {intervals['first']}..{intervals['last']}); /leaderboard of {runs['models']}"
        f" built-ins x {runs['repeats']} repeats = {runs['timelines']} timelines over"
        f" {runs['days']} days of {runs['prices']} ({runs['first']}..{runs['last']},"
        f" {runs['data']['model_days']:,} model-days, filled in"
        f" {runs['data']['generation_seconds']:.1f} s); each its own database.",
        "Sequential ms, every answer computed (RESPONSE_CACHE_MB=0) and as deployed, with the"
        " gunicorn workers' CPU ms per request (cpu/req, which other programs on the machine"
        " lengthen far less than the latency); target on the p50 (new draws: a seed not asked"
        " before each time, as after a model's new day):",
        *_statistics_table(section),
        f"Worker memory (/metrics data set): peak {memory['computed']['peak_mb']:.1f} MB"
        f" computed, {memory['after_new_draws']['peak_mb']:.1f} MB after the new draws,"
        f" {memory['cached']['peak_mb']:.1f} MB as deployed",
    ]


def scaling_table(scaling: dict[str, Any]) -> list[str]:
    """Per endpoint: sequential p50 and 100-connection req/s at each data size."""
    labels = list(scaling)
    lines = [f"{'endpoint':<21}" + "".join(f"{label:>24}" for label in labels)]
    sizes = [scaling[label]["data"] for label in labels]
    lines.append(f"{'model-days':<21}" + "".join(f"{data['model_days']:>24,}" for data in sizes))
    lines.append(
        f"{'positions rows':<21}" + "".join(f"{data['rows']['positions']:>24,}" for data in sizes)
    )
    lines.append(
        f"{'database MB':<21}" + "".join(f"{data['bytes'] / 1e6:>24.1f}" for data in sizes)
    )
    lines.append(f"{'':<21}" + f"{'seq p50 ms / c100 req/s':>24}" * len(labels))
    for name in scaling[labels[0]]["endpoints"]:
        cells = []
        for label in labels:
            figures = scaling[label]["endpoints"][name]
            load = figures.get("concurrent") or {}
            cells.append(
                f"{figures['sequential']['p50_ms']:.2f} / {_fmt(load.get('requests_per_s'), 0)}"
            )
        lines.append(f"{name:<21}" + "".join(f"{cell:>24}" for cell in cells))
    return lines


def summary_lines(result: dict[str, Any]) -> list[str]:
    """Simulation throughput, memory and start-up in a few lines."""
    sim, memory = result["simulation"], result["memory"]
    consumer, llm = sim["consumer_builtin"], sim["mock_llm"]
    lines = [
        "Simulation:",
        f"  built-ins through huey_consumer: {consumer['model_days']} model-days in "
        f"{consumer['wall_seconds']:.2f} s = {consumer['model_days_per_s']:.0f} model-days/s"
        f" ({_queue_text(consumer)})",
    ]
    lines += hourly_consumer_lines(sim["consumer_hourly"])
    lines += [
        f"  bin/simulate, 3 built-ins, {run['prices']}: {run['model_days']} model-days in "
        f"{run['seconds']:.2f} s"
        for run in sim["simulate_cli"]
    ]
    runs = [llm] + [run for key, run in sim.items() if key.startswith("llm_")]
    lines += [
        f"  stub LLM {run['latency_s'] * 1000:.0f} ms/call, {run['models']} models x "
        f"{run['days']} days: {run['wall_seconds']:.2f} s against an ideal "
        f"{run['ideal_seconds']:.2f} s = {run['ratio_to_ideal']:.3f} "
        f"({run['llm_calls']} calls; consumer peak {run['consumer_peak_mb']:.1f} MB; "
        f"{_queue_text(run)})"
        for run in runs
    ]
    lines.append(_rate_limited_line(sim["rate_limited"]))
    lines += [
        f"Memory: gunicorn worker peak {memory['web_worker_peak_mb']:.1f} MB (bundled prices), "
        f"{memory['web_worker_peak_mb_synthetic_prices']:.1f} MB (synthetic); consumer peak "
        f"{memory['consumer_builtin_peak_mb']:.1f} MB (built-ins), "
        f"{memory['consumer_llm_peak_mb']:.1f} MB (LLM)",
        f"Start-up: {result['startup_seconds']:.2f} s from process start to the first /health",
    ]
    sustained = memory.get("sustained")
    if sustained:
        lines.append(
            f"{sustained['rounds']} more rounds of load ({sustained['requests']} requests): worker "
            f"RSS {sustained['rss_before_mb']:.1f} MB, then "
            + ", ".join(f"{value:.1f}" for value in sustained["rss_after_each_round_mb"])
            + " MB"
        )
    return lines


def hourly_consumer_lines(section: dict[str, Any]) -> list[str]:
    """The hourly data set's consumer runs: each market's median rate and its runs."""
    return [
        f"  hourly data set through huey_consumer, {market}: {figures['model_steps']} model-steps,"
        f" median {figures['model_steps_per_s']:.0f} model-steps/s of "
        + ", ".join(f"{run['model_days_per_s']:.0f}" for run in figures["runs"])
        + f" ({_queue_text(figures['runs'][0])})"
        for market, figures in section.items()
        if isinstance(figures, dict)
    ] + [f"  hourly over daily model-steps/s: {section['ratio_to_daily']:.2f}"]


def _rate_limited_line(run: dict[str, Any]) -> str:
    per_minute = run["requests_per_minute"]
    limits = f"max_concurrency {run['max_concurrency']}" + (
        f", requests_per_minute {per_minute}" if per_minute else ""
    )
    return (
        f"  rate-limited, {run['models']} models of one group x {run['days']} days on "
        f"{run['consumers']} consumers ({limits}; stub {run['latency_s'] * 1000:.0f} ms/call): "
        f"{run['llm_calls']} requests served, {run['refused']} refused, peak "
        f"{run['peak_running']} at once, {run['wall_seconds']:.2f} s against a bound of "
        f"{run['lower_bound_seconds']:.2f} s = {run['ratio_to_bound']:.3f} (model-days per "
        f"consumer {run['model_days_per_consumer']})"
    )


def _queue_text(run: dict[str, Any]) -> str:
    return (
        f"consumer idle {run['consumer_idle_before_trigger_s']:.0f} s before the trigger, "
        f"first pickup {run['first_pickup_s']:.3f} s, mean model-day "
        f"{run['mean_model_day_s']:.3f} s, mean wait between days "
        f"{run['mean_gap_between_days_s']:.3f} s"
    )
