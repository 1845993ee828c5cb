"""The data files in seed_data/ (demo records, the capability taxonomy, search synonyms) and how to
read one. Its own module so that search can read its synonyms without importing the demo loader
(registry/seed.py), which imports every domain's tables."""

from __future__ import annotations

import json
from typing import Any

from registry.settings import ROOT

SEED_DIR = ROOT / "seed_data"


def read_seed(name: str) -> Any:
    """The parsed JSON of seed_data/<name>.json."""
    return json.loads((SEED_DIR / f"{name}.json").read_text(encoding="utf-8"))
