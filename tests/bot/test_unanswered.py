from sqlalchemy import inspect

from bot.conversation.unanswered import Misunderstanding, latest_unanswered, record_unanswered
from bot.core.db import make_engine, make_session_factory
from bot.core.migrate import upgrade


def test_migrations_create_the_schema_on_sqlite_and_postgresql(database_url):
    upgrade(database_url)
    upgrade(database_url)  # idempotent: a second run changes nothing
    engine = make_engine(database_url)
    assert "unanswered_questions" in inspect(engine).get_table_names()
    engine.dispose()


def test_unanswered_questions_are_kept_with_personal_data_masked(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    record_unanswered(
        factory,
        Misunderstanding(
            text="我的电话13812345678，那个事咋整", channel="webchat", reason="fallback", top_intent="consult", confidence=0.41
        ),
    )
    record_unanswered(
        factory, Misunderstanding(text="'; DROP TABLE unanswered_questions; -- 😀", channel="rest", reason="out_of_scope")
    )
    rows = latest_unanswered(factory)
    assert [r.reason for r in rows] == ["out_of_scope", "fallback"]
    assert rows[0].text == "'; DROP TABLE unanswered_questions; -- 😀"
    assert "13812345678" not in rows[1].text and "138****5678" in rows[1].text
    assert rows[1].channel == "webchat" and abs(rows[1].confidence - 0.41) < 1e-9
    engine.dispose()


def test_repeats_of_a_question_are_counted_together(database_url):
    from bot.conversation.unanswered import unanswered_counts

    upgrade(database_url)
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    for text in ["护照怎么办？", "护照 怎么办", "宠物狗要办证吗", "护照怎么办!"]:
        record_unanswered(factory, Misunderstanding(text=text, channel="webchat", reason="faq_no_match", conversation_id="c1"))
    counts = unanswered_counts(factory)
    assert [(c.count, c.text.startswith("护照")) for c in counts] == [(3, True), (1, False)]
    assert counts[0].first_asked <= counts[0].last_asked
    engine.dispose()
