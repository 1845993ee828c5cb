"""Sign-in for scripts: exchange a password for a bearer token; and who-am-I."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.openapi.spec import OpenAPIHeader, OpenAPIResponse, OpenAPIType, Operation, Schema
from pydantic import BaseModel

from registry.accounts.schemas import TokenRequest, TokenResponse
from registry.accounts.services import authenticate, issue_token
from registry.db_types import require_id
from registry.errors import NotAuthenticated
from registry.web.client_address import from_request as client_address
from registry.web.crud import ERRORS_WRITE, _problem
from registry.web.deps import unit_of_work

RETRY_AFTER = OpenAPIHeader(
    description="Seconds to wait before trying again", schema=Schema(type=OpenAPIType.INTEGER, minimum=1)
)


@dataclass
class RateLimitedOperation(Operation):
    """An operation whose 429 answer declares its Retry-After header (a ResponseSpec cannot)."""

    def __post_init__(self) -> None:
        response = (self.responses or {}).get("429")
        if isinstance(response, OpenAPIResponse):
            response.headers = {**(response.headers or {}), "Retry-After": RETRY_AFTER}


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
            403: _problem("The account is waiting for its organisation's approval, or its address is unconfirmed"),
            429: _problem("Too many failed sign-ins for this account or client address; see Retry-After"),
        },
        operation_class=RateLimitedOperation,
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

    @get("/me", summary="Who the bearer token belongs to", sync_to_thread=True)
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
