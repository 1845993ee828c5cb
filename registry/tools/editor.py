"""The multi-step listing editor: form fields <-> ToolCreate/ToolUpdate payloads.

Each step owns some fields. `parse_step` turns one step's posted form into (payload, values,
errors): the payload goes to the tool services, `values` re-renders exactly what was typed
when there are errors, and error keys are the form field names (so the GOV.UK error summary
links land on the right control). No web framework imports: forms arrive as mappings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from registry.enums import DATA_STANDARDS, VerificationState
from registry.formatting import money_input
from registry.tools.schemas import ToolCreate, ToolUpdate
from registry.web.forms import many as _many


@dataclass(frozen=True, slots=True)
class Step:
    slug: str
    title: str
    fields: tuple[str, ...]  # ToolUpdate fields this step edits


STEPS: tuple[Step, ...] = (
    Step(
        "about", "About the tool", ("name", "summary", "description", "category", "workstreams", "four_ps", "five_ds")
    ),
    Step("capabilities", "Capabilities", ("capabilities",)),
    Step("security", "Security and hosting", ("classification", "hosting", "deployments", "data_standards", "trl")),
    Step("accreditations", "Accreditations", ("accreditations",)),
    Step("skills", "Skills and training", ("skills_needed", "training_offered")),
    Step("pricing", "Pricing", ("pricing_model", "price_capital", "price_annual")),
)
STEP_BY_SLUG = {s.slug: s for s in STEPS}
REVIEW = "review"
MIN_ROWS = 1  # blank rows shown when a repeatable list is empty


@dataclass
class StepResult:
    payload: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def next_step(slug: str) -> str:
    slugs = [s.slug for s in STEPS]
    i = slugs.index(slug)
    return slugs[i + 1] if i + 1 < len(slugs) else REVIEW


def _get(form: Mapping[str, Any], key: str) -> str:
    value = form.get(key)
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "").strip()


# --- read side: a stored listing as form values ----------------------------------------------


def values_from_read(read: Mapping[str, Any]) -> dict[str, Any]:
    """Every step's form values from a ToolRead dict."""
    known = set(DATA_STANDARDS)
    return {
        "name": read["name"],
        "summary": read["summary"],
        "description": read["description"],
        "category": read["category"],
        "workstreams": list(read["workstreams"]),
        "four_ps": list(read["four_ps"]),
        "five_ds": list(read["five_ds"]),
        "cap": [c["node_code"] for c in read["capabilities"]],
        "claims": {c["node_code"]: {"state": c["state"], "evidence": c["evidence"]} for c in read["capabilities"]},
        "classification": read["classification"],
        "hosting": read["hosting"],
        "deployments": list(read["deployments"]),
        "data_standards": [d for d in read["data_standards"] if d in known],
        "other_standards": ", ".join(d for d in read["data_standards"] if d not in known),
        "trl": str(read["trl"]),
        "acc_rows": [
            {"name": a["name"], "expires": _date_parts(a["expires_on"]), "mandatory": a["mandatory"]}
            for a in read["accreditations"]
        ]
        or [_blank_acc()],
        "skill_rows": [{"code": s["skill_code"], "level": str(s["level"])} for s in read["skills_needed"]]
        or [_blank_skill()],
        "training_offered": [t["skill_code"] for t in read["training_offered"]],
        "pricing_model": read["pricing_model"] or "",
        "price_capital": money_input(read["price_capital"]),
        "price_annual": money_input(read["price_annual"]),
    }


def blank_values() -> dict[str, Any]:
    return {
        "name": "",
        "summary": "",
        "description": "",
        "category": "",
        "workstreams": [],
        "four_ps": [],
        "five_ds": [],
        "cap": [],
        "claims": {},
        "classification": "OFFICIAL",
        "hosting": "uk",
        "deployments": [],
        "data_standards": [],
        "other_standards": "",
        "trl": "",
        "acc_rows": [_blank_acc()],
        "skill_rows": [_blank_skill()],
        "training_offered": [],
        "pricing_model": "",
        "price_capital": "",
        "price_annual": "",
    }


def _date_parts(value: date | str | None) -> dict[str, str]:
    if not value:
        return {"day": "", "month": "", "year": ""}
    d = value if isinstance(value, date) else date.fromisoformat(str(value))
    return {"day": str(d.day), "month": str(d.month), "year": str(d.year)}


def _blank_acc() -> dict[str, Any]:
    return {"name": "", "expires": {"day": "", "month": "", "year": ""}, "mandatory": False}


def _blank_skill() -> dict[str, str]:
    return {"code": "", "level": ""}


# --- write side: one step's form -> payload --------------------------------------------------


def _about(form: Mapping[str, Any], r: StepResult) -> None:
    for key in ("name", "summary", "description", "category"):
        r.values[key] = _get(form, key)
        r.payload[key] = r.values[key]
    if not r.values["name"]:
        r.errors["name"] = "Enter the name of the tool"
    for key in ("workstreams", "four_ps", "five_ds"):
        r.values[key] = _many(form, key)
        r.payload[key] = r.values[key]


def _capabilities(form: Mapping[str, Any], r: StepResult, *, staff: bool) -> None:
    chosen = list(dict.fromkeys(_many(form, "cap")))
    claims: dict[str, dict[str, str]] = {}
    payload = []
    allowed = {VerificationState.CLAIMED.value, VerificationState.EVIDENCED.value}
    if staff:
        allowed.add(VerificationState.VERIFIED.value)
    for code in chosen:
        state = _get(form, f"state-{code}") or VerificationState.CLAIMED.value
        evidence = _get(form, f"evidence-{code}")
        claims[code] = {"state": state, "evidence": evidence}
        if state not in allowed:
            r.errors[f"state-{code}"] = "Choose claimed or evidenced"
        elif state != VerificationState.CLAIMED.value and not evidence:
            r.errors[f"evidence-{code}"] = "Describe the evidence (for example a trial report or case study)"
        elif len(evidence) > 2000:
            r.errors[f"evidence-{code}"] = "Evidence must be 2,000 characters or fewer"
        payload.append({"node_code": code, "state": state, "evidence": evidence})
    # Keep typed evidence for boxes left unticked too, so unticking by mistake loses nothing.
    for key in form:
        if str(key).startswith("evidence-") and key[9:] not in claims:
            claims[key[9:]] = {"state": _get(form, f"state-{key[9:]}") or "claimed", "evidence": _get(form, key)}
    r.values.update(cap=chosen, claims=claims)
    r.payload["capabilities"] = payload


def _security(form: Mapping[str, Any], r: StepResult) -> None:
    r.values["classification"] = _get(form, "classification")
    r.values["hosting"] = _get(form, "hosting")
    r.values["deployments"] = _many(form, "deployments")
    r.values["data_standards"] = _many(form, "data_standards")
    r.values["other_standards"] = _get(form, "other_standards")
    r.values["trl"] = _get(form, "trl")
    others = [s.strip().upper() for s in r.values["other_standards"].replace(";", ",").split(",") if s.strip()]
    r.payload.update(
        classification=r.values["classification"] or None,
        hosting=r.values["hosting"] or None,
        deployments=r.values["deployments"],
        data_standards=list(dict.fromkeys(r.values["data_standards"] + others)),
    )
    if not r.values["classification"]:
        r.errors["classification"] = "Select the highest classification the tool may hold"
    if not r.values["hosting"]:
        r.errors["hosting"] = "Select where the data is hosted"
    if not r.values["trl"].isdecimal() or not 1 <= int(r.values["trl"]) <= 9:
        r.errors["trl"] = "Select a technology readiness level from 1 to 9"
    else:
        r.payload["trl"] = int(r.values["trl"])


def _rows(form: Mapping[str, Any], prefix: str) -> list[int]:
    count = _get(form, f"{prefix}_count")
    return list(range(min(int(count), 50))) if count.isdecimal() else []


def _parse_date(parts: dict[str, str]) -> date | None:
    if not any(parts.values()):
        return None
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError as exc:
        raise ValueError("Expiry date must be a real date, like 31 3 2027") from exc


def _accreditations(form: Mapping[str, Any], r: StepResult) -> None:
    rows: list[dict[str, Any]] = []
    payload: list[dict[str, Any]] = []
    index: dict[int, int] = {}
    for i in _rows(form, "acc"):
        parts = {p: _get(form, f"acc-{i}-expires-{p}") for p in ("day", "month", "year")}
        row = {
            "name": _get(form, f"acc-{i}-name"),
            "expires": parts,
            "mandatory": bool(_get(form, f"acc-{i}-mandatory")),
        }
        if not row["name"] and not any(parts.values()):
            continue  # a blank row is simply not wanted
        n = len(rows)
        rows.append(row)
        if not row["name"]:
            r.errors[f"acc-{n}-name"] = "Enter the name of the accreditation"
        try:
            expires = _parse_date(parts)
        except ValueError as exc:
            r.errors[f"acc-{n}-expires"] = str(exc)
            expires = None
        index[len(payload)] = n
        payload.append({"name": row["name"] or "?", "expires_on": expires, "mandatory": row["mandatory"]})
    r.values["acc_rows"] = rows or [_blank_acc()]
    r.values["_acc_index"] = index
    r.payload["accreditations"] = payload


def _skills(form: Mapping[str, Any], r: StepResult) -> None:
    rows: list[dict[str, Any]] = []
    payload: list[dict[str, Any]] = []
    for i in _rows(form, "skill"):
        row = {"code": _get(form, f"skill-{i}-code"), "level": _get(form, f"skill-{i}-level")}
        if not row["code"] and not row["level"]:
            continue
        n = len(rows)
        rows.append(row)
        if not row["code"]:
            r.errors[f"skill-{n}-code"] = "Select a skill"
        if not row["level"].isdecimal() or not 1 <= int(row["level"]) <= 7:
            r.errors[f"skill-{n}-level"] = "Select a level from 1 to 7"
        else:
            payload.append({"skill_code": row["code"] or "?", "level": int(row["level"])})
    codes = [p["skill_code"] for p in payload]
    if len(set(codes)) != len(codes):
        r.errors.setdefault("skill-0-code", "Each skill can be listed once; change the level instead")
    r.values["skill_rows"] = rows or [_blank_skill()]
    r.values["training_offered"] = _many(form, "training_offered")
    r.payload["skills_needed"] = payload
    r.payload["training_offered"] = r.values["training_offered"]


def parse_money(text: str) -> float | None:
    cleaned = text.replace("£", "").replace(",", "").strip()
    if not cleaned:
        return 0.0
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if value >= 0 else None


def _pricing(form: Mapping[str, Any], r: StepResult) -> None:
    r.values["pricing_model"] = _get(form, "pricing_model")
    r.payload["pricing_model"] = r.values["pricing_model"] or None
    for key, label in (("price_capital", "one-off cost"), ("price_annual", "annual cost")):
        r.values[key] = _get(form, key)
        value = parse_money(r.values[key])
        if value is None:
            r.errors[key] = f"Enter the {label} in pounds, like 12500, or leave it blank"
        else:
            r.payload[key] = value


def _map_validation(exc: ValidationError, r: StepResult) -> None:
    """Schema errors -> form field names (row indexes follow the rows shown again)."""
    for err in exc.errors():
        loc = list(err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        key = str(loc[0]) if loc else "name"
        if key == "capabilities" and len(loc) > 1 and isinstance(loc[1], int):
            codes = r.values.get("cap", [])
            key = f"evidence-{codes[loc[1]]}" if loc[1] < len(codes) else "capabilities"
        elif key == "accreditations" and len(loc) > 1 and isinstance(loc[1], int):
            row = r.values.get("_acc_index", {}).get(loc[1], loc[1])
            key = f"acc-{row}-expires" if len(loc) > 2 and loc[2] == "expires_on" else f"acc-{row}-name"
        elif key == "skills_needed" and len(loc) > 1 and isinstance(loc[1], int):
            key = f"skill-{loc[1]}-code"
        elif key in ("summary", "description", "name") and err["type"] == "string_too_long":
            msg = f"{key.capitalize()} must be {err['ctx']['max_length']:,} characters or fewer"
        r.errors.setdefault(key, msg[:1].upper() + msg[1:])


def parse_step(slug: str, form: Mapping[str, Any], *, staff: bool = False, creating: bool = False) -> StepResult:
    """Validate one step's form. On success `payload` validates as ToolUpdate (or ToolCreate)."""
    r = StepResult()
    if slug == "about":
        _about(form, r)
    elif slug == "capabilities":
        _capabilities(form, r, staff=staff)
    elif slug == "security":
        _security(form, r)
    elif slug == "accreditations":
        _accreditations(form, r)
    elif slug == "skills":
        _skills(form, r)
    elif slug == "pricing":
        _pricing(form, r)
    else:
        raise KeyError(slug)
    try:  # always, so every problem on the page is reported at once
        (ToolCreate if creating else ToolUpdate).model_validate(r.payload)
    except ValidationError as exc:
        _map_validation(exc, r)
    r.values.pop("_acc_index", None)
    return r


def add_blank_row(values: dict[str, Any], which: str) -> None:
    """'Add another' without JavaScript: re-render the step with one more empty row."""
    if which == "acc":
        values.setdefault("acc_rows", []).append(_blank_acc())
    elif which == "skill":
        values.setdefault("skill_rows", []).append(_blank_skill())
