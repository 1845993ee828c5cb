"""Optimistic locking: the one step every service takes before it changes a versioned record.

A versioned record has an integer ``version`` column. A writer says which version it read in
one of two ways, the API's ``If-Match: "<version>"`` header or the ``version`` field of the JSON
body or HTML form, and `claim_version` then:

* answers 412 Precondition Failed when If-Match was sent and is stale (the header is checked
  first and wins, as HTTP intends);
* answers 409 Conflict when the body or form version is stale;
* answers 428 Precondition Required when neither was sent and the caller requires one (JSON API
  updates do; pages always send the version the form was rendered with; actions that only add
  to a record, like a procurement decision, need none);
* bumps the version with a guarded ``UPDATE ... WHERE version = <read>``, so of two writers that
  read the same version only one wins, even when neither sent a version; the loser gets 409.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from registry.db_types import rows_affected
from registry.errors import Conflict, PreconditionFailed, PreconditionRequired


def check_version(
    current: int, *, if_match: int | None, version: int | None, required: bool, label: str = "record"
) -> None:
    """Refuse a write based on a stale (or, when required, unknown) read of the record."""
    if if_match is not None and if_match != current:
        raise PreconditionFailed(
            f"The {label} has changed since you read it (it is now version {current}); reload and try again."
        )
    if version is not None and version != current:
        raise Conflict(
            f"Someone else changed this {label} since you loaded it (it is now version {current}); "
            "reload and try again."
        )
    if required and if_match is None and version is None:
        raise PreconditionRequired(
            f"Send If-Match with the {label}'s ETag, or its 'version' in the body, so a change made "
            "since you read it is not overwritten."
        )


def claim_version(
    session: Session,
    record: Any,
    *,
    if_match: int | None = None,
    version: int | None = None,
    required: bool = False,
    label: str = "record",
) -> int:
    """Check the writer's version (see the module docstring), then bump it; returns the new one.

    Call it before changing the record, inside the writer's transaction: the guarded UPDATE
    holds the row until commit, so a concurrent writer waits and then fails the guard.
    """
    expected = int(record.version)
    check_version(expected, if_match=if_match, version=version, required=required, label=label)
    model = type(record)
    result = session.execute(
        update(model).where(model.id == record.id, model.version == expected).values(version=expected + 1)
    )
    if rows_affected(result) != 1:
        raise Conflict(f"Someone else saved this {label} first; reload and try again.")
    record.version = expected + 1  # in step with the row whatever the session's sync strategy
    return expected + 1


class StaleDecision(Conflict):
    """A workflow decision (approve, reject, submit...) made on a version of the record that is no
    longer current. The API answers 412 instead when the stale version came in If-Match."""
