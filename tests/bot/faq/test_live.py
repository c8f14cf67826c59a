"""LiveFaq follows the database: edits, publishing and retiring are served without a restart."""

from sqlalchemy.exc import OperationalError

from bot.faq import live as live_module
from bot.faq.decision import decide
from bot.faq.live import LiveFaq
from bot.faq.store import catalogue_version, get_entry, save_entry, set_status
from bot.faq.transfer import import_file
from tests.bot.faq.conftest import FIXTURES
from tests.support.polling import wait_until

QUESTION = "去外地看病医保咋备案"


def _answer(live: LiveFaq) -> str | None:
    decision = decide(live.index().search(QUESTION, hotlines=None))
    return decision.best.entry.answer if decision.kind == "answer" else None


def _edit_answer(factory, text: str) -> None:
    entry = get_entry(factory, "T-001")
    save_entry(
        factory, type(entry)(**{**entry.content(), "similar_questions": entry.similar_questions, "answer": text}), actor="editor"
    )


def test_a_server_serves_an_edit_without_a_restart_and_without_anyone_asking_meanwhile(factory):
    import_file(factory, FIXTURES / "mixed.csv", actor="editor")
    live = LiveFaq(factory)
    before = _answer(live)
    assert "国家医保服务平台" in before
    _edit_answer(factory, "新的答复：请在国家医保服务平台App上备案。")
    answers = []

    def edit_served() -> bool:  # while the watcher rebuilds, the old answer keeps coming
        answers.append(_answer(live))
        return answers[-1] == "新的答复：请在国家医保服务平台App上备案。"

    wait_until(edit_served, timeout=30, interval=0.1, message="the edit was not served")
    assert set(answers) <= {before, "新的答复：请在国家医保服务平台App上备案。"}
    assert _answer(live) == "新的答复：请在国家医保服务平台App上备案。"
    _edit_answer(factory, "第二次修改。")
    edited = catalogue_version(factory)
    # idle: nobody asks; the watcher notices by itself (its index reaches the new version unasked)
    wait_until(lambda: live.version >= edited, timeout=30, message="the watcher did not rebuild the index by itself")
    assert _answer(live) == "第二次修改。"
    live.close()


def test_retired_entries_stop_and_republished_ones_return(factory):
    import_file(factory, FIXTURES / "mixed.csv", actor="editor")
    live = LiveFaq(factory, recheck_seconds=0, background=False)
    assert _answer(live) is not None
    set_status(factory, "T-001", "retired", actor="editor")
    assert all(c.entry.id != "T-001" for c in live.index().search(QUESTION).candidates)
    set_status(factory, "T-001", "published", actor="editor")
    assert live.index().search(QUESTION).candidates[0].entry.id == "T-001"


def test_a_database_outage_keeps_the_last_index_serving(factory, monkeypatch):
    import_file(factory, FIXTURES / "mixed.csv", actor="editor")
    live = LiveFaq(factory, recheck_seconds=0, background=False)
    assert _answer(live) is not None

    def gone(_factory):
        raise OperationalError("SELECT", {}, Exception("database is gone"))

    monkeypatch.setattr(live_module, "catalogue_version", gone)
    assert _answer(live) is not None
