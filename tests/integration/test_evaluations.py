"""Evaluations through the service and pages: criteria rules, scores need reasons, ranking,
sensitivity (stable and flipping), organisation isolation (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments.evaluations import services as ev
from assessments.reports.procurement_report import sensitivity_sentences
from registry.accounts.models import User
from registry.accounts.services import actor_for
from registry.actor import Actor
from registry.db import session_scope
from registry.errors import Conflict, InvalidInput, NotFound
from registry.shortlists import services as shortlists
from registry.shortlists.schemas import ShortlistCreate, ShortlistItemAdd
from registry.tools.models import Tool
from tests.conftest import DEMO_PASSWORD, USERS


def actor(session: Session, who: str) -> Actor:
    user = session.execute(select(User).where(User.email == USERS[who])).scalar_one()
    return actor_for(session, user)


def published_tools(session: Session, n: int) -> list[Tool]:
    stmt = select(Tool).where(Tool.status == "published").order_by(Tool.id).limit(n)
    return list(session.execute(stmt).scalars())


def make_shortlist(session: Session, who: str, n: int = 2, name: str = "Network analysis") -> tuple[int, list[int]]:
    a = actor(session, who)
    sl = shortlists.create(session, a, ShortlistCreate(name=name))
    ids = [t.id for t in published_tools(session, n)]
    shortlists.add_tools(session, a, sl.id, [ShortlistItemAdd(tool_id=i) for i in ids])  # type: ignore[misc]
    return sl.id, ids  # type: ignore[return-value]


@pytest.fixture
def s(db: Any) -> Iterator[Session]:
    with session_scope(db.engine) as session:
        yield session


def crit(*rows: tuple[str, str, float]) -> list[ev.CriterionInput]:
    return [ev.CriterionInput(label=label, kind=kind, weight=w) for label, kind, w in rows]


def test_create_from_shortlist_has_valid_default_criteria_and_prices(s: Session) -> None:
    sl, ids = make_shortlist(s, "buyer_a", 3)
    e = ev.create(s, actor(s, "buyer_a"), name="ANPR 2026", shortlist_id=sl, price_years=3)
    assert len(e.id) == 32 and e.status == "draft"
    crits = ev.criteria_rows(s, e.id)
    assert sum(c.weight for c in crits) == 100
    assert [c.kind for c in crits].count("price") == 1
    assert sum(c.weight for c in crits if c.kind == "social_value") >= 10
    tools = {t.tool_id: t for t in ev.tool_rows(s, e.id)}
    assert list(tools) == ids
    first = s.get(Tool, ids[0])
    assert tools[ids[0]].price == pytest.approx(first.price_capital + 3 * first.price_annual)  # type: ignore[union-attr]
    assert tools[ids[0]].tool_version == first.version  # type: ignore[union-attr]
    outcome = ev.compute(s, e)
    assert outcome.result is None and any("still needs scores for" in p for p in outcome.problems)


def test_criteria_weights_must_sum_to_100_and_social_value_at_least_10(s: Session) -> None:
    sl, _ = make_shortlist(s, "buyer_a")
    buyer = actor(s, "buyer_a")
    e = ev.create(s, buyer, name="Weights", shortlist_id=sl)
    with pytest.raises(InvalidInput) as bad_sum:
        ev.set_criteria(
            s, buyer, e.id, crit(("Fit", "quality", 50), ("Price", "price", 30), ("SV", "social_value", 10))
        )
    assert "sum to 100" in bad_sum.value.fields["criteria"]
    with pytest.raises(InvalidInput) as low_sv:
        ev.set_criteria(s, buyer, e.id, crit(("Fit", "quality", 65), ("Price", "price", 30), ("SV", "social_value", 5)))
    assert "social value must weigh at least 10" in low_sv.value.fields["criteria"].lower()
    with pytest.raises(InvalidInput) as no_price:
        ev.set_criteria(s, buyer, e.id, crit(("Fit", "quality", 90), ("SV", "social_value", 10)))
    assert "price" in no_price.value.fields["criteria"]
    with pytest.raises(InvalidInput) as blank:
        ev.set_criteria(s, buyer, e.id, crit(("", "quality", 60), ("Price", "price", 30), ("SV", "social_value", 10)))
    assert "criteria-0-label" in blank.value.fields
    ok = ev.set_criteria(
        s, buyer, e.id, crit(("Fit", "quality", 60), ("Price", "price", 30), ("SV", "social_value", 10))
    )
    assert [c.weight for c in ev.criteria_rows(s, ok.id)] == [60, 30, 10]


def test_an_unknown_criterion_kind_is_refused_by_field_and_nothing_is_saved(s: Session) -> None:
    sl, _ = make_shortlist(s, "buyer_a")
    buyer = actor(s, "buyer_a")
    e = ev.create(s, buyer, name="Kinds", shortlist_id=sl)
    before = [(c.key, c.kind, c.weight) for c in ev.criteria_rows(s, e.id)]
    with pytest.raises(InvalidInput) as bad_kind:
        ev.set_criteria(s, buyer, e.id, crit(("Fit", "vibes", 60), ("Price", "price", 30), ("SV", "social_value", 10)))
    assert bad_kind.value.fields == {"criteria-0-kind": "Choose whether “Fit” is quality, price or social value"}
    assert [(c.key, c.kind, c.weight) for c in ev.criteria_rows(s, e.id)] == before


def test_a_damaged_stored_criterion_kind_is_reported_not_scored_as_quality(s: Session) -> None:
    # Only validated criteria are ever written; a row changed behind the service's back is named.
    sl, _ = make_shortlist(s, "buyer_a")
    e = ev.create(s, actor(s, "buyer_a"), name="Damaged", shortlist_id=sl)
    rows = ev.criteria_rows(s, e.id)
    assert [c.kind for c in ev.criteria_of(rows)] == [c.kind for c in rows]
    rows[0].kind = "vibes"
    s.flush()
    with pytest.raises(ValueError, match=f"{rows[0].key!r} has an unknown kind 'vibes'"):
        ev.criteria_of(ev.criteria_rows(s, e.id))


def test_a_score_without_a_reason_is_refused_and_nothing_is_saved(s: Session) -> None:
    sl, ids = make_shortlist(s, "buyer_a")
    buyer = actor(s, "buyer_a")
    e = ev.create(s, buyer, name="Reasons", shortlist_id=sl)
    with pytest.raises(InvalidInput) as exc:
        ev.set_scores(
            s,
            buyer,
            e.id,
            [
                ev.ScoreInput(ids[0], "functional-fit", 70, "Meets most needs"),
                ev.ScoreInput(ids[1], "functional-fit", 80, "   "),
            ],
        )
    name = s.get(Tool, ids[1]).name  # type: ignore[union-attr]
    assert exc.value.fields == {
        f"reason-{ids[1]}-functional-fit": f"Give a reason for the Functional fit score of {name}"
    }
    assert ev.score_rows(s, e.id) == []
    with pytest.raises(InvalidInput) as out_of_range:
        ev.set_scores(s, buyer, e.id, [ev.ScoreInput(ids[0], "functional-fit", 101, "Too good")])
    assert f"score-{ids[0]}-functional-fit" in out_of_range.value.fields
    with pytest.raises(InvalidInput):  # price is computed, never scored by hand
        ev.set_scores(s, buyer, e.id, [ev.ScoreInput(ids[0], "price", 50, "Cheap")])


def _flip_setup(s: Session, quality_a: float) -> tuple[Any, Actor, list[int]]:
    """Two tools: A better on quality, B cheaper; weights 45/45/10."""
    sl, ids = make_shortlist(s, "buyer_a")
    buyer = actor(s, "buyer_a")
    e = ev.create(s, buyer, name="Flip", shortlist_id=sl)
    ev.set_criteria(
        s, buyer, e.id, crit(("Quality", "quality", 45), ("Price", "price", 45), ("Social value", "social_value", 10))
    )
    a, b = ids
    ev.set_prices(s, buyer, e.id, {a: 100_000.0, b: 90_000.0})
    ev.set_scores(
        s,
        buyer,
        e.id,
        [
            ev.ScoreInput(a, "quality", quality_a, "Strong analysis features"),
            ev.ScoreInput(b, "quality", 50, "Adequate"),
            ev.ScoreInput(a, "social-value", 50, "Local apprenticeships"),
            ev.ScoreInput(b, "social-value", 50, "Local apprenticeships"),
        ],
    )
    return e, buyer, ids


def test_ranking_and_a_sensitivity_flip(s: Session) -> None:
    e, _buyer, (a, b) = _flip_setup(s, quality_a=62)
    outcome = ev.compute(s, e)
    result = outcome.result
    assert result is not None, outcome.problems
    # A: 0.45×62 + 0.45×90 + 0.10×50 = 73.4;  B: 0.45×50 + 0.45×100 + 5 = 72.5
    assert [r.tool for r in result.ranking] == [a, b]
    assert result.ranking[0].total == pytest.approx(73.4)
    assert result.ranking[1].total == pytest.approx(72.5)
    assert result.ranking[0].breakdown["price"].score == pytest.approx(90.0)
    assert not result.winner_stable
    flips = {(p.criterion, p.delta) for p in result.flips}
    assert ("quality", -10.0) in flips  # less weight on quality hands it to the cheaper tool
    words = sensitivity_sentences(result, {a: "Alpha", b: "Bravo"}, {"quality": "Quality"})
    assert any(
        "If the weight of Quality moves by −10 points" in w and "Bravo would win instead of Alpha" in w for w in words
    )


def test_a_clear_winner_is_stable(s: Session) -> None:
    e, _buyer, (a, _b) = _flip_setup(s, quality_a=100)
    result = ev.compute(s, e).result
    assert result is not None and result.winner == a and result.winner_stable
    words = sensitivity_sentences(result, {a: "Alpha"}, {})
    assert words == ["The winner does not change if any weight moves by ±10 points."]


def test_final_evaluations_are_locked_and_other_organisations_see_nothing(s: Session) -> None:
    e, buyer, (a, _b) = _flip_setup(s, quality_a=80)
    ev.finalise(s, buyer, e.id)
    with pytest.raises(Conflict):
        ev.set_scores(s, buyer, e.id, [ev.ScoreInput(a, "quality", 10, "Changed my mind")])
    for other in ("buyer_b", "lead_b", "supplier_a"):
        with pytest.raises(NotFound):
            ev.get_visible(s, actor(s, other), e.id)
    assert ev.get_visible(s, actor(s, "lead_a"), e.id).id == e.id  # same organisation may read
    assert [x.id for x in ev.list_for(s, actor(s, "buyer_b"))] == []


def test_cannot_evaluate_someone_elses_shortlist(s: Session) -> None:
    sl, _ = make_shortlist(s, "buyer_a")
    with pytest.raises(InvalidInput) as exc:
        ev.create(s, actor(s, "buyer_b"), name="Theirs", shortlist_id=sl)
    assert "shortlist_id" in exc.value.fields


# ---------------------------------------------------------------- pages


def login(client: Any, who: str) -> str:
    page = client.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    resp = client.post(
        "/login", data={"email": USERS[who], "password": DEMO_PASSWORD, "_csrf_token": token}, follow_redirects=False
    )
    assert resp.status_code in (302, 303), resp.text
    return token


def test_pages_create_score_with_errors_kept_and_show_ranking(client: Any, db: Any) -> None:
    with session_scope(db.engine) as session:
        sl, ids = make_shortlist(session, "buyer_a")
    token = login(client, "buyer_a")
    index = client.get("/evaluations")
    assert index.status_code == 200 and "Network analysis (2 tools)" in index.text
    missing = client.post(
        "/evaluations", data={"_csrf_token": token, "name": "", "shortlist_id": str(sl), "price_years": "3"}
    )
    assert missing.status_code == 400 and "Enter a name for the evaluation" in missing.text
    created = client.post(
        "/evaluations",
        data={"_csrf_token": token, "name": "Graph tools", "shortlist_id": str(sl), "price_years": "3"},
        follow_redirects=False,
    )
    assert created.status_code in (302, 303)
    url = created.headers["location"]
    a, b = ids
    form = {"_csrf_token": token}
    for tid, q in ((a, "80"), (b, "60")):
        form.update(
            {
                f"score-{tid}-functional-fit": q,
                f"reason-{tid}-functional-fit": "Good graph features",
                f"score-{tid}-security": "70",
                f"reason-{tid}-security": "SC cleared staff",
                f"score-{tid}-social-value": "50",
                f"reason-{tid}-social-value": "Apprenticeships",
            }
        )
    bad = dict(form, **{f"reason-{b}-security": ""})
    refused = client.post(f"{url}/scores", data=bad)
    assert refused.status_code == 400
    named = re.search(r"Give a reason for the Security and assurance score of ([^<]+)</a>", refused.text)
    assert named, refused.text[refused.text.find("govuk-error-summary") :][:800]
    assert not named.group(1)[:1].isdigit()
    assert f'href="#reason-{b}-security"' in refused.text  # error summary links to the field
    assert 'value="80"' in refused.text  # typed values kept
    saved = client.post(f"{url}/scores", data=form, follow_redirects=False)
    assert saved.status_code in (302, 303)
    page = client.get(url)
    assert page.status_code == 200
    assert "Ranking and weighted breakdown" in page.text
    assert "if any weight moves by ±10 points" in page.text or "would win instead of" in page.text
    assert f"/reports/new?kind=evaluation&amp;source_id={url.rsplit('/', 1)[1]}" in page.text
    weights = client.post(
        f"{url}/criteria",
        data={
            "_csrf_token": token,
            "rows": "3",
            "criteria-0-label": "Fit",
            "criteria-0-kind": "quality",
            "criteria-0-weight": "70",
            "criteria-1-label": "Price",
            "criteria-1-kind": "price",
            "criteria-1-weight": "25",
            "criteria-2-label": "Social value",
            "criteria-2-kind": "social_value",
            "criteria-2-weight": "5",
        },
    )
    assert weights.status_code == 400 and "Social value must weigh at least 10" in weights.text
    assert 'value="70"' in weights.text
