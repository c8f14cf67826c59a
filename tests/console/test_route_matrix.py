"""The role × route matrix: every route the console registers, asked once by a stranger and once by each role.

The expected access is written out below as data (route pattern + method → the roles allowed), read from
the ``require(...)`` of each handler: changing a route's roles means changing this table, and a route
that is registered but not in the table (or in the table but no longer registered) fails the test.

Each request is harmless: ids that do not exist, empty JSON bodies, an unknown ticket action or entry;
what is checked is only whether access was refused. Changes (POST/PUT/DELETE/PATCH) are also checked to
be refused without the session's CSRF token (``X-CSRF-Token``, see ``bot/console/security.py``), and
the sign-in form without its double-submit token.
"""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from bot.staff.roles import ROLES
from tests.console.conftest import PASSWORD, STAFF, Browser, running_console, settings_for

ANONYMOUS = "anonymous"
PUBLIC = "public"  # no session needed (``@public``)

# The role sets, written out (not imported) so that a change of a route's roles has to change this file.
EVERYONE = ("agent", "editor", "supervisor", "admin", "department")
STAFF_WORK = ("agent", "supervisor", "admin")
EDITING = ("editor", "supervisor", "admin")
SUPERVISION = ("supervisor", "admin")
HANDLING = ("agent", "supervisor", "admin", "department")
CALL_BACKS = ("agent", "supervisor", "admin")
REVIEWERS = ("editor", "supervisor", "admin")
ADMIN = ("admin",)

# (method, route pattern as the Sanic router spells it) → the roles allowed, or PUBLIC.
EXPECTED: dict[tuple[str, str], tuple[str, ...] | str] = {
    # auth_routes.py
    ("GET", "/console/login"): PUBLIC,
    ("POST", "/console/login"): PUBLIC,
    ("GET", "/console/health"): PUBLIC,
    # bot/runtime/ops.py (nginx does not serve /metrics to the outside)
    ("GET", "/health/live"): PUBLIC,
    ("GET", "/health/ready"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/console/static/<name:str>"): PUBLIC,
    ("GET", "/console"): EVERYONE,
    ("GET", "/console/api/me"): EVERYONE,
    ("GET", "/console/password"): EVERYONE,
    ("GET", "/console/admin"): ADMIN,
    ("GET", "/console/audit"): SUPERVISION,
    ("POST", "/console/api/me/password"): EVERYONE,
    ("POST", "/console/logout"): EVERYONE,
    # handoff_routes.py
    ("GET", "/console/api/queue"): STAFF_WORK,
    ("GET", "/console/api/canned-replies"): STAFF_WORK,
    ("POST", "/console/api/handoffs/<handoff_id:int>/claim"): STAFF_WORK,
    ("GET", "/console/api/handoffs/<handoff_id:int>"): STAFF_WORK,
    ("GET", "/console/api/handoffs/<handoff_id:int>/messages"): STAFF_WORK,
    ("POST", "/console/api/handoffs/<handoff_id:int>/reply"): STAFF_WORK,
    ("POST", "/console/api/handoffs/<handoff_id:int>/notes"): STAFF_WORK,
    ("GET", "/console/api/handoffs/<handoff_id:int>/ticket-form"): STAFF_WORK,
    ("POST", "/console/api/handoffs/<handoff_id:int>/tickets"): STAFF_WORK,
    ("POST", "/console/api/handoffs/<handoff_id:int>/hand-back"): STAFF_WORK,
    # admin_routes.py
    ("GET", "/console/api/users"): ADMIN,
    ("POST", "/console/api/users"): ADMIN,
    ("POST", "/console/api/users/<username:str>/active"): ADMIN,
    ("POST", "/console/api/users/<username:str>/password"): ADMIN,
    ("POST", "/console/api/users/<username:str>/department"): ADMIN,
    # calendar_routes.py
    ("GET", "/console/api/calendar"): ADMIN,
    ("POST", "/console/api/calendar"): ADMIN,
    ("GET", "/console/api/departments"): ADMIN,
    ("POST", "/console/api/departments"): ADMIN,
    ("POST", "/console/api/departments/<name:str>/active"): ADMIN,
    ("GET", "/console/api/audit"): SUPERVISION,
    # faq_routes.py
    ("GET", "/console/faq"): EDITING,
    ("GET", "/console/api/faq/entries"): EDITING,
    ("POST", "/console/api/faq/entries"): EDITING,
    ("GET", "/console/api/faq/entries/<entry_id:str>"): EDITING,
    ("PUT", "/console/api/faq/entries/<entry_id:str>"): EDITING,
    ("POST", "/console/api/faq/entries/<entry_id:str>/status/<action:str>"): EDITING,
    ("GET", "/console/api/faq/entries/<entry_id:str>/diff"): EDITING,
    ("POST", "/console/api/faq/entries/<entry_id:str>/rollback"): EDITING,
    ("POST", "/console/api/faq/try"): EDITING,
    ("POST", "/console/api/faq/preview"): EDITING,
    # faq_bulk_routes.py
    ("POST", "/console/api/faq/import/preview"): EDITING,
    ("POST", "/console/api/faq/import/apply"): EDITING,
    ("GET", "/console/api/faq/export"): EDITING,
    ("GET", "/console/api/faq/unanswered"): EDITING,
    ("POST", "/console/api/faq/unanswered/draft"): EDITING,
    ("POST", "/console/api/faq/unanswered/similar"): EDITING,
    ("POST", "/console/api/faq/unanswered/dismiss"): EDITING,
    ("GET", "/console/api/faq/conversations/<conversation_id:str>"): ("editor", "supervisor", "admin", "agent"),
    # ticket_routes.py
    ("GET", "/console/tickets"): HANDLING,
    ("GET", "/console/api/tickets"): HANDLING,
    ("GET", "/console/api/tickets/<number:str>"): HANDLING,
    ("POST", "/console/api/tickets/<number:str>/<action:str>"): HANDLING,
    ("GET", "/console/api/call-backs"): CALL_BACKS,
    ("POST", "/console/api/call-backs/<notice_id:int>/phone"): CALL_BACKS,
    ("POST", "/console/api/call-backs/<notice_id:int>/done"): CALL_BACKS,
    # dashboard_routes.py
    ("GET", "/console/dashboard"): SUPERVISION,
    ("GET", "/console/api/dashboard"): SUPERVISION,
    ("GET", "/console/api/dashboard/hot-spots"): SUPERVISION,
    ("GET", "/console/api/dashboard/export.xlsx"): SUPERVISION,
    ("GET", "/console/api/dashboard/figures.csv"): SUPERVISION,
    ("GET", "/console/api/dashboard/tickets.csv"): SUPERVISION,
    ("GET", "/console/reports/weekly"): SUPERVISION,
    # review_routes.py
    ("GET", "/console/review"): REVIEWERS,
    ("GET", "/console/api/review"): REVIEWERS,
    ("POST", "/console/api/review/<review_id:int>/label"): REVIEWERS,
}

# Harmless values for path parameters: nothing by these names or numbers exists.
PARAMETERS = {
    "handoff_id": "999999",
    "notice_id": "999999",
    "review_id": "999999",
    "username": "no-such-user",
    "name": "no-such-department",
    "entry_id": "NO-SUCH-ENTRY",
    "conversation_id": "no-such-conversation",
    "number": "NO-SUCH-TICKET",
}
# Where a route needs a particular value (an action the handler knows, an asset that exists).
CONCRETE = {
    ("GET", "/console/static/<name:str>"): "/console/static/console.js",
    (
        "POST",
        "/console/api/faq/entries/<entry_id:str>/status/<action:str>",
    ): "/console/api/faq/entries/NO-SUCH-ENTRY/status/publish",
    ("POST", "/console/api/tickets/<number:str>/<action:str>"): "/console/api/tickets/NO-SUCH-TICKET/note",
}
# Requests that end or replace the session they are made in: each gets a browser of its own.
SESSION_CHANGING = {("POST", "/console/login"), ("POST", "/console/logout")}

SAFE = ("GET", "HEAD")  # security.SAFE_METHODS: everything else needs the CSRF token
WHO = (ANONYMOUS, *EVERYONE)
USER_OF_ROLE = {role: username for username, (_, role) in STAFF.items() if username != "agent2"}
ROLE_REFUSAL = "您的角色无权执行此操作"
CSRF_REFUSAL = "页面已过期"
CHANGES = sorted(key for key in EXPECTED if key[0] not in SAFE)


def _concrete(method: str, pattern: str) -> str:
    if (method, pattern) in CONCRETE:
        return CONCRETE[(method, pattern)]
    return re.sub(r"<(\w+)(?::\w+)?>", lambda m: PARAMETERS[m.group(1)], pattern)


def _registered(app) -> dict[tuple[str, str], object]:
    """(method, pattern) → handler for every route the app registers."""
    found = {}
    for route in app.router.routes:
        for method in route.methods:
            found[(method, "/" + route.path.strip("/"))] = route.handler
    return found


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory):
    """One console app and its staff for the whole module (the shared ``console`` fixture is per test)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('route_matrix') / 'hotline.sqlite3'}"
    with running_console(settings_for(url)) as app:
        yield app


def _open(app, who: str) -> Browser:
    opened = Browser(app)
    if who != ANONYMOUS:
        assert opened.sign_in(USER_OF_ROLE[who]).status_code == 303, who
    return opened


@pytest.fixture(scope="module")
def browsers(matrix_app):
    """A signed-in browser per role (and one without a session), kept for the whole module."""
    return {who: _open(matrix_app, who) for who in WHO}


def _send(browser: Browser, method: str, path: str, *, csrf: str | None) -> httpx.Response:
    """One request with an empty JSON body; ``csrf`` is the X-CSRF-Token header (None: no header at all)."""
    headers = {} if csrf is None else {"X-CSRF-Token": csrf}
    kwargs = {} if method in SAFE else {"json": {}}
    return asyncio.run(browser.client.request(method, path, headers=headers, **kwargs))


def _sign_in_form(browser: Browser) -> str:
    page = _send(browser, "GET", "/console/login", csrf=None)
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def _ask(app, browsers, who: str, method: str, pattern: str) -> httpx.Response:
    """``who`` asks the route as its page would: the session's CSRF token on changes, none on reads."""
    if (method, pattern) == ("POST", "/console/login"):  # the sign-in form itself, with its own token
        browser = _open(app, who)
        token = _sign_in_form(browser)
        form = {"csrf": token, "username": USER_OF_ROLE.get(who, "agent2"), "password": PASSWORD}
        return asyncio.run(browser.client.post("/console/login", data=form))
    browser = _open(app, who) if (method, pattern) in SESSION_CHANGING else browsers[who]
    return _send(browser, method, _concrete(method, pattern), csrf=None if method in SAFE else browser.csrf)


def _expectation(who: str, method: str, pattern: str) -> str:
    allowed = EXPECTED[(method, pattern)]
    if allowed == PUBLIC:
        return "granted"
    if who == ANONYMOUS:
        # security.require: pages (GET outside /console/api/) send strangers to the sign-in page, the rest is 401.
        return "to sign-in" if method == "GET" and not pattern.startswith("/console/api/") else "401"
    return "granted" if who in allowed else "403"


# Cases found to be access-control bugs in the application: (who, method, pattern) → the bug.
KNOWN_BUGS: dict[tuple[str, str, str], str] = {}


def _cases():
    for method, pattern in sorted(EXPECTED, key=lambda key: (key[1], key[0])):
        for who in WHO:
            marks = ()
            if (who, method, pattern) in KNOWN_BUGS:
                marks = (pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[(who, method, pattern)]),)
            yield pytest.param(who, method, pattern, marks=marks, id=f"{who}-{method}-{pattern}")


def test_every_registered_route_is_in_the_table_and_every_entry_is_registered(matrix_app):
    registered = set(_registered(matrix_app))
    missing = sorted(registered - set(EXPECTED))
    stale = sorted(set(EXPECTED) - registered)
    assert not missing, f"routes without an expected row in EXPECTED: {missing}"
    assert not stale, f"rows in EXPECTED for routes no longer registered: {stale}"


def test_the_table_agrees_with_the_roles_each_handler_declares(matrix_app):
    for (method, pattern), handler in _registered(matrix_app).items():
        declared = PUBLIC if getattr(handler, "console_public", False) else getattr(handler, "console_roles", None)
        assert declared is not None, f"{method} {pattern} is neither @public nor wrapped by require(...)"
        expected = EXPECTED[(method, pattern)]
        if expected == PUBLIC or declared == PUBLIC:
            assert declared == expected, (method, pattern)
        else:
            assert set(declared) == set(expected), (method, pattern, declared)


def test_the_matrix_covers_every_role():
    assert set(EVERYONE) == set(ROLES) == set(USER_OF_ROLE)


@pytest.mark.parametrize(("who", "method", "pattern"), list(_cases()))
def test_access(matrix_app, browsers, who, method, pattern):
    answer = _ask(matrix_app, browsers, who, method, pattern)
    status, expected = answer.status_code, _expectation(who, method, pattern)
    said = answer.text[:200]
    if expected == "granted":
        assert status not in (401, 403), (status, said)
        assert not (300 <= status < 400 and answer.headers.get("location") == "/console/login"), (status, said)
        assert status < 500, (status, said)  # a harmless request must not break the handler
    elif expected == "to sign-in":
        assert status == 302 and answer.headers["location"] == "/console/login", (status, said)
    elif expected == "401":
        assert status == 401 and answer.json()["error"] == "请先登录", (status, said)
    else:
        assert status == 403 and answer.json()["error"] == ROLE_REFUSAL, (status, said)


def _allowed_roles(method: str, pattern: str) -> tuple[str, ...]:
    allowed = EXPECTED[(method, pattern)]
    return () if allowed == PUBLIC else allowed


@pytest.mark.parametrize(("method", "pattern"), [key for key in CHANGES if EXPECTED[key] != PUBLIC], ids=lambda value: value)
def test_a_change_without_the_sessions_csrf_token_is_refused(matrix_app, browsers, method, pattern):
    """Every allowed role is refused without the header, with an empty one, and with another session's token."""
    path = _concrete(method, pattern)
    for role in _allowed_roles(method, pattern):
        browser = _open(matrix_app, role) if (method, pattern) in SESSION_CHANGING else browsers[role]
        someone_else = next(b for who, b in browsers.items() if who not in (role, ANONYMOUS))
        for token in (None, "", "forged", someone_else.csrf):
            answer = _send(browser, method, path, csrf=token)
            assert answer.status_code == 403 and CSRF_REFUSAL in answer.json()["error"], (role, token, answer.text[:200])
        # and the session still works: the refusal ended nothing
        assert _send(browser, "GET", "/console/api/me", csrf=None).status_code == 200, role


def test_every_change_route_is_guarded_by_a_csrf_check():
    """The only public change is the sign-in form, which has its own token (tested below)."""
    assert [key for key in CHANGES if EXPECTED[key] == PUBLIC] == [("POST", "/console/login")]


def test_sign_in_without_the_forms_double_submit_token_is_refused(matrix_app):
    stranger = Browser(matrix_app)
    form = {"username": "agent1", "password": PASSWORD}
    no_cookie = asyncio.run(stranger.client.post("/console/login", data={**form, "csrf": "made-up"}))
    assert no_cookie.status_code == 403
    token = _sign_in_form(stranger)
    for forged in ({**form}, {**form, "csrf": ""}, {**form, "csrf": token + "x"}):
        answer = asyncio.run(stranger.client.post("/console/login", data=forged))
        assert answer.status_code == 403 and "页面已过期" in answer.text, forged
    assert "hotline_console" not in stranger.client.cookies
    # each refusal hands out a fresh form token: the one from the refused page signs in
    token = re.search(r'name="csrf" value="([^"]+)"', answer.text).group(1)
    assert asyncio.run(stranger.client.post("/console/login", data={**form, "csrf": token})).status_code == 303


def test_reads_need_no_csrf_token(browsers):
    """GET is safe: the pages read without the header (so the matrix above sends none on reads)."""
    for who, browser in browsers.items():
        if who != ANONYMOUS:
            assert _send(browser, "GET", "/console/api/me", csrf=None).status_code == 200, who
