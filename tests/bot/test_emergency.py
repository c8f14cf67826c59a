import pytest

from bot.conversation.emergency import EmergencyKind, classify_emergency


@pytest.mark.parametrize(
    "text, number",
    [
        ("楼下着火了好大的烟", "119"),
        ("家里煤气泄漏了怎么办", "119"),
        ("我爸突然晕倒了叫不醒", "120"),
        ("有人在街上持刀砍人", "110"),
        ("我家孩子丢了找不到了", "110"),
    ],
)
def test_keywords_point_to_the_right_number(text, number):
    assert classify_emergency(text).number == number


def test_the_nlu_entity_wins_over_keywords():
    assert classify_emergency("有人受伤了还在打", ["police"]) is EmergencyKind.POLICE


def test_unknown_entity_values_are_ignored_and_unclear_text_gives_no_kind():
    assert classify_emergency("快来人啊", ["tsunami"]) is None
