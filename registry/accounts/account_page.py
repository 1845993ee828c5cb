"""The signed-in user's account page: who they are, where they are signed in, their API tokens
(with revoke buttons) and "Sign out everywhere"."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from registry.accounts import services as accounts
from registry.accounts import sessions
from registry.accounts.security import hash_token
from registry.db_types import utcnow
from registry.errors import NotFound
from registry.web.auth import SESSION_KEY, session_policy
from registry.web.confirm import Confirmation, confirm_page
from registry.web.context import flash, page_context
from registry.web.deps import unit_of_work


@get("/account", sync_to_thread=True, include_in_schema=False)
def account_page(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        actor.require_auth()
        now = utcnow()
        raw = request.session.get(SESSION_KEY)
        here = hash_token(raw) if isinstance(raw, str) else ""
        policy = session_policy(request)
        live = sessions.live_sessions(session, actor.require_user_id(), policy, now)
        tokens = accounts.list_tokens(session, actor)
        return Template(
            "accounts/account.html",
            context=page_context(
                request,
                page_title="Your account",
                nav_active="account",
                browser_sessions=[(s, s.key_hash == here) for s in live],
                tokens=[(t, accounts.token_state(t, now)) for t in tokens],
                idle_minutes=f"{policy.idle.total_seconds() / 60:g}",
                lifetime_hours=f"{policy.lifetime.total_seconds() / 3600:g}",
            ),
        )


@get("/account/tokens/{token_id:int}/revoke", sync_to_thread=True, include_in_schema=False)
def confirm_revoke_token(request: Request[Any, Any, Any], token_id: int) -> Template:
    """Revoking is asked on a confirmation page first (registry/web/confirm.py)."""
    with unit_of_work(request) as (session, actor):
        actor.require_auth()
        token = next((t for t in accounts.list_tokens(session, actor) if t.id == token_id), None)
        if token is None:
            raise NotFound("There is no such API token.", kind="API token")
        name = token.name
    return confirm_page(
        request,
        Confirmation(
            question=f"Are you sure you want to revoke the API token '{name}'?",
            warning="Scripts using it stop working at once and cannot use it again.",
            action=f"/account/tokens/{token_id}/revoke",
            button=f"Yes, revoke '{name}'",
            cancel="/account",
            caption="Your account",
        ),
        nav_active="account",
    )


@get("/account/sign-out-everywhere", sync_to_thread=True, include_in_schema=False)
def confirm_sign_out_everywhere(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (_session, actor):
        actor.require_auth()
    return confirm_page(
        request,
        Confirmation(
            question="Are you sure you want to sign out everywhere?",
            warning="Every browser signed in to your account, this one included, is signed out at once.",
            action="/account/sign-out-everywhere",
            button="Yes, sign out everywhere",
            cancel="/account",
            caption="Your account",
        ),
        nav_active="account",
    )


@post("/account/tokens/{token_id:int}/revoke", sync_to_thread=True, include_in_schema=False)
def revoke_token(request: Request[Any, Any, Any], token_id: int) -> Redirect:
    with unit_of_work(request) as (session, actor):
        actor.require_auth()
        token = accounts.revoke_token(session, actor, token_id)
        name = token.name
    flash(request, f"API token '{name}' is revoked. Scripts using it can no longer sign in with it.")
    return Redirect(path="/account")


@post("/account/sign-out-everywhere", sync_to_thread=True, include_in_schema=False)
def sign_out_everywhere(request: Request[Any, Any, Any]) -> Redirect:
    with unit_of_work(request) as (session, actor):
        actor.require_auth()
        ended = sessions.sign_out_everywhere(session, actor)
    request.set_session({})  # this browser too; a fresh, empty session just for the message
    flash(request, f"You are signed out everywhere ({ended} session{'' if ended == 1 else 's'} ended).")
    return Redirect(path="/login")


ROUTES: list[Any] = [account_page, confirm_revoke_token, revoke_token, confirm_sign_out_everywhere, sign_out_everywhere]
