from bot.core.privacy import mask_name, mask_personal_data, mask_phone


def test_phone_numbers_show_only_first_three_and_last_four_digits():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "138****5678"
    assert mask_phone("0571-87654321") == "057*****4321"


def test_names_keep_only_the_family_name():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"


def test_free_text_hides_mobiles_landlines_and_id_numbers():
    text = "我叫王五，电话13812345678，座机010-62345678，身份证110101199003071234，住幸福路8号"
    masked = mask_personal_data(text)
    assert "13812345678" not in masked and "138****5678" in masked
    assert "62345678" not in masked and "010-****5678" in masked
    assert "110101199003071234" not in masked and "110101" in masked
    assert "幸福路8号" in masked


def test_text_without_personal_data_is_unchanged():
    text = "公积金怎么提取？需要带身份证吗 3 个工作日"
    assert mask_personal_data(text) == text
