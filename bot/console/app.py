"""The console web app factory (Sanic): routes, shared services, security headers, the queue watcher."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sanic import Sanic, response
from sqlalchemy.exc import SQLAlchemyError

from bot.console.admin_routes import admin
from bot.console.auth_routes import pages
from bot.console.calendar_routes import calendar_admin
from bot.console.dashboard_routes import dashboard
from bot.console.faq_bulk_routes import bulk
from bot.console.faq_routes import faq
from bot.console.handoff_routes import handoffs
from bot.console.http import Refusal, refused
from bot.console.job_lease import holder_name
from bot.console.ops_figures import refresh_console_gauges
from bot.console.rasa_api import RasaApi
from bot.console.review_routes import review
from bot.console.security import add_security_headers, public
from bot.console.ticket_routes import tickets
from bot.console.watcher import console_jobs, run_job
from bot.core.config import Settings
from bot.core.db import make_engine, make_session_factory
from bot.core.server_keys import secret_key
from bot.faq.live import LiveFaq
from bot.handoff.queue import HandoffQueue
from bot.runtime.ops import add_ops_routes
from bot.runtime.service_checks import database_problem, redis_problem
from bot.staff.login_backoff import login_backoff_for
from bot.tickets.calendar_years import loaded_schedules
from bot.tickets.handling import TicketHandling
from bot.tickets.routing import Router
from bot.tickets.same_source import SameSourceLinker
from bot.tickets.service import TicketDesk
from bot.tickets.workdays import deployment_calendar

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 8 * 1024 * 1024  # the largest thing staff send is a 5 MB FAQ spreadsheet


def create_app(settings: Settings, *, rasa_url: str, rasa_token: str, name: str = "hotline_console", watch: bool = True) -> Sanic:
    """The console app for ``settings``; ``watch=False`` leaves the queue watcher off (tests drive it)."""
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES  # 413 before reading anything larger
    app.config.PROXIES_COUNT = settings.trusted_proxies  # request.remote_addr: the client behind our proxies
    factory = make_session_factory(make_engine(settings.database_url))
    app.ctx.settings = settings
    app.ctx.factory = factory
    app.ctx.queue = HandoffQueue.from_settings(settings, factory)
    calendar = deployment_calendar(settings.working_calendar_dir, loaded_schedules(factory))
    app.ctx.calendar = calendar
    app.ctx.desk = TicketDesk(
        factory,
        calendar,
        settings.profile.deadlines,
        router=Router.for_deployment(settings.var_dir, settings.project_root),
        code_key=secret_key(settings),
        linker=SameSourceLinker.for_settings(settings.same_source),
    )
    app.ctx.handling = TicketHandling(factory, calendar, app.ctx.desk.router)
    app.ctx.rasa = RasaApi(rasa_url, rasa_token)
    app.ctx.login_backoff = login_backoff_for(settings.redis_url)
    app.ctx.live_faq = LiveFaq(factory)  # the citizens' matcher, following every edit
    app.blueprint(pages)
    app.blueprint(handoffs)
    app.blueprint(admin)
    app.blueprint(calendar_admin)
    app.blueprint(faq)
    app.blueprint(bulk)
    app.blueprint(tickets)
    app.blueprint(dashboard)
    app.blueprint(review)
    app.register_middleware(add_security_headers, "response")
    add_ops_routes(
        app,
        {"database": lambda: database_problem(factory), "redis": lambda: redis_problem(settings.redis_url)},
        before_metrics=lambda: refresh_console_gauges(app.ctx.factory, app.ctx.queue),
        mark=public,
    )
    app.error_handler.add(Refusal, refused)

    @app.exception(SQLAlchemyError)
    async def database_unavailable(_request, exc: SQLAlchemyError):
        logger.error("console request failed on the database: %s", type(exc).__name__)
        return response.json({"error": "数据库暂时不可用，请稍后重试；未保存的内容仍在页面上"}, status=503)

    if watch:

        @app.after_server_start
        async def start_watcher(app_: Sanic, _loop) -> None:
            loop = asyncio.get_running_loop()
            holder = holder_name()
            jobs = console_jobs(app_.ctx.factory, app_.ctx.queue, app_.ctx.rasa, calendar, settings.retention)
            app_.ctx.watchers = [loop.create_task(run_job(app_.ctx.factory, holder, job)) for job in jobs]

        @app.before_server_stop
        async def stop_watcher(app_: Sanic, _loop) -> None:
            for watcher in app_.ctx.watchers:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher

    return app
