"""The dashboard's pages: the leaderboard with equity curves and the current job, each
model-day's trades, holdings and conversation, and the key prompt; rendered on the server."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from service.market.catalog import DEFAULT_MARKET
from service.models_config import ModelsConfigError
from service.portfolio.positions import stored_models, timeline_market
from service.resources.auth import presented_key
from service.resources.context import get_db, market, models_config, settings
from service.resources.dashboard.access import BLUEPRINT
from service.resources.dashboard.chart import BENCHMARK_STYLE, COMPACT_WIDTH, equity_chart, styles
from service.resources.dashboard.model_day import model_day
from service.resources.dashboard.page import gather, palette_order, parse_day
from service.resources.dashboard.rendering import html_page, message_page

blp = Blueprint(BLUEPRINT, __name__, template_folder="templates")
LATEST = "The latest leaderboard"


def _names() -> dict[str, str]:
    """Model names by signature; with a broken config the page still shows the signatures."""
    try:
        return {model.signature: model.name for model in models_config().models}
    except ModelsConfigError:
        return {}


def _day_argument() -> str | None:
    """?date as an ISO date, None when absent; ValueError saying what is expected."""
    return parse_day(request.args["date"]) if request.args.get("date") else None


@blp.get("/")
@blp.get("/dashboard")
def dashboard() -> ResponseReturnValue:
    """The dashboard; ?date=YYYY-MM-DD shows the leaderboard of that day."""
    try:
        day = _day_argument()
    except ValueError as error:
        return message_page(400, "Bad request", str(error), [(LATEST, url_for(".dashboard"))])
    source = market(DEFAULT_MARKET)
    rules = source.rules
    data = gather(get_db(), source.prices(), rules, day)
    palette = styles(data.palette_order)
    ranked = data.ranked_series
    label = f"{rules.benchmark} (benchmark)"
    return html_page(
        "dashboard.html",
        200,
        data=data,
        chart=equity_chart(ranked, data.benchmark_series, label, palette=palette),
        compact_chart=equity_chart(
            ranked, data.benchmark_series, label, width=COMPACT_WIDTH, palette=palette
        ),
        rules=rules,
        styles=palette,
        benchmark_style=BENCHMARK_STYLE,
        names=_names(),
        api_key_required=bool(settings().api_key),
    )


@blp.get("/dashboard/models/<string:signature>")
def model_page(signature: str) -> ResponseReturnValue:
    """One model's day (?date=YYYY-MM-DD, default its newest): trades, holdings, conversation."""
    links = [(LATEST, url_for(".dashboard"))]
    try:
        day = _day_argument()
    except ValueError as error:
        return message_page(400, "Bad request", str(error), links)
    conn = get_db()
    source = market(timeline_market(conn, signature) or DEFAULT_MARKET)
    found = model_day(conn, source.prices(), signature, day)
    if found is None:
        known = signature in stored_models(conn)
        if known:
            links.insert(
                0, (f"The newest day of {signature}", url_for(".model_page", signature=signature))
            )
        what = f"{signature} has no stored day {day}" if known else f"No results for {signature}"
        return message_page(404, "Not found", what + ".", links)
    return html_page(
        "model_day.html",
        200,
        md=found,
        name=_names().get(signature),
        style=styles(palette_order(conn))[signature],
    )


@blp.errorhandler(401)
def key_prompt(error: HTTPException) -> ResponseReturnValue:
    """The dashboard's pages without a valid key (API_READ_AUTH): a form asking for it."""
    return html_page("key.html", 401, rejected=presented_key() is not None)
