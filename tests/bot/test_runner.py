import stat
from dataclasses import replace
from pathlib import Path

from bot.config import load_settings
from bot.runner import WEBCHAT_PATH, Stack, auth_token, credentials_file


def settings_in(tmp_path, **env):
    settings = load_settings(env, env_file=Path("/nonexistent"))
    return replace(settings, project_root=tmp_path)


def test_generated_api_token_is_kept_private_and_reused(tmp_path):
    settings = settings_in(tmp_path)
    token = auth_token(settings)
    token_file = tmp_path / "var" / "rasa-auth-token"
    assert len(token) >= 32 and token_file.read_text() == token
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert auth_token(settings) == token


def test_configured_api_token_wins(tmp_path):
    assert auth_token(settings_in(tmp_path, RASA_AUTH_TOKEN="from-env")) == "from-env"
    assert not (tmp_path / "var" / "rasa-auth-token").exists()


def test_credentials_are_created_from_the_example_once(tmp_path):
    (tmp_path / "credentials.yml.example").write_text("rest:\n", encoding="utf-8")
    messages = []
    path = credentials_file(tmp_path, say=messages.append)
    assert path.read_text(encoding="utf-8") == "rest:\n" and len(messages) == 1
    path.write_text("rest:\nsecret: kept\n", encoding="utf-8")
    credentials_file(tmp_path, say=messages.append)
    assert "kept" in path.read_text(encoding="utf-8") and len(messages) == 1


def test_printed_web_chat_url_points_at_localhost(tmp_path):
    stack = Stack(settings=settings_in(tmp_path, RASA_PORT="5005"), model=tmp_path / "m.tar.gz",
                  credentials=tmp_path / "c.yml", log_dir=tmp_path)
    assert stack.webchat_url == f"http://localhost:5005{WEBCHAT_PATH}"
