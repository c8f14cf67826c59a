"""An editor's change and its audit entry are one: both kept, or neither."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from bot.conversation.unanswered import UnansweredQuestion
from bot.core.clock import utc_now
from bot.faq.editing import answer_unanswered, close_unanswered
from bot.faq.store import EntryData, StaleEdit, get_entry, save_checked, set_status
from bot.staff.accounts import create_user
from bot.staff.audit import Actor, AuditNote, recent_audit

ENTRY = EntryData(
    id="SI-001",
    question="如何申领社会保障卡？",
    answer="到社保卡服务网点办理。",
    category="社会保险",
    hotline="12345",
    status="draft",
)


@pytest.fixture
def editor(factory) -> Actor:
    return create_user(factory, username="editor", staff_no="2001", role="editor", password="correct-horse-42").actor


def note(editor: Actor, action: str, **detail) -> AuditNote:
    return AuditNote(editor, action, target_type="faq_entry", target_id=ENTRY.id, detail=detail)


def test_a_saved_entry_has_its_audit_entry_and_a_refused_edit_has_neither(factory, editor):
    save_checked(factory, ENTRY, expected_version=None, actor="editor", audited=note(editor, "faq.create"))
    with pytest.raises(StaleEdit):
        save_checked(
            factory,
            EntryData(**{**ENTRY.content(), "answer": "另一个答复。"}),
            expected_version=9,
            actor="editor",
            audited=note(editor, "faq.edit", version=9),
        )
    set_status(factory, ENTRY.id, "published", actor="editor", audited=note(editor, "faq.publish"))
    entries = recent_audit(factory, target_type="faq_entry")
    assert [(e.action, e.staff_no, e.detail) for e in reversed(entries)] == [
        ("faq.create", "2001", {}),
        ("faq.publish", "2001", {"version": 2}),
    ]
    assert get_entry(factory, ENTRY.id).answer == ENTRY.answer


def test_when_the_audit_entry_cannot_be_written_the_change_is_not_kept(factory, editor):
    unwritable = note(Actor(user_id=999, staff_no="9999", role="editor"), "faq.create")  # no such account: the row fails
    with pytest.raises(IntegrityError):
        save_checked(factory, ENTRY, expected_version=None, actor="editor", audited=unwritable)
    assert get_entry(factory, ENTRY.id) is None
    assert recent_audit(factory, target_type="faq_entry") == []


def test_answering_unanswered_questions_saves_the_entry_closes_the_group_and_audits_in_one_go(factory, editor):
    with factory.begin() as session:
        session.add_all(
            [
                UnansweredQuestion(question_key=key, text=text, channel="webchat", reason="fallback", created_at=utc_now())
                for key, text in (("k1", "社保卡怎么办"), ("k2", "公积金提取"))
            ]
        )
    answer_unanswered(
        factory, ["k1"], ENTRY, expected_version=None, actor="editor", audited=note(editor, "faq.create_from_unanswered")
    )
    assert close_unanswered(factory, ["k1", "k2"], audited=note(editor, "faq.dismiss_unanswered")) == 1  # k1 was answered
    with factory() as session:
        rows = {q.question_key: q for q in session.query(UnansweredQuestion)}
    assert rows["k1"].resolved_entry_id == ENTRY.id and rows["k1"].dismissed_at is None
    assert rows["k2"].dismissed_at is not None
    assert [(e.action, e.detail) for e in reversed(recent_audit(factory, target_type="faq_entry"))] == [
        ("faq.create_from_unanswered", {}),
        ("faq.dismiss_unanswered", {"rows": 1}),
    ]
