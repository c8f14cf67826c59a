"""Every audit action the code writes reads as Chinese to staff."""

import re
from pathlib import Path

from bot.staff.audit import action_label

ROOT = Path(__file__).resolve().parents[3]
ACTION = re.compile(r"audit(?:_change)?\([^)]*?\"([a-z_]+\.[a-z_]+)\"", re.S)


def test_every_audit_action_in_the_code_has_a_label():
    actions = {a for path in (ROOT / "bot").rglob("*.py") for a in ACTION.findall(path.read_text(encoding="utf-8"))}
    assert len(actions) > 20
    unlabelled = sorted(a for a in actions if action_label(a) == a)
    assert unlabelled == []
