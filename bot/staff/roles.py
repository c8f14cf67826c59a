"""Who may do what: the staff roles and the groups of them that routes, services and masking check.

One place for every role list; pages read the signed-in role from ``/console/api/me``.
"""

from __future__ import annotations

ROLES = ("agent", "editor", "supervisor", "admin", "department")  # department: a handling department's staff

HOTLINE = ("agent", "supervisor", "admin")  # the hotline's own staff: conversations, every ticket, call-backs
EDITING = ("editor", "supervisor", "admin")  # the knowledge base and the NLU review queue
SUPERVISION = ("supervisor", "admin")  # figures, the audit log, extensions, a citizen's identity in clear
HANDLING = (*HOTLINE, "department")  # tickets: the hotline's staff and the departments that handle them
ADMIN = ("admin",)  # accounts, departments, the working calendar
