from bot.faq.store import (
    EntryData,
    catalogue_version,
    feedback_counts,
    published_snapshot,
    record_feedback,
    revisions,
    save_entry,
    set_status,
)

ENTRY = EntryData(
    id="SI-001",
    question="如何申领社会保障卡？",
    answer="到社保卡服务网点办理。",
    category="社会保险",
    similar_questions=("社保卡在哪办",),
    hotline="12345",
)


def test_every_change_is_a_revision_and_moves_the_version(factory):
    assert catalogue_version(factory) == 0
    assert save_entry(factory, ENTRY, actor="editor-1") == "created"
    first = catalogue_version(factory)
    assert save_entry(factory, ENTRY, actor="editor-1") == "unchanged"
    assert catalogue_version(factory) == first
    changed = EntryData(**{**ENTRY.content(), "similar_questions": ("社保卡在哪办",), "answer": "新答复。"})
    assert save_entry(factory, changed, actor="editor-2") == "updated"
    set_status(factory, "SI-001", "retired", actor="editor-3")
    history = revisions(factory, "SI-001")
    assert [(r.action, r.version, r.changed_by) for r in history] == [
        ("created", 1, "editor-1"),
        ("updated", 2, "editor-2"),
        ("retired", 3, "editor-3"),
    ]
    assert history[1].snapshot["answer"] == "新答复。"
    assert catalogue_version(factory) > first


def test_only_published_entries_are_served(factory):
    save_entry(factory, ENTRY, actor="editor")
    save_entry(factory, EntryData(id="D-1", question="草稿？", answer="草稿", category="其他", status="draft"), actor="editor")
    _, served = published_snapshot(factory)
    assert [e.id for e in served] == ["SI-001"]
    set_status(factory, "D-1", "published", actor="editor")
    set_status(factory, "SI-001", "retired", actor="editor")
    assert [e.id for e in published_snapshot(factory)[1]] == ["D-1"]


def test_feedback_is_counted_per_entry(factory):
    save_entry(factory, ENTRY, actor="editor")
    record_feedback(factory, entry_id="SI-001", helpful=True, channel="webchat")
    record_feedback(factory, entry_id="SI-001", helpful=False, channel="webchat")
    record_feedback(factory, entry_id="SI-001", helpful=True, channel="wechat")
    assert feedback_counts(factory, "SI-001") == (2, 1)
