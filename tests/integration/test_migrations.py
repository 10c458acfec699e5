"""Schema versions: a database of every released version is upgraded in place, answers unchanged.

tests/fixtures/migrations/vN holds a database made by released version N's own code (a dump
of two jobs: three models over 2025-09-02..12, then a resume to 09-19) and the answers that
code gave on it (tests/fixtures/migrations/record.py writes them when a version is released).
Upgraded by the release step, the database must give the same answers.
"""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from service import db
from service.cli import release
from tests.integration.conftest import AppFactory

pytestmark = pytest.mark.integration
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "migrations"
RELEASED = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())


def restore(version: str, target: Path) -> None:
    """A database file made from a released version's dump, with its schema version."""
    dump = (FIXTURES / version / "database.sql").read_text(encoding="utf-8")
    header, _, statements = dump.partition("\n")
    with closing(sqlite3.connect(target)) as conn:
        conn.executescript(statements)
        conn.execute(f"PRAGMA user_version = {int(header.split()[-1])}")


def schema_of(conn: sqlite3.Connection) -> set[tuple[str, str, str]]:
    """Tables and indexes with their SQL, whitespace normalised (ALTER TABLE places its own)."""
    rows = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL")
    return {
        (kind, name, re.sub(r"\s*([,()])\s*", r"\1", " ".join(sql.split())))
        for kind, name, sql in rows
    }


def reads_back(got: Any, expected: Any) -> bool:
    """Whether every value of the old answer is in the new one, unchanged.

    A later version may add fields to an answer (the cost of a model-day); none of the old
    ones may change or go.
    """
    if isinstance(expected, dict):
        return isinstance(got, dict) and all(
            key in got and reads_back(got[key], value) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(got, list)
            and len(got) == len(expected)
            and all(reads_back(new, old) for new, old in zip(got, expected, strict=True))
        )
    return bool(got == expected)


def test_reads_back_allows_added_fields_only() -> None:
    old = {"rows": [{"a": 1, "b": None}], "n": "x"}
    assert reads_back({"rows": [{"a": 1, "b": None, "cost": 2}], "n": "x", "more": 1}, old)
    assert not reads_back({"rows": [{"a": 1}], "n": "x"}, old)
    assert not reads_back({"rows": [{"a": 2, "b": None}], "n": "x"}, old)
    assert not reads_back({"rows": [], "n": "x"}, old)


def test_released_versions_are_all_here() -> None:
    assert RELEASED == [f"v{n}" for n in range(1, db.SCHEMA_VERSION + 1)]


@pytest.mark.parametrize("version", RELEASED)
def test_release_upgrades_in_place_and_every_answer_reads_back_unchanged(
    version: str, database_path: Path, make_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    restore(version, database_path)

    assert release.main([]) == 0
    app: Flask = make_app()
    client = app.test_client()

    with closing(db.connect(database_path)) as conn:
        assert db.schema_version(conn) == db.SCHEMA_VERSION
    expected: dict[str, Any] = json.loads((FIXTURES / version / "answers.json").read_text())
    for url, answer in expected.items():
        response = client.get(url)
        got = {
            "status": response.status_code,
            "body": response.get_json(),
            "pagination": response.headers.get("X-Pagination"),
        }
        assert reads_back(got, answer), url


@pytest.mark.parametrize("version", [v for v in RELEASED if int(v[1:]) < 4])
def test_timelines_from_before_markets_are_nasdaq100_ones(
    version: str, database_path: Path, make_app: AppFactory
) -> None:
    restore(version, database_path)
    assert release.main([]) == 0
    with closing(db.connect(database_path)) as conn:
        markets = {row[0] for row in conn.execute("SELECT DISTINCT market FROM positions")}
    assert markets == {"nasdaq100"}
    client = make_app().test_client()
    board = client.get("/leaderboard").get_json()
    assert (board["market"], board["currency"]) == ("nasdaq100", "USD")
    assert board["rankings"]
    assert client.get("/leaderboard?market=sse50").get_json()["rankings"] == []


def test_an_upgraded_database_has_the_schema_of_a_new_one(tmp_path: Path) -> None:
    restore("v1", tmp_path / "old.db")
    with (
        closing(db.connect(tmp_path / "old.db")) as old,
        closing(db.connect(tmp_path / "new.db")) as new,
    ):
        assert db.init_db(old) == 1
        assert db.init_db(new) == 0

        assert schema_of(old) == schema_of(new)


def test_a_database_from_a_newer_version_is_refused(
    database_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    restore(RELEASED[-1], database_path)
    with closing(sqlite3.connect(database_path)) as conn:
        conn.execute(f"PRAGMA user_version = {db.SCHEMA_VERSION + 1}")

    assert release.main([]) == 1

    assert "newer than this code's" in capsys.readouterr().err
    with closing(sqlite3.connect(database_path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION + 1


def test_a_failing_upgrade_changes_nothing(
    database_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    restore("v1", database_path)
    broken = tmp_path / "migrations"
    broken.mkdir()
    for version in range(2, db.SCHEMA_VERSION + 1):
        (broken / f"{version:04d}_step.sql").write_text(
            "CREATE INDEX idx_new ON positions (cash);\nCREATE INDEX idx_new ON positions (cash);\n"
        )
    monkeypatch.setattr(db, "MIGRATIONS_DIR", broken)
    with closing(db.connect(database_path)) as conn:
        before = schema_of(conn)

        with pytest.raises(sqlite3.OperationalError, match="already exists"):
            db.init_db(conn)

        assert db.schema_version(conn) == 1
        assert schema_of(conn) == before


def test_a_missing_migration_is_named(
    database_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    restore("v1", database_path)
    monkeypatch.setattr(db, "MIGRATIONS_DIR", tmp_path)
    with closing(db.connect(database_path)) as conn:
        with pytest.raises(db.SchemaVersionError, match="no migration to schema version 2"):
            db.init_db(conn)


def test_an_unversioned_database_with_tables_is_refused(database_path: Path) -> None:
    with closing(db.connect(database_path)) as conn:
        conn.execute("CREATE TABLE something (x)")
        with pytest.raises(db.SchemaVersionError, match="no schema version"):
            db.init_db(conn)


def test_the_docker_image_ships_the_schema_and_the_migrations() -> None:
    dockerfile = (db.ROOT / "Dockerfile").read_text(encoding="utf-8")
    copied = {
        word.rstrip("/")
        for line in dockerfile.splitlines()
        if line.startswith("COPY ")
        for word in line.split()[1:-1]
    }

    assert {db.SCHEMA_PATH.name, db.MIGRATIONS_DIR.name} <= copied
