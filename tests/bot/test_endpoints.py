from pathlib import Path

from bot.core.config import load_settings
from bot.runtime.endpoints import rasa_endpoints

NO_ENV_FILE = Path("/nonexistent/.env")


def test_embedded_mode_keeps_trackers_and_locks_in_memory():
    endpoints = rasa_endpoints(load_settings({"ACTION_PORT": "5099"}, env_file=NO_ENV_FILE))
    assert endpoints["action_endpoint"]["url"] == "http://127.0.0.1:5099/webhook"
    assert "tracker_store" not in endpoints and "lock_store" not in endpoints


def test_redis_url_moves_trackers_and_locks_to_redis():
    settings = load_settings({"REDIS_URL": "redis://:pw@10.0.0.5:6380/3"}, env_file=NO_ENV_FILE)
    endpoints = rasa_endpoints(settings)
    for store in ("tracker_store", "lock_store"):
        config = endpoints[store]
        assert (config["type"], config["url"], config["port"], config["db"], config["password"]) == (
            "redis",
            "10.0.0.5",
            6380,
            3,
            "pw",
        )
