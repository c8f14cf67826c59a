import csv

import pytest

from bot.faq.store import get_entry, list_entries, revisions, save_entry
from bot.faq.transfer import UnreadableFile, export_file, import_file
from tests.bot.faq.conftest import FIXTURES


def test_import_reports_bad_rows_by_line_and_imports_the_rest(factory):
    report = import_file(factory, FIXTURES / "mixed.csv", actor="editor-1")
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    # Lines as a spreadsheet editor counts them: the multi-line answers above push later rows down.
    assert [line for line, _ in report.rejected] == [6, 8, 9, 10]
    reasons = dict(report.rejected)
    assert "编号" in reasons[6] and "问题不能为空" in reasons[8]
    assert "适用热线" in reasons[9] and "第 4 行" in reasons[10]
    entry = get_entry(factory, "T-001")
    assert entry.answer == "可通过国家医保服务平台App办理备案。\n也可到参保地医保经办机构窗口办理。"
    assert entry.similar_questions == ("去外地看病医保怎么备案", "异地就医备案流程")
    assert entry.status == "published" and entry.department == "医疗保障局"
    assert get_entry(factory, "T-002").question == "社保卡丢失后如何挂失和补办？"  # the duplicate did not win


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_round_trips_without_changes(factory, tmp_path, suffix):
    import_file(factory, FIXTURES / "mixed.csv", actor="editor-1")
    path = tmp_path / f"faq{suffix}"
    assert export_file(factory, path) == 4
    before = list_entries(factory)
    report = import_file(factory, path, actor="editor-2")
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 0, 4, [])
    assert list_entries(factory) == before


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_answer_that_looks_like_a_formula_is_exported_as_text_and_imports_back(factory, tmp_path, suffix):
    import_file(factory, FIXTURES / "mixed.csv", actor="editor-1")
    entry = get_entry(factory, "T-001")
    save_entry(factory, entry.__class__(**{**entry.__dict__, "answer": '=HYPERLINK("http://x.example")'}), actor="e")
    path = tmp_path / f"faq{suffix}"
    export_file(factory, path)
    if suffix == ".csv":
        assert "'=HYPERLINK" in path.read_text(encoding="utf-8-sig")
    import_file(factory, path, actor="editor-2")
    assert get_entry(factory, "T-001").answer == '=HYPERLINK("http://x.example")'


def test_reimport_upserts_by_id_and_keeps_columns_the_file_leaves_out(factory, tmp_path):
    import_file(factory, FIXTURES / "mixed.csv", actor="editor-1")
    path = tmp_path / "update.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "question", "similar_questions", "answer", "category", "hotline"])
        writer.writerow(["T-001", "如何办理异地就医备案？", "去外地看病医保怎么备案", "新的答复。", "医疗保险", "12345"])
        writer.writerow(["T-100", "新问题？", "", "新答复。", "其他", "全部"])
    report = import_file(factory, path, actor="editor-2")
    assert (report.created, report.updated) == (1, 1)
    updated = get_entry(factory, "T-001")
    assert updated.answer == "新的答复。" and updated.version == 2
    assert updated.department == "医疗保障局"  # not in the file: kept
    assert get_entry(factory, "T-100").hotline == "all"
    assert [r.action for r in revisions(factory, "T-001")] == ["created", "updated"]
    assert revisions(factory, "T-001")[-1].changed_by == "editor-2"


def test_a_file_without_required_columns_or_in_another_format_is_refused_whole(factory, tmp_path):
    missing = tmp_path / "missing.csv"
    missing.write_text("id,question\nX-1,问题\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="answer"):
        import_file(factory, missing, actor="editor")
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("id,question,similar_questions,answer,category,hotline\nX-1,问题,,答复,其他,12345\n".encode("gbk"))
    with pytest.raises(UnreadableFile, match="UTF-8"):
        import_file(factory, gbk, actor="editor")
    with pytest.raises(UnreadableFile):
        import_file(factory, tmp_path / "faq.txt", actor="editor")
    assert list_entries(factory) == []


def test_sql_looking_and_emoji_text_is_stored_as_text(factory):
    from bot.faq.store import EntryData

    text = "'; DROP TABLE faq_entries; -- 😀"
    save_entry(factory, EntryData(id="X-1", question=text, answer=text, category="其他"), actor="editor")
    assert get_entry(factory, "X-1").question == text
