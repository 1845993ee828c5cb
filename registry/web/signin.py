"""Sign in and sign out.

Signing in keeps the person's context: the return address (path and query string, local only:
registry/web/return_to.py) and what they gathered while signed out (the compare basket), which
survives the session rotation.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from registry.accounts.services import authenticate
from registry.errors import Forbidden, TooManyRequests
from registry.web.client_address import from_request as client_address
from registry.web.context import flash, page_context
from registry.web.deps import unit_of_work
from registry.web.forms import FORM
from registry.web.return_to import safe_next

__all__ = ["COMPARE_BASKET_KEY", "safe_next"]

# Session entries gathered while signed out that signing in keeps (the compare basket of
# registry/tools/pages.py). Everything else is dropped when the session is rotated.
COMPARE_BASKET_KEY = "compare"
KEPT_THROUGH_SIGN_IN = (COMPARE_BASKET_KEY,)


def _form(request: Request[Any, Any, Any], target: str, errors: dict[str, str], email: str, status: int) -> Template:
    with unit_of_work(request):
        ctx = page_context(request, page_title="Sign in", next=target, errors=errors, values={"email": email})
    return Template("login.html", context=ctx, status_code=status)


@get("/login", sync_to_thread=True, include_in_schema=False)
def login_form(request: Request[Any, Any, Any], next: str | None = None) -> Template:  # noqa: A002
    return _form(request, safe_next(next), {}, "", 200)


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
    if errors:
        return _form(request, target, errors, email, 400)
    user = None
    try:
        with unit_of_work(request) as (session, _actor):
            user = authenticate(session, email, password, client_address(request), request.app.state.settings)
    except TooManyRequests as exc:
        page = _form(request, target, {"email": exc.detail}, email, 429)
        page.headers.update(exc.headers)
        return page
    except Forbidden as exc:
        return _form(request, target, {"email": exc.detail}, email, 403)
    if user is None:
        return _form(request, target, {"email": "The email address or password is not right"}, email, 400)
    kept = {key: request.session[key] for key in KEPT_THROUGH_SIGN_IN if key in request.session}
    # Rotate the session at sign-in: start from an empty session with fresh contents.
    request.clear_session()
    request.set_session({**kept, "uid": user.id, "pw": user.password_hash[-16:]})
    flash(request, f"Signed in as {user.name}.")
    return Redirect(path=target)


@post("/logout", sync_to_thread=False, include_in_schema=False)
def logout(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()
    return Redirect(path="/")


ROUTES: list[Any] = [login_form, login, logout]
