"""A user's session through the client that openapi-python-client generates from the service.

Run by tests/e2e/test_generated_client.py with the interpreter of a venv the client is
installed in (this file imports nothing of the repository):

    python client_walkthrough.py run BASE_URL API_KEY
        trigger -> status until done -> every results page -> leaderboard -> metrics ->
        timeseries -> replay -> repeats over windows and their statistics -> jobs; prints
        the job's id
    python client_walkthrough.py pull BASE_URL API_KEY SIGNATURE AGENT_TOKEN
        a job of a pull agent, whose steps the walk-through takes, reads, orders and closes
    python client_walkthrough.py cancel BASE_URL API_KEY JOB_ID   (with no worker running)
        trigger -> status -> cancel -> delete that job, then delete JOB_ID

Every answer is checked as the parsed object the client returns (an assert fails otherwise).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from ai_trader_service_client import AuthenticatedClient, Client
from ai_trader_service_client.api.agents import (
    get_agents_signature_sessions_next,
    post_agents_sessions_session_id_close,
    post_agents_sessions_session_id_orders,
    post_agents_sessions_session_id_tools_get_price_local,
)
from ai_trader_service_client.api.jobs import delete_jobs_job_id, get_jobs
from ai_trader_service_client.api.leaderboard import get_leaderboard
from ai_trader_service_client.api.metrics import get_metrics
from ai_trader_service_client.api.portfolio import get_portfolio_timeseries
from ai_trader_service_client.api.results import get_results
from ai_trader_service_client.api.simulate import (
    get_simulate_status_job_id,
    post_simulate_job_id_cancel,
    post_simulate_job_id_replay,
    post_simulate_trigger,
)
from ai_trader_service_client.models import (
    Benchmark,
    CancelResponse,
    Close,
    Closed,
    DeflatedSharpe,
    Error,
    GetLeaderboardWith,
    GetMetricsWith,
    Group,
    Handout,
    Job,
    JobDetail,
    JobStatus,
    Leaderboard,
    Metrics,
    MetricsGroup,
    ModelDayStatus,
    OrderInput,
    OrderInputAction,
    Orders,
    Placed,
    PriceArguments,
    Replay,
    Result,
    Timeseries,
    Trigger,
    TriggerResponse,
    TriggerWindowsType0Item,
    Uncertainty,
)

MODELS = ["momentum-20", "qqq-buy-and-hold"]
# Days (or, on hourly markets, bar keys such as "2025-10-01 10:00:00") travel as text.
START, END = "2025-09-02", "2025-09-12"
PAGE_SIZE = 4
FINAL = {JobStatus.COMPLETED, JobStatus.PARTIAL, JobStatus.FAILED, JobStatus.CANCELLED}


def trigger(client: AuthenticatedClient, models: list[str]) -> TriggerResponse:
    """Start a job over START..END; the parsed 202 answer."""
    body = Trigger(start_date=START, end_date=END, models=models)
    created = post_simulate_trigger.sync(client=client, body=body)
    assert isinstance(created, TriggerResponse), created
    assert created.status in (JobStatus.PENDING, JobStatus.RUNNING)
    assert created.models == models and created.progress.total == len(created.details) > 0
    return created


def wait(client: AuthenticatedClient, job_id: str) -> JobDetail:
    """The job's status once it has ended."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = get_simulate_status_job_id.sync(job_id, client=client)
        assert isinstance(status, JobDetail), status
        if status.status in FINAL:
            return status
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not end")


def errors_are_parsed(client: AuthenticatedClient, base: str, job_id: str) -> None:
    """400, 401 and 409 answers come back as Error objects with a message."""
    backwards = Trigger(start_date=END, end_date=START, models=MODELS)
    refused = post_simulate_trigger.sync(client=client, body=backwards)
    assert isinstance(refused, Error) and refused.code == 400, refused
    assert START in refused.message and END in refused.message
    anonymous = get_jobs.sync(client=Client(base_url=base))
    assert isinstance(anonymous, Error) and anonymous.code == 401 and "API key" in anonymous.message
    ended = post_simulate_job_id_cancel.sync(job_id, client=client)
    assert isinstance(ended, Error) and ended.code == 409 and job_id in ended.message


def every_result(client: AuthenticatedClient, job_id: str) -> list[Result]:
    """The job's results, page by page as X-Pagination says."""
    rows: list[Result] = []
    page: int | None = 1
    while page is not None:
        answer = get_results.sync_detailed(
            client=client, job_id=job_id, page=page, page_size=PAGE_SIZE
        )
        assert answer.status_code == 200 and isinstance(answer.parsed, list), answer.content
        rows.extend(answer.parsed)
        position = json.loads(answer.headers["X-Pagination"])
        assert position["page"] == page and len(answer.parsed) <= PAGE_SIZE
        page = position.get("next_page")
    assert len(rows) == position["total"] and position["total_pages"] > 1
    return rows


def check_results(rows: list[Result], status: JobDetail) -> None:
    """One row per completed model-day, by date then model."""
    assert all(isinstance(row, Result) and row.job_id == status.job_id for row in rows)
    assert len(rows) == status.progress.completed
    keys = [(row.date, row.model) for row in rows]
    assert keys == sorted(set(keys)) and {row.model for row in rows} == set(MODELS)
    assert all(row.portfolio_value > 0 and isinstance(row.holdings.to_dict(), dict) for row in rows)


def check_analytics(client: AuthenticatedClient, rows: list[Result]) -> None:
    """The leaderboard, the metrics and the timeseries agree with the results."""
    board = get_leaderboard.sync(client=client)
    assert isinstance(board, Leaderboard) and isinstance(board.benchmark, Benchmark), board
    assert board.benchmark.symbol == "QQQ" and board.date == max(row.date for row in rows)
    assert sorted(ranking.model for ranking in board.rankings) == sorted(MODELS)
    assert [ranking.rank for ranking in board.rankings] == list(range(1, len(MODELS) + 1))
    for model in MODELS:
        days = [row for row in rows if row.model == model]
        metrics = get_metrics.sync(client=client, model=model)
        assert isinstance(metrics, Metrics) and metrics.model == model, metrics
        assert metrics.trading_days == len(days)
        series = get_portfolio_timeseries.sync(client=client, model=model)
        assert isinstance(series, Timeseries) and series.model == model, series
        assert [point.date for point in series.series] == [row.date for row in days]
        assert series.series[-1].portfolio_value == days[-1].portfolio_value
    every = get_metrics.sync(client=client)
    assert isinstance(every, list) and all(isinstance(item, Metrics) for item in every)


def check_replay(client: AuthenticatedClient, job_id: str) -> None:
    """The job replayed from its recording: the same models as `:replay`, the same values."""
    created = post_simulate_job_id_replay.sync(job_id, client=client, body=Replay())
    assert isinstance(created, TriggerResponse), created
    assert created.replay_of == job_id and created.models == [f"{m}:replay" for m in MODELS]
    replayed = wait(client, created.job_id)
    assert replayed.status is JobStatus.COMPLETED, replayed
    board = get_leaderboard.sync(client=client)
    assert isinstance(board, Leaderboard), board
    values = {ranking.model: ranking.portfolio_value for ranking in board.rankings}
    assert all(values[f"{model}:replay"] == values[model] for model in MODELS), values


def check_statistics(client: AuthenticatedClient) -> None:
    """Repeats over two windows, their groups and the uncertainty of one run."""
    windows = [
        TriggerWindowsType0Item(start_date=START, end_date="2025-09-08"),
        TriggerWindowsType0Item(start_date="2025-09-09", end_date=END),
    ]
    body = Trigger(start_date=START, end_date=END, models=["mock-llm"], repeats=2, windows=windows)
    created = post_simulate_trigger.sync(client=client, body=body)
    assert isinstance(created, TriggerResponse), created
    runs = ["mock-llm:w2025-09-02:r1", "mock-llm:w2025-09-02:r2"]
    runs += ["mock-llm:w2025-09-09:r1", "mock-llm:w2025-09-09:r2"]
    assert created.models == runs
    assert wait(client, created.job_id).status is JobStatus.COMPLETED
    board = get_leaderboard.sync(
        client=client, aggregate=True, with_=GetLeaderboardWith.UNCERTAINTY
    )
    assert isinstance(board, Leaderboard) and isinstance(board.deflated_sharpe, DeflatedSharpe)
    groups = {group.model: group for group in board.groups}
    assert all(isinstance(group, Group) for group in groups.values())
    assert groups["mock-llm"].runs == 4 and groups["mock-llm"].signatures == runs
    assert "mock-llm beat QQQ in" in groups["mock-llm"].summary
    assert board.deflated_sharpe.trials <= len(board.rankings)
    metrics = get_metrics.sync(client=client, model=runs[0], with_=GetMetricsWith.UNCERTAINTY)
    assert isinstance(metrics, Metrics) and isinstance(metrics.uncertainty, Uncertainty), metrics
    assert metrics.uncertainty.total_return_pct is None  # 4 returns: too few for an interval
    assert "at least 10" in metrics.uncertainty.reasons.to_dict()["total_return_pct"]
    grouped = get_metrics.sync(client=client, model="mock-llm", aggregate=True)
    assert isinstance(grouped, list) and len(grouped) == 1, grouped
    assert isinstance(grouped[0], MetricsGroup) and grouped[0].runs == 4, grouped


def walk(base: str, key: str) -> None:
    """Trigger, follow, read everything; print the job id."""
    client = AuthenticatedClient(base_url=base, token=key, raise_on_unexpected_status=True)
    status = wait(client, trigger(client, MODELS).job_id)
    assert status.status is JobStatus.COMPLETED, status
    assert all(day.status is ModelDayStatus.COMPLETED for day in status.details)
    assert status.progress.completed == status.progress.total
    errors_are_parsed(client, base, status.job_id)
    rows = every_result(client, status.job_id)
    check_results(rows, status)
    check_analytics(client, rows)
    check_replay(client, status.job_id)
    check_statistics(client)
    done = get_jobs.sync(client=client, status=JobStatus.COMPLETED)
    assert isinstance(done, list) and all(isinstance(job, Job) for job in done), done
    assert [job.status for job in done if job.job_id == status.job_id] == [JobStatus.COMPLETED]
    print(status.job_id)


def cancel_and_delete(base: str, key: str, first_job: str) -> None:
    """A job no worker runs: pending, cancelled, deleted; then the first job deleted too."""
    client = AuthenticatedClient(base_url=base, token=key, raise_on_unexpected_status=True)
    created = trigger(client, ["equal-weight-10"])
    status = get_simulate_status_job_id.sync(created.job_id, client=client)
    assert isinstance(status, JobDetail) and status.status is JobStatus.PENDING, status
    assert {day.status for day in status.details} == {ModelDayStatus.PENDING}
    cancelled = post_simulate_job_id_cancel.sync(created.job_id, client=client)
    assert isinstance(cancelled, CancelResponse), cancelled
    assert cancelled.status is JobStatus.CANCELLED
    assert cancelled.cancelled_model_days == created.progress.total
    for job_id in (created.job_id, first_job):
        assert delete_jobs_job_id.sync_detailed(job_id, client=client).status_code == 204
        gone = get_simulate_status_job_id.sync(job_id, client=client)
        assert isinstance(gone, Error) and gone.code == 404 and job_id in gone.message


def take(agent: AuthenticatedClient, signature: str) -> Handout:
    """Poll for the pull agent's next session, as an agent does."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answer = get_agents_signature_sessions_next.sync_detailed(signature, client=agent)
        if answer.status_code == 200:
            assert isinstance(answer.parsed, Handout), answer
            return answer.parsed
        assert answer.status_code == 204, answer
        time.sleep(0.1)
    raise AssertionError("no session was handed out")


def pull(base: str, key: str, signature: str, token: str) -> None:
    """Trigger a pull agent over two steps; take each, read, order (one batch refused) and
    close through the client; the job completes with the orders stored."""
    client = AuthenticatedClient(base_url=base, token=key, raise_on_unexpected_status=False)
    body = Trigger(start_date=START, end_date="2025-09-04", models=[signature])
    created = post_simulate_trigger.sync(client=client, body=body)
    assert isinstance(created, TriggerResponse), created
    agent = AuthenticatedClient(base_url=base, token=token)
    for _ in range(2):
        handout = take(agent, signature)
        assert handout.observation is not None and handout.token and handout.session_id
        session = AuthenticatedClient(base_url=base, token=handout.token)
        sid = handout.session_id
        price = post_agents_sessions_session_id_tools_get_price_local.sync(
            sid, client=session, body=PriceArguments(symbol="AAPL")
        )
        assert not isinstance(price, Error) and price is not None, price
        huge = Orders(orders=[OrderInput(action=OrderInputAction.BUY, symbol="AAPL", amount=1e15)])
        refused = post_agents_sessions_session_id_orders.sync(sid, client=session, body=huge)
        assert isinstance(refused, Error) and refused.code == 400, refused
        one = Orders(orders=[OrderInput(action=OrderInputAction.BUY, symbol="AAPL", amount=1)])
        placed = post_agents_sessions_session_id_orders.sync(sid, client=session, body=one)
        assert isinstance(placed, Placed), placed
        closed = post_agents_sessions_session_id_close.sync(
            sid, client=session, body=Close(reasoning="hi")
        )
        assert isinstance(closed, Closed) and closed.orders == 1, closed
        gone = post_agents_sessions_session_id_close.sync(sid, client=session, body=Close())
        assert isinstance(gone, Error) and gone.code == 409, gone
    status = wait(client, created.job_id)
    assert status.status is JobStatus.COMPLETED, status


def main(argv: list[str]) -> Any:
    """Run one step of the walk-through."""
    step, base, key, *rest = argv
    if step == "run":
        return walk(base, key)
    if step == "pull":
        return pull(base, key, *rest)
    return cancel_and_delete(base, key, *rest)


if __name__ == "__main__":
    main(sys.argv[1:])
