"""Who is acting: passed into every service call so permissions are enforced there."""

from __future__ import annotations

from dataclasses import dataclass

from registry.enums import Role
from registry.errors import Forbidden, NotAuthenticated


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int | None = None
    email: str = ""
    name: str = "anonymous"
    role: Role | None = None
    organisation_id: int | None = None
    organisation_name: str = ""
    supplier_id: int | None = None  # set for supplier users: their own supplier record

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_staff(self) -> bool:
        """Moderators and admins act across organisations."""
        return self.role in (Role.MODERATOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def label(self) -> str:
        return self.email or "anonymous"

    def require_auth(self) -> None:
        if not self.is_authenticated:
            raise NotAuthenticated("Sign in to do this.")

    def require_user_id(self) -> int:
        """The signed-in user's id (for records that name who made them)."""
        if self.user_id is None:
            raise NotAuthenticated("Sign in to do this.")
        return self.user_id

    def require_role(self, *roles: Role) -> None:
        self.require_auth()
        if self.role not in roles and not self.is_admin:
            allowed = ", ".join(r.value.replace("_", " ") for r in roles)
            raise Forbidden(f"This needs one of these roles: {allowed}.")

    def in_org(self, organisation_id: int | None) -> bool:
        return self.organisation_id is not None and self.organisation_id == organisation_id


ANONYMOUS = Actor()
SYSTEM = Actor(user_id=0, email="system", name="system", role=Role.ADMIN)  # id 0: no real user
