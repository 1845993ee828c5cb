"""Deterministic synthetic registry data for benchmarks and load tests.

Produces the same dict shapes as the files in ``seed_data/`` (see seed_data/README.md), so one
loader handles both. Pure: standard library and numpy only.

Determinism: tool number ``i`` depends only on ``seed``, ``i`` and the supplier/skill/taxonomy
sizes, never on how many tools are asked for, because random numbers are drawn per fixed-size
chunk from a generator seeded with ``(seed, stream, chunk)``. So the first 1,000 tools of a
1,000,000-tool run equal a 1,000-tool run, and streaming gives the same output as a list.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from registry.enums import (
    DATA_STANDARDS,
    WORKSTREAMS,
    Classification,
    Deployment,
    FiveC,
    FiveD,
    FourP,
    Hosting,
    MoSCoW,
    PricingModel,
    ToolStatus,
    VerificationState,
)

SEED_DIR = Path(__file__).resolve().parent.parent / "seed_data"
CHUNK = 4096  # fixed, so output never depends on the requested total

# Independent random streams, so adding suppliers does not reshuffle tools.
_TOOLS, _SUPPLIERS, _REQUIREMENTS, _SKILLS = 1, 2, 3, 4

# --- word lists for names: brand (stem + ending) + product noun + optional modifier ----------
# fmt: off
_STEMS = (
    "Cor", "Hal", "Tes", "Quil", "Mar", "Vel", "Bran", "Kes", "Fen", "Lin", "Ash", "Bel", "Cal", "Dun", "Fal",
    "Gar", "Har", "Jor", "Kel", "Lor", "Mor", "Nor", "Ost", "Pen", "Ros", "Sel", "Tal", "Val", "Wen", "Yar",
    "Zel", "Thorn", "Brack", "Cres", "Dray", "Glen", "Hurst", "Kin", "Lang", "Merr", "Ock", "Quen", "Rav",
    "Sten", "Trev", "Whit", "Ald", "Bram", "Carr", "Dal", "Ever", "Fox", "Gil", "Ivo", "Lyn", "Orr", "Pry",
    "Rud", "Sol", "Tor", "Ven", "Wyr", "Axi", "Cyn",
)
_ENDINGS = (
    "vane", "brook", "saro", "lon", "wick", "ora", "ton", "trel", "wyn", "ley", "mere", "stead", "gate", "ford",
    "ridge", "haven", "field", "more", "dale", "moor", "by", "wood", "well", "ix", "ara", "eon", "ent", "ica",
    "ium", "yx", "ar", "el", "an", "ex", "ion", "ova", "ith", "ant", "ery", "ane",
)
_NOUNS = (
    "Link", "Trace", "Lens", "Vault", "Graph", "Sight", "Watch", "Scope", "Map", "Hub", "Bridge", "Atlas",
    "Ledger", "Beacon", "Sentry", "Harbour", "Compass", "Signal", "Index", "Matrix", "Forge", "Pulse", "Grid",
    "Relay", "Track", "Scan", "Core", "Flow", "Nexus", "Shield", "Case", "Archive", "Insight", "Radar",
    "Lantern", "Anchor", "Keystone", "Summit", "Prism", "Chart", "Vector", "Gauge", "Pilot", "Quarry", "Sift",
    "Thread", "Weave", "Loom", "Canvas", "Ward", "Gate", "Point", "Frame", "Line", "Board", "Deck", "Desk",
    "Studio", "Works", "Suite", "Console", "Engine", "Kit", "Box",
)
# Empty string repeated so roughly half the names have no modifier.
_MODS = ("",) * 14 + (
    " Pro", " 360", " Live", " Cloud", " Lite", " Enterprise", " Edge", " Field", " Plus", " Go", " Analyst",
    " Secure", " Mobile", " Desktop", " Express", " Studio",
)
_COMPANY_WORDS = (
    "Analytics", "Systems", "Data", "Intelligence", "Forensics", "Technologies", "Labs", "Solutions",
    "Software", "Security", "Insight", "Digital", "Consulting", "Networks",
)
_KINDS = (
    "platform", "workbench", "toolkit", "service", "module", "suite", "engine", "app",
)
_AUDIENCES = (
    "analysts", "investigators", "digital forensic units", "financial investigators", "intelligence teams",
    "regional units", "partner agencies", "safeguarding teams",
)
# Acronyms that belong to a top-level area, mentioned in some summaries so search sees them.
_AREA_ACRONYMS = {
    "INT": ("POLE", "OCG"),
    "DATA": ("POLE", "MoPI"),
    "DFOR": ("CSAM", "DFU"),
    "OSINT": ("OSINT",),
    "FIN": ("SAR", "AML", "POCA"),
    "CASE": ("CPIA",),
    "VICT": ("NRM", "CSE"),
    "TRAIN": ("SOC",),
    "COMMS": ("CDR",),
    "VEH": ("ANPR",),
    "MARENV": ("AIS", "EO"),
    "RISK": ("MoRiLE",),
}
_SKILL_FACETS = (
    "practice", "tooling", "supervision", "quality assurance", "governance", "automation", "court presentation",
    "triage",
)
_REGIONS = (
    "London", "South East", "South West", "East of England", "East Midlands", "West Midlands", "North West",
    "North East", "Yorkshire and the Humber", "Wales", "Scotland", "Northern Ireland",
)
# fmt: on
_EVIDENCE = {
    VerificationState.VERIFIED.value: "Independent test report (synthetic).",
    VerificationState.EVIDENCED.value: "Customer reference supplied (synthetic).",
    VerificationState.CLAIMED.value: "Supplier statement (synthetic).",
}
_HOST_TEXT = {"uk": "the UK", "eea": "the EEA", "other": "outside the UK and EEA"}


def _combos(items: Sequence[str], max_size: int) -> tuple[tuple[str, ...], ...]:
    """All non-empty combinations up to max_size, so one integer draw picks a whole subset."""
    return tuple(c for size in range(1, max_size + 1) for c in itertools.combinations(items, size))


_WS_COMBOS = _combos(tuple(WORKSTREAMS), 3)
_FOURP_COMBOS = _combos(tuple(p.value for p in FourP), 2)
_FIVED_COMBOS = _combos(tuple(d.value for d in FiveD), 2)
_FIVEC_COMBOS = _combos(tuple(c.value for c in FiveC), 2)
_STD_COMBOS = _combos(DATA_STANDARDS, 3)
_DEP_COMBOS = _combos(tuple(d.value for d in Deployment), 2)
_CLASS_NAMES = tuple(c.name for c in Classification)
_HOSTINGS = tuple(h.value for h in Hosting)
_PRICING = tuple(p.value for p in PricingModel)
_STATUSES = tuple(s.value for s in ToolStatus)
_STATES = tuple(s.value for s in VerificationState)
_PRIORITIES = tuple(m.value for m in MoSCoW)


@dataclass(slots=True)
class SyntheticData:
    taxonomy: list[dict[str, Any]]
    skills: list[dict[str, Any]]
    suppliers: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    requirements: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Leaf:
    code: str
    name: str
    area_code: str
    area_name: str


def load_seed(name: str) -> Any:
    """One file from seed_data/, e.g. load_seed("taxonomy")."""
    path = SEED_DIR / (name if name.endswith(".json") else f"{name}.json")
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _seed_taxonomy_text() -> str:
    return (SEED_DIR / "taxonomy.json").read_text(encoding="utf-8")


def _default_taxonomy() -> list[dict[str, Any]]:
    # Parsed afresh each call so callers may mutate their copy.
    return json.loads(_seed_taxonomy_text())


def _walk(nodes: list[dict[str, Any]], area: dict[str, Any] | None = None) -> Iterator[tuple]:
    for node in nodes:
        top = area or node
        yield node, top
        yield from _walk(node.get("children") or [], top)


def _leaves(taxonomy: list[dict[str, Any]]) -> tuple[_Leaf, ...]:
    return tuple(
        _Leaf(n["code"], n["name"], top["code"], top["name"]) for n, top in _walk(taxonomy) if not n.get("children")
    )


def _node_codes(taxonomy: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(n["code"] for n, _ in _walk(taxonomy))


def _rng(seed: int, stream: int, chunk: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream, chunk])


# --- skills ------------------------------------------------------------------------------------


def generate_skills(n: int, *, seed: int = 42, taxonomy: list[dict] | None = None) -> list[dict]:
    """The seed skills followed by n synthetic skills SK-0001.. with unique names."""
    leaves = _leaves(taxonomy if taxonomy is not None else _default_taxonomy())
    out = list(load_seed("skills"))
    rng = _rng(seed, _SKILLS, 0)
    order = rng.permutation(len(leaves) * len(_SKILL_FACETS))
    for i in range(n):
        base = int(order[i % len(order)])
        leaf, facet = leaves[base // len(_SKILL_FACETS)], _SKILL_FACETS[base % len(_SKILL_FACETS)]
        cycle = i // len(order)  # past every leaf × facet pair, number the repeats
        name = f"{leaf.name} {facet}" + (f" {cycle + 1}" if cycle else "")
        out.append(
            {
                "code": f"SK-{i + 1:04d}",
                "name": name[0].upper() + name[1:],
                "category": leaf.area_name,
                "description": f"Synthetic skill: {facet} in {leaf.name.lower()}.",
            }
        )
    return out


# --- suppliers ---------------------------------------------------------------------------------


def _companies_house(i: int, kind: int) -> str:
    # Multiplying by a number coprime to 10^k is a bijection mod 10^k: unique per index.
    if kind == 0:
        return f"{(i * 7919 + 1_000_003) % 100_000_000:08d}"
    prefix = ("SC", "NI", "OC")[kind - 1]
    return f"{prefix}{(i * 7919 + 104_729) % 1_000_000:06d}"


def iter_suppliers(n: int, *, seed: int = 42) -> Iterator[dict[str, Any]]:
    """n synthetic suppliers SYN-S000001.., mostly SMEs, with unique Companies House numbers."""
    if n > 1_000_000:
        raise ValueError("at most 1,000,000 synthetic suppliers (Companies House number space)")
    for chunk_start in range(0, n, CHUNK):
        rng = _rng(seed, _SUPPLIERS, chunk_start // CHUNK)
        stem = rng.integers(0, len(_STEMS), CHUNK).tolist()
        end = rng.integers(0, len(_ENDINGS), CHUNK).tolist()
        word = rng.integers(0, len(_COMPANY_WORDS), CHUNK).tolist()
        band = rng.choice(4, CHUNK, p=[0.35, 0.35, 0.2, 0.1]).tolist()
        frac = rng.random(CHUNK).tolist()
        region = rng.integers(0, len(_REGIONS), CHUNK).tolist()
        clear = rng.integers(0, 3, CHUNK).tolist()
        verified = (rng.random(CHUNK) < 0.8).tolist()
        ch_kind = rng.choice(4, CHUNK, p=[0.85, 0.08, 0.03, 0.04]).tolist()
        for j in range(min(CHUNK, n - chunk_start)):
            i = chunk_start + j + 1
            brand = _STEMS[stem[j]] + _ENDINGS[end[j]]
            b = band[j]
            lo, hi = ((1, 9), (10, 49), (50, 249), (250, 5000))[b]
            employees = lo + int(frac[j] * (hi - lo + 1))
            kind = ch_kind[j]
            legal = "LLP" if kind == 3 else ("plc" if b == 3 and frac[j] > 0.5 else "Ltd")
            slug = f"{brand.lower()}-{_COMPANY_WORDS[word[j]].lower()}-{i:x}"
            yield {
                "key": f"SYN-S{i:06d}",
                "name": f"{brand} {_COMPANY_WORDS[word[j]]} {legal}",
                "companies_house_number": _companies_house(i, kind),
                "address": f"{i % 200 + 1} Synthetic Street, {_REGIONS[region[j]]}",
                "region": _REGIONS[region[j]],
                "website": f"https://{slug}.example",
                "size_band": ("micro", "small", "medium", "large")[b],
                "employees": employees,
                "turnover_gbp": employees * (60_000 + int(frac[j] * 90_000)),
                "clearances": ["BPSS", "SC", "DV"][: clear[j] + 1],
                "verified": verified[j],
                "contact_name": f"Contact {i}",
                "contact_email": f"sales@{slug}.example",
            }


# --- tools -------------------------------------------------------------------------------------


def iter_tools(
    *,
    tools: int,
    seed: int = 42,
    suppliers: int | None = None,
    skills: int = 200,
    taxonomy: list[dict] | None = None,
    skill_codes: Sequence[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """Stream `tools` synthetic tools SYN-T0000001.. without holding them all in memory.

    skill_codes overrides the skill codes tools may reference (default: seed skills plus
    SK-0001..SK-{skills}); suppliers defaults to max(1, tools // 8).
    """
    n_sup = suppliers if suppliers is not None else max(1, tools // 8)
    leaves = _leaves(taxonomy if taxonomy is not None else _default_taxonomy())
    if not leaves:
        raise ValueError("taxonomy has no nodes")
    codes = tuple(skill_codes) if skill_codes is not None else _skill_codes(skills)
    for chunk_start in range(0, tools, CHUNK):
        rng = _rng(seed, _TOOLS, chunk_start // CHUNK)
        yield from _tool_chunk(rng, chunk_start, min(CHUNK, tools - chunk_start), n_sup, leaves, codes)


def _skill_codes(n: int) -> tuple[str, ...]:
    return tuple(s["code"] for s in load_seed("skills")) + tuple(f"SK-{i:04d}" for i in range(1, n + 1))


def _tool_chunk(
    rng: np.random.Generator,
    start: int,
    count: int,
    n_sup: int,
    leaves: tuple[_Leaf, ...],
    skill_codes: tuple[str, ...],
) -> Iterator[dict[str, Any]]:
    """One chunk of tools; always draws CHUNK values so the stream is independent of count."""
    size = CHUNK
    ints = rng.integers
    stem, end = ints(0, len(_STEMS), size).tolist(), ints(0, len(_ENDINGS), size).tolist()
    noun, mod = ints(0, len(_NOUNS), size).tolist(), ints(0, len(_MODS), size).tolist()
    sup = ints(1, n_sup + 1, size).tolist()
    cap = ints(0, len(leaves), (size, 3)).tolist()
    n_cap = rng.choice(3, size, p=[0.55, 0.3, 0.15]).tolist()
    state = rng.choice(3, (size, 3), p=[0.3, 0.35, 0.35]).tolist()
    trl = rng.choice(np.arange(3, 10), size, p=[0.02, 0.04, 0.08, 0.16, 0.25, 0.25, 0.2]).tolist()
    dep = ints(0, len(_DEP_COMBOS), size).tolist()
    host = rng.choice(3, size, p=[0.8, 0.12, 0.08]).tolist()
    cls = rng.choice(4, size, p=[0.35, 0.45, 0.15, 0.05]).tolist()
    ce_days = ints(-200, 720, size).tolist()
    iso_days = (ints(30, 1100, size) * (rng.random(size) < 0.5)).tolist()  # 0 = none
    std = ints(0, len(_STD_COMBOS), size).tolist()
    pricing = ints(0, len(_PRICING), size).tolist()
    capital = (ints(0, 80, size) * 1000 * (rng.random(size) < 0.3)).tolist()
    annual = np.round(np.exp(rng.uniform(np.log(1_500), np.log(400_000), size)), -2).tolist()
    ws, fp, fd = (
        ints(0, len(_WS_COMBOS), size).tolist(),
        ints(0, len(_FOURP_COMBOS), size).tolist(),
        ints(0, len(_FIVED_COMBOS), size).tolist(),
    )
    sk = ints(0, len(skill_codes), (size, 2)).tolist()
    sk_level = ints(1, 7, (size, 2)).tolist()
    n_sk = ints(1, 3, size).tolist()
    trains = (rng.random(size) < 0.4).tolist()
    status = rng.choice(4, size, p=[0.05, 0.04, 0.85, 0.06]).tolist()
    reviewed = ints(0, 900, size).tolist()
    kind, aud = ints(0, len(_KINDS), size).tolist(), ints(0, len(_AUDIENCES), size).tolist()
    acr = (rng.random(size) < 0.35).tolist()
    # Hoist lookups out of the per-tool loop: this loop is the cost of a 1M-tool run.
    leaf_code = [leaf.code for leaf in leaves]
    leaf_name = [leaf.name for leaf in leaves]
    leaf_lower = [leaf.name.lower() for leaf in leaves]
    leaf_area = [leaf.area_name for leaf in leaves]
    leaf_acr = [_AREA_ACRONYMS.get(leaf.area_code, ("SOC",)) for leaf in leaves]
    annual_int = [int(a) for a in annual]
    stems, endings, nouns, mods, kinds, audiences = (
        _STEMS,
        _ENDINGS,
        _NOUNS,
        _MODS,
        _KINDS,
        _AUDIENCES,
    )
    states, evidence = _STATES, tuple(_EVIDENCE[s] for s in _STATES)
    pricing_names, dep_combos, std_combos = _PRICING, _DEP_COMBOS, _STD_COMBOS
    hostings, host_text, class_names, statuses = _HOSTINGS, _HOST_TEXT, _CLASS_NAMES, _STATUSES
    ws_combos, fp_combos, fd_combos = _WS_COMBOS, _FOURP_COMBOS, _FIVED_COMBOS

    for j in range(count):
        i = start + j + 1
        name = f"{stems[stem[j]]}{endings[end[j]]} {nouns[noun[j]]}{mods[mod[j]]}"
        claimed = list(dict.fromkeys(cap[j][: n_cap[j] + 1]))  # distinct, in draw order
        first = claimed[0]
        capabilities = [
            {"node": leaf_code[c], "state": states[s], "evidence": evidence[s]}
            for c, s in zip(claimed, state[j], strict=False)
        ]
        pm = pricing_names[pricing[j]]
        free = pm == "free-open-source"
        deployments = list(dep_combos[dep[j]])
        hosting = hostings[host[j]]
        accreditations = [{"name": "Cyber Essentials Plus", "expires_in_days": ce_days[j], "mandatory": True}]
        if iso_days[j]:
            accreditations.append({"name": "ISO/IEC 27001", "expires_in_days": iso_days[j], "mandatory": False})
        needs = sk[j][: n_sk[j]]
        if len(needs) == 2 and needs[0] == needs[1]:
            needs = needs[:1]
        skills_needed = [{"skill": skill_codes[s], "level": lvl} for s, lvl in zip(needs, sk_level[j], strict=False)]
        audience = audiences[aud[j]]
        summary = f"{leaf_name[first]} {kinds[kind[j]]} for {audience}"
        if acr[j]:
            acronyms = leaf_acr[first]
            summary = f"{summary} ({acronyms[i % len(acronyms)]})"
        extra = f" and {leaf_lower[claimed[1]]}" if len(claimed) > 1 else ""
        yield {
            "key": f"SYN-T{i:07d}",
            "supplier": f"SYN-S{sup[j]:06d}",
            "name": name,
            "summary": summary,
            "description": (
                f"{name} supports {leaf_lower[first]}{extra} for {audience}. "
                f"Offered {' and '.join(deployments)} with data held in {host_text[hosting]}."
            ),
            "category": leaf_area[first],
            "capabilities": capabilities,
            "trl": trl[j],
            "deployments": deployments,
            "hosting": hosting,
            "classification": class_names[cls[j]],
            "accreditations": accreditations,
            "data_standards": list(std_combos[std[j]]),
            "pricing_model": pm,
            "price_capital": 0 if free else capital[j],
            "price_annual": 0 if free else annual_int[j],
            "workstreams": list(ws_combos[ws[j]]),
            "four_ps": list(fp_combos[fp[j]]),
            "five_ds": list(fd_combos[fd[j]]),
            "skills_needed": skills_needed,
            "training_offered": [skills_needed[0]["skill"]] if trains[j] else [],
            "status": statuses[status[j]],
            "last_reviewed_days_ago": reviewed[j],
        }


# --- requirements ------------------------------------------------------------------------------


def iter_requirements(
    n: int,
    *,
    seed: int = 42,
    taxonomy: list[dict] | None = None,
    skill_codes: Sequence[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """n synthetic IM requirements SYN-R000001.. targeting any taxonomy node."""
    tax = taxonomy if taxonomy is not None else _default_taxonomy()
    nodes = [(n_["code"], n_["name"]) for n_, _ in _walk(tax)]
    codes = tuple(skill_codes) if skill_codes is not None else _skill_codes(200)
    for chunk_start in range(0, n, CHUNK):
        rng = _rng(seed, _REQUIREMENTS, chunk_start // CHUNK)
        ints = rng.integers
        node = ints(0, len(nodes), CHUNK).tolist()
        prio = rng.choice(4, CHUNK, p=[0.35, 0.35, 0.25, 0.05]).tolist()
        ws, fp = (
            ints(0, len(_WS_COMBOS), CHUNK).tolist(),
            ints(0, len(_FOURP_COMBOS), CHUNK).tolist(),
        )
        fd, fc = (
            ints(0, len(_FIVED_COMBOS), CHUNK).tolist(),
            ints(0, len(_FIVEC_COMBOS), CHUNK).tolist(),
        )
        cls = ints(-1, 4, CHUNK).tolist()  # -1 = no constraint
        host = ints(0, 3, CHUNK).tolist()
        std = (ints(0, len(DATA_STANDARDS), CHUNK) * (rng.random(CHUNK) < 0.3) - 1).tolist()
        trl = (ints(4, 10, CHUNK) * (rng.random(CHUNK) < 0.6)).tolist()  # 0 = none
        air = (rng.random(CHUNK) < 0.05).tolist()
        sk, lvl, ppl = ints(0, len(codes), CHUNK).tolist(), ints(2, 7, CHUNK), ints(1, 8, CHUNK)
        lvl, ppl = lvl.tolist(), ppl.tolist()
        for j in range(min(CHUNK, n - chunk_start)):
            i = chunk_start + j + 1
            code, name = nodes[node[j]]
            priority = _PRIORITIES[prio[j]]
            yield {
                "code": f"SYN-R{i:06d}",
                "title": f"{name} capability {i}",
                "description": f"Synthetic requirement for {name.lower()}.",
                "source": "Synthetic IM strategy",
                "capability": code,
                "workstreams": list(_WS_COMBOS[ws[j]]),
                "four_ps": list(_FOURP_COMBOS[fp[j]]),
                "five_ds": list(_FIVED_COMBOS[fd[j]]),
                "five_cs": list(_FIVEC_COMBOS[fc[j]]),
                "priority": priority,
                "weight": {"must": 3, "should": 2, "could": 1, "wont": 0}[priority],
                "min_classification": _CLASS_NAMES[cls[j]] if cls[j] >= 0 else None,
                "allowed_hosting": [] if host[j] == 0 else (["uk"] if host[j] == 1 else ["uk", "eea"]),
                "data_standards": [DATA_STANDARDS[std[j]]] if std[j] >= 0 else [],
                "min_trl": trl[j] or None,
                "allowed_deployments": ["air-gapped"] if air[j] else [],
                "skills": [{"skill": codes[sk[j]], "level": lvl[j], "people": ppl[j]}],
            }


# --- everything --------------------------------------------------------------------------------


def generate(
    *,
    tools: int,
    seed: int = 42,
    suppliers: int | None = None,
    requirements: int = 0,
    skills: int = 200,
    taxonomy: list[dict] | None = None,
) -> SyntheticData:
    """A whole synthetic registry in memory; for millions of tools use iter_tools instead."""
    tax = taxonomy if taxonomy is not None else _default_taxonomy()
    n_sup = suppliers if suppliers is not None else max(1, tools // 8)
    skill_rows = generate_skills(skills, seed=seed, taxonomy=tax)
    codes = tuple(s["code"] for s in skill_rows)
    return SyntheticData(
        taxonomy=tax,
        skills=skill_rows,
        suppliers=list(iter_suppliers(n_sup, seed=seed)),
        tools=list(iter_tools(tools=tools, seed=seed, suppliers=n_sup, taxonomy=tax, skill_codes=codes)),
        requirements=list(iter_requirements(requirements, seed=seed, taxonomy=tax, skill_codes=codes)),
    )
