"""The console's pages and who may open them: the navigation every page shows, served with ``/console/api/me``.

The roles are the same groups the page routes require, so the menu never offers a page that refuses.
"""

from __future__ import annotations

from bot.staff.roles import ADMIN, EDITING, HANDLING, HOTLINE, ROLES, SUPERVISION

PAGES = (
    ("/console/", "人工会话", HOTLINE),
    ("/console/tickets", "工单", HANDLING),
    ("/console/faq", "知识库", EDITING),
    ("/console/review", "待标注消息", EDITING),
    ("/console/dashboard", "督办看板", SUPERVISION),
    ("/console/audit", "操作日志", SUPERVISION),
    ("/console/admin", "账号与部门", ADMIN),
    ("/console/password", "修改密码", ROLES),
)


def pages_for(role: str) -> list[dict[str, str]]:
    """The pages ``role`` may open, in menu order."""
    return [{"href": href, "text": text} for href, text, roles in PAGES if role in roles]
