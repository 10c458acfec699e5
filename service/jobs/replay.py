"""Replaying a job: its models again, answered from its recorded LLM responses, no network.

Each replayed model runs as a timeline of its own, `<signature>:replay`, with the model, agent
config and market rules the recorded job ran with, so that the requests are the recorded ones;
the first request that is not fails its model-day with `replay diverged at step N`.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from typing import Any

from service.jobs.planning import JobRequestError
from service.jobs.recordings import REPLAY_SUFFIX
from service.models_config import AgentConfig, ModelsConfig, is_valid_signature, snapshot_run
from service.portfolio.positions import registration_day

SOURCE_SQL = """
SELECT kind, models, config, (SELECT MIN(date) FROM job_details AS d WHERE d.job_id = jobs.job_id)
FROM jobs WHERE job_id = ?"""


@dataclass(frozen=True)
class Replay:
    """The models of a replay job and what each replays."""

    job_id: str
    first_day: str  # where the recorded job began: a replay without start_date begins there
    config: ModelsConfig
    markets: dict[str, Any]
    replayed: dict[str, str]  # replay timeline -> the recorded job's model

    def options(self) -> dict[str, Any]:
        """What the replay job's options record of it."""
        return {"replay_of": self.job_id, "replayed": self.replayed}

    def snapshot(self) -> dict[str, Any]:
        """The replay job's config: the recorded job's, under the replay signatures."""
        snapshot = self.config.snapshot(list(self.replayed))
        return {**snapshot, "markets": self.markets or snapshot["markets"]}


FIRST_DAYS_SQL = "SELECT model, MIN(date) FROM job_details WHERE job_id = ? GROUP BY model"


def _replayed_models(
    conn: sqlite3.Connection, source_models: list[str], requested: list[str], job_id: str
) -> list[str]:
    for model in requested:
        if model not in source_models:
            raise JobRequestError(f"model {model!r} is not in job {job_id}", "models")
    models = list(dict.fromkeys(requested)) or source_models
    first_days = dict(conn.execute(FIRST_DAYS_SQL, (job_id,)).fetchall())
    for model in models:
        # A replay registers a new timeline: it can only start where the recorded one did.
        registered = registration_day(conn, model)
        if registered is not None and registered < first_days.get(model, registered):
            raise JobRequestError(
                f"job {job_id} continued {model!r} from its timeline registered on"
                f" {registered}; replay the job that registered it",
                "models",
            )
    return models


def plan_replay(conn: sqlite3.Connection, job_id: str, requested: list[str]) -> Replay:
    """The replay of job_id's requested models (all of them by default); 400s name the field."""
    row = conn.execute(SOURCE_SQL, (job_id,)).fetchone()
    if row is None:
        raise JobRequestError(f"job {job_id} not found")
    if row["kind"] != "simulation":
        raise JobRequestError(f"job {job_id} is an import: it recorded no answers")
    snapshot = json.loads(row["config"])
    specs, replayed = [], {}
    for model in _replayed_models(conn, json.loads(row["models"]), requested, job_id):
        spec = snapshot_run(snapshot, model)[0]
        signature = model + REPLAY_SUFFIX
        if not is_valid_signature(signature):
            raise JobRequestError(f"{signature!r} would be too long a signature", "models")
        # The request names the recorded model: a replay asks what the recording was asked.
        specs.append(
            replace(
                spec,
                signature=signature,
                name=f"{spec.name} (replay)",
                basemodel=spec.basemodel or spec.signature,
                enabled=True,
            )
        )
        replayed[signature] = model
    config = ModelsConfig(tuple(specs), AgentConfig(**snapshot["agent_config"]))
    return Replay(job_id, row[3], config, snapshot.get("markets", {}), replayed)
