"""Log lines: plain text by default, one JSON object per line with LOG_FORMAT=json."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from service.logs import JsonFormatter, configure_logging

pytestmark = pytest.mark.unit


def record(**extra: object) -> logging.LogRecord:
    entry = logging.makeLogRecord(
        {
            "name": "tasks.model_days",
            "levelname": "INFO",
            "msg": "model-day %s",
            "args": ("completed",),
        }
    )
    entry.__dict__.update(extra)
    return entry


def test_json_lines_carry_the_message_and_the_extra_fields() -> None:
    line = JsonFormatter().format(record(model="momentum-20", date="2025-09-03", trades=2))
    entry = json.loads(line)
    assert entry["message"] == "model-day completed"
    assert entry["level"] == "INFO" and entry["logger"] == "tasks.model_days"
    assert (entry["model"], entry["date"], entry["trades"]) == ("momentum-20", "2025-09-03", 2)
    assert entry["time"].endswith("+00:00")


def test_exceptions_are_included() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        entry = record(exc_info=sys.exc_info())
    assert "ValueError: boom" in json.loads(JsonFormatter().format(entry))["exception"]


def test_configure_logging_installs_one_handler_per_logger(monkeypatch: pytest.MonkeyPatch) -> None:
    logger = logging.getLogger("tasks")
    monkeypatch.setattr(logger, "handlers", [])
    configure_logging("json")
    configure_logging("json")
    assert len(logger.handlers) == 1
    assert isinstance(logger.handlers[0].formatter, JsonFormatter)
    assert logger.level == logging.INFO
