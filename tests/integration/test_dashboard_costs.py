"""What each model's LLM calls cost, on the dashboard: the leaderboard's tokens, cost and return
per dollar, the model-day page's day and to-date spending, and a dash where no cost is known."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.integration.conftest import payload
from tests.integration.pages import cell, element, model_rows, page, text
from tests.integration.scripted_llm import DAY_COST, PRICING, AppWith, run

pytestmark = pytest.mark.integration

START, END = "2025-10-01", "2025-10-03"  # a registration day, then two trading days
UNPRICED = ["mock-llm", "momentum-20"]  # the offline mock model and a built-in strategy
# Two calls a trading day of 1,000 prompt (400 cached) and 200 completion (50 reasoning) tokens.
TWO_DAYS_DETAIL = "4,800 tokens: 4,000 prompt (1,600 cached), 800 completion (200 reasoning)"
SPENDING_CELLS = ("tokens", "cost", "per-usd")


def with_unpriced(client: FlaskClient) -> None:
    """gpt-priced (the scripted API) and the UNPRICED models from START to END."""
    assert run(client, END).status_code == 202
    body = {"start_date": START, "end_date": END, "models": UNPRICED}
    assert client.post("/simulate/trigger", json=body).status_code == 202


def per_usd(client: FlaskClient, model: str, cost: float, day: str = END) -> str:
    """The model's return on day per USD of cost, as the pages show it."""
    board = payload(client.get("/leaderboard", query_string={"date": day}))
    [ranking] = [row for row in board["rankings"] if row["model"] == model]
    return f"{ranking['cumulative_return_pct'] / cost:+.2f}%"


@pytest.mark.parametrize(
    ("scale", "two_days", "one_day"),
    [(1, "$0.0120", "$0.0060"), (1000, "$12.00", "$6.00")],
    ids=["below-a-dollar", "dollars"],
)
def test_the_leaderboard_shows_tokens_cost_and_return_per_dollar(
    app_with: AppWith,
    scale: float,
    two_days: str,
    one_day: str,
) -> None:
    client = app_with(pricing={key: price * scale for key, price in PRICING.items()}).test_client()
    with_unpriced(client)
    row = model_rows(page(client))["gpt-priced"]

    assert cell(row, "tokens") == "4.8k"
    assert f'title="{TWO_DAYS_DETAIL}"' in row
    assert cell(row, "cost") == two_days
    assert cell(row, "per-usd") == per_usd(client, "gpt-priced", 2 * DAY_COST * scale)
    earlier = model_rows(page(client, "/?date=2025-10-02"))["gpt-priced"]
    assert cell(earlier, "tokens") == "2.4k", "the days up to the day shown, not the newest"
    assert cell(earlier, "cost") == one_day


def test_no_known_cost_is_a_dash(app_with: AppWith) -> None:
    client = app_with(pricing=None).test_client()
    with_unpriced(client)
    html = page(client)
    rows = model_rows(html)

    assert [cell(rows["gpt-priced"], name) for name in SPENDING_CELLS] == ["4.8k", "—", "—"]
    mock = [cell(rows["mock-llm"], name) for name in SPENDING_CELLS]
    assert mock[0][0].isdigit() and mock[1:] == ["—", "—"], "the mock counts tokens, pays none"
    assert [cell(rows["momentum-20"], name) for name in SPENDING_CELLS] == ["—"] * 3
    benchmark = html.split('<tr class="benchmark-row">', 1)[1].split("</tr>", 1)[0]
    assert text(benchmark).endswith("— — — —"), "trades, tokens, cost and return / $"
    shown = text(element(html, "leaderboard"))
    assert not {"None", "nan", "$0.00", "$0.0000"} & set(shown.split())


def test_the_model_day_page_shows_the_days_and_the_timelines_spending(
    app_with: AppWith,
) -> None:
    client = app_with().test_client()
    with_unpriced(client)

    def spending(model: str, day: str) -> list[str]:
        html = page(client, f"/dashboard/models/{model}?date={day}")
        ids = ("day-tokens", "day-cost", "total-tokens", "total-cost", "return-per-usd")
        return [text(element(html, spent)) for spent in ids]

    ran = ["2.4k", f"${DAY_COST:.4f}", "4.8k", f"${2 * DAY_COST:.4f}"]
    assert spending("gpt-priced", END) == [*ran, per_usd(client, "gpt-priced", 2 * DAY_COST)]
    assert spending("gpt-priced", START) == ["—"] * 5, "registering calls no LLM"
    assert spending("momentum-20", END) == ["—"] * 5
    html = page(client, f"/dashboard/models/gpt-priced?date={END}")
    assert 'title="2,400 tokens: 2,000 prompt (800 cached), 400 completion (100 reasoning)"' in html
    assert f'title="{TWO_DAYS_DETAIL}"' in html
