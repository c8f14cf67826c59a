"""Pages show the server's names and menus, never copies: each role's menu opens, and the labels a page
shows are the ones in ``bot/tickets/labels.yml``."""

from __future__ import annotations

import yaml

from bot.tickets.service import LABELS_FILE
from tests.console.conftest import STAFF


def test_every_page_a_menu_offers_opens_for_that_role_and_pages_it_omits_refuse(browser):
    everything = {
        "/console/tickets",
        "/console/faq",
        "/console/review",
        "/console/dashboard",
        "/console/audit",
        "/console/admin",
        "/console/password",
    }
    for username, (_, role) in STAFF.items():
        member = browser(username)
        me = member.request("GET", "/console/api/me").json()
        offered = {page["href"] for page in me["pages"]}
        assert "/console/password" in offered and offered <= everything | {"/console/"}, role
        for href in everything:
            status = member.request("GET", href).status_code
            assert (status == 200) == (href in offered), (role, href, status)


def test_the_labels_pages_show_are_the_servers_labels_file_and_name_every_role(browser):
    me = browser("agent1").request("GET", "/console/api/me").json()
    on_disk = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))
    assert me["labels"]["tickets"] == on_disk
    assert me["labels"]["tickets"]["statuses"]["review"] == "待复核"
    assert set(me["labels"]["roles"]) == {role for _, role in STAFF.values()}
    assert me["role_label"] == "话务员"
