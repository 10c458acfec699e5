"""How the dashboard's pages are sent: a fresh nonce per page and a policy that allows no more."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape

from service.jobs.lifecycle import ACTIVE_JOB_STATUSES
from service.market.catalog import DEFAULT_MARKET
from service.resources.dashboard.access import BLUEPRINT, KEY_COOKIE
from service.resources.dashboard.amounts import (
    format_money,
    format_price,
    format_quantity,
    lots_text,
)
from service.resources.dashboard.page import (
    format_duration,
    format_tokens,
    format_usd,
    token_detail,
    total_tokens,
)
from service.resources.dashboard.runs import run_description, runs_kind
from service.resources.dashboard.statistics import (
    PAGE_RESAMPLES,
    comparison_sentence,
    deflated_sentence,
    error_bar,
    interval_of,
    interval_text,
    p_text,
    percent,
    reason_of,
    verdict_class,
    verdict_sentence,
    verdict_short,
    verdict_words,
)

# Everything a page loads comes from this server: inline code carries the nonce, and the
# polling goes to the same origin. A browser refuses anything else.
POLICY = (
    "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
    "connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def dashboard_url(market: str | None = None, **query: Any) -> str:
    """The dashboard of market with query (?date): the default market's needs no ?market."""
    if market and market != DEFAULT_MARKET:
        query["market"] = market
    return url_for(f"{BLUEPRINT}.dashboard", **query)


def breakable(name: str) -> Markup:
    """A signature that a narrow column may wrap after its underscores too (as at its
    hyphens): 'nasdaq100_hourly-…' would otherwise push its swatch onto a line of its own;
    and a run's before its colons ('momentum-20' / ':w2025-09-04')."""
    wrapped = Markup("_<wbr>").join(escape(part) for part in name.split("_"))
    return Markup("<wbr>:").join(wrapped.split(":"))


def leaderboard_json(market: str) -> str:
    """The URL of the market's leaderboard in JSON."""
    query = f"?market={market}" if market != DEFAULT_MARKET else ""
    return f"{request.script_root}/leaderboard{query}"


def uncertainty_json(market: str, day: str | None) -> str:
    """The URL of the market's leaderboard on day in JSON as the pages compute it: with the
    uncertainty of the pages' bootstrap and the runs aggregated."""
    query = {"with": "uncertainty", "resamples": PAGE_RESAMPLES, "aggregate": "true"}
    if day:
        query["date"] = day
    separator = "&" if "?" in leaderboard_json(market) else "?"
    return f"{leaderboard_json(market)}{separator}{urlencode(query)}"


def html_page(template: str, status: int, **context: Any) -> ResponseReturnValue:
    """template rendered with a new nonce, sent with the policy and never cached."""
    nonce = secrets.token_urlsafe(16)
    html = render_template(
        template,
        nonce=nonce,
        root=request.script_root,
        duration=format_duration,
        usd=format_usd,
        token_count=format_tokens,
        total_tokens=total_tokens,
        token_detail=token_detail,
        format_money=format_money,
        format_price=format_price,
        format_quantity=format_quantity,
        lots_text=lots_text,
        error_bar=error_bar,
        interval_of=interval_of,
        interval_text=interval_text,
        percent=percent,
        reason_of=reason_of,
        p_text=p_text,
        verdict_words=verdict_words,
        verdict_class=verdict_class,
        verdict_sentence=verdict_sentence,
        verdict_short=verdict_short,
        deflated_sentence=deflated_sentence,
        comparison_sentence=comparison_sentence,
        run_description=run_description,
        runs_kind=runs_kind,
        resamples=PAGE_RESAMPLES,
        dashboard_url=dashboard_url,
        uncertainty_json=uncertainty_json,
        breakable=breakable,
        default_market=DEFAULT_MARKET,
        key_cookie=KEY_COOKIE,
        active_statuses=ACTIVE_JOB_STATUSES,
        **context,
    )
    headers = {"Content-Security-Policy": POLICY.format(nonce=nonce), "Cache-Control": "no-store"}
    return html, status, headers


def message_page(
    status: int, title: str, message: str, links: list[tuple[str, str]]
) -> ResponseReturnValue:
    """A page saying what went wrong (a bad date, an unknown model or day), with ways on:
    (label, URL) pairs."""
    return html_page("message.html", status, title=title, message=message, links=links)
