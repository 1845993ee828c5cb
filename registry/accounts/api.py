"""Sign-in for scripts: exchange a password for a bearer token; and who-am-I."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from pydantic import BaseModel

from registry.accounts.schemas import TokenRequest, TokenResponse
from registry.accounts.services import authenticate, issue_token
from registry.db_types import require_id
from registry.errors import NotAuthenticated
from registry.web import openapi_docs as docs
from registry.web.client_address import from_request as client_address
from registry.web.crud import ERRORS_WRITE
from registry.web.deps import unit_of_work


class WhoAmI(BaseModel):
    authenticated: bool
    user_id: int | None
    email: str
    role: str | None
    organisation_id: int | None
    supplier_id: int | None


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post(
        "/token",
        summary="Exchange email and password for a bearer token (valid 90 days)",
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
            user = authenticate(session, data.email, data.password, client_address(request), request.app.state.settings)
            token = issue_token(session, user) if user else None
        if user is None or token is None:
            raise NotAuthenticated("The email address or password is not right.")
        return TokenResponse(
            token=token,
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


ROUTES: list[Any] = [AuthController]
