"""What an operator's probes and Prometheus see on a console: live, ready (or why not), and the
handoff queue, notice backlog and job heartbeats as metrics."""

from __future__ import annotations

import re
from pathlib import Path

from bot.console.job_lease import acquire
from bot.core.config import load_settings
from bot.core.migrate import upgrade
from bot.handoff.queue import HandoffRequest
from tests.console.conftest import Browser, running_console


def metric(text: str, name: str) -> float:
    return float(re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE).group(1))


def test_probes_need_no_session_and_say_what_is_missing(console):
    probe = Browser(console)
    assert probe.request("GET", "/health/live").json() == {"live": True}
    assert probe.request("GET", "/health/ready").json() == {"ready": True, "problems": {}}


def test_a_console_whose_redis_is_away_is_live_but_not_ready(console_database_url):
    upgrade(console_database_url)
    settings = load_settings(
        {"DATABASE_URL": console_database_url, "REDIS_URL": "redis://127.0.0.1:1/0"}, env_file=Path("/nonexistent")
    )
    with running_console(settings) as app:
        probe = Browser(app)
        assert probe.request("GET", "/health/live").status_code == 200
        away = probe.request("GET", "/health/ready")
    assert away.status_code == 503 and list(away.json()["problems"]) == ["redis"]


def test_metrics_show_the_queue_the_notice_backlog_and_when_jobs_last_ran(console):
    queue = console.ctx.queue
    for n in range(3):
        queue.request(HandoffRequest(f"web:citizen-{n}", "webchat", "citizen_asked", {"诉求": "路灯坏了"}))
    acquire(console.ctx.factory, "ticket_notices", "console-test", 120)

    scraped = Browser(console).request("GET", "/metrics")
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    assert metric(scraped.text, "hotline_handoff_waiting") == 3
    assert metric(scraped.text, "hotline_handoff_longest_wait_seconds") >= 0
    assert metric(scraped.text, "hotline_notice_backlog") == 0
    assert 0 <= metric(scraped.text, 'hotline_job_last_run_seconds{job="ticket_notices"}') < 60
