from pathlib import Path

import pytest

from bot.core.config import ConfigError, load_settings, parse_redis_url

NO_ENV_FILE = Path("/nonexistent/.env")


def settings_from(**env):
    return load_settings(env, env_file=NO_ENV_FILE)


def test_defaults_give_the_12345_profile_with_regulation_deadlines_and_a_local_sqlite_file():
    settings = settings_from()
    assert settings.profile.number == "12345"
    assert "12345" in settings.profile.name
    d = settings.profile.deadlines
    assert (d.complaint, d.major_complaint, d.report, d.suggestion) == (3, 5, 10, 15)
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("var/hotline.sqlite3")
    assert settings.redis_url is None and settings.redis is None


@pytest.mark.parametrize("profile, number", [("12319", "12319"), ("12320", "12320")])
def test_sibling_hotlines_have_their_own_profile(profile, number):
    settings = settings_from(HOTLINE_PROFILE=profile)
    assert settings.profile.number == number
    assert settings.profile.scope


def test_a_city_overrides_single_fields_and_deadlines():
    settings = settings_from(
        HOTLINE_NAME="某市12345热线",
        HOTLINE_SERVICE_HOURS="工作日9:00-17:00",
        HOTLINE_SCOPE="政策咨询, 投诉",
        DEADLINE_COMPLAINT_DAYS="2",
        DEADLINE_SUGGESTION_DAYS="20",
    )
    assert settings.profile.name == "某市12345热线"
    assert settings.profile.service_hours == "工作日9:00-17:00"
    assert settings.profile.scope == ("政策咨询", "投诉")
    assert settings.profile.deadlines.complaint == 2
    assert settings.profile.deadlines.suggestion == 20
    assert settings.profile.deadlines.report == 10


def test_a_deployment_can_supply_its_own_profile_file(tmp_path):
    custom = tmp_path / "city.yml"
    custom.write_text("name: 某市热线\nnumber: '96123'\nservice_hours: 全天\nscope: [咨询]\n", encoding="utf-8")
    settings = settings_from(HOTLINE_PROFILE_FILE=str(custom))
    assert settings.profile.number == "96123"
    assert settings.profile.deadlines.complaint == 3


def test_every_invalid_value_is_reported_at_once():
    with pytest.raises(ConfigError) as error:
        settings_from(HOTLINE_PROFILE="99999", DEADLINE_REPORT_DAYS="ten", REDIS_URL="http://x", RASA_PORT="0")
    message = str(error.value)
    for problem in ("99999", "DEADLINE_REPORT_DAYS", "REDIS_URL", "RASA_PORT"):
        assert problem in message


def test_env_file_is_read_under_the_environment(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("HOTLINE_PROFILE=12320\nHOTLINE_NAME=来自文件\n", encoding="utf-8")
    settings = load_settings({"HOTLINE_NAME": "来自环境"}, env_file=env_file)
    assert settings.profile.number == "12320"
    assert settings.profile.name == "来自环境"


def test_redis_url_is_taken_apart_for_rasa():
    params = parse_redis_url("rediss://:s%40cret@cache.example:6380/2")
    assert (params.host, params.port, params.db, params.password, params.use_ssl) == ("cache.example", 6380, 2, "s@cret", True)


def test_retention_periods_default_to_180_and_365_days_and_can_be_changed():
    assert (settings_from().retention.conversation_days, settings_from().retention.contact_days) == (180, 365)
    changed = settings_from(RETENTION_CONVERSATION_DAYS="90", RETENTION_CONTACT_DAYS="730").retention
    assert (changed.conversation_days, changed.contact_days) == (90, 730)


def test_retention_periods_too_short_or_not_numbers_are_refused_together():
    with pytest.raises(ConfigError) as refused:
        settings_from(RETENTION_CONVERSATION_DAYS="7", RETENTION_CONTACT_DAYS="一年")
    assert "RETENTION_CONVERSATION_DAYS must be a whole number >= 30" in str(refused.value)
    assert "RETENTION_CONTACT_DAYS must be a whole number >= 30" in str(refused.value)
