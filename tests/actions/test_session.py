from rasa_sdk.events import ActionExecuted, SessionStarted

from actions import services
from actions.session import ActionSessionStart
from tests.actions.conftest import load_tracker, run_action


def test_session_starts_with_the_deployments_hotline_profile(monkeypatch):
    monkeypatch.setenv("HOTLINE_PROFILE", "12320")
    monkeypatch.setenv("HOTLINE_SERVICE_HOURS", "每天8:00-20:00")
    services.settings.cache_clear()
    _, events = run_action(ActionSessionStart(), load_tracker("emergency_medical"))
    assert events[0] == SessionStarted()
    assert events[-1] == ActionExecuted("action_listen")
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["hotline_number"] == "12320"
    assert "12320" in slots["hotline_name"]
    assert slots["service_hours"] == "每天8:00-20:00"
    assert "、" in slots["service_scope"]
