"""Who may do what: the staff roles and the groups of them that routes, services and masking check.

One place for every role list and role name; pages read them, with the pages a role may open, from
``/console/api/me``.
"""

from __future__ import annotations

ROLES = ("agent", "editor", "supervisor", "admin", "department")  # department: a handling department's staff
ROLE_LABELS = {"agent": "话务员", "editor": "内容编辑", "supervisor": "督办", "admin": "管理员", "department": "部门经办人"}

HOTLINE = ("agent", "supervisor", "admin")  # the hotline's own staff: conversations, every ticket, call-backs
EDITING = ("editor", "supervisor", "admin")  # the knowledge base and the NLU review queue
SUPERVISION = ("supervisor", "admin")  # figures, the audit log, extensions, a citizen's identity in clear
HANDLING = (*HOTLINE, "department")  # tickets: the hotline's staff and the departments that handle them
ADMIN = ("admin",)  # accounts, departments, the working calendar
REVEAL_ROLES = SUPERVISION  # may see a citizen's name and phone in clear, and a reporter's (举报) identity (audited)
