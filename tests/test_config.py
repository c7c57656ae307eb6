"""Model settings: sources, precedence, and keeping the key out of everything but the environment."""

from __future__ import annotations

import json

import pytest

from kimi_lsp.config import DEFAULT_BASE_URL, DEFAULT_MODEL, ConfigError, MissingApiKey, load_settings


def test_defaults_are_moonshot_kimi(tmp_path):
    settings = load_settings(tmp_path, env={})
    assert (settings.base_url, settings.model, settings.planner) == (DEFAULT_BASE_URL, DEFAULT_MODEL, DEFAULT_MODEL)
    assert settings.max_steps == 30


def test_request_settings_beat_environment_beats_project_file(tmp_path):
    (tmp_path / ".kimi-lsp.toml").write_text('[kimi]\nmodel = "from-file"\nplannerModel = "planner-file"\nmaxSteps = 7\n')
    env = {"KIMI_MODEL_NAME": "from-env", "KIMI_API_KEY": "k"}
    settings = load_settings(tmp_path, {"plannerModel": "planner-editor"}, env=env)
    assert (settings.model, settings.planner, settings.max_steps) == ("from-env", "planner-editor", 7)


def test_json_project_file_is_read(tmp_path):
    (tmp_path / "kimi-lsp.json").write_text(json.dumps({"baseUrl": "http://localhost:9/v1", "requestBudget": 50}))
    settings = load_settings(tmp_path, env={})
    assert (settings.base_url, settings.request_budget) == ("http://localhost:9/v1", 50)


@pytest.mark.parametrize("where", ["file", "settings"])
def test_an_api_key_outside_the_environment_is_refused(tmp_path, where):
    if where == "file":
        (tmp_path / "kimi-lsp.json").write_text(json.dumps({"apiKey": "sk-leak"}))
    with pytest.raises(ConfigError, match="KIMI_API_KEY") as refused:
        load_settings(tmp_path, {"apiKey": "sk-leak"} if where == "settings" else None, env={})
    assert "sk-leak" not in str(refused.value)


def test_missing_key_names_the_settings(tmp_path):
    with pytest.raises(MissingApiKey) as missing:
        load_settings(tmp_path, env={}).require_key()
    assert all(name in str(missing.value) for name in ("KIMI_API_KEY", "KIMI_BASE_URL", "KIMI_MODEL_NAME"))


def test_the_key_is_not_in_repr_or_public_settings(tmp_path):
    settings = load_settings(tmp_path, env={"KIMI_API_KEY": "sk-hidden"})
    assert settings.require_key() == "sk-hidden"
    assert "sk-hidden" not in repr(settings) and "sk-hidden" not in json.dumps(settings.public())


@pytest.mark.parametrize("bad", [{"maxAgents": "many"}, {"maxSteps": 0}, {"colour": "blue"}, {"stream": 1}])
def test_malformed_settings_are_named(tmp_path, bad):
    with pytest.raises(ConfigError, match=next(iter(bad))):
        load_settings(tmp_path, bad, env={})
