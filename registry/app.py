"""The composition root: the Litestar application factory, and the one place that names every
route module, resource, job and audit listener the service is made of."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Hashable, Sequence
from typing import Any

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy import Engine

import assessments.api
import assessments.evaluations.api
import assessments.evaluations.pages
import assessments.jobs
import assessments.pages
import assessments.reports.api
import assessments.reports.jobs
import assessments.reports.pages
import assessments.reports.services
import registry.accounts.account_page
import registry.accounts.api
import registry.accounts.mail
import registry.accounts.pages
import registry.accounts.password_reset
import registry.accounts.sessions
import registry.changelog.pages
import registry.inventory.jobs
import registry.inventory.pages
import registry.jobs.api
import registry.jobs.pages
import registry.moderation.pages
import registry.notifications.api
import registry.notifications.jobs
import registry.notifications.pages
import registry.notifications.services
import registry.procurement.api
import registry.procurement.pages
import registry.requirements.api
import registry.requirements.pages
import registry.savedsearches.api
import registry.savedsearches.jobs
import registry.savedsearches.pages
import registry.search.api
import registry.search.pages
import registry.shortlists.pages
import registry.skills.pages
import registry.suppliers.api
import registry.suppliers.pages
import registry.tools.api
import registry.tools.jobs
import registry.tools.pages
import registry.transfer.api
import registry.versions.pages
import registry.web.home
import registry.web.info_pages
import registry.web.signin
from assessments.reports.document import REPORT_JSON_SCHEMA
from assessments.services import SPEC as ASSESSMENT_SPEC
from registry.accounts.services import ORG_SPEC
from registry.changelog import services as changelog
from registry.db import make_engine
from registry.inventory.services import SPEC as INVENTORY_SPEC
from registry.jobs import queue, runner
from registry.jobs.runner import JobDef
from registry.jobs.worker import InProcessWorkers
from registry.lru import LRUCache
from registry.requirements.services import SPEC as REQUIREMENT_SPEC
from registry.resources import ResourceSpec
from registry.search.service import warm_up_in_background
from registry.settings import ROOT, Settings, load_settings
from registry.skills.services import HOLDING_SPEC, SKILL_SPEC
from registry.suppliers.services import SPEC as SUPPLIER_SPEC
from registry.taxonomy.services import SPEC as TAXONOMY_SPEC
from registry.tools.read_cache import PublishedToolCache
from registry.tools.services import SPEC as TOOL_SPEC
from registry.versions.services import on_audit_event as record_listing_version
from registry.web import health, openapi_docs, templating
from registry.web.crud import build_controller
from registry.web.errors import EXCEPTION_HANDLERS, STATIC_EXCEPTION_HANDLERS
from registry.web.security_headers import add_security_headers

# --- what the service is made of ------------------------------------------------------------

# Resources with the generic JSON CRUD (/api/v1/<name>): list, get, create, update, retire.
CRUD_SPECS: tuple[ResourceSpec[Any, Any, Any], ...] = (
    SUPPLIER_SPEC,
    TOOL_SPEC,
    TAXONOMY_SPEC,
    REQUIREMENT_SPEC,
    SKILL_SPEC,
    ORG_SPEC,
    INVENTORY_SPEC,
    HOLDING_SPEC,
    ASSESSMENT_SPEC,
)

# Every page and API route module, by domain. Each exports ROUTES.
ROUTE_MODULES: tuple[Any, ...] = (
    registry.web.home,
    registry.web.info_pages,
    registry.web.signin,
    registry.accounts.api,
    registry.accounts.pages,
    registry.accounts.account_page,
    registry.search.pages,
    registry.search.api,
    registry.savedsearches.pages,
    registry.savedsearches.api,
    registry.tools.pages,
    registry.tools.api,
    registry.suppliers.pages,
    registry.suppliers.api,
    registry.moderation.pages,
    registry.changelog.pages,
    registry.versions.pages,
    registry.requirements.pages,
    registry.requirements.api,
    registry.inventory.pages,
    registry.skills.pages,
    registry.shortlists.pages,
    registry.procurement.pages,
    registry.procurement.api,
    registry.transfer.api,
    registry.notifications.pages,
    registry.notifications.api,
    registry.jobs.pages,
    registry.jobs.api,
    assessments.pages,
    assessments.api,
    assessments.evaluations.pages,
    assessments.evaluations.api,
    assessments.reports.pages,
    assessments.reports.api,
)

# Recurring jobs; each body lives in its domain.
JOBS: tuple[JobDef, ...] = (
    registry.tools.jobs.LISTING_HYGIENE,
    registry.inventory.jobs.LICENCE_RENEWALS,
    assessments.jobs.REASSESS,
    assessments.reports.jobs.SCHEDULED_REPORTS,
    assessments.reports.jobs.EXPIRE_LOST_REPORTS,
    registry.notifications.jobs.OUTBOX,
    registry.savedsearches.jobs.SAVED_SEARCH_ALERTS,
)

# Background work a worker process runs (registry/jobs/queue.py), each body in its domain.
QUEUE_TASKS: tuple[tuple[str, Any], ...] = (
    (assessments.reports.services.RENDER_TASK, assessments.reports.jobs.render_report),
)

# Who hears of each audit event, in the same transaction.
AUDIT_LISTENERS: tuple[changelog.AuditListener, ...] = (record_listing_version,)


def wire() -> None:
    """Register every job and audit listener. Idempotent; every entry point (the app, the CLI,
    the scheduler, the tests) calls it before doing work."""
    for job in JOBS:
        runner.register(job)
    for listener in AUDIT_LISTENERS:
        changelog.listen(listener)
    # Account e-mails (verification, password reset, registration notices) go to the outbox.
    registry.accounts.mail.use(registry.notifications.services.queue_email)
    for kind, task in QUEUE_TASKS:
        queue.register_task(kind, task)
    # A password reset ends every browser session of that user (the server-side session records).
    enders = registry.accounts.password_reset.SESSION_ENDERS
    if registry.accounts.sessions.end_every_session not in enders:
        enders.append(registry.accounts.sessions.end_every_session)


def _route_handlers() -> list[Any]:
    handlers: list[Any] = [build_controller(spec) for spec in CRUD_SPECS]
    handlers += [health.live, health.ready]
    for module in ROUTE_MODULES:
        handlers += module.ROUTES
    return handlers


def group_routes(handlers: list[Any]) -> list[Any]:
    """All handlers inside one Router (see the comment where create_app uses it)."""
    return [Router(path="/", route_handlers=handlers)]


def create_app(
    settings: Settings | None = None, engine: Engine | None = None, extra_handlers: Sequence[Any] = ()
) -> Litestar:
    wire()  # the served app is an entry point too (granian imports only this factory)
    settings = settings or load_settings()
    engine = engine or make_engine(settings.database_url)
    secret = hashlib.sha256(settings.secret_key.encode()).digest()  # exactly 32 bytes
    session_config = CookieBackendConfig(
        secret=secret,
        key="socreg_session",
        # The cookie lives no longer than a session may; the server-side record
        # (registry/accounts/sessions.py) enforces the idle and absolute timeouts.
        max_age=int(settings.session_lifetime_hours * 3600),
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
    )
    csrf_config = CSRFConfig(
        secret=hashlib.sha256(b"csrf" + secret).hexdigest(),
        cookie_name="socreg_csrf",
        header_name="x-csrftoken",
        cookie_httponly=True,
        cookie_secure=settings.secure_cookies,
        cookie_samesite="lax",
        exclude=["/api/", "/health/", "/schema"],
    )
    static = create_static_files_router(
        path="/static",
        directories=[ROOT / "static"],
        name="static",
        include_in_schema=False,
        exception_handlers=STATIC_EXCEPTION_HANDLERS,
    )
    logging.basicConfig(level=logging.INFO if settings.debug else logging.WARNING)
    # Every worker campaigns to run the job scheduler; one leader per database runs it (never in tests).
    hooks = (
        __import__("registry.jobs.scheduler", fromlist=["app_hooks"]).app_hooks(
            engine, settings.smtp_url, settings.scheduler_poll_seconds
        )
        if settings.scheduler
        else ()
    )
    startup = list(hooks[:1])
    shutdown = list(hooks[1:])
    if settings.worker_threads > 0:  # tests and embedding; `socreg serve` runs worker processes
        workers = InProcessWorkers(engine, settings.worker_threads)  # started by the first job queued
        startup.append(workers.attach)
        shutdown.append(workers.stop)
    if settings.warm_index:
        startup.append(lambda: warm_up_in_background(engine))
    app = Litestar(
        on_startup=startup,
        on_shutdown=shutdown,
        # One Router for everything, the project's only workaround for a framework quirk: given a
        # flat list, Litestar 2.25 re-registers the handlers of a path when another method joins it
        # and wraps a sync_to_thread handler twice (it then returns an un-awaited coroutine).
        # tests/unit/test_framework_quirks.py shows the quirk and that this avoids it.
        route_handlers=group_routes([*_route_handlers(), static, *extra_handlers]),
        middleware=[session_config.middleware],
        before_send=[add_security_headers],
        csrf_config=csrf_config,
        template_config=TemplateConfig(
            directory=ROOT / "templates",
            engine=JinjaTemplateEngine,
            # Templates ship with the code: no file-time check on every render.
            engine_callback=templating.configure,
        ),
        openapi_config=OpenAPIConfig(
            title="SOC Capability Registry API",
            version="1.0.0",
            path="/schema",
            description="Find, compare and buy counter-SOC tools; assess capability and skills gaps. "
            "Authenticate with `Authorization: Bearer <token>` from POST /api/v1/auth/token. "
            "Errors are RFC 9457 problem details.",
            # Described for generated clients: registry/web/openapi_docs.py (the bearer scheme,
            # needed by default; readable operationIds); the docs page from our vendored Swagger UI.
            components=openapi_docs.components(
                openapi_docs.json_schema_components(openapi_docs.REPORT_SCHEMA_NAME, REPORT_JSON_SCHEMA)
            ),
            security=openapi_docs.SIGNED_IN,
            operation_id_creator=openapi_docs.operation_id,
            create_examples=False,
            render_plugins=[openapi_docs.SelfHostedSwagger()],
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=settings.max_upload_bytes,
        debug=False,
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.tool_cache = PublishedToolCache()
    app.state.search_regions = LRUCache[Hashable, str](1024)  # rendered search-result regions
    return app
