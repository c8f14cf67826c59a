from datetime import datetime

from bot.conversation.cases import correction, describes_something, form_spec, prefill
from bot.tickets.workdays import BEIJING

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=BEIJING)


def test_the_first_message_fills_what_it_already_says():
    fields = prefill("XX路的餐馆每天半夜噪音扰民", NOW)
    assert fields["case_description"] == "XX路的餐馆每天半夜噪音扰民"
    assert fields["case_location"] == "XX路"
    assert fields["case_time"].startswith("持续发生")
    dated = prefill("昨天下午人民路12号的工地把渣土倒在路边", NOW)
    assert dated["case_location"] == "人民路12号" and dated["case_time"] == "2026年11月27日 15:00"


def test_a_bare_request_fills_nothing():
    assert prefill("我要投诉", NOW) == {} and not describes_something("我想举报一下")
    assert prefill("😀😀😀", NOW) == {}


def test_corrections_name_the_field_and_maybe_the_new_value():
    assert correction("电话写错了") == ("contact_phone", None)
    assert correction("地址改成人民路8号") == ("case_location", "人民路8号")
    assert correction("好的没问题") is None


def test_each_form_asks_its_fields():
    assert form_spec("complaint").fields[-2:] == ("contact_name", "contact_phone")
    assert "case_anonymous" in form_spec("report").fields
    assert form_spec("suggestion").optional == {"case_location", "contact_phone"}


def test_street_names_with_common_characters_stay_whole():
    from bot.conversation.cases import find_place

    assert find_place("和平路上的烧烤店占道经营") == "和平路"
    assert find_place("我家楼下幸福小区门口有人摆摊") == "幸福小区"


def test_the_request_word_is_not_part_of_the_place():
    from bot.conversation.cases import find_place

    assert find_place("建议人民路地铁站出口多设几个共享单车停放点") == "人民路"
    assert find_place("我要举报青山镇有个化工厂偷排污水") == "青山镇"


def test_a_long_appeal_as_citizens_write_it_prefills_description_place_and_time():
    from datetime import datetime, timezone

    from bot.conversation.cases import prefill

    appeal = (
        "尊敬的领导您好！我是锦江花园小区3栋的业主，在这里住了八年了。从今年十月开始，小区门口新开了一家烧烤店，"
        "每天晚上营业到凌晨两三点，油烟直接排到我们楼上，噪音也很大，老人孩子根本睡不好。我们找过物业，物业说管不了。"
        "恳请有关部门尽快处理！"
    )
    fields = prefill(appeal, datetime(2026, 12, 6, tzinfo=timezone.utc))
    assert fields["case_description"] == appeal
    assert fields["case_location"] == "锦江花园"
    assert fields["case_time"] == "持续发生（每天晚上）"  # the words that say when, not the greeting
    assert "case_party" not in fields  # "新开了一家烧烤店" tells no one apart: the form asks


def test_the_summary_time_is_short_whole_and_never_nested():
    from datetime import datetime, timezone

    from bot.conversation.cases import describe_time, prefill

    now = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)
    first = prefill("我要投诉幸福路烧烤店每天半夜噪音太大", now)
    assert first == {
        "case_description": "幸福路烧烤店每天半夜噪音太大",
        "case_location": "幸福路",
        "case_time": "持续发生（每天半夜）",
        "case_party": "幸福路烧烤店",
    }
    assert describe_time(first["case_time"], now) == "持续发生（每天半夜）"  # validated again: unchanged
    assert describe_time("一直都这样", now) == "持续发生（一直）"  # the bot's own suggestion, not today's date
    assert describe_time("最近一个月了", now) == "持续发生（最近一个月了）"
