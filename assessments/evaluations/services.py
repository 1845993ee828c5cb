"""Evaluations: create from a shortlist, set weighted criteria, score with reasons, compute.

Visible to members of the owning organisation (procurement officers and capability leads)
and admins; only procurement officers (and admins) change them. A final evaluation is
read-only. The maths is ``assessments.evaluation`` (pure); this module only reads and writes
rows and records the audit trail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import delete, false, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlmodel import col

from assessments.evaluations.models import Evaluation, EvaluationCriterion, EvaluationScore, EvaluationTool
from assessments.evaluations.scoring import (
    Criterion,
    EvaluationError,
    EvaluationResult,
    Kind,
    Score,
    ToolKey,
    evaluate,
    validate_criteria,
)
from assessments.reports.procurement_report import ToolFacts
from registry.actor import Actor
from registry.changelog import services as changelog
from registry.db_types import require_id, today, utcnow
from registry.enums import Role, SizeBand
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound
from registry.locking import check_version, claim_version
from registry.shortlists.models import Shortlist, ShortlistItem
from registry.suppliers.models import Supplier
from registry.tools.models import Tool
from registry.tools.services import to_read as tools_to_read
from registry.tools.services import visible_tool

SelectT = TypeVar("SelectT", bound=Select)  # any Select, whatever its columns
ENTITY = "evaluation"
READ_ROLES = (Role.PROCUREMENT_OFFICER, Role.CAPABILITY_LEAD)
WRITE_ROLES = (Role.PROCUREMENT_OFFICER,)
KINDS: tuple[Kind, ...] = ("quality", "price", "social_value")  # typed so `in KINDS` narrows a str
MIN_TOOLS = 2
MAX_TOOLS = 30
MAX_CRITERIA = 12
# Defaults that already pass validation: 60 quality, 30 price, 10 social value (PPN 06/20 minimum).
DEFAULT_CRITERIA: tuple[tuple[str, str, Kind, float], ...] = (
    ("functional-fit", "Functional fit", "quality", 40.0),
    ("security", "Security and assurance", "quality", 20.0),
    ("price", "Price", "price", 30.0),
    ("social-value", "Social value", "social_value", 10.0),
)


@dataclass(frozen=True, slots=True)
class CriterionInput:
    label: str
    kind: str
    weight: float | None
    key: str = ""


@dataclass(frozen=True, slots=True)
class ScoreInput:
    tool_id: int
    criterion_key: str
    score: float | None  # None with an empty reason: not scored yet
    reason: str = ""


@dataclass(frozen=True, slots=True)
class EvaluationSummary:
    id: str
    name: str
    status: str
    tool_count: int
    created_at: Any


@dataclass(slots=True)
class Outcome:
    criteria: list[Criterion]
    result: EvaluationResult | None
    problems: list[str] = field(default_factory=list)


@dataclass(slots=True)
class EvaluationDetail:
    evaluation: Evaluation
    criteria: list[EvaluationCriterion]
    tools: list[ToolFacts]
    scores: dict[tuple[int, str], EvaluationScore]
    outcome: Outcome
    can_write: bool


# ---------------------------------------------------------------- permissions


def scope(actor: Actor, stmt: SelectT) -> SelectT:
    if actor.is_admin:
        return stmt
    if actor.role not in READ_ROLES or actor.organisation_id is None:
        return stmt.where(false())
    return stmt.where(col(Evaluation.organisation_id) == actor.organisation_id)


def can_write(actor: Actor, evaluation: Evaluation) -> bool:
    return actor.is_admin or (actor.role in WRITE_ROLES and actor.in_org(evaluation.organisation_id))


def get_visible(session: Session, actor: Actor, evaluation_id: str) -> Evaluation:
    actor.require_auth()
    row = session.execute(
        scope(actor, select(Evaluation).where(col(Evaluation.id) == evaluation_id))
    ).scalar_one_or_none()
    if row is None:  # same answer for missing and not visible
        raise NotFound("No such evaluation.")
    return row


def get_writable(session: Session, actor: Actor, evaluation_id: str) -> Evaluation:
    evaluation = get_visible(session, actor, evaluation_id)
    if not can_write(actor, evaluation):
        raise Forbidden("Only the organisation's procurement officers can change this evaluation.")
    if evaluation.status == "final":
        raise Conflict("This evaluation is final and can no longer be changed.")
    return evaluation


def _check(evaluation: Evaluation, version: int | None, if_match: int | None, required: bool) -> None:
    """A stale read is refused before any validation message (registry.locking's rule)."""
    check_version(evaluation.version, if_match=if_match, version=version, required=required, label="evaluation")


def _touch(session: Session, evaluation: Evaluation, version: int | None, if_match: int | None) -> None:
    """Bump the version (guarded: of two concurrent writers one gets 409) as the change is saved."""
    claim_version(session, evaluation, version=version, if_match=if_match, label="evaluation")
    evaluation.updated_at = utcnow()


# ---------------------------------------------------------------- reading


def list_for(session: Session, actor: Actor) -> list[EvaluationSummary]:
    actor.require_auth()
    counts = (
        select(col(EvaluationTool.evaluation_id), func.count().label("n"))
        .group_by(col(EvaluationTool.evaluation_id))
        .subquery()
    )
    stmt = scope(
        actor,
        select(Evaluation, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.evaluation_id == col(Evaluation.id))
        .order_by(col(Evaluation.created_at).desc()),
    )
    return [EvaluationSummary(e.id, e.name, e.status, int(n), e.created_at) for e, n in session.execute(stmt).all()]


def criteria_rows(session: Session, evaluation_id: str) -> list[EvaluationCriterion]:
    stmt = select(EvaluationCriterion).where(col(EvaluationCriterion.evaluation_id) == evaluation_id)
    return list(
        session.execute(stmt.order_by(col(EvaluationCriterion.position), col(EvaluationCriterion.id))).scalars()
    )


def tool_rows(session: Session, evaluation_id: str) -> list[EvaluationTool]:
    stmt = (
        select(EvaluationTool)
        .where(col(EvaluationTool.evaluation_id) == evaluation_id)
        .order_by(col(EvaluationTool.id))
    )
    return list(session.execute(stmt).scalars())


def score_rows(session: Session, evaluation_id: str) -> list[EvaluationScore]:
    stmt = select(EvaluationScore).where(col(EvaluationScore.evaluation_id) == evaluation_id)
    return list(session.execute(stmt).scalars())


def tool_facts(
    session: Session,
    tool_ids: Sequence[int],
    *,
    chosen_versions: Mapping[int, int] | None = None,
    prices: Mapping[int, float] | None = None,
) -> list[ToolFacts]:
    """Report-ready facts about tools and their suppliers, in the order of ``tool_ids``."""
    tools = list(session.execute(select(Tool).where(col(Tool.id).in_(list(tool_ids)))).scalars())
    reads = {r["id"]: r for r in tools_to_read(session, tools)}
    sup_ids = {t.supplier_id for t in tools}
    suppliers = {s.id: s for s in session.execute(select(Supplier).where(col(Supplier.id).in_(sup_ids))).scalars()}
    out = []
    for tid in tool_ids:
        r = reads.get(tid)
        if r is None:
            continue
        sup = suppliers.get(r["supplier_id"])
        out.append(
            ToolFacts(
                tool_id=tid,
                name=r["name"],
                supplier_name=r["supplier_name"],
                sme=bool(sup and SizeBand(sup.size_band).is_sme),
                verified=bool(sup and sup.verified),
                clearances=tuple(sup.clearances) if sup else (),
                accreditations=tuple((a["name"], a["expires_on"]) for a in r["accreditations"]),
                last_reviewed=r["last_reviewed"],
                classification=r["classification"],
                hosting=r["hosting"],
                trl=r["trl"],
                deployments=tuple(r["deployments"]),
                pricing_model=r["pricing_model"],
                price_capital=float(r["price_capital"]),
                price_annual=float(r["price_annual"]),
                price=(prices or {}).get(tid),
                status=r["status"],
                version=r["version"],
                chosen_version=(chosen_versions or {}).get(tid),
            )
        )
    return out


def _stored_kind(row: EvaluationCriterion) -> Kind:
    # Only set_criteria (validated) and DEFAULT_CRITERIA write criteria, so any other kind is damage.
    if row.kind not in KINDS:
        raise ValueError(f"Evaluation criterion {row.key!r} has an unknown kind {row.kind!r}.")
    return row.kind


def criteria_of(rows: Sequence[EvaluationCriterion]) -> list[Criterion]:
    return [Criterion(c.key, c.label, c.weight, _stored_kind(c)) for c in rows]


def tool_names(session: Session, tool_ids: Sequence[int]) -> dict[int, str]:
    """Tool names for messages (problems and form errors name tools, never their ids)."""
    if not tool_ids:
        return {}
    rows = session.execute(select(Tool).where(col(Tool.id).in_(list(tool_ids)))).scalars()
    return {require_id(t): t.name for t in rows}


def compute(session: Session, evaluation: Evaluation) -> Outcome:
    """Run the scoring maths; problems (e.g. missing scores) instead of a result when incomplete."""
    crit = criteria_of(criteria_rows(session, evaluation.id))
    prices: dict[ToolKey, float] = {t.tool_id: t.price for t in tool_rows(session, evaluation.id)}
    names: dict[ToolKey, str] = {k: v for k, v in tool_names(session, [int(t) for t in prices]).items()}
    scores = [
        Score(s.tool_id, s.criterion_key, s.score, s.reason)
        for s in score_rows(session, evaluation.id)
        if s.tool_id in prices
    ]
    try:
        return Outcome(crit, evaluate(crit, scores, prices, names))
    except EvaluationError as exc:
        return Outcome(crit, None, list(exc.problems))


def detail(session: Session, actor: Actor, evaluation_id: str) -> EvaluationDetail:
    evaluation = get_visible(session, actor, evaluation_id)
    tools = tool_rows(session, evaluation.id)
    facts = tool_facts(
        session,
        [t.tool_id for t in tools],
        chosen_versions={t.tool_id: t.tool_version for t in tools},
        prices={t.tool_id: t.price for t in tools},
    )
    scores = {(s.tool_id, s.criterion_key): s for s in score_rows(session, evaluation.id)}
    return EvaluationDetail(
        evaluation,
        criteria_rows(session, evaluation.id),
        facts,
        scores,
        compute(session, evaluation),
        can_write(actor, evaluation),
    )


# ---------------------------------------------------------------- writing


def _shortlist_tools(session: Session, actor: Actor, shortlist_id: int) -> list[tuple[int, int]]:
    shortlist = session.get(Shortlist, shortlist_id)
    if shortlist is None or shortlist.user_id != actor.user_id:  # shortlists are private to their owner
        raise InvalidInput("Choose one of your shortlists.", fields={"shortlist_id": "Choose one of your shortlists"})
    stmt = (
        select(col(ShortlistItem.tool_id), col(ShortlistItem.tool_version))
        .where(col(ShortlistItem.shortlist_id) == shortlist_id)
        .order_by(col(ShortlistItem.added_at), col(ShortlistItem.id))
    )
    return [(tid, ver) for tid, ver in session.execute(stmt).all()]


def _require_visible(session: Session, actor: Actor, tool_ids: Sequence[int]) -> None:
    """A shortlist keeps tools unpublished since they were added; an evaluation takes only
    listings the evaluator may still see (the one visibility rule, visible_tool)."""
    gone = []
    for tid in tool_ids:
        try:
            visible_tool(session, actor, tid)
        except NotFound:
            gone.append(tid)
    if gone:
        names = ", ".join(n for (n,) in session.execute(select(col(Tool.name)).where(col(Tool.id).in_(gone))).all())
        raise InvalidInput(
            f"Some tools on this shortlist are no longer published: {names}. Remove them from the shortlist first.",
            fields={"shortlist_id": f"Remove the tools no longer published from the shortlist first: {names}"},
        )


def create(
    session: Session,
    actor: Actor,
    *,
    name: str,
    shortlist_id: int | None = None,
    tool_ids: Sequence[int] = (),
    price_years: int = 3,
) -> Evaluation:
    """A draft evaluation over a shortlist's tools (or explicit tool ids) with default criteria."""
    actor.require_role(*WRITE_ROLES)
    name = name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Enter a name for the evaluation"
    elif len(name) > 200:
        errors["name"] = "Name must be 200 characters or fewer"
    if not 1 <= price_years <= 15:
        errors["price_years"] = "Whole-life years must be between 1 and 15"
    if actor.organisation_id is None and not actor.is_admin:
        raise InvalidInput("Your account is not linked to an organisation.")
    if errors:
        raise InvalidInput("Check the evaluation details.", fields=errors)
    if shortlist_id is not None:
        chosen = _shortlist_tools(session, actor, shortlist_id)
        _require_visible(session, actor, [tid for tid, _ in chosen])
    else:
        chosen = []
        for tid in dict.fromkeys(tool_ids):
            tool = visible_tool(session, actor, tid, "tool_ids")  # 404 alike for missing and unpublished
            chosen.append((tid, tool.version))
    if not MIN_TOOLS <= len(chosen) <= MAX_TOOLS:
        field_name = "shortlist_id" if shortlist_id is not None else "tool_ids"
        raise InvalidInput(
            f"An evaluation needs between {MIN_TOOLS} and {MAX_TOOLS} tools.",
            fields={field_name: f"Choose a shortlist with {MIN_TOOLS} to {MAX_TOOLS} tools"},
        )
    org_id = actor.organisation_id
    if org_id is None and shortlist_id is not None:  # an admin without an organisation: use the shortlist's
        shortlist = session.get(Shortlist, shortlist_id)  # _shortlist_tools has found it (or refused)
        org_id = shortlist.organisation_id if shortlist is not None else None
    if org_id is None:
        raise InvalidInput("The evaluation needs an owning organisation.")
    evaluation = Evaluation(
        organisation_id=org_id, name=name, shortlist_id=shortlist_id, price_years=price_years, created_by=actor.user_id
    )
    session.add(evaluation)
    session.flush()
    tools = {
        t.id: t for t in session.execute(select(Tool).where(col(Tool.id).in_([tid for tid, _ in chosen]))).scalars()
    }
    for tid, version in chosen:
        t = tools[tid]
        session.add(
            EvaluationTool(
                evaluation_id=evaluation.id,
                tool_id=tid,
                tool_version=version,
                price=round(t.price_capital + price_years * t.price_annual, 2),
            )
        )
    for pos, (key, label, kind, weight) in enumerate(DEFAULT_CRITERIA):
        session.add(
            EvaluationCriterion(
                evaluation_id=evaluation.id, key=key, label=label, kind=kind, weight=weight, position=pos
            )
        )
    session.flush()
    changelog.record(
        session,
        actor,
        "create",
        ENTITY,
        evaluation.id,
        organisation_id=org_id,
        after=changelog.snapshot(evaluation, {"tool_ids": [tid for tid, _ in chosen]}),
        summary=f"Created evaluation {name} over {len(chosen)} tools",
    )
    return evaluation


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "criterion"


def set_criteria(
    session: Session,
    actor: Actor,
    evaluation_id: str,
    items: Sequence[CriterionInput],
    version: int | None = None,
    *,
    if_match: int | None = None,
    required: bool = False,
) -> Evaluation:
    """Replace the criteria. Weights must sum to 100, social value ≥ 10, exactly one price criterion.

    Scores for a criterion that is removed are deleted; scores for kept keys stay. Every write
    takes the version the writer read (`version` from a form or body, `if_match` from the API
    header; `required` for API calls) as `registry.locking` describes.
    """
    evaluation = get_writable(session, actor, evaluation_id)
    _check(evaluation, version, if_match, required)
    errors: dict[str, str] = {}
    crit: list[Criterion] = []
    used: set[str] = set()
    for i, item in enumerate(items):
        label = item.label.strip()
        if not label:
            errors[f"criteria-{i}-label"] = f"Enter a name for criterion {i + 1}"
        elif len(label) > 200:
            errors[f"criteria-{i}-label"] = "Name must be 200 characters or fewer"
        # Name the criterion by what was typed, so the message says which one is wrong.
        which = f"“{label}”" if label else f"criterion {i + 1}"
        if item.kind not in KINDS:
            errors[f"criteria-{i}-kind"] = f"Choose whether {which} is quality, price or social value"
        if item.weight is None or not 0 <= item.weight <= 100:
            errors[f"criteria-{i}-weight"] = f"Enter a weight from 0 to 100 for {which}"
        key = item.key or _slug(label)
        base, n = key, 2
        while key in used:
            key, n = f"{base[:36]}-{n}", n + 1
        used.add(key)
        if item.kind in KINDS:  # otherwise its error (above) is raised before crit is used
            crit.append(Criterion(key, label, item.weight or 0.0, item.kind))
    if not items:
        errors["criteria"] = "Add at least a price and a social value criterion"
    elif len(items) > MAX_CRITERIA:
        errors["criteria"] = f"Use at most {MAX_CRITERIA} criteria"
    if not errors:
        problems = validate_criteria(crit)
        if problems:
            errors["criteria"] = "; ".join(p[0].upper() + p[1:] for p in problems)
    if errors:
        raise InvalidInput("Check the criteria.", fields=errors)
    before = [
        {"key": c.key, "label": c.label, "kind": c.kind, "weight": c.weight}
        for c in criteria_rows(session, evaluation.id)
    ]
    session.execute(delete(EvaluationCriterion).where(col(EvaluationCriterion.evaluation_id) == evaluation.id))
    session.execute(
        delete(EvaluationScore).where(
            col(EvaluationScore.evaluation_id) == evaluation.id, col(EvaluationScore.criterion_key).not_in(list(used))
        )
    )
    session.flush()
    for pos, c in enumerate(crit):
        session.add(
            EvaluationCriterion(
                evaluation_id=evaluation.id, key=c.code, label=c.name, kind=c.kind, weight=float(c.weight), position=pos
            )
        )
    _touch(session, evaluation, version, if_match)
    session.flush()
    changelog.record(
        session,
        actor,
        "update",
        ENTITY,
        evaluation.id,
        organisation_id=evaluation.organisation_id,
        before={"criteria": before},
        after={"criteria": [{"key": c.code, "label": c.name, "kind": c.kind, "weight": c.weight} for c in crit]},
        summary=f"Set criteria for evaluation {evaluation.name}",
    )
    return evaluation


def score_errors(
    session: Session, evaluation: Evaluation, items: Sequence[ScoreInput], unreadable: Sequence[str] = ()
) -> dict[str, str]:
    """Every problem with a batch of scores at once, keyed by form field, in words that name the
    criterion and the tool ("Give a reason for the Security score of Tidemark Vessel Watch").

    ``unreadable``: the fields ("score-<tool>-<criterion>") whose text was not a number.
    """
    criteria = {c.key: c for c in criteria_rows(session, evaluation.id)}
    tool_ids = {t.tool_id for t in tool_rows(session, evaluation.id)}
    wanted = [i.tool_id for i in items] + [int(f.split("-")[1]) for f in unreadable if f.split("-")[1].isdecimal()]
    names = tool_names(session, sorted(set(wanted)))

    def what(tool_id: int, key: str) -> str:
        c = criteria.get(key)
        return f"the {c.label if c else key} score of {names.get(tool_id, 'this tool')}"

    errors: dict[str, str] = {}
    for field_name in unreadable:
        tool, _, key = field_name.removeprefix("score-").partition("-")
        if tool.isdecimal():
            errors[field_name] = f"Enter {what(int(tool), key)} as a number from 0 to 100"
    for item in items:
        where = f"{item.tool_id}-{item.criterion_key}"
        c = criteria.get(item.criterion_key)
        if item.tool_id not in tool_ids or c is None or c.kind == "price":
            errors[f"score-{where}"] = f"{what(item.tool_id, item.criterion_key).capitalize()} is not scored here"
        elif item.score is None and item.reason.strip():
            errors[f"score-{where}"] = f"Enter {what(item.tool_id, item.criterion_key)}, from 0 to 100"
        elif item.score is not None and not 0 <= item.score <= 100:
            errors[f"score-{where}"] = f"{what(item.tool_id, item.criterion_key).capitalize()} must be from 0 to 100"
        elif item.score is not None and not item.reason.strip():
            errors[f"reason-{where}"] = f"Give a reason for {what(item.tool_id, item.criterion_key)}"
        elif len(item.reason) > 4000:
            errors[f"reason-{where}"] = (
                f"The reason for {what(item.tool_id, item.criterion_key)} must be 4,000 characters or fewer"
            )
    return errors


def set_scores(
    session: Session,
    actor: Actor,
    evaluation_id: str,
    items: Sequence[ScoreInput],
    version: int | None = None,
    *,
    if_match: int | None = None,
    required: bool = False,
    unreadable: Sequence[str] = (),
) -> int:
    """Save quality and social value scores (0–100), each with a reason. Returns how many changed.

    A blank score with a blank reason clears that score. Nothing is saved if any entry is invalid
    (``unreadable`` names form fields whose text was not a number), and every problem in the
    batch is reported at once; when nothing changes the version stays as it is.
    """
    evaluation = get_writable(session, actor, evaluation_id)
    _check(evaluation, version, if_match, required)
    existing = {(s.tool_id, s.criterion_key): s for s in score_rows(session, evaluation.id)}
    errors = score_errors(session, evaluation, items, unreadable)
    if errors:
        raise InvalidInput("Check the scores: " + "; ".join(errors.values()) + ".", fields=errors)
    changed = 0
    now = utcnow()
    for item in items:
        key = (item.tool_id, item.criterion_key)
        row = existing.get(key)
        if item.score is None:
            if row is not None:
                session.delete(row)
                changed += 1
            continue
        reason = item.reason.strip()
        if row is not None and row.score == item.score and row.reason == reason:
            continue
        if row is None:
            row = EvaluationScore(
                evaluation_id=evaluation.id,
                tool_id=item.tool_id,
                criterion_key=item.criterion_key,
                score=float(item.score),
                reason=reason,
            )
        row.score, row.reason, row.scored_by, row.scored_at = float(item.score), reason, actor.user_id, now
        session.add(row)
        changed += 1
    if changed:
        _touch(session, evaluation, version, if_match)
        session.flush()
        changelog.record(
            session,
            actor,
            "score",
            ENTITY,
            evaluation.id,
            organisation_id=evaluation.organisation_id,
            after={
                "scores": [
                    {"tool_id": i.tool_id, "criterion": i.criterion_key, "score": i.score, "reason": i.reason.strip()}
                    for i in items
                ]
            },
            summary=f"Scored {changed} entries in evaluation {evaluation.name}",
        )
    return changed


def set_prices(
    session: Session,
    actor: Actor,
    evaluation_id: str,
    prices: Mapping[int, float | None],
    version: int | None = None,
    *,
    if_match: int | None = None,
    required: bool = False,
) -> None:
    """Whole-life prices used for price scoring (not negative)."""
    evaluation = get_writable(session, actor, evaluation_id)
    _check(evaluation, version, if_match, required)
    rows = {t.tool_id: t for t in tool_rows(session, evaluation.id)}
    names = tool_names(session, sorted(rows))
    errors = {
        f"price-{tid}": f"Enter the whole-life price of {names.get(tid, 'this tool')} as £0 or more"
        for tid, p in prices.items()
        if tid in rows and (p is None or p < 0)
    }
    errors.update({f"price-{tid}": "This tool is not in the evaluation" for tid in prices if tid not in rows})
    if errors:
        raise InvalidInput("Check the prices.", fields=errors)
    checked = {tid: p for tid, p in prices.items() if p is not None}  # the same prices: None was refused above
    before = {tid: rows[tid].price for tid in checked}
    for tid, price in checked.items():
        rows[tid].price = float(price)
        session.add(rows[tid])
    _touch(session, evaluation, version, if_match)
    session.flush()
    changelog.record(
        session,
        actor,
        "update",
        ENTITY,
        evaluation.id,
        organisation_id=evaluation.organisation_id,
        before={"prices": before},
        after={"prices": dict(prices)},
        summary=f"Set prices for evaluation {evaluation.name}",
    )


def finalise(
    session: Session,
    actor: Actor,
    evaluation_id: str,
    version: int | None = None,
    *,
    if_match: int | None = None,
    required: bool = False,
) -> Evaluation:
    """Lock a complete evaluation (every score given); it can no longer be changed."""
    evaluation = get_writable(session, actor, evaluation_id)
    _check(evaluation, version, if_match, required)
    outcome = compute(session, evaluation)
    if outcome.result is None:
        raise InvalidInput("Finish scoring before making the evaluation final: " + "; ".join(outcome.problems[:3]))
    evaluation.status = "final"
    _touch(session, evaluation, version, if_match)
    session.add(evaluation)
    session.flush()
    changelog.record(
        session,
        actor,
        "finalise",
        ENTITY,
        evaluation.id,
        organisation_id=evaluation.organisation_id,
        after={"status": "final", "winner": outcome.result.winner},
        summary=f"Made evaluation {evaluation.name} final",
    )
    return evaluation


def as_of() -> date:
    return today()
