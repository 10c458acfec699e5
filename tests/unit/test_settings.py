"""Settings from the environment: working defaults, conversions, PORT, and bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import Settings, SettingsError, from_environment

pytestmark = pytest.mark.unit


def test_defaults_work_with_nothing_set() -> None:
    settings = from_environment({})
    assert settings == Settings()
    assert (settings.database_path, settings.huey_path) == ("data/trader.db", "data/huey.db")
    assert (settings.api_port, settings.max_simulation_days, settings.api_key) == (8080, 366, None)
    assert settings.api_read_auth is False
    for bundled in (settings.price_data, settings.news_data, settings.config_path):
        assert Path(bundled).is_file()


def test_every_variable_is_read_and_converted() -> None:
    env = {
        "DATABASE_PATH": "/srv/trader.db",
        "HUEY_PATH": "/srv/huey.db",
        "PRICE_DATA": "/srv/merged.jsonl",
        "NEWS_DATA": "/srv/news.json",
        "CONFIG_PATH": "/srv/models.json",
        "API_KEY": "s3cret",
        "API_READ_AUTH": "Yes",
        "MAX_SIMULATION_DAYS": "30",
        "RISK_FREE_RATE": "0.04",
        "API_PORT": "9000",
        "RESPONSE_CACHE_MB": "0",
    }
    settings = from_environment(env)
    assert settings.database_path == "/srv/trader.db"
    assert settings.huey_path == "/srv/huey.db"
    assert (settings.price_data, settings.news_data) == ("/srv/merged.jsonl", "/srv/news.json")
    assert settings.config_path == "/srv/models.json"
    assert (settings.api_key, settings.api_read_auth) == ("s3cret", True)
    assert (settings.max_simulation_days, settings.risk_free_rate) == (30, 0.04)
    assert (settings.api_port, settings.response_cache_mb) == (9000, 0)


def test_platform_port_wins_over_api_port() -> None:
    assert from_environment({"API_PORT": "9000", "PORT": "5000"}).api_port == 5000
    assert from_environment({"API_PORT": "9000", "PORT": ""}).api_port == 9000


@pytest.mark.parametrize("word", ["0", "false", "no", "off", "maybe"])
def test_other_words_are_false(word: str) -> None:
    assert from_environment({"API_READ_AUTH": word}).api_read_auth is False


def test_empty_value_means_unset() -> None:
    settings = from_environment({"API_KEY": "", "MAX_SIMULATION_DAYS": "", "DATABASE_PATH": ""})
    assert settings == Settings()


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"MAX_SIMULATION_DAYS": "ten"}, "MAX_SIMULATION_DAYS='ten'"),
        ({"API_PORT": "80.5"}, "API_PORT='80.5'"),
        ({"PORT": "http"}, "PORT='http'"),
        ({"RISK_FREE_RATE": "4%"}, "RISK_FREE_RATE='4%'"),
        ({"MAX_SIMULATION_DAYS": "0"}, "MAX_SIMULATION_DAYS must be at least 1"),
        ({"RESPONSE_CACHE_MB": "-1"}, "RESPONSE_CACHE_MB must be 0"),
        ({"RESPONSE_CACHE_MB": "lots"}, "RESPONSE_CACHE_MB='lots'"),
    ],
)
def test_bad_value_names_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=f"^{named}"):
        from_environment(env)


def test_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.setenv("API_PORT", "8123")
    assert from_environment().api_port == 8123


def test_api_key_is_kept_out_of_repr() -> None:
    assert "s3cret" not in repr(from_environment({"API_KEY": "s3cret"}))


def test_with_overrides_replaces_only_the_given_fields() -> None:
    base = from_environment({"API_PORT": "9000"})
    changed = base.with_overrides({"database_path": "x.db"})
    assert (changed.database_path, changed.api_port) == ("x.db", 9000)
    assert base.database_path == "data/trader.db"
