"""The dashboard's key in the browser's session: a cookie its own pages accept besides headers."""

from __future__ import annotations

from urllib.parse import unquote

from flask import request

BLUEPRINT = "dashboard"
# Set by the page's script (never by the server, which never writes the key into a page): a
# session cookie, SameSite=Strict, so that following a link to the dashboard sends it again.
KEY_COOKIE = "dashboard_api_key"
PAGE_METHODS = ("GET", "HEAD")


def page_cookie_key() -> str | None:
    """The key of the dashboard's cookie when the request reads one of the dashboard's pages.

    Never for a write or the JSON API: a browser sends a cookie with every request it makes to
    the server, whoever asked for it; the pages' own script sends the key as X-API-Key.
    """
    if request.blueprint != BLUEPRINT or request.method not in PAGE_METHODS:
        return None
    value = request.cookies.get(KEY_COOKIE)
    return unquote(value) if value else None
