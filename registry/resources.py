"""One generic way to list, read, create, update and retire registry records.

Each domain describes itself with a ResourceSpec (its model, schemas, filters, permissions and
how to serialise); these functions do the rest, always inside the caller's transaction, always
recording an audit event and honouring optimistic concurrency through the `version` column
(`registry.locking.claim_version`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from registry.actor import Actor
from registry.changelog import services as changelog
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound
from registry.locking import claim_version


class Record(Protocol):
    """What the generic layer needs of a resource's table model: its primary key `id` (an int for
    registry records, a str where ids must be unguessable), readable on the class as a column."""

    id: Any


M = TypeVar("M", bound=Record)
C = TypeVar("C", bound=BaseModel)  # the create schema
U = TypeVar("U", bound=BaseModel)  # the update schema

FilterKind = Literal["eq", "bool", "int_min", "int_max", "num_max", "json_has", "text"]
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class FilterSpec:
    column: str
    kind: FilterKind = "eq"
    description: str = ""


@dataclass
class ListParams:
    page: int = 1
    per_page: int = 25
    sort: str | None = None
    filters: dict[str, str] = field(default_factory=dict)


@dataclass
class PageResult:
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int


@dataclass
class ResourceSpec(Generic[M, C, U]):
    name: str  # URL segment, e.g. "tools"
    entity_type: str  # audit entity type, e.g. "tool"
    model: type[M]
    read_schema: type[BaseModel]
    create_schema: type[C]
    update_schema: type[U]
    # Serialise many rows at once (so children can be loaded in a few queries).
    to_read: Callable[[Session, Sequence[M]], list[dict[str, Any]]]
    # Build a new row (and its children) from validated input; may raise InvalidInput/Forbidden.
    create: Callable[[Session, Actor, C], M]
    # Apply validated partial input to a row (and its children).
    apply_update: Callable[[Session, Actor, M, U], None]
    # Restrict a SELECT to what the actor may see.
    scope: Callable[[Actor, Select[Any]], Select[Any]]
    can_write: Callable[[Session, Actor, M], bool]
    retire: Callable[[Session, Actor, M], None] | None = None  # None means hard delete
    filters: dict[str, FilterSpec] = field(default_factory=dict)
    sorts: tuple[str, ...] = ("id",)
    default_sort: str = "id"
    org_of: Callable[[M], int | None] = lambda _obj: None
    listing: bool = False  # changes affect the public search index
    child_snapshot: Callable[[Session, M], dict[str, Any]] | None = None
    label: str = ""
    id_type: type = int  # int ids for registry records; str (UUID hex) where ids must be unguessable
    # What one actor may see of one serialised row (list and get); None: the whole row.
    view: Callable[[Actor, dict[str, Any]], dict[str, Any]] | None = None
    # Fields only a workflow changes (field -> where to go instead; "{id}" is the record's id):
    # the generic update refuses them, so every door runs the workflow's checks.
    workflow_fields: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _SPECS[self.entity_type] = self

    @property
    def title(self) -> str:
        return self.label or self.entity_type.replace("_", " ")


# Every spec by entity type, filled as each domain's module defines its spec: a domain that must
# honour another's visibility rule (listing versions -> tools) asks for it by name instead of
# importing that domain.
_SPECS: dict[str, ResourceSpec[Any, Any, Any]] = {}


def spec_for(entity_type: str) -> ResourceSpec[Any, Any, Any]:
    try:
        return _SPECS[entity_type]
    except KeyError:
        raise LookupError(f"No resource spec for {entity_type!r}: its domain module is not imported.") from None


def _apply_filters(spec: ResourceSpec[Any, Any, Any], stmt: Select[Any], filters: dict[str, str]) -> Select[Any]:
    for key, raw in filters.items():
        fspec = spec.filters.get(key)
        if fspec is None:
            allowed = ", ".join(sorted(spec.filters)) or "none"
            raise InvalidInput(f"Unknown filter '{key}'. Allowed: {allowed}.", fields={key: "unknown filter"})
        col = getattr(spec.model, fspec.column)
        try:
            if fspec.kind == "eq":
                python_type = col.type.python_type
                stmt = stmt.where(col == (int(raw) if python_type is int else raw))
            elif fspec.kind == "bool":
                if raw.lower() not in {"true", "false", "1", "0"}:
                    raise ValueError
                stmt = stmt.where(col.is_(raw.lower() in {"true", "1"}))
            elif fspec.kind == "int_min":
                stmt = stmt.where(col >= int(raw))
            elif fspec.kind == "int_max":
                stmt = stmt.where(col <= int(raw))
            elif fspec.kind == "num_max":
                stmt = stmt.where(col <= float(raw))
            elif fspec.kind == "json_has":
                # Portable across SQLite and PostgreSQL: match the quoted element in the JSON text.
                needle = '"' + raw.replace("\\", "").replace('"', "") + '"'
                stmt = stmt.where(cast(col, String).contains(needle, autoescape=True))
            elif fspec.kind == "text":
                stmt = stmt.where(func.lower(col).contains(raw.lower(), autoescape=True))
        except ValueError as exc:
            raise InvalidInput(f"Filter '{key}' has an invalid value.", fields={key: "invalid value"}) from exc
    return stmt


def _apply_sort(spec: ResourceSpec[Any, Any, Any], stmt: Select[Any], sort: str | None) -> Select[Any]:
    sort = sort or spec.default_sort
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in spec.sorts:
        raise InvalidInput(
            f"Cannot sort by '{key}'. Allowed: {', '.join(spec.sorts)}.", fields={"sort": "unknown sort"}
        )
    col = getattr(spec.model, key)
    primary = col.desc() if descending else col.asc()
    return stmt.order_by(primary, spec.model.id.asc())


def list_resources(session: Session, spec: ResourceSpec[Any, Any, Any], actor: Actor, params: ListParams) -> PageResult:
    if params.page < 1:
        raise InvalidInput("page must be 1 or more.", fields={"page": "must be >= 1"})
    if not 1 <= params.per_page <= MAX_PER_PAGE:
        raise InvalidInput(f"per_page must be 1..{MAX_PER_PAGE}.", fields={"per_page": "out of range"})
    stmt = spec.scope(actor, select(spec.model))
    stmt = _apply_filters(spec, stmt, params.filters)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    stmt = _apply_sort(spec, stmt, params.sort)
    stmt = stmt.offset((params.page - 1) * params.per_page).limit(params.per_page)
    rows = list(session.execute(stmt).scalars())
    return PageResult(_viewed(spec, actor, spec.to_read(session, rows)), total, params.page, params.per_page)


def _viewed(spec: ResourceSpec[Any, Any, Any], actor: Actor, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [spec.view(actor, item) for item in items] if spec.view else items


def get_visible(session: Session, spec: ResourceSpec[M, Any, Any], actor: Actor, obj_id: Any) -> M:
    stmt = spec.scope(actor, select(spec.model).where(spec.model.id == obj_id))
    obj = session.execute(stmt).scalar_one_or_none()
    if obj is None:
        # Same answer whether it does not exist or is not visible: no existence oracle.
        raise NotFound(f"No {spec.title} with id {obj_id}.")
    return obj


def read_one(session: Session, spec: ResourceSpec[M, Any, Any], actor: Actor, obj_id: Any) -> dict[str, Any]:
    return _viewed(spec, actor, spec.to_read(session, [get_visible(session, spec, actor, obj_id)]))[0]


def refuse_workflow_fields(spec: ResourceSpec[Any, Any, Any], obj_id: Any, sent: Iterable[str]) -> None:
    """409 naming each workflow-only field sent to a generic update, and where to go instead."""
    refused = {f: spec.workflow_fields[f].replace("{id}", str(obj_id)) for f in sent if f in spec.workflow_fields}
    if refused:
        where = "; ".join(f"{f}: {w}" for f, w in refused.items())
        raise Conflict(f"These fields change only through the {spec.title} workflow. {where}.", fields=refused)


def _snapshot(session: Session, spec: ResourceSpec[M, Any, Any], obj: M) -> dict[str, Any] | None:
    extra = spec.child_snapshot(session, obj) if spec.child_snapshot else None
    return changelog.snapshot(obj, extra)


def create_resource(session: Session, spec: ResourceSpec[M, C, Any], actor: Actor, data: C) -> dict[str, Any]:
    obj = spec.create(session, actor, data)
    session.flush()
    changelog.record(
        session,
        actor,
        "create",
        spec.entity_type,
        obj.id,
        after=_snapshot(session, spec, obj),
        organisation_id=spec.org_of(obj),
        summary=f"Created {spec.title} {getattr(obj, 'name', '') or getattr(obj, 'code', '')}".strip(),
    )
    if spec.listing:
        changelog.bump_generation(session)
    return spec.to_read(session, [obj])[0]


def update_resource(
    session: Session,
    spec: ResourceSpec[M, Any, U],
    actor: Actor,
    obj_id: Any,
    data: U,
    *,
    if_match: int | None,
) -> dict[str, Any]:
    obj = get_visible(session, spec, actor, obj_id)
    if not spec.can_write(session, actor, obj):
        raise Forbidden(f"You cannot change this {spec.title}.")
    before = _snapshot(session, spec, obj)
    # An API update must say which version it read; pages send the form's version.
    claim_version(
        session, obj, if_match=if_match, version=getattr(data, "version", None), required=True, label=spec.title
    )
    spec.apply_update(session, actor, obj, data)
    session.flush()
    changelog.record(
        session,
        actor,
        "update",
        spec.entity_type,
        obj.id,
        before=before,
        after=_snapshot(session, spec, obj),
        organisation_id=spec.org_of(obj),
    )
    if spec.listing:
        changelog.bump_generation(session)
    return spec.to_read(session, [obj])[0]


def remove_resource(session: Session, spec: ResourceSpec[M, Any, Any], actor: Actor, obj_id: Any) -> None:
    obj = get_visible(session, spec, actor, obj_id)
    if not spec.can_write(session, actor, obj):
        raise Forbidden(f"You cannot remove this {spec.title}.")
    before = _snapshot(session, spec, obj)
    if spec.retire is not None:
        claim_version(session, obj, label=spec.title)  # a retire still beats a concurrent edit
        spec.retire(session, actor, obj)
        action, after = "retire", None
        session.flush()
        after = _snapshot(session, spec, obj)
    else:
        session.delete(obj)
        action, after = "delete", None
        session.flush()
    changelog.record(
        session,
        actor,
        action,
        spec.entity_type,
        obj_id,
        before=before,
        after=after,
        organisation_id=spec.org_of(obj),
    )
    if spec.listing:
        changelog.bump_generation(session)
