"""Model settings: which OpenAI-compatible endpoint, which models, which budgets.

Sources, later wins (see docs/configuration.md):
1. built-in defaults (Moonshot Kimi);
2. the project file `.kimi-lsp.toml` (table `[kimi]`) or `kimi-lsp.json` at the
   workspace root, shared by a team through version control;
3. the environment: `KIMI_API_KEY`, `KIMI_BASE_URL`, `KIMI_MODEL_NAME` (the
   names Moonshot's own CLI uses), `KIMI_PLANNER_MODEL_NAME`, `KIMI_LSP_RECORD`;
4. the editor's settings (section `kimi`) or the request itself.

The API key comes from the environment only: a project file is committed and
LSP settings and requests are logged, so a key found there is refused. The key
never appears in `repr`, in logs, in reports or in prompts.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Mapping

from kimi_lsp.errors import UserError

DEFAULT_BASE_URL = "https://api.moonshot.ai/v1"
DEFAULT_MODEL = "kimi-k2.6"
PROJECT_FILES = (".kimi-lsp.toml", "kimi-lsp.json")
SECRET_KEYS = ("apiKey", "api_key", "key", "token")

ENVIRONMENT = {
    "KIMI_BASE_URL": "base_url",
    "KIMI_MODEL_NAME": "model",
    "KIMI_PLANNER_MODEL_NAME": "planner_model",
    "KIMI_LSP_RECORD": "record",
}

# camelCase setting name (project file, LSP settings) -> field, and its type
SETTINGS = {
    "baseUrl": ("base_url", str),
    "model": ("model", str),
    "plannerModel": ("planner_model", str),
    "maxAgents": ("max_agents", int),
    "requestBudget": ("request_budget", int),
    "maxSteps": ("max_steps", int),
    "maxTokens": ("max_tokens", int),
    "requestTimeout": ("request_timeout", float),
    "agentTimeout": ("agent_timeout", float),
    "stream": ("stream", bool),
    "record": ("record", str),
}


class ConfigError(UserError):
    """A setting is missing or malformed; the message names the setting."""


class MissingApiKey(ConfigError):
    pass


@dataclass(frozen=True)
class ModelSettings:
    api_key: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    model: str = DEFAULT_MODEL
    planner_model: str | None = None  # None: the worker model plans too
    max_agents: int | None = None  # caps --agents for model refactors
    request_budget: int | None = None  # model requests one run may make
    max_steps: int = 30  # model turns per agent
    max_tokens: int = 400_000  # prompt + completion tokens per agent
    request_timeout: float = 120.0  # seconds per model request
    agent_timeout: float = 280.0  # seconds per agent, retries included; under the engine's 300 s group timeout
    stream: bool = True
    record: str | None = None  # JSON-lines file every model request and answer is appended to

    @property
    def planner(self) -> str:
        return self.planner_model or self.model

    def require_key(self) -> str:
        """The key, or a failure that tells the user exactly what to set."""
        if not self.api_key:
            raise MissingApiKey(
                "this refactor needs a model: set KIMI_API_KEY (and optionally KIMI_BASE_URL, default "
                f"{DEFAULT_BASE_URL}, and KIMI_MODEL_NAME, default {DEFAULT_MODEL}); "
                "rename and js-to-ts work without one when --prose and --model are left off"
            )
        return self.api_key

    def public(self) -> dict:
        """Everything but the key, for reports and logs."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "api_key"}


def load_settings(
    root: Path, overrides: Mapping | None = None, env: Mapping[str, str] | None = None
) -> ModelSettings:
    """Settings for a run in `root`, merged from every source in precedence order."""
    env = os.environ if env is None else env
    settings = _apply(ModelSettings(), _project_file(Path(root)), "the project file")
    from_env = {field_name: env[name] for name, field_name in ENVIRONMENT.items() if env.get(name)}
    settings = replace(settings, **from_env, api_key=env.get("KIMI_API_KEY") or None)
    return _apply(settings, dict(overrides or {}), "the settings")


def _project_file(root: Path) -> dict:
    for name in PROJECT_FILES:
        path = root / name
        if not path.is_file():
            continue
        try:
            if name.endswith(".toml"):
                data = tomllib.loads(path.read_text(encoding="utf-8")).get("kimi", {})
            else:
                data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ConfigError(f"cannot read {name}: {err}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{name} must hold an object of settings")
        return data
    return {}


def _apply(settings: ModelSettings, values: dict, source: str) -> ModelSettings:
    secrets = [k for k in SECRET_KEYS if k in values]
    if secrets:
        raise ConfigError(f"{source} must not hold an API key ({secrets[0]}); set KIMI_API_KEY in the environment")
    changes = {}
    for name, value in values.items():
        if name not in SETTINGS:
            raise ConfigError(f"unknown setting {name!r} in {source}; known: {', '.join(SETTINGS)}")
        if value is None:
            continue
        field_name, kind = SETTINGS[name]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"setting {name!r} in {source} must be a {kind.__name__}, got {value!r}")
        if kind in (int, float) and value <= 0:
            raise ConfigError(f"setting {name!r} in {source} must be positive, got {value!r}")
        changes[field_name] = value
    return replace(settings, **changes)
