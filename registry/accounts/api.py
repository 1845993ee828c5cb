"""Sign-in for scripts (exchange a password for a bearer token), who-am-I, one's API tokens and
browser sessions, and the admin's controls over anyone's (revoke tokens, sign out, deactivate)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post
from pydantic import BaseModel

from registry.accounts import services as accounts
from registry.accounts import sessions
from registry.accounts.models import ApiToken
from registry.accounts.schemas import (
    SessionsEnded,
    TokenRead,
    TokenRequest,
    TokenResponse,
    TokensRevoked,
    UserRead,
)
from registry.db_types import require_id, utcnow
from registry.errors import NotAuthenticated
from registry.web import openapi_docs as docs
from registry.web.client_address import from_request as client_address
from registry.web.crud import ERRORS_READ, ERRORS_WRITE
from registry.web.deps import unit_of_work


class WhoAmI(BaseModel):
    authenticated: bool
    user_id: int | None
    email: str
    role: str | None
    organisation_id: int | None
    supplier_id: int | None


def token_read(token: ApiToken) -> TokenRead:
    return TokenRead(
        id=require_id(token),
        user_id=token.user_id,
        name=token.name,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        state=accounts.token_state(token, utcnow()),
    )


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post(
        "/token",
        summary="Exchange email and password for a new bearer token (valid 90 days)",
        description="Each call mints a new token (only its hash is stored, so an old one cannot be "
        "shown again). Name it with `name`; `replace: true` revokes your earlier live tokens of that "
        f"name. At most {accounts.MAX_LIVE_TOKENS} of your tokens are live at once: the oldest are "
        "revoked first. List and revoke them at GET/DELETE /api/v1/tokens.",
        responses={
            401: ERRORS_WRITE[401],
            400: ERRORS_WRITE[400],
            403: docs.problem("The account is waiting for its organisation's approval, or its address is unconfirmed"),
            429: docs.problem("Too many failed sign-ins for this account or client address; see Retry-After"),
        },
        operation_id="getToken",
        operation_class=docs.THROTTLED_ANONYMOUS_OPERATION,
        sync_to_thread=True,
        status_code=201,
    )
    def token(self, request: Request[Any, Any, Any], data: TokenRequest) -> TokenResponse:
        with unit_of_work(request) as (session, _actor):
            user = accounts.authenticate(
                session, data.email, data.password, client_address(request), request.app.state.settings
            )
            issued = accounts.issue_token(session, user, data.name, replace=data.replace) if user else None
        if user is None or issued is None:
            raise NotAuthenticated("The email address or password is not right.")
        secret, row = issued
        return TokenResponse(
            token=secret,
            id=require_id(row),
            name=row.name,
            expires_at=row.expires_at,
            user_id=require_id(user),
            role=user.role,
            organisation_id=user.organisation_id,
        )

    @get(
        "/me",
        summary="Who the bearer token belongs to",
        sync_to_thread=True,
        operation_id="whoAmI",
        operation_class=docs.OPTIONAL_TOKEN_OPERATION,
    )
    def me(self, request: Request[Any, Any, Any]) -> WhoAmI:
        with unit_of_work(request) as (_session, actor):
            return WhoAmI(
                authenticated=actor.is_authenticated,
                user_id=actor.user_id,
                email=actor.email,
                role=actor.role.value if actor.role else None,
                organisation_id=actor.organisation_id,
                supplier_id=actor.supplier_id,
            )

    @post(
        "/sign-out-everywhere",
        summary="End all of your browser sessions (your API tokens stay; revoke them at /api/v1/tokens)",
        responses={401: ERRORS_WRITE[401]},
        operation_id="signOutEverywhere",
        sync_to_thread=True,
        status_code=200,
    )
    def sign_out_everywhere(self, request: Request[Any, Any, Any]) -> SessionsEnded:
        with unit_of_work(request) as (session, actor):
            return SessionsEnded(ended=sessions.sign_out_everywhere(session, actor))


class TokensController(Controller):
    path = "/api/v1/tokens"
    tags = ["auth"]

    @get(
        "/",
        summary="Your API tokens: name, created, last used, expiry, state",
        sync_to_thread=True,
        responses={401: ERRORS_READ[401]},
        operation_id="listMyTokens",
    )
    def list_mine(self, request: Request[Any, Any, Any]) -> list[TokenRead]:
        with unit_of_work(request) as (session, actor):
            return [token_read(t) for t in accounts.list_tokens(session, actor)]

    @delete(
        "/{token_id:int}",
        summary="Revoke an API token (your own; admins: anyone's). Works at once, in every worker",
        responses={400: ERRORS_WRITE[400], 401: ERRORS_WRITE[401], 404: ERRORS_WRITE[404]},
        operation_id="revokeToken",
        sync_to_thread=True,
    )
    def revoke(self, request: Request[Any, Any, Any], token_id: int) -> None:
        with unit_of_work(request) as (session, actor):
            accounts.revoke_token(session, actor, token_id)


class UserAdminController(Controller):
    """An admin's controls over another account."""

    path = "/api/v1/users/{user_id:int}"
    tags = ["auth"]

    @get(
        "/tokens",
        summary="A user's API tokens (admins)",
        sync_to_thread=True,
        responses=ERRORS_READ,
        operation_id="listUserTokens",
    )
    def tokens(self, request: Request[Any, Any, Any], user_id: int) -> list[TokenRead]:
        with unit_of_work(request) as (session, actor):
            return [token_read(t) for t in accounts.list_tokens(session, actor, user_id)]

    @delete(
        "/tokens",
        summary="Revoke all of a user's API tokens (admins)",
        responses=ERRORS_WRITE,
        operation_id="revokeUserTokens",
        sync_to_thread=True,
        status_code=200,
    )
    def revoke_tokens(self, request: Request[Any, Any, Any], user_id: int) -> TokensRevoked:
        with unit_of_work(request) as (session, actor):
            return TokensRevoked(revoked=accounts.revoke_all_tokens(session, actor, user_id))

    @post(
        "/sign-out-everywhere",
        summary="End all of a user's browser sessions (admins)",
        responses=ERRORS_WRITE,
        operation_id="signOutUserEverywhere",
        sync_to_thread=True,
        status_code=200,
    )
    def sign_out(self, request: Request[Any, Any, Any], user_id: int) -> SessionsEnded:
        with unit_of_work(request) as (session, actor):
            return SessionsEnded(ended=sessions.sign_out_everywhere(session, actor, user_id))

    @post(
        "/deactivate",
        summary="Deactivate a user (admins): no sign-in, sessions ended, tokens revoked",
        responses=ERRORS_WRITE,
        operation_id="deactivateUser",
        sync_to_thread=True,
        status_code=200,
    )
    def deactivate(self, request: Request[Any, Any, Any], user_id: int) -> UserRead:
        with unit_of_work(request) as (session, actor):
            user = accounts.deactivate_user(session, actor, user_id)
            return UserRead.model_validate(user, from_attributes=True)


ROUTES: list[Any] = [AuthController, TokensController, UserAdminController]
