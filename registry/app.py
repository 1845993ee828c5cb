"""Litestar application factory."""

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
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy import Engine

from registry.db import make_engine
from registry.lru import LRUCache
from registry.settings import ROOT, Settings, load_settings
from registry.tools.read_cache import PublishedToolCache
from registry.web.errors import EXCEPTION_HANDLERS
from registry.web.security_headers import add_security_headers

SESSION_MAX_AGE = 8 * 3600


def _route_handlers() -> list[Any]:
    from registry.accounts.services import ORG_SPEC
    from registry.api.auth import AuthController
    from registry.api.crud import build_controller
    from registry.api.transfer import ROUTES as TRANSFER_ROUTES
    from registry.orgs.services import SPEC as INVENTORY_SPEC
    from registry.requirements.services import SPEC as REQUIREMENT_SPEC
    from registry.skills.services import HOLDING_SPEC, SKILL_SPEC
    from registry.suppliers.services import SPEC as SUPPLIER_SPEC
    from registry.taxonomy.services import SPEC as TAXONOMY_SPEC
    from registry.tools.services import SPEC as TOOL_SPEC
    from registry.web import health, pages

    specs = [
        SUPPLIER_SPEC,
        TOOL_SPEC,
        TAXONOMY_SPEC,
        REQUIREMENT_SPEC,
        SKILL_SPEC,
        ORG_SPEC,
        INVENTORY_SPEC,
        HOLDING_SPEC,
    ]
    handlers: list[Any] = [build_controller(s) for s in specs]
    handlers += [AuthController, health.live, health.ready, *pages.ROUTES, *TRANSFER_ROUTES]
    handlers += _optional_routes()
    return handlers


def _optional_routes() -> list[Any]:
    """Routes contributed by other packages (search, assessments, reports, jobs), when present."""
    from importlib import import_module

    out: list[Any] = []
    for module_name in (
        "registry.search.routes",
        "registry.web.registry_pages",
        "assessments.routes",
        "assessments.reports.routes",
        "assessments.jobs.routes",
        "registry.procurement.routes",
    ):
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        out.extend(module.ROUTES)
    return out


def create_app(
    settings: Settings | None = None, engine: Engine | None = None, extra_handlers: Sequence[Any] = ()
) -> Litestar:
    settings = settings or load_settings()
    engine = engine or make_engine(settings.database_url)
    secret = hashlib.sha256(settings.secret_key.encode()).digest()  # exactly 32 bytes
    session_config = CookieBackendConfig(
        secret=secret,
        key="socreg_session",
        max_age=SESSION_MAX_AGE,
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
        path="/static", directories=[ROOT / "static"], name="static", include_in_schema=False
    )
    logging.basicConfig(level=logging.INFO if settings.debug else logging.WARNING)
    # Every worker campaigns to run the job scheduler; one leader per database runs it (never in tests).
    hooks = (
        __import__("assessments.jobs.scheduler", fromlist=["app_hooks"]).app_hooks(engine, settings.smtp_url)
        if settings.scheduler
        else ()
    )
    startup = list(hooks[:1])
    if settings.warm_index:
        from registry.search.service import warm_up_in_background

        startup.append(lambda: warm_up_in_background(engine))
    app = Litestar(
        on_startup=startup,
        on_shutdown=hooks[1:],
        # One Router for everything: registering handlers that share a path one at a time makes
        # Litestar 2.25 wrap sync GET handlers twice (they then return a coroutine).
        route_handlers=[Router(path="/", route_handlers=[*_route_handlers(), static, *extra_handlers])],
        middleware=[session_config.middleware],
        before_send=[add_security_headers],
        csrf_config=csrf_config,
        template_config=TemplateConfig(
            directory=ROOT / "templates",
            engine=JinjaTemplateEngine,
            # Templates ship with the code: no file-time check on every render.
            engine_callback=lambda e: setattr(e.engine, "auto_reload", False),
        ),
        openapi_config=OpenAPIConfig(
            title="SOC Capability Registry API",
            version="1.0.0",
            path="/schema",
            description="Find, compare and buy counter-SOC tools; assess capability and skills gaps. "
            "Authenticate with `Authorization: Bearer <token>` from POST /api/v1/auth/token. "
            "Errors are RFC 9457 problem details.",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        request_max_body_size=settings.max_upload_bytes,
        debug=False,
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.tool_cache = PublishedToolCache()
    app.state.search_regions = LRUCache[Hashable, str](1024)  # rendered search-result regions
    return app
