"""The dashboard page: leaderboard, equity curves and the current job, rendered on the server."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from service.dashboard.chart import BENCHMARK_STYLE, COMPACT_WIDTH, equity_chart, styles
from service.dashboard.page import format_duration, gather, parse_day
from service.models_config import ModelsConfigError
from service.resources.context import get_db, models_config, prices, settings

blp = Blueprint("dashboard", __name__, template_folder="templates")
# Everything the page loads comes from this server: inline code carries the nonce, and the
# polling goes to the same origin. A browser refuses anything else.
POLICY = (
    "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
    "connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def _render(status: int, **context: Any) -> ResponseReturnValue:
    nonce = secrets.token_urlsafe(16)
    html = render_template(
        "dashboard.html", nonce=nonce, root=request.script_root, duration=format_duration, **context
    )
    headers = {"Content-Security-Policy": POLICY.format(nonce=nonce), "Cache-Control": "no-store"}
    return html, status, headers


def _names() -> dict[str, str]:
    """Model names by signature; with a broken config the page still shows the signatures."""
    try:
        return {model.signature: model.name for model in models_config().models}
    except ModelsConfigError:
        return {}


@blp.get("/")
@blp.get("/dashboard")
def dashboard() -> ResponseReturnValue:
    """The dashboard; ?date=YYYY-MM-DD shows the leaderboard of that day."""
    try:
        day = parse_day(request.args["date"]) if request.args.get("date") else None
    except ValueError as error:
        return _render(400, error=str(error))
    data = gather(get_db(), prices(), day)
    chart = equity_chart(data.series, data.benchmark_series)
    compact = equity_chart(data.series, data.benchmark_series, width=COMPACT_WIDTH)
    return _render(
        200,
        data=data,
        chart=chart,
        compact_chart=compact,
        styles=styles(list(data.series)),
        benchmark_style=BENCHMARK_STYLE,
        names=_names(),
        api_key_required=bool(settings().api_key),
    )
