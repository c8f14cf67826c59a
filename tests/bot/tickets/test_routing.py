"""Department routing: the classifier over the shipped directory, staff confirmations, retraining, the CLI."""

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.core.config import Deadlines
from bot.core.db import make_engine, make_session_factory
from bot.core.migrate import upgrade
from bot.staff.accounts import create_user, sign_in
from bot.tickets.handling import TicketHandling
from bot.tickets.routing import Department, Directory, Router
from bot.tickets.routing_confirmations import confirmed_pairs
from bot.tickets.service import TicketDesk, TicketDraft
from bot.tickets.workdays import WorkingCalendar

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def router():
    return Router.load()


@pytest.mark.parametrize(
    "text, department",
    [
        ("幸福路菜市场门口天天有流动摊贩占道经营，行人只能走机动车道", "城市管理局"),
        ("城西工业园一家电镀厂晚上偷偷往河里排废水，河水都发黑了，请严查", "生态环境局"),
        ("楼上邻居每天半夜拍球跺脚，沟通多次无果", "公安局"),
        ("公司已经拖欠我们三个月工资，老板电话也不接", "人力资源和社会保障局"),
        ("孩子今年上小学，划片学校说学位不够不给报名", "教育局"),
        ("异地住院回来报销被退回，说备案手续不全", "医疗保障局"),
        ("小区暖气一点都不热，屋里才十四度", "供水供电供气企业"),
        ("旁边工地每天夜里十二点还在浇筑混凝土，吵得整栋楼睡不着", "住房和城乡建设局"),
    ],
)
def test_an_appeal_goes_to_the_department_whose_duties_it_describes(router, text, department):
    suggestion = router.suggest(text)
    assert suggestion.department == department
    assert 0 < suggestion.confidence <= 1 and suggestion.candidates[0].department == department
    assert len(suggestion.candidates) == 3


@pytest.mark.parametrize("text", ["你好", "今天天气不错", "asdfgh", "'; DROP TABLE tickets; --", "😀😀"])
def test_text_that_names_no_duty_stays_for_staff_to_assign(router, text):
    assert router.suggest(text).department is None  # 待分派 is better than a wrong department


def test_an_empty_text_is_left_unassigned_without_candidates(router):
    assert router.suggest("  ").department is None and router.suggest("").candidates == ()


def test_deactivated_departments_are_never_suggested(router):
    text = "公司已经拖欠我们三个月工资"
    allowed = [name for name in router.directory.names if name != "人力资源和社会保障局"]
    suggestion = router.suggest(text, allowed=allowed)
    assert all(c.department != "人力资源和社会保障局" for c in suggestion.candidates)


def test_retraining_learns_a_department_staff_confirmed_and_every_process_picks_it_up(tmp_path):
    directory = Directory.load()
    confirmed = [
        (f"{place}的人防工程{issue}", "人民防空办公室")
        for place in ("和平路", "城东新区", "锦江花园", "北塘街道", "滨江路", "老城区")
        for issue in ("被占用堆放杂物", "出入口被封堵", "改成了收费停车场", "长期积水没人管")
    ]
    text = "城南的人防工程被占用堆放杂物，出入口也被封堵了"
    assert Router(directory).suggest(text).department != "人民防空办公室"
    Router(directory, model_dir=tmp_path).retrain(confirmed)
    assert (tmp_path / "router.npz").is_file()
    fresh = Router(directory, model_dir=tmp_path)  # another process: reads the stored model
    assert fresh.suggest(text).candidates[0].department == "人民防空办公室"
    other = Directory((Department("城市管理局", ("占道",)), Department("公安局", ("噪音",))), 0.4, "another")
    assert "人民防空办公室" not in Router(other, model_dir=tmp_path).model().classes  # built for another directory


def test_staff_assignments_are_kept_as_routing_confirmations_with_personal_data_masked(sqlite_url):
    upgrade(sqlite_url)
    factory = make_session_factory(make_engine(sqlite_url))
    desk = TicketDesk(factory, WorkingCalendar(), Deadlines())
    created = desk.create(
        TicketDraft(
            category="complaint",
            fields={"description": "你好，有事找你们，电话13812345678", "location": "和平路"},
            channel="webchat",
            conversation_id="c-1",
            submission_key="k-1",
            name="张三",
            phone="13812345678",
        ),
        now=datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc),
    )
    handling = TicketHandling(factory, WorkingCalendar(), desk.router)
    create_user(factory, username="li", staff_no="1024", role="agent", password="correct-horse-42")
    agent = sign_in(factory, "li", "correct-horse-42").member
    handling.act(agent, created.number, "assign", department="城市管理局")
    handling.act(agent, created.number, "assign", department="公安局")  # reassigned: the latest choice counts
    pairs = confirmed_pairs(factory)
    assert len(pairs) == 1 and pairs[0][1] == "公安局"
    assert "13812345678" not in pairs[0][0] and "和平路" in pairs[0][0]


def _cli(*args: str, stdin: str = "", tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bot", "tickets", "route", *args],
        input=stdin,
        text=True,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def test_the_route_command_answers_one_json_line_per_input_line(tmp_path):
    lines = [
        json.dumps({"text": "小区门口烧烤摊油烟太大，熏得没法开窗"}, ensure_ascii=False),
        "not json",
        json.dumps({"text": "你好"}, ensure_ascii=False),
    ]
    done = _cli("--json", stdin="\n".join(lines) + "\n", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(answers) == 3
    assert answers[0]["department"] == "城市管理局" and 0 < answers[0]["confidence"] <= 1
    assert answers[0]["candidates"][0] == {"department": "城市管理局", "confidence": answers[0]["confidence"]}
    assert "error" in answers[1]
    assert answers[2]["department"] is None and set(answers[2]) == {"department", "confidence", "candidates"}
