"""Account pages: forgotten password, email verification, buyer self-registration and the
approval of pending members. Handlers are thin: the rules are in password_reset.py,
email_verification.py and buyer_registration.py.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from registry.accounts import buyer_registration, email_verification, one_time_links, password_reset
from registry.errors import InvalidInput, TooManyRequests
from registry.web.client_address import from_request as client_address
from registry.web.context import flash, page_context
from registry.web.deps import unit_of_work
from registry.web.forms import FORM


def _page(request: Request[Any, Any, Any], template: str, title: str, status: int = 200, **extra: Any) -> Template:
    with unit_of_work(request):
        ctx = page_context(request, page_title=title, **extra)
    page = Template(template, context=ctx, status_code=status)
    return page


def _too_many(
    request: Request[Any, Any, Any], template: str, title: str, exc: TooManyRequests, **extra: Any
) -> Template:
    page = _page(request, template, title, 429, errors={"email": exc.detail}, **extra)
    page.headers.update(exc.headers)
    return page


# --- forgotten password -------------------------------------------------------------------------


@get("/forgot-password", sync_to_thread=True, include_in_schema=False)
def forgot_form(request: Request[Any, Any, Any]) -> Template:
    return _page(request, "accounts/forgot_password.html", "Reset your password", errors={}, values={})


@post("/forgot-password", sync_to_thread=True, include_in_schema=False)
def forgot_submit(request: Request[Any, Any, Any], data: dict[str, str] = FORM) -> Template:
    email = (data.get("email") or "").strip().lower()
    if "@" not in email:
        errors = {"email": "Enter your email address in the format name@example.com"}
        return _page(request, "accounts/forgot_password.html", "Reset your password", 400, errors=errors, values=data)
    try:
        with unit_of_work(request) as (session, _actor):
            password_reset.request_reset(session, email, client_address(request), request.app.state.settings)
    except TooManyRequests as exc:
        return _too_many(request, "accounts/forgot_password.html", "Reset your password", exc, values=data)
    # The same answer whether or not the address has an account.
    return _page(request, "accounts/check_email.html", "Check your email", email=email, reason="reset")


@get("/reset-password", sync_to_thread=True, include_in_schema=False)
def reset_form(request: Request[Any, Any, Any], token: str = "") -> Template:
    with unit_of_work(request) as (session, _actor):
        usable = one_time_links.peek(session, token, one_time_links.RESET_PASSWORD) is not None
    if not usable:
        return _page(request, "accounts/link_expired.html", "This link has expired", 400, reason="reset")
    return _page(request, "accounts/reset_password.html", "Choose a new password", token=token, errors={})


@post("/reset-password", sync_to_thread=True, include_in_schema=False)
def reset_submit(request: Request[Any, Any, Any], data: dict[str, str] = FORM) -> Template | Redirect:
    token = data.get("token") or ""
    try:
        with unit_of_work(request) as (session, _actor):
            password_reset.reset(session, token, data.get("password") or "", data.get("password_confirm") or "")
    except InvalidInput as exc:
        if "token" in exc.fields:
            return _page(request, "accounts/link_expired.html", "This link has expired", 400, reason="reset")
        return _page(
            request, "accounts/reset_password.html", "Choose a new password", 400, token=token, errors=exc.fields
        )
    request.set_session({})  # whoever was signed in on this browser is signed out
    flash(request, "Your password has been changed. Sign in with your new password.")
    return Redirect(path="/login")


# --- email verification -------------------------------------------------------------------------


@get("/verify-email", sync_to_thread=True, include_in_schema=False)
def verify_form(request: Request[Any, Any, Any], token: str = "") -> Template:
    # A button to press rather than acting on GET: mail scanners open links without a person.
    with unit_of_work(request) as (session, _actor):
        usable = one_time_links.peek(session, token, one_time_links.VERIFY_EMAIL) is not None
    if not usable:
        return _page(request, "accounts/link_expired.html", "This link has expired", 400, reason="verify")
    return _page(request, "accounts/verify_email.html", "Confirm your email address", token=token)


@post("/verify-email", sync_to_thread=True, include_in_schema=False)
def verify_submit(request: Request[Any, Any, Any], data: dict[str, str] = FORM) -> Template | Redirect:
    settings = request.app.state.settings
    try:
        with unit_of_work(request) as (session, _actor):
            user = email_verification.verify(session, data.get("token") or "")
            buyer_registration.after_verification(session, user, settings)
            pending = user.awaiting_approval
    except InvalidInput:
        return _page(request, "accounts/link_expired.html", "This link has expired", 400, reason="verify")
    if pending:
        return _page(request, "accounts/awaiting_approval.html", "Your email address is confirmed")
    flash(request, "Your email address is confirmed.")
    return Redirect(path="/login")


@post("/verify-email/resend", sync_to_thread=True, include_in_schema=False)
def verify_resend(request: Request[Any, Any, Any]) -> Redirect:
    from registry.accounts.models import User

    with unit_of_work(request) as (session, actor):
        actor.require_auth()
        user = session.get(User, actor.user_id)
        if user is not None and user.email_verified_at is None:
            email_verification.send_link(session, user, request.app.state.settings)
    flash(request, f"We have sent a new link to {actor.email}.")
    return Redirect(path="/supplier/dashboard")


# --- buyers -------------------------------------------------------------------------------------


def _buyer_page(
    request: Request[Any, Any, Any], values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Template:
    settings = request.app.state.settings
    with unit_of_work(request) as (session, _actor):
        orgs = [(str(o.id), o.name) for o in buyer_registration.buying_organisations(session)]
        ctx = page_context(
            request,
            page_title="Register as a buyer",
            values=values,
            errors=errors,
            organisations=orgs,
            domains=settings.buyer_email_domains,
        )
    page = Template("accounts/register_buyer.html", context=ctx, status_code=status)
    return page


@get("/register/buyer", sync_to_thread=True, include_in_schema=False)
def buyer_form(request: Request[Any, Any, Any]) -> Template:
    return _buyer_page(request, {}, {})


@post("/register/buyer", sync_to_thread=True, include_in_schema=False)
def buyer_submit(request: Request[Any, Any, Any], data: dict[str, str] = FORM) -> Template:
    settings = request.app.state.settings
    values = {k: data.get(k, "") for k in ("name", "email", "organisation_id")}
    try:
        with unit_of_work(request) as (session, _actor):
            reg = buyer_registration.parse(session, data, settings)
            buyer_registration.register(session, reg, client_address(request), settings)
    except InvalidInput as exc:
        return _buyer_page(request, values, exc.fields, 400)
    except TooManyRequests as exc:
        page = _buyer_page(request, values, {"email": exc.detail}, 429)
        page.headers.update(exc.headers)
        return page
    return _page(request, "accounts/check_email.html", "Check your email", email=reg.email, reason="register")


@get("/members/pending", sync_to_thread=True, include_in_schema=False)
def pending_page(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        rows = buyer_registration.pending_members(session, actor)
        members = [{"id": u.id, "name": u.name, "email": u.email, "organisation": o.name} for u, o in rows]
        ctx = page_context(request, page_title="Requests to join", members=members)
    return Template("accounts/pending_members.html", context=ctx)


@post("/members/{user_id:int}/decision", sync_to_thread=True, include_in_schema=False)
def decide_member(request: Request[Any, Any, Any], user_id: int, data: dict[str, str] = FORM) -> Redirect:
    decision = data.get("decision")
    if decision not in ("approve", "decline"):
        raise InvalidInput("Choose approve or decline.", fields={"decision": "Choose approve or decline"})
    approve = decision == "approve"
    with unit_of_work(request) as (session, actor):
        user = buyer_registration.decide(session, actor, user_id, approve=approve, settings=request.app.state.settings)
        email = user.email
    flash(request, f"{'Approved' if approve else 'Declined'} {email}.")
    return Redirect(path="/members/pending")


ROUTES: list[Any] = [
    forgot_form,
    forgot_submit,
    reset_form,
    reset_submit,
    verify_form,
    verify_submit,
    verify_resend,
    buyer_form,
    buyer_submit,
    pending_page,
    decide_member,
]
