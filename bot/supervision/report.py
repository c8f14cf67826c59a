"""The weekly summary report (Monday to Sunday): one printable HTML document a supervisor saves or
prints and sends on. The console's CSP forbids inline styles, so the styles are a linked file."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from sqlalchemy.orm import sessionmaker

from bot.core.clock import BEIJING
from bot.supervision.export import DEPARTMENT_TIMELINESS_COLUMNS, Line, department_timeliness_rows, headline, shown
from bot.supervision.figures import Figures, compute_figures, day_bounds
from bot.supervision.hot_spots import alerts_between
from bot.tickets.workdays import WorkingCalendar

STYLESHEET = "/console/static/report.css"
HOT_KINDS = {"group": "同源诉求组", "place": "地点"}
DEFINITIONS = (  # short, for the reader of the report; docs/FIGURES.md has the full definitions
    ("受理工单", "统计周期内受理的工单（按受理时间的北京日期），按类别、渠道、承办部门统计，未分派的计为“待分派”。"),
    ("会话数", "统计周期内发过消息的不同市民会话数。"),
    ("咨询自助解决率", "（知识库答复次数 − 市民表示“没解决”的次数）÷（知识库答复次数 + 知识库未能答复次数）。"),
    ("转人工率", "转人工请求数 ÷ 会话数；等待时间为已接入请求从请求到接入的秒数（平均数、中位数、90 分位）。"),
    (
        "及时率",
        "答复期限在统计周期内的工单中，首次答复日期不晚于期限的 ÷（已答复 + 期限已过仍未答复）；尚未到期且未答复的不计入。",
    ),
    ("满意率", "统计周期内的回访评价中（满意 + 基本满意）÷ 全部评价。"),
    ("接通率", "统计周期内的转人工请求中，有人接入的 ÷（全部请求 − 仍在等待的请求）。"),
    ("派单准确率", "统计周期内受理并已派单的工单中，始终留在首次派往部门（未改派）的 ÷ 已派单工单。"),
    ("重新打开率", "统计周期内的办结中，市民评价“不满意”而重新打开（待复核）的 ÷ 办结次数。"),
    ("超期未办结", "截至统计日，未办结且答复期限已过的工单（不论受理日期），超期天数按工作日计。"),
    ("热点诉求", "同一同源诉求组或同一地点 24 小时内的工单达到平时日均的 5 倍且不少于 5 件时预警（规则见 docs/FIGURES.md）。"),
    ("未能答复的问题", "统计周期内助手未能答复的问题（已脱敏），相同问法合并，取次数最多的 10 个。"),
)


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week ``day`` falls in."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def weekly_report(factory: sessionmaker, day: date, *, today: date, calendar: WorkingCalendar) -> str:
    """The report of the week ``day`` falls in, compared with the week before."""
    monday, sunday = week_of(day)
    this = compute_figures(factory, monday, sunday, today=today, calendar=calendar)
    before = compute_figures(factory, monday - timedelta(days=7), monday - timedelta(days=1), today=today, calendar=calendar)
    return render(this, before, alerts_between(factory, *day_bounds(monday, sunday)))


def render(this: Figures, before: Figures, hot: list[dict] | None = None) -> str:
    title = f"热线督办周报（{this.start.isoformat()} 至 {this.end.isoformat()}）"
    parts = [
        '<!doctype html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        f'<link rel="stylesheet" href="{STYLESHEET}">\n</head>\n<body>',
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">统计周期：{this.start.isoformat()}（周一）至 {this.end.isoformat()}（周日），北京时间；'
        f"对比：上周 {before.start.isoformat()} 至 {before.end.isoformat()}；统计日：{this.today.isoformat()}</p>",
        '<p class="screen-only">使用浏览器的“打印”可保存为 PDF 发送。</p>',
        "<h2>主要指标</h2>",
        _table(
            ("指标", "本周", "上周", "变化"),
            [(a.label, shown(a), shown(b), _change(a, b)) for a, b in zip(headline(this), headline(before))],
        ),
        "<h2>受理量</h2>",
        "<h3>按类别</h3>",
        _table(("类别", "本周", "上周"), _side_by_side(this.volumes.by_category, before.volumes.by_category)),
        "<h3>按承办部门</h3>",
        _table(("承办部门", "本周", "上周"), _side_by_side(this.volumes.by_department, before.volumes.by_department)),
        "<h3>按渠道</h3>",
        _table(("渠道", "本周", "上周"), _side_by_side(this.volumes.by_channel, before.volumes.by_channel)),
        "<h3>各部门及时率（主办按首次答复，协办按本部门答复）</h3>",
        _table(DEPARTMENT_TIMELINESS_COLUMNS, [tuple(row) for row in department_timeliness_rows(this)]),
        f"<h2>超期未办结工单（截至 {this.today.isoformat()}，共 {len(this.overdue)} 件）</h2>",
        _table(
            ("工单号", "类别", "承办部门", "答复期限", "超期工作日"),
            [(t.number, t.category, t.department, t.deadline.isoformat(), t.working_days_overdue) for t in this.overdue],
        ),
        f"<h2>本周热点诉求（{len(hot or [])} 次预警）</h2>",
        _table(
            ("预警时间（北京时间）", "类型", "地点", "24 小时内工单", "平时每天"),
            [
                (
                    a["at"].astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
                    HOT_KINDS.get(a["kind"], a["kind"]),
                    a.get("label", ""),
                    a.get("last_24h", ""),
                    a.get("usual_per_day", ""),
                )
                for a in hot or []
            ],
        ),
        "<h2>未能答复的问题（前 10）</h2>",
        _table(("问题（已脱敏）", "次数", "最近一次"), [(q.text, q.count, q.last_date.isoformat()) for q in this.top_unanswered]),
        "<h2>指标口径</h2>",
        "<dl>" + "".join(f"<dt>{escape(name)}</dt><dd>{escape(text)}</dd>" for name, text in DEFINITIONS) + "</dl>",
        "</body>\n</html>\n",
    ]
    return "\n".join(parts)


def _side_by_side(this: dict[str, int], before: dict[str, int]) -> list[tuple[str, int, int]]:
    """This week's rows in their order, then those only last week had."""
    keys = [*this, *(key for key in before if key not in this)]
    return [(key, this.get(key, 0), before.get(key, 0)) for key in keys]


def _change(now: Line, before: Line) -> str:
    if now.value is None or before.value is None:
        return "—"
    if now.kind == "rate":
        return f"{(now.value - before.value) * 100:+.1f} 个百分点"
    return f"{now.value - before.value:+.0f}"


def _table(head: tuple[str, ...], rows: list[tuple]) -> str:
    if not rows:
        return '<p class="none">无</p>'
    cells = "".join(f"<th>{escape(str(h))}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"
