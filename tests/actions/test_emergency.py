from actions.emergency import ActionEmergency
from tests.actions.conftest import load_tracker, run_action


def test_entity_from_the_nlu_picks_the_ambulance_number():
    messages, _ = run_action(ActionEmergency(), load_tracker("emergency_medical"))
    assert [m["response"] for m in messages] == ["utter_emergency_medical"]


def test_keywords_decide_when_the_nlu_found_no_kind():
    latest = {"text": "厨房冒烟了好像着火了", "intent": {"name": "emergency"}, "entities": []}
    messages, _ = run_action(ActionEmergency(), load_tracker("emergency_medical", latest_message=latest))
    assert [m["response"] for m in messages] == ["utter_emergency_fire"]


def test_unclear_emergency_gives_all_three_numbers():
    latest = {"text": "快来人啊出事了", "intent": {"name": "emergency"}, "entities": []}
    messages, _ = run_action(ActionEmergency(), load_tracker("emergency_medical", latest_message=latest))
    assert [m["response"] for m in messages] == ["utter_emergency_unknown"]
