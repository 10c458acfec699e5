"""With API_READ_AUTH the dashboard asks for the key, and its cookie opens its pages only."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from service.resources.dashboard.access import KEY_COOKIE
from tests.integration.conftest import AppFactory
from tests.integration.pages import model_rows, page

pytestmark = pytest.mark.integration

KEY = "s3cret key/+="
PAGES = ["/", "/dashboard", "/dashboard?date=2025-09-24", "/dashboard/models/momentum-20"]


@pytest.fixture
def locked(make_app: AppFactory) -> FlaskClient:
    """A client of an app whose reads need the key, after a short job."""
    client = make_app(api_key=KEY, api_read_auth=True).test_client()
    body = {"models": ["momentum-20"], "start_date": "2025-09-22", "end_date": "2025-09-26"}
    response = client.post("/simulate/trigger", json=body, headers={"X-API-Key": KEY})
    assert response.status_code == 202, response.json
    return client


def with_cookie(client: FlaskClient, value: str) -> FlaskClient:
    """The client with the dashboard's key cookie set as the page's script sets it."""
    client.set_cookie(KEY_COOKIE, quote(value, safe=""))  # encodeURIComponent
    return client


@pytest.mark.parametrize("path", PAGES)
def test_without_a_key_each_page_asks_for_it(locked: FlaskClient, path: str) -> None:
    html = page(locked, path, 401)
    assert 'id="key-form"' in html and 'type="password"' in html
    assert 'data-rejected="false"' in html and "not accepted" not in html
    assert KEY not in html and 'id="leaderboard"' not in html


def test_the_key_field_is_never_sent_by_the_form_itself(locked: FlaskClient) -> None:
    html = page(locked, "/", 401)
    form = html[html.index('<form class="key-form"') : html.index("</form>")]
    # No name and no action: without the script the key goes nowhere, least of all a URL.
    assert "name=" not in form and "action=" not in form


@pytest.mark.parametrize("path", PAGES)
def test_the_cookie_opens_the_pages(locked: FlaskClient, path: str) -> None:
    html = page(with_cookie(locked, KEY), path)
    assert KEY not in html
    if path == "/":
        assert list(model_rows(html)) == ["momentum-20"]


def test_a_wrong_cookie_says_so(locked: FlaskClient) -> None:
    html = page(with_cookie(locked, "old key"), "/", 401)
    assert 'data-rejected="true"' in html and "That key was not accepted" in html


def test_headers_open_the_pages_too(locked: FlaskClient) -> None:
    assert locked.get("/", headers={"X-API-Key": KEY}).status_code == 200
    assert locked.get("/", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


@pytest.mark.parametrize("path", ["/leaderboard", "/simulate/current", "/results", "/models"])
def test_the_cookie_is_not_a_key_for_the_json_api(locked: FlaskClient, path: str) -> None:
    response = with_cookie(locked, KEY).get(path)
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    assert locked.get(path, headers={"X-API-Key": KEY}).status_code == 200


def test_the_cookie_is_not_a_key_for_writes(locked: FlaskClient) -> None:
    body = {"models": ["qqq-buy-and-hold"], "start_date": "2025-09-22", "end_date": "2025-09-23"}
    response = with_cookie(locked, KEY).post("/simulate/trigger", json=body)
    assert response.status_code == 401 and response.mimetype == "application/json"


def test_without_read_auth_the_pages_need_no_key(make_app: AppFactory) -> None:
    client = make_app(api_key=KEY).test_client()
    html = page(client, "/")
    assert "No results yet" in html and 'id="key-form"' not in html
