"""The dashboard's pages: a market's leaderboard with equity curves and the current job, each
model-day's trades, holdings and conversation, and the key prompt; rendered on the server."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, redirect, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from service.market.calendar import day_of, is_day
from service.market.catalog import DEFAULT_MARKET
from service.market.rules import MarketRules
from service.models_config import ModelsConfigError, ModelSpec
from service.portfolio.positions import stored_models, timeline_market
from service.resources.auth import presented_key
from service.resources.context import get_db, market, markets, models_config, settings
from service.resources.dashboard.access import BLUEPRINT
from service.resources.dashboard.amounts import rules_summary
from service.resources.dashboard.chart import (
    BENCHMARK_STYLE,
    COMPACT_WIDTH,
    WIDTH,
    Style,
    drawdown_chart,
    equity_chart,
)
from service.resources.dashboard.conversation import MONEY_DECIMALS
from service.resources.dashboard.model_day import model_day
from service.resources.dashboard.model_runs import model_runs
from service.resources.dashboard.model_statistics import INTERVAL_FIGURES, timeline_statistics
from service.resources.dashboard.page import (
    bar_period,
    bar_place,
    bar_times,
    gather,
    market_tabs,
    palette_order,
    parse_date,
    return_heading,
)
from service.resources.dashboard.rendering import (
    dashboard_url,
    html_page,
    leaderboard_json,
    message_page,
)
from service.resources.dashboard.runs import Chartable, run_styles
from service.resources.dashboard.statistics import page_options
from service.results.aggregate import runs_of

blp = Blueprint(BLUEPRINT, __name__, template_folder="templates")
LATEST = "The latest leaderboard"


def _config_models() -> dict[str, ModelSpec]:
    """The configured models by signature; with a broken config none (the page still shows
    the stored results, by signature)."""
    try:
        return models_config().by_signature()
    except ModelsConfigError:
        return {}


def _date_argument(rules: MarketRules) -> str | None:
    """?date as a day, or on an intraday market a day or a bar (with ?bar, the form's bar
    picker: that bar of the day); None when absent; ValueError saying what is expected."""
    text = request.args.get("date")
    return parse_date(text, rules.intraday, request.args.get("bar")) if text else None


def _market_argument() -> str:
    """?market (default nasdaq100); ValueError naming the known ones."""
    name = request.args.get("market") or DEFAULT_MARKET
    if name not in markets():
        raise ValueError(f"Unknown market {name!r}: the markets are {', '.join(markets().names)}")
    return name


def _market_links() -> list[tuple[str, str]]:
    """A link to each market's leaderboard."""
    return [(f"The {rules.label} leaderboard", dashboard_url(rules.name)) for rules in _rules()]


def _rules() -> list[MarketRules]:
    """The rules of every market the app serves, in the catalog's order."""
    return [source.rules for source in markets()]


def _job_markets(job: dict[str, Any] | None, specs: dict[str, ModelSpec]) -> list[MarketRules]:
    """The markets of the job's models as the models config has them, in the catalog's order."""
    named = {specs[model].market for model in (job or {}).get("models", []) if model in specs}
    return [rules for rules in _rules() if rules.name in named]


@blp.get("/")
@blp.get("/dashboard")
def dashboard() -> ResponseReturnValue:
    """The dashboard of a market (?market=, default nasdaq100); ?date=YYYY-MM-DD shows its
    leaderboard of that day (on an intraday market the day's last bar, or a bar: ?date=
    YYYY-MM-DD HH:MM, or ?date=YYYY-MM-DD&bar=HH:MM)."""
    try:
        name = _market_argument()
    except ValueError as error:
        return message_page(400, "Bad request", str(error), _market_links())
    source = market(name)
    rules = source.rules
    try:
        day = _date_argument(rules)
    except ValueError as error:
        return message_page(400, "Bad request", str(error), [(LATEST, dashboard_url(name))])
    conn = get_db()
    prices = source.prices()
    data = gather(conn, prices, rules, day, page_options(settings().risk_free_rate))
    palette = run_styles(data.palette_order)
    curves = data.chart_curves
    label = f"{rules.benchmark} (benchmark)"
    specs = _config_models()
    job_markets = [rules.label for rules in _job_markets(data.job, specs)]

    def chart(width: int) -> str | None:
        return equity_chart(
            curves.curves,
            data.benchmark_series,
            label,
            width,
            palette,
            currency=rules.currency,
            benchmark_steps=data.benchmark_steps,
            labels=curves.labels,
        )

    return html_page(
        "dashboard.html",
        200,
        data=data,
        chart=chart(WIDTH),
        compact_chart=chart(COMPACT_WIDTH),
        curves=curves,
        rules=rules,
        rules_text=rules_summary(rules),
        currency=rules.currency,
        period=_period(rules),
        bar=_bar_names(data.day, rules, prices.trading_days),
        times=bar_times(prices.trading_days) if rules.intraday else [],
        return_heading=return_heading(rules),
        tabs=market_tabs(conn, _rules(), name),
        job_markets=job_markets,
        # A job whose markets the config no longer tells is taken to be on this one.
        job_here=not job_markets or rules.label in job_markets,
        styles=palette,
        benchmark_style=BENCHMARK_STYLE,
        names={signature: spec.name for signature, spec in specs.items()},
        api_key_required=bool(settings().api_key),
        leaderboard_json=leaderboard_json(name),
    )


def _period(rules: MarketRules) -> str:
    """What one step of the market's timelines is called on its pages: a day, or a bar."""
    return "bar" if rules.intraday else "day"


def _bar_names(key: str | None, rules: MarketRules, keys: Sequence[str]) -> dict[str, str]:
    """How the pages name the bar shown (nothing for a day): its day, its time (the picker's),
    when it trades and its place in the day among keys."""
    if key is None or is_day(key):
        return {}
    return {
        "day": day_of(key),
        "time": key[11:],
        "period": bar_period(key, rules),
        "place": bar_place(key, keys),
    }


@blp.get("/dashboard/models/<string:signature>")
def model_page(signature: str) -> ResponseReturnValue:
    """One model's day (?date=YYYY-MM-DD, default its newest; on an intraday market a bar, or
    a day for its last bar): trades, holdings, conversation, in its market's currency and
    units."""
    conn = get_db()
    name = timeline_market(conn, signature)
    links = [(LATEST, dashboard_url(name))]
    source = market(name or DEFAULT_MARKET)
    rules = source.rules
    period = _period(rules)
    try:
        day = _date_argument(rules)
    except ValueError as error:
        return message_page(400, "Bad request", str(error), links)
    decimals = max(MONEY_DECIMALS, rules.quantity_decimals)
    found = model_day(conn, source.prices(), signature, day, decimals)
    if found is None and name is None and runs_of(conn, signature):
        # A model run only as repeats or windows has no timeline of its own: its runs' page.
        return redirect(url_for(".runs_page", base=signature, date=request.args.get("date")))
    if found is None:
        known = signature in stored_models(conn)
        if known:
            newest = url_for(".model_page", signature=signature)
            links.insert(0, (f"The newest {period} of {signature}", newest))
        missing = f"{period} on" if day and period == "bar" and is_day(day) else period
        what = (
            f"{signature} has no stored {missing} {day}" if known else f"No results for {signature}"
        )
        return message_page(404, "Not found", what + ".", links)
    spec = _config_models().get(signature)
    style = run_styles(palette_order(conn, rules.name))[signature]
    stats = timeline_statistics(
        conn, source.prices(), rules, signature, found.day, settings().risk_free_rate
    )
    drawn = Chartable({signature: stats.drawdown}, {}) if stats else None
    return html_page(
        "model_day.html",
        200,
        md=found,
        name=spec.name if spec else None,
        style=style,
        stats=stats,
        interval_figures=INTERVAL_FIGURES,
        drawdown=_drawdown_charts(drawn, {signature: style}),
        rules=rules,
        rules_text=rules_summary(rules),
        currency=rules.currency,
        period=period,
        bar=_bar_names(found.day, rules, source.prices().trading_days),
        times=bar_times(found.days),
        decimals=decimals,
        leaderboard_json=leaderboard_json(rules.name),
    )


def _drawdown_charts(drawn: Chartable | None, palette: dict[str, Style]) -> dict[str, str | None]:
    """The drawdown chart, wide and for phones (none without curves)."""
    if drawn is None:
        return {"wide": None, "compact": None}
    return {
        size: drawdown_chart(drawn.curves, width, palette, drawn.labels)
        for size, width in (("wide", WIDTH), ("compact", COMPACT_WIDTH))
    }


@blp.get("/dashboard/models/<string:base>/runs")
def runs_page(base: str) -> ResponseReturnValue:
    """A model's runs (its repeats and windows, service.run_names) ranked on a day (?date=,
    default the newest stored one): how they spread, their aggregate, each one's interval."""
    conn = get_db()
    members = runs_of(conn, base)
    name = timeline_market(conn, members[0]) if members else None
    links = [(LATEST, dashboard_url(name))]
    if name is None:
        return message_page(404, "Not found", f"No runs of {base}.", links)
    source = market(name)
    rules, prices = source.rules, source.prices()
    try:
        day = _date_argument(rules)
    except ValueError as error:
        return message_page(400, "Bad request", str(error), links)
    risk_free_rate = settings().risk_free_rate
    data = gather(conn, prices, rules, day, page_options(risk_free_rate))
    found = model_runs(conn, source, base, data, risk_free_rate)
    if found is None or data.day is None:
        return message_page(404, "Not found", f"No run of {base} on or before {day}.", links)
    palette = run_styles(data.palette_order)
    label = f"{rules.benchmark} (benchmark)"
    charts = {
        size: equity_chart(
            found.equity.curves,
            found.benchmark_series,
            label,
            width,
            palette,
            currency=rules.currency,
            labels=found.equity.labels,
        )
        for size, width in (("wide", WIDTH), ("compact", COMPACT_WIDTH))
    }
    specs = _config_models()
    return html_page(
        "runs.html",
        200,
        runs=found,
        day=data.day,
        latest_day=data.latest_day,
        equity=charts,
        drawdown=_drawdown_charts(found.drawdown, palette),
        styles=palette,
        rules=rules,
        rules_text=rules_summary(rules),
        currency=rules.currency,
        period=_period(rules),
        names={signature: spec.name for signature, spec in specs.items()},
        leaderboard_json=leaderboard_json(rules.name),
    )


@blp.errorhandler(401)
def key_prompt(error: HTTPException) -> ResponseReturnValue:
    """The dashboard's pages without a valid key (API_READ_AUTH): a form asking for it."""
    return html_page("key.html", 401, rejected=presented_key() is not None)
