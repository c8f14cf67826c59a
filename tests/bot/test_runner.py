import stat
from dataclasses import replace
from pathlib import Path

from bot.core.config import load_settings
from bot.core.server_keys import action_token, rasa_auth_token
from bot.runtime.runner import WEBCHAT_PATH, Stack, credentials_file


def settings_in(tmp_path, **env):
    settings = load_settings(env, env_file=Path("/nonexistent"))
    return replace(settings, project_root=tmp_path)


def test_generated_secrets_are_kept_private_reused_and_distinct(tmp_path):
    settings = settings_in(tmp_path)
    token = rasa_auth_token(settings)
    for name, value in (("rasa-auth-token", token), ("action-token", action_token(settings))):
        token_file = tmp_path / "var" / name
        assert len(value) >= 32 and token_file.read_text() == value
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert rasa_auth_token(settings) == token and action_token(settings) != token


def test_configured_secrets_win(tmp_path):
    settings = settings_in(tmp_path, RASA_AUTH_TOKEN="from-env", HOTLINE_ACTION_TOKEN="action-from-env")
    assert rasa_auth_token(settings) == "from-env" and action_token(settings) == "action-from-env"
    assert not (tmp_path / "var").exists()


def test_credentials_are_created_from_the_example_once(tmp_path):
    (tmp_path / "credentials.yml.example").write_text("channels.webchat.WebChatInput:\n", encoding="utf-8")
    messages = []
    path = credentials_file(tmp_path, say=messages.append)
    assert path.read_text(encoding="utf-8") == "channels.webchat.WebChatInput:\n" and len(messages) == 1
    path.write_text("channels.webchat.WebChatInput:\nsecret: kept\n", encoding="utf-8")
    credentials_file(tmp_path, say=messages.append)
    assert "kept" in path.read_text(encoding="utf-8") and len(messages) == 1


def test_old_credentials_lose_the_unauthenticated_rest_channel(tmp_path):
    (tmp_path / "credentials.yml").write_text("rest:\nchannels.webchat.WebChatInput:\n", encoding="utf-8")
    messages = []
    text = credentials_file(tmp_path, say=messages.append).read_text(encoding="utf-8")
    assert text == "channels.rest.AuthenticatedRestInput:\nchannels.webchat.WebChatInput:\n"
    assert "Authorization" in messages[0]


def test_printed_web_chat_url_points_at_localhost(tmp_path):
    stack = Stack(
        settings=settings_in(tmp_path, RASA_PORT="5005"),
        model=tmp_path / "m.tar.gz",
        credentials=tmp_path / "c.yml",
        log_dir=tmp_path,
    )
    assert stack.webchat_url == f"http://localhost:5005{WEBCHAT_PATH}"
