"""What operators and orchestrators ask every server process: is it alive, is it ready, its metrics.

Each server (Rasa, the action server, the console; all Sanic) gets the same three routes:

    /health/live    200 while the process serves requests (restart it when this fails)
    /health/ready   200 when everything it needs answers, else 503 with what does not (take it out of
                    the load balancer): {"ready": false, "problems": {"redis": "…"}}
    /metrics        Prometheus text format (nginx does not serve it to the outside)

The metrics themselves are defined once, in ``HotlineMetrics``; each process updates the ones it owns.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

Check = Callable[[], "str | None"]  # a readiness check: None when fine, else the problem in a few words
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5, 10, 30)


@dataclass(frozen=True)
class HotlineMetrics:
    registry: CollectorRegistry
    messages: Counter
    message_seconds: Histogram
    intents: Counter
    fallbacks: Counter
    faq_decisions: Counter
    tickets_created: Counter
    handoff_waiting: Gauge
    handoff_longest_wait_seconds: Gauge
    notice_backlog: Gauge
    notices_undelivered: Gauge
    job_last_run_seconds: Gauge


@lru_cache(maxsize=1)
def metrics() -> HotlineMetrics:
    """This process's metrics (made on first use, in a registry of their own)."""
    registry = CollectorRegistry(auto_describe=True)
    return HotlineMetrics(
        registry=registry,
        messages=Counter("hotline_messages", "Citizen messages taken, by channel", ["channel"], registry=registry),
        message_seconds=Histogram(
            "hotline_message_seconds",
            "From a citizen's message to the bot's answer, by channel",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        intents=Counter("hotline_intents", "Citizen messages by the intent understood", ["intent"], registry=registry),
        fallbacks=Counter("hotline_fallbacks", "Citizen messages not understood (nlu_fallback)", registry=registry),
        faq_decisions=Counter("hotline_faq_decisions", "FAQ questions by what the matcher did", ["decision"], registry=registry),
        tickets_created=Counter(
            "hotline_tickets_created", "Tickets created by the bot, by category", ["category"], registry=registry
        ),
        handoff_waiting=Gauge("hotline_handoff_waiting", "Conversations waiting for a person", registry=registry),
        handoff_longest_wait_seconds=Gauge(
            "hotline_handoff_longest_wait_seconds", "How long the longest-waiting conversation has waited", registry=registry
        ),
        notice_backlog=Gauge(
            "hotline_notice_backlog", "Ticket notices not yet delivered (pending or sending)", registry=registry
        ),
        notices_undelivered=Gauge(
            "hotline_notices_undelivered", "Ticket notices that could not be delivered (call back)", registry=registry
        ),
        job_last_run_seconds=Gauge(
            "hotline_job_last_run_seconds", "Seconds since a background job last ran, any console", ["job"], registry=registry
        ),
    )


def add_ops_routes(
    app, checks: dict[str, Check], before_metrics: Callable[[], None] | None = None, mark: Callable = lambda handler: handler
) -> None:
    """Add /health/live, /health/ready and /metrics to a Sanic ``app``. ``checks`` run in a thread
    (they may touch the network); ``before_metrics`` refreshes gauges that are read at scrape time;
    ``mark`` declares the handlers open in an app that audits its routes (the console's ``public``)."""
    from sanic import response

    @app.get("/health/live", name="ops_live")
    @mark
    async def live(_request):
        return response.json({"live": True})

    @app.get("/health/ready", name="ops_ready")
    @mark
    async def ready(_request):
        problems = await asyncio.to_thread(_problems, checks)
        return response.json(
            {"ready": not problems, "problems": problems}, status=200 if not problems else 503, ensure_ascii=False
        )

    @app.get("/metrics", name="ops_metrics")
    @mark
    async def scrape(_request):
        if before_metrics is not None:
            await asyncio.to_thread(before_metrics)
        return response.raw(generate_latest(metrics().registry), content_type=CONTENT_TYPE_LATEST)


def _problems(checks: dict[str, Check]) -> dict[str, str]:
    problems = {}
    for name, check in checks.items():
        try:
            problem = check()
        except Exception as exc:  # noqa: BLE001 - a failing check is a problem to report, not a crash
            problem = type(exc).__name__
        if problem:
            problems[name] = problem
    return problems
