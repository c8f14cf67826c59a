from bot.messaging.screening import EMPTY_MESSAGE_INTENT, TOO_LONG_INTENT, screen_text


def test_ordinary_text_passes_trimmed_and_without_control_characters():
    assert screen_text("  社保\x00怎么交？😀 ", max_chars=100) == "社保怎么交？😀"


def test_empty_and_blank_messages_get_their_own_answer():
    for text in (None, "", "   \n\t", "\x00\x01"):
        assert screen_text(text, max_chars=100) == EMPTY_MESSAGE_INTENT


def test_overlong_messages_are_not_sent_to_the_nlu():
    assert screen_text("噪" * 101, max_chars=100) == TOO_LONG_INTENT
    assert screen_text("噪" * 100, max_chars=100) == "噪" * 100


def test_sql_looking_text_is_just_text():
    text = "'; DROP TABLE tickets; --"
    assert screen_text(text, max_chars=100) == text


def test_service_unavailable_message_names_the_hotline_number():
    from bot.core.config import load_settings
    from bot.messaging.system_messages import system_message

    profile = load_settings({"HOTLINE_PROFILE": "12319"}).profile
    text = system_message("service_unavailable", profile)
    assert "12319" in text and profile.service_hours in text


def test_typed_text_never_starts_an_intent_however_it_is_padded():
    for typed in ("/affirm", " /affirm", "\x00/affirm", "/ /affirm", "　/affirm"):
        assert screen_text(typed, max_chars=100) == "affirm"
    assert screen_text("/", max_chars=100) == "/empty_message"
    assert screen_text("/affirm", max_chars=100, payload=True) == "/affirm"  # a button the channel offered
