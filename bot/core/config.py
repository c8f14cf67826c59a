"""Settings: the only place that reads the environment.

Values come from environment variables, with an optional ``.env`` file in the project root
underneath them (the environment wins). ``load_settings`` validates everything at start-up and
raises ``ConfigError`` with every problem listed, so a deployment fails fast and clearly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml
from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
DEFAULT_PROFILE = "12345"


class ConfigError(ValueError):
    """Raised when the configuration is missing or invalid."""


@dataclass(frozen=True)
class Deadlines:
    """Answer deadlines in working days, per ticket category."""

    complaint: int = 3
    major_complaint: int = 5
    report: int = 10
    suggestion: int = 15
    consultation: int = 3  # a question left as a message (留言) when the FAQ had no answer


@dataclass(frozen=True)
class SameSourceRules:
    """When two appeals are about the same matter (同源诉求, bot/tickets/same_source.py)."""

    enabled: bool = True  # SAME_SOURCE=off: every ticket stands alone
    days: int = 7  # SAME_SOURCE_DAYS: open tickets accepted within this many days are candidates
    text_similarity: float = 0.62  # SAME_SOURCE_TEXT_SIMILARITY: descriptions at least this close (cosine) …
    place_similarity: float = 0.5  # SAME_SOURCE_PLACE_SIMILARITY: … and places at least this close (0–1)


@dataclass(frozen=True)
class HotlineProfile:
    """What the hotline announces about itself (name, number, hours, scope) and its deadlines."""

    name: str
    number: str
    service_hours: str
    scope: tuple[str, ...]
    deadlines: Deadlines = field(default_factory=Deadlines)
    # FAQ entries marked with these hotline scopes are served (12345 has absorbed 12319 and 12320).
    faq_hotlines: tuple[str, ...] = ("all",)


@dataclass(frozen=True)
class HandoffSettings:
    """When people take conversations over, and how long a citizen may wait for one."""

    staff_hours: str = "00:00-24:00"  # Beijing time, every day; e.g. "08:30-20:30"
    claim_timeout_seconds: int = 180  # then the bot takes the conversation back and offers 留言
    minutes_per_citizen: int = 3  # expected wait per place in the queue until history says better
    # Words that send a conversation to a person at once (a city's own file replaces the built-in one).
    escalation_file: Path | None = None


@dataclass(frozen=True)
class ConsoleSettings:
    """The staff console web app."""

    port: int = 8000
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    secure_cookies: bool = False  # set CONSOLE_SECURE_COOKIES=true behind HTTPS
    faq_review_required: bool = False  # FAQ_REVIEW_REQUIRED=true: a second person publishes each change


@dataclass(frozen=True)
class RetentionSettings:
    """How long personal data is kept (个人信息保护法); the rules per table are in ``bot/retention/purge.py``."""

    conversation_days: int = 180  # conversation text: events, unanswered questions, handoff summaries …
    contact_days: int = 365  # a ticket's name and phone, counted from its closing


@dataclass(frozen=True)
class LogSettings:
    """How a server process logs (``bot/runtime/log_setup.py``)."""

    level: str = "INFO"
    json_lines: bool = False  # one JSON object per line, for log collectors
    file: Path | None = None  # also to this file, rotated at 10 MB, five kept


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class ProductionSettings:
    """``make run-prod`` (``bot/runtime/production.py``): nginx's public port and the replicas of each server."""

    public_port: int = 8080
    replicas: int = 2


# A shorter period would cut transcripts and call-backs staff still need while a case is handled.
MIN_RETENTION_DAYS = 30


@dataclass(frozen=True)
class RedisParams:
    """A Redis URL taken apart into the fields Rasa's Redis stores expect."""

    host: str
    port: int
    db: int
    password: str
    use_ssl: bool


@dataclass(frozen=True)
class Settings:
    """Validated configuration of one deployment."""

    profile: HotlineProfile
    database_url: str
    redis_url: str | None
    host: str
    rasa_port: int
    action_port: int
    rasa_auth_token: str | None
    max_message_chars: int
    action_token: str | None = None
    secret_key: str | None = None  # signs web chat session ids and keys the anonymous report codes' HMAC
    trusted_proxies: int = 0  # reverse proxies in front of the servers whose X-Forwarded-For is believed
    rasa_url: str | None = None  # where the console reaches Rasa when not on this host (RASA_URL, containers)
    project_root: Path = PROJECT_ROOT
    # Extra official working-day schedules (<year>.yml) for years the calendar package lacks.
    working_calendar_dir: Path | None = None
    handoff: HandoffSettings = field(default_factory=lambda: HandoffSettings())
    console: ConsoleSettings = field(default_factory=lambda: ConsoleSettings())
    retention: RetentionSettings = field(default_factory=lambda: RetentionSettings())
    log: LogSettings = field(default_factory=lambda: LogSettings())
    production: ProductionSettings = field(default_factory=lambda: ProductionSettings())
    same_source: SameSourceRules = field(default_factory=lambda: SameSourceRules())

    @property
    def var_dir(self) -> Path:
        """Folder for local runtime state (SQLite file, generated token, logs)."""
        return self.project_root / "var"

    @property
    def redis(self) -> RedisParams | None:
        """The Redis connection parameters, or None in embedded mode."""
        return parse_redis_url(self.redis_url) if self.redis_url else None


def parse_redis_url(url: str) -> RedisParams:
    """Split ``redis://[:password@]host[:port][/db]`` (or ``rediss://``) into its parts.

    Raises:
        ConfigError: if the URL is not a Redis URL.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ConfigError(f"REDIS_URL must look like redis://host:6379/0, got scheme {parts.scheme!r}")
    db_text = parts.path.lstrip("/") or "0"
    if not db_text.isdigit():
        raise ConfigError("REDIS_URL database must be a number, e.g. redis://127.0.0.1:6379/0")
    return RedisParams(
        host=parts.hostname,
        port=parts.port or 6379,
        db=int(db_text),
        password=unquote(parts.password or ""),
        use_ssl=parts.scheme == "rediss",
    )


def load_profile(name_or_path: str) -> HotlineProfile:
    """Load a hotline profile by built-in name (``12345``, ``12319``, ``12320``) or file path.

    Raises:
        ConfigError: if the profile does not exist or lacks a field.
    """
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILES_DIR / f"{name_or_path}.yml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.yml")))
        raise ConfigError(f"hotline profile {name_or_path!r} not found (built-in: {known})")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    missing = [key for key in ("name", "number", "service_hours", "scope") if not raw.get(key)]
    if missing:
        raise ConfigError(f"hotline profile {path} lacks: {', '.join(missing)}")
    deadlines = Deadlines(**{k: int(v) for k, v in (raw.get("deadlines_working_days") or {}).items()})
    return HotlineProfile(
        name=str(raw["name"]),
        number=str(raw["number"]),
        service_hours=str(raw["service_hours"]),
        scope=tuple(str(item) for item in raw["scope"]),
        deadlines=deadlines,
        faq_hotlines=tuple(dict.fromkeys([*(str(h) for h in raw.get("faq_hotlines") or ()), str(raw["number"]), "all"])),
    )


def _merged_environment(environ: Mapping[str, str] | None, env_file: Path | None) -> dict[str, str]:
    env_path = env_file if env_file is not None else PROJECT_ROOT / ".env"
    merged: dict[str, str] = {}
    if env_path.is_file():
        merged.update({k: v for k, v in dotenv_values(env_path).items() if v is not None})
    merged.update(os.environ if environ is None else environ)
    return merged


def _int(env: Mapping[str, str], key: str, default: int, errors: list[str], minimum: int = 1) -> int:
    text = env.get(key, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < minimum:
        errors.append(f"{key} must be a whole number >= {minimum}, got {text!r}")
        return default
    return int(text)


def _fraction(env: Mapping[str, str], key: str, default: float, errors: list[str]) -> float:
    text = env.get(key, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        errors.append(f"{key} must be a number from 0 to 1, got {text!r}")
        return default
    return value


def _same_source(env: Mapping[str, str], errors: list[str]) -> SameSourceRules:
    default = SameSourceRules()
    switch = env.get("SAME_SOURCE", "on").strip().lower()
    if switch not in ("on", "off", ""):
        errors.append(f"SAME_SOURCE must be on or off, got {switch!r}")
    return SameSourceRules(
        enabled=switch != "off",
        days=_int(env, "SAME_SOURCE_DAYS", default.days, errors),
        text_similarity=_fraction(env, "SAME_SOURCE_TEXT_SIMILARITY", default.text_similarity, errors),
        place_similarity=_fraction(env, "SAME_SOURCE_PLACE_SIMILARITY", default.place_similarity, errors),
    )


def _folder(env: Mapping[str, str], key: str, errors: list[str]) -> Path | None:
    text = env.get(key, "").strip()
    if not text:
        return None
    if not Path(text).is_dir():
        errors.append(f"{key} must name an existing folder, got {text!r}")
    return Path(text)


def _profile_with_overrides(env: Mapping[str, str], errors: list[str]) -> HotlineProfile | None:
    profile: HotlineProfile | None = None
    try:
        profile = load_profile(env.get("HOTLINE_PROFILE_FILE") or env.get("HOTLINE_PROFILE") or DEFAULT_PROFILE)
    except ConfigError as exc:
        errors.append(str(exc))
    deadlines = profile.deadlines if profile else Deadlines()
    deadlines = Deadlines(
        complaint=_int(env, "DEADLINE_COMPLAINT_DAYS", deadlines.complaint, errors),
        major_complaint=_int(env, "DEADLINE_MAJOR_COMPLAINT_DAYS", deadlines.major_complaint, errors),
        report=_int(env, "DEADLINE_REPORT_DAYS", deadlines.report, errors),
        suggestion=_int(env, "DEADLINE_SUGGESTION_DAYS", deadlines.suggestion, errors),
        consultation=_int(env, "DEADLINE_CONSULTATION_DAYS", deadlines.consultation, errors),
    )
    if profile is None:
        return None
    scope = env.get("HOTLINE_SCOPE")
    return replace(
        profile,
        name=env.get("HOTLINE_NAME") or profile.name,
        number=env.get("HOTLINE_NUMBER") or profile.number,
        service_hours=env.get("HOTLINE_SERVICE_HOURS") or profile.service_hours,
        scope=tuple(s.strip() for s in scope.split(",") if s.strip()) if scope else profile.scope,
        deadlines=deadlines,
    )


def _file(env: Mapping[str, str], key: str, errors: list[str]) -> Path | None:
    text = env.get(key, "").strip()
    if text and not Path(text).is_file():
        errors.append(f"{key} must name an existing file, got {text!r}")
    return Path(text) if text else None


def _handoff(env: Mapping[str, str], errors: list[str]) -> HandoffSettings:
    hours = env.get("HANDOFF_STAFF_HOURS", "").strip() or HandoffSettings.staff_hours
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d|([01]\d|2[0-3]):[0-5]\d-24:00", hours):
        errors.append(f"HANDOFF_STAFF_HOURS must look like 08:30-20:30, got {hours!r}")
        hours = HandoffSettings.staff_hours
    return HandoffSettings(
        staff_hours=hours,
        claim_timeout_seconds=_int(env, "HANDOFF_CLAIM_TIMEOUT_SECONDS", HandoffSettings.claim_timeout_seconds, errors),
        minutes_per_citizen=_int(env, "HANDOFF_MINUTES_PER_CITIZEN", HandoffSettings.minutes_per_citizen, errors),
        escalation_file=_file(env, "HANDOFF_ESCALATION_FILE", errors),
    )


def _flag(env: Mapping[str, str], key: str, errors: list[str]) -> bool:
    value = env.get(key, "").strip().lower()
    if value not in ("", "true", "false", "1", "0"):
        errors.append(f"{key} must be true or false, got {value!r}")
    return value in ("true", "1")


def _console(env: Mapping[str, str], errors: list[str]) -> ConsoleSettings:
    return ConsoleSettings(
        port=_int(env, "CONSOLE_PORT", ConsoleSettings.port, errors),
        session_idle_minutes=_int(env, "CONSOLE_SESSION_IDLE_MINUTES", ConsoleSettings.session_idle_minutes, errors),
        session_max_hours=_int(env, "CONSOLE_SESSION_MAX_HOURS", ConsoleSettings.session_max_hours, errors),
        secure_cookies=_flag(env, "CONSOLE_SECURE_COOKIES", errors),
        faq_review_required=_flag(env, "FAQ_REVIEW_REQUIRED", errors),
    )


def _retention(env: Mapping[str, str], errors: list[str]) -> RetentionSettings:
    return RetentionSettings(
        conversation_days=_int(
            env, "RETENTION_CONVERSATION_DAYS", RetentionSettings.conversation_days, errors, minimum=MIN_RETENTION_DAYS
        ),
        contact_days=_int(env, "RETENTION_CONTACT_DAYS", RetentionSettings.contact_days, errors, minimum=MIN_RETENTION_DAYS),
    )


def _log(env: Mapping[str, str], errors: list[str]) -> LogSettings:
    level = env.get("LOG_LEVEL", "INFO").upper()
    if level not in LOG_LEVELS:
        errors.append(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
    log_format = env.get("LOG_FORMAT", "text").lower()
    if log_format not in ("text", "json"):
        errors.append(f"LOG_FORMAT must be text or json, got {log_format!r}")
    return LogSettings(level=level, json_lines=log_format == "json", file=Path(env["LOG_FILE"]) if env.get("LOG_FILE") else None)


def load_settings(environ: Mapping[str, str] | None = None, *, env_file: Path | None = None) -> Settings:
    """Read and validate the settings.

    Args:
        environ: variables to read instead of ``os.environ`` (tests pass their own).
        env_file: the ``.env`` file to read underneath; defaults to ``<project>/.env``.

    Raises:
        ConfigError: listing every invalid or inconsistent value.
    """
    env = _merged_environment(environ, env_file)
    errors: list[str] = []
    profile = _profile_with_overrides(env, errors)
    redis_url = env.get("REDIS_URL") or None
    if redis_url:
        try:
            parse_redis_url(redis_url)
        except ConfigError as exc:
            errors.append(str(exc))
    database_url = env.get("DATABASE_URL") or f"sqlite:///{PROJECT_ROOT / 'var' / 'hotline.sqlite3'}"
    if "://" not in database_url:
        errors.append("DATABASE_URL must be an SQLAlchemy URL such as postgresql://user@host/db")
    settings = Settings(
        profile=profile,  # type: ignore[arg-type]  # None only when errors is non-empty
        database_url=database_url,
        redis_url=redis_url,
        host=env.get("HOTLINE_HOST", "127.0.0.1"),
        rasa_port=_int(env, "RASA_PORT", 5005, errors),
        action_port=_int(env, "ACTION_PORT", 5055, errors),
        rasa_auth_token=env.get("RASA_AUTH_TOKEN") or None,
        action_token=env.get("HOTLINE_ACTION_TOKEN") or None,
        secret_key=env.get("HOTLINE_SECRET_KEY") or None,
        max_message_chars=_int(env, "MAX_MESSAGE_CHARS", 2000, errors, minimum=10),
        trusted_proxies=_int(env, "TRUSTED_PROXIES", 0, errors, minimum=0),
        rasa_url=(env.get("RASA_URL") or "").rstrip("/") or None,
        working_calendar_dir=_folder(env, "WORKING_CALENDAR_DIR", errors),
        handoff=_handoff(env, errors),
        console=_console(env, errors),
        retention=_retention(env, errors),
        log=_log(env, errors),
        production=ProductionSettings(
            public_port=_int(env, "PUBLIC_PORT", ProductionSettings.public_port, errors),
            replicas=_int(env, "REPLICAS", ProductionSettings.replicas, errors, minimum=1),
        ),
        same_source=_same_source(env, errors),
    )
    if errors:
        raise ConfigError("invalid configuration:\n  - " + "\n  - ".join(errors))
    return settings
