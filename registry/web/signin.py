"""Sign in and sign out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from litestar import Request, get, post
from litestar.response import Redirect, Template

from registry.accounts.services import authenticate
from registry.db_types import require_id
from registry.errors import TooManyRequests
from registry.web.auth import begin_session, end_session
from registry.web.context import flash, page_context
from registry.web.deps import unit_of_work
from registry.web.forms import FORM


def safe_next(target: str | None) -> str:
    """Only local paths, so the login form cannot be used as an open redirect."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@get("/login", sync_to_thread=True, include_in_schema=False)
def login_form(request: Request[Any, Any, Any], next: str | None = None) -> Template:  # noqa: A002
    with unit_of_work(request):
        return Template(
            "login.html",
            context=page_context(request, page_title="Sign in", next=safe_next(next), errors={}, values={}),
        )


@post("/login", sync_to_thread=True, include_in_schema=False)
def login(request: Request[Any, Any, Any], data: dict[str, str] = FORM) -> Template | Redirect:
    email = (data.get("email") or "").strip()
    password = data.get("password") or ""
    target = safe_next(data.get("next"))
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = "Enter your email address"
    if not password:
        errors["password"] = "Enter your password"
    user = None
    if not errors:
        ip = request.client.host if request.client else ""
        try:
            with unit_of_work(request) as (session, _actor):
                user = authenticate(session, email, password, ip)
        except TooManyRequests as exc:
            errors["email"] = exc.detail
        else:
            if user is None:
                errors["email"] = "The email address or password is not right"
    if errors or user is None:
        with unit_of_work(request):
            ctx = page_context(request, page_title="Sign in", next=target, errors=errors, values={"email": email})
        return Template("login.html", context=ctx, status_code=400)
    # Rotate the session at sign-in: a new server-side session record and a fresh cookie naming it.
    with unit_of_work(request) as (session, _actor):
        begin_session(request, session, require_id(user))
    flash(request, f"Signed in as {user.name}.")
    return Redirect(path=target)


@post("/logout", sync_to_thread=True, include_in_schema=False)
def logout(request: Request[Any, Any, Any]) -> Redirect:
    # Ends the server-side session, so a copy of the cookie stops working too.
    with unit_of_work(request) as (session, actor):
        end_session(request, session, actor)
    return Redirect(path="/")


ROUTES: list[Any] = [login_form, login, logout]
