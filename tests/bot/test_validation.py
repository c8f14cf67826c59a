import pytest

from bot.conversation.validation import find_phone, is_meaningful, normalize_phone


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("010-12345678", "010-12345678"),
        ("0755 8765432", "0755-8765432"),
        ("12812345678", None),
        ("1381234567", None),
        ("电话是多少", None),
        ("", None),
        ("110", None),
    ],
)
def test_mainland_mobile_and_landline_numbers(text, phone):
    assert normalize_phone(text) == phone


def test_meaningful_content():
    assert is_meaningful("楼下饭店半夜噪音")
    assert not is_meaningful("😀😀😀😀") and not is_meaningful("。。。") and not is_meaningful("啊")
    assert not is_meaningful("噪音" * 600)


def test_a_phone_number_is_found_in_what_the_citizen_typed():
    assert find_phone("我的手机号是138 1234 5678") == "13812345678" and find_phone("１３８１２３４５６７８") == "13812345678"
    assert find_phone("座机0755-12345678") == "0755-12345678"
    assert find_phone("后四位是5678") is None and find_phone("不知道") is None and find_phone("138123456789") is None
