"""Reading submitted forms and query strings: one way, used by every page module."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body
from pydantic import BaseModel, ValidationError

from registry.errors import InvalidInput


def many(data: Mapping[str, Any], key: str) -> list[str]:
    """All non-blank values of a repeated field (checkboxes, multi-selects), stripped."""
    getall = getattr(data, "getall", None)
    value = getall(key, []) if getall else data.get(key)
    values = value if isinstance(value, list | tuple) else [value] if value is not None else []
    return [str(v).strip() for v in values if str(v).strip()]


def one(data: Mapping[str, Any], key: str) -> str:
    """A single field's value, stripped; the last one wins if it was sent twice."""
    values = many(data, key)
    return values[-1] if values else ""


# --- request bodies ---------------------------------------------------------------------------

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)  # every HTML form posts this
UPLOAD = Body(media_type=RequestEncodingType.MULTI_PART)  # file uploads


# A page form saved over someone else's newer change (the optimistic lock said 409).
EDIT_CONFLICT = "Someone else changed this record while you were editing it. Check the values and save again."


# --- field errors -----------------------------------------------------------------------------


def field_errors(exc: ValidationError, messages: dict[str, str] | None = None) -> dict[str, str]:
    """Pydantic errors as {field: sentence}, first error per field, in words a person reads."""
    out: dict[str, str] = {}
    for err in exc.errors():
        key = str(err["loc"][0]) if err["loc"] else "form"
        msg = (messages or {}).get(key) or str(err["msg"]).removeprefix("Value error, ")
        out.setdefault(key, msg[:1].upper() + msg[1:])
    return out


def validate_form(schema: type[BaseModel], payload: dict[str, Any], messages: dict[str, str]) -> Any:
    try:
        return schema.model_validate(payload)
    except ValidationError as exc:
        raise InvalidInput("Check the form.", fields=field_errors(exc, messages)) from exc


def text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return str(value[0] if isinstance(value, list) and value else (value or "")).strip()


def form_version(data: Mapping[str, Any]) -> int | None:
    """The record version a form was rendered with (optimistic locking), if it sent one."""
    raw = text(data, "version")
    return int(raw) if raw.isdecimal() else None


# --- htmx -------------------------------------------------------------------------------------

VARY = {"Vary": "HX-Request"}  # one URL, full page or fragment: caches must key on the header


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    """An htmx swap (not a history restore, which needs the full page)."""
    return bool(request.headers.get("hx-request")) and not request.headers.get("hx-history-restore-request")
