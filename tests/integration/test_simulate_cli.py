"""bin/simulate's main(): a whole job in this process, then the leaderboard as a table."""

from __future__ import annotations

import re
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.cli.simulate import main
from service.db import connect
from service.jobs.status import job_status
from service.settings import from_environment
from tests.integration.conftest import Crashes, ModelsFile, payload

pytestmark = pytest.mark.integration

TWO_MODELS = ["--models", "qqq-buy-and-hold, momentum-20"]
FOUR_DAYS = ["--start", "2025-09-02", "--end", "2025-09-05"]
ROW = re.compile(r"^\s+(\d+)\s+(\S+)\s+([\d,]+\.\d\d)\s+(-?\d+\.\d\d)%$")


@pytest.fixture(autouse=True)
def environment(database_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """DATABASE_PATH in a temporary folder; every other setting at its default."""
    for name in ("CONFIG_PATH", "PRICE_DATA", "MAX_SIMULATION_DAYS", "API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return database_path


def job_status_of(out: str) -> dict[str, Any]:
    """The stored status of the job the command printed."""
    job_id = re.search(r"^job (\S+): ", out, re.MULTILINE)
    assert job_id, out
    settings = from_environment()
    with closing(connect(settings.database_path)) as conn:
        status = job_status(conn, job_id.group(1))
    assert status is not None
    return status


def table_rows(out: str) -> list[tuple[int, str, float, float]]:
    """(rank, model, value, return %) of each ranking line."""
    rows = []
    for line in out.splitlines():
        match = ROW.match(line)
        if match:
            rank, model, value, pct = match.groups()
            rows.append((int(rank), model, float(value.replace(",", "")), float(pct)))
    return rows


class TestRun:
    """A successful run stores the job where the service reads it and prints the ranking."""

    def test_runs_the_job_and_prints_the_leaderboard(
        self, capsys: pytest.CaptureFixture[str], client: FlaskClient
    ) -> None:
        assert main([*FOUR_DAYS, *TWO_MODELS]) == 0

        out = capsys.readouterr().out
        job_id = re.search(r"^job (\S+): completed$", out, re.MULTILINE)
        assert job_id, out
        assert "Leaderboard on 2025-09-05" in out
        # QQQ closes 565.62 (09-02) and 576.06 (09-05): +1.85 %.
        assert re.search(r"QQQ benchmark \(from 2025-09-02\)\s+1\.85%", out)
        board = payload(client.get("/leaderboard"))
        expected = [
            (row["rank"], row["model"], row["portfolio_value"]) for row in board["rankings"]
        ]
        assert [row[:3] for row in table_rows(out)] == expected
        results = payload(client.get("/results", query_string={"job_id": job_id.group(1)}))
        assert len(results) == 8

    def test_progress_shows_tokens_cost_and_eta_and_a_budget_skips_days(
        self,
        capsys: pytest.CaptureFixture[str],
        models_file: ModelsFile,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        models_file.update_model("mock-llm", pricing={"input": 1000.0, "output": 1000.0})
        monkeypatch.setenv("CONFIG_PATH", str(models_file.path))

        code = main([*FOUR_DAYS, "--models", "mock-llm", "--max-cost-usd", "0.5"])

        captured = capsys.readouterr()
        lines = captured.err.splitlines()
        assert re.search(r"ETA \d+s [\d,]+ tokens \$\d+\.\d{4}$", lines[-1]), lines
        assert code == 0 and "job " in captured.out
        status = job_status_of(captured.out)
        reasons = [d["reason"] for d in status["details"] if d["status"] == "skipped"]
        assert reasons == ["budget reached"] * 2, "a mock day costs more than 0.5 USD here"

    def test_all_enabled_models_by_default(
        self, capsys: pytest.CaptureFixture[str], enabled_models: list[str]
    ) -> None:
        assert main(["--start", "2025-09-02", "--end", "2025-09-03"]) == 0

        ranked = {model for _, model, _, _ in table_rows(capsys.readouterr().out)}
        assert ranked == set(enabled_models)

    def test_partial_job_prints_the_table_and_fails(
        self, capsys: pytest.CaptureFixture[str], crashes: Crashes
    ) -> None:
        crashes.on("momentum-20", "2025-09-04")

        assert main([*FOUR_DAYS, *TWO_MODELS]) == 1

        out = capsys.readouterr().out
        assert re.search(r"^job \S+: partial$", out, re.MULTILINE)
        assert [model for _, model, _, _ in table_rows(out)] == ["qqq-buy-and-hold", "momentum-20"]


class TestRefused:
    """Bad arguments exit 2 (argparse); requests the service refuses return 1 with one line."""

    @pytest.mark.parametrize(
        "argv",
        [
            [],
            ["--start", "2025-09-02"],
            ["--end", "2025-9-x"],
            ["--end", "2025-02-30"],
            ["--start", "tomorrow", "--end", "2025-09-05"],
            ["--end", "2025-09-05", "--bogus"],
        ],
    )
    def test_bad_arguments_exit_2(
        self, capsys: pytest.CaptureFixture[str], argv: list[str]
    ) -> None:
        with pytest.raises(SystemExit) as exit_info:
            main(argv)

        assert exit_info.value.code == 2
        assert "usage: bin/simulate" in capsys.readouterr().err

    def test_help_exits_0(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as exit_info:
            main(["--help"])

        assert exit_info.value.code == 0
        assert "DATABASE_PATH" in capsys.readouterr().out

    @pytest.mark.parametrize(
        ("argv", "reason"),
        [
            ([*FOUR_DAYS, "--models", "nope"], "unknown model 'nope'"),
            ([*FOUR_DAYS, "--models", "random-1"], "'random-1' is disabled"),
            (["--start", "2025-09-05", "--end", "2025-09-02"], "is after end_date"),
            (["--start", "2025-01-02", "--end", "2025-09-02"], "2025-06-10..2025-10-29"),
        ],
    )
    def test_refused_request_returns_1_with_one_line(
        self, capsys: pytest.CaptureFixture[str], client: FlaskClient, argv: list[str], reason: str
    ) -> None:
        assert main(argv) == 1

        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.count("\n") == 1 and captured.err.startswith("simulate: ")
        assert reason in captured.err
        assert client.get("/simulate/current").status_code == 404

    def test_nothing_left_to_do_the_second_time(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main([*FOUR_DAYS, *TWO_MODELS]) == 0
        capsys.readouterr()

        assert main([*FOUR_DAYS, *TWO_MODELS]) == 1

        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "nothing left to do" in err
        assert "use --replace" in err and "replace_existing" not in err

    def test_hints_name_the_options(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main([*FOUR_DAYS, *TWO_MODELS]) == 0
        capsys.readouterr()

        assert main(["--start", "2025-08-29", "--end", "2025-09-05", *TWO_MODELS]) == 1
        assert "(use --replace or another signature)" in capsys.readouterr().err
        assert main(["--start", "2025-09-10", "--end", "2025-09-12", *TWO_MODELS]) == 1
        assert "omit --start to resume it" in capsys.readouterr().err
        assert main([*FOUR_DAYS, *TWO_MODELS, "--replace"]) == 0
