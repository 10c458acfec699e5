"""One list of statuses: the enums, the CHECK constraints and the Windmill scripts agree."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import get_args

import pytest

from service.db import SCHEMA_PATH
from service.jobs.lifecycle import FINAL_JOB_STATUSES
from service.jobs.states import JobStatus, ModelDayStatus
from service.portfolio.engine import ActionType

pytestmark = pytest.mark.unit
WINDMILL = Path(__file__).resolve().parents[2] / "windmill"


def checked_values(table: str, column: str) -> list[str]:
    """The values a CHECK (column IN (...)) of table allows in schema.sql."""
    schema = SCHEMA_PATH.read_text(encoding="utf-8")
    body = re.search(rf"CREATE TABLE IF NOT EXISTS {table} \((.*?)\n\);", schema, re.S)
    assert body, table
    allowed = re.search(rf"\b{column}\b[^,]*?CHECK \({column} IN\s*\(([^)]*)\)", body.group(1))
    assert allowed, (table, column)
    return re.findall(r"'([^']+)'", allowed.group(1))


def test_job_statuses_match_the_schema() -> None:
    assert checked_values("jobs", "status") == list(JobStatus)


def test_model_day_statuses_match_the_schema() -> None:
    assert checked_values("job_details", "status") == list(ModelDayStatus)


def test_action_types_match_the_schema() -> None:
    assert checked_values("positions", "action_type") == list(get_args(ActionType))


def test_the_windmill_wait_step_knows_the_final_statuses() -> None:
    spec = importlib.util.spec_from_file_location("wait_for_job", WINDMILL / "wait_for_job.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    assert module.FINAL == FINAL_JOB_STATUSES
